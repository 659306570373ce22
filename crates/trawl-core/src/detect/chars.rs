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

    /// Returns the set of the bytes that are not in this one.
    // Every index is below 256. Cannot overflow: the counter stops at
    // 256.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn complement(self) -> ByteSet {
        let mut table = self.0;
        let mut b = 0;
        while b < 256 {
            table[b] = !table[b];
            b += 1;
        }
        ByteSet(table)
    }

    /// Returns this set with every byte from 0x80 to 0xFF added.
    // Every index is below 256. Cannot overflow: the counter stops at
    // 256.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn with_non_ascii(self) -> ByteSet {
        let mut table = self.0;
        let mut b = 0x80;
        while b < 256 {
            table[b] = true;
            b += 1;
        }
        ByteSet(table)
    }

    /// Returns the index of the first byte of `bytes` that is in the set.
    /// Four bytes are looked up per step with one branch, which costs
    /// fewer instructions than a branch per byte on runs of a few dozen
    /// bytes (steps of 8 and 16 bytes cost more on URLs).
    pub(crate) fn first_in(&self, bytes: &[u8]) -> Option<usize> {
        let mut chunks = bytes.chunks_exact(4);
        let mut offset: usize = 0;
        for chunk in &mut chunks {
            if chunk.iter().fold(false, |hit, &b| hit | self.contains(b)) {
                let found = chunk.iter().position(|&b| self.contains(b));
                return found.map(|i| offset.saturating_add(i));
            }
            // `offset` stays below `bytes.len()`, so it cannot saturate.
            offset = offset.saturating_add(4);
        }
        let found = chunks.remainder().iter().position(|&b| self.contains(b));
        found.map(|i| offset.saturating_add(i))
    }

    /// Reports whether `b` is in the set.
    #[inline]
    // A `u8` widened to `usize` is below 256, so the index cannot fail.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn contains(&self, b: u8) -> bool {
        self.0[b as usize]
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

const HIGH_BITS: u64 = splat(0x80);

/// Bytes that `alnum_prefix_len` tests at once.
const WORD_LEN: usize = 8;

/// Returns the number of ASCII letters and digits at the start of
/// `bytes`, all of which must be in `[A-Za-z0-9+/=_-]`, as the bytes of a
/// run from [`base64_runs`] are. Eight bytes are tested at a time.
pub(crate) fn alnum_prefix_len(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(WORD_LEN);
    // Counts at most `bytes.len()`, so the sums cannot saturate.
    let mut len: usize = 0;
    for word in &mut words {
        let word = word.try_into().map_or(0, u64::from_le_bytes);
        let signs = sign_bytes(word);
        if signs != 0 {
            return len.saturating_add(signs.trailing_zeros() as usize / 8);
        }
        len = len.saturating_add(WORD_LEN);
    }
    // The last bytes are tested as one word too, padded with a sign.
    let mut last = [b'='; WORD_LEN];
    for (slot, &byte) in last.iter_mut().zip(words.remainder()) {
        *slot = byte;
    }
    let signs = sign_bytes(u64::from_le_bytes(last));
    len.saturating_add(signs.trailing_zeros() as usize / 8)
}

/// Returns `word` with bit 7 of each byte set exactly when that byte is
/// one of `+/=_-`, given that every byte is in `[A-Za-z0-9+/=_-]`.
// Cannot overflow: see the per-byte bounds below.
#[allow(clippy::arithmetic_side_effects)]
fn sign_bytes(word: u64) -> u64 {
    // In that class, `+`, `-` and `/` are the bytes below `0`, and `=`
    // and `_` the only ones whose low five bits exceed 26 (letters have
    // 1 to 26, digits 16 to 25). Every byte is below 0x80, so neither
    // sum carries into the next byte: bit 7 of `byte + 0x50` is set
    // when the byte is at least `0`, and of `low + 0x65` when `low`
    // is at least 27.
    let at_least_zero = word + splat(0x50);
    let high_low_bits = (word & splat(0x1f)) + splat(0x65);
    (!at_least_zero | high_low_bits) & HIGH_BITS
}

/// Calls `visit` with the start and end of every maximal run of ASCII
/// letters and digits of `min_len` or more bytes, in order. `runs` are
/// the text's runs as [`base64_runs`] returns them: each such run lies
/// inside one of them, as `min_len` must be at least
/// [`BASE64_RUN_MIN_LEN`], so only those long enough are read.
pub(crate) fn for_each_long_run(
    text: &[u8],
    runs: &[(usize, usize)],
    min_len: usize,
    mut visit: impl FnMut(usize, usize),
) {
    debug_assert!(min_len >= BASE64_RUN_MIN_LEN);
    for &(start, end) in runs {
        if end.saturating_sub(start) < min_len {
            continue;
        }
        let Some(run) = text.get(start..end) else { continue };
        // Each piece of the run is followed by one byte that is not
        // alphanumeric, or by its end. Offsets stay within the run, so
        // nothing saturates.
        let mut from: usize = 0;
        while let Some(rest) = run.get(from..) {
            if rest.len() < min_len {
                break;
            }
            let len = alnum_prefix_len(rest);
            if len >= min_len {
                let piece_start = start.saturating_add(from);
                visit(piece_start, piece_start.saturating_add(len));
            }
            from = from.saturating_add(len).saturating_add(1);
        }
    }
}

/// Returns the bounds of every maximal run of `[A-Za-z0-9+/=_-]` at
/// least [`BASE64_RUN_MIN_LEN`] long, in order. These are the runs the
/// base64 detector reads, and every alphanumeric token of that length
/// lies inside one, so the address detectors read them too instead of
/// scanning the text again.
// The scanner fills a kept list with `base64_runs_into`, and the
// detectors' own tests call this.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn base64_runs(text: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    base64_runs_into(text, &mut runs);
    runs
}

/// Replaces the contents of `runs` with the runs of [`base64_runs`], so
/// that a caller can keep the list's memory from one text to the next.
// Out of line so that profiles show the walk's cost under its name.
#[inline(never)]
pub(crate) fn base64_runs_into(text: &[u8], runs: &mut Vec<(usize, usize)>) {
    runs.clear();
    for_each_base64_run(text, |start, end| runs.push((start, end)));
}

/// Shortest run that [`base64_runs`] reports: a padded base64 token (or
/// the lines of a wrapped one) may be that short, and every other token
/// read from the runs is longer.
pub(crate) const BASE64_RUN_MIN_LEN: usize = 12;

/// Calls `visit` with the bounds of every maximal run of
/// `[A-Za-z0-9+/=_-]` at least [`BASE64_RUN_MIN_LEN`] long, in order.
///
/// The text is read in blocks of 64 bytes, each turned into a bit mask of
/// class membership without branching. Runs inside a block are walked one
/// by one only when the mask holds a long enough stretch of ones, which in
/// prose is rare, so most blocks cost one mask and a few bit operations.
// Cannot overflow: `base` is the offset of a block in the text.
#[allow(clippy::arithmetic_side_effects)]
fn for_each_base64_run(text: &[u8], mut visit: impl FnMut(usize, usize)) {
    // Length of the run that reaches the end of the previous block.
    let mut open_len: usize = 0;
    let mut blocks = text.chunks_exact(RUN_BLOCK);
    let mut base: usize = 0;
    for block in &mut blocks {
        let mask = class_mask(block);
        open_len = walk_block(mask, base, open_len, &mut visit);
        base += RUN_BLOCK;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        // Bytes past the end read as NUL, which is outside the class.
        let mut padded = [0u8; RUN_BLOCK];
        for (slot, &byte) in padded.iter_mut().zip(tail) {
            *slot = byte;
        }
        open_len = walk_block(class_mask(&padded), base, open_len, &mut visit);
    }
    if open_len >= BASE64_RUN_MIN_LEN {
        visit(text.len().saturating_sub(open_len), text.len());
    }
}

/// Bytes per block in [`for_each_base64_run`], one per bit of a `u64`.
const RUN_BLOCK: usize = 64;

/// Visits the runs that end in the block at `base` with class mask
/// `mask`, given the length `open_len` of the run that reaches the start
/// of the block (0 when none does). Returns the length of the run that
/// reaches the end of the block.
// Cannot overflow: a run length never exceeds the offset it ends at,
// so `base - open_len` and every sum below stay within the text.
// Plain operators here spare a block the conditional moves of
// saturating ones.
#[allow(clippy::arithmetic_side_effects)]
#[inline(always)]
fn walk_block(
    mask: u64,
    base: usize,
    open_len: usize,
    visit: &mut impl FnMut(usize, usize),
) -> usize {
    if mask == u64::MAX {
        return open_len + RUN_BLOCK;
    }
    // The low ones end the open run, or start the block's first run when
    // none is open, and either way that run starts at `base - open_len`.
    let low = mask.trailing_ones() as usize;
    if open_len + low >= BASE64_RUN_MIN_LEN {
        visit(base - open_len, base + low);
    }
    // Adding one clears the trailing ones and sets the bit above them.
    visit_block_runs(mask & mask.wrapping_add(1), base, visit);
    mask.leading_ones() as usize
}

/// Returns bit `i` set when byte `i` of `block` is in `[A-Za-z0-9+/=_-]`.
/// Only the first [`RUN_BLOCK`] bytes are read, and bytes past the end of
/// a shorter block count as outside.
///
/// The byte test is plain comparisons over a fixed-size array, so the
/// compiler turns it into vector instructions (SSE2 on x86-64), where a
/// table lookup per byte would stay scalar. Byte `i` keeps its flag in
/// bit `i / 8`, so that an OR of the block's eight 8-byte words still
/// holds every flag: bit `k` of byte `j` is the flag of byte `8 k + j`.
/// Transposing that 8 by 8 bit matrix gives the mask. With rustc 1.95
/// on x86-64, a standalone build of this function took 128
/// instructions, where gathering each 8-byte word with a multiplication
/// took 143.
// Cannot overflow: `i / 8` is below 8 for the 64 bytes of a block.
#[allow(clippy::arithmetic_side_effects)]
#[inline(always)]
fn class_mask(block: &[u8]) -> u64 {
    let mut flags = [0u8; RUN_BLOCK];
    for (i, (flag, &byte)) in flags.iter_mut().zip(block).enumerate() {
        *flag = u8::from(is_class_byte(byte)) << (i / 8);
    }
    let mut columns = 0;
    for group in flags.chunks_exact(8) {
        let word = <[u8; 8]>::try_from(group).unwrap_or_default();
        columns |= u64::from_le_bytes(word);
    }
    transpose_bits(columns)
}

/// Transposes `x` read as an 8 by 8 bit matrix whose row `j` is byte
/// `j`: bit `k` of byte `j` moves to bit `j` of byte `k`. Each step swaps
/// the off-diagonal blocks of one size, 1, 2 and then 4 bits wide.
fn transpose_bits(x: u64) -> u64 {
    let t = (x ^ x >> 7) & 0x00AA_00AA_00AA_00AA;
    let x = x ^ t ^ t << 7;
    let t = (x ^ x >> 14) & 0x0000_CCCC_0000_CCCC;
    let x = x ^ t ^ t << 14;
    let t = (x ^ x >> 28) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ t << 28
}

/// Reports whether `byte` is in `[A-Za-z0-9+/=_-]`. It uses comparisons
/// and no branches so that [`class_mask`] vectorises.
fn is_class_byte(byte: u8) -> bool {
    // Setting bit 5 maps `A..=Z` onto `a..=z` and moves nothing else into
    // that range.
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    // `/` comes right before `0`.
    let slash_or_digit = byte.wrapping_sub(b'/') < 11;
    let others = (byte == b'+') | (byte == b'-') | (byte == b'=');
    letter | slash_or_digit | others | (byte == b'_')
}

/// Returns bit `i` set when bits `i..i + BASE64_RUN_MIN_LEN` of `mask` are
/// all set, so the lowest set bit of each group starts a long run.
fn long_run_starts(mask: u64) -> u64 {
    const _: () = assert!(BASE64_RUN_MIN_LEN == 12);
    // Bit `i` of `ones_k` is set when bits `i..i + k` of `mask` all are.
    let ones_2 = mask & mask >> 1;
    let ones_4 = ones_2 & ones_2 >> 2;
    let ones_8 = ones_4 & ones_4 >> 4;
    ones_8 & ones_4 >> 8
}

/// Visits the long runs in one block's `mask`, except one that reaches
/// the top bit and so continues into the next block.
// Cannot overflow: `start + len` is at most 64, and `base` plus an
// offset in its block lies within the text.
#[allow(clippy::arithmetic_side_effects)]
fn visit_block_runs(
    mask: u64,
    base: usize,
    visit: &mut impl FnMut(usize, usize),
) {
    let mut starts = long_run_starts(mask);
    while starts != 0 {
        let start = starts.trailing_zeros() as usize;
        let len = (mask >> start).trailing_ones() as usize;
        let end = start + len;
        if end >= RUN_BLOCK {
            return;
        }
        visit(base + start, base + end);
        // The other starts in this run lie below `end`, which is below 64.
        starts &= u64::MAX << end;
    }
}

/// Bytes marked per step of `for_each_marked`: small enough for the
/// window and the marks to stay in the L1 cache.
const MARK_BLOCK: usize = 4096;

/// The farthest byte before an offset that a mark reads.
const MARK_BEFORE: usize = 2;

/// The farthest byte after an offset that a mark reads.
const MARK_REACH: usize = 6;

/// Calls `visit` with every offset `i` whose mark is not zero, and the
/// mark, in increasing order. The mark of `i` is `mark` of the bytes at
/// `i - 2`, `i - 1`, `i`, `i + 1`, `i + 3`, `i + 5` and `i + 6`, with 0
/// for a byte outside the text. `visit` returns the offset to resume
/// from, and marks before it are skipped.
///
/// The marks of a block are computed in one loop over copies of the
/// bytes, which the compiler turns into vector compares when `mark` uses
/// only comparisons, `&`, `|` and shifts. Groups of [`MARK_GROUP`] marks
/// are then tested for any that is set, and only the groups that have
/// one are read eight marks at a time. So a detector whose anchor byte
/// is common (`:`, `T`, `\\`) pays a few instructions per kilobyte
/// instead of a search call per anchor, and several detectors can share
/// one pass by giving each a bit of the mark.
// Out of line so that profiles show the pass's cost under its name.
#[inline(never)]
pub(crate) fn for_each_marked(
    text: &[u8],
    mark: impl Fn(u8, u8, u8, u8, u8, u8, u8) -> u8,
    mut visit: impl FnMut(usize, u8) -> usize,
) {
    let block_len = text.len().min(MARK_BLOCK);
    // The bytes before the block, the block, and the reach after it.
    let window_len = MARK_BEFORE.saturating_add(block_len);
    let mut window = vec![0u8; window_len.saturating_add(MARK_REACH)];
    let mut marks = vec![0u8; block_len.next_multiple_of(MARK_GROUP)];
    let mut resume: usize = 0;
    let block_starts = (0..text.len()).step_by(MARK_BLOCK);
    for (start, block) in block_starts.zip(text.chunks(MARK_BLOCK)) {
        fill_window(&mut window, text, start, block.len());
        let around = |skip: usize| window.get(skip..).unwrap_or_default();
        let padded = block.len().next_multiple_of(MARK_GROUP);
        let marked_len = block.len().min(marks.len());
        let (block_marks, padding) = marks.split_at_mut(marked_len);
        for (
            (
                (
                    ((((slot, &before_previous), &previous), &byte), &next),
                    &third,
                ),
                &fifth,
            ),
            &sixth,
        ) in block_marks
            .iter_mut()
            .zip(around(0))
            .zip(around(1))
            .zip(around(2))
            .zip(around(3))
            .zip(around(5))
            .zip(around(7))
            .zip(around(8))
        {
            *slot = mark(
                before_previous,
                previous,
                byte,
                next,
                third,
                fifth,
                sixth,
            );
        }
        padding.fill(0);
        let (groups, _) =
            marks.get(..padded).unwrap_or_default().as_chunks::<MARK_GROUP>();
        for (index, group) in groups.iter().enumerate() {
            // Most groups hold no mark, and the compiler tests a group
            // with a few vector instructions.
            if group.iter().fold(0, |any, &value| any | value) == 0 {
                continue;
            }
            let group_start =
                start.saturating_add(index.saturating_mul(MARK_GROUP));
            visit_group(group, group_start, &mut resume, &mut visit);
        }
    }
}

/// Marks tested at once for any that is not zero: four vectors of
/// sixteen. Smaller groups cost more tests, and larger ones more words
/// read in a group that has a mark.
const MARK_GROUP: usize = 64;

/// Calls `visit` with the offset and value of every mark that is not zero
/// in the `group` of marks at `group_start`, from `resume` on, and moves
/// `resume` on to what `visit` returns.
#[inline(always)]
fn visit_group(
    group: &[u8; MARK_GROUP],
    group_start: usize,
    resume: &mut usize,
    visit: &mut impl FnMut(usize, u8) -> usize,
) {
    let (words, _) = group.as_chunks::<8>();
    for (word_start, word) in (group_start..).step_by(8).zip(words) {
        let mut bits = u64::from_le_bytes(*word);
        while bits != 0 {
            let low_bit = bits.trailing_zeros();
            // Clears the whole byte of the lowest set bit.
            bits &= !0xffu64.checked_shl(low_bit & !7).unwrap_or(0);
            let lane = (low_bit / 8) as usize;
            let at = word_start.saturating_add(lane);
            let value = word.get(lane).copied().unwrap_or(0);
            if at >= *resume {
                *resume = visit(at, value);
            }
        }
    }
}

/// Copies into `window` the `MARK_BEFORE` bytes before the block of
/// `len` bytes at `start`, the block, and `MARK_REACH` bytes after it,
/// padding with 0 outside the text.
fn fill_window(window: &mut [u8], text: &[u8], start: usize, len: usize) {
    let Some((before, rest)) = window.split_at_mut_checked(MARK_BEFORE) else {
        return;
    };
    // Offsets count back from the block, so the last slot gets the byte
    // right before it.
    for (back, slot) in (1..=MARK_BEFORE).rev().zip(before.iter_mut()) {
        let byte = start.checked_sub(back).and_then(|i| text.get(i));
        *slot = byte.copied().unwrap_or(0);
    }
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
    // The range of the second byte depends on the first, so that no
    // char has two encodings and none is a surrogate or past U+10FFFF,
    // as `str::from_utf8` requires.
    let second_range = match first {
        0xE0 => 0xA0..=0xBF,
        0xED => 0x80..=0x9F,
        0xF0 => 0x90..=0xBF,
        0xF4 => 0x80..=0x8F,
        _ => 0x80..=0xBF,
    };
    let (&second, rest) = bytes.get(1..)?.split_first()?;
    if !second_range.contains(&second)
        || rest.iter().any(|&b| b & 0xC0 != 0x80)
    {
        return None;
    }
    // The lead byte keeps 7 - len bits of the code point, and each
    // continuation byte 6.
    let lead_bits = u32::from(first) & (0x7F >> len);
    let code = bytes
        .get(1..)?
        .iter()
        .fold(lead_bits, |code, &b| code << 6 | u32::from(b & 0x3F));
    Some((char::from_u32(code)?, len))
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
    if is_common_letter(c) {
        return true;
    }
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

/// Reports whether `c` is in one of the blocks of letters that most
/// internationalised names use, every char of which is alphabetic. The
/// test costs a few comparisons, where `char::is_alphanumeric` searches
/// the Unicode tables.
fn is_common_letter(c: char) -> bool {
    matches!(c,
        '\u{00C0}'..='\u{00D6}'
        | '\u{00D8}'..='\u{00F6}'
        // Latin Extended-A and -B, and the IPA letters.
        | '\u{00F8}'..='\u{02C1}'
        | '\u{0388}'..='\u{038A}'
        | '\u{038E}'..='\u{03A1}'
        | '\u{03A3}'..='\u{03F5}'
        | '\u{0400}'..='\u{0481}'
        | '\u{048A}'..='\u{052F}'
        | '\u{05D0}'..='\u{05EA}'
        | '\u{0620}'..='\u{064A}'
        | '\u{0904}'..='\u{0939}'
        | '\u{0E01}'..='\u{0E30}'
        | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FA}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7A3}')
}

/// Reports whether a non-ASCII char ends a URL or a token: spaces,
/// quotation marks, brackets, the en and em dashes of prose, and the
/// full-width punctuation that CJK text puts around values.
pub(crate) fn is_unicode_terminator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00A0}'
                | '\u{00AB}'
                | '\u{00BB}'
                | '\u{2000}'..='\u{200B}'
                | '\u{2013}'..='\u{2015}'
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
    fn first_in_finds_member_at_each_index() {
        let set = ByteSet::new(b"/?", false).with_non_ascii();
        for len in 0..20 {
            for at in 0..=len {
                for member in [b'/', b'?', 0x80, 0xFF] {
                    let mut bytes = vec![b'a'; len];
                    if let Some(slot) = bytes.get_mut(at) {
                        *slot = member;
                    }
                    let expected = bytes.iter().position(|&b| set.contains(b));
                    assert_eq!(set.first_in(&bytes), expected, "{len} {at}");
                }
            }
        }
    }

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
    fn common_letters_keep_idn_chars() {
        // The model is the test without the common-letter blocks.
        let model = |c: char| {
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
        };
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_idn_char(c), model(c), "U+{:04X}", u32::from(c));
        }
    }

    /// Decodes as the standard library does, as a model for `char_at`.
    fn char_at_model(text: &[u8]) -> Option<(char, usize)> {
        let len = match text.first()? {
            0x00..=0x7F => 1,
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return None,
        };
        let bytes = text.get(..len)?;
        let c = std::str::from_utf8(bytes).ok()?.chars().next()?;
        Some((c, len))
    }

    #[test]
    fn char_at_matches_std_on_short_sequences() {
        // Every sequence of up to three bytes, and four-byte sequences
        // whose last two bytes sit at the edges of the continuation range.
        let edges = [0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF];
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                let two = [first, second];
                assert_eq!(char_at(&two, 0), char_at_model(&two));
                for third in 0..=255u8 {
                    let three = [first, second, third];
                    assert_eq!(char_at(&three, 0), char_at_model(&three));
                }
                for (third, fourth) in edges.iter().zip(edges.iter().rev()) {
                    let four = [first, second, *third, *fourth];
                    assert_eq!(char_at(&four, 0), char_at_model(&four));
                }
                for third in edges {
                    let four = [first, second, third, 0x80];
                    assert_eq!(char_at(&four, 0), char_at_model(&four));
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn char_at_matches_std(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 1..5),
        ) {
            proptest::prop_assert_eq!(char_at(&bytes, 0), char_at_model(&bytes));
        }
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
        mark: impl Fn(u8, u8, u8, u8, u8, u8, u8) -> u8,
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
        let mark = |before_previous: u8,
                    previous: u8,
                    byte: u8,
                    next: u8,
                    third: u8,
                    fifth: u8,
                    sixth: u8| {
            u8::from((byte == b':') & (third == b':'))
                | u8::from((previous == b'e') & (fifth == 0)) << 1
                | u8::from((byte == b'a') & (next == b'b')) << 2
                | u8::from((byte == b'c') & (sixth == 0)) << 3
                | u8::from((before_previous == b'f') & (byte == b'a')) << 4
        };
        // Lengths around the block size put matches across block edges.
        for len in [0, 1, 5, MARK_BLOCK - 1, MARK_BLOCK, 2 * MARK_BLOCK + 3] {
            let text: Vec<u8> = (0..len).map(|i| b"ab:cd:ef"[i % 8]).collect();
            let expected = marked_byte_by_byte(&text, mark, 1);
            assert_eq!(marked(&text, mark), expected, "len {len}");
        }
    }

    /// Computes the mark of every byte one at a time, as a model for
    /// `for_each_marked` with a `visit` that resumes `step` bytes on.
    fn marked_byte_by_byte(
        text: &[u8],
        mark: impl Fn(u8, u8, u8, u8, u8, u8, u8) -> u8,
        step: usize,
    ) -> Vec<(usize, u8)> {
        let at = |j: usize| text.get(j).copied().unwrap_or(0);
        let mut found = Vec::new();
        let mut resume = 0;
        for i in 0..text.len() {
            let before = |back: usize| i.checked_sub(back).map_or(0, at);
            let (p, b, n, t) = (before(1), at(i), at(i + 1), at(i + 3));
            let value = mark(before(2), p, b, n, t, at(i + 5), at(i + 6));
            if value != 0 && i >= resume {
                found.push((i, value));
                resume = i + step;
            }
        }
        found
    }

    /// Marks a few rare patterns of the bytes of `dense_text`, so that
    /// most groups of marks are empty and the rest have one or a few.
    fn sparse_mark(
        before_previous: u8,
        previous: u8,
        byte: u8,
        next: u8,
        third: u8,
        fifth: u8,
        sixth: u8,
    ) -> u8 {
        u8::from((byte == b':') & (third == b':') & (sixth == b':'))
            | u8::from((previous == b'-') & (byte == b'f') & (next == 0)) << 1
            | u8::from((byte == b'T') & (fifth == b'9')) << 2
            | u8::from((byte == b' ') & (next == b' ')) << 3
            | u8::from((before_previous == 0) & (byte == b'e')) << 4
    }

    /// Text dense in digits, hex letters, colons and dashes.
    fn dense_text() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        let bytes = b"0123456789abcdefT:-. ".to_vec();
        proptest::collection::vec(
            proptest::sample::select(bytes),
            0..2 * MARK_BLOCK + 200,
        )
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
        let base64 = base64_runs(text);
        for_each_long_run(text, &base64, min_len, |start, end| {
            runs.push((start, end));
        });
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

    #[test]
    fn sign_bytes_match_byte_test() {
        for byte in (0..=255u8).filter(|&b| in_run_class(b)) {
            for lane in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[lane] = byte;
                let expected = if byte.is_ascii_alphanumeric() {
                    0
                } else {
                    0x80u64 << (8 * lane)
                };
                let signs = sign_bytes(u64::from_le_bytes(bytes));
                assert_eq!(signs, expected, "{byte:#x} in lane {lane}");
            }
        }
    }

    #[test]
    fn alnum_prefix_len_stops_at_each_lane() {
        for len in 0..20 {
            for stop in b"+/=_-" {
                let stop = *stop;
                let mut bytes = vec![b'a'; len];
                bytes.push(stop);
                bytes.extend_from_slice(b"bcdefghijk");
                assert_eq!(alnum_prefix_len(&bytes), len, "{len} {stop}");
            }
            assert_eq!(alnum_prefix_len(&vec![b'7'; len]), len, "{len}");
        }
    }

    fn in_run_class(byte: u8) -> bool {
        byte.is_ascii_alphanumeric() || b"+/=_-".contains(&byte)
    }

    #[test]
    fn class_mask_matches_byte_test() {
        for byte in 0..=255u8 {
            assert_eq!(is_class_byte(byte), in_run_class(byte), "{byte:#x}");
            for at in 0..RUN_BLOCK {
                let mut block = [b' '; RUN_BLOCK];
                block[at] = byte;
                let bit = u64::from(in_run_class(byte)) << at;
                assert_eq!(class_mask(&block), bit, "{byte:#x} at {at}");
                let short = &block[..=at];
                assert_eq!(class_mask(short), bit, "{byte:#x} in short");
            }
        }
    }

    /// Returns the runs of at least `BASE64_RUN_MIN_LEN` class bytes, one
    /// byte at a time.
    fn runs_by_byte(text: &[u8]) -> Vec<(usize, usize)> {
        let mut runs = Vec::new();
        let mut start = 0;
        for (i, &byte) in text.iter().chain([&b' ']).enumerate() {
            if !in_run_class(byte) {
                if i - start >= BASE64_RUN_MIN_LEN {
                    runs.push((start, i));
                }
                start = i + 1;
            }
        }
        runs
    }

    #[test]
    fn runs_across_block_edges_found() {
        for len in [11, 12, 13, 63, 64, 65, 127, 128, 129, 200] {
            for offset in [0, 1, 52, 53, 63, 64, 65] {
                let mut text = vec![b'.'; offset];
                text.extend(std::iter::repeat_n(b'Q', len));
                text.extend_from_slice(b". tail");
                assert_eq!(
                    base64_runs(&text),
                    runs_by_byte(&text),
                    "run of {len} at {offset}"
                );
            }
        }
    }

    /// Returns the class mask of `block` one byte at a time, as the model
    /// for `class_mask`.
    fn class_mask_by_byte(block: &[u8]) -> u64 {
        block
            .iter()
            .take(RUN_BLOCK)
            .enumerate()
            .filter(|&(_, &byte)| in_run_class(byte))
            .fold(0, |mask, (i, _)| mask | 1 << i)
    }

    proptest::proptest! {
        #[test]
        fn transpose_bits_matches_bit_loop(x in proptest::num::u64::ANY) {
            let mut expected = 0u64;
            for row in 0..8 {
                for column in 0..8 {
                    let bit = x >> (8 * row + column) & 1;
                    expected |= bit << (8 * column + row);
                }
            }
            proptest::prop_assert_eq!(transpose_bits(x), expected);
        }

        #[test]
        fn class_mask_matches_byte_loop(
            block in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(
                        b"AZaz09+/=_-@[`{ .:\x00\x7f\x80\xff".to_vec()
                    ),
                    proptest::num::u8::ANY,
                ],
                0..=RUN_BLOCK,
            )
        ) {
            proptest::prop_assert_eq!(
                class_mask(&block),
                class_mask_by_byte(&block)
            );
        }

        #[test]
        fn long_runs_match_plain_scan(
            text in "([a-z0-9]{1,90}|[ .:+/=_-]{1,3}){0,30}",
            min_len in 17usize..100,
        ) {
            let text = text.as_bytes();
            proptest::prop_assert_eq!(
                long_runs(text, min_len),
                plain_long_runs(text, min_len)
            );
        }

        #[test]
        fn sparse_marks_match_byte_by_byte(
            text in dense_text(),
            step in 1usize..9,
        ) {
            let mut found = Vec::new();
            for_each_marked(&text, sparse_mark, |at, value| {
                found.push((at, value));
                at + step
            });
            let expected = marked_byte_by_byte(&text, sparse_mark, step);
            proptest::prop_assert_eq!(found, expected);
        }

        #[test]
        fn block_runs_match_byte_runs(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b'A'),
                    proptest::strategy::Just(b'='),
                    proptest::strategy::Just(b' '),
                    proptest::strategy::Just(0xC3),
                ],
                0..400,
            )
        ) {
            proptest::prop_assert_eq!(base64_runs(&text), runs_by_byte(&text));
        }

        #[test]
        fn long_block_runs_match_byte_runs(
            pieces in proptest::collection::vec(
                (0usize..200, proptest::sample::select(b" .=".to_vec())),
                0..10,
            ),
            whole_blocks in proptest::bool::ANY,
        ) {
            // Runs of every length up to a few blocks, some filling whole
            // blocks, and texts that end at a block edge inside a run.
            let mut text = Vec::new();
            for (len, separator) in pieces {
                text.extend(std::iter::repeat_n(b'Q', len));
                text.push(separator);
            }
            if whole_blocks {
                text.truncate(text.len() / RUN_BLOCK * RUN_BLOCK);
            }
            proptest::prop_assert_eq!(base64_runs(&text), runs_by_byte(&text));
        }
    }

    #[test]
    fn marked_offsets_skip_to_resume() {
        let text = b"x:x:x:x:x:x";
        let mut found = Vec::new();
        let colon = |_, _, byte: u8, _, _, _, _| u8::from(byte == b':');
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
        assert!(is_unicode_terminator('\u{2014}'));
        assert!(!is_unicode_terminator('∕'));
        assert!(!is_unicode_terminator('ж'));
    }
}
