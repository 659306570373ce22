//! IPv6 addresses. (IPv4 comes out of the dotted-token pass in
//! `domain.rs`.)
//!
//! Each `:` anchors a maximal run of hex digits, colons and dots, which is
//! parsed once by `std::net` and skipped as a whole, so `::::…` or
//! `a:a:a:…` cost one pass. Boundaries keep out C++ names (`std::string`,
//! `a::b`), clock times and MAC addresses.

use std::net::Ipv6Addr;

use super::chars::{lookup, next_anchor, ByteSet};
use super::{Candidate, Value};
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
    // `sample[1::2]` and `rows[::2]` index or slice a sequence, while an
    // address in brackets follows a scheme, a space or punctuation.
    let indexed = before == Some(b'[')
        && start
            .checked_sub(2)
            .and_then(|i| text.get(i))
            .is_some_and(|&b| is_word_byte(b) || b == b')' || b == b']');
    if indexed {
        return None;
    }
    if token.len() > MAX_ADDRESS_LEN
        || token.iter().filter(|&&b| b == b':').count() < 2
    {
        return None;
    }
    let address = parse(token)?;

    let mut value = Value::from_ascii(canonical_text(&address).as_bytes())?;
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
            value.push_utf8(zone_bytes)?;
            span_end = text.len().checked_sub(after.len())?;
        }
        [b'/', tail @ ..] => {
            if let Some((prefix, after)) = prefix_len(tail) {
                value.push('/');
                value.push_str(&prefix.to_string());
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
/// (`a::b`, `dead::beef` from code), eight two-digit groups (EUI-64 or
/// MAC-like dumps) and addresses in reserved space (`5::`, `7::ff`).
pub(crate) fn parse(token: &[u8]) -> Option<Ipv6Addr> {
    // Clock times and MAC addresses fail here, before the full parser
    // runs.
    if !may_have_eight_groups(token) {
        return None;
    }
    let address = parse_address(token)?;
    if address.is_unspecified() || !token.iter().any(u8::is_ascii_digit) {
        return None;
    }
    if is_unassigned(&address) {
        return None;
    }
    let groups = || token.split(|&b| b == b':');
    if groups().all(|group| group.len() == 2) && groups().count() == 8 {
        return None;
    }
    Some(address)
}

/// Reports whether `address` starts with a group from 1 to `0fff`, a
/// range that IANA reserves. Special uses there are the NAT64 prefixes
/// `64:ff9b::/96` and `64:ff9b:1::/48` and the discard prefix
/// `100::/64`. The loopback, mapped and compatible forms start with a
/// zero group. Strings in binaries such as `5::`, `151::` and `7::ff`
/// parse as addresses in that range.
fn is_unassigned(address: &Ipv6Addr) -> bool {
    let [first, second, third, fourth, ..] = address.segments();
    let nat64 = first == 0x64 && second == 0xff9b;
    let discard = first == 0x100 && second == 0 && third == 0 && fourth == 0;
    (1..0x1000).contains(&first) && !nat64 && !discard
}

/// Parses `token` as `Ipv6Addr`'s `FromStr` does: groups of one to four
/// hex digits joined by `:`, at most one `::` that replaces one or more
/// zero groups, and a dotted IPv4 address in place of the last two
/// groups. `str::parse` cost about 1,600 instructions per address on the
/// benchmark text.
fn parse_address(token: &[u8]) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let (head_len, head_ipv4, rest) = read_groups(token, &mut head);
    if head_len == head.len() {
        return rest.is_empty().then_some(Ipv6Addr::from(head));
    }
    // An IPv4 tail must end the address, so it cannot come before `::`.
    if head_ipv4 {
        return None;
    }
    let rest = rest.strip_prefix(b"::")?;
    // `::` stands for at least one zero group, which leaves room for
    // seven groups at most, in the head and the tail together.
    let mut tail = [0u16; 7];
    let room = tail.len().checked_sub(head_len)?;
    let (tail_len, _, rest) = read_groups(rest, tail.get_mut(..room)?);
    if !rest.is_empty() {
        return None;
    }
    let tail_start = head.len().checked_sub(tail_len)?;
    head.get_mut(tail_start..)?.copy_from_slice(tail.get(..tail_len)?);
    Some(Ipv6Addr::from(head))
}

/// Reads up to `groups.len()` groups joined by `:` from the start of
/// `bytes`, the last two of which may be a dotted IPv4 address. Returns
/// the number of groups read, whether an IPv4 address ended them, and
/// the bytes after them. A group that cannot be read, with the `:` before
/// it, is left in those bytes.
fn read_groups<'a>(
    bytes: &'a [u8],
    groups: &mut [u16],
) -> (usize, bool, &'a [u8]) {
    let limit = groups.len();
    let mut rest = bytes;
    for i in 0..limit {
        let after_colon =
            if i == 0 { Some(rest) } else { rest.strip_prefix(b":") };
        let Some(after_colon) = after_colon else {
            return (i, false, rest);
        };
        let (digits, group) = hex_prefix(after_colon);
        // `i + 1 < limit <= 8`, so neither sum overflows.
        let next = i.saturating_add(1);
        // An IPv4 address starts with decimal digits and a `.`, so only
        // a group that a `.` ends can start one.
        if next < limit && after_colon.get(digits) == Some(&b'.') {
            if let Some((octets, after)) = read_ipv4(after_colon) {
                let [a, b, c, d] = octets;
                if let Some(pair) = groups.get_mut(i..=next) {
                    pair.copy_from_slice(&[
                        u16::from_be_bytes([a, b]),
                        u16::from_be_bytes([c, d]),
                    ]);
                }
                return (next.saturating_add(1), true, after);
            }
        }
        let after = after_colon.get(digits..).unwrap_or_default();
        if digits == 0 || digits > 4 {
            return (i, false, rest);
        }
        if let Some(slot) = groups.get_mut(i) {
            *slot = group;
        }
        rest = after;
    }
    (limit, false, rest)
}

/// Returns the number of hex digits at the start of `bytes`, counting
/// five at most, and the value of the first four.
fn hex_prefix(bytes: &[u8]) -> (usize, u16) {
    let mut value = 0u16;
    let mut digits: usize = 0;
    for &byte in bytes.iter().take(5) {
        let digit = lookup(&HEX_VALUE, byte);
        if digit > 0xf {
            break;
        }
        // A fifth digit shifts the first one out, but it also makes
        // the group invalid, so its value is never read.
        value = value.wrapping_shl(4) | u16::from(digit);
        digits = digits.wrapping_add(1);
    }
    (digits, value)
}

/// The value of each ASCII hex digit, and `u8::MAX` for every other
/// byte.
static HEX_VALUE: [u8; 256] = hex_value_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn hex_value_table() -> [u8; 256] {
    let mut table = [u8::MAX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
}

/// Reads a dotted IPv4 address from the start of `bytes` as the standard
/// parser does inside an IPv6 address: four decimal octets of one to
/// three digits, without a leading zero. Returns the octets and the
/// bytes after them.
fn read_ipv4(bytes: &[u8]) -> Option<([u8; 4], &[u8])> {
    let mut octets = [0u8; 4];
    let mut rest = bytes;
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let digits = rest.iter().take(4).take_while(|b| b.is_ascii_digit());
        let (number, after) = rest.split_at_checked(digits.count())?;
        let leading_zero = number.len() > 1 && number.first() == Some(&b'0');
        if number.is_empty() || number.len() > 3 || leading_zero {
            return None;
        }
        // Three digits stay below 1,000, so the sum fits in a `u16`.
        let value = number.iter().fold(0u16, |value, &b| {
            value
                .wrapping_mul(10)
                .wrapping_add(u16::from(b.wrapping_sub(b'0')))
        });
        *octet = u8::try_from(value).ok()?;
        rest = after;
    }
    Some((octets, rest))
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
    canonical_text(address).as_str().to_owned()
}

/// Formats an address as [`canonical`] does, on the stack.
fn canonical_text(address: &Ipv6Addr) -> AddressText {
    let segments = address.segments();
    let tail_is_zero = segments[6] == 0 && segments[7] == 0;
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && !tail_is_zero {
        let [.., a, b, c, d] = address.octets();
        let mut out = AddressText::default();
        out.push_bytes(b"64:ff9b::");
        out.push_bytes(super::domain::format_ipv4([a, b, c, d]).as_bytes());
        return out;
    }
    format_ipv6(address)
}

/// Length of the longest address that [`canonical_text`] writes: eight
/// groups of four hex digits and seven colons.
const MAX_CANONICAL_LEN: usize = 39;

/// An address in text form, built on the stack so that a detection can
/// copy it into its inline value without a heap allocation.
struct AddressText {
    bytes: [u8; MAX_CANONICAL_LEN],
    len: usize,
}

impl Default for AddressText {
    fn default() -> AddressText {
        AddressText { bytes: [0; MAX_CANONICAL_LEN], len: 0 }
    }
}

impl AddressText {
    /// Appends `bytes`, or drops them whole when they are not ASCII or
    /// do not fit. The formatters write ASCII only, and never more than
    /// `MAX_CANONICAL_LEN` bytes.
    fn push_bytes(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        let slot = self.bytes.get_mut(self.len..end);
        if let Some(slot) = slot.filter(|_| bytes.is_ascii()) {
            slot.copy_from_slice(bytes);
            self.len = end;
        }
    }

    /// Appends one byte, or drops it when it is not ASCII or the text
    /// is `MAX_CANONICAL_LEN` bytes long.
    fn push(&mut self, byte: u8) {
        let slot = self.bytes.get_mut(self.len);
        if let Some(slot) = slot.filter(|_| byte.is_ascii()) {
            *slot = byte;
            self.len = self.len.saturating_add(1);
        }
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    fn as_str(&self) -> &str {
        // `push` and `push_bytes` keep only ASCII, so the check never
        // fails.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// Formats an address as `Ipv6Addr`'s `Display` does: `::ffff:a.b.c.d`
/// for an IPv4-mapped address, else lower-case hex groups without
/// leading zeros and the first longest run of two or more zero groups
/// written as `::` (RFC 5952). It skips the formatting machinery, which
/// cost several thousand instructions per address.
// Cannot overflow: the counters and indexes are bounded by the eight
// segments.
#[allow(clippy::arithmetic_side_effects)]
fn format_ipv6(address: &Ipv6Addr) -> AddressText {
    let mut out = AddressText::default();
    if let Some(ipv4) = address.to_ipv4_mapped() {
        out.push_bytes(b"::ffff:");
        out.push_bytes(super::domain::format_ipv4(ipv4.octets()).as_bytes());
        return out;
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
    if best_len > 1 {
        push_groups(&mut out, segments.get(..best_start).unwrap_or_default());
        out.push_bytes(b"::");
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
fn push_groups(out: &mut AddressText, groups: &[u16]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, &group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        let digits = (u16::BITS - group.leading_zeros()).div_ceil(4).max(1);
        for shift in (0..digits).rev() {
            let nibble = usize::from((group >> (4 * shift)) & 0xF);
            out.push(HEX.get(nibble).copied().unwrap_or(b'0'));
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
            assert_eq!(format_ipv6(&address).as_str(), address.to_string());
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
            ("sample[1::2] rows[::2] f(x)[1::3] m[0][2::4]", &[]),
            ("5:: 7::ff 151:: 9c:: fff::1 1:2:3:4:5:6:7:8", &[]),
            // A group list in /etc/passwd is no address.
            ("messagebus:x:100:102::/nonexistent", &[]),
            (
                "100::1 64:ff9b:1::1 1000::1 0:0:0:0:0:0:0:1",
                &["100::1", "64:ff9b:1::1", "1000::1", "::1"],
            ),
            ("http://[2001:db8::9]/ [::1]:53", &["2001:db8::9", "::1"]),
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

    /// Parses `token` with the standard library, as a model for
    /// `parse_address`.
    fn parse_with_std(token: &[u8]) -> Option<Ipv6Addr> {
        std::str::from_utf8(token).ok()?.parse().ok()
    }

    #[test]
    fn address_text_keeps_only_ascii() {
        let mut text = AddressText::default();
        text.push_bytes(b"::");
        text.push_bytes("\u{e9}".as_bytes());
        text.push(0xC3);
        text.push(b'1');
        assert_eq!(text.as_str(), "::1");
    }

    #[test]
    fn address_text_drops_overflow() {
        let mut text = AddressText::default();
        text.push_bytes(&[b'f'; MAX_CANONICAL_LEN]);
        text.push(b':');
        text.push_bytes(b"1");
        assert_eq!(text.as_bytes().len(), MAX_CANONICAL_LEN);
    }

    #[test]
    fn address_parser_cases() {
        let cases: &[&str] = &[
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:1.2.3.4",
            "::1.2.3.4",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1.2.3.4::",
            "::01.2.3.4",
            "::1.2.3.256",
            "::1.2.3",
            "::1.2.3.4.5",
            "1:2:3:4:5:6::1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "12345::",
            "::12345",
            "1:::2",
            ":1::2",
            "1::2::3",
            "fFfF::",
            "",
            ":",
            "1:",
            "::1:",
            "::1.2.3.4:1",
            "1::1.2.3.4",
            "::0.0.0.0",
            "::00",
            "0000:0000::",
            "::1%eth0",
            "::1\u{e9}",
            "1:2:3:4:5:6:7:8::",
        ];
        for &case in cases {
            assert_eq!(
                parse_address(case.as_bytes()),
                parse_with_std(case.as_bytes()),
                "{case:?}"
            );
        }
    }

    /// IPv6 groups for the parser's property tests, most of them valid.
    fn group() -> impl proptest::strategy::Strategy<Value = &'static str> {
        proptest::prop_oneof![
            8 => proptest::sample::select(
                &["0", "1", "0000", "ab", "fFfF", "db8"][..],
            ),
            1 => proptest::sample::select(
                &["", "00000", "12345", "g", "1.2"][..],
            ),
        ]
    }

    /// Dotted IPv4 tails for the parser's property tests, most of them
    /// valid.
    fn ipv4_tail() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        let octet = proptest::prop_oneof![
            8 => proptest::sample::select(&["0", "1", "25", "99", "255"][..]),
            1 => proptest::sample::select(
                &["", "00", "01", "099", "256", "1000"][..],
            ),
        ];
        let count = proptest::prop_oneof![
            8 => proptest::strategy::Just(4usize),
            1 => 3usize..=5,
        ];
        count.prop_flat_map(move |count| {
            proptest::collection::vec(octet.clone(), count)
                .prop_map(|octets| octets.join("."))
        })
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
        fn address_parser_matches_std(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    ":", "::", ".", "0", "1", "00", "01", "25", "255", "256",
                    "999", "ab", "F", "fffF", "12345", "db8", "1.2.3.4",
                    "0.0.0.0", "g", "%", "\u{e9}",
                ][..]),
                0..16,
            )
        ) {
            let token = pieces.concat();
            proptest::prop_assert_eq!(
                parse_address(token.as_bytes()),
                parse_with_std(token.as_bytes())
            );
        }

        #[test]
        fn address_parser_matches_std_on_shapes(
            head in proptest::collection::vec(group(), 0..9),
            tail in proptest::option::of(
                proptest::collection::vec(group(), 0..8),
            ),
            ipv4 in proptest::option::of(ipv4_tail()),
            ipv4_after_colon in proptest::prelude::any::<bool>(),
        ) {
            let mut token = head.join(":");
            if let Some(tail) = tail {
                token.push_str("::");
                token.push_str(&tail.join(":"));
            }
            if let Some(ipv4) = ipv4 {
                if ipv4_after_colon {
                    token.push(':');
                }
                token.push_str(&ipv4);
            }
            proptest::prop_assert_eq!(
                parse_address(token.as_bytes()),
                parse_with_std(token.as_bytes())
            );
        }

        #[test]
        fn address_parser_matches_std_on_bytes(
            bytes in proptest::collection::vec(
                proptest::sample::select(&b"0129afAF:.:.x%\xff"[..]),
                0..48,
            )
        ) {
            proptest::prop_assert_eq!(
                parse_address(&bytes),
                parse_with_std(&bytes)
            );
        }

        #[test]
        fn address_parser_reads_displayed_forms(
            segments in proptest::array::uniform8(
                proptest::sample::select(&[0u16, 0, 0, 1, 0xff, 0xffff][..]),
            ),
            raw in proptest::prelude::any::<u128>(),
        ) {
            for address in [Ipv6Addr::from(segments), Ipv6Addr::from(raw)] {
                let text = address.to_string();
                let parsed = parse_address(text.as_bytes());
                proptest::prop_assert_eq!(parsed, Some(address));
                let text = canonical_text(&address);
                proptest::prop_assert_eq!(text.as_str(), canonical(&address));
            }
        }

        #[test]
        fn canonical_matches_display_and_nat64(
            segments in proptest::array::uniform8(
                proptest::sample::select(&[0u16, 0, 0, 1, 0xab, 0xffff][..]),
            ),
            tail in proptest::prelude::any::<u32>(),
        ) {
            let address = Ipv6Addr::from(segments);
            let text = canonical_text(&address);
            proptest::prop_assert_eq!(text.as_str(), address.to_string());
            let [a, b, c, d] = tail.to_be_bytes();
            let text = format!("64:ff9b::{a}.{b}.{c}.{d}");
            let nat64 = parse_with_std(text.as_bytes());
            let expected = if tail == 0 { "64:ff9b::".to_string() } else { text };
            proptest::prop_assert_eq!(
                nat64.map(|address| canonical(&address)),
                Some(expected)
            );
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
