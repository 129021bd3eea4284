//! One module per subcommand; `main` picks one. What they share: loading a
//! config with its data and plan, and rebuilding a folder's exports.

pub mod collect;
pub mod gradcheck;
pub mod run;

use crate::config::Config;
use crate::data;
use crate::export::ResultsDir;
use crate::export::aggregate::{JobCounts, Row, write_aggregates};
use crate::export::curves::Curves;
use crate::export::plot::LossPlot;
use crate::grid::Plan;
use crate::nn::Dims;
use crate::output::rule_table::RuleTable;
use crate::runner::Loaded;
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the config at `path` (the built-in grid when `None`), its data
/// (relative paths start from the config's folder) and its plan.
pub fn load(path: Option<&Path>) -> anyhow::Result<Loaded> {
    let origin = path.map_or("built-in default grid".into(), |p| p.display().to_string());
    let config = Config::load(path)?;
    let base_dir = path.and_then(Path::parent).unwrap_or(".".as_ref());
    let data = data::load(&config.data, config.bias, base_dir)?;
    let plan = Plan::new(&config.grid).with_context(|| origin.clone())?;
    for k in plan.unused_excludes() {
        eprintln!("sweep: warning: grid.exclude[{k}] matches no cell of the grid");
    }
    Ok(Loaded {
        config,
        origin,
        data,
        plan,
    })
}

/// What rebuilding a folder's exports gave.
#[derive(Debug)]
pub struct Rebuilt {
    /// The end-of-run table, filled.
    pub table: RuleTable,
    /// Finished and missing jobs, or why the files could not be written.
    pub counts: anyhow::Result<JobCounts>,
}

/// Writes `epochs.csv`, `summary.csv`, `curves.csv` and (unless `no_plot`)
/// `loss.svg` from the job files of `plan`; `failed` (job id → why) get a
/// row in `summary.csv`. `command` is how a person reruns the sweep, for
/// the table's reproduce line. Shared by a run and by `sweep collect`.
pub fn rebuild(
    dir: &ResultsDir,
    config: &Config,
    plan: &Plan,
    dims: Dims,
    failed: &BTreeMap<String, String>,
    no_plot: bool,
    command: String,
) -> Rebuilt {
    let target = config.stop.validation_loss_below;
    let mut table = RuleTable::new(&config.grid, target, command);
    let mut curves = Curves::new(&config.grid, config.epochs);
    let mut plot = LossPlot::new(&config.name, &config.grid, config.epochs);
    let counts = write_aggregates(dir, plan.jobs(), dims, target, failed, |row| {
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
    Rebuilt { table, counts }
}
