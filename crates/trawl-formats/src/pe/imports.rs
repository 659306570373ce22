//! Import tables: the regular import descriptors, the delay-load
//! descriptors and the bound import descriptors.
//!
//! Descriptor arrays end at an all-zero entry and thunk arrays at a zero
//! thunk, as the loader reads them; the declared directory size is not
//! used. Both are also cut at the end of the bytes their section maps
//! and at the limits, and a shared budget bounds the symbols kept over
//! all descriptors, because every descriptor may name the same thunks.

use super::image::Image;
use super::{
    dir, read_cstr, read_u16, read_u32, read_u64, Anomaly, PeLimits, RvaMap,
};

/// Size of an `IMAGE_IMPORT_DESCRIPTOR`.
const DESCRIPTOR_LEN: usize = 20;

/// Size of an `ImgDelayDescr`.
const DELAY_DESCRIPTOR_LEN: usize = 32;

/// Size of an `IMAGE_BOUND_IMPORT_DESCRIPTOR` and of each forwarder
/// reference after it.
const BOUND_DESCRIPTOR_LEN: usize = 8;

/// Delay descriptor attribute: the fields are RVAs, not VAs.
const DELAY_RVA_BASED: u32 = 1;

/// One DLL's import descriptor and the symbols read from its thunks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportDescriptor {
    /// The DLL name bytes, empty when the name could not be read.
    pub dll: Vec<u8>,
    /// RVA of the DLL name.
    pub name_rva: u32,
    /// RVA of the import lookup (name) table, 0 when absent.
    pub lookup_table_rva: u32,
    /// RVA of the import address table.
    pub address_table_rva: u32,
    /// `TimeDateStamp` of the descriptor.
    pub time_date_stamp: u32,
    /// The delay descriptor's `Attributes`; 0 for regular imports.
    pub attributes: u32,
    /// The imported symbols, in thunk order.
    pub symbols: Vec<ImportSymbol>,
}

/// One imported symbol: by name (with its hint) or by ordinal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSymbol {
    /// The name bytes, for an import by name.
    pub name: Option<Vec<u8>>,
    /// The hint, for an import by name.
    pub hint: Option<u16>,
    /// The ordinal, for an import by ordinal.
    pub ordinal: Option<u16>,
    /// RVA of the thunk this symbol was read from.
    pub thunk_rva: u32,
}

/// One bound import descriptor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoundImport {
    /// The DLL name bytes, empty when the name could not be read.
    pub dll: Vec<u8>,
    /// Time stamp of the DLL the image was bound to.
    pub time_date_stamp: u32,
    /// Number of forwarder references after the descriptor.
    pub forwarder_refs: u16,
}

/// Reads the regular import descriptors and their symbols.
pub fn parse_imports(
    image: &Image<'_>,
    limits: &PeLimits,
    budget: &mut usize,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<ImportDescriptor> {
    let mut reader = DescriptorReader::new(
        image,
        dir::IMPORT,
        DESCRIPTOR_LEN,
        "import",
        limits,
    );
    let mut descriptors = Vec::new();
    while let Some(raw) = reader.next(anomalies) {
        let field = |at| read_u32(raw, at).unwrap_or(0);
        let mut descriptor = ImportDescriptor {
            lookup_table_rva: field(0),
            time_date_stamp: field(4),
            name_rva: field(12),
            address_table_rva: field(16),
            ..ImportDescriptor::default()
        };
        descriptor.dll = read_name(image, descriptor.name_rva, limits);
        let table = pick_table(image, &descriptor);
        let thunks = Thunks { table, va_based: false };
        descriptor.symbols =
            thunks.read(image, limits, budget, &descriptor.dll, anomalies);
        descriptors.push(descriptor);
    }
    descriptors
}

/// Reads the delay-load descriptors and their symbols. Descriptors
/// without the RVA attribute (Visual C++ 6) hold VAs, which are
/// converted with the image base.
pub fn parse_delay_imports(
    image: &Image<'_>,
    limits: &PeLimits,
    budget: &mut usize,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<ImportDescriptor> {
    let mut reader = DescriptorReader::new(
        image,
        dir::DELAY_IMPORT,
        DELAY_DESCRIPTOR_LEN,
        "delay_import",
        limits,
    );
    let mut descriptors = Vec::new();
    while let Some(raw) = reader.next(anomalies) {
        let field = |at| read_u32(raw, at).unwrap_or(0);
        let attributes = field(0);
        let va_based = attributes & DELAY_RVA_BASED == 0;
        let rva = |value: u32| {
            if va_based {
                image.va_to_rva(u64::from(value)).unwrap_or(0)
            } else {
                value
            }
        };
        let mut descriptor = ImportDescriptor {
            attributes,
            name_rva: rva(field(4)),
            address_table_rva: rva(field(12)),
            lookup_table_rva: rva(field(16)),
            time_date_stamp: field(28),
            ..ImportDescriptor::default()
        };
        descriptor.dll = read_name(image, descriptor.name_rva, limits);
        let table = pick_table(image, &descriptor);
        let thunks = Thunks { table, va_based };
        descriptor.symbols =
            thunks.read(image, limits, budget, &descriptor.dll, anomalies);
        descriptors.push(descriptor);
    }
    descriptors
}

/// Reads the bound import descriptors. Module names are offsets from the
/// start of the bound import table.
pub fn parse_bound_imports(
    image: &Image<'_>,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<BoundImport> {
    let directory = image.directory(dir::BOUND_IMPORT);
    let mut bound = Vec::new();
    if directory.rva == 0 {
        return bound;
    }
    let Some(table) = image.mapped_tail(directory.rva) else {
        anomalies.push(unmapped("bound_import", directory.rva));
        return bound;
    };
    let mut entries = table.chunks_exact(BOUND_DESCRIPTOR_LEN);
    while let Some(raw) = entries.next() {
        if raw.iter().all(|&b| b == 0) {
            return bound;
        }
        if bound.len() >= limits.max_import_descriptors {
            anomalies.push(limit_reached("bound_import", bound.len()));
            return bound;
        }
        let name_offset = read_u16(raw, 4).unwrap_or(0);
        let forwarder_refs = read_u16(raw, 6).unwrap_or(0);
        let name = table
            .get(usize::from(name_offset)..)
            .and_then(|rest| read_cstr(rest, 0, limits.max_name_len));
        bound.push(BoundImport {
            dll: name.unwrap_or_default().to_vec(),
            time_date_stamp: read_u32(raw, 0).unwrap_or(0),
            forwarder_refs,
        });
        // Forwarder references have the descriptor's size and follow it.
        for _ in 0..forwarder_refs {
            if entries.next().is_none() {
                break;
            }
        }
    }
    anomalies.push(Anomaly::new(
        "bound_import_truncated",
        format!(
            "bound import table at RVA {:#x} has no terminating entry",
            directory.rva
        ),
    ));
    bound
}

/// Walks a descriptor array from a data directory: stops at an all-zero
/// descriptor, the end of the mapped bytes or the descriptor limit, and
/// records why it stopped when that was not the zero descriptor.
struct DescriptorReader<'a> {
    entries: Option<std::slice::ChunksExact<'a, u8>>,
    read: usize,
    max: usize,
    what: &'static str,
    rva: u32,
}

impl<'a> DescriptorReader<'a> {
    fn new(
        image: &Image<'a>,
        index: usize,
        len: usize,
        what: &'static str,
        limits: &PeLimits,
    ) -> DescriptorReader<'a> {
        let rva = image.directory(index).rva;
        let tail = if rva == 0 { None } else { image.mapped_tail(rva) };
        DescriptorReader {
            entries: tail.map(|t| t.chunks_exact(len)),
            read: 0,
            max: limits.max_import_descriptors,
            what,
            rva,
        }
    }

    fn next(&mut self, anomalies: &mut Vec<Anomaly>) -> Option<&'a [u8]> {
        let Some(entries) = self.entries.as_mut() else {
            if self.rva != 0 {
                anomalies.push(unmapped(self.what, self.rva));
                self.rva = 0;
            }
            return None;
        };
        let Some(raw) = entries.next() else {
            anomalies.push(Anomaly::new(
                truncated_code(self.what),
                format!(
                    "{} table at RVA {:#x} ends after {} descriptors \
                     without a zero descriptor",
                    self.what, self.rva, self.read
                ),
            ));
            self.entries = None;
            self.rva = 0;
            return None;
        };
        if raw.iter().all(|&b| b == 0) {
            self.entries = None;
            self.rva = 0;
            return None;
        }
        if self.read >= self.max {
            anomalies.push(limit_reached(self.what, self.read));
            self.entries = None;
            self.rva = 0;
            return None;
        }
        self.read = self.read.saturating_add(1);
        Some(raw)
    }
}

/// A thunk array: the lookup table when it is mapped, else the address
/// table (which contains the same entries until the image is bound).
struct Thunks {
    table: u32,
    va_based: bool,
}

/// Returns the RVA of the thunk array to read for `descriptor`.
fn pick_table(image: &Image<'_>, descriptor: &ImportDescriptor) -> u32 {
    let lookup = descriptor.lookup_table_rva;
    if lookup != 0 && image.offset_of(lookup).is_some() {
        lookup
    } else {
        descriptor.address_table_rva
    }
}

impl Thunks {
    /// Reads the symbols of one descriptor.
    fn read(
        &self,
        image: &Image<'_>,
        limits: &PeLimits,
        budget: &mut usize,
        dll: &[u8],
        anomalies: &mut Vec<Anomaly>,
    ) -> Vec<ImportSymbol> {
        let mut symbols = Vec::new();
        let dll = String::from_utf8_lossy(dll);
        let Some(tail) = image.mapped_tail(self.table) else {
            anomalies.push(Anomaly::new(
                "import_thunks_unmapped",
                format!(
                    "thunks of {dll} at RVA {:#x} are not in the file",
                    self.table
                ),
            ));
            return symbols;
        };
        let plus = image.is_pe32_plus();
        let width: usize = if plus { 8 } else { 4 };
        let ordinal_flag: u64 = if plus { 1 << 63 } else { 1 << 31 };
        let mut thunk_rva = self.table;
        let mut unreadable = 0usize;
        let mut ended = false;
        for (count, raw) in tail.chunks_exact(width).enumerate() {
            let value = if plus {
                read_u64(raw, 0).unwrap_or(0)
            } else {
                u64::from(read_u32(raw, 0).unwrap_or(0))
            };
            if value == 0 {
                ended = true;
                break;
            }
            if count >= limits.max_thunks || *budget == 0 {
                anomalies.push(Anomaly::new(
                    "import_symbols_limit_reached",
                    format!(
                        "imports of {dll} cut after {count} thunks (raise \
                         --max-pe-entries)"
                    ),
                ));
                ended = true;
                break;
            }
            let symbol = if value & ordinal_flag != 0 {
                Some(ImportSymbol {
                    ordinal: Some((value & 0xFFFF) as u16),
                    thunk_rva,
                    ..ImportSymbol::default()
                })
            } else {
                self.by_name(image, value, thunk_rva, limits)
            };
            match symbol {
                Some(symbol) => {
                    symbols.push(symbol);
                    *budget = budget.saturating_sub(1);
                }
                None => unreadable = unreadable.saturating_add(1),
            }
            thunk_rva = thunk_rva.saturating_add(width as u32);
        }
        if unreadable > 0 {
            anomalies.push(Anomaly::new(
                "import_names_unreadable",
                format!(
                    "{unreadable} import names of {dll} are not in the file"
                ),
            ));
        }
        if !ended {
            anomalies.push(Anomaly::new(
                "import_thunks_truncated",
                format!(
                    "thunks of {dll} at RVA {:#x} run past their section",
                    self.table
                ),
            ));
        }
        symbols
    }

    /// Reads the hint and name a thunk points at.
    fn by_name(
        &self,
        image: &Image<'_>,
        value: u64,
        thunk_rva: u32,
        limits: &PeLimits,
    ) -> Option<ImportSymbol> {
        let address = value & 0x7FFF_FFFF_FFFF_FFFF;
        let rva = if self.va_based {
            image.va_to_rva(address)?
        } else {
            u32::try_from(address & 0x7FFF_FFFF).ok()?
        };
        let offset = image.offset_of(rva)?;
        let hint = read_u16(image.data(), offset)?;
        let name = read_cstr(
            image.data(),
            offset.checked_add(2)?,
            limits.max_name_len,
        )?;
        Some(ImportSymbol {
            name: Some(name.to_vec()),
            hint: Some(hint),
            ordinal: None,
            thunk_rva,
        })
    }
}

/// Reads a NUL-terminated name at `rva`, empty when it is unmapped or
/// has no terminator within the name limit.
fn read_name(image: &Image<'_>, rva: u32, limits: &PeLimits) -> Vec<u8> {
    image
        .offset_of(rva)
        .and_then(|offset| {
            read_cstr(image.data(), offset, limits.max_name_len)
        })
        .unwrap_or_default()
        .to_vec()
}

fn unmapped(what: &'static str, rva: u32) -> Anomaly {
    let code = match what {
        "import" => "import_directory_unmapped",
        "delay_import" => "delay_import_directory_unmapped",
        _ => "bound_import_directory_unmapped",
    };
    Anomaly::new(code, format!("{what} table RVA {rva:#x} is not in the file"))
}

fn truncated_code(what: &'static str) -> &'static str {
    match what {
        "import" => "import_directory_truncated",
        _ => "delay_import_directory_truncated",
    }
}

fn limit_reached(what: &'static str, read: usize) -> Anomaly {
    let code = match what {
        "import" => "import_descriptors_limit_reached",
        "delay_import" => "delay_import_descriptors_limit_reached",
        _ => "bound_import_descriptors_limit_reached",
    };
    Anomaly::new(
        code,
        format!(
            "{what} table cut after {read} descriptors (raise \
             --max-pe-entries)"
        ),
    )
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;

    fn image_of(pe: &TestPe) -> Image<'_> {
        Image::parse(&pe.bytes, &PeLimits::default(), &mut Vec::new())
    }

    fn imports(
        pe: &TestPe,
        limits: &PeLimits,
    ) -> (Vec<ImportDescriptor>, Vec<Anomaly>) {
        let image = image_of(pe);
        let mut anomalies = Vec::new();
        let mut budget = limits.max_import_symbols;
        let found = parse_imports(&image, limits, &mut budget, &mut anomalies);
        (found, anomalies)
    }

    /// Writes a descriptor at `rva` naming `dll` with a lookup table at
    /// `table` of the given thunk values.
    fn descriptor(
        pe: &mut TestPe,
        rva: u32,
        name: u32,
        table: u32,
        thunks: &[u64],
    ) {
        pe.put_rva_u32(rva, table);
        pe.put_rva_u32(rva + 12, name);
        pe.put_rva_u32(rva + 16, table);
        let width = if pe.plus { 8 } else { 4 };
        for (i, &thunk) in thunks.iter().enumerate() {
            let at = TestPe::at(table) + i * width;
            if pe.plus {
                pe.put_u64(at, thunk);
            } else {
                pe.put_u32(at, thunk as u32);
            }
        }
    }

    #[test]
    fn names_and_ordinals_both_widths() {
        for plus in [false, true] {
            let mut pe = TestPe::new(plus);
            pe.dir(dir::IMPORT, 0x1000, 40);
            pe.put_rva(0x1100, b"KERNEL32.dll\0");
            pe.put_rva(0x1200, b"\x07\x00Sleep\0");
            let flag = if plus { 1u64 << 63 } else { 1 << 31 };
            descriptor(&mut pe, 0x1000, 0x1100, 0x1300, &[0x1200, flag | 23]);
            let (found, anomalies) = imports(&pe, &PeLimits::default());
            assert!(anomalies.is_empty(), "{anomalies:?}");
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].dll, b"KERNEL32.dll");
            let symbols = &found[0].symbols;
            assert_eq!(symbols.len(), 2);
            assert_eq!(symbols[0].name.as_deref(), Some(&b"Sleep"[..]));
            assert_eq!(symbols[0].hint, Some(7));
            assert_eq!(symbols[0].ordinal, None);
            assert_eq!(symbols[1].ordinal, Some(23));
            assert_eq!(
                symbols[1].thunk_rva,
                0x1300 + if plus { 8 } else { 4 }
            );
        }
    }

    #[test]
    fn address_table_used_without_lookup_table() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::IMPORT, 0x1000, 40);
        pe.put_rva(0x1100, b"a.dll\0");
        pe.put_rva(0x1200, b"\0\0f\0");
        descriptor(&mut pe, 0x1000, 0x1100, 0x1300, &[0x1200]);
        pe.put_rva_u32(0x1000, 0xDEAD_0000);
        let (found, _) = imports(&pe, &PeLimits::default());
        assert_eq!(found[0].symbols.len(), 1);
    }

    #[test]
    fn unterminated_tables_are_cut_at_section_end() {
        let mut pe = TestPe::new(false);
        // Descriptors fill the section to its end with no zero entry.
        pe.dir(dir::IMPORT, 0x1F00, 40);
        pe.put_rva(0x1100, b"a.dll\0");
        for i in 0..12 {
            descriptor(&mut pe, 0x1F00 + 20 * i, 0x1100, 0x1FF8, &[]);
        }
        pe.put_rva_u32(0x1FF8, 0x1100);
        pe.put_rva_u32(0x1FFC, 0x1100);
        let (found, anomalies) = imports(&pe, &PeLimits::default());
        assert_eq!(found.len(), 12);
        let codes: Vec<_> = anomalies.iter().map(|a| a.code).collect();
        assert!(codes.contains(&"import_directory_truncated"), "{codes:?}");
        assert!(codes.contains(&"import_thunks_truncated"), "{codes:?}");
    }

    #[test]
    fn shared_thunks_stop_at_symbol_budget() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::IMPORT, 0x1000, 40);
        pe.put_rva(0x1E00, b"a.dll\0");
        pe.put_rva(0x1E10, b"\0\0f\0");
        let thunks = vec![0x1E10; 100];
        // Every descriptor points at the same hundred thunks.
        for i in 0..60 {
            descriptor(&mut pe, 0x1000 + 20 * i, 0x1E00, 0x1600, &[]);
        }
        descriptor(&mut pe, 0x1000, 0x1E00, 0x1600, &thunks);
        let limits =
            PeLimits { max_import_symbols: 250, ..PeLimits::default() };
        let (found, anomalies) = imports(&pe, &limits);
        let total: usize = found.iter().map(|d| d.symbols.len()).sum();
        assert_eq!(found.len(), 60);
        assert_eq!(total, 250);
        assert!(anomalies
            .iter()
            .any(|a| a.code == "import_symbols_limit_reached"));
        let limits =
            PeLimits { max_import_descriptors: 5, ..PeLimits::default() };
        let (found, anomalies) = imports(&pe, &limits);
        assert_eq!(found.len(), 5);
        assert_eq!(anomalies[0].code, "import_descriptors_limit_reached");
    }

    #[test]
    fn unreadable_names_are_counted_not_kept() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::IMPORT, 0x1000, 40);
        descriptor(&mut pe, 0x1000, 0x9000, 0x1300, &[0x7000_0000, 0x1200]);
        pe.put_rva(0x1200, b"\0\0ok\0");
        let (found, anomalies) = imports(&pe, &PeLimits::default());
        assert_eq!(found[0].dll, b"");
        assert_eq!(found[0].symbols.len(), 1);
        assert_eq!(anomalies[0].code, "import_names_unreadable");
    }

    #[test]
    fn unmapped_import_directory_is_anomaly() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::IMPORT, 0x8000, 40);
        let (found, anomalies) = imports(&pe, &PeLimits::default());
        assert!(found.is_empty());
        assert_eq!(anomalies[0].code, "import_directory_unmapped");
    }

    #[test]
    fn delay_imports_rva_and_va_based() {
        for (attributes, base) in [(1u32, 0u32), (0, 0x40_0000)] {
            let mut pe = TestPe::new(false);
            pe.dir(dir::DELAY_IMPORT, 0x1000, 64);
            pe.put_rva_u32(0x1000, attributes);
            pe.put_rva_u32(0x1004, base + 0x1100);
            pe.put_rva_u32(0x100C, base + 0x1400);
            pe.put_rva_u32(0x1010, base + 0x1300);
            pe.put_rva(0x1100, b"USER32.dll\0");
            pe.put_rva(0x1200, b"\0\0MessageBoxA\0");
            pe.put_rva_u32(0x1300, base + 0x1200);
            let image = image_of(&pe);
            let mut anomalies = Vec::new();
            let mut budget = 100;
            let found = parse_delay_imports(
                &image,
                &PeLimits::default(),
                &mut budget,
                &mut anomalies,
            );
            assert!(anomalies.is_empty(), "{anomalies:?}");
            assert_eq!(found[0].dll, b"USER32.dll");
            let name = found[0].symbols[0].name.as_deref();
            assert_eq!(
                name,
                Some(&b"MessageBoxA"[..]),
                "attributes {attributes}"
            );
        }
    }

    #[test]
    fn bound_imports_skip_forwarder_refs() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::BOUND_IMPORT, 0x1000, 0x40);
        // One descriptor with one forwarder reference, then another.
        pe.put_rva_u32(0x1000, 0x1111);
        pe.put(TestPe::at(0x1004), &[0x20, 0, 1, 0]);
        pe.put_rva_u32(0x1008, 0x2222);
        pe.put(TestPe::at(0x100C), &[0x2B, 0, 0, 0]);
        pe.put_rva_u32(0x1010, 0x3333);
        pe.put(TestPe::at(0x1014), &[0x2B, 0, 0, 0]);
        pe.put_rva(0x1020, b"MSVCRT.dll\0ntdll.dll\0");
        let image = image_of(&pe);
        let mut anomalies = Vec::new();
        let found =
            parse_bound_imports(&image, &PeLimits::default(), &mut anomalies);
        assert!(anomalies.is_empty(), "{anomalies:?}");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].dll, b"MSVCRT.dll");
        assert_eq!(found[0].forwarder_refs, 1);
        assert_eq!(found[1].dll, b"ntdll.dll");
        assert_eq!(found[1].time_date_stamp, 0x3333);
    }
}
