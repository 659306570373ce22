//! Bitcoin Cash addresses in the CashAddr form.
//!
//! A CashAddr address is the prefix `bitcoincash:`, often left out, and a
//! payload of bech32 characters: a version byte and a hash, then a 40-bit
//! checksum that covers the prefix as well. The checksum is a BCH code
//! over GF(32) with its own generator, so the `bech32` crate cannot
//! verify it.

/// Lengths of the payloads after the prefix. A 20-byte hash takes 42
/// characters and a 32-byte hash 61: 34 or 53 for the version byte and
/// the hash, and 8 for the checksum.
pub(super) const MIN_LEN: usize = 42;
pub(super) const MAX_LEN: usize = 61;

/// Characters of the checksum at the end of the payload.
const CHECKSUM_LEN: usize = 8;

/// The prefix of mainnet addresses, which the checksum covers even where
/// the text leaves it out.
const MAINNET_PREFIX: &[u8] = b"bitcoincash";

/// The hash length that each value of the version byte's three size bits
/// gives.
const HASH_LENS: [usize; 8] = [20, 24, 28, 32, 40, 48, 56, 64];

/// Returns `p2pkh` or `p2sh` when `token` is the payload of a mainnet
/// CashAddr address, in one case, with a valid checksum, a version byte
/// of one of those two types and a hash of the length the version byte
/// gives.
pub(super) fn kind(token: &[u8]) -> Option<&'static str> {
    if !(MIN_LEN..=MAX_LEN).contains(&token.len()) {
        return None;
    }
    let has_lower = token.iter().any(u8::is_ascii_lowercase);
    let has_upper = token.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper {
        return None;
    }

    let mut values = [0u8; MAX_LEN];
    for (value, &byte) in values.iter_mut().zip(token) {
        *value = five_bit_value(byte)?;
    }
    let values = values.get(..token.len())?;
    if !checksum_matches(values) {
        return None;
    }

    let data = values.get(..token.len().checked_sub(CHECKSUM_LEN)?)?;
    let mut bytes = [0u8; 1 + 32];
    let len = regroup_to_bytes(data, &mut bytes)?;

    let version = *bytes.first()?;
    // The top bit of the version byte is reserved and must be zero.
    if version & 0x80 != 0 {
        return None;
    }
    let hash_len = *HASH_LENS.get(usize::from(version & 0x07))?;
    if len != hash_len.checked_add(1)? {
        return None;
    }
    match version >> 3 {
        0 => Some("p2pkh"),
        1 => Some("p2sh"),
        _ => None,
    }
}

/// The bech32 characters, in the order of their values.
const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// The value of each bech32 character in either case, and `NOT_BECH32`
/// for every other byte.
static FIVE_BIT_VALUES: [u8; 256] = five_bit_table();

/// Marks a byte outside the bech32 alphabet in `FIVE_BIT_VALUES`.
const NOT_BECH32: u8 = 0xff;

// Evaluated only at compile time to build a static, where an index out
// of range or an overflow stops the build instead of panicking at run
// time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn five_bit_table() -> [u8; 256] {
    let mut table = [NOT_BECH32; 256];
    let mut value = 0;
    while value < CHARSET.len() {
        let lower = CHARSET[value];
        table[lower as usize] = value as u8;
        table[lower.to_ascii_uppercase() as usize] = value as u8;
        value += 1;
    }
    table
}

/// Returns the value of a bech32 character in either case.
fn five_bit_value(byte: u8) -> Option<u8> {
    let value = *FIVE_BIT_VALUES.get(usize::from(byte))?;
    (value != NOT_BECH32).then_some(value)
}

/// Checks the CashAddr checksum of `values`, the payload's 5-bit values
/// with the checksum last, under the mainnet prefix.
fn checksum_matches(values: &[u8]) -> bool {
    let state = values
        .iter()
        .fold(AFTER_PREFIX, |state, &value| polymod_step(state, value));
    state ^ 1 == 0
}

/// The state of the checksum after the mainnet prefix, as 5-bit values,
/// and the zero value that separates it from the payload.
const AFTER_PREFIX: u64 = state_after_prefix();

// Evaluated only at compile time, where an index out of range or an
// overflow stops the build instead of panicking at run time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn state_after_prefix() -> u64 {
    let mut state = 1;
    let mut i = 0;
    while i < MAINNET_PREFIX.len() {
        state = polymod_step(state, MAINNET_PREFIX[i] & 0x1f);
        i += 1;
    }
    polymod_step(state, 0)
}

/// Feeds one 5-bit value to the CashAddr checksum, a BCH code over
/// GF(32): the state is the remainder of the values so far, read as a
/// polynomial, modulo the generator whose multiples the five constants
/// are. The checksum of a whole payload is the final state XORed with 1.
const fn polymod_step(state: u64, value: u8) -> u64 {
    let top = state >> 35;
    let mut next = ((state & 0x07_ffff_ffff) << 5) ^ value as u64;
    if top & 0x01 != 0 {
        next ^= 0x98_f2bc_8e61;
    }
    if top & 0x02 != 0 {
        next ^= 0x79_b76d_99e2;
    }
    if top & 0x04 != 0 {
        next ^= 0xf3_3e5f_b3c4;
    }
    if top & 0x08 != 0 {
        next ^= 0xae_2eab_e2a8;
    }
    if top & 0x10 != 0 {
        next ^= 0x1e_4f43_e470;
    }
    next
}

/// Regroups 5-bit values into bytes in `out` and returns how many bytes
/// they fill. Returns `None` when they fill more than `out`, or when the
/// bits left over are five or more or not all zero.
fn regroup_to_bytes(values: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    let mut len: usize = 0;
    for &value in values {
        buffer = (buffer << 5 | u32::from(value)) & 0xfff;
        bits = bits.checked_add(5)?;
        if bits >= 8 {
            bits = bits.checked_sub(8)?;
            let byte = u8::try_from((buffer >> bits) & 0xff).ok()?;
            *out.get_mut(len)? = byte;
            len = len.checked_add(1)?;
        }
    }
    // `bits` is below 8 here, so the mask keeps only the unread bits.
    let padding = buffer & !(u32::MAX << bits);
    (bits < 5 && padding == 0).then_some(len)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Payloads of CashAddr addresses, with the legacy form of the same
    /// hash where it is known; the last is from a published report.
    const ADDRESSES: [(&str, &str, &str); 4] = [
        (
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
            "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu",
            "p2pkh",
        ),
        (
            "qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy",
            "1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR",
            "p2pkh",
        ),
        (
            "ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq",
            "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC",
            "p2sh",
        ),
        ("qph3s8p27pfg2lxgpzqmdel25tsmlryatyhxwzx3x5", "", "p2pkh"),
    ];

    /// Returns the version byte and hash that `token` encodes, without
    /// the checks of `kind`.
    fn payload(token: &str) -> Vec<u8> {
        let values: Vec<u8> = token
            .bytes()
            .map(|b| five_bit_value(b).unwrap())
            .take(token.len() - CHECKSUM_LEN)
            .collect();
        let mut bytes = [0u8; 1 + 64];
        let len = regroup_to_bytes(&values, &mut bytes).unwrap();
        bytes[..len].to_vec()
    }

    #[test]
    fn known_addresses_pass() {
        for (token, _, expected) in ADDRESSES {
            assert_eq!(kind(token.as_bytes()), Some(expected), "{token}");
            let upper = token.to_ascii_uppercase();
            assert_eq!(kind(upper.as_bytes()), Some(expected), "{upper}");
        }
    }

    #[test]
    fn hash_matches_legacy_form() {
        for (token, legacy, _) in ADDRESSES {
            if legacy.is_empty() {
                continue;
            }
            let decoded = bs58::decode(legacy).with_check(None);
            let decoded = decoded.into_vec().unwrap();
            assert_eq!(payload(token)[1..], decoded[1..], "{token}");
        }
    }

    #[test]
    fn altered_addresses_fail() {
        let token = ADDRESSES[0].0;
        // Every single-character change breaks the checksum.
        for at in 0..token.len() {
            for replacement in CHARSET {
                let mut changed = token.as_bytes().to_vec();
                if changed[at] == *replacement {
                    continue;
                }
                changed[at] = *replacement;
                assert_eq!(kind(&changed), None, "{at}");
            }
        }
        let mixed = format!("Q{}", &token[1..]);
        let cases = [
            &token[1..],
            &token[..token.len() - 1],
            mixed.as_str(),
            // `b` is outside the bech32 alphabet.
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b",
        ];
        for case in cases {
            assert_eq!(kind(case.as_bytes()), None, "{case}");
        }
    }

    #[test]
    fn other_network_prefixes_fail() {
        let mut data = vec![0u8];
        data.extend([0x5a; 20]);
        assert!(kind(encode(&data).as_bytes()).is_some());
        for prefix in [&b"bchtest"[..], b"bchreg", b"bitcoin"] {
            let token = encode_with_prefix(prefix, &data);
            assert_eq!(kind(token.as_bytes()), None, "{token}");
        }
    }

    /// Encodes `data` (a version byte and a hash) as a mainnet payload
    /// with a valid checksum, the way a wallet writes it.
    fn encode(data: &[u8]) -> String {
        encode_with_prefix(MAINNET_PREFIX, data)
    }

    /// Encodes `data` as a payload whose checksum covers `prefix`.
    fn encode_with_prefix(prefix: &[u8], data: &[u8]) -> String {
        let mut values = Vec::new();
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &byte in data {
            buffer = buffer << 8 | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                values.push(((buffer >> bits) & 0x1f) as u8);
            }
        }
        if bits > 0 {
            values.push(((buffer << (5 - bits)) & 0x1f) as u8);
        }
        let prefix = prefix.iter().map(|&b| b & 0x1f);
        let all = prefix
            .chain([0])
            .chain(values.iter().copied())
            .chain([0; CHECKSUM_LEN]);
        let checksum = all.fold(1, polymod_step) ^ 1;
        for i in 0..CHECKSUM_LEN {
            values.push(((checksum >> (5 * (7 - i))) & 0x1f) as u8);
        }
        values.iter().map(|&v| char::from(CHARSET[usize::from(v)])).collect()
    }

    #[test]
    fn encoder_matches_known_addresses() {
        for (token, legacy, kind) in ADDRESSES {
            if legacy.is_empty() {
                continue;
            }
            let data = bs58::decode(legacy).with_check(None);
            let mut data = data.into_vec().unwrap();
            data[0] = if kind == "p2sh" { 8 } else { 0 };
            assert_eq!(encode(&data), token);
        }
    }

    #[test]
    fn version_byte_rules() {
        let hash20 = [0x5a; 20];
        let hash32 = [0x5a; 32];
        let cases: [(u8, &[u8], Option<&str>); 6] = [
            (0x00, &hash20, Some("p2pkh")),
            (0x08, &hash20, Some("p2sh")),
            (0x0b, &hash32, Some("p2sh")),
            (0x03, &hash32, Some("p2pkh")),
            // A size that does not match the hash.
            (0x03, &hash20, None),
            // A type other than p2pkh and p2sh.
            (0x10, &hash20, None),
        ];
        for (version, hash, expected) in cases {
            let mut data = vec![version];
            data.extend_from_slice(hash);
            let token = encode(&data);
            assert_eq!(kind(token.as_bytes()), expected, "{version:#x}");
        }
    }

    proptest! {
        #[test]
        fn encoded_hashes_pass(
            p2sh in any::<bool>(),
            hash in prop_oneof![
                proptest::collection::vec(any::<u8>(), 20),
                proptest::collection::vec(any::<u8>(), 32),
            ],
        ) {
            let size_bits = if hash.len() == 32 { 3 } else { 0 };
            let version = (u8::from(p2sh) << 3) | size_bits;
            let mut data = vec![version];
            data.extend_from_slice(&hash);
            let token = encode(&data);
            let expected = if p2sh { "p2sh" } else { "p2pkh" };
            prop_assert_eq!(kind(token.as_bytes()), Some(expected));
            prop_assert_eq!(payload(&token), data);
        }

        #[test]
        fn arbitrary_tokens_do_not_panic(
            token in "[qpQP][0-9a-zA-Z]{40,61}"
        ) {
            let _ = kind(token.as_bytes());
        }
    }
}
