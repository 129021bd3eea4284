//! The TOML config: what a sweep trains, on what data, and where results go.
//!
//! Parsing fills in every default, refuses unknown keys and out-of-range
//! values with the line and column TOML knows, and suggests the key or value
//! that was probably meant.

pub mod data;

pub use data::{
    BlobsConfig, Column, DataConfig, Gate, LogicConfig, Source, SplitFractions, TeacherConfig,
};

use crate::nn::{Activation, Rule, Sampling};
use crate::suggest::did_you_mean;
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// The built-in default experiment, the same as `configs/grid.toml`.
pub const DEFAULT_GRID: &str = include_str!("../../configs/grid.toml");

/// The most epochs a job may run: beyond this a typo is likelier than intent.
pub const MAX_EPOCHS: u32 = 10_000_000;

/// A config that cannot be used, with where and what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file `{}`: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// TOML syntax, an unknown key, a wrong type or a value out of range.
    #[error("{origin}:{line}:{column}: {message}\n{snippet}")]
    Parse {
        /// The config file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, and what is accepted.
        message: String,
        /// The offending line with a caret under the place.
        snippet: String,
    },
    /// A value that is wrong only together with others.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        /// The config file.
        origin: String,
        /// The key, dotted: `data.split`.
        key: String,
        /// What is wrong, and what is accepted.
        message: String,
    },
}

/// A whole sweep, with every default filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Names the results folder `<output.dir>/<name>/`; default: the file's stem.
    #[serde(default)]
    pub name: String,
    /// Epochs after epoch 0.
    #[serde(default = "default_epochs", deserialize_with = "epochs")]
    pub epochs: u32,
    /// Updates per epoch; default: the training-set size divided by the batch size.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "updates_per_epoch"
    )]
    pub updates_per_epoch: Option<u64>,
    /// The constant extra input that carries the bias.
    #[serde(default = "one", deserialize_with = "finite")]
    pub bias: f64,
    /// The data set.
    #[serde(default)]
    pub data: DataConfig,
    /// The axes whose cross product is the set of jobs.
    #[serde(default)]
    pub grid: GridConfig,
    /// Early stopping.
    #[serde(default)]
    pub stop: StopConfig,
    /// Where results go.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[grid]`: every list is crossed with every other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridConfig {
    /// Update rules.
    pub rule: Axis<Rule>,
    /// Activation functions.
    pub activation: Axis<Activation>,
    /// Learning rates η > 0.
    pub learning_rate: Axis<LearningRate>,
    /// Job seeds.
    pub seed: Seeds,
    /// Samples per update.
    pub batch_size: Axis<BatchSize>,
    /// How samples are chosen.
    pub sampling: Axis<Sampling>,
    /// r of the initial weights' range [−r, r].
    pub init_range: Axis<InitRange>,
    /// Cells left out of the cross product.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<Selector>,
}

impl Default for GridConfig {
    fn default() -> Self {
        GridConfig {
            rule: Axis(Rule::ALL.to_vec()),
            activation: Axis(vec![Activation::Sigmoid]),
            learning_rate: Axis(vec![LearningRate(0.1)]),
            seed: Seeds::List(vec![1]),
            batch_size: Axis(vec![BatchSize(1)]),
            sampling: Axis(vec![Sampling::Random]),
            init_range: Axis(vec![InitRange(0.5)]),
            exclude: Vec::new(),
        }
    }
}

/// `[stop]`: when a job may end before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StopConfig {
    /// Stop once the validation loss is below this.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_positive"
    )]
    pub validation_loss_below: Option<f64>,
}

/// `[output]`: where results go and what is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Results go to `<dir>/<name>/`. Not recorded in `config.toml`:
    /// where results live must not change them (`-o`, shards on other mounts).
    #[serde(skip_serializing)]
    pub dir: PathBuf,
    /// Also write each job's initial and final weights.
    pub weights: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from("results"),
            weights: false,
        }
    }
}

/// A grid axis: a list of values, or one value standing for a list of one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Axis<T>(pub Vec<T>);

/// `grid.seed`: a list, one seed, or `{ from, count }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Seeds {
    /// `count` consecutive seeds starting at `from`.
    Range {
        /// The first seed.
        from: u64,
        /// How many.
        count: u64,
    },
    /// These seeds.
    List(Vec<u64>),
}

impl Seeds {
    /// How many seeds there are.
    pub fn len(&self) -> u64 {
        match self {
            Seeds::Range { count, .. } => *count,
            Seeds::List(list) => list.len() as u64,
        }
    }

    /// Whether there are none (never, for a parsed config).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th seed.
    pub fn get(&self, k: u64) -> u64 {
        match self {
            Seeds::Range { from, .. } => from + k,
            Seeds::List(list) => list[k as usize],
        }
    }
}

/// A learning rate: positive and finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct LearningRate(pub f64);

impl TryFrom<f64> for LearningRate {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v > 0.0 && v.is_finite() {
            Ok(LearningRate(v))
        } else {
            Err(format!(
                "learning rate {v} is not accepted: it must be a finite number above 0, such as 0.1"
            ))
        }
    }
}

impl From<LearningRate> for f64 {
    fn from(v: LearningRate) -> f64 {
        v.0
    }
}

/// Samples per update: a whole number ≥ 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct BatchSize(pub usize);

impl TryFrom<i64> for BatchSize {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        match usize::try_from(v) {
            Ok(b) if b >= 1 => Ok(BatchSize(b)),
            _ => Err(format!(
                "batch size {v} is not accepted: it must be a whole number from 1 \
                 to the number of training samples"
            )),
        }
    }
}

impl From<BatchSize> for i64 {
    fn from(v: BatchSize) -> i64 {
        v.0 as i64
    }
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// r of the initial weights' range [−r, r]: zero or positive, finite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct InitRange(pub f64);

impl TryFrom<f64> for InitRange {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v >= 0.0 && v.is_finite() {
            Ok(InitRange(v))
        } else {
            Err(format!(
                "init_range {v} is not accepted: it must be a finite number ≥ 0, such as 0.5"
            ))
        }
    }
}

impl From<InitRange> for f64 {
    fn from(v: InitRange) -> f64 {
        v.0
    }
}

/// Some values of some parameters: a cell matches when, for every key
/// given, its value is one of those listed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Selector {
    /// Rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Axis<Rule>>,
    /// Activations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation: Option<Axis<Activation>>,
    /// Learning rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<Axis<LearningRate>>,
    /// Seeds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<Axis<u64>>,
    /// Batch sizes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<Axis<BatchSize>>,
    /// Samplings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling: Option<Axis<Sampling>>,
    /// Initial weight ranges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_range: Option<Axis<InitRange>>,
}

impl Config {
    /// Reads and checks the config at `path`, or the built-in default grid.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            None => Config::parse(DEFAULT_GRID, "built-in default grid", "grid"),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
                    path: path.to_path_buf(),
                    error,
                })?;
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Config::parse(&text, &path.display().to_string(), &stem)
            }
        }
    }

    /// Parses and checks config text; `origin` names it in messages and
    /// `default_name` is the name when the text gives none.
    pub fn parse(text: &str, origin: &str, default_name: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| parse_error(origin, text, &e))?;
        if config.name.is_empty() {
            config.name = default_name.to_string();
        }
        config.check(origin)?;
        Ok(config)
    }

    /// Checks what a single value's type cannot (values that are wrong
    /// only together with others) and fills in the chosen generator's
    /// parameters.
    fn check(&mut self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
        };
        let name = &self.name;
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
            return Err(invalid(
                "name",
                format!("`{name}` cannot name a results folder; use letters, digits, `-` or `_`"),
            ));
        }
        self.data
            .check()
            .map_err(|(key, message)| invalid(&key, message))?;
        if self.stop.validation_loss_below.is_some() && self.data.split.validation == 0.0 {
            return Err(invalid(
                "stop.validation_loss_below",
                "early stopping needs a validation set; give data.split.validation a fraction above 0"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Turns a TOML error into one that names the file, the place, and a likely fix.
fn parse_error(origin: &str, text: &str, err: &toml::de::Error) -> ConfigError {
    let start = err.span().map_or(0, |s| s.start).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let source_line = &text[line_start..line_end];
    let snippet = format!(
        "  {line} | {source_line}\n  {} | {}^",
        " ".repeat(line.to_string().len()),
        " ".repeat(column - 1)
    );

    let raw = err.message().trim();
    // serde names the bad word first and the accepted ones after it, all in backticks.
    let mut quoted = raw.split('`').skip(1).step_by(2);
    let unknown = if raw.starts_with("unknown field") {
        Some("key")
    } else if raw.starts_with("unknown variant") {
        Some("value")
    } else {
        None
    };
    let message = match (unknown, quoted.next()) {
        (Some(what), Some(bad)) => {
            let accepted: Vec<&str> = quoted.collect();
            let place = match (what, enclosing_table(&text[..line_start])) {
                ("key", Some(table)) => format!(" in [{table}]"),
                ("key", None) => " at the top level".to_string(),
                _ => String::new(),
            };
            format!(
                "unknown {what} `{bad}`{place}{}; expected one of `{}`",
                did_you_mean(bad, accepted.iter().copied()),
                accepted.join("`, `")
            )
        }
        _ => raw.to_string(),
    };
    ConfigError::Parse {
        origin: origin.to_string(),
        line,
        column,
        message,
        snippet,
    }
}

/// The `[table]` header in force at the end of `before`, if any.
fn enclosing_table(before: &str) -> Option<&str> {
    before.lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|l| l.split(']').next())
            .map(|t| t.trim_matches(['[', ' ']))
    })
}

fn default_epochs() -> u32 {
    100
}

fn one() -> f64 {
    1.0
}

fn epochs<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = i64::deserialize(d)?;
    if (1..=i64::from(MAX_EPOCHS)).contains(&v) {
        Ok(v as u32)
    } else {
        Err(de::Error::custom(format!(
            "epochs = {v} is not accepted: it must be a whole number from 1 to {MAX_EPOCHS}"
        )))
    }
}

fn finite<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(de::Error::custom(format!(
            "{v} is not accepted: it must be a finite number"
        )))
    }
}

fn updates_per_epoch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = i64::deserialize(d)?;
    match u64::try_from(v) {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(de::Error::custom(format!(
            "updates_per_epoch = {v} is not accepted: it must be a whole number ≥ 1"
        ))),
    }
}

fn optional_positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = f64::deserialize(d)?;
    if v > 0.0 && v.is_finite() {
        Ok(Some(v))
    } else {
        Err(de::Error::custom(format!(
            "{v} is not accepted: the target loss must be a finite number above 0, such as 0.01"
        )))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Axis<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AxisVisitor(PhantomData))
    }
}

struct AxisVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> AxisVisitor<T> {
    fn one<E: de::Error>(value: impl IntoDeserializer<'de, E>) -> Result<Axis<T>, E> {
        T::deserialize(value.into_deserializer()).map(|v| Axis(vec![v]))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for AxisVisitor<T> {
    type Value = Axis<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value or a list of values")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Axis<T>, A::Error> {
        let mut values = Vec::new();
        while let Some(v) = seq.next_element()? {
            values.push(v);
        }
        if values.is_empty() {
            return Err(de::Error::custom(
                "an empty list leaves no jobs: list at least one value",
            ));
        }
        Ok(Axis(values))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Axis<T>, E> {
        Self::one(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Axis<T>, E> {
        Self::one(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Axis<T>, E> {
        Self::one(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Axis<T>, E> {
        Self::one(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Axis<T>, E> {
        Self::one(v)
    }
}

impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SeedsVisitor)
    }
}

struct SeedsVisitor;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRange {
    from: u64,
    count: u64,
}

impl<'de> Visitor<'de> for SeedsVisitor {
    type Value = Seeds;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a seed, a list of seeds, or { from = 1, count = 10 }")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seeds, E> {
        u64::try_from(v).map(|v| Seeds::List(vec![v])).map_err(|_| {
            E::custom(format!(
                "seed {v} is not accepted: seeds are whole numbers ≥ 0"
            ))
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seeds, E> {
        Ok(Seeds::List(vec![v]))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Seeds, A::Error> {
        let Axis(list) = AxisVisitor::<u64>(PhantomData).visit_seq(seq)?;
        Ok(Seeds::List(list))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Seeds, A::Error> {
        let SeedRange { from, count } =
            SeedRange::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if count == 0 {
            return Err(de::Error::custom(
                "count = 0 leaves no jobs: give at least 1 seed",
            ));
        }
        if from.checked_add(count - 1).is_none() {
            return Err(de::Error::custom(format!(
                "seeds from {from} counting {count} run past the largest seed, {}",
                u64::MAX
            )));
        }
        Ok(Seeds::Range { from, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "test.toml", "test")
    }

    #[test]
    fn empty_config_is_all_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.name, "test");
        assert_eq!(c.epochs, 100);
        assert_eq!(c.data, DataConfig::default());
        assert_eq!(c.grid, GridConfig::default());
    }

    #[test]
    fn scalars_are_one_element_axes_and_seeds_take_three_forms() {
        let c =
            parse("[grid]\nrule = \"matmul\"\nlearning_rate = 1\nseed = { from = 3, count = 2 }")
                .unwrap();
        assert_eq!(c.grid.rule, Axis(vec![Rule::Matmul]));
        assert_eq!(c.grid.learning_rate, Axis(vec![LearningRate(1.0)]));
        assert_eq!((c.grid.seed.get(0), c.grid.seed.get(1)), (3, 4));
        assert_eq!(
            parse("[grid]\nseed = 7").unwrap().grid.seed,
            Seeds::List(vec![7])
        );
        assert_eq!(
            parse("[grid]\nseed = [5, 9]").unwrap().grid.seed,
            Seeds::List(vec![5, 9])
        );
    }

    #[test]
    fn misspelt_key_is_named_with_place_and_suggestion() {
        let err = parse("epochs = 5\n[grid]\nlerning_rate = [0.1]\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("test.toml:3:1:"), "{msg}");
        assert!(
            msg.contains("unknown key `lerning_rate` in [grid]"),
            "{msg}"
        );
        assert!(msg.contains("did you mean `learning_rate`"), "{msg}");
    }

    #[test]
    fn unknown_value_lists_the_accepted_ones() {
        let msg = parse("[grid]\nactivation = [\"sigmoid\", \"sigmod\"]\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("test.toml:2:"), "{msg}");
        assert!(msg.contains("`tanh01`"), "{msg}");
        assert!(msg.contains("did you mean `sigmoid`"), "{msg}");
    }

    #[test]
    fn out_of_range_values_are_refused_where_they_stand() {
        for (text, needle) in [
            ("[grid]\nlearning_rate = [0.1, -1]", "learning rate -1"),
            ("[grid]\nlearning_rate = nan", "learning rate NaN"),
            ("epochs = 0", "epochs = 0"),
            ("[grid]\nbatch_size = 0", "batch size 0"),
            ("[grid]\nrule = []", "empty list"),
            ("[grid]\nseed = { from = 1, count = 0 }", "count = 0"),
            (
                "[data]\nsplit = { train = 1.5, validation = 0, test = 0 }",
                "1.5",
            ),
        ] {
            let msg = parse(text).unwrap_err().to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
            assert!(msg.starts_with("test.toml:"), "{text}: {msg}");
        }
    }

    #[test]
    fn split_must_sum_to_one() {
        let msg = parse("[data]\nsplit = { train = 0.5, validation = 0.2, test = 0.2 }")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("data.split") && msg.contains("sum to 1"),
            "{msg}"
        );
    }

    #[test]
    fn resolved_config_round_trips_through_toml() {
        let c = parse(DEFAULT_GRID).unwrap();
        let written = toml::to_string(&c).unwrap();
        assert_eq!(parse(&written).unwrap(), c);
    }
}
