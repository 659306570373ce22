//! The steps from a match to a value: boundary checks, the value's span,
//! stripping, validation and case normalisation.

use bech32::primitives::decode::UncheckedHrpstring;
use bech32::{Bech32, Bech32m};

use super::Rule;
use crate::detect::crypto::eip55_checksum_matches;

/// Maximum length, in characters, of a value the `base58check` checksum
/// decodes.
/// Base58 decoding takes time quadratic in the length, and the longest
/// common Base58Check strings, extended keys, have 111 characters.
pub(super) const MAX_BASE58CHECK_LEN: usize = 128;

/// The characters a match may not touch on either side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Boundary {
    /// No check.
    None,
    /// Neither neighbour is an alphanumeric character (Unicode letters
    /// and digits) when `alphanumeric` is set, nor one of `chars`.
    Glue { alphanumeric: bool, chars: Vec<char> },
}

impl Boundary {
    /// Returns the default boundary: no alphanumeric neighbour.
    pub(super) fn word() -> Boundary {
        Boundary::Glue { alphanumeric: true, chars: Vec::new() }
    }

    fn is_glue(&self, c: char) -> bool {
        match self {
            Boundary::None => false,
            Boundary::Glue { alphanumeric, chars } => {
                (*alphanumeric && c.is_alphanumeric()) || chars.contains(&c)
            }
        }
    }
}

/// The case a value is reported in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Normalize {
    /// As written.
    #[default]
    None,
    Lowercase,
    Uppercase,
}

/// A checksum a value must pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// The Luhn mod-10 check of payment card numbers; spaces and `-`
    /// between the digits are ignored.
    Luhn,
    /// Base58 (Bitcoin alphabet) with a 4-byte double-SHA-256 checksum.
    Base58Check,
    /// A bech32 or bech32m string of any human-readable part.
    Bech32,
    /// `0x` and 40 hex digits whose mixed case, if any, passes EIP-55.
    Eip55,
}

impl Checksum {
    /// Every checksum with its name in a rules file.
    pub const ALL: [(Checksum, &'static str); 4] = [
        (Checksum::Luhn, "luhn"),
        (Checksum::Base58Check, "base58check"),
        (Checksum::Bech32, "bech32"),
        (Checksum::Eip55, "eip55"),
    ];

    /// Reports whether `value` passes the checksum.
    pub fn check(self, value: &str) -> bool {
        match self {
            Checksum::Luhn => luhn(value),
            Checksum::Base58Check => base58check(value),
            Checksum::Bech32 => bech32(value),
            Checksum::Eip55 => eip55(value),
        }
    }
}

/// Conditions on the value, all of which must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Validate {
    /// Inclusive bounds on the length in characters.
    pub length: Option<(usize, usize)>,
    /// Characters the value may contain; `None` allows any.
    pub charset: Option<Vec<char>>,
    pub checksum: Option<Checksum>,
}

impl Validate {
    fn accepts(&self, value: &str) -> bool {
        if let Some((min, max)) = self.length {
            let len = value.chars().count();
            if len < min || len > max {
                return false;
            }
        }
        if let Some(charset) = &self.charset {
            if !value.chars().all(|c| charset.contains(&c)) {
                return false;
            }
        }
        self.checksum.is_none_or(|checksum| checksum.check(value))
    }
}

/// Returns the value of a match and its span, or `None` when the match
/// touches a boundary character or the value fails a check. `found` is
/// the whole match and `span` the part the value comes from.
pub(super) fn accept(
    rule: &Rule,
    text: &[u8],
    found: (usize, usize),
    span: (usize, usize),
) -> Option<(usize, usize, String)> {
    if let Some(c) = char_before(text, found.0) {
        if rule.boundary.is_glue(c) {
            return None;
        }
    }
    if let Some(c) = char_at(text, found.1) {
        if rule.boundary.is_glue(c) {
            return None;
        }
    }
    let (mut start, mut end) = span;
    let written = std::str::from_utf8(text.get(start..end)?).ok()?;
    let stripped = written.trim_start_matches(rule.strip.as_slice());
    start = start.saturating_add(written.len().saturating_sub(stripped.len()));
    let value = stripped.trim_end_matches(rule.strip.as_slice());
    end = end.saturating_sub(stripped.len().saturating_sub(value.len()));
    if value.is_empty() || !rule.validate.accepts(value) {
        return None;
    }
    let value = match rule.normalize {
        Normalize::None => value.to_string(),
        Normalize::Lowercase => value.to_lowercase(),
        Normalize::Uppercase => value.to_uppercase(),
    };
    Some((start, end, value))
}

/// Returns the character that ends at `at`, if the bytes there are valid
/// UTF-8.
fn char_before(text: &[u8], at: usize) -> Option<char> {
    (1..=4).find_map(|len| {
        let bytes = text.get(at.checked_sub(len)?..at)?;
        std::str::from_utf8(bytes).ok()?.chars().next()
    })
}

/// Returns the character that starts at `at`, if the bytes there are
/// valid UTF-8.
fn char_at(text: &[u8], at: usize) -> Option<char> {
    (1..=4).find_map(|len| {
        let bytes = text.get(at..at.checked_add(len)?)?;
        std::str::from_utf8(bytes).ok()?.chars().next()
    })
}

/// Checks the Luhn digit: from the right, every second digit is doubled
/// (minus 9 above 9), and the sum is a multiple of 10. Spaces and `-`
/// are skipped; any other non-digit fails, and so do fewer than two
/// digits.
fn luhn(value: &str) -> bool {
    let mut sum = 0u32;
    let mut digits = 0usize;
    for c in value.chars().rev() {
        if c == ' ' || c == '-' {
            continue;
        }
        let Some(digit) = c.to_digit(10) else {
            return false;
        };
        let doubled = digits % 2 == 1;
        let add = match (doubled, digit) {
            (false, d) => d,
            (true, d) if d >= 5 => d.saturating_mul(2).saturating_sub(9),
            (true, d) => d.saturating_mul(2),
        };
        sum = sum.saturating_add(add) % 10;
        digits = digits.saturating_add(1);
    }
    digits >= 2 && sum == 0
}

fn base58check(value: &str) -> bool {
    if value.len() > MAX_BASE58CHECK_LEN {
        return false;
    }
    // A checksum needs 4 bytes, and the payload at least one more.
    bs58::decode(value)
        .with_check(None)
        .into_vec()
        .is_ok_and(|payload| !payload.is_empty())
}

fn bech32(value: &str) -> bool {
    UncheckedHrpstring::new(value).is_ok_and(|parsed| {
        parsed.has_valid_checksum::<Bech32>()
            || parsed.has_valid_checksum::<Bech32m>()
    })
}

fn eip55(value: &str) -> bool {
    let Some(hex) = value.strip_prefix("0x") else {
        return false;
    };
    let hex = hex.as_bytes();
    if hex.len() != 40 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let mixed = hex.iter().any(u8::is_ascii_lowercase)
        && hex.iter().any(u8::is_ascii_uppercase);
    !mixed || eip55_checksum_matches(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_card_test_numbers() {
        // Test numbers the card networks publish for integration tests.
        let cards = [
            "4111111111111111",
            "4111 1111 1111 1111",
            "5555-5555-5555-4444",
            "378282246310005",
            "6011111111111117",
            "4012888888881881",
        ];
        for card in cards {
            assert!(luhn(card), "{card}");
        }
    }

    #[test]
    fn luhn_rejects_wrong_digit_and_letters() {
        assert!(!luhn("4111111111111112"));
        assert!(!luhn("4111a11111111111"));
        assert!(!luhn("0"));
        assert!(!luhn("--"));
        // Unicode digits are not card digits.
        assert!(!luhn("٤١١١١١١١١١١١١١١١"));
    }

    #[test]
    fn base58check_accepts_real_address() {
        // The address of the Bitcoin genesis block's coinbase output.
        assert!(base58check("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        // The same with its last character changed.
        assert!(!base58check("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(!base58check("0OIl"));
        assert!(!base58check(&"1".repeat(MAX_BASE58CHECK_LEN + 1)));
    }

    #[test]
    fn bech32_accepts_both_checksums() {
        // BIP 173 and BIP 350 test vectors.
        assert!(bech32("A12UEL5L"));
        assert!(bech32("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
        assert!(bech32("a1lqfn3a"));
        assert!(bech32("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
        assert!(!bech32("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
        assert!(!bech32("nothing here"));
    }

    #[test]
    fn eip55_checks_mixed_case_only() {
        assert!(eip55("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        assert!(!eip55("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        assert!(eip55("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(!eip55("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"));
        assert!(!eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
    }

    #[test]
    fn neighbours_decoded_as_characters() {
        let text = "é.x".as_bytes();
        assert_eq!(char_before(text, 2), Some('é'));
        assert_eq!(char_at(text, 0), Some('é'));
        assert_eq!(char_at(text, 1), None);
        assert_eq!(char_before(text, 0), None);
        assert_eq!(char_at(text, 4), None);
    }

    #[test]
    fn validate_combines_conditions() {
        let validate = Validate {
            length: Some((2, 4)),
            charset: Some("abc".chars().collect()),
            checksum: None,
        };
        assert!(validate.accepts("abca"));
        assert!(!validate.accepts("a"));
        assert!(!validate.accepts("abcab"));
        assert!(!validate.accepts("abd"));
    }
}
