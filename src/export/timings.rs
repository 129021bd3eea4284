//! `timings.csv`: each job's wall seconds, and its share of the time its
//! batch took to commit. The one export that differs between runs; written
//! with `epochs.csv` and `summary.csv`, by the aggregate module.

use std::io::{self, Write};

/// Columns of `timings.csv`.
pub const TIMING_COLUMNS: [&str; 3] = ["job_id", "seconds", "write_seconds"];

/// One job's line.
pub fn write_line(w: &mut impl Write, job_id: &str, seconds: f64, writing: f64) -> io::Result<()> {
    writeln!(w, "{job_id},{seconds:.6},{writing:.6}")
}
