//! The verdict: each rule against a reference rule, over the pairs of jobs
//! that differ only in their rule, and `verdict.csv`.
//!
//! Jobs that differ only in the rule share their initial weights and their
//! sample order (both come from the seed), so the difference of their
//! final training losses measures the rule and nothing else. The median of
//! those differences, its 95% interval and Wilcoxon's signed-rank test
//! ([`crate::stats`]) say whether a rule trains worse, and how surely.

use super::atomic::write_atomic;
use crate::config::{GridConfig, JobParams, Key};
use crate::nn::{Rule, Status};
use crate::number::float;
use crate::stats::{median, median_ci95, wilcoxon};
use crate::store::ResultsDir;
use crate::store::read::JobFigures;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

/// The figures of every finished job, by group (the values of the `by`
/// axes), by the job's other parameters (what pairs a job with its
/// reference job), by rule.
#[derive(Debug, Clone)]
pub struct Pairs {
    reference: Rule,
    rules: Vec<Rule>,
    by: Vec<Key>,
    jobs: BTreeMap<String, BTreeMap<String, BTreeMap<Rule, JobFigures>>>,
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
    /// Pairs with a finite final training loss on both sides.
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
    /// No jobs yet, for `grid`, with a verdict per group of the axes `by`
    /// (none: one for the whole grid); each rule is compared with
    /// `matmul`, or with the grid's first rule when it has no `matmul`.
    pub fn new(grid: &GridConfig, by: &[Key]) -> Self {
        let rules = grid.rule.0.clone();
        let reference = if rules.contains(&Rule::Matmul) {
            Rule::Matmul
        } else {
            rules[0]
        };
        Pairs {
            reference,
            rules,
            by: by.iter().copied().filter(|&k| k != Key::Rule).collect(),
            jobs: BTreeMap::new(),
        }
    }

    /// The rule the others are compared with.
    pub fn reference(&self) -> Rule {
        self.reference
    }

    /// Notes a finished job.
    pub fn add(&mut self, p: &JobParams, f: &JobFigures) {
        let key = JobParams {
            rule: self.reference,
            ..*p
        }
        .id();
        let group = (self.by.iter())
            .map(|&k| format!("{k}={}", p.value(k)))
            .collect::<Vec<_>>()
            .join(" ");
        let pairs = self.jobs.entry(group).or_default();
        pairs.entry(key).or_default().insert(p.rule, *f);
    }

    /// The verdict of every rule in every group, the reference's own (its
    /// losses and target, no pairs) included, in the grid's order.
    pub fn verdicts(&self) -> Vec<RuleVerdict> {
        (self.jobs.iter())
            .flat_map(|(group, jobs)| {
                (self.rules.iter()).map(move |&rule| self.verdict(group, jobs, rule))
            })
            .collect()
    }

    fn verdict(
        &self,
        group: &str,
        jobs: &BTreeMap<String, BTreeMap<Rule, JobFigures>>,
        rule: Rule,
    ) -> RuleVerdict {
        let mine: Vec<&JobFigures> = jobs.values().filter_map(|j| j.get(&rule)).collect();
        let trained: Vec<&&JobFigures> = mine
            .iter()
            .filter(|f| f.status != Status::ShapeError)
            .collect();
        let differences: Vec<f64> = if rule == self.reference {
            Vec::new()
        } else {
            jobs.values()
                .filter_map(|j| {
                    let (a, b) = (j.get(&rule)?, j.get(&self.reference)?);
                    Some(a.final_train_loss? - b.final_train_loss?)
                })
                .collect()
        };
        let count = |keep: fn(f64) -> bool| differences.iter().filter(|d| keep(**d)).count() as u64;
        let epochs: Vec<f64> = mine
            .iter()
            .filter_map(|f| f.first_below_target.map(f64::from))
            .collect();
        RuleVerdict {
            group: group.to_string(),
            rule,
            jobs: mine.len() as u64,
            shape_errors: (mine.len() - trained.len()) as u64,
            pairs: differences.len() as u64,
            worse: count(|d| d > 0.0),
            equal: count(|d| d == 0.0),
            better: count(|d| d < 0.0),
            median_difference: median(&differences),
            interval: median_ci95(&differences),
            p: wilcoxon(&differences),
            initial_loss: median(
                &trained
                    .iter()
                    .filter_map(|f| f.initial_train_loss)
                    .collect::<Vec<_>>(),
            ),
            final_loss: median(
                &trained
                    .iter()
                    .filter_map(|f| f.final_train_loss)
                    .collect::<Vec<_>>(),
            ),
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

/// Writes `verdict.csv`: one row per rule, every digit kept.
pub fn write(dir: &ResultsDir, reference: Rule, verdicts: &[RuleVerdict]) -> anyhow::Result<()> {
    write_atomic(&dir.file("verdict.csv"), |out| {
        write_csv(out, reference, verdicts)
    })
}

/// The verdict as CSV, as `verdict.csv` holds it.
pub fn write_csv(
    out: &mut impl Write,
    reference: Rule,
    verdicts: &[RuleVerdict],
) -> anyhow::Result<()> {
    let opt = |x: Option<f64>| x.map(float).unwrap_or_default();
    {
        writeln!(out, "{}", VERDICT_COLUMNS.join(","))?;
        for v in verdicts {
            let cells = [
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
            ];
            writeln!(out, "{}", cells.join(","))?;
        }
        Ok(())
    }
}
