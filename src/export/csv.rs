//! The CSV files: one per job, and the aggregates built from them.
//!
//! A job file holds that job's rows of `epochs.csv`, so the aggregates are
//! always rebuilt from job files alone: whatever run (or resumed run)
//! finished a job, the aggregates come out the same.

use super::{AtomicFile, ResultsDir, ResultsError, float, write_atomic};
use crate::grid::{JobParams, PARAMETERS};
use crate::nn::metrics::Metrics;
use crate::nn::{Dims, EpochRecord, Outcome, Status};
use anyhow::{Context, bail};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Columns that name a job: its id, then its parameters.
fn param_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once("job_id").chain(PARAMETERS)
}

/// Columns of a job file and of `epochs.csv` after the parameters.
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

/// Job files read in parallel at a time while the aggregates are rebuilt:
/// enough to keep every core busy, few enough to keep memory flat.
const READ_CHUNK: usize = 256;

/// Columns of `timings.csv`.
pub const TIMING_COLUMNS: [&str; 3] = ["job_id", "seconds", "write_seconds"];

fn params(p: &JobParams) -> [String; 8] {
    [
        p.id(),
        p.rule.to_string(),
        p.activation.to_string(),
        float(p.learning_rate),
        p.seed.to_string(),
        p.batch_size.to_string(),
        p.sampling.to_string(),
        float(p.init_range),
    ]
}

fn optional(x: Option<f64>) -> String {
    x.map(float).unwrap_or_default()
}

fn epoch_header() -> Vec<&'static str> {
    param_columns().chain(EPOCH_COLUMNS).collect()
}

/// Writes `jobs/<job_id>.csv` atomically: one row per measured epoch.
pub fn write_job(
    dir: &ResultsDir,
    p: &JobParams,
    status: Status,
    rows: &[EpochRecord],
) -> anyhow::Result<()> {
    write_atomic(&dir.job_file(&p.id()), |w| {
        writeln!(w, "{}", epoch_header().join(","))?;
        // No field can hold a comma, a quote or a newline (ids, names and
        // numbers), so rows are written as they are, without quoting.
        let prefix = format!("{},{status}", params(p).join(","));
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
    })
}

/// Whether job file `path` is there and whole. Files appear whole by
/// rename, but they are not flushed to disk one by one (that would cost
/// more than a small job), so after a power failure one may be empty or
/// garbage: such a file ends in something other than a newline, and its
/// job is run again.
pub fn is_finished(path: &Path) -> bool {
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut last = [0u8];
    file.seek(io::SeekFrom::End(-1)).is_ok()
        && file.read_exact(&mut last).is_ok()
        && last[0] == b'\n'
}

/// A job file read back.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFile {
    /// The job's outcome, from its rows.
    pub status: Status,
    /// Its measurements, epoch by epoch.
    pub rows: Vec<EpochRecord>,
    /// The file's data lines, as written, for `epochs.csv`.
    pub body: String,
}

/// Reads `jobs/<job_id>.csv`; `Ok(None)` when the job has not finished.
pub fn read_job(path: &Path) -> anyhow::Result<Option<JobFile>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    };
    // Torn by a power failure (see `is_finished`): the job runs again.
    if !text.ends_with('\n') {
        return Ok(None);
    }
    parse_job(&text).with_context(|| {
        format!(
            "job file `{}` is not one this version of sweep wrote; delete it to rerun the job",
            path.display()
        )
    })
}

fn parse_job(text: &str) -> anyhow::Result<Option<JobFile>> {
    // `write_job` quotes nothing (no field can hold a comma, a quote or a
    // newline), so a line splits at its commas.
    let (header, body) = text.split_once('\n').unwrap_or((text, ""));
    if header.split(',').ne(epoch_header()) {
        bail!("its header is not `{}`", epoch_header().join(","));
    }
    let mut rows = Vec::new();
    let mut status = None;
    // The header is checked, so the epoch columns sit at fixed places after
    // the parameters, in the order of EPOCH_COLUMNS.
    let first = 1 + PARAMETERS.len();
    for (line, n) in body.lines().zip(2..) {
        let mut fields = [""; EPOCH_COLUMNS.len()];
        let mut values = line.split(',').skip(first);
        for field in &mut fields {
            *field = values
                .next()
                .with_context(|| format!("line {n} has too few fields"))?;
        }
        if values.next().is_some() {
            bail!("line {n} has too many fields");
        }
        let number = |k: usize| -> anyhow::Result<f64> {
            fields[k].parse().with_context(|| {
                format!(
                    "line {n}: `{}` is `{}`, not a number",
                    EPOCH_COLUMNS[k], fields[k]
                )
            })
        };
        // Loss and error rate of the n-th set: train, validation, test.
        let metrics = |set: usize| -> anyhow::Result<Option<Metrics>> {
            let (loss, error_rate) = (2 + 2 * set, 3 + 2 * set);
            if fields[loss].is_empty() {
                return Ok(None);
            }
            Ok(Some(Metrics {
                loss: number(loss)?,
                error_rate: number(error_rate)?,
            }))
        };
        status = Some(
            Status::from_name(fields[0])
                .with_context(|| format!("line {n}: unknown status `{}`", fields[0]))?,
        );
        rows.push(EpochRecord {
            epoch: fields[1]
                .parse()
                .with_context(|| format!("line {n}: epoch `{}` is not a count", fields[1]))?,
            train: metrics(0)?.with_context(|| format!("line {n} has no training loss"))?,
            validation: metrics(1)?,
            test: metrics(2)?,
        });
    }
    let Some(status) = status else {
        bail!("it has no rows");
    };
    Ok(Some(JobFile {
        status,
        rows,
        body: body.to_string(),
    }))
}

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
                    .check(dims, params.batch_size)
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

    fn record(&self) -> Vec<String> {
        let l = &self.last;
        params(&self.params)
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

/// A row of `summary.csv`.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// A job with an outcome, and its measurements epoch by epoch.
    Finished(&'a JobSummary, &'a [EpochRecord]),
    /// A job that failed in this run.
    Failed(&'a JobParams),
}

/// What building the aggregates found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Aggregated {
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
) -> anyhow::Result<Aggregated> {
    let mut counts = Aggregated::default();
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
    writeln!(epochs, "{}", epoch_header().join(",")).with_context(epochs_error)?;
    let mut aggregate_one = |p: JobParams, file: Option<JobFile>| -> anyhow::Result<()> {
        let Some(file) = file else {
            if let Some(why) = failed.get(&p.id()) {
                let mut row = params(&p).to_vec();
                row.extend(["failed".to_string(), why.clone()]);
                row.resize(1 + PARAMETERS.len() + SUMMARY_COLUMNS.len(), String::new());
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

/// `timings.csv`, appended to as jobs finish: wall seconds per job.
///
/// The one file that differs between runs, so the one not rebuilt in plan
/// order: each line is one `write` to a file opened for appending, so
/// resumed runs and concurrent shards add to it without tearing lines.
#[derive(Debug)]
pub struct TimingLog {
    file: Mutex<fs::File>,
}

impl TimingLog {
    /// Opens `timings.csv` for appending, writing the header if it is new.
    pub fn open(dir: &ResultsDir) -> Result<TimingLog, ResultsError> {
        let path = dir.file("timings.csv");
        let open = || fs::OpenOptions::new().append(true).open(&path);
        let file = match fs::OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut new) => new
                .write_all(format!("{}\n", TIMING_COLUMNS.join(",")).as_bytes())
                .map(|()| new),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => open(),
            Err(e) => Err(e),
        }
        .map_err(|e| ResultsError::Unwritable {
            dir: dir.root().to_path_buf(),
            reason: format!("cannot write `{}`: {e}", path.display()),
        })?;
        Ok(TimingLog {
            file: Mutex::new(file),
        })
    }

    /// Appends one job's line: its wall time, and the part of it spent
    /// writing its files.
    pub fn record(&self, job_id: &str, total: Duration, writing: Duration) -> io::Result<()> {
        let line = format!(
            "{job_id},{:.6},{:.6}\n",
            total.as_secs_f64(),
            writing.as_secs_f64()
        );
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(line.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Rule, Sampling};

    fn params() -> JobParams {
        JobParams {
            rule: Rule::Matmul,
            activation: Activation::Sigmoid,
            learning_rate: 0.1,
            seed: 3,
            batch_size: 1,
            sampling: Sampling::Random,
            init_range: 0.5,
        }
    }

    fn record(epoch: u32, train: f64, validation: f64) -> EpochRecord {
        EpochRecord {
            epoch,
            train: Metrics {
                loss: train,
                error_rate: 0.5,
            },
            validation: Some(Metrics {
                loss: validation,
                error_rate: 0.25,
            }),
            test: None,
        }
    }

    #[test]
    fn job_file_round_trips_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let results = ResultsDir::new(dir.path(), "t");
        results.create(false).unwrap();
        let rows = vec![record(0, 0.3, 0.31), record(1, 0.1 + 0.2, f64::NAN)];
        write_job(&results, &params(), Status::Diverged, &rows).unwrap();
        let file = read_job(&results.job_file(&params().id()))
            .unwrap()
            .unwrap();
        assert_eq!(file.status, Status::Diverged);
        assert_eq!(file.rows[1].train.loss.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(file.rows[1].validation.unwrap().loss.is_nan());
        assert_eq!(file.rows[0].test, None);
        assert_eq!(file.body.lines().count(), 2);
    }

    #[test]
    fn damaged_job_files_are_refused_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let results = ResultsDir::new(dir.path(), "t");
        results.create(false).unwrap();
        write_job(&results, &params(), Status::Ok, &[record(0, 0.3, 0.31)]).unwrap();
        let good = fs::read_to_string(results.job_file(&params().id())).unwrap();
        let (header, row) = good.trim_end().split_once('\n').unwrap();
        let damaged = [
            (format!("{header}\n{row},1\n"), "line 2 has too many fields"),
            (
                format!("{header}\n{}\n", row.rsplit_once(',').unwrap().0),
                "line 2 has too few fields",
            ),
            (
                format!("{header}\n{}\n", row.replace("0.31", "x")),
                "`validation_loss` is `x`",
            ),
            (
                format!("{header}\n{}\n", row.replace(",ok,", ",fine,")),
                "unknown status `fine`",
            ),
            (format!("{header}\n"), "no rows"),
            (format!("job_id\n{row}\n"), "its header is not"),
        ];
        for (text, why) in damaged {
            let err = format!("{:#}", parse_job(&text).unwrap_err());
            assert!(err.contains(why), "{err}");
        }
    }

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
            1 + PARAMETERS.len() + SUMMARY_COLUMNS.len()
        );
    }

    #[test]
    fn missing_empty_or_torn_job_file_is_not_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.csv");
        assert_eq!(read_job(&path).unwrap(), None);
        assert!(!is_finished(&path));
        for torn in [&b""[..], b"\0\0\0\0", b"job_id,rule\nx,matm"] {
            fs::write(&path, torn).unwrap();
            assert!(!is_finished(&path), "{torn:?}");
        }
        fs::write(&path, "job_id\nx\n").unwrap();
        assert!(is_finished(&path));
    }
}
