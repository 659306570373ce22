//! Sniffs and decodes arbitrary bytes, in the detected encoding and in
//! every other one, and checks each decoded region. Transcoded text is
//! UTF-8, the offset map stays inside the input and is monotonic, and
//! every character maps to a non-empty source range.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_formats::sniff::sniff;
use trawl_formats::text::{decode, detect_encoding, Encoding};

const ENCODINGS: [Encoding; 7] = [
    Encoding::Utf8 { bom: false },
    Encoding::Utf8 { bom: true },
    Encoding::Utf16Le { bom: false },
    Encoding::Utf16Le { bom: true },
    Encoding::Utf16Be { bom: false },
    Encoding::Utf16Be { bom: true },
    Encoding::Latin1,
];

fuzz_target!(|data: &[u8]| {
    let _kind = sniff(data);
    let detected = detect_encoding(data);
    for encoding in detected.into_iter().chain(ENCODINGS) {
        check_region(data, encoding);
    }
});

fn check_region(data: &[u8], encoding: Encoding) {
    let region = decode(data, encoding);
    let text = region.text.as_ref();
    let map = &region.map;
    let utf16 = matches!(
        encoding,
        Encoding::Utf16Le { .. } | Encoding::Utf16Be { .. }
    );
    if utf16 {
        assert!(std::str::from_utf8(text).is_ok(), "{encoding:?}: not UTF-8");
    }

    // Character boundaries: every UTF-8 boundary for transcoded text, and
    // every byte for text scanned as it is.
    let boundaries: Vec<usize> = match std::str::from_utf8(text) {
        Ok(text) if utf16 => text
            .char_indices()
            .map(|(index, _)| index)
            .chain([text.len()])
            .collect(),
        _ => (0..=text.len()).collect(),
    };
    let mut previous = (0, 0);
    for &position in &boundaries {
        let (start, end) = (map.start(position), map.end(position));
        assert!(start <= data.len(), "{encoding:?}: start({position})");
        assert!(end <= data.len(), "{encoding:?}: end({position})");
        assert!(start >= previous.0, "{encoding:?}: start not monotonic");
        assert!(end >= previous.1, "{encoding:?}: end not monotonic");
        previous = (start, end);
    }
    for pair in boundaries.windows(2) {
        let (first, next) = (pair[0], pair[1]);
        assert!(
            map.start(first) < map.end(next),
            "{encoding:?}: character {first}..{next} maps to nothing"
        );
    }
}
