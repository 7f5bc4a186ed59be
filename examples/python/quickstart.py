"""Quickstart: a small JAX MLP: where GD ends at a small and at a large step, sharpness along
training against 2/η, and the orbit diagram of a 1-D slice through the minimum found.

    python examples/python/quickstart.py [--out FOLDER]

Needs the package with its extras: pip install "./crates/stepsize-py[jax,plot]".
"""

import argparse
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import stepsize
import stepsize.plot

jax.config.update("jax_enable_x64", True)

# A 2 → 6 → 1 tanh network fitting y = sin(2x₁)·x₂ on 24 points, squared loss.
rng = np.random.default_rng(0)
X = rng.uniform(-1, 1, size=(24, 2))
Y = np.sin(2 * X[:, 0]) * X[:, 1]
SIZES = [(2, 6), (6, 1)]
DIM = sum(i * o + o for i, o in SIZES)


def mlp_loss(theta):
    h, k = jnp.asarray(X), 0
    for layer, (i, o) in enumerate(SIZES):
        w = theta[k : k + i * o].reshape(i, o)
        b = theta[k + i * o : k + i * o + o]
        k += i * o + o
        h = h @ w + b
        if layer + 1 < len(SIZES):
            h = jnp.tanh(h)
    return 0.5 * jnp.mean((h[:, 0] - Y) ** 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("quickstart-figures"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    f = stepsize.from_jax(mlp_loss, DIM)
    theta0 = 0.8 * rng.standard_normal(DIM)
    print(f)

    # Where GD ends from one start at a small and at a large step. A run stops at a fixed
    # point, an orbit or divergence; within 4000 steps these runs are still creeping, so they
    # report "unresolved" with a Lyapunov exponent just below 0 (a slow approach) and the
    # state they reached.
    ends = {}
    for eta in (0.1, 0.6):
        end = stepsize.run(f, theta0, eta, max_iterations=4000)
        at = stepsize.stability(f, end.point)
        ends[eta] = (end, at)
        print(f"η = {eta}: {end}")
        print(f"  loss {end.loss:.3g}, λmax = {at.sharpness:.4g} against 2/η = {2 / eta:.4g}")
    (small, at_small), (large, at_large) = ends[0.1], ends[0.6]
    # The small step settles where λmax ≫ 2/0.6: GD at η = 0.6 cannot converge there, and ends
    # in a flatter region, at the edge of stability λmax ≈ 2/η.
    assert at_small.sharpness > 2 / 0.6
    assert at_large.sharpness <= 2 / 0.6 * 1.01

    # Sharpness along training, against 2/η (dashed).
    runs = [stepsize.sharpness_along(f, theta0, eta, steps=1000, every=25) for eta in (0.1, 0.6)]
    for r in runs:
        print(f"  η = {r.eta}: λmax from {r.sharpness[0]:.4g} to {r.sharpness[-1]:.4g} (2/η = {2 / r.eta:.4g})")
    ax = stepsize.plot.sharpness_along(*runs)
    ax.figure.savefig(out / "sharpness_along.png", dpi=120, bbox_inches="tight")

    # A 1-D slice through the small-step minimum along its top Hessian eigenvector: its
    # curvature at 0 is λmax, so its 2/λmax line is the minimum's.
    v = at_small.extremes.top_eigenvector
    center = jnp.asarray(small.point)
    direction = jnp.asarray(v)
    g = stepsize.from_jax(lambda a: mlp_loss(center + a[0] * direction), 1)
    etas = np.linspace(0.5 * at_small.max_stable_step, 1.6 * at_small.max_stable_step, 60)
    diagram = stepsize.orbit_diagram(g, etas, [[0.05], [-0.05]], transient=300, points=16)
    print(f"slice minimum: 2/λmax = {diagram.minima[0].max_stable_step:.4g} (the full minimum's: {at_small.max_stable_step:.4g})")
    print("orbit diagram of the slice:", diagram)
    ax = stepsize.plot.orbit_diagram(diagram)
    ax.figure.savefig(out / "orbit_diagram_slice.png", dpi=120, bbox_inches="tight")
    print(f"figures in {out}/")


if __name__ == "__main__":
    main()
