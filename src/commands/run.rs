//! `sweep [CONFIG]`: run the sweep (or a shard of it), resume it, or plan it.

use super::{load, rebuild};
use crate::cli::RunArgs;
use crate::export::timings::TimingLog;
use crate::grid::Shard;
use crate::interrupt::{self, Interrupt};
use crate::output::{dry_run, progress::Progress};
use crate::runner::{self, Sweep};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;

/// Runs the jobs of the config that are not finished yet, rebuilds the
/// aggregates, and prints the table. A shard rebuilds them only when every
/// job of the sweep is finished (it was the last), leaving them otherwise to
/// the last shard or `sweep collect`. The exit status is decided at the end:
/// 130 when interrupted, 1 when a job or a file failed, else 0.
pub fn execute(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let interrupt = Interrupt::install().context("cannot catch Ctrl-C")?;
    let shard = match args.shard {
        Some(shard) => shard.resolve(|name| std::env::var(name).ok())?,
        None => Shard::ALL,
    };
    let sweep = Sweep::new(
        load(args.config.as_deref())?,
        args.out.as_deref(),
        args.filter.clone(),
        shard,
    )?;
    if args.dry_run {
        print!("{}", dry_run::render(&sweep.census()));
        return Ok(ExitCode::SUCCESS);
    }

    let dims = sweep.data.splits.dims();
    sweep
        .dir
        .prepare(&sweep.config, &sweep.data.sha256, dims, args.force)?;
    let timings = TimingLog::open(&sweep.dir)?;
    let pending = sweep.pending();
    let progress = Progress::new(pending, args.quiet);
    progress.say(&format!(
        "sweep: {pending} jobs to run → {}",
        sweep.dir.root().display()
    ));
    let pool = runner::thread_pool(args.threads.map(|n| n.get()))?;
    let report = pool.install(|| runner::run(&sweep, &progress, &interrupt, &timings));
    progress.finish(report.ran);

    let mut write_errors = report.write_errors;
    if shard != Shard::ALL && !sweep.complete() {
        progress.say(&format!(
            "sweep: shard {}/{} done; the shard that finishes last, or `sweep collect {}`, \
             writes the aggregate files",
            shard.index,
            shard.count,
            sweep.dir.root().display()
        ));
    } else {
        let aggregating = Instant::now();
        let command = match &args.config {
            Some(path) => format!("sweep {}", path.display()),
            None => "sweep".to_string(),
        };
        let rebuilt = pool.install(|| {
            rebuild(
                &sweep.dir,
                &sweep.config,
                &sweep.plan,
                dims,
                &report.failed,
                args.no_plot,
                command,
            )
        });
        print!("{}", rebuilt.table.render());
        match &rebuilt.counts {
            Ok(_) => progress.say(&format!(
                "sweep: aggregates written in {:.2} s",
                aggregating.elapsed().as_secs_f64()
            )),
            Err(e) => write_errors.push(format!("cannot write the aggregate files: {e:#}")),
        }
        if report.interrupted {
            let finished = rebuilt.counts.map_or_else(
                |_| "some".to_string(),
                |w| format!("{} of {}", w.finished, w.finished + w.missing),
            );
            eprintln!(
                "sweep: interrupted with {finished} jobs finished; run the same command again to resume"
            );
        }
    }
    for e in &write_errors {
        eprintln!("sweep: error: {e}");
    }
    if report.interrupted {
        if shard != Shard::ALL {
            eprintln!("sweep: interrupted; run the same command again to resume this shard");
        }
        return Ok(ExitCode::from(interrupt::EXIT_STATUS));
    }
    if !report.failed.is_empty() || !write_errors.is_empty() {
        eprintln!(
            "sweep: {} jobs failed; run the same command again to retry them",
            report.failed.len()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
