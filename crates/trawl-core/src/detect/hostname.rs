//! Host-name validation and normalisation shared by the URL, domain and
//! e-mail detectors.

use super::chars::ByteSet;
use super::Value;

mod to_ascii;

/// How much evidence a host name needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostPolicy {
    /// A bare name in prose: its suffix must be on the public suffix list
    /// (or a special-use name such as `.example` or `.onion`), with at
    /// least one label in front of it.
    Bare,
    /// The host of a URL or an e-mail address: the scheme or the `@`
    /// already marks it as a host, so any alphabetic top-level label will
    /// do (`.local`, `.internal` and other private names included).
    Delimited,
}

/// Special-use and private top-level names that are not on the public
/// suffix list but name hosts in reports and logs (RFC 2606, RFC 6761,
/// RFC 7686, and the private names common on internal networks).
const SPECIAL_TLDS: &[&[u8]] = &[
    b"example",
    b"test",
    b"invalid",
    b"local",
    b"onion",
    b"internal",
    b"lan",
];

/// Maximum host-name length in bytes (RFC 1035).
const MAX_HOST_LEN: usize = 253;

/// Maximum label length in bytes (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Returns the normalised (lower-case, A-label) form of the host name in
/// `raw`, without trailing dots, or `None` when it is not a valid host
/// under `policy`. Needs at least two labels.
pub(crate) fn normalize(raw: &[u8], policy: HostPolicy) -> Option<Value> {
    let mut raw = raw;
    while let Some(rest) = raw.strip_suffix(b".") {
        raw = rest;
    }
    if raw.is_empty() || raw.len() > 4 * MAX_HOST_LEN {
        return None;
    }
    if raw.len() <= MAX_HOST_LEN {
        // The common case lower-cases an ASCII name straight into the
        // returned value, which needs no heap for a short name.
        if let Some(lower) = Value::ascii_lowercase(raw) {
            return accepted(lower.as_bytes(), policy).then_some(lower);
        }
    } else if raw.is_ascii() {
        return None;
    }
    if !may_accept_ascii_tld(raw, policy) {
        return None;
    }
    let host = to_ascii::domain_to_ascii(raw)?;
    accepted(host.as_bytes(), policy).then_some(host)
}

/// Reports whether a name whose last label is ASCII can pass `policy`,
/// judged from that label alone. IDNA only lower-cases an ASCII label,
/// so a last label that no suffix rule names (`éé….exe`) rejects the
/// name before the costly conversion of the labels in front of it. A
/// name whose last label is not ASCII passes.
fn may_accept_ascii_tld(raw: &[u8], policy: HostPolicy) -> bool {
    let tld = match raw.iter().rposition(|&b| b == b'.') {
        Some(dot) => raw.get(dot.saturating_add(1)..).unwrap_or_default(),
        None => raw,
    };
    if !tld.is_ascii() {
        return true;
    }
    // A wildcard rule (`*.ck`) only matches a label under the top-level
    // name, so the probe puts one in front of it.
    let mut probe = [0u8; MAX_LABEL_LEN + 2];
    let len = tld.len().saturating_add(2);
    let Some(probe) = probe.get_mut(..len) else {
        // The label is too long for any host.
        return false;
    };
    let (head, label) = probe.split_at_mut(2);
    head.copy_from_slice(b"x.");
    label.copy_from_slice(tld);
    label.make_ascii_lowercase();
    let lower_tld = &*label;
    match policy {
        HostPolicy::Delimited => valid_tld(lower_tld),
        HostPolicy::Bare => {
            SPECIAL_TLDS.contains(&lower_tld)
                || psl::suffix(probe).is_some_and(|s| s.is_known())
        }
    }
}

/// Returns the host name in `raw`, lower-case ASCII without a trailing
/// dot, as [`normalize`] does, when it is valid under `policy`. A caller
/// that has checked those facts skips the copy that lower-cases, and
/// passes the offset of the last dot of `raw`, which it has found.
pub(crate) fn normalize_lower_ascii(
    raw: &[u8],
    last_dot: usize,
    policy: HostPolicy,
) -> Option<Value> {
    if raw.get(last_dot) != Some(&b'.') || !accepted_at(raw, last_dot, policy)
    {
        return None;
    }
    Value::from_ascii(raw)
}

/// Checks a lower-case ASCII host name against `policy`.
fn accepted(host: &[u8], policy: HostPolicy) -> bool {
    // The top-level label is short, so a plain search from the end beats
    // a vector one.
    let Some(last_dot) = host.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    accepted_at(host, last_dot, policy)
}

/// Checks a lower-case ASCII host name whose last dot is at `last_dot`
/// against `policy`.
fn accepted_at(host: &[u8], last_dot: usize, policy: HostPolicy) -> bool {
    if host.len() > MAX_HOST_LEN {
        return false;
    }
    // The suffix goes first: it rejects most names that fail, such as
    // file names, for less than the label syntax costs.
    let tld = last_dot
        .checked_add(1)
        .and_then(|start| host.get(start..))
        .unwrap_or_default();
    let suffix_ok = match policy {
        HostPolicy::Delimited => valid_tld(tld),
        HostPolicy::Bare => {
            SPECIAL_TLDS.contains(&tld) || has_public_suffix(host)
        }
    };
    suffix_ok && valid_labels(host).is_some()
}

/// Bytes that end a run of label bytes: the dot, and every byte that
/// no label contains.
const LABEL_ENDS: ByteSet = ByteSet::new(b"-", true).complement();

/// Checks label syntax in one pass: at least two labels, each 1-63 bytes
/// of letters, digits and inner hyphens. Returns the offset of the last
/// dot.
fn valid_labels(host: &[u8]) -> Option<usize> {
    let mut last_dot = None;
    let mut label_start: usize = 0;
    loop {
        let rest = host.get(label_start..)?;
        let Some(len) = LABEL_ENDS.first_in(rest) else {
            valid_label(rest)?;
            return last_dot;
        };
        if rest.get(len) != Some(&b'.') {
            return None;
        }
        valid_label(rest.get(..len)?)?;
        let dot = label_start.checked_add(len)?;
        last_dot = Some(dot);
        label_start = dot.checked_add(1)?;
    }
}

/// Checks the length and the ends of a label whose bytes are letters,
/// digits and hyphens.
fn valid_label(label: &[u8]) -> Option<()> {
    let inner = |b: &u8| *b != b'-';
    let ends =
        label.first().is_some_and(inner) && label.last().is_some_and(inner);
    (ends && label.len() <= MAX_LABEL_LEN).then_some(())
}

/// Reports whether a top-level label is alphabetic (at least two
/// letters) or an IDN A-label.
fn valid_tld(tld: &[u8]) -> bool {
    if let Some(rest) = tld.strip_prefix(b"xn--") {
        return !rest.is_empty();
    }
    tld.len() >= 2 && tld.iter().all(u8::is_ascii_lowercase)
}

/// Reports whether the public suffix list contains the suffix of `host` and
/// a registrable label comes before it. A private suffix
/// (`github.io`, `blogspot.com`) is itself a host under an ICANN suffix,
/// so it counts.
fn has_public_suffix(host: &[u8]) -> bool {
    let Some(suffix) = psl::suffix(host) else {
        return false;
    };
    suffix.is_known()
        && (suffix.typ() == Some(psl::Type::Private)
            || suffix.as_bytes().len() < host.len())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn bare_needs_public_suffix() {
        let cases = [
            ("www.Example.co.jp", Some("www.example.co.jp")),
            ("example.com.", Some("example.com")),
            ("login.example.online", Some("login.example.online")),
            ("malx-labs.example", Some("malx-labs.example")),
            ("co.uk", None),
            ("github.io", Some("github.io")),
            ("user.github.io", Some("user.github.io")),
            ("example.comxyz", None),
            ("domain.c", None),
            ("domain.123", None),
            ("-bad.com", None),
            ("bad-.com", None),
            ("a..com", None),
            ("com", None),
        ];
        for (raw, expected) in cases {
            let got = normalize(raw.as_bytes(), HostPolicy::Bare);
            assert_eq!(got.as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn label_syntax_limits() {
        let label63 = "a".repeat(63);
        let label64 = "a".repeat(64);
        let cases = [
            (format!("{label63}.com"), true),
            (format!("{label64}.com"), false),
            (format!("x.{label63}"), true),
            (format!("x.{label64}"), false),
            ("a-b.c-d.com".to_string(), true),
            ("a.-b.com".to_string(), false),
            ("a.b-.com".to_string(), false),
            ("a_b.com".to_string(), false),
            (".a.com".to_string(), false),
        ];
        for (host, valid) in cases {
            let got = valid_labels(host.as_bytes()).is_some();
            assert_eq!(got, valid, "{host}");
        }
    }

    #[test]
    fn delimited_accepts_private_names() {
        let got = normalize(b"gateway.corp", HostPolicy::Delimited);
        assert_eq!(got.as_deref(), Some("gateway.corp"));
        assert_eq!(normalize(b"example", HostPolicy::Delimited), None);
        assert_eq!(normalize(b"1.2.3.999", HostPolicy::Delimited), None);
    }

    #[test]
    fn unicode_host_becomes_punycode() {
        let got = normalize("пример.рф".as_bytes(), HostPolicy::Bare);
        assert_eq!(got.as_deref(), Some("xn--e1afmkfd.xn--p1ai"));
        let mixed = normalize("раураl.com".as_bytes(), HostPolicy::Bare);
        assert!(mixed.as_deref().is_some_and(|h| h.starts_with("xn--")));
    }

    /// Label syntax classes, indexed by byte.
    const LABEL_CLASS: [u8; 256] = label_classes();

    // Every index is below 128 or a `u8` widened to `usize`, so none is out
    // of range. Cannot overflow: the counter stops at 128.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    const fn label_classes() -> [u8; 256] {
        let mut table = [INVALID; 256];
        let mut b = 0;
        while b < 128 {
            if (b as u8).is_ascii_alphanumeric() {
                table[b] = ALNUM;
            }
            b += 1;
        }
        table[b'-' as usize] = HYPHEN;
        table[b'.' as usize] = DOT;
        table
    }
    const INVALID: u8 = 0;
    const ALNUM: u8 = 1;
    const HYPHEN: u8 = 2;
    const DOT: u8 = 3;

    /// Checks label syntax byte by byte against the previous byte's
    /// class, as a model for `valid_labels`.
    fn valid_labels_model(host: &[u8]) -> Option<usize> {
        let mut last_dot = None;
        let mut label_start = 0;
        let mut previous = DOT;
        for (i, &b) in host.iter().enumerate() {
            let class = super::super::chars::lookup(&LABEL_CLASS, b);
            match class {
                ALNUM => {}
                HYPHEN if previous != DOT => {}
                DOT if previous == ALNUM => {
                    if i - label_start > MAX_LABEL_LEN {
                        return None;
                    }
                    last_dot = Some(i);
                    label_start = i + 1;
                }
                _ => return None,
            }
            previous = class;
        }
        let last_label_ok =
            previous == ALNUM && host.len() - label_start <= MAX_LABEL_LEN;
        last_label_ok.then_some(last_dot).flatten()
    }

    proptest::proptest! {
        #[test]
        fn label_check_matches_model(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a", "Z", "0", "-", ".", "_", "xn--", "com",
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                ][..]),
                0..12,
            )
        ) {
            let host = pieces.concat();
            proptest::prop_assert_eq!(
                valid_labels(host.as_bytes()),
                valid_labels_model(host.as_bytes())
            );
        }

        #[test]
        fn lower_case_name_skips_copy_alike(
            host in "[a-z0-9.-]{1,20}(\\.[a-z]{2,6})?",
        ) {
            let host = host.trim_end_matches('.');
            // A name without a dot gets offset 0, where no dot is, so
            // it is rejected as `normalize` rejects it.
            let last_dot = host.rfind('.').unwrap_or_default();
            proptest::prop_assert_eq!(
                normalize_lower_ascii(
                    host.as_bytes(),
                    last_dot,
                    HostPolicy::Bare
                ),
                normalize(host.as_bytes(), HostPolicy::Bare)
            );
        }

        #[test]
        fn tld_probe_keeps_idna_result(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "bücher", "é", "例え", "Ｅ", "a", "-", ".", "。", "com",
                    "COM", "ck", "exe", "example", "corp", "xn--p1ai",
                    "xn--", "\u{AD}",
                ][..]),
                1..8,
            ),
            delimited in proptest::bool::ANY,
        ) {
            let raw = pieces.concat();
            let policy = if delimited {
                HostPolicy::Delimited
            } else {
                HostPolicy::Bare
            };
            proptest::prop_assert_eq!(
                normalize(raw.as_bytes(), policy),
                normalize_with_idna(raw.as_bytes(), policy)
            );
        }
    }

    /// Normalises a non-ASCII name without the probe of its last label,
    /// as a model for `normalize`.
    fn normalize_with_idna(raw: &[u8], policy: HostPolicy) -> Option<Value> {
        let raw = std::str::from_utf8(raw).ok()?.trim_end_matches('.');
        if raw.is_empty() || raw.len() > 4 * MAX_HOST_LEN {
            return None;
        }
        if raw.is_ascii() {
            return normalize(raw.as_bytes(), policy);
        }
        let host = idna::domain_to_ascii(raw).ok()?;
        accepted(host.as_bytes(), policy).then(|| Value::from(host))
    }

    #[test]
    fn non_ascii_name_needs_known_tld() {
        let bare = |raw: &str| normalize(raw.as_bytes(), HostPolicy::Bare);
        assert_eq!(bare("éé.exe"), None);
        assert_eq!(bare("bücher.EXE"), None);
        assert_eq!(bare("bücher.de").as_deref(), Some("xn--bcher-kva.de"));
        assert_eq!(bare("bücher.COM").as_deref(), Some("xn--bcher-kva.com"));
        // `ck` has only a wildcard rule, `*.ck`.
        let wildcard = bare("bücher.co.ck");
        assert_eq!(wildcard.as_deref(), Some("xn--bcher-kva.co.ck"));
        let delimited =
            normalize("bücher.corp".as_bytes(), HostPolicy::Delimited);
        assert_eq!(delimited.as_deref(), Some("xn--bcher-kva.corp"));
    }
}
