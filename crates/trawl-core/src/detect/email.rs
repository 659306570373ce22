//! E-mail addresses, anchored on `@`.
//!
//! The local part is the RFC 5322 practical subset (letters, digits and
//! `._%+-'`), at most 64 bytes and never cut to fit. The domain must be a
//! valid host name. The local part keeps its case, and the domain is
//! lower-cased (and converted to punycode when written in Unicode).

use super::chars::{char_at, is_idn_char, next_anchor, ByteSet};
use super::hostname::{self, HostPolicy};
use super::Candidate;
use crate::{Category, Limits};

/// Maximum local-part length in bytes (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;

/// Maximum domain run examined, in bytes.
const MAX_DOMAIN_RUN: usize = 1024;

/// Pushes every e-mail candidate in `text`.
pub(crate) fn find(text: &[u8], _limits: &Limits, out: &mut Vec<Candidate>) {
    let mut consumed = 0;
    while let Some(at) = next_anchor(text, b'@', consumed) {
        let end = domain_end(text, at + 1);
        consumed = end.max(at + 1);
        if let Some(candidate) = classify(text, at, end) {
            out.push(candidate);
        }
    }
}

/// Bytes of the local part: the RFC 5322 practical subset.
const LOCAL_BYTES: ByteSet = ByteSet::new(b"._%+-'", true);

fn is_local_byte(b: u8) -> bool {
    LOCAL_BYTES.contains(b)
}

fn domain_end(text: &[u8], from: usize) -> usize {
    let mut end = from;
    while let Some((c, len)) = char_at(text, end) {
        if !(c.is_ascii_alphanumeric()
            || c == '.'
            || c == '-'
            || is_idn_char(c))
        {
            break;
        }
        end += len;
    }
    end
}

fn classify(text: &[u8], at: usize, run_end: usize) -> Option<Candidate> {
    let mut start = at;
    while start > 0 && text.get(start - 1).copied().is_some_and(is_local_byte)
    {
        start -= 1;
        if at - start > MAX_LOCAL_LEN + 1 {
            return None;
        }
    }
    while text.get(start).is_some_and(|&b| b == b'.' || b == b'\'') {
        start += 1;
    }
    let local = text.get(start..at)?;
    if local.is_empty()
        || local.len() > MAX_LOCAL_LEN
        || local.ends_with(b".")
        || local.windows(2).any(|w| w == b"..")
    {
        return None;
    }

    let mut end = run_end;
    while end > at + 1 && matches!(text.get(end - 1), Some(b'.' | b'-')) {
        end -= 1;
    }
    if end - at > MAX_DOMAIN_RUN
        || text.get(end).is_some_and(|&b| b == b'_' || b == b'@')
    {
        return None;
    }
    let domain = text.get(at + 1..end)?;
    let host = hostname::normalize(domain, HostPolicy::Delimited)?;
    let local = std::str::from_utf8(local).ok()?;
    let mut value = String::with_capacity(local.len() + 1 + host.len());
    value.push_str(local);
    value.push('@');
    value.push_str(&host);
    Some(Candidate::new(Category::Email, start, end, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    #[test]
    fn email_table() {
        let cases: &[(&str, &[&str])] = &[
            ("From: support.team@example.org;", &["support.team@example.org"]),
            (
                "alerts+phish@Mail.Example.co.uk",
                &["alerts+phish@mail.example.co.uk"],
            ),
            ("ATTACKER@example.com.", &["ATTACKER@example.com"]),
            ("mailto:admin@example.org", &["admin@example.org"]),
            ("user+tag@my-server.example", &["user+tag@my-server.example"]),
            ("broken@localhost user@domain bad@domain.c", &[]),
            ("weird@domain.123 user@@example.com @example.com", &[]),
            ("xxx_support@company.com_yyy", &[]),
            ("`ops@example.com`", &["ops@example.com"]),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn at_flood_is_linear_and_empty() {
        assert!(values(&"@".repeat(1 << 20)).is_empty());
        assert!(values(&"a@".repeat(1 << 19)).is_empty());
    }
}
