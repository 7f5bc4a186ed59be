"""The analyses' option defaults are gd-core's: the Python signatures read them from
``_stepsize._DEFAULTS`` (the `Default`s of BasinOptions, OrbitDiagramOptions,
SharpnessAlongOptions, BoundaryOptions and the run configuration of the analyses), so a default
changed in Rust changes here too and none is written twice."""

import inspect
import json

import stepsize
from stepsize import _stepsize

RUST = json.loads(_stepsize._DEFAULTS)

# Python function -> (gd-core options, {Python parameter: Rust field}).
WHERE = [
    (stepsize.run, "run", {"max_iterations": "max_iterations", "gradient_tolerance": "gradient_tolerance",
                           "max_period": "max_period", "divergence_bound": "divergence_bound"}),
    (stepsize.sweep, "run", {"max_iterations": "max_iterations"}),
    (stepsize.basins, "basins", {"max_iterations": "max_iterations", "divergence_bound": "divergence_bound",
                                 "max_period": "max_period", "merge_tolerance": "merge_tolerance"}),
    (stepsize.orbit_diagram, "orbit_diagram", {"transient": "transient", "points": "points",
                                               "divergence_bound": "divergence_bound",
                                               "merge_tolerance": "merge_tolerance"}),
    (stepsize.sharpness_along, "sharpness_along", {"every": "every", "top_k": "top_k",
                                                   "tolerance": "relative_tolerance", "lambda_min": "lambda_min"}),
    (stepsize.edge_of_stability, "sharpness_along", {"every": "every", "tolerance": "relative_tolerance"}),
    (stepsize.from_callables, "callables", {"batch_size": "batch_size"}),
    (stepsize.from_jax, "callables", {"batch_size": "batch_size"}),
    (stepsize.boundary, "boundary", {"relative_tolerance": "relative_tolerance", "perturbation": "perturbation",
                                     "max_iterations": "max_iterations"}),
]


def test_every_option_default_is_the_rust_default():
    for function, options, names in WHERE:
        parameters = inspect.signature(function).parameters
        for python_name, rust_name in names.items():
            default = parameters[python_name].default
            expected = RUST[options][rust_name]
            assert default == expected and type(default) is type(expected), (
                f"{function.__name__}({python_name}={default!r}): gd-core's {options}.{rust_name} is {expected!r}"
            )


def test_integers_stay_integers_and_the_budget_is_the_specs():
    # SPEC W5's basin budget and W6's sampling, as gd-core states them; ints, not floats.
    assert RUST["basins"]["max_iterations"] == 2000 and isinstance(RUST["basins"]["max_iterations"], int)
    assert RUST["sharpness_along"]["every"] == 25 and isinstance(RUST["sharpness_along"]["every"], int)
