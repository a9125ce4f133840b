"""Written numbers and the tolerance that follows the digits written."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tracer.check.tolerance import Tolerance, round_significant
from tracer.check.written import NotANumber, parse_written

DEFAULT = Tolerance()


@pytest.mark.parametrize("text,value,place,digits", [
    ("0.24", Fraction(6, 25), -2, 2),
    ("11", Fraction(11), 0, 2),
    ("-0.", Fraction(0), 0, 0),
    (".5", Fraction(1, 2), -1, 1),
    ("0.00002", Fraction(1, 50000), -5, 1),
    ("1.8458e-5", Fraction(18458, 10**9), -9, 5),
    ("1.20", Fraction(6, 5), -2, 3),
    ("\u22120.5", Fraction(-1, 2), -1, 1),  # a typographic minus
    (" 28 / 5 ", Fraction(28, 5), None, None),
    ("-53/10", Fraction(-53, 10), None, None),
])
def test_written_numbers_keep_value_and_precision(text, value, place, digits):
    written = parse_written(text)
    assert (written.value, written.place, written.significant_digits) == (value, place, digits)
    assert written.text == text.strip()


@pytest.mark.parametrize("text,reason", [
    ("abc", "not a number"), ("0,24", "decimal comma"), ("5%", "percentage"),
    ("135,600", r"reads two ways: write '135600' \(a thousands separator\) or '135.600'"),
    ("1,234,567", "has thousands separators; write '1234567'"),
    ("0,125", "'0,125' uses a decimal comma; write '0.125'"),  # no thousands reading
    ("-0,250", "uses a decimal comma; write '-0.250'"),
    ("1/0", "divides by zero"), ("nan", "not a finite"), ("-inf", "not a finite"),
    ("1e999", "float64 range"), ("1.5/2", "fraction of two whole numbers"), ("", "not a number"),
])
def test_unreadable_numbers_say_why(text, reason):
    with pytest.raises(NotANumber, match=reason):
        parse_written(text)


@pytest.mark.parametrize("text,true,ok", [
    ("0.24", 0.2447, True),      # rounded to what was written
    ("0.25", 0.2447, False),     # the example: not 0.2447 to 2 decimals
    ("0.24", 0.2457, True),      # truncated: the last digit one toward zero
    ("0.25", 0.2457, True),      # rounded
    ("0.23", 0.2457, False),
    ("-0.24", -0.2457, True),    # truncation toward zero for negatives
    ("-0.25", -0.2447, False),
    ("0.2447", 0.2447, True),
    ("0.2450", 0.2447, False),   # more digits written: must match to those digits
    ("0.245", 0.2447, True),
    ("5.5", 5.6, False),         # 5.6 is 5.5999... in binary: still not truncated to 5.5
    ("-0.00006", -5.5374e-5, True),
    ("0.00022", 2.0304e-4, False),
    ("0.500022", 0.5000203, False),
    ("28/5", 5.6, True),         # an exact fraction matches to float precision
    ("28/5", 5.6000001, False),
    ("0", 1.8e-6, False),        # a bare zero means zero
    ("0", 1e-17, True),          # ... up to float noise
    ("0.00", 0.004, True),       # a zero with decimals is rounded like any number
    ("-0.", 0.0, True),
    ("11", 11.3, True),
    ("1.8458e-5", 1.84578933e-5, True),
    ("1.8457e-5", 1.84578933e-5, True),   # truncated
    ("1.8459e-5", 1.84578933e-5, False),
    # a whole number's trailing zeros hold places where the true value is not whole
    ("135600", 135581.83, True),  # e^z printed 1.356×10⁵
    ("-135600", -135581.83, True),
    ("135700", 135581.83, False),
    ("135580", 135581.83, True),
    ("135600", 135581.0, False),  # a whole truth: 135600 means its six digits
    ("10", 13.0, False),          # as 10 for a convolution's 13
    ("130", 134.0, False),
    ("10", 5.6, False),           # too few digits before the zeros to hold places
    ("10", 13.7, False),
    ("200", 270.43, False),
    ("1000", 1999.5, False),
    ("1350", 1348.7, True),       # three digits before the zero
    ("270400", 270426.5, True),
    ("270000", 269981.2, True),   # zeros hold places down to three significant digits
    ("1300", 1302.4, True),
    ("10000", 9996.1, True),
    ("1000", 1004.3, True),
    ("1000", 1006.1, True),       # cut to three digits: 1000 <= t < 1010
    ("1000", 1011.0, False),
    ("100", 51.2, False),
])
def test_default_tolerance_follows_the_written_digits(text, true, ok):
    assert DEFAULT.matches(parse_written(text), true) is ok


def test_nan_and_inf_never_match():
    assert not DEFAULT.matches(parse_written("1"), float("nan"))
    assert not DEFAULT.matches(parse_written("1"), float("inf"))


@pytest.mark.parametrize("rtol,atol,text,true,ok", [
    (1e-3, None, "0.25", 0.2447, False),
    (0.03, None, "0.25", 0.2447, True),
    (None, 0.01, "0.25", 0.2447, True),
    (None, 0.001, "0.2447", 0.2447, True),
    (None, 0.0, "0.24", 0.2447, False),   # an override ignores the written digits
    (0.0, 1e-9, "28/5", 5.6, True),
])
def test_rtol_and_atol_override_the_written_precision(rtol, atol, text, true, ok):
    tolerance = Tolerance(rtol=rtol, atol=atol)
    assert tolerance.overridden
    assert tolerance.matches(parse_written(text), true) is ok


def test_round_significant_keeps_whole_parts():
    values = np.array([11, 270.4264, 0.99998154, 1.8458e-5, -0.0049916, 0.0, 5.6])
    assert round_significant(values, 1).tolist() == [11, 270, 1.0, 2e-5, -0.005, 0.0, 6.0]
    assert round_significant(values, 3).tolist() == [11, 270, 1.0, 1.85e-5, -0.00499, 0.0, 5.6]
