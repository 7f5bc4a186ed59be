"""Formula, NumPy callables and JAX objectives of one loss agree with each other; batched and
unbatched callables give the same basin map bit for bit."""

import numpy as np
import pytest

import stepsize

POINTS = [[0.3, -1.2], [1.0, 1.0], [-1.7, 0.4], [0.0, 0.0]]


def close(a, b, rtol):
    a, b = np.atleast_1d(a), np.atleast_1d(b)
    scale = max(1.0, float(np.max(np.abs(b))))
    assert np.max(np.abs(a - b)) <= rtol * scale, (a, b)


@pytest.mark.parametrize("theta", POINTS)
def test_formula_callables_and_jax_agree(formula, callables, jax_w5, theta):
    # All three are exact derivatives evaluated in different orders: a few ulps of the
    # largest term apart, so 1e-13 relative to the scale.
    for other in (callables, jax_w5):
        close(other.loss(theta), formula.loss(theta), 1e-13)
        close(other.gradient(theta), formula.gradient(theta), 1e-13)
        close(other.hvp(theta, [0.7, -0.2]), formula.hvp(theta, [0.7, -0.2]), 1e-13)


def test_central_difference_hvp_is_within_its_stated_error(formula):
    from conftest import w5_grad, w5_loss

    f = stepsize.from_callables(lambda t: float(w5_loss(t)), w5_grad, dim=2)
    for theta in POINTS:
        # Central differences: error about ε^(2/3) ≈ 4e-11 of the scale; 1e-8 leaves room
        # for the third derivative (24x, 48y) at |θ| ≤ 1.7.
        close(f.hvp(theta, [0.7, -0.2]), formula.hvp(theta, [0.7, -0.2]), 1e-8)


def test_the_analyses_agree_across_objectives(formula, callables, jax_w5):
    for f in (formula, callables, jax_w5):
        end = stepsize.run(f, [0.3, 0.4], 0.05)
        assert end.kind == "fixed_point"
        close(end.point, [0.932783, 0.969466], 1e-6)
        s = stepsize.stability(f, end.point, 0.14)
        close(s.max_stable_step, 0.137104, 1e-5)
        assert s.at_eta.stability == "unstable"
    # The bisection's trials near 2/λmax converge slowly (ρ → 1): tens of thousands of steps
    # each, too many for a JAX call per step in a test; formula and NumPy callables run it.
    for f in (formula, callables):
        end = stepsize.run(f, [0.3, 0.4], 0.05)
        b = stepsize.boundary(f, end.point)
        # SPEC W5: 2/λmax = 0.1371 at the local minima; the bisection brackets it to 1e-3.
        close(b.theory, 0.137104, 1e-5)
        assert b.bracket[0] <= b.theory * (1 + 1e-9) and b.theory - b.empirical <= 2e-3 * b.theory


def test_batched_and_unbatched_callables_give_the_same_map(callables, batched):
    one = stepsize.basins(callables, 0.12, (-2, 2, 24), (-2, 2, 24))
    many = stepsize.basins(batched, 0.12, (-2, 2, 24), (-2, 2, 24))
    assert np.array_equal(one.labels, many.labels)
    assert one.counts.tolist() == many.counts.tolist()
    assert one.steps == many.steps


def test_formula_and_jax_maps_agree_nearly_everywhere(formula, jax_w5):
    # Different evaluation orders move a lane's bits, so a start on a basin boundary may
    # change sides; SPEC allows 0.5 % per count between implementations.
    a = stepsize.basins(formula, 0.12, (-2, 2, 64), (-2, 2, 64))
    b = stepsize.basins(jax_w5, 0.12, (-2, 2, 64), (-2, 2, 64))
    kinds_a = np.array([x.kind for x in a.attractors])[a.labels]
    kinds_b = np.array([x.kind for x in b.attractors])[b.labels]
    assert np.mean(kinds_a == kinds_b) >= 0.995


def test_jax_orbit_diagram_is_batched_and_matches_the_formula(formula, jax_w5):
    etas = np.linspace(0.05, 0.2, 6)
    starts = np.array([[0.3, 0.4], [-1.5, 1.2]])
    a = stepsize.orbit_diagram(formula, etas, starts, transient=300, points=4)
    b = stepsize.orbit_diagram(jax_w5, etas, starts, transient=300, points=4)
    assert np.array_equal(a.diverged, b.diverged)
    assert len(a.minima) == len(b.minima) >= 1
    close(sorted(m.max_stable_step for m in b.minima), sorted(m.max_stable_step for m in a.minima), 1e-9)


def test_from_callables_without_dim_binds_it_at_the_first_point():
    f = stepsize.from_callables(lambda t: float(t @ t), lambda t: 2 * t)
    assert f.dim is None and "not known yet" in repr(f)
    r = stepsize.run(f, [0.5, -0.25, 1.0], eta=0.1)
    assert f.dim == 3 and r.kind == "fixed_point"
    with pytest.raises(ValueError, match=r"theta0 has shape \[2\]; expected \(3,\)"):
        stepsize.run(f, [1.0, 2.0], eta=0.1)
    g = stepsize.from_callables(lambda t: float(t @ t), lambda t: 2 * t)
    with pytest.raises(ValueError, match="sweep with count needs the number of parameters"):
        stepsize.sweep(g, [0.1], count=4)
    sweep = stepsize.sweep(g, [0.1], np.ones((3, 4)))
    assert g.dim == 4 and list(sweep.kind) == ["fixed_point"] * 3


def test_from_jax_takes_a_parameter_pytree_and_maps_results_back():
    import jax.numpy as jnp

    params = {"w": np.ones((3, 2)), "b": np.zeros(2)}
    x = np.arange(6.0).reshape(2, 3)

    def loss(p):
        return jnp.sum((x @ p["w"] + p["b"] - 1.0) ** 2)

    f = stepsize.from_jax(loss, params)
    assert f.dim == 8
    theta = f.flatten()
    np.testing.assert_array_equal(f.unflatten(theta)["w"], params["w"])
    # ravel_pytree orders a dict's leaves by key: b (2 numbers), then w (3 × 2, row-major).
    flat = stepsize.from_jax(lambda t: loss({"b": t[:2], "w": t[2:].reshape(3, 2)}), 8)
    np.testing.assert_array_equal(f.gradient(theta), flat.gradient(theta))
    end = stepsize.run(f, theta, 0.01)
    fitted = f.unflatten(end.point)
    assert np.abs(x @ np.asarray(fitted["w"]) + np.asarray(fitted["b"]) - 1.0).max() < 1e-6
    with pytest.raises(ValueError, match=r"loss_fn returned shape \(2,\); expected a scalar"):
        stepsize.from_jax(lambda p: p["b"] * 2, params)
    with pytest.raises(ValueError, match="loss_fn returned shape"):
        stepsize.from_jax(lambda t: t[:2], 3)
    with pytest.raises(TypeError, match="flatten and unflatten need an objective built from a model"):
        stepsize.from_formula("x^2").unflatten([1.0])


def test_progress_is_reported_by_the_sweeps():
    f = stepsize.from_formula("(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y")
    for call in (
        lambda p: stepsize.basins(f, 0.05, (-1, 1, 64), (-1, 1, 64), progress=p),
        lambda p: stepsize.orbit_diagram(
            stepsize.from_formula("(x^2-1)^2"), np.linspace(0.1, 0.4, 16), [[0.5]], progress=p
        ),
        lambda p: stepsize.sweep(f, [0.05, 0.1], count=32, progress=p),
    ):
        calls = []
        call(lambda done, total: calls.append((done, total)))
        assert calls and calls[-1][0] == calls[-1][1] > 0, calls
        assert all(0 < d <= t for d, t in calls)
