//! Content sniffing: what kind of input a byte slice is.
//!
//! Only content counts, never a file name. Executables and archives are
//! recognised by their magic numbers at fixed offsets, never by a magic
//! string found elsewhere, and everything else is text or binary as
//! [`detect_encoding`] decides.

use crate::text::{detect_encoding, Encoding};

/// Offset of `e_lfanew`, the PE header's file offset, in the DOS header.
const E_LFANEW_OFFSET: usize = 0x3C;

/// Size of a tar header block.
const TAR_HEADER_LEN: usize = 512;

/// Offset of the `ustar` magic in a POSIX or GNU tar header.
const TAR_MAGIC_OFFSET: usize = 257;

/// Position of the header checksum: octal digits ended by NUL or space.
const TAR_CHECKSUM: std::ops::Range<usize> = 148..156;

/// Maximum number of architectures in a fat Mach-O header. Java class
/// files start with the same CAFEBABE magic followed by their version,
/// whose major number is at least 45, so a small count distinguishes the
/// two. Real universal binaries list a handful.
const MAX_FAT_ARCHES: u32 = 20;

/// Size of one `fat_arch` entry, and of one `fat_arch_64` entry.
const FAT_ARCH_LEN: usize = 20;
const FAT_ARCH_64_LEN: usize = 32;

/// Size of the fat header before its arch entries.
const FAT_HEADER_LEN: usize = 8;

const ELF_MAGIC: &[u8] = b"\x7FELF";
const GZIP_MAGIC: &[u8] = b"\x1F\x8B\x08";
const SEVEN_ZIP_MAGIC: &[u8] = b"7z\xBC\xAF\x27\x1C";
const ZIP_LOCAL_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";
const XZ_MAGIC: &[u8] = b"\xFD7zXZ\0";

/// A bzip2 stream: `BZh`, the block size digit, then the magic of the
/// first block or, for an empty stream, of the end of stream.
const BZIP2_MAGIC: &[u8] = b"BZh";
const BZIP2_BLOCK_MAGIC: &[u8] = b"\x31\x41\x59\x26\x53\x59";
const BZIP2_END_MAGIC: &[u8] = b"\x17\x72\x45\x38\x50\x90";

/// Mach-O thin magics: 32 and 64 bit, in both byte orders.
const MACHO_MAGICS: [[u8; 4]; 4] = [
    [0xFE, 0xED, 0xFA, 0xCE],
    [0xCE, 0xFA, 0xED, 0xFE],
    [0xFE, 0xED, 0xFA, 0xCF],
    [0xCF, 0xFA, 0xED, 0xFE],
];

/// The kind of an input, decided from its content alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A Windows PE image (MZ header whose `e_lfanew` points at `PE\0\0`).
    Pe,
    /// An ELF object.
    Elf,
    /// A Mach-O object, thin or fat.
    MachO,
    /// A zip archive.
    Zip,
    /// A gzip stream.
    Gzip,
    /// A POSIX tar archive.
    Tar,
    /// A bzip2 stream.
    Bzip2,
    /// An xz stream.
    Xz,
    /// A 7-Zip archive.
    SevenZip,
    /// Text in the given encoding.
    Text(Encoding),
    /// Anything else.
    Binary,
}

impl FileKind {
    /// Returns the report's `type` value for this kind.
    pub fn report_type(self) -> &'static str {
        match self {
            FileKind::Pe => "PE",
            FileKind::Elf => "ELF",
            FileKind::MachO => "Mach-O",
            FileKind::Zip
            | FileKind::Gzip
            | FileKind::Tar
            | FileKind::Bzip2
            | FileKind::Xz
            | FileKind::SevenZip => "archive",
            FileKind::Text(_) => "text",
            FileKind::Binary => "unknown",
        }
    }
}

/// Decides what `bytes` is.
///
/// An input starting with `MZ` is a PE image when `e_lfanew` points at a
/// `PE\0\0` signature anywhere inside the input, and binary otherwise.
/// Reads at most a fixed number of bytes besides the PE signature, so the
/// cost does not grow with the input.
pub fn sniff(bytes: &[u8]) -> FileKind {
    if bytes.starts_with(b"MZ") {
        return if has_pe_signature(bytes) {
            FileKind::Pe
        } else {
            FileKind::Binary
        };
    }
    if let Some(kind) = sniff_magic(bytes) {
        return kind;
    }
    match detect_encoding(bytes) {
        Some(encoding) => FileKind::Text(encoding),
        None => FileKind::Binary,
    }
}

/// Returns the kind announced by a magic number other than `MZ`.
fn sniff_magic(bytes: &[u8]) -> Option<FileKind> {
    let prefixes = [
        (ELF_MAGIC, FileKind::Elf),
        (ZIP_LOCAL_MAGIC, FileKind::Zip),
        (ZIP_EMPTY_MAGIC, FileKind::Zip),
        (GZIP_MAGIC, FileKind::Gzip),
        (SEVEN_ZIP_MAGIC, FileKind::SevenZip),
        (XZ_MAGIC, FileKind::Xz),
    ];
    let by_prefix = prefixes
        .into_iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| kind);

    by_prefix
        .or_else(|| is_macho(bytes).then_some(FileKind::MachO))
        .or_else(|| is_tar(bytes).then_some(FileKind::Tar))
        .or_else(|| is_bzip2(bytes).then_some(FileKind::Bzip2))
}

/// Reports whether `bytes` starts a bzip2 stream. The block magic after
/// the header keeps text that starts with "BZh1" text.
fn is_bzip2(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(BZIP2_MAGIC) else {
        return false;
    };
    match rest.split_first() {
        Some((b'1'..=b'9', magic)) => {
            magic.starts_with(BZIP2_BLOCK_MAGIC)
                || magic.starts_with(BZIP2_END_MAGIC)
        }
        _ => false,
    }
}

/// Reports whether the DOS header's `e_lfanew` points at `PE\0\0` inside
/// `bytes`.
fn has_pe_signature(bytes: &[u8]) -> bool {
    let Some(e_lfanew) = read_u32(bytes, E_LFANEW_OFFSET, u32::from_le_bytes)
    else {
        return false;
    };
    let Ok(start) = usize::try_from(e_lfanew) else {
        return false;
    };
    let signature = start.checked_add(4).and_then(|end| bytes.get(start..end));
    signature == Some(b"PE\0\0")
}

/// Reports whether `bytes` starts with a thin Mach-O magic, or with a fat
/// header whose arch count is plausible and whose arch table fits.
fn is_macho(bytes: &[u8]) -> bool {
    let Some(magic) = bytes.first_chunk::<4>() else {
        return false;
    };
    if MACHO_MAGICS.contains(magic) {
        return true;
    }

    let (read, entry_len): (fn([u8; 4]) -> u32, usize) = match magic {
        [0xCA, 0xFE, 0xBA, 0xBE] => (u32::from_be_bytes, FAT_ARCH_LEN),
        [0xCA, 0xFE, 0xBA, 0xBF] => (u32::from_be_bytes, FAT_ARCH_64_LEN),
        [0xBE, 0xBA, 0xFE, 0xCA] => (u32::from_le_bytes, FAT_ARCH_LEN),
        [0xBF, 0xBA, 0xFE, 0xCA] => (u32::from_le_bytes, FAT_ARCH_64_LEN),
        _ => return false,
    };
    let Some(count) = read_u32(bytes, 4, read) else {
        return false;
    };
    if count == 0 || count > MAX_FAT_ARCHES {
        return false;
    }
    let table_end = usize::try_from(count)
        .ok()
        .and_then(|count| count.checked_mul(entry_len))
        .and_then(|table_len| table_len.checked_add(FAT_HEADER_LEN));
    table_end.is_some_and(|end| bytes.len() >= end)
}

/// Reports whether `bytes` starts with a tar header: the `ustar` magic
/// at its offset and a checksum that matches, so that text which happens
/// to have "ustar" at offset 257 stays text.
fn is_tar(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(..TAR_HEADER_LEN) else {
        return false;
    };
    let magic_end = TAR_MAGIC_OFFSET + 5;
    header.get(TAR_MAGIC_OFFSET..magic_end) == Some(b"ustar")
        && tar_checksum_matches(header)
}

/// Reports whether the header's stored checksum equals the sum of its
/// bytes with the checksum field read as spaces. Some old writers summed
/// signed bytes, so that sum is accepted too.
fn tar_checksum_matches(header: &[u8]) -> bool {
    let Some(stored) = header.get(TAR_CHECKSUM).and_then(parse_octal) else {
        return false;
    };
    let mut unsigned: i64 = 0;
    let mut signed: i64 = 0;
    for (index, &byte) in header.iter().enumerate() {
        let byte = if TAR_CHECKSUM.contains(&index) { b' ' } else { byte };
        // A header is 512 bytes, so neither sum comes near saturating.
        unsigned = unsigned.saturating_add(i64::from(byte));
        signed = signed.saturating_add(i64::from(i8::from_ne_bytes([byte])));
    }
    stored == unsigned || stored == signed
}

/// Parses a tar numeric field: optional leading spaces or NULs, octal
/// digits, then NULs or spaces to the end.
fn parse_octal(field: &[u8]) -> Option<i64> {
    let digits_start = field.iter().position(|&b| b != b' ' && b != 0)?;
    let digits = field.get(digits_start..)?;
    let digits_len = digits
        .iter()
        .position(|b| !(b'0'..=b'7').contains(b))
        .unwrap_or(digits.len());
    let (number, rest) = digits.split_at(digits_len);
    if number.is_empty() || rest.iter().any(|&b| b != b' ' && b != 0) {
        return None;
    }
    // The checksum field has at most 8 digits, so the value stays below
    // 2^24. The checked steps reject a longer field instead of wrapping.
    number.iter().try_fold(0i64, |value, &digit| {
        let digit = i64::from(digit.checked_sub(b'0')?);
        value.checked_mul(8)?.checked_add(digit)
    })
}

fn read_u32(
    bytes: &[u8],
    offset: usize,
    read: fn([u8; 4]) -> u32,
) -> Option<u32> {
    let field = bytes.get(offset..offset.checked_add(4)?)?;
    let array: [u8; 4] = field.try_into().ok()?;
    Some(read(array))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Builds an MZ header whose `e_lfanew` is `e_lfanew`, padded to `len`
    /// bytes of NULs, with `PE\0\0` written at `signature_at` if set.
    fn mz(e_lfanew: u32, len: usize, signature_at: Option<usize>) -> Vec<u8> {
        let mut bytes = vec![0u8; len.max(0x40)];
        bytes[..2].copy_from_slice(b"MZ");
        bytes[0x3C..0x40].copy_from_slice(&e_lfanew.to_le_bytes());
        if let Some(at) = signature_at {
            bytes[at..at + 4].copy_from_slice(b"PE\0\0");
        }
        bytes
    }

    fn tar_header(magic: &[u8]) -> Vec<u8> {
        let mut bytes = b"payload.bin".to_vec();
        bytes.resize(512, 0);
        bytes[257..257 + magic.len()].copy_from_slice(magic);
        bytes[148..156].fill(b' ');
        let sum: u32 = bytes.iter().map(|&b| u32::from(b)).sum();
        let field = format!("{sum:06o}\0 ");
        bytes[148..156].copy_from_slice(field.as_bytes());
        bytes
    }

    fn fat_header(magic: [u8; 4], count: u32, len: usize) -> Vec<u8> {
        let mut bytes = magic.to_vec();
        bytes.extend(count.to_be_bytes());
        bytes.resize(len, 0);
        bytes
    }

    #[test]
    fn pe_with_small_e_lfanew() {
        assert_eq!(sniff(&mz(0x80, 0x200, Some(0x80))), FileKind::Pe);
    }

    #[test]
    fn pe_with_e_lfanew_beyond_4k() {
        let bytes = mz(0x2_0000, 0x2_1000, Some(0x2_0000));
        assert_eq!(sniff(&bytes), FileKind::Pe);
    }

    #[test]
    fn mz_without_pe_is_binary() {
        let cases = [
            ("no signature", mz(0x80, 0x200, None)),
            ("e_lfanew past end", mz(0x1000, 0x200, Some(0x80))),
            ("signature cut at end", mz(0x1FE, 0x200, None)),
            ("e_lfanew near u32 max", mz(u32::MAX - 1, 0x200, None)),
            ("header too short", b"MZ\x90\0".to_vec()),
        ];
        for (name, bytes) in cases {
            assert_eq!(sniff(&bytes), FileKind::Binary, "{name}");
        }
    }

    #[test]
    fn magic_number_table() {
        let cases: Vec<(&str, Vec<u8>, FileKind)> = vec![
            ("elf", b"\x7FELF\x02\x01\x01\0".to_vec(), FileKind::Elf),
            ("macho 32 be", b"\xFE\xED\xFA\xCE\0\0".to_vec(), FileKind::MachO),
            ("macho 64 le", b"\xCF\xFA\xED\xFE\0\0".to_vec(), FileKind::MachO),
            (
                "fat 2 arches",
                fat_header([0xCA, 0xFE, 0xBA, 0xBE], 2, 48),
                FileKind::MachO,
            ),
            (
                "fat64 1 arch",
                fat_header([0xCA, 0xFE, 0xBA, 0xBF], 1, 40),
                FileKind::MachO,
            ),
            ("zip", b"PK\x03\x04\x14\0\0\0".to_vec(), FileKind::Zip),
            ("empty zip", b"PK\x05\x06\0\0\0\0".to_vec(), FileKind::Zip),
            ("gzip", b"\x1F\x8B\x08\0\0\0\0\0".to_vec(), FileKind::Gzip),
            ("7z", b"7z\xBC\xAF\x27\x1C\0\x04".to_vec(), FileKind::SevenZip),
            ("posix tar", tar_header(b"ustar\x0000"), FileKind::Tar),
            ("gnu tar", tar_header(b"ustar  \0"), FileKind::Tar),
            ("xz", b"\xFD7zXZ\0\0\x04".to_vec(), FileKind::Xz),
            (
                "bzip2",
                b"BZh9\x31\x41\x59\x26\x53\x59".to_vec(),
                FileKind::Bzip2,
            ),
            (
                "empty bzip2",
                b"BZh9\x17\x72\x45\x38\x50\x90".to_vec(),
                FileKind::Bzip2,
            ),
            (
                "text starting BZh9",
                b"BZh9 is not a stream".to_vec(),
                FileKind::Text(Encoding::Utf8 { bom: false }),
            ),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(sniff(&bytes), expected, "{name}");
        }
    }

    #[test]
    fn java_class_is_not_macho() {
        // CAFEBABE, minor version 0, major version 52 (Java 8).
        let bytes = fat_header([0xCA, 0xFE, 0xBA, 0xBE], 52, 512);
        assert_eq!(sniff(&bytes), FileKind::Binary);
    }

    #[test]
    fn fat_header_with_short_table() {
        let bytes = fat_header([0xCA, 0xFE, 0xBA, 0xBE], 3, 40);
        assert_eq!(sniff(&bytes), FileKind::Binary);
    }

    #[test]
    fn tar_with_bad_checksum_is_binary() {
        let mut bytes = tar_header(b"ustar\x0000");
        bytes[0] ^= 1;
        assert_eq!(sniff(&bytes), FileKind::Binary);
    }

    #[test]
    fn octal_field_parsing() {
        let cases: [(&[u8], Option<i64>); 6] = [
            (b"0001234\0", Some(0o1234)),
            (b"  1234 \0", Some(0o1234)),
            (b"\0\0\0\0\0\0\0\0", None),
            (b"0001284\0", None),
            (b"12 34\0\0\0", None),
            (b"77777777", Some(0o7777_7777)),
        ];
        for (field, expected) in cases {
            assert_eq!(parse_octal(field), expected, "{field:?}");
        }
    }

    #[test]
    fn tar_magic_only_at_257() {
        let mut bytes = tar_header(b"ustar\x0000");
        bytes.insert(0, 0);
        assert_eq!(sniff(&bytes), FileKind::Binary);
    }

    #[test]
    fn text_containing_ustar_is_text() {
        let text =
            b"The ustar format is described at https://example.org/tar\n";
        assert_eq!(sniff(text), FileKind::Text(Encoding::Utf8 { bom: false }));
        let mut padded = vec![b' '; 257];
        padded.extend(b"ustar archive notes, see 10.0.0.1\n");
        padded.resize(1024, b'.');
        assert_eq!(
            sniff(&padded),
            FileKind::Text(Encoding::Utf8 { bom: false })
        );
    }

    #[test]
    fn utf16le_text_sniffed_as_text() {
        let bytes: Vec<u8> = "IOC: evil.example.com"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            sniff(&bytes),
            FileKind::Text(Encoding::Utf16Le { bom: false })
        );
    }

    #[test]
    fn empty_input_is_text() {
        assert_eq!(sniff(b""), FileKind::Text(Encoding::Utf8 { bom: false }));
    }

    #[test]
    fn report_types() {
        assert_eq!(FileKind::Pe.report_type(), "PE");
        assert_eq!(FileKind::Tar.report_type(), "archive");
        assert_eq!(FileKind::Binary.report_type(), "unknown");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(
                bytes in proptest::collection::vec(any::<u8>(), 0..1024),
            ) {
                let _ = sniff(&bytes);
            }

            #[test]
            fn mz_prefix_never_panics(
                tail in proptest::collection::vec(any::<u8>(), 0..300),
            ) {
                let mut bytes = b"MZ".to_vec();
                bytes.extend(tail);
                let kind = sniff(&bytes);
                prop_assert!(kind == FileKind::Pe || kind == FileKind::Binary);
            }
        }
    }
}
