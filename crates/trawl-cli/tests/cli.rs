//! End-to-end tests of the `trawl` binary: inputs, formats, offsets,
//! exit codes and the report schema, on files made in temporary
//! directories.

// Helpers outside #[test] functions unwrap too, which tests may do.
#![allow(clippy::unwrap_used, clippy::panic)]

mod binary;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;

/// A text input with one indicator of most categories, one of them
/// defanged.
const SAMPLE_TEXT: &str = "Beacon to hxxps://evil[.]com/a from 10.1.2.3, \
dropper md5 d41d8cd98f00b204e9800998ecf8427e (CVE-2021-44228).\n\
Contact admin@example.org\n";

/// Runs the binary in `cwd` with `args`, feeding `stdin` if given.
fn trawl_in(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = binary::trawl_command();
    command
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn trawl(args: &[&str]) -> Output {
    trawl_in(Path::new("."), args, None)
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn list<'a>(report: &'a Value, category: &str) -> Vec<&'a str> {
    report["iocs"][category]
        .as_array()
        .unwrap_or_else(|| panic!("no list {category} in {report}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn files(reports: &Value) -> Vec<String> {
    reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, bytes).unwrap();
    path
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Builds a small ELF-looking binary: header, an ASCII URL, a UTF-16LE path and
/// an ASCII CVE identifier between runs of non-printable bytes.
fn sample_binary() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend([0u8; 56]);
    bytes.extend(b"http://update.bad-domain.net/payload.bin\x00");
    // Seven bytes put the UTF-16LE string at an even offset, 112.
    bytes.extend([1u8, 2, 3, 4, 5, 6, 0x90]);
    bytes.extend(utf16le("C:\\Windows\\Temp\\evil.exe"));
    bytes.extend([0u8, 0, 0x90, 0x90]);
    bytes.extend(b"CVE-2023-12345\x00");
    bytes.extend([0u8; 8]);
    bytes
}

#[test]
fn missing_path_exits_one_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "present.txt", b"CVE-2021-44228");

    let output = trawl_in(dir.path(), &["absent.txt", "present.txt"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("'absent.txt'"), "{}", stderr(&output));
    let reports = stdout_json(&output);
    assert_eq!(files(&reports), ["present.txt"]);
}

#[test]
fn missing_path_never_scanned_as_text() {
    let output = trawl(&["missing_file.com"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(stderr(&output).contains("missing_file.com"));
}

#[test]
fn no_input_is_usage_error() {
    let output = trawl(&["--detail"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--text"));
}

#[test]
fn directory_walk_is_sorted_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "tree/b/z.txt", b"z");
    write(root, "tree/b/a.txt", b"a");
    write(root, "tree/a-c.txt", b"ac");
    write(root, "tree/c.txt", b"c");
    write(root, "other.txt", b"o");

    let output = trawl_in(root, &["tree", "other.txt"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = [
        "other.txt",
        "tree/a-c.txt",
        "tree/b/a.txt",
        "tree/b/z.txt",
        "tree/c.txt",
    ];
    assert_eq!(files(&stdout_json(&output)), expected);
}

#[test]
fn directory_with_one_file_gives_array() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/only.txt", b"x");
    let output = trawl_in(dir.path(), &["d"], None);
    assert_eq!(files(&stdout_json(&output)), ["d/only.txt"]);
}

#[test]
fn stdin_bytes_are_scanned() {
    let output = trawl_in(
        Path::new("."),
        &["-"],
        Some(b"seen CVE-2019-0708 in \xff\xfe logs"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(report["file"], Value::Null);
    assert_eq!(list(&report, "cves"), ["CVE-2019-0708"]);
}

/// Runs the binary on `stdin`, which it may stop reading early.
fn trawl_fed(args: &[&str], stdin: Vec<u8>) -> Output {
    let mut child = binary::trawl_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // A cut input closes the pipe before it is all written.
        let _ = pipe.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    output
}

#[test]
fn long_utf16_stdin_is_streamed_with_input_offsets() {
    let mut text = String::from("first.example.com\n");
    for n in 0..120_000 {
        text.push_str(&format!("line {n} d\u{E9}j\u{E0} vu \u{1F980}\n"));
    }
    text.push_str("last.example.com\n");
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert!(bytes.len() > 4 << 20, "spans more than one block");

    let output = trawl_fed(&["-j", "2", "--detail", "-"], bytes.clone());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(
        list(&report, "domains"),
        ["first.example.com", "last.example.com"]
    );
    let last = &report["detections"][1];
    let offset = last["offset"].as_u64().unwrap() as usize;
    let length = last["length"].as_u64().unwrap() as usize;
    let expected: Vec<u8> =
        "last.example.com".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(&bytes[offset..offset + length], expected.as_slice());

    let output = trawl_fed(&["--max-input-size", "1M", "-"], bytes);
    assert_eq!(output.status.code(), Some(1));
    let report = stdout_json(&output);
    assert_eq!(list(&report, "domains"), ["first.example.com"]);
    let error = report["errors"][0]["message"].as_str().unwrap();
    assert!(error.contains("--max-input-size"), "{error}");
}

#[test]
fn text_option_scans_string() {
    let output = trawl(&["--text", SAMPLE_TEXT]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(report["file"], Value::Null);
    assert_eq!(report["type"], "text");
    assert_eq!(list(&report, "urls"), ["https://evil.com/a"]);
    assert_eq!(list(&report, "ips"), ["10.1.2.3"]);
    assert_eq!(list(&report, "hashes"), ["d41d8cd98f00b204e9800998ecf8427e"]);
    assert_eq!(list(&report, "emails"), ["admin@example.org"]);
    assert_eq!(list(&report, "cves"), ["CVE-2021-44228"]);
    // A URL's host is listed too, so domain blocklists get it.
    assert_eq!(list(&report, "domains"), ["evil.com"]);
}

#[test]
fn repeated_text_gives_array_in_order() {
    let output = trawl(&["-t", "CVE-2020-0001", "-t", "CVE-2020-0002"]);
    let reports = stdout_json(&output);
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(list(&reports[0], "cves"), ["CVE-2020-0001"]);
    assert_eq!(list(&reports[1], "cves"), ["CVE-2020-0002"]);
}

#[test]
fn json_is_pretty_with_one_newline() {
    let output = trawl(&["-t", "nothing"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("{\n  \"file\": null,\n  \"type\": \"text\""));
    assert!(text.ends_with("}\n"));
    assert!(!text.ends_with("\n\n"));
}

#[test]
fn compact_json_is_minified() {
    let output = trawl(&["-c", "-t", "a", "-t", "b"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("[{\"file\":null,\"type\":\"text\",\"iocs\":{"));
    assert_eq!(text.matches('\n').count(), 1);
    assert!(text.ends_with("]\n"));
    assert!(!text.contains(": "));
    assert!(!text.contains(", "));
}

#[test]
fn jsonl_writes_one_report_per_line() {
    let output =
        trawl(&["-f", "jsonl", "-t", "CVE-2020-0001", "-t", "CVE-2020-0002"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, cve) in lines.iter().zip(["CVE-2020-0001", "CVE-2020-0002"]) {
        let report: Value = serde_json::from_str(line).unwrap();
        assert_eq!(list(&report, "cves"), [cve]);
    }
    assert!(text.ends_with("}\n"));
}

#[test]
fn csv_has_header_and_quoted_rows() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a,b.txt", b"CVE-2020-0001 and 10.1.2.3");
    let output = trawl_in(dir.path(), &["-f", "csv", "a,b.txt"], None);
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = "file,type,category,value\n\
                    \"a,b.txt\",text,ips,10.1.2.3\n\
                    \"a,b.txt\",text,cves,CVE-2020-0001\n";
    assert_eq!(text, expected);
}

#[test]
fn csv_detail_adds_offset_columns() {
    let output = trawl(&["-f", "csv", "--detail", "-t", "at CVE-2020-0001"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = "file,type,category,value,offset,length,source\n\
                    ,text,cves,CVE-2020-0001,3,13,text\n";
    assert_eq!(text, expected);
}

#[test]
fn text_format_is_tab_separated() {
    let output = trawl(&["-f", "text", "-t", "CVE-2020-0001 10.1.2.3"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text, "ips\t10.1.2.3\ncves\tCVE-2020-0001\n");
}

#[test]
fn text_format_prefixes_file_when_several() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/one.txt", b"CVE-2020-0001");
    write(dir.path(), "d/two.txt", b"CVE-2020-0002");
    let output = trawl_in(dir.path(), &["-f", "text", "d"], None);
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = "d/one.txt\tcves\tCVE-2020-0001\n\
                    d/two.txt\tcves\tCVE-2020-0002\n";
    assert_eq!(text, expected);
}

#[test]
fn detail_offsets_point_at_raw_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "sample.txt", SAMPLE_TEXT.as_bytes());
    let output = trawl(&["--detail", path.to_str().unwrap()]);
    let report = stdout_json(&output);
    let detections = report["detections"].as_array().unwrap();
    assert!(detections.len() >= 6, "{report}");

    let bytes = SAMPLE_TEXT.as_bytes();
    for detection in detections {
        let offset = detection["offset"].as_u64().unwrap() as usize;
        let length = detection["length"].as_u64().unwrap() as usize;
        let found = &bytes[offset..offset + length];
        assert_eq!(found, detection["raw"].as_str().unwrap().as_bytes());
        assert_eq!(detection["source"], "text");
    }
    let url = &detections[0];
    assert_eq!(url["category"], "urls");
    assert_eq!(url["raw"], "hxxps://evil[.]com/a");
    assert_eq!(url["offset"], 10);
    let hash = detections.iter().find(|d| d["category"] == "hashes");
    assert_eq!(hash.unwrap()["kind"], "md5");
}

#[test]
fn detail_offsets_in_utf16le_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(utf16le("Visit hxxp://bad[.]example.net/x or 10.9.8.7\n"));
    let path = write(dir.path(), "wide.txt", &bytes);

    let output = trawl(&["--detail", path.to_str().unwrap()]);
    let report = stdout_json(&output);
    assert_eq!(report["type"], "text");
    assert_eq!(list(&report, "urls"), ["http://bad.example.net/x"]);
    assert_eq!(list(&report, "ips"), ["10.9.8.7"]);
    assert_eq!(list(&report, "domains"), ["bad.example.net"]);

    let detections = report["detections"].as_array().unwrap();
    assert_eq!(detections.len(), 3, "{report}");
    for detection in detections {
        let offset = detection["offset"].as_u64().unwrap() as usize;
        let length = detection["length"].as_u64().unwrap() as usize;
        let raw = detection["raw"].as_str().unwrap();
        assert_eq!(&bytes[offset..offset + length], utf16le(raw));
    }
    assert_eq!(detections[0]["offset"], 2 + 2 * 6);
}

#[test]
fn types_limits_categories() {
    let output = trawl(&["--types", "ip,cves", "-t", SAMPLE_TEXT]);
    let report = stdout_json(&output);
    assert_eq!(list(&report, "ips"), ["10.1.2.3"]);
    assert_eq!(list(&report, "cves"), ["CVE-2021-44228"]);
    for category in ["urls", "domains", "hashes", "emails", "filepaths"] {
        assert!(list(&report, category).is_empty(), "{category}");
    }
}

#[test]
fn types_select_file_names() {
    let text = "dropped svhvost.exe into C:\\Temp\\kbdmai.dll; see x.com";
    let output = trawl(&["--types", "filename", "-t", text]);
    let report = stdout_json(&output);
    assert_eq!(list(&report, "filenames"), ["svhvost.exe"]);
    assert!(list(&report, "filepaths").is_empty());
    assert!(list(&report, "domains").is_empty());
}

#[test]
fn types_accept_new_singulars() {
    let text = "key HKLM\\Software\\Run, T1059.001, 00-1A-2B-3C-4D-5E, \
                AS13335, 3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY, \
                CVE-2021-44228";
    let types = "registry_key,attack_technique,mac,asn,fuzzy_hash";
    let output = trawl(&["--types", types, "-t", text]);
    let report = stdout_json(&output);
    assert_eq!(list(&report, "registry_keys"), ["HKLM\\Software\\Run"]);
    assert_eq!(list(&report, "attack_techniques"), ["T1059.001"]);
    assert_eq!(list(&report, "macs"), ["00:1a:2b:3c:4d:5e"]);
    assert_eq!(list(&report, "asns"), ["AS13335"]);
    assert_eq!(
        list(&report, "fuzzy_hashes"),
        ["3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY"]
    );
    assert!(list(&report, "cves").is_empty());
    assert!(list(&report, "crypto.xmr").is_empty());
}

#[test]
fn list_detectors_names_every_category() {
    let output = trawl(&["--list-detectors"]);
    assert!(output.status.success());
    let listing = String::from_utf8(output.stdout).unwrap();
    let names: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    let expected = [
        "urls",
        "domains",
        "ips",
        "hashes",
        "emails",
        "filepaths",
        "base64",
        "crypto.btc",
        "crypto.eth",
        "cves",
        "registry_keys",
        "attack_techniques",
        "macs",
        "crypto.xmr",
        "fuzzy_hashes",
        "asns",
        "filenames",
        "crypto.ltc",
        "crypto.bch",
        "crypto.dash",
        "mutexes",
    ];
    assert_eq!(names, expected);
}

#[test]
fn unknown_type_is_usage_error() {
    let output = trawl(&["--types", "urls,bogus", "-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("bogus"));
}

#[test]
fn fail_on_ioc_exits_three() {
    let found = trawl(&["--fail-on-ioc", "-t", "CVE-2021-44228"]);
    assert_eq!(found.status.code(), Some(3));
    assert!(!found.stdout.is_empty());

    let clean = trawl(&["--fail-on-ioc", "-t", "nothing to see"]);
    assert_eq!(clean.status.code(), Some(0));

    let without_flag = trawl(&["-t", "CVE-2021-44228"]);
    assert_eq!(without_flag.status.code(), Some(0));
}

#[test]
fn output_file_is_only_write() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write(&input, "a.txt", SAMPLE_TEXT.as_bytes());
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let before = listing(&input);

    let output = trawl_in(dir.path(), &["in", "-o", "out/report.json"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(listing(&input), before);
    assert_eq!(listing(&out_dir), ["report.json"]);

    let to_stdout = trawl_in(dir.path(), &["in"], None);
    let written = fs::read(out_dir.join("report.json")).unwrap();
    assert_eq!(written, to_stdout.stdout);
}

#[test]
fn output_inside_input_is_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d/a.txt", b"CVE-2020-0001");
    let output = trawl_in(dir.path(), &["d", "-o", "d/out.json"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(listing(&dir.path().join("d")), ["a.txt", "out.json"]);
    let written = fs::read(dir.path().join("d/out.json")).unwrap();
    let reports: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(files(&reports), ["d/a.txt"]);
}

#[test]
fn output_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        let text = format!("host{i}.example.org 10.0.0.{i} CVE-2020-{i:04}");
        write(dir.path(), &format!("d/{}/f{i}.txt", i % 3), text.as_bytes());
    }
    write(dir.path(), "d/bin.dat", &sample_binary());
    let args = ["--detail", "d"];
    let one = trawl_in(dir.path(), &[&["-j", "1"], &args[..]].concat(), None);
    let two = trawl_in(dir.path(), &[&["-j", "2"], &args[..]].concat(), None);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    assert_eq!(files(&stdout_json(&one)).len(), 41);
    assert_eq!(one.stdout, two.stdout);
}

/// Running as root defeats permission bits, so the unreadable input is a
/// symbolic link that points at itself: the path exists, yet opening it
/// fails with "too many levels of symbolic links" on every Unix.
#[cfg(unix)]
#[test]
fn unreadable_input_gets_errors_entry() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    write(dir.path(), "good.txt", b"CVE-2021-44228");

    let output = trawl_in(dir.path(), &["loop", "good.txt"], None);
    assert_eq!(output.status.code(), Some(1));
    let reports = stdout_json(&output);
    assert_eq!(files(&reports), ["good.txt", "loop"]);
    let bad = &reports[1];
    assert_eq!(bad["type"], "unknown");
    assert_eq!(bad["errors"][0]["stage"], "read");
    let message = bad["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("failed to read file"), "{message}");
    assert!(stderr(&output).contains("loop"));
    let good = &reports[0];
    assert!(good.get("errors").is_none());
    assert_eq!(list(good, "cves"), ["CVE-2021-44228"]);
}

#[cfg(unix)]
#[test]
fn symlink_in_walk_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "outside/secret.txt", b"CVE-2020-0001");
    write(dir.path(), "d/real.txt", b"CVE-2020-0002");
    std::os::unix::fs::symlink("../outside", dir.path().join("d/link"))
        .unwrap();
    let output = trawl_in(dir.path(), &["d"], None);
    assert_eq!(files(&stdout_json(&output)), ["d/real.txt"]);

    let explicit = trawl_in(dir.path(), &["d/link"], None);
    assert_eq!(files(&stdout_json(&explicit)), ["d/link/secret.txt"]);
}

#[test]
fn text_report_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "report.txt", SAMPLE_TEXT.as_bytes());
    let output = trawl_in(dir.path(), &["report.txt"], None);
    insta::assert_json_snapshot!("text_report", stdout_json(&output));
}

#[test]
fn binary_report_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sample.bin", &sample_binary());
    let output = trawl_in(dir.path(), &["--detail", "sample.bin"], None);
    insta::assert_json_snapshot!("binary_report", stdout_json(&output));
}

/// Checks that the keys of `value` are a subsequence of `order`, and that
/// every key in `required` is present.
fn check_keys(value: &Value, order: &[String], required: &[String]) {
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    let mut position = 0;
    for key in &keys {
        let found = order[position..].iter().position(|k| k == *key);
        let Some(step) = found else {
            panic!("key {key} is unknown or out of order in {keys:?}")
        };
        position += step + 1;
    }
    for key in required {
        assert!(keys.contains(&key), "missing key {key} in {keys:?}");
    }
}

fn schema_keys(schema: &Value) -> (Vec<String>, Vec<String>) {
    let order = schema["properties"].as_object().unwrap().keys().cloned();
    let required = schema["required"].as_array().unwrap().iter();
    (
        order.collect(),
        required.map(|k| k.as_str().unwrap().to_string()).collect(),
    )
}

#[test]
fn output_follows_report_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/report.schema.json");
    let schema: Value =
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let (report_order, report_required) = schema_keys(&schema);
    let iocs_schema = &schema["properties"]["iocs"];
    let (iocs_order, iocs_required) = schema_keys(iocs_schema);
    let detection_schema = &schema["$defs"]["detection"];
    let (detection_order, detection_required) = schema_keys(detection_schema);
    let error_schema = &schema["$defs"]["error"];
    let (error_order, error_required) = schema_keys(error_schema);

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sample.txt", SAMPLE_TEXT.as_bytes());
    write(dir.path(), "sample.bin", &sample_binary());
    // A link to itself exists but cannot be read, so its report has an
    // `errors` list.
    #[cfg(unix)]
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    #[cfg(not(unix))]
    write(dir.path(), "loop", b"");
    let args = ["--detail", "-t", "x", ".", "loop"];
    let output = trawl_in(dir.path(), &args, None);
    let reports = stdout_json(&output);

    let mut saw_detection = false;
    for report in reports.as_array().unwrap() {
        check_keys(report, &report_order, &report_required);
        assert_eq!(iocs_order, iocs_required);
        check_keys(&report["iocs"], &iocs_order, &iocs_required);
        for detection in report["detections"].as_array().unwrap_or(&vec![]) {
            check_keys(detection, &detection_order, &detection_required);
            saw_detection = true;
        }
        for error in report["errors"].as_array().unwrap_or(&vec![]) {
            check_keys(error, &error_order, &error_required);
        }
    }
    assert!(saw_detection, "{reports}");
}

#[test]
fn nul_and_invalid_utf8_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    // A log with a stray NUL and Latin-1 bytes between indicators.
    let mut bytes = b"caf\xe9 beacon to evil.example.com\x00 from ".to_vec();
    bytes.extend_from_slice(b"\xff\xfe 192.0.2.77 and \x80\x81 ");
    bytes.extend_from_slice(b"hxxp://stage[.]example[.]net/p \n");
    let path = write(dir.path(), "mixed.log", &bytes);

    let output = trawl(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(list(&report, "ips"), ["192.0.2.77"]);
    assert_eq!(list(&report, "urls"), ["http://stage.example.net/p"]);
    let domains = list(&report, "domains");
    assert!(domains.contains(&"evil.example.com"), "{report}");
    assert!(domains.contains(&"stage.example.net"), "{report}");
}

#[test]
fn binary_with_many_nuls_uses_strings() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0u8; 4096];
    bytes.extend_from_slice(b"http://c2.example.net/ctrl/register.php");
    bytes.extend(vec![0u8; 64]);
    bytes.extend(utf16le("https://cdn.example.org/a.bin"));
    bytes.extend(vec![0u8; 4096]);
    let path = write(dir.path(), "blob.bin", &bytes);

    let report = stdout_json(&trawl(&[path.to_str().unwrap()]));
    assert_eq!(report["type"], "unknown");
    assert_eq!(
        list(&report, "urls"),
        [
            "http://c2.example.net/ctrl/register.php",
            "https://cdn.example.org/a.bin",
        ]
    );
}

#[test]
fn inputs_keep_content_and_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"beacon hxxp://evil[.]example[.]com/x 10.0.0.9\n";
    let path = write(dir.path(), "report.txt", bytes);
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    let output = trawl(&["--detail", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert_eq!(listing(dir.path()), ["report.txt"]);
}

#[test]
fn device_named_on_command_line_is_not_read() {
    let output = trawl(&["/dev/zero"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stdout_json(&output);
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("not a regular file"), "{message}");
}

#[test]
fn output_naming_an_input_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = b"beacon 10.0.0.9\n";
    let path = write(dir.path(), "same.txt", bytes);
    let other = write(dir.path(), "other.txt", b"x\n");

    let output = trawl(&[
        path.to_str().unwrap(),
        other.to_str().unwrap(),
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("also an input"), "{}", stderr(&output));
    assert_eq!(fs::read(&path).unwrap(), bytes);
}

#[test]
fn nested_detail_raw_is_bounded() {
    // One base64 token holding many CVE ids: each nested detection's raw
    // text is the token's start, not the whole token.
    use std::fmt::Write as _;
    let mut payload = String::new();
    for n in 0..400 {
        write!(payload, "CVE-2024-{:05} ", 10000 + n).unwrap();
    }
    let token = base64_encode(payload.as_bytes());
    let output = trawl(&["--detail", "-c", "-t", &token]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout_json(&output);
    assert_eq!(list(&report, "cves").len(), 400);
    let detections = report["detections"].as_array().unwrap();
    for detection in
        detections.iter().filter(|d| d["source"] == "decoded base64")
    {
        assert!(detection["raw"].as_str().unwrap().len() <= 256);
    }
    assert!(output.stdout.len() < 400 * 1024, "{} bytes", output.stdout.len());
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n =
            (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    ALPHABET[(n >> (18 - 6 * i) & 63) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}
