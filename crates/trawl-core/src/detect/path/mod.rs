//! File-path detector: Windows drive, UNC and device paths, `%NAME%` and
//! `$NAME` variable paths, Unix absolute paths, `~` home paths and `./`
//! relative paths.
//!
//! Every path contains a `\` or `/` next to its root, so the scan jumps
//! from separator to separator with `memchr`. At each one `root` looks a
//! bounded distance back and forward for a root (`C:`, `%APPDATA%`, `~`,
//! `\\server`, …) and `walk` follows the segments after it. The value is
//! the path as written, except that an escaped path has its doubled
//! backslashes undone.
//!
//! Escaped paths: inside JSON and C strings every backslash is doubled,
//! so `C:\\Windows\\System32\\cmd.exe` names `C:\Windows\System32\cmd.exe`
//! and is reported as that (with the escaped text as its span). A root
//! followed by exactly two backslashes (`C:\\`, `%TEMP%\\`, a UNC root of
//! four) marks a path as escaped, and then a lone backslash, as in `\"`
//! or `\n`, ends it.
//!
//! Spaces: a segment keeps a space only when the words after it lead to
//! another separator (`Program Files (x86)\`) or end a file name at a
//! delimiter (`invoice viewer.exe</Data>`), or when the path fills its
//! line or quotes. So a command line never runs into the path, and
//! `C:\Temp\my file.txt` on its own line keeps its last word.
//!
//! Registry keys (`HKCU\Software\…`) and backslash-rooted paths without a
//! drive (`\Windows\System32`) are not reported: they have no root here.

mod class;
mod root;
mod walk;

use super::{Candidate, Value};
use crate::{Category, Limits};
use class::{run_end, separator_run};
use root::{Found, Root};
use walk::Walk;

/// Pushes every file path found in `text`.
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let mut pos = 0;
    while let Some(offset) =
        text.get(pos..).and_then(|rest| memchr::memchr2(b'\\', b'/', rest))
    {
        let Some(sep) = pos.checked_add(offset) else { break };
        pos = scan_separator(text, sep, pos, limits, out);
    }
}

/// Looks for a path around the separator at `sep` and returns where to
/// resume. A failed root resumes after its separator run, so a long run
/// of `\` or `/` is walked once. A malformed or rejected path resumes
/// after its whole run of non-blank bytes, so no piece of it is reported.
fn scan_separator(
    text: &[u8],
    sep: usize,
    floor: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    let past_run = sep.saturating_add(separator_run(text, sep).max(1));
    let root = match root::find(text, sep, floor) {
        Found::Root(root) => root,
        Found::Malformed => return run_end(text, sep).max(past_run),
        Found::Nothing => return past_run,
    };
    match walk::walk(text, &root, limits.max_token_len) {
        Walk::Path { end } => {
            if let Some(candidate) = candidate(text, &root, end) {
                out.push(candidate);
            }
            end.max(past_run)
        }
        Walk::Short => past_run,
        Walk::Reject => run_end(text, sep).max(past_run),
    }
}

/// Builds the candidate for the path `root.start..end`.
fn candidate(text: &[u8], root: &Root, end: usize) -> Option<Candidate> {
    let raw = std::str::from_utf8(text.get(root.start..end)?).ok()?;
    let value = if root.escaped {
        Value::from(raw.replace("\\\\", "\\"))
    } else {
        Value::from(raw)
    };
    let candidate = Candidate::new(Category::FilePath, root.start, end, value);
    Some(candidate.with_kind(root.kind))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests;
