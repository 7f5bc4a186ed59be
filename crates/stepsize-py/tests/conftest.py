"""Shared objectives: SPEC W5's loss (x² − 1)² + 2(y² − 1)² + xy/2 as a formula, as NumPy
callables (plain and batched) and as a JAX function."""

import json
import os

import numpy as np
import pytest

import stepsize

W5 = "(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y"


def w5_loss(t):
    x, y = t[..., 0], t[..., 1]
    return (x * x - 1.0) ** 2 + 2.0 * (y * y - 1.0) ** 2 + 0.5 * x * y


def w5_grad(t):
    x, y = t[..., 0], t[..., 1]
    return np.stack([4.0 * x * (x * x - 1.0) + 0.5 * y, 8.0 * y * (y * y - 1.0) + 0.5 * x], axis=-1)


def w5_hvp(t, v):
    x, y = t[0], t[1]
    h = np.array([[12.0 * x * x - 4.0, 0.5], [0.5, 24.0 * y * y - 8.0]])
    return h @ v


@pytest.fixture
def formula():
    return stepsize.from_formula(W5)


@pytest.fixture
def callables():
    return stepsize.from_callables(lambda t: float(w5_loss(t)), w5_grad, w5_hvp, dim=2)


@pytest.fixture
def batched():
    return stepsize.from_callables(
        lambda t: float(w5_loss(t)), w5_grad, w5_hvp, dim=2, batched_grad=w5_grad
    )


@pytest.fixture
def jax_w5():
    jnp = pytest.importorskip("jax.numpy")

    def loss(t):
        x, y = t[0], t[1]
        return (x * x - 1.0) ** 2 + 2.0 * (y * y - 1.0) ** 2 + 0.5 * x * y

    del jnp
    return stepsize.from_jax(loss, 2)


@pytest.fixture(scope="session")
def reference():
    path = os.environ.get("STEPSIZE_RUST_REFERENCE")
    if path is None:
        pytest.skip("STEPSIZE_RUST_REFERENCE not set (cargo xtask test writes it)")
    with open(path) as f:
        return json.load(f)
