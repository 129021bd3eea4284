//! `config.toml`, the recorded config: the resolved config, every default
//! filled in, the data's hash, and the version of the tool that ran it.

use crate::config::Config;
use crate::nn::Dims;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The version written into `config.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
struct RecordedRef<'a> {
    sweep_version: &'a str,
    data_sha256: &'a str,
    /// n + 1 and m: what `sweep collect` needs of the data.
    net_shape: [usize; 2],
    #[serde(flatten)]
    config: &'a Config,
}

/// The text of `config.toml` for `config` run on data whose bytes have
/// the SHA-256 `data_sha256` and which make a net of shape `dims`.
pub fn render(config: &Config, data_sha256: &str, dims: Dims) -> anyhow::Result<String> {
    Ok(toml::to_string(&RecordedRef {
        sweep_version: VERSION,
        data_sha256,
        net_shape: [dims.inputs_with_bias, dims.outputs],
        config,
    })?)
}

/// What a results folder's `config.toml` records.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The resolved config.
    pub config: Config,
    /// SHA-256 of the data.
    pub data_sha256: String,
    /// The version of sweep that ran it.
    pub sweep_version: String,
    /// The net's shape.
    pub net_shape: Dims,
}

/// The run recorded in `text` (a `config.toml`).
pub fn parse(text: &str) -> anyhow::Result<Recorded> {
    let mut table: toml::Table = toml::from_str(text)?;
    let mut take = |key: &str| match table.remove(key) {
        Some(toml::Value::String(v)) => Ok(v),
        _ => Err(anyhow::anyhow!("it has no {key}")),
    };
    let sweep_version = take("sweep_version")?;
    let data_sha256 = take("data_sha256")?;
    let shape = table
        .remove("net_shape")
        .and_then(|v| <[usize; 2]>::deserialize(v).ok())
        .ok_or_else(|| anyhow::anyhow!("it has no net_shape"))?;
    Ok(Recorded {
        config: Config::deserialize(table)?,
        data_sha256,
        sweep_version,
        net_shape: Dims {
            inputs_with_bias: shape[0],
            outputs: shape[1],
        },
    })
}

/// The key of the one table of the config that is not shared: `[grid]`.
/// A job's numbers depend only on its own cell and on the rest of the
/// config, so a folder's cells may come and go while the rest stays.
const CELLS: &str = "grid";

/// The prefix of a config's own rule's key: `rules.printed`.
const RULES: &str = "rules.";

/// What differs in the **shared settings** (all but `[grid]`, and of
/// `[rules]` only the rules both define) between the
/// config that made a results folder and the one now, one
/// `key: recorded → now` line per key. Compared as written to
/// `config.toml`, so the resolved values count, not the file's text.
pub fn differences(recorded: &Config, now: &Config) -> anyhow::Result<Vec<String>> {
    let flat = |c: &Config| -> anyhow::Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let mut table = toml::Table::try_from(c)?;
        table.remove(CELLS);
        flatten("", &toml::Value::Table(table), &mut out);
        Ok(out)
    };
    let (old, new) = (flat(recorded)?, flat(now)?);
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let absent = "(absent)".to_string();
    // A rule of `[rules]` is a setting where both configs define it: a
    // grid may gain rules, or stop using some, like any other cells.
    let own_rule_added_or_dropped =
        |k: &str| k.starts_with(RULES) && !(old.contains_key(k) && new.contains_key(k));
    Ok(keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k) && !own_rule_added_or_dropped(k))
        .map(|k| {
            format!(
                "  {k}: {} → {}",
                old.get(k).unwrap_or(&absent),
                new.get(k).unwrap_or(&absent)
            )
        })
        .collect())
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// What differs between the shared settings of the recorded run `old` and
/// this one, `new`: one
/// `key: recorded → now` line each, the data's content and sweep's version
/// included. The grids may differ: see [`Recorded::config`]'s `grid`.
pub fn changes(old: &Recorded, new: &Recorded) -> anyhow::Result<Vec<String>> {
    let mut changes = differences(&old.config, &new.config)?;
    if old.data_sha256 != new.data_sha256 {
        changes.push(format!(
            "  the data's content (SHA-256): {} → {}",
            old.data_sha256, new.data_sha256
        ));
    }
    // Another version may compute other numbers: not ours to mix.
    if old.sweep_version != new.sweep_version {
        changes.push(format!(
            "  sweep_version: {} → {}",
            old.sweep_version, new.sweep_version
        ));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_GRID;

    #[test]
    fn recorded_config_parses_back_to_the_same() {
        let config = Config::parse(DEFAULT_GRID, "grid.toml", "grid").unwrap();
        let dims = Dims {
            inputs_with_bias: 3,
            outputs: 3,
        };
        let text = render(&config, "abc", dims).unwrap();
        assert!(
            text.starts_with(&format!(
                "sweep_version = \"{VERSION}\"\ndata_sha256 = \"abc\""
            )),
            "{text}"
        );
        let recorded = parse(&text).unwrap();
        assert_eq!(recorded.config, config);
        assert_eq!(recorded.data_sha256, "abc");
        assert_eq!(recorded.sweep_version, VERSION);
        assert_eq!(recorded.net_shape, dims);
        assert!(differences(&config, &config).unwrap().is_empty());
    }

    #[test]
    fn differences_name_the_changed_keys() {
        let a = Config::parse(DEFAULT_GRID, "grid.toml", "grid").unwrap();
        let mut b = a.clone();
        b.epochs = crate::config::Count(7);
        b.data.seed = crate::config::Count(3);
        let diff = differences(&a, &b).unwrap();
        assert_eq!(diff, ["  data.seed: 0 → 3", "  epochs: 100 → 7"]);
    }

    #[test]
    fn the_grid_is_not_a_shared_setting() {
        let a = Config::parse(DEFAULT_GRID, "grid.toml", "grid").unwrap();
        let mut b = a.clone();
        b.grid.seed = crate::config::Seeds::Range { from: 1, count: 30 };
        b.grid.rule.0.truncate(1);
        assert!(differences(&a, &b).unwrap().is_empty());
        assert_ne!(a, b);
    }
}
