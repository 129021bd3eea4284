//! The report of `sweep gradcheck`, as a table or CSV.

use super::aligned::aligned;
use crate::nn::gradient::Check;
use crate::number::float;

/// How to print the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people
    Table,
    /// CSV for programs and spreadsheets
    Csv,
}

const HEADER: [&str; 6] = [
    "rule",
    "activation",
    "max_relative_error",
    "min_cosine_similarity",
    "verdict",
    "message",
];

/// The checks in `format`.
pub fn render(checks: &[Check], format: Format) -> String {
    // CSV keeps every digit; the table rounds for people.
    let number = |x: f64| match format {
        Format::Csv => float(x),
        Format::Table if x.abs() >= 1e-3 => format!("{x:.4}"),
        Format::Table => format!("{x:.2e}"),
    };
    let rows = checks.iter().map(|c| {
        let (error, cosine, verdict, message) = match &c.result {
            Ok(cmp) => (
                number(cmp.max_relative_error),
                number(cmp.min_cosine_similarity),
                if cmp.is_gradient() {
                    "gradient"
                } else {
                    "not the gradient"
                },
                String::new(),
            ),
            Err(shape) => (
                String::new(),
                String::new(),
                "shape_error",
                shape.to_string(),
            ),
        };
        vec![
            c.rule.to_string(),
            c.activation.to_string(),
            error,
            cosine,
            verdict.to_string(),
            message,
        ]
    });
    match format {
        Format::Csv => {
            let mut out = csv::Writer::from_writer(Vec::new());
            let _ = out.write_record(HEADER);
            // ASCII, like every CSV sweep writes (see `printable::ascii`).
            for row in rows {
                let ascii = row
                    .iter()
                    .map(|cell| crate::printable::ascii(cell).into_owned());
                let _ = out.write_record(ascii);
            }
            String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
        }
        Format::Table => {
            let header = HEADER.iter().map(|h| h.replace('_', " ")).collect();
            aligned(std::iter::once(header).chain(rows).collect(), &[0, 1, 4, 5])
        }
    }
}
