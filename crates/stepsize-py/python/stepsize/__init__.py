"""stepsize: gradient descent as a discrete-time dynamical system.

Which minima can GD with step size η converge to, and what does it do instead? Build an
objective (a formula, Python or JAX functions, or one of the papers' models from NumPy
arrays) and ask:

>>> import stepsize
>>> f = stepsize.from_formula("(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y")
>>> stepsize.run(f, [0.3, 0.4], eta=0.05).kind
'fixed_point'
>>> s = stepsize.stability(f, stepsize.run(f, [0.3, 0.4], eta=0.05).point)
>>> round(s.max_stable_step, 4)   # GD cannot converge here with η above 2/λmax
0.1371

The analyses run in Rust without the interpreter lock; sweeps over Python functions call a
batched gradient when one is given (``from_jax`` builds one with ``vmap``). Results are the
same bits at any thread count.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

import json

import numpy as np

from . import _stepsize
from ._results import (
    Agreement,
    Attractor,
    BasinMap,
    Boundary,
    CentralFlow,
    Claim,
    Linearization,
    Minimum,
    OrbitDiagram,
    Report,
    Run,
    Sharpness,
    SharpnessAlong,
    EdgeOfStability,
    Stability,
    Sweep,
    _reports,
)
from ._stepsize import (
    Objective,
    deep_linear,
    digits,
    from_formula,
    load_idx,
    mlp,
    nar_sastry_example,
    two_layer_relu,
)

# The analyses' defaults, from gd-core (each written once, in Rust).
_DEFAULTS = json.loads(_stepsize._DEFAULTS)
_RUN = _DEFAULTS["run"]
_BASINS = _DEFAULTS["basins"]
_ORBIT_DIAGRAM = _DEFAULTS["orbit_diagram"]
_SHARPNESS_ALONG = _DEFAULTS["sharpness_along"]
_BOUNDARY = _DEFAULTS["boundary"]
_CALLABLES = _DEFAULTS["callables"]

__all__ = [
    "Objective",
    "from_formula",
    "from_callables",
    "from_jax",
    "from_torch",
    "deep_linear",
    "two_layer_relu",
    "mlp",
    "digits",
    "load_idx",
    "nar_sastry_example",
    "run",
    "stability",
    "sharpness",
    "sharpness_along",
    "edge_of_stability",
    "central_flow",
    "orbit_diagram",
    "basins",
    "boundary",
    "sweep",
    "merge",
    "repro",
    "Run",
    "Stability",
    "Sharpness",
    "SharpnessAlong",
    "EdgeOfStability",
    "CentralFlow",
    "Agreement",
    "Linearization",
    "OrbitDiagram",
    "Minimum",
    "BasinMap",
    "Attractor",
    "Boundary",
    "Sweep",
    "Report",
    "Claim",
]

ArrayLike = Union[np.ndarray, Sequence[float]]
Shard = Union[None, Tuple[int, int], str]


def from_callables(
    loss: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    hvp: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None,
    *,
    dim: Optional[int] = None,
    batched_grad: Optional[Callable[[np.ndarray], np.ndarray]] = None,
    value_and_grad: Optional[Callable[[np.ndarray], Tuple[float, np.ndarray]]] = None,
    batch_size: int = _CALLABLES["batch_size"],
) -> Objective:
    """An objective from Python functions of a float64 vector θ of length ``dim`` (when not
    given, the length of the first point an analysis receives; ``objective.dim`` is None
    until then).

    ``grad(θ)`` returns ∇f(θ); ``hvp(θ, v)`` returns ∇²f(θ)·v (when omitted, central
    differences of ``grad``, error about 4e-11 relative). ``batched_grad(Θ)`` maps a B × d
    array of points to their B × d gradients: basin maps and orbit diagrams then iterate
    ``batch_size`` trajectories in lockstep with one call per step, instead of one call per
    trajectory-step. ``value_and_grad(θ)`` returns (f(θ), ∇f(θ)) in one call, for the steps of
    a run that need both. An exception raised by any of them reaches the caller unchanged.
    """
    return _stepsize._from_callables(loss, grad, dim, hvp, batched_grad, value_and_grad, batch_size)


def from_jax(loss_fn: Callable, params: Any, *, batch_size: int = _CALLABLES["batch_size"]) -> Objective:
    """An objective from a JAX loss: of a vector of length ``params`` (an int), or of a
    parameter pytree like ``params`` (flattened with ``jax.flatten_util.ravel_pytree``;
    ``objective.flatten()`` is θ of ``params``, ``objective.unflatten(theta)`` the pytree of a
    result). The gradient by ``jax.grad``, the HVP as the JVP of the gradient, a ``vmap``-ed
    gradient for sweeps and ``value_and_grad`` for runs, all jit-compiled in float64
    (``jax_enable_x64`` is switched on). A loss that does not return a scalar is refused here,
    by its shape (``jax.eval_shape``). Needs ``jax``."""
    from ._jax import jax_callables

    c = jax_callables(loss_fn, params)
    return _stepsize._from_callables(
        c["loss"], c["grad"], c["dim"], c["hvp"], c["batched_grad"], c["value_and_grad"],
        batch_size, c.get("flatten"), c.get("unflatten"), "a JAX function",
    )


def from_torch(
    module: Any,
    loss_fn: Callable,
    inputs: Any,
    targets: Any,
    *,
    hvp: str = "double_backward",
    precision: str = "float64",
    buffers: str = "refuse",
    threads: Optional[int] = 1,
    batched: Optional[bool] = None,
    batch_size: int = 64,
) -> Objective:
    """A PyTorch module on fixed data as an objective over one flat float64 vector θ: the loss
    ``loss_fn(module(inputs), targets)`` (a scalar tensor; data as tensors or NumPy arrays,
    samples along the first axis; integer targets stay integers, for class labels).

    θ is the parameters in ``named_parameters()`` order, each flattened row-major
    (``objective.flatten()`` is the module's parameters now, ``objective.unflatten(theta)``
    a dict of tensors to ``load_state_dict``). Parameters are views of θ's memory (no copy).
    The gradient by autograd; the HVP by double backward, or ``hvp="jvp"`` (forward-mode JVP of
    the gradient, torch ≥ 2.0). Sweeps use a ``torch.func.vmap`` gradient when it works on this
    module (checked once against the plain gradient; ``batched=True`` requires it, ``False``
    never uses it); otherwise they call the gradient once per trajectory.

    Determinism: ``torch.set_num_threads(threads)`` is called (a global setting of torch;
    ``threads=None`` leaves it). With a fixed count torch's CPU kernels give the same bits at
    every call, which bitwise period detection relies on.

    Refused with a ``ValueError``/``TypeError`` naming the argument: parameters that are not
    float64 (``precision="float32"`` evaluates in float32 instead: gradients and HVPs then carry
    float32 rounding, about 1e-7 relative, and the orbits GD finds are those of the rounded
    map), on another device than the CPU, or integer; buffers (BatchNorm's running statistics:
    ``buffers="frozen"`` with ``module.eval()`` keeps them constant); active dropout; inputs and
    targets with different sample counts, no sample, NaN or infinity; a forward pass that raises
    or a loss that is not a scalar (both tried once here). Works with torch 1.13 and 2.x."""
    from ._torch import torch_callables

    c = torch_callables(
        module, loss_fn, inputs, targets,
        hvp=hvp, precision=precision, buffers=buffers, threads=threads, batched=batched,
    )
    return _stepsize._from_callables(
        c["loss"], c["grad"], c["dim"], c["hvp"], c["batched_grad"], c["value_and_grad"],
        batch_size, c["flatten"], c["unflatten"], f"a PyTorch {type(module).__name__}",
    )


def run(
    objective: Objective,
    theta0: ArrayLike,
    eta: float,
    *,
    max_iterations: int = _RUN["max_iterations"],
    gradient_tolerance: Optional[float] = _RUN["gradient_tolerance"],
    max_period: int = _RUN["max_period"],
    divergence_bound: float = _RUN["divergence_bound"],
    progress: Optional[Callable[[int, int], None]] = None,
) -> Run:
    """Where GD from ``theta0`` at constant step ``eta`` ends: a fixed point (stopped once
    ‖∇f‖ ≤ ``gradient_tolerance`` or at a bitwise repeat), a period-k orbit, divergence, or
    unresolved within ``max_iterations`` (with a Lyapunov exponent). Like every analysis, it
    stops on Ctrl-C within one gradient evaluation (``KeyboardInterrupt``)."""
    d = _stepsize._run(
        objective, theta0, eta, max_iterations, gradient_tolerance, max_period, divergence_bound,
        _progress(progress),
    )
    return Run._from(d)


def stability(objective: Objective, at: ArrayLike, eta: Optional[float] = None) -> Stability:
    """The Hessian's extremes at ``at``, 2/λmax and, with ``eta``, ρ(I − η∇²f) and the
    verdict ("stable", "marginal", "unstable")."""
    return Stability._from(_stepsize._stability(objective, at, eta))


def sharpness(objective: Objective, at: ArrayLike) -> Sharpness:
    """λmax and λmin of ∇²f at ``at`` (Lanczos on HVPs, dense for small d), with residuals."""
    return Sharpness(**_stepsize._sharpness(objective, at))


def sharpness_along(
    objective: Objective,
    theta0: ArrayLike,
    eta: float,
    *,
    steps: int = 1000,
    every: int = _SHARPNESS_ALONG["every"],
    top_k: int = _SHARPNESS_ALONG["top_k"],
    tolerance: float = _SHARPNESS_ALONG["relative_tolerance"],
    lambda_min: bool = _SHARPNESS_ALONG["lambda_min"],
    progress: Optional[Callable[[int, int], None]] = None,
) -> SharpnessAlong:
    """GD at ``eta`` for ``steps`` steps with λmax(∇²f(θ_k)) (and the loss) sampled every
    ``every`` steps by thick-restart Lanczos, warm-started from the previous sample, to a
    residual of ``tolerance`` times λmax: the sharpness rises to 2/η and hovers there (the edge
    of stability) or the run settles below it. ``top_k`` largest eigenvalues per sample; λmin
    only when asked. Every step's loss is kept (``losses``). Ctrl-C stops it within one step
    (``KeyboardInterrupt``); ``progress(done, total)`` is called as it goes (at most every 0.2
    s), or a tqdm bar is shown when ``progress=True`` and tqdm is installed (as for ``run``,
    ``basins``, ``orbit_diagram`` and ``sweep``)."""
    return SharpnessAlong(
        **_stepsize._sharpness_along(
            objective, theta0, eta, steps, every, top_k, tolerance, lambda_min, _progress(progress)
        )
    )


def edge_of_stability(
    objective: Objective,
    theta0: ArrayLike,
    eta: float,
    *,
    steps: int = 1000,
    every: int = _SHARPNESS_ALONG["every"],
    tolerance: float = _SHARPNESS_ALONG["relative_tolerance"],
    progress: Optional[Callable[[int, int], None]] = None,
) -> EdgeOfStability:
    """GD at ``eta`` with λmax sampled as in :func:`sharpness_along`, summarized as Cohen et al.
    (2021) describe the edge of stability: the progressive-sharpening phase, the onset (the
    first sample reaching 2/η from below), λmax/(2/η) after it (mean, spread), the fraction of
    steps whose loss rose, and how often consecutive steps alternate in sign along the top
    eigenvector (period 2 along u). ``run`` holds the tracked run. Ctrl-C and ``progress`` as
    in :func:`sharpness_along`."""
    d = _stepsize._edge_of_stability(objective, theta0, eta, steps, every, tolerance, _progress(progress))
    d["run"] = SharpnessAlong(**d["run"])
    return EdgeOfStability(**d)


def central_flow(
    objective: Objective,
    theta0: ArrayLike,
    eta: float,
    *,
    steps: int = 1000,
    every: Optional[int] = None,
    warm_start: Optional[int] = None,
    window: Optional[int] = None,
    threshold: Optional[float] = None,
    restoring_rate: Optional[float] = None,
    tolerance: Optional[float] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> CentralFlow:
    """GD at ``eta`` beside its central flow (Cohen, Damian, Talwalkar, Kolter & Lee, ICLR
    2025): dθ/dt = −η[∇L + ½∇⟨∇²L, Σ⟩], Σ on the Hessian's eigenvectors with eigenvalues
    ≥ ``threshold``·2/η, chosen (a small semidefinite complementarity problem) so that those
    eigenvalues do not rise past 2/η; below the edge it is gradient flow. Both start from GD's
    iterate after ``warm_start`` steps and run ``steps`` steps (t in GD steps); every ``every``
    steps the result holds the flow's predicted time-averaged loss (``loss_predicted``), its
    λmax (``sharpness``), GD's loss (raw, and averaged over ``window`` steps) and λmax, and the
    distance from GD's iterate to the flow (``distance``). Integrated by an adaptive
    Bogacki–Shampine 3(2) scheme to a local error of ``tolerance``·(1 + ‖θ‖);
    ``restoring_rate`` (κ, per step) returns an edge eigenvalue that drifted off 2/η. Third
    derivatives are exact for formulas and models written with dual numbers, else central
    differences of HVPs (error ≈ 4e-11 relative). Options left at None take gd-core's defaults
    (``CentralFlowOptions``: every 1, warm_start 0, window 20, threshold 0.95, restoring_rate 2,
    tolerance 1e-6). Ctrl-C and ``progress`` as in :func:`sharpness_along`."""
    d = _stepsize._central_flow(
        objective, theta0, eta, steps, every, warm_start, window, threshold, restoring_rate,
        tolerance, _progress(progress),
    )
    return CentralFlow._from(d)


def _progress(progress):
    """The progress callable: the given one, a tqdm bar for ``True`` (when tqdm is installed;
    else no bar), or none."""
    if progress is not True:
        return progress or None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    bar = {}

    def update(done, total):
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total)
        bar["bar"].update(done - bar["bar"].n)
        if done >= total:
            bar["bar"].close()

    return update


def orbit_diagram(
    objective: Objective,
    etas: ArrayLike,
    starts: ArrayLike,
    *,
    transient: int = _ORBIT_DIAGRAM["transient"],
    points: int = _ORBIT_DIAGRAM["points"],
    divergence_bound: float = _ORBIT_DIAGRAM["divergence_bound"],
    merge_tolerance: float = _ORBIT_DIAGRAM["merge_tolerance"],
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    shard: Shard = None,
    out: Optional[str] = None,
) -> Union[OrbitDiagram, str]:
    """For each η of ``etas`` and each start (rows of ``starts``, n × d), the ``points``
    iterates after ``transient`` steps; and the minima GD reaches at small steps, with 2/λmax.
    With ``shard`` (see :func:`merge`), only that shard's (η, start) columns, written to the
    folder ``out``; returns the shard file's path."""
    starts = starts if hasattr(starts, "ndim") else np.atleast_2d(np.asarray(starts))
    d = _stepsize._orbit_diagram(
        objective, etas, starts, transient, points, divergence_bound, merge_tolerance, threads,
        _progress(progress), shard, _folder(out),
    )
    return d if shard is not None else OrbitDiagram._from(d)


def basins(
    objective: Objective,
    eta: float,
    s: Tuple[float, float, int] = (-2.0, 2.0, 256),
    t: Tuple[float, float, int] = (-2.0, 2.0, 256),
    *,
    center: Optional[ArrayLike] = None,
    u: Optional[ArrayLike] = None,
    v: Optional[ArrayLike] = None,
    max_iterations: int = _BASINS["max_iterations"],
    divergence_bound: float = _BASINS["divergence_bound"],
    max_period: int = _BASINS["max_period"],
    merge_tolerance: float = _BASINS["merge_tolerance"],
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    shard: Shard = None,
    out: Optional[str] = None,
) -> Union[BasinMap, str]:
    """The attractor each start θ = center + s·u + t·v reaches under GD at ``eta``, for s and
    t on grids (lo, hi, n): fixed points (merged within ``merge_tolerance``, each with its
    linearization), orbits by period, unresolved, diverged. For d = 2 the plane defaults to
    (x, y). With ``shard`` (see :func:`merge`), only that shard's rows (values of t), written
    to the folder ``out``; returns the shard file's path."""
    d = _stepsize._basins(
        objective,
        eta,
        tuple(s),
        tuple(t),
        center,
        u,
        v,
        max_iterations,
        divergence_bound,
        max_period,
        merge_tolerance,
        threads,
        _progress(progress),
        shard,
        _folder(out),
    )
    return d if shard is not None else BasinMap._from(d)


def boundary(
    objective: Objective,
    near: ArrayLike,
    *,
    relative_tolerance: float = _BOUNDARY["relative_tolerance"],
    perturbation: float = _BOUNDARY["perturbation"],
    max_iterations: int = _BOUNDARY["max_iterations"],
) -> Boundary:
    """The empirical stability boundary of the minimum GD finds near ``near``: the largest η
    from which a perturbed start returns to it, bisected to ``relative_tolerance``, against
    the theory 2/λmax."""
    d = _stepsize._boundary(objective, near, relative_tolerance, perturbation, max_iterations)
    d["bracket"] = tuple(d["bracket"])
    return Boundary(**d)


def sweep(
    objective: Objective,
    etas: ArrayLike,
    starts: Optional[ArrayLike] = None,
    *,
    count: Optional[int] = None,
    box: Tuple[float, float] = (-1.0, 1.0),
    seed: int = 0,
    max_iterations: int = _RUN["max_iterations"],
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    shard: Shard = None,
    out: Optional[str] = None,
) -> Union[Sweep, str]:
    """Where GD ends for every η of ``etas`` and every start: the rows of ``starts`` (n × d),
    or ``count`` starts drawn uniformly from ``box``ᵈ, start i from the random stream
    (``seed``, i). Runs in parallel; the same results at any thread count. With ``shard``
    (see :func:`merge`), only that shard's runs (η outer, start inner), written to the folder
    ``out``; returns the shard file's path."""
    d = _stepsize._sweep(
        objective, etas, starts, count, box, seed, max_iterations, threads,
        _progress(progress), shard, _folder(out),
    )
    return d if shard is not None else Sweep._from(d)


def merge(folder: str, objective: Objective) -> Union[BasinMap, OrbitDiagram, Sweep]:
    """The result of a sharded ``basins``, ``orbit_diagram`` or ``sweep`` from the shard files
    in ``folder``, equal bit for bit to the unsharded call's. ``objective`` must be the one the
    shards were computed with (checked by its description and dimension). Refused, naming the
    shard, when one is missing, duplicated, partial or from another run.

    A shard is ``(i, n)`` (0 ≤ i < n), ``"i/n"``, or ``"slurm"``: shard
    ``SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`` of ``SLURM_ARRAY_TASK_COUNT`` in an array
    job. The files are the ``stepsize`` command's shard files (``shard-IIIII-of-NNNNN.json``)."""
    kind, d = _stepsize._merge(_folder(folder), objective)
    return {"basins": BasinMap, "orbit_diagram": OrbitDiagram, "sweep": Sweep}[kind]._from(d)


def _folder(path):
    """A folder argument as the native module takes it (``os.fspath``), or None."""
    import os

    return None if path is None else os.fspath(path)


def repro(only: Optional[str] = None, quick: bool = False, out: Optional[str] = None) -> List[Report]:
    """The papers' results (``cargo xtask repro``): the experiments whose id starts with
    ``only`` (all when None), in the small configurations when ``quick``; written as the
    ``paper-repro/`` tree to ``out`` when given. Returns one ``Report`` per experiment, with
    its claims (theory, measured, verdict)."""
    return _reports(_stepsize._repro(only, quick, None if out is None else str(out)))
