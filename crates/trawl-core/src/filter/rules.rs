//! The entries of every list of one kind, indexed for lookups that cost
//! a few hash probes per value, whatever the number of entries.

use std::collections::HashMap;
use std::net::IpAddr;

use super::list::{host_mask, List, Network, Rule};
use super::ranges::Ranges;
use crate::{Category, Detection};

type Map<V> = HashMap<Box<str>, V, foldhash::fast::RandomState>;

/// The place a rule was written: its list, line and group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Origin {
    /// Index into `RuleSet::origins`.
    pub list: usize,
    pub line: usize,
    /// Index into `RuleSet::groups`.
    pub group: Option<usize>,
}

/// The rules of the lists of one kind. A rule is a number, its index in
/// `rules`, and lower numbers were listed first.
#[derive(Clone, Debug, Default)]
pub(super) struct RuleSet {
    pub origins: Vec<String>,
    pub groups: Vec<String>,
    pub rules: Vec<Origin>,
    /// Exact values by category.
    exact: HashMap<Category, Map<u32>, foldhash::fast::RandomState>,
    /// Domain suffixes, without the leading dot.
    suffixes: Map<u32>,
    /// The maximum number of labels of a suffix, so that a lookup hashes
    /// no suffix of a host that is too long to match.
    max_suffix_labels: usize,
    /// URL path prefixes by host, each path empty or `/a/b`.
    paths: Map<Map<u32>>,
    /// The maximum number of segments of a path prefix.
    max_path_segments: usize,
    v4: Ranges,
    v6: Ranges,
}

impl RuleSet {
    /// Indexes the entries of `lists`, in order. Of two entries for the
    /// same value, the first is kept.
    pub fn new(lists: Vec<List>) -> RuleSet {
        let mut set = RuleSet::default();
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for list in lists {
            let list_index = set.origins.len();
            let group_base = set.groups.len();
            set.origins.push(list.origin);
            set.groups.extend(list.groups);
            for entry in list.entries {
                let Ok(rule) = u32::try_from(set.rules.len()) else {
                    break;
                };
                set.rules.push(Origin {
                    list: list_index,
                    line: entry.line,
                    group: entry.group.map(|g| g.saturating_add(group_base)),
                });
                match entry.rule {
                    Rule::Exact(category, value) => {
                        let values = set.exact.entry(category).or_default();
                        values.entry(value.into()).or_insert(rule);
                    }
                    Rule::Suffix(name) => {
                        let labels = name.split('.').count();
                        set.max_suffix_labels =
                            set.max_suffix_labels.max(labels);
                        set.suffixes.entry(name.into()).or_insert(rule);
                    }
                    Rule::Network(Network { v6: true, first, last }) => {
                        v6.push((first, last, rule));
                    }
                    Rule::Network(Network { v6: false, first, last }) => {
                        v4.push((first, last, rule));
                    }
                    Rule::Path { host, path } => {
                        let segments = path.split('/').skip(1).count();
                        set.max_path_segments =
                            set.max_path_segments.max(segments);
                        let paths = set.paths.entry(host.into()).or_default();
                        paths.entry(path.into()).or_insert(rule);
                    }
                }
            }
        }
        set.v4 = Ranges::new(v4);
        set.v6 = Ranges::new(v6);
        set
    }

    /// Reports whether the set has no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Returns the most specific rule that matches a detection: an exact
    /// value before a URL path, a path before the URL's host, a host
    /// before a suffix, a longer suffix or smaller network before a
    /// shorter or larger one.
    pub fn find(&self, detection: &Detection) -> Option<u32> {
        // TODO: match exact values of custom rule categories too; list
        // entries are read by the built-in scanner only.
        let category = detection.category.builtin()?;
        let value = detection.value.as_str();
        if let Some(rule) = self.exact(category, value) {
            return Some(rule);
        }
        match category {
            Category::Url => {
                let (host, path) = split_url(value)?;
                self.path(host, path).or_else(|| self.host(host))
            }
            Category::Domain => self.suffix(value),
            Category::Ip => self.address(value),
            Category::Email => {
                let (_, domain) = value.rsplit_once('@')?;
                self.host(domain)
            }
            // Other categories, and any added later, match exact values
            // only.
            _ => None,
        }
    }

    fn exact(&self, category: Category, value: &str) -> Option<u32> {
        self.exact.get(&category)?.get(value).copied()
    }

    /// Matches the host of a URL or an e-mail address: a domain name as
    /// an exact domain or by suffix, an address by network.
    fn host(&self, host: &str) -> Option<u32> {
        if host.parse::<IpAddr>().is_ok() {
            return self.address(host);
        }
        self.exact(Category::Domain, host).or_else(|| self.suffix(host))
    }

    /// Matches a host name against the suffixes, longest first. Only the
    /// suffixes with at most `max_suffix_labels` labels are hashed.
    fn suffix(&self, host: &str) -> Option<u32> {
        if self.suffixes.is_empty() {
            return None;
        }
        let labels = host.split('.').count();
        let skip = labels.saturating_sub(self.max_suffix_labels);
        let mut rest = host;
        for _ in 0..skip {
            rest = rest.split_once('.').map_or("", |(_, tail)| tail);
        }
        loop {
            if let Some(&rule) = self.suffixes.get(rest) {
                return Some(rule);
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// Matches an address, or a network value, by the smallest listed
    /// network that contains it whole. A zone id is ignored.
    fn address(&self, value: &str) -> Option<u32> {
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value, None),
        };
        let address = address.split_once('%').map_or(address, |(a, _)| a);
        let (ranges, bits, width) = match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => (&self.v4, u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (&self.v6, u128::from(v6), 128),
        };
        if ranges.is_empty() {
            return None;
        }
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u32>().ok()?.min(width),
            None => width,
        };
        let mask = host_mask(prefix, width);
        ranges.find(bits & !mask, bits | mask)
    }

    /// Matches the path prefixes listed for `host`, longest first. Only
    /// the first `max_path_segments` segments of `path` are looked at.
    fn path(&self, host: &str, path: &str) -> Option<u32> {
        let prefixes = self.paths.get(host)?;
        // Ends of the prefixes of `path` that end a segment, shortest
        // first; the empty prefix is the whole host.
        let mut ends = vec![0];
        let slashes = path.match_indices('/').map(|(at, _)| at);
        for at in slashes.skip(1).chain(std::iter::once(path.len())) {
            if ends.len() > self.max_path_segments {
                break;
            }
            if ends.last() != Some(&at) {
                ends.push(at);
            }
        }
        ends.iter().rev().find_map(|&end| {
            let prefix = path.get(..end)?;
            prefixes.get(prefix).copied()
        })
    }
}

/// Splits a URL value into its host, without brackets, user name or
/// port, and its path, without query or fragment.
pub(super) fn split_url(url: &str) -> Option<(&str, &str)> {
    let (_, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let path = tail.get(..path_end)?;
    Some((host, path))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::Source;

    fn set(text: &str) -> RuleSet {
        RuleSet::new(vec![List::parse(text, "t").unwrap()])
    }

    fn detection(category: Category, value: &str) -> Detection {
        Detection {
            category: category.into(),
            value: value.to_string(),
            start: 0,
            end: value.len(),
            kind: None,
            decoded: None,
            source: Source::Text,
            rule: None,
        }
    }

    /// Returns the line of the rule that matches, if any.
    fn line(set: &RuleSet, category: Category, value: &str) -> Option<usize> {
        let rule = set.find(&detection(category, value))?;
        set.rules.get(usize::try_from(rule).ok()?).map(|o| o.line)
    }

    #[test]
    fn suffix_matches_name_and_subdomains_only() {
        let rules = set(".example.com\n");
        let domain = |value| line(&rules, Category::Domain, value);
        assert_eq!(domain("example.com"), Some(1));
        assert_eq!(domain("www.example.com"), Some(1));
        assert_eq!(domain("a.b.c.example.com"), Some(1));
        assert_eq!(domain("badexample.com"), None);
        assert_eq!(domain("example.com.evil.net"), None);
        assert_eq!(domain("example.co"), None);
        assert_eq!(domain("com"), None);
    }

    #[test]
    fn longest_suffix_named_first() {
        let rules = set("*.com\n.example.com\n.www.example.com\n");
        let domain = |value| line(&rules, Category::Domain, value);
        assert_eq!(domain("x.www.example.com"), Some(3));
        assert_eq!(domain("mail.example.com"), Some(2));
        assert_eq!(domain("other.com"), Some(1));
        assert_eq!(domain("other.net"), None);
    }

    #[test]
    fn exact_domain_is_not_a_suffix() {
        let rules = set("example.com\n");
        assert_eq!(line(&rules, Category::Domain, "example.com"), Some(1));
        assert_eq!(line(&rules, Category::Domain, "www.example.com"), None);
    }

    #[test]
    fn exact_values_per_category() {
        let rules = set("d41d8cd98f00b204e9800998ecf8427e\nCVE-2021-44228\n\
             http://evil.com/A\nbob@example.com\n");
        let md5 = "D41D8CD98F00B204E9800998ECF8427E".to_lowercase();
        assert_eq!(line(&rules, Category::Hash, &md5), Some(1));
        assert_eq!(line(&rules, Category::Cve, "CVE-2021-44228"), Some(2));
        assert_eq!(line(&rules, Category::Url, "http://evil.com/A"), Some(3));
        assert_eq!(line(&rules, Category::Url, "http://evil.com/a"), None);
        assert_eq!(line(&rules, Category::Email, "bob@example.com"), Some(4));
        assert_eq!(line(&rules, Category::Email, "Bob@example.com"), None);
        // A value of another category does not match.
        assert_eq!(line(&rules, Category::Domain, "CVE-2021-44228"), None);
    }

    #[test]
    fn url_and_email_hosts_match_domains() {
        let rules = set("evil.com\n.bad.net\n");
        let url = |value| line(&rules, Category::Url, value);
        assert_eq!(url("https://evil.com/x?y#z"), Some(1));
        assert_eq!(url("https://user:pw@evil.com:8443/x"), Some(1));
        assert_eq!(url("https://www.evil.com/x"), None);
        assert_eq!(url("http://c2.bad.net"), Some(2));
        assert_eq!(url("http://notbad.net/"), None);
        assert_eq!(url("file:///C:/x.exe"), None);
        let email = |value| line(&rules, Category::Email, value);
        assert_eq!(email("a@evil.com"), Some(1));
        assert_eq!(email("a@mx.bad.net"), Some(2));
        assert_eq!(email("a@evil.org"), None);
    }

    #[test]
    fn networks_match_addresses_urls_and_networks() {
        let rules = set("10.0.0.0/8\n2001:db8::/32\n192.0.2.7\n");
        let ip = |value| line(&rules, Category::Ip, value);
        assert_eq!(ip("10.0.0.0"), Some(1));
        assert_eq!(ip("10.255.255.255"), Some(1));
        assert_eq!(ip("11.0.0.0"), None);
        assert_eq!(ip("9.255.255.255"), None);
        assert_eq!(ip("10.1.0.0/16"), Some(1));
        assert_eq!(ip("10.0.0.0/7"), None);
        assert_eq!(ip("2001:db8::1"), Some(2));
        assert_eq!(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), Some(2));
        assert_eq!(ip("2001:db9::"), None);
        assert_eq!(ip("2001:db8::1%eth0"), Some(2));
        assert_eq!(ip("192.0.2.7"), Some(3));
        assert_eq!(ip("192.0.2.8"), None);
        // An IPv4 network never matches an IPv6 address.
        assert_eq!(ip("::ffff:10.0.0.1"), None);
        let url = |value| line(&rules, Category::Url, value);
        assert_eq!(url("http://10.9.8.7:8080/a"), Some(1));
        assert_eq!(url("http://[2001:db8::5]/a"), Some(2));
        assert_eq!(url("http://[2001:db9::5]/a"), None);
    }

    #[test]
    fn url_paths_match_at_segment_ends() {
        let rules = set("example.com/docs/*\nexample.com/docs/api/v2/*\n\
             other.org/*\n");
        let url = |value| line(&rules, Category::Url, value);
        assert_eq!(url("https://example.com/docs"), Some(1));
        assert_eq!(url("http://example.com/docs/"), Some(1));
        assert_eq!(url("ftp://example.com/docs/x.html?q=1"), Some(1));
        assert_eq!(url("https://example.com/docs/api/v2/x"), Some(2));
        assert_eq!(url("https://example.com/docs/api/v2"), Some(2));
        assert_eq!(url("https://example.com/docs/api/v3"), Some(1));
        assert_eq!(url("https://example.com/docsx"), None);
        assert_eq!(url("https://example.com/Docs/x"), None);
        assert_eq!(url("https://example.com/"), None);
        assert_eq!(url("https://example.com/x/docs"), None);
        assert_eq!(url("https://www.example.com/docs"), None);
        assert_eq!(url("https://other.org"), Some(3));
        assert_eq!(url("https://other.org/a/b?c"), Some(3));
        // A path rule matches URLs only, never the bare host.
        assert_eq!(line(&rules, Category::Domain, "other.org"), None);
    }

    #[test]
    fn deep_paths_stop_at_segment_limit() {
        let rules = set("example.com/a/*\n");
        let deep = format!("https://example.com/a{}", "/b".repeat(5000));
        assert_eq!(line(&rules, Category::Url, &deep), Some(1));
        let slashes = format!("https://example.com/{}", "/".repeat(5000));
        assert_eq!(line(&rules, Category::Url, &slashes), None);
    }

    #[test]
    fn first_listed_duplicate_wins() {
        let rules = RuleSet::new(vec![
            List::parse("evil.com\n.x.org\n10.0.0.0/8\n", "a").unwrap(),
            List::parse("\nevil.com\n.x.org\n10.0.0.0/8\n", "b").unwrap(),
        ]);
        let origin = |category, value| {
            let rule = rules.find(&detection(category, value)).unwrap();
            let origin = rules.rules[rule as usize];
            (rules.origins[origin.list].as_str(), origin.line)
        };
        assert_eq!(origin(Category::Domain, "evil.com"), ("a", 1));
        assert_eq!(origin(Category::Domain, "y.x.org"), ("a", 2));
        assert_eq!(origin(Category::Ip, "10.1.1.1"), ("a", 3));
    }

    #[test]
    fn split_url_parts() {
        let cases = [
            ("http://a.com", Some(("a.com", ""))),
            ("http://a.com/x/y?q#f", Some(("a.com", "/x/y"))),
            ("http://u:p@a.com:80/x", Some(("a.com", "/x"))),
            ("http://[::1]:80/x", Some(("::1", "/x"))),
            ("http://a.com?x=/y", Some(("a.com", ""))),
            ("file:///C:/x", Some(("", "/C:/x"))),
            ("nonsense", None),
        ];
        for (url, expected) in cases {
            assert_eq!(split_url(url), expected, "{url}");
        }
    }
}
