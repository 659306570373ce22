//! Custom rules through the public API: patterns that take exponential
//! time in backtracking engines stay bounded, and every reported span
//! points at its value in the input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::sync::Arc;

use proptest::prelude::*;
use trawl_core::{CategorySet, Detection, Limits, RuleSet, Scanner, Source};

/// Returns a scanner that runs only the one rule of `pattern`, with
/// `extra` lines added to the rule.
fn scanner(pattern: &str, extra: &str) -> Scanner {
    let text = format!(
        "[[rule]]\nname = \"r\"\ncategory = \"things\"\npattern = '{pattern}'\n\
         {extra}\n"
    );
    let rules = RuleSet::parse(&text, "test.toml").unwrap();
    Scanner::new(CategorySet::empty(), Limits::default())
        .with_rules(Arc::new(rules))
}

fn values(scanner: &Scanner, text: &[u8]) -> Vec<String> {
    let output = scanner.scan(text);
    output.detections.into_iter().map(|d| d.value).collect()
}

/// Returns a megabyte of `a`, a line break, then `tail`.
fn run_of_a(tail: &str) -> Vec<u8> {
    let mut text = vec![b'a'; 1 << 20];
    text.push(b'\n');
    text.extend_from_slice(tail.as_bytes());
    text
}

#[test]
fn nested_plus_over_megabyte_completes() {
    // Every match inside the run is longer than `max_length`, so only the
    // short run after the `x` is reported.
    let scanner = scanner("(a+)+$", "boundary = \"none\"");
    assert_eq!(values(&scanner, &run_of_a("xaaa")), ["aaa"]);
}

#[test]
fn overlapping_alternation_over_megabyte_completes() {
    let scanner = scanner("(a|aa)*b", "boundary = \"none\"");
    assert_eq!(values(&scanner, &run_of_a("ab")), ["ab"]);
}

#[test]
fn repeated_dot_star_over_megabyte_completes() {
    let scanner = scanner("(.*a){20}", "boundary = \"none\"");
    let tail = format!("b{}", "a".repeat(25));
    assert_eq!(values(&scanner, &run_of_a(&tail)), [tail]);
}

#[test]
fn late_failing_alternative_completes() {
    // The worst case of the bounded search: every match is one byte and
    // settling it reads a whole window ahead.
    let scanner = scanner("a*b|a", "boundary = \"none\"\nmax_length = 16");
    let text = vec![b'a'; 1 << 18];
    let mut count = 0;
    scanner.scan_each(&text, |detection| {
        assert_eq!(detection.value, "a");
        count += 1;
    });
    assert_eq!(count, 1 << 18);
}

#[test]
fn chunked_lines_equal_small_input() {
    // Scanning a large input in chunks gives the values a scan of each
    // line alone gives.
    let scanner = scanner("[A-Z]+-[0-9]+", "");
    let line = "ticket OPS-12 and DEV-345 closed\n";
    let text = line.repeat(100_000);
    let found = scanner.scan(text.as_bytes()).detections;
    assert_eq!(found.len(), 200_000);
    for (n, detection) in found.iter().enumerate() {
        let expected = if n % 2 == 0 { "OPS-12" } else { "DEV-345" };
        assert_eq!(detection.value, expected);
        let line_start = n / 2 * line.len();
        let column = if n % 2 == 0 { 7 } else { 18 };
        assert_eq!(detection.start, line_start + column);
    }
}

/// Rules whose values are written plainly in the input, and one whose
/// value is refanged and lower-cased.
const RULES: &str = r#"
[[rule]]
name = "key"
category = "keys"
pattern = '[A-Z]{2,5}-[0-9]+'

[[rule]]
name = "id"
category = "ids"
pattern = 'id=([a-z0-9]+)'
group = 1
boundary = "none"

[[rule]]
name = "quoted"
category = "quoted"
pattern = '"[a-z ]+"'
strip = '"'

[[rule]]
name = "host"
category = "hosts"
pattern = '(?i)[a-z0-9]+\.corp\.example'
normalize = "lowercase"
"#;

const FRAGMENTS: &[&str] = &[
    "OPS", "AB", "-", "1", "42", "id=", "x9", "\"", "ab c", " ", "\n", ".",
    "[.]", "corp", "example", "DB", "Corp", "é", "ж", "_", "\u{200B}",
    "(dot)", "\r\n",
];

fn fragment_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..120)
        .prop_map(|parts| parts.concat())
}

/// Returns the text as the detectors see it: defanged dots restored and
/// zero-width spaces removed.
fn refanged(written: &str) -> String {
    written.replace("[.]", ".").replace("(dot)", ".").replace('\u{200B}', "")
}

/// Checks that a detection's span contains its value: the bytes as written,
/// refanged and, for the host rule, in lower case.
fn check_span(text: &str, detection: &Detection) {
    let (start, end) = (detection.start, detection.end);
    assert!(start < end, "{detection:?}");
    assert!(text.is_char_boundary(start), "{detection:?}");
    assert!(text.is_char_boundary(end), "{detection:?}");
    let written = &text[start..end];
    let refanged = refanged(written);
    assert!(
        refanged == detection.value
            || refanged.to_lowercase() == detection.value,
        "{written:?} does not hold {detection:?}"
    );
}

proptest! {
    #[test]
    fn rule_offsets_point_at_values(text in fragment_text()) {
        let rules = RuleSet::parse(RULES, "rules.toml").unwrap();
        let scanner = Scanner::default().with_rules(Arc::new(rules));
        let output = scanner.scan(text.as_bytes());
        let mut previous = 0;
        for detection in output.detections.iter() {
            prop_assert!(detection.start >= previous);
            previous = detection.start;
            if detection.rule.is_some() && detection.source == Source::Text {
                check_span(&text, detection);
            }
        }
    }

    #[test]
    fn rule_offsets_point_at_values_in_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        text in fragment_text(),
    ) {
        // Spans around invalid UTF-8 still contain their values.
        let mut input = bytes.clone();
        input.extend_from_slice(text.as_bytes());
        input.extend_from_slice(&bytes);
        let rules = RuleSet::parse(RULES, "rules.toml").unwrap();
        let scanner = Scanner::new(CategorySet::empty(), Limits::default())
            .with_rules(Arc::new(rules));
        for detection in scanner.scan(&input).detections {
            prop_assert!(detection.end <= input.len());
            let written = &input[detection.start..detection.end];
            let written = std::str::from_utf8(written).unwrap();
            let refanged = refanged(written);
            prop_assert!(
                refanged == detection.value
                    || refanged.to_lowercase() == detection.value,
                "{:?} does not hold {:?}", written, detection
            );
        }
    }
}
