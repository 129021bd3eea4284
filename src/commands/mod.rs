//! One module per subcommand; `main` picks one.

pub mod aggregate;
pub mod collect;
pub mod gradcheck;
pub mod run;

use crate::config::Config;
use crate::data::{self, Splits};
use crate::grid::Plan;
use anyhow::Context;
use std::path::Path;

/// A config with its data and plan, checked: what every command starts from.
#[derive(Debug)]
pub struct Loaded {
    /// The resolved config.
    pub config: Config,
    /// Names the config in messages: its path, or the built-in grid.
    pub origin: String,
    /// The data, split and scaled.
    pub data: Splits,
    /// The jobs.
    pub plan: Plan,
}

/// Reads the config at `path` (the built-in grid when `None`), its data
/// (relative paths start from the config's folder) and its plan.
pub fn load(path: Option<&Path>) -> anyhow::Result<Loaded> {
    let origin = path.map_or("built-in default grid".into(), |p| p.display().to_string());
    let config = Config::load(path)?;
    let base_dir = path.and_then(Path::parent).unwrap_or(".".as_ref());
    let data = data::load(&config.data, config.bias, base_dir)?;
    let plan = Plan::new(&config.grid).with_context(|| origin.clone())?;
    for k in plan.unused_excludes() {
        eprintln!("sweep: warning: grid.exclude[{k}] matches no cell of the grid");
    }
    Ok(Loaded {
        config,
        origin,
        data,
        plan,
    })
}
