//! Scans one input into its report: read, sniff, split into regions,
//! scan each region and map the detections back to input offsets.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use trawl_core::{
    wrapped_base64_end_in, BlockEnd, CodeUnits, Detection, Filter, FilterPass,
    IocKey, Iocs, IocsBuilder, LentDetection, RuleSet, Scanner, Source,
    Verdict,
};
use trawl_formats::archive;
use trawl_formats::pe::analysis::{self, Analysis, Level};
use trawl_formats::pe::{self, hashes, metadata::PeMetadata, PeLimits};
use trawl_formats::sniff::{self, FileKind};
use trawl_formats::text::{self, Encoding};
use trawl_formats::{strings, Origin, Region};

use crate::inputs::Input;
use crate::report::{DetailEntry, Metadata, Report, ReportError, Stage};

/// Settings shared by every input of a run.
#[derive(Debug)]
pub struct Settings {
    /// The scanner, built once from `--types`.
    pub scanner: Scanner,
    /// The `--allow`, `--block` and `--exclude-benign` lists.
    pub filter: Filter,
    /// Minimum length of extracted strings, in characters.
    pub min_length: usize,
    /// Whether reports list every detection.
    pub detail: bool,
    /// Maximum strings extracted from one binary input.
    pub max_strings: usize,
    /// Largest part of one input that is read, in bytes.
    pub max_input_size: u64,
    /// Bounds on the tables read from a PE file.
    pub pe_limits: PeLimits,
    /// How archives are read; `None` scans them as binaries.
    pub archives: Option<archive::Options>,
    /// The PE analysis level, `None` for no `analysis` object.
    pub analysis: Option<Level>,
}

impl Settings {
    /// Returns empty `iocs` lists with the keys of the custom rules'
    /// categories, so that every report of a run has the same keys.
    pub fn empty_iocs(&self) -> Iocs {
        let names = self.scanner.rules().categories();
        Iocs::with_custom_categories(std::sync::Arc::clone(names))
    }
}

/// Longest `raw` text, in bytes, of a value found inside a decoded base64
/// payload (the start of the token it came from).
const MAX_NESTED_RAW: usize = 256;

/// A detection whose span is in input offsets, with its region's origin
/// and raw text.
struct Found {
    detection: Detection,
    origin: Origin,
    raw: Option<String>,
    note: FilterNote,
}

/// The list entry that decided a detection's fate, as `--detail` shows
/// it.
#[derive(Debug, Default)]
enum FilterNote {
    /// No list names the value.
    #[default]
    None,
    /// Left out of `iocs`, with the reason.
    Dropped(String),
    /// Kept because a block list names it, with the entry.
    Listed(String),
}

impl From<Verdict<'_>> for FilterNote {
    fn from(verdict: Verdict<'_>) -> FilterNote {
        match verdict {
            Verdict::Keep => FilterNote::None,
            Verdict::Dropped(reason) => {
                FilterNote::Dropped(reason.to_string())
            }
            Verdict::Listed(entry) => FilterNote::Listed(entry.to_string()),
        }
    }
}

/// Reads and scans one input. An archive gives a report for itself and
/// one for each member; any other input gives one report.
pub fn process(input: &Input, settings: &Settings) -> Vec<Report> {
    match input {
        Input::Text(text) => {
            let bytes = text.as_bytes();
            let region = text::decode(bytes, Encoding::Utf8 { bom: false });
            let kind = FileKind::Text(Encoding::Utf8 { bom: false });
            vec![scan_regions(None, kind, vec![region], settings)]
        }
        Input::Stdin => {
            let read = read_input(io::stdin(), None, None, settings);
            scan_contents(None, read, "standard input", settings)
        }
        Input::File(path) => {
            let file = Some(display(path));
            scan_contents(file, read_file(path, settings), "file", settings)
        }
        Input::Failed(path, message) => {
            vec![failed(Some(display(path)), message.clone(), settings)]
        }
    }
}

/// Scans the contents [`read_input`] returned, or reports the read
/// error, naming the input as `kind`.
fn scan_contents(
    file: Option<String>,
    read: io::Result<Contents>,
    kind: &str,
    settings: &Settings,
) -> Vec<Report> {
    match read {
        Ok(Contents::Whole(bytes)) => {
            let reports = scan_bytes(file, &bytes, settings);
            recycle_file_buffer(bytes);
            reports
        }
        Ok(Contents::Streamed(report)) => vec![*report],
        Err(error) => vec![failed(
            file,
            format!("failed to read {kind}: {error}"),
            settings,
        )],
    }
}

/// Returns the report of an input that could not be read.
fn failed(
    file: Option<String>,
    message: String,
    settings: &Settings,
) -> Report {
    let error = ReportError { stage: Stage::Read, message };
    let mut report = Report::failed(file, error);
    report.iocs = settings.empty_iocs();
    report
}

/// Returns a path as it goes into the report.
// NOTE: a path that is not valid UTF-8 is written with U+FFFD in place of
// the invalid bytes, so it cannot always be opened from the report.
pub fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Bytes read at a time when streaming; a block is extended to end at a
/// newline. On a 100 MB text, two threads took 2 to 4 % less time with
/// 2 MiB blocks than with 4 MiB ones. The last block, which one thread
/// scans alone, is shorter, and a block's tables stay in the caches.
const STREAM_BLOCK: usize = 2 << 20;

/// Files larger than this, one block, are sniffed from their first bytes
/// and, when they are UTF-8 or Latin-1 text, scanned in blocks instead
/// of being read whole. Memory then does not grow with the file, and
/// every thread of the pool can scan a block of one large file. Reading
/// a 50 MB log whole left the second thread idle, and even on one thread
/// streaming it took 5 % less time.
const STREAM_THRESHOLD: u64 = STREAM_BLOCK as u64;

/// How far a block may grow to reach a newline before it is cut inside
/// the line.
const MAX_STREAM_LINE: usize = 16 << 20;

/// Blocks a worker may read past the last merged one, per thread, when
/// streaming: enough that a slow block does not leave the other threads
/// idle. At most this many scanned blocks wait to be merged, plus one
/// block in hand per thread, which bounds memory to that many blocks,
/// each at most `MAX_STREAM_LINE` plus a token, with their values.
const STREAM_AHEAD_PER_THREAD: usize = 4;

/// Bytes sniffed before deciding to stream.
const SNIFF_LEN: usize = 64 << 10;

/// Largest file buffer a thread keeps for the next file, which bounds
/// what a long-running process, such as one that calls the Python
/// package, keeps per thread between files.
const MAX_SPARE_FILE_BUFFER: usize = 16 << 20;

thread_local! {
    /// The memory of the last file a thread read whole. Reading the next
    /// file into it spares the kernel from mapping and zeroing fresh
    /// pages for each file, about 3 % of a run over a folder of PE files.
    static SPARE_FILE_BUFFER: std::cell::Cell<Vec<u8>> =
        const { std::cell::Cell::new(Vec::new()) };
}

/// Keeps the buffer of a file read whole for the thread's next file.
fn recycle_file_buffer(bytes: Vec<u8>) {
    if bytes.capacity() <= MAX_SPARE_FILE_BUFFER {
        SPARE_FILE_BUFFER.set(bytes);
    }
}

/// A file read whole, or already scanned block by block.
enum Contents {
    Whole(Vec<u8>),
    Streamed(Box<Report>),
}

/// Reads a file, opened read-only, as [`read_input`] does.
fn read_file(path: &Path, settings: &Settings) -> io::Result<Contents> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata().map(|m| m.len()).ok();
    read_input(file, len, Some(display(path)), settings)
}

/// Reads an input whose length, when known, is `len`. Text longer than
/// one block, or than the sniffed head when the length is unknown, is
/// streamed, so memory does not grow with it. Other input is read whole
/// up to one byte past the input-size limit, so that the report can
/// record the cut.
fn read_input(
    input: impl Read + Send,
    len: Option<u64>,
    file: Option<String>,
    settings: &Settings,
) -> io::Result<Contents> {
    let limit = settings.max_input_size;
    let mut head = SPARE_FILE_BUFFER.take();
    head.clear();
    let mut reader = input.take(limit.saturating_add(1));
    (&mut reader).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let kind = sniff::sniff(&head);
    let large = match len {
        Some(len) => len > STREAM_THRESHOLD,
        None => head.len() >= SNIFF_LEN,
    };
    if let (FileKind::Text(encoding), true) = (kind, large) {
        let mut source = io::Cursor::new(head).chain(reader);
        let mut report = scan_stream(
            file,
            encoding,
            (&mut source).take(limit),
            (STREAM_BLOCK, MAX_STREAM_LINE),
            settings,
        )?;
        // The byte past the limit, if any, shows the cut, also in a file
        // that grew after its size was read.
        if source.read(&mut [0u8])? > 0 {
            report.errors.insert(0, input_too_long(limit));
        }
        return Ok(Contents::Streamed(Box::new(report)));
    }
    let mut bytes = head;
    // Reserving the size the file had when opened saves the copies of
    // doubling the buffer. The limit caps it, a file that changed size
    // since is still read to its end, and a size the allocator cannot
    // reserve leaves the buffer to grow as bytes arrive.
    let expected = len.unwrap_or(0).min(limit).saturating_add(1);
    let expected = usize::try_from(expected).unwrap_or(usize::MAX);
    let _ = bytes.try_reserve_exact(expected.saturating_sub(bytes.len()));
    reader.read_to_end(&mut bytes)?;
    Ok(Contents::Whole(bytes))
}

/// Scans text from `input` block by block with the results of a whole
/// scan. Blocks of `sizes.0` bytes end after a newline, and a line
/// longer than `sizes.1` is cut. Each cut has a token's length of
/// overlap before it, and a cut inside a line as much after it too. Each
/// block keeps the detections that start in it, as the scanner does
/// with its own chunks.
///
/// Every thread of the current pool reads the next block, scans it into
/// a collector of its own, and hands it over. The thread that hands over
/// the next block in input order merges it. So the report is the same
/// for any number of threads, and no thread waits for the others at the
/// end of a batch of blocks.
fn scan_stream(
    file: Option<String>,
    encoding: Encoding,
    input: impl Read + Send,
    sizes: (usize, usize),
    settings: &Settings,
) -> io::Result<Report> {
    let threads = rayon::current_num_threads().max(1);
    if threads == 1 {
        return scan_stream_alone(file, encoding, input, sizes, settings);
    }
    let ahead = threads.saturating_mul(STREAM_AHEAD_PER_THREAD);
    let stream = Stream::new(input, encoding, sizes, ahead, settings);
    stream.run(threads, &scan_block);
    stream.finish(file, FileKind::Text(encoding))
}

/// Scans the blocks of `input` in turn into one collector. One thread
/// gains nothing from scanning blocks apart and merging them, which
/// records each value twice. On a 100 MB indicator-dense text this
/// path took about 5 % less time. The report is the same, because
/// merging records values in the order this path does.
fn scan_stream_alone(
    file: Option<String>,
    encoding: Encoding,
    input: impl Read,
    sizes: (usize, usize),
    settings: &Settings,
) -> io::Result<Report> {
    let token = settings.scanner.limits().max_token_len;
    let mut reader = BlockReader::new(input, encoding, sizes, token);
    let mut collector = Collector::new(settings);
    while let Some(block) = reader.next_block()? {
        collector
            .scan_region(&block_region(&block), Some(block.owned.clone()));
        reader.recycle(block.text);
    }
    Ok(collector.finish(file, FileKind::Text(encoding), Vec::new()))
}

/// The blocks of one streamed input shared by the threads that scan it.
struct Stream<'s, R> {
    reader: Mutex<BlockReader<R>>,
    state: Mutex<StreamState<'s>>,
    /// Signalled when a block is merged or the stream stops.
    changed: Condvar,
    /// The merged blocks; locked only by the thread whose turn it is to
    /// merge.
    collector: Mutex<Collector<'s>>,
    /// The bytes of scanned blocks, handed back so that the next blocks
    /// reuse their memory. A fresh allocation per block was mapped
    /// and zeroed by the kernel each time, which doubled the page faults
    /// of a two-thread run over a 100 MB text. It has its own lock,
    /// because the reader's is held while waiting for a merge.
    spare_texts: Mutex<Vec<Vec<u8>>>,
    /// Merged, emptied collectors, for the next blocks to be scanned
    /// into, so that their tables and arenas grow once per thread
    /// instead of once per block.
    spare_parts: Mutex<Vec<Collector<'s>>>,
    settings: &'s Settings,
    /// Blocks a thread may read past the last merged one.
    ahead: usize,
}

/// The blocks read and merged so far.
#[derive(Default)]
struct StreamState<'s> {
    /// Blocks read so far; the next block read gets this index.
    read: usize,
    /// Blocks merged so far; the next block to merge has this index.
    merged: usize,
    /// Scanned blocks waiting for those before them, by index, with the
    /// input offset their detections start from.
    ready: BTreeMap<usize, (usize, Collector<'s>)>,
    /// Whether a thread is merging.
    merging: bool,
    /// Set when reading failed or the input ended: threads take no more
    /// blocks.
    done: bool,
    error: Option<io::Error>,
}

impl<'s, R: Read + Send> Stream<'s, R> {
    fn new(
        input: R,
        encoding: Encoding,
        sizes: (usize, usize),
        ahead: usize,
        settings: &'s Settings,
    ) -> Self {
        let token = settings.scanner.limits().max_token_len;
        let reader = BlockReader::new(input, encoding, sizes, token);
        Stream {
            reader: Mutex::new(reader),
            state: Mutex::new(StreamState::default()),
            changed: Condvar::new(),
            collector: Mutex::new(Collector::new(settings)),
            spare_texts: Mutex::new(Vec::new()),
            spare_parts: Mutex::new(Vec::new()),
            settings,
            ahead,
        }
    }

    /// Runs `threads` workers on the current pool, each scanning blocks
    /// with `scan`, until the input ends.
    fn run(
        &self,
        threads: usize,
        scan: &(dyn Fn(&Block, Collector<'s>) -> Collector<'s> + Sync),
    ) {
        rayon::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|_| self.work(scan));
            }
        });
    }

    /// Returns the report of the merged blocks, or the read error that
    /// stopped the stream.
    fn finish(
        self,
        file: Option<String>,
        kind: FileKind,
    ) -> io::Result<Report> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(error) = state.error {
            return Err(error);
        }
        let collector =
            self.collector.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(collector.finish(file, kind, Vec::new()))
    }

    fn lock_state(&self) -> MutexGuard<'_, StreamState<'s>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads, scans and hands over blocks until the input ends.
    fn work(
        &self,
        scan: &(dyn Fn(&Block, Collector<'s>) -> Collector<'s> + Sync),
    ) {
        let _stop = StopOnPanic(self);
        while let Some((index, block)) = self.next_block() {
            let spare = self
                .spare_parts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let empty = spare.unwrap_or_else(|| Collector::new(self.settings));
            let part = scan(&block, empty);
            self.hand_over(index, block.owned.start, part);
            self.spare_texts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(block.text);
        }
    }

    /// Ends the stream: threads take no more blocks, and those waiting
    /// for a merge wake up.
    fn stop(&self) {
        let mut state = self.lock_state();
        state.done = true;
        self.changed.notify_all();
    }

    /// Reads the next block and its index, waiting while it would lie
    /// more than `ahead` blocks past the last merged one. Returns `None`
    /// at the end of the input or after an error.
    fn next_block(&self) -> Option<(usize, Block)> {
        let mut reader =
            self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = self.lock_state();
        // The reader lock is held while waiting, so blocks are read in
        // the order of their indices. The thread that holds the block to
        // merge next does not wait here, so its hand-over ends the wait,
        // or its panic does (see `StopOnPanic`).
        while !state.done
            && state.read >= state.merged.saturating_add(self.ahead)
        {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.done {
            return None;
        }
        drop(state);

        let spare = self
            .spare_texts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(text) = spare {
            reader.recycle(text);
        }
        let next = reader.next_block();
        let mut state = self.lock_state();
        match next {
            Ok(Some(block)) => {
                let index = state.read;
                state.read += 1;
                Some((index, block))
            }
            Ok(None) => {
                drop(state);
                self.stop();
                None
            }
            Err(error) => {
                state.done = true;
                state.error = Some(error);
                self.changed.notify_all();
                None
            }
        }
    }

    /// Hands over the scanned block `index`, whose detections start at
    /// input offset `start`. When it is the next to merge and no thread
    /// is merging, this thread merges it and every block ready after it.
    fn hand_over(&self, index: usize, start: usize, part: Collector<'s>) {
        let mut state = self.lock_state();
        state.ready.insert(index, (start, part));
        if state.merging {
            return;
        }
        state.merging = true;
        loop {
            let merged = state.merged;
            let Some((start, mut part)) = state.ready.remove(&merged) else {
                // The flag is cleared under the same lock that a thread
                // handing over the next block takes, so that thread finds
                // it cleared and merges.
                state.merging = false;
                return;
            };
            drop(state);
            self.collector
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .merge(&mut part, start);
            self.spare_parts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(part);
            state = self.lock_state();
            state.merged += 1;
            self.changed.notify_all();
        }
    }
}

/// Stops the stream when a worker unwinds from a panic. Without it, a
/// worker waiting for the merge of the panicking worker's block would
/// wait forever, and the panic would become a hang.
struct StopOnPanic<'a, 's, R: Read + Send>(&'a Stream<'s, R>);

impl<R: Read + Send> Drop for StopOnPanic<'_, '_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// Returns the code units in which a block cut reads `encoding` text.
fn code_units(encoding: Encoding) -> CodeUnits {
    match encoding {
        Encoding::Utf16Le { .. } => CodeUnits::Utf16Le,
        Encoding::Utf16Be { .. } => CodeUnits::Utf16Be,
        Encoding::Utf8 { .. } | Encoding::Latin1 => CodeUnits::Bytes,
    }
}

/// Cuts streamed text into blocks that end after a newline, or inside a
/// line longer than the maximum, with a token of overlap.
struct BlockReader<R> {
    input: R,
    encoding: Encoding,
    block: usize,
    max_line: usize,
    /// The overlap after a cut inside a line: the bytes of a token of
    /// the longest encoding, two per character for UTF-16.
    token: usize,
    /// The input bytes from offset `base` on, where the next block
    /// starts: a token before `owned_start`, or at the input start.
    buffer: Vec<u8>,
    base: usize,
    /// Detections are kept from `owned_start`.
    owned_start: usize,
    target: usize,
    eof: bool,
    /// The bytes of a scanned block, handed back so that the next block
    /// reuses their memory instead of a fresh allocation.
    spare: Vec<u8>,
}

impl<R: Read> BlockReader<R> {
    fn new(
        input: R,
        encoding: Encoding,
        sizes: (usize, usize),
        token: usize,
    ) -> Self {
        let (block, max_line) = sizes;
        BlockReader {
            input,
            encoding,
            block,
            max_line,
            token: token.saturating_mul(text::unit_len(encoding)),
            buffer: Vec::new(),
            base: 0,
            owned_start: 0,
            target: block.max(1),
            eof: false,
            spare: Vec::new(),
        }
    }

    /// Takes back the bytes of a scanned block for the next one.
    fn recycle(&mut self, text: Vec<u8>) {
        self.spare = text;
    }

    /// Reads the next block, or returns `None` at the end of the input.
    fn next_block(&mut self) -> io::Result<Option<Block>> {
        let token = self.token;
        let unit = text::unit_len(self.encoding);
        loop {
            if self.buffer.len() < self.target && !self.eof {
                // Reading into the spare capacity saves zeroing it first.
                let want = self.target - self.buffer.len();
                self.buffer.reserve_exact(want);
                let read = (&mut self.input)
                    .take(want as u64)
                    .read_to_end(&mut self.buffer)?;
                self.eof = read < want;
            }
            let base = self.base;
            let end = base + self.buffer.len();
            if self.owned_start >= end {
                return Ok(None);
            }
            let fresh =
                self.buffer.get(self.owned_start - base..).unwrap_or_default();
            let (owned_end, window_end) = if self.eof {
                (end, end)
            } else if let Some(line) =
                text::through_last_newline(fresh, self.encoding)
            {
                let cut = self.owned_start + line;
                // The detector reads a wrapped base64 block whole, so a
                // block of text ends after it, within the longest line.
                let buffer = &self.buffer;
                let units = code_units(self.encoding);
                let block_end = wrapped_base64_end_in(
                    buffer,
                    units,
                    cut - base,
                    buffer.len(),
                );
                match block_end {
                    BlockEnd::At(local) => (base + local, base + local),
                    BlockEnd::Open
                        if self.buffer.len()
                            < self.max_line.max(self.block) =>
                    {
                        self.target = self.buffer.len().saturating_mul(2);
                        continue;
                    }
                    BlockEnd::Open => (cut, cut),
                }
            } else if self.buffer.len()
                < self.max_line.max(self.block).max(3 * token)
            {
                self.target = self.buffer.len().saturating_mul(2);
                continue;
            } else {
                // The buffer contains at most a token before `owned_start`
                // and at least three tokens in all, so the cut leaves a
                // token of overlap after it and still moves forward. It
                // falls between code units, so each block decodes as the
                // whole input does.
                let cut = end - token;
                (cut - cut % unit, end)
            };
            // Context such as a file-name label on the line before a name
            // crosses lines, so the next block reads a token before its
            // own bytes after any cut.
            let next_start = owned_end.saturating_sub(token).max(base);
            let next_start = next_start - next_start % unit;
            // The buffer starts where the block does, so it becomes the
            // block's text. Only the bytes from the next block's start on
            // are copied into a new buffer: a token and the rest of a
            // line, or two tokens after a cut inside a long line.
            let mut next = std::mem::take(&mut self.spare);
            next.clear();
            next.extend_from_slice(
                self.buffer.get(next_start - base..).unwrap_or_default(),
            );
            let mut text = std::mem::replace(&mut self.buffer, next);
            text.truncate(window_end - base);
            let block = Block {
                text,
                encoding: self.encoding,
                start: base,
                owned: self.owned_start..owned_end,
            };

            self.owned_start = owned_end;
            self.base = next_start;
            self.target = self.block.max(1).max(self.buffer.len());
            return Ok(Some(block));
        }
    }
}

/// A block of streamed text: its bytes, their input offset, and the
/// input offsets whose detections it keeps.
struct Block {
    text: Vec<u8>,
    encoding: Encoding,
    start: usize,
    owned: Range<usize>,
}

/// Scans one block into a collector of its own.
fn scan_block<'s>(block: &Block, mut part: Collector<'s>) -> Collector<'s> {
    part.scan_region(&block_region(block), Some(block.owned.clone()));
    part
}

/// Returns `block` as a region whose offsets map to the input's.
fn block_region(block: &Block) -> Region<'_> {
    text::decode_block(&block.text, block.start, block.encoding)
}

/// Returns the error for an input cut at `--max-input-size`.
fn input_too_long(limit: u64) -> ReportError {
    ReportError {
        stage: Stage::Read,
        message: format!(
            "input is longer than {limit} bytes; only the first {limit} \
             were scanned (raise --max-input-size)"
        ),
    }
}

/// Sniffs `bytes` and scans the regions its kind yields: the decoded
/// text, the strings of a binary, or the members of an archive.
pub fn scan_bytes(
    file: Option<String>,
    bytes: &[u8],
    settings: &Settings,
) -> Vec<Report> {
    let mut errors = Vec::new();
    let limit = usize::try_from(settings.max_input_size).unwrap_or(usize::MAX);
    let bytes = match bytes.get(..limit) {
        Some(head) if head.len() < bytes.len() => {
            errors.push(input_too_long(settings.max_input_size));
            head
        }
        _ => bytes,
    };
    let kind = sniff::sniff(bytes);
    if let Some(options) = &settings.archives {
        if let Some(format) = archive::Format::of(kind) {
            let input = crate::archive::Input { file, bytes, format, errors };
            return crate::archive::scan(input, options, settings);
        }
    }
    vec![scan_kind(file, bytes, kind, errors, settings)]
}

/// Scans the regions that `bytes`, of the given kind, yields. `errors`
/// are the input's errors so far.
pub(crate) fn scan_kind(
    file: Option<String>,
    bytes: &[u8],
    kind: FileKind,
    mut errors: Vec<ReportError>,
    settings: &Settings,
) -> Report {
    let mut metadata = Metadata::default();
    let mut analysis: Option<Analysis> = None;
    let regions = match kind {
        FileKind::Text(encoding) => vec![text::decode(bytes, encoding)],
        _ => {
            // The digests, the strings and the parse read the bytes
            // independently, so a thread left idle near the end of a run
            // can take one of them from the last large file.
            let ((extraction, pe), digests) = rayon::join(
                || {
                    rayon::join(
                        || {
                            strings::extract_bounded(
                                bytes,
                                settings.min_length,
                                settings.max_strings,
                            )
                        },
                        || {
                            (kind == FileKind::Pe)
                                .then(|| pe::parse(bytes, &settings.pe_limits))
                        },
                    )
                },
                || (kind == FileKind::Pe).then(|| hashes::file_digests(bytes)),
            );
            if extraction.truncated {
                errors.push(ReportError {
                    stage: Stage::Scan,
                    message: format!(
                        "stopped after {} strings; the rest of the input \
                         was not scanned (raise --max-strings)",
                        settings.max_strings
                    ),
                });
            }
            let mut regions = extraction.regions;
            if let (Some(pe), Some(digests)) = (pe, digests) {
                errors.extend(pe_header_error(&pe));
                drop_inside(&mut regions, &pe.version_number_spans());
                regions.extend(pe.regions());
                let pe_metadata = PeMetadata::with_digests(&pe, digests);
                analysis = settings.analysis.map(|level| {
                    analysis::analyze(&pe, &pe_metadata, level, &regions)
                });
                metadata = Metadata::Pe(Box::new(pe_metadata));
            }
            regions
        }
    };
    let mut report = scan_regions(file, kind, regions, settings);
    report.metadata = metadata;
    report.analysis = analysis.map(Box::new);
    report.size = u64::try_from(bytes.len()).ok();
    errors.append(&mut report.errors);
    report.errors = errors;
    report
}

/// Drops the regions whose bytes lie wholly inside one of `spans`, which
/// are file offsets.
fn drop_inside(regions: &mut Vec<Region<'_>>, spans: &[Range<usize>]) {
    if spans.is_empty() {
        return;
    }
    regions.retain(|region| {
        let start = region.map.start(0);
        let end = region.map.end(region.text.len());
        !spans.iter().any(|span| span.start <= start && end <= span.end)
    });
}

/// Returns the `parse` error of a file sniffed as PE whose headers or
/// section table could not be read whole.
fn pe_header_error(pe: &pe::Pe<'_>) -> Option<ReportError> {
    let problems: Vec<String> = pe
        .header_anomalies()
        .map(|anomaly| format!("{} ({})", anomaly.detail, anomaly.code))
        .collect();
    if problems.is_empty() {
        return None;
    }
    Some(ReportError {
        stage: Stage::Parse,
        message: format!(
            "invalid PE headers: {}; metadata contains the fields read \
             before that, and the indicators come from the extracted \
             strings",
            problems.join("; ")
        ),
    })
}

/// Regions at most this long are scanned together with their
/// neighbours. A binary yields hundreds of thousands of short strings,
/// and scanning each alone costs more in setup than in scanning.
const BATCH_REGION_MAX: usize = 64 << 10;

/// Bytes of joined regions scanned at once.
const BATCH_LEN: usize = 1 << 20;

/// The byte put between joined regions. No detector takes a NUL into a
/// token, so none of the joined scan's detections crosses it and each is
/// the one a scan of its region alone finds.
const BATCH_SEPARATOR: u8 = 0;

/// Scans each region and assembles the report.
fn scan_regions(
    file: Option<String>,
    kind: FileKind,
    regions: Vec<Region<'_>>,
    settings: &Settings,
) -> Report {
    let mut collector = Collector::new(settings);
    // A custom rule's pattern may match a NUL, so with rules every region
    // is scanned alone.
    let batched = settings.scanner.rules().is_empty();
    let mut rest = regions.as_slice();
    while !rest.is_empty() {
        let count = if batched { batch_count(rest) } else { 0 };
        match rest.split_at_checked(count) {
            Some((batch, after)) if count > 1 => {
                collector.scan_batch(batch);
                rest = after;
            }
            _ => {
                if let Some((region, after)) = rest.split_first() {
                    collector.scan_region(region, None);
                    rest = after;
                }
            }
        }
    }
    collector.finish(file, kind, Vec::new())
}

/// Returns how many regions from the start of `regions` form one batch:
/// short regions, together at most `BATCH_LEN` bytes.
fn batch_count(regions: &[Region<'_>]) -> usize {
    let mut total = 0usize;
    regions
        .iter()
        .take_while(|region| {
            let len = region.text.len();
            let fits = len <= BATCH_REGION_MAX && total < BATCH_LEN;
            total = total.saturating_add(len).saturating_add(1);
            fits
        })
        .count()
}

/// Accumulates one input's values (and, with `--detail`, detections)
/// over its regions.
struct Collector<'s> {
    settings: &'s Settings,
    builder: IocsBuilder,
    /// Whether the filter has entries. Without them a detection's value
    /// is never copied out of the scanner unless `--detail` lists it.
    filtered: bool,
    found: Vec<Found>,
    /// Whether a merged collector dropped values past the limit.
    values_truncated: bool,
    detail_truncated: bool,
}

impl<'s> Collector<'s> {
    fn new(settings: &'s Settings) -> Collector<'s> {
        Collector {
            settings,
            builder: settings
                .scanner
                .iocs_builder(settings.scanner.limits().max_detections),
            filtered: !settings.filter.is_empty(),
            found: Vec::new(),
            values_truncated: false,
            detail_truncated: false,
        }
    }

    /// Adds the values and detections of `part`, which scanned the input
    /// from offset `start` on, after everything collected so far.
    ///
    /// Each of `part`'s values is recorded at `start`, so values first
    /// seen in `part` sort after those of earlier parts and keep their
    /// order among themselves. They are recorded in the order they were
    /// found, so a limit on distinct values keeps the same ones as a
    /// scan of the whole input.
    ///
    /// `part` is left empty, with its memory kept for the next part.
    fn merge(&mut self, part: &mut Collector<'_>, start: usize) {
        self.values_truncated |= part.builder.truncated();
        self.values_truncated |= part.values_truncated;
        self.builder.merge_from(&mut part.builder, start);

        let limit = self.settings.scanner.limits().max_detections;
        self.detail_truncated |= part.detail_truncated;
        for found in part.found.drain(..) {
            if self.found.len() < limit {
                self.found.push(found);
            } else {
                self.detail_truncated = true;
                break;
            }
        }
        part.found.clear();
        part.values_truncated = false;
        part.detail_truncated = false;
    }

    /// Scans one region; with `owned`, keeps only the detections whose
    /// input offset lies in that range.
    fn scan_region(
        &mut self,
        region: &Region<'_>,
        owned: Option<std::ops::Range<usize>>,
    ) {
        let settings = self.settings;
        let mut pass = settings.filter.pass();
        settings.scanner.scan_each_lent(&region.text, |detection| {
            self.accept(detection, region, &mut pass, owned.as_ref());
        });
    }

    /// Scans `batch` as one text, its regions joined by
    /// `BATCH_SEPARATOR`, with the result of scanning each in turn.
    fn scan_batch(&mut self, batch: &[Region<'_>]) {
        let settings = self.settings;
        let total = batch.iter().fold(0usize, |sum, r| {
            sum.saturating_add(r.text.len()).saturating_add(1)
        });
        let mut joined = Vec::with_capacity(total);
        let mut starts = Vec::with_capacity(batch.len());
        for region in batch {
            starts.push(joined.len());
            joined.extend_from_slice(&region.text);
            joined.push(BATCH_SEPARATOR);
        }
        let mut located = Vec::new();
        let mut crossed = false;
        settings.scanner.scan_each(&joined, |mut detection| {
            let index = starts.partition_point(|&s| s <= detection.start);
            let index = index.saturating_sub(1);
            let start = starts.get(index).copied().unwrap_or(0);
            let len = batch.get(index).map_or(0, |r| r.text.len());
            let end = start.saturating_add(len);
            if detection.start >= end || detection.end > end {
                crossed = true;
                return;
            }
            detection.start = detection.start.saturating_sub(start);
            detection.end = detection.end.saturating_sub(start);
            located.push((index, detection));
        });
        if crossed {
            // Kept for safety: a detection across the separator would
            // not exist in a scan of its region alone.
            for region in batch {
                self.scan_region(region, None);
            }
            return;
        }
        let mut current = None;
        let mut pass = settings.filter.pass();
        for (index, mut detection) in located {
            let Some(region) = batch.get(index) else { continue };
            if current != Some(index) {
                // Each region starts with a fresh pass, as when scanned
                // alone.
                pass = settings.filter.pass();
                current = Some(index);
            }
            let mut lent = LentDetection::new(&mut detection);
            self.accept(&mut lent, region, &mut pass, None);
        }
    }

    /// Records one detection of `region`, found by a scan whose filter
    /// pass is `pass`; with `owned`, only if its input offset lies in
    /// that range. With `--detail`, the detection's offsets are mapped
    /// to the input in place.
    // Inlined into the scan callbacks, so that a detection costs no call
    // here unless a filter or `--detail` needs one.
    #[inline]
    fn accept(
        &mut self,
        detection: &mut LentDetection<'_>,
        region: &Region<'_>,
        pass: &mut FilterPass<'_>,
        owned: Option<&std::ops::Range<usize>>,
    ) {
        // The pass checks the detections outside `owned` too, so that it
        // meets a URL before the host that follows it. An empty filter
        // keeps everything, so the value need not be copied for it.
        let verdict = match self.filtered {
            true => pass.check(detection.detection()),
            false => Verdict::Keep,
        };
        let start = region.map.start(detection.start());
        if owned.is_some_and(|range| !range.contains(&start)) {
            return;
        }
        if !verdict.is_dropped() {
            self.builder.push_lent(detection, start);
        }
        if self.settings.detail {
            self.record_detail(detection, region, verdict);
        }
    }

    /// Adds a detection to the `--detail` list, or notes that the list
    /// is full.
    #[inline(never)]
    fn record_detail(
        &mut self,
        detection: &mut LentDetection<'_>,
        region: &Region<'_>,
        verdict: Verdict<'_>,
    ) {
        let limit = self.settings.scanner.limits().max_detections;
        if self.found.len() >= limit {
            self.detail_truncated = true;
            return;
        }
        let detection = detection.detection();
        let raw = map_detection(detection, region, true);
        self.found.push(Found {
            detection: detection.clone(),
            origin: region.origin,
            raw,
            note: FilterNote::from(verdict),
        });
    }

    fn finish(
        mut self,
        file: Option<String>,
        kind: FileKind,
        mut errors: Vec<ReportError>,
    ) -> Report {
        let limit = self.settings.scanner.limits().max_detections;
        let values_truncated =
            self.builder.truncated() || self.values_truncated;
        let iocs = self.builder.finish();
        let rules = self.settings.scanner.rules();
        let detections =
            self.settings.detail.then(|| detail_entries(self.found, rules));
        if values_truncated {
            errors.push(ReportError {
                stage: Stage::Scan,
                message: format!(
                    "stopped after {limit} distinct values; values first \
                     seen later in this input are not reported (raise \
                     --max-values)"
                ),
            });
        }
        if self.detail_truncated {
            // With the values also cut, the iocs lists are not complete,
            // as the error before this one reports.
            let iocs_state = if values_truncated {
                ""
            } else {
                "; the iocs lists are complete"
            };
            errors.push(ReportError {
                stage: Stage::Scan,
                message: format!(
                    "the detections list stops after {limit} \
                     entries{iocs_state} (raise --max-values)"
                ),
            });
        }
        Report {
            file,
            kind: kind.report_type(),
            iocs,
            metadata: Metadata::default(),
            analysis: None,
            detections,
            errors,
            size: None,
        }
    }
}

/// Moves a detection's span from region positions to input offsets and,
/// with `with_raw`, returns the text the span covered in the region.
fn map_detection(
    detection: &mut Detection,
    region: &Region<'_>,
    with_raw: bool,
) -> Option<String> {
    let raw = with_raw.then(|| {
        let bytes = region.text.get(detection.start..detection.end);
        let bytes = bytes.unwrap_or_default();
        // Every value found in one decoded payload shares the payload's
        // token as its raw text. A full copy for each would make the
        // output grow with the square of the token's length.
        let nested = matches!(detection.source, Source::Base64 { .. });
        let shown = if nested {
            bytes.get(..MAX_NESTED_RAW).unwrap_or(bytes)
        } else {
            bytes
        };
        String::from_utf8_lossy(shown).into_owned()
    });
    let start = region.map.start(detection.start);
    let end = region.map.end(detection.end).max(start);
    detection.start = start;
    detection.end = end;
    raw
}

/// Returns the `detections` list, sorted by offset then category.
/// Custom values name their category and rule from `rules`.
fn detail_entries(found: Vec<Found>, rules: &RuleSet) -> Vec<DetailEntry> {
    let mut entries: Vec<DetailEntry> = found
        .into_iter()
        .map(|Found { detection, origin, raw, note }| {
            let (source, depth) = match detection.source {
                Source::Text => (origin.name(), None),
                Source::Base64 { depth } => ("decoded base64", Some(depth)),
            };
            let (dropped, listed) = match note {
                FilterNote::None => (None, None),
                FilterNote::Dropped(reason) => (Some(reason), None),
                FilterNote::Listed(entry) => (None, Some(entry)),
            };
            let category = match detection.category {
                IocKey::Category(category) => Cow::Borrowed(category.name()),
                IocKey::Custom(custom) => Cow::Owned(
                    rules
                        .category_name(custom)
                        .unwrap_or_default()
                        .to_string(),
                ),
            };
            let rule = detection.rule.and_then(|id| rules.rule(id));
            DetailEntry {
                key: detection.category,
                category,
                rule: rule.map(|rule| rule.name().to_string()),
                value: detection.value,
                offset: detection.start,
                length: detection.end - detection.start,
                source,
                depth,
                raw: raw.unwrap_or_default(),
                kind: detection.kind,
                decoded: detection.decoded,
                dropped,
                listed,
            }
        })
        .collect();
    // A stable sort keeps the scanner's deterministic order among equal
    // keys, so the list is the same for any thread count.
    entries.sort_by_key(|entry| (entry.offset, entry.key));
    entries
}

/// Settings for unit tests, with a short token limit so that cuts inside
/// a line happen in small inputs.
#[cfg(test)]
fn test_settings(detail: bool) -> Settings {
    let limits = trawl_core::Limits {
        max_token_len: 256,
        ..trawl_core::Limits::default()
    };
    Settings {
        scanner: Scanner::new(trawl_core::CategorySet::all(), limits),
        filter: Filter::default(),
        min_length: 4,
        detail,
        max_strings: strings::MAX_REGIONS,
        max_input_size: u64::MAX,
        pe_limits: PeLimits::default(),
        archives: Some(archive::Options::default()),
        analysis: None,
    }
}

#[cfg(test)]
mod stream_tests {
    use trawl_core::Category;

    use super::*;

    use super::test_settings as settings;

    fn sample(lines: bool) -> Vec<u8> {
        let mut text = String::new();
        for n in 0..300 {
            text.push_str(&format!(
                "h{n}.example.com 10.1.{}.{} hxxp://u{n}[.]example[.]net/p \
                 C:\\Users\\x{n}.exe ",
                n % 200,
                n / 200
            ));
            if lines && n % 4 == 0 {
                text.push('\n');
            }
        }
        text.into_bytes()
    }

    const UTF8: Encoding = Encoding::Utf8 { bom: false };

    fn whole(bytes: &[u8]) -> Report {
        whole_in(bytes, UTF8)
    }

    fn whole_in(bytes: &[u8], encoding: Encoding) -> Report {
        let region = text::decode(bytes, encoding);
        let kind = FileKind::Text(encoding);
        scan_regions(None, kind, vec![region], &settings(true))
    }

    /// Streams `bytes` on a pool of two threads and checks that one
    /// thread gives the same report.
    fn streamed(bytes: &[u8], block: usize, max_line: usize) -> Report {
        streamed_with(bytes, block, max_line, &settings(true))
    }

    fn streamed_with(
        bytes: &[u8],
        block: usize,
        max_line: usize,
        settings: &Settings,
    ) -> Report {
        streamed_in(bytes, UTF8, (block, max_line), settings)
    }

    fn streamed_in(
        bytes: &[u8],
        encoding: Encoding,
        (block, max_line): (usize, usize),
        settings: &Settings,
    ) -> Report {
        let on_threads = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let sizes = (block, max_line);
                scan_stream(None, encoding, bytes, sizes, settings)
            })
            .unwrap()
        };
        let report = on_threads(2);
        let one = on_threads(1);
        assert!(json(&one) == json(&report), "one thread differs");
        report
    }

    fn json(report: &Report) -> String {
        serde_json::to_string(report).unwrap()
    }

    #[test]
    fn streamed_lines_equal_whole_scan() {
        let bytes = sample(true);
        let expected = json(&whole(&bytes));
        assert!(expected.contains("h299.example.com"));
        for block in [64, 333, 1000, 4096] {
            let got = json(&streamed(&bytes, block, 1 << 20));
            assert!(got == expected, "block {block} differs");
        }
    }

    #[test]
    fn streamed_label_line_before_cut_kept() {
        // OpenIOC writes the file-name label on the line before the value,
        // and a block of 40 bytes ends after the label's line.
        let text = "<Context search=\"FileItem/FileName\"/>\n\
                    <Content>notes.txt</Content>\n";
        let expected = json(&whole(text.as_bytes()));
        assert!(expected.contains("notes.txt"));
        let got = json(&streamed(text.as_bytes(), 40, 1 << 20));
        assert!(got == expected, "{got}");
    }

    #[test]
    fn streamed_long_line_equal_whole_scan() {
        let bytes = sample(false);
        let expected = json(&whole(&bytes));
        for (block, max_line) in [(97, 97), (1000, 2000), (4096, 4096)] {
            let got = json(&streamed(&bytes, block, max_line));
            assert!(got == expected, "block {block}, line {max_line} differ");
        }
    }

    /// `sample` with characters outside ASCII, one of them outside the
    /// Basic Multilingual Plane, in `encoding`.
    fn encoded_sample(lines: bool, encoding: Encoding) -> Vec<u8> {
        let plain = String::from_utf8(sample(lines)).unwrap();
        let text = plain.replace(".exe ", ".exe \u{1F980} d\u{E9}j\u{E0} ");
        let (bom, unit_bytes): (bool, fn(u16) -> [u8; 2]) = match encoding {
            Encoding::Utf16Le { bom } => (bom, u16::to_le_bytes),
            Encoding::Utf16Be { bom } => (bom, u16::to_be_bytes),
            Encoding::Utf8 { bom } => {
                let mark: &[u8] = if bom { b"\xEF\xBB\xBF" } else { b"" };
                return [mark, text.as_bytes()].concat();
            }
            Encoding::Latin1 => return plain.into_bytes(),
        };
        let mark = bom.then_some(0xFEFF);
        let units = mark.into_iter().chain(text.encode_utf16());
        units.flat_map(unit_bytes).collect()
    }

    #[test]
    fn streamed_encodings_equal_whole_scan() {
        let encodings = [
            Encoding::Utf16Le { bom: true },
            Encoding::Utf16Le { bom: false },
            Encoding::Utf16Be { bom: true },
            Encoding::Utf16Be { bom: false },
            Encoding::Utf8 { bom: true },
        ];
        let sizes = [(64, 1 << 20), (97, 97), (1000, 2000), (4096, 4096)];
        for encoding in encodings {
            for lines in [true, false] {
                let bytes = encoded_sample(lines, encoding);
                let expected = json(&whole_in(&bytes, encoding));
                assert!(expected.contains("h299.example.com"));
                assert!(expected.contains("C:\\\\Users\\\\x299.exe"));
                for size in sizes {
                    let got =
                        streamed_in(&bytes, encoding, size, &settings(true));
                    let got = json(&got);
                    let case =
                        format!("{encoding:?}, lines {lines}, {size:?}");
                    assert!(got == expected, "{case} differs");
                }
            }
        }
    }

    /// Encodes `bytes` in standard base64 with padding.
    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ\
            abcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for group in bytes.chunks(3) {
            let bits = group.iter().enumerate().fold(0u32, |bits, (i, &b)| {
                bits | u32::from(b) << (16 - 8 * i)
            });
            for i in 0..4 {
                let sextet = (bits >> (18 - 6 * i)) & 0x3F;
                let symbol = ALPHABET[sextet as usize];
                out.push(if i <= group.len() {
                    char::from(symbol)
                } else {
                    '='
                });
            }
        }
        out
    }

    #[test]
    fn streamed_wrapped_base64_equals_whole_scan() {
        let mut text = String::new();
        for n in 0..40 {
            let payload: String = (0..12)
                .map(|i| format!("http://wrapped-{n}-{i}.example.org/x{i} "))
                .collect();
            let encoded = base64(payload.as_bytes());
            let lines: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).unwrap())
                .collect();
            text.push_str(&format!("part {n}\r\n{}\r\n", lines.join("\r\n")));
        }
        let bytes = text.into_bytes();
        let expected = json(&whole(&bytes));
        assert!(expected.contains("http://wrapped-39-11.example.org/x11"));
        for size in [(97, 1 << 20), (300, 1 << 20), (1000, 1 << 20)] {
            let got = json(&streamed_in(&bytes, UTF8, size, &settings(true)));
            assert!(got == expected, "{size:?} differs");
        }
        let utf16 = [
            Encoding::Utf16Le { bom: true },
            Encoding::Utf16Le { bom: false },
            Encoding::Utf16Be { bom: true },
            Encoding::Utf16Be { bom: false },
        ];
        let text = String::from_utf8(bytes).unwrap();
        for encoding in utf16 {
            let (bom, unit_bytes): (bool, fn(u16) -> [u8; 2]) = match encoding
            {
                Encoding::Utf16Le { bom } => (bom, u16::to_le_bytes),
                Encoding::Utf16Be { bom } => (bom, u16::to_be_bytes),
                _ => unreachable!(),
            };
            let mark = bom.then_some(0xFEFF);
            let units = mark.into_iter().chain(text.encode_utf16());
            let bytes: Vec<u8> = units.flat_map(unit_bytes).collect();
            let expected = json(&whole_in(&bytes, encoding));
            assert!(expected.contains("http://wrapped-39-11.example.org/x11"));
            for size in [(194, 1 << 21), (600, 1 << 21), (2000, 1 << 21)] {
                let got = streamed_in(&bytes, encoding, size, &settings(true));
                let got = json(&got);
                assert!(got == expected, "{encoding:?}, {size:?} differs");
            }
        }
    }

    #[test]
    fn unsized_text_input_is_streamed() {
        let encoding = Encoding::Utf16Le { bom: true };
        let mut bytes = encoded_sample(true, encoding);
        let more = encoded_sample(true, Encoding::Utf16Le { bom: false });
        while bytes.len() <= SNIFF_LEN {
            bytes.extend_from_slice(&more);
        }
        let expected = json(&whole_in(&bytes, encoding));
        let settings = settings(true);
        match read_input(&bytes[..], None, None, &settings) {
            Ok(Contents::Streamed(report)) => {
                assert!(json(&report) == expected, "streamed differs");
            }
            _ => panic!("a long input of unknown length is not streamed"),
        }
        let short = bytes.get(..4096).unwrap();
        let read = read_input(short, None, None, &settings);
        assert!(matches!(read, Ok(Contents::Whole(b)) if b == short));
    }

    #[test]
    fn utf16_offsets_point_at_code_units() {
        let encoding = Encoding::Utf16Le { bom: true };
        let bytes = encoded_sample(true, encoding);
        let report = streamed_in(&bytes, encoding, (97, 97), &settings(true));
        let detections = report.detections.unwrap();
        let domain = detections
            .iter()
            .find(|entry| entry.value == "h1.example.com")
            .unwrap();
        let expected: Vec<u8> = "h1.example.com"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let span = domain.offset..domain.offset + domain.length;
        assert_eq!(bytes.get(span), Some(expected.as_slice()));
    }

    #[test]
    fn streamed_font_data_equals_whole_scan() {
        let mut text = String::new();
        for n in 0..8u64 {
            text.push_str(&format!("C2 host{n}.example.org\n"));
            text.push_str("/FontName /F def\ncurrentfile eexec\n");
            for line in 1..=30u64 {
                let digits =
                    (n * 1000 + line).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                text.push_str(&format!("{digits:016x}").repeat(4));
                text.push('\n');
            }
            text.push_str("cleartomark\n");
        }
        let bytes = text.into_bytes();
        let whole = whole(&bytes);
        assert!(whole.iocs.list(Category::Hash).is_empty());
        assert_eq!(whole.iocs.list(Category::Domain).len(), 8);
        let expected = json(&whole);
        for size in [(97, 1 << 20), (300, 1 << 20), (1000, 1 << 20)] {
            let got = json(&streamed_in(&bytes, UTF8, size, &settings(true)));
            assert!(got == expected, "{size:?} differs");
        }
    }

    #[test]
    fn streamed_filter_equals_whole_scan() {
        let bytes = sample(false);
        let mut settings = settings(true);
        // Exact URLs drop each URL by its value and its host through the
        // pass, also where a block boundary falls between the two.
        let allow: String =
            (0..300).map(|n| format!("http://u{n}.example.net/p\n")).collect();
        let allow = trawl_core::List::parse(&allow, "allow.txt").unwrap();
        settings.filter = Filter::builder().allow(allow).build();
        let region = text::decode(&bytes, Encoding::Utf8 { bom: false });
        let kind = FileKind::Text(Encoding::Utf8 { bom: false });
        let whole = scan_regions(None, kind, vec![region], &settings);
        assert!(whole.iocs.list(Category::Url).is_empty());
        let domains = whole.iocs.list(Category::Domain);
        assert_eq!(domains.len(), 300, "{domains:?}");
        assert!(domains.iter().all(|d| d.ends_with(".example.com")));
        let expected = json(&whole);
        for (block, max_line) in [(97, 97), (1000, 2000)] {
            let got = json(&streamed_with(&bytes, block, max_line, &settings));
            assert!(got == expected, "block {block}, line {max_line} differ");
        }
    }

    #[test]
    fn streamed_value_limit_equals_whole_scan() {
        let bytes = sample(true);
        let mut settings = settings(true);
        settings.scanner = Scanner::new(
            trawl_core::CategorySet::all(),
            trawl_core::Limits {
                max_token_len: 256,
                max_detections: 50,
                ..trawl_core::Limits::default()
            },
        );
        // `streamed_with` checks one thread against two.
        let report = streamed_with(&bytes, 333, 1 << 20, &settings);
        let region = text::decode(&bytes, Encoding::Utf8 { bom: false });
        let kind = FileKind::Text(Encoding::Utf8 { bom: false });
        let whole = scan_regions(None, kind, vec![region], &settings);
        assert!(json(&report) == json(&whole), "whole scan differs");
        assert_eq!(report.iocs.len(), 50);
        assert_eq!(report.detections.as_ref().map(Vec::len), Some(50));
        assert_eq!(report.errors.len(), 2);
    }

    /// Hands out its bytes a few at a time, then fails if `fail` is set.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
        fail: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() && self.fail {
                return Err(io::Error::other("disk went away"));
            }
            let len = self.step.min(buf.len()).min(self.bytes.len());
            let (now, rest) = self.bytes.split_at(len);
            buf[..len].copy_from_slice(now);
            self.bytes = rest;
            Ok(len)
        }
    }

    fn on_pool<T: Send>(threads: usize, run: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(run)
    }

    #[test]
    fn streamed_on_many_threads_equal_whole_scan() {
        let bytes = sample(true);
        let expected = json(&whole(&bytes));
        // Tiny blocks from a reader that returns a few bytes at a time
        // make the threads race for blocks and wait for merges.
        for threads in [3, 8] {
            for step in [7, 4096] {
                let input = Trickle { bytes: &bytes, step, fail: false };
                let report = on_pool(threads, || {
                    scan_stream(
                        None,
                        UTF8,
                        input,
                        (64, 1 << 20),
                        &settings(true),
                    )
                })
                .unwrap();
                let got = json(&report);
                assert!(got == expected, "{threads} threads, step {step}");
            }
        }
    }

    #[test]
    fn panicking_scan_ends_stream_instead_of_hanging() {
        let bytes = sample(true);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let settings = settings(false);
            let result = std::panic::catch_unwind(|| {
                on_pool(2, || {
                    // With one block of lead, the second worker waits for
                    // the merge of the first block, whose scan panics.
                    let sizes = (64, 1 << 20);
                    let stream =
                        Stream::new(&bytes[..], UTF8, sizes, 1, &settings);
                    stream.run(2, &|block: &Block, part| {
                        if block.start == 0 {
                            std::thread::sleep(
                                std::time::Duration::from_millis(50),
                            );
                            panic!("scan failed");
                        }
                        scan_block(block, part)
                    });
                })
            });
            let _ = done.send(result.is_err());
        });
        let panicked =
            finished.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(panicked, Ok(true));
    }

    #[test]
    fn stream_read_error_ends_scan_with_error() {
        let bytes = sample(true);
        for threads in [1, 2, 4] {
            let input = Trickle { bytes: &bytes, step: 100, fail: true };
            let result = on_pool(threads, || {
                scan_stream(None, UTF8, input, (64, 1 << 20), &settings(true))
            });
            let error = result.err().map(|e| e.to_string());
            assert_eq!(error.as_deref(), Some("disk went away"));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use trawl_core::{Category, OffsetMap};

    use super::*;

    use super::test_settings as settings;

    fn detection(category: Category, start: usize, end: usize) -> Detection {
        Detection {
            category: category.into(),
            rule: None,
            value: "v".to_string(),
            start,
            end,
            kind: None,
            decoded: None,
            source: Source::Text,
        }
    }

    #[test]
    fn mapped_span_uses_region_map() {
        // A UTF-16LE region: derived byte i is source byte 100 + 2i.
        let mut map = OffsetMap::identity();
        for i in 0..4 {
            map.push_edit(i, 1, 100 + 2 * i, 2);
        }
        let region = Region {
            text: Cow::Borrowed(b"abcd"),
            map,
            origin: Origin::Utf16String,
        };
        let mut found = detection(Category::Cve, 1, 3);
        let raw = map_detection(&mut found, &region, true);
        assert_eq!(found.start, 102);
        assert_eq!(found.end, 106);
        assert_eq!(raw.as_deref(), Some("bc"));
    }

    #[test]
    fn raw_outside_region_is_empty() {
        let region = Region {
            text: Cow::Borrowed(b"ab"),
            map: OffsetMap::identity(),
            origin: Origin::Text,
        };
        let mut found = detection(Category::Cve, 1, 9);
        let raw = map_detection(&mut found, &region, true);
        assert_eq!(raw.as_deref(), Some(""));
    }

    #[test]
    fn detail_sorted_by_offset_then_category() {
        let found =
            [(Category::Domain, 5), (Category::Url, 5), (Category::Ip, 1)]
                .into_iter()
                .map(|(category, start)| Found {
                    detection: detection(category, start, start + 1),
                    origin: Origin::Text,
                    raw: None,
                    note: FilterNote::None,
                })
                .collect();
        let entries = detail_entries(found, &RuleSet::default());
        let order: Vec<_> =
            entries.iter().map(|e| (e.offset, e.category.as_ref())).collect();
        let expected = [(1, "ips"), (5, "urls"), (5, "domains")];
        assert_eq!(order, expected);
    }

    #[test]
    fn base64_source_names_depth() {
        let mut inner = detection(Category::Url, 0, 4);
        inner.source = Source::Base64 { depth: 2 };
        let found = vec![Found {
            detection: inner,
            origin: Origin::Text,
            raw: None,
            note: FilterNote::None,
        }];
        let entries = detail_entries(found, &RuleSet::default());
        assert_eq!(entries[0].source, "decoded base64");
        assert_eq!(entries[0].depth, Some(2));
    }

    #[test]
    fn unread_file_reports_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = Input::File(dir.path().join("gone"));
        let report = process(&input, &settings(false)).remove(0);
        assert_eq!(report.kind, "unknown");
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].stage, Stage::Read);
        assert!(report.iocs.is_empty());
    }

    /// Bytes drawn mostly from characters that indicators are made of,
    /// so that random inputs produce detections, plus any byte at all.
    fn indicator_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>>
    {
        use proptest::prelude::*;
        let alphabet = b"ab0f19.:/@[]-\\ \n\x00\xff\xfe".to_vec();
        let byte = prop_oneof![3 => proptest::sample::select(alphabet), 1 => any::<u8>()];
        proptest::collection::vec(byte, 0..512)
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_give_spans_inside_input(bytes in indicator_bytes()) {
            let reports = scan_bytes(None, &bytes, &settings(true));
            // Member reports give offsets inside the member, so only the
            // input's own report is checked against the input.
            let detections = reports
                .into_iter()
                .filter(|report| report.file.is_none())
                .flat_map(|report| report.detections.unwrap_or_default());
            for entry in detections {
                let end = entry.offset.checked_add(entry.length);
                proptest::prop_assert!(end.is_some_and(|e| e <= bytes.len()));
            }
        }
    }

    #[test]
    fn text_input_has_no_file() {
        let input = Input::Text("nothing here".to_string());
        let report = process(&input, &settings(true)).remove(0);
        assert_eq!(report.file, None);
        assert_eq!(report.kind, "text");
        assert!(report.detections.is_some());
    }
}

#[cfg(test)]
mod batch_tests {
    use std::borrow::Cow;

    use proptest::prelude::*;
    use trawl_core::OffsetMap;

    use super::*;

    use super::test_settings as settings;

    /// Pieces of indicators, defanged forms and separators, so that
    /// random strings hold detections that begin and end at a string's
    /// edge.
    const PIECES: &[&str] = &[
        "http://",
        "hxxps[:]//",
        "example",
        ".com",
        "[.]",
        "evil.org",
        "1.2.3.4",
        "10.0.0.",
        "::1",
        "fe80::",
        "@",
        "user",
        "C:\\Windows\\",
        "\\\\srv\\share\\",
        "/etc/",
        "~/.ssh/",
        "%APPDATA%\\",
        "d41d8cd98f00b204e9800998ecf8427e",
        "0x",
        "0123456789abcdef",
        "aGVsbG8gd29ybGQgaHR0cDovL2V4YW1wbGUuY29tLw==",
        "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        "CVE-2024-",
        "1234",
        "T1059.001",
        "HKLM\\Software\\",
        "AS13335",
        "00:1a:2b:3c:4d:5e",
        "notes.txt",
        "FileName ",
        " ",
        "\n",
        "=",
        ":",
        "/",
        ".",
        "-",
        "a",
        "Z",
    ];

    fn strings() -> impl Strategy<Value = Vec<String>> {
        let piece = proptest::sample::select(PIECES);
        let string = proptest::collection::vec(piece, 1..8)
            .prop_map(|pieces| pieces.concat());
        proptest::collection::vec(string, 1..24)
    }

    /// Regions at increasing input offsets, two bytes apart, as the
    /// strings of a binary are.
    fn regions(texts: &[String]) -> Vec<Region<'static>> {
        let mut offset = 16;
        texts
            .iter()
            .map(|text| {
                let region = Region {
                    text: Cow::Owned(text.clone().into_bytes()),
                    map: OffsetMap::shifted(offset),
                    origin: Origin::AsciiString,
                };
                offset += text.len() + 2;
                region
            })
            .collect()
    }

    #[test]
    fn regions_inside_spans_are_dropped() {
        let texts =
            ["1.1.0.14", "ab", "10.0.0.1", "c2.example.org"].map(String::from);
        let mut found = regions(&texts);
        // At offsets 16, 26, 30 and 40: the first lies inside the first
        // span, the third only starts inside the second.
        drop_inside(&mut found, &[10..24, 30..35]);
        let kept: Vec<_> = found.iter().map(|r| &*r.text).collect();
        assert_eq!(kept, [&b"ab"[..], b"10.0.0.1", b"c2.example.org"]);

        let mut all = regions(&texts);
        drop_inside(&mut all, &[]);
        assert_eq!(all.len(), texts.len());
    }

    fn each_alone(regions: &[Region<'_>], settings: &Settings) -> Report {
        let mut collector = Collector::new(settings);
        for region in regions {
            collector.scan_region(region, None);
        }
        collector.finish(None, FileKind::Binary, Vec::new())
    }

    fn json(report: &Report) -> String {
        serde_json::to_string(report).unwrap()
    }

    proptest! {
        #[test]
        fn joined_strings_scan_as_each_alone(texts in strings()) {
            let regions = regions(&texts);
            let settings = settings(true);
            let alone = json(&each_alone(&regions, &settings));
            let joined =
                json(&scan_regions(None, FileKind::Binary, regions, &settings));
            prop_assert_eq!(joined, alone);
        }
    }

    #[test]
    fn benign_filter_restarts_at_each_string() {
        let filter = Filter::builder().benign().build();
        let settings = Settings { filter, ..settings(true) };
        let texts = [
            "http://www.w3.org/2001/XMLSchema".to_string(),
            "www.w3.org".to_string(),
            "evil.example.com".to_string(),
        ];
        let regions = regions(&texts);
        let alone = json(&each_alone(&regions, &settings));
        let joined =
            json(&scan_regions(None, FileKind::Binary, regions, &settings));
        assert_eq!(joined, alone);
        assert!(joined.contains("evil.example.com"));
    }

    #[test]
    fn long_strings_end_a_batch() {
        let short = "a".repeat(10);
        let long = "b".repeat(BATCH_REGION_MAX + 1);
        let texts = [short.clone(), short.clone(), long, short];
        let regions = regions(&texts);
        assert_eq!(batch_count(&regions), 2);
        assert_eq!(batch_count(regions.get(2..).unwrap()), 0);
        assert_eq!(batch_count(regions.get(3..).unwrap()), 1);
    }

    #[test]
    fn batch_stops_near_its_length() {
        let text = "c".repeat(BATCH_REGION_MAX);
        let texts = vec![text; 40];
        let regions = regions(&texts);
        let count = batch_count(&regions);
        let bytes: usize =
            regions.iter().take(count).map(|r| r.text.len()).sum();
        assert!((BATCH_LEN..=BATCH_LEN + BATCH_REGION_MAX).contains(&bytes));
    }
}
