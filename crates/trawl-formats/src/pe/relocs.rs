//! Base relocation blocks: how many there are and how many entries each
//! contains. The entries themselves are read on demand from the file.

use super::image::{to_usize, Image};
use super::{dir, read_u16, read_u32, Anomaly, PeLimits};

/// Size of an `IMAGE_BASE_RELOCATION` block header.
const BLOCK_HEADER_LEN: usize = 8;

/// One relocation block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelocBlock {
    /// RVA of the 4 KiB page the entries patch.
    pub page_rva: u32,
    /// `SizeOfBlock`, header included.
    pub size_of_block: u32,
    /// File offset of the block header.
    pub offset: usize,
    /// Entries present in the file, at most `(SizeOfBlock - 8) / 2`.
    pub entry_count: usize,
}

impl RelocBlock {
    /// Returns the block's entries as `(type, rva)` pairs: the high
    /// nibble and the page RVA plus the low 12 bits.
    pub fn entries<'a>(
        &self,
        data: &'a [u8],
    ) -> impl Iterator<Item = (u8, u32)> + 'a {
        let page = self.page_rva;
        let start = self.offset.saturating_add(BLOCK_HEADER_LEN);
        let len = self.entry_count.saturating_mul(2);
        let bytes = data
            .get(start..)
            .and_then(|rest| rest.get(..len))
            .unwrap_or_default();
        bytes.chunks_exact(2).map(move |raw| {
            let entry = read_u16(raw, 0).unwrap_or(0);
            let kind = (entry >> 12) as u8;
            (kind, page.wrapping_add(u32::from(entry & 0x0FFF)))
        })
    }
}

/// The relocation table summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Relocations {
    /// The blocks read, in table order.
    pub blocks: Vec<RelocBlock>,
    /// Sum of the blocks' entry counts.
    pub entry_count: usize,
}

/// Reads the relocation blocks within the directory's declared size, the
/// mapped bytes and the block limit. A block smaller than its header
/// ends the walk, since the next block's position depends on it.
pub fn parse_relocations(
    image: &Image<'_>,
    limits: &PeLimits,
    anomalies: &mut Vec<Anomaly>,
) -> Option<Relocations> {
    let directory = image.directory(dir::BASERELOC);
    if directory.rva == 0 || directory.size == 0 {
        return None;
    }
    let Some(tail) = image.mapped_tail(directory.rva) else {
        anomalies.push(Anomaly::new(
            "relocations_unmapped",
            format!(
                "relocation table at RVA {:#x} is not in the file",
                directory.rva
            ),
        ));
        return None;
    };
    let declared = to_usize(directory.size);
    let table = tail.get(..declared.min(tail.len())).unwrap_or_default();
    if table.len() < declared {
        anomalies.push(Anomaly::new(
            "relocations_truncated",
            format!(
                "relocation table declares {declared} bytes; {} are in its \
                 section",
                table.len()
            ),
        ));
    }
    let base = super::RvaMap::offset_of(image, directory.rva).unwrap_or(0);
    let mut relocations = Relocations::default();
    let mut at = 0usize;
    while let Some(header) = table.get(at..at.saturating_add(BLOCK_HEADER_LEN))
    {
        if header.len() < BLOCK_HEADER_LEN {
            break;
        }
        if relocations.blocks.len() >= limits.max_reloc_blocks {
            anomalies.push(Anomaly::new(
                "relocation_blocks_limit_reached",
                format!(
                    "relocation table cut after {} blocks (raise \
                     --max-pe-entries)",
                    relocations.blocks.len()
                ),
            ));
            break;
        }
        let page_rva = read_u32(header, 0).unwrap_or(0);
        let size_of_block = read_u32(header, 4).unwrap_or(0);
        let size = to_usize(size_of_block);
        if size < BLOCK_HEADER_LEN {
            anomalies.push(Anomaly::new(
                "relocation_block_malformed",
                format!(
                    "relocation block at table offset {at:#x} has \
                     SizeOfBlock {size_of_block}"
                ),
            ));
            break;
        }
        let present = table.len().saturating_sub(at).min(size);
        let entry_count = present.saturating_sub(BLOCK_HEADER_LEN) / 2;
        relocations.blocks.push(RelocBlock {
            page_rva,
            size_of_block,
            offset: base.saturating_add(at),
            entry_count,
        });
        relocations.entry_count =
            relocations.entry_count.saturating_add(entry_count);
        at = at.saturating_add(size);
    }
    Some(relocations)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::pe::testpe::TestPe;

    fn parse(
        pe: &TestPe,
        limits: &PeLimits,
    ) -> (Option<Relocations>, Vec<Anomaly>) {
        let image = Image::parse(&pe.bytes, limits, &mut Vec::new());
        let mut anomalies = Vec::new();
        (parse_relocations(&image, limits, &mut anomalies), anomalies)
    }

    #[test]
    fn blocks_and_entries_counted() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::BASERELOC, 0x1000, 24);
        pe.put_rva_u32(0x1000, 0x2000);
        pe.put_rva_u32(0x1004, 12);
        pe.put(TestPe::at(0x1008), &[0x10, 0x30, 0x00, 0x00]);
        pe.put_rva_u32(0x100C, 0x3000);
        pe.put_rva_u32(0x1010, 12);
        pe.put(TestPe::at(0x1014), &[0xFF, 0xAF, 0x04, 0x30]);
        let (relocs, anomalies) = parse(&pe, &PeLimits::default());
        assert!(anomalies.is_empty(), "{anomalies:?}");
        let relocs = relocs.unwrap();
        assert_eq!(relocs.blocks.len(), 2);
        assert_eq!(relocs.entry_count, 4);
        let entries: Vec<_> = relocs.blocks[1].entries(&pe.bytes).collect();
        assert_eq!(entries, [(0xA, 0x3FFF), (3, 0x3004)]);
    }

    #[test]
    fn small_block_size_stops_walk() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::BASERELOC, 0x1000, 64);
        pe.put_rva_u32(0x1000, 0x2000);
        pe.put_rva_u32(0x1004, 4);
        let (relocs, anomalies) = parse(&pe, &PeLimits::default());
        assert!(relocs.unwrap().blocks.is_empty());
        assert_eq!(anomalies[0].code, "relocation_block_malformed");
    }

    #[test]
    fn block_count_bounded() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::BASERELOC, 0x1000, 0x1000);
        for i in 0..0x200 {
            pe.put_rva_u32(0x1000 + 8 * i, 0x2000);
            pe.put_rva_u32(0x1004 + 8 * i, 8);
        }
        let limits = PeLimits { max_reloc_blocks: 10, ..PeLimits::default() };
        let (relocs, anomalies) = parse(&pe, &limits);
        assert_eq!(relocs.unwrap().blocks.len(), 10);
        assert_eq!(anomalies[0].code, "relocation_blocks_limit_reached");
        pe.dir(dir::BASERELOC, 0x1000, u32::MAX);
        let (relocs, anomalies) = parse(&pe, &PeLimits::default());
        assert_eq!(relocs.unwrap().blocks.len(), 0x200);
        assert_eq!(anomalies[0].code, "relocations_truncated");
    }
}
