"""The central flow of a network on real data, held against GD: a 64-50-10 tanh MLP on 500
digits (squared loss), GD at η = 0.1, past the edge of stability from about step 490; the flow
starts from GD's iterate at step 440 (Cohen et al., ICLR 2025).

    python examples/python/central_flow_digits.py [--quick] [--out FOLDER]

Prints the claims (λmax along the flow against 2/η, the predicted loss against GD's loss
averaged over 20 steps, GD's distance to the flow) with their verdicts and writes
central-flow-digits.png. The full run follows both to step 2000 (about 100 s on two cores);
`--quick` (what `cargo xtask test` runs) over 100 steps.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import stepsize
import stepsize.plot


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."))
    args = parser.parse_args()
    x, y = stepsize.digits(count=500)
    f = stepsize.mlp([64, 50, 10], x, y, activation="tanh", loss="squared")
    theta0 = f.initialize(gain=1.0, seed=0)
    r = stepsize.central_flow(
        f, theta0, 0.1, warm_start=440, steps=100 if args.quick else 1560, every=10, progress=True
    )
    a = r.agreement
    print(f"d = {f.dim}, 2/η = {r.threshold}; flow at the edge from step {a.flow_onset}, {a.samples} samples compared")
    for c in a.claims:
        verdict = "holds" if c["holds"] else "does not hold"
        print(f"{c['name']:<40} mean {c['mean']:.2e}  max {c['max']:.2e}  tolerance {c['tolerance']}: {verdict}")
    print(f"cost: {r.hessian_vector_products} HVPs, {r.field_evaluations} field evaluations over {r.steps} steps")
    # The short form is a smoke test: the flow at the edge holds λmax at 2/η.
    if args.quick:
        assert a.claims[0]["holds"], a
    args.out.mkdir(parents=True, exist_ok=True)
    stepsize.plot.central_flow(r)
    plt.suptitle("64-50-10 tanh MLP on 500 digits, GD at η = 0.1 and its central flow from step 440")
    plt.tight_layout()
    path = args.out / "central-flow-digits.png"
    plt.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
