//! ASCII and UTF-16LE string extraction from binaries.
//!
//! Two lazy linear passes find the runs: one over printable ASCII bytes,
//! one over the NUL bytes (found with `memchr`) that end UTF-16LE code
//! units of printable ASCII, at either byte parity. Each pass yields its
//! runs in file order, and [`StringRegions`] merges the two by start
//! offset. Each run becomes one region, or several overlapping windows
//! when it is long, so that no run is ever dropped.

use std::borrow::Cow;
use std::iter::Peekable;

use memchr::memchr;
use trawl_core::OffsetMap;

use crate::{Origin, Region};

/// Maximum region length, in characters. Longer runs are cut into windows
/// of this length, so the scanner never receives one huge token.
pub const MAX_WINDOW_CHARS: usize = 64 * 1024;

/// Characters shared by consecutive windows of a long run. Any stretch of
/// at most this many characters lies whole inside one window, and it
/// equals the scanner's default longest token
/// (`trawl_core::Limits::max_token_len`), so no reportable indicator is
/// lost at a cut. An indicator inside the overlap is found in both
/// windows, at the same file offset.
pub const WINDOW_OVERLAP_CHARS: usize = 8 * 1024;

/// Distance between the starts of consecutive windows of a long run.
const WINDOW_STEP_CHARS: usize = MAX_WINDOW_CHARS - WINDOW_OVERLAP_CHARS;

/// Maximum number of regions [`extract`] returns for one input. A region
/// takes 80 bytes on a 64-bit target, plus its text for UTF-16 strings,
/// so by estimate the list stays below 400 MB however short the strings.
/// [`regions`] streams them without a cap.
pub const MAX_REGIONS: usize = 1 << 22;

/// The regions found in one input.
#[derive(Clone, Debug, Default)]
pub struct Extraction<'a> {
    /// One region per string, or per window of a long string, in order of
    /// their first byte in the input.
    pub regions: Vec<Region<'a>>,
    /// Set when the region cap cut the list short. The regions kept are
    /// then exactly those that start first in the input.
    pub truncated: bool,
}

/// Returns the printable ASCII and UTF-16LE runs of at least `min_len`
/// characters in `bytes`, one region each, in file order.
///
/// A `min_len` of 0 is read as 1. Printable means 0x20 to 0x7E and TAB,
/// as a byte or as a UTF-16LE code unit whose high byte is 0. A run longer
/// than [`MAX_WINDOW_CHARS`] becomes several overlapping regions. At most
/// [`MAX_REGIONS`] regions are returned; [`extract_bounded`] also reports
/// whether the cap was reached, and [`regions`] has no cap.
pub fn extract(bytes: &[u8], min_len: usize) -> Vec<Region<'_>> {
    extract_bounded(bytes, min_len, MAX_REGIONS).regions
}

/// Extracts strings as [`extract`] does, keeping at most `max_regions`
/// regions and reporting whether that cut the list short.
pub fn extract_bounded(
    bytes: &[u8],
    min_len: usize,
    max_regions: usize,
) -> Extraction<'_> {
    let mut all = regions(bytes, min_len);
    let regions: Vec<Region<'_>> = all.by_ref().take(max_regions).collect();
    let truncated = all.next().is_some();
    Extraction { regions, truncated }
}

/// Returns an iterator over the regions [`extract`] finds, without its
/// cap, so that a caller can scan each region and drop it, in memory that
/// does not grow with the number of strings.
pub fn regions(bytes: &[u8], min_len: usize) -> StringRegions<'_> {
    let min_len = min_len.max(1);
    StringRegions {
        bytes,
        ascii: AsciiRuns { bytes, min_len, position: 0 }.peekable(),
        utf16: Utf16Runs { bytes, min_len, position: 0, current: None }
            .peekable(),
        windowing: None,
    }
}

/// An iterator over the string regions of an input, in file order.
#[derive(Debug)]
pub struct StringRegions<'a> {
    bytes: &'a [u8],
    ascii: Peekable<AsciiRuns<'a>>,
    utf16: Peekable<Utf16Runs<'a>>,
    windowing: Option<Windowing>,
}

impl<'a> Iterator for StringRegions<'a> {
    type Item = Region<'a>;

    fn next(&mut self) -> Option<Region<'a>> {
        loop {
            if let Some(region) = self.next_window() {
                return Some(region);
            }
            let ascii_start = self.ascii.peek().map(|run| run.start);
            let utf16_start = self.utf16.peek().map(|run| run.start);
            let (width, run) = match (ascii_start, utf16_start) {
                (Some(ascii), Some(utf16)) if ascii <= utf16 => {
                    (Width::Ascii, self.ascii.next()?)
                }
                (_, Some(_)) => (Width::Utf16, self.utf16.next()?),
                (Some(_), None) => (Width::Ascii, self.ascii.next()?),
                (None, None) => return None,
            };
            self.windowing = Some(Windowing { width, run, next_char: 0 });
        }
    }
}

impl<'a> StringRegions<'a> {
    /// Returns the next window of the run being cut, if any is left.
    fn next_window(&mut self) -> Option<Region<'a>> {
        let windowing = self.windowing.as_mut()?;
        let Windowing { width, run, next_char: first } = *windowing;
        let len = run.chars.saturating_sub(first).min(MAX_WINDOW_CHARS);
        if first.saturating_add(len) < run.chars {
            windowing.next_char = first.saturating_add(WINDOW_STEP_CHARS);
        } else {
            self.windowing = None;
        }

        // Runs lie inside the input, so these offsets never saturate.
        let per_char = width.bytes_per_char();
        let start = run.start.saturating_add(first.saturating_mul(per_char));
        let end = start.saturating_add(len.saturating_mul(per_char));
        let source = self.bytes.get(start..end);
        Some(region(source.unwrap_or_default(), start, width))
    }
}

/// A run being cut into windows, and the first char of the next window.
#[derive(Clone, Copy, Debug)]
struct Windowing {
    width: Width,
    run: Run,
    next_char: usize,
}

/// Storage width of a run's characters in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Width {
    /// One byte per character.
    Ascii,
    /// Two bytes per character, the second one NUL.
    Utf16,
}

impl Width {
    fn bytes_per_char(self) -> usize {
        match self {
            Width::Ascii => 1,
            Width::Utf16 => 2,
        }
    }
}

/// A run of printable characters: its first byte and its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    start: usize,
    chars: usize,
}

fn is_printable(byte: u8) -> bool {
    matches!(byte, 0x20..=0x7E | b'\t')
}

/// Bytes tested at once by [`find_byte`].
const BLOCK_LEN: usize = 32;

/// Returns the index of the first byte for which `matches` holds.
///
/// The first block is tested byte by byte, because in binaries most
/// matches are near. After that, whole blocks are tested with a
/// branch-free OR, which the compiler vectorizes, so long stretches
/// without a match (NUL padding, long strings) cost a fraction of a cycle
/// per byte.
fn find_byte(bytes: &[u8], matches: impl Fn(u8) -> bool) -> Option<usize> {
    let head = bytes.get(..BLOCK_LEN).unwrap_or(bytes);
    if let Some(index) = head.iter().position(|&byte| matches(byte)) {
        return Some(index);
    }
    let mut offset = head.len();
    let mut blocks =
        bytes.get(offset..).unwrap_or_default().chunks_exact(BLOCK_LEN);
    for block in blocks.by_ref() {
        if block.iter().fold(false, |found, &byte| found | matches(byte)) {
            let index = block.iter().position(|&byte| matches(byte))?;
            return offset.checked_add(index);
        }
        offset = offset.saturating_add(BLOCK_LEN);
    }
    let index = blocks.remainder().iter().position(|&byte| matches(byte))?;
    offset.checked_add(index)
}

/// The printable ASCII runs of at least `min_len` bytes, in file order.
#[derive(Clone, Debug)]
struct AsciiRuns<'a> {
    bytes: &'a [u8],
    min_len: usize,
    position: usize,
}

impl Iterator for AsciiRuns<'_> {
    type Item = Run;

    fn next(&mut self) -> Option<Run> {
        loop {
            let rest = self.bytes.get(self.position..)?;
            let skip = find_byte(rest, is_printable)?;
            let start = self.position.checked_add(skip)?;
            let tail = rest.get(skip..).unwrap_or_default();
            let chars = find_byte(tail, |byte| !is_printable(byte))
                .unwrap_or(tail.len());
            self.position = start.checked_add(chars)?;

            // A lone character followed by NUL is a code unit of a UTF-16
            // run, which reports it.
            let in_utf16 =
                chars == 1 && self.bytes.get(self.position) == Some(&0);
            if chars >= self.min_len && !in_utf16 {
                return Some(Run { start, chars });
            }
        }
    }
}

/// The UTF-16LE runs of at least `min_len` printable ASCII code units,
/// starting at even or odd offsets, in file order.
///
/// Every such unit is a printable byte followed by a NUL, so only the
/// byte before the first NUL of each run of NULs is examined (the byte
/// before any later NUL is itself NUL). Units at different parities cannot
/// overlap (one's NUL would be the other's printable byte), so a single
/// current run suffices: a unit extends it when it starts where the run
/// ends. Runs are disjoint, so ending order is start order.
#[derive(Clone, Debug)]
struct Utf16Runs<'a> {
    bytes: &'a [u8],
    min_len: usize,
    /// Offset at which the search for the next NUL resumes.
    position: usize,
    current: Option<Run>,
}

impl Iterator for Utf16Runs<'_> {
    type Item = Run;

    fn next(&mut self) -> Option<Run> {
        while let Some(nul) = self.next_nul() {
            let Some(unit) = nul.checked_sub(1) else { continue };
            if !self.bytes.get(unit).is_some_and(|&byte| is_printable(byte)) {
                continue;
            }
            match self.current.as_mut() {
                Some(run) if run_end(run) == Some(unit) => {
                    run.chars = run.chars.saturating_add(1);
                }
                _ => {
                    let started = Run { start: unit, chars: 1 };
                    let finished = self.current.replace(started);
                    if let Some(run) =
                        finished.filter(|run| run.chars >= self.min_len)
                    {
                        return Some(run);
                    }
                }
            }
        }
        let min_len = self.min_len;
        self.current.take().filter(|run| run.chars >= min_len)
    }
}

impl Utf16Runs<'_> {
    /// Returns the offset of the next NUL that follows a non-NUL byte (or
    /// starts the input), and moves past the NULs after it.
    fn next_nul(&mut self) -> Option<usize> {
        let rest = self.bytes.get(self.position..)?;
        let nul = self.position.checked_add(memchr(0, rest)?)?;
        let after_nul = nul.checked_add(1)?;
        let after = self.bytes.get(after_nul..).unwrap_or_default();
        let run_len =
            find_byte(after, |byte| byte != 0).unwrap_or(after.len());
        self.position = after_nul.checked_add(run_len)?;
        Some(nul)
    }
}

/// Returns the offset just past the last code unit of a UTF-16 run.
fn run_end(run: &Run) -> Option<usize> {
    run.chars.checked_mul(2)?.checked_add(run.start)
}

/// Returns how many windows a run of `chars` characters is cut into.
#[cfg(test)]
fn window_count(chars: usize) -> usize {
    match chars.checked_sub(MAX_WINDOW_CHARS) {
        None | Some(0) => 1,
        Some(excess) => excess.div_ceil(WINDOW_STEP_CHARS).saturating_add(1),
    }
}

/// Builds the region for the window `source`, which starts at file offset
/// `start`.
fn region(source: &[u8], start: usize, width: Width) -> Region<'_> {
    match width {
        Width::Ascii => Region {
            text: Cow::Borrowed(source),
            map: OffsetMap::shifted(start),
            origin: Origin::AsciiString,
        },
        Width::Utf16 => Region {
            text: Cow::Owned(source.iter().step_by(2).copied().collect()),
            map: OffsetMap::strided(start, 1, 2),
            origin: Origin::Utf16String,
        },
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Returns (origin, text, file offset of the first char) per region.
    fn summary(regions: &[Region<'_>]) -> Vec<(Origin, String, usize)> {
        regions
            .iter()
            .map(|region| {
                let text = String::from_utf8_lossy(&region.text).into_owned();
                (region.origin, text, region.map.start(0))
            })
            .collect()
    }

    #[test]
    fn extraction_table() {
        use Origin::{AsciiString as A, Utf16String as U};
        let mut mixed = b"\x01\x02hello\0\0".to_vec();
        mixed.extend(utf16le("wide"));
        mixed.extend(b"\0\xFFtail");
        type Case =
            (&'static str, Vec<u8>, usize, Vec<(Origin, &'static str, usize)>);
        let cases: Vec<Case> = vec![
            ("empty", vec![], 4, vec![]),
            ("too short", b"\0abc\0".to_vec(), 4, vec![]),
            ("ascii", b"\0\0abcd\xFF".to_vec(), 4, vec![(A, "abcd", 2)]),
            ("tab kept", b"a\tb c\n".to_vec(), 4, vec![(A, "a\tb c", 0)]),
            (
                "newline splits",
                b"abcd\nefgh".to_vec(),
                4,
                vec![(A, "abcd", 0), (A, "efgh", 5)],
            ),
            (
                "utf16 aligned",
                utf16le("evil.com"),
                4,
                vec![(U, "evil.com", 0)],
            ),
            (
                "utf16 odd offset",
                [b"\x01".as_slice(), &utf16le("evil.com")].concat(),
                4,
                vec![(U, "evil.com", 1)],
            ),
            (
                "interleaved",
                mixed,
                4,
                vec![(A, "hello", 2), (U, "wide", 9), (A, "tail", 19)],
            ),
            ("min len zero", b"\x01a\x01".to_vec(), 0, vec![(A, "a", 1)]),
        ];
        for (name, input, min_len, expected) in cases {
            let expected: Vec<_> = expected
                .into_iter()
                .map(|(origin, text, at)| (origin, text.to_string(), at))
                .collect();
            assert_eq!(summary(&extract(&input, min_len)), expected, "{name}");
        }
    }

    #[test]
    fn interleaved_ascii_utf16_order() {
        let mut input = utf16le("first.example");
        input.extend(b"\x01second.example\x01");
        input.extend(utf16le("third.example"));
        input.extend(b"\x02fourth.example");
        let texts: Vec<_> =
            summary(&extract(&input, 4)).into_iter().map(|s| s.1).collect();
        assert_eq!(
            texts,
            [
                "first.example",
                "second.example",
                "third.example",
                "fourth.example"
            ]
        );
    }

    #[test]
    fn ascii_run_ending_utf16_string() {
        // The 'o' of "hello" followed by NUL is also a 1-unit UTF-16 run.
        let summary = summary(&extract(b"hello\0\x01", 1));
        assert_eq!(
            summary,
            [
                (Origin::AsciiString, "hello".to_string(), 0),
                (Origin::Utf16String, "o".to_string(), 4),
            ]
        );
    }

    #[test]
    fn utf16_not_repeated_as_ascii_chars() {
        let input = utf16le("abc");
        let summary = summary(&extract(&input, 1));
        assert_eq!(summary, [(Origin::Utf16String, "abc".to_string(), 0)]);
    }

    #[test]
    fn utf16_map_points_at_code_units() {
        let mut input = b"\x01\x02\x03".to_vec();
        input.extend(utf16le("see 1.2.3.4"));
        let regions = extract(&input, 4);
        let region = &regions[0];
        // "1.2.3.4" is chars 4..11 of the string, bytes 3 + 8..3 + 22.
        assert_eq!(region.map.start(4), 11);
        assert_eq!(region.map.end(11), 25);
        assert_eq!(&input[11..25], utf16le("1.2.3.4").as_slice());
    }

    #[test]
    fn ascii_map_points_at_bytes() {
        let input = b"\0\0\0\0GET http://x.example/ HTTP/1.1\0";
        let regions = extract(input, 4);
        let region = &regions[0];
        assert_eq!(region.map.start(4), 8);
        assert_eq!(
            &input[region.map.start(4)..region.map.end(21)],
            b"http://x.example/"
        );
    }

    #[test]
    fn long_run_split_into_windows() {
        let chars = 3 * MAX_WINDOW_CHARS;
        let input = vec![b'a'; chars];
        let regions = extract(&input, 4);
        assert_eq!(regions.len(), window_count(chars));
        let mut covered = 0;
        for region in &regions {
            let start = region.map.start(0);
            let end = region.map.end(region.text.len());
            assert!(start <= covered, "gap before {start}");
            assert!(region.text.len() <= MAX_WINDOW_CHARS);
            covered = end;
        }
        assert_eq!(covered, chars);
    }

    #[test]
    fn window_overlap_keeps_indicator_whole() {
        // Place a URL across the end of the first window.
        let url = b"http://cut.example/a/b/c/d/e/f/payload.bin";
        let mut input = vec![b'x'; MAX_WINDOW_CHARS - 20];
        input.push(b' ');
        let url_at = input.len();
        input.extend(url);
        input.push(b' ');
        input.resize(2 * MAX_WINDOW_CHARS, b'y');

        let regions = extract(&input, 4);
        assert!(regions.len() >= 2);
        let whole = regions.iter().any(|region| {
            let text: &[u8] = &region.text;
            text.windows(url.len())
                .position(|w| w == url)
                .is_some_and(|at| region.map.start(at) == url_at)
        });
        assert!(whole, "no window holds the URL whole at offset {url_at}");
    }

    #[test]
    fn long_utf16_run_split_into_windows() {
        let input = utf16le(&"w".repeat(MAX_WINDOW_CHARS + 10));
        let regions = extract(&input, 4);
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].map.start(0), 2 * WINDOW_STEP_CHARS);
        assert_eq!(regions[1].map.end(regions[1].text.len()), input.len());
    }

    #[test]
    fn window_counts() {
        let cases = [
            (1, 1),
            (MAX_WINDOW_CHARS, 1),
            (MAX_WINDOW_CHARS + 1, 2),
            (MAX_WINDOW_CHARS + WINDOW_STEP_CHARS, 2),
            (MAX_WINDOW_CHARS + WINDOW_STEP_CHARS + 1, 3),
        ];
        for (chars, expected) in cases {
            assert_eq!(window_count(chars), expected, "{chars} chars");
            let input = vec![b'a'; chars];
            assert_eq!(regions(&input, 1).count(), expected, "{chars} chars");
        }
    }

    #[test]
    fn region_cap_truncates_in_order() {
        let mut input = Vec::new();
        for i in 0..10 {
            input.extend(format!("ascii{i}\x01").bytes());
            input.extend(utf16le(&format!("wide{i}")));
            input.push(1);
        }
        let full = extract(&input, 4);
        assert_eq!(full.len(), 20);

        let capped = extract_bounded(&input, 4, 5);
        assert!(capped.truncated);
        assert_eq!(summary(&capped.regions), summary(&full[..5]));

        let exact = extract_bounded(&input, 4, 20);
        assert!(!exact.truncated);
        assert_eq!(exact.regions.len(), 20);
    }

    #[test]
    fn region_cap_counts_windows() {
        let input = vec![b'z'; 2 * MAX_WINDOW_CHARS];
        let capped = extract_bounded(&input, 4, 1);
        assert!(capped.truncated);
        assert_eq!(capped.regions.len(), 1);
    }

    #[test]
    fn region_iterator_has_no_cap() {
        let input = b"abcd\x01".repeat(50);
        assert_eq!(regions(&input, 4).count(), 50);
        let capped = extract_bounded(&input, 4, 10);
        assert_eq!(capped.regions.len(), 10);
        assert!(capped.truncated);
    }

    #[test]
    fn zero_region_cap_returns_nothing() {
        let capped = extract_bounded(b"abcdef", 4, 0);
        assert!(capped.truncated);
        assert!(capped.regions.is_empty());
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn regions_map_inside_input(
                bytes in proptest::collection::vec(
                    prop_oneof![Just(0), Just(b'a'), Just(b' '), any::<u8>()],
                    0..600,
                ),
                min_len in 0usize..6,
            ) {
                let regions = extract(&bytes, min_len);
                let mut previous_start = 0;
                for region in &regions {
                    let len = region.text.len();
                    let start = region.map.start(0);
                    let end = region.map.end(len);
                    prop_assert!(len >= min_len.max(1));
                    prop_assert!(start <= end && end <= bytes.len());
                    prop_assert!(start >= previous_start);
                    previous_start = start;
                    for (i, &byte) in region.text.iter().enumerate() {
                        prop_assert!(is_printable(byte));
                        let source = bytes.get(region.map.start(i));
                        prop_assert_eq!(source, Some(&byte));
                    }
                }
            }
        }
    }
}
