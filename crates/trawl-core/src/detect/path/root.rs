//! Recognises the root of a path around a separator: a drive, a UNC
//! server, a device prefix, a variable, `~`, leading dots or a bare `/`.
//!
//! Positions here are offsets into the text plus at most a few hundred
//! bytes, so the saturating sums on them never reach `usize::MAX`.

use super::class::{
    glued_before, hard_end, unit_at, unix_segment_byte, word_before, Style,
    Unit,
};

/// Maximum length of a variable or user name before a separator. Real
/// names are far shorter, and the bound keeps the backward scan constant.
const MAX_NAME: usize = 64;

/// Maximum length of a UNC server name: a DNS name of at most 253 bytes, plus a
/// WebDAV suffix such as `@SSL@8443`.
const MAX_HOST: usize = 270;

/// The start of a path, up to where its first segment begins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Root {
    /// Offset of the first byte of the path.
    pub start: usize,
    /// Offset where the first segment after the root begins.
    pub body: usize,
    /// Naming rules of the segments.
    pub style: Style,
    /// Set when backslashes are doubled, as inside a JSON or C string.
    pub escaped: bool,
    /// The finer type reported with the path.
    pub kind: &'static str,
    /// Segments needed after the root, counting `segments`.
    pub min_segments: usize,
    /// Segments already inside the root: the drive of `\\?\C:`.
    pub segments: usize,
    /// Set when the root may contain a bracket, as `%ProgramFiles(x86)%`
    /// and `${HOME}` do. The other roots are built from letters, digits,
    /// `.`, `_`, `-`, `@`, `~`, `$`, `?`, `:` and separators only.
    pub brackets: bool,
    /// The server name of a UNC path (`evil.example` in
    /// `\\evil.example@SSL\share`), without its WebDAV suffix.
    pub server: Option<(usize, usize)>,
}

/// The result of looking for a root at a separator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// A path root, still to be walked.
    Root(Root),
    /// A broken root such as `\\\server` or `\\?\UNC\\server`, which must
    /// be skipped whole so that no tail of it passes for a path.
    Malformed,
    /// No root here.
    Nothing,
}

/// Finds the root that the separator at `sep` belongs to. A root may
/// start before `sep` (`C:`, `%TEMP%`, `~user`) but never before `floor`,
/// where the previous path or skipped run ended.
pub(super) fn find(text: &[u8], sep: usize, floor: usize) -> Found {
    let before = match sep.checked_sub(1).and_then(|i| text.get(i)) {
        Some(b':') => drive(text, sep, floor),
        Some(b'%') => percent_variable(text, sep, floor),
        Some(b'}') => braced_variable(text, sep, floor),
        Some(b'.') => dots(text, sep, floor),
        _ => None,
    };
    if let Some(found) = before.or_else(|| named(text, sep, floor)) {
        return found;
    }
    match text.get(sep) {
        Some(b'\\') => unc(text, sep),
        _ => absolute(text, sep),
    }
}

/// Builds a Windows-style root ending in the separator at `sep`. One `\`
/// or `/` is a plain path, `\\` an escaped one, any other run is broken.
fn windows_root(
    text: &[u8],
    start: usize,
    sep: usize,
    kind: &'static str,
) -> Found {
    let after = |n: usize| text.get(sep.saturating_add(n)).copied();
    let (len, escaped) = match text.get(sep) {
        Some(b'/') => (1, false),
        Some(b'\\') if after(1) == Some(b'\\') => (2, true),
        Some(b'\\') => (1, false),
        _ => return Found::Nothing,
    };
    if matches!(after(len), Some(b'\\' | b'/')) {
        return Found::Malformed;
    }
    Found::Root(Root {
        start,
        body: sep.saturating_add(len),
        style: Style::Windows,
        escaped,
        kind,
        min_segments: 1,
        segments: 0,
        brackets: false,
        server: None,
    })
}

/// Builds a Unix-style root ending in the `/` at `sep`.
fn unix_root(
    text: &[u8],
    start: usize,
    sep: usize,
    kind: &'static str,
    min_segments: usize,
) -> Found {
    if text.get(sep) != Some(&b'/') {
        return Found::Nothing;
    }
    let body = sep.saturating_add(1);
    if matches!(text.get(body), Some(b'\\' | b'/')) {
        return Found::Malformed;
    }
    Found::Root(Root {
        start,
        body,
        style: Style::Unix,
        escaped: false,
        kind,
        min_segments,
        segments: 0,
        brackets: false,
        server: None,
    })
}

/// Marks a variable root as one that may contain brackets.
fn with_brackets(found: Found) -> Found {
    match found {
        Found::Root(root) => Found::Root(Root { brackets: true, ..root }),
        other => other,
    }
}

/// `C:\` and `C:/`, with no letter or digit glued before the drive,
/// and no `%`: `%s:\n` is a format string.
fn drive(text: &[u8], sep: usize, floor: usize) -> Option<Found> {
    let start = sep.checked_sub(2).filter(|&s| s >= floor)?;
    let percent =
        start.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'%');
    if !text.get(start)?.is_ascii_alphabetic()
        || percent
        || word_before(text, start)
    {
        return None;
    }
    Some(windows_root(text, start, sep, "windows"))
}

/// Returns where the run of `is_name` bytes that ends at `end` starts,
/// looking back at most `MAX_NAME` bytes.
fn name_start(text: &[u8], end: usize, is_name: fn(u8) -> bool) -> usize {
    let lowest = end.saturating_sub(MAX_NAME);
    let window = text.get(lowest..end).unwrap_or_default();
    let name = window.iter().rev().take_while(|&&byte| is_name(byte));
    end.saturating_sub(name.count())
}

/// Reports whether `name` is a shell variable name: a letter or `_`, then
/// letters, digits or `_`.
fn variable_name(name: &[u8]) -> bool {
    name.first().is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `%NAME%\` and `%NAME%/`. Parentheses are allowed inside the name for
/// `%ProgramFiles(x86)%`.
fn percent_variable(text: &[u8], sep: usize, floor: usize) -> Option<Found> {
    let close = sep.checked_sub(1)?;
    let name = name_start(text, close, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'(' | b')')
    });
    let start = name.checked_sub(1).filter(|&s| s >= floor)?;
    let first = text.get(name).filter(|_| name < close)?;
    let valid = text.get(start) == Some(&b'%')
        && (first.is_ascii_alphabetic() || *first == b'_')
        && !word_before(text, start);
    valid.then(|| with_brackets(windows_root(text, start, sep, "env")))
}

/// `${NAME}/`.
fn braced_variable(text: &[u8], sep: usize, floor: usize) -> Option<Found> {
    let close = sep.checked_sub(1)?;
    let name =
        name_start(text, close, |b| b.is_ascii_alphanumeric() || b == b'_');
    let start = name.checked_sub(2).filter(|&s| s >= floor)?;
    let valid = text.get(start..name) == Some(&b"${"[..])
        && variable_name(text.get(name..close)?)
        && !glued_before(text, start);
    valid.then(|| with_brackets(unix_root(text, start, sep, "env", 1)))
}

/// `./`, `../`, `.\` and `..\`. A dot after `)` ends a sentence, and in
/// JSON text a sentence-ending dot is often followed by the escape `\n`:
/// `(see examples).\n\nThe` contains no path.
fn dots(text: &[u8], sep: usize, floor: usize) -> Option<Found> {
    let start = match sep.checked_sub(2) {
        Some(s) if text.get(s) == Some(&b'.') => s,
        _ => sep.checked_sub(1)?,
    };
    let after_bracket =
        start.checked_sub(1).is_some_and(|i| text.get(i) == Some(&b')'));
    if start < floor || glued_before(text, start) || after_bracket {
        return None;
    }
    Some(match text.get(sep) {
        Some(b'/') => unix_root(text, start, sep, "relative", 1),
        _ if escape_sequence(text, sep) => Found::Nothing,
        _ => windows_root(text, start, sep, "relative"),
    })
}

/// Reports whether the backslash at `at` starts what reads as a string
/// escape rather than a segment: `\n`, `\r` or `\t` followed by another
/// backslash or a capital, as in `.\n\nThe` or `.\nMany`. A real
/// segment such as `.\temp` or `.\nssm.exe` continues in lower case.
fn escape_sequence(text: &[u8], at: usize) -> bool {
    matches!(text.get(at.saturating_add(1)), Some(b'n' | b'r' | b't'))
        && text
            .get(at.saturating_add(2))
            .is_some_and(|&b| b == b'\\' || b.is_ascii_uppercase())
}

/// `~/`, `~user/`, `$NAME/` and PowerShell's `$env:NAME\`.
fn named(text: &[u8], sep: usize, floor: usize) -> Option<Found> {
    let name = name_start(text, sep, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
    });
    let sigil = name.checked_sub(1).filter(|&s| s >= floor)?;
    // Only `~` roots have an empty name, and most separators, as in the
    // `//` of a URL, have no name before them.
    if name == sep && text.get(sigil) != Some(&b'~') {
        return None;
    }
    let slash = text.get(sep) == Some(&b'/');
    let name_bytes = text.get(name..sep)?;
    match text.get(sigil)? {
        b'~' if slash && !glued_before(text, sigil) => {
            Some(unix_root(text, sigil, sep, "home", 1))
        }
        b'$' if slash
            && variable_name(name_bytes)
            && !glued_before(text, sigil) =>
        {
            Some(unix_root(text, sigil, sep, "env", 1))
        }
        b':' => {
            let start = sigil.checked_sub(4).filter(|&s| s >= floor)?;
            let prefix = text.get(start..sigil)?;
            let valid = prefix.eq_ignore_ascii_case(b"$env")
                && variable_name(name_bytes)
                && !word_before(text, start);
            valid.then(|| windows_root(text, start, sep, "env"))
        }
        _ => None,
    }
}

/// Returns the length of the single separator at `at`: `\` in a plain
/// path, `\\` in an escaped one. A longer run is not a separator here.
fn backslash(text: &[u8], at: usize, escaped: bool) -> Option<usize> {
    let len = if escaped { 2 } else { 1 };
    // Counting up to three backslashes separates a run of exactly `len`
    // from a longer one.
    let run =
        text.get(at..)?.iter().take(3).take_while(|&&b| b == b'\\').count();
    let after = text.get(at.saturating_add(len));
    (run == len && after != Some(&b'/')).then_some(len)
}

/// Returns the end of a UNC server name at `at`: a host name or IPv4
/// address, with an optional WebDAV `@SSL` or `@port` suffix.
fn host_end(text: &[u8], at: usize) -> Option<usize> {
    let mut pos = at;
    let mut label: usize = 0;
    loop {
        match text.get(pos) {
            Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => {
                label = label.saturating_add(1);
            }
            Some(b'-') if label > 0 => label = label.saturating_add(1),
            Some(b'.') if label > 0 => label = 0,
            _ => break,
        }
        if label > 63 || pos.saturating_sub(at) >= MAX_HOST {
            return None;
        }
        pos = pos.saturating_add(1);
    }
    if label == 0 {
        return None;
    }
    for _ in 0..2 {
        if text.get(pos) != Some(&b'@') {
            break;
        }
        let suffix = text
            .get(pos.saturating_add(1)..)?
            .iter()
            .take(9)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if suffix == 0 || suffix > 8 {
            return None;
        }
        pos = pos.saturating_add(1).saturating_add(suffix);
    }
    Some(pos)
}

/// `\\server\share`, `\\?\…` and `\\.\…`, plain or with every backslash
/// doubled. A backslash run of any other length is malformed.
fn unc(text: &[u8], sep: usize) -> Found {
    let prev = sep.checked_sub(1).and_then(|i| text.get(i));
    let run = super::class::separator_run(text, sep);
    let backslashes = text
        .get(sep..)
        .unwrap_or_default()
        .iter()
        .take(run)
        .take_while(|&&b| b == b'\\')
        .count();
    if backslashes < 2 || prev == Some(&b'\\') || word_before(text, sep) {
        return Found::Nothing;
    }
    let escaped = match backslashes {
        2 => false,
        4 => true,
        _ => return Found::Malformed,
    };
    let body = sep.saturating_add(backslashes);
    match text.get(body) {
        Some(b'?') | Some(b'.') => {
            let unc_allowed = text.get(body) == Some(&b'?');
            let after_mark = body.saturating_add(1);
            match backslash(text, after_mark, escaped) {
                Some(len) => {
                    let at = after_mark.saturating_add(len);
                    device(text, sep, at, escaped, unc_allowed)
                }
                None => Found::Malformed,
            }
        }
        _ => server(text, sep, body, escaped, "unc"),
    }
}

/// Parses the server and share of a UNC path whose server name starts
/// at `at`.
fn server(
    text: &[u8],
    start: usize,
    at: usize,
    escaped: bool,
    kind: &'static str,
) -> Found {
    let Some(host) = host_end(text, at) else {
        return Found::Malformed;
    };
    let Some(len) = backslash(text, host, escaped) else {
        let bare = text.get(host).is_none_or(u8::is_ascii_whitespace)
            || hard_end(text, host);
        return if bare { Found::Nothing } else { Found::Malformed };
    };
    let body = host.saturating_add(len);
    if !matches!(unit_at(text, body, Style::Windows), Unit::Segment(_)) {
        return Found::Malformed;
    }
    let name = text.get(at..host).unwrap_or_default();
    let name_end =
        at.saturating_add(memchr::memchr(b'@', name).unwrap_or(name.len()));
    Found::Root(Root {
        start,
        body,
        style: Style::Windows,
        escaped,
        kind,
        min_segments: 1,
        segments: 0,
        brackets: false,
        server: Some((at, name_end)),
    })
}

/// Parses the rest of a `\\?\` or `\\.\` device path from `at`: `UNC\server`
/// (only after `\\?\`), a drive such as `C:`, or any named object such as
/// `PhysicalDrive0` or `pipe\name`.
fn device(
    text: &[u8],
    start: usize,
    at: usize,
    escaped: bool,
    unc_allowed: bool,
) -> Found {
    let unc_prefix = text
        .get(at..)
        .and_then(|rest| rest.get(..3))
        .is_some_and(|p| p.eq_ignore_ascii_case(b"UNC"));
    let after_prefix = at.saturating_add(3);
    if unc_allowed
        && unc_prefix
        && matches!(text.get(after_prefix), Some(b'\\' | b'/'))
    {
        return match backslash(text, after_prefix, escaped) {
            Some(len) => {
                let host = after_prefix.saturating_add(len);
                server(text, start, host, escaped, "unc")
            }
            None => Found::Malformed,
        };
    }
    let root = |body: usize, segments: usize| {
        Found::Root(Root {
            start,
            body,
            style: Style::Windows,
            escaped,
            kind: "device",
            min_segments: 1,
            segments,
            brackets: false,
            server: None,
        })
    };
    let drive_letter = text.get(at).is_some_and(u8::is_ascii_alphabetic)
        && text.get(at.saturating_add(1)) == Some(&b':');
    if drive_letter {
        let after = at.saturating_add(2);
        if let Some(len) = backslash(text, after, escaped) {
            return root(after.saturating_add(len), 1);
        }
        return match unit_at(text, after, Style::Windows) {
            Unit::Space | Unit::Stop => root(after, 1),
            _ => Found::Malformed,
        };
    }
    match unit_at(text, at, Style::Windows) {
        Unit::Segment(_) => root(at, 0),
        _ => Found::Malformed,
    }
}

/// Recognises a Unix absolute path `/a/b`, which needs two segments. A root of two
/// slashes is a scheme-relative URL or a comment, never a path.
fn absolute(text: &[u8], sep: usize) -> Found {
    if glued_before(text, sep) {
        return Found::Nothing;
    }
    if is_request_target(text, sep) {
        return Found::Malformed;
    }
    match text.get(sep.saturating_add(1)) {
        Some(b'/' | b'\\') => Found::Malformed,
        Some(&b) if unix_segment_byte(b) || !b.is_ascii() => {
            unix_root(text, sep, sep, "unix", 2)
        }
        _ => Found::Nothing,
    }
}

/// Reports whether the `/` at `sep` starts the target of an HTTP request
/// line (`"GET /wp-admin/x.php HTTP/1.1"` in a web server log): a path on
/// the server's URL space, not a file on a host.
fn is_request_target(text: &[u8], sep: usize) -> bool {
    const METHODS: &[&[u8]] = &[
        b"GET",
        b"POST",
        b"PUT",
        b"DELETE",
        b"HEAD",
        b"OPTIONS",
        b"PATCH",
        b"CONNECT",
        b"TRACE",
        b"PROPFIND",
    ];
    let Some(before) = sep.checked_sub(1).and_then(|end| text.get(..end))
    else {
        return false;
    };
    if text.get(sep.wrapping_sub(1)) != Some(&b' ') {
        return false;
    }
    // Every method ends in a capital, so most slashes after a space need
    // no comparison.
    if !text.get(sep.wrapping_sub(2)).is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    METHODS.iter().any(|method| {
        let Some(word_start) = before.len().checked_sub(method.len()) else {
            return false;
        };
        let boundary = word_start
            .checked_sub(1)
            .and_then(|i| before.get(i))
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        before.get(word_start..) == Some(method) && boundary
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_at(text: &str, sep: usize) -> Found {
        find(text.as_bytes(), sep, 0)
    }

    /// A root's start, body and kind.
    type Shape = Option<(usize, usize, &'static str)>;

    fn start_and_body(found: Found) -> Shape {
        match found {
            Found::Root(root) => Some((root.start, root.body, root.kind)),
            _ => None,
        }
    }

    #[test]
    fn roots_start_where_expected() {
        let cases: &[(&str, usize, Shape)] = &[
            (" C:\\x", 3, Some((1, 4, "windows"))),
            ("C:/x", 2, Some((0, 3, "windows"))),
            ("C:\\\\x", 2, Some((0, 4, "windows"))),
            ("aC:\\x", 3, None),
            ("%TEMP%\\x", 6, Some((0, 7, "env"))),
            ("%ProgramFiles(x86)%\\x", 19, Some((0, 20, "env"))),
            ("%2F%\\x", 4, None),
            ("${HOME}/x", 7, Some((0, 8, "env"))),
            ("$HOME/x", 5, Some((0, 6, "env"))),
            ("a$HOME/x", 6, None),
            ("$env:TEMP\\x", 9, Some((0, 10, "env"))),
            ("~/x", 1, Some((0, 2, "home"))),
            ("~user/x", 5, Some((0, 6, "home"))),
            ("a~user/x", 6, None),
            ("./x", 1, Some((0, 2, "relative"))),
            ("..\\x", 2, Some((0, 3, "relative"))),
            ("a./x", 2, None),
            ("\\\\srv\\share", 0, Some((0, 6, "unc"))),
            ("\\\\?\\C:\\x", 0, Some((0, 7, "device"))),
            ("\\\\.\\pipe\\x", 0, Some((0, 4, "device"))),
            ("\\\\?\\UNC\\srv\\s", 0, Some((0, 12, "unc"))),
            ("/etc/x", 0, Some((0, 1, "unix"))),
            ("\"GET /wp/x.php HTTP/1.1\"", 5, None),
            ("a/etc", 1, None),
            ("x get /a", 6, Some((6, 7, "unix"))),
            ("http://x", 5, None),
            ("x ~/a", 3, Some((2, 4, "home"))),
        ];
        for &(text, sep, expected) in cases {
            assert_eq!(start_and_body(root_at(text, sep)), expected, "{text}");
        }
    }

    #[test]
    fn broken_prefixes_are_malformed() {
        let cases: &[(&str, usize)] = &[
            ("\\\\\\server\\share\\x", 0),
            ("\\\\?\\UNC\\\\server\\share", 0),
            ("\\\\?\\\\x", 0),
            ("\\\\-bad\\share", 0),
            ("\\\\srv\\\\share", 0),
            ("//host/x", 0),
            ("C:\\\\\\x", 2),
        ];
        for &(text, sep) in cases {
            assert_eq!(root_at(text, sep), Found::Malformed, "{text}");
        }
    }

    #[test]
    fn root_never_starts_before_floor() {
        assert_eq!(find(b"C:\\x", 2, 1), Found::Nothing);
        assert_eq!(find(b"~/x", 1, 1), Found::Nothing);
    }

    proptest::proptest! {
        #[test]
        fn unflagged_roots_contain_no_bracket(
            bytes in proptest::collection::vec(
                proptest::sample::select(
                    b"\\/:.~$%{}()[]?@_-env CaZ9".to_vec()
                ),
                0..48,
            )
        ) {
            for sep in 0..bytes.len() {
                if let Found::Root(root) = find(&bytes, sep, 0) {
                    let root_bytes =
                        bytes.get(root.start..root.body).unwrap_or_default();
                    let bracket =
                        root_bytes.iter().any(|b| b"()[]{}".contains(b));
                    proptest::prop_assert!(root.brackets || !bracket);
                }
            }
        }
    }

    #[test]
    fn host_end_accepts_webdav_suffix() {
        assert_eq!(host_end(b"host@SSL@8443\\", 0), Some(13));
        assert_eq!(host_end(b"10.0.0.5\\", 0), Some(8));
        assert_eq!(host_end(b"a..b", 0), None);
        assert_eq!(host_end(b"host@\\", 0), None);
    }
}
