//! Differential test of the PE parser against goblin 0.10. For every PE
//! fixture, and every file sniffed as PE under the folder that
//! `TRAWL_BINARY_CORPUS` names when it is set, the two must agree on the
//! file header, the optional header with its data directories, the
//! section table, the regular imports and the named exports. The only
//! allowed differences are those `explain` lists with their reason.
//!
//! Each side is flattened into `field -> value` facts, so one table of
//! reasons covers every kind of field.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goblin::pe::export::Reexport;
use goblin::pe::options::{ParseMode, ParseOptions};
use goblin::pe::PE;
use trawl_formats::pe::image::Image;
use trawl_formats::pe::{self, Pe, PeLimits};
use trawl_formats::sniff::{self, FileKind};

/// Flattened facts: a field path such as `section[2].name` and its value.
type Facts = BTreeMap<String, String>;

/// Lists the regular files under `dir`, sorted, following no links.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

/// Writes `value` as text under `key`.
fn put(facts: &mut Facts, key: String, value: impl std::fmt::Debug) {
    facts.insert(key, format!("{value:?}"));
}

/// Flattens trawl's parse of `bytes`.
fn trawl_facts(bytes: &[u8]) -> Facts {
    let pe = pe::parse(bytes, &PeLimits::default());
    let mut facts = Facts::new();
    trawl_headers(&mut facts, &pe.image);
    trawl_sections(&mut facts, &pe.image);
    trawl_imports(&mut facts, &pe);
    trawl_exports(&mut facts, &pe);
    facts
}

/// Flattens the file header, optional header and data directories.
fn trawl_headers(facts: &mut Facts, image: &Image<'_>) {
    if let Some(h) = image.file_header {
        put(facts, "coff.machine".into(), h.machine);
        put(facts, "coff.sections".into(), h.number_of_sections);
        put(facts, "coff.timestamp".into(), h.time_date_stamp);
        put(facts, "coff.symtab".into(), h.pointer_to_symbol_table);
        put(facts, "coff.symbols".into(), h.number_of_symbols);
        put(facts, "coff.opt_size".into(), h.size_of_optional_header);
        put(facts, "coff.characteristics".into(), h.characteristics);
    }
    if let Some(o) = image.optional_header {
        let fields: [(&str, u64); 30] = [
            ("magic", o.magic.into()),
            ("linker_major", o.major_linker_version.into()),
            ("linker_minor", o.minor_linker_version.into()),
            ("size_of_code", o.size_of_code.into()),
            ("size_of_init", o.size_of_initialized_data.into()),
            ("size_of_uninit", o.size_of_uninitialized_data.into()),
            ("entry", o.address_of_entry_point.into()),
            ("base_of_code", o.base_of_code.into()),
            ("base_of_data", o.base_of_data.unwrap_or(0).into()),
            ("image_base", o.image_base),
            ("section_alignment", o.section_alignment.into()),
            ("file_alignment", o.file_alignment.into()),
            ("os_major", o.major_operating_system_version.into()),
            ("os_minor", o.minor_operating_system_version.into()),
            ("image_major", o.major_image_version.into()),
            ("image_minor", o.minor_image_version.into()),
            ("subsystem_major", o.major_subsystem_version.into()),
            ("subsystem_minor", o.minor_subsystem_version.into()),
            ("win32_version", o.win32_version_value.into()),
            ("size_of_image", o.size_of_image.into()),
            ("size_of_headers", o.size_of_headers.into()),
            ("checksum", o.check_sum.into()),
            ("subsystem", o.subsystem.into()),
            ("dll_characteristics", o.dll_characteristics.into()),
            ("stack_reserve", o.size_of_stack_reserve),
            ("stack_commit", o.size_of_stack_commit),
            ("heap_reserve", o.size_of_heap_reserve),
            ("heap_commit", o.size_of_heap_commit),
            ("loader_flags", o.loader_flags.into()),
            ("rva_and_sizes", o.number_of_rva_and_sizes.into()),
        ];
        for (name, value) in fields {
            put(facts, format!("opt.{name}"), value);
        }
    }
    for (i, d) in image.data_directories.iter().enumerate() {
        // goblin leaves out all-zero entries.
        if d.rva != 0 || d.size != 0 {
            put(facts, format!("dir[{i}]"), (d.rva, d.size));
        }
    }
}

/// Flattens the section table.
fn trawl_sections(facts: &mut Facts, image: &Image<'_>) {
    put(facts, "section.count".into(), image.sections.len());
    for (i, s) in image.sections.iter().enumerate() {
        put(facts, format!("section[{i}].name"), s.name);
        put(facts, format!("section[{i}].va"), s.virtual_address);
        put(facts, format!("section[{i}].vsize"), s.virtual_size);
        put(facts, format!("section[{i}].raw_ptr"), s.pointer_to_raw_data);
        put(facts, format!("section[{i}].raw_size"), s.size_of_raw_data);
        put(facts, format!("section[{i}].flags"), s.characteristics);
    }
}

/// Flattens the regular imports: by name with the hint, or by ordinal.
fn trawl_imports(facts: &mut Facts, pe: &Pe<'_>) {
    let mut imports = Vec::new();
    for descriptor in &pe.imports {
        let dll = String::from_utf8_lossy(&descriptor.dll);
        for symbol in &descriptor.symbols {
            imports.push(match (&symbol.name, symbol.ordinal) {
                (Some(name), _) => format!(
                    "{dll}!{}@hint{}",
                    String::from_utf8_lossy(name),
                    symbol.hint.unwrap_or(0)
                ),
                (None, ordinal) => {
                    format!("{dll}!#{}", ordinal.unwrap_or(0))
                }
            });
        }
    }
    list_facts(facts, "import", imports);
}

/// Flattens the named exports, since goblin lists only those.
fn trawl_exports(facts: &mut Facts, pe: &Pe<'_>) {
    let mut exports = Vec::new();
    if let Some(table) = &pe.exports {
        for symbol in &table.symbols {
            let Some(name) = &symbol.name else { continue };
            let forwarder = symbol
                .forwarder
                .as_deref()
                .map(|f| String::from_utf8_lossy(f).into_owned());
            exports.push(format!(
                "{}#{}@{:#x}->{forwarder:?}",
                String::from_utf8_lossy(name),
                symbol.ordinal,
                symbol.address,
            ));
        }
    }
    list_facts(facts, "export", exports);
}

/// Writes a list as a count and one fact per entry.
fn list_facts(facts: &mut Facts, what: &str, entries: Vec<String>) {
    put(facts, format!("{what}.count"), entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        facts.insert(format!("{what}[{i}]"), entry);
    }
}

/// Flattens goblin's parse.
fn goblin_facts(pe: &PE<'_>) -> Facts {
    let mut facts = Facts::new();
    goblin_headers(&mut facts, pe);
    goblin_sections(&mut facts, pe);
    goblin_imports(&mut facts, pe);
    goblin_exports(&mut facts, pe);
    facts
}

/// Flattens the file header, optional header and data directories.
fn goblin_headers(facts: &mut Facts, pe: &PE<'_>) {
    let h = pe.header.coff_header;
    put(facts, "coff.machine".into(), h.machine);
    put(facts, "coff.sections".into(), h.number_of_sections);
    put(facts, "coff.timestamp".into(), h.time_date_stamp);
    put(facts, "coff.symtab".into(), h.pointer_to_symbol_table);
    put(facts, "coff.symbols".into(), h.number_of_symbol_table);
    put(facts, "coff.opt_size".into(), h.size_of_optional_header);
    put(facts, "coff.characteristics".into(), h.characteristics);
    if let Some(o) = pe.header.optional_header {
        let s = o.standard_fields;
        let w = o.windows_fields;
        let fields: [(&str, u64); 30] = [
            ("magic", s.magic.into()),
            ("linker_major", s.major_linker_version.into()),
            ("linker_minor", s.minor_linker_version.into()),
            ("size_of_code", s.size_of_code),
            ("size_of_init", s.size_of_initialized_data),
            ("size_of_uninit", s.size_of_uninitialized_data),
            ("entry", s.address_of_entry_point.into()),
            ("base_of_code", s.base_of_code),
            ("base_of_data", s.base_of_data.into()),
            ("image_base", w.image_base),
            ("section_alignment", w.section_alignment.into()),
            ("file_alignment", w.file_alignment.into()),
            ("os_major", w.major_operating_system_version.into()),
            ("os_minor", w.minor_operating_system_version.into()),
            ("image_major", w.major_image_version.into()),
            ("image_minor", w.minor_image_version.into()),
            ("subsystem_major", w.major_subsystem_version.into()),
            ("subsystem_minor", w.minor_subsystem_version.into()),
            ("win32_version", w.win32_version_value.into()),
            ("size_of_image", w.size_of_image.into()),
            ("size_of_headers", w.size_of_headers.into()),
            ("checksum", w.check_sum.into()),
            ("subsystem", w.subsystem.into()),
            ("dll_characteristics", w.dll_characteristics.into()),
            ("stack_reserve", w.size_of_stack_reserve),
            ("stack_commit", w.size_of_stack_commit),
            ("heap_reserve", w.size_of_heap_reserve),
            ("heap_commit", w.size_of_heap_commit),
            ("loader_flags", w.loader_flags.into()),
            ("rva_and_sizes", w.number_of_rva_and_sizes.into()),
        ];
        for (name, value) in fields {
            put(facts, format!("opt.{name}"), value);
        }
        let dirs = o.data_directories.data_directories.iter();
        for (i, d) in dirs.enumerate() {
            if let Some((_, d)) = d {
                put(facts, format!("dir[{i}]"), (d.virtual_address, d.size));
            }
        }
    }
}

/// Flattens the section table.
fn goblin_sections(facts: &mut Facts, pe: &PE<'_>) {
    put(facts, "section.count".into(), pe.sections.len());
    for (i, s) in pe.sections.iter().enumerate() {
        put(facts, format!("section[{i}].name"), s.name);
        put(facts, format!("section[{i}].va"), s.virtual_address);
        put(facts, format!("section[{i}].vsize"), s.virtual_size);
        put(facts, format!("section[{i}].raw_ptr"), s.pointer_to_raw_data);
        put(facts, format!("section[{i}].raw_size"), s.size_of_raw_data);
        put(facts, format!("section[{i}].flags"), s.characteristics);
    }
}

/// Flattens the imports. goblin names an import by ordinal
/// `ORDINAL <n>` with RVA 0 and puts the hint of a named one in
/// `ordinal`.
fn goblin_imports(facts: &mut Facts, pe: &PE<'_>) {
    let imports = pe
        .imports
        .iter()
        .map(|import| match import.name.strip_prefix("ORDINAL ") {
            Some(_) if import.rva == 0 => {
                format!("{}!#{}", import.dll, import.ordinal)
            }
            _ => format!(
                "{}!{}@hint{}",
                import.dll, import.name, import.ordinal
            ),
        })
        .collect();
    list_facts(facts, "import", imports);
}

/// Flattens the exports, with the ordinal read from the name ordinal
/// table since goblin's `Export` has none.
fn goblin_exports(facts: &mut Facts, pe: &PE<'_>) {
    let mut exports = Vec::new();
    if let Some(data) = &pe.export_data {
        let base = data.export_directory_table.ordinal_base;
        for (i, export) in pe.exports.iter().enumerate() {
            let Some(name) = export.name else { continue };
            let index = data.export_ordinal_table.get(i).copied();
            let ordinal = base.wrapping_add(u32::from(index.unwrap_or(0)));
            let forwarder = export.reexport.as_ref().map(|r| match r {
                Reexport::DLLName { export, lib } => format!("{lib}.{export}"),
                Reexport::DLLOrdinal { ordinal, lib } => {
                    format!("{lib}.#{ordinal}")
                }
            });
            exports.push(format!(
                "{name}#{ordinal}@{:#x}->{forwarder:?}",
                export.rva
            ));
        }
    }
    list_facts(facts, "export", exports);
}

/// What the expected differences depend on, read from the file.
struct Context {
    /// Some section's `PointerToRawData` is not a multiple of 512 while
    /// the file alignment is at least 512.
    unrounded_raw_pointer: bool,
}

impl Context {
    fn of(bytes: &[u8]) -> Context {
        let pe = pe::parse(bytes, &PeLimits::default());
        let alignment =
            pe.image.optional_header.map_or(0, |h| h.file_alignment);
        let unrounded_raw_pointer = alignment >= 0x200
            && pe
                .image
                .sections
                .iter()
                .any(|s| s.pointer_to_raw_data % 0x200 != 0);
        Context { unrounded_raw_pointer }
    }
}

/// Returns why a difference in `field` is expected, `None` when it is
/// not: each known goblin quirk, with the files it shows in.
fn explain(field: &str, context: &Context) -> Option<&'static str> {
    let directory_entry =
        field.starts_with("import") || field.starts_with("export");
    if directory_entry && context.unrounded_raw_pointer {
        // goblin 0.10.7 `pe::utils::find_offset` bounds a section with
        // the pointer rounded down but adds the RVA's delta to the
        // pointer as stored, so its tables start a few bytes late.
        return Some(
            "the Windows loader and trawl read a section from its \
             PointerToRawData rounded down to 512 bytes; goblin reads \
             from the pointer as stored",
        );
    }
    None
}

/// A field on which trawl and goblin disagree.
#[derive(Debug)]
struct Disagreement {
    file: String,
    field: String,
    trawl: Option<String>,
    goblin: Option<String>,
}

#[derive(Default)]
struct Tally {
    compared: usize,
    facts: usize,
    imports: usize,
    exports: usize,
    permissive: usize,
    goblin_failed: usize,
    explained: BTreeMap<&'static str, usize>,
    unexplained: Vec<Disagreement>,
}

impl Tally {
    fn compare(&mut self, name: &str, bytes: &[u8]) {
        // The certificate, TLS and resource tables are not compared, so
        // goblin is not asked to parse them: a broken one would make it
        // reject the whole file.
        let mut options = ParseOptions::default();
        options.parse_attribute_certificates = false;
        options.parse_tls_data = false;
        options.parse_resources = false;
        let reference = match PE::parse_with_opts(bytes, &options) {
            Ok(reference) => reference,
            Err(_) => {
                options.parse_mode = ParseMode::Permissive;
                let Ok(reference) = PE::parse_with_opts(bytes, &options)
                else {
                    self.goblin_failed += 1;
                    return;
                };
                self.permissive += 1;
                reference
            }
        };
        self.compared += 1;
        let ours = trawl_facts(bytes);
        let theirs = goblin_facts(&reference);
        self.facts += theirs.len();
        self.imports += reference.imports.len();
        self.exports += reference.exports.len();
        let context = Context::of(bytes);
        let fields: std::collections::BTreeSet<&String> =
            ours.keys().chain(theirs.keys()).collect();
        for field in fields {
            let trawl = ours.get(field).map(String::as_str);
            let goblin = theirs.get(field).map(String::as_str);
            if trawl == goblin {
                continue;
            }
            match explain(field, &context) {
                Some(reason) => {
                    *self.explained.entry(reason).or_default() += 1
                }
                None => self.unexplained.push(Disagreement {
                    file: name.to_string(),
                    field: field.clone(),
                    trawl: trawl.map(str::to_string),
                    goblin: goblin.map(str::to_string),
                }),
            }
        }
    }
}

#[test]
fn pe_parse_agrees_with_goblin() {
    let mut roots = vec![common::shared_dir().join("fixtures/iocx/bin")];
    if let Some(corpus) = std::env::var_os("TRAWL_BINARY_CORPUS") {
        roots.push(PathBuf::from(corpus));
    }
    let mut tally = Tally::default();
    let mut not_pe = 0usize;
    for root in &roots {
        let files = files_under(root);
        assert!(!files.is_empty(), "no files under {}", root.display());
        for path in files {
            let bytes = std::fs::read(&path).unwrap();
            if sniff::sniff(&bytes) != FileKind::Pe {
                not_pe += 1;
                continue;
            }
            tally.compare(&path.display().to_string(), &bytes);
        }
    }
    println!(
        "goblin differential: {} PE files compared ({} in goblin's \
         permissive mode), {} skipped because goblin rejects them, {not_pe} files not sniffed as PE; {} \
         fields compared, among them {} imports and {} exports",
        tally.compared,
        tally.permissive,
        tally.goblin_failed,
        tally.facts,
        tally.imports,
        tally.exports
    );
    for (reason, count) in &tally.explained {
        println!("  {count:5} expected differences: {reason}");
    }
    for d in tally.unexplained.iter().take(200) {
        println!(
            "  UNEXPLAINED {} {}: trawl {:?} goblin {:?}",
            d.file, d.field, d.trawl, d.goblin
        );
    }
    assert!(tally.compared > 0);
    assert!(
        tally.unexplained.is_empty(),
        "{} unexplained differences",
        tally.unexplained.len()
    );
}
