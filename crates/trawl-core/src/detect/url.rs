//! URLs, anchored on `://` (or `:\\`).
//!
//! The scheme is read leftwards from the anchor (defanged spellings such
//! as `hxxp`, `h**p`, `h00p` and `fxp` included), the authority is split
//! into user info, host and port, and the path runs to the first
//! terminator. Trailing sentence punctuation and unbalanced closing
//! brackets are trimmed. The host is reported beside the URL as a
//! `derived` domain or IP.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::chars::{
    char_at, is_unicode_terminator, lookup, next_anchor, ByteSet,
};
use super::hostname::{self, HostPolicy};
use super::{Candidate, Value};
use crate::{Category, Limits};

/// Network schemes reported, lower case, each with the `://` that
/// follows it in a reported URL. Malware speaks more than HTTP: coin
/// miners name their pools with `stratum+tcp://`, and supply-chain
/// attacks fetch from `git+ssh://`.
const SCHEMES: &[&str] = &[
    "amqp://",
    "bzr+ssh://",
    "dict://",
    "file://",
    "ftp://",
    "ftps://",
    "git+ssh://",
    "git://",
    "gopher://",
    "hkp://",
    "hkps://",
    "http://",
    "https://",
    "imap://",
    "imaps://",
    "irc://",
    "ircs://",
    "ldap://",
    "ldaps://",
    "mms://",
    "mongodb://",
    "mqtt://",
    "mysql://",
    "nfs://",
    "nntp://",
    "pop3://",
    "postgres://",
    "postgresql://",
    "rdp://",
    "redis://",
    "rmi://",
    "rtmp://",
    "rtsp://",
    "sftp://",
    "sip://",
    "smb://",
    "smtp://",
    "smtps://",
    "socks4://",
    "socks5://",
    "socks://",
    "ssh://",
    "stratum+ssl://",
    "stratum+tcp://",
    "stratum+tls://",
    "stratum2+ssl://",
    "stratum2+tcp://",
    "svn+ssh://",
    "svn://",
    "tcp://",
    "telnet://",
    "tftp://",
    "udp://",
    "vnc://",
    "ws://",
    "wss://",
    "xmpp://",
];

/// Schemes that may be found glued to the text before them, as happens
/// when a binary's strings run together (`pathhttp://host`).
const GLUED_SCHEMES: &[&str] = &["https", "http", "ftps", "ftp"];

/// Maximum scheme length examined, in bytes.
const MAX_SCHEME_LEN: usize = 16;

/// Maximum authority length (user info, host and port) examined, in
/// bytes.
const MAX_AUTHORITY_LEN: usize = 512;

/// Pushes every URL candidate, and its host as a derived candidate.
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let mut colons = SeparatorColons::new(text);
    find_from_colons(text, limits, out, |from| colons.next_from(from));
}

/// Pushes the URL candidates whose scheme ends at a colon that
/// `next_colon` returns: the first candidate colon at or after an offset.
fn find_from_colons(
    text: &[u8],
    limits: &Limits,
    out: &mut Vec<Candidate>,
    mut next_colon: impl FnMut(usize) -> Option<usize>,
) {
    let mut consumed = 0;
    while let Some(colon) = next_colon(consumed) {
        // The colon and the separator after it lie inside `text`, so
        // these sums cannot saturate.
        let after_colon = colon.saturating_add(1);
        let separator = text.get(colon..).and_then(|rest| rest.get(1..3));
        if separator != Some(b"//") && separator != Some(b"\\\\") {
            consumed = after_colon;
            continue;
        }
        let Some((start, scheme)) = scheme_before(text, colon, consumed)
        else {
            consumed = after_colon;
            continue;
        };
        let authority_start = colon.saturating_add(3);
        consumed = authority_start;
        let url = Url { start, colon, scheme };
        if let Some((end, colon)) = parse(text, url, limits, out) {
            let inner = Inner { from: authority_start, end, colon };
            inner_indicators(text, inner, limits, out);
            consumed = end;
        }
    }
}

/// Finds the colons followed by `/` or `\\`, the only ones a URL's
/// scheme can end at. Most colons in logs and prose (clock times,
/// `key: value`) are followed by neither, and two substring searches
/// pass over them instead of stopping at each. A colon skipped this way
/// is never part of a scheme, so the scheme found before a later colon
/// is the same.
struct SeparatorColons<'t> {
    text: &'t [u8],
    finders: &'static [Finder<'static>; 2],
    /// The first `:/` and the first `:\\` at or after the offset last
    /// requested, or `None` once that pair does not occur again.
    next: [Option<usize>; 2],
}

impl<'t> SeparatorColons<'t> {
    fn new(text: &'t [u8]) -> Self {
        // The scanner calls this for every decoded base64 payload too,
        // 52 bytes long on average in the benchmark text, where building
        // the finders would cost more than the searches.
        static FINDERS: LazyLock<[Finder<'static>; 2]> =
            LazyLock::new(|| [Finder::new(b":/"), Finder::new(b":\\")]);
        let finders = &*FINDERS;
        let next = finders.each_ref().map(|finder| finder.find(text));
        SeparatorColons { text, finders, next }
    }

    /// Returns the first such colon at or after `from`. Callers pass
    /// offsets that never decrease, so a pair found earlier at or after
    /// `from` is still the first.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        for (finder, next) in self.finders.iter().zip(&mut self.next) {
            if next.is_some_and(|at| at < from) {
                let rest = self.text.get(from..).unwrap_or_default();
                *next = finder
                    .find(rest)
                    .and_then(|found| from.checked_add(found));
            }
        }
        let [slash, backslash] = self.next;
        match (slash, backslash) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (found, None) | (None, found) => found,
        }
    }
}

/// Finds the scheme ending at `colon`; returns its start and normalised
/// name followed by `://`.
fn scheme_before(
    text: &[u8],
    colon: usize,
    floor: usize,
) -> Option<(usize, &'static str)> {
    let lowest = floor.max(colon.saturating_sub(MAX_SCHEME_LEN));
    let window = text.get(lowest..colon)?;
    let run_len =
        window.iter().rev().take_while(|&&b| SCHEME_BYTES.contains(b)).count();
    let start = colon.saturating_sub(run_len);
    let run = text.get(start..colon)?;
    let glued = start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric());
    if !glued {
        if let Some(scheme) = known_scheme(run) {
            return Some((start, scheme));
        }
    }
    for glued in GLUED_SCHEMES {
        let Some(offset) = run.len().checked_sub(glued.len()) else {
            continue;
        };
        let tail = run.get(offset..)?;
        let scheme = known_scheme(tail);
        let name = scheme.and_then(|s| s.strip_suffix("://"));
        if name == Some(glued) && offset > 0 {
            return Some((start.saturating_add(offset), scheme?));
        }
    }
    None
}

/// Maps a scheme as written, defanged spellings included, to its name
/// followed by `://`.
fn known_scheme(raw: &[u8]) -> Option<&'static str> {
    // Plain lower-case `http` and `https`, the usual spellings, need no
    // lower-cased copy.
    match raw {
        b"http" => return Some("http://"),
        b"https" => return Some("https://"),
        _ => {}
    }
    // Every listed scheme fits in `MAX_SCHEME_LEN` bytes, so a longer
    // run matches none.
    let mut buffer = [0u8; MAX_SCHEME_LEN];
    let lower = buffer.get_mut(..raw.len())?;
    for (out, b) in lower.iter_mut().zip(raw) {
        *out = b.to_ascii_lowercase();
    }
    // HTTP and FTP, defanged or not, write most URLs, so they are named
    // here without a search of the list.
    match &*lower {
        [b'h', a, b, b'p'] if is_defang_pair(*a, *b) => Some("http://"),
        [b'h', a, b, b'p', b's'] if is_defang_pair(*a, *b) => Some("https://"),
        [b'f', b't' | b'x' | b'*', b'p'] => Some("ftp://"),
        [b'f', b't' | b'x' | b'*', b'p', b's'] => Some("ftps://"),
        other => SCHEMES
            .iter()
            .copied()
            .find(|s| s.as_bytes().strip_suffix(b"://") == Some(other)),
    }
}

/// Bytes of a scheme as written: RFC 3986's letters, digits, `+`, `-`
/// and `.`, and the `*` of defanged spellings such as `h**p`.
const SCHEME_BYTES: ByteSet = ByteSet::new(b"+-.*", true);

fn is_defang_pair(a: u8, b: u8) -> bool {
    matches!(
        (a, b),
        (b't', b't')
            | (b'x', b'x')
            | (b'*', b'*')
            | (b'0', b'0')
            | (b'x', b't')
            | (b't', b'x')
    )
}

/// Bytes that end a URL wherever they appear: controls, space and the
/// delimiters RFC 3986 leaves out of URLs.
const TERMINATORS: ByteSet = ByteSet::new(
    b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\
      \x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\
      \x7f \"'<>`{}|^\\",
    false,
);

/// The part of a URL after its `://`, which may hold nested indicators.
#[derive(Clone, Copy)]
struct Inner {
    /// The start of the authority.
    from: usize,
    /// The end of the URL.
    end: usize,
    /// False when no `:` lies from `from` to `end`.
    colon: bool,
}

/// The position of a URL's scheme and of its `:`, and the scheme's name.
#[derive(Clone, Copy)]
struct Url {
    start: usize,
    colon: usize,
    /// The scheme's name followed by `://`, as the URL's value starts.
    scheme: &'static str,
}

/// Reports, beside the URL that owns them, the URLs nested in its path or
/// query (`/url?q=https://evil.top/x`, web archive links) and the hashes
/// that name a path segment or file (`/842497c2…0103.exe`). They are
/// `derived`, so they appear only when the outer URL is reported.
fn inner_indicators(
    text: &[u8],
    span: Inner,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    let Inner { from, end, colon } = span;
    let Some(inner) = text.get(..end) else { return };
    let first_new = out.len();
    // A nested URL needs a `:`, so without one there is nothing to find.
    if colon {
        nested_urls(inner, from, limits, out);
    }

    let path = inner.get(from..).unwrap_or_default();
    let hashes_from = out.len();
    super::hash::find(path, limits, out);
    for hash in out.get_mut(hashes_from..).unwrap_or_default() {
        hash.start = hash.start.saturating_add(from);
        hash.end = hash.end.saturating_add(from);
    }
    for candidate in out.get_mut(first_new..).unwrap_or_default() {
        candidate.derived = true;
    }
}

/// Pushes the URLs whose scheme ends at a `:` of `inner` after `from`.
fn nested_urls(
    inner: &[u8],
    from: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    let mut consumed = from;
    while let Some(colon) = next_anchor(inner, b':', consumed) {
        // The colon and the `//` after it lie inside `inner`, so these
        // sums cannot saturate.
        consumed = colon.saturating_add(1);
        if inner.get(colon..).and_then(|rest| rest.get(1..3)) != Some(b"//") {
            continue;
        }
        let Some((start, scheme)) = scheme_before(inner, colon, from) else {
            continue;
        };
        let glued = start
            .checked_sub(1)
            .and_then(|i| inner.get(i))
            .is_some_and(u8::is_ascii_alphanumeric);
        if glued {
            continue;
        }
        let url = Url { start, colon, scheme };
        let authority_start = colon.saturating_add(3);
        let parsed = parse(inner, url, limits, out);
        consumed = parsed.map_or(authority_start, |(end, _)| end);
    }
}

/// Parses the URL whose scheme starts at `url.start`; pushes it and
/// returns its end, or `None` when it is not a valid URL. Also reports
/// whether a `:` may lie between the start of its authority and its
/// end, which is false only when none does.
fn parse(
    text: &[u8],
    url: Url,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> Option<(usize, bool)> {
    let Url { start, colon, scheme } = url;
    let authority_start = colon.checked_add(3)?;
    let (mut authority_end, classes) = authority_end(text, authority_start)?;
    let mut authority = text.get(authority_start..authority_end)?;
    // Offsets inside the authority are below its end, so the sums below
    // cannot saturate.
    let (host_offset, host_classes) = if classes & AUTHORITY_AT == 0 {
        (0, Some(classes))
    } else {
        // The class bits show an `@`, so the search finds one.
        let at = memchr::memrchr(b'@', authority).unwrap_or_default();
        (at.saturating_add(1), None)
    };
    let host_start = authority_start.saturating_add(host_offset);
    let host_port = authority.get(host_offset..)?;
    let host = match parse_host(host_port, host_classes, scheme) {
        Some(host) => host,
        None => {
            // A host-only URL closed by prose or markup punctuation
            // (`(see http://evil.example)`, `[x](http://192.0.2.1:80)`,
            // `C2: http://192.0.2.1;`) is read without it.
            let trimmed_len = trimmed_authority(host_port);
            let cut = host_port.len().checked_sub(trimmed_len)?;
            if cut == 0 {
                return None;
            }
            authority_end = authority_end.checked_sub(cut)?;
            authority = text.get(authority_start..authority_end)?;
            let host_port = authority.get(host_offset..)?;
            parse_host(host_port, None, scheme)?
        }
    };

    let path_starts =
        matches!(text.get(authority_end), Some(b'/' | b'?' | b'#'));
    let (end, path_colon) = if path_starts {
        let csv_field =
            start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b',');
        path_end(text, authority_end, csv_field)
    } else {
        (authority_end, false)
    };
    let mut end = trim_end(text, authority_end, end);
    // AsciiDoc passthrough (`++http://x/y++`) wraps a URL in plus signs.
    let wrapped =
        start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'+');
    if wrapped {
        let tail = text.get(authority_end..end).unwrap_or_default();
        let pluses = tail.iter().rev().take_while(|&&b| b == b'+').count();
        end = end.saturating_sub(pluses);
    }
    if path_starts {
        end = quoted_empty_query_end(text, start, end);
        end = quoted_spaced_end(text, start, end);
    }
    let colon = classes & AUTHORITY_COLON != 0 || path_colon;
    // `file:///path` may leave out the host, but not the path as well.
    if host.len == 0 && end.saturating_sub(authority_end) <= 1 {
        return Some((end, colon));
    }
    let len = end.saturating_sub(start);
    if len > limits.max_token_len {
        return Some((end, colon));
    }

    let mut value = Value::new();
    value.push_str(scheme);
    if host_offset > 0 {
        value.push_utf8(authority.get(..host_offset)?)?;
    }
    host.push_shown(&mut value);
    // `check_port` lets only `:` and ASCII digits through, so the port
    // and the path after it are UTF-8 together exactly when each is.
    let port_start = host_start.saturating_add(host.len);
    value.push_utf8(text.get(port_start..end)?)?;
    out.push(Candidate::new(Category::Url, start, end, value));

    if let Some((category, kind, host_value)) = host.derived {
        let host_end = host_start.saturating_add(host.len);
        let mut derived =
            Candidate::new(category, host_start, host_end, host_value);
        derived.kind = kind;
        derived.derived = true;
        out.push(derived);
    }
    Some((end, colon))
}

/// Returns the length of `host_port` without the punctuation that closes
/// a sentence, brackets or a Markdown link after it. A `]` is kept when a
/// `[` opens an IPv6 host.
fn trimmed_authority(host_port: &[u8]) -> usize {
    let bracketed = host_port.first() == Some(&b'[');
    let trailing = host_port
        .iter()
        .rev()
        .take_while(|&&b| match b {
            b')' | b';' | b',' | b'.' | b':' | b'!' | b'?' | b'*' => true,
            b']' => !bracketed,
            _ => false,
        })
        .count();
    host_port.len().saturating_sub(trailing)
}

/// ASCII bytes that end an authority: terminators, `/`, `?`, `#`, and
/// the comma, which no host name contains and which separates fields in
/// CSV exports of indicators.
const AUTHORITY_ENDS: ByteSet = TERMINATORS.with(b"/?#,");

/// ASCII bytes that end a path: terminators and square brackets.
const PATH_ENDS: ByteSet = TERMINATORS.with(b"[]");

/// Bytes that the path scan stops at: the ends of a path, the `:` of a
/// glued scheme, the `,` of a CSV field and every byte of a multi-byte
/// character.
const PATH_STOPS: ByteSet = PATH_ENDS.with(b":,").with_non_ascii();

/// Bytes that the authority scan stops at: the ASCII ends of an
/// authority and every byte of a multi-byte character.
const AUTHORITY_STOPS: ByteSet = AUTHORITY_ENDS.with_non_ascii();

// Class bits of authority bytes. The scan that finds the end of an
// authority gathers them, so that most hosts need no search for `@` or
// `:` and no second pass to tell an IPv4 address from a name.

/// A byte that the authority scan stops at.
const AUTHORITY_STOP: u8 = 1;
/// A byte that is neither an ASCII digit nor `.`.
const NOT_DOTTED_DECIMAL: u8 = 2;
/// The `@` that ends the user info.
const AUTHORITY_AT: u8 = 4;
/// A `:`, before a port or inside an IPv6 host.
const AUTHORITY_COLON: u8 = 8;

/// The class bits of every byte.
const AUTHORITY_CLASSES: [u8; 256] = authority_classes();

// Every index is below 256, so none is out of range. Cannot overflow:
// the counter stops at 256.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn authority_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let mut class = 0;
        if AUTHORITY_STOPS.contains(byte) {
            class |= AUTHORITY_STOP;
        }
        if !byte.is_ascii_digit() && byte != b'.' {
            class |= NOT_DOTTED_DECIMAL;
        }
        if byte == b'@' {
            class |= AUTHORITY_AT;
        }
        if byte == b':' {
            class |= AUTHORITY_COLON;
        }
        table[b] = class;
        b += 1;
    }
    table
}

/// Returns the length of the run of `bytes` before the first authority
/// stop (all of `bytes` when there is none) and the union of the class
/// bits of that run. Four bytes are looked up per step with one branch,
/// as in [`ByteSet::first_in`].
fn authority_run(bytes: &[u8]) -> (usize, u8) {
    let mut classes = 0;
    let mut chunks = bytes.chunks_exact(4);
    let mut offset: usize = 0;
    for chunk in &mut chunks {
        let class = chunk
            .iter()
            .fold(0, |all, &b| all | lookup(&AUTHORITY_CLASSES, b));
        if class & AUTHORITY_STOP != 0 {
            break;
        }
        classes |= class;
        // `offset` stays at most `bytes.len()`, so it cannot saturate.
        offset = offset.saturating_add(4);
    }
    // At most one chunk and the remainder are left, and the stop, if
    // any, lies in them.
    let rest = bytes.get(offset..).unwrap_or_default();
    for (i, &b) in rest.iter().enumerate() {
        let class = lookup(&AUTHORITY_CLASSES, b);
        if class & AUTHORITY_STOP != 0 {
            return (offset.saturating_add(i), classes);
        }
        classes |= class;
    }
    (bytes.len(), classes)
}

/// Returns where the authority ends: at `/`, `?`, `#` or a terminator,
/// and the union of the class bits of its bytes, with a multi-byte
/// character counted as `NOT_DOTTED_DECIMAL`. Returns `None` when it is
/// longer than `MAX_AUTHORITY_LEN` bytes.
fn authority_end(text: &[u8], from: usize) -> Option<(usize, u8)> {
    // One byte past the limit is enough to tell that the authority is
    // too long, and no scan reads further.
    let limit = from.saturating_add(MAX_AUTHORITY_LEN);
    let bound = limit.saturating_add(1).min(text.len());
    // Every step covers bytes of `text`, so no sum can saturate.
    let mut end = from;
    let mut classes = 0;
    loop {
        let rest = text.get(end..bound).unwrap_or_default();
        let (run, run_classes) = authority_run(rest);
        end = end.saturating_add(run);
        classes |= run_classes;
        if end > limit {
            return None;
        }
        match text.get(end) {
            Some(&b) if b >= 0x80 => match char_at(text, end) {
                Some((c, len)) if !is_unicode_terminator(c) => {
                    end = end.saturating_add(len);
                    classes |= NOT_DOTTED_DECIMAL;
                    if end > limit {
                        return None;
                    }
                }
                // An invalid UTF-8 byte ends the authority like a
                // terminator.
                _ => return Some((end, classes)),
            },
            _ => return Some((end, classes)),
        }
    }
}

/// A parsed host: its length in the authority (port excluded), how it is
/// written in the URL's value, and what it adds to the report.
struct Host {
    len: usize,
    /// The host as written in the URL's value, when it differs from the
    /// derived value (a bracketed IPv6 address, or an IPv4 address with
    /// zero-padded groups).
    display: Option<String>,
    derived: Option<(Category, Option<&'static str>, Value)>,
}

impl Host {
    /// Appends the host as written in the URL's value to `value`.
    fn push_shown(&self, value: &mut Value) {
        match (&self.display, &self.derived) {
            (Some(display), _) => value.push_str(display),
            (None, Some((_, _, derived))) => value.push_value(derived),
            (None, None) => {}
        }
    }
}

/// Splits the inside of a bracketed URL host into the address and its
/// zone id. RFC 6874 writes the zone's `%` percent-encoded, as in
/// `[fe80::1%25eth0]`. Returns `None` when a zone is malformed: empty,
/// longer than 32 bytes, or containing a byte outside RFC 3986's unreserved
/// set.
fn split_zone(inner: &[u8]) -> Option<(&[u8], Option<&str>)> {
    const MAX_ZONE_LEN: usize = 32;
    let Some(percent) = memchr::memchr(b'%', inner) else {
        return Some((inner, None));
    };
    let (address, zone) = inner.split_at_checked(percent)?;
    let zone = zone.strip_prefix(b"%25")?;
    let unreserved = |b: &u8| b.is_ascii_alphanumeric() || b"-._~".contains(b);
    if zone.is_empty()
        || zone.len() > MAX_ZONE_LEN
        || !zone.iter().all(unreserved)
    {
        return None;
    }
    Some((address, Some(std::str::from_utf8(zone).ok()?)))
}

/// Parses the host and port part of an authority. `classes`, when
/// known, are the class bits of the bytes of `host_port`.
fn parse_host(
    host_port: &[u8],
    classes: Option<u8>,
    scheme: &str,
) -> Option<Host> {
    if host_port.is_empty() {
        // Only `file:///path` may leave the host out.
        return (scheme == "file://").then_some(Host {
            len: 0,
            display: None,
            derived: None,
        });
    }
    if host_port.first() == Some(&b'[') {
        let close = memchr::memchr(b']', host_port)?;
        let inner = host_port.get(1..close)?;
        let (address, zone) = split_zone(inner)?;
        let address = super::ip::parse(address)?;
        // `close` indexes `host_port`, so the sum cannot saturate.
        let len = close.saturating_add(1);
        check_port(host_port.get(len..)?)?;
        let mut canonical = super::ip::canonical(&address);
        let display = match zone {
            Some(zone) => {
                let display = format!("[{canonical}%25{zone}]");
                canonical.push('%');
                canonical.push_str(zone);
                display
            }
            None => format!("[{canonical}]"),
        };
        return Some(Host {
            len,
            display: Some(display),
            derived: Some((Category::Ip, Some("ipv6"), canonical.into())),
        });
    }
    // Without a `:` the host is all of `host_port`, and its class bits
    // tell whether it is written in digits and dots.
    let colon_free = classes.filter(|c| c & AUTHORITY_COLON == 0);
    let (host_len, numeric) = match colon_free {
        Some(c) => (host_port.len(), c & NOT_DOTTED_DECIMAL == 0),
        None => {
            let colon = memchr::memrchr(b':', host_port);
            let host_len = colon.unwrap_or(host_port.len());
            let raw = host_port.get(..host_len)?;
            let numeric = raw.iter().all(|b| b.is_ascii_digit() || *b == b'.');
            (host_len, numeric)
        }
    };
    let raw = host_port.get(..host_len)?;
    check_port(host_port.get(host_len..)?)?;

    if numeric {
        let ip = super::domain::parse_ipv4(raw)?;
        let value = super::domain::format_ipv4(ip);
        // Browsers (the WHATWG URL standard) and inet_addr read a group
        // with a leading zero as octal (`010.0.0.1` is 8.0.0.1), so
        // rewriting it in decimal would name another host. The URL keeps
        // it as written.
        let padded = raw
            .split(|&b| b == b'.')
            .any(|group| group.len() > 1 && group.first() == Some(&b'0'));
        let display = padded
            .then(|| std::str::from_utf8(raw).ok().map(str::to_string))
            .flatten();
        return Some(Host {
            len: host_len,
            display,
            derived: Some((Category::Ip, Some("ipv4"), value)),
        });
    }
    let domain = hostname::normalize(raw, HostPolicy::Delimited)?;
    Some(Host {
        len: host_len,
        display: None,
        derived: Some((Category::Domain, None, domain)),
    })
}

/// Accepts an empty port part, or `:` with one to five digits up to 65535.
fn check_port(port: &[u8]) -> Option<()> {
    let Some(digits) = port.strip_prefix(b":") else {
        return port.is_empty().then_some(());
    };
    if digits.is_empty() {
        return Some(());
    }
    if digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (value <= 65535).then_some(())
}

/// Returns where the path, query and fragment end: at a terminator, a
/// square bracket (illegal outside the host), a second scheme glued to the
/// path (`.../pathhttp://...`), or a comma that separates CSV fields.
/// Also reports whether the scan passed a `:`, which is false only when
/// the path up to its end contains none.
fn path_end(text: &[u8], from: usize, csv_field: bool) -> (usize, bool) {
    // Every step covers bytes of `text`, so no sum can saturate.
    let mut end = from;
    let mut colon = false;
    loop {
        let rest = text.get(end..).unwrap_or_default();
        let run = PATH_STOPS.first_in(rest);
        let Some(run) = run else {
            return (text.len(), colon);
        };
        end = end.saturating_add(run);
        let Some(&b) = text.get(end) else {
            return (end, colon);
        };
        if b >= 0x80 {
            match char_at(text, end) {
                Some((c, len)) if !is_unicode_terminator(c) => {
                    end = end.saturating_add(len);
                }
                _ => break,
            }
            continue;
        }
        if PATH_ENDS.contains(b) {
            break;
        }
        let next = end.saturating_add(1);
        if b == b':' {
            colon = true;
            let separator = text.get(end..).and_then(|rest| rest.get(1..3));
            if separator == Some(b"//") {
                if let Some(cut) = glued_scheme_start(text, from, end) {
                    return (cut, colon);
                }
            }
        }
        if b == b',' && (csv_field || starts_plain_field(text, next)) {
            return (end, colon);
        }
        end = next;
    }
    (end, colon)
}

/// Reports whether the text after a comma reads as the next field of a
/// CSV row rather than more of a URL: it starts with a letter and contains
/// no URL punctuation before the next comma or space (`,url,2024-11-04`,
/// but not `,b.html` or `,z=1`).
fn starts_plain_field(text: &[u8], from: usize) -> bool {
    let rest = text.get(from..).unwrap_or_default();
    if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let field = rest
        .iter()
        .take_while(|&&b| b != b',' && !b.is_ascii_whitespace())
        .take(64);
    let mut len: usize = 0;
    for &b in field {
        if b"/?=&#%:.@".contains(&b) {
            return false;
        }
        len = len.saturating_add(1);
    }
    len < 64
}

/// For `://` at `colon` inside a path, returns where a scheme glued to
/// the preceding path text starts.
fn glued_scheme_start(
    text: &[u8],
    floor: usize,
    colon: usize,
) -> Option<usize> {
    let lowest = floor.max(colon.saturating_sub(MAX_SCHEME_LEN));
    let window = text.get(lowest..colon)?;
    let run_len =
        window.iter().rev().take_while(|b| b.is_ascii_alphanumeric()).count();
    let start = colon.saturating_sub(run_len);
    let run = text.get(start..colon)?;
    for scheme in GLUED_SCHEMES {
        let offset = run.len().checked_sub(scheme.len())?;
        if run
            .get(offset..)
            .is_some_and(|t| t.eq_ignore_ascii_case(scheme.as_bytes()))
            && offset > 0
        {
            return Some(start.saturating_add(offset));
        }
    }
    None
}

/// Returns `end` past a `?` when the quote or backtick right before
/// `start` closes right after it: `'http://x.example/a.php?'`, as STIX
/// patterns and JSON values write a URL with an empty query. Inside the
/// quotes of a value the `?` is part of the URL as written. A question
/// that quotes a bare URL (`"http://x.example/a?"`) keeps its `?` as
/// well, which is rare in reports.
fn quoted_empty_query_end(text: &[u8], start: usize, end: usize) -> usize {
    let Some(&mark) = start.checked_sub(1).and_then(|i| text.get(i)) else {
        return end;
    };
    let quoted = matches!(mark, b'`' | b'"' | b'\'');
    let query = text.get(end) == Some(&b'?');
    let closed = text.get(end.saturating_add(1)) == Some(&mark);
    if quoted && query && closed {
        end.saturating_add(1)
    } else {
        end
    }
}

/// Maximum number of bytes that [`quoted_spaced_end`] adds to a path.
const MAX_SPACED_TAIL: usize = 160;

/// Maximum number of spaces that [`quoted_spaced_end`] lets into a path.
const MAX_PATH_SPACES: usize = 6;

/// Returns where a URL whose path ends at a space at `end` ends when a
/// quote or backtick right before `start` encloses it, with spaces, up to
/// a file name: `` `http://192.0.2.7/DOVIDNIK - (2018).zip` `` and
/// `"http://x.example/My Invoice.pdf.exe"`. Reports and JSON write a
/// payload's file name with its spaces this way. The closing mark must
/// come on the same line, within `MAX_SPACED_TAIL` bytes and
/// `MAX_PATH_SPACES` spaces, with no other URL before it. The last word
/// before it must end in a file extension or `/`, so that quoted prose
/// after a URL is left out. Otherwise `end` is returned.
fn quoted_spaced_end(text: &[u8], start: usize, end: usize) -> usize {
    let Some(&mark) = start.checked_sub(1).and_then(|i| text.get(i)) else {
        return end;
    };
    if !matches!(mark, b'`' | b'"' | b'\'') || text.get(end) != Some(&b' ') {
        return end;
    }

    let reach = end.saturating_add(MAX_SPACED_TAIL).min(text.len());
    let tail = text.get(end..reach).unwrap_or_default();
    let mut spaces = 0usize;
    let mut close = None;
    for (i, &b) in tail.iter().enumerate() {
        if b == mark {
            close = Some(i);
            break;
        }
        if b == b' ' {
            spaces = spaces.saturating_add(1);
        } else if b.is_ascii_control()
            || PATH_ENDS.contains(b)
            || matches!(b, b'"' | b'\'' | b'`')
        {
            return end;
        }
    }
    let Some(close) = close else { return end };

    if spaces > MAX_PATH_SPACES {
        return end;
    }
    let spaced = tail.get(..close).unwrap_or_default();
    // A list of URLs, as in XML's `schemaLocation`, is not one URL.
    if memchr::memmem::find(spaced, b"://").is_some() {
        return end;
    }
    let last_word = spaced.rsplit(|&b| b == b' ').next().unwrap_or_default();
    if !(last_word.ends_with(b"/") || ends_in_extension(last_word)) {
        return end;
    }
    end.saturating_add(close)
}

/// Reports whether `word` ends in a dot and one to five ASCII letters or
/// digits, at least one of them a letter, after a name.
fn ends_in_extension(word: &[u8]) -> bool {
    let Some(dot) = memchr::memrchr(b'.', word) else { return false };
    let extension = word.get(dot.saturating_add(1)..).unwrap_or_default();
    dot > 0
        && (1..=5).contains(&extension.len())
        && extension.iter().all(u8::is_ascii_alphanumeric)
        && extension.iter().any(u8::is_ascii_alphabetic)
}

/// Trims trailing punctuation and closing brackets that have no opening
/// partner in the path.
fn trim_end(text: &[u8], path_start: usize, mut end: usize) -> usize {
    let path = text.get(path_start..end).unwrap_or_default();
    // Most paths end in neither punctuation nor `)`, so the brackets are
    // counted only when a `)` is reached.
    let mut brackets: Option<(usize, usize)> = None;
    while end > path_start {
        let Some(last) = end.checked_sub(1) else { break };
        let Some(&byte) = text.get(last) else { break };
        match byte {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*' | b'\'' | b'"' => {}
            b')' => {
                let (opened, closed) = brackets.get_or_insert_with(|| {
                    let count = |bracket: u8| {
                        path.iter().filter(|&&b| b == bracket).count()
                    };
                    (count(b'('), count(b')'))
                });
                if *opened >= *closed {
                    break;
                }
                *closed = closed.saturating_sub(1);
            }
            _ => break,
        }
        end = last;
    }
    end
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(Category, String)> {
        let mut out = Vec::new();
        find(text.as_bytes(), &Limits::default(), &mut out);
        out.into_iter().map(|c| (c.category, String::from(c.value))).collect()
    }

    proptest::proptest! {
        #[test]
        fn separator_colons_find_what_every_colon_finds(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    ":", "//", "\\\\", "/", "\\", "http", "hxxps", "ftp",
                    "a", "b.com", "x", " ", "[", "]", "@", "12", ".",
                ][..]),
                0..24,
            )
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let limits = Limits::default();
            let mut fast = Vec::new();
            find(bytes, &limits, &mut fast);
            let mut every = Vec::new();
            find_from_colons(bytes, &limits, &mut every, |from| {
                next_anchor(bytes, b':', from)
            });
            proptest::prop_assert_eq!(fast, every);
        }
    }

    proptest::proptest! {
        // A nested URL takes three pieces in a row here, so the default
        // 256 cases would rarely build one.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(
            2048
        ))]

        #[test]
        fn nested_urls_found_without_colon_skip(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "http://a.com", ".http", "://b.org", "/", "?q=", ":8080",
                    "@", "user:pw@", ":", " ", ",",
                ][..]),
                0..10,
            )
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let limits = Limits::default();
            let mut found = Vec::new();
            find(bytes, &limits, &mut found);
            let urls = found
                .iter()
                .filter(|c| c.category == Category::Url && !c.derived);
            for url in urls {
                let written = &bytes[url.start..url.end];
                let colon = written.iter().position(|&b| b == b':').unwrap();
                let from = url.start + colon + 3;
                let mut nested = Vec::new();
                nested_urls(&bytes[..url.end], from, &limits, &mut nested);
                for mut candidate in nested {
                    candidate.derived = true;
                    proptest::prop_assert!(found.contains(&candidate));
                }
            }
        }
    }

    /// Plain forms of this module's scans and lookups, which the faster
    /// forms must agree with.
    mod reference {
        use super::super::*;

        pub(super) fn authority_end(
            text: &[u8],
            from: usize,
        ) -> Option<usize> {
            let mut end = from;
            while let Some(&b) = text.get(end) {
                if b < 0x80 {
                    if AUTHORITY_ENDS.contains(b) {
                        break;
                    }
                    end += 1;
                } else {
                    match char_at(text, end) {
                        Some((c, len)) if !is_unicode_terminator(c) => {
                            end += len;
                        }
                        _ => break,
                    }
                }
                if end - from > MAX_AUTHORITY_LEN {
                    return None;
                }
            }
            Some(end)
        }

        /// Returns the class bits that the authority scan gathers over
        /// `authority`.
        pub(super) fn authority_classes(authority: &[u8]) -> u8 {
            let mut classes = 0;
            for &b in authority {
                if !(b.is_ascii_digit() || b == b'.') {
                    classes |= NOT_DOTTED_DECIMAL;
                }
                match b {
                    b'@' => classes |= AUTHORITY_AT,
                    b':' => classes |= AUTHORITY_COLON,
                    _ => {}
                }
            }
            classes
        }

        pub(super) fn path_end(
            text: &[u8],
            from: usize,
            csv_field: bool,
        ) -> usize {
            let mut end = from;
            while let Some(&b) = text.get(end) {
                if b >= 0x80 {
                    match char_at(text, end) {
                        Some((c, len)) if !is_unicode_terminator(c) => {
                            end += len;
                        }
                        _ => break,
                    }
                    continue;
                }
                if PATH_ENDS.contains(b) {
                    break;
                }
                let next = end + 1;
                if b == b':' && text.get(end + 1..end + 3) == Some(b"//") {
                    if let Some(cut) = glued_scheme_start(text, from, end) {
                        return cut;
                    }
                }
                if b == b',' && (csv_field || starts_plain_field(text, next)) {
                    return end;
                }
                end = next;
            }
            end
        }

        pub(super) fn trim_end(
            text: &[u8],
            path_start: usize,
            mut end: usize,
        ) -> usize {
            let path = &text[path_start..end];
            let opened = path.iter().filter(|&&b| b == b'(').count();
            let mut closed = path.iter().filter(|&&b| b == b')').count();
            while end > path_start {
                match text[end - 1] {
                    b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*' | b'\''
                    | b'"' => {}
                    b')' if opened < closed => closed -= 1,
                    _ => break,
                }
                end -= 1;
            }
            end
        }

        /// Returns the scheme's name without `://`.
        pub(super) fn known_scheme(raw: &[u8]) -> Option<&'static str> {
            let lower = raw.to_ascii_lowercase();
            let refanged: &[u8] = match &lower[..] {
                [b'h', a, b, b'p', rest @ ..]
                    if is_defang_pair(*a, *b)
                        && (rest.is_empty() || rest == b"s") =>
                {
                    if rest.is_empty() {
                        b"http"
                    } else {
                        b"https"
                    }
                }
                [b'f', b'x' | b'*', b'p', rest @ ..]
                    if rest.is_empty() || rest == b"s" =>
                {
                    if rest.is_empty() {
                        b"ftp"
                    } else {
                        b"ftps"
                    }
                }
                other => other,
            };
            SCHEMES
                .iter()
                .map(|s| s.strip_suffix("://").unwrap())
                .find(|s| s.as_bytes() == refanged)
        }
    }

    /// Pieces of URLs and of the text around them, some of them not
    /// UTF-8.
    const URL_PIECES: &[&[u8]] = &[
        b"hXXp",
        b"https",
        b"://",
        b"[:]//",
        b"user:pw@",
        b"@",
        b"[2001:db8::1]",
        b"[",
        b"]",
        b"(",
        b")",
        b":8080",
        b":",
        b"/",
        b"?q=1",
        b"#",
        b",",
        b",url",
        b"ex.com",
        b"a",
        b" ",
        b".",
        b"!",
        b"'",
        b"\"",
        b"\\",
        "\u{e9}".as_bytes(),
        "\u{2215}".as_bytes(),
        "\u{3000}".as_bytes(),
        "\u{200b}".as_bytes(),
        b"\xff",
        b"\xe2\x88",
    ];

    proptest::proptest! {
        #[test]
        fn table_scans_match_byte_at_a_time_scans(
            pieces in proptest::collection::vec(
                proptest::sample::select(URL_PIECES),
                0..16,
            )
        ) {
            let text = pieces.concat();
            for from in 0..=text.len() {
                let found = authority_end(&text, from);
                proptest::prop_assert_eq!(
                    found.map(|(end, _)| end),
                    reference::authority_end(&text, from)
                );
                if let Some((end, classes)) = found {
                    proptest::prop_assert_eq!(
                        classes,
                        reference::authority_classes(&text[from..end])
                    );
                }
                for csv_field in [false, true] {
                    let (end, colon) = path_end(&text, from, csv_field);
                    proptest::prop_assert_eq!(
                        end,
                        reference::path_end(&text, from, csv_field)
                    );
                    if !colon {
                        proptest::prop_assert!(
                            !text[from..end].contains(&b':')
                        );
                    }
                }
                for end in from..=text.len() {
                    proptest::prop_assert_eq!(
                        trim_end(&text, from, end),
                        reference::trim_end(&text, from, end)
                    );
                }
            }
        }
    }

    #[test]
    fn authority_limit_matches_byte_at_a_time_scan() {
        for len in MAX_AUTHORITY_LEN - 4..MAX_AUTHORITY_LEN + 4 {
            let tails: [&[u8]; 6] = [
                b"",
                b"/x",
                "\u{e9}".as_bytes(),
                "\u{2215}z".as_bytes(),
                "\u{3000}".as_bytes(),
                b"\xff",
            ];
            for tail in tails {
                let mut text = b"x".repeat(len);
                text.extend_from_slice(tail);
                for from in [0, 1, 3] {
                    assert_eq!(
                        authority_end(&text, from).map(|(end, _)| end),
                        reference::authority_end(&text, from),
                        "{len} {tail:?} {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn known_scheme_matches_list_search() {
        let mut spellings: Vec<String> = SCHEMES
            .iter()
            .map(|s| s.strip_suffix("://").unwrap().to_string())
            .collect();
        let middles = ["t", "T", "x", "X", "*", "0", "a"];
        for a in middles {
            for b in middles {
                for end in ["", "s", "S", "x"] {
                    spellings.push(format!("h{a}{b}p{end}"));
                    spellings.push(format!("H{a}{b}P{end}"));
                }
            }
            for end in ["", "s", "x"] {
                spellings.push(format!("f{a}p{end}"));
            }
        }
        spellings.extend(
            ["", "h", "hp", "fp", "ftpss", "httpss", "xhttp"]
                .map(String::from),
        );
        for spelling in &spellings {
            let upper = spelling.to_ascii_uppercase();
            for raw in [spelling.as_bytes(), upper.as_bytes()] {
                let name =
                    known_scheme(raw).map(|s| s.strip_suffix("://").unwrap());
                assert_eq!(name, reference::known_scheme(raw), "{spelling}");
            }
        }
    }

    fn urls(text: &str) -> Vec<String> {
        let all = values(text);
        all.into_iter()
            .filter(|(c, _)| *c == Category::Url)
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn host_only_url_before_punctuation() {
        let cases: &[(&str, &[&str])] = &[
            ("(see http://www.example.nl)", &["http://www.example.nl"]),
            ("[x](http://45.77.12.3:8080)", &["http://45.77.12.3:8080"]),
            ("C2: http://45.77.12.3;", &["http://45.77.12.3"]),
            ("[http://evil.example.com]", &["http://evil.example.com"]),
            ("http://evil.example.com:!", &["http://evil.example.com"]),
            ("(http://[2001:db8::1])", &["http://[2001:db8::1]"]),
            ("(http://[2001:db8::1]:8443);", &["http://[2001:db8::1]:8443"]),
            ("(http://)", &[]),
            ("http://evil.exa)mple.com/", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(urls(text), *expected, "{text}");
        }
    }

    #[test]
    fn url_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "`http://45.124.132.127/DOVIDNIK - (2018).zip`",
                &["http://45.124.132.127/DOVIDNIK - (2018).zip"],
            ),
            (
                "\"url\": \"http://x.example/My Invoice.pdf.exe\",",
                &["http://x.example/My Invoice.pdf.exe"],
            ),
            ("'http://x.example/a b/c d/'", &["http://x.example/a b/c d/"]),
            ("`http://x.example/a is bad`", &["http://x.example/a"]),
            ("see http://x.example/a b.zip", &["http://x.example/a"]),
            ("\"http://x.example/a\" and \"b.zip\"", &["http://x.example/a"]),
            ("`http://x.example/a b\nc.zip`", &["http://x.example/a"]),
            ("`http://x.example/a b`c.zip`", &["http://x.example/a"]),
            ("\"http://x.example/a b.zip'", &["http://x.example/a"]),
            (
                "`http://x.example/a 1 2 3 4 5 6 7.zip`",
                &["http://x.example/a"],
            ),
            ("`http://x.example/a <b>.zip`", &["http://x.example/a"]),
            ("`http://x.example/a b.`", &["http://x.example/a"]),
            ("`http://x.example/a .zip`", &["http://x.example/a"]),
            ("`http://x.example a.zip`", &["http://x.example"]),
            (
                "[url:value = 'http://x.example/a%20b.php?']",
                &["http://x.example/a%20b.php?"],
            ),
            ("\"http://x.example?\"", &["http://x.example?"]),
            ("see http://x.example/a.php?", &["http://x.example/a.php"]),
            ("'http://x.example/a.php?\"", &["http://x.example/a.php"]),
            ("'http://x.example/a.php??'", &["http://x.example/a.php"]),
            ("'http://x.example/a.php.'", &["http://x.example/a.php"]),
            (
                "\"http://x.example/NS/1.2.0 https://x.example/s-1.2.0.xsd\"",
                &[
                    "http://x.example/NS/1.2.0",
                    "https://x.example/s-1.2.0.xsd",
                ],
            ),
            ("see HTTP://EXAMPLE.COM/ABC.", &["http://example.com/ABC"]),
            ("hxxps://evil.com/a) ok", &["https://evil.com/a"]),
            (
                "-o stratum+tcp://pool.minexmr.com:4444 -u 4A",
                &["stratum+tcp://pool.minexmr.com:4444"],
            ),
            (
                "STRATUM+SSL://xmr.pool.example.net:443",
                &["stratum+ssl://xmr.pool.example.net:443"],
            ),
            (
                "git+ssh://git.example.org/lib, hkps://keys.example.org",
                &["git+ssh://git.example.org/lib", "hkps://keys.example.org"],
            ),
            ("xstratum+tcp://pool.example.com", &[]),
            (
                "at http://q9.example.net/a\u{2014}the dropper",
                &["http://q9.example.net/a"],
            ),
            ("http://q9.example.net/x\u{2013}y", &["http://q9.example.net/x"]),
            (
                "(see http://x.example.com/a_(b))",
                &["http://x.example.com/a_(b)"],
            ),
            (
                "h00p://bigdeal.example.my/gH9BUAPd/js.js\"",
                &["http://bigdeal.example.my/gH9BUAPd/js.js"],
            ),
            (
                "${jndi:ldap://198.51.100.9:1389/Exploit}",
                &["ldap://198.51.100.9:1389/Exploit"],
            ),
            (
                "at hxxp://[2001:db8::10]:8080/admin x",
                &["http://[2001:db8::10]:8080/admin"],
            ),
            (
                "ping http://[fe80::1%25eth0]:8080/a now",
                &["http://[fe80::1%25eth0]:8080/a"],
            ),
            (
                "http://[FE80::1%25en0]/ http://[fe80::1%eth0]/ \
                 http://[fe80::1%25]/ http://[fe80::1%25e%20x]/",
                &["http://[fe80::1%25en0]/"],
            ),
            (
                "https://user:pw@Example.COM:8080/Path?Q=1#F",
                &["https://user:pw@example.com:8080/Path?Q=1#F"],
            ),
            ("http://example. https:// http://example htp://a.com", &[]),
            ("http://999.999.999.999/x", &[]),
            ("hxxp://010.0.0.1/a", &["http://010.0.0.1/a"]),
            ("http://10.000.0.01:80/", &["http://10.000.0.01:80/"]),
            ("http://10.0.0.1/", &["http://10.0.0.1/"]),
            (
                "http://example.com/pathhttp://[::::]/bad",
                &["http://example.com/path"],
            ),
            (
                "go https://mirror.example.com/ now",
                &["https://mirror.example.com/"],
            ),
            (
                "ctrl/register.phphttp://gateway.local/redirect?t=1",
                &["http://gateway.local/redirect?t=1"],
            ),
            ("file:///C:/Windows/x.exe", &["file:///C:/Windows/x.exe"]),
            ("see file:// here", &[]),
            ("see file:/// here", &[]),
            ("http://file://\0x", &[]),
            ("file:///x", &["file:///x"]),
            (
                "http://a.example.com/p/x.jsp,url,2024-11-04,55",
                &["http://a.example.com/p/x.jsp"],
            ),
            (
                "id,https://b.example.com/x?t=1&u=2,2024-11-04",
                &["https://b.example.com/x?t=1&u=2"],
            ),
            ("http://c.example.co,url,2024", &["http://c.example.co"]),
            (
                "see https://d.example.com/a,b.html now",
                &["https://d.example.com/a,b.html"],
            ),
            (
                "map https://e.example.com/@51.5,-0.12,15z ok",
                &["https://e.example.com/@51.5,-0.12,15z"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(urls(text), *expected, "{text}");
        }
    }

    #[test]
    fn host_is_derived() {
        let got = values("http://login.example.com@198.51.100.9/verify");
        assert_eq!(
            got,
            [
                (
                    Category::Url,
                    "http://login.example.com@198.51.100.9/verify".to_string()
                ),
                (Category::Ip, "198.51.100.9".to_string()),
            ]
        );
    }

    #[test]
    fn zoned_host_is_derived_with_plain_percent() {
        let got = values("http://[fe80::1%25eth0]/");
        let url = (Category::Url, "http://[fe80::1%25eth0]/".to_string());
        let ip = (Category::Ip, "fe80::1%eth0".to_string());
        assert_eq!(got, [url, ip]);
    }

    #[test]
    fn unicode_userinfo_and_lookalike_slash() {
        let text =
            "Lure: https://example.com∕downloads∕tools∕@v2731-example.zip  x";
        let got = values(text);
        assert_eq!(
            got[0].1,
            "https://example.com∕downloads∕tools∕@v2731-example.zip"
        );
        assert_eq!(
            got[1],
            (Category::Domain, "v2731-example.zip".to_string())
        );
    }

    #[test]
    fn nested_url_and_path_hash_are_derived() {
        let text = "https://www.google.com/url?q=https://evil.top/go/1 \
                    http://cdn.example.com/f/842497c20072fc9b92f2b18e1d690103.exe";
        let mut out = Vec::new();
        find(text.as_bytes(), &Limits::default(), &mut out);
        let derived: Vec<(Category, &str)> = out
            .iter()
            .filter(|c| c.derived)
            .map(|c| (c.category, c.value.as_str()))
            .collect();
        assert!(derived.contains(&(Category::Url, "https://evil.top/go/1")));
        assert!(derived.contains(&(Category::Domain, "evil.top")));
        assert!(derived
            .contains(&(Category::Hash, "842497c20072fc9b92f2b18e1d690103")));
    }

    #[test]
    fn asciidoc_plus_wrapper_is_trimmed() {
        assert_eq!(
            urls("`++http://a.example.com/zz.php++`"),
            ["http://a.example.com/zz.php"]
        );
    }

    #[test]
    fn long_url_is_kept_whole() {
        let text = format!("http://example.com/{}?q=1", "a".repeat(2500));
        assert_eq!(urls(&text), [text]);
    }

    #[test]
    fn scheme_flood_is_linear() {
        assert!(urls(&"://".repeat(1 << 18)).is_empty());
        assert!(urls(&"http://".repeat(1 << 17)).is_empty());
    }
}
