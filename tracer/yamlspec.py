"""YAML specs: PyYAML's safe loader with floats read as Decimal (exact mode sees 0.1 as
1/10) and duplicate keys refused, as TOML and the JSON reader do."""

from __future__ import annotations

import re
from decimal import Decimal

import yaml


class DecimalLoader(yaml.SafeLoader):
    """YAML with floats read as Decimal, like tomllib/json's parse_float, and duplicate
    keys refused, as TOML and our JSON reader do (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()  # keys written in this mapping; "<<: *anchor" may still override
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # unhashable: the base class reports it
                    break
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _yaml_float(loader, node):
    raw = loader.construct_scalar(node)
    text = raw.replace("_", "").lower()
    if text in (".nan",):
        return Decimal("nan")
    if text in (".inf", "+.inf", "-.inf"):
        return Decimal(text.replace(".", ""))
    try:
        return Decimal(text)
    except ArithmeticError:  # YAML 1.1 base-60 "1:30.5" or "!!float x": left as text,
        return raw  # so the field check names the field ("expected a number, got the text")


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
# YAML 1.1 (PyYAML) reads 1e-3, 2E+5 and 1.5e0 as text: a float needs a dot and a signed
# exponent there. YAML 1.2, TOML and JSON read them as numbers, and so do we. Appended
# after PyYAML's resolvers, so ints, 1.1 floats, timestamps stay as they were.
DecimalLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


class YAMLSyntaxError(ValueError):
    """PyYAML's error as a ValueError (its callers need not import yaml), with the
    problem and where it was found (:func:`tracer.errors.parse_detail`)."""

    def __init__(self, err: yaml.YAMLError):
        super().__init__(str(err))
        self.problem = getattr(err, "problem", None) or str(err)
        self.problem_mark = getattr(err, "problem_mark", None)
        self.context = getattr(err, "context", None)
        self.position = getattr(err, "position", None)  # the reader's: no mark


def load_yaml(text: str):
    """Parse YAML text; syntax errors come out as :class:`YAMLSyntaxError`."""
    try:
        return yaml.load(text, Loader=DecimalLoader)  # noqa: S506 (a safe loader subclass)
    except yaml.YAMLError as err:
        raise YAMLSyntaxError(err) from None
