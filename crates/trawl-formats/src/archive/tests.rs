//! Tests that build their archives in memory: every format, passwords,
//! nesting, and decompression bombs stopped by each limit.

#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used
)]

use std::io::{Cursor, Write};

use ::zip::unstable::write::FileOptionsExt;
use ::zip::write::SimpleFileOptions;
use ::zip::{AesMode, CompressionMethod, ZipWriter};
use flate2::{Compress, Compression, FlushCompress};

use super::*;

/// One event of a walk, owned, with a member's bytes kept only when
/// they are short.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Open(String, Format),
    Member(String, Vec<u8>, Option<MemberError>),
    Big(String, usize, Option<MemberError>),
    Failed(String, MemberError),
    Skipped(String, String),
    Close(String, Option<ArchiveError>),
}

fn joined(path: &[String]) -> String {
    path.join("!")
}

fn collect(
    bytes: &[u8],
    format: Format,
    options: &Options,
) -> (Vec<Seen>, WalkStats) {
    let mut seen = Vec::new();
    let stats = walk(bytes, format, "stream", options, &mut |event| {
        seen.push(match event {
            Event::Open { path, format } => Seen::Open(joined(path), format),
            Event::Member { path, bytes, error } if bytes.len() <= 4096 => {
                Seen::Member(joined(path), bytes.to_vec(), error)
            }
            Event::Member { path, bytes, error } => {
                Seen::Big(joined(path), bytes.len(), error)
            }
            Event::Failed { path, error } => Seen::Failed(joined(path), error),
            Event::Skipped { path, reason } => {
                Seen::Skipped(joined(path), reason)
            }
            Event::Close { path, error } => Seen::Close(joined(path), error),
        });
    });
    (seen, stats)
}

fn walked(bytes: &[u8]) -> Vec<Seen> {
    let format = Format::of(sniff::sniff(bytes)).unwrap();
    collect(bytes, format, &Options::default()).0
}

fn member(name: &str, bytes: &[u8]) -> Seen {
    Seen::Member(name.to_string(), bytes.to_vec(), None)
}

fn open(name: &str, format: Format) -> Seen {
    Seen::Open(name.to_string(), format)
}

fn close(name: &str) -> Seen {
    Seen::Close(name.to_string(), None)
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
}

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

fn zip_of(entries: &[(&str, &[u8], SimpleFileOptions)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, options) in entries {
        writer.start_file(*name, *options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn zipcrypto(password: &str) -> SimpleFileOptions {
    deflated().with_deprecated_encryption(password.as_bytes()).unwrap()
}

fn aes(password: &'static str) -> SimpleFileOptions {
    deflated().with_aes_encryption(AesMode::Aes256, password)
}

/// A member of a zip written byte by byte: method 0 (stored) or 8
/// (deflate) with its data already compressed.
struct RawEntry<'a> {
    name: String,
    method: u16,
    data: &'a [u8],
    crc: u32,
    size: u32,
}

/// Writes a zip by hand, for data already compressed and for more
/// entries than the zip writer builds quickly.
fn raw_zip(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let name = entry.name.as_bytes();
        let fields = |out: &mut Vec<u8>| {
            out.extend(20u16.to_le_bytes()); // version needed
            out.extend(0u16.to_le_bytes()); // flags
            out.extend(entry.method.to_le_bytes());
            out.extend(0u32.to_le_bytes()); // time and date
            out.extend(entry.crc.to_le_bytes());
            out.extend((entry.data.len() as u32).to_le_bytes());
            out.extend(entry.size.to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes()); // extra field length
        };
        out.extend(b"PK\x03\x04");
        fields(&mut out);
        out.extend(name);
        out.extend(entry.data);

        central.extend(b"PK\x01\x02");
        central.extend(20u16.to_le_bytes()); // version made by
        fields(&mut central);
        central.extend([0u8; 6]); // comment, disk, internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name);
    }
    let central_offset = out.len() as u32;
    let count = entries.len().min(0xFFFF) as u16;
    out.extend(&central);
    if entries.len() >= 0xFFFF {
        // A zip64 end record carries the real count; the classic one
        // then contains 0xFFFF.
        let record_offset = out.len() as u64;
        out.extend(b"PK\x06\x06");
        out.extend(44u64.to_le_bytes()); // size of the rest of the record
        out.extend(45u16.to_le_bytes()); // version made by
        out.extend(45u16.to_le_bytes()); // version needed
        out.extend([0u8; 8]); // disk numbers
        out.extend((entries.len() as u64).to_le_bytes());
        out.extend((entries.len() as u64).to_le_bytes());
        out.extend((central.len() as u64).to_le_bytes());
        out.extend(u64::from(central_offset).to_le_bytes());
        out.extend(b"PK\x06\x07");
        out.extend(0u32.to_le_bytes());
        out.extend(record_offset.to_le_bytes());
        out.extend(1u32.to_le_bytes());
    }
    out.extend(b"PK\x05\x06");
    out.extend([0u8; 4]); // disk numbers
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// Returns a raw DEFLATE stream of `chunks` MiB of zeros. One MiB is
/// compressed once with a full flush, which ends it on a byte boundary
/// with a fresh dictionary, so copies of it can follow each other; an
/// empty final block ends the stream. This builds a bomb of any size
/// in the time it takes to compress one MiB.
fn zeros_deflate(chunks: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut compress = Compress::new(Compression::best(), false);
    let mut chunk = Vec::with_capacity(1 << 20);
    compress.compress_vec(&zeros, &mut chunk, FlushCompress::Full).unwrap();
    let mut out = Vec::with_capacity(chunk.len() * chunks + 2);
    for _ in 0..chunks {
        out.extend(&chunk);
    }
    // A final block with fixed codes that holds only end-of-block.
    out.extend([0x03, 0x00]);
    out
}

fn crc_of_zeros(len: usize) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(&vec![0u8; len]);
    crc.sum()
}

fn gzip_raw(deflate: &[u8], crc: u32, size: u32) -> Vec<u8> {
    let mut out = b"\x1F\x8B\x08\0\0\0\0\0\0\xFF".to_vec();
    out.extend(deflate);
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out
}

fn gzip(bytes: &[u8], name: Option<&str>) -> Vec<u8> {
    let mut builder = flate2::GzBuilder::new();
    if let Some(name) = name {
        builder = builder.filename(name);
    }
    let mut encoder = builder.write(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut encoder =
        bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut Cursor::new(bytes), &mut out).unwrap();
    out
}

/// A tar of regular files, a directory, a symbolic link and a hard link.
fn sample_tar() -> Vec<u8> {
    let mut builder = ::tar::Builder::new(Vec::new());
    let mut add =
        |name: &str, kind: ::tar::EntryType, link: &str, data: &[u8]| {
            let mut header = ::tar::Header::new_gnu();
            header.set_entry_type(kind);
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            if !link.is_empty() {
                header.set_link_name(link).unwrap();
            }
            builder.append_data(&mut header, name, data).unwrap();
        };
    add("docs/", ::tar::EntryType::Directory, "", b"");
    add("docs/a.txt", ::tar::EntryType::Regular, "", b"see evil.example.com");
    add("docs/b.lnk", ::tar::EntryType::Symlink, "/etc/passwd", b"");
    add("docs/c.txt", ::tar::EntryType::Link, "docs/a.txt", b"");
    add("docs/d.bin", ::tar::EntryType::Regular, "", b"\x00\x01 10.0.0.1");
    builder.into_inner().unwrap()
}

fn sample_tar_events(prefix: &str) -> Vec<Seen> {
    let name = |member: &str| format!("{prefix}{member}");
    vec![
        member(&name("docs/a.txt"), b"see evil.example.com"),
        Seen::Skipped(
            name("docs/b.lnk"),
            "symbolic link to '/etc/passwd'".to_string(),
        ),
        Seen::Skipped(name("docs/c.txt"), "hard link to 'docs/a.txt'".into()),
        member(&name("docs/d.bin"), b"\x00\x01 10.0.0.1"),
    ]
}

#[test]
fn zip_stored_and_deflated_members() {
    let bytes = zip_of(&[
        ("a.txt", b"http://evil.example.com/x", stored()),
        ("dir/b.txt", b"10.0.0.1 10.0.0.1 10.0.0.1", deflated()),
    ]);
    let expected = vec![
        open("", Format::Zip),
        member("a.txt", b"http://evil.example.com/x"),
        member("dir/b.txt", b"10.0.0.1 10.0.0.1 10.0.0.1"),
        close(""),
    ];
    assert_eq!(walked(&bytes), expected);
}

#[test]
fn zip_bzip2_member_is_read() {
    let bzip2 = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Bzip2);
    let bytes = zip_of(&[("c2.txt", b"http://evil.example.com/b", bzip2)]);
    assert_eq!(
        walked(&bytes)[1],
        member("c2.txt", b"http://evil.example.com/b")
    );
}

#[test]
fn zipcrypto_infected_opens_by_default() {
    let bytes = zip_of(&[("x.exe", b"MZ payload", zipcrypto("infected"))]);
    assert_eq!(walked(&bytes)[1], member("x.exe", b"MZ payload"));
}

#[test]
fn zipcrypto_wrong_password_reported() {
    let bytes = zip_of(&[
        ("x.exe", b"MZ payload", zipcrypto("secret")),
        ("plain.txt", b"still read", deflated()),
    ]);
    let seen = walked(&bytes);
    let error = MemberError::WrongPassword { tried: 1 };
    assert_eq!(seen[1], Seen::Failed("x.exe".into(), error));
    assert_eq!(seen[2], member("plain.txt", b"still read"));
    let message = MemberError::WrongPassword { tried: 1 }.to_string();
    assert!(
        message.contains("the password tried did not open it"),
        "{message}"
    );
}

#[test]
fn given_password_tried_before_default() {
    let bytes = zip_of(&[("x.exe", b"MZ payload", zipcrypto("s3cret"))]);
    let options = Options {
        passwords: vec![b"s3cret".to_vec(), b"infected".to_vec()],
        ..Options::default()
    };
    let (seen, _) = collect(&bytes, Format::Zip, &options);
    assert_eq!(seen[1], member("x.exe", b"MZ payload"));
}

#[test]
fn no_password_for_encrypted_member() {
    let bytes = zip_of(&[("x.exe", b"MZ payload", zipcrypto("infected"))]);
    let options = Options { passwords: Vec::new(), ..Options::default() };
    let (seen, _) = collect(&bytes, Format::Zip, &options);
    let error = MemberError::WrongPassword { tried: 0 };
    assert_eq!(seen[1], Seen::Failed("x.exe".into(), error.clone()));
    assert!(error.to_string().contains("no password was given"));
}

#[test]
fn aes_member_opens_with_password() {
    let bytes = zip_of(&[
        ("a.txt", b"aes protected 10.9.8.7", aes("infected")),
        ("b.txt", b"other key", aes("other")),
    ]);
    let seen = walked(&bytes);
    assert_eq!(seen[1], member("a.txt", b"aes protected 10.9.8.7"));
    let error = MemberError::WrongPassword { tried: 1 };
    assert_eq!(seen[2], Seen::Failed("b.txt".into(), error));
}

#[test]
fn aes_attempts_stop_at_input_limit() {
    let bytes = zip_of(&[
        ("a.txt", b"first", aes("other")),
        ("b.txt", b"second", aes("infected")),
        ("c.txt", b"third", aes("infected")),
        ("d.txt", b"fourth", zipcrypto("infected")),
    ]);
    // a.txt fails both passwords and b.txt opens with its second, which
    // spends the four tries, so c.txt gets none.
    let options = Options {
        passwords: vec![b"wrong".to_vec(), b"infected".to_vec()],
        max_aes_attempts: 4,
        ..Options::default()
    };
    let (seen, _) = collect(&bytes, Format::Zip, &options);
    let wrong = MemberError::WrongPassword { tried: 2 };
    assert_eq!(seen[1], Seen::Failed("a.txt".into(), wrong));
    assert_eq!(seen[2], member("b.txt", b"second"));
    let spent = MemberError::AesAttempts(4);
    assert_eq!(seen[3], Seen::Failed("c.txt".into(), spent.clone()));
    assert!(spent.to_string().contains("limit of 4 password attempts"));
    // ZipCrypto needs no key derivation, so the limit leaves it alone.
    assert_eq!(seen[4], member("d.txt", b"fourth"));
}

#[test]
fn depth_capped_above_any_limit() {
    let levels = MAX_DEPTH as usize + 6;
    let bytes = nested_zips(b"deep", levels);
    let limits = Limits { max_depth: u32::MAX, ..Limits::default() };
    let options = Options { limits, ..Options::default() };
    let (seen, _) = collect(&bytes, Format::Zip, &options);
    let opened = seen.iter().filter(|s| matches!(s, Seen::Open(..))).count();
    assert_eq!(opened, MAX_DEPTH as usize);
    let capped = Some(MemberError::Limit(Limit::Depth(MAX_DEPTH)));
    let past = seen.iter().find_map(|seen| match seen {
        Seen::Member(_, _, error) | Seen::Big(_, _, error) => Some(error),
        _ => None,
    });
    assert_eq!(past, Some(&capped));
}

#[test]
fn unsupported_method_reported_per_member() {
    let entries = [
        RawEntry {
            name: "packed.bin".into(),
            method: 6, // implode, not built in
            data: b"\x00\x01\x02\x03\x04\x05\x06\x07",
            crc: 0,
            size: 8,
        },
        RawEntry {
            name: "plain.txt".into(),
            method: 0,
            data: b"ok",
            crc: crc_of(b"ok"),
            size: 2,
        },
    ];
    let seen = walked(&raw_zip(&entries));
    assert!(
        matches!(&seen[1], Seen::Failed(name, MemberError::Unsupported(_)) if name == "packed.bin"),
        "{seen:?}"
    );
    assert_eq!(seen[2], member("plain.txt", b"ok"));
}

fn crc_of(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

#[test]
fn corrupt_deflate_data_reported() {
    let entries = [RawEntry {
        name: "bad.txt".into(),
        method: 8,
        data: b"\xFF\xFF\xFF\xFF\xFF\xFF",
        crc: 0,
        size: 100,
    }];
    let seen = walked(&raw_zip(&entries));
    assert!(
        matches!(
            &seen[1],
            Seen::Failed(_, MemberError::Corrupt(_))
                | Seen::Member(_, _, Some(MemberError::Corrupt(_)))
        ),
        "{seen:?}"
    );
}

#[test]
fn truncated_zip_is_archive_error() {
    let bytes = zip_of(&[("a.txt", b"text", stored())]);
    let cut = &bytes[..bytes.len() - 10];
    let (seen, _) = collect(cut, Format::Zip, &Options::default());
    assert_eq!(seen.len(), 2);
    assert!(matches!(
        &seen[1],
        Seen::Close(_, Some(ArchiveError::Corrupt(_)))
    ));
}

#[test]
fn tar_lists_files_and_skips_links() {
    let mut expected = vec![open("", Format::Tar)];
    expected.extend(sample_tar_events(""));
    expected.push(close(""));
    assert_eq!(walked(&sample_tar()), expected);
}

#[test]
fn truncated_tar_keeps_earlier_members() {
    let tar = sample_tar();
    // Cut inside the last member's data block, before the two zero
    // blocks that end the archive.
    let cut = &tar[..tar.len() - 1024 - 5];
    let (seen, _) = collect(cut, Format::Tar, &Options::default());
    assert_eq!(seen[1], member("docs/a.txt", b"see evil.example.com"));
    let last = seen.last().unwrap();
    let failed_member = seen.iter().any(|seen| {
        matches!(seen, Seen::Member(name, _, Some(MemberError::Corrupt(_))) if name == "docs/d.bin")
    });
    let failed_archive =
        matches!(last, Seen::Close(_, Some(ArchiveError::Corrupt(_))));
    assert!(failed_member || failed_archive, "{seen:?}");
}

#[test]
fn compressed_tars_list_tar_members() {
    let tar = sample_tar();
    let cases = [
        ("tar.gz", gzip(&tar, None), Format::Gzip),
        ("tar.bz2", bzip2(&tar), Format::Bzip2),
        ("tar.xz", xz(&tar), Format::Xz),
    ];
    for (name, bytes, format) in cases {
        let mut expected = vec![open("", format)];
        expected.extend(sample_tar_events(""));
        expected.push(close(""));
        assert_eq!(walked(&bytes), expected, "{name}");
    }
}

#[test]
fn compressed_streams_give_one_member() {
    let text = b"beacon to 198.51.100.7 every minute".as_slice();
    let cases = [
        ("gzip with name", gzip(text, Some("notes.txt")), "notes.txt"),
        ("gzip without name", gzip(text, None), "stream"),
        ("bzip2", bzip2(text), "stream"),
        ("xz", xz(text), "stream"),
    ];
    for (case, bytes, name) in cases {
        let seen = walked(&bytes);
        assert_eq!(seen.len(), 3, "{case}");
        assert_eq!(seen[1], member(name, text), "{case}");
        assert_eq!(seen[2], close(""), "{case}");
    }
}

#[test]
fn truncated_gzip_keeps_decoded_prefix() {
    let text = vec![b'x'; 2000];
    let bytes = gzip(&text, None);
    let cut = &bytes[..bytes.len() - 8];
    let (seen, _) = collect(cut, Format::Gzip, &Options::default());
    assert!(
        matches!(&seen[1], Seen::Member(_, bytes, Some(MemberError::Corrupt(_))) if bytes.len() <= 2000),
        "{seen:?}"
    );
}

#[test]
fn gzip_header_only_fails_member() {
    let (seen, _) =
        collect(b"\x1F\x8B\x08\0garbage", Format::Gzip, &Options::default());
    assert!(matches!(&seen[1], Seen::Failed(_, MemberError::Corrupt(_))));
}

/// Nests `inner` in `levels` zips, each holding the previous one as
/// `level<N>.zip`.
fn nested_zips(inner: &[u8], levels: usize) -> Vec<u8> {
    let mut bytes = zip_of(&[("deep.txt", inner, deflated())]);
    for level in 2..=levels {
        let name = format!("level{}.zip", level - 1);
        bytes = zip_of(&[(name.as_str(), &bytes, deflated())]);
    }
    bytes
}

#[test]
fn nested_to_depth_limit_walked() {
    let bytes = nested_zips(b"hxxp://deep[.]example", 3);
    let expected = vec![
        open("", Format::Zip),
        open("level2.zip", Format::Zip),
        open("level2.zip!level1.zip", Format::Zip),
        member("level2.zip!level1.zip!deep.txt", b"hxxp://deep[.]example"),
        close("level2.zip!level1.zip"),
        close("level2.zip"),
        close(""),
    ];
    assert_eq!(walked(&bytes), expected);
}

#[test]
fn one_past_depth_limit_reported() {
    let bytes = nested_zips(b"deep", 4);
    let seen = walked(&bytes);
    let past = seen.iter().find_map(|seen| match seen {
        Seen::Member(name, bytes, error) => Some((name, bytes, error)),
        _ => None,
    });
    let (name, inner, error) = past.unwrap();
    assert_eq!(name, "level3.zip!level2.zip!level1.zip");
    assert_eq!(Format::of(sniff::sniff(inner)), Some(Format::Zip));
    assert_eq!(error, &Some(MemberError::Limit(Limit::Depth(3))));
    let message = error.as_ref().unwrap().to_string();
    assert!(message.contains("nesting-depth limit of 3"), "{message}");
    assert_eq!(seen.len(), 7);
}

#[test]
fn nested_tar_gz_in_zip_named_by_path() {
    let tgz = gzip(&sample_tar(), None);
    let bytes = zip_of(&[("b.tar.gz", &tgz, stored())]);
    let seen = walked(&bytes);
    assert_eq!(seen[1], open("b.tar.gz", Format::Gzip));
    assert_eq!(
        seen[2],
        member("b.tar.gz!docs/a.txt", b"see evil.example.com")
    );
}

#[test]
fn nested_gzip_member_named_from_outer() {
    let gz = gzip(b"plain", None);
    let bytes = zip_of(&[("notes.txt.gz", &gz, stored())]);
    assert_eq!(walked(&bytes)[2], member("notes.txt.gz!notes.txt", b"plain"));
}

/// 1 GiB of zeros in one deflated zip member.
fn zip_of_zeros(chunks: usize) -> Vec<u8> {
    let deflate = zeros_deflate(chunks);
    let size = chunks << 20;
    raw_zip(&[RawEntry {
        name: "zeros.bin".into(),
        method: 8,
        data: &deflate,
        crc: crc_of_zeros(size),
        size: size as u32,
    }])
}

#[test]
fn deflate_bomb_stops_at_ratio_limit() {
    let bytes = zip_of_zeros(1024);
    let (seen, stats) = collect(&bytes, Format::Zip, &Options::default());
    let limit = Some(MemberError::Limit(Limit::Ratio(1000)));
    assert!(
        matches!(&seen[1], Seen::Big(name, _, error) if name == "zeros.bin" && *error == limit),
        "{seen:?}"
    );
    // The check runs after each 64 KiB read from the decoder, which
    // reads compressed input a few KiB ahead of its output.
    let free = Limits::default().ratio_free_bytes;
    assert!(stats.extracted_bytes > free);
    assert!(stats.extracted_bytes <= free + (5 << 20), "{stats:?}");
    assert_eq!(seen[2], close(""));
}

#[test]
fn deflate_bomb_stops_at_member_limit() {
    let bytes = zip_of_zeros(1024);
    let limits = Limits {
        max_ratio: u64::MAX,
        max_member_bytes: 8 << 20,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    let (seen, stats) = collect(&bytes, Format::Zip, &options);
    let error = MemberError::Limit(Limit::MemberBytes(8 << 20));
    assert_eq!(seen[1], Seen::Big("zeros.bin".into(), 8 << 20, Some(error)));
    assert_eq!(stats.extracted_bytes, 8 << 20);
    let message = MemberError::Limit(Limit::MemberBytes(1 << 30)).to_string();
    assert!(message.contains("1 GiB expanded-size limit"), "{message}");
}

#[test]
fn gzip_bomb_stops_at_ratio_limit() {
    let chunks = 1024;
    let size = chunks << 20;
    let bytes =
        gzip_raw(&zeros_deflate(chunks), crc_of_zeros(size), size as u32);
    let (seen, stats) = collect(&bytes, Format::Gzip, &Options::default());
    let error = Some(MemberError::Limit(Limit::Ratio(1000)));
    assert!(matches!(&seen[1], Seen::Big(_, _, e) if *e == error), "{seen:?}");
    assert!(stats.extracted_bytes <= 9 << 20, "{stats:?}");
}

#[test]
fn gzip_bomb_stops_at_total_limit() {
    let chunks = 64;
    let size = chunks << 20;
    let bytes =
        gzip_raw(&zeros_deflate(chunks), crc_of_zeros(size), size as u32);
    let limits = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 8 << 20,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    let (seen, stats) = collect(&bytes, Format::Gzip, &options);
    let limit = Limit::TotalBytes(8 << 20);
    assert!(
        matches!(&seen[1], Seen::Big(_, _, Some(MemberError::Limit(l))) if *l == limit),
        "{seen:?}"
    );
    assert_eq!(
        seen[2],
        Seen::Close(String::new(), Some(ArchiveError::Limit(limit)))
    );
    assert!(stats.extracted_bytes <= 8 << 20, "{stats:?}");
}

/// 256 MiB of zeros, `xz -1`: a single 39 KB block.
const XZ_ZEROS: &[u8] = include_bytes!("testdata/zeros-256mib.xz");

#[test]
fn xz_bomb_stops_at_ratio_limit() {
    let (seen, stats) = collect(XZ_ZEROS, Format::Xz, &Options::default());
    let error = Some(MemberError::Limit(Limit::Ratio(1000)));
    assert!(matches!(&seen[1], Seen::Big(_, _, e) if *e == error), "{seen:?}");
    // The read that passes the free bytes fails, so its bytes are not
    // counted.
    let free = Limits::default().ratio_free_bytes;
    assert!(stats.extracted_bytes > free - (128 << 10), "{stats:?}");
    assert!(stats.extracted_bytes <= free + (5 << 20), "{stats:?}");
}

#[test]
fn xz_bomb_stops_at_member_limit() {
    let limits = Limits {
        max_ratio: u64::MAX,
        max_member_bytes: 4 << 20,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    let (seen, stats) = collect(XZ_ZEROS, Format::Xz, &options);
    let error = MemberError::Limit(Limit::MemberBytes(4 << 20));
    assert_eq!(seen[1], Seen::Big("stream".into(), 4 << 20, Some(error)));
    assert_eq!(stats.extracted_bytes, 4 << 20);
}

#[test]
fn xz_bomb_stops_at_total_limit() {
    let limits = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 8 << 20,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    let (seen, stats) = collect(XZ_ZEROS, Format::Xz, &options);
    let limit = Limit::TotalBytes(8 << 20);
    // The bytes decoded before the limit are kept for scanning.
    assert!(
        matches!(&seen[1], Seen::Big(_, len, Some(MemberError::Limit(l))) if *l == limit && *len > 4 << 20),
        "{seen:?}"
    );
    assert_eq!(
        seen[2],
        Seen::Close(String::new(), Some(ArchiveError::Limit(limit)))
    );
    assert!(stats.extracted_bytes <= 8 << 20, "{stats:?}");
}

/// A 42.zip-style chain: `levels` zips deep, each holding `fan_out`
/// copies of the one below, with 4 MiB of zeros in each leaf member.
fn zip_chain(levels: usize, fan_out: usize) -> Vec<u8> {
    let deflate = zeros_deflate(4);
    let crc = crc_of_zeros(4 << 20);
    let leaves: Vec<RawEntry<'_>> = (0..fan_out)
        .map(|n| RawEntry {
            name: format!("zeros{n}.bin"),
            method: 8,
            data: &deflate,
            crc,
            size: 4 << 20,
        })
        .collect();
    let mut bytes = raw_zip(&leaves);
    for level in 2..=levels {
        let names: Vec<String> =
            (0..fan_out).map(|n| format!("l{}-{n}.zip", level - 1)).collect();
        let entries: Vec<(&str, &[u8], SimpleFileOptions)> = names
            .iter()
            .map(|name| (name.as_str(), bytes.as_slice(), deflated()))
            .collect();
        bytes = zip_of(&entries);
    }
    bytes
}

#[test]
fn zip_chain_stops_at_depth_limit() {
    let bytes = zip_chain(5, 8);
    let (seen, stats) = collect(&bytes, Format::Zip, &Options::default());
    let depth_error = Some(MemberError::Limit(Limit::Depth(3)));
    let mut past_depth = 0;
    for event in &seen {
        match event {
            Seen::Member(_, _, error) | Seen::Big(_, _, error) => {
                assert_eq!(error, &depth_error);
                past_depth += 1;
            }
            Seen::Close(_, error) => assert_eq!(error, &None),
            Seen::Open(..) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(past_depth, 8 * 8 * 8);
    assert_eq!(stats.entries, 8 + 8 * 8 + 8 * 8 * 8);
    assert!(stats.extracted_bytes < 64 << 20, "{stats:?}");
}

#[test]
fn zip_chain_stops_at_total_limit() {
    let bytes = zip_chain(5, 8);
    let limits = Limits {
        max_depth: 10,
        max_total_bytes: 16 << 20,
        ..Limits::default()
    };
    let options = Options { limits, ..Options::default() };
    let (seen, stats) = collect(&bytes, Format::Zip, &options);
    assert!(stats.extracted_bytes <= 16 << 20, "{stats:?}");
    let limit = Some(ArchiveError::Limit(Limit::TotalBytes(16 << 20)));
    let closes: Vec<_> = seen
        .iter()
        .filter_map(|seen| match seen {
            Seen::Close(name, error) => Some((name, error)),
            _ => None,
        })
        .collect();
    // The walk ends inside the first leaf archive, and every archive
    // around it reports the stop.
    assert_eq!(closes.len(), 5);
    for (name, error) in closes {
        assert_eq!(error, &limit, "{name}");
    }
    let members = seen.iter().filter(|seen| matches!(seen, Seen::Big(..)));
    assert!(members.count() <= 4);
}

#[test]
fn many_tiny_entries_stop_at_entry_limit() {
    let entries: Vec<RawEntry<'_>> = (0..200_000)
        .map(|n| RawEntry {
            name: format!("f{n}"),
            method: 0,
            data: b"",
            crc: 0,
            size: 0,
        })
        .collect();
    let bytes = raw_zip(&entries);
    let (seen, stats) = collect(&bytes, Format::Zip, &Options::default());
    let members = seen.iter().filter(|seen| matches!(seen, Seen::Member(..)));
    assert_eq!(members.count(), 100_000);
    let limit = Some(ArchiveError::Limit(Limit::Entries(100_000)));
    assert_eq!(seen.last(), Some(&Seen::Close(String::new(), limit)));
    assert_eq!(stats.entries, 100_001);
}

#[test]
fn stream_member_names() {
    let cases = [
        ("sample.tar.gz", "sample.tar"),
        ("sample.TGZ", "sample.tar"),
        ("sample.tbz2", "sample.tar"),
        ("notes.txt.xz", "notes.txt"),
        ("dump.bz2", "dump"),
        (".gz", ".gz.out"),
        ("noext", "noext.out"),
        ("ünï.gz", "ünï"),
    ];
    for (name, expected) in cases {
        assert_eq!(stream_member_name(name), expected, "{name}");
    }
}

#[test]
fn sizes_in_binary_units() {
    let cases = [
        (1 << 30, "1 GiB"),
        (512 << 20, "512 MiB"),
        (3 << 10, "3 KiB"),
        (1000, "1000 bytes"),
        (0, "0 bytes"),
    ];
    for (bytes, expected) in cases {
        assert_eq!(Size(bytes).to_string(), expected);
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn walk_all(bytes: &[u8]) {
        let formats = [
            Format::Zip,
            Format::Tar,
            Format::Gzip,
            Format::Bzip2,
            Format::Xz,
        ];
        let limits = Limits {
            max_total_bytes: 1 << 20,
            max_member_bytes: 1 << 18,
            ratio_free_bytes: 1 << 12,
            ..Limits::default()
        };
        let options = Options { limits, ..Options::default() };
        for format in formats {
            let mut depth = 0i32;
            let stats =
                walk(bytes, format, "s", &options, &mut |event| match event {
                    Event::Open { .. } => depth += 1,
                    Event::Close { .. } => depth -= 1,
                    _ => assert!(depth > 0),
                });
            assert_eq!(depth, 0);
            assert!(stats.extracted_bytes <= 1 << 20);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            walk_all(&bytes);
        }

        #[test]
        fn damaged_archives_never_panic(
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        ) {
            let tar = sample_tar();
            let archives = [
                zip_of(&[("a.txt", b"hello hello hello", deflated())]),
                gzip(&tar, Some("x")),
                bzip2(&tar),
                xz(&tar),
                tar,
            ];
            for mut bytes in archives {
                for &(at, byte) in &flips {
                    let len = bytes.len();
                    bytes[at % len] ^= byte;
                }
                walk_all(&bytes);
            }
        }
    }
}
