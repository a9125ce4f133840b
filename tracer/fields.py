"""One spec field checked: a number, an array, a choice, the keys of a table. Each error
names the field (``layers[0].weight[1][2]``) and what was expected."""

from __future__ import annotations

import sys
from decimal import Decimal

from .errors import Said, SpecError, either


def is_number(x) -> bool:
    return isinstance(x, (int, Decimal, float)) and not isinstance(x, bool)


# float mode must hold every number (and exact mode not build 10**(10**9) for 1e-999999999)
LARGEST = Decimal(sys.float_info.max)
SMALLEST = Decimal(sys.float_info.min * sys.float_info.epsilon)  # 4.9E-324, subnormal


def number(value, where: str, *, positive=False, integer=False, minimum=None):
    """Check one finite number; return it as int or Decimal."""
    if not is_number(value):
        raise SpecError.said("spec.number", where=where, got=described(value))
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise SpecError.said("spec.finite", where=where, got=value)
    size = Decimal(value).copy_abs()  # copy_abs: exact, no context (1e999999999 overflows abs)
    if size > LARGEST or 0 < size < SMALLEST:
        raise SpecError.said("spec.float_range", where=where, smallest=f"{SMALLEST:.1E}",
                             largest=f"{LARGEST:.4E}", got=f"{Decimal(value):.4E}")
    if integer:
        if value != int(value):
            raise SpecError.said("spec.integer", where=where, got=value)
        value = int(value)
    if positive and value <= 0:
        raise SpecError.said("spec.positive", where=where, got=value)
    if minimum is not None and value < minimum:
        raise SpecError.said("spec.minimum", where=where, minimum=minimum, got=value)
    return value


def array(value, where: str, ndims: tuple[int, ...]):
    """Check a rectangular array of finite numbers with one of ``ndims`` dimensions.

    Returns (nested tuples, shape).
    """
    def walk(v, path):
        if isinstance(v, (list, tuple)):
            if not v:
                raise SpecError.said("spec.empty_list", where=where,
                                     at=path or Said("error.spec.top"))
            items = [walk(item, f"{path}[{i}]") for i, item in enumerate(v)]
            shapes = {s for _, s in items}
            if len(shapes) > 1:
                raise SpecError.said("spec.ragged", where=where,
                                     at=path or Said("error.spec.top"))
            return tuple(t for t, _ in items), (len(v),) + shapes.pop()
        return number(v, f"{where}{path}"), ()

    try:
        nested, shape = walk(value, "")
    except RecursionError:  # '[' * 500 (JSON reads up to ~1000 levels)
        raise SpecError.said("spec.too_deep_array", where=where, most=max(ndims)) from None
    if len(shape) not in ndims:
        allowed = either(*(Said("error.spec.dims", {"count": d}) if d else
                           Said("error.spec.single_number") for d in ndims))
        raise SpecError.said("spec.ndims", where=where, allowed=allowed, got=shape_said(shape))
    return nested, shape


def shape_text(shape) -> str:
    said = shape_said(shape)
    return said.text("en") if isinstance(said, Said) else said


def shape_said(shape) -> Said | str:
    """A shape as '(2, 3)', or 'a single number' (said in any language)."""
    return "(" + ", ".join(map(str, shape)) + ")" if shape else Said("error.spec.single_number")


def describe(value) -> str:
    """What a value is, in English: 'the text 'abc'', 'a list of 3', 'a table'."""
    said = described(value)
    return said.text("en") if isinstance(said, Said) else said


def described(value) -> Said | str:
    """What a value is, said in any language (for 'expected ..., got <this>')."""
    if isinstance(value, str):
        return Said("error.describe.text", {"value": repr(value)})
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return Said("error.describe.nothing")
    if is_number(value):
        return Said("error.describe.number", {"value": value})
    if isinstance(value, list):
        return Said("error.describe.list", {"count": len(value)}) if value else \
            Said("error.describe.empty_list")
    if isinstance(value, dict):
        return Said("error.describe.table")
    return type(value).__name__


def choice(value, where, choices):
    if value not in choices or isinstance(value, bool):
        listed = ", ".join(repr(c) for c in choices)
        raise SpecError.said("spec.choice", where=where, choices=listed, got=described(value))
    return value


def unknown_keys(data: dict, allowed: set, where: str):
    for key in data:
        if key not in allowed:
            raise SpecError.said("spec.unknown_key", where=where, key=repr(key),
                                 hint=did_you_mean(key, allowed),
                                 allowed=", ".join(sorted(allowed)))


def did_you_mean(word, candidates) -> Said | str:
    """' (did you mean 'x'?)' for the closest of ``candidates``, or ''."""
    hint = closest(word, candidates)
    return Said("error.did_you_mean", {"name": repr(hint)}) if hint else ""


def closest(word, candidates):
    import difflib
    match = difflib.get_close_matches(str(word), sorted(candidates), n=1, cutoff=0.6)
    return match[0] if match else None
