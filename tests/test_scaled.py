"""tracer.scaled: exact matmul and linear maps on integer parts equal plain object
arithmetic on Fractions and Reals, cell for cell (terms may print in another order)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from tracer import exact, scaled


def rationals(rng, shape, zeros=0.3):
    nums = rng.integers(-50, 51, size=shape)
    dens = rng.choice([1, 2, 3, 8, 10, 2**60, 7**9], size=shape)
    nums[rng.random(shape) < zeros] = 0
    return np.array([Fraction(int(n), int(d)) for n, d in zip(nums.ravel(), dens.ravel())],
                    dtype=object).reshape(shape)


def reals(rng, shape):
    """Cells mixing rationals with exp(a)/(e^a + e^b) style monomials, some zero."""
    e = [exact.exp(Fraction(k, 3)) for k in range(3)]
    s = exact.inv(e[0] + e[1] + e[2])
    atoms = [e[k] * s for k in range(3)]
    out = rationals(rng, shape)
    for i in np.ndindex(shape):
        for a in atoms:
            if rng.random() < 0.6:
                out[i] = out[i] + Fraction(int(rng.integers(-9, 10)), int(rng.choice([1, 5]))) * a
    return out


def same(a, b):
    assert a.shape == b.shape
    for x, y in zip(a.ravel(), b.ravel()):
        assert x == y, (x, y)
        assert exact.to_text(x, canonical=True) == exact.to_text(y, canonical=True)


def test_matmul_of_rationals_equals_object_matmul():
    rng = np.random.default_rng(0)
    a, b = rationals(rng, (3, 4, 5)), rationals(rng, (5, 2))
    got = scaled.matmul(a, b)
    same(got, np.matmul(a, b))
    assert all(type(x) is Fraction for x in got.ravel())


def test_matmul_with_symbolic_cells_equals_object_matmul():
    rng = np.random.default_rng(1)
    a, b = reals(rng, (2, 3, 4)), rationals(rng, (4, 3))
    same(scaled.matmul(a, b), np.matmul(a, b))
    same(scaled.matmul(b.T, a[0].T), np.matmul(b.T, a[0].T))


def test_fractions_made_without_normalising_are_normal():
    rng = np.random.default_rng(2)
    a = rationals(rng, (4, 4), zeros=0)
    for x in scaled.matmul(a, a).ravel():
        y = Fraction(x.numerator, x.denominator)
        assert (x.numerator, x.denominator) == (y.numerator, y.denominator)
        assert hash(x) == hash(y) and x.denominator > 0


def test_linear_map_on_integer_parts():
    rng = np.random.default_rng(3)
    x = reals(rng, (2, 3, 4))

    def fn(g):
        out = np.zeros((2, 5), dtype=g.dtype)
        out[:, :3] += g.sum(axis=2)
        out[:, 1:4] += g[:, :, 0]
        return out

    same(scaled.linear(fn, x), fn(x.copy()))
    zero = np.full((2, 3, 4), Fraction(0), dtype=object)
    assert all(v == 0 for v in scaled.linear(fn, zero).ravel())


def test_to_float_matches_per_cell_evaluation_and_handles_cancellation():
    import mpmath
    rng = np.random.default_rng(4)
    x = reals(rng, (5, 6))
    e = [exact.exp(Fraction(k, 3)) for k in range(3)]
    s = exact.inv(e[0] + e[1] + e[2])
    hidden_zero = e[0] * s + e[1] * s + e[2] * s - 1  # = 0, not structurally
    tiny = e[0] * s - Fraction(1, 10**40) * e[1] * s  # ordinary size
    x[0, 0], x[0, 1] = hidden_zero, tiny * Fraction(1, 10**30)  # ~1e-31: falls back
    got = scaled.to_float(x)
    for cell, value in zip(x.ravel(), got.ravel()):
        want = float(cell)
        assert value == want or abs(value - want) <= 2e-16 * abs(want), (cell, value, want)
    assert abs(got[0, 0]) < 1e-300
    mixed = np.array([Fraction(1, 3), mpmath.mpf("0.25")], dtype=object)
    assert scaled.to_float(mixed).tolist() == [1 / 3, 0.25]


def test_approximate_is_within_its_error_bound():
    import mpmath
    rng = np.random.default_rng(5)
    x = reals(rng, (4, 4))
    values, error = scaled.approximate(x, 100)
    with mpmath.workdps(80):
        for cell, v, err in zip(x.ravel(), values.ravel(), error.ravel()):
            truth = exact.evaluate(cell, 60)
            assert abs(truth - mpmath.mpf(v) / 2**100) <= mpmath.mpf(err + 1) / 2**100


def test_exact_loss_after_matches_a_60_digit_second_pass(make_spec):
    """loss.after from parameters rounded to 2**-400 equals the old all-mpmath second
    pass (60-digit arithmetic) to 50 digits."""
    import mpmath
    from tracer import run_pass
    from tracer.network import build, loss
    from tracer.numeric import ApproxNumeric
    spec = make_spec(11, output="softmax")
    trace = run_pass(spec, "exact")
    approx = build(spec, "approx")
    with mpmath.workdps(ApproxNumeric.DIGITS + 10):
        for layer in approx.layers:
            for p in layer.param_names:
                setattr(layer, p, approx.nx.array(trace[f"{layer.name}.{p}_new"]))
        want = loss(approx)
        got = trace["loss.after"].item() if hasattr(trace["loss.after"], "item") else \
            trace["loss.after"]
        assert abs(got - want) <= abs(want) * mpmath.mpf(10) ** -50
    assert trace.exact("loss.after").startswith("≈")
