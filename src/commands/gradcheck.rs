//! `sweep gradcheck`: which rule is the gradient, numerically.

use super::load;
use crate::cli::GradcheckArgs;
use crate::config::{AxisValues, GridConfig};
use crate::nn::gradient::{Check, compare};
use crate::nn::train::initial_weights;
use crate::nn::{Definitions, Set, Splits};
use crate::output::gradient_table::{Format, render};
use ndarray::s;
use std::process::ExitCode;

/// Training samples per initial weight matrix.
const SAMPLES: usize = 10;
/// Seeds whose initial weights are used.
const SEEDS: u64 = 5;

/// Compares every rule × activation of the config's grid on its first
/// training samples and its first seeds' initial weights, and prints it.
pub fn execute(args: &GradcheckArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(args.config.as_deref())?;
    let definitions = loaded.config.definitions();
    let (checks, n, weights) = checks(&loaded.config.grid, &definitions, &loaded.data.splits);
    let mut text = render(&checks, args.format);
    if args.format == Format::Table {
        text += &format!(
            "{n} training samples × {weights} initial weight matrices per row; \
             `gradient` means a relative error below 1e-6\n"
        );
    }
    crate::output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// Every rule × activation of `grid` checked on the first training
/// samples and the first seeds' initial weights, with how many samples
/// and weight matrices each used. Cheap: the run's verdict uses it too.
pub fn checks(
    grid: &GridConfig,
    definitions: &Definitions,
    splits: &Splits,
) -> (Vec<Check>, usize, usize) {
    let dims = splits.dims();
    let train = &splits.train;
    let n = train.len().min(SAMPLES);
    let samples = Set {
        x: train.x.slice(s![..n, ..]).to_owned(),
        t: train.t.slice(s![..n, ..]).to_owned(),
    };
    let weights: Vec<_> = (0..grid.seed.count().min(SEEDS))
        .flat_map(|k| {
            let seed = grid.seed.get(k);
            grid.init_range
                .0
                .iter()
                .map(move |r| initial_weights(seed.0, r.0, dims))
        })
        .collect();
    let checks: Vec<Check> = grid
        .activation
        .0
        .iter()
        .flat_map(|&activation| grid.rule.0.iter().map(move |&rule| (rule, activation)))
        .map(|(rule, activation)| Check {
            rule,
            activation,
            result: compare(rule, definitions, activation, &weights, &samples),
        })
        .collect();
    (checks, n, weights.len())
}
