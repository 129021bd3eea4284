//! The compute `bench/lanes.py` compares with NumPy and JAX: JOBS jobs of
//! iris 4 → 3 (sigmoid, matmul, one sample per update), 100 epochs of 75
//! updates, each epoch measured on the three sets, no files. WAY is how:
//!
//! - `alone`: sweep's training loop, one job after another;
//! - `lanes`: sweep's lane groups, as a run trains them;
//! - `floor`: a hand-written fixed-size loop, one job after another.
//!
//! Prints the nanoseconds per job-update of the training alone (the data
//! loaded first), on the thread it runs on.
//!
//! `cargo run --release --example lanes_bench -- WAY JOBS [EPOCHS UPDATES]`
//!
//! EPOCHS and UPDATES (100 and 75 unless given) reshape the work to time
//! its parts: `1 7500` is all updates, and `7500 1` nearly all evaluation
//! (an epoch's evaluation of 150 samples for each update).

#[path = "../benches/floor/mod.rs"]
mod floor;

use anyhow::Context;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;
use sweep::config::{Column, DataConfig};
use sweep::nn::lanes::{Kind, train_group};
use sweep::nn::sampling::Sampler;
use sweep::nn::train::{Job, Schedule, initial_weights, job_rng, train};
use sweep::nn::{Activation, Definitions, Rule, Sampling};

/// Epochs, and updates per epoch, unless the command line says otherwise.
const EPOCHS: u32 = 100;
const UPDATES: u32 = 75;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(way), Some(jobs)) = (args.first(), args.get(1)) else {
        anyhow::bail!("usage: lanes_bench alone|lanes|floor JOBS [EPOCHS UPDATES]");
    };
    let whole = |what: &str, arg: &String| {
        (arg.parse::<u32>()).with_context(|| format!("{what} `{arg}`: give a whole number"))
    };
    let count = u64::from(whole("JOBS", jobs)?);
    let epochs = args.get(2).map_or(Ok(EPOCHS), |e| whole("EPOCHS", e))?;
    let updates_per_epoch = args.get(3).map_or(Ok(UPDATES), |u| whole("UPDATES", u))?;
    let updates_per_epoch = updates_per_epoch as usize;
    let inputs = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
    let data = DataConfig {
        inputs: Some(inputs.map(|s| Column::Name(s.into())).to_vec()),
        ..DataConfig::default()
    };
    let data = sweep::data::load(&data, 1.0, Path::new("."))?.splits;
    let jobs: Vec<Job> = (1..=count)
        .map(|seed| Job {
            rule: Rule::Matmul,
            activation: Activation::Sigmoid,
            learning_rate: 0.1,
            seed,
            batch_size: 1,
            sampling: Sampling::Random,
            init_range: 0.5,
        })
        .collect();
    let schedule = Schedule {
        epochs,
        updates_per_epoch,
        validation_loss_below: None,
    };
    let started = Instant::now();
    match way.as_str() {
        "alone" => {
            for job in &jobs {
                black_box(train(job, &schedule, &data, &Definitions::default(), |r| {
                    black_box(r);
                }));
            }
        }
        "lanes" => {
            let kind = Kind::of(&jobs[0], data.dims()).expect("matmul fits");
            let tagged = jobs.iter().copied().enumerate();
            train_group(kind, tagged, &schedule, &data, |k, rows, trained| {
                black_box((k, rows, trained));
            });
        }
        "floor" => {
            let sets = [&data.train, &data.validation, &data.test].map(floor::rows);
            for job in &jobs {
                black_box(floor_job(job, &schedule, &sets));
            }
        }
        other => anyhow::bail!("unknown way `{other}`: alone, lanes or floor"),
    }
    let updates = count as f64 * f64::from(epochs) * updates_per_epoch as f64;
    println!("{:.2}", started.elapsed().as_nanos() as f64 / updates);
    Ok(())
}

type Rows = (Vec<[f64; floor::N]>, Vec<[f64; floor::M]>);

/// One job on the floor: the same initial weights and samples as sweep's.
fn floor_job(job: &Job, schedule: &Schedule, sets: &[Rows; 3]) -> floor::W {
    let start = initial_weights(
        job.seed,
        job.init_range,
        sweep::nn::Dims {
            inputs_with_bias: floor::N,
            outputs: floor::M,
        },
    );
    let mut w: floor::W = std::array::from_fn(|i| std::array::from_fn(|j| start[[i, j]]));
    let train = &sets[0];
    let mut sampler = Sampler::new(job.sampling, train.0.len(), 1, job_rng(job.seed, 1));
    for _ in 0..schedule.epochs {
        sampler.start_epoch(schedule.updates_per_epoch);
        for _ in 0..schedule.updates_per_epoch {
            let s = sampler.next_batch()[0];
            floor::update(&mut w, &train.0[s], &train.1[s], job.learning_rate);
        }
        for (xs, ts) in sets {
            black_box(floor::evaluate(&w, xs, ts));
        }
    }
    w
}
