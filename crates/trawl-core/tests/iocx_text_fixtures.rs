//! Scores the scanner on the iocx text fixtures with the fixtures' own
//! scorer (`score.py`, Python 3 standard library) and keeps every
//! category at F1 1.0.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::process::Command;

use trawl_core::{Iocs, Scanner};

#[test]
fn text_fixtures_score_perfectly() {
    let fixtures = common::shared_dir().join("fixtures/iocx");
    let predictions = tempdir();
    let scanner = Scanner::default();
    let mut scanned = 0;
    for entry in std::fs::read_dir(fixtures.join("text")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let output = scanner.scan(&bytes);
        let iocs = Iocs::from_detections(&output.detections);
        let report = serde_json::json!({ "iocs": iocs });
        let name = path.file_name().unwrap().to_string_lossy();
        let out = predictions.join(format!("{name}.json"));
        std::fs::write(out, report.to_string()).unwrap();
        scanned += 1;
    }
    assert!(scanned >= 10, "only {scanned} text fixtures found");

    let score = Command::new("python3")
        .arg(fixtures.join("score.py"))
        .arg(&predictions)
        .arg("--verbose")
        .output()
        .expect("python3 must be installed to run score.py");
    let stdout = String::from_utf8_lossy(&score.stdout);
    println!("{stdout}");
    assert!(score.status.success(), "score.py failed: {stdout}");
    let imperfect: Vec<&str> = stdout
        .lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() == 7
                && fields[0] != "type"
                && fields[6] != "nan"
                && fields[6] != "1.000"
        })
        .collect();
    assert!(imperfect.is_empty(), "F1 below 1.0:\n{stdout}");
    std::fs::remove_dir_all(&predictions).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("trawl-text-score-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
