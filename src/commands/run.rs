//! `sweep [CONFIG]`: run the sweep (or a shard of it), resume it, or plan it.

use super::{elsewhere_note, gradcheck, load, rebuild};
use crate::cli::RunArgs;
use crate::grid::Shard;
use crate::interrupt::{self, Interrupt};
use crate::output::verdict::Step;
use crate::output::{dry_run, print, progress::Progress};
use crate::printable;
use crate::runner::{self, Sweep};
use crate::store::Store;
use crate::store::writer::Writer;
use anyhow::Context;
use std::process::ExitCode;
use std::time::Instant;

/// Runs the jobs of the config that are not finished yet, rebuilds the
/// exports, and prints the table. A shard writes its own database only;
/// `sweep collect` merges the shards and writes the exports. The exit
/// status is decided at the end: 130 when interrupted, 1 when a job or a
/// file failed, else 0.
pub fn execute(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let interrupt = Interrupt::install().context("cannot catch Ctrl-C")?;
    let threads = args.threads.map(|n| n.get());
    let shard = match args.shard {
        Some(shard) => shard.resolve(|name| std::env::var(name).ok())?,
        None => Shard::ALL,
    };
    let sweep = Sweep::new(
        load(args.config.as_deref())?,
        args.out.as_deref(),
        args.filter.clone(),
        shard,
    )?;
    if args.dry_run {
        // The checks of the run's start, made without writing: a folder
        // the run would refuse is refused here too, after the plan.
        let checked =
            Store::preflight(&sweep.dir, &sweep.db_name(), &sweep.recording(), args.force);
        let finished = checked.as_ref().cloned().unwrap_or_default();
        let mut census = sweep.census(&finished);
        census.refused = checked.is_err();
        print(&dry_run::render(&census))?;
        checked.context("the run would be refused")?;
        return Ok(ExitCode::SUCCESS);
    }

    let pool = runner::thread_pool(threads)?;
    let store = Store::open_for_run(&sweep.dir, &sweep.db_name(), sweep.recording(), args.force)?;
    let finished = store.finished()?;
    let pending = sweep.pending(&finished);
    let progress = Progress::new(pending, args.quiet);
    let root = sweep.dir.root().display();
    match pending {
        0 => progress.say(&format!(
            "sweep: all {} already finished → {root}",
            printable::count(sweep.selected_jobs(), "job")
        )),
        n => progress.say(&format!(
            "sweep: {} to run → {root}",
            printable::count(n, "job")
        )),
    }
    match store.elsewhere()? {
        0 => {}
        jobs => progress.say(&elsewhere_note(&sweep.dir, jobs)),
    }
    let writer = Writer::start(store);
    let sender = writer.sender();
    let report = pool.install(|| runner::run(&sweep, &finished, &sender, &progress, &interrupt));
    drop(sender);
    let written = writer.finish();
    progress.finish(report.ran);
    let store = written.store;
    let mut failed = report.failed;
    for (id, why) in &written.failed {
        progress.error(&format!("sweep: job {id} failed: {why}"));
    }
    failed.extend(written.failed);

    let mut write_errors = Vec::new();
    // Each rule's gradcheck verdict, for the verdict now and for `sweep
    // report` and `sweep collect` later, which have no data to check with.
    let (checks, _, _) =
        gradcheck::checks(&sweep.config.grid, &sweep.definitions, &sweep.data.splits);
    let steps = Step::all(&sweep.config.grid.rule.0, &checks);
    if let Err(e) = store.set_meta("steps", &Step::record(&steps)) {
        write_errors.push(format!("{e:#}"));
    }
    if shard != Shard::ALL {
        progress.say(&format!(
            "sweep: shard {}/{} done; `{}` merges the shards and writes the exports",
            shard.index,
            shard.count,
            printable::command(&["sweep", "collect", &sweep.dir.root().display().to_string()])
        ));
    } else {
        let exporting = Instant::now();
        let mut command = vec![program()];
        command.extend(args.config.iter().map(|path| path.display().to_string()));
        let fresh = sweep.config.output.dir.join("reproduced");
        command.extend(["-o".into(), fresh.display().to_string()]);
        let rebuilt = rebuild(
            &sweep.dir,
            &store,
            &sweep.plan,
            &failed,
            args.no_plot,
            command,
            &pool,
        );
        if let Err(e) = print(&rebuilt.render(&steps)) {
            write_errors.push(format!("cannot print the table: {e}"));
        }
        match &rebuilt.counts {
            Ok(_) => progress.say(&format!(
                "sweep: exports written in {:.2} s",
                exporting.elapsed().as_secs_f64()
            )),
            Err(e) => write_errors.push(format!("cannot write the exports: {e:#}")),
        }
        if report.interrupted {
            let finished = rebuilt.counts.map_or_else(
                |_| "some jobs".to_string(),
                |c| {
                    format!(
                        "{} of {}",
                        c.finished,
                        printable::count(c.finished + c.missing, "job")
                    )
                },
            );
            eprintln!(
                "sweep: interrupted with {finished} finished; run the same command again to resume"
            );
        }
    }
    if let Err(e) = store.release() {
        write_errors.push(format!("{e:#}"));
    }
    for e in &write_errors {
        eprintln!("sweep: error: {e}");
    }
    if report.interrupted {
        if shard != Shard::ALL {
            eprintln!("sweep: interrupted; run the same command again to resume this shard");
        }
        return Ok(ExitCode::from(interrupt::EXIT_STATUS));
    }
    if !failed.is_empty() || !write_errors.is_empty() {
        eprintln!(
            "sweep: {} failed; run the same command again to retry them",
            printable::count(failed.len() as u64, "job")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// This program as it was invoked, to be pasted back: `sweep` from the
/// PATH, or its path (relative to here when it is below here, as with
/// `cargo run`'s `./target/release/sweep`).
fn program() -> String {
    let argv0 = std::env::args_os().next().unwrap_or_else(|| "sweep".into());
    let path = std::path::PathBuf::from(argv0);
    let here = std::env::current_dir().ok();
    match here.and_then(|h| path.strip_prefix(&h).ok().map(|p| p.to_path_buf())) {
        Some(relative) => format!("./{}", relative.display()),
        None => path.display().to_string(),
    }
}
