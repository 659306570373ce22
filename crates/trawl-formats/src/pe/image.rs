//! The image headers: DOS header, file header, optional header with its
//! data directory table, and the section table, plus the RVA-to-offset
//! map the loader would build from them.
//!
//! A header cut short by the end of the file is read as if the missing
//! bytes were zero, and the cut is recorded as an anomaly, so the fields
//! that are present still reach the report.

use super::{
    read_u16, read_u32, read_u64, Anomaly, DataDir, PeLimits, RvaMap,
};

/// Offset of `e_lfanew` in the DOS header.
const E_LFANEW_OFFSET: usize = 0x3C;

/// Size of the COFF file header that follows the `PE\0\0` signature.
const FILE_HEADER_LEN: usize = 20;

/// Size of one section header.
const SECTION_HEADER_LEN: usize = 40;

/// Size of the fixed part of the PE32 and PE32+ optional headers; the
/// data directory table starts right after it.
const OPTIONAL_FIXED_PE32: usize = 96;
const OPTIONAL_FIXED_PE32_PLUS: usize = 112;

/// The `Magic` values of the optional header.
pub const MAGIC_PE32: u16 = 0x10B;
/// PE32+ (64-bit) optional header magic.
pub const MAGIC_PE32_PLUS: u16 = 0x20B;

/// Entries in a full data directory table. A larger declared count is
/// recorded, but the loader reads no more than this.
pub const MAX_DATA_DIRECTORIES: usize = 16;

/// The loader reads raw section data from a multiple of this size when
/// the file alignment is at least this large.
const RAW_SECTOR: u32 = 0x200;

/// The COFF file header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileHeader {
    /// Target CPU (`IMAGE_FILE_MACHINE_*`).
    pub machine: u16,
    /// Declared section count; the table read may be shorter.
    pub number_of_sections: u16,
    /// Link time, seconds since 1970.
    pub time_date_stamp: u32,
    /// File offset of the COFF symbol table, 0 in images.
    pub pointer_to_symbol_table: u32,
    /// COFF symbol count.
    pub number_of_symbols: u32,
    /// Size of the optional header; the section table follows it.
    pub size_of_optional_header: u16,
    /// `IMAGE_FILE_*` flags.
    pub characteristics: u16,
}

/// The optional header. Fields that are 32 bits wide in PE32 and 64 bits
/// in PE32+ are widened to `u64`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptionalHeader {
    /// `0x10B` for PE32, `0x20B` for PE32+, anything else as found.
    pub magic: u16,
    /// Linker major version.
    pub major_linker_version: u8,
    /// Linker minor version.
    pub minor_linker_version: u8,
    /// Sum of the code sections' sizes.
    pub size_of_code: u32,
    /// Sum of the initialized data sections' sizes.
    pub size_of_initialized_data: u32,
    /// Sum of the uninitialized data sections' sizes.
    pub size_of_uninitialized_data: u32,
    /// Entry point RVA, 0 when there is none.
    pub address_of_entry_point: u32,
    /// RVA of the start of the code.
    pub base_of_code: u32,
    /// RVA of the start of the data; PE32 only.
    pub base_of_data: Option<u32>,
    /// Preferred load address.
    pub image_base: u64,
    /// Alignment of sections in memory.
    pub section_alignment: u32,
    /// Alignment of raw section data in the file.
    pub file_alignment: u32,
    /// Required OS major version.
    pub major_operating_system_version: u16,
    /// Required OS minor version.
    pub minor_operating_system_version: u16,
    /// Image major version.
    pub major_image_version: u16,
    /// Image minor version.
    pub minor_image_version: u16,
    /// Subsystem major version.
    pub major_subsystem_version: u16,
    /// Subsystem minor version.
    pub minor_subsystem_version: u16,
    /// Reserved, must be 0.
    pub win32_version_value: u32,
    /// Size of the image in memory.
    pub size_of_image: u32,
    /// Size of all headers, rounded up to the file alignment.
    pub size_of_headers: u32,
    /// Image checksum.
    pub check_sum: u32,
    /// `IMAGE_SUBSYSTEM_*` value.
    pub subsystem: u16,
    /// `IMAGE_DLLCHARACTERISTICS_*` flags.
    pub dll_characteristics: u16,
    /// Stack reserve size.
    pub size_of_stack_reserve: u64,
    /// Stack commit size.
    pub size_of_stack_commit: u64,
    /// Heap reserve size.
    pub size_of_heap_reserve: u64,
    /// Heap commit size.
    pub size_of_heap_commit: u64,
    /// Reserved, must be 0.
    pub loader_flags: u32,
    /// Declared number of data directory entries.
    pub number_of_rva_and_sizes: u32,
}

impl OptionalHeader {
    /// Whether the header is PE32+, whose pointer-sized fields are 64
    /// bits wide. Any magic other than `0x20B` is read as PE32.
    pub fn is_pe32_plus(&self) -> bool {
        self.magic == MAGIC_PE32_PLUS
    }
}

/// One section header, as stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// The 8 name bytes, NUL-padded, possibly not UTF-8.
    pub name: [u8; 8],
    /// Size in memory (`Misc.VirtualSize`).
    pub virtual_size: u32,
    /// RVA of the section's start.
    pub virtual_address: u32,
    /// Size of the raw data in the file.
    pub size_of_raw_data: u32,
    /// File offset of the raw data.
    pub pointer_to_raw_data: u32,
    /// File offset of COFF relocations, 0 in images.
    pub pointer_to_relocations: u32,
    /// File offset of COFF line numbers, 0 in images.
    pub pointer_to_linenumbers: u32,
    /// COFF relocation count.
    pub number_of_relocations: u16,
    /// COFF line number count.
    pub number_of_linenumbers: u16,
    /// `IMAGE_SCN_*` flags.
    pub characteristics: u32,
    /// File offset of this section header.
    pub header_offset: usize,
}

impl Section {
    /// Returns the name bytes before the first trailing NUL.
    pub fn name_bytes(&self) -> &[u8] {
        let len = self.name.iter().rposition(|&b| b != 0).map_or(0, |i| {
            // `i` indexes an 8-byte array, so `i + 1` cannot overflow.
            i.saturating_add(1)
        });
        self.name.get(..len).unwrap_or_default()
    }

    /// Returns the name as iocx writes it: the UTF-8 decoding with
    /// invalid bytes dropped, trailing NULs stripped.
    pub fn display_name(&self) -> String {
        super::decode_lossy_dropping(&self.name)
            .trim_end_matches('\0')
            .to_string()
    }

    /// Returns the file offset the loader reads the raw data from: the
    /// pointer rounded down to 512 bytes when the file alignment is at
    /// least that.
    pub fn raw_start(&self, file_alignment: u32) -> u32 {
        if file_alignment >= RAW_SECTOR {
            self.pointer_to_raw_data & !(RAW_SECTOR.wrapping_sub(1))
        } else {
            self.pointer_to_raw_data
        }
    }

    /// Returns the size the section occupies in memory as the loader
    /// maps it: the larger of the virtual and raw sizes.
    pub fn mapped_size(&self) -> u32 {
        self.virtual_size.max(self.size_of_raw_data)
    }

    /// Whether `rva` falls in `[VA, VA + max(VS, raw))`.
    pub fn contains_rva(&self, rva: u32) -> bool {
        rva.checked_sub(self.virtual_address)
            .is_some_and(|delta| delta < self.mapped_size())
    }

    /// Returns the end of the raw data in the file, `None` when it would
    /// pass `u64::MAX` (it cannot: both terms are 32-bit).
    pub fn raw_end(&self) -> u64 {
        u64::from(self.pointer_to_raw_data)
            .saturating_add(u64::from(self.size_of_raw_data))
    }
}

/// Where the overlay (data past the last byte the image uses) lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Overlay {
    /// File offset of the first overlay byte.
    pub offset: usize,
    /// Bytes from `offset` to the end of the file.
    pub size: usize,
}

/// The headers and section table of a PE file, and the map from RVAs to
/// file offsets that they define.
#[derive(Clone, Debug, Default)]
pub struct Image<'a> {
    data: &'a [u8],
    /// File offset of the `PE\0\0` signature (`e_lfanew`).
    pub e_lfanew: u32,
    /// The file header, `None` when the signature is missing.
    pub file_header: Option<FileHeader>,
    /// File offset of the optional header.
    pub optional_header_offset: usize,
    /// The optional header, `None` when the file ends before its magic.
    pub optional_header: Option<OptionalHeader>,
    /// The data directory entries read, at most
    /// [`MAX_DATA_DIRECTORIES`] and at most the declared count.
    pub data_directories: Vec<DataDir>,
    /// The section headers read, in table order.
    pub sections: Vec<Section>,
    /// File offset just past the section table as read.
    pub section_table_end: usize,
    /// The overlay, when the file extends past the image's data.
    pub overlay: Option<Overlay>,
}

impl<'a> Image<'a> {
    /// Parses the headers and section table of `data`, recording each
    /// malformation in `anomalies`.
    pub fn parse(
        data: &'a [u8],
        limits: &PeLimits,
        anomalies: &mut Vec<Anomaly>,
    ) -> Image<'a> {
        let mut image = Image { data, ..Image::default() };
        if data.get(..2) != Some(b"MZ") {
            anomalies.push(Anomaly::new("dos_header_missing", "no MZ"));
            return image;
        }
        let Some(e_lfanew) = read_u32(data, E_LFANEW_OFFSET) else {
            anomalies.push(Anomaly::new(
                "dos_header_truncated",
                format!("file of {} bytes ends before e_lfanew", data.len()),
            ));
            return image;
        };
        image.e_lfanew = e_lfanew;
        let pe_offset = to_usize(e_lfanew);
        if data.get(pe_offset..).and_then(|rest| rest.get(..4))
            != Some(b"PE\0\0")
        {
            anomalies.push(Anomaly::new(
                "pe_signature_missing",
                format!("no PE signature at e_lfanew {e_lfanew:#x}"),
            ));
            return image;
        }
        let Some(file_offset) = pe_offset.checked_add(4) else {
            return image;
        };
        let file_header = read_file_header(data, file_offset, anomalies);
        image.file_header = Some(file_header);
        let optional_offset = file_offset.saturating_add(FILE_HEADER_LEN);
        image.optional_header_offset = optional_offset;
        image.read_optional_header(anomalies);
        let table = optional_offset
            .saturating_add(usize::from(file_header.size_of_optional_header));
        image.read_sections(table, file_header, limits, anomalies);
        image.overlay = image.find_overlay();
        image
    }

    /// Reads the optional header and its data directory table.
    fn read_optional_header(&mut self, anomalies: &mut Vec<Anomaly>) {
        let offset = self.optional_header_offset;
        let Some(magic) = read_u16(self.data, offset) else {
            anomalies.push(Anomaly::new(
                "optional_header_truncated",
                format!("file ends before the optional header at {offset:#x}"),
            ));
            return;
        };
        let fixed = if magic == MAGIC_PE32_PLUS {
            OPTIONAL_FIXED_PE32_PLUS
        } else {
            OPTIONAL_FIXED_PE32
        };
        if magic != MAGIC_PE32 && magic != MAGIC_PE32_PLUS {
            anomalies.push(Anomaly::new(
                "optional_header_magic_invalid",
                format!("magic {magic:#06x} read as PE32"),
            ));
        }
        let table_offset = offset.saturating_add(fixed);
        let table_len = MAX_DATA_DIRECTORIES.saturating_mul(8);
        let mut raw = [0u8; OPTIONAL_FIXED_PE32_PLUS + 16 * 8];
        let present = copy_padded(self.data, offset, &mut raw);
        if present < fixed {
            anomalies.push(Anomaly::new(
                "optional_header_truncated",
                format!(
                    "{present} of {fixed} optional header bytes at \
                     {offset:#x}; the rest read as zero"
                ),
            ));
        }
        let header = decode_optional_header(&raw, magic);
        let declared = to_usize(header.number_of_rva_and_sizes);
        if declared > MAX_DATA_DIRECTORIES {
            anomalies.push(Anomaly::new(
                "data_directory_count_invalid",
                format!(
                    "NumberOfRvaAndSizes {declared}; only \
                     {MAX_DATA_DIRECTORIES} are read"
                ),
            ));
        }
        let dirs = raw.get(fixed..fixed.saturating_add(table_len));
        let available = present.saturating_sub(fixed) / 8;
        let count = declared.min(MAX_DATA_DIRECTORIES).min(available);
        if count < declared.min(MAX_DATA_DIRECTORIES) {
            anomalies.push(Anomaly::new(
                "data_directories_truncated",
                format!(
                    "file ends at {:#x} after {count} data directories",
                    table_offset.saturating_add(count.saturating_mul(8))
                ),
            ));
        }
        let dirs = dirs.unwrap_or_default();
        self.data_directories = dirs
            .chunks_exact(8)
            .take(count)
            .map(|entry| DataDir {
                rva: read_u32(entry, 0).unwrap_or(0),
                size: read_u32(entry, 4).unwrap_or(0),
            })
            .collect();
        self.optional_header = Some(header);
    }

    /// Reads up to `NumberOfSections` section headers, stopping at the
    /// section limit or the end of the file.
    fn read_sections(
        &mut self,
        table: usize,
        file_header: FileHeader,
        limits: &PeLimits,
        anomalies: &mut Vec<Anomaly>,
    ) {
        let declared = usize::from(file_header.number_of_sections);
        let to_read = declared.min(limits.max_sections);
        if to_read < declared {
            anomalies.push(Anomaly::new(
                "sections_limit_reached",
                format!(
                    "{declared} sections declared; the first {to_read} \
                     are read (raise --max-pe-entries)"
                ),
            ));
        }
        let table_bytes = self.data.get(table..).unwrap_or_default();
        let mut offset = table;
        for raw in table_bytes.chunks_exact(SECTION_HEADER_LEN).take(to_read) {
            self.sections.push(decode_section(raw, offset));
            offset = offset.saturating_add(SECTION_HEADER_LEN);
        }
        if self.sections.len() < to_read {
            // The file ends inside or before the header at `offset`.
            anomalies.push(Anomaly::new(
                "section_table_truncated",
                format!(
                    "file of {} bytes ends before section header {} of \
                     {declared} at {offset:#x}",
                    self.data.len(),
                    self.sections.len().saturating_add(1)
                ),
            ));
        }
        self.section_table_end = offset.min(self.data.len());
    }

    /// Returns where the overlay starts: past the section table and the
    /// raw data of every section that has some.
    fn find_overlay(&self) -> Option<Overlay> {
        let len = self.data.len();
        let headers_end = u64::try_from(self.section_table_end).ok()?;
        let end = self
            .sections
            .iter()
            .filter(|s| s.size_of_raw_data > 0)
            .map(Section::raw_end)
            .fold(headers_end, u64::max);
        let offset = usize::try_from(end).ok()?;
        let size = len.checked_sub(offset).filter(|&size| size > 0)?;
        Some(Overlay { offset, size })
    }

    /// Returns the whole file.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Returns the image base, 0 without an optional header.
    pub fn image_base(&self) -> u64 {
        self.optional_header.map_or(0, |h| h.image_base)
    }

    /// Whether pointer-sized fields are 64 bits wide.
    pub fn is_pe32_plus(&self) -> bool {
        self.optional_header.is_some_and(|h| h.is_pe32_plus())
    }

    /// Returns data directory `index`, or an empty one when the table is
    /// shorter.
    pub fn directory(&self, index: usize) -> DataDir {
        self.data_directories.get(index).copied().unwrap_or_default()
    }

    /// Converts a virtual address to an RVA by subtracting the image
    /// base; `None` when it lies below the base or 4 GiB past it.
    pub fn va_to_rva(&self, va: u64) -> Option<u32> {
        va.checked_sub(self.image_base()).and_then(|r| u32::try_from(r).ok())
    }

    /// Returns the file bytes from `rva` to the end of the raw data of
    /// the section (or the headers) that maps it, so that an array read
    /// from there stays within what the loader maps contiguously.
    pub fn mapped_tail(&self, rva: u32) -> Option<&'a [u8]> {
        let start = self.offset_of(rva)?;
        let end = match self.sections.iter().find(|s| s.contains_rva(rva)) {
            Some(section) => {
                let file_alignment =
                    self.optional_header.map_or(0, |h| h.file_alignment);
                let raw_start = section.raw_start(file_alignment);
                let raw_len = section
                    .pointer_to_raw_data
                    .saturating_sub(raw_start)
                    .saturating_add(section.size_of_raw_data);
                let mapped = raw_len.min(section.mapped_size());
                to_usize(raw_start).saturating_add(to_usize(mapped))
            }
            None => {
                to_usize(self.optional_header.map_or(0, |h| h.size_of_headers))
            }
        };
        self.data.get(start..end.min(self.data.len()))
    }

    /// Returns the index of the first section that maps `rva`.
    pub fn section_index_of(&self, rva: u32) -> Option<usize> {
        self.sections.iter().position(|s| s.contains_rva(rva))
    }
}

impl RvaMap for Image<'_> {
    fn file(&self) -> &[u8] {
        self.data
    }

    fn offset_of(&self, rva: u32) -> Option<usize> {
        let file_alignment =
            self.optional_header.map_or(0, |h| h.file_alignment);
        if let Some(section) =
            self.sections.iter().find(|s| s.contains_rva(rva))
        {
            // Bytes past the raw data are zero-filled by the loader, so
            // they have no file offset.
            let delta = rva.checked_sub(section.virtual_address)?;
            let raw_len = section
                .pointer_to_raw_data
                .saturating_sub(section.raw_start(file_alignment))
                .saturating_add(section.size_of_raw_data);
            if delta >= raw_len {
                return None;
            }
            let offset =
                section.raw_start(file_alignment).checked_add(delta)?;
            let offset = to_usize(offset);
            return (offset < self.data.len()).then_some(offset);
        }
        let headers = self.optional_header.map_or(0, |h| h.size_of_headers);
        let offset = to_usize(rva);
        (rva < headers && offset < self.data.len()).then_some(offset)
    }
}

/// Converts a 32-bit file value to `usize`, saturating on targets where
/// `usize` is narrower.
pub(crate) fn to_usize(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// Copies the bytes of `data` from `offset` into `out`, leaving the rest
/// of `out` as it is (zero), and returns how many were present.
fn copy_padded(data: &[u8], offset: usize, out: &mut [u8]) -> usize {
    let rest = data.get(offset..).unwrap_or_default();
    let present = rest.len().min(out.len());
    if let (Some(dst), Some(src)) =
        (out.get_mut(..present), rest.get(..present))
    {
        dst.copy_from_slice(src);
    }
    present
}

/// Reads the file header at `offset`, zero-padding a truncated one.
fn read_file_header(
    data: &[u8],
    offset: usize,
    anomalies: &mut Vec<Anomaly>,
) -> FileHeader {
    let mut raw = [0u8; FILE_HEADER_LEN];
    let present = copy_padded(data, offset, &mut raw);
    if present < FILE_HEADER_LEN {
        anomalies.push(Anomaly::new(
            "file_header_truncated",
            format!(
                "{present} of {FILE_HEADER_LEN} file header bytes at \
                 {offset:#x}; the rest read as zero"
            ),
        ));
    }
    let u16_at = |at| read_u16(&raw, at).unwrap_or(0);
    let u32_at = |at| read_u32(&raw, at).unwrap_or(0);
    FileHeader {
        machine: u16_at(0),
        number_of_sections: u16_at(2),
        time_date_stamp: u32_at(4),
        pointer_to_symbol_table: u32_at(8),
        number_of_symbols: u32_at(12),
        size_of_optional_header: u16_at(16),
        characteristics: u16_at(18),
    }
}

/// Decodes the fixed part of an optional header from `raw`, which contains
/// at least the PE32+ fixed size.
fn decode_optional_header(raw: &[u8], magic: u16) -> OptionalHeader {
    let u8_at = |at: usize| raw.get(at).copied().unwrap_or(0);
    let u16_at = |at| read_u16(raw, at).unwrap_or(0);
    let u32_at = |at| read_u32(raw, at).unwrap_or(0);
    let plus = magic == MAGIC_PE32_PLUS;
    // Pointer-sized fields, and the offsets that follow them, differ
    // between PE32 and PE32+.
    let ptr_at = |pe32: usize, pe32_plus: usize| {
        if plus {
            read_u64(raw, pe32_plus).unwrap_or(0)
        } else {
            u64::from(u32_at(pe32))
        }
    };
    let tail =
        |pe32: usize, pe32_plus: usize| if plus { pe32_plus } else { pe32 };
    OptionalHeader {
        magic,
        major_linker_version: u8_at(2),
        minor_linker_version: u8_at(3),
        size_of_code: u32_at(4),
        size_of_initialized_data: u32_at(8),
        size_of_uninitialized_data: u32_at(12),
        address_of_entry_point: u32_at(16),
        base_of_code: u32_at(20),
        base_of_data: (!plus).then(|| u32_at(24)),
        image_base: ptr_at(28, 24),
        section_alignment: u32_at(32),
        file_alignment: u32_at(36),
        major_operating_system_version: u16_at(40),
        minor_operating_system_version: u16_at(42),
        major_image_version: u16_at(44),
        minor_image_version: u16_at(46),
        major_subsystem_version: u16_at(48),
        minor_subsystem_version: u16_at(50),
        win32_version_value: u32_at(52),
        size_of_image: u32_at(56),
        size_of_headers: u32_at(60),
        check_sum: u32_at(64),
        subsystem: u16_at(68),
        dll_characteristics: u16_at(70),
        size_of_stack_reserve: ptr_at(72, 72),
        size_of_stack_commit: ptr_at(76, 80),
        size_of_heap_reserve: ptr_at(80, 88),
        size_of_heap_commit: ptr_at(84, 96),
        loader_flags: u32_at(tail(88, 104)),
        number_of_rva_and_sizes: u32_at(tail(92, 108)),
    }
}

/// Decodes one 40-byte section header found at file offset `offset`.
fn decode_section(raw: &[u8], offset: usize) -> Section {
    let u16_at = |at| read_u16(raw, at).unwrap_or(0);
    let u32_at = |at| read_u32(raw, at).unwrap_or(0);
    let mut name = [0u8; 8];
    copy_padded(raw, 0, &mut name);
    Section {
        name,
        virtual_size: u32_at(8),
        virtual_address: u32_at(12),
        size_of_raw_data: u32_at(16),
        pointer_to_raw_data: u32_at(20),
        pointer_to_relocations: u32_at(24),
        pointer_to_linenumbers: u32_at(28),
        number_of_relocations: u16_at(32),
        number_of_linenumbers: u16_at(34),
        characteristics: u32_at(36),
        header_offset: offset,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::pe::testpe::{TestPe, HEADERS};

    fn parse(bytes: &[u8]) -> (Image<'_>, Vec<Anomaly>) {
        let mut anomalies = Vec::new();
        let image = Image::parse(bytes, &PeLimits::default(), &mut anomalies);
        (image, anomalies)
    }

    fn codes(anomalies: &[Anomaly]) -> Vec<&'static str> {
        anomalies.iter().map(|a| a.code).collect()
    }

    #[test]
    fn headers_of_pe32_and_pe32_plus() {
        for (plus, base) in [(false, 0x40_0000), (true, 0x1_4000_0000)] {
            let pe = TestPe::new(plus);
            let (image, anomalies) = parse(&pe.bytes);
            assert!(anomalies.is_empty(), "{anomalies:?}");
            let header = image.optional_header.unwrap();
            assert_eq!(header.is_pe32_plus(), plus);
            assert_eq!(header.image_base, base);
            assert_eq!(header.size_of_headers, HEADERS as u32);
            assert_eq!(header.number_of_rva_and_sizes, 16);
            assert_eq!(image.data_directories.len(), 16);
            assert_eq!(image.sections.len(), 1);
            assert_eq!(image.sections[0].display_name(), ".data");
        }
    }

    #[test]
    fn data_directories_at_magic_offset() {
        for plus in [false, true] {
            let mut pe = TestPe::new(plus);
            pe.dir(1, 0x1234, 0x28);
            let (image, _) = parse(&pe.bytes);
            assert_eq!(
                image.directory(1),
                DataDir { rva: 0x1234, size: 0x28 }
            );
            assert_eq!(image.directory(0), DataDir::default());
        }
    }

    #[test]
    fn declared_directory_count_bounds_table() {
        let mut pe = TestPe::new(false);
        let count_at = pe.opt() + 92;
        pe.put_u32(count_at, 2);
        let (image, anomalies) = parse(&pe.bytes);
        assert_eq!(image.data_directories.len(), 2);
        assert!(anomalies.is_empty());
        pe.put_u32(count_at, 0xFFFF_FFFF);
        let (image, anomalies) = parse(&pe.bytes);
        assert_eq!(image.data_directories.len(), 16);
        assert_eq!(codes(&anomalies), ["data_directory_count_invalid"]);
    }

    #[test]
    fn rva_map_follows_sections_and_headers() {
        let mut pe = TestPe::new(false);
        // A section whose virtual size exceeds its raw data.
        pe.section(b".bss", 0x2000, 0x800, 0x1400, 0x200, 0xC000_0080);
        let (image, _) = parse(&pe.bytes);
        let cases = [
            (0x0, Some(0x0)),
            (0x3FF, Some(0x3FF)),
            (0x400, None),
            (0x1000, Some(0x400)),
            (0x1FFF, Some(0x13FF)),
            (0x2000, Some(0x1400)),
            (0x21FF, Some(0x15FF)),
            (0x2200, None),
            (0x2800, None),
            (u32::MAX, None),
        ];
        for (rva, expected) in cases {
            assert_eq!(image.offset_of(rva), expected, "rva {rva:#x}");
        }
        assert_eq!(image.bytes_at(0x21FE, 2).map(<[u8]>::len), Some(2));
        assert_eq!(image.bytes_at(0x21FF, 2), None);
    }

    #[test]
    fn raw_pointer_rounds_down_to_sector() {
        let mut pe = TestPe::bare(false);
        pe.section(b".text", 0x1000, 0x100, 0x410, 0x100, 0x6000_0020);
        pe.put(0x400, b"sector start");
        let (image, _) = parse(&pe.bytes);
        assert_eq!(image.offset_of(0x1000), Some(0x400));
        assert_eq!(image.offset_of(0x110), Some(0x110));
        assert_eq!(image.offset_of(0x10FF), Some(0x4FF));
        assert_eq!(image.offset_of(0x1100), None);
    }

    #[test]
    fn overlay_after_last_raw_data() {
        let mut pe = TestPe::new(true);
        let (image, _) = parse(&pe.bytes);
        assert_eq!(image.overlay, None);
        let end = pe.bytes.len();
        pe.put(end, b"appended");
        let (image, _) = parse(&pe.bytes);
        assert_eq!(image.overlay, Some(Overlay { offset: end, size: 8 }));
    }

    #[test]
    fn truncated_headers_keep_what_was_read() {
        let pe = TestPe::new(true);
        let cases: &[(usize, &[&str], bool)] = &[
            (1, &["dos_header_missing"], false),
            (0x3E, &["dos_header_truncated"], false),
            (0x82, &["pe_signature_missing"], false),
            (
                0x8A,
                &[
                    "file_header_truncated",
                    "optional_header_truncated",
                    "section_table_truncated",
                ],
                true,
            ),
            (
                0xA0,
                &["optional_header_truncated", "section_table_truncated"],
                true,
            ),
            (0x190, &["section_table_truncated"], true),
        ];
        for &(len, expected, has_file_header) in cases {
            let (image, anomalies) = parse(&pe.bytes[..len]);
            assert_eq!(codes(&anomalies), expected, "length {len:#x}");
            assert_eq!(image.file_header.is_some(), has_file_header);
        }
        let (image, _) = parse(&pe.bytes[..0xB8]);
        let header = image.optional_header.unwrap();
        assert_eq!(header.magic, MAGIC_PE32_PLUS);
        assert_eq!(header.image_base, 0x1_4000_0000);
        assert_eq!(header.size_of_image, 0);
    }

    #[test]
    fn section_table_cut_names_file_end() {
        let pe = TestPe::new(false);
        let table = crate::pe::testpe::E_LFANEW + 24 + 224;
        let (_, anomalies) = parse(&pe.bytes[..table + 10]);
        assert_eq!(codes(&anomalies), ["section_table_truncated"]);
        let expected = format!(
            "file of {} bytes ends before section header 1 of 1 at {table:#x}",
            table + 10
        );
        assert_eq!(anomalies[0].detail, expected);
    }

    #[test]
    fn huge_section_count_is_bounded() {
        let mut pe = TestPe::new(false);
        pe.put_u16(crate::pe::testpe::E_LFANEW + 6, 0xFFFF);
        let (image, anomalies) = parse(&pe.bytes);
        // The table runs until the end of the file, no further.
        assert!(image.sections.len() < 0xFFFF);
        assert!(codes(&anomalies).contains(&"section_table_truncated"));
        let limits = PeLimits { max_sections: 3, ..PeLimits::default() };
        let mut anomalies = Vec::new();
        let image = Image::parse(&pe.bytes, &limits, &mut anomalies);
        assert_eq!(image.sections.len(), 3);
        assert_eq!(codes(&anomalies), ["sections_limit_reached"]);
    }

    #[test]
    fn section_names_drop_invalid_utf8() {
        let section =
            Section { name: *b".t\xFFx\0\0\0\0", ..Section::default() };
        assert_eq!(section.display_name(), ".tx");
        assert_eq!(section.name_bytes(), b".t\xFFx");
        let section =
            Section { name: *b"\0a\0\0\0\0\0\0", ..Section::default() };
        assert_eq!(section.display_name(), "\0a");
    }
}
