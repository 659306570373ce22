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

use super::hostname::{self, HostPolicy};
use super::interior::Cursor;
use super::{Candidate, Value};
use crate::{Category, Limits};
use class::{run_end, separator_run, Style};
use root::{Found, Root};
use walk::Walk;

/// Pushes every file path found in `text`.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    find_outside(text, limits, Cursor::NONE, out);
}

/// Pushes every file path in `text` that does not start in one of the
/// URL interiors of `urls`.
pub(crate) fn find_outside(
    text: &[u8],
    limits: &Limits,
    urls: Cursor<'_>,
    out: &mut Vec<Candidate>,
) {
    let mut skips = Skips { urls, clear_until: 0, last: None };
    let mut pos = 0;
    loop {
        // A scan that resumes inside an interior, as after the `//` of a
        // URL, jumps to its end at once. A separator in the interior
        // would send it there, and for a separator past the end, a floor
        // at the end changes no root, because no root spans that byte.
        if let Some(end) = skips.resume_at(text, pos) {
            pos = end;
            continue;
        }
        let Some(offset) = text
            .get(pos..)
            .and_then(|rest| memchr::memchr2(b'\\', b'/', rest))
        else {
            break;
        };
        let Some(sep) = pos.checked_add(offset) else { break };
        if let Some(end) = skips.resume_at(text, sep) {
            pos = end;
            continue;
        }
        pos = scan_separator(text, sep, pos, limits, out);
    }
}

/// The URL interiors that a scan may skip.
struct Skips<'a> {
    urls: Cursor<'a>,
    /// The start of the next interior once a lookup has returned none, so
    /// the offsets below it, where most separators lie, need no lookup.
    clear_until: usize,
    /// The end of the last interior checked, and whether the scan resumes
    /// there. An interior contains several separators, and its check may
    /// search it for `:` or `%`, so it is checked once.
    last: Option<(usize, bool)>,
}

impl Skips<'_> {
    /// Returns the end of the interior that contains `at` when the scan may
    /// resume there. Calls must come with `at` never decreasing.
    // Inlined because the scan calls it twice per separator, and most
    // separators lie in no interior.
    #[inline]
    fn resume_at(&mut self, text: &[u8], at: usize) -> Option<usize> {
        if at < self.clear_until {
            return None;
        }
        let Some((start, end)) = self.urls.interior_at(at) else {
            self.clear_until = self.urls.next_start().unwrap_or(usize::MAX);
            return None;
        };
        let resumes = match self.last {
            Some((last, resumes)) if last == end => resumes,
            _ => {
                let resumes = resumes_after_url(text, start, end);
                self.last = Some((end, resumes));
                resumes
            }
        };
        resumes.then_some(end)
    }
}

/// Reports whether a scan that reached the interior `start..end` of a URL
/// can resume at `end` in the state a full scan reaches after it.
///
/// Every root found at a separator of the interior starts in it, because
/// no root spans the `/` or `\\` before the interior. The paths and
/// skipped runs of those roots must end by `end`, and the roots of the
/// separators after `end` must start after it. A control byte, quote,
/// `|`, `,`, `;` or `>` at `end` ends every path and belongs to no root,
/// so both hold. A space ends Unix paths there too, because a Unix path
/// crosses a space only when it is quoted or alone on its line, and the
/// byte before a root in the interior is a byte of the URL. Windows roots
/// (`C:/`, `%NAME%/`, `$env:NAME/`) need a `:` or `%`, so a space is
/// safe only in an interior without them.
#[inline(never)]
fn resumes_after_url(text: &[u8], start: usize, end: usize) -> bool {
    match text.get(end) {
        None => true,
        Some(b'\t' | b'\n' | b'\x0c' | b'\r' | 0) => true,
        Some(b'"' | b'\'' | b'`' | b'|' | b',' | b';' | b'>') => true,
        Some(b' ') => {
            let interior = text.get(start..end).unwrap_or_default();
            memchr::memchr2(b':', b'%', interior).is_none()
        }
        Some(_) => false,
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
    // Most runs are a single separator, which needs no count.
    let run = match text.get(sep.saturating_add(1)) {
        Some(b'\\' | b'/') => separator_run(text, sep),
        _ => 1,
    };
    let past_run = sep.saturating_add(run);
    let root = match root::find(text, sep, floor) {
        Found::Root(root) => root,
        Found::Malformed => return run_end(text, sep).max(past_run),
        Found::Nothing => return past_run,
    };
    match walk::walk(text, &root, limits.max_token_len) {
        Walk::Path { end } => {
            if let Some(candidate) = candidate(text, &root, end) {
                out.push(candidate);
                out.extend(root.server.and_then(|s| server_host(text, s)));
            }
            end.max(past_run)
        }
        Walk::Short => past_run,
        Walk::Reject => run_end(text, sep).max(past_run),
    }
}

/// Returns the server of a UNC path at `start..end` as an IPv4 address
/// or a domain, marked `derived`, so that it is reported beside the path
/// as a URL's host is beside its URL. A name that is neither, such as a
/// NetBIOS name (`\\fileserver\share`), gives nothing.
fn server_host(
    text: &[u8],
    (start, end): (usize, usize),
) -> Option<Candidate> {
    let name = text.get(start..end)?;
    let mut host = if name.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        let ip = super::domain::parse_ipv4(name)?;
        let value = super::domain::format_ipv4(ip);
        Candidate::new(Category::Ip, start, end, value).with_kind("ipv4")
    } else {
        let value = hostname::normalize(name, HostPolicy::Bare)?;
        Candidate::new(Category::Domain, start, end, value)
    };
    host.derived = true;
    Some(host)
}

/// Builds the candidate for the path `root.start..end`.
fn candidate(text: &[u8], root: &Root, end: usize) -> Option<Candidate> {
    let bytes = text.get(root.start..end)?;
    // Separators and punctuation after the root (`/+/+`, `/-/_`,
    // `A:\-`) name no file. Machine code and tables in binaries are full
    // of such runs. A root that takes the whole path (`\\srv\share`)
    // names a place on its own.
    let body = text.get(root.body..end).filter(|body| !body.is_empty());
    let named = body
        .unwrap_or(bytes)
        .iter()
        .any(|&b| b.is_ascii_alphanumeric() || b >= 0x80);
    let short = |body| single_byte_segments(root, bytes, body);
    if !named || body.is_some_and(short) {
        return None;
    }
    if root.kind == "unix" && is_wrapped_base64_line(text, root.start, end) {
        return None;
    }
    let value = if root.escaped {
        let raw = std::str::from_utf8(bytes).ok()?;
        Value::from(raw.replace("\\\\", "\\"))
    } else {
        // Most paths are ASCII, which is cheaper to test than UTF-8.
        match Value::from_ascii(bytes) {
            Some(value) => value,
            None => Value::from(std::str::from_utf8(bytes).ok()?),
        }
    };
    let candidate = Candidate::new(Category::FilePath, root.start, end, value);
    Some(candidate.with_kind(root.kind))
}

/// Reports whether `body`, the part of a Unix, home or relative path
/// after its root, has no segment longer than one byte (`/k/u`, `~/H`,
/// `./u`, `.\n`). Machine code and packed tables in binaries are full of
/// such runs, and a one-letter name is of no use to an analyst. The same
/// is true after a lower-case drive letter, where the shape is an escape
/// sequence: `\h:\w\$` in a shell prompt, `k:\h` in roff. UNC and
/// variable roots, and upper-case drives, name a place, so their paths
/// are kept.
fn single_byte_segments(root: &Root, path: &[u8], body: &[u8]) -> bool {
    let short = |separators: &[u8]| {
        body.split(|b| separators.contains(b))
            .all(|segment| segment.len() <= 1)
    };
    match root.style {
        Style::Unix => {
            matches!(root.kind, "unix" | "home" | "relative") && short(b"/")
        }
        Style::Windows => {
            let lower_drive = root.kind == "windows"
                && root.body.saturating_sub(root.start) <= 4
                && path.first().is_some_and(u8::is_ascii_lowercase);
            (root.kind == "relative" || lower_drive) && short(b"\\/")
        }
    }
}

/// Reports whether the path `start..end` lies on a line that is all
/// base64 characters and as wide as a line of a wrapped block. The lines
/// of a PEM certificate that start with `/` read as Unix paths.
fn is_wrapped_base64_line(text: &[u8], start: usize, end: usize) -> bool {
    let widest = super::base64::WRAP_WIDTHS.iter().copied().max().unwrap_or(0);
    let before = text.get(start.saturating_sub(widest)..start);
    let line_start =
        before.and_then(|before| memchr::memrchr(b'\n', before)).map(|at| {
            start.saturating_sub(widest).saturating_add(at).saturating_add(1)
        });
    let after = text.get(end..end.saturating_add(widest).min(text.len()));
    let line_end = after
        .and_then(|after| memchr::memchr2(b'\n', b'\r', after))
        .map(|at| end.saturating_add(at))
        .or((end == text.len()).then_some(end));
    let line_start = line_start.or((start < widest).then_some(0));
    let (Some(line_start), Some(line_end)) = (line_start, line_end) else {
        return false;
    };
    let line = text.get(line_start..line_end).unwrap_or_default();
    super::base64::WRAP_WIDTHS.contains(&line.len())
        && line
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests;
