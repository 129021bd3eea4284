//! The config's text, kept to point at any key in it.
//!
//! Reading goes through `serde_path_to_error`, which records the key path
//! of the value being read, so a refusal names exactly the key as TOML
//! spells it (`grid.exclude[0].rul`) whichever table syntax wrote it. A
//! check of several keys after reading finds its key's place in the parsed
//! document, so it gets the same line, column and snippet.

use super::error::{ConfigError, Place};
use super::limits::MAX_CONFIG_BYTES;
use crate::suggest::did_you_mean;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// A config's text, where it came from, and the name a sweep takes when
/// the text gives none.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// Names the config in messages: its path, or the built-in grid.
    pub origin: String,
    /// The TOML.
    pub text: String,
    /// The file's stem.
    pub default_name: String,
}

impl ConfigSource {
    /// The text of the config file at `path`, refused when it is larger
    /// than [`MAX_CONFIG_BYTES`].
    pub fn read(path: &Path) -> Result<ConfigSource, ConfigError> {
        let read_error = |error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        };
        if path.is_dir() {
            return Err(read_error(std::io::Error::other(
                "it is a folder; give the path of a TOML config file",
            )));
        }
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut bytes = Vec::new();
        // One byte past the bound tells a file at the bound from a larger one.
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_path_buf(),
                bytes: std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len()),
                max: MAX_CONFIG_BYTES,
            });
        }
        let origin = path.display().to_string();
        let text = String::from_utf8(bytes).map_err(|e| {
            // The text before the first bad byte is whole: its place is exact.
            let valid = e.utf8_error().valid_up_to();
            let shown = String::from_utf8_lossy(e.as_bytes());
            ConfigError::Invalid {
                origin: origin.clone(),
                key: String::new(),
                place: Place::of(&shown, valid),
                message: "this byte is not UTF-8 text; save the config as UTF-8".into(),
            }
        })?;
        Ok(ConfigSource {
            origin,
            text,
            default_name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        })
    }

    /// Text given in place of a file.
    pub fn text(text: &str, origin: &str, default_name: &str) -> ConfigSource {
        ConfigSource {
            origin: origin.into(),
            text: text.into(),
            default_name: default_name.into(),
        }
    }

    /// Reads the text as a `T`, refusing the first bad key with its path.
    pub(super) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let document = DeTable::parse(&self.text).map_err(|e| self.toml_error("", &e))?;
        serde_path_to_error::deserialize(toml::Deserializer::from(document)).map_err(|e| {
            let key = key_path(e.path().iter());
            self.toml_error(&key, e.inner())
        })
    }

    /// The error for `key` (a path such as `data.split` or
    /// `grid.seed[2]`), placed where the file writes it, or where it writes
    /// the nearest table around it.
    pub fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        let place = DeTable::parse(&self.text)
            .ok()
            .and_then(|root| locate(root.get_ref(), key))
            .map_or_else(Place::default, |span| Place::of(&self.text, span.start));
        ConfigError::Invalid {
            origin: self.origin.clone(),
            key: key.to_string(),
            place,
            message: message.into(),
        }
    }

    /// The error for the string value of `key`, placed at byte `at` of
    /// the string's text: a caret under the place inside it. A string
    /// written with escapes or over several lines has no such place in the
    /// file; the caret is then under the string's start.
    pub fn error_in_string(&self, key: &str, at: usize, message: impl Into<String>) -> ConfigError {
        let span = DeTable::parse(&self.text)
            .ok()
            .and_then(|root| locate(root.get_ref(), key));
        let place = span.map_or_else(Place::default, |span| {
            let written = &self.text[span.clone()];
            let plain =
                (written.starts_with('"') && !written.contains('\\')) || written.starts_with('\'');
            let inside = plain && !written.starts_with("\"\"\"") && !written.starts_with("\'\'\'");
            let offset = if inside && at + 1 < written.len() {
                1 + at
            } else {
                0
            };
            Place::of(&self.text, span.start + offset)
        });
        ConfigError::Invalid {
            origin: self.origin.clone(),
            key: key.to_string(),
            place,
            message: message.into(),
        }
    }

    fn toml_error(&self, key: &str, e: &toml::de::Error) -> ConfigError {
        let place = e
            .span()
            .map_or_else(Place::default, |span| Place::of(&self.text, span.start));
        ConfigError::Invalid {
            origin: self.origin.clone(),
            key: key.to_string(),
            place,
            message: in_words(e.message().trim()),
        }
    }
}

/// A key path as TOML spells it: `grid.exclude[0].rule`.
fn key_path<'a>(segments: impl Iterator<Item = &'a Segment>) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => path += &format!("[{index}]"),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path += &bare_or_quoted(key);
            }
            Segment::Unknown => {}
        }
    }
    path
}

/// A key as TOML writes it: bare when it can be, else quoted with TOML's
/// escapes.
fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        return key.to_string();
    }
    let mut quoted = String::from('"');
    for c in key.chars() {
        match c {
            '"' => quoted += "\\\"",
            '\\' => quoted += "\\\\",
            c if c.is_control() => quoted += &format!("\\u{:04X}", u32::from(c)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The span of the deepest part of `key` the document writes.
fn locate(root: &DeTable<'_>, key: &str) -> Option<Range<usize>> {
    let mut table = root;
    let mut found = None;
    for part in key.split('.') {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let (_, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == name)?;
        let mut value = value;
        found = Some(value.span());
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            let DeValue::Array(items) = value.get_ref() else {
                return found;
            };
            let Some(item) = index.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                return found;
            };
            value = item;
            found = Some(value.span());
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => return found,
        }
    }
    found
}

/// serde's message in the words of a TOML file: its tables, lists and
/// keys, with the key that was probably meant.
fn in_words(raw: &str) -> String {
    let raw = raw
        .replace("invalid type: map", "invalid type: table")
        .replace("invalid type: sequence", "invalid type: list")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected a table");
    // serde names the bad word first and the accepted ones after it, all in backticks.
    let mut quoted = raw.split('`').skip(1).step_by(2);
    let what = if raw.starts_with("unknown field") {
        "key"
    } else if raw.starts_with("unknown variant") {
        "value"
    } else {
        return raw;
    };
    let Some(bad) = quoted.next() else {
        return raw;
    };
    let accepted: Vec<&str> = quoted.collect();
    if accepted.is_empty() {
        return format!("unknown {what} `{bad}`; this table takes no keys");
    }
    format!(
        "unknown {what} `{bad}`{}; expected one of `{}`",
        did_you_mean(bad, accepted.iter().copied()),
        accepted.join("`, `")
    )
}
