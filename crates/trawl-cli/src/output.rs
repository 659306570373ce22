//! Writes reports as JSON, JSON Lines, CSV, tab-separated text, a STIX
//! 2.1 bundle or a MISP event.
//!
//! Reports arrive one at a time, in input order, so a long run streams
//! its output instead of holding every report in memory. STIX and MISP
//! write one document for the whole run, so they keep each distinct
//! indicator until the end.

use std::io::{self, Write};

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
                serde_json::to_writer(&mut self.out, report)?;
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
            serde_json::to_writer(&mut self.out, report)?;
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
    use trawl_core::Iocs;

    use super::*;
    use crate::report::{Metadata, ReportError, Stage};

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
