//! Understands containers: sniffs what a file is, decodes text, and
//! extracts the regions of a binary that are worth scanning.
//!
//! Nothing here reads paths; every function takes bytes and returns
//! values, and none panics on hostile input.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod archive;
pub mod pe;
pub mod sniff;
pub mod strings;
pub mod text;

use std::borrow::Cow;

use trawl_core::OffsetMap;

/// The origin of a region's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// The input itself, read as text.
    Text,
    /// A printable ASCII run in a binary.
    AsciiString,
    /// A UTF-16LE run in a binary, transcoded to UTF-8.
    Utf16String,
    /// The PDB path of a PE file's CodeView debug record.
    PdbPath,
    /// Text of a PE resource leaf: a string table entry, a manifest, or
    /// a printable run in RCDATA or HTML data.
    ResourceString,
    /// A value of a PE version resource's StringFileInfo, such as
    /// `CompanyName`.
    VersionInfo,
    /// A string literal from a .NET assembly's `#US` heap.
    DotnetUserString,
}

impl Origin {
    /// Returns the name used for this origin in the report.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Text => "text",
            Origin::AsciiString => "ascii string",
            Origin::Utf16String => "utf16 string",
            Origin::PdbPath => "pdb path",
            Origin::ResourceString => "resource string",
            Origin::VersionInfo => "version info",
            Origin::DotnetUserString => "dotnet user string",
        }
    }
}

/// Bytes to scan, with the map from their positions to file offsets.
#[derive(Clone, Debug)]
pub struct Region<'a> {
    /// UTF-8 text (or raw bytes treated as ASCII-compatible text).
    pub text: Cow<'a, [u8]>,
    /// Maps positions in `text` to offsets in the input.
    pub map: OffsetMap,
    /// The origin of `text`.
    pub origin: Origin,
}
