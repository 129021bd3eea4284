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

pub fn results_bytes(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() != "timings.csv" {
                files.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
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
