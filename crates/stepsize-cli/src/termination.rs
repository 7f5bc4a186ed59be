//! SIGTERM (a cluster's scheduler ending a job, `kill`): the command stops its analysis within
//! one gradient evaluation — every analysis runs on a [`gd_core::Interruptible`] objective tied
//! to this flag — and exits with code 143 without writing anything. Outputs already being
//! written when the signal arrives are finished first (each file is replaced whole).

use crate::error::CliError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag SIGTERM sets (unset until [`watch_sigterm`] registers it).
pub fn flag() -> &'static AtomicBool {
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Registers the SIGTERM handler that sets [`flag`].
pub fn watch_sigterm() -> Result<(), CliError> {
    flag();
    let shared = FLAG.get().map(Arc::clone).unwrap_or_default();
    signal_hook::flag::register(signal_hook::consts::SIGTERM, shared)
        .map(drop)
        .map_err(|source| CliError::Io {
            path: "(SIGTERM handler)".into(),
            source,
        })
}

/// An analysis's result, or `Err(Terminated)` once SIGTERM has arrived (whatever the stopped
/// analysis returned: a result or the error its NaNs caused): called after computing, before
/// writing.
pub fn checked<T>(result: Result<T, CliError>) -> Result<T, CliError> {
    if flag().load(Ordering::Relaxed) {
        Err(CliError::Terminated)
    } else {
        result
    }
}

/// Whether SIGTERM has arrived, for gd-core's `Monitor::stop`.
pub fn requested() -> bool {
    flag().load(Ordering::Relaxed)
}
