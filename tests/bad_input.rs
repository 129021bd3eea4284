//! Bad input is refused before any job runs: exit status 2, nothing
//! written, and a message that names the place, the value and what would
//! be accepted.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use common::*;
use std::fs;
use tempfile::TempDir;

/// Runs `config` (with `files` written beside it) and expects a refusal
/// whose message contains every needle.
fn refused(config: &str, files: &[(&str, &[u8])], needles: &[&str]) {
    let tmp = TempDir::new().unwrap();
    for (name, content) in files {
        fs::write(tmp.path().join(name), content).unwrap();
    }
    let path = write_config(&tmp, config);
    let out = tmp.path().join("out");
    let output = cargo_bin_cmd!("sweep")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{config}\n{stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{config}\nwants `{needle}` in:\n{stderr}"
        );
    }
    assert!(!out.exists(), "nothing is written for a refused config");
    assert_in_words(&stderr);
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    refused("epochs = 5\n[grid\n", &[], &["small.toml:2:", "[grid"]);
}

#[test]
fn unknown_key_suggests_the_right_one() {
    refused(
        "[data]\nsplt = { train = 1, validation = 0, test = 0 }\n",
        &[],
        &[
            "small.toml:2:1: data.splt: unknown key `splt`",
            "did you mean `split`",
            "`scale`",
        ],
    );
}

#[test]
fn wrong_type_names_what_was_expected() {
    refused(
        "epochs = \"ten\"\n",
        &[],
        &["small.toml:1:10", "\"ten\"", "expected"],
    );
    refused("[grid]\nrule = 3\n", &[], &["small.toml:2:", "expected"]);
}

#[test]
fn empty_axis_is_refused() {
    refused(
        "[grid]\nactivation = []\n",
        &[],
        &["small.toml:2:", "empty list", "at least one value"],
    );
}

#[test]
fn learning_rate_must_be_positive_and_finite() {
    for value in ["0", "-0.5", "nan", "inf"] {
        refused(
            &format!("[grid]\nlearning_rate = [0.1, {value}]\n"),
            &[],
            &[
                "small.toml:2:23: grid.learning_rate[1]: ",
                "finite number above 0",
            ],
        );
    }
}

#[test]
fn epochs_must_be_from_1_to_the_maximum() {
    for value in ["0", "-3", "100000000000"] {
        refused(
            &format!("epochs = {value}\n"),
            &[],
            &[
                &format!("small.toml:1:10: epochs: {value} is not accepted"),
                "from 1 to 1000000",
            ],
        );
    }
}

#[test]
fn batch_size_must_be_from_1_to_the_training_set() {
    refused(
        "[grid]\nbatch_size = 0\n",
        &[],
        &[
            "small.toml:2:14: grid.batch_size: 0 is not accepted",
            "a whole number from 1",
        ],
    );
    refused(
        "[grid]\nbatch_size = [1, 76]\n",
        &[],
        &[
            "small.toml:2:18: grid.batch_size[1]: ",
            "76",
            "75 training samples",
            "at most 75",
        ],
    );
}

#[test]
fn split_fractions_must_be_in_range_and_sum_to_one() {
    refused(
        "[data]\nsplit = { train = 1.1, validation = -0.1, test = 0 }\n",
        &[],
        &["small.toml:2:", "from 0 to 1"],
    );
    refused(
        "[data]\nsplit = { train = 0.5, validation = 0.3, test = 0.3 }\n",
        &[],
        &["small.toml", "data.split", "sum to 1.1", "must sum to 1"],
    );
}

#[test]
fn unknown_names_list_the_valid_ones() {
    refused(
        "[grid]\nrule = \"kron\"\n",
        &[],
        &[
            "small.toml:2:8: grid.rule[0]: unknown rule `kron` (did you mean `kronecker`?)",
            "matmul, kronecker, kronecker_input",
        ],
    );
    refused(
        "[grid]\nactivation = \"tanh_01\"\n",
        &[],
        &["did you mean `tanh01`", "`leaky_relu`"],
    );
    refused(
        "[grid]\nsampling = \"shuffled\"\n",
        &[],
        &["did you mean `shuffle`", "`sequential`"],
    );
    refused(
        "[data]\nscale = \"zscore\"\n",
        &[],
        &["unknown value `zscore`", "`none`, `standard`, `minmax`"],
    );
    refused(
        "[data]\nsource = \"irsi\"\n",
        &[],
        &[
            "data.source",
            "`irsi`",
            "did you mean `iris`",
            "path of a CSV file",
        ],
    );
}

#[test]
fn input_column_must_exist() {
    refused(
        "[data]\ninputs = [\"petal_length\", \"petal_widht\"]\n",
        &[],
        &[
            "data.inputs",
            "`petal_widht`",
            "did you mean `petal_width`",
            "sepal_length",
        ],
    );
}

#[test]
fn data_file_must_exist_hold_rows_and_be_readable() {
    refused(
        "[data]\nsource = \"missing.csv\"\n",
        &[],
        &["missing.csv", "No such file", "config file's folder"],
    );
    refused(
        "[data]\nsource = \"empty.csv\"\n",
        &[("empty.csv", b"")],
        &["empty.csv", "no data rows"],
    );
    refused(
        "[data]\nsource = \"header.csv\"\n",
        &[("header.csv", b"a,b,label\n")],
        &["header.csv", "no data rows"],
    );
    refused(
        "[data]\nsource = \"binary.csv\"\n",
        &[("binary.csv", b"a,b\n\xff\xfe,1\n")],
        &["binary.csv", "line 2", "not UTF-8 text"],
    );
    refused(
        "[data]\nsource = \".\"\n",
        &[],
        &["cannot read data file", "directory"],
    );
}

#[test]
fn ragged_csv_row_is_named() {
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", b"a,b,label\n1,2,x\n3,y\n")],
        &["d.csv", "line 3", "2 fields where the header has 3"],
    );
}

#[test]
fn non_numeric_and_non_finite_cells_are_named() {
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", b"a,b,label\n1,2,x\n3,four,y\n")],
        &["d.csv", "line 3", "column `b`", "`four` is not a number"],
    );
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", b"a,b,label\n1,inf,x\n3,4,y\n")],
        &[
            "d.csv",
            "line 2",
            "column `b`",
            "`inf` is not a finite number",
        ],
    );
}

#[test]
fn single_class_is_refused() {
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", b"a,label\n1,x\n2,x\n3,x\n")],
        &["d.csv", "only the class `x`", "at least two"],
    );
}

#[test]
fn exclude_matching_nothing_is_a_warning() {
    let tmp = TempDir::new().unwrap();
    let config = write_config(
        &tmp,
        "epochs = 2\n[grid]\nrule = \"matmul\"\nexclude = [{ activation = \"relu\" }]\n",
    );
    cargo_bin_cmd!("sweep")
        .arg(&config)
        .arg("-o")
        .arg(tmp.path())
        .arg("-q")
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "warning: grid.exclude[0] matches no cell",
        ));
}

#[test]
fn grid_too_large_is_refused_with_its_count() {
    refused(
        "[grid]\nlearning_rate = [0.1, 0.2, 0.3]\nseed = { from = 0, count = 100000000 }\n",
        &[],
        &["small.toml", "900000000 cells", "more than the 100000000"],
    );
}

#[test]
fn unwritable_output_folder_is_refused_before_training() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let output = cargo_bin_cmd!("sweep")
        .arg("-o")
        .arg(file.join("results"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot be written"), "{stderr}");
    assert!(stderr.contains("a-file/results/grid"), "{stderr}");
    assert!(stderr.contains("-o DIR"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "not a folder",
        "nothing was touched"
    );
}

#[test]
fn generator_and_csv_keys_must_fit_the_source() {
    refused(
        "[data]\nsource = \"xor\"\ninputs = [\"a\"]\n",
        &[],
        &["data.inputs", "applies to CSV sources", "[data.logic]"],
    );
    refused(
        "[data.blobs]\nclasses = 4\n",
        &[],
        &["data.blobs", "does not apply to source = \"iris\""],
    );
    refused(
        "[data]\nsource = \"blobs\"\nblobs = { classes = 1 }\n",
        &[],
        &["data.blobs.classes", "from 2 to 1000"],
    );
    refused(
        "[data]\nsource = \"and\"\nlogic = { samples = 6 }\n",
        &[],
        &["data.logic.samples", "multiple of 4"],
    );
    refused(
        "[data]\ntarget = \"species\"\ntargets = [\"petal_width\"]\n",
        &[],
        &["data.targets", "not both"],
    );
    refused(
        "[data]\ndelimiter = \";;\"\n",
        &[],
        &["small.toml:2:", "one ASCII character"],
    );
    refused(
        "[data]\ninputs = [7]\n",
        &[],
        &["data.inputs", "column index 7", "0 to 4"],
    );
}

#[test]
fn every_key_is_named_by_its_path_with_its_place() {
    for (config, at) in [
        (
            "grid.lerning_rate = [0.1]\n",
            "small.toml:1:6: grid.lerning_rate: ",
        ),
        (
            "[data]\nsplit = { validaton = 0.25 }\n",
            "small.toml:2:11: data.split.validaton: ",
        ),
        (
            "[grid]\nexclude = [{ rul = \"matmul\" }]\n",
            "small.toml:2:14: grid.exclude[0].rul: ",
        ),
        (
            "[data]\nsource = \"blobs\"\n[data.blobs]\nspread = -1\n",
            "small.toml:4:10: data.blobs.spread: -1 is not accepted",
        ),
        (
            "[grid]\nrule = [\"matmul\", \"matmul\"]\n",
            "small.toml:2:19: grid.rule[1]: `matmul` is listed twice",
        ),
        (
            "[grid]\nlearning_rate = [0.1, 0.1]\n",
            "small.toml:2:23: grid.learning_rate[1]: `0.1` is listed twice",
        ),
        (
            "[data]\ninputs = [\"sepal_length\", \"petal_widht\"]\n",
            "small.toml:2:27: data.inputs[1]: ",
        ),
    ] {
        refused(config, &[], &[at]);
    }
}

#[test]
fn sizes_past_their_bounds_are_refused_with_the_key_and_the_bound() {
    for (config, needles) in [
        (
            "[data]\nsource = \"blobs\"\n[data.blobs]\ndimension = 100000000000\n",
            &["data.blobs.dimension", "from 1 to 10000"][..],
        ),
        (
            "[data]\nsource = \"blobs\"\n[data.blobs]\nclasses = 1000\nper_class = 9000000\n",
            &["data.blobs.per_class", "9000000000 rows", "10000000"],
        ),
        (
            "[data]\nsource = \"teacher\"\n[data.teacher]\noutputs = 4294967296\n",
            &["data.teacher.outputs", "from 1 to 1000"],
        ),
        (
            "[data]\nsource = \"teacher\"\n[data.teacher]\nsamples = 10000000\ninputs = 1000\n",
            &["data.teacher.inputs", "numbers", "100000000"],
        ),
        (
            "[data]\nsource = \"xor\"\n[data.logic]\nsamples = 400000000000\n",
            &["data.logic.samples", "from 4 to 10000000"],
        ),
        (
            "epochs = 1000000\nupdates_per_epoch = 100000000\n",
            &[
                "small.toml:2:21: updates_per_epoch",
                "1000000000000 updates",
            ],
        ),
        (
            "[grid]\ninit_range = [0.5, 1e308]\n",
            &[
                "small.toml:2:20: grid.init_range[1]",
                "a number from 0 to 1e12",
            ],
        ),
        (
            "epochs = 10000000\n",
            &["small.toml:1:10: epochs", "from 1 to 1000000"],
        ),
    ] {
        refused(config, &[], needles);
    }
}

#[test]
fn csv_sizes_past_their_bounds_are_refused() {
    let mut labels = b"x,label\n".to_vec();
    for k in 0..1500 {
        labels.extend(format!("{k},class{k}\n").bytes());
    }
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", &labels)],
        &["d.csv", "1500 outputs", "more than the 1000"],
    );
    let header: Vec<String> = (0..12_000).map(|k| format!("c{k}")).collect();
    let wide = format!("{}\n{}\n", header.join(","), vec!["1"; 12_000].join(","));
    refused(
        "[data]\nsource = \"d.csv\"\n",
        &[("d.csv", wide.as_bytes())],
        &["d.csv", "12000 columns", "11000"],
    );
}

#[test]
fn a_split_part_that_rounds_to_no_rows_is_refused() {
    refused(
        "[data]\nsource = \"xor\"\nsplit = { train = 0.9, validation = 0.05, test = 0.05 }\n\
         [stop]\nvalidation_loss_below = 0.1\n",
        &[],
        &[
            "small.toml:3:37: data.split.validation: ",
            "0.05 of 4 rows rounds to no validation sample",
            "0 for none",
        ],
    );
}

#[test]
fn a_huge_line_gives_a_short_message() {
    let config = format!(
        "[grid]\nlearning_rate = [{}-1]\n",
        "0.5, ".repeat(2_000_000)
    );
    let tmp = TempDir::new().unwrap();
    let stderr = refused_briefly(&write_config(&tmp, &config));
    assert!(
        stderr.contains("grid.learning_rate[2000000]: -1 is not accepted"),
        "{stderr}"
    );
    let too_big = format!("# {}\n", "x".repeat(20 << 20));
    let path = write_config(&tmp, &too_big);
    let output = cargo_bin_cmd!("sweep").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("more than the 16777216"), "{stderr}");
}

#[test]
fn control_characters_in_a_name_are_not_printed_raw() {
    refused(
        "name = \"bell\\u0007and\\u001b[31mred\"\n",
        &[],
        &["small.toml:1:8: name: ", "control character"],
    );
    refused(
        "[data]\nsource = \"d\\u0000.csv\"\n",
        &[],
        &["cannot read data file"],
    );
}

#[test]
fn a_huge_cell_gives_a_short_message() {
    let cell = "x".repeat(1 << 20);
    let csv = format!("a,b,label\n1,{cell},y\n2,3,z\n");
    let tmp = TempDir::new().unwrap();
    fs::write(tmp.path().join("d.csv"), csv).unwrap();
    let stderr = refused_briefly(&write_config(&tmp, "[data]\nsource = \"d.csv\"\n"));
    assert!(stderr.contains("line 2, column `b`: `xxxx"), "{stderr}");
}

/// `sweep CONFIG --dry-run`, refused with a message under 1,000 bytes.
fn refused_briefly(config: &std::path::Path) -> String {
    let output = cargo_bin_cmd!("sweep")
        .arg(config)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.len() < 1000, "{} bytes of message", stderr.len());
    stderr
}

#[test]
fn a_config_that_is_not_utf8_or_not_a_file_is_named() {
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("latin1.toml");
    fs::write(&path, b"epochs = 2\nname = \"caf\xe9\"\n").unwrap();
    let output = cargo_bin_cmd!("sweep").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("latin1.toml:2:12: this byte is not UTF-8"),
        "{stderr}"
    );
    let output = cargo_bin_cmd!("sweep").arg(tmp.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("it is a folder"), "{stderr}");
    assert_in_words(&stderr);
}

#[test]
fn bad_ranges_are_refused_at_their_place() {
    refused(
        "[grid]\nlearning_rate = { from = 0, to = 1, count = 3, scale = \"log\" }\n",
        &[],
        &[
            "small.toml:2:",
            "grid.learning_rate",
            "a log scale needs from and to above 0",
        ],
    );
    refused(
        "[grid]\nlearning_rate = { from = 0.1, to = 0.1001, count = 4 }\n",
        &[],
        &[
            "grid.learning_rate",
            "both round to 0.1 at 3 significant digits",
        ],
    );
    refused(
        "[grid]\nbatch_size = { from = 8, to = 2, step = 2 }\n",
        &[],
        &["grid.batch_size", "from 8 is above to 2"],
    );
    refused(
        "[grid]\nlearning_rate = { from = 0.1, to = 1, count = 0 }\n",
        &[],
        &["grid.learning_rate.count", "0 is not accepted"],
    );
    refused(
        "[grid]\nrule = { from = 1, count = 2 }\n",
        &[],
        &["grid.rule", "a range is for numbers", "`matmul`"],
    );
    refused(
        "[grid]\ninit_range = { from = -1, to = 1, count = 3 }\n",
        &[],
        &["grid.init_range", "-1 is not accepted"],
    );
}

#[test]
fn a_rule_of_ones_own_is_checked_before_anything_runs() {
    // A mistake inside the expression: its line, its column inside the
    // string, and a caret under it.
    refused(
        "[rules]\nmine = \"scalar_mul(eta, kron(transpose(outputs), delta))\"\n\
         [grid]\nrule = \"mine\"\n",
        &[],
        &[
            "small.toml:2:25: rules.mine: unknown function `kron` (did you mean `kronecker`?)",
            "|                         ^",
        ],
    );
    for (rule, needles) in [
        (
            "transpose(outputs, delta)",
            &["2:9:", "`transpose` takes 1 argument, here 2"][..],
        ),
        ("scalar_mul(eta, delta", &["2:30:", "is not closed"][..]),
        (
            "scalar_mul(eta, detla)",
            &["2:25:", "did you mean `delta`", "names: sample"][..],
        ),
        ("", &["ends where a name"][..]),
    ] {
        refused(
            &format!("[rules]\nmine = \"{rule}\"\n[grid]\nrule = \"mine\"\n"),
            &[],
            needles,
        );
    }
    // Names: a built-in one, one that cannot be a rule's, one not defined.
    refused(
        "[rules]\nmatmul = \"delta\"\n",
        &[],
        &["rules.matmul: `matmul` is a built-in rule; give yours another name"],
    );
    refused(
        "[rules]\n\"my-rule\" = \"delta\"\n",
        &[],
        &["letters, digits and _"],
    );
    refused(
        "[rules]\nmine = \"scalar_mul(eta, delta)\"\n[grid]\nrule = [\"matmul\", \"mien\"]\n",
        &[],
        &[
            "grid.rule[1]: unknown rule `mien` (did you mean `mine`?)",
            "the config's own ([rules]): mine",
        ],
    );
    refused(
        "[grid]\nexclude = [{ rule = \"printed\" }]\n",
        &[],
        &["grid.exclude[0].rule: unknown rule `printed`"],
    );
    refused("[rules]\nmine = 3\n", &[], &["rules.mine", "string"]);
}
