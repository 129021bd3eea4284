//! `--dry-run`: what a sweep would do, without doing it.

use crate::config::Seeds;
use crate::export::float;
use crate::grid::Shard;
use crate::runner::Sweep;
use std::collections::BTreeMap;
use std::fmt::{Display, Write};

/// The plan as text: axes, job and update counts, the cells that will end
/// in `shape_error` and why, and how many jobs are already finished.
pub fn render(sweep: &Sweep) -> String {
    let g = &sweep.config.grid;
    let mut out = String::new();
    let _ = writeln!(out, "sweep `{}`: axes", sweep.config.name);
    let seeds = match &g.seed {
        Seeds::Range { from, count } => format!("{from} to {} ({count} seeds)", from + count - 1),
        Seeds::List(list) => join(list),
    };
    let rows = [
        ("rule", join(&g.rule.0)),
        ("activation", join(&g.activation.0)),
        (
            "learning_rate",
            join(g.learning_rate.0.iter().map(|v| float(v.0))),
        ),
        ("seed", seeds),
        ("batch_size", join(&g.batch_size.0)),
        ("sampling", join(&g.sampling.0)),
        (
            "init_range",
            join(g.init_range.0.iter().map(|v| float(v.0))),
        ),
    ];
    for (name, values) in rows {
        let _ = writeln!(out, "  {name:<14} {values}");
    }

    let dims = sweep.data.dims();
    let (mut jobs, mut finished) = (0u64, 0u64);
    let (mut selected, mut selected_finished, mut updates) = (0u64, 0u64, 0u128);
    let mut shape_errors: BTreeMap<String, u64> = BTreeMap::new();
    // No folder, no finished jobs: skip a file look-up per job.
    let has_results = sweep.dir.jobs_dir().exists();
    for (k, p) in sweep.plan.positioned_jobs() {
        jobs += 1;
        let done = has_results && sweep.dir.is_finished(&p.id());
        finished += u64::from(done);
        if !sweep.runs(k, &p) {
            continue;
        }
        selected += 1;
        selected_finished += u64::from(done);
        match p.rule.check(dims, p.batch_size) {
            Ok(()) => {
                let s = sweep.schedule_for(&p);
                updates += u128::from(s.epochs) * s.updates_per_epoch as u128;
            }
            Err(e) => *shape_errors.entry(e.to_string()).or_default() += 1,
        }
    }
    let excluded = sweep.plan.cross_len() - jobs;
    let _ = writeln!(
        out,
        "jobs: {jobs} ({} cells, {excluded} excluded); {} epochs each",
        sweep.plan.cross_len(),
        sweep.config.epochs,
    );
    if !sweep.filter.is_empty() || sweep.shard != Shard::ALL {
        let _ = writeln!(
            out,
            "this run (--filter, --shard {}/{}) takes {selected} jobs ({selected_finished} already finished)",
            sweep.shard.index, sweep.shard.count
        );
    }
    let _ = writeln!(
        out,
        "updates: at most {updates} in all (fewer when jobs stop early)"
    );
    let shape_total: u64 = shape_errors.values().sum();
    let _ = writeln!(out, "shape_error: {shape_total} jobs");
    for (why, count) in &shape_errors {
        let _ = writeln!(out, "  {count} jobs: {why}");
    }
    let _ = writeln!(
        out,
        "results: {} ({finished} of {jobs} jobs finished)",
        sweep.dir.root().display()
    );
    out
}

fn join<T: Display>(values: impl IntoIterator<Item = T>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
