//! Checks that chunked scanning equals a scan of the whole input.
//!
//! `Scanner::scan` and `Scanner::scan_each` must report the same
//! detections. The scanner cuts inputs into chunks of `CHUNK_LEN` bytes
//! ending at a newline, which an input of at most 64 KiB never reaches,
//! so the input is also placed behind newline padding that puts the first
//! cut inside it. The first two bytes choose where: the cut falls at the
//! last newline before that position. The padded scan must then equal a
//! scan of the input behind a single newline, shifted by the padding.
//! Cuts inside a line happen only when no newline comes within 16 MiB,
//! which this target does not reach.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_core::{Detection, Scanner};

/// The scanner's chunk length in bytes (`CHUNK_LEN` in `trawl_core`'s
/// `scan.rs`); the first chunk ends at the last newline before it.
const CHUNK_LEN: usize = 1 << 20;

fuzz_target!(|input: &[u8]| {
    let Some((split_bytes, data)) = input.split_first_chunk::<2>() else {
        return;
    };
    let scanner = Scanner::default();

    let whole = scanner.scan(data);
    let mut each = Vec::new();
    scanner.scan_each(data, |detection| each.push(detection));
    assert!(!whole.truncated);
    assert_eq!(whole.detections, each, "scan and scan_each differ");

    let split =
        usize::from(u16::from_le_bytes(*split_bytes)) % (data.len() + 1);
    let pad_len = CHUNK_LEN - split;
    let mut padded = vec![b'\n'; pad_len];
    padded.extend_from_slice(data);
    let chunked = scanner.scan(&padded);

    let mut single = vec![b'\n'];
    single.extend_from_slice(data);
    let reference: Vec<Detection> = scanner
        .scan(&single)
        .detections
        .into_iter()
        .map(|mut detection| {
            detection.start += pad_len - 1;
            detection.end += pad_len - 1;
            detection
        })
        .collect();
    assert_eq!(chunked.detections, reference, "chunked scan differs");
});
