"""Load and validate spec files (TOML, YAML, JSON; one schema) into frozen dataclasses.

Decimal literals are kept as :class:`decimal.Decimal`, so exact mode sees 0.1 as 1/10.
Each field is checked by :mod:`tracer.fields`; shape checks that need the whole network
(kernel vs input, dense sizes) live in :mod:`tracer.builder`. All raise
:class:`SpecError` naming the field.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from .errors import Said, SpecError, parse_detail
from .fields import array, choice, described, did_you_mean, number, shape_said, unknown_keys


SHORT_NAMES = {"conv2d": "conv", "maxpool2d": "pool"}
RESERVED_NAMES = {"input", "target", "loss"}  # ids input.out, target.out, loss.out
CONVENTIONS = {
    "pool_ties": ("first", "all"),
    "relu_grad_at_zero": (0, 1),
    "loss_reduction": ("mean", "sum"),
    "flatten_order": ("chw", "hwc"),
}
DEFAULT_CONVENTIONS = {"pool_ties": "first", "relu_grad_at_zero": 0,
                       "loss_reduction": "mean", "flatten_order": "chw"}
TOP_KEYS = {"title", "description", "variant", "seed", "learning_rate", "input", "inputs",
            "target", "targets", "grad_out", "grad_outs", "layers", "conventions"}
LAYER_KEYS = {
    "conv2d": {"weight", "bias", "filters", "size", "stride", "padding", "init"},
    "maxpool2d": {"size", "stride"},
    "relu": set(),
    "leaky_relu": {"slope"},
    "sigmoid": set(),
    "flatten": {"order"},
    "dense": {"weight", "bias", "units", "init"},
    "softmax": set(),
}
INITS = ("he", "xavier", "zeros")


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its type, its (default or given) name and its options."""

    type: str
    name: str
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def get(self, key, default=None):
        return self.options.get(key, default)


@dataclass(frozen=True)
class Spec:
    """A validated spec. Arrays are nested tuples of int / Decimal."""

    layers: tuple[LayerSpec, ...]
    inputs: tuple  # one entry per sample, each (C, H, W) (or a flat (D,)) nested tuples
    targets: tuple  # per sample: class index (int) or a tuple of numbers; () if none
    batched: bool  # False when the spec gave a single `input`
    grad_outs: tuple = ()  # per sample: dL/d(output) given instead of a target
    learning_rate: Decimal | int = Decimal("0.1")
    title: str = ""
    description: str = ""
    variant: str = ""  # a class batch's variant id (its answer sheets carry it too)
    seed: int = 0
    conventions: MappingProxyType = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_CONVENTIONS)))
    source: str = "<spec>"

    @property
    def kind(self) -> str:
        """'train' (a target: forward, loss, backward, update), 'backward' (a given
        upstream gradient: forward and backward) or 'forward' (forward only)."""
        return "train" if self.targets else "backward" if self.grad_outs else "forward"

    def __repr__(self):  # short: the dataclass's listed every weight (12.7 kB, lecture-cnn)
        samples = len(self.inputs)
        layers = ", ".join(f"{layer.name} ({layer.type})" for layer in self.layers)
        return (f"<Spec {self.title!r} from {self.source}: {self.kind}, "
                f"{samples} sample{'s' * (samples != 1)} of shape {_shape(self.inputs[0])}, "
                f"learning_rate {self.learning_rate}, {len(self.layers)} layers: {layers}>")


# ---------------------------------------------------------------------------- parsing


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise SpecError.said("spec.duplicate_key", key=repr(k))
    return dict(pairs)


FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def parse_text(text: str, fmt: str, source: str = "<spec>") -> dict:
    """Parse spec text in ``fmt`` ('toml', 'yaml', 'json') into plain data."""
    if fmt in ("toml", "yaml", "json") and not text.strip():
        raise SpecError.said("spec_empty", source=source)
    try:
        if fmt == "toml":
            data = tomllib.loads(text, parse_float=Decimal)
        elif fmt == "yaml":
            from .yamlspec import load_yaml  # PyYAML is imported only for YAML specs
            data = load_yaml(text)
        elif fmt == "json":
            data = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicates,
                              parse_constant=Decimal)
        else:
            raise SpecError(f"{source}: unknown spec format {fmt!r}; expected toml, yaml or json")
    except SpecError as err:
        raise err.within(source) if not str(err).startswith(source) else err
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError) as err:
        detail = parse_detail(err, text)
        if "int_max_str_digits" in str(err):  # Python's advice to programmers, not users
            detail = Said("error.spec.long_integer")
        raise SpecError.said("not_valid", source=source, format=fmt.upper(), detail=detail) \
            from None
    except RecursionError:
        raise SpecError.said("not_valid", source=source, format=fmt.upper(),
                             detail=Said("error.spec.too_deep")) from None
    if data is None:
        raise SpecError.said("spec_no_content", source=source)
    if not isinstance(data, dict):
        raise SpecError.said("spec.top_table", got=described(data)).within(source)
    return data


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file; the format follows the suffix."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None and path.is_dir():
        raise SpecError.said("read_folder", path=path, kind=Said("error.kind.spec"))
    if fmt is None:
        raise SpecError.said("spec_type", path=path, suffix=repr(path.suffix or "(none)"))
    from .files import read_text
    text = read_text(path, Said("error.kind.spec"), SpecError)
    return from_dict(parse_text(text, fmt, str(path)), str(path))


EXAMPLES_DIR = Path(__file__).parent / "examples"


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.toml"))


def load_example(name: str) -> Spec:
    """A built-in example spec by name, e.g. 'lecture'."""
    path = EXAMPLES_DIR / f"{name}.toml"
    if not path.is_file():
        raise SpecError.said("spec.unknown_example", name=repr(name),
                             names=", ".join(example_names()))
    return load_spec(path)


def _sample(value, where):
    """One input: (C, H, W), or (H, W) as one channel, or a flat vector (D,)."""
    nested, shape = array(value, where, (1, 2, 3))
    return (nested,) if len(shape) == 2 else nested


def _shape(nested) -> tuple:
    shape = []
    while isinstance(nested, tuple):
        shape.append(len(nested))
        nested = nested[0]
    return tuple(shape)


def _per_sample(data: dict, key: str, noun: str, batched: bool, count: int, read) -> tuple:
    """``key`` (one sample) or ``key + 's'`` (a list, one ``noun`` per input), read by
    ``read``; () when absent."""
    one, many = key, key + "s"
    if one in data and many in data:
        raise SpecError.said("spec.one_or_many", one=repr(one), many=repr(many), where=many)
    if batched and one in data:
        raise SpecError.said("spec.batch_needs_many", where=one, many=repr(many))
    if not batched and many in data:
        raise SpecError.said("spec.sample_needs_one", where=many, one=repr(one))
    if batched and many in data:
        raw = data[many]
        noun = Said(f"error.spec.noun.{noun}")
        if not isinstance(raw, list):
            raise SpecError.said("spec.per_input_list", where=many, noun=noun,
                                 got=described(raw))
        if len(raw) != count:
            raise SpecError.said("spec.per_input_count", where=many, noun=noun, count=count,
                                 got=len(raw))
        return tuple(read(v, f"{many}[{i}]") for i, v in enumerate(raw))
    if one in data:
        return (read(data[one], one),)
    return ()


def _target(value, where):
    if isinstance(value, (list, tuple)):
        return array(value, where, (1,))[0]
    return number(value, where, integer=True, minimum=0)


def _layer(raw, index: int, counts: dict, names: set) -> LayerSpec:
    where = f"layers[{index}]"
    if not isinstance(raw, dict):
        raise SpecError.said("spec.layer_table", where=where, got=described(raw))
    kind = raw.get("type")
    types = ", ".join(LAYER_KEYS)
    if "type" not in raw:
        raise SpecError.said("spec.type_missing", where=f"{where}.type", types=types)
    if not isinstance(kind, str):
        raise SpecError.said("spec.type_name", where=f"{where}.type", types=types,
                             got=described(kind))
    if kind not in LAYER_KEYS:
        raise SpecError.said("spec.type_unknown", where=f"{where}.type", kind=repr(kind),
                             hint=did_you_mean(kind, LAYER_KEYS), types=types)
    unknown_keys(raw, LAYER_KEYS[kind] | {"type", "name"}, where)
    counts[kind] = counts.get(kind, 0) + 1
    name = raw.get("name", f"{SHORT_NAMES.get(kind, kind)}{counts[kind]}")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SpecError.said("spec.name", where=f"{where}.name", got=repr(name))
    if name in RESERVED_NAMES or name in names:
        raise SpecError.said("spec.name_reserved" if name in RESERVED_NAMES else
                             "spec.name_used", where=f"{where}.name", name=repr(name))
    names.add(name)
    opts = {}
    for key, value in raw.items():
        if key in ("type", "name"):
            continue
        at = f"{where}.{key}"
        if key == "weight":
            opts[key] = array(value, at, (2, 3, 4) if kind == "conv2d" else (2,))
        elif key == "bias":
            opts[key] = array(value, at, (0, 1))
        elif key in ("filters", "units", "stride"):
            opts[key] = number(value, at, integer=True, positive=True)
        elif key == "padding":
            opts[key] = number(value, at, integer=True, minimum=0)
        elif key == "size":
            if isinstance(value, list) and kind == "conv2d":
                sizes, shape = array(value, at, (1,))
                if shape != (2,):
                    raise SpecError.said("spec.size_pair", where=at, got=value)
                opts[key] = tuple(number(s, at, integer=True, positive=True) for s in sizes)
            else:
                opts[key] = number(value, at, integer=True, positive=True)
        elif key == "slope":
            opts[key] = number(value, at, minimum=0)
        elif key == "order":
            opts[key] = choice(value, at, CONVENTIONS["flatten_order"])
        elif key == "init":
            opts[key] = choice(value, at, INITS)
    return LayerSpec(kind, name, MappingProxyType(opts))


def from_dict(data: dict, source: str = "<spec>") -> Spec:
    """Validate parsed spec data (field by field) into a :class:`Spec`. Numbers may be
    numpy's too (an array for a tensor, np.int64 for a class index), as in a notebook."""
    try:
        if not isinstance(data, dict):
            raise SpecError.said("spec.top_table", got=described(data))
        data = _python(data, {})
        aliases: list = []
        values = _expanded_size(data, {}, aliases)
        if values > MAX_VALUES:
            raise SpecError.said("spec.aliases" if aliases else "spec.too_many_values",
                                 count=f"{values:,}", most=f"{MAX_VALUES:,}")
        return _from_dict(data, source)
    except SpecError as err:
        raise err.within(source) from None
    except RecursionError:  # lists ~1000 deep (JSON allows it), or a YAML list in itself
        raise SpecError.said("spec.too_deep").within(source) from None


MAX_VALUES = 5_000_000  # a batch of 6000 MNIST images; a 600-byte YAML can alias 10**9


def _python(value, memo: dict):
    """``value`` with numpy arrays as nested lists and numpy scalars as Python numbers
    (np.float64 is a float, but its repr, 'np.float64(0.1)', is not a decimal). A list
    that appears twice (a YAML alias) is converted once and shared again (``memo``)."""
    if isinstance(value, (dict, list, tuple)):
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, dict):
            converted = {k: _python(v, memo) for k, v in value.items()}
        else:
            converted = type(value)(_python(v, memo) for v in value)
        memo[id(value)] = converted
        return converted
    if type(value).__module__ == "numpy":  # ndarray and numpy scalars, without numpy
        dtype = getattr(value, "dtype", None)
        if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
            value = value.astype(str).astype("float64")  # float32's 0.1 as 0.1, not
            # 0.10000000149011612: each number as its shortest decimal in its own precision
        tolist = getattr(value, "tolist", None)
        if tolist is not None:
            return tolist()
    return value


def _expanded_size(value, memo: dict, aliases: list) -> int:
    """How many values ``value`` holds with every shared list counted each time it
    appears: in time linear in the distinct lists (``memo``); ``aliases`` gets the lists
    met again (a YAML alias)."""
    if not isinstance(value, (dict, list, tuple)):
        return 1
    if id(value) in memo:
        aliases.append(value)
    else:
        items = value.values() if isinstance(value, dict) else value
        memo[id(value)] = 1 + sum(_expanded_size(v, memo, aliases) for v in items)
    return memo[id(value)]


def _other_kind(data: dict) -> str | None:
    """'trace', 'index' or 'answers' when ``data`` is another file cnntrace writes (a trace,
    a class batch's index, an answer sheet) given where a spec goes."""
    kinds = {"cnntrace-trace": "trace", "cnntrace-batch": "index"}
    if data.get("format") in kinds:
        return kinds[data["format"]]
    if "layers" not in data and any(key in ("student", "fingerprint", "blanks")
                                    or re.match(r"[A-Za-z_]\w*\.\w+", str(key))
                                    for key in data):
        return "answers"
    return None


# control characters but tab and line ends, lone surrogates, the non-characters U+FFFE/F
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _from_dict(data: dict, source: str) -> Spec:
    kind = _other_kind(data)
    if kind:
        raise SpecError.said(f"spec.is_{kind}")
    unknown_keys(data, TOP_KEYS, "spec")
    title = data.get("title", "")
    description = data.get("description", "")
    variant = data.get("variant", "")
    for key, value in (("title", title), ("description", description), ("variant", variant)):
        if not isinstance(value, str):
            raise SpecError.said("spec.text", where=key, got=described(value))
        control = _CONTROL.search(value)
        if control:  # XML (Moodle), TeX and terminals choke on them
            raise SpecError.said("spec.control", where=key, char=repr(control.group()),
                                 position=control.start())
    seed = number(data.get("seed", 0), "seed", integer=True, minimum=0)
    rate = number(data.get("learning_rate", Decimal("0.1")), "learning_rate", positive=True)

    conventions = dict(DEFAULT_CONVENTIONS)
    given = data.get("conventions", {})
    if not isinstance(given, dict):
        raise SpecError.said("spec.conventions", got=described(given))
    unknown_keys(given, set(CONVENTIONS), "conventions")
    for key, value in given.items():
        conventions[key] = choice(value, f"conventions.{key}", CONVENTIONS[key])

    for one, many in (("input", "inputs"), ("target", "targets")):
        if one in data and many in data:
            raise SpecError.said("spec.one_or_many", one=repr(one), many=repr(many), where=many)
    batched = "inputs" in data
    if batched:
        raw_inputs = data["inputs"]
        if not isinstance(raw_inputs, list) or not raw_inputs:
            raise SpecError.said("spec.inputs", got=described(raw_inputs))
        inputs = tuple(_sample(x, f"inputs[{i}]") for i, x in enumerate(raw_inputs))
        shapes = [_shape(x) for x in inputs]
        for i, shape in enumerate(shapes):
            if shape != shapes[0]:
                raise SpecError.said("spec.same_shape", where=f"inputs[{i}]",
                                     first=shape_said(shapes[0]), got=shape_said(shape))
    elif "input" in data:
        inputs = (_sample(data["input"], "input"),)
    else:
        raise SpecError.said("spec.input_missing")

    targets = _per_sample(data, "target", "target", batched, len(inputs), _target)
    grad_outs = _per_sample(data, "grad_out", "gradient", batched, len(inputs),
                            lambda v, where: array(v, where, (0, 1, 2, 3))[0])
    if targets and grad_outs:
        raise SpecError.said("spec.target_or_grad_out",
                             where="grad_outs" if batched else "grad_out")

    if "layers" not in data:
        raise SpecError.said("spec.layers_missing")
    raw_layers = data["layers"]
    if not isinstance(raw_layers, list) or not raw_layers:
        raise SpecError.said("spec.layers", got=described(raw_layers))
    counts: dict = {}
    names: set = set()
    layers = tuple(_layer(raw, i, counts, names) for i, raw in enumerate(raw_layers))
    last = layers[-1].type
    if targets and last not in ("softmax", "sigmoid"):
        raise SpecError.said("spec.last_layer", where=f"layers[{len(layers) - 1}].type",
                             got=repr(last))
    for i, layer in enumerate(layers[:-1]):
        if layer.type == "softmax":
            raise SpecError.said("spec.softmax_last", where=f"layers[{i}].type")

    return Spec(layers=layers, inputs=inputs, targets=targets, batched=batched,
                grad_outs=grad_outs,
                learning_rate=rate, title=title, description=description, variant=variant,
                seed=seed,
                conventions=MappingProxyType(conventions), source=source)
