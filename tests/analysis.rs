//! Seeing the answer: gradcheck, filters, curves and plots, end to end.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use tempfile::TempDir;

/// `sweep gradcheck --format csv CONFIG` as rows.
fn gradcheck(config: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let tmp = TempDir::new().unwrap();
    let out = cargo_bin_cmd!("sweep")
        .arg("gradcheck")
        .arg(config)
        .args(["--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let path = tmp.path().join("gradcheck.csv");
    fs::write(&path, out).unwrap();
    rows(&path)
}

#[test]
fn gradcheck_finds_matmul_and_kronecker_input_are_the_gradient() {
    let all_activations = TempDir::new().unwrap();
    let seven = write_config(
        &all_activations,
        "[data]\ninputs = [\"petal_length\", \"petal_width\"]\n[grid]\n\
         activation = [\"sigmoid\", \"tanh\", \"tanh01\", \"relu\", \"leaky_relu\", \"softplus\", \"linear\"]\n",
    );
    for (config, kronecker_fits) in [
        (repo("configs/grid.toml"), true),
        (repo("configs/iris4.toml"), false),
        (seven, true),
    ] {
        let checks = gradcheck(&config);
        assert!(checks.len() >= 6, "{}", config.display());
        for c in &checks {
            let verdict = c["verdict"].as_str();
            match c["rule"].as_str() {
                "matmul" | "kronecker_input" => {
                    assert_eq!(verdict, "gradient", "{c:?}");
                    assert!(c["max_relative_error"].parse::<f64>().unwrap() < 1e-6);
                }
                _ if kronecker_fits => {
                    assert_eq!(verdict, "not the gradient", "{c:?}");
                    assert!(c["max_relative_error"].parse::<f64>().unwrap() > 0.1);
                }
                _ => {
                    assert_eq!(verdict, "shape_error", "{c:?}");
                    assert!(c["message"].contains("3×3") && c["message"].contains("5×3"));
                }
            }
        }
    }
}

#[test]
fn gradcheck_table_is_readable() {
    cargo_bin_cmd!("sweep")
        .arg("gradcheck")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("max relative error")
                .and(predicate::str::contains("not the gradient"))
                .and(predicate::str::contains("10 training samples")),
        );
}

#[test]
fn filter_runs_one_cell_into_the_same_folder() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("filtered");
    run_ok(&["--filter", "rule=matmul", "--filter", "seed=3,4"], &out);
    let dir = out.join("grid");
    let summary = rows(&dir.join("summary.csv"));
    assert_eq!(
        summary.len(),
        2 * 3 * 2,
        "activations × learning rates × seeds"
    );
    assert!(
        summary
            .iter()
            .all(|r| r["rule"] == "matmul" && ["3", "4"].contains(&r["seed"].as_str()))
    );

    // The rest of the grid joins the same folder; the result is the full run's.
    run_ok(&[], &out);
    run_ok(&[], &tmp.path().join("full"));
    assert!(results_bytes(&dir) == results_bytes(&tmp.path().join("full/grid")));
}

#[test]
fn filter_must_match_a_cell() {
    let tmp = TempDir::new().unwrap();
    cargo_bin_cmd!("sweep")
        .args(["--filter", "seed=99", "-o"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no cell of the grid"));
    cargo_bin_cmd!("sweep")
        .args(["--filter", "rule=kron"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown variant `kron`"));
}
