//! The STIX 2.1 bundle `--format stix` writes: one cyber-observable
//! object per distinct indicator over the whole run, with the ids STIX
//! 2.1 section 2.9 prescribes, and optionally one indicator per
//! observable.

use std::borrow::Cow;
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
    /// `MD5`, `SHA-1`, `SHA-256`, `SHA-512`, `SSDEEP`, `TLSH`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    hashes: BTreeMap<&'static str, String>,
    /// A `windows-registry-key`'s key, its hive spelled out.
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    /// An `autonomous-system`'s number.
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<u32>,
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
                        valued("ipv6-addr", &without_zone(value))
                    }
                    Category::Ip => valued("ipv4-addr", value),
                    Category::Email => valued("email-addr", value),
                    Category::Hash => match hash_algorithm(value) {
                        Some(algorithm) => file(None, [(algorithm, value)]),
                        None => continue,
                    },
                    Category::FuzzyHash => match fuzzy_hash(value) {
                        Some(hash) => file(None, [hash]),
                        None => continue,
                    },
                    Category::FileName => file(Some(value), []),
                    Category::RegistryKey => {
                        let mut keys = hive_group_keys(value).into_iter();
                        let Some(first) = keys.next() else { continue };
                        for key in keys {
                            self.insert(registry_key(&key));
                        }
                        registry_key(&first)
                    }
                    Category::Mac => valued("mac-addr", value),
                    Category::Mutex => mutex(value),
                    Category::Asn => match asn_number(value) {
                        Some(number) => autonomous_system(number),
                        None => continue,
                    },
                    // STIX 2.1 has no observable for these without an
                    // extension, and an ATT&CK id names an attack
                    // pattern, not an observable.
                    Category::FilePath
                    | Category::Base64
                    | Category::Btc
                    | Category::Eth
                    | Category::Cve
                    | Category::AttackTechnique
                    | Category::Xmr
                    | Category::Ltc
                    | Category::Bch
                    | Category::Dash => continue,
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
        key: None,
        number: None,
    }
}

/// Returns a `mutex` observable, whose id-contributing property is its
/// `name`.
fn mutex(name: &str) -> Observable {
    let canonical = ids::canonical_object(&[("name", name)]);
    Observable {
        kind: "mutex",
        spec_version: "2.1",
        id: format!("mutex--{}", ids::uuid5(&STIX_NAMESPACE, &canonical)),
        value: None,
        name: Some(name.to_string()),
        hashes: BTreeMap::new(),
        key: None,
        number: None,
    }
}

/// Returns an IPv6 address or CIDR block without its zone id
/// (`fe80::1%eth0` becomes `fe80::1`). STIX 2.1 allows only an address
/// or a CIDR block in `ipv6-addr`, and a zone names an interface of the
/// host that wrote it, which means nothing elsewhere.
fn without_zone(value: &str) -> Cow<'_, str> {
    let Some((address, zone)) = value.split_once('%') else {
        return Cow::Borrowed(value);
    };
    match zone.split_once('/') {
        Some((_, prefix)) => Cow::Owned(format!("{address}/{prefix}")),
        None => Cow::Borrowed(address),
    }
}

/// Returns a `windows-registry-key` observable. STIX 2.1 requires the
/// hive in full (`HKEY_LOCAL_MACHINE`, not `HKLM`), so the report's
/// value, which keeps the hive as written, is spelled out first.
fn registry_key(value: &str) -> Observable {
    let key = full_hive_key(value);
    let canonical = ids::canonical_object(&[("key", &key)]);
    Observable {
        kind: "windows-registry-key",
        spec_version: "2.1",
        id: format!(
            "windows-registry-key--{}",
            ids::uuid5(&STIX_NAMESPACE, &canonical)
        ),
        value: None,
        name: None,
        hashes: BTreeMap::new(),
        key: Some(key),
        number: None,
    }
}

/// Returns one key per hive of a key written under a group of hives,
/// `(HKLM|HKCU)\x`, because a STIX key names a single hive. Any other key
/// is returned alone.
fn hive_group_keys(value: &str) -> Vec<String> {
    let group = value
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(")\\"))
        .filter(|(hives, _)| hives.contains('|'));
    match group {
        Some((hives, rest)) => {
            hives.split('|').map(|hive| format!("{hive}\\{rest}")).collect()
        }
        None => vec![value.to_string()],
    }
}

/// Rewrites the hive of a reported key in full: `HKLM\x` and
/// `\Registry\Machine\x` become `HKEY_LOCAL_MACHINE\x`. A key whose
/// hive is not recognised is returned unchanged.
fn full_hive_key(value: &str) -> String {
    const HIVES: [(&str, &str); 13] = [
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("HKCU", "HKEY_CURRENT_USER"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
        ("HKU", "HKEY_USERS"),
        ("HKCC", "HKEY_CURRENT_CONFIG"),
        ("HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE"),
        ("HKEY_CURRENT_USER", "HKEY_CURRENT_USER"),
        ("HKEY_CLASSES_ROOT", "HKEY_CLASSES_ROOT"),
        ("HKEY_USERS", "HKEY_USERS"),
        ("HKEY_CURRENT_CONFIG", "HKEY_CURRENT_CONFIG"),
        ("HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_DATA"),
        ("\\Registry\\Machine", "HKEY_LOCAL_MACHINE"),
        ("\\Registry\\User", "HKEY_USERS"),
    ];
    for (spelling, full) in HIVES {
        let Some(prefix) = value.get(..spelling.len()) else { continue };
        let Some(rest) = value.get(spelling.len()..) else { continue };
        if prefix.eq_ignore_ascii_case(spelling) && rest.starts_with('\\') {
            return format!("{full}{rest}");
        }
    }
    value.to_string()
}

/// Returns an `autonomous-system` observable, whose id covers its
/// number.
fn autonomous_system(number: u32) -> Observable {
    let canonical = format!("{{\"number\":{number}}}");
    Observable {
        kind: "autonomous-system",
        spec_version: "2.1",
        id: format!(
            "autonomous-system--{}",
            ids::uuid5(&STIX_NAMESPACE, &canonical)
        ),
        value: None,
        name: None,
        hashes: BTreeMap::new(),
        key: None,
        number: Some(number),
    }
}

/// Returns the number of an `AS13335` value.
fn asn_number(value: &str) -> Option<u32> {
    value.strip_prefix("AS")?.parse().ok()
}

/// Returns the STIX hash algorithm and value of a fuzzy hash. STIX's
/// `TLSH` is the 70 hex digits without the `T1` version, and the stix2
/// library (3.0.2) takes an `SSDEEP` value of at most 128 characters, so
/// a longer ssdeep digest is left out.
fn fuzzy_hash(value: &str) -> Option<(&'static str, &str)> {
    if value.contains(':') {
        return (value.len() <= 128).then_some(("SSDEEP", value));
    }
    let hex = value.strip_prefix("T1").unwrap_or(value);
    (hex.len() == 70).then_some(("TLSH", hex))
}

/// Returns a `file` observable. Its id covers `name` and one hash, the
/// first present of MD5, SHA-1, SHA-256 and SHA-512, as STIX 2.1 asks
/// for the `hashes` id-contributing property.
fn file<'a>(
    name: Option<&str>,
    hashes: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Observable {
    // An ssdeep digest is base64 and keeps its case; the others are hex.
    let hashes: BTreeMap<&'static str, String> = hashes
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(algorithm, value)| match algorithm {
            "SSDEEP" => (algorithm, value.to_string()),
            _ => (algorithm, value.to_ascii_lowercase()),
        })
        .collect();
    // The stix2 library (3.0.2) falls back to the first hash present when
    // none of the four is, which for the one hash of a fuzzy digest is
    // that hash.
    let chosen = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
        .into_iter()
        .find_map(|algorithm| Some((algorithm, hashes.get(algorithm)?)))
        .or_else(|| hashes.iter().next().map(|(&a, v)| (a, v)));
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
        key: None,
        number: None,
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

/// Returns the STIX pattern that matches an observable: its value, key
/// or number, or any of a file's hashes.
fn pattern(observable: &Observable) -> String {
    let kind = observable.kind;
    let single = if let Some(value) = &observable.value {
        Some(format!("{kind}:value = {}", quote(value)))
    } else if let Some(key) = &observable.key {
        Some(format!("{kind}:key = {}", quote(key)))
    } else {
        observable.number.map(|number| format!("{kind}:number = {number}"))
    };
    // A file named in the text has no digest to compare.
    let name_only = if observable.hashes.is_empty() {
        let name = observable.name.as_ref();
        name.map(|name| format!("{kind}:name = {}", quote(name)))
    } else {
        None
    };
    let comparisons: Vec<String> = match single.or(name_only) {
        Some(comparison) => vec![comparison],
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
            (
                registry_key(
                    r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run",
                ),
                "windows-registry-key--ecf60546-d6cf-5d2e-a987-2439b4b6eb62",
            ),
            (
                valued("mac-addr", "00:1a:2b:3c:4d:5e"),
                "mac-addr--8bbba7bb-0054-556b-a740-4d38221678a8",
            ),
            (
                autonomous_system(13335),
                "autonomous-system--0204c07d-e4dd-5f14-a3d5-c93cb1c5a9fc",
            ),
            (
                file(
                    None,
                    [(
                        "SSDEEP",
                        "3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY",
                    )],
                ),
                "file--9be4222b-e381-5904-b174-a2d646b59397",
            ),
            (
                file(
                    None,
                    [fuzzy_hash(
                        "T125E311126D865460FF8336026FE17411395B812FA619CAA8F6\
                         8F1021F523E7B6DBD8FD",
                    )
                    .unwrap()],
                ),
                "file--e0161978-4124-517c-8744-131fda75ff63",
            ),
            // The UUIDv5 of `{"name":"Global\\BitStreamSvc"}` in the STIX
            // namespace, computed with Python's `uuid` module.
            (
                mutex(r"Global\BitStreamSvc"),
                "mutex--aa84fd84-d0da-5b25-8b66-d3221595bcf2",
            ),
        ];
        for (observable, expected) in cases {
            assert_eq!(observable.id, expected);
        }
    }

    #[test]
    fn ipv6_zone_dropped() {
        let cases = [
            ("fe80::1%eth0", "fe80::1"),
            ("fe80::1%25", "fe80::1"),
            ("fe80::%3/64", "fe80::/64"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:db8::/32", "2001:db8::/32"),
        ];
        for (value, expected) in cases {
            assert_eq!(without_zone(value), expected, "{value}");
        }
    }

    #[test]
    fn registry_hive_group_gives_key_per_hive() {
        let keys = hive_group_keys(r"(HKLM|hkcu)\Software\x");
        assert_eq!(keys, [r"HKLM\Software\x", r"hkcu\Software\x"]);
        let keys = hive_group_keys(r"HKLM\Software\(x|y)\z");
        assert_eq!(keys, [r"HKLM\Software\(x|y)\z"]);
        let key = registry_key(&keys[0]).key.unwrap();
        assert_eq!(key, r"HKEY_LOCAL_MACHINE\Software\(x|y)\z");
    }

    #[test]
    fn registry_hives_spelled_out() {
        let cases = [
            (r"HKLM\Software\x", r"HKEY_LOCAL_MACHINE\Software\x"),
            (r"hkcu\Software", r"HKEY_CURRENT_USER\Software"),
            (r"HKU\S-1-5-18", r"HKEY_USERS\S-1-5-18"),
            (r"HKEY_CLASSES_ROOT\.exe", r"HKEY_CLASSES_ROOT\.exe"),
            (r"hkey_users\x", r"HKEY_USERS\x"),
            (r"\Registry\Machine\System", r"HKEY_LOCAL_MACHINE\System"),
            (r"\REGISTRY\USER\S-1-5-18", r"HKEY_USERS\S-1-5-18"),
            (r"HKLMX\x", r"HKLMX\x"),
        ];
        for (value, expected) in cases {
            assert_eq!(full_hive_key(value), expected, "{value}");
        }
    }

    #[test]
    fn new_observables_have_patterns() {
        let key = registry_key(r"HKCU\Software\it's");
        assert_eq!(
            pattern(&key),
            r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\it\'s']"
        );
        assert_eq!(
            pattern(&autonomous_system(13335)),
            "[autonomous-system:number = 13335]"
        );
        assert_eq!(
            pattern(&mutex(r"Global\it's")),
            r"[mutex:name = 'Global\\it\'s']"
        );
        let ssdeep = file(None, [("SSDEEP", "3:AbC:Ab")]);
        assert_eq!(pattern(&ssdeep), "[file:hashes.'SSDEEP' = '3:AbC:Ab']");
        assert_eq!(asn_number("AS4294967295"), Some(u32::MAX));
        assert_eq!(fuzzy_hash(&format!("3:{}:a", "b".repeat(130))), None);
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
        let named = file(Some(r"it's.exe"), []);
        assert_eq!(pattern(&named), r"[file:name = 'it\'s.exe']");
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
