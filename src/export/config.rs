//! `config.toml`: the resolved config, every default filled in, and the
//! version of the tool that ran it.

use super::{ResultsDir, write_atomic};
use crate::config::Config;
use serde::Serialize;
use std::io::Write;

/// The version written into `config.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
struct Recorded<'a> {
    sweep_version: &'a str,
    #[serde(flatten)]
    config: &'a Config,
}

/// The text of `config.toml` for `config`.
pub fn render(config: &Config) -> anyhow::Result<String> {
    Ok(toml::to_string(&Recorded {
        sweep_version: VERSION,
        config,
    })?)
}

/// Writes `config.toml`.
pub fn write(dir: &ResultsDir, config: &Config) -> anyhow::Result<()> {
    let text = render(config)?;
    write_atomic(&dir.file("config.toml"), |w| {
        Ok(w.write_all(text.as_bytes())?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_GRID;

    #[test]
    fn recorded_config_parses_back_to_the_same() {
        let config = Config::parse(DEFAULT_GRID, "grid.toml", "grid").unwrap();
        let text = render(&config).unwrap();
        assert!(
            text.starts_with(&format!("sweep_version = \"{VERSION}\"")),
            "{text}"
        );
        let body: String = text.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(Config::parse(&body, "config.toml", "x").unwrap(), config);
    }
}
