//! Which training samples each update sees.

use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

named_enum! {
    /// How the samples of an update are chosen.
    pub enum Sampling {
        /// Each sample drawn uniformly with replacement, as the tutorial does.
        Random = "random",
        /// A fresh permutation of the training set each epoch.
        Shuffle = "shuffle",
        /// The training set in its (split) order, from the start each epoch.
        Sequential = "sequential",
    }
}

/// Hands out batches of training-sample indices; allocates only when built.
///
/// It draws a run of batches ahead, within the epoch, in one tight loop:
/// drawn one call at a time, the draws took a sixth of a lane group's time
/// (`perf record` on `examples/lanes_bench.rs`). Its generator draws for
/// nothing else, so the indices are the same either way.
#[derive(Debug)]
pub struct Sampler {
    sampling: Sampling,
    order: Vec<usize>,
    cursor: usize,
    /// Batches drawn ahead, one after another, and how many are handed out.
    ahead: Vec<usize>,
    read: usize,
    batch_size: usize,
    /// Batches of this epoch not drawn yet.
    undrawn: usize,
    rng: ChaCha8Rng,
}

/// About how many indices a sampler draws at a time.
const AHEAD: usize = 256;

/// How many batches of `batch_size` a sampler draws at a time: [`AHEAD`]
/// indices, or one batch when a batch is larger.
fn batches_ahead(batch_size: usize) -> usize {
    AHEAD.div_ceil(batch_size)
}

impl Sampler {
    /// A sampler over `n` samples giving batches of `batch_size`, drawing from `rng`.
    pub fn new(sampling: Sampling, n: usize, batch_size: usize, rng: ChaCha8Rng) -> Self {
        Sampler {
            sampling,
            order: (0..n).collect(),
            cursor: 0,
            ahead: Vec::with_capacity(batches_ahead(batch_size) * batch_size),
            read: 0,
            batch_size,
            undrawn: 0,
            rng,
        }
    }

    /// Called before an epoch of `batches` batches.
    pub fn start_epoch(&mut self, batches: usize) {
        self.cursor = 0;
        if self.sampling == Sampling::Shuffle {
            self.order.shuffle(&mut self.rng);
        }
        self.ahead.clear();
        self.read = 0;
        self.undrawn = batches;
    }

    /// The next batch of the epoch. Shuffle and sequential wrap around
    /// (reshuffling) when an epoch asks for more samples than the training
    /// set holds.
    #[inline]
    pub fn next_batch(&mut self) -> &[usize] {
        if self.read == self.ahead.len() {
            self.draw_ahead();
        }
        self.read += self.batch_size;
        &self.ahead[self.read - self.batch_size..self.read]
    }

    /// The samples of the epoch's next batches, one after another, into
    /// `out`, which holds a whole number of batches: the batches of as many
    /// calls of [`Self::next_batch`], copied in one loop that holds the
    /// sampler's place in a register. A lane group copying them with
    /// `next_batch` one batch at a time wrote the place back and read it
    /// again for each sample, and took 26.8 ns per job-update against 24.8
    /// (`examples/lanes_bench lanes 2000`, interleaved runs).
    pub fn next_batches<'a>(&mut self, mut out: impl ExactSizeIterator<Item = &'a mut usize>) {
        assert!(out.len().is_multiple_of(self.batch_size));
        let mut left = out.len();
        while left > 0 {
            if self.read == self.ahead.len() {
                self.draw_ahead();
            }
            let ready = &self.ahead[self.read..];
            let count = ready.len().min(left);
            for (&s, sample) in ready[..count].iter().zip(&mut out) {
                *sample = s;
            }
            self.read += count;
            left -= count;
        }
    }

    /// Draws the next batches of the epoch, up to [`batches_ahead`].
    #[inline(never)]
    fn draw_ahead(&mut self) {
        assert!(
            self.undrawn > 0,
            "more batches asked for than the epoch has"
        );
        let batches = self.undrawn.min(batches_ahead(self.batch_size));
        self.undrawn -= batches;
        let (n, count) = (self.order.len(), batches * self.batch_size);
        self.ahead.clear();
        self.read = 0;
        match self.sampling {
            // rand draws a usize range that fits in u32 as that u32 range
            // (the same numbers on every platform); drawn as u32 here, the
            // draw is small enough to inline.
            Sampling::Random if u32::try_from(n).is_ok() => {
                let (rng, n) = (&mut self.rng, n as u32);
                let draws = (0..count).map(|_| rng.random_range(0..n));
                self.ahead.extend(draws.map(|s| s as usize));
            }
            Sampling::Random => {
                let rng = &mut self.rng;
                self.ahead
                    .extend((0..count).map(|_| rng.random_range(0..n)));
            }
            Sampling::Shuffle | Sampling::Sequential => {
                for _ in 0..count {
                    if self.cursor == n {
                        self.cursor = 0;
                        if self.sampling == Sampling::Shuffle {
                            self.order.shuffle(&mut self.rng);
                        }
                    }
                    self.ahead.push(self.order[self.cursor]);
                    self.cursor += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn epoch(sampler: &mut Sampler, updates: usize) -> Vec<usize> {
        sampler.start_epoch(updates);
        (0..updates)
            .flat_map(|_| sampler.next_batch().to_vec())
            .collect()
    }

    #[test]
    fn sequential_walks_in_order_each_epoch() {
        let mut s = Sampler::new(Sampling::Sequential, 5, 2, ChaCha8Rng::seed_from_u64(0));
        assert_eq!(epoch(&mut s, 2), vec![0, 1, 2, 3]);
        assert_eq!(epoch(&mut s, 3), vec![0, 1, 2, 3, 4, 0]);
    }

    #[test]
    fn shuffle_is_a_permutation_per_epoch() {
        let mut s = Sampler::new(Sampling::Shuffle, 10, 1, ChaCha8Rng::seed_from_u64(3));
        let first = epoch(&mut s, 10);
        let second = epoch(&mut s, 10);
        for e in [&first, &second] {
            let mut sorted = e.clone();
            sorted.sort();
            assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        }
        assert_ne!(first, second);
    }

    #[test]
    fn drawing_ahead_gives_the_draws_of_one_at_a_time() {
        // Epochs longer than a run drawn ahead, batches that do not divide
        // it, and shuffles that wrap within an epoch.
        for sampling in Sampling::ALL {
            for (b, updates) in [(1, 300), (3, 100), (7, 41), (500, 2)] {
                let n = 37;
                let mut rng = ChaCha8Rng::seed_from_u64(5);
                let mut order: Vec<usize> = (0..n).collect();
                let mut expected = Vec::new();
                for _ in 0..3 {
                    if sampling == Sampling::Shuffle {
                        order.shuffle(&mut rng);
                    }
                    let mut cursor = 0;
                    for _ in 0..b * updates {
                        expected.push(match sampling {
                            Sampling::Random => rng.random_range(0..n),
                            _ => {
                                if cursor == n {
                                    cursor = 0;
                                    if sampling == Sampling::Shuffle {
                                        order.shuffle(&mut rng);
                                    }
                                }
                                cursor += 1;
                                order[cursor - 1]
                            }
                        });
                    }
                }
                let mut s = Sampler::new(sampling, n, b, ChaCha8Rng::seed_from_u64(5));
                let drawn: Vec<usize> = (0..3).flat_map(|_| epoch(&mut s, updates)).collect();
                assert_eq!(drawn, expected, "{sampling:?}, B = {b}");
            }
        }
    }

    #[test]
    fn many_batches_at_once_are_the_batches_one_at_a_time() {
        // Runs of batches that cross the runs drawn ahead and end mid-way
        // through them, over several epochs.
        for sampling in Sampling::ALL {
            for (b, updates, run) in [(1, 300, 7), (3, 100, 33), (7, 41, 41), (500, 2, 1)] {
                let sampler = || Sampler::new(sampling, 37, b, ChaCha8Rng::seed_from_u64(9));
                let (mut one, mut many) = (sampler(), sampler());
                for _ in 0..3 {
                    let expected = epoch(&mut one, updates);
                    many.start_epoch(updates);
                    let mut drawn = vec![usize::MAX; updates * b];
                    for batches in drawn.chunks_mut(run * b) {
                        many.next_batches(batches.iter_mut());
                    }
                    assert_eq!(drawn, expected, "{sampling:?}, B = {b}, runs of {run}");
                }
            }
        }
    }

    #[test]
    fn random_draws_in_range_and_repeats_for_a_seed() {
        let draw = |seed| {
            let mut s = Sampler::new(Sampling::Random, 7, 3, ChaCha8Rng::seed_from_u64(seed));
            epoch(&mut s, 20)
        };
        let a = draw(1);
        assert!(a.iter().all(|&i| i < 7));
        assert_eq!(a, draw(1));
        assert_ne!(a, draw(2));
    }
}
