//! The training loop allocates nothing: after a job's buffers are set up,
//! its updates and evaluations are arithmetic only. Counted with a global
//! allocator, per thread, so that the test harness's own threads do not
//! count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;
use sweep::config::DataConfig;
use sweep::data;
use sweep::nn::expr;
use sweep::nn::lanes::{Kind, train_group};
use sweep::nn::train::{Job, Schedule, train};
use sweep::nn::{Activation, Definitions, Rule, RuleName, Sampling};

struct Counting;

thread_local! {
    // A const-initialised Cell needs no allocation to reach.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    // try_with: a thread being torn down has no counter left to add to.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_jobs_allocations_do_not_grow_with_its_epochs() {
    let data = data::load(&DataConfig::default(), 1.0, Path::new("."))
        .unwrap()
        .splits;
    // A rule of one's own, compiled for each job, allocates only then: the
    // same step as matmul, through names and functions of every kind.
    let own = RuleName::new("spelled_out").unwrap();
    let text = "scalar_mul(div(eta, batch_size), matmul(transpose(concat(sample, bias)), \
                hammard(sub(targets, activation(net)), activation_diff(net))))";
    let definitions = Definitions([(own, expr::parse(text).unwrap())].into());
    let allocations = |params: &Job, epochs: u32| {
        let schedule = Schedule {
            epochs,
            updates_per_epoch: 75,
            validation_loss_below: None,
        };
        let before = ALLOCATIONS.with(Cell::get);
        black_box(train(params, &schedule, &data, &definitions, |r| {
            black_box(r);
        }));
        ALLOCATIONS.with(Cell::get) - before
    };
    // The built-in rules' definitions are parsed once per process, by the
    // first job that needs them: not a cost of the jobs measured.
    let warm_up = Job {
        rule: Rule::Matmul,
        activation: Activation::Sigmoid,
        learning_rate: 0.05,
        seed: 3,
        batch_size: 1,
        sampling: Sampling::Random,
        init_range: 0.5,
    };
    allocations(&warm_up, 1);
    for sampling in Sampling::ALL {
        for batch_size in [1, 4] {
            for (activation, rule) in [
                (Activation::Sigmoid, Rule::Matmul),
                (Activation::Softplus, Rule::Matmul),
                (Activation::Sigmoid, Rule::Defined(own)),
                (Activation::Tanh, Rule::Defined(own)),
            ] {
                let params = Job {
                    rule,
                    activation,
                    learning_rate: 0.05,
                    seed: 3,
                    batch_size,
                    sampling,
                    init_range: 0.5,
                };
                let short = allocations(&params, 1);
                let long = allocations(&params, 500);
                assert_eq!(
                    short, long,
                    "{params:?}: 1 epoch {short}, 500 epochs {long}"
                );
                // A compiled rule: its expression, a buffer per part, its list of steps.
                assert!(short < 200, "{params:?}: {short} allocations to set up");
            }
        }
    }
}

#[test]
fn a_lane_groups_allocations_do_not_grow_with_its_epochs() {
    // Per job: its weights, sampler and list of epochs; per group: its
    // lanes' buffers. Nothing per update or per epoch.
    let data = data::load(&DataConfig::default(), 1.0, Path::new("."))
        .unwrap()
        .splits;
    let allocations = |jobs: &[Job], epochs: u32| {
        let schedule = Schedule {
            epochs,
            updates_per_epoch: 75,
            validation_loss_below: None,
        };
        let kind = Kind::of(&jobs[0], data.dims()).unwrap();
        let before = ALLOCATIONS.with(Cell::get);
        train_group(
            kind,
            jobs.iter().copied().enumerate(),
            &schedule,
            &data,
            |k, rows, trained| {
                black_box((k, rows, trained));
            },
        );
        ALLOCATIONS.with(Cell::get) - before
    };
    for sampling in Sampling::ALL {
        for batch_size in [1, 4] {
            // More jobs than lanes, so that lanes are refilled and left empty.
            let jobs: Vec<Job> = (0..11)
                .map(|seed| Job {
                    rule: Rule::Matmul,
                    activation: Activation::Tanh01,
                    learning_rate: 0.05,
                    seed,
                    batch_size,
                    sampling,
                    init_range: 0.5,
                })
                .collect();
            allocations(&jobs, 1);
            let short = allocations(&jobs, 1);
            let long = allocations(&jobs, 500);
            // Each job's list of epochs is made at its final size once.
            assert_eq!(
                short, long,
                "{sampling} B={batch_size}: 1 epoch {short}, 500 epochs {long}"
            );
            assert!(
                short > 0 && short < 200,
                "{sampling} B={batch_size}: {short}"
            );
        }
    }
}
