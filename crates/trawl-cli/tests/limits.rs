//! The named limits: each option bounds its work, and a report that
//! reaches a limit carries an `errors` entry naming the option, with exit
//! status 1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;

use std::path::Path;
use std::process::Output;

use serde_json::Value;

fn trawl(args: &[&str]) -> Output {
    binary::trawl_command().args(args).output().unwrap()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn list(report: &Value, category: &str) -> Vec<String> {
    let values = report["iocs"][category].as_array().unwrap();
    values.iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn error_messages(report: &Value) -> Vec<String> {
    let Some(errors) = report["errors"].as_array() else {
        return Vec::new();
    };
    errors.iter().map(|e| e["message"].as_str().unwrap().to_string()).collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn max_input_size_scans_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let text = "first.example.com\n".to_string()
        + &" ".repeat(2000)
        + "\nlast.example.com\n";
    let path = write(dir.path(), "big.txt", text.as_bytes());

    let output = trawl(&["--max-input-size", "1K", &path]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(list(&report, "domains"), ["first.example.com"]);
    let errors = error_messages(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("--max-input-size"), "{errors:?}");

    let whole = report_of(&trawl(&[&path]));
    assert_eq!(list(&whole, "domains").len(), 2);
}

fn report_of(output: &Output) -> Value {
    assert_eq!(output.status.code(), Some(0));
    report(output)
}

#[test]
fn max_values_keeps_first_values() {
    let text = "a.example.com b.example.com a.example.com c.example.com";
    let output =
        trawl(&["--max-values", "2", "--types", "domains", "-t", text]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(list(&report, "domains"), ["a.example.com", "b.example.com"]);
    assert!(error_messages(&report)[0].contains("--max-values"));
}

/// Files over 2 MiB are streamed, and the cut is found from the bytes
/// read rather than from the size the file had when opened.
#[test]
fn streamed_file_reports_cut_at_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 3 << 20;
    let mut text = b"first.example.com\n".to_vec();
    text.resize(limit - 17, b' ');
    text.extend_from_slice(b"\nlast.example.com");
    assert_eq!(text.len(), limit);
    let exact = write(dir.path(), "exact.txt", &text);
    text.push(b'\n');
    let over = write(dir.path(), "over.txt", &text);

    let fits = report_of(&trawl(&["--max-input-size", "3M", &exact]));
    assert_eq!(list(&fits, "domains").len(), 2);
    assert!(error_messages(&fits).is_empty());

    let output = trawl(&["--max-input-size", "3M", &over]);
    assert_eq!(output.status.code(), Some(1));
    let cut = report(&output);
    assert_eq!(list(&cut, "domains").len(), 2);
    let errors = error_messages(&cut);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("--max-input-size"), "{errors:?}");
}

#[test]
fn detail_limit_says_whether_values_are_complete() {
    let messages = |text: &str| {
        let args = ["--max-values", "2", "--detail", "--types", "domains"];
        let output = trawl(&[&args[..], &["-t", text]].concat());
        error_messages(&report(&output))
    };

    // Three occurrences of two values: the detail list stops at two
    // entries while both values still fit.
    let repeated = messages("a.example.com b.example.com a.example.com");
    assert_eq!(repeated.len(), 1, "{repeated:?}");
    assert!(repeated[0].contains("the iocs lists are complete"));

    // Three distinct values: both limits are reached.
    let distinct = messages("a.example.com b.example.com c.example.com");
    assert_eq!(distinct.len(), 2, "{distinct:?}");
    assert!(distinct[0].contains("values first seen later"));
    assert!(distinct[1].contains("the detections list stops"));
    assert!(!distinct[1].contains("complete"));
}

#[test]
fn max_decode_depth_zero_skips_payloads() {
    // base64 of "http://evil.example.com/stage2"
    let text = "payload aHR0cDovL2V2aWwuZXhhbXBsZS5jb20vc3RhZ2Uy end";
    let decoded = report_of(&trawl(&["-t", text]));
    assert_eq!(list(&decoded, "urls"), ["http://evil.example.com/stage2"]);

    let plain = report_of(&trawl(&["--max-decode-depth", "0", "-t", text]));
    assert!(list(&plain, "urls").is_empty());
    assert_eq!(list(&plain, "base64").len(), 1);
}

#[test]
fn max_strings_stops_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0u8; 64];
    for n in 0..10 {
        bytes.extend_from_slice(format!("host{n}.example.com").as_bytes());
        bytes.extend_from_slice(&[0, 1, 2, 3]);
    }
    let path = write(dir.path(), "blob.bin", &bytes);

    let output = trawl(&["--max-strings", "3", &path]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&output);
    assert_eq!(list(&report, "domains").len(), 3);
    assert!(error_messages(&report)[0].contains("--max-strings"));
}

#[test]
fn max_token_len_drops_long_urls() {
    let url = format!("http://example.com/{}", "a".repeat(600));
    let short = report_of(&trawl(&["--max-token-len", "512", "-t", &url]));
    assert!(list(&short, "urls").is_empty());
    let long = report_of(&trawl(&["--max-token-len", "1K", "-t", &url]));
    assert_eq!(list(&long, "urls"), [url]);
}

#[test]
fn invalid_limits_are_usage_errors() {
    for args in [
        ["--max-token-len", "100"],
        ["--max-values", "0"],
        ["--max-input-size", "12Q"],
    ] {
        let output = trawl(&[args[0], args[1], "-t", "x"]);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
