//! `weights.csv`: each job's initial and final weight matrices, long form:
//! one line per weight, the bias row last, one column value per output.

use super::write_atomic;
use crate::grid::Plan;
use crate::number::float;
use crate::store::{ResultsDir, Store};
use std::io::Write;

/// Writes `weights.csv` from `store`; `inputs` and `outputs` name the rows
/// (the bias after the inputs) and the columns of W.
pub fn write(
    dir: &ResultsDir,
    store: &Store,
    plan: &Plan,
    inputs: &[String],
    outputs: &[String],
) -> anyhow::Result<()> {
    write_atomic(&dir.file("weights.csv"), |w| {
        writeln!(w, "job_id,weights,input,output,value")?;
        let mut current: Option<(u64, String)> = None;
        store.for_each_weight(|position, kind, i, j, value| {
            if current.as_ref().is_none_or(|(p, _)| *p != position) {
                current = Some((position, plan.cell(position).id()));
            }
            let id = &current.as_ref().expect("just set").1;
            let input = inputs.get(i).map_or("bias", String::as_str);
            let output = outputs.get(j).map_or("?", String::as_str);
            writeln!(w, "{id},{kind},{input},{output},{}", float(value))?;
            Ok(())
        })
    })
}
