//! Guards the promise that trawl is static: no crate's non-test source
//! opens a network socket, spawns a process or writes to an input. The
//! check reads the sources, so a new use fails here before review.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Uses that have no place in trawl's library or command-line code.
/// (`std::net` itself is fine: the IP detectors parse addresses with it.)
const FORBIDDEN: &[&str] = &[
    "TcpStream",
    "TcpListener",
    "UdpSocket",
    "ToSocketAddrs",
    "to_socket_addrs",
    "std::process::Command",
    "process::Command",
    "Command::new",
    "std::os::unix::net",
    "OpenOptions",
    "File::create",
    "fs::write",
    "remove_file",
    "remove_dir",
    "fs::rename",
    "create_dir",
    "set_len",
    "set_permissions",
    "set_modified",
];

/// The one place that may create a file: the command line's `-o`
/// output, which is refused when it names an input.
const ALLOWED: &[(&str, &str)] = &[("trawl-cli/src/main.rs", "File::create")];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Returns the part of a source file before its unit tests.
fn library_part(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

#[test]
fn no_network_process_or_input_writes() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for name in ["trawl-core", "trawl-formats", "trawl-cli"] {
        sources(&crates.join(name).join("src"), &mut files);
    }
    assert!(files.len() > 10, "only {} source files found", files.len());
    let mut found = Vec::new();
    for file in &files {
        if file.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in library_part(&text).lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN {
                let allowed = ALLOWED.iter().any(|(suffix, allowed)| {
                    file.ends_with(suffix) && allowed == word
                });
                if code.contains(word) && !allowed {
                    found.push(format!(
                        "{}:{}: {word}",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(found.is_empty(), "forbidden uses:\n{}", found.join("\n"));
}
