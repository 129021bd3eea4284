//! `curves.csv`: one row per epoch, one column per group of cells that
//! differ only by seed, holding the group's mean training loss.

use super::write_atomic;
use crate::config::{Count, GridConfig, Key};
use crate::grid::JobParams;
use crate::nn::{EpochRecord, Status};
use crate::number::float;
use crate::store::ResultsDir;
use std::collections::HashMap;

/// The data set a loss is measured on, for the curves that draw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Set {
    /// The rows training steps through.
    Training,
    /// The rows held out for the target and the stop rule.
    Validation,
}

impl Set {
    /// The name a chart labels it with.
    pub fn name(self) -> &'static str {
        match self {
            Set::Training => "training",
            Set::Validation => "validation",
        }
    }

    /// The loss on this set at one epoch, when the split has the set.
    pub fn loss(self, r: &EpochRecord) -> Option<f64> {
        match self {
            Set::Training => Some(r.train.loss),
            Set::Validation => r.validation.map(|m| m.loss),
        }
    }
}

/// A job's loss on `set` at each epoch 0..=`epochs`, where it has one.
///
/// A stopped job keeps its last loss for the epochs after it stopped (its
/// weights no longer change); a diverged job has no value from the epoch
/// its loss stopped being finite; a `shape_error` job has only epoch 0.
pub fn loss_curve(
    set: Set,
    status: Status,
    rows: &[EpochRecord],
    epochs: u32,
) -> impl Iterator<Item = (u32, f64)> + '_ {
    let last = rows.last().and_then(|r| set.loss(r));
    (0..=epochs).filter_map(move |e| {
        let loss = match rows.get(e as usize) {
            Some(r) => set.loss(r)?,
            None if status == Status::Stopped => last?,
            None => return None,
        };
        loss.is_finite().then_some((e, loss))
    })
}

/// Sums of training losses per group and epoch, fed one job at a time.
#[derive(Debug, Clone)]
pub struct Curves {
    epochs: u32,
    grid: GridConfig,
    columns: HashMap<String, usize>,
    names: Vec<String>,
    sum: Vec<Vec<f64>>,
    count: Vec<Vec<u32>>,
    /// The last job's group and column: the seed varies fastest, so most
    /// jobs share their group with the job before them.
    last: Option<(JobParams, usize)>,
}

impl Curves {
    /// Empty curves for a grid whose jobs run `epochs` epochs.
    pub fn new(grid: &GridConfig, epochs: u32) -> Curves {
        Curves {
            epochs,
            grid: grid.clone(),
            columns: HashMap::new(),
            names: Vec::new(),
            sum: Vec::new(),
            count: Vec::new(),
            last: None,
        }
    }

    /// The column name of `p`'s group, `matmul/sigmoid/lr=0.1`: the axes a
    /// group name always shows, and the others the grid varies, in plan
    /// order (see [`Key::in_group_name`]).
    pub fn name(&self, p: &JobParams) -> String {
        Key::plan_order()
            .into_iter()
            .filter(|&k| k.in_group_name(self.grid.varies(k)))
            .map(|k| match k.id_prefix() {
                "" => p.value(k),
                prefix => format!("{prefix}={}", p.value(k)),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Adds one finished job.
    pub fn add(&mut self, p: &JobParams, status: Status, rows: &[EpochRecord]) {
        let group = JobParams {
            seed: Count(0),
            ..*p
        };
        let col = match self.last {
            Some((last, col)) if last == group => col,
            _ => {
                let name = self.name(p);
                let width = self.epochs as usize + 1;
                let next = self.names.len();
                let col = *self.columns.entry(name.clone()).or_insert(next);
                if col == next {
                    self.names.push(name);
                    self.sum.push(vec![0.0; width]);
                    self.count.push(vec![0; width]);
                }
                self.last = Some((group, col));
                col
            }
        };
        for (e, loss) in loss_curve(Set::Training, status, rows, self.epochs) {
            self.sum[col][e as usize] += loss;
            self.count[col][e as usize] += 1;
        }
    }

    /// Writes `curves.csv`; a cell no job of its group reached is empty.
    pub fn write(&self, dir: &ResultsDir) -> anyhow::Result<()> {
        write_atomic(&dir.file("curves.csv"), |w| {
            let mut out = csv::Writer::from_writer(w);
            out.write_record(
                std::iter::once("epoch").chain(self.names.iter().map(String::as_str)),
            )?;
            for e in 0..=self.epochs as usize {
                let means = (0..self.names.len()).map(|c| match self.count[c][e] {
                    0 => String::new(),
                    n => float(self.sum[c][e] / f64::from(n)),
                });
                out.write_record(std::iter::once(e.to_string()).chain(means))?;
            }
            Ok(out.flush()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::metrics::Metrics;

    fn rows(losses: &[f64]) -> Vec<EpochRecord> {
        losses
            .iter()
            .enumerate()
            .map(|(e, &loss)| EpochRecord {
                epoch: e as u32,
                train: Metrics {
                    loss,
                    error_rate: 0.0,
                },
                validation: None,
                test: None,
            })
            .collect()
    }

    #[test]
    fn stopped_carries_forward_divergence_does_not() {
        let stopped: Vec<_> =
            loss_curve(Set::Training, Status::Stopped, &rows(&[0.5, 0.2]), 3).collect();
        assert_eq!(stopped, [(0, 0.5), (1, 0.2), (2, 0.2), (3, 0.2)]);
        let diverged: Vec<_> = loss_curve(
            Set::Training,
            Status::Diverged,
            &rows(&[0.5, f64::INFINITY]),
            3,
        )
        .collect();
        assert_eq!(diverged, [(0, 0.5)]);
        let shape: Vec<_> =
            loss_curve(Set::Training, Status::ShapeError, &rows(&[0.5]), 3).collect();
        assert_eq!(shape, [(0, 0.5)]);
    }
}
