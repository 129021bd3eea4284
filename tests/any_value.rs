//! Any TOML value in any key: sweep runs the config or refuses it in the
//! user's words, never panics, and writes nothing when it refuses.
//!
//! The keys are every key (and every element and field of a list or
//! table) of a few valid configs that together set every key a config
//! has; a check below keeps that true as keys are added. Each case puts one
//! random value of any TOML type in one of them.

mod common;

use common::{assert_in_words, tree};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use sweep::config::Config;
use sweep::grid::Shard;
use sweep::runner::Sweep;
use tempfile::TempDir;
use toml::Value;

const COMMON: &str = r#"
name = "any"
epochs = 3
updates_per_epoch = 2
bias = 1.0
[grid]
rule = ["matmul", "kronecker"]
activation = "sigmoid"
learning_rate = [0.1, 0.5]
seed = { from = 1, count = 2 }
batch_size = 1
sampling = "random"
init_range = 0.5
exclude = [{ rule = "kronecker", learning_rate = 0.5 }]
[target]
validation_loss_below = 0.05
[stop]
validation_loss_below = 0.01
[output]
dir = "results"
weights = true
"#;

/// Valid configs that together set every key.
const BASES: [&str; 4] = [
    r#"[data]
source = "xor"
split = { train = 0.5, validation = 0.25, test = 0.25 }
scale = "standard"
seed = 0
[data.logic]
samples = 8
noise = 0.1
"#,
    r#"[data]
source = "blobs"
[data.blobs]
dimension = 2
classes = 3
per_class = 10
spread = 0.5
center_range = 2.0
"#,
    r#"[data]
source = "teacher"
[data.teacher]
inputs = 2
outputs = 2
activation = "tanh"
samples = 20
input_range = 1.0
weight_range = 2.0
noise = 0.05
"#,
    r#"[data]
source = "d.csv"
inputs = ["a", 1]
targets = ["t"]
delimiter = ";"
header = true
"#,
];

/// The data file the CSV base reads, beside the config.
const CSV: &str = "a;b;t\n1;2;0.5\n2;1;0.25\n3;3;0.75\n0;1;0.1\n";

fn base(k: usize) -> Value {
    Value::Table(toml::from_str(&format!("{COMMON}\n{}", BASES[k])).unwrap())
}

/// Every path into `value`: keys, list elements and table fields.
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Table(t) => {
            for (k, v) in t {
                prefix.push(Step::Key(k.clone()));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v.as_table_mut().unwrap()[k],
        Step::Index(i) => &mut v.as_array_mut().unwrap()[*i],
    })
}

fn all_cases() -> Vec<(usize, Vec<Step>)> {
    let mut cases = Vec::new();
    for k in 0..BASES.len() {
        let mut out = Vec::new();
        paths(&base(k), &mut Vec::new(), &mut out);
        cases.extend(out.into_iter().map(|p| (k, p)));
    }
    cases
}

fn any_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            -1i64,
            0,
            1,
            2,
            3,
            4,
            8,
            1000,
            1 << 31,
            1 << 40,
            i64::MAX,
            i64::MIN
        ])
        .prop_map(Value::Integer),
        any::<i64>().prop_map(Value::Integer),
        prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            0.25,
            1.5,
            -2.5,
            1e308,
            5e-324
        ])
        .prop_map(Value::Float),
        any::<f64>().prop_map(Value::Float),
        any::<bool>().prop_map(Value::Boolean),
        prop::sample::select(vec![
            "",
            "x",
            "matmul",
            "sigmoid",
            "iris",
            "xor",
            "blobs",
            "teacher",
            "d.csv",
            "a\u{0}b",
            "\u{1b}[31m",
            "../up",
            "/",
            "é",
            "t",
        ])
        .prop_map(|s| Value::String(s.into())),
        "[ -~]{0,12}".prop_map(Value::String),
        Just(Value::String("n".repeat(300))),
        Just(Value::Datetime("1979-05-27T07:32:00Z".parse().unwrap())),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    any_scalar().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec!["from", "count", "rule", "x", "seed", ""]),
                inner,
                0..3
            )
            .prop_map(|m| Value::Table(m.into_iter().map(|(k, v)| (k.into(), v)).collect())),
        ]
    })
}

/// The config text with `value` put at the `case`-th path.
fn mutated(case: usize, value: &Value) -> String {
    let cases = all_cases();
    let (k, path) = &cases[case % cases.len()];
    let mut doc = base(*k);
    *at(&mut doc, path) = value.clone();
    toml::to_string(&doc).unwrap()
}

/// A path's keys, without list positions.
fn keys(path: Vec<Step>) -> Vec<Step> {
    path.into_iter()
        .filter(|s| matches!(s, Step::Key(_)))
        .collect()
}

#[test]
fn the_bases_are_valid_and_set_every_key_a_config_has() {
    let mut set = BTreeSet::new();
    for k in 0..BASES.len() {
        let mut out = Vec::new();
        paths(&base(k), &mut Vec::new(), &mut out);
        set.extend(out.into_iter().map(keys));
    }
    for k in 0..BASES.len() {
        let text = toml::to_string(&base(k)).unwrap();
        let config = Config::parse(&text, "base", "base").unwrap();
        let written = Value::Table(toml::from_str(&toml::to_string(&config).unwrap()).unwrap());
        let mut out = Vec::new();
        paths(&written, &mut Vec::new(), &mut out);
        for path in out.into_iter().map(keys) {
            assert!(
                set.contains(&path),
                "{path:?}: a key the bases do not set; add it to one"
            );
        }
    }
}

fn cases(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // A failure prints its config; there is no source folder to keep it in.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Loads and plans the config at `path` as a run does, in this process:
/// a panic fails the test.
fn load_and_plan(path: &Path) -> anyhow::Result<()> {
    let loaded = sweep::commands::load(Some(path))?;
    let out = path.with_file_name("out");
    Sweep::new(loaded, Some(&out), Vec::new(), Shard::ALL)?;
    Ok(())
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn any_value_in_any_key_loads_or_is_refused_in_words(case in any::<usize>(), value in any_value()) {
        let tmp = TempDir::new().unwrap();
        fs::write(tmp.path().join("d.csv"), CSV).unwrap();
        let path = tmp.path().join("any.toml");
        fs::write(&path, mutated(case, &value)).unwrap();
        if let Err(err) = load_and_plan(&path) {
            // As `main` prints it.
            let message = sweep::printable::text(&format!("{err:#}")).into_owned();
            assert_in_words(&message);
            prop_assert!(message.contains("any.toml") || message.contains("d.csv"), "{}", message);
            prop_assert_eq!(sweep::exit_code(&err), 2, "{}", message);
        }
    }
}

/// Runs `sweep any.toml -o out -q` in `dir`: its exit status, or None when
/// it was still running (training a valid config) after `limit`.
fn run(dir: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sweep"))
        .current_dir(dir)
        .args(["any.toml", "-o", "out", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            return (None, String::new());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn any_value_in_any_key_runs_or_is_refused_without_a_trace() {
    let mut runner = proptest::test_runner::TestRunner::new(cases(256));
    let counts = std::cell::RefCell::new([0u32; 3]);
    runner
        .run(&(any::<usize>(), any_value()), |(case, value)| {
            let tmp = TempDir::new().unwrap();
            fs::write(tmp.path().join("d.csv"), CSV).unwrap();
            let text = mutated(case, &value);
            fs::write(tmp.path().join("any.toml"), &text).unwrap();
            let before = tree(tmp.path());
            let (code, stderr) = run(tmp.path(), Duration::from_secs(20));
            prop_assert!(
                matches!(code, None | Some(0) | Some(2)),
                "exit {:?}:\n{}\n{}",
                code,
                text,
                stderr
            );
            assert_in_words(&stderr);
            if code == Some(2) {
                prop_assert!(
                    tree(tmp.path()) == before,
                    "refused, yet wrote:\n{}\n{}",
                    text,
                    stderr
                );
            }
            counts.borrow_mut()[match code {
                Some(0) => 0,
                Some(_) => 1,
                None => 2,
            }] += 1;
            Ok(())
        })
        .unwrap();
    let [ran, refused, still_running] = counts.into_inner();
    eprintln!("{ran} ran, {refused} refused, {still_running} still running after 20 s");
    // Both outcomes are exercised, or the test checks less than it claims.
    assert!(ran >= 5 && refused >= 5, "{ran} ran, {refused} refused");
}
