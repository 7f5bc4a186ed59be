//! The hot loops allocate nothing per step: a counting global allocator (this test binary's
//! own) measures the allocations of the measuring thread during many GD steps after a warm-up
//! step. The counter is thread-local, so the test harness's other threads cannot make it flaky.

// A global allocator is an unsafe trait; this is the workspace's only unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use stepsize::dynamics::{GradientDescent, Objective, Schedule};
use stepsize::models::linear_data::{dct_whitened_samples, dct2, symmetric_target};
use stepsize::models::{
    Activation, DeepLinear, Figure2, Initialization, Mlp, MlpLoss, example2, initialize,
};

struct Counting;

thread_local! {
    // Const-initialized, no destructor: reading it never allocates, even inside `alloc`.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn allocations_so_far() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// Delegates to the system allocator and counts the calling thread's allocations.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // try_with: a thread being torn down has no counter left, and is not measured.
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `steps` calls of `step` after one warm-up call.
fn allocations_in(steps: usize, mut step: impl FnMut()) -> usize {
    step();
    let before = allocations_so_far();
    for _ in 0..steps {
        step();
    }
    allocations_so_far() - before
}

#[test]
fn gd_steps_and_hvps_allocate_nothing() {
    // The counter sees allocations (so the zeros below are not vacuous).
    let counted = allocations_in(3, || {
        std::hint::black_box(Vec::<f64>::with_capacity(8));
    });
    assert_eq!(counted, 3);
    // Another thread's allocations are not the measured code's.
    let elsewhere = allocations_in(1, || {
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..1000 {
                    std::hint::black_box(vec![0_u8; 64]);
                }
            });
        });
    });
    assert!(
        elsewhere < 10,
        "spawning allocates a little on this thread; the spawned thread's 1000 Vecs are not counted: {elsewhere}"
    );

    let f2 = example2();
    let mut gd = GradientDescent::new(&f2, Schedule::constant(0.1).unwrap(), &[1.3]).unwrap();
    assert_eq!(
        allocations_in(1000, || {
            gd.step();
        }),
        0,
        "scalar GD step"
    );

    let n = 16;
    let spectrum: Vec<f64> = (0..n).map(|i| 0.5 + i as f64 / n as f64).collect();
    let r = symmetric_target(&spectrum, &dct2(n)).unwrap();
    let x_data = dct_whitened_samples(n, 256).unwrap();
    for net in [
        DeepLinear::from_target(&[n; 6], x_data.as_ref(), r.clone()).unwrap(),
        {
            let y = stepsize::models::linear_data::product(r.as_ref(), x_data.as_ref()).unwrap();
            DeepLinear::from_samples(&[n; 6], x_data.clone(), y).unwrap()
        },
    ] {
        let theta0 = initialize(&net, &Initialization::Identity).unwrap();
        let mut gd =
            GradientDescent::new(&net, Schedule::constant(0.01).unwrap(), &theta0).unwrap();
        assert_eq!(
            allocations_in(200, || {
                gd.step();
            }),
            0,
            "deep linear GD step"
        );
        let mut ws = net.workspace();
        let v = vec![0.5; net.dim()];
        let mut out = vec![0.0; net.dim()];
        assert_eq!(
            allocations_in(50, || net.hessian_vector_product(
                gd.theta(),
                &v,
                &mut out,
                &mut ws
            )),
            0,
            "deep linear HVP"
        );
    }

    // An MLP on one block of samples (the caller alone) and on several (the blocks in
    // parallel): measured on a worker of a two-thread pool, as a sweep's task runs; the
    // helpers' allocations are theirs.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for samples in [40, 700] {
        let inputs: Vec<f64> = (0..3 * samples).map(|i| (i as f64 * 0.37).sin()).collect();
        let targets: Vec<f64> = (0..2 * samples).map(|i| (i as f64 * 0.11).cos()).collect();
        let mlp = Mlp::new(
            &[3, 16, 8, 2],
            Activation::Tanh,
            MlpLoss::Squared,
            inputs,
            targets,
        )
        .unwrap();
        let theta0 = mlp.initialize(1.0, 3);
        pool.install(|| {
            let mut gd =
                GradientDescent::new(&mlp, Schedule::constant(0.05).unwrap(), &theta0).unwrap();
            assert_eq!(
                allocations_in(100, || {
                    gd.step();
                }),
                0,
                "MLP GD step, {samples} samples"
            );
            let mut ws = mlp.workspace();
            let v = vec![0.5; mlp.dim()];
            let mut out = vec![0.0; mlp.dim()];
            assert_eq!(
                allocations_in(50, || mlp.hessian_vector_product(
                    gd.theta(),
                    &v,
                    &mut out,
                    &mut ws
                )),
                0,
                "MLP HVP, {samples} samples"
            );
        });
    }

    let fig = Figure2::new(1).unwrap();
    let theta0 = fig.student(0);
    let mut gd =
        GradientDescent::new(&fig.model, Schedule::constant(2e-4).unwrap(), &theta0).unwrap();
    assert_eq!(
        allocations_in(500, || {
            gd.step();
        }),
        0,
        "Figure 2 ReLU GD step"
    );
}
