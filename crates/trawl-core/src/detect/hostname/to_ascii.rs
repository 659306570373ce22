//! IDNA ToASCII of a host name, one label at a time, with a small cache
//! of recent label conversions on each thread.
//!
//! UTS #46 maps, normalises and checks each label on its own, and
//! Punycode encodes each label on its own. The one rule that spans
//! labels is the bidi rule: once any label contains a right-to-left
//! char, every label of the name must pass it. So a name whose labels
//! convert without error and contain no char that the bidi rule could
//! count as right-to-left converts to the converted labels joined by
//! dots. Any other name is converted whole by `idna`.

use std::cell::RefCell;

use idna::AsciiDenyList;

use super::{Value, MAX_HOST_LEN};

/// Entries in each thread's cache, a power of two, in sets of two.
/// Names in text repeat their top-level and second-level labels, so a
/// few hundred labels cover most of them.
const SLOTS: usize = 512;

/// Maximum length, in bytes, of a key that goes into the cache: a
/// label, or a whole name that the bidi rule spans. A name longer than
/// `4 * MAX_HOST_LEN` bytes never reaches the conversion, so this bound
/// only keeps the stored copies small.
const MAX_KEY_LEN: usize = MAX_HOST_LEN;

/// The result of converting a label or a whole name.
#[derive(Debug, PartialEq, Eq)]
enum Conversion {
    /// The label or name fails the IDNA checks, so every name with it
    /// fails.
    Invalid,
    /// The A-label (or labels, when the mapping adds a dot) or the
    /// converted name. A converted label contains no char that the
    /// bidi rule could count as right-to-left.
    Plain(Box<str>),
    /// The label converts, but the name that contains it needs the
    /// bidi rule across all its labels.
    Bidi,
}

/// One cached key and its conversion.
struct Entry {
    key: Box<[u8]>,
    /// The unit the key was converted as, since a name of one label is
    /// also a label.
    unit: Unit,
    conversion: Conversion,
}

/// The unit a cache key is converted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unit {
    Label,
    Name,
}

thread_local! {
    /// Recent conversions, in sets of two that a hash of the key picks.
    /// A new key goes first in its set and moves the first to second,
    /// pushing out the older one. The cache only saves time: a hit
    /// returns what the conversion returned on the miss.
    static CACHE: RefCell<Vec<Option<Entry>>> = const {
        RefCell::new(Vec::new())
    };
}

/// Returns what `idna::domain_to_ascii` returns for `text`, or `None`
/// when it fails or `text` is not UTF-8.
pub(super) fn domain_to_ascii(text: &[u8]) -> Option<Value> {
    let mut host = Value::new();
    CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return convert_whole(text);
        };
        if cache.is_empty() {
            cache.resize_with(SLOTS, || None);
        }
        match join_labels(text, &mut cache, &mut host) {
            Joined::Converted => return Some(host),
            Joined::Invalid => return None,
            Joined::Whole => {}
        }
        // A label may be right-to-left, so the bidi rule spans the name.
        match cached(text, Unit::Name, &mut cache) {
            Some(Conversion::Plain(ascii)) => Some(Value::from(&**ascii)),
            Some(Conversion::Invalid | Conversion::Bidi) => None,
            None => convert_whole(text),
        }
    })
}

/// Converts a whole name with `idna`, as [`domain_to_ascii`] returns it.
fn convert_whole(text: &[u8]) -> Option<Value> {
    let ascii = idna::domain_to_ascii_cow(text, AsciiDenyList::EMPTY).ok()?;
    Some(Value::from(&*ascii))
}

/// The outcome of converting a name label by label.
enum Joined {
    /// Every label converted, and the name is the labels joined.
    Converted,
    /// A label is invalid, so the name is.
    Invalid,
    /// The name has to be converted whole.
    Whole,
}

/// Writes the converted labels of `text`, joined by dots, into `host`.
fn join_labels(
    text: &[u8],
    cache: &mut [Option<Entry>],
    host: &mut Value,
) -> Joined {
    for (i, label) in text.split(|&b| b == b'.').enumerate() {
        if i > 0 {
            host.push_str(".");
        }
        // IDNA only lower-cases an ASCII label, unless it is an A-label
        // whose Unicode form has to be checked.
        if !has_ace_prefix(label) {
            if let Some(lower) = Value::ascii_lowercase(label) {
                host.push_value(&lower);
                continue;
            }
        }
        match cached(label, Unit::Label, cache) {
            Some(Conversion::Plain(ascii)) => host.push_str(ascii),
            Some(Conversion::Invalid) => return Joined::Invalid,
            Some(Conversion::Bidi) | None => return Joined::Whole,
        }
    }
    Joined::Converted
}

/// Returns the conversion of `key`, from the cache when it is there and
/// by converting it as `unit` when it is not, or `None` for a key too
/// long to cache.
fn cached<'c>(
    key: &[u8],
    unit: Unit,
    cache: &'c mut [Option<Entry>],
) -> Option<&'c Conversion> {
    if key.len() > MAX_KEY_LEN {
        return None;
    }
    let hash = usize::try_from(fnv1a(key)).unwrap_or_default();
    let set = hash.checked_rem(cache.len() / 2)?;
    let first = set.saturating_mul(2);
    let [used, older] = cache.get_mut(first..first.saturating_add(2))? else {
        return None;
    };
    let matches_key = |way: &Option<Entry>| {
        way.as_ref()
            .is_some_and(|entry| *entry.key == *key && entry.unit == unit)
    };
    if matches_key(older) {
        return older.as_ref().map(|entry| &entry.conversion);
    }
    if !matches_key(used) {
        *older = used.take();
        *used = Some(Entry {
            key: key.into(),
            unit,
            conversion: match unit {
                Unit::Label => convert_label(key),
                Unit::Name => convert_name(key),
            },
        });
    }
    used.as_ref().map(|entry| &entry.conversion)
}

/// Converts a whole name.
fn convert_name(text: &[u8]) -> Conversion {
    match idna::domain_to_ascii_cow(text, AsciiDenyList::EMPTY) {
        Ok(ascii) => Conversion::Plain(ascii.into()),
        Err(_) => Conversion::Invalid,
    }
}

/// Converts one label on its own.
fn convert_label(label: &[u8]) -> Conversion {
    // A name with a label that may be right-to-left is converted whole,
    // so converting the label alone would double the work on names that
    // do not repeat.
    let text = std::str::from_utf8(label).unwrap_or_default();
    if text.chars().any(may_be_right_to_left) {
        return Conversion::Bidi;
    }
    let Ok(ascii) = idna::domain_to_ascii_cow(label, AsciiDenyList::EMPTY)
    else {
        return Conversion::Invalid;
    };
    // The Unicode form of each A-label in the output is the label that
    // IDNA checked, so decoding it finds the chars the bidi rule tests.
    let bidi = ascii.split('.').any(|part| match part.strip_prefix("xn--") {
        Some(encoded) => idna::punycode::decode(encoded)
            .is_none_or(|chars| chars.into_iter().any(may_be_right_to_left)),
        None => false,
    });
    if bidi {
        Conversion::Bidi
    } else {
        Conversion::Plain(ascii.into())
    }
}

/// Reports whether a label starts with `xn--` in any case.
fn has_ace_prefix(label: &[u8]) -> bool {
    label.get(..4).is_some_and(|head| head.eq_ignore_ascii_case(b"xn--"))
}

/// Reports whether `c` may have a right-to-left bidi class (R, AL or
/// AN). It is false in the ranges that `idna` 1.1 skips, without a
/// lookup of the class, when it decides whether a name needs the bidi
/// rule.
fn may_be_right_to_left(c: char) -> bool {
    !matches!(c,
        '\0'..='\u{058F}'
        | '\u{0900}'..='\u{FB1C}'
        | '\u{FF00}'..='\u{107FF}'
        | '\u{11000}'..='\u{1E7FF}'
        | '\u{1F000}'..='\u{3FFFF}')
}

/// Computes the 64-bit FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels that reach the corners of UTS #46. They are capitals, ß
    /// and final sigma, and the full-width and ideographic dots that
    /// the mapping turns into dots. Then come combining marks first and
    /// after a letter, joiners, right-to-left letters and digits, valid
    /// and invalid A-labels, disallowed and ignored chars, and empty
    /// labels.
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "0",
        "-",
        ".",
        "bücher",
        "BÜCHER",
        "straße",
        "ΣΊΣΥΦΟΣ",
        "例え",
        "テスト",
        "пример",
        "\u{430}pple",
        "mañana",
        "\u{301}",
        "e\u{301}",
        "\u{3002}",
        "\u{FF0E}",
        "\u{FF61}",
        "Ｅ",
        "\u{AD}",
        "\u{200C}",
        "\u{200D}",
        "क\u{94D}\u{200D}",
        "مثال",
        "\u{661}",
        "\u{6E5}",
        "עברית",
        "1",
        "xn--p1ai",
        "XN--P1AI",
        "xn--bcher-kva",
        "xn--mgbh0fb",
        "xn--",
        "xn--a",
        "xn--zz-",
        "\u{2488}",
        "_",
        "\u{FFFD}",
        "\u{1F600}",
        "\u{E0001}",
        "ǅ",
        "ﬀ",
        "com",
        "рф",
    ];

    /// Converts `text` with `idna` alone, as the model that
    /// `domain_to_ascii` has to match.
    fn model(text: &[u8]) -> Option<String> {
        let text = std::str::from_utf8(text).ok()?;
        idna::domain_to_ascii(text).ok()
    }

    fn converted(text: &[u8]) -> Option<String> {
        domain_to_ascii(text).map(String::from)
    }

    proptest::proptest! {
        #[test]
        fn labels_convert_as_whole_name(
            pieces in proptest::collection::vec(
                proptest::sample::select(PIECES),
                1..8,
            ),
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(
                converted(text.as_bytes()),
                model(text.as_bytes())
            );
        }

        #[test]
        fn arbitrary_text_converts_as_whole_name(text in "\\PC{0,24}") {
            proptest::prop_assert_eq!(
                converted(text.as_bytes()),
                model(text.as_bytes())
            );
        }

        #[test]
        fn dotted_chars_convert_as_whole_name(
            chars in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::any(),
                    proptest::char::range('\u{80}', '\u{3000}'),
                    proptest::sample::select(&['.', 'a', '-'][..]),
                ],
                1..16,
            ),
        ) {
            let text: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(
                converted(text.as_bytes()),
                model(text.as_bytes())
            );
        }

        #[test]
        fn arbitrary_bytes_convert_as_whole_name(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::num::u8::ANY,
                    proptest::sample::select(&[b'.', b'a', 0xC3, 0xBC][..]),
                ],
                1..16,
            ),
        ) {
            proptest::prop_assert_eq!(converted(&bytes), model(&bytes));
        }
    }

    #[test]
    fn repeated_label_hits_cache() {
        let first = converted("bücher.de".as_bytes());
        assert_eq!(first.as_deref(), Some("xn--bcher-kva.de"));
        let again = converted("www.bücher.DE".as_bytes());
        assert_eq!(again.as_deref(), Some("www.xn--bcher-kva.de"));
    }

    #[test]
    fn bidi_label_converts_whole_name() {
        // An LTR label that starts with a digit fails the bidi rule only
        // in a name that also contains a right-to-left label.
        assert_eq!(converted("1a.مثال".as_bytes()), None);
        assert_eq!(model("1a.مثال".as_bytes()), None);
        assert!(converted("1a.пример".as_bytes()).is_some());
    }

    #[test]
    fn one_label_name_keeps_own_entry() {
        // The label and the name are the same key, cached as two units.
        let text = "\u{6E5}".as_bytes();
        assert_eq!(converted(text).as_deref(), Some("xn--1lb"));
        assert_eq!(converted(text).as_deref(), Some("xn--1lb"));
    }

    #[test]
    fn colliding_labels_keep_own_conversions() {
        // Twice the slot count of distinct labels pushes each out of its
        // slot at least once.
        for round in 0..2 {
            for n in 0..(2 * SLOTS) {
                let text = format!("ä{n}.de");
                let expected = model(text.as_bytes());
                assert_eq!(
                    converted(text.as_bytes()),
                    expected,
                    "{round} {n}"
                );
            }
        }
    }
}
