//! The list file format: one entry per line, `#` comments, blank lines
//! ignored.
//!
//! An entry is an exact value of any category, a domain suffix
//! (`.example.com` or `*.example.com`), an IPv4 or IPv6 network in CIDR
//! notation (`10.0.0.0/8`), or a URL path prefix (`example.com/docs/*`).
//! Defanged entries (`evil[.]com`, `hxxp://...`) are accepted. Exact
//! values are normalised by the scanner itself, so an entry compares
//! equal to the value the report would show for it.

use std::fmt;
use std::net::IpAddr;

use crate::{Category, Scanner, Source};

/// Comment lines of this form name the group of the entries after them.
const GROUP_MARKER: &str = "# group:";

/// A parsed list file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct List {
    pub(super) origin: String,
    pub(super) groups: Vec<String>,
    pub(super) entries: Vec<Entry>,
}

/// One entry with the line it came from and its group, an index into
/// `List::groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    pub line: usize,
    pub group: Option<usize>,
    pub rule: Rule,
}

/// The values an entry matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    /// A value of one category, normalised as the report writes it.
    Exact(Category, String),
    /// A host name and every name below it, lower-case A-labels.
    Suffix(String),
    /// A network, or a single address as a network of one.
    Network(Network),
    /// URLs on `host` whose path is `path` or lies below it. `path` is
    /// empty or starts with `/`, without a trailing `/`.
    Path { host: String, path: String },
}

/// An address range from a CIDR entry: both ends inclusive, IPv4
/// addresses in the low 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Network {
    pub v6: bool,
    pub first: u128,
    pub last: u128,
}

/// An invalid line of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListError {
    /// The list's name, as passed to [`List::parse`].
    pub origin: String,
    /// The line number, from 1.
    pub line: usize,
    /// The entry as written, cut to 80 characters.
    pub entry: String,
    /// The reason the entry is invalid.
    pub kind: ListErrorKind,
}

/// The reason a list entry is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListErrorKind {
    /// Whitespace inside the entry.
    Whitespace,
    /// Longer than [`List::MAX_ENTRY_LEN`] bytes.
    TooLong,
    /// A `*` that is not the `*.` of a suffix or the `/*` of a path.
    Wildcard,
    /// A suffix entry whose name is not a valid host name.
    InvalidSuffix,
    /// A CIDR entry whose prefix length is above 32 (IPv4) or 128
    /// (IPv6), or not a number.
    InvalidPrefixLength,
    /// A CIDR entry with bits set after the prefix; the network that
    /// was probably meant.
    HostBitsSet(String),
    /// A path entry with an invalid host, a port or user name, an empty
    /// segment, a query or fragment, or more than [`List::MAX_PATH_SEGMENTS`]
    /// segments; the text names the problem.
    InvalidPath(&'static str),
    /// A `# group:` line without a name.
    EmptyGroup,
    /// Not a value of any category, a suffix, a network or a path.
    Unrecognised,
}

impl fmt::Display for ListErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListErrorKind::Whitespace => f.write_str(
                "an entry cannot contain whitespace; write one entry per \
                 line and start comments with ` #`",
            ),
            ListErrorKind::TooLong => write!(
                f,
                "the entry is longer than {} bytes, so no detected value \
                 can equal it",
                List::MAX_ENTRY_LEN
            ),
            ListErrorKind::Wildcard => f.write_str(
                "`*` is valid only at the start of a domain suffix \
                 (`*.example.com`) or at the end of a URL path \
                 (`example.com/docs/*`)",
            ),
            ListErrorKind::InvalidSuffix => f.write_str(
                "the name after `.` or `*.` is not a valid host name",
            ),
            ListErrorKind::InvalidPrefixLength => f.write_str(
                "the prefix length after `/` must be a number from 0 to 32 \
                 for IPv4 or to 128 for IPv6",
            ),
            ListErrorKind::HostBitsSet(network) => write!(
                f,
                "the address has bits set after the prefix length; write \
                 the network address, {network}"
            ),
            ListErrorKind::InvalidPath(detail) => {
                write!(f, "invalid URL path entry: {detail}")
            }
            ListErrorKind::EmptyGroup => {
                f.write_str("`# group:` needs a name after the colon")
            }
            ListErrorKind::Unrecognised => f.write_str(
                "not a value trawl reports (domain, URL, IP address, \
                 e-mail, hash, path, ...), a domain suffix, a CIDR \
                 network or a URL path ending in `/*`",
            ),
        }
    }
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: invalid entry '{}': {}",
            self.origin,
            self.line,
            self.entry.escape_debug(),
            self.kind
        )
    }
}

impl std::error::Error for ListError {}

impl List {
    /// Maximum length of an entry, in bytes: the scanner's default token
    /// limit, past which it reports no value.
    pub const MAX_ENTRY_LEN: usize = 8192;

    /// Maximum path segments of a URL path entry (`host/a/b/*` has two).
    /// Matching a URL hashes one prefix of its path per segment, so this
    /// bounds the work per URL.
    pub const MAX_PATH_SEGMENTS: usize = 32;

    /// Parses the text of a list file. `origin` names the list in
    /// errors and in the reasons a filter gives, usually its path.
    /// Returns the first invalid line as an error.
    pub fn parse(text: &str, origin: &str) -> Result<List, ListError> {
        match parse_lenient(text, origin) {
            (_, Some(error)) => Err(error),
            (list, None) => Ok(list),
        }
    }

    /// Returns the built-in list of names that reports mention but that
    /// are not indicators (`crates/trawl-core/data/benign.txt`). Its
    /// origin is `benign`.
    pub fn benign() -> List {
        // A unit test checks that every line parses, so the lenient
        // parse drops nothing.
        parse_lenient(BENIGN, "benign").0
    }

    /// Returns the list's name.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Returns the number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Reports whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Parses every valid line of `text`, and returns the list with the
/// first invalid line.
fn parse_lenient(text: &str, origin: &str) -> (List, Option<ListError>) {
    let mut list = List { origin: origin.to_string(), ..List::default() };
    let mut first_error = None;
    let scanner = Scanner::default();
    for (index, line) in lines(text) {
        let line_number = index.saturating_add(1);
        match parse_line(line, &scanner) {
            Ok(Line::Blank) => {}
            Ok(Line::Group(name)) => list.groups.push(name.to_string()),
            Ok(Line::Entry(rule)) => {
                let group = list.groups.len().checked_sub(1);
                list.entries.push(Entry { line: line_number, group, rule });
            }
            Err(kind) if first_error.is_none() => {
                // A `# group:` line is all comment, so it is shown whole.
                let trimmed = line.trim();
                let entry = match strip_comment(trimmed).trim() {
                    "" => trimmed,
                    entry => entry,
                };
                first_error = Some(ListError {
                    origin: origin.to_string(),
                    line: line_number,
                    entry: entry.chars().take(80).collect(),
                    kind,
                });
            }
            Err(_) => {}
        }
    }
    (list, first_error)
}

/// The text of the built-in benign list.
pub(super) const BENIGN: &str = include_str!("../../data/benign.txt");

/// Iterates over `(index, line)`, without a byte order mark at the start.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().enumerate()
}

/// The content of one line of a list.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    Blank,
    Group(&'a str),
    Entry(Rule),
}

fn parse_line<'a>(
    line: &'a str,
    scanner: &Scanner,
) -> Result<Line<'a>, ListErrorKind> {
    let trimmed = line.trim();
    if let Some(name) = trimmed.strip_prefix(GROUP_MARKER) {
        let name = name.trim();
        if name.is_empty() {
            return Err(ListErrorKind::EmptyGroup);
        }
        return Ok(Line::Group(name));
    }
    let entry = strip_comment(trimmed).trim();
    if entry.is_empty() {
        return Ok(Line::Blank);
    }
    parse_entry(entry, scanner).map(Line::Entry)
}

/// Returns the line up to a `#` that starts it or follows whitespace. A
/// `#` inside an entry (a URL fragment) stays.
fn strip_comment(line: &str) -> &str {
    let mut previous_space = true;
    for (at, c) in line.char_indices() {
        if c == '#' && previous_space {
            return line.get(..at).unwrap_or_default();
        }
        previous_space = c.is_whitespace();
    }
    line
}

/// Parses one entry, already trimmed and without its comment.
fn parse_entry(entry: &str, scanner: &Scanner) -> Result<Rule, ListErrorKind> {
    if entry.len() > List::MAX_ENTRY_LEN {
        return Err(ListErrorKind::TooLong);
    }
    if entry.chars().any(char::is_whitespace) {
        return Err(ListErrorKind::Whitespace);
    }

    let refanged = refang(entry);
    if let Some(path) = refanged.strip_suffix("/*") {
        return parse_path(path, scanner);
    }
    let suffix =
        refanged.strip_prefix("*.").or_else(|| refanged.strip_prefix('.'));
    if let Some(name) = suffix {
        if name.contains('*') {
            return Err(ListErrorKind::Wildcard);
        }
        let host = normalize_host(name, scanner)
            .ok_or(ListErrorKind::InvalidSuffix)?;
        return Ok(Rule::Suffix(host));
    }

    if refanged.contains('*') {
        return Err(ListErrorKind::Wildcard);
    }
    if let Some(network) = parse_network(&refanged)? {
        return Ok(Rule::Network(network));
    }
    if let Some(rule) = scan_value(entry, scanner) {
        return Ok(rule);
    }

    // A name that only a URL or an e-mail address would show as a host
    // (`intranet.corp`), because its suffix is not a public one. Such
    // hosts have two labels at least, so a lone word is a mistake.
    let labels = refanged.trim_end_matches('.').contains('.');
    match normalize_host(&refanged, scanner).filter(|_| labels) {
        Some(host) => Ok(Rule::Exact(Category::Domain, host)),
        None => Err(ListErrorKind::Unrecognised),
    }
}

/// Returns the entry with bracketed, spelled-out and escaped separators
/// restored, as the scanner restores them.
fn refang(entry: &str) -> String {
    let refanged = crate::refang::refang(entry.as_bytes());
    String::from_utf8_lossy(&refanged.text).into_owned()
}

/// Parses `address/prefix` and a bare address, zone id ignored. Returns
/// `Ok(None)` for text that is neither, so that other entry kinds are
/// tried.
fn parse_network(text: &str) -> Result<Option<Network>, ListErrorKind> {
    let (address, prefix) = match text.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (text, None),
    };
    let address = address.split_once('%').map_or(address, |(a, _)| a);
    let Ok(address) = address.parse::<IpAddr>() else {
        return Ok(None);
    };
    let (v6, bits, width) = match address {
        IpAddr::V4(v4) => (false, u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (true, u128::from(v6), 128),
    };
    let prefix = match prefix {
        None => width,
        Some(digits) => match digits.parse::<u32>() {
            Ok(prefix)
                if prefix <= width
                    && digits.bytes().all(|b| b.is_ascii_digit()) =>
            {
                prefix
            }
            _ => return Err(ListErrorKind::InvalidPrefixLength),
        },
    };
    let host_mask = host_mask(prefix, width);
    let first = bits & !host_mask;
    if first != bits {
        let network = match address {
            IpAddr::V4(_) => {
                let first = u32::try_from(first).unwrap_or_default();
                std::net::Ipv4Addr::from(first).to_string()
            }
            IpAddr::V6(_) => std::net::Ipv6Addr::from(first).to_string(),
        };
        return Err(ListErrorKind::HostBitsSet(format!("{network}/{prefix}")));
    }
    Ok(Some(Network { v6, first, last: first | host_mask }))
}

/// Returns the mask of the bits after a `prefix`-bit network part in a
/// `width`-bit address.
pub(super) fn host_mask(prefix: u32, width: u32) -> u128 {
    let host_bits = width.saturating_sub(prefix);
    u128::MAX.checked_shr(128u32.saturating_sub(host_bits)).unwrap_or(0)
}

/// Scans the entry and returns the rule for the value the scanner finds
/// in the whole of it, if any.
fn scan_value(entry: &str, scanner: &Scanner) -> Option<Rule> {
    let output = scanner.scan(entry.as_bytes());
    let whole = output.detections.into_iter().find(|d| {
        d.start == 0 && d.end == entry.len() && d.source == Source::Text
    })?;
    if whole.category == Category::Ip {
        // A network written in a form only the scanner reads, such as a
        // hex-obfuscated IPv4 address.
        if let Ok(Some(network)) = parse_network(&whole.value) {
            return Some(Rule::Network(network));
        }
    }
    Some(Rule::Exact(whole.category.builtin()?, whole.value))
}

/// Returns `name` normalised as the host of a URL: lower case, IDN in
/// A-labels, trailing dots removed. Any alphabetic top-level label is
/// accepted, as in a URL, so `corp` and `intranet.corp` are valid.
fn normalize_host(name: &str, scanner: &Scanner) -> Option<String> {
    let host_byte =
        |b: u8| b >= 0x80 || b.is_ascii_alphanumeric() || b"-._".contains(&b);
    if name.is_empty() || !name.bytes().all(host_byte) {
        return None;
    }
    // The scanner needs two labels, so a one-label suffix (`corp`) is
    // read with a label in front, which is then removed.
    if name.trim_end_matches('.').contains('.') {
        scan_url_host(name, Category::Domain, scanner)
    } else {
        let host = format!("x.{name}");
        let value = scan_url_host(&host, Category::Domain, scanner)?;
        value.strip_prefix("x.").map(str::to_string)
    }
}

/// Scans `http://HOST/` and returns the value of the host the scanner
/// derives from it when that host is the whole of `host` and of
/// `category`: normalisation exactly as for a URL in a report.
fn scan_url_host(
    host: &str,
    category: Category,
    scanner: &Scanner,
) -> Option<String> {
    let url = format!("http://{host}/");
    let start = "http://".len();
    let end = start.checked_add(host.len())?;
    let detections = scanner.scan(url.as_bytes()).detections;
    let found = detections.into_iter().find(|d| {
        d.category == category && d.start == start && d.end == end
    })?;
    Some(found.value)
}

/// Parses a URL path entry, given without its `/*`: an optional scheme,
/// which is ignored, a host, and path segments.
fn parse_path(text: &str, scanner: &Scanner) -> Result<Rule, ListErrorKind> {
    let invalid = ListErrorKind::InvalidPath;
    let rest = match text.split_once("://") {
        Some((scheme, rest)) => {
            let valid_scheme = !scheme.is_empty()
                && scheme.bytes().all(|b| b.is_ascii_alphanumeric());
            if !valid_scheme {
                return Err(invalid("the scheme before `://` is invalid"));
            }
            rest
        }
        None => text,
    };
    if rest.contains('*') {
        return Err(ListErrorKind::Wildcard);
    }
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if path.contains(['?', '#']) {
        return Err(invalid("a path entry cannot contain `?` or `#`"));
    }
    if path.split('/').skip(1).any(str::is_empty) {
        return Err(invalid("the path has an empty segment (`//`)"));
    }
    if path.split('/').skip(1).count() > List::MAX_PATH_SEGMENTS {
        return Err(invalid(
            "the path has more than 32 segments, the most a lookup checks",
        ));
    }
    let host = path_host(host, scanner)?;
    Ok(Rule::Path { host, path: path.to_string() })
}

/// Returns the host of a path entry as a URL value shows it, IPv6
/// addresses without their brackets.
fn path_host(host: &str, scanner: &Scanner) -> Result<String, ListErrorKind> {
    let invalid = ListErrorKind::InvalidPath;
    if host.contains('@') {
        return Err(invalid("write the host without a user name"));
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    let address = bare.unwrap_or(host).parse::<IpAddr>();
    let value = match address {
        Ok(IpAddr::V4(v4)) => {
            scan_url_host(&v4.to_string(), Category::Ip, scanner)
        }
        Ok(IpAddr::V6(v6)) => {
            let bracketed = format!("[{v6}]");
            scan_url_host(&bracketed, Category::Ip, scanner)
        }
        Err(_) if host.contains(':') => {
            return Err(invalid("write the host without a port"));
        }
        Err(_) => normalize_host(host, scanner),
    };
    value.ok_or(invalid("the host is not a valid host name or address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(entry: &str) -> Rule {
        parse_entry(entry, &Scanner::default())
            .unwrap_or_else(|kind| panic!("{entry}: {kind}"))
    }

    fn error(entry: &str) -> ListErrorKind {
        match parse_entry(entry, &Scanner::default()) {
            Ok(rule) => panic!("{entry} parsed as {rule:?}"),
            Err(kind) => kind,
        }
    }

    fn exact(category: Category, value: &str) -> Rule {
        Rule::Exact(category, value.to_string())
    }

    fn v4(first: [u8; 4], last: [u8; 4]) -> Rule {
        Rule::Network(Network {
            v6: false,
            first: u128::from(u32::from_be_bytes(first)),
            last: u128::from(u32::from_be_bytes(last)),
        })
    }

    #[test]
    fn exact_values_take_report_form() {
        let cases = [
            ("Evil.COM", exact(Category::Domain, "evil.com")),
            ("evil[.]com", exact(Category::Domain, "evil.com")),
            ("evil(dot)com", exact(Category::Domain, "evil.com")),
            ("bücher.de", exact(Category::Domain, "xn--bcher-kva.de")),
            ("intranet.corp", exact(Category::Domain, "intranet.corp")),
            // Written plainly, the report lists it as a file name, and
            // written defanged, as a host.
            ("invoice.zip", exact(Category::FileName, "invoice.zip")),
            ("invoice[.]zip", exact(Category::Domain, "invoice.zip")),
            (
                "hxxp://Evil[.]com/Path",
                exact(Category::Url, "http://evil.com/Path"),
            ),
            ("Bob@Example.COM", exact(Category::Email, "Bob@example.com")),
            (
                "D41D8CD98F00B204E9800998ECF8427E",
                exact(Category::Hash, "d41d8cd98f00b204e9800998ecf8427e"),
            ),
            ("cve-2021-44228", exact(Category::Cve, "CVE-2021-44228")),
            (
                "C:\\Windows\\evil.exe",
                exact(Category::FilePath, "C:\\Windows\\evil.exe"),
            ),
        ];
        for (entry, expected) in cases {
            assert_eq!(rule(entry), expected, "{entry}");
        }
    }

    #[test]
    fn addresses_become_networks() {
        let cases = [
            ("10.0.0.1", v4([10, 0, 0, 1], [10, 0, 0, 1])),
            ("10.0.0[.]1", v4([10, 0, 0, 1], [10, 0, 0, 1])),
            ("10.0.0.0/8", v4([10, 0, 0, 0], [10, 255, 255, 255])),
            ("0.0.0.0/0", v4([0, 0, 0, 0], [255, 255, 255, 255])),
            ("192.0.2.7/32", v4([192, 0, 2, 7], [192, 0, 2, 7])),
        ];
        for (entry, expected) in cases {
            assert_eq!(rule(entry), expected, "{entry}");
        }
        let Rule::Network(network) = rule("2001:DB8::/32") else {
            panic!("not a network");
        };
        assert!(network.v6);
        assert_eq!(network.first, 0x2001_0db8u128 << 96);
        assert_eq!(network.last, (0x2001_0db8u128 << 96) | (u128::MAX >> 32));
        let Rule::Network(zoned) = rule("fe80::1%eth0") else {
            panic!("not a network");
        };
        assert_eq!(
            (zoned.first, zoned.last),
            (0xfe80u128 << 112 | 1, 0xfe80u128 << 112 | 1)
        );
        let Rule::Network(all) = rule("::/0") else { panic!("not a network") };
        assert_eq!((all.first, all.last), (0, u128::MAX));
    }

    #[test]
    fn suffixes_normalised_as_hosts() {
        let cases = [
            (".Example.com", "example.com"),
            ("*.example.com", "example.com"),
            (".evil[.]com", "evil.com"),
            (".corp", "corp"),
            ("*.com", "com"),
            (".bücher.de", "xn--bcher-kva.de"),
        ];
        for (entry, expected) in cases {
            assert_eq!(rule(entry), Rule::Suffix(expected.to_string()));
        }
    }

    #[test]
    fn paths_keep_case_and_drop_scheme() {
        let path = |host: &str, path: &str| Rule::Path {
            host: host.to_string(),
            path: path.to_string(),
        };
        let cases = [
            ("Example.com/Docs/*", path("example.com", "/Docs")),
            ("https://example.com/a/b/*", path("example.com", "/a/b")),
            ("hxxp://evil[.]com/x/*", path("evil.com", "/x")),
            ("example.com/*", path("example.com", "")),
            ("10.1.2.3/x/*", path("10.1.2.3", "/x")),
            ("[2001:DB8::1]/x/*", path("2001:db8::1", "/x")),
        ];
        for (entry, expected) in cases {
            assert_eq!(rule(entry), expected, "{entry}");
        }
    }

    #[test]
    fn every_invalid_entry_kind() {
        let long = format!("{}.com", "a".repeat(List::MAX_ENTRY_LEN));
        let deep = format!("example.com{}/*", "/a".repeat(33));
        let cases = [
            ("evil .com", ListErrorKind::Whitespace),
            (long.as_str(), ListErrorKind::TooLong),
            ("ev*l.com", ListErrorKind::Wildcard),
            ("*.ev*l.com", ListErrorKind::Wildcard),
            ("*example.com", ListErrorKind::Wildcard),
            ("example.com/a*/*", ListErrorKind::Wildcard),
            (".", ListErrorKind::InvalidSuffix),
            ("*.", ListErrorKind::InvalidSuffix),
            (".-bad.com", ListErrorKind::InvalidSuffix),
            (".exa_mple..com", ListErrorKind::InvalidSuffix),
            (".evil.com:80", ListErrorKind::InvalidSuffix),
            ("10.0.0.0/33", ListErrorKind::InvalidPrefixLength),
            ("10.0.0.0/x", ListErrorKind::InvalidPrefixLength),
            ("10.0.0.0/+8", ListErrorKind::InvalidPrefixLength),
            ("2001:db8::/129", ListErrorKind::InvalidPrefixLength),
            (
                "10.1.2.3/8",
                ListErrorKind::HostBitsSet("10.0.0.0/8".to_string()),
            ),
            (
                "2001:db8::1/32",
                ListErrorKind::HostBitsSet("2001:db8::/32".to_string()),
            ),
            ("not-a-value", ListErrorKind::Unrecognised),
            ("evil.com:443", ListErrorKind::Unrecognised),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", ListErrorKind::Unrecognised),
            ("1:2", ListErrorKind::Unrecognised),
            ("microsoft", ListErrorKind::Unrecognised),
        ];
        for (entry, expected) in cases {
            assert_eq!(error(entry), expected, "{entry}");
        }
        let path_errors = [
            "h-t://example.com/a/*",
            "[2001:db8::zz]/a/*",
            "user@example.com/a/*",
            "example.com:8080/a/*",
            "example.com/a?b/*",
            "example.com//a/*",
            deep.as_str(),
            "bad_host!/a/*",
            "/*",
        ];
        for entry in path_errors {
            let kind = error(entry);
            assert!(
                matches!(kind, ListErrorKind::InvalidPath(_)),
                "{entry}: {kind:?}"
            );
        }
    }

    #[test]
    fn comments_blank_lines_and_groups() {
        let text = "\u{feff}# a comment\n\n  evil.com  # trailing\n\
                    # group: first\nhttp://x.example.com/#frag\n\
                    # group:   second half \n10.0.0.0/8\r\n";
        let list = List::parse(text, "t.txt").unwrap();
        assert_eq!(list.groups, ["first", "second half"]);
        let lines: Vec<_> = list
            .entries
            .iter()
            .map(|e| (e.line, e.group, e.rule.clone()))
            .collect();
        assert_eq!(
            lines,
            [
                (3, None, exact(Category::Domain, "evil.com")),
                (
                    5,
                    Some(0),
                    exact(Category::Url, "http://x.example.com/#frag")
                ),
                (7, Some(1), v4([10, 0, 0, 0], [10, 255, 255, 255])),
            ]
        );
    }

    #[test]
    fn error_names_origin_line_and_entry() {
        let text = "good.example.com\n\n10.0.0.1/8 # typo\n";
        let error = List::parse(text, "lists/allow.txt").unwrap_err();
        assert_eq!(error.origin, "lists/allow.txt");
        assert_eq!(error.line, 3);
        assert_eq!(error.entry, "10.0.0.1/8");
        let message = error.to_string();
        assert!(
            message.starts_with(
                "lists/allow.txt:3: invalid entry '10.0.0.1/8': "
            ),
            "{message}"
        );
        assert!(message.ends_with("10.0.0.0/8"), "{message}");
    }

    #[test]
    fn empty_group_is_an_error() {
        let error = List::parse("# group:\nevil.com\n", "g").unwrap_err();
        assert_eq!(error.kind, ListErrorKind::EmptyGroup);
        assert_eq!(error.line, 1);
        assert_eq!(error.entry, "# group:");
    }

    #[test]
    fn builtin_list_parses_whole() {
        let strict = List::parse(BENIGN, "benign").unwrap();
        let lenient = List::benign();
        assert_eq!(strict, lenient);
        assert!(lenient.len() > 100, "{}", lenient.len());
        assert!(lenient.entries.iter().all(|e| e.group.is_some()));
    }

    #[test]
    fn host_mask_covers_host_bits() {
        assert_eq!(host_mask(32, 32), 0);
        assert_eq!(host_mask(24, 32), 0xff);
        assert_eq!(host_mask(0, 32), 0xffff_ffff);
        assert_eq!(host_mask(0, 128), u128::MAX);
        assert_eq!(host_mask(127, 128), 1);
    }
}
