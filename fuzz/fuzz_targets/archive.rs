//! Walks arbitrary bytes as each archive format and checks the walk:
//! opens and closes pair up, every member event lies inside an open
//! archive, and the extracted bytes stay within the limits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_formats::archive::{walk, Event, Format, Limits, Options};

const FORMATS: [Format; 5] =
    [Format::Zip, Format::Tar, Format::Gzip, Format::Bzip2, Format::Xz];

fuzz_target!(|input: &[u8]| {
    // Small limits keep each run fast, so bombs are found as limit hits
    // instead of timeouts.
    let limits = Limits {
        max_total_bytes: 4 << 20,
        max_member_bytes: 1 << 20,
        ratio_free_bytes: 64 << 10,
        max_entries: 1000,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    for format in FORMATS {
        let mut depth = 0usize;
        let stats =
            walk(
                input,
                format,
                "stream",
                &options,
                &mut |event| match event {
                    Event::Open { path, .. } => {
                        assert_eq!(path.len(), depth, "open at wrong depth");
                        depth += 1;
                    }
                    Event::Close { path, .. } => {
                        depth =
                            depth.checked_sub(1).expect("close without open");
                        assert_eq!(path.len(), depth, "close at wrong depth");
                    }
                    Event::Member { bytes, .. } => {
                        assert!(depth > 0, "member outside an archive");
                        assert!(
                            bytes.len() <= 1 << 20,
                            "member past its limit"
                        );
                    }
                    Event::Failed { .. } | Event::Skipped { .. } => {
                        assert!(depth > 0, "member outside an archive");
                    }
                },
            );
        assert_eq!(depth, 0, "archive left open");
        assert!(stats.extracted_bytes <= 4 << 20, "total past its limit");
        assert!(stats.entries <= 1001, "entries past their limit");
    }
});
