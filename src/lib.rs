//! `sweep`: a parallel batch experiment runner for single-layer neural
//! networks, built to compare weight-update rules reproducibly.
//!
//! The binary chains these modules: [`config`] reads the TOML, [`data`]
//! loads and splits the data set, [`grid`] expands the jobs, [`runner`]
//! trains them in parallel through [`nn`] into the results database of
//! [`store`], and [`export`] writes the CSV files and the plot from it that
//! [`output`] summarises for the person at the terminal.

#![warn(missing_docs)]

#[macro_use]
mod named;

pub mod cli;
pub mod commands;
pub mod config;
pub mod data;
pub mod export;
pub mod grid;
pub mod interrupt;
pub mod nn;
pub mod number;
pub mod output;
pub mod printable;
pub mod process;
pub mod runner;
pub mod stats;
pub mod store;
pub mod suggest;

/// The exit status for an error: 2 when the input was bad (usage, config,
/// data) and nothing ran, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let bad_input = err.chain().any(|e| {
        e.is::<config::ConfigError>()
            || e.is::<data::DataError>()
            || e.is::<grid::GridError>()
            || e.is::<store::StoreError>()
            || e.is::<runner::SweepError>()
            || e.is::<commands::report::ReportError>()
    });
    if bad_input { 2 } else { 1 }
}
