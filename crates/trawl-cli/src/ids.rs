//! Name-based UUIDs (version 5, RFC 9562 section 5.5) and the canonical
//! JSON they are computed over, so that STIX and MISP ids depend only on
//! the values they name.

use sha1::{Digest, Sha1};

/// The namespace STIX 2.1 fixes for the ids of cyber-observable objects
/// (`00abedb4-aa42-466c-9c01-fed23315a9b7`).
pub const STIX_NAMESPACE: [u8; 16] = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2,
    0x33, 0x15, 0xa9, 0xb7,
];

/// trawl's namespace for the ids no standard fixes (STIX indicators and
/// bundles, MISP events, attributes and objects):
/// `48431f3d-1366-5063-89b8-7a6fc2e79a1a`, the UUIDv5 of `urn:trawl` in
/// the RFC 9562 URL namespace.
pub const TRAWL_NAMESPACE: [u8; 16] = [
    0x48, 0x43, 0x1f, 0x3d, 0x13, 0x66, 0x50, 0x63, 0x89, 0xb8, 0x7a, 0x6f,
    0xc2, 0xe7, 0x9a, 0x1a,
];

/// Returns the version 5 UUID of `name` in `namespace`, hyphenated and
/// in lower case.
pub fn uuid5(namespace: &[u8; 16], name: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(namespace);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    for (byte, digest_byte) in bytes.iter_mut().zip(digest.iter()) {
        *byte = *digest_byte;
    }
    // Version 5 in the high nibble of byte 6, RFC 4122 variant (10xx) in
    // the high bits of byte 8.
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(hex_digit(byte >> 4));
        text.push(hex_digit(byte & 0x0f));
    }
    text
}

fn hex_digit(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// Writes `value` as a JSON string the way RFC 8785 (JCS) does: only `"`,
/// `\` and control characters are escaped, with the short escapes where
/// JSON has them and `\u00xx` in lower case otherwise. serde_json's
/// compact output follows the same rules.
pub fn json_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Returns the canonical JSON of an object whose members are all strings,
/// given with their keys in ascending order.
pub fn canonical_object(members: &[(&str, &str)]) -> String {
    let mut text = String::from("{");
    for (index, (key, value)) in members.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&json_string(key));
        text.push(':');
        text.push_str(&json_string(value));
    }
    text.push('}');
    text
}

/// Returns the canonical JSON of an array of strings.
pub fn canonical_array<'a>(
    items: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut text = String::from("[");
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&json_string(item));
    }
    text.push(']');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 9562 URL namespace, `6ba7b811-9dad-11d1-80b4-00c04fd430c8`.
    const URL_NAMESPACE: [u8; 16] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
        0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    ];

    #[test]
    fn uuid5_matches_python_vectors() {
        // Computed with Python 3.11's `uuid.uuid5`.
        let cases = [
            (
                STIX_NAMESPACE,
                r#"{"value":"example.com"}"#,
                "bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
            ),
            (
                URL_NAMESPACE,
                "urn:trawl",
                "48431f3d-1366-5063-89b8-7a6fc2e79a1a",
            ),
        ];
        for (namespace, name, expected) in cases {
            assert_eq!(uuid5(&namespace, name), expected, "{name}");
        }
    }

    #[test]
    fn trawl_namespace_derives_from_url_namespace() {
        let text = uuid5(&URL_NAMESPACE, "urn:trawl").replace('-', "");
        let bytes: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(bytes, TRAWL_NAMESPACE);
    }

    #[test]
    fn canonical_json_escapes_like_jcs() {
        let cases = [
            ("plain", r#""plain""#),
            ("q\"b\\", r#""q\"b\\""#),
            ("\u{8}\t\n\u{c}\r", r#""\b\t\n\f\r""#),
            ("\u{1}\u{1f}", r#""\u0001\u001f""#),
            ("é/\u{7f}", "\"é/\u{7f}\""),
        ];
        for (input, expected) in cases {
            assert_eq!(json_string(input), expected, "{input:?}");
        }
        assert_eq!(
            canonical_object(&[("a", "1"), ("b", "2")]),
            r#"{"a":"1","b":"2"}"#
        );
        assert_eq!(canonical_array(["x", "y"]), r#"["x","y"]"#);
    }
}
