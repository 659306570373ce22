//! Bounded iteration over a pattern's matches.
//!
//! Iterating over every leftmost-first match of a regex with one
//! unbounded search after another can take time quadratic in the input,
//! even with automata. To settle a match, the engine may read far ahead
//! for a longer alternative that fails (`a*b|a` over a run of `a`), and
//! the next search reads the same bytes again. So each search for a
//! match here reads at most a window of `2 * (max_length + 1)` bytes
//! from where it starts:
//!
//! - No match in the window: the search goes on `max_length` bytes before
//!   this window's end, so a match of at most `max_length` bytes that
//!   starts in this window but crosses its end is still found. From
//!   there, one search for the earliest end of any match skips the
//!   stretch where no short match can start: a match of at most
//!   `max_length` bytes starts at most `max_length` bytes before that
//!   end. The skip stops one byte earlier still, so that a longer match
//!   ending there is seen whole enough to be dropped, not cut into a
//!   short one. The same skip starts the iteration.
//! - A match that starts less than `max_length + 1` bytes before a
//!   window's end may belong to a longer match cut by that end, so the
//!   window moves up to it the same way and the search runs again.
//! - A match longer than `max_length` bytes is not reported, and
//!   neither is a match that starts where such a match ends, which is
//!   the rest of the same long run. The search goes on after it.
//! - Otherwise the match is reported and the search goes on after it.
//!
//! Look-around assertions (`^`, `$`, `\b`) see the bytes outside the
//! window, so a window's edge is never mistaken for the end of a line or
//! a word.
//!
//! Each window search reads at most one window. One that finds no match,
//! or moves the window, advances by at least `max_length + 2` bytes; one
//! that reports or skips a match advances past it, by at least one byte.
//! A skip stops at the first byte where a match ends, and the window
//! search after it finds that match or moves on by a window, so skips
//! read each byte about once. The work is therefore linear in the input
//! for a fixed `max_length`: at most about one window per byte in the
//! worst case (a pattern whose preferred alternative reads far ahead and
//! fails, as above), and about one read of each byte plus the matches
//! and their windows for patterns that settle a match where it ends.

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use regex_automata::{Anchored, Input};

/// Calls `found(start, end)` for each match of `regex` in `text` that is
/// at most `max_length` bytes long, in order, as the module describes.
pub(super) fn for_each_match(
    regex: &Regex,
    text: &[u8],
    max_length: usize,
    mut found: impl FnMut(usize, usize),
) {
    let max_length = max_length.max(1);
    // A match needs `max_length + 1` bytes of room to show that it is
    // longer than the limit.
    let reach = max_length.saturating_add(1);
    let window = reach.saturating_mul(2);
    let len = text.len();
    let Some(mut pos) = skip_to_match(regex, text, 0, max_length) else {
        return;
    };
    // The end of the last match dropped for its length.
    let mut dropped_end = None;
    while pos < len {
        let end = pos.saturating_add(window).min(len);
        let input = Input::new(text).range(pos..end);
        let Some(m) = regex.search(&input) else {
            if end == len {
                break;
            }
            // `end - pos` is a whole window, longer than `max_length`.
            let next = end.saturating_sub(max_length);
            match skip_to_match(regex, text, next, max_length) {
                Some(next) => pos = next,
                None => break,
            }
            continue;
        };
        let (start, stop) = (m.start(), m.end());
        if end < len && start.saturating_add(reach) > end {
            // `start >= end - max_length`, so the next window still
            // contains this start.
            pos = end.saturating_sub(max_length);
            continue;
        }
        let too_long = stop.saturating_sub(start) > max_length;
        if too_long || dropped_end == Some(start) {
            dropped_end = Some(stop);
        } else {
            found(start, stop);
        }
        // Patterns that match the empty string are rejected when parsed,
        // so `stop > start >= pos`; the `max` only guards the loop.
        pos = stop.max(pos.saturating_add(1));
    }
}

/// Returns where the search from `from` can go on without missing a
/// match of at most `max_length` bytes: `max_length + 1` bytes before
/// the earliest end of any match, or `from` if that is later. `None`
/// when no match starts at or after `from`.
fn skip_to_match(
    regex: &Regex,
    text: &[u8],
    from: usize,
    max_length: usize,
) -> Option<usize> {
    let input = Input::new(text).range(from..).earliest(true);
    let end = regex.search_half(&input)?.offset();
    let reach = max_length.saturating_add(1);
    Some(end.saturating_sub(reach).max(from))
}

/// Returns the span of capture group `group` of the match `start..end`,
/// or `None` when the group did not take part in it.
pub(super) fn group_span(
    regex: &Regex,
    text: &[u8],
    (start, end): (usize, usize),
    captures: &mut Captures,
    group: usize,
) -> Option<(usize, usize)> {
    // The search is anchored at the match's start and ends at its end,
    // so it finds the same match: the preferred one among those ending
    // by `end`.
    let input = Input::new(text).range(start..end).anchored(Anchored::Yes);
    regex.search_captures(&input, captures);
    let span = captures.get_group(group)?;
    Some((span.start, span.end))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str, max_length: usize) -> Vec<String> {
        let regex = Regex::new(pattern).unwrap();
        let mut out = Vec::new();
        for_each_match(&regex, text.as_bytes(), max_length, |s, e| {
            out.push(text[s..e].to_string())
        });
        out
    }

    fn unbounded(pattern: &str, text: &str) -> Vec<String> {
        let regex = Regex::new(pattern).unwrap();
        regex.find_iter(text).map(|m| text[m.range()].to_string()).collect()
    }

    #[test]
    fn short_matches_equal_find_iter() {
        let text = "JIRA-1 x ABC-22, a JIRA-333\nZZ-4444 end ".repeat(40);
        for max_length in [8, 16, 256] {
            let got = matches(r"[A-Z]+-[0-9]+", &text, max_length);
            assert_eq!(got, unbounded(r"[A-Z]+-[0-9]+", &text));
        }
    }

    #[test]
    fn match_across_window_edge_is_whole() {
        // With `max_length` 10 a window is 22 bytes, so the digits run
        // across the first window's end.
        let text = format!("{}a12345678", " ".repeat(17));
        assert_eq!(matches(r"a[0-9]+|[0-9]", &text, 10), ["a12345678"]);
    }

    #[test]
    fn longer_match_is_dropped_with_its_tail() {
        let text = format!("{} ab", "x".repeat(100));
        assert_eq!(matches("[a-z]+", &text, 10), ["ab"]);
    }

    #[test]
    fn skip_does_not_cut_long_match() {
        // The only match ends far from the start and is longer than the
        // limit, so no piece of it is reported.
        let text = format!("{}.corp and db.corp", "q".repeat(300));
        assert_eq!(matches(r"[a-z]+\.corp", &text, 16), ["db.corp"]);
        let text = format!("{}\nxaaa", "a".repeat(1000));
        assert_eq!(matches("a+$", &text, 16), ["aaa"]);
    }

    #[test]
    fn sparse_matches_equal_find_iter() {
        let text =
            format!("{}OPS-1{}DEV-22 ", " ".repeat(5000), "x ".repeat(3000));
        let got = matches(r"[A-Z]+-[0-9]+", &text, 8);
        assert_eq!(got, unbounded(r"[A-Z]+-[0-9]+", &text));
        assert_eq!(got, ["OPS-1", "DEV-22"]);
    }

    #[test]
    fn dollar_not_matched_at_window_edge() {
        let text = "ab".repeat(50);
        assert_eq!(matches("ab$", &text, 4), ["ab"]);
        assert_eq!(matches(r"b\b", &text, 4), ["b"]);
    }

    #[test]
    fn late_failing_alternative_stays_bounded() {
        // Each match is one byte, and settling it reads to the window's
        // end, so this is the worst case: one window per byte.
        let text = "a".repeat(4096);
        assert_eq!(matches("a*b|a", &text, 16).len(), 4096);
    }

    #[test]
    fn capture_group_span_found() {
        let regex = Regex::new(r"id=([0-9]+);").unwrap();
        let mut captures = regex.create_captures();
        let text = b"x id=42; y";
        let span = group_span(&regex, text, (2, 8), &mut captures, 1);
        assert_eq!(span, Some((5, 7)));
    }

    #[test]
    fn unmatched_group_gives_none() {
        let regex = Regex::new(r"a(b)?|c").unwrap();
        let mut captures = regex.create_captures();
        assert_eq!(group_span(&regex, b"c", (0, 1), &mut captures, 1), None);
    }
}
