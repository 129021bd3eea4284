//! What a person sees while and after a sweep runs.

pub mod gradcheck;
pub mod plan;
pub mod progress;
pub mod table;
