//! The numerical core: a single-layer net, its update rules and its training loop.

pub mod activation;
pub mod exp2;
pub mod expr;
pub mod gradient;
pub mod lanes;
pub mod layer;
pub mod metrics;
pub mod rule;
pub mod samples;
pub mod sampling;
pub mod train;

pub use activation::Activation;
pub use layer::Dims;
pub use rule::{Definitions, Rule, RuleName, ShapeError, Stepper};
pub use samples::{Set, Splits};
pub use sampling::Sampling;
pub use train::{EpochRecord, Outcome, Schedule, Status};
