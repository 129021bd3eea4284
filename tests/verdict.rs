//! The verdict's statistics against independent computations: Wilcoxon's
//! exact p-value by enumerating every sign assignment, the normal
//! approximation by its formula, and the default grid's `verdict.csv`
//! recomputed from `summary.csv`.

mod common;

use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use sweep::stats::{median, median_ci95, wilcoxon};
use tempfile::TempDir;

/// The two-sided exact p-value by brute force: the share of the 2ⁿ sign
/// assignments of the ranks whose positive sum is at least as far from
/// its mean as the observed one.
fn brute_force_p(d: &[f64]) -> f64 {
    let mut magnitudes: Vec<f64> = d.iter().map(|x| x.abs()).collect();
    magnitudes.sort_by(f64::total_cmp);
    let rank = |x: f64| magnitudes.iter().position(|m| *m == x.abs()).unwrap() as f64 + 1.0;
    let ranks: Vec<f64> = d.iter().map(|x| rank(*x)).collect();
    let observed: f64 = d
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let n = d.len();
    let mean = (n * (n + 1)) as f64 / 4.0;
    let extreme = (0u32..1 << n)
        .filter(|signs| {
            let w: f64 = (0..n)
                .filter(|k| signs >> k & 1 == 1)
                .map(|k| ranks[k])
                .sum();
            (w - mean).abs() >= (observed - mean).abs() - 1e-9
        })
        .count();
    extreme as f64 / f64::from(1u32 << n)
}

proptest! {
    #[test]
    fn exact_p_values_match_a_brute_force_count(
        d in prop::collection::hash_set(-1000i32..1000, 1..14)
    ) {
        // Distinct magnitudes, none zero: the exact path.
        let mut seen = std::collections::HashSet::new();
        let d: Vec<f64> = d
            .into_iter()
            .filter(|x| *x != 0 && seen.insert(x.abs()))
            .map(f64::from)
            .collect();
        prop_assume!(!d.is_empty());
        let p = wilcoxon(&d).unwrap();
        prop_assert!((p - brute_force_p(&d)).abs() < 1e-12, "{} vs {}", p, brute_force_p(&d));
    }
}

#[test]
fn large_samples_use_the_normal_approximation() {
    // 60 positive differences of distinct sizes: W+ = 1830, mean 915,
    // variance 60·61·121/24; with the continuity correction
    // z = 914.5 / 135.84 = 6.732 and p = erfc(z/√2) ≈ 1.67e-11.
    let d: Vec<f64> = (1..=60).map(f64::from).collect();
    let z = (1830.0 - 915.0 - 0.5) / (60.0 * 61.0 * 121.0 / 24.0_f64).sqrt();
    let expected = libm::erfc(z / std::f64::consts::SQRT_2);
    let p = wilcoxon(&d).unwrap();
    assert!((p - expected).abs() < 1e-20, "{p} vs {expected}");
    assert!((p - 1.67e-11).abs() < 0.01e-11, "{p}");
}

#[test]
fn the_default_grid_verdict_is_what_its_summary_says() {
    let tmp = TempDir::new().unwrap();
    let stdout = run_ok(&[], tmp.path());
    let dir = tmp.path().join("grid");
    // Final training loss by rule and by the job's other parameters.
    let mut loss: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut initial = 0;
    for row in rows(&dir.join("summary.csv")) {
        let rest = row["job_id"].split_once('-').unwrap().1.to_string();
        loss.insert(
            (row["rule"].clone(), rest),
            row["final_train_loss"].parse().unwrap(),
        );
        initial += 1;
    }
    assert_eq!(initial, 180);
    let verdict: BTreeMap<String, BTreeMap<String, String>> = rows(&dir.join("verdict.csv"))
        .into_iter()
        .map(|r| (r["rule"].clone(), r))
        .collect();
    for rule in ["kronecker", "kronecker_input"] {
        let differences: Vec<f64> = loss
            .iter()
            .filter(|((r, _), _)| r == rule)
            .map(|((_, rest), l)| l - loss[&("matmul".to_string(), rest.clone())])
            .collect();
        let v = &verdict[rule];
        assert_eq!(v["reference"], "matmul");
        assert_eq!(v["pairs"], "60");
        let count =
            |keep: fn(&f64) -> bool| differences.iter().filter(|d| keep(d)).count().to_string();
        assert_eq!(v["worse"], count(|d| *d > 0.0));
        assert_eq!(v["equal"], count(|d| *d == 0.0));
        let m = median(&differences).unwrap();
        assert_eq!(v["median_difference"].parse::<f64>().unwrap(), m);
        match wilcoxon(&differences) {
            Some(p) => assert_eq!(v["wilcoxon_p"].parse::<f64>().unwrap(), p),
            None => assert_eq!(v["wilcoxon_p"], ""),
        }
        if let Some((lo, hi)) = median_ci95(&differences) {
            assert!(lo <= m && m <= hi);
        }
    }
    // What the grid shows: the printed rule is worse in every pair, the
    // Kronecker form of the inputs is matmul bit for bit.
    assert_eq!(verdict["kronecker"]["worse"], "60");
    assert_eq!(verdict["kronecker_input"]["equal"], "60");
    assert!(
        stdout.contains("kronecker: worse than matmul in 60 of 60 paired jobs (p = 1.7e-11)"),
        "{stdout}"
    );
    assert!(stdout.contains("its step is not the gradient"), "{stdout}");
    assert!(
        stdout.contains("kronecker_input: identical to matmul in all 60 paired jobs"),
        "{stdout}"
    );
    for line in stdout.lines().skip_while(|l| !l.starts_with("verdict:")) {
        assert!(line.chars().count() <= 100, "wider than 100: {line}");
    }
}

#[test]
fn stats_agree_with_curves_and_summary() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[], tmp.path());
    let dir = tmp.path().join("grid");
    let curves = rows(&dir.join("curves.csv"));
    let summary = rows(&dir.join("summary.csv"));
    let stats = rows(&dir.join("stats.csv"));
    // 18 groups × 101 epochs × 6 metrics (the default grid's split has all three sets).
    assert_eq!(stats.len(), 18 * 101 * 6);
    for row in stats.iter().filter(|r| r["metric"] == "train_loss") {
        let column = format!(
            "{}/{}/lr={}",
            row["rule"], row["activation"], row["learning_rate"]
        );
        let epoch: usize = row["epoch"].parse().unwrap();
        assert_eq!(row["n"], "10");
        assert_eq!(
            row["mean"].parse::<f64>().unwrap(),
            curves[epoch][&column].parse::<f64>().unwrap(),
            "{column} at epoch {epoch}"
        );
        if epoch == 100 {
            let finals: Vec<f64> = summary
                .iter()
                .filter(|s| {
                    s["rule"] == row["rule"]
                        && s["activation"] == row["activation"]
                        && s["learning_rate"] == row["learning_rate"]
                })
                .map(|s| s["final_train_loss"].parse().unwrap())
                .collect();
            assert_eq!(
                row["median"].parse::<f64>().unwrap(),
                median(&finals).unwrap()
            );
            let lo = finals.iter().copied().fold(f64::INFINITY, f64::min);
            assert_eq!(row["min"].parse::<f64>().unwrap(), lo);
        }
    }
}

#[test]
fn report_reads_a_folder_in_every_format() {
    use assert_cmd::cargo::cargo_bin_cmd;
    let tmp = TempDir::new().unwrap();
    // Part of the grid only: the report reads what is finished.
    run_ok(&["--filter", "learning_rate=0.1,0.5"], tmp.path());
    let dir = tmp.path().join("grid");
    let report = |args: &[&str]| -> String {
        let out = cargo_bin_cmd!("sweep")
            .arg("report")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let table = report(&[]);
    assert!(table.contains("120 of 180 jobs finished"), "{table}");
    assert!(
        table.contains("kronecker: worse than matmul in 40 of 40 paired jobs"),
        "{table}"
    );
    assert!(table.contains("its step is not the gradient"), "{table}");
    let csv = report(&["--by", "learning_rate", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 3, "{csv}");
    assert!(lines[1].starts_with("learning_rate=0.1,kronecker,matmul,20,0,20,20,0,0,"));
    let written = tmp.path().join("by_rate.csv");
    let table = report(&["--by", "learning_rate", "--csv", written.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(&written).unwrap(), csv);
    // The end table is split by the same axis, and the grouped verdict
    // puts each group on a line of its own to stay within 100 columns.
    assert!(
        table.contains("rule             activation  learning_rate  jobs"),
        "{table}"
    );
    let rate_rows = table.lines().filter(|l| l.starts_with("matmul ")).count();
    assert_eq!(rate_rows, 2 * 2 + 2, "{table}");
    assert!(
        table.contains("\nlearning_rate=0.5:\nkronecker "),
        "{table}"
    );
    for line in table.lines().filter(|l| !l.starts_with("reproduce it")) {
        assert!(line.chars().count() <= 100, "{line}");
    }
    let json: serde_json::Value = serde_json::from_str(&report(&["--format", "json"])).unwrap();
    assert_eq!(json["reference"], "matmul");
    assert_eq!(json["rules"][0]["worse"], 40);
    assert_eq!(json["rules"][0]["step"], "not gradient");
    let markdown = report(&["--format", "markdown"]);
    assert!(markdown.contains("| rule | worse/=/better |"), "{markdown}");
    cargo_bin_cmd!("sweep")
        .args(["report"])
        .arg(tmp.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
}

#[test]
fn a_rule_that_never_trained_is_not_paired_and_says_why_once() {
    use assert_cmd::cargo::cargo_bin_cmd;
    let tmp = TempDir::new().unwrap();
    let stdout = run_ok(&[repo("configs/iris4.toml").to_str().unwrap()], tmp.path());
    let verdict = rows(&tmp.path().join("iris4/verdict.csv"));
    let kronecker = verdict.iter().find(|r| r["rule"] == "kronecker").unwrap();
    assert_eq!(kronecker["shape_errors"], "60");
    assert_eq!(kronecker["pairs"], "0");
    assert_eq!(kronecker["wilcoxon_p"], "");
    assert_eq!(
        stdout
            .matches("kron(zᵀ, δ) is 3×3 but the weights are 5×3")
            .count(),
        1,
        "{stdout}"
    );
    // Another reference, and one the grid does not have.
    let out = cargo_bin_cmd!("sweep")
        .arg("report")
        .arg(tmp.path().join("iris4"))
        .args(["--reference", "kronecker_input", "--format", "csv"])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.contains(",matmul,kronecker_input,60,0,60,0,60,0,"),
        "{csv}"
    );
    let tmp2 = TempDir::new().unwrap();
    let config = write_config(
        &tmp2,
        "epochs = 2\n[grid]\nrule = [\"matmul\", \"kronecker\"]\n",
    );
    run_ok(&[config.to_str().unwrap()], tmp2.path());
    cargo_bin_cmd!("sweep")
        .arg("report")
        .arg(tmp2.path().join("small"))
        .args(["--reference", "kronecker_input"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the grid's rules are matmul, kronecker",
        ));
}
