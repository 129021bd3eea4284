//! The results folder `<output.dir>/<name>/`: which files in it are
//! sweep's, and the checks that keep sweep to those files.
//!
//! Sweep writes its database (and its journal files), the shards'
//! databases, the exports and their temporary files, nothing else. It
//! never writes into a folder that holds other files and no database of
//! its own, never through a symbolic link, and `--force` removes only the
//! database and the exports it recorded.

use super::StoreError;
use crate::process::{host_name, is_running};
use std::fs;
use std::path::{Path, PathBuf};

/// Every export a run can write, by file name.
pub const EXPORTS: [&str; 10] = [
    "config.toml",
    "epochs.csv",
    "summary.csv",
    "curves.csv",
    "stats.csv",
    "verdict.csv",
    "loss.svg",
    "results.xlsx",
    "timings.csv",
    "weights.csv",
];

/// The journal files SQLite keeps beside a database in WAL mode.
const JOURNALS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `<output.dir>/<name>/` and the files in it.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    root: PathBuf,
}

impl ResultsDir {
    /// The folder for sweep `name` under `dir`.
    pub fn new(dir: &Path, name: &str) -> Self {
        ResultsDir {
            root: dir.join(name),
        }
    }

    /// The results folder at `root` itself.
    pub fn at(root: &Path) -> Self {
        ResultsDir {
            root: root.to_path_buf(),
        }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A file directly in the folder, such as `summary.csv`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The database of shard `index` of `count`.
    pub fn shard_db_name(index: u64, count: u64) -> String {
        format!("results.shard-{index}-of-{count}.db")
    }

    /// The shards' databases in the folder, by file name, sorted.
    pub fn shard_dbs(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_shard_db(n))
            .collect();
        names.sort();
        names
    }

    /// Refuses a folder that is not sweep's to write in: one that holds
    /// files and no database (sweep starts only in an empty or new folder),
    /// or where a file sweep writes is a link.
    pub fn check_own_files(&self) -> Result<(), StoreError> {
        match fs::symlink_metadata(&self.root) {
            Err(_) => return Ok(()),
            Ok(m) if !m.is_dir() && !m.file_type().is_symlink() => {
                return Err(StoreError::Unwritable {
                    dir: self.root.clone(),
                    reason: "it is a file, not a folder".into(),
                });
            }
            Ok(_) => {}
        }
        let entries = fs::read_dir(&self.root).map_err(|e| StoreError::Unwritable {
            dir: self.root.clone(),
            reason: e.to_string(),
        })?;
        let (mut foreign, mut exports) = (Vec::new(), Vec::new());
        let mut has_db = false;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_own(&name) {
                foreign.push(name);
                continue;
            }
            has_db |= is_db(&name);
            match entry.file_type() {
                Ok(t) if t.is_symlink() => return Err(StoreError::Symlink { path: entry.path() }),
                // A folder where sweep writes a file would fail the run at
                // its end, after the training: refuse it before.
                Ok(t) if !t.is_file() => {
                    return Err(StoreError::NotAFile { path: entry.path() });
                }
                _ => {}
            }
            if EXPORTS.contains(&name.as_str()) {
                exports.push(name);
            }
        }
        // Without a database, a file named like an export is not one sweep
        // wrote (it records what it writes there): not ours to overwrite.
        if !has_db {
            foreign.extend(exports);
        }
        if !has_db && !foreign.is_empty() {
            foreign.sort();
            let mut files = foreign
                .iter()
                .take(3)
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if foreign.len() > 3 {
                files += &format!(" and {} more", foreign.len() - 3);
            }
            return Err(StoreError::Foreign {
                dir: self.root.clone(),
                files,
            });
        }
        Ok(())
    }

    /// Creates the folder (and the folders above it that are missing) and
    /// removes temporary files left by writers on this host that no longer
    /// run. Gives the folders it created, outermost first, for
    /// [`ResultsDir::undo_create`]; on an error it has already removed them.
    pub fn create(&self) -> Result<Vec<PathBuf>, StoreError> {
        let unwritable = |e: std::io::Error| StoreError::Unwritable {
            dir: self.root.clone(),
            reason: e.to_string(),
        };
        let mut missing: Vec<&Path> = self
            .root
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && fs::symlink_metadata(dir).is_err())
            .collect();
        missing.reverse();
        let mut created = Vec::new();
        for dir in missing {
            match fs::create_dir(dir) {
                Ok(()) => created.push(dir.to_path_buf()),
                // Another run made it a moment ago.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
                Err(e) => {
                    undo_create(&created);
                    return Err(unwritable(e));
                }
            }
        }
        if let Err(e) = self.check_writable() {
            undo_create(&created);
            return Err(e);
        }
        for entry in fs::read_dir(&self.root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some((_, host, pid)) = temp_file_writer(&name)
                && host == host_name()
                && !is_running(pid)
            {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(created)
    }

    /// Refuses a folder that exists and cannot be written. A folder on a
    /// read-only mount opens, and its database fails only at the first
    /// write, or with SQLite's "unable to open": ask first, to say why.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        #[cfg(unix)]
        if self.root.exists() {
            nix::unistd::access(&self.root, nix::unistd::AccessFlags::W_OK).map_err(|errno| {
                StoreError::Unwritable {
                    dir: self.root.clone(),
                    reason: std::io::Error::from(errno).to_string(),
                }
            })?;
        }
        Ok(())
    }

    /// Why the folder holds no results to read: it does not exist, is not
    /// a folder, or (`in_folder`) holds no database of the kind needed.
    pub fn no_results(&self, in_folder: &'static str) -> StoreError {
        StoreError::NoResults {
            dir: self.root.clone(),
            problem: match self.root.is_dir() {
                true => in_folder,
                false if self.root.exists() => "is not a folder",
                false => "does not exist",
            },
        }
    }

    /// `--force`: removes database `db_name`, its journal files and the
    /// `exports` it recorded, and nothing else.
    pub fn remove(&self, db_name: &str, exports: &[String]) -> Result<(), StoreError> {
        let journals = JOURNALS.iter().map(|j| format!("{db_name}{j}"));
        for name in std::iter::once(db_name.to_string())
            .chain(journals)
            .chain(exports.iter().cloned())
        {
            let path = self.file(&name);
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(StoreError::Unwritable {
                        dir: self.root.clone(),
                        reason: format!("cannot delete `{}`: {e}", path.display()),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Removes the folders `created` made, innermost first, if they are
/// empty: a refused run leaves the file system as it was.
pub fn undo_create(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
}

fn is_shard_db(name: &str) -> bool {
    name.strip_prefix("results.shard-")
        .and_then(|r| r.strip_suffix(".db"))
        .and_then(|r| r.split_once("-of-"))
        .is_some_and(|(k, n)| k.parse::<u64>().is_ok() && n.parse::<u64>().is_ok())
}

fn is_db(name: &str) -> bool {
    name == super::MAIN_DB || is_shard_db(name)
}

/// Whether `name` is a file sweep writes in a results folder.
fn is_own(name: &str) -> bool {
    let db_or_journal = |n: &str| {
        is_db(n)
            || JOURNALS
                .iter()
                .any(|j| n.strip_suffix(j).is_some_and(is_db))
    };
    db_or_journal(name) || EXPORTS.contains(&name) || temp_file_writer(name).is_some()
}

/// The temporary file that stands for `path` until it is written whole:
/// `.<name>.<host>.<pid>.tmp`. The host and pid keep concurrent writers
/// apart and tell a later run whether the writer died.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        host_name(),
        std::process::id()
    ))
}

/// The export, host and process id in a temporary file's name, for the
/// exports' temporary files only: no other file is ever taken for one.
pub fn temp_file_writer(name: &str) -> Option<(&str, &str, u32)> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, pid) = rest.rsplit_once('.')?;
    let export = EXPORTS
        .iter()
        .find(|e| rest.starts_with(&format!("{e}.")))?;
    let host = &rest[export.len() + 1..];
    (!host.is_empty() && !host.contains('.')).then_some(())?;
    Some((export, host, pid.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_file_names_carry_export_host_and_pid() {
        assert_eq!(
            temp_file_writer(".summary.csv.node-1.1234.tmp"),
            Some(("summary.csv", "node-1", 1234))
        );
        for not_ours in [
            "summary.csv",
            ".x.tmp",
            ".notes.txt.node.1.tmp",
            ".summary.csv.1.tmp",
        ] {
            assert_eq!(temp_file_writer(not_ours), None, "{not_ours}");
        }
        let name = temp_path(Path::new("/r/epochs.csv"));
        let name = name.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            temp_file_writer(&name),
            Some(("epochs.csv", host_name(), std::process::id()))
        );
    }

    #[test]
    fn own_files_are_the_databases_journals_and_exports() {
        for own in [
            "results.db",
            "results.db-wal",
            "results.shard-0-of-4.db-shm",
            "loss.svg",
        ] {
            assert!(is_own(own), "{own}");
        }
        for other in [
            "notes.txt",
            "results.shard-x-of-4.db",
            "jobs",
            "results.db.bak",
        ] {
            assert!(!is_own(other), "{other}");
        }
    }
}
