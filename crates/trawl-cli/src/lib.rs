//! trawl as a library: scans text, bytes, files and directories into
//! the same reports, and the same JSON, as the `trawl` command line.
//!
//! ```
//! let engine = trawl::Engine::new(trawl::Options::default())?;
//! let report = engine.scan_text("beacon to hxxp://evil[.]com/x");
//! let json = trawl::to_json(&report);
//! assert_eq!(json["iocs"]["urls"][0], "http://evil.com/x");
//! # Ok::<(), trawl::InvalidOption>(())
//! ```
//!
//! Only the items documented here are a stable interface. The hidden
//! modules are the command line's own parts and change with it.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod engine;

pub use engine::{to_json, Engine, InvalidOption, Options};
pub use report::{DetailEntry, Metadata, Report, ReportError, Stage};
pub use trawl_core::{Category, CategorySet};
pub use trawl_formats::pe::analysis::Level as AnalysisLevel;

#[doc(hidden)]
pub mod archive;
#[doc(hidden)]
pub mod args;
#[doc(hidden)]
pub mod defang;
#[doc(hidden)]
pub mod ids;
#[doc(hidden)]
pub mod inputs;
#[doc(hidden)]
pub mod lists;
#[doc(hidden)]
pub mod misp;
#[doc(hidden)]
pub mod output;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod progress;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod rules;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod stix;
#[doc(hidden)]
pub mod timestamp;
