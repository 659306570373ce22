//! `--exclude-benign` on the real-world text corpus: it must not lower
//! recall on any source, and it must drop the names that are not
//! indicators: the schema, licence and vendor URLs of the FireEye
//! OpenIOC files and the reference links in the signature-base comments.
//! Each benign value left must name its host in `KEPT_HOSTS`, with the
//! reason the built-in list leaves that host alone, and each truth value
//! left out of the recall counts must name its host in
//! `REFERENCE_TRUTH`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

// The scoring helpers; this test reads only some of their fields.
#[allow(dead_code)]
mod recall;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use recall::{
    counted_total, normalise_url, score_file, url_host, Found, Kind,
    SourceTallies,
};
use serde_json::Value;

/// Recall each source must reach with the flag, the overall target of
/// `tests/corpus_recall.rs`. Recall with the flag must also equal recall
/// without it.
const RECALL_FLOOR: f64 = 0.99;

/// One corpus source: its directory and the files scored.
struct Source {
    label: &'static str,
    dir: &'static str,
    scored: fn(&str) -> bool,
}

const SOURCES: [Source; 4] = [
    Source {
        label: "eset-adoc",
        dir: "eset",
        scored: |path| path.ends_with(".adoc"),
    },
    Source {
        label: "unit42-text",
        dir: "unit42",
        scored: |path| path.starts_with("text/"),
    },
    Source {
        label: "fireeye-openioc",
        dir: "fireeye-openioc",
        scored: |_| true,
    },
    Source {
        label: "signature-base",
        dir: "signature-base",
        scored: |_| true,
    },
];

/// Hosts of benign values that `--exclude-benign` keeps, each with the
/// reason it is not on the built-in list.
const KEPT_HOSTS: &[(&str, &str)] = &[
    (
        "github.com",
        "anyone can publish there, and files attached to issues are \
         served under a project's own path",
    ),
    (
        "raw.githubusercontent.com",
        "serves the files of any repository, attackers' included",
    ),
    (
        "goo.gl",
        "a URL shortener: a short link can redirect anywhere, and \
         attackers use shorteners to hide payload URLs",
    ),
    (
        "twitter.com",
        "a social network: posts carry anyone's content and have served \
         as dead drops for C2 addresses",
    ),
    ("medium.com", "a blogging platform anyone can publish on"),
    ("www.reddit.com", "user posts, which have served as dead drops"),
    ("community.progress.com", "a vendor's support forum, where users post"),
    (
        "www.3cx.com",
        "the site of the vendor whose own download server shipped the \
         trojanised installer that the comment is about",
    ),
    (
        "www.epicturla.com",
        "a personal research blog, not an organisation's publication",
    ),
    ("www.bwkg.de", "a hospital association's site, not a security publisher"),
    (
        "threats.amnpardaz.com",
        "a regional antivirus vendor's site, not on the built-in list; an \
         --allow list can add it",
    ),
];

/// Hosts of truth URLs that are the publisher's own references, not
/// indicators, with the reason; they are left out of both recall counts
/// and printed.
const REFERENCE_TRUTH: &[(&str, &str, &str)] = &[(
    "eset-adoc",
    "www.welivesecurity.com",
    "ESET's MISP events list links to ESET's own articles and white \
     papers as url attributes, which the truth derivation kept",
)];

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Runs trawl over `paths` with `args` and returns each report by file.
fn run_trawl(args: &[&str], paths: &[String]) -> HashMap<String, Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["-f", "jsonl", "-c"])
        .args(args)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "trawl exited with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut reports = HashMap::new();
    for line in stdout.lines() {
        let report: Value = serde_json::from_str(line).unwrap();
        let file = report["file"].as_str().unwrap().to_string();
        reports.insert(file, report);
    }
    reports
}

/// A scored file: its source, its path in `truth.json`, its truth and
/// its full path.
struct Scored<'a> {
    source: usize,
    relative: &'a str,
    truth: Value,
    path: String,
}

/// Returns `truth` without the URLs that `REFERENCE_TRUTH` names for
/// `source`, and the URLs left out.
fn without_references(source: &str, truth: &Value) -> (Value, Vec<String>) {
    let mut kept = truth.clone();
    let mut left_out = Vec::new();
    let Some(urls) = kept.get_mut("url").and_then(Value::as_array_mut) else {
        return (kept, left_out);
    };
    urls.retain(|url| {
        let url = url.as_str().unwrap();
        let host = url_host(url).unwrap_or_default();
        let reference =
            REFERENCE_TRUTH.iter().any(|(s, h, _)| *s == source && *h == host);
        if reference {
            left_out.push(url.to_string());
        }
        !reference
    });
    (kept, left_out)
}

/// Recall of one source: found and truth counts of the counted types,
/// and the truth values missed, as `file: value`.
struct Recall {
    found: usize,
    truth: usize,
    missed: BTreeSet<String>,
}

/// Returns the recall of each source.
fn recall_counts(
    files: &[Scored<'_>],
    reports: &HashMap<String, Value>,
) -> Vec<Recall> {
    let mut tallies: Vec<SourceTallies> =
        SOURCES.iter().map(|_| SourceTallies::new()).collect();
    for file in files {
        let report = &reports[&file.path];
        let found = Found::from_iocs(&report["iocs"]);
        let label = SOURCES[file.source].label;
        let by_type = &mut tallies[file.source];
        score_file(by_type, label, file.relative, &file.truth, &found);
    }
    tallies
        .iter()
        .map(|by_type| {
            let total = counted_total(by_type);
            let counted = by_type.iter().filter(|(truth_type, _)| {
                Kind::of_truth_type(truth_type).is_some()
            });
            let missed = counted
                .flat_map(|(_, tally)| &tally.missed)
                .map(|miss| format!("{}: {}", miss.file, miss.value))
                .collect();
            Recall { found: total.found, truth: total.truth, missed }
        })
        .collect()
}

/// Returns every truth value of a file, lower-cased, URLs normalised.
fn truth_values(truth: &Value) -> HashSet<String> {
    let mut values = HashSet::new();
    for list in truth.as_object().unwrap().values() {
        for value in list.as_array().unwrap().iter().filter_map(Value::as_str)
        {
            values.insert(value.to_lowercase());
            values.insert(normalise_url(value).to_lowercase());
        }
    }
    values
}

/// Reports whether the detection at `offset` lies in a comment: a line
/// that starts with `#`, or in `hash-iocs.txt` the description after the
/// first `;` of a line.
fn in_comment(text: &[u8], offset: usize, hash_list: bool) -> bool {
    let line_start = text[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let before = &text[line_start..offset];
    text.get(line_start) == Some(&b'#')
        || (hash_list && before.contains(&b';'))
}

/// Returns the benign values of one file: `(value, host, dropped)` of each URL
/// and domain detection that is not an indicator.
fn benign_values(
    file: &Scored<'_>,
    report: &Value,
) -> Vec<(String, String, bool)> {
    let label = SOURCES[file.source].label;
    let truth = truth_values(&file.truth);
    let text = std::fs::read(&file.path).unwrap();
    let hash_list = file.relative.ends_with("hash-iocs.txt");
    let mut benign = Vec::new();
    // The end of the last reference URL, whose host follows it.
    let mut reference_end = 0;
    for detection in report["detections"].as_array().unwrap() {
        let category = detection["category"].as_str().unwrap();
        let value = detection["value"].as_str().unwrap();
        let offset = detection["offset"].as_u64().unwrap() as usize;
        let host = match category {
            "urls" => url_host(value).unwrap(),
            "domains" => value.to_string(),
            _ => continue,
        };
        let is_benign = match (label, category) {
            // Every URL and domain of these files that is not truth is a
            // schema, licence or vendor name.
            ("fireeye-openioc", _) => {
                !truth.contains(&value.to_lowercase())
                    && !truth.contains(&normalise_url(value).to_lowercase())
            }
            // A link in a comment, written plainly, is a reference. A
            // defanged URL or a bare name in a comment is an indicator
            // that the author describes.
            ("signature-base", "urls") => {
                let raw = detection["raw"].as_str().unwrap();
                let reference = in_comment(&text, offset, hash_list)
                    && raw.eq_ignore_ascii_case(value);
                if reference {
                    let length = detection["length"].as_u64().unwrap();
                    reference_end = offset + length as usize;
                }
                reference
            }
            ("signature-base", _) => offset < reference_end,
            _ => false,
        };
        if is_benign {
            let dropped = detection.get("dropped").is_some();
            benign.push((value.to_string(), host, dropped));
        }
    }
    benign
}

#[test]
fn exclude_benign_keeps_recall_and_drops_references() {
    let text_dir = common::shared_dir().join("corpus/text");
    let truths: Vec<Value> = SOURCES
        .iter()
        .map(|s| read_json(&text_dir.join(s.dir).join("truth.json")))
        .collect();
    let mut files = Vec::new();
    let mut references = 0;
    for (index, (source, truth)) in SOURCES.iter().zip(&truths).enumerate() {
        for (relative, file_truth) in truth.as_object().unwrap() {
            if !(source.scored)(relative) {
                continue;
            }
            let path = text_dir.join(source.dir).join(relative);
            let path = path.to_str().unwrap().to_string();
            let (truth, left_out) =
                without_references(source.label, file_truth);
            for url in left_out {
                println!(
                    "left out of recall: {} {relative}: {url}",
                    source.label
                );
                references += 1;
            }
            files.push(Scored { source: index, relative, truth, path });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();

    let plain = run_trawl(&[], &paths);
    let filtered = run_trawl(&["--exclude-benign", "--detail"], &paths);
    let before = recall_counts(&files, &plain);
    let after = recall_counts(&files, &filtered);
    for ((source, before), after) in SOURCES.iter().zip(&before).zip(&after) {
        let recall = after.found as f64 / after.truth as f64;
        println!(
            "{}: {} of {} truth values found without the flag, {} with \
             it (recall {recall:.4})",
            source.label, before.found, before.truth, after.found
        );
        for lost in after.missed.difference(&before.missed) {
            println!("  lost with the flag: {lost}");
        }
    }

    let mut benign_total = 0;
    let mut kept: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        for (value, host, dropped) in
            benign_values(file, &filtered[&file.path])
        {
            benign_total += 1;
            if !dropped {
                kept.entry(host).or_default().push(value);
            }
        }
    }
    println!(
        "\nbenign values: {benign_total}, kept: {}",
        kept.values().map(Vec::len).sum::<usize>()
    );
    for (host, values) in &kept {
        let reason = KEPT_HOSTS.iter().find(|(h, _)| h == host);
        let reason = reason.map_or("NOT LISTED", |(_, reason)| reason);
        println!("  {host} ({}): {reason}", values.len());
    }

    for ((source, before), after) in SOURCES.iter().zip(&before).zip(&after) {
        assert_eq!(
            (before.found, before.truth),
            (after.found, after.truth),
            "{}: --exclude-benign changed the truth values found",
            source.label
        );
        let recall = after.found as f64 / after.truth as f64;
        assert!(
            recall >= RECALL_FLOOR,
            "{}: recall {recall:.4} is below {RECALL_FLOOR}",
            source.label
        );
    }
    assert!(benign_total > 1000, "only {benign_total} benign values found");
    assert!(references > 0, "REFERENCE_TRUTH matches no truth value");
    for (host, values) in &kept {
        assert!(
            KEPT_HOSTS.iter().any(|(h, _)| h == host),
            "{host} is kept but not in KEPT_HOSTS: {values:?}"
        );
    }
    for (host, _) in KEPT_HOSTS {
        assert!(
            kept.contains_key(*host),
            "{host} in KEPT_HOSTS is never kept"
        );
    }
}
