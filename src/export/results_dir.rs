//! The results folder `<output.dir>/<name>/`: where each file goes, and
//! making it ready for a run (resume, refuse another config, or start afresh).

use super::atomic::{host_name, is_running, temp_file_writer};
use super::{job_file, recorded};
use crate::config::Config;
use crate::nn::Dims;
use anyhow::Context;
use std::fs;
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
            Ok(text) => match recorded::parse(&text) {
                Ok(recorded) => {
                    let mut changes = recorded::differences(&recorded.config, config)
                        .map_err(|e| unrecognised(format!("{e:#}")))?;
                    if recorded.data_sha256 != data_sha256 {
                        changes.push(format!(
                            "  the data's content (SHA-256): {} → {data_sha256}",
                            recorded.data_sha256
                        ));
                    }
                    // Another version may compute other numbers: not ours to mix.
                    if recorded.sweep_version != recorded::VERSION {
                        changes.push(format!(
                            "  sweep_version: {} → {}",
                            recorded.sweep_version,
                            recorded::VERSION
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
        recorded::write(self, config, data_sha256, dims).map_err(unwritable)
    }

    pub(super) fn create(&self, weights: bool) -> anyhow::Result<()> {
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
                if host == host_name() && !is_running(pid) {
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

    /// Whether job `job_id` has a whole job file (see [`job_file::is_finished`]).
    pub fn is_finished(&self, job_id: &str) -> bool {
        job_file::is_finished(&self.job_file(job_id))
    }

    /// A file directly in the folder, such as `summary.csv`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}
