//! One row of `summary.csv`: how a job ended, its last and best losses,
//! and when it first reached the target.

use super::job_file::JobFile;
use super::param_values;
use crate::grid::JobParams;
use crate::nn::{Dims, EpochRecord, Outcome, Status};
use crate::number::float;
use anyhow::Context;

/// Columns of `summary.csv` after the parameters.
pub const SUMMARY_COLUMNS: [&str; 13] = [
    "status",
    "message",
    "epochs_run",
    "final_train_loss",
    "final_validation_loss",
    "final_test_loss",
    "best_train_loss",
    "best_validation_loss",
    "best_validation_epoch",
    "first_epoch_below_target",
    "final_train_error_rate",
    "final_validation_error_rate",
    "final_test_error_rate",
];

/// One row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    /// The job.
    pub params: JobParams,
    /// How it ended.
    pub outcome: Outcome,
    /// The last measurement.
    pub last: EpochRecord,
    /// Lowest finite training loss.
    pub best_train_loss: Option<f64>,
    /// Lowest finite validation loss and its epoch.
    pub best_validation: Option<(f64, u32)>,
    /// First epoch whose validation loss was below the target.
    pub first_below_target: Option<u32>,
}

impl JobSummary {
    /// Summarises a job file; `target` is `stop.validation_loss_below`.
    pub fn new(
        params: JobParams,
        file: &JobFile,
        dims: Dims,
        target: Option<f64>,
    ) -> anyhow::Result<JobSummary> {
        let last = *file.rows.last().context("a job file with no rows")?;
        let outcome = match file.status {
            Status::Ok => Outcome::Ok,
            Status::Diverged => Outcome::Diverged { epoch: last.epoch },
            Status::EarlyStop => Outcome::EarlyStop {
                epoch: last.epoch,
                validation_loss: last
                    .validation
                    .context("early stop without validation")?
                    .loss,
                target: target.context("early stop without a target")?,
            },
            Status::ShapeError => Outcome::ShapeError(
                params
                    .rule
                    .check(dims, params.batch_size.0)
                    .err()
                    .context("a shape error for a rule that fits")?,
            ),
        };
        let finite_min = |it: &mut dyn Iterator<Item = (f64, u32)>| {
            it.filter(|(loss, _)| loss.is_finite())
                .min_by(|a, b| a.0.total_cmp(&b.0))
        };
        let val = || {
            file.rows
                .iter()
                .filter_map(|r| r.validation.map(|m| (m.loss, r.epoch)))
        };
        Ok(JobSummary {
            params,
            outcome,
            last,
            best_train_loss: finite_min(&mut file.rows.iter().map(|r| (r.train.loss, r.epoch)))
                .map(|(loss, _)| loss),
            best_validation: finite_min(&mut val()),
            first_below_target: target
                .and_then(|target| val().find(|(loss, _)| *loss < target).map(|(_, e)| e)),
        })
    }

    pub(super) fn record(&self) -> Vec<String> {
        let l = &self.last;
        param_values(&self.params)
            .into_iter()
            .chain([
                self.outcome.status().to_string(),
                self.outcome.message(),
                l.epoch.to_string(),
                float(l.train.loss),
                optional(l.validation.map(|m| m.loss)),
                optional(l.test.map(|m| m.loss)),
                optional(self.best_train_loss),
                optional(self.best_validation.map(|(loss, _)| loss)),
                self.best_validation
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_default(),
                self.first_below_target
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                float(l.train.error_rate),
                optional(l.validation.map(|m| m.error_rate)),
                optional(l.test.map(|m| m.error_rate)),
            ])
            .collect()
    }
}

fn optional(x: Option<f64>) -> String {
    x.map(float).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::job_file::tests::{params, record};
    use crate::export::param_columns;

    #[test]
    fn summary_finds_best_and_first_below_target() {
        let rows = vec![
            record(0, 0.5, 0.6),
            record(1, 0.2, 0.05),
            record(2, 0.1, 0.08),
        ];
        let file = JobFile {
            status: Status::Ok,
            rows,
            body: String::new(),
        };
        let dims = Dims {
            inputs_with_bias: 3,
            outputs: 3,
        };
        let s = JobSummary::new(params(), &file, dims, Some(0.1)).unwrap();
        assert_eq!(s.best_train_loss, Some(0.1));
        assert_eq!(s.best_validation, Some((0.05, 1)));
        assert_eq!(s.first_below_target, Some(1));
        assert_eq!(
            s.record().len(),
            param_columns().count() + SUMMARY_COLUMNS.len()
        );
    }
}
