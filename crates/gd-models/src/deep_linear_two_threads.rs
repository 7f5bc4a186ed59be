//! A [`DeepLinear`] whose gradient is computed by two threads: the caller and one helper that
//! its workspace owns for its whole life.
//!
//! The gradient ∇W_j = B_{j+1}ᵀ G A_{j−1}ᵀ (see [`DeepLinear`]) needs the prefix chain
//! A_j = W_j A_{j−1} and the suffix chain B_j = B_{j+1} W_j, which are independent. In one call:
//! 1. the caller fills the prefix chain and G = ∂loss/∂P while the helper fills the suffix chain;
//! 2. the caller computes the gradients of layers 1..=k and the helper those of k+1..=L, with k
//!    chosen from the products' sizes so that both finish together.
//!
//! Each piece is the single-thread [`DeepLinear`]'s own function on the same inputs, so the
//! gradient is bitwise the one-thread gradient. The hand-offs are spin-waits on atomic call
//! numbers (a persistent pair of threads, not a thread pool: a wake-up would cost more than a
//! small network's step); the buffers sit behind locks that the protocol never contends, so no
//! `unsafe` is needed. The helper's two pieces (the suffix chain, the upper layers) are claimed
//! by whichever thread gets to them first: when the helper is late (its core taken by other
//! load, or parked), the caller claims and computes them itself, so a call is never much
//! slower than on one thread. An idle helper spins for [`IDLE_SPIN`], then parks until the next
//! call. The loss and Hessian-vector products run on the caller alone.

use crate::deep_linear::{DeepLinear, DeepLinearWorkspace};
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
    split: usize,
}

/// The buffers both threads read: each is written by one thread in phase 1 of a call and read
/// by both in phase 2.
struct Shared {
    net: Arc<DeepLinear>,
    split: usize,
    theta: RwLock<Vec<f64>>,
    prefix: RwLock<Vec<Mat<f64>>>,
    g: RwLock<Mat<f64>>,
    suffix: RwLock<Vec<Mat<f64>>>,
    /// The gradient of layers split+1..=L (a contiguous tail of θ).
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
    stop: AtomicBool,
}

/// Scratch memory of a [`TwoThreadDeepLinear`]: the caller's buffers and the helper thread.
pub struct TwoThreadWorkspace {
    single: DeepLinearWorkspace,
    pair: Option<Pair>,
}

struct Pair {
    shared: Arc<Shared>,
    helper: Option<JoinHandle<()>>,
    calls: u64,
    residual: Mat<f64>,
    left: Vec<Mat<f64>>,
}

/// The flops of C = A B for A m × k, B k × n.
fn product_cost(m: usize, k: usize, n: usize) -> f64 {
    m as f64 * k as f64 * n as f64
}

impl TwoThreadDeepLinear {
    /// Wraps `net`. Depths below 3 have no suffix chain worth a thread and run on the caller.
    pub fn new(net: DeepLinear) -> Self {
        let split = Self::balanced_split(&net);
        Self {
            net: Arc::new(net),
            split,
        }
    }

    /// The network.
    pub fn network(&self) -> &DeepLinear {
        &self.net
    }

    /// The k for which the caller (prefix chain, G, layers 1..=k) and the helper (suffix
    /// chain, then layers k+1..=L once G is ready) finish closest together, by flop count.
    fn balanced_split(net: &DeepLinear) -> usize {
        let n = net.widths();
        let l = net.depth();
        let prefix: f64 = (2..=l).map(|j| product_cost(n[j], n[j - 1], n[0])).sum();
        let suffix: f64 = (2..l).map(|j| product_cost(n[l], n[j], n[j - 1])).sum();
        let g = if net.is_covariance_form() {
            product_cost(n[l], n[0], n[0])
        } else {
            2.0 * product_cost(n[l], n[0], net.residual_buffer().ncols())
        };
        let layer = |j: usize| {
            let left = if j < l {
                product_cost(n[j], n[l], n[0])
            } else {
                0.0
            };
            let out = if j > 1 {
                product_cost(n[j], n[0], n[j - 1])
            } else {
                0.0
            };
            left + out
        };
        let total: f64 = (1..=l).map(layer).sum();
        let mut lower = 0.0;
        let mut best = (f64::INFINITY, l);
        for k in 0..=l {
            if k > 0 {
                lower += layer(k);
            }
            let caller = prefix + g + lower;
            let helper = suffix.max(prefix + g) + (total - lower);
            if caller.max(helper) < best.0 {
                best = (caller.max(helper), k);
            }
        }
        best.1
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
    /// Writes the gradients of layers split+1..=L into `out` (the tail of θ from layer split+1).
    fn upper_layers(&self, left: &mut [Mat<f64>], out: &mut [f64]) {
        let net = &*self.net;
        let (prefix, suffix, g) = (read(&self.prefix), read(&self.suffix), read(&self.g));
        let base = net.layer_range(self.split + 1).start;
        for j in self.split + 1..=net.depth() {
            let range = net.layer_range(j);
            net.layer_gradient(
                j,
                &prefix,
                &suffix,
                g.as_ref(),
                &mut left[j - 1],
                &mut out[range.start - base..range.end - base],
            );
        }
    }

    /// Fills the suffix chain at the posted θ.
    fn suffix_chain(&self) {
        let theta = read(&self.theta);
        self.net.fill_suffix(&theta, &mut write(&self.suffix));
    }

    /// The helper's loop: for each posted call, the suffix chain, then layers split+1..=L.
    fn serve(&self) {
        let mut left = self.net.left_buffers();
        let mut done = 0_u64;
        loop {
            let idle = Instant::now();
            while self.posted.load(Ordering::Acquire) == done {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                if idle.elapsed() < IDLE_SPIN {
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
            let alive = || !self.stop.load(Ordering::Acquire);
            if !wait_for(&self.g_ready, call, alive) || !wait_for(&self.suffix_ready, call, alive) {
                return;
            }
            if claim(&self.upper_claimed, call) {
                self.upper_layers(
                    &mut left,
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
        let upper = net.dim() - net.layer_range(model.split + 1).start;
        let shared = Arc::new(Shared {
            net: Arc::clone(net),
            split: model.split,
            theta: RwLock::new(vec![0.0; net.dim()]),
            prefix: RwLock::new(net.prefix_buffers()),
            g: RwLock::new(Mat::zeros(net.widths()[net.depth()], net.widths()[0])),
            suffix: RwLock::new(net.suffix_buffers()),
            upper: Mutex::new(vec![0.0; upper]),
            posted: AtomicU64::new(0),
            suffix_ready: AtomicU64::new(0),
            g_ready: AtomicU64::new(0),
            upper_ready: AtomicU64::new(0),
            suffix_claimed: AtomicU64::new(0),
            upper_claimed: AtomicU64::new(0),
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
            residual: net.residual_buffer(),
            left: net.left_buffers(),
        })
    }

    /// One gradient on the pair; None if the helper has died (the caller then computes the
    /// gradient alone).
    fn loss_and_gradient(&mut self, theta: &[f64], gradient: &mut [f64]) -> Option<f64> {
        let shared = &*self.shared;
        let (net, l, split) = (&*shared.net, shared.net.depth(), shared.split);
        let helper = self.helper.as_ref()?;
        let alive = || !helper.is_finished();
        if !alive() {
            return None;
        }
        self.calls += 1;
        let call = self.calls;
        write(&shared.theta).copy_from_slice(theta);
        shared.posted.store(call, Ordering::Release);
        helper.thread().unpark();
        let loss = {
            let mut prefix = write(&shared.prefix);
            let mut g = write(&shared.g);
            net.fill_prefix(theta, &mut prefix);
            net.loss_gradient_in_p(prefix[l].as_ref(), &mut self.residual, &mut g)
        };
        shared.g_ready.store(call, Ordering::Release);
        if claim(&shared.suffix_claimed, call) {
            shared.suffix_chain();
            shared.suffix_ready.store(call, Ordering::Release);
        } else if !wait_for(&shared.suffix_ready, call, alive) {
            return None;
        }
        {
            let (prefix, suffix, g) = (read(&shared.prefix), read(&shared.suffix), read(&shared.g));
            for j in 1..=split {
                net.layer_gradient(
                    j,
                    &prefix,
                    &suffix,
                    g.as_ref(),
                    &mut self.left[j - 1],
                    &mut gradient[net.layer_range(j)],
                );
            }
        }
        let tail = &mut gradient[net.layer_range(split + 1).start..];
        if claim(&shared.upper_claimed, call) {
            shared.upper_layers(&mut self.left, tail);
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
        let paired = ws
            .pair
            .as_mut()
            .and_then(|pair| pair.loss_and_gradient(theta, gradient));
        if let Some(loss) = paired {
            return loss;
        }
        ws.pair = None;
        self.net.loss_and_gradient(theta, gradient, &mut ws.single)
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
