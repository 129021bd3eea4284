//! `loss.svg`: loss against epoch, one panel per learning rate, a row of
//! panels for the training loss and one for the validation loss when the
//! split has a validation set. In each panel one line per rule and
//! activation (colour for the rule, dash for the activation), the mean over
//! the line's jobs, with a band from the lowest to the highest job. The
//! legend sits below the panels, never over the data; the target is drawn
//! on the validation panels, the loss it is measured on. SVG needs no fonts
//! or system libraries: text stays `<text>` for the viewer to render.

use super::curves::Set;
use super::lines::{Lines, Role};
use super::write_atomic;
use crate::nn::Rule;
use crate::store::ResultsDir;
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::io::Write;

/// Pixels per panel.
const PANEL: (u32, u32) = (560, 420);
/// Height of the title strip and of one line of the legend.
const TITLE: u32 = 40;
const LEGEND_LINE: u32 = 26;
/// Rough width of a character of the legend's 14-pixel font, to lay it out.
const CHAR_WIDTH: i32 = 7;

/// `loss.svg` of sweep `name` from its lines; `target` is the validation
/// loss its jobs aim below.
#[derive(Debug, Clone, Copy)]
pub struct LossPlot<'a> {
    /// The sweep's name, for the title.
    pub name: &'a str,
    /// Every line to draw.
    pub lines: &'a Lines,
    /// The target validation loss, drawn on the validation panels.
    pub target: Option<f64>,
}

impl LossPlot<'_> {
    /// Draws `loss.svg`; nothing when no job has a positive finite loss.
    pub fn write(&self, dir: &ResultsDir) -> anyhow::Result<()> {
        let Some(svg) = self.render()? else {
            return Ok(());
        };
        write_atomic(&dir.file("loss.svg"), |w| Ok(w.write_all(svg.as_bytes())?))
    }

    fn render(&self) -> anyhow::Result<Option<String>> {
        // One y range for every panel, so that panels compare at a glance.
        let Some((lo, hi)) = self.lines.positive_range() else {
            return Ok(None);
        };
        let (lo, hi) = match self.target {
            Some(t) => (lo.min(t) / 1.2, hi.max(t) * 1.2),
            None => (lo / 1.2, hi * 1.2),
        };
        let ticks = log_ticks(lo, hi);

        let (lines, sets) = (self.lines, self.lines.sets());
        let order = lines.drawing_order();
        let (cols, rows_per_set) = lines.panel_grid();
        let width = PANEL.0 * cols as u32;
        let legend = self.legend(&order, width as i32 - 40);
        let legend_lines = legend.iter().map(|e| e.line).max().map_or(0, |l| l + 1);
        let plots_height = TITLE + PANEL.1 * (rows_per_set * sets.len()) as u32;
        let size = (width, plots_height + LEGEND_LINE * legend_lines as u32 + 16);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE)?;
            let (plots, legend_area) = root.split_vertically(plots_height);
            let title = format!(
                "{}: mean loss of each rule and activation, band from lowest to highest job",
                self.name
            );
            let plots = plots.titled(&title, ("sans-serif", 22))?;
            let areas = plots.split_evenly((rows_per_set * sets.len(), cols));
            for (s, &set) in sets.iter().enumerate() {
                for (k, label) in lines.panels().iter().enumerate() {
                    let area = &areas[s * rows_per_set * cols + k];
                    let mut chart = ChartBuilder::on(area)
                        .caption(
                            format!("{} loss, learning rate = {label}", set.name()),
                            ("sans-serif", 18),
                        )
                        .margin(12)
                        .x_label_area_size(40)
                        .y_label_area_size(70)
                        .build_cartesian_2d(
                            0..lines.epochs().max(1),
                            (lo..hi).log_scale().with_key_points(ticks.clone()),
                        )?;
                    chart
                        .configure_mesh()
                        .x_desc("epoch")
                        .y_desc(format!("{} loss (MSE)", set.name()))
                        .y_label_formatter(&|v| tick_label(*v))
                        .draw()?;
                    let clamp = |v: f64| v.max(lo);
                    for &(rule, role) in &order {
                        for (a, &activation) in lines.activations().iter().enumerate() {
                            let Some(band) = lines.get(&(set, k, rule, activation)) else {
                                continue;
                            };
                            let style = line_style(lines, rule, role);
                            if !matches!(role, Role::SameAs(_)) {
                                let upper = band.points().map(|(e, _, _, max)| (e, clamp(max)));
                                let lower: Vec<_> = band
                                    .points()
                                    .map(|(e, _, min, _)| (e, clamp(min)))
                                    .collect();
                                let outline: Vec<_> =
                                    upper.chain(lower.into_iter().rev()).collect();
                                let fill = style.color.mix(0.08).filled();
                                chart.draw_series(std::iter::once(Polygon::new(outline, fill)))?;
                            }
                            let mean = band.points().map(|(e, mean, _, _)| (e, clamp(mean)));
                            draw_line(&mut chart, mean, style, DASHES[a % DASHES.len()])?;
                        }
                    }
                    if let (Set::Validation, Some(t)) = (set, self.target) {
                        let level = [(0, t), (lines.epochs().max(1), t)];
                        draw_line(&mut chart, level.into_iter(), BLACK.stroke_width(1), (6, 4))?;
                    }
                }
            }
            for entry in &legend {
                entry.draw(&legend_area)?;
            }
            root.present()?;
        }
        Ok(Some(svg))
    }

    /// The legend's entries, laid out in lines of at most `width` pixels.
    fn legend(&self, order: &[(Rule, Role)], width: i32) -> Vec<LegendEntry> {
        let mut entries = Vec::new();
        for &(rule, role) in order {
            let text = match role {
                Role::SameAs(same) => format!("{rule}: the same curves as {same}, drawn on top"),
                _ => rule.to_string(),
            };
            entries.push((text, line_style(self.lines, rule, role), (0, 0)));
        }
        let grey = RGBColor(90, 90, 90).stroke_width(2);
        if self.lines.activations().len() > 1 {
            for (a, activation) in self.lines.activations().iter().enumerate() {
                entries.push((activation.to_string(), grey, DASHES[a % DASHES.len()]));
            }
        }
        if let Some(t) = self
            .target
            .filter(|_| self.lines.sets().contains(&Set::Validation))
        {
            let text = format!("target: validation loss below {}", crate::number::float(t));
            entries.push((text, BLACK.stroke_width(1), (6, 4)));
        }
        let (mut x, mut line) = (20, 0);
        entries
            .into_iter()
            .map(|(text, style, dash)| {
                let span = 50 + CHAR_WIDTH * text.chars().count() as i32 + 24;
                if x + span > width + 20 && x > 20 {
                    (x, line) = (20, line + 1);
                }
                let entry = LegendEntry {
                    x,
                    line,
                    text,
                    style,
                    dash,
                };
                x += span;
                entry
            })
            .collect()
    }
}

/// One entry of the legend: a sample of the line, then what it is.
#[derive(Debug, Clone)]
struct LegendEntry {
    x: i32,
    line: usize,
    text: String,
    style: ShapeStyle,
    dash: (u32, u32),
}

impl LegendEntry {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let y = 8 + LEGEND_LINE as i32 * self.line as i32 + LEGEND_LINE as i32 / 2;
        for (from, to) in dash_segments(self.x, self.x + 40, self.dash) {
            area.draw(&PathElement::new(vec![(from, y), (to, y)], self.style))?;
        }
        let font = ("sans-serif", 14).into_font().color(&BLACK);
        let anchor = font.pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(self.text.clone(), (self.x + 50, y), anchor))?;
        Ok(())
    }
}

/// Dash and gap lengths per activation, in the grid's order: solid, dashed,
/// dotted, long dashes.
const DASHES: [(u32, u32); 4] = [(0, 0), (9, 5), (2, 4), (18, 6)];

/// The pieces of a line from `from` to `to` drawn with `dash`.
fn dash_segments(from: i32, to: i32, (dash, gap): (u32, u32)) -> Vec<(i32, i32)> {
    if dash == 0 {
        return vec![(from, to)];
    }
    let step = (dash + gap) as usize;
    (from..to)
        .step_by(step)
        .map(|x| (x, (x + dash as i32).min(to)))
        .collect()
}

/// Draws `points` as a line, solid when `dash` is (0, 0).
fn draw_line<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    points: impl Iterator<Item = (X::ValueType, Y::ValueType)> + Clone,
    style: ShapeStyle,
    (dash, gap): (u32, u32),
) -> anyhow::Result<()>
where
    X: Ranged,
    Y: Ranged,
    X::ValueType: Clone + 'static,
    Y::ValueType: Clone + 'static,
    DB::ErrorType: 'static,
{
    match dash {
        0 => chart.draw_series(LineSeries::new(points, style))?,
        _ => chart.draw_series(DashedLineSeries::new(points, dash, gap, style))?,
    };
    Ok(())
}

/// The colour of a rule's lines; a rule another rule equals is drawn thin
/// over a wide line of that rule, so both stay visible.
fn line_style(lines: &Lines, rule: Rule, role: Role) -> ShapeStyle {
    let (r, g, b) = lines.colour(rule);
    let width = if role == Role::Covered { 5 } else { 2 };
    RGBColor(r, g, b).stroke_width(width)
}

/// The labelled values of a log axis from `lo` to `hi`: every 1–9 × 10ᵏ
/// over a short range, 1, 2, 3, 5 × 10ᵏ over up to three decades, powers
/// of ten beyond, so that low losses (below 0.1) get labels too.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let decades = libm::log10(hi / lo);
    let mantissas: &[u32] = match decades {
        d if d <= 1.5 => &[1, 2, 3, 4, 5, 6, 7, 8, 9],
        d if d <= 3.0 => &[1, 2, 3, 5],
        _ => &[1],
    };
    let first = libm::floor(libm::log10(lo)) as i32;
    let last = libm::ceil(libm::log10(hi)) as i32;
    let ticks: Vec<f64> = (first..=last)
        .flat_map(|k| mantissas.iter().map(move |&m| times_power_of_ten(m, k)))
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    // A range too narrow for any of them still gets its two ends.
    if ticks.is_empty() {
        vec![lo, hi]
    } else {
        ticks
    }
}

/// m × 10ᵏ, correctly rounded (a division for negative k: 6 / 100 is the
/// double nearest 0.06, 6 × 0.01 is not).
fn times_power_of_ten(m: u32, k: i32) -> f64 {
    let power = 10f64.powi(k.abs());
    match k {
        0.. => f64::from(m) * power,
        _ => f64::from(m) / power,
    }
}

/// A tick's label: its shortest decimal, or scientific notation when small.
fn tick_label(v: f64) -> String {
    match v {
        v if v >= 1e-3 => format!("{v}"),
        v => format!("{v:e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::lines::tests::three_rules;

    #[test]
    fn ticks_below_a_tenth_are_labelled() {
        let ticks = log_ticks(0.04, 1.1);
        let labels: Vec<_> = ticks.iter().map(|&v| tick_label(v)).collect();
        assert_eq!(labels[..3], ["0.04", "0.05", "0.06"]);
        assert!(labels.contains(&"0.1".to_string()));
        assert_eq!(labels.last().unwrap(), "1");
        let wide: Vec<_> = log_ticks(1e-5, 2.0)
            .iter()
            .map(|&v| tick_label(v))
            .collect();
        assert_eq!(wide, ["1e-5", "1e-4", "0.001", "0.01", "0.1", "1"]);
    }

    #[test]
    fn dashes_cover_the_sample() {
        assert_eq!(dash_segments(0, 40, (0, 0)), [(0, 40)]);
        assert_eq!(dash_segments(0, 30, (9, 5)), [(0, 9), (14, 23), (28, 30)]);
    }

    #[test]
    fn the_legend_names_identical_rules_and_the_target() {
        let lines = three_rules();
        let plot = LossPlot {
            name: "t",
            lines: &lines,
            target: Some(0.1),
        };
        let svg = plot.render().unwrap().unwrap();
        assert!(svg.contains("kronecker_input: the same curves as matmul"));
        assert!(svg.contains("target: validation loss below 0.1"));
        assert!(svg.contains("validation loss, learning rate"));
    }
}
