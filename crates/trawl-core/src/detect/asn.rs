//! Autonomous system numbers, reported as `AS` and the number
//! (`AS13335`).
//!
//! Accepted forms:
//! - `AS13335` and `ASN13335`, with the prefix in upper case;
//! - `AS 13335` and `ASN 13335`, with one space;
//! - a label: `ASN`, an optional closing quote, then `:` or `=`, or
//!   `asn` (as JSON and YAML write the key), an optional closing quote
//!   and `:`; then up to three spaces or quotes before the number, which
//!   may carry its own `AS` (`ASN: 13335`, `ASN=13335`, `"asn": 13335`,
//!   `asn: "AS13335"`).
//!
//! The number is 1 to 4294967295 without leading zeros, bounded by no
//! letter, digit or `_`, and not followed by a dot and a digit (asdot
//! notation and versions). Reserved, private and documentation numbers
//! are reported like the rest: the text names them, and dropping them is
//! a matter for allow-lists downstream.
//!
//! A bare `AS` needs a number of three or more digits, because `AS2`
//! (the EDI protocol) and `AS3` (ActionScript) are not networks, and
//! `AS400` is skipped as the IBM system's name. `ASN1` is skipped as the
//! ASN.1 notation. A spaced `AS` after an all-capital word (`SUCH AS
//! 100`) reads as shouted prose and gives nothing.

use super::Candidate;
use crate::{Category, Limits};

/// Most digits of a 32-bit number.
const MAX_DIGITS: usize = 10;

/// Digits a bare `AS` prefix needs.
const MIN_BARE_DIGITS: usize = 3;

/// Spaces and quotes allowed between a label's `:` or `=` and its number.
const MAX_LABEL_GAP: usize = 3;

/// Pushes every autonomous system number found in `text`.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    super::testing::run_anchored(text, limits, out, anchor, visit);
}

/// Marks the `S` of `AS`, and a `:` after an `n` or after an `n` and a
/// quote, where a lower-case `asn` label would end. `visit` checks the
/// label. See `for_each_marked` for the arguments.
#[inline(always)]
pub(super) fn anchor(
    before_previous: u8,
    previous: u8,
    byte: u8,
    _: u8,
    _: u8,
    _: u8,
    _: u8,
) -> bool {
    let quote = (previous == b'"') | (previous == b'\'');
    let label_end = (previous == b'n') | quote & (before_previous == b'n');
    (byte == b'S') & (previous == b'A') | (byte == b':') & label_end
}

/// Pushes the number whose prefix has its `S` at `at`, or whose
/// lower-case label ends with the `:` at `at`, if there is one, and
/// returns where to resume.
pub(super) fn visit(
    text: &[u8],
    at: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    let found = if text.get(at) == Some(&b'S') {
        at.checked_sub(1)
            .filter(|&start| !glued_before(text, start))
            .and_then(|start| upper_at(text, start, limits))
    } else {
        lower_label_before(text, at)
            .filter(|&start| !glued_before(text, start))
            .and_then(|start| {
                label_at(text, start, start.saturating_add(3), limits)
            })
    };
    match found {
        Some(candidate) => {
            let end = candidate.end;
            out.push(candidate);
            end
        }
        None => at.saturating_add(1),
    }
}

/// Returns the start of the `asn` or quoted `asn"` label that ends at
/// the `:` at `colon`.
fn lower_label_before(text: &[u8], colon: usize) -> Option<usize> {
    let quoted = colon
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(|&b| b == b'"' || b == b'\'');
    let label_end = if quoted { colon.checked_sub(1)? } else { colon };
    let start = label_end.checked_sub(3)?;
    (text.get(start..label_end) == Some(b"asn")).then_some(start)
}

/// Reads an upper-case form whose `AS` starts at `start`.
fn upper_at(text: &[u8], start: usize, limits: &Limits) -> Option<Candidate> {
    let after_as = start.checked_add(2)?;
    let asn = text.get(after_as) == Some(&b'N');
    let after_prefix = if asn { after_as.checked_add(1)? } else { after_as };
    let (digits_at, spaced) = match text.get(after_prefix)? {
        b if b.is_ascii_digit() => (after_prefix, false),
        b' ' => (after_prefix.checked_add(1)?, true),
        _ if asn => return label_at(text, start, after_prefix, limits),
        _ => return None,
    };
    let (number, end) = number_at(text, digits_at)?;
    let digits = end.checked_sub(digits_at)?;
    if !asn && digits < MIN_BARE_DIGITS {
        return None;
    }
    let skipped_name = match (asn, spaced) {
        (false, false) => number == 400,
        (true, false) => number == 1,
        _ => false,
    };
    if skipped_name || (spaced && !asn && shouted_before(text, start)) {
        return None;
    }
    candidate(start, end, number, limits)
}

/// Reads a label whose `ASN` or `asn` starts at `start` and ends at
/// `after`: a quote, `:` or `=`, a short gap, and the number.
fn label_at(
    text: &[u8],
    start: usize,
    after: usize,
    limits: &Limits,
) -> Option<Candidate> {
    let mut at = after;
    if matches!(text.get(at), Some(b'"' | b'\'')) {
        at = at.checked_add(1)?;
    }
    if !matches!(text.get(at), Some(b':' | b'=')) {
        return None;
    }
    at = at.checked_add(1)?;
    let gap = text
        .get(at..)?
        .iter()
        .take(MAX_LABEL_GAP.saturating_add(1))
        .take_while(|&&b| matches!(b, b' ' | b'"' | b'\''))
        .count();
    if gap > MAX_LABEL_GAP {
        return None;
    }
    at = at.checked_add(gap)?;
    let prefix = text.get(at..at.checked_add(2)?);
    if prefix.is_some_and(|p| p.eq_ignore_ascii_case(b"AS")) {
        at = at.checked_add(2)?;
    }
    let (number, end) = number_at(text, at)?;
    candidate(start, end, number, limits)
}

/// Parses the decimal number at `at`: 1 to `u32::MAX`, no leading zero,
/// and nothing glued after it. Returns it with its end.
fn number_at(text: &[u8], at: usize) -> Option<(u32, usize)> {
    let rest = text.get(at..)?;
    let len = rest
        .iter()
        .take(MAX_DIGITS.saturating_add(1))
        .take_while(|b| b.is_ascii_digit())
        .count();
    if len == 0 || len > MAX_DIGITS || rest.first() == Some(&b'0') {
        return None;
    }
    let end = at.checked_add(len)?;
    let next = text.get(end).copied();
    let dotted = next == Some(b'.')
        && text.get(end.checked_add(1)?).is_some_and(u8::is_ascii_digit);
    if next.is_some_and(glues) || dotted {
        return None;
    }
    let digits = std::str::from_utf8(rest.get(..len)?).ok()?;
    Some((digits.parse().ok()?, end))
}

fn candidate(
    start: usize,
    end: usize,
    number: u32,
    limits: &Limits,
) -> Option<Candidate> {
    if end.saturating_sub(start) > limits.max_token_len {
        return None;
    }
    let value = format!("AS{number}");
    Some(Candidate::new(Category::Asn, start, end, value))
}

/// Reports whether a byte next to a form makes it part of a word.
fn glues(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Reports whether an ASCII letter, digit or `_` ends right before
/// `start`.
fn glued_before(text: &[u8], start: usize) -> bool {
    start.checked_sub(1).and_then(|i| text.get(i)).is_some_and(|&b| glues(b))
}

/// Reports whether the word before `start`, across one space, is in
/// capitals (`SUCH AS`), which marks shouted prose.
fn shouted_before(text: &[u8], start: usize) -> bool {
    let Some(space) = start.checked_sub(1) else { return false };
    if text.get(space) != Some(&b' ') {
        return false;
    }
    let before = text.get(..space).unwrap_or_default();
    let word = before.iter().rev().take_while(|b| b.is_ascii_alphabetic());
    let (len, upper) = word.fold((0usize, true), |(len, upper), b| {
        (len.saturating_add(1), upper && b.is_ascii_uppercase())
    });
    len >= 2 && upper
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(text: &[u8]) -> Vec<Candidate> {
        super::super::testing::run(find, text)
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    #[test]
    fn forms_normalise_to_as_prefix() {
        let cases = [
            "AS13335",
            "ASN13335",
            "AS 13335",
            "ASN 13335",
            "ASN: 13335",
            "ASN:13335",
            "ASN=13335",
            "asn: 13335",
            "\"asn\": 13335",
            "\"asn\": \"AS13335\"",
            "asn: 'as13335'",
        ];
        for form in cases {
            let text = format!("origin {form}, seen");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{form}: {found:?}");
            assert_eq!(found[0].value, "AS13335", "{form}");
            assert_eq!(found[0].category, Category::Asn);
            let written = &text[found[0].start..found[0].end];
            assert!(written.ends_with("13335"), "{form}: {written}");
            assert!(written.starts_with(['A', 'a']), "{form}: {written}");
        }
    }

    #[test]
    fn number_range_edges() {
        let cases: &[(&str, &[&str])] = &[
            ("AS4294967295", &["AS4294967295"]),
            ("AS4294967296", &[]),
            ("ASN 1", &["AS1"]),
            ("ASN: 0", &[]),
            ("AS0123", &[]),
            ("AS12345678901", &[]),
            ("AS64512 AS65535 AS23456", &["AS64512", "AS65535", "AS23456"]),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn numbers_in_context() {
        let cases: &[(&str, &[&str])] = &[
            ("(AS15169)", &["AS15169"]),
            ("AS174, AS701 and AS3356.", &["AS174", "AS701", "AS3356"]),
            ("hosted in AS 9009 (M247)", &["AS9009"]),
            ("\u{e9}AS13335\u{e9}", &["AS13335"]),
            ("{\"ip\": \"1.1.1.1\", \"asn\": 13335}", &["AS13335"]),
            ("ASN:  \"AS209\"", &["AS209"]),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn look_alikes_give_nothing() {
        let cases = [
            "XAS13335",
            "AS13335x",
            "AS13335_1",
            "_AS13335",
            "as13335",
            "As13335",
            "AS2 transport",
            "AS3 code",
            "AS 12",
            "IBM AS400 host",
            "ASN1 parser",
            "ASN.1",
            "AS1.10",
            "AS13335.5",
            "SUCH AS 100 USERS",
            "has 13335",
            "basn: 13335",
            "asn13335",
            "asn 13335",
            "asn=13335",
            "ASN:     13335",
            "ASN-13335",
            "AS-13335",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn label_number_is_not_reported_twice() {
        let found = run(b"\"asn\": \"AS13335\", \"ASN\": \"AS9009\"");
        let spans: Vec<_> = found.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(spans, [(1, 15), (19, 32)]);
    }

    #[test]
    fn long_anchor_runs_give_nothing() {
        for unit in ["S", "AS", "ASN", "asn", "asn:", "AS 0", "asn\":"] {
            let text = unit.repeat(100_000);
            assert!(run(text.as_bytes()).is_empty(), "{unit}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            super::super::testing::assert_valid_spans(find, &bytes);
        }

        #[test]
        fn every_value_scans_back_as_a_label(
            text in "((AS|ASN|asn: |ASN: )[0-9]{1,11}|[a-zA-Z0-9 .:\"é-]{1,6}){0,12}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                let number = candidate.value.strip_prefix("AS").unwrap();
                let again = values(&format!("ASN: {number}"));
                prop_assert_eq!(again, vec![candidate.value.clone()]);
            }
        }
    }
}
