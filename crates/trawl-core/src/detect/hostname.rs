//! Host-name validation and normalisation shared by the URL, domain and
//! e-mail detectors.

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
const SPECIAL_TLDS: &[&str] =
    &["example", "test", "invalid", "local", "onion", "internal", "lan"];

/// Maximum host-name length in bytes (RFC 1035).
const MAX_HOST_LEN: usize = 253;

/// Maximum label length in bytes (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// Returns the normalised (lower-case, A-label) form of the host name in
/// `raw`, without trailing dots, or `None` when it is not a valid host
/// under `policy`. Needs at least two labels.
pub(crate) fn normalize(raw: &[u8], policy: HostPolicy) -> Option<String> {
    let mut end = raw.len();
    while end > 0 && raw.get(end - 1) == Some(&b'.') {
        end -= 1;
    }
    let raw = raw.get(..end)?;
    if raw.is_empty() || raw.len() > 4 * MAX_HOST_LEN {
        return None;
    }
    if raw.is_ascii() {
        // The common case works on a lower-cased stack copy and allocates
        // only for a host that is accepted.
        let mut buffer = [0u8; MAX_HOST_LEN];
        let lower = buffer.get_mut(..raw.len())?;
        for (out, b) in lower.iter_mut().zip(raw) {
            *out = b.to_ascii_lowercase();
        }
        let host = std::str::from_utf8(lower).ok()?;
        return accepted(host, policy).then(|| host.to_string());
    }
    let text = std::str::from_utf8(raw).ok()?;
    let host = idna::domain_to_ascii(text).ok()?;
    accepted(&host, policy).then_some(host)
}

/// Checks a lower-case ASCII host name against `policy`.
fn accepted(host: &str, policy: HostPolicy) -> bool {
    if host.len() > MAX_HOST_LEN || !valid_labels(host.as_bytes()) {
        return false;
    }
    let tld = host.rsplit('.').next().unwrap_or_default();
    match policy {
        HostPolicy::Delimited => valid_tld(tld),
        HostPolicy::Bare => {
            SPECIAL_TLDS.contains(&tld) || has_public_suffix(host)
        }
    }
}

/// Checks label syntax in one pass: at least two labels, each 1-63 bytes
/// of letters, digits and inner hyphens.
fn valid_labels(host: &[u8]) -> bool {
    let mut labels = 1;
    let mut len = 0;
    let mut previous = b'.';
    for &b in host {
        if b == b'.' {
            if len == 0 || previous == b'-' {
                return false;
            }
            labels += 1;
            len = 0;
        } else {
            let starts_with_hyphen = len == 0 && b == b'-';
            if starts_with_hyphen || !super::chars::is_label_byte(b) {
                return false;
            }
            len += 1;
            if len > MAX_LABEL_LEN {
                return false;
            }
        }
        previous = b;
    }
    len > 0 && previous != b'-' && labels >= 2
}

/// Reports whether a top-level label is alphabetic (at least two
/// letters) or an IDN A-label.
fn valid_tld(tld: &str) -> bool {
    if let Some(rest) = tld.strip_prefix("xn--") {
        return !rest.is_empty();
    }
    tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase())
}

/// Reports whether the public suffix list contains the suffix of `host` and
/// a registrable label comes before it. A private suffix
/// (`github.io`, `blogspot.com`) is itself a host under an ICANN suffix,
/// so it counts.
fn has_public_suffix(host: &str) -> bool {
    let Some(suffix) = psl::suffix(host.as_bytes()) else {
        return false;
    };
    suffix.is_known()
        && (suffix.typ() == Some(psl::Type::Private)
            || suffix.as_bytes().len() < host.len())
}

#[cfg(test)]
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
}
