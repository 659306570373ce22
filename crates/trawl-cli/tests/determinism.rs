//! The same inputs give byte-identical output at one thread and at
//! many, run after run: fixtures (text and PE binaries) and the
//! real-report corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;
mod common;

fn run(threads: &str) -> Vec<u8> {
    let shared = common::shared_dir();
    let output = binary::trawl_command()
        .args(["-f", "jsonl", "--detail", "-j", threads])
        .arg(shared.join("fixtures/iocx/text"))
        .arg(shared.join("fixtures/iocx/bin"))
        .arg(shared.join("corpus/text"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "-j {threads}");
    output.stdout
}

#[test]
fn output_identical_across_threads_and_runs() {
    let reference = run("1");
    let reports = reference.iter().filter(|&&b| b == b'\n').count();
    assert!(reports > 700, "only {reports} reports");
    assert!(run("1") == reference, "second run at -j 1 differs");
    assert!(run("4") == reference, "-j 4 differs from -j 1");
    assert!(run("4") == reference, "second run at -j 4 differs");
}

/// Returns about 3 MiB of log lines, two streaming blocks. Each line has
/// its own indicators, so a block boundary falls beside some of them.
fn large_log() -> Vec<u8> {
    let mut text = String::new();
    let mut line = 0u32;
    while text.len() < 3 << 20 {
        let (a, b) = (line % 250 + 1, line / 250 % 250);
        text.push_str(&format!(
            "{line} GET hxxp://h{line}[.]example[.]com/p?q={line} from \
             10.{a}.{b}.7 user{line}@mail.example.org \
             C:\\Users\\u{line}\\run.exe {:032x}\n",
            u128::from(line) * 0x9e37_79b9_7f4a_7c15,
        ));
        line += 1;
    }
    text.into_bytes()
}

/// Scans with `args`, feeding `stdin`, and returns the report's `iocs` and `detections`.
fn scanned(args: &[&str], stdin: Option<&[u8]>) -> serde_json::Value {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = binary::trawl_command()
        .args(["--detail", "-c"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).unwrap();
    serde_json::json!({
        "iocs": report["iocs"],
        "detections": report["detections"],
    })
}

#[test]
fn streamed_file_equals_whole_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let bytes = large_log();
    std::fs::write(&path, &bytes).unwrap();
    let path = path.to_str().unwrap();

    // Standard input is read whole, and a file of several blocks is
    // streamed and, with threads, scanned in parallel.
    let whole = scanned(&["-"], Some(&bytes));
    let urls = whole["iocs"]["urls"].as_array().unwrap();
    assert!(urls.len() > 20_000, "{} URLs", urls.len());
    assert!(scanned(&["-j", "1", path], None) == whole, "-j 1 differs");
    assert!(scanned(&["-j", "3", path], None) == whole, "-j 3 differs");
}
