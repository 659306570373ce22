//! Tests of the filter over real scans: precedence of the list kinds,
//! the reasons given, and a URL's host dropped with its URL.

#![allow(clippy::indexing_slicing)]

use super::*;
use crate::Scanner;

fn list(text: &str, origin: &str) -> List {
    List::parse(text, origin).unwrap()
}

/// Scans `text` and returns `(category, value, verdict text)` for each
/// detection, the verdict text empty when the value is kept unmarked.
fn verdicts(filter: &Filter, text: &str) -> Vec<(Category, String, String)> {
    let detections = Scanner::default().scan(text.as_bytes()).detections;
    let mut pass = filter.pass();
    detections
        .into_iter()
        .map(|detection| {
            let verdict = match pass.check(&detection) {
                Verdict::Keep => String::new(),
                Verdict::Listed(found) => format!("listed {found}"),
                Verdict::Dropped(found) => format!("dropped {found}"),
            };
            let category = detection.category.builtin().unwrap();
            (category, detection.value, verdict)
        })
        .collect()
}

fn verdict_of(filter: &Filter, text: &str, value: &str) -> String {
    let all = verdicts(filter, text);
    let found = all.iter().find(|(_, v, _)| v == value);
    match found {
        Some((_, _, verdict)) => verdict.clone(),
        None => panic!("{value} not detected in {text}: {all:?}"),
    }
}

#[test]
fn empty_filter_keeps_everything() {
    let filter = Filter::default();
    assert!(filter.is_empty());
    let all = verdicts(&filter, "http://www.w3.org/1999/xhtml 10.0.0.1");
    assert!(all.iter().all(|(_, _, verdict)| verdict.is_empty()), "{all:?}");
}

#[test]
fn allow_drops_with_file_and_line() {
    let filter = Filter::builder()
        .allow(list("# known good\n\ngood.example.com\n", "allow.txt"))
        .build();
    let text = "beacon good.example.com and evil.example.net";
    assert_eq!(
        verdict_of(&filter, text, "good.example.com"),
        "dropped allow list allow.txt:3"
    );
    assert_eq!(verdict_of(&filter, text, "evil.example.net"), "");
}

#[test]
fn block_overrides_allow_and_benign() {
    let filter = Filter::builder()
        .allow(list(".w3.org\n", "allow.txt"))
        .block(list("\nwww.w3.org\n", "block.txt"))
        .benign()
        .build();
    let text = "see http://www.w3.org/2001/XMLSchema and lists.w3.org";
    assert_eq!(
        verdict_of(&filter, text, "http://www.w3.org/2001/XMLSchema"),
        "listed block list block.txt:2"
    );
    assert_eq!(
        verdict_of(&filter, text, "www.w3.org"),
        "listed block list block.txt:2"
    );
    assert_eq!(
        verdict_of(&filter, text, "lists.w3.org"),
        "dropped allow list allow.txt:1"
    );
}

#[test]
fn allow_reason_comes_before_benign() {
    let filter = Filter::builder()
        .allow(list("ocsp.digicert.com\n", "mine.txt"))
        .benign()
        .build();
    let text = "http://ocsp.digicert.com http://crl3.digicert.com/x.crl";
    assert_eq!(
        verdict_of(&filter, text, "ocsp.digicert.com"),
        "dropped allow list mine.txt:1"
    );
    assert_eq!(
        verdict_of(&filter, text, "http://crl3.digicert.com/x.crl"),
        "dropped benign: certificate authority"
    );
}

#[test]
fn url_host_dropped_with_url_path() {
    let filter = Filter::builder()
        .allow(list("example.org/docs/*\n", "allow.txt"))
        .build();
    let text = "read https://example.org/docs/a.html then example.org";
    let all = verdicts(&filter, text);
    let dropped = "dropped allow list allow.txt:1".to_string();
    assert_eq!(
        all,
        [
            (
                Category::Url,
                "https://example.org/docs/a.html".to_string(),
                dropped.clone()
            ),
            (Category::Domain, "example.org".to_string(), dropped),
            // The bare mention is not part of the URL, so it stays.
            (Category::Domain, "example.org".to_string(), String::new()),
        ]
    );
}

#[test]
fn url_exact_entry_drops_its_ip_host() {
    let filter = Filter::builder()
        .allow(list("http://10.1.2.3/update\n", "allow.txt"))
        .build();
    let all = verdicts(&filter, "get http://10.1.2.3/update now");
    let reasons: Vec<&str> = all.iter().map(|(_, _, r)| r.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{all:?}");
    assert!(reasons.iter().all(|r| *r == "dropped allow list allow.txt:1"));
}

#[test]
fn dropped_url_keeps_inner_url_and_hash() {
    let filter = Filter::builder().benign().build();
    let hash =
        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
    let text = format!(
        "https://www.virustotal.com/gui/file/{hash} \
         https://www.virustotal.com/gui/url?u=https://evil.top/go"
    );
    let all = verdicts(&filter, &text);
    let kept: Vec<&str> = all
        .iter()
        .filter(|(_, _, verdict)| verdict.is_empty())
        .map(|(_, value, _)| value.as_str())
        .collect();
    assert_eq!(kept, [hash, "https://evil.top/go", "evil.top"], "{all:?}");
}

#[test]
fn blocked_host_of_dropped_url_is_kept() {
    let filter = Filter::builder()
        .allow(list("http://evil.example.net/ok\n", "allow.txt"))
        .block(list(".evil.example.net\n", "block.txt"))
        .build();
    // The block list names the host, so the URL is kept too.
    let all = verdicts(&filter, "http://evil.example.net/ok");
    assert!(
        all.iter().all(|(_, _, v)| v == "listed block list block.txt:1"),
        "{all:?}"
    );
}

#[test]
fn later_domain_outside_url_span_is_judged_alone() {
    let filter = Filter::builder()
        .allow(list("http://a.example.net/x\n", "allow.txt"))
        .build();
    let all = verdicts(&filter, "http://a.example.net/x b.example.net");
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[2].2, "");
}

#[test]
fn benign_examples() {
    let filter = Filter::builder().benign().build();
    let dropped = [
        (
            "xmlns=\"http://schemas.microsoft.com/office/2006\"",
            "xml namespace",
        ),
        ("http://www.w3.org/2001/XMLSchema-instance", "standards body"),
        ("http://crl.pki.goog/gtsr1/gtsr1.crl", "certificate authority"),
        ("https://r3.o.lencr.org", "certificate authority"),
        ("https://pypi.org/project/requests/", "package registry"),
        (
            "https://attack.mitre.org/techniques/T1059/",
            "vulnerability reference",
        ),
        ("https://en.wikipedia.org/wiki/Botnet", "encyclopedia"),
        ("http://www.apache.org/licenses/LICENSE-2.0", "licence"),
        (
            "https://www.microsoft.com/security/blog/2021/x/",
            "security research",
        ),
        ("see 192.0.2.15 and 2001:db8::7", "documentation example"),
    ];
    for (text, group) in dropped {
        let mut all = verdicts(&filter, text);
        // The ids named inside a reference link are what it is about,
        // not part of the benign site.
        all.retain(|(category, ..)| *category != Category::AttackTechnique);
        let expected = format!("dropped benign: {group}");
        assert!(!all.is_empty(), "{text}");
        assert!(all.iter().all(|(_, _, v)| *v == expected), "{text}: {all:?}");
    }
    let named =
        verdicts(&filter, "https://attack.mitre.org/techniques/T1059/");
    assert!(
        named.iter().any(|(category, value, verdict)| *category
            == Category::AttackTechnique
            && value == "T1059"
            && verdict.is_empty()),
        "{named:?}"
    );
}

#[test]
fn platforms_anyone_can_publish_on_are_not_benign() {
    let filter = Filter::builder().benign().build();
    let kept = [
        "https://github.com/microsoft/vcpkg/files/14125503/x.zip",
        "https://raw.githubusercontent.com/a/b/main/p.ps1",
        "https://goo.gl/x1v7mT",
        "https://files.pythonhosted.org/packages/x/evil-1.0.tar.gz",
        "https://registry.npmjs.org/evil/-/evil-1.0.tgz",
        "https://drive.google.com/uc?id=1",
        "https://cdn.discordapp.com/attachments/1/2/a.exe",
        "https://pastebin.com/raw/abc",
        "https://gitlab.com/a/b/-/raw/main/p.sh",
        "https://www.dropbox.com/s/x/a.zip?dl=1",
        "https://acct.blob.core.windows.net/c/a.exe",
        "https://t.me/s/channel",
        "https://medium.com/@user/post",
        "https://www.microsoft.com/en-us/download/x",
        "https://answers.microsoft.com/thread/1",
        "https://cloud.google.com/storage/x",
        "https://rubygems.org/downloads/evil-1.0.gem",
        "https://www.nuget.org/api/v2/package/Evil/1.0",
    ];
    for text in kept {
        let all = verdicts(&filter, text);
        assert!(!all.is_empty(), "{text}");
        assert!(all.iter().all(|(_, _, v)| v.is_empty()), "{text}: {all:?}");
    }
}

#[test]
fn retain_removes_dropped_detections() {
    let filter =
        Filter::builder().allow(list("10.0.0.0/8\n", "allow.txt")).build();
    let text = "from 10.9.9.9 to 11.0.0.1 via http://10.0.0.5/x";
    let mut detections = Scanner::default().scan(text.as_bytes()).detections;
    filter.retain(&mut detections);
    let values: Vec<&str> =
        detections.iter().map(|d| d.value.as_str()).collect();
    assert_eq!(values, ["11.0.0.1"]);
}

#[test]
fn match_display_forms() {
    let found = |kind, group| Match { kind, origin: "l.txt", line: 4, group };
    assert_eq!(
        found(ListKind::Allow, Some("g")).to_string(),
        "allow list l.txt:4"
    );
    assert_eq!(found(ListKind::Block, None).to_string(), "block list l.txt:4");
    assert_eq!(found(ListKind::Benign, Some("g")).to_string(), "benign: g");
    assert_eq!(found(ListKind::Benign, None).to_string(), "benign: l.txt:4");
}
