//! Shards: part K of N of a plan, given on the command line or taken from
//! a Slurm array task's environment.

use super::GridError;
use std::str::FromStr;

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

/// `--shard K/N` (0 ≤ K < N) or `--shard slurm`.
impl FromStr for ShardArg {
    type Err = String;
    fn from_str(text: &str) -> Result<ShardArg, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_come_from_slurm() {
        assert_eq!(
            "1/3".parse::<ShardArg>(),
            Ok(ShardArg::Fixed(Shard { index: 1, count: 3 }))
        );
        for bad in ["3/3", "1", "a/2", "1/0", "-1/2"] {
            assert!(bad.parse::<ShardArg>().is_err(), "{bad}");
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
}
