//! Runs a sweep's jobs in parallel, each through the same training loop,
//! hands each finished job to the database's one writer, and notes a
//! failing job without stopping the others.

use crate::config::{Column, Config, ConfigError, ConfigSource, Key, Selector};
use crate::data::{Prepared, Target};
use crate::grid::{JobParams, Plan, Shard};
use crate::interrupt::Interrupt;
use crate::nn::lanes::{self, Kind, LANES};
use crate::nn::train::{Schedule, Trained, train};
use crate::nn::{Definitions, EpochRecord, Rule};
use crate::output::dry_run::{Census, RuleShapes};
use crate::output::progress::Progress;
use crate::printable;
use crate::store::read::Finished;
use crate::store::writer::FinishedJob;
use crate::store::{MAIN_DB, Recording, ResultsDir};
use anyhow::Context;
use rayon::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::time::Instant;

/// A config with its data and plan, checked: what every command starts from.
#[derive(Debug)]
pub struct Loaded {
    /// The resolved config.
    pub config: Config,
    /// The config's text, to point at its keys in messages.
    pub source: ConfigSource,
    /// The data, split and scaled.
    pub data: Prepared,
    /// The jobs.
    pub plan: Plan,
}

/// Everything a run needs, checked and resolved.
#[derive(Debug)]
pub struct Sweep {
    /// The resolved config.
    pub config: Config,
    /// The data, split and scaled.
    pub data: Prepared,
    /// The jobs.
    pub plan: Plan,
    /// Where results go.
    pub dir: ResultsDir,
    /// `--filter`: only jobs matching all of these run.
    pub filter: Vec<Selector>,
    /// `--shard`: only the jobs at these positions run.
    pub shard: Shard,
    /// The config's own rules, parsed.
    pub definitions: Definitions,
}

/// A sweep that cannot run as asked.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A value that is wrong only together with the data.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A filter names a rule the config does not have.
    #[error("--filter: {0}")]
    FilterUnknownRule(String),
    /// The filters select no job.
    #[error(
        "--filter: no cell of the grid in {origin} matches all the filters; `sweep --dry-run` lists the axes and their values"
    )]
    FilterMatchesNothing {
        /// The config.
        origin: String,
    },
}

/// Updates per epoch when the config gives none: ⌊N / B⌋ for `n_train`
/// training samples and batches of `batch`, at least 1.
fn default_updates(n_train: usize, batch: usize) -> usize {
    (n_train / batch).max(1)
}

impl Sweep {
    /// Resolves what the config left open: the data's columns and the
    /// results folder (`out` overrides `output.dir`). `filter` and `shard`
    /// select the jobs this run may train; the results folder still belongs
    /// to the whole config.
    pub fn new(
        loaded: Loaded,
        out: Option<&Path>,
        filter: Vec<Selector>,
        shard: Shard,
    ) -> Result<Sweep, SweepError> {
        let Loaded {
            mut config,
            source,
            data,
            plan,
        } = loaded;
        let n_train = data.splits.train.len();
        if let Some((k, b)) =
            (config.grid.batch_size.0.iter().enumerate()).find(|(_, b)| b.get() > n_train)
        {
            return Err(source
                .error(
                    &format!("grid.batch_size[{k}]"),
                    format!(
                        "batch size {b} is larger than the {n_train} training samples; \
                         use at most {n_train}"
                    ),
                )
                .into());
        }
        // `updates_per_epoch` equal to every batch size's default means the
        // same as no `updates_per_epoch`: recorded alike, so compared alike.
        if let Some(n) = config.updates_per_epoch
            && (config.grid.batch_size.0.iter())
                .all(|b| default_updates(n_train, b.get()) == n.get())
        {
            config.updates_per_epoch = None;
        }
        let names = |v: &[String]| v.iter().cloned().map(Column::Name).collect();
        match &data.target {
            Target::Label(label) => {
                config.data.inputs = Some(names(&data.inputs));
                config.data.target = Some(Column::Name(label.clone()));
            }
            Target::Columns(columns) => {
                config.data.inputs = Some(names(&data.inputs));
                config.data.targets = Some(names(columns));
            }
            Target::Generated => {}
        }
        if let Some(out) = out {
            config.output.dir = out.to_path_buf();
        }
        let dir = ResultsDir::new(&config.output.dir, &config.name);
        let definitions = config.definitions();
        let sweep = Sweep {
            definitions,
            config,
            data,
            plan,
            dir,
            filter,
            shard,
        };
        let filtered = sweep
            .filter
            .iter()
            .flat_map(|f| f.rule.iter().flat_map(|v| v.0.iter()));
        for rule in filtered {
            if let Rule::Defined(name) = rule
                && !sweep.config.rules.0.contains_key(name.as_str())
            {
                return Err(SweepError::FilterUnknownRule(
                    sweep.config.rules.unknown(name.as_str()),
                ));
            }
        }
        if !sweep.filter.is_empty() && !sweep.plan.jobs().any(|p| sweep.selected(&p)) {
            return Err(SweepError::FilterMatchesNothing {
                origin: source.origin,
            });
        }
        Ok(sweep)
    }

    /// Whether this run may train job `p`: it matches every `--filter`.
    pub fn selected(&self, p: &JobParams) -> bool {
        self.filter.iter().all(|f| f.matches(p))
    }

    /// Whether this run trains the job at `position`: it is in this run's
    /// shard and selected.
    pub fn runs(&self, position: u64, p: &JobParams) -> bool {
        self.shard.holds(position) && self.selected(p)
    }

    /// The schedule of job `p`. An epoch is `updates_per_epoch` updates,
    /// by default ⌊N / B⌋, so that with any batch size it sees about the
    /// whole training set once.
    pub fn schedule_for(&self, p: &JobParams) -> Schedule {
        let default = default_updates(self.data.splits.train.len(), p.batch_size.get());
        Schedule {
            epochs: self.config.epoch_count(),
            updates_per_epoch: self.config.updates_per_epoch.map_or(default, |n| n.get()),
            validation_loss_below: self.config.stop.threshold(),
        }
    }

    /// Jobs this run may train, finished or not: in its shard and selected.
    pub fn selected_jobs(&self) -> u64 {
        self.plan
            .positioned_jobs()
            .filter(|(k, p)| self.runs(*k, p))
            .count() as u64
    }

    /// Jobs this run would train: in its shard, selected, and not finished.
    pub fn pending(&self, finished: &Finished) -> u64 {
        self.plan
            .positioned_jobs()
            .filter(|(k, p)| self.runs(*k, p) && !finished.contains(*k))
            .count() as u64
    }

    /// Each rule and batch size of the grid, with why ΔW cannot have the
    /// weights' shape, if it cannot: checked once per pair, not per job.
    fn shape_verdicts(&self) -> BTreeMap<(Rule, usize), Result<(), String>> {
        let dims = self.data.splits.dims();
        let grid = self.plan.grid();
        let pairs =
            (grid.rule.0.iter()).flat_map(|&r| grid.batch_size.0.iter().map(move |b| (r, b.get())));
        pairs
            .map(|(rule, b)| {
                let fits = rule
                    .check(&self.definitions, dims, b)
                    .map_err(|e| e.to_string());
                ((rule, b), fits)
            })
            .collect()
    }

    /// Each rule of the grid with its definition and, for each batch size,
    /// its ΔW's shape or why it has none: the dry run's shape verdicts.
    fn rule_shapes(
        &self,
        verdicts: &BTreeMap<(Rule, usize), Result<(), String>>,
        weights: &str,
    ) -> Vec<RuleShapes> {
        let grid = self.plan.grid();
        (grid.rule.0.iter())
            .filter_map(|&rule| {
                let expr = rule.expression(&self.definitions)?;
                let verdicts = (grid.batch_size.0.iter())
                    .map(|b| {
                        let fits = &verdicts[&(rule, b.get())];
                        (b.get(), fits.clone().map(|()| weights.to_string()))
                    })
                    .collect();
                Some(RuleShapes {
                    rule: rule.name().to_string(),
                    expression: expr.to_string(),
                    verdicts,
                })
            })
            .collect()
    }

    /// The database this run writes: the main one, or its shard's own
    /// (SQLite is not to be shared over a cluster's network file system).
    pub fn db_name(&self) -> String {
        if self.shard == Shard::ALL {
            MAIN_DB.to_string()
        } else {
            ResultsDir::shard_db_name(self.shard.index, self.shard.count)
        }
    }

    /// What the database records about this run.
    pub fn recording(&self) -> Recording {
        let splits = &self.data.splits;
        Recording {
            config: self.config.clone(),
            data_sha256: self.data.sha256.clone(),
            dims: splits.dims(),
            has_validation: !splits.validation.is_empty(),
            has_test: !splits.test.is_empty(),
            inputs: self.data.inputs.clone(),
            outputs: self.data.outputs.clone(),
        }
    }

    /// What this run would do: its jobs, updates, shape errors and the
    /// jobs already finished, counted over the plan.
    pub fn census(&self, finished: &Finished) -> Census {
        let grid = self.plan.grid();
        let dims = self.data.splits.dims();
        let weights = format!("{}×{}", dims.inputs_with_bias, dims.outputs);
        let verdicts = self.shape_verdicts();
        let mut c = Census {
            name: self.config.name.clone(),
            axes: Key::ALL.map(|k| (k, grid.describe(k))).to_vec(),
            cells: self.plan.cross_len(),
            epochs: self.config.epoch_count(),
            results: self.dir.root().to_path_buf(),
            rules: self.rule_shapes(&verdicts, &weights),
            weights,
            ..Census::default()
        };
        let narrowed = !self.filter.is_empty() || self.shard != Shard::ALL;
        let (mut selected, mut selected_finished) = (0, 0);
        for (k, p) in self.plan.positioned_jobs() {
            c.jobs += 1;
            let done = finished.contains(k);
            c.finished += u64::from(done);
            if !self.runs(k, &p) {
                continue;
            }
            selected += 1;
            selected_finished += u64::from(done);
            match &verdicts[&(p.rule, p.batch_size.get())] {
                Ok(()) => {
                    let s = self.schedule_for(&p);
                    c.updates += u128::from(s.epochs) * s.updates_per_epoch as u128;
                }
                Err(why) => *c.shape_errors.entry(why.clone()).or_default() += 1,
            }
        }
        c.selection = narrowed.then_some((self.shard, selected, selected_finished));
        c
    }
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Jobs this run trained and wrote.
    pub ran: u64,
    /// Jobs that failed (a panic, a file that could not be written): id → why.
    pub failed: BTreeMap<String, String>,
    /// Whether a signal stopped the run before every job had started.
    pub interrupted: bool,
}

/// The worker threads: `threads` of them, or one per core.
pub fn thread_pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")
}

/// Runs every selected job of the plan that is not `finished`, on the
/// current rayon pool, sending each to the database's writer as it
/// finishes. A job that panics is noted as failed and the others still
/// run. Once `interrupt` is set, no further job starts.
///
/// The plan is cut into runs of consecutive positions, a few per thread;
/// in each, jobs of one kind (rule, activation, batch size) train together
/// in lanes ([`crate::nn::lanes`]), and the rest (a config's own rules, a
/// rule that does not fit) one at a time. Where a job trains does not
/// change its bits.
pub fn run(
    sweep: &Sweep,
    finished: &Finished,
    writer: &SyncSender<FinishedJob>,
    progress: &Progress,
    interrupt: &Interrupt,
) -> RunReport {
    let ran = Run {
        sweep,
        writer,
        progress,
        interrupt,
        ran: AtomicU64::new(0),
        failed: Mutex::new(BTreeMap::new()),
    };
    let cells = sweep.plan.cross_len();
    let threads = rayon::current_num_threads() as u64;
    // Long enough to fill groups of lanes, short enough that every thread
    // gets several: the cut changes no result.
    let chunk = (cells / (4 * threads)).clamp(LANES as u64, 4096);
    let lanes = lanes_enabled();
    // Positions by index, not a list of jobs: a plan of millions is never
    // held in memory, only one chunk's jobs.
    (0..cells.div_ceil(chunk)).into_par_iter().for_each(|c| {
        let positions = c * chunk..cells.min((c + 1) * chunk);
        let mut groups: BTreeMap<Kind, Vec<(u64, JobParams)>> = BTreeMap::new();
        // A rule's shape is checked once per rule, activation and batch
        // size, not once per job.
        let mut kinds = BTreeMap::new();
        for k in positions {
            if finished.contains(k) {
                continue;
            }
            let p = sweep.plan.cell(k);
            if sweep.plan.is_excluded(&p) || !sweep.runs(k, &p) {
                continue;
            }
            let kind = *kinds
                .entry((p.rule, p.activation, p.batch_size))
                .or_insert_with(|| Kind::of(&p.job(), sweep.data.splits.dims()));
            match kind.filter(|_| lanes) {
                Some(kind) => groups.entry(kind).or_default().push((k, p)),
                None => ran.alone(k, &p),
            }
        }
        for (kind, jobs) in groups {
            ran.group(kind, &jobs);
        }
    });
    RunReport {
        ran: ran.ran.into_inner(),
        failed: (ran.failed.into_inner()).unwrap_or_else(|p| p.into_inner()),
        interrupted: interrupt.requested(),
    }
}

/// A run under way: what its jobs need, and what it has counted.
struct Run<'a> {
    sweep: &'a Sweep,
    writer: &'a SyncSender<FinishedJob>,
    progress: &'a Progress,
    interrupt: &'a Interrupt,
    ran: AtomicU64,
    failed: Mutex<BTreeMap<String, String>>,
}

impl Run<'_> {
    /// Trains job `p` at `position` by itself, unless the run is interrupted.
    fn alone(&self, position: u64, p: &JobParams) {
        if self.interrupt.requested() {
            return;
        }
        let result = in_job(|| {
            #[cfg(debug_assertions)]
            fault_injection::maybe_panic(&p.id());
            let started = Instant::now();
            let mut rows = Vec::new();
            let sweep = self.sweep;
            let trained = train(
                &p.job(),
                &sweep.schedule_for(p),
                &sweep.data.splits,
                &sweep.definitions,
                |r| rows.push(*r),
            );
            Ok(self.finished(position, p, rows, trained, started))
        });
        self.deliver(p, result);
    }

    /// Trains `jobs`, all of `kind`, in lanes. After a panic, the jobs of
    /// the group that had not ended train again one by one, so that a
    /// failure is the failing job's alone.
    fn group(&self, kind: Kind, jobs: &[(u64, JobParams)]) {
        let Some((_, first)) = jobs.first() else {
            return;
        };
        let sweep = self.sweep;
        // When each job under way started, and which have ended.
        let started: RefCell<BTreeMap<u64, Instant>> = RefCell::new(BTreeMap::new());
        let mut ended = BTreeSet::new();
        let by_position: BTreeMap<u64, &JobParams> = jobs.iter().map(|(k, p)| (*k, p)).collect();
        let caught = in_job(|| {
            let start = jobs.iter().map_while(|(k, p)| {
                if self.interrupt.requested() {
                    return None;
                }
                started.borrow_mut().insert(*k, Instant::now());
                #[cfg(debug_assertions)]
                fault_injection::maybe_panic(&p.id());
                Some((*k, p.job()))
            });
            let schedule = sweep.schedule_for(first);
            lanes::train_group(
                kind,
                start,
                &schedule,
                &sweep.data.splits,
                |k, rows, trained| {
                    let since = (started.borrow_mut().remove(&k)).expect("a job ends once");
                    let p = by_position[&k];
                    self.deliver(p, Ok(self.finished(k, p, rows, trained, since)));
                    ended.insert(k);
                },
            );
            Ok(())
        });
        if caught.is_err() {
            for (k, p) in jobs.iter().filter(|(k, _)| !ended.contains(k)) {
                self.alone(*k, p);
            }
        }
    }

    /// What the writer stores of a job.
    fn finished(
        &self,
        position: u64,
        p: &JobParams,
        rows: Vec<EpochRecord>,
        trained: Trained,
        started: Instant,
    ) -> FinishedJob {
        FinishedJob {
            position,
            params: *p,
            status: trained.outcome.status(),
            rows,
            weights: (self.sweep.config.output.weights)
                .then_some([trained.initial_weights, trained.final_weights]),
            seconds: started.elapsed().as_secs_f64(),
        }
    }

    /// Sends a finished job to the writer, or notes why job `p` failed.
    fn deliver(&self, p: &JobParams, result: Result<FinishedJob, String>) {
        let sent = result.and_then(|job| {
            (self.writer.send(job)).map_err(|_| "the database writer stopped".to_string())
        });
        match sent {
            Ok(()) => {
                self.ran.fetch_add(1, Ordering::Relaxed);
            }
            Err(why) => {
                let id = p.id();
                (self.progress).error(&format!("sweep: job {id} failed: {why}"));
                lock(&self.failed).insert(id, why);
            }
        }
        self.progress.job_done();
    }
}

/// Runs `body` as a job's training: a panic in it is caught, its message
/// the error, and the panic hook stays quiet about it.
fn in_job<R>(body: impl FnOnce() -> Result<R, String>) -> Result<R, String> {
    IN_JOB.set(true);
    let result = catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|panic| Err(format!("panicked: {}", panic_message(panic.as_ref()))));
    IN_JOB.set(false);
    result
}

/// Whether jobs may train in lanes: always, except in a test or debug
/// build whose environment sets [`fault_injection::ALONE_VAR`], which the
/// tests use to compare the two ways bit for bit.
fn lanes_enabled() -> bool {
    #[cfg(debug_assertions)]
    if std::env::var_os(fault_injection::ALONE_VAR).is_some() {
        return false;
    }
    true
}

/// Faults on purpose, for the tests of failure handling: built into the
/// test and debug builds only (with debug assertions), never into a
/// release, so that the tests need no build of their own.
#[cfg(debug_assertions)]
pub mod fault_injection {
    /// Names a job id whose job panics: how the tests check that a failing
    /// job does not sink the sweep.
    pub const PANIC_JOB_VAR: &str = "SWEEP_TEST_PANIC_JOB";

    /// Makes every job train by itself, none in lanes.
    pub const ALONE_VAR: &str = "SWEEP_TEST_ALONE";

    /// Panics when `id` is the job [`PANIC_JOB_VAR`] names.
    pub fn maybe_panic(id: &str) {
        if std::env::var(PANIC_JOB_VAR).is_ok_and(|victim| victim == id) {
            panic!("injected by {PANIC_JOB_VAR}");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A job that panicked holds no lock: the data is still whole.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

thread_local! {
    /// Whether this thread is training a job, whose panic the run reports.
    static IN_JOB: Cell<bool> = const { Cell::new(false) };
}

/// Makes panics speak to the user in one line. A job's panic is caught and
/// reported by the run (job id and message); any other is a bug in sweep,
/// said as such, without Rust's header, source path or backtrace hint.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if !IN_JOB.get() {
            eprintln!(
                "sweep: internal error: {}; please report it with the command that led to it",
                panic_message(info.payload())
            );
        }
    }));
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    printable::text(&text).into_owned()
}
