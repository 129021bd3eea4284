//! Results on disk: the folder layout, one module per file format, and the
//! atomic write every file goes through.

pub mod config;
pub mod csv;
pub mod weights;

use anyhow::Context;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

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

    /// Creates the folder, its `jobs/` subfolder and, when asked, `weights/`.
    pub fn create(&self, weights: bool) -> anyhow::Result<()> {
        let mut dirs = vec![self.jobs_dir()];
        if weights {
            dirs.push(self.weights_dir());
        }
        for dir in dirs {
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create results folder `{}`", dir.display()))?;
        }
        Ok(())
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
        let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
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

    /// Flushes the content to disk and puts the file in place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let out = self.out.take().expect("an AtomicFile is committed once");
        let done = (|| {
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
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
