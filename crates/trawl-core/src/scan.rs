//! The scanner: refang, detect, resolve, map offsets, recurse into
//! decoded payloads.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::detect::{self, Candidate, Value};
use crate::offset_map::OffsetMap;
use crate::refang::refang;
use crate::rules::RuleMatch;
use crate::{
    Category, CategorySet, Detection, IocKey, IocsBuilder, Limits, RuleSet,
    Source,
};

/// Longest decoded payload, in bytes, kept as text in a detection.
const MAX_DECODED_TEXT: usize = 4096;

/// Scans byte slices for indicators. Cheap to share between threads.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    categories: CategorySet,
    limits: Limits,
    rules: Arc<RuleSet>,
}

/// The result of scanning one byte slice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOutput {
    /// Detections sorted by start offset.
    pub detections: Vec<Detection>,
    /// Set when `Limits::max_detections` cut the list short.
    pub truncated: bool,
}

/// Bytes scanned at a time. Candidates are held per chunk, so memory does
/// not grow with the input.
const CHUNK_LEN: usize = 1 << 20;

/// Input bytes per candidate in indicator-dense text (about 67 in the
/// generated benchmark text), which sizes the first allocation of a
/// window's candidate list.
const CANDIDATE_SPACING: usize = 64;

/// How far past `CHUNK_LEN` a chunk may run to end at a newline.
const MAX_CHUNK_LEN: usize = 16 << 20;

impl Scanner {
    /// Creates a scanner reporting `categories`, bounded by `limits`.
    pub fn new(categories: CategorySet, limits: Limits) -> Scanner {
        Scanner { categories, limits, rules: Arc::default() }
    }

    /// Returns the scanner with custom rules. They run over the same
    /// refanged text as the built-in detectors, and their values are
    /// reported beside the built-in ones: they neither hide nor are
    /// hidden by a built-in detection of the same bytes.
    pub fn with_rules(mut self, rules: Arc<RuleSet>) -> Scanner {
        self.rules = rules;
        self
    }

    /// Returns the limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Returns the custom rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Returns a builder of `iocs` lists that has the custom rules'
    /// categories, and keeps at most `max_values` distinct values.
    pub fn iocs_builder(&self, max_values: usize) -> IocsBuilder {
        let names = Arc::clone(self.rules.categories());
        IocsBuilder::new(max_values).with_custom_categories(names)
    }

    /// Scans `bytes` and returns its detections, offsets into `bytes`, at
    /// most `Limits::max_detections` of them.
    pub fn scan(&self, bytes: &[u8]) -> ScanOutput {
        let mut output = ScanOutput::default();
        let limit = self.limits.max_detections;
        self.scan_each(bytes, |detection| {
            if output.detections.len() < limit {
                output.detections.push(detection);
            } else {
                output.truncated = true;
            }
        });
        output
    }

    /// Scans `bytes` and hands each detection to `emit`, in order of start
    /// offset (a decoded payload's detections follow their base64 token).
    /// Large inputs are scanned in chunks that end at a newline, so
    /// memory stays bounded and the result equals a scan of the whole.
    pub fn scan_each(&self, bytes: &[u8], mut emit: impl FnMut(Detection)) {
        self.scan_each_lent(bytes, |detection| {
            emit(take_detection(detection.detection()));
        });
    }

    /// Scans `bytes` as [`Scanner::scan_each`] does, but lends each
    /// detection to `emit` instead of handing it over. The next detection
    /// reuses its buffers, so a caller that only reads the value saves an
    /// allocation per detection, and one that keeps it must clone it.
    pub fn scan_each_borrowed(
        &self,
        bytes: &[u8],
        mut emit: impl FnMut(&mut Detection),
    ) {
        self.scan_each_lent(bytes, |detection| emit(detection.detection()));
    }

    /// Scans `bytes` as [`Scanner::scan_each_borrowed`] does, but copies
    /// a detection's value into the lent [`Detection`] only when `emit`
    /// calls [`LentDetection::detection`]. A caller that only reads the
    /// value's bytes saves the copy and its UTF-8 check.
    pub fn scan_each_lent(
        &self,
        bytes: &[u8],
        emit: impl FnMut(&mut LentDetection<'_>),
    ) {
        self.scan_chunked(bytes, CHUNK_LEN, MAX_CHUNK_LEN, emit);
    }

    /// Scans in chunks of `chunk_len` bytes, stretched up to
    /// `max_chunk_len` to end at a newline.
    fn scan_chunked(
        &self,
        bytes: &[u8],
        chunk_len: usize,
        max_chunk_len: usize,
        mut emit: impl FnMut(&mut LentDetection<'_>),
    ) {
        let token = self.limits.max_token_len;
        let mut memo = PayloadMemo::default();
        let mut owned_start = 0;
        while owned_start < bytes.len() {
            let (owned_end, at_newline) =
                chunk_end(bytes, owned_start, chunk_len, max_chunk_len);
            // Each chunk keeps the detections that start in it. Context
            // can cross lines (a file-name label on the line before its
            // name), so each window starts a token's length before its
            // chunk. A cut inside a line gets as much overlap after it.
            let after = if at_newline { 0 } else { token };
            let window_start = owned_start.saturating_sub(token);
            let window_end = owned_end.saturating_add(after).min(bytes.len());
            let window =
                bytes.get(window_start..window_end).unwrap_or_default();
            self.scan_window(window, 0, None, &mut memo, &mut |lent| {
                let detection = &mut *lent.detection;
                detection.start = detection.start.saturating_add(window_start);
                detection.end = detection.end.saturating_add(window_start);
                if (owned_start..owned_end).contains(&detection.start) {
                    emit(lent);
                }
            });
            owned_start = owned_end;
        }
    }

    /// Scans one window; when `outer` is set, every detection takes that
    /// span and comes from a payload `depth` decodings deep.
    fn scan_window(
        &self,
        bytes: &[u8],
        depth: u8,
        outer: Option<(usize, usize)>,
        memo: &mut PayloadMemo,
        emit: &mut dyn FnMut(&mut LentDetection<'_>),
    ) {
        let refanged = refang(bytes);
        // Reserving for indicator-dense text up front saves the copies
        // of repeated growth.
        let mut candidates =
            Vec::with_capacity(refanged.text.len() / CANDIDATE_SPACING);
        let urls =
            detect::find_all(&refanged.text, &self.limits, &mut candidates);
        drop_plain_weak(&mut candidates, &refanged.map);
        let mut kept = crate::resolve::survivors(&candidates);
        if !urls.all_kept(&kept.urls) {
            // A URL lost to an earlier candidate, so candidates skipped
            // inside it may survive. Scan the window again in full.
            candidates.clear();
            detect::find_all_whole(
                &refanged.text,
                &self.limits,
                &mut candidates,
            );
            drop_plain_weak(&mut candidates, &refanged.map);
            kept = crate::resolve::survivors(&candidates);
        }
        let mut custom = Vec::new();
        if !self.rules.is_empty() {
            self.rules.find_all(&refanged.text, &self.limits, &mut custom);
        }

        // Both lists ascend by start, so each lookup starts next to the
        // previous one instead of searching the whole map, and merging
        // them keeps the detections in order of start.
        let mut cursor = refanged.map.cursor();
        let mut custom_cursor = refanged.map.cursor();
        let mut custom = custom.into_iter().peekable();
        // Every field is set again before each use.
        let mut scratch = Detection {
            category: IocKey::Category(Category::Url),
            rule: None,
            value: String::new(),
            start: 0,
            end: 0,
            kind: None,
            decoded: None,
            source: Source::Text,
        };
        let kept = kept.order.into_iter();
        for candidate in kept.filter_map(|i| candidates.get(i)) {
            // A peek leaves the match in place when it is not taken,
            // where `next_if` would move it out and back for each
            // candidate.
            while custom.peek().is_some_and(|m| m.start < candidate.start) {
                let Some(found) = custom.next() else { break };
                let span = outer.unwrap_or_else(|| {
                    (
                        custom_cursor.start(found.start),
                        custom_cursor.end(found.end),
                    )
                });
                let mut detection = custom_detection(found, span, depth);
                emit(&mut LentDetection::new(&mut detection));
            }
            let (start, end) = match outer {
                Some(span) => span,
                None => {
                    (cursor.start(candidate.start), cursor.end(candidate.end))
                }
            };
            let span = (start, end);
            self.emit(candidate, span, depth, &mut scratch, memo, emit);
        }
        for found in custom {
            let span = outer.unwrap_or_else(|| {
                (
                    custom_cursor.start(found.start),
                    custom_cursor.end(found.end),
                )
            });
            let mut detection = custom_detection(found, span, depth);
            emit(&mut LentDetection::new(&mut detection));
        }
    }

    /// Lends `emit` the detection of `candidate` at `start..end`, built
    /// in `scratch`, then scans a base64 candidate's payload.
    fn emit(
        &self,
        candidate: &Candidate,
        (start, end): (usize, usize),
        depth: u8,
        scratch: &mut Detection,
        memo: &mut PayloadMemo,
        emit: &mut dyn FnMut(&mut LentDetection<'_>),
    ) {
        let Candidate { category, ref value, kind, ref payload, .. } =
            *candidate;
        let source = source_at(depth);
        let text = payload.as_deref().map(decoded_text);
        if self.categories.contains(category) {
            scratch.category = IocKey::Category(category);
            scratch.rule = None;
            scratch.start = start;
            scratch.end = end;
            scratch.kind = kind;
            scratch.source = source;
            emit(&mut LentDetection {
                detection: scratch,
                pending: Some(Pending { value, decoded: text.as_deref() }),
            });
        }
        if category == Category::Base64 && depth < self.limits.max_decode_depth
        {
            if let Some(text) = text {
                let depth = depth.saturating_add(1);
                self.scan_payload(&text, depth, (start, end), memo, emit);
            }
        }
    }

    /// Scans the decoded `text` of a base64 token at `span`, or replays
    /// the detections of an earlier scan of the same text.
    fn scan_payload(
        &self,
        text: &str,
        depth: u8,
        span: (usize, usize),
        memo: &mut PayloadMemo,
        emit: &mut dyn FnMut(&mut LentDetection<'_>),
    ) {
        if let Some(found) = memo.get(depth, text) {
            for detection in found {
                let mut copy = detection.clone();
                (copy.start, copy.end) = span;
                emit(&mut LentDetection::new(&mut copy));
            }
            return;
        }
        let outer = Some(span);
        if !memo.has_room(text) {
            // Recording costs a copy of each detection, which a full
            // memo would throw away.
            self.scan_window(text.as_bytes(), depth, outer, memo, emit);
            return;
        }
        let mut found = Vec::new();
        self.scan_window(text.as_bytes(), depth, outer, memo, &mut |lent| {
            found.push(lent.detection().clone());
            emit(lent);
        });
        memo.insert(depth, text, found);
    }
}

/// The detections of the decoded payloads scanned so far in one input,
/// by payload text and depth. A payload repeated through the input, as
/// the same encoded command on every line of a log, is then scanned once.
/// Every detection of a payload takes the span of its base64 token, so
/// the detections of a repeat differ only in that span.
struct PayloadMemo {
    /// One map per depth, from payload text to its detections.
    scanned: Vec<HashMap<Box<str>, Box<[Detection]>, RandomState>>,
    /// Bytes taken by the texts and detections kept.
    used_bytes: usize,
    max_bytes: usize,
    /// Set when a payload's detections did not fit: later payloads are
    /// then neither recorded nor kept.
    full: bool,
}

impl Default for PayloadMemo {
    fn default() -> PayloadMemo {
        PayloadMemo {
            scanned: Vec::new(),
            used_bytes: 0,
            max_bytes: MEMO_MAX_BYTES,
            full: false,
        }
    }
}

/// Maximum bytes a [`PayloadMemo`] counts for its texts, detections and
/// entries. Past it, new payloads are scanned each time they occur. The
/// map's spare slots can take its heap use to about twice this.
const MEMO_MAX_BYTES: usize = 1 << 18;

/// Bytes counted for each entry besides its text and detections: the
/// map's key and value pointers and its control byte, rounded up. Short
/// payloads with no detections would otherwise fill the map with entries
/// counted at a few bytes each.
const MEMO_ENTRY_BYTES: usize = 48;

impl PayloadMemo {
    fn get(&self, depth: u8, text: &str) -> Option<&[Detection]> {
        let scanned = self.scanned.get(usize::from(depth))?;
        scanned.get(text).map(|found| &**found)
    }

    /// Reports whether `text` may still be kept. Its detections may not
    /// fit, and [`PayloadMemo::insert`] then marks the memo full.
    fn has_room(&self, text: &str) -> bool {
        !self.full
            && self.used_bytes.saturating_add(text.len()) <= self.max_bytes
    }

    fn insert(&mut self, depth: u8, text: &str, found: Vec<Detection>) {
        let detections = found.iter().fold(0usize, |sum, detection| {
            let decoded = detection.decoded.as_ref().map_or(0, String::len);
            sum.saturating_add(std::mem::size_of::<Detection>())
                .saturating_add(detection.value.len())
                .saturating_add(decoded)
        });
        let used_bytes = self
            .used_bytes
            .saturating_add(MEMO_ENTRY_BYTES)
            .saturating_add(text.len())
            .saturating_add(detections);
        if used_bytes > self.max_bytes {
            self.full = true;
            return;
        }
        let depth = usize::from(depth);
        if self.scanned.len() <= depth {
            self.scanned
                .resize_with(depth.saturating_add(1), HashMap::default);
        }
        if let Some(scanned) = self.scanned.get_mut(depth) {
            self.used_bytes = used_bytes;
            scanned.insert(Box::from(text), found.into_boxed_slice());
        }
    }
}

/// A detection that [`Scanner::scan_each_lent`] lends to its callback.
/// Its value and decoded text are copied into the [`Detection`] only
/// when [`LentDetection::detection`] is called.
#[derive(Debug)]
pub struct LentDetection<'a> {
    /// Complete except for `value` and `decoded` while `pending` is set.
    detection: &'a mut Detection,
    pending: Option<Pending<'a>>,
}

/// The fields of a lent detection not yet copied into it.
#[derive(Debug)]
struct Pending<'a> {
    value: &'a Value,
    /// The whole decoded payload, cut to length when copied.
    decoded: Option<&'a str>,
}

impl<'a> LentDetection<'a> {
    /// Lends a complete detection.
    pub fn new(detection: &'a mut Detection) -> LentDetection<'a> {
        LentDetection { detection, pending: None }
    }

    /// Returns the indicator's category.
    #[inline]
    pub fn category(&self) -> IocKey {
        self.detection.category
    }

    /// Returns the offset of the indicator's first byte, as
    /// [`Detection::start`] gives it.
    #[inline]
    pub fn start(&self) -> usize {
        self.detection.start
    }

    /// Returns the bytes of the normalised value, which are UTF-8.
    #[inline]
    pub fn value_bytes(&self) -> &[u8] {
        match &self.pending {
            Some(pending) => pending.value.as_bytes(),
            None => self.detection.value.as_bytes(),
        }
    }

    /// Returns the whole detection, copying the value and decoded text
    /// in on the first call.
    pub fn detection(&mut self) -> &mut Detection {
        if let Some(Pending { value, decoded }) = self.pending.take() {
            self.detection.value.clear();
            self.detection.value.push_str(value.as_str());
            self.detection.decoded = decoded.map(truncated_text);
        }
        self.detection
    }
}

/// Drops the weak candidates whose raw text was not defanged. A
/// defanged one was longer before refanging.
fn drop_plain_weak(candidates: &mut Vec<Candidate>, map: &OffsetMap) {
    let mut cursor = map.cursor();
    candidates.retain(|c| {
        !c.weak
            || cursor.end(c.end).saturating_sub(cursor.start(c.start))
                > c.end.saturating_sub(c.start)
    });
}

/// Returns the detection of a custom rule's value that spans `span` in
/// the scanned bytes.
fn custom_detection(
    found: RuleMatch,
    (start, end): (usize, usize),
    depth: u8,
) -> Detection {
    Detection {
        category: IocKey::Custom(found.category),
        rule: Some(found.rule),
        value: found.value,
        start,
        end,
        kind: None,
        decoded: None,
        source: source_at(depth),
    }
}

/// Moves the contents of a lent detection into one the caller owns.
fn take_detection(detection: &mut Detection) -> Detection {
    Detection {
        category: detection.category,
        rule: detection.rule,
        value: std::mem::take(&mut detection.value),
        start: detection.start,
        end: detection.end,
        kind: detection.kind,
        decoded: detection.decoded.take(),
        source: detection.source,
    }
}

/// Returns the source of a detection found `depth` decodings deep.
fn source_at(depth: u8) -> Source {
    match depth {
        0 => Source::Text,
        depth => Source::Base64 { depth },
    }
}

/// Returns where the chunk starting at `start` ends, and whether it ends
/// after a newline: the last newline within `chunk_len`, else the first
/// one within `max_chunk_len`, else a cut inside the line. A newline
/// inside a wrapped base64 block moves the end past the block, within
/// `max_chunk_len`, so that the block is read whole.
fn chunk_end(
    bytes: &[u8],
    start: usize,
    chunk_len: usize,
    max_chunk_len: usize,
) -> (usize, bool) {
    let rest = bytes.get(start..).unwrap_or_default();
    if rest.len() <= chunk_len {
        return (bytes.len(), true);
    }
    let head = rest.get(..chunk_len).unwrap_or_default();
    // Every sum below is at most `bytes.len()`, so saturation never
    // changes it.
    let past =
        |newline: usize| start.saturating_add(newline).saturating_add(1);
    if let Some(newline) = memchr::memrchr(b'\n', head) {
        let cut = past(newline);
        let limit = start.saturating_add(max_chunk_len);
        return match crate::cut::wrapped_base64_end(bytes, cut, limit) {
            crate::BlockEnd::At(end) => (end, true),
            // The block runs to the end of the text: the chunk takes it.
            crate::BlockEnd::Open if limit >= bytes.len() => {
                (bytes.len(), true)
            }
            crate::BlockEnd::Open => (cut, true),
        };
    }
    let far = rest.get(..max_chunk_len.min(rest.len())).unwrap_or_default();
    match memchr::memchr(b'\n', far) {
        Some(newline) => (past(newline), true),
        None => (start.saturating_add(far.len()), false),
    }
}

/// Cuts decoded text to `MAX_DECODED_TEXT` bytes for the report.
fn truncated_text(text: &str) -> String {
    let max = text.len().min(MAX_DECODED_TEXT);
    let cut = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or_default();
    text.get(..cut).unwrap_or_default().to_string()
}

/// Returns a decoded payload as text: UTF-16LE (as PowerShell's
/// `-EncodedCommand` uses) is transcoded, anything else is read as lossy
/// UTF-8.
fn decoded_text(payload: &[u8]) -> String {
    if looks_utf16le(payload) {
        let units = payload
            .chunks_exact(2)
            .filter_map(|pair| pair.try_into().ok())
            .map(u16::from_le_bytes);
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        String::from_utf8_lossy(payload).into_owned()
    }
}

/// Reports whether most odd bytes are NUL, as in ASCII text in UTF-16LE.
fn looks_utf16le(payload: &[u8]) -> bool {
    if payload.len() < 4 {
        return false;
    }
    let odd = payload.iter().skip(1).step_by(2);
    let zeros = odd.clone().filter(|&&b| b == 0).count();
    zeros.saturating_mul(10) >= odd.count().saturating_mul(9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_payload_is_transcoded() {
        let payload: Vec<u8> =
            "IEX abc".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decoded_text(&payload), "IEX abc");
    }

    #[test]
    fn reported_decoded_text_is_bounded() {
        let text = "ж".repeat(MAX_DECODED_TEXT);
        let cut = truncated_text(&text);
        assert!(cut.len() <= MAX_DECODED_TEXT);
        assert!(cut.len() > MAX_DECODED_TEXT - 2);
    }

    #[test]
    fn chunks_end_after_newlines() {
        let line = "x".repeat(1000) + "\n";
        let text = line.repeat(3000);
        let (end, at_newline) =
            chunk_end(text.as_bytes(), 0, CHUNK_LEN, MAX_CHUNK_LEN);
        assert!(at_newline);
        assert!(end <= CHUNK_LEN);
        assert_eq!(end % line.len(), 0);
    }

    /// Scans `text` whole and in small chunks, which puts boundaries at
    /// every distance from the indicators, and compares the results.
    fn assert_chunking_exact(text: &str, chunk_len: usize, max_len: usize) {
        let scanner = Scanner::default();
        let mut chunked = Vec::new();
        scanner.scan_chunked(text.as_bytes(), chunk_len, max_len, |d| {
            chunked.push(d.detection().clone())
        });
        let mut whole = Vec::new();
        let mut memo = PayloadMemo::default();
        scanner.scan_window(text.as_bytes(), 0, None, &mut memo, &mut |d| {
            whole.push(d.detection().clone())
        });
        assert!(!whole.is_empty());
        assert_eq!(chunked.len(), whole.len());
        assert!(chunked == whole);
    }

    fn indicator_text(lines: bool) -> String {
        let mut text = String::new();
        for n in 0..400 {
            text.push_str(&format!(
                "host{n}.example.com 10.0.{}.{} hxxp://a{n}[.]example[.]net/p \
                 C:\\Program Files\\x{n}.exe ",
                n % 250,
                n / 250
            ));
            if lines && n % 3 == 0 {
                text.push('\n');
            }
        }
        text
    }

    #[test]
    fn chunked_scan_equals_whole_scan() {
        for chunk_len in [300, 1000, 4096] {
            assert_chunking_exact(&indicator_text(true), chunk_len, 8192);
        }
    }

    #[test]
    fn chunked_scan_keeps_wrapped_base64_whole() {
        use crate::detect::base64::tests::encode;
        let mut text = String::new();
        for n in 0..40 {
            let payload: String = (0..12)
                .map(|i| format!("http://wrapped-{n}-{i}.example.org/x{i} "))
                .collect();
            let encoded = encode(payload.as_bytes());
            let lines: Vec<&str> = encoded
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).unwrap())
                .collect();
            text.push_str(&format!("part {n}\r\n{}\r\n", lines.join("\r\n")));
        }
        let urls = |chunked: bool| {
            let scanner = Scanner::default();
            let mut found = Vec::new();
            let (chunk_len, max_len) =
                if chunked { (300, 8192) } else { (1 << 20, 1 << 20) };
            scanner.scan_chunked(text.as_bytes(), chunk_len, max_len, |d| {
                let detection = d.detection();
                if detection.category == Category::Url {
                    found.push(detection.value.clone());
                }
            });
            found
        };
        let whole = urls(false);
        assert_eq!(whole.len(), 40 * 12);
        assert!(urls(true) == whole);
    }

    #[test]
    fn chunked_scan_skips_font_data_as_whole_scan() {
        let mut text = indicator_text(true);
        for n in 0..6u64 {
            text.push_str("/FontName /F def\ncurrentfile eexec\n");
            for line in 1..=40u64 {
                let digits =
                    (n * 1000 + line).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                text.push_str(&format!("{digits:016x}").repeat(4));
                text.push('\n');
            }
            text.push_str("cleartomark\n");
            text.push_str(&format!("sha256 {}\n", "ab12cd34".repeat(8)));
        }
        for chunk_len in [300, 1000, 4096] {
            assert_chunking_exact(&text, chunk_len, 8192);
        }
        let digests: Vec<Detection> = Scanner::default()
            .scan(text.as_bytes())
            .detections
            .into_iter()
            .filter(|d| d.category == IocKey::Category(Category::Hash))
            .collect();
        assert_eq!(digests.len(), 6);
    }

    #[test]
    fn chunk_cut_inside_long_line_keeps_tokens() {
        for chunk_len in [97, 1000, 4096] {
            assert_chunking_exact(
                &indicator_text(false),
                chunk_len,
                chunk_len,
            );
        }
    }

    #[test]
    fn chunk_cut_after_label_line_keeps_name() {
        // OpenIOC writes the file-name label on the line before the value.
        let label = "<Context search=\"FileItem/FileName\"/>\n";
        let filler = "x\n".repeat(200);
        let text = format!("{filler}{label}<Content>notes.txt</Content>\n");
        let chunk_len = filler.len() + label.len();
        assert_chunking_exact(&text, chunk_len, chunk_len);
    }

    /// Returns the detections of `text`, scanned whole and in chunks of
    /// `chunk_len` bytes stretched up to `max_len`.
    fn whole_and_chunked(
        text: &[u8],
        chunk_len: usize,
        max_len: usize,
    ) -> (Vec<Detection>, Vec<Detection>) {
        let scanner = Scanner::default();
        let mut chunked = Vec::new();
        scanner.scan_chunked(text, chunk_len, max_len, |d| {
            chunked.push(d.detection().clone())
        });
        let mut whole = Vec::new();
        let mut memo = PayloadMemo::default();
        scanner.scan_window(text, 0, None, &mut memo, &mut |d| {
            whole.push(d.detection().clone())
        });
        (whole, chunked)
    }

    proptest::proptest! {
        #[test]
        fn chunked_scan_keeps_file_names(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "a.exe", "notes.txt", "b", "Setup", ".", " ", " ", "|",
                    "| ", "`", "\"", "'", "++", ">", "<", "\n", "\n",
                    "Filename: ", "http://x.example.com/p ",
                    "d41d8cd98f00b204e9800998ecf8427e", "[.]", "\u{e9}",
                ][..]),
                0..40,
            ),
            cut in 0usize..160,
            stretch in proptest::bool::ANY,
        ) {
            // The filler is longer than the overlap of two windows, so a
            // window that starts in the pieces cannot see the text start.
            let words = Limits::default().max_token_len.div_ceil(5);
            let filler = "word ".repeat(words.saturating_add(100));
            let text = filler.clone() + &pieces.concat();
            let chunk_len = filler.len().saturating_sub(20).saturating_add(cut);
            let max_len =
                if stretch { chunk_len.saturating_mul(2) } else { chunk_len };
            let (whole, chunked) =
                whole_and_chunked(text.as_bytes(), chunk_len, max_len);
            proptest::prop_assert_eq!(chunked, whole);
        }
    }

    proptest::proptest! {
        // A lost table column shows only when a cut falls between a
        // header and a row that a wide line separates, which the default
        // 256 cases rarely produce.
        #![proptest_config(proptest::test_runner::Config::with_cases(2048))]

        #[test]
        fn chunked_scan_keeps_name_and_mutex_contexts(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "=== File names\n", "## Filenames\n", "== Network\n",
                    "| SHA-1 | Filename |\n", "|===\n", "|---|---|\n",
                    "|===\n| SHA-1 | Filename |\n",
                    "| SHA-1 | Filename |\n|---|---|\n",
                    "| d41d8cd98f00b204e9800998ecf8427e | sysnetd |\n",
                    "\"type\": \"filename\",\n",
                    "\"value\": \"mdworker3\",\n", "wgl.dat\n", "\n",
                    "==== Mutex names\n", "==== Semaphore names\n",
                    "Mutexes:\n", "* `MSO~2`\n", "Global\\BitStreamSvc\n",
                    "creates the mutex \"Foo1\"\n", "Mutex: Bar_2\n",
                    "\"type\": \"mutex\",\n",
                    "search=\"ProcessItem/HandleList/Handle/Name\"/>\n",
                    "<Content>x1</Content>\n",
                    "blank", "blank", "wide", "wide", "prose", "prose",
                ][..]),
                0..80,
            ),
            chunk_len in 4096usize..12_288,
            stretch in proptest::bool::ANY,
        ) {
            // A blank or prose line is longer than the reach of the
            // file-name context rules, and a wide one is longer than the
            // overlap of two windows, so headers fall on both sides of
            // both. Tables and sections run on over blank lines.
            let blank = " ".repeat(1100) + "\n";
            let wide = " ".repeat(9000) + "\n";
            let prose = "word ".repeat(220) + "\n";
            let text: String = pieces
                .iter()
                .map(|&piece| match piece {
                    "blank" => blank.as_str(),
                    "wide" => wide.as_str(),
                    "prose" => prose.as_str(),
                    other => other,
                })
                .collect();
            let max_len =
                if stretch { chunk_len.saturating_mul(2) } else { chunk_len };
            let (whole, chunked) =
                whole_and_chunked(text.as_bytes(), chunk_len, max_len);
            proptest::prop_assert_eq!(chunked, whole);
        }
    }

    #[test]
    fn lent_value_bytes_equal_copied_value() {
        let text = indicator_text(true)
            + " aHR0cDovL2V2aWwuZXhhbXBsZS5jb20vcGF5bG9hZA== ÉVIL.Example.COM";
        let scanner = Scanner::default();
        let mut lent = Vec::new();
        scanner.scan_each_lent(text.as_bytes(), |d| {
            let bytes = d.value_bytes().to_vec();
            let (category, start) = (d.category(), d.start());
            let detection = d.detection().clone();
            assert_eq!(category, detection.category);
            assert_eq!(start, detection.start);
            assert_eq!(d.value_bytes(), bytes.as_slice());
            lent.push((bytes, detection));
        });
        let owned = scanner.scan(text.as_bytes()).detections;
        assert!(owned.len() > 400);
        assert!(owned.iter().any(|d| d.decoded.is_some()));
        assert_eq!(lent.len(), owned.len());
        for ((bytes, detection), expected) in lent.iter().zip(&owned) {
            assert_eq!(bytes.as_slice(), expected.value.as_bytes());
            assert_eq!(detection, expected);
        }
    }

    #[test]
    fn custom_matches_merge_by_start() {
        let rules = "[[rule]]\nname = \"t\"\ncategory = \"tickets\"\n\
                     pattern = 'TICKET-[0-9]+'\n";
        let rules = RuleSet::parse(rules, "test.toml").unwrap();
        let scanner = Scanner::default().with_rules(Arc::new(rules));
        let text = "TICKET-1 evil.example.com TICKET-2 10.0.0.1 \
                    TICKET-3 TICKET-4 other.example.org TICKET-5";
        let found: Vec<(bool, String)> = scanner
            .scan(text.as_bytes())
            .detections
            .into_iter()
            .map(|d| (d.rule.is_some(), d.value))
            .collect();
        let expected = [
            (true, "TICKET-1"),
            (false, "evil.example.com"),
            (true, "TICKET-2"),
            (false, "10.0.0.1"),
            (true, "TICKET-3"),
            (true, "TICKET-4"),
            (false, "other.example.org"),
            (true, "TICKET-5"),
        ];
        let expected: Vec<(bool, String)> = expected
            .into_iter()
            .map(|(custom, value)| (custom, value.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    /// Returns the category and value of each detection in `text`.
    fn found(text: &str) -> Vec<(IocKey, String)> {
        let output = Scanner::default().scan(text.as_bytes());
        output.detections.into_iter().map(|d| (d.category, d.value)).collect()
    }

    #[test]
    fn unc_server_reported_beside_path() {
        let text = "copy \\\\95.164.3[.]171@80\\share\\cisa.msi and \\\\files.evil[.]net\\s\\a.dll";
        let key = IocKey::Category;
        let expected = [
            (
                key(Category::FilePath),
                "\\\\95.164.3.171@80\\share\\cisa.msi".to_string(),
            ),
            (key(Category::Ip), "95.164.3.171".to_string()),
            (
                key(Category::FilePath),
                "\\\\files.evil.net\\s\\a.dll".to_string(),
            ),
            (key(Category::Domain), "files.evil.net".to_string()),
        ];
        assert_eq!(found(text), expected);
    }

    #[test]
    fn url_lost_to_path_keeps_inner_indicators() {
        // The path starts first and takes the URL's scheme, so the URL is
        // dropped and the indicators in its interior are reported.
        let text = "see C:\\tmp\\http://evil.com/x/abc.example.org/\
            d41d8cd98f00b204e9800998ecf8427e ok";
        let key = IocKey::Category;
        let expected = [
            (key(Category::FilePath), "C:\\tmp\\http".to_string()),
            (key(Category::Domain), "evil.com".to_string()),
            (key(Category::Domain), "abc.example.org".to_string()),
            (
                key(Category::Hash),
                "d41d8cd98f00b204e9800998ecf8427e".to_string(),
            ),
        ];
        assert_eq!(found(text), expected);
    }

    #[test]
    fn repeated_payload_replays_its_detections() {
        // Decodes to a command with a URL and a second base64 token,
        // whose payload contains another URL.
        let token = "cG93ZXJzaGVsbCAtYyBpd3IgaHR0cDovL2V2aWwuZXhhbXBsZS5jb\
            20vYS5wczEgOyBlY2hvIFkzVnliQ0JvZEhSd09pOHZhVzV1WlhJdVpYaGhiWEJz\
            WlM1dVpYUXZlQzV6YUE9PQ==";
        let text = format!("one {token} two\nthree {token} four {token}");
        let scanner = Scanner::default();
        let alone = scanner.scan(token.as_bytes()).detections;
        let depth_two = Source::Base64 { depth: 2 };
        assert!(alone.iter().any(|d| d.source == depth_two), "{alone:?}");
        let mut expected = Vec::new();
        for (offset, _) in text.match_indices(token) {
            expected.extend(alone.iter().cloned().map(|mut detection| {
                detection.start += offset;
                detection.end += offset;
                detection
            }));
        }
        assert_eq!(scanner.scan(text.as_bytes()).detections, expected);
    }

    /// Returns the detections of `text`, scanned as one window with the
    /// payload memo or without it.
    fn scan_memo(text: &[u8], memo: bool) -> Vec<Detection> {
        let mut memo = PayloadMemo {
            max_bytes: if memo { MEMO_MAX_BYTES } else { 0 },
            ..PayloadMemo::default()
        };
        let mut found = Vec::new();
        Scanner::default().scan_window(text, 0, None, &mut memo, &mut |d| {
            found.push(d.detection().clone())
        });
        found
    }

    proptest::proptest! {
        #[test]
        fn memo_equals_rescanning(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    // `curl http://inner.example.net/x.sh`
                    "Y3VybCBodHRwOi8vaW5uZXIuZXhhbXBsZS5uZXQveC5zaA==",
                    // `echo ` and the token above
                    "ZWNobyBZM1Z5YkNCb2RIUndPaTh2YVc1dVpYSXVaWGhoYlhCc1pTNXVaWFF2ZUM1emFBPT0=",
                    // `ping 10.1.2.3`
                    "cGluZyAxMC4xLjIuMw==",
                    // `ping 10.1.2.3` in UTF-16LE
                    "cABpAG4AZwAgADEAMAAuADEALgAyAC4AMwA=",
                    " ", "\n", "=", "x", "-enc ", "(", ")",
                ]),
                0..24,
            ),
        ) {
            let text = parts.concat();
            let with = scan_memo(text.as_bytes(), true);
            proptest::prop_assert_eq!(
                &with,
                &scan_memo(text.as_bytes(), false)
            );
        }
    }

    #[test]
    fn payload_memo_stops_at_its_bound() {
        let mut memo = PayloadMemo::default();
        let text = "x".repeat(MEMO_MAX_BYTES / 4);
        for depth in 1..=8 {
            memo.insert(depth, &text, Vec::new());
        }
        assert!(memo.used_bytes <= MEMO_MAX_BYTES);
        assert!(memo.full);
        assert!(!memo.has_room("y"));
        assert!(memo.get(1, &text).is_some());
        assert!(memo.get(8, &text).is_none());
        assert!(memo.get(1, "y").is_none());
    }

    #[test]
    fn payload_memo_counts_each_entry() {
        let mut memo = PayloadMemo::default();
        for n in 0..MEMO_MAX_BYTES {
            memo.insert(1, &n.to_string(), Vec::new());
        }
        let entries: usize = memo.scanned.iter().map(HashMap::len).sum();
        assert!(entries > 0);
        assert!(entries <= MEMO_MAX_BYTES / MEMO_ENTRY_BYTES);
    }

    #[test]
    fn kept_url_hides_inner_indicators() {
        let text = "see http://evil.com/x/abc.example.org/\
            d41d8cd98f00b204e9800998ecf8427e ok";
        let categories: Vec<IocKey> =
            found(text).into_iter().map(|(category, _)| category).collect();
        let key = IocKey::Category;
        assert_eq!(
            categories,
            [key(Category::Url), key(Category::Domain), key(Category::Hash)]
        );
    }
}
