//! The plan: every cell of the grid's cross product, minus the excluded
//! ones, in a fixed order, each with a stable id.

pub mod shard;

pub use crate::config::JobParams;
pub use shard::{Shard, ShardArg};

use crate::config::{GridConfig, Key};
use crate::nn::train::Job;

/// A grid that cannot be run as written.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
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
    #[error("{0}")]
    TooLarge(String),
}

impl JobParams {
    /// What the cell's parameters mean to training.
    pub fn job(&self) -> Job {
        Job {
            rule: self.rule,
            activation: self.activation,
            learning_rate: self.learning_rate.0,
            seed: self.seed.0,
            batch_size: self.batch_size.get(),
            sampling: self.sampling,
            init_range: self.init_range.0,
        }
    }
}

/// The cells of a grid in plan order (see [`Key::plan_order`]): the first
/// axis varies slowest, the seed fastest.
#[derive(Debug, Clone)]
pub struct Plan {
    grid: GridConfig,
    cross: u64,
}

impl Plan {
    /// The plan of `grid`, refused when the cross product is too large
    /// (a config read from a file refuses that and a value listed twice).
    pub fn new(grid: &GridConfig) -> Result<Plan, GridError> {
        Ok(Plan {
            grid: grid.clone(),
            cross: grid.cells().map_err(GridError::TooLarge)?,
        })
    }

    /// The grid the plan was made from.
    pub fn grid(&self) -> &GridConfig {
        &self.grid
    }

    /// Cells in the cross product, excluded ones included.
    pub fn cross_len(&self) -> u64 {
        self.cross
    }

    /// The `k`-th cell of the cross product (k < [`Plan::cross_len`]).
    pub fn cell(&self, mut k: u64) -> JobParams {
        let mut index = [0; Key::ALL.len()];
        // Innermost axis first: it varies fastest.
        for key in Key::plan_order().into_iter().rev() {
            let len = self.grid.count(key);
            index[key as usize] = k % len;
            k /= len;
        }
        self.grid.cell(&index)
    }

    /// The position of the cell `p` in the cross product: the inverse of
    /// [`Plan::cell`]; `None` when a value of `p` is not the grid's.
    pub fn position(&self, p: &JobParams) -> Option<u64> {
        Key::plan_order().into_iter().try_fold(0u64, |k, key| {
            Some(k * self.grid.count(key) + self.grid.index_of(key, p)?)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Selector};
    use crate::nn::{Activation, Rule};

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
        let sel = "seed=1,3".parse::<Selector>().unwrap();
        let lr = "learning_rate=0.5".parse::<Selector>().unwrap();
        let picked: Vec<_> = p
            .jobs()
            .filter(|j| sel.matches(j) && lr.matches(j))
            .map(|j| (j.learning_rate, j.seed))
            .collect();
        assert_eq!(picked.len(), 3 * 2, "three rules, two seeds");
        assert!(picked.iter().all(|&(lr, s)| lr.0 == 0.5 && s.0 != 2));
        for (bad, needle) in [
            ("seed", "KEY=VALUE"),
            ("sead=1", "did you mean `seed`"),
            ("rule=kr@n", "is not a rule"),
            ("learning_rate=-1", "finite number above 0"),
            ("batch_size=0", "0 is not accepted"),
            ("seed=x", "whole number"),
        ] {
            let err = bad.parse::<Selector>().unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
    }

    #[test]
    fn a_huge_grid_is_refused() {
        let grid = GridConfig {
            seed: crate::config::Seeds::Range {
                from: 0,
                count: 1_000_000_000,
            },
            ..GridConfig::default()
        };
        let err = Plan::new(&grid).unwrap_err();
        assert!(err.to_string().contains("3000000000 cells"), "{err}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::config::{AxisValues, Config, Count, Deviation, Positive, Seeds, Selector, Values};
    use crate::nn::{Activation, Rule, Sampling};
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
            proptest::option::of(some(vec![Count(1), Count(2), Count(5)])),
        )
            .prop_map(|(rule, activation, seed)| Selector {
                rule: rule.map(Values),
                activation: activation.map(Values),
                seed: seed.map(Values),
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
                    rule: Values(rule),
                    activation: Values(act),
                    learning_rate: Values(lr.into_iter().map(Positive).collect()),
                    seed,
                    batch_size: Values(batch.into_iter().map(|b| Count(b as u64)).collect()),
                    sampling: Values(sampling),
                    init_range: Values(init.into_iter().map(Deviation).collect()),
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
                * grid.seed.count() as usize;
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
