//! Long analyses from Python: Ctrl-C and a progress callback while the analysis runs without
//! the interpreter lock. gd-core's [`Monitor`] asks after every step whether to stop; this
//! answers by taking the lock at most every [`SIGNAL_CHECK`] to let Python look for a pending
//! signal (Ctrl-C raises `KeyboardInterrupt` there), and calls the progress callback at most
//! every [`PROGRESS_EVERY`] and at the end.

use gd_core::analyses::Monitor;
use pyo3::prelude::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a running analysis lets Python check for Ctrl-C.
pub const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// How often the progress callback is called at most.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// The stop and progress hooks of one analysis, and the exception that stopped it.
pub struct PythonMonitor {
    progress: Option<Py<PyAny>>,
    error: Mutex<Option<PyErr>>,
    last_signal_check: Mutex<Instant>,
    last_progress: Mutex<Option<Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PythonMonitor {
    /// Hooks with an optional `progress(done, total)` callable.
    pub fn new(progress: Option<Py<PyAny>>) -> Self {
        Self {
            progress,
            error: Mutex::new(None),
            last_signal_check: Mutex::new(Instant::now()),
            last_progress: Mutex::new(None),
        }
    }

    fn keep(&self, error: PyErr) {
        lock(&self.error).get_or_insert(error);
    }

    /// Whether to stop: a signal handler or the progress callback raised.
    pub fn stop(&self) -> bool {
        if lock(&self.error).is_some() {
            return true;
        }
        let mut last = lock(&self.last_signal_check);
        if last.elapsed() < SIGNAL_CHECK {
            return false;
        }
        *last = Instant::now();
        drop(last);
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            self.keep(e);
            return true;
        }
        false
    }

    /// Calls the progress callback (rate-limited; always at the end).
    pub fn progress(&self, done: usize, total: usize) {
        let Some(callback) = &self.progress else {
            return;
        };
        let mut last = lock(&self.last_progress);
        if done < total && last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        drop(last);
        if let Err(e) = Python::attach(|py| callback.call1(py, (done, total)).map(drop)) {
            self.keep(e);
        }
    }

    /// Runs `f` with gd-core hooks bound to this monitor.
    pub fn with_hooks<T>(&self, f: impl FnOnce(Monitor<'_>) -> T) -> T {
        let stop = || self.stop();
        let progress = |done: usize, total: usize| self.progress(done, total);
        f(Monitor {
            progress: Some(&progress),
            stop: Some(&stop),
        })
    }

    /// The exception that stopped the analysis, if any.
    pub fn finish(self) -> PyResult<()> {
        match self
            .error
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
