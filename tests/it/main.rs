//! Cross-crate checks: the architecture's invariants, and theory against simulation.

mod allocation_bounds;
mod architecture;
mod bad_input;
mod own_loss;
mod theory_deep_linear;
mod theory_scalar;
