//! `sweep collect DIR`: the shards' databases merged into the folder's main
//! one, and the exports written once every job is finished.

use super::{elsewhere_note, rebuild};
use crate::cli::CollectArgs;
use crate::grid::Plan;
use crate::output::print;
use crate::output::verdict::Step;
use crate::store::{MAIN_DB, ResultsDir, Store, StoreError};
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
    // The grid collected is the newest of the folder's databases; the
    // others may hold an earlier grid of the sweep (fewer seeds, another
    // shard count), and give the jobs it names.
    let mut newest: Option<(u128, Store)> = None;
    let candidates = main.exists().then_some(main).into_iter();
    for path in candidates.chain(shards.iter().map(|name| dir.file(name))) {
        let store = Store::open_existing(&path)?;
        let since = store.config_since()?;
        if newest.as_ref().is_none_or(|(latest, _)| since >= *latest) {
            newest = Some((since, store));
        }
    }
    let (_, source) =
        newest.ok_or_else(|| dir.no_results("holds no results database of sweep's"))?;
    let recording = source.recording().clone();
    // Each rule's gradcheck verdict, as the run of the newest grid recorded
    // it: kept in the merged database, for the exports and `sweep report`.
    let recorded = source.meta("steps")?;
    drop(source);
    let mut store = Store::open_for_run(&dir, MAIN_DB, recording, false).map_err(|e| match e {
        // The main database is refused as a shard would be: --force and -o
        // are a run's.
        StoreError::Changed { changes, .. } => StoreError::NotNewest {
            db: dir.file(MAIN_DB),
            changes,
        },
        e => e,
    })?;
    for shard in &shards {
        store
            .merge(&dir.file(shard))
            .with_context(|| format!("cannot merge `{shard}`"))?;
    }
    match store.elsewhere()? {
        0 => {}
        jobs => eprintln!("{}", elsewhere_note(&dir, jobs)),
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
    let printed = print(&rebuilt.render(&steps));
    store.release()?;
    printed?;
    rebuilt.counts.context("cannot write the exports")?;
    Ok(ExitCode::SUCCESS)
}
