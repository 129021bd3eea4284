//! Activation functions f and their derivatives f′, as functions of `net`.
//!
//! exp and tanh come from the pure-Rust `libm` crate rather than the
//! platform's C library, so that results are the same bits on every machine.
//! e^x goes through libm's table-driven `exp2` (see [`exp`]), or, several
//! arguments at a time, its lane version [`exp2::exp2`], which gives the same bits.

use super::exp2;

/// Slope of `leaky_relu` for negative inputs.
pub const LEAKY_SLOPE: f64 = 0.01;

named_enum! {
    /// An activation function f applied element-wise to `net = x̃ W`.
    pub enum Activation {
        /// 1 / (1 + e^−x)
        Sigmoid = "sigmoid",
        /// tanh x
        Tanh = "tanh",
        /// (tanh x + 1) / 2, the tutorial's activation (computed as 1 / (1 + e^−2x))
        Tanh01 = "tanh01",
        /// max(0, x)
        Relu = "relu",
        /// x for x > 0, 0.01·x otherwise
        LeakyRelu = "leaky_relu",
        /// ln(1 + e^x)
        Softplus = "softplus",
        /// x
        Linear = "linear",
    }
}

impl Activation {
    /// f(x)
    #[inline]
    pub fn f(self, x: f64) -> f64 {
        match self {
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => libm::tanh(x),
            // (tanh x + 1) / 2 = 1 / (1 + e^−2x): one exp rather than tanh's
            // expm1 and divisions, and no cancellation as tanh x nears −1.
            Activation::Tanh01 => sigmoid(2.0 * x),
            Activation::Relu => x.max(0.0),
            Activation::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    LEAKY_SLOPE * x
                }
            }
            // Written so that e^x never overflows: ln(1 + e^x) = x + ln(1 + e^−x).
            Activation::Softplus => {
                if x > 0.0 {
                    x + libm::log1p(exp(-x))
                } else {
                    libm::log1p(exp(x))
                }
            }
            Activation::Linear => x,
        }
    }

    /// z = f(net), element by element. The match is outside the loop, so
    /// each arm is a tight loop of one function.
    #[inline]
    pub fn apply(self, net: &[f64], z: &mut [f64]) {
        #[inline(always)]
        fn each(net: &[f64], z: &mut [f64], g: impl Fn(f64) -> f64) {
            for (z_j, &net_j) in z.iter_mut().zip(net) {
                *z_j = g(net_j);
            }
        }
        match self {
            Activation::Sigmoid => sigmoids(net, z, 1.0),
            Activation::Tanh => each(net, z, |x| Activation::Tanh.f(x)),
            Activation::Tanh01 => sigmoids(net, z, 2.0),
            Activation::Relu => each(net, z, |x| Activation::Relu.f(x)),
            Activation::LeakyRelu => each(net, z, |x| Activation::LeakyRelu.f(x)),
            Activation::Softplus => each(net, z, |x| Activation::Softplus.f(x)),
            Activation::Linear => each(net, z, |x| Activation::Linear.f(x)),
        }
    }

    /// f′(x)
    #[inline]
    pub fn df(self, x: f64) -> f64 {
        match self {
            Activation::Sigmoid => {
                let s = sigmoid(x);
                s * (1.0 - s)
            }
            Activation::Tanh => {
                let t = libm::tanh(x);
                1.0 - t * t
            }
            Activation::Tanh01 => {
                let s = sigmoid(2.0 * x);
                2.0 * s * (1.0 - s)
            }
            Activation::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu => {
                if x > 0.0 {
                    1.0
                } else {
                    LEAKY_SLOPE
                }
            }
            Activation::Softplus => sigmoid(x),
            Activation::Linear => 1.0,
        }
    }
}

impl Activation {
    /// f′(x) given also z = f(x): where f′ is a function of z, no second
    /// exp or tanh is needed (sigmoid: z(1 − z); tanh: 1 − z²; tanh01:
    /// 2z(1 − z)).
    #[inline]
    pub fn derivative(self, x: f64, z: f64) -> f64 {
        match self {
            Activation::Sigmoid => z * (1.0 - z),
            Activation::Tanh => 1.0 - z * z,
            Activation::Tanh01 => 2.0 * z * (1.0 - z),
            _ => self.df(x),
        }
    }
}

#[inline]
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
}

/// z = sigmoid(s·x) for each x of `net`: four at a time through
/// [`Activation::lanes`], the last few one by one. An evaluation's block of
/// 64 samples × 3 outputs takes 0.66 µs this way against 1.07 µs one by one
/// (`cargo bench --bench core -- sigmoid-192`).
#[inline(always)]
fn sigmoids(net: &[f64], z: &mut [f64], s: f64) {
    const LANES: usize = 4;
    let whole = net.len() / LANES * LANES;
    let (net_lanes, net_rest) = net.split_at(whole);
    let (z_lanes, z_rest) = z.split_at_mut(whole);
    for (x, z) in net_lanes
        .chunks_exact(LANES)
        .zip(z_lanes.chunks_exact_mut(LANES))
    {
        let x: [f64; LANES] = x.try_into().expect("chunks of LANES");
        z.copy_from_slice(&sigmoid_lanes(x, s));
    }
    for (z, &x) in z_rest.iter_mut().zip(net_rest) {
        *z = sigmoid(s * x);
    }
}

/// sigmoid(s·x) of each lane, bit for bit [`sigmoid`] of each: the same
/// operations in the same order, and libm's 2^x through [`exp2::exp2`].
#[inline(always)]
fn sigmoid_lanes<const L: usize>(x: [f64; L], s: f64) -> [f64; L] {
    let e = exp2::exp2(x.map(|x| -(s * x) * std::f64::consts::LOG2_E));
    e.map(|e| 1.0 / (1.0 + e))
}

impl Activation {
    /// `body(self)`, with `self` a constant in each arm: an
    /// `#[inline(always)]` body is compiled once for each activation, every
    /// match on it folded away (as `layer::unrolled` does for widths).
    #[inline(always)]
    pub fn constant<R>(self, body: impl FnOnce(Activation) -> R) -> R {
        match self {
            Activation::Sigmoid => body(Activation::Sigmoid),
            Activation::Tanh => body(Activation::Tanh),
            Activation::Tanh01 => body(Activation::Tanh01),
            Activation::Relu => body(Activation::Relu),
            Activation::LeakyRelu => body(Activation::LeakyRelu),
            Activation::Softplus => body(Activation::Softplus),
            Activation::Linear => body(Activation::Linear),
        }
    }

    /// f of each lane of `x`, bit for bit [`Activation::f`] of each: how
    /// several jobs trained at once, lane by lane, take their outputs.
    #[inline(always)]
    pub fn lanes<const L: usize>(self, x: [f64; L]) -> [f64; L] {
        match self.sigmoid_scale() {
            Some(s) => sigmoid_lanes(x, s),
            None => x.map(|x| self.f(x)),
        }
    }

    /// s where f(x) = sigmoid(s·x): sigmoid's 1 and tanh01's 2, the
    /// activations whose lanes take e^x through [`exp2::exp2`].
    #[inline(always)]
    pub fn sigmoid_scale(self) -> Option<f64> {
        match self {
            Activation::Sigmoid => Some(1.0),
            Activation::Tanh01 => Some(2.0),
            _ => None,
        }
    }
}

/// e^x, computed as 2^(x·log₂e) with libm's `exp2`.
///
/// Most of a job's time is spent here: an update is a chain of forward
/// pass, e^x and weight change, and an evaluation is a run of e^x. libm's
/// `exp2` looks 2^x up in a table and has no division, which makes a
/// sigmoid 1.8× faster than with libm's `exp` when many are in flight and
/// 1.5× faster when each waits for the last. The price is the rounding of
/// x·log₂e: measured against a correctly rounded e^x, the relative error is
/// at most 9e-16 for |x| ≤ 8 and 3.2e-15 for |x| ≤ 40, where libm's `exp`
/// stays within 2.3e-16; far below anything a training run can notice.
/// Like every libm
/// function it uses only IEEE arithmetic, so the bits are the same on
/// every machine.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp2(x * std::f64::consts::LOG2_E)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in Activation::ALL {
            for &x in &[-3.0, -0.7, 0.3, 1.1, 4.0] {
                let numeric = (act.f(x + h) - act.f(x - h)) / (2.0 * h);
                let analytic = act.df(x);
                assert!(
                    (numeric - analytic).abs() < 1e-7,
                    "{act} at {x}: f′ = {analytic}, differences give {numeric}"
                );
            }
        }
    }

    #[test]
    fn derivative_from_the_output_agrees_with_df() {
        for act in Activation::ALL {
            for &x in &[-3.0, -0.7, 0.3, 1.1, 4.0] {
                let (from_z, direct) = (act.derivative(x, act.f(x)), act.df(x));
                assert!(
                    (from_z - direct).abs() < 1e-15,
                    "{act} at {x}: {from_z} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn exp_is_close_to_libm_exp() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        let mut worst: f64 = 0.0;
        for k in -400_000..=400_000 {
            let x = k as f64 * 1e-4 + 1.234_567e-9;
            let reference = libm::exp(x);
            worst = worst.max(((exp(x) - reference) / reference).abs());
        }
        assert!(worst < 1e-14, "relative error up to {worst:e} on [−40, 40]");
        assert!(worst > 0.0, "the comparison compares something");
    }

    #[test]
    fn apply_in_lanes_is_f_of_each_bit_for_bit() {
        let mut net: Vec<f64> = (0..203).map(|k| (k as f64 * 0.731).sin() * 12.0).collect();
        net.extend([
            0.0,
            -0.0,
            1e-18,
            800.0,
            -800.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ]);
        for act in Activation::ALL {
            for len in [0, 1, 3, 4, 7, 8, 192, net.len()] {
                let mut z = vec![0.0; len];
                act.apply(&net[..len], &mut z);
                for (x, z) in net[..len].iter().zip(&z) {
                    assert_eq!(z.to_bits(), act.f(*x).to_bits(), "{act}({x})");
                }
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(Activation::Sigmoid.f(0.0), 0.5);
        assert_eq!(Activation::Tanh01.f(0.0), 0.5);
        for x in [-3.0, -0.5, 0.7, 2.0] {
            let tutorial = (libm::tanh(x) + 1.0) / 2.0;
            assert!((Activation::Tanh01.f(x) - tutorial).abs() < 1e-15, "{x}");
        }
        assert_eq!(Activation::Relu.f(-2.0), 0.0);
        assert_eq!(Activation::LeakyRelu.f(-2.0), -0.02);
        assert!((Activation::Softplus.f(0.0) - std::f64::consts::LN_2).abs() < 1e-15);
        // No overflow far out on either side.
        assert_eq!(Activation::Softplus.f(1000.0), 1000.0);
        assert_eq!(Activation::Softplus.f(-1000.0), 0.0);
    }

    #[test]
    fn names_round_trip_through_serde() {
        for act in Activation::ALL {
            let parsed: Activation =
                serde::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                    serde::de::value::Error,
                >::new(act.name()))
                .unwrap();
            assert_eq!(parsed, act);
        }
    }
}
