//! Input scaling, fitted on the training part only so that the validation
//! and test sets stay unseen.

use crate::config::Scale;
use ndarray::Array2;

/// A fitted per-feature affine map x ↦ (x − shift) / divisor · gain + offset.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    shift: Vec<f64>,
    divisor: Vec<f64>,
    gain: f64,
    offset: f64,
}

impl Scaler {
    /// Fits `scale` on the rows of `train` (samples × features).
    ///
    /// A feature that is constant on the training part is only shifted:
    /// dividing by its zero spread would make it NaN.
    pub fn fit(scale: Scale, train: &Array2<f64>) -> Scaler {
        let features = train.ncols();
        let n = train.nrows() as f64;
        let mut shift = vec![0.0; features];
        let mut divisor = vec![1.0; features];
        for (k, column) in train.columns().into_iter().enumerate() {
            let (s, d) = match scale {
                Scale::None => (0.0, 1.0),
                Scale::Standard => {
                    let mean = column.iter().sum::<f64>() / n;
                    let var = column.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
                    (mean, var.sqrt())
                }
                Scale::Minmax => {
                    let min = column.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = column.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (min, max - min)
                }
                Scale::Tutorial => {
                    let mean = column.iter().sum::<f64>() / n;
                    let reach = column.iter().fold(0.0_f64, |m, x| m.max((x - mean).abs()));
                    (mean, reach)
                }
            };
            shift[k] = s;
            divisor[k] = if d > 0.0 { d } else { 1.0 };
        }
        let (gain, offset) = match scale {
            Scale::Tutorial => (0.475, 0.5),
            _ => (1.0, 0.0),
        };
        Scaler {
            shift,
            divisor,
            gain,
            offset,
        }
    }

    /// Applies the map to every row of `x` in place.
    pub fn apply(&self, x: &mut Array2<f64>) {
        for mut row in x.rows_mut() {
            for (k, v) in row.iter_mut().enumerate() {
                *v = (*v - self.shift[k]) / self.divisor[k] * self.gain + self.offset;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Array2<f64> {
        Array2::from_shape_vec((4, 2), vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0, 6.0, 5.0]).unwrap()
    }

    #[test]
    fn standard_gives_zero_mean_unit_variance() {
        let mut x = data();
        Scaler::fit(Scale::Standard, &x).apply(&mut x);
        let col = x.column(0);
        let mean = col.sum() / 4.0;
        let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-12);
        assert!((var - 1.0).abs() < 1e-12);
        // The constant feature is centred, not divided by zero.
        assert!(x.column(1).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn minmax_maps_training_range_to_unit_interval() {
        let mut x = data();
        Scaler::fit(Scale::Minmax, &x).apply(&mut x);
        assert_eq!(x.column(0).to_vec(), vec![0.0, 0.2, 0.4, 1.0]);
    }

    #[test]
    fn tutorial_maps_training_into_its_band() {
        let mut x = data();
        Scaler::fit(Scale::Tutorial, &x).apply(&mut x);
        let col = x.column(0);
        // mean 3, max |x − 3| = 3: 1 ↦ 0.5 − 0.475·2/3, 6 ↦ 0.975.
        assert!(col.iter().all(|v| (0.025..=0.975).contains(v)));
        assert_eq!(col[3], 0.975);
        assert!((col[0] - (0.5 - 0.475 * 2.0 / 3.0)).abs() < 1e-15);
        // A constant feature sits in the middle.
        assert!(x.column(1).iter().all(|&v| v == 0.5));
    }

    #[test]
    fn fitted_on_train_applied_elsewhere() {
        let train = data();
        let mut other = Array2::from_shape_vec((1, 2), vec![11.0, 5.0]).unwrap();
        Scaler::fit(Scale::Minmax, &train).apply(&mut other);
        assert_eq!(other[[0, 0]], 2.0);
    }
}
