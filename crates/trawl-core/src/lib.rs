//! Finds indicators of compromise in untrusted bytes.
//!
//! The scanner takes a byte slice (mostly UTF-8 text, but any bytes are
//! accepted), undoes the usual defanging with an offset map, runs every
//! detector once over the result, resolves overlaps and returns
//! [`Detection`]s whose offsets point into the original bytes. Nothing here
//! performs I/O, and every detector runs in time linear in its input.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod category;
mod cut;
mod detect;
mod filter;
mod limits;
mod offset_map;
mod pages;
mod refang;
mod report;
mod resolve;
pub mod rules;
mod scan;
mod value_list;

pub use category::{Category, CategorySet, IocKey};
pub use cut::{
    wrapped_base64_end, wrapped_base64_end_in, BlockEnd, CodeUnits,
};
pub use filter::{
    Filter, FilterBuilder, FilterPass, List, ListError, ListErrorKind,
    ListKind, Match, Verdict,
};
pub use limits::Limits;
pub use offset_map::OffsetMap;
pub use refang::{refang, Refanged};
pub use report::{Detection, Iocs, IocsBuilder, Source};
pub use rules::{CustomCategory, RuleError, RuleId, RuleSet};
pub use scan::{LentDetection, ScanOutput, Scanner};
pub use value_list::{ValueList, Values};
