//! A data set that cannot be used: what is wrong, where, and what to change.

use crate::config::data::BUILT_IN;
use std::path::PathBuf;

/// A data set that cannot be used, with what to change.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// `source` is neither built in nor an existing file.
    #[error(
        "unknown data source `{name}`{hint}; expected a built-in data set \
         ({}) or the path of a CSV file",
        BUILT_IN.join(", ")
    )]
    UnknownSource {
        /// What the config said.
        name: String,
        /// A "did you mean" hint, or empty.
        hint: String,
    },
    /// The data file could not be read.
    #[error("cannot read data file `{}`: {error} (relative paths start from the config file's folder)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The CSV is malformed.
    #[error("{origin}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        /// Where the data came from.
        origin: String,
        /// The line, when the CSV reader knows it.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// Two columns with one name.
    #[error(
        "{origin}: `{name}` names columns {first} and {again}; give every column its own \
         name in the header, or use header = false and name columns by index"
    )]
    DuplicateColumn {
        /// Where the data came from.
        origin: String,
        /// The name.
        name: String,
        /// The first column with it, from 0.
        first: usize,
        /// The next.
        again: usize,
    },
    /// A header but no rows.
    #[error("{origin}: the file has no data rows")]
    Empty {
        /// Where the data came from.
        origin: String,
    },
    /// A column named in the config is not in the file.
    #[error("{origin} has no column `{name}`{hint}; its columns are: {available}")]
    UnknownColumn {
        /// Where the data came from.
        origin: String,
        /// The config key that named it: `data.inputs[1]` or `data.target`.
        key: String,
        /// The name asked for.
        name: String,
        /// A "did you mean" hint, or empty.
        hint: String,
        /// The file's columns.
        available: String,
    },
    /// A column index past the last column.
    #[error("column index {index} is out of range: {origin} has {columns} columns, 0 to {}", columns - 1)]
    ColumnIndex {
        /// Where the data came from.
        origin: String,
        /// The config key that named it.
        key: String,
        /// The index asked for.
        index: usize,
        /// How many columns there are.
        columns: usize,
    },
    /// A cell of an input column is not a finite number.
    #[error(
        "{origin}, line {line}, column `{column}`: `{value}` {problem}; input and target columns must hold finite numbers"
    )]
    BadNumber {
        /// Where the data came from.
        origin: String,
        /// The CSV line.
        line: u64,
        /// The column's name.
        column: String,
        /// The cell.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The target column is also listed as an input.
    #[error("`{0}` is the target column; a net that is given its answer learns nothing")]
    TargetIsInput(String),
    /// Nothing to train on.
    #[error("no input columns; name at least one")]
    NoInputs,
    /// Every row has the same label.
    #[error(
        "{origin}: the target column `{column}` holds only the class `{class}`; a classifier needs at least two"
    )]
    SingleClass {
        /// Where the data came from.
        origin: String,
        /// The target column.
        column: String,
        /// The one label.
        class: String,
    },
    /// A part of the split that should hold rows holds none.
    #[error(
        "{fraction} of {rows} rows rounds to no {part} sample; \
         give at least {least}{}",
        if *part == "train" { "" } else { ", or 0 for none" }
    )]
    EmptyPart {
        /// `train`, `validation` or `test`.
        part: &'static str,
        /// Its fraction.
        fraction: f64,
        /// Rows in the data set.
        rows: usize,
        /// The smallest fraction that gives it one row.
        least: String,
    },
    /// The data set is larger than sweep accepts.
    #[error("{origin}: {message}")]
    TooLarge {
        /// Where the data came from.
        origin: String,
        /// Which size, and its bound.
        message: String,
    },
}

impl DataError {
    /// The config key the error is about, when it is about one: the
    /// message is then shown at that key's place in the config.
    pub fn config_key(&self) -> Option<String> {
        match self {
            DataError::UnknownSource { .. } | DataError::Read { .. } => Some("data.source".into()),
            DataError::UnknownColumn { key, .. } | DataError::ColumnIndex { key, .. } => {
                Some(key.clone())
            }
            DataError::TargetIsInput(_) | DataError::NoInputs => Some("data.inputs".into()),
            DataError::EmptyPart { part, .. } => Some(format!("data.split.{part}")),
            _ => None,
        }
    }
}
