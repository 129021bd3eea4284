//! `weights.csv`: each job's initial and final weight matrices, a line per
//! row of W (the inputs, then the bias) with a column per output.

use super::{csv_field, write_atomic};
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
    let inputs: Vec<String> = inputs.iter().map(|name| csv_field(name)).collect();
    let outputs: Vec<String> = outputs.iter().map(|name| csv_field(name)).collect();
    write_atomic(&dir.file("weights.csv"), |w| {
        writeln!(w, "job_id,weights,input,{}", outputs.join(","))?;
        let mut id = (u64::MAX, String::new());
        store.for_each_weight(0..plan.cross_len(), |position, kind, i, j, value| {
            if id.0 != position {
                id = (position, plan.cell(position).id());
            }
            if j == 0 {
                let input = inputs.get(i).map_or("bias", String::as_str);
                write!(w, "{},{kind},{input}", id.1)?;
            }
            write!(w, ",{}", float(value))?;
            if j + 1 == outputs.len() {
                writeln!(w)?;
            }
            Ok(())
        })
    })
}
