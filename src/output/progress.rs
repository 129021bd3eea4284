//! Progress on stderr: a live bar on a terminal, plain lines elsewhere
//! (a log file, CI), nothing with `--quiet`.

use crate::printable;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Reports jobs as they finish. Shared by the worker threads.
#[derive(Debug)]
pub struct Progress {
    mode: Mode,
    started: Instant,
}

#[derive(Debug)]
enum Mode {
    Bar(ProgressBar),
    Lines,
    Quiet,
}

impl Progress {
    /// Progress over `total` jobs; a bar only when stderr is a terminal.
    pub fn new(total: u64, quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() && total > 0 {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} jobs · ETA {eta} · {rate}",
                )
                .expect("the template is valid")
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.1} jobs/s", state.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            Mode::Bar(bar)
        } else {
            // Nothing to run draws no empty bar.
            Mode::Lines
        };
        Progress {
            mode,
            started: Instant::now(),
        }
    }

    /// A line for the person running the sweep, above the bar if there is one.
    pub fn say(&self, line: &str) {
        match &self.mode {
            Mode::Bar(bar) => bar.suspend(|| eprintln!("{line}")),
            Mode::Lines => eprintln!("{line}"),
            Mode::Quiet => {}
        }
    }

    /// An error line: shown even with `--quiet`, above the bar if there is one.
    pub fn error(&self, line: &str) {
        match &self.mode {
            Mode::Bar(bar) => bar.suspend(|| eprintln!("{line}")),
            Mode::Lines | Mode::Quiet => eprintln!("{line}"),
        }
    }

    /// One more job finished.
    pub fn job_done(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.inc(1);
        }
    }

    /// Removes the bar and says how long the jobs took.
    pub fn finish(&self, jobs_run: u64) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
        if jobs_run == 0 {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        self.say(&format!(
            "sweep: {} in {secs:.2} s ({:.0} jobs/s)",
            printable::count(jobs_run, "job"),
            jobs_run as f64 / secs.max(1e-9)
        ));
    }
}
