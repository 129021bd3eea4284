//! Files that appear whole or not at all, and the names of their
//! temporary files, which say which writer (host and process) left them.

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
pub(super) fn temp_file_writer(name: &str) -> Option<(&str, u32)> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, pid) = rest.rsplit_once('.')?;
    let (_, host) = rest.rsplit_once('.')?;
    Some((host, pid.parse().ok()?))
}

/// This machine's name, as temporary files carry it (dots would be
/// ambiguous in the file name, so they become dashes).
pub(super) fn host_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        hostname()
            .map(|h| h.trim().replace('.', "-"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into())
    })
}

#[cfg(unix)]
fn hostname() -> Option<String> {
    nix::unistd::gethostname().ok()?.into_string().ok()
}

#[cfg(not(unix))]
fn hostname() -> Option<String> {
    std::env::var("COMPUTERNAME").ok()
}

/// Whether process `pid` of this host still runs: `kill(pid, 0)` delivers
/// nothing and fails only for a process that is gone (ESRCH); a process
/// of another user (EPERM) is running.
#[cfg(unix)]
pub(super) fn is_running(pid: u32) -> bool {
    use nix::errno::Errno;
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(Errno::ESRCH)
    )
}

/// Without a way to ask here, every writer counts as running: a stale
/// temporary file is left behind rather than another run's deleted.
#[cfg(not(unix))]
pub(super) fn is_running(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{self, Write};

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

    #[test]
    fn this_process_runs_and_a_finished_one_does_not() {
        assert!(is_running(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_running(pid));
    }
}
