//! End-to-end tests of `--allow`, `--block` and `--exclude-benign`: what
//! they drop and keep, the reasons `--detail` gives, and the exit code
//! of an invalid list.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// A report excerpt with a namespace, a CA URL, a reference link, a
/// documentation address, real indicators and a GitHub payload URL.
const REPORT: &str = "\
<ioc xmlns=\"http://schemas.mandiant.com/2010/ioc\"> see \
http://crl3.digicert.com/sha2-assured-cs-g1.crl and \
https://attack.mitre.org/techniques/T1071/ for context.\n\
C2: hxxp://update[.]evil-cdn[.]net/gate.php at 45.77.10.3 and \
10.20.30.40, test box 192.0.2.10, payload at \
https://github.com/acme/tools/files/1/p.zip, mail ops@corp.example.org\n";

fn trawl_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn json(output: &Output) -> Value {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn list<'a>(report: &'a Value, category: &str) -> Vec<&'a str> {
    report["iocs"][category]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// Returns the `dropped` or `listed` note of every detection of
/// `value`.
fn notes<'a>(report: &'a Value, value: &str, key: &str) -> Vec<&'a str> {
    let detections = report["detections"].as_array().unwrap();
    let of_value = detections.iter().filter(|d| d["value"] == value);
    of_value.map(|d| d[key].as_str().unwrap_or("")).collect()
}

/// Writes the report and the named lists into a new directory.
fn setup(lists: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("report.txt"), REPORT).unwrap();
    for (name, text) in lists {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn without_flags_everything_reported() {
    let dir = setup(&[]);
    let report = json(&trawl_in(dir.path(), &["report.txt"]));
    let domains = list(&report, "domains");
    assert!(domains.contains(&"schemas.mandiant.com"), "{domains:?}");
    assert!(domains.contains(&"crl3.digicert.com"), "{domains:?}");
    assert!(list(&report, "ips").contains(&"192.0.2.10"));
}

#[test]
fn allow_drops_exact_suffix_network_and_path() {
    let allow = "# our own infrastructure\n\
                 10.0.0.0/8\n\
                 .corp.example.org\n\
                 update.evil-cdn.net\n\
                 https://attack.mitre.org/techniques/* # references\n";
    let dir = setup(&[("allow.txt", allow)]);
    let report =
        json(&trawl_in(dir.path(), &["--allow", "allow.txt", "report.txt"]));
    assert_eq!(list(&report, "ips"), ["45.77.10.3", "192.0.2.10"]);
    assert_eq!(list(&report, "emails"), Vec::<&str>::new());
    let urls = list(&report, "urls");
    assert_eq!(
        urls,
        [
            "http://schemas.mandiant.com/2010/ioc",
            "http://crl3.digicert.com/sha2-assured-cs-g1.crl",
            "https://github.com/acme/tools/files/1/p.zip",
        ]
    );
    let domains = list(&report, "domains");
    assert!(!domains.contains(&"update.evil-cdn.net"), "{domains:?}");
    assert!(!domains.contains(&"attack.mitre.org"), "{domains:?}");
    assert!(domains.contains(&"github.com"), "{domains:?}");
}

#[test]
fn exclude_benign_keeps_real_indicators() {
    let dir = setup(&[]);
    let args = ["--exclude-benign", "report.txt"];
    let report = json(&trawl_in(dir.path(), &args));
    assert_eq!(
        list(&report, "urls"),
        [
            "http://update.evil-cdn.net/gate.php",
            "https://github.com/acme/tools/files/1/p.zip",
        ]
    );
    assert_eq!(
        list(&report, "domains"),
        ["update.evil-cdn.net", "github.com"]
    );
    assert_eq!(list(&report, "ips"), ["45.77.10.3", "10.20.30.40"]);
    assert_eq!(list(&report, "emails"), Vec::<&str>::new());
}

#[test]
fn block_overrides_allow_and_benign() {
    let dir = setup(&[
        ("allow.txt", "45.77.10.3\n"),
        ("block.txt", "# known bad\n45.77.0.0/16\n\ncrl3.digicert.com\n"),
    ]);
    let args = [
        "--exclude-benign",
        "--allow",
        "allow.txt",
        "--block",
        "block.txt",
        "--detail",
        "report.txt",
    ];
    let report = json(&trawl_in(dir.path(), &args));
    assert!(list(&report, "ips").contains(&"45.77.10.3"));
    assert!(list(&report, "domains").contains(&"crl3.digicert.com"));
    assert_eq!(
        notes(&report, "45.77.10.3", "listed"),
        ["block list block.txt:2"]
    );
    assert_eq!(
        notes(
            &report,
            "http://crl3.digicert.com/sha2-assured-cs-g1.crl",
            "listed"
        ),
        ["block list block.txt:4"]
    );
    assert_eq!(notes(&report, "45.77.10.3", "dropped"), [""]);
}

#[test]
fn detail_names_drop_reasons() {
    let dir = setup(&[("allow.txt", "\n\n10.20.30.40\n")]);
    let args =
        ["--exclude-benign", "--allow", "allow.txt", "--detail", "report.txt"];
    let report = json(&trawl_in(dir.path(), &args));
    let dropped = |value| notes(&report, value, "dropped");
    assert_eq!(dropped("10.20.30.40"), ["allow list allow.txt:3"]);
    assert_eq!(dropped("schemas.mandiant.com"), ["benign: xml namespace"]);
    assert_eq!(
        dropped("http://crl3.digicert.com/sha2-assured-cs-g1.crl"),
        ["benign: certificate authority"]
    );
    assert_eq!(
        dropped("attack.mitre.org"),
        ["benign: vulnerability reference"]
    );
    assert_eq!(dropped("192.0.2.10"), ["benign: documentation example"]);
    assert_eq!(dropped("github.com"), [""]);
    // A dropped detection is still listed, so its offset can be checked.
    let detections = report["detections"].as_array().unwrap();
    assert!(detections.iter().any(|d| d["value"] == "10.20.30.40"));
}

#[test]
fn detail_keys_follow_schema_order() {
    let dir = setup(&[("block.txt", "45.77.10.3\n")]);
    let args =
        ["--exclude-benign", "--block", "block.txt", "--detail", "report.txt"];
    let report = json(&trawl_in(dir.path(), &args));
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/report.schema.json");
    let schema: Value =
        serde_json::from_slice(&fs::read(schema_path).unwrap()).unwrap();
    let properties =
        schema["$defs"]["detection"]["properties"].as_object().unwrap();
    let order: Vec<&String> = properties.keys().collect();
    let mut seen = (false, false);
    for detection in report["detections"].as_array().unwrap() {
        let keys: Vec<&String> =
            detection.as_object().unwrap().keys().collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|key| {
                order.iter().position(|k| k == key).unwrap_or_else(|| {
                    panic!("key {key} is not in the schema")
                })
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        seen.0 |= detection.get("dropped").is_some();
        seen.1 |= detection.get("listed").is_some();
    }
    assert_eq!(seen, (true, true));
}

#[test]
fn fail_on_ioc_counts_kept_values_only() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--exclude-benign",
        "--fail-on-ioc",
        "-t",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
    ];
    let output = trawl_in(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0));
    let without = trawl_in(dir.path(), &args[1..]);
    assert_eq!(without.status.code(), Some(3));
}

#[test]
fn csv_detail_leaves_dropped_out() {
    let dir = setup(&[]);
    let args = ["-f", "csv", "--detail", "--exclude-benign", "report.txt"];
    let output = trawl_in(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0));
    let csv = String::from_utf8(output.stdout).unwrap();
    assert!(!csv.contains("digicert"), "{csv}");
    assert!(csv.contains(",ips,45.77.10.3,"), "{csv}");
}

#[test]
fn invalid_line_exits_2_with_file_and_line() {
    let dir = setup(&[(
        "allow.txt",
        "# fine so far\ngood.example.com\n10.1.2.3/8\n",
    )]);
    let output = trawl_in(dir.path(), &["--allow", "allow.txt", "report.txt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--allow allow.txt:3: invalid entry '10.1.2.3/8'"),
        "{stderr}"
    );
    assert!(stderr.contains("10.0.0.0/8"), "{stderr}");
}

#[test]
fn unreadable_list_exits_2() {
    let dir = setup(&[]);
    let latin1 = b"ok.example.com\ncaf\xe9.com\n";
    fs::write(dir.path().join("latin1.txt"), latin1).unwrap();
    let missing = trawl_in(dir.path(), &["--block", "gone.txt", "report.txt"]);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("--block gone.txt: failed to read"), "{stderr}");
    let latin1 =
        trawl_in(dir.path(), &["--block", "latin1.txt", "report.txt"]);
    assert_eq!(latin1.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&latin1.stderr);
    assert!(stderr.contains("latin1.txt:2: invalid UTF-8"), "{stderr}");
}

#[test]
fn help_describes_precedence() {
    let output = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--allow <FILE>", "--block <FILE>", "--exclude-benign"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
    assert!(help.contains("A --block list overrides it"), "{help}");
}
