//! Runs one detector at a time over arbitrary bytes and checks that every
//! value it reports passes its category's validator: hosts lowercase
//! with a dot, IPs that parse, hashes of a hash length in lowercase hex,
//! checksummed wallet shapes, CVE ids in upper case.
//!
//! The first byte picks the category and the second the token length and
//! decode depth limits, so each validator gets the whole run of the
//! fuzzer instead of a tenth of it, and short limits cut tokens at every
//! length.

#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use trawl_core::{Category, CategorySet, Limits, Scanner};

fuzz_target!(|input: &[u8]| {
    let [pick, limits, data @ ..] = input else {
        return;
    };
    let category = Category::ALL[usize::from(*pick) % Category::ALL.len()];
    let limits = Limits {
        max_token_len: 16 + usize::from(*limits & 0x7F) * 64,
        max_detections: 100_000,
        max_decode_depth: *limits >> 7,
    };
    let scanner = Scanner::new(CategorySet::empty().with(category), limits);
    for detection in scanner.scan(data).detections {
        assert_eq!(detection.category, category, "{detection:?}");
        assert!(detection.start < detection.end, "{detection:?}");
        assert!(detection.end <= data.len(), "{detection:?}");
        check_value(category, &detection.value);
    }
});

/// Checks the invariants of a normalised value of `category`.
fn check_value(category: Category, value: &str) {
    match category {
        Category::Domain => check_host(value),
        Category::Ip => {
            // A network keeps its prefix length and an IPv6 address its
            // zone id, and neither is part of the address.
            let address = value.split(['/', '%']).next().unwrap_or(value);
            assert!(
                address.parse::<Ipv4Addr>().is_ok()
                    || address.parse::<Ipv6Addr>().is_ok(),
                "not an IP: {value}"
            );
        }
        Category::Hash => {
            assert!(matches!(value.len(), 32 | 40 | 64 | 128), "{value}");
            assert!(is_lower_hex(value), "not lowercase hex: {value}");
        }
        Category::Email => {
            let (local, domain) = value.rsplit_once('@').unwrap();
            assert!(!local.is_empty(), "empty local part: {value}");
            check_host(domain);
        }
        Category::Url => {
            let (scheme, rest) = value.split_once("://").unwrap();
            assert!(!scheme.is_empty(), "empty scheme: {value}");
            assert!(!rest.is_empty(), "nothing after the scheme: {value}");
            assert!(scheme.bytes().all(|b| b.is_ascii_lowercase()), "{value}");
        }
        Category::Eth => {
            let digits = value.strip_prefix("0x").unwrap();
            assert_eq!(digits.len(), 40, "{value}");
            assert!(is_lower_hex(digits), "{value}");
        }
        Category::Btc => {
            let legacy = value.starts_with('1') || value.starts_with('3');
            let segwit = value.get(..3).is_some_and(|p| {
                p.eq_ignore_ascii_case("bc1")
            });
            assert!(legacy || segwit, "not a Bitcoin address: {value}");
        }
        Category::Cve => {
            let rest = value.strip_prefix("CVE-").unwrap();
            let (year, number) = rest.split_once('-').unwrap();
            assert_eq!(year.len(), 4, "{value}");
            assert!(number.len() >= 4, "{value}");
            assert!(rest.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        }
        Category::FilePath | Category::Base64 => {
            assert!(!value.is_empty());
        }
    }
}

/// Checks that a host is a lowercase ASCII name of at least two labels
/// (IDNs are reported in punycode) without empty labels.
fn check_host(host: &str) {
    assert!(host.is_ascii(), "not punycode: {host}");
    assert!(!host.bytes().any(|b| b.is_ascii_uppercase()), "{host}");
    let labels: Vec<&str> = host.split('.').collect();
    assert!(labels.len() >= 2, "one label: {host}");
    assert!(labels.iter().all(|l| !l.is_empty()), "empty label: {host}");
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
