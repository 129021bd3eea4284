//! The validated numbers a config holds. Each checks its value as it is
//! read, so a bad value anywhere in the file is refused at its key with
//! its line, column and snippet, and the message says what is accepted in
//! words rather than in Rust types.

use super::limits::MAX_EXTENT;
use crate::number::float;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// How a number from the file is shown in a message: as TOML spells it.
fn toml_float(v: f64) -> String {
    match v {
        v if v.is_nan() => "nan".into(),
        v if v.is_infinite() => if v > 0.0 { "inf" } else { "-inf" }.into(),
        // A whole number as written: `-1`, not `-1.0`.
        v if v.fract() == 0.0 && v.abs() < 1e15 => (v as i64).to_string(),
        v => float(v),
    }
}

fn refused(shown: &str, expected: &str) -> String {
    format!("{shown} is not accepted: expected {expected}")
}

macro_rules! real {
    ($(#[$doc:meta])* $T:ident, $expected:literal, |$v:ident| $ok:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $T(pub f64);

        impl $T {
            /// What the value must be, in words.
            pub const EXPECTED: &'static str = $expected;
        }

        impl TryFrom<f64> for $T {
            type Error = String;
            fn try_from($v: f64) -> Result<Self, String> {
                if $ok {
                    Ok($T($v))
                } else {
                    Err(refused(&toml_float($v), $expected))
                }
            }
        }

        impl fmt::Display for $T {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&float(self.0))
            }
        }

        impl Serialize for $T {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $T {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(RealVisitor::<$T>($expected, PhantomData))
            }
        }
    };
}

real!(
    /// Any finite number.
    Finite, "a finite number", |v| v.is_finite()
);
real!(
    /// A finite number above 0.
    Positive, "a finite number above 0", |v| v > 0.0 && v.is_finite()
);
real!(
    /// A finite number ≥ 0.
    NonNegative, "a finite number ≥ 0", |v| v >= 0.0 && v.is_finite()
);
real!(
    /// A fraction, from 0 to 1.
    Fraction, "a number from 0 to 1", |v| (0.0..=1.0).contains(&v)
);

real!(
    /// A generator's width or range: above 0 and at most [`MAX_EXTENT`].
    Extent, "a number above 0 and at most 1e12", |v| v > 0.0 && v <= MAX_EXTENT
);
real!(
    /// A generator's noise: from 0 to [`MAX_EXTENT`].
    Deviation, "a number from 0 to 1e12", |v| (0.0..=MAX_EXTENT).contains(&v)
);

/// Reads an integer or a float as a `T`; anything else is refused with
/// `expected` in the message. The value is checked here, inside the
/// deserializer, so that the error carries the value's own place.
struct RealVisitor<T>(&'static str, PhantomData<T>);

impl<T: TryFrom<f64, Error = String>> Visitor<'_> for RealVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::try_from(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_f64(v as f64)
    }
}

/// A whole number from `MIN` to `MAX`, and a multiple of `STEP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Count<const MIN: u64, const MAX: u64, const STEP: u64 = 1>(pub u64);

impl<const MIN: u64, const MAX: u64, const STEP: u64> Count<MIN, MAX, STEP> {
    /// What the value must be, in words.
    pub fn expected() -> String {
        match STEP {
            1 => format!("a whole number from {MIN} to {MAX}"),
            _ => format!("a multiple of {STEP} from {MIN} to {MAX}"),
        }
    }

    /// The value as an index or a length.
    pub fn get(self) -> usize {
        // MAX is at most i64::MAX, and sweep runs on 64-bit machines only.
        self.0 as usize
    }
}

impl<const MIN: u64, const MAX: u64, const STEP: u64> TryFrom<i64> for Count<MIN, MAX, STEP> {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, String> {
        match u64::try_from(v) {
            Ok(n) if (MIN..=MAX).contains(&n) && n.is_multiple_of(STEP) => Ok(Count(n)),
            _ => Err(refused(&v.to_string(), &Self::expected())),
        }
    }
}

impl<const MIN: u64, const MAX: u64, const STEP: u64> fmt::Display for Count<MIN, MAX, STEP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<const MIN: u64, const MAX: u64, const STEP: u64> Serialize for Count<MIN, MAX, STEP> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de, const MIN: u64, const MAX: u64, const STEP: u64> Deserialize<'de>
    for Count<MIN, MAX, STEP>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WholeVisitor(PhantomData))
    }
}

/// Reads a TOML integer as a [`Count`], checked inside the deserializer
/// like [`RealVisitor`].
struct WholeVisitor<const MIN: u64, const MAX: u64, const STEP: u64>(
    PhantomData<Count<MIN, MAX, STEP>>,
);

impl<const MIN: u64, const MAX: u64, const STEP: u64> Visitor<'_> for WholeVisitor<MIN, MAX, STEP> {
    type Value = Count<MIN, MAX, STEP>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&Count::<MIN, MAX, STEP>::expected())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Count::try_from(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let expected = Count::<MIN, MAX, STEP>::expected();
        let v = i64::try_from(v).map_err(|_| E::custom(refused(&v.to_string(), &expected)))?;
        self.visit_i64(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder<T> {
        #[allow(dead_code)]
        value: T,
    }

    fn refusal<T: for<'de> Deserialize<'de> + fmt::Debug>(value: &str) -> String {
        toml::from_str::<Holder<T>>(&format!("value = {value}"))
            .unwrap_err()
            .message()
            .to_string()
    }

    #[test]
    fn each_scalar_refuses_what_it_must_in_words() {
        assert_eq!(
            refusal::<Positive>("-1"),
            "-1 is not accepted: expected a finite number above 0"
        );
        assert_eq!(
            refusal::<Positive>("nan"),
            "nan is not accepted: expected a finite number above 0"
        );
        assert_eq!(
            refusal::<Fraction>("1.5"),
            "1.5 is not accepted: expected a number from 0 to 1"
        );
        assert_eq!(
            refusal::<Count<1, 10>>("11"),
            "11 is not accepted: expected a whole number from 1 to 10"
        );
        assert_eq!(
            refusal::<Count<4, 100, 4>>("6"),
            "6 is not accepted: expected a multiple of 4 from 4 to 100"
        );
        assert_eq!(
            refusal::<Count<1, 10>>("2.5"),
            "invalid type: floating point `2.5`, expected a whole number from 1 to 10"
        );
        assert_eq!(
            refusal::<NonNegative>("\"x\""),
            "invalid type: string \"x\", expected a finite number ≥ 0"
        );
    }

    #[test]
    fn accepted_values_keep_their_value() {
        let h: Holder<Positive> = toml::from_str("value = 2").unwrap();
        assert_eq!(h.value, Positive(2.0));
        let h: Holder<Count<0, 5>> = toml::from_str("value = 0").unwrap();
        assert_eq!(h.value, Count(0));
        let h: Holder<Finite> = toml::from_str("value = -0.5").unwrap();
        assert_eq!(h.value, Finite(-0.5));
    }
}
