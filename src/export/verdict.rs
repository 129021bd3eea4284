//! The verdict: each rule against a reference rule, over the pairs of jobs
//! that differ only in their rule, and `verdict.csv`.
//!
//! Jobs that differ only in the rule share their initial weights and their
//! sample order (both come from the seed), so the difference of their
//! final training losses measures the rule and nothing else. The median of
//! those differences, its 95% interval and Wilcoxon's signed-rank test
//! ([`crate::stats`]) say whether a rule trains worse, and how surely.

use super::atomic::write_atomic;
use crate::config::{JobParams, Key};
use crate::grid::Plan;
use crate::nn::{Rule, Status};
use crate::number::float;
use crate::stats::{median, median_ci95, wilcoxon};
use crate::store::read::JobFigures;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The figures of every finished job, by rule and by the position of its
/// cell within the rule's block of the plan (the rule is the plan's
/// outermost axis), so that a job and its reference job share an index:
/// a few bytes per job, for grids of millions.
#[derive(Debug, Clone)]
pub struct Pairs {
    plan: Plan,
    reference: Rule,
    by: Vec<Key>,
    /// Cells per rule.
    block: u64,
    /// Per rule of the grid (in its order), per index in the block.
    figures: Vec<Vec<Option<Job>>>,
}

/// What the verdict reads of a job: 32 bytes, not the 80 of its figures.
#[derive(Debug, Clone, Copy)]
struct Job {
    /// Whether it trained (did not end in `shape_error`): a shape_error
    /// job's "final" loss is its epoch 0, not a result.
    trained: bool,
    /// Its first epoch below the target.
    first_below_target: Option<u32>,
    /// Its training loss at epoch 0 and at the end; NaN where not finite.
    initial: f64,
    last: f64,
}

impl Job {
    fn of(f: &JobFigures) -> Job {
        Job {
            trained: f.status != Status::ShapeError,
            first_below_target: f.first_below_target,
            initial: f.initial_train_loss.unwrap_or(f64::NAN),
            last: f.final_train_loss.unwrap_or(f64::NAN),
        }
    }

    /// A loss of a trained job, where finite.
    fn trained(&self, loss: f64) -> Option<f64> {
        (self.trained && loss.is_finite()).then_some(loss)
    }
}

/// One rule against the reference, within one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleVerdict {
    /// The group: `learning_rate=0.1` for `--by learning_rate`; empty for
    /// the whole grid.
    pub group: String,
    /// The rule.
    pub rule: Rule,
    /// Its finished jobs.
    pub jobs: u64,
    /// Of those, how many ended in `shape_error`.
    pub shape_errors: u64,
    /// Pairs in which both jobs trained (neither is `shape_error`) to a
    /// finite final training loss.
    pub pairs: u64,
    /// Pairs in which the rule's final training loss is higher, equal,
    /// lower than the reference's.
    pub worse: u64,
    /// See `worse`.
    pub equal: u64,
    /// See `worse`.
    pub better: u64,
    /// Median of (rule − reference) final training loss.
    pub median_difference: Option<f64>,
    /// Its 95% interval (at least 6 pairs).
    pub interval: Option<(f64, f64)>,
    /// Wilcoxon's two-sided p-value (none when every pair is equal).
    pub p: Option<f64>,
    /// Median training loss at epoch 0 and at the end, over its jobs that
    /// trained.
    pub initial_loss: Option<f64>,
    /// See `initial_loss`.
    pub final_loss: Option<f64>,
    /// Jobs that reached the target, and their median first epoch below it.
    pub reached: u64,
    /// See `reached`.
    pub median_epoch_to_target: Option<f64>,
}

impl Pairs {
    /// No jobs yet, for `plan`, with a verdict per group of the axes `by`
    /// (none: one for the whole grid); each rule is compared with
    /// `reference` if the grid has it, else with `matmul`, else with the
    /// grid's first rule.
    pub fn new(plan: &Plan, by: &[Key], reference: Option<Rule>) -> Self {
        let rules = &plan.grid().rule.0;
        let reference = [reference, Some(Rule::Matmul)]
            .into_iter()
            .flatten()
            .find(|r| rules.contains(r))
            .unwrap_or(rules[0]);
        Pairs {
            plan: plan.clone(),
            reference,
            by: by.iter().copied().filter(|&k| k != Key::Rule).collect(),
            block: plan.cross_len() / rules.len() as u64,
            figures: vec![Vec::new(); rules.len()],
        }
    }

    /// The rule the others are compared with.
    pub fn reference(&self) -> Rule {
        self.reference
    }

    /// Notes a finished job.
    pub fn add(&mut self, p: &JobParams, f: &JobFigures) {
        let Some(position) = self.plan.position(p) else {
            return;
        };
        let (rule, index) = (position / self.block, position % self.block);
        let jobs = &mut self.figures[rule as usize];
        if jobs.is_empty() {
            jobs.resize(self.block as usize, None);
        }
        jobs[index as usize] = Some(Job::of(f));
    }

    /// The verdict of every rule in every group, the reference's own (its
    /// losses and target, no pairs) included, in the grid's order.
    pub fn verdicts(&self) -> Vec<RuleVerdict> {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        if self.by.is_empty() {
            groups.insert(String::new(), (0..self.block as usize).collect());
        } else {
            for index in 0..self.block {
                let p = self.plan.cell(index);
                let group = (self.by.iter())
                    .map(|&k| format!("{k}={}", p.value(k)))
                    .collect::<Vec<_>>()
                    .join(" ");
                groups.entry(group).or_default().push(index as usize);
            }
        }
        let rules = &self.plan.grid().rule.0;
        (groups.iter())
            .map(|(group, indexes)| {
                (0..rules.len())
                    .map(|r| self.verdict(group, indexes, r))
                    .collect::<Vec<_>>()
            })
            // A group none of whose jobs has finished says nothing.
            .filter(|group| group.iter().any(|v| v.jobs > 0))
            .flatten()
            .collect()
    }

    /// The figures of rule number `r` at `indexes`, where finished.
    fn jobs<'a>(
        &'a self,
        r: usize,
        indexes: &'a [usize],
    ) -> impl Iterator<Item = Option<&'a Job>> + 'a {
        indexes
            .iter()
            .map(move |&i| self.figures[r].get(i).and_then(Option::as_ref))
    }

    fn verdict(&self, group: &str, indexes: &[usize], r: usize) -> RuleVerdict {
        let rules = &self.plan.grid().rule.0;
        let (rule, reference) = (rules[r], self.reference);
        let reference_index = rules.iter().position(|x| *x == reference).unwrap_or(0);
        let mine: Vec<&Job> = self.jobs(r, indexes).flatten().collect();
        let trained = mine.iter().filter(|j| j.trained).count();
        let differences: Vec<f64> = if rule == reference {
            Vec::new()
        } else {
            (self
                .jobs(r, indexes)
                .zip(self.jobs(reference_index, indexes)))
            .filter_map(|(a, b)| Some(a?.trained(a?.last)? - b?.trained(b?.last)?))
            .collect()
        };
        let count = |keep: fn(f64) -> bool| differences.iter().filter(|d| keep(**d)).count() as u64;
        let losses = |at: fn(&Job) -> f64| -> Vec<f64> {
            mine.iter().filter_map(|j| j.trained(at(j))).collect()
        };
        let epochs: Vec<f64> = mine
            .iter()
            .filter_map(|j| j.first_below_target.map(f64::from))
            .collect();
        RuleVerdict {
            group: group.to_string(),
            rule,
            jobs: mine.len() as u64,
            shape_errors: (mine.len() - trained) as u64,
            pairs: differences.len() as u64,
            worse: count(|d| d > 0.0),
            equal: count(|d| d == 0.0),
            better: count(|d| d < 0.0),
            median_difference: median(&differences),
            interval: median_ci95(&differences),
            p: wilcoxon(&differences),
            initial_loss: median(&losses(|j| j.initial)),
            final_loss: median(&losses(|j| j.last)),
            reached: epochs.len() as u64,
            median_epoch_to_target: median(&epochs),
        }
    }
}

/// The columns of `verdict.csv`, in order.
pub const VERDICT_COLUMNS: [&str; 17] = [
    "group",
    "rule",
    "reference",
    "jobs",
    "shape_errors",
    "pairs",
    "worse",
    "equal",
    "better",
    "median_difference",
    "interval_low",
    "interval_high",
    "wilcoxon_p",
    "median_initial_train_loss",
    "median_final_train_loss",
    "reached_target",
    "median_epoch_to_target",
];

/// Writes the verdict to `path` (`verdict.csv` in a results folder): one
/// row per rule and group, every digit kept.
pub fn write(path: &Path, reference: Rule, verdicts: &[RuleVerdict]) -> anyhow::Result<()> {
    write_atomic(path, |out| write_csv(out, reference, verdicts))
}

/// The verdict as CSV, as `verdict.csv` holds it.
pub fn write_csv(
    out: &mut impl Write,
    reference: Rule,
    verdicts: &[RuleVerdict],
) -> anyhow::Result<()> {
    writeln!(out, "{}", VERDICT_COLUMNS.join(","))?;
    for v in verdicts {
        writeln!(out, "{}", cells(reference, v).join(","))?;
    }
    Ok(())
}

/// A verdict's row, every digit kept: the values of [`VERDICT_COLUMNS`].
pub fn cells(reference: Rule, v: &RuleVerdict) -> [String; VERDICT_COLUMNS.len()] {
    let opt = |x: Option<f64>| x.map(float).unwrap_or_default();
    [
        v.group.clone(),
        v.rule.to_string(),
        reference.to_string(),
        v.jobs.to_string(),
        v.shape_errors.to_string(),
        v.pairs.to_string(),
        v.worse.to_string(),
        v.equal.to_string(),
        v.better.to_string(),
        opt(v.median_difference),
        opt(v.interval.map(|i| i.0)),
        opt(v.interval.map(|i| i.1)),
        opt(v.p),
        opt(v.initial_loss),
        opt(v.final_loss),
        v.reached.to_string(),
        opt(v.median_epoch_to_target),
    ]
}
