//! The Fishbone (Ishikawa) diagram: a spine to the effect box, one bone per
//! category alternating above and below it, and each cause as a labelled
//! line on its bone with sub-causes indented under it.
//!
//! To stay readable with many causes, every bone is as long as its causes
//! need (one row per cause, wrapped to at most three lines) and the labels
//! of a category share one left-aligned column beside the bone, so they
//! never cross it or a neighbouring category.

use std::fmt::Write;

use firebreak_rca::fishbone::{Fishbone, FishboneCause};

use crate::layout::Rect;
use crate::svg::{self, Anchor, LegendEntry, TextBlock};
use crate::text::{Font, wrap};

/// Draws `fishbone`, marking the causes chosen as root causes and showing
/// each cause's votes and likelihood.
pub fn fishbone_svg(fishbone: &Fishbone) -> String {
    let layout = FishboneLayout::new(fishbone);
    let mut body = String::new();
    let spine_y = layout.spine_y;
    let spine_start = layout
        .categories
        .iter()
        .map(|category| category.spine_x - category.bone_run)
        .fold(layout.effect.x - 40.0, f64::min);
    let _ = writeln!(
        body,
        "<path d=\"M{} {}H{}\" stroke=\"{}\" stroke-width=\"3\"/>",
        svg::number(spine_start),
        svg::number(spine_y),
        svg::number(layout.effect.x - 8.0),
        svg::INK,
    );
    let _ = writeln!(
        body,
        "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
        svg::number(layout.effect.x - 12.0),
        svg::number(spine_y - 6.0),
        svg::number(layout.effect.x),
        svg::number(spine_y),
        svg::number(layout.effect.x - 12.0),
        svg::number(spine_y + 6.0),
        svg::INK,
    );
    draw_effect(&mut body, fishbone, &layout);
    for category in &layout.categories {
        draw_category(&mut body, category, spine_y);
    }

    let legend_entries = [
        LegendEntry {
            stroke: svg::HIGHLIGHT,
            fill: svg::HIGHLIGHT_FILL,
            dashed: false,
            text: "Chosen root cause (bold, red line)",
        },
        LegendEntry {
            stroke: svg::MUTED,
            fill: "#eef2f7",
            dashed: false,
            text: "Badge: votes · likelihood",
        },
    ];
    let legend_top = layout.size.1 + 8.0;
    svg::legend(&mut body, MARGIN, legend_top, &legend_entries);
    let width = layout
        .size
        .0
        .max(svg::legend_width(&legend_entries) + 2.0 * MARGIN);
    let height = legend_top + legend_entries.len() as f64 * svg::LEGEND_ROW_HEIGHT + MARGIN;

    let causes = fishbone.ranked_causes();
    let roots: Vec<String> = causes
        .iter()
        .filter(|cause| cause.chosen_as_root_cause)
        .map(|cause| cause.path.join(" > "))
        .collect();
    let description = format!(
        "Fishbone diagram of the effect \"{}\": {} categories, {} causes{}.",
        fishbone.effect,
        fishbone.categories.len(),
        causes.len(),
        if roots.is_empty() {
            ", no root cause chosen".to_string()
        } else {
            format!("; chosen root causes: {}", roots.join("; "))
        }
    );
    svg::document(
        width,
        height,
        &format!("Fishbone: {}", fishbone.effect),
        &description,
        &body,
    )
}

const MARGIN: f64 = 16.0;
/// The width of a category's label column, left of its bone.
const COLUMN_WIDTH: f64 = 200.0;
const COLUMN_GAP: f64 = 24.0;
const CAUSE_FONT: Font = Font::regular(11.0);
const SUB_CAUSE_FONT: Font = Font::regular(10.0);
const CATEGORY_FONT: Font = Font::bold(12.0);
const EFFECT_FONT: Font = Font::bold(13.0);
const BADGE_FONT: Font = Font::bold(9.0);
const CAUSE_LINES: usize = 3;
/// Indentation of each level of sub-causes.
const INDENT: f64 = 16.0;
const ROW_PADDING: f64 = 6.0;
/// Bones lean back from the spine by this much of their height, up to
/// `MAX_BONE_RUN`, so long bones do not push their column far out.
const BONE_SLOPE: f64 = 0.3;
const MAX_BONE_RUN: f64 = 120.0;
/// Free length of a bone between its last cause and the spine.
const SPINE_CLEARANCE: f64 = 18.0;
const EFFECT_WIDTH: f64 = 170.0;

/// One cause or sub-cause, placed.
#[derive(Debug, Clone)]
struct CauseRow {
    lines: Vec<String>,
    font: Font,
    depth: usize,
    /// The row of the cause this one is a sub-cause of.
    parent: Option<usize>,
    badge: Option<String>,
    root_cause: bool,
    /// The full statement, when the label was shortened.
    tooltip: Option<String>,
    /// The text area, left of the bone.
    rect: Rect,
}

impl CauseRow {
    /// Where the cause's line runs, under its text.
    fn line_y(&self) -> f64 {
        self.rect.bottom()
    }

    fn text_x(&self) -> f64 {
        self.rect.x + self.depth as f64 * INDENT
    }
}

#[derive(Debug, Clone)]
struct CategoryPlacement {
    name_lines: Vec<String>,
    label: Rect,
    /// Where the bone meets the spine.
    spine_x: f64,
    /// How far the bone's far end lies left of `spine_x`.
    bone_run: f64,
    /// The bone's far end, beyond the causes.
    far_y: f64,
    rows: Vec<CauseRow>,
}

impl CategoryPlacement {
    /// The bone's x at height `y`.
    fn bone_x(&self, spine_y: f64, y: f64) -> f64 {
        let reach = (spine_y - self.far_y).abs();
        let along = (spine_y - y).abs() / reach;
        self.spine_x - self.bone_run * along
    }
}

#[derive(Debug, Clone)]
struct FishboneLayout {
    categories: Vec<CategoryPlacement>,
    effect_lines: Vec<String>,
    effect: Rect,
    spine_y: f64,
    size: (f64, f64),
}

/// A category's rows before they are placed: text only, heights known.
struct CategoryRows {
    name_lines: Vec<String>,
    label_height: f64,
    rows: Vec<CauseRow>,
    rows_height: f64,
}

impl CategoryRows {
    fn bone_height(&self) -> f64 {
        self.label_height + 8.0 + self.rows_height + SPINE_CLEARANCE
    }

    fn bone_run(&self) -> f64 {
        (self.bone_height() * BONE_SLOPE).min(MAX_BONE_RUN)
    }
}

impl FishboneLayout {
    fn new(fishbone: &Fishbone) -> FishboneLayout {
        let prepared: Vec<CategoryRows> = fishbone
            .categories
            .iter()
            .map(|category| {
                let (name_lines, _) = wrap(&category.name, CATEGORY_FONT, COLUMN_WIDTH - 20.0, 2);
                let label_height = name_lines.len() as f64 * CATEGORY_FONT.line_height() + 8.0;
                let mut rows = Vec::new();
                for cause in &category.causes {
                    collect_rows(cause, 0, None, &mut rows);
                }
                let rows_height = rows.iter().map(|row| row.rect.height).sum();
                CategoryRows {
                    name_lines,
                    label_height,
                    rows,
                    rows_height,
                }
            })
            .collect();
        // Even categories go above the spine, odd ones below, in pairs that
        // share a stretch of the spine.
        let above = prepared
            .iter()
            .step_by(2)
            .map(CategoryRows::bone_height)
            .fold(40.0, f64::max);
        let below = prepared
            .iter()
            .skip(1)
            .step_by(2)
            .map(CategoryRows::bone_height)
            .fold(40.0, f64::max);
        let (effect_lines, _) = wrap(
            &fishbone.effect,
            EFFECT_FONT,
            EFFECT_WIDTH - 16.0,
            usize::MAX,
        );
        let effect_height =
            (effect_lines.len() as f64 * EFFECT_FONT.line_height() + 16.0).max(48.0);
        let spine_y = MARGIN + above.max(effect_height / 2.0);

        let mut categories = Vec::with_capacity(prepared.len());
        let mut column_left = MARGIN;
        for pair in prepared.chunks(2) {
            let run = pair.iter().map(CategoryRows::bone_run).fold(0.0, f64::max);
            let spine_x = column_left + COLUMN_WIDTH + run;
            for (side, category) in pair.iter().enumerate() {
                categories.push(place_category(category, spine_x, spine_y, side == 0));
            }
            column_left = spine_x + COLUMN_GAP;
        }
        let effect = Rect {
            x: column_left + 30.0,
            y: spine_y - effect_height / 2.0,
            width: EFFECT_WIDTH,
            height: effect_height,
        };
        let height = (spine_y + below).max(effect.bottom()) + MARGIN;
        FishboneLayout {
            categories,
            effect_lines,
            effect,
            spine_y,
            size: (effect.right() + MARGIN, height),
        }
    }

    /// Every text box, for overlap checks.
    #[cfg(test)]
    fn text_boxes(&self) -> Vec<Rect> {
        let mut boxes = vec![self.effect];
        for category in &self.categories {
            boxes.push(category.label);
            boxes.extend(category.rows.iter().map(|row| row.rect));
        }
        boxes
    }
}

fn collect_rows(
    cause: &FishboneCause,
    depth: usize,
    parent: Option<usize>,
    rows: &mut Vec<CauseRow>,
) {
    let font = if depth == 0 {
        CAUSE_FONT
    } else {
        SUB_CAUSE_FONT
    };
    let badge = badge_text(cause);
    let badge_width = badge.as_deref().map_or(0.0, badge_width);
    let text_width = COLUMN_WIDTH - depth as f64 * INDENT - badge_width - 10.0;
    let label_font = if cause.chosen_as_root_cause {
        Font::bold(font.size)
    } else {
        font
    };
    let (lines, shortened) = wrap(&cause.statement, label_font, text_width, CAUSE_LINES);
    let height = lines.len().max(1) as f64 * font.line_height() + ROW_PADDING;
    rows.push(CauseRow {
        lines,
        font: label_font,
        depth,
        parent,
        badge,
        root_cause: cause.chosen_as_root_cause,
        tooltip: shortened.then(|| cause.statement.clone()),
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width: COLUMN_WIDTH,
            height,
        },
    });
    let this_row = rows.len() - 1;
    for sub_cause in &cause.sub_causes {
        collect_rows(sub_cause, depth + 1, Some(this_row), rows);
    }
}

fn badge_text(cause: &FishboneCause) -> Option<String> {
    let votes = (cause.votes > 0).then(|| cause.votes.to_string());
    let likelihood = cause
        .likelihood
        .map(|likelihood| format!("{:.0}%", likelihood * 100.0));
    match (votes, likelihood) {
        (Some(votes), Some(likelihood)) => Some(format!("{votes} · {likelihood}")),
        (votes, likelihood) => votes.or(likelihood),
    }
}

fn badge_width(text: &str) -> f64 {
    BADGE_FONT.width(text) + 10.0
}

/// Places a category's label and rows. Above the spine the label is at the
/// top and causes run down towards the spine; below it, the reverse.
fn place_category(
    category: &CategoryRows,
    spine_x: f64,
    spine_y: f64,
    above: bool,
) -> CategoryPlacement {
    let bone_height = category.bone_height();
    let bone_run = category.bone_run();
    let far_x = spine_x - bone_run;
    let far_y = if above {
        spine_y - bone_height
    } else {
        spine_y + bone_height
    };
    let label_width = category
        .name_lines
        .iter()
        .map(|line| CATEGORY_FONT.width(line))
        .fold(0.0, f64::max)
        + 16.0;
    let label = Rect {
        // Centred on the bone's end, but never past the spine end of the
        // column, where the next column begins.
        x: (far_x - label_width / 2.0).min(spine_x - label_width),
        y: if above {
            far_y
        } else {
            far_y - category.label_height
        },
        width: label_width,
        height: category.label_height,
    };
    let column_left = far_x - COLUMN_WIDTH;
    let mut y = if above {
        label.bottom() + 8.0
    } else {
        spine_y + SPINE_CLEARANCE
    };
    let rows = category
        .rows
        .iter()
        .map(|row| {
            let placed = CauseRow {
                rect: Rect {
                    x: column_left,
                    y,
                    ..row.rect
                },
                ..row.clone()
            };
            y += row.rect.height;
            placed
        })
        .collect();
    CategoryPlacement {
        name_lines: category.name_lines.clone(),
        label,
        spine_x,
        bone_run,
        far_y,
        rows,
    }
}

fn draw_effect(out: &mut String, fishbone: &Fishbone, layout: &FishboneLayout) {
    let effect = layout.effect;
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"#fff4dc\" stroke=\"{}\" stroke-width=\"2\"><title>{}</title></rect>",
        svg::number(effect.x),
        svg::number(effect.y),
        svg::number(effect.width),
        svg::number(effect.height),
        svg::INK,
        svg::escape(&fishbone.effect),
    );
    let text_height = layout.effect_lines.len() as f64 * EFFECT_FONT.line_height();
    TextBlock {
        lines: &layout.effect_lines,
        x: effect.center_x(),
        y: effect.center_y() - text_height / 2.0 + EFFECT_FONT.size,
        font: EFFECT_FONT,
        anchor: Anchor::Middle,
        fill: svg::INK,
    }
    .write(out);
}

fn draw_category(out: &mut String, category: &CategoryPlacement, spine_y: f64) {
    let far_x = category.spine_x - category.bone_run;
    let _ = writeln!(
        out,
        "<path d=\"M{} {}L{} {}\" stroke=\"{}\" stroke-width=\"2\"/>",
        svg::number(category.spine_x),
        svg::number(spine_y),
        svg::number(far_x),
        svg::number(category.far_y),
        svg::INK,
    );
    let label = category.label;
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#e4ecf7\" stroke=\"{}\"/>",
        svg::number(label.x),
        svg::number(label.y),
        svg::number(label.width),
        svg::number(label.height),
        svg::INK,
    );
    TextBlock {
        lines: &category.name_lines,
        x: label.center_x(),
        y: label.y + 4.0 + CATEGORY_FONT.size,
        font: CATEGORY_FONT,
        anchor: Anchor::Middle,
        fill: svg::INK,
    }
    .write(out);

    for row in &category.rows {
        out.push_str("<g>\n");
        if let Some(tooltip) = &row.tooltip {
            svg::tooltip(out, tooltip, true);
        }
        let line_y = row.line_y();
        let (color, width) = if row.root_cause {
            (svg::HIGHLIGHT, "2.5")
        } else {
            (svg::LINE, "1")
        };
        // Causes reach the bone; sub-causes hang off their cause's line.
        let line_end = if row.depth == 0 {
            category.bone_x(spine_y, line_y)
        } else {
            row.rect.right() - 4.0
        };
        let line_start = row.text_x() - 4.0;
        let _ = write!(
            out,
            "<path d=\"M{} {}H{}",
            svg::number(line_start),
            svg::number(line_y),
            svg::number(line_end),
        );
        if let Some(parent) = row.parent.map(|parent| &category.rows[parent]) {
            let _ = write!(
                out,
                "M{} {}V{}",
                svg::number(line_start),
                svg::number(line_y),
                svg::number(parent.line_y()),
            );
        }
        let _ = writeln!(
            out,
            "\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{width}\"/>"
        );
        let text_top = row.rect.y + ROW_PADDING / 2.0 + row.font.size;
        TextBlock {
            lines: &row.lines,
            x: row.text_x(),
            y: text_top - 2.0,
            font: row.font,
            anchor: Anchor::Start,
            fill: if row.root_cause {
                svg::HIGHLIGHT
            } else {
                svg::INK
            },
        }
        .write(out);
        if let Some(badge) = &row.badge {
            let width = badge_width(badge);
            let x = row.rect.right() - width - 2.0;
            let y = row.rect.y + ROW_PADDING / 2.0;
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"13\" rx=\"6.5\" fill=\"#eef2f7\" stroke=\"{}\"/>",
                svg::number(x),
                svg::number(y - 1.0),
                svg::number(width),
                svg::MUTED,
            );
            TextBlock {
                lines: std::slice::from_ref(badge),
                x: x + width / 2.0,
                y: y + 8.5,
                font: BADGE_FONT,
                anchor: Anchor::Middle,
                fill: svg::INK,
            }
            .write(out);
        }
        out.push_str("</g>\n");
    }
}

#[cfg(test)]
mod tests {
    use firebreak_rca::fishbone::FishbonePreset;

    use super::*;
    use crate::layout::overlapping_pairs;

    /// A fishbone with `count` causes spread unevenly over the AI preset,
    /// some with sub-causes and long statements.
    pub(crate) fn generated_fishbone(count: usize) -> Fishbone {
        let mut fishbone = Fishbone::new(
            "Credit model declined most applicants from one region",
            FishbonePreset::Ai,
        );
        let categories = fishbone.categories.len();
        for index in 0..count {
            let statement = "Cause with a statement that grows longer as the index grows "
                .repeat(index % 4 + 1);
            let cause = FishboneCause {
                statement: format!("{index}: {}", statement.trim()),
                evidence: Vec::new(),
                votes: (index % 5) as u32,
                likelihood: (index % 3 == 0).then_some(0.25),
                chosen_as_root_cause: index % 11 == 0,
                sub_causes: Vec::new(),
            };
            // Every third cause becomes a sub-cause of the one before it.
            let category = &mut fishbone.categories[(index * index) % categories];
            match category.causes.last_mut() {
                Some(previous) if index % 3 == 2 => previous.sub_causes.push(cause),
                _ => category.causes.push(cause),
            }
        }
        fishbone
    }

    #[test]
    fn no_labels_overlap_up_to_sixty_causes() {
        for count in 0..=60 {
            let fishbone = generated_fishbone(count);
            let layout = FishboneLayout::new(&fishbone);
            let boxes = layout.text_boxes();
            assert_eq!(overlapping_pairs(&boxes), [], "{count} causes");
            for rect in &boxes {
                assert!(rect.x >= 0.0 && rect.right() <= layout.size.0, "{count}");
                assert!(rect.y >= 0.0 && rect.bottom() <= layout.size.1, "{count}");
            }
            for category in &layout.categories {
                for row in &category.rows {
                    // The bone never runs through a label.
                    let nearest_bone_x = category
                        .bone_x(layout.spine_y, row.rect.y)
                        .min(category.bone_x(layout.spine_y, row.rect.bottom()));
                    assert!(row.rect.right() <= nearest_bone_x + 1e-9, "{count}");
                    for line in &row.lines {
                        let room = COLUMN_WIDTH - row.depth as f64 * INDENT;
                        assert!(row.font.width(line) <= room, "{line}");
                    }
                }
            }
        }
    }

    #[test]
    fn bones_grow_with_their_causes() {
        let few = FishboneLayout::new(&generated_fishbone(6));
        let many = FishboneLayout::new(&generated_fishbone(48));
        assert!(many.size.1 > few.size.1);
        let rows: usize = many
            .categories
            .iter()
            .map(|category| category.rows.len())
            .sum();
        assert_eq!(rows, 48);
    }
}
