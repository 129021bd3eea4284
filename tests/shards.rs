//! Shards: parts of one sweep run at once, into one results folder.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use predicates::prelude::*;
use std::process::{Command, Stdio};
use tempfile::TempDir;

fn sweep_bin() -> &'static std::path::Path {
    assert_cmd::cargo::cargo_bin!("sweep")
}

#[test]
fn three_concurrent_shards_give_the_single_runs_results() {
    let tmp = TempDir::new().unwrap();
    let single = tmp.path().join("single");
    run_ok(&[], &single);

    let sharded = tmp.path().join("sharded");
    let children: Vec<_> = (0..3)
        .map(|k| {
            Command::new(sweep_bin())
                .args(["--shard", &format!("{k}/3"), "-q", "-j", "1", "-o"])
                .arg(&sharded)
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    // Each shard wrote its own database; collect merges them and exports.
    let dir = sharded.join("grid");
    for k in 0..3 {
        assert!(dir.join(format!("results.shard-{k}-of-3.db")).is_file());
    }
    assert!(!dir.join("summary.csv").exists(), "shards write no exports");
    collect(&dir).success();
    assert!(results_bytes(&single.join("grid")) == results_bytes(&dir));
    // Collecting again changes nothing.
    collect(&dir).success();
    assert!(results_bytes(&single.join("grid")) == results_bytes(&dir));
}

fn collect(dir: &std::path::Path) -> assert_cmd::assert::Assert {
    cargo_bin_cmd!("sweep").arg("collect").arg(dir).assert()
}

#[test]
fn collect_writes_the_aggregates_once_every_shard_ran() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let dir = out.join("grid");
    cargo_bin_cmd!("sweep")
        .args(["--shard", "0/2", "-q", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    assert!(
        !dir.join("summary.csv").exists(),
        "one shard of two writes no aggregates"
    );

    cargo_bin_cmd!("sweep")
        .arg("collect")
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("90 of 180 jobs are not finished yet")
                .and(predicate::str::contains("… and 80 more")),
        );
    assert!(!dir.join("summary.csv").exists());

    // The other shard; then collect merges both and writes the exports.
    run_ok(&["--shard", "1/2"], &out);
    cargo_bin_cmd!("sweep")
        .arg("collect")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("best cell"));
    let single = tmp.path().join("single");
    run_ok(&[], &single);
    assert!(results_bytes(&single.join("grid")) == results_bytes(&dir));
}

#[test]
fn an_interrupted_shard_resumes_to_the_same_results() {
    // Jobs train eight at a time and a group's jobs end together, so the
    // shard holds many more jobs than its first groups: the interruption
    // must find jobs not yet started, even on a loaded machine.
    let tmp = TempDir::new().unwrap();
    let config = write_config(
        &tmp,
        "name = \"long\"\nepochs = 1500\n[data]\ninputs = [\"petal_length\", \"petal_width\"]\n\
         [grid]\nrule = [\"matmul\", \"kronecker\"]\nseed = { from = 1, count = 100 }\n",
    );
    let out = tmp.path().join("out");
    let dir = out.join("long");
    let mut child = Command::new(sweep_bin())
        .arg(&config)
        .args(["--shard", "0/2", "-q", "-j", "1", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    while shard_jobs(&dir.join("results.shard-0-of-2.db")) < 2 {
        assert!(child.try_wait().unwrap().is_none(), "the shard ended first");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    assert_eq!(child.wait().unwrap().code(), Some(130));

    run_ok(&[config.to_str().unwrap(), "--shard", "1/2"], &out);
    run_ok(&[config.to_str().unwrap(), "--shard", "0/2"], &out);
    collect(&dir).success();
    let single = tmp.path().join("single");
    run_ok(&[config.to_str().unwrap()], &single);
    assert!(results_bytes(&single.join("long")) == results_bytes(&dir));
}

/// Jobs committed to a shard's database so far.
fn shard_jobs(path: &std::path::Path) -> i64 {
    if !path.exists() {
        return 0;
    }
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))
        .unwrap_or(0)
}

/// configs/grid.toml with a setting every job shares changed (epochs 100 →
/// 101), written into `tmp`.
fn longer_config(tmp: &TempDir) -> std::path::PathBuf {
    let longer = tmp.path().join("longer.toml");
    let text = std::fs::read_to_string(repo("configs/grid.toml")).unwrap();
    std::fs::write(&longer, text.replace("epochs = 100", "epochs = 101")).unwrap();
    longer
}

/// Runs shard `k` of `config` (the default grid without one) into `out`.
fn shard(k: &str, config: &[&std::path::Path], out: &std::path::Path) {
    cargo_bin_cmd!("sweep")
        .args(config)
        .args(["--shard", k, "-q", "-o"])
        .arg(out)
        .assert()
        .success();
}

/// Expects `sweep collect DIR` refused for the database `db` of the
/// longer config's predecessor, saying how to go on, its exports untouched.
fn refused_for(dir: &std::path::Path, db: &str) {
    let before = results_bytes(dir);
    collect(dir)
        .code(2)
        .stderr(predicate::str::contains(db))
        .stderr(predicate::str::contains("epochs: 100 → 101"))
        .stderr(predicate::str::contains(
            "rerun what wrote it with the newest config and --force",
        ))
        .stderr(predicate::str::contains("-o DIR").not());
    assert!(
        before == results_bytes(dir),
        "a refused collect wrote exports"
    );
}

/// Expects `sweep collect DIR` to write the exports of one run of `config`.
fn collects_to_one_run_of(dir: &std::path::Path, config: &std::path::Path, tmp: &TempDir) {
    collect(dir).success();
    let single = tmp.path().join("single");
    run_ok(&[config.to_str().unwrap()], &single);
    assert!(results_bytes(&single.join("grid")) == results_bytes(dir));
}

#[test]
fn collect_refuses_a_shard_of_another_config_and_says_how_to_go_on() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let longer = longer_config(&tmp);
    shard("0/2", &[], &out);
    shard("1/2", &[&longer], &out);
    let dir = out.join("grid");
    refused_for(&dir, "results.shard-0-of-2.db");
    // As the message says: the shard rerun with the newest config and
    // --force, the collect gives the exports of one run of that config.
    cargo_bin_cmd!("sweep")
        .arg(&longer)
        .args(["--shard", "0/2", "-q", "--force", "-o"])
        .arg(&out)
        .assert()
        .success();
    collects_to_one_run_of(&dir, &longer, &tmp);
}

#[test]
fn collect_refuses_a_main_database_of_another_config_and_says_how_to_go_on() {
    // A whole run of the first config, then shards of another into its
    // folder: the main database is the one that differs.
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let longer = longer_config(&tmp);
    run_ok(&[], &out);
    shard("0/2", &[&longer], &out);
    shard("1/2", &[&longer], &out);
    let dir = out.join("grid");
    refused_for(&dir, "grid/results.db");
    // As the message says: that file moved away, the shards collect to the
    // exports of one run of the newest config.
    std::fs::rename(dir.join("results.db"), tmp.path().join("old.db")).unwrap();
    collects_to_one_run_of(&dir, &longer, &tmp);
}

#[test]
fn bad_shards_are_refused() {
    for bad in ["3/3", "x", "1/0"] {
        cargo_bin_cmd!("sweep")
            .args(["--shard", bad, "--dry-run"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("K/N"));
    }
    cargo_bin_cmd!("sweep")
        .args(["--shard", "slurm", "--dry-run"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLURM_ARRAY_TASK_ID is not set"));
    cargo_bin_cmd!("sweep")
        .args(["--shard", "slurm", "--dry-run"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .env("SLURM_ARRAY_TASK_MIN", "0")
        .assert()
        .success()
        .stdout(predicate::str::contains("--shard 1/4) takes 45 jobs"));
}
