//! Obfuscation hints judged on each extracted string: mostly
//! non-printable text, long hex blobs, and ROT13-encoded text.
//!
//! iocx 0.7.6 defines these three checks but passes them one joined
//! text, so they look at single characters and never fire. Here each
//! string region is judged on its own, with thresholds chosen so that
//! ordinary text, hashes and identifiers stay quiet.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::Finding;
use crate::pe::validate::Details;
use crate::{Origin, Region};

/// Most string hints listed for one file, over the three kinds.
pub const MAX_STRING_HINTS: usize = 32;

/// Characters of a string copied into a hint's `string_sample`.
const SAMPLE_CHARS: usize = 64;

/// Shortest string, in characters, judged by the ROT13 check (iocx's
/// minimum for every string check).
const MIN_ROT13_CHARS: usize = 8;

/// Shortest string judged by the non-printable check, and the share of
/// non-printable characters from which it fires (iocx's values).
const MIN_NON_PRINTABLE_CHARS: usize = 16;
const NON_PRINTABLE_RATIO: f64 = 0.5;

/// Shortest hex blob: longer than a SHA-512 digest in hex (128), so
/// that embedded hashes and thumbprints are not blobs.
const MIN_HEX_BLOB_CHARS: usize = 130;

/// Shortest string, in characters, that any check judges.
const MIN_CHECKED_CHARS: usize = {
    let shortest = if MIN_ROT13_CHARS < MIN_NON_PRINTABLE_CHARS {
        MIN_ROT13_CHARS
    } else {
        MIN_NON_PRINTABLE_CHARS
    };
    if shortest < MIN_HEX_BLOB_CHARS {
        shortest
    } else {
        MIN_HEX_BLOB_CHARS
    }
};

/// Minimum number of distinct hex digits in a blob, so padding such as `0F0F…` or
/// `FFFF…` is not one.
const MIN_HEX_DIGITS_USED: usize = 8;

/// Text whose ROT13 decoding in a string, absent from the raw string,
/// shows that the string was encoded: one of these is enough.
const STRONG_MARKERS: [&str; 22] = [
    "http://",
    "https://",
    ".exe",
    ".dll",
    ".bat",
    ".ps1",
    "cmd.exe",
    "cmd /c",
    "powershell",
    "kernel32",
    "ntdll",
    "virtualalloc",
    "loadlibrary",
    "getprocaddress",
    "createprocess",
    "createremotethread",
    "software\\microsoft",
    "currentversion\\run",
    "system32",
    "rundll32",
    "regsvr32",
    "mshta",
];

/// Common English words, spaces included so that they match only in
/// prose: two different ones must appear decoded.
const WORD_MARKERS: [&str; 10] = [
    " the ", " and ", " you ", " this ", " with ", " for ", " from ",
    " that ", " have ", " not ",
];

/// Minimum number of distinct word markers that count as decoded prose.
const MIN_WORD_MARKERS: usize = 2;

/// Appends the string hints for `strings`, in region order, at most
/// [`MAX_STRING_HINTS`] of them.
pub fn string_hints(strings: &[Region<'_>], hints: &mut Vec<Finding>) {
    let mut left = MAX_STRING_HINTS;
    for region in strings {
        if left == 0 {
            return;
        }
        let Some(hint) = judge(region) else { continue };
        hints.push(hint);
        left = left.saturating_sub(1);
    }
}

/// Returns the first hint that `region` earns, if any.
fn judge(region: &Region<'_>) -> Option<Finding> {
    // Every check needs at least this many characters, and a string has
    // no more characters than bytes, so shorter text needs no UTF-8
    // check.
    if region.text.len() < MIN_CHECKED_CHARS {
        return None;
    }
    let text = std::str::from_utf8(&region.text).ok()?;
    let offset = region.map.start(0);
    // The extractor keeps only printable characters in ASCII and UTF-16
    // runs, so only decoded text can be mostly non-printable.
    let decoded = !matches!(
        region.origin,
        Origin::AsciiString | Origin::Utf16String | Origin::Text
    );
    if decoded {
        if let Some(hint) = non_printable(text, offset) {
            return Some(hint);
        }
    }
    if let Some(hint) = hex_blob(text, offset) {
        return Some(hint);
    }
    rot13(text, offset)
}

fn sample_details(text: &str, length: usize, offset: usize) -> Details {
    let sample: String = text.chars().take(SAMPLE_CHARS).collect();
    Details::default()
        .with("string_sample", sample)
        .with("length", length)
        .with("offset", offset)
}

/// Whether a decoded character is unlikely in real text: a control
/// character other than whitespace, the replacement character left by
/// invalid input, a private-use character or a noncharacter.
fn is_non_printable(c: char) -> bool {
    let code = u32::from(c);
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || c == char::REPLACEMENT_CHARACTER
        || (0xE000..=0xF8FF).contains(&code)
        || (0xFDD0..=0xFDEF).contains(&code)
        || code & 0xFFFE == 0xFFFE
}

fn non_printable(text: &str, offset: usize) -> Option<Finding> {
    let mut length = 0usize;
    let mut bad = 0usize;
    for c in text.chars() {
        length = length.saturating_add(1);
        if is_non_printable(c) {
            bad = bad.saturating_add(1);
        }
    }
    if length < MIN_NON_PRINTABLE_CHARS {
        return None;
    }
    let ratio = bad as f64 / length as f64;
    if ratio < NON_PRINTABLE_RATIO {
        return None;
    }
    Some(Finding::hint(
        "suspicious_string_non_printable_ratio",
        sample_details(text, length, offset)
            .with("non_printable_ratio", ratio),
    ))
}

fn hex_blob(text: &str, offset: usize) -> Option<Finding> {
    let bytes = text.as_bytes();
    if bytes.len() < MIN_HEX_BLOB_CHARS || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let mut used = [false; 16];
    for &byte in bytes {
        let digit = char::from(byte).to_digit(16)?;
        if let Some(slot) =
            usize::try_from(digit).ok().and_then(|digit| used.get_mut(digit))
        {
            *slot = true;
        }
    }
    let has_letter = used.iter().skip(10).any(|&u| u);
    let has_digit = used.iter().take(10).any(|&u| u);
    let distinct = used.iter().filter(|&&u| u).count();
    if !has_letter || !has_digit || distinct < MIN_HEX_DIGITS_USED {
        return None;
    }
    Some(Finding::hint(
        "suspicious_hex_blob_string",
        sample_details(text, bytes.len(), offset),
    ))
}

/// The marker patterns: the ROT13 form of every marker, then the plain
/// form, so that pattern `i` and `i + markers` are the same marker.
struct Markers {
    automaton: AhoCorasick,
    /// The ROT13 forms alone. Few strings contain one, and a search
    /// that only checks whether one occurs can skip ahead with a
    /// prefilter, which the overlapping search of `automaton` cannot.
    encoded: AhoCorasick,
    count: usize,
}

fn markers() -> Option<&'static Markers> {
    static MARKERS: OnceLock<Option<Markers>> = OnceLock::new();
    MARKERS
        .get_or_init(|| {
            let all: Vec<&str> =
                STRONG_MARKERS.iter().chain(&WORD_MARKERS).copied().collect();
            let encoded: Vec<String> =
                all.iter().map(|m| rot13_text(m)).collect();
            let patterns =
                encoded.iter().map(String::as_str).chain(all.iter().copied());
            let automaton = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(patterns)
                .ok()?;
            let encoded = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&encoded)
                .ok()?;
            Some(Markers { automaton, encoded, count: all.len() })
        })
        .as_ref()
}

fn rot13_byte(byte: u8) -> u8 {
    match byte {
        b'a'..=b'm' | b'A'..=b'M' => byte.wrapping_add(13),
        b'n'..=b'z' | b'N'..=b'Z' => byte.wrapping_sub(13),
        _ => byte,
    }
}

fn rot13_text(text: &str) -> String {
    text.bytes().map(|b| char::from(rot13_byte(b))).collect()
}

/// Fires when the string's ROT13 decoding contains a strong marker, or
/// two different English words, that the raw string does not. More than
/// half of the characters must also be letters, which is iocx's
/// condition on the decoded text and is unchanged by ROT13. The markers
/// are searched in their encoded form, so nothing is decoded unless the
/// hint fires.
fn rot13(text: &str, offset: usize) -> Option<Finding> {
    let markers = markers()?;
    // Most strings contain no encoded marker, and then none is new.
    if !markers.encoded.is_match(text) {
        return None;
    }
    let length = text.chars().count();
    if length < MIN_ROT13_CHARS {
        return None;
    }

    let mut encoded = [false; STRONG_MARKERS.len() + WORD_MARKERS.len()];
    let mut plain = encoded;
    for found in markers.automaton.find_overlapping_iter(text) {
        let id = found.pattern().as_usize();
        let (table, index) = match id.checked_sub(markers.count) {
            Some(index) => (&mut plain, index),
            None => (&mut encoded, id),
        };
        if let Some(slot) = table.get_mut(index) {
            *slot = true;
        }
    }
    let new = |range: std::ops::Range<usize>| {
        range
            .filter(|&i| {
                encoded.get(i) == Some(&true) && plain.get(i) != Some(&true)
            })
            .count()
    };

    let strong = new(0..STRONG_MARKERS.len());
    let words = new(STRONG_MARKERS.len()..encoded.len());
    if strong == 0 && words < MIN_WORD_MARKERS {
        return None;
    }

    let letters = text.chars().filter(char::is_ascii_alphabetic).count();
    if letters.saturating_mul(2) <= length {
        return None;
    }
    let decoded = rot13_text(text);
    Some(Finding::hint(
        "rot_encoded_string",
        sample_details(text, length, offset)
            .with("decoded_sample", sample(&decoded)),
    ))
}

fn sample(text: &str) -> String {
    text.chars().take(SAMPLE_CHARS).collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use std::borrow::Cow;

    use trawl_core::OffsetMap;

    use super::*;

    fn region(text: &str, origin: Origin) -> Region<'static> {
        Region {
            text: Cow::Owned(text.as_bytes().to_vec()),
            map: OffsetMap::shifted(0x40),
            origin,
        }
    }

    fn hints_for(text: &str, origin: Origin) -> Vec<&'static str> {
        let mut hints = Vec::new();
        string_hints(&[region(text, origin)], &mut hints);
        hints.iter().map(|h| h.value).collect()
    }

    const ROT: &str = "rot_encoded_string";
    const HEX: &str = "suspicious_hex_blob_string";
    const CONTROL: &str = "suspicious_string_non_printable_ratio";

    /// Returns a 160-character hex blob that uses every digit.
    fn blob() -> String {
        "0123456789abcdef".repeat(10)
    }

    #[test]
    fn each_hint_fires_or_stays_quiet() {
        let control = "\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}abcdefgh";
        let cases: Vec<(String, Origin, Option<&str>)> = vec![
            // ROT13 of "http://evil.example/payload.exe".
            (
                rot13_text("http://evil.example/payload.exe"),
                Origin::AsciiString,
                Some(ROT),
            ),
            (
                rot13_text("run powershell -enc"),
                Origin::AsciiString,
                Some(ROT),
            ),
            (
                rot13_text("this is the text that you wrote"),
                Origin::ResourceString,
                Some(ROT),
            ),
            (
                "This program cannot be run in DOS mode".into(),
                Origin::AsciiString,
                None,
            ),
            ("GetProcAddressForCaller".into(), Origin::AsciiString, None),
            // Contains both the encoded and the plain marker.
            ("uggc and http everywhere".into(), Origin::AsciiString, None),
            // One encoded English word is not enough.
            ("gur_ynfg_vgrz_vf_uvqqra".into(), Origin::AsciiString, None),
            // Mostly digits: the decoding changes too little to judge.
            ("1234567890.rkr 12345678".into(), Origin::AsciiString, None),
            (blob(), Origin::AsciiString, Some(HEX)),
            (blob().to_uppercase(), Origin::Utf16String, Some(HEX)),
            // A SHA-512 digest is not a blob.
            ("ab12".repeat(32), Origin::AsciiString, None),
            (format!("{}0", blob()), Origin::AsciiString, None),
            ("0F".repeat(80), Origin::AsciiString, None),
            (format!("{}g", &blob()[1..]), Origin::AsciiString, None),
            (control.into(), Origin::ResourceString, Some(CONTROL)),
            (control.into(), Origin::DotnetUserString, Some(CONTROL)),
            // Short strings and scripts other than Latin stay quiet.
            ("\u{1}\u{2}\u{3}abc".into(), Origin::ResourceString, None),
            (
                "版本信息文件说明公司名称产品名称版权".into(),
                Origin::VersionInfo,
                None,
            ),
            (
                "\t\tindented\r\n\tlines of text".into(),
                Origin::ResourceString,
                None,
            ),
        ];
        for (text, origin, expected) in cases {
            let found = hints_for(&text, origin);
            let wanted: Vec<&str> = expected.into_iter().collect();
            assert_eq!(found, wanted, "{text:?} from {origin:?}");
        }
    }

    #[test]
    fn hint_metadata_has_sample_and_offset() {
        let mut hints = Vec::new();
        let text = rot13_text("download http://x.example/a.exe now");
        string_hints(&[region(&text, Origin::AsciiString)], &mut hints);
        let metadata = &hints[0].metadata;
        let text_of = |key| match metadata.get(key) {
            Some(crate::pe::validate::Detail::Text(value)) => value.clone(),
            other => panic!("{key}: {other:?}"),
        };
        assert_eq!(text_of("string_sample"), text);
        assert_eq!(
            text_of("decoded_sample"),
            "download http://x.example/a.exe now"
        );
        assert_eq!(
            metadata.get("offset"),
            Some(&crate::pe::validate::Detail::Int(0x40))
        );
    }

    #[test]
    fn hints_capped_per_file() {
        let text = blob();
        let strings: Vec<Region<'_>> = (0..MAX_STRING_HINTS + 10)
            .map(|_| region(&text, Origin::AsciiString))
            .collect();
        let mut hints = Vec::new();
        string_hints(&strings, &mut hints);
        assert_eq!(hints.len(), MAX_STRING_HINTS);
    }

    #[test]
    fn sample_cut_at_64_chars() {
        let mut hints = Vec::new();
        string_hints(&[region(&blob(), Origin::AsciiString)], &mut hints);
        match hints[0].metadata.get("string_sample") {
            Some(crate::pe::validate::Detail::Text(sample)) => {
                assert_eq!(sample.chars().count(), SAMPLE_CHARS);
            }
            other => panic!("{other:?}"),
        }
    }
}
