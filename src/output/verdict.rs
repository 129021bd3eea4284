//! The verdict as a person reads it: a table of each rule against the
//! reference over paired jobs, then one plain sentence per rule.

use super::aligned::aligned;
use super::rule_table::short;
use crate::export::verdict::RuleVerdict;
use crate::nn::Rule;
use crate::nn::gradient::Check;
use crate::number::float;
use std::collections::BTreeMap;

/// What `sweep gradcheck` says of a rule's step, over its activations.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The gradient for every activation.
    Gradient,
    /// Not the gradient for some activation, with the lowest cosine
    /// similarity to the descent direction.
    NotTheGradient(f64),
    /// No step of the weights' shape, with the reason.
    ShapeError(String),
}

impl Step {
    /// The verdict on `rule` from its checks.
    pub fn of(rule: Rule, checks: &[Check]) -> Option<Step> {
        let mine: Vec<&Check> = checks.iter().filter(|c| c.rule == rule).collect();
        if mine.is_empty() {
            return None;
        }
        if let Some(Err(e)) = mine.iter().map(|c| &c.result).find(|r| r.is_err()) {
            return Some(Step::ShapeError(e.to_string()));
        }
        let comparisons = mine.iter().filter_map(|c| c.result.as_ref().ok());
        let (all, cosine) = comparisons.fold((true, 1.0_f64), |(all, cos), c| {
            (all && c.is_gradient(), cos.min(c.min_cosine_similarity))
        });
        Some(match all {
            true => Step::Gradient,
            false => Step::NotTheGradient(cosine),
        })
    }

    /// Every rule's verdict from its checks.
    pub fn all(rules: &[Rule], checks: &[Check]) -> Steps {
        rules
            .iter()
            .filter_map(|&r| Some((r, Step::of(r, checks)?)))
            .collect()
    }

    /// The verdicts as the results database keeps them, a line per rule,
    /// for `sweep report`, which has no data to check with.
    pub fn record(steps: &Steps) -> String {
        let line = |(rule, step): (&Rule, &Step)| match step {
            Step::Gradient => format!("{rule}\tgradient"),
            Step::NotTheGradient(c) => format!("{rule}\tnot_gradient\t{}", float(*c)),
            Step::ShapeError(why) => format!("{rule}\tshape_error\t{why}"),
        };
        steps.iter().map(line).collect::<Vec<_>>().join("\n")
    }

    /// The verdicts [`Step::record`] kept; lines it cannot read are left out.
    pub fn parse(text: &str) -> Steps {
        let step = |line: &str| -> Option<(Rule, Step)> {
            let mut parts = line.splitn(3, '\t');
            let rule = parts.next()?.parse().ok()?;
            let step = match (parts.next()?, parts.next()) {
                ("gradient", _) => Step::Gradient,
                ("not_gradient", Some(c)) => Step::NotTheGradient(c.parse().ok()?),
                ("shape_error", Some(why)) => Step::ShapeError(why.to_string()),
                _ => return None,
            };
            Some((rule, step))
        };
        text.lines().filter_map(step).collect()
    }

    /// How the table shows it.
    pub fn cell(&self) -> String {
        match self {
            Step::Gradient => "gradient".into(),
            Step::NotTheGradient(_) => "not gradient".into(),
            Step::ShapeError(_) => "shape_error".into(),
        }
    }
}

/// Each rule's gradcheck verdict.
pub type Steps = BTreeMap<Rule, Step>;

/// The verdict: a table no wider than 100 columns (with `--by`, each
/// group's rows under a line naming the group, rather than in a column
/// that would widen it), then a sentence per rule.
pub fn render(reference: Rule, verdicts: &[RuleVerdict], steps: &Steps) -> String {
    let mut out = title(reference);
    let table = aligned(rows(reference, verdicts, steps, false), &[0, 1, 6]);
    let mut lines = table.lines();
    out.extend(lines.next().map(|header| format!("{header}\n")));
    let mut group = None;
    for (v, line) in verdicts.iter().zip(lines) {
        if !v.group.is_empty() && group != Some(&v.group) {
            out += &format!("{}:\n", v.group);
            group = Some(&v.group);
        }
        out += &format!("{line}\n");
    }
    for sentence in sentences(reference, verdicts, steps) {
        out += &wrapped(&sentence);
    }
    out
}

/// One plain sentence per verdict, its group first with `--by`.
pub fn sentences(reference: Rule, verdicts: &[RuleVerdict], steps: &Steps) -> Vec<String> {
    let with_group = |v: &RuleVerdict| {
        let sentence = sentence(reference, v, steps.get(&v.rule));
        match v.group.as_str() {
            "" => sentence,
            group => format!("{group}: {sentence}"),
        }
    };
    verdicts.iter().map(with_group).collect()
}

/// The verdict's table in Markdown, for a report or an issue.
pub fn markdown(reference: Rule, verdicts: &[RuleVerdict], steps: &Steps) -> String {
    let mut out = title(reference) + "\n";
    let group_column = grouped(verdicts);
    for (k, row) in rows(reference, verdicts, steps, group_column)
        .iter()
        .enumerate()
    {
        out += &format!("| {} |\n", row.join(" | "));
        if k == 0 {
            out += &format!("|{}\n", "---|".repeat(row.len()));
        }
    }
    out
}

/// The verdict as JSON: the reference, and per rule (and group) every
/// figure of `verdict.csv` with the step's verdict.
pub fn json(reference: Rule, verdicts: &[RuleVerdict], steps: &Steps) -> String {
    let rules: Vec<serde_json::Value> = verdicts
        .iter()
        .map(|v| {
            let mut value = serde_json::to_value(v).unwrap_or_default();
            value["step"] = steps
                .get(&v.rule)
                .map_or(serde_json::Value::Null, |s| s.cell().into());
            value
        })
        .collect();
    let report = serde_json::json!({ "reference": reference.name(), "rules": rules });
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

fn title(reference: Rule) -> String {
    format!(
        "verdict: each rule against {reference} over jobs that differ only in the rule \
         (final training loss)\n"
    )
}

fn grouped(verdicts: &[RuleVerdict]) -> bool {
    verdicts.iter().any(|v| !v.group.is_empty())
}

/// The header and a row per verdict, as the table and Markdown show them;
/// the group first with `group_column`.
fn rows(
    reference: Rule,
    verdicts: &[RuleVerdict],
    steps: &Steps,
    group_column: bool,
) -> Vec<Vec<String>> {
    let mut header = vec![
        "rule",
        "worse/=/better",
        "median diff [95% CI]",
        "p",
        "loss 0 → end",
        "target",
        "step",
    ];
    if group_column {
        header.insert(0, "group");
    }
    let mut rows = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
    for v in verdicts {
        let is_reference = v.rule == reference;
        let identical = v.pairs > 0 && v.equal == v.pairs;
        let mut row = vec![
            v.rule.to_string(),
            match (is_reference, identical) {
                (true, _) => "reference".into(),
                (false, true) => "identical".into(),
                _ if v.pairs == 0 => "no pairs".into(),
                _ => format!("{}/{}/{}", v.worse, v.equal, v.better),
            },
            match (v.median_difference, v.interval) {
                _ if is_reference || identical => "-".into(),
                (Some(m), Some((lo, hi))) => {
                    format!("{} [{}, {}]", signed(m), three(lo), three(hi))
                }
                (Some(m), None) => signed(m),
                (None, _) => "-".into(),
            },
            v.p.filter(|_| !identical).map_or("-".into(), p_value),
            match (v.initial_loss, v.final_loss) {
                (Some(a), Some(b)) => format!("{} → {}", three(a), three(b)),
                _ => "-".into(),
            },
            format!("{}/{}", v.reached, v.jobs),
            steps.get(&v.rule).map_or("-".into(), Step::cell),
        ];
        if group_column {
            row.insert(0, v.group.clone());
        }
        rows.push(row);
    }
    rows
}

/// The widest a line of the verdict may be.
const WIDTH: usize = 100;

/// `text` broken at spaces into lines of at most [`WIDTH`] characters, the
/// lines after the first indented.
fn wrapped(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out += &line;
            out.push('\n');
            line = "  ".into();
        } else if !line.is_empty() && line != "  " {
            line.push(' ');
        }
        line += word;
    }
    out += &line;
    out.push('\n');
    out
}

/// One plain sentence: how the rule compares, what its loss did, whether
/// its step is the gradient.
fn sentence(reference: Rule, v: &RuleVerdict, step: Option<&Step>) -> String {
    let mut parts = Vec::new();
    if let Some(Step::ShapeError(why)) = step
        && v.shape_errors == v.jobs
    {
        return format!("{}: every job ended in shape_error: {why}", v.rule);
    }
    if v.rule == reference {
        parts.push(format!("{}: the reference", v.rule));
    } else if v.pairs == 0 {
        parts.push(format!("{}: no pair with {reference} to compare", v.rule));
    } else if v.equal == v.pairs {
        parts.push(format!(
            "{}: identical to {reference} in all {} paired {}",
            v.rule,
            v.pairs,
            plural(v.pairs, "job", "jobs")
        ));
    } else {
        let (word, count) = match v.median_difference {
            Some(m) if m > 0.0 => ("worse than", v.worse),
            Some(m) if m < 0.0 => ("better than", v.better),
            _ => ("no different from", v.equal),
        };
        let p = v.p.map_or(String::new(), |p| match p_value(p) {
            below if below.starts_with('<') => format!(" (p {below})"),
            p => format!(" (p = {p})"),
        });
        parts.push(format!(
            "{}: {word} {reference} in {count} of {} paired {}{p}",
            v.rule,
            v.pairs,
            plural(v.pairs, "job", "jobs")
        ));
    }
    if let (Some(a), Some(b)) = (v.initial_loss, v.final_loss) {
        let moved = if b > a { "rose" } else { "fell" };
        parts.push(format!(
            "its loss {moved} (median {} → {})",
            short(a),
            short(b)
        ));
    }
    match step {
        Some(Step::Gradient) => parts.push("its step is the gradient".into()),
        Some(Step::NotTheGradient(cos)) => parts.push(format!(
            "its step is not the gradient (cosine down to {cos:.2})"
        )),
        _ => {}
    }
    parts.join("; ") + "."
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Three significant digits at most, for a table that fits 100 columns.
fn three(x: f64) -> String {
    if x == 0.0 || (1e-2..1e3).contains(&x.abs()) {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn signed(x: f64) -> String {
    if x > 0.0 {
        format!("+{}", three(x))
    } else {
        three(x)
    }
}

fn p_value(p: f64) -> String {
    // The normal approximation's tail underflows for huge samples: the p-value
    // is then below the smallest double, not zero.
    if p < f64::MIN_POSITIVE {
        "< 1e-308".into()
    } else if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}
