//! `results.xlsx` read back: by a reader crate (calamine) in every run of
//! the tests, and by LibreOffice itself where `.ci/run` installs it.

mod common;

use calamine::{Data, Range, Reader, open_workbook_auto};
use common::*;
use std::fs;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// Three rules, two activations, a learning rate at which `linear` jobs
/// diverge: finished and diverged jobs, identical rules, a target.
const CONFIG: &str = r#"
name = "book"
epochs = 10
[data]
source = "iris"
inputs = ["petal_length", "petal_width"]
target = "species"
[grid]
rule = ["kronecker", "matmul", "kronecker_input"]
activation = ["sigmoid", "linear"]
learning_rate = [0.1, 1000]
seed = { from = 1, count = 3 }
[target]
validation_loss_below = 0.1
"#;

fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut book = open_workbook_auto(path).unwrap();
    book.worksheet_range(name).unwrap()
}

/// The sheet's rows as maps from its header to the cell.
fn records(range: &Range<Data>, header_row: usize) -> Vec<Vec<(String, Data)>> {
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[header_row].iter().map(|c| c.to_string()).collect();
    rows[header_row + 1..]
        .iter()
        .take_while(|r| r.iter().any(|c| *c != Data::Empty))
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// Runs [`CONFIG`] in a fresh folder: the folder and the results'.
fn run_book() -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let config = write_config(&tmp, CONFIG);
    run_ok(&[config.to_str().unwrap()], tmp.path());
    let dir = tmp.path().join("book");
    (tmp, dir)
}

fn get<'a>(record: &'a [(String, Data)], column: &str) -> &'a Data {
    &record.iter().find(|(h, _)| h == column).unwrap().1
}

#[test]
fn the_workbook_holds_every_sheet_with_numbers_as_numbers() {
    let (_tmp, dir) = run_book();
    let path = dir.join("results.xlsx");
    let book = open_workbook_auto(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["verdict", "summary", "curves", "epochs"]
    );

    // The verdict: the figures of verdict.csv, as numbers, and the words.
    let verdict_csv = rows(&dir.join("verdict.csv"));
    let range = sheet(&path, "verdict");
    let verdict = records(&range, 2);
    assert_eq!(verdict.len(), verdict_csv.len());
    for (row, csv) in verdict.iter().zip(&verdict_csv) {
        for (column, text) in csv {
            match (get(row, column), text.parse::<f64>()) {
                (Data::Float(x), Ok(y)) => assert_eq!(*x, y, "{column}"),
                (Data::Empty, _) => assert_eq!(text, "", "{column}"),
                (Data::String(s), Err(_)) => assert_eq!(s, text, "{column}"),
                (cell, _) => panic!("{column}: {cell:?} for {text:?}"),
            }
        }
    }
    let kronecker = &verdict[0];
    assert_eq!(get(kronecker, "rule"), &Data::String("kronecker".into()));
    assert_eq!(get(kronecker, "step"), &Data::String("not gradient".into()));
    let words: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
    assert!(
        words
            .iter()
            .any(|w| w.starts_with("kronecker_input: identical to matmul")),
        "{words:?}"
    );

    // The summary: a row per job; a number is a number, a diverged job's
    // NaN an empty cell beside its status.
    let summary_csv = rows(&dir.join("summary.csv"));
    let summary = records(&sheet(&path, "summary"), 0);
    assert_eq!(summary.len(), 36);
    assert_eq!(summary.len(), summary_csv.len());
    let mut diverged = 0;
    for (row, csv) in summary.iter().zip(&summary_csv) {
        for (column, text) in csv {
            let cell = get(row, column);
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() => assert_eq!(cell, &Data::Float(x), "{column}"),
                Ok(_) => assert_eq!(cell, &Data::Empty, "{column}"),
                Err(_) if text.is_empty() => assert_eq!(cell, &Data::Empty, "{column}"),
                Err(_) => assert_eq!(cell, &Data::String(text.clone()), "{column}"),
            }
        }
        if csv["status"] == "diverged" {
            diverged += 1;
            assert_eq!(get(row, "final_train_loss"), &Data::Empty);
        }
    }
    assert_eq!(diverged, 12);

    // Every epoch of every job, as epochs.csv has them.
    let epochs_csv = rows(&dir.join("epochs.csv"));
    let epochs = records(&sheet(&path, "epochs"), 0);
    assert_eq!(epochs.len(), epochs_csv.len());
    for (row, csv) in epochs.iter().zip(&epochs_csv) {
        assert_eq!(get(row, "job_id"), &Data::String(csv["job_id"].clone()));
        let loss: f64 = csv["train_loss"].parse().unwrap();
        match get(row, "train_loss") {
            Data::Float(x) => assert_eq!(*x, loss),
            cell => assert!(!loss.is_finite() && *cell == Data::Empty, "{cell:?}"),
        }
    }

    // The charts' data: each line's mean is curves.csv's group mean (the
    // grid varies nothing else), on training loss.
    let curves_csv = rows(&dir.join("curves.csv"));
    let curves = records(&sheet(&path, "curves"), 0);
    assert_eq!(curves.len(), 11);
    for (row, csv) in curves.iter().zip(&curves_csv) {
        let sheet_mean = get(row, "training matmul sigmoid lr=0.1 mean");
        let csv_mean: f64 = csv["matmul/sigmoid/lr=0.1"].parse().unwrap();
        assert_eq!(sheet_mean, &Data::Float(csv_mean));
        assert_eq!(get(row, "target"), &Data::Float(0.1));
    }

    // Charts: one per panel of loss.svg (2 sets × 2 learning rates). A zip
    // names each member twice in plain bytes (its header and the central
    // directory), so 4 charts are 8 mentions.
    let bytes = fs::read(&path).unwrap();
    let name = b"xl/charts/chart";
    let mentions = bytes.windows(name.len()).filter(|w| w == name).count();
    assert_eq!(mentions, 2 * 4);
}

#[test]
fn the_workbook_is_the_same_bytes_from_a_report_and_can_be_left_out() {
    let (tmp, dir) = run_book();
    let written = tmp.path().join("copy.xlsx");
    assert_cmd::cargo::cargo_bin_cmd!("sweep")
        .arg("report")
        .arg(&dir)
        .arg("--xlsx")
        .arg(&written)
        .assert()
        .success();
    assert!(fs::read(&written).unwrap() == fs::read(dir.join("results.xlsx")).unwrap());

    let off = write_config(&tmp, &format!("{CONFIG}[output]\nworkbook = false\n"));
    let out = tmp.path().join("off");
    run_ok(&[off.to_str().unwrap()], &out);
    assert!(!out.join("book/results.xlsx").exists());
    assert!(out.join("book/summary.csv").exists());
    let recorded = fs::read_to_string(out.join("book/config.toml")).unwrap();
    assert!(recorded.contains("workbook = false"), "{recorded}");
}

/// Text in every CSV sweep writes is ASCII, so no default import can
/// mistake its encoding.
#[test]
fn csv_files_are_ascii() {
    let tmp = TempDir::new().unwrap();
    run_ok(&[repo("configs/iris4.toml").to_str().unwrap()], tmp.path());
    let dir = tmp.path().join("iris4");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let bytes = fs::read(&path).unwrap();
            assert!(bytes.is_ascii(), "{} is not ASCII", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
    let summary = fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert!(summary.contains("kron(z^T, delta) is 3x3 but the weights are 5x3"));
}

/// LibreOffice, run headless as a user would open the files: the workbook
/// converts with every value a number where it should be, its sheets
/// named, and the charts render to a PDF; a CSV's text survives the
/// default import in a German locale.
#[test]
#[ignore = "needs LibreOffice and pdftotext; .ci/run installs them and runs this"]
fn libreoffice_opens_the_workbook_and_renders_its_charts() {
    let (tmp, dir) = run_book();
    let convert = |to: &str, file: &Path, lang: &str| {
        let out = Command::new("soffice")
            .args(["--headless", "--convert-to", to, "--outdir"])
            .arg(tmp.path())
            .arg(file)
            .env("HOME", tmp.path())
            .env("LC_ALL", lang)
            .env("LANG", lang)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    let content = |ods: &str| {
        let out = Command::new("unzip")
            .arg("-p")
            .arg(tmp.path().join(ods))
            .arg("content.xml")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };

    convert("ods", &dir.join("results.xlsx"), "C.UTF-8");
    let xml = content("results.ods");
    for name in ["verdict", "summary", "curves", "epochs"] {
        assert!(xml.contains(&format!("table:name=\"{name}\"")), "{name}");
    }
    // The verdict's kronecker row: rule, reference, then six counts, all
    // numbers to LibreOffice.
    let row = xml
        .split("<table:table-row")
        .find(|r| r.contains("<text:p>kronecker</text:p>") && r.contains("not gradient"))
        .expect("the verdict's kronecker row");
    assert!(
        row.matches("office:value-type=\"float\"").count() >= 12,
        "{row}"
    );
    // The summary sheet: every finite number is a float, never a string
    // that looks like one.
    let summary = xml
        .split("table:name=\"summary\"")
        .nth(1)
        .unwrap()
        .split("</table:table>")
        .next()
        .unwrap();
    for cell in summary.split("<table:table-cell").skip(1) {
        if let Some(text) = cell.split("<text:p>").nth(1) {
            let text = text.split("</text:p>").next().unwrap();
            if text.parse::<f64>().is_ok() {
                assert!(cell.contains("office:value-type=\"float\""), "{cell}");
            }
        }
    }

    convert("pdf", &dir.join("results.xlsx"), "C.UTF-8");
    let text = Command::new("pdftotext")
        .arg(tmp.path().join("results.pdf"))
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8_lossy(&text.stdout);
    for title in [
        "training loss, learning rate = 0.1",
        "validation loss, learning rate = 1000",
    ] {
        assert!(text.contains(title), "no chart titled {title}: {text}");
    }

    // A CSV's text through the default import of a German locale.
    let iris4 = tmp.path().join("iris4");
    run_ok(&[repo("configs/iris4.toml").to_str().unwrap()], &iris4);
    convert("ods", &iris4.join("iris4/summary.csv"), "de_DE.UTF-8");
    let xml = content("summary.ods");
    assert!(
        xml.contains("kron(z^T, delta) is 3x3 but the weights are 5x3"),
        "the message did not survive the import"
    );
}
