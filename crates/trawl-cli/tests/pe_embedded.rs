//! Checks the PE structures that carry text or signatures: resources,
//! Authenticode signatures, and the regions scanned from resource
//! strings, run through the `trawl` binary. With
//! `TRAWL_BINARY_CORPUS` naming a folder of real executables, also runs
//! over every file in it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;
mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::pe32::Pe32;

/// Data directory index of the resource table.
const DIR_RESOURCE: usize = 2;

/// Runs `trawl -c` with `args` before `path` and returns its report.
fn report_with(args: &[&str], path: &Path) -> Value {
    let output = binary::trawl_command()
        .arg("-c")
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    assert!(output.status.success(), "trawl failed on {}", path.display());
    serde_json::from_slice(&output.stdout).unwrap()
}

fn report(path: &Path) -> Value {
    report_with(&[], path)
}

fn fixtures() -> PathBuf {
    common::shared_dir().join("fixtures/iocx")
}

#[test]
fn signed_tiny_digest_matches() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../trawl-formats/src/pe/testdata/signed-tiny.exe");
    let metadata = &report(&path)["metadata"];
    assert_eq!(metadata["has_signature"], true);
    let signatures = metadata["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1);
    let signature = &signatures[0];
    assert_eq!(signature["certificate_type"], 2);
    assert_eq!(signature["digest_algorithm"], "sha256");
    assert_eq!(signature["digest_matches"], true);
    assert_eq!(signature["signed_digest"], signature["computed_digest"]);
    assert_eq!(signature["signer"], "O=Trawl Tests,CN=Trawl Test Signer");
    assert_eq!(signature["signer_serial"], "1234abcd");
    assert_eq!(signature["certificates"].as_array().unwrap().len(), 1);
}

#[test]
fn nested_signature_in_report() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../trawl-formats/src/pe/testdata/signed-nested.exe");
    let signatures = report(&path)["metadata"]["signatures"].clone();
    let primary = &signatures[0];
    assert_eq!(primary["timestamp"]["kind"], "rfc3161");
    assert_eq!(
        primary["timestamp"]["signer"],
        "O=Trawl Tests,CN=Trawl Test TSA"
    );
    let nested = &primary["nested"][0];
    assert_eq!(nested["digest_algorithm"], "sha1");
    assert_eq!(nested["digest_matches"], true);
    assert_eq!(nested["timestamp"]["kind"], "pkcs9");
    assert_eq!(nested["nested"], serde_json::json!([]));
}

#[test]
fn unsigned_pe_has_no_signature() {
    let metadata = &report(&fixtures().join("bin/pe_rsrc.exe"))["metadata"];
    assert_eq!(metadata["has_signature"], false);
    assert_eq!(metadata["signatures"], serde_json::json!([]));
}

/// Resource entry fields whose values trawl and iocx compute alike. The
/// others differ as `docs/compatibility.md` lists.
const RESOURCE_FIELDS: [&str; 7] =
    ["type", "codepage", "size", "entropy", "rva", "raw_offset", "errors"];

#[test]
fn resources_match_iocx_snapshots() {
    let fixtures = fixtures();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for entry in std::fs::read_dir(fixtures.join("snapshots")).unwrap() {
        let snapshot = entry.unwrap().path();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(&snapshot).unwrap())
                .unwrap();
        let Some(wanted) = expected["metadata"]["resources"].as_array() else {
            continue;
        };
        if wanted.is_empty() {
            continue;
        }
        let stem = snapshot.file_stem().unwrap().to_string_lossy();
        let got = report(&fixtures.join(format!("bin/{stem}.exe")));
        let have = got["metadata"]["resources"].as_array().unwrap();
        for want in wanted {
            let Some(found) = have.iter().find(|e| e["rva"] == want["rva"])
            else {
                mismatches
                    .push(format!("{stem}: no entry at {}", want["rva"]));
                continue;
            };
            for field in RESOURCE_FIELDS {
                if found[field] != want[field] {
                    mismatches.push(format!(
                        "{stem}: {field}: iocx {}, trawl {}",
                        want[field], found[field]
                    ));
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 3, "only {compared} resource entries compared");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn string_table_fixture_lists_resources() {
    let path = fixtures().join("bin/pe_rsrc.exe");
    let bytes = std::fs::read(&path).unwrap();
    let metadata = &report(&path)["metadata"];
    let resources = metadata["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{resources:?}");
    let entry = &resources[0];
    assert_eq!(entry["type"], "RT_STRING");
    assert_eq!(entry["language"], 0x409);
    assert_eq!(entry["language_name"], "en-US");
    assert_eq!(entry["errors"], Value::Null);
    // The block's first string starts after its 16-bit length.
    let raw = entry["raw_offset"].as_u64().unwrap() as usize;
    assert_eq!(&bytes[raw + 2..raw + 10], b"h\0t\0t\0p\0");
    let strings = metadata["resource_strings"].as_array().unwrap();
    let expected = [
        "http://malx-labs.com/api",
        "10.55.22.9",
        "C:\\Windows\\System32\\rsrc.dll",
        "YmFzZTY0LXJzcmMtc3RyaW5n",
        "rsrc-attacker@example.com",
    ];
    assert_eq!(strings, &expected.map(Value::from));
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// File offset of the `.rsrc` section's raw data in [`pe_with_strings`].
const RSRC_RAW: usize = 0x400;

/// File offset of the string block in [`pe_with_strings`].
const BLOCK_RAW: usize = RSRC_RAW + 0x100;

/// Returns a PE32 file whose only section, `.rsrc`, contains a resource
/// tree with one `RT_STRING` block (id 1, en-US) of `strings`.
fn pe_with_strings(strings: &[&str]) -> Vec<u8> {
    let mut image = Pe32::one_section(
        RSRC_RAW + 0x400,
        b".rsrc\0\0\0",
        0x1000,
        RSRC_RAW as u32,
        0x400,
    );
    image.data_dir(DIR_RESOURCE, 0x1000, 0x400);

    // Type, name and language directories of one id entry each, at
    // +0x00, +0x18 and +0x30, then the data entry at +0x48.
    let levels = [(6u32, 0x8000_0018u32), (1, 0x8000_0030), (0x409, 0x48)];
    for (level, (id, target)) in levels.into_iter().enumerate() {
        let at = RSRC_RAW + 0x18 * level;
        image.put(at + 14, &1u16.to_le_bytes());
        image.put(at + 16, &id.to_le_bytes());
        image.put(at + 20, &target.to_le_bytes());
    }
    let mut block = Vec::new();
    for index in 0..16 {
        let units = utf16le(strings.get(index).copied().unwrap_or(""));
        block.extend((units.len() as u16 / 2).to_le_bytes());
        block.extend(units);
    }
    let block_rva = 0x1000 + (BLOCK_RAW - RSRC_RAW) as u32;
    image.put(RSRC_RAW + 0x48, &block_rva.to_le_bytes());
    image.put(RSRC_RAW + 0x4C, &(block.len() as u32).to_le_bytes());
    image.put(BLOCK_RAW, &block);
    image.into_bytes()
}

#[test]
fn resource_string_indicator_at_file_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strings.exe");
    let text = "Сервер: https://c2.example.org/gate";
    std::fs::write(&path, pe_with_strings(&["", text])).unwrap();
    let got = report_with(&["--detail"], &path);
    assert_eq!(got["type"], "PE");
    assert_eq!(got["metadata"]["resource_strings"][0], text);
    let urls = got["iocs"]["urls"].as_array().unwrap();
    assert_eq!(urls, &[Value::from("https://c2.example.org/gate")]);

    // The second string follows the empty first one (a 2-byte count)
    // and its own count, and the URL starts 8 UTF-16 characters in.
    let url_offset = BLOCK_RAW + 2 + 2 + 8 * 2;
    let detections = got["detections"].as_array().unwrap();
    let url = detections
        .iter()
        .find(|d| d["source"] == "resource string" && d["category"] == "urls")
        .unwrap_or_else(|| panic!("no resource string url: {detections:?}"));
    assert_eq!(url["offset"], url_offset);
    assert_eq!(url["length"], 2 * "https://c2.example.org/gate".len());
    assert_eq!(url["raw"], "https://c2.example.org/gate");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[url_offset..url_offset + 6], b"h\0t\0t\0");
}

/// Runs `-a full` over every file of the folder `TRAWL_BINARY_CORPUS`
/// names (such as the output of `fetch-binaries.sh`), skipping hidden
/// entries such as its download cache: no PE may fail, and every
/// Authenticode signature must cover its file. Archive members may fail
/// (an unsupported method, a nesting limit): those are printed.
#[test]
fn binary_corpus_reports_cleanly() {
    let Some(folder) = std::env::var_os("TRAWL_BINARY_CORPUS") else {
        println!("TRAWL_BINARY_CORPUS is not set; skipping the corpus run");
        return;
    };
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .collect();
    inputs.sort();
    let output = binary::trawl_command()
        .args(["-f", "jsonl", "-a", "full"])
        .args(&inputs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit code 1 means some input had an error; the reports say which.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "trawl failed: {stderr}"
    );

    let mut reports = 0;
    let mut signed = 0;
    let mut failures = Vec::new();
    for line in output.stdout.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        let report: Value = serde_json::from_slice(line).unwrap();
        reports += 1;
        let file = report["file"].as_str().unwrap_or("?").to_string();
        if let Some(errors) = report.get("errors") {
            let line = format!("{file}: {errors}");
            if report["type"] == "PE" || !file.contains('!') {
                failures.push(line);
            } else {
                println!("archive member error: {line}");
            }
        }
        let signatures = report["metadata"]["signatures"].as_array();
        for signature in signatures.into_iter().flatten() {
            signed += 1;
            if signature["digest_matches"] != true {
                failures.push(format!("{file}: {signature}"));
            }
        }
    }

    println!("{reports} files, {signed} signatures");
    assert!(reports > 0, "no files under {}", folder.to_string_lossy());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
