//! End-to-end tests of runs over many inputs: shards, thread counts and
//! what is written to standard error.

// Helpers outside #[test] functions unwrap too, which tests may do.
#![allow(clippy::unwrap_used, clippy::panic)]

mod binary;

use std::fs;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

fn trawl(args: &[&str]) -> Output {
    binary::trawl_command()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Writes 60 small files, each with its own indicators, in nested
/// folders under `root`.
fn write_tree(root: &Path) {
    for n in 0..60 {
        let dir = root.join(format!("d{}", n % 5)).join(format!("e{}", n % 2));
        fs::create_dir_all(&dir).unwrap();
        let text = format!(
            "host{n}.example.com sent 10.0.{n}.1 to user{n}@example.org\n"
        );
        fs::write(dir.join(format!("f{n:02}.log")), text).unwrap();
    }
}

/// Returns the `file` of each JSON Lines report.
fn files(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let report: Value = serde_json::from_str(line).unwrap();
            report["file"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn shards_cover_run_without_overlap() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path());
    let root = dir.path().to_str().unwrap();
    let whole = trawl(&["-f", "jsonl", root]);
    assert_eq!(whole.status.code(), Some(0));
    let whole_files = files(&whole);
    assert_eq!(whole_files.len(), 60);

    let mut union = Vec::new();
    let mut lines = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let part = trawl(&["-f", "jsonl", "--shard", shard, root]);
        assert_eq!(part.status.code(), Some(0), "--shard {shard}");
        let part_files = files(&part);
        assert!(!part_files.is_empty(), "--shard {shard} is empty");
        union.extend(part_files);
        let text = String::from_utf8(part.stdout).unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    union.sort();
    let before = union.len();
    union.dedup();
    assert_eq!(union.len(), before, "shards overlap");
    assert_eq!(union, whole_files);

    // Each report is the same whichever run wrote it.
    lines.sort();
    let whole_text = String::from_utf8(whole.stdout).unwrap();
    let mut whole_lines: Vec<&str> = whole_text.lines().collect();
    whole_lines.sort_unstable();
    assert_eq!(lines, whole_lines);
}

#[test]
fn shard_bad_values_are_usage_errors() {
    for value in ["3/3", "0/0", "x", "1/", "/2", "-1/2"] {
        let option = format!("--shard={value}");
        let output = trawl(&[&option, "--text", "a"]);
        assert_eq!(output.status.code(), Some(2), "--shard {value}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("I/N"), "--shard {value}: {stderr}");
    }
}

#[test]
fn output_same_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path());
    let root = dir.path().to_str().unwrap();
    for format in ["jsonl", "json", "csv", "text"] {
        let one = trawl(&["-f", format, "-j", "1", root]);
        let two = trawl(&["-f", format, "-j", "2", root]);
        assert_eq!(one.status.code(), Some(0), "-f {format}");
        assert!(one.stdout == two.stdout, "-f {format} differs at -j 2");
    }
}

#[test]
fn piped_stderr_gets_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path());
    let root = dir.path().to_str().unwrap();
    let output = trawl(&["-f", "jsonl", root]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty(), "{:?}", output.stderr);
}

#[test]
fn quiet_hides_report_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.txt");
    fs::write(&file, "x".repeat(2048)).unwrap();
    let path = file.to_str().unwrap();

    let loud = trawl(&["--max-input-size", "1K", path]);
    assert_eq!(loud.status.code(), Some(1));
    assert!(!loud.stderr.is_empty());

    let quiet = trawl(&["--quiet", "--max-input-size", "1K", path]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(quiet.stderr.is_empty(), "{:?}", quiet.stderr);
}
