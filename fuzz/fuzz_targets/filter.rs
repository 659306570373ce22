//! Parses arbitrary text as a list, one line at a time, and filters the
//! scan of arbitrary bytes with it. Checks that errors name a line of
//! the list. Checks that the same entries give the same match as an
//! allow list and as a block list, that a pass only adds drops to what a
//! single check decides, and that `retain` keeps the others in order.
//!
//! The first byte splits the rest into the list's text and the scanned
//! bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_core::{Filter, List, ListKind, Scanner, Verdict};

/// Lines of the list parsed, each one scanned by the parser.
const MAX_LINES: usize = 64;

fuzz_target!(|input: &[u8]| {
    let [split, data @ ..] = input else {
        return;
    };
    let cut = usize::from(*split) * data.len() / 256;
    let (list_bytes, scanned) = data.split_at(cut);
    let list_text = String::from_utf8_lossy(list_bytes);

    let whole = List::parse(&list_text, "fuzz");
    if let Err(error) = &whole {
        assert!(error.line >= 1, "{error}");
        assert!(error.line <= list_text.lines().count(), "{error}");
        assert!(error.to_string().starts_with("fuzz:"), "{error}");
    }
    // Each valid line as a list of its own, so that one invalid line
    // does not leave the matcher without entries.
    let lists: Vec<List> = list_text
        .lines()
        .take(MAX_LINES)
        .enumerate()
        .filter_map(|(index, line)| {
            List::parse(line, &format!("line {index}")).ok()
        })
        .collect();

    let mut allow = Filter::builder().benign();
    let mut block = Filter::builder();
    for list in &lists {
        allow = allow.allow(list.clone());
        block = block.block(list.clone());
    }
    let allow = allow.build();
    let block = block.build();

    let detections = Scanner::default().scan(scanned).detections;
    let mut pass = allow.pass();
    for detection in &detections {
        let single = allow.check(detection);
        let in_pass = pass.check(detection);
        if single != Verdict::Keep {
            assert_eq!(single, in_pass, "{detection:?}");
        }
        let Verdict::Dropped(found) = single else {
            assert_eq!(single, Verdict::Keep, "{detection:?}");
            continue;
        };
        assert!(found.line >= 1, "{found:?}");
        if found.kind == ListKind::Allow {
            let Verdict::Listed(listed) = block.check(detection) else {
                panic!("allowed but not blocked: {detection:?}");
            };
            assert_eq!(listed.origin, found.origin, "{detection:?}");
            assert_eq!(listed.line, found.line, "{detection:?}");
            assert_eq!(listed.kind, ListKind::Block);
        }
    }

    let mut kept = detections.clone();
    allow.retain(&mut kept);
    let mut rest = detections.iter();
    for detection in &kept {
        assert!(rest.any(|d| d == detection), "order changed: {detection:?}");
    }
});
