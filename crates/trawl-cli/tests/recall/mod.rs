//! Scoring for the corpus recall test: which trawl list each truth
//! type is scored against, how values are normalised before they are
//! compared, and the per-type tally of found and missed values.
//!
//! The corpus truth is canonical: re-fanged, with hashes, domains and
//! e-mails in lower case. trawl reports values as written after
//! re-fanging, so both sides go through the same normalisation here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use serde_json::Value;

/// A truth value that is wrong for its type or that no extractor of
/// free text can report as written, left out of the counts.
#[derive(Debug)]
pub struct Erratum {
    /// The source label, as in the test's source table.
    pub source: &'static str,
    /// The truth type the value is listed under.
    pub truth_type: &'static str,
    /// The value as written in `truth.json`.
    pub value: &'static str,
    /// Why the value is left out.
    pub reason: &'static str,
}

/// Truth values left out of the counts, each with its reason.
pub const ERRATA: &[Erratum] = &[
    Erratum {
        source: "eset-adoc",
        truth_type: "btc",
        value: "qph3s8p27pfg2lxgpzqmdel25tsmlryatyhxwzx3x5",
        reason: "a Bitcoin Cash CashAddr without its prefix, listed as btc",
    },
    Erratum {
        source: "eset-adoc",
        truth_type: "url",
        value: "http://45.124.132.127/DOVIDNIK - (2018).zip",
        reason: "contains spaces, which end a URL in free text",
    },
    Erratum {
        source: "fireeye-openioc",
        truth_type: "filepath",
        value: "ProgramData",
        reason: "a directory name without a separator, listed as a path",
    },
    Erratum {
        source: "eset-adoc",
        truth_type: "registry",
        value: "(HKLM|HKCU)\\Software\\Microsoft\\Windows\\CurrentVersion\\\
                Explorer\\CLSID\\",
        reason: "a pattern naming two hives, cut before the CLSID that the \
                 text writes after it",
    },
    Erratum {
        source: "eset-adoc",
        truth_type: "registry",
        value: "{59031A47-3F72-44A7-80C5-5595FE6B30EE}",
        reason: "a CLSID without its key, listed as a registry key",
    },
];

/// Returns the erratum for a truth value, if there is one.
pub fn erratum(
    source: &str,
    truth_type: &str,
    value: &str,
) -> Option<&'static Erratum> {
    ERRATA.iter().find(|e| {
        e.source == source && e.truth_type == truth_type && e.value == value
    })
}

/// A truth type that trawl covers, named after the list it is scored
/// against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `md5`, `sha1`, `sha256`, `sha512`, scored against `hashes`.
    Hash,
    /// `ipv4`, `ipv6`, scored against `ips`.
    Ip,
    /// `domain`, scored against `domains`, by URL hosts and by e-mail
    /// domains.
    Domain,
    /// `url`, scored against `urls`.
    Url,
    /// `email`, scored against `emails`.
    Email,
    /// `cve`, scored against `cves`.
    Cve,
    /// `btc`, scored against `crypto.btc` and `crypto.bch`, because the
    /// truth files list Bitcoin Cash addresses under `btc`.
    Btc,
    /// `filepath`, scored against `filepaths`.
    Filepath,
    /// `registry`, scored against `registry_keys`.
    Registry,
    /// `xmr`, scored against `crypto.xmr`.
    Xmr,
    /// `dash`, scored against `crypto.dash`.
    Dash,
    /// A `filename` without a directory, scored against `filenames`.
    FileName,
    /// `mutex`, scored against `mutexes`.
    Mutex,
}

impl Kind {
    /// Returns the kind that scores `truth_type`, or `None` for a type
    /// that the peer comparison does not count: one trawl has no category
    /// for (pdb, ...) or one no peer tool covers (registry, filename,
    /// mutex).
    pub fn of_truth_type(truth_type: &str) -> Option<Kind> {
        match truth_type {
            "md5" | "sha1" | "sha256" | "sha512" => Some(Kind::Hash),
            "ipv4" | "ipv6" => Some(Kind::Ip),
            "domain" => Some(Kind::Domain),
            "url" => Some(Kind::Url),
            "email" => Some(Kind::Email),
            "cve" => Some(Kind::Cve),
            "btc" => Some(Kind::Btc),
            "filepath" => Some(Kind::Filepath),
            _ => None,
        }
    }

    /// Returns the kind that scores `truth_type` among the types that the
    /// peer tools do not cover, which are scored on their own.
    pub fn of_uncompared_truth_type(truth_type: &str) -> Option<Kind> {
        match truth_type {
            "registry" => Some(Kind::Registry),
            "xmr" => Some(Kind::Xmr),
            "dash" => Some(Kind::Dash),
            _ => None,
        }
    }

    /// Normalises a value of this kind, from either side.
    pub fn normalise(self, value: &str) -> String {
        match self {
            Kind::Hash | Kind::Email | Kind::Filepath | Kind::FileName => {
                value.to_lowercase()
            }
            Kind::Domain => value.trim_end_matches('.').to_ascii_lowercase(),
            Kind::Ip => normalise_ip(value),
            Kind::Url => normalise_url(value),
            Kind::Cve => value.to_ascii_uppercase(),
            // Object names are case-sensitive.
            Kind::Btc | Kind::Xmr | Kind::Dash | Kind::Mutex => {
                value.to_string()
            }
            // Key names are case-insensitive, and a trailing separator
            // names the same key.
            Kind::Registry => value.trim_end_matches('\\').to_lowercase(),
        }
    }
}

/// Writes an IP address in its standard text form, so that IPv6 compares
/// compressed and in lower case. A value that does not parse is only
/// lower-cased.
pub fn normalise_ip(value: &str) -> String {
    let bare = value.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(address) => address.to_string(),
        Err(_) => value.to_ascii_lowercase(),
    }
}

/// Lower-cases the scheme and the authority of a URL and strips one
/// trailing `/`. The path, query and fragment keep their case. A value
/// without `://` is taken to start with its authority.
pub fn normalise_url(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(at) => value.split_at(at + 3),
        None => ("", value),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut url = String::with_capacity(value.len());
    url.push_str(&scheme.to_ascii_lowercase());
    url.push_str(&authority.to_ascii_lowercase());
    url.push_str(tail.strip_suffix('/').unwrap_or(tail));
    url
}

/// Returns the host of a URL, lower-cased: the authority without user
/// information and port. `None` when the URL has no `://`.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end)?;
    let host_port = authority.rsplit_once('@').map_or(authority, |p| p.1);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split_once(']').map_or(bracketed, |p| p.0)
    } else {
        host_port.split_once(':').map_or(host_port, |p| p.0)
    };
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// The values trawl reported for one input, normalised per kind.
#[derive(Debug, Default)]
pub struct Found {
    by_kind: HashMap<Kind, HashSet<String>>,
    /// Reported URLs, normalised and without their scheme, to match URL
    /// truth written without one.
    urls_without_scheme: HashSet<String>,
    /// Every reported value of every list, lower-cased, to show whether
    /// a value of an uncovered type turned up in some other list.
    anywhere: HashSet<String>,
}

impl Found {
    /// Collects the `iocs` object of one trawl report.
    pub fn from_iocs(iocs: &Value) -> Found {
        let mut found = Found::default();
        let Some(lists) = iocs.as_object() else {
            return found;
        };
        for (category, values) in lists {
            let values = values.as_array().into_iter().flatten();
            for value in values.filter_map(Value::as_str) {
                found.add(category, value);
            }
        }
        found
    }

    fn add(&mut self, category: &str, value: &str) {
        self.anywhere.insert(value.to_lowercase());
        let kind = match category {
            "hashes" => Kind::Hash,
            "ips" => Kind::Ip,
            "domains" => Kind::Domain,
            "urls" => {
                if let Some(host) = url_host(value) {
                    self.insert(Kind::Domain, &host);
                }
                let url = normalise_url(value);
                let bare = url.split_once("://").map_or(&*url, |p| p.1);
                self.urls_without_scheme.insert(bare.to_string());
                Kind::Url
            }
            "emails" => {
                if let Some((_, domain)) = value.rsplit_once('@') {
                    self.insert(Kind::Domain, domain);
                }
                Kind::Email
            }
            "cves" => Kind::Cve,
            "crypto.btc" | "crypto.bch" => Kind::Btc,
            "filepaths" => Kind::Filepath,
            "registry_keys" => Kind::Registry,
            "crypto.xmr" => Kind::Xmr,
            "crypto.dash" => Kind::Dash,
            "filenames" => Kind::FileName,
            "mutexes" => Kind::Mutex,
            _ => return,
        };
        self.insert(kind, value);
    }

    fn insert(&mut self, kind: Kind, value: &str) {
        let normalised = kind.normalise(value);
        self.by_kind.entry(kind).or_default().insert(normalised);
    }

    /// Tells whether a truth value of `truth_type` was reported: in the
    /// list of its kind, or for an uncovered type in any list.
    pub fn contains(&self, truth_type: &str, value: &str) -> bool {
        match Kind::of_truth_type(truth_type) {
            Some(Kind::Url) if !value.contains("://") => {
                self.contains_schemeless_url(value)
            }
            Some(kind) => self.has(kind, value),
            None => self.anywhere.contains(&value.to_lowercase()),
        }
    }

    /// Tells whether a value of `kind` was reported in the list of its
    /// kind.
    pub fn has(&self, kind: Kind, value: &str) -> bool {
        let normalised = kind.normalise(value);
        self.by_kind.get(&kind).is_some_and(|set| set.contains(&normalised))
    }

    /// Matches URL truth without a scheme: publishers list C2 host names
    /// as URLs, and the text then has a bare name, which trawl reports
    /// as a domain.
    fn contains_schemeless_url(&self, value: &str) -> bool {
        let is_host = !value.contains(['/', '?', '#']);
        (is_host && self.has(Kind::Domain, value))
            || self.urls_without_scheme.contains(&normalise_url(value))
    }
}

/// One truth value that trawl did not report.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The file, relative to its source directory.
    pub file: String,
    /// The truth value as written in `truth.json`.
    pub value: String,
}

/// The count of truth values and found values of one type in one source.
#[derive(Debug, Default)]
pub struct Tally {
    /// Truth values, counted once per file that lists them.
    pub truth: usize,
    /// Truth values that trawl reported for their file.
    pub found: usize,
    /// The values not reported, in file order.
    pub missed: Vec<Miss>,
    /// Values left out of the counts by an erratum.
    pub excluded: Vec<(Miss, &'static Erratum)>,
}

impl Tally {
    /// Records one truth value and whether it was found.
    pub fn record(&mut self, file: &str, value: &str, found: bool) {
        self.truth += 1;
        if found {
            self.found += 1;
        } else {
            self.missed.push(Miss {
                file: file.to_string(),
                value: value.to_string(),
            });
        }
    }

    /// Adds the counts of `other`, without its misses.
    pub fn add_counts(&mut self, other: &Tally) {
        self.truth += other.truth;
        self.found += other.found;
    }

    /// Returns found / truth, or 1 for an empty tally.
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            return 1.0;
        }
        self.found as f64 / self.truth as f64
    }
}

/// Tallies of one source, by truth type in name order.
pub type SourceTallies = BTreeMap<String, Tally>;

/// Scores one file of `source`: each truth value of each type against
/// `found`, except the values that an erratum leaves out.
pub fn score_file(
    tallies: &mut SourceTallies,
    source: &str,
    file: &str,
    truth: &Value,
    found: &Found,
) {
    let Some(types) = truth.as_object() else {
        return;
    };
    for (truth_type, values) in types {
        let tally = tallies.entry(truth_type.clone()).or_default();
        let values = values.as_array().into_iter().flatten();
        for value in values.filter_map(Value::as_str) {
            if let Some(erratum) = erratum(source, truth_type, value) {
                let miss =
                    Miss { file: file.to_string(), value: value.to_string() };
                tally.excluded.push((miss, erratum));
                continue;
            }
            tally.record(file, value, found.contains(truth_type, value));
        }
    }
}

/// Sums the tallies of covered types.
pub fn counted_total(tallies: &SourceTallies) -> Tally {
    let mut total = Tally::default();
    for (truth_type, tally) in tallies {
        if Kind::of_truth_type(truth_type).is_some() {
            total.add_counts(tally);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_normalisation_keeps_path_case() {
        let cases = [
            ("HTTPS://Evil.COM/A/b/", "https://evil.com/A/b"),
            ("http://x.com/", "http://x.com"),
            ("http://x.com", "http://x.com"),
            ("http://X.com?Q=1", "http://x.com?Q=1"),
            ("Host.Example/Path", "host.example/Path"),
            ("http://x.com//", "http://x.com/"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise_url(input), expected, "{input}");
        }
    }

    #[test]
    fn url_host_drops_user_and_port() {
        let cases = [
            ("https://Evil.com:8443/a", Some("evil.com")),
            ("http://user:pw@host.net/", Some("host.net")),
            ("http://[2001:db8::1]:80/", Some("2001:db8::1")),
            ("http://1.2.3.4?x=1", Some("1.2.3.4")),
            ("evil.com/path", None),
        ];
        for (input, expected) in cases {
            assert_eq!(url_host(input).as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn ipv6_compared_in_compressed_form() {
        assert_eq!(normalise_ip("2001:0DB8:0:0:0:0:0:1"), "2001:db8::1");
        assert_eq!(normalise_ip("[::1]"), "::1");
        assert_eq!(normalise_ip("10.0.0.1"), "10.0.0.1");
        assert_eq!(normalise_ip("not-an-ip"), "not-an-ip");
    }

    #[test]
    fn domain_found_as_url_host_or_email() {
        let found = Found::from_iocs(&json!({
            "urls": ["https://A.Example.com:8080/x"],
            "emails": ["Bob@Mail.Example.org"],
            "domains": ["plain.example.net"],
        }));
        assert!(found.contains("domain", "a.example.com"));
        assert!(found.contains("domain", "mail.example.org"));
        assert!(found.contains("domain", "plain.example.net"));
        assert!(found.contains("email", "bob@mail.example.org"));
        assert!(!found.contains("domain", "example.com"));
    }

    #[test]
    fn truth_type_scored_against_own_list() {
        let found = Found::from_iocs(&json!({
            "registry_keys": ["HKLM\\SYSTEM\\Services\\x"],
            "hashes": ["D41D8CD98F00B204E9800998ECF8427E"],
            "cves": ["cve-2021-44228"],
            "crypto.btc": ["1BoatSLRHtKNngkdXEeobR76b6gG3r6pAy"],
            "filepaths": ["C:\\Users\\Public\\doc.exe"],
        }));
        assert!(found.contains("md5", "d41d8cd98f00b204e9800998ecf8427e"));
        assert!(found.contains("cve", "CVE-2021-44228"));
        assert!(found.contains("btc", "1BoatSLRHtKNngkdXEeobR76b6gG3r6pAy"));
        assert!(!found.contains("btc", "1boatslrhtknngkdxeeobr76b6gg3r6pay"));
        assert!(found.contains("filepath", "c:\\users\\public\\doc.exe"));
        assert!(!found.contains("ipv4", "d41d8cd98f00b204e9800998ecf8427e"));
        assert!(found.has(Kind::Registry, "hklm\\system\\services\\x\\"));
        assert!(!found.has(Kind::Registry, "hklm\\system\\services"));
    }

    #[test]
    fn uncovered_type_found_in_any_list() {
        let found = Found::from_iocs(&json!({
            "filepaths": ["D:\\work\\Release\\x.pdb"],
        }));
        assert!(found.contains("pdb", "d:\\work\\release\\x.pdb"));
        assert!(!found.contains("mutex", "Global\\x"));
    }

    #[test]
    fn mutexes_compare_case_sensitively() {
        let found = Found::from_iocs(&json!({ "mutexes": ["Global\\Ab"] }));
        assert!(found.has(Kind::Mutex, "Global\\Ab"));
        assert!(!found.has(Kind::Mutex, "global\\ab"));
    }

    #[test]
    fn schemeless_url_truth_matches_host_or_url() {
        let found = Found::from_iocs(&json!({
            "urls": ["http://Evil.example.com/Path/"],
            "domains": ["c2.example.net"],
        }));
        assert!(found.contains("url", "c2.example.net"));
        assert!(found.contains("url", "evil.example.com/Path"));
        assert!(!found.contains("url", "evil.example.com/path"));
        assert!(!found.contains("url", "http://c2.example.net"));
        assert!(!found.contains("url", "other.example.net"));
    }

    #[test]
    fn erratum_value_left_out_of_counts() {
        let mut tallies = SourceTallies::new();
        let found = Found::default();
        let truth = json!({ "filepath": ["ProgramData", "C:\\x.exe"] });
        score_file(&mut tallies, "fireeye-openioc", "a.ioc", &truth, &found);
        let filepath = &tallies["filepath"];
        assert_eq!(filepath.truth, 1);
        assert_eq!(filepath.excluded.len(), 1);
        assert_eq!(filepath.excluded[0].0.value, "ProgramData");
    }

    #[test]
    fn tally_recall_counts_misses() {
        let mut tallies = SourceTallies::new();
        let found = Found::from_iocs(&json!({ "ips": ["10.0.0.1"] }));
        let truth = json!({
            "ipv4": ["10.0.0.1", "10.0.0.2"],
            "mutex": ["m"],
        });
        score_file(&mut tallies, "test", "a.txt", &truth, &found);
        let ipv4 = &tallies["ipv4"];
        assert_eq!((ipv4.truth, ipv4.found), (2, 1));
        assert_eq!(ipv4.missed[0].value, "10.0.0.2");
        let total = counted_total(&tallies);
        assert_eq!((total.truth, total.found), (2, 1));
        assert_eq!(total.recall(), 0.5);
    }
}
