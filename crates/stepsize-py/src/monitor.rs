//! Long analyses from Python: Ctrl-C, and a progress callback.
//!
//! Python runs signal handlers on its main thread only, and only when that thread looks. So an
//! analysis runs on a worker thread (holding one Python thread state throughout, released
//! except while a Python function of the objective is called), while the calling thread waits
//! without the interpreter lock and, every [`SIGNAL_CHECK`], takes it to let Python look for a
//! pending signal and to report progress. On Ctrl-C it sets the stop flag of the analysis's
//! [`gd_core::Interruptible`] objective, which ends every trajectory within one gradient, joins
//! the worker (no thread is left running) and raises `KeyboardInterrupt`, discarding the
//! result.

use gd_core::analyses::Progress;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often a waiting call lets Python check for Ctrl-C.
pub const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// How often the progress callback is called at most (and once at the end).
pub const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What the analysis shares with the waiting thread: the stop flag and the progress so far.
#[derive(Default)]
pub struct Watch {
    /// Set on Ctrl-C (or when the progress callback raised).
    pub stop: AtomicBool,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Watch {
    /// Records progress (`done` of `total` units); cheap, called from any thread.
    pub fn report(&self, done: usize, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.done.fetch_max(done, Ordering::Relaxed);
    }

    /// The progress hook gd-core's analyses take.
    pub fn hook(&self) -> impl Fn(usize, usize) + Sync + '_ {
        move |done, total| self.report(done, total)
    }

    /// gd-core's monitor (stop and progress) bound to this watch.
    pub fn with_monitor<T>(&self, f: impl FnOnce(gd_core::analyses::Monitor<'_>) -> T) -> T {
        let stop = || self.stop.load(Ordering::Relaxed);
        let progress = self.hook();
        let progress: Progress<'_> = &progress;
        f(gd_core::analyses::Monitor {
            progress: Some(progress),
            stop: Some(&stop),
        })
    }
}

/// Calls `progress(done, total)` when it changed, at most every [`PROGRESS_EVERY`] (always
/// for the last report); an exception it raises stops the analysis.
struct Reporter {
    callback: Option<Py<PyAny>>,
    last: Option<Instant>,
    reported: Option<(usize, usize)>,
}

impl Reporter {
    fn report(&mut self, py: Python<'_>, watch: &Watch, last: bool) -> PyResult<()> {
        let Some(callback) = &self.callback else {
            return Ok(());
        };
        let now = (
            watch.done.load(Ordering::Relaxed),
            watch.total.load(Ordering::Relaxed),
        );
        let due = last || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if now.1 == 0 || self.reported == Some(now) || !due {
            return Ok(());
        }
        self.last = Some(Instant::now());
        self.reported = Some(now);
        callback.call1(py, now).map(drop)
    }
}

/// Runs `analysis` on a worker thread while this thread watches for Ctrl-C and reports
/// progress to `progress(done, total)`; returns its result, or raises what stopped it.
pub fn watched<T: Send>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    analysis: impl FnOnce(&Watch) -> T + Send,
) -> PyResult<T> {
    let watch = Watch::default();
    let mut reporter = Reporter {
        callback: progress,
        last: None,
        reported: None,
    };
    let mut stopped_by: Option<PyErr> = None;
    let result = std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        let watch = &watch;
        let (reporter, stopped_by) = (&mut reporter, &mut stopped_by);
        let worker = scope.spawn(move || {
            let result = Python::attach(|py| py.detach(|| analysis(watch)));
            // The receiver waits until the worker ends; a send cannot fail before that.
            let _ = sender.send(());
            result
        });
        py.detach(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = receiver.recv_timeout(SIGNAL_CHECK) {
                if stopped_by.is_some() {
                    continue;
                }
                let checked = Python::attach(|py| {
                    py.check_signals()?;
                    reporter.report(py, watch, false)
                });
                if let Err(e) = checked {
                    watch.stop.store(true, Ordering::Relaxed);
                    *stopped_by = Some(e);
                }
            }
        });
        worker.join()
    });
    if let Some(e) = stopped_by {
        return Err(e);
    }
    let result = result.map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("the analysis's worker thread panicked")
    })?;
    reporter.report(py, &watch, true)?;
    Ok(result)
}
