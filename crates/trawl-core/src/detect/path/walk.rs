//! Walks the segments of a path from its root, deciding where the path
//! ends: at a delimiter, before a space that does not continue it, or
//! after trailing punctuation is trimmed.
//!
//! Positions stay within the text or a few bytes past the token limit,
//! so the saturating sums on them never reach `usize::MAX`.

use super::class::{
    hard_end, is_bracket, line_end, plain_table, skip_blanks, unit_at,
    unix_segment_byte, Style, Unit,
};
use super::root::Root;
use crate::detect::chars;
use std::cell::OnceCell;

/// Most spaces one segment may hold. `Microsoft Visual Studio 14.0` needs
/// three. More than that is a path followed by a sentence.
const MAX_SPACES: usize = 3;

/// Maximum length of the name inside a `<placeholder>` segment.
const MAX_PLACEHOLDER: usize = 32;

/// The outcome of walking a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Walk {
    /// A path that ends at `end`, trailing punctuation removed.
    Path { end: usize },
    /// Too few segments after the root: not a path, nothing to skip.
    Short,
    /// A path glued to junk (`C:\x\*.dll`, invalid UTF-8) or longer than
    /// the token limit: it is skipped whole.
    Reject,
}

/// The outcome of reading the words after a space inside a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continuation {
    /// To a separator at this offset: the words name a directory.
    Directory(usize),
    /// To the end of the path at this offset: the words end a file name.
    Terminal(usize),
    /// Nowhere: the path ends before the space.
    Stop,
    /// Past the token limit.
    TooLong,
}

/// A segment's offsets, `start..end`.
type Span = (usize, usize);

/// Walks the segments after `root` and returns where the path ends.
pub(super) fn walk(text: &[u8], root: &Root, max_len: usize) -> Walk {
    let walker = Walker {
        text,
        root,
        limit: root.start.saturating_add(max_len),
        alone: OnceCell::new(),
    };
    walker.walk()
}

struct Walker<'a> {
    text: &'a [u8],
    root: &'a Root,
    /// Offset past which the path is too long.
    limit: usize,
    /// Whether only blanks precede the path on its line, computed once.
    alone: OnceCell<bool>,
}

impl Walker<'_> {
    fn walk(&self) -> Walk {
        let text = self.text;
        let style = self.root.style;
        let mut pos = self.root.body;
        let mut end = self.root.body;
        let mut segments = self.root.segments;
        let mut last: Option<Span> = None;
        // Set when a bracket may lie between the body and the end. Only
        // bracket bytes and the words after a space can put one there.
        let mut brackets = false;
        // The bytes up to the limit: a run that reaches past them makes
        // the path too long.
        let stop = self.limit.saturating_add(1).min(text.len());
        let window = text.get(..stop).unwrap_or_default();
        let plain = plain_table(style);
        let lone_backslash = style == Style::Windows && !self.root.escaped;
        let is_plain = |at: usize| window.get(at).is_some_and(|&b| plain(b));
        loop {
            let mut start = pos;
            let mut terminal = false;
            loop {
                if pos > self.limit {
                    return Walk::Reject;
                }
                while is_plain(pos) {
                    pos = pos.saturating_add(1);
                }
                let separator = match window.get(pos) {
                    Some(b'/') => true,
                    Some(b'\\') => lone_backslash,
                    _ => false,
                };
                let next = pos.saturating_add(1);
                if separator && pos > start && is_plain(next) {
                    // A separator run of one byte between two segments,
                    // the second starting with a plain byte.
                    segments = segments.saturating_add(1);
                    last = Some((start, pos));
                    start = next;
                    pos = next.saturating_add(1);
                    continue;
                }
                if pos > self.limit {
                    return Walk::Reject;
                }
                match text.get(pos) {
                    Some(&b) if is_bracket(b) && style == Style::Windows => {
                        brackets = true;
                        pos = pos.saturating_add(1);
                    }
                    Some(b'<') if pos == start => {
                        match self.placeholder(pos) {
                            Some(len) => pos = pos.saturating_add(len),
                            None => break,
                        }
                    }
                    Some(b) if !b.is_ascii() => {
                        match unit_at(text, pos, style) {
                            Unit::Segment(len) => {
                                pos = pos.saturating_add(len)
                            }
                            _ => break,
                        }
                    }
                    Some(b' ') if pos > start => {
                        match self.continuation(start, pos, last) {
                            Continuation::Directory(to) => {
                                brackets = true;
                                pos = to;
                            }
                            Continuation::Terminal(to) => {
                                brackets = true;
                                pos = to;
                                terminal = true;
                            }
                            Continuation::Stop => {}
                            Continuation::TooLong => return Walk::Reject,
                        }
                        break;
                    }
                    _ => break,
                }
            }
            if pos == start {
                break;
            }
            segments = segments.saturating_add(1);
            last = Some((start, pos));
            end = pos;
            if terminal {
                break;
            }
            let run = self.separator_len(pos);
            if run == 0 {
                break;
            }
            pos = pos.saturating_add(run);
            end = pos;
        }
        if pos > self.limit {
            return Walk::Reject;
        }
        if self.junk_at(pos) {
            return Walk::Reject;
        }
        let Some(end) = self.trim(end, brackets) else {
            return Walk::Reject;
        };
        if last.is_some_and(|(start, _)| end <= start) {
            segments = segments.saturating_sub(1);
        }
        if segments < self.root.min_segments {
            return Walk::Short;
        }
        Walk::Path { end }
    }

    /// Returns the length of the separator run at `at`, or 0. In an
    /// escaped path only pairs of backslashes count, so a lone `\` (the
    /// start of `\"` or `\n`) ends the path.
    fn separator_len(&self, at: usize) -> usize {
        let mut pos = at;
        loop {
            match self.text.get(pos) {
                Some(b'/') => pos = pos.saturating_add(1),
                Some(b'\\') if self.root.style == Style::Windows => {
                    let next = pos.saturating_add(1);
                    if !self.root.escaped {
                        pos = next;
                    } else if self.text.get(next) == Some(&b'\\') {
                        pos = pos.saturating_add(2);
                    } else {
                        break;
                    }
                }
                _ => break,
            }
            if pos > self.limit {
                break;
            }
        }
        pos.saturating_sub(at)
    }

    /// Reports whether the byte that stopped the walk glues junk to the
    /// path, so that the path would be a piece of a longer token. Junk is
    /// a wildcard or invalid UTF-8. In a Unix path it is also a variable,
    /// a brace or a backslash that is not a JSON escape (`\"`, `\n`).
    fn junk_at(&self, at: usize) -> bool {
        let text = self.text;
        let Some(&byte) = text.get(at) else {
            return false;
        };
        if !byte.is_ascii() {
            return unit_at(text, at, self.root.style) == Unit::Invalid;
        }
        let next = text.get(at.saturating_add(1)).copied();
        match (self.root.style, Some(&byte)) {
            (_, Some(b'*')) => true,
            (Style::Windows, Some(b'?')) => {
                let mut after = at;
                while text.get(after) == Some(&b'?') && after <= self.limit {
                    after = after.saturating_add(1);
                }
                !(hard_end(text, after)
                    || text.get(after).is_some_and(u8::is_ascii_whitespace))
            }
            (Style::Unix, Some(b'$' | b'%' | b'{')) => true,
            (Style::Unix, Some(b'\\')) => next.is_some_and(|b| {
                unix_segment_byte(b)
                    && !matches!(b, b'b' | b'f' | b'n' | b'r' | b't' | b'u')
            }),
            _ => false,
        }
    }

    /// Removes trailing sentence punctuation (`.` and `!`), closing
    /// brackets without an opening partner inside the path, and the `++`
    /// that closes an AsciiDoc passthrough opened right before the path.
    /// Returns `None` when an opening bracket stays unclosed, as in the
    /// brace pattern `C:\Users\Public\{a,b}.dll`, which is not one path.
    /// `brackets` is false when the walk saw none after the root.
    fn trim(&self, end: usize, brackets: bool) -> Option<usize> {
        let start = self.root.start;
        let body = self.root.body;
        if brackets || self.root.brackets {
            let bounds = (start, start, body);
            let trimmed = chars::trim_token_end(self.text, bounds, end, trail);
            return trimmed.balanced.then_some(trimmed.end);
        }
        Some(trim_plain(self.text, start, body, end))
    }

    /// Returns the length of a placeholder segment such as `<user>` or
    /// `<USER SID>` at `at`, which report writers put in place of a
    /// directory name. It counts only when a separator follows it, so
    /// markup like `</Data>` after a path never does.
    // Kept out of line, like `continuation`, because few segments need
    // it and the walk runs fewer instructions without it inlined.
    #[inline(never)]
    fn placeholder(&self, at: usize) -> Option<usize> {
        if self.text.get(at) != Some(&b'<') {
            return None;
        }
        let inner = self
            .text
            .get(at.saturating_add(1)..)?
            .iter()
            .take(MAX_PLACEHOLDER + 1)
            .take_while(|&&b| {
                b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-')
            })
            .count();
        let close = at.saturating_add(1).saturating_add(inner);
        let valid = (1..=MAX_PLACEHOLDER).contains(&inner)
            && self.text.get(close) == Some(&b'>')
            && self.separator_len(close.saturating_add(1)) > 0;
        valid.then_some(inner.saturating_add(2))
    }

    /// Decides whether the space at `space`, inside the segment that
    /// starts at `start`, continues the path. The words after it must
    /// lead to a separator (`Program Files\`) or end a file name in a
    /// plausible place (see `terminal`). A word that already has a file
    /// extension (`cmd.exe /c`) and a word that starts like an option
    /// (`--silent`) end the path. A Unix path keeps spaces only when it
    /// is quoted or alone on its line, and needs capitalised words before
    /// a `/` (`Application Support/`), because `/` also appears in prose
    /// (`and/or`, `GET /x HTTP/1.1`).
    // Kept out of line because most segments have no space, and the walk
    // runs fewer instructions without it inlined.
    #[inline(never)]
    fn continuation(
        &self,
        start: usize,
        space: usize,
        parent: Option<Span>,
    ) -> Continuation {
        let text = self.text;
        let style = self.root.style;
        if has_extension(text.get(start..space).unwrap_or_default()) {
            return Continuation::Stop;
        }
        if style == Style::Unix && self.quote().is_none() && !self.alone() {
            return Continuation::Stop;
        }
        let mut all_capital = true;
        let mut at = space;
        for _ in 0..MAX_SPACES {
            let word = at.saturating_add(1);
            if !word_start(text, word, style) {
                return Continuation::Stop;
            }
            all_capital &= capitalised(text, word, style);
            let mut pos = word;
            while let Unit::Segment(len) = unit_at(text, pos, style) {
                pos = pos.saturating_add(len);
                if pos > self.limit {
                    return Continuation::TooLong;
                }
            }
            let next = unit_at(text, pos, style);
            if next == Unit::Separator && self.separator_len(pos) > 0 {
                return if style == Style::Unix && !all_capital {
                    Continuation::Stop
                } else {
                    Continuation::Directory(pos)
                };
            }
            if self.closes_passthrough(pos) {
                return Continuation::Terminal(pos);
            }
            let extension =
                has_extension(text.get(word..pos).unwrap_or_default());
            let more_words = next == Unit::Space
                && !extension
                && word_start(text, pos.saturating_add(1), style);
            if !more_words {
                let end = Ending { end: pos, extension, all_capital };
                return match self.terminal(end, parent) {
                    true => Continuation::Terminal(pos),
                    false => Continuation::Stop,
                };
            }
            at = pos;
        }
        Continuation::Stop
    }

    /// Decides whether a segment whose words end at `ending.end` ends the
    /// path there. A file name with an extension does so at a delimiter
    /// (`invoice viewer.exe</Data>`); in a Windows path whitespace also
    /// counts (`malicious payload.exe   and more`). Words without an
    /// extension count only when the path fills its line or its quotes,
    /// and, outside quotes, when every word is capitalised
    /// (`$HOME/Library/Application Support`). A Unix program in a `bin`
    /// directory is followed by arguments, never by more of its name.
    fn terminal(&self, ending: Ending, parent: Option<Span>) -> bool {
        let text = self.text;
        let unix = self.root.style == Style::Unix;
        if unix && parent.is_some_and(|span| self.is_bin(span)) {
            return false;
        }
        let mut punct = ending.end;
        while punct < self.limit
            && matches!(
                text.get(punct),
                Some(b'?' | b':' | b'!' | b')' | b']' | b'}')
            )
        {
            punct = punct.saturating_add(1);
        }
        let after = skip_blanks(text, punct, self.limit);
        if ending.extension {
            let whitespace =
                text.get(punct).is_some_and(u8::is_ascii_whitespace);
            return hard_end(text, after) || (!unix && whitespace);
        }
        let quote = self.quote();
        if quote.is_some() && text.get(ending.end) == quote {
            return true;
        }
        ending.all_capital && line_end(text, after) && self.alone()
    }

    /// Reports whether the word before `end` ends with the `++` that
    /// closes an AsciiDoc passthrough opened right before the path, which
    /// delimits it as quotes do: `++%TEMP%\Usermode COM Manager.dat++`.
    fn closes_passthrough(&self, end: usize) -> bool {
        let passthrough = &b"++"[..];
        let start = self.root.start;
        let opened =
            start.checked_sub(2).and_then(|s| self.text.get(s..start));
        let closed = end
            .checked_sub(2)
            .filter(|&s| s > start)
            .and_then(|s| self.text.get(s..end));
        opened == Some(passthrough) && closed == Some(passthrough)
    }

    /// Returns the quote or Markdown backtick that opens right before the
    /// path, if any.
    fn quote(&self) -> Option<&u8> {
        let before = self.root.start.checked_sub(1)?;
        self.text.get(before).filter(|&&q| matches!(q, b'"' | b'\'' | b'`'))
    }

    fn alone(&self) -> bool {
        *self.alone.get_or_init(|| self.line_alone())
    }

    /// Reports whether only blanks precede the path on its line.
    fn line_alone(&self) -> bool {
        let reach = self.limit.saturating_sub(self.root.start);
        let lowest = self.root.start.saturating_sub(reach);
        let mut pos = self.root.start;
        while pos > lowest {
            let previous = pos.saturating_sub(1);
            match self.text.get(previous) {
                Some(b' ' | b'\t') => pos = previous,
                Some(_) => return line_end(self.text, previous),
                None => return false,
            }
        }
        pos == 0
    }

    fn is_bin(&self, (start, end): Span) -> bool {
        matches!(self.text.get(start..end), Some(b"bin" | b"sbin"))
    }
}

/// Reports whether `byte` is punctuation that `trim` removes from the end
/// of a path.
fn trail(byte: u8) -> bool {
    matches!(byte, b'.' | b'!')
}

/// Returns the end of the path `start..end`, with its body at `body`,
/// trimmed as `chars::trim_token_end` trims a path without brackets. With
/// nothing to balance, only the AsciiDoc `++` and the trailing `.` and `!`
/// are removed.
fn trim_plain(text: &[u8], start: usize, body: usize, end: usize) -> usize {
    let passthrough = b"++";
    let opened = start
        .checked_sub(2)
        .and_then(|s| text.get(s..start))
        .is_some_and(|before| before == passthrough);
    let mut end = end;
    if opened
        && end >= body.saturating_add(2)
        && text.get(end.saturating_sub(2)..end) == Some(&passthrough[..])
    {
        end = end.saturating_sub(2);
    }
    while end > body
        && end
            .checked_sub(1)
            .and_then(|i| text.get(i))
            .is_some_and(|&b| trail(b))
    {
        end = end.saturating_sub(1);
    }
    end
}

/// The last word of a segment that may end the path.
#[derive(Clone, Copy)]
struct Ending {
    end: usize,
    extension: bool,
    all_capital: bool,
}

/// Reports whether a word can follow a space inside a segment: options
/// (`-x`, `/c`), home paths, variables and operators cannot.
fn word_start(text: &[u8], at: usize, style: Style) -> bool {
    match text.get(at) {
        Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => true,
        Some(b'(' | b'[' | b'{') => style == Style::Windows,
        Some(b) if !b.is_ascii() => {
            matches!(unit_at(text, at, style), Unit::Segment(_))
        }
        _ => false,
    }
}

/// Reports whether the word at `at` starts like a name in a directory
/// listing: a capital, a digit, a non-ASCII letter or, in Windows paths,
/// an opening bracket (`(x86)`).
fn capitalised(text: &[u8], at: usize, style: Style) -> bool {
    match text.get(at) {
        Some(b) if b.is_ascii_uppercase() || b.is_ascii_digit() => true,
        Some(b'(' | b'[' | b'{') => style == Style::Windows,
        Some(b) => !b.is_ascii(),
        None => false,
    }
}

/// Reports whether `word` is a file name with an extension: a stem, a dot
/// and 1 to 8 letters or digits with at least one letter. Trailing
/// sentence punctuation is ignored. `python3.11` and `14.0` have no
/// extension, and neither has the dot file `.ssh`.
fn has_extension(word: &[u8]) -> bool {
    let mut word = word;
    while let [rest @ .., b'.' | b'!' | b')' | b']' | b'}'] = word {
        word = rest;
    }
    let Some(dot) = word.iter().rposition(|&b| b == b'.') else {
        return false;
    };
    let stem = word.get(..dot).unwrap_or_default();
    let extension = word.get(dot.saturating_add(1)..).unwrap_or_default();
    stem.iter().any(|&b| b != b'.')
        && (1..=8).contains(&extension.len())
        && extension.iter().all(u8::is_ascii_alphanumeric)
        && extension.iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_needs_letter_and_stem() {
        let cases: &[(&str, bool)] = &[
            ("a.exe", true),
            ("report.xlsm", true),
            ("file.txt.", true),
            ("a.exe)", true),
            ("python3.11", false),
            ("14.0", false),
            (".ssh", false),
            ("Files", false),
            ("a.toolongext", false),
            ("a.", false),
        ];
        for &(word, expected) in cases {
            assert_eq!(has_extension(word.as_bytes()), expected, "{word}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_trim_matches_token_trim(
            text in proptest::collection::vec(
                proptest::sample::select(b"+a/.!)]}".to_vec()),
                0..24,
            ),
            marks in proptest::array::uniform3(0..24usize),
        ) {
            let mut marks = marks.map(|m| m.min(text.len()));
            marks.sort_unstable();
            let [start, body, end] = marks;
            let path = text.get(start..end).unwrap_or_default();
            proptest::prop_assume!(!path.iter().any(|&b| is_bracket(b)));
            let trimmed =
                chars::trim_token_end(&text, (start, start, body), end, trail);
            proptest::prop_assert!(trimmed.balanced);
            proptest::prop_assert_eq!(
                trim_plain(&text, start, body, end),
                trimmed.end
            );
        }
    }

    #[test]
    fn word_start_rejects_options() {
        assert!(word_start(b"Files", 0, Style::Windows));
        assert!(word_start(b"(x86)", 0, Style::Windows));
        assert!(!word_start(b"(x86)", 0, Style::Unix));
        assert!(!word_start(b"--silent", 0, Style::Windows));
        assert!(!word_start(b"~/x", 0, Style::Unix));
        assert!(!word_start(b" x", 0, Style::Windows));
    }

    #[test]
    fn capitalised_accepts_digits() {
        assert!(capitalised(b"Q1", 0, Style::Unix));
        assert!(capitalised(b"2024", 0, Style::Unix));
        assert!(!capitalised(b"and", 0, Style::Unix));
        assert!(capitalised("Ärger".as_bytes(), 0, Style::Unix));
    }
}
