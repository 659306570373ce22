//! The Rich header: the linker's XOR-masked list of tool ids between the
//! DOS stub and the PE header.
//!
//! It is located as pefile 2024.8.26 locates it, so the reported bytes
//! match iocx: the first `Rich` marker between offset 0x80 and the
//! optional header, with the masked block read from 0x80. The checksum
//! the linker stored as the key is also recomputed from the DOS header
//! and the entries and compared.

use super::{read_u32, Anomaly};

/// Where the masked block starts.
const BLOCK_START: usize = 0x80;

/// `DanS`, the first decoded dword.
const DANS: u32 = 0x536E_6144;

/// `Rich`, the marker before the key.
const RICH: u32 = 0x6863_6952;

/// The bytes of `e_lfanew`, which the checksum skips.
const E_LFANEW: std::ops::Range<usize> = 0x3C..0x40;

/// The decoded Rich header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RichHeader {
    /// The XOR key as stored after the marker.
    pub key: [u8; 4],
    /// The masked bytes from offset 0x80 to the marker.
    pub raw_data: Vec<u8>,
    /// `raw_data` with the key removed; it starts with `DanS` when the
    /// header is well formed.
    pub clear_data: Vec<u8>,
    /// The key as a little-endian integer: the checksum the linker
    /// stored.
    pub checksum: u32,
    /// Decoded entries, alternating `(product id << 16) | build` and the
    /// use count.
    pub values: Vec<u32>,
    /// The checksum recomputed over the DOS header and the entries,
    /// `None` when the block does not start with `DanS` and the padding.
    pub computed_checksum: Option<u32>,
}

impl RichHeader {
    /// Whether the stored checksum matches the recomputed one.
    pub fn checksum_valid(&self) -> bool {
        self.computed_checksum == Some(self.checksum)
    }
}

/// Finds and decodes the Rich header before `optional_header_offset`.
pub fn parse_rich(
    data: &[u8],
    optional_header_offset: usize,
    anomalies: &mut Vec<Anomaly>,
) -> Option<RichHeader> {
    let search_end = optional_header_offset.min(data.len());
    let window = data.get(BLOCK_START..search_end)?;
    let marker = memchr::memmem::find(window, b"Rich")?;
    let block_end = BLOCK_START.checked_add(marker)?.checked_add(8)?;
    let block = data.get(BLOCK_START..block_end.min(data.len()))?;
    let block = block.get(..block.len() & !3)?;
    let dwords: Vec<u32> = block
        .chunks_exact(4)
        .map(|chunk| read_u32(chunk, 0).unwrap_or(0))
        .collect();
    let rich_at = dwords.iter().position(|&d| d == RICH)?;
    let checksum = *dwords.get(rich_at.checked_add(1)?)?;
    let key = checksum.to_le_bytes();
    let raw_data = block.get(..marker)?.to_vec();
    let clear_data = raw_data
        .iter()
        .zip(key.iter().cycle())
        .map(|(byte, mask)| byte ^ mask)
        .collect();
    let header_ok = dwords.first().map(|d| d ^ checksum) == Some(DANS)
        && dwords
            .get(1..4)
            .is_some_and(|pad| pad.iter().all(|&d| d == checksum));
    if !header_ok {
        anomalies.push(Anomaly::new(
            "rich_header_malformed",
            "the block before the Rich marker does not start with DanS and \
             three padding dwords",
        ));
    }
    let values = decode_values(&dwords, checksum);
    let computed_checksum =
        header_ok.then(|| compute_checksum(data, &values)).flatten();
    let rich = RichHeader {
        key,
        raw_data,
        clear_data,
        checksum,
        values,
        computed_checksum,
    };
    if header_ok && !rich.checksum_valid() {
        anomalies.push(Anomaly::new(
            "rich_checksum_mismatch",
            format!(
                "Rich header key {checksum:#010x}, recomputed {:#010x}",
                rich.computed_checksum.unwrap_or(0)
            ),
        ));
    }
    Some(rich)
}

/// Decodes the `(comp id, count)` pairs after the four header dwords, up
/// to the marker.
fn decode_values(dwords: &[u32], checksum: u32) -> Vec<u32> {
    let mut values = Vec::new();
    for pair in dwords.get(4..).unwrap_or_default().chunks_exact(2) {
        let [comp_id, count] = pair else { break };
        if *comp_id == RICH {
            break;
        }
        values.push(comp_id ^ checksum);
        values.push(count ^ checksum);
    }
    values
}

/// Recomputes the linker's checksum: the block's offset, plus each DOS
/// header byte before the block (skipping `e_lfanew`) rotated left by
/// its offset, plus each comp id rotated left by its count.
fn compute_checksum(data: &[u8], values: &[u32]) -> Option<u32> {
    let mut sum = BLOCK_START as u32;
    for (offset, &byte) in data.get(..BLOCK_START)?.iter().enumerate() {
        if E_LFANEW.contains(&offset) {
            continue;
        }
        sum = sum.wrapping_add(u32::from(byte).rotate_left(offset as u32));
    }
    for pair in values.chunks_exact(2) {
        if let [comp_id, count] = pair {
            sum = sum.wrapping_add(comp_id.rotate_left(*count));
        }
    }
    Some(sum)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Checksum of the header `file` builds, computed independently.
    const KEY: u32 = 0xF80D_C3D1;

    /// A DOS header, a Rich block with two entries masked with `key`, and
    /// the PE signature at 0xC0.
    fn file(key: u32) -> Vec<u8> {
        let mut data = vec![0u8; 0x80];
        data[..2].copy_from_slice(b"MZ");
        data[0x3C..0x40].copy_from_slice(&0xC0u32.to_le_bytes());
        let dwords = [
            DANS ^ key,
            key,
            key,
            key,
            0x00FF_7809 ^ key,
            3 ^ key,
            0x0104_7809 ^ key,
            17 ^ key,
            RICH,
            key,
        ];
        for dword in dwords {
            data.extend_from_slice(&dword.to_le_bytes());
        }
        data.resize(0xC0, 0);
        data.extend_from_slice(b"PE\0\0");
        data
    }

    #[test]
    fn decodes_entries_and_checks_checksum() {
        let data = file(KEY);
        let mut anomalies = Vec::new();
        let rich = parse_rich(&data, 0xD8, &mut anomalies).unwrap();
        assert!(anomalies.is_empty(), "{anomalies:?}");
        assert_eq!(rich.checksum, KEY);
        assert_eq!(rich.key, KEY.to_le_bytes());
        assert_eq!(rich.values, [0x00FF_7809, 3, 0x0104_7809, 17]);
        assert_eq!(rich.raw_data.len(), 32);
        assert_eq!(&rich.clear_data[..4], b"DanS");
        assert!(rich.checksum_valid());
    }

    #[test]
    fn wrong_key_is_checksum_mismatch() {
        let data = file(KEY ^ 1);
        let mut anomalies = Vec::new();
        let rich = parse_rich(&data, 0xD8, &mut anomalies).unwrap();
        assert!(!rich.checksum_valid());
        assert_eq!(anomalies[0].code, "rich_checksum_mismatch");
    }

    #[test]
    fn missing_dans_is_malformed() {
        let mut data = file(KEY);
        data[0x80] ^= 0xFF;
        let mut anomalies = Vec::new();
        let rich = parse_rich(&data, 0xD8, &mut anomalies).unwrap();
        assert_eq!(rich.computed_checksum, None);
        assert_eq!(anomalies[0].code, "rich_header_malformed");
    }

    #[test]
    fn marker_outside_window_is_absent() {
        let data = file(KEY);
        let cases = [(0xD8, true), (0xA4, true), (0xA3, false), (0, false)];
        for (end, found) in cases {
            let rich = parse_rich(&data, end, &mut Vec::new());
            assert_eq!(rich.is_some(), found, "window end {end:#x}");
        }
        assert!(parse_rich(&data[..0xA6], 0xD8, &mut Vec::new()).is_none());
    }
}
