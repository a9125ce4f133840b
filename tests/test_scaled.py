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
