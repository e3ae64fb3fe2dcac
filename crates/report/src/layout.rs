//! Geometry shared by the diagrams: rectangles, and a tidy tree layout.
//!
//! The tree layout follows Reingold and Tilford's idea: lay each subtree out
//! on its own, then push every next sibling subtree just far enough that
//! their contours (the leftmost and rightmost extent at each level) keep a
//! gap, and centre each parent over its children. Nodes have their own
//! sizes, so boxes of wrapped text fit. It works in "breadth" (along a
//! level) and "depth" (across levels) so the same code draws top-down fault
//! trees and left-to-right 5-Whys chains.

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn center_x(&self) -> f64 {
        self.x + self.width / 2.0
    }

    pub fn center_y(&self) -> f64 {
        self.y + self.height / 2.0
    }

    /// True when the interiors intersect; touching edges do not count.
    #[cfg(test)]
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
}

/// The index pairs of rectangles that overlap, for layout tests.
#[cfg(test)]
pub fn overlapping_pairs(rects: &[Rect]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (first, a) in rects.iter().enumerate() {
        for (offset, b) in rects[first + 1..].iter().enumerate() {
            if a.overlaps(b) {
                pairs.push((first, first + 1 + offset));
            }
        }
    }
    pairs
}

/// A node to lay out: its extent along its level (`breadth`) and across
/// levels (`depth`), and its children by index. Index 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    pub breadth: f64,
    pub depth: f64,
    pub children: Vec<usize>,
}

/// Where the layout put each node, in breadth/depth coordinates starting at
/// zero: `x` runs along a level, `y` across levels.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeLayout {
    pub boxes: Vec<Rect>,
    /// The start of each level along the depth axis and its extent.
    pub levels: Vec<(f64, f64)>,
    pub size: (f64, f64),
}

/// Spacing between nodes of a tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeSpacing {
    /// Between neighbouring nodes on a level.
    pub sibling_gap: f64,
    /// Between one level and the next.
    pub level_gap: f64,
}

/// The extent of a subtree at each of its levels, relative to its root's
/// centre.
type Contour = Vec<(f64, f64)>;

/// Lays out the tree rooted at node 0. Every node must be reachable from the
/// root exactly once.
pub fn tidy_tree(nodes: &[TreeNode], spacing: TreeSpacing) -> TreeLayout {
    if nodes.is_empty() {
        return TreeLayout {
            boxes: Vec::new(),
            levels: Vec::new(),
            size: (0.0, 0.0),
        };
    }
    let mut node_levels = vec![0; nodes.len()];
    let mut level_extents: Vec<f64> = Vec::new();
    let mut stack = vec![(0, 0)];
    while let Some((node, level)) = stack.pop() {
        node_levels[node] = level;
        if level_extents.len() <= level {
            level_extents.resize(level + 1, 0.0);
        }
        level_extents[level] = level_extents[level].max(nodes[node].depth);
        stack.extend(nodes[node].children.iter().map(|&child| (child, level + 1)));
    }
    let mut levels = Vec::with_capacity(level_extents.len());
    let mut start = 0.0;
    for extent in &level_extents {
        levels.push((start, *extent));
        start += extent + spacing.level_gap;
    }

    let mut offsets = vec![0.0; nodes.len()];
    let contour = place_subtree(nodes, 0, spacing.sibling_gap, &mut offsets);
    let leftmost = contour.iter().map(|(left, _)| *left).fold(0.0, f64::min);
    let rightmost = contour.iter().map(|(_, right)| *right).fold(0.0, f64::max);

    let mut centers = vec![0.0; nodes.len()];
    centers[0] = -leftmost;
    let mut order = vec![0];
    while let Some(node) = order.pop() {
        for &child in &nodes[node].children {
            centers[child] = centers[node] + offsets[child];
            order.push(child);
        }
    }
    let boxes = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let (level_start, _) = levels[node_levels[index]];
            Rect {
                x: centers[index] - node.breadth / 2.0,
                // Nodes align at the start of their level, so connectors
                // between levels meet a straight edge.
                y: level_start,
                width: node.breadth,
                height: node.depth,
            }
        })
        .collect();
    TreeLayout {
        boxes,
        size: (rightmost - leftmost, start - spacing.level_gap),
        levels,
    }
}

/// Lays out the subtree of `node`, writes each child's centre relative to
/// its parent into `offsets`, and returns the subtree's contour.
fn place_subtree(nodes: &[TreeNode], node: usize, gap: f64, offsets: &mut [f64]) -> Contour {
    let half = nodes[node].breadth / 2.0;
    let children = &nodes[node].children;
    if children.is_empty() {
        return vec![(-half, half)];
    }
    let mut merged: Contour = Vec::new();
    let mut child_centers = Vec::with_capacity(children.len());
    for &child in children {
        let contour = place_subtree(nodes, child, gap, offsets);
        let shift = if merged.is_empty() {
            0.0
        } else {
            merged
                .iter()
                .zip(&contour)
                .map(|((_, right), (left, _))| right - left + gap)
                .fold(f64::NEG_INFINITY, f64::max)
        };
        for (level, (left, right)) in contour.into_iter().enumerate() {
            match merged.get_mut(level) {
                Some(extent) => {
                    extent.0 = extent.0.min(left + shift);
                    extent.1 = extent.1.max(right + shift);
                }
                None => merged.push((left + shift, right + shift)),
            }
        }
        child_centers.push(shift);
    }
    let middle = (child_centers[0] + child_centers[child_centers.len() - 1]) / 2.0;
    for (&child, center) in children.iter().zip(&child_centers) {
        offsets[child] = center - middle;
    }
    let mut contour = vec![(-half, half)];
    contour.extend(
        merged
            .into_iter()
            .map(|(left, right)| (left - middle, right - middle)),
    );
    contour
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random tree: `size` nodes, each attached to an
    /// earlier one, with varied sizes.
    fn generated_tree(size: usize, seed: u64) -> Vec<TreeNode> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut nodes: Vec<TreeNode> = Vec::new();
        for index in 0..size {
            nodes.push(TreeNode {
                breadth: 20.0 + (next() % 140) as f64,
                depth: 10.0 + (next() % 60) as f64,
                children: Vec::new(),
            });
            if index > 0 {
                // Favouring recent nodes makes deep, uneven trees.
                let parent = index - 1 - next() % index.min(4);
                nodes[parent].children.push(index);
            }
        }
        nodes
    }

    #[test]
    fn no_two_nodes_overlap_in_generated_trees() {
        for size in 1..=60 {
            for seed in 0..5 {
                let nodes = generated_tree(size, seed);
                let spacing = TreeSpacing {
                    sibling_gap: 8.0,
                    level_gap: 20.0,
                };
                let layout = tidy_tree(&nodes, spacing);
                assert_eq!(
                    overlapping_pairs(&layout.boxes),
                    [],
                    "size {size} seed {seed}"
                );
                for rect in &layout.boxes {
                    assert!(rect.x >= -1e-9 && rect.right() <= layout.size.0 + 1e-9);
                    assert!(rect.y >= 0.0 && rect.bottom() <= layout.size.1 + 1e-9);
                }
                for (index, node) in nodes.iter().enumerate() {
                    if let (Some(first), Some(last)) = (node.children.first(), node.children.last())
                    {
                        let middle = (layout.boxes[*first].center_x()
                            + layout.boxes[*last].center_x())
                            / 2.0;
                        assert!((layout.boxes[index].center_x() - middle).abs() < 1e-6);
                    }
                }
            }
        }
    }

    #[test]
    fn siblings_keep_the_gap() {
        let leaf = |breadth| TreeNode {
            breadth,
            depth: 10.0,
            children: Vec::new(),
        };
        let nodes = vec![
            TreeNode {
                breadth: 10.0,
                depth: 10.0,
                children: vec![1, 2],
            },
            leaf(30.0),
            leaf(50.0),
        ];
        let spacing = TreeSpacing {
            sibling_gap: 5.0,
            level_gap: 7.0,
        };
        let layout = tidy_tree(&nodes, spacing);
        assert_eq!(layout.boxes[2].x - layout.boxes[1].right(), 5.0);
        assert_eq!(layout.boxes[1].y, 17.0);
        assert_eq!(layout.size, (85.0, 27.0));
    }
}
