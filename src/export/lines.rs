//! The lines `loss.svg` and the workbook's charts draw: per set (training,
//! validation), learning rate, rule and activation, the mean, min and max
//! loss of the line's jobs at each epoch, fed one job at a time.

use super::curves::{Set, loss_curve};
use crate::config::{GridConfig, Key};
use crate::grid::JobParams;
use crate::nn::{Activation, EpochRecord, Rule, Status};
use std::collections::BTreeMap;

/// The per-epoch mean, min and max of one line's jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
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
    pub fn points(&self) -> impl Iterator<Item = (u32, f64, f64, f64)> + Clone + '_ {
        (0..self.sum.len()).filter(|&e| self.count[e] > 0).map(|e| {
            let mean = self.sum[e] / f64::from(self.count[e]);
            (e as u32, mean, self.min[e], self.max[e])
        })
    }
}

/// Panels side by side before they wrap to another row, in `loss.svg` and
/// the workbook alike.
pub const PANEL_COLUMNS: usize = 4;

/// How a rule's lines are drawn beside the other rules'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Like no other rule's: a line with its band.
    Own,
    /// Another rule's lines are the same bits: drawn wide, under them.
    Covered,
    /// The same bits as this rule's lines: drawn thin on top, no band.
    SameAs(Rule),
}

/// Which line a job feeds: the panel's set and learning rate (by its
/// position among the panels), then the rule and the activation.
pub type LineKey = (Set, usize, Rule, Activation);

/// Every line of a sweep.
#[derive(Debug, Clone)]
pub struct Lines {
    epochs: u32,
    /// The grid's activations, in its order.
    activations: Vec<Activation>,
    /// The learning rate of each panel, in plan order.
    panels: Vec<String>,
    bands: BTreeMap<LineKey, Band>,
    /// The last job's parameters and panel: most jobs share their panel
    /// with the job before them.
    last: Option<(JobParams, usize)>,
}

impl Lines {
    /// No lines yet, for `grid`'s jobs of `epochs` epochs.
    pub fn new(grid: &GridConfig, epochs: u32) -> Lines {
        Lines {
            epochs,
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

    /// The epochs a job runs.
    pub fn epochs(&self) -> u32 {
        self.epochs
    }

    /// The grid's activations, in its order.
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }

    /// The learning rate of each panel, as its jobs' ids print it.
    pub fn panels(&self) -> &[String] {
        &self.panels
    }

    /// The line of `key`, when some job fed it.
    pub fn get(&self, key: &LineKey) -> Option<&Band> {
        self.bands.get(key)
    }

    /// Every line, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&LineKey, &Band)> {
        self.bands.iter()
    }

    /// The rules some line has: the built-in ones in [`Rule::ALL`]'s
    /// order, then the config's own by name.
    pub fn rules(&self) -> Vec<Rule> {
        let rules: std::collections::BTreeSet<Rule> =
            self.bands.keys().map(|(_, _, r, _)| *r).collect();
        rules.into_iter().collect()
    }

    /// The colour of a rule's lines in every chart, as (red, green, blue):
    /// `matmul` blue, `kronecker` red, `kronecker_input` orange, and the
    /// config's own rules seven others, in the order of their names (they
    /// repeat past seven).
    pub fn colour(&self, rule: Rule) -> (u8, u8, u8) {
        const OWN: [(u8, u8, u8); 7] = [
            (44, 160, 44),
            (148, 103, 189),
            (140, 86, 75),
            (227, 119, 194),
            (127, 127, 127),
            (188, 189, 34),
            (23, 190, 207),
        ];
        match rule {
            Rule::Matmul => (31, 119, 180),
            Rule::Kronecker => (214, 39, 40),
            Rule::KroneckerInput => (255, 160, 40),
            Rule::Defined(_) => {
                let own = self.rules().into_iter().filter(|r| !r.is_built_in());
                let k = own.take_while(|&r| r != rule).count();
                OWN[k % OWN.len()]
            }
        }
    }

    /// The sets drawn, one row of panels each.
    pub fn sets(&self) -> Vec<Set> {
        [Set::Training, Set::Validation]
            .into_iter()
            .filter(|&set| self.bands.keys().any(|(s, ..)| *s == set))
            .collect()
    }

    /// The rules whose every line is bit for bit another rule's (at batch
    /// size 1, `kronecker_input` is `matmul`), each with that rule.
    pub fn identical(&self) -> BTreeMap<Rule, Rule> {
        let lines = |rule: Rule| {
            self.bands
                .iter()
                .filter(move |((_, _, r, _), _)| *r == rule)
                .map(|((s, k, _, a), band)| ((*s, *k, *a), band))
        };
        let mut same = BTreeMap::new();
        let rules = self.rules();
        for (i, &rule) in rules.iter().enumerate() {
            let first = rules[..i].iter().find(|&&earlier| {
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

    /// Each rule with its role, in drawing order: a rule that is another
    /// rule's copy comes last, so that it lies on top.
    pub fn drawing_order(&self) -> Vec<(Rule, Role)> {
        let identical = self.identical();
        let role = |rule: Rule| match identical.get(&rule) {
            Some(&same) => Role::SameAs(same),
            None if identical.values().any(|&same| same == rule) => Role::Covered,
            None => Role::Own,
        };
        let (copies, rest): (Vec<Rule>, Vec<Rule>) =
            (self.rules().into_iter()).partition(|rule| identical.contains_key(rule));
        rest.into_iter()
            .chain(copies)
            .map(|rule| (rule, role(rule)))
            .collect()
    }

    /// How panels are laid out: columns, and rows per set (a learning rate
    /// a panel, at most [`PANEL_COLUMNS`] to a row).
    pub fn panel_grid(&self) -> (usize, usize) {
        let columns = self.panels.len().clamp(1, PANEL_COLUMNS);
        (columns, self.panels.len().div_ceil(columns))
    }

    /// The lowest and highest positive finite value of any line's band, or
    /// `None` when there is none.
    pub fn positive_range(&self) -> Option<(f64, f64)> {
        let values = self.bands.values().flat_map(|b| b.points());
        let positive = values
            .flat_map(|(_, _, lo, hi)| [lo, hi])
            .filter(|v| *v > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        (lo.is_finite() && hi > 0.0).then_some((lo, hi))
    }
}

#[cfg(test)]
pub(crate) mod tests {
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

    fn job(rule: Rule) -> JobParams {
        JobParams {
            rule,
            ..GridConfig::default().cell(&[0; Key::ALL.len()])
        }
    }

    const FALLS: [(f64, f64); 3] = [(0.3, 0.3), (0.2, 0.15), (0.05, 0.08)];

    /// Lines of three jobs of 2 epochs: `matmul` and `kronecker_input`
    /// alike, `kronecker` rising.
    pub(crate) fn three_rules() -> Lines {
        let mut lines = Lines::new(&GridConfig::default(), 2);
        let rises = rows(&[(0.3, 0.3), (0.4, 0.45), (0.5, 0.55)]);
        lines.add(&job(Rule::Matmul), Status::Completed, &rows(&FALLS));
        lines.add(&job(Rule::KroneckerInput), Status::Completed, &rows(&FALLS));
        lines.add(&job(Rule::Kronecker), Status::Completed, &rises);
        lines
    }

    #[test]
    fn identical_rules_are_found() {
        let same = BTreeMap::from([(Rule::KroneckerInput, Rule::Matmul)]);
        let lines = three_rules();
        assert_eq!(lines.identical(), same);
        assert_eq!(
            lines.drawing_order(),
            [
                (Rule::Matmul, Role::Covered),
                (Rule::Kronecker, Role::Own),
                (Rule::KroneckerInput, Role::SameAs(Rule::Matmul)),
            ]
        );
        assert_eq!(lines.panel_grid(), (1, 1));
        assert_eq!(lines.sets(), [Set::Training, Set::Validation]);
        assert_eq!(lines.positive_range(), Some((0.05, 0.55)));

        // One epoch apart is not the same.
        let mut lines = Lines::new(&GridConfig::default(), 2);
        lines.add(&job(Rule::Matmul), Status::Completed, &rows(&FALLS));
        lines.add(
            &job(Rule::KroneckerInput),
            Status::Completed,
            &rows(&FALLS[..2]),
        );
        assert!(lines.identical().is_empty());
    }
}
