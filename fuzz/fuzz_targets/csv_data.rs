//! Arbitrary bytes as a CSV data file: reading, encoding, splitting and
//! scaling must refuse or accept, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sweep::config::{Column, DataConfig};
use sweep::data::{csv_table::CsvTable, from_table, split_and_scale};

fuzz_target!(|bytes: &[u8]| {
    // The first byte picks the delimiter and whether there is a header row.
    let Some((&flags, bytes)) = bytes.split_first() else {
        return;
    };
    let delimiter = [b',', b';', b'\t', b' '][usize::from(flags & 3)];
    let Ok(table) = CsvTable::parse("fuzz.csv", bytes, delimiter, flags & 4 == 0) else {
        return;
    };
    // The defaults (last column is the target), then the first column as an input.
    let mut cfg = DataConfig::default();
    if let Ok(data) = from_table(&table, &cfg).and_then(|d| split_and_scale(d, &cfg, 1.0)) {
        let splits = data.splits;
        assert_eq!(
            splits.train.len() + splits.validation.len() + splits.test.len(),
            table.len()
        );
    }
    // The first column as input, the others as real-valued targets.
    cfg.inputs = Some(vec![Column::Index(0)]);
    cfg.targets = Some((1..table.headers.len()).map(Column::Index).collect());
    let _ = from_table(&table, &cfg).map_err(|e| e.to_string());
});
