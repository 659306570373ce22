//! MAC addresses: six two-digit hex groups joined by `:` or `-`
//! (`00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E`), or Cisco's three
//! four-digit groups joined by `.` (`001a.2b3c.4d5e`). Values are in
//! lower case with colons.
//!
//! The address must be a whole token: a letter, digit or `_` glued to
//! either end, the same separator before the first group, or a seventh
//! group after the last makes it part of a longer run (a certificate
//! fingerprint, an IPv6 address, a hex dump), and the whole run is then
//! skipped. Cisco groups must hold at least one hex letter, because
//! three dotted four-digit numbers are far more often phone numbers or
//! versions. The all-zero and broadcast addresses are dropped: they name
//! no device.

use super::Candidate;
use crate::{Category, Limits};

/// Length of the colon and hyphen forms.
const GROUPED_LEN: usize = 17;

/// Length of the Cisco form.
const CISCO_LEN: usize = 14;

/// The outcome of reading the bytes at one separator.
enum Found {
    /// A MAC address.
    Mac(Candidate),
    /// A run shaped like MAC groups but longer or glued, skipped up to
    /// this offset.
    Skip(usize),
    /// Nothing that starts here.
    Nothing,
}

/// Pushes every MAC address found in `text`.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    super::testing::run_anchored(text, limits, out, anchor, visit);
}

/// Marks a possible first separator: a `:` or `-` with the same byte
/// three and six bytes on, or a dot with another dot five bytes on. See
/// `for_each_marked` for the arguments. The byte six on rules out clock
/// times (`18:31:18`) and dates (`2024-03-16`), which have only two
/// separators.
#[inline(always)]
pub(super) fn anchor(
    _: u8,
    _: u8,
    byte: u8,
    _: u8,
    third: u8,
    fifth: u8,
    sixth: u8,
) -> bool {
    ((byte == b':') | (byte == b'-')) & (third == byte) & (sixth == byte)
        | (byte == b'.') & (fifth == b'.')
}

/// Pushes the address whose first separator is at `at`, if there is one,
/// and returns where to resume.
pub(super) fn visit(
    text: &[u8],
    at: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    // The longest form is 17 bytes, so the token limit never drops one
    // unless it is set below that.
    if limits.max_token_len < GROUPED_LEN {
        return text.len();
    }
    let found = match text.get(at) {
        Some(b'.') => cisco_at(text, at),
        Some(&separator) => grouped_at(text, at, separator),
        None => Found::Nothing,
    };
    match found {
        Found::Mac(candidate) => {
            let end = candidate.end;
            out.push(candidate);
            end
        }
        Found::Skip(end) => end.max(at.saturating_add(1)),
        Found::Nothing => at.saturating_add(1),
    }
}

/// Reads the colon or hyphen form whose first separator is at `at`.
fn grouped_at(text: &[u8], at: usize, separator: u8) -> Found {
    // The next separator three bytes on rejects most anchors at once.
    if text.get(at.saturating_add(3)) != Some(&separator) {
        return Found::Nothing;
    }
    let Some(start) = at.checked_sub(2) else { return Found::Nothing };
    let Some(token) =
        start.checked_add(GROUPED_LEN).and_then(|end| text.get(start..end))
    else {
        return Found::Nothing;
    };
    let shaped = token.iter().enumerate().all(|(i, &b)| {
        if i % 3 == 2 {
            b == separator
        } else {
            b.is_ascii_hexdigit()
        }
    });
    if !shaped {
        return Found::Nothing;
    }

    let end = start.saturating_add(GROUPED_LEN);
    let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
    let seventh_group = text.get(end) == Some(&separator)
        && text.get(end.saturating_add(1)).is_some_and(|&b| glues(b));
    if before.is_some_and(|b| glues(b) || b == separator)
        || text.get(end).is_some_and(|&b| glues(b))
        || seventh_group
    {
        return Found::Skip(run_end(text, at, separator));
    }
    let digits = token.iter().filter(|&&b| b != separator);
    mac(start, end, digits)
}

/// Reads the Cisco form whose first dot is at `at`.
fn cisco_at(text: &[u8], at: usize) -> Found {
    if text.get(at.saturating_add(5)) != Some(&b'.') {
        return Found::Nothing;
    }
    let Some(start) = at.checked_sub(4) else { return Found::Nothing };
    let Some(token) =
        start.checked_add(CISCO_LEN).and_then(|end| text.get(start..end))
    else {
        return Found::Nothing;
    };
    let shaped = token.iter().enumerate().all(|(i, &b)| {
        if i % 5 == 4 {
            b == b'.'
        } else {
            b.is_ascii_hexdigit()
        }
    });
    if !shaped || !token.iter().any(u8::is_ascii_alphabetic) {
        return Found::Nothing;
    }

    let end = start.saturating_add(CISCO_LEN);
    let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
    // A dot, hyphen or colon with more after it continues a host name,
    // a version or an address.
    let continued = text.get(end).is_some_and(|b| b".-:".contains(b))
        && text.get(end.saturating_add(1)).is_some_and(|&b| glues(b));
    if before.is_some_and(|b| glues(b) || b".-:".contains(&b))
        || text.get(end).is_some_and(|&b| glues(b))
        || continued
    {
        return Found::Skip(run_end(text, at, b'.'));
    }
    let digits = token.iter().filter(|&&b| b != b'.');
    mac(start, end, digits)
}

/// Builds the candidate from the twelve hex digits of an address, or
/// returns `Nothing` for the all-zero and broadcast addresses.
fn mac<'a>(
    start: usize,
    end: usize,
    digits: impl Iterator<Item = &'a u8>,
) -> Found {
    let mut value = String::with_capacity(GROUPED_LEN);
    for (i, &digit) in digits.enumerate() {
        if i > 0 && i % 2 == 0 {
            value.push(':');
        }
        value.push(char::from(digit.to_ascii_lowercase()));
    }
    let hex = || value.bytes().filter(|&b| b != b':');
    if hex().all(|b| b == b'0') || hex().all(|b| b == b'f') {
        return Found::Nothing;
    }
    Found::Mac(Candidate::new(Category::Mac, start, end, value))
}

/// Reports whether a byte next to an address makes it part of a longer
/// token.
fn glues(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Returns the end of the run of hex digits and `separator` bytes that
/// contains `at`.
fn run_end(text: &[u8], at: usize, separator: u8) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    let run = rest
        .iter()
        .take_while(|&&b| b == separator || b.is_ascii_alphanumeric())
        .count();
    at.saturating_add(run)
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
    fn forms_normalise_to_lower_colons() {
        let cases = [
            "00:1a:2b:3c:4d:5e",
            "00:1A:2B:3C:4D:5E",
            "00-1a-2b-3c-4d-5e",
            "00-1A-2B-3C-4D-5E",
            "001a.2b3c.4d5e",
            "001A.2B3C.4D5E",
        ];
        for mac in cases {
            let text = format!("nic {mac}, up");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{mac}");
            assert_eq!(found[0].value, "00:1a:2b:3c:4d:5e", "{mac}");
            assert_eq!((found[0].start, found[0].end), (4, 4 + mac.len()));
            assert_eq!(found[0].category, Category::Mac);
        }
    }

    #[test]
    fn addresses_in_context() {
        let cases: &[(&str, &[&str])] = &[
            ("(00:1a:2b:3c:4d:5e)", &["00:1a:2b:3c:4d:5e"]),
            ("mac=00-50-56-C0-00-08;", &["00:50:56:c0:00:08"]),
            ("\"aa:bb:cc:dd:ee:01\"", &["aa:bb:cc:dd:ee:01"]),
            ("ends 00:1a:2b:3c:4d:5e.", &["00:1a:2b:3c:4d:5e"]),
            ("ends 00:1a:2b:3c:4d:5e: next", &["00:1a:2b:3c:4d:5e"]),
            (
                "00:1a:2b:3c:4d:5e,00:1a:2b:3c:4d:5f",
                &["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"],
            ),
            ("12:30:45:00:11:22", &["12:30:45:00:11:22"]),
            ("cisco 0050.56ab.0001 port", &["00:50:56:ab:00:01"]),
            ("\u{e9}00:1a:2b:3c:4d:5e\u{e9}", &["00:1a:2b:3c:4d:5e"]),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn longer_runs_and_glued_forms_give_nothing() {
        let cases = [
            // Seven groups, and a group before the first.
            "00:1a:2b:3c:4d:5e:6f",
            "ff:00:1a:2b:3c:4d:5e",
            "1:00:1a:2b:3c:4d:5e",
            // A SHA-1 certificate fingerprint.
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
            // Glued to letters, digits or `_`.
            "x00:1a:2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5ex",
            "00:1a:2b:3c:4d:5e0",
            "_00:1a:2b:3c:4d:5e",
            // Mixed separators and wrong group widths.
            "00:1a-2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5",
            "000:1a:2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5g",
            // IPv6 addresses.
            "fe80::21a:2bff:fe3c:4d5e",
            "2001:db8:0:1:2:3:4:5",
            // Null and broadcast addresses.
            "00:00:00:00:00:00",
            "FF-FF-FF-FF-FF-FF",
            // Cisco-like numbers and longer dotted runs.
            "0800.1234.5678",
            "001a.2b3c.4d5e.6f70",
            "a.001a.2b3c.4d5e",
            "001a.2b3c.4d5e.example",
            "x001a.2b3c.4d5e",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn long_anchor_runs_give_nothing() {
        for unit in [":", "-", ".", "00:", "aa-", "00aa.", "0:0:"] {
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
        fn every_value_scans_back_to_itself(
            octets in proptest::collection::vec(any::<u8>(), 6),
            form in 0usize..3,
        ) {
            let hex: Vec<String> =
                octets.iter().map(|o| format!("{o:02X}")).collect();
            let text = match form {
                0 => hex.join(":"),
                1 => hex.join("-"),
                _ => hex.chunks(2).map(|p| p.concat()).collect::<Vec<_>>()
                    .join("."),
            };
            for candidate in run(text.as_bytes()) {
                prop_assert_eq!(candidate.end - candidate.start, text.len());
                prop_assert_eq!(
                    values(&candidate.value),
                    vec![candidate.value.clone()]
                );
            }
        }
    }
}
