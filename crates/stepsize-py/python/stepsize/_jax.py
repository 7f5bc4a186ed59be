"""JAX functions as the callables of an objective: jit-compiled float64 gradient, HVP (JVP of
the gradient) and vmap-ed gradient, returning NumPy arrays."""

from __future__ import annotations

from typing import Callable, Tuple

import numpy as np


def jax_callables(loss_fn: Callable, dim: int) -> Tuple[Callable, Callable, Callable, Callable, Callable]:
    try:
        import jax
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("stepsize.from_jax needs jax: pip install 'jax[cpu]'") from e
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    grad = jax.jit(jax.grad(loss_fn))
    value = jax.jit(loss_fn)
    hvp = jax.jit(lambda x, v: jax.jvp(jax.grad(loss_fn), (x,), (v,))[1])
    batched = jax.jit(jax.vmap(jax.grad(loss_fn)))
    both = jax.jit(jax.value_and_grad(loss_fn))

    def as_vector(x: np.ndarray):
        return jnp.asarray(x, dtype=jnp.float64)

    return (
        lambda x: float(value(as_vector(x))),
        lambda x: np.asarray(grad(as_vector(x)), dtype=np.float64),
        lambda x, v: np.asarray(hvp(as_vector(x), as_vector(v)), dtype=np.float64),
        lambda xs: np.asarray(batched(as_vector(xs)), dtype=np.float64),
        lambda x: _pair(both(as_vector(x))),
    )


def _pair(result):
    value, gradient = result
    return float(value), np.asarray(gradient, dtype=np.float64)
