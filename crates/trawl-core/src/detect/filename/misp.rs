//! Names in MISP attributes whose type is `filename`, or a composite
//! such as `filename|sha1`, as MISP's JSON export writes them:
//!
//! ```text
//! "type": "filename",
//! ... a dozen other fields ...
//! "value": "mdworker3",
//! ```
//!
//! The type names the value, so it needs no listed extension, and it may
//! hold spaces (`Windows Broker Manager.dat`), because the quotes delimit
//! it. The type is further from the value than a label reaches
//! (`LABEL_REACH` in the parent module).

use std::sync::LazyLock;

use memchr::memmem::{self, Finder};

use super::{is_hex_digest, is_name_byte, CONTEXT_REACH, MAX_NAME};
use crate::detect::Candidate;
use crate::Category;

/// Maximum distance in bytes from the end of the type to the end of the
/// value. In the MISP events that ESET publishes, about 400 bytes of
/// other fields lie between them. The type's key, its string and the
/// spaces around the colon take up to `MAX_KEY_SPACES` plus 64 bytes,
/// and all of it must lie within `CONTEXT_REACH` before the value.
const VALUE_REACH: usize = CONTEXT_REACH - MAX_KEY_SPACES - 64;

/// Maximum number of spaces around the colon after `"type"`.
const MAX_KEY_SPACES: usize = 32;

/// Maximum number of spaces in a name.
const MAX_SPACES: usize = 8;

/// The search for the start of a file-name type, built once: the scanner
/// runs this detector on every decoded payload too, and building a
/// search costs more than running it over a short text.
static TYPE_START: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"\"filename"));

/// Pushes the name of each MISP attribute of a file-name type in `text`.
/// Each attribute is decided from its own type onwards, never from an
/// earlier match, so a chunk of a large input decides as the whole text
/// does.
// TODO: this pass over every window costs about 0.7 % of instructions on
// the 4 MB benchmark text (callgrind). A cheaper gate must depend only
// on bytes within `CONTEXT_REACH` before each value.
pub(super) fn find_in_misp_attributes(text: &[u8], out: &mut Vec<Candidate>) {
    let mut from = 0;
    while let Some(found) =
        text.get(from..).and_then(|rest| TYPE_START.find(rest))
    {
        let quote = from.saturating_add(found);
        from = quote.saturating_add(1);
        if !is_type_key_before(text, quote) {
            continue;
        }
        let Some(type_end) = file_name_type_end(text, quote) else {
            continue;
        };
        if let Some(candidate) = value_after(text, type_end) {
            out.push(candidate);
        }
    }
}

/// Reports whether `"type":` comes right before the string at `quote`,
/// with optional spaces around the colon.
pub(crate) fn is_type_key_before(text: &[u8], quote: usize) -> bool {
    let lowest = quote
        .saturating_sub(b"\"type\":".len().saturating_add(MAX_KEY_SPACES));
    let head = text.get(lowest..quote).unwrap_or_default();
    let head = head.trim_ascii_end();
    let Some(head) = head.strip_suffix(b":") else { return false };
    head.trim_ascii_end().ends_with(b"\"type\"")
}

/// Returns the end of the type string that starts at `quote`, when the
/// type is `filename` or a `filename|<hash>` composite.
fn file_name_type_end(text: &[u8], quote: usize) -> Option<usize> {
    let name_end = quote.saturating_add(b"\"filename".len());
    match text.get(name_end)? {
        b'"' => Some(name_end.saturating_add(1)),
        b'|' => {
            let rest = text.get(name_end..)?;
            let close = rest.iter().take(16).position(|&b| b == b'"')?;
            Some(name_end.saturating_add(close).saturating_add(1))
        }
        _ => None,
    }
}

/// Returns the candidate for the attribute's `"value"` after `from`, in
/// the same object. Of a composite value (`name.exe|<sha1>`) the part
/// before the `|` is taken.
fn value_after(text: &[u8], from: usize) -> Option<Candidate> {
    let (start, string) = value_string_after(text, from)?;
    let len = string.iter().position(|&b| b == b'"' || b == b'|')?;
    let name = string.get(..len)?;
    if !is_spaced_name(name) {
        return None;
    }
    let value = std::str::from_utf8(name).ok()?;
    let end = start.saturating_add(name.len());
    Some(Candidate::new(Category::FileName, start, end, value))
}

/// Returns the offset and the bytes that follow the opening quote of the
/// `"value"` string after `from`, up to `VALUE_REACH` bytes after `from`,
/// when the key lies in the same object: no brace and no other `"type"`
/// key lies between.
pub(crate) fn value_string_after(
    text: &[u8],
    from: usize,
) -> Option<(usize, &[u8])> {
    let reach = from.saturating_add(VALUE_REACH).min(text.len());
    let window = text.get(from..reach)?;
    let key = memmem::find(window, b"\"value\"")?;
    let between = window.get(..key)?;
    if between.iter().any(|&b| b == b'{' || b == b'}')
        || memmem::find(between, b"\"type\"").is_some()
    {
        return None;
    }
    let after_key = window.get(key.saturating_add(b"\"value\"".len())..)?;
    let after_colon = after_key.trim_ascii_start().strip_prefix(b":")?;
    let string = after_colon.trim_ascii_start().strip_prefix(b"\"")?;
    // `string` is a tail of `window`, so the offset is the difference of
    // the two lengths.
    let offset = window.len().saturating_sub(string.len());
    Some((from.saturating_add(offset), string))
}

/// Reports whether `name` is a file name whose words are one space apart.
/// A path, an escape and a digest-named sample are left to their own
/// detectors.
fn is_spaced_name(name: &[u8]) -> bool {
    let Some(&first) = name.first() else { return false };
    let spaces = name.iter().filter(|&&b| b == b' ').count();
    let plain = |b: &u8| is_name_byte(*b) || *b == b' ' || *b >= 0x80;
    if name.len() > MAX_NAME
        || spaces > MAX_SPACES
        || !(first.is_ascii_alphanumeric() || first == b'_' || first >= 0x80)
        || name.last().is_some_and(|&b| b == b' ' || b == b'.')
        || memmem::find(name, b"  ").is_some()
        || !name.iter().all(plain)
        || !name.iter().any(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let stem = name.split(|&b| b == b'.').next().unwrap_or(name);
    !is_hex_digest(stem)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        find_in_misp_attributes(text.as_bytes(), &mut out);
        out.into_iter()
            .map(|c| {
                let value = String::from(c.value);
                assert_eq!(&text[c.start..c.end], value);
                value
            })
            .collect()
    }

    /// Returns a MISP attribute of `kind` with `value`.
    fn attribute(kind: &str, value: &str) -> String {
        format!(
            "{{\n  \"id\": \"1\",\n  \"type\": \"{kind}\",\n  \
             \"category\": \"Artifacts dropped\",\n  \"comment\": \"\",\n  \
             \"value\": \"{value}\",\n  \"Galaxy\": []\n}}"
        )
    }

    #[test]
    fn file_name_attributes() {
        let text = [
            attribute("filename", "mdworker3"),
            attribute("filename", "Windows Broker Manager.dat"),
            attribute("filename|sha1", "Sorchornor - Sep 2017.exe|2a38"),
            attribute("filename", "SyLog.bin"),
        ]
        .join(",\n");
        let expected = [
            "mdworker3",
            "Windows Broker Manager.dat",
            "Sorchornor - Sep 2017.exe",
            "SyLog.bin",
        ];
        assert_eq!(names(&text), expected);
    }

    #[test]
    fn other_attributes_and_values() {
        let sha = "a".repeat(40);
        let cases = [
            attribute("domain", "mdworker3"),
            attribute("filenames", "mdworker3"),
            attribute("filename", "C:\\\\x\\\\a.exe"),
            attribute("filename", "/tmp/x"),
            attribute("filename", "a  b.exe"),
            attribute("filename", " a.exe"),
            attribute("filename", "1234"),
            attribute("filename", &format!("{sha}.exe")),
            "\"type\": \"filename\", \"x\": {\"value\": \"a\"}".to_string(),
            "\"type\": \"filename\", \"type\": \"domain\", \"value\": \"a\""
                .to_string(),
            "\"name\": \"filename\", \"value\": \"a\"".to_string(),
            format!(
                "\"type\": \"filename\", {} \"value\": \"a\"",
                " ".repeat(VALUE_REACH)
            ),
        ];
        for text in cases {
            assert_eq!(names(&text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn attribute_after_long_text() {
        let late = format!(
            "{}{}",
            "x".repeat(1 << 20),
            attribute("filename", "mdworker3")
        );
        assert_eq!(names(&late), ["mdworker3"]);
    }

    #[test]
    fn type_key_spaces_bounded() {
        let spaces = " ".repeat(MAX_KEY_SPACES + 1);
        let text = format!("\"type\"{spaces}:\"filename\",\"value\":\"a\"");
        assert_eq!(names(&text), Vec::<String>::new());
    }

    #[test]
    fn spaced_type_key() {
        let text = "\"type\" :\"filename\",\"value\" : \"wgl.dat\"";
        assert_eq!(names(text), ["wgl.dat"]);
    }
}
