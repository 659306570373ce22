//! Runs the scanner once over each hostile input and checks that it
//! returns a small, well-formed result. Timing is measured by the `scan`
//! benchmark, not here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/hostile.rs"]
mod hostile;

use hostile::{base64, dense_idn, hostile_inputs, MIB, PATH_SEGMENTS};
use trawl_core::{Category, IocKey, Scanner};

/// Upper bound on detections in one hostile input. Each input is one run,
/// or a unit too short to be an indicator repeated, and the base64
/// payloads decode to random bytes or to words without indicators. A
/// scanner that reports fragments of a run exceeds this bound at once.
const MAX_DETECTIONS: usize = 16;

#[test]
fn hostile_inputs_give_few_detections() {
    let scanner = Scanner::default();
    for input in hostile_inputs() {
        let output = scanner.scan(&input.bytes);
        assert!(
            output.detections.len() <= MAX_DETECTIONS,
            "{}: {} detections, first {:?}",
            input.name,
            output.detections.len(),
            output.detections.first(),
        );
        assert!(!output.truncated, "{}: output truncated", input.name);
    }
}

#[test]
fn hostile_detection_spans_stay_inside() {
    let scanner = Scanner::default();
    for input in hostile_inputs() {
        for detection in scanner.scan(&input.bytes).detections {
            assert!(
                detection.start < detection.end,
                "{}: empty span {detection:?}",
                input.name,
            );
            assert!(
                detection.end <= input.bytes.len(),
                "{}: span past the end {detection:?}",
                input.name,
            );
        }
    }
}

#[test]
fn hostile_inputs_have_expected_sizes() {
    for input in hostile_inputs() {
        let expected = match input.name {
            "windows_path" => 2 + 2 * PATH_SEGMENTS,
            "unix_path" => 2 * PATH_SEGMENTS,
            _ => MIB,
        };
        assert_eq!(input.bytes.len(), expected, "{}", input.name);
    }
}

#[test]
fn dense_idn_hosts_become_a_labels() {
    let input = dense_idn();
    assert_eq!(input.bytes.len(), MIB);
    let output = Scanner::default().scan(&input.bytes);
    assert!(!output.truncated, "output truncated");
    let domains: Vec<&str> = output
        .detections
        .iter()
        .filter(|d| d.category == IocKey::Category(Category::Domain))
        .map(|d| d.value.as_str())
        .collect();
    // About one host per 25 bytes, most of them under a known suffix.
    assert!(domains.len() > MIB / 50, "{} domains", domains.len());
    for domain in &domains {
        assert!(domain.is_ascii(), "{domain}");
        let upper = domain.bytes().any(|b| b.is_ascii_uppercase());
        assert!(!upper, "{domain}");
    }
    for expected in ["xn--bcher-kva.de", "xn--e1afmkfd.xn--p1ai"] {
        assert!(domains.contains(&expected), "{expected} missing");
    }
    for detection in &output.detections {
        assert!(detection.end <= input.bytes.len(), "{detection:?}");
    }
}

#[test]
fn base64_encoder_matches_rfc4648() {
    let cases: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"f", b"Zg=="),
        (b"fo", b"Zm8="),
        (b"foo", b"Zm9v"),
        (b"foobar", b"Zm9vYmFy"),
    ];
    for (input, expected) in cases {
        assert_eq!(base64(input), *expected);
    }
}
