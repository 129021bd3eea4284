//! Results you can trust: resume, interruption, failing jobs, and a full or
//! read-only disk, each on the real binary.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// 60 jobs long enough (a second or two in all) to be interrupted partway.
const LONG: &str = r#"
name = "long"
epochs = 1500

[data]
inputs = ["petal_length", "petal_width"]

[grid]
rule = ["matmul", "kronecker"]
activation = ["sigmoid", "tanh01", "tanh"]
seed = { from = 1, count = 10 }
"#;

const LONG_JOBS: usize = 60;

fn spawn(config: &Path, out: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin!("sweep"))
        .arg(config)
        .arg("-o")
        .arg(out)
        .arg("-q")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

fn has_temp_file(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
    })
}

/// Polls (every 0.2 ms) until `ready` holds or the child exits; true if it held.
fn wait_until(child: &mut Child, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if ready() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        sleep(Duration::from_micros(200));
    }
    panic!("sweep neither got there nor exited within a minute");
}

fn reference(tmp: &TempDir, config: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let out = tmp.path().join("reference");
    run_ok(&[config.to_str().unwrap()], &out);
    results_bytes(&out.join("long"))
}

#[test]
fn rerun_resumes_only_the_missing_jobs() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let dir = tmp.path().join("grid");
    let before = results_bytes(&dir);
    let removed = forget_jobs(&dir, 7);
    assert_eq!(removed, 180 / 7 + 1);
    cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(tmp.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("{removed} jobs to run")));
    assert!(before == results_bytes(&dir));
    // All finished: a rerun trains nothing and keeps the exports.
    cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(tmp.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("all 180 jobs already finished"));
    assert!(before == results_bytes(&dir));
}

#[test]
fn changed_config_is_refused_unless_forced() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, "epochs = 5\n[grid]\nrule = \"matmul\"\n");
    run_ok(&[config.to_str().unwrap()], tmp.path());
    // Same resolved config, different text: still the same experiment.
    fs::write(
        &config,
        "# a comment\nepochs = 5\n[grid]\nrule = [\"matmul\"]\nseed = 1\n",
    )
    .unwrap();
    run_ok(&[config.to_str().unwrap()], tmp.path());

    fs::write(&config, "epochs = 6\n[grid]\nrule = \"matmul\"\n").unwrap();
    sweep_at(&config, tmp.path()).code(2).stderr(
        predicate::str::contains("different config")
            .and(predicate::str::contains("epochs: 5 → 6"))
            .and(predicate::str::contains("--force")),
    );
    let summary = tmp.path().join("small/summary.csv");
    assert_eq!(rows(&summary)[0]["epochs_run"], "5", "nothing was touched");

    cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(tmp.path())
        .arg("--force")
        .arg("-q")
        .assert()
        .success();
    assert_eq!(rows(&summary)[0]["epochs_run"], "6");
    assert_eq!(
        rows(&tmp.path().join("small/epochs.csv")).len(),
        7,
        "nothing is left of the old results"
    );
}

#[test]
fn sigint_keeps_finished_jobs_and_a_rerun_completes_identically() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, LONG);
    let expected = reference(&tmp, &config);
    let out = tmp.path().join("interrupted");
    let dir = out.join("long");

    let mut child = spawn(&config, &out);
    assert!(wait_until(&mut child, || finished_jobs(&dir) >= 2));
    signal(&child, libc::SIGINT);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    let finished = finished_jobs(&dir);
    assert!(
        (2..LONG_JOBS).contains(&finished),
        "{finished} jobs finished"
    );
    assert_jobs_whole(&dir);
    // The exports hold exactly the finished jobs.
    assert_eq!(rows(&dir.join("summary.csv")).len(), finished);

    run_ok(&[config.to_str().unwrap()], &out);
    assert!(expected == results_bytes(&dir));
}

#[test]
fn sigkill_at_any_moment_loses_nothing_that_finished() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, LONG);
    let expected = reference(&tmp, &config);
    let out = tmp.path().join("killed");
    let dir = out.join("long");

    // Killed after the first job, halfway, and at moments spread over a
    // run (the writer commits a batch every 0.2 s, so some land mid-commit).
    let moments = [
        "first job",
        "halfway",
        "3 ms",
        "40 ms",
        "150 ms",
        "210 ms",
        "420 ms",
    ];
    for moment in moments {
        let mut child = spawn(&config, &out);
        let started = Instant::now();
        let reached = wait_until(&mut child, || match moment {
            "first job" => finished_jobs(&dir) >= 1,
            "halfway" => finished_jobs(&dir) >= LONG_JOBS / 2,
            ms => {
                let ms: u64 = ms.trim_end_matches(" ms").parse().unwrap();
                started.elapsed() >= Duration::from_millis(ms)
            }
        });
        if reached {
            signal(&child, libc::SIGKILL);
        }
        child.wait().unwrap();
        if dir.join("results.db").exists() {
            assert_jobs_whole(&dir);
        }
        assert!(finished_jobs(&dir) <= LONG_JOBS, "{moment}");
    }

    // Killed while the exports are written: all jobs are done by now or
    // after one more run.
    let mut caught = false;
    for _ in 0..20 {
        // Exports still fresh from a finished run would be kept, not
        // written: a deleted one is written again.
        let _ = fs::remove_file(dir.join("epochs.csv"));
        let mut child = spawn(&config, &out);
        caught = wait_until(&mut child, || has_temp_file(&dir));
        if caught {
            signal(&child, libc::SIGKILL);
        }
        child.wait().unwrap();
        if caught && finished_jobs(&dir) == LONG_JOBS {
            break;
        }
    }
    assert!(caught, "never saw the exports being written");

    run_ok(&[config.to_str().unwrap()], &out);
    let after = results_bytes(&dir);
    assert!(
        after.keys().all(|p| !p.to_string_lossy().ends_with(".tmp")),
        "temporary files of killed runs are cleaned up"
    );
    assert!(expected == after);
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the fault-injection hook is in builds with debug assertions only"
)]
fn a_panicking_job_is_recorded_and_the_others_finish() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, "epochs = 4\n[grid]\nseed = [1, 2, 3]\n");
    let victim = "matmul-sigmoid-lr0.1-b1-random-r0.5-s2";
    let out = cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(tmp.path())
        .env("SWEEP_TEST_PANIC_JOB", victim)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    // One line names the job and the panic's message; nothing of Rust's.
    let about: Vec<&str> = stderr.lines().filter(|l| l.contains("panic")).collect();
    assert_eq!(
        about,
        [format!(
            "sweep: job {victim} failed: panicked: injected by SWEEP_TEST_PANIC_JOB"
        )],
        "{stderr}"
    );
    assert_in_words(&stderr);
    let dir = tmp.path().join("small");
    let summary = rows(&dir.join("summary.csv"));
    assert_eq!(summary.len(), 9);
    let failed: Vec<_> = summary.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["job_id"], victim);
    assert!(failed[0]["message"].contains("injected"));
    assert_eq!(finished_jobs(&dir), 8);

    // The rerun retries just that job.
    cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(tmp.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("1 job to run"));
    assert!(
        rows(&dir.join("summary.csv"))
            .iter()
            .all(|r| r["status"] != "failed")
    );
}

#[test]
fn divergence_is_an_outcome_and_its_nan_is_labelled() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(
        &tmp,
        "epochs = 20\n[grid]\nrule = \"matmul\"\nactivation = [\"linear\", \"sigmoid\"]\n\
         learning_rate = [0.1, 1e6]\n",
    );
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let summary = rows(&tmp.path().join("small/summary.csv"));
    let diverged: Vec<_> = summary
        .iter()
        .filter(|r| r["status"] == "diverged")
        .collect();
    assert!(!diverged.is_empty());
    for r in &diverged {
        assert_eq!(r["learning_rate"], "1000000.0");
        assert!(r["message"].contains("NaN or infinite by epoch"), "{r:?}");
    }
    // Any non-finite value in the summary sits in a row that says why.
    for r in &summary {
        let non_finite = r
            .values()
            .any(|v| ["NaN", "inf", "-inf"].contains(&v.as_str()));
        assert!(!non_finite || r["status"] == "diverged", "{r:?}");
    }
    assert!(
        summary
            .iter()
            .filter(|r| r["learning_rate"] == "0.1")
            .all(|r| r["status"] == "completed")
    );
}

/// A small tmpfs mounted for one test; unmounted when dropped. Mounting
/// needs root (CAP_SYS_ADMIN): the tests that use it are ignored unless
/// asked for, as `.ci/run` does.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "this test mounts a tmpfs, which needs root");
        Tmpfs(at.to_path_buf())
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "mounts a tmpfs, which needs root; .ci/run runs it"]
fn full_disk_fails_the_jobs_it_hits_and_loses_nothing() {
    let tmp = TempDir::new().unwrap();
    // Room for the database and its first batches, not for every job.
    let disk = Tmpfs::mount(&tmp.path().join("disk"), "400k");
    let output = cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(&disk.0)
        .arg("-q")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("disk is full") || stderr.contains("No space left on device"),
        "{stderr}"
    );
    assert!(
        stderr.contains("results.db") || stderr.contains("cannot write `"),
        "the error names the file: {stderr}"
    );
    let dir = disk.0.join("grid");
    assert!(finished_jobs(&dir) < 180);
    assert_jobs_whole(&dir);

    // With room again, the rerun completes and matches a clean run.
    disk.remount("size=64m");
    run_ok(&[], &disk.0);
    run_ok(&[], &tmp.path().join("clean"));
    assert!(results_bytes(&tmp.path().join("clean/grid")) == results_bytes(&dir));
}

#[test]
#[ignore = "mounts a tmpfs, which needs root; .ci/run runs it"]
fn read_only_results_folder_fails_cleanly_and_the_rerun_completes() {
    let tmp = TempDir::new().unwrap();
    let disk = Tmpfs::mount(&tmp.path().join("disk"), "64m");
    // Record the config, forget the jobs, then make the folder read-only.
    let config = write_config(&tmp, "epochs = 3\n[grid]\nseed = [1, 2]\n");
    run_ok(&[config.to_str().unwrap()], &disk.0);
    let dir = disk.0.join("small");
    let expected = results_bytes(&dir);
    assert_eq!(forget_jobs(&dir, 1), 6);
    let bind = Tmpfs(dir.clone());
    assert!(
        Command::new("mount")
            .args(["--bind"])
            .arg(&dir)
            .arg(&dir)
            .status()
            .unwrap()
            .success()
    );
    bind.remount("bind,ro");

    let output = cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(&disk.0)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("readonly") || stderr.contains("Read-only"),
        "{stderr}"
    );
    drop(bind);
    assert_eq!(finished_jobs(&dir), 0, "nothing was counted as finished");
    run_ok(&[config.to_str().unwrap()], &disk.0);
    assert!(expected == results_bytes(&dir));
}

#[test]
fn changed_data_file_is_refused_like_a_changed_config() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("d.csv");
    fs::write(&data, "a,b,label\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n").unwrap();
    let config = write_config(&tmp, "epochs = 2\n[data]\nsource = \"d.csv\"\n");
    run_ok(&[config.to_str().unwrap()], tmp.path());
    fs::write(&data, "a,b,label\n1,2,x\n2,1,y\n3,3,x\n0,2,y\n").unwrap();
    sweep_at(&config, tmp.path())
        .code(2)
        .stderr(predicate::str::contains("the data's content (SHA-256)"));
}
