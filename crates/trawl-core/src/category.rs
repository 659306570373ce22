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
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 10] = [
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
        }
    }

    /// Parses a report key; `crypto` selects both wallet categories.
    pub fn parse_list(name: &str) -> Option<CategorySet> {
        let name = name.trim().to_ascii_lowercase();
        if name == "crypto" {
            return Some(
                CategorySet::empty().with(Category::Btc).with(Category::Eth),
            );
        }
        let singular = |c: Category| {
            c.name().strip_suffix('s').map(|s| s == name).unwrap_or(false)
        };
        Category::ALL
            .into_iter()
            .find(|c| c.name() == name || singular(*c))
            .map(|c| CategorySet::empty().with(c))
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
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

/// A set of categories, used to select which detectors run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CategorySet(u16);

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
        assert!(Category::parse_list("nonsense").is_none());
    }
}
