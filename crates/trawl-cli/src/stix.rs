//! The STIX 2.1 bundle `--format stix` writes: one cyber-observable
//! object per distinct indicator over the whole run, with the ids STIX
//! 2.1 section 2.9 prescribes, and optionally one indicator per
//! observable.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use trawl_core::Category;

use crate::ids::{self, STIX_NAMESPACE, TRAWL_NAMESPACE};
use crate::report::{Metadata, Report};
use crate::timestamp::Timestamp;

/// The objects of the bundle, gathered from every report.
pub struct Bundle {
    /// Objects by id, so that they are de-duplicated and written sorted.
    objects: BTreeMap<String, Object>,
    indicators: bool,
    timestamp: Timestamp,
}

/// A STIX object of the bundle.
#[derive(Serialize)]
#[serde(untagged)]
enum Object {
    Observable(Observable),
    Indicator(Indicator),
}

/// A cyber-observable object; the properties a type lacks are left out.
#[derive(Serialize)]
struct Observable {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Hash values by STIX hash algorithm name, which sort in the order
    /// `MD5`, `SHA-1`, `SHA-256`, `SHA-512`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    hashes: BTreeMap<&'static str, String>,
}

/// An indicator SDO that matches one observable.
#[derive(Serialize)]
struct Indicator {
    #[serde(rename = "type")]
    kind: &'static str,
    spec_version: &'static str,
    id: String,
    created: String,
    modified: String,
    pattern: String,
    pattern_type: &'static str,
    pattern_version: &'static str,
    valid_from: String,
}

/// The bundle as written.
#[derive(Serialize)]
struct BundleOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<&'a Object>,
}

impl Bundle {
    /// Creates an empty bundle; `indicators` adds an indicator per
    /// observable, created, modified and valid from `timestamp`.
    pub fn new(indicators: bool, timestamp: Timestamp) -> Bundle {
        Bundle { objects: BTreeMap::new(), indicators, timestamp }
    }

    /// Adds the observables of one report: its indicators, and for a PE
    /// input a `file` object for the input itself.
    pub fn add(&mut self, report: &Report) {
        // `iter` leaves out the categories of custom rules, since STIX
        // 2.1 has no observable type for a value of unknown kind.
        for (category, values) in report.iocs.iter() {
            for value in values {
                let observable = match category {
                    Category::Url => valued("url", value),
                    Category::Domain => valued("domain-name", value),
                    Category::Ip if value.contains(':') => {
                        valued("ipv6-addr", value)
                    }
                    Category::Ip => valued("ipv4-addr", value),
                    Category::Email => valued("email-addr", value),
                    Category::Hash => match hash_algorithm(value) {
                        Some(algorithm) => {
                            file(None, [(algorithm, value.as_str())])
                        }
                        None => continue,
                    },
                    // STIX 2.1 has no observable for these without an
                    // extension.
                    Category::FilePath
                    | Category::Base64
                    | Category::Btc
                    | Category::Eth
                    | Category::Cve => continue,
                };
                self.insert(observable);
            }
        }
        if let Metadata::Pe(pe) = &report.metadata {
            let hashes = [
                ("MD5", pe.hashes.md5.as_str()),
                ("SHA-1", pe.hashes.sha1.as_str()),
                ("SHA-256", pe.hashes.sha256.as_str()),
            ];
            let name = report.file.as_deref().map(base_name);
            if hashes.iter().any(|(_, hash)| !hash.is_empty()) {
                self.insert(file(name, hashes));
            }
        }
    }

    fn insert(&mut self, observable: Observable) {
        if self.indicators {
            let indicator = Indicator {
                kind: "indicator",
                spec_version: "2.1",
                id: format!(
                    "indicator--{}",
                    ids::uuid5(&TRAWL_NAMESPACE, &observable.id)
                ),
                created: self.timestamp.stix(),
                modified: self.timestamp.stix(),
                pattern: pattern(&observable),
                pattern_type: "stix",
                pattern_version: "2.1",
                valid_from: self.timestamp.stix(),
            };
            self.objects
                .insert(indicator.id.clone(), Object::Indicator(indicator));
        }
        self.objects
            .insert(observable.id.clone(), Object::Observable(observable));
    }

    /// Writes the bundle, its id the UUIDv5 in trawl's namespace of the
    /// canonical JSON array of the sorted object ids.
    pub fn write<W: Write>(
        &self,
        mut out: W,
        compact: bool,
    ) -> io::Result<()> {
        let id = ids::uuid5(
            &TRAWL_NAMESPACE,
            &ids::canonical_array(self.objects.keys().map(String::as_str)),
        );
        let bundle = BundleOut {
            kind: "bundle",
            id: format!("bundle--{id}"),
            objects: self.objects.values().collect(),
        };
        if compact {
            serde_json::to_writer(&mut out, &bundle)?;
        } else {
            serde_json::to_writer_pretty(&mut out, &bundle)?;
        }
        out.write_all(b"\n")
    }
}

/// Returns an observable whose only id-contributing property is `value`.
fn valued(kind: &'static str, value: &str) -> Observable {
    let canonical = ids::canonical_object(&[("value", value)]);
    Observable {
        kind,
        spec_version: "2.1",
        id: format!("{kind}--{}", ids::uuid5(&STIX_NAMESPACE, &canonical)),
        value: Some(value.to_string()),
        name: None,
        hashes: BTreeMap::new(),
    }
}

/// Returns a `file` observable. Its id covers `name` and one hash, the
/// first present of MD5, SHA-1, SHA-256 and SHA-512, as STIX 2.1 asks
/// for the `hashes` id-contributing property.
fn file<'a>(
    name: Option<&str>,
    hashes: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Observable {
    let hashes: BTreeMap<&'static str, String> = hashes
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(algorithm, value)| (algorithm, value.to_ascii_lowercase()))
        .collect();
    let chosen = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
        .into_iter()
        .find_map(|algorithm| Some((algorithm, hashes.get(algorithm)?)));
    let mut canonical = String::from("{");
    if let Some((algorithm, value)) = chosen {
        canonical.push_str("\"hashes\":");
        canonical.push_str(&ids::canonical_object(&[(algorithm, value)]));
    }
    if let Some(name) = name {
        if chosen.is_some() {
            canonical.push(',');
        }
        canonical.push_str("\"name\":");
        canonical.push_str(&ids::json_string(name));
    }
    canonical.push('}');
    Observable {
        kind: "file",
        spec_version: "2.1",
        id: format!("file--{}", ids::uuid5(&STIX_NAMESPACE, &canonical)),
        value: None,
        name: name.map(str::to_string),
        hashes,
    }
}

/// Returns the STIX hash algorithm of a hex digest, from its length.
fn hash_algorithm(value: &str) -> Option<&'static str> {
    match value.len() {
        32 => Some("MD5"),
        40 => Some("SHA-1"),
        64 => Some("SHA-256"),
        128 => Some("SHA-512"),
        _ => None,
    }
}

/// Returns the last component of a path, split at `/` and `\`.
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Returns the STIX pattern that matches an observable: its value, or
/// any of a file's hashes.
fn pattern(observable: &Observable) -> String {
    let comparisons: Vec<String> = match &observable.value {
        Some(value) => {
            vec![format!("{}:value = {}", observable.kind, quote(value))]
        }
        None => observable
            .hashes
            .iter()
            .map(|(algorithm, value)| {
                format!("file:hashes.'{algorithm}' = {}", quote(value))
            })
            .collect(),
    };
    format!("[{}]", comparisons.join(" OR "))
}

/// Quotes a pattern string literal, escaping `\` and `'` with `\`.
fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observable_ids_match_stix2_library() {
        // Ids computed with the Python stix2 3.0.2 library.
        let cases = [
            (
                valued("domain-name", "example.com"),
                "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
            ),
            (
                file(None, [("SHA-256", "a".repeat(64).as_str())]),
                "file--75cb38d5-2055-5354-b75a-8299a2d670b5",
            ),
            (
                file(
                    Some("x.exe"),
                    [
                        ("MD5", "a".repeat(32).as_str()),
                        ("SHA-256", "b".repeat(64).as_str()),
                    ],
                ),
                "file--b1356965-6e6f-563a-a872-77d67d25d687",
            ),
        ];
        for (observable, expected) in cases {
            assert_eq!(observable.id, expected);
        }
    }

    #[test]
    fn patterns_escape_quotes_and_backslashes() {
        let cases = [
            (
                "domain-name",
                "example.com",
                "[domain-name:value = 'example.com']",
            ),
            ("url", r"http://a/it's\x", r"[url:value = 'http://a/it\'s\\x']"),
        ];
        for (kind, value, expected) in cases {
            assert_eq!(pattern(&valued(kind, value)), expected);
        }
        let observable = file(None, [("MD5", "ab"), ("SHA-1", "cd")]);
        assert_eq!(
            pattern(&observable),
            "[file:hashes.'MD5' = 'ab' OR file:hashes.'SHA-1' = 'cd']"
        );
    }

    #[test]
    fn base_name_splits_both_separators() {
        let cases =
            [("a/b/c.exe", "c.exe"), (r"C:\x\y.dll", "y.dll"), ("z", "z")];
        for (path, expected) in cases {
            assert_eq!(base_name(path), expected);
        }
    }
}
