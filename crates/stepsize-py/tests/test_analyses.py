"""The analyses on SPEC W5 against the numbers SPEC fixes, determinism across thread counts,
the papers' results through `repro`, and the plots."""

import numpy as np
import pytest

import stepsize


def test_run_reports_fixed_points_orbits_and_divergence(formula):
    fixed = stepsize.run(formula, [0.3, 0.4], 0.05)
    assert (fixed.kind, fixed.period, fixed.stability) == ("fixed_point", 1, "stable")
    assert fixed.orbit.shape == (1, 2) and fixed.spectral_radius < 1
    # |1 − ηλ| for the Hessian's eigenvalues at the minimum: λ = 14.587, 6.410 at η = 0.05.
    assert np.allclose(sorted(np.abs(fixed.multipliers)), sorted([abs(1 - 0.05 * 14.5874), abs(1 - 0.05 * 6.41032)]), atol=1e-4)
    # Above 2/λmax = 0.1371 of the local minima GD cannot stay there: a 2-cycle.
    orbit = stepsize.run(formula, [0.3, 0.4], 0.14)
    assert orbit.kind == "periodic" and orbit.period == 2 and orbit.orbit.shape == (2, 2)
    assert orbit.stability == "stable" and orbit.multipliers.shape == (2,)
    gone = stepsize.run(formula, [3.0, 3.0], 0.2)
    assert gone.kind == "diverged" and gone.point is None and gone.diverged_at >= 1
    assert "kind='fixed_point'" in repr(fixed)


def test_stability_and_sharpness_give_two_over_lambda_max(formula):
    s = stepsize.stability(formula, [0.932783, 0.969466], eta=0.14)
    assert abs(s.max_stable_step - 0.137104) < 1e-5
    assert s.at_eta.stability == "unstable" and s.at_eta.spectral_radius > 1
    sh = stepsize.sharpness(formula, [0.932783, 0.969466])
    assert abs(sh.lambda_max - 2 / 0.137104) < 1e-3 and sh.lambda_min > 0
    assert sh.lambda_max_residual <= 1e-8 * sh.lambda_max


def test_basin_map_matches_spec_w5(formula):
    # SPEC W5 at 256 × 256 and η = 0.12: 24972 starts at the stable local minima, 8226
    # diverged, 32338 elsewhere, within 0.5 % per count.
    m = stepsize.basins(formula, 0.12)
    assert m.labels.shape == (256, 256) and m.counts.sum() == 256 * 256
    stable = sum(a.count for a in m.attractors if a.kind == "fixed_point" and a.linearization.stability == "stable")
    diverged = sum(a.count for a in m.attractors if a.kind == "diverged")
    other = 256 * 256 - stable - diverged
    for got, spec in [(stable, 24972), (diverged, 8226), (other, 32338)]:
        assert abs(got - spec) <= 0.005 * spec, (got, spec)


def test_same_bits_at_any_thread_count(formula, batched):
    a = stepsize.sweep(formula, [0.05, 0.13, 0.2], count=12, box=(-2, 2), seed=5, threads=1)
    b = stepsize.sweep(formula, [0.05, 0.13, 0.2], count=12, box=(-2, 2), seed=5, threads=2)
    assert np.array_equal(a.starts, b.starts) and a.kind.tolist() == b.kind.tolist()
    assert np.array_equal(a.end.filled(0), b.end.filled(0)) and np.array_equal(a.end.mask, b.end.mask)
    assert set(a.kind.tolist()) >= {"fixed_point", "diverged"}
    c = stepsize.sweep(formula, [0.05], count=12, box=(-2, 2), seed=6)
    assert not np.array_equal(c.starts, a.starts[:12])
    m1 = stepsize.basins(formula, 0.12, (-2, 2, 32), (-2, 2, 32), threads=1)
    m2 = stepsize.basins(formula, 0.12, (-2, 2, 32), (-2, 2, 32), threads=2)
    assert np.array_equal(m1.labels, m2.labels)


def test_sweep_masks_diverged_runs(formula):
    s = stepsize.sweep(formula, [0.2], starts=[[3.0, 3.0], [0.3, 0.4]])
    assert s.kind.tolist()[0] == "diverged" and s.end.mask[0].all() and not s.end.mask[1].any()
    assert np.isfinite(s.end.data).all() and np.isfinite(s.loss.data).all()


def test_sharpness_along_reaches_two_over_eta_or_settles_below(formula):
    r = stepsize.sharpness_along(formula, [0.3, 0.4], 0.05, steps=200, every=10)
    assert r.iterations[0] == 0 and len(r.sharpness) == len(r.iterations)
    assert r.sharpness[-1] < 2 / 0.05


def test_repro_gives_the_papers_claims(tmp_path):
    reports = stepsize.repro(only="ns-ex1", quick=True, out=tmp_path / "paper-repro")
    assert [r.id for r in reports] == ["ns-ex1"]
    assert reports[0].claims and reports[0].all_hold
    assert all(c.verdict == "holds" for c in reports[0].claims)
    assert (tmp_path / "paper-repro" / "REPORT.md").exists()
    with pytest.raises(ValueError):
        stepsize.repro(only="no-such-result")


def test_plots(formula, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import stepsize.plot as sp

    d = stepsize.orbit_diagram(formula, np.linspace(0.05, 0.2, 12), [[0.3, 0.4]], transient=200, points=8)
    ax = sp.orbit_diagram(d)
    assert len(ax.lines) >= 1 + len(d.minima)
    m = stepsize.basins(formula, 0.12, (-2, 2, 32), (-2, 2, 32))
    ax = sp.basin_map(m)
    assert len(ax.get_legend().get_texts()) == len(m.attractors)
    a = stepsize.sharpness_along(formula, [0.3, 0.4], 0.05, steps=100, every=10)
    b = stepsize.sharpness_along(formula, [0.3, 0.4], 0.13, steps=100, every=10)
    ax = sp.sharpness_along(a, b)
    ax.figure.savefig(tmp_path / "sharpness.png")
    assert (tmp_path / "sharpness.png").stat().st_size > 0
