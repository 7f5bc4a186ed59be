"""What a trajectory-step costs when the gradient is a Python function: SPEC W5's loss as a
formula (Rust), as NumPy callables and as a JAX function, each unbatched (one call per lane
per step) and batched (one call per step for up to 1024 lanes), timed on a basin map.

    python crates/stepsize-py/bench/callback_overhead.py [grid]

Prints seconds per trajectory-step (the map's wall time over its lane-steps). Timings, so not
a test; BENCHMARKS.md quotes a run.
"""

import sys
import time

import numpy as np

import stepsize

GRID = int(sys.argv[1]) if len(sys.argv) > 1 else 64


def loss(t):
    x, y = t[..., 0], t[..., 1]
    return (x * x - 1.0) ** 2 + 2.0 * (y * y - 1.0) ** 2 + 0.5 * x * y


def grad(t):
    x, y = t[..., 0], t[..., 1]
    return np.stack([4.0 * x * (x * x - 1.0) + 0.5 * y, 8.0 * y * (y * y - 1.0) + 0.5 * x], axis=-1)


def jax_loss(t):
    x, y = t[0], t[1]
    return (x * x - 1.0) ** 2 + 2.0 * (y * y - 1.0) ** 2 + 0.5 * x * y


def timed(objective, grid):
    stepsize.basins(objective, 0.12, (-2, 2, 8), (-2, 2, 8))  # warm up (JAX compiles)
    start = time.perf_counter()
    m = stepsize.basins(objective, 0.12, (-2, 2, grid), (-2, 2, grid))
    return time.perf_counter() - start, m.steps


def main():
    from stepsize._jax import jax_callables

    jax_f = stepsize.from_jax(jax_loss, 2)
    jl, jg, jh, _, _ = jax_callables(jax_loss, 2)
    jax_unbatched = stepsize.from_callables(jl, jg, jh, dim=2)
    cases = [
        ("a callable returning θ: the", stepsize.from_callables(lambda t: 0.0, lambda t: t, dim=2)),
        ("  binding's own cost per call", None),
        ("formula (Rust)", stepsize.from_formula("(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y")),
        ("NumPy callables, unbatched", stepsize.from_callables(lambda t: float(loss(t)), grad, dim=2)),
        ("NumPy callables, batched", stepsize.from_callables(lambda t: float(loss(t)), grad, dim=2, batched_grad=grad)),
        ("JAX, unbatched", jax_unbatched),
        ("JAX, batched (from_jax)", jax_f),
    ]
    print(f"W5 basin map {GRID}² at η = 0.12")
    print(f"{'objective':30} {'seconds':>8} {'lane-steps':>11} {'µs per step':>12}")
    for name, f in cases:
        if f is None:
            print(name)
            continue
        seconds, steps = timed(f, GRID)
        print(f"{name:30} {seconds:8.2f} {steps:11d} {1e6 * seconds / steps:12.3f}")


if __name__ == "__main__":
    main()
