//! Similarity digests: ssdeep and TLSH.
//!
//! ssdeep writes `blocksize:hash1:hash2`. The block size is 3 times a
//! power of two up to 3 * 2^30, and both hashes use the base64 alphabet:
//! hash1 has at most 64 characters and hash2 at most 64 (ppdeep
//! 20260221, a port of ssdeep, truncates it to 32). A trailing
//! `,"file name"`, as ssdeep prints after a digest, is not part of the
//! value. Two properties of ssdeep's algorithm, as ppdeep implements it,
//! keep clock times, ratios and slices (`12:30:45`, `x[6:start:stop]`)
//! out:
//! - it halves the block size until hash1 has at least 32 characters,
//!   so any block size above 3 comes with such a hash1;
//! - hash2 is taken at twice the block size, where the trigger points
//!   are a subset of hash1's, so it is never longer than hash1.
//!
//! At block size 3 (inputs of a few hundred bytes) the two hashes need 8
//! characters together and hash1 a letter. Values are as written.
//!
//! TLSH writes `T1` and 70 hex digits. The older form without `T1` is 70
//! bare hex digits, which is also what any hex blob of that length looks
//! like, so it is accepted only when `tlsh` (any case) appears on the same
//! line within 32 bytes before it (`TLSH: …`, `"tlsh": "…"`). Both forms
//! are whole alphanumeric tokens with at least six distinct digits, and
//! are reported in upper case, keeping the `T1` when it was written.

#[cfg(test)]
use super::chars::{base64_runs, for_each_long_run, for_each_marked};
use super::Candidate;
use crate::{Category, Limits};

/// Smallest block size and the largest power of two it is multiplied by.
const MIN_BLOCK_SIZE: u64 = 3;
const MAX_BLOCK_SHIFT: u32 = 30;

/// Most digits of a block size: 3 * 2^30 has 10.
const MAX_BLOCK_DIGITS: usize = 10;

/// Maximum length of hash1 and of hash2 as ssdeep writes them.
const MAX_HASH_LEN: usize = 64;

/// Minimum length of hash1 that ssdeep writes at a block size above the
/// smallest.
const MIN_HASH1_LEN: usize = 32;

/// Shortest pair of hashes accepted at the smallest block size.
const MIN_SMALL_HASHES_LEN: usize = 8;

/// Hex digits of a TLSH digest after its `T1` version.
const TLSH_HEX_LEN: usize = 70;

/// Bytes before a bare TLSH digest searched for its label.
const TLSH_LABEL_WINDOW: usize = 32;

/// Fewer distinct hex digits than this marks filler, not a digest.
const MIN_DISTINCT_DIGITS: usize = 6;

/// Pushes every ssdeep and TLSH digest found in `text`, in order.
// The scanner runs this detector together with others in
// `detect::find_marked`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let first = out.len();
    find_ssdeep(text, limits, out);
    let ssdeep_end = out.len();
    find_tlsh(text, limits, out);
    // The two kinds never overlap: every alphanumeric run inside an
    // ssdeep digest is shorter than a TLSH digest.
    if out.len() > ssdeep_end && ssdeep_end > first {
        if let Some(found) = out.get_mut(first..) {
            found.sort_by_key(|c| c.start);
        }
    }
}

/// Finds ssdeep digests, anchored on a `:` after a digit.
#[cfg(test)]
fn find_ssdeep(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let mark = |before_previous, previous, byte, next, third, fifth, sixth| {
        let anchored =
            anchor(before_previous, previous, byte, next, third, fifth, sixth);
        u8::from(anchored)
    };
    for_each_marked(text, mark, |at, _| visit(text, at, limits, out));
}

/// Marks a `:` that may end an ssdeep block size: it follows a digit
/// that can end 3 times a power of two (`2`, `3`, `4`, `6`, `8`), and
/// the byte three on is no `:` or `.`. That byte is in hash1, which has
/// at least 4 characters at any block size, and it is the `:` or `.`
/// of most clock times (`12:34:56.789`). See `for_each_marked` for the
/// arguments.
#[inline(always)]
pub(super) fn anchor(
    _: u8,
    previous: u8,
    byte: u8,
    _: u8,
    third: u8,
    _: u8,
    _: u8,
) -> bool {
    let last_digit = matches!(previous, b'2' | b'3' | b'4' | b'6' | b'8');
    (byte == b':') & last_digit & (third != b':') & (third != b'.')
}

/// Pushes the ssdeep digest whose first `:` is at `colon`, if there is
/// one, and returns where to resume.
pub(super) fn visit(
    text: &[u8],
    colon: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> usize {
    match ssdeep_at(text, colon, limits) {
        Some(candidate) => {
            let end = candidate.end;
            out.push(candidate);
            end
        }
        None => colon.saturating_add(1),
    }
}

/// Reads the ssdeep digest whose first `:` is at `colon`.
fn ssdeep_at(text: &[u8], colon: usize, limits: &Limits) -> Option<Candidate> {
    let head = text.get(colon.saturating_sub(MAX_BLOCK_DIGITS + 1)..colon)?;
    let digits = head.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits > MAX_BLOCK_DIGITS {
        return None;
    }
    let start = colon.checked_sub(digits)?;
    let glued =
        start.checked_sub(1).and_then(|i| text.get(i)).is_some_and(|&b| {
            b.is_ascii_alphanumeric() || b"+/:._\\".contains(&b)
        });
    if glued {
        return None;
    }
    let block_size = parse_block_size(text.get(start..colon)?)?;

    let hash1_start = colon.checked_add(1)?;
    let hash1_len = base64_run(text, hash1_start);
    let second_colon = hash1_start.checked_add(hash1_len)?;
    if text.get(second_colon) != Some(&b':') {
        return None;
    }
    let hash2_start = second_colon.checked_add(1)?;
    let hash2_len = base64_run(text, hash2_start);
    let end = hash2_start.checked_add(hash2_len)?;

    let hash1 = text.get(hash1_start..second_colon)?;
    let lengths_fit = (1..=MAX_HASH_LEN).contains(&hash1_len)
        && (1..=hash1_len).contains(&hash2_len);
    let plausible = if block_size == MIN_BLOCK_SIZE {
        hash1_len.saturating_add(hash2_len) >= MIN_SMALL_HASHES_LEN
            && hash1.iter().any(u8::is_ascii_alphabetic)
    } else {
        hash1_len >= MIN_HASH1_LEN
    };
    if !lengths_fit || !plausible || continues(text, end) {
        return None;
    }
    if end.saturating_sub(start) > limits.max_token_len {
        return None;
    }
    let value = std::str::from_utf8(text.get(start..end)?).ok()?;
    let candidate =
        Candidate::new(Category::FuzzyHash, start, end, value.to_string());
    Some(candidate.with_kind("ssdeep"))
}

/// Parses a block size and checks that it is 3 times a power of two.
fn parse_block_size(digits: &[u8]) -> Option<u64> {
    if digits.first() == Some(&b'0') {
        return None;
    }
    let size: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let multiple = size.checked_div(MIN_BLOCK_SIZE)?;
    let exact = multiple.checked_mul(MIN_BLOCK_SIZE) == Some(size);
    let valid = exact
        && multiple.is_power_of_two()
        && multiple.trailing_zeros() <= MAX_BLOCK_SHIFT;
    valid.then_some(size)
}

/// Returns the length of the run of base64 characters at `at`, counting
/// at most one more than `MAX_HASH_LEN`.
fn base64_run(text: &[u8], at: usize) -> usize {
    let rest = text.get(at..).unwrap_or_default();
    rest.iter()
        .take(MAX_HASH_LEN.saturating_add(1))
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        .count()
}

/// Reports whether the byte at `end` continues the token past hash2: a
/// fourth field, a word joiner, base64 padding or an escape.
fn continues(text: &[u8], end: usize) -> bool {
    match text.get(end) {
        Some(b':' | b'_' | b'-' | b'@' | b'=' | b'\\') => true,
        Some(b'.') => text
            .get(end.saturating_add(1))
            .is_some_and(u8::is_ascii_alphanumeric),
        _ => false,
    }
}

/// Finds TLSH digests: runs of at least 70 letters and digits.
#[cfg(test)]
fn find_tlsh(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let runs = base64_runs(text);
    for_each_long_run(text, &runs, TLSH_HEX_LEN, |start, end| {
        visit_run(text, start, end, limits, out);
    });
}

/// Pushes the TLSH digest that the alphanumeric run `start..end` is, if
/// it is one.
pub(super) fn visit_run(
    text: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    if end.saturating_sub(start) <= limits.max_token_len {
        out.extend(tlsh(text, start, end));
    }
}

/// Returns the TLSH candidate for the alphanumeric run `start..end`.
fn tlsh(text: &[u8], start: usize, end: usize) -> Option<Candidate> {
    let run = text.get(start..end)?;
    // The length comes first: most runs have neither, and the label
    // search reads 32 bytes.
    let (version, hex) = match run {
        [b'T' | b't', b'1', hex @ ..] if hex.len() == TLSH_HEX_LEN => {
            ("T1", hex)
        }
        hex if hex.len() == TLSH_HEX_LEN && labelled(text, start) => ("", hex),
        _ => return None,
    };
    if !hex.iter().all(u8::is_ascii_hexdigit)
        || distinct_digits(hex) < MIN_DISTINCT_DIGITS
    {
        return None;
    }
    let mut value = String::with_capacity(2 + TLSH_HEX_LEN);
    value.push_str(version);
    value.extend(hex.iter().map(|&b| char::from(b.to_ascii_uppercase())));
    let candidate = Candidate::new(Category::FuzzyHash, start, end, value);
    Some(candidate.with_kind("tlsh"))
}

/// Reports whether `tlsh` appears on the line before `start`, within
/// `TLSH_LABEL_WINDOW` bytes.
fn labelled(text: &[u8], start: usize) -> bool {
    let window = text
        .get(start.saturating_sub(TLSH_LABEL_WINDOW)..start)
        .unwrap_or_default();
    let line_start = window
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i.saturating_add(1));
    let line = window.get(line_start..).unwrap_or_default();
    line.windows(4).any(|w| w.eq_ignore_ascii_case(b"tlsh"))
}

fn distinct_digits(hex: &[u8]) -> usize {
    let seen = hex.iter().fold(0u32, |seen, &b| {
        let digit = char::from(b).to_digit(16).unwrap_or(0);
        seen | 1u32.checked_shl(digit).unwrap_or(0)
    });
    seen.count_ones() as usize
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Digests computed with ppdeep 20260221 (a Python port of ssdeep)
    /// over three copies of "The quick brown fox jumps over the lazy
    /// dog. " and over 146889 bytes of generated text, and with py-tlsh
    /// 5.0.0 over the same generated text.
    const SSDEEP_SMALL: &str =
        "3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY";
    const SSDEEP_LARGE: &str = "3072:DraJFCJUCsaDsf2cTyrS+xX9LZWqu++4iR85v:\
        DraJF+UCsaDsf2c8S+Dg4+4iRwv";
    const TLSH: &str = "T125E311126D865460FF8336026FE17411395B812FA619CAA\
        8F68F1021F523E7B6DBD8FD";

    fn run(text: &[u8]) -> Vec<Candidate> {
        super::super::testing::run(find, text)
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    #[test]
    fn ssdeep_digests_as_written() {
        for digest in [SSDEEP_SMALL, SSDEEP_LARGE] {
            let text = format!("ssdeep {digest}, next");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{digest}");
            assert_eq!(found[0].value, digest);
            assert_eq!(found[0].kind, Some("ssdeep"));
            assert_eq!((found[0].start, found[0].end), (7, 7 + digest.len()));
            assert_eq!(found[0].category, Category::FuzzyHash);
        }
    }

    #[test]
    fn ssdeep_file_name_is_left_out() {
        let text = format!("{SSDEEP_SMALL},\"C:\\\\x\\\\a.exe\"");
        assert_eq!(values(&text), [SSDEEP_SMALL]);
        let line = format!("ssdeep={SSDEEP_LARGE}\n");
        assert_eq!(values(&line), [SSDEEP_LARGE]);
    }

    #[test]
    fn ssdeep_look_alikes_give_nothing() {
        let long_hash1 = "a".repeat(65);
        let cases = [
            // Clock times, ratios and slices.
            "12:30:45".to_string(),
            "at 24:00:00 UTC".to_string(),
            "x[6:start:stop]".to_string(),
            "3:2:1".to_string(),
            "3:abc:de".to_string(),
            // Block sizes that are not 3 * 2^n.
            SSDEEP_LARGE.replacen("3072", "3071", 1),
            SSDEEP_LARGE.replacen("3072", "03072", 1),
            format!("{}:{}", 3u64 << 31, &SSDEEP_LARGE[5..]),
            // A large block size with a short hash1.
            "3072:DraJFCJUCsaDsf2c:DraJF".to_string(),
            // A hash2 longer than hash1, and a hash1 over 64 characters.
            "3:abcdefgh:abcdefghij".to_string(),
            format!("3:{long_hash1}:abc"),
            // Glued or continued.
            format!("x{SSDEEP_SMALL}"),
            format!("/{SSDEEP_SMALL}"),
            format!("{SSDEEP_SMALL}:more"),
            format!("{SSDEEP_SMALL}=="),
            format!("{SSDEEP_SMALL}.ext"),
            // An IPv6 address.
            "2001:db8::1".to_string(),
        ];
        for text in &cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn ssdeep_block_size_range() {
        assert_eq!(parse_block_size(b"3"), Some(3));
        assert_eq!(parse_block_size(b"6"), Some(6));
        assert_eq!(parse_block_size(b"3221225472"), Some(3 << 30));
        assert_eq!(parse_block_size(b"6442450944"), None);
        assert_eq!(parse_block_size(b"9"), None);
        assert_eq!(parse_block_size(b"0"), None);
        assert_eq!(parse_block_size(b"1"), None);
    }

    #[test]
    fn tlsh_forms_normalise_to_upper_case() {
        let lower = TLSH.to_ascii_lowercase();
        for written in [TLSH, lower.as_str()] {
            let text = format!("tlsh {written}.");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{written}");
            assert_eq!(found[0].value, TLSH);
            assert_eq!(found[0].kind, Some("tlsh"));
            assert_eq!((found[0].start, found[0].end), (5, 5 + 72));
        }
    }

    #[test]
    fn bare_tlsh_needs_a_label() {
        let bare = &TLSH[2..];
        let labelled = [
            format!("TLSH: {bare}"),
            format!("\"tlsh\": \"{}\"", bare.to_ascii_lowercase()),
            format!("tlsh hash value ={bare}"),
        ];
        for text in &labelled {
            assert_eq!(values(text), [bare], "{text}");
        }
        let unlabelled = [
            format!("hex {bare}"),
            format!("TLSH:\n{bare}"),
            format!("TLSH: {} {bare}", "x".repeat(40)),
        ];
        for text in &unlabelled {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn tlsh_look_alikes_give_nothing() {
        let cases = [
            format!("{TLSH}0"),
            format!("x{TLSH}"),
            TLSH[..71].to_string(),
            format!("T2{}", &TLSH[2..]),
            TLSH.replacen('E', "G", 1),
            format!("T1{}", "0".repeat(70)),
            format!("T1{}", "ab".repeat(35)),
        ];
        for text in &cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn both_kinds_in_order() {
        let text = format!("{TLSH} {SSDEEP_SMALL}\n{SSDEEP_LARGE} {TLSH}");
        let found = run(text.as_bytes());
        let starts: Vec<usize> = found.iter().map(|c| c.start).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted);
        let kinds: Vec<_> = found.iter().map(|c| c.kind).collect();
        let expected =
            [Some("tlsh"), Some("ssdeep"), Some("ssdeep"), Some("tlsh")];
        assert_eq!(kinds, expected);
    }

    #[test]
    fn long_anchor_runs_give_nothing() {
        for unit in [":", "3:", "3:a", "96:", "3:abcdefgh:"] {
            let text = unit.repeat(100_000);
            assert!(run(text.as_bytes()).is_empty(), "{unit}");
        }
        let hex = "0123456789abcdef".repeat(100_000);
        assert!(run(hex.as_bytes()).is_empty());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            super::super::testing::assert_valid_spans(find, &bytes);
        }

        #[test]
        fn every_value_scans_back_to_itself(
            text in "((3|6|12|96|1536|3072):[a-zA-Z0-9+/]{1,70}:[a-zA-Z0-9+/]{1,70}|T1[0-9A-F]{70}|[a-z0-9 :,.]{1,6}){0,6}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                let again = values(&candidate.value);
                prop_assert_eq!(again, vec![candidate.value.clone()]);
            }
        }
    }
}
