//! The library's entry point: options checked as the command line
//! checks its flags, and scans that return the command line's reports.

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use trawl_core::{CategorySet, Limits, Scanner};
use trawl_formats::archive;
use trawl_formats::pe::analysis::Level;
use trawl_formats::pe::PeLimits;

use crate::defang;
use crate::inputs::{self, Input};
use crate::report::Report;
use crate::run::{self, Settings};

/// Smallest `max_token_len`: URLs and paths of ordinary length must fit.
const MIN_TOKEN_LEN: usize = 256;

/// Largest `max_token_len`: the overlap of the string extractor's
/// windows and of the cuts inside long lines, so a longer token could be
/// split there.
const MAX_TOKEN_LEN: usize = 8192;

/// Scan options. Each field is the command-line flag of the same name,
/// and `Options::default()` has the flags' defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The categories reported (`--types`); every category by default.
    pub types: CategorySet,
    /// Minimum length, in characters, of the strings extracted from
    /// binary inputs; at least 1.
    pub min_length: usize,
    /// Whether reports carry the `detections` list of every occurrence.
    pub detail: bool,
    /// Whether values are written defanged (`hxxp://`, `example[.]com`).
    pub defang: bool,
    /// Maximum length in bytes of a token a detector considers, from 256
    /// to 8192.
    pub max_token_len: usize,
    /// Maximum distinct values reported for one input, and maximum
    /// entries of its `detections` list; at least 1.
    pub max_values: usize,
    /// How many times a base64 payload is decoded and scanned again; 0
    /// turns decoding off.
    pub max_decode_depth: u8,
    /// Maximum strings extracted from one binary input; at least 1.
    pub max_strings: usize,
    /// Maximum bytes read from one input; at least 1.
    pub max_input_size: u64,
    /// Maximum entries read from each PE table, or `None` for the
    /// per-table defaults; at least 1.
    pub max_pe_entries: Option<usize>,
    /// Passwords tried on encrypted zip members, before the default
    /// `infected` (`--password`, repeated).
    pub passwords: Vec<String>,
    /// Whether archive members are read; `false` is `--no-archives`,
    /// which scans archives as binaries.
    pub archives: bool,
    /// Maximum bytes extracted from all archive members of one input;
    /// at least 1.
    pub max_extracted_size: u64,
    /// Maximum bytes extracted from one archive member; at least 1.
    pub max_member_size: u64,
    /// Maximum ratio of extracted to compressed bytes of a member,
    /// checked once it passes 4 MiB; at least 1.
    pub max_ratio: u64,
    /// Maximum archive entries read from one input; at least 1.
    pub max_entries: u64,
    /// Maximum nesting depth of archives; the input itself is depth 1.
    pub max_archive_depth: u32,
    /// Whether directory walks follow symbolic links.
    pub follow_symlinks: bool,
    /// The PE analysis level, or `None` for no `analysis` object.
    pub analysis: Option<Level>,
    /// Rules files of custom detectors (`--rules`, repeated). Unlike the
    /// command line, the library never reads the configuration folder's
    /// rules file.
    pub rules: Vec<PathBuf>,
    /// Allow list files (`--allow`): matching values are dropped.
    pub allow: Vec<PathBuf>,
    /// Block list files (`--block`): matching values are always kept.
    pub block: Vec<PathBuf>,
    /// Whether the built-in list of benign names is applied
    /// (`--exclude-benign`).
    pub exclude_benign: bool,
}

impl Default for Options {
    fn default() -> Options {
        let archive_limits = archive::Limits::default();
        Options {
            types: CategorySet::all(),
            min_length: 4,
            detail: false,
            defang: false,
            max_token_len: Limits::default().max_token_len,
            max_values: Limits::default().max_detections,
            max_decode_depth: Limits::default().max_decode_depth,
            max_strings: trawl_formats::strings::MAX_REGIONS,
            max_input_size: 4 << 30,
            max_pe_entries: None,
            passwords: Vec::new(),
            archives: true,
            max_extracted_size: archive_limits.max_total_bytes,
            max_member_size: archive_limits.max_member_bytes,
            max_ratio: archive_limits.max_ratio,
            max_entries: archive_limits.max_entries,
            max_archive_depth: archive_limits.max_depth,
            follow_symlinks: false,
            analysis: None,
            rules: Vec::new(),
            allow: Vec::new(),
            block: Vec::new(),
            exclude_benign: false,
        }
    }
}

/// An option value outside its valid range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidOption {
    /// The option's field name in [`Options`].
    pub option: &'static str,
    /// The expected range and the value given.
    pub message: String,
}

impl fmt::Display for InvalidOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid value for {}: {}", self.option, self.message)
    }
}

impl std::error::Error for InvalidOption {}

/// Returns an error unless `value` is at least 1.
fn at_least_one(
    option: &'static str,
    value: u64,
) -> Result<(), InvalidOption> {
    if value >= 1 {
        return Ok(());
    }
    Err(InvalidOption {
        option,
        message: format!("expected a whole number of at least 1, got {value}"),
    })
}

/// Converts a count to `u64` for `at_least_one`.
fn count(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl Options {
    /// Checks every value against the range its command-line flag
    /// accepts.
    fn validate(&self) -> Result<(), InvalidOption> {
        at_least_one("min_length", count(self.min_length))?;
        at_least_one("max_values", count(self.max_values))?;
        at_least_one("max_strings", count(self.max_strings))?;
        at_least_one("max_input_size", self.max_input_size)?;
        if let Some(entries) = self.max_pe_entries {
            at_least_one("max_pe_entries", count(entries))?;
        }
        at_least_one("max_extracted_size", self.max_extracted_size)?;
        at_least_one("max_member_size", self.max_member_size)?;
        at_least_one("max_ratio", self.max_ratio)?;
        at_least_one("max_entries", self.max_entries)?;
        if !(MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&self.max_token_len) {
            return Err(InvalidOption {
                option: "max_token_len",
                message: format!(
                    "expected between {MIN_TOKEN_LEN} and {MAX_TOKEN_LEN} \
                     bytes, got {}",
                    self.max_token_len
                ),
            });
        }
        if self.max_archive_depth > archive::MAX_DEPTH {
            return Err(InvalidOption {
                option: "max_archive_depth",
                message: format!(
                    "expected at most {}, got {}",
                    archive::MAX_DEPTH,
                    self.max_archive_depth
                ),
            });
        }
        Ok(())
    }

    /// Returns the run settings, built as the command line builds them
    /// from its flags, after reading the rules and list files.
    fn settings(&self) -> Result<Settings, InvalidOption> {
        let limits = Limits {
            max_token_len: self.max_token_len,
            max_detections: self.max_values,
            max_decode_depth: self.max_decode_depth,
        };
        let rules = crate::rules::load(&self.rules, true)
            .map_err(|message| InvalidOption { option: "rules", message })?;
        let filter =
            crate::lists::build(&self.allow, &self.block, self.exclude_benign)
                .map_err(|message| InvalidOption {
                    option: "allow/block",
                    message,
                })?;
        let scanner =
            Scanner::new(self.types, limits).with_rules(Arc::new(rules));
        Ok(Settings {
            scanner,
            filter,
            min_length: self.min_length,
            detail: self.detail,
            max_strings: self.max_strings,
            max_input_size: self.max_input_size,
            pe_limits: self
                .max_pe_entries
                .map_or_else(PeLimits::default, PeLimits::with_table_limit),
            archives: self.archives.then(|| self.archive_options()),
            analysis: self.analysis,
        })
    }

    /// Returns how archives are read; the passwords given come before
    /// the default one.
    fn archive_options(&self) -> archive::Options {
        let limits = archive::Limits {
            max_total_bytes: self.max_extracted_size,
            max_member_bytes: self.max_member_size,
            max_ratio: self.max_ratio,
            max_entries: self.max_entries,
            max_depth: self.max_archive_depth,
            ..archive::Limits::default()
        };
        let mut passwords: Vec<Vec<u8>> =
            self.passwords.iter().map(|pw| pw.as_bytes().to_vec()).collect();
        let default = archive::DEFAULT_PASSWORD.as_bytes().to_vec();
        if !passwords.contains(&default) {
            passwords.push(default);
        }
        archive::Options {
            limits,
            passwords,
            max_aes_attempts: archive::MAX_AES_ATTEMPTS,
        }
    }
}

/// Scans inputs into reports with fixed options. An engine keeps no
/// state between scans, so it can be shared between threads.
#[derive(Debug)]
pub struct Engine {
    settings: Settings,
    defang: bool,
    follow_symlinks: bool,
}

impl Engine {
    /// Creates an engine, or returns the first option outside its range
    /// or the first rules or list file that cannot be read or is
    /// invalid.
    pub fn new(options: Options) -> Result<Engine, InvalidOption> {
        options.validate()?;
        Ok(Engine {
            settings: options.settings()?,
            defang: options.defang,
            follow_symlinks: options.follow_symlinks,
        })
    }

    /// Scans a string as the command line's `--text` does: as UTF-8 text,
    /// with no `file`.
    pub fn scan_text(&self, text: &str) -> Report {
        let input = Input::Text(text.to_owned());
        let reports = run::process(&input, &self.settings);
        let mut report = reports
            .into_iter()
            .next()
            .unwrap_or_else(|| Report::failed(None, no_report_error()));
        self.finish(&mut report);
        report
    }

    /// Scans bytes as the command line scans a file's contents: sniffed
    /// as text, PE, other binary or archive. `name` becomes the report's
    /// `file` and the prefix of archive member names. An archive gives
    /// its own report, then one for each member; any other input gives
    /// one report.
    pub fn scan_bytes(&self, data: &[u8], name: Option<&str>) -> Vec<Report> {
        let mut reports =
            run::scan_bytes(name.map(str::to_owned), data, &self.settings);
        for report in &mut reports {
            self.finish(report);
        }
        reports
    }

    /// Scans a file, or every file under a directory in path order, as
    /// the command line does; archives give member reports too. Files
    /// under a directory are scanned in parallel on the current rayon
    /// pool.
    ///
    /// Returns the error of reading `path`'s metadata, or of opening it
    /// when it is a file. A file under a directory that cannot be read
    /// gets a report with a `read` error instead, as on the command line.
    pub fn scan_path(&self, path: &Path) -> io::Result<Vec<Report>> {
        if fs::metadata(path)?.is_file() {
            File::open(path)?;
        }
        let options = inputs::Options {
            exclude: None,
            follow_symlinks: self.follow_symlinks,
            shard: None,
        };
        let collected = inputs::collect(&[], &[path.to_path_buf()], options);
        if !collected.missing.is_empty() {
            // The path was removed after the metadata call above.
            return Err(io::ErrorKind::NotFound.into());
        }
        let per_input: Vec<Vec<Report>> = collected
            .inputs
            .par_iter()
            .map(|input| run::process(input, &self.settings))
            .collect();
        let mut reports: Vec<Report> =
            per_input.into_iter().flatten().collect();
        for report in &mut reports {
            self.finish(report);
        }
        Ok(reports)
    }

    /// Applies the output options the command line applies before
    /// writing a report.
    fn finish(&self, report: &mut Report) {
        if self.defang {
            defang::defang_report(report);
        }
    }
}

/// The error of a scan that returned no report; `run::process` always
/// returns one for a text input, so this is never expected.
fn no_report_error() -> crate::report::ReportError {
    crate::report::ReportError {
        stage: crate::report::Stage::Scan,
        message: "the scan returned no report".to_string(),
    }
}

/// Returns a report as the JSON object the command line writes for it,
/// with the keys in the same order.
pub fn to_json(report: &Report) -> serde_json::Value {
    // serde_json fails only on a map key that is not a string, and the
    // report types serialize no such map.
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::Args;

    fn cli(flags: &[&str]) -> Args {
        let mut argv = vec!["trawl"];
        argv.extend_from_slice(flags);
        argv.push("-");
        Args::try_parse_from(argv).unwrap()
    }

    #[test]
    fn defaults_equal_command_line_defaults() {
        let args = cli(&[]);
        let options = Options::default();
        let selection = args.selection(&trawl_core::RuleSet::default());
        assert_eq!(options.types, selection.unwrap().builtin);
        assert_eq!(options.min_length, args.min_length);
        assert_eq!(options.detail, args.detail);
        assert_eq!(options.defang, args.defang);
        assert_eq!(options.max_token_len, args.max_token_len);
        assert_eq!(options.max_values, args.max_values);
        assert_eq!(options.max_decode_depth, args.max_decode_depth);
        assert_eq!(options.max_strings, args.max_strings);
        assert_eq!(options.max_input_size, args.max_input_size);
        assert_eq!(options.max_pe_entries, args.max_pe_entries);
        assert_eq!(options.passwords, args.passwords);
        assert_eq!(options.archives, !args.no_archives);
        assert_eq!(options.max_extracted_size, args.max_extracted_size);
        assert_eq!(options.max_member_size, args.max_member_size);
        assert_eq!(options.max_ratio, args.max_ratio);
        assert_eq!(options.max_entries, args.max_entries);
        assert_eq!(options.max_archive_depth, args.max_archive_depth);
        assert_eq!(options.follow_symlinks, args.follow_symlinks);
        assert_eq!(options.analysis, args.analysis.map(Into::into));
        assert_eq!(options.rules, args.rules);
        assert_eq!(options.allow, args.allow);
        assert_eq!(options.block, args.block);
        assert_eq!(options.exclude_benign, args.exclude_benign);
    }

    #[test]
    fn settings_equal_command_line_settings() {
        let args = cli(&["--password", "pw", "--max-pe-entries", "7"]);
        let options = Options {
            passwords: vec!["pw".to_string()],
            max_pe_entries: Some(7),
            ..Options::default()
        };
        let settings = options.settings().unwrap();
        assert_eq!(settings.scanner.limits(), &args.limits());
        assert_eq!(settings.pe_limits, args.pe_limits());
        let archives = settings.archives.unwrap();
        let expected = args.archive_options().unwrap();
        assert_eq!(archives.passwords, expected.passwords);
        assert_eq!(archives.limits, expected.limits);
    }

    #[test]
    fn rules_and_lists_apply() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.toml");
        std::fs::write(
            &rules,
            "version = 1\n[[rule]]\nname = \"ticket\"\n\
             category = \"tickets\"\npattern = \"TCK-[0-9]{4}\"\n",
        )
        .unwrap();
        let allow = dir.path().join("allow.txt");
        std::fs::write(&allow, ".allowed.example.net\n").unwrap();
        let engine = Engine::new(Options {
            rules: vec![rules],
            allow: vec![allow],
            exclude_benign: true,
            ..Options::default()
        })
        .unwrap();
        let text = "TCK-1234 see http://www.w3.org/2001/XMLSchema and \
                    http://c2.allowed.example.net/x and http://evil.io/a";
        let json = to_json(&engine.scan_text(text));
        assert_eq!(json["iocs"]["tickets"], serde_json::json!(["TCK-1234"]));
        assert_eq!(
            json["iocs"]["urls"],
            serde_json::json!(["http://evil.io/a"])
        );
    }

    #[test]
    fn missing_rules_file_is_rejected() {
        let options = Options {
            rules: vec![PathBuf::from("/nonexistent/rules.toml")],
            ..Options::default()
        };
        let error = Engine::new(options).unwrap_err();
        assert_eq!(error.option, "rules");
        assert!(error.message.contains("/nonexistent/rules.toml"), "{error}");
    }

    #[test]
    fn invalid_list_line_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let block = dir.path().join("block.txt");
        std::fs::write(&block, "10.0.0.0/99\n").unwrap();
        let options = Options { block: vec![block], ..Options::default() };
        let error = Engine::new(options).unwrap_err();
        assert_eq!(error.option, "allow/block");
        assert!(error.message.contains("block.txt:1"), "{error}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        type Edit = fn(&mut Options);
        let cases: [(&str, Edit); 12] = [
            ("min_length", |o| o.min_length = 0),
            ("max_values", |o| o.max_values = 0),
            ("max_strings", |o| o.max_strings = 0),
            ("max_input_size", |o| o.max_input_size = 0),
            ("max_pe_entries", |o| o.max_pe_entries = Some(0)),
            ("max_extracted_size", |o| o.max_extracted_size = 0),
            ("max_member_size", |o| o.max_member_size = 0),
            ("max_ratio", |o| o.max_ratio = 0),
            ("max_entries", |o| o.max_entries = 0),
            ("max_token_len", |o| o.max_token_len = 255),
            ("max_token_len", |o| o.max_token_len = 8193),
            ("max_archive_depth", |o| o.max_archive_depth = 65),
        ];
        for (option, edit) in cases {
            let mut options = Options::default();
            edit(&mut options);
            let error = Engine::new(options).unwrap_err();
            assert_eq!(error.option, option);
        }
        let error =
            Engine::new(Options { max_token_len: 100, ..Options::default() })
                .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value for max_token_len: expected between 256 and \
             8192 bytes, got 100"
        );
    }

    #[test]
    fn token_len_bounds_are_accepted() {
        for len in [MIN_TOKEN_LEN, MAX_TOKEN_LEN] {
            let options = Options { max_token_len: len, ..Options::default() };
            assert!(Engine::new(options).is_ok(), "{len}");
        }
    }

    #[test]
    fn text_scan_refangs_and_has_no_file() {
        let engine = Engine::new(Options::default()).unwrap();
        let report = engine.scan_text("see hxxp://evil[.]com/x and 10.0.0.1");
        let json = to_json(&report);
        assert_eq!(json["file"], serde_json::Value::Null);
        assert_eq!(json["type"], "text");
        assert_eq!(json["iocs"]["urls"][0], "http://evil.com/x");
        assert_eq!(json["iocs"]["ips"][0], "10.0.0.1");
    }

    #[test]
    fn json_value_keeps_command_line_layout() {
        let options = Options { detail: true, ..Options::default() };
        let engine = Engine::new(options).unwrap();
        let report = engine.scan_text("mail admin@example.org from 1.2.3.4");
        let direct = serde_json::to_string_pretty(&report).unwrap();
        let through_value =
            serde_json::to_string_pretty(&to_json(&report)).unwrap();
        assert_eq!(through_value, direct);
    }

    #[test]
    fn defang_option_defangs_values() {
        let options = Options { defang: true, ..Options::default() };
        let engine = Engine::new(options).unwrap();
        let json = to_json(&engine.scan_text("http://evil.com/x"));
        assert_eq!(json["iocs"]["urls"][0], "hxxp://evil[.]com/x");
    }

    #[test]
    fn types_option_limits_categories() {
        let options = Options {
            types: CategorySet::empty().with(trawl_core::Category::Ip),
            ..Options::default()
        };
        let engine = Engine::new(options).unwrap();
        let json = to_json(&engine.scan_text("http://evil.com/ 10.0.0.1"));
        assert_eq!(json["iocs"]["ips"][0], "10.0.0.1");
        assert_eq!(json["iocs"]["urls"].as_array().map(Vec::len), Some(0));
        assert_eq!(json["iocs"]["domains"].as_array().map(Vec::len), Some(0));
    }

    #[test]
    fn bytes_scan_names_report() {
        let engine = Engine::new(Options::default()).unwrap();
        let reports = engine.scan_bytes(b"ping 10.0.0.1\n", Some("log.txt"));
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].file.as_deref(), Some("log.txt"));
        assert_eq!(reports[0].kind, "text");
    }

    #[test]
    fn path_scan_walks_directory_in_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b.txt"), "10.0.0.2").unwrap();
        fs::write(dir.path().join("a.txt"), "10.0.0.1").unwrap();
        let engine = Engine::new(Options::default()).unwrap();
        let reports = engine.scan_path(dir.path()).unwrap();
        let files: Vec<String> = reports
            .iter()
            .map(|r| {
                let file = r.file.as_deref().unwrap();
                Path::new(file).file_name().unwrap().to_string_lossy().into()
            })
            .collect();
        assert_eq!(files, ["a.txt", "b.txt"]);
    }

    #[test]
    fn missing_path_is_not_found_error() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(Options::default()).unwrap();
        let error = engine.scan_path(&dir.path().join("gone")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }
}
