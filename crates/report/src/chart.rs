//! The chart kinds forensics results need, drawn like the diagrams: vertical bars over bins (a
//! histogram of two samples), horizontal bars per labelled row with an optional band and
//! reference line (categories, fairness gaps), and lines over time with marked change points.
//! Axis labels that would collide are thinned out before they are drawn.

use std::fmt::Write;

use crate::svg::{self, Anchor, LegendEntry, TextBlock};
use crate::text::{Font, truncate};

const MARGIN: f64 = 16.0;
const TITLE_FONT: Font = Font::bold(13.0);
const AXIS_FONT: Font = Font::regular(10.0);
const LABEL_FONT: Font = Font::regular(11.0);
const GRID: &str = "#e4e7eb";
const PLOT_WIDTH: f64 = 560.0;
const BAR_PLOT_WIDTH: f64 = 400.0;
const MAX_LABEL_WIDTH: f64 = 180.0;

/// Colours of series in order; the first two are reference and current.
pub const PALETTE: [&str; 8] = [
    "#9aa5b1", "#3366cc", "#d64545", "#2f855a", "#c77c02", "#7c3aed", "#0f766e", "#b83280",
];

/// One named series of values.
pub struct Series<'a> {
    pub name: &'a str,
    pub colour: &'a str,
    pub values: Vec<Option<f64>>,
}

/// A shaded range of the value axis, such as the four-fifths band of a ratio.
pub struct Band<'a> {
    pub low: f64,
    pub high: f64,
    pub label: &'a str,
}

/// A vertical line at a value, such as parity (1.0) or the overall rate.
pub struct ReferenceLine<'a> {
    pub value: f64,
    pub label: &'a str,
}

/// A number with `digits` significant digits, scientific below 1e-4 or from 1e6, as C's `%g`;
/// the one number format of every table and axis.
pub fn significant(value: f64, digits: usize) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.into();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i64;
    if !(-4..6).contains(&magnitude) {
        let text = format!("{value:.*e}", digits.saturating_sub(1));
        return match text.split_once('e') {
            Some((mantissa, exponent)) if mantissa.contains('.') => format!(
                "{}e{exponent}",
                mantissa.trim_end_matches('0').trim_end_matches('.')
            ),
            _ => text,
        };
    }
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Ticks from `low` to at least `high` at a step of 1, 2 or 5 times a power of ten.
fn ticks(low: f64, high: f64) -> Vec<f64> {
    // An empty or flat range still gets a unit axis.
    let high = if high > low { high } else { low + 1.0 };
    let raw = (high - low) / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|factor| factor * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power);
    let first = (low / step).floor();
    let last = (high / step).ceil().max(first + 1.0);
    // The step is a fifth of the span or more, so there are about six ticks; only values
    // beyond float precision (a span lost in rounding) could break that, and get two.
    if step.is_nan() || step <= 0.0 || !(last - first).is_finite() || last - first > 12.0 {
        return vec![low, high];
    }
    (first as i64..=last as i64)
        .map(|index| index as f64 * step)
        .collect()
}

/// Indices of labels to draw at the given centres so that no two overlap: every k-th, with
/// the smallest k that keeps a gap between the widest labels.
pub(crate) fn thinned(centres: &[f64], widths: &[f64]) -> Vec<usize> {
    if centres.len() < 2 {
        return (0..centres.len()).collect();
    }
    let pitch = (centres[centres.len() - 1] - centres[0]) / (centres.len() - 1) as f64;
    let widest = widths.iter().copied().fold(0.0, f64::max) + 8.0;
    let every = if pitch <= 0.0 {
        centres.len()
    } else {
        (widest / pitch).ceil().max(1.0) as usize
    };
    (0..centres.len()).step_by(every).collect()
}

fn title(out: &mut String, text: &str, width: f64) -> f64 {
    let (line, shortened) = truncate(text, TITLE_FONT, width);
    out.push_str("<g>\n");
    svg::tooltip(out, text, shortened);
    TextBlock {
        lines: &[line],
        x: MARGIN,
        y: MARGIN + TITLE_FONT.size,
        font: TITLE_FONT,
        anchor: Anchor::Start,
        fill: svg::INK,
    }
    .write(out);
    out.push_str("</g>\n");
    MARGIN + TITLE_FONT.line_height() + 8.0
}

fn legend_entries<'a>(series: &'a [Series<'a>]) -> Vec<LegendEntry<'a>> {
    series
        .iter()
        .map(|series| LegendEntry {
            stroke: series.colour,
            fill: series.colour,
            dashed: false,
            text: series.name,
        })
        .collect()
}

fn text_at(out: &mut String, text: &str, x: f64, y: f64, anchor: Anchor, fill: &str) {
    TextBlock {
        lines: &[text.to_string()],
        x,
        y,
        font: AXIS_FONT,
        anchor,
        fill,
    }
    .write(out);
}

fn line(out: &mut String, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, extra: &str) {
    let _ = writeln!(
        out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\"{extra}/>",
        svg::number(x1),
        svg::number(y1),
        svg::number(x2),
        svg::number(y2),
    );
}

fn rect(out: &mut String, x: f64, y: f64, width: f64, height: f64, fill: &str) {
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"/>",
        svg::number(x),
        svg::number(y),
        svg::number(width),
        svg::number(height),
    );
}

/// Value-axis ticks along the left edge of a vertical plot, with grid lines.
fn vertical_axis(
    out: &mut String,
    ticks: &[f64],
    left: f64,
    right: f64,
    y_of: impl Fn(f64) -> f64,
) {
    for &tick in ticks {
        let y = y_of(tick);
        line(out, (left, y), (right, y), GRID, "");
        text_at(
            out,
            &significant(tick, 3),
            left - 6.0,
            y + 3.5,
            Anchor::End,
            svg::MUTED,
        );
    }
}

fn axis_width(ticks: &[f64]) -> f64 {
    ticks
        .iter()
        .map(|tick| AXIS_FONT.width(&significant(*tick, 3)))
        .fold(0.0, f64::max)
        + 10.0
}

/// Bars of two or more series over the bins between `edges`; values are shares or counts.
pub fn histogram_svg(
    title_text: &str,
    description: &str,
    edges: &[f64],
    series: &[Series<'_>],
) -> String {
    let bins = edges.len().saturating_sub(1);
    let top = series
        .iter()
        .flat_map(|series| series.values.iter().flatten())
        .copied()
        .filter(|value| value.is_finite())
        .fold(0.0, f64::max);
    let ticks = ticks(0.0, top);
    let ceiling = ticks.last().copied().unwrap_or(1.0);
    let mut body = String::new();
    let legend = legend_entries(series);
    let plot_left = MARGIN + axis_width(&ticks);
    let width = plot_left + PLOT_WIDTH + MARGIN;
    let legend_top = title(&mut body, title_text, width - 2.0 * MARGIN);
    svg::legend(&mut body, plot_left, legend_top, &legend);
    let plot_top = legend_top + legend.len() as f64 * svg::LEGEND_ROW_HEIGHT + 10.0;
    let plot_height = 200.0;
    let plot_bottom = plot_top + plot_height;
    let y_of = |value: f64| plot_bottom - value / ceiling * plot_height;
    vertical_axis(&mut body, &ticks, plot_left, plot_left + PLOT_WIDTH, y_of);
    let bin_width = PLOT_WIDTH / bins.max(1) as f64;
    let bar_width = (bin_width - 2.0).max(1.0) / series.len().max(1) as f64;
    for bin in 0..bins {
        for (index, series) in series.iter().enumerate() {
            if let Some(Some(value)) = series.values.get(bin) {
                let x = plot_left + bin as f64 * bin_width + 1.0 + index as f64 * bar_width;
                rect(
                    &mut body,
                    x,
                    y_of(*value),
                    bar_width,
                    plot_bottom - y_of(*value),
                    series.colour,
                );
            }
        }
    }
    line(
        &mut body,
        (plot_left, plot_bottom),
        (plot_left + PLOT_WIDTH, plot_bottom),
        svg::INK,
        "",
    );
    let labels: Vec<String> = edges.iter().map(|edge| significant(*edge, 3)).collect();
    let centres: Vec<f64> = (0..edges.len())
        .map(|index| plot_left + index as f64 * bin_width)
        .collect();
    let widths: Vec<f64> = labels.iter().map(|label| AXIS_FONT.width(label)).collect();
    for index in thinned(&centres, &widths) {
        line(
            &mut body,
            (centres[index], plot_bottom),
            (centres[index], plot_bottom + 4.0),
            svg::INK,
            "",
        );
        text_at(
            &mut body,
            &labels[index],
            centres[index],
            plot_bottom + 16.0,
            Anchor::Middle,
            svg::MUTED,
        );
    }
    let height = plot_bottom + 16.0 + MARGIN;
    svg::document(width, height, title_text, description, &body)
}

/// Horizontal bars, one group of bars per labelled row, one bar per series.
pub fn bars_svg(
    title_text: &str,
    description: &str,
    rows: &[String],
    series: &[Series<'_>],
    band: Option<Band<'_>>,
    reference: Option<ReferenceLine<'_>>,
) -> String {
    let mut top = series
        .iter()
        .flat_map(|series| series.values.iter().flatten())
        .copied()
        .filter(|value| value.is_finite())
        .fold(0.0, f64::max);
    if let Some(band) = &band {
        top = top.max(band.high);
    }
    // A line at an undefined value (a rate of an empty group) is not drawn.
    let reference = reference.filter(|reference| reference.value.is_finite());
    if let Some(reference) = &reference {
        top = top.max(reference.value);
    }
    let ticks = ticks(0.0, top);
    let ceiling = ticks.last().copied().unwrap_or(1.0);
    let labels: Vec<(String, bool)> = rows
        .iter()
        .map(|row| truncate(row, LABEL_FONT, MAX_LABEL_WIDTH))
        .collect();
    let label_width = labels
        .iter()
        .map(|(label, _)| LABEL_FONT.width(label))
        .fold(0.0, f64::max);
    let plot_left = MARGIN + label_width + 10.0;
    let tick_room = AXIS_FONT.width(&significant(ceiling, 3)) / 2.0;
    let width = plot_left + BAR_PLOT_WIDTH + tick_room + MARGIN;
    let mut body = String::new();
    let legend = legend_entries(series);
    let legend_top = title(&mut body, title_text, width - 2.0 * MARGIN);
    let shown_legend = if series.len() > 1 {
        legend.as_slice()
    } else {
        &[]
    };
    svg::legend(&mut body, plot_left, legend_top, shown_legend);
    // Band and line labels sit on their own row above the plot.
    let notes_top = legend_top + shown_legend.len() as f64 * svg::LEGEND_ROW_HEIGHT;
    let notes = band.is_some() || reference.is_some();
    let plot_top = notes_top + if notes { 22.0 } else { 6.0 };
    let bar_height = 12.0;
    let row_height = series.len().max(1) as f64 * bar_height + 10.0;
    let plot_bottom = plot_top + rows.len() as f64 * row_height;
    let x_of = |value: f64| plot_left + value.clamp(0.0, ceiling) / ceiling * BAR_PLOT_WIDTH;
    if let Some(band) = &band {
        let _ = writeln!(
            body,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e3f4ea\" stroke=\"#2f855a\" stroke-dasharray=\"3 2\"/>",
            svg::number(x_of(band.low)),
            svg::number(plot_top),
            svg::number(x_of(band.high) - x_of(band.low)),
            svg::number(plot_bottom - plot_top),
        );
        text_at(
            &mut body,
            band.label,
            x_of(band.high),
            plot_top - 6.0,
            Anchor::End,
            "#2f855a",
        );
    }
    for &tick in &ticks {
        let x = x_of(tick);
        line(&mut body, (x, plot_top), (x, plot_bottom), GRID, "");
        text_at(
            &mut body,
            &significant(tick, 3),
            x,
            plot_bottom + 14.0,
            Anchor::Middle,
            svg::MUTED,
        );
    }
    for (row, (label, shortened)) in labels.iter().enumerate() {
        let row_top = plot_top + row as f64 * row_height + 5.0;
        body.push_str("<g>\n");
        svg::tooltip(&mut body, &rows[row], *shortened);
        TextBlock {
            lines: std::slice::from_ref(label),
            x: plot_left - 8.0,
            y: row_top + row_height / 2.0 - 1.0,
            font: LABEL_FONT,
            anchor: Anchor::End,
            fill: svg::INK,
        }
        .write(&mut body);
        for (index, series) in series.iter().enumerate() {
            if let Some(Some(value)) = series.values.get(row) {
                let y = row_top + index as f64 * bar_height;
                rect(
                    &mut body,
                    plot_left,
                    y,
                    x_of(*value) - plot_left,
                    bar_height - 2.0,
                    series.colour,
                );
            }
        }
        body.push_str("</g>\n");
    }
    if let Some(reference) = &reference {
        let x = x_of(reference.value);
        line(
            &mut body,
            (x, plot_top - 2.0),
            (x, plot_bottom),
            svg::INK,
            " stroke-width=\"1.5\" stroke-dasharray=\"5 3\"",
        );
        // Left of the line when the band's label already takes the right.
        let anchor = if band.is_some() {
            Anchor::End
        } else {
            Anchor::Start
        };
        let offset = if band.is_some() { -4.0 } else { 4.0 };
        let band_label_left = band
            .as_ref()
            .map(|band| x_of(band.high) - AXIS_FONT.width(band.label));
        let label_y = match band_label_left {
            Some(left) if x + offset > left - 4.0 => plot_top - 18.0,
            _ => plot_top - 6.0,
        };
        text_at(
            &mut body,
            reference.label,
            x + offset,
            label_y,
            anchor,
            svg::INK,
        );
    }
    line(
        &mut body,
        (plot_left, plot_top),
        (plot_left, plot_bottom),
        svg::INK,
        "",
    );
    let height = plot_bottom + 14.0 + MARGIN;
    svg::document(width, height, title_text, description, &body)
}

/// A point in time marked on a line chart, numbered on the chart and explained by the caller.
pub struct Marker {
    pub index: usize,
    pub label: String,
}

/// Lines over the labelled x positions (time buckets), with vertical markers.
pub fn lines_svg(
    title_text: &str,
    description: &str,
    x_labels: &[String],
    series: &[Series<'_>],
    markers: &[Marker],
) -> String {
    let values = series
        .iter()
        .flat_map(|series| series.values.iter().flatten())
        .copied()
        .filter(|value| value.is_finite());
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), value| {
        (low.min(value), high.max(value))
    });
    let (low, high) = if low > high {
        (0.0, 1.0)
    } else {
        (low.min(0.0), high)
    };
    let ticks = ticks(low, high);
    let floor = ticks.first().copied().unwrap_or(0.0);
    let ceiling = ticks.last().copied().unwrap_or(1.0);
    let mut body = String::new();
    let legend = legend_entries(series);
    let plot_left = MARGIN + axis_width(&ticks);
    let width = plot_left + PLOT_WIDTH + MARGIN;
    let legend_top = title(&mut body, title_text, width - 2.0 * MARGIN);
    svg::legend(&mut body, plot_left, legend_top, &legend);
    let marker_rows = 2.0;
    let plot_top =
        legend_top + legend.len() as f64 * svg::LEGEND_ROW_HEIGHT + 8.0 + marker_rows * 14.0;
    let plot_height = 180.0;
    let plot_bottom = plot_top + plot_height;
    let y_of = |value: f64| plot_bottom - (value - floor) / (ceiling - floor) * plot_height;
    let count = x_labels.len().max(1);
    let step = if count > 1 {
        PLOT_WIDTH / (count - 1) as f64
    } else {
        0.0
    };
    let x_of = |index: usize| {
        if count > 1 {
            plot_left + index as f64 * step
        } else {
            plot_left + PLOT_WIDTH / 2.0
        }
    };
    vertical_axis(&mut body, &ticks, plot_left, plot_left + PLOT_WIDTH, y_of);
    // Marker numbers alternate between two rows when neighbours would touch.
    let mut row_ends = [f64::NEG_INFINITY; 2];
    for marker in markers {
        let x = x_of(marker.index);
        line(
            &mut body,
            (x, plot_top - 4.0),
            (x, plot_bottom),
            svg::HIGHLIGHT,
            " stroke-width=\"1.5\" stroke-dasharray=\"4 3\"",
        );
        let label_width = AXIS_FONT.width(&marker.label);
        // A label with no room in either row is left out; the line still marks the point.
        let free = row_ends
            .iter()
            .position(|end| x - label_width / 2.0 > end + 4.0);
        if let Some(row) = free {
            row_ends[row] = x + label_width / 2.0;
            let y = plot_top - 8.0 - (1 - row) as f64 * 14.0;
            text_at(
                &mut body,
                &marker.label,
                x,
                y,
                Anchor::Middle,
                svg::HIGHLIGHT,
            );
        }
    }
    for series in series {
        let mut path = String::new();
        let mut pen_down = false;
        for (index, value) in series.values.iter().enumerate() {
            match value {
                Some(value) if value.is_finite() => {
                    let command = if pen_down { 'L' } else { 'M' };
                    let _ = write!(
                        path,
                        "{command}{} {}",
                        svg::number(x_of(index)),
                        svg::number(y_of(*value))
                    );
                    pen_down = true;
                }
                _ => pen_down = false,
            }
        }
        let _ = writeln!(
            body,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            series.colour
        );
    }
    line(
        &mut body,
        (plot_left, plot_bottom),
        (plot_left + PLOT_WIDTH, plot_bottom),
        svg::INK,
        "",
    );
    let centres: Vec<f64> = (0..x_labels.len()).map(x_of).collect();
    let widths: Vec<f64> = x_labels
        .iter()
        .map(|label| AXIS_FONT.width(label))
        .collect();
    for index in thinned(&centres, &widths) {
        line(
            &mut body,
            (centres[index], plot_bottom),
            (centres[index], plot_bottom + 4.0),
            svg::INK,
            "",
        );
        text_at(
            &mut body,
            &x_labels[index],
            centres[index],
            plot_bottom + 16.0,
            Anchor::Middle,
            svg::MUTED,
        );
    }
    let widest_half = widths.iter().copied().fold(0.0, f64::max) / 2.0;
    let height = plot_bottom + 16.0 + MARGIN;
    svg::document(width + widest_half, height, title_text, description, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let labels = |low, high| -> Vec<String> {
            ticks(low, high)
                .into_iter()
                .map(|tick| significant(tick, 3))
                .collect()
        };
        assert_eq!(labels(0.0, 0.43), ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
        assert_eq!(labels(0.0, 0.0), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(labels(0.0, 1.25), ["0", "0.5", "1", "1.5"]);
        assert_eq!(labels(0.3, 0.86), ["0.2", "0.4", "0.6", "0.8", "1"]);
        // A span lost to float precision still gives a short axis, not billions of ticks.
        assert_eq!(ticks(-1e300, 1e300).len(), 5);
        assert_eq!(ticks(1e17, 1e17).len(), 2);
        assert_eq!(ticks(f64::NEG_INFINITY, f64::INFINITY).len(), 2);
    }

    #[test]
    fn marker_labels_without_room_are_left_out() {
        let labels: Vec<String> = (0..40).map(|day| format!("day {day}")).collect();
        let markers: Vec<Marker> = (0..40)
            .map(|index| Marker {
                index,
                label: format!("change {index}"),
            })
            .collect();
        let series = [Series {
            name: "rate",
            colour: PALETTE[1],
            values: vec![Some(0.5); 40],
        }];
        let svg = lines_svg("t", "d", &labels, &series, &markers);
        let drawn = svg.matches(">change ").count();
        assert!((2..40).contains(&drawn), "{drawn}");
        assert_eq!(svg.matches("stroke-dasharray=\"4 3\"").count(), 40);
    }

    #[test]
    fn thinned_labels_keep_apart() {
        let centres: Vec<f64> = (0..60).map(|index| f64::from(index) * 9.5).collect();
        let widths = vec![60.0; 60];
        let shown = thinned(&centres, &widths);
        for pair in shown.windows(2) {
            assert!(centres[pair[1]] - centres[pair[0]] >= 60.0 + 8.0);
        }
        assert_eq!(thinned(&centres[..1], &widths[..1]), [0]);
    }

    #[test]
    fn significant_digits_as_printf_g() {
        assert_eq!(significant(0.130_312, 4), "0.1303");
        assert_eq!(significant(1_234_567.0, 4), "1.235e6");
        assert_eq!(significant(0.000_012_34, 4), "1.234e-5");
        assert_eq!(significant(20.0, 4), "20");
    }
}
