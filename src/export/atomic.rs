//! Files that appear whole or not at all, and the names of their
//! temporary files, which say which writer (host and process) left them.

use crate::store::folder::temp_path;
use anyhow::Context;
use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

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
        let tmp = temp_path(path);
        // create_new: a file or a link already at that name is never followed.
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

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

    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("summary.csv");
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "keep me").unwrap();
        std::os::unix::fs::symlink(&outside, temp_path(&target)).unwrap();
        assert!(write_atomic(&target, |w| Ok(w.write_all(b"new")?)).is_err());
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep me");
        assert!(!target.exists());
    }
}
