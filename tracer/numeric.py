"""The two numeric modes. The only module that knows float from exact.

Layers are written once against numpy arrays; elementwise transcendental functions,
array construction and number formatting go through a :class:`Numeric` backend:

* ``FLOAT``: numpy float64, vectorized.
* ``EXACT``: numpy object arrays of :class:`fractions.Fraction` and
  :class:`tracer.exact.Real`; ``+ - * @`` and comparisons work elementwise unchanged.
"""

from __future__ import annotations

import math
import sys
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Decimal, localcontext

import numpy as np


TIE_TOLERANCE = 1e-12
WHOLE_LIMIT = 10 ** 15  # whole numbers below it print in full, whatever the digits
LOG_HALF = math.log(2)  # -log(1/2)


class Numeric:
    """Float64 arithmetic (the base class); :class:`ExactNumeric` overrides."""

    name = "float"
    dtype = np.float64

    def scalar(self, x):
        """One number from a spec (int, Decimal, Fraction, float)."""
        return float(x)

    def array(self, values) -> np.ndarray:
        """An array of backend numbers from nested lists or an ndarray."""
        return np.asarray(values, dtype=np.float64)

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def exp(self, x):
        """e^x elementwise (overflow gives inf, as numpy)."""
        with np.errstate(over="ignore"):
            return np.exp(x)

    def log(self, x):
        return np.log(x)

    def softmax(self, z, axis=-1):
        """softmax(z)_k = e^{z_k} / sum_j e^{z_j} = e^{z_k - log sum_j e^{z_j}}, stable for
        large |z|."""
        return np.exp(z - np.logaddexp.reduce(z, axis=axis, keepdims=True))

    def log_softmax(self, z):
        """log softmax(z)_k = z_k - log sum_j e^{z_j} over the last axis; for the top class
        where y_hat_k > 1/2 (a confident prediction: z = [30, 10]) as
        log(1 - sum_{j != k} y_hat_j) with log1p, since z_k - log sum_j e^{z_j} keeps only
        the digits of the larger z (seven of log y_hat_0 = -2.06e-9 lost). Only the first
        top class: two tied at 1/2 may both round to just above it."""
        log_y_hat = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
        if not log_y_hat.max(initial=-np.inf) > -LOG_HALF:  # no such class (nor a NaN)
            return log_y_hat
        top = np.arange(z.shape[-1]) == np.argmax(log_y_hat, axis=-1)[..., None]
        near_one = top & (log_y_hat > -LOG_HALF)
        others = np.where(top, 0.0, np.exp(log_y_hat)).sum(axis=-1, keepdims=True)
        others = np.where(near_one.any(axis=-1, keepdims=True), others, 0.0)  # < 1/2
        return np.where(near_one, np.log1p(-others), log_y_hat)

    def complement(self, p, rest):
        """1 - p for a probability p, as rest(): the same worked out without cancellation
        (the other classes' probabilities; sigmoid(-z)), so that a confident prediction
        keeps its digits (1 - 0.999999997938846 loses seven). Exact mode takes 1 - p."""
        return rest()

    def minus(self, y_hat, y, rest):
        """y_hat - y, taking y_hat - 1 where y is 1 and y_hat > 1/2 as -(1 - y_hat)
        (:meth:`complement`)."""
        diff = y_hat - y
        if not y_hat.max(initial=0.0) > 0.5:
            return diff
        return np.where((y == 1) & (y_hat > 0.5), -self.complement(y_hat, rest), diff)

    def log_sum_exp(self, z, axis=-1):
        """log sum_j e^{z_j}, stable for large |z| (log(e^a + e^b) pairwise, never
        forming e^a)."""
        return np.logaddexp.reduce(z, axis=axis)

    def sigmoid(self, x):
        """1 / (1 + e^{-x}), without overflow for either sign of x."""
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def softplus(self, x):
        """log(1 + e^x) = -log(sigmoid(-x)), stable."""
        return np.logaddexp(0, x)

    def positive(self, x, or_zero=False):
        """x > 0 (x >= 0 with ``or_zero``), treating |x| <= 1e-12 * max|x| as exactly 0,
        max|x| taken per sample (over every axis of x (N, ...) but the batch axis 0).

        Hand-made specs use decimals such as 0.1 + 0.2 - 0.3, whose float sum is 5.6e-17,
        not 0: without the tolerance float mode would break ReLU'(0) = 0 where exact
        mode does not. Per sample, so that one sample's ReLU never depends on the others.
        """
        tol = _zero_tolerance(x)
        return x >= -tol if or_zero else x > tol

    def maxima(self, cand):
        """(top, is_max) over axis 0 of cand (K, ...), e.g. the K cells of every pooling
        window: top = max_k cand[k], is_max[k] = cand[k] ties top. Ties within 1e-12 of
        the largest magnitude max_k |cand[k]| count, for the same reason as in
        :meth:`positive`: per window, so never across samples. Every window gets the
        same threshold, top - 1e-12 max(top, -min_k cand[k]), rounded alike whatever the
        other windows hold (a window on its own, as the presenters recompute it, too):
        min(top (1 - 1e-12), top + 1e-12 min_k cand[k]), which is the first when no
        candidate is negative. Infinite candidates are left out of the magnitude, so an
        infinite top ties only with equal cells; a NaN window's maxima are its NaNs."""
        top = cand.max(axis=0)
        if cand.min(initial=0.0) >= 0:  # NaN and -inf go below
            return top, cand >= top * (1 - TIE_TOLERANCE)
        low = cand.min(axis=0)
        finite = top.max() < math.inf and low.min() > -math.inf  # False for NaN too
        if not finite:
            low = np.where(np.isfinite(cand), cand, 0.0).min(axis=0)  # over the finite ones
        is_max = cand >= np.minimum(top * (1 - TIE_TOLERANCE), top + TIE_TOLERANCE * low)
        return top, is_max if finite else is_max | np.isnan(cand)

    def matmul(self, a, b, out=None):
        """a @ b (numpy's matmul: batched over leading axes), into ``out`` if given.
        Two matrices go to np.dot: BLAS gemm, where numpy's matmul takes a slower loop
        for some small shapes (an outer product (400, 1) @ (1, 10): 7 us against 2 us)."""
        if out is None and a.ndim == 2 and b.ndim == 2:
            return np.dot(a, b)
        return np.matmul(a, b, out=out)

    def linear(self, fn, x):
        """fn(x) for a linear map fn written with numpy slicing, reshapes, sums and
        additions that makes its zeros with np.zeros(..., dtype=x.dtype); exact mode
        runs it on integer arrays (tracer.scaled.linear)."""
        return fn(x)

    def scatter_add(self, values, index, length: int) -> np.ndarray:
        """out (length,) with out[index[i]] += values.flat[i] for every i: repeated indices
        add up (all below ``length``)."""
        return np.bincount(index, weights=values.ravel(), minlength=length)

    def to_float(self, x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def format(self, value, digits: int) -> str:
        """``value`` to ``digits`` significant digits, e.g. 0.9999816706: the decimal the
        float reads as (its repr) rounded as by hand, so 0.145 gives 0.15 at 2 digits (as
        in exact mode), not the 0.14 of its binary value 0.14499999999999999; a float
        within 1e-12 of such a half (a sum 10.094999999999999 whose terms make 10.095) is
        taken as the half.

        A rounded value keeps its trailing zeros (0.3100 for 0.3100255: it is good to
        four digits); a value its digits hold drops them (0.31, 2), as does a float
        within 1e-12 of that (relative; less at 11 or more digits), as the engine's other
        float comparisons: 0.1 + 0.2 prints 0.3, as in exact mode."""
        whole = whole_text(value)
        if whole is not None:
            return whole
        if isinstance(value, Decimal) and value.is_finite():  # a sum worked in decimals
            rounded = decimal_text(value, digits, zeros=True)
            return tidy(rounded) if Decimal(rounded) == value else rounded
        x = float(value)
        if not math.isfinite(x):
            return f"{x:g}"
        text, near = repr(x), min(TIE_TOLERANCE, 10.0 ** -(digits + 2)) * abs(x)
        half = f"{x:.{digits}e}"  # digits + 1 significant digits
        if digits <= 15 and abs(x) >= sys.float_info.min and _is_half(half, digits) \
                and abs(float(half) - x) <= near:  # (a subnormal's 1e-12 is 0)
            text = half
        if digits > 15 or _is_half(text, digits):
            rounded = decimal_text(Decimal(text), digits, zeros=True)
        else:  # the binary value rounds as its repr does (up to 15 digits)
            rounded = tidy(f"{x:#.{digits}g}", zeros=True)
        return tidy(rounded) if abs(float(rounded) - x) <= near else rounded

    def exact_text(self, x):
        """Exact forms as nested lists of strings; None in float mode."""
        return None


def whole_text(value) -> str | None:
    """The digits of a whole number below WHOLE_LIMIT (float, Decimal or Fraction), else
    None: worked by hand, a conv sum of 11316 stays 11316, not the 1.132e4 of 4 digits
    that the next line's 11316 · 0.0001 does not read."""
    try:
        whole = int(value)
    except (ValueError, OverflowError, TypeError):  # inf, NaN
        return None
    return str(whole) if whole == value and abs(whole) < WHOLE_LIMIT else None


def spec_number(text: str) -> str:
    """A number of the spec, all its digits, laid out as the handouts lay numbers out:
    8.165e-11, not the 8.165E-11 of Python's Decimal."""
    try:
        return tidy(format(Decimal(str(text)), "g"), zeros=True)  # str: a JSON float
    except (ArithmeticError, ValueError):
        return text


def same_number(a: str, b: str) -> bool:
    """Whether two printed numbers are one number: '1.000' and '1', '2.50e-5' and '2.5e-5'
    (a rounded value keeps its trailing zeros, so texts differ where values do not)."""
    return Decimal(a) == Decimal(b)


def _zero_tolerance(x: np.ndarray):
    """1e-12 * max|x| per sample, over every axis of x (N, ...) but the batch axis 0,
    shaped (N, 1, ...) to broadcast against x (a float for one sample); the magnitude of
    the finite values only when some value is not finite (1e-12 * inf would zero every
    cell)."""
    if x.shape[0] == 1:  # one sample: two whole-array reductions, scalars after them
        top = max(x.max(initial=0.0), -x.min(initial=0.0))
        if top < math.inf:  # False for inf and NaN
            return TIE_TOLERANCE * top
    else:
        axes = tuple(range(1, x.ndim))
        top = np.maximum(x.max(axis=axes, keepdims=True, initial=0.0),
                         -x.min(axis=axes, keepdims=True, initial=0.0))
        if top.max() < math.inf:
            return TIE_TOLERANCE * top
    finite = np.where(np.isfinite(x), x, 0.0)
    axes = tuple(range(1, x.ndim))
    return TIE_TOLERANCE * np.maximum(finite.max(axis=axes, keepdims=True),
                                      -finite.min(axis=axes, keepdims=True))


def _is_half(text: str, digits: int) -> bool:
    """Whether the repr ``text`` ends in a 5 just past ``digits`` significant digits."""
    mantissa = text.lstrip("-").partition("e")[0].replace(".", "").strip("0")
    return len(mantissa) == digits + 1 and mantissa.endswith("5")


def decimal_text(value: Decimal, digits: int, zeros: bool = False) -> str:
    """``value`` to ``digits`` significant digits, halves rounded away from zero (as by
    hand: 0.125 -> 0.13), laid out as Python's 'g' format for floats (both modes);
    trailing zeros kept with ``zeros`` (0.3100)."""
    with localcontext(prec=digits, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN):
        rounded = +value
    if rounded == 0:
        return "0"
    if -4 <= rounded.adjusted() < digits:
        return tidy(format(rounded, "f"), zeros)
    return tidy(format(rounded, f".{digits - 1}e"), zeros)


def tidy(text: str, zeros: bool = False) -> str:
    """Uniform number text for both modes: no '+' or leading zeros in exponents, no
    trailing decimal point, and no trailing zeros unless ``zeros``."""
    if "e" in text:
        mantissa, power = text.split("e")
        if "." in mantissa:
            mantissa = (mantissa if zeros else mantissa.rstrip("0")).rstrip(".")
        text = f"{mantissa}e{int(power)}"
    elif "." in text:
        text = (text if zeros else text.rstrip("0")).rstrip(".")
    return "0" if text in ("-0", "") else text


FLOAT = Numeric()
_LAZY = ("EXACT", "APPROX", "ExactNumeric", "ApproxNumeric")


def __getattr__(name: str):
    """EXACT, APPROX and their classes live in :mod:`tracer.numeric_exact`, loaded (with
    mpmath) on first use, so float-only work starts faster."""
    if name in _LAZY:
        from . import numeric_exact
        return getattr(numeric_exact, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def backend(mode: str) -> Numeric:
    """The backend named ``mode`` ('float', 'exact', or 'approx': 60-digit mpmath)."""
    if mode == "float":
        return FLOAT
    if mode in ("exact", "approx"):
        from . import numeric_exact
        return numeric_exact.EXACT if mode == "exact" else numeric_exact.APPROX
    raise ValueError(f"numeric mode must be 'float' or 'exact', got {mode!r}")
