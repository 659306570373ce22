//! The parts of a PE file that are scanned as regions of their own, so
//! that an indicator found in them is reported with where it came from:
//! the PDB path, resource strings, version information values and .NET
//! user strings.
//!
//! Each region borrows or transcodes the file bytes the parser located,
//! and its map points at those bytes, so reported offsets are file
//! offsets. The whole-file string scan usually finds the same text as an
//! ASCII or UTF-16 string; values are de-duplicated later, while
//! `--detail` lists both occurrences.

use std::borrow::Cow;
use std::ops::Range;

use trawl_core::OffsetMap;

use super::resources::StringEncoding;
use super::version::VersionString;
use super::Pe;
use crate::{text, Origin, Region};

impl<'a> Pe<'a> {
    /// Returns one region per PDB path, resource string, version
    /// information value and .NET user string, in that order. A string
    /// whose recorded bytes are not all in the file is skipped.
    pub fn regions(&self) -> Vec<Region<'a>> {
        let mut regions = Vec::new();
        for (path, offset) in self.pdb_paths() {
            let encoding = StringEncoding::Ascii;
            regions.extend(self.region(
                offset,
                path.len(),
                encoding,
                Origin::PdbPath,
            ));
        }
        for string in &self.resources.strings {
            regions.extend(self.region(
                string.offset,
                string.length,
                string.encoding,
                Origin::ResourceString,
            ));
        }
        let tables = self.version_info.iter().flat_map(|v| &v.string_tables);
        let strings = tables.flat_map(|table| &table.strings);
        for string in strings.filter(|s| !is_version_number(s)) {
            regions.extend(self.region(
                string.offset,
                string.length,
                StringEncoding::Utf16le,
                Origin::VersionInfo,
            ));
        }
        let user_strings = self.dotnet.iter().flat_map(|d| &d.user_strings);
        for string in user_strings {
            regions.extend(self.region(
                string.offset,
                string.length,
                StringEncoding::Utf16le,
                Origin::DotnetUserString,
            ));
        }
        regions
    }

    /// Returns the file byte ranges of the version information values
    /// that are version numbers, such as `FileVersion` `1.1.0.14`, which
    /// has the form of an IPv4 address. [`Pe::regions`] leaves them out,
    /// and the caller drops the extracted strings that lie inside them,
    /// so that no such number is reported as an address.
    pub fn version_number_spans(&self) -> Vec<Range<usize>> {
        let tables = self.version_info.iter().flat_map(|v| &v.string_tables);
        tables
            .flat_map(|table| &table.strings)
            .filter(|string| is_version_number(string))
            .filter_map(|string| {
                let end = string.offset.checked_add(string.length)?;
                Some(string.offset..end)
            })
            .collect()
    }

    /// Returns the region of the `length` file bytes at `offset`:
    /// borrowed when they are ASCII or UTF-8, transcoded when UTF-16LE.
    fn region(
        &self,
        offset: usize,
        length: usize,
        encoding: StringEncoding,
        origin: Origin,
    ) -> Option<Region<'a>> {
        let end = offset.checked_add(length)?;
        let bytes = self.image.data().get(offset..end)?;
        let region = match encoding {
            StringEncoding::Ascii | StringEncoding::Utf8 => Region {
                text: Cow::Borrowed(bytes),
                map: OffsetMap::shifted(offset),
                origin,
            },
            StringEncoding::Utf16le => {
                Region { origin, ..text::decode_utf16le_at(bytes, offset) }
            }
        };
        Some(region)
    }
}

/// Reports whether `string` is a version number: a value of digits
/// with dots or commas between them (`1.1.0.14`, `10, 0, 1, 2`), under
/// a key that names a version (`FileVersion`, `ProductVersion`,
/// `Assembly Version`). Other keys keep their values, because an address
/// written into `Comments` may well be an indicator.
fn is_version_number(string: &VersionString) -> bool {
    let key_names_version = string
        .key
        .as_bytes()
        .windows(b"version".len())
        .any(|word| word.eq_ignore_ascii_case(b"version"));
    let value = string.value.trim();
    key_names_version
        && value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| matches!(b, b'.' | b','))
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b' '))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::testpe::TestPe;
    use super::super::{dir, parse, PeLimits};
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    /// Writes a resource tree of one `RT_STRING` leaf at RVA 0x1000
    /// whose block contains `strings`, and returns the leaf's file offset.
    fn string_table_pe(strings: &[&str]) -> (Vec<u8>, usize) {
        let mut pe = TestPe::new(false);
        pe.dir(dir::RESOURCE, 0x1000, 0x200);
        // Type, name and language directories, one id entry each.
        for (level, (id, next)) in
            [(6u32, 0x8000_0018u32), (1, 0x8000_0030), (0x409, 0x48)]
                .into_iter()
                .enumerate()
        {
            let at = 0x1000 + 0x18 * level as u32;
            pe.put_rva(at + 14, &1u16.to_le_bytes());
            pe.put_rva_u32(at + 16, id);
            pe.put_rva_u32(at + 20, next);
        }
        let mut block = Vec::new();
        for index in 0..16 {
            let text = strings.get(index).copied().unwrap_or("");
            let units = utf16le(text);
            block.extend((units.len() as u16 / 2).to_le_bytes());
            block.extend(units);
        }
        pe.put_rva_u32(0x1048, 0x1100);
        pe.put_rva_u32(0x104C, block.len() as u32);
        pe.put_rva(0x1100, &block);
        (pe.bytes, TestPe::at(0x1100))
    }

    #[test]
    fn utf16_resource_string_maps_to_file() {
        let (bytes, leaf) = string_table_pe(&["", "ж c2.example.org"]);
        let pe = parse(&bytes, &PeLimits::default());
        let regions = pe.regions();
        let found: Vec<_> = regions
            .iter()
            .filter(|r| r.origin == Origin::ResourceString)
            .collect();
        assert_eq!(found.len(), 1, "{:?}", pe.resources);
        let region = found[0];
        assert_eq!(&*region.text, "ж c2.example.org".as_bytes());
        // Block: an empty string (2 bytes), then the count of the second.
        let text_offset = leaf + 2 + 2;
        assert_eq!(region.map.start(0), text_offset);
        // "c2" is byte 3 of the UTF-8 text and character 2 of the string.
        assert_eq!(region.map.start(3), text_offset + 4);
        assert_eq!(&bytes[text_offset + 4..text_offset + 8], b"c\x002\x00");
    }

    #[test]
    fn pdb_path_region_borrows_file() {
        let mut pe = TestPe::new(false);
        pe.dir(dir::DEBUG, 0x1000, 28);
        pe.put_rva_u32(0x100C, 2);
        pe.put_rva_u32(0x1014, 0x1100);
        pe.put_rva_u32(0x1018, TestPe::at(0x1100) as u32);
        pe.put_rva(0x1100, b"RSDS0123456789abcdef\x01\0\0\0c:\\a.pdb\0");
        let bytes = pe.bytes;
        let parsed = parse(&bytes, &PeLimits::default());
        let regions = parsed.regions();
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].origin, Origin::PdbPath);
        assert_eq!(&*regions[0].text, b"c:\\a.pdb");
        assert!(matches!(regions[0].text, Cow::Borrowed(_)));
        assert_eq!(regions[0].map.start(0), TestPe::at(0x1100) + 24);
    }

    fn version_string(key: &str, value: &str, offset: usize) -> VersionString {
        VersionString {
            key: key.to_owned(),
            value: value.to_owned(),
            offset,
            length: value.len() * 2,
        }
    }

    #[test]
    fn version_numbers_are_not_regions() {
        let mut pe = TestPe::new(false);
        let values = ["1.1.0.14", "8.8.8.8", "10, 0, 1, 2", "1.0 beta"];
        let mut strings = Vec::new();
        for (i, (key, value)) in
            ["FileVersion", "Comments", "ProductVersion", "Assembly Version"]
                .into_iter()
                .zip(values)
                .enumerate()
        {
            let rva = 0x1000 + 0x40 * i as u32;
            pe.put_rva(rva, &utf16le(value));
            strings.push(version_string(key, value, TestPe::at(rva)));
        }
        let bytes = pe.bytes;
        let mut parsed = parse(&bytes, &PeLimits::default());
        parsed.version_info = Some(super::super::version::VersionInfo {
            fixed: None,
            string_tables: vec![super::super::version::StringTable {
                key: "040904B0".to_owned(),
                language: Some(0x409),
                codepage: Some(1200),
                strings,
            }],
            translations: Vec::new(),
        });

        let texts: Vec<_> = parsed
            .regions()
            .into_iter()
            .filter(|r| r.origin == Origin::VersionInfo)
            .map(|r| String::from_utf8(r.text.into_owned()).unwrap())
            .collect();
        assert_eq!(texts, ["8.8.8.8", "1.0 beta"]);

        let first = TestPe::at(0x1000);
        let third = TestPe::at(0x1080);
        assert_eq!(
            parsed.version_number_spans(),
            [first..first + 16, third..third + 22]
        );
    }

    #[test]
    fn version_key_is_matched_without_case() {
        let number = |key: &str, value: &str| {
            is_version_number(&version_string(key, value, 0))
        };
        assert!(number("FILEVERSION", "1.2.3.4"));
        assert!(number("Assembly Version", " 2.0.0.0 "));
        assert!(!number("Comments", "1.2.3.4"));
        assert!(!number("FileVersion", "1234"));
        assert!(!number("FileVersion", "..."));
        assert!(!number("FileVersion", "1.2.3.4-rc1"));
    }

    #[test]
    fn string_past_file_end_skipped() {
        let (bytes, _) = string_table_pe(&["a.example.com"]);
        let mut parsed = parse(&bytes, &PeLimits::default());
        assert_eq!(parsed.regions().len(), 1);
        parsed.resources.strings[0].offset = bytes.len() - 4;
        assert!(parsed.regions().is_empty());
        parsed.resources.strings[0].offset = usize::MAX;
        assert!(parsed.regions().is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_resources_map_inside_file(
            edits in proptest::collection::vec(
                (0x400usize..0x700, proptest::prelude::any::<u16>()),
                1..16,
            ),
            cut in 0x400usize..0x2400,
        ) {
            let (mut bytes, _) = string_table_pe(&[
                "ж c2.example.org",
                "http://a.example.net/x",
                "10.1.2.3",
            ]);
            for (at, value) in edits {
                if let Some(slot) = bytes.get_mut(at..at + 2) {
                    slot.copy_from_slice(&value.to_le_bytes());
                }
            }
            bytes.truncate(cut);
            let pe = parse(&bytes, &PeLimits::default());
            for region in pe.regions() {
                let start = region.map.start(0);
                let end = region.map.end(region.text.len());
                proptest::prop_assert!(start <= end);
                proptest::prop_assert!(end <= bytes.len());
                // Transcoded text must be UTF-8, while borrowed bytes
                // are scanned as they are in the file.
                if let Cow::Owned(text) = &region.text {
                    proptest::prop_assert!(std::str::from_utf8(text).is_ok());
                }
            }
        }
    }
}
