//! The command line.

use crate::config::limits::MAX_THREADS_PER_CORE;
use crate::config::{Key, Selector};
use crate::grid::ShardArg;
use crate::nn::Rule;
use crate::output::gradient_table::Format;
use clap::{Args, Parser, Subcommand};
use std::num::NonZeroUsize;
use std::path::PathBuf;

/// Runs a grid of seeded single-layer training jobs in parallel and writes
/// every epoch's losses to CSV.
#[derive(Debug, Parser)]
#[command(name = "sweep", version, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Something other than running the sweep.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Running the sweep (the default).
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare each rule's step ΔW/η with −∂L/∂W from central differences,
    /// per activation, on real training samples and the seeds' initial weights
    Gradcheck(GradcheckArgs),
    /// Write the aggregate files of a results folder filled by several
    /// shards, once every job is there (says which are missing otherwise)
    Collect(CollectArgs),
    /// Print the table and the verdict of a results folder, finished or
    /// not: each rule against matmul over paired jobs, with statistics
    Report(ReportArgs),
}

/// `sweep report DIR`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results folder: <output.dir>/<name>
    pub dir: PathBuf,

    /// A verdict per value of KEY (repeat for several keys), e.g.
    /// --by learning_rate
    #[arg(long, value_name = "KEY")]
    pub by: Vec<Key>,

    /// The rule the others are compared with [default: matmul, or the
    /// grid's first rule without it]
    #[arg(long, value_name = "RULE")]
    pub reference: Option<Rule>,

    /// How to print it
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Also write the verdict, with the columns of verdict.csv, to FILE
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,

    /// Also write the workbook (verdict, charts, summary, curves, epochs),
    /// as results.xlsx holds it, to FILE
    #[arg(long, value_name = "FILE", conflicts_with = "all")]
    pub xlsx: Option<PathBuf>,

    /// Include the finished jobs of cells the folder's config no longer
    /// names (a grid that shrank or changed) in the table and the verdict
    #[arg(long)]
    pub all: bool,
}

/// How `sweep report` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// The end table and the verdict, for people
    Table,
    /// The verdict as verdict.csv holds it
    Csv,
    /// The verdict's table in Markdown
    Markdown,
    /// The verdict as JSON
    Json,
}

/// `sweep [CONFIG]`: run the sweep.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The sweep's TOML config; without one, the built-in default grid
    /// (the same as configs/grid.toml) runs
    pub config: Option<PathBuf>,

    /// Worker threads, at most 4 per core [default: one per core]
    #[arg(short = 'j', long, value_name = "N", value_parser = threads)]
    pub threads: Option<NonZeroUsize>,

    /// Results go to DIR/<name>/ instead of <output.dir>/<name>/
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Run only the cells whose KEY is VALUE (or one of VALUE,VALUE,…)
    #[arg(long, value_name = "KEY=VALUE", help = filter_help())]
    pub filter: Vec<Selector>,

    /// Run only shard K of N: the jobs whose position in the plan is K
    /// modulo N (0 ≤ K < N); `slurm` takes K and N from the Slurm array
    /// task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT)
    #[arg(long, value_name = "K/N")]
    pub shard: Option<ShardArg>,

    /// Print the plan (axes, job and update counts, cells that will end in
    /// shape_error, jobs already finished) and run nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not draw loss.svg
    #[arg(long)]
    pub no_plot: bool,

    /// No progress on stderr (errors still show)
    #[arg(short, long)]
    pub quiet: bool,

    /// Delete the results folder's results and start afresh (needed when
    /// they were made from a different config, data or version of sweep)
    #[arg(long)]
    pub force: bool,
}

/// `sweep gradcheck [CONFIG]`.
#[derive(Debug, Args)]
pub struct GradcheckArgs {
    /// The sweep's TOML config; without one, the built-in default grid
    pub config: Option<PathBuf>,

    /// How to print the results
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `sweep collect DIR`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The results folder the shards wrote: <output.dir>/<name>
    pub dir: PathBuf,

    /// Do not draw loss.svg
    #[arg(long)]
    pub no_plot: bool,
}

/// `-j N`: from 1 to [`MAX_THREADS_PER_CORE`] per core; more threads than
/// that only add switching between them, and thousands stall the start.
fn threads(text: &str) -> Result<NonZeroUsize, String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max = MAX_THREADS_PER_CORE * cores;
    let expected = format!(
        "a whole number from 1 to {max} ({MAX_THREADS_PER_CORE} per core on these {cores} cores)"
    );
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(NonZeroUsize::new(n).expect("n ≥ 1")),
        _ => Err(format!("{text} is not accepted: expected {expected}")),
    }
}

/// `--filter`'s help, with the keys from the one list of axes.
fn filter_help() -> String {
    format!(
        "Run only the cells whose KEY is VALUE (or one of VALUE,VALUE,…); \
         repeat for several keys, e.g. --filter rule=matmul --filter seed=3. Keys: {}",
        Key::NAMES.join(", ")
    )
}
