"""Figures a notebook user expects, with matplotlib (an optional dependency): an orbit
diagram with the 2/λmax line of each minimum, a basin map with its legend, and sharpness
along training against 2/η. Each draws on ``ax`` (a new figure when None) and returns it."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._results import BasinMap, CentralFlow, EdgeOfStability, OrbitDiagram, SharpnessAlong


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def orbit_diagram(diagram: OrbitDiagram, coordinate: int = 0, ax=None):
    """θ[coordinate] of every kept iterate against η, with a dashed line at 2/λmax of each
    minimum found: GD cannot converge to a minimum at a step beyond its line."""
    ax = _axes(ax)
    ax.plot(diagram.eta, diagram.points[:, coordinate], ".", markersize=1.5, color="k")
    for m in diagram.minima:
        ax.axvline(m.max_stable_step, ls="--", lw=1, label=f"2/λmax = {m.max_stable_step:.4g} (θ ≈ {np.round(m.point, 3) + 0.0})")
    ax.set_xlabel("step size η")
    ax.set_ylabel(f"θ[{coordinate}] after the transient")
    if diagram.minima:
        ax.legend(fontsize="small")
    return ax


def _describe(a) -> str:
    if a.kind == "fixed_point":
        verdict = a.linearization.stability if a.linearization is not None else ""
        return f"minimum {np.round(a.point, 3)} ({verdict})"
    if a.kind == "periodic":
        return f"period-{a.period} orbits"
    return a.kind


def basin_map(basins: BasinMap, ax=None):
    """The label of each start as a colored grid, one legend entry per attractor (with its
    share of the starts)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    ax = _axes(ax)
    n = len(basins.attractors)
    colors = [
        "black" if a.kind == "diverged" else ("0.8" if a.kind == "unresolved" else f"C{i % 10}")
        for i, a in enumerate(basins.attractors)
    ]
    ax.imshow(
        basins.labels,
        origin="lower",
        extent=(basins.s[0], basins.s[-1], basins.t[0], basins.t[-1]),
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=n - 0.5,
        interpolation="nearest",
        aspect="auto",
    )
    total = basins.labels.size
    handles = [
        Patch(color=c, label=f"{_describe(a)}: {100 * a.count / total:.1f} %") for a, c in zip(basins.attractors, colors)
    ]
    ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.set_xlabel("s")
    ax.set_ylabel("t")
    ax.set_title(f"basins at η = {basins.eta:g}")
    return ax


def sharpness_along(*runs: SharpnessAlong, ax=None):
    """λmax along each run, with its 2/η as a dashed line of the same color."""
    ax = _axes(ax)
    for i, r in enumerate(runs):
        ax.plot(r.iterations, r.sharpness, color=f"C{i}", label=f"λmax, η = {r.eta:g}")
        ax.axhline(2.0 / r.eta, color=f"C{i}", ls="--", lw=1, label=f"2/η = {2.0 / r.eta:.4g}")
    ax.set_xlabel("step")
    ax.set_ylabel("sharpness λmax")
    ax.legend(fontsize="small")
    return ax


def edge_of_stability(result: EdgeOfStability, axes=None):
    """λmax along the run with 2/η dashed in the same colour (left), the loss at every step
    (right, log scale), the onset marked on both. Returns the two axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4))
    left, right = axes
    r = result.run
    left.plot(r.iterations, r.sharpness, color="C0", label="λmax")
    left.axhline(result.threshold, color="C0", ls="--", lw=1, label=f"2/η = {result.threshold:.4g}")
    right.semilogy(range(len(r.losses)), r.losses, color="C1", lw=1, label="loss")
    if result.onset is not None:
        for ax in axes:
            ax.axvline(result.onset, color="0.5", lw=0.8, ls=":", label=f"onset (step {result.onset})")
    left.set_xlabel("step")
    left.set_ylabel("sharpness λmax")
    right.set_xlabel("step")
    right.set_ylabel("loss")
    left.legend(fontsize="small")
    right.legend(fontsize="small")
    return axes


def central_flow(result: CentralFlow, axes=None):
    """GD's loss (raw, grey; averaged over the window, blue) and the central flow's predicted
    loss (red) against steps (left); λmax at GD's iterate (blue) and along the flow (red) with
    2/η dashed (right). Returns the two axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4))
    left, right = axes
    steps = result.warm_start + np.arange(len(result.gd_losses))
    left.plot(steps, result.gd_losses, color="0.7", lw=0.8, label="GD")
    left.plot(result.iterations, result.gd_loss_average, color="C0", label=f"GD, averaged over {result.window} steps")
    left.plot(result.iterations, result.loss_predicted, color="C3", ls="--", label="central flow's prediction")
    left.set_xlabel("step")
    left.set_ylabel("loss")
    left.legend(fontsize="small")
    right.plot(result.iterations, result.gd_sharpness, color="C0", label="λmax at GD's iterate")
    right.plot(result.iterations, result.sharpness, color="C3", label="λmax along the central flow")
    right.axhline(result.threshold, color="k", ls="--", lw=1, label=f"2/η = {result.threshold:.4g}")
    right.set_xlabel("step")
    right.set_ylabel("sharpness λmax")
    right.legend(fontsize="small")
    return axes
