//! A refused run leaves the file system as it found it, and says why in
//! the user's words; `--dry-run` refuses what the run refuses; `sweep
//! collect` exits 2 when it is given the wrong folder; printed commands
//! paste back into a shell.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const SMALL: &str = "epochs = 2\n[data]\nsource = \"xor\"\n[grid]\nrule = \"matmul\"\n";

/// Runs `sweep ARGS` in `dir` and expects exit status 2 with the file
/// system under `dir` unchanged; gives stderr.
fn refused_untouched(dir: &Path, args: &[&str]) -> String {
    refused_untouched_with(dir, args, |_| {})
}

fn refused_untouched_with(dir: &Path, args: &[&str], setup: impl FnOnce(&mut Command)) -> String {
    let before = tree(dir);
    let mut command = Command::new(env!("CARGO_BIN_EXE_sweep"));
    command.current_dir(dir).args(args);
    setup(&mut command);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{args:?}\n{stderr}");
    assert!(tree(dir) == before, "{args:?} changed the file system");
    assert_in_words(&stderr);
    stderr
}

/// A folder holding `c.toml` (the small sweep) and its finished results,
/// in `results/c`.
fn finished_small_sweep() -> TempDir {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("c.toml"), SMALL).unwrap();
    let status = cargo_bin_cmd!("sweep")
        .current_dir(tmp.path())
        .args(["c.toml", "-q"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    tmp
}

#[test]
fn a_file_sweep_writes_that_is_a_folder_is_refused_before_training() {
    for export in ["timings.csv", "config.toml", "summary.csv"] {
        let tmp = finished_small_sweep();
        let path = tmp.path().join("results/c").join(export);
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        for args in [&["c.toml"][..], &["c.toml", "--dry-run"]] {
            let stderr = refused_untouched(tmp.path(), args);
            assert!(
                stderr.contains(export) && stderr.contains("not a regular file"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn a_name_too_long_for_a_folder_is_refused_before_anything_is_made() {
    let tmp = TempDir::new().unwrap();
    let long = format!("name = \"{}\"\n{SMALL}", "n".repeat(300));
    fs::write(tmp.path().join("c.toml"), long).unwrap();
    let stderr = refused_untouched(tmp.path(), &["c.toml"]);
    assert!(stderr.contains("c.toml:1:8: name: "), "{stderr}");
    assert!(stderr.contains("300 characters"), "{stderr}");
    // The same from a file name: the name a config without one takes.
    fs::write(tmp.path().join(format!("{}.toml", "f".repeat(120))), SMALL).unwrap();
    let stderr = refused_untouched(tmp.path(), &[&format!("{}.toml", "f".repeat(120))]);
    assert!(stderr.contains("config file's name"), "{stderr}");
}

#[test]
fn too_many_threads_are_refused_before_anything_is_made() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("c.toml"), SMALL).unwrap();
    for args in [
        &["c.toml", "-j", "100000"][..],
        &["c.toml", "-j", "100000", "--dry-run"],
    ] {
        let stderr = refused_untouched(tmp.path(), args);
        assert!(
            stderr.contains("100000 is not accepted") && stderr.contains("per core"),
            "{stderr}"
        );
    }
    for (bad, needle) in [
        ("0", "0 is not accepted"),
        ("x", "x is not accepted"),
        ("4.5", "4.5 is not accepted"),
    ] {
        let stderr = refused_untouched(tmp.path(), &["c.toml", "-j", bad]);
        assert!(
            stderr.contains(needle) && stderr.contains("a whole number from 1"),
            "{stderr}"
        );
    }
}

#[test]
fn a_full_disk_at_the_start_leaves_no_folder_behind() {
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("c.toml"), SMALL).unwrap();
    // A file-size limit of 4 KiB stands for a full disk: the database's
    // first pages cannot be written.
    let stderr = refused_untouched_with(tmp.path(), &["c.toml", "-o", "deep/er"], |command| {
        // SAFETY: between fork and exec, only async-signal-safe calls.
        unsafe {
            command.pre_exec(|| {
                let limit = libc::rlimit {
                    rlim_cur: 4096,
                    rlim_max: 4096,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
    });
    assert!(stderr.contains("cannot be written"), "{stderr}");
}

#[test]
fn dry_run_refuses_the_results_of_another_config_as_the_run_does() {
    let tmp = finished_small_sweep();
    fs::write(
        tmp.path().join("c.toml"),
        SMALL.replace("epochs = 2", "epochs = 3"),
    )
    .unwrap();
    let dry = cargo_bin_cmd!("sweep")
        .current_dir(tmp.path())
        .args(["c.toml", "--dry-run"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr),
    );
    assert_eq!(dry.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("refused"), "{stdout}");
    assert!(
        stderr.contains("different config") && stderr.contains("epochs: 2 → 3"),
        "{stderr}"
    );
    let stderr = refused_untouched(tmp.path(), &["c.toml"]);
    assert!(stderr.contains("different config"), "{stderr}");
}

#[test]
fn collect_of_a_folder_without_results_is_bad_usage() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("empty")).unwrap();
    fs::create_dir(tmp.path().join("foreign")).unwrap();
    fs::write(tmp.path().join("foreign/notes.txt"), "mine").unwrap();
    fs::write(tmp.path().join("a-file"), "mine").unwrap();
    for (dir, problem) in [
        ("missing", "does not exist"),
        ("empty", "holds no results database"),
        ("foreign", "holds no results database"),
        ("a-file", "is not a folder"),
    ] {
        let stderr = refused_untouched(tmp.path(), &["collect", dir]);
        assert!(stderr.contains(&format!("`{dir}` {problem}")), "{stderr}");
    }
}

#[test]
fn the_reproduce_line_pastes_back_through_a_shell() {
    let tmp = TempDir::new().unwrap();
    let folder = tmp.path().join("my configs");
    fs::create_dir(&folder).unwrap();
    let config = "epochs = 3\n[data]\nsource = \"xor\"\n[grid]\nrule = \"matmul\"\nseed = [1, 2]\n";
    fs::write(folder.join("it's here.toml"), config).unwrap();
    let out = cargo_bin_cmd!("sweep")
        .current_dir(tmp.path())
        .args(["my configs/it's here.toml", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("reproduce it in a fresh folder: "))
        .unwrap_or_else(|| panic!("no reproduce line:\n{stdout}"));
    assert!(
        line.contains(" 'my configs/it'\\''s here.toml' -o results/reproduced "),
        "{line}"
    );
    // Pasted as printed.
    let status = Command::new("sh")
        .current_dir(tmp.path())
        .args(["-c", &format!("{line} -q")])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{line}");
    let name = "it's here";
    let original = rows(&tmp.path().join("results").join(name).join("summary.csv"));
    let again = rows(
        &tmp.path()
            .join("results/reproduced")
            .join(name)
            .join("summary.csv"),
    );
    assert_eq!(again.len(), 1);
    let same = original
        .iter()
        .find(|r| r["job_id"] == again[0]["job_id"])
        .unwrap();
    assert_eq!(same, &again[0]);
}
