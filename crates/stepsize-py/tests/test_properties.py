"""Property-based tests of the Python API's argument checking (Hypothesis): thousands of
generated arguments — numbers of every kind, strings, None, booleans, nested lists — reach each
entry point, which either returns a result or raises ValueError / TypeError (OverflowError for
an integer out of range) naming the argument, in its message or in the note pyo3 adds
("while processing 'eta'"). Never another exception, a crash or a hang (each call is bounded
by small budgets)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stepsize

F = stepsize.from_formula("x^2 + 2*y^2 + 0.1*x*y")
NUMBERS = st.one_of(
    st.floats(),
    st.integers(-(10**20), 10**20),
    st.none(),
    st.text(max_size=3),
    st.booleans(),
)
VECTORS = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, max_size=4),
    st.lists(st.lists(NUMBERS, max_size=3), max_size=3),
)
SETTINGS = settings(
    max_examples=1500, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def refused_by_name(error: Exception, names) -> bool:
    """The error names one of `names`, in its message or in a note."""
    text = str(error) + " ".join(getattr(error, "__notes__", []))
    return isinstance(error, (ValueError, TypeError, OverflowError)) and any(n in text for n in names)


@SETTINGS
@given(theta0=VECTORS, eta=NUMBERS, max_iterations=NUMBERS)
def test_run_arguments(theta0, eta, max_iterations):
    try:
        r = stepsize.run(F, theta0, eta, max_iterations=max_iterations)
    except Exception as e:  # noqa: BLE001 - the property is about which exceptions
        assert refused_by_name(e, ["theta0", "eta", "step size", "max_iterations"]), repr(e)
    else:
        assert r.kind in ("fixed_point", "periodic", "diverged", "unresolved")


AXES = st.tuples(NUMBERS, NUMBERS, st.one_of(st.integers(-3, 12), NUMBERS))


@SETTINGS
@given(eta=NUMBERS, s=AXES, t=AXES, center=st.one_of(st.none(), VECTORS))
def test_basins_arguments(eta, s, t, center):
    try:
        m = stepsize.basins(F, eta, s, t, center=center, max_iterations=50)
    except Exception as e:  # noqa: BLE001
        assert refused_by_name(e, ["eta", "step size", "s:", "t:", "'s'", "'t'", "center", "lo", "axis"]), repr(e)
    else:
        assert m.labels.shape == (t[2], s[2])


@SETTINGS
@given(
    etas=VECTORS,
    count=st.one_of(st.none(), st.integers(-3, 40), NUMBERS),
    box=st.tuples(NUMBERS, NUMBERS),
    seed=st.one_of(st.integers(-5, 2**70), NUMBERS),
)
def test_sweep_arguments(etas, count, box, seed):
    try:
        r = stepsize.sweep(F, etas, count=count, box=box, seed=seed, max_iterations=50)
    except Exception as e:  # noqa: BLE001
        assert refused_by_name(e, ["etas", "count", "box", "seed", "step size", "starts"]), repr(e)
    else:
        assert len(r.kind) == len(np.atleast_1d(etas)) * count


@SETTINGS
@given(
    dim=st.one_of(st.none(), st.integers(-3, 2**40), NUMBERS),
    batch_size=st.one_of(st.integers(-3, 2**30), NUMBERS),
    grad=st.sampled_from([lambda t: 2 * t, None, 3, "grad"]),
)
def test_from_callables_arguments(dim, batch_size, grad):
    try:
        f = stepsize.from_callables(lambda t: float(t @ t), grad, dim=dim, batch_size=batch_size)
    except Exception as e:  # noqa: BLE001
        assert refused_by_name(e, ["dim", "batch_size", "grad"]), repr(e)
    else:
        assert f.dim == dim
