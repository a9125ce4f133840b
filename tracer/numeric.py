"""The two numeric modes. The only module that knows float from exact.

Layers are written once against numpy arrays; elementwise transcendental functions,
array construction and number formatting go through a :class:`Numeric` backend:

* ``FLOAT``: numpy float64, vectorized.
* ``EXACT``: numpy object arrays of :class:`fractions.Fraction` and
  :class:`tracer.exact.Real`; ``+ - * @`` and comparisons work elementwise unchanged.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from numbers import Rational

import mpmath
import numpy as np

from . import exact, scaled


TIE_TOLERANCE = 1e-12


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
        """softmax(z)_k = e^{z_k} / sum_j e^{z_j}; shifted by max(z) for stability."""
        shifted = np.exp(z - z.max(axis=axis, keepdims=True))
        return shifted / shifted.sum(axis=axis, keepdims=True)

    def log_sum_exp(self, z, axis=-1):
        """log sum_j e^{z_j}, stable for large |z|."""
        top = z.max(axis=axis, keepdims=True)
        return (top + np.log(np.exp(z - top).sum(axis=axis, keepdims=True))).squeeze(axis)

    def sigmoid(self, x):
        """1 / (1 + e^{-x}), without overflow for either sign of x."""
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def softplus(self, x):
        """log(1 + e^x) = -log(sigmoid(-x)), stable."""
        return np.logaddexp(0, x)

    def positive(self, x, or_zero=False):
        """x > 0 (x >= 0 with ``or_zero``), treating |x| <= 1e-12 * max|x| as exactly 0.

        Hand-made specs use decimals such as 0.1 + 0.2 - 0.3, whose float sum is 5.6e-17,
        not 0: without the tolerance float mode would break ReLU'(0) = 0 where exact
        mode does not.
        """
        tol = TIE_TOLERANCE * max(x.max(initial=0.0), -x.min(initial=0.0))  # max|x|
        return x >= -tol if or_zero else x > tol

    def maxima(self, cand):
        """(top, is_max) over axis 0 of cand (K, ...), e.g. the K cells of every pooling
        window: top = max_k cand[k], is_max[k] = cand[k] ties top. Ties within 1e-12 of
        the largest magnitude max_k |cand[k]| count, for the same reason as in
        :meth:`positive` (that magnitude is top itself when no candidate is negative)."""
        top = cand.max(axis=0)
        size = top if cand.min(initial=0.0) >= 0 else np.maximum(top, -cand.min(axis=0))
        return top, cand >= top - TIE_TOLERANCE * size

    def matmul(self, a, b, out=None):
        """a @ b (numpy's matmul: batched over leading axes), into ``out`` if given."""
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
        """``value`` to ``digits`` significant digits, e.g. 0.9999816706."""
        return _tidy(f"{float(value):.{digits}g}")

    def exact_text(self, x):
        """Exact forms as nested lists of strings; None in float mode."""
        return None


class ExactNumeric(Numeric):
    """Rationals stay exact; e^x, log x and 1/x of non-rationals are exact symbols."""

    name = "exact"
    dtype = object

    _exp = np.frompyfunc(exact.exp, 1, 1)
    _log = np.frompyfunc(exact.log, 1, 1)
    _inv = np.frompyfunc(exact.inv, 1, 1)
    _float = np.frompyfunc(float, 1, 1)
    _text = np.frompyfunc(exact.to_text, 1, 1)

    def scalar(self, x):
        if isinstance(x, (Rational, Decimal)):
            return Fraction(x)
        if isinstance(x, float):
            return Fraction(x)  # a drawn float: its exact binary value
        return x

    def array(self, values) -> np.ndarray:
        arr = np.asarray(values, dtype=object)
        return np.asarray(np.frompyfunc(self.scalar, 1, 1)(arr), dtype=object).reshape(arr.shape)

    def zeros(self, shape):
        return np.full(shape, Fraction(0), dtype=object)

    def _apply(self, fn, x):
        return np.asarray(fn(np.asarray(x, dtype=object)), dtype=object)

    def exp(self, x):
        return self._apply(self._exp, x)

    def log(self, x):
        return self._apply(self._log, x)

    def softmax(self, z, axis=-1):
        e = self.exp(z)
        return e * self._apply(self._inv, e.sum(axis=axis, keepdims=True))

    def log_sum_exp(self, z, axis=-1):
        return self.log(self.exp(z).sum(axis=axis))

    def sigmoid(self, x):
        return self._apply(self._inv, 1 + self.exp(-np.asarray(x, dtype=object)))

    def softplus(self, x):
        return self.log(1 + self.exp(x))

    def positive(self, x, or_zero=False):
        return np.asarray(x >= 0 if or_zero else x > 0, dtype=bool)

    def maxima(self, cand):
        top = cand.max(axis=0)
        return top, np.asarray(cand == top, dtype=bool)

    def matmul(self, a, b, out=None):
        """Exact a @ b as integer products over common denominators (tracer.scaled)."""
        if out is None:
            return scaled.matmul(a, b)
        out[...] = scaled.matmul(a, b)
        return out

    def linear(self, fn, x):
        return scaled.linear(fn, x)

    def scatter_add(self, values, index, length):
        return self.linear(lambda v: _add_at(v, index, length), values)

    def to_float(self, x):
        return scaled.to_float(x)

    def format(self, value, digits: int) -> str:
        """Same layout as float mode (Python's 'g'), from a value good to digits + 5."""
        approx = mpmath.nstr(exact.evaluate(value, digits + 5), digits + 5,
                             min_fixed=-mpmath.inf, max_fixed=mpmath.inf)
        with localcontext(prec=digits):
            rounded = +Decimal(approx)
        if rounded == 0:
            return "0"
        if -4 <= rounded.adjusted() < digits:  # the rule of Python's 'g' for floats
            return _tidy(format(rounded, "f"))
        return _tidy(format(rounded, f".{digits - 1}e"))

    def exact_text(self, x):
        arr = np.asarray(x, dtype=object)
        return np.asarray(self._text(arr), dtype=object).tolist() if arr.ndim else exact.to_text(arr.item())


class ApproxNumeric(ExactNumeric):
    """mpmath numbers at 60 significant digits: for checks on exact traces whose exact
    forms would be huge (the loss after the update re-runs the network on parameters
    that are sums of symbols). Their text starts with '≈'."""

    name = "approx"
    DIGITS = 60

    def scalar(self, x):
        if isinstance(x, mpmath.mpf):
            return x
        return exact.evaluate(ExactNumeric.scalar(self, x), self.DIGITS)

    _mp_exp = np.frompyfunc(mpmath.exp, 1, 1)
    _mp_log = np.frompyfunc(mpmath.log, 1, 1)

    def zeros(self, shape):
        return np.full(shape, mpmath.mpf(0), dtype=object)

    def matmul(self, a, b, out=None):
        return np.matmul(a, b, out=out)

    def linear(self, fn, x):
        return fn(x)

    def scatter_add(self, values, index, length):
        return _add_at(values, index, length)

    def exp(self, x):
        return self._apply(self._mp_exp, x)

    def log(self, x):
        return self._apply(self._mp_log, x)

    def softmax(self, z, axis=-1):
        e = self.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def log_sum_exp(self, z, axis=-1):
        top = z.max(axis=axis, keepdims=True)
        return (top + self.log(self.exp(z - top).sum(axis=axis, keepdims=True))).squeeze(axis)

    def sigmoid(self, x):
        return 1 / (1 + self.exp(-np.asarray(x, dtype=object)))


def _add_at(values, index, length):
    """Numeric.scatter_add for object arrays (numpy's bincount takes floats only)."""
    out = np.zeros(length, dtype=values.dtype)
    np.add.at(out, index, values.ravel())
    return out


def _tidy(text: str) -> str:
    """Uniform number text for both modes: no '+' or leading zeros in exponents."""
    if "e" in text:
        mantissa, power = text.split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}e{int(power)}"
    elif "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


FLOAT = Numeric()
EXACT = ExactNumeric()
APPROX = ApproxNumeric()


def backend(mode: str) -> Numeric:
    """The backend named ``mode`` ('float' or 'exact')."""
    try:
        return {"float": FLOAT, "exact": EXACT, "approx": APPROX}[mode]
    except KeyError:
        raise ValueError(f"numeric mode must be 'float' or 'exact', got {mode!r}") from None
