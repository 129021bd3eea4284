//! The command line.

use clap::Parser;
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Runs a grid of seeded single-layer training jobs in parallel and writes
/// every epoch's losses to CSV.
#[derive(Debug, Parser)]
#[command(name = "sweep", version, about, long_about = None)]
pub struct Cli {
    /// The sweep's TOML config; without one, the built-in default grid
    /// (the same as configs/grid.toml) runs
    pub config: Option<PathBuf>,

    /// Worker threads [default: one per core]
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<NonZeroUsize>,

    /// Results go to DIR/<name>/ instead of <output.dir>/<name>/
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the plan (axes, job count, cells that will end in shape_error)
    /// and run nothing
    #[arg(long)]
    pub dry_run: bool,

    /// No progress on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// When the results folder holds results of a different config, delete
    /// them and start afresh (without it, such a run is refused)
    #[arg(long)]
    pub force: bool,
}
