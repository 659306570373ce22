//! Custom detectors that users declare in a TOML rules file.
//!
//! Each rule has a name, a category (a report key of its own), a pattern
//! for a linear-time regex engine, and optional steps that shape the
//! value: a capture group, boundaries, stripped characters, validators
//! and case normalisation. [`RuleSet::parse`] compiles one file, and
//! [`RuleSet::append`] joins the files of a run. The scanner runs the
//! rules over the same refanged text as the built-in detectors.
//!
//! Nothing in a rules file is executed: a pattern compiles to finite
//! automata whose size is capped, and every search over the input is
//! bounded as `search` explains. docs/rules.md describes the format.

mod parse;
mod search;
#[cfg(test)]
mod tests;
mod value;

use std::fmt;
use std::sync::Arc;

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;

use crate::Limits;

pub use value::Checksum;

/// Maximum rules in one rule set, over all its files.
pub const MAX_RULES: usize = 256;

/// Maximum length of a pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 4096;

/// Maximum size of a rules file, in bytes.
pub const MAX_RULES_FILE_LEN: usize = 1 << 20;

/// Default `max_length` of a rule: the longest match, in bytes, that it
/// reports.
pub const DEFAULT_MAX_LENGTH: usize = 256;

/// Largest `max_length` a rule may set. The scanner further caps it at
/// `Limits::max_token_len`.
pub const MAX_MAX_LENGTH: usize = 8192;

/// A custom category: the position of its name in the rule set's list of
/// categories, which is the order of its keys in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomCategory(u16);

impl CustomCategory {
    /// Returns the position of the category in
    /// [`RuleSet::categories`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    pub(crate) fn from_index(index: usize) -> Option<CustomCategory> {
        u16::try_from(index).ok().map(CustomCategory)
    }
}

/// A rule: its position in its rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(u16);

impl RuleId {
    /// Returns the position of the rule in [`RuleSet::rules`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    name: String,
    category: CustomCategory,
    description: Option<String>,
    origin: Arc<str>,
    /// Line and column of the rule's `name` value in its file.
    line: usize,
    column: usize,
    regex: Regex,
    /// Capture group the value comes from; 0 is the whole match.
    group: usize,
    max_length: usize,
    boundary: value::Boundary,
    strip: Vec<char>,
    normalize: value::Normalize,
    validate: value::Validate,
    /// Cleared by [`RuleSet::select_categories`] for a category that is
    /// not reported.
    enabled: bool,
}

impl Rule {
    /// Returns the rule's name, unique in its rule set.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the rule's category.
    pub fn category(&self) -> CustomCategory {
        self.category
    }

    /// Returns the description the file gives, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Returns the name of the file the rule came from, as given to
    /// [`RuleSet::parse`].
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Returns the line of the rule's `name` in its file, from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reports whether the scanner runs this rule.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

/// The rules of a run, in file order, and their categories in order of
/// first use.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    categories: Arc<[String]>,
}

/// An invalid rules file: where the problem is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// The file name given to [`RuleSet::parse`].
    pub origin: String,
    /// Line of the problem, from 1.
    pub line: usize,
    /// Column of the problem in characters, from 1.
    pub column: usize,
    /// The problem and the change that fixes it.
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RuleError { origin, line, column, reason } = self;
        write!(f, "{origin}:{line}:{column}: {reason}")
    }
}

impl std::error::Error for RuleError {}

/// A value a rule found, with offsets into the scanned text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleMatch {
    pub rule: RuleId,
    pub category: CustomCategory,
    pub start: usize,
    pub end: usize,
    pub value: String,
}

impl RuleSet {
    /// Parses and compiles the rules file `text`. `origin` names the file
    /// in errors and in [`Rule::origin`].
    pub fn parse(text: &str, origin: &str) -> Result<RuleSet, RuleError> {
        parse::parse(text, origin)
    }

    /// Adds the rules of `other` after this set's. Fails on a rule name
    /// already in this set, or when the joined set would have more than
    /// [`MAX_RULES`] rules. The error points into `other`'s file.
    pub fn append(&mut self, other: RuleSet) -> Result<(), RuleError> {
        let mut categories: Vec<String> = self.categories.to_vec();
        for rule in other.rules {
            if let Some(first) =
                self.rules.iter().find(|r| r.name == rule.name)
            {
                return Err(rule.error(format!(
                    "duplicate rule name '{}'; {}:{} already uses it, so \
                     rename one of the two",
                    rule.name, first.origin, first.line
                )));
            }
            if self.rules.len() >= MAX_RULES {
                return Err(rule.error(too_many_rules()));
            }
            let name = other.categories.get(rule.category.index());
            let name = name.map(String::as_str).unwrap_or_default();
            let category = category_index(&mut categories, name)
                .ok_or_else(|| rule.error(too_many_rules()))?;
            self.rules.push(Rule { category, ..rule });
        }
        self.categories = categories.into();
        Ok(())
    }

    /// Returns the number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Reports whether the set has no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Iterates over the rules in file order.
    pub fn rules(&self) -> impl Iterator<Item = (RuleId, &Rule)> {
        self.rules.iter().zip(0..).map(|(rule, id)| (RuleId(id), rule))
    }

    /// Returns one rule.
    pub fn rule(&self, id: RuleId) -> Option<&Rule> {
        self.rules.get(id.index())
    }

    /// Returns the names of the custom categories, in report order.
    pub fn categories(&self) -> &Arc<[String]> {
        &self.categories
    }

    /// Returns the name of a custom category.
    pub fn category_name(&self, category: CustomCategory) -> Option<&str> {
        self.categories.get(category.index()).map(String::as_str)
    }

    /// Returns the custom category called `name`, in any case.
    pub fn find_category(&self, name: &str) -> Option<CustomCategory> {
        let name = name.trim();
        let index = self
            .categories
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))?;
        u16::try_from(index).ok().map(CustomCategory)
    }

    /// Runs only the rules of the `selected` categories. The other
    /// categories keep their (empty) keys in the report, as unselected
    /// built-in categories do.
    pub fn select_categories(&mut self, selected: &[CustomCategory]) {
        for rule in &mut self.rules {
            rule.enabled = selected.contains(&rule.category);
        }
    }

    /// Pushes the values every enabled rule finds in `text`, sorted by
    /// start offset, then by rule.
    pub(crate) fn find_all(
        &self,
        text: &[u8],
        limits: &Limits,
        out: &mut Vec<RuleMatch>,
    ) {
        let first = out.len();
        for (id, rule) in self.rules() {
            if rule.enabled {
                rule.find(id, text, limits, out);
            }
        }
        // Each rule's matches ascend and the rules come in order, so the
        // stable sort merges runs that are already sorted.
        if let Some(found) = out.get_mut(first..) {
            found.sort_by_key(|m| m.start);
        }
    }
}

impl Rule {
    /// Pushes this rule's values in `text`, in order of start offset.
    fn find(
        &self,
        id: RuleId,
        text: &[u8],
        limits: &Limits,
        out: &mut Vec<RuleMatch>,
    ) {
        let max_length = self.max_length.min(limits.max_token_len).max(1);
        let mut captures: Option<Captures> =
            (self.group != 0).then(|| self.regex.create_captures());
        search::for_each_match(&self.regex, text, max_length, |start, end| {
            let span = match captures.as_mut() {
                Some(captures) => search::group_span(
                    &self.regex,
                    text,
                    (start, end),
                    captures,
                    self.group,
                ),
                None => Some((start, end)),
            };
            let found = span.and_then(|span| {
                value::accept(self, text, (start, end), span)
            });
            if let Some((start, end, value)) = found {
                out.push(RuleMatch {
                    rule: id,
                    category: self.category,
                    start,
                    end,
                    value,
                });
            }
        });
    }

    /// Returns an error located at the rule's name.
    fn error(&self, reason: String) -> RuleError {
        RuleError {
            origin: self.origin.to_string(),
            line: self.line,
            column: self.column,
            reason,
        }
    }
}

/// Returns the index of `name` in `categories`, adding it when new, or
/// `None` past [`MAX_RULES`] categories.
fn category_index(
    categories: &mut Vec<String>,
    name: &str,
) -> Option<CustomCategory> {
    let index = match categories.iter().position(|c| c == name) {
        Some(index) => index,
        None if categories.len() < MAX_RULES => {
            categories.push(name.to_string());
            categories.len().saturating_sub(1)
        }
        None => return None,
    };
    u16::try_from(index).ok().map(CustomCategory)
}

fn too_many_rules() -> String {
    format!(
        "more than {MAX_RULES} rules; join rules of one category into one \
         pattern with `|`, or split the files across runs"
    )
}
