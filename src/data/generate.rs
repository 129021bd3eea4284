//! Generated data sets, deterministic from `data.seed`.

use super::{Dataset, Target};
use crate::config::{BlobsConfig, Gate, LogicConfig, TeacherConfig};
use crate::nn::layer::{Dims, forward};
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

/// ChaCha stream of `data.seed` that generators draw from; the split draws
/// from stream 0, so the two never share random numbers.
const GENERATOR_STREAM: u64 = 1;

fn rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(GENERATOR_STREAM);
    rng
}

/// A standard normal draw by the Box–Muller transform, with `libm` so that
/// it is the same on every machine (a sampler built on the platform's
/// `ln` and `exp` need not be).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // u1 in (0, 1]: ln(0) would be −∞.
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
}

/// The four patterns of a two-input gate, repeated to `samples` with
/// Gaussian noise of standard deviation `noise` on the inputs; one output,
/// 0 or 1.
pub fn logic(gate: Gate, cfg: &LogicConfig, seed: u64) -> Dataset {
    let (samples, noise_sd) = (cfg.samples.get(), cfg.noise.0);
    let mut rng = rng(seed);
    let patterns = [(false, false), (false, true), (true, false), (true, true)];
    let mut x = Array2::zeros((samples, 2));
    let mut t = Array2::zeros((samples, 1));
    for i in 0..samples {
        let (a, b) = patterns[i % 4];
        for (k, bit) in [a, b].into_iter().enumerate() {
            let noise = if noise_sd > 0.0 {
                noise_sd * normal(&mut rng)
            } else {
                0.0
            };
            x[[i, k]] = f64::from(u8::from(bit)) + noise;
        }
        t[[i, 0]] = f64::from(u8::from(gate.apply(a, b)));
    }
    dataset(x, t, vec!["y".into()])
}

/// `classes` Gaussian clusters of `per_class` samples each, centres uniform
/// in the cube [−center_range, center_range]^dimension; one-hot targets.
pub fn blobs(cfg: &BlobsConfig, seed: u64) -> Dataset {
    let (dimension, classes, per_class) =
        (cfg.dimension.get(), cfg.classes.get(), cfg.per_class.get());
    let (spread, r) = (cfg.spread.0, cfg.center_range.0);
    let mut rng = rng(seed);
    let centres = Array2::from_shape_simple_fn((classes, dimension), || rng.random_range(-r..=r));
    let n = classes * per_class;
    let mut x = Array2::zeros((n, dimension));
    let mut t = Array2::zeros((n, classes));
    for i in 0..n {
        let class = i % classes;
        for k in 0..dimension {
            x[[i, k]] = centres[[class, k]] + spread * normal(&mut rng);
        }
        t[[i, class]] = 1.0;
    }
    let classes = (0..classes).map(|c| format!("class{c}")).collect();
    dataset(x, t, classes)
}

/// Inputs uniform in [−input_range, input_range]^inputs; targets the
/// outputs of a random single-layer net (weights uniform in
/// [−weight_range, weight_range], bias input 1, the given activation), plus
/// Gaussian noise of standard deviation `noise`. A student of the same
/// shape and activation can reach a mean squared error of noise², no lower.
pub fn teacher(cfg: &TeacherConfig, seed: u64) -> Dataset {
    let (inputs, outputs, samples) = (cfg.inputs.get(), cfg.outputs.get(), cfg.samples.get());
    let (wr, ir, noise_sd) = (cfg.weight_range.0, cfg.input_range.0, cfg.noise.0);
    let mut rng = rng(seed);
    let dims = Dims {
        inputs_with_bias: inputs + 1,
        outputs,
    };
    let w = Array2::from_shape_simple_fn(dims.weights(), || rng.random_range(-wr..=wr));
    let mut x = Array2::zeros((samples, inputs));
    let mut t = Array2::zeros((samples, outputs));
    let mut x_aug = vec![1.0; inputs + 1];
    let (mut net, mut z) = (vec![0.0; outputs], vec![0.0; outputs]);
    for i in 0..samples {
        for k in 0..inputs {
            x_aug[k] = rng.random_range(-ir..=ir);
            x[[i, k]] = x_aug[k];
        }
        forward(&w, &x_aug, cfg.activation, &mut net, &mut z);
        for j in 0..outputs {
            let noise = if noise_sd > 0.0 {
                noise_sd * normal(&mut rng)
            } else {
                0.0
            };
            t[[i, j]] = z[j] + noise;
        }
    }
    let outputs = (0..outputs).map(|j| format!("y{j}")).collect();
    dataset(x, t, outputs)
}

fn dataset(x: Array2<f64>, t: Array2<f64>, outputs: Vec<String>) -> Dataset {
    let mut hash = Sha256::new();
    for v in x.iter().chain(t.iter()) {
        hash.update(v.to_le_bytes());
    }
    Dataset {
        inputs: (0..x.ncols()).map(|k| format!("x{k}")).collect(),
        x,
        t,
        target: Target::Generated,
        outputs,
        sha256: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Count, Deviation};
    use crate::nn::Activation;

    #[test]
    fn logic_gates_have_their_truth_tables() {
        for (gate, expected) in [
            (Gate::Xor, [0.0, 1.0, 1.0, 0.0]),
            (Gate::And, [0.0, 0.0, 0.0, 1.0]),
            (Gate::Or, [0.0, 1.0, 1.0, 1.0]),
        ] {
            let d = logic(gate, &LogicConfig::default(), 0);
            assert_eq!(d.x.dim(), (4, 2));
            assert_eq!(d.x.as_slice().unwrap(), &[0., 0., 0., 1., 1., 0., 1., 1.]);
            assert_eq!(d.t.as_slice().unwrap(), &expected);
        }
    }

    #[test]
    fn noisy_logic_repeats_each_pattern_equally() {
        let cfg = LogicConfig {
            samples: Count(40),
            noise: Deviation(0.1),
        };
        let d = logic(Gate::Xor, &cfg, 7);
        assert_eq!(d.x.nrows(), 40);
        assert_eq!(d.t.iter().filter(|&&y| y == 1.0).count(), 20);
        // Noise moves the inputs off the corners, but not far.
        assert!(d.x.iter().any(|v| v.fract() != 0.0));
        assert!(d.x.iter().all(|v| (-0.6..1.6).contains(v)));
    }

    #[test]
    fn blobs_are_balanced_and_shaped() {
        let cfg = BlobsConfig {
            dimension: Count(3),
            classes: Count(4),
            per_class: Count(25),
            ..BlobsConfig::default()
        };
        let d = blobs(&cfg, 1);
        assert_eq!(d.x.dim(), (100, 3));
        assert_eq!(d.t.dim(), (100, 4));
        for c in 0..4 {
            assert_eq!(d.t.column(c).sum(), 25.0);
        }
        assert_eq!(d.outputs, ["class0", "class1", "class2", "class3"]);
    }

    #[test]
    fn teacher_without_noise_is_its_net() {
        let cfg = TeacherConfig {
            noise: Deviation(0.0),
            activation: Activation::Sigmoid,
            ..TeacherConfig::default()
        };
        let d = teacher(&cfg, 3);
        assert_eq!(d.x.dim(), (200, 2));
        assert_eq!(d.t.dim(), (200, 3));
        assert!(d.x.iter().all(|v| (-1.0..=1.0).contains(v)));
        assert!(d.t.iter().all(|v| (0.0..1.0).contains(v)));
    }

    #[test]
    fn every_generator_is_a_function_of_its_seed() {
        let make = |seed| {
            [
                logic(
                    Gate::Or,
                    &LogicConfig {
                        samples: Count(8),
                        noise: Deviation(0.2),
                    },
                    seed,
                ),
                blobs(&BlobsConfig::default(), seed),
                teacher(&TeacherConfig::default(), seed),
            ]
        };
        let (a, b, c) = (make(5), make(5), make(6));
        for k in 0..3 {
            assert_eq!(a[k], b[k]);
            assert_ne!(a[k].x, c[k].x);
            assert_ne!(a[k].sha256, c[k].sha256);
        }
    }

    #[test]
    fn normal_draws_have_unit_variance() {
        let mut r = rng(0);
        let draws: Vec<f64> = (0..20_000).map(|_| normal(&mut r)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
