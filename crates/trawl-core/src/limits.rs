//! Named limits that bound the work done on one input.

/// Bounds on the scanner's work. Every bound keeps scanning linear in the
/// input and memory proportional to the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum token length, in bytes, that a detector considers. A URL or path
    /// longer than this is not reported.
    pub max_token_len: usize,
    /// Maximum detections `Scanner::scan` collects for one input (later
    /// ones are dropped and the output is marked as truncated). The
    /// command line applies it to the distinct values of one input and
    /// to its `--detail` list.
    pub max_detections: usize,
    /// How many times decoded base64 payloads are scanned again.
    pub max_decode_depth: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_token_len: 8192,
            max_detections: 1_000_000,
            max_decode_depth: 2,
        }
    }
}
