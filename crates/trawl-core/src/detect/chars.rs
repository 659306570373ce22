//! Byte classes and UTF-8 helpers shared by the detectors.

/// A set of bytes as a lookup table, for membership tests in hot loops
/// (a `contains` on a byte string calls `memchr` for every byte).
#[derive(Clone, Copy)]
pub(crate) struct ByteSet([bool; 256]);

impl ByteSet {
    /// Builds the set of `members`, plus ASCII letters and digits when
    /// `alnum` is set.
    // Each index is a counter checked against the length it indexes or a
    // `u8` widened to `usize`, so none is out of range.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn new(members: &[u8], alnum: bool) -> ByteSet {
        let mut table = [false; 256];
        let mut i = 0;
        while i < members.len() {
            table[members[i] as usize] = true;
            i += 1;
        }
        if alnum {
            let mut b = 0;
            while b < 128 {
                if (b as u8).is_ascii_alphanumeric() {
                    table[b] = true;
                }
                b += 1;
            }
        }
        ByteSet(table)
    }

    /// Returns this set with `members` added.
    // Every index is a `u8` widened to `usize`, so it is below 256.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn with(self, members: &[u8]) -> ByteSet {
        let mut table = self.0;
        let mut i = 0;
        while i < members.len() {
            table[members[i] as usize] = true;
            i += 1;
        }
        ByteSet(table)
    }

    /// Reports whether `b` is in the set.
    #[inline]
    pub(crate) fn contains(&self, b: u8) -> bool {
        lookup(&self.0, b)
    }
}

/// Returns the entry for `byte` in a table with one entry per byte value.
#[inline(always)]
// A `u8` widened to `usize` is below 256, so the index cannot fail.
#[allow(clippy::indexing_slicing)]
pub(crate) fn lookup<T: Copy>(table: &[T; 256], byte: u8) -> T {
    table[usize::from(byte)]
}

/// Returns the position of the next `byte` at or after `from`. Detectors
/// call it with `from` past the token they just classified, so a dense
/// run of anchors inside one token costs one search, not one per anchor.
pub(crate) fn next_anchor(
    text: &[u8],
    byte: u8,
    from: usize,
) -> Option<usize> {
    let rest = text.get(from..)?;
    memchr::memchr(byte, rest).map(|found| from + found)
}

/// Decodes the UTF-8 char starting at `i`, returning it and its length.
pub(crate) fn char_at(text: &[u8], i: usize) -> Option<(char, usize)> {
    let first = *text.get(i)?;
    let len = match first {
        0x00..=0x7F => return Some((char::from(first), 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let bytes = text.get(i..i.checked_add(len)?)?;
    let c = std::str::from_utf8(bytes).ok()?.chars().next()?;
    Some((c, len))
}

/// Decodes the UTF-8 char ending just before `end`.
pub(crate) fn char_before(text: &[u8], end: usize) -> Option<(char, usize)> {
    let last = *text.get(end.checked_sub(1)?)?;
    if last < 0x80 {
        return Some((char::from(last), 1));
    }
    for len in 2..=4 {
        let Some(start) = end.checked_sub(len) else { break };
        let Some(&lead) = text.get(start) else { break };
        if lead & 0xC0 != 0x80 {
            return match char_at(text, start) {
                Some((c, l)) if l == len => Some((c, l)),
                _ => None,
            };
        }
    }
    None
}

/// Reports whether a non-ASCII char can be part of an internationalised
/// host-name label: letters, digits and combining marks, but no
/// punctuation, symbols or spaces.
pub(crate) fn is_idn_char(c: char) -> bool {
    !c.is_ascii()
        && (c.is_alphanumeric()
            || matches!(c, '\u{0300}'..='\u{036F}'
                | '\u{0483}'..='\u{0489}'
                | '\u{0591}'..='\u{05C7}'
                | '\u{0610}'..='\u{061A}'
                | '\u{064B}'..='\u{065F}'
                | '\u{0900}'..='\u{0903}'
                | '\u{093A}'..='\u{094F}'
                | '\u{0E31}'..='\u{0E3A}'
                | '\u{0E47}'..='\u{0E4E}'
                | '\u{200C}'..='\u{200D}'))
}

/// Reports whether a non-ASCII char ends a URL or a token: spaces,
/// quotation marks, brackets and the full-width punctuation that CJK text
/// puts around values.
pub(crate) fn is_unicode_terminator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00A0}'
                | '\u{00AB}'
                | '\u{00BB}'
                | '\u{2000}'..='\u{200B}'
                | '\u{2018}'..='\u{201F}'
                | '\u{2026}'
                | '\u{2039}'..='\u{203A}'
                | '\u{2060}'
                | '\u{3000}'..='\u{3011}'
                | '\u{3014}'..='\u{301F}'
                | '\u{FE50}'..='\u{FE6B}'
                | '\u{FEFF}'
                | '\u{FF01}'..='\u{FF0F}'
                | '\u{FF1A}'..='\u{FF20}'
                | '\u{FF3B}'..='\u{FF40}'
                | '\u{FF5B}'..='\u{FF65}'
                | '\u{FFFD}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_before_decodes_multibyte() {
        let text = "aж".as_bytes();
        assert_eq!(char_before(text, text.len()), Some(('ж', 2)));
        assert_eq!(char_before(text, 1), Some(('a', 1)));
        assert_eq!(char_before(b"\xff", 1), None);
        assert_eq!(char_before(b"\x80\x80", 2), None);
    }

    #[test]
    fn terminators_include_nbsp_and_curly_quotes() {
        assert!(is_unicode_terminator('\u{00A0}'));
        assert!(is_unicode_terminator('”'));
        assert!(is_unicode_terminator('＞'));
        assert!(!is_unicode_terminator('∕'));
        assert!(!is_unicode_terminator('ж'));
    }
}
