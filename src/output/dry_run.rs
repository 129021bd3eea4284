//! `--dry-run`: what a sweep would do, without doing it.

use crate::config::Key;
use crate::grid::Shard;
use crate::printable;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// What a run would do, counted over its plan.
#[derive(Debug, Clone, Default)]
pub struct Census {
    /// The sweep's name.
    pub name: String,
    /// Every axis with its values, as a person reads them.
    pub axes: Vec<(Key, String)>,
    /// Cells in the cross product, excluded ones included.
    pub cells: u64,
    /// Jobs of the plan.
    pub jobs: u64,
    /// Jobs of the plan already finished.
    pub finished: u64,
    /// Epochs each job runs.
    pub epochs: u32,
    /// The part of the plan this run takes, when `--filter` or `--shard`
    /// narrow it: the shard, its jobs, and how many are already finished.
    pub selection: Option<(Shard, u64, u64)>,
    /// Updates the selected jobs make at most.
    pub updates: u128,
    /// Selected jobs that will end in `shape_error`, by reason.
    pub shape_errors: BTreeMap<String, u64>,
    /// The weights' shape, (n+1)×m.
    pub weights: String,
    /// Each rule's definition and shape verdicts.
    pub rules: Vec<RuleShapes>,
    /// The results folder.
    pub results: PathBuf,
    /// Whether the run would be refused at its start (the reason follows
    /// the plan, as the error).
    pub refused: bool,
}

/// A rule of the grid: its definition in the notation, and for each batch
/// size of the grid its ΔW's shape (`Ok`) or why it has none.
#[derive(Debug, Clone)]
pub struct RuleShapes {
    /// Its name.
    pub rule: String,
    /// Its definition, as it means.
    pub expression: String,
    /// Batch size → ΔW's shape, or the shape error.
    pub verdicts: Vec<(usize, Result<String, String>)>,
}

/// The plan as text: axes, each rule's definition and shape verdict, job
/// and update counts, the cells that will end in `shape_error` and why,
/// and how many jobs are already finished.
pub fn render(c: &Census) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "sweep `{}`: axes", c.name);
    for (key, values) in &c.axes {
        let _ = writeln!(out, "  {:<14} {values}", key.name());
    }
    let _ = writeln!(out, "rules: each ΔW against the weights, {}", c.weights);
    let width = c.rules.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    for r in &c.rules {
        let _ = writeln!(out, "  {:<width$} = {}", r.rule, r.expression);
        for (b, verdict) in &r.verdicts {
            let verdict = match verdict {
                Ok(shape) => format!("ΔW is {shape}: it runs"),
                Err(why) => format!("shape_error: {why}"),
            };
            let _ = writeln!(out, "  {:<width$}   batch size {b}: {verdict}", "");
        }
    }
    let _ = writeln!(
        out,
        "jobs: {} ({} cells, {} excluded); {} epochs each",
        c.jobs,
        c.cells,
        c.cells - c.jobs,
        c.epochs,
    );
    if let Some((shard, selected, selected_finished)) = c.selection {
        let _ = writeln!(
            out,
            "this run (--filter, --shard {}/{}) takes {selected} jobs ({selected_finished} already finished)",
            shard.index, shard.count
        );
    }
    let _ = writeln!(
        out,
        "updates: at most {} in all (fewer when jobs stop early)",
        c.updates
    );
    let shape_total: u64 = c.shape_errors.values().sum();
    let _ = writeln!(out, "shape_error: {}", printable::count(shape_total, "job"));
    for (why, count) in &c.shape_errors {
        let _ = writeln!(out, "  {}: {why}", printable::count(*count, "job"));
    }
    let state = match c.refused {
        true => "refused: the run would not start, for the reason below".to_string(),
        false => format!("{} of {} jobs finished", c.finished, c.jobs),
    };
    let _ = writeln!(out, "results: {} ({state})", c.results.display());
    out
}
