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


def _monomial_value(mono, bits: int) -> int:
    """round(value of the monomial * 2**bits), from mpmath at bits + 64 bits."""
    import mpmath
    with mpmath.workprec(bits + 64):
        value = mpmath.mpf(1)
        for atom, power in mono:
            value *= atom.value(bits + 64) ** power
        man, exp = value.man, value.exp  # value = man * 2**exp exactly
        if value < 0:
            man = -man
    shift = exp + bits
    return man << shift if shift >= 0 else (man + (1 << (-shift - 1))) >> -shift


def approximate(arr: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Dyadic approximations of an exact array: (integer array V, error bound E) with
    |x - V / 2**bits| <= E / 2**bits for every cell x (E an integer array, 0 where the
    cell is rational and V exact up to rounding to the nearest 1/2**bits)."""
    arr = np.asarray(arr, dtype=object)
    total = np.zeros(arr.shape, dtype=object)
    error = np.zeros(arr.shape, dtype=object)
    for mono, (nums, den) in split(arr).items():
        if mono == ():
            scaled_nums = nums * (1 << bits)
        else:
            scaled_nums = nums * _monomial_value(mono, bits + 8)  # 1/256 of the unit
            den = den << 8
            error = error + (abs(nums) // den + 1)  # |N/d| * 2**-8 rounded up, per term
        total = total + (2 * scaled_nums + den) // (2 * den)  # nearest
    return total, error + (error != 0)


def _ratio(n: int, d: int) -> float:
    """n / d (d > 0) as the nearest float64; +-inf beyond its range, as float mode gives
    (e^800 in a softmax's recorded exponentials)."""
    try:
        return n / d
    except OverflowError:
        return math.inf if n > 0 else -math.inf


_divide = np.frompyfunc(_ratio, 2, 1)


def to_float(arr: np.ndarray) -> np.ndarray:
    """float64 values of an exact array: rationals correctly rounded; symbolic cells from
    a 256-bit dyadic approximation when that fixes 60+ bits, else (tiny or cancelling
    cells) evaluated one by one with precision doubling."""
    arr = np.asarray(arr, dtype=object)
    kinds = {type(v) for v in arr.ravel()}
    if not kinds <= {Fraction, Real, int, bool}:  # e.g. mpmath numbers (loss.after)
        return np.asarray(np.frompyfunc(float, 1, 1)(arr), dtype=np.float64).reshape(arr.shape)
    if Real not in kinds:
        return np.asarray(_divide(_numerator(arr), _denominator(arr)), dtype=np.float64) \
            if arr.size else np.zeros(arr.shape)
    bits = 256
    values, error = approximate(arr, bits)
    out = np.asarray(_divide(values, 1 << bits), dtype=np.float64).reshape(arr.shape)
    unsure = np.flatnonzero((abs(values) >> 62) <= error)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    for i in unsure:
        flat_out[i] = float(flat_in[i])
    return out
