//! The crate's layers, checked on its source: every module imports only
//! from modules below it, and no two files import each other, directly or
//! round a circle. The order (docs/development.md) is
//!
//! ```text
//! main → commands → cli → runner → output → export → store → grid → data → config → nn
//! ```
//!
//! with small helpers at the bottom (`number`, `suggest`, `interrupt` and `process`,
//! then `named`, whose macro uses `suggest`). So `nn`, the
//! numerical core, compiles without anything above it.
//!
//! Test modules (`#[cfg(test)]` to the end of a file) are left out: a test
//! may build its inputs from anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Modules from the bottom up; a module may import from those before it.
const LAYERS: [&[&str]; 13] = [
    &[
        "number",
        "suggest",
        "interrupt",
        "process",
        "printable",
        "stats",
    ],
    &["named"],
    &["nn"],
    &["config"],
    &["data"],
    &["grid"],
    &["store"],
    &["export"],
    &["output"],
    &["runner"],
    &["cli"],
    &["commands"],
    &["lib", "main"],
];

fn rank(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

/// Every source file as its module path (`export/summary`, `nn`, `lib`)
/// and its text without the test module.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}/"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap().to_string();
                let module = match name.as_str() {
                    "mod" => prefix.trim_end_matches('/').to_string(),
                    _ => format!("{prefix}{name}"),
                };
                out.insert(module, code);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut out,
    );
    out
}

/// The files `module`'s code refers to through `crate::` and `super::`
/// paths, each resolved to the longest module path that is a file.
fn imports(module: &str, code: &str, files: &BTreeSet<String>) -> BTreeSet<String> {
    // `super` in a/b.rs and in a/b/mod.rs is `a`; in a.rs or a/mod.rs it is the crate.
    let parent = module.rsplit_once('/').map_or("", |(p, _)| p);
    let mut found = BTreeSet::new();
    for (marker, base) in [("crate::", ""), ("super::", parent)] {
        for (at, _) in code.match_indices(marker) {
            let rest = &code[at + marker.len()..];
            let segments: Vec<&str> = rest
                .split("::")
                .map(|s| {
                    let end = s
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(s.len());
                    &s[..end]
                })
                .take_while(|s| !s.is_empty())
                .collect();
            let mut best = None;
            for n in 1..=segments.len() {
                let path = match base {
                    "" => segments[..n].join("/"),
                    base => format!("{base}/{}", segments[..n].join("/")),
                };
                if files.contains(&path) {
                    best = Some(path);
                }
            }
            if let Some(target) = best.filter(|t| t != module) {
                found.insert(target);
            }
        }
    }
    found
}

fn top(module: &str) -> &str {
    module.split('/').next().unwrap()
}

#[test]
fn modules_import_only_from_below() {
    let sources = sources();
    let files: BTreeSet<String> = sources.keys().cloned().collect();
    let mut wrong = Vec::new();
    for (module, code) in &sources {
        for target in imports(module, code, &files) {
            let (from, to) = (top(module), top(&target));
            if from != to && rank(to) >= rank(from) {
                wrong.push(format!("{module} imports {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_file_imports_round_a_circle() {
    let sources = sources();
    let files: BTreeSet<String> = sources.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = sources
        .iter()
        .map(|(m, code)| (m.as_str(), imports(m, code, &files)))
        .collect();
    // Depth-first search; a file met again while still on the path closes a circle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(k) = path.iter().position(|&p| p == node) {
            let mut circle: Vec<String> = path[k..].iter().map(|s| s.to_string()).collect();
            circle.push(node.to_string());
            return Some(circle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for &start in graph.keys() {
        if let Some(circle) = visit(start, &graph, &mut Vec::new(), &mut done) {
            panic!("files that import each other: {}", circle.join(" → "));
        }
    }
}

#[test]
fn the_checker_sees_an_upward_import() {
    let files: BTreeSet<String> = ["nn/train", "grid", "grid/shard", "export/summary", "export"]
        .map(String::from)
        .into();
    let found = imports("nn/train", "use crate::grid::JobParams;", &files);
    assert_eq!(found, BTreeSet::from(["grid".to_string()]));
    let found = imports(
        "export/summary",
        "use super::job_file::X;\nuse crate::grid::shard::Shard;",
        &files,
    );
    assert_eq!(found, BTreeSet::from(["grid/shard".to_string()]));
    assert!(rank("grid") > rank("nn"));
}
