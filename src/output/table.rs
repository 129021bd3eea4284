//! The table printed at the end of a run: per rule, how its jobs ended and
//! how well they trained.

use crate::export::csv::{JobSummary, Row};
use crate::nn::{Rule, Status};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Per-rule tallies, fed one job summary at a time.
#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    target: Option<f64>,
    rules: BTreeMap<Rule, Tally>,
}

#[derive(Debug, Clone, Default)]
struct Tally {
    by_status: BTreeMap<Status, u64>,
    failed: u64,
    final_train_loss: Vec<f64>,
    epochs_to_target: Vec<f64>,
}

impl RuleTable {
    /// An empty table; `target` is `stop.validation_loss_below`.
    pub fn new(target: Option<f64>) -> Self {
        RuleTable {
            target,
            rules: BTreeMap::new(),
        }
    }

    /// Counts one row of `summary.csv`.
    pub fn add(&mut self, row: Row<'_>) {
        match row {
            Row::Finished(s) => self.add_finished(s),
            Row::Failed(p) => self.rules.entry(p.rule).or_default().failed += 1,
        }
    }

    fn add_finished(&mut self, s: &JobSummary) {
        let tally = self.rules.entry(s.params.rule).or_default();
        let status = s.outcome.status();
        *tally.by_status.entry(status).or_default() += 1;
        // A job that never trained has no final loss worth a median.
        if matches!(status, Status::Ok | Status::EarlyStop) && s.last.train.loss.is_finite() {
            tally.final_train_loss.push(s.last.train.loss);
        }
        if let Some(epoch) = s.first_below_target {
            tally.epochs_to_target.push(f64::from(epoch));
        }
    }

    /// The table as text, one line per rule.
    pub fn render(&self) -> String {
        let mut header = vec!["rule", "jobs"];
        header.extend(Status::ALL.map(Status::name));
        header.push("failed");
        header.push("median final train loss");
        if self.target.is_some() {
            header.push("median epochs to target");
        }
        let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
        for (rule, tally) in &self.rules {
            let mut row = vec![
                rule.to_string(),
                (tally.by_status.values().sum::<u64>() + tally.failed).to_string(),
            ];
            row.extend(
                Status::ALL.map(|s| tally.by_status.get(&s).copied().unwrap_or(0).to_string()),
            );
            row.push(tally.failed.to_string());
            row.push(median(&tally.final_train_loss).map_or("-".into(), short));
            if self.target.is_some() {
                row.push(
                    median(&tally.epochs_to_target).map_or("never".into(), |m| format!("{m}")),
                );
            }
            rows.push(row);
        }
        aligned(rows, &[0])
    }
}

/// Rows as text in aligned columns: the columns numbered in `left`
/// left-aligned (text), the others right-aligned (numbers).
pub fn aligned(rows: Vec<Vec<String>>, left: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            let gap = if c == 0 { "" } else { "  " };
            if left.contains(&c) {
                let _ = write!(out, "{gap}{cell}{pad}");
            } else {
                let _ = write!(out, "{gap}{pad}{cell}");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// A compact number for people; the CSV files keep every digit.
fn short(x: f64) -> String {
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
    fn median_of_odd_and_even() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.071234), "0.0712");
        assert_eq!(short(0.00001234), "1.234e-5");
    }
}
