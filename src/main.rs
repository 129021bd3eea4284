use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;
use sweep::cli::Cli;
use sweep::config::Config;
use sweep::data;
use sweep::export::csv::{TimingLog, write_aggregates};
use sweep::grid::Plan;
use sweep::interrupt::{self, Interrupt};
use sweep::output::{plan, progress::Progress, table::RuleTable};
use sweep::runner::{self, Sweep};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("sweep: error: {err:#}");
            ExitCode::from(sweep::exit_code(&err))
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let interrupt = Interrupt::install().context("cannot catch Ctrl-C")?;
    let origin = cli
        .config
        .as_ref()
        .map_or("built-in default grid".into(), |p| p.display().to_string());
    let config = Config::load(cli.config.as_deref())?;
    let base_dir = cli
        .config
        .as_ref()
        .and_then(|p| p.parent())
        .unwrap_or(".".as_ref());
    let data = data::load(&config.data, config.bias, base_dir)?;
    let plan = Plan::new(&config.grid).with_context(|| origin.clone())?;
    let sweep = Sweep::new(config, &origin, data, plan, cli.out.as_deref())?;
    for k in sweep.plan.unused_excludes() {
        eprintln!("sweep: warning: grid.exclude[{k}] matches no cell of the grid");
    }
    if cli.dry_run {
        print!("{}", plan::render(&sweep));
        return Ok(ExitCode::SUCCESS);
    }

    sweep
        .dir
        .prepare(&sweep.config, &sweep.data.sha256, cli.force)?;
    let timings = TimingLog::open(&sweep.dir)?;
    let progress = Progress::new(sweep.pending(), cli.quiet);
    progress.say(&format!(
        "sweep: {} jobs to run → {}",
        sweep.pending(),
        sweep.root().display()
    ));
    let report = runner::run(
        &sweep,
        cli.threads.map(|n| n.get()),
        &progress,
        &interrupt,
        &timings,
    )?;
    progress.finish(report.ran);

    let target = sweep.config.stop.validation_loss_below;
    let mut table = RuleTable::new(target);
    let written = write_aggregates(
        &sweep.dir,
        sweep.plan.jobs(),
        sweep.data.dims(),
        target,
        &report.failed,
        |row| table.add(row),
    );
    print!("{}", table.render());
    let mut write_errors = report.write_errors;
    if let Err(e) = &written {
        write_errors.push(format!("cannot write the aggregate files: {e:#}"));
    }
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
