//! MITRE ATT&CK identifiers: techniques (`T1059`), sub-techniques
//! (`T1059.001`) and tactics (`TA0002`), written with an upper-case `T`
//! and `A` as ATT&CK writes them.
//!
//! An identifier is a whole token: no ASCII letter, digit, `_` or `+`
//! touches it on either side (so `XT1059`, `T10590` and pieces of base64
//! give nothing), and a dot after it must not start another number
//! (`T1059.0011` and `T1059.001.2` read as versions and give nothing).
//!
//! The ATT&CK site's URLs write a sub-technique as a path,
//! `/techniques/T1055/012/`; after `/techniques/` that form gives
//! `T1055.012`.
//!
//! Numbers outside the ranges ATT&CK uses are dropped, because `T` and
//! four digits also names part numbers, table rows and timestamps:
//! - techniques `T1001` to `T1799`: Enterprise and Mobile number theirs
//!   from `T1001`, and by our estimate the highest in ATT&CK v17 (2025)
//!   is below `T1700`, so the bound leaves room for more releases;
//! - ICS techniques `T0800` to `T0899`;
//! - sub-techniques `.001` to `.099` (by the same estimate the highest
//!   is below `.020`);
//! - tactics `TA0001` to `TA0049` (Enterprise and Mobile) and `TA0100`
//!   to `TA0149` (ICS).

use super::Candidate;
use crate::{Category, Limits};

/// Digits in a technique or tactic number.
const NUMBER_LEN: usize = 4;

/// Digits in a sub-technique suffix.
const SUFFIX_LEN: usize = 3;

/// Inclusive ranges of valid technique numbers.
const TECHNIQUES: [(u16, u16); 2] = [(1001, 1799), (800, 899)];

/// Inclusive ranges of valid tactic numbers.
const TACTICS: [(u16, u16); 2] = [(1, 49), (100, 149)];

/// The path segment before a technique in the ATT&CK site's URLs.
const SITE_PATH: &[u8] = b"/techniques/";

/// Inclusive range of valid sub-technique suffixes.
const SUBTECHNIQUES: (u16, u16) = (1, 99);

/// Pushes every ATT&CK identifier found in `text`.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    super::testing::run_anchored(text, limits, out, anchor, visit);
}

/// Marks a `T` followed by `1`, `0` or `A`, with no digit before it and
/// no `:` three bytes on, where an identifier has a digit. The `T` of a
/// timestamp (`2024-03-16T18:31`) follows a digit and has that `:`. See
/// `for_each_marked` for the arguments.
#[inline(always)]
pub(super) fn anchor(
    _: u8,
    previous: u8,
    byte: u8,
    next: u8,
    third: u8,
    _: u8,
    _: u8,
) -> bool {
    let after_digit = previous.wrapping_sub(b'0') < 10;
    (byte == b'T')
        & ((next == b'1') | (next == b'0') | (next == b'A'))
        & !after_digit
        & (third != b':')
}

/// Pushes the identifier whose `T` is at `at`, if there is one, and
/// returns where to resume.
pub(super) fn visit(
    text: &[u8],
    at: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    let Some((end, kind)) = identifier_at(text, at) else {
        return at.saturating_add(1);
    };
    let value = text.get(at..end).map(String::from_utf8_lossy);
    if let Some(value) = value {
        if end.saturating_sub(at) <= limits.max_token_len {
            // The ATT&CK site's path `T1055/012` is sub-technique
            // `T1055.012`.
            let value = value.replace('/', ".");
            let candidate =
                Candidate::new(Category::AttackTechnique, at, end, value);
            out.push(candidate.with_kind(kind));
        }
    }
    end
}

/// Returns the end and kind of the identifier whose `T` is at `at`.
fn identifier_at(text: &[u8], at: usize) -> Option<(usize, &'static str)> {
    let before = at.checked_sub(1).and_then(|i| text.get(i)).copied();
    if before.is_some_and(glues) {
        return None;
    }
    let after_t = at.checked_add(1)?;
    let tactic = text.get(after_t) == Some(&b'A');
    let digits_at = if tactic { after_t.checked_add(1)? } else { after_t };
    let (number, after_number) = number_at(text, digits_at, NUMBER_LEN)?;
    if tactic {
        let end = token_end(text, after_number)?;
        return in_ranges(number, &TACTICS).then_some((end, "tactic"));
    }
    if !in_ranges(number, &TECHNIQUES) {
        return None;
    }
    let dot_then_digit = text.get(after_number) == Some(&b'.')
        && text
            .get(after_number.checked_add(1)?)
            .is_some_and(u8::is_ascii_digit);
    if let Some(end) = site_subtechnique_end(text, at, after_number) {
        return Some((end, "subtechnique"));
    }
    if !dot_then_digit {
        return Some((token_end(text, after_number)?, "technique"));
    }
    let (suffix, end) =
        number_at(text, after_number.checked_add(1)?, SUFFIX_LEN)?;
    let (low, high) = SUBTECHNIQUES;
    let valid = (low..=high).contains(&suffix);
    let end = token_end(text, end)?;
    valid.then_some((end, "subtechnique"))
}

/// Returns the end of a sub-technique written as the ATT&CK site's
/// path writes it, `/techniques/T1055/012`, whose technique number ends
/// at `after_number`.
fn site_subtechnique_end(
    text: &[u8],
    at: usize,
    after_number: usize,
) -> Option<usize> {
    let path =
        at.checked_sub(SITE_PATH.len()).and_then(|start| text.get(start..at));
    if path != Some(SITE_PATH) || text.get(after_number) != Some(&b'/') {
        return None;
    }
    let (suffix, end) =
        number_at(text, after_number.checked_add(1)?, SUFFIX_LEN)?;
    let (low, high) = SUBTECHNIQUES;
    let end = token_end(text, end)?;
    (low..=high).contains(&suffix).then_some(end)
}

/// Parses exactly `len` ASCII digits at `at`, followed by no other digit,
/// and returns their value and end.
fn number_at(text: &[u8], at: usize, len: usize) -> Option<(u16, usize)> {
    let end = at.checked_add(len)?;
    let digits = text.get(at..end)?;
    if !digits.iter().all(u8::is_ascii_digit)
        || text.get(end).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let number = digits.iter().fold(0u16, |number, &digit| {
        number
            .saturating_mul(10)
            .saturating_add(u16::from(digit.saturating_sub(b'0')))
    });
    Some((number, end))
}

/// Returns `end` if the identifier may end there: nothing glued to it
/// and no dot that starts another number.
fn token_end(text: &[u8], end: usize) -> Option<usize> {
    let next = text.get(end).copied();
    if next.is_some_and(glues) {
        return None;
    }
    let dotted_number = next == Some(b'.')
        && text.get(end.checked_add(1)?).is_some_and(u8::is_ascii_digit);
    (!dotted_number).then_some(end)
}

/// Reports whether a byte next to an identifier makes it part of a
/// longer token: a letter, digit or `_`, or the `+` of base64.
fn glues(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'+')
}

fn in_ranges(number: u16, ranges: &[(u16, u16)]) -> bool {
    ranges.iter().any(|&(low, high)| (low..=high).contains(&number))
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
    fn identifiers_and_kinds() {
        let cases = [
            ("T1059", "technique"),
            ("T1001", "technique"),
            ("T1799", "technique"),
            ("T0855", "technique"),
            ("T1059.001", "subtechnique"),
            ("T1218.011", "subtechnique"),
            ("T1547.099", "subtechnique"),
            ("TA0002", "tactic"),
            ("TA0043", "tactic"),
            ("TA0108", "tactic"),
        ];
        for (id, kind) in cases {
            let text = format!("uses {id}, then");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{id}");
            assert_eq!(found[0].value, id);
            assert_eq!(found[0].kind, Some(kind), "{id}");
            assert_eq!((found[0].start, found[0].end), (5, 5 + id.len()));
            assert_eq!(found[0].category, Category::AttackTechnique);
        }
    }

    #[test]
    fn identifiers_in_context() {
        let cases: &[(&str, &[&str])] = &[
            ("(T1059.001)", &["T1059.001"]),
            ("T1059/T1086", &["T1059", "T1086"]),
            ("T1566.001,T1204.002;", &["T1566.001", "T1204.002"]),
            ("ends with T1027.", &["T1027"]),
            ("T1071.001.", &["T1071.001"]),
            ("[T1053.005]", &["T1053.005"]),
            ("\"technique_id\": \"T1105\"", &["T1105"]),
            ("T1059-like", &["T1059"]),
            ("\u{e9}T1059\u{e9}", &["T1059"]),
            ("TA0001 TA0011", &["TA0001", "TA0011"]),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn glued_or_out_of_range_gives_nothing() {
        let cases = [
            "XT1059",
            "xT1059",
            "9T1059",
            "_T1059",
            "T10590",
            "T105",
            "T1059a",
            "T1059_x",
            "T1059.0011",
            "T1059.01",
            "T1059.1",
            "T1059.001.2",
            "T1059.000",
            "T1059.100",
            "T1000",
            "T1800",
            "T0799",
            "T0900",
            "T2000",
            "t1059",
            "TA0000",
            "TA0050",
            "TA0099",
            "TA0150",
            "TA00011",
            "Ta0001",
            "TB0001",
            "+T1059+",
            "ab12T1059cd",
            "T",
            "TA",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn site_paths_give_subtechniques() {
        let cases: &[(&str, &[&str])] = &[
            ("https://attack.mitre.org/techniques/T1055/012/", &["T1055.012"]),
            ("attack.mitre.org/techniques/T1218/011", &["T1218.011"]),
            ("https://attack.mitre.org/techniques/T1059/", &["T1059"]),
            // Outside the site's path, a slash separates two ids or
            // ends the technique.
            ("T1059/001", &["T1059"]),
            ("/tactics/T1055/012", &["T1055"]),
            // Out of range or too many digits: the technique alone.
            ("/techniques/T1055/100/", &["T1055"]),
            ("/techniques/T1055/0123", &["T1055"]),
            ("/techniques/T1055/012a", &["T1055"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
        let found = run(b"/techniques/T1055/012/");
        assert_eq!(found[0].kind, Some("subtechnique"));
        assert_eq!((found[0].start, found[0].end), (12, 21));
    }

    #[test]
    fn long_anchor_runs_give_nothing() {
        for unit in ["T", "T1", "TA", "T1059.0", "T10"] {
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
        fn values_are_the_text_of_their_span(
            text in "(T[0-9]{3,5}(\\.[0-9]{1,4})?|TA[0-9]{4}|[a-zA-Z0-9 ./é-]{1,6}){0,12}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                let token = &text[candidate.start..candidate.end];
                prop_assert_eq!(
                    token.replace('/', "."),
                    candidate.value.as_str()
                );
                prop_assert!(token.starts_with('T'));
            }
        }
    }
}
