//! `timings.csv`: wall seconds per job, appended to as jobs finish.

use super::{ResultsDir, ResultsError};
use std::fs;
use std::io::{self, Write};
use std::sync::Mutex;
use std::time::Duration;

/// Columns of `timings.csv`.
pub const TIMING_COLUMNS: [&str; 3] = ["job_id", "seconds", "write_seconds"];

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
