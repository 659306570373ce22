//! The detectors. Each one scans refanged text once, in linear time, and
//! pushes candidates with offsets into that text; `resolve` then settles
//! overlaps between categories.

pub(crate) mod asn;
pub(crate) mod attack;
pub(crate) mod base64;
mod cashaddr;
mod chars;
pub(crate) mod crypto;
pub(crate) mod cve;
pub(crate) mod domain;
pub(crate) mod email;
pub(crate) mod filename;
pub(crate) mod fuzzy;
pub(crate) mod hash;
mod hostname;
mod interior;
pub(crate) mod ip;
pub(crate) mod mac;
pub(crate) mod monero;
pub(crate) mod mutex;
pub(crate) mod path;
pub(crate) mod registry;
pub(crate) mod url;
mod value;

pub(crate) use interior::UrlInteriors;
pub(crate) use value::Value;

use crate::{Category, Limits};

/// A possible detection, with offsets into the refanged text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub category: Category,
    pub start: usize,
    pub end: usize,
    /// The normalised value.
    pub value: Value,
    /// A finer type, as in [`crate::Detection::kind`].
    pub kind: Option<&'static str>,
    /// Set on the host of a URL or the server of a UNC path: it is
    /// reported only when its URL or path is, and it never competes with
    /// other candidates for its span.
    pub derived: bool,
    /// Set when the value is ambiguous as written plainly (a name whose
    /// suffix is also a file extension, `invoice.zip`): the scanner keeps
    /// it only when the input wrote it defanged (`invoice[.]zip`), which
    /// marks it as an indicator.
    pub weak: bool,
    /// Decoded bytes of a base64 token, scanned again by the scanner.
    pub payload: Option<Vec<u8>>,
}

impl Candidate {
    /// Creates a plain candidate.
    pub fn new(
        category: Category,
        start: usize,
        end: usize,
        value: impl Into<Value>,
    ) -> Candidate {
        Candidate {
            category,
            start,
            end,
            value: value.into(),
            kind: None,
            derived: false,
            weak: false,
            payload: None,
        }
    }

    /// Returns the candidate with a finer type set.
    pub fn with_kind(mut self, kind: &'static str) -> Candidate {
        self.kind = Some(kind);
        self
    }
}

/// Runs every detector over `text`, but the domain and path detectors
/// only outside the interiors of the URLs found, and returns those
/// interiors. After overlap resolution the candidates equal those of
/// [`find_all_whole`] when it keeps every URL of the interiors.
pub(crate) fn find_all(
    text: &[u8],
    limits: &Limits,
    out: &mut Vec<Candidate>,
) -> UrlInteriors {
    let first = out.len();
    url::find(text, limits, out);
    let urls = UrlInteriors::of(text, out.get(first..).unwrap_or_default());
    find_after_urls(text, limits, &urls, out);
    urls
}

/// Runs every detector over the whole of `text`.
pub(crate) fn find_all_whole(
    text: &[u8],
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    url::find(text, limits, out);
    find_after_urls(text, limits, &UrlInteriors::default(), out);
}

/// Runs every detector but the URL detector, the looser ones outside
/// `urls`.
fn find_after_urls(
    text: &[u8],
    limits: &Limits,
    urls: &UrlInteriors,
    out: &mut Vec<Candidate>,
) {
    // The lists of the last window on this thread are taken and given
    // back at the end, so that each window fills lists that have grown
    // already instead of growing new ones. A window scanned from inside
    // this one would take empty lists, which is only slower.
    let (mut runs, mut lettered_runs) = RUN_LISTS.take();
    // One walk finds the runs that the hash, base64, address and
    // long-token detectors read.
    chars::base64_runs_into(text, &mut runs);
    lettered_runs.clear();
    domain::find_outside_noting_runs(
        text,
        limits,
        urls.cursor(),
        out,
        &mut lettered_runs,
    );
    ip::find(text, limits, out);
    let before_digests = out.len();
    hash::find_in_runs(text, &runs, limits, out);
    let digests: Vec<(usize, usize)> = out
        .get(before_digests..)
        .unwrap_or_default()
        .iter()
        .map(|c| (c.start, c.end))
        .collect();
    email::find(text, limits, out);
    path::find_outside(text, limits, urls.cursor(), out);
    base64::find(text, &runs, out);
    crypto::find(text, &runs, limits, out);
    find_marked(text, limits, out);
    find_long_runs(text, &runs, limits, out);
    filename::find_in_runs(text, &lettered_runs, &digests, out);
    mutex::find(text, &runs, out);
    RUN_LISTS.set((runs, lettered_runs));
}

/// The run lists of [`find_after_urls`]: the base64-alphabet runs and the
/// dotted runs with a letter.
type RunLists = (Vec<(usize, usize)>, Vec<(usize, usize)>);

thread_local! {
    /// The run lists of the last window that this thread scanned, kept
    /// for their memory: that of the window with the most runs, which
    /// is a few MiB at most for a window of 1 MiB.
    static RUN_LISTS: std::cell::Cell<RunLists> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// Runs the detectors that share one marking pass over `text`: registry keys,
/// ATT&CK ids, MAC addresses, AS numbers, ssdeep digests and CVE ids. Their
/// anchor bytes (`K`, `T`, `:`, `-`, `.`, `S`, `E`) are common, so one pass
/// that marks them all costs far less than a search per detector. The mark
/// (`coarse_anchor`) is set wherever one of the detectors' anchors can match,
/// and is computed for every byte in a vectorised loop. Each marked offset is
/// then checked by the anchors of the detectors its byte can start. Candidates
/// come out in order within each category.
fn find_marked(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let mut resume = Resume::default();
    chars::for_each_marked(text, coarse_anchor, |at, _| {
        resume.visit(text, at, limits, out);
        at.saturating_add(1)
    });
}

/// Marks every offset where an anchor of a `find_marked` detector
/// holds:
/// - `HK` in any case, or a `\\` before an `R` or `r`;
/// - a `T` before `0`, `1`, `A` or a byte that shares their clear bits,
///   with no `:` three bytes on;
/// - `AS`;
/// - `E-` or `e-`, which `CVE-` ends with;
/// - a `:` after a byte from `0` to `?`, which takes in the digits that
///   end an ssdeep block size, with no `:` or `.` three bytes on;
/// - a `:` one or two bytes after an `n`;
/// - a `:`, `-` or `.` where the MAC anchor's later separators follow.
///
/// Each test is a vector compare over sixteen bytes at a time. Each mark
/// left out spares a call to `Resume::visit`, and without the tests of
/// the bytes three and six on the clock times and dates of logs made
/// most marks. Each marked offset is then checked against the detectors'
/// own anchors.
#[inline(always)]
fn coarse_anchor(
    before_previous: u8,
    previous: u8,
    byte: u8,
    next: u8,
    third: u8,
    fifth: u8,
    sixth: u8,
) -> u8 {
    let hive = ((byte | 0x20) == b'k') & ((previous | 0x20) == b'h');
    let kernel = (byte == b'\\') & ((next | 0x20) == b'r');
    // A clock time has a `:` three bytes after its `T` and after the
    // `:` that ends its hours, and often a `.` three bytes after the one
    // that ends its minutes.
    let colon_three_on = third == b':';
    // `0`, `1` and `A` differ only in bits 0, 4, 5 and 6, and one masked
    // compare costs fewer vector instructions than three compares.
    let attack = (byte == b'T') & ((next | 0x71) == 0x71) & !colon_three_on;
    // An ssdeep block size ends in a digit, and hash1 has a base64
    // character three bytes after the `:`. Testing the high four bits
    // takes fewer vector instructions than testing for a digit.
    let block_size =
        ((previous & 0xf0) == 0x30) & !colon_three_on & (third != b'.');
    // An `asn` label ends in `n`, or in `n` and a quote. The quote is
    // left untested: few marks would go, for more vector instructions.
    let label = (previous == b'n') | (before_previous == b'n');
    let colon = byte == b':';
    // The first separator of a MAC address.
    let grouped = (colon | (byte == b'-')) & (third == byte) & (sixth == byte)
        | (byte == b'.') & (fifth == b'.');
    let asn = (byte == b'S') & (previous == b'A');
    // Testing the `CV` before it here would drop few marks for more
    // vector instructions, so `visit` tests it.
    let cve = ((byte | 0x20) == b'e') & (next == b'-');
    let any = hive
        | kernel
        | attack
        | asn
        | cve
        | colon & (block_size | label)
        | grouped;
    u8::from(any)
}

/// The offsets from which the `find_marked` detectors resume.
#[derive(Default)]
struct Resume {
    registry: usize,
    attack: usize,
    mac: usize,
    asn: usize,
    ssdeep: usize,
    cve: usize,
}

impl Resume {
    /// Passes the marked offset `at` to each detector whose anchor byte
    /// is there, if its anchor matches and it has not read past `at`.
    // Kept out of line because, inlined into the marking loop of
    // `for_each_marked`, it made that loop take about 1.5 M more
    // instructions on the 4 MB benchmark text.
    #[inline(never)]
    fn visit(
        &mut self,
        text: &[u8],
        at: usize,
        limits: &Limits,
        out: &mut Vec<Candidate>,
    ) {
        let [pp, p, b, n, _, t, _, f, s] = bytes_around(text, at);
        match b {
            b'K' | b'k' | b'\\' => {
                if at >= self.registry
                    && registry::anchor(pp, p, b, n, t, f, s)
                {
                    self.registry = registry::visit(text, at, limits, out);
                }
            }
            b'T' => {
                if at >= self.attack && attack::anchor(pp, p, b, n, t, f, s) {
                    self.attack = attack::visit(text, at, limits, out);
                }
            }
            b'S' => {
                if at >= self.asn && asn::anchor(pp, p, b, n, t, f, s) {
                    self.asn = asn::visit(text, at, limits, out);
                }
            }
            b'E' | b'e' => {
                if at >= self.cve && cve::anchor(pp, p, b, n, t, f, s) {
                    self.cve = cve::visit(text, at, limits, out);
                }
            }
            _ => {
                if at >= self.mac && mac::anchor(pp, p, b, n, t, f, s) {
                    self.mac = mac::visit(text, at, limits, out);
                }
                if b != b':' {
                    return;
                }
                if at >= self.asn && asn::anchor(pp, p, b, n, t, f, s) {
                    self.asn = asn::visit(text, at, limits, out);
                }
                if at >= self.ssdeep && fuzzy::anchor(pp, p, b, n, t, f, s) {
                    self.ssdeep = fuzzy::visit(text, at, limits, out);
                }
            }
        }
    }
}

/// Returns the bytes from two before `at` to six after it, with 0 for a
/// byte outside the text.
fn bytes_around(text: &[u8], at: usize) -> [u8; 9] {
    // One range check instead of one per byte, except near the ends.
    let inside = at.checked_sub(2).and_then(|start| {
        text.get(start..start.checked_add(9)?)?.try_into().ok()
    });
    inside.unwrap_or_else(|| {
        let mut bytes = [0; 9];
        for (slot, index) in bytes.iter_mut().zip(0usize..) {
            let offset = at.checked_add(index).and_then(|o| o.checked_sub(2));
            *slot = offset.and_then(|o| text.get(o)).copied().unwrap_or(0);
        }
        bytes
    })
}

/// A detector's test of the bytes around an offset, as
/// `chars::for_each_marked` passes them.
#[cfg(test)]
type Anchor = fn(u8, u8, u8, u8, u8, u8, u8) -> bool;

/// Runs the detectors of long alphanumeric tokens, Monero addresses and
/// TLSH digests, over the runs of 70 or more letters and digits, which
/// both need. `runs` are the text's runs as `chars::base64_runs` returns
/// them.
fn find_long_runs(
    text: &[u8],
    runs: &[(usize, usize)],
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    chars::for_each_long_run(text, runs, TLSH_MIN_LEN, |start, end| {
        monero::visit_run(text, start, end, limits, out);
        fuzzy::visit_run(text, start, end, limits, out);
    });
}

/// The shortest token `find_long_runs` passes on: a TLSH digest without
/// its `T1`. Monero addresses are longer.
const TLSH_MIN_LEN: usize = 70;

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs the detectors of `find_marked` and `find_long_runs` one at a
    /// time.
    fn one_at_a_time(text: &[u8]) -> Vec<Candidate> {
        let finds: [testing::Find; 7] = [
            registry::find,
            attack::find,
            mac::find,
            asn::find,
            fuzzy::find,
            monero::find,
            cve::find,
        ];
        let mut out = Vec::new();
        for find in finds {
            out.extend(testing::run(find, text));
        }
        out.sort_by_key(|c| (c.category, c.start));
        out
    }

    fn together(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        find_marked(text, &Limits::default(), &mut out);
        let runs = chars::base64_runs(text);
        find_long_runs(text, &runs, &Limits::default(), &mut out);
        out.sort_by_key(|c| (c.category, c.start));
        out
    }

    #[test]
    fn shared_pass_finds_what_each_detector_finds() {
        let text = "HKLM\\Software\\x T1059.001 00:1a:2b:3c:4d:5e AS13335 \
            3:FJKKIUKacnAeKKIUKacnAeKKIUKacb:FHIG8NIG8NIGY asn: 9009 \
            \\Registry\\Machine\\System TA0002 001a.2b3c.4d5e \
            CVE-2021-44228 cve-2014-0160";
        let found = together(text.as_bytes());
        assert_eq!(found.len(), 11, "{found:?}");
        assert_eq!(found, one_at_a_time(text.as_bytes()));
    }

    /// Returns the offsets that `find_marked` passes to its detectors.
    fn coarse_marks(text: &[u8]) -> Vec<usize> {
        let mut marked = Vec::new();
        chars::for_each_marked(text, coarse_anchor, |at, _| {
            marked.push(at);
            at + 1
        });
        marked
    }

    #[test]
    fn timestamps_and_dates_are_not_marked() {
        // A `:` after a digit may end an ssdeep block size, but not with
        // a `:` or `.` three bytes on, as each has here. A time without
        // a fraction of a second (`10:15:07 `) has its second `:` marked.
        let text = b" 2024-03-16T12:34:56.789Z 10:15:07.5 2024-11-04,55 \
            16:48:20.5 ";
        assert_eq!(coarse_marks(text), [] as [usize; 0]);
    }

    #[test]
    fn json_keys_marked_only_after_n() {
        let text = br#"{"host": "db", "sha1": "ab", "asn": 13335}"#;
        let label = text.windows(5).position(|w| w == br#"asn":"#);
        assert_eq!(coarse_marks(text), [label.unwrap() + 4]);
    }

    #[test]
    fn bytes_around_match_byte_reads() {
        let text = b"0123456789ab";
        for len in 0..=text.len() {
            let text = &text[..len];
            for at in 0..len + 2 {
                let expected: Vec<u8> = (0..9)
                    .map(|i| {
                        let offset = (at + i).checked_sub(2);
                        offset.and_then(|o| text.get(o)).map_or(0, |&b| b)
                    })
                    .collect();
                assert_eq!(bytes_around(text, at), expected[..], "{len} {at}");
            }
        }
    }

    proptest! {
        #[test]
        fn coarse_anchor_covers_every_anchor(
            around in proptest::array::uniform7(prop::sample::select(
                b"hHkKT10A\\rR:-.sSan\"'5f2346789 cCvVeE".to_vec()
            )),
        ) {
            let [pp, p, b, n, t, f, s] = around;
            let anchors: [Anchor; 6] = [
                registry::anchor,
                attack::anchor,
                mac::anchor,
                asn::anchor,
                fuzzy::anchor,
                cve::anchor,
            ];
            let any =
                anchors.iter().any(|anchor| anchor(pp, p, b, n, t, f, s));
            prop_assert!(!any || coarse_anchor(pp, p, b, n, t, f, s) == 1);
        }

        #[test]
        fn shared_pass_matches_separate_passes(
            text in "(HKLM\\\\[a-z ]{1,6}|T1[0-9]{3}(\\.0[0-9]{2})?|[0-9a-f]{2}[:-]|AS[0-9]{3,6}|asn: [0-9]{2}|3:[a-zA-Z]{4,9}:[a-z]{2,4}|[cC][vV][eE]-20[0-9]{2}-[0-9]{4,5}|[a-z :.-]{1,4}){0,24}"
        ) {
            prop_assert_eq!(together(text.as_bytes()), one_at_a_time(text.as_bytes()));
        }

        #[test]
        fn anchors_skip_only_offsets_visit_rejects(
            text in "(3:[a-zA-Z0-9]{1,9}:[a-zA-Z]{1,6}|[1-9]{1,3}:[0-9a-f.:]{1,4}|asn[\"']?:|AS[0-9]{3}|T[01A][0-9.]{1,5}|[cC][vV][eE]-[0-9]{2,5}-[0-9]{3,8}|[:. \"'-]|[a-z0-9]{1,3}){0,30}"
        ) {
            let text = text.as_bytes();
            prop_assert_eq!(
                visit_marked(text, exact(fuzzy::anchor), fuzzy::visit),
                visit_marked(text, |_, _, b, _, _, _, _| u8::from(b == b':'), fuzzy::visit)
            );
            prop_assert_eq!(
                visit_marked(text, exact(asn::anchor), asn::visit),
                visit_marked(
                    text,
                    |_, p, b, _, _, _, _| u8::from((b == b'S') & (p == b'A') | (b == b':')),
                    asn::visit
                )
            );
            prop_assert_eq!(
                visit_marked(text, exact(attack::anchor), attack::visit),
                visit_marked(text, |_, _, b, _, _, _, _| u8::from(b == b'T'), attack::visit)
            );
            prop_assert_eq!(
                visit_marked(text, exact(cve::anchor), cve::visit),
                visit_marked(text, |_, _, b, _, _, _, _| u8::from(b | 0x20 == b'e'), cve::visit)
            );
        }
    }

    /// A detector's entry point for one anchor offset.
    type Visit = fn(&[u8], usize, &Limits, &mut Vec<Candidate>) -> usize;

    /// Returns what `visit` finds when called at every offset `mark`
    /// marks.
    fn visit_marked(
        text: &[u8],
        mark: impl Fn(u8, u8, u8, u8, u8, u8, u8) -> u8,
        visit: Visit,
    ) -> Vec<Candidate> {
        let mut out = Vec::new();
        chars::for_each_marked(text, mark, |at, _| {
            visit(text, at, &Limits::default(), &mut out)
        });
        out
    }

    /// Returns `anchor` as a mark.
    fn exact(anchor: Anchor) -> impl Fn(u8, u8, u8, u8, u8, u8, u8) -> u8 {
        move |pp, p, b, n, t, f, s| u8::from(anchor(pp, p, b, n, t, f, s))
    }
}

/// Helpers for the detectors' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{chars, Anchor, Candidate};
    use crate::Limits;

    /// Runs one detector of the shared marking pass alone: `visit` at
    /// every offset where `anchor` returns true.
    pub(crate) fn run_anchored(
        text: &[u8],
        limits: &Limits,
        out: &mut Vec<Candidate>,
        anchor: Anchor,
        visit: fn(&[u8], usize, &Limits, &mut Vec<Candidate>) -> usize,
    ) {
        let mark =
            |pp, p, b, n, t, f, s| u8::from(anchor(pp, p, b, n, t, f, s));
        chars::for_each_marked(text, mark, |at, _| {
            visit(text, at, limits, out)
        });
    }

    /// A detector's entry point.
    pub(crate) type Find = fn(&[u8], &Limits, &mut Vec<Candidate>);

    /// Runs `find` over `text` with the default limits.
    pub(crate) fn run(find: Find, text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        find(text, &Limits::default(), &mut out);
        out
    }

    /// Checks that every candidate `find` reports in `bytes` has a
    /// non-empty span inside the input, starting at an ASCII byte.
    pub(crate) fn assert_valid_spans(find: Find, bytes: &[u8]) {
        for candidate in run(find, bytes) {
            assert!(candidate.start < candidate.end, "{candidate:?}");
            assert!(candidate.end <= bytes.len(), "{candidate:?}");
            let first = bytes.get(candidate.start);
            assert!(first.is_some_and(u8::is_ascii), "{candidate:?}");
        }
    }

    /// Returns the values `find` reports in `text`.
    pub(crate) fn values(find: Find, text: &str) -> Vec<String> {
        let found = run(find, text.as_bytes()).into_iter();
        found.map(|c| String::from(c.value)).collect()
    }
}
