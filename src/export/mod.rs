//! The files people open, each an export of the results database: one
//! module per file format, and the atomic write every file goes through.

pub mod aggregate;
mod atomic;
pub mod curves;
pub mod lines;
pub mod plot;
pub mod stats;
pub mod summary;
pub mod timings;
pub mod verdict;
pub mod weights;
pub mod workbook;

pub use atomic::{AtomicFile, write_atomic};

use crate::config::Key;
use crate::grid::JobParams;
use crate::store::{ResultsDir, Store};
use std::io::Write;

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

/// `text` as one field of a CSV line: in ASCII ([`crate::printable::ascii`]),
/// quoted by the csv crate when it holds a comma, a quote or a line break
/// (a class label or a column name of the user's data may).
pub fn csv_field(text: &str) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let written = out.write_field(crate::printable::ascii(text).as_bytes());
    let bytes = written
        .and_then(|()| out.flush().map_err(Into::into))
        .map(|()| out.into_inner().unwrap_or_default());
    String::from_utf8(bytes.unwrap_or_default()).unwrap_or_default()
}

/// Writes `config.toml`: the config as the database records it.
pub fn write_config(dir: &ResultsDir, store: &Store) -> anyhow::Result<()> {
    let text = store.config_text()?;
    write_atomic(&dir.file("config.toml"), |w| {
        Ok(w.write_all(text.as_bytes())?)
    })
}
