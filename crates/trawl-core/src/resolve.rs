//! Overlap resolution between the detectors' candidates.
//!
//! Candidates are sorted by start, longer first, then by category order, and
//! kept greedily when they do not overlap a kept one. So a URL owns the
//! path and host inside it, an e-mail owns its domain, and a hash is not
//! also base64. A URL's host, or a UNC path's server, marked `derived`,
//! is then kept beside the URL or path that contains it, and so is a CVE
//! or ATT&CK id inside any kept candidate.
//!
//! A bare file name is the last category, so a URL, domain, path, e-mail,
//! hash or registry key with the same span wins the tie, and one that
//! starts earlier wins by start. The file name detector leaves out the
//! names that a longer token of those categories could end or contain.
//!
//! Before that, a few categories whose shape is specific overrule the
//! looser ones they overlap, wherever those start (`overruling`): a
//! registry key is never also a file path, an ssdeep or TLSH digest is
//! never split into hashes, base64 or paths, a Monero address is never
//! base64, a MAC address is never a domain or an IP, and a mutex name,
//! which only its context reports, is never also a path, file name,
//! domain or base64 token.

use crate::detect::Candidate;
use crate::Category;

/// Bits given to each offset and to the index in a packed sort key.
const FIELD_BITS: u32 = 40;
const FIELD_MASK: u128 = (1 << FIELD_BITS) - 1;

/// Returns the surviving candidates, sorted by start.
#[cfg(test)]
pub(crate) fn resolve(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let order = survivors(&candidates).order;
    let mut slots: Vec<Option<Candidate>> =
        candidates.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots.get_mut(index).and_then(Option::take))
        .collect()
}

/// The result of overlap resolution.
pub(crate) struct Survivors {
    /// The indexes of the surviving candidates in the order of
    /// [`resolve`]'s result. The scanner reads the candidates in place,
    /// which saves moving each one twice.
    pub order: Vec<usize>,
    /// The spans of the surviving URLs that are not derived, in order of
    /// start.
    pub urls: Vec<(usize, usize)>,
}

/// Returns the surviving candidates.
pub(crate) fn survivors(candidates: &[Candidate]) -> Survivors {
    // Sorting one packed integer per candidate is much cheaper than
    // sorting the candidates or tuples of their fields. The key orders by
    // start, longer first, then category, and ends with the index, so
    // every key is distinct. Each detector's candidates arrive in order,
    // and the stable sort merges such runs; an unstable sort took twice
    // as long here. The fields of a 1 MiB chunk with up to 2^17
    // candidates fit a 64-bit key, which halves the bytes the sort moves
    // and lets one instruction compare two keys, so the 128-bit key is
    // kept for larger windows only.
    let order = match NarrowKey::for_candidates(candidates) {
        Some(narrow) => narrow_order(candidates, narrow),
        None => wide_order(candidates),
    };
    keep_greedily(candidates, order)
}

/// Returns the indexes of `candidates` in the order of their 64-bit
/// keys laid out as `narrow`.
fn narrow_order(candidates: &[Candidate], narrow: NarrowKey) -> Vec<usize> {
    let mut keys: Vec<u64> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| narrow.key(c, index))
        .collect();
    keys.sort();
    keys.into_iter().map(|key| narrow.index(key)).collect()
}

/// Returns the indexes of `candidates` in the order of their 128-bit
/// keys, which fit any offsets.
fn wide_order(candidates: &[Candidate]) -> Vec<usize> {
    let mut keys: Vec<u128> = candidates
        .iter()
        .enumerate()
        .map(|(index, c)| order_key(c, index))
        .collect();
    keys.sort();
    keys.into_iter().map(|key| (key & FIELD_MASK) as usize).collect()
}

/// Keeps the candidates of `order`, their indexes in key order, that
/// neither overlap an earlier kept one nor are overruled.
fn keep_greedily(candidates: &[Candidate], order: Vec<usize>) -> Survivors {
    let mut precedence = Precedence::new(candidates);

    // The indexes of the survivors in key order, which is by start. Only
    // the last URL or UNC path kept can contain a derived host, because
    // every one kept so far starts at or before the host and no two
    // overlap. `container_end` is the end of that last one.
    let mut kept: Vec<usize> = Vec::with_capacity(candidates.len());
    let mut urls: Vec<(usize, usize)> = Vec::new();
    let mut container_end = None;
    let mut kept_end = 0;
    let mut last_start = 0;
    let mut shared_start = false;
    for index in order {
        let Some(candidate) = candidates.get(index) else { continue };
        let start = candidate.start;
        let named_inside = start < kept_end
            && candidate.end <= kept_end
            && is_named_inside(candidate);
        let keep = if candidate.derived {
            container_end.is_some_and(|end| candidate.end <= end)
        } else {
            // Checked only where the candidate would be kept: one that is
            // overruled is skipped as if it had never been found.
            named_inside
                || start >= kept_end && !precedence.overruled(candidate)
        };
        if !keep {
            continue;
        }
        if !candidate.derived && !named_inside {
            kept_end = candidate.end;
            if candidate.category == Category::Url {
                urls.push((start, candidate.end));
            }
            if candidate.category == Category::Url
                || candidate.category == Category::FilePath
                    && candidate.kind == Some("unc")
            {
                container_end = Some(candidate.end);
            }
        }
        shared_start |= !kept.is_empty() && last_start == start;
        last_start = start;
        kept.push(index);
    }

    // The result is ordered by (start, category), kept candidates before
    // derived ones on a tie. Key order already sorts by start, so only
    // candidates sharing a start (a URL without a scheme and its host)
    // can be out of place, and the stable sort fixes those in one pass
    // over the nearly sorted list.
    if shared_start {
        let mut keyed: Vec<(usize, Category, bool, usize)> = kept
            .iter()
            .filter_map(|&index| {
                let c = candidates.get(index)?;
                Some((c.start, c.category, c.derived, index))
            })
            .collect();
        keyed.sort_by_key(|&(start, category, derived, _)| {
            (start, category, derived)
        });
        kept = keyed.into_iter().map(|(.., index)| index).collect();
    }
    Survivors { order: kept, urls }
}

/// Reports whether `candidate` is an identifier that an analyst wants
/// even inside another indicator: the CVE id in
/// `https://nvd.nist.gov/vuln/detail/CVE-2021-44228` names the
/// vulnerability the link is about, and the ATT&CK id in
/// `atomics/T1003/T1003.md` the technique the file is for.
fn is_named_inside(candidate: &Candidate) -> bool {
    matches!(candidate.category, Category::Cve | Category::AttackTechnique)
}

/// The categories that overrule every overlapping candidate of some
/// looser category, in a fixed order.
const STRONG: [Category; 5] = [
    Category::RegistryKey,
    Category::FuzzyHash,
    Category::Xmr,
    Category::Mac,
    Category::Mutex,
];

/// Reports whether a candidate is of a `STRONG` category and not derived
/// from a URL.
fn is_strong(candidate: &Candidate) -> bool {
    !candidate.derived
        && matches!(
            candidate.category,
            Category::RegistryKey
                | Category::FuzzyHash
                | Category::Xmr
                | Category::Mac
                | Category::Mutex
        )
}

/// Returns the `STRONG` categories whose candidates remove an
/// overlapping candidate of `weak` before the greedy pass.
fn overruling(weak: Category) -> &'static [Category] {
    match weak {
        Category::FilePath => {
            &[Category::RegistryKey, Category::FuzzyHash, Category::Mutex]
        }
        Category::Hash => &[Category::FuzzyHash],
        Category::Base64 => {
            &[Category::FuzzyHash, Category::Xmr, Category::Mutex]
        }
        Category::Domain => &[Category::Mac, Category::Mutex],
        Category::Ip => &[Category::Mac],
        Category::FileName => &[Category::Mutex],
        _ => &[],
    }
}

/// The spans of the `STRONG` candidates, one list per category, each
/// sorted by start with the largest end so far beside every start.
struct Precedence {
    spans: [Vec<(usize, usize)>; STRONG.len()],
    /// Per list, the index of the first span that starts at or after the
    /// last candidate checked. Candidates are checked in order of start,
    /// so the cursors only move forward.
    cursors: [usize; STRONG.len()],
    /// Per category number, the lists that overrule that category and
    /// are not empty, one bit per list. Working them out once per
    /// window spares each check a search of `STRONG`.
    overruling_lists: [u8; Category::ALL.len()],
}

impl Precedence {
    fn new(candidates: &[Candidate]) -> Precedence {
        let mut spans: [Vec<(usize, usize)>; STRONG.len()] =
            Default::default();
        for candidate in candidates.iter().filter(|c| is_strong(c)) {
            let slot = STRONG.iter().position(|&s| s == candidate.category);
            if let Some(list) = slot.and_then(|i| spans.get_mut(i)) {
                list.push((candidate.start, candidate.end));
            }
        }
        for list in &mut spans {
            list.sort_unstable();
            let mut max_end = 0;
            for span in list.iter_mut() {
                max_end = max_end.max(span.1);
                span.1 = max_end;
            }
        }
        let mut overruling_lists = [0u8; Category::ALL.len()];
        for weak in Category::ALL {
            let Some(lists) = overruling_lists.get_mut(weak as usize) else {
                continue;
            };
            for (bit, (strong, list)) in STRONG.iter().zip(&spans).enumerate()
            {
                if !list.is_empty() && overruling(weak).contains(strong) {
                    *lists |= 1 << bit;
                }
            }
        }
        Precedence { spans, cursors: [0; STRONG.len()], overruling_lists }
    }

    /// Reports whether a strong candidate overlaps `candidate` and
    /// overrules its category. Calls must come in order of start.
    fn overruled(&mut self, candidate: &Candidate) -> bool {
        let category = candidate.category as usize;
        let lists = self.overruling_lists.get(category).copied();
        let mut lists = lists.unwrap_or(0);
        let mut overruled = false;
        while lists != 0 {
            let slot = lists.trailing_zeros() as usize;
            // Clears the lowest set bit, which `lists != 0` guarantees.
            lists &= lists.wrapping_sub(1);
            let (Some(spans), Some(cursor)) =
                (self.spans.get(slot), self.cursors.get_mut(slot))
            else {
                continue;
            };
            overruled |= overlaps(spans, cursor, candidate);
        }
        overruled
    }
}

/// Reports whether one of `spans` (sorted by start, each with the
/// largest end so far) overlaps `candidate`, moving `cursor` to the first
/// span that starts at or after the candidate. A span that starts before
/// the candidate overlaps it when the largest end among those lies past
/// its start, and the first span that starts at or after it overlaps it
/// when it starts before the candidate ends.
fn overlaps(
    spans: &[(usize, usize)],
    cursor: &mut usize,
    candidate: &Candidate,
) -> bool {
    while spans.get(*cursor).is_some_and(|&(s, _)| s < candidate.start) {
        *cursor = cursor.saturating_add(1);
    }
    let earlier_end = cursor
        .checked_sub(1)
        .and_then(|i| spans.get(i))
        .map_or(0, |&(_, end)| end);
    let next_start = spans.get(*cursor).map(|&(s, _)| s);
    earlier_end > candidate.start
        || next_start.is_some_and(|s| s < candidate.end)
}

/// Bits given to the category in a [`NarrowKey`].
const CATEGORY_BITS: u32 = 5;

// Every category's number must fit its field of a narrow key, and
// index the tables that have one entry per category.
const _: () = {
    let mut rest: &[Category] = &Category::ALL;
    while let [category, tail @ ..] = rest {
        assert!((*category as u32) < 1 << CATEGORY_BITS);
        assert!((*category as usize) < Category::ALL.len());
        rest = tail;
    }
};

/// The layout of a 64-bit sort key, which orders like [`order_key`]:
/// from the top, start, end inverted, category and index, each field
/// as wide as the largest value in one list of candidates needs.
#[derive(Clone, Copy)]
struct NarrowKey {
    /// The bits of a start or an end, at the bottom.
    offset_mask: u64,
    /// The bits of the index, at the bottom.
    index_mask: u64,
    start_shift: u32,
    end_shift: u32,
    category_shift: u32,
}

impl NarrowKey {
    /// Returns the layout for `candidates`, or `None` when their
    /// offsets and count do not fit 64 bits.
    fn for_candidates(candidates: &[Candidate]) -> Option<NarrowKey> {
        // The bit length of the largest offset is that of all of them
        // or-ed together. Offsets get at least one bit, so that the start
        // is shifted by less than 64.
        let offsets =
            candidates.iter().fold(0, |all, c| all | c.start | c.end);
        let offset_bits = bit_length(offsets).max(1);
        let index_bits = bit_length(candidates.len().saturating_sub(1));
        let category_shift = index_bits;
        let end_shift = category_shift.checked_add(CATEGORY_BITS)?;
        let start_shift = end_shift.checked_add(offset_bits)?;
        let total = start_shift.checked_add(offset_bits)?;
        (total <= u64::BITS).then_some(NarrowKey {
            offset_mask: mask(offset_bits),
            index_mask: mask(index_bits),
            start_shift,
            end_shift,
            category_shift,
        })
    }

    /// Packs the candidate at `index`. Every field is below its width,
    /// so no field reaches into its neighbour, and every shift is below
    /// 64, so none wraps.
    fn key(self, candidate: &Candidate, index: usize) -> u64 {
        let inverted_end = self.offset_mask ^ candidate.end as u64;
        let category = candidate.category as u64;
        (candidate.start as u64).wrapping_shl(self.start_shift)
            | inverted_end.wrapping_shl(self.end_shift)
            | category.wrapping_shl(self.category_shift)
            | index as u64
    }

    /// Returns the index packed into `key`.
    fn index(self, key: u64) -> usize {
        (key & self.index_mask) as usize
    }
}

/// Returns the number of bits `value` needs, 0 for 0.
fn bit_length(value: usize) -> u32 {
    usize::BITS.saturating_sub(value.leading_zeros())
}

/// Returns a mask of the low `bits` bits, all 64 from 64 on.
fn mask(bits: u32) -> u64 {
    u64::MAX.checked_shr(u64::BITS.saturating_sub(bits)).unwrap_or(0)
}

/// Packs start, end (inverted, so longer sorts first), category and
/// index into one key. Offsets and indexes of in-memory text stay far
/// below 2^40, so no field overflows into its neighbour.
fn order_key(candidate: &Candidate, index: usize) -> u128 {
    let field = |value: usize| (value as u128).min(FIELD_MASK);
    let start = field(candidate.start);
    // `field` clamps to the all-ones mask, so the XOR is the subtraction
    // `FIELD_MASK - end` without a way to underflow.
    let inverted_end = FIELD_MASK ^ field(candidate.end);
    let category = candidate.category as u128;
    start << (2 * FIELD_BITS + 8)
        | inverted_end << (FIELD_BITS + 8)
        | category << FIELD_BITS
        | field(index)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
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
    fn file_names_lose_to_same_span() {
        let others = [
            Category::Url,
            Category::Domain,
            Category::Hash,
            Category::Email,
            Category::FilePath,
            Category::RegistryKey,
        ];
        for other in others {
            let kept = resolve(vec![
                candidate(Category::FileName, 0, 11),
                candidate(other, 0, 11),
            ]);
            assert_eq!(kept.len(), 1, "{other:?}");
            assert_eq!(kept[0].category, other);
        }
    }

    #[test]
    fn file_names_lose_to_containing_path() {
        let kept = resolve(vec![
            candidate(Category::FilePath, 0, 20),
            candidate(Category::FileName, 11, 20),
        ]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].category, Category::FilePath);
    }

    #[test]
    fn ids_kept_inside_other_candidates() {
        let kept = resolve(vec![
            candidate(Category::Url, 0, 50),
            candidate(Category::Cve, 30, 44),
            candidate(Category::FilePath, 60, 90),
            candidate(Category::AttackTechnique, 70, 75),
            // Past the end of the path it overlaps: dropped.
            candidate(Category::Cve, 85, 99),
            candidate(Category::Domain, 100, 120),
        ]);
        let spans: Vec<_> =
            kept.iter().map(|c| (c.category, c.start, c.end)).collect();
        assert_eq!(
            spans,
            [
                (Category::Url, 0, 50),
                (Category::Cve, 30, 44),
                (Category::FilePath, 60, 90),
                (Category::AttackTechnique, 70, 75),
                (Category::Domain, 100, 120),
            ]
        );
    }

    #[test]
    fn kept_id_leaves_container_span() {
        // A domain inside the URL after the CVE is still owned by the
        // URL, and a hash after the URL is kept.
        let kept = resolve(vec![
            candidate(Category::Url, 0, 50),
            candidate(Category::Cve, 10, 24),
            candidate(Category::Domain, 30, 40),
            candidate(Category::Hash, 50, 82),
        ]);
        let categories: Vec<_> = kept.iter().map(|c| c.category).collect();
        assert_eq!(categories, [Category::Url, Category::Cve, Category::Hash]);
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
    fn registry_key_overrules_overlapping_path() {
        // A path whose spaces ran into the key, one inside it and one
        // after it.
        let kept = resolve(vec![
            candidate(Category::FilePath, 0, 30),
            candidate(Category::RegistryKey, 20, 60),
            candidate(Category::FilePath, 40, 50),
            candidate(Category::FilePath, 60, 70),
        ]);
        let spans: Vec<_> =
            kept.iter().map(|c| (c.category, c.start, c.end)).collect();
        assert_eq!(
            spans,
            [(Category::RegistryKey, 20, 60), (Category::FilePath, 60, 70)]
        );
    }

    #[test]
    fn fuzzy_hash_overrules_hash_base64_and_path() {
        let kept = resolve(vec![
            candidate(Category::Base64, 0, 72),
            candidate(Category::FuzzyHash, 0, 72),
            candidate(Category::Hash, 70, 102),
            candidate(Category::FuzzyHash, 90, 150),
            candidate(Category::FilePath, 100, 110),
        ]);
        let spans: Vec<_> =
            kept.iter().map(|c| (c.category, c.start, c.end)).collect();
        assert_eq!(
            spans,
            [(Category::FuzzyHash, 0, 72), (Category::FuzzyHash, 90, 150)]
        );
    }

    #[test]
    fn strong_categories_leave_others_alone() {
        // A MAC overrules a domain but not a URL; a registry key does
        // not overrule a hash; a Monero address does not overrule a
        // path.
        let kept = resolve(vec![
            candidate(Category::Url, 0, 40),
            candidate(Category::Mac, 10, 24),
            candidate(Category::Domain, 50, 64),
            candidate(Category::Mac, 50, 64),
            candidate(Category::Hash, 70, 102),
            candidate(Category::RegistryKey, 80, 120),
            candidate(Category::Xmr, 130, 225),
            candidate(Category::FilePath, 200, 230),
        ]);
        let categories: Vec<_> = kept.iter().map(|c| c.category).collect();
        assert_eq!(
            categories,
            [Category::Url, Category::Mac, Category::Hash, Category::Xmr]
        );
    }

    #[test]
    fn overlap_found_behind_longer_strong_span() {
        // The registry key that starts first is the one that reaches the
        // path; the later, shorter key does not.
        let kept = resolve(vec![
            candidate(Category::RegistryKey, 0, 100),
            candidate(Category::RegistryKey, 10, 20),
            candidate(Category::FilePath, 90, 130),
        ]);
        let categories: Vec<_> = kept.iter().map(|c| c.category).collect();
        assert_eq!(categories, [Category::RegistryKey]);
    }

    /// Removes the overruled candidates by comparing every pair, as a
    /// model for the cursors of `Precedence`.
    fn remove_overruled(candidates: Vec<Candidate>) -> Vec<Candidate> {
        let spans: Vec<(Category, usize, usize)> = candidates
            .iter()
            .filter(|c| is_strong(c))
            .map(|c| (c.category, c.start, c.end))
            .collect();
        candidates
            .into_iter()
            .filter(|c| {
                !spans.iter().any(|&(strong, start, end)| {
                    overruling(c.category).contains(&strong)
                        && start < c.end
                        && c.start < end
                })
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn precedence_matches_pairwise_model(
            spans in proptest::collection::vec(
                (0usize..16, 0usize..200, 1usize..40),
                0..40,
            )
        ) {
            let candidates: Vec<Candidate> = spans
                .iter()
                .map(|&(category, start, len)| {
                    candidate(Category::ALL[category], start, start + len)
                })
                .collect();
            let expected = resolve(remove_overruled(candidates.clone()));
            proptest::prop_assert_eq!(resolve(candidates), expected);
        }
    }

    #[test]
    fn narrow_key_only_for_small_offsets() {
        let small = [candidate(Category::Domain, 900_000, 1_000_000)];
        assert!(NarrowKey::for_candidates(&small).is_some());
        let large = [candidate(Category::Domain, 1 << 30, (1 << 30) + 9)];
        assert!(NarrowKey::for_candidates(&large).is_none());
        assert_eq!(survivors(&large).order, [0]);
    }

    proptest::proptest! {
        #[test]
        fn narrow_keys_sort_as_wide_keys(
            base in proptest::sample::select(vec![0, 1 << 20, 1 << 29]),
            spans in proptest::collection::vec(
                (0usize..16, 0usize..64, 0usize..24, proptest::bool::ANY),
                0..200,
            )
        ) {
            // Starts within 64 bytes share many a start, and often an
            // end and a category too, so every field decides some order.
            let candidates: Vec<Candidate> = spans
                .iter()
                .map(|&(category, offset, len, derived)| {
                    let start = base + offset;
                    let mut c =
                        candidate(Category::ALL[category], start, start + len);
                    c.derived = derived;
                    c
                })
                .collect();
            let wide = wide_order(&candidates);
            match NarrowKey::for_candidates(&candidates) {
                Some(narrow) => proptest::prop_assert_eq!(
                    narrow_order(&candidates, narrow),
                    wide.clone()
                ),
                None => proptest::prop_assert!(base >= 1 << 29),
            }
            let survivors = survivors(&candidates);
            let expected = keep_greedily(&candidates, wide);
            proptest::prop_assert_eq!(survivors.order, expected.order);
            proptest::prop_assert_eq!(survivors.urls, expected.urls);
        }
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

    #[test]
    fn derived_host_kept_inside_unc_path_only() {
        for (kind, kept_count) in [("unc", 2), ("windows", 1)] {
            let path = candidate(Category::FilePath, 0, 30).with_kind(kind);
            let mut host = candidate(Category::Ip, 2, 12);
            host.derived = true;
            let kept = resolve(vec![path, host]);
            assert_eq!(kept.len(), kept_count, "{kind}");
        }
    }

    #[test]
    fn shared_start_keeps_url_before_host() {
        let mut host = candidate(Category::Domain, 40, 51);
        host.derived = true;
        let mut ip = candidate(Category::Ip, 70, 77);
        ip.derived = true;
        let kept = resolve(vec![
            candidate(Category::Url, 40, 60),
            candidate(Category::Url, 70, 90),
            host,
            ip,
            candidate(Category::Hash, 5, 37),
        ]);
        let spans: Vec<_> =
            kept.iter().map(|c| (c.category, c.start, c.end)).collect();
        assert_eq!(
            spans,
            [
                (Category::Hash, 5, 37),
                (Category::Url, 40, 60),
                (Category::Domain, 40, 51),
                (Category::Url, 70, 90),
                (Category::Ip, 70, 77),
            ]
        );
    }
}
