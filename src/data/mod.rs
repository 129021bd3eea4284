//! Data sets: where they come from, how they are split and scaled, and the
//! matrices training reads.

pub mod csv_table;
mod error;
pub mod generate;
pub mod scale;

use crate::config::data::BUILT_IN;
use crate::config::limits::{MAX_DATA_BYTES, check_sizes};
use crate::config::{Column, DataConfig, Source};
use crate::nn::{Set, Splits};
use crate::number::float;
use crate::printable;
use crate::suggest::did_you_mean;
use csv_table::CsvTable;
use csv_table::SHOWN_CHARS;
pub use error::DataError;
use ndarray::Array2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use scale::Scaler;
use std::path::Path;

/// The iris data set (150 rows, 4 features, 3 species), built in.
pub const IRIS: &[u8] = include_bytes!("iris.csv");

/// A data set before it is split: inputs, targets, and their names.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// N×n inputs.
    pub x: Array2<f64>,
    /// N×m targets.
    pub t: Array2<f64>,
    /// The input columns' names.
    pub inputs: Vec<String>,
    /// What the targets are.
    pub target: Target,
    /// One name per output: a class, or a target column.
    pub outputs: Vec<String>,
    /// SHA-256 of the data's bytes (a file's, or the generated numbers').
    pub sha256: String,
}

/// Where a data set's targets came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A label column, one-hot encoded.
    Label(String),
    /// Real-valued columns.
    Columns(Vec<String>),
    /// A generator made them.
    Generated,
}

/// A data set split into training, validation and test sets and scaled,
/// with the names of its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The three sets the jobs see.
    pub splits: Splits,
    /// The input columns' names, in order.
    pub inputs: Vec<String>,
    /// Where the targets came from.
    pub target: Target,
    /// One name per output: a class, or a target column.
    pub outputs: Vec<String>,
    /// SHA-256 of the data's bytes.
    pub sha256: String,
}

/// Loads or generates, splits and scales the data a config describes.
/// Relative file paths start from `base_dir`, the config file's folder.
pub fn load(cfg: &DataConfig, bias: f64, base_dir: &Path) -> Result<Prepared, DataError> {
    let dataset = match cfg.source() {
        Source::Iris => from_table(&CsvTable::parse("built-in iris", IRIS, b',', true)?, cfg)?,
        Source::File(path) => from_table(&read_file(path, base_dir, cfg)?, cfg)?,
        Source::Logic(gate) => generate::logic(gate, &cfg.logic.unwrap_or_default(), cfg.seed.0),
        Source::Blobs => generate::blobs(&cfg.blobs.unwrap_or_default(), cfg.seed.0),
        Source::Teacher => generate::teacher(&cfg.teacher.unwrap_or_default(), cfg.seed.0),
    };
    split_and_scale(dataset, cfg, bias)
}

/// Selects and encodes the columns of `table` as `cfg` says.
pub fn from_table(table: &CsvTable, cfg: &DataConfig) -> Result<Dataset, DataError> {
    let column = |c: &Column, key: String| table.column(c, key);
    let (target_cols, target) = match (&cfg.targets, &cfg.target) {
        (Some(cols), _) => {
            let cols = cols
                .iter()
                .enumerate()
                .map(|(i, c)| column(c, format!("data.targets[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let names = cols.iter().map(|&c| table.headers[c].clone()).collect();
            (cols, Target::Columns(names))
        }
        (None, label) => {
            let col = match label {
                Some(c) => column(c, "data.target".into())?,
                None => table.headers.len() - 1,
            };
            (vec![col], Target::Label(table.headers[col].clone()))
        }
    };
    let input_cols: Vec<usize> = match &cfg.inputs {
        Some(cols) => cols
            .iter()
            .enumerate()
            .map(|(i, c)| column(c, format!("data.inputs[{i}]")))
            .collect::<Result<_, _>>()?,
        None => (0..table.headers.len())
            .filter(|c| !target_cols.contains(c))
            .collect(),
    };
    if input_cols.is_empty() {
        return Err(DataError::NoInputs);
    }
    if let Some(&c) = input_cols.iter().find(|c| target_cols.contains(c)) {
        return Err(DataError::TargetIsInput(table.headers[c].clone()));
    }

    // Checked before anything is allocated for them.
    let outputs = match &target {
        Target::Label(_) => {
            let labels = table.labels(target_cols[0]);
            labels
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        }
        _ => target_cols.len(),
    };
    check_sizes(table.len() as u64, input_cols.len() as u64, outputs as u64).map_err(
        |message| DataError::TooLarge {
            origin: table.origin.clone(),
            message,
        },
    )?;
    let x = numbers(table, &input_cols)?;
    let (t, outputs) = match &target {
        Target::Label(_) => one_hot(table, target_cols[0])?,
        _ => {
            let names = target_cols
                .iter()
                .map(|&c| table.headers[c].clone())
                .collect();
            (numbers(table, &target_cols)?, names)
        }
    };
    Ok(Dataset {
        x,
        t,
        inputs: input_cols
            .iter()
            .map(|&c| table.headers[c].clone())
            .collect(),
        target,
        outputs,
        sha256: table.sha256.clone(),
    })
}

/// The columns `cols` of `table` as an N×cols matrix of finite numbers.
fn numbers(table: &CsvTable, cols: &[usize]) -> Result<Array2<f64>, DataError> {
    let mut m = Array2::zeros((table.len(), cols.len()));
    for (k, &col) in cols.iter().enumerate() {
        for (i, v) in table.numbers(col)?.into_iter().enumerate() {
            m[[i, k]] = v;
        }
    }
    Ok(m)
}

/// Splits `data` by `data.seed`, fits the scaling on the training part,
/// and appends the bias input to every set.
pub fn split_and_scale(data: Dataset, cfg: &DataConfig, bias: f64) -> Result<Prepared, DataError> {
    let split = split_rows(data.x.nrows(), cfg)?;
    let mut train = Set::select(&data.x, &data.t, &split.train);
    let mut validation = Set::select(&data.x, &data.t, &split.validation);
    let mut test = Set::select(&data.x, &data.t, &split.test);

    let scaler = Scaler::fit(cfg.scale, &train.x);
    for set in [&mut train, &mut validation, &mut test] {
        scaler.apply(&mut set.x);
        let n = set.x.ncols();
        // Built anew, not extended, so that rows stay contiguous (row-major).
        set.x = Array2::from_shape_fn(
            (set.len(), n + 1),
            |(i, k)| {
                if k < n { set.x[[i, k]] } else { bias }
            },
        );
    }
    Ok(Prepared {
        splits: Splits {
            train,
            validation,
            test,
        },
        inputs: data.inputs,
        target: data.target,
        outputs: data.outputs,
        sha256: data.sha256,
    })
}

fn read_file(source: &str, base_dir: &Path, cfg: &DataConfig) -> Result<CsvTable, DataError> {
    let path = base_dir.join(source);
    match read_bounded(&path) {
        Ok(bytes) if bytes.len() as u64 > MAX_DATA_BYTES => Err(DataError::TooLarge {
            origin: path.display().to_string(),
            message: format!("the file is larger than the {MAX_DATA_BYTES} bytes sweep reads"),
        }),
        Ok(bytes) => CsvTable::parse(
            &path.display().to_string(),
            &bytes,
            cfg.delimiter as u8,
            cfg.header,
        ),
        // A bare word that is no file was most likely meant as a built-in name.
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound && !source.contains(['/', '\\', '.']) =>
        {
            Err(DataError::UnknownSource {
                name: printable::clip(source, SHOWN_CHARS),
                hint: did_you_mean(source, BUILT_IN),
            })
        }
        Err(error) => Err(DataError::Read { path, error }),
    }
}

/// The file's bytes, up to one past the most sweep reads.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_DATA_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The label column as one-hot rows, classes in sorted order.
fn one_hot(table: &CsvTable, col: usize) -> Result<(Array2<f64>, Vec<String>), DataError> {
    let labels = table.labels(col);
    let mut classes: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    classes.sort();
    classes.dedup();
    if classes.len() < 2 {
        return Err(DataError::SingleClass {
            origin: table.origin.clone(),
            column: printable::clip(&table.headers[col], SHOWN_CHARS),
            class: printable::clip(&classes.pop().unwrap_or_default(), SHOWN_CHARS),
        });
    }
    let mut t = Array2::zeros((labels.len(), classes.len()));
    for (i, label) in labels.iter().enumerate() {
        let class = classes
            .binary_search_by(|c| c.as_str().cmp(label))
            .expect("every label is among the classes");
        t[[i, class]] = 1.0;
    }
    Ok((t, classes))
}

/// Row indices of the training, validation and test sets.
struct SplitRows {
    train: Vec<usize>,
    validation: Vec<usize>,
    test: Vec<usize>,
}

/// One permutation of the rows from `data.seed`, cut into train,
/// validation and test in that order.
fn split_rows(rows: usize, cfg: &DataConfig) -> Result<SplitRows, DataError> {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(cfg.seed.0));
    let (train, validation, test) = (cfg.split.train.0, cfg.split.validation.0, cfg.split.test.0);
    let n_train = (rows as f64 * train).round() as usize;
    let n_train_validation = ((rows as f64 * (train + validation)).round() as usize).min(rows);
    // A part asked for and given no row would silently disable what uses
    // it: early stopping, the test loss.
    let parts = [
        ("train", train, n_train),
        ("validation", validation, n_train_validation - n_train),
        ("test", test, rows - n_train_validation),
    ];
    for (part, fraction, count) in parts {
        if count == 0 && (fraction > 0.0 || part == "train") {
            return Err(DataError::EmptyPart {
                part,
                fraction,
                rows,
                least: float((1000.0 / rows as f64).ceil() / 1000.0),
            });
        }
    }
    let test = order.split_off(n_train_validation);
    let validation = order.split_off(n_train);
    Ok(SplitRows {
        train: order,
        validation,
        test,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iris(inputs: Option<&[&str]>) -> DataConfig {
        DataConfig {
            inputs: inputs.map(|v| v.iter().map(|s| Column::Name(s.to_string())).collect()),
            ..DataConfig::default()
        }
    }

    #[test]
    fn iris_default_split_and_shapes() {
        let d = load(&iris(None), 1.0, Path::new(".")).unwrap();
        let s = &d.splits;
        assert_eq!(
            (s.train.len(), s.validation.len(), s.test.len()),
            (75, 38, 37)
        );
        assert_eq!(s.dims().weights(), (5, 3));
        assert_eq!(d.outputs, ["setosa", "versicolor", "virginica"]);
        assert_eq!(d.target, Target::Label("species".into()));
        // Bias column, and every target one-hot.
        assert!(s.train.x.column(4).iter().all(|&b| b == 1.0));
        for set in [&s.train, &s.validation, &s.test] {
            assert!(set.x.is_standard_layout() && set.t.is_standard_layout());
        }
        assert!(s.train.t.rows().into_iter().all(|r| r.sum() == 1.0));
    }

    #[test]
    fn scaling_is_fitted_on_the_training_part() {
        let s = load(&iris(Some(&["petal_length"])), 1.0, Path::new("."))
            .unwrap()
            .splits;
        let train_mean = s.train.x.column(0).sum() / s.train.len() as f64;
        assert!(train_mean.abs() < 1e-12);
        let test_mean = s.test.x.column(0).sum() / s.test.len() as f64;
        assert!(test_mean.abs() > 1e-6, "the test part is not refitted");
    }

    #[test]
    fn split_depends_only_on_data_seed() {
        let a = load(&iris(None), 1.0, Path::new(".")).unwrap();
        let b = load(&iris(None), 1.0, Path::new(".")).unwrap();
        assert_eq!(a, b);
        let mut other = iris(None);
        other.seed = crate::config::Count(1);
        assert_ne!(
            a.splits.train,
            load(&other, 1.0, Path::new(".")).unwrap().splits.train
        );
    }

    #[test]
    fn tutorial_scaling_maps_the_training_part_into_its_band() {
        let cfg = DataConfig {
            scale: crate::config::Scale::Tutorial,
            ..DataConfig::default()
        };
        let s = load(&cfg, 1.0, Path::new(".")).unwrap().splits;
        for k in 0..4 {
            let col = s.train.x.column(k);
            assert!(
                col.iter().all(|v| (0.025..=0.975).contains(v)),
                "feature {k}"
            );
            // The sample farthest from the mean lands on an end of the band.
            let extreme = col.iter().fold(0.0_f64, |m, v| m.max((v - 0.5).abs()));
            assert!((extreme - 0.475).abs() < 1e-12, "feature {k}: {extreme}");
        }
    }

    #[test]
    fn csv_options_delimiter_no_header_indexes_and_real_targets() {
        let text = b"1;2;0.5;7\n2;1;0.25;8\n3;3;0.75;9\n0;1;0.0;6\n";
        let table = CsvTable::parse("t.csv", text, b';', false).unwrap();
        let cfg = DataConfig {
            inputs: Some(vec![Column::Index(0), Column::Name("1".into())]),
            targets: Some(vec![Column::Index(2), Column::Index(3)]),
            ..DataConfig::default()
        };
        let d = from_table(&table, &cfg).unwrap();
        assert_eq!(d.inputs, ["0", "1"]);
        assert_eq!(d.target, Target::Columns(vec!["2".into(), "3".into()]));
        assert_eq!(d.t.row(1).to_vec(), [0.25, 8.0]);
        let overlap = DataConfig {
            inputs: Some(vec![Column::Index(2)]),
            ..cfg
        };
        assert!(matches!(
            from_table(&table, &overlap),
            Err(DataError::TargetIsInput(_))
        ));
    }

    #[test]
    fn unknown_source_suggests_iris() {
        let cfg = DataConfig {
            source: "irsi".into(),
            ..DataConfig::default()
        };
        let msg = load(&cfg, 1.0, Path::new(".")).unwrap_err().to_string();
        assert!(msg.contains("did you mean `iris`"), "{msg}");
    }

    #[test]
    fn single_class_is_refused() {
        let t = CsvTable::parse("t.csv", b"x,y\n1,a\n2,a\n", b',', true).unwrap();
        assert!(matches!(one_hot(&t, 1), Err(DataError::SingleClass { .. })));
    }
}
