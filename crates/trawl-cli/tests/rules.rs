//! End-to-end tests of custom rules: `--rules`, the configuration
//! folder's rules file, `--no-config`, `--types`, `--list-detectors`,
//! the output formats and the errors of a bad rules file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// Returns the path of the rules file the documentation shows.
fn example_rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/rules/example.toml")
}

/// Text with one value for each rule of the example file, and values
/// the rules must skip: a card number with a wrong Luhn digit, a key
/// glued to a letter and a Litecoin-like string with a bad checksum.
const SAMPLE: &str = "\
Paged for OPS-1234 after db1.CORP.example went down (incident #20231).\n\
Refund card 4111 1111 1111 1111, not 4111 1111 1111 1112; xOPS-99.\n\
From: <E123456> paid to LWduxjLkNM2QsdQfcVvZGPQ9F1LvNaQH75 and \
LWduxjLkNM2QsdQfcVvZGPQ9F1LvNaQH76\n";

/// The custom keys of the example file, in file order.
const CUSTOM_KEYS: [&str; 6] = [
    "internal_hosts",
    "jira_tickets",
    "incidents",
    "card_numbers",
    "crypto_ltc",
    "employee_ids",
];

fn run(command: &mut Command, args: &[&str]) -> Output {
    command.args(args).output().unwrap()
}

fn trawl(args: &[&str]) -> Output {
    run(&mut binary::trawl_command(), args)
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_str(&stdout(output)).unwrap()
}

/// Returns the report of `SAMPLE` with the example rules and `extra`
/// arguments.
fn example_report(extra: &[&str]) -> Value {
    let rules = example_rules();
    let mut args = vec!["--rules", rules.to_str().unwrap(), "-t", SAMPLE];
    args.extend_from_slice(extra);
    json(&trawl(&args))
}

fn list<'a>(report: &'a Value, key: &str) -> Vec<&'a str> {
    let values = report["iocs"][key].as_array();
    let values = values.unwrap_or_else(|| panic!("no {key} in {report}"));
    values.iter().map(|v| v.as_str().unwrap()).collect()
}

#[test]
fn example_rules_find_their_values() {
    let report = example_report(&[]);
    assert_eq!(list(&report, "internal_hosts"), ["db1.corp.example"]);
    assert_eq!(list(&report, "jira_tickets"), ["OPS-1234"]);
    assert_eq!(list(&report, "incidents"), ["20231"]);
    assert_eq!(list(&report, "card_numbers"), ["4111 1111 1111 1111"]);
    assert_eq!(
        list(&report, "crypto_ltc"),
        ["LWduxjLkNM2QsdQfcVvZGPQ9F1LvNaQH75"]
    );
    assert_eq!(list(&report, "employee_ids"), ["E123456"]);
    // The built-in detectors still report the host.
    assert_eq!(list(&report, "domains"), ["db1.corp.example"]);
}

#[test]
fn example_rules_stay_quiet_on_a_threat_report() {
    let rules = example_rules();
    let report = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/reports/eset-oceanlotus.adoc");
    let output =
        trawl(&["--rules", rules.to_str().unwrap(), report.to_str().unwrap()]);
    let report = json(&output);
    // Hash names and CVE ids look like issue keys to a looser pattern.
    for key in ["jira_tickets", "card_numbers", "employee_ids"] {
        assert_eq!(list(&report, key), Vec::<&str>::new(), "{key}");
    }
}

#[test]
fn custom_keys_follow_builtin_keys() {
    let report = example_report(&[]);
    let keys: Vec<&str> = report["iocs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let split = keys.len() - CUSTOM_KEYS.len();
    assert_eq!(keys[split..], CUSTOM_KEYS);
    assert_eq!(keys[split - 1], "mutexes");
}

/// Returns the custom part of a report: its custom lists and the
/// detections of custom rules.
fn custom_part(report: &Value) -> Value {
    let iocs = report["iocs"].as_object().unwrap();
    let custom: serde_json::Map<String, Value> = CUSTOM_KEYS
        .iter()
        .map(|key| (key.to_string(), iocs[*key].clone()))
        .collect();
    let detections: Vec<&Value> = report["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry.get("rule").is_some())
        .collect();
    json!({ "iocs": custom, "detections": detections })
}

#[test]
fn detail_entries_name_rule() {
    let report = example_report(&["--detail"]);
    insta::assert_json_snapshot!("custom_rules_detail", custom_part(&report));
    for entry in report["detections"].as_array().unwrap() {
        let offset = entry["offset"].as_u64().unwrap() as usize;
        let length = entry["length"].as_u64().unwrap() as usize;
        let raw = entry["raw"].as_str().unwrap();
        assert_eq!(&SAMPLE[offset..offset + length], raw, "{entry}");
    }
}

#[test]
fn detail_without_rules_has_no_rule_field() {
    let output = trawl(&["--no-config", "--detail", "-t", "OPS-1 a.example"]);
    let report = json(&output);
    for entry in report["detections"].as_array().unwrap() {
        assert!(entry.get("rule").is_none(), "{entry}");
    }
}

#[test]
fn line_formats_include_custom_values() {
    let rules = example_rules();
    let rules = rules.to_str().unwrap();
    let csv = stdout(&trawl(&["--rules", rules, "-f", "csv", "-t", SAMPLE]));
    assert!(csv.contains(",text,jira_tickets,OPS-1234\n"), "{csv}");
    assert!(csv.contains(",card_numbers,4111 1111 1111 1111\n"), "{csv}");
    let text = stdout(&trawl(&["--rules", rules, "-f", "text", "-t", SAMPLE]));
    assert!(text.contains("incidents\t20231\n"), "{text}");
    let jsonl =
        stdout(&trawl(&["--rules", rules, "-f", "jsonl", "-t", SAMPLE]));
    let report: Value = serde_json::from_str(jsonl.trim_end()).unwrap();
    assert_eq!(list(&report, "employee_ids"), ["E123456"]);
    let detail = stdout(&trawl(&[
        "--rules", rules, "-f", "csv", "--detail", "-t", SAMPLE,
    ]));
    assert!(detail.contains(",jira_tickets,OPS-1234,10,8,text\n"), "{detail}");
}

#[test]
fn aggregate_formats_skip_custom_values() {
    let rules = example_rules();
    let rules = rules.to_str().unwrap();
    for format in ["stix", "misp"] {
        let out =
            stdout(&trawl(&["--rules", rules, "-f", format, "-t", SAMPLE]));
        assert!(out.contains("db1.corp.example"), "{format}: {out}");
        assert!(!out.contains("OPS-1234"), "{format}: {out}");
        assert!(!out.contains("E123456"), "{format}: {out}");
    }
}

#[test]
fn defang_leaves_custom_values() {
    let report = example_report(&["--defang"]);
    assert_eq!(list(&report, "domains"), ["db1[.]corp[.]example"]);
    assert_eq!(list(&report, "internal_hosts"), ["db1.corp.example"]);
}

#[test]
fn types_select_custom_categories() {
    let report = example_report(&["--types", "jira_tickets,incidents"]);
    assert_eq!(list(&report, "jira_tickets"), ["OPS-1234"]);
    assert_eq!(list(&report, "incidents"), ["20231"]);
    assert!(list(&report, "domains").is_empty());
    assert!(list(&report, "card_numbers").is_empty());
    let report = example_report(&["--types", "domains"]);
    assert_eq!(list(&report, "domains"), ["db1.corp.example"]);
    assert!(list(&report, "jira_tickets").is_empty());
}

#[test]
fn unknown_type_lists_custom_categories() {
    let rules = example_rules();
    let rules = rules.to_str().unwrap();
    let output = trawl(&["--rules", rules, "--types", "tickets", "-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("unknown category 'tickets'"), "{message}");
    assert!(message.contains("jira_tickets"), "{message}");
}

#[test]
fn list_detectors_shows_origins() {
    let rules = example_rules();
    let rules = rules.to_str().unwrap();
    let listing = stdout(&trawl(&["--rules", rules, "--list-detectors"]));
    let lines: Vec<&str> = listing.lines().collect();
    assert!(lines[0].starts_with("urls "), "{listing}");
    assert!(lines[0].contains(" built-in "), "{listing}");
    let last = lines.last().unwrap();
    assert!(last.starts_with("employee_ids "), "{listing}");
    assert!(last.contains(rules), "{listing}");
    assert!(last.ends_with("employee-id: employee ids such as <E123456>"));
}

/// Writes `text` as `<dir>/trawl/rules.toml`.
fn write_config(dir: &Path, text: &str) {
    fs::create_dir_all(dir.join("trawl")).unwrap();
    fs::write(dir.join("trawl/rules.toml"), text).unwrap();
}

const TICKET_RULE: &str = "[[rule]]\nname = \"ticket\"\n\
    category = \"tickets\"\npattern = 'TICK-[0-9]+'\n";

#[test]
fn config_folder_rules_loaded() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), TICKET_RULE);
    let mut command = binary::trawl_command();
    command.env("XDG_CONFIG_HOME", dir.path());
    let report = json(&run(&mut command, &["-t", "see TICK-7"]));
    assert_eq!(list(&report, "tickets"), ["TICK-7"]);
}

#[test]
fn no_config_skips_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), TICKET_RULE);
    let mut command = binary::trawl_command();
    command.env("XDG_CONFIG_HOME", dir.path());
    let report = json(&run(&mut command, &["--no-config", "-t", "TICK-7"]));
    assert!(report["iocs"].get("tickets").is_none(), "{report}");
}

#[test]
fn home_config_used_without_xdg() {
    let dir = tempfile::tempdir().unwrap();
    write_config(&dir.path().join(".config"), TICKET_RULE);
    let mut command = binary::trawl_command();
    command.env_remove("XDG_CONFIG_HOME").env("HOME", dir.path());
    let report = json(&run(&mut command, &["-t", "TICK-8"]));
    assert_eq!(list(&report, "tickets"), ["TICK-8"]);
}

#[test]
fn config_and_rules_files_join() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), TICKET_RULE);
    let rules = example_rules();
    let mut command = binary::trawl_command();
    command.env("XDG_CONFIG_HOME", dir.path());
    let args = ["--rules", rules.to_str().unwrap(), "-t", "TICK-1 OPS-2"];
    let report = json(&run(&mut command, &args));
    assert_eq!(list(&report, "tickets"), ["TICK-1"]);
    assert_eq!(list(&report, "jira_tickets"), ["OPS-2"]);
    let keys: Vec<&String> =
        report["iocs"].as_object().unwrap().keys().collect();
    let tickets = keys.iter().position(|k| *k == "tickets").unwrap();
    let jira = keys.iter().position(|k| *k == "jira_tickets").unwrap();
    assert!(tickets < jira, "{keys:?}");
}

#[test]
fn bad_rule_is_usage_error_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let text = "[[rule]]\nname = \"x\"\ncategory = \"urls\"\npattern = 'x'\n";
    fs::write(&path, text).unwrap();
    let rules_path = path.to_str().unwrap();
    let output = trawl(&["--rules", rules_path, "-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    let expected =
        format!("trawl: {rules_path}:3:12: category 'urls' is a built-in");
    assert!(message.starts_with(&expected), "{message}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_config_rule_is_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "[[rule]]\nname = \"x\"\ncategory = \"y\"\npattern = 'a(?=b)'\n",
    );
    let mut command = binary::trawl_command();
    command.env("XDG_CONFIG_HOME", dir.path());
    let output = run(&mut command, &["-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("trawl/rules.toml:4:"), "{message}");
    assert!(message.contains("look-around"), "{message}");
}

#[test]
fn missing_rules_file_is_usage_error() {
    let output = trawl(&["--rules", "no/such/rules.toml", "-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.starts_with(
            "trawl: failed to read rules file 'no/such/rules.toml'"
        ),
        "{message}"
    );
}

#[test]
fn duplicate_rule_across_files_rejected() {
    let rules = example_rules();
    let rules = rules.to_str().unwrap();
    let output = trawl(&["--rules", rules, "--rules", rules, "-t", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("duplicate rule name 'internal-host'"),
        "{message}"
    );
}

/// Returns a zip archive with `SAMPLE` as its one member.
fn zip_of_sample() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("sample.txt", options).unwrap();
    std::io::Write::write_all(&mut writer, SAMPLE.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

#[test]
fn archive_reports_have_custom_keys() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("sample.zip");
    fs::write(&archive, zip_of_sample()).unwrap();
    let rules = example_rules();
    let args = ["--rules", rules.to_str().unwrap(), archive.to_str().unwrap()];
    let reports = json(&trawl(&args));
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2, "{reports:?}");
    for report in reports {
        let keys = report["iocs"].as_object().unwrap();
        for key in CUSTOM_KEYS {
            assert!(keys.contains_key(key), "{key} missing from {report}");
        }
    }
    assert!(list(&reports[0], "jira_tickets").is_empty());
    assert_eq!(list(&reports[1], "jira_tickets"), ["OPS-1234"]);
}

#[test]
fn custom_report_follows_schema() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/report.schema.json");
    let schema: Value =
        serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    let pattern = schema["properties"]["iocs"]["patternProperties"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert_eq!(pattern, "^[a-z][a-z0-9_]{0,63}$");
    let detection = &schema["$defs"]["detection"]["properties"];
    let order: Vec<&String> = detection.as_object().unwrap().keys().collect();
    assert_eq!(order[..2], ["category", "rule"]);

    let report = example_report(&["--detail"]);
    for entry in report["detections"].as_array().unwrap() {
        let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        let mut position = 0;
        for key in &keys {
            let step = order[position..].iter().position(|k| k == key);
            let step = step.unwrap_or_else(|| panic!("{key} in {keys:?}"));
            position += step + 1;
        }
    }
}
