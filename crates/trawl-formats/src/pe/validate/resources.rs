//! Validators of the resource directory: the root's size, entries that
//! point outside the declared directory, named language entries, data
//! leaves outside the file or over other data, and string tables whose
//! counts run past their leaf.
//!
//! The directory is the one the resource data directory locates, never
//! a section found by name. The parser already reports what it could
//! not read (loops, directories or data entries missing from the file,
//! entries at the wrong level, malformed version information), so these
//! checks only add conditions the parser accepts.

use std::collections::HashSet;

use super::{Context, Detail, Details, Issue, MAX_FINDINGS_PER_CHECK};
use crate::pe::image::Section;
use crate::pe::reason::Reason;
use crate::pe::resources::MAX_RESOURCE_ENTRIES;
use crate::pe::{dir, read_u16, read_u32, Anomaly, DataDir, RvaMap};

/// Size of IMAGE_RESOURCE_DIRECTORY and of IMAGE_RESOURCE_DATA_ENTRY.
const HEADER_LEN: u32 = 16;
/// Size of IMAGE_RESOURCE_DIRECTORY_ENTRY.
const ENTRY_LEN: u32 = 8;
/// High bit of an entry's name or target: a string name, or a
/// subdirectory.
const HIGH_BIT: u32 = 0x8000_0000;
/// Depth of the language level: type 0, name 1, language 2.
const LANGUAGE_DEPTH: usize = 2;
/// Counted strings in one `RT_STRING` block.
const STRINGS_PER_BLOCK: usize = 16;

/// The parser's detail for a VS_FIXEDFILEINFO whose dwStrucVersion is 0.
const STRUCT_VERSION_ZERO: &str = "struct version 0x00000000";

/// Checks the resource directory that the data directory locates.
/// Nothing is checked when the data directory validator already
/// reported the entry misplaced, since every read then follows from
/// that defect.
pub(super) fn resources(cx: &Context<'_, '_>, issues: &mut Vec<Issue>) {
    let directory = cx.image.directory(dir::RESOURCE);
    if directory.rva == 0 || directory.size == 0 {
        return;
    }
    let name = super::DIRECTORY_NAMES.get(dir::RESOURCE).copied();
    let reported = issues.iter().any(|issue| {
        matches!(
            (issue.details.get("directory"), name),
            (Some(Detail::Text(named)), Some(name)) if named == name
        )
    });
    if reported {
        return;
    }

    // A root the file does not hold is the parser's
    // `resource_directory_out_of_bounds`.
    let Some(root) = cx.image.bytes_at(directory.rva, 16) else {
        return;
    };
    let details = || {
        Details::default()
            .with("rva", directory.rva)
            .with("size", directory.size)
    };
    if directory.size < HEADER_LEN {
        issues.push(Issue::with_sub(
            Reason::ResourceDirectoryZeroLength,
            "smaller_than_header",
            details(),
        ));
        return;
    }

    if entry_count(root) == 0 {
        issues.push(Issue::with_sub(
            Reason::ResourceDirectoryZeroLength,
            "no_entries",
            details(),
        ));
        return;
    }

    walk_tree(cx, directory, issues);
    let sound = data_leaves(cx, directory, issues);
    string_tables(cx, &sound, issues);
}

/// Returns the number of entries a directory header declares.
fn entry_count(header: &[u8]) -> u32 {
    let named = read_u16(header, 12).unwrap_or(0);
    let ids = read_u16(header, 14).unwrap_or(0);
    u32::from(named).saturating_add(u32::from(ids))
}

/// Walks the type and name levels, reporting entries, names,
/// subdirectories and data entries that lie past the directory's
/// declared size, and string names at the language level. Each
/// directory is read once and at most [`MAX_RESOURCE_ENTRIES`] entries
/// in all, as in the parser.
fn walk_tree(
    cx: &Context<'_, '_>,
    directory: DataDir,
    issues: &mut Vec<Issue>,
) {
    let mut bounds = Findings::new(Reason::ResourceEntryOutOfBounds);
    let mut named_languages =
        Findings::new(Reason::ResourceDirectoryLanguageNotId);
    let mut visited = HashSet::new();
    let mut pending = vec![(0u32, 0usize)];
    let mut budget = MAX_RESOURCE_ENTRIES;
    let outside = |offset: u32, len: u32| {
        u64::from(offset).saturating_add(u64::from(len))
            > u64::from(directory.size)
    };
    let read = |offset: u32, len: usize| {
        directory
            .rva
            .checked_add(offset)
            .and_then(|rva| cx.image.bytes_at(rva, len))
    };
    while let Some((offset, depth)) = pending.pop() {
        if !visited.insert(offset) {
            continue;
        }
        let Some(header) = read(offset, 16) else { continue };
        for index in 0..entry_count(header) {
            let Some(left) = budget.checked_sub(1) else { return };
            budget = left;
            let at = index
                .saturating_mul(ENTRY_LEN)
                .saturating_add(HEADER_LEN)
                .saturating_add(offset);
            let Some(entry) = read(at, 8) else { break };
            let name = read_u32(entry, 0).unwrap_or(0);
            let target = read_u32(entry, 4).unwrap_or(0);
            let location = |value: u32| {
                Details::default()
                    .with("offset", value)
                    .with("directory_size", directory.size)
            };
            if outside(at, ENTRY_LEN) {
                bounds.push(issues, "entry", location(at));
            }
            if name & HIGH_BIT != 0 {
                let name_offset = name & !HIGH_BIT;
                if outside(name_offset, 2) {
                    bounds.push(issues, "name", location(name_offset));
                }
                if depth == LANGUAGE_DEPTH {
                    named_languages.push_plain(
                        issues,
                        Details::default().with("name_offset", name_offset),
                    );
                }
            }
            let child = target & !HIGH_BIT;
            let sub = if target & HIGH_BIT != 0 {
                "subdirectory"
            } else {
                "data_entry"
            };
            if outside(child, HEADER_LEN) {
                bounds.push(issues, sub, location(child));
            }
            if target & HIGH_BIT != 0 && depth < LANGUAGE_DEPTH {
                pending.push((child, depth.saturating_add(1)));
            }
        }
    }
}

/// Checks each data leaf the parser read: its size, whether its bytes
/// are in the file, and whether they stay inside the section that
/// contains the resource directory without reaching the overlay. Returns, per
/// leaf, whether it passed.
fn data_leaves(
    cx: &Context<'_, '_>,
    directory: DataDir,
    issues: &mut Vec<Issue>,
) -> Vec<bool> {
    let mut sound = Vec::with_capacity(cx.pe.resources.entries.len());
    let mut bounds = Findings::new(Reason::ResourceDataOutOfBounds);
    let mut overlaps = Findings::new(Reason::ResourceDataOverlapsOtherData);
    let home = cx.section_of(directory.rva);
    let file_len = u64::try_from(cx.image.data().len()).unwrap_or(u64::MAX);
    for leaf in &cx.pe.resources.entries {
        sound.push(false);
        let details = || {
            Details::default()
                .with("type", leaf.resource_type.as_str())
                .with("rva", leaf.rva)
                .with("size", leaf.size.unwrap_or(0))
        };
        let Some(size) = leaf.size else {
            bounds.push(issues, "zero_size", details());
            continue;
        };
        let Some(offset) = leaf.raw_offset else {
            bounds.push(issues, "unmapped", details());
            continue;
        };
        let start = u64::try_from(offset).unwrap_or(u64::MAX);
        let end = start.saturating_add(u64::from(size));
        if end > file_len {
            bounds.push(
                issues,
                "past_end_of_file",
                details().with("file_size", file_len),
            );
            continue;
        }
        if let Some(overlay) = cx.overlay_start {
            if start < overlay && end > overlay {
                overlaps.push(
                    issues,
                    "overlay",
                    details().with("overlay_offset", overlay),
                );
                continue;
            }
        }
        let rva_end = u64::from(leaf.rva).saturating_add(u64::from(size));
        let inside = home.is_some_and(|section| {
            section.contains_rva(leaf.rva)
                && rva_end <= mapped_end(section)
                && end <= section.raw_end()
        });
        if !inside {
            let name = cx
                .section_of(leaf.rva)
                .map(Section::display_name)
                .unwrap_or_default();
            overlaps.push(
                issues,
                "other_section",
                details().with("section", name),
            );
            continue;
        }
        if let Some(last) = sound.last_mut() {
            *last = true;
        }
    }
    sound
}

/// Returns the end of the range [`Section::contains_rva`] accepts.
fn mapped_end(section: &Section) -> u64 {
    u64::from(section.virtual_address)
        .saturating_add(u64::from(section.mapped_size()))
}

/// Checks that the 16 counted strings of each `RT_STRING` leaf fit in
/// the leaf, which is how the loader's LoadString walks it. Leaves whose
/// `sound` flag is clear were reported already: packers move string
/// tables into their own sections compressed, and that is one defect.
fn string_tables(
    cx: &Context<'_, '_>,
    sound: &[bool],
    issues: &mut Vec<Issue>,
) {
    let mut corrupt = Findings::new(Reason::ResourceStringTableCorrupt);
    for (leaf, &sound) in cx.pe.resources.entries.iter().zip(sound) {
        if !sound || leaf.resource_type != "RT_STRING" {
            continue;
        }
        let Some(size) = leaf.size else { continue };
        let len = usize::try_from(size).unwrap_or(usize::MAX);
        let Some(data) = cx.image.bytes_at(leaf.rva, len) else {
            continue;
        };
        if let Some(complete) = incomplete_block(data) {
            corrupt.push(
                issues,
                "truncated",
                Details::default()
                    .with("rva", leaf.rva)
                    .with("size", size)
                    .with("complete_strings", complete),
            );
        }
    }
}

/// Returns how many strings of an `RT_STRING` block fit before one runs
/// past the data, or `None` when all 16 fit.
fn incomplete_block(data: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    for index in 0..STRINGS_PER_BLOCK {
        let Some(units) = read_u16(data, at) else { return Some(index) };
        let end = at
            .saturating_add(2)
            .saturating_add(usize::from(units).saturating_mul(2));
        if end > data.len() {
            return Some(index);
        }
        at = end;
    }
    None
}

/// Whether a parser anomaly describes a file the loader and the version
/// APIs accept as written, so it is left out of the heuristics.
///
/// A VS_FIXEDFILEINFO with dwStrucVersion 0 is one: NSIS writes its
/// installers' version resources that way, and `VerQueryValue` does not
/// read the field. Other wrong values stay reported because no known
/// resource compiler writes them.
pub(crate) fn is_benign_anomaly(anomaly: &Anomaly) -> bool {
    anomaly.code == "resource_versioninfo_invalid_fixedinfo"
        && anomaly.detail == STRUCT_VERSION_ZERO
}

/// Findings of one reason, capped at [`MAX_FINDINGS_PER_CHECK`].
struct Findings {
    reason: Reason,
    count: usize,
}

impl Findings {
    fn new(reason: Reason) -> Findings {
        Findings { reason, count: 0 }
    }

    fn push(
        &mut self,
        issues: &mut Vec<Issue>,
        sub: &'static str,
        details: Details,
    ) {
        if self.count < MAX_FINDINGS_PER_CHECK {
            self.count = self.count.saturating_add(1);
            issues.push(Issue::with_sub(self.reason, sub, details));
        }
    }

    fn push_plain(&mut self, issues: &mut Vec<Issue>, details: Details) {
        if self.count < MAX_FINDINGS_PER_CHECK {
            self.count = self.count.saturating_add(1);
            issues.push(Issue::new(self.reason, details));
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::testing::{codes, issues};
    use super::*;
    use crate::pe::testpe::TestPe;
    use crate::pe::version::parse_version_block;

    /// RVA of the resource directory, inside the default `.data` section.
    const ROOT: u32 = 0x1800;
    /// Offsets from the root of the name and language directories, the
    /// data entry and the leaf data.
    const NAMES: u32 = 0x18;
    const LANGUAGES: u32 = 0x30;
    const DATA_ENTRY: u32 = 0x48;
    const DATA: u32 = 0x58;

    /// A PE32 image with `.data` at 0x1000 and `.text` at 0x2000, and a
    /// resource tree of one leaf of type `kind`: 16 zero bytes at
    /// [`DATA`], language 0x409.
    fn image(kind: u32) -> TestPe {
        let mut pe = TestPe::new(false);
        pe.section(b".text", 0x2000, 0x200, 0x1400, 0x200, 0x6000_0020);
        let opt = pe.opt();
        pe.put_u32(opt + 16, 0x2000);
        pe.dir(dir::RESOURCE, ROOT, 0x200);
        for (at, id, target) in [
            (0, kind, NAMES | HIGH_BIT),
            (NAMES, 1, LANGUAGES | HIGH_BIT),
            (LANGUAGES, 0x409, DATA_ENTRY),
        ] {
            pe.put_rva(ROOT + at + 14, &1u16.to_le_bytes());
            pe.put_rva_u32(ROOT + at + 16, id);
            pe.put_rva_u32(ROOT + at + 20, target);
        }
        set_leaf(&mut pe, ROOT + DATA, 16);
        pe
    }

    fn set_leaf(pe: &mut TestPe, rva: u32, size: u32) {
        pe.put_rva_u32(ROOT + DATA_ENTRY, rva);
        pe.put_rva_u32(ROOT + DATA_ENTRY + 4, size);
    }

    fn resource_codes(pe: &TestPe) -> Vec<&'static str> {
        let mut found = codes(&pe.bytes);
        found.retain(|code| code.starts_with("resource_"));
        found
    }

    /// One case: the leaf type, how to break the image, and the code and
    /// sub-reason that must then fire, or `None` for a quiet image.
    type Case = (
        &'static str,
        u32,
        fn(&mut TestPe),
        Option<(&'static str, &'static str)>,
    );

    const CASES: &[Case] = &[
        ("clean tree", 24, |_| {}, None),
        (
            "string table that fits",
            6,
            // 16 empty strings take 32 bytes.
            |pe| set_leaf(pe, ROOT + DATA, 32),
            None,
        ),
        (
            "root without entries",
            24,
            |pe| pe.put_rva(ROOT + 14, &0u16.to_le_bytes()),
            Some(("resource_directory_zero_length", "no_entries")),
        ),
        (
            "directory smaller than header",
            24,
            |pe| pe.dir(dir::RESOURCE, ROOT, 8),
            Some(("resource_directory_zero_length", "smaller_than_header")),
        ),
        (
            "data entry past declared size",
            24,
            |pe| pe.dir(dir::RESOURCE, ROOT, DATA_ENTRY + 8),
            Some(("resource_entry_out_of_bounds", "data_entry")),
        ),
        (
            "named language entry",
            24,
            |pe| {
                pe.put_rva_u32(ROOT + LANGUAGES + 16, 0x100 | HIGH_BIT);
                pe.put_rva(ROOT + 0x100, &[2, 0, b'A', 0, b'B', 0]);
            },
            Some(("resource_directory_language_not_id", "")),
        ),
        (
            "zero size leaf",
            24,
            |pe| set_leaf(pe, ROOT + DATA, 0),
            Some(("resource_data_out_of_bounds", "zero_size")),
        ),
        (
            "leaf outside every section",
            24,
            |pe| set_leaf(pe, 0x2F00, 16),
            Some(("resource_data_out_of_bounds", "unmapped")),
        ),
        (
            "leaf past end of file",
            24,
            |pe| set_leaf(pe, 0x2100, 0x1000),
            Some(("resource_data_out_of_bounds", "past_end_of_file")),
        ),
        (
            "leaf in code section",
            24,
            |pe| set_leaf(pe, 0x2000, 16),
            Some(("resource_data_overlaps_other_data", "other_section")),
        ),
        (
            "leaf into next section",
            24,
            |pe| set_leaf(pe, 0x1F00, 0x180),
            Some(("resource_data_overlaps_other_data", "other_section")),
        ),
        (
            "leaf across overlay start",
            24,
            |pe| {
                pe.bytes.resize(0x1800, 0xAA);
                set_leaf(pe, 0x1F00, 0x400);
            },
            Some(("resource_data_overlaps_other_data", "overlay")),
        ),
        (
            "string count past leaf",
            6,
            |pe| {
                set_leaf(pe, ROOT + DATA, 4);
                pe.put_rva(ROOT + DATA, &[5, 0]);
            },
            Some(("resource_string_table_corrupt", "truncated")),
        ),
    ];

    #[test]
    fn each_condition_fires_or_stays_quiet() {
        for &(name, kind, mutate, expected) in CASES {
            let mut pe = image(kind);
            mutate(&mut pe);
            let found: Vec<(&str, &str)> = issues(&pe.bytes)
                .iter()
                .filter(|i| i.reason.as_str().starts_with("resource_"))
                .map(|i| (i.reason.as_str(), i.sub_reason.unwrap_or("")))
                .collect();
            let wanted: Vec<(&str, &str)> = expected.into_iter().collect();
            assert_eq!(found, wanted, "{name}");
        }
    }

    #[test]
    fn misplaced_directory_not_walked() {
        let mut pe = image(24);
        // Past SizeOfImage: the data directory check reports it.
        pe.dir(dir::RESOURCE, ROOT, 0x2000);
        pe.put_rva(ROOT + 14, &0u16.to_le_bytes());
        let found = codes(&pe.bytes);
        assert!(found.contains(&"data_directory_out_of_range"), "{found:?}");
        assert_eq!(resource_codes(&pe), Vec::<&str>::new());
    }

    #[test]
    fn section_name_does_not_locate_directory() {
        let mut pe = image(24);
        pe.section(b".rsrc", 0x2200, 0x100, 0x1600, 0x200, 0x4000_0040);
        // A zero-entry root in `.rsrc` is ignored: the data directory
        // still points at the sound tree in `.data`.
        assert_eq!(resource_codes(&pe), Vec::<&str>::new());
    }

    #[test]
    fn compressed_string_table_reported_once() {
        let mut pe = image(6);
        // A string count that runs past the leaf, in `.text`.
        set_leaf(&mut pe, 0x2000, 4);
        pe.put(0x1400, &[0xFF, 0x7F]);
        assert_eq!(resource_codes(&pe), ["resource_data_overlaps_other_data"]);
    }

    #[test]
    fn tree_loop_walked_once() {
        let mut pe = image(24);
        // The name directory's entry points back at the root.
        pe.put_rva_u32(ROOT + NAMES + 20, HIGH_BIT);
        assert_eq!(resource_codes(&pe), Vec::<&str>::new());
    }

    /// Returns a VS_VERSIONINFO block whose VS_FIXEDFILEINFO has
    /// dwStrucVersion `version`.
    fn version_block(version: u32) -> Vec<u8> {
        let mut block = vec![0u8; 92];
        block[0..2].copy_from_slice(&92u16.to_le_bytes());
        block[2..4].copy_from_slice(&52u16.to_le_bytes());
        for (i, unit) in "VS_VERSION_INFO".encode_utf16().enumerate() {
            block[6 + 2 * i..8 + 2 * i].copy_from_slice(&unit.to_le_bytes());
        }
        block[40..44].copy_from_slice(&0xFEEF_04BDu32.to_le_bytes());
        block[44..48].copy_from_slice(&version.to_le_bytes());
        block
    }

    #[test]
    fn struct_version_zero_is_benign() {
        let (_, anomalies) = parse_version_block(&version_block(0), 0);
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        assert!(is_benign_anomaly(&anomalies[0]), "{anomalies:?}");
    }

    #[test]
    fn other_struct_version_is_reported() {
        let (_, anomalies) =
            parse_version_block(&version_block(0x0002_0000), 0);
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        assert!(!is_benign_anomaly(&anomalies[0]), "{anomalies:?}");
    }

    #[test]
    fn well_formed_version_has_no_anomaly() {
        let (_, anomalies) =
            parse_version_block(&version_block(0x0001_0000), 0);
        assert_eq!(anomalies, []);
    }
}
