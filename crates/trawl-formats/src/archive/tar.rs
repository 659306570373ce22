//! tar archives (POSIX ustar, pax and GNU), read entry by entry from
//! memory or from a decoded stream.

use std::io::Read;

use tar::EntryType;

use super::bounded::StreamState;
use super::{ArchiveError, ExtractError, MemberError, Walker};

impl Walker<'_, '_> {
    pub(super) fn walk_tar(
        &mut self,
        bytes: &[u8],
        depth: u32,
    ) -> Result<(), ArchiveError> {
        self.walk_tar_reader(bytes, depth, None)
    }

    /// Lists the entries of the tar read from `reader`. `state` is the
    /// decoded stream's, when the tar is compressed, so that a stream
    /// limit is reported as a limit instead of as corrupt data.
    pub(super) fn walk_tar_reader(
        &mut self,
        reader: impl Read,
        depth: u32,
        state: Option<&StreamState>,
    ) -> Result<(), ArchiveError> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive
            .entries()
            .map_err(|error| self.tar_error(&error, state))?;
        for entry in entries {
            self.count_entry()?;
            let mut entry =
                entry.map_err(|error| self.tar_error(&error, state))?;
            let name =
                String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let entry_type = entry.header().entry_type();
            let link = || {
                let target = entry.link_name_bytes().unwrap_or_default();
                String::from_utf8_lossy(&target).into_owned()
            };
            let skipped = match entry_type {
                EntryType::Regular
                | EntryType::Continuous
                | EntryType::GNUSparse => None,
                EntryType::Directory => continue,
                EntryType::Symlink => {
                    Some(format!("symbolic link to '{}'", link()))
                }
                EntryType::Link => Some(format!("hard link to '{}'", link())),
                EntryType::Char => Some("character device".to_string()),
                EntryType::Block => Some("block device".to_string()),
                EntryType::Fifo => Some("FIFO".to_string()),
                other => Some(format!(
                    "tar entry of type '{}'",
                    char::from(other.as_byte()).escape_default()
                )),
            };
            if let Some(reason) = skipped {
                self.skipped(name, reason);
                continue;
            }
            let (bytes, stopped) = self.extract(&mut entry, None);
            let error = stopped.map(|stopped| match stopped {
                ExtractError::Limit(limit) => MemberError::Limit(limit),
                ExtractError::Io(error) => {
                    match state.and_then(|state| self.stream_error(state)) {
                        Some(limit) => MemberError::Limit(limit),
                        None => MemberError::Corrupt(error.to_string()),
                    }
                }
            });
            self.member(name, &bytes, error, depth);
            if let Some(limit) = self.stopped {
                return Err(ArchiveError::Limit(limit));
            }
        }
        Ok(())
    }

    fn tar_error(
        &mut self,
        error: &std::io::Error,
        state: Option<&StreamState>,
    ) -> ArchiveError {
        match state.and_then(|state| self.stream_error(state)) {
            Some(limit) => ArchiveError::Limit(limit),
            None => ArchiveError::Corrupt(error.to_string()),
        }
    }
}
