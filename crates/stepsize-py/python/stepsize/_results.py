"""Result objects of the analyses: small frozen dataclasses of NumPy arrays and numbers, each
with a short readable ``repr``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any, List, Optional, Tuple

import numpy as np


def _fmt(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, np.ndarray):
        if x.size <= 6:
            return np.array2string(x, precision=6, separator=", ")
        return f"array(shape={x.shape})"
    return repr(x)


class _Short:
    """A ``repr`` listing the fields named in ``_shown``."""

    _shown: Tuple[str, ...] = ()

    def __repr__(self) -> str:
        parts = ", ".join(f"{name}={_fmt(getattr(self, name))}" for name in self._shown)
        return f"{type(self).__name__}({parts})"


def _build(cls, values: dict):
    """``cls`` from exactly the keys the native module returned: a key it does not know, or a
    field without a default left unset, is an error here rather than a silently lost value."""
    names = {f.name for f in fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise TypeError(f"{cls.__name__}: unexpected keys {sorted(unknown)} from the native module")
    return cls(**values)


@dataclass(frozen=True, repr=False)
class Run(_Short):
    """Where GD from θ₀ at η ends.

    ``kind`` is "fixed_point", "periodic", "diverged" or "unresolved". ``orbit`` holds the
    fixed point (1 × d) or the k points of the orbit (k × d), empty otherwise. ``multipliers``
    are the Floquet multipliers (eigenvalues of the Jacobian product along the orbit, d ≤ 64),
    ``spectral_radius`` and ``stability`` their verdict; ``lyapunov`` (with its standard error)
    is the largest Lyapunov exponent of an unresolved run.
    """

    kind: str
    period: Optional[int]
    eta: float
    steps: int
    orbit: np.ndarray
    point: Optional[np.ndarray]
    loss: Optional[float]
    gradient_norm: Optional[float]
    exact: Optional[bool]
    residual: Optional[float]
    multipliers: Optional[np.ndarray]
    spectral_radius: Optional[float]
    stability: Optional[str]
    lyapunov: Optional[float]
    lyapunov_standard_error: Optional[float]
    diverged_at: Optional[int]

    _shown = ("kind", "period", "eta", "steps", "loss", "spectral_radius", "stability", "lyapunov")

    @classmethod
    def _from(cls, d: dict) -> "Run":
        re, im = d.pop("multipliers_re"), d.pop("multipliers_im")
        d["multipliers"] = None if re is None else re + 1j * im
        return _build(cls, d)


@dataclass(frozen=True, repr=False)
class Sharpness(_Short):
    """λmax and λmin of ∇²f at a point, with the residuals ‖Hy − λy‖ of their Ritz vectors."""

    lambda_max: float
    lambda_max_residual: float
    lambda_min: float
    lambda_min_residual: float
    converged: bool
    hessian_vector_products: int
    top_eigenvector: np.ndarray
    bottom_eigenvector: np.ndarray

    _shown = ("lambda_max", "lambda_max_residual", "lambda_min", "lambda_min_residual", "converged")


@dataclass(frozen=True, repr=False)
class Linearization(_Short):
    """The GD map linearized at a point at step η: ρ(I − η∇²f) and the verdict."""

    eta: float
    sharpness: float
    lambda_min: float
    spectral_radius: float
    max_stable_step: Optional[float]
    stability: str

    _shown = ("eta", "sharpness", "spectral_radius", "max_stable_step", "stability")


@dataclass(frozen=True, repr=False)
class Stability(_Short):
    """The Hessian at a point: its extremes, 2/λmax, and with η the linearization there."""

    point: np.ndarray
    loss: float
    gradient_norm: float
    max_stable_step: Optional[float]
    extremes: Sharpness
    at_eta: Optional[Linearization]

    _shown = ("loss", "gradient_norm", "max_stable_step", "extremes", "at_eta")

    @property
    def sharpness(self) -> float:
        """λmax(∇²f) at the point (a float, as everywhere else; the solver's detail is in
        ``extremes``)."""
        return self.extremes.lambda_max

    @classmethod
    def _from(cls, d: dict) -> "Stability":
        d["extremes"] = _build(Sharpness, d["extremes"])
        d["at_eta"] = None if d["at_eta"] is None else _build(Linearization, d["at_eta"])
        return _build(cls, d)


@dataclass(frozen=True, repr=False)
class SharpnessAlong(_Short):
    """λmax(∇²f(θ_k)) sampled along a GD run at η (compare with 2/η): per sample its step,
    λmax, the top-k eigenvalues, λmin (when asked), the loss, the residual of λmax, whether the
    sample converged and its Hessian-vector products; the loss at every step and every step's
    component along the newest top eigenvector; how the run ended ("completed", "diverged",
    "stopped") after ``steps`` steps."""

    eta: float
    end: str
    steps: int
    iterations: np.ndarray
    sharpness: np.ndarray
    top: np.ndarray
    lambda_min: Optional[np.ndarray]
    loss: np.ndarray
    residual: np.ndarray
    converged: np.ndarray
    hvps: np.ndarray
    losses: np.ndarray
    steps_along_top: np.ndarray

    _shown = ("eta", "end", "steps", "iterations", "sharpness")


@dataclass(frozen=True, repr=False)
class EdgeOfStability(_Short):
    """The edge of stability of one run at η: the threshold 2/η, whether λmax(θ₀) was already
    above it, the onset (first sample reaching 2/η from below, or None), the sharpening phase
    before it (λmax at step 0 and at its end, the fraction of rising sample pairs), λmax/(2/η)
    after the onset (mean, std, min, max), the fraction of steps whose loss rose (in all and
    after the onset), the fraction of consecutive steps alternating in sign along the top
    eigenvector after the onset, and the tracked run."""

    eta: float
    threshold: float
    starts_above: bool
    onset: Optional[int]
    sharpening_initial: float
    sharpening_last: float
    sharpening_rising_fraction: float
    ratio_mean: Optional[float]
    ratio_std: Optional[float]
    ratio_min: Optional[float]
    ratio_max: Optional[float]
    loss_rise_fraction: float
    loss_rise_fraction_after_onset: Optional[float]
    alternation_after_onset: Optional[float]
    run: SharpnessAlong

    _shown = ("eta", "threshold", "onset", "ratio_mean", "ratio_std", "alternation_after_onset")


@dataclass(frozen=True, repr=False)
class Agreement(_Short):
    """How closely the central flow predicts GD after its onset (and 10 settling steps): each
    as (mean, max) over the samples. ``sharpness_error``: |λmax(flow)/(2/η) − 1|;
    ``loss_error``: |predicted − GD's averaged loss| / GD's averaged loss;
    ``relative_distance``: ‖θ_GD − θ_flow‖ / ‖θ_GD − θ_GD(start)‖, and the same for the
    midpoint of GD's step. ``claims``: each as {name, mean, max, tolerance, holds}, the mean
    judged by the tolerance argued in gd-core (``CLAIM_TOLERANCES``)."""

    flow_onset: Optional[int]
    samples: int
    sharpness_error: Tuple[float, float]
    loss_error: Tuple[float, float]
    relative_distance: Tuple[float, float]
    relative_midpoint_distance: Tuple[float, float]
    claims: List[dict]

    _shown = ("flow_onset", "samples", "sharpness_error", "loss_error", "relative_distance")


@dataclass(frozen=True, repr=False)
class CentralFlow(_Short):
    """The central flow beside GD, sampled at ``iterations`` (GD's steps): the flow's predicted
    time-averaged loss ``loss_predicted`` (L + ½⟨∇²L, Σ⟩), its own loss, its λmax
    (``sharpness``, held at 2/η past the edge), the directions at the edge and tr Σ; GD's loss
    (raw, averaged over ``window`` steps) and λmax; the distance from GD's iterate (and from the
    midpoint of its step) to the flow, and how far GD has moved. ``gd_losses``: GD's loss at
    every step from ``warm_start``. ``agreement`` summarizes the claims."""

    iterations: np.ndarray
    loss_predicted: np.ndarray
    flow_loss: np.ndarray
    sharpness: np.ndarray
    gd_loss: np.ndarray
    gd_loss_average: np.ndarray
    gd_sharpness: np.ndarray
    distance: np.ndarray
    midpoint_distance: np.ndarray
    travelled: np.ndarray
    sigma_trace: np.ndarray
    edge: np.ndarray
    gd_losses: np.ndarray
    eta: float
    threshold: float
    warm_start: int
    window: int
    steps: int
    end: str
    field_evaluations: int
    hessian_vector_products: int
    exact_third_derivatives: Optional[bool]
    final_theta: np.ndarray
    agreement: Optional[Agreement]

    _shown = ("eta", "threshold", "steps", "end", "agreement")

    @classmethod
    def _from(cls, d: dict) -> "CentralFlow":
        if d["agreement"] is not None:
            d["agreement"] = _build(Agreement, d["agreement"])
        return _build(cls, d)


@dataclass(frozen=True, repr=False)
class Minimum(_Short):
    """A minimum found at small steps, with λmax and 2/λmax."""

    point: np.ndarray
    loss: float
    sharpness: float
    lambda_min: float
    max_stable_step: float

    _shown = ("point", "loss", "sharpness", "max_stable_step")


@dataclass(frozen=True, repr=False)
class OrbitDiagram(_Short):
    """Iterates after the transient: point i was visited at step ``eta[i]`` from start
    ``start[i]`` and is ``points[i]`` (d coordinates). ``diverged[j, k]`` tells whether the run
    at ``etas[j]`` from start k diverged; ``minima`` carry 2/λmax."""

    eta: np.ndarray
    start: np.ndarray
    points: np.ndarray
    etas: np.ndarray
    diverged: np.ndarray
    minima: List[Minimum]

    _shown = ("etas", "points", "minima")

    @classmethod
    def _from(cls, d: dict) -> "OrbitDiagram":
        d["minima"] = [_build(Minimum, m) for m in d["minima"]]
        return _build(cls, d)


@dataclass(frozen=True, repr=False)
class Attractor(_Short):
    """One attractor of a basin map: its kind, period and, for a fixed point, the point, its
    loss and the linearization at η."""

    label: int
    kind: str
    count: int
    period: Optional[int] = None
    point: Optional[np.ndarray] = None
    loss: Optional[float] = None
    linearization: Optional[Linearization] = None

    _shown = ("label", "kind", "count", "period", "point", "linearization")


@dataclass(frozen=True, repr=False)
class BasinMap(_Short):
    """The attractor label of each start: ``labels[j, i]`` for s = ``s[i]``, t = ``t[j]``;
    ``attractors[label]`` says what it is."""

    eta: float
    s: np.ndarray
    t: np.ndarray
    labels: np.ndarray
    counts: np.ndarray
    attractors: List[Attractor]
    steps: int

    _shown = ("eta", "labels", "attractors")

    @classmethod
    def _from(cls, d: dict) -> "BasinMap":
        attractors = []
        for label, (a, count) in enumerate(zip(d["attractors"], d["counts"])):
            if a.get("linearization") is not None:
                a["linearization"] = _build(Linearization, a["linearization"])
            attractors.append(_build(Attractor, dict(a, label=label, count=int(count))))
        d["attractors"] = attractors
        return _build(cls, d)


@dataclass(frozen=True, repr=False)
class Boundary(_Short):
    """The empirical stability boundary of a minimum (the largest η from which GD started near
    it returns) against the theory 2/λmax, with the bisection's bracket."""

    minimum: np.ndarray
    loss: float
    sharpness: float
    theory: float
    empirical: float
    bracket: Tuple[float, float]
    trials: int

    _shown = ("minimum", "sharpness", "theory", "empirical", "bracket")


@dataclass(frozen=True, repr=False)
class Sweep(_Short):
    """Where GD ends for every (η, start): task i ran at ``eta[i]`` from
    ``starts[start[i]]``. ``end`` and ``loss`` are masked where a run diverged."""

    eta: np.ndarray
    start: np.ndarray
    starts: np.ndarray
    kind: np.ndarray
    period: np.ndarray
    steps: np.ndarray
    end: np.ma.MaskedArray
    loss: np.ma.MaskedArray

    _shown = ("eta", "kind", "period")

    @classmethod
    def _from(cls, d: dict) -> "Sweep":
        missing = ~d.pop("has_end")
        d["end"] = np.ma.masked_array(d["end"], mask=np.repeat(missing[:, None], d["end"].shape[1], 1))
        d["loss"] = np.ma.masked_array(d["loss"], mask=missing)
        d["kind"] = np.array(d["kind"])
        return _build(cls, d)


def _number(x: Any) -> Optional[float]:
    if x is None or isinstance(x, (int, float)):
        return x
    return {"NaN": math.nan, "inf": math.inf, "-inf": -math.inf}.get(x, math.nan)


@dataclass(frozen=True, repr=False)
class Claim(_Short):
    """One checked statement of a paper: the theory value, the measured value, how they are
    compared, and the verdict ("holds", "FAILS" or "not reproduced at CPU scale")."""

    id: str
    statement: str
    theory: Optional[float]
    measured: float
    criterion: str
    verdict: str

    _shown = ("id", "theory", "measured", "verdict")


@dataclass(frozen=True, repr=False)
class Report(_Short):
    """One paper result: its claims, notes and the configuration it ran with."""

    id: str
    title: str
    claims: List[Claim]
    notes: List[str] = field(default_factory=list)
    config: Any = None

    _shown = ("id", "title", "claims")

    @property
    def all_hold(self) -> bool:
        return all(c.verdict != "FAILS" for c in self.claims)


_VERDICTS = {"Holds": "holds", "Fails": "FAILS", "NotReproducedAtCpuScale": "not reproduced at CPU scale"}


def _reports(text: str) -> List[Report]:
    reports = []
    for r in json.loads(text):
        claims = [
            Claim(
                id=c["id"],
                statement=c["statement"],
                theory=_number(c["theory"]),
                measured=_number(c["measured"]),
                criterion=c["criterion"],
                verdict=_VERDICTS.get(c["verdict"], c["verdict"]),
            )
            for c in r["claims"]
        ]
        reports.append(Report(id=r["id"], title=r["title"], claims=claims, notes=r["notes"], config=r["config"]))
    return reports
