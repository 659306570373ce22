//! A minimal PE32 image with one section, for tests that place one
//! structure at a known file offset.

// Each test binary uses a different part of the builder.
#![allow(dead_code)]

/// File offset of the optional header.
pub const OPTIONAL_HEADER: usize = 0x98;

/// A PE32 image under construction: DOS and file headers, a 224-byte
/// optional header with 16 data directories, and one section table entry.
pub struct Pe32 {
    data: Vec<u8>,
}

impl Pe32 {
    /// Creates an image of `file_size` bytes whose one section, `name`,
    /// maps `raw_size` bytes at file offset `raw_offset` to `rva`. The
    /// headers end at `raw_offset`.
    pub fn one_section(
        file_size: usize,
        name: &[u8; 8],
        rva: u32,
        raw_offset: u32,
        raw_size: u32,
    ) -> Pe32 {
        let mut image = Pe32 { data: vec![0u8; file_size] };
        image.put(0, b"MZ");
        image.put(0x3C, &0x80u32.to_le_bytes());
        image.put(0x80, b"PE\0\0");
        image.put(0x84, &0x14Cu16.to_le_bytes());
        image.put(0x86, &1u16.to_le_bytes());
        image.put(0x94, &224u16.to_le_bytes());
        let opt = OPTIONAL_HEADER;
        image.put(opt, &0x10Bu16.to_le_bytes());
        image.put(opt + 28, &0x40_0000u32.to_le_bytes());
        image.put(opt + 32, &0x1000u32.to_le_bytes());
        image.put(opt + 36, &0x200u32.to_le_bytes());
        image.put(opt + 56, &(rva + 0x1000).to_le_bytes());
        image.put(opt + 60, &raw_offset.to_le_bytes());
        image.put(opt + 92, &16u32.to_le_bytes());
        let section = opt + 224;
        image.put(section, name);
        for (at, value) in
            [(8, raw_size), (12, rva), (16, raw_size), (20, raw_offset)]
        {
            image.put(section + at, &value.to_le_bytes());
        }
        // Initialised, readable data.
        image.put(section + 36, &0x4000_0040u32.to_le_bytes());
        image
    }

    /// Sets data directory `index` to `rva` and `size`.
    pub fn data_dir(&mut self, index: usize, rva: u32, size: u32) {
        let at = OPTIONAL_HEADER + 96 + index * 8;
        self.put(at, &rva.to_le_bytes());
        self.put(at + 4, &size.to_le_bytes());
    }

    /// Writes `bytes` at file offset `at`.
    pub fn put(&mut self, at: usize, bytes: &[u8]) {
        self.data[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Returns the file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }
}
