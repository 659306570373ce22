//! Tests of the rules parser and of the values rules find through the
//! scanner.

#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]

use std::sync::Arc;

use super::*;
use crate::{CategorySet, Detection, IocKey, Scanner};

fn parse(text: &str) -> RuleSet {
    match RuleSet::parse(text, "rules.toml") {
        Ok(set) => set,
        Err(error) => panic!("{error}"),
    }
}

fn parse_error(text: &str) -> RuleError {
    match RuleSet::parse(text, "rules.toml") {
        Ok(set) => panic!("parsed {} rules from {text}", set.len()),
        Err(error) => error,
    }
}

/// Returns a one-rule file with `extra` lines added to the rule.
fn rule(pattern: &str, extra: &str) -> String {
    format!(
        "[[rule]]\nname = \"r\"\ncategory = \"things\"\npattern = '{pattern}'\n\
         {extra}\n"
    )
}

fn scan(set: RuleSet, text: &str) -> Vec<Detection> {
    let scanner = Scanner::new(CategorySet::empty(), Limits::default())
        .with_rules(Arc::new(set));
    scanner.scan(text.as_bytes()).detections
}

/// Returns the values the rules of `file` find in `text`.
fn values(file: &str, text: &str) -> Vec<String> {
    scan(parse(file), text).into_iter().map(|d| d.value).collect()
}

/// Returns `(value, input as written)` for each detection.
fn spans(file: &str, text: &str) -> Vec<(String, String)> {
    scan(parse(file), text)
        .into_iter()
        .map(|d| (d.value, text[d.start..d.end].to_string()))
        .collect()
}

#[test]
fn example_file_parses() {
    let text = include_str!("../../../../examples/rules/example.toml");
    let set = parse(text);
    assert!(set.len() >= 4);
    assert!(set.rules().all(|(_, rule)| rule.description().is_some()));
}

#[test]
fn rule_fields_are_kept() {
    let text = "version = 1\n\n[[rule]]\nname = \"jira\"\n\
                category = \"jira_tickets\"\ndescription = \"Jira keys\"\n\
                pattern = '[A-Z]+-[0-9]+'\n";
    let set = parse(text);
    let (id, rule) = set.rules().next().unwrap();
    assert_eq!(id.index(), 0);
    assert_eq!(rule.name(), "jira");
    assert_eq!(rule.description(), Some("Jira keys"));
    assert_eq!(rule.origin(), "rules.toml");
    assert_eq!(rule.line(), 4);
    assert_eq!(set.category_name(rule.category()), Some("jira_tickets"));
    assert_eq!(set.find_category("JIRA_tickets"), Some(rule.category()));
}

#[test]
fn rules_share_categories_in_first_use_order() {
    let text = format!(
        "{}{}{}",
        rule("b[0-9]", "").replace("name = \"r\"", "name = \"one\""),
        rule("a[0-9]", "")
            .replace("name = \"r\"", "name = \"two\"")
            .replace("things", "others"),
        rule("c[0-9]", "").replace("name = \"r\"", "name = \"three\""),
    );
    let set = parse(&text);
    assert_eq!(set.categories().as_ref(), ["things", "others"]);
    let categories: Vec<usize> =
        set.rules().map(|(_, r)| r.category().index()).collect();
    assert_eq!(categories, [0, 1, 0]);
}

#[test]
fn empty_file_has_no_rules() {
    assert!(parse("").is_empty());
    assert!(parse("version = 1\n").is_empty());
}

#[test]
fn error_displays_file_line_column() {
    let error = parse_error(
        "[[rule]]\nname = 'x'\npattern = 'x'\n\ncategory = 'urls'\n",
    );
    let shown = error.to_string();
    assert!(shown.starts_with("rules.toml:5:12: "), "{shown}");
}

#[test]
fn toml_syntax_error_located() {
    let error = parse_error("[[rule]]\nname = \"x\"\npattern = [\n");
    assert_eq!(error.line, 3);
    assert!(!error.reason.is_empty());
    let error = parse_error("version = 1\n[[rule]\n");
    assert_eq!((error.line, error.origin.as_str()), (2, "rules.toml"));
}

#[test]
fn unknown_key_named() {
    let error = parse_error(&rule("x", "patern = 'y'"));
    assert_eq!(error.line, 5);
    assert!(error.reason.contains("unknown field `patern`"), "{error}");
    assert!(error.reason.contains("`pattern`"), "{error}");
    let error = parse_error("verison = 1\n");
    assert!(error.reason.contains("unknown field `verison`"), "{error}");
}

#[test]
fn missing_field_named() {
    let error = parse_error("[[rule]]\nname = \"x\"\ncategory = \"things\"\n");
    assert!(error.reason.contains("missing field `pattern`"), "{error}");
    assert_eq!(error.line, 1);
}

#[test]
fn invalid_pattern_located_inside_pattern() {
    // The unclosed class starts at byte 3 of the pattern, which starts
    // at column 12 of line 4.
    let error = parse_error(&rule("abc[a-", ""));
    assert_eq!((error.line, error.column), (4, 15), "{error}");
    assert!(error.reason.starts_with("invalid pattern: "), "{error}");
}

#[test]
fn escaped_pattern_error_at_string_start() {
    let text = "[[rule]]\nname = \"r\"\ncategory = \"things\"\n\
                pattern = \"\\\\d(\"\n";
    let error = parse_error(text);
    assert_eq!((error.line, error.column), (4, 11), "{error}");
}

#[test]
fn plain_strings_locate_pattern_errors() {
    let head = "[[rule]]\nname = \"r\"\ncategory = \"things\"\n";
    let basic = format!("{head}pattern = \"ab(\"\n");
    let error = parse_error(&basic);
    assert_eq!((error.line, error.column), (4, 14), "{error}");
    let multiline = format!("{head}pattern = \'\'\'\nxy\nab(\n\'\'\'\n");
    let error = parse_error(&multiline);
    assert_eq!((error.line, error.column), (6, 3), "{error}");
}

#[test]
fn look_around_rejected_with_hint() {
    for pattern in ["foo(?=bar)", "(?<!x)foo", "(?<=x)foo"] {
        let error = parse_error(&rule(pattern, ""));
        assert!(error.reason.contains("look-around"), "{error}");
        assert!(error.reason.contains("`group`"), "{error}");
    }
}

#[test]
fn backreference_rejected_with_hint() {
    let error = parse_error(&rule(r"(a)\1", ""));
    assert!(error.reason.contains("backreference"), "{error}");
    assert!(error.reason.contains("linear time"), "{error}");
}

#[test]
fn empty_matching_pattern_rejected() {
    for pattern in ["a*", "(?:)", r"\b", "x?|y", "^"] {
        let error = parse_error(&rule(pattern, ""));
        assert!(error.reason.contains("empty string"), "{pattern}: {error}");
    }
}

#[test]
fn overlong_pattern_rejected() {
    let error = parse_error(&rule(&"a".repeat(MAX_PATTERN_LEN + 1), ""));
    assert!(error.reason.contains("longer than"), "{error}");
}

#[test]
fn oversized_pattern_rejected() {
    let error = parse_error(&rule(r"\w{500}\w{500}", ""));
    assert!(error.reason.contains("compiles to more than"), "{error}");
}

#[test]
fn deep_nesting_rejected() {
    let pattern = format!("{}a{}", "(".repeat(200), ")".repeat(200));
    let error = parse_error(&rule(&pattern, ""));
    assert!(error.reason.contains("invalid pattern"), "{error}");
}

#[test]
fn builtin_category_names_rejected() {
    for name in ["urls", "url", "domain", "crypto", "cve", "base64"] {
        let text = rule("x", "").replace("things", name);
        let error = parse_error(&text);
        assert!(error.reason.contains("built-in"), "{name}: {error}");
        assert_eq!((error.line, error.column), (3, 12), "{name}");
    }
}

#[test]
fn category_characters_checked() {
    for name in ["Tickets", "two words", "a,b", "a.b", "", "1st", "ä"] {
        let text = rule("x", "").replace("things", name);
        let error = parse_error(&text);
        assert!(error.reason.contains("invalid category"), "{name}: {error}");
    }
    let long = "a".repeat(65);
    let error = parse_error(&rule("x", "").replace("things", &long));
    assert!(error.reason.contains("invalid category"), "{error}");
}

#[test]
fn rule_name_characters_checked() {
    for name in ["", "a b", "a\\u001b[31m"] {
        let text = rule("x", "")
            .replace("name = \"r\"", &format!("name = \"{name}\""));
        let error = parse_error(&text);
        assert!(error.reason.contains("invalid rule name"), "{error}");
    }
}

#[test]
fn duplicate_rule_names_rejected() {
    let text = format!("{}\n{}", rule("x", ""), rule("y", ""));
    let error = parse_error(&text);
    assert!(error.reason.contains("duplicate rule name 'r'"), "{error}");
    assert!(error.reason.contains("line 2"), "{error}");
    assert_eq!(error.line, 8);
}

#[test]
fn duplicate_across_files_rejected() {
    let mut set = parse(&rule("x", ""));
    let other = RuleSet::parse(&rule("y", ""), "other.toml").unwrap();
    let error = set.append(other).unwrap_err();
    assert_eq!(error.origin, "other.toml");
    assert_eq!(error.line, 2);
    assert!(error.reason.contains("rules.toml:2"), "{error}");
}

#[test]
fn append_joins_categories() {
    let mut set = parse(&rule("x", ""));
    let text = rule("y", "").replace("name = \"r\"", "name = \"s\"");
    let other = RuleSet::parse(&text.replace("things", "others"), "b.toml");
    set.append(other.unwrap()).unwrap();
    let other = RuleSet::parse(&text.replace("\"s\"", "\"t\""), "c.toml");
    set.append(other.unwrap()).unwrap();
    assert_eq!(set.len(), 3);
    assert_eq!(set.categories().as_ref(), ["things", "others"]);
    let third = set.rules().nth(2).unwrap().1;
    assert_eq!(set.category_name(third.category()), Some("things"));
    assert_eq!(third.origin(), "c.toml");
}

fn many_rules(count: usize) -> String {
    (0..count)
        .map(|n| {
            rule("x[0-9]", "")
                .replace("name = \"r\"", &format!("name = \"r{n}\""))
        })
        .collect()
}

#[test]
fn too_many_rules_rejected() {
    assert_eq!(parse(&many_rules(MAX_RULES)).len(), MAX_RULES);
    let error = parse_error(&many_rules(MAX_RULES + 1));
    assert!(error.reason.contains("more than 256 rules"), "{error}");
    assert_eq!(error.line, 1 + 5 * MAX_RULES);
}

#[test]
fn too_many_rules_over_files_rejected() {
    let mut set = parse(&many_rules(MAX_RULES));
    let extra = rule("y", "").replace("name = \"r\"", "name = \"extra\"");
    let error = set.append(parse(&extra)).unwrap_err();
    assert!(error.reason.contains("more than 256 rules"), "{error}");
}

#[test]
fn unknown_validator_rejected() {
    let error = parse_error(&rule("x", "validate = { checksum = \"crc32\" }"));
    assert!(error.reason.contains("unknown variant `crc32`"), "{error}");
    assert!(error.reason.contains("`luhn`"), "{error}");
    let error = parse_error(&rule("x", "validate = { crc = 1 }"));
    assert!(error.reason.contains("unknown field `crc`"), "{error}");
}

#[test]
fn unknown_normalisation_rejected() {
    let error = parse_error(&rule("x", "normalize = \"title\""));
    assert!(error.reason.contains("unknown variant `title`"), "{error}");
}

#[test]
fn unsupported_version_rejected() {
    let error = parse_error("version = 2\n");
    assert!(error.reason.contains("version 2"), "{error}");
    assert_eq!((error.line, error.column), (1, 11));
}

#[test]
fn missing_group_rejected() {
    let error = parse_error(&rule("(?P<key>[0-9]+)", "group = 2"));
    assert!(error.reason.contains("no capture group 2"), "{error}");
    assert!(error.reason.contains("'key'"), "{error}");
    let error = parse_error(&rule("([0-9]+)", "group = \"key\""));
    assert!(error.reason.contains("no capture group 'key'"), "{error}");
    let error = parse_error(&rule("([0-9]+)", "group = -1"));
    assert!(error.reason.contains("no capture group -1"), "{error}");
    let error = parse_error(&rule("([0-9]+)", "group = true"));
    assert!(error.reason.contains("number or name"), "{error}");
}

#[test]
fn max_length_range_checked() {
    for value in ["0", "8193", "-5"] {
        let error = parse_error(&rule("x", &format!("max_length = {value}")));
        assert!(error.reason.contains("max_length must be"), "{error}");
    }
}

#[test]
fn invalid_boundary_rejected() {
    let cases = [
        ("boundary = \"words\"", "unknown boundary"),
        ("boundary = 3", "wrong type"),
        ("boundary = { char = \"-\" }", "unknown key 'char'"),
        ("boundary = { chars = 1 }", "'chars' has the wrong type"),
    ];
    for (line, expected) in cases {
        let error = parse_error(&rule("x", line));
        assert!(error.reason.contains(expected), "{line}: {error}");
    }
}

#[test]
fn invalid_validate_values_rejected() {
    let error = parse_error(&rule(
        "x",
        "validate = { length = { min = 5, max = 2 } }",
    ));
    assert!(error.reason.contains("min <= max"), "{error}");
    let error = parse_error(&rule("x", "validate = { charset = \"\" }"));
    assert!(error.reason.contains("charset is empty"), "{error}");
}

#[test]
fn control_characters_in_description_rejected() {
    let error = parse_error(&rule("x", "description = \"a\\u001b[2Jb\""));
    assert!(error.reason.contains("description"), "{error}");
}

#[test]
fn oversized_file_rejected() {
    let text = format!("# {}\n", "x".repeat(MAX_RULES_FILE_LEN));
    let error = parse_error(&text);
    assert!(error.reason.contains("longer than"), "{error}");
}

#[test]
fn word_boundary_skips_glued_matches() {
    let file = rule("[A-Z]+-[0-9]+", "");
    let text = "JIRA-1 xABC-2 ABC-3x (OPS-44) éX-5 _Y-6 DEV-7.";
    assert_eq!(values(&file, text), ["JIRA-1", "OPS-44", "Y-6", "DEV-7"]);
}

#[test]
fn boundary_none_takes_glued_matches() {
    let file = rule("[A-Z]+-[0-9]+", "boundary = \"none\"");
    let text = "xABC-2 ABC-3x";
    assert_eq!(values(&file, text), ["ABC-2", "ABC-3"]);
}

#[test]
fn custom_boundary_adds_characters() {
    let file = rule("[a-z]+", "boundary = { chars = \"-\" }");
    assert_eq!(values(&file, "a-b c d1 e"), ["c", "e"]);
    let file =
        rule("[a-z]+", "boundary = { chars = \"-\", alphanumeric = false }");
    assert_eq!(values(&file, "a-b c d1 e"), ["c", "d", "e"]);
}

#[test]
fn capture_group_gives_value_and_span() {
    let file = rule("(?:ticket|issue) #([0-9]+)", "group = 1");
    let got = spans(&file, "see ticket #42, issue #7 and #9");
    let expected = [("42", "42"), ("7", "7")];
    let expected: Vec<_> =
        expected.iter().map(|(v, s)| (v.to_string(), s.to_string())).collect();
    assert_eq!(got, expected);
}

#[test]
fn named_group_gives_value() {
    let file = rule("user=(?P<user>[a-z]+);", "group = \"user\"");
    assert_eq!(values(&file, "x user=bob; user=eve;"), ["bob", "eve"]);
}

#[test]
fn optional_group_absent_gives_nothing() {
    let file = rule("id(?:=([0-9]+))?;", "group = 1");
    assert_eq!(values(&file, "id; id=5;"), ["5"]);
}

#[test]
fn normalisation_sets_case() {
    let lower = rule("[A-Za-z]+[.]corp", "normalize = \"lowercase\"");
    assert_eq!(values(&lower, "DB1x.CORP Mail.corp"), ["mail.corp"]);
    let lower = rule("(?i)[a-z0-9]+[.]corp", "normalize = \"lowercase\"");
    assert_eq!(values(&lower, "DB1.Corp"), ["db1.corp"]);
    let upper = rule("[a-z]+-[0-9]+", "normalize = \"uppercase\"");
    assert_eq!(values(&upper, "ops-12"), ["OPS-12"]);
    let none = rule("[a-zA-Z]+-[0-9]+", "normalize = \"none\"");
    assert_eq!(values(&none, "Ops-12"), ["Ops-12"]);
}

#[test]
fn strip_trims_value_and_span() {
    let file = rule("<[a-z@.]+>", "strip = \"<>\"");
    let got = spans(&file, "From: <bob@corp.example>");
    assert_eq!(got, [("bob@corp.example".into(), "bob@corp.example".into())]);
    let file = rule("<+>+", "strip = \"<>\"");
    assert!(values(&file, "<<>>").is_empty());
}

#[test]
fn luhn_validator_keeps_valid_cards() {
    let file = rule(
        "[0-9](?:[ -]?[0-9]){12,18}",
        "validate = { checksum = \"luhn\" }",
    );
    let text = "pay 4111 1111 1111 1111 or 4111111111111112; \
                5555-5555-5555-4444 and 378282246310005.";
    assert_eq!(
        values(&file, text),
        ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"]
    );
}

#[test]
fn base58check_validator_keeps_real_address() {
    let file = rule(
        "[1-9A-HJ-NP-Za-km-z]{25,40}",
        "validate = { checksum = \"base58check\" }",
    );
    let text = "genesis 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa \
                changed 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb";
    assert_eq!(values(&file, text), ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"]);
}

#[test]
fn bech32_and_eip55_validators_filter() {
    let file =
        rule("[a-z0-9]+1[a-z0-9]{6,}", "validate = { checksum = \"bech32\" }");
    let text = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 \
                bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5";
    assert_eq!(
        values(&file, text),
        ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"]
    );
    let file =
        rule("0x[0-9a-fA-F]{40}", "validate = { checksum = \"eip55\" }");
    let text = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed \
                0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
    assert_eq!(
        values(&file, text),
        ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"]
    );
}

#[test]
fn length_and_charset_validators_filter() {
    let file = rule(
        "[A-Z0-9]+",
        "validate = { length = { min = 3, max = 4 }, charset = \"ABC123\" }",
    );
    assert_eq!(
        values(&file, "AB ABC ABC1 ABC12 ABD 1CA"),
        ["ABC", "ABC1", "1CA"]
    );
}

#[test]
fn validators_see_value_before_normalisation() {
    let file = rule(
        "0x[0-9a-fA-F]{40}",
        "validate = { checksum = \"eip55\" }\nnormalize = \"lowercase\"",
    );
    let text = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    assert_eq!(values(&file, text), [text.to_lowercase()]);
}

#[test]
fn anchors_match_at_lines() {
    let file = rule("^[a-z]+$", "");
    assert_eq!(values(&file, "one\ntwo three\r\nfour\n"), ["one", "four"]);
}

#[test]
fn max_length_drops_longer_values() {
    let file = rule("[a-z]+", "max_length = 5");
    assert_eq!(values(&file, "abcde abcdef abc"), ["abcde", "abc"]);
}

#[test]
fn defanged_text_is_refanged_first() {
    let file = rule(r"[a-z0-9-]+\.corp\.example", "");
    let got = spans(&file, "host db-1[.]corp[.]example down");
    assert_eq!(
        got,
        [("db-1.corp.example".into(), "db-1[.]corp[.]example".into())]
    );
}

#[test]
fn custom_detections_carry_rule_and_category() {
    let text = format!(
        "{}{}",
        rule("[A-Z]+-[0-9]+", ""),
        rule("[0-9]{3}", "")
            .replace("\"r\"", "\"num\"")
            .replace("things", "nums"),
    );
    let set = parse(&text);
    let found = scan(set.clone(), "OPS-1");
    assert_eq!(found.len(), 1);
    let detection = &found[0];
    let rule = set.rule(detection.rule.unwrap()).unwrap();
    assert_eq!(rule.name(), "r");
    let IocKey::Custom(category) = detection.category else {
        panic!("{detection:?}");
    };
    assert_eq!(set.category_name(category), Some("things"));
}

#[test]
fn builtin_and_custom_both_reported() {
    let set = parse(&rule(r"[a-z]+\.example\.com", "boundary = \"none\""));
    let scanner = Scanner::default().with_rules(Arc::new(set));
    let found = scanner.scan(b"visit www.example.com now").detections;
    let keys: Vec<String> =
        found.iter().map(|d| format!("{:?}", d.category)).collect();
    assert_eq!(found.len(), 2, "{keys:?}");
    assert!(found.iter().any(|d| d.category == crate::Category::Domain));
    assert!(found.iter().any(|d| d.rule.is_some()));
    assert!(found.windows(2).all(|w| w[0].start <= w[1].start));
}

#[test]
fn selected_categories_only_run() {
    let text = format!(
        "{}{}",
        rule("[A-Z]+-[0-9]+", ""),
        rule("[0-9]+", "")
            .replace("\"r\"", "\"num\"")
            .replace("things", "nums"),
    );
    let mut set = parse(&text);
    assert_eq!(values_of(set.clone(), "OPS-1 22"), ["OPS-1", "1", "22"]);
    let things = set.find_category("things").unwrap();
    set.select_categories(&[things]);
    assert_eq!(values_of(set.clone(), "OPS-1 22"), ["OPS-1"]);
    assert!(!set.rules().nth(1).unwrap().1.is_enabled());
}

fn values_of(set: RuleSet, text: &str) -> Vec<String> {
    scan(set, text).into_iter().map(|d| d.value).collect()
}

#[test]
fn values_inside_base64_reported() {
    // "ticket OPS-77 open" in base64.
    let set = parse(&rule("[A-Z]+-[0-9]+", ""));
    let scanner = Scanner::default().with_rules(Arc::new(set));
    let text = b"payload dGlja2V0IE9QUy03NyBvcGVu end";
    let found = scanner.scan(text).detections;
    let custom: Vec<_> = found.iter().filter(|d| d.rule.is_some()).collect();
    assert_eq!(custom.len(), 1, "{found:?}");
    assert_eq!(custom[0].value, "OPS-77");
    assert_eq!(custom[0].source, crate::Source::Base64 { depth: 1 });
    assert_eq!(
        &text[custom[0].start..custom[0].end],
        b"dGlja2V0IE9QUy03NyBvcGVu"
    );
}
