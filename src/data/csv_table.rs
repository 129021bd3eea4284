//! A CSV data set as read: named columns of text cells, with line numbers
//! kept for error messages.

use super::DataError;
use crate::config::Column;
use crate::config::limits::{MAX_FILE_COLUMNS, MAX_ROWS};
use crate::printable;
use crate::suggest::did_you_mean;
use sha2::{Digest, Sha256};

/// The most characters of a cell or a column name a message shows.
pub const SHOWN_CHARS: usize = 40;

/// The cells of a CSV file.
#[derive(Debug, Clone)]
pub struct CsvTable {
    /// Where the table came from, for messages: a path or `built-in iris`.
    pub origin: String,
    /// Column names from the header row, or `0`, `1`, … without one.
    pub headers: Vec<String>,
    /// SHA-256 of the file's bytes, in hex: results record it, so that a
    /// changed data file is noticed even when the config is not.
    pub sha256: String,
    rows: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Parses CSV text with fields separated by `delimiter`; with `header`
    /// its first row names the columns.
    pub fn parse(
        origin: &str,
        text: &[u8],
        delimiter: u8,
        header: bool,
    ) -> Result<CsvTable, DataError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(header)
            .delimiter(delimiter)
            .trim(csv::Trim::All)
            .from_reader(text);
        let first_row = if header {
            "the header"
        } else {
            "the first row"
        };
        let csv_error = |e: csv::Error| DataError::Csv {
            origin: origin.to_string(),
            line: e.position().map(|p| p.line()),
            message: match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!("this row has {len} fields where {first_row} has {expected_len}"),
                csv::ErrorKind::Utf8 { err, .. } => format!(
                    "field {} is not UTF-8 text; save the file as UTF-8",
                    err.field() + 1
                ),
                _ => e.to_string(),
            },
        };
        let named: Vec<String> = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(str::to_string)
            .collect();
        let too_large = |message: String| DataError::TooLarge {
            origin: origin.to_string(),
            message,
        };
        if named.len() as u64 > MAX_FILE_COLUMNS {
            return Err(too_large(format!(
                "{} has {} columns, more than the {MAX_FILE_COLUMNS} sweep reads",
                first_row,
                named.len()
            )));
        }
        // Counted as they are read: a file of more rows than sweep accepts
        // is refused at the first row too many, not after filling memory.
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(csv_error)?);
            if rows.len() as u64 > MAX_ROWS {
                return Err(too_large(format!(
                    "the file has more than the {MAX_ROWS} rows sweep accepts"
                )));
            }
        }
        if rows.is_empty() {
            return Err(DataError::Empty {
                origin: origin.to_string(),
            });
        }
        let headers = if header {
            // A name twice would make `inputs = ["a"]` ambiguous, and a
            // change of columns invisible to the recorded config.
            if let Some((k, name)) = named
                .iter()
                .enumerate()
                .find(|(k, name)| named[..*k].contains(name))
            {
                return Err(DataError::DuplicateColumn {
                    origin: origin.to_string(),
                    name: printable::clip(name, SHOWN_CHARS),
                    first: named.iter().position(|n| n == name).unwrap_or(0),
                    again: k,
                });
            }
            named
        } else {
            (0..rows[0].len()).map(|k| k.to_string()).collect()
        };
        let sha256 = Sha256::digest(text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(CsvTable {
            origin: origin.to_string(),
            headers,
            sha256,
            rows,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no data rows (never true for a parsed table).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The index of `column`; `key` is the config key that named it, for
    /// the error message.
    pub fn column(&self, column: &Column, key: String) -> Result<usize, DataError> {
        match column {
            Column::Index(k) if *k < self.headers.len() => Ok(*k),
            Column::Index(k) => Err(DataError::ColumnIndex {
                origin: self.origin.clone(),
                key,
                index: *k,
                columns: self.headers.len(),
            }),
            Column::Name(name) => self.headers.iter().position(|h| h == name).ok_or_else(|| {
                DataError::UnknownColumn {
                    origin: self.origin.clone(),
                    key,
                    name: printable::clip(name, SHOWN_CHARS),
                    hint: did_you_mean(name, self.headers.iter().map(String::as_str)),
                    available: listed(&self.headers),
                }
            }),
        }
    }

    /// The values of column `col`, which must all be finite numbers.
    pub fn numbers(&self, col: usize) -> Result<Vec<f64>, DataError> {
        self.rows
            .iter()
            .map(|row| {
                let cell = &row[col];
                let bad = |problem: &'static str| DataError::BadNumber {
                    origin: self.origin.clone(),
                    line: row.position().map_or(0, |p| p.line()),
                    column: printable::clip(&self.headers[col], SHOWN_CHARS),
                    value: printable::clip(cell, SHOWN_CHARS),
                    problem,
                };
                let value: f64 = cell.parse().map_err(|_| bad("is not a number"))?;
                if value.is_finite() {
                    Ok(value)
                } else {
                    Err(bad("is not a finite number"))
                }
            })
            .collect()
    }

    /// The cells of column `col` as text.
    pub fn labels(&self, col: usize) -> Vec<&str> {
        self.rows.iter().map(|row| &row[col]).collect()
    }
}

/// Names for a message: the first few, and how many more.
fn listed(names: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|n| printable::clip(n, SHOWN_CHARS))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text += &format!(" and {} more", names.len() - SHOWN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_row_names_its_line() {
        let err = CsvTable::parse("t.csv", b"a,b\n1,2\n3\n", b',', true).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t.csv") && msg.contains("line 3"), "{msg}");
        assert!(msg.contains("1 fields where the header has 2"), "{msg}");
    }

    #[test]
    fn non_numeric_cell_names_line_column_and_value() {
        let t = CsvTable::parse("t.csv", b"a,b\n1,2\n3,x\n", b',', true).unwrap();
        let msg = t.numbers(1).unwrap_err().to_string();
        assert!(
            msg.contains("line 3") && msg.contains("`b`") && msg.contains("`x`"),
            "{msg}"
        );
        let t = CsvTable::parse("t.csv", b"a\nNaN\n", b',', true).unwrap();
        assert!(t.numbers(0).unwrap_err().to_string().contains("finite"));
    }

    #[test]
    fn unknown_column_suggests_the_closest() {
        let t = CsvTable::parse("t.csv", b"petal_length,petal_width\n1,2\n", b',', true).unwrap();
        let msg = t
            .column(&Column::Name("petal_widht".into()), "data.inputs".into())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("did you mean `petal_width`"), "{msg}");
    }

    #[test]
    fn digest_is_sha256_of_the_bytes() {
        let t = CsvTable::parse("t.csv", b"a\n1\n", b',', true).unwrap();
        // printf 'a\n1\n' | sha256sum
        assert_eq!(
            t.sha256,
            "309b0e45a73d3fc5325e2b6ed0a01ef8b9cde6b05a5633c1f893f970d52bfddc"
        );
    }

    #[test]
    fn headerless_semicolon_file_names_columns_by_index() {
        let t = CsvTable::parse("t.csv", b"1;2;x\n3;4;y\n", b';', false).unwrap();
        assert_eq!(t.headers, ["0", "1", "2"]);
        let twice = CsvTable::parse("t.csv", b"a,a,y\n1,2,x\n", b',', true).unwrap_err();
        assert!(
            twice.to_string().contains("`a` names columns 0 and 1"),
            "{twice}"
        );
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.column(&Column::Index(1), "data.inputs".into()).unwrap(),
            1
        );
        assert_eq!(
            t.column(&Column::Name("2".into()), "data.target".into())
                .unwrap(),
            2
        );
        let err = t
            .column(&Column::Index(3), "data.inputs".into())
            .unwrap_err()
            .to_string();
        assert!(err.contains("index 3") && err.contains("0 to 2"), "{err}");
    }

    #[test]
    fn header_only_is_empty() {
        assert!(matches!(
            CsvTable::parse("t.csv", b"a,b\n", b',', true),
            Err(DataError::Empty { .. })
        ));
    }
}
