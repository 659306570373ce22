//! ASCII and UTF-16LE string extraction from binaries.

use crate::Region;

/// Returns the printable ASCII and UTF-16LE runs of at least `min_len`
/// characters in `bytes`, one region each, in file order.
pub fn extract(bytes: &[u8], min_len: usize) -> Vec<Region<'_>> {
    // TODO: extraction.
    let _ = (bytes, min_len);
    Vec::new()
}
