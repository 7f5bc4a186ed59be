"""Sweeps from Python in shards: every shard written as the command's shard file, merged to the
unsharded result bit for bit; a missing, partial or foreign shard refused by name."""

import dataclasses
import json

import numpy as np
import pytest

import stepsize

WELLS = "(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y"


def same(a, b):
    """Equal bit for bit: arrays by their bytes, dataclasses field by field."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ma.MaskedArray):
        return np.array_equal(a.mask, b.mask) and a.data.tobytes() == b.data.tobytes()
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b or (a != a and b != b)


def quadratic_callables():
    """A Python objective with a batched gradient (the lockstep path)."""
    return stepsize.from_callables(
        lambda t: float(t @ t + np.sin(t).sum()),
        lambda t: 2 * t + np.cos(t),
        batched_grad=lambda ts: 2 * ts + np.cos(ts),
        dim=3,
    )


@pytest.mark.parametrize("count", [1, 3, 7])
def test_shards_merge_to_the_unsharded_result_bit_for_bit(tmp_path, count):
    f, h, g = stepsize.from_formula(WELLS), stepsize.from_formula("(x^2-1)^2"), quadratic_callables()
    calls = {
        "basins": (f, lambda **k: stepsize.basins(f, 0.12, (-2, 2, 24), (-2, 2, 19), **k)),
        "orbit": (h, lambda **k: stepsize.orbit_diagram(h, np.linspace(0.1, 0.6, 9), [[0.5], [-0.3]], points=8, **k)),
        "sweep": (g, lambda **k: stepsize.sweep(g, [0.1, 0.4, 0.9], count=5, box=(-2, 2), seed=7, **k)),
    }
    for name, (objective, call) in calls.items():
        full = call()
        folder = tmp_path / name
        for i in range(count):
            shard = (i, count) if i % 2 == 0 else f"{i}/{count}"
            path = call(shard=shard, out=folder)
            assert path.endswith(f"shard-{i:05d}-of-{count:05d}.json")
            file = json.loads(open(path).read())
            assert set(file) == {"invocation", "shard", "part"}
        merged = stepsize.merge(folder, objective)
        assert same(merged, full), name


def test_slurm_shard_comes_from_the_array_task_variables(tmp_path, monkeypatch):
    f = stepsize.from_formula(WELLS)
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "5")
    monkeypatch.setenv("SLURM_ARRAY_TASK_MIN", "4")
    monkeypatch.setenv("SLURM_ARRAY_TASK_COUNT", "3")
    path = stepsize.basins(f, 0.12, (-2, 2, 8), (-2, 2, 8), shard="slurm", out=tmp_path)
    assert path.endswith("shard-00001-of-00003.json")
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID")
    with pytest.raises(ValueError, match="outside a Slurm array job"):
        stepsize.basins(f, 0.12, (-2, 2, 8), (-2, 2, 8), shard="slurm", out=tmp_path)


def test_merge_refuses_missing_partial_and_foreign_shards(tmp_path):
    f = stepsize.from_formula(WELLS)
    for i in range(3):
        stepsize.basins(f, 0.12, (-2, 2, 12), (-2, 2, 12), shard=(i, 3), out=tmp_path / "a")
    files = sorted((tmp_path / "a").iterdir())
    text = files[1].read_bytes()
    files[1].unlink()
    with pytest.raises(ValueError, match="shard 1 of 3 is missing"):
        stepsize.merge(tmp_path / "a", f)
    files[1].write_bytes(text[: len(text) // 2])  # damaged (a killed task leaves none: writes are atomic)
    with pytest.raises(ValueError, match="shard-00001-of-00003.json is not a shard file"):
        stepsize.merge(tmp_path / "a", f)
    files[1].write_bytes(text)
    with pytest.raises(ValueError, match=r"computed for the objective formula .* merge was given formula \"x\^2 \+ y\^2\""):
        stepsize.merge(tmp_path / "a", stepsize.from_formula("x^2 + y^2"))
    stepsize.basins(f, 0.13, (-2, 2, 12), (-2, 2, 12), shard=(1, 3), out=tmp_path / "a")
    with pytest.raises(ValueError, match="belongs to another run"):
        stepsize.merge(tmp_path / "a", f)


@pytest.mark.parametrize(
    "shard, out, words",
    [
        ((3, 3), "x", ["shard index", "3"]),
        ((0, 0), "x", ["shard count", "0"]),
        ("2-of-3", "x", ["shard", "2-of-3", "I/N"]),
        ([1, 2, 3], "x", ["shard = [1, 2, 3]", "(i, n)"]),
        ((0, 2), None, ["shard is given without out"]),
        (None, "x", ["without shard"]),
    ],
)
def test_bad_shard_arguments_name_the_argument(tmp_path, shard, out, words):
    f = stepsize.from_formula(WELLS)
    with pytest.raises(ValueError) as raised:
        stepsize.basins(f, 0.12, (-2, 2, 8), (-2, 2, 8), shard=shard, out=None if out is None else tmp_path / out)
    for word in words:
        assert word in str(raised.value), (word, str(raised.value))
