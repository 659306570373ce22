//! Hostile inputs shared by the `scan` benchmark and the hostile-input
//! test: long runs of the separators and alphabets that detectors anchor
//! on, built so that a scanner which retries from every position inside a
//! run turns quadratic.

#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

/// One mebibyte, the size of most hostile inputs.
pub const MIB: usize = 1 << 20;

/// Number of segments in the long path inputs.
pub const PATH_SEGMENTS: usize = 100_000;

/// A named hostile input.
pub struct Hostile {
    /// Short name used as the benchmark id and in assertion messages.
    pub name: &'static str,
    /// The bytes to scan.
    pub bytes: Vec<u8>,
}

/// Builds every hostile input. The output is the same on every call.
pub fn hostile_inputs() -> Vec<Hostile> {
    let mut rng = SplitMix64(0x7472_6177_6c00_0001);
    let random_bytes: Vec<u8> =
        (0..MIB / 4 * 3).map(|_| rng.next_u64() as u8).collect();
    let hex: Vec<u8> = (0..MIB)
        .map(|_| b"0123456789abcdef"[(rng.next_u64() % 16) as usize])
        .collect();
    vec![
        repeated("dotted_letters", b"a."),
        repeated("dotted_digits", b"1."),
        repeated("colon_letters", b"a:"),
        repeated("colons", b":"),
        repeated("bracket_dots", b"[.]"),
        repeated("percents", b"%"),
        repeated("at_signs", b"@"),
        repeated("dotted_names", b"a.exe."),
        repeated("extensions", b".dll"),
        repeated("versioned_objects", b"a.so.1"),
        repeated("apostrophe_joined_names", b"a.exe'"),
        long_idn_labels(),
        Hostile { name: "base64_random", bytes: base64(&random_bytes) },
        Hostile { name: "base64_text", bytes: base64(&prose(MIB / 4 * 3)) },
        path("windows_path", b"C:", b"\\a"),
        path("unix_path", b"", b"/a"),
        repeated("backslashes", b"\\"),
        repeated("drive_segments_spaced", b"C:\\a b"),
        repeated("env_segments", b"%A%\\"),
        repeated("unc_prefixes", b"\\\\a"),
        repeated("relative_segments", b".\\"),
        Hostile { name: "spaced_words_path", bytes: spaced_words_path() },
        Hostile { name: "hex_digits", bytes: hex },
        wallet_shaped("legacy_wallet_shapes", &mut rng, LEGACY_SHAPE),
        wallet_shaped("cashaddr_shapes", &mut rng, CASHADDR_SHAPE),
    ]
}

/// The first characters, alphabet and length of a token shaped like an
/// address.
struct WalletShape {
    firsts: &'static [u8],
    alphabet: &'static [u8],
    len: usize,
}

/// Legacy Base58Check addresses of every coin, for
/// `legacy_wallet_shapes`.
const LEGACY_SHAPE: WalletShape = WalletShape {
    firsts: b"13LMX7",
    alphabet: b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    len: 34,
};

/// CashAddr payloads of 20-byte hashes, for `cashaddr_shapes`.
const CASHADDR_SHAPE: WalletShape = WalletShape {
    firsts: b"qp",
    alphabet: b"qpzry9x8gf2tvdw0s3jn54khce6mua7l",
    len: 42,
};

/// Builds a mebibyte of random space-separated tokens of one wallet
/// shape. Every token reaches a checksum and none passes it, so the
/// input measures the cost of the checks themselves.
fn wallet_shaped(
    name: &'static str,
    rng: &mut SplitMix64,
    shape: WalletShape,
) -> Hostile {
    let pick = |rng: &mut SplitMix64, set: &[u8]| {
        set[(rng.next_u64() % set.len() as u64) as usize]
    };
    let mut bytes = Vec::with_capacity(MIB + shape.len + 1);
    while bytes.len() < MIB {
        bytes.push(pick(rng, shape.firsts));
        for _ in 1..shape.len {
            bytes.push(pick(rng, shape.alphabet));
        }
        bytes.push(b' ');
    }
    bytes.truncate(MIB);
    Hostile { name, bytes }
}

/// A drive path followed by a mebibyte of capitalised words, which a
/// path scanner could take for segments with spaces.
fn spaced_words_path() -> Vec<u8> {
    let mut bytes = b"C:\\".to_vec();
    let words = MIB - bytes.len() - 2;
    bytes.extend(b"Word ".iter().copied().cycle().take(words));
    bytes.extend_from_slice(b" x");
    bytes
}

/// Dotted runs whose first label is 128 non-ASCII letters (256 bytes), too
/// long for a host label or a file name, so that no detector reports them.
fn long_idn_labels() -> Hostile {
    let unit = "\u{e9}".repeat(128) + ".exe ";
    repeated("long_idn_labels", unit.as_bytes())
}

/// Words and internationalised host names, about one host per 25
/// bytes. The labels are Unicode, some in capitals, one with a Cyrillic
/// `а` in place of the Latin `a`, and a few ASCII or already A-labels.
/// The suffixes are ASCII, Unicode, A-labels and names on no suffix
/// list. Unlike the other inputs it contains tens of thousands
/// of indicators.
pub fn dense_idn() -> Hostile {
    const LABELS: &[&str] = &[
        "bücher",
        "пример",
        "例え",
        "mañana",
        "straße",
        "中国",
        "\u{430}pple",
        "münchen",
        "Köln",
        "zürich",
        "café",
        "España",
        "тест",
        "δοκιμή",
        "日本語",
        "한국",
        "مثال",
        "BÜCHER",
        "résumé",
        "xn--80ak6aa92e",
        "mail",
        "www",
        "shop",
        "pay-pal",
        "פעל",
        "são-paulo",
        "žluťoučký",
    ];
    const SUFFIXES: &[&str] = &[
        "de",
        "рф",
        "テスト",
        "com",
        "com.mx",
        "cn",
        "中国",
        "рус",
        "org",
        "co.uk",
        "net",
        "ελ",
        "日本",
        "한국",
        "xn--p1ai",
        "DE",
        "онлайн",
        "exe",
        "local",
    ];
    const WORDS: &[&str] = &[
        "visit", "or", "see", "mirror", "at", "via", "and", "from", "the",
        "host", "then",
    ];
    const GAPS: &[&str] = &[" ", ", ", ". ", "\n", " (", ") "];
    let mut rng = SplitMix64(0x6964_6e00_0000_0003);
    let mut pick = |list: &[&'static str]| {
        list[(rng.next_u64() % list.len() as u64) as usize]
    };
    let mut text = String::with_capacity(MIB + 64);
    while text.len() < MIB {
        text.push_str(pick(WORDS));
        text.push(' ');
        // One host in four has a subdomain.
        if pick(&["", "", "", "."]) == "." {
            text.push_str(pick(LABELS));
            text.push('.');
        }
        text.push_str(pick(LABELS));
        text.push('.');
        text.push_str(pick(SUFFIXES));
        text.push_str(pick(GAPS));
    }
    let mut bytes = text.into_bytes();
    bytes.truncate(MIB);
    Hostile { name: "dense_idn", bytes }
}

/// Repeats `unit` and cuts the result to exactly one mebibyte.
fn repeated(name: &'static str, unit: &[u8]) -> Hostile {
    let bytes = unit.iter().copied().cycle().take(MIB).collect();
    Hostile { name, bytes }
}

/// Builds `prefix` followed by `PATH_SEGMENTS` copies of `segment`.
fn path(name: &'static str, prefix: &[u8], segment: &[u8]) -> Hostile {
    let mut bytes = prefix.to_vec();
    for _ in 0..PATH_SEGMENTS {
        bytes.extend_from_slice(segment);
    }
    Hostile { name, bytes }
}

/// Returns `len` bytes of English words separated by spaces. The words
/// contain no indicator, so a scan of the decoded payload finds nothing.
fn prose(len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the", "loader", "fetched", "a", "second", "stage", "from", "its",
        "server", "and", "beaconed", "every", "minute", "while", "the",
        "operator", "copied", "stolen", "files", "to", "an", "archive",
    ];
    let mut text = Vec::with_capacity(len + 32);
    let mut rng = SplitMix64(0x7072_6f73_6500_0002);
    while text.len() < len {
        let word = WORDS[(rng.next_u64() % WORDS.len() as u64) as usize];
        text.extend_from_slice(word.as_bytes());
        text.push(b' ');
    }
    text.truncate(len);
    text
}

/// Encodes `data` as standard base64 with padding, on one line.
pub fn base64(data: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextet = |shift: u32| ALPHABET[(group >> shift & 63) as usize];
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { b'=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { b'=' });
    }
    out
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small seeded generator, so
/// the inputs are reproducible without a `rand` dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
