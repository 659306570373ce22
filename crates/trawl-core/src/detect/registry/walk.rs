//! Walks the subkeys of a registry key from its root and decides where
//! the key ends.
//!
//! A subkey name runs over printable ASCII except the separators, the
//! quotes, `<`, `>`, `|`, `,`, `;`, `:` and `=` (legal in names, but far
//! more often the text around a key), and over non-ASCII letters and
//! digits. Trailing `.`, `!` and `?`, closing brackets without a partner
//! inside the key, and the `++` that closes an AsciiDoc passthrough
//! opened right before the key are trimmed.
//!
//! Spaces follow the file-path detector's rule: a name keeps a space
//! only when the words after it lead to another separator
//! (`Windows NT\CurrentVersion`, `Office test\Special`), so a key never
//! runs into the sentence after it. The last name keeps its words in
//! three more cases: when they end at the quote or bracket that opens
//! right before the key (`"…\Image File Execution Options"`), when they
//! form one of a few well-known multi-word key names (`Windows NT`,
//! `Image File Execution Options`), or when the key fills its line and
//! every word is capitalised. At most four words follow a space, a
//! line break always ends the key, and a word from a short list of
//! English connectives (`and`, `or`, `to`, `under`, …) or a hive name
//! ends it too, because prose between two keys is made of them and key
//! names almost never are.
//!
//! Positions stay within the text or a few bytes past the token limit,
//! so the saturating sums on them never reach `usize::MAX`.

use super::{is_root_word, Root, Style};
use crate::detect::chars::{self, char_at, lookup};

/// Maximum number of words after a space inside one name:
/// `Microsoft SQL Server Management Studio` needs four.
const MAX_WORDS: usize = 4;

/// Maximum length of a key name, in bytes. Windows limits a key name to
/// 255 characters, so a longer ASCII run is not a key. NOTE: a non-ASCII
/// name close to that limit is longer in bytes and is rejected too.
const MAX_NAME_LEN: usize = 255;

/// Multi-word key names that end a key in prose as well as in quotes.
const KNOWN_NAMES: [&[u8]; 16] = [
    b"Active Setup",
    b"App Paths",
    b"Browser Helper Objects",
    b"Control Panel",
    b"Group Policy",
    b"Image File Execution Options",
    b"Installed Components",
    b"Internet Explorer",
    b"Internet Settings",
    b"Session Manager",
    b"Shell Folders",
    b"Terminal Server",
    b"User Shell Folders",
    b"Windows Defender",
    b"Windows NT",
    b"Windows Script Host",
];

/// Lower-case words that end a key instead of continuing a name.
const STOP_WORDS: [&[u8]; 25] = [
    b"a", b"an", b"and", b"are", b"as", b"at", b"by", b"for", b"from", b"in",
    b"into", b"is", b"of", b"on", b"or", b"the", b"then", b"to", b"under",
    b"via", b"was", b"were", b"where", b"which", b"with",
];

/// ASCII bytes of a name in the `\` styles and in the `/` style.
static NAME_BYTE: [bool; 256] = name_table(false);
static SLASH_NAME_BYTE: [bool; 256] = name_table(true);

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn name_table(slash_separates: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        let byte = b as u8;
        let delimiter = matches!(
            byte,
            b'\\'
                | b'"'
                | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b'|'
                | b','
                | b';'
                | b':'
                | b'='
        );
        let separator = slash_separates && byte == b'/';
        table[b] = !delimiter && !separator;
        b += 1;
    }
    table
}

/// The outcome of walking a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Walk {
    /// A key whose last name ends at `end`.
    Key { end: usize },
    /// No key: no name after the root, or a first name that is itself a
    /// hive. The scan resumes at the first name, which may start a key.
    Reject,
    /// A name or key longer than the registry or the token limit allows;
    /// the scan resumes at `reached`, so nothing walked is read again.
    TooLong { reached: usize },
}

/// The outcome of reading the words after a space inside a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continuation {
    /// To a separator at this offset: the words belong to the name.
    Directory(usize),
    /// To the end of the key at this offset.
    Terminal(usize),
    /// Nowhere: the key ends before the space.
    Stop,
}

/// Walks one key from its root.
pub(super) struct Walker<'a> {
    text: &'a [u8],
    root: &'a Root,
    /// Offset past which the key is too long.
    limit: usize,
}

impl<'a> Walker<'a> {
    pub(super) fn new(
        text: &'a [u8],
        root: &'a Root,
        max_len: usize,
    ) -> Walker<'a> {
        Walker { text, root, limit: root.start.saturating_add(max_len) }
    }

    /// Walks the names after the root and returns where the key ends.
    pub(super) fn walk(&self) -> Walk {
        if self.slash_after_backslash(self.root.body) {
            return Walk::Reject;
        }
        let mut pos = self.root.body;
        let mut end = pos;
        let mut first_name = None;
        loop {
            let start = pos;
            pos = self.name_end(pos);
            let mut terminal = false;
            if pos > start && self.text.get(pos) == Some(&b' ') {
                match self.continuation(start, pos) {
                    Continuation::Directory(to) => pos = to,
                    Continuation::Terminal(to) => {
                        pos = to;
                        terminal = true;
                    }
                    Continuation::Stop => {}
                }
            }
            if pos > self.limit || pos.saturating_sub(start) > MAX_NAME_LEN {
                return Walk::TooLong { reached: pos };
            }
            if pos == start {
                break;
            }
            first_name.get_or_insert((start, pos));
            end = pos;
            if terminal {
                break;
            }
            match self.separator(pos) {
                Some((len, true)) => pos = pos.saturating_add(len),
                _ => break,
            }
            if self.slash_after_backslash(pos) {
                break;
            }
        }
        let Some((first_start, first_end)) = first_name else {
            return Walk::Reject;
        };
        let first = self.text.get(first_start..first_end).unwrap_or_default();
        let end = self.trim(end);
        if is_root_word(first) || end <= self.root.body {
            return Walk::Reject;
        }
        Walk::Key { end }
    }

    /// Reports whether a name of a `\` style key would start with `/` at
    /// `at`. None does: `\/` is JSON's escaped slash, which refanging
    /// turns into `/`, so the same key would read differently.
    fn slash_after_backslash(&self, at: usize) -> bool {
        self.root.style != Style::Slash && self.text.get(at) == Some(&b'/')
    }

    /// Returns the end of the run of name characters from `at`, or a
    /// position past `limit` when the run reaches it.
    fn name_end(&self, at: usize) -> usize {
        let table = match self.root.style {
            Style::Slash => &SLASH_NAME_BYTE,
            Style::Backslash | Style::Escaped => &NAME_BYTE,
        };
        let mut pos = at;
        while pos <= self.limit {
            let Some(&byte) = self.text.get(pos) else { break };
            if byte.is_ascii() {
                if !lookup(table, byte) {
                    break;
                }
                pos = pos.saturating_add(1);
                continue;
            }
            match char_at(self.text, pos) {
                Some((c, len)) if c.is_alphanumeric() => {
                    pos = pos.saturating_add(len);
                }
                _ => break,
            }
        }
        pos
    }

    /// Reads the separator at `at`, returning its length and whether the
    /// key may go on after it. In an escaped key an odd run of
    /// backslashes ends with the start of an escape (`\\\"`), so the key
    /// ends after the pairs before it.
    fn separator(&self, at: usize) -> Option<(usize, bool)> {
        let rest = self.text.get(at..)?;
        let (byte, pairs) = match self.root.style {
            Style::Slash => (b'/', false),
            Style::Backslash => (b'\\', false),
            Style::Escaped => (b'\\', true),
        };
        let run = rest.iter().take_while(|&&b| b == byte).count();
        match (run, pairs) {
            (0, _) => None,
            (run, false) => Some((run, true)),
            (run, true) if run % 2 == 0 => Some((run, true)),
            (1, true) => None,
            (run, true) => Some((run.saturating_sub(1), false)),
        }
    }

    /// Decides whether the space at `space`, inside the name that starts
    /// at `start`, continues the key.
    fn continuation(&self, start: usize, space: usize) -> Continuation {
        let text = self.text;
        let sentence_end = space
            .checked_sub(1)
            .and_then(|i| text.get(i))
            .is_some_and(|b| b".!?".contains(b));
        if sentence_end {
            return Continuation::Stop;
        }

        // Read up to `MAX_WORDS` words, until one reaches a separator or
        // the words end.
        let mut word_ends = [0usize; MAX_WORDS];
        let mut words = 0;
        let mut all_capital = capitalised(text, start);
        let mut at = space;
        while words < MAX_WORDS {
            let word = at.saturating_add(1);
            if !word_start(text, word) {
                break;
            }
            let word_end = self.name_end(word);
            let word_text = text.get(word..word_end).unwrap_or_default();
            // Trimming removes a closing bracket or sentence mark that
            // ends the key, so the word is judged without it. Otherwise
            // `a}` would pass here, and the `a` left after trimming would
            // stop the same key once quoted.
            let core = core_end(text, word, word_end);
            let core_text = text.get(word..core).unwrap_or_default();
            if word_end > self.limit
                || STOP_WORDS.contains(&core_text)
                || is_root_word(core_text)
            {
                break;
            }
            if self.separator(word_end).is_some_and(|(len, _)| len > 0) {
                return Continuation::Directory(word_end);
            }
            all_capital &= capitalised(text, word);
            if let Some(slot) = word_ends.get_mut(words) {
                *slot = word_end;
            }
            words = words.saturating_add(1);
            let ends_sentence =
                word_text.last().is_some_and(|b| b".!?".contains(b));
            if text.get(word_end) != Some(&b' ') || ends_sentence {
                break;
            }
            at = word_end;
        }

        // The words end without a separator: they belong to the key only
        // as its last name, in the three cases of the module docs.
        let ends = word_ends.get(..words).unwrap_or_default();
        let Some(&last) = ends.last() else {
            return Continuation::Stop;
        };
        if self.closes_quote(last) || (all_capital && self.fills_line(last)) {
            return Continuation::Terminal(last);
        }
        let known = ends.iter().rev().find(|&&end| {
            let name = text.get(start..core_end(text, start, end));
            let name = name.unwrap_or_default();
            KNOWN_NAMES.iter().any(|known| name.eq_ignore_ascii_case(known))
        });
        match known {
            Some(&end) => Continuation::Terminal(end),
            None => Continuation::Stop,
        }
    }

    /// Reports whether the words that end at `end` are closed by the
    /// quote or bracket that opens right before the key: at `end`, or
    /// among the trailing punctuation a bracket leaves inside the words
    /// (`[…\Image File Execution Options]`).
    fn closes_quote(&self, end: usize) -> bool {
        let opener =
            self.root.start.checked_sub(1).and_then(|i| self.text.get(i));
        let closer = match opener {
            Some(b'"') => b'"',
            Some(b'\'') => b'\'',
            Some(b'`') => b'`',
            Some(b'[') => b']',
            Some(b'(') => b')',
            Some(b'<') => b'>',
            _ => return false,
        };
        let core = core_end(self.text, self.root.body, end);
        let trailing = self.text.get(core..end).unwrap_or_default();
        self.text.get(end) == Some(&closer) || trailing.contains(&closer)
    }

    /// Reports whether the key fills its line: only blanks before it,
    /// and after `end` only sentence punctuation and blanks.
    fn fills_line(&self, end: usize) -> bool {
        let text = self.text;
        let after = text.get(end..).unwrap_or_default();
        let tail = after
            .iter()
            .take(MAX_NAME_LEN)
            .position(|b| !b" \t.!?:)]}".contains(b));
        let line_ends_after = match tail.and_then(|i| after.get(i)) {
            None => tail.is_none() && after.len() < MAX_NAME_LEN,
            Some(b) => matches!(b, b'\n' | b'\r' | 0),
        };
        let before = text.get(..self.root.start).unwrap_or_default();
        let line_start_before =
            match before.iter().rev().find(|b| !matches!(b, b' ' | b'\t')) {
                None => true,
                Some(b) => matches!(b, b'\n' | b'\r' | 0),
            };
        line_ends_after && line_start_before
    }

    /// Removes trailing sentence punctuation, closing brackets without an
    /// opening partner inside the key, the `++` that closes an AsciiDoc
    /// passthrough opened right before the key, and then any trailing
    /// separators.
    fn trim(&self, end: usize) -> usize {
        let separator = match self.root.style {
            Style::Slash => b'/',
            Style::Backslash | Style::Escaped => b'\\',
        };
        let body = self.root.body;
        let bounds = (self.root.start, body, body);
        let trailing = |b| matches!(b, b'.' | b'!' | b'?') || b == separator;
        chars::trim_token_end(self.text, bounds, end, trailing).end
    }
}

/// Returns `end` moved back over trailing sentence punctuation and
/// closing brackets, but not before `start`.
fn core_end(text: &[u8], start: usize, end: usize) -> usize {
    let words = text.get(start..end).unwrap_or_default();
    let trailing =
        words.iter().rev().take_while(|b| b".!?)]}".contains(b)).count();
    end.saturating_sub(trailing)
}

/// Reports whether a word may start at `at` after a space inside a name:
/// options (`/v`, `-x`), variables and operators cannot.
fn word_start(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        Some(b) if b.is_ascii_alphanumeric() || b"_([{".contains(b) => true,
        Some(b) if !b.is_ascii() => {
            char_at(text, at).is_some_and(|(c, _)| c.is_alphanumeric())
        }
        _ => false,
    }
}

/// Reports whether the word at `at` starts like a name in a key listing:
/// a capital, a digit, a bracket or a non-ASCII letter.
fn capitalised(text: &[u8], at: usize) -> bool {
    match text.get(at) {
        Some(b) if b.is_ascii_uppercase() || b.is_ascii_digit() => true,
        Some(b) => b"([{".contains(b) || !b.is_ascii(),
        None => false,
    }
}
