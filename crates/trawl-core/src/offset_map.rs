//! Maps positions in a derived buffer back to the bytes it came from.
//!
//! Refanging (`[.]` to `.`) and transcoding (UTF-16 to UTF-8) change
//! lengths, yet every reported offset must point into the original input.
//! A map stores one breakpoint per edit, so an input without edits costs
//! nothing and lookups are a binary search. A breakpoint may also carry a
//! stride, so that a long run of characters which all change length the
//! same way (ASCII transcoded from UTF-16, two source bytes per derived
//! byte) costs one breakpoint instead of one per character.

use std::num::NonZeroUsize;

/// A point from which derived and source positions advance together,
/// `derived_step` derived bytes for every `source_step` source bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Breakpoint {
    derived: usize,
    source: usize,
    derived_step: u8,
    source_step: u8,
}

impl Breakpoint {
    fn new(
        derived: usize,
        source: usize,
        derived_step: u8,
        source_step: u8,
    ) -> Breakpoint {
        // A zero derived step would divide by zero, and a zero source
        // step would map a whole run onto one byte, so both read as 1.
        Breakpoint {
            derived,
            source,
            derived_step: derived_step.max(1),
            source_step: source_step.max(1),
        }
    }

    /// Splits the distance from this breakpoint to `derived` into whole
    /// steps and a remainder inside the next step.
    fn steps_to(&self, derived: usize) -> (usize, usize) {
        let delta = derived.saturating_sub(self.derived);
        if self.derived_step == 1 {
            // An edit's breakpoint has no stride, and skipping the
            // division matters because every detection maps two offsets.
            return (delta, 0);
        }
        let Some(step) = NonZeroUsize::new(usize::from(self.derived_step))
        else {
            return (delta, 0);
        };
        (delta / step, delta % step)
    }

    fn source_after(&self, steps: usize) -> usize {
        let bytes = steps.saturating_mul(usize::from(self.source_step));
        self.source.saturating_add(bytes)
    }

    /// Maps a first byte: a position inside a step maps to the start of
    /// that step's source bytes.
    fn start_of(&self, derived: usize) -> usize {
        let (steps, _) = self.steps_to(derived);
        self.source_after(steps)
    }

    /// Maps an exclusive end: a position inside a step takes the whole of
    /// that step's source bytes.
    fn end_of(&self, derived: usize) -> usize {
        let (steps, rest) = self.steps_to(derived);
        let steps = if rest == 0 { steps } else { steps.saturating_add(1) };
        self.source_after(steps)
    }

    /// Reports whether `next` continues this breakpoint's line with the
    /// same stride, which makes it redundant.
    fn continues_into(&self, next: &Breakpoint) -> bool {
        let same_stride = self.derived_step == next.derived_step
            && self.source_step == next.source_step;
        let (steps, rest) = self.steps_to(next.derived);
        same_stride
            && next.derived >= self.derived
            && rest == 0
            && self.source_after(steps) == next.source
    }
}

/// Breakpoints that `partition_from` tests one by one from its hint
/// before it gallops.
const LINEAR_PROBES: usize = 4;

/// A monotone map from derived positions to source positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetMap {
    /// The line followed before the first breakpoint: position 0 maps to
    /// `origin.source`.
    origin: Breakpoint,
    /// Breakpoints with non-decreasing derived and source positions.
    /// Between two breakpoints positions advance by the earlier one's
    /// stride.
    points: Vec<Breakpoint>,
}

impl Default for OffsetMap {
    fn default() -> Self {
        OffsetMap::identity()
    }
}

impl OffsetMap {
    /// Returns the identity map.
    pub fn identity() -> OffsetMap {
        OffsetMap::shifted(0)
    }

    /// Creates the identity map with room for `edits` calls to
    /// `push_edit`.
    pub fn with_capacity(edits: usize) -> OffsetMap {
        let mut map = OffsetMap::identity();
        map.points.reserve(edits.saturating_add(1));
        map
    }

    /// Creates the map that adds `offset` to every position, for derived
    /// bytes that are a slice of the source starting at `offset`.
    pub fn shifted(offset: usize) -> OffsetMap {
        OffsetMap::strided(offset, 1, 1)
    }

    /// Creates the map in which derived position 0 is source offset
    /// `offset` and every `derived_step` derived bytes correspond to
    /// `source_step` source bytes, such as `strided(offset, 1, 2)` for
    /// ASCII transcoded from UTF-16. A step of 0 is read as 1.
    pub fn strided(
        offset: usize,
        derived_step: u8,
        source_step: u8,
    ) -> OffsetMap {
        OffsetMap {
            origin: Breakpoint::new(0, offset, derived_step, source_step),
            points: Vec::new(),
        }
    }

    /// Reports whether the map is the identity.
    pub fn is_identity(&self) -> bool {
        self.points.is_empty() && self.origin == Breakpoint::new(0, 0, 1, 1)
    }

    /// Returns the number of breakpoints stored, a measure of the map's
    /// memory use.
    pub fn breakpoints(&self) -> usize {
        self.points.len()
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
        let first = Breakpoint::new(derived, source, 1, 1);
        // The start of a replacement usually lies on the line already in
        // force, so one breakpoint per edit is enough. A deletion keeps
        // both, because an end at that position must stop before it.
        let last = self.points.last().unwrap_or(&self.origin);
        if derived_len == 0 || !last.continues_into(&first) {
            self.points.push(first);
        }
        self.points.push(Breakpoint::new(
            derived.saturating_add(derived_len),
            source.saturating_add(source_len),
            1,
            1,
        ));
    }

    /// Records that from derived position `derived` and source position
    /// `source` on, every `derived_step` derived bytes correspond to
    /// `source_step` source bytes, until the next breakpoint. Strides must
    /// be pushed in increasing order. A stride that continues the previous
    /// one is not stored, so pushing one per character costs memory only
    /// where the step changes. A step of 0 is read as 1.
    pub fn push_stride(
        &mut self,
        derived: usize,
        source: usize,
        derived_step: u8,
        source_step: u8,
    ) {
        let next = Breakpoint::new(derived, source, derived_step, source_step);
        let last = self.points.last().unwrap_or(&self.origin);
        if !last.continues_into(&next) {
            self.points.push(next);
        }
    }

    /// Maps the position of a first byte.
    // Inlined so that a map without breakpoints, as for a plain text
    // file, costs its caller no call for each detection.
    #[inline]
    pub fn start(&self, derived: usize) -> usize {
        if self.points.is_empty() {
            return self.origin.start_of(derived);
        }
        self.start_searched(derived)
    }

    fn start_searched(&self, derived: usize) -> usize {
        let after = self.points.partition_point(|p| p.derived <= derived);
        self.point_before(after).start_of(derived)
    }

    /// Maps an exclusive end position. At an edit boundary the end takes
    /// the whole replaced source range but none of a deleted one that
    /// follows it.
    #[inline]
    pub fn end(&self, derived: usize) -> usize {
        if self.points.is_empty() {
            return self.origin.end_of(derived);
        }
        self.end_searched(derived)
    }

    fn end_searched(&self, derived: usize) -> usize {
        let first_at = self.points.partition_point(|p| p.derived < derived);
        if let Some(point) = self.points.get(first_at) {
            if point.derived == derived {
                return point.source;
            }
        }
        self.point_before(first_at).end_of(derived)
    }

    /// Returns a cursor for looking up many positions that mostly
    /// ascend, such as the spans of sorted candidates.
    pub(crate) fn cursor(&self) -> MapCursor<'_> {
        MapCursor {
            map: self,
            start_hint: 0,
            end_hint: 0,
            start_segment: Segment::EMPTY,
            end_segment: Segment::EMPTY,
        }
    }

    /// Returns the number of leading breakpoints that satisfy `pred`,
    /// which must hold on a prefix of `points` and fail after it. The
    /// search gallops outward from `hint`, so it costs the logarithm of
    /// the distance to the answer: near-constant for ascending lookups
    /// and never worse than twice a binary search.
    fn partition_from(
        &self,
        hint: usize,
        pred: impl Fn(&Breakpoint) -> bool,
    ) -> usize {
        let points = &self.points;
        let len = points.len();
        let hint = hint.min(len);
        let holds = |i: usize| points.get(i).is_some_and(&pred);
        // Positions stay within `0..=len`, so the saturating steps never
        // saturate.
        let (low, high) = if hint.checked_sub(1).is_none_or(holds) {
            // Ascending lookups mostly pass zero to two breakpoints, which
            // a short linear probe finds before any galloping.
            let mut low = hint;
            for _ in 0..LINEAR_PROBES {
                if !holds(low) {
                    return low;
                }
                low = low.saturating_add(1);
            }
            // Every point before `low` satisfies `pred`.
            let mut step = 1usize;
            loop {
                let probe = low.saturating_add(step.saturating_sub(1));
                if probe >= len {
                    break (low, len);
                }
                if !holds(probe) {
                    break (low, probe);
                }
                low = probe.saturating_add(1);
                step = step.saturating_mul(2);
            }
        } else {
            // `pred` fails at `high`, so the answer is at most `high`.
            let mut high = hint.saturating_sub(1);
            let mut step = 1usize;
            loop {
                if high == 0 {
                    break (0, 0);
                }
                let probe = high.saturating_sub(step);
                if holds(probe) {
                    break (probe.saturating_add(1), high);
                }
                high = probe;
                step = step.saturating_mul(2);
            }
        };
        let inside = points.get(low..high).unwrap_or_default();
        low.saturating_add(inside.partition_point(pred))
    }

    /// Returns the breakpoint in force just before index `index` of
    /// `points`, the origin when there is none.
    fn point_before(&self, index: usize) -> &Breakpoint {
        index
            .checked_sub(1)
            .and_then(|i| self.points.get(i))
            .unwrap_or(&self.origin)
    }

    /// Returns the map from `self`'s derived positions through `outer`,
    /// where `outer` maps `self`'s source positions onward.
    pub fn then<'a>(&'a self, outer: &'a OffsetMap) -> ComposedMap<'a> {
        ComposedMap { inner: self, outer }
    }
}

/// Maps positions like [`OffsetMap::start`] and [`OffsetMap::end`], but
/// starts each search where the previous one of its kind ended.
pub(crate) struct MapCursor<'a> {
    map: &'a OffsetMap,
    start_hint: usize,
    end_hint: usize,
    /// The positions whose start maps through the same breakpoint as
    /// the last start looked up, so a lookup among them needs no search.
    start_segment: Segment,
    /// The same for ends, leaving out a position equal to a breakpoint's,
    /// which maps to that breakpoint's source.
    end_segment: Segment,
}

/// Derived positions `first..last` that map through `point`.
#[derive(Clone, Copy)]
struct Segment {
    first: usize,
    last: usize,
    point: Breakpoint,
}

impl Segment {
    const EMPTY: Segment = Segment {
        first: usize::MAX,
        last: 0,
        point: Breakpoint {
            derived: 0,
            source: 0,
            derived_step: 1,
            source_step: 1,
        },
    };

    fn contains(&self, derived: usize) -> bool {
        self.first <= derived && derived < self.last
    }
}

impl MapCursor<'_> {
    /// Maps the position of a first byte.
    // Most lookups (94 % on the 4 MB benchmark text) fall in the segment
    // of the previous one, so only that test is inlined into the
    // scanner's loop over the detections.
    #[inline]
    pub(crate) fn start(&mut self, derived: usize) -> usize {
        if self.start_segment.contains(derived) {
            return self.start_segment.point.start_of(derived);
        }
        self.start_searched(derived)
    }

    #[inline(never)]
    fn start_searched(&mut self, derived: usize) -> usize {
        let map = self.map;
        let after =
            map.partition_from(self.start_hint, |p| p.derived <= derived);
        self.start_hint = after;
        // The breakpoints are sorted, so every position from the one
        // before `after` up to the one at `after` finds the same `after`.
        let before = after.checked_sub(1).and_then(|i| map.points.get(i));
        let point = *map.point_before(after);
        self.start_segment = Segment {
            first: before.map_or(0, |p| p.derived),
            last: map.points.get(after).map_or(usize::MAX, |p| p.derived),
            point,
        };
        point.start_of(derived)
    }

    /// Maps an exclusive end position.
    #[inline]
    pub(crate) fn end(&mut self, derived: usize) -> usize {
        if self.end_segment.contains(derived) {
            return self.end_segment.point.end_of(derived);
        }
        self.end_searched(derived)
    }

    #[inline(never)]
    fn end_searched(&mut self, derived: usize) -> usize {
        let map = self.map;
        let first_at =
            map.partition_from(self.end_hint, |p| p.derived < derived);
        self.end_hint = first_at;
        let at = map.points.get(first_at);
        if let Some(point) = at {
            if point.derived == derived {
                return point.source;
            }
        }
        let before = first_at.checked_sub(1).and_then(|i| map.points.get(i));
        let point = *map.point_before(first_at);
        self.end_segment = Segment {
            first: before.map_or(0, |p| p.derived.saturating_add(1)),
            last: at.map_or(usize::MAX, |p| p.derived),
            point,
        };
        point.end_of(derived)
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
#[allow(clippy::arithmetic_side_effects)]
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

    #[test]
    fn shifted_map_adds_offset() {
        let map = OffsetMap::shifted(100);
        assert!(!map.is_identity());
        assert_eq!(map.start(0), 100);
        assert_eq!(map.end(0), 100);
        assert_eq!(map.start(5), 105);
        assert_eq!(map.end(5), 105);
        assert_eq!(map.breakpoints(), 0);
    }

    #[test]
    fn strided_map_doubles_positions() {
        // ASCII from UTF-16LE at source offset 10: char k is at 10 + 2k.
        let map = OffsetMap::strided(10, 1, 2);
        assert_eq!(map.start(0), 10);
        assert_eq!(map.start(3), 16);
        assert_eq!(map.end(3), 16);
        assert_eq!(map.end(4), 18);
    }

    #[test]
    fn stride_inside_step_covers_char() {
        // A 3-byte UTF-8 char from one 2-byte UTF-16 unit at source 4.
        let mut map = OffsetMap::identity();
        map.push_stride(0, 4, 3, 2);
        assert_eq!(map.start(0), 4);
        assert_eq!(map.start(1), 4);
        assert_eq!(map.end(1), 6);
        assert_eq!(map.end(3), 6);
        assert_eq!(map.start(3), 6);
    }

    #[test]
    fn continuing_stride_is_not_stored() {
        let mut map = OffsetMap::identity();
        for k in 0..100 {
            map.push_stride(k, 2 + 2 * k, 1, 2);
        }
        assert_eq!(map.breakpoints(), 1);
        map.push_stride(100, 202, 3, 2);
        map.push_stride(103, 204, 3, 2);
        assert_eq!(map.breakpoints(), 2);
        assert_eq!(map.start(99), 200);
        assert_eq!(map.start(103), 204);
        assert_eq!(map.end(106), 206);
    }

    #[test]
    fn stride_matching_origin_is_not_stored() {
        let mut map = OffsetMap::shifted(7);
        map.push_stride(0, 7, 1, 1);
        map.push_stride(4, 11, 1, 1);
        assert_eq!(map.breakpoints(), 0);
        assert_eq!(map, OffsetMap::shifted(7));
    }

    #[test]
    fn zero_step_reads_as_one() {
        let map = OffsetMap::strided(3, 0, 0);
        assert_eq!(map, OffsetMap::shifted(3));
        assert_eq!(map.start(2), 5);
    }

    #[test]
    fn default_map_is_identity() {
        assert!(OffsetMap::default().is_identity());
        assert_eq!(OffsetMap::default(), OffsetMap::identity());
    }

    #[test]
    fn composed_map_applies_both() {
        // A refang edit inside a region that starts at file offset 50.
        let mut inner = OffsetMap::identity();
        inner.push_edit(1, 1, 1, 3);
        let outer = OffsetMap::shifted(50);
        let map = inner.then(&outer);
        assert_eq!(map.start(2), 54);
        assert_eq!(map.end(2), 54);
    }

    /// Builds a map with edits of every kind: replacements that shrink
    /// and grow, deletions, and a run with a two-byte stride.
    fn mixed_map() -> OffsetMap {
        let mut map = OffsetMap::identity();
        let (mut derived, mut source) = (0, 0);
        for n in 0..200 {
            derived += 3 + n % 5;
            source += 3 + n % 5;
            let (derived_len, source_len) = match n % 3 {
                0 => (1, 3),
                1 => (0, 2),
                _ => (2, 1),
            };
            map.push_edit(derived, derived_len, source, source_len);
            derived += derived_len;
            source += source_len;
        }
        map.push_stride(derived, source, 1, 2);
        map
    }

    #[test]
    fn cursor_ascending_matches_search() {
        let map = mixed_map();
        let mut cursor = map.cursor();
        for position in 0..1500 {
            assert_eq!(cursor.start(position), map.start(position));
            assert_eq!(cursor.end(position), map.end(position));
        }
    }

    #[test]
    fn cursor_jumping_back_matches_search() {
        let map = mixed_map();
        let mut cursor = map.cursor();
        for position in [1400, 3, 700, 699, 0, 1499, 2, 900, 901, 5] {
            assert_eq!(cursor.start(position), map.start(position));
            assert_eq!(cursor.end(position), map.end(position));
        }
    }

    #[test]
    fn cursor_on_identity_map() {
        let map = OffsetMap::shifted(10);
        let mut cursor = map.cursor();
        assert_eq!(cursor.start(5), 15);
        assert_eq!(cursor.end(0), 10);
    }

    proptest::proptest! {
        #[test]
        fn cursor_matches_search_in_any_order(
            positions in proptest::collection::vec(0usize..1600, 0..64)
        ) {
            let map = mixed_map();
            let mut cursor = map.cursor();
            for position in positions {
                proptest::prop_assert_eq!(
                    cursor.start(position),
                    map.start(position)
                );
                proptest::prop_assert_eq!(
                    cursor.end(position),
                    map.end(position)
                );
            }
        }
    }
}
