//! End-to-end checks of `--format stix`, `--format misp` and `--defang`:
//! stable ids, a UUIDv5 vector computed from the algorithm, and loading
//! the documents with the Python `stix2` and `pymisp` libraries.

// Helpers outside #[test] functions unwrap too, which tests may do.
#![allow(clippy::unwrap_used)]

mod binary;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha1::{Digest, Sha1};

/// Set by `.ci/run`, where the Python libraries are installed: a failed
/// import then fails the test instead of skipping it.
const REQUIRE_PYTHON_ENV: &str = "TRAWL_REQUIRE_STIX_MISP";

const TEXT: &str = "beacon to http://evil.example/gate.php and \
    10.20.30.40 or 2001:db8::7, report to it's\\admin@corp.example, \
    sample d41d8cd98f00b204e9800998ecf8427e, wallet \
    1BoatSLRHtKNngkdXEeobR76b53LETtpyT, CVE-2021-44228, \
    C:\\Windows\\Temp\\drop.exe, key HKLM\\Software\\Microsoft\\Run, \
    nic 00:1a:2b:3c:4d:5e in AS13335 per T1059.001, ssdeep \
    3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY, tlsh \
    T125E311126D865460FF8336026FE17411395B812FA619CAA8F68F1021F523E7B6DBD8FD, \
    xmr 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98u\
    Nbr2VBBEt7f2wfn3RVGQBEP3A";

fn trawl(args: &[&str]) -> Output {
    binary::trawl_command().args(args).output().unwrap()
}

fn stdout(args: &[&str]) -> String {
    let output = trawl(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn pe_sample() -> PathBuf {
    common::shared_dir().join("fixtures/iocx/bin/clean_iocx_demo.core.exe")
}

/// Computes a UUIDv5 from RFC 9562's steps, independently of trawl.
fn uuid5(namespace: &str, name: &str) -> String {
    let namespace: Vec<u8> = namespace
        .replace('-', "")
        .as_bytes()
        .chunks(2)
        .map(|pair| {
            u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap()
        })
        .collect();
    let digest = Sha1::new().chain_update(&namespace).chain_update(name);
    let mut bytes = digest.finalize()[..16].to_vec();
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[test]
fn uuid5_vector_matches_python() {
    // `uuid.uuid5(UUID("00abedb4-..."), '{"value":"example.com"}')` in
    // Python 3.11.
    let expected = "bedb4899-d24b-5401-bc86-8f6b4cc18ec7";
    let computed = uuid5(
        "00abedb4-aa42-466c-9c01-fed23315a9b7",
        r#"{"value":"example.com"}"#,
    );
    assert_eq!(computed, expected);
    let bundle = stdout(&["-f", "stix", "-t", "visit example.com today"]);
    assert!(
        bundle.contains(&format!("\"domain-name--{expected}\"")),
        "{bundle}"
    );
}

#[test]
fn stix_ids_stable_across_threads() {
    let pe = pe_sample();
    let pe = pe.to_str().unwrap();
    let base = ["-f", "stix", "--stix-indicators", "-t", TEXT, pe];
    let single = stdout(&[&base[..], &["-j", "1"]].concat());
    let again = stdout(&[&base[..], &["-j", "1"]].concat());
    let parallel = stdout(&[&base[..], &["-j", "4"]].concat());
    assert_eq!(single, again);
    assert_eq!(single, parallel);
}

#[test]
fn misp_uuids_stable_across_threads() {
    let pe = pe_sample();
    let pe = pe.to_str().unwrap();
    let base = ["-f", "misp", "-t", TEXT, pe];
    let single = stdout(&[&base[..], &["-j", "1"]].concat());
    let parallel = stdout(&[&base[..], &["-j", "3"]].concat());
    assert_eq!(single, parallel);
}

#[test]
fn stix_objects_sorted_and_deduplicated() {
    let bundle = stdout(&[
        "-f",
        "stix",
        "-c",
        "-t",
        TEXT,
        "-t",
        TEXT,
        "-t",
        "evil.example",
    ]);
    let parsed: serde_json::Value = serde_json::from_str(&bundle).unwrap();
    let ids: Vec<&str> = parsed["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|object| object["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    let types: Vec<&str> =
        ids.iter().map(|id| id.split("--").next().unwrap()).collect();
    let expected = [
        "url",
        "domain-name",
        "ipv4-addr",
        "ipv6-addr",
        "file",
        "windows-registry-key",
        "mac-addr",
        "autonomous-system",
    ];
    for kind in expected {
        assert!(types.contains(&kind), "{kind} missing from {types:?}");
    }
    let objects = parsed["objects"].as_array().unwrap();
    let key = objects
        .iter()
        .find(|object| object["type"] == "windows-registry-key")
        .unwrap();
    assert_eq!(key["key"], "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Run");
    let system = objects
        .iter()
        .find(|object| object["type"] == "autonomous-system")
        .unwrap();
    assert_eq!(system["number"], 13335);
    let mut fuzzy: Vec<&str> = objects
        .iter()
        .filter_map(|object| object["hashes"].as_object())
        .flat_map(|hashes| hashes.keys().map(String::as_str))
        .filter(|algorithm| matches!(*algorithm, "SSDEEP" | "TLSH"))
        .collect();
    fuzzy.sort_unstable();
    assert_eq!(fuzzy, ["SSDEEP", "TLSH"]);
}

#[test]
fn stix_timestamp_sets_indicator_times() {
    let bundle = stdout(&[
        "-f",
        "stix",
        "--stix-indicators",
        "--timestamp",
        "2024-05-01T14:00:00+02:00",
        "-t",
        "evil.example",
    ]);
    assert!(bundle.contains("\"valid_from\": \"2024-05-01T12:00:00.000Z\""));
    let bad = trawl(&["-f", "stix", "--timestamp", "yesterday", "-t", "x"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn defang_rejected_with_stix_and_misp() {
    for format in ["stix", "misp"] {
        let output = trawl(&["-f", format, "--defang", "-t", "x"]);
        assert_eq!(output.status.code(), Some(2), "{format}");
    }
}

#[test]
fn defang_rewrites_values_in_line_formats() {
    let args = ["--defang", "-t", "http://evil.example/x 10.1.2.3"];
    let csv = stdout(&[&args[..], &["-f", "csv"]].concat());
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("file,type,category,value"));
    assert!(csv.contains(",urls,hxxp://evil[.]example/x\n"), "{csv}");
    assert!(csv.contains(",ips,10.1.2[.]3\n"), "{csv}");
    let json = stdout(&[&args[..], &["-f", "json"]].concat());
    assert!(json.contains("\"evil[.]example\""), "{json}");
    let text = stdout(&[&args[..], &["-f", "text"]].concat());
    assert!(text.contains("domains\tevil[.]example\n"), "{text}");
}

/// Runs a Python script over `document`; returns `None` when the module
/// cannot be imported and the libraries are not required.
fn run_python(module: &str, script: &str, document: &Path) -> Option<()> {
    let python = std::env::var("TRAWL_PYTHON")
        .unwrap_or_else(|_| "python3".to_string());
    let required = std::env::var_os(REQUIRE_PYTHON_ENV).is_some();
    let probe = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output();
    let importable = probe.as_ref().is_ok_and(|o| o.status.success());
    if !importable {
        assert!(
            !required,
            "{REQUIRE_PYTHON_ENV} is set but {python} cannot import \
             {module}: {probe:?}"
        );
        eprintln!("skipped: {python} cannot import {module}");
        return None;
    }
    let output = Command::new(&python)
        .args(["-c", script])
        .arg(document)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{module} rejected the document: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(())
}

#[test]
fn stix2_library_parses_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    let pe = pe_sample();
    let output = trawl(&[
        "-f",
        "stix",
        "--stix-indicators",
        "-o",
        path.to_str().unwrap(),
        "-t",
        TEXT,
        pe.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let script = r#"
import sys, stix2
text = open(sys.argv[1], encoding="utf-8").read()
bundle = stix2.parse(text, allow_custom=False)
for obj in bundle.objects:
    if obj.type == "indicator":
        continue
    rebuilt = type(obj)(**{k: v for k, v in obj.items() if k != "id"})
    assert rebuilt.id == obj.id, (rebuilt.id, obj.id)
print(len(bundle.objects))
"#;
    run_python("stix2", script, &path);
}

#[test]
fn pymisp_loads_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("event.json");
    let pe = pe_sample();
    let output = trawl(&[
        "-f",
        "misp",
        "-o",
        path.to_str().unwrap(),
        "-t",
        TEXT,
        pe.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let script = r#"
import sys
from pymisp import MISPEvent
event = MISPEvent()
event.load_file(sys.argv[1])
types = {a.type for a in event.attributes}
for t in ["url", "domain", "ip-dst", "email-src", "md5", "btc",
          "vulnerability", "filename", "regkey", "mac-address", "AS",
          "xmr", "ssdeep", "tlsh"]:
    assert t in types, (t, types)
attack = [a for a in event.attributes if a.value == "T1059.001"]
assert attack and attack[0].type == "text", attack
names = [o.name for o in event.objects]
assert names.count("file") == 1 and names.count("pe") == 1, names
pe = next(o for o in event.objects if o.name == "pe")
file = next(o for o in event.objects if o.name == "file")
assert file.references[0].referenced_uuid == pe.uuid
assert file.get_attributes_by_relation("size-in-bytes")
"#;
    run_python("pymisp", script, &path);
}
