//! The version resource: VS_VERSIONINFO, its VS_FIXEDFILEINFO, the
//! StringFileInfo tables of key/value strings and the VarFileInfo
//! translations.
//!
//! Every block starts with `wLength`, `wValueLength`, `wType` and a
//! NUL-terminated UTF-16 key, then the value and the children, each
//! aligned to 4 bytes from the start of the resource. `wLength` is a
//! `u16`, so the whole structure is at most 64 KiB and that bounds every
//! walk below. A block that claims more bytes than its parent contains
//! is cut to the parent and reported.

use serde::Serialize;

use super::resources::{decode_utf16le, language_tag, ResourceEntry};
use super::{read_u16, read_u32, Anomaly, RvaMap};

/// Maximum number of StringFileInfo tables read.
pub const MAX_STRING_TABLES: usize = 64;

/// Maximum number of strings read from one table.
pub const MAX_STRINGS_PER_TABLE: usize = 1024;

/// Maximum number of translations read.
pub const MAX_TRANSLATIONS: usize = 256;

/// Maximum key length in UTF-16 code units.
const MAX_KEY_UNITS: usize = 256;

/// Size of VS_FIXEDFILEINFO in bytes.
const FIXED_INFO_LEN: usize = 52;

const FIXED_INFO_SIGNATURE: u32 = 0xFEEF_04BD;
const FIXED_INFO_VERSION: u32 = 0x0001_0000;

const HEADER_CODE: &str = "resource_versioninfo_invalid_header";
const FIXED_CODE: &str = "resource_versioninfo_invalid_fixedinfo";
const STRINGS_CODE: &str = "resource_versioninfo_invalid_stringfileinfo";
const VAR_CODE: &str = "resource_versioninfo_invalid_varfileinfo";

/// The decoded version resource. Keys serialize in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionInfo {
    /// The fixed file information, when present and well formed.
    pub fixed: Option<FixedFileInfo>,
    /// StringFileInfo tables in file order.
    pub string_tables: Vec<StringTable>,
    /// VarFileInfo translations in file order.
    pub translations: Vec<Translation>,
}

/// VS_FIXEDFILEINFO without its signature and structure version, which
/// were checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixedFileInfo {
    /// `dwFileVersionMS`/`LS` as `major.minor.build.revision`.
    pub file_version: String,
    /// `dwProductVersionMS`/`LS` as `major.minor.build.revision`.
    pub product_version: String,
    /// `dwFileFlagsMask`.
    pub file_flags_mask: u32,
    /// `dwFileFlags` (VS_FF_DEBUG, VS_FF_PRERELEASE, ...).
    pub file_flags: u32,
    /// `dwFileOS`.
    pub file_os: u32,
    /// `dwFileType` (VFT_APP, VFT_DLL, ...).
    pub file_type: u32,
    /// `dwFileSubtype`.
    pub file_subtype: u32,
    /// `dwFileDateMS`/`LS` as one 64-bit value.
    pub file_date: u64,
}

/// One StringTable: the strings for one language and code page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StringTable {
    /// The table key: 8 hex digits, language then code page.
    pub key: String,
    /// The language from the key; `None` when the key is not 8 hex
    /// digits.
    pub language: Option<u16>,
    /// The code page from the key; `None` when the key is not 8 hex
    /// digits.
    pub codepage: Option<u16>,
    /// The strings in file order.
    pub strings: Vec<VersionString>,
}

/// A key/value pair such as `CompanyName`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionString {
    /// The key.
    pub key: String,
    /// The value, up to its first NUL.
    pub value: String,
    /// File offset of the value's UTF-16LE bytes.
    pub offset: usize,
    /// Length of the value in file bytes, without the NUL.
    pub length: usize,
}

/// A language and code page pair from `VarFileInfo\Translation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Translation {
    /// The LANGID.
    pub language: u16,
    /// Its BCP-47 tag, when known.
    pub language_name: Option<&'static str>,
    /// The code page.
    pub codepage: u16,
}

/// Decodes the first `RT_VERSION` leaf, by name then language, of
/// `entries`. Returns `None` when there is none or its data is not in
/// the file.
pub fn parse_version_info(
    map: &dyn RvaMap,
    entries: &[ResourceEntry],
) -> (Option<VersionInfo>, Vec<Anomaly>) {
    let leaf = entries
        .iter()
        .filter(|e| e.resource_type == "RT_VERSION")
        .min_by(|a, b| (&a.name, a.language).cmp(&(&b.name, b.language)));
    let Some(leaf) = leaf else { return (None, Vec::new()) };

    let size = leaf.size.and_then(|s| usize::try_from(s).ok());
    let data = size.and_then(|size| map.bytes_at(leaf.rva, size));
    match (data, leaf.raw_offset) {
        (Some(data), Some(offset)) => {
            let (info, anomalies) = parse_version_block(data, offset);
            (Some(info), anomalies)
        }
        _ => {
            let detail = format!(
                "version data at RVA {:#x} is not in the file",
                leaf.rva
            );
            (None, vec![Anomaly::new(HEADER_CODE, detail)])
        }
    }
}

/// Decodes a VS_VERSIONINFO block found at file offset `base`.
pub fn parse_version_block(
    data: &[u8],
    base: usize,
) -> (VersionInfo, Vec<Anomaly>) {
    let mut parser = Parser {
        data,
        base,
        anomalies: Vec::new(),
        info: VersionInfo::default(),
    };
    parser.root();
    (parser.info, parser.anomalies)
}

/// A block header with the positions of its parts, relative to the
/// start of the resource.
#[derive(Clone, Debug)]
struct Block {
    start: usize,
    end: usize,
    value_len: u16,
    key: String,
    value: usize,
}

impl Block {
    /// Returns where the children start: after the value, which the
    /// caller sized, aligned to 4.
    fn children(&self, value_bytes: usize) -> usize {
        align4(self.value.saturating_add(value_bytes)).min(self.end)
    }
}

struct Parser<'a> {
    data: &'a [u8],
    base: usize,
    anomalies: Vec<Anomaly>,
    info: VersionInfo,
}

impl Parser<'_> {
    fn root(&mut self) {
        let Some(root) = self.block(0, self.data.len(), HEADER_CODE) else {
            if self.data.len() < 6 {
                self.anomaly(HEADER_CODE, "shorter than a block header");
            }
            return;
        };
        if root.key != "VS_VERSION_INFO" {
            self.anomaly(
                HEADER_CODE,
                format!("root key is {:?}, not VS_VERSION_INFO", root.key),
            );
        }
        let value_len = usize::from(root.value_len);
        if value_len != 0 {
            self.fixed_info(&root, value_len);
        }
        for child in
            self.children(&root, root.children(value_len), HEADER_CODE)
        {
            match child.key.as_str() {
                "StringFileInfo" => self.string_file_info(&child),
                "VarFileInfo" => self.var_file_info(&child),
                other => self.anomaly(
                    HEADER_CODE,
                    format!("unknown child {other:?} at +{:#x}", child.start),
                ),
            }
        }
    }

    fn fixed_info(&mut self, root: &Block, value_len: usize) {
        if value_len != FIXED_INFO_LEN {
            self.anomaly(
                FIXED_CODE,
                format!("value length {value_len}, expected {FIXED_INFO_LEN}"),
            );
        }
        let end = root.value.saturating_add(FIXED_INFO_LEN);
        let Some(bytes) =
            self.data.get(root.value..end).filter(|_| end <= root.end)
        else {
            self.anomaly(FIXED_CODE, "VS_FIXEDFILEINFO runs past its block");
            return;
        };
        let field = |index: usize| {
            read_u32(bytes, index.saturating_mul(4)).unwrap_or(0)
        };
        if field(0) != FIXED_INFO_SIGNATURE {
            self.anomaly(FIXED_CODE, format!("signature {:#010x}", field(0)));
            return;
        }
        if field(1) != FIXED_INFO_VERSION {
            self.anomaly(
                FIXED_CODE,
                format!("struct version {:#010x}", field(1)),
            );
        }
        self.info.fixed = Some(FixedFileInfo {
            file_version: dotted(field(2), field(3)),
            product_version: dotted(field(4), field(5)),
            file_flags_mask: field(6),
            file_flags: field(7),
            file_os: field(8),
            file_type: field(9),
            file_subtype: field(10),
            file_date: u64::from(field(11)) << 32 | u64::from(field(12)),
        });
    }

    fn string_file_info(&mut self, info: &Block) {
        let children = self.children(info, info.children(0), STRINGS_CODE);
        for table in children {
            if self.info.string_tables.len() >= MAX_STRING_TABLES {
                self.anomaly(STRINGS_CODE, "too many string tables");
                return;
            }
            let parsed = self.string_table(&table);
            self.info.string_tables.push(parsed);
        }
    }

    fn string_table(&mut self, table: &Block) -> StringTable {
        let ids = parse_table_key(&table.key);
        if ids.is_none() {
            self.anomaly(
                STRINGS_CODE,
                format!("table key {:?} is not 8 hex digits", table.key),
            );
        }
        let mut strings = Vec::new();
        for entry in self.children(table, table.children(0), STRINGS_CODE) {
            if strings.len() >= MAX_STRINGS_PER_TABLE {
                self.anomaly(STRINGS_CODE, "too many strings in one table");
                break;
            }
            strings.push(self.string(&entry));
        }
        StringTable {
            key: table.key.clone(),
            language: ids.map(|(language, _)| language),
            codepage: ids.map(|(_, codepage)| codepage),
            strings,
        }
    }

    /// Reads a String block's value up to its first NUL or the block
    /// end. `wValueLength` counts characters but is often wrong, so the
    /// block end bounds the value instead.
    fn string(&mut self, entry: &Block) -> VersionString {
        let raw = self.data.get(entry.value..entry.end).unwrap_or_default();
        let units = raw.chunks_exact(2).take_while(|pair| *pair != [0, 0]);
        let length = units.count().saturating_mul(2);
        let value = raw.get(..length).unwrap_or_default();
        VersionString {
            key: entry.key.clone(),
            value: decode_utf16le(value),
            offset: self.base.saturating_add(entry.value),
            length,
        }
    }

    fn var_file_info(&mut self, info: &Block) {
        for var in self.children(info, info.children(0), VAR_CODE) {
            if var.key != "Translation" {
                self.anomaly(
                    VAR_CODE,
                    format!("unknown Var key {:?}", var.key),
                );
                continue;
            }
            let len = usize::from(var.value_len);
            if len % 4 != 0 {
                self.anomaly(
                    VAR_CODE,
                    format!("translation length {len} is not whole DWORDs"),
                );
            }
            let end = var.value.saturating_add(len).min(var.end);
            let bytes = self.data.get(var.value..end).unwrap_or_default();
            for pair in bytes.chunks_exact(4) {
                if self.info.translations.len() >= MAX_TRANSLATIONS {
                    self.anomaly(VAR_CODE, "too many translations");
                    return;
                }
                let language = read_u16(pair, 0).unwrap_or(0);
                self.info.translations.push(Translation {
                    language,
                    language_name: language_tag(language),
                    codepage: read_u16(pair, 2).unwrap_or(0),
                });
            }
        }
    }

    /// Returns the child blocks of `parent` from `start`. A child with a
    /// length too small for its header ends the list, which guarantees
    /// progress.
    fn children(
        &mut self,
        parent: &Block,
        start: usize,
        code: &'static str,
    ) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut at = start;
        while at.saturating_add(6) <= parent.end {
            let Some(block) = self.block(at, parent.end, code) else { break };
            at = align4(block.end);
            blocks.push(block);
        }
        blocks
    }

    /// Reads the block header at `start`, whose parent ends at `limit`.
    fn block(
        &mut self,
        start: usize,
        limit: usize,
        code: &'static str,
    ) -> Option<Block> {
        let length = usize::from(read_u16(self.data, start)?);
        let value_len = read_u16(self.data, start.saturating_add(2))?;
        // wType (text or binary) is often wrong, so it is not checked.
        read_u16(self.data, start.saturating_add(4))?;
        let declared_end = start.saturating_add(length);
        let end = declared_end.min(limit);
        if declared_end > limit {
            self.anomaly(
                code,
                format!(
                    "block at +{start:#x} claims {length} bytes, parent \
                     ends at +{limit:#x}"
                ),
            );
        }

        let key_start = start.saturating_add(6);
        let key_bytes = self.data.get(key_start..end).unwrap_or_default();
        let key_units = key_bytes
            .chunks_exact(2)
            .take(MAX_KEY_UNITS)
            .position(|pair| pair == [0, 0]);
        let Some(key_units) = key_units else {
            self.anomaly(
                code,
                format!("block at +{start:#x} has no terminated key"),
            );
            return None;
        };
        let key_len = key_units.saturating_mul(2);
        let key = decode_utf16le(key_bytes.get(..key_len).unwrap_or_default());
        let value =
            align4(key_start.saturating_add(key_len).saturating_add(2));
        Some(Block { start, end, value_len, key, value: value.min(end) })
    }

    fn anomaly(&mut self, code: &'static str, detail: impl Into<String>) {
        self.anomalies.push(Anomaly::new(code, detail));
    }
}

/// Splits a table key such as `040904B0` into language and code page.
fn parse_table_key(key: &str) -> Option<(u16, u16)> {
    if key.len() != 8 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let language = u16::from_str_radix(key.get(..4)?, 16).ok()?;
    let codepage = u16::from_str_radix(key.get(4..)?, 16).ok()?;
    Some((language, codepage))
}

fn dotted(most: u32, least: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        most >> 16,
        most & 0xFFFF,
        least >> 16,
        least & 0xFFFF
    )
}

fn align4(offset: usize) -> usize {
    offset.checked_next_multiple_of(4).unwrap_or(usize::MAX)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::resources::testing::{utf16le, FlatMap};
    use super::super::resources::ResourceId;
    use super::*;

    /// Builds a block with a correct `wLength` from its parts.
    fn block(
        key: &str,
        kind: u16,
        value: &[u8],
        value_len: u16,
        children: &[Vec<u8>],
    ) -> Vec<u8> {
        let mut out = vec![0; 6];
        out.extend(utf16le(key));
        out.extend([0, 0]);
        pad(&mut out);
        out.extend(value);
        pad(&mut out);
        for child in children {
            out.extend(child);
            pad(&mut out);
        }
        let len = out.len() as u16;
        out[0..2].copy_from_slice(&len.to_le_bytes());
        out[2..4].copy_from_slice(&value_len.to_le_bytes());
        out[4..6].copy_from_slice(&kind.to_le_bytes());
        out
    }

    fn pad(out: &mut Vec<u8>) {
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }

    fn fixed(signature: u32) -> Vec<u8> {
        let fields = [
            signature,
            0x0001_0000,
            0x0001_0002,
            0x0003_0004,
            0x0005_0006,
            0x0007_0008,
            0x3F,
            0,
            4,
            1,
            0,
            0,
            0,
        ];
        fields.iter().flat_map(|f| f.to_le_bytes()).collect()
    }

    fn string(key: &str, value: &str) -> Vec<u8> {
        let mut bytes = utf16le(value);
        bytes.extend([0, 0]);
        let chars = value.encode_utf16().count() as u16 + 1;
        block(key, 1, &bytes, chars, &[])
    }

    fn sample(signature: u32) -> Vec<u8> {
        let table = block(
            "040904B0",
            1,
            &[],
            0,
            &[
                string("CompanyName", "Example Corp"),
                string("FileVersion", "1.2.3.4"),
            ],
        );
        let strings = block("StringFileInfo", 1, &[], 0, &[table]);
        let translation = [0x09, 0x04, 0xB0, 0x04];
        let var = block("Translation", 0, &translation, 4, &[]);
        let vars = block("VarFileInfo", 1, &[], 0, &[var]);
        block("VS_VERSION_INFO", 0, &fixed(signature), 52, &[strings, vars])
    }

    fn codes(anomalies: &[Anomaly]) -> Vec<&'static str> {
        anomalies.iter().map(|a| a.code).collect()
    }

    #[test]
    fn well_formed_version_info() {
        let data = sample(FIXED_INFO_SIGNATURE);
        let (info, anomalies) = parse_version_block(&data, 0x400);
        assert_eq!(anomalies, []);
        let fixed = info.fixed.unwrap();
        assert_eq!(fixed.file_version, "1.2.3.4");
        assert_eq!(fixed.product_version, "5.6.7.8");
        assert_eq!(fixed.file_type, 1);
        let table = &info.string_tables[0];
        assert_eq!(table.key, "040904B0");
        assert_eq!(
            (table.language, table.codepage),
            (Some(0x409), Some(1200))
        );
        let pairs: Vec<_> = table
            .strings
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("CompanyName", "Example Corp"), ("FileVersion", "1.2.3.4")]
        );
        let first = &table.strings[0];
        let at = first.offset - 0x400;
        assert_eq!(&data[at..at + first.length], utf16le("Example Corp"));
        assert_eq!(
            info.translations,
            [Translation {
                language: 0x409,
                language_name: Some("en-US"),
                codepage: 1200
            }]
        );
    }

    #[test]
    fn bad_fixed_signature_is_anomaly() {
        let (info, anomalies) = parse_version_block(&sample(0xDEAD_BEEF), 0);
        assert_eq!(info.fixed, None);
        assert_eq!(codes(&anomalies), [FIXED_CODE]);
        assert_eq!(info.string_tables.len(), 1);
    }

    #[test]
    fn wrong_root_key_is_anomaly() {
        let data =
            block("VS_VERSION_INFX", 0, &fixed(FIXED_INFO_SIGNATURE), 52, &[]);
        let (info, anomalies) = parse_version_block(&data, 0);
        assert!(info.fixed.is_some());
        assert_eq!(codes(&anomalies), [HEADER_CODE]);
    }

    #[test]
    fn child_longer_than_parent_is_cut() {
        let mut data = sample(FIXED_INFO_SIGNATURE);
        // The StringFileInfo block starts right after the fixed info.
        let at = 6 + 32 + 2 + 52;
        data[at..at + 2].copy_from_slice(&0xFFFFu16.to_le_bytes());
        let (info, anomalies) = parse_version_block(&data, 0);
        assert!(codes(&anomalies).contains(&HEADER_CODE));
        // The VarFileInfo block now reads as a second, malformed table.
        assert_eq!(info.string_tables[0].strings.len(), 2);
        assert!(codes(&anomalies).contains(&STRINGS_CODE));
    }

    #[test]
    fn truncations_never_panic_and_report() {
        let data = sample(FIXED_INFO_SIGNATURE);
        for len in 0..data.len() {
            let (_, anomalies) = parse_version_block(&data[..len], 0);
            if len > 0 {
                assert!(!anomalies.is_empty(), "cut at {len}");
            }
        }
    }

    #[test]
    fn zero_length_children_end_the_list() {
        let zero = vec![0u8; 64];
        let data = block("VS_VERSION_INFO", 0, &[], 0, &[zero]);
        let (info, _) = parse_version_block(&data, 0);
        assert_eq!(info, VersionInfo::default());
    }

    #[test]
    fn odd_translation_length_is_anomaly() {
        let var = block("Translation", 0, &[9, 4, 0xB0, 4, 7, 0], 6, &[]);
        let vars = block("VarFileInfo", 1, &[], 0, &[var]);
        let data = block("VS_VERSION_INFO", 0, &[], 0, &[vars]);
        let (info, anomalies) = parse_version_block(&data, 0);
        assert_eq!(codes(&anomalies), [VAR_CODE]);
        assert_eq!(info.translations.len(), 1);
    }

    #[test]
    fn bad_table_key_is_anomaly() {
        let table = block("english", 1, &[], 0, &[string("A", "b")]);
        let strings = block("StringFileInfo", 1, &[], 0, &[table]);
        let data = block("VS_VERSION_INFO", 0, &[], 0, &[strings]);
        let (info, anomalies) = parse_version_block(&data, 0);
        assert_eq!(codes(&anomalies), [STRINGS_CODE]);
        assert_eq!(info.string_tables[0].language, None);
        assert_eq!(info.string_tables[0].strings[0].value, "b");
    }

    #[test]
    fn first_version_leaf_is_chosen() {
        let data = sample(FIXED_INFO_SIGNATURE);
        let mut file = vec![0u8; 0x100];
        file.extend(&data);
        let map = FlatMap(file);
        let entry = |name: u32, rva: u32| ResourceEntry {
            resource_type: "RT_VERSION".into(),
            name: ResourceId::Id(name),
            language: Some(0x409),
            language_name: None,
            codepage: None,
            size: Some(data.len() as u32),
            entropy: None,
            rva,
            raw_offset: Some(rva as usize),
            errors: None,
        };
        let entries = [entry(2, 0x10), entry(1, 0x100)];
        let (info, anomalies) = parse_version_info(&map, &entries);
        assert_eq!(anomalies, []);
        let offset = info.unwrap().string_tables[0].strings[0].offset;
        assert!((0x100..0x100 + data.len()).contains(&offset));
        let (none, _) = parse_version_info(&map, &[]);
        assert_eq!(none, None);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn arbitrary_blocks_never_panic(
                bytes in proptest::collection::vec(
                    prop_oneof![Just(0u8), Just(4), Just(0x20), any::<u8>()],
                    0..1024,
                ),
            ) {
                let (info, _) = parse_version_block(&bytes, 7);
                for table in &info.string_tables {
                    for s in &table.strings {
                        prop_assert!(s.offset - 7 + s.length <= bytes.len());
                    }
                }
            }

            #[test]
            fn mutated_sample_never_panics(
                at in 0usize..400,
                value in any::<u8>(),
            ) {
                let mut data = sample(FIXED_INFO_SIGNATURE);
                let at = at % data.len();
                data[at] = value;
                let _ = parse_version_block(&data, 0);
            }
        }
    }
}
