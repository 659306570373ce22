//! Windows PE images: a bounded parser that keeps going past
//! malformations and records each one as an anomaly.
//!
//! Every structure is read through the checked helpers below, so an
//! offset, length or count taken from the file can drop a field or end a
//! table early, but never index out of bounds, wrap or allocate from an
//! untrusted count.

pub mod analysis;
pub mod certs;
pub mod debug;
pub mod dotnet;
pub mod exports;
pub mod hashes;
pub mod heuristics;
pub mod image;
pub mod imports;
pub mod load_config;
pub mod metadata;
pub mod reason;
pub mod regions;
pub mod relocs;
pub mod resources;
pub mod rich;
pub mod tls;
pub mod validate;
pub mod version;

use certs::Signature;
use debug::DebugEntry;
use dotnet::DotNet;
use exports::Exports;
use image::Image;
use imports::{BoundImport, ImportDescriptor};
use load_config::LoadConfig;
use relocs::Relocations;
use resources::Resources;
use rich::RichHeader;
use tls::Tls;
use version::VersionInfo;

/// Indices of the data directory table.
pub mod dir {
    /// Export table.
    pub const EXPORT: usize = 0;
    /// Import table.
    pub const IMPORT: usize = 1;
    /// Resource table.
    pub const RESOURCE: usize = 2;
    /// Certificate table; its address is a file offset.
    pub const SECURITY: usize = 4;
    /// Base relocation table.
    pub const BASERELOC: usize = 5;
    /// Debug directory.
    pub const DEBUG: usize = 6;
    /// Thread-local storage directory.
    pub const TLS: usize = 9;
    /// Load configuration directory.
    pub const LOAD_CONFIG: usize = 10;
    /// Bound import table.
    pub const BOUND_IMPORT: usize = 11;
    /// Import address table.
    pub const IAT: usize = 12;
    /// Delay-load import descriptors.
    pub const DELAY_IMPORT: usize = 13;
    /// CLR runtime header.
    pub const CLR: usize = 14;
}

/// Bounds on the tables read from one PE file. A table that reaches its
/// bound is cut there and the cut is recorded as an anomaly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeLimits {
    /// Section headers read (default 2048; the Windows loader accepts
    /// at most 96 on old versions and 65535 on current ones).
    pub max_sections: usize,
    /// Import descriptors read, regular and delay-load each (default
    /// 4096).
    pub max_import_descriptors: usize,
    /// Thunks read per import descriptor (default 16384).
    pub max_thunks: usize,
    /// Imported symbols kept over all descriptors (default 65536), since
    /// every descriptor may point at the same thunk array.
    pub max_import_symbols: usize,
    /// Export address table entries and export names read (default
    /// 65536).
    pub max_exports: usize,
    /// Base relocation blocks read (default 65536).
    pub max_reloc_blocks: usize,
    /// Debug directory entries read (default 256).
    pub max_debug_entries: usize,
    /// TLS callback pointers read (default 4096).
    pub max_tls_callbacks: usize,
    /// Longest DLL, symbol, forwarder or PDB name read, in bytes
    /// (default 1024); a longer one counts as unterminated.
    pub max_name_len: usize,
}

impl Default for PeLimits {
    fn default() -> Self {
        PeLimits {
            max_sections: 2048,
            max_import_descriptors: 4096,
            max_thunks: 16384,
            max_import_symbols: 65536,
            max_exports: 65536,
            max_reloc_blocks: 65536,
            max_debug_entries: 256,
            max_tls_callbacks: 4096,
            max_name_len: 1024,
        }
    }
}

impl PeLimits {
    /// Returns limits with every table count set to `entries`, keeping
    /// the name length.
    pub fn with_table_limit(entries: usize) -> PeLimits {
        PeLimits {
            max_sections: entries,
            max_import_descriptors: entries,
            max_thunks: entries,
            max_import_symbols: entries,
            max_exports: entries,
            max_reloc_blocks: entries,
            max_debug_entries: entries,
            max_tls_callbacks: entries,
            ..PeLimits::default()
        }
    }
}

/// Anomaly codes meaning that the DOS header, the file header, the
/// optional header or the section table could not be read whole, so
/// that the fields, directories and sections past the cut are missing.
pub const HEADER_ANOMALIES: [&str; 7] = [
    "dos_header_missing",
    "dos_header_truncated",
    "pe_signature_missing",
    "file_header_truncated",
    "optional_header_truncated",
    "data_directories_truncated",
    "section_table_truncated",
];

/// A parsed PE file: everything that could be read, and what was wrong.
#[derive(Clone, Debug)]
pub struct Pe<'a> {
    /// Headers, data directories, sections and the RVA map.
    pub image: Image<'a>,
    /// Regular import descriptors, in table order.
    pub imports: Vec<ImportDescriptor>,
    /// Delay-load import descriptors, in table order.
    pub delay_imports: Vec<ImportDescriptor>,
    /// Bound import descriptors, in table order.
    pub bound_imports: Vec<BoundImport>,
    /// The export directory.
    pub exports: Option<Exports>,
    /// The TLS directory with its callbacks.
    pub tls: Option<Tls>,
    /// The load configuration directory.
    pub load_config: Option<LoadConfig>,
    /// Debug directory entries.
    pub debug: Vec<DebugEntry>,
    /// Base relocation blocks.
    pub relocations: Option<Relocations>,
    /// The Rich header.
    pub rich: Option<RichHeader>,
    /// Resource leaves and the text read from them.
    pub resources: Resources,
    /// The first version resource, decoded.
    pub version_info: Option<VersionInfo>,
    /// The CLR header and metadata of a .NET assembly.
    pub dotnet: Option<DotNet>,
    /// The certificate table's entries, each with the Authenticode
    /// signature it carries.
    pub signatures: Vec<Signature>,
    /// Malformations met, in the order they were found.
    pub anomalies: Vec<Anomaly>,
}

/// Parses `data` as a PE file. Never fails: a file that stops being
/// parseable part-way keeps what was read before that point, and each
/// problem is listed in [`Pe::anomalies`].
pub fn parse<'a>(data: &'a [u8], limits: &PeLimits) -> Pe<'a> {
    let mut anomalies = Vec::new();
    let image = Image::parse(data, limits, &mut anomalies);
    let found = &mut anomalies;
    let rich = image.file_header.and_then(|_| {
        rich::parse_rich(data, image.optional_header_offset, found)
    });
    if image.optional_header.is_none() {
        return Pe::headers_only(image, rich, anomalies);
    }
    let mut budget = limits.max_import_symbols;
    let (resources, version_info, dotnet, signatures) =
        parse_embedded(&image, found);
    Pe {
        imports: imports::parse_imports(&image, limits, &mut budget, found),
        delay_imports: imports::parse_delay_imports(
            &image,
            limits,
            &mut budget,
            found,
        ),
        bound_imports: imports::parse_bound_imports(&image, limits, found),
        exports: exports::parse_exports(&image, limits, found),
        tls: tls::parse_tls(&image, limits, found),
        load_config: load_config::parse_load_config(&image, found),
        debug: debug::parse_debug(&image, limits, found),
        relocations: relocs::parse_relocations(&image, limits, found),
        rich,
        resources,
        version_info,
        dotnet,
        signatures,
        image,
        anomalies,
    }
}

/// Parses the resources with their version information, the .NET
/// metadata and the certificate table, appending their anomalies to
/// `anomalies`.
fn parse_embedded(
    image: &Image<'_>,
    anomalies: &mut Vec<Anomaly>,
) -> (Resources, Option<VersionInfo>, Option<DotNet>, Vec<Signature>) {
    let (resources, found) =
        resources::parse_resources(image, image.directory(dir::RESOURCE));
    anomalies.extend(found);
    let (version_info, found) =
        version::parse_version_info(image, &resources.entries);
    anomalies.extend(found);
    let (dotnet, found) =
        dotnet::parse_dotnet(image, image.directory(dir::CLR));
    anomalies.extend(found);
    let (signatures, found) =
        certs::parse_certificates(image, image.directory(dir::SECURITY));
    anomalies.extend(found);
    (resources, version_info, dotnet, signatures)
}

impl<'a> Pe<'a> {
    /// A PE whose directories cannot be located.
    fn headers_only(
        image: Image<'a>,
        rich: Option<RichHeader>,
        anomalies: Vec<Anomaly>,
    ) -> Pe<'a> {
        Pe {
            image,
            imports: Vec::new(),
            delay_imports: Vec::new(),
            bound_imports: Vec::new(),
            exports: None,
            tls: None,
            load_config: None,
            debug: Vec::new(),
            relocations: None,
            rich,
            resources: Resources::default(),
            version_info: None,
            dotnet: None,
            signatures: Vec::new(),
            anomalies,
        }
    }

    /// Returns the anomalies that kept the headers or the section table
    /// from being read whole, in the order they were found.
    pub fn header_anomalies(&self) -> impl Iterator<Item = &Anomaly> {
        self.anomalies
            .iter()
            .filter(|anomaly| HEADER_ANOMALIES.contains(&anomaly.code))
    }

    /// Returns the CodeView PDB paths with their file offsets.
    pub fn pdb_paths(&self) -> impl Iterator<Item = (&[u8], usize)> {
        self.debug.iter().filter_map(|entry| {
            let codeview = entry.codeview.as_ref()?;
            Some((codeview.pdb_path.as_slice(), codeview.pdb_path_offset))
        })
    }
}

impl RvaMap for Pe<'_> {
    fn file(&self) -> &[u8] {
        self.image.file()
    }

    fn offset_of(&self, rva: u32) -> Option<usize> {
        self.image.offset_of(rva)
    }
}

/// Decodes `bytes` as UTF-8, dropping invalid sequences instead of
/// replacing them, as Python's `decode(errors="ignore")` does.
pub fn decode_lossy_dropping(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
    }
    text
}

/// An address range in the image, as stored in a data directory or a
/// table entry: a relative virtual address and a size in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataDir {
    /// Relative virtual address (or, for the certificate table, a file
    /// offset).
    pub rva: u32,
    /// Size in bytes.
    pub size: u32,
}

/// Maps relative virtual addresses to bytes of the file, the way the
/// loader lays sections out.
pub trait RvaMap {
    /// Returns the whole file.
    fn file(&self) -> &[u8];

    /// Returns the file offset of the byte at `rva`, if any section or
    /// the headers map it to bytes present in the file.
    fn offset_of(&self, rva: u32) -> Option<usize>;

    /// Returns the `len` file bytes starting at `rva`, if all of them are in the
    /// file.
    fn bytes_at(&self, rva: u32, len: usize) -> Option<&[u8]> {
        let start = self.offset_of(rva)?;
        let end = start.checked_add(len)?;
        self.file().get(start..end)
    }

    /// Returns the file bytes from `rva` to the end of the file, for structures
    /// whose length is only known once read.
    fn tail_at(&self, rva: u32) -> Option<&[u8]> {
        let start = self.offset_of(rva)?;
        self.file().get(start..)
    }
}

/// A malformation found while parsing: the structure stays in the report
/// as far as it could be read, and this records what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// A stable snake_case code, such as `export_names_truncated`.
    pub code: &'static str,
    /// Description of the finding, with the offsets or values involved.
    pub detail: String,
}

impl Anomaly {
    /// Creates an anomaly with its code and description.
    pub fn new(code: &'static str, detail: impl Into<String>) -> Anomaly {
        Anomaly { code, detail: detail.into() }
    }
}

/// Reads a little-endian `u16` at `offset`, if all its bytes exist.
pub fn read_u16(data: &[u8], offset: usize) -> Option<u16> {
    let end = offset.checked_add(2)?;
    let bytes: [u8; 2] = data.get(offset..end)?.try_into().ok()?;
    Some(u16::from_le_bytes(bytes))
}

/// Reads a little-endian `u32` at `offset`, if all its bytes exist.
pub fn read_u32(data: &[u8], offset: usize) -> Option<u32> {
    let end = offset.checked_add(4)?;
    let bytes: [u8; 4] = data.get(offset..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Reads a little-endian `u64` at `offset`, if all its bytes exist.
pub fn read_u64(data: &[u8], offset: usize) -> Option<u64> {
    let end = offset.checked_add(8)?;
    let bytes: [u8; 8] = data.get(offset..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Reads a NUL-terminated byte string at `offset`, at most `max` bytes
/// long; `None` when the terminator is missing within `max` bytes or
/// the end of `data`.
pub fn read_cstr(data: &[u8], offset: usize, max: usize) -> Option<&[u8]> {
    let rest = data.get(offset..)?;
    let window = rest.get(..max.min(rest.len()))?;
    let len = memchr::memchr(0, window)?;
    window.get(..len)
}

/// A builder of small PE files for the parsers' unit tests.
#[cfg(test)]
pub(crate) mod testpe {
    #![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    #![allow(dead_code)]

    /// File offset of the PE signature.
    pub const E_LFANEW: usize = 0x80;
    /// SizeOfHeaders, and the raw offset of the default section.
    pub const HEADERS: usize = 0x400;
    /// RVA of the default section.
    pub const SECTION_RVA: u32 = 0x1000;
    /// Raw and virtual size of the default section.
    pub const SECTION_SIZE: usize = 0x1000;

    /// A PE file under construction.
    pub struct TestPe {
        pub bytes: Vec<u8>,
        pub plus: bool,
        sections: usize,
    }

    impl TestPe {
        /// An image with headers only: MZ, PE, a file header and an
        /// optional header of 16 directories, and no sections.
        pub fn bare(plus: bool) -> TestPe {
            let mut pe = TestPe { bytes: vec![0; HEADERS], plus, sections: 0 };
            pe.put(0, b"MZ");
            pe.put_u32(0x3C, E_LFANEW as u32);
            pe.put(E_LFANEW, b"PE\0\0");
            let machine: u16 = if plus { 0x8664 } else { 0x14C };
            pe.put_u16(E_LFANEW + 4, machine);
            let opt_len: u16 = if plus { 240 } else { 224 };
            pe.put_u16(E_LFANEW + 20, opt_len);
            pe.put_u16(E_LFANEW + 22, 0x0102);
            let opt = E_LFANEW + 24;
            pe.put_u16(opt, if plus { 0x20B } else { 0x10B });
            if plus {
                pe.put_u64(opt + 24, 0x1_4000_0000);
            } else {
                pe.put_u32(opt + 28, 0x40_0000);
            }
            pe.put_u32(opt + 32, 0x1000);
            pe.put_u32(opt + 36, 0x200);
            pe.put_u32(opt + 56, 0x3000);
            pe.put_u32(opt + 60, HEADERS as u32);
            pe.put_u32(opt + if plus { 108 } else { 92 }, 16);
            pe
        }

        /// An image with one readable, writable section mapping RVA
        /// 0x1000.. to file offset 0x400..
        pub fn new(plus: bool) -> TestPe {
            let mut pe = TestPe::bare(plus);
            pe.section(
                b".data",
                SECTION_RVA,
                SECTION_SIZE as u32,
                HEADERS as u32,
                SECTION_SIZE as u32,
                0xC000_0040,
            );
            pe
        }

        /// File offset of the optional header.
        pub fn opt(&self) -> usize {
            E_LFANEW + 24
        }

        /// Appends a section header and grows the file to hold its data.
        pub fn section(
            &mut self,
            name: &[u8],
            va: u32,
            vs: u32,
            raw: u32,
            raw_size: u32,
            characteristics: u32,
        ) {
            let opt_len = if self.plus { 240 } else { 224 };
            let at = self.opt() + opt_len + 40 * self.sections;
            let mut padded = [0u8; 8];
            padded[..name.len()].copy_from_slice(name);
            self.put(at, &padded);
            self.put_u32(at + 8, vs);
            self.put_u32(at + 12, va);
            self.put_u32(at + 16, raw_size);
            self.put_u32(at + 20, raw);
            self.put_u32(at + 36, characteristics);
            self.sections += 1;
            self.put_u16(E_LFANEW + 6, self.sections as u16);
            let end = raw as usize + raw_size as usize;
            if self.bytes.len() < end {
                self.bytes.resize(end, 0);
            }
        }

        /// Sets data directory `index`.
        pub fn dir(&mut self, index: usize, rva: u32, size: u32) {
            let table = self.opt() + if self.plus { 112 } else { 96 };
            self.put_u32(table + 8 * index, rva);
            self.put_u32(table + 8 * index + 4, size);
        }

        /// Returns the file offset of `rva` in the default section.
        pub fn at(rva: u32) -> usize {
            (rva - SECTION_RVA) as usize + HEADERS
        }

        /// Writes `bytes` at `offset`, growing the file as needed.
        pub fn put(&mut self, offset: usize, bytes: &[u8]) {
            let end = offset + bytes.len();
            if self.bytes.len() < end {
                self.bytes.resize(end, 0);
            }
            self.bytes[offset..end].copy_from_slice(bytes);
        }

        pub fn put_u16(&mut self, offset: usize, value: u16) {
            self.put(offset, &value.to_le_bytes());
        }

        pub fn put_u32(&mut self, offset: usize, value: u32) {
            self.put(offset, &value.to_le_bytes());
        }

        pub fn put_u64(&mut self, offset: usize, value: u64) {
            self.put(offset, &value.to_le_bytes());
        }

        /// Writes `bytes` at `rva` of the default section.
        pub fn put_rva(&mut self, rva: u32, bytes: &[u8]) {
            self.put(TestPe::at(rva), bytes);
        }

        /// Writes a little-endian `u32` at `rva` of the default section.
        pub fn put_rva_u32(&mut self, rva: u32, value: u32) {
            self.put_u32(TestPe::at(rva), value);
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// A PE32 file with imports, exports, TLS, debug, load config and
    /// relocation directories, for mutation.
    fn full_pe(plus: bool) -> Vec<u8> {
        use testpe::TestPe;
        let mut pe = TestPe::new(plus);
        pe.dir(dir::IMPORT, 0x1000, 40);
        pe.put_rva_u32(0x1000, 0x1300);
        pe.put_rva_u32(0x100C, 0x1100);
        pe.put_rva_u32(0x1010, 0x1300);
        pe.put_rva(0x1100, b"KERNEL32.dll\0");
        pe.put_rva(0x1200, b"\0\0Sleep\0");
        pe.put_rva_u32(0x1300, 0x1200);
        pe.dir(dir::EXPORT, 0x1400, 0x100);
        for (at, value) in [(0x1414, 2), (0x1418, 1), (0x141C, 0x1440)] {
            pe.put_rva_u32(at, value);
        }
        pe.put_rva_u32(0x1420, 0x1450);
        pe.put_rva_u32(0x1424, 0x1460);
        pe.put_rva_u32(0x1440, 0x1480);
        pe.put_rva_u32(0x1444, 0x1800);
        pe.put_rva_u32(0x1450, 0x1470);
        pe.put_rva(0x1470, b"Run\0");
        pe.put_rva(0x1480, b"K.Sleep\0");
        pe.dir(dir::TLS, 0x1500, 40);
        pe.dir(dir::DEBUG, 0x1600, 28);
        pe.put_rva_u32(0x160C, 2);
        pe.put_rva_u32(0x1614, 0x1700);
        pe.put_rva(0x1700, b"RSDS0123456789abcdef\x01\0\0\0a.pdb\0");
        pe.dir(dir::LOAD_CONFIG, 0x1900, 0x40);
        pe.put_rva_u32(0x1900, 0x40);
        pe.dir(dir::BASERELOC, 0x1A00, 16);
        pe.put_rva_u32(0x1A00, 0x1000);
        pe.put_rva_u32(0x1A04, 16);
        pe.dir(dir::BOUND_IMPORT, 0x1B00, 16);
        pe.put_rva_u32(0x1B00, 1);
        pe.put_rva_u32(0x1B04, 0x10);
        pe.put_rva(0x1B10, b"a.dll\0");
        pe.dir(dir::DELAY_IMPORT, 0x1C00, 32);
        pe.put_rva_u32(0x1C00, 1);
        pe.put_rva_u32(0x1C04, 0x1100);
        pe.put_rva_u32(0x1C0C, 0x1300);
        pe.put_rva_u32(0x1C10, 0x1300);
        pe.bytes
    }

    /// Checks the bounds a parse must respect.
    fn check_bounds(pe: &Pe<'_>, limits: &PeLimits) {
        assert!(pe.image.sections.len() <= limits.max_sections);
        assert!(pe.image.data_directories.len() <= 16);
        assert!(pe.imports.len() <= limits.max_import_descriptors);
        assert!(pe.delay_imports.len() <= limits.max_import_descriptors);
        let symbols: usize = pe
            .imports
            .iter()
            .chain(&pe.delay_imports)
            .map(|d| d.symbols.len())
            .sum();
        assert!(symbols <= limits.max_import_symbols);
        for descriptor in pe.imports.iter().chain(&pe.delay_imports) {
            assert!(descriptor.symbols.len() <= limits.max_thunks);
            assert!(descriptor.dll.len() < limits.max_name_len);
        }
        if let Some(exports) = &pe.exports {
            assert!(exports.symbols.len() <= limits.max_exports * 2);
        }
        if let Some(tls) = &pe.tls {
            assert!(tls.callbacks.len() <= limits.max_tls_callbacks);
        }
        assert!(pe.debug.len() <= limits.max_debug_entries);
        if let Some(relocations) = &pe.relocations {
            assert!(relocations.blocks.len() <= limits.max_reloc_blocks);
        }
        for (path, offset) in pe.pdb_paths() {
            let end = offset + path.len();
            assert_eq!(pe.image.data().get(offset..end), Some(path));
        }
        for region in pe.regions() {
            let end = region.map.end(region.text.len());
            assert!(region.map.start(0) <= end);
            assert!(end <= pe.image.data().len());
        }
        let _ = metadata::PeMetadata::new(pe);
    }

    #[test]
    fn full_pe_parses_without_anomalies() {
        for plus in [false, true] {
            let bytes = full_pe(plus);
            let pe = parse(&bytes, &PeLimits::default());
            let codes: Vec<_> = pe.anomalies.iter().map(|a| a.code).collect();
            if !plus {
                assert!(codes.is_empty(), "{codes:?}");
                assert_eq!(pe.imports[0].symbols.len(), 1);
                assert_eq!(pe.exports.as_ref().unwrap().symbols.len(), 2);
                assert_eq!(pe.debug[0].codeview.as_ref().unwrap().age, 1);
                assert_eq!(pe.bound_imports[0].dll, b"a.dll");
                assert_eq!(pe.delay_imports[0].dll, b"KERNEL32.dll");
            }
            check_bounds(&pe, &PeLimits::default());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_parse_within_limits(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
            entries in 1usize..64,
        ) {
            let limits = PeLimits::with_table_limit(entries);
            let mut data = bytes;
            // Most random inputs fail at the signature; make half of
            // them reach the headers.
            if entries % 2 == 0 && data.len() > 0x90 {
                data[..2].copy_from_slice(b"MZ");
                data[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
                data[0x40..0x44].copy_from_slice(b"PE\0\0");
            }
            let pe = parse(&data, &limits);
            check_bounds(&pe, &limits);
        }

        #[test]
        fn overwritten_pe_parses_within_limits(
            plus in proptest::prelude::any::<bool>(),
            edits in proptest::collection::vec(
                (0usize..0x2400, proptest::prelude::any::<u32>()),
                1..24,
            ),
            cut in 0usize..0x2400,
        ) {
            let mut data = full_pe(plus);
            for (at, value) in edits {
                let at = at % data.len().saturating_sub(4).max(1);
                if let Some(slot) = data.get_mut(at..at + 4) {
                    slot.copy_from_slice(&value.to_le_bytes());
                }
            }
            if cut > 0x100 {
                data.truncate(cut);
            }
            let limits = PeLimits::with_table_limit(32);
            let pe = parse(&data, &limits);
            check_bounds(&pe, &limits);
        }
    }

    #[test]
    fn header_anomalies_name_each_cut() {
        use testpe::{TestPe, E_LFANEW};
        let bytes = TestPe::new(false).bytes;
        let opt = E_LFANEW + 24;
        let cases: &[(usize, &[&str])] = &[
            (bytes.len(), &[]),
            (
                opt + 10,
                &["optional_header_truncated", "section_table_truncated"],
            ),
            (
                opt + 100,
                &["data_directories_truncated", "section_table_truncated"],
            ),
            (opt + 224, &["section_table_truncated"]),
        ];
        for &(len, expected) in cases {
            let pe = parse(&bytes[..len], &PeLimits::default());
            let codes: Vec<_> =
                pe.header_anomalies().map(|a| a.code).collect();
            assert_eq!(codes, expected, "length {len:#x}");
        }
    }

    #[test]
    fn reads_stop_at_end_of_data() {
        let data = [1, 2, 3, 4, 5, 6, 7];
        assert_eq!(read_u16(&data, 5), Some(0x0706));
        assert_eq!(read_u16(&data, 6), None);
        assert_eq!(read_u32(&data, 3), Some(0x0706_0504));
        assert_eq!(read_u32(&data, 4), None);
        assert_eq!(read_u64(&data, 0), None);
        assert_eq!(read_u32(&data, usize::MAX), None);
    }

    #[test]
    fn cstr_needs_terminator_within_max() {
        let data = b"KERNEL32.dll\0rest";
        assert_eq!(read_cstr(data, 0, 64), Some(&b"KERNEL32.dll"[..]));
        assert_eq!(read_cstr(data, 0, 5), None);
        assert_eq!(read_cstr(data, 13, 64), None);
        assert_eq!(read_cstr(data, 100, 64), None);
    }
}
