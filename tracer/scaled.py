"""Fast exact linear algebra: object arrays of exact numbers as integer arrays.

An exact array (numpy object array of :class:`fractions.Fraction` and
:class:`tracer.exact.Real`) is split into one integer array per monomial (``()`` for the
rational part, ``exp(z_k)/(...)`` etc. for the symbolic parts) over a common denominator:

    A = sum_m  (N_m / d_m) * m        N_m an object array of Python ints, d_m an int.

A matrix product is then a few products of integer arrays (numpy's object matmul on
Python ints: no Fraction normalisation and no polynomial bookkeeping per multiply-add),
and every result cell is normalised once at the end. This is what makes exact mode scale
to the lecture's 28x28 network: the backward pass there carries 11 monomials (the ten
softmax outputs and the constant), so each cell of a gradient is a Real with 11 terms.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .exact import Real, _mul_monomials, make


def _coprime_constructor():
    """Fraction(n, d) for coprime n and d > 0, skipping Fraction's checks and second gcd
    (what CPython 3.12's private Fraction._from_coprime_ints does); plain Fraction if
    this Python's Fraction is laid out differently."""
    def fraction(n, d):
        q = object.__new__(Fraction)
        q._numerator, q._denominator = n, d
        return q
    try:
        probe = fraction(3, 4)
        if probe == Fraction(3, 4) and hash(probe) == hash(Fraction(3, 4)) and str(probe) == "3/4":
            return fraction
    except (AttributeError, TypeError):  # pragma: no cover - another Fraction layout
        pass
    return Fraction  # pragma: no cover


_fraction = np.frompyfunc(_coprime_constructor(), 2, 1)
_ZERO = Fraction(0)
_numerator = np.frompyfunc(lambda q: q.numerator, 1, 1)
_denominator = np.frompyfunc(lambda q: q.denominator, 1, 1)


def split(arr: np.ndarray) -> dict:
    """{monomial: (integer object array shaped like arr, common denominator)}."""
    arr = np.asarray(arr, dtype=object)
    flat = arr.ravel()
    if not any(type(v) is Real for v in flat):  # only rationals: fully vectorized
        dens = _denominator(flat)
        den = int(np.lcm.reduce(dens)) if flat.size else 1
        return {(): ((_numerator(flat) * (den // dens)).reshape(arr.shape), den)}
    coefs: dict = {}  # monomial -> {flat index: Fraction}
    for i, value in enumerate(flat):
        if type(value) is Real:
            for mono, coef in value.terms.items():
                coefs.setdefault(mono, {})[i] = coef
        elif value:
            coefs.setdefault((), {})[i] = Fraction(value)
    parts = {}
    for mono, cells in coefs.items():
        den = math.lcm(*(q.denominator for q in cells.values()))
        nums = np.zeros(flat.size, dtype=object)
        for i, q in cells.items():
            nums[i] = q.numerator * (den // q.denominator)
        parts[mono] = (nums.reshape(arr.shape), den)
    return parts


def join(parts: dict, shape: tuple) -> np.ndarray:
    """The exact object array sum_m (N_m / d_m) * m; each cell normalised once."""
    normal = {}
    for mono, (nums, den) in parts.items():
        nums = np.asarray(nums, dtype=object).reshape(-1)
        cells = np.full(nums.shape, _ZERO, dtype=object)
        nonzero = np.flatnonzero(nums != 0)
        if nonzero.size:
            live = nums[nonzero]
            common = np.gcd(live, den)
            cells[nonzero] = _fraction(live // common, den // common)
        normal[mono] = cells
    if not normal:
        return np.full(shape, Fraction(0), dtype=object)
    if list(normal) == [()]:
        return normal[()].reshape(shape)
    monos = sorted(normal, key=lambda m: m == ())  # constant last, as exact.to_text prints
    columns = [normal[m] for m in monos]
    out = np.empty(len(columns[0]), dtype=object)
    for i in range(len(out)):
        terms = {m: col[i] for m, col in zip(monos, columns) if col[i]}
        out[i] = Real(terms) if len(terms) > 1 or (terms and () not in terms) else make(terms)
    return out.reshape(shape)


def _add_part(parts: dict, mono, nums, den) -> None:
    if mono in parts:
        old_nums, old_den = parts[mono]
        common = math.lcm(old_den, den)
        parts[mono] = (old_nums * (common // old_den) + nums * (common // den), common)
    else:
        parts[mono] = (nums, den)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact ``a @ b`` (numpy matmul semantics, batched over leading axes)."""
    a_parts, b_parts = split(a), split(b)
    out: dict = {}
    shape = None
    for ma, (na, da) in a_parts.items():
        for mb, (nb, db) in b_parts.items():
            product = np.matmul(na, nb)
            shape = product.shape
            mono = mb if not ma else ma if not mb else _mul_monomials(ma, mb)
            _add_part(out, mono, product, da * db)
    if shape is None:  # a or b has no cells
        return np.matmul(np.asarray(a, dtype=object), np.asarray(b, dtype=object))
    return join(out, shape)


def linear(fn, x: np.ndarray) -> np.ndarray:
    """``fn(x)`` for a linear map ``fn`` made of numpy slicing, reshapes, sums and
    additions (zeros from ``np.zeros(..., dtype=x.dtype)``), run on the integer parts."""
    parts = split(x)
    out = {mono: (fn(nums), den) for mono, (nums, den) in parts.items()}
    if not out:
        return fn(np.asarray(x, dtype=object))
    return join(out, next(iter(out.values()))[0].shape)
