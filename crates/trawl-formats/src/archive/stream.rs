//! gzip, bzip2 and xz streams: one compressed member, or a compressed
//! tar whose entries are listed as the stream's members.

use std::io::{self, Read};

use bzip2::read::MultiBzDecoder;
use flate2::read::MultiGzDecoder;

use super::bounded::{CountingReader, Meter, MeteredReader, StreamState};
use super::xz::XzReader;
use super::{ArchiveError, ExtractError, Format, Limit, MemberError, Walker};
use crate::sniff::{self, FileKind};

/// Decoded bytes sniffed to tell a compressed tar from other data: one
/// tar header block.
const HEAD_LEN: usize = 512;

impl Walker<'_, '_> {
    pub(super) fn walk_stream(
        &mut self,
        bytes: &[u8],
        format: Format,
        stream_name: &str,
        depth: u32,
    ) -> Result<(), ArchiveError> {
        self.count_entry()?;
        let state = StreamState::default();
        let limits = *self.limits();
        let cap =
            limits.max_total_bytes.saturating_sub(self.stats.extracted_bytes);
        let meter = Meter::new(&state, limits, cap);
        let input = CountingReader { inner: bytes, state: &state };
        match format {
            Format::Gzip => {
                let inner = MultiGzDecoder::new(input);
                let mut reader = MeteredReader { inner, meter };
                let head = read_head(&mut reader);
                let name = reader
                    .inner
                    .header()
                    .and_then(|header| header.filename())
                    .map(|name| String::from_utf8_lossy(name).into_owned())
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| stream_name.to_string());
                self.stream_contents(head, reader, name, &state, depth)
            }
            Format::Bzip2 => {
                let inner = MultiBzDecoder::new(input);
                let mut reader = MeteredReader { inner, meter };
                let head = read_head(&mut reader);
                let name = stream_name.to_string();
                self.stream_contents(head, reader, name, &state, depth)
            }
            _ => {
                let inner = XzReader::new(input);
                let mut reader = MeteredReader { inner, meter };
                let head = read_head(&mut reader);
                let name = stream_name.to_string();
                self.stream_contents(head, reader, name, &state, depth)
            }
        }
    }

    /// Lists the decoded stream as a tar's entries when it starts with a
    /// tar header, and as one member otherwise.
    fn stream_contents(
        &mut self,
        head: (Vec<u8>, Option<io::Error>),
        rest: impl Read,
        name: String,
        state: &StreamState,
        depth: u32,
    ) -> Result<(), ArchiveError> {
        let (head, head_error) = head;
        if let Some(error) = head_error {
            let error = match self.stream_error(state) {
                Some(limit) => MemberError::Limit(limit),
                None => MemberError::Corrupt(error.to_string()),
            };
            if head.is_empty() {
                self.failed(name, error);
            } else {
                self.member(name, &head, Some(error), depth);
            }
            return Ok(());
        }
        if sniff::sniff(&head) == FileKind::Tar {
            let reader = io::Cursor::new(head).chain(rest);
            return self.walk_tar_reader(reader, depth, Some(state));
        }
        let mut reader = io::Cursor::new(head).chain(rest);
        let (bytes, stopped) = self.extract(&mut reader, None);
        let error = stopped.map(|stopped| match stopped {
            ExtractError::Limit(limit) => MemberError::Limit(limit),
            ExtractError::Io(error) => match self.stream_error(state) {
                Some(limit) => MemberError::Limit(limit),
                None => MemberError::Corrupt(error.to_string()),
            },
        });
        match error {
            Some(error) if bytes.is_empty() => self.failed(name, error),
            error => self.member(name, &bytes, error, depth),
        }
        Ok(())
    }

    /// Returns the limit that failed a stream, and stops the walk when it
    /// is the input-wide byte budget.
    pub(super) fn stream_error(
        &mut self,
        state: &StreamState,
    ) -> Option<Limit> {
        let limit = state.hit.get()?;
        if matches!(limit, Limit::TotalBytes(_)) {
            self.stopped = Some(limit);
        }
        Some(limit)
    }
}

/// Reads up to [`HEAD_LEN`] bytes, and the error that cut them short.
fn read_head(reader: &mut impl Read) -> (Vec<u8>, Option<io::Error>) {
    let mut head = Vec::with_capacity(HEAD_LEN);
    let limit = u64::try_from(HEAD_LEN).unwrap_or(u64::MAX);
    // On an error, the bytes read before it are already in `head`.
    let error = reader.take(limit).read_to_end(&mut head).err();
    (head, error)
}
