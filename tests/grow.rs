//! Grids that grow: a results folder keeps its shared settings and takes
//! any grid, and the exports after growing a sweep in steps are those of
//! one run of its final config, byte for byte, sharded or not.

mod common;

use common::{results_bytes, rows, run_ok, sweep_output, tree};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The first grid: one rule, one learning rate, two seeds.
const FIRST: &str = "rule = [\"matmul\"]\nlearning_rate = 0.1\nseed = { from = 1, count = 2 }";
/// Seeds and a rule added.
const SECOND: &str =
    "rule = [\"matmul\", \"kronecker_input\"]\nlearning_rate = [0.1]\nseed = [1, 2, 3]";
/// A learning rate and a seed added, the seeds written as a range.
const FINAL: &str = "rule = [\"matmul\", \"kronecker_input\"]\n\
                     learning_rate = { from = 0.1, to = 0.4, count = 2, scale = \"log\" }\n\
                     seed = { from = 1, to = 4 }";

/// A config of the sweep `g` with `grid` as its `[grid]`, written to `name`.
fn config(dir: &Path, name: &str, grid: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "name = \"g\"\nepochs = 4\n\
         [data]\nsplit = {{ train = 0.6, validation = 0.2, test = 0.2 }}\n[grid]\n{grid}\n"
    );
    fs::write(&path, text).unwrap();
    path
}

/// `sweep ARGS`, expected to succeed; its stderr.
fn sweep(args: &[&str]) -> String {
    let (_, stderr, code) = sweep_output(args);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    stderr
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The exports of one run of the final config, in a folder of its own.
fn one_run(tmp: &TempDir) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let once = tmp.path().join("once");
    let last = config(tmp.path(), "once.toml", FINAL);
    run_ok(&[path(&last)], &once);
    results_bytes(&once.join("g"))
}

#[test]
fn a_sweep_grown_in_two_steps_is_one_run_of_its_final_config() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("grown");
    let steps = [
        ("1.toml", FIRST, 2),
        ("2.toml", SECOND, 4),
        ("3.toml", FINAL, 10),
    ];
    for (name, grid, new_jobs) in steps {
        let c = config(tmp.path(), name, grid);
        let stderr = sweep(&[path(&c), "-o", path(&out)]);
        // Only the cells the grid gained run.
        assert!(
            stderr.contains(&format!("sweep: {new_jobs} jobs to run")),
            "{name}: {stderr}"
        );
    }
    let grown = results_bytes(&out.join("g"));
    assert_eq!(grown.len(), 8, "{:?}", grown.keys());
    assert!(grown == one_run(&tmp), "the grown sweep's exports differ");
    assert_eq!(rows(&out.join("g/summary.csv")).len(), 16);
}

#[test]
fn shards_grow_too_even_with_another_shard_count() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("sharded");
    let dir = out.join("g");
    let first = config(tmp.path(), "1.toml", FIRST);
    for shard in ["0/2", "1/2"] {
        sweep(&[path(&first), "-o", path(&out), "--shard", shard, "-q"]);
    }
    sweep(&["collect", path(&dir)]);
    // The second grid unsharded, into the collected folder; the final one
    // on three shards, which collect merges with everything before.
    sweep(&[
        path(&config(tmp.path(), "2.toml", SECOND)),
        "-o",
        path(&out),
        "-q",
    ]);
    let last = config(tmp.path(), "3.toml", FINAL);
    for shard in ["0/3", "1/3", "2/3"] {
        sweep(&[path(&last), "-o", path(&out), "--shard", shard, "-q"]);
    }
    sweep(&["collect", path(&dir)]);
    assert!(
        results_bytes(&dir) == one_run(&tmp),
        "the collected exports differ"
    );
}

#[test]
fn a_grid_that_shrinks_keeps_the_other_cells_for_report_all() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&[path(&config(tmp.path(), "big.toml", FINAL))], &out);
    let small = config(
        tmp.path(),
        "small.toml",
        "rule = \"kronecker_input\"\nlearning_rate = 0.1\nseed = [2, 1]",
    );
    let before = tree(&out.join("g"));
    let (plan, _, _) = sweep_output(&[path(&small), "-o", path(&out), "--dry-run"]);
    assert!(plan.contains("(2 of 2 jobs finished)"), "{plan}");
    assert!(tree(&out.join("g")) == before, "a dry run writes nothing");

    let stderr = sweep(&[path(&small), "-o", path(&out)]);
    assert!(stderr.contains("all 2 jobs already finished"), "{stderr}");
    assert!(
        stderr.contains("14 finished jobs of cells this config no longer names stay stored"),
        "{stderr}"
    );
    let fresh = tmp.path().join("fresh");
    run_ok(&[path(&small)], &fresh);
    assert!(results_bytes(&out.join("g")) == results_bytes(&fresh.join("g")));

    let report = |all: bool| {
        let dir = out.join("g");
        let args = ["report", path(&dir), "--all"];
        let (stdout, _, code) = sweep_output(&args[..2 + usize::from(all)]);
        assert_eq!(code, Some(0));
        stdout
    };
    let some = report(false);
    assert!(some.contains("2 of 2 jobs finished"), "{some}");
    assert!(some.contains("14 finished jobs of cells the config no longer names, left out"));
    assert!(!some.contains("matmul "), "{some}");
    let all = report(true);
    assert!(all.contains("included (--all)"), "{all}");
    let jobs = |text: &str, rule: &str| -> String {
        let line = text.lines().find(|l| l.starts_with(rule)).unwrap();
        line.split_whitespace().nth(2).unwrap().to_string()
    };
    assert_eq!(jobs(&all, "matmul "), "8", "{all}");
    assert_eq!(jobs(&all, "kronecker_input "), "8", "{all}");

    // Growing back finds every cell finished.
    let stderr = sweep(&[
        path(&config(tmp.path(), "big.toml", FINAL)),
        "-o",
        path(&out),
    ]);
    assert!(stderr.contains("all 16 jobs already finished"), "{stderr}");
    assert!(results_bytes(&out.join("g")) == one_run(&tmp));
}

#[test]
fn a_changed_shared_setting_is_refused_by_name_with_the_grid_changed_too() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&[path(&config(tmp.path(), "a.toml", FIRST))], &out);
    let before = tree(&out.join("g"));
    for (from, to, says) in [
        ("epochs = 4", "epochs = 5", "epochs: 4 → 5"),
        ("name = \"g\"", "name = \"g\"\nbias = 2", "bias: 1.0 → 2.0"),
        (
            "validation = 0.2, test = 0.2",
            "validation = 0.15, test = 0.25",
            "data.split.validation: 0.2 → 0.15",
        ),
        (
            "epochs = 4",
            "epochs = 4\nupdates_per_epoch = 10",
            "updates_per_epoch: (absent) → 10",
        ),
    ] {
        let text = fs::read_to_string(config(tmp.path(), "b.toml", SECOND)).unwrap();
        let changed = tmp.path().join("b.toml");
        fs::write(&changed, text.replacen(from, to, 1)).unwrap();
        let (_, stderr, code) = sweep_output(&[path(&changed), "-o", path(&out)]);
        assert_eq!(code, Some(2), "{to}: {stderr}");
        assert!(stderr.contains(says), "{to}: {stderr}");
        assert!(stderr.contains("shares changed"), "{stderr}");
        assert!(
            !stderr.contains("grid."),
            "the grid is not a shared setting: {stderr}"
        );
        assert!(
            tree(&out.join("g")) == before,
            "{to}: a refused run changes nothing"
        );
    }
}

#[test]
fn a_default_written_in_is_the_default() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&[path(&config(tmp.path(), "a.toml", FIRST))], &out);
    // 150 iris rows split 0.6 / 0.2 / 0.2: 90 to train, so 90
    // single-sample updates an epoch.
    for (grid_extra, same) in [
        ("", true),
        ("batch_size = 1", true),
        ("batch_size = [1, 9]", false),
    ] {
        let text = fs::read_to_string(config(tmp.path(), "b.toml", FIRST)).unwrap();
        let explicit = tmp.path().join("b.toml");
        let text = text.replacen("epochs = 4", "epochs = 4\nupdates_per_epoch = 90", 1);
        fs::write(&explicit, format!("{text}{grid_extra}\n")).unwrap();
        let (_, stderr, _) = sweep_output(&[path(&explicit), "-o", path(&out)]);
        match same {
            true => assert!(
                stderr.contains("already finished"),
                "{grid_extra}: {stderr}"
            ),
            // With a batch size of 9 the default is 10 updates: 90 is not it.
            false => assert!(
                stderr.contains("updates_per_epoch: (absent) → 90"),
                "{grid_extra}: {stderr}"
            ),
        }
    }
}

#[test]
fn a_kill_while_the_folder_is_renumbered_loses_nothing() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    // 4,000 jobs of 30 epochs: renumbering their 124,000 rows takes about
    // 0.1 s of a debug build's run, starting some 30 ms in.
    let grid = |seeds: u64| {
        format!(
            "rule = [\"matmul\", \"kronecker\"]\nlearning_rate = [0.01, 0.1, 0.5, 1]\n\
             seed = {{ from = 1, count = {seeds} }}"
        )
    };
    let config = |name: &str, seeds: u64| {
        let path = config(tmp.path(), name, &grid(seeds));
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("epochs = 4", "epochs = 30")).unwrap();
        path
    };
    let (small, big) = (config("small.toml", 500), config("big.toml", 505));
    run_ok(&[path(&small)], &out);
    // Back and forth between the grids, each run killed at another moment.
    let delays = [15u64, 35, 55, 75, 95, 120, 160, 250];
    for (attempt, delay_ms) in delays.into_iter().enumerate() {
        let config = if attempt % 2 == 0 { &big } else { &small };
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("sweep"))
            .args([path(config), "-o", path(&out), "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        common::assert_jobs_whole(&out.join("g"));
        assert!(
            common::finished_jobs(&out.join("g")) >= 4000,
            "{delay_ms} ms"
        );
    }
    run_ok(&[path(&big)], &out);
    common::assert_jobs_whole(&out.join("g"));
    let fresh = tmp.path().join("fresh");
    run_ok(&[path(&big)], &fresh);
    assert!(results_bytes(&out.join("g")) == results_bytes(&fresh.join("g")));
}

#[test]
fn the_meaning_is_compared_not_the_spelling() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    run_ok(&[path(&config(tmp.path(), "a.toml", FIRST))], &out);
    let split = "split = { train = 0.6, validation = 0.2, test = 0.2 }";
    for (what, text) in [
        (
            "keys and tables in another order, with comments",
            format!(
                "# the same sweep\nepochs = 4\nname = \"g\"\n[grid]\nseed = [1, 2] # two seeds\n\
                 learning_rate = [0.1]\nrule = \"matmul\"\n\n[data]\n{split}\n"
            ),
        ),
        (
            "every default written in",
            format!(
                "name = \"g\"\nepochs = 4\nbias = 1.0\n\
                 [data]\nsource = \"iris\"\n{split}\nscale = \"standard\"\nseed = 0\n\
                 delimiter = \",\"\nheader = true\n\
                 inputs = [\"sepal_length\", \"sepal_width\", \"petal_length\", \"petal_width\"]\n\
                 target = \"species\"\n\
                 [stop]\n[target]\n[output]\nweights = false\nworkbook = true\n\
                 [grid]\nrule = \"matmul\"\nactivation = \"sigmoid\"\nlearning_rate = 0.1\n\
                 batch_size = 1\nsampling = \"random\"\ninit_range = 0.5\n\
                 seed = {{ from = 1, to = 2, step = 1 }}\nexclude = []\n"
            ),
        ),
    ] {
        // The same config: its exports are still fresh, and kept as they are.
        let modified = || {
            fs::metadata(out.join("g/summary.csv"))
                .unwrap()
                .modified()
                .unwrap()
        };
        let before = modified();
        let same = tmp.path().join("same.toml");
        fs::write(&same, &text).unwrap();
        let stderr = sweep(&[path(&same), "-o", path(&out)]);
        assert!(
            stderr.contains("all 2 jobs already finished"),
            "{what}:\n{text}\n{stderr}"
        );
        assert_eq!(modified(), before, "{what}: the exports were rewritten");
    }
}

/// The README's example: `configs/scan.toml`, then ten more seeds.
#[test]
fn the_readme_scan_grows_by_ten_seeds() {
    let tmp = TempDir::new().unwrap();
    let scan = tmp.path().join("scan.toml");
    let text = fs::read_to_string(common::repo("configs/scan.toml")).unwrap();
    fs::write(&scan, &text).unwrap();
    let out = tmp.path().join("results");
    for _ in 0..2 {
        let stderr = sweep(&[path(&scan), "-o", path(&out)]);
        assert!(stderr.contains("sweep: 200 jobs to run"), "{stderr}");
        fs::write(&scan, text.replace("to = 10 }", "to = 20 }")).unwrap();
    }
    let dir = out.join("scan");
    let (report, _, _) = sweep_output(&["report", path(&dir), "--by", "learning_rate"]);
    assert!(report.contains("400 of 400 jobs finished"), "{report}");
    let worse = report
        .lines()
        .filter(|l| l.starts_with("kronecker  20/0/0 "))
        .count();
    assert_eq!(worse, 10, "{report}");
    for line in [
        "matmul     sigmoid               1.0    20         20      0.0599    0.0815                 2",
        "kronecker  sigmoid             0.001    20         20      0.2529    0.2680             never",
        "kronecker  20/0/0          +0.362 [0.361, 0.366]  1.9e-6  0.253 → 0.436    0/20  not gradient",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
}
