//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use assert_cmd::cargo::cargo_bin_cmd;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `sweep ARGS -o OUT -q` and expects exit status 0.
pub fn run_ok(args: &[&str], out: &Path) -> String {
    let output = cargo_bin_cmd!("sweep")
        .args(args)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

pub fn write_config(dir: &TempDir, text: &str) -> PathBuf {
    let path = dir.path().join("small.toml");
    fs::write(&path, text).unwrap();
    path
}

/// Rows of a CSV file as maps from column name to cell.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn header(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
}

/// The files people open: every file but the databases (whose bytes
/// depend on how the rows arrived) and `timings.csv` (wall times).
fn is_export(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    // The databases (results.db, the shards', their journals) differ in
    // their bytes; the workbook is an export like the others.
    name != "timings.csv" && (name == "results.xlsx" || !name.starts_with("results."))
}

/// The bytes of every export in `dir`, by path.
pub fn results_bytes(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if is_export(&path) {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// `sweep ARGS`: its stdout, its stderr and its exit status.
pub fn sweep_output(args: &[&str]) -> (String, String, Option<i32>) {
    let output = cargo_bin_cmd!("sweep").args(args).output().unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code(),
    )
}

/// `sweep CONFIG --dry-run -o OUT`, expected to succeed.
pub fn dry_run(config: &Path, out: &Path) -> assert_cmd::assert::Assert {
    cargo_bin_cmd!("sweep")
        .arg(config)
        .arg("--dry-run")
        .arg("-o")
        .arg(out)
        .assert()
        .success()
}

/// `sweep CONFIG -o OUT`, its exit status for the caller to check.
pub fn sweep_at(config: &Path, out: &Path) -> assert_cmd::assert::Assert {
    cargo_bin_cmd!("sweep")
        .arg(config)
        .arg("-o")
        .arg(out)
        .assert()
}

/// Jobs finished in the folder's results database (0 without one).
pub fn finished_jobs(dir: &Path) -> usize {
    let path = dir.join("results.db");
    if !path.exists() {
        return 0;
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    // A database still being created has no tables yet.
    conn.query_row("SELECT count(*) FROM jobs", [], |r| r.get::<_, i64>(0))
        .unwrap_or(0) as usize
}

/// The database passes SQLite's integrity check, and every job in it is
/// whole: its epochs run from 0 to the last, as `epochs_run` says.
pub fn assert_jobs_whole(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join("results.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let torn: i64 = conn
        .query_row(
            "SELECT count(*) FROM jobs j WHERE \
             (SELECT count(*) FROM epochs e WHERE e.position = j.position) != j.epochs_run + 1 \
             OR (SELECT max(epoch) FROM epochs e WHERE e.position = j.position) != j.epochs_run",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(torn, 0, "jobs with missing epochs");
}

/// Deletes the finished jobs whose position is a multiple of `step` from
/// the database, as if they had never run; returns how many.
pub fn forget_jobs(dir: &Path, step: i64) -> usize {
    let conn = rusqlite::Connection::open(dir.join("results.db")).unwrap();
    let n = conn
        .execute(&format!("DELETE FROM jobs WHERE position % {step} = 0"), [])
        .unwrap();
    for table in ["epochs", "timings", "weights"] {
        conn.execute(
            &format!("DELETE FROM {table} WHERE position NOT IN (SELECT position FROM jobs)"),
            [],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE meta SET value = value + 1 WHERE key = 'changes'",
        [],
    )
    .unwrap();
    n
}

/// Every file and folder under `dir` with the bytes of each file: two
/// equal trees are the same file system, as far as sweep could change it.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut entries = BTreeMap::new();
    if !dir.exists() {
        return entries;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let key = path.strip_prefix(dir).unwrap().to_path_buf();
            if path.is_dir() {
                stack.push(path);
                entries.insert(key, None);
            } else {
                entries.insert(key, Some(fs::read(&path).unwrap()));
            }
        }
    }
    entries
}

/// A message in the user's words: no Rust panic header, source path,
/// backtrace hint, Rust type name or raw control character.
pub fn assert_in_words(stderr: &str) {
    for rust in [
        "panicked at",
        "RUST_BACKTRACE",
        "src/",
        ".rs:",
        "thread '",
        "struct ",
        "Some(",
        "Err(",
    ] {
        assert!(!stderr.contains(rust), "`{rust}` in:\n{stderr}");
    }
    let types = [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "f32", "f64",
        "Vec", "Option", "String", "PathBuf",
    ];
    // What the user wrote is echoed in snippet lines, `backticks` and
    // "quotes": only sweep's own words are checked.
    let snippet = |l: &str| {
        l.trim_start()
            .split_once('|')
            .is_some_and(|(n, _)| n.trim().chars().all(|c| c.is_ascii_digit()))
    };
    for line in stderr.lines().filter(|l| !snippet(l)) {
        let own = line
            .split('`')
            .step_by(2)
            .flat_map(|part| part.split('"').step_by(2));
        for word in own.flat_map(|part| part.split(|c: char| !c.is_alphanumeric())) {
            assert!(!types.contains(&word), "`{word}` in:\n{stderr}");
        }
    }
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "a control character in:\n{stderr:?}"
    );
}
