//! The MISP event `--format misp` writes, in the MISP core JSON format:
//! one attribute per distinct indicator over the whole run, and a `file`
//! object with a `pe` object for each PE input.
//!
//! Every UUID is a UUIDv5 in trawl's namespace (`ids::TRAWL_NAMESPACE`),
//! so a rerun over the same inputs writes the same event:
//! - an attribute: of `category|type|value`, such as
//!   `Network activity|domain|example.com`;
//! - a `file` object: of `object|file|<sha256>|<file name>`;
//! - a `pe` object: of `object|pe|<file object uuid>`;
//! - an object's attribute: of `<object uuid>|<relation>|<value>`;
//! - an object reference: of `reference|<from uuid>|<to uuid>`;
//! - the event: of the canonical JSON array of the sorted attribute
//!   UUIDs followed by the sorted object UUIDs.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use trawl_core::Category;

use crate::ids::{self, TRAWL_NAMESPACE};
use crate::report::{Metadata, Report};
use crate::stix::base_name;
use crate::timestamp::Timestamp;

/// The `file` object template of the MISP object library, version 25.
const FILE_TEMPLATE: (&str, &str) =
    ("688c46fb-5edb-40a3-8273-1af7923e2215", "25");
/// The `pe` object template of the MISP object library, version 11.
const PE_TEMPLATE: (&str, &str) =
    ("cf7adecc-d4f0-4e88-9d90-f978ee151a07", "11");

/// MISP's distribution level "inherit event", for attributes and objects.
const INHERIT_EVENT: &str = "5";

/// The event's attributes and objects, gathered from every report.
pub struct Event {
    /// Attributes by UUID, so that they are de-duplicated and sorted.
    attributes: BTreeMap<String, Attribute>,
    /// Objects by UUID; a `file` object sorts next to its `pe` object
    /// only by chance.
    objects: BTreeMap<String, Object>,
    timestamp: Timestamp,
}

/// A MISP attribute, standalone or inside an object.
#[derive(Serialize)]
struct Attribute {
    uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_relation: Option<&'static str>,
    #[serde(rename = "type")]
    kind: &'static str,
    category: &'static str,
    value: String,
    to_ids: bool,
    distribution: &'static str,
    timestamp: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    comment: &'static str,
}

/// A MISP object.
#[derive(Serialize)]
struct Object {
    uuid: String,
    name: &'static str,
    #[serde(rename = "meta-category")]
    meta_category: &'static str,
    template_uuid: &'static str,
    template_version: &'static str,
    distribution: &'static str,
    timestamp: String,
    #[serde(rename = "Attribute")]
    attributes: Vec<Attribute>,
    #[serde(
        rename = "ObjectReference",
        skip_serializing_if = "Vec::is_empty"
    )]
    references: Vec<ObjectReference>,
}

/// A relationship from one object to another.
#[derive(Serialize)]
struct ObjectReference {
    uuid: String,
    object_uuid: String,
    referenced_uuid: String,
    relationship_type: &'static str,
    timestamp: String,
}

/// The event as written.
#[derive(Serialize)]
struct EventOut<'a> {
    info: &'static str,
    date: String,
    timestamp: String,
    /// 4 is "undefined".
    threat_level_id: &'static str,
    /// 0 is "initial".
    analysis: &'static str,
    /// 0 is "your organisation only", so nothing is shared before an
    /// analyst reviews the event.
    distribution: &'static str,
    published: bool,
    uuid: String,
    #[serde(rename = "Attribute")]
    attributes: Vec<&'a Attribute>,
    #[serde(rename = "Object")]
    objects: Vec<&'a Object>,
}

/// The document root: `{"Event": {...}}`.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "Event")]
    event: EventOut<'a>,
}

/// How one trawl category is written as a MISP attribute.
struct Mapping {
    kind: &'static str,
    category: &'static str,
    to_ids: bool,
    comment: &'static str,
}

/// Returns the MISP attribute type, category and IDS flag of a value:
/// routable network indicators and hashes are flagged for IDS export,
/// the rest (MAC addresses and AS numbers included, as MISP's defaults
/// have them) are context. Types and categories are those of MISP's
/// `describeTypes.json`.
fn mapping(category: Category, value: &str) -> Option<Mapping> {
    let map = |kind, category, to_ids, comment| {
        Some(Mapping { kind, category, to_ids, comment })
    };
    match category {
        Category::Url => map("url", "Network activity", true, ""),
        Category::Domain => map("domain", "Network activity", true, ""),
        Category::Ip => map("ip-dst", "Network activity", true, ""),
        Category::Email => map("email-src", "Payload delivery", true, ""),
        Category::Hash => {
            let kind = match value.len() {
                32 => "md5",
                40 => "sha1",
                64 => "sha256",
                128 => "sha512",
                _ => return None,
            };
            map(kind, "Payload delivery", true, "")
        }
        Category::FilePath => {
            map("filename", "Payload delivery", false, "file path")
        }
        Category::Base64 => map("text", "Other", false, "base64 token"),
        Category::Btc => map("btc", "Financial fraud", false, ""),
        // MISP has no attribute type for Ethereum addresses.
        Category::Eth => {
            map("text", "Financial fraud", false, "Ethereum address")
        }
        Category::Cve => map("vulnerability", "External analysis", false, ""),
        Category::RegistryKey => {
            map("regkey", "Persistence mechanism", false, "")
        }
        // MISP has no attribute type for ATT&CK ids; its galaxy tags
        // need the technique's name, which the text may not give.
        Category::AttackTechnique => {
            map("text", "External analysis", false, "MITRE ATT&CK id")
        }
        Category::Mac => map("mac-address", "Network activity", false, ""),
        Category::Xmr => map("xmr", "Financial fraud", false, ""),
        Category::FuzzyHash => {
            let kind = if value.contains(':') { "ssdeep" } else { "tlsh" };
            map(kind, "Payload delivery", true, "")
        }
        Category::Asn => map("AS", "Network activity", false, ""),
        Category::FileName => map("filename", "Payload delivery", false, ""),
        // MISP has no attribute types for Litecoin and Bitcoin Cash
        // addresses.
        Category::Ltc => {
            map("text", "Financial fraud", false, "Litecoin address")
        }
        Category::Bch => {
            map("text", "Financial fraud", false, "Bitcoin Cash address")
        }
        Category::Dash => map("dash", "Financial fraud", false, ""),
        Category::Mutex => map("mutex", "Artifacts dropped", false, ""),
    }
}

impl Event {
    /// Creates an empty event dated `timestamp`.
    pub fn new(timestamp: Timestamp) -> Event {
        Event {
            attributes: BTreeMap::new(),
            objects: BTreeMap::new(),
            timestamp,
        }
    }

    /// Adds the attributes of one report, and the `file` and `pe`
    /// objects of a PE input.
    pub fn add(&mut self, report: &Report) {
        // `iter` leaves out the categories of custom rules: MISP's only
        // type for a value of unknown kind, `text`, would not tell a
        // consumer what the value is.
        for (category, values) in report.iocs.iter() {
            for value in values {
                let Some(mapping) = mapping(category, value) else {
                    continue;
                };
                let uuid = ids::uuid5(
                    &TRAWL_NAMESPACE,
                    &format!("{}|{}|{value}", mapping.category, mapping.kind),
                );
                let attribute = Attribute {
                    uuid: uuid.clone(),
                    object_relation: None,
                    kind: mapping.kind,
                    category: mapping.category,
                    value: value.to_string(),
                    to_ids: mapping.to_ids,
                    distribution: INHERIT_EVENT,
                    timestamp: self.timestamp.unix(),
                    comment: mapping.comment,
                };
                self.attributes.insert(uuid, attribute);
            }
        }
        if let Metadata::Pe(pe) = &report.metadata {
            self.add_pe(report, pe);
        }
    }

    fn add_pe(
        &mut self,
        report: &Report,
        pe: &trawl_formats::pe::metadata::PeMetadata,
    ) {
        let name = report.file.as_deref().map(base_name);
        let file_uuid = ids::uuid5(
            &TRAWL_NAMESPACE,
            &format!(
                "object|file|{}|{}",
                pe.hashes.sha256,
                name.unwrap_or_default()
            ),
        );
        let pe_uuid =
            ids::uuid5(&TRAWL_NAMESPACE, &format!("object|pe|{file_uuid}"));

        let size = report.size.map(|size| size.to_string());
        let file_fields = [
            ("filename", "filename", name.map(str::to_string)),
            ("md5", "md5", Some(pe.hashes.md5.clone())),
            ("sha1", "sha1", Some(pe.hashes.sha1.clone())),
            ("sha256", "sha256", Some(pe.hashes.sha256.clone())),
            ("size-in-bytes", "size-in-bytes", size),
        ];
        let reference = ObjectReference {
            uuid: ids::uuid5(
                &TRAWL_NAMESPACE,
                &format!("reference|{file_uuid}|{pe_uuid}"),
            ),
            object_uuid: file_uuid.clone(),
            referenced_uuid: pe_uuid.clone(),
            relationship_type: "includes",
            timestamp: self.timestamp.unix(),
        };
        let file = self.object(
            file_uuid,
            "file",
            FILE_TEMPLATE,
            &file_fields,
            vec![reference],
        );

        let header = pe.header.as_ref();
        let pe_fields = [
            ("imphash", "imphash", Some(pe.hashes.imphash.clone())),
            (
                "entrypoint-address",
                "text",
                header.map(|h| format!("{:#x}", h.entry_point)),
            ),
            (
                "number-sections",
                "counter",
                Some(pe.sections.len().to_string()),
            ),
            (
                "compilation-timestamp",
                "datetime",
                header.map(|h| {
                    Timestamp::from_unix(h.timestamp).to_seconds_string()
                }),
            ),
        ];
        let pe_object =
            self.object(pe_uuid, "pe", PE_TEMPLATE, &pe_fields, Vec::new());
        self.objects.insert(file.uuid.clone(), file);
        self.objects.insert(pe_object.uuid.clone(), pe_object);
    }

    /// Builds an object from `(relation, type, value)` fields, leaving
    /// out the absent and empty values.
    fn object(
        &self,
        uuid: String,
        name: &'static str,
        (template_uuid, template_version): (&'static str, &'static str),
        fields: &[(&'static str, &'static str, Option<String>)],
        references: Vec<ObjectReference>,
    ) -> Object {
        let attributes = fields
            .iter()
            .filter_map(|(relation, kind, value)| {
                let value = value.as_ref().filter(|v| !v.is_empty())?;
                Some(Attribute {
                    uuid: ids::uuid5(
                        &TRAWL_NAMESPACE,
                        &format!("{uuid}|{relation}|{value}"),
                    ),
                    object_relation: Some(relation),
                    kind,
                    category: object_category(kind),
                    value: value.clone(),
                    to_ids: matches!(*kind, "md5" | "sha1" | "sha256"),
                    distribution: INHERIT_EVENT,
                    timestamp: self.timestamp.unix(),
                    comment: "",
                })
            })
            .collect();
        Object {
            uuid,
            name,
            meta_category: "file",
            template_uuid,
            template_version,
            distribution: INHERIT_EVENT,
            timestamp: self.timestamp.unix(),
            attributes,
            references,
        }
    }

    /// Writes the event.
    pub fn write<W: Write>(
        &self,
        mut out: W,
        compact: bool,
    ) -> io::Result<()> {
        let uuids = self.attributes.keys().chain(self.objects.keys());
        let uuid = ids::uuid5(
            &TRAWL_NAMESPACE,
            &ids::canonical_array(uuids.map(String::as_str)),
        );
        let document = Document {
            event: EventOut {
                info: "Indicators extracted by trawl",
                date: self.timestamp.date(),
                timestamp: self.timestamp.unix(),
                threat_level_id: "4",
                analysis: "0",
                distribution: "0",
                published: false,
                uuid,
                attributes: self.attributes.values().collect(),
                objects: self.objects.values().collect(),
            },
        };
        if compact {
            serde_json::to_writer(&mut out, &document)?;
        } else {
            serde_json::to_writer_pretty(&mut out, &document)?;
        }
        out.write_all(b"\n")
    }
}

/// Returns the MISP default category of an object attribute's type.
fn object_category(kind: &str) -> &'static str {
    match kind {
        "filename" | "md5" | "sha1" | "sha256" | "imphash" => {
            "Payload delivery"
        }
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_misp_types() {
        let cases = [
            (Category::Url, "http://a.example/", "url", true),
            (Category::Domain, "a.example", "domain", true),
            (Category::Ip, "10.0.0.0/8", "ip-dst", true),
            (Category::Email, "a@b.example", "email-src", true),
            (Category::Hash, &"a".repeat(40), "sha1", true),
            (Category::Hash, &"a".repeat(128), "sha512", true),
            (Category::FilePath, r"C:\x.exe", "filename", false),
            (Category::FileName, "svhvost.exe", "filename", false),
            (Category::Base64, "aGVsbG8=", "text", false),
            (
                Category::Btc,
                "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
                "btc",
                false,
            ),
            (Category::Cve, "CVE-2021-44228", "vulnerability", false),
            (Category::RegistryKey, r"HKLM\Software\x", "regkey", false),
            (Category::AttackTechnique, "T1059.001", "text", false),
            (Category::Mac, "00:1a:2b:3c:4d:5e", "mac-address", false),
            (
                Category::Xmr,
                "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV",
                "xmr",
                false,
            ),
            (
                Category::Ltc,
                "LTzrJENnVYYRp8hMgUenoZuzEFLyaPzGQB",
                "text",
                false,
            ),
            (
                Category::Bch,
                "qph3s8p27pfg2lxgpzqmdel25tsmlryatyhxwzx3x5",
                "text",
                false,
            ),
            (
                Category::Dash,
                "XdSrfZRP3gGEbtUpK8o9RV9S7LiGfDmTju",
                "dash",
                false,
            ),
            (Category::FuzzyHash, "3:FJKKIUKacb:FHIGY", "ssdeep", true),
            (
                Category::FuzzyHash,
                &format!("T1{}", "A".repeat(70)),
                "tlsh",
                true,
            ),
            (Category::Asn, "AS13335", "AS", false),
            (Category::Mutex, r"Global\BitStreamSvc", "mutex", false),
        ];
        for (category, value, kind, to_ids) in cases {
            let mapping = mapping(category, value).unwrap();
            assert_eq!(mapping.kind, kind, "{value}");
            assert_eq!(mapping.to_ids, to_ids, "{value}");
        }
        assert!(mapping(Category::Hash, "abc").is_none());
    }
}
