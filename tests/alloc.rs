//! The training loop allocates nothing: after a job's buffers are set up,
//! its updates and evaluations are arithmetic only. Counted with a global
//! allocator; the only test in this binary, so no other test allocates
//! at the same time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use sweep::config::DataConfig;
use sweep::data;
use sweep::grid::JobParams;
use sweep::nn::train::{Schedule, train};
use sweep::nn::{Activation, Rule, Sampling};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_jobs_allocations_do_not_grow_with_its_epochs() {
    let data = data::load(&DataConfig::default(), 1.0, Path::new(".")).unwrap();
    let allocations = |params: &JobParams, epochs: u32| {
        let schedule = Schedule {
            epochs,
            updates_per_epoch: 75,
            validation_loss_below: None,
        };
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        black_box(train(params, &schedule, &data, |r| {
            black_box(r);
        }));
        ALLOCATIONS.load(Ordering::Relaxed) - before
    };
    for sampling in Sampling::ALL {
        for batch_size in [1, 4] {
            for activation in [Activation::Sigmoid, Activation::Softplus] {
                let params = JobParams {
                    rule: Rule::Matmul,
                    activation,
                    learning_rate: 0.05,
                    seed: 3,
                    batch_size,
                    sampling,
                    init_range: 0.5,
                };
                let short = allocations(&params, 1);
                let long = allocations(&params, 500);
                assert_eq!(short, long, "{params}: 1 epoch {short}, 500 epochs {long}");
                assert!(short < 20, "{params}: {short} allocations to set up");
            }
        }
    }
}
