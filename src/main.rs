use anyhow::Context;
use clap::Parser;
use std::process::ExitCode;
use sweep::cli::Cli;
use sweep::config::Config;
use sweep::grid::Plan;
use sweep::output::{plan, progress::Progress, table::RuleTable};
use sweep::runner::{self, Sweep};
use sweep::{data, export};

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
    let plan = Plan::new(&config.grid)?;
    let sweep = Sweep::new(config, &origin, data, plan, cli.out.as_deref())?;
    for k in sweep.plan.unused_excludes() {
        eprintln!("sweep: warning: grid.exclude[{k}] matches no cell of the grid");
    }
    if cli.dry_run {
        print!("{}", plan::render(&sweep));
        return Ok(ExitCode::SUCCESS);
    }

    let jobs: Vec<_> = sweep.plan.jobs().collect();
    sweep.dir.create(sweep.config.output.weights)?;
    export::config::write(&sweep.dir, &sweep.config)?;
    let progress = Progress::new(jobs.len() as u64, cli.quiet);
    progress.say(&format!(
        "sweep: {} jobs → {}",
        jobs.len(),
        sweep.root().display()
    ));
    let reports = runner::run(&sweep, &jobs, cli.threads.map(|n| n.get()), &progress)?;
    progress.finish(reports.len() as u64);

    let target = sweep.config.stop.validation_loss_below;
    let mut table = RuleTable::new(target);
    export::csv::write_aggregates(
        &sweep.dir,
        jobs.into_iter(),
        sweep.data.dims(),
        target,
        |s| table.add(s),
    )
    .context("cannot write the aggregate files")?;
    export::csv::write_timings(
        &sweep.dir,
        &reports
            .iter()
            .map(|r| (r.id.clone(), r.seconds))
            .collect::<Vec<_>>(),
    )?;
    print!("{}", table.render());
    let failed = reports.iter().filter(|r| r.result.is_err()).count();
    if failed > 0 {
        eprintln!("sweep: {failed} jobs failed; rerun to retry them");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
