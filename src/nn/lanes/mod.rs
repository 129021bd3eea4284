//! Several jobs trained at once, one per lane: each number of the net is an
//! array `[f64; LANES]` holding that number for every job of the group,
//! so that one vector instruction does the same step for all of them.
//!
//! One job's training is a chain: each update needs the weights the last
//! one made, so alone it waits on the latency of e^x, then δ, then W, and
//! uses a fraction of what a core can do. The jobs of a group are
//! independent chains run in lockstep. IEEE arithmetic done lane by lane,
//! with the same operations in the same order as [`super::train::train`]
//! does them for one job, gives the same bits: a job's results do not
//! depend on whether it ran in a group, in which lane, or beside which
//! jobs (the tests below compare every bit). Nothing is fused: Rust never
//! contracts a·b + c into an FMA unless told to.
//!
//! A group's jobs share the rule, the activation and the batch size, and
//! so the schedule: their epochs end at the same update, where all lanes
//! are measured together over the same samples. Each lane has its own
//! weights, learning rate, sampler and epoch count. A job that ends (its
//! epochs done, stopped early, diverged) leaves its lane at that boundary,
//! and the next job of the group starts there, at its own epoch 0. A lane
//! left empty at the end trains a frozen copy of another lane's weights
//! (η = 0) on the first sample, and nobody reads its results.
//!
//! The same code is compiled twice, for AVX2 and for the SSE2 every x86-64
//! has, and AVX2 is used where the CPU has it; both do the same operations
//! on the same lanes, so they give the same bits (a test compares them).
//! Where the CPU has AVX-512F too, an evaluation's outputs of sigmoid and
//! tanh01 are taken eight lanes a register ([`zmm`]), again with the same
//! bits. The rest stays in AVX2: the whole loop compiled for AVX-512 took
//! 16.6 ms where AVX2 took 11.0 ms on the AMD EPYC of
//! `docs/performance.md` (`cargo bench --bench core -- lanes/`), and on a
//! later build 31.3 against 28.9 ns per job-update
//! (`examples/lanes_bench`); the updates written for it by hand were no
//! faster either.

use super::activation::Activation;
use super::layer::Dims;
use super::metrics::{BLOCK, Metrics};
use super::rule::{Definitions, Rule};
use super::samples::{Set, Splits};
use super::sampling::Sampler;
use super::train::{self, EpochRecord, Job, Outcome, Schedule, Trained, initial_weights};
use ndarray::Array2;
use std::array;

#[cfg(target_arch = "x86_64")]
mod zmm;

/// Jobs per group: two AVX2 registers, four SSE2 ones or one AVX-512
/// register. Eight AVX2 lanes took 29.3 ns per job-update where twelve
/// took 34.1 and sixteen 31.1 (`examples/lanes_bench lanes 400`, ten
/// interleaved runs, `docs/performance.md`); with SSE2 too, sixteen were
/// slower than eight (13.1 against 9.97 ms, `cargo bench --bench core --
/// lanes/`).
pub const LANES: usize = 8;

/// What the jobs of a group share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind {
    /// A built-in rule: a config's own rules train one job at a time.
    pub rule: Rule,
    /// f.
    pub activation: Activation,
    /// B.
    pub batch_size: usize,
}

impl Kind {
    /// The kind of `job`, if it can train in a group: a built-in rule
    /// whose ΔW has W's shape for `dims`.
    pub fn of(job: &Job, dims: Dims) -> Option<Kind> {
        let none = Definitions::default();
        (job.rule.is_built_in() && job.rule.check(&none, dims, job.batch_size).is_ok()).then_some(
            Kind {
                rule: job.rule,
                activation: job.activation,
                batch_size: job.batch_size,
            },
        )
    }
}

/// Trains `jobs`, all of kind `kind` (see [`Kind::of`]), up to [`LANES`]
/// at a time, with the widest form the CPU has (see [`Isa::best`]). Each job goes
/// to `done` when it ends, with the tag it came with, its epochs'
/// measurements and its weights. A job starts only when `jobs` yields it, so an
/// iterator that stops yielding stops the group once the jobs under way
/// have ended.
pub fn train_group<T>(
    kind: Kind,
    jobs: impl Iterator<Item = (T, Job)>,
    schedule: &Schedule,
    data: &Splits,
    done: impl FnMut(T, Vec<EpochRecord>, Trained),
) {
    train_group_on::<T, LANES>(Isa::best(), kind, jobs, schedule, data, done)
}

/// The vector instructions a group's loop is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// What every CPU of the target has (SSE2 on x86-64).
    Baseline,
    /// AVX2: four numbers a register.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX2, and AVX-512 for the evaluation's outputs of the sigmoids.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Isa {
    /// The forms this CPU can run, narrowest first.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    pub fn available() -> Vec<Isa> {
        let mut forms = vec![Isa::Baseline];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            forms.push(Isa::Avx2);
            if std::arch::is_x86_feature_detected!("avx512f") {
                forms.push(Isa::Avx512);
            }
        }
        forms
    }

    /// Whether a group of `L` lanes in this form evaluates `f` with
    /// AVX-512 ([`zmm`]).
    fn evaluates_in_zmm<const L: usize>(self, f: Activation) -> bool {
        let zmm = match self {
            Isa::Baseline => false,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => false,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => true,
        };
        zmm && L.is_multiple_of(8) && f.sigmoid_scale().is_some()
    }

    /// The form a run uses: the widest this CPU has.
    pub fn best() -> Isa {
        *Isa::available()
            .last()
            .expect("the baseline is always there")
    }
}

/// [`train_group`] with `L` lanes, compiled for `isa`, which the CPU must
/// have (see [`Isa::available`]).
pub fn train_group_on<T, const L: usize>(
    isa: Isa,
    kind: Kind,
    jobs: impl Iterator<Item = (T, Job)>,
    schedule: &Schedule,
    data: &Splits,
    done: impl FnMut(T, Vec<EpochRecord>, Trained),
) {
    let run = Group::<T, L>::run;
    match isa {
        Isa::Baseline => run(isa, kind, jobs, schedule, data, done),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 | Isa::Avx512 => {
            assert!(Isa::available().contains(&isa), "{isa:?} on this CPU");
            // SAFETY: the CPU has `isa`, AVX2 and for Avx512 AVX-512F too,
            // as just checked.
            unsafe { x86::avx2::<T, L>(isa, kind, jobs, schedule, data, done) }
        }
    }
}

/// The group's loop compiled for wider registers than x86-64's baseline:
/// the same source, so the same operations in the same order.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;

    /// [`Group::run`] with AVX2.
    ///
    /// # Safety
    /// The CPU must have `isa`, one of the forms with AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn avx2<T, const L: usize>(
        isa: Isa,
        kind: Kind,
        jobs: impl Iterator<Item = (T, Job)>,
        schedule: &Schedule,
        data: &Splits,
        done: impl FnMut(T, Vec<EpochRecord>, Trained),
    ) {
        Group::<T, L>::run(isa, kind, jobs, schedule, data, done)
    }
}

/// `L` numbers, one per lane.
type V<const L: usize> = [f64; L];

/// The job in a lane, with what it owns.
struct Occupant<T> {
    tag: T,
    sampler: Sampler,
    epoch: u32,
    records: Vec<EpochRecord>,
    initial_weights: Array2<f64>,
}

/// Up to `L` jobs of one kind and their numbers, lane by lane.
struct Group<T, const L: usize> {
    /// Whether the evaluation's outputs go through [`zmm`] (AVX-512).
    zmm: bool,
    kind: Kind,
    dims: Dims,
    lanes: [Option<Occupant<T>>; L],
    /// W, row-major (n+1)×m.
    w: Vec<V<L>>,
    /// η/B of each lane; 0 in an empty lane.
    step: V<L>,
    /// x̃ of the sample each lane is at.
    x: Vec<V<L>>,
    net: Vec<V<L>>,
    z: Vec<V<L>>,
    delta: Vec<V<L>>,
    /// Σ over the batch of a ⊗ δ, row-major like W.
    outer_sum: Vec<V<L>>,
    /// net and z of a block of samples under evaluation.
    block_net: Vec<V<L>>,
    block_z: Vec<V<L>>,
    /// The samples of the next updates, those of an update's lanes side by
    /// side: row k of update u at `u·B + k` (see [`Self::draw`]).
    samples: Vec<[usize; L]>,
}

impl<T, const L: usize> Group<T, L> {
    /// Trains `jobs` (see [`train_group`]) in form `isa`, which the CPU has.
    #[inline(always)]
    fn run(
        isa: Isa,
        kind: Kind,
        jobs: impl Iterator<Item = (T, Job)>,
        schedule: &Schedule,
        data: &Splits,
        done: impl FnMut(T, Vec<EpochRecord>, Trained),
    ) {
        // The activation a constant from here on: its e^x and f′ inline,
        // with no match at each number.
        kind.activation.constant(
            #[inline(always)]
            |f| Self::run_with(isa, f, kind, jobs, schedule, data, done),
        )
    }

    #[inline(always)]
    fn run_with(
        isa: Isa,
        f: Activation,
        kind: Kind,
        mut jobs: impl Iterator<Item = (T, Job)>,
        schedule: &Schedule,
        data: &Splits,
        mut done: impl FnMut(T, Vec<EpochRecord>, Trained),
    ) {
        let dims = data.dims();
        // The training set's rows, looked up once rather than at each update.
        let train = data.train.rows();
        let (n1, m) = dims.weights();
        let mut group = Group::<T, L> {
            zmm: isa.evaluates_in_zmm::<L>(f),
            kind,
            dims,
            lanes: array::from_fn(|_| None),
            w: vec![[0.0; L]; n1 * m],
            step: [0.0; L],
            x: vec![[0.0; L]; n1],
            net: vec![[0.0; L]; m],
            z: vec![[0.0; L]; m],
            delta: vec![[0.0; L]; m],
            outer_sum: vec![[0.0; L]; n1 * m],
            block_net: vec![[0.0; L]; BLOCK * m],
            block_z: vec![[0.0; L]; BLOCK * m],
            samples: vec![[0; L]; updates_drawn(kind.batch_size) * kind.batch_size],
        };
        loop {
            // An epoch's end: the lanes' jobs are measured, those that end
            // leave, and new ones start in their lanes, to be measured at
            // their epoch 0 (where they may end too).
            let mut due: [bool; L] = array::from_fn(|l| group.lanes[l].is_some());
            loop {
                if due.contains(&true) {
                    let records = group.measure(f, data);
                    for l in (0..L).filter(|&l| due[l]) {
                        let lane = group.lanes[l].as_mut().expect("a due lane is occupied");
                        lane.records.push(records[l]);
                        let finite = group.w.iter().all(|w_ij| w_ij[l].is_finite());
                        let outcome = (schedule.ends(&records[l], finite))
                            .or((lane.epoch == schedule.epochs).then_some(Outcome::Completed));
                        if let Some(outcome) = outcome {
                            group.leave(l, outcome, &mut done);
                        }
                    }
                }
                due = [false; L];
                for (l, due) in due.iter_mut().enumerate() {
                    if group.lanes[l].is_none()
                        && let Some((tag, job)) = jobs.next()
                    {
                        group.enter(l, tag, job, data, schedule.epochs);
                        *due = true;
                    }
                }
                if !due.contains(&true) {
                    break;
                }
            }
            if group.lanes.iter().all(Option::is_none) {
                return;
            }
            group.idle();
            for lane in group.lanes.iter_mut().flatten() {
                lane.sampler.start_epoch(schedule.updates_per_epoch);
                lane.epoch += 1;
            }
            let mut left = schedule.updates_per_epoch;
            while left > 0 {
                let updates = group.draw(left);
                for u in 0..updates {
                    group.update(f, train, u);
                }
                left -= updates;
            }
        }
    }

    /// Puts `job` in lane `l`, at its initial weights.
    fn enter(&mut self, l: usize, tag: T, job: Job, data: &Splits, epochs: u32) {
        debug_assert_eq!(Kind::of(&job, self.dims), Some(self.kind));
        let w0 = initial_weights(job.seed, job.init_range, self.dims);
        for (w_ij, &w0_ij) in self.w.iter_mut().zip(w0.iter()) {
            w_ij[l] = w0_ij;
        }
        self.step[l] = job.learning_rate / job.batch_size as f64;
        self.lanes[l] = Some(Occupant {
            tag,
            sampler: train::sampler(&job, data.train.len()),
            epoch: 0,
            records: Vec::with_capacity(epochs as usize + 1),
            initial_weights: w0,
        });
    }

    /// Ends the job in lane `l`.
    fn leave(
        &mut self,
        l: usize,
        outcome: Outcome,
        done: &mut impl FnMut(T, Vec<EpochRecord>, Trained),
    ) {
        let lane = self.lanes[l].take().expect("an occupied lane");
        let (n1, m) = self.dims.weights();
        let final_weights = Array2::from_shape_fn((n1, m), |(i, j)| self.w[i * m + j][l]);
        self.step[l] = 0.0;
        done(
            lane.tag,
            lane.records,
            Trained {
                outcome,
                initial_weights: lane.initial_weights,
                final_weights,
            },
        );
    }

    /// Gives each empty lane a frozen copy of an occupied lane's weights:
    /// finite numbers that keep its e^x on the fast path.
    fn idle(&mut self) {
        let Some(busy) = self.lanes.iter().position(Option::is_some) else {
            return;
        };
        for l in 0..L {
            if self.lanes[l].is_none() {
                for w_ij in &mut self.w {
                    w_ij[l] = w_ij[busy];
                }
            }
        }
    }

    /// Draws each lane's samples for its next updates, at most `left` of
    /// them (see [`updates_drawn`]), into [`Self::samples`]; returns how
    /// many updates.
    fn draw(&mut self, left: usize) -> usize {
        let b = self.kind.batch_size;
        let updates = left.min(updates_drawn(b));
        let samples = &mut self.samples[..updates * b];
        for (l, lane) in self.lanes.iter_mut().enumerate() {
            let lane_samples = samples.iter_mut().map(|sample| &mut sample[l]);
            match lane {
                Some(lane) => lane.sampler.next_batches(lane_samples),
                None => lane_samples.for_each(|sample| *sample = 0),
            }
        }
        updates
    }

    /// One update of every lane, W ← W + ΔW, each from its own batch of the
    /// training set's rows (`xs` of x̃, `ts` of t, row-major), the batches
    /// of update `u` of the last [`Self::draw`]: the lane form of the
    /// built-in rules' update (see [`super::rule`]).
    #[inline(always)]
    fn update(&mut self, f: Activation, (xs, ts): (&[f64], &[f64]), u: usize) {
        let Group {
            kind,
            dims,
            w,
            step,
            x,
            net,
            z,
            delta,
            outer_sum,
            samples,
            ..
        } = self;
        let (n1, m) = dims.weights();
        let samples = &samples[u * kind.batch_size..][..kind.batch_size];
        let (x, step) = (&mut x[..n1], *step);
        for (k, sample) in samples.iter().enumerate() {
            // Each lane's sample: its x̃ gathered once into lanes, its t row
            // kept for δ.
            let (mut rows, mut targets): ([&[f64]; L], [&[f64]; L]) = ([&[]; L], [&[]; L]);
            for ((row, target), &s) in rows.iter_mut().zip(&mut targets).zip(sample) {
                *row = &xs[s * n1..][..n1];
                *target = &ts[s * m..][..m];
            }
            for (i, x_i) in x.iter_mut().enumerate() {
                *x_i = each(|l| rows[l][i]);
            }
            // z = f(x̃ W)
            net_input(w, x.iter().copied(), net);
            for (z_j, net_j) in z.iter_mut().zip(net.iter()) {
                *z_j = f.lanes(*net_j);
            }
            // δ = (t − z) ⊙ f′(net)
            for (j, delta_j) in delta[..m].iter_mut().enumerate() {
                let (t_j, z_j, net_j): (V<L>, _, _) = (each(|l| targets[l][j]), z[j], net[j]);
                *delta_j = each(|l| {
                    let e_j = t_j[l] - z_j[l];
                    e_j * f.derivative(net_j[l], z_j[l])
                });
            }
            // Σ over the batch of a ⊗ δ, and with the batch's last sample
            // W ← W + η/B · Σ a ⊗ δ: W changes only once every sample's
            // forward pass has seen the old W.
            let a: &[V<L>] = match kind.rule {
                Rule::Kronecker => z,
                _ => x,
            };
            let last = k + 1 == kind.batch_size;
            let rows = outer_sum.chunks_exact_mut(m).zip(w.chunks_exact_mut(m));
            for ((sum_i, w_i), a_i) in rows.zip(a) {
                for ((sum_ij, w_ij), delta_j) in sum_i.iter_mut().zip(w_i).zip(delta.iter()) {
                    let a_i_delta_j: V<L> = each(|l| a_i[l] * delta_j[l]);
                    let sum = match k {
                        0 => a_i_delta_j,
                        _ => each(|l| sum_ij[l] + a_i_delta_j[l]),
                    };
                    if last {
                        *w_ij = each(|l| w_ij[l] + step[l] * sum[l]);
                    } else {
                        *sum_ij = sum;
                    }
                }
            }
        }
    }

    /// Every lane's measurements after its epoch: the lane form of
    /// [`super::metrics::evaluate`], on each set.
    #[inline(always)]
    fn measure(&mut self, f: Activation, data: &Splits) -> [EpochRecord; L] {
        let train = self.evaluate(f, &data.train);
        let validation = self.evaluate(f, &data.validation);
        let test = self.evaluate(f, &data.test);
        array::from_fn(|l| EpochRecord {
            epoch: self.lanes[l].as_ref().map_or(0, |lane| lane.epoch),
            train: train.expect("the data loader refuses an empty training set")[l],
            validation: validation.map(|v| v[l]),
            test: test.map(|v| v[l]),
        })
    }

    /// Loss and error rate of each lane's W on `set`; `None` for an empty set.
    #[inline(always)]
    fn evaluate(&mut self, f: Activation, set: &Set) -> Option<[Metrics; L]> {
        let n_samples = set.len();
        if n_samples == 0 {
            return None;
        }
        let (n1, m) = self.dims.weights();
        let mut squared_error = [0.0; L];
        // Whole numbers of samples, exact in f64.
        let mut wrong = [0.0; L];
        let (x_rows, t_rows) = set.rows();
        // A block of samples at a time, as the evaluation of one job does:
        // the nets of the block, then their outputs in one run of e^x.
        for (xs, ts) in x_rows.chunks(BLOCK * n1).zip(t_rows.chunks(BLOCK * m)) {
            let (net, z) = (
                &mut self.block_net[..ts.len()],
                &mut self.block_z[..ts.len()],
            );
            if self.zmm {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `zmm` is set only where the CPU has AVX-512F.
                unsafe {
                    zmm::outputs(f, &self.w, n1, xs, net, z);
                    zmm::score(z, ts, m, &mut squared_error, &mut wrong);
                }
                continue;
            }
            for (x_s, net_s) in xs.chunks_exact(n1).zip(net.chunks_exact_mut(m)) {
                net_input(&self.w, x_s.iter().map(|&x_i| [x_i; L]), net_s);
            }
            for (z, net) in z.iter_mut().zip(net.iter()) {
                *z = f.lanes(*net);
            }
            for (z_s, t_s) in z.chunks_exact(m).zip(ts.chunks_exact(m)) {
                for (z_j, &t_sj) in z_s.iter().zip(t_s) {
                    for l in 0..L {
                        let e_j = t_sj - z_j[l];
                        squared_error[l] += e_j * e_j;
                    }
                }
                let is_wrong = misclassified(z_s, t_s);
                wrong = each(|l| wrong[l] + is_wrong[l]);
            }
        }
        Some(array::from_fn(|l| Metrics {
            loss: squared_error[l] / (n_samples * m) as f64,
            error_rate: wrong[l] / n_samples as f64,
        }))
    }
}

/// Samples a lane draws at a time, before the updates that use them. Asked
/// of each lane's sampler at every update instead, the samples kept eight
/// samplers' places in memory, each read back after the last update wrote
/// it, and a group took 30.6 ns per job-update where drawing ahead takes
/// 24.8 (`examples/lanes_bench lanes 2000`, interleaved runs). 128 holds an
/// epoch of iris's 75 updates in one draw; 64, which splits it, was 1%
/// slower.
const DRAWN: usize = 128;

/// How many updates' samples a group draws at a time, for batches of
/// `batch_size`: [`DRAWN`] samples a lane, or one batch when a batch is larger.
fn updates_drawn(batch_size: usize) -> usize {
    (DRAWN / batch_size).max(1)
}

/// `[f(0), …, f(L − 1)]`, always inlined: `array::from_fn` was left out of
/// line in the group's loop, and a lane loop out of line is not vectorised.
#[inline(always)]
fn each<const L: usize>(f: impl Fn(usize) -> f64) -> V<L> {
    let mut v = [0.0; L];
    for (l, v_l) in v.iter_mut().enumerate() {
        *v_l = f(l);
    }
    v
}

/// net = x̃ W in every lane, for each lane's own x̃ or for one sample every
/// lane sees (`x` then yields each x_i in every lane): net_j = Σ_i x_i w_ij,
/// added up in the order of i, as [`super::layer::net_input`] does, each
/// sum held in registers.
#[inline(always)]
fn net_input<const L: usize>(w: &[V<L>], x: impl Iterator<Item = V<L>> + Clone, net: &mut [V<L>]) {
    let m = net.len();
    for (j, net_j) in net.iter_mut().enumerate() {
        let mut sum = [0.0; L];
        for (x_i, w_i) in x.clone().zip(w.chunks_exact(m)) {
            sum = each(|l| sum[l] + x_i[l] * w_i[j][l]);
        }
        *net_j = sum;
    }
}

/// 1 in each lane whose output z names another class than target t, 0
/// elsewhere, as [`super::metrics::misclassified`] decides it: numbers,
/// so that the choice and the count stay whole-lane values.
#[inline(always)]
fn misclassified<const L: usize>(z: &[V<L>], t: &[f64]) -> V<L> {
    if z.len() == 1 {
        let target = t[0] >= 0.5;
        return each(|l| f64::from((z[0][l] >= 0.5) != target));
    }
    let target = super::metrics::arg_max(t) as f64;
    // The first index wins a tie, and NaN never wins.
    let (mut best, mut best_z) = ([0.0; L], z[0]);
    for (j, z_j) in z.iter().enumerate().skip(1) {
        let better = |l: usize| z_j[l] > best_z[l];
        best = each(|l| if better(l) { j as f64 } else { best[l] });
        best_z = each(|l| if better(l) { z_j[l] } else { best_z[l] });
    }
    each(|l| f64::from(best[l] != target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::sampling::Sampling;
    use crate::nn::train::train;

    /// `rows` samples of n inputs (and the bias) and m one-hot targets, in
    /// three sets of a half, a quarter and a quarter.
    fn splits(rows: usize, n: usize, m: usize) -> Splits {
        let x = Array2::from_shape_fn((rows, n + 1), |(s, i)| match i == n {
            true => 1.0,
            false => {
                let noise = ((s * 7 + i * 13) % 17) as f64 / 17.0 - 0.5;
                if i % m == s % m {
                    1.5 + noise
                } else {
                    noise - 0.5
                }
            }
        });
        let t = Array2::from_shape_fn((rows, m), |(s, j)| (s % m == j) as u8 as f64);
        let set = |from: usize, to: usize| Set::select(&x, &t, &(from..to).collect::<Vec<_>>());
        Splits {
            train: set(0, rows / 2),
            validation: set(rows / 2, rows * 3 / 4),
            test: set(rows * 3 / 4, rows),
        }
    }

    /// Everything a job's results hold, as bits.
    #[derive(Debug, PartialEq)]
    struct Results {
        records: Vec<Vec<u64>>,
        outcome: String,
        initial: Vec<u64>,
        last: Vec<u64>,
    }

    fn bits(w: &Array2<f64>) -> Vec<u64> {
        w.iter().map(|x| x.to_bits()).collect()
    }

    fn record_bits(r: &EpochRecord) -> Vec<u64> {
        let mut b = vec![u64::from(r.epoch)];
        b.extend(r.measurements().map(|m| m.map_or(u64::MAX, f64::to_bits)));
        b
    }

    fn alone(job: &Job, schedule: &Schedule, data: &Splits) -> Results {
        let mut records = Vec::new();
        let trained = train(job, schedule, data, &Definitions::default(), |r| {
            records.push(record_bits(r))
        });
        Results {
            records,
            outcome: format!("{:?}", trained.outcome),
            initial: bits(&trained.initial_weights),
            last: bits(&trained.final_weights),
        }
    }

    fn grouped<const L: usize>(
        isa: Isa,
        kind: Kind,
        jobs: &[Job],
        schedule: &Schedule,
        data: &Splits,
    ) -> Vec<Results> {
        let mut results: Vec<Option<Results>> = jobs.iter().map(|_| None).collect();
        train_group_on::<usize, L>(
            isa,
            kind,
            jobs.iter().copied().enumerate(),
            schedule,
            data,
            |k, records, trained| {
                assert!(results[k].is_none(), "job {k} ended twice");
                results[k] = Some(Results {
                    records: records.iter().map(record_bits).collect(),
                    outcome: format!("{:?}", trained.outcome),
                    initial: bits(&trained.initial_weights),
                    last: bits(&trained.final_weights),
                });
            },
        );
        let ended = results.into_iter().enumerate();
        ended
            .map(|(k, r)| r.unwrap_or_else(|| panic!("job {k} never ended")))
            .collect()
    }

    /// Jobs of `kind` that end in every way: learning rates that train,
    /// stall and diverge, every sampling, several seeds and ranges.
    fn mixed(kind: Kind, count: usize) -> Vec<Job> {
        let rates = [0.05, 0.5, 3.0, 1e3, 0.0, 1.7];
        (0..count)
            .map(|k| Job {
                rule: kind.rule,
                activation: kind.activation,
                learning_rate: rates[k % rates.len()],
                seed: 1 + (k as u64 * 7919) % 31,
                batch_size: kind.batch_size,
                sampling: Sampling::ALL[k % Sampling::ALL.len()],
                init_range: [0.5, 0.1, 2.0][k % 3],
            })
            .collect()
    }

    fn compare<const L: usize>(isa: Isa, data: &Splits, schedule: &Schedule) -> [usize; 4] {
        // Jobs that completed, stopped, diverged; kinds compared.
        let mut seen = [0; 4];
        for rule in Rule::ALL {
            for activation in Activation::ALL {
                for batch_size in [1, 3] {
                    let probe = Kind {
                        rule,
                        activation,
                        batch_size,
                    };
                    let Some(kind) = Kind::of(&mixed(probe, 1)[0], data.dims()) else {
                        continue;
                    };
                    let jobs = mixed(kind, 2 * L + 3);
                    let lanes = grouped::<L>(isa, kind, &jobs, schedule, data);
                    for (job, in_group) in jobs.iter().zip(&lanes) {
                        let one = alone(job, schedule, data);
                        assert_eq!(in_group, &one, "{isa:?} L={L} {kind:?} {job:?}");
                        let status = ["Completed", "Stopped", "Diverged"]
                            .iter()
                            .position(|s| one.outcome.starts_with(s))
                            .expect("no shape errors in a group");
                        seen[status] += 1;
                    }
                    seen[3] += 1;
                }
            }
        }
        seen
    }

    #[test]
    fn a_job_in_a_group_is_the_job_alone_bit_for_bit() {
        // n = 2 inputs and m = 3 outputs: the printed Kronecker rule fits.
        let data = splits(40, 2, 3);
        let schedule = Schedule {
            epochs: 12,
            updates_per_epoch: 9,
            validation_loss_below: Some(0.15),
        };
        for isa in Isa::available() {
            let seen = compare::<8>(isa, &data, &schedule);
            // matmul at B = 1 and 3, the Kronecker forms at B = 1.
            assert_eq!(seen[3], 7 * 4, "{isa:?}: kinds");
            for (k, what) in ["completed", "stopped", "diverged"].iter().enumerate() {
                assert!(
                    seen[k] >= 20,
                    "{isa:?}: only {} jobs {what}: {seen:?}",
                    seen[k]
                );
            }
        }
        let seen = compare::<1>(Isa::Baseline, &data, &schedule);
        assert_eq!(seen[3], 28);
    }

    #[test]
    fn every_width_gives_the_same_bits() {
        // Three outputs, one, and five (more than the loops unrolled for up
        // to four take); widths that split a register and that fill several.
        let schedule = Schedule {
            epochs: 6,
            updates_per_epoch: 5,
            validation_loss_below: None,
        };
        for (n, m) in [(4, 3), (3, 1), (2, 5)] {
            let data = splits(30, n, m);
            let isa = Isa::best();
            compare::<2>(isa, &data, &schedule);
            compare::<3>(isa, &data, &schedule);
            compare::<4>(Isa::Baseline, &data, &schedule);
            compare::<16>(isa, &data, &schedule);
        }
    }

    #[test]
    fn epochs_longer_than_a_draw_give_the_same_bits() {
        // More updates an epoch than a group draws samples for at a time,
        // at B = 1 and 3: an epoch's draws come in several runs.
        let data = splits(40, 2, 3);
        let schedule = Schedule {
            epochs: 3,
            updates_per_epoch: DRAWN + 5,
            validation_loss_below: None,
        };
        for b in [1, 3] {
            assert!(updates_drawn(b) < schedule.updates_per_epoch);
        }
        let seen = compare::<8>(Isa::best(), &data, &schedule);
        assert_eq!(seen[3], 28);
    }

    #[test]
    fn a_group_starts_only_the_jobs_it_is_given() {
        // An iterator that stops after five jobs: five end, none is lost.
        let data = splits(20, 2, 3);
        let kind = Kind {
            rule: Rule::Matmul,
            activation: Activation::Tanh,
            batch_size: 1,
        };
        let schedule = Schedule {
            epochs: 3,
            updates_per_epoch: 4,
            validation_loss_below: None,
        };
        let jobs = mixed(kind, 12);
        let mut ended = Vec::new();
        train_group(
            kind,
            jobs.iter().copied().enumerate().take(5),
            &schedule,
            &data,
            |k, _, _| ended.push(k),
        );
        ended.sort();
        assert_eq!(ended, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn only_built_in_rules_that_fit_make_a_kind() {
        let dims = Dims {
            inputs_with_bias: 5,
            outputs: 3,
        };
        let job = |rule, batch_size| Job {
            rule,
            batch_size,
            ..mixed(
                Kind {
                    rule: Rule::Matmul,
                    activation: Activation::Sigmoid,
                    batch_size: 1,
                },
                1,
            )[0]
        };
        assert!(Kind::of(&job(Rule::Matmul, 4), dims).is_some());
        assert!(Kind::of(&job(Rule::KroneckerInput, 1), dims).is_some());
        assert!(Kind::of(&job(Rule::KroneckerInput, 2), dims).is_none());
        assert!(Kind::of(&job(Rule::Kronecker, 1), dims).is_none());
        let own = Rule::Defined(crate::nn::RuleName::new("mine").unwrap());
        assert!(Kind::of(&job(own, 1), dims).is_none());
    }
}
