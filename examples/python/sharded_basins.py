"""A basin map of a loss written in Python, computed in shards (the tasks of a Slurm array job,
or any machines) and merged into the unsharded map, bit for bit.

    python examples/python/sharded_basins.py shard SHARD SHARD_DIR   # SHARD: i/n, or slurm
    python examples/python/sharded_basins.py merge SHARD_DIR RESULT_DIR
    python examples/python/sharded_basins.py whole RESULT_DIR
    python examples/python/sharded_basins.py demo FOLDER             # 3 shards, merge, check

On a cluster: `scripts/slurm/python-basins-array.sbatch` runs `shard slurm` per array task and
`scripts/slurm/python-merge.sbatch` the merge. RESULT_DIR receives `labels.npy` and
`attractors.json`, whose bytes depend only on the map.
"""

import json
import os
import pathlib
import sys

import numpy as np

import stepsize

ETA = 0.12
GRID = int(os.environ.get("GRID", "128"))


def wells():
    """(x² − 1)² + 2(y² − 1)² + xy/2 in NumPy, with a batched gradient for the sweep."""

    def loss(t):
        x, y = t
        return (x * x - 1) ** 2 + 2 * (y * y - 1) ** 2 + 0.5 * x * y

    def batched_grad(ts):
        x, y = ts[:, 0], ts[:, 1]
        return np.stack([4 * x * (x * x - 1) + 0.5 * y, 8 * y * (y * y - 1) + 0.5 * x], axis=1)

    return stepsize.from_callables(
        loss, lambda t: batched_grad(t[None, :])[0], batched_grad=batched_grad, dim=2
    )


def basins(f, **shard):
    return stepsize.basins(f, ETA, (-2.0, 2.0, GRID), (-2.0, 2.0, GRID), **shard)


def write(result, folder):
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "labels.npy", result.labels)
    attractors = [
        {"kind": a.kind, "period": a.period, "count": a.count,
         "point": None if a.point is None else [float(x).hex() for x in a.point]}
        for a in result.attractors
    ]
    (folder / "attractors.json").write_text(json.dumps(attractors, indent=1) + "\n")
    print(f"wrote {folder}: {len(result.attractors)} attractors on a {GRID}x{GRID} grid")


def main(argv):
    f = wells()
    match argv:
        case ["shard", shard, shards]:
            print("wrote", basins(f, shard=shard, out=shards))
        case ["merge", shards, out]:
            write(stepsize.merge(shards, f), out)
        case ["whole", out]:
            write(basins(f), out)
        case ["demo", folder]:
            folder = pathlib.Path(folder)
            for i in range(3):
                basins(f, shard=(i, 3), out=folder / "shards")
            write(stepsize.merge(folder / "shards", f), folder / "merged")
            write(basins(f), folder / "whole")
            for name in ("labels.npy", "attractors.json"):
                same = (folder / "merged" / name).read_bytes() == (folder / "whole" / name).read_bytes()
                assert same, f"{name}: the merged map differs from the unsharded one"
            print("3 shards merged equal the unsharded map byte for byte")
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
