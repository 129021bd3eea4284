//! Results on disk: the folder layout, one module per file format, and the
//! atomic write every file goes through.

pub mod config;
pub mod csv;
pub mod curves;
pub mod plot;
pub mod weights;

use crate::config::Config;
use crate::nn::Dims;
use anyhow::Context;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Files a run writes directly in the results folder.
pub const AGGREGATE_FILES: [&str; 6] = [
    "config.toml",
    "epochs.csv",
    "summary.csv",
    "curves.csv",
    "loss.svg",
    "timings.csv",
];

/// A results folder that cannot take this run's results.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// It holds results of another config.
    #[error(
        "`{}` holds results of a different config; what changed (recorded → now):\n{changes}\n\
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
    /// It holds something this version cannot read as a config.
    #[error(
        "`{}` is not a config.toml this version of sweep can read ({reason}); \
         run with --force to delete the folder's results and start afresh",
        path.display()
    )]
    Unrecognised {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// It cannot be created or written.
    #[error("results folder `{}` cannot be written: {reason}; choose another with -o DIR", dir.display())]
    Unwritable {
        /// The folder.
        dir: PathBuf,
        /// Why.
        reason: String,
    },
}

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

    /// Makes the folder ready for `config`'s results, before any job runs.
    ///
    /// Results of the same config (and data and version) are kept: the run
    /// resumes. Results of another are refused. With `force` whatever
    /// results the folder holds are deleted first. Temporary files of runs
    /// that were killed are removed, and the config is recorded.
    pub fn prepare(
        &self,
        config: &Config,
        data_sha256: &str,
        dims: Dims,
        force: bool,
    ) -> Result<(), ResultsError> {
        let recorded_path = self.file("config.toml");
        let unrecognised = |reason: String| ResultsError::Unrecognised {
            path: recorded_path.clone(),
            reason,
        };
        let conflict = match fs::read_to_string(&recorded_path) {
            Ok(text) => match self::config::parse(&text) {
                Ok(recorded) => {
                    let mut changes = self::config::differences(&recorded.config, config)
                        .map_err(|e| unrecognised(format!("{e:#}")))?;
                    if recorded.data_sha256 != data_sha256 {
                        changes.push(format!(
                            "  the data's content (SHA-256): {} → {data_sha256}",
                            recorded.data_sha256
                        ));
                    }
                    // Another version may compute other numbers: not ours to mix.
                    if recorded.sweep_version != self::config::VERSION {
                        changes.push(format!(
                            "  sweep_version: {} → {}",
                            recorded.sweep_version,
                            self::config::VERSION
                        ));
                    }
                    (!changes.is_empty()).then(|| ResultsError::Changed {
                        dir: self.root.clone(),
                        changes: changes.join("\n"),
                    })
                }
                Err(e) => Some(unrecognised(format!("{e:#}"))),
            },
            // Job files without a recorded config: not ours to mix with.
            Err(_) if fs::read_dir(self.jobs_dir()).is_ok_and(|mut d| d.next().is_some()) => Some(
                unrecognised("the folder has job files but no config.toml".into()),
            ),
            Err(_) => None,
        };
        let unwritable = |e: anyhow::Error| ResultsError::Unwritable {
            dir: self.root.clone(),
            reason: format!("{e:#}"),
        };
        match conflict {
            _ if force => self.clear().map_err(unwritable)?,
            Some(conflict) => return Err(conflict),
            None => {}
        }
        self.create(config.output.weights).map_err(unwritable)?;
        self.remove_stale_temp_files();
        self::config::write(self, config, data_sha256, dims).map_err(unwritable)
    }

    fn create(&self, weights: bool) -> anyhow::Result<()> {
        let mut dirs = vec![self.jobs_dir()];
        if weights {
            dirs.push(self.weights_dir());
        }
        for dir in dirs {
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        Ok(())
    }

    /// Deletes every result a run writes, and nothing else in the folder.
    fn clear(&self) -> anyhow::Result<()> {
        for dir in [self.jobs_dir(), self.weights_dir()] {
            match fs::remove_dir_all(&dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot delete `{}`", dir.display()));
                }
                _ => {}
            }
        }
        for name in AGGREGATE_FILES {
            let path = self.file(name);
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("cannot delete `{}`", path.display()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Removes the temporary files of writers on this host that no longer
    /// run (a run killed mid-write). Those of live processes, such as
    /// another shard, and of other hosts are left alone.
    fn remove_stale_temp_files(&self) {
        for dir in [self.root.clone(), self.jobs_dir(), self.weights_dir()] {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some((host, pid)) = temp_file_writer(&name) else {
                    continue;
                };
                if host == host_name() && !Path::new("/proc").join(pid.to_string()).exists() {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `jobs/`, one CSV per job.
    pub fn jobs_dir(&self) -> PathBuf {
        self.root.join("jobs")
    }

    /// `jobs/<job_id>.csv`
    pub fn job_file(&self, job_id: &str) -> PathBuf {
        self.jobs_dir().join(format!("{job_id}.csv"))
    }

    /// `weights/`, initial and final weights per job.
    pub fn weights_dir(&self) -> PathBuf {
        self.root.join("weights")
    }

    /// `weights/<job_id>.csv`
    pub fn weights_file(&self, job_id: &str) -> PathBuf {
        self.weights_dir().join(format!("{job_id}.csv"))
    }

    /// Whether job `job_id` has a whole job file (see [`csv::is_finished`]).
    pub fn is_finished(&self, job_id: &str) -> bool {
        csv::is_finished(&self.job_file(job_id))
    }

    /// A file directly in the folder, such as `summary.csv`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

/// A file that appears whole or not at all: the content goes to a
/// temporary file in the same folder, which [`AtomicFile::commit`] flushes
/// and renames over the target, so a reader (or a later run) never sees a
/// half-written file. Dropped uncommitted, it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The writer's host and pid keep concurrent writers (shards, on one
        // machine or on a shared file system) apart, and tell a later run on
        // the same host whether the file was left by a process that died.
        let tmp = path.with_file_name(format!(
            ".{file_name}.{}.{}.tmp",
            host_name(),
            std::process::id()
        ));
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            out: Some(BufWriter::new(file)),
        })
    }

    /// Where the content goes until the commit.
    pub fn writer(&mut self) -> &mut BufWriter<fs::File> {
        self.out
            .as_mut()
            .expect("an AtomicFile is written only before its commit")
    }

    /// Flushes the content and puts the file in place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let out = self.out.take().expect("an AtomicFile is committed once");
        let done = (|| {
            // Flushed to the kernel, not to the disk: the rename is what
            // makes the file appear whole (see `csv::is_finished`).
            out.into_inner().map_err(|e| e.into_error())?;
            fs::rename(&self.tmp, &self.path)
        })();
        done.with_context(|| format!("cannot write `{}`", self.path.display()))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.is_some() || self.tmp.exists() {
            self.out = None;
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `path` whole or not at all (see [`AtomicFile`]).
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    write(file.writer()).with_context(|| format!("cannot write `{}`", path.display()))?;
    file.commit()
}

/// The host and process id in a temporary file's name `.<name>.<host>.<pid>.tmp`.
fn temp_file_writer(name: &str) -> Option<(&str, u32)> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, pid) = rest.rsplit_once('.')?;
    let (_, host) = rest.rsplit_once('.')?;
    Some((host, pid.parse().ok()?))
}

/// This machine's name, as temporary files carry it (dots would be
/// ambiguous in the file name, so they become dashes).
fn host_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().replace('.', "-"))
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into())
    })
}

/// A float in Rust's shortest form that reads back to the same bits.
pub fn float(x: f64) -> String {
    format!("{x:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

    #[test]
    fn floats_round_trip() {
        for x in [0.1, 1.0, 1e-7, 123456.789, f64::NAN, f64::INFINITY, -0.0] {
            let back: f64 = float(x).parse().unwrap();
            assert!(back.to_bits() == x.to_bits() || (x.is_nan() && back.is_nan()));
        }
        assert_eq!(float(0.1), "0.1");
    }

    #[test]
    fn temp_file_names_carry_host_and_pid() {
        assert_eq!(
            temp_file_writer(".summary.csv.node-1.1234.tmp"),
            Some(("node-1", 1234))
        );
        assert_eq!(temp_file_writer("summary.csv"), None);
        assert_eq!(temp_file_writer(".x.tmp"), None);
        let dir = tempfile::tempdir().unwrap();
        let file = AtomicFile::create(&dir.path().join("a.csv")).unwrap();
        let name = file.tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(
            temp_file_writer(&name),
            Some((host_name(), std::process::id()))
        );
    }

    #[test]
    fn failed_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let result = write_atomic(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("disk full").into())
        });
        assert!(result.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
