//! The resource directory: a three-level tree (type, name, language)
//! whose leaves point at resource data, and the text inside string
//! tables, manifests and RCDATA or HTML leaves.
//!
//! The tree is found through the resource data directory, never through
//! a section name. Offsets inside the tree are relative to the directory
//! start, while each data entry contains an RVA, so every read goes through
//! the [`RvaMap`]. A walk visits each directory at most once, stops
//! descending at the language level and reads at most
//! [`MAX_RESOURCE_ENTRIES`] entries, so a hostile tree costs time linear
//! in that cap whatever its counts and links say.

use std::collections::HashSet;

use serde::Serialize;

use super::{read_u16, read_u32, Anomaly, DataDir, RvaMap};
use crate::{strings, Origin};

/// Maximum number of directory entries read in the whole tree.
pub const MAX_RESOURCE_ENTRIES: usize = 16 * 1024;

/// Maximum number of resource strings returned.
pub const MAX_RESOURCE_STRINGS: usize = 64 * 1024;

/// Largest leaf, in bytes, whose text is extracted.
pub const MAX_TEXT_LEAF: usize = 16 * 1024 * 1024;

/// Maximum length, in UTF-16 code units, of a type or name string.
const MAX_NAME_UNITS: usize = 256;

/// Minimum length, in characters, of a printable run in an RCDATA or
/// HTML leaf.
const MIN_TEXT_RUN: usize = 4;

/// Levels of the tree: type, name, language.
const MAX_DEPTH: usize = 3;

const RT_STRING: u32 = 6;
const RT_RCDATA: u32 = 10;
const RT_HTML: u32 = 23;
const RT_MANIFEST: u32 = 24;

/// An entry identifier: a string name or an integer id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum ResourceId {
    /// An integer id.
    Id(u32),
    /// A name stored as a counted UTF-16 string.
    Name(String),
}

impl ResourceId {
    fn id(&self) -> Option<u32> {
        match self {
            ResourceId::Id(id) => Some(*id),
            ResourceId::Name(_) => None,
        }
    }
}

/// One resource data leaf. Keys serialize in field order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceEntry {
    /// `RT_*` name of a known type id, `RT_UNKNOWN_<id>` for other ids,
    /// or the type's string name.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The name-level identifier: a string name or an integer id.
    pub name: ResourceId,
    /// The LANGID of the language-level entry; `None` when that entry is
    /// named.
    pub language: Option<u16>,
    /// BCP-47 tag of `language`, such as `en-US`; `None` for neutral or
    /// unknown languages.
    pub language_name: Option<&'static str>,
    /// Code page of the data entry; `None` when 0.
    pub codepage: Option<u32>,
    /// Size of the data in bytes; `None` when 0.
    pub size: Option<u32>,
    /// Shannon entropy of the data in bits per byte, rounded to 4
    /// decimals; `None` when the data is not all in the file.
    pub entropy: Option<f64>,
    /// RVA of the data.
    pub rva: u32,
    /// File offset of the data; `None` when the RVA maps to no file
    /// byte.
    pub raw_offset: Option<usize>,
    /// `size_invalid`, `rva_invalid` or `data_out_of_bounds`; `None`
    /// when the data is readable.
    pub errors: Option<Vec<&'static str>>,
}

/// The kind of leaf a resource string comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceStringKind {
    /// One string of an `RT_STRING` block.
    StringTable,
    /// The XML text of an `RT_MANIFEST` leaf.
    Manifest,
    /// A printable run in an `RT_RCDATA` or `RT_HTML` leaf.
    Text,
}

/// The encoding of a resource string's bytes in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StringEncoding {
    /// Printable ASCII.
    Ascii,
    /// UTF-8, decoded with U+FFFD for invalid bytes.
    Utf8,
    /// UTF-16LE, transcoded to UTF-8.
    Utf16le,
}

/// Text found in a resource leaf, with the file bytes it came from so
/// that it can be scanned as a region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceString {
    /// The kind of leaf the text came from.
    pub kind: ResourceStringKind,
    /// File offset of the first byte of the text.
    pub offset: usize,
    /// Length of the text in file bytes.
    pub length: usize,
    /// Encoding of those bytes.
    pub encoding: StringEncoding,
    /// The text as UTF-8.
    pub text: String,
}

/// The parsed resource directory.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Resources {
    /// One entry per data leaf, sorted by type, language and RVA.
    pub entries: Vec<ResourceEntry>,
    /// Text from string tables, manifests and RCDATA or HTML leaves, in
    /// the order the tree walk reached their leaves.
    pub strings: Vec<ResourceString>,
}

/// Parses the resource tree that `dir` locates. Malformations become
/// anomalies, and every leaf read before one stays in the result.
pub fn parse_resources(
    map: &dyn RvaMap,
    dir: DataDir,
) -> (Resources, Vec<Anomaly>) {
    let mut walker = Walker {
        map,
        root: dir.rva,
        visited: HashSet::new(),
        entries_read: 0,
        leaves: Vec::new(),
        anomalies: Vec::new(),
    };
    if dir.rva != 0 {
        walker.walk_directory(0, &[]);
    }
    let Walker { leaves, mut anomalies, .. } = walker;

    let mut entries: Vec<ResourceEntry> = Vec::with_capacity(leaves.len());
    let mut hashed = Budget::new(map.file().len());
    for leaf in &leaves {
        entries.push(leaf.entry(map, &mut hashed));
    }
    if hashed.exhausted {
        anomalies.push(Anomaly::new(
            "resource_entropy_budget_exhausted",
            "leaf data overlaps so much that entropy was skipped for later \
             leaves",
        ));
    }
    let strings = leaf_strings(map, &leaves, &mut anomalies);

    entries.sort_by(|a, b| {
        let key = |e: &ResourceEntry| {
            (e.resource_type.clone(), e.language.map_or(-1, i32::from), e.rva)
        };
        key(a).cmp(&key(b))
    });
    (Resources { entries, strings }, anomalies)
}

/// A data leaf reached through type, name and language entries.
#[derive(Clone, Debug)]
struct Leaf {
    path: [ResourceId; MAX_DEPTH],
    rva: u32,
    size: u32,
    codepage: u32,
}

impl Leaf {
    fn type_id(&self) -> Option<u32> {
        self.path.first().and_then(ResourceId::id)
    }

    fn entry(&self, map: &dyn RvaMap, budget: &mut Budget) -> ResourceEntry {
        let [kind, name, language] = &self.path;
        let language = language.id().and_then(|id| u16::try_from(id).ok());
        let raw_offset = map.offset_of(self.rva);
        let data = self.data(map);

        let mut errors = Vec::new();
        if self.size == 0 {
            errors.push("size_invalid");
        }
        if raw_offset.is_none() {
            errors.push("rva_invalid");
        } else if data.is_none() {
            errors.push("data_out_of_bounds");
        }
        let entropy = data
            .filter(|bytes| !bytes.is_empty() && budget.spend(bytes.len()))
            .map(|bytes| round4(shannon_entropy(bytes)));

        ResourceEntry {
            resource_type: type_name(kind),
            name: name.clone(),
            language,
            language_name: language.and_then(language_tag),
            codepage: (self.codepage != 0).then_some(self.codepage),
            size: (self.size != 0).then_some(self.size),
            entropy,
            rva: self.rva,
            raw_offset,
            errors: (!errors.is_empty()).then_some(errors),
        }
    }

    fn data<'a>(&self, map: &'a dyn RvaMap) -> Option<&'a [u8]> {
        let len = usize::try_from(self.size).ok()?;
        map.bytes_at(self.rva, len)
    }
}

/// A cap on bytes read for entropy or text, so leaves that all point at
/// the same large range cost no more than reading the file twice.
struct Budget {
    left: usize,
    exhausted: bool,
}

impl Budget {
    fn new(file_len: usize) -> Budget {
        Budget { left: file_len.saturating_mul(2), exhausted: false }
    }

    fn spend(&mut self, len: usize) -> bool {
        match self.left.checked_sub(len) {
            Some(left) => {
                self.left = left;
                true
            }
            None => {
                self.exhausted = true;
                false
            }
        }
    }
}

struct Walker<'a> {
    map: &'a dyn RvaMap,
    root: u32,
    visited: HashSet<u32>,
    entries_read: usize,
    leaves: Vec<Leaf>,
    anomalies: Vec<Anomaly>,
}

impl Walker<'_> {
    /// Reads the directory at `offset` from the root, whose entries sit at
    /// depth `path.len()`.
    fn walk_directory(&mut self, offset: u32, path: &[ResourceId]) {
        if !self.visited.insert(offset) {
            self.anomaly(
                "resource_directory_loop",
                format!("directory at +{offset:#x} is reached twice"),
            );
            return;
        }
        let Some(header) = self.bytes(offset, 16) else {
            self.anomaly(
                "resource_directory_out_of_bounds",
                format!("directory at +{offset:#x} is not in the file"),
            );
            return;
        };
        let named = read_u16(header, 12).unwrap_or(0);
        let ids = read_u16(header, 14).unwrap_or(0);
        let count = u32::from(named).saturating_add(u32::from(ids));

        for index in 0..count {
            if self.entries_read >= MAX_RESOURCE_ENTRIES {
                self.anomaly(
                    "resource_entries_truncated",
                    format!(
                        "more than {MAX_RESOURCE_ENTRIES} directory entries"
                    ),
                );
                return;
            }
            self.entries_read = self.entries_read.saturating_add(1);
            let at = index
                .checked_mul(8)
                .and_then(|x| x.checked_add(16))
                .and_then(|x| x.checked_add(offset));
            let entry = at.and_then(|at| self.bytes(at, 8));
            let (Some(name), Some(target)) = (
                entry.and_then(|e| read_u32(e, 0)),
                entry.and_then(|e| read_u32(e, 4)),
            ) else {
                self.anomaly(
                    "resource_directory_truncated",
                    format!(
                        "directory at +{offset:#x} declares {count} \
                         entries, entry {index} is not in the file"
                    ),
                );
                return;
            };
            self.walk_entry(name, target, path);
        }
    }

    fn walk_entry(&mut self, name: u32, target: u32, path: &[ResourceId]) {
        let id = self.entry_id(name);
        let mut child: Vec<ResourceId> = path.to_vec();
        child.push(id);
        let is_directory = target & 0x8000_0000 != 0;
        let target = target & 0x7FFF_FFFF;

        match (is_directory, child.len()) {
            (true, depth) if depth < MAX_DEPTH => {
                self.walk_directory(target, &child);
            }
            (true, _) => self.anomaly(
                "resource_directory_too_deep",
                format!(
                    "subdirectory at +{target:#x} below the language level"
                ),
            ),
            (false, MAX_DEPTH) => self.read_leaf(target, child),
            (false, depth) => self.anomaly(
                "resource_data_at_invalid_depth",
                format!("data entry at +{target:#x} at level {depth}"),
            ),
        }
    }

    fn read_leaf(&mut self, offset: u32, path: Vec<ResourceId>) {
        let Some(data_entry) = self.bytes(offset, 16) else {
            self.anomaly(
                "resource_data_entry_out_of_bounds",
                format!("data entry at +{offset:#x} is not in the file"),
            );
            return;
        };
        let Ok(path) = <[ResourceId; MAX_DEPTH]>::try_from(path) else {
            return;
        };
        self.leaves.push(Leaf {
            path,
            rva: read_u32(data_entry, 0).unwrap_or(0),
            size: read_u32(data_entry, 4).unwrap_or(0),
            codepage: read_u32(data_entry, 8).unwrap_or(0),
        });
    }

    /// Returns the id or, when the high bit is set, the counted UTF-16
    /// name at that offset from the root.
    fn entry_id(&mut self, name: u32) -> ResourceId {
        if name & 0x8000_0000 == 0 {
            return ResourceId::Id(name);
        }
        let offset = name & 0x7FFF_FFFF;
        let units = self.bytes(offset, 2).and_then(|b| read_u16(b, 0));
        let Some(units) = units else {
            self.anomaly(
                "resource_name_out_of_bounds",
                format!("name at +{offset:#x} is not in the file"),
            );
            return ResourceId::Name(String::new());
        };
        let kept = usize::from(units).min(MAX_NAME_UNITS);
        let text = offset
            .checked_add(2)
            .and_then(|start| self.bytes(start, kept.saturating_mul(2)));
        match text {
            Some(bytes) => ResourceId::Name(decode_utf16le(bytes)),
            None => {
                self.anomaly(
                    "resource_name_out_of_bounds",
                    format!("name at +{offset:#x} runs past the file"),
                );
                ResourceId::Name(String::new())
            }
        }
    }

    fn bytes(&self, offset: u32, len: usize) -> Option<&[u8]> {
        self.map.bytes_at(self.root.checked_add(offset)?, len)
    }

    fn anomaly(&mut self, code: &'static str, detail: String) {
        self.anomalies.push(Anomaly::new(code, detail));
    }
}

/// Extracts the text of string-table, manifest, RCDATA and HTML leaves.
fn leaf_strings(
    map: &dyn RvaMap,
    leaves: &[Leaf],
    anomalies: &mut Vec<Anomaly>,
) -> Vec<ResourceString> {
    let mut out = Vec::new();
    let mut budget = Budget::new(map.file().len());
    for leaf in leaves {
        let Some(kind) = leaf.type_id() else { continue };
        if !matches!(kind, RT_STRING | RT_MANIFEST | RT_RCDATA | RT_HTML) {
            continue;
        }
        let (Some(data), Some(offset)) =
            (leaf.data(map), map.offset_of(leaf.rva))
        else {
            continue;
        };
        if data.len() > MAX_TEXT_LEAF || !budget.spend(data.len()) {
            continue;
        }
        match kind {
            RT_STRING => string_table(data, offset, &mut out),
            RT_MANIFEST => out.push(manifest(data, offset)),
            _ => printable_runs(data, offset, &mut out),
        }
        if out.len() > MAX_RESOURCE_STRINGS {
            out.truncate(MAX_RESOURCE_STRINGS);
            anomalies.push(Anomaly::new(
                "resource_strings_truncated",
                format!("more than {MAX_RESOURCE_STRINGS} resource strings"),
            ));
            break;
        }
    }
    out
}

/// Reads the 16 counted UTF-16 strings of an `RT_STRING` block, keeping
/// the non-empty ones. A count past the end of the leaf ends the block.
fn string_table(data: &[u8], base: usize, out: &mut Vec<ResourceString>) {
    let mut at = 0usize;
    for _ in 0..16 {
        let Some(units) = read_u16(data, at) else { return };
        let start = at.saturating_add(2);
        let length = usize::from(units).saturating_mul(2);
        let end = start.saturating_add(length);
        let Some(bytes) = data.get(start..end) else { return };
        if !bytes.is_empty() {
            out.push(ResourceString {
                kind: ResourceStringKind::StringTable,
                offset: base.saturating_add(start),
                length,
                encoding: StringEncoding::Utf16le,
                text: decode_utf16le(bytes),
            });
        }
        at = end;
    }
}

/// Decodes a manifest as UTF-16LE when it starts with that byte order
/// mark and as UTF-8 otherwise, skipping the mark.
fn manifest(data: &[u8], base: usize) -> ResourceString {
    let (encoding, skip, text) =
        if let Some(body) = data.strip_prefix(&[0xFF, 0xFE]) {
            (StringEncoding::Utf16le, 2, decode_utf16le(body))
        } else {
            let (skip, body) = match data.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
                Some(body) => (3, body),
                None => (0, data),
            };
            (
                StringEncoding::Utf8,
                skip,
                String::from_utf8_lossy(body).into_owned(),
            )
        };
    ResourceString {
        kind: ResourceStringKind::Manifest,
        offset: base.saturating_add(skip),
        length: data.len().saturating_sub(skip),
        encoding,
        text,
    }
}

/// Appends the printable ASCII and UTF-16LE runs of a leaf.
fn printable_runs(data: &[u8], base: usize, out: &mut Vec<ResourceString>) {
    for region in strings::regions(data, MIN_TEXT_RUN) {
        let start = region.map.start(0);
        let end = region.map.end(region.text.len());
        let encoding = match region.origin {
            Origin::Utf16String => StringEncoding::Utf16le,
            _ => StringEncoding::Ascii,
        };
        out.push(ResourceString {
            kind: ResourceStringKind::Text,
            offset: base.saturating_add(start),
            length: end.saturating_sub(start),
            encoding,
            text: String::from_utf8_lossy(&region.text).into_owned(),
        });
        if out.len() > MAX_RESOURCE_STRINGS {
            return;
        }
    }
}

/// Decodes UTF-16LE code units, with U+FFFD for unpaired surrogates and
/// a trailing odd byte.
pub(crate) fn decode_utf16le(bytes: &[u8]) -> String {
    let pairs = bytes.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    let units = pairs.map(|pair| match *pair {
        [low, high] => u16::from_le_bytes([low, high]),
        _ => 0,
    });
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

/// Shannon entropy in bits per byte; 0 for empty input.
pub(crate) fn shannon_entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0u64; 256];
    for &byte in bytes {
        if let Some(count) = counts.get_mut(usize::from(byte)) {
            *count = count.saturating_add(1);
        }
    }
    // Byte counts stay far below 2^53, so the conversions are exact.
    let total = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / total;
            -p * p.log2()
        })
        // Starting from +0.0 keeps a single-valued input from giving the
        // -0.0 that `sum` would.
        .fold(0.0, |total, term| total + term)
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Returns the `RT_*` name of a type id, `RT_UNKNOWN_<id>` for other
/// ids, and the string name of a named type.
fn type_name(kind: &ResourceId) -> String {
    let id = match kind {
        ResourceId::Name(name) => return name.clone(),
        ResourceId::Id(id) => *id,
    };
    let name = match id {
        1 => "RT_CURSOR",
        2 => "RT_BITMAP",
        3 => "RT_ICON",
        4 => "RT_MENU",
        5 => "RT_DIALOG",
        6 => "RT_STRING",
        7 => "RT_FONTDIR",
        8 => "RT_FONT",
        9 => "RT_ACCELERATOR",
        10 => "RT_RCDATA",
        11 => "RT_MESSAGETABLE",
        12 => "RT_GROUP_CURSOR",
        14 => "RT_GROUP_ICON",
        16 => "RT_VERSION",
        17 => "RT_DLGINCLUDE",
        19 => "RT_PLUGPLAY",
        20 => "RT_VXD",
        21 => "RT_ANICURSOR",
        22 => "RT_ANIICON",
        23 => "RT_HTML",
        24 => "RT_MANIFEST",
        _ => return format!("RT_UNKNOWN_{id}"),
    };
    name.to_owned()
}

/// LANGIDs with the BCP-47 tag Windows gives them, sorted by LANGID.
const LANGUAGE_TAGS: &[(u16, &str)] = &[
    (0x0401, "ar-SA"),
    (0x0402, "bg-BG"),
    (0x0403, "ca-ES"),
    (0x0404, "zh-TW"),
    (0x0405, "cs-CZ"),
    (0x0406, "da-DK"),
    (0x0407, "de-DE"),
    (0x0408, "el-GR"),
    (0x0409, "en-US"),
    (0x040A, "es-ES"),
    (0x040B, "fi-FI"),
    (0x040C, "fr-FR"),
    (0x040D, "he-IL"),
    (0x040E, "hu-HU"),
    (0x040F, "is-IS"),
    (0x0410, "it-IT"),
    (0x0411, "ja-JP"),
    (0x0412, "ko-KR"),
    (0x0413, "nl-NL"),
    (0x0414, "nb-NO"),
    (0x0415, "pl-PL"),
    (0x0416, "pt-BR"),
    (0x0418, "ro-RO"),
    (0x0419, "ru-RU"),
    (0x041A, "hr-HR"),
    (0x041B, "sk-SK"),
    (0x041C, "sq-AL"),
    (0x041D, "sv-SE"),
    (0x041E, "th-TH"),
    (0x041F, "tr-TR"),
    (0x0420, "ur-PK"),
    (0x0421, "id-ID"),
    (0x0422, "uk-UA"),
    (0x0423, "be-BY"),
    (0x0424, "sl-SI"),
    (0x0425, "et-EE"),
    (0x0426, "lv-LV"),
    (0x0427, "lt-LT"),
    (0x0429, "fa-IR"),
    (0x042A, "vi-VN"),
    (0x042B, "hy-AM"),
    (0x042D, "eu-ES"),
    (0x042F, "mk-MK"),
    (0x0436, "af-ZA"),
    (0x0437, "ka-GE"),
    (0x0439, "hi-IN"),
    (0x043E, "ms-MY"),
    (0x043F, "kk-KZ"),
    (0x0441, "sw-KE"),
    (0x0443, "uz-Latn-UZ"),
    (0x0445, "bn-IN"),
    (0x0449, "ta-IN"),
    (0x0456, "gl-ES"),
    (0x0464, "fil-PH"),
    (0x0801, "ar-IQ"),
    (0x0804, "zh-CN"),
    (0x0807, "de-CH"),
    (0x0809, "en-GB"),
    (0x080A, "es-MX"),
    (0x080C, "fr-BE"),
    (0x0810, "it-CH"),
    (0x0813, "nl-BE"),
    (0x0814, "nn-NO"),
    (0x0816, "pt-PT"),
    (0x081A, "sr-Latn-CS"),
    (0x081D, "sv-FI"),
    (0x0C01, "ar-EG"),
    (0x0C04, "zh-HK"),
    (0x0C07, "de-AT"),
    (0x0C09, "en-AU"),
    (0x0C0A, "es-ES"),
    (0x0C0C, "fr-CA"),
    (0x0C1A, "sr-Cyrl-CS"),
    (0x1004, "zh-SG"),
    (0x1009, "en-CA"),
    (0x100C, "fr-CH"),
    (0x1404, "zh-MO"),
    (0x1409, "en-NZ"),
    (0x1809, "en-IE"),
    (0x1C09, "en-ZA"),
    (0x2C0A, "es-AR"),
    (0x4009, "en-IN"),
];

/// Primary language ids (the low 10 bits of a LANGID) with their
/// language subtag, sorted by id, for LANGIDs missing above.
const PRIMARY_LANGUAGES: &[(u16, &str)] = &[
    (0x01, "ar"),
    (0x02, "bg"),
    (0x03, "ca"),
    (0x04, "zh"),
    (0x05, "cs"),
    (0x06, "da"),
    (0x07, "de"),
    (0x08, "el"),
    (0x09, "en"),
    (0x0A, "es"),
    (0x0B, "fi"),
    (0x0C, "fr"),
    (0x0D, "he"),
    (0x0E, "hu"),
    (0x0F, "is"),
    (0x10, "it"),
    (0x11, "ja"),
    (0x12, "ko"),
    (0x13, "nl"),
    (0x14, "no"),
    (0x15, "pl"),
    (0x16, "pt"),
    (0x18, "ro"),
    (0x19, "ru"),
    (0x1A, "hr"),
    (0x1B, "sk"),
    (0x1C, "sq"),
    (0x1D, "sv"),
    (0x1E, "th"),
    (0x1F, "tr"),
    (0x20, "ur"),
    (0x21, "id"),
    (0x22, "uk"),
    (0x23, "be"),
    (0x24, "sl"),
    (0x25, "et"),
    (0x26, "lv"),
    (0x27, "lt"),
    (0x29, "fa"),
    (0x2A, "vi"),
    (0x2B, "hy"),
    (0x2C, "az"),
    (0x2D, "eu"),
    (0x2F, "mk"),
    (0x36, "af"),
    (0x37, "ka"),
    (0x39, "hi"),
    (0x3E, "ms"),
    (0x3F, "kk"),
    (0x41, "sw"),
    (0x43, "uz"),
    (0x45, "bn"),
    (0x49, "ta"),
    (0x56, "gl"),
    (0x64, "fil"),
];

/// Returns the BCP-47 tag of a LANGID: the full tag when listed, else
/// the language subtag of its primary language. Neutral (primary 0) and
/// unlisted languages give `None`.
pub fn language_tag(langid: u16) -> Option<&'static str> {
    let lookup = |table: &[(u16, &'static str)], key: u16| {
        let index = table.binary_search_by_key(&key, |&(id, _)| id).ok()?;
        table.get(index).map(|&(_, tag)| tag)
    };
    lookup(LANGUAGE_TAGS, langid)
        .or_else(|| lookup(PRIMARY_LANGUAGES, langid & 0x03FF))
}

/// Helpers shared by the PE parsers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::RvaMap;

    /// A file whose RVAs equal its offsets.
    pub(crate) struct FlatMap(pub(crate) Vec<u8>);

    impl RvaMap for FlatMap {
        fn file(&self) -> &[u8] {
            &self.0
        }

        fn offset_of(&self, rva: u32) -> Option<usize> {
            let offset = usize::try_from(rva).ok()?;
            (offset < self.0.len()).then_some(offset)
        }
    }

    pub(crate) fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use testing::{utf16le, FlatMap};

    /// Builds resource trees: each directory is a list of entries, and a
    /// data entry points at bytes appended after the tree.
    struct TreeBuilder {
        bytes: Vec<u8>,
    }

    impl TreeBuilder {
        fn new() -> TreeBuilder {
            TreeBuilder { bytes: Vec::new() }
        }

        /// Appends a directory header and its entries, returning its
        /// offset.
        fn directory(&mut self, named: u16, entries: &[(u32, u32)]) -> u32 {
            let at = self.bytes.len() as u32;
            self.bytes.extend([0; 12]);
            self.bytes.extend(named.to_le_bytes());
            let ids = entries.len() as u16 - named;
            self.bytes.extend(ids.to_le_bytes());
            for &(name, target) in entries {
                self.bytes.extend(name.to_le_bytes());
                self.bytes.extend(target.to_le_bytes());
            }
            at
        }

        /// Reserves a directory of `count` entries to fill in later.
        fn reserve(&mut self, named: u16, count: usize) -> u32 {
            self.directory(named, &vec![(0, 0); count])
        }

        fn set_entry(&mut self, dir: u32, index: usize, entry: (u32, u32)) {
            let at = dir as usize + 16 + index * 8;
            self.bytes[at..at + 4].copy_from_slice(&entry.0.to_le_bytes());
            self.bytes[at + 4..at + 8].copy_from_slice(&entry.1.to_le_bytes());
        }

        fn data_entry(&mut self, rva: u32, size: u32, codepage: u32) -> u32 {
            let at = self.bytes.len() as u32;
            for field in [rva, size, codepage, 0] {
                self.bytes.extend(field.to_le_bytes());
            }
            at
        }

        fn name(&mut self, text: &str) -> u32 {
            let at = self.bytes.len() as u32;
            let units = text.encode_utf16().count() as u16;
            self.bytes.extend(units.to_le_bytes());
            self.bytes.extend(utf16le(text));
            at | 0x8000_0000
        }

        fn blob(&mut self, data: &[u8]) -> u32 {
            let at = self.bytes.len() as u32;
            self.bytes.extend(data);
            while !self.bytes.len().is_multiple_of(4) {
                self.bytes.push(0);
            }
            at
        }
    }

    const SUBDIR: u32 = 0x8000_0000;

    /// Builds a tree of one type with one name and the given languages,
    /// each leaf containing `data`.
    fn single_type_tree(
        kind: u32,
        name: u32,
        langs: &[u16],
        data: &[u8],
    ) -> Vec<u8> {
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 1);
        let names = t.reserve(0, 1);
        let languages = t.reserve(0, langs.len());
        t.set_entry(root, 0, (kind, names | SUBDIR));
        t.set_entry(names, 0, (name, languages | SUBDIR));
        for (index, &lang) in langs.iter().enumerate() {
            let blob = t.blob(data);
            let leaf = t.data_entry(blob + 0x1000, data.len() as u32, 1252);
            t.set_entry(languages, index, (u32::from(lang), leaf));
        }
        t.bytes
    }

    fn parse(bytes: Vec<u8>) -> (Resources, Vec<Anomaly>) {
        let map = FlatMap(bytes);
        parse_resources(&map, DataDir { rva: 0x1000, size: 0 })
    }

    fn codes(anomalies: &[Anomaly]) -> Vec<&'static str> {
        anomalies.iter().map(|a| a.code).collect()
    }

    /// Places a tree built at offset 0 at file offset and RVA 0x1000.
    fn at_0x1000(tree: Vec<u8>) -> Vec<u8> {
        let mut file = vec![0; 0x1000];
        file.extend(tree);
        file
    }

    fn tree(kind: u32, name: u32, langs: &[u16], data: &[u8]) -> Vec<u8> {
        at_0x1000(single_type_tree(kind, name, langs, data))
    }

    #[test]
    fn one_entry_per_language_leaf() {
        let (res, anomalies) = parse(tree(24, 1, &[0x0409, 0x0407], b"<a/>"));
        assert_eq!(anomalies, []);
        assert_eq!(res.entries.len(), 2);
        let langs: Vec<_> = res.entries.iter().map(|e| e.language).collect();
        assert_eq!(langs, [Some(0x0407), Some(0x0409)]);
        let tags: Vec<_> =
            res.entries.iter().map(|e| e.language_name).collect();
        assert_eq!(tags, [Some("de-DE"), Some("en-US")]);
        let first = &res.entries[0];
        assert_eq!(first.resource_type, "RT_MANIFEST");
        assert_eq!(first.name, ResourceId::Id(1));
        assert_eq!(first.codepage, Some(1252));
        assert_eq!(first.size, Some(4));
        assert_eq!(first.raw_offset, Some(first.rva as usize));
        assert_eq!(first.errors, None);
    }

    #[test]
    fn entry_fields_serialize_in_order() {
        let (res, _) = parse(tree(16, 1, &[0x0409], &[0x41; 8]));
        let json = serde_json::to_string(&res.entries[0]).unwrap();
        let keys = [
            "\"type\":\"RT_VERSION\"",
            "\"name\":1",
            "\"language\":1033",
            "\"language_name\":\"en-US\"",
            "\"codepage\":1252",
            "\"size\":8",
            "\"entropy\":0.0",
            "\"rva\":",
            "\"raw_offset\":",
            "\"errors\":null",
        ];
        let mut last = 0;
        for key in keys {
            let at =
                json.find(key).unwrap_or_else(|| panic!("{key} in {json}"));
            assert!(at >= last, "{key} out of order in {json}");
            last = at;
        }
    }

    #[test]
    fn named_type_and_name_kept() {
        let mut t = TreeBuilder::new();
        let root = t.reserve(1, 1);
        let names = t.reserve(1, 1);
        let languages = t.reserve(0, 1);
        let kind = t.name("MYTYPE");
        let name = t.name("Payload");
        let blob = t.blob(b"data");
        let leaf = t.data_entry(blob + 0x1000, 4, 0);
        t.set_entry(root, 0, (kind, names | SUBDIR));
        t.set_entry(names, 0, (name, languages | SUBDIR));
        t.set_entry(languages, 0, (0, leaf));
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert_eq!(anomalies, []);
        let entry = &res.entries[0];
        assert_eq!(entry.resource_type, "MYTYPE");
        assert_eq!(entry.name, ResourceId::Name("Payload".into()));
        assert_eq!(entry.language, Some(0));
        assert_eq!(entry.language_name, None);
        assert_eq!(entry.codepage, None);
    }

    #[test]
    fn type_names_table() {
        let cases = [
            (1, "RT_CURSOR"),
            (6, "RT_STRING"),
            (13, "RT_UNKNOWN_13"),
            (16, "RT_VERSION"),
            (24, "RT_MANIFEST"),
            (4096, "RT_UNKNOWN_4096"),
        ];
        for (id, expected) in cases {
            assert_eq!(type_name(&ResourceId::Id(id)), expected);
        }
    }

    #[test]
    fn language_tags_table() {
        let cases = [
            (0x0409, Some("en-US")),
            (0x0809, Some("en-GB")),
            (0x0804, Some("zh-CN")),
            (0x0419, Some("ru-RU")),
            (0x3409, Some("en")),
            (0x0000, None),
            (0x0400, None),
            (0x03FF, None),
        ];
        for (langid, expected) in cases {
            assert_eq!(language_tag(langid), expected, "{langid:#06x}");
        }
    }

    #[test]
    fn language_tables_are_sorted() {
        for table in [LANGUAGE_TAGS, PRIMARY_LANGUAGES] {
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0));
        }
    }

    #[test]
    fn leaf_errors_table() {
        let cases: [(u32, u32, &[&str]); 3] = [
            (0x1000, 0, &["size_invalid"]),
            (0x9_0000, 4, &["rva_invalid"]),
            (0x1000, 0x10_0000, &["data_out_of_bounds"]),
        ];
        for (rva, size, expected) in cases {
            let mut t = TreeBuilder::new();
            let root = t.reserve(0, 1);
            let names = t.reserve(0, 1);
            let languages = t.reserve(0, 1);
            let leaf = t.data_entry(rva, size, 0);
            t.set_entry(root, 0, (10, names | SUBDIR));
            t.set_entry(names, 0, (1, languages | SUBDIR));
            t.set_entry(languages, 0, (0x409, leaf));
            let (res, _) = parse(at_0x1000(t.bytes));
            let entry = &res.entries[0];
            assert_eq!(entry.errors.as_deref(), Some(expected), "{rva:#x}");
            assert_eq!(entry.entropy, None);
        }
    }

    #[test]
    fn directory_loop_is_reported_once() {
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 1);
        let names = t.reserve(0, 1);
        t.set_entry(root, 0, (3, names | SUBDIR));
        // The name level points back at the root.
        t.set_entry(names, 0, (1, root | SUBDIR));
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert!(res.entries.is_empty());
        assert_eq!(codes(&anomalies), ["resource_directory_loop"]);
    }

    #[test]
    fn shared_directories_cost_one_visit() {
        // Every type points at the same name directory, which would
        // multiply the work if revisits were followed.
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 500);
        let names = t.reserve(0, 1);
        let languages = t.reserve(0, 1);
        let leaf = t.data_entry(0x1000, 4, 0);
        for index in 0..500 {
            t.set_entry(root, index, (index as u32 + 1, names | SUBDIR));
        }
        t.set_entry(names, 0, (1, languages | SUBDIR));
        t.set_entry(languages, 0, (0, leaf));
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert_eq!(res.entries.len(), 1);
        assert_eq!(anomalies.len(), 499);
    }

    #[test]
    fn huge_entry_counts_stop_at_file_end() {
        let mut t = TreeBuilder::new();
        t.directory(0, &[]);
        t.bytes[12..16].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert!(res.entries.is_empty());
        assert_eq!(codes(&anomalies), ["resource_directory_truncated"]);
    }

    #[test]
    fn entry_cap_ends_the_walk() {
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 0xFFFF);
        for index in 0..0xFFFF {
            // Plain data entries at the type level: each is an anomaly,
            // so only the cap stops the walk.
            t.set_entry(root, index, (index as u32, 0x10));
        }
        let (_, anomalies) = parse(at_0x1000(t.bytes));
        assert_eq!(anomalies.len(), MAX_RESOURCE_ENTRIES + 1);
        assert_eq!(
            anomalies.last().unwrap().code,
            "resource_entries_truncated"
        );
    }

    #[test]
    fn depth_violations_are_anomalies() {
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 2);
        let names = t.reserve(0, 1);
        let languages = t.reserve(0, 1);
        let extra = t.reserve(0, 0);
        t.set_entry(root, 0, (3, 0x40));
        t.set_entry(root, 1, (4, names | SUBDIR));
        t.set_entry(names, 0, (1, languages | SUBDIR));
        t.set_entry(languages, 0, (0x409, extra | SUBDIR));
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert!(res.entries.is_empty());
        assert_eq!(
            codes(&anomalies),
            ["resource_data_at_invalid_depth", "resource_directory_too_deep"]
        );
    }

    #[test]
    fn truncated_tree_keeps_earlier_leaves() {
        let mut bytes = tree(10, 7, &[0x409, 0x407], b"abcd");
        // Cut inside the second language entry.
        let cut = 0x1000 + 16 + 8 + 16 + 8 + 16 + 8 + 4;
        bytes.truncate(cut);
        let (res, anomalies) = parse(bytes);
        assert!(res.entries.len() <= 1);
        assert!(!anomalies.is_empty());
    }

    #[test]
    fn root_past_end_is_out_of_bounds() {
        let map = FlatMap(vec![0; 64]);
        let (res, anomalies) =
            parse_resources(&map, DataDir { rva: 0x4000, size: 64 });
        assert!(res.entries.is_empty());
        assert_eq!(codes(&anomalies), ["resource_directory_out_of_bounds"]);
    }

    #[test]
    fn string_table_strings_with_offsets() {
        let mut block = Vec::new();
        block.extend(0u16.to_le_bytes());
        block.extend(5u16.to_le_bytes());
        block.extend(utf16le("héllo"));
        block.extend(3u16.to_le_bytes());
        block.extend(utf16le("a.b"));
        for _ in 0..13 {
            block.extend(0u16.to_le_bytes());
        }
        let (res, anomalies) = parse(tree(6, 1, &[0x409], &block));
        assert_eq!(anomalies, []);
        let leaf = res.entries[0].raw_offset.unwrap();
        let texts: Vec<_> =
            res.strings.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["héllo", "a.b"]);
        assert_eq!(res.strings[0].offset, leaf + 4);
        assert_eq!(res.strings[0].length, 10);
        assert_eq!(res.strings[1].offset, leaf + 16);
        assert_eq!(res.strings[1].kind, ResourceStringKind::StringTable);
    }

    #[test]
    fn string_count_past_leaf_ends_block() {
        let mut block = Vec::new();
        block.extend(2u16.to_le_bytes());
        block.extend(utf16le("ok"));
        block.extend(0xFFFFu16.to_le_bytes());
        block.extend(utf16le("short"));
        let (res, _) = parse(tree(6, 1, &[0x409], &block));
        let texts: Vec<_> =
            res.strings.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["ok"]);
    }

    #[test]
    fn manifest_text_skips_bom() {
        let xml = b"\xEF\xBB\xBF<assembly>http://example.test/x</assembly>";
        let (res, _) = parse(tree(24, 1, &[0x409], xml));
        let s = &res.strings[0];
        assert_eq!(s.kind, ResourceStringKind::Manifest);
        assert_eq!(s.encoding, StringEncoding::Utf8);
        assert_eq!(s.text, "<assembly>http://example.test/x</assembly>");
        assert_eq!(s.offset, res.entries[0].raw_offset.unwrap() + 3);
        assert_eq!(s.length, xml.len() - 3);
    }

    #[test]
    fn rcdata_printable_runs() {
        let mut data = b"\x01\x02evil.example.com\x00\xFF".to_vec();
        data.extend(utf16le("wide text"));
        let (res, _) = parse(tree(10, 1, &[0x409], &data));
        let leaf = res.entries[0].raw_offset.unwrap();
        let found: Vec<_> = res
            .strings
            .iter()
            .map(|s| (s.text.as_str(), s.offset - leaf, s.encoding))
            .collect();
        assert_eq!(
            found,
            [
                ("evil.example.com", 2, StringEncoding::Ascii),
                ("wide text", 20, StringEncoding::Utf16le),
            ]
        );
    }

    #[test]
    fn other_types_give_no_strings() {
        let (res, _) = parse(tree(3, 1, &[0x409], b"some icon text"));
        assert!(res.strings.is_empty());
    }

    #[test]
    fn entropy_of_uniform_bytes_is_eight() {
        let data: Vec<u8> = (0..=255).collect();
        let (res, _) = parse(tree(10, 1, &[0x409], &data));
        assert_eq!(res.entries[0].entropy, Some(8.0));
        assert_eq!(round4(shannon_entropy(b"aab")), 0.9183);
        assert_eq!(shannon_entropy(b""), 0.0);
    }

    #[test]
    fn overlapping_leaves_exhaust_entropy_budget() {
        let mut t = TreeBuilder::new();
        let root = t.reserve(0, 1);
        let names = t.reserve(0, 1);
        let languages = t.reserve(0, 64);
        t.set_entry(root, 0, (10, names | SUBDIR));
        t.set_entry(names, 0, (1, languages | SUBDIR));
        let blob = t.blob(&[7; 4096]);
        let leaf = t.data_entry(blob + 0x1000, 4096, 0);
        for index in 0..64 {
            t.set_entry(languages, index, (index as u32, leaf));
        }
        let (res, anomalies) = parse(at_0x1000(t.bytes));
        assert_eq!(res.entries.len(), 64);
        let hashed =
            res.entries.iter().filter(|e| e.entropy.is_some()).count();
        assert!(hashed < 64);
        assert!(
            codes(&anomalies).contains(&"resource_entropy_budget_exhausted")
        );
    }

    #[test]
    fn zero_rva_directory_is_absent() {
        let map = FlatMap(vec![0; 64]);
        let (res, anomalies) = parse_resources(&map, DataDir::default());
        assert_eq!(res, Resources::default());
        assert_eq!(anomalies, []);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn arbitrary_trees_never_panic(
                bytes in proptest::collection::vec(
                    prop_oneof![
                        Just(0u8), Just(0x80), Just(0x10), Just(1), any::<u8>()
                    ],
                    0..2048,
                ),
                rva in prop_oneof![Just(0u32), Just(0x1000), any::<u32>()],
            ) {
                let mut file = vec![0; 0x1000];
                file.extend(&bytes);
                let map = FlatMap(file);
                let (res, _) =
                    parse_resources(&map, DataDir { rva, size: 0 });
                let len = map.0.len();
                for s in &res.strings {
                    prop_assert!(s.offset + s.length <= len);
                }
                for e in &res.entries {
                    prop_assert!(e.raw_offset.is_none_or(|o| o < len));
                }
            }
        }
    }
}
