//! Benchmarks of the numerical core: one update per rule and activation,
//! an epoch against a hand-written fixed-size floor, one whole job, and the
//! whole default grid (compute only, no files).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use sweep::config::{Column, Config, DEFAULT_GRID, DataConfig};
use sweep::data;
use sweep::grid::Plan;
use sweep::nn::expr;
use sweep::nn::lanes::{Isa, Kind, train_group_on};
use sweep::nn::metrics::{EvalBuffers, evaluate};
use sweep::nn::rule::{Definitions, RuleName, Stepper};
use sweep::nn::train::{Job, Schedule, initial_weights, train};
use sweep::nn::{Activation, Rule, Sampling, Splits};

/// Iris with `inputs` features, standard-scaled, split 50/25/25.
fn iris(inputs: &[&str]) -> Splits {
    let cfg = DataConfig {
        inputs: Some(inputs.iter().map(|s| Column::Name(s.to_string())).collect()),
        ..DataConfig::default()
    };
    data::load(&cfg, 1.0, Path::new(".")).unwrap().splits
}

const FOUR: [&str; 4] = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const TWO: [&str; 2] = ["petal_length", "petal_width"];

/// `asker_fix`, the user rule of `configs/variants.toml` that computes
/// what `matmul` does at batch size 1.
fn asker_fix() -> (Rule, Definitions) {
    let name = RuleName::new("asker_fix").unwrap();
    let text = "scalar_mul(eta, matmul(transpose(inputs), delta))";
    let definitions = Definitions([(name, expr::parse(text).unwrap())].into());
    (Rule::Defined(name), definitions)
}

/// One update of each built-in rule, and of `asker_fix` (the same step as
/// `matmul`, compiled from its expression), for every activation.
fn updates(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    let (user, definitions) = asker_fix();
    for rule in Rule::ALL.into_iter().chain([user]) {
        // The printed rule cannot run on 4 → 3; it is timed on 2 → 3.
        let data = iris(if rule == Rule::Kronecker { &TWO } else { &FOUR });
        let dims = data.dims();
        for f in Activation::ALL {
            let mut w = initial_weights(1, 0.5, dims);
            let mut step = Stepper::new(rule, &definitions, dims, 1, 0.01).unwrap();
            let mut sample = 0;
            let id = BenchmarkId::new(rule.name(), f.name());
            group.bench_function(id, |b| {
                b.iter(|| {
                    sample = (sample + 1) % data.train.len();
                    step.update(f, &mut w, &data.train, &[sample]);
                })
            });
        }
    }
    group.finish();
}

mod floor;

/// One epoch of iris 4 → 3, sigmoid, matmul: 75 single-sample updates and
/// an evaluation on the training, validation and test sets; sweep's code
/// against the floor, whole and in its two halves (`-updates`, `-eval`).
fn epoch(c: &mut Criterion) {
    let data = iris(&FOUR);
    let dims = data.dims();
    let order: Vec<usize> = (0..data.train.len()).map(|i| (i * 7) % 75).collect();
    let mut group = c.benchmark_group("epoch");

    let mut w = initial_weights(1, 0.5, dims);
    let none = Definitions::default();
    let mut step = Stepper::new(Rule::Matmul, &none, dims, 1, 0.01).unwrap();
    let mut scratch = EvalBuffers::new(dims.outputs);
    group.bench_function("sweep", |b| {
        b.iter(|| {
            for &s in &order {
                step.update(Activation::Sigmoid, &mut w, &data.train, &[s]);
            }
            for set in [&data.train, &data.validation, &data.test] {
                black_box(evaluate(&w, Activation::Sigmoid, set, &mut scratch));
            }
        })
    });

    group.bench_function("sweep-updates", |b| {
        b.iter(|| {
            for &s in &order {
                step.update(Activation::Sigmoid, &mut w, &data.train, &[s]);
            }
        })
    });
    group.bench_function("sweep-eval", |b| {
        b.iter(|| {
            for set in [&data.train, &data.validation, &data.test] {
                black_box(evaluate(&w, Activation::Sigmoid, set, &mut scratch));
            }
        })
    });
    let sets = [&data.train, &data.validation, &data.test].map(floor::rows);
    let start = initial_weights(1, 0.5, dims);
    let mut w: floor::W = std::array::from_fn(|i| std::array::from_fn(|j| start[[i, j]]));
    group.bench_function("floor", |b| {
        b.iter(|| {
            for &s in &order {
                floor::update(&mut w, &sets[0].0[s], &sets[0].1[s], 0.01);
            }
            for (xs, ts) in &sets {
                black_box(floor::evaluate(&w, xs, ts));
            }
        })
    });
    group.bench_function("floor-updates", |b| {
        b.iter(|| {
            for &s in &order {
                floor::update(&mut w, &sets[0].0[s], &sets[0].1[s], 0.01);
            }
        })
    });
    group.bench_function("floor-eval", |b| {
        b.iter(|| {
            for (xs, ts) in &sets {
                black_box(floor::evaluate(&w, xs, ts));
            }
        })
    });
    group.finish();
}

fn job(c: &mut Criterion) {
    let data = iris(&FOUR);
    let params = Job {
        rule: Rule::Matmul,
        activation: Activation::Sigmoid,
        learning_rate: 0.1,
        seed: 1,
        batch_size: 1,
        sampling: Sampling::Random,
        init_range: 0.5,
    };
    let schedule = Schedule {
        epochs: 100,
        updates_per_epoch: 75,
        validation_loss_below: None,
    };
    c.bench_function("job/iris4-matmul-sigmoid-100-epochs", |b| {
        b.iter(|| {
            train(&params, &schedule, &data, &Definitions::default(), |r| {
                black_box(r);
            })
        })
    });
}

/// 32 jobs of iris 4 → 3 with sigmoid, matmul at B = 1, 100 epochs of 75
/// updates and an evaluation each: one job at a time, and in lane groups
/// of several widths on each instruction set the CPU has. Throughput is in
/// job-updates.
fn lanes(c: &mut Criterion) {
    let data = iris(&FOUR);
    let jobs: Vec<Job> = (0..32)
        .map(|k| Job {
            rule: Rule::Matmul,
            activation: Activation::Sigmoid,
            learning_rate: [0.01, 0.1][k % 2],
            seed: k as u64,
            batch_size: 1,
            sampling: Sampling::Random,
            init_range: 0.5,
        })
        .collect();
    let schedule = Schedule {
        epochs: 100,
        updates_per_epoch: 75,
        validation_loss_below: None,
    };
    let kind = Kind::of(&jobs[0], data.dims()).unwrap();
    let mut group = c.benchmark_group("lanes");
    group.sample_size(20);
    group.throughput(Throughput::Elements(32 * 100 * 75));
    group.bench_function("scalar", |b| {
        b.iter(|| {
            for job in &jobs {
                black_box(train(job, &schedule, &data, &Definitions::default(), |r| {
                    black_box(r);
                }));
            }
        })
    });
    fn widths<const L: usize>(
        group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
        kind: Kind,
        jobs: &[Job],
        schedule: &Schedule,
        data: &Splits,
    ) {
        for isa in Isa::available() {
            group.bench_function(format!("{isa:?}-{L}"), |b| {
                b.iter(|| {
                    train_group_on::<_, L>(
                        isa,
                        kind,
                        jobs.iter().copied().enumerate(),
                        schedule,
                        data,
                        |k, records, trained| {
                            black_box((k, records, trained));
                        },
                    )
                })
            });
        }
    }
    widths::<4>(&mut group, kind, &jobs, &schedule, &data);
    widths::<8>(&mut group, kind, &jobs, &schedule, &data);
    widths::<16>(&mut group, kind, &jobs, &schedule, &data);
    group.finish();
}

fn default_grid(c: &mut Criterion) {
    let config = Config::parse(DEFAULT_GRID, "grid.toml", "grid").unwrap();
    let data = data::load(&config.data, config.bias.0, Path::new("."))
        .unwrap()
        .splits;
    let jobs: Vec<Job> = Plan::new(&config.grid)
        .unwrap()
        .jobs()
        .map(|p| p.job())
        .collect();
    let schedule = Schedule {
        epochs: config.epoch_count(),
        updates_per_epoch: data.train.len(),
        validation_loss_below: config.stop.threshold(),
    };
    let mut group = c.benchmark_group("grid");
    group.sample_size(20);
    group.bench_function("default-180-jobs-one-thread", |b| {
        b.iter(|| {
            for p in &jobs {
                black_box(train(p, &schedule, &data, &Definitions::default(), |r| {
                    black_box(r);
                }));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, updates, epoch, job, lanes, default_grid, sigmoids);
criterion_main!(benches);

/// e^x in a block of evaluation: 192 sigmoids (64 samples × 3 outputs),
/// one at a time with libm's exp2 and four lanes at a time.
fn sigmoids(c: &mut Criterion) {
    let net: Vec<f64> = (0..192).map(|k| (k as f64 * 0.37).sin() * 4.0).collect();
    let mut z = vec![0.0; 192];
    let mut group = c.benchmark_group("sigmoid-192");
    group.bench_function("libm", |b| {
        b.iter(|| {
            for (z, &x) in z.iter_mut().zip(black_box(&net)) {
                *z = Activation::Sigmoid.f(x);
            }
            black_box(&z);
        })
    });
    group.bench_function("lanes", |b| {
        b.iter(|| {
            Activation::Sigmoid.apply(black_box(&net), &mut z);
            black_box(&z);
        })
    });
    group.finish();
}
