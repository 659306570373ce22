//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// Returns the directory of shared test data: `TRAWL_SHARED` when set,
/// otherwise `shared/` beside the repository.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRAWL_SHARED") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}
