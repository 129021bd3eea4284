//! The one writer: finished jobs arrive from the training threads and are
//! committed in batches, each batch one transaction. A job is finished
//! exactly when its batch commits; a crash loses the batch in flight (at
//! most [`BATCH_TIME`] of work), never part of a job.

use super::Store;
use super::summary::JobSummary;
use crate::grid::JobParams;
use crate::nn::{EpochRecord, Status};
use ndarray::Array2;
use rusqlite::{Transaction, params};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Most jobs in one transaction.
pub const BATCH_JOBS: usize = 4096;
/// Longest a finished job waits for its batch to commit.
pub const BATCH_TIME: Duration = Duration::from_millis(200);
/// Finished jobs waiting for the writer before the training threads wait:
/// bounds memory whatever the grid.
const QUEUE: usize = 2 * BATCH_JOBS;

/// A finished job on its way to the database.
#[derive(Debug, Clone)]
pub struct FinishedJob {
    /// Its position in the plan.
    pub position: u64,
    /// Its parameters.
    pub params: JobParams,
    /// How it ended.
    pub status: Status,
    /// Its measurements, epoch by epoch.
    pub rows: Vec<EpochRecord>,
    /// Its initial and final weights, when the config keeps them.
    pub weights: Option<[Array2<f64>; 2]>,
    /// Wall seconds it trained.
    pub seconds: f64,
}

/// What the writer did.
#[derive(Debug)]
pub struct Written {
    /// The database, back from the writer thread.
    pub store: Store,
    /// Jobs committed.
    pub committed: u64,
    /// Jobs whose batch could not be committed: job id → why.
    pub failed: BTreeMap<String, String>,
}

/// The writer thread and the way to it.
#[derive(Debug)]
pub struct Writer {
    sender: SyncSender<FinishedJob>,
    thread: JoinHandle<Written>,
}

impl Writer {
    /// Starts the writer on `store`.
    pub fn start(store: Store) -> Writer {
        let (sender, receiver) = sync_channel(QUEUE);
        let thread = std::thread::spawn(move || write_all(store, receiver));
        Writer { sender, thread }
    }

    /// Where the training threads send finished jobs.
    pub fn sender(&self) -> SyncSender<FinishedJob> {
        self.sender.clone()
    }

    /// Commits what is still queued and hands the database back.
    pub fn finish(self) -> Written {
        drop(self.sender);
        self.thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

fn write_all(mut store: Store, jobs: Receiver<FinishedJob>) -> Written {
    let mut committed = 0;
    let mut failed = BTreeMap::new();
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let started = Instant::now();
        while batch.len() < BATCH_JOBS {
            match jobs.recv_timeout(BATCH_TIME.saturating_sub(started.elapsed())) {
                Ok(job) => batch.push(job),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        match commit(&mut store, &batch) {
            Ok(()) => committed += batch.len() as u64,
            Err(e) => {
                let why = format!("cannot write `{}`: {e}", store.path().display());
                failed.extend(batch.iter().map(|j| (j.params.id(), why.clone())));
            }
        }
    }
    Written {
        store,
        committed,
        failed,
    }
}

fn commit(store: &mut Store, batch: &[FinishedJob]) -> anyhow::Result<()> {
    let Store {
        conn, recording, ..
    } = store;
    let (dims, config) = (recording.dims, &recording.config);
    let started = Instant::now();
    let tx = conn.transaction()?;
    for job in batch {
        let summary = JobSummary::new(job.params, job.status, &job.rows, dims, config)?;
        insert(&tx, job, &summary)?;
    }
    tx.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes'",
        [],
    )?;
    // Each job's share of the batch's time: what writing cost it.
    let write_seconds = started.elapsed().as_secs_f64() / batch.len() as f64;
    {
        let mut timing = tx.prepare_cached(
            "INSERT OR REPLACE INTO timings (position, seconds, write_seconds) VALUES (?1, ?2, ?3)",
        )?;
        for job in batch {
            timing.execute(params![job.position as i64, job.seconds, write_seconds])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn insert(tx: &Transaction, job: &FinishedJob, s: &JobSummary) -> rusqlite::Result<()> {
    // Only jobs with no rows run (rows are committed whole, a job's with
    // it), so there is nothing of this job's to replace.
    let position = job.position as i64;
    let p = &job.params;
    let last = &s.last;
    let mut values: Vec<rusqlite::types::Value> = vec![position.into(), p.id().into()];
    values.extend(crate::config::Key::ALL.map(|k| p.value(k).into()));
    values.extend([
        job.status.name().to_string().into(),
        s.outcome.message().into(),
        i64::from(last.epoch).into(),
        last.train.loss.into(),
        last.validation.map(|m| m.loss).into(),
        last.test.map(|m| m.loss).into(),
        s.best_train_loss.into(),
        s.best_validation.map(|(loss, _)| loss).into(),
        s.best_validation.map(|(_, e)| i64::from(e)).into(),
        s.first_below_target.map(i64::from).into(),
        last.train.error_rate.into(),
        last.validation.map(|m| m.error_rate).into(),
        last.test.map(|m| m.error_rate).into(),
    ]);
    let marks = vec!["?"; values.len()].join(", ");
    tx.prepare_cached(&format!("INSERT INTO jobs VALUES ({marks})"))?
        .execute(rusqlite::params_from_iter(values))?;

    let mut epoch =
        tx.prepare_cached("INSERT INTO epochs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    for r in &job.rows {
        let (v, t) = (r.validation, r.test);
        epoch.execute(params![
            position,
            r.epoch,
            r.train.loss,
            r.train.error_rate,
            v.map(|m| m.loss),
            v.map(|m| m.error_rate),
            t.map(|m| m.loss),
            t.map(|m| m.error_rate),
        ])?;
    }
    if let Some(weights) = &job.weights {
        let mut weight = tx.prepare_cached("INSERT INTO weights VALUES (?1, ?2, ?3, ?4, ?5)")?;
        for (kind, w) in ["initial", "final"].into_iter().zip(weights) {
            for ((i, j), value) in w.indexed_iter() {
                weight.execute(params![position, kind, i as i64, j as i64, value])?;
            }
        }
    }
    Ok(())
}
