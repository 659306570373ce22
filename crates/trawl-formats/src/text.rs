//! Text decoding: UTF-8, UTF-16LE/BE with or without BOM, Latin-1.
//!
//! Detection reads at most [`SAMPLE_LEN`] bytes, so its cost does not grow
//! with the input. Decoding borrows UTF-8 and Latin-1 input as it is and
//! transcodes UTF-16 to UTF-8 with an offset map back to the input.

use std::borrow::Cow;

use trawl_core::OffsetMap;

use crate::{Origin, Region};

/// Bytes read from the start of the input to decide its encoding.
pub const SAMPLE_LEN: usize = 64 * 1024;

/// Text may contain at most one control byte (other than TAB, LF, FF, CR
/// and ESC) per this many bytes of the sample. Logs and reports contain a
/// few stray NULs, while executables and compressed data contain far more:
/// uniformly random bytes have about one in eight.
pub const CONTROL_BYTES_DIVISOR: usize = 32;

/// BOM-less UTF-16 needs at least one code unit in this many to have a
/// zero high byte, as ASCII and Latin-1 characters do.
const UTF16_ZERO_HIGH_DIVISOR: usize = 2;

/// BOM-less UTF-16 may have at most one code unit in this many with a zero
/// low byte. Text has almost none (U+0100, U+0200, ...), while binary data
/// padded with NULs has zero bytes at both parities.
const UTF16_ZERO_LOW_DIVISOR: usize = 16;

/// Minimum number of code units for BOM-less UTF-16 detection, because a
/// single unit is as likely an ASCII byte followed by a NUL.
const UTF16_MIN_UNITS: usize = 2;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16BE_BOM: &[u8] = b"\xFE\xFF";

/// A text encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (ASCII included).
    Utf8 {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// UTF-16, little-endian.
    Utf16Le {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// UTF-16, big-endian.
    Utf16Be {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// ISO-8859-1, the fallback for text that is not valid UTF-8.
    Latin1,
}

/// Byte order of UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    fn unit(self, pair: [u8; 2]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes(pair),
            ByteOrder::Big => u16::from_be_bytes(pair),
        }
    }
}

/// Returns the encoding of `bytes` if they read as text, `None` if they
/// look binary.
///
/// Only the first [`SAMPLE_LEN`] bytes are read. The checks run in this
/// order: a byte order mark whose text passes the control-byte test, then
/// BOM-less UTF-16 detected by its zero high bytes, then UTF-8 (valid
/// except for a character cut at the end of the sample), then Latin-1.
/// Text of any kind may contain one control byte per
/// [`CONTROL_BYTES_DIVISOR`] bytes (one per as many code units for
/// UTF-16), and anything with more is binary. Empty input is UTF-8.
pub fn detect_encoding(bytes: &[u8]) -> Option<Encoding> {
    let sample = bytes.get(..SAMPLE_LEN).unwrap_or(bytes);

    if let Some(encoding) = detect_bom(sample) {
        return Some(encoding);
    }
    if let Some(order) = detect_bomless_utf16(sample) {
        return Some(match order {
            ByteOrder::Little => Encoding::Utf16Le { bom: false },
            ByteOrder::Big => Encoding::Utf16Be { bom: false },
        });
    }
    if count_controls(sample) > control_allowance(sample.len()) {
        return None;
    }
    if is_utf8_prefix(sample) {
        Some(Encoding::Utf8 { bom: false })
    } else {
        Some(Encoding::Latin1)
    }
}

/// Returns the encoding announced by a byte order mark, if the text after
/// it passes the control-byte test.
fn detect_bom(sample: &[u8]) -> Option<Encoding> {
    if let Some(body) = sample.strip_prefix(UTF8_BOM) {
        let plausible = count_controls(body) <= control_allowance(body.len());
        return plausible.then_some(Encoding::Utf8 { bom: true });
    }
    let (body, order) = if let Some(body) = sample.strip_prefix(UTF16LE_BOM) {
        (body, ByteOrder::Little)
    } else if let Some(body) = sample.strip_prefix(UTF16BE_BOM) {
        (body, ByteOrder::Big)
    } else {
        return None;
    };

    let counts = Utf16Counts::of(body, order);
    if counts.controls > control_allowance(counts.units) {
        return None;
    }
    Some(match order {
        ByteOrder::Little => Encoding::Utf16Le { bom: true },
        ByteOrder::Big => Encoding::Utf16Be { bom: true },
    })
}

/// Returns the byte order of BOM-less UTF-16 text made mostly of
/// characters below U+0100, whose high bytes are zero.
fn detect_bomless_utf16(sample: &[u8]) -> Option<ByteOrder> {
    [ByteOrder::Little, ByteOrder::Big].into_iter().find(|&order| {
        let counts = Utf16Counts::of(sample, order);
        counts.units >= UTF16_MIN_UNITS
            // A saturated product still compares as the exact one would.
            && counts.zero_high.saturating_mul(UTF16_ZERO_HIGH_DIVISOR)
                >= counts.units
            && counts.zero_low.saturating_mul(UTF16_ZERO_LOW_DIVISOR)
                <= counts.units
            && counts.controls <= control_allowance(counts.units)
    })
}

/// Tallies over the whole code units of a sample read as UTF-16.
#[derive(Debug, Default)]
struct Utf16Counts {
    units: usize,
    zero_high: usize,
    zero_low: usize,
    controls: usize,
}

impl Utf16Counts {
    fn of(sample: &[u8], order: ByteOrder) -> Utf16Counts {
        let mut counts = Utf16Counts::default();
        for pair in sample.chunks_exact(2) {
            let [first, second] = *pair else { continue };
            let unit = order.unit([first, second]);
            let [high, low] = unit.to_be_bytes();
            // No count exceeds the number of units, so these adds never
            // wrap. Wrapping adds keep the loop vectorized, and saturating
            // ones do not.
            counts.units = counts.units.wrapping_add(1);
            counts.zero_high =
                counts.zero_high.wrapping_add(usize::from(high == 0));
            counts.zero_low =
                counts.zero_low.wrapping_add(usize::from(low == 0));
            counts.controls = counts
                .controls
                .wrapping_add(usize::from(high == 0 && is_control(low)));
        }
        counts
    }
}

/// Returns how many control bytes or units a sample of `len` may contain
/// and still be text. Samples shorter than the divisor may contain one.
fn control_allowance(len: usize) -> usize {
    (len / CONTROL_BYTES_DIVISOR).max(1)
}

/// Reports whether `byte` is a control character that text rarely
/// contains: C0 controls other than TAB, LF, FF, CR and ESC, and DEL.
fn is_control(byte: u8) -> bool {
    match byte {
        b'\t' | b'\n' | 0x0C | b'\r' | 0x1B => false,
        0x00..=0x1F | 0x7F => true,
        _ => false,
    }
}

fn count_controls(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| is_control(byte)).count()
}

/// Reports whether `sample` is valid UTF-8, allowing its last character to
/// be cut short because the sample or the input ends inside it.
fn is_utf8_prefix(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    }
}

/// Returns the region to scan for text in `encoding`. UTF-8 and Latin-1
/// are scanned as they are; UTF-16 is transcoded to UTF-8.
///
/// A byte order mark is skipped when `encoding` has `bom: true` and the
/// input starts with the mark. In transcoded text, unpaired surrogates and a
/// trailing odd byte become U+FFFD, and the map sends the start and end of
/// every character to the start and end of its code units.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Region<'_> {
    match encoding {
        Encoding::Utf8 { bom: true } => match bytes.strip_prefix(UTF8_BOM) {
            Some(body) => borrowed(body, OffsetMap::shifted(UTF8_BOM.len())),
            None => borrowed(bytes, OffsetMap::identity()),
        },
        Encoding::Utf8 { bom: false } | Encoding::Latin1 => {
            borrowed(bytes, OffsetMap::identity())
        }
        Encoding::Utf16Le { bom } => transcode_utf16(
            bytes,
            bom_len(bytes, bom, UTF16LE_BOM),
            0,
            ByteOrder::Little,
        ),
        Encoding::Utf16Be { bom } => transcode_utf16(
            bytes,
            bom_len(bytes, bom, UTF16BE_BOM),
            0,
            ByteOrder::Big,
        ),
    }
}

/// Returns the region to scan for one block of a longer text in
/// `encoding`, the block starting at input offset `start`. The map sends
/// the region to input offsets. Only a block at offset 0 can start with a
/// byte order mark, and [`decode`] skips it there. Blocks of UTF-16 text
/// must start at even offsets to decode as the whole input does.
pub fn decode_block(
    bytes: &[u8],
    start: usize,
    encoding: Encoding,
) -> Region<'_> {
    if start == 0 {
        return decode(bytes, encoding);
    }
    match encoding {
        Encoding::Utf8 { .. } | Encoding::Latin1 => {
            borrowed(bytes, OffsetMap::shifted(start))
        }
        Encoding::Utf16Le { .. } => {
            transcode_utf16(bytes, 0, start, ByteOrder::Little)
        }
        Encoding::Utf16Be { .. } => {
            transcode_utf16(bytes, 0, start, ByteOrder::Big)
        }
    }
}

/// Returns how many bytes one code unit of `encoding` takes.
pub fn unit_len(encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 { .. } | Encoding::Latin1 => 1,
        Encoding::Utf16Le { .. } | Encoding::Utf16Be { .. } => 2,
    }
}

/// Returns the length of the part of `bytes` that ends with the last line
/// feed in `encoding`, or `None` without one. `bytes` must start at a
/// code unit boundary.
pub fn through_last_newline(
    bytes: &[u8],
    encoding: Encoding,
) -> Option<usize> {
    let unit: [u8; 2] = match encoding {
        Encoding::Utf8 { .. } | Encoding::Latin1 => {
            return memchr::memrchr(b'\n', bytes)
                .map(|at| at.saturating_add(1));
        }
        Encoding::Utf16Le { .. } => [b'\n', 0],
        Encoding::Utf16Be { .. } => [0, b'\n'],
    };
    let at = bytes.chunks_exact(2).rposition(|pair| pair == unit)?;
    Some(at.saturating_add(1).saturating_mul(2))
}

/// Transcodes UTF-16LE `bytes` (no byte order mark) to UTF-8, for text
/// that starts at offset `base` of a larger input, such as a string
/// inside a PE resource. The map sends each character to its code units'
/// offsets in that input, as [`decode`] does for a whole input.
pub fn decode_utf16le_at(bytes: &[u8], base: usize) -> Region<'static> {
    transcode_utf16(bytes, 0, base, ByteOrder::Little)
}

fn borrowed(text: &[u8], map: OffsetMap) -> Region<'_> {
    Region { text: Cow::Borrowed(text), map, origin: Origin::Text }
}

/// Returns the length of the byte order mark to skip.
fn bom_len(bytes: &[u8], bom: bool, mark: &[u8]) -> usize {
    if bom && bytes.starts_with(mark) {
        mark.len()
    } else {
        0
    }
}

/// Transcodes the UTF-16 text after the first `start` bytes to UTF-8,
/// mapping byte `i` of `bytes` to input offset `base + i`.
fn transcode_utf16(
    bytes: &[u8],
    start: usize,
    base: usize,
    order: ByteOrder,
) -> Region<'static> {
    let body = bytes.get(start..).unwrap_or_default();
    let body_offset = base.saturating_add(start);
    // NOTE: the map stores 24 bytes per change of character width, so text
    // alternating ASCII and non-ASCII characters costs up to 12 map bytes
    // per source byte. ASCII-only or non-ASCII-only text costs one.
    // The capacity is exact for ASCII text, and wider text grows it.
    let mut text = Vec::with_capacity((body.len() / 2).saturating_add(3));
    let mut map = OffsetMap::shifted(body_offset);
    let mut source = body_offset;

    let pairs = body.chunks_exact(2);
    let odd_byte = !pairs.remainder().is_empty();
    let units = pairs.map(|pair| match *pair {
        [first, second] => order.unit([first, second]),
        _ => 0,
    });
    for decoded in char::decode_utf16(units) {
        let (ch, source_len) = match decoded {
            Ok(ch) => (ch, ch.len_utf16().saturating_mul(2)),
            Err(_) => (char::REPLACEMENT_CHARACTER, 2),
        };
        push_char(&mut text, &mut map, ch, source, source_len);
        source = source.saturating_add(source_len);
    }
    if odd_byte {
        push_char(&mut text, &mut map, char::REPLACEMENT_CHARACTER, source, 1);
    }

    Region { text: Cow::Owned(text), map, origin: Origin::Text }
}

/// Appends `ch` to `text` and records that it came from `source_len`
/// bytes at `source`.
fn push_char(
    text: &mut Vec<u8>,
    map: &mut OffsetMap,
    ch: char,
    source: usize,
    source_len: usize,
) {
    let mut buffer = [0; 4];
    let encoded = ch.encode_utf8(&mut buffer).as_bytes();
    // Both lengths are at most 4, so the casts cannot truncate.
    map.push_stride(text.len(), source, encoded.len() as u8, source_len as u8);
    text.extend_from_slice(encoded);
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn last_newline_is_a_whole_code_unit() {
        let le = Encoding::Utf16Le { bom: false };
        let be = Encoding::Utf16Be { bom: false };
        // U+0A0A has line feed bytes in both halves but is no newline.
        let text = utf16le("a\nb\u{0A0A}");
        assert_eq!(through_last_newline(&text, le), Some(4));
        assert_eq!(
            through_last_newline(&utf16be("a\nb\u{0A0A}"), be),
            Some(4)
        );
        // A line feed byte at an odd offset belongs to two code units.
        assert_eq!(through_last_newline(b"x\n\0y", le), None);
        assert_eq!(through_last_newline(&utf16le("no line"), le), None);
        let utf8 = Encoding::Utf8 { bom: false };
        assert_eq!(through_last_newline(b"a\nbc\nd", utf8), Some(5));
        assert_eq!(through_last_newline(b"abc", Encoding::Latin1), None);
    }

    #[test]
    fn blocks_decode_as_the_whole() {
        let text = "one \u{1F980} two\nthree d\u{E9}j\u{E0}\n";
        for (bytes, encoding) in [
            (
                [&[0xFF, 0xFE][..], &utf16le(text)].concat(),
                Encoding::Utf16Le { bom: true },
            ),
            (utf16be(text), Encoding::Utf16Be { bom: false }),
            (
                [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
                Encoding::Utf8 { bom: true },
            ),
        ] {
            let whole = decode(&bytes, encoding);
            // The cut falls after the first line, before the last
            // line feed.
            let (_, head) = bytes.split_last().unwrap();
            let cut = through_last_newline(head, encoding).unwrap();
            let (first, second) = bytes.split_at(cut);
            let first = decode_block(first, 0, encoding);
            let second = decode_block(second, cut, encoding);
            let joined = [first.text.as_ref(), second.text.as_ref()].concat();
            assert_eq!(joined, whole.text.as_ref(), "{encoding:?}");
            let split = first.text.len();
            for at in 0..=whole.text.len() {
                let (region, local) = if at < split {
                    (&first, at)
                } else {
                    (&second, at - split)
                };
                assert_eq!(
                    region.map.start(local),
                    whole.map.start(at),
                    "{encoding:?} {at}"
                );
            }
        }
    }

    #[test]
    fn encoding_detection_table() {
        let mut le_bom = UTF16LE_BOM.to_vec();
        le_bom.extend(utf16le("see https://example.com/a"));
        let mut be_bom = UTF16BE_BOM.to_vec();
        be_bom.extend(utf16be("see https://example.com/a"));
        let cases: Vec<(&str, Vec<u8>, Option<Encoding>)> = vec![
            ("empty", vec![], Some(Encoding::Utf8 { bom: false })),
            (
                "ascii",
                b"GET /x HTTP/1.1\r\n".to_vec(),
                Some(Encoding::Utf8 { bom: false }),
            ),
            (
                "utf8 bom",
                b"\xEF\xBB\xBFhello".to_vec(),
                Some(Encoding::Utf8 { bom: true }),
            ),
            (
                "utf8 multibyte",
                "naïve café".as_bytes().to_vec(),
                Some(Encoding::Utf8 { bom: false }),
            ),
            ("utf16le bom", le_bom, Some(Encoding::Utf16Le { bom: true })),
            ("utf16be bom", be_bom, Some(Encoding::Utf16Be { bom: true })),
            (
                "utf16le bare",
                utf16le("C:\\Windows\\evil.exe"),
                Some(Encoding::Utf16Le { bom: false }),
            ),
            (
                "utf16be bare",
                utf16be("C:\\Windows\\evil.exe"),
                Some(Encoding::Utf16Be { bom: false }),
            ),
            (
                "latin1",
                b"Caf\xE9 au lait, 10.0.0.1".to_vec(),
                Some(Encoding::Latin1),
            ),
            (
                "ansi escapes",
                b"\x1b[31merror\x1b[0m at 1.2.3.4\n".to_vec(),
                Some(Encoding::Utf8 { bom: false }),
            ),
            ("many nuls", b"ab\0\0\0\0cd\0\0\0\0".to_vec(), None),
        ];
        for (name, input, expected) in cases {
            assert_eq!(detect_encoding(&input), expected, "{name}");
        }
    }

    #[test]
    fn utf16le_without_bom_detected() {
        let input = utf16le("Visit http://bad.example/payload now.\r\n");
        assert_eq!(
            detect_encoding(&input),
            Some(Encoding::Utf16Le { bom: false })
        );
    }

    #[test]
    fn utf16be_with_bom_detected() {
        let mut input = UTF16BE_BOM.to_vec();
        input.extend(utf16be("Привет, 8.8.8.8"));
        assert_eq!(
            detect_encoding(&input),
            Some(Encoding::Utf16Be { bom: true })
        );
    }

    #[test]
    fn latin1_report_detected() {
        let mut input = b"Rapport d'analyse: le serveur ".to_vec();
        input.extend(b"\xE0 l'adresse 192.0.2.7 a \xE9t\xE9 vu.\n");
        assert_eq!(detect_encoding(&input), Some(Encoding::Latin1));
    }

    #[test]
    fn utf8_cut_at_sample_end() {
        // "é" is C3 A9: the sample ends between its two bytes.
        let mut input = vec![b'a'; SAMPLE_LEN - 1];
        input.extend("é and more".as_bytes());
        assert_eq!(
            detect_encoding(&input),
            Some(Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn utf8_cut_at_input_end() {
        let input = b"truncated \xE2\x82";
        assert_eq!(
            detect_encoding(input),
            Some(Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn invalid_utf8_mid_sample_is_latin1() {
        let input = b"bad \xC3( byte";
        assert_eq!(detect_encoding(input), Some(Encoding::Latin1));
    }

    #[test]
    fn few_nuls_in_log_stay_text() {
        let mut input = b"2024-01-01 connect 10.1.2.3\n".repeat(40);
        input.extend(b"\0\0\0");
        input.extend(b"2024-01-02 connect 10.1.2.4\n".repeat(40));
        assert_eq!(
            detect_encoding(&input),
            Some(Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn binary_with_nuls_rejected() {
        let mut input = Vec::new();
        for i in 0..4096u32 {
            input.extend(i.to_le_bytes());
        }
        assert_eq!(detect_encoding(&input), None);
    }

    #[test]
    fn random_bytes_rejected() {
        // A xorshift stream imitates compressed or encrypted data.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let input: Vec<u8> = (0..8192)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        assert_eq!(detect_encoding(&input), None);
    }

    #[test]
    fn utf16_bom_before_binary_rejected() {
        let mut input = UTF16LE_BOM.to_vec();
        input.extend([0u8; 64]);
        assert_eq!(detect_encoding(&input), None);
    }

    #[test]
    fn detection_reads_only_sample() {
        // Binary after the sample does not change the verdict.
        let mut input = vec![b'x'; SAMPLE_LEN];
        input.extend([0u8; 4 * SAMPLE_LEN]);
        assert_eq!(
            detect_encoding(&input),
            Some(Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn utf8_bom_skipped_with_offset() {
        let input = b"\xEF\xBB\xBFhost 1.2.3.4";
        let region = decode(input, Encoding::Utf8 { bom: true });
        assert_eq!(&*region.text, b"host 1.2.3.4");
        assert!(matches!(region.text, Cow::Borrowed(_)));
        assert_eq!(region.map.start(5), 8);
        assert_eq!(region.map.end(12), 15);
        assert_eq!(region.origin, Origin::Text);
    }

    #[test]
    fn latin1_decoded_as_is() {
        let input = b"caf\xE9 1.2.3.4";
        let region = decode(input, Encoding::Latin1);
        assert_eq!(&*region.text, input);
        assert!(region.map.is_identity());
    }

    #[test]
    fn utf16le_ascii_map_is_compact() {
        let input = utf16le(&"http://a.example/ ".repeat(1000));
        let region = decode(&input, Encoding::Utf16Le { bom: false });
        assert_eq!(region.text.len(), input.len() / 2);
        assert_eq!(region.map.breakpoints(), 1);
        assert_eq!(region.map.start(7), 14);
        assert_eq!(region.map.end(16), 32);
    }

    #[test]
    fn transcoded_offsets_include_non_bmp() {
        // 'a' (1 unit, 1 byte), 'é' (1 unit, 2 bytes), '€' (1 unit, 3
        // bytes), '😀' (2 units, 4 bytes), 'b'.
        let mut input = UTF16LE_BOM.to_vec();
        input.extend(utf16le("aé€😀b"));
        let region = decode(&input, Encoding::Utf16Le { bom: true });
        assert_eq!(&*region.text, "aé€😀b".as_bytes());
        let cases = [(0, 2), (1, 4), (3, 6), (6, 8), (10, 12), (11, 14)];
        for (derived, source) in cases {
            assert_eq!(region.map.start(derived), source, "start {derived}");
            assert_eq!(region.map.end(derived), source, "end {derived}");
        }
    }

    #[test]
    fn utf16be_transcoded_with_offsets() {
        let mut input = UTF16BE_BOM.to_vec();
        input.extend(utf16be("ж 1.2.3.4"));
        let region = decode(&input, Encoding::Utf16Be { bom: true });
        assert_eq!(&*region.text, "ж 1.2.3.4".as_bytes());
        // "1.2.3.4" starts at char 2, byte 3 of the UTF-8 text.
        assert_eq!(region.map.start(3), 2 + 2 * 2);
        assert_eq!(region.map.end(10), input.len());
    }

    #[test]
    fn unpaired_surrogate_becomes_replacement() {
        // A lone high surrogate, then 'x', then a trailing odd byte.
        let input = [0x00, 0xD8, b'x', 0x00, b'y'];
        let region = decode(&input, Encoding::Utf16Le { bom: false });
        assert_eq!(&*region.text, "\u{FFFD}x\u{FFFD}".as_bytes());
        assert_eq!(region.map.start(3), 2);
        assert_eq!(region.map.end(4), 4);
        assert_eq!(region.map.start(4), 4);
        assert_eq!(region.map.end(7), 5);
    }

    #[test]
    fn utf16le_at_base_maps_into_input() {
        // "é 1.2.3.4" stored at offset 0x300 of some larger input.
        let input = utf16le("é 1.2.3.4");
        let region = decode_utf16le_at(&input, 0x300);
        assert_eq!(&*region.text, "é 1.2.3.4".as_bytes());
        assert_eq!(region.map.start(0), 0x300);
        // "1.2.3.4" is byte 3 of the UTF-8 text and char 2 of the input.
        assert_eq!(region.map.start(3), 0x300 + 4);
        assert_eq!(region.map.end(region.text.len()), 0x300 + input.len());
    }

    #[test]
    fn claimed_bom_missing_is_not_skipped() {
        let input = utf16le("ab");
        let region = decode(&input, Encoding::Utf16Le { bom: true });
        assert_eq!(&*region.text, b"ab");
        assert_eq!(region.map.start(1), 2);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn arbitrary_bytes_detect_and_decode(
                bytes in proptest::collection::vec(any::<u8>(), 0..512),
            ) {
                let encoding = detect_encoding(&bytes);
                for encoding in encoding.into_iter().chain([
                    Encoding::Utf16Le { bom: true },
                    Encoding::Utf16Be { bom: false },
                ]) {
                    let region = decode(&bytes, encoding);
                    let len = region.text.len();
                    prop_assert!(region.map.start(0) <= bytes.len());
                    prop_assert!(region.map.end(len) <= bytes.len());
                }
            }

            #[test]
            fn utf16le_round_trips_with_offsets(
                text in "\\PC*",
                bom in any::<bool>(),
            ) {
                let mut input = Vec::new();
                if bom {
                    input.extend(UTF16LE_BOM);
                }
                input.extend(utf16le(&text));
                let region = decode(&input, Encoding::Utf16Le { bom });
                prop_assert_eq!(&*region.text, text.as_bytes());

                let mut source = if bom { 2 } else { 0 };
                for (derived, ch) in text.char_indices() {
                    prop_assert_eq!(region.map.start(derived), source);
                    prop_assert_eq!(region.map.end(derived), source);
                    source += 2 * ch.len_utf16();
                }
                prop_assert_eq!(region.map.end(text.len()), source);
                prop_assert_eq!(source, input.len());
            }
        }
    }
}
