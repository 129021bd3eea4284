//! The results store: one SQLite database per results folder (per shard on
//! a cluster), the source of truth that every file people open is exported
//! from.
//!
//! A job is finished exactly when its rows are committed, in one
//! transaction with the rest of its batch ([`writer`]). The database runs in
//! WAL mode with `synchronous = NORMAL`: a crash of the process loses
//! nothing committed, and a power failure can lose at most the last
//! committed batches, whole — never part of a job. The first run records
//! the config inside an exclusive transaction, so a run of another config
//! is refused however the two are timed, and a lock row keeps two runs
//! from writing one database at once (the second is refused, exit 2).

pub mod folder;
mod merge;
pub mod read;
pub mod recorded;
pub mod regrid;
pub mod schema;
pub mod summary;
pub mod writer;

pub use folder::ResultsDir;

use crate::config::Config;
use crate::grid::Plan;
use crate::nn::Dims;
use crate::printable;
use crate::process::{host_name, is_running};
use folder::EXPORTS;
use read::Finished;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};

/// The main database's file name.
pub const MAIN_DB: &str = "results.db";

/// A results folder or database that cannot take this run's results.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// It holds results of a config whose shared settings differ.
    #[error(
        "`{}` holds results of a different config: a setting every job shares changed \
         (recorded → now):\n{changes}\n\
         a results folder keeps its shared settings while its [grid] grows or changes; \
         run with --force to delete those results and start afresh, \
         or give the sweep another `name` or -o DIR",
        dir.display()
    )]
    Changed {
        /// The folder.
        dir: PathBuf,
        /// One line per changed key.
        changes: String,
    },
    /// A file that is not sweep's database, or a damaged one.
    #[error(
        "`{}` is not a results database this version of sweep can use ({reason}); \
         sweep leaves it as it is: move it away, or use another results folder \
         (for a run, -o DIR)",
        path.display()
    )]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// One of a folder's databases holds results of another config than
    /// the newest one recorded there, which `sweep collect` collects.
    #[error(
        "`{}` holds results of another config than the newest one recorded in its \
         folder: a setting every job shares differs (this file → newest):\n{changes}\n\
         rerun what wrote it with the newest config and --force (which replaces its \
         results), or move the file away to collect without it",
        db.display()
    )]
    NotNewest {
        /// The database.
        db: PathBuf,
        /// One line per differing key.
        changes: String,
    },
    /// Another run is writing the same database.
    #[error(
        "`{}` is being written by another sweep (process {pid} on {host}); wait for it to \
         finish, or run another shard or folder. If that run is gone for good (its machine \
         crashed), delete the lock with: {}",
        path.display(),
        printable::command(&["sqlite3", &path.display().to_string(), "DELETE FROM lock"])
    )]
    Locked {
        /// The database.
        path: PathBuf,
        /// The host of the run that holds it.
        host: String,
        /// Its process id.
        pid: i64,
    },
    /// The folder holds files that are not sweep's, and no results database.
    #[error(
        "`{}` holds files sweep did not write ({files}) and no results database; \
         sweep writes only into a new folder or one of its own: use another (for a run, \
         -o DIR or another `name`)",
        dir.display()
    )]
    Foreign {
        /// The folder.
        dir: PathBuf,
        /// Some of the files.
        files: String,
    },
    /// A folder given as a results folder holds no results.
    #[error(
        "`{}` {problem}; give the results folder a sweep or its shards wrote: \
         <output.dir>/<name>",
        dir.display()
    )]
    NoResults {
        /// The folder.
        dir: PathBuf,
        /// What it is instead.
        problem: &'static str,
    },
    /// A file sweep would write is a folder or another kind of file.
    #[error(
        "`{}` is not a regular file, and sweep writes a file of that name: \
         move it away, or use another results folder (for a run, -o DIR)",
        path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A file sweep would write is a symbolic link.
    #[error(
        "`{}` is a symbolic link; sweep does not write through links out of its results \
         folder: remove it, or use another results folder (for a run, -o DIR)",
        path.display()
    )]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// It cannot be created or written.
    #[error(
        "results folder `{}` cannot be written: {reason}; use another (for a run, -o DIR)",
        dir.display()
    )]
    Unwritable {
        /// The folder.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What a results database records about the run that made it: everything
/// an export needs besides the rows.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The resolved config, as `config.toml` holds it.
    pub config: Config,
    /// SHA-256 of the data.
    pub data_sha256: String,
    /// The net's shape.
    pub dims: Dims,
    /// Whether the split has a validation set, and a test set: a NULL loss
    /// of a set it has is a NaN (SQLite keeps no NaN).
    pub has_validation: bool,
    /// See `has_validation`.
    pub has_test: bool,
    /// The input columns' names: the rows of W, before the bias.
    pub inputs: Vec<String>,
    /// One name per output: the columns of W.
    pub outputs: Vec<String>,
}

/// An open results database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    recording: Recording,
}

/// An SQLite error on the database at `path`: a file that is not SQLite's,
/// or a damaged one, is the database's fault; anything else the folder's.
fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    let not_ours = |reason: String| StoreError::NotOurs {
        path: path.to_path_buf(),
        reason,
    };
    move |e| match e.sqlite_error_code() {
        Some(NotADatabase) => not_ours("it is not a SQLite database".into()),
        Some(DatabaseCorrupt) => not_ours(format!("it is damaged: {e}")),
        _ => StoreError::Unwritable {
            dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            reason: format!("`{}`: {e}", path.display()),
        },
    }
}

impl Store {
    /// Opens (creating it if need be) the database `db_name` in `dir` for a
    /// run of `recording`, and takes its lock. The folder is refused when it
    /// holds files that are not sweep's and no database; the database when
    /// it is not sweep's, fails SQLite's check after a crash, records
    /// another config, or is locked by a live run. With `force` the
    /// database and the exports it recorded are deleted first.
    pub fn open_for_run(
        dir: &ResultsDir,
        db_name: &str,
        recording: Recording,
        force: bool,
    ) -> Result<Store, StoreError> {
        Store::check_for_run(dir, db_name, &recording, force)?;
        let path = dir.file(db_name);
        if force && path.exists() {
            let old = Store::open_existing(&path)?;
            let exports = old.recorded_exports();
            drop(old);
            dir.remove(db_name, &exports)?;
        }
        let created = dir.create()?;
        // Made here, atomically, to know whether this run made it: of two
        // runs started at once, only the one that made it may remove it.
        let made_db = match std::fs::File::create_new(&path) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => {
                folder::undo_create(&created);
                return Err(StoreError::Unwritable {
                    dir: dir.root().to_path_buf(),
                    reason: format!("`{}`: {e}", path.display()),
                });
            }
        };
        let opened = open(&path).and_then(|(conn, _)| {
            let mut store = Store {
                conn,
                path: path.clone(),
                recording,
            };
            store.initialise()?;
            store.claim()?;
            Ok(store)
        });
        // A run that cannot write its new database (a full disk) leaves the
        // file system as it found it. A refusal by another run (its lock,
        // its config) leaves the database alone: that run may be using it.
        if made_db && matches!(opened, Err(StoreError::Unwritable { .. })) {
            let _ = dir.remove(db_name, &[]);
            folder::undo_create(&created);
        }
        opened
    }

    /// Opens an existing database, to read it or to merge into: checks that
    /// it is sweep's and reads what it records.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        let not_ours = |reason: String| StoreError::NotOurs {
            path: path.to_path_buf(),
            reason,
        };
        if !path.exists() {
            return Err(not_ours("there is no such file".into()));
        }
        if !path.is_file() {
            return Err(StoreError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        // Checked before anything is set on it, which would write to an
        // empty file or database: a command that only reads leaves it as it
        // is.
        if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
            return Err(not_ours("it is an empty file".into()));
        }
        let (conn, identity) = connect(path)?;
        if identity == Identity::Empty {
            return Err(not_ours(
                "it holds no tables yet: if a run was started on it this moment, \
                 wait a little and try again"
                    .into(),
            ));
        }
        use_wal(&conn, path)?;
        let meta = |key: &str| meta_value(&conn, key).map_err(|e| not_ours(e.to_string()));
        let text = meta("config")?.ok_or_else(|| not_ours("it records no config".into()))?;
        let recorded = recorded::parse(&text).map_err(|e| not_ours(format!("{e:#}")))?;
        let flag = |key: &str| Ok::<_, StoreError>(meta(key)?.as_deref() == Some("1"));
        let names = |key: &str| {
            Ok::<_, StoreError>(
                meta(key)?
                    .map(|v| v.lines().map(String::from).collect())
                    .unwrap_or_default(),
            )
        };
        let recording = Recording {
            config: recorded.config,
            data_sha256: recorded.data_sha256,
            dims: recorded.net_shape,
            has_validation: flag("has_validation")?,
            has_test: flag("has_test")?,
            inputs: names("inputs")?,
            outputs: names("outputs")?,
        };
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            recording,
        })
    }

    /// A new database gets its identity and tables; an existing one is
    /// checked to be sweep's, and checked whole when the last run on it did
    /// not end cleanly.
    fn initialise(&mut self) -> Result<(), StoreError> {
        // IMMEDIATE: of two runs creating the database at once, one creates
        // the tables and the other then finds them.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_error(&self.path))?;
        let is_new: bool = tx
            .query_row("SELECT count(*) = 0 FROM sqlite_schema", [], |r| r.get(0))
            .map_err(|e| StoreError::NotOurs {
                path: self.path.clone(),
                reason: e.to_string(),
            })?;
        if is_new {
            let sql = format!(
                "PRAGMA application_id = {};\nPRAGMA user_version = {};\n{}",
                schema::APPLICATION_ID,
                schema::SCHEMA_VERSION,
                schema::create_tables()
            );
            tx.execute_batch(&sql).map_err(sql_error(&self.path))?;
        }
        tx.commit().map_err(sql_error(&self.path))?;
        if is_new {
            return Ok(());
        }
        check_identity(&self.conn, &self.path)?;
        let clean: Option<String> = self.meta("clean")?;
        if clean.as_deref() == Some("0") {
            // The last run was killed: SQLite's journal makes that safe, but a
            // power failure on a disk that lies about flushing might not be.
            let verdict: String = self
                .conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(|e| self.not_ours(e.to_string()))?;
            if verdict != "ok" {
                return Err(self.not_ours(format!("SQLite's check found: {verdict}")));
            }
        }
        Ok(())
    }

    /// Records this run's config, or compares it with the recorded one, and
    /// takes the lock: one exclusive transaction, so that of two runs
    /// started at once the second sees what the first wrote.
    fn claim(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let recording = self.recording.clone();
        let text = self.rendered()?;
        let plan = self.plan()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)
            .map_err(sql_error(&path))?;
        let standing = standing(&tx, &path, &text)?;
        if standing == Standing::Regrid {
            regrid::moves(&tx, &plan)
                .and_then(|moves| regrid::renumber(&tx, &moves))
                .and_then(|()| {
                    tx.execute(
                        "UPDATE meta SET value = ?1 WHERE key = 'config'",
                        [text.as_str()],
                    )
                })
                .and_then(|_| {
                    tx.execute(
                        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes'",
                        [],
                    )
                })
                .map_err(sql_error(&path))?;
        }
        if standing == Standing::New {
            let bit = |b: bool| if b { "1" } else { "0" };
            let (inputs, outputs) = (recording.inputs.join("\n"), recording.outputs.join("\n"));
            for (key, value) in [
                ("config", text.as_str()),
                ("has_validation", bit(recording.has_validation)),
                ("has_test", bit(recording.has_test)),
                ("inputs", inputs.as_str()),
                ("outputs", outputs.as_str()),
                ("changes", "0"),
            ] {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )
                .map_err(sql_error(&path))?;
            }
        }
        if standing != Standing::Same {
            // Which of a folder's databases holds the newest grid: the one
            // `sweep collect` merges into.
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |t| t.as_nanos());
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('config_since', ?1)",
                [now.to_string()],
            )
            .map_err(sql_error(&path))?;
        }
        unlocked(&tx, &path)?;
        tx.execute(
            "INSERT OR REPLACE INTO lock (only, host, pid) VALUES (1, ?1, ?2)",
            params![host_name(), std::process::id()],
        )
        .map_err(sql_error(&path))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('clean', '0')",
            [],
        )
        .map_err(sql_error(&path))?;
        tx.commit().map_err(sql_error(&path))
    }

    /// The plan of the config this store is opened for.
    fn plan(&self) -> Result<Plan, StoreError> {
        Plan::new(&self.recording.config.grid).map_err(|e| self.not_ours(e.to_string()))
    }

    /// The config as the database records it.
    fn rendered(&self) -> Result<String, StoreError> {
        let r = &self.recording;
        recorded::render(&r.config, &r.data_sha256, r.dims).map_err(|e| StoreError::Unwritable {
            dir: self.path.clone(),
            reason: format!("{e:#}"),
        })
    }

    /// Every check [`Store::open_for_run`] makes before it writes, made
    /// without writing: what `--dry-run` reports. Gives the jobs the run
    /// would find finished.
    pub fn preflight(
        dir: &ResultsDir,
        db_name: &str,
        recording: &Recording,
        force: bool,
    ) -> Result<Finished, StoreError> {
        let store = match Store::check_for_run(dir, db_name, recording, force)? {
            Some(store) if !force => store,
            _ => return Ok(Finished::default()),
        };
        if standing(&store.conn, &store.path, &store.rendered()?)? != Standing::Regrid {
            return store.finished();
        }
        // What the run would renumber, without writing: the jobs' positions
        // in this config's plan.
        let plan = store.plan()?;
        let moves = regrid::moves(&store.conn, &plan).map_err(sql_error(&store.path))?;
        Ok((moves.into_iter())
            .map(|(_, new)| new)
            .filter(|&k| k < plan.cross_len())
            .collect())
    }

    /// The checks of a run's start: the folder is sweep's to write in, and
    /// its database (the store, when there is one with tables) is sweep's,
    /// records this config and is not locked by a live run.
    fn check_for_run(
        dir: &ResultsDir,
        db_name: &str,
        recording: &Recording,
        force: bool,
    ) -> Result<Option<Store>, StoreError> {
        dir.check_own_files()?;
        dir.check_writable()?;
        let path = dir.file(db_name);
        if !path.exists() {
            return Ok(None);
        }
        let (conn, identity) = open(&path)?;
        if identity == Identity::Empty {
            return Ok(None);
        }
        let store = Store {
            conn,
            path: path.clone(),
            recording: recording.clone(),
        };
        if !force {
            standing(&store.conn, &path, &store.rendered()?)?;
            unlocked(&store.conn, &path)?;
        }
        Ok(Some(store))
    }

    /// Gives up the lock and marks the database as closed cleanly.
    pub fn release(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "BEGIN; DELETE FROM lock; \
                 INSERT OR REPLACE INTO meta (key, value) VALUES ('clean', '1'); COMMIT;",
            )
            .map_err(sql_error(&self.path))
    }

    /// Another connection to the same database, for reading it from
    /// another thread.
    pub fn reader(&self) -> Result<Store, StoreError> {
        let (conn, _) = open(&self.path)?;
        // A reader scans once, in order: a small page cache is enough, and
        // keeps the memory of many readers small.
        conn.execute_batch("PRAGMA cache_size = -256;")
            .map_err(sql_error(&self.path))?;
        Ok(Store {
            conn,
            path: self.path.clone(),
            recording: self.recording.clone(),
        })
    }

    /// What the database records about its run.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A meta value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        meta_value(&self.conn, key).map_err(sql_error(&self.path))
    }

    /// Sets a meta value.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map(|_| ())
            .map_err(sql_error(&self.path))
    }

    /// The text of `config.toml`, as recorded.
    pub fn config_text(&self) -> Result<String, StoreError> {
        Ok(self.meta("config")?.unwrap_or_default())
    }

    /// When this database's config was recorded (nanoseconds since 1970; 0
    /// before sweep recorded it): of a folder's databases, the one with the
    /// latest holds the newest grid.
    pub fn config_since(&self) -> Result<u128, StoreError> {
        Ok(self
            .meta("config_since")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// The exports this database has written, by file name.
    pub fn recorded_exports(&self) -> Vec<String> {
        EXPORTS
            .iter()
            .filter(|name| {
                self.meta(&format!("export:{name}"))
                    .ok()
                    .flatten()
                    .is_some()
            })
            .map(|name| name.to_string())
            .collect()
    }

    fn not_ours(&self, reason: String) -> StoreError {
        StoreError::NotOurs {
            path: self.path.clone(),
            reason,
        }
    }
}

/// How the config a database records stands to this run's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// It records none yet.
    New,
    /// The same config.
    Same,
    /// The same shared settings, another grid.
    Regrid,
}

/// How the database's config stands to `text`'s; refused when a shared
/// setting differs.
fn standing(conn: &Connection, path: &Path, text: &str) -> Result<Standing, StoreError> {
    let Some(old) = meta_value(conn, "config").map_err(sql_error(path))? else {
        return Ok(Standing::New);
    };
    let not_ours = |e: anyhow::Error| StoreError::NotOurs {
        path: path.to_path_buf(),
        reason: format!("{e:#}"),
    };
    let (old, new) = (
        recorded::parse(&old).map_err(not_ours)?,
        recorded::parse(text).map_err(not_ours)?,
    );
    let changes = recorded::changes(&old, &new).map_err(not_ours)?;
    if !changes.is_empty() {
        return Err(StoreError::Changed {
            dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            changes: changes.join("\n"),
        });
    }
    match old.config.grid == new.config.grid {
        true => Ok(Standing::Same),
        false => Ok(Standing::Regrid),
    }
}

/// Refuses a database whose lock a live run (other than this one) holds.
fn unlocked(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let holder: Option<(String, i64)> = conn
        .query_row("SELECT host, pid FROM lock", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(sql_error(path))?;
    if let Some((host, pid)) = holder {
        let ours = host == host_name();
        let alive = !ours || u32::try_from(pid).is_ok_and(is_running);
        if alive && !(ours && pid == i64::from(std::process::id())) {
            return Err(StoreError::Locked {
                path: path.to_path_buf(),
                host,
                pid,
            });
        }
    }
    Ok(())
}

/// The meta value of `key`, if the database has one.
fn meta_value(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// Opens `path` with the settings every connection uses, and says what it
/// holds. A file that is already there must be sweep's before anything is
/// set on it (turning on WAL would change another program's database).
fn open(path: &Path) -> Result<(Connection, Identity), StoreError> {
    let (conn, identity) = connect(path)?;
    use_wal(&conn, path)?;
    Ok((conn, identity))
}

/// Connects to `path`, writing nothing, and checks what it holds.
fn connect(path: &Path) -> Result<(Connection, Identity), StoreError> {
    let conn = Connection::open(path).map_err(sql_error(path))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql_error(path))?;
    let identity = check_identity(&conn, path)?;
    Ok((conn, identity))
}

/// Puts the database in WAL mode: a write to its header when it is not in
/// it yet.
fn use_wal(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    // WAL: readers never block the writer; NORMAL: a commit is durable
    // against a crash of the process, and a power failure can lose only the
    // last commits, whole.
    // Switching to WAL needs the file to itself, and SQLite answers "busy"
    // at once rather than wait while another run is creating the database.
    let mut waited = std::time::Duration::ZERO;
    let wal = loop {
        match conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && waited < std::time::Duration::from_secs(10) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
                waited += std::time::Duration::from_millis(5);
            }
            other => break other,
        }
    };
    wal.map_err(sql_error(path))?;
    Ok(())
}

/// What [`check_identity`] found in a database it did not refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// No identity and no tables: a database another run is creating this
    /// moment, or an empty one.
    Empty,
    /// One of sweep's, of this version's layout.
    Sweeps,
}

/// Refuses a database that is not one of sweep's, or of another layout.
fn check_identity(conn: &Connection, path: &Path) -> Result<Identity, StoreError> {
    let not_ours = |reason: String| StoreError::NotOurs {
        path: path.to_path_buf(),
        reason,
    };
    // One statement, so one snapshot: read one by one, another run's
    // creating the database could commit between the reads and show tables
    // with the identity seen before them (no identity), which is refused.
    let (id, version, tables): (i32, i32, i64) = conn
        .query_row(
            "SELECT a.application_id, u.user_version, \
             (SELECT count(*) FROM sqlite_schema) \
             FROM pragma_application_id AS a, pragma_user_version AS u",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(sql_error(path))?;
    if id == 0 && tables == 0 {
        return Ok(Identity::Empty);
    }
    if id != schema::APPLICATION_ID {
        return Err(not_ours("it is not a sweep results database".into()));
    }
    if version != schema::SCHEMA_VERSION {
        return Err(not_ours(format!(
            "its tables are of layout {version}, this version of sweep uses {}",
            schema::SCHEMA_VERSION
        )));
    }
    Ok(Identity::Sweeps)
}
