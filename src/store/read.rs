//! Reading the database back, in plan order and streaming, so that an
//! export of a million jobs holds one job's rows at a time.

use super::{Store, StoreError, regrid};
use crate::grid::JobParams;
use crate::nn::metrics::Metrics;
use crate::nn::{EpochRecord, Status};
use anyhow::{Context, anyhow};
use rusqlite::Row;

/// Which plan positions have a finished job: one bit each.
#[derive(Debug, Clone, Default)]
pub struct Finished {
    bits: Vec<u64>,
}

impl Finished {
    /// Whether the job at `position` is finished.
    pub fn contains(&self, position: u64) -> bool {
        self.bits
            .get((position / 64) as usize)
            .is_some_and(|w| w & (1 << (position % 64)) != 0)
    }

    fn insert(&mut self, position: u64) {
        let word = (position / 64) as usize;
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (position % 64);
    }
}

impl FromIterator<u64> for Finished {
    fn from_iter<I: IntoIterator<Item = u64>>(positions: I) -> Self {
        let mut finished = Finished::default();
        for k in positions {
            finished.insert(k);
        }
        finished
    }
}

/// One job's row of `jobs`, as the end table reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobFigures {
    /// How it ended.
    pub status: Status,
    /// The training loss at epoch 0, when finite.
    pub initial_train_loss: Option<f64>,
    /// The final training loss, when finite.
    pub final_train_loss: Option<f64>,
    /// The final validation loss, when finite.
    pub final_validation_loss: Option<f64>,
    /// The final test error rate, when the split has a test set.
    pub final_test_error_rate: Option<f64>,
    /// The first epoch below the target.
    pub first_below_target: Option<u32>,
}

impl Store {
    /// The positions of every finished job.
    pub fn finished(&self) -> Result<Finished, StoreError> {
        let mut finished = Finished::default();
        let mut read = || -> rusqlite::Result<()> {
            let mut stmt = self.conn.prepare("SELECT position FROM jobs")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                finished.insert(row.get::<_, i64>(0)? as u64);
            }
            Ok(())
        };
        read().map_err(|e| self.not_ours(e.to_string()))?;
        Ok(finished)
    }

    /// Calls `each` with the position, status and rows of every finished
    /// job whose position is in `positions`, in order of position.
    pub fn for_each_job(
        &self,
        positions: std::ops::Range<u64>,
        mut each: impl FnMut(u64, Status, &[EpochRecord]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let (has_validation, has_test) = (self.recording.has_validation, self.recording.has_test);
        let mut stmt = self.conn.prepare(
            "SELECT e.position, j.status, e.epoch, e.train_loss, e.train_error_rate, \
             e.validation_loss, e.validation_error_rate, e.test_loss, e.test_error_rate \
             FROM epochs e JOIN jobs j ON j.position = e.position \
             WHERE e.position >= ?1 AND e.position < ?2 \
             ORDER BY e.position, e.epoch",
        )?;
        let mut rows = stmt.query(bounds(&positions))?;
        let mut current: Option<(u64, Status)> = None;
        let mut records = Vec::new();
        while let Some(row) = rows.next()? {
            let position = row.get::<_, i64>(0)? as u64;
            if current.is_some_and(|(p, _)| p != position) {
                let (p, status) = current.expect("checked");
                each(p, status, &records)?;
                records.clear();
            }
            if current.is_none_or(|(p, _)| p != position) {
                let name: String = row.get(1)?;
                let status = Status::from_name(&name).ok_or_else(|| {
                    anyhow!("job at position {position}: unknown status `{name}`")
                })?;
                current = Some((position, status));
            }
            records.push(
                epoch_record(row, has_validation, has_test).with_context(|| {
                    format!("job at position {position}: a damaged row of `epochs`")
                })?,
            );
        }
        if let Some((p, status)) = current {
            each(p, status, &records)?;
        }
        Ok(())
    }

    /// Calls `each` with every finished job's position, cell and figures,
    /// in order of position: the jobs of the recorded plan, then those of
    /// cells it no longer has ([`Store::elsewhere`]).
    pub fn for_each_figures(
        &self,
        mut each: impl FnMut(u64, JobParams, JobFigures),
    ) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT j.position, j.status, j.final_train_loss, j.final_validation_loss, \
             j.final_test_error_rate, j.first_epoch_below_target, e.train_loss, {} \
             FROM jobs j LEFT JOIN epochs e ON e.position = j.position AND e.epoch = 0 \
             ORDER BY j.position",
            regrid::cell_columns()
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let name: String = row.get(1)?;
            each(
                row.get::<_, i64>(0)? as u64,
                regrid::cell(row, 7)?,
                JobFigures {
                    status: Status::from_name(&name)
                        .ok_or_else(|| anyhow!("unknown status `{name}`"))?,
                    final_train_loss: row.get::<_, Option<f64>>(2)?.filter(|x| x.is_finite()),
                    final_validation_loss: row.get::<_, Option<f64>>(3)?.filter(|x| x.is_finite()),
                    final_test_error_rate: row.get(4)?,
                    first_below_target: row.get(5)?,
                    initial_train_loss: row.get::<_, Option<f64>>(6)?.filter(|x| x.is_finite()),
                },
            );
        }
        Ok(())
    }

    /// Calls `each` with the position and timings of every job whose
    /// position is in `positions`, in order of position.
    pub fn for_each_timing(
        &self,
        positions: std::ops::Range<u64>,
        mut each: impl FnMut(u64, f64, f64) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT position, seconds, write_seconds FROM timings \
             WHERE position >= ?1 AND position < ?2 ORDER BY position",
        )?;
        let mut rows = stmt.query(bounds(&positions))?;
        while let Some(row) = rows.next()? {
            each(row.get::<_, i64>(0)? as u64, row.get(1)?, row.get(2)?)?;
        }
        Ok(())
    }

    /// Calls `each` with every weight of the jobs whose position is in
    /// `positions`: position, `initial` or `final`, input row, output
    /// column and value (NaN for a NULL), in order.
    pub fn for_each_weight(
        &self,
        positions: std::ops::Range<u64>,
        mut each: impl FnMut(u64, &str, usize, usize, f64) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT position, kind, input, output, value FROM weights \
             WHERE position >= ?1 AND position < ?2 \
             ORDER BY position, kind DESC, input, output",
        )?;
        let mut rows = stmt.query(bounds(&positions))?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(1)?;
            each(
                row.get::<_, i64>(0)? as u64,
                &kind,
                row.get::<_, i64>(2)? as usize,
                row.get::<_, i64>(3)? as usize,
                row.get::<_, Option<f64>>(4)?.unwrap_or(f64::NAN),
            )?;
        }
        Ok(())
    }
}

/// `positions` as SQLite's integers (which stop at i64::MAX).
fn bounds(positions: &std::ops::Range<u64>) -> [i64; 2] {
    [positions.start, positions.end].map(|p| i64::try_from(p).unwrap_or(i64::MAX))
}

/// An epoch's row; a NULL of a set the split has is the NaN SQLite could
/// not store.
fn epoch_record(row: &Row, has_validation: bool, has_test: bool) -> anyhow::Result<EpochRecord> {
    let value = |k: usize| -> rusqlite::Result<f64> {
        Ok(row.get::<_, Option<f64>>(k)?.unwrap_or(f64::NAN))
    };
    let set = |present: bool, k: usize| -> rusqlite::Result<Option<Metrics>> {
        Ok(present.then_some(Metrics {
            loss: value(k)?,
            error_rate: value(k + 1)?,
        }))
    };
    Ok(EpochRecord {
        epoch: row.get(2)?,
        train: Metrics {
            loss: value(3)?,
            error_rate: value(4)?,
        },
        validation: set(has_validation, 5)?,
        test: set(has_test, 7)?,
    })
}
