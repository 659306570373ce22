//! Scans one input into its report: read, sniff, split into regions,
//! scan each region and map the detections back to input offsets.

use std::io::{self, Read};
use std::path::Path;

use trawl_core::{Detection, IocsBuilder, Scanner, Source};
use trawl_formats::sniff::{self, FileKind};
use trawl_formats::text::{self, Encoding};
use trawl_formats::{strings, Origin, Region};

use crate::inputs::Input;
use crate::report::{DetailEntry, Metadata, Report, ReportError, Stage};

/// Settings shared by every input of a run.
#[derive(Debug)]
pub struct Settings {
    /// The scanner, built once from `--types`.
    pub scanner: Scanner,
    /// Minimum length of extracted strings, in characters.
    pub min_length: usize,
    /// Whether reports list every detection.
    pub detail: bool,
    /// Maximum strings extracted from one binary input.
    pub max_strings: usize,
    /// Largest part of one input that is read, in bytes.
    pub max_input_size: u64,
}

/// A detection whose span is in input offsets, with its region's origin
/// and raw text.
struct Found {
    detection: Detection,
    origin: Origin,
    raw: Option<String>,
}

/// Reads and scans one input. Standard input must already have been read
/// into `stdin`.
pub fn process(input: &Input, stdin: &[u8], settings: &Settings) -> Report {
    match input {
        Input::Text(text) => {
            let bytes = text.as_bytes();
            let region = text::decode(bytes, Encoding::Utf8 { bom: false });
            let kind = FileKind::Text(Encoding::Utf8 { bom: false });
            scan_regions(None, kind, vec![region], settings)
        }
        Input::Stdin => scan_bytes(None, stdin, settings),
        Input::File(path) => match read_file(path, settings.max_input_size) {
            Ok(bytes) => scan_bytes(Some(display(path)), &bytes, settings),
            Err(error) => Report::failed(
                Some(display(path)),
                ReportError {
                    stage: Stage::Read,
                    message: format!("failed to read file: {error}"),
                },
            ),
        },
        Input::UnlistedDir(path, message) => Report::failed(
            Some(display(path)),
            ReportError { stage: Stage::Read, message: message.clone() },
        ),
    }
}

/// Returns a path as it goes into the report.
// NOTE: a path that is not valid UTF-8 is written with U+FFFD in place of
// the invalid bytes, so it cannot always be opened from the report.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Reads a file, opened read-only, up to one byte past `limit` so that
/// the report can say it was cut.
fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Sniffs `bytes` and scans the regions its kind yields: the decoded
/// text, or the strings of a binary.
fn scan_bytes(
    file: Option<String>,
    bytes: &[u8],
    settings: &Settings,
) -> Report {
    let mut errors = Vec::new();
    let limit = usize::try_from(settings.max_input_size).unwrap_or(usize::MAX);
    let bytes = match bytes.get(..limit) {
        Some(head) if head.len() < bytes.len() => {
            errors.push(ReportError {
                stage: Stage::Read,
                message: format!(
                    "input is longer than {limit} bytes; only the first \
                     {limit} were scanned (raise --max-input-size)"
                ),
            });
            head
        }
        _ => bytes,
    };
    let kind = sniff::sniff(bytes);
    let regions = match kind {
        FileKind::Text(encoding) => vec![text::decode(bytes, encoding)],
        _ => {
            let extraction = strings::extract_bounded(
                bytes,
                settings.min_length,
                settings.max_strings,
            );
            if extraction.truncated {
                errors.push(ReportError {
                    stage: Stage::Scan,
                    message: format!(
                        "stopped after {} strings; the rest of the input \
                         was not scanned (raise --max-strings)",
                        settings.max_strings
                    ),
                });
            }
            extraction.regions
        }
    };
    let mut report = scan_regions(file, kind, regions, settings);
    errors.append(&mut report.errors);
    report.errors = errors;
    report
}

/// Scans each region and assembles the report.
fn scan_regions(
    file: Option<String>,
    kind: FileKind,
    regions: Vec<Region<'_>>,
    settings: &Settings,
) -> Report {
    let limit = settings.scanner.limits().max_detections;
    let mut builder = IocsBuilder::default();
    let mut found = Vec::new();
    let mut truncated = false;
    for region in &regions {
        settings.scanner.scan_each(&region.text, |detection| {
            let detection = map_detection(detection, region, settings.detail);
            if !builder.push_bounded(&detection.detection, limit) {
                truncated = true;
            }
            if settings.detail {
                if found.len() < limit {
                    found.push(detection);
                } else {
                    truncated = true;
                }
            }
        });
    }

    let iocs = builder.finish();
    let detections = settings.detail.then(|| detail_entries(found));
    let mut errors = Vec::new();
    if truncated {
        errors.push(ReportError {
            stage: Stage::Scan,
            message: format!(
                "stopped after {limit} distinct values; values first seen \
                 later in this input are not reported (raise --max-values)"
            ),
        });
    }
    Report {
        file,
        kind: kind.report_type(),
        iocs,
        metadata: Metadata {},
        detections,
        errors,
    }
}

/// Moves a detection's span from region positions to input offsets.
fn map_detection(
    mut detection: Detection,
    region: &Region<'_>,
    with_raw: bool,
) -> Found {
    let raw = with_raw.then(|| {
        let bytes = region.text.get(detection.start..detection.end);
        String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
    });
    let start = region.map.start(detection.start);
    let end = region.map.end(detection.end).max(start);
    detection.start = start;
    detection.end = end;
    Found { detection, origin: region.origin, raw }
}

/// Returns the `detections` list, sorted by offset then category.
fn detail_entries(found: Vec<Found>) -> Vec<DetailEntry> {
    let mut entries: Vec<DetailEntry> = found
        .into_iter()
        .map(|Found { detection, origin, raw }| {
            let (source, depth) = match detection.source {
                Source::Text => (origin.name(), None),
                Source::Base64 { depth } => ("decoded base64", Some(depth)),
            };
            DetailEntry {
                category: detection.category,
                value: detection.value,
                offset: detection.start,
                length: detection.end - detection.start,
                source,
                depth,
                raw: raw.unwrap_or_default(),
                kind: detection.kind,
                decoded: detection.decoded,
            }
        })
        .collect();
    // A stable sort keeps the scanner's deterministic order among equal
    // keys, so the list is the same for any thread count.
    entries.sort_by_key(|entry| (entry.offset, entry.category));
    entries
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use trawl_core::{Category, OffsetMap};

    use super::*;

    fn settings(detail: bool) -> Settings {
        Settings {
            scanner: Scanner::default(),
            min_length: 4,
            detail,
            max_strings: strings::MAX_REGIONS,
            max_input_size: u64::MAX,
        }
    }

    fn detection(category: Category, start: usize, end: usize) -> Detection {
        Detection {
            category,
            value: "v".to_string(),
            start,
            end,
            kind: None,
            decoded: None,
            source: Source::Text,
        }
    }

    #[test]
    fn mapped_span_uses_region_map() {
        // A UTF-16LE region: derived byte i is source byte 100 + 2i.
        let mut map = OffsetMap::identity();
        for i in 0..4 {
            map.push_edit(i, 1, 100 + 2 * i, 2);
        }
        let region = Region {
            text: Cow::Borrowed(b"abcd"),
            map,
            origin: Origin::Utf16String,
        };
        let found =
            map_detection(detection(Category::Cve, 1, 3), &region, true);
        assert_eq!(found.detection.start, 102);
        assert_eq!(found.detection.end, 106);
        assert_eq!(found.raw.as_deref(), Some("bc"));
        assert_eq!(found.origin, Origin::Utf16String);
    }

    #[test]
    fn raw_outside_region_is_empty() {
        let region = Region {
            text: Cow::Borrowed(b"ab"),
            map: OffsetMap::identity(),
            origin: Origin::Text,
        };
        let found =
            map_detection(detection(Category::Cve, 1, 9), &region, true);
        assert_eq!(found.raw.as_deref(), Some(""));
    }

    #[test]
    fn detail_sorted_by_offset_then_category() {
        let found =
            [(Category::Domain, 5), (Category::Url, 5), (Category::Ip, 1)]
                .into_iter()
                .map(|(category, start)| Found {
                    detection: detection(category, start, start + 1),
                    origin: Origin::Text,
                    raw: None,
                })
                .collect();
        let entries = detail_entries(found);
        let order: Vec<_> =
            entries.iter().map(|e| (e.offset, e.category)).collect();
        let expected =
            [(1, Category::Ip), (5, Category::Url), (5, Category::Domain)];
        assert_eq!(order, expected);
    }

    #[test]
    fn base64_source_names_depth() {
        let mut inner = detection(Category::Url, 0, 4);
        inner.source = Source::Base64 { depth: 2 };
        let found =
            vec![Found { detection: inner, origin: Origin::Text, raw: None }];
        let entries = detail_entries(found);
        assert_eq!(entries[0].source, "decoded base64");
        assert_eq!(entries[0].depth, Some(2));
    }

    #[test]
    fn unread_file_reports_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = Input::File(dir.path().join("gone"));
        let report = process(&input, &[], &settings(false));
        assert_eq!(report.kind, "unknown");
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].stage, Stage::Read);
        assert!(report.iocs.is_empty());
    }

    /// Bytes drawn mostly from characters that indicators are made of,
    /// so that random inputs produce detections, plus any byte at all.
    fn indicator_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>>
    {
        use proptest::prelude::*;
        let alphabet = b"ab0f19.:/@[]-\\ \n\x00\xff\xfe".to_vec();
        let byte = prop_oneof![3 => proptest::sample::select(alphabet), 1 => any::<u8>()];
        proptest::collection::vec(byte, 0..512)
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_give_spans_inside_input(bytes in indicator_bytes()) {
            let report = scan_bytes(None, &bytes, &settings(true));
            for entry in report.detections.unwrap_or_default() {
                let end = entry.offset.checked_add(entry.length);
                proptest::prop_assert!(end.is_some_and(|e| e <= bytes.len()));
            }
        }
    }

    #[test]
    fn text_input_has_no_file() {
        let input = Input::Text("nothing here".to_string());
        let report = process(&input, &[], &settings(true));
        assert_eq!(report.file, None);
        assert_eq!(report.kind, "text");
        assert!(report.detections.is_some());
    }
}
