//! Property tests: the scanner accepts any bytes without panicking and
//! reports spans inside its input, and its output depends only on the
//! input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use trawl_core::Scanner;

/// Fragments that exercise every detector's anchors and defangs, glued
/// together in random order.
const FRAGMENTS: &[&str] = &[
    ".",
    ":",
    "::",
    "@",
    "/",
    "\\",
    "[.]",
    "(dot)",
    " dot ",
    " AT ",
    "[:]",
    "hxxp://",
    "http://",
    "https://",
    "0x",
    "bc1",
    "CVE-",
    "%",
    "~/",
    "C:\\",
    "\\\\",
    "example",
    "com",
    "1",
    "255",
    "ffff",
    "a",
    "Z",
    " ",
    "\n",
    "\"",
    "(",
    ")",
    "=",
    "==",
    "+",
    "ж",
    "．",
    "\u{200B}",
    "\u{FF0E}",
    "-",
    "_",
    "d41d8cd98f00b204e9800998ecf8427e",
    "SGVsbG8gd29ybGQhIQ",
    ".exe",
    ".so.1",
    ".txt",
    "{",
    "}",
    "~",
    "'",
];

fn fragment_text() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..200)
        .prop_map(|parts| parts.concat().into_bytes())
}

fn check_spans(input: &[u8]) {
    let output = Scanner::default().scan(input);
    for detection in &output.detections {
        assert!(detection.start < detection.end, "{detection:?}");
        assert!(detection.end <= input.len(), "{detection:?}");
        assert!(!detection.value.is_empty(), "{detection:?}");
    }
    assert_eq!(output, Scanner::default().scan(input));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_spans(&input);
    }

    #[test]
    fn anchor_soup_never_panics(input in fragment_text()) {
        check_spans(&input);
    }
}
