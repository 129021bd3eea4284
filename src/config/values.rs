//! How a grid axis's values are written in TOML: a list, one value standing
//! for a list of one, or (for seeds) a range; and the validated scalars the
//! numeric axes hold.

use crate::nn::{Activation, Rule, Sampling};
use crate::number::float;
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// What every axis's list of values offers the plan, whatever its form.
pub trait AxisValues {
    /// The type of one value.
    type Item: AxisValue;
    /// How many values there are (never 0 once parsed).
    fn count(&self) -> u64;
    /// The `k`-th value (k < len).
    fn get(&self, k: u64) -> Self::Item;
    /// The first value listed twice, if any: two jobs would share an id.
    fn first_duplicate(&self) -> Option<Self::Item>;
    /// The values as a person reads them: `0.1, 0.5` or `1 to 10 (10 seeds)`.
    fn describe(&self) -> String;
}

/// A grid axis: a list of values, or one value standing for a list of one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Values<T>(pub Vec<T>);

impl<T: AxisValue> AxisValues for Values<T> {
    type Item = T;
    fn count(&self) -> u64 {
        self.0.len() as u64
    }
    fn get(&self, k: u64) -> T {
        self.0[k as usize]
    }
    fn first_duplicate(&self) -> Option<T> {
        let v = &self.0;
        (0..v.len()).find(|&i| v[..i].contains(&v[i])).map(|i| v[i])
    }
    fn describe(&self) -> String {
        self.0.iter().map(T::print).collect::<Vec<_>>().join(", ")
    }
}

impl<T: PartialEq> Values<T> {
    /// Whether `value` is listed.
    pub fn contains(&self, value: &T) -> bool {
        self.0.contains(value)
    }
}

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

impl AxisValues for Seeds {
    type Item = u64;
    fn count(&self) -> u64 {
        match self {
            Seeds::Range { count, .. } => *count,
            Seeds::List(list) => list.len() as u64,
        }
    }
    fn get(&self, k: u64) -> u64 {
        match self {
            Seeds::Range { from, .. } => from + k,
            Seeds::List(list) => list[k as usize],
        }
    }
    fn first_duplicate(&self) -> Option<u64> {
        match self {
            Seeds::Range { .. } => None,
            Seeds::List(list) => Values(list.clone()).first_duplicate(),
        }
    }
    fn describe(&self) -> String {
        match self {
            Seeds::Range { from, count } => {
                format!("{from} to {} ({count} seeds)", from + count - 1)
            }
            Seeds::List(list) => Values(list.clone()).describe(),
        }
    }
}

/// A value an axis takes: how it is written in job ids, CSV columns,
/// `--filter` and tables, and how that text is read back.
pub trait AxisValue: Copy + PartialEq {
    /// The value as text.
    fn print(&self) -> String;
    /// The value written as `text`, or what is wrong with it.
    fn parse(text: &str) -> Result<Self, String>;
}

macro_rules! by_name {
    ($($T:ty),*) => {$(
        impl AxisValue for $T {
            fn print(&self) -> String {
                self.name().to_string()
            }
            fn parse(text: &str) -> Result<Self, String> {
                text.parse()
            }
        }
    )*};
}
by_name!(Rule, Activation, Sampling);

fn number(text: &str) -> Result<f64, String> {
    text.parse()
        .map_err(|_| format!("`{text}` is not a number"))
}

impl AxisValue for LearningRate {
    fn print(&self) -> String {
        float(self.0)
    }
    fn parse(text: &str) -> Result<Self, String> {
        LearningRate::try_from(number(text)?)
    }
}

impl AxisValue for InitRange {
    fn print(&self) -> String {
        float(self.0)
    }
    fn parse(text: &str) -> Result<Self, String> {
        InitRange::try_from(number(text)?)
    }
}

impl AxisValue for BatchSize {
    fn print(&self) -> String {
        self.0.to_string()
    }
    fn parse(text: &str) -> Result<Self, String> {
        let b: i64 = text
            .parse()
            .map_err(|_| format!("`{text}` is not a whole number"))?;
        BatchSize::try_from(b)
    }
}

impl AxisValue for u64 {
    fn print(&self) -> String {
        self.to_string()
    }
    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| format!("seed `{text}` is not a whole number ≥ 0"))
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

impl fmt::Display for LearningRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&float(self.0))
    }
}

impl fmt::Display for InitRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&float(self.0))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Values<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValuesVisitor(PhantomData))
    }
}

struct ValuesVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> ValuesVisitor<T> {
    fn one<E: de::Error>(value: impl IntoDeserializer<'de, E>) -> Result<Values<T>, E> {
        T::deserialize(value.into_deserializer()).map(|v| Values(vec![v]))
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ValuesVisitor<T> {
    type Value = Values<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value or a list of values")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Values<T>, A::Error> {
        let mut values = Vec::new();
        while let Some(v) = seq.next_element()? {
            values.push(v);
        }
        if values.is_empty() {
            return Err(de::Error::custom(
                "an empty list leaves no jobs: list at least one value",
            ));
        }
        Ok(Values(values))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Values<T>, E> {
        Self::one(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values<T>, E> {
        Self::one(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values<T>, E> {
        Self::one(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values<T>, E> {
        Self::one(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values<T>, E> {
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
        let Values(list) = ValuesVisitor::<u64>(PhantomData).visit_seq(seq)?;
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
