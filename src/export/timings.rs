//! `timings.csv`: wall seconds per job, and the part of them spent writing.
//! The one export that differs between runs.

use super::write_atomic;
use crate::grid::Plan;
use crate::store::{ResultsDir, Store};
use std::io::Write;

/// Columns of `timings.csv`.
pub const TIMING_COLUMNS: [&str; 3] = ["job_id", "seconds", "write_seconds"];

/// Writes `timings.csv` from `store`, a line per finished job of `plan`.
pub fn write(dir: &ResultsDir, store: &Store, plan: &Plan) -> anyhow::Result<()> {
    write_atomic(&dir.file("timings.csv"), |w| {
        writeln!(w, "{}", TIMING_COLUMNS.join(","))?;
        store.for_each_timing(|position, seconds, writing| {
            if position < plan.cross_len() {
                let p = plan.cell(position);
                if !plan.is_excluded(&p) {
                    writeln!(w, "{},{seconds:.6},{writing:.6}", p.id())?;
                }
            }
            Ok(())
        })
    })
}
