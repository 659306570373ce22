//! Byte classes and UTF-8 helpers shared by the detectors.

/// A set of bytes as a lookup table, for membership tests in hot loops
/// (a `contains` on a byte string calls `memchr` for every byte).
#[derive(Clone, Copy)]
pub(crate) struct ByteSet([bool; 256]);

impl ByteSet {
    /// Builds the set of `members`, plus ASCII letters and digits when
    /// `alnum` is set.
    // Each index is a counter checked against the length it indexes or a
    // `u8` widened to `usize`, so none is out of range. Cannot overflow:
    // the counters stop at `members.len()` and at 128.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
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
    // Cannot overflow: the counter stops at `members.len()`.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
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

/// The end of a path-like token after [`trim_token_end`].
pub(crate) struct TrimmedEnd {
    /// The new end.
    pub end: usize,
    /// False when the counted bytes open a bracket they do not close.
    pub balanced: bool,
}

/// Moves the end of a token that starts at `start` back over what
/// follows it in prose, never before `floor`. First it drops the `++`
/// that closes an AsciiDoc passthrough opened right before `start`. Then
/// it drops, one byte at a time, the bytes `trailing` accepts and the
/// closing brackets that have no opening partner from `counted` on.
pub(crate) fn trim_token_end(
    text: &[u8],
    (start, counted, floor): (usize, usize, usize),
    end: usize,
    trailing: impl Fn(u8) -> bool,
) -> TrimmedEnd {
    let key = text.get(counted..end).unwrap_or_default();
    let mut surplus = [(b')', 0isize), (b']', 0), (b'}', 0)];
    // Most tokens contain no bracket, and testing eight bytes at a time
    // for one is cheaper than the match below on every byte.
    let counted_bytes = if has_bracket(key) { key } else { &[] };
    for &byte in counted_bytes {
        let (slot, step) = match byte {
            b'(' => (0, -1),
            b')' => (0, 1),
            b'[' => (1, -1),
            b']' => (1, 1),
            b'{' => (2, -1),
            b'}' => (2, 1),
            _ => continue,
        };
        if let Some((_, count)) = surplus.get_mut(slot) {
            *count = count.saturating_add(step);
        }
    }

    let mut end = end;
    let passthrough = b"++";
    let opened = start
        .checked_sub(2)
        .and_then(|s| text.get(s..start))
        .is_some_and(|before| before == passthrough);
    if opened
        && end >= floor.saturating_add(2)
        && text.get(end.saturating_sub(2)..end) == Some(&passthrough[..])
    {
        end = end.saturating_sub(2);
    }

    while end > floor {
        let Some(&last) = end.checked_sub(1).and_then(|i| text.get(i)) else {
            break;
        };
        let trimmed = trailing(last)
            || match surplus.iter_mut().find(|(b, _)| *b == last) {
                Some((_, count)) if *count > 0 => {
                    *count = count.saturating_sub(1);
                    true
                }
                _ => false,
            };
        if !trimmed {
            break;
        }
        end = end.saturating_sub(1);
    }
    let balanced = surplus.iter().all(|&(_, count)| count >= 0);
    TrimmedEnd { end, balanced }
}

/// Reports whether `bytes` contains `(`, `)`, `[`, `]`, `{` or `}`.
fn has_bracket(bytes: &[u8]) -> bool {
    let words = bytes.chunks_exact(WORD_LEN);
    let tail = words.remainder();
    let in_words = words
        .map(|word| word.try_into().map_or(0, u64::from_le_bytes))
        .any(|word| bracket_bytes(word) != 0);
    in_words || tail.iter().any(|b| b"()[]{}".contains(b))
}

/// Returns a word that is not zero exactly when a byte of `word` is a
/// bracket. `(` and `)` differ only in bit 0, and `[` and `{`, like `]`
/// and `}`, only in bit 5, so three masked compares cover the six.
fn bracket_bytes(word: u64) -> u64 {
    let round = (word & splat(0xfe)) ^ splat(b'(');
    let square_open = (word & splat(0xdf)) ^ splat(b'[');
    let square_close = (word & splat(0xdf)) ^ splat(b']');
    zero_bytes(round) | zero_bytes(square_open) | zero_bytes(square_close)
}

/// Returns a word that is not zero exactly when a byte of `word` is
/// zero. The borrow of the subtraction sets bit 7 of the lowest zero
/// byte, and a byte with bit 7 set of its own is masked out.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(splat(0x01)) & !word & HIGH_BITS
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
    memchr::memchr(byte, rest).and_then(|found| from.checked_add(found))
}

/// Eight copies of a byte.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const LOW_SEVEN_BITS: u64 = splat(0x7f);
pub(crate) const HIGH_BITS: u64 = splat(0x80);

/// Returns `word` with bit 7 of each byte set exactly when that byte is an
/// ASCII letter or digit, and every other bit clear.
// Cannot overflow: see the per-byte bound below.
#[allow(clippy::arithmetic_side_effects)]
pub(crate) fn alnum_bytes(word: u64) -> u64 {
    // Each sum below stays under 0x100 per byte, so no carry crosses into
    // the next byte, and bit 7 of `seven + (0x80 - lo)` is set exactly
    // when the low seven bits are at least `lo`.
    let seven = word & LOW_SEVEN_BITS;
    let at_least = |value: u64, lo: u8| value + splat(0x80 - lo);
    let digit = at_least(seven, b'0') & !at_least(seven, b'9' + 1);
    let folded = seven | splat(0x20);
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    (digit | letter) & !word & HIGH_BITS
}

/// Bytes read by one word test of the long-run scan.
const WORD_LEN: usize = 8;

/// Reports whether the 8 bytes at `from` are all ASCII letters or digits.
fn alnum_word_at(text: &[u8], from: usize) -> bool {
    text.get(from..)
        .and_then(<[u8]>::first_chunk::<WORD_LEN>)
        .is_some_and(|w| alnum_bytes(u64::from_le_bytes(*w)) == HIGH_BITS)
}

/// Calls `visit` with the start and end of every maximal run of ASCII
/// letters and digits of `min_len` or more bytes, in order. `min_len`
/// must be at least 17.
///
/// The scan probes one byte in every `min_len`, because such a run
/// always contains a probed byte, as the hash detector does. A probe
/// first tests the 8 bytes after it and the 8 bytes before it as two
/// words: a run of 17 or more contains one of them, and most bytes of prose
/// fail both. A run is then measured a word at a time, and the scan
/// resumes after it, so each byte is read a bounded number of times.
pub(crate) fn for_each_long_run(
    text: &[u8],
    min_len: usize,
    mut visit: impl FnMut(usize, usize),
) {
    // Invariant: `text[next - 1]` is not alphanumeric, or lies in a run
    // shorter than 17 that ends before the next probe (or `next` is 0).
    // Every position below is at most `text.len()`, so the saturating
    // steps never saturate.
    let mut next: usize = 0;
    while let Some(probe) = next.checked_add(min_len.saturating_sub(1)) {
        let Some(&byte) = text.get(probe) else { break };
        let long = byte.is_ascii_alphanumeric()
            && (alnum_word_at(text, probe.saturating_add(1))
                || probe.checked_sub(WORD_LEN).is_some_and(|from| {
                    from >= next && alnum_word_at(text, from)
                }));
        if !long {
            next = probe.saturating_add(1);
            continue;
        }
        let start = run_start(text, next, probe);
        let end = run_end(text, probe);
        if end.saturating_sub(start) >= min_len {
            visit(start, end);
        }
        next = end.saturating_add(1);
    }
}

/// Returns the start of the alphanumeric run that ends at `end`, not
/// before `floor`.
fn run_start(text: &[u8], floor: usize, end: usize) -> usize {
    let mut start = end;
    while start >= floor.saturating_add(WORD_LEN)
        && alnum_word_at(text, start.saturating_sub(WORD_LEN))
    {
        start = start.saturating_sub(WORD_LEN);
    }
    let rest = text.get(floor..start).unwrap_or_default();
    let tail = rest.iter().rev().take_while(|b| b.is_ascii_alphanumeric());
    start.saturating_sub(tail.count())
}

/// Returns the end of the alphanumeric run that contains `at`.
fn run_end(text: &[u8], at: usize) -> usize {
    let mut end = at;
    while alnum_word_at(text, end) {
        end = end.saturating_add(WORD_LEN);
    }
    let rest = text.get(end..).unwrap_or_default();
    end.saturating_add(
        rest.iter().take_while(|b| b.is_ascii_alphanumeric()).count(),
    )
}

/// Bytes marked per step of `for_each_marked`: small enough for the
/// window and the marks to stay in the L1 cache.
const MARK_BLOCK: usize = 4096;

/// The farthest byte after an offset that a mark reads.
const MARK_REACH: usize = 5;

/// Calls `visit` with every offset `i` whose mark is not zero, and the
/// mark, in increasing order. The mark is `mark(text[i - 1], text[i],
/// text[i + 1], text[i + 3], text[i + 5])`, with 0 for a byte outside the
/// text. `visit` returns the offset to resume from, and
/// marks before it are skipped.
///
/// The marks of a block are computed in one loop over copies of the
/// bytes, which the compiler turns into vector compares when `mark` uses
/// only comparisons, `&`, `|` and shifts, and are then read eight at a
/// time. So a detector whose anchor byte is common (`:`, `T`, `\\`)
/// pays a few instructions per kilobyte instead of a search call per
/// anchor, and several detectors can share one pass by giving each a
/// bit of the mark.
pub(crate) fn for_each_marked(
    text: &[u8],
    mark: impl Fn(u8, u8, u8, u8, u8) -> u8,
    mut visit: impl FnMut(usize, u8) -> usize,
) {
    let block_len = text.len().min(MARK_BLOCK);
    // One byte before the block, the block, and the reach after it.
    let mut window =
        vec![0u8; block_len.saturating_add(MARK_REACH).saturating_add(1)];
    let mut marks = vec![0u8; block_len.next_multiple_of(8)];
    let mut resume: usize = 0;
    let block_starts = (0..text.len()).step_by(MARK_BLOCK);
    for (start, block) in block_starts.zip(text.chunks(MARK_BLOCK)) {
        fill_window(&mut window, text, start, block.len());
        let around = |skip: usize| window.get(skip..).unwrap_or_default();
        let padded = block.len().next_multiple_of(8);
        let marked_len = block.len().min(marks.len());
        let (block_marks, padding) = marks.split_at_mut(marked_len);
        for (((((slot, &previous), &byte), &next), &third), &fifth) in
            block_marks
                .iter_mut()
                .zip(around(0))
                .zip(around(1))
                .zip(around(2))
                .zip(around(4))
                .zip(around(6))
        {
            *slot = mark(previous, byte, next, third, fifth);
        }
        padding.fill(0);
        let words = marks.get(..padded).unwrap_or_default().chunks_exact(8);
        for (word_start, word) in (start..).step_by(8).zip(words) {
            let mut bits = word.try_into().map_or(0, u64::from_le_bytes);
            while bits != 0 {
                let low_bit = bits.trailing_zeros();
                // Clears the whole byte of the lowest set bit.
                bits &= !0xffu64.checked_shl(low_bit & !7).unwrap_or(0);
                let lane = (low_bit / 8) as usize;
                let at = word_start.saturating_add(lane);
                let value = word.get(lane).copied().unwrap_or(0);
                if at >= resume {
                    resume = visit(at, value);
                }
            }
        }
    }
}

/// Copies into `window` the byte before the block of `len` bytes at
/// `start`, the block, and `MARK_REACH` bytes after it, padding with 0
/// past the end of the text.
fn fill_window(window: &mut [u8], text: &[u8], start: usize, len: usize) {
    let Some((first, rest)) = window.split_first_mut() else { return };
    let before = start.checked_sub(1).and_then(|i| text.get(i));
    *first = before.copied().unwrap_or(0);
    let end = start.saturating_add(len).saturating_add(MARK_REACH);
    let copied = text.get(start..end.min(text.len())).unwrap_or_default();
    let (head, tail) = rest.split_at_mut(copied.len().min(rest.len()));
    head.copy_from_slice(copied.get(..head.len()).unwrap_or_default());
    // Only the last block reaches past the end of the text.
    tail.fill(0);
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
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn has_bracket_finds_each_byte_at_each_lane() {
        for b in 0..=255u8 {
            let expected = b"()[]{}".contains(&b);
            for at in 0..19 {
                let mut bytes = [b'a'; 19];
                bytes[at] = b;
                assert_eq!(has_bracket(&bytes), expected, "{b:#x} at {at}");
            }
        }
    }

    #[test]
    fn trim_token_end_cases() {
        let dot = |b| b == b'.';
        // (text, token start, expected end, expected balance)
        let cases: [(&str, usize, usize, bool); 5] = [
            (r"see C:\a\b.", 4, 10, true),
            (r"(C:\a\b).", 1, 7, true),
            (r"C:\a(1)).", 0, 7, true),
            (r"++C:\a\b++", 2, 8, true),
            (r"C:\a\{b,c}", 0, 10, true),
        ];
        for (text, start, end, balanced) in cases {
            let bounds = (start, start, start.saturating_add(3));
            let trimmed =
                trim_token_end(text.as_bytes(), bounds, text.len(), dot);
            assert_eq!(trimmed.end, end, "{text}");
            assert_eq!(trimmed.balanced, balanced, "{text}");
        }
        let open = trim_token_end(br"C:\{a", (0, 0, 3), 5, dot);
        assert!(!open.balanced);
    }

    #[test]
    fn char_before_decodes_multibyte() {
        let text = "aж".as_bytes();
        assert_eq!(char_before(text, text.len()), Some(('ж', 2)));
        assert_eq!(char_before(text, 1), Some(('a', 1)));
        assert_eq!(char_before(b"\xff", 1), None);
        assert_eq!(char_before(b"\x80\x80", 2), None);
    }

    /// Returns the offsets and marks `for_each_marked` visits when
    /// `visit` resumes at the next byte.
    fn marked(
        text: &[u8],
        mark: impl Fn(u8, u8, u8, u8, u8) -> u8,
    ) -> Vec<(usize, u8)> {
        let mut found = Vec::new();
        for_each_marked(text, mark, |at, value| {
            found.push((at, value));
            at + 1
        });
        found
    }

    #[test]
    fn marked_offsets_match_plain_scan() {
        let mark = |previous: u8, byte: u8, next: u8, third: u8, fifth: u8| {
            u8::from((byte == b':') & (third == b':'))
                | u8::from((previous == b'e') & (fifth == 0)) << 1
                | u8::from((byte == b'a') & (next == b'b')) << 2
        };
        // Lengths around the block size put matches across block edges.
        for len in [0, 1, 5, MARK_BLOCK - 1, MARK_BLOCK, 2 * MARK_BLOCK + 3] {
            let text: Vec<u8> = (0..len).map(|i| b"ab:cd:ef"[i % 8]).collect();
            let at = |j: usize| text.get(j).copied().unwrap_or(0);
            let expected: Vec<(usize, u8)> = (0..len)
                .map(|i| {
                    let previous = i.checked_sub(1).map_or(0, at);
                    (i, mark(previous, at(i), at(i + 1), at(i + 3), at(i + 5)))
                })
                .filter(|&(_, value)| value != 0)
                .collect();
            assert_eq!(marked(&text, mark), expected, "len {len}");
        }
    }

    /// Finds the long runs the plain way, as a model for
    /// `for_each_long_run`.
    fn plain_long_runs(text: &[u8], min_len: usize) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            if !text[pos].is_ascii_alphanumeric() {
                pos += 1;
                continue;
            }
            let len = text[pos..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if len >= min_len {
                runs.push((pos, pos + len));
            }
            pos += len;
        }
        runs
    }

    fn long_runs(text: &[u8], min_len: usize) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        for_each_long_run(text, min_len, |start, end| runs.push((start, end)));
        runs
    }

    #[test]
    fn long_runs_at_every_alignment() {
        for len in [16, 17, 69, 70, 71, 95, 200] {
            for pad in 0..80 {
                let text = format!(
                    "{}{} ab cd{}",
                    "x y ".repeat(pad / 4) + &" ".repeat(pad % 4),
                    "a".repeat(len),
                    " z".repeat(pad)
                );
                let text = text.as_bytes();
                assert_eq!(
                    long_runs(text, 70),
                    plain_long_runs(text, 70),
                    "len {len} pad {pad}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn long_runs_match_plain_scan(
            text in "([a-z0-9]{1,90}|[ .:-]{1,3}){0,30}",
            min_len in 17usize..100,
        ) {
            let text = text.as_bytes();
            proptest::prop_assert_eq!(
                long_runs(text, min_len),
                plain_long_runs(text, min_len)
            );
        }
    }

    #[test]
    fn marked_offsets_skip_to_resume() {
        let text = b"x:x:x:x:x:x";
        let mut found = Vec::new();
        let colon = |_, byte: u8, _, _, _| u8::from(byte == b':');
        for_each_marked(text, colon, |at, _| {
            found.push(at);
            at + 4
        });
        assert_eq!(found, [1, 5, 9]);
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
