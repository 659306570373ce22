//! CVE identifiers: `CVE-YYYY-NNNN…`, in any case, reported upper-case.
//!
//! The identifier is a whole token: the bytes around it are not ASCII
//! letters or digits, so `xCVE-…` and a sequence number followed by more
//! digits give nothing. The year is 1999 to 2099. The sequence number has
//! 4 to 7 digits, and MITRE's guidance for the 2014 CVE ID syntax allows a
//! leading zero only in a 4-digit one (`CVE-2014-0160`, not
//! `CVE-2014-00160`).

use super::Candidate;
use crate::{Category, Limits};

const YEAR_LEN: usize = 4;
const MIN_YEAR: u32 = 1999;
const MAX_YEAR: u32 = 2099;
const MIN_SEQUENCE_LEN: usize = 4;
const MAX_SEQUENCE_LEN: usize = 7;

/// Pushes every CVE identifier found in `text`.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    super::testing::run_anchored(text, limits, out, anchor, visit);
}

/// Marks the `E` of `CVE-`, in any case. See `for_each_marked` for the
/// arguments.
#[inline(always)]
pub(super) fn anchor(
    before_previous: u8,
    previous: u8,
    byte: u8,
    next: u8,
    _: u8,
    _: u8,
    _: u8,
) -> bool {
    ((before_previous | 0x20) == b'c')
        & ((previous | 0x20) == b'v')
        & ((byte | 0x20) == b'e')
        & (next == b'-')
}

/// Pushes the identifier whose `CVE-` prefix has its `E` at `at`, if
/// there is one, and returns where to resume.
pub(super) fn visit(
    text: &[u8],
    at: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    let resume = at.saturating_add(1);
    let Some(start) = at.checked_sub(2) else { return resume };
    let Some((end, value)) = identifier_at(text, start) else {
        return resume;
    };
    if end.saturating_sub(start) <= limits.max_token_len {
        out.push(Candidate::new(Category::Cve, start, end, value));
    }
    end
}

/// Returns the end and upper-case value of the identifier at `start`.
fn identifier_at(text: &[u8], start: usize) -> Option<(usize, String)> {
    let glued_before = start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric());
    let rest = text.get(start..)?;
    let (prefix, after_prefix) = rest.split_at_checked(4)?;
    if glued_before || !prefix.eq_ignore_ascii_case(b"CVE-") {
        return None;
    }

    let (year, after_year) =
        after_prefix.split_at_checked(digits_len(after_prefix))?;
    if year.len() != YEAR_LEN {
        return None;
    }
    let after_dash = after_year.strip_prefix(b"-")?;
    let year_number: u32 = std::str::from_utf8(year).ok()?.parse().ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year_number) {
        return None;
    }

    let (sequence, after) =
        after_dash.split_at_checked(digits_len(after_dash))?;
    if !valid_sequence(sequence) {
        return None;
    }
    if after.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }

    let len = rest.len().checked_sub(after.len())?;
    let end = start.checked_add(len)?;
    let mut value = String::with_capacity(len);
    value.push_str("CVE-");
    value.extend(year.iter().map(|&b| char::from(b)));
    value.push('-');
    value.extend(sequence.iter().map(|&b| char::from(b)));
    Some((end, value))
}

/// Returns the length of the run of ASCII digits that starts `text`.
fn digits_len(text: &[u8]) -> usize {
    text.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// Reports whether `digits` is a CVE sequence number: 4 to 7 digits, with
/// no leading zero beyond 4 digits.
fn valid_sequence(digits: &[u8]) -> bool {
    let len_ok = (MIN_SEQUENCE_LEN..=MAX_SEQUENCE_LEN).contains(&digits.len());
    let padded =
        digits.len() > MIN_SEQUENCE_LEN && digits.first() == Some(&b'0');
    len_ok && !padded
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
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
    fn identifiers_in_context() {
        let cases: &[(&str, &[&str])] = &[
            ("Log4Shell (CVE-2021-44228) was patched.", &["CVE-2021-44228"]),
            (
                "cve-2014-0160 and Cve-2017-0144.",
                &["CVE-2014-0160", "CVE-2017-0144"],
            ),
            ("CVE-1999-0001", &["CVE-1999-0001"]),
            ("CVE-2099-1234567", &["CVE-2099-1234567"]),
            ("see CVE-2024-3094:", &["CVE-2024-3094"]),
            ("_CVE-2023-4863_", &["CVE-2023-4863"]),
            ("CVE-2021-44228-poc", &["CVE-2021-44228"]),
            ("\u{e9}CVE-2021-44228\u{e9}", &["CVE-2021-44228"]),
            (
                "CVE-2021-44228,CVE-2021-45046",
                &["CVE-2021-44228", "CVE-2021-45046"],
            ),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn malformed_identifiers_give_nothing() {
        let cases = [
            "xCVE-2021-44228",
            "1CVE-2021-44228",
            "CVE-2021-44228a",
            "CVE-2021-12345678",
            "CVE-2021-123",
            "CVE-2021-01234",
            "CVE-1998-0001",
            "CVE-2100-0001",
            "CVE-21-44228",
            "CVE-02021-44228",
            "CVE2021-44228",
            "CVE-2021_44228",
            "CVE--2021-44228",
            "CVE-2021-",
            "CVE-",
            "CV",
            "V",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn span_covers_identifier_only() {
        let found = run(b"(cve-2021-44228).");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (1, 15));
        assert_eq!(found[0].category, Category::Cve);
    }

    #[test]
    fn long_v_runs_give_nothing() {
        for unit in ["v", "CVE-", "CVE-2021-", "CVE-2021-1"] {
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
        fn cve_heavy_text_gives_valid_spans(
            text in "([cC][vV][eE]-[0-9]{2,8}-[0-9]{2,9}|[a-zA-Z0-9 é-]{1,6}){0,12}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                let token = &text[candidate.start..candidate.end];
                prop_assert_eq!(token.to_ascii_uppercase(), candidate.value);
            }
        }
    }
}
