"""A number as a student wrote it: its exact value and the precision its text shows.

``0.24`` is the value 24/100 written to the hundredths (last digit at 10^-2); ``28/5`` is
an exact fraction (no rounding implied); ``-0.`` is zero written to the units.
A power of ten may be written as the handouts print it: ``9.555×10⁻²``, ``9.555x10^-2``
or ``9.555 × 10^(-2)`` read exactly as ``9.555e-2`` (4 digits written); ``−`` (U+2212)
is a minus. The text is kept, so the tolerance can follow what was written.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from ..present.document import Para
from .reasons import english, reason

_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_FRACTION = re.compile(r"^([+-]?\d+)\s*/\s*([+-]?\d+)$")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-",
                              "\uff0b": "+", "\uff0e": ".", "\uff0c": ",",  # full-width
                              **{chr(0xFF10 + d): str(d) for d in range(10)}})
# what says a number is rounded, as the handouts print it (≈ 0.8022) or a student writes
# it (0.1978..., 약 0.15): the digits written say that already
_ABOUT = re.compile(r"^(≈|≃|~|약)")
_DIGITS_FOLLOW = re.compile(r"(\.\.\.|…)$")
_TIMES = "×xX*·⋅"  # between a mantissa and 10: 9.555×10⁻², 9.555x10^-2, 9.555*10**-2
_RAISED_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_RAISED = str.maketrans(_RAISED_DIGITS + "⁺⁻", "0123456789+-")
_EXPONENT = r"[+-]?\d+"
_POWER_OF_TEN = re.compile(
    rf"^(?P<mantissa>[+-]?(\d+\.?\d*|\.\d+))[{_TIMES}]10"
    rf"((\^|\*\*)(?P<typed>{_EXPONENT}|\({_EXPONENT}\)|\{{{_EXPONENT}\}})"
    rf"|(?P<raised>[⁺⁻]?[{_RAISED_DIGITS}]+))$")
_BARE_WHOLE = re.compile(r"^[+-]?\d+$")
LARGEST = Fraction(sys.float_info.max)


class NotANumber(ValueError):
    """The text is not a number the checker can read; ``reason`` says why (the message
    in English)."""

    def __init__(self, why: Para):
        super().__init__(english(why))
        self.reason = why


@dataclass(frozen=True)
class Written:
    """A written number.

    ``value``: the exact value of the text; ``place``: the power of ten of the last
    written digit (0.24 -> -2, 11 -> 0, 1.85e-5 -> -7), or None for an exact fraction.
    """

    text: str
    value: Fraction
    place: int | None

    def __float__(self) -> float:
        return float(self.value)

    @property
    def unit(self) -> Fraction | None:
        """One unit in the last written place, u = 10^place (None for fractions)."""
        return None if self.place is None else Fraction(10) ** self.place

    @property
    def bare_zero(self) -> bool:
        """A zero written without a decimal point or exponent ("0", "-0"): exactly zero."""
        return self.value == 0 and self.place == 0 and \
            bool(_BARE_WHOLE.match(_clean(self.text, dots=False)))  # not "0..."

    @property
    def placeholder_zeros(self) -> int:
        """The trailing zeros of a whole number written without a point or exponent
        (2 for "135600"): they may hold places, as 135600 for 1.356×10⁵, or be digits."""
        clean = _clean(self.text, dots=False)  # 135600... has its digits written
        if self.value == 0 or not _BARE_WHOLE.match(clean):
            return 0
        return len(clean) - len(clean.rstrip("0"))

    @property
    def significant_digits(self) -> int | None:
        """Digits from the first nonzero one to the last written one (0 for zeros)."""
        if self.place is None:
            return None
        scaled = abs(self.value) / self.unit  # a whole number: the digits as written
        return len(str(int(scaled))) if scaled else 0


def parse_written(text: str) -> Written:
    """Read a decimal ("0.24", "-1.8e-5", ".5", "-0.", "1.846×10⁻⁵") or a fraction
    ("28/5").

    Raises :class:`NotANumber` with a short reason.
    """
    clean = _clean(text)
    if _DECIMAL.match(clean):
        return _decimal(text, clean)
    scientific = _e_notation(clean)
    if scientific is not None:
        return _decimal(text, scientific)
    fraction = _FRACTION.match(clean)
    if fraction:
        return _fraction(text, *fraction.groups())
    raise NotANumber(_why_not(clean, str(text).strip()))


def _clean(text: str, dots: bool = True) -> str:
    """The text with plain minus signs, full-width digits, point and comma as ASCII, no spaces
    (thin and no-break ones too: a number copied from the HTML or PDF handout) and no mark
    of rounding (≈ 0.8022, 약 0.15; with ``dots``, 0.1978... too: without, the dots stay,
    to say that more digits follow a whole number's last zeros)."""
    clean = _ABOUT.sub("", re.sub(r"\s+", "", str(text).translate(_MINUS_SIGNS)))
    return _DIGITS_FOLLOW.sub("", clean) if dots else clean


def unmarked(text: str) -> str:
    """``text`` as read for its digits: without spaces and marks of rounding."""
    return _clean(text)


def _e_notation(clean: str) -> str | None:
    """'9.555×10⁻²', '9.555x10^-2', '9.555*10^(-2)' -> '9.555e-2' (None if not such)."""
    match = _POWER_OF_TEN.match(clean)
    if match is None:
        return None
    exponent = (match["typed"] or match["raised"].translate(_RAISED)).strip("(){}")
    return f"{match['mantissa']}e{exponent}"


def _decimal(text: str, clean: str) -> Written:
    try:
        number = Decimal(clean)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise NotANumber(reason("not_a_number", text=repr(text))) from None
    exponent = number.as_tuple().exponent
    if abs(exponent) > 400 or abs(number.adjusted()) > 400:
        raise NotANumber(reason("float_range", text=repr(text)))
    value = Fraction(number)
    if abs(value) > LARGEST:
        raise NotANumber(reason("float_range", text=repr(text)))
    return Written(str(text).strip(), value, exponent)


def _fraction(text: str, numerator: str, denominator: str) -> Written:
    if all(unicodedata.digit(c) == 0 for c in denominator.lstrip("+-")):  # 0, however
        raise NotANumber(reason("divides_by_zero", text=repr(text)))  # many digits, ٠ too
    if len(numerator) > 400 or len(denominator) > 400:
        raise NotANumber(reason("float_range", text=repr(text)))
    value = Fraction(int(numerator), int(denominator))
    if abs(value) > LARGEST:
        raise NotANumber(reason("float_range", text=repr(text)))
    return Written(str(text).strip(), value, None)


def _why_not(clean: str, text: str) -> Para:
    lowered = clean.lower()
    if lowered.lstrip("+-") in ("nan", "inf", "infinity", ".nan", ".inf"):
        return reason("not_finite", text=repr(clean))
    if re.fullmatch(r"[+-]?[1-9]\d{0,2}(,\d{3})+", clean):  # 135,600: thousands, or 135.6?
        whole = repr(clean.replace(",", ""))
        if clean.count(",") > 1:
            return reason("thousands", text=repr(clean), whole=whole)
        return reason("comma_either_way", text=repr(clean), whole=whole,
                      fixed=repr(clean.replace(",", ".")))
    if re.fullmatch(r"[+-]?\d+,\d+", clean):
        return reason("decimal_comma", text=repr(clean), fixed=repr(clean.replace(",", ".")))
    if clean.count(",") == 1 and (_e_notation(clean.replace(",", ".")) or re.fullmatch(
            r"[+-]?\d+,\d+[eE][+-]?\d+", clean)):  # 1,846×10⁻⁵ or 1,846e-5
        return reason("decimal_comma", text=repr(text), fixed=repr(text.replace(",", ".")))
    if re.fullmatch(r"[+-]?\d+\.?\d*%", clean):
        return reason("percentage", text=repr(clean), percent=clean[:-1],
                      number=str(Decimal(clean[:-1]) / 100))
    if "/" in clean:
        return reason("not_a_fraction", text=repr(clean))
    if re.search(rf"[{_TIMES}]10|\^|[{_RAISED_DIGITS}⁺⁻]", clean):
        return reason("power_of_ten", text=repr(text))
    return reason("not_a_number", text=repr(text))
