"""One spec field checked: a number, an array, a choice, the keys of a table. Each error
names the field (``layers[0].weight[1][2]``) and what was expected."""

from __future__ import annotations

import sys
from decimal import Decimal

from .errors import SpecError


def is_number(x) -> bool:
    return isinstance(x, (int, Decimal, float)) and not isinstance(x, bool)


# float mode must hold every number (and exact mode not build 10**(10**9) for 1e-999999999)
LARGEST = Decimal(sys.float_info.max)
SMALLEST = Decimal(sys.float_info.min * sys.float_info.epsilon)  # 4.9E-324, subnormal


def number(value, where: str, *, positive=False, integer=False, minimum=None):
    """Check one finite number; return it as int or Decimal."""
    if not is_number(value):
        raise SpecError(f"{where}: expected a number, got {describe(value)}")
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise SpecError(f"{where}: expected a finite number, got {value}")
    size = Decimal(value).copy_abs()  # copy_abs: exact, no context (1e999999999 overflows abs)
    if size > LARGEST or 0 < size < SMALLEST:
        raise SpecError(f"{where}: expected a number within the float64 range "
                        f"({SMALLEST:.1E} to {LARGEST:.4E} in size, or 0), got "
                        f"{Decimal(value):.4E}")
    if integer:
        if value != int(value):
            raise SpecError(f"{where}: expected an integer, got {value}")
        value = int(value)
    if positive and value <= 0:
        raise SpecError(f"{where}: expected a positive number, got {value}")
    if minimum is not None and value < minimum:
        raise SpecError(f"{where}: expected a number >= {minimum}, got {value}")
    return value


def array(value, where: str, ndims: tuple[int, ...]):
    """Check a rectangular array of finite numbers with one of ``ndims`` dimensions.

    Returns (nested tuples, shape).
    """
    def walk(v, path):
        if isinstance(v, (list, tuple)):
            if not v:
                raise SpecError(f"{where}: expected a non-empty array, found an empty list "
                                f"at {path or 'the top'}")
            items = [walk(item, f"{path}[{i}]") for i, item in enumerate(v)]
            shapes = {s for _, s in items}
            if len(shapes) > 1:
                raise SpecError(f"{where}: expected a rectangular array; rows of different "
                                f"lengths at {path or 'the top'}")
            return tuple(t for t, _ in items), (len(v),) + shapes.pop()
        return number(v, f"{where}{path}"), ()

    nested, shape = walk(value, "")
    if len(shape) not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims).replace("0-D", "a single number")
        raise SpecError(f"{where}: expected {allowed}, got shape {shape_text(shape)}")
    return nested, shape


def shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ")" if shape else "a single number"


def describe(value) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "nothing"
    if is_number(value):
        return f"the number {value}"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def choice(value, where, choices):
    if value not in choices or isinstance(value, bool):
        listed = ", ".join(repr(c) for c in choices)
        raise SpecError(f"{where}: expected one of {listed}, got {describe(value)}")
    return value


def unknown_keys(data: dict, allowed: set, where: str):
    for key in data:
        if key not in allowed:
            hint = closest(key, allowed)
            raise SpecError(f"{where}: unknown key {key!r}"
                            + (f" (did you mean {hint!r}?)" if hint else "")
                            + f"; allowed: {', '.join(sorted(allowed))}")


def closest(word, candidates):
    import difflib
    match = difflib.get_close_matches(str(word), sorted(candidates), n=1, cutoff=0.6)
    return match[0] if match else None
