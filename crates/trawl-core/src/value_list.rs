//! A list of strings kept in one buffer.

use std::fmt;
use std::iter::FusedIterator;

use serde::ser::{Serialize, Serializer};

/// A list of strings stored packed: their bytes concatenated in one
/// buffer, and the offset where each ends. A report's list can contain
/// hundreds of thousands of values. As one `String` each, they lay
/// scattered over the heap, so writing the report and freeing it missed
/// the caches on most values. Packed, both read memory in order.
///
/// Serializes as an array of strings.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ValueList {
    /// Every value, one after another.
    text: String,
    /// For each value in order, the offset in `text` one past its last
    /// byte. Never decreasing, each on a character boundary, and the
    /// last one is `text.len()`, so equal lists have equal fields.
    ends: Vec<usize>,
}

impl ValueList {
    /// Returns an empty list.
    pub const fn new() -> ValueList {
        ValueList { text: String::new(), ends: Vec::new() }
    }

    /// Returns the number of values.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Reports whether the list has no value.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Returns the value at `index`, or `None` past the end.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = match index.checked_sub(1) {
            Some(previous) => *self.ends.get(previous)?,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Returns every value, one after another, without separators.
    #[inline]
    pub fn concatenated(&self) -> &str {
        &self.text
    }

    /// Iterates over the values in order.
    #[inline]
    pub fn iter(&self) -> Values<'_> {
        Values { rest: &self.text, ends: self.ends.iter(), start: 0 }
    }

    /// Appends a value.
    #[inline]
    pub fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len());
    }

    /// Builds a list from values concatenated in `bytes`, each ending
    /// at the next offset of `ends`. Checking the whole buffer once is
    /// far cheaper than checking each value on its own. Parts that do
    /// not contain UTF-8 values, which the callers never pass, still
    /// give a list, with each value converted lossily.
    pub(crate) fn from_parts(bytes: Vec<u8>, ends: Vec<usize>) -> ValueList {
        match String::from_utf8(bytes) {
            Ok(text) if ends_fit(&text, &ends) => ValueList { text, ends },
            Ok(text) => lossy(text.as_bytes(), &ends),
            Err(error) => lossy(error.as_bytes(), &ends),
        }
    }
}

/// Reports whether `ends` are valid ends of values in `text`.
fn ends_fit(text: &str, ends: &[usize]) -> bool {
    let mut start = 0;
    let ordered = ends.iter().all(|&end| {
        let fits = start <= end && text.is_char_boundary(end);
        start = end;
        fits
    });
    ordered && start == text.len()
}

/// Returns the values `ends` cut from `bytes`, each converted lossily;
/// an end that does not fit gives an empty value.
fn lossy(bytes: &[u8], ends: &[usize]) -> ValueList {
    let mut list = ValueList::new();
    let mut start = 0;
    for &end in ends {
        let value = bytes.get(start..end).unwrap_or_default();
        list.push(&String::from_utf8_lossy(value));
        start = end.max(start);
    }
    list
}

/// The values of a [`ValueList`], in order.
#[derive(Clone, Debug)]
pub struct Values<'a> {
    /// The values not yet returned, concatenated.
    rest: &'a str,
    ends: std::slice::Iter<'a, usize>,
    /// The offset of `rest` in the list's text.
    start: usize,
}

// The list's invariant makes every cut below fall on a character
// boundary within `rest`, and the empty value in the other case only
// keeps this free of panics. Cutting `rest` checks one boundary per
// value, where slicing the text at both offsets would check two. The
// methods are inlined because the report writers in other crates call
// them once per value.
impl<'a> Iterator for Values<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let end = *self.ends.next()?;
        let len = end.saturating_sub(self.start);
        let (value, rest) =
            self.rest.split_at_checked(len).unwrap_or(("", self.rest));
        self.rest = rest;
        self.start = end;
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl DoubleEndedIterator for Values<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        let end = *self.ends.next_back()?;
        let start = self.ends.as_slice().last().copied();
        let len = end.saturating_sub(start.unwrap_or(self.start));
        let cut = self.rest.len().saturating_sub(len);
        let (rest, value) =
            self.rest.split_at_checked(cut).unwrap_or((self.rest, ""));
        self.rest = rest;
        Some(value)
    }
}

impl ExactSizeIterator for Values<'_> {}

impl FusedIterator for Values<'_> {}

impl<'a> IntoIterator for &'a ValueList {
    type Item = &'a str;
    type IntoIter = Values<'a>;

    #[inline]
    fn into_iter(self) -> Values<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> FromIterator<S> for ValueList {
    fn from_iter<I: IntoIterator<Item = S>>(values: I) -> ValueList {
        let mut list = ValueList::new();
        list.extend(values);
        list
    }
}

impl<S: AsRef<str>> Extend<S> for ValueList {
    fn extend<I: IntoIterator<Item = S>>(&mut self, values: I) {
        for value in values {
            self.push(value.as_ref());
        }
    }
}

impl fmt::Debug for ValueList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for ValueList {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self)
    }
}

/// Reports whether `list` contains exactly `values`, in order.
fn equals<S: AsRef<str>>(list: &ValueList, values: &[S]) -> bool {
    list.len() == values.len()
        && list.iter().zip(values).all(|(a, b)| a == b.as_ref())
}

impl<S: AsRef<str>> PartialEq<[S]> for ValueList {
    fn eq(&self, other: &[S]) -> bool {
        equals(self, other)
    }
}

impl<S: AsRef<str>> PartialEq<&[S]> for ValueList {
    fn eq(&self, other: &&[S]) -> bool {
        equals(self, other)
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for ValueList {
    fn eq(&self, other: &[S; N]) -> bool {
        equals(self, other)
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for ValueList {
    fn eq(&self, other: &Vec<S>) -> bool {
        equals(self, other)
    }
}

// `Iocs::list` returns a reference, so tests compare `&ValueList` with
// an array or a vector.
impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for &ValueList {
    fn eq(&self, other: &[S; N]) -> bool {
        equals(self, other)
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for &ValueList {
    fn eq(&self, other: &Vec<S>) -> bool {
        equals(self, other)
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn pushed_values_read_back() {
        let mut list = ValueList::new();
        assert!(list.is_empty());
        assert_eq!(list.get(0), None);
        for value in ["a.example", "", "ü.example", "x"] {
            list.push(value);
        }
        assert_eq!(list.len(), 4);
        assert_eq!(list.get(0), Some("a.example"));
        assert_eq!(list.get(1), Some(""));
        assert_eq!(list.get(2), Some("ü.example"));
        assert_eq!(list.get(3), Some("x"));
        assert_eq!(list.get(4), None);
        assert_eq!(list, ["a.example", "", "ü.example", "x"]);
        assert_ne!(list, ["a.example", "", "ü.example"]);
        assert_ne!(list, ["a.example", "", "ü.example", "y"]);
        let back: Vec<&str> = list.iter().rev().collect();
        assert_eq!(back, ["x", "ü.example", "", "a.example"]);
        assert_eq!(
            format!("{list:?}"),
            r#"["a.example", "", "ü.example", "x"]"#
        );
    }

    #[test]
    fn serializes_as_string_array() {
        let list: ValueList = ["a\"b", "c"].into_iter().collect();
        let json = serde_json::to_string(&list).unwrap();
        let strings = serde_json::to_string(&["a\"b", "c"]).unwrap();
        assert_eq!(json, strings);
        let pretty = serde_json::to_string_pretty(&ValueList::new());
        assert_eq!(pretty.unwrap(), "[]");
    }

    #[test]
    fn same_values_split_differently_differ() {
        let joined: ValueList = ["ab"].into_iter().collect();
        let split: ValueList = ["a", "b"].into_iter().collect();
        assert_ne!(joined, split);
    }

    #[test]
    fn parts_that_do_not_fit_stay_readable() {
        // Invalid UTF-8 in the second value.
        let bytes = b"ok\xffbad".to_vec();
        let list = ValueList::from_parts(bytes, vec![2, 6]);
        assert_eq!(list, ["ok", "\u{fffd}bad"]);
        // An end inside a character, and one past the bytes.
        let list = ValueList::from_parts("äb".as_bytes().to_vec(), vec![1, 3]);
        assert_eq!(list, ["\u{fffd}", "\u{fffd}b"]);
        let list = ValueList::from_parts(b"ab".to_vec(), vec![1, 9]);
        assert_eq!(list, ["a", ""]);
        // Trailing bytes no end covers.
        let list = ValueList::from_parts(b"abc".to_vec(), vec![1]);
        assert_eq!(list, ["a"]);
        let valid = ValueList::from_parts(b"abc".to_vec(), vec![1, 1, 3]);
        assert_eq!(valid, ["a", "", "bc"]);
    }

    proptest! {
        #[test]
        fn packed_list_equals_strings(strings in proptest::collection::vec(
            any::<String>(),
            0..40,
        )) {
            let mut list = ValueList::new();
            for value in &strings {
                list.push(value);
            }

            prop_assert_eq!(list.len(), strings.len());
            prop_assert!(list == strings);
            let read: Vec<&str> = list.iter().collect();
            prop_assert_eq!(&read, &strings);

            let back: Vec<&str> = list.iter().rev().collect();
            let reversed: Vec<&str> =
                strings.iter().rev().map(String::as_str).collect();
            prop_assert_eq!(back, reversed);

            // Alternately from the front and from the back.
            let (mut ours, mut theirs) = (list.iter(), strings.iter());
            for step in 0..=strings.len() {
                if step % 2 == 0 {
                    prop_assert_eq!(
                        ours.next(),
                        theirs.next().map(String::as_str)
                    );
                } else {
                    prop_assert_eq!(
                        ours.next_back(),
                        theirs.next_back().map(String::as_str)
                    );
                }
                prop_assert_eq!(ours.len(), theirs.len());
            }

            for (index, value) in strings.iter().enumerate() {
                prop_assert_eq!(list.get(index), Some(value.as_str()));
            }
            prop_assert_eq!(list.get(strings.len()), None);
            prop_assert_eq!(
                serde_json::to_string(&list).unwrap(),
                serde_json::to_string(&strings).unwrap()
            );

            let text: String = strings.concat();
            let mut ends = Vec::new();
            let mut end = 0;
            for value in &strings {
                end += value.len();
                ends.push(end);
            }
            let parts = ValueList::from_parts(text.into_bytes(), ends);
            prop_assert_eq!(parts, list);
        }
    }
}
