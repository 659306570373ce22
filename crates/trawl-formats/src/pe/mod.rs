//! Windows PE images: a bounded parser that keeps going past
//! malformations and records each one as an anomaly.
//!
//! Every structure is read through the checked helpers below, so an
//! offset, length or count taken from the file can drop a field or end a
//! table early, but never index out of bounds, wrap or allocate from an
//! untrusted count.

pub mod certs;
pub mod dotnet;
pub mod resources;
pub mod version;

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
    /// The whole file.
    fn file(&self) -> &[u8];

    /// The file offset that holds the byte at `rva`, if any section or
    /// the headers map it to bytes present in the file.
    fn offset_of(&self, rva: u32) -> Option<usize>;

    /// The `len` file bytes starting at `rva`, if all of them are in the
    /// file.
    fn bytes_at(&self, rva: u32, len: usize) -> Option<&[u8]> {
        let start = self.offset_of(rva)?;
        let end = start.checked_add(len)?;
        self.file().get(start..end)
    }

    /// The file bytes from `rva` to the end of the file, for structures
    /// whose length is only known once read.
    fn tail_at(&self, rva: u32) -> Option<&[u8]> {
        let start = self.offset_of(rva)?;
        self.file().get(start..)
    }
}

/// A malformation found while parsing: the structure stays in the report
/// as far as it could be read, and this says what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// A stable snake_case code, such as `export_names_truncated`.
    pub code: &'static str,
    /// What was found, with the offsets or values involved.
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

#[cfg(test)]
mod tests {
    use super::*;

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
