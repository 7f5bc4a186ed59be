//! Settings shared by several experiments.

pub mod linear_training;
pub mod mlp;
