//! Measures string extraction, detection and UTF-16 decoding throughput
//! on synthetic inputs built in memory.
//!
//! Run with `cargo run --release -p trawl-formats --example throughput`,
//! optionally followed by the input size in MiB (default 100).

// Sizes here are fixed by the example itself, not by untrusted input.
#![allow(clippy::arithmetic_side_effects)]

use std::time::Instant;

use trawl_formats::strings::{extract, regions};
use trawl_formats::text::{decode, detect_encoding, Encoding};

/// A deterministic xorshift generator, so every run measures the same
/// bytes.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Builds an executable-like input: 4 KiB blocks of random bytes, NUL
/// padding, ASCII strings and UTF-16LE strings.
fn binary_input(len: usize) -> Vec<u8> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut bytes = Vec::with_capacity(len);
    let ascii = b"\0GetProcAddress\0http://update.example.com/check?id=42\0";
    let wide: Vec<u8> = "C:\\Windows\\System32\\kernel32.dll"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    while bytes.len() < len {
        match rng.next() % 10 {
            0..=3 => bytes.extend((0..512).flat_map(|_| {
                let word = rng.next();
                word.to_le_bytes()
            })),
            4..=6 => bytes.resize(bytes.len() + 4096, 0),
            7 | 8 => {
                for _ in 0..4096 / ascii.len() {
                    bytes.extend(ascii);
                }
            }
            _ => {
                for _ in 0..4096 / (wide.len() + 2) {
                    bytes.extend(&wide);
                    bytes.extend([0, 0]);
                }
            }
        }
    }
    bytes.truncate(len);
    bytes
}

/// Runs `work` once and prints its throughput over `len` input bytes,
/// with the detail `describe` derives from its result.
fn measure<T>(
    name: &str,
    len: usize,
    work: impl FnOnce() -> T,
    describe: impl FnOnce(&T) -> String,
) {
    let started = Instant::now();
    let result = work();
    let seconds = started.elapsed().as_secs_f64();
    let rate = len as f64 / seconds / 1e6;
    let detail = describe(&result);
    println!("{name:<26} {seconds:>7.3} s {rate:>8.0} MB/s  {detail}");
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(100);
    let len = mib * 1024 * 1024;

    let binary = binary_input(len);
    measure(
        "strings::extract binary",
        len,
        || extract(&binary, 4),
        |found| format!("{} regions", found.len()),
    );
    measure(
        "strings::regions binary",
        len,
        || regions(&binary, 4).count(),
        |count| format!("{count} regions"),
    );
    measure(
        "detect_encoding binary",
        len,
        || detect_encoding(&binary),
        |encoding| format!("{encoding:?}"),
    );
    drop(binary);

    let zeros = vec![0u8; len];
    measure(
        "strings::regions zeros",
        len,
        || regions(&zeros, 4).count(),
        |count| format!("{count} regions"),
    );
    drop(zeros);

    let mut rng = XorShift(7);
    let random: Vec<u8> =
        (0..len / 8).flat_map(|_| rng.next().to_le_bytes()).collect();
    measure(
        "strings::regions random",
        len,
        || regions(&random, 4).count(),
        |count| format!("{count} regions"),
    );
    drop(random);

    let line = "The implant beacons to 203.0.113.9 every hour.\n";
    let prose = line.repeat(len / line.len());
    measure(
        "strings::regions prose",
        prose.len(),
        || regions(prose.as_bytes(), 4).count(),
        |count| format!("{count} regions"),
    );

    let ascii = utf16le(&prose);
    drop(prose);
    measure(
        "decode utf16le ascii",
        ascii.len(),
        || decode(&ascii, Encoding::Utf16Le { bom: false }),
        |region| format!("{} breakpoints", region.map.breakpoints()),
    );
    drop(ascii);

    let line = "Serveur à 203.0.113.9, clé «x» ✓ 😀\n";
    let mixed = utf16le(&line.repeat(len / 2 / line.encode_utf16().count()));
    measure(
        "decode utf16le mixed",
        mixed.len(),
        || decode(&mixed, Encoding::Utf16Le { bom: false }),
        |region| format!("{} breakpoints", region.map.breakpoints()),
    );
}
