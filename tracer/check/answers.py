"""Read answer files (YAML, JSON, TOML, CSV) into (key, raw value) pairs.

Numbers are kept as the text the student wrote (so the tolerance can follow it):
every leaf is a ``str`` (a number's text, or other text), ``None`` (blank: not
attempted), or something else the sheet reports as malformed (true, a date, ...).
Tables nest: ``conv1: {out: ...}`` is the key ``conv1.out``. Duplicate keys are kept
(as separate pairs, a repeated ``student`` as a second label) for the sheet to report.
A file that cannot be read at all raises :class:`AnswerFileError` (one line, naming the
file).

CSV: one ``id,value`` row per key; an optional header row ``id,value``; ``#`` comments;
the value may be a whole tensor in brackets (``conv1.out,[[5,7],[11,10]]``, or with its
rows split at ``;`` as MATLAB writes a matrix: ``"[5,7;11,10]"``, ``[5 7;11 10]``), and a
cell key's index commas need no quoting (``conv1.out[0,1,0],11``). A spreadsheet set to
a decimal comma saves ``id;value`` rows (``conv1.out[0,0,0];0,5``): when the first row
has two columns split at ``;`` but not at ``,``, every row is split at ``;`` and a
number's one comma is its decimal point; a tensor then lists its numbers with ``;``
(``dense1.out;[0,5; -1,25]``), and one without ``;`` (``[0,5]``) is read either way
(:class:`TwoReadings`): the checker keeps the reading with the quantity's shape.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import CnnTraceError, Said, parse_detail
from ..files import read_text
from ..present.document import Para
from .reasons import as_said, english, reason
from .written import unmarked

MAX_BYTES = 5_000_000
FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".csv": "csv"}
EXAMPLE = "conv1.out: [[5, 7], [11, 10]]"
STUDENT = "student"  # the key of the student label
VARIANT = "variant"  # the key of a class batch's variant id
BLANKS = "blanks"  # the key of the worksheet's blank selection (what the sheet asks)
FINGERPRINT = "fingerprint"  # the key of the spec's fingerprint (tracer.sheet.fingerprint)


class AnswerFileError(CnnTraceError, ValueError):
    """An answer file that cannot be used at all; the message names the file."""


class Pairs(list):
    """A mapping as written: a list of (key, value) pairs, duplicates kept."""


@dataclass
class AnswerFile:
    """The pairs of one file (tables flattened to dotted keys) and its student labels."""

    path: str
    pairs: list[tuple[str, object]] = field(default_factory=list)
    students: list[str] = field(default_factory=list)  # every `student` given
    variant: str | None = None  # the batch variant the sheet was made for
    blanks: str | None = None  # the sheet's --blank: asked cells left out count as missing
    fingerprint: str | None = None  # of the spec the sheet was made for

    @property
    def student(self) -> str | None:
        """The student label, if given once."""
        return self.students[0] if len(self.students) == 1 else None


# ------------------------------------------------------------------------ parsers
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present


class Token(str):
    """A scalar's text as a YAML answer file writes it. ``after_comma``: True right after
    a comma (the 99998 of 0,99998), False after a comma and a space (the 5 of [7, 5]),
    None after anything else (a row's first number)."""

    after_comma: bool | None = None


class _TextLoader(_BaseLoader):
    """YAML with numbers kept as their text and mappings kept as ordered pairs."""

    def construct_mapping(self, node, deep=False):  # noqa: ARG002 - always deep
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping, found {node.id}", node.start_mark)
        return Pairs((self._key(k), self.construct_object(v, deep=True))
                     for k, v in node.value)

    lines: list[str] | None = None  # the text, for where a scalar stands

    def construct_scalar(self, node):
        """A scalar's text, a :class:`Token` that knows whether a comma is right before it."""
        text = super().construct_scalar(node)
        mark = node.start_mark
        if self.lines is None or not 0 < mark.column <= len(self.lines[mark.line]):
            return text
        token, line, i = Token(text), self.lines[mark.line], mark.column - 1
        while i >= 0 and line[i] in " \t":  # back over the spaces only: long rows stay fast
            i -= 1
        if i >= 0 and line[i] == ",":
            token.after_comma = i == mark.column - 1
        return token

    def _key(self, node):
        if not isinstance(node, yaml.ScalarNode):  # a list or table as a key: name it only
            return f"({'a list' if isinstance(node, yaml.SequenceNode) else 'a table'})"
        key = self.construct_object(node, deep=True)
        return key if isinstance(key, str) else str(key)


def _number_text(loader, node):
    return loader.construct_scalar(node)


for _tag in ("int", "float"):
    _TextLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _number_text)
_TextLoader.add_constructor("tag:yaml.org,2002:map", _TextLoader.construct_mapping)


MAX_DEPTH = 100  # answer files nest a few levels; libyaml's composer crashes near 10^4


class TooDeep(yaml.YAMLError):
    """Lists or tables nested more than MAX_DEPTH levels."""


def parse_yaml(text: str):
    _check_nesting(text)
    loader = _TextLoader(text)
    loader.lines = text.splitlines()  # where a number stands (libyaml's marks hold no text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _check_nesting(text: str) -> None:
    """YAMLError if lists and tables nest deeper than MAX_DEPTH. libyaml builds the tree
    recursively in C (a crash, not an error, when too deep) but emits its events
    without recursion, so count those first."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        kind = type(event)
        if kind in _OPENS:
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep(f"nested more than {MAX_DEPTH} levels deep")
        elif kind in _CLOSES:
            depth -= 1


_OPENS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSES = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def parse_json(text: str):
    return json.loads(text, object_pairs_hook=Pairs, parse_float=str, parse_int=str,
                      parse_constant=str)


def parse_toml(text: str):
    data = tomllib.loads(text, parse_float=str)
    return _toml_pairs(data)


def _toml_pairs(value):
    if isinstance(value, dict):
        return Pairs((k, _toml_pairs(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_toml_pairs(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def parse_csv(text: str) -> Pairs:
    """``id,value`` (or ``id;value``) rows; see the module docstring."""
    pairs, separator = Pairs(), None
    for number, line in enumerate(text.splitlines(), start=1):
        row = line.strip()
        if not row or row.startswith("#"):
            continue
        separator = separator or csv_separator(row)
        key, value = split_row(row, separator)
        if value is not None:  # a spreadsheet's empty columns after the value: 0.2204,,
            value = value.rstrip(separator + " \t")
        if not pairs and key.lower() == "id" and (value or "").lower() == "value":
            continue  # the header
        if key == BLANKS and value and not _unquote(value).startswith("["):
            pairs.append((key, _unquote(value)))  # "conv1.out,relu1.out": one selection
            continue
        pairs.append((key, _csv_value(value, number, separator)))
    return pairs


def csv_separator(first_row: str) -> str:
    """';' when the first row's first ',' or ';' outside brackets is a semicolon ('id;value',
    'conv1.out[0,0];5', 'softmax1.sum;8,13' with a decimal comma); else ','."""
    key, _ = split_row(first_row)
    return ";" if split_row(key, ";")[1] is not None else ","


def split_row(row: str, separator: str = ",") -> tuple[str, str | None]:
    """Split at the first separator outside brackets: 'conv1.out[0,1,0],11' -> key, '11'."""
    depth = 0
    for i, char in enumerate(row):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == separator and depth == 0:
            return _unquote(row[:i]), row[i + 1:].strip()
    return _unquote(row), None


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


class TwoReadings(list):
    """A semicolon CSV's tensor without semicolons, [5,7]: its commas separate numbers, or
    are decimal commas (``decimal``: [5.7]); the checker keeps the reading whose shape
    fits the quantity, this one first."""

    def __init__(self, values: list, decimal):
        super().__init__(values)
        self.decimal = decimal


class CsvValue(str):
    """A CSV value that could not be read: its text is the reason in English, ``reason``
    the sentence."""

    reason: Para

    def __new__(cls, why: Para):
        value = super().__new__(cls, english(why))
        value.reason = why
        return value


def _csv_value(value: str | None, line: int, separator: str = ","):
    semicolon = "csv_semicolon_" if separator == ";" else "csv_"
    if value is None:
        return CsvValue(reason(f"{semicolon}one_column", line=line))
    quoted = value != _unquote(value)  # "1,846e-5": its separator is no column break
    value = _unquote(value)
    if separator == ";" and value.startswith("[") and ";" in value:
        # the spreadsheet's list separator: [5,6; -5,3] is [5.6, -5.3]
        value = value.replace(",", ".").replace(";", ",")
    elif separator == ";" and value.startswith("[") and "," in value and "." not in value:
        try:  # [5,7] is [5, 7], or [5.7] where the quantity holds one number
            decimal = parse_yaml(value.replace(",", "."))
        except yaml.YAMLError:
            decimal = None  # [[5.7].[11.10]]: no reading
        try:
            return TwoReadings(parse_yaml(value), decimal)
        except yaml.YAMLError:
            return CsvValue(reason("csv_bracket", line=line, value=repr(value)))
    if value.startswith("["):
        matlab = separator == "," and re.fullmatch(r"\[[^\[\]]*;[^\[\]]*\]", value)
        try:
            return parse_yaml(_matlab(value) if matlab else value)
        except yaml.YAMLError:
            return CsvValue(reason("csv_bracket", line=line, value=repr(value)))
    if separator in value and not quoted:
        return CsvValue(reason(f"{semicolon}more_columns", line=line))
    if separator == ";" and unmarked(value).count(",") == 1 and "." not in unmarked(value):
        value = value.replace(",", ".").replace("\uff0c", ".")  # the locale's decimal comma
    return value if value else None


def _matlab(value: str) -> str:
    """A matrix as MATLAB writes it, rows split at ';', numbers at commas (or, in a row
    without one, at spaces), a last ';' allowed ([5,7;11,10], mat2str's [5 7;11 10]), as
    YAML's [[5,7],[11,10]]; a number with spaces in a row with commas stays whole
    (0.5 × 10^1, 7)."""
    rows = value[1:-1].split(";")
    if len(rows) > 1 and not rows[-1].strip():
        rows.pop()
    return "[" + ",".join("[" + (row if "," in row else ",".join(row.split())) + "]"
                          for row in rows) + "]"


PARSERS = {"yaml": parse_yaml, "json": parse_json, "toml": parse_toml, "csv": parse_csv}


# --------------------------------------------------------------------- the file
def read_answer_file(path: str | Path) -> AnswerFile:
    """Read one answer file; raise :class:`AnswerFileError` if it is unusable."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise AnswerFileError.said("answers_type", path=path,
                                   suffix=repr(path.suffix or "(none)"))
    text = _read_text(path)
    return parse_answers(text, fmt, str(path))


def _read_text(path: Path) -> str:
    return read_text(path, Said("error.kind.answers"), AnswerFileError, MAX_BYTES)


FORMAT_NAMES = {"yml": "yaml", **{fmt: fmt for fmt in PARSERS}}  # as parse_answers takes


def parse_answers(text: str, fmt: str, source: str = "<answers>") -> AnswerFile:
    """Parse answer text in ``fmt`` ('yaml' or 'yml', 'json', 'toml' or 'csv'; a file's
    suffix, '.yaml', is taken too)."""
    name = fmt.lower().removeprefix(".") if isinstance(fmt, str) else fmt
    if name not in FORMAT_NAMES:
        raise AnswerFileError.said("answers_type", path=source, suffix=repr(fmt))
    fmt = FORMAT_NAMES[name]
    if not text.strip():
        raise AnswerFileError.said("answers_empty", source=source, example=EXAMPLE)
    try:
        data = PARSERS[fmt](text)
    except (yaml.YAMLError, ValueError, tomllib.TOMLDecodeError, RecursionError) as err:
        # ValueError too: TOML's 5000-digit integer, YAML's date 2020-02-30
        deep = isinstance(err, (RecursionError, TooDeep))
        raise AnswerFileError.said("not_valid_answers", source=source, format=fmt.upper(),
                                   detail=Said("error.spec.too_deep") if deep
                                   else parse_detail(err, text), hint=_quote_hint(text, fmt)) \
            from None
    return answer_file(data, source, fmt)


def answer_file(data, source: str, fmt: str) -> AnswerFile:
    """An :class:`AnswerFile` from parsed data (:class:`Pairs` of keys and raw values)."""
    if data is None or data == []:
        raise AnswerFileError.said("no_answers", source=source, example=EXAMPLE)
    if not isinstance(data, Pairs):
        raise AnswerFileError.said("answers_not_table", source=source, example=EXAMPLE,
                                   got=as_said(description(data)))
    if data and data[0] == ("format", "cnntrace-trace"):
        raise AnswerFileError.said("trace_not_answers", source=source)
    if data and data[0] == ("format", "cnntrace-batch"):
        raise AnswerFileError.said("index_not_answers", source=source)
    if any(key == "layers" for key, _ in data):
        raise AnswerFileError.said("spec_not_answers", source=source)
    answers = AnswerFile(source)
    for key, value in data:
        if key in (STUDENT, VARIANT, BLANKS, FINGERPRINT) and value is None:
            continue  # a label left blank
        if key in (STUDENT, VARIANT, FINGERPRINT) and isinstance(value, CsvValue):
            raise AnswerFileError.said("label_unread", source=source, key=key,
                                       why=as_said(value.reason))
        if key == STUDENT and isinstance(value, str):
            answers.students.append(value)
        elif key == VARIANT and isinstance(value, (str, int)) and answers.variant is None:
            answers.variant = str(value)
        elif key == FINGERPRINT and isinstance(value, str) and answers.fingerprint is None:
            answers.fingerprint = value.strip()
        elif key == BLANKS and answers.blanks is None:
            answers.blanks = _selection(value, source)
        else:
            try:
                answers.pairs.extend(flatten(key, value))
            except RecursionError:  # JSON tables ~500-1000 deep pass its parser
                raise AnswerFileError.said("not_valid_answers", source=source,
                                           format=fmt.upper(), hint="",
                                           detail=Said("error.spec.too_deep")) from None
    return answers


def _quote_hint(text: str, fmt: str) -> str:
    """JSON and TOML read 9.555×10⁻² or −0.5 (as the handouts print them) only as text."""
    if fmt in ("json", "toml") and re.search("[−×⁻⁰¹²³⁴⁵⁶⁷⁸⁹]", text):
        return Said("error.quote_hint")
    return ""


def _selection(value, source: str) -> str:
    """A ``blanks:`` value: a --blank selection ("forward", "conv1.out,pool1.out") or a
    list of its items."""
    if isinstance(value, CsvValue):  # a CSV row that could not be read
        raise AnswerFileError.said("blanks_unread", source=source, why=as_said(value.reason))
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return ",".join(value)
    if isinstance(value, str):
        return value
    raise AnswerFileError.said("blanks_selection", source=source,
                               got=as_said(description(value)))


def flatten(key: str, value) -> list[tuple[str, object]]:
    """Nested tables to dotted keys: ('conv1', {out: v}) -> [('conv1.out', v)]."""
    if not isinstance(value, Pairs):
        return [(key, value)]
    if not value:
        return [(key, value)]
    return [pair for inner, v in value for pair in flatten(f"{key}.{inner}", v)]


def description(value) -> Para | str:
    """A short description of a raw value, as a sentence of the catalog."""
    if isinstance(value, CsvValue):
        return value.reason
    if isinstance(value, str):
        return reason("value.text", text=repr(value))
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return reason("value.nothing")
    if isinstance(value, Pairs):
        return reason("value.table" if value else "value.empty_table")
    if isinstance(value, list):
        return reason("value.list", count=len(value)) if value else reason("value.empty_list")
    return reason("value.other", kind=type(value).__name__, value=value)
