//! Loads the custom rules of a run: the rules file of the configuration
//! folder, when present, then each `--rules` file in order.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

use trawl_core::rules::MAX_RULES_FILE_LEN;
use trawl_core::RuleSet;

/// Path of the rules file inside the configuration folder.
const CONFIG_RULES: &str = "trawl/rules.toml";

/// Returns the rules of the configuration folder's rules file, unless
/// `no_config`, followed by those of `files`. The error is a message for
/// standard error.
pub fn load(files: &[PathBuf], no_config: bool) -> Result<RuleSet, String> {
    let mut rules = RuleSet::default();
    let config = match no_config {
        true => None,
        false => config_file(
            std::env::var_os("XDG_CONFIG_HOME"),
            std::env::var_os("HOME"),
        ),
    };
    if let Some(path) = config.filter(|path| path.exists()) {
        rules = read(&path)?;
    }
    for path in files {
        let more = read(path)?;
        rules.append(more).map_err(|error| error.to_string())?;
    }
    Ok(rules)
}

/// Returns where the configuration folder's rules file would be:
/// `$XDG_CONFIG_HOME/trawl/rules.toml`, or `$HOME/.config/trawl/rules.toml`
/// when `XDG_CONFIG_HOME` is unset, empty or relative, as the XDG Base
/// Directory Specification requires.
fn config_file(
    xdg_config_home: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let absolute = |value: Option<OsString>| {
        value.map(PathBuf::from).filter(|path| path.is_absolute())
    };
    let folder = match absolute(xdg_config_home) {
        Some(folder) => folder,
        None => absolute(home)?.join(".config"),
    };
    Some(folder.join(CONFIG_RULES))
}

/// Reads and parses one rules file.
fn read(path: &Path) -> Result<RuleSet, String> {
    let name = path.display();
    let failed = |error: std::io::Error| {
        format!("failed to read rules file '{name}': {error}")
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_RULES_FILE_LEN).unwrap_or(u64::MAX);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() > MAX_RULES_FILE_LEN {
        return Err(format!(
            "rules file '{name}' is larger than {} KiB; split it into \
             several files",
            MAX_RULES_FILE_LEN >> 10
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        format!("rules file '{name}' is not valid UTF-8; save it as UTF-8")
    })?;
    RuleSet::parse(&text, &name.to_string()).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Option<OsString> {
        Some(OsString::from(text))
    }

    #[test]
    fn config_prefers_xdg_config_home() {
        let file = config_file(path("/x/config"), path("/home/u"));
        assert_eq!(file, Some(PathBuf::from("/x/config/trawl/rules.toml")));
    }

    #[test]
    fn config_falls_back_to_home() {
        let expected = Some(PathBuf::from("/home/u/.config/trawl/rules.toml"));
        assert_eq!(config_file(None, path("/home/u")), expected);
        assert_eq!(config_file(path(""), path("/home/u")), expected);
        assert_eq!(config_file(path("rel"), path("/home/u")), expected);
    }

    #[test]
    fn config_absent_without_home() {
        assert_eq!(config_file(None, None), None);
        assert_eq!(config_file(None, path("relative")), None);
    }

    #[test]
    fn unreadable_file_named_in_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone.toml");
        let error = load(&[missing], true).unwrap_err();
        assert!(error.starts_with("failed to read rules file '"), "{error}");
        assert!(error.contains("gone.toml"), "{error}");
    }

    #[test]
    fn oversized_and_non_utf8_files_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; MAX_RULES_FILE_LEN + 1]).unwrap();
        let error = load(&[big], true).unwrap_err();
        assert!(error.contains("larger than 1024 KiB"), "{error}");
        let binary = dir.path().join("bin.toml");
        std::fs::write(&binary, b"# \xff\n").unwrap();
        let error = load(&[binary], true).unwrap_err();
        assert!(error.contains("not valid UTF-8"), "{error}");
    }
}
