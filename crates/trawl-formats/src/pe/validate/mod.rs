//! Structural validators: checks of a parsed PE against the rules the
//! loader and the PE specification set, each finding tagged with a
//! [`Reason`].
//!
//! The validators run in iocx 0.7.6's order (entry point, sections,
//! optional header, data directories, imports, load configuration, TLS,
//! certificates, relocations, debug, resources, exports, delay imports,
//! entropy), so their findings list in the same order. Where iocx's condition is
//! wrong the condition here is the corrected one; `docs/reason-codes.md`
//! lists each code with the exact condition that fires it.

mod directories;
mod headers;
mod resources;
mod tables;

pub use directories::DIRECTORY_NAMES;
pub(crate) use resources::is_benign_anomaly;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::image::{Image, Section, MAX_DATA_DIRECTORIES};
use super::reason::Reason;
use super::Pe;

/// `IMAGE_SCN_CNT_CODE`.
pub(crate) const SCN_CODE: u32 = 0x0000_0020;
/// `IMAGE_SCN_CNT_UNINITIALIZED_DATA`.
pub(crate) const SCN_UNINITIALIZED: u32 = 0x0000_0080;
/// `IMAGE_SCN_CNT_INITIALIZED_DATA`.
pub(crate) const SCN_INITIALIZED: u32 = 0x0000_0040;
/// `IMAGE_SCN_MEM_DISCARDABLE`.
pub(crate) const SCN_DISCARDABLE: u32 = 0x0200_0000;
/// `IMAGE_SCN_MEM_EXECUTE`.
pub(crate) const SCN_EXECUTE: u32 = 0x2000_0000;
/// `IMAGE_SCN_MEM_READ`.
pub(crate) const SCN_READ: u32 = 0x4000_0000;
/// `IMAGE_SCN_MEM_WRITE`.
pub(crate) const SCN_WRITE: u32 = 0x8000_0000;

/// Most findings of one kind that a check lists for one file. Pairwise
/// checks can otherwise produce a number of findings quadratic in the
/// section count.
pub(crate) const MAX_FINDINGS_PER_CHECK: usize = 64;

/// One detail value of a finding.
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    /// An unsigned integer: an address, size, count or flag word.
    Int(u64),
    /// A floating-point value, such as an entropy.
    Float(f64),
    /// A text value, such as a section name.
    Text(String),
    /// A flag.
    Bool(bool),
    /// A list of integers, such as section addresses in table order.
    Ints(Vec<u64>),
}

impl Serialize for Detail {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match self {
            Detail::Int(value) => serializer.serialize_u64(*value),
            Detail::Float(value) => serializer.serialize_f64(*value),
            Detail::Text(value) => serializer.serialize_str(value),
            Detail::Bool(value) => serializer.serialize_bool(*value),
            Detail::Ints(values) => values.serialize(serializer),
        }
    }
}

impl From<u64> for Detail {
    fn from(value: u64) -> Detail {
        Detail::Int(value)
    }
}

impl From<u32> for Detail {
    fn from(value: u32) -> Detail {
        Detail::Int(u64::from(value))
    }
}

impl From<u16> for Detail {
    fn from(value: u16) -> Detail {
        Detail::Int(u64::from(value))
    }
}

impl From<usize> for Detail {
    fn from(value: usize) -> Detail {
        Detail::Int(u64::try_from(value).unwrap_or(u64::MAX))
    }
}

impl From<f64> for Detail {
    fn from(value: f64) -> Detail {
        Detail::Float(value)
    }
}

impl From<bool> for Detail {
    fn from(value: bool) -> Detail {
        Detail::Bool(value)
    }
}

impl From<&str> for Detail {
    fn from(value: &str) -> Detail {
        Detail::Text(value.to_string())
    }
}

impl From<String> for Detail {
    fn from(value: String) -> Detail {
        Detail::Text(value)
    }
}

impl From<Vec<u64>> for Detail {
    fn from(values: Vec<u64>) -> Detail {
        Detail::Ints(values)
    }
}

/// The named details of a finding, serialized as a JSON object with the
/// keys in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details(pub Vec<(&'static str, Detail)>);

impl Details {
    /// Appends a detail and returns the list, for chaining.
    pub fn with(
        mut self,
        key: &'static str,
        value: impl Into<Detail>,
    ) -> Self {
        self.0.push((key, value.into()));
        self
    }

    /// Returns the value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&Detail> {
        self.0.iter().find(|(name, _)| *name == key).map(|(_, v)| v)
    }
}

impl Serialize for Details {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// One validator finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    /// The reason code.
    pub reason: Reason,
    /// The variant of the condition that fired, for codes with several.
    pub sub_reason: Option<&'static str>,
    /// The values involved.
    pub details: Details,
}

impl Issue {
    fn new(reason: Reason, details: Details) -> Issue {
        Issue { reason, sub_reason: None, details }
    }

    fn with_sub(reason: Reason, sub: &'static str, details: Details) -> Issue {
        Issue { reason, sub_reason: Some(sub), details }
    }
}

/// The state the validators share: the image, its header values and the
/// section entropies computed once by the caller.
pub(crate) struct Context<'p, 'a> {
    pub pe: &'p Pe<'a>,
    pub image: &'p Image<'a>,
    /// The sections the checks judge: none when the section table
    /// overlaps the optional header, see [`usable_sections`].
    pub sections: &'p [Section],
    pub size_of_headers: u32,
    pub size_of_image: u32,
    pub file_alignment: u32,
    pub section_alignment: u32,
    /// File offset where the overlay starts, `None` without overlay.
    pub overlay_start: Option<u64>,
    /// Shannon entropy of each section's raw data, in section order.
    pub entropies: &'p [f64],
    /// Shannon entropy of the overlay, when the caller computed it.
    pub overlay_entropy: Option<f64>,
}

impl Context<'_, '_> {
    /// Returns the first section whose virtual extent contains `rva`.
    pub fn section_of(&self, rva: u32) -> Option<&Section> {
        self.sections.iter().find(|s| s.contains_rva(rva))
    }

    /// Whether the file offset the section table gives for `rva` (the
    /// raw pointer plus the offset into the section, even past the
    /// section's raw data) lands on overlay bytes present in the file.
    pub fn naive_offset_in_overlay(&self, rva: u32) -> bool {
        let Some(start) = self.overlay_start else {
            return false;
        };
        let Some(section) = self.section_of(rva) else {
            return false;
        };
        let delta = u64::from(rva.saturating_sub(section.virtual_address));
        let offset =
            u64::from(section.pointer_to_raw_data).saturating_add(delta);
        let len = u64::try_from(self.image.data().len()).unwrap_or(u64::MAX);
        offset >= start && offset < len
    }
}

/// Returns the section's virtual size as the loader takes it: the
/// declared virtual size, or the raw size when the virtual size is 0.
pub(crate) fn virtual_extent(section: &Section) -> u32 {
    if section.virtual_size == 0 {
        section.size_of_raw_data
    } else {
        section.virtual_size
    }
}

/// Returns the end of the section's virtual range.
pub(crate) fn virtual_end(section: &Section) -> u64 {
    u64::from(section.virtual_address)
        .saturating_add(u64::from(virtual_extent(section)))
}

/// Returns the section table, or nothing when SizeOfOptionalHeader
/// places the table inside the optional header's own fields or data
/// directories: the entries read there are header values, not sections.
fn usable_sections<'p>(image: &'p Image<'_>) -> &'p [Section] {
    let (Some(file_header), Some(header)) =
        (image.file_header, image.optional_header)
    else {
        return &[];
    };
    let fixed: u64 = if header.is_pe32_plus() { 112 } else { 96 };
    let count = u64::from(header.number_of_rva_and_sizes)
        .min(MAX_DATA_DIRECTORIES as u64);
    let needed = fixed.saturating_add(count.saturating_mul(8));
    if u64::from(file_header.size_of_optional_header) < needed {
        return &[];
    }
    &image.sections
}

/// Runs every validator on `pe` and returns the findings in validator
/// order. `entropies` contains the Shannon entropy of each section's raw
/// data, in section order. `overlay_entropy` is that of the bytes from
/// the overlay's offset to the end of the file, computed here when
/// `None`.
pub fn validate(
    pe: &Pe<'_>,
    entropies: &[f64],
    overlay_entropy: Option<f64>,
) -> Vec<Issue> {
    let image = &pe.image;
    let Some(header) = image.optional_header else {
        return Vec::new();
    };
    let context = Context {
        pe,
        image,
        sections: usable_sections(image),
        size_of_headers: header.size_of_headers,
        size_of_image: header.size_of_image,
        file_alignment: header.file_alignment,
        section_alignment: header.section_alignment,
        overlay_start: image
            .overlay
            .and_then(|o| u64::try_from(o.offset).ok()),
        entropies,
        overlay_entropy,
    };
    let mut issues = Vec::new();
    headers::entrypoint(&context, &mut issues);
    headers::sections(&context, &mut issues);
    headers::optional_header(&context, &mut issues);
    directories::data_directories(&context, &mut issues);
    directories::imports(&context, &mut issues);
    tables::load_config(&context, &mut issues);
    tables::tls(&context, &mut issues);
    directories::certificates(&context, &mut issues);
    tables::relocations(&context, &mut issues);
    tables::debug(&context, &mut issues);
    resources::resources(&context, &mut issues);
    tables::exports(&context, &mut issues);
    tables::delay_imports(&context, &mut issues);
    tables::entropy(&context, &mut issues);
    issues
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the validators' unit tests.

    use super::{validate, Issue};
    use crate::pe::{parse, PeLimits};

    /// Parses `bytes` and returns the codes of the validator findings.
    pub fn codes(bytes: &[u8]) -> Vec<&'static str> {
        issues(bytes).iter().map(|i| i.reason.as_str()).collect()
    }

    /// Parses `bytes` and returns the validator findings.
    pub fn issues(bytes: &[u8]) -> Vec<Issue> {
        let pe = parse(bytes, &PeLimits::default());
        let entropies = crate::pe::analysis::section_entropies(&pe.image);
        validate(&pe, &entropies, None)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::testing::{codes, issues};
    use crate::pe::dir;
    use crate::pe::testpe::{TestPe, E_LFANEW};

    /// File offset of the `.text` section added by [`clean`].
    const TEXT_RAW: u32 = 0x1400;
    /// RVA of that section.
    const TEXT_RVA: u32 = 0x2000;

    /// A PE32 image with a writable `.data` section at 0x1000 and an
    /// executable `.text` section at 0x2000 holding the entry point.
    fn clean() -> TestPe {
        let mut pe = TestPe::new(false);
        pe.section(b".text", TEXT_RVA, 0x200, TEXT_RAW, 0x200, 0x6000_0020);
        let opt = pe.opt();
        pe.put_u32(opt + 16, TEXT_RVA);
        pe
    }

    fn set_entry(pe: &mut TestPe, rva: u32) {
        let opt = pe.opt();
        pe.put_u32(opt + 16, rva);
    }

    #[test]
    fn clean_image_has_no_findings() {
        for plus in [false, true] {
            let mut pe = TestPe::new(plus);
            pe.section(
                b".text",
                TEXT_RVA,
                0x200,
                TEXT_RAW,
                0x200,
                0x6000_0020,
            );
            set_entry(&mut pe, TEXT_RVA);
            assert_eq!(codes(&pe.bytes), Vec::<&str>::new(), "plus {plus}");
        }
    }

    /// One case: how to break the clean image, the code that must then
    /// fire, and whether it must fire or must stay quiet.
    type Case = (&'static str, fn(&mut TestPe), &'static str, bool);

    const CASES: &[Case] = &[
        (
            "exe without entry",
            |pe| set_entry(pe, 0),
            "entrypoint_zero_or_negative",
            true,
        ),
        (
            "dll without entry",
            |pe| {
                set_entry(pe, 0);
                pe.put_u16(E_LFANEW + 22, 0x2102);
            },
            "entrypoint_zero_or_negative",
            false,
        ),
        (
            "entry in headers",
            |pe| set_entry(pe, 0x100),
            "entrypoint_in_headers",
            true,
        ),
        (
            "entry past sections",
            |pe| set_entry(pe, 0x2800),
            "entrypoint_out_of_bounds",
            true,
        ),
        (
            "entry in data",
            |pe| set_entry(pe, 0x1010),
            "entrypoint_section_not_executable",
            true,
        ),
        (
            "entry past raw within virtual size",
            |pe| {
                // .text: virtual size 0x800, raw size 0x200.
                pe.put_u32(0x80 + 24 + 224 + 40 + 8, 0x800);
                set_entry(pe, TEXT_RVA + 0x400);
            },
            "entrypoint_out_of_bounds",
            false,
        ),
        (
            "writable executable section",
            |pe| {
                pe.section(b".rwx", 0x2200, 0x100, 0x1600, 0x200, 0xE000_0020)
            },
            "section_rwx",
            true,
        ),
        (
            "bss without raw data",
            |pe| pe.section(b".bss", 0x2200, 0x100, 0, 0, 0xC000_0080),
            "section_overlaps_headers",
            false,
        ),
        (
            "bss raw order",
            |pe| pe.section(b".bss", 0x2200, 0x100, 0, 0, 0xC000_0080),
            "section_out_of_order_raw",
            false,
        ),
        (
            "raw pointer off alignment",
            |pe| pe.section(b".x", 0x2200, 0x100, 0x1610, 0x100, 0x4000_0040),
            "section_raw_misaligned",
            true,
        ),
        (
            "write without read",
            |pe| pe.section(b".w", 0x2200, 0x100, 0x1600, 0x200, 0x8000_0040),
            "section_flags_inconsistent",
            true,
        ),
        (
            "iat inside import data",
            |pe| {
                pe.dir(dir::IMPORT, 0x1000, 0x200);
                pe.dir(dir::IAT, 0x1100, 0x40);
            },
            "data_directory_overlap",
            false,
        ),
        (
            "export inside resources",
            |pe| {
                pe.dir(dir::EXPORT, 0x1800, 0x100);
                pe.dir(dir::RESOURCE, 0x1800, 0x200);
            },
            "data_directory_overlap",
            true,
        ),
        (
            "directory rva zero",
            |pe| pe.dir(dir::RESOURCE, 0, 0x100),
            "data_directory_zero_rva_nonzero_size",
            true,
        ),
        (
            "directory past image",
            |pe| pe.dir(dir::RESOURCE, 0x2F00, 0x200),
            "data_directory_out_of_range",
            true,
        ),
        (
            "import past image",
            |pe| pe.dir(dir::IMPORT, 0x9000, 0x28),
            "import_rva_invalid",
            true,
        ),
        (
            "image base misaligned",
            |pe| {
                let opt = pe.opt();
                pe.put_u32(opt + 28, 0x40_1000);
            },
            "optional_header_image_base_misaligned",
            true,
        ),
        (
            "size of code too small",
            |pe| {
                let opt = pe.opt();
                pe.put_u32(opt + 4, 0x100);
            },
            "optional_header_size_fields_inconsistent",
            true,
        ),
        (
            "size of code left zero",
            |_| {},
            "optional_header_size_fields_inconsistent",
            false,
        ),
        (
            "cookie in writable data",
            |pe| load_config(pe, 0x40_1010),
            "load_config_cookie_invalid",
            false,
        ),
        (
            "cookie in code",
            |pe| load_config(pe, 0x40_2010),
            "load_config_cookie_invalid",
            true,
        ),
        (
            "load config too small",
            |pe| {
                load_config(pe, 0x40_1010);
                pe.dir(dir::LOAD_CONFIG, 0x1300, 0x20);
            },
            "load_config_too_small",
            true,
        ),
        (
            "tls callback in code",
            |pe| tls(pe, 0x40_2000),
            "tls_callback_in_non_executable_section",
            false,
        ),
        (
            "tls callback in data",
            |pe| tls(pe, 0x40_1010),
            "tls_callback_in_non_executable_section",
            true,
        ),
        (
            "tls callback unmapped",
            |pe| tls(pe, 0x40_9000),
            "tls_callback_rva_invalid",
            true,
        ),
        (
            "certificate past end of file",
            |pe| pe.dir(dir::SECURITY, 0xFFFF_FFF0, 0x100),
            "signature_out_of_file_bounds",
            true,
        ),
    ];

    /// Adds a PE32 load configuration at RVA 0x1300 whose security
    /// cookie is the VA `cookie`.
    fn load_config(pe: &mut TestPe, cookie: u32) {
        pe.dir(dir::LOAD_CONFIG, 0x1300, 0x48);
        pe.put_rva_u32(0x1300, 0x48);
        pe.put_rva_u32(0x1300 + 60, cookie);
    }

    /// Adds a PE32 TLS directory at RVA 0x1100 with one callback, the VA
    /// `callback`, in an array at RVA 0x1200.
    fn tls(pe: &mut TestPe, callback: u32) {
        pe.dir(dir::TLS, 0x1100, 24);
        pe.put_rva_u32(0x1100, 0x40_1400);
        pe.put_rva_u32(0x1104, 0x40_1408);
        pe.put_rva_u32(0x1108, 0x40_1410);
        pe.put_rva_u32(0x110C, 0x40_1200);
        pe.put_rva_u32(0x1200, callback);
    }

    #[test]
    fn each_condition_fires_or_stays_quiet() {
        for &(name, mutate, code, fires) in CASES {
            let mut pe = clean();
            mutate(&mut pe);
            let found = codes(&pe.bytes);
            assert_eq!(found.contains(&code), fires, "{name}: {found:?}");
        }
    }

    #[test]
    fn sub_reason_kept_apart_from_code() {
        let mut pe = clean();
        pe.section(b".w", 0x2200, 0x100, 0x1600, 0x200, 0x8000_0040);
        let found = issues(&pe.bytes);
        let issue = found
            .iter()
            .find(|i| i.reason.as_str() == "section_flags_inconsistent")
            .unwrap();
        assert_eq!(issue.sub_reason, Some("write_without_read"));
    }

    #[test]
    fn section_table_inside_optional_header_ignored() {
        let mut pe = clean();
        // SizeOfOptionalHeader of the fixed part alone, while 16
        // directories are declared: the "sections" are directory entries.
        pe.put_u16(E_LFANEW + 20, 96);
        let found = codes(&pe.bytes);
        assert!(found.contains(&"entrypoint_out_of_bounds"), "{found:?}");
        assert!(
            found.contains(&"optional_header_invalid_number_of_rva_and_sizes"),
            "{found:?}"
        );
        assert!(!found.contains(&"section_name_non_ascii"), "{found:?}");
    }
}
