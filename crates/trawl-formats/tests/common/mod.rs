//! Helpers shared by the integration tests.

#[path = "../../../trawl-core/tests/common/shared_dir.rs"]
mod shared_dir;

pub use shared_dir::shared_dir;
