//! Runs every case of the shared text-case table: short inputs distilled
//! from public bug reports against IOC extractors, each with values that
//! must be reported and values that must not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod common;

use serde_json::Value;
use trawl_core::{Category, Iocs, Scanner};

/// Returns the reported values of a case category; `crypto` covers every
/// wallet list.
fn reported(iocs: &Iocs, name: &str) -> Vec<String> {
    if name == "crypto" {
        let wallets = Category::parse_list("crypto").unwrap();
        let values = Category::ALL
            .into_iter()
            .filter(|&c| wallets.contains(c))
            .flat_map(|c| iocs.list(c));
        return values.map(str::to_string).collect();
    }
    let category = Category::ALL
        .into_iter()
        .find(|c| c.name() == name)
        .unwrap_or_else(|| panic!("unknown category {name}"));
    iocs.list(category).iter().map(str::to_string).collect()
}

fn lower_if_case_insensitive(name: &str, value: &str) -> String {
    match name {
        "domains" | "hashes" | "crypto" => value.to_ascii_lowercase(),
        _ => value.to_string(),
    }
}

#[test]
fn every_shared_case_passes() {
    let path = common::shared_dir().join("fixtures/cases/cases.jsonl");
    run_table(&path, 30);
}

/// Cases of this project, written around each shared case's class of
/// mistakes.
#[test]
fn every_own_case_passes() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    run_table(&manifest.join("tests/data/cases.jsonl"), 30);
}

fn run_table(path: &std::path::Path, min_cases: usize) {
    let table = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let scanner = Scanner::default();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in table.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let output = scanner.scan(input.as_bytes());
        let iocs = Iocs::from_detections(&output.detections);
        count += 1;
        for (name, values) in case["expect"].as_object().unwrap() {
            let got: Vec<String> = reported(&iocs, name)
                .iter()
                .map(|v| lower_if_case_insensitive(name, v))
                .collect();
            for value in values.as_array().unwrap() {
                let value = value.as_str().unwrap();
                let value = lower_if_case_insensitive(name, value);
                if !got.contains(&value) {
                    failures.push(format!(
                        "{id}: missing {name} {value:?}, got {got:?}"
                    ));
                }
            }
        }
        for (name, values) in case["reject"].as_object().unwrap() {
            let got = reported(&iocs, name);
            for value in values.as_array().unwrap() {
                let value = value.as_str().unwrap();
                if got.iter().any(|g| g == value) {
                    failures.push(format!(
                        "{id}: rejected {name} {value:?} reported"
                    ));
                }
            }
        }
    }
    assert!(count >= min_cases, "only {count} cases in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
