//! Turns the command line into the ordered list of inputs to scan.
//!
//! The order is fixed so that the output does not depend on the thread
//! count or on the order of directory listings: `--text` values as given,
//! then standard input, then every file path sorted.
//!
//! Directory walks apply no ignore rules: `.gitignore` files and hidden
//! files and folders are scanned like any other, because evidence often
//! hides there.

use std::collections::HashSet;
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

/// Settings for collecting the inputs of one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// The output file, which must not be scanned while it is being
    /// written.
    pub exclude: Option<&'a Path>,
    /// Whether directory walks follow symbolic links.
    pub follow_symlinks: bool,
    /// The share of the inputs this run keeps; `None` keeps them all.
    pub shard: Option<Shard>,
}

/// Share `index` of `count` of the inputs, chosen by a stable hash of
/// each path, so that `count` runs with the indices `0..count` split the
/// inputs between them with no overlap and nothing left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// The share this run keeps, below `count`.
    pub index: u64,
    /// The number of shares the inputs are split into, at least 1.
    pub count: u64,
}

impl Shard {
    /// Reports whether this share contains `path`: whether the FNV-1a
    /// 64-bit hash of the path's bytes (as given or as reached by the
    /// walk, not canonicalised) modulo `count` equals `index`.
    ///
    /// On Windows the bytes are the path's WTF-8 encoding, so shares can
    /// differ between platforms, but never between runs or machines of
    /// one platform.
    pub fn contains(&self, path: &Path) -> bool {
        fnv1a_64(path.as_os_str().as_encoded_bytes()) % self.count.max(1)
            == self.index
    }
}

/// Returns the 64-bit FNV-1a hash of `bytes`.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

/// Collects the inputs of one run.
///
/// A symbolic link named on the command line is followed. Links met while
/// walking a directory are skipped unless `options.follow_symlinks` is
/// set. Sockets, FIFOs and devices met while walking are skipped, because
/// reading them can block forever.
///
/// With a shard, only the paths in it are kept, missing ones included.
/// `--text` values and standard input have no path, so only share 0
/// keeps them.
pub fn collect(
    texts: &[String],
    paths: &[PathBuf],
    options: Options<'_>,
) -> Collected {
    let mut collected = Collected::default();
    let first_share = options.shard.is_none_or(|shard| shard.index == 0);
    if first_share {
        collected.inputs.extend(texts.iter().cloned().map(Input::Text));
        if paths.iter().any(|p| p.as_os_str() == "-") {
            collected.inputs.push(Input::Stdin);
        }
    }

    let mut found = Vec::new();
    for path in paths.iter().filter(|p| p.as_os_str() != "-") {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                collected.walked = true;
                walk(path, options.follow_symlinks, &mut found);
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
    if let Some(output) = options.exclude {
        found.retain(|input| !is_same_file(input, output));
    }
    if let Some(shard) = options.shard {
        found.retain(|input| input.path().is_some_and(|p| shard.contains(p)));
        collected.missing.retain(|path| shard.contains(path));
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

/// Appends the regular files under `root` to `found`.
///
/// An explicit stack instead of recursion keeps deep trees from
/// overflowing the thread's stack. Each folder's subfolders are visited
/// in sorted order, so when links are followed the folder that two paths
/// reach is listed once, under the path that sorts first, whatever order
/// the file system lists entries in. That check also stops link loops.
fn walk(root: &Path, follow_symlinks: bool, found: &mut Vec<Input>) {
    let mut visited = HashSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if follow_symlinks {
            match fs::metadata(&dir) {
                Ok(meta) if !visited.insert(identity(&dir, &meta)) => {
                    continue;
                }
                Ok(_) => {}
                Err(error) => {
                    let message = format!("failed to list directory: {error}");
                    found.push(Input::Failed(dir, message));
                    continue;
                }
            }
        }
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) => {
                let message = format!("failed to list directory: {error}");
                found.push(Input::Failed(dir, message));
                continue;
            }
        };
        let mut subdirs = Vec::new();
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
                Ok(kind) if kind.is_dir() => subdirs.push(entry.path()),
                Ok(kind) if kind.is_file() => {
                    found.push(Input::File(entry.path()));
                }
                Ok(kind) if kind.is_symlink() && follow_symlinks => {
                    follow_link(entry.path(), &mut subdirs, found);
                }
                Ok(_) => {}
                Err(_) => found.push(Input::File(entry.path())),
            }
        }
        subdirs.sort();
        pending.extend(subdirs.into_iter().rev());
    }
}

/// Sorts the target of a symbolic link met while walking: a folder goes
/// to `subdirs`, a regular file to `found`. A link to nothing, or to a
/// FIFO, socket or device, is skipped like one that is not followed.
fn follow_link(
    path: PathBuf,
    subdirs: &mut Vec<PathBuf>,
    found: &mut Vec<Input>,
) {
    match fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => subdirs.push(path),
        Ok(meta) if meta.is_file() => found.push(Input::File(path)),
        Ok(_) => {}
        Err(error) if is_missing(&error) => {}
        // A target that exists but cannot be examined is read as a file,
        // so its report records why it failed.
        Err(_) => found.push(Input::File(path)),
    }
}

/// The identity of a folder, the same for every path that reaches it.
#[cfg(unix)]
type FolderId = (u64, u64);
#[cfg(not(unix))]
type FolderId = PathBuf;

/// Returns the identity of the folder at `path`: its device and inode.
#[cfg(unix)]
fn identity(_path: &Path, meta: &fs::Metadata) -> FolderId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// Returns the identity of the folder at `path`: its canonical path.
#[cfg(not(unix))]
fn identity(path: &Path, _meta: &fs::Metadata) -> FolderId {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
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

        let collected =
            collect(&[], &[root.to_path_buf()], Options::default());
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

        let collected = collect(&texts, &given, Options::default());
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
        let collected = collect(&[], &given, Options::default());
        assert_eq!(collected.missing, [missing, below_file]);
        assert_eq!(paths(&collected), [file]);
    }

    #[test]
    fn duplicate_paths_give_one_input() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.txt");
        fs::write(&file, "x").unwrap();

        let given = [file.clone(), dir.path().to_path_buf(), file.clone()];
        let collected = collect(&[], &given, Options::default());
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
        let collected = collect(
            &[],
            &given,
            Options { exclude: Some(&output), ..Options::default() },
        );
        assert_eq!(paths(&collected), [kept]);
    }
    #[test]
    fn fnv1a_matches_published_vectors() {
        let cases: [(&[u8], u64); 3] = [
            (b"", 0xcbf2_9ce4_8422_2325),
            (b"a", 0xaf63_dc4c_8601_ec8c),
            (b"foobar", 0x8594_4171_f739_67e8),
        ];
        for (input, expected) in cases {
            assert_eq!(fnv1a_64(input), expected, "{input:?}");
        }
    }

    /// Writes 40 files in nested folders under `root`.
    fn write_tree(root: &Path) {
        for n in 0..40 {
            let dir =
                root.join(format!("d{}", n % 4)).join(format!("e{}", n % 3));
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(format!("f{n}.txt")), "x").unwrap();
        }
    }

    #[test]
    fn shards_partition_the_inputs() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path());
        let given = [dir.path().to_path_buf(), dir.path().join("absent")];
        let whole = collect(&[], &given, Options::default());
        let mut union = Vec::new();
        let mut missing = Vec::new();
        for index in 0..3 {
            let shard = Some(Shard { index, count: 3 });
            let part =
                collect(&[], &given, Options { shard, ..Options::default() });
            let part_paths = paths(&part);
            // Forty paths over three shares: an empty share would mean
            // the hash ignores the path.
            assert!(!part_paths.is_empty(), "share {index} is empty");
            union.extend(part_paths);
            missing.extend(part.missing);
        }
        union.sort();
        let before = union.len();
        union.dedup();
        assert_eq!(union.len(), before, "shares overlap");
        assert_eq!(union, paths(&whole));
        assert_eq!(missing, whole.missing);
    }

    #[test]
    fn texts_and_stdin_go_to_share_zero() {
        let texts = ["t".to_string()];
        let given = [PathBuf::from("-")];
        for index in 0..2 {
            let shard = Some(Shard { index, count: 2 });
            let collected = collect(
                &texts,
                &given,
                Options { shard, ..Options::default() },
            );
            let expected = if index == 0 { 2 } else { 0 };
            assert_eq!(collected.inputs.len(), expected, "share {index}");
        }
    }

    #[test]
    fn hidden_and_ignored_files_are_walked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".gitignore"), "*\n").unwrap();
        fs::write(root.join(".git/config"), "x").unwrap();
        fs::write(root.join(".hidden"), "x").unwrap();

        let collected =
            collect(&[], &[root.to_path_buf()], Options::default());
        let expected = [
            root.join(".git/config"),
            root.join(".gitignore"),
            root.join(".hidden"),
        ];
        assert_eq!(paths(&collected), expected);
    }

    #[cfg(unix)]
    #[test]
    fn followed_links_stop_at_loops() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join("a/b/f.txt"), "f").unwrap();
        fs::create_dir_all(root.join("z")).unwrap();
        fs::write(root.join("z/g.txt"), "g").unwrap();
        // A loop back to the root, a second name for a folder, a link to
        // a file and a dangling link.
        symlink(root, root.join("a/b/up")).unwrap();
        symlink(root.join("z"), root.join("a/zz")).unwrap();
        symlink(root.join("z/g.txt"), root.join("a/g-link")).unwrap();
        symlink(root.join("nowhere"), root.join("a/dangling")).unwrap();

        let follow = Options { follow_symlinks: true, ..Options::default() };
        let collected = collect(&[], &[root.to_path_buf()], follow);
        let expected = [
            root.join("a/b/f.txt"),
            root.join("a/g-link"),
            root.join("a/zz/g.txt"),
        ];
        assert_eq!(paths(&collected), expected);

        let collected =
            collect(&[], &[root.to_path_buf()], Options::default());
        let expected = [root.join("a/b/f.txt"), root.join("z/g.txt")];
        assert_eq!(paths(&collected), expected);
    }
}
