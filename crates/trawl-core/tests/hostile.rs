//! Runs the scanner once over each hostile input and checks that it
//! returns a small, well-formed result. Timing is measured by the `scan`
//! benchmark, not here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/hostile.rs"]
mod hostile;

use hostile::{base64, hostile_inputs, MIB, PATH_SEGMENTS};
use trawl_core::Scanner;

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
