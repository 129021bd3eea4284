//! Job files, `jobs/<job_id>.csv`: one job's rows of `epochs.csv`, written
//! whole or not at all. A job is finished exactly when its file is there
//! and whole, so the aggregates are always rebuilt from job files alone.

use super::{ResultsDir, param_columns, param_values, write_atomic};
use crate::grid::JobParams;
use crate::nn::metrics::Metrics;
use crate::nn::{EpochRecord, Status};
use anyhow::{Context, bail};
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

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

/// The header of a job file and of `epochs.csv`.
pub fn header() -> Vec<&'static str> {
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
        writeln!(w, "{}", header().join(","))?;
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
    let (first_line, body) = text.split_once('\n').unwrap_or((text, ""));
    if first_line.split(',').ne(header()) {
        bail!("its header is not `{}`", header().join(","));
    }
    let mut rows = Vec::new();
    let mut status = None;
    // The header is checked, so the epoch columns sit at fixed places after
    // the parameters, in the order of EPOCH_COLUMNS.
    let first = param_columns().count();
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::config::{BatchSize, InitRange, LearningRate};
    use crate::nn::{Activation, Rule, Sampling};

    pub fn params() -> JobParams {
        JobParams {
            rule: Rule::Matmul,
            activation: Activation::Sigmoid,
            learning_rate: LearningRate(0.1),
            seed: 3,
            batch_size: BatchSize(1),
            sampling: Sampling::Random,
            init_range: InitRange(0.5),
        }
    }

    pub fn record(epoch: u32, train: f64, validation: f64) -> EpochRecord {
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
