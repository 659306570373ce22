//! Names of mutexes and other named synchronisation objects. A name has
//! no shape of its own (`MSO~2`, `Global\BitStreamSvc`, `{D7F8FEDF-…}`),
//! so only context that names it makes it one:
//!
//! - a heading that names mutexes (`==== Mutex names`, `## Mutexes`), or
//!   a line that is only such a label (`Mutexes:`), before a list with
//!   one name per line;
//! - a `mutex` or `mutant` label right before a quoted name on the same
//!   line (`creates the mutex "Foo"`, ``mutex named `Foo` ``), or before
//!   a bare name that ends the line after a colon (`Mutex: Foo`) or that
//!   starts with a kernel object namespace (`mutex Global\Foo`);
//! - the `Content` of an OpenIOC item whose context search is
//!   `ProcessItem/HandleList/Handle/Name`;
//! - the value of a MISP attribute of type `mutex`.
//!
//! A kernel object namespace alone (`Global\`, `Local\`,
//! `\BaseNamedObjects\`) is no evidence: events and semaphores share it,
//! and threat reports list them under headings of their own.
//!
//! Every context lies within `CONTEXT_REACH` bytes before the name it
//! announces, so a chunk of a large input decides as the whole text does.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::filename::misp::{is_type_key_before, value_string_after};
use super::filename::CONTEXT_REACH;
use super::Candidate;
use crate::Category;

/// Maximum length of a name, in bytes. The documentation of
/// `CreateMutexW` limits a name to `MAX_PATH` (260) characters, so a
/// name with non-ASCII characters may be longer than this and is missed.
const MAX_NAME: usize = 260;

/// Maximum number of spaces in a name that quotes or markup delimit.
const MAX_SPACES: usize = 8;

/// Maximum length in bytes of a heading's title or of a label line. A
/// longer line is prose that happens to mention a mutex.
const MAX_TITLE: usize = 80;

/// Maximum number of heading levels: AsciiDoc and Markdown both have six.
const MAX_LEVEL: usize = 6;

/// Maximum distance in bytes from the end of an OpenIOC context search
/// to the `<Content` element of the same item.
const CONTENT_REACH: usize = 256;

/// The prefixes of the kernel object namespaces that Windows resolves
/// for a named object: a session's own, the global one, and the full
/// object-manager paths of both.
const NAMESPACES: [&[u8]; 5] = [
    b"Global\\",
    b"Local\\",
    b"Session\\",
    b"\\BaseNamedObjects\\",
    b"\\Sessions\\",
];

/// The search for `ut`, which every label word has after its first
/// letter, built once. One vector search finds `mutex` and `mutant` with
/// a capital or a small `m`, so the text is read once instead of four
/// times. The `m` before each hit is checked next.
static LABEL_ANCHOR: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"ut"));

/// The end of OpenIOC's search for the name of a process's handle.
const HANDLE_NAME: &[u8] = b"Handle/Name";

/// Pushes every mutex name in `text` that a heading, a label, an OpenIOC
/// handle item or a MISP attribute announces, in order of start within
/// each kind of context. `runs` are the text's runs as
/// `chars::base64_runs` returns them, and an OpenIOC search lies in one.
pub(crate) fn find(
    text: &[u8],
    runs: &[(usize, usize)],
    out: &mut Vec<Candidate>,
) {
    for at in LABEL_ANCHOR.find_iter(text) {
        let Some(word_start) = at.checked_sub(1) else { continue };
        if !matches!(text.get(word_start), Some(b'm' | b'M')) {
            continue;
        }
        find_misp_value(text, word_start, out);
        let Some(word_end) = label_word_end(text, word_start) else {
            continue;
        };
        if let Some(list) = list_after(text, word_start, word_end) {
            find_listed(text, list, out);
        } else if let Some(candidate) = name_after_label(text, word_end) {
            out.push(candidate);
        }
    }
    for &(_, run_end) in runs {
        let Some(at) = run_end.checked_sub(HANDLE_NAME.len()) else {
            continue;
        };
        if text.get(at..run_end) != Some(HANDLE_NAME) {
            continue;
        }
        if let Some(candidate) = handle_content(text, at) {
            out.push(candidate);
        }
    }
}

/// Returns the end of the label word `mutex`, `mutexes`, `mutant` or
/// `mutants`, in any case, that starts at `start`, when a word boundary
/// lies on both sides. A word in code (`std::sync::Mutex`,
/// `` `Mutex` ``, `Arc<Mutex<T>>`) or in a name (`Mutex_sync`) is no
/// label.
fn label_word_end(text: &[u8], start: usize) -> Option<usize> {
    let open = match start.checked_sub(1) {
        Some(before) => text.get(before).copied(),
        None => None,
    };
    if open.is_some_and(|b| {
        !(b.is_ascii_whitespace() || matches!(b, b'(' | b'*' | b'|'))
    }) {
        return None;
    }
    let rest = text.get(start..)?;
    let stem_len = [&b"mutex"[..], b"mutant"]
        .into_iter()
        .find(|stem| {
            rest.get(..stem.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(stem))
        })?
        .len();
    let after_stem = rest.get(stem_len..).unwrap_or_default();
    let plural = if stem_len == 5 && starts_with_ignore_case(after_stem, b"es")
    {
        2
    } else if stem_len == 6 && starts_with_ignore_case(after_stem, b"s") {
        1
    } else {
        0
    };
    let end = start.saturating_add(stem_len).saturating_add(plural);
    let next = text.get(end);
    if next.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some(end)
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.get(..prefix.len()).is_some_and(|b| b.eq_ignore_ascii_case(prefix))
}

/// The lines that a heading or a label line opens for a list of names.
#[derive(Clone, Copy, Debug)]
struct List {
    /// The start of the first line after the heading.
    first_line: usize,
    /// The offset at which a name no longer lies within reach of the
    /// heading.
    reach_end: usize,
    /// Set for a label line (`Mutexes:`), whose list ends at the first
    /// blank line after a name. A heading's list runs to the next
    /// heading.
    ends_at_blank: bool,
}

/// Returns the list that the line holding the label word
/// `word_start..word_end` opens, when the line is a heading whose title
/// names mutexes (`==== Mutex names`) or a label line that ends with a
/// colon (`Mutexes:`, `* *Mutex names:*`).
fn list_after(
    text: &[u8],
    word_start: usize,
    word_end: usize,
) -> Option<List> {
    let lowest = word_start.saturating_sub(MAX_TITLE);
    let head = text.get(lowest..word_start)?;
    let line_start = match memchr::memrchr(b'\n', head) {
        Some(newline) => lowest.saturating_add(newline).saturating_add(1),
        None if lowest == 0 => 0,
        None => return None,
    };
    let tail = text.get(word_end..)?;
    let tail_len = tail.iter().take(MAX_TITLE).position(|&b| b == b'\n')?;
    let line_end = word_end.saturating_add(tail_len);
    let line = text.get(line_start..line_end)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let reach_end = line_start.saturating_add(CONTEXT_REACH);
    let first_line = line_end.saturating_add(1);
    if let Some(title) = heading_title(line) {
        return is_plain_title(title).then_some(List {
            first_line,
            reach_end,
            ends_at_blank: false,
        });
    }
    let label = line.trim_ascii().strip_suffix(b":")?;
    is_plain_title(trim_marks(label)).then_some(List {
        first_line,
        reach_end,
        ends_at_blank: true,
    })
}

/// Strips the list markers and the bold or italic marks around a label.
fn trim_marks(label: &[u8]) -> &[u8] {
    let mark = |b: &u8| matches!(b, b'*' | b'-' | b'_' | b' ' | b'\t');
    let start = label.iter().position(|b| !mark(b)).unwrap_or(label.len());
    let end = label
        .iter()
        .rposition(|b| !mark(b))
        .map_or(start, |last| last.saturating_add(1));
    label.get(start..end).unwrap_or_default()
}

/// Returns the title of an AsciiDoc or Markdown heading line: up to six
/// `=` or `#` marks, a space and the title.
fn heading_title(line: &[u8]) -> Option<&[u8]> {
    let &mark @ (b'=' | b'#') = line.first()? else {
        return None;
    };
    let level = line.iter().take_while(|&&b| b == mark).count();
    if level > MAX_LEVEL || line.get(level) != Some(&b' ') {
        return None;
    }
    line.get(level.saturating_add(1)..)
}

/// Reports whether a heading's title or a label is plain words, as
/// `Mutexes created by Scarab ransomware` is. A title with code or
/// punctuation in it is prose or an API name.
fn is_plain_title(title: &[u8]) -> bool {
    let plain = |b: &u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b' ' | b'/' | b'&' | b',' | b'-' | b'(' | b')')
    };
    !title.is_empty() && title.len() <= MAX_TITLE && title.iter().all(plain)
}

/// Pushes the name of each line of `list` that contains one. The list ends at
/// a heading or at a line that ends with a colon, as the next label does
/// (`Semaphores:`). So the lists of two labels never share a line, and
/// the walks stay linear in all.
fn find_listed(text: &[u8], list: List, out: &mut Vec<Candidate>) {
    let mut line_start = list.first_line;
    let mut named = false;
    while line_start < list.reach_end {
        let Some(rest) = text.get(line_start..) else { break };
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..len).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if heading_title(line).is_some()
            || line.trim_ascii_end().ends_with(b":")
        {
            break;
        }
        if line.trim_ascii().is_empty() && named && list.ends_at_blank {
            break;
        }
        // A name indented far into its line may start out of reach.
        let listed = listed_name(line, line_start)
            .filter(|candidate| candidate.start < list.reach_end);
        if let Some(candidate) = listed {
            named = true;
            out.push(candidate);
        }
        line_start = line_start.saturating_add(len).saturating_add(1);
    }
}

/// Returns the name that is all of `line`, which starts at `line_start`,
/// apart from a list marker (`*`, `-`), spaces, and the quotes, backticks or
/// AsciiDoc `++` around it.
fn listed_name(line: &[u8], line_start: usize) -> Option<Candidate> {
    let trimmed = line.trim_ascii_start();
    let marked = match trimmed.split_first() {
        Some((b'*' | b'-', rest)) if rest.first() == Some(&b' ') => rest,
        _ => trimmed,
    };
    let mut name = marked.trim_ascii();
    for _ in 0..3 {
        let (&first, _) = name.split_first()?;
        if !matches!(first, b'`' | b'+' | b'"' | b'\'') {
            break;
        }
        name = name.strip_prefix(&[first])?.strip_suffix(&[first])?;
    }
    if !is_name(name, 0) {
        return None;
    }
    candidate_at(line, line_start, name)
}

/// Returns the candidate for `name`, a subslice of `within`, which starts
/// at `within_start` in the text.
fn candidate_at(
    within: &[u8],
    within_start: usize,
    name: &[u8],
) -> Option<Candidate> {
    let offset =
        (name.as_ptr() as usize).checked_sub(within.as_ptr() as usize)?;
    let start = within_start.checked_add(offset)?;
    let end = start.checked_add(name.len())?;
    let value = std::str::from_utf8(name).ok()?;
    Some(Candidate::new(Category::Mutex, start, end, value))
}

/// Reports whether `name` can be a mutex name with at most `max_spaces`
/// single spaces inside: printable, with a letter or digit, and free of
/// the quotes, brackets and separators of code and prose. A `/` marks a
/// Unix path, which some reports list as a file used as a lock.
fn is_name(name: &[u8], max_spaces: usize) -> bool {
    let Some((&first, _)) = name.split_first() else { return false };
    let last = name.last().copied().unwrap_or(first);
    let allowed = |b: &u8| {
        (b.is_ascii_graphic() || *b >= 0x80 || *b == b' ')
            && !matches!(
                b,
                b'"' | b'\''
                    | b'`'
                    | b'('
                    | b')'
                    | b'<'
                    | b'>'
                    | b'|'
                    | b';'
                    | b','
                    | b'='
                    | b'/'
                    | b'['
                    | b']'
            )
    };
    let spaces = name.iter().filter(|&&b| b == b' ').count();
    name.len() <= MAX_NAME
        && first != b' '
        && last != b' '
        && last != b':'
        && spaces <= max_spaces
        && memchr::memmem::find(name, b"  ").is_none()
        && memchr::memmem::find(name, b"::").is_none()
        && name.iter().all(allowed)
        && name.iter().any(u8::is_ascii_alphanumeric)
}

/// Returns the name that a label ending at `word_end` announces on its
/// line: a quoted name after an optional `named`, `called` or `name` and
/// an optional colon, a bare name that ends the line after a colon, or a
/// bare name in a kernel object namespace.
fn name_after_label(text: &[u8], word_end: usize) -> Option<Candidate> {
    const MAX_GAP: usize = 24;
    let window_end = word_end.saturating_add(MAX_GAP).min(text.len());
    let mut rest = text.get(word_end..)?;
    let gap = text.get(word_end..window_end)?;
    let spaces = |bytes: &[u8]| {
        bytes.iter().take_while(|&&b| b == b' ' || b == b'\t').count()
    };

    rest = skip(rest, spaces(rest));
    let mut connected = false;
    for word in [&b"named"[..], b"names", b"name", b"called", b"value"] {
        let next = rest.get(word.len());
        if starts_with_ignore_case(rest, word)
            && !next.is_some_and(|b| b.is_ascii_alphanumeric())
        {
            rest = skip(rest, word.len());
            rest = skip(rest, spaces(rest));
            connected = true;
            break;
        }
    }
    let colon = rest.first() == Some(&b':');
    if colon {
        rest = skip(rest, 1);
        rest = skip(rest, spaces(rest));
    }
    // The gap between the label and the name stays short, so the label
    // lies within reach of every name it announces.
    let consumed =
        text.len().saturating_sub(word_end).saturating_sub(rest.len());
    if consumed > gap.len() {
        return None;
    }
    let start = word_end.saturating_add(consumed);
    let (&open, after_open) = rest.split_first()?;
    let close = match open {
        b'"' => Some(b'"'),
        b'`' | b'\'' if connected || colon => Some(open),
        _ => None,
    };
    if let Some(close) = close {
        let line_len = after_open
            .iter()
            .take(MAX_NAME.saturating_add(1))
            .position(|&b| b == close || b == b'\n')?;
        if after_open.get(line_len) != Some(&close) {
            return None;
        }
        let name = after_open.get(..line_len)?;
        if !is_name(name, 0) {
            return None;
        }
        return candidate_at(rest, start, name);
    }
    let token_len = rest
        .iter()
        .take(MAX_NAME.saturating_add(1))
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let token = rest.get(..token_len)?;
    let name = strip_trailing_punctuation(token);
    let after = rest.get(token_len..).unwrap_or_default();
    let ends_line = after
        .iter()
        .find(|&&b| b != b' ' && b != b'\t' && b != b'\r')
        .is_none_or(|&b| b == b'\n');
    let namespaced = NAMESPACES.iter().any(|prefix| {
        name.len() > prefix.len() && starts_with_ignore_case(name, prefix)
    });
    let bare = (colon && ends_line && name.len() == token.len()) || namespaced;
    if !bare || !is_name(name, 0) {
        return None;
    }
    candidate_at(rest, start, name)
}

fn skip(bytes: &[u8], n: usize) -> &[u8] {
    bytes.get(n..).unwrap_or_default()
}

/// Strips the `.`, `,`, `;`, `:` and `)` that end a sentence or a clause
/// from a bare name.
fn strip_trailing_punctuation(token: &[u8]) -> &[u8] {
    let end = token
        .iter()
        .rposition(|b| !matches!(b, b'.' | b',' | b';' | b')' | b':'))
        .map_or(0, |last| last.saturating_add(1));
    token.get(..end).unwrap_or_default()
}

/// Pushes the value of the MISP attribute whose type string `"mutex"`
/// has its `m` at `word_start`.
fn find_misp_value(text: &[u8], word_start: usize, out: &mut Vec<Candidate>) {
    let Some(quote) = word_start.checked_sub(1) else { return };
    let type_end = word_start.saturating_add(b"mutex\"".len());
    if text.get(quote..type_end) != Some(&b"\"mutex\""[..])
        || !is_type_key_before(text, quote)
    {
        return;
    }
    let Some((start, string)) = value_string_after(text, type_end) else {
        return;
    };
    let Some(len) = string.iter().position(|&b| b == b'"') else { return };
    let Some(name) = string.get(..len) else { return };
    // A JSON escape (`\\`, `\"`) would make the value differ from the
    // name, so such values are left out.
    if name.contains(&b'\\') || !is_name(name, MAX_SPACES) {
        return;
    }
    if let Some(candidate) = candidate_at(string, start, name) {
        out.push(candidate);
    }
}

/// Returns the `Content` of the OpenIOC item whose context search ends
/// with the `Handle/Name` at `at`:
///
/// ```text
/// <Context document="ProcessItem" search="ProcessItem/HandleList/Handle/Name" type="mir"/>
/// <Content type="string">PnP_No_Management</Content>
/// ```
///
/// The search matches the name of a handle of any type, and OpenIOC
/// files written by FireEye list event and mailslot names under it too,
/// with the type at most in a comment. Such names are reported as well.
fn handle_content(text: &[u8], at: usize) -> Option<Candidate> {
    const SEARCH: &[u8] = b"\"ProcessItem/HandleList/Handle/Name\"";
    let before_handle =
        SEARCH.len().checked_sub(HANDLE_NAME.len().saturating_add(1))?;
    let search_start = at.checked_sub(before_handle)?;
    let search_end = search_start.checked_add(SEARCH.len())?;
    if text.get(search_start..search_end)? != SEARCH {
        return None;
    }
    let window_end = search_end.saturating_add(CONTENT_REACH).min(text.len());
    let window = text.get(search_end..window_end)?;
    let content = memchr::memmem::find(window, b"<Content")?;
    let between = window.get(..content)?;
    if memchr::memmem::find(between, b"<Context").is_some()
        || memchr::memmem::find(between, b"</IndicatorItem").is_some()
    {
        return None;
    }
    let element = window.get(content..)?;
    let open_end = memchr::memchr(b'>', element)?;
    let body = element.get(open_end.saturating_add(1)..)?;
    let body_len = memchr::memchr(b'<', body)?;
    if !body.get(body_len..)?.starts_with(b"</Content>") {
        return None;
    }
    let name = body.get(..body_len)?;
    if name.contains(&b'&') || !is_name(name, MAX_SPACES) {
        return None;
    }
    candidate_at(window, search_end, name)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Returns the names found in `text`, checking that each is the span
    /// it claims.
    fn names(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let runs = crate::detect::chars::base64_runs(text.as_bytes());
        find(text.as_bytes(), &runs, &mut out);
        out.into_iter()
            .map(|c| {
                assert_eq!(c.category, Category::Mutex);
                let value = String::from(c.value);
                assert_eq!(&text[c.start..c.end], value);
                value
            })
            .collect()
    }

    const NONE: &[&str] = &[];

    #[test]
    fn heading_lists_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "==== Mutexes\n\n----\nGlobal\\BitStreamSvc\n\
                 Global\\Intel_hctrl32\n----\n",
                &["Global\\BitStreamSvc", "Global\\Intel_hctrl32"],
            ),
            (
                "==== Mutex names\n* `MSO~2`\n* `Mutex_sync`\n\n\
                 ==== Semaphore names\n* `Global\\BrLK`\n",
                &["MSO~2", "Mutex_sync"],
            ),
            ("## Mutexes\n\n- `{D7F8FEDF-D9A0}`\n", &["{D7F8FEDF-D9A0}"]),
            (" * `+abc+`\n== Mutex\n * `+x1+`\n", &["x1"]),
            (
                "=== Mutex\nThe loader creates it.\n* `Zw_&one@ld43`\n",
                &["Zw_&one@ld43"],
            ),
            ("Mutexes:\n- `abc1`\n- abc2\n\n- abc3\n", &["abc1", "abc2"]),
            ("Mutexes:\n- `abc1`\nSemaphores:\n- abc2\n", &["abc1"]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn lists_that_name_no_mutex() {
        let cases = [
            "==== Semaphore names\n* `Global\\BrLK`\n",
            "=== Synchronization objects\nGlobal\\{6A2B597F}\n",
            "==== File based mutexes\n----\n/dev/shm/.bin\n----\n",
            "### `Mutex` API\nlock\n",
            "#Mutexes\nabc1\n",
            "the mutex list\nabc1\n",
            "==== Mutexes\n|===\n| Name | Note\n[source]\n----\n",
        ];
        for text in cases {
            assert_eq!(names(text), NONE, "{text:?}");
        }
    }

    #[test]
    fn heading_reach_is_bounded() {
        let far = format!(
            "== Mutexes\n{}\nabc1\n",
            "x y\n".repeat(CONTEXT_REACH / 4)
        );
        assert_eq!(names(&far), NONE);
        let near = format!("== Mutexes\n{}\nabc1\n", "x y\n".repeat(200));
        assert_eq!(names(&near), ["abc1"]);
        let indented =
            format!("== Mutexes\n{}abc1\n", " ".repeat(CONTEXT_REACH));
        assert_eq!(names(&indented), NONE);
    }

    #[test]
    fn labels_before_names_table() {
        let cases: &[(&str, &[&str])] = &[
            ("creates the mutex \"Foo1\" first", &["Foo1"]),
            ("a mutex named `Zz9` and", &["Zz9"]),
            ("the Mutant called 'x-7'.", &["x-7"]),
            ("Mutex: Bar_2\n", &["Bar_2"]),
            ("Mutex name: Bar_2\r\n", &["Bar_2"]),
            ("opens mutex Global\\Baz3, then", &["Global\\Baz3"]),
            ("(mutex \\BaseNamedObjects\\q)", &["\\BaseNamedObjects\\q"]),
            ("mutexes \"a1\"", &["a1"]),
        ];
        for (text, expected) in cases {
            assert_eq!(names(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn labels_without_names() {
        let cases = [
            "let mutex = Mutex::new(\"foo\");",
            "locks the mutex `m` first",
            "the `Mutex` `guard` type",
            "std::sync::Mutex \"x\"",
            "lock the mutex before use",
            "Mutex: a mutual exclusion primitive\n",
            "Mutex: Foo.\n",
            "mutex Global\\",
            "mutex: \"\"",
            "mutex \"a b\"",
            "mutex \"x\ny\"",
            "mutexed \"abc\"",
            "the mutex                         \"abc\"",
            "the Global\\Settings object",
            "C:\\Global\\x.exe",
            "HKLM\\Software\\Global\\Cfg",
        ];
        for text in cases {
            assert_eq!(names(text), NONE, "{text:?}");
        }
    }

    /// Returns a MISP attribute of `kind` with `value`.
    fn attribute(kind: &str, value: &str) -> String {
        format!(
            "{{\n  \"type\": \"{kind}\",\n  \
             \"category\": \"Artifacts dropped\",\n  \
             \"value\": \"{value}\"\n}}"
        )
    }

    #[test]
    fn misp_mutex_attributes() {
        let text = attribute("mutex", "flPGdvyhPykxGvhDOAZnU");
        assert_eq!(names(&text), ["flPGdvyhPykxGvhDOAZnU"]);
        let cases = [
            attribute("filename", "flPGdvyhPykxGvhDOAZnU"),
            attribute("mutex", "Global\\\\x"),
            attribute("mutex", ""),
            "\"name\": \"mutex\", \"value\": \"abc\"".to_string(),
        ];
        for text in cases {
            assert_eq!(names(&text), NONE, "{text}");
        }
    }

    /// Returns an OpenIOC item with the context `search` and `content`.
    fn item(search: &str, content: &str) -> String {
        format!(
            "<IndicatorItem id=\"1\" condition=\"is\">\n  \
             <Context document=\"ProcessItem\" search=\"{search}\" \
             type=\"mir\"/>\n  \
             <Content type=\"string\">{content}</Content>\n\
             </IndicatorItem>\n"
        )
    }

    #[test]
    fn openioc_handle_names() {
        let search = "ProcessItem/HandleList/Handle/Name";
        let text = item(search, "PnP_No_Management")
            + &item(search, "\\Device\\Mailslot\\check_mes_v5555");
        let expected =
            ["PnP_No_Management", "\\Device\\Mailslot\\check_mes_v5555"];
        assert_eq!(names(&text), expected);
        let cases = [
            item("FileItem/FileName", "PnP_No_Management"),
            item("ProcessItem/HandleList/Handle/Type", "Mutant"),
            item(search, "a &amp; b"),
            item(search, ""),
            format!(
                "<Context search=\"{search}\"/>\n</IndicatorItem>\n\
                 <Content>x1</Content>"
            ),
        ];
        for text in cases {
            assert_eq!(names(&text), NONE, "{text}");
        }
    }

    #[test]
    fn is_name_table() {
        let cases = [
            ("MSO~2", true),
            ("Global\\Global\\RqzSingleInst", true),
            ("{46E4D4E6-8B81-84CA-93DA-BB29377B2AC0}", true),
            ("Zw_&one@ldrContext43", true),
            ("*wz4xSdmm1", true),
            ("", false),
            ("----", false),
            ("/dev/shm/.bin", false),
            ("std::sync", false),
            ("f(x)", false),
            ("Mutexes:", false),
            ("a b", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_name(name.as_bytes(), 0), expected, "{name}");
        }
        assert!(is_name(b"Windows Broker", MAX_SPACES));
        assert!(!is_name(&[b'a'; MAX_NAME + 1], 0));
    }

    proptest::proptest! {
        #[test]
        fn names_are_spans_of_the_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "mutex", "Mutexes", "mutant", "== ", "# ", ":", "\n",
                    " ", " ", "`", "\"", "'", "* ", "- ", "Global\\", "a1",
                    "named ", "\"type\": \"mutex\", \"value\": \"",
                    "\"ProcessItem/HandleList/Handle/Name\"",
                    "<Content>", "</Content>", "\u{e9}", "\r",
                ][..]),
                0..40,
            )
        ) {
            let text = pieces.concat();
            let mut out = Vec::new();
            let runs = crate::detect::chars::base64_runs(text.as_bytes());
            find(text.as_bytes(), &runs, &mut out);
            for candidate in &out {
                let value: &str = &candidate.value;
                proptest::prop_assert_eq!(
                    value,
                    &text[candidate.start..candidate.end]
                );
                proptest::prop_assert!(is_name(value.as_bytes(), MAX_SPACES));
            }
        }
    }
}
