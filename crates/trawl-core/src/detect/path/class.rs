//! Byte and character classes shared by the path roots and the walker.

use crate::detect::chars::lookup;

/// Naming rules for the segments of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    /// Drive, UNC, device and `%NAME%` paths: `\` and `/` separate
    /// segments, and a segment may contain any character Windows allows in a
    /// file name except the delimiters listed in `windows_segment_byte`.
    Windows,
    /// Absolute, `~` and `$NAME` paths: only `/` separates segments, and a
    /// segment is limited to the portable file-name characters.
    Unix,
}

/// The class of the character at one position, seen from inside a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Unit {
    /// A character that may appear in a segment, with its length in bytes.
    Segment(usize),
    /// An ASCII space, which may or may not continue the segment.
    Space,
    /// A separator of the style: `/`, or `\` in Windows paths.
    Separator,
    /// Anything that ends the path, including the end of the text.
    Stop,
    /// Bytes that are not valid UTF-8.
    Invalid,
}

/// Classifies the character at `at`.
pub(super) fn unit_at(text: &[u8], at: usize, style: Style) -> Unit {
    let Some(&byte) = text.get(at) else {
        return Unit::Stop;
    };
    match byte {
        b' ' => Unit::Space,
        b'/' => Unit::Separator,
        b'\\' if style == Style::Windows => Unit::Separator,
        _ if byte.is_ascii() => {
            let allowed = match style {
                Style::Windows => windows_segment_byte(byte),
                Style::Unix => unix_segment_byte(byte),
            };
            if allowed {
                Unit::Segment(1)
            } else {
                Unit::Stop
            }
        }
        _ => match char_at(text, at) {
            Some((c, len)) if segment_char(c) => Unit::Segment(len),
            Some(_) => Unit::Stop,
            None => Unit::Invalid,
        },
    }
}

/// Reports whether an ASCII byte may appear in a Windows segment. Windows
/// itself forbids `\ / : * ? " < > |` and control characters. The comma,
/// semicolon, apostrophe and backtick are legal in file names but delimit
/// paths in prose, command lines and CSV far more often, so they end one.
const fn windows_segment_byte(byte: u8) -> bool {
    byte >= 0x21
        && byte <= 0x7e
        && !matches!(
            byte,
            b'\\'
                | b'/'
                | b':'
                | b'*'
                | b'?'
                | b'"'
                | b'<'
                | b'>'
                | b'|'
                | b','
                | b';'
                | b'\''
                | b'`'
        )
}

/// Reports whether an ASCII byte may appear in a Unix segment. The set is
/// the POSIX portable file-name characters plus `~ + @`. The comma, colon
/// and equals sign are left out: they join paths into lists (`PATH`),
/// attach line numbers (`main.c:12`) and assign values far more often
/// than they appear in real file names.
pub(super) const fn unix_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'.' | b'_' | b'~' | b'+' | b'@' | b'-')
}

/// The bytes that `unit_at` classifies as a one-byte segment character,
/// per style, brackets left out, as tables for the walker's inner loop.
/// A bracket stops the run so that the walker learns whether the path
/// contains one, which its trimming needs, without reading it again.
const WINDOWS_PLAIN: [bool; 256] = plain_bytes(Style::Windows);
const UNIX_PLAIN: [bool; 256] = plain_bytes(Style::Unix);

// Every index is below 128, so none is out of range. Cannot overflow:
// the counter stops at 128.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn plain_bytes(style: Style) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        table[b] = match style {
            Style::Windows => windows_segment_byte(byte),
            Style::Unix => unix_segment_byte(byte),
        } && byte != b' '
            && !is_bracket(byte);
        b += 1;
    }
    table
}

/// Reports whether `byte` is one of `( ) [ ] { }`.
pub(super) const fn is_bracket(byte: u8) -> bool {
    matches!(byte, b'(' | b')' | b'[' | b']' | b'{' | b'}')
}

/// Returns the test for a plain segment byte of `style`: an ASCII
/// segment byte other than a space or bracket. Walking a segment this way
/// costs a table lookup per byte instead of a full `unit_at`
/// classification.
pub(super) fn plain_table(style: Style) -> impl Fn(u8) -> bool {
    let table = match style {
        Style::Windows => &WINDOWS_PLAIN,
        Style::Unix => &UNIX_PLAIN,
    };
    move |byte| lookup(table, byte)
}

/// Reports whether a non-ASCII character may appear in a segment: letters,
/// digits and combining accents do, and punctuation such as curly quotes
/// ends the path.
fn segment_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

/// Decodes the UTF-8 character that starts at `at`, with its length.
pub(super) fn char_at(text: &[u8], at: usize) -> Option<(char, usize)> {
    let len = match text.get(at)? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let bytes = text.get(at..at.checked_add(len)?)?;
    let c = std::str::from_utf8(bytes).ok()?.chars().next()?;
    Some((c, len))
}

/// Decodes the UTF-8 character that ends just before `at`.
fn char_before(text: &[u8], at: usize) -> Option<char> {
    let window = text.get(at.saturating_sub(4)..at)?;
    let lead =
        window.iter().rposition(|b| !(0x80..0xc0).contains(b)).unwrap_or(0);
    let tail = window.get(lead..)?;
    let (c, len) = char_at(tail, 0)?;
    (len == tail.len()).then_some(c)
}

/// Reports whether a letter or digit, ASCII or not, ends just before `at`.
// Inlined because roots test the byte before them at most separators,
// and the ASCII case is a single comparison.
#[inline]
pub(super) fn word_before(text: &[u8], at: usize) -> bool {
    match at.checked_sub(1).and_then(|i| text.get(i)) {
        None => false,
        Some(byte) if byte.is_ascii() => byte.is_ascii_alphanumeric(),
        Some(_) => letter_before(text, at),
    }
}

/// Reports whether a non-ASCII letter or digit ends just before `at`.
#[inline(never)]
fn letter_before(text: &[u8], at: usize) -> bool {
    char_before(text, at).is_some_and(char::is_alphanumeric)
}

/// Reports whether the character before `at` glues it to a preceding
/// token, so that a Unix-style root (`/`, `~`, `./`, `$NAME`) cannot start
/// there. A letter, digit, `.`, `_` or `-` before a `/` makes it the
/// middle of a relative path, a date (`12/Mar/2024`) or a version
/// (`Mozilla/5.0`). After `:` or `/` it is a URL (`http://`) or a
/// scheme-relative `//host/x`. After `\ ~ $ % } ]` it belongs to a Windows
/// path, a home or variable path, or a bracketed URL host, after `+`
/// to base64, and after `#` to a URL fragment or a JSON Pointer
/// (`#/definitions/Tag` in a JSON schema).
pub(super) fn glued_before(text: &[u8], at: usize) -> bool {
    let Some(&byte) = at.checked_sub(1).and_then(|i| text.get(i)) else {
        return false;
    };
    matches!(
        byte,
        b'.' | b'_'
            | b'-'
            | b'/'
            | b':'
            | b'\\'
            | b'~'
            | b'$'
            | b'%'
            | b'}'
            | b']'
            | b'+'
            | b'#'
    ) || word_before(text, at)
}

/// Reports whether `at` is the end of the text or contains a character
/// that always ends a path: a line break, NUL, a quote, a markup bracket, a
/// pipe, a list separator or non-ASCII punctuation such as `”`.
pub(super) fn hard_end(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        None => true,
        Some(
            b'\n' | b'\r' | 0 | b'"' | b'\'' | b'`' | b'<' | b'>' | b'|'
            | b',' | b';',
        ) => true,
        Some(byte) if byte.is_ascii() => false,
        Some(_) => match char_at(text, at) {
            Some((c, _)) => !segment_char(c) && !c.is_whitespace(),
            None => false,
        },
    }
}

/// Reports whether `at` ends a line: the end of the text, a line break or
/// NUL (which ends a string in a binary).
pub(super) fn line_end(text: &[u8], at: usize) -> bool {
    matches!(text.get(at), None | Some(b'\n' | b'\r' | 0))
}

/// Returns the first position at or after `at` that is not a space or tab.
pub(super) fn skip_blanks(text: &[u8], at: usize, limit: usize) -> usize {
    let stop = limit.min(text.len());
    let rest = text.get(at..stop).unwrap_or_default();
    let blanks = rest.iter().take_while(|&&b| matches!(b, b' ' | b'\t'));
    at.saturating_add(blanks.count())
}

/// Returns the end of the run of non-blank, non-delimiter bytes that
/// starts at `at`. A malformed path is skipped up to there, so that no
/// piece of it is reported on its own.
pub(super) fn run_end(text: &[u8], at: usize) -> usize {
    (at..text.len())
        .find(|&pos| {
            text.get(pos).is_some_and(u8::is_ascii_whitespace)
                || hard_end(text, pos)
        })
        .unwrap_or(text.len().max(at))
}

/// Returns the length of the run of `\` and `/` that starts at `at`.
pub(super) fn separator_run(text: &[u8], at: usize) -> usize {
    text.get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\\' || b == b'/')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tables_match_unit_at() {
        for style in [Style::Windows, Style::Unix] {
            for byte in 0..=255u8 {
                let text = [byte];
                let one_byte = unit_at(&text, 0, style) == Unit::Segment(1);
                let expected = one_byte && !is_bracket(byte);
                let plain = plain_table(style)(byte);
                assert_eq!(plain, expected, "{style:?} {byte:#04x}");
            }
        }
    }

    #[test]
    fn unit_at_follows_style() {
        let cases: &[(&[u8], Style, Unit)] = &[
            (b"a", Style::Unix, Unit::Segment(1)),
            (b"\\", Style::Unix, Unit::Stop),
            (b"\\", Style::Windows, Unit::Separator),
            (b"/", Style::Unix, Unit::Separator),
            (b" ", Style::Windows, Unit::Space),
            (b"(", Style::Windows, Unit::Segment(1)),
            (b"(", Style::Unix, Unit::Stop),
            (b",", Style::Windows, Unit::Stop),
            (b"\t", Style::Windows, Unit::Stop),
            ("é".as_bytes(), Style::Unix, Unit::Segment(2)),
            ("”".as_bytes(), Style::Windows, Unit::Stop),
            (b"\xe9x", Style::Windows, Unit::Invalid),
            (b"", Style::Windows, Unit::Stop),
        ];
        for &(text, style, expected) in cases {
            assert_eq!(unit_at(text, 0, style), expected, "{text:?}");
        }
    }

    #[test]
    fn word_before_decodes_utf8() {
        let text = "é/".as_bytes();
        assert!(word_before(text, 2));
        let quote = "“/".as_bytes();
        assert!(!word_before(quote, 3));
        assert!(!word_before(b"\xff/", 1));
        assert!(!word_before(b"/", 0));
    }

    #[test]
    fn hard_end_covers_delimiters() {
        for text in [&b""[..], b"\n", b"\0", b"\"", b"<", b";", "”".as_bytes()]
        {
            assert!(hard_end(text, 0), "{text:?}");
        }
        for text in [&b"a"[..], b" ", b"\t", b".", "é".as_bytes()] {
            assert!(!hard_end(text, 0), "{text:?}");
        }
    }

    #[test]
    fn run_end_stops_at_blank() {
        assert_eq!(run_end(b"\\\\\\srv\\x y", 0), 8);
        assert_eq!(run_end(b"abc,def", 0), 3);
    }
}
