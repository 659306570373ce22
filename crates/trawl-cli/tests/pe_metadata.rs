//! Compares the PE `metadata` of the `trawl` binary with iocx 0.7.6's
//! snapshots of the same fixtures, field by field, and checks trawl's
//! own fields on a fixture whose values are known.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;
mod common;

use std::path::Path;

use serde_json::Value;

use common::pe32::Pe32;

/// Data directory index of the debug directory.
const DIR_DEBUG: usize = 6;

/// The `metadata` fields whose values do not depend on the parser.
const COMPARED: [&str; 7] = [
    "header",
    "optional_header",
    "imports",
    "import_details",
    "sections",
    "tls",
    "exports",
];

/// Fields where iocx's snapshot differs from trawl on purpose: fixture
/// stem, field, and the reason.
const EXCLUDED: [(&str, &str, &str); 3] = [
    (
        "fixture_022_sections_out_of_order_virtual.full",
        "sections",
        "pefile sorts sections by virtual address; trawl keeps the \
         section table's order",
    ),
    (
        "fixture_023_sections_negative_fields.full",
        "sections",
        "pefile drops a section with three implausible fields, and all \
         sections after it; trawl keeps every section header read",
    ),
    (
        "invalid_optional_header.full",
        "sections",
        "pefile drops a section with three implausible fields, and all \
         sections after it; trawl keeps every section header read",
    ),
];

/// Runs `trawl -c` on `path` and returns its report.
fn report(path: &Path) -> Value {
    let output = binary::trawl_command().arg("-c").arg(path).output().unwrap();
    assert!(output.status.success(), "trawl failed on {}", path.display());
    serde_json::from_slice(&output.stdout).unwrap()
}

fn fixtures() -> std::path::PathBuf {
    common::shared_dir().join("fixtures/iocx")
}

#[test]
fn metadata_matches_iocx_snapshots() {
    let fixtures = fixtures();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for entry in std::fs::read_dir(fixtures.join("bin")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "exe") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let snapshot = fixtures.join("snapshots").join(format!("{stem}.json"));
        let Ok(expected) = std::fs::read(&snapshot) else {
            continue;
        };
        let expected: Value = serde_json::from_slice(&expected).unwrap();
        let got = report(&path);
        assert_eq!(got["type"], "PE", "{stem}");
        for field in COMPARED {
            let excluded = EXCLUDED.iter().find(|(name, excluded, _)| {
                *name == stem && *excluded == field
            });
            if let Some((_, _, reason)) = excluded {
                println!("{stem}: {field} not compared: {reason}");
                continue;
            }
            let want = &expected["metadata"][field];
            let have = &got["metadata"][field];
            if want != have {
                mismatches.push(format!(
                    "{stem}: {field}\n  iocx:  {want}\n  trawl: {have}"
                ));
            }
        }
        compared += 1;
    }
    assert!(compared >= 60, "only {compared} snapshots found");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn metadata_keys_in_iocx_order() {
    let path = fixtures().join("bin/clean_iocx_demo.core.exe");
    let got = report(&path);
    let keys: Vec<&str> = got["metadata"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected = [
        "file_type",
        "imports",
        "sections",
        "resources",
        "resource_strings",
        "import_details",
        "delayed_imports",
        "bound_imports",
        "exports",
        "tls",
        "header",
        "optional_header",
        "rich_header",
        "signatures",
        "has_signature",
        "hashes",
        "debug",
        "overlay",
        "anomalies",
        "version_info",
        "dotnet",
    ];
    assert_eq!(keys, expected);
}

#[test]
fn hashes_match_pefile_values() {
    // md5, sha1 and sha256 of the file as coreutils computes them, and
    // pefile 2024.8.26's get_imphash().
    let path = fixtures().join("bin/clean_iocx_demo.core.exe");
    let hashes = &report(&path)["metadata"]["hashes"];
    assert_eq!(hashes["md5"], "11f77257ede5763d0929e0aa497a38aa");
    assert_eq!(hashes["sha1"], "9a3d85cceca1b5b64706dbc051e21e853b4d7324");
    assert_eq!(
        hashes["sha256"],
        "0cdc667f898e6fd6b484cc6bdb2972c6edfc044f2de4a8c156d7f8a5746bf43a"
    );
    assert_eq!(hashes["imphash"], "f4287d4a6b2f69859847853f470c7cb9");
}

#[test]
fn text_input_has_empty_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.txt");
    std::fs::write(&path, "visit example.com").unwrap();
    let got = report(&path);
    assert_eq!(got["metadata"], serde_json::json!({}));
}

/// Returns a PE32 file with one section whose debug directory has a
/// CodeView record naming `pdb`.
fn pe_with_pdb(pdb: &[u8]) -> Vec<u8> {
    let mut image =
        Pe32::one_section(0x600, b".rdata\0\0", 0x1000, 0x400, 0x200);
    // One 28-byte debug directory entry at RVA 0x1000.
    image.data_dir(DIR_DEBUG, 0x1000, 28);
    image.put(0x400 + 12, &2u32.to_le_bytes());
    image.put(0x400 + 20, &0x1020u32.to_le_bytes());
    image.put(0x400 + 24, &0x420u32.to_le_bytes());
    image.put(0x420, b"RSDS");
    image.put(0x434, &1u32.to_le_bytes());
    image.put(0x438, pdb);
    image.into_bytes()
}

#[test]
fn pdb_path_scanned_as_region() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("debug.exe");
    let pdb = b"C:\\build\\update.example.net\\agent.pdb\0";
    std::fs::write(&path, pe_with_pdb(pdb)).unwrap();
    let output = binary::trawl_command()
        .args(["-c", "--detail"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success());
    let got: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got["type"], "PE");
    let debug = &got["metadata"]["debug"];
    assert_eq!(debug["pdb_path"], "C:\\build\\update.example.net\\agent.pdb");
    assert_eq!(debug["guid"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(debug["age"], 1);
    let from_pdb: Vec<&Value> = got["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["source"] == "pdb path")
        .collect();
    assert!(!from_pdb.is_empty(), "{}", got["detections"]);
    for detection in from_pdb {
        let offset = detection["offset"].as_u64().unwrap();
        assert!(offset >= 0x438, "{detection}");
    }
}
