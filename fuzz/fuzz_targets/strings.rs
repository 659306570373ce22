//! Extracts strings from arbitrary bytes and checks the regions. They come
//! in order of start offset, lie inside the input and have at least
//! `min_len` printable characters. Each character equals the input byte
//! its map points at, which a NUL follows in UTF-16 strings.
//!
//! The first byte sets `min_len` (its low six bits) and, when its high bit
//! is set, repeats the rest of the input past the window length, so that
//! long runs are cut into overlapping windows.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_formats::strings::{extract, extract_bounded, MAX_WINDOW_CHARS};
use trawl_formats::Origin;

fuzz_target!(|input: &[u8]| {
    let Some((&control, data)) = input.split_first() else {
        return;
    };
    let min_len = usize::from(control & 0x3F);
    let repeated;
    let data = if control & 0x80 != 0 && !data.is_empty() {
        let copies = (2 * MAX_WINDOW_CHARS + 1).div_ceil(data.len());
        repeated = data.repeat(copies);
        repeated.as_slice()
    } else {
        data
    };

    let regions = extract(data, min_len);
    let mut previous_start = 0;
    for region in &regions {
        let text = region.text.as_ref();
        let map = &region.map;
        let start = map.start(0);
        let end = map.end(text.len());
        assert!(text.len() >= min_len.max(1), "short region at {start}");
        assert!(text.len() <= MAX_WINDOW_CHARS, "long region at {start}");
        assert!(start < end, "empty span at {start}");
        assert!(end <= data.len(), "span {start}..{end} past input end");
        assert!(start >= previous_start, "region at {start} out of order");
        previous_start = start;

        let width = match region.origin {
            Origin::AsciiString => 1,
            Origin::Utf16String => 2,
            other => panic!("{other:?} region from string extraction"),
        };
        assert_eq!(end - start, text.len() * width, "span {start}..{end}");
        for (index, &byte) in text.iter().enumerate() {
            assert!(
                matches!(byte, 0x20..=0x7E | b'\t'),
                "unprintable byte {byte:#x} in region at {start}"
            );
            let offset = map.start(index);
            assert_eq!(data.get(offset), Some(&byte), "byte at {offset}");
            if width == 2 {
                assert_eq!(data.get(offset + 1), Some(&0), "NUL at {offset}");
            }
        }
    }

    if let Some(fewer) = regions.len().checked_sub(1) {
        let bounded = extract_bounded(data, min_len, fewer);
        assert!(bounded.truncated, "cap of {fewer} regions not reported");
        assert_eq!(bounded.regions.len(), fewer);
    }
    let bounded = extract_bounded(data, min_len, regions.len());
    assert!(!bounded.truncated, "cap equal to the count reported");
});
