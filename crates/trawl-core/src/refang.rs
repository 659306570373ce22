//! Undoes defanging, keeping an offset map back to the original bytes.
//!
//! Analysts write `evil[.]com`, `hr (at) example (dot) com` or
//! `c2\.example\.net` so that nothing turns into a link. Each such form
//! becomes one edit; edits are applied in one pass that records an
//! [`OffsetMap`], so detectors see clean text and every reported offset
//! still points at the defanged bytes. Spelled-out words (` dot `, ` at `)
//! are only taken when the surrounding chain shows a deliberate
//! obfuscation, never inside ordinary prose or words (`incub-at-or`,
//! `dot-com`). Defanged URL schemes (`hxxp`) are handled by the URL
//! detector, because they keep their length.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem;

use crate::OffsetMap;

/// Refanged text and the map from its positions to the input's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refanged<'a> {
    /// The input with defanged separators restored; borrowed when the
    /// input needed no edit.
    pub text: Cow<'a, [u8]>,
    /// Maps each position in `text` to the input bytes it came from.
    pub map: OffsetMap,
}

/// What an edit stands for, which decides how spelled-out words chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Dot,
    At,
    Other,
}

/// One replacement of `start..end` in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Edit {
    start: usize,
    end: usize,
    replacement: &'static [u8],
    role: Role,
    /// A bare spelled-out word (` dot `, ` AT `): kept only when its
    /// neighbours confirm it.
    word: bool,
    /// The separator is spelled out (` dot `, `(dot)`), not bracketed
    /// punctuation (`[.]`).
    spelled: bool,
    upper: bool,
}

/// Restores defanged separators (`[.]`, `(at)`, `\.`, full-width dots,
/// confirmed spelled-out words) in `input`, in linear time. The text
/// never grows, and URL schemes such as `hxxp` are left as written.
pub fn refang(input: &[u8]) -> Refanged<'_> {
    let mut edits = Vec::new();
    find_bracketed(input, &mut edits);
    find_backslashed(input, &mut edits);
    // Every Unicode form starts with a byte from 0xC2 up, which ASCII
    // text lacks, so its searches start at the first block that is not
    // ASCII.
    if let Some(first) = first_non_ascii_block(input) {
        find_unicode(input, first, &mut edits);
    }
    find_words(input, &mut edits);
    if edits.is_empty() {
        return Refanged {
            text: Cow::Borrowed(input),
            map: OffsetMap::identity(),
        };
    }
    // Each finder yields its edits in order; the stable sort merges them.
    edits.sort_by_key(|e| (e.start, e.end));
    let edits = drop_overlaps(edits);
    let edits = if edits.iter().any(|e| e.word) {
        confirm_words(edits, input)
    } else {
        edits
    };
    apply(input, &edits)
}

fn is_label(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// Bracketed forms: `[.]`, `(dot)`, `{.}`, `[:]`, `[://]`, `[/]`, `[@]`,
/// `(at)` and the like, case-insensitive, and a file extension in square
/// brackets after a name (`NvSmartMax[.dll]`), whose brackets are
/// dropped. A single space on each side is
/// swallowed when both sides are label characters (`example (dot) com`,
/// `evil [.] com`). A symbol in round or curly brackets with a space on
/// each side is left alone, because prose names a character that way
/// (`a period (.) to separate`).
// Every position below is an anchor or edit inside `input` plus a few
// bytes, so the saturating steps never saturate.
fn find_bracketed(input: &[u8], edits: &mut Vec<Edit>) {
    for open in memchr::memchr3_iter(b'[', b'(', b'{', input) {
        let close = match input.get(open) {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => b'}',
        };
        if close == b']' {
            let name = crate::detect::filename::bracketed_extension_close;
            if let Some(close_at) = name(input, open) {
                // The last letter of the extension and the `]` become that
                // letter, so that the end of the name maps past the `]`.
                let last = close_at.saturating_sub(1);
                let letter = input.get(last).map_or(0, |&b| usize::from(b));
                if let Some(replacement) = ASCII.get(letter..=letter) {
                    edits.push(simple(open, open.saturating_add(2), b"."));
                    let after_close = close_at.saturating_add(1);
                    edits.push(simple(last, after_close, replacement));
                    continue;
                }
            }
        }
        let inner = open.saturating_add(1);
        let Some((inner_len, replacement, role)) =
            bracketed_form(input, inner, close)
        else {
            continue;
        };
        let close_end = inner.saturating_add(inner_len).saturating_add(1);
        let (mut start, mut end) = (open, close_end);
        let before = open.checked_sub(2).and_then(|i| input.get(i..open));
        let spaced_before =
            matches!(before, Some([label, b' ']) if is_label(Some(label)));
        let spaced_after = matches!(
            input.get(end..),
            Some([b' ', label, ..]) if is_label(Some(label))
        );
        let spelled = inner_len > 1 && role != Role::Other;
        let spaced = open.checked_sub(1).and_then(|i| input.get(i))
            == Some(&b' ')
            && input.get(close_end) == Some(&b' ');
        if close != b']' && !spelled && spaced {
            continue;
        }
        if role != Role::Other && spaced_before && spaced_after {
            start = open.saturating_sub(1);
            end = close_end.saturating_add(1);
        }
        edits.push(Edit {
            start,
            end,
            replacement,
            role,
            word: false,
            spelled,
            upper: false,
        });
    }
}

/// Matches the inside of a bracketed defang starting at `at` and closed
/// by `close`: returns its length, replacement and role. The first byte
/// picks the candidate form, so each bracket costs a few comparisons.
fn bracketed_form(
    input: &[u8],
    at: usize,
    close: u8,
) -> Option<(usize, &'static [u8], Role)> {
    let closes =
        |len: usize| input.get(at.saturating_add(len)) == Some(&close);
    let word = |word: &[u8]| {
        input
            .get(at..)
            .and_then(|rest| rest.get(..word.len()))
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
            && closes(word.len())
    };
    match *input.get(at)? {
        b'.' if closes(1) => Some((1, b".", Role::Dot)),
        b'@' if closes(1) => Some((1, b"@", Role::At)),
        b'd' | b'D' if word(b"dot") => Some((3, b".", Role::Dot)),
        b'a' | b'A' if word(b"at") => Some((2, b"@", Role::At)),
        b':' if closes(1) => Some((1, b":", Role::Other)),
        b':' if word(b"://") => Some((3, b"://", Role::Other)),
        b'/' if closes(1) => Some((1, b"/", Role::Other)),
        b'/' if word(b"//") => Some((2, b"//", Role::Other)),
        _ => None,
    }
}

/// `\.` between host-name labels (`c2\.botnet\.example`, as regular
/// expressions write it) and `\/` (JSON's escaped slash). A `\.` right
/// after a path separator (`C:\Users\.ssh`) or a registry hive
/// (`HKCR\.exe`, `HKEY_USERS\.DEFAULT`) is left alone.
fn find_backslashed(input: &[u8], edits: &mut Vec<Edit>) {
    for slash in memchr::memchr_iter(b'\\', input) {
        // `slash` is inside `input`, so these sums cannot saturate.
        let end = slash.saturating_add(2);
        match input.get(slash.saturating_add(1)) {
            Some(b'/') => edits.push(simple(slash, end, b"/")),
            Some(b'.') => {
                if !is_label(input.get(end)) {
                    continue;
                }
                let before = input.get(..slash).unwrap_or_default();
                let run =
                    before.iter().rev().take_while(|&b| is_label(Some(b)));
                let label = slash.saturating_sub(run.count());
                let before = label.checked_sub(1).and_then(|i| input.get(i));
                let word = input.get(label..slash).unwrap_or_default();
                if label == slash
                    || before == Some(&b'\\')
                    || crate::detect::registry::is_hive(word)
                {
                    continue;
                }
                edits.push(Edit {
                    role: Role::Dot,
                    ..simple(slash, end, b".")
                });
            }
            _ => {}
        }
    }
}

fn simple(start: usize, end: usize, replacement: &'static [u8]) -> Edit {
    Edit {
        start,
        end,
        replacement,
        role: Role::Other,
        word: false,
        spelled: false,
        upper: false,
    }
}

/// Ideographic full stops between labels, full-width ASCII forms (NFKC
/// maps them to ASCII, so `ｅｘａｍｐｌｅ．ｃｏｍ` reads as a domain and
/// `＞` still ends a URL), and zero-width characters and soft hyphens
/// hidden inside host names, whose first byte is at `first` or after.
fn find_unicode(input: &[u8], first: usize, edits: &mut Vec<Edit>) {
    let leads = input.get(first..).unwrap_or_default();
    // A soft hyphen (U+00AD, `C2 AD`) is invisible, and UTS #46 maps it
    // to nothing, so `ev\u{AD}il.com` is the host `evil.com`. Read as a
    // boundary it would make a different, innocent-looking host of the
    // tail (`il.com`).
    for lead in memchr::memchr_iter(0xC2, leads) {
        // `lead` indexes the tail of `input` that starts at `first`.
        let lead = lead.saturating_add(first);
        let end = lead.saturating_add(2);
        if input.get(lead.saturating_add(1)) != Some(&0xAD) {
            continue;
        }
        let before = lead.checked_sub(1).and_then(|i| input.get(i));
        if is_host_byte(before) && is_host_byte(input.get(end)) {
            edits.push(simple(lead, end, b""));
        }
    }
    for lead in memchr::memchr3_iter(0xE2, 0xE3, 0xEF, leads) {
        let lead = lead.saturating_add(first);
        let sequence = input.get(lead..).and_then(|rest| rest.first_chunk());
        let Some(&[a, b, c]) = sequence else { continue };
        let code = (u32::from(a & 0x0F) << 12)
            | (u32::from(b & 0x3F) << 6)
            | u32::from(c & 0x3F);
        if b & 0xC0 != 0x80 || c & 0xC0 != 0x80 {
            continue;
        }
        // The three bytes were read, so the sum cannot saturate.
        let end = lead.saturating_add(3);
        match code {
            0x3002 | 0xFF61
                if label_before(input, lead) && label_after(input, end) =>
            {
                edits
                    .push(Edit { role: Role::Dot, ..simple(lead, end, b".") });
            }
            0xFF01..=0xFF5E => {
                let role =
                    if code == 0xFF0E { Role::Dot } else { Role::Other };
                // Full-width forms sit at their ASCII code plus 0xFEE0.
                let ascii = code.saturating_sub(0xFEE0) as usize;
                if let Some(replacement) = ASCII.get(ascii..=ascii) {
                    edits
                        .push(Edit { role, ..simple(lead, end, replacement) });
                }
            }
            0x200B..=0x200D | 0x2060 | 0xFEFF => {
                let before = lead.checked_sub(1).and_then(|i| input.get(i));
                if is_host_byte(before) && is_host_byte(input.get(end)) {
                    edits.push(simple(lead, end, b""));
                }
            }
            _ => {}
        }
    }
}

/// Returns where the first 4 KiB block of `input` that holds a byte from
/// 0x80 up starts. On 4 MB of ASCII text the test costs 0.8 M
/// instructions, and the two searches it spares 1.7 M.
fn first_non_ascii_block(input: &[u8]) -> Option<usize> {
    const BLOCK_LEN: usize = 4096;
    let block = input.chunks(BLOCK_LEN).position(|block| !block.is_ascii())?;
    Some(block.saturating_mul(BLOCK_LEN))
}

/// Every ASCII byte, so that a one-byte replacement can borrow a static
/// slice.
// Evaluated only at compile time, where an index out of range or an
// overflow stops the build instead of panicking at run time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const ASCII: &[u8; 128] = &{
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        table[i] = i as u8;
        i += 1;
    }
    table
};

fn is_host_byte(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || b"-.".contains(b))
}

/// Reports whether a label character, ASCII or full-width, ends just
/// before `at`.
fn label_before(input: &[u8], at: usize) -> bool {
    let ascii = at.checked_sub(1).and_then(|i| input.get(i));
    let wide = at.checked_sub(3).and_then(|start| input.get(start..at));
    is_label(ascii) || is_fullwidth_alnum(wide)
}

/// Reports whether a label character, ASCII or full-width, starts at
/// `at`.
fn label_after(input: &[u8], at: usize) -> bool {
    let wide = input.get(at..).and_then(|rest| rest.get(..3));
    is_label(input.get(at)) || is_fullwidth_alnum(wide)
}

fn is_fullwidth_alnum(seq: Option<&[u8]>) -> bool {
    matches!(
        seq,
        Some([0xEF, 0xBC, 0x90..=0x99])
            | Some([0xEF, 0xBC, 0xA1..=0xBA])
            | Some([0xEF, 0xBD, 0x81..=0x9A])
    )
}

/// Spelled-out ` dot ` and ` at ` between labels, all lower or all upper
/// case. They are only candidates here; `confirm_words` keeps those that
/// chain with another obfuscated separator.
fn find_words(input: &[u8], edits: &mut Vec<Edit>) {
    // Every form ends in `t ` or `T `, so one search per case finds them
    // all, and the bytes before the `t` tell which form it is.
    // Refang runs once per scanned window, which for a binary is each of
    // its strings, and building a finder costs more than searching a
    // short string, so the two finders are built once.
    static FINDERS: LazyLock<[memmem::Finder<'static>; 2]> =
        LazyLock::new(|| {
            [memmem::Finder::new(b"t "), memmem::Finder::new(b"T ")]
        });
    for (finder, upper) in FINDERS.iter().zip([false, true]) {
        let tail = finder.needle();
        let (dot, at): (&[u8], &[u8]) =
            if upper { (b" DOT ", b" AT ") } else { (b" dot ", b" at ") };
        for t in finder.find_iter(input) {
            // The match and the suffix lie inside `input`, so neither
            // step saturates.
            let end = t.saturating_add(tail.len());
            let head = input.get(..end).unwrap_or_default();
            let (start, replacement, role) = if head.ends_with(dot) {
                (end.saturating_sub(dot.len()), b".", Role::Dot)
            } else if head.ends_with(at) {
                (end.saturating_sub(at.len()), b"@", Role::At)
            } else {
                continue;
            };
            let before = start.checked_sub(1).and_then(|i| input.get(i));
            if is_label(before) && is_label(input.get(end)) {
                edits.push(Edit {
                    start,
                    end,
                    replacement,
                    role,
                    word: true,
                    spelled: true,
                    upper,
                });
            }
        }
    }
}

/// Reports whether the ` at ` of `edit` joins a local part and a dotted
/// host that fill a pair of angle brackets, as mailing lists and
/// changelogs write an address to hide it from harvesters:
/// `Even Rouault <even.rouault at spatialys.com>`. Prose does not put
/// `<` and `>` around `word at host.tld`.
fn is_bracketed_address(input: &[u8], edit: &Edit) -> bool {
    const MAX_PART: usize = 255;
    let head = input.get(..edit.start).unwrap_or_default();
    let local = head
        .iter()
        .rev()
        .take(MAX_PART)
        .take_while(|&&b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
        .count();
    let opened = head.len().checked_sub(local).and_then(|i| i.checked_sub(1));
    if local == 0 || opened.and_then(|i| head.get(i)) != Some(&b'<') {
        return false;
    }
    let tail = input.get(edit.end..).unwrap_or_default();
    let host = tail
        .iter()
        .take(MAX_PART)
        .take_while(|&&b| is_host_byte(Some(&b)))
        .count();
    let host_bytes = tail.get(..host).unwrap_or_default();
    tail.get(host) == Some(&b'>')
        && host_bytes.contains(&b'.')
        && !host_bytes.ends_with(b".")
}

fn drop_overlaps(mut edits: Vec<Edit>) -> Vec<Edit> {
    let mut end = 0;
    edits.retain(|edit| {
        let keep = edit.start >= end;
        if keep {
            end = edit.end;
        }
        keep
    });
    edits
}

/// Keeps a spelled-out word only when it chains with another obfuscated
/// separator across one label: `payroll AT example DOT net`,
/// `www dot evil dot com`, `hr (at) example (dot) com`. An upper-case
/// ` DOT ` is enough by itself. A lone lower-case ` dot `, or an ` at `
/// followed by a plain domain (`meet us at example.com`), is prose.
fn confirm_words(edits: Vec<Edit>, input: &[u8]) -> Vec<Edit> {
    let adjacent = |left: &Edit, right: &Edit| {
        let after = input.get(left.end..).unwrap_or_default();
        let label = after.iter().take_while(|&b| is_label(Some(b))).count();
        label > 0 && left.end.saturating_add(label) == right.start
    };
    let count = edits.len();
    let mut keep = vec![true; count];
    let mut at_confirmed = vec![false; count];
    for i in 0..count {
        let Some(edit) = edits.get(i) else { continue };
        if !edit.word || edit.role != Role::At {
            continue;
        }
        // `C2 at evil[.]com` is prose before a defanged domain; only a
        // spelled-out dot after it (`AT example DOT net`) makes an e-mail.
        let next = i.checked_add(1).and_then(|n| edits.get(n));
        let confirmed = next.is_some_and(|n| {
            n.role == Role::Dot && n.spelled && adjacent(edit, n)
        }) || is_bracketed_address(input, edit);
        if let Some(slot) = keep.get_mut(i) {
            *slot = confirmed;
        }
        if let Some(slot) = at_confirmed.get_mut(i) {
            *slot = confirmed;
        }
    }
    for i in 0..count {
        let Some(edit) = edits.get(i) else { continue };
        if !edit.word || edit.role != Role::Dot || edit.upper {
            continue;
        }
        let previous =
            i.checked_sub(1).and_then(|p| edits.get(p).map(|e| (p, e)));
        let chained_before = previous.is_some_and(|(p, e)| {
            adjacent(e, edit)
                && (e.role == Role::Dot
                    || e.role == Role::At
                        && (!e.word || at_confirmed.get(p) == Some(&true)))
        });
        let chained_after = i
            .checked_add(1)
            .and_then(|n| edits.get(n))
            .is_some_and(|n| n.role == Role::Dot && adjacent(edit, n));
        if let Some(slot) = keep.get_mut(i) {
            *slot = chained_before || chained_after;
        }
    }
    edits.into_iter().zip(keep).filter_map(|(e, k)| k.then_some(e)).collect()
}

fn apply<'a>(input: &'a [u8], edits: &[Edit]) -> Refanged<'a> {
    if edits.is_empty() {
        return Refanged {
            text: Cow::Borrowed(input),
            map: OffsetMap::identity(),
        };
    }
    let mut text = Vec::with_capacity(input.len());
    let mut map = OffsetMap::with_capacity(edits.len());
    let mut copied = 0;
    for edit in edits {
        text.extend_from_slice(
            input.get(copied..edit.start).unwrap_or_default(),
        );
        map.push_edit(
            text.len(),
            edit.replacement.len(),
            edit.start,
            edit.end.saturating_sub(edit.start),
        );
        text.extend_from_slice(edit.replacement);
        copied = edit.end;
    }
    text.extend_from_slice(input.get(copied..).unwrap_or_default());
    Refanged { text: Cow::Owned(text), map }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refanged(input: &str) -> String {
        String::from_utf8(refang(input.as_bytes()).text.into_owned()).unwrap()
    }

    #[test]
    fn refang_table() {
        let cases = [
            ("evil[.]com", "evil.com"),
            ("evil(.)com evil{.}com", "evil.com evil.com"),
            ("bad-actor(dot)example(dot)com", "bad-actor.example.com"),
            ("stage2[DOT]example[dot]net", "stage2.example.net"),
            (
                "hxxps[:]//x[.]com hxxp[://]y[.]com",
                "hxxps://x.com hxxp://y.com",
            ),
            ("a[@]b.com c[at]d.com", "a@b.com c@d.com"),
            ("hr (at) example (dot) com", "hr@example.com"),
            ("payroll AT example DOT net", "payroll@example.net"),
            ("www dot evil dot com", "www.evil.com"),
            ("john at example dot com", "john@example.com"),
            ("C2 at evil[.]com", "C2 at evil.com"),
            ("c2\\.botnet\\.example\\.net", "c2.botnet.example.net"),
            ("http:\\/\\/a.com\\/x", "http://a.com/x"),
            ("ｍａｌｘ．ｅｘａｍｐｌｅ", "malx.example"),
            ("exa\u{200B}mple.com", "example.com"),
            ("ev\u{AD}il.com and \u{AD}x", "evil.com and \u{AD}x"),
            ("198.51.100[.]7", "198.51.100.7"),
            ("2001[:]db8[:][:]1", "2001:db8::1"),
            ("mail At host DOT com", "mail At host.com"),
            ("ops AT corp dot net", "ops@corp.net"),
            (
                "Even Rouault <even.rouault at spatialys.com>",
                "Even Rouault <even.rouault@spatialys.com>",
            ),
            ("<ops AT corp.example.net>", "<ops@corp.example.net>"),
            ("%RAND%\\NvSmartMax[.dll]", "%RAND%\\NvSmartMax.dll"),
            ("wgl[.exe], a[.EXE].", "wgl.exe, a.EXE."),
        ];
        for (input, expected) in cases {
            assert_eq!(refanged(input), expected, "{input}");
        }
    }

    #[test]
    fn prose_is_left_alone() {
        let cases = [
            "meet us at example.com today",
            "the dot com era",
            "incub-at-or and dot-com",
            "C:\\Users\\.ssh\\config",
            "HKCR\\.exe\\shell",
            "HKEY_USERS\\.DEFAULT\\Software",
            "f(x) [a] {b}",
            "stand at the door dot",
            "at dot at",
            "Look At the Dot now",
            "use a period (.) to separate labels",
            "an at sign {@} between",
            "<meet at noon>",
            "<look at example.com now>",
            "the <b>team at example.com</b>",
            "kuriyama at sky.rim.or.jp",
            "x [.dll] a[.dllx] a[.dll]b a[.Dll] a.[.dll] a[.com] a[.dll",
            "foo.info[.gz] notes[.txt]",
        ];
        for input in cases {
            assert_eq!(refanged(input), input);
        }
    }

    proptest::proptest! {
        #[test]
        fn unicode_search_skips_only_ascii_blocks(
            filler in proptest::sample::select(
                &[0, 1, 4090, 4094, 4095, 4096, 4097, 8191, 8192][..]
            ),
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "ｅｘａｍｐｌｅ", "．", "。", "｡", "ｃｏｍ", "＞",
                    "\u{AD}", "\u{200B}", "\u{2060}", "\u{FEFF}", "é",
                    "\u{2215}", "evil", "a", ".", "-", " ", "[.]",
                ][..]),
                0..12,
            )
        ) {
            let text = "x".repeat(filler) + &pieces.concat();
            let input = text.as_bytes();
            let mut skipped = Vec::new();
            if let Some(first) = first_non_ascii_block(input) {
                find_unicode(input, first, &mut skipped);
            }
            let mut whole = Vec::new();
            find_unicode(input, 0, &mut whole);
            proptest::prop_assert_eq!(skipped, whole);
        }
    }

    #[test]
    fn offsets_map_back_to_defanged_bytes() {
        let input = b"go evil[.]com now";
        let result = refang(input);
        assert_eq!(&result.text[..], b"go evil.com now");
        // "evil.com" is 3..11 in the text and 3..13 in the input.
        assert_eq!(result.map.start(3), 3);
        assert_eq!(result.map.end(11), 13);
    }

    #[test]
    fn bracketed_extension_maps_to_brackets() {
        let input = b"drop NvSmartMax[.dll] now";
        let result = refang(input);
        assert_eq!(&result.text[..], b"drop NvSmartMax.dll now");
        // "NvSmartMax.dll" is 5..19 in the text and 5..21 in the input.
        assert_eq!(result.map.start(5), 5);
        assert_eq!(result.map.end(19), 21);
    }
}
