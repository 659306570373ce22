//! The scanner: refang, detect, resolve, map offsets, recurse into
//! decoded payloads.

use crate::detect::{self, Candidate};
use crate::refang::refang;
use crate::{Category, CategorySet, Detection, Limits, Source};

/// Longest decoded payload, in bytes, kept as text in a detection.
const MAX_DECODED_TEXT: usize = 4096;

/// Scans byte slices for indicators. Cheap to share between threads.
#[derive(Clone, Debug, Default)]
pub struct Scanner {
    categories: CategorySet,
    limits: Limits,
}

/// The result of scanning one byte slice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOutput {
    /// Detections sorted by start offset.
    pub detections: Vec<Detection>,
    /// Set when `Limits::max_detections` cut the list short.
    pub truncated: bool,
}

impl Scanner {
    /// Creates a scanner reporting `categories`, bounded by `limits`.
    pub fn new(categories: CategorySet, limits: Limits) -> Scanner {
        Scanner { categories, limits }
    }

    /// Returns the limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Scans `bytes` and returns its detections, offsets into `bytes`.
    pub fn scan(&self, bytes: &[u8]) -> ScanOutput {
        let mut output = ScanOutput::default();
        self.scan_into(bytes, 0, None, &mut output);
        output
    }

    /// Scans `bytes`; when `outer` is set, every detection takes that span
    /// and comes from a payload `depth` decodings deep.
    fn scan_into(
        &self,
        bytes: &[u8],
        depth: u8,
        outer: Option<(usize, usize)>,
        output: &mut ScanOutput,
    ) {
        let refanged = refang(bytes);
        let mut candidates = Vec::new();
        detect::find_all(&refanged.text, &self.limits, &mut candidates);
        // A weak candidate stays only when its raw text was defanged, so
        // it was longer before refanging.
        candidates.retain(|c| {
            !c.weak
                || refanged
                    .map
                    .end(c.end)
                    .saturating_sub(refanged.map.start(c.start))
                    > c.end - c.start
        });
        let kept = crate::resolve::resolve(candidates);

        for candidate in kept {
            if output.detections.len() >= self.limits.max_detections {
                output.truncated = true;
                return;
            }
            let (start, end) = match outer {
                Some(span) => span,
                None => (
                    refanged.map.start(candidate.start),
                    refanged.map.end(candidate.end),
                ),
            };
            self.push(candidate, start, end, depth, output);
        }
    }

    fn push(
        &self,
        candidate: Candidate,
        start: usize,
        end: usize,
        depth: u8,
        output: &mut ScanOutput,
    ) {
        let Candidate { category, value, kind, payload, .. } = candidate;
        let source = match depth {
            0 => Source::Text,
            depth => Source::Base64 { depth },
        };
        let decoded = payload.as_deref().map(decoded_text);
        if self.categories.contains(category) {
            output.detections.push(Detection {
                category,
                value,
                start,
                end,
                kind,
                decoded: decoded.clone(),
                source,
            });
        }
        if category == Category::Base64 && depth < self.limits.max_decode_depth
        {
            if let Some(text) = decoded {
                let span = Some((start, end));
                self.scan_into(text.as_bytes(), depth + 1, span, output);
            }
        }
    }
}

/// Returns a decoded payload as text: UTF-16LE (as PowerShell's
/// `-EncodedCommand` uses) is transcoded, anything else is read as lossy
/// UTF-8. The result is cut to `MAX_DECODED_TEXT` bytes.
fn decoded_text(payload: &[u8]) -> String {
    let mut text = if looks_utf16le(payload) {
        let units = payload
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        String::from_utf8_lossy(payload).into_owned()
    };
    if text.len() > MAX_DECODED_TEXT {
        let mut cut = MAX_DECODED_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// Reports whether most odd bytes are NUL, as in ASCII text in UTF-16LE.
fn looks_utf16le(payload: &[u8]) -> bool {
    if payload.len() < 4 {
        return false;
    }
    let odd = payload.iter().skip(1).step_by(2);
    let zeros = odd.clone().filter(|&&b| b == 0).count();
    zeros * 10 >= odd.count() * 9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16le_payload_is_transcoded() {
        let payload: Vec<u8> =
            "IEX abc".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(decoded_text(&payload), "IEX abc");
    }

    #[test]
    fn decoded_text_is_bounded() {
        let payload = vec![b'a'; MAX_DECODED_TEXT * 2];
        assert_eq!(decoded_text(&payload).len(), MAX_DECODED_TEXT);
    }
}
