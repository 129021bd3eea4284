//! One module per subcommand; `main` picks one. What they share: loading a
//! config with its data and plan, and rebuilding a folder's exports.

pub mod collect;
mod freshness;
pub mod gradcheck;
pub mod report;
pub mod run;

use crate::config::{Config, ConfigSource};
use crate::data;
use crate::export;
use crate::export::aggregate::{JobCounts, Row, SPREADSHEET_ROWS, write_aggregates};
use crate::export::curves::Curves;
use crate::export::lines::Lines;
use crate::export::plot::LossPlot;
use crate::export::stats::StatsFile;
use crate::export::verdict::{self, Pairs, RuleVerdict};
use crate::export::workbook::{VerdictSheet, WorkbookFile};
use crate::grid::Plan;
use crate::nn::Rule;
use crate::output::rule_table::RuleTable;
use crate::output::verdict::{Step, Steps, render as render_verdict, sentences};
use crate::printable;
use crate::runner::Loaded;
use crate::store::folder::EXPORTS;
use crate::store::{ResultsDir, Store};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads the config at `path` (the built-in grid when `None`), its data
/// (relative paths start from the config's folder) and its plan.
pub fn load(path: Option<&Path>) -> anyhow::Result<Loaded> {
    let source = ConfigSource::open(path)?;
    let config = Config::from_source(&source)?;
    let base_dir = path.and_then(Path::parent).unwrap_or(".".as_ref());
    let data =
        data::load(&config.data, config.bias.0, base_dir).map_err(|e| match e.config_key() {
            Some(key) => anyhow::Error::new(source.error(&key, e.to_string())),
            None => e.into(),
        })?;
    let plan = Plan::new(&config.grid)?;
    for k in plan.unused_excludes() {
        eprintln!("sweep: warning: grid.exclude[{k}] matches no cell of the grid");
    }
    Ok(Loaded {
        config,
        source,
        data,
        plan,
    })
}

/// What rebuilding a folder's exports gave.
#[derive(Debug)]
pub struct Rebuilt {
    /// The end-of-run table, filled.
    pub table: RuleTable,
    /// Every finished job's figures, paired by rule for the verdict.
    pub pairs: Pairs,
    /// Finished and missing jobs, or why the files could not be written.
    pub counts: anyhow::Result<JobCounts>,
}

impl Rebuilt {
    /// The end table, then the verdict with each rule's `steps`: what a run
    /// and `sweep collect` print.
    pub fn render(&self, steps: &Steps) -> String {
        let (reference, verdicts) = (self.pairs.reference(), self.pairs.verdicts());
        format!(
            "{}\n{}",
            self.table.render(),
            render_verdict(reference, &verdicts, steps)
        )
    }
}

/// Writes every export from `store` for the jobs of `plan`: `config.toml`,
/// `epochs.csv`, `summary.csv`, `curves.csv`, `timings.csv`, `loss.svg`
/// (unless `no_plot`) and `weights.csv` (with `output.weights`); `failed`
/// (job id → why) get a row in `summary.csv`. Exports already written from
/// the same database contents and untouched since are kept: the table is
/// then read from the database's figures. `command` is how a person reruns
/// the sweep, for the table's reproduce line; `pool` formats the big
/// files. Shared by a run and by `sweep collect`.
pub fn rebuild(
    dir: &ResultsDir,
    store: &Store,
    plan: &Plan,
    failed: &BTreeMap<String, String>,
    no_plot: bool,
    command: Vec<String>,
    pool: &rayon::ThreadPool,
) -> Rebuilt {
    let recording = store.recording();
    let config = &recording.config;
    let target = config.target_loss();
    let mut table = RuleTable::new(&config.grid, &[], target, command);
    let mut pairs = Pairs::new(plan, &[], None);
    let exports = export_names(config, no_plot);
    let counts = (|| -> anyhow::Result<JobCounts> {
        if failed.is_empty() && freshness::is_fresh(dir, store, &exports)? {
            return table_from_figures(store, plan, false, &mut table, &mut pairs);
        }
        let mut curves = Curves::new(&config.grid, config.epoch_count());
        let mut lines = Lines::new(&config.grid, config.epoch_count());
        let mut stats = StatsFile::create(dir)?;
        let mut stats_error = Ok(());
        let mut workbook = match config.output.workbook {
            true => Some(WorkbookFile::new(
                plan.cross_len(),
                config.epoch_count(),
                dir.root(),
            )?),
            false => None,
        };
        let mut workbook_error = Ok(());
        let counts = write_aggregates(dir, store, plan, failed, pool, |row| {
            if let Some(book) = workbook.as_mut()
                && workbook_error.is_ok()
            {
                workbook_error = book.add(row);
            }
            match row {
                Row::Finished(s, rows) => {
                    let figures = s.figures();
                    table.add(&s.params, &figures);
                    pairs.add(&s.params, &figures);
                    if stats_error.is_ok() {
                        stats_error = stats.add(&s.params, rows);
                    }
                    curves.add(&s.params, s.outcome.status(), rows);
                    lines.add(&s.params, s.outcome.status(), rows);
                }
                Row::Failed(p) => table.add_failed(p),
            }
        })?;
        stats_error?;
        workbook_error?;
        stats.finish()?;
        curves.write(dir)?;
        let (reference, verdicts) = (pairs.reference(), pairs.verdicts());
        verdict::write(&dir.file("verdict.csv"), reference, &verdicts)?;
        if let Some(book) = workbook {
            let steps = Step::parse(&store.meta("steps")?.unwrap_or_default());
            let sheet = verdict_sheet(config, reference, &verdicts, &steps);
            book.finish(&dir.file("results.xlsx"), &lines, &sheet)?;
        }
        if !no_plot {
            let plot = LossPlot {
                name: &config.name,
                lines: &lines,
                target,
            };
            plot.write(dir)?;
        }
        export::write_config(dir, store)?;
        if config.output.weights {
            export::weights::write(dir, store, plan, &recording.inputs, &recording.outputs)?;
        }
        if counts.epoch_rows > SPREADSHEET_ROWS {
            eprintln!(
                "sweep: note: epochs.csv has {} rows, more than a spreadsheet shows ({SPREADSHEET_ROWS}); \
                 open curves.csv or summary.csv there, or query results.db",
                counts.epoch_rows
            );
        }
        freshness::record(dir, store, &exports)?;
        Ok(counts)
    })();
    Rebuilt {
        table,
        pairs,
        counts,
    }
}

/// The note of a run or a collect whose folder holds `jobs` finished jobs
/// of cells its config no longer names.
fn elsewhere_note(dir: &ResultsDir, jobs: u64) -> String {
    let report = [
        "sweep",
        "report",
        &dir.root().display().to_string(),
        "--all",
    ];
    format!(
        "sweep: {} of cells this config no longer names stay stored; `{}` includes them",
        printable::count(jobs, "finished job"),
        printable::command(&report)
    )
}

/// The workbook's first sheet: the verdict with the rules' steps and the
/// report's sentences.
pub fn verdict_sheet<'a>(
    config: &'a Config,
    reference: Rule,
    verdicts: &'a [RuleVerdict],
    steps: &Steps,
) -> VerdictSheet<'a> {
    VerdictSheet {
        name: &config.name,
        reference,
        verdicts,
        steps: steps.iter().map(|(&r, step)| (r, step.cell())).collect(),
        sentences: sentences(reference, verdicts, steps),
        target: config.target_loss(),
    }
}

/// The exports a rebuild writes: all of them, but the plot with
/// `--no-plot` and the weights unless the config keeps them.
fn export_names(config: &Config, no_plot: bool) -> Vec<&'static str> {
    EXPORTS
        .into_iter()
        .filter(|&name| match name {
            "loss.svg" => !no_plot,
            "weights.csv" => config.output.weights,
            "results.xlsx" => config.output.workbook,
            _ => true,
        })
        .collect()
}

/// The end table and the verdict's pairs from the database's figures of
/// the jobs of `plan` (the recorded one), and with `all` those of cells it
/// no longer has: when the exports are fresh, and for `sweep report`. The
/// counts are of `plan`'s jobs.
pub fn table_from_figures(
    store: &Store,
    plan: &Plan,
    all: bool,
    table: &mut RuleTable,
    pairs: &mut Pairs,
) -> anyhow::Result<JobCounts> {
    let mut counts = JobCounts::default();
    store.for_each_figures(|position, p, figures| {
        let ours = position < plan.cross_len();
        if ours || all {
            table.add(&p, &figures);
            pairs.add(&p, &figures);
        }
        counts.finished += u64::from(ours);
    })?;
    counts.missing = plan.jobs().count() as u64 - counts.finished;
    Ok(counts)
}
