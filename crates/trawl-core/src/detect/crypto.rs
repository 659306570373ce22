//! Bitcoin, Litecoin, Dash, Bitcoin Cash and Ethereum wallet addresses,
//! with their checksums verified.
//!
//! Every address is a whole alphanumeric token: the bytes on both sides are
//! not ASCII letters or digits. Such a token of 14 or more characters lies
//! inside one of the runs of `[A-Za-z0-9+/=_-]` that the base64 detector
//! reads, so the text is not scanned again. Each run is split at its
//! non-alphanumeric bytes. A piece is checked only when it starts as an
//! address does and has a length that its type allows, and only then is a
//! checksum computed. Ethereum addresses start with `0x`, and segwit
//! addresses with `bc1` or `ltc1`. Legacy Base58Check addresses start
//! with `1`, `3`, `L`, `M`, `X` or `7`, and their version byte names the
//! coin. Bitcoin Cash's CashAddr starts with `q` or `p`, because its
//! `bitcoincash:` prefix lies outside the run.
//!
//! Bitcoin Cash and Litecoin also use Bitcoin's version bytes 0 and 5, so
//! their addresses of that form are indistinguishable from Bitcoin's and
//! are reported as Bitcoin addresses.

use std::cell::RefCell;

use bech32::primitives::decode::SegwitHrpstring;
use bech32::segwit::{VERSION_0, VERSION_1};
use sha2::Sha256;
use sha3::{Digest, Keccak256};

use super::cashaddr;
use super::chars::{alnum_prefix_len, lookup};
use super::{Candidate, Value};
use crate::{Category, Limits};

/// Length limits of a legacy Base58Check address: a 21-byte payload plus a
/// 4-byte checksum encodes to 26 to 35 characters, fewer with more leading
/// zero bytes.
const LEGACY_MIN_LEN: usize = 26;
const LEGACY_MAX_LEN: usize = 35;

/// Version byte and 20-byte hash of a legacy address.
const LEGACY_PAYLOAD_LEN: usize = 21;
const VERSION_P2PKH: u8 = 0x00;
const VERSION_P2SH: u8 = 0x05;

/// The mainnet version bytes of legacy addresses, with the coin and the
/// address type each stands for. Litecoin's `L` and `M` and Dash's `X`
/// and `7` are their first characters.
const LEGACY_VERSIONS: [(u8, Address); 6] = [
    (VERSION_P2PKH, Address::new(Category::Btc, "p2pkh")),
    (VERSION_P2SH, Address::new(Category::Btc, "p2sh")),
    (0x30, Address::new(Category::Ltc, "p2pkh")),
    (0x32, Address::new(Category::Ltc, "p2sh")),
    (0x4c, Address::new(Category::Dash, "p2pkh")),
    (0x10, Address::new(Category::Dash, "p2sh")),
];

/// The coin and type of a checked address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Address {
    category: Category,
    kind: &'static str,
}

impl Address {
    const fn new(category: Category, kind: &'static str) -> Self {
        Address { category, kind }
    }
}

/// Payload plus the 4-byte checksum: the decoded length of a legacy address.
const LEGACY_DECODED_LEN: usize = LEGACY_PAYLOAD_LEN + 4;

/// Hex digits of an Ethereum address after `0x`.
const ETH_HEX_LEN: usize = 40;

/// Length of `0x` and the hex digits of an Ethereum address.
const ETH_LEN: usize = 2 + ETH_HEX_LEN;

/// Length limits of a segwit address: BIP 173 caps a bech32 string at 90
/// characters, and the shortest one (`bc1`, a witness version, a 2-byte
/// program and a 6-character checksum) has 14.
const SEGWIT_MIN_LEN: usize = 14;
const SEGWIT_MAX_LEN: usize = 90;

/// Pushes every wallet address found in `text`. `runs`
/// are the text's runs as [`base64_runs`](super::chars::base64_runs)
/// returns them.
// Out of line so that profiles show the detector's cost under its name.
#[inline(never)]
pub(crate) fn find(
    text: &[u8],
    runs: &[(usize, usize)],
    limits: &Limits,
    out: &mut Vec<Candidate>,
) {
    RECENT.with_borrow_mut(|recent| {
        find_in_runs(text, runs, limits, recent, out)
    });
}

thread_local! {
    /// The checksum results kept across calls: the scanner reads a
    /// document in windows and decoded payloads, and an address repeated
    /// across them is checked once.
    static RECENT: RefCell<RecentChecks> = RefCell::default();
}

/// Pushes the addresses in `runs` as [`find`] does, reading and storing
/// checksum results in `recent`.
fn find_in_runs(
    text: &[u8],
    runs: &[(usize, usize)],
    limits: &Limits,
    recent: &mut RecentChecks,
    out: &mut Vec<Candidate>,
) {
    for &(start, end) in runs {
        let Some(run) = text.get(start..end) else { continue };
        // Offsets stay within the run, so nothing below saturates.
        let mut from: usize = 0;
        while let Some(rest) = run.get(from..) {
            let Some(last_start) = rest.len().checked_sub(SEGWIT_MIN_LEN)
            else {
                break;
            };
            let Some((min_len, max_len)) = address_len_range(rest) else {
                // The piece starts unlike an address, so skip to the byte
                // after the next one that is not alphanumeric. Only such a
                // byte before `last_start` leaves room for an address.
                let ahead = rest.get(..last_start).unwrap_or_default();
                let skip = alnum_prefix_len(ahead);
                if skip == ahead.len() {
                    break;
                }
                from = from.saturating_add(skip).saturating_add(1);
                continue;
            };
            let len = alnum_prefix_len(rest);
            if (min_len..=max_len).contains(&len)
                && len <= limits.max_token_len
            {
                let token_start = start.saturating_add(from);
                let token_end = token_start.saturating_add(len);
                let found = validate(text, token_start, token_end, recent);
                out.extend(found);
            }
            from = from.saturating_add(len).saturating_add(1);
        }
    }
}

/// Returns the length limits of the address types whose start `bytes`
/// begins with, if any (see the module's documentation). `LTC1` can
/// start a legacy Litecoin address too, whose lengths the segwit limits
/// include.
fn address_len_range(bytes: &[u8]) -> Option<(usize, usize)> {
    match bytes {
        [b'0', b'x', ..] => Some((ETH_LEN, ETH_LEN)),
        [b'b' | b'B', b'c' | b'C', b'1', ..]
        | [b'l' | b'L', b't' | b'T', b'c' | b'C', b'1', ..] => {
            Some((SEGWIT_MIN_LEN, SEGWIT_MAX_LEN))
        }
        [b'1' | b'3' | b'L' | b'M' | b'X' | b'7', ..] => {
            Some((LEGACY_MIN_LEN, LEGACY_MAX_LEN))
        }
        [b'q' | b'p' | b'Q' | b'P', ..] => {
            Some((cashaddr::MIN_LEN, cashaddr::MAX_LEN))
        }
        _ => None,
    }
}

/// The Base58 alphabet of Bitcoin: digits and letters without `0`, `O`,
/// `I` and `l`.
static IS_BASE58: [bool; 256] = byte_table(ByteClass::Base58);

/// ASCII hex digits in either case.
static IS_HEX: [bool; 256] = byte_table(ByteClass::Hex);

/// The byte classes that the tables above are built from.
enum ByteClass {
    Base58,
    Hex,
}

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn byte_table(class: ByteClass) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < table.len() {
        let b = i as u8;
        table[i] = match class {
            ByteClass::Base58 => {
                b.is_ascii_alphanumeric()
                    && !matches!(b, b'0' | b'O' | b'I' | b'l')
            }
            ByteClass::Hex => b.is_ascii_hexdigit(),
        };
        i += 1;
    }
    table
}

/// Returns the address candidate for the token `start..end`, if it is one.
// Out of line, so that the piece loop of `find_in_runs`, which calls it
// for a few runs in a hundred, keeps its values in registers.
#[inline(never)]
fn validate(
    text: &[u8],
    start: usize,
    end: usize,
    recent: &mut RecentChecks,
) -> Option<Candidate> {
    let token = text.get(start..end)?;
    let candidate = match token {
        // A token is ASCII letters and digits from a base64 run, so the
        // values copy it without UTF-8 validation and, when it is short
        // enough, without a heap allocation. Lower-casing an Ethereum
        // token leaves its `0x` as it is.
        [b'0', b'x', hex @ ..] => {
            if !is_eth_address(hex) {
                return None;
            }
            let value = Value::ascii_lowercase(token)?;
            Candidate::new(Category::Eth, start, end, value)
        }
        _ => {
            let (address, case_sensitive) =
                recent.address(token, check_address)?;
            // Base58 is case-sensitive, and bech32 and CashAddr are
            // written in one case, reported in lower case.
            let value = if case_sensitive {
                Value::from_ascii(token)?
            } else {
                Value::ascii_lowercase(token)?
            };
            Candidate::new(address.category, start, end, value)
                .with_kind(address.kind)
        }
    };
    Some(candidate)
}

/// Reports whether the bytes after `0x` are 40 hex digits that, when
/// they mix cases, pass the EIP-55 checksum.
fn is_eth_address(hex: &[u8]) -> bool {
    if hex.len() != ETH_HEX_LEN || !hex.iter().all(|&b| lookup(&IS_HEX, b)) {
        return false;
    }
    let has_lower = hex.iter().any(u8::is_ascii_lowercase);
    let has_upper = hex.iter().any(u8::is_ascii_uppercase);
    !(has_lower && has_upper) || eip55_checksum_matches(hex)
}

/// Checks the EIP-55 mixed-case checksum: a letter is upper case exactly
/// when the matching nibble of Keccak-256 over the lower-case hex is 8 or
/// more.
pub(crate) fn eip55_checksum_matches(hex: &[u8]) -> bool {
    let digest = Keccak256::digest(hex.to_ascii_lowercase());
    hex.chunks(2).zip(digest.iter()).all(|(pair, &byte)| {
        let nibbles = [byte >> 4, byte & 0x0f];
        pair.iter().zip(nibbles).all(|(&c, nibble)| {
            !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (nibble >= 8)
        })
    })
}

/// Returns the coin and type of the non-Ethereum address `token`, and
/// whether its form is case-sensitive.
fn check_address(token: &[u8]) -> Option<(Address, bool)> {
    let segwit = match token {
        [b'b' | b'B', b'c' | b'C', b'1', ..]
        | [b'l' | b'L', b't' | b'T', b'c' | b'C', b'1', ..] => {
            segwit_address(token)
        }
        _ => None,
    };
    if let Some(address) = segwit {
        return Some((address, false));
    }
    match token.first()? {
        b'1' | b'3' | b'L' | b'M' | b'X' | b'7' => {
            legacy_address(token).map(|address| (address, true))
        }
        b'q' | b'p' | b'Q' | b'P' => {
            let kind = cashaddr::kind(token)?;
            Some((Address::new(Category::Bch, kind), false))
        }
        _ => None,
    }
}

/// Returns the coin and type of a legacy address with a valid
/// Base58Check checksum and a 21-byte payload of a version in
/// `LEGACY_VERSIONS`.
fn legacy_address(token: &[u8]) -> Option<Address> {
    if !(LEGACY_MIN_LEN..=LEGACY_MAX_LEN).contains(&token.len())
        || !token.iter().all(|&b| lookup(&IS_BASE58, b))
        || !may_decode_to_legacy_len(token)
    {
        return None;
    }
    let decoded = decode_legacy(token)?;
    let (payload, checksum) = decoded.split_at(LEGACY_PAYLOAD_LEN);
    // Base58Check: the first four bytes of SHA-256 applied twice.
    if Sha256::digest(Sha256::digest(payload)).get(..4) != Some(checksum) {
        return None;
    }
    legacy_version(*payload.first()?)
}

/// Returns the coin and type that a legacy version byte stands for.
fn legacy_version(version: u8) -> Option<Address> {
    LEGACY_VERSIONS
        .iter()
        .find(|&&(byte, _)| byte == version)
        .map(|&(_, address)| address)
}

/// Decodes `token`, whose bytes must all be in [`IS_BASE58`], into the
/// bytes of a legacy address. Returns `None` when they are not exactly
/// `LEGACY_DECODED_LEN` bytes, where the `bs58` decoder would fail or
/// give a payload of another length. As in Bitcoin's Base58, each
/// leading `1` is a zero byte and the rest is a big-endian number.
///
/// Ten digits are folded into one `u64` before the number is multiplied.
/// On the 4 MB benchmark text a token costs about 500 instructions here,
/// against about 3,500 in `bs58`'s decoder, which works a byte at a time.
// Cannot overflow: `value` and `scale` stay at or below 58^10 < 2^59,
// and each limb product is below 2^64 * 2^59 + 2^64 < 2^128.
#[allow(clippy::arithmetic_side_effects)]
fn decode_legacy(token: &[u8]) -> Option<[u8; LEGACY_DECODED_LEN]> {
    // Four little-endian limbs hold 256 bits, and a legacy address of
    // at most 35 digits is below 58^35 < 2^205.
    let mut limbs = [0u64; 4];
    for chunk in token.chunks(10) {
        let mut value: u64 = 0;
        let mut scale: u64 = 1;
        for &byte in chunk {
            value = value * 58 + u64::from(lookup(&BASE58_DIGIT, byte));
            scale *= 58;
        }
        let mut carry = u128::from(value);
        for limb in &mut limbs {
            let product = u128::from(*limb) * u128::from(scale) + carry;
            *limb = product as u64;
            carry = product >> 64;
        }
        if carry != 0 {
            return None;
        }
    }

    let mut number = [0u8; 32];
    for (bytes, limb) in number.chunks_exact_mut(8).zip(limbs.iter().rev()) {
        bytes.copy_from_slice(&limb.to_be_bytes());
    }
    let number_zeros = number.iter().take_while(|&&b| b == 0).count();
    let number = number.get(number_zeros..)?;

    let zeros = token.iter().take_while(|&&b| b == b'1').count();
    if zeros.checked_add(number.len())? != LEGACY_DECODED_LEN {
        return None;
    }
    let mut decoded = [0u8; LEGACY_DECODED_LEN];
    decoded.get_mut(zeros..)?.copy_from_slice(number);
    Some(decoded)
}

/// The value of each Base58 digit, and 0 for every other byte.
static BASE58_DIGIT: [u8; 256] = base58_digit_table();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn base58_digit_table() -> [u8; 256] {
    let alphabet =
        b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut table = [0u8; 256];
    let mut digit = 0;
    while digit < alphabet.len() {
        table[alphabet[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
}

/// Reports whether a Base58 token can decode to `LEGACY_DECODED_LEN`
/// bytes, judged by its length alone, so that most tokens of the wrong
/// size skip the decoder and the two SHA-256 rounds of the checksum.
///
/// Each leading `1` decodes to one zero byte. The `digits` characters after
/// them encode a number from 58^(digits-1) up to 58^digits - 1, which
/// takes from `POW58_BYTE_LEN[digits - 1]` to `POW58_BYTE_LEN[digits]`
/// bytes.
fn may_decode_to_legacy_len(token: &[u8]) -> bool {
    let ones = token.iter().take_while(|&&b| b == b'1').count();
    let digits = token.get(ones..).map_or(0, <[u8]>::len);
    let Some(number_len) = LEGACY_DECODED_LEN.checked_sub(ones) else {
        return false;
    };
    let (Some(&min), Some(&max)) = (
        digits.checked_sub(1).and_then(|d| POW58_BYTE_LEN.get(d)),
        POW58_BYTE_LEN.get(digits),
    ) else {
        return false;
    };
    (usize::from(min)..=usize::from(max)).contains(&number_len)
}

/// `POW58_BYTE_LEN[k]` is the number of bytes in the big-endian form of
/// 58^k.
static POW58_BYTE_LEN: [u8; LEGACY_MAX_LEN + 1] = pow58_byte_lengths();

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn pow58_byte_lengths() -> [u8; LEGACY_MAX_LEN + 1] {
    // 58^35 < 256^27, so 32 little-endian base-256 limbs hold every power.
    let mut number = [0u8; 32];
    number[0] = 1;
    let mut table = [0u8; LEGACY_MAX_LEN + 1];
    let mut k = 0;
    while k < table.len() {
        let mut len = number.len();
        while len > 1 && number[len - 1] == 0 {
            len -= 1;
        }
        table[k] = len as u8;
        let mut carry = 0u32;
        let mut i = 0;
        while i < number.len() {
            let product = number[i] as u32 * 58 + carry;
            number[i] = product as u8;
            carry = product >> 8;
            i += 1;
        }
        k += 1;
    }
    table
}

/// Base-2 logarithm of the number of tokens whose checksum result
/// `RecentChecks` keeps.
const RECENT_SLOT_BITS: u32 = 9;

/// Number of tokens whose checksum result `RecentChecks` keeps.
const RECENT_SLOTS: usize = 1 << RECENT_SLOT_BITS;

/// Checksum results of recently seen legacy and segwit tokens, in a
/// direct-mapped table of `RECENT_SLOTS` slots. Texts often repeat a
/// wallet address, and a legacy checksum costs a Base58 decode and two
/// SHA-256 rounds, so a repeat is looked up instead. The table is
/// allocated on first use and never grows, and a collision only costs a
/// new check.
#[derive(Default)]
struct RecentChecks {
    slots: Vec<RecentCheck>,
}

/// One token and the result its check returned.
#[derive(Clone, Copy)]
struct RecentCheck {
    len: usize,
    token: [u8; SEGWIT_MAX_LEN],
    result: CheckResult,
}

/// The result of a check: the address and whether its form is
/// case-sensitive.
type CheckResult = Option<(Address, bool)>;

impl RecentChecks {
    /// Returns `check(token)`, from the table if `token` is in it.
    fn address(
        &mut self,
        token: &[u8],
        check: fn(&[u8]) -> CheckResult,
    ) -> CheckResult {
        if self.slots.is_empty() {
            let empty = RecentCheck {
                len: 0,
                token: [0; SEGWIT_MAX_LEN],
                result: None,
            };
            self.slots.resize(RECENT_SLOTS, empty);
        }
        let Some(slot) = self.slots.get_mut(slot_index(token)) else {
            return check(token);
        };
        if slot.token.get(..slot.len) == Some(token) {
            return slot.result;
        }
        let result = check(token);
        if let Some(stored) = slot.token.get_mut(..token.len()) {
            stored.copy_from_slice(token);
            slot.len = token.len();
            slot.result = result;
        }
        result
    }
}

/// Returns the slot of `token` in `RecentChecks`, from its last eight
/// bytes: the checksum characters, which vary the most.
fn slot_index(token: &[u8]) -> usize {
    let tail = token.last_chunk::<8>().copied().unwrap_or_default();
    // Fibonacci hashing: the top bits of the product mix every input bit.
    let hash = u64::from_le_bytes(tail).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (hash >> (u64::BITS - RECENT_SLOT_BITS)) as usize % RECENT_SLOTS
}

/// Returns the coin and type of a Bitcoin (`bc`) or Litecoin (`ltc`)
/// mainnet segwit address whose checksum (bech32 for version 0, bech32m
/// for later versions) and witness program are valid. The decoder also
/// rejects mixed case and strings longer than bech32 allows.
fn segwit_address(token: &[u8]) -> Option<Address> {
    let address = std::str::from_utf8(token).ok()?;
    let segwit = SegwitHrpstring::new(address).ok()?;
    let category = if segwit.hrp() == bech32::hrp::BC {
        Category::Btc
    } else if segwit.hrp() == LITECOIN_HRP {
        Category::Ltc
    } else {
        return None;
    };
    // Each data character carries 5 bits; the decoder has checked that the
    // leftover padding bits are zero.
    let program_len =
        segwit.data_part_ascii_no_witver_no_checksum().len().saturating_mul(5)
            / 8;
    let kind = match (segwit.witness_version(), program_len) {
        (VERSION_0, 20) => "p2wpkh",
        (VERSION_0, 32) => "p2wsh",
        (VERSION_1, 32) => "p2tr",
        _ => "segwit",
    };
    Some(Address::new(category, kind))
}

/// The human-readable part of Litecoin's mainnet segwit addresses.
const LITECOIN_HRP: bech32::Hrp = bech32::Hrp::parse_unchecked("ltc");

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::super::chars::base64_runs;
    use super::*;
    use proptest::prelude::*;

    /// Runs the detector over the runs of `text`, as the scanner does.
    fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
        super::find(text, &base64_runs(text), limits, out);
    }

    fn run(text: &[u8]) -> Vec<Candidate> {
        super::super::testing::run(find, text)
    }

    fn values(text: &str) -> Vec<String> {
        super::super::testing::values(find, text)
    }

    fn found_one(text: &str) -> Candidate {
        let mut found = run(text.as_bytes());
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.remove(0)
    }

    #[test]
    fn eip55_vectors_pass_checksum() {
        let addresses = [
            "0x52908400098527886E0F7030069857D2E4169EE7",
            "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
            "0xde709f2102306220921060314715629080e2fb77",
            "0x27b1fdb04752bbc536007a920d24acb045561c26",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        ];
        for address in addresses {
            let text = format!("send to {address}.");
            let found = found_one(&text);
            assert_eq!(found.category, Category::Eth);
            assert_eq!(found.value, address.to_ascii_lowercase());
            assert_eq!((found.start, found.end), (8, 8 + address.len()));
        }
    }

    #[test]
    fn eip55_wrong_case_is_rejected() {
        let addresses = [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
            "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5D359",
            "0x52908400098527886E0F7030069857D2E4169eE7",
        ];
        for address in addresses {
            assert_eq!(values(address), Vec::<String>::new(), "{address}");
        }
    }

    #[test]
    fn eth_boundaries_and_decoys() {
        let address = "0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab";
        let cases: &[(&str, &[&str])] = &[
            (
                "prefix-0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab-suffix",
                &[address],
            ),
            ("[0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab]", &[address]),
            ("\"0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab\"", &[address]),
            ("to=0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab&", &[address]),
            (
                "0x0000000000000000000000000000000000000000",
                &["0x0000000000000000000000000000000000000000"],
            ),
            ("a0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab", &[]),
            ("00x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab", &[]),
            ("0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90abg", &[]),
            ("0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90", &[]),
            ("0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab0", &[]),
            ("0xG2ab34cd56ef78ab90cd12ef34ab56cd78ef90ab", &[]),
            ("0X12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab", &[]),
            ("ba09fe87dc65ba43ba21x0{garbage}", &[]),
        ];
        for &(text, expected) in cases {
            assert_eq!(values(text), expected, "{text}");
        }
    }

    #[test]
    fn eth_transaction_hash_gives_nothing() {
        let text = "tx 0xd96429ba3190f4fedea0408c739e726588ff0d1b7319508867ef7ff09cf91ae1 \
             confirmed";
        assert_eq!(values(text), Vec::<String>::new());
    }

    #[test]
    fn legacy_addresses_and_kinds() {
        let cases = [
            ("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "p2pkh"),
            ("1BY6sveLrU4jJRj7uxN28fQNzFeczrXYxW", "p2pkh"),
            ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "p2pkh"),
            ("3D6Zr2zy9Gf4pJeKQk46Tf6Tnu6Rzsj1tv", "p2sh"),
            ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "p2sh"),
        ];
        for (address, kind) in cases {
            let text = format!("pay ({address}).");
            let found = found_one(&text);
            assert_eq!(found.category, Category::Btc);
            assert_eq!(found.value, address);
            assert_eq!(found.kind, Some(kind));
            assert_eq!((found.start, found.end), (5, 5 + address.len()));
        }
    }

    #[test]
    fn legacy_invalid_or_glued_is_rejected() {
        let cases = [
            "noise-noise-1BoatSLRHtKNngkdXEeobR76b53LETtpy-more-noise",
            "xxxx1KFHE7w8BhaENAswwryaoccDb6qcT6Dbxxxx",
            "almost-btc-1BoatSLRHtKNngkdXEeobR76b53LETtp",
            "short-1KFHE7w8BhaENAswwryaoccDb6qcT6D",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyt",
            "1OatSLRHtKNngkdXEeobR76b53LETtpy0",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNL",
            "xx1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyTx",
            "11BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn legacy_wrong_payload_is_rejected() {
        let mut short = vec![VERSION_P2PKH];
        short.extend([0x42; 19]);
        let mut other_version = vec![0x06];
        other_version.extend([0x42; 20]);
        let mut long = vec![VERSION_P2SH];
        long.extend([0x42; 21]);
        for payload in [short, other_version, long] {
            let encoded = bs58::encode(&payload).with_check().into_string();
            let found = legacy_address(encoded.as_bytes());
            assert_eq!(found, None, "{encoded}");
        }
    }

    #[test]
    fn segwit_vectors_and_kinds() {
        let cases = [
            ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "p2wpkh"),
            ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "p2wpkh"),
            ("bc1q3lnd7fhgun4dejv8vxgf3ln9nswun6tcnnfn6a", "p2wpkh"),
            (
                "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
                "p2wsh",
            ),
            (
                "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
                "p2tr",
            ),
            (
                "bc1phvdf7euauegz6mvhcx0nzd66r6pwtsa4aypq4fmag94z2kaeg5fqp7dspj",
                "p2tr",
            ),
            (
                "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
                "segwit",
            ),
            ("BC1SW50QGDZ25J", "segwit"),
            ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "segwit"),
        ];
        for (address, kind) in cases {
            let text = format!("to {address}, now");
            let found = found_one(&text);
            assert_eq!(found.category, Category::Btc);
            assert_eq!(found.value, address.to_ascii_lowercase());
            assert_eq!(found.kind, Some(kind), "{address}");
            assert_eq!((found.start, found.end), (3, 3 + address.len()));
        }
    }

    #[test]
    fn segwit_invalid_vectors_are_rejected() {
        let cases = [
            // Version 1 and 16 with a bech32 instead of bech32m checksum.
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
            // Version 0 with a bech32m checksum.
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
            // Character outside the bech32 alphabet.
            "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
            // Witness version 17.
            "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
            // Program of 1 byte, and of 16 bytes for version 0.
            "bc1pw5dgrnzv",
            "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
            // More than 4 bits of padding, and no data at all.
            "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
            "bc1gmk9yu",
            // Mixed case.
            "bc1qW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            // Testnet human-readable part.
            "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
            // Truncated, extended or glued.
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4q",
            "abc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ];
        for text in cases {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn litecoin_and_dash_legacy_addresses() {
        // (address, category); the first two are from a published
        // report, the others encode one hash under each version byte.
        let hash = [0x3c; 20];
        let encode = |version: u8| {
            let mut payload = vec![version];
            payload.extend_from_slice(&hash);
            bs58::encode(payload).with_check().into_string()
        };
        let cases = [
            ("LTzrJENnVYYRp8hMgUenoZuzEFLyaPzGQB".to_string(), Category::Ltc),
            ("XdSrfZRP3gGEbtUpK8o9RV9S7LiGfDmTju".to_string(), Category::Dash),
            (encode(0x30), Category::Ltc),
            (encode(0x32), Category::Ltc),
            (encode(0x4c), Category::Dash),
            (encode(0x10), Category::Dash),
        ];
        let kinds = ["p2pkh", "p2pkh", "p2pkh", "p2sh", "p2pkh", "p2sh"];

        for ((address, category), kind) in cases.iter().zip(kinds) {
            let text = format!("wallet: {address}\n");
            let found = found_one(&text);
            assert_eq!(found.category, *category, "{address}");
            assert_eq!(found.value, address.as_str());
            assert_eq!(found.kind, Some(kind), "{address}");
            assert_eq!((found.start, found.end), (8, 8 + address.len()));
        }

        // Bitcoin's version bytes stay Bitcoin's whatever the coin.
        let btc = encode(VERSION_P2SH);
        assert_eq!(found_one(&btc).category, Category::Btc);
        // Testnet versions and a changed checksum give nothing.
        for version in [0x6f, 0x3a, 0x8c] {
            assert_eq!(values(&encode(version)), Vec::<String>::new());
        }
        let mut altered = encode(0x30);
        altered.replace_range(10..11, "Z");
        assert_eq!(values(&altered), Vec::<String>::new());
    }

    #[test]
    fn litecoin_segwit_addresses() {
        let ltc = bech32::Hrp::parse("ltc").unwrap();
        let wpkh = bech32::segwit::encode(ltc, VERSION_0, &[7; 20]).unwrap();
        let tr = bech32::segwit::encode(ltc, VERSION_1, &[9; 32]).unwrap();
        for (address, kind) in [(&wpkh, "p2wpkh"), (&tr, "p2tr")] {
            for form in [address.clone(), address.to_ascii_uppercase()] {
                let found = found_one(&format!("to {form}."));
                assert_eq!(found.category, Category::Ltc, "{form}");
                assert_eq!(found.value, address.as_str());
                assert_eq!(found.kind, Some(kind));
            }
        }
        // Testnet and unknown human-readable parts give nothing.
        for hrp in ["tltc", "doge", "ltcx"] {
            let hrp = bech32::Hrp::parse(hrp).unwrap();
            let other =
                bech32::segwit::encode(hrp, VERSION_0, &[7; 20]).unwrap();
            assert_eq!(values(&other), Vec::<String>::new(), "{other}");
        }
    }

    #[test]
    fn bitcoin_cash_addresses_with_and_without_prefix() {
        let payload = "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a";
        let cases = [
            (format!("send to bitcoincash:{payload} now"), 20),
            (format!("send to {payload} now"), 8),
            (
                format!("send to BITCOINCASH:{} now", payload.to_uppercase()),
                20,
            ),
        ];
        for (text, start) in cases {
            let found = found_one(&text);
            assert_eq!(found.category, Category::Bch, "{text}");
            assert_eq!(found.value, payload, "{text}");
            assert_eq!(found.kind, Some("p2pkh"));
            assert_eq!((found.start, found.end), (start, start + 42));
        }
        let p2sh = "ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq";
        assert_eq!(found_one(p2sh).kind, Some("p2sh"));
        // Changed, glued, mixed-case and testnet-style forms give nothing.
        let rejected = [
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6q",
            "xqpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6aq",
            "Qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
        ];
        for text in rejected {
            assert_eq!(values(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn ransom_note_yields_all_formats() {
        let text = "Ransom note: pay 0.05 BTC to \
            1BY6sveLrU4jJRj7uxN28fQNzFeczrXYxW or \
            3D6Zr2zy9Gf4pJeKQk46Tf6Tnu6Rzsj1tv. SegWit: \
            bc1q3lnd7fhgun4dejv8vxgf3ln9nswun6tcnnfn6a, Taproot: \
            bc1phvdf7euauegz6mvhcx0nzd66r6pwtsa4aypq4fmag94z2kaeg5fqp7dspj.";
        let expected = [
            "1BY6sveLrU4jJRj7uxN28fQNzFeczrXYxW",
            "3D6Zr2zy9Gf4pJeKQk46Tf6Tnu6Rzsj1tv",
            "bc1q3lnd7fhgun4dejv8vxgf3ln9nswun6tcnnfn6a",
            "bc1phvdf7euauegz6mvhcx0nzd66r6pwtsa4aypq4fmag94z2kaeg5fqp7dspj",
        ];
        assert_eq!(values(text), expected);
    }

    #[test]
    fn token_limit_drops_longer_addresses() {
        let limits = Limits { max_token_len: 40, ..Limits::default() };
        let text = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT \
                    0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab";
        let mut out = Vec::new();
        find(text.as_bytes(), &limits, &mut out);
        let found: Vec<String> =
            out.into_iter().map(|c| String::from(c.value)).collect();
        assert_eq!(found, ["1BoatSLRHtKNngkdXEeobR76b53LETtpyT"]);
    }

    #[test]
    fn long_anchor_runs_give_nothing() {
        for unit in ["1", "3", "0x", "bc1", "1x3"] {
            let text = unit.repeat(200_000);
            assert!(run(text.as_bytes()).is_empty(), "{unit}");
            let spaced = format!("{unit} ").repeat(100_000);
            assert!(run(spaced.as_bytes()).is_empty(), "{unit}");
        }
    }

    /// Finds addresses the plain way, as a model for `find`: every whole
    /// alphanumeric run that starts like an address is validated.
    fn reference_find(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut recent = RecentChecks::default();
        let mut pos = 0;
        while pos < text.len() {
            if !text[pos].is_ascii_alphanumeric() {
                pos += 1;
                continue;
            }
            let len = text[pos..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let end = pos + len;
            let run = &text[pos..end];
            let starts_like_address = matches!(
                run,
                [b'1' | b'3' | b'L' | b'M' | b'X' | b'7', ..]
                    | [b'q' | b'p' | b'Q' | b'P', ..]
            ) || run.starts_with(b"0x")
                || run
                    .get(..3)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"bc1"))
                || run
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"ltc1"));
            if starts_like_address {
                out.extend(validate(text, pos, end, &mut recent));
            }
            pos = end;
        }
        out
    }

    const LEGACY: &str = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT";
    const ETH: &str = "0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab";
    const SEGWIT: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";

    #[test]
    fn addresses_across_block_edges_are_found() {
        // Offsets around the ends of the blocks that the run walk reads,
        // where a run starts in one block and ends in the next.
        let edges = [64, 128, 4096];
        for address in [LEGACY, ETH, SEGWIT] {
            for edge in edges {
                for shift in 0..4 {
                    let start = edge - shift;
                    let mut text = "a ".repeat(edge).into_bytes();
                    text.truncate(start - 1);
                    text.push(b' ');
                    text.extend_from_slice(address.as_bytes());
                    text.extend_from_slice(b" end");
                    let found = run(&text);
                    assert_eq!(found.len(), 1, "{address} at {start}");
                    assert_eq!(found[0].start, start, "{address} at {start}");
                    assert_eq!(found, reference_find(&text));
                }
            }
        }
    }

    #[test]
    fn numbers_before_addresses_do_not_hide_them() {
        let cases = [
            format!("13 {LEGACY}"),
            format!("2024-03-13,{LEGACY},{ETH}"),
            format!("192.168.1.13:{SEGWIT}"),
            format!("x{ETH} 1{LEGACY} 3 {SEGWIT}"),
            format!("{LEGACY}\n{LEGACY}\n{SEGWIT}\n{SEGWIT}"),
        ];
        for text in cases {
            let found = run(text.as_bytes());
            assert_eq!(found, reference_find(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn addresses_after_run_separators_found() {
        // (text, number of addresses in it)
        let cases = [
            (format!("sha256={LEGACY}"), 1),
            (format!("/pay/{ETH}/{SEGWIT}"), 2),
            (format!("key_{SEGWIT}+{LEGACY}-x"), 2),
            (format!("1234567890abcd={ETH}"), 1),
            (format!("{LEGACY}T/{LEGACY}"), 1),
            (format!("{LEGACY}=="), 1),
            (format!("=={LEGACY}"), 1),
        ];
        for (text, count) in cases {
            let found = run(text.as_bytes());
            assert_eq!(found.len(), count, "{text}: {found:?}");
            assert_eq!(found, reference_find(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn checks_kept_across_texts_match_fresh_ones() {
        let texts = [
            LEGACY.to_string(),
            LEGACY.to_lowercase(),
            format!("{SEGWIT} {LEGACY}"),
            SEGWIT.to_uppercase(),
        ];
        // The second round reads every token from the kept results.
        for text in texts.iter().chain(&texts) {
            let found = run(text.as_bytes());
            assert_eq!(found, reference_find(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn repeated_addresses_keep_their_kinds() {
        let text = format!(
            "{LEGACY} {SEGWIT} 1BoatSLRHtKNngkdXEeobR76b53LETtpyt \
             {LEGACY} {SEGWIT} 1BoatSLRHtKNngkdXEeobR76b53LETtpyt"
        );
        let found = run(text.as_bytes());
        let kinds: Vec<_> = found.iter().map(|c| c.kind).collect();
        let expected =
            [Some("p2pkh"), Some("p2wpkh"), Some("p2pkh"), Some("p2wpkh")];
        assert_eq!(kinds, expected);
    }

    #[test]
    fn pow58_table_matches_decoder() {
        for (k, &len) in POW58_BYTE_LEN.iter().enumerate() {
            // `2` is digit 1, so `2` then k `1`s is 58^k.
            let power = format!("2{}", "1".repeat(k));
            let decoded = bs58::decode(&power).into_vec().unwrap();
            assert_eq!(decoded.len(), usize::from(len), "58^{k}");
        }
    }

    #[test]
    fn shape_filter_rejects_hex_digests() {
        let digests = [
            "3127dd6d6a8f7bd2e714465d7a329b3a",
            "15e2933f97a9f894deb5f3e16e3baacb",
        ];
        for digest in digests {
            assert!(!may_decode_to_legacy_len(digest.as_bytes()), "{digest}");
        }
    }

    /// Checks a legacy address with the `bs58` crate's Base58Check
    /// decoder, as a model for `legacy_address`.
    fn bs58_legacy_address(token: &[u8]) -> Option<Address> {
        if !(LEGACY_MIN_LEN..=LEGACY_MAX_LEN).contains(&token.len())
            || !token.iter().all(|&b| lookup(&IS_BASE58, b))
        {
            return None;
        }
        let mut decoded = [0u8; LEGACY_DECODED_LEN];
        let payload_len =
            bs58::decode(token).with_check(None).onto(&mut decoded).ok()?;
        if payload_len != LEGACY_PAYLOAD_LEN {
            return None;
        }
        legacy_version(decoded[0])
    }

    const BASE58_ALPHABET: &[u8; 58] =
        b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// Base58Check strings of 20 to 22 bytes, a legacy address's length
    /// and more or less, some with one digit changed afterwards.
    fn base58_check_tokens() -> impl Strategy<Value = String> {
        let payload = (
            prop::sample::select(
                LEGACY_VERSIONS
                    .iter()
                    .map(|&(version, _)| version)
                    .chain([0x6f])
                    .collect::<Vec<_>>(),
            ),
            0usize..22,
            proptest::collection::vec(any::<u8>(), 19..=21),
        )
            .prop_map(|(version, zeros, mut rest)| {
                let zeros = zeros.min(rest.len());
                rest[..zeros].fill(0);
                let mut payload = vec![version];
                payload.extend(rest);
                payload
            });
        (payload, any::<prop::sample::Index>(), any::<u8>()).prop_map(
            |(payload, at, digit)| {
                let mut token = bs58::encode(&payload).with_check().into_vec();
                if digit < 128 {
                    let at = at.index(token.len());
                    token[at] = BASE58_ALPHABET[usize::from(digit) % 58];
                }
                String::from_utf8(token).unwrap()
            },
        )
    }

    proptest! {
        #[test]
        fn legacy_decoder_matches_bs58(
            token in prop_oneof![
                base58_check_tokens(),
                "[1-9A-HJ-NP-Za-km-z]{26,35}",
                "1{0,30}[1-9A-HJ-NP-Za-km-z]{0,35}",
                "[zZ]{30,35}",
            ]
        ) {
            let token = token.as_bytes();
            prop_assert_eq!(
                legacy_address(token),
                bs58_legacy_address(token)
            );
        }

        #[test]
        fn shape_filter_keeps_every_legacy_address(
            version in prop::sample::select(
                LEGACY_VERSIONS.map(|(version, _)| version).to_vec()
            ),
            zeros in 0usize..20,
            hash in proptest::collection::vec(any::<u8>(), 20),
        ) {
            let mut payload = vec![version];
            payload.extend(std::iter::repeat_n(0, zeros));
            payload.extend(hash.iter().skip(zeros));
            let address = bs58::encode(&payload).with_check().into_string();
            prop_assert!(may_decode_to_legacy_len(address.as_bytes()));
            prop_assert!(legacy_address(address.as_bytes()).is_some());
        }

        #[test]
        fn find_matches_plain_scan(
            text in "(1BoatSLRHtKNngkdXEeobR76b53LETtpyT|\
                3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy|\
                bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4|\
                0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab|0x|bc1|BC1|\
                [0-9a-fx13]{1,12}|[ .:,+/=_\\-]){0,40}"
        ) {
            prop_assert_eq!(run(text.as_bytes()), reference_find(text.as_bytes()));
        }

        #[test]
        fn arbitrary_bytes_match_plain_scan(
            bytes in proptest::collection::vec(any::<u8>(), 0..600)
        ) {
            prop_assert_eq!(run(&bytes), reference_find(&bytes));
        }
    }

    /// Segwit addresses in both cases and an invalid one, for
    /// `values_keep_token_forms`.
    const SEGWIT_TOKENS: [&str; 5] = [
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "BC1QRP33G0Q5C5TXSP9ARYSRX4K6ZDKFS4NCE4XJ0GDCCCEFVPYSXF3QCCFMV3",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
    ];

    proptest! {
        #[test]
        fn values_keep_token_forms(
            token in prop_oneof![
                "0x[0-9a-f]{40}",
                "0x[0-9A-F]{40}",
                "0x[0-9a-fA-F]{40}",
                Just("0x52908400098527886E0F7030069857D2E4169EE7".to_string()),
                Just("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".to_string()),
                base58_check_tokens(),
                prop::sample::select(&SEGWIT_TOKENS[..]).prop_map(String::from),
            ]
        ) {
            let bytes = token.as_bytes();
            let mut recent = RecentChecks::default();
            let found = validate(bytes, 0, bytes.len(), &mut recent);
            let Some(found) = found else { return Ok(()) };
            // Legacy Base58 addresses are case-sensitive and kept as
            // written. Ethereum and segwit addresses are lower-cased.
            let expected = match bytes {
                [b'1' | b'3' | b'L' | b'M' | b'X' | b'7', ..] => token.clone(),
                _ => token.to_ascii_lowercase(),
            };
            prop_assert_eq!(found.value.as_str(), expected.as_str());
            prop_assert_eq!((found.start, found.end), (0, bytes.len()));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            super::super::testing::assert_valid_spans(find, &bytes);
        }

        #[test]
        fn address_heavy_text_gives_valid_spans(
            text in "(1BoatSLRHtKNngkdXEeobR76b53LETtpyT|\
                bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4|\
                0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab|[0-9a-zA-Z_ .é-]{1,8}){0,12}"
        ) {
            for candidate in run(text.as_bytes()) {
                prop_assert!(text.is_char_boundary(candidate.start));
                prop_assert!(text.is_char_boundary(candidate.end));
                let token = &text.as_bytes()[candidate.start..candidate.end];
                prop_assert!(token.iter().all(u8::is_ascii_alphanumeric));
            }
        }
    }
}
