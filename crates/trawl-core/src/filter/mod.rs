//! Relevance filtering: allow lists, block lists and the built-in list
//! of benign names, applied to detections after a scan.
//!
//! An allow list names known-good values, which must never reach a
//! blocklist: a detection that matches one is dropped. A block list
//! names known-bad values: a detection that matches one is always kept,
//! even when an allow list or the benign list names it too, and marked. The
//! benign list ([`List::benign`]) names hosts that reports mention but
//! that are not indicators, such as XML namespaces and certificate
//! revocation servers. Block lists are checked first, then allow lists,
//! then the benign list.
//!
//! A URL matches through its exact value, a path entry or its host. The
//! host a URL gives (reported beside it in `domains` or `ips`) is dropped
//! with its URL by a [`FilterPass`], which sees the detections in scan
//! order.

mod list;
mod ranges;
mod rules;

use std::fmt;

pub use list::{List, ListError, ListErrorKind};

use crate::{Category, Detection};
use rules::RuleSet;

/// The kind of list an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// Known-good values, dropped from the report.
    Allow,
    /// Known-bad values, always kept.
    Block,
    /// The built-in list of names that are not indicators, dropped.
    Benign,
}

/// The list entry a detection matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match<'a> {
    /// The kind of list.
    pub kind: ListKind,
    /// The list's name, as given to [`List::parse`].
    pub origin: &'a str,
    /// The entry's line number, from 1.
    pub line: usize,
    /// The group the entry belongs to, named by a `# group:` line.
    pub group: Option<&'a str>,
}

/// Writes the reason for a verdict: `allow list ORIGIN:LINE`, `block
/// list ORIGIN:LINE`, or `benign: GROUP` for the built-in list.
impl fmt::Display for Match<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (origin, line) = (self.origin, self.line);
        match (self.kind, self.group) {
            (ListKind::Allow, _) => write!(f, "allow list {origin}:{line}"),
            (ListKind::Block, _) => write!(f, "block list {origin}:{line}"),
            (ListKind::Benign, Some(group)) => write!(f, "benign: {group}"),
            (ListKind::Benign, None) => write!(f, "benign: {origin}:{line}"),
        }
    }
}

/// The decision a filter makes for one detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// No list names the value.
    Keep,
    /// A block list names the value; it is kept.
    Listed(Match<'a>),
    /// An allow list or the benign list names the value; it is dropped.
    Dropped(Match<'a>),
}

impl Verdict<'_> {
    /// Reports whether the detection is left out of the report.
    pub fn is_dropped(&self) -> bool {
        matches!(self, Verdict::Dropped(_))
    }
}

/// Allow, block and benign lists, indexed for matching. An empty filter
/// keeps every detection.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    block: RuleSet,
    allow: RuleSet,
    benign: RuleSet,
}

/// Collects the lists of a [`Filter`].
#[derive(Clone, Debug, Default)]
pub struct FilterBuilder {
    allow: Vec<List>,
    block: Vec<List>,
    benign: bool,
}

impl FilterBuilder {
    /// Adds an allow list. Of two lists naming one value, the one added
    /// first is given as the reason.
    pub fn allow(mut self, list: List) -> FilterBuilder {
        self.allow.push(list);
        self
    }

    /// Adds a block list.
    pub fn block(mut self, list: List) -> FilterBuilder {
        self.block.push(list);
        self
    }

    /// Adds the built-in benign list.
    pub fn benign(mut self) -> FilterBuilder {
        self.benign = true;
        self
    }

    /// Indexes the lists.
    pub fn build(self) -> Filter {
        let benign = match self.benign {
            true => vec![List::benign()],
            false => Vec::new(),
        };
        Filter {
            block: RuleSet::new(self.block),
            allow: RuleSet::new(self.allow),
            benign: RuleSet::new(benign),
        }
    }
}

impl Filter {
    /// Starts a filter.
    pub fn builder() -> FilterBuilder {
        FilterBuilder::default()
    }

    /// Reports whether the filter has no entry, and so keeps everything.
    pub fn is_empty(&self) -> bool {
        self.block.is_empty()
            && self.allow.is_empty()
            && self.benign.is_empty()
    }

    /// Decides for one detection on its own, without the rule that drops
    /// a URL's host with the URL; [`Filter::pass`] applies that too.
    pub fn check(&self, detection: &Detection) -> Verdict<'_> {
        if let Some(found) = find(&self.block, ListKind::Block, detection) {
            return Verdict::Listed(found);
        }
        let allowed = find(&self.allow, ListKind::Allow, detection);
        let benign = || find(&self.benign, ListKind::Benign, detection);
        match allowed.or_else(benign) {
            Some(found) => Verdict::Dropped(found),
            None => Verdict::Keep,
        }
    }

    /// Starts a pass over the detections of one scan, in the order the
    /// scanner emits them.
    pub fn pass(&self) -> FilterPass<'_> {
        FilterPass { filter: self, dropped_url: None }
    }

    /// Removes the dropped detections, which must be in scan order.
    pub fn retain(&self, detections: &mut Vec<Detection>) {
        if self.is_empty() {
            return;
        }
        let mut pass = self.pass();
        detections.retain(|detection| !pass.check(detection).is_dropped());
    }
}

/// Looks a detection up in one kind of list.
fn find<'a>(
    set: &'a RuleSet,
    kind: ListKind,
    detection: &Detection,
) -> Option<Match<'a>> {
    if set.is_empty() {
        return None;
    }
    let rule = set.find(detection)?;
    let origin = set.rules.get(usize::try_from(rule).ok()?)?;
    Some(Match {
        kind,
        origin: set.origins.get(origin.list).map_or("", String::as_str),
        line: origin.line,
        group: origin
            .group
            .and_then(|g| set.groups.get(g))
            .map(String::as_str),
    })
}

/// Filters the detections of one scan in order. The scanner emits a
/// URL's host after the URL and inside its span, so a pass that drops a
/// URL also drops the host that follows it, unless a block list names
/// the host.
#[derive(Clone, Debug)]
pub struct FilterPass<'f> {
    filter: &'f Filter,
    dropped_url: Option<DroppedUrl<'f>>,
}

/// The last URL of a pass, when it was dropped.
#[derive(Clone, Debug)]
struct DroppedUrl<'f> {
    start: usize,
    end: usize,
    host: String,
    reason: Match<'f>,
}

impl<'f> FilterPass<'f> {
    /// Decides for the next detection.
    pub fn check(&mut self, detection: &Detection) -> Verdict<'f> {
        if self.filter.is_empty() {
            return Verdict::Keep;
        }
        let verdict = self.filter.check(detection);
        match detection.category.builtin() {
            Some(Category::Url) => {
                self.dropped_url = match verdict {
                    Verdict::Dropped(reason) => dropped_url(detection, reason),
                    Verdict::Keep | Verdict::Listed(_) => None,
                };
                verdict
            }
            Some(Category::Domain | Category::Ip)
                if verdict == Verdict::Keep =>
            {
                match &self.dropped_url {
                    Some(url) if url.owns(detection) => {
                        Verdict::Dropped(url.reason)
                    }
                    _ => Verdict::Keep,
                }
            }
            _ => verdict,
        }
    }
}

fn dropped_url<'f>(
    detection: &Detection,
    reason: Match<'f>,
) -> Option<DroppedUrl<'f>> {
    let (host, _) = rules::split_url(&detection.value)?;
    Some(DroppedUrl {
        start: detection.start,
        end: detection.end,
        host: host.to_string(),
        reason,
    })
}

impl DroppedUrl<'_> {
    /// Reports whether `detection` is this URL's host. Values found in
    /// one decoded payload share the payload's span, so the value must
    /// equal the host too.
    fn owns(&self, detection: &Detection) -> bool {
        self.start <= detection.start
            && detection.end <= self.end
            && detection.value == self.host
    }
}

#[cfg(test)]
mod tests;
