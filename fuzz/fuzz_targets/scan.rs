//! Scans arbitrary bytes with the default scanner and checks each
//! detection: a non-empty value, a non-empty span inside the input, spans
//! in order of start offset, and, for UTF-8 input, spans on character
//! boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_core::Scanner;

fuzz_target!(|data: &[u8]| {
    let output = Scanner::default().scan(data);
    let text = std::str::from_utf8(data).ok();
    let mut previous_start = 0;
    for detection in &output.detections {
        let (start, end) = (detection.start, detection.end);
        assert!(!detection.value.is_empty(), "empty value: {detection:?}");
        assert!(start < end, "empty span: {detection:?}");
        assert!(end <= data.len(), "span past input end: {detection:?}");
        assert!(start >= previous_start, "out of order: {detection:?}");
        previous_start = start;
        if let Some(text) = text {
            assert!(text.is_char_boundary(start), "start: {detection:?}");
            assert!(text.is_char_boundary(end), "end: {detection:?}");
        }
    }
});
