//! Detections and the `iocs` object of the report.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::pages::PageBuf;
use crate::{
    Category, CustomCategory, IocKey, LentDetection, RuleId, ValueList,
};

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
    /// The indicator's category: its list in the report.
    pub category: IocKey,
    /// The custom rule that found the value; `None` for a built-in
    /// detector.
    pub rule: Option<RuleId>,
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
/// in order of first occurrence. The built-in categories come first,
/// then the custom ones in the order of their rule set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iocs {
    lists: [ValueList; Category::ALL.len()],
    custom_names: Arc<[String]>,
    /// One list per name in `custom_names`.
    custom: Vec<ValueList>,
}

/// The list of a category that has none.
static EMPTY: ValueList = ValueList::new();

impl Iocs {
    /// Returns empty lists for the built-in categories and for the custom
    /// categories `names`, which [`crate::RuleSet::categories`] returns.
    pub fn with_custom_categories(names: Arc<[String]>) -> Iocs {
        Iocs {
            lists: Default::default(),
            custom: vec![ValueList::new(); names.len()],
            custom_names: names,
        }
    }

    /// Builds the built-in lists from detections, which need not be
    /// sorted. Values are ordered by their first offset and de-duplicated
    /// per category. Values of custom categories are dropped, because
    /// their names are unknown here: collect those with
    /// [`IocsBuilder::with_custom_categories`].
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
    pub fn list(&self, category: Category) -> &ValueList {
        self.lists.get(category as usize).unwrap_or(&EMPTY)
    }

    /// Returns the list for one custom category.
    pub fn custom_list(&self, category: CustomCategory) -> &ValueList {
        self.custom.get(category.index()).unwrap_or(&EMPTY)
    }

    /// Reports whether every list is empty.
    pub fn is_empty(&self) -> bool {
        self.lists.iter().chain(&self.custom).all(ValueList::is_empty)
    }

    /// Returns the number of values over all lists.
    pub fn len(&self) -> usize {
        self.lists.iter().chain(&self.custom).map(ValueList::len).sum()
    }

    /// Iterates over `(category, values)` of the built-in categories in
    /// report order.
    pub fn iter(&self) -> impl Iterator<Item = (Category, &ValueList)> {
        Category::ALL.into_iter().map(|c| (c, self.list(c)))
    }

    /// Iterates over `(category, name, values)` of the custom categories
    /// in report order.
    pub fn custom(
        &self,
    ) -> impl Iterator<Item = (CustomCategory, &str, &ValueList)> {
        let names = self.custom_names.iter().map(String::as_str);
        let categories = (0..).map_while(CustomCategory::from_index);
        categories
            .zip(names)
            .zip(&self.custom)
            .map(|((c, name), list)| (c, name, list))
    }

    /// Iterates over `(key, values)` of every list in report order, with
    /// each key as the report names it.
    pub fn named(&self) -> impl Iterator<Item = (&str, &ValueList)> {
        let builtin = self.iter().map(|(c, list)| (c.name(), list));
        builtin.chain(self.custom().map(|(_, name, list)| (name, list)))
    }

    /// Replaces every value by `f(key, value)`, keeping the order.
    pub fn map_values(&mut self, mut f: impl FnMut(IocKey, &str) -> String) {
        let mut map = |key: IocKey, list: &mut ValueList| {
            *list = list.iter().map(|value| f(key, value)).collect();
        };
        for (list, category) in self.lists.iter_mut().zip(Category::ALL) {
            map(IocKey::Category(category), list);
        }
        let categories = (0..).map_while(CustomCategory::from_index);
        for (list, category) in self.custom.iter_mut().zip(categories) {
            map(IocKey::Custom(category), list);
        }
    }
}

/// Collects the `iocs` lists one detection at a time, keeping each
/// distinct value once with its first offset, so memory grows with the
/// number of distinct values, not of detections.
///
/// Values live in one byte arena, each behind a fixed header, and an
/// open-addressing table of 8-byte slots points into it, so a lookup
/// that finds its value reads two cache lines: the slot and the record.
/// With hundreds of thousands of distinct values both usually miss the
/// caches. Detections are therefore queued and looked up in batches:
/// a first pass over the batch loads every slot and record it will need,
/// so the processor waits for those misses together instead of one after
/// another. The table and the arena are kept in huge pages where the
/// system offers them, so that the lookups also spare the TLB.
#[derive(Clone, Debug)]
pub struct IocsBuilder {
    /// Seeded per process, so that crafted input cannot aim values at
    /// one probe sequence. Output order never depends on the hash.
    hasher: foldhash::fast::RandomState,
    /// Zero for an empty slot, else the high half of the value's hash
    /// in the high 32 bits and `record position / 8 + 1` in the low 32.
    slots: PageBuf,
    /// Records, 8-byte aligned, in insertion order: the header fields
    /// at the `HEADER_*` offsets, then the value's bytes.
    arena: PageBuf,
    /// Distinct values recorded.
    len: usize,
    /// The number of values recorded and their total length in bytes,
    /// per list as `IocKey::list_index` numbers them, so that `finish`
    /// allocates each list once.
    list_sizes: Vec<(usize, usize)>,
    max_values: usize,
    truncated: bool,
    /// Names of the custom categories whose values are kept.
    custom_names: Arc<[String]>,
    /// Detections waiting for a batched lookup, and their values'
    /// bytes, concatenated.
    queue: Vec<Queued>,
    queue_bytes: Vec<u8>,
}

/// A detection waiting in `IocsBuilder::queue`.
#[derive(Clone, Debug)]
struct Queued {
    hash: u64,
    start: usize,
    /// The value's list, as `IocKey::list_index` numbers it.
    list: u16,
    /// Length of the value's bytes, which follow those of the previous
    /// queued detection in `queue_bytes`.
    len: usize,
}

/// Header layout of a record in `IocsBuilder::arena`: the first offset,
/// the sequence number that breaks ties between equal offsets, the
/// value's length in bytes and its list index.
const HEADER_START: usize = 0;
const HEADER_SEQ: usize = 8;
const HEADER_LEN: usize = 16;
const HEADER_LIST: usize = 20;
const HEADER_SIZE: usize = 24;

/// Slots allocated on the first insertion; a power of two.
const MIN_SLOTS: usize = 1024;

/// Detections looked up together: more than the cache misses one x86
/// core keeps in flight (10 to 16 line fill buffers), and few enough for
/// the queue to stay in L1.
const BATCH: usize = 32;

impl Default for IocsBuilder {
    fn default() -> Self {
        IocsBuilder::new(usize::MAX)
    }
}

impl IocsBuilder {
    /// Creates a builder that keeps at most `max_values` distinct values.
    pub fn new(max_values: usize) -> IocsBuilder {
        IocsBuilder {
            hasher: foldhash::fast::RandomState::default(),
            slots: PageBuf::new(),
            arena: PageBuf::new(),
            len: 0,
            list_sizes: vec![(0, 0); Category::ALL.len()],
            max_values,
            truncated: false,
            custom_names: Arc::default(),
            queue: Vec::with_capacity(BATCH),
            queue_bytes: Vec::new(),
        }
    }

    /// Returns the builder with lists for the custom categories `names`,
    /// which [`crate::RuleSet::categories`] returns. Without them, values
    /// of custom categories are dropped.
    pub fn with_custom_categories(
        mut self,
        names: Arc<[String]>,
    ) -> IocsBuilder {
        let list_count = Category::ALL.len().saturating_add(names.len());
        self.list_sizes.resize(list_count, (0, 0));
        self.custom_names = names;
        self
    }

    /// Records a detection. A new value found when the maximum number of
    /// distinct values is already recorded is dropped, and
    /// [`IocsBuilder::truncated`] then returns true.
    pub fn push(&mut self, detection: &Detection) {
        let value = detection.value.as_bytes();
        self.push_bytes(detection.category, value, detection.start);
    }

    /// Records a lent detection as [`IocsBuilder::push`] records a
    /// detection, at offset `start` in place of its own, without
    /// copying its value into the lent [`Detection`].
    // Inlined with the two calls below, so that a caller in another
    // crate, once per detection, saves three calls and their prologues.
    #[inline]
    pub fn push_lent(&mut self, detection: &LentDetection<'_>, start: usize) {
        self.push_bytes(detection.category(), detection.value_bytes(), start);
    }

    /// Records `value`, which must be UTF-8, in the list of `category`.
    #[inline]
    fn push_bytes(&mut self, category: IocKey, value: &[u8], start: usize) {
        let list_count =
            Category::ALL.len().saturating_add(self.custom_names.len());
        let index = category.list_index();
        let Some(list) =
            u16::try_from(index).ok().filter(|_| index < list_count)
        else {
            return;
        };
        self.enqueue(list, value, start);
    }

    /// Records every value of `other` at offset `start`, without
    /// building their strings, and leaves `other` empty, with its memory
    /// kept for the next part. The values go in the order of their first
    /// offsets in `other`, so the result, and the values dropped at the
    /// limit, are those of pushing `other`'s detections in offset order
    /// with `start` as their offset. `other` must have the same custom
    /// categories.
    pub fn merge_from(&mut self, other: &mut IocsBuilder, start: usize) {
        other.drain_into(self, start);
        other.clear();
    }

    /// Empties the builder but keeps its table and arena, so that a
    /// builder used for one part after another grows its memory once.
    /// Starting each block of a two-thread stream afresh grew a
    /// table and arena per block, and faulting in their fresh pages
    /// cost about 5 % of the run.
    pub fn clear(&mut self) {
        self.slots.fill_zero();
        self.arena.clear();
        self.len = 0;
        self.list_sizes.fill((0, 0));
        self.truncated = false;
        self.queue.clear();
        self.queue_bytes.clear();
    }

    /// Records every value of `self` in `target` at `start`, in the
    /// order [`IocsBuilder::merge_from`] describes.
    fn drain_into(&mut self, target: &mut IocsBuilder, start: usize) {
        self.flush();
        let list_count =
            Category::ALL.len().saturating_add(target.custom_names.len());
        let mut records: Vec<Record<'_>> = self
            .records()
            .filter(|record| usize::from(record.list) < list_count)
            .collect();
        // The arena position is unique, so the order never depends on
        // the sort.
        records.sort_unstable_by_key(|record| {
            (record.first, record.seq, record.position)
        });
        for record in records {
            target.enqueue(record.list, record.value, start);
        }
    }

    /// Queues `value` of list `list`, first seen at `start`, for a
    /// batched lookup.
    #[inline]
    fn enqueue(&mut self, list: u16, value: &[u8], start: usize) {
        let hash = self.hash(list, value);
        self.queue_bytes.extend_from_slice(value);
        self.queue.push(Queued { hash, start, list, len: value.len() });
        if self.queue.len() >= BATCH {
            self.flush();
        }
    }

    fn slot_count(&self) -> usize {
        self.slots.len() / SLOT_SIZE
    }

    /// Records the queued detections, then reports whether a new value
    /// was dropped because the maximum number of distinct values was
    /// already recorded.
    pub fn truncated(&mut self) -> bool {
        self.flush();
        self.truncated
    }

    #[inline]
    fn hash(&self, list: u16, value: &[u8]) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        hasher.write_u16(list);
        hasher.write(value);
        hasher.finish()
    }

    /// Looks up every queued detection. The first two passes only load
    /// the home slot and, when its tag matches, the record it points to,
    /// so that the third pass, which does the real lookups in order,
    /// finds them cached.
    fn flush(&mut self) {
        if self.queue.is_empty() {
            return;
        }
        let mut queue = std::mem::take(&mut self.queue);
        let queue_bytes = std::mem::take(&mut self.queue_bytes);
        if !self.slots.is_empty() {
            // Both loops keep to a few instructions per detection, so that
            // many of a batch's loads fit the processor's reorder window
            // and are in flight at once.
            let slots = slot_words(&self.slots);
            let mask = slots.len().saturating_sub(1);
            let homes: [u64; BATCH] = std::array::from_fn(|i| {
                let hash = queue.get(i).map_or(0, |q| q.hash);
                slot_at(slots, home(hash, mask)).unwrap_or(0)
            });
            let arena = self.arena.as_slice();
            let mut touched = 0u8;
            for (queued, &slot) in queue.iter().zip(&homes) {
                if slot != 0 && slot >> 32 == queued.hash >> 32 {
                    let position = record_position(slot);
                    let last = position
                        .saturating_add(HEADER_SIZE)
                        .saturating_add(queued.len);
                    let first = arena.get(position).copied();
                    let end = arena.get(last.saturating_sub(1)).copied();
                    touched ^= first.unwrap_or(0) ^ end.unwrap_or(0);
                }
            }
            std::hint::black_box(touched);
        }
        let mut rest = queue_bytes.as_slice();
        for queued in &queue {
            let (value, after) =
                rest.split_at_checked(queued.len).unwrap_or((rest, &[]));
            rest = after;
            let (hash, list) = (queued.hash, queued.list);
            if !self.insert_hashed(hash, list, value, queued.start) {
                self.truncated = true;
            }
        }
        queue.clear();
        self.queue = queue;
        self.queue_bytes = queue_bytes;
        self.queue_bytes.clear();
    }

    /// Looks `value` up by its `hash` and records it or lowers its first
    /// offset. Returns false when it is new and the maximum number of
    /// values is reached. Linear probing stops at the first empty slot.
    /// The table stays at most half full, so a probe is short unless many
    /// values share a hash.
    fn insert_hashed(
        &mut self,
        hash: u64,
        list: u16,
        value: &[u8],
        start: usize,
    ) -> bool {
        if self.slots.is_empty() {
            self.slots = zeroed_slots(MIN_SLOTS);
        }
        // The slot count is a power of two, and an index is below it, so
        // stepping to the next slot cannot saturate.
        let slots = slot_words(&self.slots);
        let mask = slots.len().saturating_sub(1);
        let tag = hash >> 32;
        let seq = self.len as u64;
        let mut index = home(hash, mask);
        loop {
            let Some(slot) = slot_at(slots, index) else {
                return false;
            };
            if slot == 0 {
                break;
            }
            if slot >> 32 == tag {
                let position = record_position(slot);
                let arena = &mut self.arena;
                let record = (position, seq);
                if update_if_matches(arena, record, list, value, start) {
                    return true;
                }
            }
            index = index.saturating_add(1) & mask;
        }
        if self.len >= self.max_values {
            return false;
        }
        let Some(slot) = self.append_record(hash, list, value, start) else {
            return false;
        };
        set_slot(&mut self.slots, index, slot);
        self.len = self.len.saturating_add(1);
        if self.len > self.slot_count() / 2 {
            self.grow();
        }
        true
    }

    /// Appends a record and returns its slot, or `None` when the arena
    /// outgrew what a slot can address (32 GiB).
    fn append_record(
        &mut self,
        hash: u64,
        list: u16,
        value: &[u8],
        start: usize,
    ) -> Option<u64> {
        let position = self.arena.len();
        let index = slot_index(position)?;
        let len = u32::try_from(value.len()).ok()?;
        let mut header = [0u8; HEADER_SIZE];
        write_u64(&mut header, HEADER_START, start as u64);
        write_u64(&mut header, HEADER_SEQ, self.len as u64);
        write_u32(&mut header, HEADER_LEN, len);
        write_u16(&mut header, HEADER_LIST, list);
        self.arena.extend_aligned(&header, value);
        if let Some((count, bytes)) =
            self.list_sizes.get_mut(usize::from(list))
        {
            *count = count.saturating_add(1);
            *bytes = bytes.saturating_add(value.len());
        }
        Some((hash >> 32) << 32 | u64::from(index))
    }

    /// Doubles the slots and moves every slot to its home in the new
    /// table. A slot keeps the hash bits its home is taken from, so no
    /// value is hashed or read again.
    fn grow(&mut self) {
        let Some(size) = self.slot_count().checked_mul(2) else { return };
        let mask = size.saturating_sub(1);
        let mut slots = zeroed_slots(size);
        let old = slot_words(&self.slots);
        let filled = old.iter().map(|&slot| u64::from_le_bytes(slot));
        for slot in filled.filter(|&slot| slot != 0) {
            let mut at = home(slot, mask);
            while slot_at(slot_words(&slots), at).is_some_and(|t| t != 0) {
                at = at.saturating_add(1) & mask;
            }
            set_slot(&mut slots, at, slot);
        }
        self.slots = slots;
    }

    /// Iterates over every record, in insertion order.
    fn records(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        let mut position = 0;
        std::iter::from_fn(move || {
            let (header, body) = record_at(self.arena.as_slice(), position)?;
            let len = read_u32(header, HEADER_LEN) as usize;
            let record = Record {
                position,
                first: read_u64(header, HEADER_START),
                seq: read_u64(header, HEADER_SEQ),
                list: read_u16(header, HEADER_LIST),
                value: body.get(..len)?,
            };
            position = position
                .checked_add(HEADER_SIZE)?
                .checked_add(len)?
                .checked_next_multiple_of(8)?;
            Some(record)
        })
    }

    /// Returns the lists, each ordered by first offset, and values that
    /// share an offset (those decoded from one base64 token) in the order
    /// they were found, so the order never depends on the hash.
    ///
    /// The lists are built in one pass over the arena in insertion
    /// order, which reads it once, in order, however many lists there
    /// are. Insertion order is nearly always the report's order already,
    /// so a list is sorted only when it is not.
    pub fn finish(mut self) -> Iocs {
        self.flush();
        let list_count =
            Category::ALL.len().saturating_add(self.custom_names.len());
        let mut packed: Vec<Packed> = (0..list_count)
            .map(|list| {
                let (count, bytes) =
                    self.list_sizes.get(list).copied().unwrap_or_default();
                Packed::with_capacity(count, bytes)
            })
            .collect();
        for record in self.records() {
            if let Some(list) = packed.get_mut(usize::from(record.list)) {
                list.push(record.first, record.seq, record.value);
            }
        }
        if packed.iter().any(|list| list.unsorted) {
            self.sort_unsorted(&mut packed);
        }
        let mut iocs =
            Iocs::with_custom_categories(Arc::clone(&self.custom_names));
        let lists = iocs.lists.iter_mut().chain(iocs.custom.iter_mut());
        for (list, values) in lists.zip(packed) {
            *list = ValueList::from_parts(values.bytes, values.ends);
        }
        iocs
    }

    /// Sorts the values of every list of `packed` that is out of order.
    /// Only the keys are sorted, and then each value is copied once.
    fn sort_unsorted(&self, packed: &mut [Packed]) {
        // The arena order breaks ties, as it does in `drain_into`, so
        // the order never depends on the sort.
        let mut keys: Vec<Vec<(u64, u64, usize)>> =
            vec![Vec::new(); packed.len()];
        for record in self.records() {
            let list = usize::from(record.list);
            let unsorted = packed.get(list).is_some_and(|p| p.unsorted);
            if let Some(keys) = keys.get_mut(list).filter(|_| unsorted) {
                keys.push((record.first, record.seq, keys.len()));
            }
        }
        for (list, mut keys) in packed.iter_mut().zip(keys) {
            if !list.unsorted {
                continue;
            }
            keys.sort_unstable();
            let mut sorted =
                Packed::with_capacity(list.ends.len(), list.bytes.len());
            for (_, _, index) in keys {
                let end = list.ends.get(index).copied().unwrap_or(0);
                let start = match index.checked_sub(1) {
                    Some(previous) => list.ends.get(previous).copied(),
                    None => Some(0),
                };
                let value = start
                    .and_then(|start| list.bytes.get(start..end))
                    .unwrap_or_default();
                sorted.bytes.extend_from_slice(value);
                sorted.ends.push(sorted.bytes.len());
            }
            *list = sorted;
        }
    }
}

/// Reports whether the record of `arena` at `position` contains `value`
/// of list `list`, and if so keeps the smaller of its first offset and
/// `start`. A value first seen at a smaller offset later on (regions or
/// payloads out of order) takes `seq`, the current count, as its
/// tie-breaker, as a new value would.
fn update_if_matches(
    arena: &mut PageBuf,
    (position, seq): (usize, u64),
    list: u16,
    value: &[u8],
    start: usize,
) -> bool {
    let record = arena.as_mut_slice().get_mut(position..);
    let Some((header, body)) =
        record.and_then(|rest| rest.split_first_chunk_mut::<HEADER_SIZE>())
    else {
        return false;
    };
    let len = read_u32(header, HEADER_LEN) as usize;
    if len != value.len()
        || read_u16(header, HEADER_LIST) != list
        || body.get(..len) != Some(value)
    {
        return false;
    }
    if (start as u64) < read_u64(header, HEADER_START) {
        write_u64(header, HEADER_START, start as u64);
        write_u64(header, HEADER_SEQ, seq);
    }
    true
}

/// One record of `IocsBuilder::arena`.
struct Record<'a> {
    position: usize,
    /// The first offset the value was seen at.
    first: u64,
    /// The sequence number that breaks ties between values with the
    /// same first offset.
    seq: u64,
    /// The value's list, as `IocKey::list_index` numbers it.
    list: u16,
    value: &'a [u8],
}

/// One list that `IocsBuilder::finish` builds, with its values
/// concatenated in insertion order and the end of each.
#[derive(Default)]
struct Packed {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// The first offset and sequence number of the last value.
    last: (u64, u64),
    /// Whether a value sorts before the one inserted ahead of it.
    unsorted: bool,
}

impl Packed {
    fn with_capacity(count: usize, bytes: usize) -> Packed {
        Packed {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(count),
            ..Packed::default()
        }
    }

    fn push(&mut self, first: u64, seq: u64, value: &[u8]) {
        let key = (first, seq);
        self.unsorted |= key < self.last;
        self.last = key;
        self.bytes.extend_from_slice(value);
        self.ends.push(self.bytes.len());
    }
}

/// Returns a table of `count` empty slots.
fn zeroed_slots(count: usize) -> PageBuf {
    PageBuf::zeroed(count.saturating_mul(SLOT_SIZE))
}

/// Bytes per slot.
const SLOT_SIZE: usize = 8;

/// Returns slot `index` of `slots`, or `None` past the end.
#[inline]
fn slot_at(slots: &[[u8; SLOT_SIZE]], index: usize) -> Option<u64> {
    slots.get(index).copied().map(u64::from_le_bytes)
}

/// Returns the slots of a table.
fn slot_words(slots: &PageBuf) -> &[[u8; SLOT_SIZE]] {
    slots.as_slice().as_chunks::<SLOT_SIZE>().0
}

/// Sets slot `index` of `slots`, if there is one.
#[inline]
fn set_slot(slots: &mut PageBuf, index: usize, slot: u64) {
    let Some(at) = index.checked_mul(SLOT_SIZE) else { return };
    let bytes = slots.as_mut_slice().get_mut(at..);
    if let Some(bytes) = bytes.and_then(|b| b.first_chunk_mut::<SLOT_SIZE>()) {
        *bytes = slot.to_le_bytes();
    }
}

/// Returns the home slot of a value with hash `hash`, or of the value a
/// slot points to, in a table with `mask + 1` slots. It is taken from
/// the high half of the hash, which the slot keeps, so growing the table
/// needs no hashing.
fn home(hash: u64, mask: usize) -> usize {
    (hash >> 32) as usize & mask
}

/// Returns the arena position a non-empty slot points to.
fn record_position(slot: u64) -> usize {
    ((slot & 0xffff_ffff) as usize).saturating_sub(1).saturating_mul(8)
}

/// Returns the low half of the slot for the record at `position`: one
/// more than its index in 8-byte units, so that 0 marks an empty slot.
/// `None` when the position is past what 32 bits can address.
fn slot_index(position: usize) -> Option<u32> {
    u32::try_from(position / 8).ok()?.checked_add(1)
}

/// Splits the record at `position` of `arena` into its header and the
/// bytes after it, the first of which are its value.
fn record_at(
    arena: &[u8],
    position: usize,
) -> Option<(&[u8; HEADER_SIZE], &[u8])> {
    arena.get(position..)?.split_first_chunk::<HEADER_SIZE>()
}

fn read_u64(header: &[u8], at: usize) -> u64 {
    let bytes = header.get(at..).and_then(|rest| rest.first_chunk::<8>());
    bytes.copied().map(u64::from_le_bytes).unwrap_or_default()
}

fn read_u16(header: &[u8], at: usize) -> u16 {
    let bytes = header.get(at..).and_then(|rest| rest.first_chunk::<2>());
    bytes.copied().map(u16::from_le_bytes).unwrap_or_default()
}

fn read_u32(header: &[u8], at: usize) -> u32 {
    let bytes = header.get(at..).and_then(|rest| rest.first_chunk::<4>());
    bytes.copied().map(u32::from_le_bytes).unwrap_or_default()
}

fn write_u64(header: &mut [u8], at: usize, value: u64) {
    let bytes = header.get_mut(at..).and_then(|b| b.first_chunk_mut::<8>());
    if let Some(bytes) = bytes {
        *bytes = value.to_le_bytes();
    }
}

fn write_u16(header: &mut [u8], at: usize, value: u16) {
    let bytes = header.get_mut(at..).and_then(|b| b.first_chunk_mut::<2>());
    if let Some(bytes) = bytes {
        *bytes = value.to_le_bytes();
    }
}

fn write_u32(header: &mut [u8], at: usize, value: u32) {
    let bytes = header.get_mut(at..).and_then(|b| b.first_chunk_mut::<4>());
    if let Some(bytes) = bytes {
        *bytes = value.to_le_bytes();
    }
}

impl Serialize for Iocs {
    fn serialize<S: Serializer>(
        &self,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let len = self.lists.len().saturating_add(self.custom.len());
        let mut map = serializer.serialize_map(Some(len))?;
        for (name, values) in self.named() {
            map.serialize_entry(name, values)?;
        }
        map.end()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn detection(
        category: impl Into<IocKey>,
        value: &str,
        start: usize,
    ) -> Detection {
        Detection {
            category: category.into(),
            rule: None,
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
    fn merged_parts_equal_one_builder() {
        let first = [
            detection(Category::Domain, "b.example", 3),
            detection(Category::Ip, "10.0.0.1", 9),
            detection(Category::Domain, "a.example", 12),
        ];
        let second = [
            detection(Category::Ip, "10.0.0.2", 101),
            detection(Category::Domain, "c.example", 104),
            detection(Category::Domain, "a.example", 108),
            detection(Category::Base64, "outer", 120),
            detection(Category::Base64, "inner", 120),
            detection(Category::Domain, "d.example", 130),
        ];
        let part = |detections: &[Detection]| {
            let mut builder = IocsBuilder::default();
            for detection in detections {
                builder.push(detection);
            }
            builder
        };
        // Seven distinct values fit, so the last one found, `d.example`,
        // is dropped, though its list comes before `inner`'s.
        let mut merged = IocsBuilder::new(7);
        let mut reused = part(&first);
        merged.merge_from(&mut reused, 0);
        // The emptied builder takes the second part, as a stream reuses
        // one per block.
        for detection in &second {
            reused.push(detection);
        }
        merged.merge_from(&mut reused, 100);
        assert!(!reused.truncated());
        assert_eq!(reused.finish(), Iocs::default());

        let mut pushed = IocsBuilder::new(7);
        for detection in first.iter().chain(&second) {
            pushed.push(detection);
        }
        assert!(merged.truncated());
        assert!(pushed.truncated());
        let merged = merged.finish();
        assert_eq!(merged, pushed.finish());
        assert_eq!(
            merged.list(Category::Domain),
            ["b.example", "a.example", "c.example"]
        );
        assert_eq!(merged.list(Category::Base64), ["outer", "inner"]);
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
    fn colliding_hashes_keep_distinct_values() {
        let mut builder = IocsBuilder::default();
        let domain = Category::Domain as u16;
        let values = ["a.com", "b.com", "a.com", "c.com", "b.com"];
        for (start, value) in values.into_iter().enumerate() {
            let bytes = value.as_bytes();
            let pushed = builder.insert_hashed(7, domain, bytes, start);
            assert!(pushed, "{value}");
        }
        assert_eq!(builder.len, 3);
        let iocs = builder.finish();
        assert_eq!(iocs.list(Category::Domain), ["a.com", "b.com", "c.com"]);
    }

    /// Returns the lists as `finish` orders them, worked out without the
    /// table or the arena. Each distinct value is sorted by its smallest
    /// offset, then by the number of distinct values when that offset
    /// was seen, then by the order of first insertion.
    fn model(detections: &[Detection]) -> Vec<(Category, Vec<String>)> {
        let mut seen: Vec<(IocKey, &str, usize, usize)> = Vec::new();
        for pushed in detections {
            let count = seen.len();
            let found = seen.iter_mut().find(|(key, value, _, _)| {
                *key == pushed.category && *value == pushed.value
            });
            match found {
                Some((_, _, first, seq)) if pushed.start < *first => {
                    (*first, *seq) = (pushed.start, count);
                }
                Some(_) => {}
                None => {
                    let value = pushed.value.as_str();
                    seen.push((pushed.category, value, pushed.start, count));
                }
            }
        }
        // A stable sort, so that the insertion order breaks ties.
        seen.sort_by_key(|&(_, _, first, seq)| (first, seq));
        Category::ALL
            .into_iter()
            .map(|category| {
                let values = seen
                    .iter()
                    .filter(|(key, ..)| *key == IocKey::Category(category))
                    .map(|(_, value, ..)| value.to_string())
                    .collect();
                (category, values)
            })
            .collect()
    }

    fn assert_matches_model(detections: &[Detection]) {
        let iocs = Iocs::from_detections(detections);
        for (category, expected) in model(detections) {
            assert!(
                iocs.list(category) == expected,
                "{category:?}: {:?} != {expected:?}",
                iocs.list(category)
            );
        }
    }

    #[test]
    fn out_of_order_lists_sorted_beside_ordered_ones() {
        // The domains arrive out of order, the IPs in order, and a
        // lowered offset ties with a new value's, which the insertion
        // order settles.
        let detections = [
            detection(Category::Domain, "c.example", 30),
            detection(Category::Ip, "10.0.0.1", 31),
            detection(Category::Domain, "a.example", 10),
            detection(Category::Ip, "10.0.0.2", 40),
            detection(Category::Domain, "b.example", 20),
            detection(Category::Base64, "outer", 90),
            detection(Category::Domain, "d.example", 50),
            detection(Category::Base64, "outer", 5),
            detection(Category::Base64, "inner", 5),
            detection(Category::Domain, "d.example", 1),
        ];
        let iocs = Iocs::from_detections(&detections);
        assert_eq!(
            iocs.list(Category::Domain),
            ["d.example", "a.example", "b.example", "c.example"]
        );
        assert_eq!(iocs.list(Category::Ip), ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(iocs.list(Category::Base64), ["outer", "inner"]);
        assert_matches_model(&detections);
    }

    proptest::proptest! {
        #[test]
        fn finish_orders_as_model(pushes in proptest::collection::vec(
            (0..3usize, 0..12usize, 0..64usize),
            0..80,
        )) {
            let categories =
                [Category::Domain, Category::Base64, Category::Url];
            let detections: Vec<Detection> = pushes
                .iter()
                .map(|&(category, value, start)| {
                    let value = format!("v{value}é");
                    detection(categories[category], &value, start)
                })
                .collect();
            assert_matches_model(&detections);
        }
    }

    #[test]
    fn same_value_in_two_categories_kept_twice() {
        let detections = [
            detection(Category::Domain, "x", 3),
            detection(Category::Hash, "x", 4),
            detection(Category::Domain, "x", 9),
        ];
        let iocs = Iocs::from_detections(&detections);
        assert_eq!(iocs.list(Category::Domain), ["x"]);
        assert_eq!(iocs.list(Category::Hash), ["x"]);
        assert_eq!(iocs.len(), 2);
    }

    #[test]
    fn table_growth_keeps_every_value() {
        let mut builder = IocsBuilder::default();
        let count = 5 * MIN_SLOTS;
        for round in 0..2 {
            for n in 0..count {
                let value = format!("host{n}.example");
                let start = round * count + n;
                builder.push(&detection(Category::Domain, &value, start));
            }
        }
        assert!(!builder.truncated());
        assert_eq!(builder.len, count);
        let iocs = builder.finish();
        let list = iocs.list(Category::Domain);
        assert_eq!(list.len(), count);
        assert_eq!(list.get(0), Some("host0.example"));
        let last = format!("host{}.example", count - 1);
        assert_eq!(list.get(count - 1), Some(last.as_str()));
    }

    #[test]
    fn mapped_table_keeps_every_value() {
        // Enough values for the slots (8 MiB) and the records (about
        // 12 MiB) to be mapped rather than on the heap.
        let count = 300_000;
        let mut builder = IocsBuilder::default();
        for round in 0..2 {
            for n in 0..count {
                let value = format!("h{n}.example");
                builder.push(&detection(Category::Domain, &value, n + round));
            }
        }
        assert!(!builder.truncated());
        assert_eq!(builder.len, count);
        assert!(builder.slots.len() > 2 << 20);
        assert!(builder.arena.len() > 2 << 20);
        let mapped = cfg!(target_os = "linux");
        assert_eq!(builder.slots.is_mapped(), mapped);
        assert_eq!(builder.arena.is_mapped(), mapped);

        let mut reused = builder.clone();
        let iocs = builder.finish();
        let list = iocs.list(Category::Domain);
        assert_eq!(list.len(), count);
        for n in [0, 1, count / 2, count - 1] {
            let value = format!("h{n}.example");
            assert_eq!(list.get(n), Some(value.as_str()), "{n}");
        }

        reused.clear();
        reused.push(&detection(Category::Ip, "10.0.0.1", 5));
        reused.push(&detection(Category::Domain, "h7.example", 3));
        let iocs = reused.finish();
        assert_eq!(iocs.len(), 2);
        assert_eq!(iocs.list(Category::Domain).get(0), Some("h7.example"));
    }

    #[test]
    fn bound_rejects_only_new_values() {
        let mut builder = IocsBuilder::new(1);
        builder.push(&detection(Category::Url, "a", 0));
        builder.push(&detection(Category::Url, "a", 2));
        assert!(!builder.truncated());
        builder.push(&detection(Category::Url, "b", 1));
        assert!(builder.truncated());
        assert_eq!(builder.finish().list(Category::Url), ["a"]);
    }

    #[test]
    fn later_smaller_offset_moves_value_first() {
        let detections = [
            detection(Category::Cve, "late", 50),
            detection(Category::Cve, "early", 10),
            detection(Category::Cve, "late", 5),
        ];
        let iocs = Iocs::from_detections(&detections);
        assert_eq!(iocs.list(Category::Cve), ["late", "early"]);
    }

    #[test]
    fn iocs_serialize_every_key_in_order() {
        let json = serde_json::to_string(&Iocs::default()).unwrap();
        assert_eq!(
            json,
            "{\"urls\":[],\"domains\":[],\"ips\":[],\"hashes\":[],\
             \"emails\":[],\"filepaths\":[],\"base64\":[],\
             \"crypto.btc\":[],\"crypto.eth\":[],\"cves\":[],\
             \"registry_keys\":[],\"attack_techniques\":[],\"macs\":[],\
             \"crypto.xmr\":[],\"fuzzy_hashes\":[],\"asns\":[],\
             \"filenames\":[],\"crypto.ltc\":[],\"crypto.bch\":[],\
             \"crypto.dash\":[],\"mutexes\":[]}"
        );
    }

    fn custom(index: usize) -> IocKey {
        IocKey::Custom(CustomCategory::from_index(index).unwrap())
    }

    fn custom_builder() -> IocsBuilder {
        let names: Arc<[String]> =
            Arc::from(vec!["tickets".to_string(), "hosts".to_string()]);
        IocsBuilder::default().with_custom_categories(names)
    }

    #[test]
    fn custom_lists_follow_builtin_keys() {
        let mut builder = custom_builder();
        builder.push(&detection(custom(1), "h2", 9));
        builder.push(&detection(custom(0), "T-1", 4));
        builder.push(&detection(custom(1), "h1", 2));
        builder.push(&detection(custom(1), "h2", 1));
        builder.push(&detection(Category::Asn, "h1", 3));
        let iocs = builder.finish();
        let json = serde_json::to_string(&iocs).unwrap();
        assert!(
            json.ends_with(
                "\"asns\":[\"h1\"],\"filenames\":[],\"crypto.ltc\":[],\
                 \"crypto.bch\":[],\"crypto.dash\":[],\"mutexes\":[],\
                 \"tickets\":[\"T-1\"],\"hosts\":[\"h2\",\"h1\"]}"
            ),
            "{json}"
        );
        assert_eq!(iocs.len(), 4);
    }

    #[test]
    fn custom_value_without_names_dropped() {
        let mut builder = IocsBuilder::default();
        builder.push(&detection(custom(0), "T-1", 0));
        let iocs = builder.finish();
        assert!(iocs.is_empty());
        let mut builder = custom_builder();
        builder.push(&detection(custom(2), "T-1", 0));
        assert!(builder.finish().is_empty());
    }

    #[test]
    fn custom_and_builtin_same_value_kept_apart() {
        let mut builder = custom_builder();
        builder.push(&detection(custom(0), "x", 0));
        builder.push(&detection(custom(1), "x", 1));
        builder.push(&detection(Category::Domain, "x", 2));
        let iocs = builder.finish();
        assert_eq!(iocs.len(), 3);
        let named: Vec<_> =
            iocs.named().filter(|(_, list)| !list.is_empty()).collect();
        assert_eq!(named.len(), 3);
    }

    #[test]
    fn map_values_reaches_custom_lists() {
        let mut builder = custom_builder();
        builder.push(&detection(custom(1), "a", 0));
        builder.push(&detection(Category::Domain, "b", 1));
        let mut iocs = builder.finish();
        iocs.map_values(|key, value| format!("{key:?}:{value}"));
        assert_eq!(iocs.list(Category::Domain), ["Category(Domain):b"]);
        let hosts = CustomCategory::from_index(1).unwrap();
        assert_eq!(iocs.custom_list(hosts), ["Custom(CustomCategory(1)):a"]);
    }
}
