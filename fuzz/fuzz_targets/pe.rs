//! Parses arbitrary bytes as a PE file, builds its metadata and runs
//! the analysis at the level the second byte picks. Every table stays
//! within the limits and every PDB path span lies inside the input.
//!
//! The first byte sets the table limit (1 to 256), so that both small
//! limits and long tables are reached. When the rest is at least 0x48
//! bytes and does not start with `MZ`, its DOS and PE signatures are
//! forced, so that mutations spend their time past the headers; an
//! input that starts with `MZ` (the seeds) keeps its own `e_lfanew`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_formats::pe::analysis::{analyze, Level};
use trawl_formats::pe::{self, metadata::PeMetadata, PeLimits};

fuzz_target!(|input: &[u8]| {
    let [control, level, data @ ..] = input else {
        return;
    };
    let control = *control;
    let level = match level % 3 {
        0 => Level::Basic,
        1 => Level::Deep,
        _ => Level::Full,
    };
    let mut data = data.to_vec();
    if data.len() >= 0x48 && !data.starts_with(b"MZ") {
        data[..2].copy_from_slice(b"MZ");
        data[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        data[0x40..0x44].copy_from_slice(b"PE\0\0");
    }
    let entries = usize::from(control) + 1;
    let limits = PeLimits::with_table_limit(entries);
    let parsed = pe::parse(&data, &limits);

    assert!(parsed.image.sections.len() <= entries);
    assert!(parsed.imports.len() <= entries);
    assert!(parsed.delay_imports.len() <= entries);
    let symbols: usize = parsed
        .imports
        .iter()
        .chain(&parsed.delay_imports)
        .map(|d| d.symbols.len())
        .sum();
    assert!(symbols <= entries, "{symbols} symbols over limit {entries}");
    if let Some(exports) = &parsed.exports {
        assert!(exports.symbols.len() <= 2 * entries);
    }
    if let Some(tls) = &parsed.tls {
        assert!(tls.callbacks.len() <= entries);
    }
    assert!(parsed.debug.len() <= entries);
    if let Some(relocations) = &parsed.relocations {
        assert!(relocations.blocks.len() <= entries);
    }
    for (path, offset) in parsed.pdb_paths() {
        assert_eq!(data.get(offset..offset + path.len()), Some(path));
    }
    let metadata = PeMetadata::new(&parsed);
    assert!(metadata.sections.len() <= entries);
    let strings = trawl_formats::strings::extract(&data, 4);
    let analysis = analyze(&parsed, &metadata, level, &strings);
    assert_eq!(analysis.sections.len(), parsed.image.sections.len());
});
