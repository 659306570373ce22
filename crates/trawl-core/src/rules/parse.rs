//! Reads a rules file and compiles its rules, locating every error at
//! the line and column of the value to fix.

use std::ops::Range;
use std::sync::Arc;

use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::PatternID;
use serde::Deserialize;
use toml::{Spanned, Value};

use super::value::{Boundary, Checksum, Normalize, Validate};
use super::{
    category_index, too_many_rules, CustomCategory, Rule, RuleError, RuleSet,
    DEFAULT_MAX_LENGTH, MAX_MAX_LENGTH, MAX_PATTERN_LEN, MAX_RULES,
    MAX_RULES_FILE_LEN,
};
use crate::Category;

/// The rules file format this version reads.
const VERSION: i64 = 1;

/// Maximum length of a rule or category name, in bytes.
const MAX_NAME_LEN: usize = 64;

/// Maximum length of a description, in characters.
const MAX_DESCRIPTION_LEN: usize = 256;

/// Maximum nesting of groups and repetitions in a pattern. The parser
/// recurses on nesting, so it is bounded well below what its stack can
/// take.
const MAX_NESTING: u32 = 64;

/// Cap on one pattern's compiled NFA, in bytes.
const NFA_SIZE_LIMIT: usize = 1 << 20;

/// Cap on the fully compiled DFA and one-pass DFA the engine builds for
/// small patterns, in bytes.
const DFA_SIZE_LIMIT: usize = 256 << 10;

/// Cap on the lazy DFA's cache, in bytes, for each rule and thread.
const LAZY_DFA_CACHE: usize = 512 << 10;

/// Cap on the memory of all compiled patterns of one file, in bytes.
const TOTAL_SIZE_LIMIT: usize = 32 << 20;

/// A rules file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleToml>>,
}

/// One `[[rule]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    name: Spanned<String>,
    category: Spanned<String>,
    pattern: Spanned<String>,
    description: Option<Spanned<String>>,
    group: Option<Spanned<Value>>,
    max_length: Option<Spanned<i64>>,
    boundary: Option<Spanned<Value>>,
    strip: Option<String>,
    #[serde(default)]
    normalize: NormalizeToml,
    validate: Option<ValidateToml>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "lowercase")]
enum NormalizeToml {
    #[default]
    None,
    Lowercase,
    Uppercase,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidateToml {
    length: Option<Spanned<LengthToml>>,
    charset: Option<Spanned<String>>,
    checksum: Option<ChecksumToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LengthToml {
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum ChecksumToml {
    Luhn,
    Base58check,
    Bech32,
    Eip55,
}

/// The file being read, for locating errors.
struct Source<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Source<'_> {
    /// Returns an error at byte `offset` of the file.
    fn error(&self, offset: usize, reason: impl Into<String>) -> RuleError {
        let (line, column) = line_column(self.text, offset);
        RuleError {
            origin: self.origin.to_string(),
            line,
            column,
            reason: reason.into(),
        }
    }

    fn error_at<T>(
        &self,
        value: &Spanned<T>,
        reason: impl Into<String>,
    ) -> RuleError {
        self.error(value.span().start, reason)
    }
}

/// Returns the line and column, both from 1, of byte `offset` of `text`.
/// The column counts characters, as editors do.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = (0..=offset.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or_default();
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i.saturating_add(1));
    let line = before.matches('\n').count().saturating_add(1);
    let column = before.get(line_start..).unwrap_or_default().chars().count();
    (line, column.saturating_add(1))
}

pub(super) fn parse(text: &str, origin: &str) -> Result<RuleSet, RuleError> {
    let source = Source { text, origin };
    if text.len() > MAX_RULES_FILE_LEN {
        return Err(source.error(
            0,
            format!(
                "rules file is longer than {MAX_RULES_FILE_LEN} bytes; \
                 split it into several files"
            ),
        ));
    }
    let file: FileToml = toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let message = error.message().trim().replace('\n', "; ");
        source.error(offset, message)
    })?;
    if let Some(version) = &file.version {
        if *version.get_ref() != VERSION {
            return Err(source.error_at(
                version,
                format!(
                    "unsupported rules file version {}; this trawl reads \
                     version {VERSION}",
                    version.get_ref()
                ),
            ));
        }
    }

    let origin: Arc<str> = Arc::from(origin);
    let mut rules: Vec<Rule> = Vec::new();
    let mut categories: Vec<String> = Vec::new();
    let mut total_size = 0usize;
    for table in file.rule {
        let offset = table.span().start;
        if rules.len() >= MAX_RULES {
            return Err(source.error(offset, too_many_rules()));
        }
        let rule = table.into_inner();
        if let Some(first) =
            rules.iter().find(|r| r.name == *rule.name.get_ref())
        {
            return Err(source.error_at(
                &rule.name,
                format!(
                    "duplicate rule name '{}'; line {} already uses it, \
                     so rename one of the two",
                    rule.name.get_ref(),
                    first.line
                ),
            ));
        }
        let category = check_category(&source, &rule.category)?;
        let category = category_index(&mut categories, category)
            .ok_or_else(|| source.error(offset, too_many_rules()))?;
        let compiled = compile(&source, &origin, rule, category)?;
        total_size = total_size.saturating_add(compiled.regex.memory_usage());
        if total_size > TOTAL_SIZE_LIMIT {
            return Err(source.error(
                offset,
                format!(
                    "the patterns of this file compile to more than {} \
                     MiB; simplify the largest ones or split the file",
                    TOTAL_SIZE_LIMIT >> 20
                ),
            ));
        }
        rules.push(compiled);
    }
    Ok(RuleSet { rules, categories: categories.into() })
}

/// Compiles one rule whose category has been checked.
fn compile(
    source: &Source<'_>,
    origin: &Arc<str>,
    rule: RuleToml,
    category: CustomCategory,
) -> Result<Rule, RuleError> {
    let name = check_name(source, &rule.name)?;
    let description = match &rule.description {
        Some(text) => Some(check_description(source, text)?),
        None => None,
    };
    let regex = compile_pattern(source, &rule.pattern, rule.group.is_some())?;
    let group = match &rule.group {
        Some(group) => group_index(source, &regex, group)?,
        None => 0,
    };
    let max_length = match &rule.max_length {
        Some(max) => check_max_length(source, max)?,
        None => DEFAULT_MAX_LENGTH,
    };
    let boundary = match &rule.boundary {
        Some(boundary) => parse_boundary(source, boundary)?,
        None => Boundary::word(),
    };
    let validate = match rule.validate {
        Some(validate) => check_validate(source, validate)?,
        None => Validate::default(),
    };
    let normalize = match rule.normalize {
        NormalizeToml::None => Normalize::None,
        NormalizeToml::Lowercase => Normalize::Lowercase,
        NormalizeToml::Uppercase => Normalize::Uppercase,
    };
    let (line, column) = line_column(source.text, rule.name.span().start);
    Ok(Rule {
        name,
        category,
        description,
        origin: Arc::clone(origin),
        line,
        column,
        regex,
        group,
        max_length,
        boundary,
        strip: rule.strip.unwrap_or_default().chars().collect(),
        normalize,
        validate,
        enabled: true,
    })
}

fn check_name(
    source: &Source<'_>,
    name: &Spanned<String>,
) -> Result<String, RuleError> {
    let text = name.get_ref();
    let valid = (1..=MAX_NAME_LEN).contains(&text.len())
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
        });
    if !valid {
        return Err(source.error_at(
            name,
            format!(
                "invalid rule name '{}'; use 1 to {MAX_NAME_LEN} ASCII \
                 letters, digits, '_', '-' or '.'",
                text.escape_debug()
            ),
        ));
    }
    Ok(text.clone())
}

/// Checks a category name: a new report key that JSON, CSV and `--types`
/// lists carry without quoting, and that matches no built-in key.
fn check_category<'a>(
    source: &Source<'_>,
    category: &'a Spanned<String>,
) -> Result<&'a str, RuleError> {
    let name = category.get_ref();
    let mut bytes = name.bytes();
    let valid = (1..=MAX_NAME_LEN).contains(&name.len())
        && bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
    if !valid {
        return Err(source.error_at(
            category,
            format!(
                "invalid category '{}'; use 1 to {MAX_NAME_LEN} lowercase \
                 ASCII letters, digits or '_', starting with a letter, \
                 such as 'internal_hosts'",
                name.escape_debug()
            ),
        ));
    }
    if Category::parse_list(name).is_some() {
        return Err(source.error_at(
            category,
            format!(
                "category '{name}' is a built-in report key or one of its \
                 singular forms; choose another name, such as \
                 'custom_{name}'"
            ),
        ));
    }
    Ok(name)
}

fn check_description(
    source: &Source<'_>,
    description: &Spanned<String>,
) -> Result<String, RuleError> {
    let text = description.get_ref();
    if text.chars().count() > MAX_DESCRIPTION_LEN
        || text.chars().any(char::is_control)
    {
        return Err(source.error_at(
            description,
            format!(
                "description must be one line of at most \
                 {MAX_DESCRIPTION_LEN} characters without control \
                 characters"
            ),
        ));
    }
    Ok(text.clone())
}

fn check_max_length(
    source: &Source<'_>,
    max: &Spanned<i64>,
) -> Result<usize, RuleError> {
    usize::try_from(*max.get_ref())
        .ok()
        .filter(|n| (1..=MAX_MAX_LENGTH).contains(n))
        .ok_or_else(|| {
            source.error_at(
                max,
                format!(
                    "max_length must be from 1 to {MAX_MAX_LENGTH} bytes, \
                     got {}",
                    max.get_ref()
                ),
            )
        })
}

/// Parses and compiles a pattern. Capture groups are compiled only when
/// the rule takes its value from one, since they slow the search.
fn compile_pattern(
    source: &Source<'_>,
    pattern: &Spanned<String>,
    captures: bool,
) -> Result<Regex, RuleError> {
    let text = pattern.get_ref();
    if text.is_empty() {
        return Err(source.error_at(pattern, "pattern is empty"));
    }
    if text.len() > MAX_PATTERN_LEN {
        return Err(source.error_at(
            pattern,
            format!(
                "pattern is longer than {MAX_PATTERN_LEN} bytes; split it \
                 into several rules"
            ),
        ));
    }
    // `^` and `$` match at line ends: the scanner splits large inputs
    // after newlines, so only line anchors mean the same in every part.
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(MAX_NESTING)
        .multi_line(true)
        .crlf(true)
        .build()
        .parse(text)
        .map_err(|error| pattern_error(source, pattern, &error))?;
    if hir.properties().minimum_len() == Some(0) {
        return Err(source.error_at(
            pattern,
            "pattern can match the empty string, which gives no value; \
             require at least one character, for example `+` instead of \
             `*`",
        ));
    }
    let which =
        if captures { WhichCaptures::All } else { WhichCaptures::Implicit };
    let config = meta::Config::new()
        .nfa_size_limit(Some(NFA_SIZE_LIMIT))
        .onepass_size_limit(Some(DFA_SIZE_LIMIT))
        .dfa_size_limit(Some(DFA_SIZE_LIMIT))
        .hybrid_cache_capacity(LAZY_DFA_CACHE)
        .which_captures(which);
    meta::Builder::new().configure(config).build_from_hir(&hir).map_err(
        |error| match error.size_limit() {
            Some(limit) => source.error_at(
                pattern,
                format!(
                    "pattern compiles to more than {} KiB; use fewer or \
                     smaller repetitions, or ASCII classes such as \
                     (?-u:\\w) instead of Unicode ones",
                    limit >> 10
                ),
            ),
            None => {
                source.error_at(pattern, format!("invalid pattern: {error}"))
            }
        },
    )
}

/// Returns the error of a pattern that does not parse, at the column of
/// the problem inside the pattern where the file writes it literally.
fn pattern_error(
    source: &Source<'_>,
    pattern: &Spanned<String>,
    error: &regex_syntax::Error,
) -> RuleError {
    let (kind, at) = match error {
        regex_syntax::Error::Parse(error) => {
            let hint = match error.kind() {
                regex_syntax::ast::ErrorKind::UnsupportedLookAround
                | regex_syntax::ast::ErrorKind::UnsupportedBackreference => {
                    "; patterns run in linear time without backtracking, \
                     so take the value from a capture group with `group`, \
                     and use `boundary` for what may not touch it"
                }
                _ => "",
            };
            (format!("{}{hint}", error.kind()), error.span().start.offset)
        }
        regex_syntax::Error::Translate(error) => {
            (error.kind().to_string(), error.span().start.offset)
        }
        _ => (error.to_string(), 0),
    };
    let offset = pattern_offset(source.text, pattern, at);
    source.error(offset, format!("invalid pattern: {kind}"))
}

/// Returns the file offset of byte `at` of a pattern. Literal strings
/// (`'...'` and `'''...'''`) and basic strings without escapes contain
/// the pattern as written. For other strings the offset is the string's
/// start.
fn pattern_offset(text: &str, pattern: &Spanned<String>, at: usize) -> usize {
    let span: Range<usize> = pattern.span();
    let written = text.get(span.clone()).unwrap_or_default();
    let value = pattern.get_ref();
    for quote in ["'''", "\"\"\"", "'", "\""] {
        let Some(inner) = written.strip_prefix(quote) else { continue };
        // A newline right after a multi-line string's opening quotes is
        // not part of the string.
        let trimmed = match quote.len() {
            3 => inner
                .strip_prefix("\r\n")
                .or_else(|| inner.strip_prefix('\n'))
                .unwrap_or(inner),
            _ => inner,
        };
        let closed = trimmed
            .strip_prefix(value.as_str())
            .is_some_and(|rest| rest.starts_with(quote));
        if closed {
            let skipped = written.len().saturating_sub(trimmed.len());
            return span.start.saturating_add(skipped).saturating_add(at);
        }
        break;
    }
    span.start
}

/// Returns the index of the capture group `group` names, by number or
/// by name.
fn group_index(
    source: &Source<'_>,
    regex: &Regex,
    group: &Spanned<Value>,
) -> Result<usize, RuleError> {
    let info = regex.group_info();
    let count = info.group_len(PatternID::ZERO);
    let index = match group.get_ref() {
        Value::Integer(n) => usize::try_from(*n).ok().filter(|n| *n < count),
        Value::String(name) => info.to_index(PatternID::ZERO, name),
        _ => {
            return Err(source.error_at(
                group,
                "group must be a capture group's number or name",
            ))
        }
    };
    index.ok_or_else(|| {
        let names: Vec<String> = info
            .pattern_names(PatternID::ZERO)
            .flatten()
            .map(|name| format!("'{name}'"))
            .collect();
        let named = match names.is_empty() {
            true => String::new(),
            false => format!(" or a name ({})", names.join(", ")),
        };
        let given = match group.get_ref() {
            Value::Integer(n) => n.to_string(),
            Value::String(name) => format!("'{}'", name.escape_debug()),
            _ => String::new(),
        };
        source.error_at(
            group,
            format!(
                "the pattern has no capture group {given}; use a number \
                 from 0 to {}{named}",
                count.saturating_sub(1)
            ),
        )
    })
}

/// Parses `boundary`: `"word"`, `"none"` or a table
/// `{ chars = "...", alphanumeric = true }`.
fn parse_boundary(
    source: &Source<'_>,
    boundary: &Spanned<Value>,
) -> Result<Boundary, RuleError> {
    let invalid = |detail: &str| {
        source.error_at(
            boundary,
            format!(
                "{detail}; boundary must be \"word\", \"none\" or a table \
                 such as {{ chars = \"._-\", alphanumeric = true }}"
            ),
        )
    };
    match boundary.get_ref() {
        Value::String(name) if name == "word" => Ok(Boundary::word()),
        Value::String(name) if name == "none" => Ok(Boundary::None),
        Value::String(name) => Err(invalid(&format!(
            "unknown boundary '{}'",
            name.escape_debug()
        ))),
        Value::Table(table) => {
            let mut alphanumeric = true;
            let mut chars = Vec::new();
            for (key, value) in table {
                match (key.as_str(), value) {
                    ("alphanumeric", Value::Boolean(yes)) => {
                        alphanumeric = *yes;
                    }
                    ("chars", Value::String(text)) => {
                        chars = text.chars().collect();
                    }
                    ("alphanumeric" | "chars", _) => {
                        return Err(invalid(&format!(
                            "'{key}' has the wrong type"
                        )))
                    }
                    _ => {
                        return Err(invalid(&format!(
                            "unknown key '{}'",
                            key.escape_debug()
                        )))
                    }
                }
            }
            Ok(Boundary::Glue { alphanumeric, chars })
        }
        _ => Err(invalid("boundary has the wrong type")),
    }
}

fn check_validate(
    source: &Source<'_>,
    validate: ValidateToml,
) -> Result<Validate, RuleError> {
    let length = match &validate.length {
        Some(length) => Some(check_length(source, length)?),
        None => None,
    };
    let charset = match &validate.charset {
        Some(charset) if charset.get_ref().is_empty() => {
            return Err(source.error_at(
                charset,
                "charset is empty; list the characters a value may contain",
            ))
        }
        Some(charset) => Some(charset.get_ref().chars().collect()),
        None => None,
    };
    let checksum = validate.checksum.map(|checksum| match checksum {
        ChecksumToml::Luhn => Checksum::Luhn,
        ChecksumToml::Base58check => Checksum::Base58Check,
        ChecksumToml::Bech32 => Checksum::Bech32,
        ChecksumToml::Eip55 => Checksum::Eip55,
    });
    Ok(Validate { length, charset, checksum })
}

fn check_length(
    source: &Source<'_>,
    length: &Spanned<LengthToml>,
) -> Result<(usize, usize), RuleError> {
    let LengthToml { min, max } = length.get_ref();
    let to_usize = |n: Option<i64>, default: usize| match n {
        Some(n) => usize::try_from(n).ok(),
        None => Some(default),
    };
    match (to_usize(*min, 1), to_usize(*max, MAX_MAX_LENGTH)) {
        (Some(min), Some(max)) if min <= max => Ok((min, max)),
        _ => Err(source
            .error_at(length, "length needs 0 <= min <= max, in characters")),
    }
}
