"""JAX functions as the callables of an objective: jit-compiled float64 gradient, HVP (JVP of
the gradient) and vmap-ed gradient, returning NumPy arrays; a loss of a parameter pytree is
made a loss of one vector by ``jax.flatten_util.ravel_pytree``."""

from __future__ import annotations

import numbers
from typing import Any, Callable, Dict

import numpy as np


def jax_callables(loss_fn: Callable, params: Any) -> Dict[str, Any]:
    try:
        import jax
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("stepsize.from_jax needs jax: pip install 'jax[cpu]'") from e
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable; got {type(loss_fn).__name__}")
    structure = {}
    if isinstance(params, numbers.Integral) and not isinstance(params, bool):
        dim = int(params)
        if dim < 1:
            raise ValueError(f"params = {dim} is not allowed: a dimension ≥ 1, or a parameter pytree")
        vector_loss = loss_fn
        example = jax.ShapeDtypeStruct((dim,), jnp.float64)
    else:
        leaves = jax.tree_util.tree_leaves(params)
        if not leaves:
            raise ValueError("params is an empty pytree; expected arrays of parameters")
        for leaf in leaves:
            kind = np.asarray(leaf).dtype.kind
            if kind not in "fiu":
                raise TypeError(f"params has a leaf of dtype {np.asarray(leaf).dtype}; expected real numbers")
        flat0, unravel_raw = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params))
        dim = int(flat0.size)
        treedef = jax.tree_util.tree_structure(params)

        def vector_loss(x):
            return loss_fn(unravel_raw(x))

        def flatten(tree=None):
            if tree is None:
                return np.asarray(flat0, dtype=np.float64)
            if jax.tree_util.tree_structure(tree) != treedef:
                raise ValueError(f"params has the structure {jax.tree_util.tree_structure(tree)}; expected {treedef}")
            return np.asarray(ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), tree))[0])

        def unflatten(theta):
            return unravel_raw(jnp.asarray(theta, dtype=jnp.float64))

        structure = {"flatten": flatten, "unflatten": unflatten}
        example = jax.ShapeDtypeStruct((dim,), jnp.float64)
    try:
        shape = jax.eval_shape(vector_loss, example).shape
    except Exception as e:
        raise ValueError(f"loss_fn cannot be traced on a parameter vector of length {dim}: {type(e).__name__}: {e}") from e
    if shape != ():
        raise ValueError(f"loss_fn returned shape {shape}; expected a scalar")

    grad = jax.jit(jax.grad(vector_loss))
    value = jax.jit(vector_loss)
    hvp = jax.jit(lambda x, v: jax.jvp(jax.grad(vector_loss), (x,), (v,))[1])
    batched = jax.jit(jax.vmap(jax.grad(vector_loss)))
    both = jax.jit(jax.value_and_grad(vector_loss))

    def as_vector(x: np.ndarray):
        return jnp.asarray(x, dtype=jnp.float64)

    return dict(
        dim=dim,
        loss=lambda x: float(value(as_vector(x))),
        grad=lambda x: np.asarray(grad(as_vector(x)), dtype=np.float64),
        hvp=lambda x, v: np.asarray(hvp(as_vector(x), as_vector(v)), dtype=np.float64),
        batched_grad=lambda xs: np.asarray(batched(as_vector(xs)), dtype=np.float64),
        value_and_grad=lambda x: _pair(both(as_vector(x))),
        **structure,
    )


def _pair(result):
    value, gradient = result
    return float(value), np.asarray(gradient, dtype=np.float64)
