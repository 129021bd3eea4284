//! Runs a sweep's jobs in parallel, each through the same training loop,
//! each writing its own file, and notes a failing job without stopping the
//! others.

use crate::config::{Config, ConfigError};
use crate::data::Splits;
use crate::export::{self, ResultsDir};
use crate::grid::{JobParams, Plan};
use crate::nn::train::{Schedule, train};
use crate::nn::{EpochRecord, Status};
use crate::output::progress::Progress;
use anyhow::Context;
use rayon::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a run needs, checked and resolved.
#[derive(Debug)]
pub struct Sweep {
    /// The resolved config.
    pub config: Config,
    /// The data, split and scaled.
    pub data: Splits,
    /// The jobs.
    pub plan: Plan,
    /// Where results go.
    pub dir: ResultsDir,
}

impl Sweep {
    /// Resolves what the config left open: the data's columns, the updates
    /// per epoch and the results folder (`out` overrides `output.dir`).
    pub fn new(
        mut config: Config,
        origin: &str,
        data: Splits,
        plan: Plan,
        out: Option<&Path>,
    ) -> Result<Sweep, ConfigError> {
        let n_train = data.train.len();
        if let Some(&b) = config.grid.batch_size.0.iter().find(|b| b.get() > n_train) {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                key: "grid.batch_size".into(),
                message: format!(
                    "batch size {b} is larger than the {n_train} training samples; \
                     use at most {n_train}"
                ),
            });
        }
        config.data.inputs = Some(data.inputs.clone());
        config.data.target = Some(data.target.clone());
        if let Some(out) = out {
            config.output.dir = out.to_path_buf();
        }
        let dir = ResultsDir::new(&config.output.dir, &config.name);
        Ok(Sweep {
            config,
            data,
            plan,
            dir,
        })
    }

    /// The schedule of job `p`. An epoch is ⌊N / B⌋ updates, so that with
    /// any batch size it sees about the whole training set once.
    pub fn schedule_for(&self, p: &JobParams) -> Schedule {
        Schedule {
            epochs: self.config.epochs,
            updates_per_epoch: (self.data.train.len() / p.batch_size).max(1),
            validation_loss_below: self.config.stop.validation_loss_below,
        }
    }

    /// The results folder.
    pub fn root(&self) -> PathBuf {
        self.dir.root().to_path_buf()
    }
}

/// How one job went, as far as the run is concerned.
#[derive(Debug, Clone)]
pub struct JobReport {
    /// The job's id.
    pub id: String,
    /// Wall time of the job, seconds.
    pub seconds: f64,
    /// Its outcome, or why it has none (a panic, a write error).
    pub result: Result<Status, String>,
}

/// Runs `jobs` on `threads` threads (all cores when `None`), writing each
/// job's file as it finishes. A job that panics or cannot write is reported
/// as failed; the others still run.
pub fn run(
    sweep: &Sweep,
    jobs: &[JobParams],
    threads: Option<usize>,
    progress: &Progress,
) -> anyhow::Result<Vec<JobReport>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    Ok(pool.install(|| {
        jobs.par_iter()
            .map(|p| {
                let started = Instant::now();
                let result = catch_unwind(AssertUnwindSafe(|| run_job(sweep, p)))
                    .unwrap_or_else(|panic| Err(panic_message(&panic)));
                progress.job_done();
                if let Err(why) = &result {
                    progress.say(&format!("sweep: job {} failed: {why}", p.id()));
                }
                JobReport {
                    id: p.id(),
                    seconds: started.elapsed().as_secs_f64(),
                    result,
                }
            })
            .collect()
    }))
}

fn run_job(sweep: &Sweep, p: &JobParams) -> Result<Status, String> {
    let schedule = sweep.schedule_for(p);
    let mut rows: Vec<EpochRecord> = Vec::with_capacity(schedule.epochs as usize + 1);
    let trained = train(p, &schedule, &sweep.data, |r| rows.push(*r));
    let status = trained.outcome.status();
    let id = p.id();
    if sweep.config.output.weights {
        export::weights::write(
            &sweep.dir,
            &id,
            &sweep.data.inputs,
            &sweep.data.classes,
            &trained.initial_weights,
            &trained.final_weights,
        )
        .map_err(|e| format!("{e:#}"))?;
    }
    // The job file last: its presence is what marks the job finished.
    export::csv::write_job(&sweep.dir, p, status, &rows).map_err(|e| format!("{e:#}"))?;
    Ok(status)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("panicked: {text}")
}
