//! Helpers shared by the integration tests.

use std::path::PathBuf;

pub mod pe32;

/// Returns the directory of shared test data: `TRAWL_SHARED` when set,
/// otherwise `shared/` beside the repository.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRAWL_SHARED") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// Runs iocx's fixture scorer over a folder of reports named
/// `<fixture>.json` and returns its verbose table.
// Only the fixture-scoring test binaries call it.
#[allow(dead_code, clippy::expect_used)]
pub fn score_reports(predictions: &std::path::Path) -> String {
    let scorer = shared_dir().join("fixtures/iocx/score.py");
    let output = std::process::Command::new("python3")
        .arg(scorer)
        .arg(predictions)
        .arg("--verbose")
        .output()
        .expect("python3 must be installed to run score.py");
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{table}");
    assert!(output.status.success(), "score.py failed:\n{table}");
    table
}
