"""When a written number counts as a given true value.

Default: the tolerance follows what was written. With u = 10^place one unit in the
last written digit, a written w is right for the true t when

* w is t rounded to that digit:      |w - t| <= u / 2, or
* w is t truncated to that digit:    |w| <= |t| < |w| + u with the same sign,

so the last digit may be one off toward zero, as when a student truncates. A bare
"0" (no decimal point) means exactly zero (|t| <= 1e-9, float noise): on a hand-worked
sheet it says "nothing here" (a masked gradient), not "rounded to the units"; "0.00"
is a rounded value like any other. 0.24 is
right for 0.2447 (rounded and truncated alike), 0.25 is not (|0.25 - 0.2447| > 0.005
and 0.25 > 0.2447). A value written with more digits must match to those digits. An
exact fraction ("28/5") must match to float precision.

With ``rtol``/``atol`` (either one given) the written precision is ignored:
|w - t| <= atol + rtol |t|, as numpy.isclose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .written import Written

FLOAT_SLACK = Fraction(1, 10**12)  # relative: a float truth carries rounding error
ZERO = Fraction(1, 10**9)  # a bare "0" matches |t| <= 1e-9


@dataclass(frozen=True)
class Tolerance:
    """How close a written number must be; ``rtol``/``atol`` None = follow the writing."""

    rtol: float | None = None
    atol: float | None = None

    @property
    def overridden(self) -> bool:
        return self.rtol is not None or self.atol is not None

    def matches(self, written: Written, true: float) -> bool:
        """Does ``written`` count as the true value ``true``? (NaN and inf never match.)"""
        if not math.isfinite(true):
            return False
        if self.overridden:
            return within_absolute_relative(written, true, self.atol or 0.0, self.rtol or 0.0)
        return within_written_precision(written, true)

    def describe(self) -> str:
        if not self.overridden:
            return "to the digits written (rounded or truncated)"
        return f"|given - expected| <= {self.atol or 0:g} + {self.rtol or 0:g} |expected|"


def within_written_precision(written: Written, true: float) -> bool:
    """|w - t| <= u/2 (rounded), or |w| <= |t| < |w| + u with one sign (truncated);
    a fraction: |w - t| <= 1e-12 |t| (+1e-300), i.e. equal to float precision;
    a bare "0": |t| <= 1e-9. A whole number's trailing zeros may hold places (135600 for
    135581.83, printed 1.356×10⁵) where the true value is not whole, as long as three
    significant digits remain (270000 is 270 thousand): 10 is not right for 13.7, nor
    200 for 270.4."""
    if _within(written, written.place, true):
        return True
    if not written.placeholder_zeros or _is_whole(true):
        return False
    # as many zeros as leave three significant digits (270000: 270 thousand)
    zeros = min(written.placeholder_zeros, written.significant_digits - PLACEHOLDER_DIGITS)
    return zeros > 0 and _within(written, written.place + zeros, true)


PLACEHOLDER_DIGITS = 3  # 135600, 270000 and 1300 hold places; 10 for 13.7, 200 for 270.4 do not


def _is_whole(true: float) -> bool:
    return math.isfinite(true) and abs(true - round(true)) <= 1e-9 * max(1.0, abs(true))


def _within(written: Written, place: int | None, true: float) -> bool:
    """:func:`within_written_precision` with the last written digit at 10^place."""
    if place is not None and not written.bare_zero:
        clear = _clear_case(float(written.value), true, 10.0 ** place)
        if clear is not None:
            return clear
    t = Fraction(true)
    slack = FLOAT_SLACK * abs(t) + Fraction(1, 10**300)
    gap = abs(written.value - t)
    if place is None:
        return gap <= slack
    if written.bare_zero:
        return gap <= ZERO
    unit = Fraction(10) ** place
    if gap <= unit / 2 + slack:
        return True
    same_side = written.value == 0 or (written.value > 0) == (t > 0)
    return same_side and abs(written.value) <= abs(t) + slack and gap < unit - slack


def _clear_case(w: float, t: float, unit: float) -> bool | None:
    """The float verdict when it is far from every boundary (gap < 0.49 u: rounded;
    gap > 1.01 u: neither), else None (decided exactly)."""
    gap = abs(w - t)
    if gap < 0.49 * unit:
        return True
    if gap > 1.01 * unit:
        return False
    return None


def within_absolute_relative(written: Written, true: float, atol: float, rtol: float) -> bool:
    """|w - t| <= atol + rtol |t| (in exact arithmetic on the written value), up to the
    float truth's own rounding (1e-12 |t|): with --rtol 0, 5.6 is right for the float
    nearest to 5.6; a bare "0" for |t| <= 1e-9, as without them."""
    t = Fraction(true)
    if written.bare_zero and abs(t) <= ZERO:  # a true 0 computed as float noise
        return True
    return abs(written.value - t) <= Fraction(atol) + (Fraction(rtol) + FLOAT_SLACK) * abs(t)


def round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Each entry rounded to ``digits`` significant digits, but never to fewer than
    its whole part (11 stays 11, 270.43 -> 270, 0.99998 -> 1, 1.85e-5 -> 2e-5 for 1
    digit), as a hand calculation rounds; 0, NaN and inf unchanged."""
    flat = np.asarray(values, dtype=np.float64)
    out = np.empty_like(flat)
    for index, x in np.ndenumerate(flat):
        if not math.isfinite(x) or x == 0:
            out[index] = x
            continue
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
        out[index] = round(x, decimals)
    return out
