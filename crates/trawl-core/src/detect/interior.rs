//! The interiors of URLs, which the detectors of looser categories skip.
//!
//! Overlap resolution keeps candidates greedily in order of start, so
//! once it keeps a URL it drops every candidate that starts later inside
//! that URL, except those derived from the URL itself. So the domain and
//! path detectors skip the anchors after a URL's `://`.
//! Each skips only where the byte at the URL's end shows that it resumes
//! there in the state a full scan would reach. Whether a URL is kept is
//! known only after resolution, so the scanner checks with
//! [`UrlInteriors::all_kept`] and scans the window again without skipping
//! when a URL lost.

use super::Candidate;
use crate::Category;

/// One URL whose interior the looser detectors may skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Interior {
    /// Offset of the URL's first byte, at its scheme.
    url_start: usize,
    /// Offset of the first byte after the `://` or `:\\`.
    start: usize,
    /// Offset just past the URL.
    end: usize,
}

/// The interiors of the URLs found in one text, in order of start.
#[derive(Clone, Debug, Default)]
pub(crate) struct UrlInteriors {
    spans: Vec<Interior>,
}

impl UrlInteriors {
    /// Returns the interiors of the URLs among `candidates`, the output
    /// of the URL detector over `text`. Derived URLs, which are nested in
    /// another URL, are left out.
    pub(crate) fn of(text: &[u8], candidates: &[Candidate]) -> UrlInteriors {
        let mut spans: Vec<Interior> = Vec::new();
        let urls = candidates
            .iter()
            .filter(|c| c.category == Category::Url && !c.derived);
        for url in urls {
            let written = text.get(url.start..url.end).unwrap_or_default();
            // A scheme contains no `:`, so the first one is the URL's own.
            // A scheme as written is at most 16 bytes long, so a byte
            // loop finds the colon for less than a vector search costs
            // to start.
            let Some(colon) = written.iter().position(|&b| b == b':') else {
                continue;
            };
            let start = url.start.saturating_add(colon).saturating_add(3);
            let after_last =
                spans.last().is_none_or(|last| last.end <= url.start);
            if start < url.end && after_last {
                spans.push(Interior {
                    url_start: url.start,
                    start,
                    end: url.end,
                });
            }
        }
        UrlInteriors { spans }
    }

    /// Returns a cursor over the interiors for one detector's scan.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor { spans: &self.spans }
    }

    /// Reports whether overlap resolution kept every URL whose interior
    /// was listed. `kept_urls` contains the spans of the URLs kept, in
    /// order of start, as `resolve::Survivors::urls` lists them.
    pub(crate) fn all_kept(&self, kept_urls: &[(usize, usize)]) -> bool {
        let mut urls = kept_urls.iter().copied().peekable();
        self.spans.iter().all(|span| {
            while urls.next_if(|&(start, _)| start < span.url_start).is_some()
            {
            }
            urls.peek() == Some(&(span.url_start, span.end))
        })
    }
}

/// A position in a list of interiors, for a scan that moves forward.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor<'a> {
    spans: &'a [Interior],
}

impl Cursor<'_> {
    /// A cursor over no interiors, for a scan that skips nothing.
    #[cfg(test)]
    pub(crate) const NONE: Cursor<'static> = Cursor { spans: &[] };

    /// Returns the interior that contains `at`, as its start and the end of
    /// its URL. Calls must come with `at` never decreasing.
    pub(crate) fn interior_at(&mut self, at: usize) -> Option<(usize, usize)> {
        while let [first, rest @ ..] = self.spans {
            if first.end > at {
                break;
            }
            self.spans = rest;
        }
        let first = self.spans.first()?;
        (first.start <= at).then_some((first.start, first.end))
    }

    /// Returns the start of the first interior not passed yet. After a
    /// call of `interior_at(at)` that returned `None`, no interior
    /// contains an offset from `at` up to it.
    pub(crate) fn next_start(&self) -> Option<usize> {
        self.spans.first().map(|span| span.start)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::detect::{domain, find_all, find_all_whole, path, url};
    use crate::resolve::survivors;
    use crate::Limits;
    use proptest::prelude::*;

    type FindOutside = fn(&[u8], &Limits, Cursor<'_>, &mut Vec<Candidate>);

    const DETECTORS: [(&str, FindOutside); 2] =
        [("domain", domain::find_outside), ("path", path::find_outside)];

    /// Pieces of text around URLs: schemes, hosts, path roots, digests,
    /// addresses and every kind of byte that can end a URL.
    const PIECES: &[&str] = &[
        "http://",
        "https://",
        "hxxp://",
        "ftp:\\\\",
        "a.com",
        "x.zip",
        "b.evil.net",
        "1.2.3.4",
        "::1",
        "2001:db8::7",
        "C:/",
        "c:\\",
        "%TEMP%/",
        "$env:x/",
        "~/",
        "$HOME/",
        "./",
        "/",
        "\\",
        "//",
        ":",
        "%",
        "?q=",
        "#",
        "@",
        "d41d8cd98f00b204e9800998ecf8427e",
        "9f",
        "Program Files",
        "a b",
        "<user>",
        "x",
        "Z9",
        " ",
        " ",
        "\n",
        "\t",
        "\"",
        "'",
        "`",
        "|",
        ",",
        ";",
        "<",
        ">",
        ".",
        "!",
        ")",
        "(",
        "]",
        "é",
        "\u{3000}",
    ];

    fn text_of(pieces: &[&str]) -> Vec<u8> {
        pieces.concat().into_bytes()
    }

    fn interiors_of(text: &[u8]) -> UrlInteriors {
        let mut urls = Vec::new();
        url::find(text, &Limits::default(), &mut urls);
        UrlInteriors::of(text, &urls)
    }

    /// Checks that `find` finds outside the URL interiors of `text`
    /// exactly what it finds there in a scan that skips nothing. Inside
    /// the interiors it may find less.
    fn check_skips_only_interiors(
        name: &str,
        find: FindOutside,
        text: &[u8],
    ) -> Result<(), TestCaseError> {
        let urls = interiors_of(text);
        let outside = |c: &Candidate| {
            !urls.spans.iter().any(|s| (s.start..s.end).contains(&c.start))
        };
        let limits = Limits::default();
        let mut expected = Vec::new();
        find(text, &limits, Cursor::NONE, &mut expected);
        expected.retain(outside);
        let mut found = Vec::new();
        find(text, &limits, urls.cursor(), &mut found);
        found.retain(outside);
        prop_assert_eq!(found, expected, "{}", name);
        Ok(())
    }

    /// Returns the candidates that overlap resolution keeps.
    fn kept(candidates: &[Candidate], order: &[usize]) -> Vec<Candidate> {
        order.iter().map(|&i| candidates[i].clone()).collect()
    }

    #[test]
    fn interior_follows_scheme_separator() {
        let text = b"x http://a.com/p y ftp:\\\\b.org z";
        let spans = interiors_of(text).spans;
        let found: Vec<_> =
            spans.iter().map(|s| (s.url_start, s.start, s.end)).collect();
        assert_eq!(found, [(2, 9, 16), (19, 25, 30)]);
    }

    #[test]
    fn nested_url_has_no_interior() {
        let text = b"http://a.com/?u=https://b.net/x";
        let spans = interiors_of(text).spans;
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].url_start, 0);
    }

    #[test]
    fn cursor_returns_interior_holding_offset() {
        let text = b"http://a.com/p and https://b.net/q";
        let urls = interiors_of(text);
        let mut cursor = urls.cursor();
        assert_eq!(cursor.interior_at(3), None);
        assert_eq!(cursor.interior_at(7), Some((7, 14)));
        assert_eq!(cursor.interior_at(14), None);
        assert_eq!(cursor.interior_at(30), Some((27, 34)));
        assert_eq!(cursor.interior_at(34), None);
    }

    #[test]
    fn next_start_follows_cursor() {
        let text = b"http://a.com/p and https://b.net/q";
        let urls = interiors_of(text);
        let mut cursor = urls.cursor();
        assert_eq!(cursor.next_start(), Some(7));
        assert_eq!(cursor.interior_at(14), None);
        assert_eq!(cursor.next_start(), Some(27));
        assert_eq!(cursor.interior_at(34), None);
        assert_eq!(cursor.next_start(), None);
    }

    #[test]
    fn detectors_skip_interior_before_space() {
        let text =
            b"http://a.com/x.y.z.com/d41d8cd98f00b204e9800998ecf8427e/~/b ";
        let urls = interiors_of(text);
        for (name, find) in DETECTORS {
            let mut found = Vec::new();
            find(text, &Limits::default(), urls.cursor(), &mut found);
            assert!(found.is_empty(), "{name}: {found:?}");
        }
    }

    #[test]
    fn url_lost_to_path_is_not_kept() {
        // The path `C:\tmp\http` starts first and overlaps the URL.
        let text = b"C:\\tmp\\http://evil.com/x/a.example.org";
        let mut candidates = Vec::new();
        let urls = find_all(text, &Limits::default(), &mut candidates);
        let kept = survivors(&candidates);
        assert!(!urls.all_kept(&kept.urls));
    }

    #[test]
    fn interior_ends_checked_by_each_detector() {
        // NOTE: no URL end is known where the domain detector would find
        // more without its check of the byte there, so only the path
        // detector's check can fail these cases.
        let texts: &[&str] = &[
            "http://a.com/x.y.z.com/d41d8cd98f00b204e9800998ecf8427e.",
            "http://a.com/~/<user>/b.com",
            "http://a.com/C:/Program Files/x.exe",
            "http://a.com/%TEMP%/a b/c",
            "http://a.com/x/2001:db8::7:1.2.3.4",
            "http://a.com/d41d8cd98f00b204e9800998ecf8427e:ab",
            "http://a.com/a:/b",
            "https://a.com/p/q\tC:/x/y",
            // A Windows path in the interior runs on past the space, so
            // the path detector must not resume at it.
            "http://a.com/C:/x Y/%TEMP%/z",
            "http://a.com/%TEMP%/x Y/%TMP%/z",
            // A placeholder carries a path past the `<` that ends a URL.
            "http://a.com/x/C:/<user>/%TEMP%/z",
        ];
        for text in texts {
            for (name, find) in DETECTORS {
                let checked =
                    check_skips_only_interiors(name, find, text.as_bytes());
                assert!(checked.is_ok(), "{name} {text:?}: {checked:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn skipping_drops_only_interior_candidates(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..40)
        ) {
            let text = text_of(&pieces);
            for (name, find) in DETECTORS {
                check_skips_only_interiors(name, find, &text)?;
            }
        }

        #[test]
        fn skipping_keeps_survivors_when_urls_kept(
            pieces in prop::collection::vec(prop::sample::select(PIECES), 0..40)
        ) {
            let text = text_of(&pieces);
            let limits = Limits::default();
            let mut skipping = Vec::new();
            let urls = find_all(&text, &limits, &mut skipping);
            let survived = survivors(&skipping);
            let mut whole = Vec::new();
            find_all_whole(&text, &limits, &mut whole);
            let whole_order = survivors(&whole).order;
            if urls.all_kept(&survived.urls) {
                prop_assert_eq!(
                    kept(&skipping, &survived.order),
                    kept(&whole, &whole_order)
                );
            }
        }
    }
}
