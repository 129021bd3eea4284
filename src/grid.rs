//! The plan: every cell of the grid's cross product, minus the excluded
//! ones, in a fixed order, each with a stable id.

use crate::config::{Axis, BatchSize, GridConfig, InitRange, LearningRate, Selector};
use crate::nn::{Activation, Rule, Sampling};
use crate::suggest::did_you_mean;
use serde::de;
use std::fmt;

/// The most jobs a plan may hold: a million times the default grid.
pub const MAX_JOBS: u64 = 100_000_000;

/// A grid that cannot be run as written.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// An axis lists a value twice, which would make two jobs with one id.
    #[error("grid.{axis}: `{value}` is listed twice; list each value once")]
    Duplicate {
        /// The axis.
        axis: &'static str,
        /// The repeated value.
        value: String,
    },
    /// `--shard slurm` outside a Slurm array task.
    #[error(
        "--shard slurm: {problem}; it takes K and N from a Slurm array task \
         (sbatch --array), or give --shard K/N"
    )]
    Slurm {
        /// What is missing or wrong.
        problem: String,
    },
    /// The cross product is larger than any machine would finish.
    #[error(
        "the grid has {count} cells, more than the {MAX_JOBS} sweep accepts; \
         shorten an axis or split the sweep into several configs"
    )]
    TooLarge {
        /// Cells in the cross product (saturated at u64::MAX).
        count: u64,
    },
}

/// The parameters of one job: one cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobParams {
    /// Update rule.
    pub rule: Rule,
    /// Activation function.
    pub activation: Activation,
    /// η.
    pub learning_rate: f64,
    /// Seeds the job's weights and sampling.
    pub seed: u64,
    /// Samples per update.
    pub batch_size: usize,
    /// How samples are chosen.
    pub sampling: Sampling,
    /// r of the initial weights' range [−r, r].
    pub init_range: f64,
}

impl JobParams {
    /// The job's id, made from its parameters alone, so that the same cell
    /// has the same id in any grid: `matmul-sigmoid-lr0.1-b1-random-r0.5-s3`.
    pub fn id(&self) -> String {
        format!(
            "{}-{}-lr{:?}-b{}-{}-r{:?}-s{}",
            self.rule,
            self.activation,
            self.learning_rate,
            self.batch_size,
            self.sampling,
            self.init_range,
            self.seed
        )
    }
}

impl fmt::Display for JobParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// The cells of a grid in plan order: rule, activation, learning rate,
/// batch size, sampling, init range, then seed, the last varying fastest.
#[derive(Debug, Clone)]
pub struct Plan {
    grid: GridConfig,
    cross: u64,
}

impl Plan {
    /// The plan of `grid`, refused when an axis repeats a value or the
    /// cross product is too large.
    pub fn new(grid: &GridConfig) -> Result<Plan, GridError> {
        no_duplicates("rule", &grid.rule)?;
        no_duplicates("activation", &grid.activation)?;
        no_duplicates("learning_rate", &grid.learning_rate)?;
        no_duplicates("batch_size", &grid.batch_size)?;
        no_duplicates("sampling", &grid.sampling)?;
        no_duplicates("init_range", &grid.init_range)?;
        let seeds: Vec<u64> = match &grid.seed {
            crate::config::Seeds::List(list) => list.clone(),
            crate::config::Seeds::Range { .. } => Vec::new(),
        };
        no_duplicates("seed", &Axis(seeds))?;

        let cross = [
            grid.rule.0.len() as u64,
            grid.activation.0.len() as u64,
            grid.learning_rate.0.len() as u64,
            grid.batch_size.0.len() as u64,
            grid.sampling.0.len() as u64,
            grid.init_range.0.len() as u64,
            grid.seed.len(),
        ]
        .into_iter()
        .try_fold(1u64, u64::checked_mul);
        match cross {
            Some(cross) if cross <= MAX_JOBS => Ok(Plan {
                grid: grid.clone(),
                cross,
            }),
            _ => Err(GridError::TooLarge {
                count: cross.unwrap_or(u64::MAX),
            }),
        }
    }

    /// Cells in the cross product, excluded ones included.
    pub fn cross_len(&self) -> u64 {
        self.cross
    }

    /// The `k`-th cell of the cross product (k < [`Plan::cross_len`]).
    pub fn cell(&self, mut k: u64) -> JobParams {
        let g = &self.grid;
        // Innermost axis first: seed varies fastest.
        let n_seeds = g.seed.len();
        let seed = g.seed.get(k % n_seeds);
        k /= n_seeds;
        let mut digit = |len: usize| {
            let d = k % len as u64;
            k /= len as u64;
            d as usize
        };
        let init_range = g.init_range.0[digit(g.init_range.0.len())].0;
        let sampling = g.sampling.0[digit(g.sampling.0.len())];
        let batch_size = g.batch_size.0[digit(g.batch_size.0.len())].0;
        let learning_rate = g.learning_rate.0[digit(g.learning_rate.0.len())].0;
        let activation = g.activation.0[digit(g.activation.0.len())];
        let rule = g.rule.0[digit(g.rule.0.len())];
        JobParams {
            rule,
            activation,
            learning_rate,
            seed,
            batch_size,
            sampling,
            init_range,
        }
    }

    /// Whether an `exclude` entry removes `p`.
    pub fn is_excluded(&self, p: &JobParams) -> bool {
        self.grid.exclude.iter().any(|sel| sel.matches(p))
    }

    /// The jobs, in plan order.
    pub fn jobs(&self) -> impl Iterator<Item = JobParams> + '_ {
        self.positioned_jobs().map(|(_, p)| p)
    }

    /// The jobs with their positions: a job's position is its cell's index
    /// in the cross product, so adding an `exclude` moves no other job.
    pub fn positioned_jobs(&self) -> impl Iterator<Item = (u64, JobParams)> + '_ {
        (0..self.cross)
            .map(|k| (k, self.cell(k)))
            .filter(|(_, p)| !self.is_excluded(p))
    }

    /// `exclude` entries (by position) that match no cell, so remove nothing.
    pub fn unused_excludes(&self) -> Vec<usize> {
        let mut used = vec![false; self.grid.exclude.len()];
        for k in 0..self.cross {
            let p = self.cell(k);
            for (u, sel) in used.iter_mut().zip(&self.grid.exclude) {
                *u = *u || sel.matches(&p);
            }
            if used.iter().all(|&u| u) {
                break;
            }
        }
        used.iter()
            .enumerate()
            .filter(|(_, u)| !**u)
            .map(|(i, _)| i)
            .collect()
    }
}

impl Selector {
    /// Whether `p` has, for every key this selector gives, one of its values.
    pub fn matches(&self, p: &JobParams) -> bool {
        fn any<T: PartialEq>(axis: &Option<Axis<T>>, value: T) -> bool {
            axis.as_ref().is_none_or(|a| a.0.contains(&value))
        }
        any(&self.rule, p.rule)
            && any(&self.activation, p.activation)
            && self
                .learning_rate
                .as_ref()
                .is_none_or(|a| a.0.iter().any(|v| v.0 == p.learning_rate))
            && any(&self.seed, p.seed)
            && self
                .batch_size
                .as_ref()
                .is_none_or(|a| a.0.iter().any(|v| v.0 == p.batch_size))
            && any(&self.sampling, p.sampling)
            && self
                .init_range
                .as_ref()
                .is_none_or(|a| a.0.iter().any(|v| v.0 == p.init_range))
    }
}

/// Part K of N of a plan: the jobs whose position in it is K modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 0.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

impl Shard {
    /// The whole plan: one shard of one.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the job at `position` in the plan belongs to this shard.
    pub fn holds(self, position: u64) -> bool {
        position % self.count == self.index
    }
}

/// What `--shard` says: K/N, or `slurm` for the array task's own part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `K/N`.
    Fixed(Shard),
    /// `slurm`: K and N from the Slurm array task's environment.
    Slurm,
}

/// Parses `--shard K/N` (0 ≤ K < N) or `--shard slurm`.
pub fn parse_shard(text: &str) -> Result<ShardArg, String> {
    if text == "slurm" {
        return Ok(ShardArg::Slurm);
    }
    let usage = || format!("`{text}` is not K/N with 0 ≤ K < N, such as 0/4, nor `slurm`");
    let (k, n) = text.split_once('/').ok_or_else(usage)?;
    let (index, count): (u64, u64) = (
        k.trim().parse().map_err(|_| usage())?,
        n.trim().parse().map_err(|_| usage())?,
    );
    if index < count {
        Ok(ShardArg::Fixed(Shard { index, count }))
    } else {
        Err(usage())
    }
}

impl ShardArg {
    /// The shard; for `slurm`, from `SLURM_ARRAY_TASK_ID` (counted from
    /// `SLURM_ARRAY_TASK_MIN`, so `--array=1-4` works too) and
    /// `SLURM_ARRAY_TASK_COUNT`.
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Shard, GridError> {
        match self {
            ShardArg::Fixed(shard) => Ok(shard),
            ShardArg::Slurm => slurm_shard(env),
        }
    }
}

fn slurm_shard(env: impl Fn(&str) -> Option<String>) -> Result<Shard, GridError> {
    let number = |name: &str| -> Result<u64, GridError> {
        let value = env(name).ok_or_else(|| GridError::Slurm {
            problem: format!("{name} is not set"),
        })?;
        value.trim().parse().map_err(|_| GridError::Slurm {
            problem: format!("{name} is `{value}`, not a whole number"),
        })
    };
    let (id, count) = (
        number("SLURM_ARRAY_TASK_ID")?,
        number("SLURM_ARRAY_TASK_COUNT")?,
    );
    let min = match env("SLURM_ARRAY_TASK_MIN") {
        Some(_) => number("SLURM_ARRAY_TASK_MIN")?,
        None => 0,
    };
    match id.checked_sub(min) {
        Some(index) if index < count => Ok(Shard { index, count }),
        _ => Err(GridError::Slurm {
            problem: format!(
                "task {id} of an array from {min} with {count} tasks is outside it; \
                 submit the array as --array=0-{}",
                count.saturating_sub(1)
            ),
        }),
    }
}

/// The parameters of a job, as the grid, `--filter` and the CSV columns
/// name them.
pub const PARAMETERS: [&str; 7] = [
    "rule",
    "activation",
    "learning_rate",
    "seed",
    "batch_size",
    "sampling",
    "init_range",
];

/// Parses a `--filter KEY=VALUE[,VALUE…]` into a selector of those values.
pub fn parse_filter(text: &str) -> Result<Selector, String> {
    let (key, values) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE; keys: {}", PARAMETERS.join(", ")))?;
    let key = key.trim();
    let number = |v: &str| -> Result<f64, String> {
        v.parse().map_err(|_| format!("`{v}` is not a number"))
    };
    let mut selector = Selector::default();
    match key {
        "rule" => selector.rule = Some(axis(values, named)?),
        "activation" => selector.activation = Some(axis(values, named)?),
        "sampling" => selector.sampling = Some(axis(values, named)?),
        "learning_rate" => {
            selector.learning_rate = Some(axis(values, |v| LearningRate::try_from(number(v)?))?)
        }
        "init_range" => {
            selector.init_range = Some(axis(values, |v| InitRange::try_from(number(v)?))?)
        }
        "seed" => {
            selector.seed = Some(axis(values, |v| {
                v.parse()
                    .map_err(|_| format!("seed `{v}` is not a whole number ≥ 0"))
            })?)
        }
        "batch_size" => {
            selector.batch_size = Some(axis(values, |v| {
                let b: i64 = v
                    .parse()
                    .map_err(|_| format!("`{v}` is not a whole number"))?;
                BatchSize::try_from(b)
            })?)
        }
        _ => {
            return Err(format!(
                "unknown key `{key}`{}; keys: {}",
                did_you_mean(key, PARAMETERS),
                PARAMETERS.join(", ")
            ));
        }
    }
    Ok(selector)
}

/// A value named as in the config, such as `matmul` or `tanh01`.
fn named<T: de::DeserializeOwned>(v: &str) -> Result<T, String> {
    T::deserialize(de::value::StrDeserializer::<de::value::Error>::new(v))
        .map_err(|e| e.to_string())
}

fn axis<T>(values: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Axis<T>, String> {
    values
        .split(',')
        .map(|v| parse(v.trim()))
        .collect::<Result<_, _>>()
        .map(Axis)
}

fn no_duplicates<T: PartialEq + fmt::Debug>(
    axis: &'static str,
    values: &Axis<T>,
) -> Result<(), GridError> {
    for (i, v) in values.0.iter().enumerate() {
        if values.0[..i].contains(v) {
            return Err(GridError::Duplicate {
                axis,
                value: format!("{v:?}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn plan(text: &str) -> Plan {
        Plan::new(&Config::parse(text, "t.toml", "t").unwrap().grid).unwrap()
    }

    #[test]
    fn cross_product_minus_exclude_in_order() {
        let p = plan(
            r#"[grid]
            rule = ["matmul", "kronecker"]
            activation = ["sigmoid", "linear"]
            seed = [1, 2]
            exclude = [{ rule = "kronecker", activation = "linear" }]"#,
        );
        assert_eq!(p.cross_len(), 8);
        let jobs: Vec<_> = p.jobs().collect();
        assert_eq!(jobs.len(), 6);
        assert_eq!(jobs[0].id(), "matmul-sigmoid-lr0.1-b1-random-r0.5-s1");
        assert_eq!(jobs[1].id(), "matmul-sigmoid-lr0.1-b1-random-r0.5-s2");
        assert_eq!(jobs[2].activation, Activation::Linear);
        assert!(
            !jobs
                .iter()
                .any(|j| j.rule == Rule::Kronecker && j.activation == Activation::Linear)
        );
        assert!(p.unused_excludes().is_empty());
    }

    #[test]
    fn job_id_does_not_depend_on_the_rest_of_the_grid() {
        let small = plan("[grid]\nrule = \"matmul\"\nseed = 3");
        let big = plan("[grid]\nlearning_rate = [0.5, 0.1]\nseed = { from = 1, count = 5 }");
        let id = small.jobs().next().unwrap().id();
        assert!(big.jobs().any(|j| j.id() == id));
    }

    #[test]
    fn exclude_matching_nothing_is_reported() {
        let p = plan("[grid]\nrule = \"matmul\"\nexclude = [{ rule = \"kronecker\" }]");
        assert_eq!(p.unused_excludes(), vec![0]);
        assert_eq!(p.jobs().count(), 1);
    }

    #[test]
    fn filters_parse_into_selectors() {
        let p = plan("[grid]\nlearning_rate = [0.1, 0.5]\nseed = [1, 2, 3]");
        let sel = parse_filter("seed=1,3").unwrap();
        let lr = parse_filter("learning_rate=0.5").unwrap();
        let picked: Vec<_> = p
            .jobs()
            .filter(|j| sel.matches(j) && lr.matches(j))
            .map(|j| (j.learning_rate, j.seed))
            .collect();
        assert_eq!(picked.len(), 3 * 2, "three rules, two seeds");
        assert!(picked.iter().all(|&(lr, s)| lr == 0.5 && s != 2));
        for (bad, needle) in [
            ("seed", "KEY=VALUE"),
            ("sead=1", "did you mean `seed`"),
            ("rule=kron", "unknown variant `kron`"),
            ("learning_rate=-1", "finite number above 0"),
            ("batch_size=0", "batch size 0"),
            ("seed=x", "whole number"),
        ] {
            let err = parse_filter(bad).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn shards_parse_and_come_from_slurm() {
        assert_eq!(
            parse_shard("1/3"),
            Ok(ShardArg::Fixed(Shard { index: 1, count: 3 }))
        );
        for bad in ["3/3", "1", "a/2", "1/0", "-1/2"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
        fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        }
        let slurm = ShardArg::Slurm;
        let four = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(
            slurm.resolve(env(&four)).unwrap(),
            Shard { index: 2, count: 4 }
        );
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(
            slurm.resolve(env(&from_one)).unwrap(),
            Shard { index: 3, count: 4 }
        );
        let missing = slurm.resolve(env(&[])).unwrap_err().to_string();
        assert!(
            missing.contains("SLURM_ARRAY_TASK_ID is not set"),
            "{missing}"
        );
        let positions: Vec<u64> = (0..10)
            .filter(|&k| Shard { index: 1, count: 3 }.holds(k))
            .collect();
        assert_eq!(positions, [1, 4, 7]);
    }

    #[test]
    fn duplicates_and_huge_grids_are_refused() {
        let c = Config::parse("[grid]\nlearning_rate = [0.1, 0.1]", "t", "t").unwrap();
        assert!(matches!(
            Plan::new(&c.grid),
            Err(GridError::Duplicate {
                axis: "learning_rate",
                ..
            })
        ));
        let c = Config::parse("[grid]\nseed = { from = 0, count = 1000000000 }", "t", "t").unwrap();
        let err = Plan::new(&c.grid).unwrap_err();
        assert!(err.to_string().contains("3000000000 cells"), "{err}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::config::{BatchSize, Config, InitRange, LearningRate, Seeds};
    use proptest::prelude::*;
    use proptest::sample::subsequence;
    use std::collections::HashSet;

    /// A non-empty subset of `pool`, in pool order.
    fn some<T: Clone + std::fmt::Debug + 'static>(pool: Vec<T>) -> impl Strategy<Value = Vec<T>> {
        let n = pool.len();
        subsequence(pool, 1..=n)
    }

    fn selector() -> impl Strategy<Value = Selector> {
        (
            proptest::option::of(some(Rule::ALL.to_vec())),
            proptest::option::of(some(vec![Activation::Sigmoid, Activation::Relu])),
            proptest::option::of(some(vec![1u64, 2, 5])),
        )
            .prop_map(|(rule, activation, seed)| Selector {
                rule: rule.map(Axis),
                activation: activation.map(Axis),
                seed: seed.map(Axis),
                ..Selector::default()
            })
    }

    fn grid() -> impl Strategy<Value = GridConfig> {
        (
            some(Rule::ALL.to_vec()),
            some(Activation::ALL.to_vec()),
            some(vec![0.5, 0.1, 1e-3]),
            prop_oneof![
                some(vec![5u64, 1, 2, 40]).prop_map(Seeds::List),
                (0u64..4, 1u64..4).prop_map(|(from, count)| Seeds::Range { from, count }),
            ],
            some(vec![1usize, 2, 7]),
            some(Sampling::ALL.to_vec()),
            some(vec![0.5, 0.0]),
            proptest::collection::vec(selector(), 0..3),
        )
            .prop_map(
                |(rule, act, lr, seed, batch, sampling, init, exclude)| GridConfig {
                    rule: Axis(rule),
                    activation: Axis(act),
                    learning_rate: Axis(lr.into_iter().map(LearningRate).collect()),
                    seed,
                    batch_size: Axis(batch.into_iter().map(BatchSize).collect()),
                    sampling: Axis(sampling),
                    init_range: Axis(init.into_iter().map(InitRange).collect()),
                    exclude,
                },
            )
    }

    proptest! {
        #[test]
        fn expansion_ids_and_selectors_agree(grid in grid()) {
            let plan = Plan::new(&grid).unwrap();
            let all: Vec<JobParams> = (0..plan.cross_len()).map(|k| plan.cell(k)).collect();

            // The cross product: every combination once.
            let expected = grid.rule.0.len() * grid.activation.0.len() * grid.learning_rate.0.len()
                * grid.batch_size.0.len() * grid.sampling.0.len() * grid.init_range.0.len()
                * grid.seed.len() as usize;
            prop_assert_eq!(all.len(), expected);
            let ids: HashSet<String> = all.iter().map(JobParams::id).collect();
            prop_assert_eq!(ids.len(), all.len(), "ids are unique, so they identify the cell");

            // Jobs are the cells no exclude entry matches, in the same order.
            let kept: Vec<String> = all
                .iter()
                .filter(|p| !grid.exclude.iter().any(|s| s.matches(p)))
                .map(JobParams::id)
                .collect();
            let jobs: Vec<String> = plan.jobs().map(|p| p.id()).collect();
            prop_assert_eq!(&jobs, &kept);

            // An entry is unused exactly when it matches no cell.
            for (k, sel) in grid.exclude.iter().enumerate() {
                let used = all.iter().any(|p| sel.matches(p));
                prop_assert_eq!(plan.unused_excludes().contains(&k), !used);
            }

            // The recorded config plans the same jobs.
            let config = Config { grid: grid.clone(), ..Config::parse("", "t", "t").unwrap() };
            let reread = Config::parse(&toml::to_string(&config).unwrap(), "t", "t").unwrap();
            let replanned: Vec<String> = Plan::new(&reread.grid).unwrap().jobs().map(|p| p.id()).collect();
            prop_assert_eq!(&replanned, &jobs);
        }
    }
}
