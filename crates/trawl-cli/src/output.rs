//! Writes reports as JSON, JSON Lines, CSV, tab-separated text, a STIX
//! 2.1 bundle or a MISP event.
//!
//! Reports arrive one at a time, in input order, so a long run streams
//! its output instead of holding every report in memory. STIX and MISP
//! write one document for the whole run, so they keep each distinct
//! indicator until the end.

use std::io::{self, Write};

use trawl_core::Iocs;

use crate::args::Format;
use crate::misp;
use crate::report::Report;
use crate::stix;

/// The document a STIX or MISP run gathers its reports into.
pub enum Document {
    /// A STIX 2.1 bundle.
    Stix(stix::Bundle),
    /// A MISP event.
    Misp(misp::Event),
}

/// Writes a sequence of reports in one format.
pub struct ReportWriter<W: Write> {
    out: W,
    format: Format,
    compact: bool,
    detail: bool,
    /// Whether there are several inputs: JSON then writes an array and
    /// text lines start with the file.
    multi: bool,
    written: usize,
    document: Option<Document>,
}

impl<W: Write> ReportWriter<W> {
    /// Creates a writer and writes what comes before the first report.
    /// The STIX and MISP formats need their `document`.
    pub fn start(
        mut out: W,
        format: Format,
        compact: bool,
        detail: bool,
        multi: bool,
        document: Option<Document>,
    ) -> io::Result<ReportWriter<W>> {
        match format {
            Format::Json if multi => out.write_all(b"[")?,
            Format::Csv if detail => out.write_all(
                b"file,type,category,value,offset,length,source\n",
            )?,
            Format::Csv => out.write_all(b"file,type,category,value\n")?,
            Format::Json
            | Format::Jsonl
            | Format::Text
            | Format::Stix
            | Format::Misp => {}
        }
        Ok(ReportWriter {
            out,
            format,
            compact,
            detail,
            multi,
            written: 0,
            document,
        })
    }

    /// Writes one report.
    pub fn write(&mut self, report: &Report) -> io::Result<()> {
        match self.format {
            Format::Json => self.write_json(report)?,
            Format::Jsonl => {
                write_compact(&mut self.out, report)?;
                self.out.write_all(b"\n")?;
            }
            Format::Csv => self.write_csv(report)?,
            Format::Text => self.write_text(report)?,
            Format::Stix | Format::Misp => match &mut self.document {
                Some(Document::Stix(bundle)) => bundle.add(report),
                Some(Document::Misp(event)) => event.add(report),
                None => {}
            },
        }
        self.written += 1;
        Ok(())
    }

    /// Sends what has been written so far to the output, so a long run
    /// shows its reports before it ends.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes what follows the last report and flushes the output.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json && self.multi {
            let close: &[u8] = match (self.compact, self.written) {
                (false, 1..) => b"\n]\n",
                _ => b"]\n",
            };
            self.out.write_all(close)?;
        }
        match &self.document {
            Some(Document::Stix(bundle)) => {
                bundle.write(&mut self.out, self.compact)?
            }
            Some(Document::Misp(event)) => {
                event.write(&mut self.out, self.compact)?
            }
            None => {}
        }
        self.out.flush()?;
        Ok(self.out)
    }

    fn write_json(&mut self, report: &Report) -> io::Result<()> {
        if self.multi && self.written > 0 {
            self.out.write_all(b",")?;
        }
        if self.compact {
            write_compact(&mut self.out, report)?;
        } else if self.multi {
            // Matches serde_json's own layout of an array of objects.
            // Strings inside JSON never contain a raw newline, so
            // indenting after each newline indents whole lines only.
            let text = serde_json::to_string_pretty(report)?;
            self.out.write_all(b"\n  ")?;
            self.out.write_all(text.replace('\n', "\n  ").as_bytes())?;
        } else {
            serde_json::to_writer_pretty(&mut self.out, report)?;
        }
        if !self.multi {
            self.out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn write_csv(&mut self, report: &Report) -> io::Result<()> {
        let file = report.file.as_deref().unwrap_or("");
        let prefix = [csv_field(file), csv_field(report.kind)].join(",");
        if let (true, Some(detections)) = (self.detail, &report.detections) {
            // CSV has no column for the reason, so a value that `iocs`
            // leaves out is left out here too.
            for entry in detections.iter().filter(|e| e.dropped.is_none()) {
                writeln!(
                    self.out,
                    "{prefix},{},{},{},{},{}",
                    csv_field(&entry.category),
                    csv_field(&entry.value),
                    entry.offset,
                    entry.length,
                    csv_field(entry.source),
                )?;
            }
            return Ok(());
        }
        for (category, values) in report.iocs.named() {
            for value in values {
                writeln!(
                    self.out,
                    "{prefix},{},{}",
                    csv_field(category),
                    csv_field(value)
                )?;
            }
        }
        Ok(())
    }

    fn write_text(&mut self, report: &Report) -> io::Result<()> {
        let file = match (&report.file, self.multi) {
            (_, false) => None,
            (Some(path), true) => Some(escape_controls(path)),
            (None, true) => Some("-".to_string()),
        };
        for (category, values) in report.iocs.named() {
            for value in values {
                if let Some(file) = &file {
                    write!(self.out, "{file}\t")?;
                }
                writeln!(self.out, "{category}\t{}", escape_controls(value))?;
            }
        }
        Ok(())
    }
}

/// Quotes a CSV field as RFC 4180 requires: fields with a comma, quote
/// or line break are wrapped in quotes, and quotes inside are doubled.
/// Writes `report` as `serde_json::to_writer` does, but writes the
/// `iocs` lists itself. `Report`'s fields are matched in full, so a new
/// field fails to compile here until it is written.
fn write_compact(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let Report {
        file,
        kind,
        iocs,
        metadata,
        analysis,
        detections,
        errors,
        size: _,
    } = report;
    out.write_all(b"{\"file\":")?;
    serde_json::to_writer(&mut *out, file)?;
    out.write_all(b",\"type\":")?;
    write_json_str(out, kind)?;
    out.write_all(b",\"iocs\":")?;
    write_iocs_compact(out, iocs)?;

    out.write_all(b",\"metadata\":")?;
    serde_json::to_writer(&mut *out, metadata)?;
    if let Some(analysis) = analysis {
        out.write_all(b",\"analysis\":")?;
        serde_json::to_writer(&mut *out, analysis)?;
    }
    if let Some(detections) = detections {
        out.write_all(b",\"detections\":")?;
        serde_json::to_writer(&mut *out, detections)?;
    }
    if !errors.is_empty() {
        out.write_all(b",\"errors\":")?;
        serde_json::to_writer(&mut *out, errors)?;
    }
    out.write_all(b"}")
}

/// Bytes of a list that `write_iocs_compact` gathers before writing
/// them. The bound keeps the buffer in memory already touched, because
/// a buffer as large as the largest list faulted in fresh pages for all
/// of it.
const LIST_CHUNK: usize = 64 << 10;

/// Writes the `iocs` object as compact JSON. Without `--detail` its
/// values are the bulk of a report, so each goes through
/// `write_json_str` instead of serde_json's byte-by-byte escape walk.
fn write_iocs_compact(out: &mut impl Write, iocs: &Iocs) -> io::Result<()> {
    out.write_all(b"{")?;
    let mut list = Vec::new();
    for (index, (key, values)) in iocs.named().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        write_json_str(out, key)?;
        out.write_all(b":[")?;
        // A list is gathered into one buffer and written a chunk at a
        // time. Most lists have no value that needs an escape, which one
        // check over their concatenated values finds, and then no value
        // is checked alone.
        let plain = !needs_escape(values.concatenated());
        list.clear();
        let quotes = values.len().saturating_mul(3);
        let len = values.concatenated().len().saturating_add(quotes);
        list.reserve(len.min(LIST_CHUNK));
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                list.push(b',');
            }
            if plain || !needs_escape(value) {
                list.push(b'"');
                list.extend_from_slice(value.as_bytes());
                list.push(b'"');
            } else {
                serde_json::to_writer(&mut list, value)?;
            }
            if list.len() >= LIST_CHUNK {
                out.write_all(&list)?;
                list.clear();
            }
        }
        out.write_all(&list)?;
        out.write_all(b"]")?;
    }
    out.write_all(b"}")
}

/// Reports whether `value` contains a byte that a JSON string escapes: a
/// control character, `"` or `\`. The check folds over every byte
/// without stopping early, so the compiler can vectorize it.
fn needs_escape(value: &str) -> bool {
    value.bytes().fold(false, |found, byte| {
        found | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    })
}

/// Writes `value` as a JSON string, as serde_json does. Only control
/// characters, `"` and `\` need an escape there.
fn write_json_str(out: &mut impl Write, value: &str) -> io::Result<()> {
    if needs_escape(value) {
        serde_json::to_writer(out, value)?;
        return Ok(());
    }
    out.write_all(b"\"")?;
    out.write_all(value.as_bytes())?;
    out.write_all(b"\"")
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Replaces control characters with `\u{..}` escapes, so a hostile value
/// cannot break the line format or send escape sequences to a terminal.
/// A backslash that already starts `\u{` in the value is doubled, so the
/// output reads back to one value: the seven characters `a\u{9}b` print
/// as `a\\u{9}b`, and only a tab prints as `\u{9}`. Other backslashes,
/// as in Windows paths, are left as they are.
fn escape_controls(value: &str) -> String {
    if !value.chars().any(char::is_control) && !value.contains("\\u{") {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    for (at, c) in value.char_indices() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else if c == '\\' && value.get(at..).is_some_and(starts_escape) {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// Reports whether `rest` starts with `\u{`, the start of an escape.
fn starts_escape(rest: &str) -> bool {
    rest.starts_with("\\u{")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{DetailEntry, Metadata, ReportError, Stage};

    fn report(file: Option<&str>) -> Report {
        Report {
            file: file.map(str::to_string),
            kind: "text",
            iocs: Iocs::default(),
            metadata: Metadata::default(),
            analysis: None,
            detections: None,
            errors: vec![ReportError {
                stage: Stage::Read,
                message: "m".to_string(),
            }],
            size: None,
        }
    }

    fn render(format: Format, compact: bool, reports: &[Report]) -> String {
        let multi = reports.len() != 1;
        let mut writer = ReportWriter::start(
            Vec::new(),
            format,
            compact,
            false,
            multi,
            None,
        )
        .unwrap();
        for report in reports {
            writer.write(report).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn json_array_matches_serde_layout() {
        let reports = [report(Some("a")), report(None), report(Some("c"))];
        let mut expected = serde_json::to_string_pretty(&reports).unwrap();
        expected.push('\n');
        assert_eq!(render(Format::Json, false, &reports), expected);

        let mut expected = serde_json::to_string(&reports).unwrap();
        expected.push('\n');
        assert_eq!(render(Format::Json, true, &reports), expected);
    }

    #[test]
    fn json_empty_array_is_brackets() {
        assert_eq!(render(Format::Json, false, &[]), "[]\n");
        assert_eq!(render(Format::Json, true, &[]), "[]\n");
    }

    #[test]
    fn json_single_report_is_object() {
        let reports = [report(Some("a"))];
        let mut expected = serde_json::to_string_pretty(&reports[0]).unwrap();
        expected.push('\n');
        assert_eq!(render(Format::Json, false, &reports), expected);
    }

    /// Returns a report whose values, keys and fields cover every branch
    /// of `write_compact`.
    fn full_report() -> Report {
        let names: std::sync::Arc<[String]> =
            vec!["tick\"ets".to_string(), "hosts".to_string()].into();
        let rules = trawl_core::RuleSet::default();
        let scanner = trawl_core::Scanner::default()
            .with_rules(std::sync::Arc::new(rules));
        let mut builder =
            scanner.iocs_builder(usize::MAX).with_custom_categories(names);
        let values = [
            "evil.example.com",
            "quote\"inside",
            "back\\slash",
            "tab\tnew\nline\u{1}\u{1f}",
            "del\u{7f} é ünï 😀",
            "",
            "a-value-longer-than-one-vector-of-sixteen-bytes-\"-end",
        ];
        for (start, value) in values.iter().enumerate() {
            let category = trawl_core::Category::ALL[start % 3];
            builder.push(&trawl_core::Detection {
                category: trawl_core::IocKey::Category(category),
                rule: None,
                value: value.to_string(),
                start,
                end: start + 1,
                kind: None,
                decoded: None,
                source: trawl_core::Source::Text,
            });
        }
        let mut report = report(None);
        report.iocs = builder.finish();
        report.detections = Some(vec![DetailEntry {
            key: trawl_core::IocKey::Category(trawl_core::Category::Url),
            category: "urls".into(),
            rule: None,
            value: "http://x\"y".to_string(),
            offset: 3,
            length: 9,
            source: "text",
            depth: Some(1),
            raw: "hxxp://x\"y".to_string(),
            kind: None,
            decoded: None,
            dropped: None,
            listed: Some("block list l:1".to_string()),
        }]);
        report
    }

    #[test]
    fn compact_writer_matches_serde_json() {
        let mut reports = vec![report(Some("a\"b")), full_report()];
        let mut no_errors = full_report();
        no_errors.errors.clear();
        no_errors.file = Some("dir/file.txt".to_string());
        reports.push(no_errors);
        for report in &reports {
            let mut written = Vec::new();
            write_compact(&mut written, report).unwrap();
            let expected = serde_json::to_string(report).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }

    #[test]
    fn compact_writer_splits_long_lists() {
        // Lists of many chunks, with values that need an escape and
        // values longer than a chunk.
        let rules = trawl_core::RuleSet::default();
        let scanner = trawl_core::Scanner::default()
            .with_rules(std::sync::Arc::new(rules));
        let mut builder = scanner.iocs_builder(usize::MAX);

        let sizes = [1, 61, 1000, LIST_CHUNK - 3, LIST_CHUNK + 7];
        let mut start = 0;
        for round in 0..40 {
            for (index, &size) in sizes.iter().enumerate() {
                let escape = if round % 7 == 0 { "\\" } else { "" };
                let value =
                    format!("{round}-{index}-{}{escape}", "v".repeat(size));
                let category = trawl_core::Category::ALL[index % 2];
                builder.push(&trawl_core::Detection {
                    category: trawl_core::IocKey::Category(category),
                    rule: None,
                    value,
                    start,
                    end: start + 1,
                    kind: None,
                    decoded: None,
                    source: trawl_core::Source::Text,
                });
                start += 1;
            }
        }
        let mut report = report(None);
        report.iocs = builder.finish();

        let mut written = Vec::new();
        write_compact(&mut written, &report).unwrap();
        let expected = serde_json::to_string(&report).unwrap();
        assert!(written.len() > 10 * LIST_CHUNK, "{}", written.len());
        assert!(String::from_utf8(written).unwrap() == expected);
    }

    #[test]
    fn json_str_matches_serde_json() {
        let mut values: Vec<String> =
            (0u8..=0x7f).map(|b| char::from(b).to_string()).collect();
        values.push("é\u{0}ü".to_string());
        values.push("x".repeat(40) + "\\");
        values.push("C:\\Users\\a\"b\\".to_string());
        values.push("\\\\\"\"é\\".to_string());
        values.push("HKLM\\Software\\x\ty".to_string());
        for value in &values {
            let mut written = Vec::new();
            write_json_str(&mut written, value).unwrap();
            let expected = serde_json::to_string(value).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }

    #[test]
    fn csv_fields_are_quoted() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(csv_field(input), expected, "{input:?}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_controls("a\tb\x1b[31m"), "a\\u{9}b\\u{1b}[31m");
        assert_eq!(escape_controls("é ok"), "é ok");
        assert_eq!(escape_controls("C:\\Users\\x.exe"), "C:\\Users\\x.exe");
        assert_eq!(escape_controls("a\\u{9}b"), "a\\\\u{9}b");
        assert_ne!(escape_controls("a\\u{9}b"), escape_controls("a\tb"));
    }
}
