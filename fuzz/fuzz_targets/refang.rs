//! Checks refanging's contract on arbitrary bytes: the text never grows,
//! the offset map is monotone and stays inside the input, a byte that
//! maps to one input byte is a copy of it (unless an edit may have
//! written it), and an input with no edit comes back borrowed and
//! unchanged.

#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use trawl_core::refang;

/// The bytes that a multi-byte replacement (`[://]` to `://`) can spread
/// over one-byte source ranges. Every other replacement byte maps to two
/// or more input bytes (`\.`, `[.]`, a full-width form).
const REPLACEMENT_BYTES: &[u8] = b".@:/";

fuzz_target!(|input: &[u8]| {
    let refanged = refang(input);
    let text = &refanged.text;
    let map = &refanged.map;
    assert!(text.len() <= input.len(), "refanged text grew");
    if let Cow::Borrowed(borrowed) = text {
        assert_eq!(*borrowed, input, "borrowed text differs from the input");
        assert!(map.is_identity(), "borrowed text with a non-identity map");
    }

    let mut previous_start = 0;
    for (position, &byte) in text.iter().enumerate() {
        let start = map.start(position);
        let end = map.end(position + 1);
        assert!(start >= previous_start, "map not monotone at {position}");
        assert!(start < end, "byte {position} maps to an empty range");
        assert!(end <= input.len(), "byte {position} maps past the input");
        let single = end.checked_sub(start) == Some(1);
        if single && !REPLACEMENT_BYTES.contains(&byte) {
            assert_eq!(
                input.get(start),
                Some(&byte),
                "byte {position} is not a copy of input byte {start}"
            );
        }
        previous_start = start;
    }
    assert!(map.end(text.len()) <= input.len(), "end maps past the input");
});
