"""Malformed specs: every one is refused with exit code 2 and ONE line on stderr,

    cnntrace: error: <file>: <field>: <what was expected ...>

naming the file and the field, and never a traceback. The specs are the lecture
walkthrough (DESIGN.md, "Spec example") with one thing broken, written as TOML, YAML or
JSON; a few are raw text (syntax errors, empty files, format-specific NaN / infinity).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tracer.cli import main
from tracer.network import build
from tracer.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[1]
D = Decimal


# ------------------------------------------------------------------ the valid base spec
LECTURE = {
    "title": "4x4 input, one 3x3 filter",
    "learning_rate": D("0.1"),
    "input": [[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]],
    "target": [1, 0],
    "layers": [
        {"type": "conv2d", "weight": [[1, 0, 1], [0, 1, 0], [1, 0, 1]], "bias": 1,
         "stride": 1, "padding": 0},                                      # layers[0]
        {"type": "relu"},                                                 # layers[1]
        {"type": "maxpool2d", "size": 2, "stride": 2},                    # layers[2]
        {"type": "flatten"},                                              # layers[3]
        {"type": "dense", "weight": [[D("0.5"), D("-0.5")]],
         "bias": [D("0.1"), D("0.2")]},                                   # layers[4]
        {"type": "softmax"},                                              # layers[5]
    ],
}
X = LECTURE["input"]


class Lit:
    """A literal spelled differently per format (NaN and infinity)."""

    def __init__(self, toml, yaml, json):
        self.text = {"toml": toml, "yaml": yaml, "json": json}


NAN = Lit("nan", ".nan", "NaN")
INF = Lit("inf", ".inf", "Infinity")
NEG_INF = Lit("-inf", "-.inf", "-Infinity")
DROP = object()  # remove this key


def _value(v, fmt):
    """One value in flow style; valid in all three formats apart from key syntax."""
    if isinstance(v, Lit):
        return v.text[fmt]
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        assert fmt != "toml", "TOML has no null"
        return "null"
    if isinstance(v, (int, Decimal)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x, fmt) for x in v) + "]"
    if isinstance(v, dict):
        sep = " = " if fmt == "toml" else ": "
        key = json.dumps if fmt == "json" else str
        return "{" + ", ".join(f"{key(k)}{sep}{_value(x, fmt)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def render(data: dict, fmt: str) -> str:
    """Spec data as TOML ([[layers]] tables), block YAML or JSON text."""
    if fmt == "json":
        items = [f"  {json.dumps(k)}: {_value(v, fmt)}" for k, v in data.items()]
        return "{\n" + ",\n".join(items) + "\n}\n"
    if fmt == "yaml":
        lines = []
        for k, v in data.items():
            if k == "layers" and isinstance(v, list) and v:
                lines.append("layers:")
                lines += [f"  - {_value(layer, fmt)}" for layer in v]
            else:
                lines.append(f"{k}: {_value(v, fmt)}")
        return "\n".join(lines) + "\n"
    # TOML: plain keys first, then tables, then the array of layer tables
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    layers = data.get("layers")
    table_array = isinstance(layers, list) and layers and all(isinstance(x, dict) for x in layers)
    lines = [f"{k} = {_value(v, fmt)}" for k, v in data.items()
             if k not in tables and not (k == "layers" and table_array)]
    for name, table in tables.items():
        lines += ["", f"[{name}]"] + [f"{k} = {_value(v, fmt)}" for k, v in table.items()]
    if table_array:
        for layer in layers:
            lines += ["", "[[layers]]"] + [f"{k} = {_value(v, fmt)}" for k, v in layer.items()]
    return "\n".join(lines) + "\n"


def spec(fmt, *, drop=(), layers=None, layer=None, **top) -> str:
    """The lecture spec in ``fmt`` with top-level keys dropped / replaced / added, the
    layer list replaced, or some layers' keys changed (``layer={4: {"bias": [1]}}``)."""
    data = copy.deepcopy(LECTURE)
    for key in drop:
        del data[key]
    if layers is not None:
        data["layers"] = layers
    for i, changes in (layer or {}).items():
        for key, value in changes.items():
            if value is DROP:
                del data["layers"][i][key]
            else:
                data["layers"][i][key] = value
    data.update(top)
    return render(data, fmt)


def edit(text: str, old: str, new: str) -> str:
    """``text`` with its first ``old`` replaced (which must be there)."""
    assert old in text, (old, text)
    return text.replace(old, new, 1)


def without_layer(index):
    return [x for i, x in enumerate(copy.deepcopy(LECTURE["layers"])) if i != index]


# --------------------------------------------------------------------------- the cases
class MissingFileName(AssertionError):
    """The message was right in every way but did not start with the spec's file name."""


def case(id, name, text, fragment, keyword):
    """``name``: a file name, or just the format ("toml") for "spec.<format>";
    ``text`` None: do not create the file."""
    if "." not in name:
        name = f"spec.{name}"
    return pytest.param(name, text, fragment, keyword, id=id)


CASES = [
    # ---- files that are not specs at all
    case("missing-file", "nowhere.toml", None, "nowhere.toml", "no such file"),
    case("unknown-suffix", "spec.txt", spec("toml"), "'.txt'", "expected .toml, .yaml"),
    case("empty-toml", "toml", "", "the file is empty", "expected a spec"),
    case("empty-json", "json", "  \n", "the file is empty", "expected a spec"),
    case("yaml-only-comments", "yaml", "# nothing here\n---\n", "no content",
         "expected a spec"),
    case("not-utf8", "json", b'{"title": "\xff"}', "is not UTF-8 text", "UTF-8"),
    case("utf16-notepad", "yaml", "title: a\n".encode("utf-16"), "is not UTF-8 text", "UTF-8"),
    case("utf16-no-mark", "yaml", "title: a\ninput: [[1]]\n".encode("utf-16-le"),
         "is not UTF-8 text", "UTF-8"),
    case("a-pdf-given", "spec.toml", b"%PDF-1.7\n\x00\x01\xe2\xe3", "is a binary file",
         "expected a spec file"),
    case("a-weights-npz-given", "w.yaml", b"PK\x03\x04\x14\x00\x00\x00", "is a binary "
         "file, not text", "spec file"),
    case("title-escape", "json", spec("json", title="red \x1b[31m"), "title: character "
         "'\\x1b' at position 4 cannot be written out", "expected plain text"),
    case("description-nul", "yaml", spec("yaml", description="a\x00b"), "description: "
         "character '\\x00' at position 1 cannot be written out", "expected plain text"),
    case("title-lone-surrogate", "json", '{"title": "x\\ud800y", "input": [[1]], "layers": '
         '[{"type": "relu"}]}', "title: character '\\ud800' at position 1", "plain text"),
    case("toml-syntax-error", "toml", 'title = "x"\ninput = [[1, 2]\ntarget = 0\n',
         "line 3", "not valid TOML"),
    case("yaml-syntax-error", "yaml", "input: [[1, 2], [3, 4]\ntarget: 0\n",
         "line", "not valid YAML"),
    case("yaml-bad-indentation", "yaml", "input:\n  - [1, 2]\n - [3, 4]\ntarget: 0\n",
         "line 3", "not valid YAML"),
    case("json-syntax-error", "json", '{"input": [[1, 2]], "target": 0,}',
         "line 1", "not valid JSON"),
    case("yaml-top-level-list", "yaml", "- input: [[1, 2]]\n- target: 0\n",
         "a list of 2", "expected a table of keys"),
    case("json-top-level-number", "json", "42", "the number 42", "expected a table of keys"),
    case("json-duplicate-key", "json",
         edit(spec("json"), '"stride": 1,', '"stride": 1, "stride": 2,'),
         "'stride'", "duplicate key"),
    case("yaml-duplicate-key", "yaml", spec("yaml") + "target: 1\n",
         "'target'", "duplicate key"),
    case("toml-duplicate-key", "toml", edit(spec("toml"), "stride = 1\n",
                                                     "stride = 1\nstride = 2\n"),
         "line", "not valid TOML"),

    # ---- top-level keys
    case("unknown-top-level-key", "yaml", spec("yaml", learning_rte=D("0.1")),
         "'learning_rte'", "did you mean 'learning_rate'"),
    case("missing-input", "json", spec("json", drop=["input"]), "input: missing",
         "2-D (H, W) or 3-D (C, H, W)"),
    case("target-and-grad-out", "toml", spec("toml", grad_out=[1, -1]), "grad_out:",
         "not both"),
    case("grad-out-wrong-shape", "yaml", spec("yaml", drop=["target"], grad_out=[1, 2, 3]),
         "grad_out", "expected the shape of the last layer's output"),
    case("grad-outs-with-one-input", "json", spec("json", drop=["target"], grad_outs=[[1, 2]]),
         "grad_outs", "give 'grad_out'"),
    case("missing-layers", "yaml", spec("yaml", drop=["layers"]), "layers: missing",
         "list of layer tables"),
    case("empty-layers", "json", spec("json", layers=[]), "layers:", "non-empty list"),
    case("layers-not-a-list", "yaml", spec("yaml", layers={"type": "softmax"}),
         "layers:", "non-empty list of layer tables"),
    case("both-input-and-inputs", "toml", spec("toml", inputs=[X]), "inputs:",
         "not both"),
    case("inputs-with-single-target", "yaml",
         spec("yaml", drop=["input"], inputs=[X, X]), "target:",
         "'inputs' is a batch, so give 'targets' (one per input)"),
    case("learning-rate-zero", "toml", spec("toml", learning_rate=0), "learning_rate:",
         "expected a positive number"),
    case("learning-rate-negative", "yaml", spec("yaml", learning_rate=D("-0.1")),
         "learning_rate:", "expected a positive number"),
    case("learning-rate-text", "json", spec("json", learning_rate="0.1"), "learning_rate:",
         "expected a number, got the text '0.1'"),
    case("convention-invalid-value", "yaml", spec("yaml", conventions={"pool_ties": "last"}),
         "conventions.pool_ties", "expected one of 'first', 'all'"),
    case("convention-boolean", "yaml",
         spec("yaml", conventions={"relu_grad_at_zero": True}),
         "conventions.relu_grad_at_zero", "expected one of 0, 1"),
    case("convention-unknown-key", "toml", spec("toml", conventions={"pool_tie": "all"}),
         "conventions: unknown key 'pool_tie'", "did you mean 'pool_ties'"),

    # ---- batches
    case("batch-target-count", "json",
         spec("json", drop=["input", "target"], inputs=[X, X], targets=[0, 1, 0]),
         "targets:", "one target per input (2), got 3"),
    case("batch-sample-shapes", "yaml",
         spec("yaml", drop=["input", "target"], inputs=[X, [[1, 2, 0], [3, 1, 1], [0, 2, 2]]],
              targets=[0, 1]),
         "inputs[1]", "same shape"),
    case("batch-class-out-of-range", "toml",
         spec("toml", drop=["input", "target"], inputs=[X, X], targets=[0, 5]),
         "targets[1]", "out of range"),

    # ---- values that are not finite numbers
    case("text-in-input", "json", spec("json", input=[[1, 2, 0, 1], [3, 1, "x", 5],
                                                      [0, 2, 2, 0], [1, 0, 3, 1]]),
         "input[1][2]", "expected a number, got the text 'x'"),
    case("boolean-in-weight", "yaml",
         spec("yaml", layer={0: {"weight": [[True, 0, 1], [0, 1, 0], [1, 0, 1]]}}),
         "layers[0].weight[0][0]", "expected a number, got true"),
    case("null-in-bias", "yaml", spec("yaml", layer={4: {"bias": [D("0.1"), None]}}),
         "layers[4].bias[1]", "expected a number, got nothing"),
    case("null-stride", "json", spec("json", layer={2: {"stride": None}}),
         "layers[2].stride", "expected a number, got nothing"),
    case("toml-nan-input", "toml", spec("toml", input=[[NAN, 2], [3, 4]]),
         "input[0][0]", "expected a finite number"),
    case("toml-inf-weight", "toml",
         spec("toml", layer={0: {"weight": [[1, 0, 1], [0, INF, 0], [1, 0, 1]]}}),
         "layers[0].weight[1][1]", "expected a finite number"),
    case("yaml-nan-learning-rate", "yaml", spec("yaml", learning_rate=NAN),
         "learning_rate", "expected a finite number"),
    case("yaml-inf-bias", "yaml", spec("yaml", layer={4: {"bias": [NEG_INF, D("0.2")]}}),
         "layers[4].bias[0]", "expected a finite number"),
    case("json-nan-target", "json", spec("json", target=[NAN, 0]), "target[0]",
         "expected a finite number"),
    case("json-infinity-weight", "json",
         spec("json", layer={4: {"weight": [[D("0.5"), INF]]}}),
         "layers[4].weight[0][1]", "expected a finite number"),
    case("toml-number-beyond-float", "toml", spec("toml", input=[[10 ** 400, 2], [3, 4]]),
         "input[0][0]", "within the float64 range"),
    case("json-exponent-beyond-float", "json",
         spec("json", learning_rate=D("1e999999999")), "learning_rate",
         "within the float64 range"),
    case("yaml-base-60-float", "yaml",
         edit(spec("yaml"), "input: [[1, 2, 0, 1]", "input: [[1, 2:30.5, 0, 1]"),
         "input[0][1]", "expected a number, got the text '2:30.5'"),

    # ---- array shapes
    case("ragged-input", "toml", spec("toml", input=[[1, 2, 0, 1], [3, 1, 1]]),
         "input:", "rectangular"),
    case("input-1d-into-conv", "json", spec("json", input=[1, 2, 0, 1]), "layers[0]:",
         "conv2d expects a (C, H, W) input, got shape (4,)"),
    case("input-4d", "json", spec("json", input=[[[[1]]]]), "input:",
         "expected 1-D or 2-D or 3-D"),
    case("dense-weight-1d", "json", spec("json", layer={4: {"weight": [D("0.5"), D("-0.5")]}}),
         "layers[4].weight", "expected 2-D"),
    case("conv-weight-1d", "toml", spec("toml", layer={0: {"weight": [1, 0, 1]}}),
         "layers[0].weight", "expected 2-D or 3-D or 4-D"),
    case("ragged-weight", "yaml",
         spec("yaml", layer={0: {"weight": [[1, 0, 1], [0, 1], [1, 0, 1]]}}),
         "layers[0].weight", "rectangular"),
    case("bias-2d", "toml", spec("toml", layer={4: {"bias": [[D("0.1"), D("0.2")]]}}),
         "layers[4].bias", "a single number or 1-D"),

    # ---- layer tables
    case("unknown-layer-type", "toml", spec("toml", layer={2: {"type": "maxpool"}}),
         "layers[2].type", "did you mean 'maxpool2d'"),
    case("layer-type-not-text", "toml", spec("toml", layer={1: {"type": ["relu"]}}),
         "layers[1].type", "expected a layer type name"),
    case("layer-type-missing", "yaml", spec("yaml", layer={1: {"type": DROP}}),
         "layers[1].type: missing", "expected one of conv2d"),
    case("layer-not-a-table", "yaml", edit(spec("yaml"), '  - {type: "relu"}', "  - relu"),
         "layers[1]", "expected a table with a 'type'"),
    case("unknown-layer-key", "yaml", spec("yaml", layer={0: {"strides": 1}}),
         "layers[0]: unknown key 'strides'", "did you mean 'stride'"),
    case("stride-zero", "toml", spec("toml", layer={0: {"stride": 0}}),
         "layers[0].stride", "expected a positive number"),
    case("stride-negative", "json", spec("json", layer={2: {"stride": -2}}),
         "layers[2].stride", "expected a positive number"),
    case("stride-fraction", "yaml", spec("yaml", layer={2: {"stride": D("1.5")}}),
         "layers[2].stride", "expected an integer"),
    case("pool-size-zero", "yaml", spec("yaml", layer={2: {"size": 0}}),
         "layers[2].size", "expected a positive number"),
    case("conv-size-three-numbers", "toml", spec("toml", layer={0: {"size": [3, 3, 3]}}),
         "layers[0].size", "[height, width]"),
    case("filters-zero", "json", spec("json", layer={0: {"weight": DROP, "filters": 0,
                                                         "size": 3}}),
         "layers[0].filters", "expected a positive number"),
    case("units-negative", "toml", spec("toml", layer={4: {"weight": DROP, "units": -2}}),
         "layers[4].units", "expected a positive number"),
    case("padding-negative", "yaml", spec("yaml", layer={0: {"padding": -1}}),
         "layers[0].padding", "expected a number >= 0"),
    case("flatten-order-invalid", "yaml", spec("yaml", layer={3: {"order": "whc"}}),
         "layers[3].order", "expected one of 'chw', 'hwc'"),
    case("init-invalid", "json", spec("json", layer={4: {"weight": DROP, "units": 2,
                                                         "init": "glorot"}}),
         "layers[4].init", "expected one of 'he', 'xavier', 'zeros'"),
    case("duplicate-layer-names", "toml",
         spec("toml", layer={0: {"name": "first"}, 1: {"name": "first"}}),
         "layers[1].name", "already used"),
    case("reserved-name-input", "json", spec("json", layer={0: {"name": "input"}}),
         "layers[0].name", "'input' is reserved"),
    case("reserved-name-target", "yaml", spec("yaml", layer={3: {"name": "target"}}),
         "layers[3].name", "'target' is reserved"),
    case("bad-layer-name", "toml", spec("toml", layer={1: {"name": "relu 1"}}),
         "layers[1].name", "letters, digits and _"),
    case("not-ending-in-softmax", "toml", spec("toml", layers=without_layer(5)),
         "layers[4].type", "must end in softmax or sigmoid"),
    case("softmax-not-last", "yaml",
         spec("yaml", layers=without_layer(5)[:4] + [{"type": "softmax"}]
              + without_layer(5)[4:] + [{"type": "softmax"}]),
         "layers[4].type", "only allowed as the last layer"),

    # ---- shapes that need the whole network (tracer.network, tracer.layers)
    case("dense-bias-length", "toml",
         spec("toml", layer={4: {"bias": [D("0.1"), D("0.2"), D("0.3")]}}),
         "layers[4].bias", "expected 2 value(s), one per unit"),
    case("conv-bias-length", "json", spec("json", layer={0: {"bias": [1, 2]}}),
         "layers[0].bias", "expected 1 value(s), one per filter"),
    case("conv-3d-weight-multichannel", "yaml",
         spec("yaml", input=[X, X], layer={0: {"weight": [[[1, 0, 1], [0, 1, 0], [1, 0, 1]]]}}),
         "layers[0].weight", "give 4-D (filters, channels, kh, kw)"),
    case("conv-4d-weight-channels", "json",
         spec("json", layer={0: {"weight": [[[[1, 0], [0, 1]], [[1, 0], [0, 1]]]]}}),
         "layers[0].weight", "expected 1 input channel(s)"),
    case("kernel-larger-than-padded-input", "toml",
         spec("toml", layer={0: {"weight": [[1] * 5] * 5, "padding": 0}}),
         "layers[0].weight", "larger than the padded input 4x4"),
    case("pool-larger-than-input", "json", spec("json", layer={2: {"size": 3}}),
         "layers[2].size", "larger than its input 2x2"),
    case("dense-rows-mismatch", "yaml",
         spec("yaml", layer={4: {"weight": [[D("0.5"), D("-0.5")], [1, 1]]}}),
         "layers[4].weight", "expected 1 rows"),
    case("dense-without-flatten", "toml", spec("toml", layers=without_layer(3)),
         "layers[3]", "add a flatten layer"),
    case("conv-after-flatten", "yaml",
         spec("yaml", layers=without_layer(5)[:4] + [{"type": "conv2d", "weight": [[1]]},
                                                     {"type": "softmax"}]),
         "layers[4]", "expects a (C, H, W) input"),
    case("output-not-flat", "json", spec("json", layers=[{"type": "relu"},
                                                         {"type": "sigmoid"}]),
         "layers[1]", "needs a flat input"),
    case("conv-weight-missing", "json", spec("json", layer={0: {"weight": DROP}}),
         "layers[0].weight: missing", "'filters' and 'size'"),
    case("conv-filters-mismatch", "yaml", spec("yaml", layer={0: {"filters": 2}}),
         "layers[0].filters", "does not match"),
    case("target-length", "json", spec("json", target=[1, 0, 0]), "target:",
         "expected 2 values (one per class)"),
    case("class-index-out-of-range", "toml", spec("toml", target=2), "target:",
         "out of range for 2 classes"),
    case("target-not-summing-to-one", "yaml", spec("yaml", target=[D("0.5"), D("0.6")]),
         "target:", "summing to 1"),
]


def write(tmp_path: Path, name: str, text) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def check_error(code, out, err, path, fragment, keyword):
    assert "Traceback" not in out + err, err
    assert code == 2, f"exit code {code}; stderr: {err}"
    assert out == "", out
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    line = lines[0]
    assert line.startswith("cnntrace: error: "), line
    assert fragment in line, f"{fragment!r} not in {line!r}"
    assert keyword in line, f"{keyword!r} not in {line!r}"
    if not line.startswith(f"cnntrace: error: {path}: "):
        raise MissingFileName(f"the message does not start with the file name: {line!r}")


def test_valid_base_spec_in_every_format(tmp_path, capsys):
    """The cases break one thing each; the unbroken spec passes in all three formats."""
    for fmt in ("toml", "yaml", "json"):
        path = write(tmp_path, f"lecture.{fmt}", spec(fmt))
        assert main(["trace", str(path), "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_case_count():
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.filterwarnings("error")  # a numpy warning would be a second stderr line
@pytest.mark.parametrize(("name", "text", "fragment", "keyword"), CASES)
def test_malformed_spec(tmp_path, capsys, name, text, fragment, keyword):
    path = write(tmp_path, name, text)
    code = main(["trace", str(path), "-q"])
    captured = capsys.readouterr()
    check_error(code, captured.out, captured.err, path, fragment, keyword)


SUBPROCESS_CASES = [
    pytest.param("spec.yaml", "input: [[1, 2], [3, 4]\ntarget: 0\n", "line",
                 "not valid YAML", id="yaml-syntax-error"),
    pytest.param("spec.json", spec("json", target=[NAN, 0]), "target[0]",
                 "expected a finite number", id="json-nan"),
    pytest.param("spec.toml", spec("toml", layer={0: {"stride": 0}}), "layers[0].stride",
                 "expected a positive number", id="toml-stride-zero"),
]


@pytest.mark.parametrize(("name", "text", "fragment", "keyword"), SUBPROCESS_CASES)
def test_malformed_spec_real_cli(tmp_path, name, text, fragment, keyword):
    path = write(tmp_path, name, text)
    result = subprocess.run([sys.executable, "-m", "tracer", "trace", str(path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    check_error(result.returncode, result.stdout, result.stderr, path, fragment, keyword)


def test_absurd_padding_is_refused_before_the_pass(tmp_path):
    """Only build() is run (it computes shapes, allocates nothing large): the real pass
    on this spec does not finish in reasonable time or memory."""
    layers = [{"type": "conv2d", "weight": [[1]], "padding": 100_000},
              {"type": "conv2d", "weight": [[1]], "stride": 100_000},  # back to 3x3
              {"type": "flatten"}, {"type": "dense", "units": 2}, {"type": "softmax"}]
    path = write(tmp_path, "spec.toml", spec("toml", layers=layers, target=0))
    with pytest.raises(SpecError) as info:
        build(load_spec(path))
    assert str(info.value).startswith(f"{path}: layers[0]")
    assert "at most" in str(info.value)


def test_huge_initialized_weights_are_refused_before_drawing(tmp_path):
    layers = [{"type": "conv2d", "filters": 10**9, "size": 3}, {"type": "flatten"},
              {"type": "dense", "units": 2}, {"type": "softmax"}]
    path = write(tmp_path, "spec.toml", spec("toml", layers=layers, target=0))
    with pytest.raises(SpecError, match=r"layers\[0\]\.weight of shape .* at most"):
        build(load_spec(path))


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    """Nine levels of ten aliases each (about 600 bytes) stand for 10**9 values: copying
    them took minutes and gigabytes; a shared list is now counted, not copied."""
    lines = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\ninput: *i\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"bomb.yaml: holds 2,345,679,011 values once YAML "
                                        r"aliases are expanded, more than the 5,000,000"):
        load_spec(path)


def test_a_yaml_alias_for_a_repeated_kernel_still_works(tmp_path):
    path = tmp_path / "shared.yaml"
    path.write_text("input: [[1, 2, 0], [3, 1, 1], [0, 2, 2]]\ntarget: 0\nlayers:\n"
                    "  - {type: conv2d, weight: &k [[1, 0], [0, 1]], bias: 0}\n"
                    "  - {type: conv2d, weight: *k, bias: 0}\n"
                    "  - {type: flatten}\n  - {type: dense, weight: [[1, -1]], bias: [0, 0]}\n"
                    "  - {type: softmax}\n", encoding="utf-8")
    net = build(load_spec(path))
    assert net.layers[0].weight.tolist() == net.layers[1].weight.tolist() == [[[[1, 0], [0, 1]]]]


@pytest.mark.parametrize("fmt, text", [
    ("json", '{{"input": [[1]], "target": 0, "learning_rate": {n}, "layers": []}}'),
    ("toml", "input = [[1]]\ntarget = 0\nlearning_rate = {n}\nlayers = []\n"),
    ("yaml", "input: [[1]]\ntarget: 0\nlearning_rate: {n}\nlayers: []\n"),
])
def test_a_whole_number_of_thousands_of_digits_is_named_without_pythons_advice(fmt, text,
                                                                             tmp_path):
    path = tmp_path / f"big.{fmt}"
    path.write_text(text.format(n="1" * 5001), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == (f"{path}: not valid {fmt.upper()}: a whole number of more than "
                               "4300 digits; expected a shorter number")


HANGUL = re.compile("[가-힣]")


@pytest.mark.parametrize(("name", "text", "fragment", "keyword"), CASES)
def test_malformed_spec_is_said_in_korean(tmp_path, capsys, name, text, fragment, keyword):
    """Under --lang ko every case is one line naming the file, its message in Korean (a
    parser's own detail inside "not valid YAML" may stay English), and nothing written."""
    path = write(tmp_path, name, text)
    out = tmp_path / "out"
    code = main(["render", str(path), "--lang", "ko", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert str(path) in err
    assert HANGUL.search(err.split(str(path), 1)[1]), err
    assert not out.exists()


@pytest.mark.parametrize("layers, english", [
    ([{"type": "conv2d", "weight": [[1]]}, {"type": "flatten"}, {"type": "dense", "units": 2},
      {"type": "conv2d", "weight": [[1]]}],
     "layers[3]: conv2d expects a (C, H, W) input, got shape (2,)"),
    ([{"type": "maxpool2d", "size": 9}], "layers[0].size: pool window 9x9 is larger than its "
                                         "input 4x4"),
    ([{"type": "flatten"}, {"type": "dense", "weight": [[1, 2]]}],
     "layers[1].weight: expected 16 rows (the size of its input), got shape (1, 2)"),
    ([{"type": "flatten"}, {"type": "dense", "units": 10**7}],
     "layers[1].weight of shape (16, 10000000) has 160000000 values"),
])
def test_shape_errors_found_when_building_are_said_in_korean(tmp_path, layers, english):
    """Errors found layer by layer while building (shapes, sizes) keep their English text
    and have a Korean one that still starts with the field."""
    path = write(tmp_path, "spec.json", json.dumps({"input": X, "layers": layers}))
    with pytest.raises(SpecError) as info:
        build(load_spec(path))
    assert str(info.value).startswith(f"{path}: {english}")
    korean = info.value.text("ko")
    field = re.match(r"[\w\[\].]+", english)[0]
    assert korean.startswith(f"{path}: {field}: ") and HANGUL.search(korean), korean


@pytest.mark.parametrize("command, options", [(["render"], []), (["trace"], []),
                                              (["sheet"], ["--blank", "forward"]),
                                              (["export", "moodle"], ["--blank", "forward"])])
@pytest.mark.parametrize("name, text, message", [
    ("t.json", '{"format": "cnntrace-trace", "version": 1, "title": "x"}',
     "a trace (cnntrace trace --json), not a spec; give the spec it was made from"),
    ("index.json", '{"format": "cnntrace-batch", "version": 1, "variants": []}',
     "the index of a class (cnntrace batch), not a spec; give a variant's spec "
     "(NAME.spec.toml in the same folder)"),
    ("a.yaml", 'student: "Ana"\nconv1.out: [[5, 7], [11, 10]]\n', "an answer sheet, not a "
     "spec; give the spec it was made for (cnntrace check SPEC ANSWERS... marks it)"),
    ("b.yaml", 'conv1.out[0,1,0]: 11\n', "an answer sheet, not a spec; give the spec it "
     "was made for (cnntrace check SPEC ANSWERS... marks it)"),
])
def test_another_cnntrace_file_given_as_the_spec_is_named(tmp_path, capsys, command, options,
                                                         name, text, message):
    """A trace, a batch's index or an answer sheet given as the spec was 'spec: unknown
    key 'format'' (or 'student')."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main([*command, str(path), *options]) == 2
    assert capsys.readouterr().err == f"cnntrace: error: {path}: {message}\n"
