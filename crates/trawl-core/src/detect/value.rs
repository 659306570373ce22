//! The normalised value of a candidate, stored in place when short.
//!
//! Many candidates are dropped by overlap resolution, and the scanner
//! copies the value of the others into a reused buffer, so a heap
//! allocation per candidate is wasted work. Host names, IPv4 and most
//! IPv6 addresses, MD5 and SHA-1 digests and most e-mail addresses fit
//! in `INLINE_CAPACITY` bytes.

use std::fmt;
use std::ops::Deref;

/// Bytes kept in place. With the length byte and the variant tag, a
/// `Value` takes 64 bytes, which a test checks.
const INLINE_CAPACITY: usize = 62;

/// A UTF-8 string that lives inside the candidate up to
/// `INLINE_CAPACITY` bytes and on the heap beyond.
#[derive(Clone)]
pub(crate) struct Value(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes of `bytes` are valid UTF-8.
    Inline {
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    Heap(String),
}

impl Value {
    /// Returns an empty value.
    pub(crate) const fn new() -> Value {
        Value(Repr::Inline { len: 0, bytes: [0; INLINE_CAPACITY] })
    }

    /// Returns `bytes` as a value when they are all ASCII. For the short
    /// values of detectors, the ASCII test costs fewer instructions than
    /// UTF-8 validation.
    pub(crate) fn from_ascii(bytes: &[u8]) -> Option<Value> {
        Value::copy_ascii(bytes, <[u8]>::copy_from_slice, str::to_owned)
    }

    /// Returns the first `len` bytes of `word`, in little-endian order,
    /// as a value, or `None` when `len` is over 16 or a byte is not
    /// ASCII. Formatters that build short text in a register use it to
    /// skip the copy of variable length that [`Value::from_ascii`] makes.
    pub(crate) fn from_le_ascii(word: u128, len: usize) -> Option<Value> {
        if len > 16 {
            return None;
        }
        let bits = u32::try_from(len).ok()?.checked_mul(8)?;
        // A shift by all 128 bits overflows, and then every byte is kept.
        let mask = 1u128
            .checked_shl(bits)
            .map_or(u128::MAX, |bit| bit.wrapping_sub(1));
        let text = word & mask;
        if text & u128::from_ne_bytes([0x80; 16]) != 0 {
            return None;
        }
        let mut inline = [0; INLINE_CAPACITY];
        inline.get_mut(..16)?.copy_from_slice(&text.to_le_bytes());
        let len = u8::try_from(len).ok()?;
        Some(Value(Repr::Inline { len, bytes: inline }))
    }

    /// Returns ASCII `bytes` with their letters lower-cased.
    pub(crate) fn ascii_lowercase(bytes: &[u8]) -> Option<Value> {
        // Lower-casing while copying reads the bytes once, where copying
        // and then lower-casing in place reads them twice.
        let fill_lower = |slot: &mut [u8], bytes: &[u8]| {
            for (lower, &byte) in slot.iter_mut().zip(bytes) {
                *lower = byte.to_ascii_lowercase();
            }
        };
        let owned_lower = |text: &str| text.to_ascii_lowercase();
        Value::copy_ascii(bytes, fill_lower, owned_lower)
    }

    /// Returns ASCII `bytes` as a value, written by `fill` into the
    /// inline buffer when they fit, and by `owned` into a string, which
    /// it allocates once, when they do not.
    #[inline(always)]
    fn copy_ascii(
        bytes: &[u8],
        fill: impl FnOnce(&mut [u8], &[u8]),
        owned: impl FnOnce(&str) -> String,
    ) -> Option<Value> {
        if !bytes.is_ascii() {
            return None;
        }
        let len = u8::try_from(bytes.len()).ok();
        let mut inline = [0; INLINE_CAPACITY];
        let target = len.and_then(|len| {
            inline.get_mut(..usize::from(len)).map(|slot| (len, slot))
        });
        match target {
            Some((len, slot)) => {
                fill(slot, bytes);
                Some(Value(Repr::Inline { len, bytes: inline }))
            }
            // ASCII bytes are valid UTF-8, so the conversion never fails.
            None => std::str::from_utf8(bytes)
                .ok()
                .map(|text| Value::from(owned(text))),
        }
    }

    /// Appends `text`, moving the value to the heap when it no longer
    /// fits in place.
    pub(crate) fn push_str(&mut self, text: &str) {
        match &mut self.0 {
            Repr::Inline { len, bytes } => {
                let used = usize::from(*len);
                let total = used.saturating_add(text.len());
                let free = bytes.get_mut(used..total);
                match (free, u8::try_from(total)) {
                    (Some(free), Ok(total)) => {
                        free.copy_from_slice(text.as_bytes());
                        *len = total;
                    }
                    _ => {
                        let mut heap = String::with_capacity(total);
                        heap.push_str(self.as_str());
                        heap.push_str(text);
                        self.0 = Repr::Heap(heap);
                    }
                }
            }
            Repr::Heap(heap) => heap.push_str(text),
        }
    }

    /// Appends `other`. Two inline values are joined without checking
    /// UTF-8 again.
    pub(crate) fn push_value(&mut self, other: &Value) {
        if let (
            Repr::Inline { len, bytes },
            Repr::Inline { len: other_len, bytes: other_bytes },
        ) = (&mut self.0, &other.0)
        {
            let used = usize::from(*len);
            let added = other_bytes.get(..usize::from(*other_len));
            let total = used.saturating_add(usize::from(*other_len));
            let free = bytes.get_mut(used..total);
            if let (Some(free), Some(added), Ok(total)) =
                (free, added, u8::try_from(total))
            {
                free.copy_from_slice(added);
                *len = total;
                return;
            }
        }
        self.push_str(other.as_str());
    }

    /// Appends `bytes`, or returns `None` when they are not UTF-8. ASCII
    /// bytes that fit in place are copied without UTF-8 validation, which
    /// costs more.
    pub(crate) fn push_utf8(&mut self, bytes: &[u8]) -> Option<()> {
        if let Repr::Inline { len, bytes: inline } = &mut self.0 {
            let used = usize::from(*len);
            let total = used.saturating_add(bytes.len());
            let free = inline.get_mut(used..total);
            if let (Some(free), Ok(total)) = (free, u8::try_from(total)) {
                if bytes.is_ascii() {
                    free.copy_from_slice(bytes);
                    *len = total;
                    return Some(());
                }
            }
        }
        self.push_str(std::str::from_utf8(bytes).ok()?);
        Some(())
    }

    /// Appends one char.
    pub(crate) fn push(&mut self, c: char) {
        let mut buffer = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buffer));
    }

    /// Returns the value as a string slice.
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            // Only `&str`s, ASCII bytes and other values are copied in,
            // and ASCII case changes keep UTF-8 valid, so the check never
            // fails.
            Repr::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|used| std::str::from_utf8(used).ok())
                .unwrap_or_default(),
            Repr::Heap(heap) => heap,
        }
    }

    /// Returns the value's bytes, which are UTF-8, without the check
    /// that [`Value::as_str`] makes.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                bytes.get(..usize::from(*len)).unwrap_or_default()
            }
            Repr::Heap(heap) => heap.as_bytes(),
        }
    }

    /// Lower-cases the value in place, as the model that
    /// [`Value::ascii_lowercase`] is tested against.
    #[cfg(test)]
    fn make_ascii_lowercase(&mut self) {
        match &mut self.0 {
            Repr::Inline { len, bytes } => {
                let used = bytes.get_mut(..usize::from(*len));
                used.unwrap_or_default().make_ascii_lowercase();
            }
            Repr::Heap(heap) => heap.make_ascii_lowercase(),
        }
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::new()
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        let mut value = Value::new();
        value.push_str(text);
        value
    }
}

impl From<String> for Value {
    /// Keeps a string that is already allocated, to save the copy.
    fn from(text: String) -> Value {
        Value(Repr::Heap(text))
    }
}

impl From<Value> for String {
    fn from(value: Value) -> String {
        match value.0 {
            Repr::Heap(heap) => heap,
            Repr::Inline { .. } => value.as_str().to_string(),
        }
    }
}

impl Deref for Value {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Value {}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Value> for String {
    fn eq(&self, other: &Value) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Value> for &str {
    fn eq(&self, other: &Value) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_fits_one_cache_line() {
        assert_eq!(std::mem::size_of::<Value>(), 64);
    }

    #[test]
    fn short_value_stays_inline() {
        let value = Value::from("evil.example.com");
        assert!(matches!(value.0, Repr::Inline { .. }));
        assert_eq!(value, "evil.example.com");
    }

    #[test]
    fn push_past_capacity_moves_to_heap() {
        let mut value = Value::from("a".repeat(INLINE_CAPACITY).as_str());
        assert!(matches!(value.0, Repr::Inline { .. }));
        value.push('é');
        assert!(matches!(value.0, Repr::Heap(_)));
        let expected = "a".repeat(INLINE_CAPACITY) + "é";
        assert_eq!(value, expected);
    }

    #[test]
    fn push_value_inline_and_spilled() {
        let mut value = Value::from("user@");
        value.push_value(&Value::from("example.com"));
        assert!(matches!(value.0, Repr::Inline { .. }));
        assert_eq!(value, "user@example.com");
        let long = Value::from("é".repeat(INLINE_CAPACITY / 2).as_str());
        value.push_value(&long);
        assert!(matches!(value.0, Repr::Heap(_)));
        let expected = "user@example.com".to_string() + long.as_str();
        assert_eq!(value, expected);
    }

    #[test]
    fn ascii_lowercase_cases() {
        let value = Value::ascii_lowercase(b"EVIL.Example.COM");
        assert_eq!(value.as_deref(), Some("evil.example.com"));
        let long = "A".repeat(INLINE_CAPACITY + 1);
        let lowered = Value::ascii_lowercase(long.as_bytes());
        let expected = "a".repeat(INLINE_CAPACITY + 1);
        assert_eq!(lowered.as_deref(), Some(expected.as_str()));
        let accented = Value::ascii_lowercase("ÉVIL.COM".as_bytes());
        assert_eq!(accented, None);
    }

    proptest::proptest! {
        #[test]
        fn ascii_lowercase_matches_copy_then_lower(
            bytes in proptest::collection::vec(
                proptest::sample::select(&b"aZ09.-_\xc3\xa9\x80\x7f"[..]),
                0..=2 * INLINE_CAPACITY,
            )
        ) {
            let expected = Value::from_ascii(&bytes).map(|mut value| {
                value.make_ascii_lowercase();
                value
            });
            let lowered = Value::ascii_lowercase(&bytes);
            proptest::prop_assert_eq!(
                lowered.as_deref(),
                expected.as_deref()
            );
            proptest::prop_assert_eq!(
                lowered.map(|value| matches!(value.0, Repr::Inline { .. })),
                expected.map(|value| matches!(value.0, Repr::Inline { .. }))
            );
        }
    }

    #[test]
    fn from_ascii_fills_inline_to_capacity() {
        let full = "a".repeat(INLINE_CAPACITY);
        let value = Value::from_ascii(full.as_bytes());
        assert!(matches!(value, Some(Value(Repr::Inline { .. }))));
        assert_eq!(value.as_deref(), Some(full.as_str()));
        let empty = Value::from_ascii(b"");
        assert_eq!(empty.as_deref(), Some(""));
    }

    #[test]
    fn from_le_ascii_takes_low_bytes() {
        let word = u128::from_le_bytes(*b"0123456789abcdef");
        let value = Value::from_le_ascii(word, 4);
        assert_eq!(value.as_deref(), Some("0123"));
        let value = Value::from_le_ascii(word, 16);
        assert_eq!(value.as_deref(), Some("0123456789abcdef"));
        let value = Value::from_le_ascii(word, 0);
        assert_eq!(value.as_deref(), Some(""));
        assert_eq!(Value::from_le_ascii(word, 17), None);
        let high = word | 0x80 << 8;
        assert_eq!(Value::from_le_ascii(high, 2), None);
        assert_eq!(Value::from_le_ascii(high, 1).as_deref(), Some("0"));
    }

    #[test]
    fn push_utf8_matches_checked_push_str() {
        let prefixes = ["", "https://", &"p".repeat(INLINE_CAPACITY - 2)];
        let long = "x".repeat(INLINE_CAPACITY);
        let pieces: [&[u8]; 8] = [
            b"",
            b":8080/a?b=1",
            long.as_bytes(),
            "/\u{e9}t\u{e9}".as_bytes(),
            "\u{2215}".as_bytes(),
            b"ab",
            b"abc",
            b"/a\xff",
        ];
        for prefix in prefixes {
            for piece in pieces {
                let mut fast = Value::from(prefix);
                let pushed = fast.push_utf8(piece);
                let checked = std::str::from_utf8(piece).ok();
                assert_eq!(pushed.is_some(), checked.is_some(), "{piece:?}");
                let Some(checked) = checked else { continue };
                let mut slow = Value::from(prefix);
                slow.push_str(checked);
                assert_eq!(fast, slow, "{prefix:?} {piece:?}");
                let inline =
                    |value: &Value| matches!(value.0, Repr::Inline { .. });
                assert_eq!(inline(&fast), inline(&slow), "{piece:?}");
            }
        }
    }

    #[test]
    fn bytes_equal_str_bytes() {
        let long = "é".repeat(INLINE_CAPACITY);
        for text in ["", "evil.example.com", "ünï.example", long.as_str()] {
            let value = Value::from(text);
            assert_eq!(value.as_bytes(), text.as_bytes());
        }
    }

    #[test]
    fn string_round_trip() {
        for text in ["", "10.0.0.1", &"x".repeat(200)] {
            let value = Value::from(text);
            assert_eq!(String::from(value.clone()), text);
            assert_eq!(String::from(Value::from(text.to_string())), text);
        }
    }
}
