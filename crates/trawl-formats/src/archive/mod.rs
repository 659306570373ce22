//! Archive members, read in memory and never written to disk: zip
//! (stored, deflate, ZipCrypto and AES), tar, and gzip, bzip2 and xz
//! streams, including a tar inside one of them.
//!
//! [`walk`] visits an archive's members in archive order and walks
//! members that are archives themselves, to a depth limit. Every byte
//! that comes out of a member goes through a counter that stops at the
//! limits in [`Limits`]. Sizes declared in headers are never trusted and
//! never used to allocate, so a decompression bomb ends with an error
//! entry instead of exhausting memory.
//!
//! Member names are passed on as text for the report. Nothing here
//! treats them as paths.

mod bounded;
mod stream;
mod tar;
mod xz;
mod zip;

#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::fmt;
use std::io::Read;

use crate::sniff::{self, FileKind};

/// Bytes in a mebibyte.
const MIB: u64 = 1 << 20;

/// Bytes in a gibibyte.
const GIB: u64 = 1 << 30;

/// Bytes read from a decoder at a time.
const READ_CHUNK: usize = 64 << 10;

/// The limits that bound the work of one top-level input, with all its
/// nested archives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum bytes extracted from all members together, at every
    /// depth. Default 1 GiB.
    pub max_total_bytes: u64,
    /// Maximum bytes extracted from one member. Default 512 MiB.
    pub max_member_bytes: u64,
    /// Maximum ratio of extracted to compressed bytes of one member or
    /// stream. Default 1000, the ratio of DEFLATE's longest match
    /// (258 bytes) to its shortest code, so ordinary data never
    /// reaches it.
    pub max_ratio: u64,
    /// Extracted bytes of a member below which the ratio is not checked,
    /// because small runs of zeros compress well past any ratio. Default
    /// 4 MiB.
    pub ratio_free_bytes: u64,
    /// Maximum entries, counted over every archive of the input,
    /// directories and links included. Default 100,000.
    pub max_entries: u64,
    /// Maximum nesting depth; the top-level archive is depth 1. Default
    /// 3.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_total_bytes: GIB,
            max_member_bytes: 512 * MIB,
            max_ratio: 1000,
            ratio_free_bytes: 4 * MIB,
            max_entries: 100_000,
            max_depth: 3,
        }
    }
}

/// Highest nesting depth walked, whatever [`Limits::max_depth`] is set to.
/// Each level recurses through the walker, and a few hundred levels
/// overflow a worker thread's stack, which would abort the whole run.
pub const MAX_DEPTH: u32 = 64;

/// Default of [`Options::max_aes_attempts`]. Each try derives a key with
/// 1,000 rounds of PBKDF2-HMAC-SHA1, about 0.5 ms in a release build, so
/// a zip of 100,000 small AES members would take a minute per password
/// without this bound, and about 2 s with it.
pub const MAX_AES_ATTEMPTS: usize = 4096;

/// The password tried on encrypted zip members when none is given:
/// the one malware exchanges use for their archives.
pub const DEFAULT_PASSWORD: &str = "infected";

/// How to read archives.
#[derive(Clone, Debug)]
pub struct Options {
    /// The limits on extracted bytes, entries and depth.
    pub limits: Limits,
    /// Passwords tried in order on each encrypted zip member.
    pub passwords: Vec<Vec<u8>>,
    /// Maximum number of passwords tried on the AES-encrypted zip
    /// members of one input, over all members. The members left are
    /// reported as not decrypted.
    pub max_aes_attempts: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            limits: Limits::default(),
            passwords: vec![DEFAULT_PASSWORD.as_bytes().to_vec()],
            max_aes_attempts: MAX_AES_ATTEMPTS,
        }
    }
}

/// An archive or compressed-stream format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A zip archive.
    Zip,
    /// A POSIX or GNU tar archive.
    Tar,
    /// A gzip stream, often a compressed tar.
    Gzip,
    /// A bzip2 stream.
    Bzip2,
    /// An xz stream.
    Xz,
}

impl Format {
    /// Returns the format of an input of the given kind, if it is one
    /// this module reads.
    pub fn of(kind: FileKind) -> Option<Format> {
        match kind {
            FileKind::Zip => Some(Format::Zip),
            FileKind::Tar => Some(Format::Tar),
            FileKind::Gzip => Some(Format::Gzip),
            FileKind::Bzip2 => Some(Format::Bzip2),
            FileKind::Xz => Some(Format::Xz),
            _ => None,
        }
    }

    /// Returns the format's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
        }
    }

    /// Reports whether the format compresses one stream rather than
    /// listing members.
    fn is_stream(self) -> bool {
        matches!(self, Format::Gzip | Format::Bzip2 | Format::Xz)
    }
}

/// A limit of [`Limits`] that a member or archive reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::max_total_bytes`].
    TotalBytes(u64),
    /// [`Limits::max_member_bytes`].
    MemberBytes(u64),
    /// [`Limits::max_ratio`].
    Ratio(u64),
    /// [`Limits::max_entries`].
    Entries(u64),
    /// [`Limits::max_depth`].
    Depth(u32),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Limit::TotalBytes(n) => write!(
                f,
                "the {} limit on bytes extracted from one input",
                Size(n)
            ),
            Limit::MemberBytes(n) => {
                write!(f, "the {} expanded-size limit per member", Size(n))
            }
            Limit::Ratio(n) => write!(f, "the {n}:1 compression-ratio limit"),
            Limit::Entries(n) => {
                write!(f, "the limit of {n} archive entries per input")
            }
            Limit::Depth(n) => {
                write!(f, "the archive nesting-depth limit of {n}")
            }
        }
    }
}

/// A byte count written with the largest binary unit that divides it.
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [(GIB, "GiB"), (MIB, "MiB"), (1 << 10, "KiB")];
        for (unit, name) in units {
            let whole = self.0.checked_rem(unit) == Some(0);
            if let (true, Some(count)) = (whole, self.0.checked_div(unit)) {
                if count > 0 {
                    return write!(f, "{count} {name}");
                }
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

/// The reason a member was not read, or was read only in part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberError {
    /// A limit stopped extraction; the first bytes may still be scanned.
    Limit(Limit),
    /// An encrypted member that none of the passwords opened.
    WrongPassword {
        /// How many passwords were tried.
        tried: usize,
    },
    /// An AES-encrypted member left encrypted because passwords were
    /// already tried [`Options::max_aes_attempts`] times on the input's
    /// AES members.
    AesAttempts(usize),
    /// A compression or encryption method this build does not read.
    Unsupported(String),
    /// Data that failed to decompress, decrypt or verify.
    Corrupt(String),
}

impl fmt::Display for MemberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberError::Limit(Limit::Depth(n)) => write!(
                f,
                "nested archive exceeds the archive nesting-depth limit \
                 of {n}; scanned as a binary"
            ),
            MemberError::Limit(limit) => write!(
                f,
                "member exceeds {limit}; only the bytes extracted before \
                 the limit were scanned"
            ),
            MemberError::WrongPassword { tried: 0 } => {
                f.write_str("member is encrypted and no password was given")
            }
            MemberError::WrongPassword { tried: 1 } => f.write_str(
                "member is encrypted and the password tried did not open it",
            ),
            MemberError::WrongPassword { tried } => write!(
                f,
                "member is encrypted and none of the {tried} passwords \
                 tried opened it"
            ),
            MemberError::AesAttempts(limit) => write!(
                f,
                "member is encrypted with AES and was not decrypted: the \
                 input's limit of {limit} password attempts on AES \
                 members was reached"
            ),
            MemberError::Unsupported(what) => {
                write!(f, "member cannot be read: {what}")
            }
            MemberError::Corrupt(what) => {
                write!(f, "member data is invalid: {what}")
            }
        }
    }
}

/// The reason an archive was not read to its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveError {
    /// A limit on the whole input stopped the walk.
    Limit(Limit),
    /// The archive's structure is invalid past the members listed.
    Corrupt(String),
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveError::Limit(limit) => write!(
                f,
                "archive reached {limit}; later members were not read"
            ),
            ArchiveError::Corrupt(what) => write!(
                f,
                "invalid archive: {what}; later members were not read"
            ),
        }
    }
}

/// One step of a walk, in archive order. `path` lists the member names
/// from the top-level archive down; it is empty for the top-level
/// archive itself.
#[derive(Debug)]
pub enum Event<'a> {
    /// An archive starts; its members follow, then its [`Event::Close`].
    Open {
        /// The archive's path.
        path: &'a [String],
        /// Its format.
        format: Format,
    },
    /// A member to scan as a file: its bytes, or the bytes extracted
    /// before `error` stopped extraction.
    Member {
        /// The member's path.
        path: &'a [String],
        /// The extracted bytes.
        bytes: &'a [u8],
        /// The reason the bytes are incomplete, or a nested archive was
        /// not walked.
        error: Option<MemberError>,
    },
    /// A member that could not be read at all.
    Failed {
        /// The member's path.
        path: &'a [String],
        /// Why.
        error: MemberError,
    },
    /// A link, device or FIFO, which has no content to scan.
    Skipped {
        /// The member's path.
        path: &'a [String],
        /// The kind of entry, with a link's target.
        reason: String,
    },
    /// The archive opened by the matching [`Event::Open`] ends.
    Close {
        /// The archive's path.
        path: &'a [String],
        /// The reason the archive was not read to its end.
        error: Option<ArchiveError>,
    },
}

/// The bytes and entries a walk consumed, for checks of the limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Bytes extracted from members, at every depth.
    pub extracted_bytes: u64,
    /// Entries seen, at every depth.
    pub entries: u64,
}

/// Walks the archive in `bytes` and calls `visit` for every event, in
/// archive order and depth first. `stream_name` names the member of a
/// gzip, bzip2 or xz stream whose header stores no name.
pub fn walk(
    bytes: &[u8],
    format: Format,
    stream_name: &str,
    options: &Options,
    visit: &mut dyn FnMut(Event<'_>),
) -> WalkStats {
    let mut walker = Walker {
        options,
        visit,
        path: Vec::new(),
        stats: WalkStats::default(),
        stopped: None,
        aes_attempts: 0,
    };
    walker.walk_archive(bytes, format, stream_name, 1);
    walker.stats
}

/// Returns the name of the data inside a compressed stream called
/// `name`: without its `.gz`, `.bz2` or `.xz` suffix, with `.tgz`,
/// `.tbz2` and `.txz` becoming `.tar`.
pub fn stream_member_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let suffixes = [
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
    ];
    for (suffix, replacement) in suffixes {
        if let Some(stem_len) = lower.len().checked_sub(suffix.len()) {
            if lower.ends_with(suffix) && name.is_char_boundary(stem_len) {
                let stem = name.get(..stem_len).unwrap_or_default();
                if !stem.is_empty() {
                    return format!("{stem}{replacement}");
                }
            }
        }
    }
    format!("{name}.out")
}

/// The state of one walk: the current path and the budget spent.
struct Walker<'o, 'v> {
    options: &'o Options,
    visit: &'v mut dyn FnMut(Event<'_>),
    path: Vec<String>,
    stats: WalkStats,
    /// The input-wide limit that ended the walk, once one has.
    stopped: Option<Limit>,
    /// Passwords tried on AES-encrypted zip members of the input.
    aes_attempts: usize,
}

impl Walker<'_, '_> {
    fn limits(&self) -> &Limits {
        &self.options.limits
    }

    fn walk_archive(
        &mut self,
        bytes: &[u8],
        format: Format,
        stream_name: &str,
        depth: u32,
    ) {
        (self.visit)(Event::Open { path: &self.path, format });
        let result = match format {
            Format::Zip => self.walk_zip(bytes, depth),
            Format::Tar => self.walk_tar(bytes, depth),
            _ => self.walk_stream(bytes, format, stream_name, depth),
        };
        let error = result.err().or(self.stopped.map(ArchiveError::Limit));
        (self.visit)(Event::Close { path: &self.path, error });
    }

    /// Counts one entry; returns the error that stops the walk once the
    /// entry limit is passed, or an earlier input-wide limit was hit.
    fn count_entry(&mut self) -> Result<(), ArchiveError> {
        if let Some(limit) = self.stopped {
            return Err(ArchiveError::Limit(limit));
        }
        self.stats.entries = self.stats.entries.saturating_add(1);
        let max = self.limits().max_entries;
        if self.stats.entries > max {
            self.stopped = Some(Limit::Entries(max));
            return Err(ArchiveError::Limit(Limit::Entries(max)));
        }
        Ok(())
    }

    /// Handles a member's extracted bytes: walks them when they are an
    /// archive within the depth limit, or hands them to the visitor.
    fn member(
        &mut self,
        name: String,
        bytes: &[u8],
        error: Option<MemberError>,
        depth: u32,
    ) {
        self.path.push(name);
        let nested = Format::of(sniff::sniff(bytes));
        match nested {
            Some(format) if error.is_none() => {
                let max = self.limits().max_depth.min(MAX_DEPTH);
                if depth < max {
                    let last = self.path.last().map_or("", String::as_str);
                    let stream_name = if format.is_stream() {
                        stream_member_name(last)
                    } else {
                        String::new()
                    };
                    let next = depth.saturating_add(1);
                    self.walk_archive(bytes, format, &stream_name, next);
                } else {
                    let error = Some(MemberError::Limit(Limit::Depth(max)));
                    (self.visit)(Event::Member {
                        path: &self.path,
                        bytes,
                        error,
                    });
                }
            }
            _ => {
                (self.visit)(Event::Member { path: &self.path, bytes, error })
            }
        }
        self.path.pop();
    }

    fn failed(&mut self, name: String, error: MemberError) {
        self.path.push(name);
        (self.visit)(Event::Failed { path: &self.path, error });
        self.path.pop();
    }

    fn skipped(&mut self, name: String, reason: String) {
        self.path.push(name);
        (self.visit)(Event::Skipped { path: &self.path, reason });
        self.path.pop();
    }

    /// Reads a member to its end or to the first limit. `compressed`
    /// counts the compressed bytes read so far when the ratio is checked
    /// per member. Returns the bytes read, and the limit or the read
    /// error that stopped it early.
    fn extract(
        &mut self,
        reader: &mut dyn Read,
        compressed: Option<&Cell<u64>>,
    ) -> (Vec<u8>, Option<ExtractError>) {
        let limits = *self.limits();
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            let read = match reader.read(&mut chunk) {
                Ok(0) => return (bytes, None),
                Ok(read) => read,
                Err(error)
                    if error.kind() == std::io::ErrorKind::Interrupted =>
                {
                    continue;
                }
                Err(error) => return (bytes, Some(ExtractError::Io(error))),
            };
            let fresh = chunk.get(..read).unwrap_or_default();
            let total = self.stats.extracted_bytes;
            let member_room =
                limits.max_member_bytes.saturating_sub(len_u64(&bytes));
            let total_room = limits.max_total_bytes.saturating_sub(total);
            let room = member_room.min(total_room);
            let kept = fresh.get(..clamp_len(room)).unwrap_or(fresh);
            bytes.extend_from_slice(kept);
            self.stats.extracted_bytes = total.saturating_add(len_u64(kept));
            if kept.len() < fresh.len() {
                let limit = if member_room <= total_room {
                    Limit::MemberBytes(limits.max_member_bytes)
                } else {
                    let limit = Limit::TotalBytes(limits.max_total_bytes);
                    self.stopped = Some(limit);
                    limit
                };
                return (bytes, Some(ExtractError::Limit(limit)));
            }
            if let Some(compressed) = compressed {
                let compressed = compressed.get();
                if exceeds_ratio(len_u64(&bytes), compressed, &limits) {
                    let limit = Limit::Ratio(limits.max_ratio);
                    return (bytes, Some(ExtractError::Limit(limit)));
                }
            }
        }
    }
}

/// The reason [`Walker::extract`] stopped before the end of a member.
#[derive(Debug)]
enum ExtractError {
    Limit(Limit),
    Io(std::io::Error),
}

/// Reports whether `extracted` bytes from `compressed` bytes pass the
/// ratio limit, once past the bytes exempt from it.
fn exceeds_ratio(extracted: u64, compressed: u64, limits: &Limits) -> bool {
    let allowed = compressed.max(1).saturating_mul(limits.max_ratio);
    extracted > limits.ratio_free_bytes && extracted > allowed
}

fn len_u64(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

fn clamp_len(room: u64) -> usize {
    usize::try_from(room).unwrap_or(usize::MAX)
}
