//! The compute of a sweep without its results: every job of a config
//! trained on the same rayon pool through the same runner, each finished
//! job dropped instead of written. `bench/scale.sh` compares a real run
//! with this to measure what the results store costs.
//!
//! `cargo run --release --example compute_only -- CONFIG [-j N]`

use std::time::Instant;
use sweep::commands::load;
use sweep::grid::Shard;
use sweep::interrupt::Interrupt;
use sweep::output::progress::Progress;
use sweep::runner::{self, Sweep};
use sweep::store::read::Finished;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: compute_only CONFIG [-j N]"))?;
    let threads = args
        .iter()
        .position(|a| a == "-j")
        .and_then(|k| args.get(k + 1))
        .map(|n| n.parse())
        .transpose()?;
    let started = Instant::now();
    let sweep = Sweep::new(load(Some(config.as_ref()))?, None, Vec::new(), Shard::ALL)?;
    let (sender, receiver) = std::sync::mpsc::sync_channel(8192);
    let sink = std::thread::spawn(move || receiver.into_iter().count());
    let pool = runner::thread_pool(threads)?;
    let progress = Progress::new(0, true);
    let report = pool.install(|| {
        runner::run(
            &sweep,
            &Finished::default(),
            &sender,
            &progress,
            &Interrupt::default(),
        )
    });
    drop(sender);
    let received = sink.join().expect("the sink does not panic");
    println!(
        "compute only: {} jobs trained, {received} received, in {:.2} s",
        report.ran,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
