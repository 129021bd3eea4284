//! The grid's axes, defined once.
//!
//! The table at the bottom of this file is the only place the axes are
//! listed. From it come the `[grid]` keys and their defaults
//! ([`GridConfig`]), the parameters of a job ([`JobParams`]) and its id,
//! `exclude` entries and `--filter` ([`Selector`]), the order of the plan,
//! the CSV columns, group names in `curves.csv`, the dry-run's list and the
//! end table's reproduce line ([`Key`]). Adding an axis is one row here plus
//! what the new parameter means to training.

use super::limits::MAX_JOBS;
use super::scalar::{Count, Deviation, Positive};
use super::values::{
    AxisValue, AxisValues, BatchSize, InitRange, LearningRate, Seed, Seeds, Values,
};
use crate::nn::{Activation, Rule, Sampling};
use crate::suggest::did_you_mean;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares the axes. Each row: the key's variant, its TOML/CSV name and
/// field, the value type and the form its list takes in `[grid]`, the
/// default, the prefix of its part of a job id, its position in the plan
/// (0 outermost, the last varying fastest), and whether a group name in
/// `curves.csv` always shows it (`always`) or only when the grid varies it
/// (`varied`) or never (`never`: the seed, which a group averages over).
macro_rules! axes {
    ($(
        $(#[$doc:meta])*
        $Key:ident $field:ident: $T:ty, listed as $List:ty, default $default:expr,
            id $prefix:literal, plan $position:literal, group $group:ident;
    )+) => {
        /// A grid axis. [`Key::ALL`] is the order of the CSV columns and of
        /// `[grid]` in a recorded config.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Key {
            $( $(#[$doc])* $Key, )+
        }

        impl Key {
            /// Every axis, in the order of the CSV columns.
            pub const ALL: [Key; [$($position),+].len()] = [$(Key::$Key),+];

            /// Every axis's name, in the order of [`Key::ALL`].
            pub const NAMES: [&'static str; [$($position),+].len()] =
                [$(stringify!($field)),+];

            /// The name used in `[grid]`, `--filter` and the CSV columns.
            pub fn name(self) -> &'static str {
                match self {
                    $( Key::$Key => stringify!($field), )+
                }
            }

            /// Where the axis varies in the plan: 0 outermost.
            pub fn plan_position(self) -> usize {
                match self {
                    $( Key::$Key => $position, )+
                }
            }

            /// What comes before the value in a job id (`lr` in `lr0.1`).
            pub fn id_prefix(self) -> &'static str {
                match self {
                    $( Key::$Key => $prefix, )+
                }
            }

            /// Whether a group name (`curves.csv`'s columns) shows this
            /// axis, in a grid that varies it (`varied`) or not.
            pub fn in_group_name(self, varied: bool) -> bool {
                match self {
                    $( Key::$Key => axes!(@group $group, varied), )+
                }
            }
        }

        /// The parameters of one job: one cell of the grid.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct JobParams {
            $( $(#[$doc])* pub $field: $T, )+
        }

        impl JobParams {
            /// The value of axis `key`, as text.
            pub fn value(&self, key: Key) -> String {
                match key {
                    $( Key::$Key => self.$field.print(), )+
                }
            }

            /// The cell whose value of each axis `key` is written `value(key)`:
            /// the inverse of [`JobParams::value`].
            pub fn parse(mut value: impl FnMut(Key) -> String) -> Result<JobParams, String> {
                Ok(JobParams {
                    $( $field: <$T as AxisValue>::parse(&value(Key::$Key))
                        .map_err(|e| format!("{}: {e}", Key::$Key))?, )+
                })
            }
        }

        /// `[grid]`: every list is crossed with every other.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default, expecting = "a table")]
        pub struct GridConfig {
            $( $(#[$doc])* pub $field: $List, )+
            /// Cells left out of the cross product.
            #[serde(skip_serializing_if = "Vec::is_empty")]
            pub exclude: Vec<Selector>,
        }

        impl Default for GridConfig {
            fn default() -> Self {
                GridConfig {
                    $( $field: $default, )+
                    exclude: Vec::new(),
                }
            }
        }

        impl GridConfig {
            /// How many values axis `key` has.
            pub fn count(&self, key: Key) -> u64 {
                match key {
                    $( Key::$Key => self.$field.count(), )+
                }
            }

            /// The `index[key]`-th value of every axis.
            pub fn cell(&self, index: &[u64; Key::ALL.len()]) -> JobParams {
                JobParams {
                    $( $field: self.$field.get(index[Key::$Key as usize]), )+
                }
            }

            /// The position of `p`'s value of axis `key` among the axis's
            /// values, if it is one of them.
            pub fn index_of(&self, key: Key, p: &JobParams) -> Option<u64> {
                match key {
                    $( Key::$Key => self.$field.index_of(p.$field), )+
                }
            }

            /// The values of axis `key`, as the dry run lists them.
            pub fn describe(&self, key: Key) -> String {
                match key {
                    $( Key::$Key => self.$field.describe(), )+
                }
            }

            /// Adds each value of `p` its axis does not have yet, after the
            /// others: the grid then has the cell `p`.
            pub fn include(&mut self, p: &JobParams) {
                $( self.$field.include(p.$field); )+
            }

            /// The first axis that lists a value twice, with the index of
            /// its second listing and the value.
            pub fn duplicate(&self) -> Option<(Key, u64, String)> {
                None$(.or_else(|| {
                    self.$field
                        .first_duplicate()
                        .map(|(index, v)| (Key::$Key, index, v.print()))
                }))+
            }
        }

        /// Some values of some axes: a cell matches when, for every axis
        /// given, its value is one of those listed.
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default, expecting = "a table such as { rule = \"kronecker\" }")]
        pub struct Selector {
            $(
                $(#[$doc])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<Values<$T>>,
            )+
        }

        impl Selector {
            /// Whether `p` has, for every axis this selector gives, one of its values.
            pub fn matches(&self, p: &JobParams) -> bool {
                $( self.$field.as_ref().is_none_or(|v| v.contains(&p.$field)) )&&+
            }

            /// The selector of the values `values` (comma-separated) on axis `key`.
            fn one_axis(key: Key, values: &str) -> Result<Selector, String> {
                let mut selector = Selector::default();
                match key {
                    $( Key::$Key => selector.$field = Some(parse_list(values)?), )+
                }
                Ok(selector)
            }
        }
    };
    (@group always, $varied:ident) => { true };
    (@group varied, $varied:ident) => { $varied };
    (@group never, $varied:ident) => { false };
}

axes! {
    /// Update rule.
    Rule rule: Rule, listed as Values<Rule>, default Values(Rule::ALL.to_vec()),
        id "", plan 0, group always;
    /// Activation function.
    Activation activation: Activation, listed as Values<Activation>,
        default Values(vec![Activation::Sigmoid]),
        id "", plan 1, group always;
    /// η.
    LearningRate learning_rate: LearningRate, listed as Values<LearningRate>,
        default Values(vec![Positive(0.1)]),
        id "lr", plan 2, group always;
    /// Seeds the job's weights and sampling.
    Seed seed: Seed, listed as Seeds, default Seeds::Range { from: 1, count: 1 },
        id "s", plan 6, group never;
    /// Samples per update.
    BatchSize batch_size: BatchSize, listed as Values<BatchSize>,
        default Values(vec![Count(1)]),
        id "b", plan 3, group varied;
    /// How samples are chosen.
    Sampling sampling: Sampling, listed as Values<Sampling>,
        default Values(vec![Sampling::Random]),
        id "", plan 4, group varied;
    /// r of the initial weights' range [−r, r].
    InitRange init_range: InitRange, listed as Values<InitRange>,
        default Values(vec![Deviation(0.5)]),
        id "r", plan 5, group varied;
}

impl Key {
    /// Every axis, outermost in the plan first (the seed last: it varies fastest).
    pub fn plan_order() -> [Key; Key::ALL.len()] {
        let mut keys = Key::ALL;
        keys.sort_by_key(|k| k.plan_position());
        keys
    }

    /// The axis that repeats a cell's training with other random numbers:
    /// groups average over it, and a reproduce line always names it.
    pub const REPLICATE: Key = Key::Seed;
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Key {
    type Err = String;
    fn from_str(text: &str) -> Result<Key, String> {
        Key::ALL
            .into_iter()
            .find(|k| k.name() == text)
            .ok_or_else(|| {
                format!(
                    "unknown key `{text}`{}; keys: {}",
                    did_you_mean(text, Key::NAMES),
                    Key::NAMES.join(", ")
                )
            })
    }
}

impl JobParams {
    /// The job's id, made from its parameters alone, so that the same cell
    /// has the same id in any grid: `matmul-sigmoid-lr0.1-b1-random-r0.5-s3`.
    pub fn id(&self) -> String {
        Key::plan_order()
            .map(|k| format!("{}{}", k.id_prefix(), self.value(k)))
            .join("-")
    }
}

impl fmt::Display for JobParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

impl GridConfig {
    /// Cells in the cross product, or why there are more than sweep
    /// accepts ([`MAX_JOBS`]).
    pub fn cells(&self) -> Result<u64, String> {
        let cells = Key::ALL
            .map(|k| self.count(k))
            .into_iter()
            .try_fold(1u64, u64::checked_mul);
        match cells {
            Some(cells) if cells <= MAX_JOBS => Ok(cells),
            _ => Err(format!(
                "the grid has {} cells, more than the {MAX_JOBS} sweep accepts; \
                 shorten an axis or split the sweep into several configs",
                cells.map_or("more than 2^64".into(), |c| c.to_string())
            )),
        }
    }

    /// Whether axis `key` has more than one value.
    pub fn varies(&self, key: Key) -> bool {
        self.count(key) > 1
    }
}

/// `--filter KEY=VALUE[,VALUE…]`: the cells whose KEY is one of the values.
impl FromStr for Selector {
    type Err = String;
    fn from_str(text: &str) -> Result<Selector, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not KEY=VALUE; keys: {}", Key::NAMES.join(", ")))?;
        Selector::one_axis(key.trim().parse()?, values)
    }
}

fn parse_list<T: AxisValue>(values: &str) -> Result<Values<T>, String> {
    values
        .split(',')
        .map(|v| T::parse(v.trim()))
        .collect::<Result<_, _>>()
        .map(Values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_axis_has_a_distinct_name_and_plan_position() {
        let mut positions: Vec<usize> = Key::ALL.iter().map(|k| k.plan_position()).collect();
        positions.sort();
        assert_eq!(positions, (0..Key::ALL.len()).collect::<Vec<_>>());
        for key in Key::ALL {
            assert_eq!(key.name().parse::<Key>(), Ok(key));
        }
        assert_eq!(Key::plan_order().last(), Some(&Key::REPLICATE));
    }

    #[test]
    fn every_value_prints_and_parses_back() {
        let p = GridConfig::default().cell(&[0; Key::ALL.len()]);
        for key in Key::ALL {
            let text = p.value(key);
            let selector: Selector = format!("{key}={text}").parse().unwrap();
            assert!(selector.matches(&p), "{key}={text}");
        }
        assert_eq!(p.id(), "matmul-sigmoid-lr0.1-b1-random-r0.5-s1");
    }
}
