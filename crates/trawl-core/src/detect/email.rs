//! E-mail addresses, anchored on `@`.
//!
//! The local part is the RFC 5322 practical subset (letters, digits and
//! `._%+-'`), at most 64 bytes and never cut to fit. The domain must be a
//! valid host name. The local part keeps its case, and the domain is
//! lower-cased (and converted to punycode when written in Unicode).

use super::chars::{char_at, is_idn_char, next_anchor, ByteSet};
use super::hostname::{self, HostPolicy};
use super::{Candidate, Value};
use crate::{Category, Limits};

/// Maximum local-part length in bytes (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;

/// Maximum domain run examined, in bytes.
const MAX_DOMAIN_RUN: usize = 1024;

/// Pushes every e-mail candidate in `text`.
pub(crate) fn find(text: &[u8], _limits: &Limits, out: &mut Vec<Candidate>) {
    let mut consumed = 0;
    let mut headers = HeaderMemo::default();
    while let Some(at) = next_anchor(text, b'@', consumed) {
        let Some(domain_start) = at.checked_add(1) else { break };
        let end = domain_end(text, domain_start);
        consumed = end.max(domain_start);
        if let Some(candidate) = classify(text, at, end, &mut headers) {
            out.push(candidate);
        }
    }
}

/// Bytes of the local part: the RFC 5322 practical subset.
const LOCAL_BYTES: ByteSet = ByteSet::new(b"._%+-'", true);

fn is_local_byte(b: u8) -> bool {
    LOCAL_BYTES.contains(b)
}

/// ASCII bytes of a domain run; non-ASCII letters are decoded apart.
const DOMAIN_BYTES: ByteSet = ByteSet::new(b".-", true);

fn domain_end(text: &[u8], from: usize) -> usize {
    let mut end = from;
    loop {
        // ASCII bytes go in one tight loop, and only a non-ASCII byte
        // takes the char decoding below.
        let rest = text.get(end..).unwrap_or_default();
        let ascii = rest.iter().take_while(|&&b| DOMAIN_BYTES.contains(b));
        end = end.saturating_add(ascii.count());
        if text.get(end).is_none_or(|&b| b < 0x80) {
            return end;
        }
        let Some((c, len)) = char_at(text, end) else { return end };
        if !is_idn_char(c) {
            return end;
        }
        let Some(next) = end.checked_add(len) else { return end };
        end = next;
    }
}

/// Returns the end of the domain run starting at `from`, one char at a
/// time: the model `domain_end` is checked against.
#[cfg(test)]
fn domain_end_by_char(text: &[u8], from: usize) -> usize {
    let mut end = from;
    while let Some((c, len)) = char_at(text, end) {
        if !(c.is_ascii_alphanumeric()
            || c == '.'
            || c == '-'
            || is_idn_char(c))
        {
            break;
        }
        let Some(next) = end.checked_add(len) else { break };
        end = next;
    }
    end
}

fn classify(
    text: &[u8],
    at: usize,
    run_end: usize,
    headers: &mut HeaderMemo,
) -> Option<Candidate> {
    // The walk back stops one byte past the longest local part plus a
    // leading dot, so a long run is rejected without cutting it to fit.
    let before = text.get(..at)?;
    let run = before
        .iter()
        .rev()
        .take(MAX_LOCAL_LEN + 2)
        .take_while(|&&b| is_local_byte(b))
        .count();
    if run > MAX_LOCAL_LEN + 1 {
        return None;
    }
    let run_start = before.len().checked_sub(run)?;
    let local = before.get(run_start..)?;
    let quotes = local.iter().take_while(|&&b| b == b'.' || b == b'\'');
    let local = local.get(quotes.count()..)?;
    let start = at.checked_sub(local.len())?;
    let glued = run_start
        .checked_sub(1)
        .and_then(|i| before.get(i))
        .is_some_and(|b| GLUED_BEFORE_LOCAL.contains(b));
    if glued
        || local.is_empty()
        || local.len() > MAX_LOCAL_LEN
        || local.ends_with(b".")
        || local.windows(2).any(|w| w == b"..")
    {
        return None;
    }

    let domain_start = at.checked_add(1)?;
    let run = text.get(domain_start..run_end)?;
    let trailing =
        run.iter().rev().take_while(|&&b| b == b'.' || b == b'-').count();
    let end = run_end.checked_sub(trailing)?;
    let domain = text.get(domain_start..end)?;
    if domain.len() >= MAX_DOMAIN_RUN
        || text.get(end).is_some_and(|&b| b == b'_' || b == b'@')
    {
        return None;
    }
    let host = hostname::normalize(domain, HostPolicy::Delimited)?;
    if is_ssh_name(local, &host) || headers.in_message_id_field(text, start) {
        return None;
    }
    let value = join_address(local, &host)?;
    Some(Candidate::new(Category::Email, start, end, value))
}

/// Bytes that RFC 5322 allows in a local part but that the practical
/// subset leaves out, and that no prose or log puts right before an
/// address. Before a local part they mean that the address is the tail
/// of a longer token, such as the Message-ID `CAH2+fx7Y=ab.c9d$e@host`,
/// which would otherwise give `e@host`. The `!` of an old UUCP bang
/// path (`ifado!wb@germany.eu.net`) is left out: the mailbox after it
/// is real.
const GLUED_BEFORE_LOCAL: &[u8] = b"#$^~";

/// Header fields whose `<id@host>` values are message identifiers, not
/// mailboxes.
const MESSAGE_ID_FIELDS: [&[u8]; 5] = [
    b"content-id:",
    b"in-reply-to:",
    b"message-id:",
    b"references:",
    b"resent-message-id:",
];

/// How far back the header field of a folded line is looked for, in
/// bytes. A `References:` field of a long thread folds over many lines.
const MAX_HEADER_LOOKBACK: usize = 8192;

/// The result of [`HeaderMemo::in_message_id_field`] for the last
/// address checked, kept to bound the walk back for the next one.
#[derive(Default)]
struct HeaderMemo {
    /// The start of that address's line, when it was found.
    line: Option<usize>,
    /// That address's start and result.
    last: Option<(usize, bool)>,
}

impl HeaderMemo {
    /// Reports whether the address at `start` lies in a mail header
    /// field of message identifiers, on its first line or on one of the
    /// folded lines after it, which start with a space or tab.
    /// Addresses come in order of offset, and the walk back over folded
    /// lines stops at the line of the previous address, whose result is
    /// true for every folded line after it. So the walks of a whole
    /// scan read each byte about once.
    fn in_message_id_field(&mut self, text: &[u8], start: usize) -> bool {
        // An address on the line of the previous one shares its result,
        // and checking that reads only the bytes between the two.
        if let Some((previous, result)) = self.last {
            let between = text.get(previous..start);
            if between.is_some_and(|b| memchr::memchr(b'\n', b).is_none()) {
                self.last = Some((start, result));
                return result;
            }
        }
        let floor = start.saturating_sub(MAX_HEADER_LOOKBACK);
        let mut line_end = start;
        let mut first_line = None;
        let result = loop {
            let Some(window) = text.get(floor..line_end) else { break false };
            let line_start = match memchr::memrchr(b'\n', window) {
                Some(newline) => {
                    floor.saturating_add(newline).saturating_add(1)
                }
                None if floor == 0 => 0,
                None => break false,
            };
            first_line.get_or_insert(line_start);
            if let (Some(known), Some((_, result))) = (self.line, self.last) {
                if known == line_start {
                    break result;
                }
            }
            let line = text.get(line_start..).unwrap_or_default();
            if !matches!(line.first(), Some(b' ' | b'\t')) {
                break MESSAGE_ID_FIELDS.iter().any(|field| {
                    line.get(..field.len())
                        .is_some_and(|name| name.eq_ignore_ascii_case(field))
                });
            }
            let Some(previous_end) = line_start.checked_sub(1) else {
                break false;
            };
            line_end = previous_end;
        };
        self.line = first_line;
        self.last = Some((start, result));
        result
    }
}

/// Reports whether `local@host` names an SSH algorithm or protocol
/// extension (`aes128-gcm@openssh.com`, `curve25519-sha256@libssh.org`)
/// rather than a mailbox, as every SSH client and server binary lists
/// them. Extension names carry a digit or a hyphen, and the developers'
/// mailboxes at those domains (`djm@openssh.com`) do not.
fn is_ssh_name(local: &[u8], host: &Value) -> bool {
    matches!(host.as_bytes(), b"openssh.com" | b"libssh.org")
        && local.iter().any(|&b| b.is_ascii_digit() || b == b'-')
}

/// Returns `local@host`, or `None` when `local` is not UTF-8. The local
/// parts that `classify` finds are ASCII, and `Value::push_utf8` copies
/// an ASCII part that fits inline after an ASCII test, without
/// `str::from_utf8`.
fn join_address(local: &[u8], host: &Value) -> Option<Value> {
    let mut value = Value::new();
    value.push_utf8(local)?;
    value.push_utf8(b"@")?;
    value.push_value(host);
    Some(value)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
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
            ("aes128-gcm@openssh.com,curve25519-sha256@libssh.org", &[]),
            ("ssh-ed25519-cert-v01@OpenSSH.com", &[]),
            ("From: djm@openssh.com", &["djm@openssh.com"]),
            ("aes128-gcm@example.com", &["aes128-gcm@example.com"]),
            // The tail of a longer RFC 5322 token is not an address.
            ("id CAH2+fx7Y=ab.c9d$e@mail.example.com", &[]),
            ("x#y@example.com ~a@example.com", &[]),
            ("From ifado!wb@germany.example.net", &["wb@germany.example.net"]),
            (
                "to=<alice@example.com> from=bob@example.org",
                &["alice@example.com", "bob@example.org"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(values(text), *expected, "{text}");
        }
    }

    #[test]
    fn message_ids_in_headers_are_not_addresses() {
        let text = "From: Alice <alice@example.com>\n\
            Message-ID: <20201204153012.GA12345@host.example.net>\n\
            In-Reply-To: <5FCA1B2C.3040506@example.org>\n\
            references: <a1@example.org>\n\
            \t<a2@example.org>\n \
            <a3@example.org>\n\
            Content-ID: <image001.png@01D6CA3B.5E2B7A10>\n\
            Reply-To: bob@example.org\n\
            \n\
            Quoted id: message-id <x@example.org>, ask carol@example.org\n";
        assert_eq!(
            values(text),
            [
                "alice@example.com",
                "bob@example.org",
                "x@example.org",
                "carol@example.org",
            ]
        );
    }

    #[test]
    fn header_lookback_is_bounded() {
        // A folded line whose field lies beyond the look-back window is
        // read as an address, and a file of folded lines costs one pass
        // per address, not one per line before it.
        let mut text = String::from("References: <a@example.org>\n");
        text.push_str(&" x\n".repeat(MAX_HEADER_LOOKBACK));
        text.push_str(" <b@example.org>\n");
        assert_eq!(values(&text), ["b@example.org"]);
    }

    /// Finds the field of the line at `start` by walking back over
    /// every folded line, with no look-back limit and no memo.
    fn field_model(text: &[u8], start: usize) -> bool {
        let line_start =
            |at: usize| text[..at].iter().rposition(|&b| b == b'\n');
        let mut at = start;
        loop {
            let from = line_start(at).map_or(0, |newline| newline + 1);
            let line = &text[from..];
            if !matches!(line.first(), Some(b' ' | b'\t')) {
                return MESSAGE_ID_FIELDS.iter().any(|field| {
                    line.len() >= field.len()
                        && line[..field.len()].eq_ignore_ascii_case(field)
                });
            }
            if from == 0 {
                return false;
            }
            at = from - 1;
        }
    }

    proptest::proptest! {
        #[test]
        fn header_memo_matches_model(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "References: ", "message-id:", "To: ", " ", "\t",
                    "\n", "<a@example.org>", "b", "@",
                ][..]),
                0..40,
            ),
        ) {
            let text = pieces.concat().into_bytes();
            let mut memo = HeaderMemo::default();
            for start in 0..=text.len() {
                proptest::prop_assert_eq!(
                    memo.in_message_id_field(&text, start),
                    field_model(&text, start),
                    "{}", start
                );
            }
        }

        #[test]
        fn domain_end_matches_char_walk(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Z", "7", ".", "-", "_", " ", "@", "é", "ß", "ü",
                    "\u{2019}", "\u{200b}", "\u{ff0e}", "日本", "\u{0}",
                ][..]),
                0..20,
            ),
            invalid in proptest::option::of(0usize..20),
        ) {
            let mut bytes = pieces.concat().into_bytes();
            if let Some(at) = invalid.filter(|&at| at < bytes.len()) {
                bytes.insert(at, 0xff);
            }
            for from in 0..=bytes.len() {
                proptest::prop_assert_eq!(
                    domain_end(&bytes, from),
                    domain_end_by_char(&bytes, from)
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn joined_address_matches_format(
            local in "[a-zA-Z0-9._%+'-]{0,70}|.{0,8}",
            host in "[a-z0-9.-]{0,70}|.{0,8}",
        ) {
            let value = join_address(local.as_bytes(), &Value::from(&*host));
            let expected = format!("{local}@{host}");
            proptest::prop_assert_eq!(value.as_deref(), Some(&*expected));
        }

        #[test]
        fn joined_address_rejects_invalid_utf8(
            local in proptest::collection::vec(0x80u8.., 1..4),
        ) {
            let invalid = std::str::from_utf8(&local).is_err();
            let value = join_address(&local, &Value::from("example.com"));
            proptest::prop_assert_eq!(value.is_none(), invalid);
        }
    }

    #[test]
    fn at_flood_is_linear_and_empty() {
        assert!(values(&"@".repeat(1 << 20)).is_empty());
        assert!(values(&"a@".repeat(1 << 19)).is_empty());
    }
}
