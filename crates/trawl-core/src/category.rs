//! Indicator categories and their names in the report.

use serde::Serialize;

use crate::rules::CustomCategory;

/// One kind of indicator. The order of the variants is the order of the
/// lists in the report's `iocs` object.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize,
)]
pub enum Category {
    /// URLs with a network scheme.
    #[serde(rename = "urls")]
    Url,
    /// Host names validated against the public suffix list.
    #[serde(rename = "domains")]
    Domain,
    /// IPv4 and IPv6 addresses and networks.
    #[serde(rename = "ips")]
    Ip,
    /// MD5, SHA-1, SHA-256 and SHA-512 digests in hex.
    #[serde(rename = "hashes")]
    Hash,
    /// E-mail addresses.
    #[serde(rename = "emails")]
    Email,
    /// Windows, UNC, environment-relative and Unix file paths.
    #[serde(rename = "filepaths")]
    FilePath,
    /// Base64 tokens that decode to text or a known binary header.
    #[serde(rename = "base64")]
    Base64,
    /// Bitcoin addresses with a verified checksum.
    #[serde(rename = "crypto.btc")]
    Btc,
    /// Ethereum addresses.
    #[serde(rename = "crypto.eth")]
    Eth,
    /// CVE identifiers.
    #[serde(rename = "cves")]
    Cve,
    /// Windows registry keys under a named hive.
    #[serde(rename = "registry_keys")]
    RegistryKey,
    /// MITRE ATT&CK technique, sub-technique and tactic identifiers.
    #[serde(rename = "attack_techniques")]
    AttackTechnique,
    /// MAC addresses.
    #[serde(rename = "macs")]
    Mac,
    /// Monero addresses with a verified checksum.
    #[serde(rename = "crypto.xmr")]
    Xmr,
    /// ssdeep and TLSH similarity digests.
    #[serde(rename = "fuzzy_hashes")]
    FuzzyHash,
    /// Autonomous system numbers.
    #[serde(rename = "asns")]
    Asn,
    /// File names written without a directory.
    #[serde(rename = "filenames")]
    FileName,
    /// Litecoin addresses with a verified checksum.
    #[serde(rename = "crypto.ltc")]
    Ltc,
    /// Bitcoin Cash addresses in the CashAddr form, with a verified
    /// checksum.
    #[serde(rename = "crypto.bch")]
    Bch,
    /// Dash addresses with a verified checksum.
    #[serde(rename = "crypto.dash")]
    Dash,
    /// Names of mutexes and other named kernel synchronisation objects,
    /// reported only from context that names them.
    #[serde(rename = "mutexes")]
    Mutex,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 21] = [
        Category::Url,
        Category::Domain,
        Category::Ip,
        Category::Hash,
        Category::Email,
        Category::FilePath,
        Category::Base64,
        Category::Btc,
        Category::Eth,
        Category::Cve,
        Category::RegistryKey,
        Category::AttackTechnique,
        Category::Mac,
        Category::Xmr,
        Category::FuzzyHash,
        Category::Asn,
        Category::FileName,
        Category::Ltc,
        Category::Bch,
        Category::Dash,
        Category::Mutex,
    ];

    /// Returns the key of this category in the report's `iocs` object.
    pub fn name(self) -> &'static str {
        match self {
            Category::Url => "urls",
            Category::Domain => "domains",
            Category::Ip => "ips",
            Category::Hash => "hashes",
            Category::Email => "emails",
            Category::FilePath => "filepaths",
            Category::Base64 => "base64",
            Category::Btc => "crypto.btc",
            Category::Eth => "crypto.eth",
            Category::Cve => "cves",
            Category::RegistryKey => "registry_keys",
            Category::AttackTechnique => "attack_techniques",
            Category::Mac => "macs",
            Category::Xmr => "crypto.xmr",
            Category::FuzzyHash => "fuzzy_hashes",
            Category::Asn => "asns",
            Category::FileName => "filenames",
            Category::Ltc => "crypto.ltc",
            Category::Bch => "crypto.bch",
            Category::Dash => "crypto.dash",
            Category::Mutex => "mutexes",
        }
    }

    /// Parses a report key or its singular (`ip`, `hash`, `mac`);
    /// `crypto` selects every wallet category.
    pub fn parse_list(name: &str) -> Option<CategorySet> {
        let name = name.trim().to_ascii_lowercase();
        if name == "crypto" {
            return Some(
                CategorySet::empty()
                    .with(Category::Btc)
                    .with(Category::Eth)
                    .with(Category::Xmr)
                    .with(Category::Ltc)
                    .with(Category::Bch)
                    .with(Category::Dash),
            );
        }
        Category::ALL
            .into_iter()
            .find(|c| {
                c.name() == name || singular(c.name()) == Some(name.as_str())
            })
            .map(|c| CategorySet::empty().with(c))
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The `iocs` list a detection belongs to: a built-in category, or the
/// category of a custom rule. Built-in lists come first in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IocKey {
    /// A built-in category.
    Category(Category),
    /// A category declared in a rules file.
    Custom(CustomCategory),
}

impl IocKey {
    /// Returns the built-in category, if the key is one.
    pub fn builtin(self) -> Option<Category> {
        match self {
            IocKey::Category(category) => Some(category),
            IocKey::Custom(_) => None,
        }
    }

    /// Returns the position of the key's list among all lists: built-in
    /// categories first, then custom ones.
    pub(crate) fn list_index(self) -> usize {
        match self {
            IocKey::Category(category) => category as usize,
            IocKey::Custom(custom) => {
                Category::ALL.len().saturating_add(custom.index())
            }
        }
    }
}

impl From<Category> for IocKey {
    fn from(category: Category) -> IocKey {
        IocKey::Category(category)
    }
}

impl PartialEq<Category> for IocKey {
    fn eq(&self, other: &Category) -> bool {
        *self == IocKey::Category(*other)
    }
}

/// Returns the singular of a plural report key: `hashes` gives `hash`
/// and `ips` gives `ip`. Keys without a plural `s` have none.
fn singular(name: &str) -> Option<&str> {
    match name.strip_suffix("es") {
        Some(stem) if stem.ends_with("sh") || stem.ends_with('x') => {
            Some(stem)
        }
        _ => name.strip_suffix('s'),
    }
}

/// A set of categories, used to select which detectors run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CategorySet(u32);

impl CategorySet {
    /// Returns the set with every category.
    pub fn all() -> CategorySet {
        Category::ALL.into_iter().fold(CategorySet(0), CategorySet::with)
    }

    /// Returns the empty set.
    pub fn empty() -> CategorySet {
        CategorySet(0)
    }

    /// Returns this set with `category` added.
    pub fn with(self, category: Category) -> CategorySet {
        CategorySet(self.0 | category.bit())
    }

    /// Returns the union of two sets.
    pub fn union(self, other: CategorySet) -> CategorySet {
        CategorySet(self.0 | other.0)
    }

    /// Reports whether `category` is in the set.
    pub fn contains(self, category: Category) -> bool {
        self.0 & category.bit() != 0
    }
}

impl Default for CategorySet {
    fn default() -> Self {
        CategorySet::all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_list_accepts_names_and_singulars() {
        let urls = Category::parse_list("urls").unwrap();
        assert!(urls.contains(Category::Url));
        let ip = Category::parse_list("IP").unwrap();
        assert!(ip.contains(Category::Ip));
        let btc = Category::parse_list("crypto.btc").unwrap();
        assert!(btc.contains(Category::Btc));
        let crypto = Category::parse_list("crypto").unwrap();
        assert!(crypto.contains(Category::Btc));
        assert!(crypto.contains(Category::Eth));
        assert!(crypto.contains(Category::Xmr));
        assert!(crypto.contains(Category::Ltc));
        assert!(crypto.contains(Category::Bch));
        assert!(crypto.contains(Category::Dash));
        assert!(!crypto.contains(Category::Cve));
        assert!(Category::parse_list("nonsense").is_none());
    }

    #[test]
    fn parse_list_accepts_new_category_singulars() {
        let cases = [
            ("hash", Category::Hash),
            ("registry_key", Category::RegistryKey),
            ("registry_keys", Category::RegistryKey),
            ("attack_technique", Category::AttackTechnique),
            ("mac", Category::Mac),
            ("crypto.xmr", Category::Xmr),
            ("fuzzy_hash", Category::FuzzyHash),
            ("fuzzy_hashes", Category::FuzzyHash),
            ("asn", Category::Asn),
            ("filename", Category::FileName),
            ("filenames", Category::FileName),
            ("crypto.ltc", Category::Ltc),
            ("crypto.bch", Category::Bch),
            ("crypto.dash", Category::Dash),
            ("mutexes", Category::Mutex),
            ("mutex", Category::Mutex),
        ];
        for (name, category) in cases {
            let set = Category::parse_list(name).unwrap();
            assert!(set.contains(category), "{name}");
            assert_eq!(set, CategorySet::empty().with(category), "{name}");
        }
        assert!(Category::parse_list("fuzzy_hashe").is_none());
    }

    #[test]
    fn every_category_has_its_own_bit() {
        let all = CategorySet::all();
        for category in Category::ALL {
            assert!(all.contains(category), "{category:?}");
            let alone = CategorySet::empty().with(category);
            let others = Category::ALL.into_iter().filter(|&c| c != category);
            for other in others {
                assert!(!alone.contains(other), "{category:?} {other:?}");
            }
        }
    }
}
