//! Compiles a rules file and scans bytes with it, checking that neither
//! panics. Every custom detection must have a non-empty value and a
//! non-empty span inside the input. Spans must come in order of start
//! offset and, for UTF-8 input, lie on character boundaries.
//!
//! The first byte picks how the rules file is made. Below 128, the
//! bytes after the length prefix are the whole file, which fuzzes the
//! TOML reader and the error paths. Otherwise they are one rule's
//! pattern inside a fixed rule whose other fields the first byte picks,
//! which fuzzes the regex compiler, the bounded search and the value
//! steps. The next two bytes give the length of that text, little-endian;
//! the rest is the input to scan.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use trawl_core::{CategorySet, Limits, RuleSet, Scanner};

fuzz_target!(|data: &[u8]| {
    let [mode, low, high, rest @ ..] = data else {
        return;
    };
    let len = usize::from(u16::from_le_bytes([*low, *high])).min(rest.len());
    let (text, input) = rest.split_at(len);
    let text = String::from_utf8_lossy(text);
    let (file, max_length) = match *mode {
        0..128 => (text.into_owned(), None),
        _ => rule_around(*mode, &text),
    };
    let Ok(rules) = RuleSet::parse(&file, "fuzz.toml") else {
        return;
    };
    let limits = Limits {
        max_token_len: 256 + usize::from(*mode & 0x0f) * 512,
        max_detections: 100_000,
        max_decode_depth: 1,
    };
    let scanner = Scanner::new(CategorySet::empty(), limits)
        .with_rules(Arc::new(rules));
    let utf8 = std::str::from_utf8(input).ok();
    let mut previous_start = 0;
    for detection in scanner.scan(input).detections {
        let (start, end) = (detection.start, detection.end);
        assert!(detection.rule.is_some(), "built-in: {detection:?}");
        assert!(!detection.value.is_empty(), "empty value: {detection:?}");
        assert!(start < end, "empty span: {detection:?}");
        assert!(end <= input.len(), "span past input end: {detection:?}");
        assert!(start >= previous_start, "out of order: {detection:?}");
        previous_start = start;
        if let Some(max) = max_length {
            assert!(detection.value.len() <= max, "long: {detection:?}");
        }
        if let Some(text) = utf8 {
            assert!(text.is_char_boundary(start), "start: {detection:?}");
            assert!(text.is_char_boundary(end), "end: {detection:?}");
        }
    }
});

/// Returns a one-rule file around `pattern`, with its boundary, group,
/// validator and `max_length` picked by the bits of `mode`, and the
/// longest value the rule can report when it keeps the case and strips
/// nothing.
fn rule_around(mode: u8, pattern: &str) -> (String, Option<usize>) {
    // A literal string cannot contain its closing quotes, so those are
    // cut off rather than escaped.
    let pattern = pattern.split("'''").next().unwrap_or_default();
    let max_length = 1 + usize::from(mode & 0x0f) * 37;
    let boundary = ["word", "none"][usize::from(mode >> 4 & 1)];
    let mut file = format!(
        "[[rule]]\nname = 'fuzz'\ncategory = 'fuzz'\n\
         pattern = '''{pattern}'''\nboundary = '{boundary}'\n\
         max_length = {max_length}\n"
    );
    if mode & 0x20 != 0 {
        file.push_str("group = 1\n");
    }
    let checksums = ["luhn", "base58check", "bech32", "eip55"];
    if mode & 0x40 != 0 {
        let checksum = checksums[usize::from(mode & 0x03)];
        file.push_str(&format!("validate = {{ checksum = '{checksum}' }}\n"));
    }
    (file, Some(max_length))
}
