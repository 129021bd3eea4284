//! What a person sees while and after a sweep runs.

pub mod aligned;
pub mod dry_run;
pub mod gradient_table;
pub mod progress;
pub mod rule_table;
pub mod verdict;
