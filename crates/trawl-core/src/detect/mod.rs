//! The detectors. Each one scans refanged text once, in linear time, and
//! pushes candidates with offsets into that text; `resolve` then settles
//! overlaps between categories.

pub(crate) mod base64;
mod chars;
pub(crate) mod crypto;
pub(crate) mod cve;
pub(crate) mod domain;
pub(crate) mod email;
pub(crate) mod hash;
mod hostname;
pub(crate) mod ip;
pub(crate) mod path;
pub(crate) mod url;

use crate::Category;

/// A possible detection, with offsets into the refanged text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub category: Category,
    pub start: usize,
    pub end: usize,
    /// The normalised value.
    pub value: String,
    /// A finer type, as in [`crate::Detection::kind`].
    pub kind: Option<&'static str>,
    /// Set on the host of a URL: it is reported only when its URL is, and
    /// it never competes with other candidates for its span.
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
        value: String,
    ) -> Candidate {
        Candidate {
            category,
            start,
            end,
            value,
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

/// Runs every detector over `text`.
pub(crate) fn find_all(
    text: &[u8],
    limits: &crate::Limits,
    out: &mut Vec<Candidate>,
) {
    url::find(text, limits, out);
    domain::find(text, limits, out);
    ip::find(text, limits, out);
    hash::find(text, limits, out);
    email::find(text, limits, out);
    path::find(text, limits, out);
    base64::find(text, limits, out);
    crypto::find(text, limits, out);
    cve::find(text, limits, out);
}

/// Helpers for the detectors' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Candidate;
    use crate::Limits;

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
        run(find, text.as_bytes()).into_iter().map(|c| c.value).collect()
    }
}
