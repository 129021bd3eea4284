//! How a grid axis's values are written in TOML: a list, one value standing
//! for a list of one, or (for the numeric axes) a range of [`super::range`];
//! and what the numeric axes' values are (scalars of [`super::scalar`] with
//! their bounds).

use super::limits::{MAX_JOBS, MAX_ROWS, MAX_SEED};
use super::range::{RealRange, WholeRange};
use super::scalar::{Count, Deviation, Positive};
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
    /// The position of `value` among the values, if it is one of them.
    fn index_of(&self, value: Self::Item) -> Option<u64>;
    /// The first value listed twice, if any, with the index of its second
    /// listing: two jobs would share an id.
    fn first_duplicate(&self) -> Option<(u64, Self::Item)>;
    /// The values as a person reads them: `0.1, 0.5` or `1 to 10 (10 seeds)`.
    fn describe(&self) -> String;
    /// Adds `value` after the others, unless it is one of them.
    fn include(&mut self, value: Self::Item);
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
    fn index_of(&self, value: T) -> Option<u64> {
        self.0.iter().position(|v| *v == value).map(|k| k as u64)
    }
    fn first_duplicate(&self) -> Option<(u64, T)> {
        let v = &self.0;
        (0..v.len())
            .find(|&i| v[..i].contains(&v[i]))
            .map(|i| (i as u64, v[i]))
    }
    fn describe(&self) -> String {
        self.0.iter().map(T::print).collect::<Vec<_>>().join(", ")
    }
    fn include(&mut self, value: T) {
        if !self.0.contains(&value) {
            self.0.push(value);
        }
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

impl From<Vec<u64>> for Seeds {
    /// Consecutive seeds as the range they are, so that `[1, 2]`, `1` and
    /// `{ from = 1, count = 2 }` are recorded (and compared) alike.
    fn from(list: Vec<u64>) -> Seeds {
        let consecutive = list.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
        match list.first() {
            Some(&from) if consecutive => Seeds::Range {
                from,
                count: list.len() as u64,
            },
            _ => Seeds::List(list),
        }
    }
}

impl AxisValues for Seeds {
    type Item = Seed;
    fn count(&self) -> u64 {
        match self {
            Seeds::Range { count, .. } => *count,
            Seeds::List(list) => list.len() as u64,
        }
    }
    fn get(&self, k: u64) -> Seed {
        match self {
            Seeds::Range { from, .. } => Count(from + k),
            Seeds::List(list) => Count(list[k as usize]),
        }
    }
    fn index_of(&self, value: Seed) -> Option<u64> {
        match self {
            Seeds::Range { from, count } => {
                let k = value.0.checked_sub(*from)?;
                (k < *count).then_some(k)
            }
            Seeds::List(list) => list.iter().position(|s| *s == value.0).map(|k| k as u64),
        }
    }
    fn first_duplicate(&self) -> Option<(u64, Seed)> {
        match self {
            Seeds::Range { .. } => None,
            Seeds::List(list) => {
                Values(list.iter().copied().map(Count).collect()).first_duplicate()
            }
        }
    }
    fn describe(&self) -> String {
        match self {
            Seeds::Range { from, count: 1 } => from.to_string(),
            Seeds::Range { from, count } => {
                format!("{from} to {} ({count} seeds)", from + count - 1)
            }
            Seeds::List(list) => {
                Values(list.iter().copied().map(Count).collect::<Vec<Seed>>()).describe()
            }
        }
    }
    fn include(&mut self, value: Seed) {
        if self.index_of(value).is_none() {
            let mut list: Vec<u64> = (0..self.count()).map(|k| self.get(k).0).collect();
            list.push(value.0);
            *self = Seeds::from(list);
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

macro_rules! by_number {
    ($($T:ty),*) => {$(
        impl AxisValue for $T {
            fn print(&self) -> String {
                float(self.0)
            }
            fn parse(text: &str) -> Result<Self, String> {
                <$T>::try_from(number(text)?)
            }
        }
    )*};
}
by_number!(Positive, Deviation);

impl<const MIN: u64, const MAX: u64, const STEP: u64> AxisValue for Count<MIN, MAX, STEP> {
    fn print(&self) -> String {
        self.0.to_string()
    }
    fn parse(text: &str) -> Result<Self, String> {
        let v: i64 = text
            .parse()
            .map_err(|_| format!("`{text}` is not a whole number"))?;
        Count::try_from(v)
    }
}

/// η: a finite number above 0.
pub type LearningRate = Positive;

/// r of the initial weights' range [−r, r]: from 0 to 1e12, beyond which
/// the range's width leaves the floating-point range.
pub type InitRange = Deviation;

/// Samples per update: at most a data set's rows.
pub type BatchSize = Count<1, MAX_ROWS>;

/// A seed: TOML integers are at most `i64::MAX`.
pub type Seed = Count<0, MAX_SEED>;

/// How an axis's values come from a range table, where they can.
pub trait FromRange: Sized {
    /// The values of the range `map`, or why it gives none.
    fn from_range<'de, A: de::MapAccess<'de>>(map: A) -> Result<Vec<Self>, A::Error>;
}

macro_rules! real_range {
    ($($T:ty),*) => {$(
        impl FromRange for $T {
            fn from_range<'de, A: de::MapAccess<'de>>(map: A) -> Result<Vec<Self>, A::Error> {
                let range = RealRange::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let values = range.values().map_err(de::Error::custom)?;
                values
                    .into_iter()
                    .map(|v| <$T>::try_from(v).map_err(de::Error::custom))
                    .collect()
            }
        }
    )*};
}
real_range!(Positive, Deviation);

impl<const MIN: u64, const MAX: u64, const STEP: u64> FromRange for Count<MIN, MAX, STEP> {
    fn from_range<'de, A: de::MapAccess<'de>>(map: A) -> Result<Vec<Self>, A::Error> {
        let range = WholeRange::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let values = range.values().map_err(de::Error::custom)?;
        values
            .into_iter()
            .map(|v| Count::try_from(v as i64).map_err(de::Error::custom))
            .collect()
    }
}

macro_rules! no_range {
    ($($T:ty),*) => {$(
        impl FromRange for $T {
            fn from_range<'de, A: de::MapAccess<'de>>(_: A) -> Result<Vec<Self>, A::Error> {
                Err(de::Error::custom(format!(
                    "a range is for numbers: give {} or a list of them",
                    <$T>::expected()
                )))
            }
        }
    )*};
}
no_range!(Rule, Activation, Sampling);

impl<'de, T: Deserialize<'de> + FromRange> Deserialize<'de> for Values<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValuesVisitor(PhantomData))
    }
}

struct ValuesVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + FromRange> ValuesVisitor<T> {
    fn one<E: de::Error>(value: impl IntoDeserializer<'de, E>) -> Result<Values<T>, E> {
        T::deserialize(value.into_deserializer()).map(|v| Values(vec![v]))
    }
}

impl<'de, T: Deserialize<'de> + FromRange> Visitor<'de> for ValuesVisitor<T> {
    type Value = Values<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value, a list of values, or (for numbers) a range")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Values<T>, A::Error> {
        T::from_range(map).map(Values)
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

impl<'de> Visitor<'de> for SeedsVisitor {
    type Value = Seeds;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a seed, a list of seeds, or { from = 1, count = 10 }")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seeds, E> {
        let seed = Seed::try_from(v).map_err(E::custom)?;
        Ok(Seeds::from(vec![seed.0]))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Seeds, A::Error> {
        let Values(list) = ValuesVisitor::<Seed>(PhantomData).visit_seq(seq)?;
        Ok(Seeds::from(
            list.into_iter().map(|s| s.0).collect::<Vec<_>>(),
        ))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Seeds, A::Error> {
        let range = WholeRange::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if range.is_spaced() {
            return Ok(Seeds::from(range.values().map_err(de::Error::custom)?));
        }
        let (from, step, count) = range.bounds(MAX_JOBS).map_err(de::Error::custom)?;
        // Consecutive seeds stay a range, however many: never listed out.
        if step == 1 {
            return Ok(Seeds::Range { from, count });
        }
        let list = range.values().map_err(de::Error::custom)?;
        Ok(Seeds::from(list))
    }
}
