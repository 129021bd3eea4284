//! `epochs.csv`, `summary.csv` and `timings.csv`, rebuilt from the database
//! in plan order.
//!
//! The plan is cut into chunks of positions; the worker threads read and
//! format a few chunks at a time, each through its own connection, and
//! the chunks are written in order. Formatting floats is most of the work
//! (a million jobs make about 850 MB of text), so it is what runs in
//! parallel, and memory stays bounded by the chunks in flight.

use super::summary::{self, SUMMARY_COLUMNS};
use super::timings::{self, TIMING_COLUMNS};
use super::{AtomicFile, param_columns, param_values};
use crate::grid::{JobParams, Plan};
use crate::nn::{EpochRecord, Status};
use crate::printable::ascii;
use crate::store::summary::JobSummary;
use crate::store::{ResultsDir, Store};
use anyhow::Context;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

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

/// Plan positions per chunk: about 2 MB of text for jobs of 20 epochs, so
/// that the chunks in flight stay within a few tens of MB.
const CHUNK: u64 = 512;

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

/// A chunk of the plan, read and formatted.
#[derive(Debug, Default)]
struct Chunk {
    epochs: Vec<u8>,
    summary: Vec<u8>,
    timings: Vec<u8>,
    rows: Vec<Owned>,
    counts: JobCounts,
}

/// A row of `summary.csv`, owned, to hand to `on_row` in order.
#[derive(Debug)]
enum Owned {
    Finished(Box<JobSummary>, Vec<EpochRecord>),
    Failed(JobParams),
}

/// Rebuilds `epochs.csv`, `summary.csv` and `timings.csv` from `store` for the jobs of
/// `plan`, in plan order, on `pool`. A job in `failed` (job id → why) that
/// is not finished gets a `failed` row in `summary.csv`. Each row is also
/// handed to `on_row`, in order.
pub fn write_aggregates(
    dir: &ResultsDir,
    store: &Store,
    plan: &Plan,
    failed: &BTreeMap<String, String>,
    pool: &rayon::ThreadPool,
    mut on_row: impl FnMut(Row<'_>),
) -> anyhow::Result<JobCounts> {
    let cannot_write = |name: &str| format!("cannot write `{}`", dir.file(name).display());
    let mut epochs_file = AtomicFile::create(&dir.file("epochs.csv"))?;
    let mut summary_file = AtomicFile::create(&dir.file("summary.csv"))?;
    let header: Vec<&str> = param_columns().chain(EPOCH_COLUMNS).collect();
    writeln!(epochs_file.writer(), "{}", header.join(","))
        .with_context(|| cannot_write("epochs.csv"))?;
    let header: Vec<&str> = param_columns().chain(SUMMARY_COLUMNS).collect();
    writeln!(summary_file.writer(), "{}", header.join(","))
        .with_context(|| cannot_write("summary.csv"))?;
    let mut timings_file = AtomicFile::create(&dir.file("timings.csv"))?;
    writeln!(timings_file.writer(), "{}", TIMING_COLUMNS.join(","))
        .with_context(|| cannot_write("timings.csv"))?;

    let ranges: Vec<Range<u64>> = (0..plan.cross_len().div_ceil(CHUNK))
        .map(|c| c * CHUNK..((c + 1) * CHUNK).min(plan.cross_len()))
        .collect();
    let in_flight = 2 * pool.current_num_threads().max(1);
    // Each chunk reads through a connection of its own, opened here: a
    // connection is not shared between threads.
    let readers = |window: &[Range<u64>]| {
        window
            .iter()
            .map(|_| store.reader())
            .collect::<Result<Vec<_>, _>>()
    };
    let read = |window: &[Range<u64>], readers: Vec<Store>| -> Vec<anyhow::Result<Chunk>> {
        pool.install(|| {
            readers
                .into_par_iter()
                .zip(window.par_iter())
                .map(|(reader, range)| chunk(&reader, plan, range.clone(), failed))
                .collect()
        })
    };
    let mut counts = JobCounts::default();
    let mut write = |chunks: Vec<anyhow::Result<Chunk>>| -> anyhow::Result<()> {
        for chunk in chunks {
            let chunk = chunk?;
            epochs_file
                .writer()
                .write_all(&chunk.epochs)
                .with_context(|| cannot_write("epochs.csv"))?;
            summary_file
                .writer()
                .write_all(&chunk.summary)
                .with_context(|| cannot_write("summary.csv"))?;
            timings_file
                .writer()
                .write_all(&chunk.timings)
                .with_context(|| cannot_write("timings.csv"))?;
            for row in &chunk.rows {
                on_row(match row {
                    Owned::Finished(s, rows) => Row::Finished(s, rows),
                    Owned::Failed(p) => Row::Failed(p),
                });
            }
            counts.finished += chunk.counts.finished;
            counts.missing += chunk.counts.missing;
            counts.epoch_rows += chunk.counts.epoch_rows;
        }
        Ok(())
    };
    // The next window is read and formatted while this one is written.
    let mut windows = ranges.chunks(in_flight);
    let first = windows.next().unwrap_or(&[]);
    let mut ready = read(first, readers(first)?);
    for window in windows {
        let next_readers = readers(window)?;
        let (next, written) = std::thread::scope(|scope| {
            let next = scope.spawn(|| read(window, next_readers));
            let written = write(std::mem::take(&mut ready));
            (next.join(), written)
        });
        written?;
        ready = next.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    }
    write(ready)?;
    epochs_file.commit()?;
    summary_file.commit()?;
    timings_file.commit()?;
    Ok(counts)
}

/// Hands every finished job of `plan` in `store` to `on_row`, in plan
/// order, without writing a file: for a workbook of a folder that is only
/// read (`sweep report --xlsx`).
pub fn for_each_row(
    store: &Store,
    plan: &Plan,
    mut on_row: impl FnMut(Row<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let none = BTreeMap::new();
    for start in (0..plan.cross_len()).step_by(CHUNK as usize) {
        let end = (start + CHUNK).min(plan.cross_len());
        for row in chunk(store, plan, start..end, &none)?.rows {
            if let Owned::Finished(s, rows) = &row {
                on_row(Row::Finished(s, rows))?;
            }
        }
    }
    Ok(())
}

/// The lines of the plan's jobs at `positions`.
fn chunk(
    store: &Store,
    plan: &Plan,
    positions: Range<u64>,
    failed: &BTreeMap<String, String>,
) -> anyhow::Result<Chunk> {
    let recording = store.recording();
    let (dims, config) = (recording.dims, &recording.config);
    let mut c = Chunk::default();
    let mut summary = csv::Writer::from_writer(Vec::new());
    // A plan job with no rows is not finished; one that failed in this run
    // gets its row.
    let missing =
        |p: JobParams, c: &mut Chunk, summary: &mut csv::Writer<Vec<u8>>| -> anyhow::Result<()> {
            if let Some(why) = failed.get(&p.id()) {
                let mut row = param_values(&p);
                row.extend(["failed".to_string(), ascii(why).into_owned()]);
                row.resize(
                    param_columns().count() + SUMMARY_COLUMNS.len(),
                    String::new(),
                );
                summary.write_record(row)?;
                c.rows.push(Owned::Failed(p));
            }
            c.counts.missing += 1;
            Ok(())
        };
    let mut plan_jobs = positions
        .clone()
        .map(|k| (k, plan.cell(k)))
        .filter(|(_, p)| !plan.is_excluded(p))
        .peekable();
    store.for_each_timing(positions.clone(), |position, seconds, writing| {
        let p = plan.cell(position);
        if !plan.is_excluded(&p) {
            timings::write_line(&mut c.timings, &p.id(), seconds, writing)?;
        }
        Ok(())
    })?;
    store.for_each_job(positions, |position, status, rows| {
        while let Some((_, p)) = plan_jobs.next_if(|(k, _)| *k < position) {
            missing(p, &mut c, &mut summary)?;
        }
        let Some((_, p)) = plan_jobs.next_if(|(k, _)| *k == position) else {
            return Ok(()); // excluded by the config: stored, not exported
        };
        let s = JobSummary::new(p, status, rows, dims, config)
            .with_context(|| format!("job {} in `results.db`", p.id()))?;
        write_rows(&mut c.epochs, &p, status, rows)?;
        summary.write_record(summary::record(&s))?;
        c.counts.epoch_rows += rows.len() as u64;
        c.counts.finished += 1;
        c.rows.push(Owned::Finished(Box::new(s), rows.to_vec()));
        Ok(())
    })?;
    for (_, p) in plan_jobs {
        missing(p, &mut c, &mut summary)?;
    }
    c.summary = summary.into_inner().map_err(|e| e.into_error())?;
    Ok(c)
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
        for x in r.measurements() {
            match x {
                Some(x) => write!(w, ",{x:?}")?,
                None => w.write_all(b",")?,
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}
