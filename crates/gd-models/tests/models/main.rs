//! gd-models' integration tests: exact derivatives against finite differences, and the
//! equivalences the papers rely on.

mod derivatives;
mod linear_equivalences;
mod settings;
mod two_threads;
