"""The central flow from Python: on L(x, y) = ½c(x − x*)² + ½(a + x)y² (c = 0.2, x* = 2,
a = 2.5) at η = 0.5 the flow stops at (x_e, 0) = (1.5, 0) with tr Σ = 2c(x* − x_e) = 0.2 and
predicts the loss ½c(x* − x_e)² + ½(2/η)·0.2 = 0.425, which is the mean loss of GD's own
period-2 orbit (1.5, ±√0.2); below the edge the flow is gradient flow."""

import numpy as np

import stepsize

SHARPENING = "0.1*(x-2)^2 + 0.5*(x+2.5)*y^2"


def test_central_flow_reaches_the_closed_forms_and_gd_its_prediction():
    f = stepsize.from_formula(SHARPENING)
    calls = []
    r = stepsize.central_flow(f, [0.0, 0.1], 0.5, steps=1000, every=10, progress=lambda d, t: calls.append((d, t)))
    assert r.end == "completed" and r.steps == 1000 and r.exact_third_derivatives is False
    assert r.iterations.dtype.kind in "iu" and r.iterations[-1] == 1000
    # Tolerances: the flow's fixed point is exact up to the central-difference third
    # derivatives (≈ 4e-11) and the integrator (1e-6 local error, contracting near the
    # fixed point); GD's transient has decayed below 1e-10 by step 1000 (see the Rust test).
    assert abs(r.loss_predicted[-1] - 0.425) <= 1e-6
    assert abs(r.sigma_trace[-1] - 0.2) <= 1e-6
    assert abs(r.sharpness[-1] - 4.0) <= 1e-6
    assert abs(r.gd_loss_average[-1] - 0.425) <= 1e-6
    assert np.abs(r.final_theta - [1.5, 0.0]).max() <= 1e-6
    assert r.midpoint_distance[-1] <= 1e-6 and abs(r.distance[-1] - np.sqrt(0.2)) <= 1e-6
    a = r.agreement
    assert a.flow_onset is not None and a.sharpness_error[1] <= 1e-3
    assert calls[-1] == (1000, 1000)


def test_below_the_edge_it_is_gradient_flow():
    f = stepsize.from_formula("0.5*x^2 + 1.5*y^2")
    r = stepsize.central_flow(f, [1.0, -2.0], 0.1, steps=30, every=5, tolerance=1e-9)
    t = r.iterations
    exact = 0.5 * (np.exp(-0.1 * t)) ** 2 + 1.5 * (2 * np.exp(-0.3 * t)) ** 2
    assert np.all(np.abs(r.flow_loss - exact) <= 1e-7 * np.sqrt(exact) + 1e-12)
    assert np.array_equal(r.loss_predicted, r.flow_loss) and not r.edge.any()
    assert r.exact_third_derivatives is None  # below the edge none were needed
