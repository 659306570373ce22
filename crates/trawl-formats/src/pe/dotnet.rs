//! .NET assemblies: the CLR header (data directory 14), the metadata
//! root with its stream headers, and the user strings of the `#US` heap,
//! where string literals of managed code live.
//!
//! The metadata is read as one contiguous file range from the RVA that
//! the CLR header gives, so a stream's file offset is that range's start
//! plus the stream's offset. Stream and string counts are capped, and
//! the `#US` walk moves forward on every entry, so the work is linear in
//! the heap size.

use serde::Serialize;

use super::resources::decode_utf16le;
use super::{read_cstr, read_u16, read_u32, Anomaly, DataDir, RvaMap};

/// Maximum number of stream headers read.
pub const MAX_STREAMS: usize = 16;

/// Maximum number of user strings returned.
pub const MAX_USER_STRINGS: usize = 64 * 1024;

/// Size of IMAGE_COR20_HEADER in bytes.
const CLR_HEADER_LEN: usize = 72;

/// `BSJB`, the metadata root signature.
const METADATA_SIGNATURE: u32 = 0x424A_5342;

/// Maximum length of the metadata version string, in bytes. A longer
/// declared length is reported and ends the metadata parse.
const MAX_VERSION_LEN: usize = 255;

/// Maximum length of a stream name, NUL included.
const MAX_STREAM_NAME: usize = 32;

/// CLR header flags with their COMIMAGE_FLAGS_* names.
const FLAG_NAMES: &[(u32, &str)] = &[
    (0x0000_0001, "ILONLY"),
    (0x0000_0002, "32BITREQUIRED"),
    (0x0000_0004, "IL_LIBRARY"),
    (0x0000_0008, "STRONGNAMESIGNED"),
    (0x0000_0010, "NATIVE_ENTRYPOINT"),
    (0x0001_0000, "TRACKDEBUGDATA"),
    (0x0002_0000, "32BITPREFERRED"),
];

/// The CLR header and what the metadata root leads to. Keys serialize in
/// field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DotNet {
    /// Runtime version from the CLR header, `major.minor`.
    pub runtime_version: String,
    /// The CLR header flags.
    pub flags: u32,
    /// Names of the set flags, in bit order.
    pub flag_names: Vec<&'static str>,
    /// RVA of the metadata root.
    pub metadata_rva: u32,
    /// Declared size of the metadata.
    pub metadata_size: u32,
    /// Version string of the metadata root, such as `v4.0.30319`; `None`
    /// when the root is unreadable or lacks the `BSJB` signature.
    pub metadata_version: Option<String>,
    /// Stream headers in file order.
    pub streams: Vec<Stream>,
    /// Non-empty user strings of the `#US` heap, in heap order.
    pub user_strings: Vec<UserString>,
}

/// A metadata stream header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stream {
    /// Stream name, such as `#~` or `#US`.
    pub name: String,
    /// Offset from the metadata root.
    pub offset: u32,
    /// Size in bytes.
    pub size: u32,
}

/// A string literal from the `#US` heap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserString {
    /// Offset of the entry in the heap, the low 24 bits of its token.
    pub index: u32,
    /// File offset of the UTF-16LE characters.
    pub offset: usize,
    /// Length of the characters in file bytes.
    pub length: usize,
    /// The string as UTF-8.
    pub text: String,
}

/// Parses the CLR header that `dir` locates. Returns `None` when the
/// directory is empty or the header is not in the file.
pub fn parse_dotnet(
    map: &dyn RvaMap,
    dir: DataDir,
) -> (Option<DotNet>, Vec<Anomaly>) {
    let mut anomalies = Vec::new();
    if dir.rva == 0 {
        return (None, anomalies);
    }
    let Some(header) = map.bytes_at(dir.rva, CLR_HEADER_LEN) else {
        anomalies.push(Anomaly::new(
            "dotnet_header_out_of_bounds",
            format!("CLR header at RVA {:#x} is not in the file", dir.rva),
        ));
        return (None, anomalies);
    };

    let field16 = |at| read_u16(header, at).unwrap_or(0);
    let field32 = |at| read_u32(header, at).unwrap_or(0);
    let flags = field32(16);
    let mut dotnet = DotNet {
        runtime_version: format!("{}.{}", field16(4), field16(6)),
        flags,
        flag_names: FLAG_NAMES
            .iter()
            .filter(|&&(bit, _)| flags & bit != 0)
            .map(|&(_, name)| name)
            .collect(),
        metadata_rva: field32(8),
        metadata_size: field32(12),
        ..DotNet::default()
    };
    if let Some((metadata, base)) =
        metadata_bytes(map, &dotnet, &mut anomalies)
    {
        read_metadata(metadata, base, &mut dotnet, &mut anomalies);
    }
    (Some(dotnet), anomalies)
}

/// Returns the metadata bytes and their file offset, cut to the end of
/// the file when the declared size runs past it.
fn metadata_bytes<'a>(
    map: &'a dyn RvaMap,
    dotnet: &DotNet,
    anomalies: &mut Vec<Anomaly>,
) -> Option<(&'a [u8], usize)> {
    let rva = dotnet.metadata_rva;
    let (Some(base), Some(tail)) = (map.offset_of(rva), map.tail_at(rva))
    else {
        anomalies.push(Anomaly::new(
            "dotnet_metadata_out_of_bounds",
            format!("metadata at RVA {rva:#x} is not in the file"),
        ));
        return None;
    };
    let size = usize::try_from(dotnet.metadata_size).unwrap_or(usize::MAX);
    if size > tail.len() {
        anomalies.push(Anomaly::new(
            "dotnet_metadata_truncated",
            format!(
                "metadata declares {size} bytes, {} are in the file",
                tail.len()
            ),
        ));
    }
    Some((tail.get(..size.min(tail.len()))?, base))
}

/// Reads the metadata root, its stream headers and the `#US` heap.
fn read_metadata(
    metadata: &[u8],
    base: usize,
    dotnet: &mut DotNet,
    anomalies: &mut Vec<Anomaly>,
) {
    let signature = read_u32(metadata, 0);
    if signature != Some(METADATA_SIGNATURE) {
        anomalies.push(Anomaly::new(
            "dotnet_metadata_bad_signature",
            format!("metadata root signature is {signature:#x?}, not BSJB"),
        ));
        return;
    }
    let Some(version_len) = read_u32(metadata, 12) else {
        anomalies.push(truncated("metadata root header"));
        return;
    };
    let version_len = usize::try_from(version_len).unwrap_or(usize::MAX);
    if version_len > MAX_VERSION_LEN {
        anomalies.push(Anomaly::new(
            "dotnet_metadata_bad_version",
            format!("version string length {version_len} exceeds 255"),
        ));
        return;
    }
    let version = metadata.get(16..16usize.saturating_add(version_len));
    let Some(version) = version else {
        anomalies.push(truncated("metadata version string"));
        return;
    };
    let text = version.split(|&b| b == 0).next().unwrap_or_default();
    dotnet.metadata_version = Some(String::from_utf8_lossy(text).into_owned());

    let after_version = 16usize.saturating_add(version_len);
    let Some(count) = read_u16(metadata, after_version.saturating_add(2))
    else {
        anomalies.push(truncated("stream count"));
        return;
    };
    let headers = after_version.saturating_add(4);
    dotnet.streams = read_streams(metadata, headers, count, anomalies);

    let heap = dotnet.streams.iter().find(|s| s.name == "#US");
    if let Some(heap) = heap {
        let start = usize::try_from(heap.offset).unwrap_or(usize::MAX);
        let end =
            start.saturating_add(usize::try_from(heap.size).unwrap_or(0));
        let Some(bytes) = metadata.get(start..end.min(metadata.len())) else {
            anomalies.push(truncated("#US heap"));
            return;
        };
        if end > metadata.len() {
            anomalies.push(truncated("#US heap"));
        }
        let heap_base = base.saturating_add(start);
        dotnet.user_strings = user_strings(bytes, heap_base, anomalies);
    }
}

fn read_streams(
    metadata: &[u8],
    mut at: usize,
    count: u16,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<Stream> {
    let mut streams = Vec::new();
    if usize::from(count) > MAX_STREAMS {
        anomalies.push(Anomaly::new(
            "dotnet_too_many_streams",
            format!("{count} streams declared, {MAX_STREAMS} read"),
        ));
    }
    for _ in 0..usize::from(count).min(MAX_STREAMS) {
        let offset = read_u32(metadata, at);
        let size = read_u32(metadata, at.saturating_add(4));
        let name_at = at.saturating_add(8);
        let name = read_cstr(metadata, name_at, MAX_STREAM_NAME);
        let (Some(offset), Some(size), Some(name)) = (offset, size, name)
        else {
            anomalies.push(truncated("stream header"));
            break;
        };
        // The name and its NUL are padded to a multiple of 4 bytes.
        let padded = name.len().saturating_add(1).next_multiple_of(4);
        at = name_at.saturating_add(padded);
        let name = String::from_utf8_lossy(name).into_owned();
        streams.push(Stream { name, offset, size });
    }
    streams
}

/// Walks the `#US` heap: each entry is a compressed length, then that
/// many bytes of UTF-16LE text and one final flag byte.
fn user_strings(
    heap: &[u8],
    heap_base: usize,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<UserString> {
    let mut strings = Vec::new();
    let mut at = 0usize;
    while at < heap.len() {
        let Some((len, prefix)) = compressed_length(heap, at) else {
            anomalies.push(Anomaly::new(
                "dotnet_user_string_bad_length",
                format!("invalid length prefix at #US offset {at:#x}"),
            ));
            break;
        };
        let start = at.saturating_add(prefix);
        let end = start.saturating_add(len);
        let Some(entry) = heap.get(start..end) else {
            anomalies.push(truncated("#US entry"));
            break;
        };
        // An odd length ends with the flag byte; the text is the rest.
        let text = entry.get(..len & !1).unwrap_or_default();
        if !text.is_empty() {
            if strings.len() >= MAX_USER_STRINGS {
                anomalies.push(Anomaly::new(
                    "dotnet_user_strings_truncated",
                    format!("more than {MAX_USER_STRINGS} user strings"),
                ));
                break;
            }
            strings.push(UserString {
                index: u32::try_from(at).unwrap_or(u32::MAX),
                offset: heap_base.saturating_add(start),
                length: text.len(),
                text: decode_utf16le(text),
            });
        }
        at = end;
    }
    strings
}

/// Decodes an ECMA-335 compressed unsigned integer at `at`, returning
/// the value and the bytes it took.
fn compressed_length(heap: &[u8], at: usize) -> Option<(usize, usize)> {
    let byte =
        |i: usize| heap.get(at.checked_add(i)?).copied().map(usize::from);
    let first = byte(0)?;
    if first & 0x80 == 0 {
        Some((first, 1))
    } else if first & 0xC0 == 0x80 {
        Some(((first & 0x3F) << 8 | byte(1)?, 2))
    } else if first & 0xE0 == 0xC0 {
        let value =
            (first & 0x1F) << 24 | byte(1)? << 16 | byte(2)? << 8 | byte(3)?;
        Some((value, 4))
    } else {
        None
    }
}

fn truncated(what: &str) -> Anomaly {
    Anomaly::new(
        "dotnet_metadata_truncated",
        format!("{what} runs past the metadata"),
    )
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::resources::testing::{utf16le, FlatMap};
    use super::*;

    const CLR_RVA: u32 = 0x200;
    const METADATA_RVA: u32 = 0x300;

    fn clr_header(metadata_size: u32) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend(72u32.to_le_bytes());
        h.extend(2u16.to_le_bytes());
        h.extend(5u16.to_le_bytes());
        h.extend(METADATA_RVA.to_le_bytes());
        h.extend(metadata_size.to_le_bytes());
        h.extend(0x0000_0009u32.to_le_bytes());
        h.resize(72, 0);
        h
    }

    fn user_string(text: &str) -> Vec<u8> {
        let chars = utf16le(text);
        let len = chars.len() + 1;
        let mut out = if len < 0x80 {
            vec![len as u8]
        } else {
            vec![0x80 | (len >> 8) as u8, len as u8]
        };
        out.extend(chars);
        out.push(0);
        out
    }

    fn metadata(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let version = b"v4.0.30319\0\0";
        let mut root = Vec::new();
        root.extend(METADATA_SIGNATURE.to_le_bytes());
        root.extend([1, 0, 1, 0, 0, 0, 0, 0]);
        root.extend((version.len() as u32).to_le_bytes());
        root.extend(version);
        root.extend(0u16.to_le_bytes());
        root.extend((streams.len() as u16).to_le_bytes());
        let header_len: usize = streams
            .iter()
            .map(|(n, _)| 8 + (n.len() + 1).next_multiple_of(4))
            .sum();
        let mut offset = root.len() + header_len;
        let mut bodies: Vec<u8> = Vec::new();
        for (name, body) in streams {
            root.extend((offset as u32).to_le_bytes());
            root.extend((body.len() as u32).to_le_bytes());
            let mut padded = name.as_bytes().to_vec();
            padded.push(0);
            padded.resize((name.len() + 1).next_multiple_of(4), 0);
            root.extend(padded);
            offset += body.len();
            bodies.extend(body);
        }
        root.extend(bodies);
        root
    }

    fn image(metadata: &[u8], declared: u32) -> FlatMap {
        let mut file = vec![0u8; CLR_RVA as usize];
        file.extend(clr_header(declared));
        file.resize(METADATA_RVA as usize, 0);
        file.extend(metadata);
        FlatMap(file)
    }

    fn dir() -> DataDir {
        DataDir { rva: CLR_RVA, size: 72 }
    }

    fn codes(anomalies: &[Anomaly]) -> Vec<&'static str> {
        anomalies.iter().map(|a| a.code).collect()
    }

    fn sample_heap() -> Vec<u8> {
        let mut heap = vec![0];
        heap.extend(user_string("http://evil.example/a"));
        heap.extend(user_string(""));
        heap.extend(user_string(&"x".repeat(100)));
        heap.extend([0, 0]);
        heap
    }

    #[test]
    fn user_strings_with_file_offsets() {
        let md = metadata(&[("#~", vec![0; 8]), ("#US", sample_heap())]);
        let map = image(&md, md.len() as u32);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        assert_eq!(anomalies, []);
        let dotnet = dotnet.unwrap();
        assert_eq!(dotnet.runtime_version, "2.5");
        assert_eq!(dotnet.flag_names, ["ILONLY", "STRONGNAMESIGNED"]);
        assert_eq!(dotnet.metadata_version.as_deref(), Some("v4.0.30319"));
        let names: Vec<_> =
            dotnet.streams.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["#~", "#US"]);
        let texts: Vec<_> =
            dotnet.user_strings.iter().map(|s| s.text.clone()).collect();
        assert_eq!(
            texts,
            ["http://evil.example/a".to_string(), "x".repeat(100)]
        );
        let first = &dotnet.user_strings[0];
        assert_eq!(first.index, 1);
        let bytes = &map.0[first.offset..first.offset + first.length];
        assert_eq!(bytes, utf16le("http://evil.example/a"));
        assert_eq!(dotnet.user_strings[1].length, 200);
    }

    #[test]
    fn compressed_lengths_table() {
        type Case = (&'static [u8], Option<(usize, usize)>);
        let cases: [Case; 6] = [
            (&[0x03], Some((3, 1))),
            (&[0x7F], Some((0x7F, 1))),
            (&[0x80, 0x80], Some((0x80, 2))),
            (&[0xBF, 0xFF], Some((0x3FFF, 2))),
            (&[0xC0, 0x00, 0x40, 0x00], Some((0x4000, 4))),
            (&[0xE0], None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(compressed_length(bytes, 0), expected, "{bytes:x?}");
        }
        assert_eq!(compressed_length(&[0x80], 0), None);
        assert_eq!(compressed_length(&[0xC0, 0, 0], 0), None);
    }

    #[test]
    fn bad_signature_keeps_header() {
        let mut md = metadata(&[("#US", sample_heap())]);
        md[0] = b'X';
        let map = image(&md, md.len() as u32);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        let dotnet = dotnet.unwrap();
        assert_eq!(dotnet.metadata_version, None);
        assert!(dotnet.user_strings.is_empty());
        assert_eq!(codes(&anomalies), ["dotnet_metadata_bad_signature"]);
    }

    #[test]
    fn string_length_past_heap_stops_walk() {
        let mut heap = vec![0];
        heap.extend(user_string("kept"));
        heap.extend([0x90, 0x00, b'a', 0]);
        let md = metadata(&[("#US", heap)]);
        let map = image(&md, md.len() as u32);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        let texts: Vec<_> =
            dotnet.unwrap().user_strings.into_iter().map(|s| s.text).collect();
        assert_eq!(texts, ["kept"]);
        assert_eq!(codes(&anomalies), ["dotnet_metadata_truncated"]);
    }

    #[test]
    fn declared_size_past_file_is_cut() {
        let md = metadata(&[("#US", sample_heap())]);
        let map = image(&md, 0x7FFF_0000);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        assert_eq!(dotnet.unwrap().user_strings.len(), 2);
        assert_eq!(codes(&anomalies), ["dotnet_metadata_truncated"]);
    }

    #[test]
    fn huge_stream_count_is_capped() {
        let mut md = metadata(&[("#US", sample_heap())]);
        let count_at = 16 + 12 + 2;
        md[count_at..count_at + 2].copy_from_slice(&0xFFFFu16.to_le_bytes());
        let map = image(&md, md.len() as u32);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        assert!(dotnet.unwrap().streams.len() <= MAX_STREAMS);
        assert_eq!(codes(&anomalies)[0], "dotnet_too_many_streams");
    }

    #[test]
    fn header_past_end_is_absent() {
        let map = FlatMap(vec![0; 0x210]);
        let (dotnet, anomalies) = parse_dotnet(&map, dir());
        assert_eq!(dotnet, None);
        assert_eq!(codes(&anomalies), ["dotnet_header_out_of_bounds"]);
        let (none, anomalies) = parse_dotnet(&map, DataDir::default());
        assert_eq!(none, None);
        assert_eq!(anomalies, []);
    }

    #[test]
    fn every_truncation_is_survived() {
        let md = metadata(&[("#~", vec![0; 8]), ("#US", sample_heap())]);
        for len in 0..md.len() {
            let map = image(&md[..len], md.len() as u32);
            let (dotnet, anomalies) = parse_dotnet(&map, dir());
            assert!(dotnet.is_some());
            assert!(!anomalies.is_empty(), "cut at {len}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn arbitrary_metadata_never_panics(
                bytes in proptest::collection::vec(any::<u8>(), 0..1024),
                declared in prop_oneof![Just(1024u32), any::<u32>()],
                heap in proptest::collection::vec(any::<u8>(), 0..512),
            ) {
                let map = image(&bytes, declared);
                let _ = parse_dotnet(&map, dir());
                let md = metadata(&[("#US", heap)]);
                let map = image(&md, md.len() as u32);
                let (dotnet, _) = parse_dotnet(&map, dir());
                for s in dotnet.unwrap().user_strings {
                    prop_assert!(s.offset + s.length <= map.0.len());
                }
            }
        }
    }
}
