//! `loss.svg`: training loss against epoch, one line per rule (the mean
//! over its jobs) with a min–max band, one panel per activation or per
//! learning rate, whichever the grid varies more. SVG needs no fonts or
//! system libraries: text stays `<text>` for the viewer to render.

use super::curves::training_loss;
use super::write_atomic;
use crate::config::GridConfig;
use crate::grid::JobParams;
use crate::nn::{EpochRecord, Rule, Status};
use crate::store::ResultsDir;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;

/// Pixels per panel.
const PANEL: (u32, u32) = (560, 420);

/// The per-epoch mean, min and max of one rule's jobs in one panel.
#[derive(Debug, Clone)]
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

    /// (epoch, mean, min, max) for each epoch some job reached.
    fn points(&self) -> impl Iterator<Item = (u32, f64, f64, f64)> + '_ {
        (0..self.sum.len()).filter(|&e| self.count[e] > 0).map(|e| {
            let mean = self.sum[e] / f64::from(self.count[e]);
            (e as u32, mean, self.min[e], self.max[e])
        })
    }
}

/// The plot, fed one job at a time.
#[derive(Debug, Clone)]
pub struct LossPlot {
    title: String,
    epochs: u32,
    by_activation: bool,
    panels: Vec<String>,
    bands: BTreeMap<(usize, Rule), Band>,
    /// The last job's parameters and panel: most jobs share their panel
    /// with the job before them.
    last: Option<(JobParams, usize)>,
}

impl LossPlot {
    /// An empty plot of sweep `name` over `grid`, whose jobs run `epochs` epochs.
    pub fn new(name: &str, grid: &GridConfig, epochs: u32) -> LossPlot {
        LossPlot {
            title: format!("{name}: training loss, mean over jobs with min–max band"),
            epochs,
            by_activation: grid.activation.0.len() >= grid.learning_rate.0.len(),
            panels: Vec::new(),
            bands: BTreeMap::new(),
            last: None,
        }
    }

    /// Adds one finished job.
    pub fn add(&mut self, p: &JobParams, status: Status, rows: &[EpochRecord]) {
        let same_panel = |q: &JobParams| match self.by_activation {
            true => q.activation == p.activation,
            false => q.learning_rate == p.learning_rate,
        };
        let panel = match self.last {
            Some((q, panel)) if same_panel(&q) => panel,
            _ => {
                let label = if self.by_activation {
                    format!("activation = {}", p.activation)
                } else {
                    format!("learning rate = {}", p.learning_rate)
                };
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
        let band = self
            .bands
            .entry((panel, p.rule))
            .or_insert_with(|| Band::new(self.epochs));
        for (e, loss) in training_loss(status, rows, self.epochs) {
            let e = e as usize;
            band.sum[e] += loss;
            band.count[e] += 1;
            band.min[e] = band.min[e].min(loss);
            band.max[e] = band.max[e].max(loss);
        }
    }

    /// Draws `loss.svg`; nothing when no job has a positive finite loss.
    pub fn write(&self, dir: &ResultsDir) -> anyhow::Result<()> {
        let Some(svg) = self.render()? else {
            return Ok(());
        };
        write_atomic(&dir.file("loss.svg"), |w| Ok(w.write_all(svg.as_bytes())?))
    }

    fn render(&self) -> anyhow::Result<Option<String>> {
        // One y range for every panel, so that panels compare at a glance.
        let positive = self
            .bands
            .values()
            .flat_map(|b| b.points())
            .flat_map(|(_, _, lo, hi)| [lo, hi])
            .filter(|v| *v > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !(lo.is_finite() && hi > 0.0) {
            return Ok(None);
        }
        let (lo, hi) = (lo / 1.2, hi * 1.2);

        let n = self.panels.len();
        let cols = n.clamp(1, 3);
        let rows = n.div_ceil(cols);
        let size = (PANEL.0 * cols as u32, PANEL.1 * rows as u32 + 40);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            root.fill(&WHITE)?;
            let root = root.titled(&self.title, ("sans-serif", 22))?;
            for (k, area) in root.split_evenly((rows, cols)).iter().enumerate().take(n) {
                let mut chart = ChartBuilder::on(area)
                    .caption(&self.panels[k], ("sans-serif", 18))
                    .margin(12)
                    .x_label_area_size(40)
                    .y_label_area_size(70)
                    .build_cartesian_2d(0..self.epochs.max(1), (lo..hi).log_scale())?;
                chart
                    .configure_mesh()
                    .x_desc("epoch")
                    .y_desc("training loss (MSE)")
                    .y_label_formatter(&|v| {
                        if *v >= 0.01 {
                            format!("{v:.2}")
                        } else {
                            format!("{v:.0e}")
                        }
                    })
                    .draw()?;
                for rule in Rule::ALL {
                    let Some(band) = self.bands.get(&(k, rule)) else {
                        continue;
                    };
                    let (color, width) = style(rule);
                    let clamp = |v: f64| v.max(lo);
                    let upper = band.points().map(|(e, _, _, max)| (e, clamp(max)));
                    let lower: Vec<_> = band
                        .points()
                        .map(|(e, _, min, _)| (e, clamp(min)))
                        .collect();
                    let outline: Vec<_> = upper.chain(lower.into_iter().rev()).collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.15))))?;
                    chart
                        .draw_series(LineSeries::new(
                            band.points().map(|(e, mean, _, _)| (e, clamp(mean))),
                            color.stroke_width(width),
                        ))?
                        .label(rule.name())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                        });
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()?;
            }
            root.present()?;
        }
        Ok(Some(svg))
    }
}

/// Colour and line width per rule. `kronecker_input` is drawn thinner on
/// top of `matmul`, which it equals at batch size 1, so both stay visible.
fn style(rule: Rule) -> (RGBColor, u32) {
    match rule {
        Rule::Matmul => (RGBColor(31, 119, 180), 5),
        Rule::Kronecker => (RGBColor(214, 39, 40), 2),
        Rule::KroneckerInput => (RGBColor(255, 160, 40), 2),
    }
}
