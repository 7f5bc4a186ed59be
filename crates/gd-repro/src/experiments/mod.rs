//! One module per catalogue result of Nar & Sastry and of Mohtashami, Jaggi & Stich.

pub mod mjs_escape;
pub mod mjs_gd;
pub mod mjs_noise;
pub mod mjs_sgd;
pub mod mjs_sharpness;
pub mod ns_depth;
pub mod ns_ex1;
pub mod ns_ex2;
pub mod ns_ex3;
pub mod ns_fig2;
pub mod ns_large_sv;
pub mod ns_residual;
pub mod ns_thm1;
pub mod ns_thm2;
pub mod ns_thm3;
pub mod ns_thm4;
