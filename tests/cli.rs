//! End-to-end tests of the `sweep` binary on real configs.

mod common;

use common::*;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use tempfile::TempDir;

const SMALL: &str = r#"
epochs = 7

[data]
inputs = ["petal_length", "petal_width"]

[grid]
rule = ["kronecker", "matmul", "kronecker_input"]
activation = ["sigmoid", "tanh"]
learning_rate = [0.05, 0.2]
seed = { from = 1, count = 2 }
"#;

#[test]
fn small_sweep_writes_every_file_with_documented_headers() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, SMALL);
    let stdout = run_ok(&[config.to_str().unwrap()], tmp.path());
    assert!(stdout.contains("matmul") && stdout.contains("kronecker_input"));

    let dir = tmp.path().join("small");
    let jobs = 3 * 2 * 2 * 2;
    assert_eq!(
        header(&dir.join("epochs.csv")),
        "job_id,rule,activation,learning_rate,seed,batch_size,sampling,init_range,status,\
         epoch,train_loss,train_error_rate,validation_loss,validation_error_rate,test_loss,test_error_rate"
    );
    assert_eq!(
        header(&dir.join("summary.csv")),
        "job_id,rule,activation,learning_rate,seed,batch_size,sampling,init_range,status,\
         message,epochs_run,final_train_loss,final_validation_loss,final_test_loss,\
         best_train_loss,best_validation_loss,best_validation_epoch,first_epoch_below_target,\
         final_train_error_rate,final_validation_error_rate,final_test_error_rate"
    );
    assert_eq!(
        header(&dir.join("timings.csv")),
        "job_id,seconds,write_seconds"
    );
    assert!(
        fs::read_to_string(dir.join("config.toml"))
            .unwrap()
            .starts_with("sweep_version = ")
    );

    assert_eq!(rows(&dir.join("epochs.csv")).len(), jobs * (7 + 1));
    assert_eq!(rows(&dir.join("summary.csv")).len(), jobs);
    assert_eq!(rows(&dir.join("timings.csv")).len(), jobs);
    assert!(dir.join("results.db").is_file());
    for row in rows(&dir.join("summary.csv")) {
        assert_eq!(row["status"], "completed", "{row:?}");
    }
}

#[test]
fn kronecker_input_is_bit_identical_to_matmul_at_batch_size_one() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let epochs = rows(&tmp.path().join("grid/epochs.csv"));
    let metrics = |rule: &str| -> Vec<Vec<String>> {
        epochs
            .iter()
            .filter(|r| r["rule"] == rule)
            .map(|r| {
                [
                    "activation",
                    "learning_rate",
                    "seed",
                    "epoch",
                    "train_loss",
                    "train_error_rate",
                    "validation_loss",
                    "test_loss",
                ]
                .iter()
                .map(|c| r[*c].clone())
                .collect()
            })
            .collect()
    };
    let matmul = metrics("matmul");
    assert!(matmul.len() > 60, "the default grid trains matmul jobs");
    // Shortest round-trip text is equal exactly when the bits are.
    assert_eq!(matmul, metrics("kronecker_input"));
    assert_ne!(matmul, metrics("kronecker"));
}

#[test]
fn printed_kronecker_rule_cannot_run_on_four_feature_iris() {
    let tmp = TempDir::new().unwrap();
    let stdout = run_ok(&[repo("configs/iris4.toml").to_str().unwrap()], tmp.path());
    assert!(stdout.contains("shape_error"));
    for row in rows(&tmp.path().join("iris4/summary.csv")) {
        if row["rule"] == "kronecker" {
            assert_eq!(row["status"], "shape_error");
            // CSV text is ASCII: the notation is spelled out.
            let message = &row["message"];
            assert!(message.contains("kron(z^T, delta) is 3x3"), "{message}");
            assert!(message.contains("5x3") && message.is_ascii(), "{message}");
            assert_eq!(row["epochs_run"], "0");
        } else {
            assert!(
                ["completed", "stopped"].contains(&row["status"].as_str()),
                "{row:?}"
            );
        }
    }
}

#[test]
fn kronecker_forms_refuse_batches_of_two() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(
        &tmp,
        "epochs = 3\n[data]\ninputs = [\"petal_length\", \"petal_width\"]\n[grid]\nbatch_size = 2\n",
    );
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let summary = rows(&tmp.path().join("small/summary.csv"));
    let status: BTreeMap<_, _> = summary
        .iter()
        .map(|r| {
            (
                r["rule"].clone(),
                (r["status"].clone(), r["message"].clone()),
            )
        })
        .collect();
    assert_eq!(status["matmul"].0, "completed");
    for rule in ["kronecker", "kronecker_input"] {
        assert_eq!(status[rule].0, "shape_error");
        assert!(status[rule].1.contains("batch of 2"), "{}", status[rule].1);
    }
}

#[test]
fn same_seed_same_epoch_zero_loss_for_every_rule_and_learning_rate() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let mut first_loss: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut by_seed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows(&tmp.path().join("grid/epochs.csv")) {
        if row["epoch"] == "0" {
            let key = (row["seed"].clone(), row["activation"].clone());
            let loss = first_loss
                .entry(key)
                .or_insert_with(|| row["train_loss"].clone());
            assert_eq!(*loss, row["train_loss"], "{row:?}");
            by_seed
                .entry(row["seed"].clone())
                .or_default()
                .push(row["train_loss"].clone());
        }
    }
    assert_eq!(first_loss.len(), 10 * 2);
    // Different seeds do start from different weights.
    assert_ne!(by_seed["1"][0], by_seed["2"][0]);
}

#[test]
fn results_are_byte_identical_across_thread_counts_and_reruns() {
    let tmp = TempDir::new().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    run_ok(&["-j", "1"], &one);
    run_ok(&["-j", "2"], &two);
    let a = results_bytes(&one.join("grid"));
    let b = results_bytes(&two.join("grid"));
    assert_eq!(a.len(), 8, "every export is compared: {:?}", a.keys());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{} differs between -j 1 and -j 2",
            path.display()
        );
    }
    run_ok(&["-j", "2"], &one);
    assert!(
        a == results_bytes(&one.join("grid")),
        "a rerun changed the results"
    );
}

#[test]
fn misspelt_key_exits_2_and_names_it() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, "[grid]\nlerning_rate = [0.1]\n");
    sweep_at(&config, tmp.path()).code(2).stderr(
        predicate::str::contains("small.toml:2:1")
            .and(predicate::str::contains("`lerning_rate`"))
            .and(predicate::str::contains("did you mean `learning_rate`")),
    );
    assert!(
        !tmp.path().join("small").exists(),
        "nothing is written for a bad config"
    );
}

#[test]
fn default_run_matches_the_shipped_grid_config() {
    let tmp = TempDir::new().unwrap();
    let built_in = tmp.path().join("built-in");
    let file = tmp.path().join("file");
    run_ok(&[], &built_in);
    run_ok(&[repo("configs/grid.toml").to_str().unwrap()], &file);
    let a = fs::read(built_in.join("grid/summary.csv")).unwrap();
    let b = fs::read(file.join("grid/summary.csv")).unwrap();
    assert!(a == b);
}

#[test]
fn dry_run_plans_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    dry_run(&repo("configs/iris4.toml"), tmp.path()).stdout(
        predicate::str::contains("jobs: 180")
            .and(predicate::str::contains("shape_error: 60 jobs"))
            .and(predicate::str::contains("3×3")),
    );
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn csv_source_is_read_relative_to_the_config_and_weights_are_written() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("data")).unwrap();
    fs::write(
        tmp.path().join("data/points.csv"),
        "a,b,label\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n1,1,x\n2,2,y\n5,1,x\n1,5,y\n",
    )
    .unwrap();
    let config = write_config(
        &tmp,
        "epochs = 3\n[data]\nsource = \"data/points.csv\"\ntarget = \"label\"\n\
         [grid]\nrule = \"matmul\"\n[output]\nweights = true\n",
    );
    run_ok(&[config.to_str().unwrap()], &tmp.path().join("out"));
    let dir = tmp.path().join("out/small");
    assert_eq!(rows(&dir.join("epochs.csv")).len(), 4);
    let weights = rows(&dir.join("weights.csv"));
    assert!(
        weights
            .iter()
            .all(|w| w["job_id"] == "matmul-sigmoid-lr0.1-b1-random-r0.5-s1")
    );
    // Two inputs and the bias, before and after; one column per class.
    assert_eq!(weights.len(), 6);
    assert_eq!(weights[2]["input"], "bias");
    assert_eq!(weights[3]["weights"], "final");
    assert!(weights[0].contains_key("x") && weights[0].contains_key("y"));
    assert_ne!(
        weights[0]["x"], weights[3]["x"],
        "training moved the weights"
    );
}

/// `tests/golden/grid/` holds the default grid's committed summary and
/// config; any change of numbers must be a deliberate commit of new golden
/// files (see tests/golden/README.md).
#[test]
fn golden_results_of_the_default_grid_are_reproduced() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let golden = repo("tests/golden/grid");
    let mut compared = 0;
    for name in ["summary.csv", "config.toml", "curves.csv", "loss.svg"] {
        let Ok(expected) = fs::read(golden.join(name)) else {
            continue;
        };
        let got = fs::read(tmp.path().join("grid").join(name)).unwrap();
        assert!(got == expected, "{name} differs from the golden copy");
        compared += 1;
    }
    assert_eq!(compared, 4, "the golden files are committed");
}

/// A range is expanded to its list as it is read: the dry run lists its
/// values, and a folder run with the range is the same config as with the
/// list it gives.
#[test]
fn a_range_is_the_list_it_gives() {
    let tmp = TempDir::new().unwrap();
    let ranged = SMALL.replace(
        "learning_rate = [0.05, 0.2]",
        "learning_rate = { from = 0.01, to = 1, count = 4, scale = \"log\" }\n\
         batch_size = { from = 1, to = 5, step = 4 }",
    );
    let config = write_config(&tmp, &ranged);
    dry_run(&config, tmp.path()).stdout(
        predicate::str::contains("0.01, 0.0464, 0.215, 1").and(predicate::str::contains("1, 5")),
    );
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let ids: Vec<String> = rows(&tmp.path().join("small/summary.csv"))
        .into_iter()
        .map(|r| r["job_id"].clone())
        .collect();
    assert!(
        ids.contains(&"matmul-tanh-lr0.0464-b5-random-r0.5-s2".to_string()),
        "{ids:?}"
    );
    let listed = SMALL.replace(
        "learning_rate = [0.05, 0.2]",
        "learning_rate = [0.01, 0.0464, 0.215, 1.0]\nbatch_size = [1, 5]",
    );
    let stderr = run_stderr(&write_config(&tmp, &listed), tmp.path());
    assert!(stderr.contains("already finished"), "{stderr}");

    // Consecutive seeds are one meaning however written, and so is a key
    // left out and its default written in: each of these configs finds the
    // first one's results finished.
    for (n, text) in [
        "[grid]\nseed = [1, 2]\n",
        "# a comment\n[grid]\nseed = { from = 1, count = 2 }\nsampling = \"random\"\n",
        "[grid]\nbatch_size = 1\nseed = { from = 1, to = 2 }\n",
    ]
    .into_iter()
    .enumerate()
    {
        let config = write_config(&tmp, &format!("name = \"same\"\nepochs = 2\n{text}"));
        let stderr = run_stderr(&config, tmp.path());
        assert_eq!(
            stderr.contains("already finished"),
            n > 0,
            "{text}: {stderr}"
        );
    }
}

/// Runs `sweep CONFIG -o OUT` (progress on), expects success and returns
/// what it said on stderr.
fn run_stderr(config: &std::path::Path, out: &std::path::Path) -> String {
    let output = assert_cmd::cargo::cargo_bin_cmd!("sweep")
        .arg(config)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{}: {stderr}", config.display());
    stderr
}
