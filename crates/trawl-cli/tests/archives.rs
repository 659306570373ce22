//! Archives end to end: member reports and their names, passwords,
//! `--no-archives`, the limits' errors and the exit code, and output
//! identical at one thread and two.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Output;

use serde_json::Value;
use zip::unstable::write::FileOptionsExt;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
}

fn zip_of(entries: &[(&str, &[u8], SimpleFileOptions)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, options) in entries {
        writer.start_file(*name, *options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn trawl(args: &[&str], dir: &Path) -> Output {
    binary::trawl_command().current_dir(dir).args(args).output().unwrap()
}

fn reports(output: &Output) -> Vec<Value> {
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    value.as_array().unwrap().clone()
}

fn names(reports: &[Value]) -> Vec<&str> {
    reports.iter().map(|r| r["file"].as_str().unwrap()).collect()
}

fn sample(dir: &Path) {
    let inner =
        zip_of(&[("c.txt", b"beacon hxxp://c2[.]example/x", deflated())]);
    let outer = zip_of(&[
        ("dir/inner.zip", &inner, deflated()),
        ("notes.txt", b"contact bad@evil.example.org", deflated()),
    ]);
    std::fs::write(dir.join("a.zip"), outer).unwrap();
}

#[test]
fn members_reported_after_archive() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let output = trawl(&["a.zip"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    let reports = reports(&output);
    let expected = [
        "a.zip",
        "a.zip!dir/inner.zip",
        "a.zip!dir/inner.zip!c.txt",
        "a.zip!notes.txt",
    ];
    assert_eq!(names(&reports), expected);
    assert_eq!(reports[0]["type"], "archive");
    assert_eq!(reports[1]["type"], "archive");
    assert_eq!(reports[2]["iocs"]["urls"][0], "http://c2.example/x");
    assert_eq!(reports[3]["iocs"]["emails"][0], "bad@evil.example.org");
}

#[test]
fn no_archives_scans_as_binary() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let output = trawl(&["--no-archives", "a.zip"], dir.path());
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["file"], "a.zip");
    assert_eq!(value["type"], "archive");
}

#[test]
fn wrong_password_fails_member_only() {
    let dir = tempfile::tempdir().unwrap();
    let locked = deflated().with_deprecated_encryption(b"s3cret").unwrap();
    let bytes = zip_of(&[
        ("x.txt", b"hidden 203.0.113.9", locked),
        ("y.txt", b"open 198.51.100.1", deflated()),
    ]);
    std::fs::write(dir.path().join("p.zip"), bytes).unwrap();

    let output = trawl(&["p.zip"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let reports = reports(&output);
    let message = reports[1]["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("the password tried did not open it"),
        "{message}"
    );
    assert!(message.contains("--password"), "{message}");
    assert_eq!(reports[2]["iocs"]["ips"][0], "198.51.100.1");

    let output = trawl(&["--password", "s3cret", "p.zip"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(reports_ips(&output, 1), "203.0.113.9");
}

fn reports_ips(output: &Output, at: usize) -> String {
    reports(output)[at]["iocs"]["ips"][0].as_str().unwrap().to_string()
}

#[test]
fn depth_limit_flag_reported() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let output = trawl(&["--max-archive-depth", "1", "a.zip"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let reports = reports(&output);
    assert_eq!(reports[1]["file"], "a.zip!dir/inner.zip");
    let message = reports[1]["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("--max-archive-depth"), "{message}");
}

#[test]
fn depth_limit_above_cap_rejected() {
    let dir = tempfile::tempdir().unwrap();
    sample(dir.path());
    let output = trawl(&["--max-archive-depth", "65", "a.zip"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--max-archive-depth"), "{stderr}");
    assert!(stderr.contains("0..=64"), "{stderr}");
    let output = trawl(&["--max-archive-depth", "64", "a.zip"], dir.path());
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn entry_limit_stops_archive() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<(String, SimpleFileOptions)> =
        (0..5).map(|n| (format!("f{n}.txt"), deflated())).collect();
    let entries: Vec<(&str, &[u8], SimpleFileOptions)> = entries
        .iter()
        .map(|(name, options)| (name.as_str(), b"x".as_slice(), *options))
        .collect();
    std::fs::write(dir.path().join("many.zip"), zip_of(&entries)).unwrap();
    let output = trawl(&["--max-entries", "3", "many.zip"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let reports = reports(&output);
    assert_eq!(reports.len(), 4);
    let message = reports[0]["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("limit of 3 archive entries"), "{message}");
}

#[test]
fn archive_output_identical_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    for n in 0..6 {
        let text = format!("host{n}.example.com 10.0.0.{n}");
        let bytes = zip_of(&[
            ("one.txt", text.as_bytes(), deflated()),
            ("two.txt", b"hxxp://two[.]example/", deflated()),
        ]);
        std::fs::write(dir.path().join(format!("z{n}.zip")), bytes).unwrap();
    }
    let run = |threads: &str| {
        let output = trawl(&["-f", "jsonl", "-j", threads, "."], dir.path());
        assert_eq!(output.status.code(), Some(0));
        output.stdout
    };
    let reference = run("1");
    assert_eq!(reference.iter().filter(|&&b| b == b'\n').count(), 18);
    assert!(run("2") == reference, "-j 2 differs from -j 1");
}
