//! Finds the shared test data. The integration tests of every crate
//! include this file, so the lookup and its message are written once.

use std::path::PathBuf;

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
