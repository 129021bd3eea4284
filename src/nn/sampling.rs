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
#[derive(Debug)]
pub struct Sampler {
    sampling: Sampling,
    order: Vec<usize>,
    cursor: usize,
    batch: Vec<usize>,
    rng: ChaCha8Rng,
}

impl Sampler {
    /// A sampler over `n` samples giving batches of `batch_size`, drawing from `rng`.
    pub fn new(sampling: Sampling, n: usize, batch_size: usize, rng: ChaCha8Rng) -> Self {
        Sampler {
            sampling,
            order: (0..n).collect(),
            cursor: 0,
            batch: vec![0; batch_size],
            rng,
        }
    }

    /// Called before an epoch's first batch.
    pub fn start_epoch(&mut self) {
        self.cursor = 0;
        if self.sampling == Sampling::Shuffle {
            self.order.shuffle(&mut self.rng);
        }
    }

    /// The next batch. Shuffle and sequential wrap around (reshuffling) when
    /// an epoch asks for more samples than the training set holds.
    pub fn next_batch(&mut self) -> &[usize] {
        let n = self.order.len();
        for k in 0..self.batch.len() {
            self.batch[k] = match self.sampling {
                Sampling::Random => self.rng.random_range(0..n),
                Sampling::Shuffle | Sampling::Sequential => {
                    if self.cursor == n {
                        self.cursor = 0;
                        if self.sampling == Sampling::Shuffle {
                            self.order.shuffle(&mut self.rng);
                        }
                    }
                    self.cursor += 1;
                    self.order[self.cursor - 1]
                }
            };
        }
        &self.batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn epoch(sampler: &mut Sampler, updates: usize) -> Vec<usize> {
        sampler.start_epoch();
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
