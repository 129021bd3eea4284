//! An axis's values written as a range instead of a list:
//! `{ from = 0.001, to = 1, count = 10, scale = "log" }` for the real
//! axes, `{ from = 1, count = 10 }` or `{ from = 2, to = 32, step = 2 }`
//! for the whole-number ones. A range is expanded to its list as it is
//! read, so everything after (job ids, the plan, the recorded config,
//! `--filter`) sees values, and a range and the list it gives are the same
//! config.
//!
//! Generated reals are rounded to `digits` significant digits (3 unless
//! given): 10^(−3 + k/3) is 0.0021544346900318843 to the last digit, and
//! `lr0.00215` is an id a person can read, type in `--filter` and find in
//! a CSV column. The rounded value is the one trained and recorded.

use super::limits::{MAX_RANGE_VALUES, MAX_SEED};
use super::scalar::{Count, Finite};
use serde::Deserialize;

named_enum! {
    /// How a real range spaces its values (`scale`).
    #[derive(Default)]
    pub enum Spacing {
        /// Equal differences: from, from + d, …, to.
        #[default]
        Linear = "linear",
        /// Equal ratios: from, from · q, …, to.
        Log = "log",
    }
}

impl Spacing {
    /// The `k`-th of `n` values from `from` to `to`: the ends exactly as
    /// written, the values between by the spacing's rule.
    fn at(self, from: f64, to: f64, k: u64, n: u64) -> f64 {
        if k == 0 || n == 1 {
            return from;
        }
        if k == n - 1 {
            return to;
        }
        let t = k as f64 / (n - 1) as f64;
        match self {
            Spacing::Linear => from + (to - from) * t,
            Spacing::Log => libm::exp(libm::log(from) + (libm::log(to) - libm::log(from)) * t),
        }
    }
}

/// Significant digits of a generated real unless the range gives `digits`.
pub const DEFAULT_DIGITS: u64 = 3;

/// `{ from, to, count, scale, digits }`: `count` reals from `from` to `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a range such as { from = 0.001, to = 1, count = 10, scale = \"log\" }"
)]
pub struct RealRange {
    from: Finite,
    to: Finite,
    count: Count<1, MAX_RANGE_VALUES>,
    #[serde(default)]
    scale: Spacing,
    digits: Option<Count<1, 17>>,
}

impl RealRange {
    /// The values, rounded, from `from` to `to`; or why there are none.
    pub fn values(&self) -> Result<Vec<f64>, String> {
        let (from, to, n) = (self.from.0, self.to.0, self.count.0);
        let digits = self.digits.map_or(DEFAULT_DIGITS, |d| d.0);
        if self.scale == Spacing::Log && !(from > 0.0 && to > 0.0) {
            return Err(format!(
                "a log scale needs from and to above 0 (from = {from}, to = {to}): \
                 use scale = \"linear\" or positive ends"
            ));
        }
        let mut values: Vec<f64> = Vec::with_capacity(n as usize);
        for k in 0..n {
            let v = round(self.scale.at(from, to, k, n), digits);
            if let Some(&last) = values.last()
                && last == v
            {
                return Err(format!(
                    "values {k} and {} of the range (counting from 1) both round to {} at \
                     {digits} significant digits: give more digits (digits = {}) or a smaller \
                     count",
                    k + 1,
                    v,
                    digits + 1
                ));
            }
            values.push(v);
        }
        Ok(values)
    }
}

/// `x` rounded to `digits` significant digits: through decimal text, so
/// that it is the double nearest the short decimal a person reads.
fn round(x: f64, digits: u64) -> f64 {
    let text = format!("{:.*e}", digits as usize - 1, x);
    text.parse().unwrap_or(x)
}

/// `{ from, count, step }` or `{ from, to, step }`: whole numbers from
/// `from`, `step` apart (1 unless given); or `{ from, to, count, scale }`:
/// `count` whole numbers spaced like a real range's, each the nearest
/// whole number (`{ from = 1, to = 64, count = 7, scale = "log" }` is 1,
/// 2, 4, …, 64).
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a range such as { from = 1, count = 10 } or { from = 2, to = 32, step = 2 }"
)]
pub struct WholeRange {
    from: Count<0, MAX_SEED>,
    to: Option<Count<0, MAX_SEED>>,
    count: Option<Count<1, MAX_SEED>>,
    step: Option<Count<1, MAX_SEED>>,
    scale: Option<Spacing>,
}

impl WholeRange {
    /// Whether the range is spaced by `to` and `count` (so never a run of
    /// consecutive numbers to keep unlisted).
    pub fn is_spaced(&self) -> bool {
        self.to.is_some() && self.count.is_some()
    }

    /// The values of `{ from, to, count, scale }`.
    fn spaced(&self, to: u64, count: u64) -> Result<Vec<u64>, String> {
        let from = self.from.0;
        if self.step.is_some() {
            return Err("give `step` or `count` with `to`, not both".into());
        }
        if count > MAX_RANGE_VALUES {
            return Err(format!(
                "the range has {count} values; at most {MAX_RANGE_VALUES} are accepted"
            ));
        }
        if to < from {
            return Err(format!(
                "from {from} is above to {to}: a range runs upwards"
            ));
        }
        let scale = self.scale.unwrap_or_default();
        if scale == Spacing::Log && from == 0 {
            return Err("a log scale needs from above 0: use scale = \"linear\"".into());
        }
        let mut values: Vec<u64> = Vec::with_capacity(count as usize);
        for k in 0..count {
            // The ends as written: a seed past 2^53 has no exact double.
            let v = match k {
                0 => from,
                _ if k == count - 1 => to,
                _ => libm::round(scale.at(from as f64, to as f64, k, count)) as u64,
            };
            if values.last() == Some(&v) {
                return Err(format!(
                    "values {k} and {} of the range (counting from 1) are both {v}: \
                     give a smaller count",
                    k + 1
                ));
            }
            values.push(v);
        }
        Ok(values)
    }

    /// The first value, the step and how many values there are; or why the
    /// range gives none.
    pub fn bounds(&self, most: u64) -> Result<(u64, u64, u64), String> {
        let (from, step) = (self.from.0, self.step.map_or(1, |s| s.0));
        if self.scale.is_some() && !self.is_spaced() {
            return Err(
                "`scale` spaces a range of `from`, `to` and `count`: give all three".into(),
            );
        }
        let count = match (self.to, self.count) {
            (Some(_), Some(_)) => {
                return Err("`to` with `count` spaces the range: give no `step`".into());
            }
            (None, None) => return Err("give `to` or `count` after `from`".into()),
            (None, Some(count)) => count.0,
            (Some(to), None) if to.0 < from => {
                return Err(format!(
                    "from {from} is above to {}: a range runs upwards, by a positive step",
                    to.0
                ));
            }
            (Some(to), None) => (to.0 - from) / step + 1,
        };
        if count > most {
            return Err(format!(
                "the range has {count} values; at most {most} are accepted"
            ));
        }
        let last = (count - 1)
            .checked_mul(step)
            .and_then(|span| from.checked_add(span))
            .filter(|&last| last <= MAX_SEED);
        if last.is_none() {
            return Err(format!(
                "{count} values from {from}, {step} apart, run past {MAX_SEED}"
            ));
        }
        Ok((from, step, count))
    }

    /// The values, when there are at most [`MAX_RANGE_VALUES`] of them.
    pub fn values(&self) -> Result<Vec<u64>, String> {
        if let (Some(to), Some(count)) = (self.to, self.count) {
            return self.spaced(to.0, count.0);
        }
        let (from, step, count) = self.bounds(MAX_RANGE_VALUES)?;
        Ok((0..count).map(|k| from + k * step).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(text: &str) -> Result<Vec<f64>, String> {
        let range: RealRange = toml::from_str(text).map_err(|e| e.to_string())?;
        range.values()
    }

    fn whole(text: &str) -> Result<Vec<u64>, String> {
        let range: WholeRange = toml::from_str(text).map_err(|e| e.to_string())?;
        range.values()
    }

    #[test]
    fn log_and_linear_ranges_are_rounded_to_their_digits() {
        let log = real("from = 0.001\nto = 1\ncount = 10\nscale = \"log\"").unwrap();
        assert_eq!(
            log,
            [
                0.001, 0.00215, 0.00464, 0.01, 0.0215, 0.0464, 0.1, 0.215, 0.464, 1.0
            ]
        );
        let linear = real("from = 0.1\nto = 0.5\ncount = 5").unwrap();
        assert_eq!(linear, [0.1, 0.2, 0.3, 0.4, 0.5]);
        let fine = real("from = 1\nto = 2\ncount = 3\ndigits = 5").unwrap();
        assert_eq!(fine, [1.0, 1.5, 2.0]);
        assert_eq!(real("from = 0.3\nto = 0.3\ncount = 1").unwrap(), [0.3]);
    }

    #[test]
    fn bad_real_ranges_say_what_to_change() {
        let log = real("from = 0\nto = 1\ncount = 3\nscale = \"log\"").unwrap_err();
        assert!(
            log.contains("a log scale needs from and to above 0"),
            "{log}"
        );
        let crowded = real("from = 1\nto = 1.001\ncount = 5").unwrap_err();
        assert!(
            crowded.contains("both round to 1 at 3 significant digits"),
            "{crowded}"
        );
        assert!(crowded.contains("digits = 4"), "{crowded}");
        assert!(real("from = 1\nto = 2\ncount = 0").is_err());
        assert!(real("from = 1\nto = 2\ncount = 3\nscale = \"cubic\"").is_err());
    }

    #[test]
    fn whole_ranges_by_count_or_by_end() {
        assert_eq!(whole("from = 1\ncount = 4").unwrap(), [1, 2, 3, 4]);
        assert_eq!(whole("from = 2\nto = 9\nstep = 3").unwrap(), [2, 5, 8]);
        let down = whole("from = 5\nto = 1").unwrap_err();
        assert!(down.contains("from 5 is above to 1"), "{down}");
        assert!(
            whole("from = 1")
                .unwrap_err()
                .contains("give `to` or `count`")
        );
        let log = whole("from = 1\nto = 64\ncount = 7\nscale = \"log\"").unwrap();
        assert_eq!(log, [1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(whole("from = 1\nto = 3\ncount = 3").unwrap(), [1, 2, 3]);
        let crowded = whole("from = 1\nto = 3\ncount = 5").unwrap_err();
        assert!(crowded.contains("are both"), "{crowded}");
        let both = whole("from = 1\nto = 3\ncount = 3\nstep = 1").unwrap_err();
        assert!(both.contains("not both"), "{both}");
        let alone = whole("from = 1\ncount = 3\nscale = \"log\"").unwrap_err();
        assert!(alone.contains("give all three"), "{alone}");
        assert!(whole("from = 0\nto = 8\ncount = 3\nscale = \"log\"").is_err());
        assert!(
            whole("from = 1\ncount = 100000")
                .unwrap_err()
                .contains("at most")
        );
        let past = whole(&format!("from = {MAX_SEED}\ncount = 2")).unwrap_err();
        assert!(past.contains("run past"), "{past}");
    }
}
