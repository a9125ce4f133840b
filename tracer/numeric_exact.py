"""The exact backends (see :mod:`tracer.numeric`): rationals as Fractions with e^x,
log x and 1/x as exact symbols, and 60-digit mpmath numbers for the loss after the
update. Imported on first use (it loads mpmath)."""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, ROUND_05UP, Decimal, getcontext, localcontext
from fractions import Fraction
from numbers import Rational

import mpmath
import numpy as np

from . import exact, scaled
from .errors import CnnTraceError
from .numeric import Numeric, decimal_text, whole_text

EXP_LIMIT = 10**7  # e^x to 10^(4.3 million); far beyond, evaluating runs out of memory


class ExactRangeError(CnnTraceError, OverflowError):
    """A value too large for exact mode's e^x (float mode gives inf there)."""


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
        """e^x as exact symbols, for |x| <= EXP_LIMIT (else ExactRangeError)."""
        x = np.asarray(x, dtype=object)
        for value in x.ravel():
            if abs(value if isinstance(value, Rational) else exact.evaluate(value, 3)) > EXP_LIMIT:
                raise ExactRangeError(f"exact mode: e^x for x = "
                                      f"{mpmath.nstr(exact.evaluate(value, 3), 3)} is beyond its "
                                      f"range (|x| <= {EXP_LIMIT}); use float mode")
        return self._apply(self._exp, x)

    def log(self, x):
        return self._apply(self._log, x)

    def softmax(self, z, axis=-1):
        e = self.exp(z)
        return e * self._apply(self._inv, e.sum(axis=axis, keepdims=True))

    def log_sum_exp(self, z, axis=-1):
        return self.log(self.exp(z).sum(axis=axis))

    def log_softmax(self, z):
        """z - log sum_j e^{z_j} over the last axis: exact, nothing lost to cancellation."""
        return z - self.log_sum_exp(z)[..., None]

    def complement(self, p, rest):
        return 1 - p

    def minus(self, y_hat, y, rest):
        return y_hat - y

    def sigmoid(self, x):
        return self._apply(self._inv, 1 + self.exp(-np.asarray(x, dtype=object)))

    def softplus(self, x):
        return self.log(1 + self.exp(x))

    def positive(self, x, or_zero=False):
        return np.asarray(x >= 0 if or_zero else x > 0, dtype=bool)

    def maxima(self, cand):
        """Ties by numeric order (c >= top, i.e. sign(c - top) = 0), not by the form:
        sigma(2) + sigma(-2) ties with 1 although one is symbolic."""
        top = cand.max(axis=0)
        return top, np.asarray(cand >= top, dtype=bool)

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
        """As float mode (halves away from zero, Python's 'g' layout, trailing zeros
        where the value is rounded: 0.3100), from the value to digits + 20 (rationals:
        exact when the decimal ends by then) or + 10 digits."""
        whole = whole_text(value) if isinstance(value, Rational) else None
        if whole is not None:  # as float mode: a whole number prints in full
            return whole
        # ROUND_05UP: no double rounding near a half (rounded to nearest at digits + 10,
        # 1.0499999999982879 is 1.05000000000, which then rounds to 1.1, not 1.0)
        with localcontext(prec=digits + (20 if isinstance(value, Rational) else 10),
                          rounding=ROUND_05UP, Emax=MAX_EMAX, Emin=MIN_EMIN):
            if isinstance(value, Rational):
                near = Decimal(int(value.numerator)) / Decimal(int(value.denominator))
            else:
                near = _decimal(exact.evaluate(value, digits + 10))
        rounded = decimal_text(near, digits, zeros=True)
        held = Fraction(Decimal(rounded)) == value if isinstance(value, Rational) \
            else Decimal(rounded) == near  # e.g. a symbolic 1/2, evaluated
        return decimal_text(near, digits) if held else rounded

    def exact_text(self, x):
        arr = np.asarray(x, dtype=object)
        if not arr.ndim:
            return exact.to_text(arr.item())
        return np.asarray(self._text(arr), dtype=object).tolist()


def _decimal(x: mpmath.mpf) -> Decimal:
    """An mpmath number as a Decimal rounded in the current context, from as many digits
    as its mantissa holds, and two more (mpmath rounds those to nearest; the context's
    rounding, ROUND_05UP, then never turns 1.04999999999829 into a half, as 1.05000000000
    would be). Not from its exact binary value: e^-1000000 is a mantissa times
    2^-1442695."""
    if not mpmath.isfinite(x):
        return Decimal(str(x).replace("+", ""))
    digits = max(getcontext().prec, len(str(x.man_exp[0]))) + 2  # all the mantissa's
    return +Decimal(mpmath.nstr(x, digits, min_fixed=1, max_fixed=0))


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



EXACT = ExactNumeric()
APPROX = ApproxNumeric()
