//! Mutation test of the PE parser: every `fixture_0NN_*` PE fixture, then
//! 10,000 mutants of them from a fixed seed, go through `pe::parse`, the
//! metadata and the `full` analysis. Each must return, keep every table
//! within its `PeLimits` bound, and serialize to JSON no larger than a
//! bound linear in the input size plus a term set by the limits.
//!
//! Mutants are truncations (at random and at structure boundaries), bit
//! flips, header, section and directory fields overwritten with boundary
//! values, extreme NumberOfSections and NumberOfRvaAndSizes, and
//! import, export, resource and relocation counts set to their maximum.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

mod common;

use trawl_formats::pe::analysis::{self, Level};
use trawl_formats::pe::metadata::PeMetadata;
use trawl_formats::pe::{self, dir, Pe, PeLimits, RvaMap};
use trawl_formats::strings;

/// Mutants generated in one run.
const MUTANTS: usize = 10_000;

/// Seed of the mutant generator; fixed so that a failure reproduces.
const SEED: u64 = 0x7261_776C_5045_6D75;

/// Strings extracted from one mutant, as `--max-strings` bounds them.
const MAX_STRINGS: usize = 100_000;

/// Values written over header and table fields.
const BOUNDARY: [u32; 5] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];

/// JSON bytes allowed per input byte: a resource entry of about 250
/// bytes needs an 8-byte directory entry, which is the densest case.
const JSON_PER_INPUT_BYTE: usize = 64;

/// Returns the limits the mutants are parsed with, small so that a
/// mutant can reach the table bounds and the JSON bound stays tight.
fn limits() -> PeLimits {
    PeLimits { max_name_len: 64, ..PeLimits::with_table_limit(64) }
}

/// xorshift64*: a small PRNG whose sequence is fixed by the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Returns a value in `0..bound`, 0 when `bound` is 0.
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        (self.next() % bound as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Returns the `fixture_0NN_*` files, sorted.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let folder = common::shared_dir().join("fixtures/iocx/bin");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("fixture_0")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

/// File offsets of the structures a mutant aims at, read from the
/// unmutated file.
struct Layout {
    /// Start of the file header (after `PE\0\0`).
    file_header: usize,
    /// Start of the optional header.
    optional: usize,
    /// Whether the optional header is PE32+.
    plus: bool,
    /// Start of the data directory table.
    directories: usize,
    /// Offsets of the section headers.
    sections: Vec<usize>,
    /// Offsets of the export, resource, import and relocation tables
    /// that map to file bytes.
    export: Option<usize>,
    resource: Option<usize>,
    import: Option<usize>,
    reloc: Option<usize>,
    /// Offsets where a truncation cuts a structure at its edge.
    boundaries: Vec<usize>,
}

impl Layout {
    fn of(bytes: &[u8]) -> Layout {
        let pe = pe::parse(bytes, &PeLimits::default());
        let image = &pe.image;
        let file_header = image.e_lfanew as usize + 4;
        let optional = image.optional_header_offset;
        let plus = image.is_pe32_plus();
        let directories = optional + if plus { 112 } else { 96 };
        let sections: Vec<usize> =
            image.sections.iter().map(|s| s.header_offset).collect();
        let at = |index| {
            let rva = image.directory(index).rva;
            (rva != 0).then(|| image.offset_of(rva)).flatten()
        };
        let mut boundaries = vec![0x40, file_header, optional, directories];
        boundaries.push(image.section_table_end);
        for section in &image.sections {
            let start = section.pointer_to_raw_data as usize;
            boundaries.push(start);
            boundaries.push(start + section.size_of_raw_data as usize);
        }
        for index in 0..16 {
            if let Some(offset) = at(index) {
                boundaries.push(offset);
                boundaries.push(offset + 8);
            }
        }
        boundaries.retain(|&b| b < bytes.len());
        Layout {
            file_header,
            optional,
            plus,
            directories,
            sections,
            export: at(dir::EXPORT),
            resource: at(dir::RESOURCE),
            import: at(dir::IMPORT),
            reloc: at(dir::BASERELOC),
            boundaries,
        }
    }

    /// Returns the offsets of the optional header's fields, widths
    /// ignored: a 4-byte write covers the low half of a 64-bit one.
    fn optional_fields(&self) -> Vec<usize> {
        let fields: &[usize] = if self.plus {
            &[16, 20, 24, 32, 36, 56, 60, 64, 68, 72, 80, 104, 108]
        } else {
            &[16, 20, 24, 28, 32, 36, 56, 60, 64, 68, 72, 76, 88, 92]
        };
        fields.iter().map(|&f| self.optional + f).collect()
    }
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    if let Some(slot) = bytes.get_mut(at..at + 2) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    if let Some(slot) = bytes.get_mut(at..at + 4) {
        slot.copy_from_slice(&value.to_le_bytes());
    }
}

/// Applies one random mutation to `bytes`.
fn mutate(bytes: &mut Vec<u8>, layout: &Layout, rng: &mut Rng) {
    let value = rng.pick(&BOUNDARY);
    match rng.below(10) {
        0 => bytes.truncate(rng.below(bytes.len())),
        1 => {
            let cut = rng.pick(&layout.boundaries);
            bytes.truncate(cut + rng.below(3));
        }
        2 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        3 => {
            let field = rng.pick(&[0, 2, 4, 8, 12, 16, 18]);
            put_u32(bytes, layout.file_header + field, value);
        }
        4 => {
            let fields = layout.optional_fields();
            put_u32(bytes, rng.pick(&fields), value);
        }
        5 => {
            let entry = layout.directories + 8 * rng.below(16);
            put_u32(bytes, entry + 4 * rng.below(2), value);
        }
        6 => {
            if layout.sections.is_empty() {
                return;
            }
            let header = rng.pick(&layout.sections);
            let field = rng.pick(&[8, 12, 16, 20, 36]);
            put_u32(bytes, header + field, value);
        }
        7 => {
            let count = rng.pick(&[0u16, 96, 0xFFFF]);
            put_u16(bytes, layout.file_header + 2, count);
        }
        8 => {
            let at = layout.directories - 4;
            put_u32(bytes, at, rng.pick(&[0, 16, 0xFFFF_FFFF]));
        }
        _ => max_table_count(bytes, layout, rng),
    }
}

/// Sets a count in the export, resource, import or relocation table to
/// its maximum.
fn max_table_count(bytes: &mut [u8], layout: &Layout, rng: &mut Rng) {
    match rng.below(4) {
        0 => {
            if let Some(at) = layout.export {
                let field = rng.pick(&[20, 24]);
                put_u32(bytes, at + field, 0xFFFF_FFFF);
            }
        }
        1 => {
            if let Some(at) = layout.resource {
                put_u16(bytes, at + 12 + 2 * rng.below(2), 0xFFFF);
            }
        }
        2 => {
            // Import descriptors have no count: the directory size and
            // the first descriptor's fields stand in for one.
            let size = layout.directories + 8 * dir::IMPORT + 4;
            put_u32(bytes, size, 0xFFFF_FFFF);
            if let Some(at) = layout.import {
                put_u32(bytes, at + 4 * rng.below(5), 0xFFFF_FFFF);
            }
        }
        _ => {
            if let Some(at) = layout.reloc {
                put_u32(bytes, at + 4, 0xFFFF_FFFF);
            }
        }
    }
}

/// Checks the `PeLimits` bounds of a parse.
fn check_tables(name: &str, pe: &Pe<'_>, limits: &PeLimits) {
    let sections = pe.image.sections.len();
    assert!(sections <= limits.max_sections, "{name}: {sections} sections");
    assert!(pe.image.data_directories.len() <= 16, "{name}");
    let descriptors = [&pe.imports, &pe.delay_imports];
    let mut symbols = 0;
    for list in descriptors {
        assert!(list.len() <= limits.max_import_descriptors, "{name}");
        for descriptor in list {
            assert!(descriptor.symbols.len() <= limits.max_thunks, "{name}");
            assert!(descriptor.dll.len() < limits.max_name_len, "{name}");
            symbols += descriptor.symbols.len();
        }
    }
    assert!(symbols <= limits.max_import_symbols, "{name}: {symbols}");
    assert!(pe.bound_imports.len() <= limits.max_import_descriptors);
    if let Some(exports) = &pe.exports {
        // Named exports and unnamed address table entries each stop at
        // the export limit.
        let count = exports.symbols.len();
        assert!(count <= 2 * limits.max_exports, "{name}: {count} exports");
    }
    if let Some(tls) = &pe.tls {
        assert!(tls.callbacks.len() <= limits.max_tls_callbacks, "{name}");
    }
    assert!(pe.debug.len() <= limits.max_debug_entries, "{name}");
    if let Some(relocations) = &pe.relocations {
        let blocks = relocations.blocks.len();
        assert!(blocks <= limits.max_reloc_blocks, "{name}: {blocks}");
    }
    let resources = pe.resources.entries.len();
    assert!(resources <= pe::resources::MAX_RESOURCE_ENTRIES, "{name}");
}

/// JSON bytes the limits allow besides the input-proportional part: every
/// bounded table full of entries carrying two names of the maximum
/// length, each character escaped to six bytes.
fn limit_allowance(limits: &PeLimits) -> usize {
    let entries = limits.max_sections
        + 2 * limits.max_import_symbols
        + 2 * limits.max_import_descriptors
        + 2 * limits.max_exports
        + limits.max_tls_callbacks
        + limits.max_debug_entries
        + limits.max_reloc_blocks;
    entries * (2 * 6 * limits.max_name_len + 256) + 64 * 1024
}

/// Runs one input through the whole pipeline, checks it, and returns
/// whether it has anomalies and its JSON size.
fn run(name: &str, bytes: &[u8], limits: &PeLimits) -> (bool, usize) {
    let pe = pe::parse(bytes, limits);
    check_tables(name, &pe, limits);
    let metadata = PeMetadata::new(&pe);
    let mut regions = strings::extract_bounded(bytes, 4, MAX_STRINGS).regions;
    regions.extend(pe.regions());
    let analysis = analysis::analyze(&pe, &metadata, Level::Full, &regions);
    for region in &regions {
        let end = region.map.end(region.text.len());
        assert!(end <= bytes.len(), "{name}: region ends at {end}");
    }
    let json = serde_json::to_vec(&(&metadata, &analysis)).unwrap();
    let bound = JSON_PER_INPUT_BYTE * bytes.len() + limit_allowance(limits);
    assert!(
        json.len() <= bound,
        "{name}: {} JSON bytes for {} input bytes",
        json.len(),
        bytes.len()
    );
    (!pe.anomalies.is_empty(), json.len())
}

#[test]
fn fixtures_and_mutants_stay_bounded() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 90, "{} fixtures", fixtures.len());
    let limits = limits();
    for (name, bytes) in &fixtures {
        run(name, bytes, &PeLimits::default());
        run(name, bytes, &limits);
    }

    let layouts: Vec<Layout> =
        fixtures.iter().map(|(_, bytes)| Layout::of(bytes)).collect();
    let mut rng = Rng(SEED);
    let mut with_anomalies = 0;
    let mut largest = (0, 0);
    for index in 0..MUTANTS {
        let fixture_index = rng.below(fixtures.len());
        let (fixture, original) = &fixtures[fixture_index];
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut bytes, &layouts[fixture_index], &mut rng);
        }
        let name = format!("mutant {index} of {fixture}");
        let (anomalous, json_len) = run(&name, &bytes, &limits);
        if anomalous {
            with_anomalies += 1;
        }
        largest = largest.max((json_len, bytes.len()));
    }
    println!(
        "pe mutants: {MUTANTS} from seed {SEED:#x}, {with_anomalies} with \
         anomalies; largest JSON {} bytes, for an input of {} bytes \
         (bound {} bytes)",
        largest.0,
        largest.1,
        JSON_PER_INPUT_BYTE * largest.1 + limit_allowance(&limits)
    );
    // A mutation of a field the parser does not read, such as a
    // checksum, leaves no anomaly, so a part of the mutants have none.
    assert!(with_anomalies > MUTANTS / 4, "{with_anomalies} anomalous");
}
