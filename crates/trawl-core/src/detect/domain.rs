//! Dotted tokens: bare domain names and IPv4 addresses.
//!
//! Every `.` anchors a maximal run of host-name characters (ASCII letters,
//! digits, `-`, `_`, `.` and non-ASCII letters). The run is classified
//! once, as a whole, and the scan resumes after it, so `a.a.a…` costs one
//! pass however long it is. A run is an IPv4 address only with exactly four
//! decimal groups, and a domain only when its suffix is public and it does
//! not read as a file name or a code identifier.

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

/// Top-level names that are also common file extensions: `setup.py` or
/// `invoice.zip` is a file unless written defanged, followed by a port or
/// standing alone as an XML value.
const FILE_EXTENSION_TLDS: &[&[u8]] = &[
    b"cab", b"cat", b"dot", b"gs", b"md", b"mov", b"one", b"pid", b"pl",
    b"ps", b"pub", b"py", b"rs", b"sh", b"so", b"zip",
];

/// Pushes every domain and IPv4 candidate in `text`.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    find_outside(text, limits, Cursor::NONE, out);
}

/// Pushes every domain and IPv4 candidate in `text` that does not start
/// in one of the URL interiors of `urls`.
pub(crate) fn find_outside(
    text: &[u8],
    _limits: &Limits,
    mut urls: Cursor<'_>,
    out: &mut Vec<Candidate>,
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
        let start = run_start(text, dot, consumed);
        let end = run_end(text, after_dot);
        consumed = end.max(after_dot);
        classify(text, start, end, out);
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

fn classify(text: &[u8], start: usize, end: usize, out: &mut Vec<Candidate>) {
    let Some(run) = text.get(start..end) else { return };
    let lead = run.iter().take_while(|&&b| matches!(b, b'.' | b'-' | b'_'));
    let trail =
        run.iter().rev().take_while(|&&b| matches!(b, b'.' | b'-' | b'_'));
    let (lead, trail) = (lead.count(), trail.count());
    if lead.saturating_add(trail) >= run.len() || run.len() > MAX_RUN {
        return;
    }
    let (start, end) = (start.saturating_add(lead), end.saturating_sub(trail));
    let Some(token) = text.get(start..end) else { return };
    let shape = Shape::of(token);
    if shape.dots == 0 {
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

    if shape.classes & !(DIGIT | DOT | HYPHEN) == 0 {
        numeric_run(text, start, token, out);
        return;
    }
    if let Some(ip) = hex_ipv4(token) {
        out.push(ipv4_candidate(start, end, ip));
        return;
    }
    if !may_end_in_tld(token, &shape) {
        return;
    }
    if before == Some(b'@') && is_email_local_end(text, start) {
        return;
    }
    if shape.classes & UNDERSCORE != 0 || looks_like_code(token, &shape) {
        return;
    }
    let Some(host) = hostname::normalize(token, HostPolicy::Bare) else {
        return;
    };
    let mut candidate = Candidate::new(Category::Domain, start, end, host);
    let file_like = has_file_extension_suffix(token)
        && after != Some(b':')
        && !is_text_node(text, start, end);
    candidate.weak = file_like || is_json_key(text, start, end);
    out.push(candidate);
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
struct Shape {
    /// The union of the class bits of its bytes.
    classes: u8,
    dots: usize,
    first_dot: usize,
    last_dot: usize,
}

impl Shape {
    fn of(token: &[u8]) -> Shape {
        let mut shape =
            Shape { classes: 0, dots: 0, first_dot: 0, last_dot: 0 };
        for (i, &b) in token.iter().enumerate() {
            let class = lookup(&TOKEN_CLASSES, b);
            shape.classes |= class;
            if class == DOT {
                if shape.dots == 0 {
                    shape.first_dot = i;
                }
                shape.dots = shape.dots.saturating_add(1);
                shape.last_dot = i;
            }
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
fn may_end_in_tld(token: &[u8], shape: &Shape) -> bool {
    if shape.classes & NON_ASCII != 0 {
        return true;
    }
    let tld = token.get(shape.last_dot.saturating_add(1)..);
    let tld = tld.unwrap_or_default();
    let a_label =
        tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"));
    a_label || tld.iter().all(u8::is_ascii_alphabetic)
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
    let after = text.get(end.saturating_add(1)..).unwrap_or_default();
    let colon = after.iter().find(|b| !b.is_ascii_whitespace());
    opened && text.get(end) == Some(&b'"') && colon == Some(&b':')
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
    out: &mut Vec<Candidate>,
) {
    // Parts and their separators lie inside `text`, so the offsets
    // never saturate.
    let mut offset = start;
    for part in token.split(|&b| b == b'-') {
        let part_start = offset;
        let part_end = part_start.saturating_add(part.len());
        offset = part_end.saturating_add(1);
        let Some(ip) = parse_ipv4(part) else { continue };
        if is_product_version(text, part_start)
            || is_path_segment(text, part_start, part_end)
        {
            continue;
        }
        let (end, prefix) = cidr_suffix(text, part_end);
        let mut candidate = ipv4_candidate(part_start, end, ip);
        if let Some(prefix) = prefix {
            // The prefix is at most 32, so it has one or two digits.
            candidate.value.push('/');
            if prefix >= 10 {
                candidate.value.push(char::from(b'0' | (prefix / 10)));
            }
            candidate.value.push(char::from(b'0' | (prefix % 10)));
        }
        out.push(candidate);
    }
}

/// Parses exactly four decimal groups of one to three digits, each at most
/// 255. Zero-padded groups (`010.001.002.003`, from fixed-width logs) are
/// read as decimal.
pub(crate) fn parse_ipv4(token: &[u8]) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut groups = token.split(|&b| b == b'.');
    for octet in &mut octets {
        let group = groups.next()?;
        if group.is_empty() || group.len() > 3 {
            return None;
        }
        let mut value: u16 = 0;
        for &b in group {
            if !b.is_ascii_digit() {
                return None;
            }
            // The low nibble of an ASCII digit is its value.
            let digit = u16::from(b & 0x0f);
            value = value.checked_mul(10)?.checked_add(digit)?;
        }
        *octet = u8::try_from(value).ok()?;
    }
    groups.next().is_none().then_some(octets)
}

/// Parses `0xC6.0x33.0x64.0x07`, a hex-obfuscated IPv4 address.
fn hex_ipv4(token: &[u8]) -> Option<[u8; 4]> {
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

/// Formats an address in dotted decimal without going through `fmt`.
pub(crate) fn format_ipv4(ip: [u8; 4]) -> Value {
    // Four groups of up to three digits and three dots.
    let mut text = [0u8; 15];
    let mut len = 0usize;
    let mut put = |byte: u8| {
        if let Some(slot) = text.get_mut(len) {
            *slot = byte;
        }
        len = len.saturating_add(1);
    };
    for (i, octet) in ip.into_iter().enumerate() {
        if i > 0 {
            put(b'.');
        }
        // A digit is below 16, so OR-ing it into `b'0'` (0x30) adds it.
        if octet >= 100 {
            put(b'0' | (octet / 100));
        }
        if octet >= 10 {
            put(b'0' | (octet / 10 % 10));
        }
        put(b'0' | (octet % 10));
    }
    let text = text.get(..len).unwrap_or_default();
    Value::from_ascii(text).unwrap_or_default()
}

/// A version after a product name, as in `Chrome/120.0.0.0`.
fn is_product_version(text: &[u8], start: usize) -> bool {
    let slash = start.checked_sub(1).and_then(|i| text.get(i));
    let word = start.checked_sub(2).and_then(|i| text.get(i));
    slash == Some(&b'/') && word.is_some_and(|b| b.is_ascii_alphabetic())
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
/// (`System.IO`, `Agent.BQ`) and object access (`self.id`,
/// `window.location.host`), unless the suffix is a common generic one
/// (`document.example.com`).
fn looks_like_code(token: &[u8], shape: &Shape) -> bool {
    if shape.classes & NON_ASCII != 0 {
        return false;
    }
    let first = token.get(..shape.first_dot).unwrap_or_default();
    let tld = token.get(shape.last_dot.saturating_add(1)..);
    let tld = tld.unwrap_or_default();
    let label_count = shape.dots.saturating_add(1);
    if !consistent_case(token, shape, label_count, tld) {
        return true;
    }
    if is_generic_tld(tld) {
        return false;
    }
    is_code_object(first) || label_count == 2 && is_code_name(first)
}

/// Lower-cases a short label into a stack buffer, for matching against
/// fixed word lists without allocating.
fn lower<const N: usize>(label: &[u8], buffer: &mut [u8; N]) -> Option<usize> {
    let target = buffer.get_mut(..label.len())?;
    for (out, b) in target.iter_mut().zip(label) {
        *out = b.to_ascii_lowercase();
    }
    Some(label.len())
}

fn is_generic_tld(tld: &[u8]) -> bool {
    let mut buffer = [0u8; 4];
    let Some(len) = lower(tld, &mut buffer) else { return false };
    matches!(
        buffer.get(..len),
        Some(b"biz" | b"com" | b"info" | b"net" | b"org")
    )
}

/// First labels that mark a dotted name as code at any length
/// (`window.location.host`, `java.io`, `self.id`).
fn is_code_object(label: &[u8]) -> bool {
    let mut buffer = [0u8; 8];
    let Some(len) = lower(label, &mut buffer) else { return false };
    matches!(
        buffer.get(..len),
        Some(
            b"console"
                | b"document"
                | b"java"
                | b"javax"
                | b"self"
                | b"this"
                | b"window"
        )
    )
}

/// First labels that mark a two-label name as code (`obj.to`, `data.in`,
/// `cfg.app`).
fn is_code_name(label: &[u8]) -> bool {
    let mut buffer = [0u8; 8];
    let Some(len) = lower(label, &mut buffer) else { return false };
    matches!(
        buffer.get(..len),
        Some(
            b"arg"
                | b"args"
                | b"array"
                | b"cfg"
                | b"cls"
                | b"config"
                | b"ctx"
                | b"data"
                | b"el"
                | b"elem"
                | b"err"
                | b"evt"
                | b"item"
                | b"json"
                | b"location"
                | b"math"
                | b"module"
                | b"msg"
                | b"obj"
                | b"object"
                | b"opts"
                | b"options"
                | b"os"
                | b"params"
                | b"props"
                | b"req"
                | b"request"
                | b"res"
                | b"response"
                | b"result"
                | b"state"
                | b"str"
                | b"string"
                | b"sys"
                | b"system"
                | b"user"
                | b"value"
        )
    )
}

/// Reports whether the suffix is also a common file extension, as in
/// `setup.py` or `textures.exe.zip`.
fn has_file_extension_suffix(token: &[u8]) -> bool {
    let tld_start =
        memchr::memrchr(b'.', token).map_or(0, |dot| dot.saturating_add(1));
    let tld = token.get(tld_start..).unwrap_or_default();
    // Every listed extension has two or three letters, so longer labels
    // skip the list.
    let mut buffer = [0u8; 3];
    let Some(len) = lower(tld, &mut buffer) else { return false };
    let tld = buffer.get(..len).unwrap_or_default();
    FILE_EXTENSION_TLDS.contains(&tld)
}

/// Domains are written in one case style: all lower (`example.com`), all
/// upper (`EXAMPLE.COM`), title case throughout (`Mail.Example.Org`), or
/// any style in front of a lower-case suffix (`GitHub.com`). Code mixes
/// them (`System.IO`, `Console.Me`, `DetectRaptor.Windows`).
fn consistent_case(
    token: &[u8],
    shape: &Shape,
    label_count: usize,
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
    token.split(|&b| b == b'.').all(title)
        && (label_count >= 3 || tld.len() >= 3)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

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
        assert_eq!(shape.dots, 2);
        assert_eq!(shape.first_dot, 1);
        assert_eq!(shape.last_dot, 5);
        let all = LOWER | DOT | UPPER | UNDERSCORE | DIGIT | NON_ASCII;
        assert_eq!(shape.classes, all);
        assert_eq!(Shape::of(b"10.0.0-1").classes, DIGIT | DOT | HYPHEN);
        assert_eq!(Shape::of(b"abc").dots, 0);
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
            ("OID 1.3.6.1.4.1.311.21.8 and 1.2.3.4.5", &[]),
            ("Chrome/120.0.0.0 Safari", &[]),
            ("net 10.0.0.0/8 and 10.1.1.1/33", &["10.0.0.0/8", "10.1.1.1"]),
            ("range 10.0.0.1-10.0.0.255", &["10.0.0.1", "10.0.0.255"]),
            ("http://0xC6.0x33.0x64.0x07/login", &["198.51.100.7"]),
            ("999.1.1.1", &[]),
            ("support.team@example.org", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn file_extension_suffix_is_weak() {
        let mut out = Vec::new();
        let text = b"setup.py textures.exe.zip evil.zip:8080";
        find(text, &Limits::default(), &mut out);
        let weak: Vec<(&str, bool)> =
            out.iter().map(|c| (c.value.as_str(), c.weak)).collect();
        assert_eq!(
            weak,
            [
                ("setup.py", true),
                ("textures.exe.zip", true),
                ("evil.zip", false),
            ]
        );
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
    /// end their run, as a model for it.
    fn find_every_dot(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut consumed = 0;
        while let Some(dot) = next_anchor(text, b'.', consumed) {
            let start = run_start(text, dot, consumed);
            let after_dot = dot.saturating_add(1);
            let end = run_end(text, after_dot);
            consumed = end.max(after_dot);
            classify(text, start, end, &mut out);
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
}
