//! `sweep collect DIR`: the aggregates of a results folder that several
//! shards filled.

use super::rebuild;
use crate::cli::CollectArgs;
use crate::export::{ResultsDir, recorded};
use crate::grid::Plan;
use anyhow::Context;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Job ids listed when some are missing; the rest are counted.
const LISTED: usize = 10;

/// Checks that every job of the recorded config has its file, then writes
/// the aggregates and prints the table; lists the missing jobs (exit
/// status 1) otherwise, writing nothing.
pub fn execute(args: &CollectArgs) -> anyhow::Result<ExitCode> {
    let recorded_path = args.dir.join("config.toml");
    let text = std::fs::read_to_string(&recorded_path).with_context(|| {
        format!(
            "cannot read `{}`: `sweep collect` takes the results folder a sweep wrote, \
             <output.dir>/<name>",
            recorded_path.display()
        )
    })?;
    let recorded = recorded::parse(&text).with_context(|| {
        format!(
            "`{}` is not a config.toml sweep wrote",
            recorded_path.display()
        )
    })?;
    let plan = Plan::new(&recorded.config.grid)?;
    let dir = ResultsDir::at(&args.dir);

    let missing: Vec<String> = plan
        .jobs()
        .map(|p| p.id())
        .filter(|id| !dir.is_finished(id))
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "sweep collect: {} of {} jobs have no job file yet:",
            missing.len(),
            plan.jobs().count()
        );
        for id in missing.iter().take(LISTED) {
            eprintln!("  {id}");
        }
        if missing.len() > LISTED {
            eprintln!("  … and {} more", missing.len() - LISTED);
        }
        eprintln!("sweep collect: run the missing shards (or the sweep) again, then collect");
        return Ok(ExitCode::from(1));
    }

    let rebuilt = rebuild(
        &dir,
        &recorded.config,
        &plan,
        recorded.net_shape,
        &BTreeMap::new(),
        args.no_plot,
        "sweep CONFIG".to_string(),
    );
    print!("{}", rebuilt.table.render());
    rebuilt.counts.context("cannot write the aggregate files")?;
    Ok(ExitCode::SUCCESS)
}
