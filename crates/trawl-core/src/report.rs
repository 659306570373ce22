//! Detections and the `iocs` object of the report.

use std::collections::HashMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::Category;

/// The origin of a detection, relative to the bytes handed to the
/// scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The scanned bytes themselves.
    Text,
    /// Text decoded from a base64 token, `depth` decodings deep. The
    /// detection's span is that of the outermost token.
    Base64 {
        /// How many decodings separate the value from the scanned bytes.
        depth: u8,
    },
}

/// One indicator found in the scanned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// The indicator's category.
    pub category: Category,
    /// The normalised value as it appears in the report.
    pub value: String,
    /// Offset of the first byte of the indicator as written (defanged
    /// form included) in the scanned bytes.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
    /// A finer type where the category has one: `md5`, `sha1`, `sha256`,
    /// `sha512` for hashes; `p2pkh`, `p2sh`, `p2wpkh`, `p2wsh`, `p2tr`,
    /// `segwit` for Bitcoin; `ipv4`, `ipv6` for addresses.
    pub kind: Option<&'static str>,
    /// For base64 tokens, the decoded payload as lossy UTF-8 (UTF-16LE
    /// payloads are transcoded first), cut to a bounded length.
    pub decoded: Option<String>,
    /// Whether the value came from the scanned bytes or from a decoded
    /// payload inside them.
    pub source: Source,
}

/// The report's `iocs` object: one de-duplicated list per category, each
/// in order of first occurrence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iocs {
    lists: [Vec<String>; Category::ALL.len()],
}

impl Iocs {
    /// Builds the lists from detections, which need not be sorted. Values
    /// are ordered by their first offset and de-duplicated per category.
    pub fn from_detections<'a, I>(detections: I) -> Iocs
    where
        I: IntoIterator<Item = &'a Detection>,
    {
        let mut builder = IocsBuilder::default();
        for detection in detections {
            builder.push(detection);
        }
        builder.finish()
    }

    /// Returns the list for one category.
    pub fn list(&self, category: Category) -> &[String] {
        self.lists.get(category as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reports whether every list is empty.
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(Vec::is_empty)
    }

    /// Returns the number of values over all lists.
    pub fn len(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }

    /// Iterates over `(category, values)` in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &[String])> {
        Category::ALL.into_iter().map(|c| (c, self.list(c)))
    }
}

/// Collects the `iocs` lists one detection at a time, keeping each
/// distinct value once with its first offset, so memory grows with the
/// number of distinct values, not of detections.
#[derive(Clone, Debug, Default)]
pub struct IocsBuilder {
    first_offsets: [HashMap<String, (usize, usize)>; Category::ALL.len()],
    len: usize,
}

impl IocsBuilder {
    /// Records a detection.
    pub fn push(&mut self, detection: &Detection) {
        self.push_bounded(detection, usize::MAX);
    }

    /// Records a detection unless it is a new value and `max_values`
    /// distinct values are already recorded; returns whether it was
    /// recorded.
    pub fn push_bounded(
        &mut self,
        detection: &Detection,
        max_values: usize,
    ) -> bool {
        let Some(map) =
            self.first_offsets.get_mut(detection.category as usize)
        else {
            return false;
        };
        if let Some(first) = map.get_mut(detection.value.as_str()) {
            if detection.start < first.0 {
                *first = (detection.start, self.len);
            }
            return true;
        }
        if self.len >= max_values {
            return false;
        }
        map.insert(detection.value.clone(), (detection.start, self.len));
        self.len += 1;
        true
    }

    /// Returns the number of distinct values recorded.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Reports whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Returns the lists, each ordered by first offset, and values that
    /// share an offset (those decoded from one base64 token) in the order
    /// they were found, so the order never depends on the hash map's.
    pub fn finish(self) -> Iocs {
        let mut iocs = Iocs::default();
        for (map, list) in self.first_offsets.into_iter().zip(&mut iocs.lists)
        {
            let mut values: Vec<((usize, usize), String)> =
                map.into_iter().map(|(value, first)| (first, value)).collect();
            values.sort_unstable_by_key(|(first, _)| *first);
            list.extend(values.into_iter().map(|(_, value)| value));
        }
        iocs
    }
}

impl Serialize for Iocs {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.lists.len()))?;
        for (category, values) in self.iter() {
            map.serialize_entry(category.name(), values)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(category: Category, value: &str, start: usize) -> Detection {
        Detection {
            category,
            value: value.to_string(),
            start,
            end: start + value.len(),
            kind: None,
            decoded: None,
            source: Source::Text,
        }
    }

    #[test]
    fn iocs_sorted_by_offset_and_deduplicated() {
        let detections = [
            detection(Category::Domain, "b.com", 20),
            detection(Category::Domain, "a.com", 5),
            detection(Category::Domain, "b.com", 1),
        ];
        let iocs = Iocs::from_detections(&detections);
        assert_eq!(iocs.list(Category::Domain), ["b.com", "a.com"]);
    }

    #[test]
    fn same_offset_keeps_found_order() {
        // A base64 token and the token decoded from it share one span.
        let detections = [
            detection(Category::Base64, "outer", 5),
            detection(Category::Base64, "inner", 5),
        ];
        let iocs = Iocs::from_detections(&detections);
        assert_eq!(iocs.list(Category::Base64), ["outer", "inner"]);
    }

    #[test]
    fn iocs_serialize_every_key_in_order() {
        let json = serde_json::to_string(&Iocs::default()).unwrap();
        assert_eq!(
            json,
            "{\"urls\":[],\"domains\":[],\"ips\":[],\"hashes\":[],\
             \"emails\":[],\"filepaths\":[],\"base64\":[],\
             \"crypto.btc\":[],\"crypto.eth\":[],\"cves\":[]}"
        );
    }
}
