//! Maps positions in a derived buffer back to the bytes it came from.
//!
//! Refanging (`[.]` to `.`) and transcoding (UTF-16 to UTF-8) change
//! lengths, yet every reported offset must point into the original input.
//! A map stores one breakpoint per edit, so an input without edits costs
//! nothing and lookups are a binary search.

/// A monotone map from derived positions to source positions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// `(derived, source)` pairs, both non-decreasing. Between two
    /// breakpoints positions advance together.
    points: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// The identity map.
    pub fn identity() -> OffsetMap {
        OffsetMap { points: Vec::new() }
    }

    /// Reports whether the map is the identity.
    pub fn is_identity(&self) -> bool {
        self.points.is_empty()
    }

    /// Records that derived bytes `derived..derived + derived_len` replace
    /// source bytes `source..source + source_len`. Edits must be pushed in
    /// increasing order.
    pub fn push_edit(
        &mut self,
        derived: usize,
        derived_len: usize,
        source: usize,
        source_len: usize,
    ) {
        self.points.push((derived, source));
        self.points.push((
            derived.saturating_add(derived_len),
            source.saturating_add(source_len),
        ));
    }

    /// Maps the position of a first byte.
    pub fn start(&self, derived: usize) -> usize {
        let after = self.points.partition_point(|&(d, _)| d <= derived);
        match after.checked_sub(1).and_then(|i| self.points.get(i)) {
            Some(&(d, s)) => s.saturating_add(derived - d),
            None => derived,
        }
    }

    /// Maps an exclusive end position. At an edit boundary the end takes
    /// the whole replaced source range but none of a deleted one that
    /// follows it.
    pub fn end(&self, derived: usize) -> usize {
        let first_at = self.points.partition_point(|&(d, _)| d < derived);
        if let Some(&(d, s)) = self.points.get(first_at) {
            if d == derived {
                return s;
            }
        }
        match first_at.checked_sub(1).and_then(|i| self.points.get(i)) {
            Some(&(d, s)) => s.saturating_add(derived - d),
            None => derived,
        }
    }

    /// Returns the map from `self`'s derived positions through `outer`,
    /// where `outer` maps `self`'s source positions onward.
    pub fn then<'a>(&'a self, outer: &'a OffsetMap) -> ComposedMap<'a> {
        ComposedMap { inner: self, outer }
    }
}

/// Two maps applied one after the other.
#[derive(Clone, Copy, Debug)]
pub struct ComposedMap<'a> {
    inner: &'a OffsetMap,
    outer: &'a OffsetMap,
}

impl ComposedMap<'_> {
    /// Maps the position of a first byte through both maps.
    pub fn start(&self, derived: usize) -> usize {
        self.outer.start(self.inner.start(derived))
    }

    /// Maps an exclusive end position through both maps.
    pub fn end(&self, derived: usize) -> usize {
        self.outer.end(self.inner.end(derived))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_maps_to_itself() {
        let map = OffsetMap::identity();
        assert_eq!(map.start(7), 7);
        assert_eq!(map.end(7), 7);
    }

    #[test]
    fn replacement_covers_source_range() {
        // "a[.]b" -> "a.b": derived 1..2 replaces source 1..4.
        let mut map = OffsetMap::identity();
        map.push_edit(1, 1, 1, 3);
        assert_eq!(map.start(0), 0);
        assert_eq!(map.start(1), 1);
        assert_eq!(map.end(2), 4);
        assert_eq!(map.start(2), 4);
        assert_eq!(map.end(3), 5);
    }

    #[test]
    fn deletion_is_excluded_from_end() {
        // "ab  cd" -> "abcd": two spaces at source 2..4 deleted.
        let mut map = OffsetMap::identity();
        map.push_edit(2, 0, 2, 2);
        assert_eq!(map.end(2), 2);
        assert_eq!(map.start(2), 4);
        assert_eq!(map.end(4), 6);
    }
}
