//! Rows of text in aligned columns, for tables in a terminal.

use std::fmt::Write;

/// Rows as text in aligned columns: the columns numbered in `left`
/// left-aligned (text), the others right-aligned (numbers).
pub fn aligned(rows: Vec<Vec<String>>, left: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[c] - cell.chars().count());
            let gap = if c == 0 { "" } else { "  " };
            if left.contains(&c) {
                let _ = write!(out, "{gap}{cell}{pad}");
            } else {
                let _ = write!(out, "{gap}{pad}{cell}");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    out
}
