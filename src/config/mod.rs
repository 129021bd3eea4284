//! The TOML config: what a sweep trains, on what data, and where results go.
//!
//! Parsing fills in every default, refuses unknown keys and out-of-range
//! values with the line and column TOML knows, and suggests the key or value
//! that was probably meant.

pub mod axes;
pub mod data;
mod error;
pub mod generators;
pub mod values;

pub use axes::{GridConfig, JobParams, Key, Selector};
pub use data::{Column, DataConfig, Scale, Source, SplitFractions};
pub use error::ConfigError;
pub use generators::{BlobsConfig, Gate, LogicConfig, TeacherConfig};
pub use values::{AxisValues, BatchSize, InitRange, LearningRate, Seeds, Values};

use error::parse_error;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The built-in default experiment, the same as `configs/grid.toml`.
pub const DEFAULT_GRID: &str = include_str!("../../configs/grid.toml");

/// The most epochs a job may run: beyond this a typo is likelier than intent.
pub const MAX_EPOCHS: u32 = 10_000_000;

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

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
        assert_eq!(c.grid.rule, Values(vec![crate::nn::Rule::Matmul]));
        assert_eq!(c.grid.learning_rate, Values(vec![LearningRate(1.0)]));
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

    /// Every value of an enum users write (or read in the CSV files) goes
    /// to TOML and back, and its name parses back to it.
    fn round_trips<T>(all: &[T])
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + fmt::Debug + fmt::Display,
        T: std::str::FromStr<Err = String>,
    {
        #[derive(Serialize, Deserialize)]
        struct Holder<T> {
            value: T,
        }
        for value in all {
            let text = toml::to_string(&Holder { value }).unwrap();
            let back: Holder<T> = toml::from_str(&text).unwrap();
            assert_eq!(&back.value, value, "{text}");
            assert_eq!(value.to_string().parse::<T>().as_ref(), Ok(value));
        }
    }

    #[test]
    fn every_named_enum_round_trips() {
        use crate::nn::{Activation, Rule, Sampling, Status};
        round_trips(&Rule::ALL);
        round_trips(&Activation::ALL);
        round_trips(&Sampling::ALL);
        round_trips(&Scale::ALL);
        round_trips(&Status::ALL);
    }

    #[test]
    fn resolved_config_round_trips_through_toml() {
        let c = parse(DEFAULT_GRID).unwrap();
        let written = toml::to_string(&c).unwrap();
        assert_eq!(parse(&written).unwrap(), c);
    }
}
