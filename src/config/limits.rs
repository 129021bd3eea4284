//! The upper bound of every size a user can type.
//!
//! Each bound keeps one sweep within an ordinary machine (24 GiB here):
//! beyond it a typo is likelier than intent, and the alternative is an
//! allocation that aborts or a run that never ends. A value past a bound
//! is refused before anything is written, with the key and the bound.
//! `docs/config.md` lists them.

/// Epochs per job. A job holds its rows in memory until the database
/// writer takes them: 10⁶ epochs are about 50 MB per job in flight.
pub const MAX_EPOCHS: u64 = 1_000_000;

/// Updates in one epoch (`updates_per_epoch`).
pub const MAX_UPDATES_PER_EPOCH: u64 = 1_000_000_000;

/// Updates in one job, epochs × updates per epoch: about a day of the
/// smallest net's training on one core.
pub const MAX_UPDATES: u64 = 1_000_000_000_000;

/// Rows of a data set, read or generated.
pub const MAX_ROWS: u64 = 10_000_000;

/// Input columns of a data set.
pub const MAX_COLUMNS: u64 = 10_000;

/// Outputs of the net: classes of a label column, generated classes or
/// target columns.
pub const MAX_OUTPUTS: u64 = 1_000;

/// Numbers in a data set, rows × (inputs + outputs): 800 MB as f64, held
/// about three times while the data is split and scaled.
pub const MAX_VALUES: u64 = 100_000_000;

/// Columns of a CSV data file: the most inputs and outputs.
pub const MAX_FILE_COLUMNS: u64 = MAX_COLUMNS + MAX_OUTPUTS;

/// Bytes of a CSV data file, read whole into memory.
pub const MAX_DATA_BYTES: u64 = 2 << 30;

/// Weights of the net, (inputs + 1) × outputs: every worker thread holds a
/// few copies of W.
pub const MAX_WEIGHTS: u64 = 1_000_000;

/// A generator's widths, ranges and noise: beyond this its numbers (and
/// the differences between them) leave the floating-point range.
pub const MAX_EXTENT: f64 = 1e12;

/// Cells in a grid's cross product: a million times the default grid.
pub const MAX_JOBS: u64 = 100_000_000;

/// Values a range gives an axis other than the seed's (which is never
/// listed out): a scan of ten thousand learning rates is past any use,
/// and each value is held in the config.
pub const MAX_RANGE_VALUES: u64 = 10_000;

/// The largest seed: TOML's largest integer.
pub const MAX_SEED: u64 = i64::MAX as u64;

/// Bytes of a config file: a config is a few lines, and a list of every
/// seed of a large sweep is written `{ from, count }`.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Characters of a sweep's `name`, which names its results folder.
pub const MAX_NAME_CHARS: usize = 100;

/// Worker threads per core (`-j`): more only adds switching between them.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// Why a data set of `rows` rows, `inputs` inputs and `outputs` outputs
/// is larger than sweep accepts, if it is.
pub fn check_sizes(rows: u64, inputs: u64, outputs: u64) -> Result<(), String> {
    let over = |what: String, max: u64| Err(format!("{what}, more than the {max} sweep accepts"));
    if rows > MAX_ROWS {
        return over(format!("{rows} rows"), MAX_ROWS);
    }
    if inputs > MAX_COLUMNS {
        return over(format!("{inputs} input columns"), MAX_COLUMNS);
    }
    if outputs > MAX_OUTPUTS {
        return over(format!("{outputs} outputs"), MAX_OUTPUTS);
    }
    // Every factor is bounded now, so no product overflows.
    let values = rows * (inputs + outputs);
    if values > MAX_VALUES {
        return over(
            format!("{rows} rows of {inputs} inputs and {outputs} outputs make {values} numbers"),
            MAX_VALUES,
        );
    }
    let weights = (inputs + 1) * outputs;
    if weights > MAX_WEIGHTS {
        return over(
            format!("{inputs} inputs and {outputs} outputs make a net of {weights} weights"),
            MAX_WEIGHTS,
        );
    }
    Ok(())
}
