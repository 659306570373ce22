//! Command-line arguments and the exit codes that `--help` documents.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use trawl_core::{Category, CategorySet, CustomCategory, RuleSet};
use trawl_formats::archive;
use trawl_formats::pe::analysis::Level;
use trawl_formats::pe::PeLimits;

use crate::inputs::Shard;
use crate::timestamp::Timestamp;

/// Text printed after the options in `--help`.
const EXIT_CODES: &str = "\
Exit codes:
  0  success, whether or not indicators were found
  1  an input was not found or could not be read, a report carries an
     `errors` entry, or the output could not be written; the reports of
     the other inputs are still written. Takes precedence over 3.
  2  invalid arguments or rules file
  3  --fail-on-ioc was given and at least one indicator was found";

/// Finds indicators of compromise (URLs, domains, IPs, hashes, e-mails,
/// file paths, file names, base64, wallet addresses, CVEs, registry keys,
/// ATT&CK ids, MAC addresses, fuzzy hashes, AS numbers) in files,
/// directories, standard input or strings, and reports them as JSON.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, after_help = EXIT_CODES)]
#[command(arg_required_else_help = true)]
pub struct Args {
    /// Files or directories to scan; directories are walked recursively,
    /// hidden files and `.gitignore` rules included, without following
    /// symbolic links unless --follow-symlinks is given, and `-` reads
    /// standard input as bytes.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Scan TEXT itself instead of a file (repeatable)
    #[arg(short = 't', long = "text", value_name = "TEXT")]
    pub texts: Vec<String>,

    /// Write the report to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Json)]
    pub format: Format,

    /// Write JSON without whitespace
    #[arg(short, long)]
    pub compact: bool,

    /// Add one STIX indicator with a STIX pattern per observable to the
    /// `--format stix` bundle
    #[arg(long)]
    pub stix_indicators: bool,

    /// Time written in STIX `created`, `modified` and `valid_from` and in
    /// the MISP `date` and `timestamp` fields, as an RFC 3339 timestamp
    /// from 1970 on. The fixed default makes reruns byte-identical
    #[arg(
        long,
        value_name = "RFC3339",
        default_value = "1970-01-01T00:00:00Z",
        value_parser = Timestamp::parse
    )]
    pub timestamp: Timestamp,

    /// Write values defanged (`hxxp://`, `example[.]com`, `10.0.0[.]1`,
    /// `user[@]example[.]com`) so they cannot be clicked or resolved by
    /// mistake; not accepted with the STIX and MISP formats, which need
    /// the real values
    #[arg(long)]
    pub defang: bool,

    /// Minimum length, in characters, of the ASCII and UTF-16
    /// strings extracted from binary inputs
    #[arg(
        short = 'm',
        long,
        value_name = "N",
        default_value_t = 4,
        value_parser = parse_at_least_one
    )]
    pub min_length: usize,

    /// Add a `detections` list to each report: every occurrence with its
    /// byte offset, length in bytes, source region and raw text
    #[arg(long)]
    pub detail: bool,

    /// Report only these categories, as a comma-separated list. The names
    /// are those that --list-detectors prints: urls, domains, ips,
    /// hashes, emails, filepaths, base64, crypto.btc, crypto.eth, cves,
    /// registry_keys, attack_techniques, macs, crypto.xmr, fuzzy_hashes,
    /// asns, filenames, crypto.ltc, crypto.bch, crypto.dash, mutexes and
    /// the categories of custom rules. Singular forms, and `crypto` for every
    /// wallet category, are accepted
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        value_parser = parse_type_name
    )]
    pub types: Vec<String>,

    /// Load custom detectors from this TOML rules file, after the rules
    /// file of the configuration folder (repeatable); docs/rules.md
    /// describes the format
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Skip the rules file of the configuration folder,
    /// $XDG_CONFIG_HOME/trawl/rules.toml or else
    /// $HOME/.config/trawl/rules.toml
    #[arg(long)]
    pub no_config: bool,

    /// Number of worker threads, from 1 to 256 [default: one per CPU
    /// core].
    #[arg(short = 'j', long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,

    /// Scan only share I of N of the inputs (0 <= I < N), chosen by the
    /// FNV-1a 64-bit hash of each path as given or walked, so N runs with
    /// I from 0 to N-1 scan every input exactly once; --text and `-`
    /// inputs belong to share 0
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,

    /// Follow symbolic links while walking directories; a folder reached
    /// twice, through a loop or a second link, is walked once
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Draw no progress bar on standard error; it is drawn only when
    /// standard error is a terminal
    #[arg(long)]
    pub no_progress: bool,

    /// Write nothing to standard error but fatal errors and missing
    /// inputs: no progress bar and no copy of the reports' errors, which
    /// the exit code still counts
    #[arg(short, long)]
    pub quiet: bool,

    /// Exit with code 3 when any indicator is found
    #[arg(long)]
    pub fail_on_ioc: bool,

    /// Drop from `iocs` the values that FILE lists as known-good
    /// (repeatable): values that must never reach a blocklist. FILE has
    /// one entry per line: an exact value, a domain suffix
    /// (`.example.com`), a CIDR network or a URL path ending in `/*`.
    /// `#` starts a comment. URLs and e-mail addresses on a listed host
    /// are dropped too. A --block list overrides it
    #[arg(long = "allow", value_name = "FILE")]
    pub allow: Vec<PathBuf>,

    /// Always keep the values that FILE lists as known-bad (repeatable),
    /// even when --allow or --exclude-benign would drop them, and name
    /// the list entry under --detail as `"listed"`. Same format as
    /// --allow. It never adds values the scan did not find
    #[arg(long = "block", value_name = "FILE")]
    pub block: Vec<PathBuf>,

    /// Drop names that reports mention but that are not indicators: XML
    /// namespaces, standards bodies, certificate authorities' CRL and
    /// OCSP servers, package registries, vendor documentation, security
    /// research and reference sites, documentation examples. Hosts where
    /// anyone can publish (github.com, paste and file sharing sites) are
    /// never on this list. --detail names the reason as `"dropped"`
    #[arg(long)]
    pub exclude_benign: bool,

    /// Maximum length of a token a detector considers, in bytes, from 256
    /// to 8K (K suffix for KiB); a longer URL or path is not reported
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "8K",
        value_parser = parse_token_len
    )]
    pub max_token_len: usize,

    /// Maximum distinct values reported for one input, and maximum
    /// entries of its `--detail` list; later new values are dropped and
    /// the report carries an error
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1_000_000,
        value_parser = parse_at_least_one
    )]
    pub max_values: usize,

    /// How many times a base64 payload is decoded and scanned again; 0
    /// turns decoding off
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub max_decode_depth: u8,

    /// Maximum strings extracted from one binary input; the rest of the
    /// input is not scanned and the report carries an error
    #[arg(
        long,
        value_name = "N",
        default_value_t = trawl_formats::strings::MAX_REGIONS,
        value_parser = parse_at_least_one
    )]
    pub max_strings: usize,

    /// Maximum bytes read from one input (K, M, G suffixes for KiB, MiB,
    /// GiB). A longer input is scanned up to this size, and its report
    /// carries an error
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "4G",
        value_parser = parse_size
    )]
    pub max_input_size: u64,

    /// Maximum entries read from each PE table: sections, import
    /// descriptors, thunks per descriptor, imported symbols, exports,
    /// relocation blocks, debug entries and TLS callbacks. A longer table
    /// is cut and the report's metadata lists an anomaly [default: 2048
    /// sections, 256 debug entries, 4096 descriptors and callbacks,
    /// 16384 thunks, 65536 for the rest]
    #[arg(long, value_name = "N", value_parser = parse_at_least_one)]
    pub max_pe_entries: Option<usize>,

    /// Password tried on encrypted zip members, before the default
    /// `infected` (repeatable)
    #[arg(long = "password", value_name = "PW")]
    pub passwords: Vec<String>,

    /// Scan archives as plain binaries instead of reading their members
    #[arg(long)]
    pub no_archives: bool,

    /// Maximum bytes extracted from all archive members of one input,
    /// nested ones included (K, M, G suffixes)
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "1G",
        value_parser = parse_size
    )]
    pub max_extracted_size: u64,

    /// Maximum bytes extracted from one archive member (K, M, G
    /// suffixes); a longer member is scanned up to this size
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "512M",
        value_parser = parse_size
    )]
    pub max_member_size: u64,

    /// Maximum ratio of extracted to compressed bytes of an archive
    /// member, checked once it passes 4 MiB
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = parse_positive_u64)]
    pub max_ratio: u64,

    /// Maximum archive entries read from one input, nested ones included
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = parse_positive_u64)]
    pub max_entries: u64,

    /// Maximum nesting depth of archives, at most 64; the input itself
    /// is depth 1, and a deeper archive is scanned as a binary
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        value_parser = clap::value_parser!(u32)
            .range(..=i64::from(archive::MAX_DEPTH))
    )]
    pub max_archive_depth: u32,

    /// Add an `analysis` object to PE reports: `basic` lists each
    /// section's layout and entropy, `deep` adds obfuscation hints, and
    /// `full` adds a summary of the parsed directories and the heuristic
    /// and structural findings with their reason codes
    #[arg(short = 'a', long, value_enum, value_name = "LEVEL")]
    pub analysis: Option<AnalysisLevel>,

    /// List the indicator categories, built-in then custom, with where
    /// each comes from and a short description, and exit
    #[arg(long, conflicts_with_all = ["inputs", "texts"])]
    pub list_detectors: bool,
}

impl Args {
    /// Returns the usage error of options that cannot be combined.
    pub fn conflict(&self) -> Option<String> {
        if self.defang && self.format.is_aggregate() {
            return Some(
                "--defang cannot be used with --format stix or misp, which \
                 need the real values; defang in the consuming platform \
                 instead"
                    .to_string(),
            );
        }
        if self.stix_indicators && self.format != Format::Stix {
            return Some(
                "--stix-indicators requires --format stix".to_string(),
            );
        }
        None
    }

    /// Returns the scanner limits the options set.
    pub fn limits(&self) -> trawl_core::Limits {
        trawl_core::Limits {
            max_token_len: self.max_token_len,
            max_detections: self.max_values,
            max_decode_depth: self.max_decode_depth,
        }
    }

    /// Returns the PE table limits `--max-pe-entries` sets.
    pub fn pe_limits(&self) -> PeLimits {
        self.max_pe_entries
            .map_or_else(PeLimits::default, PeLimits::with_table_limit)
    }

    /// Returns how archives are read, or `None` with `--no-archives`.
    /// Passwords given with `--password` come before the default one.
    pub fn archive_options(&self) -> Option<archive::Options> {
        if self.no_archives {
            return None;
        }
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
        Some(archive::Options {
            limits,
            passwords,
            max_aes_attempts: archive::MAX_AES_ATTEMPTS,
        })
    }

    /// Returns the categories `--types` selects among the built-in ones
    /// and those of `rules`: every category when the option is absent.
    /// The error names an unknown category.
    pub fn selection(&self, rules: &RuleSet) -> Result<Selection, String> {
        if self.types.is_empty() {
            return Ok(Selection {
                builtin: CategorySet::all(),
                custom: None,
            });
        }
        let mut builtin = CategorySet::empty();
        let mut custom = Vec::new();
        for name in &self.types {
            if let Some(set) = Category::parse_list(name) {
                builtin = builtin.union(set);
            } else if let Some(category) = rules.find_category(name) {
                custom.push(category);
            } else {
                return Err(unknown_category(name, rules));
            }
        }
        Ok(Selection { builtin, custom: Some(custom) })
    }
}

/// The categories a run reports.
#[derive(Debug, PartialEq, Eq)]
pub struct Selection {
    /// The built-in categories.
    pub builtin: CategorySet,
    /// The custom categories, or `None` for all of them.
    pub custom: Option<Vec<CustomCategory>>,
}

/// The PE analysis level `--analysis` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AnalysisLevel {
    /// Section layout and entropy.
    Basic,
    /// Adds obfuscation hints.
    Deep,
    /// Adds the directory summary and the heuristic findings.
    Full,
}

impl From<AnalysisLevel> for Level {
    fn from(level: AnalysisLevel) -> Level {
        match level {
            AnalysisLevel::Basic => Level::Basic,
            AnalysisLevel::Deep => Level::Deep,
            AnalysisLevel::Full => Level::Full,
        }
    }
}

/// The report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per input, in an array when there are several.
    Json,
    /// One compact JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// One `category<TAB>value` line per indicator, after the file name
    /// and a tab when there are several inputs.
    Text,
    /// One STIX 2.1 bundle of cyber-observable objects for the whole run.
    Stix,
    /// One MISP event, in the MISP core JSON format, for the whole run.
    Misp,
}

impl Format {
    /// Reports whether the format writes one document for the whole run
    /// instead of one entry per report.
    pub fn is_aggregate(self) -> bool {
        matches!(self, Format::Stix | Format::Misp)
    }
}

/// Parses a whole number of at least 1, as a `u64`.
fn parse_positive_u64(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 1, got '{value}'"
        )),
    }
}

/// Parses a whole number of at least 1.
fn parse_at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 1, got '{value}'"
        )),
    }
}

/// Most worker threads a run may start: each one reads a whole input, so
/// a huge count only multiplies memory and start-up cost.
const MAX_THREADS: usize = 256;

/// Parses `--threads`: a whole number from 1 to `MAX_THREADS`.
fn parse_threads(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to {MAX_THREADS}, got '{value}'"
        )),
    }
}

/// Parses a size in bytes with an optional K, M or G suffix (powers of
/// 1024).
fn parse_size(value: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "expected a size in bytes such as 65536, 64K, 16M or 2G, got \
             '{value}'"
        )
    };
    let trimmed = value.trim();
    let (digits, shift) = match trimmed.char_indices().last() {
        Some((at, 'k' | 'K')) => (&trimmed[..at], 10),
        Some((at, 'm' | 'M')) => (&trimmed[..at], 20),
        Some((at, 'g' | 'G')) => (&trimmed[..at], 30),
        _ => (trimmed, 0),
    };
    let number: u64 = digits.parse().map_err(|_| invalid())?;
    number.checked_mul(1 << shift).filter(|&n| n >= 1).ok_or_else(invalid)
}

/// Parses `--max-token-len`. At least 256 bytes, because URLs and paths
/// of ordinary length must fit. At most 8 KiB, the overlap of the string
/// extractor's windows and of cuts inside long lines, because a longer
/// token could be split there.
fn parse_token_len(value: &str) -> Result<usize, String> {
    let size = parse_size(value)?;
    match usize::try_from(size) {
        Ok(n) if (256..=8192).contains(&n) => Ok(n),
        _ => Err(format!("expected between 256 bytes and 8K, got '{value}'")),
    }
}

/// Parses `--shard I/N`: two whole numbers with `I` below `N`.
fn parse_shard(value: &str) -> Result<Shard, String> {
    let parsed = value.split_once('/').and_then(|(index, count)| {
        Some(Shard { index: index.parse().ok()?, count: count.parse().ok()? })
    });
    match parsed {
        Some(shard) if shard.index < shard.count => Ok(shard),
        _ => Err(format!(
            "expected I/N with whole numbers 0 <= I < N, such as 0/4, got \
             '{value}'"
        )),
    }
}

/// Checks one category name of `--types`. Whether a name is known is
/// checked once the rules files are read, since they add categories.
fn parse_type_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Err(format!("empty category in '{value}'; expected a name"));
    }
    Ok(name.to_string())
}

/// Returns the error for a `--types` name that is no category.
fn unknown_category(name: &str, rules: &RuleSet) -> String {
    let mut names: Vec<&str> =
        Category::ALL.iter().map(|c| c.name()).collect();
    names.push("crypto");
    names.extend(rules.categories().iter().map(String::as_str));
    format!(
        "unknown category '{name}' in --types; expected one of {}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_bounded() {
        assert!(parse_threads("0").is_err());
        assert!(parse_threads("100000").is_err());
        assert_eq!(parse_threads("256"), Ok(256));
    }

    #[test]
    fn shard_parses_index_and_count() {
        let cases = [("0/3", 0, 3), ("2/3", 2, 3), ("0/1", 0, 1)];
        for (input, index, count) in cases {
            assert_eq!(parse_shard(input), Ok(Shard { index, count }));
        }
    }

    #[test]
    fn sizes_accept_suffixes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("16m"), Ok(16 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_token_len("100").is_err());
        assert!(parse_token_len("9K").is_err());
        assert_eq!(parse_token_len("1K"), Ok(1024));
    }
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn types_union_of_listed_categories() {
        let args =
            Args::try_parse_from(["trawl", "--types", "ips,crypto", "x"])
                .unwrap();
        let selection = args.selection(&RuleSet::default()).unwrap();
        let set = selection.builtin;
        assert!(set.contains(Category::Ip));
        assert!(set.contains(Category::Btc));
        assert!(set.contains(Category::Eth));
        assert!(!set.contains(Category::Url));
        assert_eq!(selection.custom, Some(Vec::new()));
    }

    #[test]
    fn types_absent_selects_everything() {
        let args = Args::try_parse_from(["trawl", "x"]).unwrap();
        let selection = args.selection(&RuleSet::default()).unwrap();
        assert_eq!(selection.builtin, CategorySet::all());
        assert_eq!(selection.custom, None);
    }

    fn rules() -> RuleSet {
        let text = "[[rule]]\nname = 'jira'\ncategory = 'jira_tickets'\n\
                    pattern = '[A-Z]+-[0-9]+'\n";
        RuleSet::parse(text, "rules.toml").unwrap()
    }

    #[test]
    fn types_accept_custom_categories() {
        let rules = rules();
        let args =
            Args::try_parse_from(["trawl", "--types", "Jira_Tickets,ip", "x"])
                .unwrap();
        let selection = args.selection(&rules).unwrap();
        assert!(selection.builtin.contains(Category::Ip));
        assert!(!selection.builtin.contains(Category::Url));
        let jira = rules.find_category("jira_tickets").unwrap();
        assert_eq!(selection.custom, Some(vec![jira]));
    }

    #[test]
    fn types_unknown_name_lists_choices() {
        let args =
            Args::try_parse_from(["trawl", "--types", "urls,nonsense", "x"])
                .unwrap();
        let error = args.selection(&rules()).unwrap_err();
        assert!(error.contains("'nonsense'"), "{error}");
        assert!(error.contains("mutexes, crypto, jira_tickets"), "{error}");
    }

    #[test]
    fn invalid_values_are_rejected() {
        let cases: &[&[&str]] = &[
            &["trawl", "-m", "0", "x"],
            &["trawl", "-m", "-3", "x"],
            &["trawl", "-j", "0", "x"],
            &["trawl", "--types", "", "x"],
            &["trawl", "-f", "xml", "x"],
            &["trawl", "-a", "x"],
            &["trawl", "--shard", "3/3", "x"],
            &["trawl", "--shard", "0/0", "x"],
            &["trawl", "--shard", "x", "x"],
            &["trawl", "--shard", "1", "x"],
            &["trawl", "--shard", "-1/3", "x"],
            &["trawl", "--shard", "1/3/5", "x"],
        ];
        for case in cases {
            assert!(Args::try_parse_from(*case).is_err(), "{case:?}");
        }
    }
}
