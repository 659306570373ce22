//! Reads the `--allow` and `--block` list files and builds the filter
//! that the scan applies to every detection.

use std::path::{Path, PathBuf};

use trawl_core::{Filter, List};

use crate::args::Args;

/// Builds the filter from `--allow`, `--block` and `--exclude-benign`.
/// Returns the message of the first list that cannot be read or has an
/// invalid line.
pub fn load(args: &Args) -> Result<Filter, String> {
    build(&args.allow, &args.block, args.exclude_benign)
}

/// Reads the allow and block list files and builds the filter, with the
/// built-in benign list when `exclude_benign` is set.
pub fn build(
    allow: &[PathBuf],
    block: &[PathBuf],
    exclude_benign: bool,
) -> Result<Filter, String> {
    let mut builder = Filter::builder();
    for path in allow {
        builder = builder.allow(read_list(path, "--allow")?);
    }
    for path in block {
        builder = builder.block(read_list(path, "--block")?);
    }
    if exclude_benign {
        builder = builder.benign();
    }
    Ok(builder.build())
}

/// Reads and parses one list file, named in the filter's reasons by its
/// path as given.
fn read_list(path: &Path, option: &str) -> Result<List, String> {
    let origin = crate::run::display(path);
    let bytes = std::fs::read(path).map_err(|error| {
        format!("{option} {origin}: failed to read the list: {error}")
    })?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let valid = error.as_bytes().get(..error.utf8_error().valid_up_to());
        let newlines =
            valid.unwrap_or_default().iter().filter(|&&b| b == b'\n');
        let line = newlines.count() + 1;
        format!(
            "{option} {origin}:{line}: invalid UTF-8; save the list as UTF-8"
        )
    })?;
    List::parse(&text, &origin).map_err(|error| format!("{option} {error}"))
}
