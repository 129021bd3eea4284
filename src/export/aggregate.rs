//! `epochs.csv` and `summary.csv`, rebuilt from the job files in plan
//! order, streaming: a bounded number of job files is in memory at a time.

use super::job_file::{self, JobFile, read_job};
use super::summary::{JobSummary, SUMMARY_COLUMNS};
use super::{AtomicFile, ResultsDir, param_columns, param_values};
use crate::grid::JobParams;
use crate::nn::{Dims, EpochRecord};
use anyhow::Context;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;

/// Job files read in parallel at a time while the aggregates are rebuilt:
/// enough to keep every core busy, few enough to keep memory flat.
const READ_CHUNK: usize = 256;

/// A row of `summary.csv`.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A job with an outcome, and its measurements epoch by epoch.
    Finished(&'a JobSummary, &'a [EpochRecord]),
    /// A job that failed in this run.
    Failed(&'a JobParams),
}

/// How many jobs of the plan the aggregates hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobCounts {
    /// Jobs with a job file, now in the aggregates.
    pub finished: u64,
    /// Jobs of the plan without one.
    pub missing: u64,
}

/// Rebuilds `epochs.csv` and `summary.csv` from the job files of `jobs`, in
/// plan order, streaming: one job file is in memory at a time. A job in
/// `failed` (job id → why) that has no job file gets a `failed` row in
/// `summary.csv`. Each row is also handed to `on_row`.
pub fn write_aggregates(
    dir: &ResultsDir,
    jobs: impl Iterator<Item = JobParams>,
    dims: Dims,
    target: Option<f64>,
    failed: &BTreeMap<String, String>,
    mut on_row: impl FnMut(Row<'_>) + Send,
) -> anyhow::Result<JobCounts> {
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
    // Job files already hold epochs.csv's rows: they are copied, not re-encoded.
    let epochs = epochs_file.writer();
    writeln!(epochs, "{}", job_file::header().join(",")).with_context(epochs_error)?;
    let mut aggregate_one = |p: JobParams, file: Option<JobFile>| -> anyhow::Result<()> {
        let Some(file) = file else {
            if let Some(why) = failed.get(&p.id()) {
                let mut row = param_values(&p);
                row.extend(["failed".to_string(), why.clone()]);
                row.resize(
                    param_columns().count() + SUMMARY_COLUMNS.len(),
                    String::new(),
                );
                summary.write_record(row).with_context(summary_error)?;
                on_row(Row::Failed(&p));
            }
            counts.missing += 1;
            return Ok(());
        };
        let s = JobSummary::new(p, &file, dims, target)
            .with_context(|| format!("job file `{}`", dir.job_file(&p.id()).display()))?;
        epochs
            .write_all(file.body.as_bytes())
            .with_context(epochs_error)?;
        summary
            .write_record(s.record())
            .with_context(summary_error)?;
        on_row(Row::Finished(&s, &file.rows));
        counts.finished += 1;
        Ok(())
    };
    // Files are read and parsed in parallel, a bounded chunk at a time,
    // the next chunk while the last one is written, in plan order.
    let read = |chunk: Vec<JobParams>| {
        let files: Vec<_> = chunk
            .par_iter()
            .map(|p| read_job(&dir.job_file(&p.id())))
            .collect();
        chunk.into_iter().zip(files).collect::<Vec<_>>()
    };
    let mut jobs = jobs;
    let mut next_chunk = || jobs.by_ref().take(READ_CHUNK).collect::<Vec<_>>();
    let mut ready = read(next_chunk());
    while !ready.is_empty() {
        let upcoming = next_chunk();
        let (read_next, written) = rayon::join(
            || read(upcoming),
            || {
                ready
                    .into_iter()
                    .try_for_each(|(p, file)| aggregate_one(p, file?))
            },
        );
        written?;
        ready = read_next;
    }
    summary.flush().with_context(summary_error)?;
    drop(summary);
    epochs_file.commit()?;
    summary_file.commit()?;
    Ok(counts)
}
