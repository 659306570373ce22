//! Dotted tokens: bare domain names and IPv4 addresses.
//!
//! Every `.` anchors a maximal run of host-name characters (ASCII letters,
//! digits, `-`, `_`, `.` and non-ASCII letters). The run is classified
//! once, as a whole, and the scan resumes after it, so `a.a.a…` costs one
//! pass however long it is. A run is an IPv4 address only with exactly four
//! decimal groups, and a domain only when its suffix is public and it does
//! not read as a file name or a code identifier.

mod context;

use super::chars::{
    char_at, char_before, is_idn_char, lookup, next_anchor, ByteSet,
};
use super::hostname::{self, HostPolicy};
use super::interior::Cursor;
use super::{Candidate, Value};
use crate::{Category, Limits};

/// Maximum run length, in bytes, that can still be a host name (253 ASCII bytes,
/// more when written in Unicode before punycode conversion).
const MAX_RUN: usize = 1024;

/// Pushes every domain and IPv4 candidate in `text`.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    find_outside(text, limits, Cursor::NONE, out);
}

/// Pushes every domain and IPv4 candidate in `text` that does not start
/// in one of the URL interiors of `urls`.
#[cfg(test)]
pub(crate) fn find_outside(
    text: &[u8],
    limits: &Limits,
    urls: Cursor<'_>,
    out: &mut Vec<Candidate>,
) {
    find_outside_noting_runs(text, limits, urls, out, &mut Vec::new());
}

/// Pushes every domain and IPv4 candidate in `text` that does not start
/// in one of the URL interiors of `urls`, and pushes to `lettered` the
/// span of every run it reads that contains an ASCII letter. Every dot
/// outside the skipped interiors that a letter follows lies in one of
/// those runs, so the file-name detector reads them instead of
/// searching the text for dots again.
// Called once per window, so keeping it out of line costs nothing, and
// profiles then show the detector apart.
#[inline(never)]
pub(crate) fn find_outside_noting_runs(
    text: &[u8],
    _limits: &Limits,
    mut urls: Cursor<'_>,
    out: &mut Vec<Candidate>,
    lettered: &mut Vec<(usize, usize)>,
) {
    let mut consumed = 0;
    while let Some(dot) = next_anchor(text, b'.', consumed) {
        // A run that contains a byte of the interior starts in it, because
        // the `/` or `\\` before the interior ends runs. When the byte
        // after the URL ends runs too, the runs in the interior all end
        // by the URL's end, and the next run starts after it.
        if let Some((_, end)) = urls.interior_at(dot) {
            if text
                .get(end)
                .is_none_or(|&b| b < 0x80 && !RUN_BYTES.contains(b))
            {
                consumed = end;
                continue;
            }
        }
        // `dot` is inside `text`, so the sum cannot saturate.
        let after_dot = dot.saturating_add(1);
        // The anchor is the first dot of its run, so a run that ends
        // right after it, as at the end of a sentence, contains no dot
        // once its trailing dot is trimmed.
        if text
            .get(after_dot)
            .is_none_or(|&b| b < 0x80 && !RUN_BYTES.contains(b))
        {
            consumed = after_dot;
            continue;
        }
        let run = scan_run(text, dot, consumed);
        consumed = run.end.max(after_dot);
        if run.shape.classes & (UPPER | LOWER) != 0 {
            lettered.push((run.start, run.end));
        }
        classify(text, &run, out);
    }
}

/// ASCII bytes of a dotted run; non-ASCII letters are decoded apart.
const RUN_BYTES: ByteSet = ByteSet::new(b"-_.", true);

fn is_run_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || c == '-'
        || c == '_'
        || c == '.'
        || is_idn_char(c)
}

/// Class bits of the ASCII bytes that continue a run.
const ASCII_RUN: u8 = DIGIT | UPPER | LOWER | DOT | HYPHEN | UNDERSCORE;

/// A maximal run of host-name characters around an anchor dot.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    start: usize,
    end: usize,
    /// The shape of the whole run, with offsets from `start`, gathered
    /// while its ends are found, so that a token that needs no trimming
    /// takes no second pass.
    shape: Shape,
}

/// Finds the run around `dot`, the first dot at or after `floor`,
/// without reaching back before `floor`.
fn scan_run(text: &[u8], dot: usize, floor: usize) -> Run {
    // `dot` is inside `text`, and the bytes taken on either side of it
    // too, so no sum or difference below can saturate.
    let before = text.get(floor..dot).unwrap_or_default();
    let after_dot = dot.saturating_add(1);
    let after = text.get(after_dot..).unwrap_or_default();

    let mut classes = DOT;
    // The byte that stops a loop adds no bit when it is ASCII, and when
    // it is not, the general scan below computes the shape anew.
    let mut take = |&b: &u8| {
        let class = lookup(&TOKEN_CLASSES, b);
        classes |= class;
        class & ASCII_RUN == 0
    };
    let lead = before.iter().rev().position(&mut take);
    let lead = lead.unwrap_or(before.len());
    let tail = after.iter().position(&mut take).unwrap_or(after.len());
    let start = dot.saturating_sub(lead);
    let end = after_dot.saturating_add(tail);

    // A non-ASCII byte where the ASCII bytes stop may be a letter that
    // goes on with the run, which the general scan decodes.
    let non_ascii = |i: Option<usize>| {
        i.and_then(|i| text.get(i)).is_some_and(|&b| b >= 0x80)
    };
    if start > floor && non_ascii(start.checked_sub(1)) || non_ascii(Some(end))
    {
        return scan_mixed_run(text, dot, floor);
    }
    // No dot lies between `floor` and `dot`, so the anchor is the first
    // dot of the run.
    Run { start, end, shape: Shape { classes, first_dot: lead } }
}

/// Finds the run around `dot` as [`scan_run`] does, decoding the
/// non-ASCII chars that may continue it.
#[cold]
fn scan_mixed_run(text: &[u8], dot: usize, floor: usize) -> Run {
    let start = run_start(text, dot, floor);
    let end = run_end(text, dot.saturating_add(1));
    let shape = Shape::of(text.get(start..end).unwrap_or_default());
    Run { start, end, shape }
}

fn run_start(text: &[u8], dot: usize, floor: usize) -> usize {
    let mut start = dot;
    loop {
        // ASCII run bytes go in one tight loop, and only a non-ASCII
        // byte takes the char decoding below.
        let before = text.get(floor..start).unwrap_or_default();
        let ascii =
            before.iter().rev().take_while(|&&b| RUN_BYTES.contains(b));
        start = start.saturating_sub(ascii.count());
        let previous = start.checked_sub(1).and_then(|i| text.get(i));
        if start <= floor || previous.is_none_or(|&b| b < 0x80) {
            return start;
        }
        let char_start = char_before(text, start)
            .filter(|&(c, _)| is_run_char(c))
            .and_then(|(_, len)| start.checked_sub(len))
            .filter(|&char_start| char_start >= floor);
        match char_start {
            Some(char_start) => start = char_start,
            None => return start,
        }
    }
}

fn run_end(text: &[u8], from: usize) -> usize {
    // Each step covers bytes of `text`, so no sum can saturate.
    let mut end = from;
    loop {
        let rest = text.get(end..).unwrap_or_default();
        let ascii = rest.iter().take_while(|&&b| RUN_BYTES.contains(b));
        end = end.saturating_add(ascii.count());
        if text.get(end).is_none_or(|&b| b < 0x80) {
            return end;
        }
        match char_at(text, end) {
            Some((c, len)) if is_run_char(c) => end = end.saturating_add(len),
            _ => return end,
        }
    }
}

fn classify(text: &[u8], run: &Run, out: &mut Vec<Candidate>) {
    let (start, end) = (run.start, run.end);
    let Some(bytes) = text.get(start..end) else { return };
    let trimmed = |b: &u8| matches!(b, b'.' | b'-' | b'_');
    let (mut lead, mut trail) = (0, 0);
    if bytes.first().is_some_and(trimmed) || bytes.last().is_some_and(trimmed)
    {
        lead = bytes.iter().take_while(|&b| trimmed(b)).count();
        trail = bytes.iter().rev().take_while(|&b| trimmed(b)).count();
    }
    if lead.saturating_add(trail) >= bytes.len() || bytes.len() > MAX_RUN {
        return;
    }
    let (start, end) = (start.saturating_add(lead), end.saturating_sub(trail));
    let Some(token) = text.get(start..end) else { return };
    // Trimming changes the shape only when it removes bytes.
    let shape =
        if lead == 0 && trail == 0 { run.shape } else { Shape::of(token) };
    if shape.classes & DOT == 0 {
        return;
    }
    let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
    let after = text.get(end).copied();
    if matches!(after, Some(b'@' | b'(')) || before == Some(b'$') {
        return;
    }
    if before == Some(b']') && follows_bracketed_host(text, start) {
        return;
    }
    if before == Some(b'/') && follows_media_type(text, start) {
        return;
    }
    if matches!(before, Some(b' ' | b'\t' | b'\n'))
        && continues_hyphenated_word(text, start)
    {
        return;
    }
    // A leading dot after `*` makes a wildcard (`*.text.example.com`),
    // not a section name.
    let wildcard =
        start.checked_sub(2).and_then(|i| text.get(i)) == Some(&b'*');
    if before == Some(b'.') && !wildcard && is_section_name(token) {
        return;
    }

    if shape.classes & !(DIGIT | DOT | HYPHEN) == 0 {
        numeric_run(text, start, token, shape.classes & HYPHEN != 0, out);
        return;
    }
    // Every hex group starts with `0x`, so a token without a digit skips
    // the test.
    if shape.classes & DIGIT != 0 {
        if let Some(ip) = hex_ipv4(token) {
            out.push(ipv4_candidate(start, end, ip));
            return;
        }
    }
    // The numeric forms above need no last label, so it is found only
    // here. The token has a dot, and none at its end.
    let last_dot = token.iter().rposition(|&b| b == b'.').unwrap_or(0);
    let tld = token.get(last_dot.saturating_add(1)..).unwrap_or_default();
    // Two labels have one dot, which is both the first and the last.
    let two_labels = shape.first_dot == last_dot;
    if !may_end_in_tld(tld, &shape) {
        return;
    }
    if before == Some(b'@') && is_email_local_end(text, start) {
        return;
    }
    if shape.classes & UNDERSCORE != 0 {
        return;
    }
    // A trimmed token does not end in a dot, so a token of lower-case
    // ASCII bytes is already in normalised form. The suffix lookup goes before the code
    // check because it rejects more tokens.
    let host = if shape.classes & (UPPER | NON_ASCII) == 0 {
        hostname::normalize_lower_ascii(token, last_dot, HostPolicy::Bare)
    } else {
        hostname::normalize(token, HostPolicy::Bare)
    };
    let Some(host) = host else { return };
    if before == Some(b'\'') && is_stix_domain_value(text, start, end) {
        out.push(Candidate::new(Category::Domain, start, end, host));
        return;
    }
    // Both lists below are searched with the same packed last label.
    let tld_word = pack_label(tld);
    if looks_like_code(token, &shape, tld, tld_word, two_labels) {
        return;
    }
    // A port (`evil.zip:8080`) makes the name a host, but a bare colon
    // does not: `test-lib.sh: fix quoting` names a file.
    let port_follows = after == Some(b':') && is_port_after(text, start, end);
    let file_like = (has_file_extension_suffix(tld_word)
        || BUILD_FILES.iter().any(|name| name.as_bytes() == host.as_bytes())
        || names_file_by_case(token, tld, tld_word)
        || is_libtool_archive(token, tld, two_labels))
        && !port_follows
        && !is_text_node(text, start, end);
    let weak = file_like
        || before == Some(b'/') && ends_relative_path(text, start, end)
        || is_json_key(text, start, end)
        || context::marks_code_or_file(text, start, end, token);
    out.push(Candidate {
        weak,
        ..Candidate::new(Category::Domain, start, end, host)
    });
}

/// Byte classes of a dotted token, as bits.
const DIGIT: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;
const DOT: u8 = 8;
const HYPHEN: u8 = 16;
const UNDERSCORE: u8 = 32;
const NON_ASCII: u8 = 64;

/// The class bits of every byte.
const TOKEN_CLASSES: [u8; 256] = token_classes();

// Every index is below 256, so none is out of range. Cannot overflow:
// the counter stops at 256.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn token_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if byte.is_ascii_digit() {
            DIGIT
        } else if byte.is_ascii_uppercase() {
            UPPER
        } else if byte.is_ascii_lowercase() {
            LOWER
        } else if byte == b'.' {
            DOT
        } else if byte == b'-' {
            HYPHEN
        } else if byte == b'_' {
            UNDERSCORE
        } else if byte >= 0x80 {
            NON_ASCII
        } else {
            0
        };
        b += 1;
    }
    table
}

/// A summary of a token from one pass, so that the checks after it do
/// not each scan the token again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    /// The union of the class bits of its bytes.
    classes: u8,
    /// The offset of its first dot, zero when it has none.
    first_dot: usize,
}

impl Shape {
    fn of(token: &[u8]) -> Shape {
        let mut shape = Shape { classes: 0, first_dot: 0 };
        for (i, &b) in token.iter().enumerate() {
            let class = lookup(&TOKEN_CLASSES, b);
            if class == DOT && shape.classes & DOT == 0 {
                shape.first_dot = i;
            }
            shape.classes |= class;
        }
        shape
    }
}

/// Reports whether the last label of `token` can be a top-level name
/// that `hostname::normalize` accepts for a bare name. Every ASCII
/// top-level name on the public suffix list (psl 2.1.247) and in the
/// special-use list is letters only or an IDN A-label (`xn--…`). So
/// timestamps (`18.112Z`) and file names (`run.ps1`, `a.7z`) skip the
/// lower-cased copy and the suffix lookup that would reject them. A
/// non-ASCII token is passed on, because IDNA may map its last label.
fn may_end_in_tld(tld: &[u8], shape: &Shape) -> bool {
    // A token of letters and dots ends in letters.
    let letters = shape.classes & (DIGIT | HYPHEN | UNDERSCORE) == 0;
    if letters || shape.classes & NON_ASCII != 0 {
        return true;
    }
    // A last label that is not a top-level name most often fails on its
    // first byte (`18.112Z`, `run.ps1`), which both tests read first.
    let a_label = || {
        let starts_with_x = tld.first().is_some_and(|&b| b | 0x20 == b'x');
        starts_with_x
            && tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"))
    };
    tld.iter().all(u8::is_ascii_alphabetic) || a_label()
}

/// Reports whether the `]` before `start` closes a URL's bracketed host
/// (`http://[2001:db8::g]evil.com`). The name glued after it is the rest
/// of a malformed URL, not a host of its own.
fn follows_bracketed_host(text: &[u8], start: usize) -> bool {
    // An IPv6 host with a zone id fits in 64 bytes.
    const MAX_BRACKETED: usize = 64;
    let Some(close) = start.checked_sub(1) else { return false };
    let floor = close.saturating_sub(MAX_BRACKETED);
    let Some(window) = text.get(floor..close) else { return false };
    let Some(open) = memchr::memrchr(b'[', window) else { return false };
    let open = floor.saturating_add(open);
    text.get(..open).is_some_and(|lead| lead.ends_with(b"//"))
}

/// Reports whether the token is a JSON object key (`"host.name": …`):
/// dotted keys are field names in structured logs, not hosts.
fn is_json_key(text: &[u8], start: usize, end: usize) -> bool {
    let opened = start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'"');
    // Most names are not quoted, so the search for the colon comes last.
    if !opened || text.get(end) != Some(&b'"') {
        return false;
    }
    let after = text.get(end.saturating_add(1)..).unwrap_or_default();
    let colon = after.iter().find(|b| !b.is_ascii_whitespace());
    colon == Some(&b':')
}

/// Reports whether the token is the whole text of an XML or HTML element
/// (`<Content>q0v.pl</Content>`), where a name is a value.
fn is_text_node(text: &[u8], start: usize, end: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    let open = before.iter().rev().find(|b| !b.is_ascii_whitespace());
    let close = after.iter().find(|b| !b.is_ascii_whitespace());
    open == Some(&b'>') && close == Some(&b'<')
}

/// Reports whether the token is the quoted value of a domain comparison
/// in a STIX 2 pattern (`[domain-name:value = 'popfealt.one']`). The
/// pattern types the value as a host, so it counts whatever its suffix
/// and however it reads as code.
fn is_stix_domain_value(text: &[u8], start: usize, end: usize) -> bool {
    if text.get(end) != Some(&b'\'') {
        return false;
    }
    let quote = start.saturating_sub(1);
    let head = trim_trailing_blanks(text.get(..quote).unwrap_or_default());
    let Some(head) = head.strip_suffix(b"=") else { return false };
    trim_trailing_blanks(head).ends_with(b"domain-name:value")
}

/// Returns `bytes` without its trailing spaces and tabs, up to a few.
fn trim_trailing_blanks(bytes: &[u8]) -> &[u8] {
    // A pattern with more blanks than this around `=` is not recognised.
    const MAX_BLANKS: usize = 8;
    let blanks = bytes
        .iter()
        .rev()
        .take(MAX_BLANKS)
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    bytes.get(..bytes.len().saturating_sub(blanks)).unwrap_or_default()
}

/// Reports whether the digits after the `:` at `end` are a port. They
/// are a line number instead when another `:` follows them, as in a
/// compiler diagnostic (`Makefile.am:23: error`, `setup.py:4:1:`), or
/// when `)` closes a `(` right before the name, as in a Java stack
/// trace (`(Offset.java:44)`).
// NOTE: a log line that writes a host and port before a colon reads the
// same way, so `evil.zip:443: refused` is a file unless defanged.
fn is_port_after(text: &[u8], start: usize, end: usize) -> bool {
    let rest = text.get(end.saturating_add(1)..).unwrap_or_default();
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let opened = start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'(');
    match rest.get(digits) {
        Some(b':') => false,
        Some(b')') => !opened,
        _ => true,
    }
}

/// Reports whether the token, written right after a `/`, is the last
/// component of a relative path (`debian/rules.mk`, `po/POTFILES.in`,
/// `../hb-subset.cc`). That holds when the directory name before the `/`
/// has no dot or is `.` or `..`, so a list of hosts (`evil1.com/evil2.net`)
/// keeps its second name. A `/` after another `/`, a `\` or a `:`
/// belongs to a URL, written in full, JSON-escaped or with one slash
/// (`https:/evil.com`), and a name followed by a `/` is a directory.
fn ends_relative_path(text: &[u8], start: usize, end: usize) -> bool {
    // A longer directory name is not read, and the name stays a host.
    const MAX_SEGMENT: usize = 255;
    if matches!(text.get(end), Some(b'/' | b'\\')) {
        return false;
    }
    let Some(slash) = start.checked_sub(1) else { return false };
    let floor = slash.saturating_sub(MAX_SEGMENT);
    let head = text.get(floor..slash).unwrap_or_default();
    // Control bytes count, so that strings joined with NUL for one scan
    // split as they do alone.
    let ends_segment = |&b: &u8| {
        b.is_ascii_control() || matches!(b, b' ' | b'/' | b'"' | b'\'' | b'(')
    };
    let Some(segment_len) = head.iter().rev().position(ends_segment) else {
        // The directory name starts the text or is over MAX_SEGMENT bytes.
        return floor == 0 && is_plain_directory(head);
    };
    if segment_len == 0 && head.last() == Some(&b'/') {
        return false;
    }
    let segment = head.get(head.len().saturating_sub(segment_len)..);
    is_plain_directory(segment.unwrap_or_default())
}

/// Reports whether `segment` names a directory rather than a host or a
/// URL scheme: `.`, `..`, a name without a dot that does not end in
/// `:` or `\`, or a name ending in `.` and one letter. No top-level
/// domain has one letter, and directories of fragments are named so
/// (`rules.d`, `conf.d`, `init.d`).
fn is_plain_directory(segment: &[u8]) -> bool {
    if segment == b"." || segment == b".." {
        return true;
    }
    if let [.., _, b'.', letter] = segment {
        return letter.is_ascii_alphabetic();
    }
    !segment.contains(&b'.') && !matches!(segment.last(), Some(b':' | b'\\'))
}

/// Reports whether the token at `start` opens a line that goes on with a
/// word hyphenated at the end of the line before, as man pages and text
/// converted from PDF wrap it (`my-do‐⏎main.com`). The token is then the
/// tail of a name, not a name. Only the hyphen (U+2010) and the soft
/// hyphen (U+00AD) count: an ASCII `-` at a line end is as often a dash.
fn continues_hyphenated_word(text: &[u8], start: usize) -> bool {
    const MAX_INDENT: usize = 64;
    let head = text.get(..start).unwrap_or_default();
    let indent = head
        .iter()
        .rev()
        .take(MAX_INDENT)
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let head = head.get(..head.len().saturating_sub(indent)).unwrap_or(head);
    let Some(head) = head.strip_suffix(b"\n") else {
        return false;
    };
    let head = head.strip_suffix(b"\r").unwrap_or(head);
    head.ends_with("\u{2010}".as_bytes())
        || head.ends_with("\u{AD}".as_bytes())
}

/// Reports whether the `/` before `start` follows a top-level media type,
/// so that the token is a subtype (`application/vnd.ms-excel`,
/// `text/vnd.wap.wml`) and not a host.
fn follows_media_type(text: &[u8], start: usize) -> bool {
    const TYPES: [&[u8]; 9] = [
        b"application",
        b"audio",
        b"font",
        b"image",
        b"message",
        b"model",
        b"multipart",
        b"text",
        b"video",
    ];
    let head = text.get(..start.saturating_sub(1)).unwrap_or_default();
    let letters =
        head.iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
    let word = head.get(head.len().saturating_sub(letters)..);
    let glued = head
        .len()
        .checked_sub(letters.saturating_add(1))
        .and_then(|i| head.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.');
    !glued
        && word.is_some_and(|word| {
            TYPES.iter().any(|name| word.eq_ignore_ascii_case(name))
        })
}

/// Reports whether `token`, written after a dot, is an ELF or PE section
/// name (`.note.gnu.property`, `.plt.got`, `.data.rel.ro`), which every
/// executable's section table lists and some end in a real top-level
/// name.
fn is_section_name(token: &[u8]) -> bool {
    let first = token.split(|&b| b == b'.').next().unwrap_or_default();
    pack_label(first)
        .is_some_and(|word| SECTION_PREFIXES.binary_search(&word).is_ok())
}

/// First labels of dotted section names in ELF and PE files.
const SECTION_PREFIXES: [u64; 14] = packed([
    b"bss", b"data", b"debug", b"dynamic", b"gnu", b"got", b"init", b"note",
    b"plt", b"rel", b"rela", b"rodata", b"tdata", b"text",
]);

/// Reports whether the run follows `local@`, so that its domain belongs
/// to the e-mail detector.
fn is_email_local_end(text: &[u8], start: usize) -> bool {
    let local = start.checked_sub(2).and_then(|i| text.get(i)).copied();
    local.is_some_and(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
}

/// Handles a run of digits, dots and hyphens: an IPv4 address, a range of
/// two (`10.0.0.1-10.0.0.255`), or nothing (versions, OIDs, dates).
fn numeric_run(
    text: &[u8],
    start: usize,
    token: &[u8],
    hyphens: bool,
    out: &mut Vec<Candidate>,
) {
    // Parts and their separators lie inside `text`, so the offsets
    // never saturate.
    let mut offset = start;
    // Without a hyphen the token is one part, found without a search.
    let mut parts = token.split(move |&b| hyphens && b == b'-');
    for part in &mut parts {
        let part_start = offset;
        let part_end = part_start.saturating_add(part.len());
        offset = part_end.saturating_add(1);
        let Some(ip) = parse_ipv4(part) else { continue };
        if is_padded_unevenly(part)
            || is_path_segment(text, part_start, part_end)
        {
            continue;
        }
        // A version is weak: written defanged (`version from
        // 23.107.235[.]130`), the quad is an address.
        let weak = is_product_version(text, part_start, part)
            || is_package_version(text, part_start, part_end)
            || is_changelog_version(text, part_start, part_end, ip);
        let (end, prefix) = cidr_suffix(text, part_end);
        if prefix.is_none() && is_object_identifier(text, part_start, part) {
            continue;
        }
        let mut value = format_ipv4(ip);
        if let Some(prefix) = prefix {
            // The prefix is at most 32, so it has one or two digits.
            value.push('/');
            if prefix >= 10 {
                value.push(char::from(b'0' | (prefix / 10)));
            }
            value.push(char::from(b'0' | (prefix % 10)));
        }
        // Built in place, so that the candidate is not moved through
        // `with_kind` before the push.
        out.push(Candidate {
            kind: Some("ipv4"),
            weak,
            ..Candidate::new(Category::Ip, part_start, end, value)
        });
    }
}

/// Reports whether `part`, a dotted quad, has a group with a leading zero
/// while another group is shorter than three digits (`21.08.8.2`, a
/// version in a Debian changelog). Fixed-width logs pad every group
/// (`010.001.002.003`), and versions pad a month or a minor number.
fn is_padded_unevenly(part: &[u8]) -> bool {
    let groups = || part.split(|&b| b == b'.');
    let padded =
        groups().any(|group| group.len() > 1 && group.first() == Some(&b'0'));
    padded && groups().any(|group| group.len() < 3)
}

/// Reports whether `part`, a dotted quad at `start`, is a four-arc
/// object identifier. That is an OID from certificates: an X.520
/// attribute type (`2.5.4.3`, the common name), an X.509 extension
/// (`2.5.29.15`, key usage), an RFC 8410 curve (`1.3.101.112`, Ed25519)
/// or the `1.3.6.1` internet arc. Addresses in those ranges are rare in
/// reports, while a binary that parses certificates contains dozens of
/// these strings. Any quad is one when code names it an OID, see
/// [`follows_oid_label`]. A `/prefix` keeps the quad a network.
fn is_object_identifier(text: &[u8], start: usize, part: &[u8]) -> bool {
    const ARCS: [&[u8]; 3] = [b"2.5.4.", b"2.5.29.", b"1.3.101."];
    part == b"1.3.6.1"
        || ARCS.iter().any(|arc| part.starts_with(arc))
        || follows_oid_label(text, start)
}

/// Reports whether the token right before `start`, past blanks, quotes,
/// `(`, `=` and `:`, names an object identifier: a path of identifiers
/// with `ObjectIdentifier` or the word `oid` in it, in any case, as in
/// `ObjectIdentifier::new_unwrap("2.5.6.13")`, `oid = "1.2.3.4"` or
/// `OID 2.5.21.5`. `oid` counts as a whole word or as one part of a
/// camel-case or `_` name (`getOid(`, `oid_name =`), so `avoid`, `void`
/// and `Android` do not. With only blanks before the quad, the token
/// must end in `d` or `s`.
fn follows_oid_label(text: &[u8], start: usize) -> bool {
    /// Maximum length of the separators and of the token read back.
    const LOOK_BACK: usize = 64;
    let head = text.get(start.saturating_sub(LOOK_BACK)..start);
    let head = head.unwrap_or_default();
    let separators = head
        .iter()
        .rev()
        .take_while(|&&b| {
            matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'(' | b'=' | b':')
        })
        .count();

    let label_end = head.len().saturating_sub(separators);
    let (Some(head), Some(between)) =
        (head.get(..label_end), head.get(label_end..))
    else {
        return false;
    };
    // After blanks alone, as in prose, the token must end like `OID`
    // or `oids` (`OID 2.5.23.1`), so most quads stop at its last byte.
    let blanks = between.iter().all(|&b| b == b' ' || b == b'\t');
    let last = head.last().map(|b| b | 0x20);
    if between.is_empty() || blanks && !matches!(last, Some(b'd' | b's')) {
        return false;
    }

    let token_len = head
        .iter()
        .rev()
        .take_while(|&&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.')
        })
        .count();
    let token = head.get(head.len().saturating_sub(token_len)..);
    let token = token.unwrap_or_default();
    // Both names contain a `d`, which most tokens lack.
    if !token.iter().any(|&b| b | 0x20 == b'd') {
        return false;
    }

    let names_type = token
        .windows(b"objectidentifier".len())
        .any(|window| window.eq_ignore_ascii_case(b"objectidentifier"));
    names_type || has_oid_word(token)
}

/// Reports whether `token` contains `oid`, `Oid` or `OID` as a word of
/// its own: not after a letter of the same case run (`avoid`, `VOID`),
/// and followed by no lower-case letter but a plural `s`.
fn has_oid_word(token: &[u8]) -> bool {
    token.windows(3).enumerate().any(|(at, window)| {
        let before = at.checked_sub(1).and_then(|i| token.get(i));
        let after = token.get(at.saturating_add(3));
        let after_word = after.is_none_or(|&b| !b.is_ascii_lowercase())
            || after == Some(&b's')
                && token
                    .get(at.saturating_add(4))
                    .is_none_or(|&b| !b.is_ascii_lowercase());
        let starts_word = match window {
            b"oid" => before.is_none_or(|&b| !b.is_ascii_alphabetic()),
            b"Oid" => before.is_none_or(|&b| !b.is_ascii_uppercase()),
            b"OID" => before.is_none_or(|&b| !b.is_ascii_alphabetic()),
            _ => false,
        };
        starts_word && after_word
    })
}

/// Parses exactly four decimal groups of one to three digits, each at most
/// 255. Zero-padded groups (`010.001.002.003`, from fixed-width logs) are
/// read as decimal.
#[inline]
pub(crate) fn parse_ipv4(token: &[u8]) -> Option<[u8; 4]> {
    let mut rest = token;
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        (*octet, rest) = split_octet(rest)?;
    }
    rest.is_empty().then_some(octets)
}

/// Splits the group of one to three decimal digits off the front of
/// `text`. Returns `None` when `text` starts with no digit or with four,
/// or when the group is over 255.
// Cannot overflow: each digit is below 10, so a group is at most 999.
#[allow(clippy::arithmetic_side_effects)]
fn split_octet(text: &[u8]) -> Option<(u8, &[u8])> {
    // Unrolled per digit, so that no digit count is carried from byte to
    // byte.
    let digit = |i: usize| {
        let digit = text.get(i)?.wrapping_sub(b'0');
        (digit < 10).then_some(u16::from(digit))
    };
    let mut value = digit(0)?;
    let mut len = 1;
    if let Some(second) = digit(1) {
        value = value * 10 + second;
        len = 2;
        if let Some(third) = digit(2) {
            digit(3).is_none().then_some(())?;
            value = value * 10 + third;
            len = 3;
        }
    }
    Some((u8::try_from(value).ok()?, text.get(len..)?))
}

/// Parses `0xC6.0x33.0x64.0x07`, a hex-obfuscated IPv4 address.
fn hex_ipv4(token: &[u8]) -> Option<[u8; 4]> {
    // Most tokens fail here, before the split.
    let second_is_x = token.get(1).is_some_and(|&b| b | 0x20 == b'x');
    if token.first() != Some(&b'0') || !second_is_x {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut groups = token.split(|&b| b == b'.');
    for octet in &mut octets {
        let group = groups.next()?;
        let digits =
            group.strip_prefix(b"0x").or_else(|| group.strip_prefix(b"0X"))?;
        if digits.is_empty() || digits.len() > 2 {
            return None;
        }
        let digits = std::str::from_utf8(digits).ok()?;
        *octet = u8::from_str_radix(digits, 16).ok()?;
    }
    groups.next().is_none().then_some(octets)
}

fn ipv4_candidate(start: usize, end: usize, ip: [u8; 4]) -> Candidate {
    let value = format_ipv4(ip);
    Candidate::new(Category::Ip, start, end, value).with_kind("ipv4")
}

/// Each octet in decimal followed by a dot, first character in the
/// lowest byte, so that an address is assembled with four shifts.
const DOTTED_OCTETS: [u32; 256] = dotted_octets();

// Cannot overflow or index out of bounds: `octet` stays below 256, so
// each digit is below 10 and each shift is at most 24 bits.
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
const fn dotted_octets() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut octet = 0u32;
    while octet < 256 {
        let mut text = b'.' as u32;
        let mut rest = octet;
        loop {
            text = text << 8 | (b'0' as u32 + rest % 10);
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        table[octet as usize] = text;
        octet += 1;
    }
    table
}

/// Formats an address in dotted decimal without going through `fmt`.
pub(crate) fn format_ipv4(ip: [u8; 4]) -> Value {
    let mut word = 0u128;
    let mut len = 0u32;
    for octet in ip {
        let entry = DOTTED_OCTETS.get(usize::from(octet));
        let text = entry.copied().unwrap_or_default();
        // `len` is at most 12 before the last octet, so the shift stays
        // below 128 bits.
        word |= u128::from(text).wrapping_shl(len.wrapping_mul(8));
        // An entry has 2 to 4 bytes, all nonzero, so its leading zero
        // bytes give its length.
        len = len.wrapping_add(4u32.wrapping_sub(text.leading_zeros() / 8));
    }
    // One byte fewer leaves out the dot after the last octet.
    let len = usize::try_from(len.saturating_sub(1)).unwrap_or_default();
    Value::from_le_ascii(word, len).unwrap_or_default()
}

/// A version after a product name, as in `Chrome/120.0.0.0`, after
/// a word that names one, as in `version 1.2.3.4`,
/// `Standards-Version: 4.6.2.0`, `release 10.1.2.3` or
/// `section 4.2.2.13`, or before `release notes`, as in the heading
/// `Git 1.7.12.1 Release Notes`.
fn is_product_version(text: &[u8], start: usize, part: &[u8]) -> bool {
    let slash = start.checked_sub(1).and_then(|i| text.get(i));
    let word = start.checked_sub(2).and_then(|i| text.get(i));
    if slash == Some(&b'/') && word.is_some_and(|b| b.is_ascii_alphabetic()) {
        return true;
    }
    follows_version_word(text, start, part)
        || heads_release_notes(text, start.saturating_add(part.len()))
}

/// Reports whether a space and `release notes`, in any case, follow the
/// quad that ends at `end`.
fn heads_release_notes(text: &[u8], end: usize) -> bool {
    const WORDS: &[u8] = b" release notes";
    // Most quads fail on the first two bytes.
    let Some(words @ [b' ', b'r' | b'R', ..]) =
        text.get(end..end.saturating_add(WORDS.len()))
    else {
        return false;
    };
    words.eq_ignore_ascii_case(WORDS)
}

/// Reports whether the word before `start`, past spaces, `:`, `=` and
/// quotes, ends in `version` or is `ver`, `release` or `revision`, in
/// any case. Section and policy numbers look like addresses, but their
/// groups are small, so a `part` with every group at most
/// `MAX_SECTION_GROUP` also counts after `policy`, `section` or `§`, or
/// after a version word and `to` or `from` (`Bump Standards-Version to
/// 4.6.0.1`). A quad of any size counts after the phrases of
/// [`follows_release_phrase`] (`upgrade v8 to 4.4.63.12`) and of
/// [`names_moved_release`] (`upgrade to V8 5.0.71.57`).
fn follows_version_word(text: &[u8], start: usize, part: &[u8]) -> bool {
    const LOOK_BACK: usize = 40;
    let head = text.get(start.saturating_sub(LOOK_BACK)..start);
    let head = head.unwrap_or_default();
    let small = || is_small_quad(part);
    let section_sign = |bytes: &[u8]| bytes.ends_with("§".as_bytes());
    if section_sign(head) {
        return small();
    }
    let Some((word, rest)) = word_before(head) else {
        return names_moved_release(head);
    };
    let is_version_word = |word: &[u8]| {
        let ends_with = |suffix: &[u8]| {
            word.len() >= suffix.len()
                && word
                    .get(word.len().saturating_sub(suffix.len())..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
        };
        ends_with(b"version")
            || [&b"ver"[..], b"release", b"revision"]
                .iter()
                .any(|name| word.eq_ignore_ascii_case(name))
    };
    if is_version_word(word) {
        return true;
    }
    let is_section_word = section_sign(word)
        || [&b"policy"[..], b"section"]
            .iter()
            .any(|name| word.eq_ignore_ascii_case(name));
    let linking = [&b"to"[..], b"from"];
    let linked = linking.iter().any(|link| word.eq_ignore_ascii_case(link))
        && word_before(rest).is_some_and(|(word, _)| is_version_word(word));
    (is_section_word || linked) && small()
        || follows_release_phrase(word, rest, is_version_word)
        || may_end_in_moved_name(rest) && names_moved_release(head)
}

/// Reports whether `rest`, the bytes before the word of letters that
/// ends a quad's look-back, can end with a verb, `to` and the start of a
/// name: either the name goes on before the word (`libfoo-` of
/// `libfoo-dev`), or `to` and a blank come right before the word. Most
/// addresses fail this test in a few steps.
fn may_end_in_moved_name(rest: &[u8]) -> bool {
    match rest {
        [.., b] if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') => {
            true
        }
        [.., before, t, o, b' ' | b'\t'] => {
            !before.is_ascii_alphanumeric()
                && t.eq_ignore_ascii_case(&b't')
                && o.eq_ignore_ascii_case(&b'o')
        }
        _ => false,
    }
}

/// Reports whether `head` ends with a verb of [`VERSION_MOVES`], `to` and
/// a name, as changelogs name the release of a dependency (`upgrade to
/// V8 5.0.71.57`).
fn names_moved_release(head: &[u8]) -> bool {
    let Some((to, rest)) = name_before(head).and_then(word_before) else {
        return false;
    };
    to.eq_ignore_ascii_case(b"to")
        && word_before(rest).is_some_and(|(verb, _)| {
            VERSION_MOVES.iter().any(|name| verb.eq_ignore_ascii_case(name))
        })
}

/// Reports whether the preposition `word`, with the words before it at
/// the end of `rest`, names the release that the quad after it is, as
/// changelogs do:
/// - `to` after a verb of [`VERSION_MOVES`], with or without a name
///   between (`Bump to 1.2.99.1`, `upgrade v8 to 4.4.63.12`);
/// - `for` after `prepare`, `preparing` or `preparation` (`Start
///   preparing for 1.8.4.3`);
/// - `to` or `for` after `notes` and a version word (`Update draft
///   release notes to 1.8.1.5`);
/// - `since` after `fixes` or `changes`, and `in` after `changes` or
///   `fixed` (`Changes in 1.2.6.1 (12 Feb 2012)`).
///
/// Reports speak of a host that an implant connects to, downloads
/// from or updates from, so `update`, `from` and the like count only
/// with a version word (see [`follows_version_word`]).
fn follows_release_phrase(
    word: &[u8],
    rest: &[u8],
    is_version_word: impl Fn(&[u8]) -> bool,
) -> bool {
    let is = |found: &[u8], expected: &[&[u8]]| {
        expected.iter().any(|name| found.eq_ignore_ascii_case(name))
    };
    // Most quads follow none of these words, so they are tested first.
    if !is(word, &[b"to", b"for", b"since", b"in"]) {
        return false;
    }
    let to = is(word, &[b"to"]);
    let verb_then_name = || {
        name_before(rest)
            .and_then(word_before)
            .is_some_and(|(verb, _)| is(verb, &VERSION_MOVES))
    };
    // The word before `to` may be a name with digits, as `v8` is.
    let Some((lead, before_lead)) = word_before(rest) else {
        return to && verb_then_name();
    };
    let release_notes = || {
        is(lead, &[b"notes"])
            && word_before(before_lead)
                .is_some_and(|(word, _)| is_version_word(word))
    };
    if to {
        is(lead, &VERSION_MOVES) || verb_then_name() || release_notes()
    } else if is(word, &[b"for"]) {
        is(lead, &[b"prepare", b"preparing", b"preparation"])
            || release_notes()
    } else if is(word, &[b"since"]) {
        is(lead, &[b"fixes", b"changes"])
    } else {
        is(lead, &[b"changes", b"fixed"])
    }
}

/// Verbs that move a package to the release after `to`. `update` is
/// left out, because a report may write that a sample updates its
/// configuration to an address.
const VERSION_MOVES: [&[u8]; 9] = [
    b"bump",
    b"bumps",
    b"bumped",
    b"upgrade",
    b"upgrades",
    b"upgraded",
    b"downgrade",
    b"downgrades",
    b"downgraded",
];

/// Returns the bytes of `head` before its last name (letters, digits,
/// `-` and `_`) and the blanks after that name, when both are there.
fn name_before(head: &[u8]) -> Option<&[u8]> {
    let blanks =
        head.iter().rev().take_while(|&&b| b == b' ' || b == b'\t').count();
    let head = head.get(..head.len().checked_sub(blanks)?)?;
    let name = head
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        .count();
    (blanks > 0 && name > 0)
        .then(|| head.get(..head.len().saturating_sub(name)))?
}

/// The largest group of a section or policy number in
/// `follows_version_word`: `22.1.4.1` and `4.6.2.0` are numbers, and
/// `104.17.93.90` after the word `section` is an address.
const MAX_SECTION_GROUP: u32 = 30;

/// Returns the word of ASCII letters (or the `§` sign) that ends `head`
/// past at least one space, `:`, `=` or quote, and the bytes before it.
fn word_before(head: &[u8]) -> Option<(&[u8], &[u8])> {
    let separators = head
        .iter()
        .rev()
        .take_while(|&&b| {
            matches!(b, b' ' | b'\t' | b':' | b'=' | b'"' | b'\'')
        })
        .count();
    if separators == 0 {
        return None;
    }
    let head = head.get(..head.len().saturating_sub(separators))?;
    if head.ends_with("§".as_bytes()) {
        let split = head.len().saturating_sub("§".len());
        let (rest, word) = head.split_at_checked(split)?;
        return Some((word, rest));
    }
    let letters =
        head.iter().rev().take_while(|b| b.is_ascii_alphabetic()).count();
    let (rest, word) =
        head.split_at_checked(head.len().saturating_sub(letters))?;
    (!word.is_empty()).then_some((word, rest))
}

/// Reports whether the quad from `start` to `end` is a Debian package
/// version: followed by `+` or `~` and a letter or digit
/// (`1.2.3.4+dfsg`, `4.6.0.1~bpo11`), followed by a revision and a
/// closing parenthesis (`alsa-topology-conf (1.2.5.1-2) unstable`),
/// after an epoch (`(2:1.0.99.2-1)`), or after a version relation
/// (`libopenafs-dev (<= 1.8.8.1-3)`, `>= 1.2.3.4`). An address in
/// parentheses (`the server (192.0.2.1)`) has none of these.
fn is_package_version(text: &[u8], start: usize, end: usize) -> bool {
    let after = text.get(end..).unwrap_or_default();
    if let [b'+' | b'~', next, ..] = after {
        if next.is_ascii_alphanumeric() {
            return true;
        }
    }
    if let [b'-', rest @ ..] = after {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let tail = rest.get(digits..).unwrap_or_default();
        let revision_end = tail
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b"+.~".contains(&b))
            .count();
        if digits > 0 && tail.get(revision_end) == Some(&b')') {
            return true;
        }
    }
    let head = text.get(start.saturating_sub(8)..start).unwrap_or_default();
    let head = head.strip_suffix(b" ").unwrap_or(head);
    let epoch = head
        .strip_suffix(b":")
        .map(|h| {
            let digits = h.iter().rev().take_while(|b| b.is_ascii_digit());
            let digits = digits.count();
            digits > 0
                && h.get(..h.len().saturating_sub(digits))
                    .is_some_and(|h| h.ends_with(b"("))
        })
        .unwrap_or(false);
    let relation = [&b"<="[..], b">=", b"<<", b">>", b"(="]
        .iter()
        .any(|op| head.ends_with(op));
    epoch || relation
}

/// Reports whether the quad of `octets` from `start` to `end` is a
/// version in a Debian changelog. That is the version in an entry's
/// first line (`dpkg (1.16.4.3) unstable; urgency=low`), or a policy
/// version with every group at most `MAX_SECTION_GROUP` on a line that
/// names `Standards-Version` (`(Standards-Version): updated to
/// 3.6.2.1`).
fn is_changelog_version(
    text: &[u8],
    start: usize,
    end: usize,
    octets: [u8; 4],
) -> bool {
    // Both forms need a cheap sign first, since every quad comes here.
    let in_parentheses =
        start.checked_sub(1).is_some_and(|i| text.get(i) == Some(&b'('))
            && text.get(end) == Some(&b')');
    let small =
        octets.iter().all(|&octet| u32::from(octet) <= MAX_SECTION_GROUP);
    (in_parentheses || small)
        && is_changelog_line(text, start, end, in_parentheses, small)
}

/// Reads the line around the quad from `start` to `end` for
/// [`is_changelog_version`]. Kept out of line, so that the quads that
/// need no line cost only the signs' checks.
#[inline(never)]
fn is_changelog_line(
    text: &[u8],
    start: usize,
    end: usize,
    in_parentheses: bool,
    small: bool,
) -> bool {
    /// The maximum number of bytes read on either side of the quad.
    const REACH: usize = 160;
    let head = text.get(start.saturating_sub(REACH)..start);
    let head = head.unwrap_or_default();
    // A NUL ends a line too, because the strings of a binary are scanned
    // joined by one, and each must read as a text of its own.
    let line_head = match memchr::memrchr2(b'\n', 0, head) {
        Some(newline) => head.get(newline.saturating_add(1)..),
        None if start <= REACH => Some(head),
        None => None,
    };
    let tail = text.get(end..end.saturating_add(REACH).min(text.len()));
    let tail = tail.unwrap_or_default();
    let line_tail = tail
        .get(..memchr::memchr2(b'\n', 0, tail).unwrap_or(tail.len()))
        .unwrap_or_default();
    if let Some(line_head) = line_head {
        if in_parentheses && is_changelog_entry(line_head, line_tail) {
            return true;
        }
    }
    let names_policy = |bytes: &[u8]| {
        bytes
            .windows(STANDARDS_VERSION.len())
            .any(|window| window.eq_ignore_ascii_case(STANDARDS_VERSION))
    };
    small && (line_head.is_some_and(names_policy) || names_policy(line_tail))
}

/// The Debian control field with the policy version a package follows.
const STANDARDS_VERSION: &[u8] = b"Standards-Version";

/// Reports whether a quad between `head` and `tail`, the rest of its
/// line on either side, is the version in the first line of a Debian
/// changelog entry. Such a line has a package name from the line start,
/// ` (`, the quad, `) `, distributions and `; urgency=`, or `; priority=`
/// in the oldest entries.
fn is_changelog_entry(head: &[u8], tail: &[u8]) -> bool {
    let Some(name) = head.strip_suffix(b" (") else { return false };
    let package = !name.is_empty()
        && name.first().is_some_and(u8::is_ascii_alphanumeric)
        && name.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b)
        });
    let Some(rest) = tail.strip_prefix(b") ") else { return false };
    let Some(semicolon) = memchr::memchr(b';', rest) else { return false };
    let distributions = rest.get(..semicolon).unwrap_or_default();
    let distributions_valid = !distributions.is_empty()
        && distributions
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" -+./".contains(&b));
    let fields = rest.get(semicolon.saturating_add(1)..).unwrap_or_default();
    let fields = fields.trim_ascii_start();
    let keyed = |key: &[u8]| {
        fields
            .get(..key.len())
            .is_some_and(|field| field.eq_ignore_ascii_case(key))
    };
    package
        && distributions_valid
        && (keyed(b"urgency=") || keyed(b"priority="))
}

/// Reports whether every group of the quad `part` is at most
/// `MAX_SECTION_GROUP`, as in section and policy numbers.
fn is_small_quad(part: &[u8]) -> bool {
    part.split(|&b| b == b'.').all(|group| {
        let value = group.iter().fold(0u32, |value, &digit| {
            value
                .saturating_mul(10)
                .saturating_add(u32::from(digit.saturating_sub(b'0')))
        });
        value <= MAX_SECTION_GROUP
    })
}

/// A version directory inside a relative Windows path
/// (`Engine\5.1.0.29\x.exe`); a UNC host (`\\10.0.0.5\share`) has two
/// backslashes before it.
fn is_path_segment(text: &[u8], start: usize, end: usize) -> bool {
    let one_before = start.checked_sub(1).and_then(|i| text.get(i));
    let two_before = start.checked_sub(2).and_then(|i| text.get(i));
    one_before == Some(&b'\\')
        && two_before != Some(&b'\\')
        && text.get(end) == Some(&b'\\')
}

/// Returns the end of a `/prefix` network suffix (0-32) after an address,
/// with the prefix, or `end` unchanged.
fn cidr_suffix(text: &[u8], end: usize) -> (usize, Option<u8>) {
    let suffix = text.get(end..).and_then(|rest| rest.strip_prefix(b"/"));
    let Some(suffix) = suffix else {
        return (end, None);
    };
    let digits = suffix.iter().take_while(|b| b.is_ascii_digit()).count();
    let Some((raw, after)) = suffix.split_at_checked(digits) else {
        return (end, None);
    };
    let glued =
        after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'.');
    match std::str::from_utf8(raw).ok().and_then(|s| s.parse::<u8>().ok()) {
        Some(prefix)
            if (1..=2).contains(&digits) && prefix <= 32 && !glued =>
        {
            // `after` is a suffix of `text`, so its start is `text.len()`
            // less its length.
            (text.len().saturating_sub(after.len()), Some(prefix))
        }
        _ => (end, None),
    }
}

/// Rejects dotted names that read as code: mixed letter case
/// (`System.IO`, `Agent.BQ`), a camel-case label (`myURL.host`,
/// `urlObject.search`) and object access (`self.id`,
/// `window.location.host`), unless the suffix is a common generic one
/// (`document.example.com`, `myDomain.com`). `tld_word` is `tld` packed by
/// [`pack_label`].
fn looks_like_code(
    token: &[u8],
    shape: &Shape,
    tld: &[u8],
    tld_word: Option<u64>,
    two_labels: bool,
) -> bool {
    if shape.classes & NON_ASCII != 0 {
        return false;
    }
    let first = token.get(..shape.first_dot).unwrap_or_default();
    if !consistent_case(token, shape, two_labels, tld) {
        return true;
    }
    if is_generic_tld(tld_word) {
        return false;
    }
    if shape.classes & UPPER != 0 && token.split(|&b| b == b'.').any(is_camel)
    {
        return true;
    }
    // A first label of more than eight bytes is on neither list.
    pack_label(first).is_some_and(|word| {
        CODE_OBJECTS.contains(&word)
            || two_labels && CODE_NAMES.binary_search(&word).is_ok()
    })
}

/// Reports whether `label` is written in camel case as code names
/// variables: two or more lower-case letters, then an upper-case one
/// (`myURL`, `urlObject`, `readStream`). Brands that are written so start
/// with one lower-case letter (`eBay`, `iCloud`).
fn is_camel(label: &[u8]) -> bool {
    let lower = label.iter().take_while(|b| b.is_ascii_lowercase()).count();
    lower >= 2 && label.get(lower).is_some_and(u8::is_ascii_uppercase)
}

/// Packs a label of at most eight bytes, lower-cased, into a word, so
/// that matching it against a fixed word list is one integer search. A
/// label contains no NUL byte, so labels of different lengths never pack
/// alike. A longer label packs to `None`.
// Cannot overflow: the shift moves out the top byte, which is zero
// for a label of at most eight bytes.
#[allow(clippy::arithmetic_side_effects)]
const fn pack(label: &[u8]) -> Option<u64> {
    if label.len() > 8 {
        return None;
    }
    let mut word = 0u64;
    let mut rest = label;
    while let [b, tail @ ..] = rest {
        word = word << 8 | b.to_ascii_lowercase() as u64;
        rest = tail;
    }
    Some(word)
}

/// Packs every word of `words` and sorts them for a binary search.
// Every index is below `N`. Cannot overflow: the counters stop at `N`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(super) const fn packed<const N: usize>(words: [&[u8]; N]) -> [u64; N] {
    let mut table = [0u64; N];
    let mut i = 0;
    while i < N {
        // A longer word would pack to zero, which only the empty label
        // matches, and a test checks that no entry is zero.
        table[i] = match pack(words[i]) {
            Some(word) => word,
            None => 0,
        };
        let mut j = i;
        while j > 0 && table[j - 1] > table[j] {
            let swap = table[j - 1];
            table[j - 1] = table[j];
            table[j] = swap;
            j -= 1;
        }
        i += 1;
    }
    table
}

/// Packs as [`pack`] does, with a word load instead of a loop.
fn pack_label(label: &[u8]) -> Option<u64> {
    let mut bytes = [0u8; 8];
    let skip = bytes.len().checked_sub(label.len())?;
    bytes.get_mut(skip..)?.copy_from_slice(label);
    let word = u64::from_be_bytes(bytes);
    // Bit 5 of a byte sets a lower-case ASCII letter apart from its
    // upper-case form.
    Some(word | ascii_upper_bytes(word) >> 2)
}

/// Returns `word` with bit 7 of each byte set exactly when that byte is
/// an upper-case ASCII letter, and every other bit clear.
// Cannot overflow: every sum below stays under 0x100 per byte.
#[allow(clippy::arithmetic_side_effects)]
fn ascii_upper_bytes(word: u64) -> u64 {
    let seven = word & splat(0x7f);
    let at_least = |lo: u8| seven + splat(0x80 - lo);
    at_least(b'A') & !at_least(b'Z' + 1) & !word & splat(0x80)
}

/// Eight copies of a byte.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

#[cfg(test)]
fn in_list(list: &[u64], label: &[u8]) -> bool {
    pack_label(label).is_some_and(|word| list.binary_search(&word).is_ok())
}

const GENERIC_TLDS: [u64; 5] =
    packed([b"biz", b"com", b"info", b"net", b"org"]);

/// Reports whether a last label packed by [`pack_label`] is a common
/// generic top-level name.
fn is_generic_tld(tld_word: Option<u64>) -> bool {
    // Five words take fewer steps in order than in a binary search.
    tld_word.is_some_and(|word| GENERIC_TLDS.contains(&word))
}

/// First labels that mark a dotted name as code at any length
/// (`window.location.host`, `java.io`, `self.id`).
const CODE_OBJECTS: [u64; 7] = packed([
    b"console",
    b"document",
    b"java",
    b"javax",
    b"self",
    b"this",
    b"window",
]);

/// First labels that mark a two-label name as code (`obj.to`, `data.in`,
/// `cfg.app`).
const CODE_NAMES: [u64; 37] = packed([
    b"arg",
    b"args",
    b"array",
    b"cfg",
    b"cls",
    b"config",
    b"ctx",
    b"data",
    b"el",
    b"elem",
    b"err",
    b"evt",
    b"item",
    b"json",
    b"location",
    b"math",
    b"module",
    b"msg",
    b"obj",
    b"object",
    b"opts",
    b"options",
    b"os",
    b"params",
    b"props",
    b"req",
    b"request",
    b"res",
    b"response",
    b"result",
    b"state",
    b"str",
    b"string",
    b"sys",
    b"system",
    b"user",
    b"value",
]);

/// Top-level names that are also common file extensions: `setup.py` or
/// `invoice.zip` is a file unless written defanged, followed by a port or
/// standing alone as an XML value. `target` is the systemd unit type
/// (`multi-user.target`) and a brand top-level name. `man`, the source
/// of a manual page (`fc-list.man`), is a brand top-level name too.
/// `test` is reserved by RFC 6761 and never resolves in the public DNS,
/// while test suites name their scripts with it (`tofu.test`).
const FILE_EXTENSION_TLDS: [u64; 21] = packed([
    b"ads", b"cab", b"cat", b"dot", b"gs", b"java", b"man", b"md", b"mov",
    b"one", b"pid", b"pl", b"ps", b"pub", b"py", b"rs", b"sh", b"so",
    b"target", b"test", b"zip",
]);

/// Top-level names that are also the extensions of source and build
/// files whose names start with a capital letter: `Git.pm` (Perl),
/// `POTFILES.in` and `MANIFEST.in` (templates), `Android.mk`,
/// `Makemodule.am` and `Makefile.inc` (make). A host in a report is
/// written in one case, so [`names_file_by_case`] reads them as files
/// only after a capital and before a lower-case suffix.
const CAPITALIZED_FILE_TLDS: [u64; 5] =
    packed([b"am", b"in", b"inc", b"mk", b"pm"]);

/// Reports whether `token`, whose last label is `tld` and packs to
/// `tld_word`, starts with a capital letter and ends in one of
/// [`CAPITALIZED_FILE_TLDS`] in lower case, as the names of Perl modules
/// and build files do (`Git.pm`, `Android.mk`, `MANIFEST.in`).
fn names_file_by_case(
    token: &[u8],
    tld: &[u8],
    tld_word: Option<u64>,
) -> bool {
    token.first().is_some_and(u8::is_ascii_uppercase)
        && tld.iter().all(u8::is_ascii_lowercase)
        && tld_word.is_some_and(|word| CAPITALIZED_FILE_TLDS.contains(&word))
}

/// Reports whether `token`, of two labels with the last `tld`, is a
/// libtool archive: `lib` and a name, then `.la` (`libpng14.la`), as
/// libtool names every library it builds. A host such as `eu.wha.la`
/// keeps its suffix.
fn is_libtool_archive(token: &[u8], tld: &[u8], two_labels: bool) -> bool {
    two_labels
        && tld.eq_ignore_ascii_case(b"la")
        && token.len() > b"lib.la".len()
        && token.get(..3).is_some_and(|head| head.eq_ignore_ascii_case(b"lib"))
}

/// Names of build files whose extension is a country code top-level
/// domain (`.am`, `.ac`, `.in`) or a generic one (`.build`). Changelogs
/// name them often, and those suffixes are too widely registered to
/// mark every name that ends in them as a file.
const BUILD_FILES: [&str; 9] = [
    "configure.ac",
    "configure.in",
    "control.in",
    "debhelper.in",
    "gnumakefile.in",
    "makefile.am",
    "makefile.in",
    "meson.build",
    "rules.in",
];

/// Reports whether the suffix after the last dot, packed by
/// [`pack_label`], is also a common file extension, as in `setup.py` or
/// `textures.exe.zip`.
fn has_file_extension_suffix(tld_word: Option<u64>) -> bool {
    tld_word
        .is_some_and(|word| FILE_EXTENSION_TLDS.binary_search(&word).is_ok())
}

/// Domains are written in one case style: all lower (`example.com`), all
/// upper (`EXAMPLE.COM`), title case throughout (`Mail.Example.Org`), or
/// any style in front of a lower-case suffix (`GitHub.com`). Code mixes
/// them (`System.IO`, `Console.Me`, `DetectRaptor.Windows`).
fn consistent_case(
    token: &[u8],
    shape: &Shape,
    two_labels: bool,
    tld: &[u8],
) -> bool {
    let has_upper = shape.classes & UPPER != 0;
    let has_lower = shape.classes & LOWER != 0;
    if !has_upper || !has_lower || !tld.iter().any(u8::is_ascii_uppercase) {
        return true;
    }
    let title = |label: &[u8]| {
        let mut letters = label.iter().filter(|b| b.is_ascii_alphabetic());
        letters.next().is_none_or(u8::is_ascii_uppercase)
            && letters.all(u8::is_ascii_lowercase)
    };
    token.split(|&b| b == b'.').all(title) && (!two_labels || tld.len() >= 3)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn tld_with_digit_or_hyphen_rejected() {
        for text in ["at 18:31:18.112Z", "run.ps1", "a.7z", "host.ab-c"] {
            let found = super::super::testing::values(find, text);
            assert_eq!(found, Vec::<String>::new(), "{text}");
        }
        for host in ["xn--e1afmkfd.xn--p1ai", "XN--E1AFMKFD.XN--P1AI"] {
            let found = super::super::testing::values(find, host);
            assert_eq!(found, ["xn--e1afmkfd.xn--p1ai"], "{host}");
        }
    }

    #[test]
    fn shape_records_classes_and_dots() {
        let shape = Shape::of("a.B_c.9ж".as_bytes());
        assert_eq!(shape.first_dot, 1);
        let all = LOWER | DOT | UPPER | UNDERSCORE | DIGIT | NON_ASCII;
        assert_eq!(shape.classes, all);
        assert_eq!(Shape::of(b"10.0.0-1").classes, DIGIT | DOT | HYPHEN);
        assert_eq!(Shape::of(b"abc").classes & DOT, 0);
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    #[test]
    fn dotted_token_table() {
        let cases: &[(&str, &[&str])] = &[
            ("visit example.com.", &["example.com"]),
            ("WWW.MDOT.EXAMPLE.VIP/pay", &["www.mdot.example.vip"]),
            (
                "Mail.Example.Org and GitHub.com",
                &["mail.example.org", "github.com"],
            ),
            ("c2.example.net:8443", &["c2.example.net"]),
            ("System.IO Console.Me Agent.BQ!MTB", &[]),
            ("self.id obj.to window.location.host cfg.app.run()", &[]),
            ("myURL.host urlObject.search cryptoKey.algorithm.name", &[]),
            (
                "eBay.de iCloud.support myDomain.com mail.myBank.net",
                &[
                    "ebay.de",
                    "icloud.support",
                    "mydomain.com",
                    "mail.mybank.net",
                ],
            ),
            ("run.bat virus.exe", &[]),
            ("<Content>q0v.pl</Content>", &["q0v.pl"]),
            ("document.methoder.com", &["document.methoder.com"]),
            (
                "Norton360\\Engine\\5.1.0.29\\x.exe \\\\10.0.0.5\\c$",
                &["10.0.0.5"],
            ),
            ("missing_file.com python3.11 v2.1.1.108", &[]),
            ("peer 192.0.2.44 wrote", &["192.0.2.44"]),
            ("src=010.001.002.003", &["10.1.2.3"]),
            ("libslurm (<= 21.08.8.2-1) 1.02.3.4", &[]),
            ("version 1.2.3.4, Standards-Version: 4.6.2.0", &[]),
            ("FileVersion=\"1.2.3.4\" release 10.1.2.3 ver 1.1.1.1", &[]),
            ("from 10.1.2.3, server 10.1.2.4", &["10.1.2.3", "10.1.2.4"]),
            ("versions:10.1.2.5 driver 10.1.2.6", &["10.1.2.5", "10.1.2.6"]),
            ("Bump Standards-Version to 4.6.0.1, Policy 4.1.2.0", &[]),
            ("RFC 1122 (section 4.2.2.13), § 5.7.1.2, §8.1.2.4", &[]),
            ("connect to 10.1.2.3, from 10.1.2.4", &["10.1.2.3", "10.1.2.4"]),
            (
                "section 104.17.93.90, § 10.43.77.61",
                &["104.17.93.90", "10.43.77.61"],
            ),
            ("version from 23.107.235.130", &["23.107.235.130"]),
            ("alsa-topology-conf (1.2.5.1-2) unstable", &[]),
            ("libxtst (2:1.0.99.2-1) experimental", &[]),
            ("libopenafs-dev (<= 1.8.8.1-3), x (>= 1.2.3.4)", &[]),
            ("1.2.3.4+dfsg-1 and 4.6.0.1~bpo11+1", &[]),
            ("dpkg (1.16.4.3) unstable; urgency=low", &[]),
            ("x\ndpkg (1.4.0.22) frozen unstable; urgency=medium", &[]),
            ("dpkg (0.93.42.3) BETA; priority=LOW", &[]),
            ("string\0dpkg (1.16.4.3) unstable; urgency=low", &[]),
            ("  * (Standards-Version): updated to 3.6.2.1.", &[]),
            ("  * Standards-Version bumped (3.7.2.0).", &[]),
            (
                "  * Standards-Version: 4.6.2; drop 104.17.93.90",
                &["104.17.93.90"],
            ),
            ("C2 (192.0.2.7) unstable; next", &["192.0.2.7"]),
            ("Relay (1.2.3.4) unstable; urgency=high", &["1.2.3.4"]),
            ("dpkg (1.2.3.4) unstable urgency=low", &["1.2.3.4"]),
            (
                "the server (192.0.2.1) and (192.0.2.2:443)",
                &["192.0.2.1", "192.0.2.2"],
            ),
            (
                "scan 192.0.2.1-254 and 10.0.0.1-10.0.0.9",
                &["192.0.2.1", "10.0.0.1", "10.0.0.9"],
            ),
            ("OID 1.3.6.1.4.1.311.21.8 and 1.2.3.4.5", &[]),
            ("Chrome/120.0.0.0 Safari", &[]),
            ("net 10.0.0.0/8 and 10.1.1.1/33", &["10.0.0.0/8", "10.1.1.1"]),
            ("range 10.0.0.1-10.0.0.255", &["10.0.0.1", "10.0.0.255"]),
            ("http://0xC6.0x33.0x64.0x07/login", &["198.51.100.7"]),
            ("999.1.1.1", &[]),
            ("support.team@example.org", &[]),
        ];
        // Weak candidates, dropped unless defanged, are left out here.
        let strong = |text: &str| {
            let mut out = Vec::new();
            find(text.as_bytes(), &Limits::default(), &mut out);
            out.into_iter()
                .filter(|c| !c.weak)
                .map(|c| c.value.to_string())
                .collect::<Vec<_>>()
        };
        for (text, expected) in cases {
            assert_eq!(strong(text), *expected, "{text}");
        }
    }

    /// Returns the values of the candidates in `text` that are not weak.
    fn strong_values(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        find(text.as_bytes(), &Limits::default(), &mut out);
        out.into_iter().filter(|c| !c.weak).map(|c| c.value.into()).collect()
    }

    #[test]
    fn release_phrases_make_versions() {
        let versions = [
            "    Bump to 1.2.99.1",
            "- **deps**: upgrade v8 to 4.4.63.12 (Ben)",
            "* V8: Upgrade to 3.15.11.15",
            "* Upgrade V8 to 3.6.6.25",
            "* Downgrade V8 to 3.6.6.6",
            "the driver was upgraded to 3.6.2.1.",
            "      Start preparing for 1.8.4.3",
            "      Prepare for 1.7.11.6",
            "      Start preparation for 1.7.12.2",
            "      Update draft release notes to 1.8.1.5",
            "      Update draft release notes for 1.7.8.1",
            "Fixes since 1.5.4.7",
            "Document changes since 2.7.6.1.",
            "Changes in 1.2.6.1 (12 Feb 2012)",
            "This was fixed in 1.5.4.1.",
            "  * Upgrade to V8 5.0.71.57. (Ben)",
            "- **deps**: upgrade to V8 5.0.71.54 (Ali)",
            "bumped to libfoo-dev 1.2.99.1",
            "Git 1.7.12.1 Release Notes",
            "GIT 1.5.3.5 release notes",
        ];
        for text in versions {
            assert_eq!(strong_values(text), Vec::<String>::new(), "{text}");
        }
        let addresses = [
            "connects to 10.1.2.3",
            "C2 10.1.2.3",
            "updated to 10.1.2.3",
            "update V8 to 10.1.2.3",
            "downloads an upgrade from 10.1.2.3",
            "then moved to 10.1.2.3",
            "see notes to 10.1.2.3",
            "fixes for 10.1.2.3",
            "listens in 10.1.2.3",
            "changed to 10.1.2.3",
            "upgrade, then to 10.1.2.3",
            "upgrade to V8 and then to 10.1.2.3",
            "update to V8 10.1.2.3",
            "upgraded into V8 10.1.2.3",
            "Git 10.1.2.3 release",
            "host 10.1.2.3 releases notes",
        ];
        for text in addresses {
            assert_eq!(strong_values(text), ["10.1.2.3"], "{text}");
        }
    }

    #[test]
    fn defanged_versions_are_addresses() {
        let scan = |text: &str| {
            let report = crate::Scanner::default().scan(text.as_bytes());
            report
                .detections
                .iter()
                .map(|d| d.value.to_string())
                .collect::<Vec<_>>()
        };
        let plain = "version 1.2.3.4, (1.2.5.1-2), section 4.2.2.13";
        assert_eq!(scan(plain), Vec::<String>::new());
        assert_eq!(
            scan("version 1.2.3[.]4, (1.2.5[.]1-2), section 4.2.2[.]13"),
            ["1.2.3.4", "1.2.5.1", "4.2.2.13"]
        );
    }

    #[test]
    fn capitalized_file_names_are_weak() {
        let files = [
            "Git.pm",
            "POSIX.pm",
            "POTFILES.in",
            "MANIFEST.in",
            "Make.Rules.in",
            "Android.mk",
            "Makemodule.am",
            "Makefile.inc",
            "XkbSAGroup.man",
            "fc-list.man",
            "libpng.la",
            "libpng14.la",
        ];
        for name in files {
            let text = format!("update {name} and");
            assert_eq!(
                weak_values(&text),
                [(name.to_ascii_lowercase(), true)]
            );
        }
        let hosts = [
            "update-microsoft.pm",
            "nshq.in",
            "evil.mk",
            "Evil.com",
            "GITHUB.IN",
            "eu.wha.la",
            "lib.la",
            "mail.libx.la",
            "Evil.app",
        ];
        for host in hosts {
            let text = format!("update {host} and");
            assert_eq!(
                weak_values(&text),
                [(host.to_ascii_lowercase(), false)]
            );
        }
    }

    #[test]
    fn file_extension_suffix_is_weak() {
        let mut out = Vec::new();
        let text = b"setup.py textures.exe.zip evil.zip:8080 \
            test-lib.sh: fix README.md:x a-except.ads Makefile.am \
            configure.ac Offset.java evil.am build.in tofu.test \
            c2.evil.test:8443";
        find(text, &Limits::default(), &mut out);
        let weak: Vec<(&str, bool)> =
            out.iter().map(|c| (c.value.as_str(), c.weak)).collect();
        assert_eq!(
            weak,
            [
                ("setup.py", true),
                ("textures.exe.zip", true),
                ("evil.zip", false),
                ("test-lib.sh", true),
                ("readme.md", true),
                ("a-except.ads", true),
                ("makefile.am", true),
                ("configure.ac", true),
                ("offset.java", true),
                ("evil.am", false),
                ("build.in", false),
                ("tofu.test", true),
                ("c2.evil.test", false),
            ]
        );
    }

    /// Finds the candidates in `text`, each as its value and whether it
    /// is weak.
    fn weak_values(text: &str) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        find(text.as_bytes(), &Limits::default(), &mut out);
        out.into_iter().map(|c| (c.value.to_string(), c.weak)).collect()
    }

    #[test]
    fn relative_path_files_are_weak() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            ("debian/sysdeps/hurd-i386.mk: fix", &[("hurd-i386.mk", true)]),
            ("* po/POTFILES.in: Regenerate.", &[("potfiles.in", true)]),
            ("src/hb-subset-cff2.cc | 2 +-", &[("hb-subset-cff2.cc", true)]),
            ("tests/remfiles03.at", &[("remfiles03.at", true)]),
            ("./evil.cc ../evil.cc", &[("evil.cc", true), ("evil.cc", true)]),
            (
                "(lib/foo.cc) /evil.com",
                &[("foo.cc", true), ("evil.com", true)],
            ),
            ("tcp/evil.com", &[("evil.com", true)]),
            ("a.com\0src/x.sh", &[("a.com", false), ("x.sh", true)]),
            (
                "debian/rules.d/build.mk, rules.d/debhelper.mk: fix",
                &[("build.mk", true), ("debhelper.mk", true)],
            ),
            ("/etc/init.d/evil.cc", &[("evil.cc", true)]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, bool)> =
                expected.iter().map(|&(v, w)| (v.to_string(), w)).collect();
            assert_eq!(weak_values(text), expected, "{text}");
        }
    }

    #[test]
    fn names_after_hosts_and_urls_stay_strong() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            (
                "evil1.com/evil2.net",
                &[("evil1.com", false), ("evil2.net", false)],
            ),
            ("evil.com/gate.php", &[("evil.com", false)]),
            (
                "https:/evil.com //evil.net",
                &[("evil.com", false), ("evil.net", false)],
            ),
            (r"http:\/\/evil.com\/x", &[("evil.com", false)]),
            ("live/evil.com/cert", &[("evil.com", false)]),
            ("1.2.3.4/evil.com", &[("1.2.3.4", false), ("evil.com", false)]),
            ("evil.co/evil.net", &[("evil.co", false), ("evil.net", false)]),
            ("rules.d1/evil.com", &[("evil.com", false)]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, bool)> =
                expected.iter().map(|&(v, w)| (v.to_string(), w)).collect();
            assert_eq!(weak_values(text), expected, "{text}");
        }
    }

    #[test]
    fn long_directory_name_is_not_a_path() {
        let long = "d".repeat(300);
        let text = format!("{long}/evil.com");
        assert_eq!(weak_values(&text), [("evil.com".to_string(), false)]);
        let short = format!("{}/evil.com", "d".repeat(255));
        assert_eq!(weak_values(&short), [("evil.com".to_string(), true)]);
    }

    #[test]
    fn line_numbers_are_not_ports() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            ("Makefile.am:23: AM_CFLAGS", &[("makefile.am", true)]),
            ("setup.py:4:1: E302", &[("setup.py", true)]),
            ("at a.B.run(Offset.java:44)", &[("offset.java", true)]),
            (
                "evil.zip:8080 evil.pl:443/x",
                &[("evil.zip", false), ("evil.pl", false)],
            ),
            ("(c2 evil.zip:8080)", &[("evil.zip", false)]),
            // Only suffixes that are also file extensions read a number
            // before a `:` as a line.
            ("evil.cc:8080: refused", &[("evil.cc", false)]),
            ("evil.com:443: timeout", &[("evil.com", false)]),
            // The cost: a listed suffix in such a log line reads as a file.
            ("evil.zip:443: refused", &[("evil.zip", true)]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, bool)> =
                expected.iter().map(|&(v, w)| (v.to_string(), w)).collect();
            assert_eq!(weak_values(text), expected, "{text}");
        }
    }

    #[test]
    fn systemd_targets_are_weak() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            ("WantedBy=multi-user.target", &[("multi-user.target", true)]),
            ("After=network.target", &[("network.target", true)]),
            (
                "sockets.target timers.target",
                &[("sockets.target", true), ("timers.target", true)],
            ),
            ("evil.target:443", &[("evil.target", false)]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, bool)> =
                expected.iter().map(|&(v, w)| (v.to_string(), w)).collect();
            assert_eq!(weak_values(text), expected, "{text}");
        }
    }

    #[test]
    fn stix_domain_values_are_strong() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            (
                "[domain-name:value = 'popfealt.one']",
                &[("popfealt.one", false)],
            ),
            ("[domain-name:value='setup.py']", &[("setup.py", false)]),
            ("[domain-name:value  =\t'data.in' OR x]", &[("data.in", false)]),
            // Other properties and operators keep the usual rules.
            ("[file:name = 'setup.py']", &[("setup.py", true)]),
            ("[domain-name:value != 'run.sh']", &[("run.sh", true)]),
            ("domain-name:value = 'a.one b'", &[("a.one", true)]),
        ];
        for (text, expected) in cases {
            let expected: Vec<(String, bool)> =
                expected.iter().map(|&(v, w)| (v.to_string(), w)).collect();
            assert_eq!(weak_values(text), expected, "{text}");
        }
    }

    #[test]
    fn certificate_oids_are_not_ips() {
        let cases: &[(&str, &[&str])] = &[
            ("2.5.4.3 2.5.29.15 1.3.101.112 1.3.6.1", &[]),
            ("2.5.29.0/24 1.3.6.2", &["2.5.29.0/24", "1.3.6.2"]),
            (
                "2.5.40.1 12.5.4.3 1.3.10.1",
                &["2.5.40.1", "12.5.4.3", "1.3.10.1"],
            ),
            ("002.005.004.003", &["2.5.4.3"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn quads_named_oids_are_not_ips() {
        let oids = [
            "pub const DSA: crate::ObjectIdentifier = \
             crate::ObjectIdentifier::new_unwrap(\"2.5.6.13\");",
            "let oid = ObjectIdentifier::new(\"1.2.3.4\").unwrap();",
            "oid = \"2.5.21.5\"",
            "OID 2.5.23.1",
            "oids: '1.2.8.1'",
            "x.getOid(\"1.2.8.1\")",
            "EXT_OID=1.2.3.4",
            "oid_value = '1.2.3.4'",
        ];
        for text in oids {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
        let addresses = [
            "to avoid 10.1.2.3 being",
            "Android 10.1.2.3 device",
            "VOID 10.1.2.3",
            "oidc 10.1.2.3",
            "OID 1.3.6.1.4.1.4 value IpAddress: 10.1.2.3",
            "oid for the host, 10.1.2.3",
        ];
        for text in addresses {
            assert_eq!(values(text), ["10.1.2.3"], "{text}");
        }
    }

    #[test]
    fn hyphenated_line_tails_are_not_domains() {
        let cases: &[(&str, &[&str])] = &[
            ("my-do\u{2010}\n       main.com here", &[]),
            ("kuber\u{AD}\r\nnetes.io", &[]),
            ("see -\n  evil.example.com", &["evil.example.com"]),
            ("done.\n  evil.example.com", &["evil.example.com"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn media_subtypes_are_not_domains() {
        let cases: &[(&str, &[&str])] = &[
            ("application/vnd.oasis.opendocument.graphics", &[]),
            ("Content-Type: Image/vnd.adobe.photoshop", &[]),
            ("path/vnd.example.com", &["vnd.example.com"]),
            ("mytext/evil.example.com", &["evil.example.com"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn section_names_are_not_domains() {
        let cases: &[(&str, &[&str])] = &[
            (".plt.got", &[]),
            ("x .note.gnu.property y", &[]),
            (".data.rel.ro .gnu.linkonce.t.example", &[]),
            (".text.evil.com", &[]),
            // Without the leading dot these are names like any other.
            ("data.rel.ro", &["data.rel.ro"]),
            ("*.text.example.com", &["text.example.com"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn json_keys_are_weak_values_are_not() {
        let mut out = Vec::new();
        let text = br#"{"host.name": "lap-77", "dns.question.name": "evil.example.com"}"#;
        find(text, &Limits::default(), &mut out);
        let weak: Vec<(&str, bool)> =
            out.iter().map(|c| (c.value.as_str(), c.weak)).collect();
        assert_eq!(
            weak,
            [
                ("host.name", true),
                ("dns.question.name", true),
                ("evil.example.com", false),
            ]
        );
    }

    #[test]
    fn homoglyph_domain_captured_whole() {
        let got = values("visit раураl.com now");
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("xn--"), "{got:?}");
        assert!(got[0].ends_with(".com"));
    }

    #[test]
    fn long_dotted_run_is_linear_and_empty() {
        let text = "a.".repeat(1 << 19);
        assert!(values(&text).is_empty());
    }

    /// Finds candidates as `find` did before it passed over dots that
    /// end their run, and with the general run scan, as a model for it.
    fn find_every_dot(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut consumed = 0;
        while let Some(dot) = next_anchor(text, b'.', consumed) {
            let run = scan_mixed_run(text, dot, consumed);
            consumed = run.end.max(dot.saturating_add(1));
            classify(text, &run, &mut out);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn run_end_shortcut_finds_same(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    ".", "..", "a", "com", "1", "-", "_", " ", "é", "\n",
                    "@", "$", "]", "(", "x.org", "10.0.0.1", "\u{3002}",
                ][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let found = super::super::testing::run(find, text.as_bytes());
            proptest::prop_assert_eq!(found, find_every_dot(text.as_bytes()));
        }
    }

    /// Parses with a split per dot, as a model for `parse_ipv4`, and
    /// reports whether a group is zero-padded.
    fn parse_ipv4_model(token: &[u8]) -> Option<([u8; 4], bool)> {
        let groups: Vec<&[u8]> = token.split(|&b| b == b'.').collect();
        if groups.len() != 4 {
            return None;
        }
        let mut octets = [0u8; 4];
        for (octet, group) in octets.iter_mut().zip(&groups) {
            let digits = group.iter().all(u8::is_ascii_digit);
            if group.is_empty() || group.len() > 3 || !digits {
                return None;
            }
            let text = std::str::from_utf8(group).ok()?;
            *octet = text.parse::<u16>().ok()?.try_into().ok()?;
        }
        let padded = groups.iter().any(|g| g.len() > 1 && g[0] == b'0');
        Some((octets, padded))
    }

    #[test]
    fn canonical_ipv4_is_its_own_value() {
        for text in ["1.2.3.4", "255.255.255.255", "0.0.0.0", "10.99.100.9"] {
            let ip = parse_ipv4(text.as_bytes()).unwrap();
            assert_eq!(format_ipv4(ip).as_str(), text);
        }
        let ip = parse_ipv4(b"010.001.000.255").unwrap();
        assert_eq!(format_ipv4(ip).as_str(), "10.1.0.255");
    }

    #[test]
    fn ipv4_rejects_malformed_groups() {
        let texts = [
            "",
            "1.2.3",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "1.2.3.256",
            "0001.2.3.4",
            "1.2.3.4/8",
            "1.2.3.4 ",
            "999.1.1.1",
            "1.2.3.4.5",
        ];
        for text in texts {
            assert_eq!(parse_ipv4(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn packed_lists_match_words() {
        let lists: [&[u64]; 6] = [
            &GENERIC_TLDS,
            &CODE_OBJECTS,
            &CODE_NAMES,
            &FILE_EXTENSION_TLDS,
            &CAPITALIZED_FILE_TLDS,
            &SECTION_PREFIXES,
        ];
        for list in lists {
            assert!(list.iter().all(|&word| word != 0));
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]));
        }
        assert!(in_list(&CODE_NAMES, b"Data"));
        assert!(in_list(&CODE_NAMES, b"LOCATION"));
        assert!(!in_list(&CODE_NAMES, b"dat"));
        assert!(!in_list(&CODE_NAMES, b"locations"));
        assert!(in_list(&CODE_OBJECTS, b"Window"));
        assert!(!in_list(&CODE_OBJECTS, b"windows"));
        assert!(is_generic_tld(pack_label(b"COM")));
        assert!(!is_generic_tld(pack_label(b"co")));
        assert!(has_file_extension_suffix(pack_label(b"Zip")));
        assert!(!has_file_extension_suffix(pack_label(b"zipx")));
        assert_eq!(pack(b"\xc3\x89a"), pack(b"\xc3\x89A"));
    }

    /// Tests the last label as `may_end_in_tld` did before it read the
    /// first byte first, as a model for it.
    fn may_end_in_tld_model(tld: &[u8], shape: &Shape) -> bool {
        let letters = shape.classes & (DIGIT | HYPHEN | UNDERSCORE) == 0;
        if letters || shape.classes & NON_ASCII != 0 {
            return true;
        }
        let a_label =
            tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"));
        a_label || tld.iter().all(u8::is_ascii_alphabetic)
    }

    /// Parses four `0x` groups with a split per dot, as a model for
    /// `hex_ipv4`.
    fn hex_ipv4_model(token: &[u8]) -> Option<[u8; 4]> {
        let text = std::str::from_utf8(token).ok()?;
        let groups: Vec<&str> = text.split('.').collect();
        if groups.len() != 4 {
            return None;
        }
        let mut octets = [0u8; 4];
        for (octet, group) in octets.iter_mut().zip(&groups) {
            let digits = group.get(2..)?;
            let prefix_ok =
                group.get(..2).is_some_and(|p| p == "0x" || p == "0X");
            let hex = digits.bytes().all(|b| b.is_ascii_hexdigit());
            if !prefix_ok || !hex || digits.is_empty() || digits.len() > 2 {
                return None;
            }
            *octet = u8::from_str_radix(digits, 16).ok()?;
        }
        Some(octets)
    }

    /// Tests a JSON key as `is_json_key` did before it tested the quotes
    /// first, as a model for it.
    fn is_json_key_model(text: &[u8], start: usize, end: usize) -> bool {
        let opened =
            start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'"');
        let after = text.get(end.saturating_add(1)..).unwrap_or_default();
        let colon = after.iter().find(|b| !b.is_ascii_whitespace());
        opened && text.get(end) == Some(&b'"') && colon == Some(&b':')
    }

    proptest::proptest! {
        #[test]
        fn json_key_test_matches_model(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "\"", ":", " ", "\n", "a", ".", ",",
                ][..]),
                0..12,
            ),
            start in 0usize..14,
            end in 0usize..14,
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            proptest::prop_assert_eq!(
                is_json_key(bytes, start, end),
                is_json_key_model(bytes, start, end)
            );
        }

        #[test]
        fn tld_test_matches_model(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Z", "x", "X", "n", "N", "xn--", "XN--", "-", "_",
                    "7", "é", ".",
                ][..]),
                0..10,
            )
        ) {
            let token = format!("a.{}", pieces.concat());
            let bytes = token.as_bytes();
            let shape = Shape::of(bytes);
            let last_dot = bytes.iter().rposition(|&b| b == b'.').unwrap();
            let tld = &bytes[last_dot + 1..];
            proptest::prop_assert_eq!(
                may_end_in_tld(tld, &shape),
                may_end_in_tld_model(tld, &shape)
            );
        }

        #[test]
        fn hex_ipv4_matches_model(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "0x", "0X", "0", "x", "X", "a", "F", "g", "1", "9", ".",
                    "-", "é", "0x7f.", "0XaB.",
                ][..]),
                0..16,
            )
        ) {
            let token = pieces.concat();
            let bytes = token.as_bytes();
            let found = hex_ipv4(bytes);
            proptest::prop_assert_eq!(found, hex_ipv4_model(bytes));
            // `classify` tests only tokens with a digit.
            if found.is_some() {
                proptest::prop_assert!(Shape::of(bytes).classes & DIGIT != 0);
            }
        }

        #[test]
        fn hex_ipv4_groups_match_model(
            groups in proptest::collection::vec(
                proptest::sample::select(&[
                    "0x7f", "0XaB", "0xC6", "0x0", "0X00", "0x", "0x123",
                    "0xg", "x7f", "07", "-0x1",
                ][..]),
                3..6,
            )
        ) {
            let token = groups.join(".");
            let bytes = token.as_bytes();
            proptest::prop_assert_eq!(hex_ipv4(bytes), hex_ipv4_model(bytes));
        }

        #[test]
        fn one_pass_ipv4_matches_split(
            text in "[0-9.x-]{0,18}",
        ) {
            let bytes = text.as_bytes();
            let model = parse_ipv4_model(bytes);
            proptest::prop_assert_eq!(parse_ipv4(bytes), model.map(|m| m.0));
        }

        #[test]
        fn dotted_ipv4_value_matches_std(
            groups in proptest::collection::vec("[0-9]{1,3}", 4),
        ) {
            // An unpadded address is already in canonical dotted form, so
            // its value must equal its text.
            let text = groups.join(".");
            let bytes = text.as_bytes();
            let Some((ip, padded)) = parse_ipv4_model(bytes) else {
                proptest::prop_assert_eq!(parse_ipv4(bytes), None);
                return Ok(());
            };
            proptest::prop_assert_eq!(parse_ipv4(bytes), Some(ip));
            let value = format_ipv4(ip);
            let expected = std::net::Ipv4Addr::from(ip).to_string();
            proptest::prop_assert_eq!(value.as_str(), expected.as_str());
            if !padded {
                proptest::prop_assert_eq!(value.as_str(), text.as_str());
            }
        }

        #[test]
        fn ipv4_candidate_matches_model(
            octets in proptest::prelude::any::<[u8; 4]>(),
            prefix in 0u8..40,
            with_prefix in proptest::prelude::any::<bool>(),
        ) {
            let address = std::net::Ipv4Addr::from(octets).to_string();
            let suffix =
                if with_prefix { format!("/{prefix}") } else { String::new() };
            let text = format!("at {address}{suffix} now");
            let mut out = Vec::new();
            find(text.as_bytes(), &Limits::default(), &mut out);
            // A prefix over 32 is not part of the address.
            let prefix_in_value = with_prefix && prefix <= 32;
            let value = if prefix_in_value {
                format!("{address}{suffix}")
            } else {
                address.clone()
            };
            proptest::prop_assert_eq!(out.len(), 1);
            let found = &out[0];
            proptest::prop_assert_eq!(found.category, Category::Ip);
            proptest::prop_assert_eq!(found.kind, Some("ipv4"));
            proptest::prop_assert_eq!(found.value.as_str(), value.as_str());
            proptest::prop_assert_eq!(found.start, 3);
            proptest::prop_assert_eq!(found.end, 3 + value.len());
            proptest::prop_assert!(!found.weak && !found.derived);
        }

        #[test]
        fn ipv4_format_matches_std(
            octets in proptest::prelude::any::<[u8; 4]>(),
        ) {
            let value = format_ipv4(octets);
            let expected = std::net::Ipv4Addr::from(octets).to_string();
            proptest::prop_assert_eq!(value.as_str(), expected.as_str());
        }

        #[test]
        fn packed_tld_lookups_match_lists(
            label in proptest::prop_oneof![
                proptest::sample::select(&[
                    "com", "COM", "Info", "biz", "zip", "Zip", "py", "rs",
                    "pub", "dot", "co", "comx", "", "zipzipzip",
                ][..])
                .prop_map(String::from),
                "[a-zA-Z0-9-]{0,10}",
            ],
        ) {
            let label = label.as_bytes();
            let word = pack_label(label);
            proptest::prop_assert_eq!(
                has_file_extension_suffix(word),
                in_list(&FILE_EXTENSION_TLDS, label)
            );
            proptest::prop_assert_eq!(
                is_generic_tld(word),
                in_list(&GENERIC_TLDS, label)
            );
        }

        #[test]
        fn word_load_packs_as_loop(label in proptest::collection::vec(
            proptest::prelude::any::<u8>(),
            0..10,
        )) {
            proptest::prop_assert_eq!(pack_label(&label), pack(&label));
        }

        #[test]
        fn ascii_scan_matches_general_scan(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    ".", "a", "Z", "7", "-", "_", " ", "é", "\u{3002}",
                    "\u{301}", "\u{ff0e}", ",", "x.org", "\u{80}",
                ][..]),
                1..24,
            ),
            floor_seed in 0usize..64,
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let floor = floor_seed % bytes.len();
            if let Some(dot) = next_anchor(bytes, b'.', floor) {
                proptest::prop_assert_eq!(
                    scan_run(bytes, dot, floor),
                    scan_mixed_run(bytes, dot, floor)
                );
            }
        }
    }
}
