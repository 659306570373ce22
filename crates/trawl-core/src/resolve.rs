//! Overlap resolution between the detectors' candidates.
//!
//! Candidates are sorted by start, longer first, then by category order, and
//! kept greedily when they do not overlap a kept one. So a URL owns the
//! path and host inside it, an e-mail owns its domain, and a hash is not
//! also base64. A URL's host, marked `derived`, is then kept beside the URL
//! that contains it.

use std::cmp::Reverse;

use crate::detect::Candidate;
use crate::Category;

/// Returns the surviving candidates, sorted by start.
pub(crate) fn resolve(candidates: Vec<Candidate>) -> Vec<Candidate> {
    // Sorting small keys and moving each candidate once is much cheaper
    // than sorting the candidates themselves. Each detector's candidates
    // arrive in order, and the stable sort merges such runs cheaply; the
    // index makes the order total.
    let mut order: Vec<(usize, Reverse<usize>, Category, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.start, Reverse(c.end), c.category, i))
        .collect();
    order.sort();
    let mut slots: Vec<Option<Candidate>> =
        candidates.into_iter().map(Some).collect();

    let mut kept: Vec<Candidate> = Vec::with_capacity(order.len());
    let mut derived: Vec<Candidate> = Vec::new();
    let mut kept_end = 0;
    for (start, Reverse(end), _, index) in order {
        let Some(candidate) = slots.get_mut(index).and_then(Option::take)
        else {
            continue;
        };
        if candidate.derived {
            derived.push(candidate);
        } else if start >= kept_end || kept.is_empty() {
            kept_end = end;
            kept.push(candidate);
        }
    }

    let urls: Vec<(usize, usize)> = kept
        .iter()
        .filter(|c| c.category == Category::Url)
        .map(|c| (c.start, c.end))
        .collect();
    for candidate in derived {
        let inside = urls.partition_point(|&(s, _)| s <= candidate.start);
        let owner = inside.checked_sub(1).and_then(|i| urls.get(i));
        if owner.is_some_and(|&(_, end)| candidate.end <= end) {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|c| (c.start, c.category));
    kept
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn candidate(category: Category, start: usize, end: usize) -> Candidate {
        Candidate::new(category, start, end, format!("{start}-{end}"))
    }

    #[test]
    fn contained_candidate_is_dropped() {
        let kept = resolve(vec![
            candidate(Category::FilePath, 10, 20),
            candidate(Category::Url, 0, 30),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].category, Category::Url);
    }

    #[test]
    fn same_span_prefers_earlier_category() {
        let kept = resolve(vec![
            candidate(Category::Base64, 0, 32),
            candidate(Category::Hash, 0, 32),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].category, Category::Hash);
    }

    #[test]
    fn derived_host_kept_only_inside_kept_url() {
        let mut host = candidate(Category::Domain, 7, 18);
        host.derived = true;
        let mut orphan = candidate(Category::Domain, 50, 60);
        orphan.derived = true;
        let kept =
            resolve(vec![candidate(Category::Url, 0, 25), host, orphan]);
        let categories: Vec<_> = kept.iter().map(|c| c.category).collect();
        assert_eq!(categories, [Category::Url, Category::Domain]);
        assert_eq!(kept[1].start, 7);
    }
}
