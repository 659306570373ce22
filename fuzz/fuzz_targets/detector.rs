//! Runs one detector at a time over arbitrary bytes and checks that every
//! value it reports passes its category's validator: hosts lowercase
//! with a dot, IPs that parse, hashes of a hash length in lowercase hex,
//! checksummed wallet shapes, CVE ids in upper case. A registry key,
//! ATT&CK id, MAC address, Monero address, fuzzy hash or AS number must
//! also be found again, unchanged, when its value is scanned alone.
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
        if let Some(written) = rescan_form(category, &detection.value) {
            let again = Scanner::new(
                CategorySet::empty().with(category),
                Limits::default(),
            );
            let found: Vec<String> = again
                .scan(written.as_bytes())
                .detections
                .into_iter()
                .map(|d| d.value)
                .collect();
            assert_eq!(found, [detection.value.clone()], "{written:?}");
        }
    }
});

/// Returns the text that scanning alone must report as `value` for the
/// categories whose values round-trip: the value itself, in quotes for a
/// registry key (whose last name keeps its spaces there), behind an
/// `ASN: ` label for an AS number (a bare `AS` needs three digits) and
/// behind a `tlsh` label for a TLSH digest without its `T1`.
fn rescan_form(category: Category, value: &str) -> Option<String> {
    let bare_tlsh = !value.contains(':') && !value.starts_with("T1");
    match category {
        Category::RegistryKey if !plain_key(value) => None,
        Category::RegistryKey => Some(format!("\"{value}\"")),
        Category::FuzzyHash if bare_tlsh => Some(format!("tlsh {value}")),
        Category::Asn => {
            let number = value.strip_prefix("AS").unwrap();
            Some(format!("ASN: {number}"))
        }
        Category::AttackTechnique
        | Category::Mac
        | Category::Xmr
        | Category::Ltc
        | Category::Bch
        | Category::Dash
        | Category::FuzzyHash => Some(value.to_string()),
        _ => None,
    }
}

/// Reports whether a registry key is written with letters, digits,
/// `.`, `-`, `_` and single spaces only, outside its `\` separators.
/// Other bytes can form defang notation (`[/]`, `\.` between labels,
/// `(dot)`), which refanging rewrites when the value is scanned alone,
/// while in the fuzzed input other bytes around them had hidden it.
fn plain_key(value: &str) -> bool {
    let plain = value.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'\\' | b'.' | b'-' | b'_' | b' ')
    });
    let lower = value.to_ascii_lowercase();
    let spelled = [" dot ", " at "].iter().any(|word| lower.contains(word));
    plain && !value.contains("\\.") && !value.contains("  ") && !spelled
}

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
            let segwit =
                value.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1"));
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
        Category::RegistryKey => {
            let hive = value.split('\\').next().unwrap();
            assert!(
                hive.to_ascii_uppercase().starts_with("HK") || hive.is_empty(),
                "{value}"
            );
            assert!(!value.ends_with('\\'), "{value}");
            assert!(!value.contains("\\\\"), "doubled separator: {value}");
        }
        Category::AttackTechnique => {
            let id = value.strip_prefix('T').unwrap();
            let (number, sub) = id.split_once('.').unwrap_or((id, "001"));
            let number = number.strip_prefix('A').unwrap_or(number);
            assert_eq!(number.len(), 4, "{value}");
            assert_eq!(sub.len(), 3, "{value}");
            assert!(number
                .bytes()
                .chain(sub.bytes())
                .all(|b| b.is_ascii_digit()));
        }
        Category::Mac => {
            let groups: Vec<&str> = value.split(':').collect();
            assert_eq!(groups.len(), 6, "{value}");
            assert!(groups.iter().all(|g| g.len() == 2 && is_lower_hex(g)));
        }
        Category::Xmr => {
            assert!(matches!(value.len(), 95 | 106), "{value}");
            assert!(
                value.starts_with('4') || value.starts_with('8'),
                "{value}"
            );
        }
        Category::FuzzyHash => {
            match value.split(':').collect::<Vec<_>>()[..] {
                [block, first, second] => {
                    let size: u64 = block.parse().unwrap();
                    assert!(
                        size % 3 == 0 && (size / 3).is_power_of_two(),
                        "{value}"
                    );
                    assert!(!first.is_empty(), "{value}");
                    assert!(first.len() <= 64, "{value}");
                    assert!(!second.is_empty(), "{value}");
                    assert!(second.len() <= first.len(), "{value}");
                }
                [tlsh] => {
                    let hex = tlsh.strip_prefix("T1").unwrap_or(tlsh);
                    assert_eq!(hex.len(), 70, "{value}");
                    assert!(hex
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')));
                }
                _ => panic!("not a fuzzy hash: {value}"),
            }
        }
        Category::Asn => {
            let number: u32 =
                value.strip_prefix("AS").unwrap().parse().unwrap();
            assert!(number >= 1, "{value}");
        }
        Category::Ltc => {
            let legacy = value.starts_with('L') || value.starts_with('M');
            let segwit = value.starts_with("ltc1");
            assert!(legacy || segwit, "not a Litecoin address: {value}");
        }
        Category::Bch => {
            assert!(matches!(value.len(), 42 | 61), "{value}");
            assert!(value.starts_with('q') || value.starts_with('p'));
            assert!(!value.bytes().any(|b| b.is_ascii_uppercase()));
        }
        Category::Dash => {
            assert!(value.starts_with('X') || value.starts_with('7'));
            assert!(matches!(value.len(), 26..=35), "{value}");
        }
        Category::FileName => {
            // Names read from a file-name column, heading or attribute
            // may have no extension.
            assert!(!value.is_empty());
            assert!(!value.contains(['/', '\\', '@', '\n', '\r']), "{value}");
            // A name read whole from a table cell has single spaces
            // between its words, and none at either end.
            assert!(!value.starts_with(' '), "{value}");
            assert!(!value.ends_with(' '), "{value}");
            assert!(!value.contains("  "), "{value}");
        }
        Category::Mutex => {
            // Only context reports a name, and a name may be written in
            // any script, so only its bounds and characters are checked.
            assert!(value.len() <= 260, "{value}");
            assert!(value.bytes().any(|b| b.is_ascii_alphanumeric()));
            assert!(!value.starts_with(' '), "{value}");
            assert!(!value.ends_with(' '), "{value}");
            assert!(!value.contains("  "), "{value}");
            assert!(!value.contains("::"), "{value}");
            let excluded = |c: char| {
                c.is_ascii_control()
                    || matches!(c, '"' | '\'' | '`' | '(' | ')')
                    || matches!(c, '<' | '>' | '|' | ';' | ',' | '=' | '/')
                    || matches!(c, '[' | ']')
            };
            assert!(!value.contains(excluded), "{value}");
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
