//! Cut points of chunks and blocks that keep a wrapped base64 block
//! whole, as the base64 detector reads it across its line breaks.

use crate::detect::base64::{MAX_TOKEN_LEN, WRAP_WIDTHS};

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

/// Returns where the wrapped base64 block that a cut at `cut` would split
/// ends. `cut` must follow a line feed. A block runs across the cut when
/// the line before it is a whole line of a block: 64 or 76 base64
/// characters without padding. It then takes every following line of
/// that width and ends after the first shorter or padded line. The walk
/// stops at `limit`, and at the longest token the detector reads: a
/// longer block is skipped anyway, so it may be cut anywhere.
pub fn wrapped_base64_end(text: &[u8], cut: usize, limit: usize) -> BlockEnd {
    let Some(width) = full_line_before(text, cut) else {
        return BlockEnd::At(cut);
    };
    let longest = cut.saturating_add(MAX_TOKEN_LEN);
    let limit = limit.min(text.len());
    let mut at = cut;
    while at < limit {
        if at > longest {
            return BlockEnd::At(cut);
        }
        let rest = text.get(at..limit).unwrap_or_default();
        let Some(line_len) = memchr::memchr(b'\n', rest) else {
            return BlockEnd::Open;
        };
        let line = rest.get(..line_len).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let after = at.saturating_add(line_len).saturating_add(1);
        match line_kind(line, width) {
            Line::Full => at = after,
            Line::Last => return BlockEnd::At(after),
            Line::Other => return BlockEnd::At(at),
        }
    }
    BlockEnd::Open
}

/// The part a line plays in a block of lines `width` characters wide.
enum Line {
    Full,
    Last,
    Other,
}

/// Classifies `line` in a block of lines `width` characters wide. A line
/// of that width counts as full without a check of its characters,
/// because the check would cost a pass over each long block per chunk.
/// At worst a chunk then runs on a little further.
fn line_kind(line: &[u8], width: usize) -> Line {
    if line.len() == width && line.last() != Some(&b'=') {
        return Line::Full;
    }
    let pad = line.iter().rev().take(2).take_while(|&&b| b == b'=').count();
    let data = line.get(..line.len().saturating_sub(pad)).unwrap_or(line);
    if line.is_empty() || line.len() > width || !data.iter().all(is_base64) {
        return Line::Other;
    }
    if line.len() == width && pad == 0 {
        Line::Full
    } else {
        Line::Last
    }
}

/// Returns the width of the line that ends just before `cut`, when it is
/// a whole line of a wrapped base64 block.
fn full_line_before(text: &[u8], cut: usize) -> Option<usize> {
    let head = text.get(..cut.checked_sub(1)?)?;
    if text.get(cut.checked_sub(1)?) != Some(&b'\n') {
        return None;
    }
    let head = head.strip_suffix(b"\r").unwrap_or(head);
    let widest = WRAP_WIDTHS.iter().copied().max().unwrap_or(0);
    let window =
        head.get(head.len().saturating_sub(widest.saturating_add(1))..)?;
    let start =
        memchr::memrchr(b'\n', window).map_or(0, |at| at.saturating_add(1));
    let line = window.get(start..)?;
    let whole = start > 0 || head.len() <= widest;
    let full = whole
        && WRAP_WIDTHS.contains(&line.len())
        && line.iter().all(is_base64);
    full.then_some(line.len())
}

fn is_base64(byte: &u8) -> bool {
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
