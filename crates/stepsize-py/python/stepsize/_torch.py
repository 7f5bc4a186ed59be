"""A PyTorch module on fixed data as the callables of an objective over one flat vector θ.

θ holds the module's parameters in ``named_parameters()`` order, each flattened row-major (as
``torch.nn.utils.parameters_to_vector``). Each call evaluates the module with its parameters
taken from θ by ``functional_call`` (views of one float64 tensor that shares θ's memory: no
copy in float64), the gradient by autograd, the Hessian-vector product by double backward
(the reference edge-of-stability code's method) or, on request, as the forward-mode JVP of the
gradient (torch ≥ 2.0), and a batched gradient for sweeps by ``torch.func.vmap`` where it works.
Works with torch 1.13 (``torch.nn.utils.stateless``) and 2.x (``torch.func``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import numpy as np

HVP_METHODS = ("double_backward", "jvp")
PRECISIONS = ("float64", "float32")
BUFFER_MODES = ("refuse", "frozen")


def torch_callables(
    module: Any,
    loss_fn: Callable,
    inputs: Any,
    targets: Any,
    *,
    hvp: str,
    precision: str,
    buffers: str,
    threads: Optional[int],
    batched: Optional[bool],
) -> Dict[str, Any]:
    try:
        import torch
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("stepsize.from_torch needs torch: pip install torch") from e
    _check_choice("hvp", hvp, HVP_METHODS)
    _check_choice("precision", precision, PRECISIONS)
    _check_choice("buffers", buffers, BUFFER_MODES)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module; got {type(module).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (outputs, targets) -> scalar; got {type(loss_fn).__name__}")
    dtype = torch.float64 if precision == "float64" else torch.float32
    names, shapes, sizes = _check_parameters(torch, module, dtype, precision)
    _check_buffers(torch, module, buffers)
    _check_randomness(torch, module)
    if threads is not None:
        from ._stepsize import MAX_THREADS

        if not (isinstance(threads, int) and 1 <= threads <= MAX_THREADS):
            raise ValueError(f"threads = {threads!r} is not allowed: an integer 1 to {MAX_THREADS}")
        torch.set_num_threads(threads)
    x = _data(torch, "inputs", inputs, dtype, keep_integers=False)
    y = _data(torch, "targets", targets, dtype, keep_integers=True)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"inputs has {x.shape[0]} samples and targets {y.shape[0]}; expected the same number "
            "(samples along the first axis)"
        )
    func = getattr(torch, "func", None)
    if func is not None and hasattr(func, "functional_call"):
        functional_call = func.functional_call
    else:  # torch 1.13
        from torch.nn.utils.stateless import functional_call
    if hvp == "jvp" and (func is None or not hasattr(func, "jvp")):
        raise ValueError(f"hvp = 'jvp' needs torch.func (torch ≥ 2.0); this is torch {torch.__version__}")

    def parameters(flat):
        return {n: p.view(s) for n, p, s in zip(names, flat.split(sizes), shapes)}

    def loss_of(flat):
        value = loss_fn(functional_call(module, parameters(flat), (x,)), y)
        return value

    def as_tensor(theta):
        t = torch.from_numpy(np.ascontiguousarray(theta, dtype=np.float64))
        return t if dtype == torch.float64 else t.to(dtype)

    def as_numpy(t):
        return t.detach().to(torch.float64).numpy()

    def with_gradient(theta, create_graph=False):
        flat = as_tensor(theta).requires_grad_(True)
        value = loss_of(flat)
        (g,) = torch.autograd.grad(value, flat, create_graph=create_graph, allow_unused=True)
        if g is None:
            g = torch.zeros_like(flat)
        return flat, value, g

    def loss(theta):
        with torch.no_grad():
            return float(loss_of(as_tensor(theta)))

    def grad(theta):
        return as_numpy(with_gradient(theta)[2])

    def value_and_grad(theta):
        _, value, g = with_gradient(theta)
        return float(value.detach()), as_numpy(g)

    if hvp == "double_backward":

        def hessian_vector_product(theta, v):
            flat, _, g = with_gradient(theta, create_graph=True)
            if not g.requires_grad:  # the loss is at most linear in θ
                return np.zeros(len(theta))
            (hv,) = torch.autograd.grad(g, flat, grad_outputs=as_tensor(v), allow_unused=True)
            return np.zeros(len(theta)) if hv is None else as_numpy(hv)

    else:
        gradient_of = func.grad(loss_of)

        def hessian_vector_product(theta, v):
            return as_numpy(func.jvp(gradient_of, (as_tensor(theta),), (as_tensor(v),))[1])

    theta0 = as_numpy(torch.cat([p.detach().reshape(-1) for _, p in module.named_parameters()]))
    try:
        value = loss_of(as_tensor(theta0))
    except Exception as e:
        raise ValueError(f"module: evaluating loss_fn(module(inputs), targets) raised {type(e).__name__}: {e}") from e
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(
            f"loss_fn returned {shape}; expected a scalar tensor (a loss with reduction 'mean' or 'sum')"
        )

    batched_grad = None
    if batched is not False:
        batched_grad = _vmapped_gradient(torch, func, loss_of, as_tensor, as_numpy, theta0, batched)

    def flatten(tree=None):
        if tree is None:
            return theta0.copy()
        if isinstance(tree, torch.nn.Module):
            tree = dict(tree.named_parameters())
        if not isinstance(tree, dict) or list(tree) != names:
            raise ValueError(f"expected a module or a dict of the parameters {names}")
        return as_numpy(torch.cat([torch.as_tensor(tree[n]).reshape(-1) for n in names]))

    def unflatten(theta):
        t = torch.as_tensor(np.asarray(theta, dtype=np.float64))
        return {n: p.view(s).clone() for n, p, s in zip(names, t.split(sizes), shapes)}

    return dict(
        loss=loss,
        grad=grad,
        hvp=hessian_vector_product,
        batched_grad=batched_grad,
        value_and_grad=value_and_grad,
        dim=int(sum(sizes)),
        flatten=flatten,
        unflatten=unflatten,
    )


def _check_choice(name, value, allowed):
    if value not in allowed:
        raise ValueError(f"{name} = {value!r} is not allowed: one of {', '.join(map(repr, allowed))}")


def _check_parameters(torch, module, dtype, precision):
    named = list(module.named_parameters())
    if not named:
        raise ValueError("module has no parameters")
    for name, p in named:
        if p.device.type != "cpu":
            raise ValueError(f"module: parameter {name} is on {p.device}; stepsize runs on the CPU: call module.cpu()")
        if not p.dtype.is_floating_point:
            raise TypeError(f"module: parameter {name} has dtype {p.dtype}; GD needs floating-point parameters")
        if p.dtype != dtype:
            advice = (
                "call module.double() (every analysis assumes float64), or pass precision='float32'"
                if precision == "float64"
                else "call module.float() for precision='float32'"
            )
            raise ValueError(f"module: parameter {name} has dtype {p.dtype}, not {dtype}: {advice}")
    return (
        [n for n, _ in named],
        [tuple(p.shape) for _, p in named],
        [p.numel() for _, p in named],
    )


def _check_buffers(torch, module, mode):
    buffers = [n for n, _ in module.named_buffers()]
    if not buffers:
        return
    if mode == "refuse":
        raise ValueError(
            f"module has buffers ({', '.join(buffers)}): they are not parameters, and in training "
            "mode (BatchNorm's running statistics) they change at every call, so the loss would "
            "not be a function of θ. Call module.eval() and pass buffers='frozen' to keep them "
            "constant"
        )
    if module.training:
        raise ValueError("buffers='frozen' needs module.eval(): in training mode the buffers change at every call")


def _check_randomness(torch, module):
    dropout = [
        n
        for n, m in module.named_modules()
        if isinstance(m, torch.nn.modules.dropout._DropoutNd) and m.training and m.p > 0
    ]
    if dropout:
        raise ValueError(
            f"module has active dropout ({', '.join(dropout)}): the loss would be random; call module.eval()"
        )


def _data(torch, name, value, dtype, keep_integers):
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    if t.device.type != "cpu":
        raise ValueError(f"{name} is on {t.device}; stepsize runs on the CPU: call .cpu()")
    if t.dim() == 0 or t.shape[0] == 0:
        raise ValueError(f"{name} has shape {tuple(t.shape)}; expected at least one sample along the first axis")
    if t.dtype == torch.bool or t.is_complex():
        raise TypeError(f"{name} has dtype {t.dtype}; expected real numbers")
    if t.dtype.is_floating_point or not keep_integers:
        t = t.detach().to(dtype)
        bad = ~torch.isfinite(t)
        if bool(bad.any()):
            index = tuple(int(i) for i in bad.nonzero()[0])
            raise ValueError(f"{name}{list(index)} = {t[index].item()} is not allowed: finite numbers")
    return t


def _vmapped_gradient(torch, func, loss_of, as_tensor, as_numpy, theta0, required):
    """``vmap`` of the gradient over rows of θ, when torch has it and it works on this module
    (checked once on two points against the point-by-point gradient, to 1e-12 relative);
    else None (sweeps then call the gradient once per trajectory)."""
    why = None
    if func is None or not hasattr(func, "vmap"):
        why = "torch.func.vmap needs torch ≥ 2.0"
    else:
        batched = func.vmap(func.grad(loss_of))
        try:
            probe = np.stack([theta0, theta0 * 0.5])
            together = as_numpy(batched(as_tensor(probe)))
            one_by_one = np.stack([as_numpy(func.grad(loss_of)(as_tensor(t))) for t in probe])
            scale = max(np.abs(one_by_one).max(), 1e-300)
            if np.abs(together - one_by_one).max() > 1e-12 * scale:
                why = "vmap's gradient differs from the gradient"
        except Exception as e:  # vmap does not support every module (in-place ops, .item())
            why = f"vmap failed ({type(e).__name__}: {e})"
    if why is None:
        return lambda thetas: as_numpy(batched(as_tensor(thetas)))
    if required:
        raise ValueError(f"batched=True: {why}")
    return None
