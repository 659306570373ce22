//! Hex digests: MD5, SHA-1, SHA-256 and SHA-512.
//!
//! A digest is a whole alphanumeric token made of exactly 32, 40, 64 or 128
//! ASCII hex digits. Because the token must be whole, a longer hex run, a
//! run glued to letters (`xxx<hex>`, `0x<hex>`) and the groups of a UUID
//! give nothing. Decimal numbers and runs of few distinct digits (`aaaa…`,
//! `0000…`) are rejected, since real digests almost never look like that.

use super::chars::{self, lookup};
use super::{Candidate, Value};
use crate::{Category, Limits};

/// Length of the shortest digest (MD5), which is also the distance between
/// the scan's probes.
const MIN_LEN: usize = 32;

/// A random digest of 32 hex digits shows about 14 distinct digits on
/// average, so fewer than this many marks filler or a constant.
const MIN_DISTINCT_DIGITS: u32 = 6;

/// Bit of `DIGIT_BIT` that marks a byte that is not a hex digit.
const NOT_HEX: u32 = 1 << 16;

/// Bit of `DIGIT_BIT` that marks an upper-case hex letter.
const UPPER_HEX: u32 = 1 << 17;

/// The bits of `DIGIT_BIT` that mark digit values.
const DIGIT_VALUES: u32 = 0xffff;

/// Bit `d` for every byte that is a hex digit of value `d`, with
/// `UPPER_HEX` added for `A` to `F`, or `NOT_HEX`.
static DIGIT_BIT: [u32; 256] = digit_bit_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn digit_bit_table() -> [u32; 256] {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = 1 << i;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 1 << (10 + i);
        table[b'A' as usize + i] = 1 << (10 + i) | UPPER_HEX;
        i += 1;
    }
    table
}

fn is_hex(byte: u8) -> bool {
    lookup(&DIGIT_BIT, byte) != NOT_HEX
}

/// Bytes that the run walks test at once.
const WORD_LEN: usize = 8;

/// Eight copies of a byte.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const HIGH_BITS: u64 = splat(0x80);

/// Returns `word` with bit 7 of each byte set exactly when that byte is
/// not an ASCII hex digit.
fn other_bytes(word: u64) -> u64 {
    // With bit 7 forced on, every byte is at least 0x80, so subtracting
    // a byte below 0x80 never borrows from the next byte, and bit 7 of
    // the difference is set exactly when the byte was at least the
    // bound.
    let high = word | HIGH_BITS;
    let folded = high | splat(0x20);
    let digit =
        high.wrapping_sub(splat(b'0')) & !high.wrapping_sub(splat(b'9' + 1));
    let letter = folded.wrapping_sub(splat(b'a'))
        & !folded.wrapping_sub(splat(b'f' + 1));
    // Bytes of 0x80 and above pass the range tests, so bit 7 of the
    // byte itself marks them.
    (!(digit | letter) | word) & HIGH_BITS
}

/// Returns the number of hex digits at the start of `bytes`, testing
/// eight bytes at a time.
fn hex_prefix_len(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(WORD_LEN);
    // Counts at most `bytes.len()`, so the sums cannot saturate.
    let mut len: usize = 0;
    for word in &mut words {
        let word = word.try_into().map_or(0, u64::from_le_bytes);
        let others = other_bytes(word);
        if others != 0 {
            return len.saturating_add(others.trailing_zeros() as usize / 8);
        }
        len = len.saturating_add(WORD_LEN);
    }
    let tail = words.remainder().iter().take_while(|&&b| is_hex(b));
    len.saturating_add(tail.count())
}

/// Returns the number of hex digits at the end of `bytes`, testing eight
/// bytes at a time.
fn hex_suffix_len(bytes: &[u8]) -> usize {
    let mut words = bytes.rchunks_exact(WORD_LEN);
    // Counts at most `bytes.len()`, so the sums cannot saturate.
    let mut len: usize = 0;
    for word in &mut words {
        let word = word.try_into().map_or(0, u64::from_le_bytes);
        let others = other_bytes(word);
        if others != 0 {
            return len.saturating_add(others.leading_zeros() as usize / 8);
        }
        len = len.saturating_add(WORD_LEN);
    }
    let tail = words.remainder().iter().rev().take_while(|&&b| is_hex(b));
    len.saturating_add(tail.count())
}

/// Pushes every hex digest found in `text`.
///
/// The scan probes one byte in every `MIN_LEN`, because a hex run of at
/// least `MIN_LEN` bytes always contains a probed byte. A probe on a non-hex
/// byte skips `MIN_LEN` bytes at once. A probe on a hex byte expands to the
/// whole run, and the scan resumes after it, so each byte is read at most
/// twice.
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    // Invariant: `text[next - 1]` is not a hex digit (or `next` is 0),
    // where `next` is `probe - (MIN_LEN - 1)`. The loop keeps only
    // `probe`, because most probes land on a byte that is not hex and
    // then need no `next`. Every position below is at most
    // `text.len() + 2 * MIN_LEN`, so the saturating steps never saturate.
    let mut probe = MIN_LEN - 1;
    let mut font = FontData::default();
    while let Some(&byte) = text.get(probe) {
        if !is_hex(byte) {
            probe = probe.saturating_add(MIN_LEN);
            continue;
        }
        let next = probe.saturating_sub(MIN_LEN - 1);
        // A run of `MIN_LEN` hex digits through `probe` contains both the
        // bytes 8 and 16 places after it or both those before it, so four
        // lookups pass over most short runs without walking them. A run
        // through `probe` starts at `next` or later.
        let hex_at = |i: usize| text.get(i).is_some_and(|&b| is_hex(b));
        let after_8 = hex_at(probe.saturating_add(8));
        if !(after_8 && hex_at(probe.saturating_add(16))) {
            let before_16 = probe.checked_sub(16).filter(|&i| i >= next);
            let before_8 = probe.saturating_sub(8);
            if !(before_16.is_some_and(hex_at) && hex_at(before_8)) {
                // The scan resumes after the first of those bytes after
                // `probe` that is not hex, which ends every run that could
                // reach past it, so the next probe lies `MIN_LEN - 1`
                // bytes further.
                let skip = if after_8 {
                    17 + (MIN_LEN - 1)
                } else {
                    9 + (MIN_LEN - 1)
                };
                probe = probe.saturating_add(skip);
                continue;
            }
        }
        let before = text.get(next..probe).unwrap_or_default();
        let start = probe.saturating_sub(hex_suffix_len(before));
        let after = text.get(probe..).unwrap_or_default();
        let end = probe.saturating_add(hex_prefix_len(after));
        if let Some(candidate) = digest(text, start, end, limits) {
            if !font.contains(text, start, end) {
                out.push(candidate);
            }
        }
        probe = end.saturating_add(MIN_LEN);
    }
}

/// Pushes every hex digest in `text`, whose runs of `[A-Za-z0-9+/=_-]`
/// are `runs`, as [`chars::base64_runs`] returns them. A digest is a
/// whole alphanumeric token of at least `MIN_LEN` bytes, and every such
/// token lies in one of the runs, so only the runs long enough are read.
/// A window's runs are found once for several detectors, so this costs
/// less than [`find`], whose probes land on the hex letters of prose
/// often and unpredictably.
pub(crate) fn find_in_runs(
    text: &[u8],
    runs: &[(usize, usize)],
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    let mut font = FontData::default();
    chars::for_each_long_run(text, runs, MIN_LEN, |start, end| {
        if let Some(candidate) = digest(text, start, end, limits) {
            if !font.contains(text, start, end) {
                out.push(candidate);
            }
        }
    });
}

/// Width of the hex lines in which a PostScript Type 1 font writes its
/// encrypted part after `eexec`, as in the output of dvips 2022.1 and of
/// poppler's pdftops 0.26.5. It equals the length of a SHA-256 digest.
pub(crate) const FONT_LINE_WIDTH: usize = 64;

/// Bytes after the first line of a font's encrypted part within which a
/// line still counts as part of it. The chunks of a long input are cut
/// so that no cut falls within this distance of the first line (see
/// [`crate::cut`]), so a chunked scan drops the same lines as a whole
/// one. Type 1 fonts are far shorter than this.
pub(crate) const FONT_REACH: usize = super::base64::MAX_TOKEN_LEN;

/// The encrypted part of a PostScript Type 1 font, read while the hex
/// digests of a text are found in order. A font program switches to
/// encrypted data with `currentfile eexec` at the end of a line, and the
/// hex-encoded data then fills lines of exactly [`FONT_LINE_WIDTH`]
/// digits. Each full line looks like a SHA-256 digest, but it is a
/// piece of one cipher text. A list of digests one per line is no such
/// block, because no report writes `eexec` on the line before it.
///
/// NOTE: a block starts only at a first line that passes the digest
/// checks, and only at this width. Font data wrapped at 32, 40 or 128
/// digits is still read as digests.
#[derive(Default)]
struct FontData {
    /// Start of the line after the last line of font data, while a
    /// block is being read.
    next_line: Option<usize>,
    /// Lines that start past this offset are read as digests again.
    reach_end: usize,
}

impl FontData {
    /// Reports whether the digest at `start..end` is a line of font
    /// data: a whole line [`FONT_LINE_WIDTH`] digits wide, or the
    /// shorter line that ends the block (`A7CFA561…` of 40 digits).
    /// Digests must come in order of their start.
    fn contains(&mut self, text: &[u8], start: usize, end: usize) -> bool {
        let len = end.saturating_sub(start);
        if len > FONT_LINE_WIDTH {
            return false;
        }
        let starts_line =
            start.checked_sub(1).is_none_or(|i| text.get(i) == Some(&b'\n'));
        let Some(next_line) = line_break_end(text, end) else {
            return false;
        };
        if !starts_line {
            return false;
        }
        let continues = self.next_line.take().is_some_and(|from| {
            start <= self.reach_end && is_font_block(text, from, start)
        });
        if !continues {
            if !follows_eexec(text, start) {
                return false;
            }
            self.reach_end = start.saturating_add(FONT_REACH);
        }
        // A shorter line is the last of the block.
        self.next_line = (len == FONT_LINE_WIDTH).then_some(next_line);
        true
    }
}

/// Returns the offset after the line break (LF or CRLF) at `at`.
fn line_break_end(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at..)? {
        [b'\n', ..] => at.checked_add(1),
        [b'\r', b'\n', ..] => at.checked_add(2),
        _ => None,
    }
}

/// Reports whether the lines from `from` up to `to`, both line starts,
/// are all lines of font data: [`FONT_LINE_WIDTH`] hex digits and a line
/// break. The lines of zeros at the end of the encrypted part are no
/// digests, so they come here to be read over.
fn is_font_block(text: &[u8], from: usize, to: usize) -> bool {
    let mut at = from;
    while at < to {
        let line_end = at.saturating_add(FONT_LINE_WIDTH);
        let line = text.get(at..line_end).unwrap_or_default();
        if line.len() != FONT_LINE_WIDTH || hex_prefix_len(line) != line.len()
        {
            return false;
        }
        match line_break_end(text, line_end) {
            Some(next) => at = next,
            None => return false,
        }
    }
    at == to
}

/// Reports whether the line before the one starting at `start` ends with
/// the PostScript operator `eexec`, after which a font's data is
/// encrypted. Blanks and a carriage return may follow the word.
fn follows_eexec(text: &[u8], start: usize) -> bool {
    const WORD: &[u8] = b"eexec";
    /// Maximum number of blanks read over after the word.
    const MAX_BLANKS: usize = 8;
    let Some(newline) = start.checked_sub(1) else {
        return false;
    };
    let from = newline.saturating_sub(MAX_BLANKS);
    let head = text.get(from..newline).unwrap_or_default();
    let blanks = head
        .iter()
        .rev()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r'))
        .count();
    let word_end = newline.saturating_sub(blanks);
    let Some(word_start) = word_end.checked_sub(WORD.len()) else {
        return false;
    };
    let is_word = text.get(word_start..word_end) == Some(WORD);
    let glued = word_start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(u8::is_ascii_alphanumeric);
    is_word && !glued
}

/// Returns the digest candidate for `start..end`, a maximal run of hex
/// digits or of letters and digits, if it is a whole token of hex digits
/// of a digest length, with varied digits.
fn digest(
    text: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
) -> Option<Candidate> {
    let len = end.checked_sub(start)?;
    let kind = kind_for_len(len)?;
    if len > limits.max_token_len {
        return None;
    }
    let glued_before = start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(u8::is_ascii_alphanumeric);
    let glued_after = text.get(end).is_some_and(u8::is_ascii_alphanumeric);
    if glued_before || glued_after {
        return None;
    }
    let run = text.get(start..end)?;
    let seen = digit_bits(run);
    if !looks_random(seen) || has_hex_alphabet(run) || has_long_repeat(run) {
        return None;
    }
    if names_vcs_revision(text, start) || ends_constant_name(text, start) {
        return None;
    }
    if len == FINGERPRINT_LEN && names_key_fingerprint(text, start) {
        return None;
    }
    // A digest written in lower case already needs only a plain copy,
    // without the per-byte case change.
    let value = if seen & UPPER_HEX == 0 {
        Value::from_ascii(run)?
    } else {
        Value::ascii_lowercase(run)?
    };
    Some(Candidate::new(Category::Hash, start, end, value).with_kind(kind))
}

/// Returns the digest algorithm whose hex form has `len` digits.
fn kind_for_len(len: usize) -> Option<&'static str> {
    match len {
        32 => Some("md5"),
        40 => Some("sha1"),
        64 => Some("sha256"),
        128 => Some("sha512"),
        _ => None,
    }
}

/// Returns the union of the `DIGIT_BIT` entries of the bytes of `run`:
/// bit `d` is set when digit `d` occurs, `UPPER_HEX` when an upper-case
/// letter does, and `NOT_HEX` when a byte is not hex.
fn digit_bits(run: &[u8]) -> u32 {
    run.iter().fold(0u32, |seen, &byte| seen | lookup(&DIGIT_BIT, byte))
}

/// Reports whether a hex run, given by its [`digit_bits`], has a letter
/// and enough distinct digits to pass for a digest rather than a decimal
/// number or filler.
fn looks_random(seen: u32) -> bool {
    let all_hex = seen & NOT_HEX == 0;
    let has_letter = seen & 0xfc00 != 0;
    let distinct = (seen & DIGIT_VALUES).count_ones();
    all_hex && has_letter && distinct >= MIN_DISTINCT_DIGITS
}

/// Reports whether `run` contains the 16 hex digits in order
/// (`0123456789abcdef`, either case), as the digit tables of binaries and
/// scripts do. A random digest of up to 128 digits contains that
/// sequence with a probability below 2^-56.
fn has_hex_alphabet(run: &[u8]) -> bool {
    // A plain search per zero: building a `memmem` searcher for every
    // digest cost more than the test.
    memchr::memchr_iter(b'0', run).any(|at| {
        run.get(at..at.saturating_add(16)).is_some_and(|digits| {
            digits.eq_ignore_ascii_case(b"0123456789abcdef")
        })
    })
}

/// URL segments that a commit id follows: GitHub's and GitLab's
/// `/commit/`, `/commits/`, `/blob/` and `/tree/`, and cgit's
/// `/commit/?id=`.
const REVISION_SEGMENTS: [&[u8]; 5] =
    [b"/commit/", b"/commits/", b"/blob/", b"/tree/", b"/commit/?id="];

/// Words that introduce a version-control revision id when they come
/// directly before it: `commit 9037c239…`, `This reverts commit …`,
/// `Revert c849ba32…`, `llvm-project revision f0e9b76c…`, `cherry pick …`,
/// and the git trailers `OpenBSD-Commit-ID:` and `OpenBSD-Regress-ID:`.
const REVISION_WORDS: [&[u8]; 8] = [
    b"commit",
    b"commit-id",
    b"regress-id",
    b"revision",
    b"revert",
    b"reverts",
    b"cherry-pick",
    b"cherry pick",
];

/// Maximum number of separator bytes between a word and the digest after
/// it.
const MAX_SEPARATORS: usize = 16;

/// Reports whether the digest at `start` names a version-control
/// revision: it follows one of `REVISION_WORDS` on the same line or a
/// URL segment of `REVISION_SEGMENTS`, or it is the check-in id of a
/// `SQLITE_SOURCE_ID`. Changelogs and repository links are full of such
/// ids, and a file digest in a report is written after its file name or
/// algorithm.
fn names_vcs_revision(text: &[u8], start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    // Every digest comes here, so the word and segment lists are read
    // only when the byte before ends one of them.
    let in_url = matches!(before.last(), Some(b'/' | b'='))
        && REVISION_SEGMENTS
            .iter()
            .any(|segment| ends_with_ignore_case(before, segment));
    if in_url {
        return true;
    }
    let label_end = label_end(text, start);
    let after_word = label_end < start
        && ends_in_letter_of(text, label_end, b"tdnsk")
        && REVISION_WORDS
            .iter()
            .any(|word| ends_with_word(text, label_end, word));
    after_word || is_sqlite_source_id(text, start)
}

/// Reports whether `text[..end]` ends with one of the ASCII `letters`,
/// given in lower case, in either case.
fn ends_in_letter_of(text: &[u8], end: usize, letters: &[u8]) -> bool {
    end.checked_sub(1).and_then(|i| text.get(i)).is_some_and(|&b| {
        b.is_ascii_alphabetic() && letters.contains(&(b | 0x20))
    })
}

/// Reports whether `bytes` ends with `suffix`, ignoring ASCII case.
fn ends_with_ignore_case(bytes: &[u8], suffix: &[u8]) -> bool {
    bytes
        .len()
        .checked_sub(suffix.len())
        .and_then(|at| bytes.get(at..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// Returns the end of the label before the digest at `start`: `start`
/// less the spaces, tabs and `:=#'"(` right before it, counting at most
/// `MAX_SEPARATORS` of them.
fn label_end(text: &[u8], start: usize) -> usize {
    let from = start.saturating_sub(MAX_SEPARATORS);
    let window = text.get(from..start).unwrap_or_default();
    let separators = window
        .iter()
        .rev()
        .take_while(|&&b| {
            matches!(
                b,
                b' ' | b'\t' | b':' | b'=' | b'#' | b'\'' | b'"' | b'('
            )
        })
        .count();
    start.saturating_sub(separators)
}

/// Reports whether `text[..end]` ends with `word`, ignoring ASCII case,
/// and no letter or digit comes right before the word.
fn ends_with_word(text: &[u8], end: usize, word: &[u8]) -> bool {
    let Some(word_start) = end.checked_sub(word.len()) else {
        return false;
    };
    let found = text
        .get(word_start..end)
        .is_some_and(|found| found.eq_ignore_ascii_case(word));
    let glued = word_start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(u8::is_ascii_alphanumeric);
    found && !glued
}

/// Reports whether the digest at `start` is the Fossil check-in id of a
/// SQLite source id, `SQLITE_SOURCE_ID: "2017-08-24 16:21:36 8d3a7ea6…"`.
/// Changelogs that wrap lines put a line break before the id, so any
/// whitespace may come between the time and the id.
fn is_sqlite_source_id(text: &[u8], start: usize) -> bool {
    const LABEL: &[u8] = b"sqlite_source_id";
    /// `YYYY-MM-DD HH:MM:SS`, with `9` for a digit.
    const DATE_TIME: &[u8] = b"9999-99-99 99:99:99";
    let spaced = start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(u8::is_ascii_whitespace);
    if !spaced {
        return false;
    }
    let from = start.saturating_sub(MAX_SEPARATORS);
    let window = text.get(from..start).unwrap_or_default();
    let spaces =
        window.iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    let date_end = start.saturating_sub(spaces);
    let Some(date_start) = date_end.checked_sub(DATE_TIME.len()) else {
        return false;
    };
    let date = text.get(date_start..date_end).unwrap_or_default();
    let is_date_time = date.len() == DATE_TIME.len()
        && date.iter().zip(DATE_TIME).all(|(&b, &shape)| {
            if shape == b'9' {
                b.is_ascii_digit()
            } else {
                b == shape
            }
        });
    spaces > 0
        && is_date_time
        && ends_with_word(text, label_end(text, date_start), LABEL)
}

/// Number of hex digits in an OpenPGP version 4 key fingerprint, the
/// length of a SHA-1 digest.
const FINGERPRINT_LEN: usize = 40;

/// Words that introduce an OpenPGP key fingerprint when they come
/// directly before it: `signing key 9AA9BDB1…`, `Key fingerprint = …`,
/// GnuPG's `--with-colons` line `fpr:::::::::CF8BCC4B…:` and
/// `gpg --recv-keys C0D62484…`. A bare `fingerprint` or `key` does not
/// count: reports write TLS certificate fingerprints after the one, and
/// prose such as `module key 4D30A1E1…` names a digest.
const KEY_WORDS: [&[u8]; 12] = [
    b"signing key",
    b"public key",
    b"gpg key",
    b"pgp key",
    b"openpgp key",
    b"key fingerprint",
    b"pgp fingerprint",
    b"gpg fingerprint",
    b"openpgp fingerprint",
    b"fpr",
    b"--recv-key",
    b"--recv-keys",
];

/// Reports whether the digest `run` at `start` is an OpenPGP key
/// fingerprint: it follows one of `KEY_WORDS` on the same line, or the
/// `/by-fingerprint/` segment of a keyserver URL
/// (`https://keys.openpgp.org/vks/v1/by-fingerprint/…`).
fn names_key_fingerprint(text: &[u8], start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    if ends_with_ignore_case(before, b"/by-fingerprint/") {
        return true;
    }
    let label_end = label_end(text, start);
    label_end < start
        && ends_in_letter_of(text, label_end, b"ytrs")
        && KEY_WORDS.iter().any(|word| ends_with_word(text, label_end, word))
}

/// Maximum length of the constant name that `ends_constant_name` looks
/// back over, which bounds its work per digest.
const MAX_CONSTANT_LEN: usize = 64;

/// Reports whether the digest at `start` is the tail of an upper-case
/// constant name of two or more words, glued by `_`, such as the fuse
/// string `NODE_SEA_FUSE_fce680ab…` in the Node.js executable (seen in
/// Node.js 20.20.2), which single-executable applications copy. A file
/// named after its digest keeps it (`sample_<sha256>.bin`,
/// `VirusShare_<md5>`, `SHA256_<sha256>`).
fn ends_constant_name(text: &[u8], start: usize) -> bool {
    let Some(underscore) = start.checked_sub(1) else {
        return false;
    };
    if text.get(underscore) != Some(&b'_') {
        return false;
    }
    let from = underscore.saturating_sub(MAX_CONSTANT_LEN);
    let window = text.get(from..underscore).unwrap_or_default();
    let name_len = window
        .iter()
        .rev()
        .take_while(|&&b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
        })
        .count();
    let name_start = underscore.saturating_sub(name_len);
    let name = text.get(name_start..underscore).unwrap_or_default();
    // A name that fills the window may go on before it, and a letter or
    // digit before the name makes it part of a mixed-case word.
    let whole = name_len < window.len() || from == 0;
    let glued = name_start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(u8::is_ascii_alphanumeric);
    let words = name.split(|&b| b == b'_').filter(|w| !w.is_empty());
    let has_letter = name.iter().any(u8::is_ascii_uppercase);
    whole && !glued && has_letter && words.count() >= 2
}

/// Shortest run of one repeated digit that rules out a digest.
const FILLER_RUN: usize = 8;

/// Reports whether `run` repeats one digit `FILLER_RUN` times in a row,
/// in either case, as the field primes and orders of elliptic curves do
/// (`FFFFFFFF00000001...`) and as placeholders do. In a random digest of
/// 128 digits such a repeat starts somewhere with a probability of about
/// 121 * 16^-7, below one in two million.
fn has_long_repeat(run: &[u8]) -> bool {
    let mut previous = 0;
    let mut repeated = 0usize;
    for &byte in run {
        // Setting bit 5 folds hex letters to lower case and keeps
        // digits as they are.
        let folded = byte | 0x20;
        repeated =
            if folded == previous { repeated.saturating_add(1) } else { 1 };
        if repeated >= FILLER_RUN {
            return true;
        }
        previous = folded;
    }
    false
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
    const SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const SHA256: &str =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const SHA512: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc\
        83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538\
        327af927da3e";

    /// Runs `find_in_runs` over the runs of `text`, as a window scan does.
    fn find_with_runs(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
        let runs = chars::base64_runs(text);
        find_in_runs(text, &runs, limits, out);
    }

    /// Returns the digests of `text`, checking that both entry points
    /// find the same ones.
    fn run(text: &[u8]) -> Vec<Candidate> {
        let probed = super::super::testing::run(find, text);
        let from_runs = super::super::testing::run(find_with_runs, text);
        assert_eq!(probed, from_runs, "{:?}", String::from_utf8_lossy(text));
        probed
    }

    fn values(text: &str) -> Vec<String> {
        let found = run(text.as_bytes()).into_iter();
        found.map(|c| String::from(c.value)).collect()
    }

    #[test]
    fn digest_lengths_and_kinds() {
        for (hash, kind) in [
            (MD5, "md5"),
            (SHA1, "sha1"),
            (SHA256, "sha256"),
            (SHA512, "sha512"),
        ] {
            let text = format!("x {hash} y");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].value, hash);
            assert_eq!(found[0].kind, Some(kind));
            assert_eq!((found[0].start, found[0].end), (2, 2 + hash.len()));
            assert_eq!(found[0].category, Category::Hash);
        }
    }

    #[test]
    fn accepted_boundaries_and_forms() {
        let cases: &[(&str, &str)] = &[
            (MD5, MD5),
            (
                "MD5=286EDF0AC8E8F0926887F3D2885A859E,",
                "286edf0ac8e8f0926887f3d2885a859e",
            ),
            ("abc_d41d8cd98f00b204e9800998ecf8427e", MD5),
            ("\"d41d8cd98f00b204e9800998ecf8427e\"", MD5),
            ("md5:d41d8cd98f00b204e9800998ecf8427e.", MD5),
            ("-d41d8cd98f00b204e9800998ecf8427e-", MD5),
            ("\u{e9}d41d8cd98f00b204e9800998ecf8427e\u{e9}", MD5),
            ("D41d8CD98f00b204e9800998ecf8427E", MD5),
            // Seven digits in a row are not yet taken for filler.
            (
                "d41d8cd98f00b20477777778ecf8427e",
                "d41d8cd98f00b20477777778ecf8427e",
            ),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), [expected], "{text}");
        }
    }

    #[test]
    fn rejected_runs_give_nothing() {
        let a32 = "a".repeat(32);
        let zeros40 = "0".repeat(40);
        let decimal32 = "12345678901234567890123456789012";
        let five_digits = "abcde".repeat(8);
        let five_upper_digits = "ABCDE".repeat(8);
        let cases: Vec<String> = vec![
            format!("xxx{MD5}yyy"),
            format!("xxx{MD5}"),
            format!("{MD5}g"),
            format!("0x{SHA1}"),
            format!("0X{SHA1}"),
            format!("0x{SHA256}"),
            format!("{MD5}0"),
            format!("{SHA1}a"),
            format!("{SHA256}f"),
            format!("{SHA512}e"),
            format!("{SHA512}{SHA512}"),
            MD5[..31].to_string(),
            "550e8400-e29b-41d4-a716-446655440000".to_string(),
            "649b934ca495991b7852b855".to_string(),
            "deadbeefcafebabe".to_string(),
            a32,
            zeros40,
            decimal32.to_string(),
            five_digits,
            five_upper_digits,
            "0123456789ABCDEF0123456789abcdef".to_string(),
            format!("{}0123456789abcdef", &SHA256[..48]),
            // The field prime and group order of NIST P-256, and the
            // field prime of secp256k1.
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
                .to_string(),
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"
                .to_string(),
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F"
                .to_string(),
            format!("{}aAaAaAaA", &MD5[..24]),
            format!("{}77777777{}", &SHA1[..16], &SHA1[24..]),
        ];
        for text in &cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn git_object_ids_are_not_digests() {
        let rejected = [
            format!("commit {SHA1}"),
            format!("(cherry picked from commit {SHA1})"),
            format!("Commit: {SHA1}"),
            format!("https://github.com/o/r/commit/{SHA1}"),
            format!("https://github.com/o/r/blob/{SHA1}/lib/a.js"),
            format!("https://gitlab.example/o/r/-/tree/{SHA1}"),
        ];
        for text in &rejected {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
        let digests = [
            format!("sha1 {SHA1}"),
            format!("precommit {SHA1}"),
            format!("commit.exe {SHA1}"),
            format!("https://www.virustotal.com/gui/file/{SHA256}"),
        ];
        for text in &digests {
            assert_eq!(values(text).len(), 1, "{text}");
        }
    }

    #[test]
    fn revision_ids_in_changelogs_are_not_digests() {
        let rejected = [
            format!("OpenBSD-Commit-ID: {SHA1}"),
            format!("OpenBSD-Regress-ID: {SHA1}"),
            format!("Revert {SHA1}"),
            format!("This partially reverts {SHA1}."),
            format!("Cherry-pick llvm-project revision {SHA1}."),
            format!("* cherry pick {SHA1} to build"),
            format!("Merge commit '{SHA1}'"),
            format!("The recent commit ({SHA1}) shuffled"),
            format!("https://git.example/cgit/r.git/commit/?id={SHA1}"),
            format!("SQLITE_SOURCE_ID: \"2017-08-24 16:21:36 {SHA256}\""),
            format!("SQLITE_SOURCE_ID: 2022-12-28 14:03:47\n  {SHA256}"),
        ];
        for text in &rejected {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
        let digests = [
            format!("Reverted {SHA1}"),
            format!("prerevision {SHA1}"),
            format!("revision\n{SHA1}"),
            format!("2017-08-24 16:21:36 {SHA256}"),
            format!("SHA3-256 for sqlite3.c: {SHA256}"),
            format!("XSQLITE_SOURCE_ID: 2017-08-24 16:21:36 {SHA256}"),
            format!("first seen 2017-08-24 16:21:36 {SHA256}"),
        ];
        for text in &digests {
            assert_eq!(values(text).len(), 1, "{text}");
        }
    }

    /// Returns `count` lines of `width` varied hex digits, each ended by
    /// `newline`, as the encrypted part of a font or a list of digests.
    fn hex_lines(count: usize, width: usize, newline: &str) -> String {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut text = String::new();
        for _ in 0..count {
            for _ in 0..width {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(char::from(
                    b"0123456789abcdef"[(state % 16) as usize],
                ));
            }
            text.push_str(newline);
        }
        text
    }

    /// Returns a font program whose encrypted part has `lines` full lines,
    /// with its short last line, its 512 zeros and `cleartomark`.
    fn font_program(lines: usize, newline: &str) -> String {
        let zeros = format!("{}{newline}", "0".repeat(FONT_LINE_WIDTH));
        format!(
            "/FontName /Foo def{newline}currentdict end{newline}\
             currentfile eexec{newline}{}bd3c{newline}{}cleartomark{newline}",
            hex_lines(lines, FONT_LINE_WIDTH, newline),
            zeros.repeat(8),
        )
    }

    #[test]
    fn font_data_after_eexec_is_not_digests() {
        for newline in ["\n", "\r\n"] {
            let text = font_program(40, newline);
            assert_eq!(values(&text), Vec::<String>::new(), "{newline:?}");
            let spaced = text.replace("eexec", "eexec \t");
            assert_eq!(values(&spaced), Vec::<String>::new(), "{newline:?}");
        }
    }

    #[test]
    fn font_data_last_line_is_skipped() {
        let sha1_wide = hex_lines(1, 40, "\n");
        let text = font_program(3, "\n").replace("bd3c\n", &sha1_wide);
        assert_eq!(values(&text), Vec::<String>::new());
        // The block ends with that line, so a digest line after it is
        // kept.
        let after = format!(
            "currentfile eexec\n{}{}{}",
            hex_lines(2, 64, "\n"),
            sha1_wide,
            hex_lines(1, 32, "\n")
        );
        assert_eq!(values(&after).len(), 1);
    }

    #[test]
    fn digest_list_is_kept_whole() {
        let list = hex_lines(300, 64, "\n");
        for head in ["SHA-256\n", "", "\n", "not eexec:\n", "noteexec\n"] {
            let text = format!("{head}{list}");
            assert_eq!(values(&text).len(), 300, "{head:?}");
        }
        let mixed = format!("{}{}", hex_lines(3, 32, "\n"), list);
        assert_eq!(values(&mixed).len(), 303);
    }

    #[test]
    fn digests_after_font_data_are_kept() {
        let list = hex_lines(5, 64, "\n");
        // After `cleartomark`, and right after the zeros.
        let after_font = format!("{}{list}", font_program(10, "\n"));
        assert_eq!(values(&after_font).len(), 5);
        let glued =
            format!("currentfile eexec\n{}x\n{list}", hex_lines(3, 64, "\n"));
        assert_eq!(values(&glued).len(), 5);
        // A digest inside a line of the block is no line of font data.
        let inside =
            format!("currentfile eexec\n{}", list.replace('\n', " x\n"));
        assert_eq!(values(&inside).len(), 5);
    }

    #[test]
    fn font_data_past_reach_is_read_again() {
        let line_len = FONT_LINE_WIDTH + 1;
        let lines = FONT_REACH / line_len + 10;
        let text =
            format!("currentfile eexec\n{}", hex_lines(lines, 64, "\n"));
        let first = "currentfile eexec\n".len();
        let found = run(text.as_bytes());
        // Every line that starts within the reach is font data.
        let within = FONT_REACH / line_len + 1;
        assert_eq!(found.len(), lines - within);
        assert!(found.iter().all(|c| c.start > first + FONT_REACH));
    }

    #[test]
    fn gerrit_change_id_is_not_a_digest() {
        let text = format!("Change-Id: I{SHA1}");
        assert_eq!(values(&text), Vec::<String>::new());
    }

    #[test]
    fn digest_ending_constant_name_is_rejected() {
        let rejected = [
            format!("NODE_SEA_FUSE_{MD5}"),
            format!("--sentinel-fuse NODE_SEA_FUSE_{MD5}:0"),
            format!("<code>NODE_SEA_FUSE_{MD5}</code>"),
            format!("MY_KEY_{}", SHA1.to_ascii_uppercase()),
        ];
        for text in &rejected {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn digest_in_file_name_is_kept() {
        let file_names = [
            format!("sample_{SHA256}.bin"),
            format!("{SHA256}_unpacked"),
            format!("{SHA256}_shellcode"),
            format!("VirusShare_{MD5}"),
            format!("SHA256_{SHA256}"),
            format!("ugd/31e277_{MD5}.xls"),
            format!("Sample_A_{MD5}.exe"),
            format!("xNODE_SEA_FUSE_{MD5}"),
            format!("Merge branch 'fix_{SHA1}'"),
        ];
        for text in &file_names {
            assert_eq!(values(text).len(), 1, "{text}");
        }
    }

    #[test]
    fn constant_past_window_keeps_digest() {
        // A name longer than `MAX_CONSTANT_LEN` may go on before the
        // bytes looked at, so it is not taken for a constant.
        let name = "AB_".repeat(30);
        let text = format!(" {name}{MD5}");
        assert_eq!(values(&text), [MD5]);
    }

    #[test]
    fn key_fingerprints_are_not_digests() {
        let upper = SHA1.to_ascii_uppercase();
        let rejected = [
            format!("* Add Simon Josefsson's signing key {upper}"),
            format!("* Add new upstream signing key {upper}"),
            format!("fpr:::::::::{upper}:"),
            format!("gpg --keyserver hkps://k.example --recv-keys {upper}"),
            format!("gpg --recv-key {SHA1}"),
            format!("Key fingerprint = {upper}"),
            format!("Primary key fingerprint: {upper}"),
            format!("OpenPGP fingerprint: {upper}"),
            format!("https://keys.example/vks/v1/by-fingerprint/{upper}"),
        ];
        for text in &rejected {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn key_words_keep_other_digests() {
        let digests = [
            format!("key {MD5}"),
            format!("key {SHA256}"),
            format!("Then bypass identified key ({SHA1}"),
            format!("After ticket module key {}", SHA1.to_ascii_uppercase()),
            format!(
                "* Add Simon Josefsson's key {}",
                SHA1.to_ascii_uppercase()
            ),
            format!("proxy user config bypass key {SHA1}"),
            format!("monkey {SHA1}"),
            format!("keys {SHA1}"),
            format!("key\n{SHA1}"),
            format!("Certificate fingerprint: {SHA1}"),
            format!("SHA1 fingerprint {SHA1}"),
            format!("Thumbprint: {SHA1}"),
        ];
        for text in &digests {
            assert_eq!(values(text).len(), 1, "{text}");
        }
    }

    #[test]
    fn spaced_fingerprint_gives_no_digest() {
        let text = "Key fingerprint = 9AA9 BDB1 1BB1 B99A 2128  \
                    5A33 0664 A769 5426 5E8C";
        assert_eq!(values(text), Vec::<String>::new());
    }

    #[test]
    fn longer_run_yields_no_piece() {
        let runs = [
            format!("{MD5}a"),
            format!("{SHA1}a"),
            format!("{SHA256}a"),
            format!("{SHA512}a"),
            format!("{SHA256}{SHA256}{SHA1}"),
        ];
        for run in &runs {
            let text = format!("hash {run} end");
            assert_eq!(values(&text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn separate_digests_in_one_line() {
        let text = format!("{MD5},{SHA1} {SHA256}\n{SHA512}");
        assert_eq!(values(&text), [MD5, SHA1, SHA256, SHA512]);
    }

    #[test]
    fn digest_at_every_alignment() {
        for pad in 0..70 {
            let text = format!("{}{MD5}{}", " ".repeat(pad), ".".repeat(pad));
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "pad {pad}");
            assert_eq!(found[0].start, pad, "pad {pad}");
        }
    }

    #[test]
    fn digest_after_short_hex_words() {
        let text = format!("bad cafe fade {SHA1} beef");
        assert_eq!(values(&text), [SHA1]);
    }

    #[test]
    fn token_limit_drops_longer_digests() {
        let limits = Limits { max_token_len: 40, ..Limits::default() };
        let text = format!("{MD5} {SHA1} {SHA256}");
        for find in [find, find_with_runs] {
            let mut out = Vec::new();
            find(text.as_bytes(), &limits, &mut out);
            let found: Vec<String> =
                out.into_iter().map(|c| String::from(c.value)).collect();
            assert_eq!(found, [MD5, SHA1]);
        }
    }

    #[test]
    fn huge_hex_run_gives_nothing() {
        let text = "0123456789abcdef".repeat(100_000);
        assert!(run(text.as_bytes()).is_empty());
    }

    #[test]
    fn word_test_matches_byte_test() {
        for byte in 0..=255u8 {
            let word =
                u64::from_le_bytes([b'0', byte, b'f', 0, byte, 9, 0xff, b'A']);
            let others = other_bytes(word);
            for (i, &b) in word.to_le_bytes().iter().enumerate() {
                let marked = others >> (8 * i) & 0x80 != 0;
                assert_eq!(marked, !is_hex(b), "byte {b:#04x} at {i}");
            }
        }
    }

    /// Finds digests by walking every run through a probe byte by byte,
    /// as a model for `find`.
    fn find_by_bytes(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut next: usize = 0;
        while let Some(&byte) = text.get(next + MIN_LEN - 1) {
            let probe = next + MIN_LEN - 1;
            if !is_hex(byte) {
                next = probe + 1;
                continue;
            }
            let before = &text[next..probe];
            let back = before.iter().rev().take_while(|&&b| is_hex(b));
            let start = probe - back.count();
            let ahead = text[probe..].iter().take_while(|&&b| is_hex(b));
            let end = probe + ahead.count();
            out.extend(digest(text, start, end, &Limits::default()));
            next = end + 1;
        }
        out
    }

    proptest! {
        #[test]
        fn find_matches_byte_walk(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    MD5, SHA1, SHA256, "a", "0", "f00d", "deadbeef", " ",
                    "x", "-", "\u{e9}", "0123456789abcdef", "_", "+",
                    "/", "=", "g",
                ][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(run(text.as_bytes()), find_by_bytes(text.as_bytes()));
        }

        #[test]
        fn run_walks_match_byte_walks(
            bytes in proptest::collection::vec(
                proptest::sample::select(
                    &b"0123456789abcdefABCDEFgG:/ \x80\xff\x00`@"[..],
                ),
                0..80,
            )
        ) {
            let prefix = bytes.iter().take_while(|&&b| is_hex(b)).count();
            let suffix =
                bytes.iter().rev().take_while(|&&b| is_hex(b)).count();
            prop_assert_eq!(hex_prefix_len(&bytes), prefix);
            prop_assert_eq!(hex_suffix_len(&bytes), suffix);
        }

        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            for candidate in run(&bytes) {
                prop_assert!(candidate.start < candidate.end);
                prop_assert!(candidate.end <= bytes.len());
                prop_assert!(bytes[candidate.start].is_ascii());
                let token = &bytes[candidate.start..candidate.end];
                let lower = token.to_ascii_lowercase();
                prop_assert_eq!(candidate.value.as_bytes(), lower.as_slice());
            }
        }

        #[test]
        fn digest_values_are_lower_case(
            digits in proptest::sample::select(&[32usize, 40, 64, 128][..]),
            upper in proptest::sample::select(&[0u8, 1, 16, 255][..]),
            seed in any::<u64>(),
        ) {
            // Each digit comes from `seed`, and upper case from `upper`
            // as a rate out of 256, so that lower-case, mixed and mostly
            // upper-case digests all occur.
            let mut state = seed | 1;
            let token: String = (0..digits)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let digit = b"0123456789abcdef"[(state % 16) as usize];
                    let raise = ((state >> 8) as u8) < upper;
                    char::from(if raise { digit.to_ascii_uppercase() } else { digit })
                })
                .collect();
            let text = format!(" {token} ");
            let found = run(text.as_bytes());
            let seen = digit_bits(token.as_bytes());
            let expected: Vec<String> = if looks_random(seen) {
                vec![token.to_ascii_lowercase()]
            } else {
                Vec::new()
            };
            let values: Vec<String> =
                found.into_iter().map(|c| String::from(c.value)).collect();
            prop_assert_eq!(values, expected);
        }

        #[test]
        fn hex_heavy_text_gives_valid_spans(
            text in "([0-9a-fA-Fx_ .-]{1,40}|d41d8cd98f00b204e9800998ecf8427e){0,20}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                prop_assert!(kind_for_len(candidate.end - candidate.start).is_some());
            }
        }
    }
}
