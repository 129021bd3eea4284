//! `stats.csv`: the spread, not just the mean. One row per group of cells
//! that differ only by seed × epoch × metric, with n, mean, standard
//! deviation, min, median and max over the group's jobs.
//!
//! Long form, so that a pivot table or a plotting library takes it as it
//! is. A value counts at an epoch only where the job measured it: a
//! stopped job adds nothing after its stop (n falls), a diverged job
//! nothing that is not finite, a `shape_error` job only epoch 0.

use super::aggregate::EPOCH_COLUMNS;
use super::atomic::AtomicFile;
use crate::config::Key;
use crate::grid::JobParams;
use crate::nn::EpochRecord;
use crate::number::float;
use crate::stats::median;
use crate::store::ResultsDir;
use std::io::Write;

/// The metrics, in the order of their rows: those of `epochs.csv`.
fn metrics() -> &'static [&'static str] {
    &EPOCH_COLUMNS[2..]
}

/// Writes `stats.csv` as jobs arrive in plan order: the seed varies
/// fastest, so a group's jobs come one after another and only the group
/// at hand is held in memory.
pub struct StatsFile {
    file: AtomicFile,
    group: Option<JobParams>,
    /// Values by epoch and metric, over the group's jobs so far.
    values: Vec<[Vec<f64>; 6]>,
}

impl StatsFile {
    /// Starts `stats.csv` in `dir`.
    pub fn create(dir: &ResultsDir) -> anyhow::Result<StatsFile> {
        let mut file = AtomicFile::create(&dir.file("stats.csv"))?;
        let axes = Key::ALL.into_iter().filter(|&k| k != Key::REPLICATE);
        let mut header: Vec<&str> = axes.map(Key::name).collect();
        header.extend(["epoch", "metric", "n", "mean", "sd", "min", "median", "max"]);
        writeln!(file.writer(), "{}", header.join(","))?;
        Ok(StatsFile {
            file,
            group: None,
            values: Vec::new(),
        })
    }

    /// Adds a job's rows; jobs must come in plan order.
    pub fn add(&mut self, p: &JobParams, rows: &[EpochRecord]) -> anyhow::Result<()> {
        let group = JobParams {
            seed: crate::config::Count(0),
            ..*p
        };
        if self.group.is_some_and(|g| g != group) {
            self.flush()?;
        }
        self.group = Some(group);
        for r in rows {
            let e = r.epoch as usize;
            if self.values.len() <= e {
                self.values.resize_with(e + 1, Default::default);
            }
            for (slot, value) in self.values[e].iter_mut().zip(r.measurements()) {
                slot.extend(value.filter(|v| v.is_finite()));
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let axes: Vec<String> = Key::ALL
            .into_iter()
            .filter(|&k| k != Key::REPLICATE)
            .map(|k| group.value(k))
            .collect();
        let axes = axes.join(",");
        let out = self.file.writer();
        for (epoch, metrics) in self.values.iter().enumerate() {
            for (name, values) in self::metrics().iter().zip(metrics) {
                let Some(mid) = median(values) else {
                    continue;
                };
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                // The sample standard deviation; none of a single value.
                let sd = (values.len() > 1).then(|| {
                    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)).sqrt()
                });
                let (min, max) = values
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(*v), hi.max(*v))
                    });
                writeln!(
                    out,
                    "{axes},{epoch},{name},{},{},{},{},{},{}",
                    values.len(),
                    float(mean),
                    sd.map(float).unwrap_or_default(),
                    float(min),
                    float(mid),
                    float(max)
                )?;
            }
        }
        self.values.clear();
        Ok(())
    }

    /// Writes the last group and puts the file in place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.file.commit()
    }
}
