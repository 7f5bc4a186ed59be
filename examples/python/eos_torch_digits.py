"""The edge of stability of a PyTorch network on real data: a 64-64-64-10 tanh nn.Sequential on
scikit-learn's digits (1,797 8×8 images), squared loss on one-hot targets, full-batch GD at
η = 0.2. λmax(∇²L) is tracked by Lanczos on the module's double-backward HVPs: it rises
(progressive sharpening) to 2/η = 10 and hovers there while the loss keeps falling, not
monotonically (Cohen et al., ICLR 2021).

    python examples/python/eos_torch_digits.py [--quick] [--out FOLDER]

`--quick` (what `cargo xtask test` runs) stops after 300 steps (~5 s); the full run is 1,500
steps (~30 s on two cores). Writes eos-torch-digits.png. Needs torch, scikit-learn, matplotlib.
"""

import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

import stepsize
import stepsize.plot

ETA = 0.2


def network():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(64, 64), torch.nn.Tanh(),
        torch.nn.Linear(64, 64), torch.nn.Tanh(),
        torch.nn.Linear(64, 10),
    ).double()


def half_mean_squares(outputs, targets):
    return 0.5 * ((outputs - targets) ** 2).sum() / outputs.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."))
    args = parser.parse_args()
    digits = load_digits()
    inputs, targets = digits.data / 16.0, np.eye(10)[digits.target]
    f = stepsize.from_torch(network(), half_mean_squares, inputs, targets)
    theta0 = f.flatten()
    steps = 300 if args.quick else 1500
    e = stepsize.edge_of_stability(f, theta0, ETA, steps=steps, every=10, progress=True)
    print(f"d = {f.dim}, λmax(θ₀) = {e.run.sharpness[0]:.3f}, 2/η = {e.threshold:.3f}")
    if e.onset is None:
        raise SystemExit(f"no onset within {steps} steps: λmax ended at {e.run.sharpness[-1]:.3f}")
    print(
        f"onset at step {e.onset}; after it λmax/(2/η) = {e.ratio_mean:.3f} ± {e.ratio_std:.3f}, "
        f"the loss rose at {100 * e.loss_rise_fraction_after_onset:.0f} % of the steps, "
        f"{100 * e.alternation_after_onset:.0f} % of consecutive steps alternate along the top eigenvector"
    )
    # Cohen et al. report λmax hovering at or just above 2/η after the onset; a mean outside
    # [0.9, 1.3]·2/η would mean the run is not at the edge of stability.
    assert 0.9 <= e.ratio_mean <= 1.3, e.ratio_mean
    args.out.mkdir(parents=True, exist_ok=True)
    stepsize.plot.edge_of_stability(e)
    plt.suptitle(f"PyTorch 64-64-64-10 tanh on digits, GD at η = {ETA}")
    plt.tight_layout()
    path = args.out / "eos-torch-digits.png"
    plt.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
