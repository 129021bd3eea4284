//! `[rules]`: a config's own update rules, each a name and an expression
//! in the tutorial's notation ([`crate::nn::expr`]), usable on the `rule`
//! axis beside the built-in ones:
//!
//! ```toml
//! [rules]
//! printed = "scalar_mul(eta, kronecker(transpose(outputs), delta))"
//! [grid]
//! rule = ["matmul", "printed"]
//! ```

use super::axes::GridConfig;
use super::error::ConfigError;
use super::source::ConfigSource;
use crate::nn::expr;
use crate::nn::{Definitions, Rule, RuleName};
use crate::suggest::did_you_mean;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `[rules]` table: name → expression. Once checked, each expression
/// is written as it means (`hammard` as `hadamard`, spacing as
/// [`expr::Expr`] prints it), so that the recorded config compares rules,
/// not spellings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rules(pub BTreeMap<String, String>);

impl Rules {
    /// Whether the config defines no rule.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks each rule's name and expression, and that every rule `grid`
    /// names (on its axis and in `exclude`) is built in or defined here.
    pub fn check(&mut self, grid: &GridConfig, source: &ConfigSource) -> Result<(), ConfigError> {
        for (name, text) in &mut self.0 {
            let key = format!("rules.{name}");
            RuleName::new(name).map_err(|why| source.error(&key, why))?;
            let parsed = expr::parse(text).map_err(|e| {
                source.error_in_string(
                    &key,
                    e.at,
                    format!("{}; the notation is in docs/rules.md", e.message),
                )
            })?;
            *text = parsed.to_string();
        }
        let named = grid
            .rule
            .0
            .iter()
            .enumerate()
            .map(|(k, rule)| (format!("grid.rule[{k}]"), *rule));
        let excluded = grid.exclude.iter().enumerate().flat_map(|(i, selector)| {
            let rules = selector.rule.iter().flat_map(|v| v.0.iter().copied());
            rules.map(move |rule| (format!("grid.exclude[{i}].rule"), rule))
        });
        for (key, rule) in named.chain(excluded) {
            if let Rule::Defined(name) = rule
                && !self.0.contains_key(name.as_str())
            {
                return Err(source.error(&key, self.unknown(name.as_str())));
            }
        }
        Ok(())
    }

    /// What a rule name that is neither built in nor defined here is told.
    pub fn unknown(&self, name: &str) -> String {
        let mut known: Vec<&str> = Rule::NAMES.to_vec();
        known.extend(self.0.keys().map(String::as_str));
        let own = match self.0.is_empty() {
            true => "none".to_string(),
            false => self.0.keys().cloned().collect::<Vec<_>>().join(", "),
        };
        format!(
            "unknown rule `{name}`{}; the built-in rules are {}, and the config's own \
             ([rules]): {own}",
            did_you_mean(name, known.iter().copied()),
            Rule::NAMES.join(", ")
        )
    }

    /// The rules, each parsed: what training and the checks use.
    pub fn definitions(&self) -> Definitions {
        Definitions(
            (self.0.iter())
                .filter_map(|(name, text)| {
                    Some((RuleName::new(name).ok()?, expr::parse(text).ok()?))
                })
                .collect(),
        )
    }
}
