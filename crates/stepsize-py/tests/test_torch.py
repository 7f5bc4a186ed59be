"""PyTorch modules as objectives (`stepsize.from_torch`): the same loss, gradient and HVP as
`stepsize.mlp` on the same network and data; finite differences on a CNN with pooling; the
module's parameters to θ and back; analyses on a torch objective; and every refusal naming its
argument.

Tolerances: the torch and `mlp` paths compute the same float64 sums in different orders
(GEMM blockings), so they agree to a few hundred ulps of the largest term: 1e-12 relative to
the largest entry. Finite differences of the gradient along a unit direction with step h = 1e-5
have truncation error O(h²·‖∇³f‖) and rounding O(ε‖∇f‖/h) ≈ 1e-11: 1e-6 relative is a
margin of about 100 over the measured error."""

import numpy as np
import pytest
import torch

import stepsize

SIZES = [64, 32, 10]
SAMPLES = 300


def digits_subset():
    x, y = stepsize.digits(count=SAMPLES)
    return x, y


def sequential():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.Tanh(), torch.nn.Linear(SIZES[1], SIZES[2])
    ).double()


def half_mean_squares(outputs, targets):
    return 0.5 * ((outputs - targets) ** 2).sum() / outputs.shape[0]


def mlp_theta_to_torch(theta):
    """`stepsize.mlp`'s θ (per layer W column-major n_l × n_{l−1}, then b) as the torch θ
    (per layer weight row-major n_l × n_{l−1}, then bias)."""
    out, i = [], 0
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        w = theta[i : i + n_in * n_out].reshape(n_in, n_out).T
        i += n_in * n_out
        out += [w.ravel(), theta[i : i + n_out]]
        i += n_out
    return np.concatenate(out)


def relative(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


def test_torch_sequential_matches_mlp_loss_gradient_and_hvp():
    x, y = digits_subset()
    reference = stepsize.mlp(SIZES, x, y, activation="tanh", loss="squared")
    theta = reference.initialize(gain=1.0, seed=3)
    f = stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T)
    assert f.dim == reference.dim == 64 * 32 + 32 + 32 * 10 + 10
    t = mlp_theta_to_torch(theta)
    v = np.random.default_rng(1).standard_normal(f.dim)
    v_mlp = np.empty_like(v)
    # v in mlp's layout: invert the permutation by mapping unit vectors' positions.
    order = mlp_theta_to_torch(np.arange(f.dim, dtype=float)).astype(int)
    v_mlp[order] = v
    assert abs(f.loss(t) - reference.loss(theta)) <= 1e-12 * abs(reference.loss(theta))
    assert relative(f.gradient(t), mlp_theta_to_torch(reference.gradient(theta))) <= 1e-12
    assert relative(f.hvp(t, v), mlp_theta_to_torch(reference.hvp(theta, v_mlp))) <= 1e-12
    if hasattr(torch, "func"):
        jvp = stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, hvp="jvp")
        assert relative(jvp.hvp(t, v), f.hvp(t, v)) <= 1e-12
    else:  # torch 1.13 (Debian's, run by .ci/run): the option is refused by name
        with pytest.raises(ValueError, match="hvp = 'jvp' needs torch.func"):
            stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, hvp="jvp")


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, kernel_size=3)
        self.pool = torch.nn.AvgPool2d(2)
        self.out = torch.nn.Linear(3 * 3 * 3, 10)

    def forward(self, x):
        h = self.pool(torch.tanh(self.conv(x.view(-1, 1, 8, 8))))
        return self.out(h.flatten(1))


def test_cnn_with_pooling_gradient_and_hvp_match_finite_differences():
    x, _ = digits_subset()
    labels = np.argmax(stepsize.digits(count=SAMPLES)[1], axis=0)
    torch.manual_seed(0)
    f = stepsize.from_torch(SmallCnn().double(), torch.nn.functional.cross_entropy, x.T, labels)
    theta = f.flatten()
    rng = np.random.default_rng(2)
    u = rng.standard_normal(f.dim)
    u /= np.linalg.norm(u)
    h = 1e-5
    directional = (f.loss(theta + h * u) - f.loss(theta - h * u)) / (2 * h)
    assert abs(directional - f.gradient(theta) @ u) <= 1e-6 * np.linalg.norm(f.gradient(theta))
    difference = (f.gradient(theta + h * u) - f.gradient(theta - h * u)) / (2 * h)
    assert relative(f.hvp(theta, u), difference) <= 1e-6


def test_parameters_to_theta_and_back():
    module = sequential()
    x, y = digits_subset()
    f = stepsize.from_torch(module, half_mean_squares, x.T, y.T)
    theta = f.flatten()
    assert np.array_equal(theta, torch.nn.utils.parameters_to_vector(module.parameters()).detach().numpy())
    assert np.array_equal(f.flatten(module), theta)
    params = f.unflatten(theta * 2)
    assert list(params) == [n for n, _ in module.named_parameters()]
    module.load_state_dict(params)
    assert np.array_equal(f.flatten(module), theta * 2)


def test_gradient_bits_repeat_at_a_fixed_thread_count():
    x, y = digits_subset()
    for threads in (1, 2):
        f = stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, threads=threads)
        theta = f.flatten()
        first = f.gradient(theta)
        assert all(np.array_equal(first, f.gradient(theta)) for _ in range(20))
    torch.set_num_threads(1)


def test_analyses_run_on_a_torch_objective():
    x, y = digits_subset()
    f = stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T)
    theta = f.flatten()
    s = stepsize.sharpness(f, theta)
    assert s.lambda_max > 0
    e = stepsize.edge_of_stability(f, theta, 2.2 / s.lambda_max, steps=60, every=10)
    assert e.run.steps == 60 and e.starts_above
    # the vmap gradient drives sweeps: one η, two starts, against two runs.
    starts = np.stack([theta, theta * 0.9])
    sweep = stepsize.sweep(f, [0.05], starts, max_iterations=30)
    for i in range(2):
        run = stepsize.run(f, starts[i], 0.05, max_iterations=30, gradient_tolerance=None)
        assert sweep.kind[i] == run.kind
        assert np.abs(sweep.end[i] - run.point).max() <= 1e-12 * np.abs(run.point).max()


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda x, y: stepsize.from_torch(sequential().float(), half_mean_squares, x.T, y.T), ValueError, ["0.weight", "float32", "module.double()"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, precision="half"), ValueError, ["precision", "'half'"]),
        (lambda x, y: stepsize.from_torch(torch.nn.Sequential(torch.nn.Linear(64, 10).double(), torch.nn.BatchNorm1d(10).double()), half_mean_squares, x.T, y.T), ValueError, ["buffers", "running_mean", "module.eval()"]),
        (lambda x, y: stepsize.from_torch(torch.nn.Sequential(torch.nn.Linear(64, 10).double(), torch.nn.Dropout(0.5)), half_mean_squares, x.T, y.T), ValueError, ["dropout", "1"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T[:-1]), ValueError, ["inputs has 300", "targets 299"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T[:0], y.T[:0]), ValueError, ["inputs", "(0, 64)"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, np.where(np.arange(64) == 5, np.nan, x.T), y.T), ValueError, ["inputs[0, 5]", "nan"]),
        (lambda x, y: stepsize.from_torch(sequential(), lambda o, t: ((o - t) ** 2).sum(axis=1), x.T, y.T), ValueError, ["loss_fn returned (300,)", "scalar"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T[:, :10], y.T), ValueError, ["module:", "raised RuntimeError"]),
        (lambda x, y: stepsize.from_torch("not a module", half_mean_squares, x.T, y.T), TypeError, ["module", "torch.nn.Module", "str"]),
        (lambda x, y: stepsize.from_torch(sequential(), None, x.T, y.T), TypeError, ["loss_fn", "callable"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, hvp="exact"), ValueError, ["hvp", "'exact'", "double_backward"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T, threads=0), ValueError, ["threads", "0"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T.astype(complex), y.T), TypeError, ["inputs", "complex"]),
        (lambda x, y: stepsize.from_torch(IntegerParameter(), half_mean_squares, x.T, y.T), TypeError, ["module: parameter k", "torch.int64"]),
        (lambda x, y: stepsize.from_torch(sequential(), half_mean_squares, x.T, y.T).unflatten(np.zeros(3)), ValueError, ["theta", "[3]", "(2410,)"]),
    ],
)
def test_refusals_name_the_argument(build, error, words):
    x, y = digits_subset()
    with pytest.raises(error) as raised:
        build(x, y)
    message = str(raised.value)
    for word in words:
        assert word in message, (word, message)


class IntegerParameter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.k = torch.nn.Parameter(torch.zeros(3, dtype=torch.int64), requires_grad=False)

    def forward(self, x):
        return x[:, :10]


def test_float32_mode_states_its_precision():
    x, y = digits_subset()
    module = sequential()
    f64 = stepsize.from_torch(module, half_mean_squares, x.T, y.T)
    f32 = stepsize.from_torch(sequential().float(), half_mean_squares, x.T, y.T, precision="float32")
    theta = f64.flatten()
    error = relative(f32.gradient(theta), f64.gradient(theta))
    assert 0 < error <= 1e-5, error  # float32 rounding: a few ulps of 6e-8, accumulated
