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
