"""A corpus of bad inputs for the surfaces of networks at scale: data files, networks, PyTorch
modules, JAX functions, Python functions without a dimension, shards and merges, the central
flow and the sweeps' new arguments. Each case must end in a ValueError or TypeError (or
OverflowError for an integer out of range) whose message, or pyo3's note naming the argument,
contains the field and the offending value; never a panic, never a file written. The summary
(cases, clean, panics, writes, unclear) is printed and every case must be clean."""

import gzip
import pathlib

import numpy as np
import pytest
import torch

import stepsize

X, Y = stepsize.digits(count=50)
SMALL = stepsize.mlp([64, 8, 10], X, Y)
WELLS = stepsize.from_formula("(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y")


def idx(dims, data, magic=(0, 0, 8)):
    header = bytes(magic) + bytes([len(dims)])
    for d in dims:
        header += int(d).to_bytes(4, "big")
    return header + bytes(data)


def write(folder: pathlib.Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.Tanh(), torch.nn.Linear(8, 10)).double()


def mse(o, t):
    return ((o - t) ** 2).mean()


def data_cases(d: pathlib.Path):
    images = idx([3, 2, 2], range(12))
    labels = idx([3], [0, 1, 2])
    ok_i, ok_l = write(d, "ok-i", images), write(d, "ok-l", labels)
    return [
        ("idx truncated images", lambda: stepsize.load_idx(write(d, "t-i", images[:-3]), ok_l), ["t-i", "12 data bytes"]),
        ("idx wrong magic", lambda: stepsize.load_idx(write(d, "m-i", idx([3, 2, 2], range(12), (1, 0, 8))), ok_l), ["m-i", "magic"]),
        ("idx float type", lambda: stepsize.load_idx(write(d, "f-i", idx([3, 2, 2], range(12), (0, 0, 0x0D))), ok_l), ["f-i", "0x0d"]),
        ("idx labels with two dims", lambda: stepsize.load_idx(ok_i, write(d, "2d-l", idx([3, 1], [0, 1, 2]))), ["2d-l", "1 dimension"]),
        ("idx count mismatch", lambda: stepsize.load_idx(ok_i, write(d, "n-l", idx([2], [0, 1]))), ["n-l", "2"]),
        ("idx label out of range", lambda: stepsize.load_idx(ok_i, write(d, "r-l", idx([3], [0, 1, 12])), classes=10), ["12"]),
        ("idx empty file", lambda: stepsize.load_idx(write(d, "e-i", b""), ok_l), ["e-i", "0 bytes"]),
        ("idx header only", lambda: stepsize.load_idx(write(d, "h-i", bytes([0, 0, 8, 3])), ok_l), ["h-i", "3 dimension sizes"]),
        ("idx huge header sizes", lambda: stepsize.load_idx(write(d, "big-i", idx([2**31, 2**31, 2], [])), ok_l), ["big-i", "2147483648"]),
        ("idx corrupt gzip", lambda: stepsize.load_idx(write(d, "z-i.gz", b"\x1f\x8b" + b"\x00" * 20), ok_l), ["z-i.gz"]),
        ("idx missing file", lambda: stepsize.load_idx(str(d / "nope"), ok_l), ["nope"]),
        ("idx gzip of garbage", lambda: stepsize.load_idx(write(d, "g-i.gz", gzip.compress(b"garbage")), ok_l), ["g-i.gz", "magic"]),
        ("idx zero samples", lambda: stepsize.load_idx(write(d, "z0-i", idx([0, 2, 2], [])), write(d, "z0-l", idx([0], []))), ["0"]),
        ("digits count 0", lambda: stepsize.digits(count=0), ["count", "0"]),
        ("digits count beyond", lambda: stepsize.digits(count=5000), ["count", "5000"]),
        ("digits scale nan", lambda: stepsize.digits(scale=float("nan")), ["scale", "NaN"]),
    ]


def network_cases():
    return [
        ("mlp one size", lambda: stepsize.mlp([64], X, Y), ["sizes", "[64]"]),
        ("mlp zero width", lambda: stepsize.mlp([64, 0, 10], X, Y), ["sizes", "[64, 0, 10]"]),
        ("mlp input mismatch", lambda: stepsize.mlp([63, 8, 10], X, Y), ["x", "3200 values", "63"]),
        ("mlp output mismatch", lambda: stepsize.mlp([64, 8, 9], X, Y), ["y", "500 values", "450"]),
        ("mlp sample mismatch", lambda: stepsize.mlp([64, 8, 10], X, Y[:, :49]), ["y", "490 values", "50 samples"]),
        ("mlp nan input", lambda: stepsize.mlp([64, 8, 10], np.where(X == X.max(), np.nan, X), Y), ["x[", "NaN"]),
        ("mlp inf target", lambda: stepsize.mlp([64, 8, 10], X, np.where(Y == 1, np.inf, Y)), ["y[", "inf"]),
        ("mlp activation", lambda: stepsize.mlp([64, 8, 10], X, Y, activation="gelu"), ["activation", "gelu"]),
        ("mlp loss", lambda: stepsize.mlp([64, 8, 10], X, Y, loss="hinge"), ["loss", "hinge"]),
        ("mlp huge widths", lambda: stepsize.mlp([64, 2**20, 2**20, 10], X, Y), ["workspace needs", "bytes", "cap"]),
        ("mlp string x", lambda: stepsize.mlp([64, 8, 10], "x", Y), ["x"]),
        ("initialize gain", lambda: SMALL.initialize(gain=-1.0), ["gain", "-1"]),
        ("initialize on a formula", lambda: WELLS.initialize(), ["initialize", "formula"]),
        ("hvp v wrong length", lambda: SMALL.hvp(SMALL.initialize(), np.ones(3)), ["v", "[3]"]),
    ]


def torch_cases():
    class Buffered(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(64, 10).double()
            self.register_buffer("scale", torch.ones(10, dtype=torch.float64))

        def forward(self, x):
            return self.lin(x) * self.scale

    class Raises(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(64, 10).double()

        def forward(self, x):
            raise RuntimeError("broken forward")

    return [
        ("torch float32", lambda: stepsize.from_torch(net().float(), mse, X.T, Y.T), ["0.weight", "float32"]),
        ("torch half precision name", lambda: stepsize.from_torch(net(), mse, X.T, Y.T, precision="float16"), ["precision", "float16"]),
        ("torch buffers", lambda: stepsize.from_torch(Buffered(), mse, X.T, Y.T), ["buffers", "scale"]),
        ("torch frozen buffers in train mode", lambda: stepsize.from_torch(Buffered(), mse, X.T, Y.T, buffers="frozen"), ["buffers='frozen'", "eval"]),
        ("torch forward raises", lambda: stepsize.from_torch(Raises(), mse, X.T, Y.T), ["module", "broken forward"]),
        ("torch loss not scalar", lambda: stepsize.from_torch(net(), lambda o, t: (o - t) ** 2, X.T, Y.T), ["loss_fn", "(50, 10)"]),
        ("torch loss returns float", lambda: stepsize.from_torch(net(), lambda o, t: 1.0, X.T, Y.T), ["loss_fn", "float"]),
        ("torch no parameters", lambda: stepsize.from_torch(torch.nn.Identity(), mse, X.T, Y.T), ["module", "no parameters"]),
        ("torch nan target", lambda: stepsize.from_torch(net(), mse, X.T, np.full((50, 10), np.nan)), ["targets", "nan"]),
        ("torch empty inputs", lambda: stepsize.from_torch(net(), mse, X.T[:0], Y.T[:0]), ["inputs", "(0, 64)"]),
        ("torch sample mismatch", lambda: stepsize.from_torch(net(), mse, X.T, Y.T[:10]), ["inputs has 50", "targets 10"]),
        ("torch bool inputs", lambda: stepsize.from_torch(net(), mse, X.T > 0, Y.T), ["inputs", "bool"]),
        ("torch threads", lambda: stepsize.from_torch(net(), mse, X.T, Y.T, threads=-2), ["threads", "-2"]),
        ("torch batched required", lambda: stepsize.from_torch(Raises(), mse, X.T, Y.T, batched=True), ["broken forward"]),
        ("torch not a module", lambda: stepsize.from_torch(lambda x: x, mse, X.T, Y.T), ["module", "function"]),
        ("torch flatten wrong dict", lambda: stepsize.from_torch(net(), mse, X.T, Y.T).flatten({"w": 1}), ["parameters", "0.weight"]),
    ]


def jax_cases():
    import jax.numpy as jnp

    params = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    return [
        ("jax vector loss", lambda: stepsize.from_jax(lambda p: p["w"].sum(axis=0), params), ["loss_fn", "(2,)"]),
        ("jax matrix loss of a vector", lambda: stepsize.from_jax(lambda t: jnp.outer(t, t), 3), ["loss_fn", "(3, 3)"]),
        ("jax dim 0", lambda: stepsize.from_jax(lambda t: t.sum(), 0), ["params", "0"]),
        ("jax empty pytree", lambda: stepsize.from_jax(lambda p: 0.0, {}), ["params", "empty"]),
        ("jax string leaf", lambda: stepsize.from_jax(lambda p: 0.0, {"a": np.array(["x"])}), ["params", "<U1"]),
        ("jax untraceable", lambda: stepsize.from_jax(lambda t: float(t[0]), 2), ["loss_fn", "traced"]),
        ("jax loss not callable", lambda: stepsize.from_jax(3, 2), ["loss_fn", "int"]),
        ("jax unflatten wrong length", lambda: stepsize.from_jax(lambda p: p["b"].sum(), params).unflatten(np.ones(5)), ["theta", "[5]", "(6,)"]),
    ]


def callables_cases():
    def fresh():
        return stepsize.from_callables(lambda t: float(t @ t), lambda t: 2 * t)

    return [
        ("callables basins before dim", lambda: stepsize.basins(fresh(), 0.1, (-1, 1, 4), (-1, 1, 4)), ["basins without center", "number of parameters"]),
        ("callables sweep count before dim", lambda: stepsize.sweep(fresh(), [0.1], count=3), ["sweep with count"]),
        ("callables zero-length point", lambda: stepsize.run(fresh(), [], 0.1), ["theta0", "0 numbers"]),
        ("callables dim 0", lambda: stepsize.from_callables(lambda t: 0.0, lambda t: t, dim=0), ["dim", "0"]),
        ("callables batch_size 0", lambda: stepsize.from_callables(lambda t: 0.0, lambda t: t, batch_size=0), ["batch_size", "0"]),
        ("callables hvp not callable", lambda: stepsize.from_callables(lambda t: 0.0, lambda t: t, hvp=1), ["hvp", "callable"]),
    ]


def shard_cases(d: pathlib.Path):
    shards = d / "shards"
    return [
        ("shard index = count", lambda: stepsize.basins(WELLS, 0.1, (-1, 1, 4), (-1, 1, 4), shard=(2, 2), out=shards), ["shard index", "2"]),
        ("shard text", lambda: stepsize.basins(WELLS, 0.1, (-1, 1, 4), (-1, 1, 4), shard="half", out=shards), ["shard", "half"]),
        ("shard without out", lambda: stepsize.sweep(WELLS, [0.1], count=2, shard=(0, 2)), ["shard", "out"]),
        ("shard negative", lambda: stepsize.orbit_diagram(WELLS, [0.1], [[0.1, 0.2]], shard=(-1, 2), out=shards), ["shard"]),
        ("merge empty folder", lambda: stepsize.merge(d, WELLS), ["no shard-*.json"]),
        ("merge missing folder", lambda: stepsize.merge(d / "absent", WELLS), ["absent"]),
    ]


def flow_cases():
    theta = [0.3, 0.4]
    return [
        ("central flow eta 0", lambda: stepsize.central_flow(WELLS, theta, 0.0, steps=5), ["eta", "0"]),
        ("central flow steps negative", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=-1), ["steps"]),
        ("central flow every 0", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=5, every=0), ["every", "0"]),
        ("central flow threshold", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=5, threshold=1.5), ["threshold", "1.5"]),
        ("central flow tolerance", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=5, tolerance=0.0), ["tolerance", "0"]),
        ("central flow restoring rate", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=5, restoring_rate=-1.0), ["restoring_rate", "-1"]),
        ("central flow window", lambda: stepsize.central_flow(WELLS, theta, 0.1, steps=5, window=0), ["window", "0"]),
        ("central flow theta nan", lambda: stepsize.central_flow(WELLS, [np.nan, 0.0], 0.1, steps=5), ["theta0", "NaN"]),
        ("central flow warm start diverges", lambda: stepsize.central_flow(WELLS, theta, 3.0, steps=5, warm_start=200), ["warm_start", "200"]),
    ]


def test_bad_input_corpus(tmp_path):
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    inputs.mkdir()
    outputs.mkdir()
    cases = (
        data_cases(inputs)
        + network_cases()
        + torch_cases()
        + jax_cases()
        + callables_cases()
        + shard_cases(outputs)
        + flow_cases()
    )
    summary = {"cases": len(cases), "clean": 0, "panics": 0, "writes": 0, "unclear": []}
    for name, call, needles in cases:
        try:
            call()
        except BaseException as e:  # noqa: BLE001 - the corpus classifies every outcome
            text = str(e) + " ".join(getattr(e, "__notes__", []))
            if type(e).__name__ == "PanicException":
                summary["panics"] += 1
            elif isinstance(e, (ValueError, TypeError, OverflowError)) and all(n in text for n in needles):
                summary["clean"] += 1
            else:
                summary["unclear"].append((name, type(e).__name__, text[:200]))
        else:
            summary["unclear"].append((name, "no error", ""))
    written = [p for p in outputs.rglob("*") if p.is_file()]
    summary["writes"] = len(written)
    print(
        f"\ncorpus: {summary['cases']} cases, {summary['clean']} clean, {summary['panics']} panics, "
        f"{summary['writes']} writes, {len(summary['unclear'])} unclear"
    )
    assert summary["cases"] >= 60
    for u in summary["unclear"]:
        print("UNCLEAR", u)
    assert not summary["unclear"], summary["unclear"]
    assert summary["panics"] == 0 and summary["writes"] == 0, (summary, written)
    assert summary["clean"] == summary["cases"]
