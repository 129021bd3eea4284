//! Rules of one's own, in the tutorial's notation, end to end: the
//! variants of `configs/variants.toml`, their shape verdicts, gradcheck,
//! the verdict, and what a results folder allows of them.

mod common;

use common::{repo, rows, run_ok, sweep_output as sweep};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

/// Each job's `epochs.csv` measurements by its cell without the rule:
/// what two rules' jobs must share to be the same training.
fn curves_of(epochs: &Path, rule: &str) -> BTreeMap<String, Vec<String>> {
    let mut curves: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows(epochs).into_iter().filter(|r| r["rule"] == rule) {
        let cell = row["job_id"].trim_start_matches(rule).to_string();
        let numbers = ["epoch", "train_loss", "validation_loss", "test_error_rate"]
            .map(|k| row[k].clone())
            .join(",");
        curves.entry(cell).or_default().push(numbers);
    }
    curves
}

#[test]
fn the_variants_run_beside_the_built_in_rules() {
    let tmp = TempDir::new().unwrap();
    let config = repo("configs/variants.toml");
    let out = tmp.path().join("out");
    let (plan, _, code) = sweep(&[
        config.to_str().unwrap(),
        "--dry-run",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0));
    for line in [
        "  printed     = scalar_mul(eta, kronecker(transpose(outputs), delta))",
        "                batch size 1: ΔW is 3×3: it runs",
        "  no_bias     = scalar_mul(eta, kronecker(transpose(sample), delta))",
        "                batch size 1: shape_error: kronecker(transpose(sample), delta) is 2×3 \
         but the weights are 3×3",
        "  textbook    = scalar_mul(eta, kronecker(transpose(inputs), hadamard(error_vector, \
         activation_diff(net))))",
    ] {
        assert!(plan.contains(line), "{line}\n{plan}");
    }

    let stdout = run_ok(&[config.to_str().unwrap()], &out);
    let dir = out.join("variants");
    // The fix and the textbook's formula are the gradient step, bit for bit.
    let epochs = dir.join("epochs.csv");
    let matmul = curves_of(&epochs, "matmul");
    assert_eq!(matmul.len(), 40);
    for same in ["asker_fix", "textbook"] {
        assert!(curves_of(&epochs, same) == matmul, "{same} is not matmul");
    }
    assert!(curves_of(&epochs, "no_fprime") != matmul);
    // A rule that cannot have the weights' shape ends its jobs at epoch 0.
    let summary = rows(&dir.join("summary.csv"));
    let no_bias: Vec<_> = summary.iter().filter(|r| r["rule"] == "no_bias").collect();
    assert_eq!(no_bias.len(), 40);
    // (CSV text is ASCII: × is written x.)
    assert!(no_bias.iter().all(|r| r["status"] == "shape_error"
        && r["message"] == "kronecker(transpose(sample), delta) is 2x3 but the weights are 3x3"));
    // The verdict pairs each with matmul.
    let verdict: BTreeMap<String, BTreeMap<String, String>> = rows(&dir.join("verdict.csv"))
        .into_iter()
        .map(|r| (r["rule"].clone(), r))
        .collect();
    assert_eq!(verdict.len(), 7);
    assert_eq!(verdict["printed"]["worse"], "40");
    assert_eq!(verdict["asker_fix"]["equal"], "40");
    assert_eq!(verdict["no_bias"]["shape_errors"], "40");
    assert!(
        stdout.contains("textbook: identical to matmul in all 40 paired jobs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no_bias: every job ended in shape_error"),
        "{stdout}"
    );
    // The recorded config defines the rules, as they mean.
    let recorded = fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(recorded.contains(
        "textbook = \"scalar_mul(eta, kronecker(transpose(inputs), hadamard(error_vector, \
         activation_diff(net))))\""
    ));

    // The report of the folder, and a cell reproduced by its line.
    let (report, _, code) = sweep(&["report", dir.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, Some(0));
    assert!(report.contains(",frozen_bias,matmul,40,"), "{report}");
    let fresh = tmp.path().join("fresh");
    run_ok(
        &[
            config.to_str().unwrap(),
            "--filter",
            "rule=no_fprime",
            "--filter",
            "seed=3",
        ],
        &fresh,
    );
    let one = curves_of(&fresh.join("variants/epochs.csv"), "no_fprime");
    let all = curves_of(&epochs, "no_fprime");
    assert_eq!(one.len(), 4);
    assert!(one.iter().all(|(cell, curve)| all[cell] == *curve));
}

#[test]
fn gradcheck_judges_a_rule_of_ones_own() {
    let (table, _, code) = sweep(&["gradcheck", repo("configs/variants.toml").to_str().unwrap()]);
    assert_eq!(code, Some(0));
    let verdict = |rule: &str| {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("{rule} ")))
            .unwrap();
        line.to_string()
    };
    assert!(verdict("asker_fix").contains("gradient"), "{table}");
    assert!(
        !verdict("asker_fix").contains("not the gradient"),
        "{table}"
    );
    assert!(verdict("textbook").ends_with("gradient"), "{table}");
    assert!(verdict("printed").contains("not the gradient"), "{table}");
    assert!(verdict("no_fprime").contains("not the gradient"), "{table}");
    assert!(verdict("no_bias").contains("shape_error"), "{table}");
}

#[test]
fn a_rule_is_a_shared_setting_only_where_both_configs_define_it() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    let config = tmp.path().join("mine.toml");
    let write = |rules: &str, grid: &str| {
        let text = format!(
            "name = \"mine\"\nepochs = 3\n[data]\ninputs = [\"petal_length\", \"petal_width\"]\n\
             [rules]\n{rules}\n[grid]\nrule = {grid}\n"
        );
        fs::write(&config, text).unwrap();
    };
    let path = config.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    write(
        "fix = \"scalar_mul(eta, matmul(transpose(inputs), delta))\"",
        "[\"matmul\", \"fix\"]",
    );
    run_ok(&[path], &out);
    // Spelt otherwise, the same rule: nothing to run.
    write(
        "fix = \"scalar_mul( eta , matmul(transpose(inputs),delta) )\"",
        "[\"matmul\", \"fix\"]",
    );
    let (_, stderr, code) = sweep(&[path, "-o", out_arg]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("already finished"), "{stderr}");
    // Another rule added: the sweep grows.
    write(
        "fix = \"scalar_mul(eta, matmul(transpose(inputs), delta))\"\n\
         half = \"scalar_mul(0.5, scalar_mul(eta, matmul(transpose(inputs), delta)))\"",
        "[\"matmul\", \"fix\", \"half\"]",
    );
    let (_, stderr, code) = sweep(&[path, "-o", out_arg]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("sweep: 1 job to run"), "{stderr}");
    // A rule whose meaning changed would change its stored jobs: refused.
    write(
        "fix = \"scalar_mul(eta, kronecker(transpose(inputs), error_vector))\"",
        "[\"matmul\", \"fix\"]",
    );
    let (_, stderr, code) = sweep(&[path, "-o", out_arg]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "rules.fix: \"scalar_mul(eta, matmul(transpose(inputs), delta))\" → \
             \"scalar_mul(eta, kronecker(transpose(inputs), error_vector))\""
        ),
        "{stderr}"
    );
}
