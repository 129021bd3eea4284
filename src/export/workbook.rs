//! `results.xlsx`: the comparison already charted, for a spreadsheet.
//!
//! Four sheets: `verdict` (the report's verdict table and sentences, then
//! one native chart per panel of `loss.svg`), `summary` (a row per job,
//! filtered and frozen), `curves` (the charts' data: mean, min and max per
//! line and epoch) and `epochs` (every epoch of every job, when that fits
//! a sheet). Numbers are stored as numbers, so no locale turns them into
//! text; a value that is not finite is an empty cell beside the status
//! that says why.
//!
//! The big sheets are written row by row in the library's constant-memory
//! mode as jobs arrive in plan order, so memory stays flat however many
//! jobs there are. The document's dates are fixed: the same results give
//! the same bytes.

use super::aggregate::{EPOCH_COLUMNS, Row, SPREADSHEET_ROWS};
use super::atomic::AtomicFile;
use super::curves::Set;
use super::lines::{LineKey, Lines, Role};
use super::summary::{self, SUMMARY_COLUMNS};
use super::verdict::{RuleVerdict, VERDICT_COLUMNS, cells};
use super::{param_columns, param_values};
use crate::nn::Rule;
use anyhow::Context;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartLegendPosition, ChartLine, ChartLineDashType, ChartType, Color,
    DocProperties, ExcelDateTime, Format, Workbook, Worksheet,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The sheets, in the order they are added.
const VERDICT: usize = 0;
const SUMMARY: usize = 1;
const CURVES: usize = 2;
const EPOCHS: usize = 3;
/// The most columns a sheet holds.
const SHEET_COLUMNS: usize = 16_384;
/// A chart's size, and the space between charts, in pixels.
const CHART: (u32, u32) = (576, 360);
const CHART_GAP: u32 = 12;
/// Dash per activation, in the grid's order (as `loss.svg` has them).
const DASHES: [ChartLineDashType; 4] = [
    ChartLineDashType::Solid,
    ChartLineDashType::Dash,
    ChartLineDashType::RoundDot,
    ChartLineDashType::LongDash,
];

/// The verdict as the first sheet shows it: the figures of `verdict.csv`,
/// each rule's gradcheck verdict and the report's sentences.
#[derive(Debug, Clone)]
pub struct VerdictSheet<'a> {
    /// The sweep's name, for the title.
    pub name: &'a str,
    /// The rule the others are compared with.
    pub reference: Rule,
    /// A verdict per rule (and group).
    pub verdicts: &'a [RuleVerdict],
    /// Each rule's gradcheck verdict, as the report's table words it.
    pub steps: BTreeMap<Rule, String>,
    /// One plain sentence per verdict.
    pub sentences: Vec<String>,
    /// The target validation loss, drawn on the validation charts.
    pub target: Option<f64>,
}

/// The workbook, fed one job at a time in plan order.
pub struct WorkbookFile {
    book: Workbook,
    /// The next row of `summary` and of `epochs` (`None`: left out).
    summary_row: u32,
    epochs_row: Option<u32>,
    /// Why a sheet is shorter than the results, said on the first sheet.
    notes: Vec<String>,
}

impl WorkbookFile {
    /// An empty workbook for a plan of at most `jobs` jobs of `epochs`
    /// epochs; the big sheets buffer their rows in files in `tempdir`.
    pub fn new(jobs: u64, epochs: u32, tempdir: &Path) -> anyhow::Result<WorkbookFile> {
        let mut book = Workbook::new();
        book.set_tempdir(tempdir)?;
        // Deflating the sheets' XML is most of the time a big workbook takes:
        // level 1 writes a million-job summary in a fraction of level 6's
        // time (docs/performance.md) for a somewhat larger file.
        book.set_zip_compression_level(1);
        // A fixed creation date: otherwise every rebuild differs in its bytes.
        let date = ExcelDateTime::from_ymd(2000, 1, 1)?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&date));
        book.add_worksheet().set_name("verdict")?;
        let bold = Format::new().set_bold();
        let summary = book.add_worksheet_with_constant_memory()?;
        summary.set_name("summary")?;
        let header: Vec<&str> = param_columns().chain(SUMMARY_COLUMNS).collect();
        summary.write_row_with_format(0, 0, header, &bold)?;
        summary.set_freeze_panes(1, 0)?;
        book.add_worksheet().set_name("curves")?;
        let epoch_rows = jobs.saturating_mul(u64::from(epochs) + 1);
        let mut notes = Vec::new();
        if jobs >= SPREADSHEET_ROWS {
            notes.push(format!(
                "The summary sheet holds the first {} jobs: a sheet has {SPREADSHEET_ROWS} rows. \
                 summary.csv has them all.",
                SPREADSHEET_ROWS - 1
            ));
        }
        let epochs_row = if epoch_rows < SPREADSHEET_ROWS {
            let sheet = book.add_worksheet_with_constant_memory()?;
            sheet.set_name("epochs")?;
            let header: Vec<&str> = param_columns().chain(EPOCH_COLUMNS).collect();
            sheet.write_row_with_format(0, 0, header, &bold)?;
            sheet.set_freeze_panes(1, 0)?;
            Some(1)
        } else {
            notes.push(format!(
                "No epochs sheet: the jobs' epochs make up to {epoch_rows} rows, more than a \
                 sheet holds ({SPREADSHEET_ROWS}). epochs.csv has them all."
            ));
            None
        };
        Ok(WorkbookFile {
            book,
            summary_row: 1,
            epochs_row,
            notes,
        })
    }

    /// Adds a row of `summary.csv` and, when the sheet is kept, the job's
    /// epochs.
    pub fn add(&mut self, row: Row<'_>) -> anyhow::Result<()> {
        if u64::from(self.summary_row) < SPREADSHEET_ROWS {
            let values = match row {
                Row::Finished(s, _) => summary::record(s),
                Row::Failed(p) => {
                    let mut values = param_values(p);
                    values.push("failed".into());
                    values
                }
            };
            let sheet = self.book.worksheet_from_index(SUMMARY)?;
            write_values(sheet, self.summary_row, &values)?;
            self.summary_row += 1;
        }
        if let (Some(next), Row::Finished(s, rows)) = (self.epochs_row.as_mut(), row) {
            let sheet = self.book.worksheet_from_index(EPOCHS)?;
            let mut values = param_values(&s.params);
            values.push(s.outcome.status().to_string());
            let first_metric = values.len() as u16 + 1;
            for r in rows {
                write_values(sheet, *next, &values)?;
                sheet.write_number(*next, first_metric - 1, r.epoch)?;
                for (c, x) in r.measurements().into_iter().enumerate() {
                    if let Some(x) = x.filter(|x| x.is_finite()) {
                        sheet.write_number(*next, first_metric + c as u16, x)?;
                    }
                }
                *next += 1;
            }
        }
        Ok(())
    }

    /// Writes the verdict, the curves and the charts, and saves the
    /// workbook at `path`.
    pub fn finish(
        mut self,
        path: &Path,
        lines: &Lines,
        verdict: &VerdictSheet<'_>,
    ) -> anyhow::Result<()> {
        let last_column = (param_columns().count() + SUMMARY_COLUMNS.len() - 1) as u16;
        let summary = self.book.worksheet_from_index(SUMMARY)?;
        summary.autofilter(0, 0, self.summary_row.saturating_sub(1), last_column)?;
        summary.set_column_width(0, 40)?;
        if let Some(rows) = self.epochs_row {
            let last_column = (param_columns().count() + EPOCH_COLUMNS.len() - 1) as u16;
            let epochs = self.book.worksheet_from_index(EPOCHS)?;
            epochs.autofilter(0, 0, rows - 1, last_column)?;
            epochs.set_column_width(0, 40)?;
        }
        let columns = 2 + 3 * lines.iter().count();
        let charted = columns <= SHEET_COLUMNS;
        if charted {
            write_curves(
                self.book.worksheet_from_index(CURVES)?,
                lines,
                verdict.target,
            )?;
        } else {
            self.notes.push(format!(
                "No curves or charts: the lines need {columns} columns, more than a sheet \
                 holds ({SHEET_COLUMNS}). curves.csv and loss.svg have them."
            ));
        }
        let sheet = self.book.worksheet_from_index(VERDICT)?;
        let next = write_verdict(sheet, verdict, &self.notes)?;
        if charted {
            insert_charts(sheet, next + 1, lines, verdict.target)?;
        }
        // Printed (or turned into a PDF) on one page wide, charts and all.
        sheet.set_landscape().set_print_fit_to_pages(1, 0);
        let mut file = AtomicFile::create(path)?;
        self.book
            .save_to_writer(file.writer())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        file.commit()
    }
}

/// Writes `values` from column 0 of `row`: numbers as numbers (a value
/// that is not finite as an empty cell), the rest as text.
fn write_values(sheet: &mut Worksheet, row: u32, values: &[String]) -> anyhow::Result<()> {
    for (c, value) in values.iter().enumerate() {
        let c = c as u16;
        match value.parse::<f64>() {
            _ if value.is_empty() => {}
            Ok(x) if x.is_finite() => {
                sheet.write_number(row, c, x)?;
            }
            Ok(_) => {}
            Err(_) => {
                sheet.write_string(row, c, value)?;
            }
        }
    }
    Ok(())
}

/// The verdict's title, table, sentences and notes; returns the first row
/// after them.
fn write_verdict(
    sheet: &mut Worksheet,
    verdict: &VerdictSheet<'_>,
    notes: &[String],
) -> anyhow::Result<u32> {
    let bold = Format::new().set_bold();
    let title = format!(
        "{}: each rule against {} over jobs that differ only in the rule (final training loss)",
        verdict.name, verdict.reference
    );
    sheet.write_string_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    let mut header: Vec<&str> = VERDICT_COLUMNS.to_vec();
    header.push("step");
    for (c, name) in header.iter().enumerate() {
        // Wide enough for the header, and for a rule's name and the step.
        let width = name.len().max(if c <= 2 { 16 } else { 8 }) + 1;
        sheet.set_column_width(c as u16, width as f64)?;
    }
    sheet.write_row_with_format(2, 0, header, &bold)?;
    let mut row = 3;
    for v in verdict.verdicts {
        let mut values = cells(verdict.reference, v).to_vec();
        values.push(verdict.steps.get(&v.rule).cloned().unwrap_or_default());
        write_values(sheet, row, &values)?;
        row += 1;
    }
    row += 1;
    for text in verdict.sentences.iter().chain(notes) {
        sheet.write_string(row, 0, text)?;
        row += 1;
    }
    Ok(row)
}

/// The `curves` sheet: the epoch, then mean, min and max of every line, and
/// the target (for its line on the validation charts).
fn write_curves(sheet: &mut Worksheet, lines: &Lines, target: Option<f64>) -> anyhow::Result<()> {
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "epoch", &bold)?;
    for e in 0..=lines.epochs() {
        sheet.write_number(e + 1, 0, e)?;
    }
    for (k, (key, band)) in lines.iter().enumerate() {
        let first = 1 + 3 * k as u16;
        for (c, stat) in ["mean", "min", "max"].into_iter().enumerate() {
            let name = format!("{} {stat}", line_name(lines, key));
            sheet.write_string_with_format(0, first + c as u16, name, &bold)?;
        }
        for (e, mean, min, max) in band.points() {
            for (c, x) in [mean, min, max].into_iter().enumerate() {
                sheet.write_number(e + 1, first + c as u16, x)?;
            }
        }
    }
    if let Some(t) = target {
        let c = target_column(lines);
        sheet.write_string_with_format(0, c, "target", &bold)?;
        for e in 0..=lines.epochs() {
            sheet.write_number(e + 1, c, t)?;
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The column of the target on the `curves` sheet: after every line.
fn target_column(lines: &Lines) -> u16 {
    1 + 3 * lines.iter().count() as u16
}

/// A line's name: `validation matmul sigmoid lr=0.1`.
fn line_name(lines: &Lines, &(set, panel, rule, activation): &LineKey) -> String {
    let rate = &lines.panels()[panel];
    format!("{} {rule} {activation} lr={rate}", set.name())
}

/// One chart per panel of `loss.svg` (set × learning rate), from `row` down.
fn insert_charts(
    sheet: &mut Worksheet,
    row: u32,
    lines: &Lines,
    target: Option<f64>,
) -> anyhow::Result<()> {
    let last_row = lines.epochs() + 1;
    let sets = lines.sets();
    let (per_row, rows_per_set) = lines.panel_grid();
    let order = lines.drawing_order();
    let column_of: BTreeMap<&LineKey, u16> = (lines.iter().enumerate())
        .map(|(k, (key, _))| (key, 1 + 3 * k as u16))
        .collect();
    for (s, &set) in sets.iter().enumerate() {
        for (k, rate) in lines.panels().iter().enumerate() {
            let mut chart = Chart::new(ChartType::ScatterStraight);
            chart
                .title()
                .set_name(&format!("{} loss, learning rate = {rate}", set.name()));
            chart.x_axis().set_name("epoch").set_max(lines.epochs());
            chart
                .y_axis()
                .set_name(&format!("{} loss (MSE)", set.name()))
                .set_log_base(10);
            chart.legend().set_position(ChartLegendPosition::Bottom);
            chart.set_width(CHART.0).set_height(CHART.1);
            for &(rule, role) in &order {
                for (a, &activation) in lines.activations().iter().enumerate() {
                    let key = (set, k, rule, activation);
                    let Some(&column) = column_of.get(&key) else {
                        continue;
                    };
                    let name = match role {
                        Role::SameAs(same) => format!("{rule} {activation} (= {same})"),
                        _ => format!("{rule} {activation}"),
                    };
                    let (r, g, b) = lines.colour(rule);
                    let width = match role {
                        Role::SameAs(_) => 1.25,
                        Role::Covered => 4.5,
                        Role::Own => 2.0,
                    };
                    let line = ChartLine::new()
                        .set_color(Color::RGB(u32::from_be_bytes([0, r, g, b])))
                        .set_width(width)
                        .set_dash_type(DASHES[a % DASHES.len()])
                        .clone();
                    chart
                        .add_series()
                        .set_name(&name)
                        .set_categories(("curves", 1, 0, last_row, 0))
                        .set_values(("curves", 1, column, last_row, column))
                        .set_format(ChartFormat::new().set_line(&line));
                }
            }
            if let (Set::Validation, Some(t)) = (set, target) {
                let column = target_column(lines);
                let line = ChartLine::new()
                    .set_color(Color::Black)
                    .set_width(1.0)
                    .set_dash_type(ChartLineDashType::Dash)
                    .clone();
                chart
                    .add_series()
                    .set_name(&format!("target {}", crate::number::float(t)))
                    .set_categories(("curves", 1, 0, last_row, 0))
                    .set_values(("curves", 1, column, last_row, column))
                    .set_format(ChartFormat::new().set_line(&line));
            }
            // Placed in pixels from the first cell, so that the verdict's
            // column widths do not spread the charts apart.
            let place = s * rows_per_set * per_row + k;
            let x = (place % per_row) as u32 * (CHART.0 + CHART_GAP);
            let y = (place / per_row) as u32 * (CHART.1 + CHART_GAP);
            sheet.insert_chart_with_offset(row, 0, &chart, x, y)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epochs_sheet_is_left_out_past_the_row_limit_and_says_so() {
        let tmp = tempfile::TempDir::new().unwrap();
        let fits = WorkbookFile::new(10_000, 100, tmp.path()).unwrap();
        assert_eq!(fits.epochs_row, Some(1));
        assert!(fits.notes.is_empty());
        let too_many = WorkbookFile::new(10_400, 100, tmp.path()).unwrap();
        assert_eq!(too_many.epochs_row, None);
        assert!(
            too_many.notes[0].contains("up to 1050400 rows"),
            "{:?}",
            too_many.notes
        );
        let million = WorkbookFile::new(2_000_000, 1, tmp.path()).unwrap();
        assert!(million.notes[0].contains("holds the first 1048575 jobs"));
    }
}
