//! Rebuilding the aggregate files from the job files, shared by a run and
//! by `sweep collect`.

use crate::config::Config;
use crate::export::ResultsDir;
use crate::export::csv::{Aggregated, Row, write_aggregates};
use crate::export::curves::Curves;
use crate::export::plot::LossPlot;
use crate::grid::Plan;
use crate::nn::Dims;
use crate::output::table::RuleTable;
use std::collections::BTreeMap;

/// What rebuilding the aggregates gave.
#[derive(Debug)]
pub struct Aggregates {
    /// The end-of-run table, filled.
    pub table: RuleTable,
    /// Finished and missing jobs, or why the files could not be written.
    pub written: anyhow::Result<Aggregated>,
}

/// Writes `epochs.csv`, `summary.csv`, `curves.csv` and (unless `no_plot`)
/// `loss.svg` from the job files of `plan`; `failed` (job id → why) get a
/// row in `summary.csv`. `command` is how a person reruns the sweep, for
/// the table's reproduce line.
pub fn aggregate(
    dir: &ResultsDir,
    config: &Config,
    plan: &Plan,
    dims: Dims,
    failed: &BTreeMap<String, String>,
    no_plot: bool,
    command: String,
) -> Aggregates {
    let target = config.stop.validation_loss_below;
    let mut table = RuleTable::new(&config.grid, target, command);
    let mut curves = Curves::new(&config.grid, config.epochs);
    let mut plot = LossPlot::new(&config.name, &config.grid, config.epochs);
    let written = write_aggregates(dir, plan.jobs(), dims, target, failed, |row| {
        table.add(row);
        if let Row::Finished(s, rows) = row {
            curves.add(&s.params, s.outcome.status(), rows);
            plot.add(&s.params, s.outcome.status(), rows);
        }
    })
    .and_then(|counts| {
        curves.write(dir)?;
        if !no_plot {
            plot.write(dir)?;
        }
        Ok(counts)
    });
    Aggregates { table, written }
}
