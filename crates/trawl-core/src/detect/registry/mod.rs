//! Windows registry keys under a named hive.
//!
//! Roots, matched in any case:
//! - the hives `HKEY_LOCAL_MACHINE`, `HKEY_CURRENT_USER`,
//!   `HKEY_CLASSES_ROOT`, `HKEY_USERS`, `HKEY_CURRENT_CONFIG`,
//!   `HKEY_PERFORMANCE_DATA` and the abbreviations `HKLM`, `HKCU`,
//!   `HKCR`, `HKU`, `HKCC`;
//! - PowerShell's drive form `HKLM:\…` and provider form
//!   `Registry::HKEY_LOCAL_MACHINE\…`;
//! - the kernel's `\Registry\Machine\…` and `\Registry\User\…`.
//!
//! The first separator after the root sets the style: `\`, a doubled
//! `\\` as in JSON and C strings (where a lone `\`, the start of `\"` or
//! `\n`, then ends the key), or `/`. In the `\` styles a `/` belongs to
//! the key name (`HKCR\MIME\Database\Content Type\text/html`). A `/` key
//! is accepted only when its first name is not itself a hive, since
//! `HKLM/HKCU` lists two hives.
//!
//! The value is the hive as written followed by the subkeys, each after
//! one `\`: separators are normalised, `Registry::` and the drive's `:`
//! are dropped, and a trailing separator is not part of the key. The
//! kind is the hive's full name (`HKEY_LOCAL_MACHINE`; `\Registry\User`
//! is `HKEY_USERS`). `walk` decides where the key ends, including the
//! rules for names with spaces.
//!
//! A key needs a root and at least one subkey; a bare hive gives
//! nothing. The scan marks the `K` of `HK` and the `\` before the `R`
//! of the kernel form in one vectorised pass.

mod walk;

use super::chars::char_before;
use super::Candidate;
use crate::{Category, Limits};
use walk::{Walk, Walker};

/// Hive spellings, each with its full name. Longer spellings come first
/// only for readability: every spelling must be followed by a separator
/// or `:`, so no spelling matches where another one does.
const HIVES: [(&[u8], &str); 11] = [
    (b"HKEY_LOCAL_MACHINE", LOCAL_MACHINE),
    (b"HKEY_CURRENT_USER", CURRENT_USER),
    (b"HKEY_CLASSES_ROOT", CLASSES_ROOT),
    (b"HKEY_USERS", USERS),
    (b"HKEY_CURRENT_CONFIG", CURRENT_CONFIG),
    (b"HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_DATA"),
    (b"HKLM", LOCAL_MACHINE),
    (b"HKCU", CURRENT_USER),
    (b"HKCR", CLASSES_ROOT),
    (b"HKU", USERS),
    (b"HKCC", CURRENT_CONFIG),
];

const LOCAL_MACHINE: &str = "HKEY_LOCAL_MACHINE";
const CURRENT_USER: &str = "HKEY_CURRENT_USER";
const CLASSES_ROOT: &str = "HKEY_CLASSES_ROOT";
const USERS: &str = "HKEY_USERS";
const CURRENT_CONFIG: &str = "HKEY_CURRENT_CONFIG";

/// The kernel's names for the two hives it mounts under `\Registry`.
const KERNEL_HIVES: [(&[u8], &str); 2] =
    [(b"Machine", LOCAL_MACHINE), (b"User", USERS)];

/// The word before `::` in PowerShell's provider form, and the word after
/// the kernel form's first `\`.
const REGISTRY: &[u8] = b"Registry";

/// The separator spelling of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// One `\`; a longer run counts as one separator.
    Backslash,
    /// `\\`, as inside JSON and C strings.
    Escaped,
    /// `/`.
    Slash,
}

/// The start of a key, up to where its first subkey begins.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Root {
    /// Offset of the first byte of the key as written.
    start: usize,
    /// The hive as written: one word, or for the kernel form the
    /// `Registry` word and the hive word.
    words: [(usize, usize); 2],
    /// Set for the kernel form, whose value keeps `\Registry\`.
    kernel: bool,
    /// The hive's full name, reported as the kind. A group of alternative
    /// hives has none.
    hive: Option<&'static str>,
    /// Offset of the first subkey.
    body: usize,
    style: Style,
}

/// Pushes every registry key found in `text`.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    super::testing::run_anchored(text, limits, out, anchor, visit);
}

/// Marks the `K` of `HK` in any case, and a backslash before an `R`; see
/// `for_each_marked` for the arguments.
#[inline(always)]
pub(super) fn anchor(
    _: u8,
    previous: u8,
    byte: u8,
    next: u8,
    _: u8,
    _: u8,
    _: u8,
) -> bool {
    ((byte | 0x20) == b'k') & ((previous | 0x20) == b'h')
        | (byte == b'\\') & ((next | 0x20) == b'r')
}

/// Pushes the key whose anchor is at `at`, if there is one, and returns
/// where to resume.
pub(super) fn visit(
    text: &[u8],
    at: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    let root = match text.get(at) {
        Some(b'\\') => {
            // An escaped kernel root starts one backslash earlier.
            let doubled =
                at.checked_sub(1).filter(|&i| text.get(i) == Some(&b'\\'));
            kernel_root(text, doubled.unwrap_or(at))
        }
        _ => at.checked_sub(1).and_then(|h| hive_root(text, h)),
    };
    let Some(root) = root else {
        return at.saturating_add(1);
    };
    let walker = Walker::new(text, &root, limits.max_token_len);
    match walker.walk() {
        Walk::Key { end } => {
            out.extend(candidate(text, &root, end));
            end.max(root.body)
        }
        Walk::Reject => root.body,
        Walk::TooLong { reached } => reached.max(root.body),
    }
}

/// Recognises a hive spelling whose `H` is at `h`, with the `Registry::`
/// before it or the drive's `:` and the first separator after it, or a
/// group of hives that opens right before `h`.
fn hive_root(text: &[u8], h: usize) -> Option<Root> {
    let open = h.checked_sub(1).filter(|&i| text.get(i) == Some(&b'('));
    if let Some(group) = open.and_then(|open| group_root(text, open)) {
        return Some(group);
    }
    let rest = text.get(h..)?;
    let (spelling, hive) = HIVES.into_iter().find(|(spelling, _)| {
        rest.get(..spelling.len())
            .is_some_and(|word| word.eq_ignore_ascii_case(spelling))
            && matches!(rest.get(spelling.len()), Some(b'\\' | b'/' | b':'))
    })?;
    let word_end = h.checked_add(spelling.len())?;
    let start = provider_start(text, h)?;
    let after = if text.get(word_end) == Some(&b':') {
        word_end.checked_add(1)?
    } else {
        word_end
    };
    let (style, len) = first_separator(text, after)?;
    Some(Root {
        start,
        words: [(h, word_end), (word_end, word_end)],
        kernel: false,
        hive: Some(hive),
        body: after.checked_add(len)?,
        style,
    })
}

/// Recognises a group of alternative hives, `(HKLM|HKCU)\Software\…`,
/// whose `(` is at `open`, as reports write a key that malware creates
/// under either hive. The group is kept as written in the value.
fn group_root(text: &[u8], open: usize) -> Option<Root> {
    let before = open.checked_sub(1).and_then(|i| text.get(i)).copied();
    let glued = before.is_some_and(|b| b"_\\.-$%".contains(&b));
    if glued || continues_word(text, open) {
        return None;
    }
    let mut at = open.checked_add(1)?;
    let mut hives = 0usize;
    let close = loop {
        let rest = text.get(at..)?;
        let spelling = HIVES.into_iter().map(|(spelling, _)| spelling).find(
            |spelling| {
                rest.get(..spelling.len())
                    .is_some_and(|word| word.eq_ignore_ascii_case(spelling))
                    && matches!(rest.get(spelling.len()), Some(b'|' | b')'))
            },
        )?;
        hives = hives.saturating_add(1);
        if hives > HIVES.len() {
            return None;
        }
        let word_end = at.checked_add(spelling.len())?;
        at = word_end.checked_add(1)?;
        if text.get(word_end) == Some(&b')') {
            break word_end;
        }
    };
    if hives < 2 {
        return None;
    }
    let after = close.checked_add(1)?;
    let (style, len) = first_separator(text, after)?;
    Some(Root {
        start: open,
        words: [(open, after), (after, after)],
        kernel: false,
        hive: None,
        body: after.checked_add(len)?,
        style,
    })
}

/// Returns where a key whose hive starts at `h` starts: at `Registry` in
/// the provider form, else at the hive, which must not continue a word,
/// a path or a variable.
fn provider_start(text: &[u8], h: usize) -> Option<usize> {
    let colons = h.checked_sub(2).and_then(|i| text.get(i..h));
    if colons == Some(b"::") {
        let word_end = h.checked_sub(2)?;
        let start = word_end.checked_sub(REGISTRY.len())?;
        let word = text.get(start..word_end)?;
        let valid = word.eq_ignore_ascii_case(REGISTRY)
            && !continues_word(text, start);
        return valid.then_some(start);
    }
    let before = h.checked_sub(1).and_then(|i| text.get(i)).copied();
    let glued = before.is_some_and(|b| b"_\\.-$%".contains(&b));
    (!glued && !continues_word(text, h)).then_some(h)
}

/// Recognises the kernel form `\Registry\Machine\` or `\Registry\User\`
/// whose first backslash is at `at`, plain or with every backslash
/// doubled.
fn kernel_root(text: &[u8], at: usize) -> Option<Root> {
    let before = at.checked_sub(1).and_then(|i| text.get(i)).copied();
    let glued = before.is_some_and(|b| b"_\\/.:%$~}-".contains(&b));
    if glued || continues_word(text, at) {
        return None;
    }
    let (style, len) = first_separator(text, at)?;
    if style == Style::Slash {
        return None;
    }

    let registry_start = at.checked_add(len)?;
    let registry_end = registry_start.checked_add(REGISTRY.len())?;
    let word = text.get(registry_start..registry_end)?;
    if !word.eq_ignore_ascii_case(REGISTRY) {
        return None;
    }
    let hive_start =
        registry_end.checked_add(separator_at(text, registry_end, style)?)?;
    let rest = text.get(hive_start..)?;
    let (name, hive) = KERNEL_HIVES.into_iter().find(|(name, _)| {
        rest.get(..name.len()).is_some_and(|w| w.eq_ignore_ascii_case(name))
    })?;
    let hive_end = hive_start.checked_add(name.len())?;
    let body = hive_end.checked_add(separator_at(text, hive_end, style)?)?;
    Some(Root {
        start: at,
        words: [(registry_start, registry_end), (hive_start, hive_end)],
        kernel: true,
        hive: Some(hive),
        body,
        style,
    })
}

/// Reads the separator that follows a root at `at` and returns the style
/// it sets and its length: `\`, `\\` or `/`. Any other run of slashes is
/// not a key.
fn first_separator(text: &[u8], at: usize) -> Option<(Style, usize)> {
    let rest = text.get(at..)?;
    let run = rest.iter().take(3).take_while(|&&b| b == b'\\').count();
    let style = match (run, rest.first()) {
        (1, _) => (Style::Backslash, 1),
        (2, _) => (Style::Escaped, 2),
        (0, Some(b'/')) if rest.get(1) != Some(&b'/') => (Style::Slash, 1),
        _ => return None,
    };
    Some(style)
}

/// Returns the length of the separator of `style` at `at` inside the
/// kernel root, or `None` unless it is written exactly once.
fn separator_at(text: &[u8], at: usize, style: Style) -> Option<usize> {
    let rest = text.get(at..)?;
    let run = rest.iter().take(3).take_while(|&&b| b == b'\\').count();
    match (style, run) {
        (Style::Backslash, 1) => Some(1),
        (Style::Escaped, 2) => Some(2),
        _ => None,
    }
}

/// Reports whether a letter, digit or `_`, ASCII or not, ends right
/// before `at`.
fn continues_word(text: &[u8], at: usize) -> bool {
    match at.checked_sub(1).and_then(|i| text.get(i)) {
        None => false,
        Some(&b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_',
        Some(_) => {
            char_before(text, at).is_some_and(|(c, _)| c.is_alphanumeric())
        }
    }
}

/// Builds the candidate for the key from `root` to `end`.
fn candidate(text: &[u8], root: &Root, end: usize) -> Option<Candidate> {
    let body = std::str::from_utf8(text.get(root.body..end)?).ok()?;
    let word = |(start, end): (usize, usize)| {
        text.get(start..end).and_then(|w| std::str::from_utf8(w).ok())
    };
    let [hive, kernel_hive] = root.words;
    let mut value = String::with_capacity(body.len().saturating_add(24));
    if root.kernel {
        // The kernel form keeps its `\Registry\` prefix, with single
        // backslashes whatever the style.
        value.push('\\');
        value.push_str(word(hive)?);
        value.push('\\');
        value.push_str(word(kernel_hive)?);
    } else {
        value.push_str(word(hive)?);
    }
    value.push('\\');
    let separator = match root.style {
        Style::Slash => '/',
        Style::Backslash | Style::Escaped => '\\',
    };
    let mut after_separator = false;
    for c in body.chars() {
        if c == separator {
            if !after_separator {
                value.push('\\');
            }
            after_separator = true;
        } else {
            value.push(c);
            after_separator = false;
        }
    }
    let candidate =
        Candidate::new(Category::RegistryKey, root.start, end, value);
    Some(match root.hive {
        Some(hive) => candidate.with_kind(hive),
        None => candidate,
    })
}

/// Reports whether `word` is a hive spelling, in any case.
pub(crate) fn is_hive(word: &[u8]) -> bool {
    HIVES.iter().any(|(spelling, _)| word.eq_ignore_ascii_case(spelling))
}

/// Reports whether `word` is a hive spelling or `Registry`, in any case,
/// which starts a new key rather than continuing a name.
fn is_root_word(word: &[u8]) -> bool {
    is_hive(word) || word.eq_ignore_ascii_case(REGISTRY)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests;
