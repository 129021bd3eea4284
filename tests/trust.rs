//! The results folder as a hostile user meets it: damaged or foreign
//! databases, two runs at once, other people's files, links, duplicate
//! column names, and exports edited by hand. Each is refused with nothing
//! changed, or repaired from the database.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// Jobs long enough (a second or so) that two runs started together overlap.
const LONG: &str = "name = \"long\"\nepochs = 1500\n[data]\ninputs = [\"petal_length\", \"petal_width\"]\n\
                    [grid]\nrule = [\"matmul\", \"kronecker\"]\nseed = { from = 1, count = 10 }\n";

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `sweep CONFIG -o OUT` for both configs at the same moment and
/// waits for both.
fn at_once(configs: [&Path; 2], out: &Path) -> Vec<std::process::Output> {
    let children = configs.map(|config| {
        Command::new(assert_cmd::cargo::cargo_bin!("sweep"))
            .arg(config)
            .arg("-o")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    });
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn a_database_that_is_not_sweeps_is_refused_untouched() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("grid");
    fs::create_dir(&dir).unwrap();
    // Garbage, then a real SQLite database of some other program.
    fs::write(dir.join("results.db"), b"not a database\n".repeat(100)).unwrap();
    let before = fs::read(dir.join("results.db")).unwrap();
    cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a results database"));
    assert_eq!(fs::read(dir.join("results.db")).unwrap(), before);

    fs::remove_file(dir.join("results.db")).unwrap();
    let other = rusqlite::Connection::open(dir.join("results.db")).unwrap();
    other
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(other);
    cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a sweep results database"));
    let other = rusqlite::Connection::open(dir.join("results.db")).unwrap();
    let text: String = other
        .query_row("SELECT text FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(text, "mine");
    assert_eq!(files(&dir), ["results.db"], "no export was written");
}

/// The commands that only read (`report`, `collect`) leave an empty file,
/// or a database with no tables, as they found it, and say what it is.
#[test]
fn an_empty_database_is_refused_untouched_by_the_commands_that_read() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("grid");
    fs::create_dir(&dir).unwrap();
    let db = dir.join("results.db");
    let refused_untouched = |why: &str| {
        let before = fs::read(&db).unwrap();
        for command in ["report", "collect"] {
            cargo_bin_cmd!("sweep")
                .arg(command)
                .arg(&dir)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(why));
            assert_eq!(fs::read(&db).unwrap(), before, "{command} changed it");
        }
    };
    fs::write(&db, b"").unwrap();
    refused_untouched("it is an empty file");
    fs::remove_file(&db).unwrap();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (a); DROP TABLE t;")
        .unwrap();
    refused_untouched("it holds no tables yet");
}

/// A results database cut short (a copy that stopped half way) is named
/// damaged by every command, not blamed on the folder, and left as it is;
/// a folder in its place is named for what it is.
#[test]
fn a_damaged_database_is_called_damaged_and_left_as_it_is() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, &LONG.replace("epochs = 1500", "epochs = 2"));
    let out = tmp.path().join("out");
    run_ok(&[config.to_str().unwrap()], &out);
    let dir = out.join("long");
    let db = dir.join("results.db");
    let runs: [Vec<&std::ffi::OsStr>; 3] = [
        vec![config.as_os_str(), "-o".as_ref(), out.as_os_str()],
        vec!["report".as_ref(), dir.as_os_str()],
        vec!["collect".as_ref(), dir.as_os_str()],
    ];
    // Every command refuses, in words, and changes nothing.
    let refused = |why: &str| {
        let before = fs::read(&db).ok();
        for args in &runs {
            cargo_bin_cmd!("sweep")
                .args(args)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(why));
            assert_eq!(fs::read(&db).ok(), before, "{args:?} changed it");
        }
    };
    let whole = fs::read(&db).unwrap();
    fs::write(&db, &whole[..whole.len() / 2]).unwrap();
    refused("it is damaged");
    fs::remove_file(&db).unwrap();
    fs::create_dir(&db).unwrap();
    refused("is not a regular file");
    assert!(db.is_dir());
}

#[test]
fn two_configs_started_at_once_never_mix() {
    let tmp = TempDir::new().unwrap();
    let a = tmp.path().join("a.toml");
    let b = tmp.path().join("b.toml");
    fs::write(&a, LONG).unwrap();
    fs::write(&b, LONG.replace("epochs = 1500", "epochs = 1400")).unwrap();
    let out = tmp.path().join("out");
    let outputs = at_once([&a, &b], &out);
    let codes: Vec<_> = outputs.iter().map(|o| o.status.code()).collect();
    let refused = outputs
        .iter()
        .find(|o| o.status.code() == Some(2))
        .unwrap_or_else(|| panic!("one run must be refused: {codes:?}"));
    assert!(codes.contains(&Some(0)), "{codes:?}");
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("different config") || why.contains("being written by another sweep"),
        "{why}"
    );
    // The folder holds the winner's results, complete.
    let winner = if codes[0] == Some(0) { &a } else { &b };
    let reference = tmp.path().join("reference");
    run_ok(&[winner.to_str().unwrap()], &reference);
    assert!(results_bytes(&reference.join("long")) == results_bytes(&out.join("long")));
}

#[test]
fn two_runs_of_one_config_at_once_train_no_job_twice() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, LONG);
    let out = tmp.path().join("out");
    let outputs = at_once([&config, &config], &out);
    let stderr: Vec<_> = outputs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    let codes: Vec<_> = outputs.iter().map(|o| o.status.code()).collect();
    // The second is refused while the first holds the lock (or, had it
    // started after the first ended, finds nothing left to train).
    assert!(
        codes.iter().all(|c| *c == Some(0) || *c == Some(2)),
        "{codes:?} {stderr:?}"
    );
    for (code, err) in codes.iter().zip(&stderr) {
        if *code == Some(2) {
            assert!(err.contains("being written by another sweep"), "{err}");
        }
    }
    let trained: usize = stderr
        .iter()
        .filter_map(|e| {
            e.split(" to run")
                .next()?
                .rsplit(' ')
                .nth(1)?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert_eq!(trained, 20, "no job was trained twice: {stderr:?}");
    assert_eq!(finished_jobs(&out.join("long")), 20);
}

/// Two runs creating one new database at once, many times over: the one
/// that loses sees the other's lock, never a half-made database taken for
/// someone else's. Short jobs, so that the two often meet while the
/// database is being made: when its identity was read in two statements,
/// this failed within a few hundred pairs, usually within fifty.
#[test]
fn a_database_being_created_is_never_taken_for_a_foreign_one() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, &LONG.replace("epochs = 1500", "epochs = 5"));
    for round in 0..300 {
        let out = tmp.path().join(format!("out{round}"));
        for output in at_once([&config, &config], &out) {
            let err = String::from_utf8_lossy(&output.stderr);
            match output.status.code() {
                Some(0) => {}
                Some(2) => assert!(err.contains("being written by another sweep"), "{err}"),
                code => panic!("round {round}: {code:?} {err}"),
            }
        }
        assert_eq!(finished_jobs(&out.join("long")), 20, "round {round}");
    }
}

#[test]
fn a_folder_of_other_files_is_refused() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("grid");
    fs::create_dir(&dir).unwrap();
    for (name, text) in [("summary.csv", "my own summary\n"), ("notes.txt", "mine\n")] {
        fs::write(dir.join(name), text).unwrap();
        cargo_bin_cmd!("sweep")
            .arg("-o")
            .arg(tmp.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("files sweep did not write"));
        assert_eq!(fs::read_to_string(dir.join(name)).unwrap(), text);
    }
    assert_eq!(files(&dir), ["notes.txt", "summary.csv"]);
}

#[test]
fn force_removes_only_what_sweep_wrote() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, "epochs = 3\n[grid]\nrule = \"matmul\"\n");
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let dir = tmp.path().join("small");
    // The user's files, one of them named like a temporary file of sweep's
    // from another machine, one like a temporary file of no export.
    let theirs = ["notes.txt", ".notes.tmp", ".summary.csv.otherhost.99.tmp"];
    for name in theirs {
        fs::write(dir.join(name), "mine\n").unwrap();
    }
    fs::write(&config, "epochs = 4\n[grid]\nrule = \"matmul\"\n").unwrap();
    cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(tmp.path())
        .args(["--force", "-q"])
        .assert()
        .success();
    for name in theirs {
        assert_eq!(
            fs::read_to_string(dir.join(name)).unwrap(),
            "mine\n",
            "{name}"
        );
    }
    assert_eq!(rows(&dir.join("summary.csv"))[0]["epochs_run"], "4");
}

#[test]
fn links_are_not_followed_out_of_the_folder() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, "epochs = 3\n[grid]\nrule = \"matmul\"\n");
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let dir = tmp.path().join("small");
    let outside = tmp.path().join("precious.txt");
    fs::write(&outside, "keep me\n").unwrap();
    fs::remove_file(dir.join("timings.csv")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("timings.csv")).unwrap();
    sweep_at(&config, tmp.path())
        .code(2)
        .stderr(predicate::str::contains("is a symbolic link"));
    assert_eq!(fs::read_to_string(&outside).unwrap(), "keep me\n");
}

#[test]
fn duplicate_column_names_are_refused() {
    let tmp = TempDir::new().unwrap();
    fs::write(
        tmp.path().join("d.csv"),
        "a,a,y\n1,2,x\n2,1,z\n3,3,x\n0,1,z\n",
    )
    .unwrap();
    let config = write_config(
        &tmp,
        "epochs = 2\n[data]\nsource = \"d.csv\"\ninputs = [1]\n",
    );
    sweep_at(&config, tmp.path())
        .code(2)
        .stderr(predicate::str::contains("`a` names columns 0 and 1"));
    assert!(!tmp.path().join("small").exists());
}

#[test]
fn an_edited_or_deleted_export_is_rewritten() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let dir = tmp.path().join("grid");
    let before = results_bytes(&dir);
    fs::write(dir.join("summary.csv"), "edited by hand\n").unwrap();
    fs::remove_file(dir.join("curves.csv")).unwrap();
    run_ok(&[], tmp.path());
    assert!(before == results_bytes(&dir));
}
