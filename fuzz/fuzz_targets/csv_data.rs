//! Arbitrary bytes as a CSV data file: reading, encoding, splitting and
//! scaling must refuse or accept, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sweep::config::DataConfig;
use sweep::data::{from_table, table::Table};

fuzz_target!(|bytes: &[u8]| {
    let Ok(table) = Table::parse("fuzz.csv", bytes) else {
        return;
    };
    // The defaults (last column is the target), then the first column as an input.
    let mut cfg = DataConfig::default();
    if let Ok(splits) = from_table(&table, &cfg, 1.0) {
        assert_eq!(
            splits.train.len() + splits.validation.len() + splits.test.len(),
            table.len()
        );
    }
    cfg.inputs = table.headers.first().map(|h| vec![h.clone()]);
    let _ = from_table(&table, &cfg, 1.0).map_err(|e| e.to_string());
});
