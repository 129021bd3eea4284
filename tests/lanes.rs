//! Jobs trained together in lanes give the same files as each job trained
//! alone: the runner's grouping, end to end.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::{results_bytes, rows, write_config};
use std::collections::BTreeMap;
use std::path::Path;
use tempfile::TempDir;

/// Every built-in rule and activation, batches of 1 and 4, learning rates
/// that train, stall and diverge, a stop that some jobs reach, two
/// samplings, and a rule of the config's own (which trains alone): groups
/// whose lanes end in every way, next to jobs that never join one.
const MIXED: &str = r#"
name = "mixed"
epochs = 12

[data]
source = "iris"
inputs = ["petal_length", "petal_width"]
target = "species"

[rules]
mine = "scalar_mul(eta, matmul(transpose(inputs), delta))"

[grid]
rule = ["matmul", "kronecker", "kronecker_input", "mine"]
activation = ["sigmoid", "tanh", "tanh01", "relu", "leaky_relu", "softplus", "linear"]
learning_rate = [0.05, 2.0, 500.0]
batch_size = [1, 4]
sampling = ["random", "shuffle"]
seed = { from = 1, count = 3 }

[stop]
validation_loss_below = 0.1
"#;

fn run(config: &Path, out: &Path, threads: &str, alone: bool) {
    let mut cmd = cargo_bin_cmd!("sweep");
    cmd.arg(config)
        .args(["-o", &out.display().to_string(), "-q", "-j", threads]);
    if alone {
        cmd.env("SWEEP_TEST_ALONE", "1");
    }
    cmd.assert().success();
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the switch to train every job alone is in builds with debug assertions only"
)]
fn jobs_in_lanes_write_the_bytes_of_jobs_alone() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, MIXED);
    let alone = tmp.path().join("alone");
    run(&config, &alone, "1", true);
    let expected = results_bytes(&alone.join("mixed"));

    // Every way a job ends is among the compared.
    let summary = rows(&alone.join("mixed/summary.csv"));
    assert_eq!(summary.len(), 4 * 7 * 3 * 2 * 2 * 3);
    let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &summary {
        *statuses.entry(row["status"].as_str()).or_default() += 1;
    }
    for status in ["completed", "stopped", "diverged", "shape_error"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) >= 10,
            "{status}: {statuses:?}"
        );
    }

    for threads in ["1", "2"] {
        let lanes = tmp.path().join(format!("lanes-{threads}"));
        run(&config, &lanes, threads, false);
        let got = results_bytes(&lanes.join("mixed"));
        assert!(expected.len() >= 8, "{:?}", expected.keys());
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &expected {
            assert!(
                &got[path] == bytes,
                "{} differs between lanes (-j {threads}) and one job at a time",
                path.display()
            );
        }
    }
}
