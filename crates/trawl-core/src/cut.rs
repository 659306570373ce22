//! Cut points of chunks and blocks that keep a wrapped base64 block
//! whole, as the base64 detector reads it across its line breaks.

use crate::detect::base64::{MAX_TOKEN_LEN, WRAP_WIDTHS};
use crate::detect::hash::{FONT_LINE_WIDTH, FONT_REACH};

// `base64_block_end` ends a block of hex lines that runs past the
// longest token more than `MAX_TOKEN_LEN` bytes after the cut, which
// must then be past the reach of font data.
const _: () = assert!(FONT_REACH <= MAX_TOKEN_LEN);

/// The end of a wrapped base64 block, seen from a cut at a line start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockEnd {
    /// The offset after the line break that ends the block. Equal to
    /// the cut when no block runs across it, or when the block runs on
    /// past the longest token the base64 detector reads.
    At(usize),
    /// The text or `limit` comes before the block's last line, so more
    /// text is needed to tell where it ends.
    Open,
}

/// The encoding of the text handed to [`wrapped_base64_end_in`].
/// Only ASCII characters matter for a base64 block, so a UTF-16 code
/// unit above 0x7F counts as a character that is not base64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeUnits {
    /// One byte per character: UTF-8, Latin-1 or decoded text.
    Bytes,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

/// Returns where the wrapped base64 block that a cut at `cut` would split
/// ends. `cut` must follow a line feed. A block runs across the cut when
/// the line before it is a whole line of a block: 64 or 76 base64
/// characters without padding. It then takes every following line of
/// that width and ends after the first shorter or padded line. The walk
/// stops at `limit`, and at the longest token the detector reads: a
/// longer block is skipped anyway, so it may be cut anywhere.
///
/// The hex lines of a PostScript font's encrypted part are such a block
/// too, and the hash detector skips them from the `eexec` line on for
/// [`FONT_REACH`] bytes. So a line ending in `eexec` before the cut
/// opens a block, and a block of hex lines longer than the longest token
/// ends past that reach instead of at the cut. No cut then separates
/// font data from its `eexec` line.
pub fn wrapped_base64_end(text: &[u8], cut: usize, limit: usize) -> BlockEnd {
    wrapped_base64_end_in(text, CodeUnits::Bytes, cut, limit)
}

/// [`wrapped_base64_end`] for text encoded in `units`. `cut`, `limit`
/// and the returned end are byte offsets; a cut that does not fall on a
/// code unit boundary is kept.
pub fn wrapped_base64_end_in(
    text: &[u8],
    units: CodeUnits,
    cut: usize,
    limit: usize,
) -> BlockEnd {
    let chars = Chars::new(text, units);
    let width = chars.width;
    if cut.checked_rem(width) != Some(0) {
        return BlockEnd::At(cut);
    }
    let in_units = |bytes: usize| bytes.checked_div(width).unwrap_or(0);
    let (cut, limit) = (in_units(cut), in_units(limit.min(text.len())));
    match base64_block_end(&chars, cut, limit) {
        BlockEnd::At(end) => BlockEnd::At(end.saturating_mul(width)),
        BlockEnd::Open => BlockEnd::Open,
    }
}

/// [`wrapped_base64_end`] with offsets counted in characters of `chars`.
fn base64_block_end(chars: &Chars, cut: usize, limit: usize) -> BlockEnd {
    let (width, may_be_font) = match full_line_before(chars, cut) {
        Some(width) => {
            (width, width == FONT_LINE_WIDTH && hex_line_before(chars, cut))
        }
        None if follows_eexec(chars, cut) => (FONT_LINE_WIDTH, true),
        None => return BlockEnd::At(cut),
    };
    let longest = cut.saturating_add(MAX_TOKEN_LEN);
    let limit = limit.min(chars.len());
    let mut at = cut;
    while at < limit {
        if at > longest {
            // `at` starts a line more than `FONT_REACH` bytes past the
            // cut, and so past the first line of any font data that
            // runs across it.
            return BlockEnd::At(if may_be_font { at } else { cut });
        }
        // A line of the block has at most `width` characters and a
        // carriage return, so the search for its end stops there: a
        // longer line ends the block wherever its own end is.
        let reach = at.saturating_add(width).saturating_add(2).min(limit);
        let Some(newline) = (at..reach).find(|&i| chars.at(i) == b'\n') else {
            if reach < limit {
                return BlockEnd::At(at);
            }
            return BlockEnd::Open;
        };
        let mut line_end = newline;
        if line_end > at && chars.at(line_end.saturating_sub(1)) == b'\r' {
            line_end = line_end.saturating_sub(1);
        }
        let after = newline.saturating_add(1);
        match line_kind(chars, at, line_end, width) {
            Line::Full => at = after,
            Line::Last => return BlockEnd::At(after),
            Line::Other => return BlockEnd::At(at),
        }
    }
    BlockEnd::Open
}

/// The characters of a text in one of the [`CodeUnits`] encodings,
/// read as ASCII bytes.
struct Chars<'t> {
    text: &'t [u8],
    units: CodeUnits,
    /// Bytes per code unit.
    width: usize,
}

impl<'t> Chars<'t> {
    fn new(text: &'t [u8], units: CodeUnits) -> Self {
        let width = match units {
            CodeUnits::Bytes => 1,
            CodeUnits::Utf16Le | CodeUnits::Utf16Be => 2,
        };
        Chars { text, units, width }
    }

    /// Returns the number of whole code units.
    fn len(&self) -> usize {
        self.text.len().checked_div(self.width).unwrap_or(0)
    }

    /// Returns the ASCII character at code unit `index`, or 0xFF for a
    /// unit outside ASCII or past the end.
    fn at(&self, index: usize) -> u8 {
        const OTHER: u8 = 0xFF;
        let pair = |first: usize| {
            let low = index.checked_mul(2)?;
            let unit = self.text.get(low..low.checked_add(2)?)?;
            let (&a, &b) = (unit.first()?, unit.get(1)?);
            Some(if first == 0 { (a, b) } else { (b, a) })
        };
        let ascii = match self.units {
            CodeUnits::Bytes => self.text.get(index).copied(),
            CodeUnits::Utf16Le => {
                pair(0).and_then(|(low, high)| (high == 0).then_some(low))
            }
            CodeUnits::Utf16Be => {
                pair(1).and_then(|(low, high)| (high == 0).then_some(low))
            }
        };
        ascii.filter(u8::is_ascii).unwrap_or(OTHER)
    }
}

/// The part a line plays in a block of lines `width` characters wide.
enum Line {
    Full,
    Last,
    Other,
}

/// Classifies the line `start..end` of `chars` in a block of lines
/// `width` characters wide. A line of that width counts as full without
/// a check of its characters, because the check would cost a pass over
/// each long block per chunk. At worst a chunk then runs on a little
/// further.
fn line_kind(chars: &Chars, start: usize, end: usize, width: usize) -> Line {
    let len = end.saturating_sub(start);
    let last = end.checked_sub(1).map(|i| chars.at(i));
    if len == width && last != Some(b'=') {
        return Line::Full;
    }
    let pad = (start..end)
        .rev()
        .take(2)
        .take_while(|&i| chars.at(i) == b'=')
        .count();
    let data_end = end.saturating_sub(pad);
    let all_base64 = (start..data_end).all(|i| is_base64(chars.at(i)));
    if len == 0 || len > width || !all_base64 {
        return Line::Other;
    }
    if len == width && pad == 0 {
        Line::Full
    } else {
        Line::Last
    }
}

/// Returns the width of the line that ends just before `cut`, when it is
/// a whole line of a wrapped base64 block.
fn full_line_before(chars: &Chars, cut: usize) -> Option<usize> {
    let newline = cut.checked_sub(1)?;
    if chars.at(newline) != b'\n' {
        return None;
    }
    let mut end = newline;
    if end > 0 && chars.at(end.saturating_sub(1)) == b'\r' {
        end = end.saturating_sub(1);
    }
    let widest = WRAP_WIDTHS.iter().copied().max().unwrap_or(0);
    let from = end.saturating_sub(widest.saturating_add(1));
    let start = (from..end)
        .rev()
        .find(|&i| chars.at(i) == b'\n')
        .map_or(from, |at| at.saturating_add(1));
    let whole = start > from || end <= widest;
    let len = end.saturating_sub(start);
    let full = whole
        && WRAP_WIDTHS.contains(&len)
        && (start..end).all(|i| is_base64(chars.at(i)));
    full.then_some(len)
}

/// Reports whether the line that ends just before `cut` is all hex
/// digits. The caller has found it a whole line of a block.
fn hex_line_before(chars: &Chars, cut: usize) -> bool {
    let mut end = cut.saturating_sub(1);
    if end > 0 && chars.at(end.saturating_sub(1)) == b'\r' {
        end = end.saturating_sub(1);
    }
    let start = end.saturating_sub(FONT_LINE_WIDTH);
    (start..end).all(|i| chars.at(i).is_ascii_hexdigit())
}

/// Reports whether the line that ends just before `cut` ends with the
/// PostScript operator `eexec` and blanks, as the line before a font's
/// encrypted part does.
fn follows_eexec(chars: &Chars, cut: usize) -> bool {
    const WORD: &[u8] = b"eexec";
    /// Maximum number of blanks read over after the word.
    const MAX_BLANKS: usize = 8;
    let Some(newline) = cut.checked_sub(1) else { return false };
    if chars.at(newline) != b'\n' {
        return false;
    }
    let blanks = (newline.saturating_sub(MAX_BLANKS)..newline)
        .rev()
        .take_while(|&i| matches!(chars.at(i), b' ' | b'\t' | b'\r'))
        .count();
    let word_end = newline.saturating_sub(blanks);
    let Some(word_start) = word_end.checked_sub(WORD.len()) else {
        return false;
    };
    let is_word =
        (word_start..word_end).map(|i| chars.at(i)).eq(WORD.iter().copied());
    let glued = word_start
        .checked_sub(1)
        .is_some_and(|i| chars.at(i).is_ascii_alphanumeric());
    is_word && !glued
}

fn is_base64(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'-' | b'_')
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn block(lines: usize, width: usize, last: &str, newline: &str) -> String {
        let full = "QUJD".repeat(width / 4);
        let mut text = String::new();
        for _ in 0..lines {
            text.push_str(&full);
            text.push_str(newline);
        }
        text.push_str(last);
        text.push_str(newline);
        text
    }

    #[test]
    fn cut_inside_block_moves_past_it() {
        for (width, newline) in [(76, "\r\n"), (64, "\n")] {
            let body = block(3, width, "QUI=", newline);
            let text = format!("head\n{body}tail\n");
            let line = width + newline.len();
            let cut = "head\n".len() + line;
            let end = "head\n".len() + body.len();
            assert_eq!(
                wrapped_base64_end(text.as_bytes(), cut, text.len()),
                BlockEnd::At(end),
                "{width}"
            );
        }
    }

    #[test]
    fn block_ended_by_other_line() {
        let body = block(2, 76, &"QUJD".repeat(19), "\n");
        let text = format!("{body}\nnext\n");
        // The last line is full too, and a blank line ends the block.
        let cut = 77;
        assert_eq!(
            wrapped_base64_end(text.as_bytes(), cut, text.len()),
            BlockEnd::At(body.len())
        );
    }

    #[test]
    fn plain_lines_keep_the_cut() {
        let text = b"one line\nanother line\n";
        assert_eq!(wrapped_base64_end(text, 9, text.len()), BlockEnd::At(9));
        // A 76-character line with a dot is no base64.
        let dotted = format!("{}.\nQUJD\n", "a".repeat(75));
        assert_eq!(
            wrapped_base64_end(dotted.as_bytes(), 77, dotted.len()),
            BlockEnd::At(77)
        );
        // A longer line ending in 76 base64 characters is no block line.
        let long = format!("x {}\nQUJD\n", "QUJD".repeat(19));
        assert_eq!(
            wrapped_base64_end(long.as_bytes(), 79, long.len()),
            BlockEnd::At(79)
        );
    }

    #[test]
    fn block_longer_than_a_token_keeps_the_cut() {
        let lines = MAX_TOKEN_LEN / 76 + 2;
        let text = block(lines, 76, "QUI=", "\n");
        assert_eq!(
            wrapped_base64_end(text.as_bytes(), 77, text.len()),
            BlockEnd::At(77)
        );
    }

    #[test]
    fn long_line_after_block_ends_block() {
        // The line after the cut is longer than a block line, and its
        // line feed lies past `limit`, so the block ends at the cut.
        let text = format!("{}\n{}", "QUJD".repeat(19), "x".repeat(500));
        assert_eq!(
            wrapped_base64_end(text.as_bytes(), 77, text.len()),
            BlockEnd::At(77)
        );
    }

    /// Returns `count` lines of 64 varied hex digits.
    fn hex_lines(count: usize) -> String {
        let mut text = String::new();
        for n in 0..count as u64 {
            let digits = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            text.push_str(&format!("{digits:016x}").repeat(4));
            text.push('\n');
        }
        text
    }

    #[test]
    fn cut_after_eexec_moves_past_font_data() {
        let head = "currentdict end\ncurrentfile eexec\n";
        let body = hex_lines(20) + "bd3c\n";
        let text = format!("{head}{body}cleartomark\n");
        assert_eq!(
            wrapped_base64_end(text.as_bytes(), head.len(), text.len()),
            BlockEnd::At(head.len() + body.len())
        );
        for other in ["currentfile noeexec\n", "eexec x\n", "% eexec.\n"] {
            let text = format!("{other}{body}");
            assert_eq!(
                wrapped_base64_end(text.as_bytes(), other.len(), text.len()),
                BlockEnd::At(other.len()),
                "{other:?}"
            );
        }
    }

    #[test]
    fn long_hex_block_ends_past_font_reach() {
        let lines = MAX_TOKEN_LEN / 65 + 20;
        let text = hex_lines(lines);
        let BlockEnd::At(end) =
            wrapped_base64_end(text.as_bytes(), 65, text.len())
        else {
            panic!("block end not found");
        };
        assert!(end > 65 + FONT_REACH, "{end}");
        assert_eq!(end % 65, 0);
    }

    fn utf16(text: &str, units: CodeUnits) -> Vec<u8> {
        let bytes: fn(u16) -> [u8; 2] = match units {
            CodeUnits::Utf16Le => u16::to_le_bytes,
            CodeUnits::Utf16Be => u16::to_be_bytes,
            CodeUnits::Bytes => unreachable!(),
        };
        text.encode_utf16().flat_map(bytes).collect()
    }

    #[test]
    fn utf16_cut_inside_block_moves_past_it() {
        for units in [CodeUnits::Utf16Le, CodeUnits::Utf16Be] {
            let body = block(3, 76, "QUI=", "\r\n");
            let text = format!("h\u{e9}ad\n{body}tail\n");
            let bytes = utf16(&text, units);
            let cut = 2 * ("h\u{e9}ad\n".chars().count() + 78);
            let end = 2 * ("h\u{e9}ad\n".chars().count() + body.len());
            assert_eq!(
                wrapped_base64_end_in(&bytes, units, cut, bytes.len()),
                BlockEnd::At(end),
                "{units:?}"
            );
            // A cut between the two bytes of a code unit stays put.
            assert_eq!(
                wrapped_base64_end_in(&bytes, units, cut + 1, bytes.len()),
                BlockEnd::At(cut + 1),
                "{units:?}"
            );
        }
    }

    #[test]
    fn utf16_line_outside_ascii_is_no_block_line() {
        // U+0141 has the low byte 0x41, `A`, in either byte order.
        let line = format!("{}\u{141}", "QUJD".repeat(18) + "QUJ");
        let text = format!("{line}\n{}\n", "QUJD".repeat(19));
        for units in [CodeUnits::Utf16Le, CodeUnits::Utf16Be] {
            let bytes = utf16(&text, units);
            assert_eq!(
                wrapped_base64_end_in(&bytes, units, 2 * 77, bytes.len()),
                BlockEnd::At(2 * 77),
                "{units:?}"
            );
        }
    }

    #[test]
    fn block_past_limit_is_open() {
        let body = block(5, 64, "QUI=", "\n");
        let text = format!("{body}tail\n");
        assert_eq!(
            wrapped_base64_end(text.as_bytes(), 65, 200),
            BlockEnd::Open
        );
        let unfinished = block(3, 64, &"QUJD".repeat(16), "\n");
        assert_eq!(
            wrapped_base64_end(unfinished.as_bytes(), 65, unfinished.len()),
            BlockEnd::Open
        );
        let cut_off = &unfinished.as_bytes()[..150];
        assert_eq!(wrapped_base64_end(cut_off, 65, 150), BlockEnd::Open);
    }
}
