//! CIDR networks of one address family, sorted for lookups in
//! logarithmic time.
//!
//! Two CIDR networks are either disjoint or one contains the other, so
//! the networks sorted by first address, the larger one first on a tie,
//! form a forest in which each network's parent is the smallest network
//! that contains it. The networks that contain an address are then the
//! last network starting at or before it and that network's ancestors:
//! a binary search and a walk up the tree of at most 129 steps.

/// One network of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    first: u128,
    last: u128,
    /// The rule that listed it.
    rule: u32,
    /// The index of the smallest network that contains this one.
    parent: Option<usize>,
}

/// Sorted networks with their containment tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Ranges {
    blocks: Vec<Block>,
}

impl Ranges {
    /// Builds the table from `(first, last, rule)` networks, both ends
    /// inclusive. Of several entries for one network, the one with the
    /// lowest rule number is kept.
    pub fn new(mut networks: Vec<(u128, u128, u32)>) -> Ranges {
        networks.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        });
        networks.dedup_by(|later, earlier| {
            later.0 == earlier.0 && later.1 == earlier.1
        });
        let mut blocks: Vec<Block> = Vec::with_capacity(networks.len());
        // The open networks, innermost last, each containing the next.
        let mut open: Vec<usize> = Vec::new();
        for (first, last, rule) in networks {
            while let Some(&top) = open.last() {
                let contains = blocks
                    .get(top)
                    .is_some_and(|b| b.first <= first && last <= b.last);
                if contains {
                    break;
                }
                open.pop();
            }
            let parent = open.last().copied();
            open.push(blocks.len());
            blocks.push(Block { first, last, rule, parent });
        }
        Ranges { blocks }
    }

    /// Returns the rule of the smallest network that contains every
    /// address from `first` to `last`.
    pub fn find(&self, first: u128, last: u128) -> Option<u32> {
        let after = self.blocks.partition_point(|b| b.first <= first);
        let mut index = after.checked_sub(1)?;
        // Each parent comes before its child, so the walk ends.
        loop {
            let block = self.blocks.get(index)?;
            if block.first <= first && last <= block.last {
                return Some(block.rule);
            }
            index = block.parent?;
        }
    }

    /// Reports whether the table has no network.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
        u128::from(u32::from_be_bytes([a, b, c, d]))
    }

    /// 10.0.0.0/8 (rule 0), 10.1.0.0/16 (1), 10.1.2.3 (2),
    /// 192.168.0.0/16 (3), 10.2.0.0/16 (4).
    fn table() -> Ranges {
        Ranges::new(vec![
            (v4(10, 0, 0, 0), v4(10, 255, 255, 255), 0),
            (v4(10, 1, 0, 0), v4(10, 1, 255, 255), 1),
            (v4(10, 1, 2, 3), v4(10, 1, 2, 3), 2),
            (v4(192, 168, 0, 0), v4(192, 168, 255, 255), 3),
            (v4(10, 2, 0, 0), v4(10, 2, 255, 255), 4),
        ])
    }

    fn point(ranges: &Ranges, address: u128) -> Option<u32> {
        ranges.find(address, address)
    }

    #[test]
    fn smallest_containing_network_wins() {
        let ranges = table();
        assert_eq!(point(&ranges, v4(10, 1, 2, 3)), Some(2));
        assert_eq!(point(&ranges, v4(10, 1, 2, 4)), Some(1));
        assert_eq!(point(&ranges, v4(10, 2, 0, 0)), Some(4));
        assert_eq!(point(&ranges, v4(10, 3, 0, 0)), Some(0));
        assert_eq!(point(&ranges, v4(192, 168, 7, 7)), Some(3));
    }

    #[test]
    fn edges_are_inclusive() {
        let ranges = table();
        assert_eq!(point(&ranges, v4(9, 255, 255, 255)), None);
        assert_eq!(point(&ranges, v4(10, 0, 0, 0)), Some(0));
        assert_eq!(point(&ranges, v4(10, 255, 255, 255)), Some(0));
        assert_eq!(point(&ranges, v4(11, 0, 0, 0)), None);
        assert_eq!(point(&ranges, v4(10, 1, 255, 255)), Some(1));
        assert_eq!(point(&ranges, v4(192, 169, 0, 0)), None);
    }

    #[test]
    fn walk_up_past_earlier_sibling() {
        // 10.3.x follows 10.2.0.0/16 in the sort, which does not
        // contain it, so the match is that network's parent.
        let ranges = table();
        assert_eq!(point(&ranges, v4(10, 3, 0, 0)), Some(0));
        assert_eq!(point(&ranges, v4(10, 1, 3, 0)), Some(1));
    }

    #[test]
    fn network_query_needs_whole_range() {
        let ranges = table();
        let inside = ranges.find(v4(10, 1, 2, 0), v4(10, 1, 2, 255));
        assert_eq!(inside, Some(1));
        let across = ranges.find(v4(10, 1, 0, 0), v4(10, 2, 255, 255));
        assert_eq!(across, Some(0));
        let outside = ranges.find(v4(10, 0, 0, 0), v4(11, 0, 0, 0));
        assert_eq!(outside, None);
    }

    #[test]
    fn duplicate_keeps_first_rule() {
        let ranges = Ranges::new(vec![
            (v4(10, 0, 0, 0), v4(10, 255, 255, 255), 7),
            (v4(10, 0, 0, 0), v4(10, 255, 255, 255), 2),
        ]);
        assert_eq!(point(&ranges, v4(10, 0, 0, 1)), Some(2));
    }

    #[test]
    fn whole_space_and_top_address() {
        let ranges =
            Ranges::new(vec![(0, u128::MAX, 0), (u128::MAX, u128::MAX, 1)]);
        assert_eq!(point(&ranges, 0), Some(0));
        assert_eq!(point(&ranges, u128::MAX), Some(1));
        assert_eq!(point(&ranges, u128::MAX - 1), Some(0));
        assert!(Ranges::new(Vec::new()).find(0, 0).is_none());
    }
}
