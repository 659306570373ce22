//! Bitcoin and Ethereum wallet addresses, with their checksums verified.
//!
//! Every address is a whole alphanumeric token: the bytes on both sides are
//! not ASCII letters or digits. One `memchr3` pass finds the anchors `1`
//! and `3` (legacy Base58Check, and the separator of `bc1…`) and `x` (the
//! `0x` of an Ethereum address). An anchor at the start of a token expands
//! to the whole token, which is validated once. The scan then resumes after
//! the token, so a token that fails gives nothing and no piece of it is
//! tried again.

use bech32::primitives::decode::SegwitHrpstring;
use bech32::segwit::{VERSION_0, VERSION_1};
use memchr::memchr3;
use sha3::{Digest, Keccak256};

use super::Candidate;
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

/// Hex digits of an Ethereum address after `0x`.
const ETH_HEX_LEN: usize = 40;

/// Pushes every Bitcoin and Ethereum address found in `text`.
pub(crate) fn find(text: &[u8], limits: &Limits, out: &mut Vec<Candidate>) {
    let mut pos = 0;
    while let Some(offset) =
        text.get(pos..).and_then(|rest| memchr3(b'x', b'1', b'3', rest))
    {
        let at = pos + offset;
        let end = alnum_run_end(text, at);
        if let Some(start) = token_start(text, at) {
            if end - start <= limits.max_token_len {
                out.extend(validate(text, start, end));
            }
        }
        // A token starts where its alphanumeric run starts, and neither `0`
        // nor `bc` is an anchor byte, so no later anchor in this run can
        // start one.
        pos = end;
    }
}

/// Returns the start of the token that the anchor at `at` begins, or
/// `None` when the anchor sits inside a token.
fn token_start(text: &[u8], at: usize) -> Option<usize> {
    let anchor = *text.get(at)?;
    let prefix_len = match anchor {
        b'x' => 1,
        b'1' if has_bc_prefix(text, at) => 2,
        _ => 0,
    };
    let start = at.checked_sub(prefix_len)?;
    if anchor == b'x' && text.get(start) != Some(&b'0') {
        return None;
    }
    if is_glued_before(text, start) {
        return None;
    }
    Some(start)
}

/// Reports whether the two bytes before `at` are `bc` in any case.
fn has_bc_prefix(text: &[u8], at: usize) -> bool {
    at.checked_sub(2)
        .and_then(|start| text.get(start..at))
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"bc"))
}

/// Reports whether the byte before `start` is an ASCII letter or digit.
fn is_glued_before(text: &[u8], start: usize) -> bool {
    start
        .checked_sub(1)
        .and_then(|i| text.get(i))
        .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Returns the end of the run of ASCII letters and digits from `from`.
fn alnum_run_end(text: &[u8], from: usize) -> usize {
    let rest = text.get(from..).unwrap_or_default();
    from + rest.iter().take_while(|&&b| IS_ALNUM[usize::from(b)]).count()
}

/// ASCII letters and digits, as a table because runs of them (hex dumps,
/// digest lists) are read byte by byte.
static IS_ALNUM: [bool; 256] = alnum_table();

const fn alnum_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
}

/// Returns the address candidate for the token `start..end`, if it is one.
fn validate(text: &[u8], start: usize, end: usize) -> Option<Candidate> {
    let token = text.get(start..end)?;
    let candidate = match token {
        [b'0', b'x', hex @ ..] => {
            let value = eth_address(hex)?;
            Candidate::new(Category::Eth, start, end, value)
        }
        [b'1' | b'3', ..] => {
            let kind = legacy_kind(token)?;
            let value = String::from_utf8(token.to_vec()).ok()?;
            Candidate::new(Category::Btc, start, end, value).with_kind(kind)
        }
        _ => {
            let kind = segwit_kind(token)?;
            let value = String::from_utf8(token.to_ascii_lowercase()).ok()?;
            Candidate::new(Category::Btc, start, end, value).with_kind(kind)
        }
    };
    Some(candidate)
}

/// Returns the lower-case address for the 40 hex digits after `0x`, if
/// they are all hex and, when they mix cases, pass the EIP-55 checksum.
fn eth_address(hex: &[u8]) -> Option<String> {
    if hex.len() != ETH_HEX_LEN || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let has_lower = hex.iter().any(u8::is_ascii_lowercase);
    let has_upper = hex.iter().any(u8::is_ascii_uppercase);
    if has_lower && has_upper && !eip55_checksum_matches(hex) {
        return None;
    }
    let mut value = String::with_capacity(2 + ETH_HEX_LEN);
    value.push_str("0x");
    value.extend(hex.iter().map(|b| char::from(b.to_ascii_lowercase())));
    Some(value)
}

/// Checks the EIP-55 mixed-case checksum: a letter is upper case exactly
/// when the matching nibble of Keccak-256 over the lower-case hex is 8 or
/// more.
fn eip55_checksum_matches(hex: &[u8]) -> bool {
    let digest = Keccak256::digest(hex.to_ascii_lowercase());
    hex.chunks(2).zip(digest.iter()).all(|(pair, &byte)| {
        let nibbles = [byte >> 4, byte & 0x0f];
        pair.iter().zip(nibbles).all(|(&c, nibble)| {
            !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (nibble >= 8)
        })
    })
}

/// Returns `p2pkh` or `p2sh` for a legacy address with a valid
/// Base58Check checksum and a 21-byte payload of that version.
fn legacy_kind(token: &[u8]) -> Option<&'static str> {
    if !(LEGACY_MIN_LEN..=LEGACY_MAX_LEN).contains(&token.len()) {
        return None;
    }
    // Base58 never decodes to more bytes than it has characters.
    let mut decoded = [0u8; LEGACY_MAX_LEN];
    let payload_len =
        bs58::decode(token).with_check(None).onto(&mut decoded).ok()?;
    if payload_len != LEGACY_PAYLOAD_LEN {
        return None;
    }
    match *decoded.first()? {
        VERSION_P2PKH => Some("p2pkh"),
        VERSION_P2SH => Some("p2sh"),
        _ => None,
    }
}

/// Returns the address type of a mainnet segwit address whose checksum
/// (bech32 for version 0, bech32m for later versions) and witness program
/// are valid. The decoder also rejects mixed case and strings longer than
/// bech32 allows.
fn segwit_kind(token: &[u8]) -> Option<&'static str> {
    let address = std::str::from_utf8(token).ok()?;
    let segwit = SegwitHrpstring::new(address).ok()?;
    if !segwit.hrp().is_valid_on_mainnet() {
        return None;
    }
    // Each data character carries 5 bits; the decoder has checked that the
    // leftover padding bits are zero.
    let program_len =
        segwit.data_part_ascii_no_witver_no_checksum().len() * 5 / 8;
    let kind = match (segwit.witness_version(), program_len) {
        (VERSION_0, 20) => "p2wpkh",
        (VERSION_0, 32) => "p2wsh",
        (VERSION_1, 32) => "p2tr",
        _ => "segwit",
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(text: &[u8]) -> Vec<Candidate> {
        let mut out = Vec::new();
        find(text, &Limits::default(), &mut out);
        out
    }

    fn values(text: &str) -> Vec<String> {
        run(text.as_bytes()).into_iter().map(|c| c.value).collect()
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
            assert_eq!(legacy_kind(encoded.as_bytes()), None, "{encoded}");
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
        let found: Vec<String> = out.into_iter().map(|c| c.value).collect();
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

    proptest! {
        #[test]
        fn arbitrary_bytes_give_valid_spans(
            bytes in proptest::collection::vec(any::<u8>(), 0..512)
        ) {
            for candidate in run(&bytes) {
                prop_assert!(candidate.start < candidate.end);
                prop_assert!(candidate.end <= bytes.len());
                prop_assert!(bytes[candidate.start].is_ascii());
            }
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

    /// Prints the scan rate over 50 MB of prose with addresses; run with
    /// `cargo test --release -p trawl-core -- --ignored --nocapture crypto`.
    #[test]
    #[ignore]
    fn throughput_on_synthetic_prose() {
        let line = "On 2024-03-13 at 11:31 the actor asked for 0.3 BTC at \
            1BoatSLRHtKNngkdXEeobR76b53LETtpyT or ETH at \
            0x12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab within 13 hours.\n";
        let text = line.repeat(50_000_000 / line.len());
        let start = std::time::Instant::now();
        let found = run(text.as_bytes());
        let seconds = start.elapsed().as_secs_f64();
        println!("crypto: {:.0} MB/s", text.len() as f64 / seconds / 1e6);
        assert_eq!(found.len(), 2 * (50_000_000 / line.len()));
    }
}
