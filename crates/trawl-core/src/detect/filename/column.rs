//! Names in the file-name column of a table whose rows list samples by
//! digest, as threat reports write them:
//!
//! ```text
//! | SHA-1                                      | Filename    | Detection
//! | `D7BF702F56CA53140F4F03B590E9AFCBC83809DB` | `mdworker3` | OSX/...
//! ```
//!
//! The header names the column, so a name there needs no listed
//! extension: Linux and macOS samples often have none (`sysnetd`,
//! `mdworker3`), and others keep an unusual one (`finaser.aes`). Only
//! AsciiDoc and Markdown tables whose rows start with `|` are read.

use super::{is_hex_digest, is_name_byte, CONTEXT_REACH, MAX_NAME};
use crate::detect::Candidate;
use crate::Category;

/// Maximum length in bytes of a table row. Rows of report tables are
/// far shorter, and the bound keeps the line search of a digest in
/// minified JSON or a long log line short. It is the reach of the other
/// context rules, so that a chunk of the text contains every row it reads.
const MAX_ROW: usize = CONTEXT_REACH;

/// Cell values that stand for a missing or varying name.
const PLACEHOLDERS: [&[u8]; 6] =
    [b"multiple", b"none", b"null", b"random", b"unknown", b"various"];

/// Pushes the names in the file-name column of each table row that
/// contains one of `digests`, spans in order of start.
pub(super) fn find_in_name_columns(
    text: &[u8],
    digests: &[(usize, usize)],
    out: &mut Vec<Candidate>,
) {
    let mut tables = TableContext::default();
    let mut last_row = None;
    for &(digest_start, _) in digests {
        // Most digests are not in a table cell, and this look at the bytes
        // before one spares them the search for their line.
        if !opens_cell(text, digest_start) {
            continue;
        }
        let Some((row, row_end)) = line_around(text, digest_start) else {
            continue;
        };
        if last_row == Some(row) {
            continue;
        }
        last_row = Some(row);
        let line = text.get(row..row_end).unwrap_or_default();
        if line_kind(line) != LineKind::Row {
            continue;
        }
        if let Some(column) = tables.name_column(text, row) {
            push_cell_names(text, row, line, column, out);
        }
    }
}

/// Reports whether a `|` opens the cell that starts with the digest at
/// `at`, past spaces and a backtick.
fn opens_cell(text: &[u8], at: usize) -> bool {
    let head = text.get(..at).unwrap_or_default();
    let marks =
        head.iter().rev().take(4).take_while(|&&b| b == b' ' || b == b'`');
    let before = at.checked_sub(marks.count().saturating_add(1));
    before.and_then(|i| text.get(i)) == Some(&b'|')
}

/// Returns the start and end of the line around `at`, or `None` when it
/// is longer than `MAX_ROW`.
fn line_around(text: &[u8], at: usize) -> Option<(usize, usize)> {
    let reach_back = at.saturating_sub(MAX_ROW);
    let before = text.get(reach_back..at)?;
    let start = match memchr::memrchr(b'\n', before) {
        Some(newline) => reach_back.saturating_add(newline).saturating_add(1),
        None if reach_back == 0 => 0,
        None => return None,
    };
    let reach = start.saturating_add(MAX_ROW).min(text.len());
    let after = text.get(at..reach)?;
    let end = match memchr::memchr(b'\n', after) {
        Some(newline) => at.saturating_add(newline),
        None if reach == text.len() => reach,
        None => return None,
    };
    Some((start, end))
}

/// The role of a line in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    /// A row: `|` first, past spaces.
    Row,
    /// AsciiDoc's table delimiter, `|===`.
    Delimiter,
    /// Markdown's line under the header, `|---|:--|`.
    Separator,
    /// A line with nothing but spaces, which AsciiDoc allows between
    /// rows.
    Blank,
    /// Anything else, which no table continues across.
    Other,
}

fn line_kind(line: &[u8]) -> LineKind {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let spaces = line.iter().take_while(|&&b| b == b' ').count();
    let content = line.get(spaces..).unwrap_or_default();
    if content.is_empty() {
        return LineKind::Blank;
    }
    if content.first() != Some(&b'|') {
        return LineKind::Other;
    }
    if content.starts_with(b"|===") {
        return LineKind::Delimiter;
    }
    let ruled = content.contains(&b'-')
        && content.iter().all(|b| matches!(b, b'|' | b'-' | b':' | b' '));
    if ruled {
        LineKind::Separator
    } else {
        LineKind::Row
    }
}

/// Finds the file-name column of the table around a row. Rows are passed
/// in order, and the walk up to a row's header stops at the row passed
/// before it when that row is in the same table, so each line is walked
/// once in all.
///
/// Every line walked, the header too, must start within `CONTEXT_REACH`
/// bytes before the row, so that a chunk of a large input decides as the
/// whole text does. The far rows of a longer table lose the column.
#[derive(Debug, Default)]
struct TableContext {
    /// The start of the row passed last.
    row: Option<usize>,
    /// The start of the header of that row's table and its file-name
    /// column, when the walk found both.
    header: Option<(usize, usize)>,
}

impl TableContext {
    /// Returns the index, among the `|`-separated parts of a line, of the
    /// file-name column of the table whose row starts at `row`.
    fn name_column(&mut self, text: &[u8], row: usize) -> Option<usize> {
        let header = self.walk_to_header(text, row);
        self.row = Some(row);
        self.header = header;
        let (start, column) = header?;
        (start.saturating_add(CONTEXT_REACH) > row).then_some(column)
    }

    /// Returns the start of the header of the table whose row starts at
    /// `row`, and its file-name column. The walk gives up at a line that
    /// starts `CONTEXT_REACH` or more bytes before `row`.
    fn walk_to_header(
        &self,
        text: &[u8],
        row: usize,
    ) -> Option<(usize, usize)> {
        // No line before `lowest` is looked at, so the search for a line
        // start gives up there.
        let lowest = row.saturating_sub(CONTEXT_REACH);
        let line_start = |line_end: usize| {
            let head = text.get(lowest..line_end)?;
            match memchr::memrchr(b'\n', head) {
                // `i` indexes `head`, so the sum is inside `text`.
                Some(i) => Some(lowest.saturating_add(i).saturating_add(1)),
                None if lowest == 0 => Some(0),
                None => None,
            }
        };
        let in_reach =
            |start: usize| start.saturating_add(CONTEXT_REACH) > row;
        // The start of the row nearest above the lines walked so far.
        let mut top_row = row;
        let mut line_end = row.checked_sub(1)?;
        loop {
            let start = line_start(line_end)?;
            if self.row == Some(start) {
                return self.header;
            }
            if !in_reach(start) {
                return None;
            }
            let line = text.get(start..line_end).unwrap_or_default();
            match line_kind(line) {
                LineKind::Row => top_row = start,
                LineKind::Blank => {}
                LineKind::Delimiter => {
                    let column = header_column(text, top_row)?;
                    return Some((start, column));
                }
                LineKind::Separator => {
                    let header = line_start(start.checked_sub(1)?)?;
                    if !in_reach(header) {
                        return None;
                    }
                    return Some((header, header_column(text, header)?));
                }
                LineKind::Other => return None,
            }
            line_end = start.checked_sub(1)?;
        }
    }
}

/// Returns the index of the cell of the header row starting at `start`
/// whose whole text is a file-name label (`Filename`, `File name`,
/// `file_name`, also plural), among the `|`-separated parts of the line.
fn header_column(text: &[u8], start: usize) -> Option<usize> {
    let rest = text.get(start..).unwrap_or_default();
    let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(MAX_ROW);
    let line = rest.get(..len).unwrap_or_default();
    line.split(|&b| b == b'|').position(|cell| {
        let (_, label) = trim_marks(cell);
        let label = label.strip_suffix(b"s").unwrap_or(label);
        [&b"filename"[..], b"file name", b"file_name"]
            .iter()
            .any(|l| label.eq_ignore_ascii_case(l))
    })
}

/// Returns `cell` without the spaces, backticks and emphasis around it,
/// and the offset in `cell` where the rest starts.
fn trim_marks(cell: &[u8]) -> (usize, &[u8]) {
    let mark = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'`' | b'*');
    let start = cell.iter().position(|b| !mark(b)).unwrap_or(cell.len());
    // `i` indexes `cell`, so the sum is at most its length.
    let end = cell
        .iter()
        .rposition(|b| !mark(b))
        .map_or(start, |i| i.saturating_add(1));
    (start, cell.get(start..end).unwrap_or_default())
}

/// Pushes the names in part `column` of the row `line`, which starts at
/// `row`: one name, or several separated by commas
/// (`` `WindowServer`, `myexe` ``).
fn push_cell_names(
    text: &[u8],
    row: usize,
    line: &[u8],
    column: usize,
    out: &mut Vec<Candidate>,
) {
    let mut offset = 0usize;
    for (index, cell) in line.split(|&b| b == b'|').enumerate() {
        if index == column {
            push_list(text, row.saturating_add(offset), cell, out);
            return;
        }
        // Each part is followed by its `|`.
        offset = offset.saturating_add(cell.len()).saturating_add(1);
    }
}

/// Pushes each name of the comma-separated `cell`, which starts at
/// `start` in the text.
fn push_list(
    text: &[u8],
    start: usize,
    cell: &[u8],
    out: &mut Vec<Candidate>,
) {
    let mut offset = 0usize;
    for item in cell.split(|&b| b == b',') {
        let (lead, name) = trim_marks(item);
        let name_start = start.saturating_add(offset).saturating_add(lead);
        offset = offset.saturating_add(item.len()).saturating_add(1);
        if !is_bare_name(name) {
            continue;
        }
        let name_end = name_start.saturating_add(name.len());
        let Some(bytes) = text.get(name_start..name_end) else { continue };
        let Ok(value) = std::str::from_utf8(bytes) else { continue };
        out.push(Candidate::new(
            Category::FileName,
            name_start,
            name_end,
            value,
        ));
    }
}

/// Reports whether a cell's text is a single file name: name characters
/// only, with a letter, not a placeholder and not named by a digest.
fn is_bare_name(name: &[u8]) -> bool {
    let Some(&first) = name.first() else { return false };
    if name.len() > MAX_NAME
        || !(first.is_ascii_alphanumeric() || first == b'_')
        || name.last() == Some(&b'.')
        || !name.iter().all(|&b| is_name_byte(b))
        || !name.iter().any(u8::is_ascii_alphabetic)
    {
        return false;
    }
    // A digest, or a digest with an extension (`<sha256>.php`), names a
    // sample by its hash, and the hash detector reports the digest.
    let stem = name.split(|&b| b == b'.').next().unwrap_or(name);
    if is_hex_digest(stem) {
        return false;
    }
    !PLACEHOLDERS.iter().any(|p| name.eq_ignore_ascii_case(p))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    const SHA1: &str = "D7BF702F56CA53140F4F03B590E9AFCBC83809DB";

    /// Returns the names found in `text`, with every occurrence of `SHA1`
    /// as a digest.
    fn names(text: &str) -> Vec<String> {
        let digests: Vec<(usize, usize)> = text
            .match_indices(SHA1)
            .map(|(at, d)| (at, at + d.len()))
            .collect();
        let mut out = Vec::new();
        find_in_name_columns(text.as_bytes(), &digests, &mut out);
        out.into_iter()
            .map(|c| {
                let value = String::from(c.value);
                assert_eq!(&text[c.start..c.end], value);
                value
            })
            .collect()
    }

    #[test]
    fn asciidoc_table_column() {
        let text = format!(
            "[options=\"header\"]\n|===\n| SHA-1 | Filename | Detection\n\
             | `{SHA1}` | `mdworker3` | OSX/CloudMensis.A\n\n\
             | `{SHA1}` | `WindowServer`, `myexe` | OSX/CloudMensis.A\n\
             |`{SHA1}`|finaser.aes|x\n|===\n"
        );
        let expected = ["mdworker3", "WindowServer", "myexe", "finaser.aes"];
        assert_eq!(names(&text), expected);
    }

    #[test]
    fn markdown_table_column() {
        let text = format!(
            "| **File name** | SHA-1 |\n|:---|---|\n\
             | iptables-multi-1.4.7 | {SHA1} |\n| N/A | {SHA1} |\n\
             | unknown | {SHA1} |\n| {SHA1} | {SHA1} |\n"
        );
        assert_eq!(names(&text), ["iptables-multi-1.4.7"]);
    }

    #[test]
    fn tables_without_name_header() {
        let cases = [
            format!("|===\n| SHA-1 | Name\n| {SHA1} | sysnetd\n|==="),
            format!("| SHA-1 | Filename\n| {SHA1} | sysnetd"),
            format!("|===\n| SHA-1 | Filename\n|===\n| {SHA1} | sysnetd"),
            format!("|===\n| SHA-1 | Filename\ntext\n| {SHA1} | sysnetd"),
            format!("| Filename |\n|---|\n{SHA1} sysnetd"),
        ];
        for text in cases {
            assert_eq!(names(&text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn cells_that_are_not_names() {
        let cases = [
            "C:\\x\\y.exe",
            "/usr/bin/x",
            "two words",
            "-",
            "123",
            ".hidden",
            "name.",
            "Various",
        ];
        let digest_named = format!("{}.php", "6".repeat(63) + "a");
        for cell in cases.into_iter().chain([digest_named.as_str()]) {
            let text =
                format!("|===\n| SHA-1 | Filename\n| {SHA1} | {cell}\n");
            assert_eq!(names(&text), Vec::<String>::new(), "{cell}");
        }
    }

    #[test]
    fn far_rows_lose_column() {
        let mut text = String::from("|===\n| Filename | SHA-1\n");
        let mut near = Vec::new();
        for i in 0..1000 {
            if text.len() < CONTEXT_REACH {
                near.push(format!("s{i}"));
            }
            text.push_str(&format!("| s{i} | {SHA1}\n"));
        }
        assert!(near.len() > 10, "{near:?}");
        assert_eq!(names(&text), near);
    }

    #[test]
    fn digest_outside_its_own_cell() {
        let text = format!("|===\n| Filename | SHA-1\n| x | sha1: {SHA1}\n");
        assert_eq!(names(&text), Vec::<String>::new());
    }

    #[test]
    fn long_lines_are_not_rows() {
        let text = format!(
            "|===\n| Filename | SHA-1\n| x | {} {SHA1}\n",
            "a".repeat(MAX_ROW)
        );
        assert_eq!(names(&text), Vec::<String>::new());
    }
}
