//! Reports of files that sniff as PE (`e_lfanew` points at `PE\0\0`)
//! but whose headers cannot be read whole. Such a report keeps the
//! indicators of the extracted strings and the header fields that were
//! read, and adds a `parse` error naming what is cut.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;

use serde_json::Value;

/// File offset of the PE signature in the built files.
const E_LFANEW: usize = 0x80;

/// File offset of the optional header.
const OPTIONAL: usize = E_LFANEW + 24;

/// Builds a PE32 image with one declared section and an indicator in
/// its DOS stub, cut to `len` bytes. The optional header and the section
/// header are complete when `len` reaches past them.
fn pe_cut_at(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; 0x400];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3C..0x40].copy_from_slice(&(E_LFANEW as u32).to_le_bytes());
    bytes[0x40..0x60].copy_from_slice(b"http://stub-url.example/payload\0");
    bytes[E_LFANEW..E_LFANEW + 4].copy_from_slice(b"PE\0\0");
    let file_header = E_LFANEW + 4;
    bytes[file_header..file_header + 2]
        .copy_from_slice(&0x14Cu16.to_le_bytes());
    bytes[file_header + 2..file_header + 4]
        .copy_from_slice(&1u16.to_le_bytes());
    bytes[file_header + 16..file_header + 18]
        .copy_from_slice(&224u16.to_le_bytes());
    bytes[OPTIONAL..OPTIONAL + 2].copy_from_slice(&0x10Bu16.to_le_bytes());
    bytes[OPTIONAL + 92..OPTIONAL + 96].copy_from_slice(&16u32.to_le_bytes());
    let section = OPTIONAL + 224;
    bytes[section..section + 5].copy_from_slice(b".text");
    bytes.truncate(len);
    bytes
}

/// Runs `trawl` on `bytes` written to a file and returns its report.
fn report_of(bytes: &[u8]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.exe");
    std::fs::write(&path, bytes).unwrap();
    let output = binary::trawl_command()
        .args(["-f", "jsonl", "-a", "full"])
        .arg(&path)
        .output()
        .unwrap();
    let reports: Vec<Value> = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    reports.into_iter().next().unwrap()
}

/// Returns the messages of the report's `parse` errors.
fn parse_errors(report: &Value) -> Vec<String> {
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .filter(|error| error["stage"] == "parse")
        .map(|error| error["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn cut_headers_keep_strings_and_fields() {
    // Length, anomaly codes named in the error.
    let cases: &[(usize, &[&str])] = &[
        (
            OPTIONAL + 20,
            &["optional_header_truncated", "section_table_truncated"],
        ),
        (
            OPTIONAL + 100,
            &["data_directories_truncated", "section_table_truncated"],
        ),
        (OPTIONAL + 224, &["section_table_truncated"]),
        (OPTIONAL + 224 + 20, &["section_table_truncated"]),
    ];
    for &(len, codes) in cases {
        let report = report_of(&pe_cut_at(len));
        assert_eq!(report["type"], "PE", "length {len:#x}");
        let urls = report["iocs"]["urls"].as_array().unwrap();
        assert!(
            urls.contains(&Value::from("http://stub-url.example/payload")),
            "length {len:#x}: {urls:?}"
        );
        assert_eq!(report["metadata"]["header"]["machine"], 0x14C);
        assert!(report["metadata"]["optional_header"].is_object());
        let messages = parse_errors(&report);
        assert_eq!(messages.len(), 1, "length {len:#x}: {report}");
        assert!(messages[0].starts_with("invalid PE headers: "));
        for code in codes {
            assert!(messages[0].contains(code), "{code}: {}", messages[0]);
        }
        let anomalies = report["metadata"]["anomalies"].as_array().unwrap();
        for code in codes {
            assert!(
                anomalies.iter().any(|a| a["code"] == *code),
                "{code} missing from {anomalies:?}"
            );
        }
    }
}

#[test]
fn whole_headers_get_no_parse_error() {
    let report = report_of(&pe_cut_at(0x400));
    assert_eq!(report["type"], "PE");
    assert_eq!(report["metadata"]["sections"], serde_json::json!([".text"]));
    assert!(parse_errors(&report).is_empty(), "{report}");
}
