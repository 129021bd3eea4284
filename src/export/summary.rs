//! One row of `summary.csv`: how a job ended, its last and best losses,
//! and when it first reached the target.

use super::param_values;
use crate::number::float;
use crate::printable::ascii;
use crate::store::summary::JobSummary;

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

/// The row of `summary.csv` for `s`.
pub fn record(s: &JobSummary) -> Vec<String> {
    let l = &s.last;
    param_values(&s.params)
        .into_iter()
        .chain([
            s.outcome.status().to_string(),
            ascii(&s.outcome.message()).into_owned(),
            l.epoch.to_string(),
            float(l.train.loss),
            optional(l.validation.map(|m| m.loss)),
            optional(l.test.map(|m| m.loss)),
            optional(s.best_train_loss),
            optional(s.best_validation.map(|(loss, _)| loss)),
            s.best_validation
                .map(|(_, e)| e.to_string())
                .unwrap_or_default(),
            s.first_below_target
                .map(|e| e.to_string())
                .unwrap_or_default(),
            float(l.train.error_rate),
            optional(l.validation.map(|m| m.error_rate)),
            optional(l.test.map(|m| m.error_rate)),
        ])
        .collect()
}

fn optional(x: Option<f64>) -> String {
    x.map(float).unwrap_or_default()
}
