//! A PE built so that its import descriptors and thunks, export tables,
//! relocation blocks and resource tree all run past the default
//! `PeLimits` and resource caps. The parse must stop each table exactly
//! at its bound, record the cut, and keep the report proportional to
//! the bounds.
//!
//! With `TRAWL_HOSTILE_PE_OUT` set to a path, the test also writes the
//! file there, so that `trawl -a full` can be timed on it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use trawl_formats::pe::analysis::{self, Level};
use trawl_formats::pe::metadata::PeMetadata;
use trawl_formats::pe::resources::MAX_RESOURCE_ENTRIES;
use trawl_formats::pe::{self, dir, PeLimits};
use trawl_formats::strings;

/// File offset of the PE signature.
const E_LFANEW: usize = 0x80;

/// File offset of the optional header.
const OPTIONAL: usize = E_LFANEW + 24;

/// Size of the headers and file offset of the only section.
const HEADERS: usize = 0x400;

/// RVA of the only section.
const SECTION_RVA: u32 = 0x1000;

/// The section's contents, addressed by RVA.
struct Body(Vec<u8>);

impl Body {
    /// Appends `bytes` at the next 16-byte boundary; returns their RVA.
    fn push(&mut self, bytes: &[u8]) -> u32 {
        let aligned = self.0.len().next_multiple_of(16);
        self.0.resize(aligned, 0);
        self.0.extend_from_slice(bytes);
        SECTION_RVA + aligned as u32
    }

    /// Appends `count` little-endian `u32` values from `value`.
    fn push_u32s(
        &mut self,
        count: usize,
        value: impl Fn(usize) -> u32,
    ) -> u32 {
        let bytes: Vec<u8> =
            (0..count).flat_map(|i| value(i).to_le_bytes()).collect();
        self.push(&bytes)
    }
}

/// Builds a resource tree of one RCDATA type and one name whose language
/// directory declares and contains `languages` entries, all pointing at
/// the same data entry. Returns the tree's bytes, laid out for `rva`,
/// with the leaf data of `text` after it.
fn resource_tree(rva: u32, languages: usize, text: &[u8]) -> Vec<u8> {
    let directory = |ids: usize| {
        let mut header = vec![0u8; 16];
        header[14..16].copy_from_slice(&(ids as u16).to_le_bytes());
        header
    };
    let entry = |id: u32, target: u32| {
        let mut bytes = id.to_le_bytes().to_vec();
        bytes.extend_from_slice(&target.to_le_bytes());
        bytes
    };
    const SUBDIRECTORY: u32 = 0x8000_0000;
    let name_dir = 24u32;
    let language_dir = 48u32;
    let data_entry = language_dir + 16 + 8 * languages as u32;
    let text_offset = data_entry + 16;

    let mut tree = directory(1);
    tree.extend(entry(10, SUBDIRECTORY | name_dir));
    tree.extend(directory(1));
    tree.extend(entry(1, SUBDIRECTORY | language_dir));
    tree.extend(directory(languages));
    for language in 0..languages {
        tree.extend(entry(language as u32, data_entry));
    }
    tree.extend((rva + text_offset).to_le_bytes());
    tree.extend((text.len() as u32).to_le_bytes());
    tree.extend([0u8; 8]);
    tree.extend_from_slice(text);
    tree
}

/// Builds the hostile PE32 image for `limits`: every table one entry
/// longer than its bound.
fn hostile_pe(limits: &PeLimits) -> Vec<u8> {
    let mut body = Body(Vec::new());
    let hint_name = body.push(b"\0\0Sleep\0");
    let dll_name = body.push(b"KERNEL32.dll\0");
    let export_name = body.push(b"Run\0");

    // Import descriptors all share one thunk array, so the symbol
    // budget, not the thunk limit, ends the walk.
    let thunks = body.push_u32s(limits.max_thunks + 2, |i| {
        if i <= limits.max_thunks {
            hint_name
        } else {
            0
        }
    });
    let descriptors: Vec<u8> = (0..=limits.max_import_descriptors)
        .flat_map(|_| {
            [thunks, 0, 0, dll_name, thunks]
                .into_iter()
                .flat_map(u32::to_le_bytes)
        })
        .chain([0u8; 20])
        .collect();
    let imports = body.push(&descriptors);

    let exports = limits.max_exports + 1;
    let functions = body.push_u32s(exports, |_| SECTION_RVA);
    let names = body.push_u32s(exports, |_| export_name);
    let ordinals: Vec<u8> =
        (0..exports).flat_map(|i| (i as u16).to_le_bytes()).collect();
    let ordinals = body.push(&ordinals);
    let mut directory = vec![0u8; 40];
    let fields = [
        (16, 1),
        (20, exports as u32),
        (24, exports as u32),
        (28, functions),
        (32, names),
        (36, ordinals),
    ];
    for (at, value) in fields {
        directory[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    let export_directory = body.push(&directory);

    let blocks = limits.max_reloc_blocks + 1;
    let relocations =
        body.push_u32s(
            2 * blocks,
            |i| {
                if i % 2 == 0 {
                    SECTION_RVA
                } else {
                    8
                }
            },
        );

    let text = b"http://resource-leaf.example/ ".repeat(128);
    let resource_rva = body.push(&[]);
    let tree = resource_tree(resource_rva, MAX_RESOURCE_ENTRIES, &text);
    body.push(&tree);

    let directories = [
        (dir::IMPORT, imports, descriptors.len()),
        (dir::EXPORT, export_directory, 40),
        (dir::BASERELOC, relocations, 8 * blocks),
        (dir::RESOURCE, resource_rva, tree.len()),
    ];
    image(&body.0, &directories)
}

/// Wraps `section` in PE32 headers with the given data directories.
fn image(section: &[u8], directories: &[(usize, u32, usize)]) -> Vec<u8> {
    let raw_size = section.len().next_multiple_of(0x200);
    let mut bytes = vec![0u8; HEADERS + raw_size];
    let mut put = |at: usize, value: &[u8]| {
        bytes[at..at + value.len()].copy_from_slice(value);
    };
    put(0, b"MZ");
    put(0x3C, &(E_LFANEW as u32).to_le_bytes());
    put(E_LFANEW, b"PE\0\0");
    put(E_LFANEW + 4, &0x14Cu16.to_le_bytes());
    put(E_LFANEW + 6, &1u16.to_le_bytes());
    put(E_LFANEW + 20, &224u16.to_le_bytes());
    put(E_LFANEW + 22, &0x0102u16.to_le_bytes());
    put(OPTIONAL, &0x10Bu16.to_le_bytes());
    put(OPTIONAL + 28, &0x40_0000u32.to_le_bytes());
    put(OPTIONAL + 32, &0x1000u32.to_le_bytes());
    put(OPTIONAL + 36, &0x200u32.to_le_bytes());
    let image_size =
        (SECTION_RVA as usize + raw_size).next_multiple_of(0x1000);
    put(OPTIONAL + 56, &(image_size as u32).to_le_bytes());
    put(OPTIONAL + 60, &(HEADERS as u32).to_le_bytes());
    put(OPTIONAL + 92, &16u32.to_le_bytes());
    for &(index, rva, size) in directories {
        let at = OPTIONAL + 96 + 8 * index;
        put(at, &rva.to_le_bytes());
        put(at + 4, &(size as u32).to_le_bytes());
    }
    let section_header = OPTIONAL + 224;
    put(section_header, b".data\0\0\0");
    put(section_header + 8, &(raw_size as u32).to_le_bytes());
    put(section_header + 12, &SECTION_RVA.to_le_bytes());
    put(section_header + 16, &(raw_size as u32).to_le_bytes());
    put(section_header + 20, &(HEADERS as u32).to_le_bytes());
    put(section_header + 36, &0xC000_0040u32.to_le_bytes());
    put(HEADERS, section);
    bytes
}

#[test]
fn hostile_tables_stop_at_limits() {
    let limits = PeLimits::default();
    let bytes = hostile_pe(&limits);
    if let Some(path) = std::env::var_os("TRAWL_HOSTILE_PE_OUT") {
        std::fs::write(path, &bytes).unwrap();
    }
    let pe = pe::parse(&bytes, &limits);
    let codes: Vec<&str> = pe.anomalies.iter().map(|a| a.code).collect();

    // Imports: the first descriptors fill the symbol budget one thunk
    // array at a time, and the descriptor limit ends the table.
    assert_eq!(pe.imports.len(), limits.max_import_descriptors);
    assert_eq!(pe.imports[0].symbols.len(), limits.max_thunks);
    let symbols: usize = pe.imports.iter().map(|d| d.symbols.len()).sum();
    assert_eq!(symbols, limits.max_import_symbols);
    assert!(codes.contains(&"import_descriptors_limit_reached"), "{codes:?}");
    assert!(codes.contains(&"import_symbols_limit_reached"));

    let exports = pe.exports.as_ref().unwrap();
    assert_eq!(exports.symbols.len(), limits.max_exports);
    assert!(codes.contains(&"exports_limit_reached"));

    let relocations = pe.relocations.as_ref().unwrap();
    assert_eq!(relocations.blocks.len(), limits.max_reloc_blocks);
    assert!(codes.contains(&"relocation_blocks_limit_reached"));

    // Two directory entries lead to the language level.
    let leaves = pe.resources.entries.len();
    assert_eq!(leaves, MAX_RESOURCE_ENTRIES - 2);
    assert!(codes.contains(&"resource_entries_truncated"));
    assert!(codes.contains(&"resource_entropy_budget_exhausted"));

    // One anomaly per import descriptor at most, plus a few per table.
    let anomaly_bound = limits.max_import_descriptors + 32;
    assert!(codes.len() <= anomaly_bound, "{} anomalies", codes.len());

    let metadata = PeMetadata::new(&pe);
    let mut regions = strings::extract_bounded(&bytes, 4, 100_000).regions;
    regions.extend(pe.regions());
    let analysis = analysis::analyze(&pe, &metadata, Level::Full, &regions);
    let json = serde_json::to_vec(&(&metadata, &analysis)).unwrap();
    // The report is dominated by one entry per kept symbol, leaf and
    // block; 64 bytes of JSON per input byte bounds it.
    assert!(
        json.len() <= 64 * bytes.len(),
        "{} JSON bytes for {} input bytes",
        json.len(),
        bytes.len()
    );
    println!(
        "hostile PE: {} input bytes, {} JSON bytes, {} anomalies",
        bytes.len(),
        json.len(),
        codes.len()
    );
}
