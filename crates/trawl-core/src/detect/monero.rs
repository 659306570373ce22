//! Monero mainnet addresses, with their checksums verified.
//!
//! Monero writes an address in its own block-wise Base58: every 8 bytes
//! of the decoded form take 11 characters, and a shorter last block takes
//! the fewest characters that hold it (5 bytes take 7). An address
//! decodes to a network byte, two 32-byte public keys, for an integrated
//! address an 8-byte payment id, and a checksum: the first 4 bytes of
//! Keccak-256 over everything before it. So a standard or subaddress is
//! 69 bytes in 95 characters, and an integrated address 77 bytes in 106.
//!
//! Only mainnet network bytes are accepted: 18 (standard, written from
//! `4`), 42 (subaddress, from `8`) and 19 (integrated, from `4`). Testnet
//! and stagenet addresses name no real funds and are not reported.
//!
//! An address is a whole alphanumeric token, one of the long runs that
//! `chars::for_each_long_run` finds.

use sha3::{Digest, Keccak256};

use super::chars::lookup;
#[cfg(test)]
use super::chars::{base64_runs, for_each_long_run};
use super::Candidate;
use crate::{Category, Limits};

/// Characters in a standard address and a subaddress.
const STANDARD_LEN: usize = 95;

/// Characters in an integrated address.
const INTEGRATED_LEN: usize = 106;

/// Characters of a full block and the bytes they decode to.
const FULL_BLOCK_CHARS: usize = 11;
const FULL_BLOCK_BYTES: usize = 8;

/// Bytes a block of `n` characters decodes to, for `n` up to 11, or
/// `None` where no byte count encodes to that many characters.
const BLOCK_BYTES: [Option<usize>; FULL_BLOCK_CHARS + 1] = [
    Some(0),
    None,
    Some(1),
    Some(2),
    None,
    Some(3),
    Some(4),
    Some(5),
    None,
    Some(6),
    Some(7),
    Some(8),
];

/// Longest decoded address: an integrated one.
const MAX_DECODED_LEN: usize = 77;

/// Bytes of the checksum at the end of the decoded form.
const CHECKSUM_LEN: usize = 4;

/// Mainnet network bytes.
const STANDARD_NETWORK: u8 = 18;
const INTEGRATED_NETWORK: u8 = 19;
const SUBADDRESS_NETWORK: u8 = 42;

/// Marks a byte outside the Base58 alphabet in `DIGIT`.
const NOT_BASE58: u8 = 0xff;

/// The Base58 alphabet that Bitcoin and Monero share.
const ALPHABET: &[u8; 58] =
    b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Value of every byte as a Base58 digit, or `NOT_BASE58`.
static DIGIT: [u8; 256] = digit_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn digit_table() -> [u8; 256] {
    let mut table = [NOT_BASE58; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// Pushes every Monero address found in `text`.
// The scanner runs this detector together with the TLSH one in
// `detect::find_long_runs`; this runs it alone, for its tests.
#[cfg(test)]
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let runs = base64_runs(text);
    for_each_long_run(text, &runs, STANDARD_LEN, |start, end| {
        visit_run(text, start, end, limits, out);
    });
}

/// Pushes the address that the alphanumeric run `start..end` is, if it is
/// one.
pub(super) fn visit_run(
    text: &[u8],
    start: usize,
    end: usize,
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    if end.saturating_sub(start) <= limits.max_token_len {
        out.extend(address(text, start, end));
    }
}

/// Returns the candidate for the alphanumeric run `start..end` if it is
/// a mainnet address with a valid checksum.
fn address(text: &[u8], start: usize, end: usize) -> Option<Candidate> {
    let token = text.get(start..end)?;
    let kind = kind(token)?;
    let value = std::str::from_utf8(token).ok()?.to_string();
    Some(Candidate::new(Category::Xmr, start, end, value).with_kind(kind))
}

/// Returns `standard`, `subaddress` or `integrated` for a valid mainnet
/// address.
fn kind(token: &[u8]) -> Option<&'static str> {
    if !matches!(token.len(), STANDARD_LEN | INTEGRATED_LEN)
        || !matches!(token.first(), Some(b'4' | b'8'))
    {
        return None;
    }
    let mut decoded = [0u8; MAX_DECODED_LEN];
    let len = decode(token, &mut decoded)?;
    let bytes = decoded.get(..len)?;
    let (payload, checksum) =
        bytes.split_at_checked(len.checked_sub(CHECKSUM_LEN)?)?;
    let digest = Keccak256::digest(payload);
    if digest.get(..CHECKSUM_LEN) != Some(checksum) {
        return None;
    }
    match (*payload.first()?, token.len()) {
        (STANDARD_NETWORK, STANDARD_LEN) => Some("standard"),
        (SUBADDRESS_NETWORK, STANDARD_LEN) => Some("subaddress"),
        (INTEGRATED_NETWORK, INTEGRATED_LEN) => Some("integrated"),
        _ => None,
    }
}

/// Decodes Monero Base58 into `out` and returns the decoded length, or
/// `None` for a character outside the alphabet, a last block of a length
/// no byte count encodes to, or a block whose value overflows its bytes.
fn decode(token: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut len = 0usize;
    for block in token.chunks(FULL_BLOCK_CHARS) {
        let size = BLOCK_BYTES.get(block.len()).copied().flatten()?;
        let target = out.get_mut(len..len.checked_add(size)?)?;
        decode_block(block, target)?;
        len = len.checked_add(size)?;
    }
    Some(len)
}

/// Decodes one block into `target`, big-endian, whose length is the
/// block's byte count.
fn decode_block(block: &[u8], target: &mut [u8]) -> Option<()> {
    let mut value: u64 = 0;
    for &c in block {
        let digit = lookup(&DIGIT, c);
        if digit == NOT_BASE58 {
            return None;
        }
        value = value.checked_mul(58)?.checked_add(u64::from(digit))?;
    }
    let bytes = value.to_be_bytes();
    let unused = FULL_BLOCK_BYTES.checked_sub(target.len())?;
    let (high, low) = bytes.split_at_checked(unused)?;
    // A value too large for the block's bytes is not a valid encoding.
    if high.iter().any(|&b| b != 0) {
        return None;
    }
    target.copy_from_slice(low);
    Some(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Chars of a block of `n` bytes, for `n` up to 8.
    const BLOCK_CHARS: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];

    /// Encodes bytes in Monero Base58, as the reference wallet does.
    fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for block in bytes.chunks(FULL_BLOCK_BYTES) {
            let mut value =
                block.iter().fold(0u64, |value, &b| value << 8 | u64::from(b));
            let width = BLOCK_CHARS[block.len()];
            let mut chars = vec![b'1'; width];
            for slot in chars.iter_mut().rev() {
                *slot = ALPHABET[(value % 58) as usize];
                value /= 58;
            }
            out.push_str(std::str::from_utf8(&chars).unwrap());
        }
        out
    }

    /// Builds an address from a network byte and the bytes after it,
    /// appending the Keccak-256 checksum.
    fn address_of(network: u8, body: &[u8]) -> String {
        let mut payload = vec![network];
        payload.extend_from_slice(body);
        let digest = Keccak256::digest(&payload);
        payload.extend_from_slice(&digest[..CHECKSUM_LEN]);
        encode(&payload)
    }

    fn keys(seed: u8) -> Vec<u8> {
        (0..64u8).map(|i| i.wrapping_mul(37).wrapping_add(seed)).collect()
    }

    fn run(text: &[u8]) -> Vec<Candidate> {
        super::super::testing::run(find, text)
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    /// An address widely published as the Monero project's donation
    /// address, and the address in ESET's KryptoCibule report. The tests
    /// below check that both checksums hold.
    const GENERAL_FUND: &str = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7\
        otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
    const KRYPTOCIBULE: &str = "46h7prr8CobGASRYKx36a7FNpQefBua6m7zHjLchod\
        tjdahrZYmCiCuDK7g4CYiDnFBawFsDffMpFinwRYLMwd7QVV891GB";

    #[test]
    fn encoder_matches_published_addresses() {
        for published in [GENERAL_FUND, KRYPTOCIBULE] {
            let mut decoded = [0u8; MAX_DECODED_LEN];
            let len = decode(published.as_bytes(), &mut decoded).unwrap();
            assert_eq!(len, 69);
            assert_eq!(encode(&decoded[..len]), published);
            assert_eq!(decoded[0], STANDARD_NETWORK);
        }
    }

    #[test]
    fn published_addresses_are_standard() {
        for published in [GENERAL_FUND, KRYPTOCIBULE] {
            let text = format!("donate: {published}.");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{published}");
            assert_eq!(found[0].value, published);
            assert_eq!(found[0].kind, Some("standard"));
            assert_eq!((found[0].start, found[0].end), (8, 8 + 95));
            assert_eq!(found[0].category, Category::Xmr);
        }
    }

    #[test]
    fn built_addresses_and_kinds() {
        let mut integrated = keys(7);
        integrated.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        let cases = [
            (address_of(STANDARD_NETWORK, &keys(1)), "standard", '4'),
            (address_of(SUBADDRESS_NETWORK, &keys(2)), "subaddress", '8'),
            (address_of(INTEGRATED_NETWORK, &integrated), "integrated", '4'),
        ];
        for (address, expected, first) in cases {
            assert!(address.starts_with(first), "{address}");
            let text = format!("pay to {address} now");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "{address}");
            assert_eq!(found[0].value, address);
            assert_eq!(found[0].kind, Some(expected));
        }
    }

    #[test]
    fn flipped_character_fails_checksum() {
        let address = address_of(STANDARD_NETWORK, &keys(3));
        for at in [1, 40, 90, 94] {
            let mut flipped = address.clone().into_bytes();
            flipped[at] = if flipped[at] == b'2' { b'3' } else { b'2' };
            let flipped = String::from_utf8(flipped).unwrap();
            assert_eq!(values(&flipped), Vec::<String>::new(), "at {at}");
        }
        let published = GENERAL_FUND.replace("44AFF", "44AFG");
        assert_eq!(values(&published), Vec::<String>::new());
    }

    #[test]
    fn other_networks_and_shapes_give_nothing() {
        // Testnet (53) and stagenet (24) standard addresses, a standard
        // network byte in an integrated-length address, and an
        // integrated network byte in a standard-length one.
        let mut integrated = keys(9);
        integrated.extend_from_slice(&[9; 8]);
        let cases = [
            address_of(53, &keys(4)),
            address_of(24, &keys(5)),
            address_of(STANDARD_NETWORK, &integrated),
            address_of(INTEGRATED_NETWORK, &keys(6)),
        ];
        for address in cases {
            assert_eq!(values(&address), Vec::<String>::new(), "{address}");
        }
    }

    #[test]
    fn glued_or_cut_addresses_give_nothing() {
        let cases = [
            format!("x{GENERAL_FUND}"),
            format!("{GENERAL_FUND}1"),
            GENERAL_FUND[..94].to_string(),
            format!("{GENERAL_FUND}{GENERAL_FUND}"),
            GENERAL_FUND.replace('A', "0"),
        ];
        for text in cases {
            assert_eq!(values(&text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn overflowing_block_is_rejected() {
        // `zzzzzzzzzzz` is 58^11 - 1, more than a 64-bit block holds.
        let mut target = [0u8; 8];
        assert!(decode_block(b"zzzzzzzzzzz", &mut target).is_none());
        let mut short = [0u8; 5];
        assert!(decode_block(b"zzzzzzz", &mut short).is_none());
        assert!(decode_block(b"1111112", &mut short).is_some());
        assert_eq!(short, [0, 0, 0, 0, 1]);
    }

    #[test]
    fn address_at_every_alignment() {
        for pad in 0..100 {
            let text = format!("{}{KRYPTOCIBULE}{}", " ".repeat(pad), ".");
            let found = run(text.as_bytes());
            assert_eq!(found.len(), 1, "pad {pad}");
            assert_eq!(found[0].start, pad, "pad {pad}");
        }
    }

    #[test]
    fn long_runs_give_nothing() {
        let text = "4".repeat(1 << 20);
        assert!(run(text.as_bytes()).is_empty());
        let words = "4abc ".repeat(1 << 18);
        assert!(run(words.as_bytes()).is_empty());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            super::super::testing::assert_valid_spans(find, &bytes);
        }

        #[test]
        fn every_built_address_is_found(
            body in proptest::collection::vec(any::<u8>(), 64),
            network in prop::sample::select(
                vec![STANDARD_NETWORK, SUBADDRESS_NETWORK]
            ),
        ) {
            let address = address_of(network, &body);
            prop_assert_eq!(address.len(), STANDARD_LEN);
            prop_assert_eq!(values(&address), vec![address.clone()]);
        }
    }
}
