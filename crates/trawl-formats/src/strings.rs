//! ASCII and UTF-16LE string extraction from binaries.
//!
//! Two linear passes find the runs: one over printable ASCII bytes, one
//! over the NUL bytes (found with `memchr`) that end UTF-16LE code units of
//! printable ASCII, at either byte parity. The two sorted lists are then
//! merged by start offset. Each run becomes one region, or several
//! overlapping windows when it is long, so that no run is ever dropped.

use std::borrow::Cow;

use memchr::memchr_iter;
use trawl_core::OffsetMap;

use crate::{Origin, Region};

/// Maximum region length, in characters. Longer runs are cut into windows
/// of this length, so the scanner never sees one huge token.
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
/// so the list stays near 100 MB even when every string is short.
pub const MAX_REGIONS: usize = 1 << 20;

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
/// whether the cap was reached.
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
    let min_len = min_len.max(1);
    let ascii = ascii_runs(bytes, min_len, max_regions);
    let utf16 = utf16_runs(bytes, min_len, max_regions);
    merge(bytes, ascii, utf16, max_regions)
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

/// Runs of one width in file order, and whether the list stopped early
/// because it reached the region cap.
#[derive(Debug)]
struct Runs {
    runs: Vec<Run>,
    complete: bool,
}

impl Runs {
    fn new() -> Runs {
        Runs { runs: Vec::new(), complete: true }
    }

    /// Adds `run` unless the list's windows already fill `budget`, in
    /// which case no later run could be returned either: the list is then
    /// marked incomplete and the caller stops looking.
    fn push(&mut self, run: Run, windows: &mut usize, budget: usize) -> bool {
        if *windows >= budget {
            self.complete = false;
            return false;
        }
        self.runs.push(run);
        *windows = windows.saturating_add(window_count(run.chars));
        true
    }
}

fn is_printable(byte: u8) -> bool {
    matches!(byte, 0x20..=0x7E | b'\t')
}

/// Finds the printable ASCII runs of at least `min_len` bytes.
fn ascii_runs(bytes: &[u8], min_len: usize, budget: usize) -> Runs {
    let mut runs = Runs::new();
    let mut windows = 0;
    let mut position = 0;

    while let Some(rest) = bytes.get(position..) {
        let Some(skip) = rest.iter().position(|&byte| is_printable(byte))
        else {
            break;
        };
        let start = position + skip;
        let tail = rest.get(skip..).unwrap_or_default();
        let chars = tail
            .iter()
            .position(|&byte| !is_printable(byte))
            .unwrap_or(tail.len());
        position = start + chars;

        // A lone character followed by NUL is a code unit of a UTF-16
        // run, which reports it.
        let in_utf16 = chars == 1 && bytes.get(position) == Some(&0);
        if chars < min_len || in_utf16 {
            continue;
        }
        if !runs.push(Run { start, chars }, &mut windows, budget) {
            break;
        }
    }
    runs
}

/// Finds the UTF-16LE runs of at least `min_len` printable ASCII code
/// units, starting at even or odd offsets.
///
/// Every such unit is a printable byte followed by a NUL, so only the
/// bytes before NULs are examined. Units at different parities cannot
/// overlap (one's NUL would be the other's printable byte), so a single
/// current run suffices: a unit extends it when it starts where the run
/// ends.
fn utf16_runs(bytes: &[u8], min_len: usize, budget: usize) -> Runs {
    let mut runs = Runs::new();
    let mut windows = 0;
    let mut current: Option<Run> = None;

    for nul in memchr_iter(0, bytes) {
        let Some(unit) = nul.checked_sub(1) else { continue };
        if !bytes.get(unit).is_some_and(|&byte| is_printable(byte)) {
            continue;
        }
        match current.as_mut() {
            Some(run) if run.start + 2 * run.chars == unit => run.chars += 1,
            _ => {
                let finished = current.replace(Run { start: unit, chars: 1 });
                if let Some(run) = finished.filter(|run| run.chars >= min_len)
                {
                    if !runs.push(run, &mut windows, budget) {
                        return runs;
                    }
                }
            }
        }
    }
    if let Some(run) = current.filter(|run| run.chars >= min_len) {
        runs.push(run, &mut windows, budget);
    }
    runs
}

/// Returns how many windows a run of `chars` characters is cut into.
fn window_count(chars: usize) -> usize {
    match chars.checked_sub(MAX_WINDOW_CHARS) {
        None | Some(0) => 1,
        Some(excess) => 1 + excess.div_ceil(WINDOW_STEP_CHARS),
    }
}

/// Returns the windows of a run of `chars` characters, as (first char,
/// length) pairs: every window but the last is [`MAX_WINDOW_CHARS`] long.
fn windows(chars: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut next = Some(0);
    std::iter::from_fn(move || {
        let first = next?;
        let len = chars.saturating_sub(first).min(MAX_WINDOW_CHARS);
        next = (first + len < chars).then_some(first + WINDOW_STEP_CHARS);
        Some((first, len))
    })
}

/// Merges the two run lists by start offset into at most `max_regions`
/// regions.
fn merge(
    bytes: &[u8],
    ascii: Runs,
    utf16: Runs,
    max_regions: usize,
) -> Extraction<'_> {
    let capacity = ascii.runs.len().saturating_add(utf16.runs.len());
    let mut extraction = Extraction {
        regions: Vec::with_capacity(capacity.min(max_regions)),
        truncated: false,
    };
    let mut ascii_left = ascii.runs.as_slice();
    let mut utf16_left = utf16.runs.as_slice();

    loop {
        let width = match (ascii_left.first(), utf16_left.first()) {
            (Some(a), Some(u)) if a.start <= u.start => Width::Ascii,
            (Some(_), Some(_)) => Width::Utf16,
            (None, Some(_)) if ascii.complete => Width::Utf16,
            (Some(_), None) if utf16.complete => Width::Ascii,
            (None, None) if ascii.complete && utf16.complete => break,
            // A list cut by the cap ran out: what follows in the input
            // may include its runs, so stop to keep a prefix.
            _ => {
                extraction.truncated = true;
                break;
            }
        };
        let left = match width {
            Width::Ascii => &mut ascii_left,
            Width::Utf16 => &mut utf16_left,
        };
        let Some((&run, rest)) = left.split_first() else { break };
        *left = rest;
        if !push_windows(bytes, width, run, max_regions, &mut extraction) {
            extraction.truncated = true;
            break;
        }
    }
    extraction
}

/// Appends the regions for `run`, and reports false when the cap stopped
/// it before the last window.
fn push_windows<'a>(
    bytes: &'a [u8],
    width: Width,
    run: Run,
    max_regions: usize,
    extraction: &mut Extraction<'a>,
) -> bool {
    for (first, len) in windows(run.chars) {
        if extraction.regions.len() >= max_regions {
            return false;
        }
        let per_char = width.bytes_per_char();
        let start = run.start + first * per_char;
        let source = bytes.get(start..start + len * per_char);
        let source = source.unwrap_or_default();
        extraction.regions.push(region(source, start, width));
    }
    true
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
            assert_eq!(windows(chars).count(), expected, "{chars} chars");
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
