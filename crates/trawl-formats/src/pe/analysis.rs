//! The `analysis` object of a PE report: per-section layout and entropy
//! (`basic`), obfuscation hints from the sections and strings (`deep`),
//! and a summary of the parsed directories with heuristic and structural
//! findings (`full`).
//!
//! Entries have iocx 0.7.6's shape, `{value, start, end, category,
//! metadata}` with `start` and `end` always 0, so that consumers of iocx
//! can read them. The conditions are trawl's own where iocx's are wrong;
//! `docs/reason-codes.md` lists each one.

mod string_hints;

use std::collections::HashMap;

use serde::Serialize;

use super::heuristics;
use super::image::{Image, Section};
use super::metadata::{
    BoundImportEntry, ExportEntry, HeaderEntry, ImportDetail,
    OptionalHeaderEntry, PeMetadata, RichEntry, TlsEntry,
};
use super::validate::{
    self, Details, SCN_EXECUTE, SCN_UNINITIALIZED, SCN_WRITE,
};
use super::Pe;
use crate::Region;

pub use string_hints::MAX_STRING_HINTS;

/// Entropy in bits per byte at or above which data counts as compressed
/// or encrypted, for every check that judges entropy.
pub const HIGH_ENTROPY: f64 = 7.2;

/// Fewest bytes whose entropy is judged: the entropy of `n` bytes cannot
/// exceed `log2(n)`, so the entropy of a short sample is unreliable.
pub const MIN_ENTROPY_SAMPLE: u32 = 1024;

/// Raw size from which a section counts as abnormally large (10 MiB).
const LARGE_SECTION: u32 = 10 * 1024 * 1024;

/// Section names of known packers and protectors, compared in lower
/// case.
const PACKER_SECTION_NAMES: [&str; 8] = [
    ".upx", ".upx0", ".upx1", ".aspack", ".mpress", ".petite", ".themida",
    ".packed",
];

/// How much of the analysis to run, as `-a` selects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Section layout and entropy.
    Basic,
    /// Adds obfuscation hints.
    Deep,
    /// Adds the directory summary and the heuristic and structural
    /// findings.
    Full,
}

/// The `analysis` object.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    /// One entry per section, in header order.
    pub sections: Vec<SectionEntry>,
    /// Obfuscation hints; `deep` and `full` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obfuscation: Option<Vec<Finding>>,
    /// Summary of the parsed directories; `full` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended: Option<Vec<ExtendedEntry>>,
    /// Heuristic and structural findings; `full` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heuristics: Option<Vec<Finding>>,
}

/// One section's layout and entropy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectionEntry {
    /// Name, invalid UTF-8 dropped.
    pub name: String,
    /// SizeOfRawData.
    pub raw_size: u32,
    /// VirtualSize.
    pub virtual_size: u32,
    /// `IMAGE_SCN_*` flags.
    pub characteristics: u32,
    /// Shannon entropy of the raw data, in bits per byte.
    pub entropy: f64,
    /// PointerToRawData.
    pub raw_address: u32,
    /// VirtualAddress.
    pub virtual_address: u32,
}

/// An obfuscation hint or a heuristic finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The finding's name, such as `packer_suspected`.
    pub value: &'static str,
    /// Always 0: findings are not tied to a file span.
    pub start: u64,
    /// Always 0.
    pub end: u64,
    /// `obfuscation_hint` or `pe_heuristic`.
    pub category: &'static str,
    /// For heuristics, `reason`, then `sub_reason` when the check has
    /// variants, then the values involved.
    pub metadata: Details,
}

impl Finding {
    fn hint(value: &'static str, metadata: Details) -> Finding {
        Finding {
            value,
            start: 0,
            end: 0,
            category: "obfuscation_hint",
            metadata,
        }
    }

    /// Creates a heuristic finding whose metadata starts with `reason`
    /// and, when given, `sub_reason`.
    pub fn heuristic(
        value: &'static str,
        reason: &'static str,
        sub_reason: Option<&'static str>,
        details: Details,
    ) -> Finding {
        let mut metadata = Details::default().with("reason", reason);
        if let Some(sub) = sub_reason {
            metadata = metadata.with("sub_reason", sub);
        }
        metadata.0.extend(details.0);
        Finding { value, start: 0, end: 0, category: "pe_heuristic", metadata }
    }

    /// Returns the `reason` code of a heuristic finding.
    pub fn reason(&self) -> Option<&str> {
        match self.metadata.get("reason") {
            Some(validate::Detail::Text(reason)) => Some(reason),
            _ => None,
        }
    }
}

/// One entry of `analysis.extended`.
#[derive(Clone, Debug, Serialize)]
pub struct ExtendedEntry {
    /// `summary`, `imports`, `exports`, `header` and so on.
    pub value: &'static str,
    /// Always 0.
    pub start: u64,
    /// Always 0.
    pub end: u64,
    /// Always `pe_metadata`.
    pub category: &'static str,
    /// The entry's fields.
    pub metadata: Extended,
}

/// The fields of an `analysis.extended` entry.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Extended {
    /// Counts over the parsed directories.
    Summary(Summary),
    /// The functions imported from one DLL.
    Imports(ImportGroup),
    /// The bound import descriptors.
    BoundImports {
        /// Descriptors sorted by lower-case DLL name.
        entries: Vec<BoundImportEntry>,
    },
    /// The exports.
    Exports(ExportSummary),
    /// The TLS directory.
    Tls(TlsEntry),
    /// The file header fields.
    Header(HeaderEntry),
    /// The optional header fields.
    OptionalHeader(OptionalHeaderEntry),
    /// The Rich header.
    Rich(RichEntry),
    /// Counts and entropy range over the resources.
    Resources(ResourceSummary),
}

/// Counts over the parsed directories.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Distinct DLL names among the imported symbols.
    pub dll_count: usize,
    /// Imported symbols.
    pub import_count: usize,
    /// Delay-load imported symbols.
    pub delayed_import_count: usize,
    /// Bound import descriptors.
    pub bound_import_count: usize,
    /// Exported symbols.
    pub export_count: usize,
    /// Resource entries.
    pub resource_count: usize,
    /// Whether the image has a TLS directory.
    pub has_tls: bool,
    /// Whether the image carries a signature.
    pub has_signature: bool,
}

/// The functions imported from one DLL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportGroup {
    /// The DLL name as written in the image.
    pub dll: String,
    /// Names sorted case-insensitively, then ordinals as `#n`.
    pub functions: Vec<String>,
}

/// The exports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// Exported symbols.
    pub count: usize,
    /// Export names, sorted case-insensitively.
    pub names: Vec<String>,
    /// The exports that forward to another DLL.
    pub forwarded: Vec<ExportEntry>,
}

/// Counts and entropy range over the resources.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceSummary {
    /// Resource entries.
    pub count: usize,
    /// Distinct type names, sorted.
    pub types: Vec<String>,
    /// Lowest entropy, `null` when none is known.
    pub entropy_min: Option<f64>,
    /// Highest entropy.
    pub entropy_max: Option<f64>,
    /// Mean entropy.
    pub entropy_avg: Option<f64>,
}

/// Runs the analysis at `level` on `pe`, whose report metadata is
/// `metadata`. `strings` are the string regions extracted from the file,
/// judged one by one for the obfuscation hints at `deep` and `full`.
pub fn analyze(
    pe: &Pe<'_>,
    metadata: &PeMetadata,
    level: Level,
    strings: &[Region<'_>],
) -> Analysis {
    let entropies = section_entropies(&pe.image);
    let sections = pe
        .image
        .sections
        .iter()
        .zip(&entropies)
        .map(|(section, &entropy)| SectionEntry {
            name: section.display_name(),
            raw_size: section.size_of_raw_data,
            virtual_size: section.virtual_size,
            characteristics: section.characteristics,
            entropy,
            raw_address: section.pointer_to_raw_data,
            virtual_address: section.virtual_address,
        })
        .collect();
    let mut analysis = Analysis {
        sections,
        obfuscation: None,
        extended: None,
        heuristics: None,
    };
    if level >= Level::Deep {
        let mut hints = obfuscation(&pe.image, &entropies);
        string_hints::string_hints(strings, &mut hints);
        analysis.obfuscation = Some(hints);
    }
    if level >= Level::Full {
        analysis.extended = Some(extended(metadata));
        let overlay_entropy =
            metadata.overlay.as_ref().map(|o| o.unrounded_entropy);
        let issues = validate::validate(pe, &entropies, overlay_entropy);
        analysis.heuristics =
            Some(heuristics::heuristics(pe, metadata, &entropies, &issues));
    }
    analysis
}

/// Returns the Shannon entropy of each section's raw data, in section
/// order.
pub fn section_entropies(image: &Image<'_>) -> Vec<f64> {
    image
        .sections
        .iter()
        .map(|section| entropy(section_data(image, section)))
        .collect()
}

/// Returns the raw data of `section` as pefile's `get_data` reads it.
/// The read starts at the pointer, rounded down to 512 bytes when the
/// file alignment is at least that, and covers SizeOfRawData bytes. It
/// stops at PointerToRawData + SizeOfRawData and at the end of the file.
pub fn section_data<'a>(image: &Image<'a>, section: &Section) -> &'a [u8] {
    let file_alignment = image.optional_header.map_or(0, |h| h.file_alignment);
    let start = u64::from(section.raw_start(file_alignment));
    let end = start
        .saturating_add(u64::from(section.size_of_raw_data))
        .min(section.raw_end());
    let data = image.data();
    let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    let (Ok(start), Ok(end)) =
        (usize::try_from(start.min(len)), usize::try_from(end.min(len)))
    else {
        return &[];
    };
    data.get(start..end).unwrap_or_default()
}

/// Returns the Shannon entropy of `bytes` in bits per byte, 0 for none.
/// The terms are summed in byte-value order, as iocx sums them.
pub fn entropy(bytes: &[u8]) -> f64 {
    super::metadata::entropy(bytes)
}

/// Builds the section hints: packer names first, then each section's
/// layout and flags, then overlaps, then entropy. The string hints
/// follow them.
fn obfuscation(image: &Image<'_>, entropies: &[f64]) -> Vec<Finding> {
    let mut hints = Vec::new();
    let sections = &image.sections;
    for section in sections {
        let lower = section.display_name().to_lowercase();
        if PACKER_SECTION_NAMES.contains(&lower.as_str()) {
            hints.push(Finding::hint(
                "suspicious_section_name",
                Details::default().with("section", section.display_name()),
            ));
        }
    }
    for section in sections {
        let name = section.display_name();
        let raw_size = section.size_of_raw_data;
        if raw_size >= LARGE_SECTION {
            hints.push(Finding::hint(
                "abnormal_section_layout_large",
                Details::default()
                    .with("section", name.clone())
                    .with("raw_size", raw_size)
                    .with("threshold", LARGE_SECTION),
            ));
        }
        // Uninitialized data (`.bss`) has no file bytes by design.
        let uninitialized = section.characteristics & SCN_UNINITIALIZED != 0;
        if raw_size == 0 && section.virtual_size > 0 && !uninitialized {
            hints.push(Finding::hint(
                "abnormal_section_layout_virtual_only",
                Details::default()
                    .with("section", name.clone())
                    .with("raw_size", raw_size)
                    .with("virtual_size", section.virtual_size),
            ));
        }
        let rwx = SCN_EXECUTE | SCN_WRITE;
        if section.characteristics & rwx == rwx {
            hints.push(Finding::hint(
                "abnormal_section_characteristics",
                Details::default()
                    .with("section", name)
                    .with("characteristics", section.characteristics),
            ));
        }
    }
    let mut by_address: Vec<&Section> = sections.iter().collect();
    by_address.sort_by_key(|s| s.virtual_address);
    for pair in by_address.windows(2) {
        let [a, b] = pair else {
            continue;
        };
        let a_end = validate::virtual_end(a);
        if u64::from(b.virtual_address) < a_end {
            hints.push(Finding::hint(
                "abnormal_section_overlap",
                Details::default()
                    .with("section_a", a.display_name())
                    .with("section_b", b.display_name())
                    .with("range_a", vec![u64::from(a.virtual_address), a_end])
                    .with(
                        "range_b",
                        vec![
                            u64::from(b.virtual_address),
                            validate::virtual_end(b),
                        ],
                    ),
            ));
        }
    }
    for (section, &value) in sections.iter().zip(entropies) {
        if section.size_of_raw_data >= MIN_ENTROPY_SAMPLE
            && value >= HIGH_ENTROPY
        {
            hints.push(Finding::hint(
                "high_entropy_section",
                Details::default()
                    .with("section", section.display_name())
                    .with("entropy", value)
                    .with("threshold", HIGH_ENTROPY),
            ));
        }
    }
    hints
}

/// Builds `analysis.extended` from the report metadata.
fn extended(metadata: &PeMetadata) -> Vec<ExtendedEntry> {
    let entry = |value, metadata| ExtendedEntry {
        value,
        start: 0,
        end: 0,
        category: "pe_metadata",
        metadata,
    };
    let mut entries = Vec::new();
    let mut dlls: Vec<&str> =
        metadata.import_details.iter().map(|d| d.dll.as_str()).collect();
    dlls.sort_unstable();
    dlls.dedup();
    entries.push(entry(
        "summary",
        Extended::Summary(Summary {
            dll_count: dlls.len(),
            import_count: metadata.import_details.len(),
            delayed_import_count: metadata.delayed_imports.len(),
            bound_import_count: metadata.bound_imports.len(),
            export_count: metadata.exports.len(),
            resource_count: metadata.resources.len(),
            has_tls: metadata.tls.is_some(),
            has_signature: metadata.has_signature,
        }),
    ));
    for group in import_groups(&metadata.import_details) {
        entries.push(entry("imports", Extended::Imports(group)));
    }
    for group in import_groups(&metadata.delayed_imports) {
        entries.push(entry("delayed_imports", Extended::Imports(group)));
    }
    if !metadata.bound_imports.is_empty() {
        let mut bound = metadata.bound_imports.clone();
        bound.sort_by_key(|b| b.dll.to_lowercase());
        entries.push(entry(
            "bound_imports",
            Extended::BoundImports { entries: bound },
        ));
    }
    let mut names: Vec<String> =
        metadata.exports.iter().filter_map(|e| e.name.clone()).collect();
    names.sort_by_key(|name| name.to_lowercase());
    entries.push(entry(
        "exports",
        Extended::Exports(ExportSummary {
            count: metadata.exports.len(),
            names,
            forwarded: metadata
                .exports
                .iter()
                .filter(|e| e.forwarder.is_some())
                .cloned()
                .collect(),
        }),
    ));
    if let Some(tls) = &metadata.tls {
        entries.push(entry("tls_directory", Extended::Tls(tls.clone())));
    }
    if let Some(header) = &metadata.header {
        entries.push(entry("header", Extended::Header(header.clone())));
    }
    if let Some(header) = &metadata.optional_header {
        entries.push(entry(
            "optional_header",
            Extended::OptionalHeader(header.clone()),
        ));
    }
    if let Some(rich) = &metadata.rich_header {
        entries.push(entry("rich_header", Extended::Rich(rich.clone())));
    }
    if !metadata.resources.is_empty() {
        entries.push(entry(
            "resources",
            Extended::Resources(resource_summary(metadata)),
        ));
    }
    entries
}

/// Groups imported symbols by DLL, DLLs sorted case-insensitively, each
/// group's names sorted case-insensitively and followed by its ordinals.
fn import_groups(details: &[ImportDetail]) -> Vec<ImportGroup> {
    let mut groups: Vec<(String, Vec<String>, Vec<u16>)> = Vec::new();
    // A map from DLL name to group keeps this linear when an image
    // imports from thousands of DLLs.
    let mut index_of: HashMap<&str, usize> = HashMap::new();
    for detail in details {
        let index =
            *index_of.entry(detail.dll.as_str()).or_insert_with(|| {
                groups.push((detail.dll.clone(), Vec::new(), Vec::new()));
                groups.len().saturating_sub(1)
            });
        let Some((_, names, ordinals)) = groups.get_mut(index) else {
            continue;
        };
        match (&detail.function, detail.ordinal) {
            (Some(name), _) => names.push(name.clone()),
            (None, Some(ordinal)) => ordinals.push(ordinal),
            (None, None) => {}
        }
    }
    groups.sort_by_key(|(dll, ..)| dll.to_lowercase());
    groups
        .into_iter()
        .map(|(dll, mut names, mut ordinals)| {
            names.sort_by_key(|name| name.to_lowercase());
            ordinals.sort_unstable();
            names.extend(ordinals.iter().map(|o| format!("#{o}")));
            ImportGroup { dll, functions: names }
        })
        .collect()
}

fn resource_summary(metadata: &PeMetadata) -> ResourceSummary {
    let mut types: Vec<String> =
        metadata.resources.iter().map(|r| r.resource_type.clone()).collect();
    types.sort();
    types.dedup();
    let known: Vec<f64> =
        metadata.resources.iter().filter_map(|r| r.entropy).collect();
    let (min, max, avg) = if known.is_empty() {
        (None, None, None)
    } else {
        let min = known.iter().copied().fold(f64::INFINITY, f64::min);
        let max = known.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let avg = known.iter().sum::<f64>() / known.len() as f64;
        (Some(min), Some(max), Some(avg))
    };
    ResourceSummary {
        count: metadata.resources.len(),
        types,
        entropy_min: min,
        entropy_max: max,
        entropy_avg: avg,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pe::testpe::TestPe;
    use crate::pe::{parse, PeLimits};

    fn analyze_bytes(bytes: &[u8], level: Level) -> Analysis {
        let pe = parse(bytes, &PeLimits::default());
        let metadata = PeMetadata::new(&pe);
        let strings = crate::strings::extract(bytes, 4);
        analyze(&pe, &metadata, level, &strings)
    }

    #[test]
    fn levels_add_their_keys() {
        let pe = TestPe::new(true);
        let cases = [
            (Level::Basic, false, false),
            (Level::Deep, true, false),
            (Level::Full, true, true),
        ];
        for (level, deep, full) in cases {
            let analysis = analyze_bytes(&pe.bytes, level);
            assert_eq!(analysis.sections.len(), 1, "{level:?}");
            assert_eq!(analysis.obfuscation.is_some(), deep, "{level:?}");
            assert_eq!(analysis.extended.is_some(), full, "{level:?}");
            assert_eq!(analysis.heuristics.is_some(), full, "{level:?}");
        }
    }

    #[test]
    fn heuristic_metadata_starts_with_reason() {
        let finding = Finding::heuristic(
            "pe_structure_anomaly",
            "section_flags_inconsistent",
            Some("write_without_read"),
            Details::default().with("section", ".w"),
        );
        let keys: Vec<&str> =
            finding.metadata.0.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, ["reason", "sub_reason", "section"]);
        assert_eq!(finding.reason(), Some("section_flags_inconsistent"));
    }

    #[test]
    fn section_entropy_uses_raw_window() {
        let mut pe = TestPe::new(false);
        // Two byte values in equal shares: exactly one bit per byte.
        let data: Vec<u8> = (0..0x1000).map(|i| (i % 2) as u8).collect();
        pe.put(0x400, &data);
        let analysis = analyze_bytes(&pe.bytes, Level::Basic);
        assert_eq!(analysis.sections[0].entropy, 1.0);
        assert_eq!(entropy(&[]), 0.0);
    }

    #[test]
    fn overlay_entropy_shared_with_validator() {
        let mut pe = TestPe::new(false);
        // Every byte value in equal shares: eight bits per byte.
        let overlay: Vec<u8> =
            (0..0x1000).map(|i| (i * 167 % 256) as u8).collect();
        let end = pe.bytes.len();
        pe.put(end, &overlay);
        let parsed = parse(&pe.bytes, &PeLimits::default());
        let metadata = PeMetadata::new(&parsed);
        let shared = metadata.overlay.as_ref().map(|o| o.unrounded_entropy);
        assert_eq!(shared, Some(8.0));

        let entropies = section_entropies(&parsed.image);
        let recomputed = validate::validate(&parsed, &entropies, None);
        let reused = validate::validate(&parsed, &entropies, shared);
        assert_eq!(reused, recomputed);
        let codes: Vec<&str> =
            reused.iter().map(|issue| issue.reason.as_str()).collect();
        assert!(codes.contains(&"entropy_high_overlay"), "{codes:?}");
    }

    #[test]
    fn packer_name_hint_skips_bss() {
        let mut pe = TestPe::new(false);
        pe.section(b".upx0", 0x2000, 0x1000, 0, 0, 0xC000_0080);
        let analysis = analyze_bytes(&pe.bytes, Level::Full);
        let hints: Vec<&str> =
            analysis.obfuscation.unwrap().iter().map(|h| h.value).collect();
        assert_eq!(hints, ["suspicious_section_name"]);
        let reasons: Vec<String> = analysis
            .heuristics
            .unwrap()
            .iter()
            .filter_map(|h| h.reason().map(str::to_string))
            .collect();
        assert!(reasons.contains(&"packer_section_name".to_string()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let mut pe = TestPe::new(false);
            let at = 0x80 + 24;
            // Overwrite the headers from the optional header on, so the
            // parser gets past the signature and meets random fields.
            let end = (at + tail.len()).min(pe.bytes.len());
            pe.bytes[at..end].copy_from_slice(&tail[..end - at]);
            let analysis = analyze_bytes(&pe.bytes, Level::Full);
            prop_assert!(analysis.heuristics.is_some());
            let _ = analyze_bytes(&tail, Level::Full);
        }
    }
}
