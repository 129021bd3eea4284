//! `loss.svg`: loss against epoch, one panel per learning rate, a row of
//! panels for the training loss and one for the validation loss when the
//! split has a validation set. In each panel one line per rule and
//! activation (colour for the rule, dash for the activation), the mean over
//! the line's jobs, with a band from the lowest to the highest job. The
//! legend sits below the panels, never over the data; the target is drawn
//! on the validation panels, the loss it is measured on. SVG needs no fonts
//! or system libraries: text stays `<text>` for the viewer to render.

use super::curves::{Set, loss_curve};
use super::write_atomic;
use crate::config::{GridConfig, Key};
use crate::grid::JobParams;
use crate::nn::{Activation, EpochRecord, Rule, Status};
use crate::store::ResultsDir;
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, IntoLogRange};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::io::Write;

/// Pixels per panel.
const PANEL: (u32, u32) = (560, 420);
/// Most panels side by side; more learning rates wrap to another row.
const MAX_COLUMNS: usize = 4;
/// Height of the title strip and of one line of the legend.
const TITLE: u32 = 40;
const LEGEND_LINE: u32 = 26;
/// Rough width of a character of the legend's 14-pixel font, to lay it out.
const CHAR_WIDTH: i32 = 7;

/// The per-epoch mean, min and max of one line's jobs.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    sum: Vec<f64>,
    count: Vec<u32>,
    min: Vec<f64>,
    max: Vec<f64>,
}

impl Band {
    fn new(epochs: u32) -> Band {
        let n = epochs as usize + 1;
        Band {
            sum: vec![0.0; n],
            count: vec![0; n],
            min: vec![f64::INFINITY; n],
            max: vec![f64::NEG_INFINITY; n],
        }
    }

    fn add(&mut self, e: u32, loss: f64) {
        let e = e as usize;
        self.sum[e] += loss;
        self.count[e] += 1;
        self.min[e] = self.min[e].min(loss);
        self.max[e] = self.max[e].max(loss);
    }

    /// (epoch, mean, min, max) for each epoch some job reached.
    fn points(&self) -> impl Iterator<Item = (u32, f64, f64, f64)> + Clone + '_ {
        (0..self.sum.len()).filter(|&e| self.count[e] > 0).map(|e| {
            let mean = self.sum[e] / f64::from(self.count[e]);
            (e as u32, mean, self.min[e], self.max[e])
        })
    }
}

/// Which band a job feeds: the panel's set and learning rate (by its
/// position among the panels), then the line's rule and activation.
type LineKey = (Set, usize, Rule, Activation);

/// The plot, fed one job at a time.
#[derive(Debug, Clone)]
pub struct LossPlot {
    name: String,
    epochs: u32,
    /// The validation loss a job aims below, drawn on the validation panels.
    target: Option<f64>,
    /// The grid's activations, whose position picks the dash.
    activations: Vec<Activation>,
    /// The learning rate of each column of panels, in plan order.
    panels: Vec<String>,
    bands: BTreeMap<LineKey, Band>,
    /// The last job's parameters and panel: most jobs share their panel
    /// with the job before them.
    last: Option<(JobParams, usize)>,
}

impl LossPlot {
    /// An empty plot of sweep `name` over `grid`, whose jobs run `epochs`
    /// epochs towards validation loss `target`.
    pub fn new(name: &str, grid: &GridConfig, epochs: u32, target: Option<f64>) -> LossPlot {
        LossPlot {
            name: name.to_string(),
            epochs,
            target,
            activations: grid.activation.0.clone(),
            panels: Vec::new(),
            bands: BTreeMap::new(),
            last: None,
        }
    }

    /// Adds one finished job.
    pub fn add(&mut self, p: &JobParams, status: Status, rows: &[EpochRecord]) {
        let panel = match self.last {
            Some((q, panel)) if q.learning_rate == p.learning_rate => panel,
            _ => {
                let label = p.value(Key::LearningRate);
                match self.panels.iter().position(|l| *l == label) {
                    Some(k) => k,
                    None => {
                        self.panels.push(label);
                        self.panels.len() - 1
                    }
                }
            }
        };
        self.last = Some((*p, panel));
        for set in [Set::Training, Set::Validation] {
            let mut points = loss_curve(set, status, rows, self.epochs).peekable();
            if points.peek().is_none() {
                continue;
            }
            let band = self
                .bands
                .entry((set, panel, p.rule, p.activation))
                .or_insert_with(|| Band::new(self.epochs));
            for (e, loss) in points {
                band.add(e, loss);
            }
        }
    }

    /// Draws `loss.svg`; nothing when no job has a positive finite loss.
    pub fn write(&self, dir: &ResultsDir) -> anyhow::Result<()> {
        let Some(svg) = self.render()? else {
            return Ok(());
        };
        write_atomic(&dir.file("loss.svg"), |w| Ok(w.write_all(svg.as_bytes())?))
    }

    /// The rules whose every line is bit for bit another rule's (at batch
    /// size 1, `kronecker_input` is `matmul`), each with that rule.
    fn identical(&self) -> BTreeMap<Rule, Rule> {
        let lines = |rule: Rule| {
            self.bands
                .iter()
                .filter(move |((_, _, r, _), _)| *r == rule)
                .map(|((s, k, _, a), band)| ((*s, *k, *a), band))
        };
        let mut same = BTreeMap::new();
        for (i, &rule) in Rule::ALL.iter().enumerate() {
            let first = Rule::ALL[..i].iter().find(|&&earlier| {
                !same.contains_key(&earlier)
                    && lines(earlier).next().is_some()
                    && lines(earlier).eq(lines(rule))
            });
            if let Some(&earlier) = first {
                same.insert(rule, earlier);
            }
        }
        same
    }

    /// The sets drawn, one row of panels each.
    fn sets(&self) -> Vec<Set> {
        [Set::Training, Set::Validation]
            .into_iter()
            .filter(|&set| self.bands.keys().any(|(s, ..)| *s == set))
            .collect()
    }

    fn render(&self) -> anyhow::Result<Option<String>> {
        // One y range for every panel, so that panels compare at a glance.
        let values = self.bands.values().flat_map(|b| b.points());
        let positive = values
            .flat_map(|(_, _, lo, hi)| [lo, hi])
            .chain(self.target)
            .filter(|v| *v > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !(lo.is_finite() && hi > 0.0) {
            return Ok(None);
        }
        let (lo, hi) = (lo / 1.2, hi * 1.2);
        let ticks = log_ticks(lo, hi);

        let sets = self.sets();
        let identical = self.identical();
        let cols = self.panels.len().clamp(1, MAX_COLUMNS);
        let rows_per_set = self.panels.len().div_ceil(cols);
        let width = PANEL.0 * cols as u32;
        let legend = self.legend(&identical, width as i32 - 40);
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
                for (k, label) in self.panels.iter().enumerate() {
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
                            0..self.epochs.max(1),
                            (lo..hi).log_scale().with_key_points(ticks.clone()),
                        )?;
                    chart
                        .configure_mesh()
                        .x_desc("epoch")
                        .y_desc(format!("{} loss (MSE)", set.name()))
                        .y_label_formatter(&|v| tick_label(*v))
                        .draw()?;
                    let clamp = |v: f64| v.max(lo);
                    // Rules another rule equals are drawn last, thin, on top.
                    let order = Rule::ALL
                        .iter()
                        .filter(|r| !identical.contains_key(r))
                        .chain(Rule::ALL.iter().filter(|r| identical.contains_key(r)));
                    for &rule in order {
                        for (a, &activation) in self.activations.iter().enumerate() {
                            let Some(band) = self.bands.get(&(set, k, rule, activation)) else {
                                continue;
                            };
                            let style = line_style(rule, &identical);
                            if !identical.contains_key(&rule) {
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
                        let level = [(0, t), (self.epochs.max(1), t)];
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
    fn legend(&self, identical: &BTreeMap<Rule, Rule>, width: i32) -> Vec<LegendEntry> {
        let mut entries = Vec::new();
        for &rule in Rule::ALL.iter() {
            if !self.bands.keys().any(|(_, _, r, _)| *r == rule) {
                continue;
            }
            let text = match identical.get(&rule) {
                Some(same) => format!("{rule}: the same curves as {same}, drawn on top"),
                None => rule.to_string(),
            };
            entries.push((text, line_style(rule, identical), (0, 0)));
        }
        let grey = RGBColor(90, 90, 90).stroke_width(2);
        if self.activations.len() > 1 {
            for (a, activation) in self.activations.iter().enumerate() {
                entries.push((activation.to_string(), grey, DASHES[a % DASHES.len()]));
            }
        }
        if let Some(t) = self
            .target
            .filter(|_| self.sets().contains(&Set::Validation))
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
fn line_style(rule: Rule, identical: &BTreeMap<Rule, Rule>) -> ShapeStyle {
    let color = match rule {
        Rule::Matmul => RGBColor(31, 119, 180),
        Rule::Kronecker => RGBColor(214, 39, 40),
        Rule::KroneckerInput => RGBColor(255, 160, 40),
    };
    let covered = identical.values().any(|&r| r == rule);
    color.stroke_width(if covered { 5 } else { 2 })
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
    use crate::nn::metrics::Metrics;

    fn rows(losses: &[(f64, f64)]) -> Vec<EpochRecord> {
        let metrics = |loss| Metrics {
            loss,
            error_rate: 0.0,
        };
        (losses.iter().enumerate())
            .map(|(e, &(train, validation))| EpochRecord {
                epoch: e as u32,
                train: metrics(train),
                validation: Some(metrics(validation)),
                test: None,
            })
            .collect()
    }

    #[test]
    fn identical_rules_are_named_and_the_target_drawn() {
        let grid = GridConfig::default();
        let mut plot = LossPlot::new("t", &grid, 2, Some(0.1));
        let job = |rule| JobParams {
            rule,
            ..grid.cell(&[0; Key::ALL.len()])
        };
        let falls = rows(&[(0.3, 0.3), (0.2, 0.15), (0.05, 0.08)]);
        let rises = rows(&[(0.3, 0.3), (0.4, 0.45), (0.5, 0.55)]);
        plot.add(&job(Rule::Matmul), Status::Completed, &falls);
        plot.add(&job(Rule::KroneckerInput), Status::Completed, &falls);
        plot.add(&job(Rule::Kronecker), Status::Completed, &rises);
        let same = BTreeMap::from([(Rule::KroneckerInput, Rule::Matmul)]);
        assert_eq!(plot.identical(), same);
        let svg = plot.render().unwrap().unwrap();
        assert!(svg.contains("kronecker_input: the same curves as matmul"));
        assert!(svg.contains("target: validation loss below 0.1"));
        assert!(svg.contains("validation loss, learning rate"));

        // One epoch apart is not the same.
        let mut plot = LossPlot::new("t", &grid, 2, None);
        plot.add(&job(Rule::Matmul), Status::Completed, &falls);
        plot.add(&job(Rule::KroneckerInput), Status::Completed, &falls[..2]);
        assert!(plot.identical().is_empty());
    }

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
}
