//! Readers and writers that count the bytes passing through them and
//! fail once a compressed stream expands past its limits.

use std::cell::Cell;
use std::io::{self, Read};

use super::{exceeds_ratio, Limit, Limits};

/// The counts shared by a stream's input and output sides.
#[derive(Debug, Default)]
pub(super) struct StreamState {
    /// Compressed bytes the decoder has read so far.
    pub compressed: Cell<u64>,
    /// The limit that failed the stream, once one has.
    pub hit: Cell<Option<Limit>>,
}

/// Most compressed bytes handed to a decoder in one read. Decoders read
/// ahead, and a bomb expands each byte a thousandfold, so a small read
/// keeps the ratio check close to the bytes actually decoded: 4 KiB
/// read ahead at 1032:1, DEFLATE's maximum ratio, is about 4 MiB of
/// output.
pub(super) const MAX_COMPRESSED_READ: usize = 4 << 10;

/// Counts the compressed bytes a decoder reads.
pub(super) struct CountingReader<'s, R> {
    pub inner: R,
    pub state: &'s StreamState,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(MAX_COMPRESSED_READ);
        let read = self.inner.read(buf.get_mut(..len).unwrap_or_default())?;
        let count = u64::try_from(read).unwrap_or(u64::MAX);
        let total = self.state.compressed.get().saturating_add(count);
        self.state.compressed.set(total);
        Ok(read)
    }
}

/// Checks a stream's decoded size against a cap and the ratio limit.
pub(super) struct Meter<'s> {
    state: &'s StreamState,
    limits: Limits,
    /// Decoded bytes allowed: what is left of the input's total budget.
    cap: u64,
    decoded: u64,
}

impl<'s> Meter<'s> {
    pub fn new(state: &'s StreamState, limits: Limits, cap: u64) -> Self {
        Meter { state, limits, cap, decoded: 0 }
    }

    /// Adds `count` decoded bytes; fails when a limit is passed.
    fn add(&mut self, count: usize) -> io::Result<()> {
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        self.decoded = self.decoded.saturating_add(count);
        let limit = if self.decoded > self.cap {
            Limit::TotalBytes(self.limits.max_total_bytes)
        } else if exceeds_ratio(
            self.decoded,
            self.state.compressed.get(),
            &self.limits,
        ) {
            Limit::Ratio(self.limits.max_ratio)
        } else {
            return Ok(());
        };
        self.state.hit.set(Some(limit));
        Err(io::Error::other(format!("stream exceeds {limit}")))
    }
}

/// A decoder's output, metered.
pub(super) struct MeteredReader<'s, R> {
    pub inner: R,
    pub meter: Meter<'s>,
}

impl<R: Read> Read for MeteredReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.meter.add(read)?;
        Ok(read)
    }
}
