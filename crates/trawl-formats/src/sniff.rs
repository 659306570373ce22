//! Content sniffing: what kind of input a byte slice is.

use crate::text::{detect_encoding, Encoding};

/// What an input is, decided from its content alone.
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
            | FileKind::SevenZip => "archive",
            FileKind::Text(_) => "text",
            FileKind::Binary => "unknown",
        }
    }
}

/// Decides what `bytes` is.
pub fn sniff(bytes: &[u8]) -> FileKind {
    // TODO: magic numbers for binaries and archives.
    match detect_encoding(bytes) {
        Some(encoding) => FileKind::Text(encoding),
        None => FileKind::Binary,
    }
}
