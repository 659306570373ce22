//! Sections of a document whose heading announces file names, as threat
//! reports group their indicators: `=== File names and paths` in
//! AsciiDoc, `## Filenames` in Markdown. A generic name listed under such
//! a heading (`DllResolve.db`, `wgl.dat`) is an indicator like one in a
//! table next to its digest.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::{contains_name_label, CONTEXT_REACH};

/// Maximum number of heading levels: AsciiDoc and Markdown both have six.
const MAX_LEVEL: usize = 6;

/// Maximum length in bytes of a heading's title that opens a section. A
/// longer line that starts with `#` is more likely a comment in code.
const MAX_TITLE: usize = 80;

/// Finds whether a name lies in a section whose heading names file
/// names. The section runs to the next heading of the same or a higher
/// level, so `==== Delivery chain` under `=== File names and paths` stays
/// inside it. Names are passed in order of start, and each search for
/// the next line that starts with `=` or `#` resumes where the last one
/// stopped, so the text is searched once in all.
///
/// The heading counts only when it starts within `CONTEXT_REACH` bytes
/// before the name, so that a chunk of a large input, which starts that
/// far before its first name, decides as the whole text does.
#[derive(Debug, Default)]
pub(super) struct SectionContext {
    /// Whether the first line of the text has been looked at, and the
    /// searches below started.
    started: bool,
    /// The start of the next line that starts with `=`, if any.
    next_equals: Option<usize>,
    /// The start of the next line that starts with `#`, if any.
    next_hash: Option<usize>,
    /// The start and level of the last heading that names file names.
    name_heading: Option<(usize, usize)>,
    /// The minimum number of marks (`=` or `#`) of the headings after
    /// `name_heading`.
    /// A heading with no more marks than it closes its section.
    min_level_after: usize,
}

/// Searches for the line breaks before an AsciiDoc and a Markdown
/// heading. One vectorised search per mark skips the other lines far
/// faster than a look at every line start.
static LINE_MARKS: LazyLock<[Finder<'static>; 2]> =
    LazyLock::new(|| [Finder::new(b"\n="), Finder::new(b"\n#")]);

impl SectionContext {
    /// Reports whether `at`, which is not before the last offset passed,
    /// lies in a section whose heading names file names.
    pub(super) fn names_files(&mut self, text: &[u8], at: usize) -> bool {
        let [equals, hash] = &*LINE_MARKS;
        if !self.started {
            self.started = true;
            self.read_line(text, 0);
            self.next_equals = next_line_with(text, equals, 0);
            self.next_hash = next_line_with(text, hash, 0);
        }
        loop {
            let next = match (self.next_equals, self.next_hash) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) | (None, Some(a)) => a,
                (None, None) => break,
            };
            if next >= at {
                break;
            }
            self.read_line(text, next);
            if self.next_equals == Some(next) {
                self.next_equals = next_line_with(text, equals, next);
            } else {
                self.next_hash = next_line_with(text, hash, next);
            }
        }
        // A heading at `heading` is read from the line break before it,
        // which must lie in reach too, or from the start of the text.
        self.name_heading.is_some_and(|(heading, level)| {
            heading.saturating_add(CONTEXT_REACH) > at
                && self.min_level_after > level
        })
    }

    /// Opens or closes the section at the heading that starts the line
    /// at `line`, if the line is a heading.
    fn read_line(&mut self, text: &[u8], line: usize) {
        let rest = text.get(line..).unwrap_or_default();
        let Some(&mark @ (b'=' | b'#')) = rest.first() else {
            return;
        };
        let level = rest.iter().take_while(|&&b| b == mark).count();
        if level > MAX_LEVEL || rest.get(level) != Some(&b' ') {
            return;
        }
        let after_marks = rest.get(level..).unwrap_or_default();
        let title_len =
            memchr::memchr(b'\n', after_marks).unwrap_or(after_marks.len());
        let title = after_marks.get(..title_len).unwrap_or_default();
        if is_name_title(title) {
            self.name_heading = Some((line, level));
            self.min_level_after = usize::MAX;
        } else {
            self.min_level_after = self.min_level_after.min(level);
        }
    }
}

/// Returns the start of the first line after `from` that `finder`, a
/// search for a line break and a mark, finds.
fn next_line_with(
    text: &[u8],
    finder: &Finder<'_>,
    from: usize,
) -> Option<usize> {
    let found = finder.find(text.get(from..)?)?;
    // `found` indexes the tail from `from`, and a byte follows the break.
    Some(from.saturating_add(found).saturating_add(1))
}

/// Reports whether a heading's title announces file names: words with a
/// file-name label among them, such as `File names and paths` or
/// `Filenames / Paths`. A title with code in it, such as
/// `` `module.createRequire(filename)` `` in an API manual, names a
/// parameter, not a list of files.
fn is_name_title(title: &[u8]) -> bool {
    let plain = |b: &u8| {
        b.is_ascii_alphabetic()
            || matches!(b, b' ' | b'/' | b'&' | b',' | b'-' | b'\r')
    };
    title.len() <= MAX_TITLE
        && title.iter().all(plain)
        && contains_name_label(title)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Returns whether each needle, in order, lies in a file-name
    /// section of `text`.
    fn inside(text: &str, needles: &[&str]) -> Vec<bool> {
        let mut sections = SectionContext::default();
        needles
            .iter()
            .map(|needle| {
                let at = text.find(needle).unwrap();
                sections.names_files(text.as_bytes(), at)
            })
            .collect()
    }

    #[test]
    fn asciidoc_section_runs_to_same_level() {
        let text = "== Intro\nx.db\n=== File names and paths\n\
                    a.db\n==== Delivery chain\nb.db\n=== Network\nc.db\n";
        let found = inside(text, &["x.db", "a.db", "b.db", "c.db"]);
        assert_eq!(found, [false, true, true, false]);
    }

    #[test]
    fn markdown_heading_at_text_start() {
        let text = "## Filenames\n* wgl.dat\n# Other\nz.dat";
        assert_eq!(inside(text, &["wgl.dat", "z.dat"]), [true, false]);
    }

    #[test]
    fn lines_that_are_not_headings() {
        let cases = [
            "#Filenames\na.db",
            "=======  filename\na.db",
            "x == filename\na.db",
            "setext filename\n========\na.db",
        ];
        for text in cases {
            assert_eq!(inside(text, &["a.db"]), [false], "{text}");
        }
        let long = format!("# filename {}\na.db", "x".repeat(MAX_TITLE));
        assert_eq!(inside(&long, &["a.db"]), [false]);
    }

    #[test]
    fn titles_with_code_open_nothing() {
        let cases = [
            "### `module.createRequire(filename)`\na.db",
            "### `node_api_get_module_file_name`\na.db",
            "## Step 2: filename\na.db",
        ];
        for text in cases {
            assert_eq!(inside(text, &["a.db"]), [false], "{text}");
        }
    }

    #[test]
    fn long_heading_still_closes_section() {
        let text = format!(
            "# File names\na.db\n# {}\nb.db",
            "comment ".repeat(MAX_TITLE)
        );
        assert_eq!(inside(&text, &["a.db", "b.db"]), [true, false]);
    }
}
