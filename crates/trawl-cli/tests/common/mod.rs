//! Helpers shared by the integration tests.

pub mod pe32;

#[path = "../../../trawl-core/tests/common/shared_dir.rs"]
mod shared_dir;

pub use shared_dir::shared_dir;

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
