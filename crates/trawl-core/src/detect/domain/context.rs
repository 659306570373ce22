//! Context around a dotted name that shows it is code or a file name,
//! not a host.
//!
//! Each test reads only the bytes on the name's own line, at most
//! [`MAX_HEAD`] of them before it. A name that one of them matches is
//! weak: it is dropped unless written defanged, so `fs[.]read` in a
//! report is still a host.

/// Maximum bytes read back from a name to the start of its line. A
/// longer line head counts as no line start, and its name stays a host.
const MAX_HEAD: usize = 256;

/// Reports whether the text around `token`, which spans `start..end` of
/// `text`, marks it as code (`from test.support import x`,
/// `assertEqual(e.name, n)`) or as a file name (`\t* alloc.cc (fn):`).
pub(super) fn marks_code_or_file(
    text: &[u8],
    start: usize,
    end: usize,
    token: &[u8],
) -> bool {
    let head = text.get(..start).unwrap_or_default();
    let tail = text.get(end..).unwrap_or_default();
    if is_code_operand(head, tail)
        || is_diffstat_entry(tail)
        || starts_with_code_module(token)
        || is_template_source(token)
    {
        return true;
    }
    // The tests of the whole line head run only after the bytes next to
    // the name match, so that prose costs no search for its line start.
    let import = head.ends_with(b"import ") || head.ends_with(b"from ");
    let assignment = tail.starts_with(b"=") || tail.starts_with(b" =");
    let listed = head.ends_with(b"* ") || head.ends_with(b", ");
    (import || assignment || listed)
        && line_head(head).is_some_and(|line| {
            import && is_import_target(line, tail)
                || assignment && is_assigned(line, tail)
                || listed && is_changelog_file(line)
        })
}

/// Returns the bytes of `head` after its last line break or NUL, or
/// `None` when none of them or the text start lies within [`MAX_HEAD`]
/// bytes. A NUL counts because the strings of a binary are scanned
/// joined by one, and each must read as a text of its own.
fn line_head(head: &[u8]) -> Option<&[u8]> {
    let floor = head.len().saturating_sub(MAX_HEAD);
    let window = head.get(floor..)?;
    match memchr::memrchr2(b'\n', 0, window) {
        Some(newline) => window.get(newline.saturating_add(1)..),
        None => (floor == 0).then_some(window),
    }
}

/// Reports whether the bytes right before or after the name make it an
/// operand of code:
/// - a call or index glued to an identifier (`assertEqual(e.name`,
///   `timeouts[worker.id]`), as a host in code would be quoted;
/// - a template substitution (`${cluster.worker.id}`, `{{ page.title }}`
///   without the blanks);
/// - an operator that prose does not use (`opcode.name == 'FRAME'`,
///   `ns.test += 1`, `a.b && c`);
/// - a cross-reference role of Sphinx (``:mod:`collections.abc` ``);
/// - an underscore escaped for Markdown (`node\_api.cc`), which joins the
///   name to the identifier before it.
fn is_code_operand(head: &[u8], tail: &[u8]) -> bool {
    let glued = matches!(head, [.., b, b'(' | b'['] if is_ident_byte(*b));
    if glued || head.ends_with(b"${") || head.ends_with(b"{{") {
        return true;
    }
    if head.ends_with(b"\\_") || follows_sphinx_role(head) {
        return true;
    }
    let tail = tail.strip_prefix(b" ").unwrap_or(tail);
    [&b"=="[..], b"!=", b"+=", b"-=", b"&&", b"||"]
        .iter()
        .any(|operator| tail.starts_with(operator))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Reports whether `head` ends in a Sphinx role and its opening backquote,
/// optionally with `~` or `!`: ``:func:` ``, ``:py:meth:`~ ``.
fn follows_sphinx_role(head: &[u8]) -> bool {
    let head = head
        .strip_suffix(b"~")
        .or_else(|| head.strip_suffix(b"!"))
        .unwrap_or(head);
    let Some(head) = head.strip_suffix(b":`") else { return false };
    let letters =
        head.iter().rev().take_while(|b| b.is_ascii_lowercase()).count();
    letters > 0
        && head
            .len()
            .checked_sub(letters.saturating_add(1))
            .and_then(|colon| head.get(colon))
            == Some(&b':')
}

/// Reports whether the name is the module of a Python import statement:
/// `import collections.abc` or `from test.support import x`.
fn is_import_target(line: &[u8], tail: &[u8]) -> bool {
    let statement = trim_start_blanks(line);
    if statement == b"import " {
        return true;
    }
    let imports = tail.strip_prefix(b" import ");
    statement == b"from " && imports.is_some()
}

/// Reports whether the name opens its line as the target of an
/// assignment whose value reads as code: a quoted string, a bracket or a
/// reference (`me.foo = 'bar'`, `err.info = {`, `x.next = &mut y`), or an
/// identifier followed by `.` or `(` (`w.name = w.name.replace(…)`). So
/// `evil.cc = C2` and `evil.cc = 203.0.113.7` stay hosts.
fn is_assigned(line: &[u8], tail: &[u8]) -> bool {
    if !trim_start_blanks(line).is_empty() {
        return false;
    }
    let tail = tail.strip_prefix(b" ").unwrap_or(tail);
    let Some(value) = tail.strip_prefix(b"=") else { return false };
    let value = value.strip_prefix(b" ").unwrap_or(value);
    if matches!(value.first(), Some(b'\'' | b'"' | b'(' | b'[' | b'{' | b'&'))
    {
        return true;
    }
    let ident = value.iter().take_while(|&&b| is_ident_byte(b)).count();
    let starts_alpha = value.first().is_some_and(u8::is_ascii_alphabetic);
    starts_alpha && matches!(value.get(ident), Some(b'.' | b'('))
}

fn trim_start_blanks(bytes: &[u8]) -> &[u8] {
    let blanks =
        bytes.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    bytes.get(blanks..).unwrap_or_default()
}

/// Reports whether the name is in the file list of a GNU ChangeLog entry,
/// which opens with a tab and `* ` and ends its list at the first `:` or
/// `(`: `\t* alloc.cc (commit_allocations_2):`, `\t* a.c, keys.cc:`.
fn is_changelog_file(line: &[u8]) -> bool {
    line.strip_prefix(b"\t* ").is_some_and(|list| {
        !list.iter().any(|&b| matches!(b, b':' | b'(' | b')'))
    })
}

/// Reports whether the name is a file in a diffstat, the summary that
/// `git diff --stat` and `diffstat` write: `fonts.conf.in | 10 ++--`,
/// `logo.png | Bin 0 -> 1024 bytes`. Blanks around the `|` and the `+`
/// and `-` bars or the line end after the count set it apart from a
/// MISP composite value (`evil.com|192.0.2.1`) and a table row
/// (`| evil.cc | 3 |`).
fn is_diffstat_entry(tail: &[u8]) -> bool {
    let rest = trim_start_blanks(tail);
    if rest.len() == tail.len() {
        return false;
    }
    let Some(count) = rest.strip_prefix(b"|") else { return false };
    let count_start = trim_start_blanks(count);
    if count_start.len() == count.len() {
        return false;
    }
    if count_start.starts_with(b"Bin ") {
        return true;
    }
    let digits = count_start.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = count_start.get(digits..).unwrap_or_default();
    let bars = trim_start_blanks(after);
    digits > 0
        && matches!(bars.first(), None | Some(b'+' | b'-' | b'\n' | b'\r'))
}

/// Reports whether `token` is an autoconf or build template: a file
/// name with its own extension, then `.in` (`config.h.in`,
/// `xcb-shape.pc.in`, `strace.1.in`). Hosts under `.in` have a
/// second-level name such as `co` or `net` before it instead, as a rule.
fn is_template_source(token: &[u8]) -> bool {
    let mut labels = token.rsplit(|&b| b == b'.');
    let last = labels.next().unwrap_or_default();
    if !last.eq_ignore_ascii_case(b"in") {
        return false;
    }
    let Some(extension) = labels.next() else { return false };
    // The name needs a label in front of the extension.
    if labels.next().is_none() {
        return false;
    }
    let man_section = matches!(extension, [b'1'..=b'9']);
    man_section
        || TEMPLATE_EXTENSIONS
            .iter()
            .any(|known| extension.eq_ignore_ascii_case(known))
}

/// Extensions of the files that build systems generate from a `.in`
/// template, as found before `.in` in Debian changelogs.
const TEMPLATE_EXTENSIONS: [&[u8]; 28] = [
    b"am",
    b"awk",
    b"c",
    b"cfg",
    b"cmake",
    b"conf",
    b"cpp",
    b"def",
    b"desktop",
    b"doxygen",
    b"h",
    b"html",
    b"in",
    b"install",
    b"java",
    b"m4",
    b"mak",
    b"make",
    b"map",
    b"pc",
    b"pl",
    b"pm",
    b"postinst",
    b"postrm",
    b"preinst",
    b"prerm",
    b"service",
    b"spec",
];

/// Reports whether the first label of `token` is a module or a variable
/// name that code uses far more often than any host does
/// (`fs.read`, `collections.abc`, `process.report`) and its suffix is
/// neither a country code nor a common generic name. `fs.de` and
/// `process.com` stay hosts.
fn starts_with_code_module(token: &[u8]) -> bool {
    // The names in `is_code_module` are at most 12 bytes long.
    let mut lower = [0u8; 12];
    let first_len = memchr::memchr(b'.', token).unwrap_or(token.len());
    let (Some(first), Some(buffer)) =
        (token.get(..first_len), lower.get_mut(..first_len))
    else {
        return false;
    };
    buffer.copy_from_slice(first);
    buffer.make_ascii_lowercase();
    if !is_code_module(buffer) {
        return false;
    }
    let suffix = token.rsplit(|&b| b == b'.').next().unwrap_or_default();
    let generic = [&b"com"[..], b"net", b"org", b"info", b"biz"]
        .iter()
        .any(|name| suffix.eq_ignore_ascii_case(name));
    suffix.len() > 2 && !generic
}

/// Reports whether a lower-case first label is a Node.js or Python
/// standard module, or a name that code gives to a neighbour, a socket or
/// a file object.
fn is_code_module(label: &[u8]) -> bool {
    matches!(
        label,
        b"assert"
            | b"asyncio"
            | b"buf"
            | b"builtins"
            | b"childprocess"
            | b"collections"
            | b"curses"
            | b"datetime"
            | b"div"
            | b"fp"
            | b"fs"
            | b"idlelib"
            | b"importlib"
            | b"interp"
            | b"other"
            | b"prev"
            | b"process"
            | b"sock"
            | b"subprocess"
            | b"threading"
            | b"typing"
            | b"unittest"
    )
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    /// Reports whether the first occurrence of `name` in `text` reads as
    /// code or a file.
    fn marked(text: &str, name: &str) -> bool {
        let start = text.find(name).unwrap();
        let end = start + name.len();
        marks_code_or_file(text.as_bytes(), start, end, name.as_bytes())
    }

    fn check(cases: &[(&str, &str, bool)]) {
        for &(text, name, expected) in cases {
            assert_eq!(marked(text, name), expected, "{name} in {text:?}");
        }
    }

    #[test]
    fn python_imports_are_code() {
        check(&[
            ("from test.support import os_helper", "test.support", true),
            ("    import collections.abc", "collections.abc", true),
            ("import importlib.abc as abc", "importlib.abc", true),
            ("downloaded from evil.support today", "evil.support", false),
            ("from evil.support", "evil.support", false),
            ("we import evil.support", "evil.support", false),
        ]);
    }

    #[test]
    fn operands_are_code() {
        check(&[
            ("self.assertEqual(e.name, n)", "e.name", true),
            ("clearTimeout(timeouts[worker.id]);", "worker.id", true),
            ("`I am worker #${cluster.worker.id}`", "cluster.worker.id", true),
            ("if opcode.name == 'FRAME':", "opcode.name", true),
            ("ns.test += 1", "ns.test", true),
            ("rm XCloseDevice.man && make", "XCloseDevice.man", true),
            ("Optimize :func:`re.search`", "re.search", true),
            (":meth:`~imaplib.IMAP4.open`", "imaplib.IMAP4.open", true),
            ("in node\\_api.cc (Daniel)", "api.cc", true),
            // Prose brackets and quotes keep hosts.
            (
                "C2 (update.dpkg.cc) and [login.evil.name]",
                "update.dpkg.cc",
                false,
            ),
            (
                "C2 (update.dpkg.cc) and [login.evil.name]",
                "login.evil.name",
                false,
            ),
            ("beacon to evil.app, then evil.dev", "evil.app", false),
            ("resolved `evil.app` to", "evil.app", false),
            ("__evil.app__", "evil.app", false),
        ]);
    }

    #[test]
    fn assignments_are_code() {
        check(&[
            ("    w.name = w.name.replace('P', 'W')", "w.name", true),
            ("err.info = {", "err.info", true),
            ("me.foo='bar'", "me.foo", true),
            ("x.next = &mut list.head;", "x.next", true),
            ("evil.cc = 203.0.113.7", "evil.cc", false),
            ("evil.cc = C2 (APT28)", "evil.cc", false),
            ("evil.cc => 203.0.113.7", "evil.cc", false),
            ("x = evil.cc", "evil.cc", false),
            ("host evil.cc = C2", "evil.cc", false),
        ]);
    }

    #[test]
    fn changelog_file_lists_are_files() {
        check(&[
            ("\t* alloc.cc (commit_allocations_2): Do not", "alloc.cc", true),
            ("\t* gen.c, keys.cc: Likewise.", "keys.cc", true),
            (
                "\t* tests/Makefile.am (TESTS): Add tofu.test.",
                "tofu.test",
                false,
            ),
            ("* evil.cc: C2 server", "evil.cc", false),
            ("  * update.dpkg.cc (C2)", "update.dpkg.cc", false),
        ]);
    }

    #[test]
    fn diffstat_entries_are_files() {
        check(&[
            (" fonts.conf.in | 10 ++++-----", "fonts.conf.in", true),
            (" indent.pro              |  4 --", "indent.pro", true),
            (" logo.app | Bin 0 -> 1024 bytes", "logo.app", true),
            (" Doxyfile.in | 2 +-", "Doxyfile.in", true),
            (" fc.man | 0\n", "fc.man", true),
            ("evil.app | C2 | 2024-01-02", "evil.app", false),
            ("\"value\": \"evil.app|192.0.2.1\"", "evil.app", false),
            ("| evil.app | 3 | C2 |", "evil.app", false),
        ]);
    }

    #[test]
    fn template_sources_are_files() {
        check(&[
            ("regenerate config.h.in now", "config.h.in", true),
            ("use xcb-xinerama.pc.in", "xcb-xinerama.pc.in", true),
            ("document strace.1.in", "strace.1.in", true),
            ("Makefile.in.in", "Makefile.in.in", true),
            ("C2 evil.co.in and mail.gov.in", "evil.co.in", false),
            ("C2 evil.co.in and mail.gov.in", "mail.gov.in", false),
            ("C2 h.in and wallejob.in.ua", "h.in", false),
            ("C2 h.in and wallejob.in.ua", "wallejob.in.ua", false),
        ]);
    }

    #[test]
    fn code_modules_are_code() {
        check(&[
            ("deprecate fs.read's string", "fs.read", true),
            ("see collections.abc docs", "collections.abc", true),
            ("process.report.directory", "process.report.directory", true),
            ("div.example { margin: 0 }", "div.example", true),
            ("C2 fs.de and process.com", "fs.de", false),
            ("C2 fs.de and process.com", "process.com", false),
            ("C2 fsx.app", "fsx.app", false),
        ]);
    }

    #[test]
    fn long_line_head_is_no_line_start() {
        let text = format!("{}\nimport a.support", "x".repeat(300));
        assert!(marked(&text, "a.support"));
        let text = format!("{}import a.support", " ".repeat(300));
        assert!(!marked(&text, "a.support"));
    }
}
