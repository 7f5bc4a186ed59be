//! The `stepsize` command's library: a loss given as a formula ([`formula::Formula`], exmex with
//! symbolic derivatives), the value syntaxes of the flags, the sweeps and their shard files,
//! the edge-of-stability analysis of a network on real data ([`eos::Eos`]) with its central flow
//! ([`central_flow`]), and small SVG
//! figures. The binary (`src/main.rs`) only parses flags and prints.

pub mod central_flow;
pub mod eos;
pub mod error;
pub mod formula;
pub mod output_files;
pub mod png;
pub mod svg;
pub mod sweeps;
pub mod termination;
pub mod values;
