//! `epochs.csv` and `summary.csv`, rebuilt from the database in plan order,
//! streaming: one job's rows are in memory at a time.

use super::summary::{self, SUMMARY_COLUMNS};
use super::{AtomicFile, param_columns, param_values};
use crate::grid::{JobParams, Plan};
use crate::nn::{EpochRecord, Status};
use crate::store::summary::JobSummary;
use crate::store::{ResultsDir, Store};
use anyhow::Context;
use std::collections::BTreeMap;
use std::io::Write;

/// Columns of `epochs.csv` after the parameters.
pub const EPOCH_COLUMNS: [&str; 8] = [
    "status",
    "epoch",
    "train_loss",
    "train_error_rate",
    "validation_loss",
    "validation_error_rate",
    "test_loss",
    "test_error_rate",
];

/// The most rows a sheet of Excel or LibreOffice holds.
pub const SPREADSHEET_ROWS: u64 = 1_048_576;

/// A row of `summary.csv`.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A job with an outcome, and its measurements epoch by epoch.
    Finished(&'a JobSummary, &'a [EpochRecord]),
    /// A job that failed in this run.
    Failed(&'a JobParams),
}

/// How many jobs of the plan the exports hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobCounts {
    /// Jobs finished, now in the exports.
    pub finished: u64,
    /// Jobs of the plan not finished.
    pub missing: u64,
    /// Lines of `epochs.csv` after its header.
    pub epoch_rows: u64,
}

/// Rebuilds `epochs.csv` and `summary.csv` from `store` for the jobs of
/// `plan`, in plan order. A job in `failed` (job id → why) that is not
/// finished gets a `failed` row in `summary.csv`. Each row is also handed
/// to `on_row`.
pub fn write_aggregates(
    dir: &ResultsDir,
    store: &Store,
    plan: &Plan,
    failed: &BTreeMap<String, String>,
    mut on_row: impl FnMut(Row<'_>),
) -> anyhow::Result<JobCounts> {
    let recording = store.recording();
    let (dims, target) = (recording.dims, recording.config.stop.validation_loss_below);
    let mut counts = JobCounts::default();
    let cannot_write = |name: &str| format!("cannot write `{}`", dir.file(name).display());
    let epochs_error = || cannot_write("epochs.csv");
    let summary_error = || cannot_write("summary.csv");
    let mut epochs_file = AtomicFile::create(&dir.file("epochs.csv"))?;
    let mut summary_file = AtomicFile::create(&dir.file("summary.csv"))?;
    let mut summary = csv::Writer::from_writer(summary_file.writer());
    summary
        .write_record(param_columns().chain(SUMMARY_COLUMNS))
        .with_context(summary_error)?;
    let epochs = epochs_file.writer();
    let header: Vec<&str> = param_columns().chain(EPOCH_COLUMNS).collect();
    writeln!(epochs, "{}", header.join(",")).with_context(epochs_error)?;

    // A plan job with no rows is not finished; one that failed in this run
    // gets its row.
    let missing = |p: &JobParams,
                   summary: &mut csv::Writer<_>,
                   on_row: &mut dyn FnMut(Row<'_>),
                   counts: &mut JobCounts|
     -> anyhow::Result<()> {
        if let Some(why) = failed.get(&p.id()) {
            let mut row = param_values(p);
            row.extend(["failed".to_string(), why.clone()]);
            row.resize(
                param_columns().count() + SUMMARY_COLUMNS.len(),
                String::new(),
            );
            summary.write_record(row).with_context(summary_error)?;
            on_row(Row::Failed(p));
        }
        counts.missing += 1;
        Ok(())
    };
    let mut plan_jobs = plan.positioned_jobs().peekable();
    store.for_each_job(|position, status, rows| {
        // Plan jobs before this one have no rows: not finished.
        while let Some((_, p)) = plan_jobs.next_if(|(k, _)| *k < position) {
            missing(&p, &mut summary, &mut on_row, &mut counts)?;
        }
        let Some((_, p)) = plan_jobs.next_if(|(k, _)| *k == position) else {
            return Ok(()); // excluded by the config: stored, not exported
        };
        let s = JobSummary::new(p, status, rows, dims, target)
            .with_context(|| format!("job {} in `results.db`", p.id()))?;
        write_rows(epochs, &p, status, rows).with_context(epochs_error)?;
        counts.epoch_rows += rows.len() as u64;
        summary
            .write_record(summary::record(&s))
            .with_context(summary_error)?;
        on_row(Row::Finished(&s, rows));
        counts.finished += 1;
        Ok(())
    })?;
    for (_, p) in plan_jobs {
        missing(&p, &mut summary, &mut on_row, &mut counts)?;
    }
    summary.flush().with_context(summary_error)?;
    drop(summary);
    epochs_file.commit()?;
    summary_file.commit()?;
    Ok(counts)
}

/// A job's lines of `epochs.csv`.
fn write_rows(
    w: &mut impl Write,
    p: &JobParams,
    status: Status,
    rows: &[EpochRecord],
) -> std::io::Result<()> {
    // No field can hold a comma, a quote or a newline (ids, names and
    // numbers), so rows are written as they are, without quoting.
    let prefix = format!("{},{status}", param_values(p).join(","));
    for r in rows {
        write!(w, "{prefix},{}", r.epoch)?;
        let (v, t) = (r.validation, r.test);
        for x in [
            Some(r.train.loss),
            Some(r.train.error_rate),
            v.map(|m| m.loss),
            v.map(|m| m.error_rate),
            t.map(|m| m.loss),
            t.map(|m| m.error_rate),
        ] {
            match x {
                Some(x) => write!(w, ",{x:?}")?,
                None => w.write_all(b",")?,
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}
