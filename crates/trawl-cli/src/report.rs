//! The report of one input, serialized with its keys in the documented
//! order: `file`, `type`, `iocs`, `metadata`, `analysis`, `detections`,
//! `errors`.

use std::borrow::Cow;

use serde::Serialize;
use trawl_core::{IocKey, Iocs};
use trawl_formats::pe::analysis::Analysis;
use trawl_formats::pe::metadata::PeMetadata;

/// The report of one input.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The path as given or as reached by the walk; `None` for `--text`
    /// and standard input.
    pub file: Option<String>,
    /// The kind of content: `text`, `PE`, `ELF`, `Mach-O`, `archive` or
    /// `unknown`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The de-duplicated indicators, one list per category.
    pub iocs: Iocs,
    /// Format-specific metadata: the PE fields for a PE file, else `{}`.
    pub metadata: Metadata,
    /// The PE analysis `--analysis` selects; absent for other inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Box<Analysis>>,
    /// Every occurrence, present only with `--detail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detections: Option<Vec<DetailEntry>>,
    /// The failures met while reading or scanning this input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ReportError>,
    /// The input's size in bytes as read, for the MISP `file` object;
    /// not part of the JSON report.
    #[serde(skip)]
    pub size: Option<u64>,
}

impl Report {
    /// Creates the report of an input that could not be read.
    pub fn failed(file: Option<String>, error: ReportError) -> Report {
        Report {
            file,
            kind: "unknown",
            iocs: Iocs::default(),
            metadata: Metadata::default(),
            analysis: None,
            detections: None,
            errors: vec![error],
            size: None,
        }
    }
}

/// The `metadata` object.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Metadata {
    /// No format-specific fields, serialized as `{}`.
    Empty {},
    /// The fields of a PE file.
    Pe(Box<PeMetadata>),
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata::Empty {}
    }
}

/// One occurrence of an indicator, as listed under `--detail`.
#[derive(Debug, Serialize)]
pub struct DetailEntry {
    /// The category as a key, which orders entries that share an
    /// offset.
    #[serde(skip)]
    pub key: IocKey,
    /// The category, written as its key in `iocs`.
    pub category: Cow<'static, str>,
    /// The custom rule that found the value; absent for built-in
    /// detectors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The normalised value, as in `iocs`.
    pub value: String,
    /// Offset of the first byte of the indicator as written in the input.
    pub offset: usize,
    /// Length in input bytes of the indicator as written.
    pub length: usize,
    /// The region it was found in: `text`, `ascii string`, `utf16 string`,
    /// `pdb path`, `resource string`, `version info`, `dotnet user
    /// string` or `decoded base64`.
    pub source: &'static str,
    /// For `decoded base64`, how many decodings deep the value was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<u8>,
    /// The region's text at the indicator's span, as lossy UTF-8; for a
    /// value found in a decoded payload, the outermost base64 token.
    pub raw: String,
    /// A finer type, such as the hash algorithm or the address family.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// For base64 tokens, the decoded payload as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// The reason the value is left out of `iocs`: `allow list FILE:LINE` or
    /// `benign: GROUP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<String>,
    /// The block list entry that keeps the value: `block list
    /// FILE:LINE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
}

/// One entry of a report's `errors` list.
#[derive(Debug, Serialize)]
pub struct ReportError {
    /// The step that failed: `read`, `parse` or `scan`; or `skip` for an
    /// archive member with no content to scan.
    pub stage: Stage,
    /// A description of what failed and why.
    pub message: String,
}

/// The step of processing an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Reading a file or listing a directory.
    Read,
    /// Parsing the format's headers; the metadata contains only the
    /// fields read before the failure.
    Parse,
    /// Scanning the bytes; the results are incomplete.
    Scan,
    /// An archive member that has no content to scan, such as a link or
    /// a device. It is listed, and is not a failure.
    Skip,
}
