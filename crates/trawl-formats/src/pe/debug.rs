//! The debug directory and its CodeView records (PDB path, GUID, age).

use super::image::{to_usize, Image};
use super::{dir, read_cstr, read_u16, read_u32, Anomaly, PeLimits, RvaMap};

/// Size of an `IMAGE_DEBUG_DIRECTORY` entry.
const ENTRY_LEN: usize = 28;

/// `IMAGE_DEBUG_TYPE_CODEVIEW`.
pub const TYPE_CODEVIEW: u32 = 2;

/// One debug directory entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugEntry {
    /// `IMAGE_DEBUG_TYPE_*` value.
    pub kind: u32,
    /// Time stamp of the debug data.
    pub time_date_stamp: u32,
    /// Size of the debug data.
    pub size_of_data: u32,
    /// RVA of the debug data when it is mapped, else 0.
    pub address_of_raw_data: u32,
    /// File offset of the debug data.
    pub pointer_to_raw_data: u32,
    /// The CodeView record, for a CodeView entry that could be read.
    pub codeview: Option<CodeView>,
}

/// A CodeView record: which PDB contains the image's symbols.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeView {
    /// `RSDS` (PDB 7.0) or `NB10` (PDB 2.0).
    pub signature: [u8; 4],
    /// The PDB GUID as `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, upper
    /// case; for `NB10`, the 32-bit signature as 8 hex digits.
    pub guid: String,
    /// The PDB age.
    pub age: u32,
    /// The PDB path bytes, as stored.
    pub pdb_path: Vec<u8>,
    /// File offset of the PDB path.
    pub pdb_path_offset: usize,
}

/// Reads the debug directory entries and their CodeView records.
pub fn parse_debug(
    image: &Image<'_>,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<DebugEntry> {
    let mut entries = Vec::new();
    let directory = image.directory(dir::DEBUG);
    if directory.rva == 0 || directory.size == 0 {
        return entries;
    }
    let Some(tail) = image.mapped_tail(directory.rva) else {
        anomalies.push(Anomaly::new(
            "debug_directory_unmapped",
            format!(
                "debug directory at RVA {:#x} is not in the file",
                directory.rva
            ),
        ));
        return entries;
    };
    let declared = to_usize(directory.size) / ENTRY_LEN;
    let to_read = declared.min(limits.max_debug_entries);
    if to_read < declared {
        anomalies.push(Anomaly::new(
            "debug_entries_limit_reached",
            format!(
                "debug directory declares {declared} entries; the first \
                 {to_read} are read (raise --max-pe-entries)"
            ),
        ));
    }
    for raw in tail.chunks_exact(ENTRY_LEN).take(to_read) {
        let field = |at| read_u32(raw, at).unwrap_or(0);
        let mut entry = DebugEntry {
            time_date_stamp: field(4),
            kind: field(12),
            size_of_data: field(16),
            address_of_raw_data: field(20),
            pointer_to_raw_data: field(24),
            codeview: None,
        };
        if entry.kind == TYPE_CODEVIEW {
            entry.codeview = read_codeview(image, &entry, limits);
            if entry.codeview.is_none() {
                anomalies.push(Anomaly::new(
                    "codeview_unreadable",
                    format!(
                        "CodeView record at file offset {:#x} is missing, \
                         unknown or truncated",
                        entry.pointer_to_raw_data
                    ),
                ));
            }
        }
        entries.push(entry);
    }
    if entries.len() < to_read {
        anomalies.push(Anomaly::new(
            "debug_directory_truncated",
            format!(
                "debug directory at RVA {:#x} runs past its section after \
                 {} entries",
                directory.rva,
                entries.len()
            ),
        ));
    }
    entries
}

/// Reads the CodeView record from its file offset, or from its RVA when
/// the offset is 0.
fn read_codeview(
    image: &Image<'_>,
    entry: &DebugEntry,
    limits: &PeLimits,
) -> Option<CodeView> {
    let offset = if entry.pointer_to_raw_data != 0 {
        to_usize(entry.pointer_to_raw_data)
    } else {
        image.offset_of(entry.address_of_raw_data)?
    };
    let data = image.data();
    let record = data.get(offset..)?;
    let signature: [u8; 4] = record.get(..4)?.try_into().ok()?;
    let (guid, age, path_at) = match &signature {
        b"RSDS" => {
            (format_guid(record.get(4..20)?)?, read_u32(record, 20)?, 24)
        }
        b"NB10" => {
            let stamp = read_u32(record, 8)?;
            (format!("{stamp:08X}"), read_u32(record, 12)?, 16)
        }
        _ => return None,
    };
    let pdb_path_offset = offset.checked_add(path_at)?;
    let pdb_path = read_cstr(data, pdb_path_offset, limits.max_name_len)?;
    Some(CodeView {
        signature,
        guid,
        age,
        pdb_path: pdb_path.to_vec(),
        pdb_path_offset,
    })
}

/// Formats a 16-byte GUID: three little-endian fields, then eight bytes
/// in order.
fn format_guid(raw: &[u8]) -> Option<String> {
    let data1 = read_u32(raw, 0)?;
    let data2 = read_u16(raw, 4)?;
    let data3 = read_u16(raw, 6)?;
    let tail = raw.get(8..16)?;
    let mut guid = format!("{data1:08X}-{data2:04X}-{data3:04X}-");
    for (index, byte) in tail.iter().enumerate() {
        if index == 2 {
            guid.push('-');
        }
        guid.push_str(&format!("{byte:02X}"));
    }
    Some(guid)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;

    fn parse(
        pe: &TestPe,
        limits: &PeLimits,
    ) -> (Vec<DebugEntry>, Vec<Anomaly>) {
        let image = Image::parse(&pe.bytes, limits, &mut Vec::new());
        let mut anomalies = Vec::new();
        (parse_debug(&image, limits, &mut anomalies), anomalies)
    }

    /// One CodeView entry at 0x1000 whose record is at 0x1100.
    fn with_codeview(record: &[u8], by_offset: bool) -> TestPe {
        let mut pe = TestPe::new(false);
        pe.dir(dir::DEBUG, 0x1000, 28);
        pe.put_rva_u32(0x100C, TYPE_CODEVIEW);
        pe.put_rva_u32(0x1010, record.len() as u32);
        pe.put_rva_u32(0x1014, 0x1100);
        let pointer = if by_offset { TestPe::at(0x1100) as u32 } else { 0 };
        pe.put_rva_u32(0x1018, pointer);
        pe.put_rva(0x1100, record);
        pe
    }

    fn rsds() -> Vec<u8> {
        let mut record = b"RSDS".to_vec();
        record.extend_from_slice(&[
            0x78, 0x56, 0x34, 0x12, 0xBC, 0x9A, 0xF0, 0xDE, 1, 2, 3, 4, 5, 6,
            7, 8,
        ]);
        record.extend_from_slice(&5u32.to_le_bytes());
        record.extend_from_slice(b"C:\\build\\x.pdb\0");
        record
    }

    #[test]
    fn rsds_by_offset_or_rva() {
        for by_offset in [true, false] {
            let pe = with_codeview(&rsds(), by_offset);
            let (entries, anomalies) = parse(&pe, &PeLimits::default());
            assert!(anomalies.is_empty(), "{anomalies:?}");
            let codeview = entries[0].codeview.clone().unwrap();
            assert_eq!(codeview.guid, "12345678-9ABC-DEF0-0102-030405060708");
            assert_eq!(codeview.age, 5);
            assert_eq!(codeview.pdb_path, b"C:\\build\\x.pdb");
            assert_eq!(codeview.pdb_path_offset, TestPe::at(0x1100) + 24);
        }
    }

    #[test]
    fn nb10_record() {
        let mut record = b"NB10".to_vec();
        for value in [0u32, 0x3A2B_1C0D, 2] {
            record.extend_from_slice(&value.to_le_bytes());
        }
        record.extend_from_slice(b"old.pdb\0");
        let pe = with_codeview(&record, true);
        let (entries, _) = parse(&pe, &PeLimits::default());
        let codeview = entries[0].codeview.clone().unwrap();
        assert_eq!(codeview.guid, "3A2B1C0D");
        assert_eq!(codeview.age, 2);
        assert_eq!(codeview.pdb_path, b"old.pdb");
    }

    #[test]
    fn unterminated_path_is_unreadable() {
        let mut record = rsds();
        record.pop();
        record.resize(record.len() + 2000, b'a');
        let pe = with_codeview(&record, true);
        let (entries, anomalies) = parse(&pe, &PeLimits::default());
        assert_eq!(entries[0].codeview, None);
        assert_eq!(anomalies[0].code, "codeview_unreadable");
    }

    #[test]
    fn entry_count_from_size_is_bounded() {
        let mut pe = with_codeview(&rsds(), true);
        pe.dir(dir::DEBUG, 0x1000, u32::MAX);
        let limits = PeLimits { max_debug_entries: 16, ..PeLimits::default() };
        let (entries, anomalies) = parse(&pe, &limits);
        assert_eq!(entries.len(), 16);
        assert_eq!(anomalies[0].code, "debug_entries_limit_reached");
        let (entries, anomalies) = parse(&pe, &PeLimits::default());
        // The section has room for 0x1000 / 28 entries.
        assert_eq!(entries.len(), 0x1000 / 28);
        assert!(anomalies
            .iter()
            .any(|a| a.code == "debug_directory_truncated"));
    }
}
