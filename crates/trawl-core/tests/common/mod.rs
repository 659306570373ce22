//! Helpers shared by the integration tests.

mod shared_dir;

pub use shared_dir::shared_dir;
