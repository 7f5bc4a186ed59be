"""Bad input raises ValueError/TypeError naming the argument; an exception raised in a
callback reaches the caller as itself, from every analysis."""

import numpy as np
import pytest

import stepsize
from conftest import w5_grad, w5_loss


class Boom(Exception):
    pass


def raising(*_):
    raise Boom("from the callback")


def objectives_raising():
    ok_loss = lambda t: float(w5_loss(t))  # noqa: E731
    return {
        "loss": stepsize.from_callables(raising, w5_grad, dim=2),
        "grad": stepsize.from_callables(ok_loss, raising, dim=2),
        "hvp": stepsize.from_callables(ok_loss, w5_grad, raising, dim=2),
        "batched_grad": stepsize.from_callables(ok_loss, w5_grad, dim=2, batched_grad=raising),
        "value_and_grad": stepsize.from_callables(ok_loss, w5_grad, dim=2, value_and_grad=raising),
    }


ANALYSES = {
    "run": lambda f: stepsize.run(f, [0.3, 0.4], 0.05),
    "stability": lambda f: stepsize.stability(f, [0.3, 0.4], 0.1),
    "sharpness": lambda f: stepsize.sharpness(f, [0.3, 0.4]),
    "sharpness_along": lambda f: stepsize.sharpness_along(f, [0.3, 0.4], 0.05, steps=20, every=5),
    "basins": lambda f: stepsize.basins(f, 0.12, (-2, 2, 8), (-2, 2, 8)),
    "orbit_diagram": lambda f: stepsize.orbit_diagram(f, [0.05, 0.1], [[0.3, 0.4]], transient=10, points=2),
    "boundary": lambda f: stepsize.boundary(f, [0.93, 0.97]),
    "sweep": lambda f: stepsize.sweep(f, [0.05], count=3, threads=2),
}

# Which analyses call which function (the loss is read by runs and the boundary; the HVP by
# everything that looks at curvature; the batched gradient only by the lockstep sweeps).
CALLS = {
    "loss": ["run", "stability", "sharpness_along", "boundary", "sweep", "basins"],
    "grad": list(ANALYSES),
    "hvp": ["stability", "sharpness", "sharpness_along", "boundary", "basins", "orbit_diagram"],
    "batched_grad": ["basins", "orbit_diagram"],
    "value_and_grad": ["run", "sharpness_along", "boundary", "sweep"],
}


@pytest.mark.parametrize("which", list(CALLS))
def test_a_callback_exception_reaches_the_caller_as_itself(which):
    f = objectives_raising()[which]
    for name in CALLS[which]:
        with pytest.raises(Boom, match="from the callback"):
            ANALYSES[name](f)
    # The objective is usable again afterwards (the error was taken, not kept).
    if which == "batched_grad":
        assert stepsize.run(f, [0.3, 0.4], 0.05).kind == "fixed_point"


def test_a_gradient_of_the_wrong_shape_is_a_value_error_naming_grad():
    f = stepsize.from_callables(lambda t: 0.0, lambda t: np.zeros(3), dim=2)
    with pytest.raises(ValueError, match="grad returned an array of shape"):
        stepsize.run(f, [0.3, 0.4], 0.05)


def test_a_loss_that_is_not_a_number_is_a_value_error():
    f = stepsize.from_callables(lambda t: "low", w5_grad, dim=2)
    with pytest.raises(ValueError, match="loss returned 'low'"):
        f.loss([0.0, 0.0])


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda f: stepsize.run(f, [0.3], 0.05), ValueError, "theta0 has shape"),
        (lambda f: stepsize.run(f, [[0.3, 0.4]], 0.05), ValueError, "theta0 has shape"),
        (lambda f: stepsize.run(f, ["a", "b"], 0.05), TypeError, "theta0 has dtype"),
        (lambda f: stepsize.run(f, [1 + 2j, 0], 0.05), TypeError, "theta0 has dtype"),
        (lambda f: stepsize.run(f, [0.3, 0.4], -0.1), ValueError, "eta must be finite and > 0, got -0.1"),
        (lambda f: stepsize.run(f, [0.3, 0.4], float("nan")), ValueError, "eta must be finite and > 0, got NaN"),
        (lambda f: stepsize.run(f, [np.nan, 0.4], 0.1), ValueError, "theta0"),
        (lambda f: stepsize.run(f, [0.3, 0.4], 0.1, max_iterations=10**12), ValueError, "max_iterations"),
        (lambda f: stepsize.stability(f, [0.3], 0.1), ValueError, "at has shape"),
        (lambda f: stepsize.sharpness(f, [np.inf, 0.0]), ValueError, "at[0] = inf"),
        (lambda f: stepsize.basins(f, 0.1, (2, -2, 8), (-2, 2, 8)), ValueError, "s:"),
        (lambda f: stepsize.basins(f, 0.1, (-2, 2, 0), (-2, 2, 8)), ValueError, "s:"),
        (lambda f: stepsize.basins(f, 0.1, center=[0, 0, 0]), ValueError, "center has shape"),
        (lambda f: stepsize.basins(f, 0.1, (-2, 2, 8), (-2, 2, 8), max_period=0), ValueError, "max_period"),
        (lambda f: stepsize.basins(f, 0.1, (-2, 2, 8), (-2, 2, 8), threads=0), ValueError, "threads = 0"),
        (lambda f: stepsize.orbit_diagram(f, [], [[0, 0]]), ValueError, "etas"),
        (lambda f: stepsize.orbit_diagram(f, [0.1], [[0, 0, 0]]), ValueError, "starts has shape"),
        (lambda f: stepsize.orbit_diagram(f, [0.1], [["a", "b"]]), TypeError, "starts has dtype"),
        (lambda f: stepsize.sweep(f, [0.1]), ValueError, "either starts"),
        (lambda f: stepsize.sweep(f, [0.1], count=0), ValueError, "count = 0"),
        (lambda f: stepsize.sweep(f, [0.1], count=4, box=(1, -1)), ValueError, "box"),
        (lambda f: stepsize.sweep(f, [0.1], count=10**9), ValueError, "count"),
        (lambda f: stepsize.boundary(f, [0.9, 1.0], relative_tolerance=2.0), ValueError, "relative_tolerance"),
        (lambda f: stepsize.sharpness_along(f, [0.3, 0.4], 0.1, every=0), ValueError, "every"),
        (lambda f: f.hvp([0, 0], [1, 2, 3]), ValueError, "v has shape"),
    ],
)
def test_bad_input_names_the_argument(formula, call, error, words):
    with pytest.raises(error) as info:
        call(formula)
    assert words in str(info.value), str(info.value)


@pytest.mark.parametrize(
    "text, words",
    [
        ("x^^2", "formula"),
        ("(x+y", "formula"),
        ("x + z", "variable \"z\""),
    ],
)
def test_bad_formulas_name_the_formula(text, words):
    with pytest.raises(ValueError) as info:
        stepsize.from_formula(text)
    assert words in str(info.value)


def test_bad_constructors():
    with pytest.raises(TypeError, match="grad must be callable"):
        stepsize.from_callables(lambda t: 0.0, 3, dim=2)
    with pytest.raises(ValueError, match="dim = 0"):
        stepsize.from_callables(lambda t: 0.0, lambda t: t, dim=0)
    with pytest.raises(ValueError, match="x3"):
        stepsize.from_formula("x1 + x3", dim=2)
    with pytest.raises(ValueError, match="samples X"):
        stepsize.deep_linear(np.zeros((3, 4)), np.zeros((2, 4)), [2, 2])
    with pytest.raises(ValueError, match="activation"):
        stepsize.mlp([1, 2, 1], np.zeros((1, 3)), np.zeros((1, 3)), activation="gelu")
    with pytest.raises(ValueError, match="number = 4"):
        stepsize.nar_sastry_example(4)
