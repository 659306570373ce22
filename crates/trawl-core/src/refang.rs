//! Undoes defanging, keeping an offset map back to the original bytes.

use std::borrow::Cow;

use crate::OffsetMap;

/// Refanged text and the map from its positions to the input's.
pub(crate) struct Refanged<'a> {
    pub text: Cow<'a, [u8]>,
    pub map: OffsetMap,
}

/// Returns `input` with defanged separators restored.
pub(crate) fn refang(input: &[u8]) -> Refanged<'_> {
    Refanged { text: Cow::Borrowed(input), map: OffsetMap::identity() }
}
