//! The export directory: named exports, exports by ordinal only, and
//! forwarders.
//!
//! `NumberOfFunctions` and `NumberOfNames` are never trusted: each array
//! is read only as far as the bytes its section maps and the export
//! limit allow. Symbols come in the order pefile lists them, which iocx
//! copies: named exports in name-table order, then the unnamed entries
//! of the address table in ordinal order.

use super::image::Image;
use super::{dir, read_cstr, read_u16, read_u32, Anomaly, PeLimits, RvaMap};

/// Size of an `IMAGE_EXPORT_DIRECTORY`.
const DIRECTORY_LEN: usize = 40;

/// The export directory and its symbols.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exports {
    /// The DLL's own name, as stored.
    pub dll: Vec<u8>,
    /// `TimeDateStamp` of the directory.
    pub time_date_stamp: u32,
    /// The ordinal of the first address table entry.
    pub ordinal_base: u32,
    /// Declared address table entries.
    pub number_of_functions: u32,
    /// Declared name table entries.
    pub number_of_names: u32,
    /// RVA of the address table.
    pub address_of_functions: u32,
    /// RVA of the name pointer table.
    pub address_of_names: u32,
    /// RVA of the name ordinal table.
    pub address_of_name_ordinals: u32,
    /// The symbols read.
    pub symbols: Vec<ExportSymbol>,
}

/// One exported symbol.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportSymbol {
    /// The name bytes, `None` for an export by ordinal only.
    pub name: Option<Vec<u8>>,
    /// The ordinal: the base plus the address table index.
    pub ordinal: u32,
    /// The address table entry, an RVA.
    pub address: u32,
    /// For an address inside the export directory, the `Dll.Symbol`
    /// string stored there.
    pub forwarder: Option<Vec<u8>>,
}

/// Reads the export directory, `None` when the image has none.
pub fn parse_exports(
    image: &Image<'_>,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Option<Exports> {
    let directory = image.directory(dir::EXPORT);
    if directory.rva == 0 {
        return None;
    }
    let Some(raw) = image.bytes_at(directory.rva, DIRECTORY_LEN) else {
        anomalies.push(Anomaly::new(
            "export_directory_unmapped",
            format!(
                "export directory at RVA {:#x} is not in the file",
                directory.rva
            ),
        ));
        return None;
    };
    let field = |at| read_u32(raw, at).unwrap_or(0);
    let mut exports = Exports {
        time_date_stamp: field(4),
        ordinal_base: field(16),
        number_of_functions: field(20),
        number_of_names: field(24),
        address_of_functions: field(28),
        address_of_names: field(32),
        address_of_name_ordinals: field(36),
        ..Exports::default()
    };
    exports.dll = read_string(image, field(12), limits).unwrap_or_default();
    let tables = Tables::read(image, &exports, limits, anomalies);
    let directory_end = directory.rva.saturating_add(directory.size);
    let forwarder = |address: u32| {
        (address >= directory.rva && address < directory_end)
            .then(|| read_string(image, address, limits).unwrap_or_default())
    };

    // The bitmap of address table entries that have a name is sized by
    // the entries read, never by a count from the file.
    let mut named = vec![false; tables.functions.len() / 4];
    let mut unreadable = 0usize;
    let names = tables.names.chunks_exact(4);
    let ordinals = tables.name_ordinals.chunks_exact(2);
    for (name_rva, index) in names.zip(ordinals) {
        let index = usize::from(read_u16(index, 0).unwrap_or(0));
        let Some(address) = entry(tables.functions, index) else {
            unreadable = unreadable.saturating_add(1);
            continue;
        };
        if let Some(flag) = named.get_mut(index) {
            *flag = true;
        }
        if address == 0 {
            continue;
        }
        let name_rva = read_u32(name_rva, 0).unwrap_or(0);
        let Some(name) = read_string(image, name_rva, limits) else {
            unreadable = unreadable.saturating_add(1);
            continue;
        };
        exports.symbols.push(ExportSymbol {
            name: Some(name),
            ordinal: exports.ordinal_base.wrapping_add(index as u32),
            address,
            forwarder: forwarder(address),
        });
    }
    if unreadable > 0 {
        anomalies.push(Anomaly::new(
            "export_names_unreadable",
            format!(
                "{unreadable} export names or name ordinals point outside \
                 the file or the address table"
            ),
        ));
    }
    let functions = tables.functions.chunks_exact(4).enumerate();
    for (index, address) in functions {
        let address = read_u32(address, 0).unwrap_or(0);
        if address == 0 || named.get(index).copied().unwrap_or(false) {
            continue;
        }
        exports.symbols.push(ExportSymbol {
            name: None,
            ordinal: exports.ordinal_base.wrapping_add(index as u32),
            address,
            forwarder: forwarder(address),
        });
    }
    Some(exports)
}

/// The three export arrays, each cut to what its section maps and the
/// export limit.
struct Tables<'a> {
    functions: &'a [u8],
    names: &'a [u8],
    name_ordinals: &'a [u8],
}

impl<'a> Tables<'a> {
    fn read(
        image: &Image<'a>,
        exports: &Exports,
        limits: &PeLimits,
        anomalies: &mut Vec<Anomaly>,
    ) -> Tables<'a> {
        let names = exports.number_of_names;
        let functions = array(
            image,
            ("address table", exports.address_of_functions),
            (exports.number_of_functions, 4),
            limits,
            anomalies,
        );
        let name_pointers = array(
            image,
            ("name pointer table", exports.address_of_names),
            (names, 4),
            limits,
            anomalies,
        );
        let name_ordinals = array(
            image,
            ("name ordinal table", exports.address_of_name_ordinals),
            (names, 2),
            limits,
            anomalies,
        );
        Tables { functions, names: name_pointers, name_ordinals }
    }
}

/// Returns the bytes of a `declared`-entry array at `rva` with entries
/// of `width` bytes, cut to the mapped bytes and the export limit.
fn array<'a>(
    image: &Image<'a>,
    (what, rva): (&str, u32),
    (declared, width): (u32, usize),
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> &'a [u8] {
    if declared == 0 {
        return &[];
    }
    let declared = usize::try_from(declared).unwrap_or(usize::MAX);
    let Some(tail) = image.mapped_tail(rva) else {
        anomalies.push(Anomaly::new(
            "export_table_unmapped",
            format!("export {what} at RVA {rva:#x} is not in the file"),
        ));
        return &[];
    };
    let to_read = declared.min(limits.max_exports);
    if to_read < declared {
        anomalies.push(Anomaly::new(
            "exports_limit_reached",
            format!(
                "export {what} declares {declared} entries; the first \
                 {to_read} are read (raise --max-pe-entries)"
            ),
        ));
    }
    let available = tail.len().checked_div(width).unwrap_or(0);
    if available < to_read {
        anomalies.push(Anomaly::new(
            "export_table_truncated",
            format!(
                "export {what} at RVA {rva:#x} declares {declared} entries; \
                 {available} fit in its section"
            ),
        ));
    }
    let len = to_read.min(available).saturating_mul(width);
    tail.get(..len).unwrap_or_default()
}

/// Reads entry `index` of the address table.
fn entry(functions: &[u8], index: usize) -> Option<u32> {
    read_u32(functions, index.checked_mul(4)?)
}

/// Reads a NUL-terminated string at `rva`.
fn read_string(
    image: &Image<'_>,
    rva: u32,
    limits: &PeLimits,
) -> Option<Vec<u8>> {
    let offset = image.offset_of(rva)?;
    read_cstr(image.data(), offset, limits.max_name_len).map(<[u8]>::to_vec)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;

    /// An export directory at 0x1000 (size 0x200) of `functions`
    /// addresses and named entries `(name rva, index)`.
    fn with_exports(functions: &[u32], names: &[(u32, u16)]) -> TestPe {
        let mut pe = TestPe::new(false);
        pe.dir(dir::EXPORT, 0x1000, 0x200);
        pe.put_rva_u32(0x100C, 0x1180);
        pe.put_rva_u32(0x1010, 5);
        pe.put_rva_u32(0x1014, functions.len() as u32);
        pe.put_rva_u32(0x1018, names.len() as u32);
        pe.put_rva_u32(0x101C, 0x1040);
        pe.put_rva_u32(0x1020, 0x1080);
        pe.put_rva_u32(0x1024, 0x10C0);
        for (i, &address) in functions.iter().enumerate() {
            pe.put_rva_u32(0x1040 + 4 * i as u32, address);
        }
        for (i, &(name, index)) in names.iter().enumerate() {
            pe.put_rva_u32(0x1080 + 4 * i as u32, name);
            pe.put(TestPe::at(0x10C0) + 2 * i, &index.to_le_bytes());
        }
        pe.put_rva(0x1180, b"demo.dll\0");
        pe.put_rva(0x1190, b"Alpha\0Beta\0");
        pe.put_rva(0x11A0, b"NTDLL.RtlFree\0");
        pe
    }

    fn parse(
        pe: &TestPe,
        limits: &PeLimits,
    ) -> (Option<Exports>, Vec<Anomaly>) {
        let image = Image::parse(&pe.bytes, limits, &mut Vec::new());
        let mut anomalies = Vec::new();
        (parse_exports(&image, limits, &mut anomalies), anomalies)
    }

    #[test]
    fn named_then_ordinal_only_with_forwarder() {
        let pe = with_exports(
            &[0x1500, 0, 0x11A0, 0x1600],
            &[(0x1196, 2), (0x1190, 0)],
        );
        let (exports, anomalies) = parse(&pe, &PeLimits::default());
        assert!(anomalies.is_empty(), "{anomalies:?}");
        let exports = exports.unwrap();
        assert_eq!(exports.dll, b"demo.dll");
        let got: Vec<_> = exports
            .symbols
            .iter()
            .map(|s| {
                (s.name.clone(), s.ordinal, s.address, s.forwarder.clone())
            })
            .collect();
        let expected = vec![
            (
                Some(b"Beta".to_vec()),
                7,
                0x11A0,
                Some(b"NTDLL.RtlFree".to_vec()),
            ),
            (Some(b"Alpha".to_vec()), 5, 0x1500, None),
            (None, 8, 0x1600, None),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn huge_counts_bounded_by_section() {
        let mut pe = with_exports(&[0x1500], &[(0x1190, 0)]);
        pe.put_rva_u32(0x1014, u32::MAX);
        pe.put_rva_u32(0x1018, u32::MAX);
        let (exports, anomalies) = parse(&pe, &PeLimits::default());
        let exports = exports.unwrap();
        // The address table runs to the end of the section: 0x3F0 slots.
        assert!(exports.symbols.len() <= 0x3F0);
        let codes: Vec<_> = anomalies.iter().map(|a| a.code).collect();
        assert!(codes.contains(&"export_table_truncated"), "{codes:?}");
        let limits = PeLimits { max_exports: 4, ..PeLimits::default() };
        let (exports, anomalies) = parse(&pe, &limits);
        assert!(exports.unwrap().symbols.len() <= 4);
        assert!(anomalies.iter().any(|a| a.code == "exports_limit_reached"));
    }

    #[test]
    fn name_ordinal_past_table_is_counted() {
        let pe = with_exports(&[0x1500], &[(0x1190, 9)]);
        let (exports, anomalies) = parse(&pe, &PeLimits::default());
        let exports = exports.unwrap();
        assert_eq!(exports.symbols.len(), 1);
        assert_eq!(exports.symbols[0].name, None);
        assert_eq!(anomalies[0].code, "export_names_unreadable");
    }

    #[test]
    fn unmapped_directory_yields_none() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::EXPORT, 0x7000, 40);
        let (exports, anomalies) = parse(&pe, &PeLimits::default());
        assert_eq!(exports, None);
        assert_eq!(anomalies[0].code, "export_directory_unmapped");
    }
}
