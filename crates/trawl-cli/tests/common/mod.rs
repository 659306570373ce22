//! Helpers shared by the integration tests.

use std::path::PathBuf;

pub mod pe32;

/// Returns the directory of shared test data: `TRAWL_SHARED` when set,
/// otherwise `shared/` beside the repository. Stops the test with a
/// message naming the folder when it is missing, which would otherwise
/// surface as a bare "not found" from whichever file is read first.
pub fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("TRAWL_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
        }
    };
    assert!(
        dir.is_dir(),
        "shared test data not found at '{}': place the `shared` folder \
         beside the checkout, or set TRAWL_SHARED to its path",
        dir.display()
    );
    dir
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
