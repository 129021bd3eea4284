//! The table printed at the end of a run: per rule and activation (and
//! any axes `sweep report --by` names), how the jobs ended and how well
//! they trained, then the best cell and how to reproduce it.

use super::aligned::aligned;
use crate::config::{GridConfig, Key};
use crate::grid::JobParams;
use crate::nn::{Activation, Rule, Status};
use crate::printable;
use crate::stats::median;
use crate::store::read::JobFigures;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Tallies per rule × activation × the `by` axes, fed one row of
/// `summary.csv` at a time.
#[derive(Debug, Clone)]
pub struct RuleTable {
    target: Option<f64>,
    /// Axes that split a rule and activation's row further.
    by: Vec<Key>,
    /// The values of the `by` axes seen so far, in the order first seen:
    /// jobs come in plan order, so this is the grid's order.
    groups: Vec<Vec<String>>,
    /// How a person reruns this sweep into a fresh folder:
    /// `sweep CONFIG -o results/reproduced`.
    command: Vec<String>,
    /// The axes a reproduce line names: those with more than one value,
    /// and the seed.
    named: Vec<Key>,
    cells: BTreeMap<(Rule, Activation, usize), Tally>,
    best: Option<Best>,
}

#[derive(Debug, Clone, Default)]
struct Tally {
    by_status: BTreeMap<Status, u64>,
    failed: u64,
    final_train_loss: Vec<f64>,
    final_validation_loss: Vec<f64>,
    epochs_to_target: Vec<f64>,
}

/// The job with the lowest final validation loss (training loss without
/// a validation set); the first in plan order on a tie.
#[derive(Debug, Clone)]
struct Best {
    params: JobParams,
    loss: f64,
    on_validation: bool,
    test_error_rate: Option<f64>,
}

impl RuleTable {
    /// An empty table for `grid` with a row per rule, activation and value
    /// of the `by` axes; `target` is the target loss
    /// ([`crate::config::Config::target_loss`]) and `command` how the sweep
    /// is run (`sweep configs/grid.toml`).
    pub fn new(grid: &GridConfig, by: &[Key], target: Option<f64>, command: Vec<String>) -> Self {
        let mut named: Vec<Key> = Key::plan_order()
            .into_iter()
            .filter(|&k| k != Key::REPLICATE && grid.varies(k))
            .collect();
        named.push(Key::REPLICATE);
        let mut keys = Vec::new();
        for &k in by {
            if !matches!(k, Key::Rule | Key::Activation) && !keys.contains(&k) {
                keys.push(k);
            }
        }
        RuleTable {
            target,
            by: keys,
            groups: Vec::new(),
            command,
            named,
            cells: BTreeMap::new(),
            best: None,
        }
    }

    /// Counts a job that failed in this run.
    pub fn add_failed(&mut self, p: &JobParams) {
        self.tally(p).failed += 1;
    }

    /// The tally of `p`'s row.
    fn tally(&mut self, p: &JobParams) -> &mut Tally {
        let values: Vec<String> = self.by.iter().map(|&k| p.value(k)).collect();
        let group = match self.groups.iter().position(|g| *g == values) {
            Some(k) => k,
            None => {
                self.groups.push(values);
                self.groups.len() - 1
            }
        };
        self.cells.entry((p.rule, p.activation, group)).or_default()
    }

    /// Counts a finished job.
    pub fn add(&mut self, p: &JobParams, f: &JobFigures) {
        let tally = self.tally(p);
        *tally.by_status.entry(f.status).or_default() += 1;
        if let Some(epoch) = f.first_below_target {
            tally.epochs_to_target.push(f64::from(epoch));
        }
        // A job that never trained has no final loss worth a median or a prize.
        if !matches!(f.status, Status::Completed | Status::Stopped) {
            return;
        }
        tally.final_train_loss.extend(f.final_train_loss);
        tally.final_validation_loss.extend(f.final_validation_loss);
        let Some(loss) = f.final_validation_loss.or(f.final_train_loss) else {
            return;
        };
        if self.best.as_ref().is_none_or(|b| loss < b.loss) {
            self.best = Some(Best {
                params: *p,
                loss,
                on_validation: f.final_validation_loss.is_some(),
                test_error_rate: f.final_test_error_rate,
            });
        }
    }

    /// The table as text (no wider than 100 columns for the default grid:
    /// a status column only when some job has that status), then the best
    /// cell.
    pub fn render(&self) -> String {
        let count = |t: &Tally, s| t.by_status.get(&s).copied().unwrap_or(0);
        let statuses: Vec<Status> = Status::ALL
            .into_iter()
            .filter(|&s| self.cells.values().any(|t| count(t, s) > 0))
            .collect();
        let failed = self.cells.values().any(|t| t.failed > 0);
        let mut header = vec!["rule", "activation"];
        header.extend(self.by.iter().map(|k| k.name()));
        header.push("jobs");
        header.extend(statuses.iter().map(|s| s.name()));
        if failed {
            header.push("failed");
        }
        header.extend(["train loss", "val loss"]);
        if self.target.is_some() {
            header.push("epochs to target");
        }
        let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        for ((rule, activation, group), tally) in &self.cells {
            let mut row = vec![rule.to_string(), activation.to_string()];
            row.extend(self.groups[*group].iter().cloned());
            row.push((tally.by_status.values().sum::<u64>() + tally.failed).to_string());
            row.extend(statuses.iter().map(|&s| count(tally, s).to_string()));
            if failed {
                row.push(tally.failed.to_string());
            }
            row.push(median(&tally.final_train_loss).map_or("-".into(), short));
            row.push(median(&tally.final_validation_loss).map_or("-".into(), short));
            if self.target.is_some() {
                row.push(
                    median(&tally.epochs_to_target).map_or("never".into(), |m| format!("{m}")),
                );
            }
            rows.push(row);
        }
        let mut out = String::from(
            "jobs by outcome; final losses and epochs to target: medians over the jobs that trained\n",
        );
        out += &aligned(rows, &[0, 1]);
        if let Some(best) = &self.best {
            let p = &best.params;
            let set = if best.on_validation {
                "validation"
            } else {
                "training"
            };
            let _ = write!(
                out,
                "\nbest cell: {p}\n  final {set} loss {}",
                short(best.loss)
            );
            if let Some(rate) = best.test_error_rate {
                let _ = write!(out, ", test error rate {}", short(rate));
            }
            let mut words = self.command.clone();
            for &key in &self.named {
                words.extend(["--filter".into(), format!("{key}={}", p.value(key))]);
            }
            let _ = writeln!(
                out,
                "\nreproduce it in a fresh folder: {}",
                printable::command(&words)
            );
        }
        out
    }
}

/// A compact number for people; the CSV files keep every digit.
pub fn short(x: f64) -> String {
    if x == 0.0 || (1e-3..1e4).contains(&x.abs()) {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.071234), "0.0712");
        assert_eq!(short(0.00001234), "1.234e-5");
    }
}
