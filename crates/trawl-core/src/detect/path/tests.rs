//! Behaviour of the file-path detector on whole inputs.

use super::*;
use proptest::prelude::*;

fn paths_in(text: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    find(text, &Limits::default(), &mut out);
    out
}

fn paths(text: &str) -> Vec<String> {
    paths_in(text.as_bytes())
        .into_iter()
        .filter(|c| c.category == Category::FilePath)
        .map(|c| String::from(c.value))
        .collect()
}

/// Returns the derived server hosts that the path detector finds in
/// `text`.
fn servers(text: &str) -> Vec<(Category, String)> {
    paths_in(text.as_bytes())
        .into_iter()
        .filter(|c| c.category != Category::FilePath)
        .inspect(|c| assert!(c.derived, "{c:?}"))
        .map(|c| (c.category, String::from(c.value)))
        .collect()
}

/// Checks each `(input, expected values)` row.
fn check(rows: &[(&str, &[&str])]) {
    for &(input, expected) in rows {
        assert_eq!(paths(input), expected, "input: {input:?}");
    }
}

#[test]
fn windows_drive_paths() {
    check(&[
        (
            "C:\\Windows\\System32\\cmd.exe",
            &["C:\\Windows\\System32\\cmd.exe"],
        ),
        ("D:/tools/x.exe", &["D:/tools/x.exe"]),
        ("C:\\Users\\Public/mixed\\x", &["C:\\Users\\Public/mixed\\x"]),
        ("C:\\Windows\\System32evil", &["C:\\Windows\\System32evil"]),
        ("C:\\Windows\\", &["C:\\Windows\\"]),
        ("C:\\", &[]),
        ("C: \\x", &[]),
        ("abcC:\\x", &[]),
        ("9C:\\x", &[]),
        ("ldap://host/x", &[]),
    ]);
}

#[test]
fn windows_spaces_need_continuation() {
    check(&[
        (
            "C:\\Program Files (x86)\\Vendor Suite\\bin\\x.exe",
            &["C:\\Program Files (x86)\\Vendor Suite\\bin\\x.exe"],
        ),
        ("C:\\Temp\\my file.txt", &["C:\\Temp\\my file.txt"]),
        ("C:\\Temp\\my file.txt\nnext", &["C:\\Temp\\my file.txt"]),
        (
            "C:\\Users\\Public\\Downloads\\invoice viewer.exe</Data>",
            &["C:\\Users\\Public\\Downloads\\invoice viewer.exe"],
        ),
        (
            "C:\\Program Files\\App\\a.exe is here",
            &["C:\\Program Files\\App\\a.exe"],
        ),
        (
            "C:\\Documents and Settings\\All Users\\x.dll",
            &["C:\\Documents and Settings\\All Users\\x.dll"],
        ),
        (
            "this is a path C:\\Users\\John Doe\\malicious payload.exe   sssss",
            &["C:\\Users\\John Doe\\malicious payload.exe"],
        ),
        ("C:\\Program Files\\Some App", &["C:\\Program Files\\Some App"]),
        (
            "C:\\Windows\\System32\\svchost restarted",
            &["C:\\Windows\\System32\\svchost"],
        ),
        ("C:\\Temp\\a b c d e\\x", &["C:\\Temp\\a"]),
        ("C:\\Temp\\a  b\\x", &["C:\\Temp\\a"]),
        ("C:\\Temp\\a -b\\x", &["C:\\Temp\\a"]),
        ("C:\\Temp\\a.exe and D:\\b.dll", &["C:\\Temp\\a.exe", "D:\\b.dll"]),
    ]);
}

#[test]
fn command_line_is_never_swallowed() {
    check(&[
        (
            "C:\\Windows\\System32\\cmd.exe /usr/bin/ls ~/x/yz",
            &["C:\\Windows\\System32\\cmd.exe", "/usr/bin/ls", "~/x/yz"],
        ),
        (
            "rundll32.exe C:\\Windows\\System32\\comsvcs.dll MiniDump 624",
            &["C:\\Windows\\System32\\comsvcs.dll"],
        ),
        ("C:\\x\\cmd.exe /c whoami", &["C:\\x\\cmd.exe"]),
    ]);
}

#[test]
fn quoted_paths_keep_spaces() {
    check(&[
        (
            "/tr \"C:\\Program Files (x86)\\Vendor Suite\\bin\\updater.exe \
             --silent\" ; copy \"D:\\Shared Docs\\Q1 report.xlsm\" \
             C:\\Users\\Public\\q1.xlsm",
            &[
                "C:\\Program Files (x86)\\Vendor Suite\\bin\\updater.exe",
                "D:\\Shared Docs\\Q1 report.xlsm",
                "C:\\Users\\Public\\q1.xlsm",
            ],
        ),
        ("'C:\\tools\\my stuff' x", &["C:\\tools\\my stuff"]),
        (
            "\"C:\\Program Files\\App\\config.json\" was",
            &["C:\\Program Files\\App\\config.json"],
        ),
        (
            "`/Library/Storage/File System/x`",
            &["/Library/Storage/File System/x"],
        ),
    ]);
}

#[test]
fn asciidoc_passthrough_keeps_spaces() {
    check(&[
        (
            "* `++%TEMP%\\Usermode COM Manager.dat++`",
            &["%TEMP%\\Usermode COM Manager.dat"],
        ),
        ("++C:\\a\\my tool++ x", &["C:\\a\\my tool"]),
        ("++C:\\a\\b c.exe++ d++", &["C:\\a\\b c.exe"]),
        ("C:\\a\\b c.exe++ x", &["C:\\a\\b"]),
        ("++C:\\a\\b c.exe x++", &["C:\\a\\b c.exe"]),
    ]);
}

#[test]
fn trailing_punctuation_is_trimmed() {
    check(&[
        ("C:\\Temp\\a.exe, D:\\b.dll", &["C:\\Temp\\a.exe", "D:\\b.dll"]),
        ("see C:\\Temp\\a.exe.", &["C:\\Temp\\a.exe"]),
        ("(see C:\\Temp\\a.exe)", &["C:\\Temp\\a.exe"]),
        (
            "(C:\\Program Files (x86)\\x.exe)",
            &["C:\\Program Files (x86)\\x.exe"],
        ),
        ("read /etc/passwd.", &["/etc/passwd"]),
        ("C:\\Temp\\a.exe!", &["C:\\Temp\\a.exe"]),
        ("“C:\\Temp\\a.exe”", &["C:\\Temp\\a.exe"]),
        ("* `++C:\\Intel\\x.dll++`", &["C:\\Intel\\x.dll"]),
        ("C:\\Users\\[username]\\x.dll", &["C:\\Users\\[username]\\x.dll"]),
        ("(C:\\a\\b(1).txt)", &["C:\\a\\b(1).txt"]),
        ("C:\\a\\b)\\c)", &["C:\\a\\b)\\c"]),
        ("(%ProgramFiles(x86)%\\x)", &["%ProgramFiles(x86)%\\x"]),
        ("${HOME}/x}", &["${HOME}/x"]),
        ("%A(B%\\x", &[]),
    ]);
}

#[test]
fn glued_junk_rejects_whole_path() {
    check(&[
        ("C:\\Windows\\System32\\*.dll", &[]),
        ("/var/log/*.log", &[]),
        ("C:\\Users\\Public\\{winx86,libeay32}.dll", &[]),
        ("C:\\x\\a?b", &[]),
        ("/home/$USER/x", &[]),
        ("/usr/local\\sbin", &[]),
        ("C:\\x\\y\u{e9}", &["C:\\x\\y\u{e9}"]),
    ]);
    assert!(paths_in(b"C:\\x\\y\xe9z").is_empty());
    assert!(paths_in(b"/usr/lib/x\xff").is_empty());
}

#[test]
fn unicode_segments_are_kept_whole() {
    check(&[
        ("C:\\Users\\Jürgen\\a.txt", &["C:\\Users\\Jürgen\\a.txt"]),
        ("/home/ĳ/файл", &["/home/ĳ/файл"]),
        (
            "C:\\Users\\John\\Новая папк\\x.pdb",
            &["C:\\Users\\John\\Новая папк\\x.pdb"],
        ),
    ]);
}

#[test]
fn placeholder_segments_are_kept() {
    check(&[
        (
            "C:\\Users\\<USER>\\AppData\\x.dat",
            &["C:\\Users\\<USER>\\AppData\\x.dat"],
        ),
        ("/proc/<pid>/fd", &["/proc/<pid>/fd"]),
        (
            "<a>C:\\Windows\\explorer.exe</Data>",
            &["C:\\Windows\\explorer.exe"],
        ),
        ("C:\\Users\\<USER SID>", &["C:\\Users\\"]),
    ]);
}

#[test]
fn unc_and_device_paths() {
    check(&[
        (
            "\\\\server01\\share\\folder\\file.log",
            &["\\\\server01\\share\\folder\\file.log"],
        ),
        ("\\\\10.0.0.5\\data$\\dump.bin", &["\\\\10.0.0.5\\data$\\dump.bin"]),
        (
            "\\\\FILE-SERVER\\Finance Share\\Q1 Reports\\payload.exe",
            &["\\\\FILE-SERVER\\Finance Share\\Q1 Reports\\payload.exe"],
        ),
        (
            "\\\\host@SSL@443\\DavWWWRoot\\x.exe",
            &["\\\\host@SSL@443\\DavWWWRoot\\x.exe"],
        ),
        ("\\\\?\\C:\\Windows\\x", &["\\\\?\\C:\\Windows\\x"]),
        ("\\\\?\\UNC\\srv\\share\\x", &["\\\\?\\UNC\\srv\\share\\x"]),
        ("\\\\.\\pipe\\x", &["\\\\.\\pipe\\x"]),
        ("\\\\.\\PhysicalDrive0 ", &["\\\\.\\PhysicalDrive0"]),
        ("\\\\.\\C: x", &["\\\\.\\C:"]),
        ("\\\\server", &[]),
        ("\\\\server\\", &[]),
        ("x\\\\server\\share", &[]),
    ]);
}

#[test]
fn unc_servers_are_derived_hosts() {
    let ip = |v: &str| (Category::Ip, v.to_string());
    let domain = |v: &str| (Category::Domain, v.to_string());
    let rows: &[(&str, Vec<(Category, String)>)] = &[
        ("\\\\95.164.3.171@80\\share\\cisa.msi", vec![ip("95.164.3.171")]),
        ("net use \\\\files.evil.net\\share", vec![domain("files.evil.net")]),
        ("\\\\Evil.COM@SSL\\DavWWWRoot\\x.dll", vec![domain("evil.com")]),
        (
            r#"{"p": "\\\\c2.example.org\\s\\a.exe"}"#,
            vec![domain("c2.example.org")],
        ),
        ("\\\\server01\\share\\file.log", vec![]),
        ("\\\\999.1.1.1\\share\\x", vec![]),
        ("\\\\?\\UNC\\10.1.2.3\\share\\x", vec![ip("10.1.2.3")]),
        ("\\\\.\\pipe\\evil.example.com", vec![]),
    ];
    for (text, expected) in rows {
        assert_eq!(&servers(text), expected, "input: {text:?}");
    }
    let found = paths_in(b"\\\\10.0.0.5\\data\\x.bin");
    let host = found.iter().find(|c| c.category == Category::Ip).unwrap();
    assert_eq!((host.start, host.end), (2, 10));
    assert_eq!(host.kind, Some("ipv4"));
}

#[test]
fn malformed_prefixes_give_nothing() {
    check(&[
        ("\\\\\\server\\share\\badprefix\\file.txt", &[]),
        ("\\\\?\\UNC\\\\server\\share\\folder\\file.txt", &[]),
        ("\\\\?\\\\server\\share", &[]),
        ("\\\\-bad\\share\\x", &[]),
        ("\\\\srv\\\\share\\x", &[]),
        ("//example.com/path/file.txt", &[]),
        ("\\\\\\\\\\server\\share\\x", &[]),
    ]);
}

#[test]
fn environment_variable_paths() {
    check(&[
        ("%APPDATA%\\Microsoft", &["%APPDATA%\\Microsoft"]),
        ("%TEMP%/x.ps1", &["%TEMP%/x.ps1"]),
        (
            "%ProgramFiles(x86)%\\App\\a.exe",
            &["%ProgramFiles(x86)%\\App\\a.exe"],
        ),
        ("$HOME/.config", &["$HOME/.config"]),
        ("${HOME}/.ssh/id_rsa", &["${HOME}/.ssh/id_rsa"]),
        ("$env:APPDATA\\x.exe", &["$env:APPDATA\\x.exe"]),
        (
            "$HOME/Library/Application Support",
            &["$HOME/Library/Application Support"],
        ),
        ("%APPDATA%", &[]),
        ("%2F%\\x", &[]),
        ("$1/x", &[]),
        ("a$HOME/x", &[]),
    ]);
}

#[test]
fn unix_absolute_paths() {
    check(&[
        ("/etc/passwd", &["/etc/passwd"]),
        ("/usr/bin/python3.11", &["/usr/bin/python3.11"]),
        ("/bin", &[]),
        ("/usr/bin/", &["/usr/bin/"]),
        ("/tmp/", &[]),
        ("xxx/usr/local/binxxx", &[]),
        ("http://example.com/path/file.txt", &[]),
        ("12/Mar/2024:10:15:32", &[]),
        ("Mozilla/5.0 and/or TCP/IP", &[]),
        ("PATH=/usr/bin:/bin:/usr/local/bin", &["/usr/bin"]),
        ("2>/dev/null", &["/dev/null"]),
        ("--config=/etc/app.conf", &["/etc/app.conf"]),
        ("http://[::1]/a/b", &[]),
        ("X5eWJ+/tRzCA5g/RGcHj", &[]),
        ("/var/log/my file.log", &["/var/log/my file.log"]),
        ("tail /var/log/my file.log", &["/var/log/my"]),
        // An HTTP request target is a path in a server's URL space.
        ("GET /api/gateway HTTP/1.1", &[]),
        ("/usr/bin/python3 Exploit.py", &["/usr/bin/python3"]),
        ("/usr/sbin/cron started", &["/usr/sbin/cron"]),
    ]);
}

#[test]
fn paths_without_a_name_are_rejected() {
    check(&[
        ("/+/+", &[]),
        ("x /-/_ y", &[]),
        ("/../..", &[]),
        ("A:\\-", &[]),
        ("$x/+", &[]),
        ("/+/ab", &["/+/ab"]),
        ("/_/é", &["/_/é"]),
        ("../../1", &["../../1"]),
        ("%TEMP%\\a", &["%TEMP%\\a"]),
        ("\\\\.\\C:", &["\\\\.\\C:"]),
    ]);
}

#[test]
fn home_and_relative_paths() {
    check(&[
        ("~/projects/code/main.py", &["~/projects/code/main.py"]),
        ("~user/docs/readme.md", &["~user/docs/readme.md"]),
        ("~/", &[]),
        (".\\temp\\run.cmd", &[".\\temp\\run.cmd"]),
        ("../logs/error.log", &["../logs/error.log"]),
        ("..\\..\\x.dll", &["..\\..\\x.dll"]),
        ("prefix ../scripts/build suffix", &["../scripts/build"]),
        ("bin/run.sh temp/payload.exe", &[]),
        ("lic\\broken.txt", &[]),
        ("end.\\nThe next", &[]),
        ("(see examples).\\n\\nThe Registry", &[]),
        (".\\nssm.exe", &[".\\nssm.exe"]),
    ]);
}

#[test]
fn registry_keys_are_not_paths() {
    check(&[
        ("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run", &[]),
        ("HKEY_LOCAL_MACHINE\\Software\\Microsoft", &[]),
        ("key HKEY_USERS\\<USER SID>\\Software\\Classes\\x", &[]),
        ("\\Software\\Microsoft\\Windows", &[]),
        (
            "reg add \"HKCU\\Software\\Run\" /v Updater /t REG_SZ /d \
             \"%LOCALAPPDATA%\\Updater\\upd.exe\" /f",
            &["%LOCALAPPDATA%\\Updater\\upd.exe"],
        ),
    ]);
}

/// JSON and C strings double every backslash. The reported value is the
/// path the string denotes, and a lone backslash (`\"`, `\n`) ends it.
#[test]
fn escaped_paths_are_unescaped() {
    check(&[
        (
            r#"{"image": "C:\\Windows\\System32\\cmd.exe"}"#,
            &["C:\\Windows\\System32\\cmd.exe"],
        ),
        (
            r#""C:\\Program Files\\Some App\\a.exe --x""#,
            &["C:\\Program Files\\Some App\\a.exe"],
        ),
        (r#""%TEMP%\\x.ps1\n""#, &["%TEMP%\\x.ps1"]),
        (r#""\\\\srv\\share\\x.exe""#, &["\\\\srv\\share\\x.exe"]),
        (r#""\\\\?\\C:\\x""#, &["\\\\?\\C:\\x"]),
        (r#""cmd": "/bin/sh -c \"/tmp/x.sh\"""#, &["/bin/sh", "/tmp/x.sh"]),
    ]);
}

#[test]
fn escaped_span_covers_raw_text() {
    let text = br#"x "C:\\a\\b.exe" y"#;
    let found = paths_in(text);
    assert_eq!(found.len(), 1);
    assert_eq!(
        text.get(found[0].start..found[0].end),
        Some(&br"C:\\a\\b.exe"[..])
    );
}

#[test]
fn fixture_lines_from_binary_strings() {
    // Each string of a binary is scanned on its own, as the scanner does.
    let rows: &[(&str, &[&str])] = &[
        ("C:\\Users\\Pub", &["C:\\Users\\Pub"]),
        ("lic\\broken.txt", &[]),
        ("/usr/loc", &["/usr/loc"]),
        ("/usr", &[]),
        ("al/bin/bad.sh", &[]),
        ("network.connection.error", &[]),
        (
            "C:\\a\\b\\c\\d\\e\\f\\g\\h\\file.txt",
            &["C:\\a\\b\\c\\d\\e\\f\\g\\h\\file.txt"],
        ),
    ];
    check(rows);
}

#[test]
fn kinds_name_the_root() {
    let rows: &[(&str, &str)] = &[
        ("C:\\x", "windows"),
        ("\\\\srv\\share", "unc"),
        ("\\\\.\\pipe\\x", "device"),
        ("%TEMP%\\x", "env"),
        ("/etc/passwd", "unix"),
        ("~/x.sh", "home"),
        ("./x.sh", "relative"),
    ];
    for &(input, kind) in rows {
        let found = paths_in(input.as_bytes());
        assert_eq!(found.len(), 1, "{input}");
        assert_eq!(found[0].kind, Some(kind), "{input}");
        assert_eq!(found[0].category, Category::FilePath, "{input}");
    }
}

#[test]
fn one_byte_segments_are_not_paths() {
    // Escape sequences in format strings, prompts and roff, too.
    let escapes = [
        "~/H",
        "./u",
        "/k/u",
        "../a/b/",
        "/k/u/",
        "print \".\\n\";",
        "prompt '\\h:\\w\\$ '",
        ".ds D- D\\\\k:\\h'-\\w'D'u'",
        "printf \"%s:\\n\", name",
        "printf \"%s:\\names\"",
    ];
    for text in escapes {
        assert!(paths(text).is_empty(), "{text}: {:?}", paths(text));
    }
    let rows: &[(&str, &[&str])] = &[
        ("/k/ab", &["/k/ab"]),
        ("~/.x", &["~/.x"]),
        ("C:\\a", &["C:\\a"]),
        ("c:\\temp\\a.exe", &["c:\\temp\\a.exe"]),
        (".\\payload.exe", &[".\\payload.exe"]),
        ("%TEMP%\\a", &["%TEMP%\\a"]),
        ("$HOME/a", &["$HOME/a"]),
    ];
    check(rows);
}

#[test]
fn json_pointers_are_not_paths() {
    let text = r##"{"$ref": "#/definitions/Tag", "p": "/etc/hosts"}"##;
    assert_eq!(paths(text), ["/etc/hosts"]);
}

#[test]
fn pem_lines_are_not_paths() {
    let pem = "-----BEGIN CERTIFICATE-----\n\
        MIIEojCCA4qgAwIBAgIUVk8uE4ra2ccCyJEZ+HZqXBJyw84wDQYJKoZIhvcNAQEL\n\
        /3ATAOux9TN6S9ZV+AWNS2mw9bMoNlwUxFFzTWsL8TQH2xc519woe2v1n/MuwU8X\r\n\
        /ZOkVIBMUtRSqy5J35DNuF++P96hyk0g1CXohClTt7GIH//62pCfCqktQT+x8Rgp\n\
        -----END CERTIFICATE-----\n";
    assert!(paths(pem).is_empty(), "{:?}", paths(pem));
    // Another width, or a dot, makes a line no base64 line.
    let wider = format!("/usr/lib/{}/x86abcde", "A".repeat(47));
    let dotted = format!("/opt/{}/a.exe", "A".repeat(53));
    assert_eq!((wider.len(), dotted.len()), (65, 64));
    let rows: &[(&str, &[&str])] =
        &[(&wider, &[wider.as_str()]), (&dotted, &[dotted.as_str()])];
    check(rows);
}

#[test]
fn apache_log_dates_are_not_paths() {
    let line = "203.0.113.77 - - [12/Mar/2024:10:15:32 +0000] \"GET \
                /wp-content/plugins/x/shell.php?cmd=id HTTP/1.1\" 200 512";
    let found = paths(line);
    assert!(!found.iter().any(|p| p.contains("Mar")), "{found:?}");
    // The request target is the web server's URL space, not a file path.
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn sysmon_event_paths() {
    let xml = "<Data Name='Image'>C:\\Users\\Public\\Downloads\\invoice \
               viewer.exe</Data><Data Name='CommandLine'>\"C:\\Users\\Public\
               \\Downloads\\invoice viewer.exe\" -u http://203.0.113.44:8080\
               /cfg</Data><Data Name='ParentImage'>C:\\Windows\\explorer.exe\
               </Data>";
    let expected = "C:\\Users\\Public\\Downloads\\invoice viewer.exe";
    assert_eq!(paths(xml), [expected, expected, "C:\\Windows\\explorer.exe"]);
}

#[test]
fn defanged_text_is_not_a_path() {
    check(&[
        ("hxxps://c2\\.botnet\\.example\\.net/beacon ; https://evil\\.example\\.com/malware?id=1", &[]),
        ("ns1[.]163cdn[.]example[.]com ns2[.]163cdn[.]example[.]com", &[]),
    ]);
}

#[test]
fn overlong_path_is_dropped_whole() {
    let limits = Limits { max_token_len: 64, ..Limits::default() };
    let long = format!("C:\\{} /etc/passwd", "a\\".repeat(40));
    let mut out = Vec::new();
    find(long.as_bytes(), &limits, &mut out);
    let values: Vec<_> = out.into_iter().map(|c| c.value).collect();
    assert_eq!(values, ["/etc/passwd"]);
}

#[test]
fn long_valid_path_is_kept() {
    let path = format!("C:\\very{}\\file.txt", "\\nested".repeat(50));
    assert_eq!(paths(&path), vec![path]);
}

/// Hostile runs of path characters give a bounded result. Their scan
/// time is measured by the `hostile` group of the `scan` benchmark,
/// which holds the same shapes.
#[test]
fn hostile_runs_give_bounded_paths() {
    let mib = 1 << 20;
    let inputs: Vec<Vec<u8>> = vec![
        b"\\".repeat(mib),
        b"/".repeat(mib),
        b"/a".repeat(mib / 2),
        b"a/".repeat(mib / 2),
        b"C:\\a".repeat(mib / 4),
        b"C:\\a b".repeat(mib / 6),
        b"%A%\\".repeat(mib / 4),
        b"\\\\a".repeat(mib / 3),
        b"~/a ".repeat(mib / 4),
        b".\\".repeat(mib / 2),
        format!("/{}", "a/".repeat(100_000)).into_bytes(),
        format!("C:\\{} x", "Word ".repeat(mib / 5)).into_bytes(),
    ];
    for input in inputs {
        let found = paths_in(&input);
        assert!(found.len() <= input.len());
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_give_sound_spans(
        bytes in proptest::collection::vec(any::<u8>(), 0..512)
    ) {
        for candidate in paths_in(&bytes) {
            prop_assert!(candidate.start < candidate.end);
            prop_assert!(candidate.end <= bytes.len());
            let first = bytes[candidate.start];
            prop_assert!(!(0x80..0xc0).contains(&first));
            prop_assert!(std::str::from_utf8(
                &bytes[candidate.start..candidate.end]
            ).is_ok());
        }
    }

    #[test]
    fn path_like_bytes_give_sound_spans(
        bytes in proptest::collection::vec(
            proptest::sample::select(
                b"\\/:.~$%{}()<>\"' \nC aZ9-_?*\xc3\xa9".to_vec()
            ),
            0..256,
        )
    ) {
        for candidate in paths_in(&bytes) {
            prop_assert!(candidate.end <= bytes.len());
            prop_assert!(candidate.start < candidate.end);
            prop_assert!(std::str::from_utf8(
                &bytes[candidate.start..candidate.end]
            ).is_ok());
        }
    }
}
