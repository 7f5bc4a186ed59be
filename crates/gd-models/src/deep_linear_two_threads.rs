//! A [`DeepLinear`] whose gradient is computed by two threads: the caller and one helper that
//! its workspace owns for its whole life.
//!
//! [`DeepLinear`] evaluates its gradient around a split layer m: the prefix chain A_1..A_m and
//! the suffix chain B_L..B_{m+1} are independent, and once P = B_{m+1} A_m and G are known, the
//! gradients below m (back-propagation) and above m (forward propagation) are independent too.
//! In one call:
//! 1. the caller fills the prefix chain while the helper fills the suffix chain;
//! 2. the caller forms P, the loss and G;
//! 3. the caller computes the gradients of layers 1..=m and the helper those of m+1..=L.
//!
//! m is chosen so that both sides cost about the same; for L square layers the longest path is
//! about half of the 3L − 3 products. Each piece is the single-thread [`DeepLinear`]'s own
//! function on the same inputs, so the gradient is bitwise the one-thread gradient. Per call the
//! helper receives θ's layers above m, A_m and G, and returns B_{m+1} and its layers' gradients.
//! The hand-offs are spin-waits on atomic call numbers (a persistent pair of threads, not a
//! thread pool: a wake-up would cost more than a small network's step); the buffers sit behind
//! locks that the protocol never contends, so no `unsafe` is needed. The helper's two pieces
//! (the suffix chain, the upper layers) are claimed by whichever thread gets to them first: when
//! the helper is late (its core taken by other load, or parked), the caller claims and computes
//! them itself. Even so, a pair handing off by spin-waits runs at the pace of its slower thread:
//! when other load shares the helper's core, or the OS keeps both threads on one core, the pair
//! is slower than the caller alone. So the workspace times windows of calls on the pair and on
//! the caller alone and keeps the faster (`timed_choice.rs`; the bits are the same either way).
//! An idle helper spins for [`IDLE_SPIN`] (parks at once while the caller computes alone), then
//! parks until the next call. The loss and Hessian-vector products run on the caller alone.

use crate::deep_linear::{DeepLinear, DeepLinearWorkspace};
use crate::timed_choice::TimedChoice;
use faer::Mat;
use gd_core::Objective;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle helper spins before it parks until the next call.
pub const IDLE_SPIN: Duration = Duration::from_millis(1);

/// A [`DeepLinear`] network whose workspaces each own a helper thread for the gradient; the
/// results are bitwise those of the network itself.
///
/// ```
/// use faer::Mat;
/// use gd_core::{GradientDescent, Schedule};
/// use gd_models::{DeepLinear, Initialization, TwoThreadDeepLinear, initialize};
///
/// let net = DeepLinear::whitened(&[8; 7], Mat::<f64>::identity(8, 8) * 1.5)?;
/// let theta0 = initialize(&net, &Initialization::Identity)?;
/// let pair = TwoThreadDeepLinear::new(net.clone());
/// let mut one = GradientDescent::new(&net, Schedule::constant(0.05)?, &theta0)?;
/// let mut two = GradientDescent::new(&pair, Schedule::constant(0.05)?, &theta0)?;
/// for _ in 0..100 {
///     assert_eq!(one.step().loss.to_bits(), two.step().loss.to_bits());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TwoThreadDeepLinear {
    net: Arc<DeepLinear>,
}

/// The buffers both threads read: each is written by one thread in a call and read by the
/// other after the matching `*_ready` number.
struct Shared {
    net: Arc<DeepLinear>,
    /// θ's layers above the split (entries below them are never read or written).
    theta: RwLock<Vec<f64>>,
    prefix: RwLock<Vec<Mat<f64>>>,
    g: RwLock<Mat<f64>>,
    suffix: RwLock<Vec<Mat<f64>>>,
    /// The gradient of layers m+1..=L (a contiguous tail of θ).
    upper: Mutex<Vec<f64>>,
    /// The number of the last call posted by the caller, and of the last whose suffix chain,
    /// G and upper gradients are ready.
    posted: AtomicU64,
    suffix_ready: AtomicU64,
    g_ready: AtomicU64,
    upper_ready: AtomicU64,
    /// The last call whose suffix chain, and whose upper layers, a thread has claimed.
    suffix_claimed: AtomicU64,
    upper_claimed: AtomicU64,
    /// Set while the caller computes alone: the helper parks at once instead of spinning.
    rest: AtomicBool,
    stop: AtomicBool,
}

/// Scratch memory of a [`TwoThreadDeepLinear`]: the caller's buffers and the helper thread.
pub struct TwoThreadWorkspace {
    single: DeepLinearWorkspace,
    pair: Option<Pair>,
    choice: TimedChoice,
}

impl TwoThreadWorkspace {
    /// How many gradients this workspace has computed on the pair of threads (the others ran
    /// on the caller alone: see the module docs).
    pub fn calls_on_pair(&self) -> u64 {
        self.pair.as_ref().map_or(0, |pair| pair.calls)
    }
}

struct Pair {
    shared: Arc<Shared>,
    helper: Option<JoinHandle<()>>,
    calls: u64,
    end_to_end: Mat<f64>,
    residual: Mat<f64>,
    left: Vec<Mat<f64>>,
    right: Vec<Mat<f64>>,
}

impl TwoThreadDeepLinear {
    /// Wraps `net`. Depths below 3 have no chain worth a thread and run on the caller.
    pub fn new(net: DeepLinear) -> Self {
        Self { net: Arc::new(net) }
    }

    /// The network.
    pub fn network(&self) -> &DeepLinear {
        &self.net
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// Spins until `counter` reaches `call`; false if `alive` turns false first.
fn wait_for(counter: &AtomicU64, call: u64, alive: impl Fn() -> bool) -> bool {
    let mut spins = 0_u32;
    while counter.load(Ordering::Acquire) < call {
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(1024) {
            if !alive() {
                return false;
            }
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    true
}

/// Claims piece `call` (numbers only grow): true for the one thread that moves `claimed` from
/// an earlier call to `call`.
fn claim(claimed: &AtomicU64, call: u64) -> bool {
    let mut last = claimed.load(Ordering::Acquire);
    while last < call {
        match claimed.compare_exchange_weak(last, call, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return true,
            Err(now) => last = now,
        }
    }
    false
}

impl Shared {
    /// Writes the gradients of layers m+1..=L into `out` (θ's tail from layer m+1).
    fn upper_layers(&self, right: &mut [Mat<f64>], out: &mut [f64]) {
        let net = &*self.net;
        let (theta, prefix, suffix, g) = (
            read(&self.theta),
            read(&self.prefix),
            read(&self.suffix),
            read(&self.g),
        );
        net.upper_gradients(
            &theta,
            prefix[net.split()].as_ref(),
            &suffix,
            g.as_ref(),
            right,
            out,
        );
    }

    /// Fills the suffix chain B_L..B_{m+1} at the posted θ.
    fn suffix_chain(&self) {
        let theta = read(&self.theta);
        self.net
            .fill_suffix(&theta, &mut write(&self.suffix), self.net.split() + 1);
    }

    /// The helper's loop: for each posted call, the suffix chain, then layers m+1..=L.
    fn serve(&self) {
        let mut right = self.net.right_buffers();
        let mut done = 0_u64;
        loop {
            let idle = Instant::now();
            while self.posted.load(Ordering::Acquire) == done {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                if idle.elapsed() < IDLE_SPIN && !self.rest.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                } else {
                    std::thread::park_timeout(IDLE_SPIN);
                }
            }
            let call = self.posted.load(Ordering::Acquire);
            done = call;
            if claim(&self.suffix_claimed, call) {
                self.suffix_chain();
                self.suffix_ready.store(call, Ordering::Release);
            }
            if !wait_for(&self.g_ready, call, || !self.stop.load(Ordering::Acquire)) {
                return;
            }
            if claim(&self.upper_claimed, call) {
                self.upper_layers(
                    &mut right,
                    &mut self.upper.lock().unwrap_or_else(PoisonError::into_inner),
                );
                self.upper_ready.store(call, Ordering::Release);
            }
        }
    }
}

impl Pair {
    fn start(model: &TwoThreadDeepLinear) -> Option<Self> {
        let net = &model.net;
        if net.depth() < 3 {
            return None;
        }
        // bound: `upper_offset` is within the dimension.
        let upper = net.dim() - net.upper_offset();
        let shared = Arc::new(Shared {
            net: Arc::clone(net),
            theta: RwLock::new(vec![0.0; net.dim()]),
            prefix: RwLock::new(net.prefix_buffers()),
            g: RwLock::new(net.end_to_end_buffer()),
            suffix: RwLock::new(net.suffix_buffers()),
            upper: Mutex::new(vec![0.0; upper]),
            posted: AtomicU64::new(0),
            suffix_ready: AtomicU64::new(0),
            g_ready: AtomicU64::new(0),
            upper_ready: AtomicU64::new(0),
            suffix_claimed: AtomicU64::new(0),
            upper_claimed: AtomicU64::new(0),
            rest: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let served = Arc::clone(&shared);
        let helper = std::thread::Builder::new()
            .name("deep-linear-helper".into())
            .spawn(move || served.serve())
            .ok()?;
        Some(Self {
            shared,
            helper: Some(helper),
            calls: 0,
            end_to_end: net.end_to_end_buffer(),
            residual: net.residual_buffer(),
            left: net.left_buffers(),
            right: net.right_buffers(),
        })
    }

    /// One gradient on the pair; None if the helper has died (the caller then computes the
    /// gradient alone).
    fn loss_and_gradient(&mut self, theta: &[f64], gradient: &mut [f64]) -> Option<f64> {
        let shared = &*self.shared;
        let (net, m) = (&*shared.net, shared.net.split());
        let helper = self.helper.as_ref()?;
        let alive = || !helper.is_finished();
        if !alive() {
            return None;
        }
        self.calls += 1;
        let call = self.calls;
        let start = net.upper_offset();
        write(&shared.theta)[start..].copy_from_slice(&theta[start..]);
        shared.rest.store(false, Ordering::Release);
        shared.posted.store(call, Ordering::Release);
        helper.thread().unpark();
        net.fill_prefix(theta, &mut write(&shared.prefix), m);
        if claim(&shared.suffix_claimed, call) {
            shared.suffix_chain();
            shared.suffix_ready.store(call, Ordering::Release);
        } else if !wait_for(&shared.suffix_ready, call, alive) {
            return None;
        }
        let (head, tail) = gradient.split_at_mut(start);
        let loss = {
            let (prefix, suffix) = (read(&shared.prefix), read(&shared.suffix));
            net.fill_end_to_end(&prefix, &suffix, &mut self.end_to_end);
            let loss = {
                let mut g = write(&shared.g);
                net.loss_gradient_in_p(self.end_to_end.as_ref(), &mut self.residual, &mut g)
            };
            shared.g_ready.store(call, Ordering::Release);
            let g = read(&shared.g);
            net.lower_gradients(theta, &prefix, &suffix, g.as_ref(), &mut self.left, head);
            loss
        };
        if claim(&shared.upper_claimed, call) {
            shared.upper_layers(&mut self.right, tail);
        } else {
            if !wait_for(&shared.upper_ready, call, alive) {
                return None;
            }
            tail.copy_from_slice(&shared.upper.lock().unwrap_or_else(PoisonError::into_inner));
        }
        Some(loss)
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(helper) = self.helper.take() {
            helper.thread().unpark();
            let _ = helper.join();
        }
    }
}

impl Objective for TwoThreadDeepLinear {
    type Workspace = TwoThreadWorkspace;

    fn dim(&self) -> usize {
        self.net.dim()
    }

    /// A workspace with its own helper thread; if the thread cannot be started, the workspace
    /// computes on the caller alone (the same bits).
    fn workspace(&self) -> TwoThreadWorkspace {
        TwoThreadWorkspace {
            single: self.net.workspace(),
            pair: Pair::start(self),
            choice: TimedChoice::new(),
        }
    }

    fn loss(&self, theta: &[f64], ws: &mut TwoThreadWorkspace) -> f64 {
        self.net.loss(theta, &mut ws.single)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        ws: &mut TwoThreadWorkspace,
    ) -> f64 {
        let Some(pair) = ws.pair.as_mut() else {
            return self.net.loss_and_gradient(theta, gradient, &mut ws.single);
        };
        let started = Instant::now();
        let loss = if ws.choice.paired() {
            match pair.loss_and_gradient(theta, gradient) {
                Some(loss) => loss,
                None => {
                    ws.pair = None;
                    return self.net.loss_and_gradient(theta, gradient, &mut ws.single);
                }
            }
        } else {
            pair.shared.rest.store(true, Ordering::Release);
            self.net.loss_and_gradient(theta, gradient, &mut ws.single)
        };
        ws.choice.record(started.elapsed().as_secs_f64());
        loss
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut TwoThreadWorkspace,
    ) {
        self.net
            .hessian_vector_product(theta, v, out, &mut ws.single);
    }
}
