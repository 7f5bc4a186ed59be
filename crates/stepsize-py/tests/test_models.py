"""The papers' models built from NumPy arrays give the Rust API's numbers bit for bit
(`cargo xtask test` writes the Rust side's values from the same exact data)."""

import numpy as np

import stepsize


def check_bits(objective, case):
    theta, v = np.array(case["theta"]), np.array(case["v"])
    assert objective.loss(theta) == case["loss"]
    assert objective.gradient(theta).tolist() == case["gradient"]
    assert objective.hvp(theta, v).tolist() == case["hvp"]
    end = stepsize.run(objective, theta, case["eta"])
    assert end.kind == case["kind"]
    assert end.steps == case["steps"]
    if case["point"] is not None:
        assert end.point.tolist() == case["point"]


def test_deep_linear(reference):
    case = reference["deep_linear"]
    f = stepsize.deep_linear(np.array(case["x"]), np.array(case["y"]), case["widths"])
    assert f.dim == 3 * 4 + 4 * 2
    check_bits(f, case)


def test_two_layer_relu(reference):
    case = reference["two_layer_relu"]
    f = stepsize.two_layer_relu(np.array(case["x"]), np.array(case["y"]), np.array(case["bias"]))
    check_bits(f, case)


def test_mlp(reference):
    case = reference["mlp"]
    f = stepsize.mlp(case["sizes"], np.array(case["x"]), np.array(case["y"]), activation="tanh")
    check_bits(f, case)


def test_nar_sastry_example_2(reference):
    check_bits(stepsize.nar_sastry_example(2), reference["nar_sastry_example_2"])


def test_lists_and_fortran_ordered_arrays_are_the_same_input(reference):
    case = reference["deep_linear"]
    x = np.asfortranarray(np.array(case["x"]))
    f = stepsize.deep_linear(x, case["y"], case["widths"])
    assert f.loss(case["theta"]) == case["loss"]
