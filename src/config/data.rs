//! `[data]`: where the samples come from, how they are split and scaled.

use super::generators::{BlobsConfig, Gate, LogicConfig, TeacherConfig};
use super::scalar::{Count, Fraction};
use super::values::Seed;
use crate::number::float;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `[data]`: the data set, how it is split and scaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, expecting = "a table")]
pub struct DataConfig {
    /// `iris`, a generator (`xor`, `and`, `or`, `blobs`, `teacher`), or the
    /// path of a CSV file relative to the config file.
    pub source: String,
    /// Input columns of a CSV source, by name or 0-based index; default:
    /// every column that is not a target.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "columns")]
    pub inputs: Option<Vec<Column>>,
    /// The label column of a CSV source, one-hot encoded; default: the last
    /// column (unless `targets` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Column>,
    /// Real-valued target columns of a CSV source, instead of `target`.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "columns")]
    pub targets: Option<Vec<Column>>,
    /// The CSV field separator, one character.
    #[serde(deserialize_with = "delimiter")]
    pub delimiter: char,
    /// Whether the CSV's first row names the columns; without one they are
    /// named by index: `0`, `1`, …
    pub header: bool,
    /// Fractions of the rows in each set.
    pub split: SplitFractions,
    /// Input scaling, fitted on the training part.
    pub scale: Scale,
    /// Seeds the generators and the split, shared by the whole sweep.
    pub seed: Seed,
    /// Parameters of `xor`, `and` and `or`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logic: Option<LogicConfig>,
    /// Parameters of `blobs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blobs: Option<BlobsConfig>,
    /// Parameters of `teacher`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teacher: Option<TeacherConfig>,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            source: "iris".into(),
            inputs: None,
            target: None,
            targets: None,
            delimiter: ',',
            header: true,
            split: SplitFractions::default(),
            scale: Scale::Standard,
            seed: Count(0),
            logic: None,
            blobs: None,
            teacher: None,
        }
    }
}

named_enum! {
    /// How input features are scaled (`data.scale`).
    #[derive(Default)]
    pub enum Scale {
        /// Inputs as they are.
        None = "none",
        /// (x − mean) / standard deviation.
        #[default]
        Standard = "standard",
        /// (x − min) / (max − min), into [0, 1] on the training part.
        Minmax = "minmax",
        /// The tutorial's: (x − mean) / max|x − mean| × 0.475 + 0.5, into
        /// [0.025, 0.975] on the training part.
        Tutorial = "tutorial",
    }
}

/// What `data.source` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// The built-in iris CSV.
    Iris,
    /// A CSV file at this path (relative to the config file).
    File(&'a str),
    /// A logic gate's truth table: `xor`, `and` or `or`.
    Logic(Gate),
    /// Gaussian clusters.
    Blobs,
    /// Targets made by a random single-layer net.
    Teacher,
}

/// The names `data.source` accepts besides a path.
pub const BUILT_IN: [&str; 6] = ["iris", "xor", "and", "or", "blobs", "teacher"];

impl DataConfig {
    /// What `source` names.
    pub fn source(&self) -> Source<'_> {
        match self.source.as_str() {
            "iris" => Source::Iris,
            "xor" => Source::Logic(Gate::Xor),
            "and" => Source::Logic(Gate::And),
            "or" => Source::Logic(Gate::Or),
            "blobs" => Source::Blobs,
            "teacher" => Source::Teacher,
            path => Source::File(path),
        }
    }

    /// Checks the keys that depend on the source and fills in the chosen
    /// generator's defaults; an error is the key and what is wrong.
    pub(super) fn check(&mut self) -> Result<(), (String, String)> {
        let err = |key: &str, message: String| Err((format!("data.{key}"), message));
        let s = self.split;
        let sum = s.train.0 + s.validation.0 + s.test.0;
        if (sum - 1.0).abs() > 1e-9 {
            return err(
                "split",
                format!(
                    "the fractions sum to {}; they must sum to 1, \
                     e.g. {{ train = 0.5, validation = 0.25, test = 0.25 }}",
                    float((sum * 1e9).round() / 1e9)
                ),
            );
        }
        if self.target.is_some() && self.targets.is_some() {
            return err(
                "targets",
                "give either `target` (one label column, one-hot encoded) or `targets` \
                 (real-valued columns), not both"
                    .into(),
            );
        }
        let source = self.source();
        let generated = !matches!(source, Source::Iris | Source::File(_));
        let csv_keys = [
            ("inputs", self.inputs.is_some()),
            ("target", self.target.is_some()),
            ("targets", self.targets.is_some()),
            ("delimiter", self.delimiter != ','),
            ("header", !self.header),
        ];
        if let Some((key, _)) = csv_keys.iter().find(|(_, set)| generated && *set) {
            return err(
                key,
                format!(
                    "applies to CSV sources; `{}` generates its columns (see [data.{}])",
                    self.source,
                    self.generator_table().unwrap_or("…")
                ),
            );
        }
        let tables = [
            ("logic", self.logic.is_some()),
            ("blobs", self.blobs.is_some()),
            ("teacher", self.teacher.is_some()),
        ];
        for (table, set) in tables {
            if set && self.generator_table() != Some(table) {
                return err(
                    table,
                    format!(
                        "[data.{table}] does not apply to source = \"{}\"; it sets the \
                         parameters of {}",
                        self.source,
                        match table {
                            "logic" => "xor, and and or",
                            other => other,
                        }
                    ),
                );
            }
        }
        match source {
            Source::Logic(_) => {
                self.logic.get_or_insert_with(Default::default);
                Ok(())
            }
            Source::Blobs => self.blobs.get_or_insert_with(Default::default).check(),
            Source::Teacher => self.teacher.get_or_insert_with(Default::default).check(),
            Source::Iris | Source::File(_) => Ok(()),
        }
        .or_else(|(key, message)| err(&key, message))
    }

    /// The parameter table of the chosen generator, if it is one.
    fn generator_table(&self) -> Option<&'static str> {
        match self.source() {
            Source::Logic(_) => Some("logic"),
            Source::Blobs => Some("blobs"),
            Source::Teacher => Some("teacher"),
            Source::Iris | Source::File(_) => None,
        }
    }
}

/// `data.split`: fractions that sum to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table such as { train = 0.5, validation = 0.25, test = 0.25 }"
)]
pub struct SplitFractions {
    /// Training part.
    pub train: Fraction,
    /// Validation part (early stopping); may be 0.
    pub validation: Fraction,
    /// Test part; may be 0.
    pub test: Fraction,
}

impl Default for SplitFractions {
    fn default() -> Self {
        SplitFractions {
            train: Fraction(0.5),
            validation: Fraction(0.25),
            test: Fraction(0.25),
        }
    }
}

/// A CSV column, by name or by 0-based index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Column {
    /// The column whose header is this.
    Name(String),
    /// The column at this position, counting from 0.
    Index(usize),
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Name(name) => f.write_str(name),
            Column::Index(k) => write!(f, "{k}"),
        }
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ColumnVisitor;
        impl Visitor<'_> for ColumnVisitor {
            type Value = Column;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name or a 0-based column index")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Column, E> {
                Ok(Column::Name(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Column, E> {
                usize::try_from(v).map(Column::Index).map_err(|_| {
                    E::custom(format!(
                        "column index {v} is not accepted: indexes count from 0"
                    ))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Column, E> {
                Ok(Column::Index(v as usize))
            }
        }
        d.deserialize_any(ColumnVisitor)
    }
}

fn delimiter<'de, D: Deserializer<'de>>(d: D) -> Result<char, D::Error> {
    let s = String::deserialize(d)?;
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() && c != '"' && c != '\n' => Ok(c),
        _ => Err(de::Error::custom(format!(
            "delimiter {s:?} is not accepted: it must be one ASCII character, such as \",\", \";\" or \"\\t\""
        ))),
    }
}

/// A list of columns, which must name at least one.
fn columns<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Column>>, D::Error> {
    let columns = Vec::<Column>::deserialize(d)?;
    if columns.is_empty() {
        return Err(de::Error::custom(
            "an empty list names no column; name at least one, or leave the key out",
        ));
    }
    Ok(Some(columns))
}
