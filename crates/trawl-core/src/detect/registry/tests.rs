//! Behaviour of the registry key detector on whole inputs.

use super::*;
use proptest::prelude::*;

fn run(text: &[u8]) -> Vec<Candidate> {
    crate::detect::testing::run(find, text)
}

fn keys(text: &str) -> Vec<String> {
    crate::detect::testing::values(find, text)
}

/// Checks each `(input, expected values)` row.
fn check(rows: &[(&str, &[&str])]) {
    for &(input, expected) in rows {
        assert_eq!(keys(input), expected, "input: {input:?}");
    }
}

#[test]
fn hive_spellings_and_kinds() {
    let cases = [
        ("HKEY_LOCAL_MACHINE\\Software", "HKEY_LOCAL_MACHINE"),
        ("HKLM\\Software", "HKEY_LOCAL_MACHINE"),
        ("hklm\\Software", "HKEY_LOCAL_MACHINE"),
        ("HKEY_CURRENT_USER\\Software", "HKEY_CURRENT_USER"),
        ("HKCU\\Software", "HKEY_CURRENT_USER"),
        ("HKEY_CLASSES_ROOT\\.exe", "HKEY_CLASSES_ROOT"),
        ("HKCR\\.exe", "HKEY_CLASSES_ROOT"),
        ("HKEY_USERS\\.DEFAULT", "HKEY_USERS"),
        ("HKU\\S-1-5-18", "HKEY_USERS"),
        ("HKEY_CURRENT_CONFIG\\System", "HKEY_CURRENT_CONFIG"),
        ("HKCC\\System", "HKEY_CURRENT_CONFIG"),
        ("HKEY_PERFORMANCE_DATA\\Global", "HKEY_PERFORMANCE_DATA"),
        ("Hkey_Local_Machine\\Software", "HKEY_LOCAL_MACHINE"),
        ("\\Registry\\Machine\\Software", "HKEY_LOCAL_MACHINE"),
        ("\\REGISTRY\\USER\\S-1-5-18", "HKEY_USERS"),
    ];
    for (key, hive) in cases {
        let text = format!("key {key} set");
        let found = run(text.as_bytes());
        assert_eq!(found.len(), 1, "{key}");
        assert_eq!(found[0].value, key);
        assert_eq!(found[0].kind, Some(hive), "{key}");
        assert_eq!((found[0].start, found[0].end), (4, 4 + key.len()));
        assert_eq!(found[0].category, Category::RegistryKey);
    }
}

#[test]
fn hive_group_kept_as_written() {
    let key = "(HKLM|HKCU)\\Software\\Microsoft\\Windows\\CurrentVersion\\\
               Explorer\\CLSID\\{59031A47-3F72-44A7-80C5-5595FE6B30EE}";
    let text = format!("* `++{key}++`");
    let found = run(text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].value, key);
    assert_eq!(found[0].kind, None);
    assert_eq!((found[0].start, found[0].end), (5, 5 + key.len()));
    check(&[
        (
            "\"(hkcu|HKLM|HKCR)\\\\Software\\\\Classes\"",
            &["(hkcu|HKLM|HKCR)\\Software\\Classes"],
        ),
        ("(HKCU|HKLM)/Software/x", &["(HKCU|HKLM)\\Software\\x"]),
    ]);
}

#[test]
fn hive_group_needs_two_hives_and_a_separator() {
    check(&[
        ("(HKLM)\\Software\\x", &[]),
        ("(HKLM|HKCU) keys", &[]),
        ("(HKLM|HKCU)\\", &[]),
        ("(HKLM|HKXX)\\Software", &[]),
        ("(HKLM|)\\Software", &[]),
        ("x(HKLM|HKCU)\\Software", &[]),
        ("%(HKLM|HKCU)\\Software", &[]),
        // The second hive of a group alone starts no key.
        ("HKLM|HKCU)\\Software", &[]),
    ]);
}

#[test]
fn provider_drive_and_slash_forms_normalise() {
    let run_key = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
    check(&[
        (
            "Get-Item HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
            &[run_key],
        ),
        ("Set-Location HKCU:/Software/Classes", &["HKCU\\Software\\Classes"]),
        (
            "Registry::HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies",
            &["HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies"],
        ),
        (
            "Microsoft.PowerShell.Core\\Registry::HKCU\\Software\\x",
            &["HKCU\\Software\\x"],
        ),
        (
            "HKLM/Software/Microsoft/Windows/CurrentVersion/Run",
            &[run_key],
        ),
    ]);
    let found = run(b"cd Registry::HKLM\\Software");
    assert_eq!((found[0].start, found[0].end), (3, 26));
    let found = run(b"cd HKLM:\\Software\\");
    assert_eq!((found[0].start, found[0].end), (3, 17));
}

#[test]
fn escaped_backslashes_normalise_to_single() {
    check(&[
        (
            r#"{"key": "HKLM\\Software\\Microsoft\\Windows\\Run"}"#,
            &["HKLM\\Software\\Microsoft\\Windows\\Run"],
        ),
        (r#""HKCU\\Software\\x\\\" more"#, &["HKCU\\Software\\x"]),
        (r#""HKCU\\Software\\x\n""#, &["HKCU\\Software\\x"]),
        (
            r#"path = "\\Registry\\Machine\\System\\CurrentControlSet""#,
            &["\\Registry\\Machine\\System\\CurrentControlSet"],
        ),
        (
            "HKCU\\Software\\Classes\\CLSID\\\\{49CBB1C7-97D1-485A}",
            &["HKCU\\Software\\Classes\\CLSID\\{49CBB1C7-97D1-485A}"],
        ),
    ]);
}

#[test]
fn trailing_separator_and_punctuation_removed() {
    check(&[
        ("HKLM\\SYSTEM\\Services\\x\\", &["HKLM\\SYSTEM\\Services\\x"]),
        ("see HKCU\\Software\\Foo.", &["HKCU\\Software\\Foo"]),
        ("(HKCU\\Software\\Foo)", &["HKCU\\Software\\Foo"]),
        ("[HKCU\\Software\\Foo]", &["HKCU\\Software\\Foo"]),
        (
            "HKCU\\Software\\Classes\\CLSID\\{E3517E26-8E93}\\",
            &["HKCU\\Software\\Classes\\CLSID\\{E3517E26-8E93}"],
        ),
        (
            "`++HKLM\\SOFTWARE\\Microsoft\\SQMClient\\Windows.WSqmCons++`",
            &["HKLM\\SOFTWARE\\Microsoft\\SQMClient\\Windows.WSqmCons"],
        ),
        (
            "HKCU\\Software\\Intel\\igfxtray\\;[NUMBER];[DWORD]",
            &["HKCU\\Software\\Intel\\igfxtray"],
        ),
        (
            "HKCU\\Software\\Microsoft\\Office test\\Special\\Perf|%TEMP%\\a.dll",
            &["HKCU\\Software\\Microsoft\\Office test\\Special\\Perf"],
        ),
        ("HKCR\\*\\shell\\open", &["HKCR\\*\\shell\\open"]),
        ("HKCU\\Software\\X\\/y", &["HKCU\\Software\\X"]),
        (
            "HKCR\\MIME\\Database\\Content Type\\text/html",
            &["HKCR\\MIME\\Database\\Content Type\\text/html"],
        ),
    ]);
}

#[test]
fn spaces_continue_only_to_a_separator() {
    check(&[
        (
            "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
            &["HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon"],
        ),
        (
            "HKLM\\SYSTEM\\CurrentControlSet\\services\\Coupons Browser \
             Update Service\\",
            &["HKLM\\SYSTEM\\CurrentControlSet\\services\\Coupons Browser \
               Update Service"],
        ),
        (
            "writes HKCU\\Software\\Foo and then exits",
            &["HKCU\\Software\\Foo"],
        ),
        (
            "HKCU\\Software\\Foo under Software\\Microsoft",
            &["HKCU\\Software\\Foo"],
        ),
        (
            "HKCU\\Software\\Foo HKLM\\Software\\Bar",
            &["HKCU\\Software\\Foo", "HKLM\\Software\\Bar"],
        ),
        (
            "reg add HKCU\\Software\\Run /v Updater /d C:\\x.exe",
            &["HKCU\\Software\\Run"],
        ),
        (
            "HKCU\\Software\\Run. Next Sentence\\x",
            &["HKCU\\Software\\Run"],
        ),
        (
            "HKCU\\Software\\Foo Bar\nBaz\\x",
            &["HKCU\\Software\\Foo Bar"],
        ),
        (
            "see HKCU\\Software\\Foo Bar\nBaz\\x",
            &["HKCU\\Software\\Foo"],
        ),
        (
            "HKCU\\Software\\Foo  Bar\\x",
            &["HKCU\\Software\\Foo"],
        ),
        // A stop word still stops before a closing bracket, because the
        // key must read the same once quoted.
        (
            "HKCU\\Software\\Foo and)\\Bar",
            &["HKCU\\Software\\Foo"],
        ),
        ("HKLM\\} a}\\", &[]),
    ]);
}

#[test]
fn last_name_keeps_closed_words() {
    let ifeo =
        "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File \
         Execution Options";
    check(&[
        (&format!("\"{ifeo}\""), &[ifeo]),
        (&format!("[{ifeo}]"), &[ifeo]),
        (&format!("abuse of {ifeo} for persistence"), &[ifeo]),
        (&format!("  {ifeo}\n"), &[ifeo]),
        (
            "the HKLM\\SOFTWARE\\Microsoft\\Windows NT key",
            &["HKLM\\SOFTWARE\\Microsoft\\Windows NT"],
        ),
        (
            "'HKCU\\Software\\my tool settings'",
            &["HKCU\\Software\\my tool settings"],
        ),
        ("HKCU\\Software\\My Tool\n", &["HKCU\\Software\\My Tool"]),
        ("text before HKCU\\Software\\My Tool\n", &["HKCU\\Software\\My"]),
        ("HKCU\\Software\\My tool\n", &["HKCU\\Software\\My"]),
        ("HKCU\\Software\\Run key was modified", &["HKCU\\Software\\Run"]),
    ]);
}

#[test]
fn look_alikes_give_nothing() {
    let cases = [
        "HKLM",
        "HKLM\\",
        "HKLM\\ Software",
        "HKLM:",
        "HKLM/",
        "HKLM//Software",
        "HKLM\\//a b",
        "HKLM\\\\\\Software",
        "xHKLM\\Software",
        "_HKLM\\Software",
        "C:\\HKLM\\Software",
        "%HKLM%\\Software",
        "HKLMX\\Software",
        "HKLM/HKCU",
        "HKLM\\HKCU",
        "Registry::Software\\x",
        "\\Registry\\Other\\x",
        "\\Registry\\Machine",
        "C:\\Registry\\Machine\\x",
        "a\\Registry\\Machine\\x",
        "\\\\Registry\\Machine\\x",
        "/Registry/Machine/x",
        "\u{e9}HKLM\\Software",
    ];
    for text in cases {
        assert_eq!(keys(text), Vec::<String>::new(), "{text}");
    }
}

#[test]
fn names_longer_than_registry_allows_give_nothing() {
    let long = "a".repeat(256);
    assert_eq!(keys(&format!("HKLM\\{long}")), Vec::<String>::new());
    let fits = "a".repeat(255);
    assert_eq!(keys(&format!("HKLM\\{fits}")), [format!("HKLM\\{fits}")]);
}

#[test]
fn token_limit_drops_longer_keys() {
    let limits = Limits { max_token_len: 20, ..Limits::default() };
    let mut out = Vec::new();
    find(b"HKLM\\Software\\x HKLM\\Software\\Microsoft\\x", &limits, &mut out);
    let values: Vec<_> = out.into_iter().map(|c| c.value).collect();
    assert_eq!(values, ["HKLM\\Software\\x"]);
}

#[test]
fn unicode_names_are_kept() {
    check(&[(
        "HKCU\\Software\\Привет\\ключ,",
        &["HKCU\\Software\\Привет\\ключ"],
    )]);
}

#[test]
fn hostile_runs_are_linear_and_empty() {
    for unit in ["HKLM\\", "HK", "\\", "HKLM/HKLM/", "\\Registry\\"] {
        let text = unit.repeat(100_000);
        assert!(run(text.as_bytes()).len() <= 1, "{unit}");
    }
    let long = format!("HKLM\\{}", "a b\\".repeat(200_000));
    assert!(run(long.as_bytes()).is_empty());
}

proptest! {
    #[test]
    fn arbitrary_bytes_give_valid_spans(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        crate::detect::testing::assert_valid_spans(find, &bytes);
    }

    #[test]
    fn quoted_value_scans_back_to_itself(
        text in "((HKLM|hkcu|HKEY_USERS|Registry::HKCR|HKLM:|\\\\Registry\\\\Machine)(\\\\|/|\\\\\\\\)[A-Za-z0-9 .{}()\\[\\]\\\\/*-]{1,30}|[a-z \"\\\\.]{1,5}){0,6}"
    ) {
        for candidate in run(text.as_bytes()) {
            prop_assert!(text.is_char_boundary(candidate.start));
            prop_assert!(text.is_char_boundary(candidate.end));
            let quoted = format!("\"{}\"", candidate.value);
            prop_assert_eq!(keys(&quoted), vec![candidate.value.clone()]);
        }
    }
}
