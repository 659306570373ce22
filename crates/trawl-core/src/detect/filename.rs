//! Bare file names: a name and an extension from a curated list, written
//! without a directory (`svhvost.exe`, `_bsdbd.pyw`, `libcurl.so.4.4.0`).
//!
//! Every `.` anchors a look at the extension after it. Only an extension
//! from the list, ending the run of name characters, leads to a look back
//! for the name, and that look stops after `MAX_NAME` bytes, so the scan
//! is linear. Extensions of executables, scripts that Windows runs,
//! macro carriers, archives and shortcuts are reported wherever they
//! stand. Generic ones (`.txt`, `.py`, `.js`, `.so`) fill ordinary
//! documentation, so a name with one of them is weak unless a digest is
//! on its line, as in the tables of threat reports, or a file-name label
//! comes before it.

use super::chars::{char_at, char_before, is_idn_char};
use super::domain::packed;
use super::Candidate;
use crate::Category;

mod column;
pub(crate) mod misp;
mod section;

use section::SectionContext;

/// Maximum length of a name, in bytes: the component limit of NTFS and
/// of most Unix file systems.
const MAX_NAME: usize = 255;

/// Maximum distance in bytes from a name back to the context that the
/// rules of the child modules read: a file-name heading, a table's
/// header, a MISP attribute's type. The scanner starts each chunk of a
/// large input `Limits::max_token_len` bytes before the chunk, so context
/// within that many input bytes decides the same in a chunk as in the
/// whole text. Detectors see refanged text, which is up to five times
/// shorter than the input (`[dot]` becomes `.`), so the reach is an
/// eighth of the default token length.
pub(crate) const CONTEXT_REACH: usize = 1024;

/// The evidence that a name with an extension needs to be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    /// Reported wherever the name is written.
    Always,
    /// Reported next to a digest or a label, or when written defanged.
    Context,
}

/// Pushes every bare file name in `text` whose extension lies in one of
/// `runs`, the spans of the dotted runs with a letter that the domain
/// detector read, in order. `digests` are the spans of the digest
/// candidates in `text`, in order of start. A name with a generic
/// extension is pushed weak, so that the scanner keeps it only when it
/// was written defanged, unless a digest is on its line, a file-name
/// label comes before it or it is listed under a file-name heading. The
/// names of a table's file-name column and of MISP file-name attributes
/// are pushed as well, with or without a listed extension.
///
/// Every listed extension contains a letter and follows a dot, so its
/// dot lies in one of the runs. A name in a URL interior, which the
/// domain detector skips, would lose to its URL.
pub(crate) fn find_in_runs(
    text: &[u8],
    runs: &[(usize, usize)],
    digests: &[(usize, usize)],
    out: &mut Vec<Candidate>,
) {
    let mut lines = LineContext::new(digests);
    let mut sections = SectionContext::default();
    // No name starts before `floor`, the end of the last name found. No
    // look back passes `looked`, the end of the last extension looked
    // back from, whether a name was found there or not, and each stops
    // after `MAX_NAME` bytes. So two looks back never cover the same
    // bytes and the scan stays linear. An extension that is not followed
    // by a name byte ends its token, but an apostrophe between two
    // letters (`a.exe'b.exe`) joins it to the next run.
    let mut floor = 0;
    let mut looked = 0;
    let mut from = 0;
    for &(run_start, run_end) in runs {
        from = from.max(run_start);
        while let Some(first_dot) = dot_before(text, from, run_end) {
            // The dots of one token (`www.example.com`, `10.0.0.1`) are
            // visited in turn here, without a search per dot.
            let mut dot = first_dot;
            from = loop {
                let after_dot = dot.saturating_add(1);
                // Only `7z` of the listed extensions starts with a digit,
                // so the groups of addresses and versions skip the
                // lookup.
                let digit_led = text
                    .get(after_dot)
                    .is_some_and(|&b| b.is_ascii_digit() && b != b'7');
                // A label that another label follows continues the token,
                // so only the last label of a token can end a name, or a
                // shared object's `so` that a version follows.
                let label_end = alphanumeric_run_end(text, after_dot);
                let inner = text.get(label_end) == Some(&b'.')
                    && text
                        .get(label_end.saturating_add(1))
                        .is_some_and(|&b| is_name_byte(b));
                let shared_object = || {
                    text.get(after_dot..label_end)
                        .is_some_and(|label| label.eq_ignore_ascii_case(b"so"))
                };
                let found = if digit_led || inner && !shared_object() {
                    None
                } else {
                    extension_at(text, after_dot)
                };
                let Some((tier, end)) = found else {
                    if text.get(label_end) == Some(&b'.') {
                        dot = label_end;
                        continue;
                    }
                    break label_end;
                };
                let end = match renamed_end(text, tier, end) {
                    Some(renamed) => renamed,
                    None if continues_token(text, end) => break after_dot,
                    None => end,
                };
                let bound = looked.max(floor);
                looked = end;
                let Some(start) = name_start(text, dot, bound) else {
                    break after_dot;
                };
                let Some(candidate) = name_candidate(text, start, dot, end)
                else {
                    break after_dot;
                };
                let candidate =
                    match delimited_start(text, floor, start, end) {
                        Some(whole) => spaced_candidate(text, whole, end)
                            .unwrap_or(candidate),
                        None => candidate,
                    };
                let mut listed_in_section = || {
                    fills_line(text, candidate.start, end)
                        && sections.names_files(text, candidate.start)
                };
                let weak = tier == Tier::Context
                    && !lines.has_digest(text, candidate.start, end)
                    && !follows_name_label(text, floor, candidate.start)
                    && !listed_in_section();
                out.push(Candidate { weak, ..candidate });
                floor = end;
                break end;
            };
        }
    }
    column::find_in_name_columns(text, digests, out);
    misp::find_in_misp_attributes(text, out);
}

/// Returns the first dot in `text[from..end]`. Runs are short, so a
/// plain loop spares the call of a vector search.
fn dot_before(text: &[u8], from: usize, end: usize) -> Option<usize> {
    let run = text.get(from..end)?;
    let at = run.iter().position(|&b| b == b'.')?;
    Some(from.saturating_add(at))
}

/// Maximum number of bytes of list marker, quotes and spaces that
/// [`fills_line`] allows around a name.
const MAX_LINE_MARKS: usize = 16;

/// Reports whether the name `start..end` fills its line, apart from a
/// list marker (`*`, `-`), spaces and the quotes, backticks or AsciiDoc
/// `++` around it: `DllResolve.db` in a listing block, or `` * `wgl.dat` ``.
/// Lists under a heading that names file names are written so.
fn fills_line(text: &[u8], start: usize, end: usize) -> bool {
    let quote = |b: &u8| matches!(b, b'`' | b'+' | b'"' | b'\'');
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');

    let lowest = start.saturating_sub(MAX_LINE_MARKS);
    let mut head = text.get(lowest..start).unwrap_or_default();
    while let Some((last, rest)) = head.split_last() {
        if !quote(last) {
            break;
        }
        head = rest;
    }
    let mut marker_seen = false;
    while let Some((last, rest)) = head.split_last() {
        let marker = !marker_seen && matches!(last, b'*' | b'-');
        if !blank(last) && !marker {
            break;
        }
        marker_seen |= marker;
        head = rest;
    }
    let line_starts = match head.last() {
        Some(&b) => b == b'\n',
        None => lowest == 0,
    };

    let tail_end = end.saturating_add(MAX_LINE_MARKS).min(text.len());
    let tail = text.get(end..tail_end).unwrap_or_default();
    let mut rest =
        tail.iter().skip_while(|b| quote(b)).skip_while(|b| blank(b));
    let line_ends = match rest.next() {
        Some(&b) => b == b'\n',
        None => tail_end == text.len(),
    };
    line_starts && line_ends
}

/// Returns the end of the run of ASCII letters and digits that starts at
/// `from`.
fn alphanumeric_run_end(text: &[u8], from: usize) -> usize {
    // Labels are short, so eight bytes classified at once in a word
    // usually hold the whole label and the byte that ends it.
    let mut end = from;
    loop {
        let word = load_word(text, end);
        let stop = !ascii_alphanumeric_bytes(word) & HIGH_BITS;
        let len = (stop.trailing_zeros() / 8) as usize;
        end = end.saturating_add(len);
        if len < PACKED_LEN || end >= text.len() {
            return end.min(text.len());
        }
    }
}

/// Maximum distance in bytes between a name and a digest on its line.
/// The rows of report tables and MISP's `filename|sha1` values keep the
/// two close, and the long lines of minified HTML and JSON do not make
/// every digest in them a neighbour.
const DIGEST_REACH: usize = 256;

/// Finds whether a digest shares a line with a name. Names are passed in
/// order of start, so each cursor only moves forward and the newlines of
/// the text are searched once in all. A NUL ends a line too, because the
/// strings of a binary are scanned joined by one, and each must read as
/// a text of its own.
struct LineContext<'a> {
    digests: &'a [(usize, usize)],
    /// The index of the first digest that starts after the last name.
    next_digest: usize,
    /// The offset up to which `last_newline` is known.
    searched_back: usize,
    /// The last newline before `searched_back`.
    last_newline: Option<usize>,
    /// The first newline at or after the end of the last name, or the
    /// text's length when there is none.
    next_newline: Option<usize>,
}

impl<'a> LineContext<'a> {
    fn new(digests: &'a [(usize, usize)]) -> LineContext<'a> {
        LineContext {
            digests,
            next_digest: 0,
            searched_back: 0,
            last_newline: None,
            next_newline: None,
        }
    }

    /// Reports whether a digest is on the line of `start..end`.
    fn has_digest(&mut self, text: &[u8], start: usize, end: usize) -> bool {
        if self.digests.is_empty() {
            return false;
        }
        while self
            .digests
            .get(self.next_digest)
            .is_some_and(|&(digest_start, _)| digest_start < start)
        {
            self.next_digest = self.next_digest.saturating_add(1);
        }
        let before = self.next_digest.checked_sub(1);
        if let Some(&(_, digest_end)) =
            before.and_then(|i| self.digests.get(i))
        {
            let line_start = self.line_start(text, start);
            let near = start.saturating_sub(digest_end) <= DIGEST_REACH;
            if near && line_start.is_none_or(|newline| digest_end > newline) {
                return true;
            }
        }
        let Some(&(digest_start, _)) = self.digests.get(self.next_digest)
        else {
            return false;
        };
        digest_start.saturating_sub(end) <= DIGEST_REACH
            && digest_start < self.line_end(text, end)
    }

    /// Returns the offset of the last newline before `at`, which is not
    /// before the last offset passed.
    fn line_start(&mut self, text: &[u8], at: usize) -> Option<usize> {
        let from = self.searched_back;
        if at > from {
            let searched = text.get(from..at).unwrap_or_default();
            if let Some(found) = memchr::memrchr2(b'\n', 0, searched) {
                self.last_newline = Some(from.saturating_add(found));
            }
            self.searched_back = at;
        }
        self.last_newline
    }

    /// Returns the offset of the first newline at or after `at`, or the
    /// length of `text` when none follows.
    fn line_end(&mut self, text: &[u8], at: usize) -> usize {
        match self.next_newline {
            // The cached newline was the first one after an earlier
            // offset, so none lies between `at` and it.
            Some(newline) if newline >= at => newline,
            _ => {
                let rest = text.get(at..).unwrap_or_default();
                let found = memchr::memchr2(b'\n', 0, rest)
                    .map_or(text.len(), |i| at.saturating_add(i));
                self.next_newline = Some(found);
                found
            }
        }
    }
}

/// Reports whether a label that announces a file name (`filename`,
/// `file name`, `file_name`, in any case) appears in the `LABEL_REACH`
/// bytes before `start`, but after `floor`: `Filename: notes.txt`, or
/// OpenIOC's `search="FileItem/FileName"` on the line before the value.
fn follows_name_label(text: &[u8], floor: usize, start: usize) -> bool {
    const LABEL_REACH: usize = 160;
    let from = start.saturating_sub(LABEL_REACH).max(floor);
    let before = text.get(from..start).unwrap_or_default();
    // The label may sit on the line before, but not in another string
    // of a binary, because those are scanned joined by a NUL.
    let before = match memchr::memrchr(0, before) {
        Some(nul) => before.get(nul.saturating_add(1)..).unwrap_or_default(),
        None => before,
    };
    contains_name_label(before)
}

/// Reports whether `bytes` contain `filename`, `file name` or
/// `file_name`, in any case.
fn contains_name_label(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'f', b'F', bytes).any(|at| {
        let rest = bytes.get(at..).unwrap_or_default();
        let Some(after_file) = rest
            .get(..4)
            .filter(|word| word.eq_ignore_ascii_case(b"file"))
            .and_then(|_| rest.get(4..))
        else {
            return false;
        };
        let name = match after_file.first() {
            Some(b' ' | b'_') => after_file.get(1..5),
            _ => after_file.get(..4),
        };
        name.is_some_and(|name| name.eq_ignore_ascii_case(b"name"))
    })
}

/// Returns the tier of the listed extension that starts at `at`, and the
/// offset where the extension ends, versions of a shared object
/// (`.so.4.4.0`) included. An extension that mixes upper and lower case
/// (`cmd.Cmd`, `typing.Doc`) is a name in code, not listed.
///
/// Indicator-dense text has a dot every 40 bytes or so, and branches on
/// each byte after them mispredicted often, so the first eight bytes are
/// classified at once in a word.
// Inlined into the walk over dots, its hot caller. A call per dot added
// 0.7 million instructions on the first 4 MB of the benchmark text
// (callgrind), 0.25 % of the scan.
#[inline(always)]
fn extension_at(text: &[u8], at: usize) -> Option<(Tier, usize)> {
    let word = load_word(text, at);
    let alphanumeric = ascii_alphanumeric_bytes(word);
    // Bit 7 of each byte that ends the run, so the lowest one set is the
    // first byte after it.
    let len = (!alphanumeric & HIGH_BITS).trailing_zeros() / 8;
    if len == 0 {
        return None;
    }
    let len = len as usize;
    if len == PACKED_LEN || text.get(at.saturating_add(len)) == Some(&b'-') {
        return long_extension(text, at, len);
    }

    // Bit 5 sets lower-case letters apart from upper-case ones, and
    // shifting it to bit 7 lines it up with the masks.
    let lower_bit = word.wrapping_shl(2) & HIGH_BITS;
    let letters = alphanumeric & !digit_bytes(word);
    // The bytes after the extension, which `len` below eight leaves out.
    let unused_bits = 8u32.saturating_sub(len as u32).saturating_mul(8);
    let kept = HIGH_BITS.wrapping_shr(unused_bits);
    let upper = letters & !lower_bit & kept;
    let lower = letters & lower_bit & kept;
    if upper != 0 && lower != 0 {
        return None;
    }

    // Packs the extension as `domain::packed` packs words: lower-case,
    // the first byte highest.
    let folded = word | (upper >> 2);
    let packed = folded.swap_bytes().wrapping_shr(unused_bits);
    listed(packed).map(|tier| {
        let end = at.saturating_add(len);
        if packed == SO {
            (tier, shared_object_version_end(text, end))
        } else {
            (tier, end)
        }
    })
}

/// Returns the tier of a packed extension, if it is listed.
fn listed(packed: u64) -> Option<Tier> {
    if !LISTED_BUCKETS.may_contain(packed) {
        return None;
    }
    if ALWAYS.binary_search(&packed).is_ok() {
        Some(Tier::Always)
    } else if CONTEXT.binary_search(&packed).is_ok() {
        Some(Tier::Context)
    } else {
        None
    }
}

/// Returns the eight bytes from `at` as a little-endian word, with zero
/// bytes past the end of `text`.
fn load_word(text: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    if let Some(whole) = text.get(at..at.saturating_add(8)) {
        bytes.copy_from_slice(whole);
    } else {
        let rest = text.get(at..).unwrap_or_default();
        let head = bytes.get_mut(..rest.len()).unwrap_or_default();
        head.copy_from_slice(rest.get(..head.len()).unwrap_or_default());
    }
    u64::from_le_bytes(bytes)
}

/// Bit 7 of every byte.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Returns `word` with bit 7 of each byte set exactly when that byte is
/// an ASCII digit.
fn digit_bytes(word: u64) -> u64 {
    in_range(word & !HIGH_BITS, b'0', b'9') & !word & HIGH_BITS
}

/// Returns `word` with bit 7 of each byte set exactly when that byte is
/// an ASCII letter or digit.
fn ascii_alphanumeric_bytes(word: u64) -> u64 {
    let seven = word & !HIGH_BITS;
    // Setting bit 5 folds upper-case letters onto lower-case ones, and
    // moves no other byte into `a..=z`.
    let folded = seven | 0x2020_2020_2020_2020;
    let letters = in_range(folded, b'a', b'z');
    (in_range(seven, b'0', b'9') | letters) & !word & HIGH_BITS
}

/// Returns bit 7 set in each byte of `seven`, whose bytes are all below
/// 0x80, that lies in `low..=high`.
fn in_range(seven: u64, low: u8, high: u8) -> u64 {
    let at_least = |bound: u8| {
        // Each byte sum stays below 0x100, so no carry crosses bytes.
        seven.wrapping_add(u64::from_ne_bytes([0x80u8.wrapping_sub(bound); 8]))
    };
    at_least(low) & !at_least(high.saturating_add(1)) & HIGH_BITS
}

/// Returns the extension at `at` whose first `len` bytes, eight at most,
/// are letters and digits, when it is longer than a packed word or has a
/// hyphen. Only hyphenated extensions are that long.
#[cold]
fn long_extension(
    text: &[u8],
    at: usize,
    len: usize,
) -> Option<(Tier, usize)> {
    let rest = text.get(at..).unwrap_or_default();
    if text.get(at.saturating_add(len)) != Some(&b'-') && len < PACKED_LEN {
        return None;
    }
    hyphenated_extension(rest, at)
}

/// Returns the tier and end of an extension with a hyphen, which the
/// packed tables do not hold, at the start of `rest`, which starts at
/// `at` in the text.
#[cold]
fn hyphenated_extension(rest: &[u8], at: usize) -> Option<(Tier, usize)> {
    HYPHENATED.iter().find_map(|&extension| {
        let written = rest.get(..extension.len())?;
        let one_case = written.eq_ignore_ascii_case(extension)
            && (written == extension
                || written.eq(&extension.to_ascii_uppercase()[..]));
        one_case.then_some((Tier::Always, at.saturating_add(extension.len())))
    })
}

/// Bytes of an extension that fit one packed word.
const PACKED_LEN: usize = 8;

/// The packed `so` of a shared object, which a version may follow.
const SO: u64 = (b's' as u64) << 8 | b'o' as u64;

/// Extensions reported wherever the name appears. The split between the
/// lists is documented in docs/detection.md, with the counts behind it.
const ALWAYS: [u64; 70] = packed([
    // Executables, libraries and drivers.
    b"exe", b"dll", b"sys", b"scr", b"cpl", b"ocx", b"drv", b"efi", b"pif",
    b"msi", b"msp", b"msix", b"appx", b"ko", b"dylib", b"apk", b"dex", b"jar",
    // Scripts that Windows or a web server runs.
    b"ps1", b"psm1", b"psd1", b"bat", b"vbs", b"vbe", b"jse", b"wsf", b"wsh",
    b"hta", b"sct", b"pyw", b"php", b"asp", b"aspx", b"ashx", b"jsp", b"jspx",
    // Documents and macro carriers.
    b"doc", b"docx", b"docm", b"dotm", b"xls", b"xlsx", b"xlsm", b"xlsb",
    b"xlam", b"xll", b"ppt", b"pptx", b"pptm", b"ppam", b"rtf", b"pdf",
    b"eps", b"chm", b"iqy", b"slk", b"swf",
    // Archives, disk images, shortcuts and registry files.
    b"zip", b"rar", b"7z", b"ace", b"arj", b"iso", b"img", b"vhd", b"vhdx",
    b"cab", b"lnk", b"scf", b"reg",
]);

/// The hash buckets of every packed extension in `ALWAYS` and `CONTEXT`.
/// Most words after a dot are not listed (`com`, `org`, `html` in a
/// URL's path is not reached), and one multiply and a bit test reject
/// most of them before the two binary searches.
const LISTED_BUCKETS: BucketSet = BucketSet::of(&ALWAYS).with(&CONTEXT);

/// A set of hash buckets of packed words, one bit per bucket.
struct BucketSet([u64; BUCKET_WORDS]);

/// Words of bits in a [`BucketSet`]: 1024 buckets, so that about one in
/// ten unlisted words shares a bucket with a listed one.
const BUCKET_WORDS: usize = 16;

impl BucketSet {
    const fn of(words: &[u64]) -> BucketSet {
        BucketSet([0; BUCKET_WORDS]).with(words)
    }

    // Every bucket is below `BUCKET_WORDS * 64`, and the loop counter
    // stops at the length of `words`.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    const fn with(mut self, words: &[u64]) -> BucketSet {
        let mut i = 0;
        while i < words.len() {
            let bucket = bucket_of(words[i]);
            self.0[bucket / 64] |= 1 << (bucket % 64);
            i += 1;
        }
        self
    }

    /// Reports whether `word` falls in a bucket of the set.
    fn may_contain(&self, word: u64) -> bool {
        let bucket = bucket_of(word);
        let bits = self.0.get(bucket / 64).copied().unwrap_or(0);
        bits & 1u64.wrapping_shl((bucket % 64) as u32) != 0
    }
}

/// Returns the bucket of a packed word: the top ten bits of a
/// multiplicative hash.
const fn bucket_of(word: u64) -> usize {
    (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize
}

/// Extensions with a hyphen, reported wherever the name appears: the
/// shortcut and search files that Windows opens.
const HYPHENATED: [&[u8]; 3] =
    [b"appref-ms", b"library-ms", b"settingcontent-ms"];

/// Extensions that manuals and source trees use as often as reports: a
/// name with one is weak without a digest or label beside it.
const CONTEXT: [u64; 34] = packed([
    b"so", b"elf", b"cmd", b"msc", b"js", b"py", b"sh", b"one", b"dot",
    b"url", b"inf", b"gz", b"tgz", b"tar", b"bz2", b"xz", b"txt", b"log",
    b"ini", b"cfg", b"conf", b"dat", b"tmp", b"bin", b"db", b"sqlite",
    b"json", b"xml", b"htm", b"html", b"png", b"jpg", b"gif", b"tlb",
]);

/// Returns the end of the version after a shared object's `.so` that
/// ends at `end` (`.4.4.0`, `.a.3`): dot-separated groups of up to five
/// digits or a single letter. Returns `end` when none follows.
fn shared_object_version_end(text: &[u8], end: usize) -> usize {
    const MAX_GROUPS: usize = 6;
    let mut version_end = end;
    for _ in 0..MAX_GROUPS {
        if text.get(version_end) != Some(&b'.') {
            break;
        }
        let group_start = version_end.saturating_add(1);
        let rest = text.get(group_start..).unwrap_or_default();
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let len = match rest.first() {
            Some(b) if b.is_ascii_alphabetic() => 1,
            _ => digits,
        };
        if len == 0 || len > 5 {
            break;
        }
        let group_end = group_start.saturating_add(len);
        if text.get(group_end).is_some_and(u8::is_ascii_alphanumeric) {
            break;
        }
        version_end = group_end;
    }
    version_end
}

/// Reports whether the token goes on after the extension that ends at
/// `end`, so that the extension is not the end of a name: `foo.exe_bar`,
/// `x.dll.manifest`, `app.js/`, `setup.exe@host`. A `.` or `-` that ends
/// a sentence does not continue it.
fn continues_token(text: &[u8], end: usize) -> bool {
    let next = text.get(end).copied();
    let after_next = text.get(end.saturating_add(1)).copied();
    match next {
        Some(b'_' | b'/' | b'\\' | b'@' | b'(') => true,
        Some(b'-' | b'.') => after_next.is_some_and(is_name_byte),
        // Bytes that a name may contain continue it too, so the next
        // look back never crosses the end of this one.
        Some(b'~' | b'{' | b'}') => true,
        Some(b) if b >= 0x80 => {
            char_at(text, end).is_some_and(|(c, _)| is_idn_char(c))
        }
        Some(b) => b.is_ascii_alphanumeric(),
        None => false,
    }
}

/// Returns the end of a name whose executable extension, ending at
/// `end`, is followed by one `_` that ends the token: `isapicache_.dll_`.
/// Analysts rename samples this way so that they cannot run by a double
/// click, and reports list them as renamed. Generic extensions are left
/// out, because `_` after them is more often part of an identifier.
fn renamed_end(text: &[u8], tier: Tier, end: usize) -> Option<usize> {
    if tier != Tier::Always || text.get(end) != Some(&b'_') {
        return None;
    }
    let renamed = end.saturating_add(1);
    (!continues_token(text, renamed)).then_some(renamed)
}

/// Returns the offset of the `]` that closes an extension of the
/// `ALWAYS` list written whole inside square brackets right after a name
/// (`NvSmartMax[.dll]`), when `text[open]` is the `[`. Reports defang an
/// executable's name this way, and the refang step drops the brackets.
/// Generic extensions are left out, because manuals mark an optional
/// suffix the same way (`foo.info[.gz]`).
pub(crate) fn bracketed_extension_close(
    text: &[u8],
    open: usize,
) -> Option<usize> {
    let before = text.get(open.checked_sub(1)?)?;
    if !(before.is_ascii_alphanumeric() || *before == b'_') {
        return None;
    }
    if text.get(open.saturating_add(1)) != Some(&b'.') {
        return None;
    }
    let (tier, close) = extension_at(text, open.saturating_add(2))?;
    if tier != Tier::Always {
        return None;
    }
    let closed = text.get(close) == Some(&b']');
    let ends_token = !continues_token(text, close.saturating_add(1));
    (closed && ends_token).then_some(close)
}

/// Reports whether `b` is an ASCII byte that can be part of a name.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'_' | b'-' | b'.' | b'~' | b'{' | b'}')
}

/// Reports whether `text[at]` is an apostrophe between two ASCII letters
/// or digits, as in `Trump's_Attack_on_Syria_English.docx`. Quotes
/// around a name have a space or punctuation on their outer side.
fn is_inner_apostrophe(text: &[u8], at: usize) -> bool {
    let alnum = |i: Option<usize>| {
        i.and_then(|i| text.get(i)).is_some_and(u8::is_ascii_alphanumeric)
    };
    text.get(at) == Some(&b'\'')
        && alnum(at.checked_sub(1))
        && alnum(at.checked_add(1))
}

// NOTE: outside a table cell, XML content or AsciiDoc passthrough (see
// `delimited_start`), a name with spaces (`Google Update.exe`) is cut to
// its last word (`Update.exe`), because prose separates words the same
// way.
/// Returns the start of the run of name characters that ends at `dot`,
/// or `None` when the run reaches back to `floor` or past `MAX_NAME`
/// bytes, or follows a byte that makes it the tail of a longer token.
/// `floor` is the end of an extension, or 0.
fn name_start(text: &[u8], dot: usize, floor: usize) -> Option<usize> {
    let limit = dot.saturating_sub(MAX_NAME).max(floor);
    let mut start = dot;
    while start > limit {
        let previous = start.checked_sub(1)?;
        let &b = text.get(previous)?;
        if b < 0x80 {
            if !is_name_byte(b) && !is_inner_apostrophe(text, previous) {
                break;
            }
            start = previous;
            continue;
        }
        match char_before(text, start) {
            Some((c, len)) if is_idn_char(c) => match start.checked_sub(len) {
                Some(char_start) if char_start >= limit => {
                    start = char_start;
                }
                _ => return None,
            },
            _ => break,
        }
    }
    if start == limit && start > 0 {
        // The look back stopped at a bound, not at a separator, so the
        // run may go on before it.
        let before = text.get(start.saturating_sub(1)).copied();
        if before.is_some_and(is_name_byte)
            || before.is_some_and(|b| b >= 0x80)
            || is_inner_apostrophe(text, start.saturating_sub(1))
        {
            return None;
        }
    }
    if follows_longer_token(text, start) {
        return None;
    }
    Some(start)
}

/// Reports whether the byte before a run starting at `start` makes the
/// run part of a longer token: a path (`/`, and `\` after a name
/// character), an e-mail or URL authority (`@`), or a variable (`%`,
/// `$`). A `\` at the start of a word is taken as an escape
/// (`\_bsdbd.pyw` in AsciiDoc) or a root-relative path, which the path
/// detector reports in full when it can.
fn follows_longer_token(text: &[u8], start: usize) -> bool {
    let Some(previous) = start.checked_sub(1) else { return false };
    match text.get(previous) {
        Some(b'/' | b'@' | b'%' | b'$') => true,
        Some(b'\\') => {
            let before = previous.checked_sub(1).and_then(|i| text.get(i));
            before.is_some_and(|&b| {
                !matches!(
                    b,
                    b' ' | b'\t' | b'\n' | b'\r' | b'`' | b'"' | b'\''
                )
            })
        }
        _ => false,
    }
}

/// Maximum number of spaces in a name that [`delimited_start`] reads.
const MAX_NAME_SPACES: usize = 8;

/// Returns where a name with spaces starts, when the words and single
/// spaces before the run at `start` open right after a delimiter that
/// closes right after `end` on the same line. Reports write such names as
/// an AsciiDoc table cell (`|Radiograma 004026_pdf.scr` up to the line
/// end or the next `|`), as XML content (`>Google Update.exe<`), in
/// AsciiDoc's `++…++`, in backticks or in quotes. The name then is the
/// whole content, not its last word. No byte before `floor` is read.
fn delimited_start(
    text: &[u8],
    floor: usize,
    start: usize,
    end: usize,
) -> Option<usize> {
    let first_space = start.checked_sub(1)?;
    if text.get(first_space) != Some(&b' ') {
        return None;
    }
    let limit = end.saturating_sub(MAX_NAME).max(floor);
    let mut at = start;
    let mut spaces = 0usize;
    let opener = loop {
        let previous = at.checked_sub(1).filter(|&i| i >= limit)?;
        let &b = text.get(previous)?;
        if b == b' ' {
            // Words are one space apart.
            let before = previous.checked_sub(1).and_then(|i| text.get(i));
            if before == Some(&b' ') {
                return None;
            }
            spaces = spaces.saturating_add(1);
            if spaces > MAX_NAME_SPACES {
                return None;
            }
        } else if matches!(b, b'|' | b'>' | b'"' | b'\'' | b'`' | b'+') {
            // An apostrophe inside a word (`it's`) opens nothing.
            let glued = previous
                .checked_sub(1)
                .and_then(|i| text.get(i))
                .is_some_and(u8::is_ascii_alphanumeric);
            if glued && matches!(b, b'"' | b'\'' | b'`') {
                return None;
            }
            break b;
        } else if !(b >= 0x80 || is_name_byte(b) || matches!(b, b'(' | b')')) {
            return None;
        }
        at = previous;
    };
    let opener_at = at.saturating_sub(1);
    let closed = match opener {
        b'|' => {
            // A Markdown table pads its cells with one space on each side.
            if text.get(at) == Some(&b' ') {
                at = at.saturating_add(1);
            }
            ends_cell(text, end)
        }
        // XML content after an attribute, as OpenIOC writes its values
        // (`<Content type="string">`), not HTML's `<code>` and the like.
        b'>' => {
            let quoted = opener_at
                .checked_sub(1)
                .and_then(|i| text.get(i))
                .is_some_and(|&b| b == b'"' || b == b'\'');
            quoted && text.get(end) == Some(&b'<')
        }
        // AsciiDoc's passthrough, `++…++`.
        b'+' => {
            let doubled = opener_at.checked_sub(1).and_then(|i| text.get(i))
                == Some(&b'+');
            doubled && text.get(end..).is_some_and(|t| t.starts_with(b"++"))
        }
        // A quoted or backticked name is read whole only as a whole table
        // cell, since prose and manuals quote commands such as
        // `node example.js`.
        mark => {
            text.get(end) == Some(&mark)
                && starts_cell(text, opener_at)
                && ends_cell(text, end.saturating_add(1))
        }
    };
    if text.get(at) == Some(&b' ') {
        return None;
    }
    closed.then_some(at)
}

/// Reports whether a table cell or a line starts right before `at`, past
/// spaces.
fn starts_cell(text: &[u8], at: usize) -> bool {
    let head = text.get(..at).unwrap_or_default();
    let spaces = head.iter().rev().take_while(|&&b| b == b' ').count();
    let before = head.len().checked_sub(spaces.saturating_add(1));
    match before.and_then(|i| head.get(i)) {
        None => true,
        Some(&b) => matches!(b, b'|' | b'\n' | b'\r'),
    }
}

/// Reports whether a table cell or a line ends at `at`, past spaces.
fn ends_cell(text: &[u8], at: usize) -> bool {
    let tail = text.get(at..).unwrap_or_default();
    let spaces = tail.iter().take_while(|&&b| b == b' ').count();
    match tail.get(spaces) {
        None => true,
        Some(&b) => matches!(b, b'|' | b'\n' | b'\r'),
    }
}

/// Returns the candidate for the name with spaces `start..end`, if it is
/// UTF-8.
fn spaced_candidate(
    text: &[u8],
    start: usize,
    end: usize,
) -> Option<Candidate> {
    let name = std::str::from_utf8(text.get(start..end)?).ok()?;
    Some(Candidate::new(Category::FileName, start, end, name))
}

/// Returns the candidate for the run `start..end` whose extension starts
/// after `dot`, if its name is one.
fn name_candidate(
    text: &[u8],
    start: usize,
    dot: usize,
    end: usize,
) -> Option<Candidate> {
    let run = text.get(start..dot)?;
    // Leading dots and hyphens are punctuation, not part of the name.
    let lead = run.iter().take_while(|&&b| b == b'.' || b == b'-').count();
    let start = start.saturating_add(lead);
    let stem = text.get(start..dot)?;
    let extension = text.get(dot.saturating_add(1)..end)?;
    if !is_plausible_stem(stem, extension) {
        return None;
    }
    let name = std::str::from_utf8(text.get(start..end)?).ok()?;
    Some(Candidate::new(Category::FileName, start, end, name))
}

/// Reports whether `stem`, the name before the extension, makes a file
/// name with `extension` rather than code or another indicator.
fn is_plausible_stem(stem: &[u8], extension: &[u8]) -> bool {
    let Some(&first) = stem.first() else { return false };
    if !(first.is_ascii_alphanumeric() || matches!(first, b'_' | b'~' | b'{'))
        && first < 0x80
    {
        return false;
    }
    if !has_balanced_braces(stem) {
        return false;
    }
    // A digest with an extension (`<sha256>.exe`) names a sample by its
    // hash, and the hash detector reports the digest.
    if is_hex_digest(stem) {
        return false;
    }
    // An upper-case extension after an all lower-case name is a constant
    // of code (`self.PS1`), not a file.
    let upper_extension = extension.iter().any(u8::is_ascii_uppercase);
    let lower_stem = stem.iter().any(u8::is_ascii_lowercase)
        && !stem.iter().any(u8::is_ascii_uppercase);
    if upper_extension && lower_stem {
        return false;
    }
    let last_label = stem.rsplit(|&b| b == b'.').next().unwrap_or(stem);
    if CODE_OBJECTS.contains(&last_label) {
        return false;
    }
    if extension.eq_ignore_ascii_case(b"js")
        && JS_PRODUCTS.iter().any(|p| p.eq_ignore_ascii_case(stem))
    {
        return false;
    }
    true
}

/// Reports whether braces in `stem` only wrap a leading group, as in a
/// GUID name (`{A96B020F-0000-466F-A96D-A91BBF8EAC96}.dll`).
fn has_balanced_braces(stem: &[u8]) -> bool {
    let open = stem.iter().filter(|&&b| b == b'{').count();
    let close = stem.iter().filter(|&&b| b == b'}').count();
    match (open, close) {
        (0, 0) => true,
        (1, 1) => stem.first() == Some(&b'{'),
        _ => false,
    }
}

/// Reports whether `bytes` are the hex digits of an MD5, SHA-1, SHA-256
/// or SHA-512 digest.
fn is_hex_digest(bytes: &[u8]) -> bool {
    matches!(bytes.len(), 32 | 40 | 64 | 128)
        && bytes.iter().all(u8::is_ascii_hexdigit)
}

/// Objects and modules whose attributes share a name with an extension
/// (`self.cmd`, `math.inf`, `import.meta.url`, `request.url`).
const CODE_OBJECTS: [&[u8]; 18] = [
    b"args",
    b"cls",
    b"console",
    b"ctx",
    b"kwargs",
    b"math",
    b"meta",
    b"obj",
    b"options",
    b"opts",
    b"os",
    b"req",
    b"request",
    b"res",
    b"response",
    b"self",
    b"sys",
    b"this",
];

/// JavaScript runtimes and frameworks written as names with `.js`.
const JS_PRODUCTS: [&[u8]; 12] = [
    b"angular",
    b"backbone",
    b"chart",
    b"d3",
    b"ember",
    b"express",
    b"moment",
    b"next",
    b"node",
    b"nuxt",
    b"three",
    b"vue",
];

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn context_reach_fits_chunk_overlap() {
        let overlap = crate::Limits::default().max_token_len;
        assert!(CONTEXT_REACH.saturating_mul(8) <= overlap);
    }
    use crate::detect::domain::find_outside_noting_runs;
    use crate::detect::interior::Cursor;

    /// Returns the names in `text`, each with its weak flag, given the
    /// spans of the digests in it.
    fn found_with(
        text: &str,
        digests: &[(usize, usize)],
    ) -> Vec<(String, bool)> {
        let out = found_in(text.as_bytes(), digests, Cursor::NONE);
        out.into_iter().map(|c| (String::from(c.value), c.weak)).collect()
    }

    /// Runs the domain detector outside the interiors of `urls`, as the
    /// scanner does, and the file-name detector over the runs it read.
    fn found_in(
        text: &[u8],
        digests: &[(usize, usize)],
        urls: Cursor<'_>,
    ) -> Vec<Candidate> {
        let mut runs = Vec::new();
        find_outside_noting_runs(
            text,
            &crate::Limits::default(),
            urls,
            &mut Vec::new(),
            &mut runs,
        );
        let mut out = Vec::new();
        find_in_runs(text, &runs, digests, &mut out);
        out
    }

    fn found(text: &str) -> Vec<(String, bool)> {
        found_with(text, &[])
    }

    /// Returns the span of `needle` in `text`.
    fn span(text: &str, needle: &str) -> (usize, usize) {
        let start = text.find(needle).unwrap();
        (start, start + needle.len())
    }

    fn names(text: &str) -> Vec<String> {
        found(text).into_iter().map(|(name, _)| name).collect()
    }

    #[test]
    fn bare_names_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "drops svhvost.exe and FilterSecurity.dll",
                &["svhvost.exe", "FilterSecurity.dll"],
            ),
            ("Blason.scr, kbdmai.dll.", &["Blason.scr", "kbdmai.dll"]),
            ("=== \\_bsdbd.pyw", &["_bsdbd.pyw"]),
            ("copy_02162021q.doc", &["copy_02162021q.doc"]),
            (
                "libcurl.so.4.4.0 and libpanel.so.a.3",
                &["libcurl.so.4.4.0", "libpanel.so.a.3"],
            ),
            ("`invoice.pdf.exe`", &["invoice.pdf.exe"]),
            (
                "{A96B020F-0000-466F-A96D-A91BBF8EAC96}.dll",
                &["{A96B020F-0000-466F-A96D-A91BBF8EAC96}.dll"],
            ),
            ("KERNEL32.DLL", &["KERNEL32.DLL"]),
            ("Сообщение.doc", &["Сообщение.doc"]),
            ("x.library-ms", &["x.library-ms"]),
            ("\"value\": \"adobesetup.sfx.exe\"", &["adobesetup.sfx.exe"]),
            ("...evil.exe", &["evil.exe"]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text}");
        }
    }

    #[test]
    fn delimited_names_keep_their_spaces() {
        let cases: &[(&str, &[&str])] = &[
            (
                "|`10EB`|Radiograma 004026_pdf.scr",
                &["Radiograma 004026_pdf.scr"],
            ),
            (
                "| `D5F8` | `M_suri antiinfla_ioniste Polonia.doc` | DOC |",
                &["M_suri antiinfla_ioniste Polonia.doc"],
            ),
            (
                "<Content type=\"string\">Google Update.exe</Content>",
                &["Google Update.exe"],
            ),
            (
                "* `++Windows Broker Manager.exe++`",
                &["Windows Broker Manager.exe"],
            ),
            (
                "| \u{627}\u{644} 24 2021.doc |",
                &["\u{627}\u{644} 24 2021.doc"],
            ),
            // Prose, commands in code and HTML elements keep the last word.
            ("see Google Update.exe here", &["Update.exe"]),
            ("run `node x.exe` now", &["x.exe"]),
            ("<code>my x.exe</code>", &["x.exe"]),
            ("| x | Google Update.exe and more |", &["Update.exe"]),
            ("it's Google Update.exe'", &["Update.exe"]),
            ("|a  b.exe", &["b.exe"]),
            ("|a b c d e f g h i j.exe", &["j.exe"]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text}");
        }
    }

    #[test]
    fn pieces_of_longer_tokens_are_not_names() {
        let cases = [
            "C:/dir/evil.exe",
            "src/setup.exe",
            "a\\b.exe",
            "user@mail.exe",
            "foo.exe_bar",
            "x.dll.manifest",
            "x.dll-manifest",
            "app.exe/path",
            "app.exe@host",
            "load.dll(1)",
            "%TEMP%.exe",
            "$HOME.exe",
            "evil.com",
            "evil.exe2",
            "cmd.Cmd",
            "self.cmd",
            "self.PS1",
            "math.inf",
            "import.meta.url",
            "Node.js",
            "d41d8cd98f00b204e9800998ecf8427e.exe",
            "${dir}.exe",
            ".exe",
        ];
        for text in cases {
            assert_eq!(names(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn generic_extensions_are_weak_without_digest() {
        let found = found("notes.txt setup.py a.exe libc.so.6");
        let expected = [
            ("notes.txt".to_string(), true),
            ("setup.py".to_string(), true),
            ("a.exe".to_string(), false),
            ("libc.so.6".to_string(), true),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn digest_on_line_makes_generic_names_strong() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let row = format!("| {md5} | jdrop.js |\nnotes.txt");
        let digests = [span(&row, md5)];
        let expected =
            [("jdrop.js".to_string(), false), ("notes.txt".to_string(), true)];
        assert_eq!(found_with(&row, &digests), expected);

        let misp = format!("\"value\": \"checker.js|{md5}\"");
        let digests = [span(&misp, md5)];
        assert_eq!(
            found_with(&misp, &digests),
            [("checker.js".into(), false)]
        );

        let far = format!("{md5} {} notes.txt", "x".repeat(DIGEST_REACH));
        let digests = [span(&far, md5)];
        assert_eq!(found_with(&far, &digests), [("notes.txt".into(), true)]);
    }

    #[test]
    fn file_name_label_makes_generic_names_strong() {
        let cases = [
            "Filename: notes.txt",
            "file name notes.txt",
            "<Context search=\"FileItem/FileName\"/>\n<Content>notes.txt",
        ];
        for text in cases {
            assert_eq!(found(text), [("notes.txt".into(), false)], "{text}");
        }
        assert_eq!(found("profile notes.txt"), [("notes.txt".into(), true)]);
    }

    #[test]
    fn nul_ends_context_of_names() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let before = format!("{md5}\0notes.txt");
        let digests = [span(&before, md5)];
        let weak = [("notes.txt".to_string(), true)];
        assert_eq!(found_with(&before, &digests), weak);

        let after = format!("notes.txt\0{md5}");
        let digests = [span(&after, md5)];
        assert_eq!(found_with(&after, &digests), weak);

        assert_eq!(found("FileName\0notes.txt"), weak);
    }

    #[test]
    fn renamed_executables_keep_underscore() {
        assert_eq!(
            names("isapicache_.dll_ and Setup.EXE_."),
            ["isapicache_.dll_", "Setup.EXE_"]
        );
        for text in ["a.exe__", "a.txt_", "x.dll_y", "x.dll_-y"] {
            assert_eq!(names(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn bracketed_extension_close_table() {
        let cases: &[(&str, Option<usize>)] = &[
            ("NvSmartMax[.dll]", Some(15)),
            ("libcurl[.dll] x", Some(12)),
            ("x[.gz]", None),
            ("foo.info[.gz]", None),
            ("x [.dll]", None),
            ("x[.dllx]", None),
            ("x[.dll]y", None),
            ("x[.com]", None),
            ("x[.dll", None),
            ("x.[.dll]", None),
        ];
        for &(text, expected) in cases {
            let open = text.find('[').unwrap();
            let close = bracketed_extension_close(text.as_bytes(), open);
            assert_eq!(close, expected, "{text}");
        }
    }

    #[test]
    fn fills_line_table() {
        let cases = [
            ("DllResolve.db", true),
            ("x\nDllResolve.db\r\ny", true),
            ("* `++wgl.dat++`\n", true),
            ("  - \"wgl.dat\"  \n", true),
            ("see wgl.dat\n", false),
            ("wgl.dat here\n", false),
            ("* - * wgl.dat", false),
            ("                  wgl.dat", false),
        ];
        for (text, expected) in cases {
            let start = text.find("DllResolve.db").or(text.find("wgl.dat"));
            let start = start.unwrap();
            let len = if text.contains("wgl") { 7 } else { 13 };
            let filled = fills_line(text.as_bytes(), start, start + len);
            assert_eq!(filled, expected, "{text:?}");
        }
    }

    #[test]
    fn file_name_section_makes_generic_names_strong() {
        let text = "=== File names and paths\n----\nDllResolve.db\n\
                    writes log.txt\n----\n=== Network\nnotes.txt";
        let expected = [
            ("DllResolve.db".into(), false),
            ("log.txt".into(), true),
            ("notes.txt".into(), true),
        ];
        assert_eq!(found(text), expected);
    }

    #[test]
    fn extension_case_must_be_consistent() {
        assert_eq!(
            names("SETUP.EXE Setup.exe setup.Exe"),
            ["SETUP.EXE", "Setup.exe"]
        );
        assert_eq!(
            names("c.settingcontent-ms D.SETTINGCONTENT-MS"),
            ["c.settingcontent-ms", "D.SETTINGCONTENT-MS"]
        );
    }

    #[test]
    fn word_classification_matches_bytewise() {
        for byte in 0..=255u8 {
            let word = u64::from_le_bytes([byte; 8]);
            let alphanumeric = ascii_alphanumeric_bytes(word) != 0;
            assert_eq!(alphanumeric, byte.is_ascii_alphanumeric(), "{byte}");
            let digit = digit_bytes(word) != 0;
            assert_eq!(digit, byte.is_ascii_digit(), "{byte}");
        }
    }

    #[test]
    fn extension_tables_are_distinct_and_packed() {
        for table in [&ALWAYS[..], &CONTEXT[..]] {
            assert!(table.windows(2).all(|w| w[0] < w[1]));
            assert!(table.iter().all(|&word| word != 0));
        }
        for word in ALWAYS {
            assert!(CONTEXT.binary_search(&word).is_err());
            assert!(LISTED_BUCKETS.may_contain(word));
        }
        for word in CONTEXT {
            assert!(LISTED_BUCKETS.may_contain(word));
        }
    }

    #[test]
    fn names_in_url_interiors_are_skipped() {
        let text = b"http://example.com/a/b.exe?f=c.exe tail.exe";
        let mut candidates = Vec::new();
        crate::detect::url::find(
            text,
            &crate::Limits::default(),
            &mut candidates,
        );
        let urls = crate::detect::UrlInteriors::of(text, &candidates);
        let out = found_in(text, &[], urls.cursor());
        let values: Vec<String> =
            out.into_iter().map(|c| String::from(c.value)).collect();
        assert_eq!(values, ["tail.exe"]);
    }

    #[test]
    fn long_names_are_bounded() {
        let name = format!("{}.exe", "a".repeat(MAX_NAME));
        assert_eq!(names(&name), std::slice::from_ref(&name));
        let long = format!("{}.exe", "a".repeat(MAX_NAME + 1));
        assert_eq!(names(&long), Vec::<String>::new());
    }

    #[test]
    fn long_token_with_apostrophes_is_no_name() {
        // The look back stops at its bound right after an apostrophe
        // between two letters, which joins the name to the bytes before.
        let text = "b'".repeat(200) + "x.exe";
        assert_eq!(names(&text), Vec::<String>::new());
    }

    #[test]
    fn apostrophe_joined_names_found_once() {
        let text = "a.exe'".repeat(1000);
        assert_eq!(names(&text), ["a.exe"]);
        let text = format!("}}{} c.exe", "a.exe'".repeat(1000));
        assert_eq!(names(&text), ["c.exe"]);
    }

    #[test]
    fn repeated_extensions_are_one_token() {
        let text = "a.exe.".repeat(10_000) + " ";
        assert_eq!(names(&text), Vec::<String>::new());
        let text = ".dll".repeat(10_000);
        assert_eq!(names(&text), Vec::<String>::new());
    }

    /// Reports whether the byte before `start` glues a name to the token
    /// before it. Leading dots and hyphens are trimmed from names, so
    /// they may come right before one.
    fn glued_before(text: &[u8], start: usize) -> bool {
        let Some(previous) = start.checked_sub(1) else { return false };
        let b = text[previous];
        b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'~' | b'{' | b'}')
            || is_inner_apostrophe(text, previous)
    }

    /// Pieces that take two or three in a row past `MAX_NAME`.
    const LONG_APOSTROPHES: &str = concat!(
        "b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'",
        "b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'b'",
    );
    const LONG_WORD: &str = concat!(
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    );

    proptest::proptest! {
        #[test]
        fn names_are_spans_of_the_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "exe", "dll", "txt", "so", "7z", "library-ms", ".",
                    ".", " ", " ", "|", "\"", "`", "+", "++", ">", "<",
                    "\n", "'", "(", ")", "1", "a", "Z", "_", "-", "~", "{",
                    "}", "/", "\\", "@", "\u{e9}", "\u{436}", "\u{627}",
                    "\u{3002}", "\u{a0}",
                    "d41d8cd98f00b204e9800998ecf8427e",
                    "filename ", LONG_APOSTROPHES, LONG_WORD,
                ][..]),
                0..60,
            )
        ) {
            let text = pieces.concat();
            let bytes = text.as_bytes();
            let digests: Vec<(usize, usize)> = text
                .match_indices("d41d8cd98f00b204e9800998ecf8427e")
                .map(|(start, digest)| (start, start + digest.len()))
                .collect();
            let found = found_in(bytes, &digests, Cursor::NONE);
            let mut previous_end = 0;
            for candidate in &found {
                let (start, end) = (candidate.start, candidate.end);
                proptest::prop_assert!(previous_end <= start, "{found:?}");
                proptest::prop_assert!(start < end, "{candidate:?}");
                proptest::prop_assert!(end <= bytes.len(), "{candidate:?}");
                let value: &str = &candidate.value;
                proptest::prop_assert_eq!(value, &text[start..end]);
                proptest::prop_assert!(
                    !glued_before(bytes, start),
                    "{candidate:?}"
                );
                proptest::prop_assert!(
                    !continues_token(bytes, end),
                    "{candidate:?}"
                );
                previous_end = end;
            }
        }
    }
}
