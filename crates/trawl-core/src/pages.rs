//! Growable byte buffers for the de-duplication table, in transparent
//! huge pages where the system offers them.
//!
//! The table of a large scan spreads random lookups over tens of
//! megabytes. In 4 KiB pages most lookups miss the TLB as well as the
//! caches, and the pages fault in one at a time; 2 MiB pages keep the
//! whole table within the TLB's reach and fault in 512 times fewer.
//! Under the `madvise` setting of `transparent_hugepage`, Linux gives an
//! anonymous mapping huge pages only when advised to (`MADV_HUGEPAGE`),
//! which glibc's allocator does not do by default. Buffers below
//! [`HUGE_PAGE`] stay on the heap.

use std::fmt;

/// Size of a transparent huge page on x86-64, and on arm64 with 4 KiB
/// base pages, and the smallest buffer worth mapping.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const HUGE_PAGE: usize = 2 << 20;

/// Size of a base page on x86-64, and the smallest on arm64.
const SMALL_PAGE: usize = 4 << 10;

/// A byte buffer that grows like a `Vec<u8>`.
pub(crate) struct PageBuf {
    memory: Memory,
    len: usize,
}

enum Memory {
    Heap(Vec<u8>),
    /// A mapping whose bytes from `start` on start on a huge-page
    /// boundary.
    #[cfg(target_os = "linux")]
    Mapped {
        map: memmap2::MmapMut,
        start: usize,
    },
}

impl PageBuf {
    pub(crate) const fn new() -> PageBuf {
        PageBuf { memory: Memory::Heap(Vec::new()), len: 0 }
    }

    /// Returns `len` zero bytes, each page already written.
    pub(crate) fn zeroed(len: usize) -> PageBuf {
        let memory = zeroed_memory(len, Touch::Write);
        let mut buf = PageBuf { memory, len: 0 };
        buf.len = buf.capacity().min(len);
        buf
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        self.all().get(..self.len).unwrap_or_default()
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        let len = self.len;
        self.all_mut().get_mut(..len).unwrap_or_default()
    }

    /// Appends `bytes`.
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        self.reserve_to(end);
        let start = self.len;
        let room = self.all_mut().get_mut(start..end);
        debug_assert!(room.is_some(), "reserve_to left no room");
        if let Some(room) = room {
            room.copy_from_slice(bytes);
            self.len = end;
        }
    }

    /// Appends `head`, then `body`, then zero bytes up to the next
    /// multiple of 8, with one check of the capacity.
    pub(crate) fn extend_aligned(&mut self, head: &[u8], body: &[u8]) {
        let start = self.len;
        let filled =
            start.saturating_add(head.len()).saturating_add(body.len());
        let end = filled.next_multiple_of(8);
        self.reserve_to(end);
        let room = self.all_mut().get_mut(start..end);
        debug_assert!(room.is_some(), "reserve_to left no room");
        let Some(room) = room else { return };
        // The last word is zeroed first, and the parts overwrite all of it
        // but the padding.
        if let Some(last) = room.last_chunk_mut::<8>() {
            *last = [0; 8];
        }
        let (head_room, rest) = room.split_at_mut(head.len().min(room.len()));
        head_room.copy_from_slice(head);
        if let Some(body_room) = rest.get_mut(..body.len()) {
            body_room.copy_from_slice(body);
        }
        self.len = end;
    }

    /// Appends zero bytes up to a length of `len`.
    #[cfg(test)]
    pub(crate) fn pad_to(&mut self, len: usize) {
        if len > self.len {
            self.reserve_to(len);
            let start = self.len;
            let room = self.all_mut().get_mut(start..len);
            debug_assert!(room.is_some(), "reserve_to left no room");
            if let Some(room) = room {
                room.fill(0);
                self.len = len;
            }
        }
    }

    /// Sets every byte to zero and keeps the length.
    pub(crate) fn fill_zero(&mut self) {
        self.as_mut_slice().fill(0);
    }

    /// Empties the buffer and keeps its memory.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    fn capacity(&self) -> usize {
        self.all().len()
    }

    fn all(&self) -> &[u8] {
        match &self.memory {
            Memory::Heap(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Memory::Mapped { map, start } => {
                map.get(*start..).unwrap_or_default()
            }
        }
    }

    fn all_mut(&mut self) -> &mut [u8] {
        match &mut self.memory {
            Memory::Heap(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Memory::Mapped { map, start } => {
                map.get_mut(*start..).unwrap_or_default()
            }
        }
    }

    /// Reports whether the buffer is mapped rather than on the heap.
    #[cfg(test)]
    pub(crate) fn is_mapped(&self) -> bool {
        !matches!(self.memory, Memory::Heap(_))
    }

    /// Grows the capacity to at least `len`, doubling it at least, and
    /// copies the bytes over.
    #[inline]
    fn reserve_to(&mut self, len: usize) {
        if len > self.capacity() {
            self.grow_to(len);
        }
    }

    /// Grows the capacity for [`PageBuf::reserve_to`], out of line.
    #[cold]
    #[inline(never)]
    fn grow_to(&mut self, len: usize) {
        let capacity = self.capacity();
        let grown = capacity.saturating_mul(2).max(len).max(64);
        let memory = zeroed_memory(grown, Touch::Lazy);
        let mut next = PageBuf { memory, len: 0 };
        if let Some(room) = next.all_mut().get_mut(..self.len) {
            room.copy_from_slice(self.as_slice());
            next.len = self.len;
        }
        *self = next;
    }
}

/// Whether [`zeroed_memory`] writes a mapping's pages at once.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Touch {
    /// For memory read before it is written, such as a hash table's
    /// empty slots. A page that is read first maps the shared zero page,
    /// so the write after it faults a second time, and with more than
    /// one thread running, each such fault also interrupts the other
    /// cores to flush their TLBs.
    Write,
    /// For memory written in order before it is read.
    Lazy,
}

/// Returns at least `len` zero bytes: mapped and advised into huge
/// pages from [`HUGE_PAGE`] up, else on the heap, and on the heap too
/// when the mapping fails.
fn zeroed_memory(len: usize, touch: Touch) -> Memory {
    #[cfg(target_os = "linux")]
    if len >= HUGE_PAGE {
        if let Some(memory) = mapped(len, touch) {
            return memory;
        }
    }
    match touch {
        // Written after the zeroed allocation, for the reason given at
        // `Touch::Write`.
        Touch::Write => {
            let mut bytes = vec![0; len];
            write_each_page(&mut bytes);
            Memory::Heap(bytes)
        }
        // A zeroed allocation leaves the pages past the copied bytes
        // untouched until they are written.
        Touch::Lazy => Memory::Heap(vec![0; len]),
    }
}

/// Writes a zero into the first byte of each small page of `zeroed`,
/// which already reads as zero. Fresh memory, mapped or allocated
/// zeroed, needs no more to fault each page in for writing, and filling
/// every byte only wrote the zeros again.
fn write_each_page(zeroed: &mut [u8]) {
    for page in zeroed.chunks_mut(SMALL_PAGE) {
        if let Some(first) = page.first_mut() {
            *first = 0;
        }
    }
}

/// Maps `len` bytes, rounded up to whole huge pages, that start on a
/// huge-page boundary, and advises them into huge pages. The kernel
/// backs only whole aligned 2 MiB ranges with huge pages, and
/// `mmap` promises 4 KiB alignment only, so one huge page more is
/// mapped and the aligned part used.
#[cfg(target_os = "linux")]
fn mapped(len: usize, touch: Touch) -> Option<Memory> {
    let len = len.checked_next_multiple_of(HUGE_PAGE)?;
    let mut map =
        memmap2::MmapMut::map_anon(len.checked_add(HUGE_PAGE)?).ok()?;
    let address = map.as_ptr() as usize;
    let start =
        address.checked_next_multiple_of(HUGE_PAGE)?.checked_sub(address)?;
    // Without transparent huge pages the advice fails, and the mapping
    // works in small pages as the heap would.
    map.advise(memmap2::Advice::HugePage).ok();
    if touch == Touch::Write {
        write_each_page(map.get_mut(start..start.checked_add(len)?)?);
    }
    Some(Memory::Mapped { map, start })
}

impl Clone for PageBuf {
    fn clone(&self) -> PageBuf {
        let memory = zeroed_memory(self.capacity(), Touch::Lazy);
        let mut copy = PageBuf { memory, len: 0 };
        copy.extend_from_slice(self.as_slice());
        copy
    }
}

impl fmt::Debug for PageBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageBuf")
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl Default for PageBuf {
    fn default() -> PageBuf {
        PageBuf::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn growth_past_threshold_keeps_bytes() {
        let mut buf = PageBuf::new();
        let mut model = Vec::new();
        let piece = filled(100_003);
        while model.len() < 3 * HUGE_PAGE {
            buf.extend_from_slice(&piece);
            model.extend_from_slice(&piece);
            let padded = model.len().next_multiple_of(8);
            buf.pad_to(padded);
            model.resize(padded, 0);
        }
        assert_eq!(buf.len(), model.len());
        assert_eq!(buf.is_mapped(), cfg!(target_os = "linux"));
        assert!(buf.as_slice() == model.as_slice());
        assert!(buf.clone().as_slice() == model.as_slice());
    }

    #[test]
    fn padding_after_clear_is_zero() {
        for len in [100, HUGE_PAGE + 100] {
            let mut buf = PageBuf::zeroed(len);
            assert_eq!(buf.len(), len);
            buf.as_mut_slice().fill(7);
            buf.clear();
            assert!(buf.is_empty());
            buf.pad_to(len);
            assert!(buf.as_slice().iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn aligned_parts_after_clear_pad_with_zeros() {
        let mut buf = PageBuf::zeroed(HUGE_PAGE + 100);
        buf.as_mut_slice().fill(7);
        buf.clear();
        let mut model = Vec::new();
        for (head, body) in [(3, 0), (8, 8), (24, 1), (24, 13), (0, 5)] {
            let (head, body) = (filled(head), filled(body));
            buf.extend_aligned(&head, &body);
            model.extend_from_slice(&head);
            model.extend_from_slice(&body);
            model.resize(model.len().next_multiple_of(8), 0);
            assert!(buf.as_slice() == model.as_slice());
        }
        let mut small = PageBuf::new();
        small.extend_aligned(&filled(24), &filled(100_003));
        assert_eq!(small.len(), 100_032);
        assert!(small.as_slice().get(..24) == Some(&filled(24)[..]));
    }
}
