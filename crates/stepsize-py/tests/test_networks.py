"""A network on real data: SPEC W6 (digits, fc-tanh 64-200-200-10, squared loss, d = 55,210)
built with `stepsize.mlp` from `stepsize.digits()` gives JAX's loss, gradient and
Hessian-vector product at W6's θ₀; the IDX reader reads Debian's Fashion-MNIST."""

import pathlib

import numpy as np
import pytest

import stepsize

ROOT = pathlib.Path(__file__).resolve().parents[3]
THETA0 = ROOT.parent / "shared" / "bench" / "data" / "w6-theta0.f64"
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


def w6():
    x, y = stepsize.digits()
    f = stepsize.mlp([64, 200, 200, 10], x, y, activation="tanh", loss="squared")
    theta0 = np.fromfile(THETA0, dtype="<f8")
    return x, y, f, theta0


def test_digits_shapes_and_scaling():
    x, y = stepsize.digits()
    assert x.shape == (64, 1797) and y.shape == (10, 1797)
    assert x.max() == 1.0 and x.min() == 0.0
    assert np.all(y.sum(axis=0) == 1.0)
    raw, _ = stepsize.digits(scale=1.0, count=5)
    assert raw.shape == (64, 5) and np.array_equal(raw * (1 / 16), x[:, :5])


def w6_jax_loss(x, y):
    """SPEC W6's loss written in JAX, as the peers write it."""
    import jax.numpy as jnp

    xs, ys = jnp.asarray(x.T), jnp.asarray(y.T)
    shapes = [(64, 200), (200,), (200, 200), (200,), (200, 10), (10,)]

    def loss(t):
        i, ps = 0, []
        for s in shapes:
            k = int(np.prod(s))
            ps.append(t[i:i + k].reshape(s))
            i += k
        h = jnp.tanh(xs @ ps[0] + ps[1])
        h = jnp.tanh(h @ ps[2] + ps[3])
        return 0.5 * jnp.sum((h @ ps[4] + ps[5] - ys) ** 2) / xs.shape[0]

    return loss


def test_w6_matches_jax_at_theta0():
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    x, y, f, theta0 = w6()
    assert f.dim == theta0.size == 55210
    loss = w6_jax_loss(x, y)
    th = jnp.asarray(theta0)
    v = np.cos(np.arange(theta0.size))
    g_jax = np.asarray(jax.grad(loss)(th))
    hv_jax = np.asarray(jax.jvp(jax.grad(loss), (th,), (jnp.asarray(v),))[1])
    # Both sum 1797 samples' terms in different orders (and tanh differs by a few ulps):
    # rounding of order 1e-16 relative per term; 1e-12 leaves a wide margin.
    assert abs(f.loss(theta0) - float(loss(th))) <= 1e-12 * abs(float(loss(th)))
    g = f.gradient(theta0)
    assert np.max(np.abs(g - g_jax)) <= 1e-12 * np.max(np.abs(g_jax))
    hv = f.hvp(theta0, v)
    assert np.max(np.abs(hv - hv_jax)) <= 1e-12 * np.max(np.abs(hv_jax))


def test_fashion_mnist_idx_files():
    # `.ci/run` installs Debian's dataset-fashion-mnist.
    x, y = stepsize.load_idx(
        FASHION / "t10k-images-idx3-ubyte.gz", FASHION / "t10k-labels-idx1-ubyte.gz", count=500
    )
    assert x.shape == (784, 500) and y.shape == (10, 500)
    assert 0.0 <= x.min() and x.max() == 1.0


def test_bad_data_files_name_the_file(tmp_path):
    bad = tmp_path / "images"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="images.*magic number"):
        stepsize.load_idx(bad, bad)
    with pytest.raises(ValueError, match="count"):
        stepsize.digits(count=0)
    with pytest.raises(ValueError, match="scale"):
        stepsize.digits(scale=float("nan"))


def test_sharpness_along_tracks_w6_and_reports_progress():
    _, _, f, theta0 = w6()
    calls = []
    r = stepsize.sharpness_along(
        f, theta0, 0.035, steps=50, every=25, progress=lambda done, total: calls.append((done, total))
    )
    assert r.end == "completed" and r.steps == 50
    assert r.iterations.tolist() == [0, 25, 50] and r.iterations.dtype.kind in "iu"
    assert r.converged.all() and (r.hvps > 0).all() and r.lambda_min is None
    assert r.losses.shape == (51,) and r.loss[0] == r.losses[0]
    # λmax at θ₀ as the peers find it (ARPACK on JAX's HVP, tolerance 1e-8): both within
    # 1e-8·λmax of the true value, so within 2e-8·λmax of each other.
    import jax
    import jax.numpy as jnp
    from scipy.sparse.linalg import LinearOperator, eigsh

    jax.config.update("jax_enable_x64", True)
    x, y, _, _ = w6()
    hvp = jax.jit(lambda t, u: jax.jvp(jax.grad(w6_jax_loss(x, y)), (t,), (u,))[1])
    th = jnp.asarray(theta0)
    op = LinearOperator((theta0.size,) * 2, matvec=lambda u: np.asarray(hvp(th, jnp.asarray(u))), dtype=np.float64)
    peer = eigsh(op, k=1, which="LA", tol=1e-8)[0][0]
    assert abs(r.sharpness[0] - peer) <= 2e-8 * peer
    assert calls[-1] == (50, 50) and all(0 < d <= t for d, t in calls)


CTRL_C_SCRIPT = """
import os, sys, time, numpy as np, stepsize
x, y = stepsize.digits()
f = stepsize.mlp([64, 200, 200, 10], x, y)
theta0 = np.fromfile(sys.argv[1], dtype="<f8")
analysis = sys.argv[2]
if analysis == "torch-sweep":
    import torch
    net = torch.nn.Sequential(torch.nn.Linear(64, 200), torch.nn.Tanh(), torch.nn.Linear(200, 10)).double()
    g = stepsize.from_torch(net, lambda o, t: 0.5 * ((o - t) ** 2).sum() / o.shape[0], x.T, y.T)
    start = g.flatten()
print("started", flush=True)
try:
    if analysis == "sharpness_along":
        stepsize.sharpness_along(f, theta0, 0.035, steps=100000, every=25)
    elif analysis == "run":
        stepsize.run(f, theta0, 0.035, max_iterations=1000000, gradient_tolerance=None)
    elif analysis == "basins":
        h = stepsize.from_formula("(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y")
        stepsize.basins(h, 0.12, (-2, 2, 8192), (-2, 2, 8192), max_iterations=100000)
    elif analysis == "torch-sweep":
        stepsize.sweep(g, [0.01, 0.02], np.stack([start] * 50), max_iterations=1000000)
except KeyboardInterrupt:
    stopped = time.monotonic()
    cpu = sum(os.times()[:2])
    time.sleep(0.5)
    print("interrupted", stopped, sum(os.times()[:2]) - cpu, flush=True)
    sys.exit(3)
"""


@pytest.mark.parametrize("analysis", ["sharpness_along", "run", "basins", "torch-sweep"])
def test_ctrl_c_stops_a_long_analysis_within_two_seconds(tmp_path, analysis):
    """A subprocess interrupted one second into an analysis of minutes raises
    KeyboardInterrupt within 2 s of the signal, and uses no CPU after it (no thread of the
    analysis left running: < 0.1 CPU-s in the next 0.5 s)."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "long.py"
    script.write_text(CTRL_C_SCRIPT)
    p = subprocess.Popen([sys.executable, str(script), str(THETA0), analysis], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)  # well inside the analysis
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 3, out
    _, stopped, cpu_after = out.split()
    assert float(stopped) - sent < 2.0, f"took {float(stopped) - sent:.2f} s"
    assert float(cpu_after) < 0.1, f"{cpu_after} CPU-s after the interrupt"


def test_edge_of_stability_on_digits_and_its_figure(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import stepsize.plot as sp

    # The Rust example's short form: 500 digits, 64-100-100-10, η = 0.065.
    x, y = stepsize.digits(count=500)
    f = stepsize.mlp([64, 100, 100, 10], x, y)
    theta0 = f.initialize(1.0, 0)
    e = stepsize.edge_of_stability(f, theta0, 0.065, steps=300, every=10)
    assert e.starts_above and e.onset is not None and 200 <= e.onset <= 300
    assert abs(e.ratio_mean - 1.0) < 0.1
    assert e.run.end == "completed" and e.run.losses.shape == (301,)
    left, right = sp.edge_of_stability(e)
    left.figure.savefig(tmp_path / "eos.png")
    assert (tmp_path / "eos.png").stat().st_size > 0
