//! `sweep [CONFIG]`: run the sweep, resume it, or plan it.

use super::load;
use crate::cli::RunArgs;
use crate::export::csv::{Row, TimingLog, write_aggregates};
use crate::export::curves::Curves;
use crate::export::plot::LossPlot;
use crate::interrupt::{self, Interrupt};
use crate::output::{plan, progress::Progress, table::RuleTable};
use crate::runner::{self, Sweep};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;

/// Runs the jobs of the config that are not finished yet, rebuilds the
/// aggregates, and prints the table. The exit status is decided at the end:
/// 130 when interrupted, 1 when a job or a file failed, else 0.
pub fn execute(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let interrupt = Interrupt::install().context("cannot catch Ctrl-C")?;
    let sweep = Sweep::new(
        load(args.config.as_deref())?,
        args.out.as_deref(),
        args.filter.clone(),
    )?;
    if args.dry_run {
        print!("{}", plan::render(&sweep));
        return Ok(ExitCode::SUCCESS);
    }

    sweep
        .dir
        .prepare(&sweep.config, &sweep.data.sha256, args.force)?;
    let timings = TimingLog::open(&sweep.dir)?;
    let pending = sweep.pending();
    let progress = Progress::new(pending, args.quiet);
    progress.say(&format!(
        "sweep: {pending} jobs to run → {}",
        sweep.root().display()
    ));
    let pool = runner::thread_pool(args.threads.map(|n| n.get()))?;
    let report = pool.install(|| runner::run(&sweep, &progress, &interrupt, &timings));
    progress.finish(report.ran);

    let (config, target) = (&sweep.config, sweep.config.stop.validation_loss_below);
    let command = match &args.config {
        Some(path) => format!("sweep {}", path.display()),
        None => "sweep".to_string(),
    };
    let mut table = RuleTable::new(&config.grid, target, command);
    let mut curves = Curves::new(&config.grid, config.epochs);
    let mut plot = LossPlot::new(&config.name, &config.grid, config.epochs);
    let aggregating = Instant::now();
    let written = pool.install(|| {
        write_aggregates(
            &sweep.dir,
            sweep.plan.jobs(),
            sweep.data.dims(),
            target,
            &report.failed,
            |row| {
                table.add(row);
                if let Row::Finished(s, rows) = row {
                    curves.add(&s.params, s.outcome.status(), rows);
                    plot.add(&s.params, s.outcome.status(), rows);
                }
            },
        )
    });
    print!("{}", table.render());
    let mut write_errors = report.write_errors;
    let figures = written
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .and_then(|_| {
            curves.write(&sweep.dir)?;
            if !args.no_plot {
                plot.write(&sweep.dir)?;
            }
            Ok(())
        });
    if let Err(e) = figures {
        write_errors.push(format!("cannot write the aggregate files: {e:#}"));
    }
    progress.say(&format!(
        "sweep: aggregates written in {:.2} s",
        aggregating.elapsed().as_secs_f64()
    ));
    for e in &write_errors {
        eprintln!("sweep: error: {e}");
    }
    if report.interrupted {
        let finished = written.map_or_else(
            |_| "some".to_string(),
            |w| format!("{} of {}", w.finished, w.finished + w.missing),
        );
        eprintln!(
            "sweep: interrupted with {finished} jobs finished; run the same command again to resume"
        );
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
