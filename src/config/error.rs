//! A config error as the user should see it: the file, the line and
//! column, the key path as TOML spells it, the line itself with a caret,
//! and what is accepted instead.

use crate::printable;
use std::fmt;
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
    /// The file is larger than any config needs.
    #[error(
        "config file `{}` has {bytes} bytes, more than the {max} a config may have; \
         write long seed lists as {{ from = 1, count = 1000 }}",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The bound.
        max: u64,
    },
    /// TOML syntax, an unknown key, a wrong type, a value out of range, or
    /// values that are wrong together.
    #[error(
        "{origin}:{place}{}{message}{}",
        key_prefix(key),
        snippet_suffix(place)
    )]
    Invalid {
        /// The config file.
        origin: String,
        /// The key path as TOML spells it (`grid.exclude[0].rule`); empty
        /// for a syntax error.
        key: String,
        /// Where in the file, when the key is written there.
        place: Place,
        /// What is wrong, and what is accepted.
        message: String,
    },
}

/// Where in the file an error is, with the line shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// 1-based line and column, when the key is written in the file.
    pub at: Option<(usize, usize)>,
    /// The line, cut around the column, with a caret under it.
    pub snippet: String,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((line, column)) => write!(f, "{line}:{column}: "),
            None => f.write_str(" "),
        }
    }
}

fn key_prefix(key: &str) -> String {
    match key {
        "" => String::new(),
        key => format!("{key}: "),
    }
}

fn snippet_suffix(place: &Place) -> String {
    match place.snippet.as_str() {
        "" => String::new(),
        snippet => format!("\n{snippet}"),
    }
}

/// The widest a snippet's line may be, in characters: a one-line config of
/// megabytes still gives a message of a line.
const SNIPPET_WIDTH: usize = 120;

impl Place {
    /// The place of byte `offset` in `text`.
    pub fn of(text: &str, offset: usize) -> Place {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[..offset].matches('\n').count() + 1;
        let column = text[line_start..offset].chars().count() + 1;
        let chars: Vec<char> = text[line_start..line_end].trim_end().chars().collect();
        // A window of the line around the column, marked where it is cut.
        let from = (column - 1).saturating_sub(SNIPPET_WIDTH / 2);
        let to = (from + SNIPPET_WIDTH).min(chars.len());
        let mut shown: String = chars[from.min(to)..to]
            .iter()
            .map(|&c| printable::char(c))
            .collect();
        let mut caret = column - 1 - from;
        if from > 0 {
            shown.insert(0, '…');
            caret += 1;
        }
        if to < chars.len() {
            shown.push('…');
        }
        let gutter = " ".repeat(line.to_string().len());
        Place {
            at: Some((line, column)),
            snippet: format!("  {line} | {shown}\n  {gutter} | {}^", " ".repeat(caret)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_stands_under_the_column() {
        let place = Place::of("a = 1\nbb = [1, x]\n", 15);
        assert_eq!(place.at, Some((2, 10)));
        assert_eq!(place.snippet, "  2 | bb = [1, x]\n    |          ^");
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let text = format!("x = [{}]", "1, ".repeat(10_000_000));
        let place = Place::of(&text, 15_000_000);
        let (line, caret) = place.snippet.split_once('\n').unwrap();
        assert!(line.chars().count() < SNIPPET_WIDTH + 10, "{line}");
        assert!(caret.chars().count() < SNIPPET_WIDTH + 10, "{caret}");
        assert!(line.contains('…'));
        // The caret points at the same character as the offset.
        let caret_at = caret.chars().count() - 1;
        assert_eq!(
            line.chars().nth(caret_at),
            text[15_000_000..].chars().next()
        );
    }

    #[test]
    fn control_characters_are_not_shown_raw() {
        let place = Place::of("name = \"a\u{1b}[31mb\"", 0);
        assert!(!place.snippet.contains('\u{1b}'), "{}", place.snippet);
    }
}
