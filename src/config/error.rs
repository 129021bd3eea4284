//! A config error as the user should see it: the file, the line and
//! column, the line itself with a caret, and what is accepted instead.

use crate::suggest::did_you_mean;
use std::path::PathBuf;

/// A config that cannot be used, with where and what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file `{}`: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// TOML syntax, an unknown key, a wrong type or a value out of range.
    #[error("{origin}:{line}:{column}: {message}\n{snippet}")]
    Parse {
        /// The config file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, and what is accepted.
        message: String,
        /// The offending line with a caret under the place.
        snippet: String,
    },
    /// A value that is wrong only together with others.
    #[error("{origin}: {key}: {message}")]
    Invalid {
        /// The config file.
        origin: String,
        /// The key, dotted: `data.split`.
        key: String,
        /// What is wrong, and what is accepted.
        message: String,
    },
}

/// Turns a TOML error into one that names the file, the place, and a likely fix.
pub(super) fn parse_error(origin: &str, text: &str, err: &toml::de::Error) -> ConfigError {
    let start = err.span().map_or(0, |s| s.start).min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let source_line = &text[line_start..line_end];
    let snippet = format!(
        "  {line} | {source_line}\n  {} | {}^",
        " ".repeat(line.to_string().len()),
        " ".repeat(column - 1)
    );

    let raw = err.message().trim();
    // serde names the bad word first and the accepted ones after it, all in backticks.
    let mut quoted = raw.split('`').skip(1).step_by(2);
    let unknown = if raw.starts_with("unknown field") {
        Some("key")
    } else if raw.starts_with("unknown variant") {
        Some("value")
    } else {
        None
    };
    let message = match (unknown, quoted.next()) {
        (Some(what), Some(bad)) => {
            let accepted: Vec<&str> = quoted.collect();
            let place = match (what, enclosing_table(&text[..line_start])) {
                ("key", Some(table)) => format!(" in [{table}]"),
                ("key", None) => " at the top level".to_string(),
                _ => String::new(),
            };
            format!(
                "unknown {what} `{bad}`{place}{}; expected one of `{}`",
                did_you_mean(bad, accepted.iter().copied()),
                accepted.join("`, `")
            )
        }
        _ => raw.to_string(),
    };
    ConfigError::Parse {
        origin: origin.to_string(),
        line,
        column,
        message,
        snippet,
    }
}

/// The `[table]` header in force at the end of `before`, if any.
fn enclosing_table(before: &str) -> Option<&str> {
    before.lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|l| l.split(']').next())
            .map(|t| t.trim_matches(['[', ' ']))
    })
}
