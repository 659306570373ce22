//! IPv6 addresses. (IPv4 comes out of the dotted-token pass in
//! `domain.rs`.)
//!
//! Each `:` anchors a maximal run of hex digits, colons and dots, which is
//! parsed once by `std::net` and skipped as a whole, so `::::…` or
//! `a:a:a:…` cost one pass. Boundaries keep out C++ names (`std::string`,
//! `a::b`), clock times and MAC addresses.

use std::net::Ipv6Addr;

use super::chars::{next_anchor, ByteSet};
use super::Candidate;
use crate::{Category, Limits};

/// Maximum length of a textual IPv6 address: eight groups with an embedded IPv4 tail.
const MAX_ADDRESS_LEN: usize = 45;

/// Maximum length of a zone id after `%`.
const MAX_ZONE_LEN: usize = 32;

/// Pushes every IPv6 candidate in `text`.
pub(crate) fn find(text: &[u8], _limits: &Limits, out: &mut Vec<Candidate>) {
    let mut consumed = 0;
    while let Some(colon) = next_anchor(text, b':', consumed) {
        // The anchor is the first colon of its run, so a run that ends
        // right after it (`"key": "value"`, `mail: from`) contains one
        // colon, too few for an address.
        let after_colon = colon.saturating_add(1);
        if text.get(after_colon).is_none_or(|&b| !is_address_byte(b)) {
            consumed = after_colon;
            continue;
        }
        // Both runs stay inside `text`, so the saturating steps are exact.
        let before = text.get(consumed..colon).unwrap_or_default();
        let back = before.iter().rev().take_while(|&&b| is_address_byte(b));
        let start = colon.saturating_sub(back.count());
        let after = text.get(colon..).unwrap_or_default();
        let ahead = after.iter().take_while(|&&b| is_address_byte(b));
        let end = colon.saturating_add(ahead.count());
        consumed = end.max(colon.saturating_add(1));
        if let Some(candidate) = classify(text, start, end) {
            out.push(candidate);
        }
    }
}

/// Hex digits, `:` and `.`: the bytes of an address run.
const ADDRESS_BYTES: ByteSet =
    ByteSet::new(b"0123456789abcdefABCDEF:.", false);

fn is_address_byte(b: u8) -> bool {
    ADDRESS_BYTES.contains(b)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn classify(text: &[u8], start: usize, end: usize) -> Option<Candidate> {
    let run = text.get(start..end)?;
    let dots = run.iter().rev().take_while(|&&b| b == b'.').count();
    let end = end.checked_sub(dots)?;
    // `key:2001:db8::1` in logs: a single leading colon separates a key.
    let after_key = matches!(
        text.get(start..),
        Some([b':', rest @ ..]) if rest.first() != Some(&b':')
    );
    let start = start.checked_add(usize::from(after_key))?;
    let token = text.get(start..end)?;
    // The glued-word test comes first because it is cheaper than counting
    // colons and rejects most clock times (`T12:30:45` in ISO 8601).
    let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
    if !after_key && before.is_some_and(is_word_byte) {
        return None;
    }
    if token.len() > MAX_ADDRESS_LEN
        || token.iter().filter(|&&b| b == b':').count() < 2
    {
        return None;
    }
    let address = parse(token)?;

    let mut value = canonical(&address);
    let mut span_end = end;
    // `span_end` is measured from the end of `text`, so it needs no sum.
    match text.get(end..).unwrap_or_default() {
        [b'%', tail @ ..] => {
            let (zone_bytes, after) = tail.split_at_checked(zone_len(tail))?;
            let glued = after.first() == Some(&b':');
            if zone_bytes.is_empty() || glued {
                return None;
            }
            value.push('%');
            value.push_str(std::str::from_utf8(zone_bytes).ok()?);
            span_end = text.len().checked_sub(after.len())?;
        }
        [b'/', tail @ ..] => {
            if let Some((prefix, after)) = prefix_len(tail) {
                value = format!("{value}/{prefix}");
                span_end = text.len().checked_sub(after.len())?;
            }
        }
        // A backslash is a JSON escape (`2001:db8::\n1`) or a path.
        [b, ..] if is_word_byte(*b) || *b == b'\\' => return None,
        _ => {}
    }
    let candidate = Candidate::new(Category::Ip, start, span_end, value);
    Some(candidate.with_kind("ipv6"))
}

/// Parses a textual IPv6 address and rejects forms that are valid but in
/// practice are something else: `::` alone, hex words without a digit
/// (`a::b`, `dead::beef` from code) and eight two-digit groups (EUI-64 or
/// MAC-like dumps).
pub(crate) fn parse(token: &[u8]) -> Option<Ipv6Addr> {
    // Clock times and MAC addresses fail here, before the costlier
    // `std::net` parser runs.
    if !may_have_eight_groups(token) {
        return None;
    }
    let text = std::str::from_utf8(token).ok()?;
    let address: Ipv6Addr = text.parse().ok()?;
    if address.is_unspecified() || !token.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let groups = || token.split(|&b| b == b':');
    if groups().all(|group| group.len() == 2) && groups().count() == 8 {
        return None;
    }
    Some(address)
}

/// Reports whether `token` passes the group count of RFC 4291 section 2.2:
/// an address without `::` has seven colons, or six before an IPv4 tail.
fn may_have_eight_groups(token: &[u8]) -> bool {
    token.iter().filter(|&&b| b == b':').count() >= 6
        || token.windows(2).any(|pair| pair == b"::")
}

/// Formats an address in RFC 5952 form, with the IPv4 tail in dotted form
/// for IPv4-mapped and NAT64 (`64:ff9b::/96`) addresses as RFC 5952
/// section 5 recommends.
pub(crate) fn canonical(address: &Ipv6Addr) -> String {
    let segments = address.segments();
    let tail_is_zero = segments[6] == 0 && segments[7] == 0;
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && !tail_is_zero {
        let [.., a, b, c, d] = address.octets();
        return format!("64:ff9b::{a}.{b}.{c}.{d}");
    }
    format_ipv6(address)
}

/// Formats an address as `Ipv6Addr`'s `Display` does: `::ffff:a.b.c.d`
/// for an IPv4-mapped address, else lower-case hex groups without
/// leading zeros and the first longest run of two or more zero groups
/// written as `::` (RFC 5952). It skips the formatting machinery, which
/// cost several thousand instructions per address.
// Cannot overflow: the counters and indexes are bounded by the eight
// segments.
#[allow(clippy::arithmetic_side_effects)]
fn format_ipv6(address: &Ipv6Addr) -> String {
    if let Some(ipv4) = address.to_ipv4_mapped() {
        let dotted = super::domain::format_ipv4(ipv4.octets());
        return format!("::ffff:{dotted}");
    }
    let segments = address.segments();
    let (mut best_start, mut best_len) = (0, 0);
    let (mut run_start, mut run_len) = (0, 0);
    for (i, &segment) in segments.iter().enumerate() {
        if segment != 0 {
            run_len = 0;
            continue;
        }
        if run_len == 0 {
            run_start = i;
        }
        run_len += 1;
        if run_len > best_len {
            (best_start, best_len) = (run_start, run_len);
        }
    }
    let mut out = String::with_capacity(39);
    if best_len > 1 {
        push_groups(&mut out, segments.get(..best_start).unwrap_or_default());
        out.push_str("::");
        let after = segments.get(best_start + best_len..).unwrap_or_default();
        push_groups(&mut out, after);
    } else {
        push_groups(&mut out, &segments);
    }
    out
}

/// Appends groups as lower-case hex without leading zeros, joined by `:`.
// Cannot overflow: `leading_zeros` of a `u16` is at most 16 and `shift`
// is below 4.
#[allow(clippy::arithmetic_side_effects)]
fn push_groups(out: &mut String, groups: &[u16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, &group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let digits = (u16::BITS - group.leading_zeros()).div_ceil(4).max(1);
        for shift in (0..digits).rev() {
            let nibble = usize::from((group >> (4 * shift)) & 0xF);
            out.push(char::from(HEX.get(nibble).copied().unwrap_or(b'0')));
        }
    }
}

/// Returns the length of the zone id that starts `text`.
fn zone_len(text: &[u8]) -> usize {
    text.iter()
        .take(MAX_ZONE_LEN + 1)
        .take_while(|&&b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        .count()
        .min(MAX_ZONE_LEN)
}

/// Parses the prefix length that starts `text`, returning it and the
/// bytes after it.
fn prefix_len(text: &[u8]) -> Option<(u8, &[u8])> {
    let digits =
        text.iter().take(4).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    let (raw, after) = text.split_at_checked(digits)?;
    if after.first().is_some_and(|&b| is_word_byte(b)) {
        return None;
    }
    let prefix: u8 = std::str::from_utf8(raw).ok()?.parse().ok()?;
    (prefix <= 128).then_some((prefix, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_format_matches_display() {
        let mut fixed = vec![
            Ipv6Addr::UNSPECIFIED,
            Ipv6Addr::LOCALHOST,
            "::ffff:192.0.2.1".parse().unwrap(),
            "::192.0.2.1".parse().unwrap(),
            "1:0:0:2:0:0:0:3".parse().unwrap(),
            "1:0:0:2:0:0:3:4".parse().unwrap(),
            "1:0:2:3:4:5:6:7".parse().unwrap(),
            "0:1:2:3:4:5:6:0".parse().unwrap(),
            "fe80::1:ff:abcd".parse().unwrap(),
        ];
        // Every pattern of zero groups, with non-zero groups of every
        // hex width.
        let words = [0x1, 0xab, 0xf00, 0xffff];
        for zeros in 0u32..256 {
            let mut segments = [0u16; 8];
            for (i, segment) in segments.iter_mut().enumerate() {
                if zeros & (1 << i) == 0 {
                    let word = words.get((i + zeros as usize) % words.len());
                    *segment = word.copied().unwrap_or(1);
                }
            }
            fixed.push(Ipv6Addr::from(segments));
        }
        for address in fixed {
            assert_eq!(format_ipv6(&address), address.to_string());
        }
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    #[test]
    fn ipv6_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "to 2001:0db8:0000:0000:0000:0ab9:C0A8:0102.",
                &["2001:db8::ab9:c0a8:102"],
            ),
            (" ::1 ", &["::1"]),
            ("addr=::1;", &["::1"]),
            ("client ::ffff:192.0.2.128,", &["::ffff:192.0.2.128"]),
            ("nat64 64:ff9b::198.51.100.7", &["64:ff9b::198.51.100.7"]),
            ("prefix 64:ff9b::/96 ok", &["64:ff9b::/96"]),
            ("[2001:db8::8]:443", &["2001:db8::8"]),
            ("fe80::1%eth0 up", &["fe80::1%eth0"]),
            ("net 2001:db8::/32", &["2001:db8::/32"]),
            ("src_ip:2001:db8::7 ok", &["2001:db8::7"]),
            ("std::string Foo::Bar a::b dead::beef", &[]),
            ("at 12:30:45 and 10:15:32", &[]),
            ("mac aa:bb:cc:dd:ee:ff 00:11:22:33:44:55:66:77", &[]),
            ("just :: here", &[]),
            ("1.2.3.4:8080", &[]),
            ("\"2001:db8::\\n1\"", &[]),
            ("fe80::1%eth0fe80::2%eth1", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn colon_flood_is_linear_and_empty() {
        assert!(values(&":".repeat(1 << 20)).is_empty());
        assert!(values(&"a:".repeat(1 << 19)).is_empty());
    }

    /// Finds IPv6 candidates as `find` did before it passed over colons
    /// that end their run, as a model for it.
    fn find_every_colon(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut consumed = 0;
        while let Some(colon) = next_anchor(text, b':', consumed) {
            let before = text.get(consumed..colon).unwrap_or_default();
            let back =
                before.iter().rev().take_while(|&&b| is_address_byte(b));
            let start = colon.saturating_sub(back.count());
            let after = text.get(colon..).unwrap_or_default();
            let ahead = after.iter().take_while(|&&b| is_address_byte(b));
            let end = colon.saturating_add(ahead.count());
            consumed = end.max(colon.saturating_add(1));
            out.extend(classify(text, start, end));
        }
        out
    }

    #[test]
    fn group_count_check_cases() {
        assert!(!may_have_eight_groups(b"12:30:45"));
        assert!(!may_have_eight_groups(b"aa:bb:cc:dd:ee:ff"));
        assert!(may_have_eight_groups(b"1:2:3:4:5:6:1.2.3.4"));
        assert!(may_have_eight_groups(b"1:2:3:4:5:6:7:8"));
        assert!(may_have_eight_groups(b"a::b"));
        assert!(may_have_eight_groups(b"::"));
    }

    proptest::proptest! {
        #[test]
        fn group_count_check_only_drops_invalid(
            text in "[0-9a-fA-F:.%]{0,45}"
        ) {
            if !may_have_eight_groups(text.as_bytes()) {
                proptest::prop_assert!(text.parse::<Ipv6Addr>().is_err());
            }
        }

        #[test]
        fn group_count_check_only_drops_invalid_groups(
            groups in proptest::collection::vec(
                proptest::sample::select(&[
                    "", "0", "1", "ffff", "db8", "1.2.3.4", "10000",
                ][..]),
                1..10,
            )
        ) {
            let text = groups.join(":");
            if !may_have_eight_groups(text.as_bytes()) {
                proptest::prop_assert!(text.parse::<Ipv6Addr>().is_err());
            }
        }

        #[test]
        fn run_end_shortcut_finds_same(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    ":", "::", "1", "a", "db8", "g", ".", " ", "\"", "%",
                    "/", "_", "2001:db8::1",
                ][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let mut found = Vec::new();
            find(text.as_bytes(), &Limits::default(), &mut found);
            proptest::prop_assert_eq!(found, find_every_colon(text.as_bytes()));
        }
    }
}
