//! `weights/<job_id>.csv`: a job's initial and final weight matrices.

use super::{ResultsDir, write_atomic};
use crate::number::float;
use ndarray::Array2;

/// Writes the two matrices, one row per input (the bias last) and one
/// column per output class, each tagged `initial` or `final`.
pub fn write(
    dir: &ResultsDir,
    job_id: &str,
    inputs: &[String],
    classes: &[String],
    initial: &Array2<f64>,
    last: &Array2<f64>,
) -> anyhow::Result<()> {
    write_atomic(&dir.weights_file(job_id), |w| {
        let mut out = csv::Writer::from_writer(w);
        let mut header = vec!["weights".to_string(), "input".to_string()];
        header.extend(classes.iter().cloned());
        out.write_record(&header)?;
        for (tag, matrix) in [("initial", initial), ("final", last)] {
            for (i, row) in matrix.rows().into_iter().enumerate() {
                let input = inputs.get(i).map_or("bias", String::as_str);
                let mut record = vec![tag.to_string(), input.to_string()];
                record.extend(row.iter().map(|&v| float(v)));
                out.write_record(&record)?;
            }
        }
        Ok(out.flush()?)
    })
}
