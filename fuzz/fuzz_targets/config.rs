//! Arbitrary bytes as a config file: parsing, checking (its own rules'
//! expressions and shapes too) and planning must refuse or accept, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sweep::config::Config;
use sweep::grid::Plan;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match Config::parse(text, "fuzz.toml", "fuzz") {
        Ok(config) => {
            if let Ok(plan) = Plan::new(&config.grid) {
                for job in plan.jobs().take(64) {
                    let _ = job.id();
                }
                let dims = sweep::nn::Dims {
                    inputs_with_bias: 3,
                    outputs: 3,
                };
                let _ = sweep::store::recorded::render(&config, "", dims);
                // Each rule's shapes, as the dry run and training find them.
                let definitions = config.definitions();
                for rule in &config.grid.rule.0 {
                    for b in [1, 2] {
                        let _ = rule.check(&definitions, dims, b);
                    }
                }
            }
        }
        // Rendering the message walks the text to find line and column.
        Err(e) => drop(e.to_string()),
    }
});
