//! The `trawl` command line: collects the inputs, scans them on a thread
//! pool, writes one report per input and sets the exit code.

#![forbid(unsafe_code)]

// The modules live in the library; importing them here keeps the
// `crate::` paths below resolving.
use trawl::{args, defang, inputs, lists, misp, output, pipeline, progress};
use trawl::{report, rules, run, stix};

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, Parser};
use trawl_core::{Category, Filter, RuleSet, Scanner};

use crate::args::{Args, Format};
use crate::output::{Document, ReportWriter};
use crate::pipeline::Event;
use crate::progress::Progress;
use crate::report::{Report, Stage};
use crate::run::Settings;

/// Some input was not found or not read, or the output failed.
const EXIT_ERROR: u8 = 1;
/// Invalid arguments or rules file; clap uses the same code for its
/// argument errors.
const EXIT_USAGE: u8 = 2;
/// `--fail-on-ioc` was given and an indicator was found.
const EXIT_IOC_FOUND: u8 = 3;

/// Inputs that may be scanned ahead of the next report to be written,
/// per thread: enough to keep every thread busy past a slow input, few
/// enough that the reports waiting for it stay a bounded number.
const WINDOW_PER_THREAD: usize = 16;

/// Stack reserved per input that a worker may hold. A worker waiting in
/// a nested join runs other started inputs on top of its own, up to two
/// per thread. One input took under 512 KiB: 64 nested zip archives
/// overflowed 256 KiB but not 512 KiB, and a PE file at `-a full` needs
/// under 128 KiB.
const STACK_PER_INPUT: usize = 1 << 20;

/// Smallest worker stack: 8 MiB, the usual default of a main thread's
/// stack on Linux (`ulimit -s`).
const MIN_WORKER_STACK: usize = 8 << 20;

/// Largest worker stack. Stacks are reserved address space, touched only
/// as deep as they are used, but a pool of 256 threads at 1 MiB per input
/// would reserve 128 GiB.
// NOTE: above 32 threads this cap, not the inputs a worker may hold,
// sets the stack; nesting that deep has not been seen.
const MAX_WORKER_STACK: usize = 64 << 20;

/// Returns the stack size for the workers of a pool of `threads`.
fn worker_stack(threads: usize) -> usize {
    threads
        .saturating_mul(2)
        .saturating_mul(STACK_PER_INPUT)
        .clamp(MIN_WORKER_STACK, MAX_WORKER_STACK)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list_detectors {
        return match rules::load(&args.rules, args.no_config) {
            Ok(rules) => finish_listing(list_detectors(&rules)),
            Err(message) => usage_error(&message),
        };
    }
    if args.inputs.is_empty() && args.texts.is_empty() {
        Args::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "no input given; name a file or directory, `-` for \
                 standard input, or use --text TEXT",
            )
            .exit();
    }
    if let Some(message) = args.conflict() {
        Args::command()
            .error(clap::error::ErrorKind::ArgumentConflict, message)
            .exit();
    }
    let filter = lists::load(&args).unwrap_or_else(|message| {
        Args::command()
            .error(clap::error::ErrorKind::ValueValidation, message)
            .exit()
    });
    let scanner = match scanner(&args) {
        Ok(scanner) => scanner,
        Err(message) => return usage_error(&message),
    };
    match run(&args, scanner, filter) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("trawl: {error}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Prints a usage error and returns its exit code.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("trawl: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Builds the scanner: the custom rules loaded, and the categories and
/// limits the options select.
fn scanner(args: &Args) -> Result<Scanner, String> {
    let mut rules = rules::load(&args.rules, args.no_config)?;
    let selection = args.selection(&rules)?;
    if let Some(custom) = &selection.custom {
        rules.select_categories(custom);
    }
    let scanner = Scanner::new(selection.builtin, args.limits());
    Ok(scanner.with_rules(Arc::new(rules)))
}

/// The findings of a run that decide its exit code.
#[derive(Default)]
struct Outcome {
    failed: bool,
    found_ioc: bool,
}

/// Scans every input and writes the reports; returns the exit code.
fn run(args: &Args, scanner: Scanner, filter: Filter) -> Result<u8, String> {
    if let Some(output) = &args.output {
        if let Some(input) = inputs::overwritten_input(&args.inputs, output) {
            return Err(format!(
                "output file '{}' is also an input; choose another --output \
                 path, since trawl never writes to its inputs",
                input.display()
            ));
        }
    }
    let options = inputs::Options {
        exclude: args.output.as_deref(),
        follow_symlinks: args.follow_symlinks,
        shard: args.shard,
    };
    let collected = inputs::collect(&args.texts, &args.inputs, options);
    let mut outcome = Outcome::default();
    for path in &collected.missing {
        eprintln!(
            "trawl: input not found: '{}'; check the path, or use --text \
             to scan a string",
            path.display()
        );
        outcome.failed = true;
    }

    let given = args.texts.len() + args.inputs.len();
    let multi = given > 1 || collected.walked;
    if !multi && collected.inputs.is_empty() {
        return Ok(exit_code(&outcome, args.fail_on_ioc));
    }

    let threads = match args.threads.unwrap_or(0) {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(worker_stack(threads))
        .build()
        .map_err(|error| format!("failed to start worker threads: {error}"))?;
    let settings = Settings {
        scanner,
        filter,
        min_length: args.min_length,
        detail: args.detail,
        max_strings: args.max_strings,
        max_input_size: args.max_input_size,
        pe_limits: args.pe_limits(),
        archives: args.archive_options(),
        analysis: args.analysis.map(Into::into),
    };

    let progress = Progress::new(
        &collected.inputs,
        args.max_input_size,
        args.quiet,
        args.no_progress,
    );
    // An archive gives several reports, so whether the JSON output is an
    // array is known only once the first input is scanned.
    let mut writer = None;
    let window = pool.current_num_threads().max(1) * WINDOW_PER_THREAD;
    let mut progress = progress;
    let result = pipeline::for_each_ordered(
        &pool,
        &collected.inputs,
        window,
        |input| run::process(input, &settings),
        |event| match event {
            Event::Done(index, reports) => {
                let writer = match &mut writer {
                    Some(writer) => writer,
                    None => writer.insert(start_writer(
                        args,
                        multi || reports.len() > 1,
                    )?),
                };
                for mut report in reports {
                    note_report(&report, &mut outcome, args.quiet, &progress);
                    if args.defang {
                        defang::defang_report(&mut report);
                    }
                    writer
                        .write(&report)
                        .map_err(|error| write_error(args, &error))?;
                }
                progress.input_done(index);
                Ok(())
            }
            Event::Idle => match &mut writer {
                Some(writer) => {
                    writer.flush().map_err(|error| write_error(args, &error))
                }
                None => Ok(()),
            },
        },
    );
    progress.finish();
    result?;
    let writer = match writer {
        Some(writer) => writer,
        None => start_writer(args, multi)?,
    };
    writer.finish().map_err(|error| write_error(args, &error))?;
    Ok(exit_code(&outcome, args.fail_on_ioc))
}

/// Opens the output and writes what comes before the first report.
fn start_writer(
    args: &Args,
    multi: bool,
) -> Result<ReportWriter<BufWriter<Box<dyn Write>>>, String> {
    let out = open_output(args)?;
    let document = match args.format {
        Format::Stix => Some(Document::Stix(stix::Bundle::new(
            args.stix_indicators,
            args.timestamp,
        ))),
        Format::Misp => Some(Document::Misp(misp::Event::new(args.timestamp))),
        _ => None,
    };
    ReportWriter::start(
        out,
        args.format,
        args.compact,
        args.detail,
        multi,
        document,
    )
    .map_err(|error| write_error(args, &error))
}

/// Records a report in the outcome and, unless `quiet`, repeats its
/// errors on stderr, so formats without an `errors` field still show
/// them.
fn note_report(
    report: &Report,
    outcome: &mut Outcome,
    quiet: bool,
    progress: &Progress,
) {
    let name = report.file.as_deref().unwrap_or("-");
    for error in report.errors.iter().filter(|_| !quiet) {
        progress.eprintln(&format!("trawl: {name}: {}", error.message));
    }
    outcome.failed |=
        report.errors.iter().any(|error| error.stage != Stage::Skip);
    outcome.found_ioc |= !report.iocs.is_empty();
}

/// Returns the exit code; an error outranks a found indicator because it
/// means the scan may have missed something.
fn exit_code(outcome: &Outcome, fail_on_ioc: bool) -> u8 {
    if outcome.failed {
        EXIT_ERROR
    } else if fail_on_ioc && outcome.found_ioc {
        EXIT_IOC_FOUND
    } else {
        0
    }
}

/// Capacity of the output buffer. With this size a 12 MB report took 111
/// write calls, against 3,487 with the default of 8 KiB.
const OUTPUT_BUFFER: usize = 256 << 10;

/// Opens the `-o` file, or standard output.
fn open_output(args: &Args) -> Result<BufWriter<Box<dyn Write>>, String> {
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).map_err(|error| {
            format!(
                "failed to create output file '{}': {error}; check that \
                 its directory exists and is writable",
                path.display()
            )
        })?),
        None => standard_output(),
    };
    Ok(BufWriter::with_capacity(OUTPUT_BUFFER, out))
}

/// Returns standard output as a file of its own where the system allows,
/// else the locked stream. The stream is line-buffered, so it searched
/// each full buffer backwards for its last line break, a byte at a time,
/// while the buffer above already batches the writes. Nothing else writes to
/// standard output while a report is written.
fn standard_output() -> Box<dyn Write> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(File::from(fd));
        }
    }
    Box::new(io::stdout().lock())
}

/// Describes a failed write to the output.
fn write_error(args: &Args, error: &io::Error) -> String {
    match &args.output {
        Some(path) => format!(
            "failed to write output file '{}': {error}",
            path.display()
        ),
        None => format!("failed to write standard output: {error}"),
    }
}

/// Prints one line per category: its name, where it comes from and what
/// it matches. Built-in categories come first, then one line per custom
/// rule in load order.
fn list_detectors(rules: &RuleSet) -> io::Result<()> {
    let mut rows: Vec<[String; 3]> = Category::ALL
        .into_iter()
        .map(|category| {
            let name = category.name().to_string();
            [name, "built-in".to_string(), describe(category).to_string()]
        })
        .collect();
    for (_, rule) in rules.rules() {
        let category = rules.category_name(rule.category());
        let description = match rule.description() {
            Some(text) => format!("{}: {text}", rule.name()),
            None => rule.name().to_string(),
        };
        rows.push([
            category.unwrap_or_default().to_string(),
            rule.origin().to_string(),
            description,
        ]);
    }
    let width = |column: usize| {
        rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0)
    };
    let (name_width, origin_width) = (width(0), width(1));
    let mut out = io::stdout().lock();
    for [name, origin, description] in &rows {
        writeln!(
            out,
            "{name:<name_width$}  {origin:<origin_width$}  {description}"
        )?;
    }
    out.flush()
}

fn finish_listing(result: io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trawl: failed to write standard output: {error}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Returns a one-line description of a category for `--list-detectors`.
fn describe(category: Category) -> &'static str {
    match category {
        Category::Url => "URLs with a network scheme (http, ftp, ldap, ...)",
        Category::Domain => "host names under a public suffix",
        Category::Ip => "IPv4 and IPv6 addresses and CIDR networks",
        Category::Hash => "MD5, SHA-1, SHA-256 and SHA-512 digests in hex",
        Category::Email => "e-mail addresses",
        Category::FilePath => "Windows, UNC, %ENV% and Unix file paths",
        Category::Base64 => "base64 tokens that decode to text or a file",
        Category::Btc => "Bitcoin addresses with a valid checksum",
        Category::Eth => "Ethereum addresses (0x and 40 hex digits)",
        Category::Cve => "CVE identifiers",
        Category::RegistryKey => {
            "Windows registry keys (HKLM\\..., HKCU:\\..., \\Registry\\...)"
        }
        Category::AttackTechnique => {
            "MITRE ATT&CK technique, sub-technique and tactic ids"
        }
        Category::Mac => "MAC addresses (colon, hyphen and Cisco forms)",
        Category::Xmr => "Monero addresses with a valid checksum",
        Category::FuzzyHash => "ssdeep and TLSH similarity digests",
        Category::Asn => "autonomous system numbers (AS13335)",
        Category::FileName => {
            "file names without a directory (svhvost.exe, libc.so.6)"
        }
        Category::Ltc => "Litecoin addresses with a valid checksum",
        Category::Bch => {
            "Bitcoin Cash addresses in CashAddr form with a valid checksum"
        }
        Category::Dash => "Dash addresses with a valid checksum",
        Category::Mutex => {
            "mutex names under a mutex heading or label, in OpenIOC handle \
             items and in MISP mutex attributes"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_stack_covers_two_inputs_per_thread() {
        assert_eq!(worker_stack(1), MIN_WORKER_STACK);
        assert_eq!(worker_stack(4), MIN_WORKER_STACK);
        assert_eq!(worker_stack(16), 32 * STACK_PER_INPUT);
        assert_eq!(worker_stack(32), MAX_WORKER_STACK);
        assert_eq!(worker_stack(usize::MAX), MAX_WORKER_STACK);
    }

    #[test]
    fn exit_code_error_outranks_ioc() {
        let cases = [
            (false, false, false, 0),
            (false, true, false, 0),
            (false, true, true, EXIT_IOC_FOUND),
            (true, false, false, EXIT_ERROR),
            (true, true, true, EXIT_ERROR),
        ];
        for (failed, found_ioc, fail_on_ioc, expected) in cases {
            let outcome = Outcome { failed, found_ioc };
            assert_eq!(exit_code(&outcome, fail_on_ioc), expected);
        }
    }
}
