//! Turns the command line into the ordered list of inputs to scan.
//!
//! The order is fixed so that the output does not depend on the thread
//! count or on the order of directory listings: `--text` values as given,
//! then standard input, then every file path sorted.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One thing to scan; each gives one report.
#[derive(Debug)]
pub enum Input {
    /// A string given with `--text`.
    Text(String),
    /// Standard input, read as bytes.
    Stdin,
    /// A file given on the command line or reached by a directory walk.
    File(PathBuf),
    /// A path that cannot be scanned: a directory whose listing failed,
    /// or a FIFO, socket or device named on the command line. Its report
    /// carries the error.
    Failed(PathBuf, String),
}

impl Input {
    /// Returns the path that sorts this input among the other paths.
    fn path(&self) -> Option<&Path> {
        match self {
            Input::File(path) | Input::Failed(path, _) => Some(path),
            Input::Text(_) | Input::Stdin => None,
        }
    }
}

/// The inputs to scan and the paths that were not found.
#[derive(Debug, Default)]
pub struct Collected {
    /// Inputs in report order.
    pub inputs: Vec<Input>,
    /// Paths from the command line that do not exist.
    pub missing: Vec<PathBuf>,
    /// Whether a directory was given, which makes the output a list even
    /// when the directory contains one file.
    pub walked: bool,
}

/// Collects the inputs of one run.
///
/// A symbolic link named on the command line is followed. Links met while
/// walking a directory are skipped, and so are sockets, FIFOs and devices,
/// because reading them can block forever. `exclude` names the output
/// file, which must not be scanned while it is being written.
pub fn collect(
    texts: &[String],
    paths: &[PathBuf],
    exclude: Option<&Path>,
) -> Collected {
    let mut collected = Collected::default();
    collected.inputs.extend(texts.iter().cloned().map(Input::Text));
    if paths.iter().any(|p| p.as_os_str() == "-") {
        collected.inputs.push(Input::Stdin);
    }

    let mut found = Vec::new();
    for path in paths.iter().filter(|p| p.as_os_str() != "-") {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                collected.walked = true;
                walk(path, &mut found);
            }
            Err(error) if is_missing(&error) => {
                collected.missing.push(path.clone());
            }
            // Reading a FIFO, socket or device can block forever or never
            // end (`/dev/zero`), so only regular files are read.
            Ok(meta) if !meta.is_file() => found.push(Input::Failed(
                path.clone(),
                "not a regular file (a FIFO, socket or device); pipe its \
                 contents to `trawl -` instead"
                    .to_string(),
            )),
            // Anything else, including a path whose metadata cannot be
            // read, is read as a file so that its report records why it
            // failed.
            _ => found.push(Input::File(path.clone())),
        }
    }

    found.sort_by(|a, b| a.path().cmp(&b.path()));
    found.dedup_by(|a, b| a.path() == b.path());
    if let Some(output) = exclude {
        found.retain(|input| !is_same_file(input, output));
    }
    collected.inputs.extend(found);
    collected
}

/// Returns the first input path named on the command line that is the
/// same file as `output`, which writing the report would overwrite.
pub fn overwritten_input<'a>(
    paths: &'a [PathBuf],
    output: &Path,
) -> Option<&'a Path> {
    let output = fs::canonicalize(output).ok()?;
    paths
        .iter()
        .filter(|path| path.as_os_str() != "-")
        .find(|path| fs::canonicalize(path).is_ok_and(|p| p == output))
        .map(PathBuf::as_path)
}

/// Reports whether a metadata error means that the path does not exist.
fn is_missing(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// Appends the regular files under `root` to `found`, depth first.
///
/// An explicit stack instead of recursion keeps deep trees from
/// overflowing the thread's stack.
fn walk(root: &Path, found: &mut Vec<Input>) {
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) => {
                let message = format!("failed to list directory: {error}");
                found.push(Input::Failed(dir, message));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let message = format!("failed to list directory: {error}");
                    found.push(Input::Failed(dir.clone(), message));
                    break;
                }
            };
            // DirEntry::file_type does not follow symbolic links.
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => {
                    found.push(Input::File(entry.path()));
                }
                Ok(_) => {}
                Err(_) => found.push(Input::File(entry.path())),
            }
        }
    }
}

/// Reports whether `input` is the file at `output`.
fn is_same_file(input: &Input, output: &Path) -> bool {
    let Some(path) = input.path() else { return false };
    // Comparing names first keeps canonicalize off the common path.
    if path.file_name() != output.file_name() {
        return false;
    }
    match (fs::canonicalize(path), fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(collected: &Collected) -> Vec<PathBuf> {
        collected
            .inputs
            .iter()
            .filter_map(|input| input.path().map(Path::to_path_buf))
            .collect()
    }

    #[test]
    fn walk_sorts_and_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::write(root.join("b/c/z.txt"), "z").unwrap();
        fs::write(root.join("b/a.txt"), "a").unwrap();
        fs::write(root.join("a-b.txt"), "ab").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("b"), root.join("link")).unwrap();

        let collected = collect(&[], &[root.to_path_buf()], None);
        let expected = [
            root.join("a-b.txt"),
            root.join("b/a.txt"),
            root.join("b/c/z.txt"),
        ];
        assert_eq!(paths(&collected), expected);
        assert!(collected.missing.is_empty());
    }

    #[test]
    fn order_is_text_stdin_then_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        fs::write(&file, "x").unwrap();
        let texts = ["one".to_string(), "two".to_string()];
        let given = [file.clone(), PathBuf::from("-")];

        let collected = collect(&texts, &given, None);
        assert!(matches!(&collected.inputs[0], Input::Text(t) if t == "one"));
        assert!(matches!(&collected.inputs[1], Input::Text(t) if t == "two"));
        assert!(matches!(collected.inputs[2], Input::Stdin));
        assert!(matches!(&collected.inputs[3], Input::File(p) if *p == file));
        assert_eq!(collected.inputs.len(), 4);
    }

    #[test]
    fn missing_paths_are_not_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        fs::write(&file, "x").unwrap();
        let missing = dir.path().join("absent");
        let below_file = file.join("child");

        let given = [missing.clone(), below_file.clone(), file.clone()];
        let collected = collect(&[], &given, None);
        assert_eq!(collected.missing, [missing, below_file]);
        assert_eq!(paths(&collected), [file]);
    }

    #[test]
    fn duplicate_paths_give_one_input() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        fs::write(&file, "x").unwrap();

        let given = [file.clone(), dir.path().to_path_buf(), file.clone()];
        let collected = collect(&[], &given, None);
        assert_eq!(paths(&collected), [file]);
    }

    #[test]
    fn output_file_is_not_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("in.txt");
        let output = dir.path().join("out.json");
        fs::write(&kept, "x").unwrap();
        fs::write(&output, "").unwrap();

        let given = [dir.path().to_path_buf()];
        let collected = collect(&[], &given, Some(&output));
        assert_eq!(paths(&collected), [kept]);
    }
}
