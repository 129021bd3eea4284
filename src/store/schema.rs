//! The tables of `results.db`.
//!
//! Numbers are SQLite `REAL`s, the same 8 bytes as the f64 trained, so an
//! export written from the database has the digits a job computed. SQLite
//! stores a NaN as NULL: a NULL loss of a set the split has (the
//! `has_validation` and `has_test` meta rows say which) is a NaN.

use crate::config::Key;

/// `PRAGMA application_id`: "SWPE", so that `file results.db` and sweep
/// itself can tell its databases from others.
pub const APPLICATION_ID: i32 = 0x5357_5045;

/// `PRAGMA user_version`: the layout of the tables below and the names of
/// the statuses in them (2: `completed` and `stopped`, which were `ok` and
/// `early_stop`). Another layout is another version of sweep's results,
/// refused like one.
pub const SCHEMA_VERSION: i32 = 2;

/// The tables, created in a new database.
pub fn create_tables() -> String {
    // The axis columns come from the one table of axes; NUMERIC affinity
    // stores `0.1` as a number and `matmul` as text, so queries can
    // compare either.
    let axes: String = Key::NAMES
        .iter()
        .map(|name| format!("    {name} NUMERIC NOT NULL,\n"))
        .collect();
    format!(
        "CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE lock (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    host TEXT NOT NULL,
    pid INTEGER NOT NULL
);
CREATE TABLE jobs (
    position INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL,
{axes}    status TEXT NOT NULL,
    message TEXT NOT NULL,
    epochs_run INTEGER NOT NULL,
    final_train_loss REAL,
    final_validation_loss REAL,
    final_test_loss REAL,
    best_train_loss REAL,
    best_validation_loss REAL,
    best_validation_epoch INTEGER,
    first_epoch_below_target INTEGER,
    final_train_error_rate REAL,
    final_validation_error_rate REAL,
    final_test_error_rate REAL
);
CREATE TABLE epochs (
    position INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    train_loss REAL,
    train_error_rate REAL,
    validation_loss REAL,
    validation_error_rate REAL,
    test_loss REAL,
    test_error_rate REAL,
    PRIMARY KEY (position, epoch)
) WITHOUT ROWID;
CREATE TABLE timings (
    position INTEGER PRIMARY KEY,
    seconds REAL NOT NULL,
    write_seconds REAL NOT NULL
);
CREATE TABLE weights (
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (position, kind, input, output)
) WITHOUT ROWID;
"
    )
}

/// The tables whose rows belong to one job, keyed by its `position`.
pub const JOB_TABLES: [&str; 4] = ["jobs", "epochs", "timings", "weights"];
