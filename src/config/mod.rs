//! The TOML config: what a sweep trains, on what data, and where results go.
//!
//! Parsing fills in every default, and refuses an unknown key or a bad
//! value by its whole key path with its line, column and snippet
//! ([`source`]), in words that say what is accepted ([`scalar`], whose
//! bounds are in [`limits`]), suggesting the key or value that was
//! probably meant.

pub mod axes;
pub mod data;
mod error;
pub mod generators;
pub mod limits;
pub mod range;
pub mod rules;
pub mod scalar;
mod source;
pub mod values;

pub use axes::{GridConfig, JobParams, Key, Selector};
pub use data::{Column, DataConfig, Scale, Source, SplitFractions};
pub use error::{ConfigError, Place};
pub use generators::{BlobsConfig, Gate, LogicConfig, TeacherConfig};
pub use rules::Rules;
pub use scalar::{Count, Deviation, Extent, Finite, Fraction, NonNegative, Positive};
pub use source::ConfigSource;
pub use values::{AxisValues, BatchSize, InitRange, LearningRate, Seed, Seeds, Values};

use crate::printable;
use limits::{MAX_EPOCHS, MAX_NAME_CHARS, MAX_UPDATES, MAX_UPDATES_PER_EPOCH};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The built-in default experiment, the same as `configs/grid.toml`.
pub const DEFAULT_GRID: &str = include_str!("../../configs/grid.toml");

/// Epochs after epoch 0.
pub type Epochs = Count<1, MAX_EPOCHS>;

/// Updates in one epoch.
pub type UpdatesPerEpoch = Count<1, MAX_UPDATES_PER_EPOCH>;

/// A whole sweep, with every default filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Names the results folder `<output.dir>/<name>/`; default: the file's stem.
    #[serde(default, deserialize_with = "name")]
    pub name: String,
    /// Epochs after epoch 0.
    #[serde(default = "default_epochs")]
    pub epochs: Epochs,
    /// Updates per epoch; default: the training-set size divided by the batch size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates_per_epoch: Option<UpdatesPerEpoch>,
    /// The constant extra input that carries the bias.
    #[serde(default = "one")]
    pub bias: Finite,
    /// The data set.
    #[serde(default)]
    pub data: DataConfig,
    /// The axes whose cross product is the set of jobs.
    #[serde(default)]
    pub grid: GridConfig,
    /// The config's own update rules, by name.
    #[serde(default, skip_serializing_if = "Rules::is_empty")]
    pub rules: Rules,
    /// The loss a job should reach: measured, never stopping a job.
    #[serde(default)]
    pub target: TargetConfig,
    /// Early stopping.
    #[serde(default)]
    pub stop: StopConfig,
    /// Where results go.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[stop]`: when a job may end before its last epoch.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct StopConfig {
    /// Stop once the validation loss is below this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_loss_below: Option<Positive>,
}

impl StopConfig {
    /// The validation loss a job stops below, if any.
    pub fn threshold(&self) -> Option<f64> {
        self.validation_loss_below.map(|t| t.0)
    }
}

/// `[target]`: the loss a job should reach. Each job's first epoch below
/// it is measured and reported; unlike `[stop]`, the job goes on, so its
/// curve shows all its epochs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct TargetConfig {
    /// Reached at the first epoch whose validation loss is below this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_loss_below: Option<Positive>,
}

impl Config {
    /// Epochs after epoch 0, as training counts them (at most
    /// [`MAX_EPOCHS`], so a `u32` holds them).
    pub fn epoch_count(&self) -> u32 {
        self.epochs.0 as u32
    }

    /// The config's own rules, parsed: what training and the checks use.
    pub fn definitions(&self) -> crate::nn::Definitions {
        self.rules.definitions()
    }

    /// The validation loss whose first crossing is reported: `[target]`'s,
    /// or else the stop's (a job that stops has reached it).
    pub fn target_loss(&self) -> Option<f64> {
        (self.target.validation_loss_below)
            .or(self.stop.validation_loss_below)
            .map(|t| t.0)
    }
}

/// `[output]`: where results go and what is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct OutputConfig {
    /// Results go to `<dir>/<name>/`. Not recorded in `config.toml`:
    /// where results live must not change them (`-o`, shards on other mounts).
    #[serde(skip_serializing, deserialize_with = "folder")]
    pub dir: PathBuf,
    /// Also write each job's initial and final weights.
    pub weights: bool,
    /// Write `results.xlsx`. Recorded only when off, so that a config that
    /// leaves it on records what it did before the workbook existed.
    #[serde(skip_serializing_if = "is_on")]
    pub workbook: bool,
}

fn is_on(on: &bool) -> bool {
    *on
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from("results"),
            weights: false,
            workbook: true,
        }
    }
}

impl Config {
    /// Parses and checks config text; `origin` names it in messages and
    /// `default_name` is the name when the text gives none.
    pub fn parse(text: &str, origin: &str, default_name: &str) -> Result<Config, ConfigError> {
        Config::from_source(&ConfigSource::text(text, origin, default_name))
    }

    /// Parses and checks a config's text.
    pub fn from_source(source: &ConfigSource) -> Result<Config, ConfigError> {
        let mut config: Config = source.deserialize()?;
        if config.name.is_empty() {
            let stem = &source.default_name;
            check_name(stem).map_err(|why| {
                source.error(
                    "name",
                    format!(
                        "the config file's name: {why}; give the sweep a name with `name = \"…\"`"
                    ),
                )
            })?;
            config.name = stem.clone();
        }
        config.check(source)?;
        Ok(config)
    }

    /// Checks what a single value's type cannot (values that are wrong
    /// only together with others) and fills in the chosen generator's
    /// parameters.
    fn check(&mut self, source: &ConfigSource) -> Result<(), ConfigError> {
        self.rules.check(&self.grid, source)?;
        self.data
            .check()
            .map_err(|(key, message)| source.error(&key, message))?;
        let on_validation = [
            (
                "target.validation_loss_below",
                self.target.validation_loss_below,
            ),
            (
                "stop.validation_loss_below",
                self.stop.validation_loss_below,
            ),
        ];
        for (key, loss) in on_validation {
            if loss.is_some() && self.data.split.validation.0 == 0.0 {
                return Err(source.error(
                    key,
                    "a validation loss needs a validation set; give data.split.validation a fraction above 0",
                ));
            }
        }
        if let Some(n) = self.updates_per_epoch
            && n.0
                .checked_mul(self.epochs.0)
                .is_none_or(|u| u > MAX_UPDATES)
        {
            return Err(source.error(
                "updates_per_epoch",
                format!(
                    "{} epochs of {n} updates make more than the {MAX_UPDATES} updates a job \
                     may take; lower `epochs` or `updates_per_epoch`",
                    self.epochs
                ),
            ));
        }
        if let Some((key, index, value)) = self.grid.duplicate() {
            return Err(source.error(
                &format!("grid.{key}[{index}]"),
                format!("`{value}` is listed twice, which would make two jobs of one id; list each value once"),
            ));
        }
        self.grid.cells().map_err(|why| source.error("grid", why))?;
        Ok(())
    }
}

impl ConfigSource {
    /// The config file at `path`, or the built-in default grid.
    pub fn open(path: Option<&Path>) -> Result<ConfigSource, ConfigError> {
        match path {
            None => Ok(ConfigSource::text(
                DEFAULT_GRID,
                "built-in default grid",
                "grid",
            )),
            Some(path) => ConfigSource::read(path),
        }
    }
}

/// Why `name` cannot name a results folder, if it cannot.
fn check_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    let shown = printable::clip(&printable::text(name), 40);
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        Err(format!(
            "`{shown}` cannot name a results folder; use letters, digits, `-`, `_` or `.`, without `/`"
        ))
    } else if name.chars().any(char::is_control) {
        Err(format!(
            "`{shown}` holds a control character; use letters, digits, `-`, `_` or `.`"
        ))
    } else if chars > MAX_NAME_CHARS {
        Err(format!(
            "`{shown}` has {chars} characters, more than the {MAX_NAME_CHARS} a results folder's name may have"
        ))
    } else {
        Ok(())
    }
}

fn name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_name(&name).map_err(de::Error::custom)?;
    Ok(name)
}

fn folder<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    let dir = String::deserialize(d)?;
    if dir.is_empty() || dir.contains('\0') {
        return Err(de::Error::custom(
            "a folder's path cannot be empty or hold a NUL character",
        ));
    }
    Ok(PathBuf::from(dir))
}

fn default_epochs() -> Epochs {
    Count(100)
}

fn one() -> Finite {
    Finite(1.0)
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
        assert_eq!(c.epochs, Count(100));
        assert_eq!(c.data, DataConfig::default());
        assert_eq!(c.grid, GridConfig::default());
    }

    #[test]
    fn scalars_are_one_element_axes_and_seeds_take_three_forms() {
        let c =
            parse("[grid]\nrule = \"matmul\"\nlearning_rate = 1\nseed = { from = 3, count = 2 }")
                .unwrap();
        assert_eq!(c.grid.rule, Values(vec![crate::nn::Rule::Matmul]));
        assert_eq!(c.grid.learning_rate, Values(vec![Positive(1.0)]));
        assert_eq!(
            (c.grid.seed.get(0), c.grid.seed.get(1)),
            (Count(3), Count(4))
        );
        // Consecutive seeds are held (and recorded) as their range.
        let one = Seeds::Range { from: 7, count: 1 };
        assert_eq!(parse("[grid]\nseed = 7").unwrap().grid.seed, one);
        assert_eq!(parse("[grid]\nseed = [7]").unwrap().grid.seed, one);
        let run = Seeds::Range { from: 5, count: 3 };
        assert_eq!(parse("[grid]\nseed = [5, 6, 7]").unwrap().grid.seed, run);
        assert_eq!(
            parse("[grid]\nseed = [5, 9]").unwrap().grid.seed,
            Seeds::List(vec![5, 9])
        );
        assert_eq!(
            parse("[grid]\nseed = [6, 5]").unwrap().grid.seed,
            Seeds::List(vec![6, 5])
        );
    }

    /// The message's first line: `file:line:column: key: …`.
    fn head(text: &str) -> String {
        let msg = parse(text).unwrap_err().to_string();
        msg.lines().next().unwrap().to_string()
    }

    #[test]
    fn an_unknown_key_is_named_by_its_whole_path_whatever_the_syntax() {
        for (text, at) in [
            (
                "grid.lerning_rate = [0.1]",
                "test.toml:1:6: grid.lerning_rate: ",
            ),
            (
                "epochs = 5\n[grid]\nlerning_rate = [0.1]\n",
                "test.toml:3:1: grid.lerning_rate: ",
            ),
            (
                "[data]\nsplit = { validaton = 0.25 }",
                "test.toml:2:11: data.split.validaton: ",
            ),
            (
                "[grid]\nexclude = [{ rul = \"matmul\" }]",
                "test.toml:2:14: grid.exclude[0].rul: ",
            ),
            (
                "[[grid.exclude]]\nrule = \"matmul\"\n[[grid.exclude]]\nrul = 1",
                "test.toml:4:1: grid.exclude[1].rul: ",
            ),
            (
                "[data.blobs]\nspred = 1",
                "test.toml:2:1: data.blobs.spred: ",
            ),
        ] {
            let head = head(text);
            assert!(head.starts_with(at), "{text}: {head}");
            assert!(head.contains("did you mean"), "{text}: {head}");
        }
    }

    #[test]
    fn a_bad_value_anywhere_gets_its_place_and_what_is_accepted() {
        for (text, at, needle) in [
            (
                "[grid]\nlearning_rate = [0.1, -1]",
                "test.toml:2:23: grid.learning_rate[1]: ",
                "-1 is not accepted: expected a finite number above 0",
            ),
            (
                "[grid]\nlearning_rate = nan",
                "test.toml:2:17: grid.learning_rate: ",
                "nan is not accepted",
            ),
            (
                "epochs = 0",
                "test.toml:1:10: epochs: ",
                "from 1 to 1000000",
            ),
            (
                "[grid]\nbatch_size = 0",
                "test.toml:2:14: grid.batch_size: ",
                "0 is not",
            ),
            (
                "[grid]\nrule = []",
                "test.toml:2:8: grid.rule: ",
                "empty list",
            ),
            (
                "[grid]\nseed = { from = 1, count = 0 }",
                "test.toml:2:28: grid.seed.count: ",
                "0 is not accepted",
            ),
            (
                "[data]\nsplit = { train = 1.5, validation = 0, test = 0 }",
                "test.toml:2:19: data.split.train: ",
                "1.5 is not accepted: expected a number from 0 to 1",
            ),
            (
                "[data]\nsource = \"blobs\"\n[data.blobs]\nspread = -1",
                "test.toml:4:10: data.blobs.spread: ",
                "-1 is not accepted",
            ),
            (
                "[data.teacher]\noutputs = 100000",
                "test.toml:2:11: data.teacher.outputs: ",
                "from 1 to 1000",
            ),
            (
                "[grid]\nrule = [\"matmul\", \"matmul\"]",
                "test.toml:2:19: grid.rule[1]: ",
                "`matmul` is listed twice",
            ),
            (
                "[grid]\nlearning_rate = [0.1, 0.5, 0.1]",
                "test.toml:2:28: grid.learning_rate[2]: ",
                "`0.1` is listed twice",
            ),
            (
                "[data]\nsource = \"xor\"\n[data.logic]\nsamples = 6",
                "test.toml:4:11: data.logic.samples: ",
                "multiple of 4",
            ),
            ("bias = inf", "test.toml:1:8: bias: ", "inf is not accepted"),
        ] {
            let head = head(text);
            assert!(head.starts_with(at), "{text}: {head}");
            assert!(head.contains(needle), "{text}: {head}");
        }
    }

    #[test]
    fn no_message_speaks_in_rust_types() {
        for text in [
            "epochs = \"x\"",
            "[data]\nseed = -1",
            "[data]\nsplit = 3",
            "[stop]\nvalidation_loss_below = \"a\"",
            "[output]\ndir = 3",
            "[output]\nweights = 3",
            "name = 3",
            "grid = 3",
            "[grid]\nseed = [1, \"x\"]",
            "[grid]\nseed = { from = \"a\", count = 2 }",
            "[grid]\nexclude = 3",
            "[grid]\nexclude = [3]",
            "[data]\ninputs = 3",
            "[data]\ninputs = [1.5]",
            "[data.blobs]\nclasses = 1.5",
            "[data.teacher]\nactivation = 3",
            "updates_per_epoch = 0",
        ] {
            let msg = parse(text).unwrap_err().to_string();
            for word in [
                "u8",
                "u16",
                "u32",
                "u64",
                "usize",
                "i64",
                "f64",
                "struct",
                "enum",
                "Option",
                "Vec",
                "sequence",
                " map",
                "path string",
            ] {
                assert!(!msg.contains(word), "{text}: `{word}` in {msg}");
            }
            assert!(msg.starts_with("test.toml:"), "{text}: {msg}");
        }
    }

    #[test]
    fn a_check_across_keys_points_at_its_key() {
        let head = head("[data]\nsplit = { train = 0.5, validation = 0.2, test = 0.2 }");
        assert!(head.starts_with("test.toml:2:9: data.split: "), "{head}");
        assert!(head.contains("sum to 1"), "{head}");
        let head = self::head(
            "[stop]\nvalidation_loss_below = 0.1\n[data]\nsplit = { train = 1, validation = 0, test = 0 }",
        );
        assert!(
            head.starts_with("test.toml:2:25: stop.validation_loss_below: "),
            "{head}"
        );
    }

    #[test]
    fn sizes_past_their_bounds_are_refused_before_anything_is_allocated() {
        for (text, needle) in [
            (
                "[data]\nsource = \"blobs\"\n[data.blobs]\ndimension = 100000000000",
                "from 1 to 10000",
            ),
            (
                "[data]\nsource = \"blobs\"\n[data.blobs]\nclasses = 1000\nper_class = 10000000",
                "10000000000 rows",
            ),
            (
                "[data]\nsource = \"blobs\"\n[data.blobs]\ndimension = 10000\nclasses = 200\nper_class = 1",
                "weights",
            ),
            (
                "[data]\nsource = \"teacher\"\n[data.teacher]\nsamples = 10000000\ninputs = 100",
                "numbers",
            ),
            (
                "[data]\nsource = \"xor\"\n[data.logic]\nsamples = 100000000",
                "from 4 to 10000000",
            ),
            (
                "epochs = 1000000\nupdates_per_epoch = 10000000",
                "updates a job",
            ),
            (
                "[grid]\nseed = { from = 0, count = 100000000 }",
                "300000000 cells",
            ),
            (
                "[grid]\nseed = { from = 9223372036854775807, count = 2 }",
                "run past 9223372036854775807",
            ),
        ] {
            let msg = parse(text).unwrap_err().to_string();
            assert!(msg.contains(needle), "{text}: {msg}");
        }
        let long = format!("name = \"{}\"", "n".repeat(300));
        assert!(
            parse(&long)
                .unwrap_err()
                .to_string()
                .contains("300 characters")
        );
        let msg = parse("name = \"a\\u0000b\"").unwrap_err().to_string();
        assert!(
            msg.contains("control character") && !msg.contains('\0'),
            "{msg}"
        );
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
