//! Results on disk: the folder layout, one module per file format, and the
//! atomic write every file goes through.

pub mod aggregate;
mod atomic;
pub mod curves;
pub mod job_file;
pub mod plot;
pub mod recorded;
mod results_dir;
pub mod summary;
pub mod timings;
pub mod weights;

pub use atomic::{AtomicFile, write_atomic};
pub use results_dir::{AGGREGATE_FILES, ResultsDir, ResultsError};

use crate::config::Key;
use crate::grid::JobParams;

/// Columns that name a job in `epochs.csv` and `summary.csv`: its id, then
/// every axis.
pub fn param_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once("job_id").chain(Key::NAMES)
}

/// The values of [`param_columns`] for job `p`.
pub fn param_values(p: &JobParams) -> Vec<String> {
    std::iter::once(p.id())
        .chain(Key::ALL.map(|k| p.value(k)))
        .collect()
}
