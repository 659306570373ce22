//! Runs the `trawl` binary the way every end-to-end test should.

use std::path::PathBuf;
use std::process::Command;

/// Returns a command for the `trawl` binary whose configuration folder
/// (`XDG_CONFIG_HOME`, and `HOME` for the fallback) does not exist, so
/// that the developer's own rules file never changes a report.
pub fn trawl_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trawl"));
    let none = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-config");
    command.env("XDG_CONFIG_HOME", &none).env("HOME", &none);
    command
}
