//! The Swiss Cheese model: each defence layer a slice with its holes, the
//! holes on the incident's trajectory lined up on one line, and the hazard's
//! arrow drawn through them until a layer that held stops it. Each hole is
//! numbered in its slice and described in a column under it.

use std::fmt::Write;

use firebreak_rca::swiss_cheese::{HoleKind, SwissCheese};

use crate::layout::Rect;
use crate::svg::{self, Anchor, LegendEntry, TextBlock};
use crate::text::{Font, truncate, wrap};

/// Draws `model` with the trajectory `SwissCheese::trajectory` computes.
pub fn swiss_cheese_svg(model: &SwissCheese) -> String {
    let layout = SwissCheeseLayout::new(model);
    let trajectory = model.trajectory();
    let mut body = String::new();

    draw_end_box(&mut body, &layout.hazard, &layout.hazard_lines, "#fff4dc");
    for layer in &layout.layers {
        draw_layer(&mut body, layer, &layout);
    }

    // The hazard travels until the first layer that held, or all the way.
    let stop = trajectory
        .held_layers
        .first()
        .map(|&held| &layout.layers[held]);
    let arrow_end = match (stop, &layout.incident) {
        (Some(layer), _) => layer.slice.x - 3.0,
        (None, Some(incident)) => incident.x - 2.0,
        (None, None) => layout.hazard.right() + 40.0,
    };
    let y = layout.trajectory_y;
    let _ = writeln!(
        body,
        "<path d=\"M{} {}H{}\" stroke=\"{}\" stroke-width=\"3\"/>",
        svg::number(layout.hazard.right()),
        svg::number(y),
        svg::number(arrow_end - 9.0),
        svg::HIGHLIGHT,
    );
    let _ = writeln!(
        body,
        "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>",
        svg::number(arrow_end - 10.0),
        svg::number(y - 6.0),
        svg::number(arrow_end),
        svg::number(y),
        svg::number(arrow_end - 10.0),
        svg::number(y + 6.0),
        svg::HIGHLIGHT,
    );
    if let Some(layer) = stop {
        let _ = writeln!(
            body,
            "<path d=\"M{} {}V{}\" stroke=\"{}\" stroke-width=\"4\"/>",
            svg::number(layer.slice.x - 2.0),
            svg::number(y - 14.0),
            svg::number(y + 14.0),
            HELD,
        );
    }
    if let Some(incident) = &layout.incident {
        draw_end_box(
            &mut body,
            incident,
            &layout.incident_lines,
            svg::HIGHLIGHT_FILL,
        );
    }

    let legend_entries = [
        LegendEntry {
            stroke: svg::HIGHLIGHT,
            fill: "#ffffff",
            dashed: false,
            text: "Hole on the incident trajectory",
        },
        LegendEntry {
            stroke: svg::MUTED,
            fill: "#ffffff",
            dashed: false,
            text: "Active failure (solid outline)",
        },
        LegendEntry {
            stroke: svg::MUTED,
            fill: "#ffffff",
            dashed: true,
            text: "Latent condition (dashed outline)",
        },
        LegendEntry {
            stroke: HELD,
            fill: CHEESE,
            dashed: false,
            text: "Layer that held (no hole on the trajectory)",
        },
    ];
    let legend_top = layout.size.1 + 8.0;
    svg::legend(&mut body, MARGIN, legend_top, &legend_entries);
    let width = layout
        .size
        .0
        .max(svg::legend_width(&legend_entries) + 2.0 * MARGIN);
    let height = legend_top + legend_entries.len() as f64 * svg::LEGEND_ROW_HEIGHT + MARGIN;

    let outcome = if trajectory.breached_all_layers {
        "the hazard passed through every layer".to_string()
    } else {
        let held: Vec<&str> = trajectory
            .held_layers
            .iter()
            .map(|&index| model.layers[index].name.as_str())
            .collect();
        format!("layers that held: {}", held.join(", "))
    };
    let description = format!(
        "Swiss Cheese model of the hazard \"{}\": {} defence layers, {} holes on the trajectory; {outcome}.",
        model.hazard,
        model.layers.len(),
        trajectory.holes.len(),
    );
    svg::document(
        width,
        height,
        &format!("Swiss Cheese: {}", model.hazard),
        &description,
        &body,
    )
}

const MARGIN: f64 = 16.0;
const CHEESE: &str = "#f6d776";
const CHEESE_EDGE: &str = "#b8901c";
const HELD: &str = "#2f855a";
const END_BOX_WIDTH: f64 = 140.0;
const LAYER_SPACING: f64 = 180.0;
const COLUMN_WIDTH: f64 = LAYER_SPACING - 16.0;
const SLICE_WIDTH: f64 = 30.0;
const HOLE_PITCH: f64 = 34.0;
const HOLE_RADIUS_X: f64 = 10.0;
const HOLE_RADIUS_Y: f64 = 13.0;
const NAME_FONT: Font = Font::bold(11.0);
const HOLE_HEADER_FONT: Font = Font::bold(9.0);
const HOLE_FONT: Font = Font::regular(10.0);
const END_FONT: Font = Font::bold(11.0);
const HOLE_LINES: usize = 4;

struct PlacedHole {
    number: usize,
    center_y: f64,
    on_trajectory: bool,
    latent: bool,
    header: String,
    lines: Vec<String>,
    tooltip: Option<String>,
    /// Where its description sits under the slice.
    text: Rect,
}

struct PlacedLayer {
    name_lines: Vec<String>,
    name: Rect,
    slice: Rect,
    held: bool,
    holes: Vec<PlacedHole>,
}

struct SwissCheeseLayout {
    hazard: Rect,
    hazard_lines: Vec<String>,
    incident: Option<Rect>,
    incident_lines: Vec<String>,
    layers: Vec<PlacedLayer>,
    trajectory_y: f64,
    size: (f64, f64),
}

impl SwissCheeseLayout {
    fn new(model: &SwissCheese) -> SwissCheeseLayout {
        let trajectory = model.trajectory();
        let name_lines: Vec<Vec<String>> = model
            .layers
            .iter()
            .map(|layer| wrap(&layer.name, NAME_FONT, COLUMN_WIDTH, 3).0)
            .collect();
        let name_height = name_lines
            .iter()
            .map(|lines| lines.len() as f64 * NAME_FONT.line_height())
            .fold(NAME_FONT.line_height(), f64::max);
        // Holes off the trajectory take slots above and below it in turn.
        let off_trajectory_slots = model
            .layers
            .iter()
            .map(|layer| {
                let on = layer.holes.iter().any(|hole| hole.on_trajectory);
                layer.holes.len() - usize::from(on)
            })
            .max()
            .unwrap_or(0);
        let half_height =
            ((off_trajectory_slots as f64 / 2.0).ceil() * HOLE_PITCH + HOLE_RADIUS_Y + 14.0)
                .max(70.0);
        let slice_top = MARGIN + name_height + 10.0;
        let trajectory_y = slice_top + half_height;
        let slice_bottom = trajectory_y + half_height;

        let (hazard_lines, _) = wrap(&model.hazard, END_FONT, END_BOX_WIDTH - 16.0, 6);
        let hazard_height = hazard_lines.len() as f64 * END_FONT.line_height() + 16.0;
        let hazard = Rect {
            x: MARGIN,
            y: trajectory_y - hazard_height / 2.0,
            width: END_BOX_WIDTH,
            height: hazard_height,
        };

        let first_center = hazard.right() + 40.0 + LAYER_SPACING / 2.0;
        let mut layers = Vec::with_capacity(model.layers.len());
        let mut bottom = slice_bottom;
        for (index, (layer, name_lines)) in model.layers.iter().zip(name_lines).enumerate() {
            let center_x = first_center + index as f64 * LAYER_SPACING;
            let slice = Rect {
                x: center_x - SLICE_WIDTH / 2.0,
                y: slice_top,
                width: SLICE_WIDTH,
                height: slice_bottom - slice_top,
            };
            let name = Rect {
                x: center_x - COLUMN_WIDTH / 2.0,
                y: MARGIN + name_height - name_lines.len() as f64 * NAME_FONT.line_height(),
                width: COLUMN_WIDTH,
                height: name_lines.len() as f64 * NAME_FONT.line_height(),
            };
            let mut text_y = slice_bottom + 12.0;
            let mut slot: usize = 0;
            let mut trajectory_taken = false;
            let holes = layer
                .holes
                .iter()
                .enumerate()
                .map(|(hole_index, hole)| {
                    let center_y = if hole.on_trajectory && !trajectory_taken {
                        trajectory_taken = true;
                        trajectory_y
                    } else {
                        slot += 1;
                        let distance = slot.div_ceil(2) as f64 * HOLE_PITCH;
                        if slot % 2 == 1 {
                            trajectory_y - distance
                        } else {
                            trajectory_y + distance
                        }
                    };
                    let kind = match hole.kind {
                        HoleKind::LatentCondition => "LATENT CONDITION",
                        HoleKind::ActiveFailure => "ACTIVE FAILURE",
                    };
                    // Being on the trajectory shows in colour, explained by
                    // the legend, so the header stays short enough to fit.
                    let (header, _) = truncate(
                        &format!("{} · {kind}", hole_index + 1),
                        HOLE_HEADER_FONT,
                        COLUMN_WIDTH,
                    );
                    let (lines, shortened) =
                        wrap(&hole.description, HOLE_FONT, COLUMN_WIDTH, HOLE_LINES);
                    let height = HOLE_HEADER_FONT.line_height()
                        + lines.len() as f64 * HOLE_FONT.line_height()
                        + 6.0;
                    let text = Rect {
                        x: center_x - COLUMN_WIDTH / 2.0,
                        y: text_y,
                        width: COLUMN_WIDTH,
                        height,
                    };
                    text_y += height;
                    PlacedHole {
                        number: hole_index + 1,
                        center_y,
                        on_trajectory: hole.on_trajectory,
                        latent: hole.kind == HoleKind::LatentCondition,
                        header,
                        lines,
                        tooltip: shortened.then(|| hole.description.clone()),
                        text,
                    }
                })
                .collect();
            bottom = bottom.max(text_y);
            layers.push(PlacedLayer {
                name_lines,
                name,
                slice,
                held: trajectory.held_layers.contains(&index),
                holes,
            });
        }

        let after_layers = first_center + (model.layers.len() as f64 - 0.5) * LAYER_SPACING;
        let (incident, incident_lines) = if trajectory.breached_all_layers {
            let lines = vec!["Incident".to_string(), "harm reached users".to_string()];
            let height = lines.len() as f64 * END_FONT.line_height() + 16.0;
            let rect = Rect {
                x: after_layers + 20.0,
                y: trajectory_y - height / 2.0,
                width: END_BOX_WIDTH,
                height,
            };
            (Some(rect), lines)
        } else {
            (None, Vec::new())
        };
        let right = incident
            .map(|rect| rect.right())
            .unwrap_or(after_layers)
            .max(hazard.right());
        SwissCheeseLayout {
            hazard,
            hazard_lines,
            incident,
            incident_lines,
            layers,
            trajectory_y,
            size: (right + MARGIN, bottom + MARGIN),
        }
    }

    /// Every text box and slice, for overlap checks.
    #[cfg(test)]
    fn boxes(&self) -> Vec<Rect> {
        let mut boxes = vec![self.hazard];
        boxes.extend(self.incident);
        for layer in &self.layers {
            boxes.push(layer.name);
            boxes.push(layer.slice);
            boxes.extend(layer.holes.iter().map(|hole| hole.text));
        }
        boxes
    }
}

fn draw_end_box(out: &mut String, rect: &Rect, lines: &[String], fill: &str) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{fill}\" stroke=\"{}\" stroke-width=\"1.5\"/>",
        svg::number(rect.x),
        svg::number(rect.y),
        svg::number(rect.width),
        svg::number(rect.height),
        svg::INK,
    );
    TextBlock {
        lines,
        x: rect.center_x(),
        y: rect.y + 8.0 + END_FONT.size,
        font: END_FONT,
        anchor: Anchor::Middle,
        fill: svg::INK,
    }
    .write(out);
}

fn draw_layer(out: &mut String, layer: &PlacedLayer, layout: &SwissCheeseLayout) {
    let slice = layer.slice;
    TextBlock {
        lines: &layer.name_lines,
        x: slice.center_x(),
        y: layer.name.y + NAME_FONT.size,
        font: NAME_FONT,
        anchor: Anchor::Middle,
        fill: if layer.held { HELD } else { svg::INK },
    }
    .write(out);
    let (edge, edge_width) = if layer.held {
        (HELD, "3")
    } else {
        (CHEESE_EDGE, "1.5")
    };
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"{CHEESE}\" stroke=\"{edge}\" stroke-width=\"{edge_width}\"/>",
        svg::number(slice.x),
        svg::number(slice.y),
        svg::number(slice.width),
        svg::number(slice.height),
    );
    if layer.held {
        TextBlock {
            lines: &["HELD".to_string()],
            x: slice.center_x(),
            y: slice.bottom() - 6.0,
            font: HOLE_HEADER_FONT,
            anchor: Anchor::Middle,
            fill: HELD,
        }
        .write(out);
    }
    for hole in &layer.holes {
        let stroke = if hole.on_trajectory {
            svg::HIGHLIGHT
        } else {
            svg::MUTED
        };
        let dash = if hole.latent {
            " stroke-dasharray=\"3 2\""
        } else {
            ""
        };
        out.push_str("<g>\n");
        if let Some(tooltip) = &hole.tooltip {
            svg::tooltip(out, tooltip, true);
        }
        let _ = writeln!(
            out,
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>",
            svg::number(slice.center_x()),
            svg::number(hole.center_y),
            svg::number(HOLE_RADIUS_X),
            svg::number(HOLE_RADIUS_Y),
        );
        // The number goes beside the slice: inside the hole it would be
        // crossed by the trajectory arrow.
        let number_y = if hole.center_y == layout.trajectory_y {
            hole.center_y - 5.0
        } else {
            hole.center_y + 3.5
        };
        TextBlock {
            lines: &[hole.number.to_string()],
            x: slice.right() + 4.0,
            y: number_y,
            font: HOLE_HEADER_FONT,
            anchor: Anchor::Start,
            fill: stroke,
        }
        .write(out);
        TextBlock {
            lines: std::slice::from_ref(&hole.header),
            x: hole.text.x,
            y: hole.text.y + HOLE_HEADER_FONT.size,
            font: HOLE_HEADER_FONT,
            anchor: Anchor::Start,
            fill: stroke,
        }
        .write(out);
        TextBlock {
            lines: &hole.lines,
            x: hole.text.x,
            y: hole.text.y + HOLE_HEADER_FONT.line_height() + HOLE_FONT.size,
            font: HOLE_FONT,
            anchor: Anchor::Start,
            fill: svg::INK,
        }
        .write(out);
        out.push_str("</g>\n");
    }
}

#[cfg(test)]
mod tests {
    use firebreak_rca::swiss_cheese::Hole;

    use super::*;
    use crate::layout::overlapping_pairs;

    #[test]
    fn nothing_overlaps_and_trajectory_holes_line_up() {
        for holes_per_layer in 0..8 {
            let mut model = SwissCheese::with_ai_default_layers(
                "A biased credit model reached production and declined applicants",
            );
            for (layer_index, layer) in model.layers.iter_mut().enumerate() {
                layer.holes = (0..holes_per_layer)
                    .map(|hole_index| Hole {
                        description: "A gap in this defence, described at some length "
                            .repeat(hole_index % 3 + 1),
                        kind: if hole_index % 2 == 0 {
                            HoleKind::LatentCondition
                        } else {
                            HoleKind::ActiveFailure
                        },
                        findings: Vec::new(),
                        on_trajectory: hole_index == layer_index % 3,
                    })
                    .collect();
            }
            let layout = SwissCheeseLayout::new(&model);
            assert_eq!(overlapping_pairs(&layout.boxes()), [], "{holes_per_layer}");
            for layer in &layout.layers {
                let mut centers: Vec<f64> = layer.holes.iter().map(|hole| hole.center_y).collect();
                for hole in &layer.holes {
                    assert!(hole.center_y - HOLE_RADIUS_Y > layer.slice.y);
                    assert!(hole.center_y + HOLE_RADIUS_Y < layer.slice.bottom());
                    if hole.on_trajectory {
                        assert_eq!(hole.center_y, layout.trajectory_y);
                    }
                    assert!(HOLE_HEADER_FONT.width(&hole.header) <= COLUMN_WIDTH);
                }
                centers.sort_by(f64::total_cmp);
                assert!(
                    centers
                        .windows(2)
                        .all(|pair| pair[1] - pair[0] >= HOLE_PITCH)
                );
            }
        }
    }
}
