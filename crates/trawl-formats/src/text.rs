//! Text decoding: UTF-8, UTF-16LE/BE with or without BOM, Latin-1.

use std::borrow::Cow;

use trawl_core::OffsetMap;

use crate::{Origin, Region};

/// A text encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (ASCII included).
    Utf8 {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// UTF-16, little-endian.
    Utf16Le {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// UTF-16, big-endian.
    Utf16Be {
        /// Whether the input starts with a byte order mark.
        bom: bool,
    },
    /// ISO-8859-1, the fallback for text that is not valid UTF-8.
    Latin1,
}

/// Returns the encoding of `bytes` if they read as text, `None` if they
/// look binary.
pub fn detect_encoding(bytes: &[u8]) -> Option<Encoding> {
    // TODO: BOMs, UTF-16 without BOM, the binary test.
    let _ = bytes;
    Some(Encoding::Utf8 { bom: false })
}

/// Returns the region to scan for text in `encoding`. UTF-8 and Latin-1
/// are scanned as they are; UTF-16 is transcoded to UTF-8.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Region<'_> {
    let _ = encoding;
    Region {
        text: Cow::Borrowed(bytes),
        map: OffsetMap::identity(),
        origin: Origin::Text,
    }
}
