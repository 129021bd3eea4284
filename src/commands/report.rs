//! `sweep report DIR`: the table and the verdict of a results folder,
//! read from its database alone (finished or not).

use super::{table_from_figures, verdict_sheet};
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Config;
use crate::config::Key;
use crate::export::aggregate::{Row, for_each_row};
use crate::export::lines::Lines;
use crate::export::verdict::{self, Pairs};
use crate::export::workbook::{VerdictSheet, WorkbookFile};
use crate::grid::Plan;
use crate::nn::Rule;
use crate::output::print;
use crate::output::rule_table::RuleTable;
use crate::output::verdict::{self as verdict_text, Step};
use crate::printable;
use crate::store::{MAIN_DB, ResultsDir, Store};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

/// A report that cannot be made as asked.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--reference` names a rule the grid does not have.
    #[error("--reference {rule}: the grid's rules are {rules}; give one of them")]
    Reference {
        /// The rule asked for.
        rule: Rule,
        /// The grid's rules.
        rules: String,
    },
}

/// Prints the report of the folder's `results.db` in the format asked for.
pub fn execute(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let dir = ResultsDir::at(&args.dir);
    let path = dir.file(MAIN_DB);
    // Anything by that name goes on to be opened, to be refused for what it
    // is (a folder, a damaged database).
    if !path.exists() {
        return Err(dir
            .no_results("holds no results.db (a sharded sweep: run `sweep collect` first)")
            .into());
    }
    let store = Store::open_existing(&path)?;
    let config = store.recording().config.clone();
    let plan = Plan::new(&config.grid)?;
    let elsewhere = store.elsewhere()?;
    // With --all, the grid that has every stored cell: the config's, each
    // axis extended by the values of the cells it no longer names.
    let mut grid = config.grid.clone();
    if args.all && elsewhere > 0 {
        grid.exclude.clear();
        store.for_each_figures(|_, p, _| grid.include(&p))?;
    }
    let reported = Plan::new(&grid)?;
    let command = vec!["sweep".into(), "CONFIG".into(), "-o".into(), "DIR".into()];
    let mut table = RuleTable::new(&grid, &args.by, config.target_loss(), command);
    if let Some(rule) = args.reference
        && !grid.rule.contains(&rule)
    {
        return Err(ReportError::Reference {
            rule,
            rules: grid.describe(Key::Rule),
        }
        .into());
    }
    let mut pairs = Pairs::new(&reported, &args.by, args.reference);
    let counts = table_from_figures(&store, &plan, args.all, &mut table, &mut pairs)?;
    let steps = Step::parse(&store.meta("steps")?.unwrap_or_default());
    let (reference, verdicts) = (pairs.reference(), pairs.verdicts());
    if let Some(path) = &args.csv {
        verdict::write(path, reference, &verdicts)?;
    }
    if let Some(path) = &args.xlsx {
        let sheet = verdict_sheet(&config, reference, &verdicts, &steps);
        write_workbook(path, &store, &plan, &config, &sheet)?;
    }
    match args.format {
        ReportFormat::Table => {
            let mut text = format!(
                "{}: {} of {} finished\n",
                args.dir.display(),
                counts.finished,
                printable::count(counts.finished + counts.missing, "job")
            );
            if elsewhere > 0 {
                text += &elsewhere_line(elsewhere, args.all);
                text += "\n";
            }
            text += &table.render();
            text += &format!("\n{}", verdict_text::render(reference, &verdicts, &steps));
            print(&text)?;
        }
        ReportFormat::Csv => {
            let mut text = Vec::new();
            verdict::write_csv(&mut text, reference, &verdicts)?;
            print(&String::from_utf8_lossy(&text))?;
        }
        ReportFormat::Markdown => print(&verdict_text::markdown(reference, &verdicts, &steps))?,
        ReportFormat::Json => print(&verdict_text::json(reference, &verdicts, &steps))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the workbook of the folder's jobs to `path`; the big sheets
/// buffer their rows beside it.
fn write_workbook(
    path: &Path,
    store: &Store,
    plan: &Plan,
    config: &Config,
    sheet: &VerdictSheet<'_>,
) -> anyhow::Result<()> {
    let beside = path.parent().filter(|p| !p.as_os_str().is_empty());
    let epochs = config.epoch_count();
    let mut book = WorkbookFile::new(plan.cross_len(), epochs, beside.unwrap_or(".".as_ref()))
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    let mut lines = Lines::new(&config.grid, epochs);
    for_each_row(store, plan, |row| {
        if let Row::Finished(s, rows) = row {
            lines.add(&s.params, s.outcome.status(), rows);
        }
        book.add(row)
    })?;
    book.finish(path, &lines, sheet)
}

/// The line that counts the stored jobs of cells the config no longer
/// names, and says whether they are in the report.
fn elsewhere_line(jobs: u64, included: bool) -> String {
    let jobs = printable::count(jobs, "finished job");
    match included {
        true => format!("and {jobs} of cells the config no longer names, included (--all)"),
        false => format!(
            "and {jobs} of cells the config no longer names, left out (--all includes them)"
        ),
    }
}
