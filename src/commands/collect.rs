//! `sweep collect DIR`: the shards' databases merged into the folder's main
//! one, and the exports written once every job is finished.

use super::rebuild;
use crate::cli::CollectArgs;
use crate::grid::Plan;
use crate::output::verdict::{self, Step};
use crate::store::{MAIN_DB, ResultsDir, Store};
use anyhow::Context;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Job ids listed when some are missing; the rest are counted.
const LISTED: usize = 10;

/// Merges every shard database of the folder into `results.db` (again and
/// again gives the same database), then writes the exports and prints the
/// table; lists the jobs not finished yet (exit status 1) otherwise,
/// writing no export.
pub fn execute(args: &CollectArgs) -> anyhow::Result<ExitCode> {
    let dir = ResultsDir::at(&args.dir);
    let main = dir.file(MAIN_DB);
    let shards = dir.shard_dbs();
    let source = if main.exists() {
        main.clone()
    } else {
        let first = shards
            .first()
            .ok_or_else(|| dir.no_results("holds no results database of sweep's"))?;
        dir.file(first)
    };
    let recording = Store::open_existing(&source)?.recording().clone();
    let mut store = Store::open_for_run(&dir, MAIN_DB, recording, false)?;
    for shard in &shards {
        store
            .merge(&dir.file(shard))
            .with_context(|| format!("cannot merge `{shard}`"))?;
    }
    let config = store.recording().config.clone();
    let plan = Plan::new(&config.grid)?;
    let finished = store.finished()?;

    let (mut jobs, mut missing) = (0u64, Vec::new());
    let mut unlisted = 0u64;
    for (k, p) in plan.positioned_jobs() {
        jobs += 1;
        if !finished.contains(k) {
            if missing.len() < LISTED {
                missing.push(p.id());
            } else {
                unlisted += 1;
            }
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "sweep collect: {} of {jobs} jobs are not finished yet:",
            missing.len() as u64 + unlisted
        );
        for id in &missing {
            eprintln!("  {id}");
        }
        if unlisted > 0 {
            eprintln!("  … and {unlisted} more");
        }
        eprintln!("sweep collect: run the missing shards (or the sweep) again, then collect");
        store.release()?;
        return Ok(ExitCode::from(1));
    }

    // The shards recorded each rule's gradcheck verdict in their databases:
    // kept in the merged one, for the exports and for `sweep report`.
    let recorded = shards.iter().find_map(|shard| {
        Store::open_existing(&dir.file(shard))
            .ok()?
            .meta("steps")
            .ok()?
    });
    if let Some(text) = &recorded {
        store.set_meta("steps", text)?;
    }
    let steps = Step::parse(&recorded.unwrap_or_default());
    let rebuilt = rebuild(
        &dir,
        &store,
        &plan,
        &BTreeMap::new(),
        args.no_plot,
        vec!["sweep".into(), "CONFIG".into(), "-o".into(), "DIR".into()],
        &crate::runner::thread_pool(None)?,
    );
    print!("{}", rebuilt.table.render());
    print!(
        "\n{}",
        verdict::render(rebuilt.pairs.reference(), &rebuilt.pairs.verdicts(), &steps)
    );
    store.release()?;
    rebuilt.counts.context("cannot write the exports")?;
    Ok(ExitCode::SUCCESS)
}
