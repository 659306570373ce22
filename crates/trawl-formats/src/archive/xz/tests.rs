//! Tests of the xz reader on files made by the `xz` command (XZ Utils
//! 5.4.1, in `archive/testdata`) and by lzma-rs, intact and damaged.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used
)]

use std::io::Cursor;

use super::*;

/// The text every `xz` command fixture decodes to.
const SAMPLE: &[u8] = include_bytes!("../testdata/sample.txt");
const CHECK_NONE: &[u8] = include_bytes!("../testdata/check-none.xz");
const CHECK_CRC32: &[u8] = include_bytes!("../testdata/check-crc32.xz");
const CHECK_CRC64: &[u8] = include_bytes!("../testdata/check-crc64.xz");
const CHECK_SHA256: &[u8] = include_bytes!("../testdata/check-sha256.xz");
/// `xz -9`: a 64 MiB dictionary, the largest accepted.
const PRESET9: &[u8] = include_bytes!("../testdata/preset9.xz");
/// `xz -T2 --block-size=1000`: ten blocks whose headers declare sizes.
const BLOCKS: &[u8] = include_bytes!("../testdata/blocks.xz");
/// Two streams, the first 1000 bytes and the rest, joined by `cat`.
const CONCATENATED: &[u8] = include_bytes!("../testdata/concatenated.xz");
/// The same two streams with 8 bytes of padding between them and 4 after.
const PADDED: &[u8] = include_bytes!("../testdata/padded.xz");
const BCJ_X86: &[u8] = include_bytes!("../testdata/bcj-x86.xz");
const DELTA: &[u8] = include_bytes!("../testdata/delta.xz");
/// 256 MiB of zeros, `xz -1`.
const ZEROS: &[u8] = include_bytes!("../testdata/zeros-256mib.xz");

/// Reads until the end or the first error, keeping the bytes read.
fn decode(bytes: &[u8]) -> (Vec<u8>, Option<io::Error>) {
    let mut reader = XzReader::new(bytes);
    let mut decoded = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (decoded, None),
            Ok(read) => decoded.extend_from_slice(&buf[..read]),
            Err(error) => return (decoded, Some(error)),
        }
    }
}

fn error_of(bytes: &[u8]) -> String {
    match decode(bytes).1 {
        Some(error) => error.to_string(),
        None => panic!("decoded without an error"),
    }
}

/// Replaces the first block header, which starts after the 12-byte
/// stream header, with one holding `fields` and a valid CRC32.
fn with_block_header(file: &[u8], fields: &[u8]) -> Vec<u8> {
    let mut header = vec![0u8];
    header.extend_from_slice(fields);
    while header.len() % 4 != 0 {
        header.push(0);
    }
    header[0] = u8::try_from(header.len() / 4).unwrap();
    let crc = crc32(&header);
    header.extend_from_slice(&crc.to_le_bytes());
    let old_len = (usize::from(file[12]) + 1) * 4;
    [&file[..12], &header, &file[12 + old_len..]].concat()
}

/// Returns the byte range of the last block's check value in a
/// one-stream file.
fn last_check(file: &[u8], check_len: usize) -> std::ops::Range<usize> {
    let footer = file.len() - 12;
    let backward =
        u32::from_le_bytes(file[footer + 4..footer + 8].try_into().unwrap());
    let index = footer - (backward as usize + 1) * 4;
    index - check_len..index
}

#[test]
fn crc64_matches_check_vector() {
    let mut crc = Crc64::new();
    crc.update(b"123456789");
    assert_eq!(crc.sum(), 0x995D_C9BB_DF19_39FA);
}

#[test]
fn crc64_split_input_matches_whole() {
    let mut whole = Crc64::new();
    whole.update(SAMPLE);
    let mut split = Crc64::new();
    let (head, tail) = SAMPLE.split_at(1234);
    split.update(head);
    split.update(tail);
    assert_eq!(whole.sum(), split.sum());
}

#[test]
fn cli_fixtures_decode() {
    let cases = [
        ("check none", CHECK_NONE),
        ("check crc32", CHECK_CRC32),
        ("check crc64", CHECK_CRC64),
        ("check sha256", CHECK_SHA256),
        ("preset 9", PRESET9),
        ("blocks with sizes", BLOCKS),
        ("concatenated streams", CONCATENATED),
        ("stream padding", PADDED),
    ];
    for (case, file) in cases {
        let (decoded, error) = decode(file);
        assert!(error.is_none(), "{case}: {error:?}");
        assert!(decoded == SAMPLE, "{case}: decoded bytes differ");
    }
}

#[test]
fn lzma_rs_round_trips() {
    let mut noise = Vec::new();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..(300 << 10) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push(state as u8);
    }
    let repeated = SAMPLE.repeat(300);
    let cases: [(&str, &[u8]); 4] = [
        ("empty", b""),
        ("short text", b"beacon to 198.51.100.7"),
        ("noise", &noise),
        ("repeated text", &repeated),
    ];
    for (case, input) in cases {
        let mut file = Vec::new();
        lzma_rs::xz_compress(&mut Cursor::new(input), &mut file).unwrap();
        let (decoded, error) = decode(&file);
        assert!(error.is_none(), "{case}: {error:?}");
        assert!(decoded == input, "{case}: decoded bytes differ");
    }
}

#[test]
fn empty_input_is_truncated() {
    assert_eq!(error_of(b""), "xz input is truncated");
}

#[test]
fn bad_magic_is_rejected() {
    let mut file = CHECK_CRC32.to_vec();
    file[1] ^= 0x20;
    assert_eq!(error_of(&file), "invalid xz stream header magic");
}

#[test]
fn bad_stream_header_crc_is_rejected() {
    let mut file = CHECK_CRC32.to_vec();
    file[8] ^= 1;
    assert_eq!(error_of(&file), "xz stream header CRC32 mismatch");
}

#[test]
fn reserved_stream_flags_are_rejected() {
    let mut file = CHECK_CRC32.to_vec();
    file[6] = 0x01;
    let crc = crc32(&file[6..8]);
    file[8..12].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(error_of(&file), "unsupported xz stream flags 0x0101");
}

#[test]
fn bad_block_header_crc_is_rejected() {
    let mut file = CHECK_CRC32.to_vec();
    file[20] ^= 1;
    assert_eq!(error_of(&file), "xz block header CRC32 mismatch");
}

#[test]
fn bad_check_fails_after_block_bytes() {
    let cases = [
        (CHECK_CRC32, 4, "xz block CRC32 check mismatch"),
        (CHECK_CRC64, 8, "xz block CRC64 check mismatch"),
        (CHECK_SHA256, 32, "xz block SHA-256 check mismatch"),
    ];
    for (file, check_len, message) in cases {
        let mut file = file.to_vec();
        let check = last_check(&file, check_len);
        file[check.end - 1] ^= 1;
        let (decoded, error) = decode(&file);
        assert!(decoded == SAMPLE, "{message}: decoded bytes differ");
        assert_eq!(error.unwrap().to_string(), message);
    }
}

#[test]
fn unknown_check_is_skipped_by_size() {
    // Check id 0x02 is reserved with a 4-byte value, so a CRC32 file
    // relabelled as 0x02 decodes with its check value unverified.
    let mut file = CHECK_CRC32.to_vec();
    let footer = file.len() - 12;
    for flags in [6, footer + 8] {
        file[flags + 1] = 0x02;
    }
    let header_crc = crc32(&file[6..8]);
    file[8..12].copy_from_slice(&header_crc.to_le_bytes());
    let footer_crc = crc32(&file[footer + 4..footer + 10]);
    file[footer..footer + 4].copy_from_slice(&footer_crc.to_le_bytes());
    let (decoded, error) = decode(&file);
    assert!(error.is_none(), "{error:?}");
    assert!(decoded == SAMPLE);
}

#[test]
fn every_prefix_is_an_error() {
    for file in [CHECK_CRC64, BLOCKS] {
        for len in 0..file.len() {
            let (decoded, error) = decode(&file[..len]);
            assert!(error.is_some(), "prefix of {len} bytes decoded");
            assert!(SAMPLE.starts_with(&decoded), "prefix of {len} bytes");
        }
    }
}

#[test]
fn unsupported_filters_are_named() {
    let cases = [
        (BCJ_X86, "unsupported xz filter 0x04 (BCJ x86)"),
        (DELTA, "unsupported xz filter 0x03 (Delta)"),
    ];
    for (file, expected) in cases {
        let message = error_of(file);
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn lzma2_in_a_chain_is_rejected() {
    // Two filters: LZMA2 twice.
    let fields = [0x01, 0x21, 0x01, 0x16, 0x21, 0x01, 0x16];
    let file = with_block_header(CHECK_CRC32, &fields);
    assert_eq!(error_of(&file), "xz filter chain repeats LZMA2");
}

#[test]
fn oversized_dictionary_is_rejected() {
    let cases = [
        // 3 << 25: 96 MiB, the next size past `xz -9`'s 64 MiB.
        (29, "xz LZMA2 dictionary of 96 MiB exceeds the 64 MiB limit"),
        (40, "xz LZMA2 dictionary of 4096 MiB exceeds the 64 MiB limit"),
        (41, "invalid xz LZMA2 dictionary property 0x29"),
    ];
    for (property, expected) in cases {
        let file =
            with_block_header(CHECK_CRC32, &[0x00, 0x21, 0x01, property]);
        assert_eq!(error_of(&file), expected);
    }
}

#[test]
fn largest_dictionary_is_accepted() {
    assert_eq!(lzma2_dict_size(&[28]).unwrap(), 64 << 20);
    let file = with_block_header(CHECK_CRC32, &[0x00, 0x21, 0x01, 28]);
    let (decoded, error) = decode(&file);
    assert!(error.is_none(), "{error:?}");
    assert!(decoded == SAMPLE);
}

#[test]
fn overlong_varints_are_rejected() {
    // A compressed size of 0x80 0x00: zero written in two bytes.
    let overlong = [0x40, 0x80, 0x00, 0x21, 0x01, 0x16];
    let file = with_block_header(CHECK_CRC32, &overlong);
    assert_eq!(error_of(&file), "overlong xz variable-length integer");

    let mut ten_bytes = vec![0x40];
    ten_bytes.extend_from_slice(&[0x81; 9]);
    ten_bytes.extend_from_slice(&[0x01, 0x21, 0x01, 0x16]);
    let file = with_block_header(CHECK_CRC32, &ten_bytes);
    assert_eq!(
        error_of(&file),
        "xz variable-length integer is longer than 9 bytes"
    );
}

#[test]
fn block_header_fields_are_checked() {
    let cases: [(&[u8], &str); 4] = [
        (&[0x04, 0x21, 0x01, 0x16], "unsupported xz block flags 0x04"),
        (
            &[0x00, 0x21, 0x02, 0x16],
            "xz LZMA2 filter properties are not 1 byte",
        ),
        (
            &[0x00, 0x21, 0x01, 0x16, 0x00, 0x07],
            "xz block header padding is not zero",
        ),
        (&[0x00, 0x21, 0x30], "xz filter properties overrun the block header"),
    ];
    for (fields, expected) in cases {
        let file = with_block_header(CHECK_CRC32, fields);
        assert_eq!(error_of(&file), expected);
    }
}

#[test]
fn declared_block_sizes_are_checked() {
    // The first block of BLOCKS declares 208 compressed bytes (D0 01)
    // and 1000 decoded (E8 07).
    let cases: [(&[u8], &str); 3] = [
        (
            &[0xC0, 0xD0, 0x01, 0xE7, 0x07, 0x21, 0x01, 0x16],
            "xz block decodes to more than the 999 bytes its header declares",
        ),
        (
            &[0xC0, 0xD0, 0x01, 0xE9, 0x07, 0x21, 0x01, 0x16],
            "xz block decodes to 1000 bytes but its header declares 1001",
        ),
        (
            &[0xC0, 0xCF, 0x01, 0xE8, 0x07, 0x21, 0x01, 0x16],
            "xz block has 208 compressed bytes but its header declares 207",
        ),
    ];
    for (fields, expected) in cases {
        let file = with_block_header(BLOCKS, fields);
        assert_eq!(error_of(&file), expected);
    }
}

#[test]
fn index_and_footer_are_checked() {
    let footer = CHECK_CRC32.len() - 12;
    let index = last_check(CHECK_CRC32, 4).end;
    let mut wrong_count = CHECK_CRC32.to_vec();
    wrong_count[index + 1] = 2;
    let mut wrong_size = CHECK_CRC32.to_vec();
    wrong_size[index + 2] ^= 4;
    let mut wrong_crc = CHECK_CRC32.to_vec();
    wrong_crc[footer - 1] ^= 1;
    let mut wrong_magic = CHECK_CRC32.to_vec();
    wrong_magic[footer + 11] = b'Y';
    let mut wrong_footer_crc = CHECK_CRC32.to_vec();
    wrong_footer_crc[footer] ^= 1;
    let cases = [
        (wrong_count, "xz index lists 2 blocks but the stream has 1"),
        (wrong_size, "xz index does not match the stream's blocks"),
        (wrong_crc, "xz index CRC32 mismatch"),
        (wrong_magic, "invalid xz stream footer magic"),
        (wrong_footer_crc, "xz stream footer CRC32 mismatch"),
    ];
    for (file, expected) in cases {
        assert_eq!(error_of(&file), expected);
    }
}

#[test]
fn bad_stream_padding_is_rejected() {
    let cases = [
        (&[0u8; 3][..], "xz stream padding is not a multiple of 4 bytes"),
        (b"junk", "unexpected data after an xz stream"),
    ];
    for (trailer, expected) in cases {
        let file = [CHECK_CRC32, trailer].concat();
        let (decoded, error) = decode(&file);
        assert!(decoded == SAMPLE, "{expected}");
        assert_eq!(error.unwrap().to_string(), expected);
    }
}

#[test]
fn error_repeats_on_later_reads() {
    let mut reader = XzReader::new(&b"not xz at all"[..]);
    let mut buf = [0u8; 16];
    let first = reader.read(&mut buf).unwrap_err().to_string();
    let second = reader.read(&mut buf).unwrap_err().to_string();
    assert_eq!(first, "invalid xz stream header magic");
    assert_eq!(second, first);
}

#[test]
fn output_arrives_before_input_is_read() {
    // A decoder that decodes a whole block before its first output would
    // read all of this 256 MiB block first.
    let mut reader = XzReader::new(ZEROS);
    let mut buf = vec![0u8; 1 << 20];
    reader.read_exact(&mut buf).unwrap();
    assert!(buf.iter().all(|&byte| byte == 0));
    let consumed = match &reader.phase {
        Phase::Block(block) => block.decoder.inner().position,
        _ => panic!("not inside the block"),
    };
    assert!(consumed < 4 << 10, "{consumed} of {} bytes read", ZEROS.len());
}
