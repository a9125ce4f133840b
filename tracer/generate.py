"""Hand-friendly generated specs: numbers a class can push through one pass by hand.

The network is the lecture's: conv (one filter, stride 1, no padding) -> ReLU ->
2x2 max-pool (stride 2) -> flatten -> dense -> softmax with cross-entropy. The input
and the kernel are small integers, the conv bias an integer, the dense weights and
biases short decimals (tenths where they can be, hundredths at most), so every value up
to the logits is exact with at most 2 decimals. Draws are rejected until

* no pre-activation (conv output, logit) is exactly 0 (unless ``allow_zero``),
* at least one ReLU input is negative (so the mask matters),
* every pooling window has one maximum (no ties),
* the largest softmax probability is between 0.55 and 0.95 and none is below 0.01 (not
  saturated, so the loss stays below 4.6 and the gradients and the update show at 4
  significant digits, with no update that cancels its weight to 1e-7),
* no gradient or update the pass shows cancels to exactly 0 (see :func:`_cancelled`:
  dL/dx of every pooled feature, every cell of dL/dK, dL/db and dL/dX that is a sum of
  nonzero terms, every new weight and bias that the step changes), and dL/dK has a
  nonzero cell; such a zero would show as float rounding noise (3e-16) in the key,

with a bound on the number of draws; when no draw meets them, :class:`GenerateError`
names the constraint. Only ``random.Random(seed).random()`` is used (its sequence is
guaranteed across Python versions), so a seed always gives the same spec.

>>> data = generate(7)
>>> data["seed"], len(data["layers"])
(7, 6)
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .errors import CnnTraceError, Said

POOL = 2  # max-pool size and stride
PROB_RANGE = (0.55, 0.95)  # of the largest probability
PROB_FLOOR = 0.01  # of every probability
CONV_TRIES = 4000  # draws of input, kernel and bias
DENSE_TRIES = 40  # draws of the dense layer per grid, per accepted convolution
DENSE_GRIDS = ((10, 10), (20, 10), (50, 10), (100, 10))  # (1/step, largest |w| in steps)
BIAS_TENTHS = 5  # dense biases in -0.5 .. 0.5, conv bias in -2 .. 2
CONV_BIAS = 2
LIMITS = {"side": 12, "kernel": 5, "classes": 10, "value": 20}


class GenerateError(CnnTraceError, ValueError):
    """Options that cannot give a spec; the message names the option or constraint."""


@dataclass(frozen=True)
class Options:
    """What to generate: sizes and value ranges (see :data:`PRESETS`)."""

    input: tuple[int, int] = (4, 4)
    kernel: int = 3
    classes: int = 2
    input_values: tuple[int, int] = (0, 5)
    kernel_values: tuple[int, int] = (-1, 1)
    allow_zero: bool = False
    learning_rate: str = "0.1"
    title: str = ""
    lang: str = "en"  # of the default title


PRESETS = {
    "lecture": Options(),  # the lecture's shape: 4x4 input, 3x3 kernel, 2 classes
    "tiny": Options(input=(3, 3), kernel=2, input_values=(0, 4)),
    "wide": Options(input=(6, 6), kernel=3, classes=3, input_values=(0, 4)),
}


def options(preset: str = "lecture", **overrides) -> Options:
    """A preset's options with ``overrides`` (None values ignored)."""
    if preset not in PRESETS:
        raise GenerateError(f"--preset: unknown preset {preset!r}; choose from "
                            f"{', '.join(PRESETS)}")
    return replace(PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None})


# -------------------------------------------------------------------------- checks
def validate(opts: Options) -> tuple[int, int]:
    """The convolution output size; GenerateError for impossible sizes or ranges."""
    (h, w), k = opts.input, opts.kernel
    if not (1 <= h <= LIMITS["side"] and 1 <= w <= LIMITS["side"]):
        raise GenerateError.said("gen_sides", most=LIMITS["side"], h=h, w=w)
    if not 1 <= k <= LIMITS["kernel"]:
        raise GenerateError.said("gen_range", option="--kernel", least=1, most=LIMITS["kernel"],
                                 got=k)
    if not 2 <= opts.classes <= LIMITS["classes"]:
        raise GenerateError.said("gen_range", option="--classes", least=2,
                                 most=LIMITS["classes"], got=opts.classes)
    for name, (lo, hi) in (("--input-values", opts.input_values),
                           ("--kernel-values", opts.kernel_values)):
        if lo > hi or max(abs(lo), abs(hi)) > LIMITS["value"]:
            raise GenerateError.said("gen_values", option=name, most=LIMITS["value"], lo=lo,
                                     hi=hi)
    if k > min(h, w):
        raise GenerateError.said("gen_fit", k=k, h=h, w=w)
    out = (h - k + 1, w - k + 1)
    if min(out) < POOL:
        raise GenerateError.said("gen_pool", pool=POOL, h=h, w=w, k=k, oh=out[0], ow=out[1])
    return out


def _conv(x: np.ndarray, kernel: np.ndarray, bias: int) -> np.ndarray:
    k = kernel.shape[0]
    h, w = x.shape[0] - k + 1, x.shape[1] - k + 1
    return np.array([[int((x[i:i + k, j:j + k] * kernel).sum()) + bias for j in range(w)]
                     for i in range(h)], dtype=np.int64)


def _windows(a: np.ndarray) -> list[np.ndarray]:
    h, w = a.shape[0] // POOL, a.shape[1] // POOL
    return [a[i * POOL:(i + 1) * POOL, j * POOL:(j + 1) * POOL].ravel()
            for i in range(h) for j in range(w)]


def _conv_failures(z: np.ndarray, allow_zero: bool) -> set[str]:
    failed = set()
    if not allow_zero and (z == 0).any():
        failed.add("zero")
    if not (z < 0).any():
        failed.add("negative")
    for window in _windows(np.maximum(z, 0)):
        if (window == window.max()).sum() > 1:
            failed.add("ties")
            break
    return failed


def _saturated(logits_hundredths: np.ndarray) -> bool:
    """Whether softmax of the logits is outside PROB_RANGE (largest) or PROB_FLOOR."""
    z = logits_hundredths / 100.0
    e = np.exp(z - z.max())
    p = e / e.sum()
    return not PROB_RANGE[0] <= p.max() <= PROB_RANGE[1] or p.min() < PROB_FLOOR


# ------------------------------------------------------------------------ drawing
class _Draw:
    """Integers in a range from ``random.Random.random()`` only (a stable sequence)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def int(self, lo: int, hi: int) -> int:
        return lo + int(self.rng.random() * (hi - lo + 1))

    def ints(self, shape, lo: int, hi: int, nonzero: bool = False) -> np.ndarray:
        values = []
        for _ in range(int(np.prod(shape))):
            v = self.int(lo, hi)
            while nonzero and v == 0 and (lo, hi) != (0, 0):
                v = self.int(lo, hi)
            values.append(v)
        return np.array(values, dtype=np.int64).reshape(shape)


def _dense(draw: _Draw, features: np.ndarray, classes: int, allow_zero: bool,
           failures: Counter):
    """Weights and biases (in hundredths) meeting the logit constraints, one by one."""
    for per_unit, largest in DENSE_GRIDS:
        scale = 100 // per_unit
        for _ in range(DENSE_TRIES):
            weight = draw.ints((features.size, classes), -largest, largest, nonzero=True) * scale
            bias = draw.ints((classes,), -BIAS_TENTHS, BIAS_TENTHS) * 10
            logits = features @ weight + bias  # hundredths
            if _saturated(logits):
                failures["saturation"] += 1
            elif not allow_zero and (logits == 0).any():
                failures["zero"] += 1
            else:
                yield weight, bias


def _pooled(z: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The pooled features (in flatten order) and where each maximum sits in ``z``."""
    relu = np.maximum(z, 0)
    features, positions = [], []
    for i in range(relu.shape[0] // POOL):
        for j in range(relu.shape[1] // POOL):
            window = relu[i * POOL:(i + 1) * POOL, j * POOL:(j + 1) * POOL]
            r, c = divmod(int(window.argmax()), POOL)
            features.append(int(window[r, c]))
            positions.append((i * POOL + r, j * POOL + c))
    return np.array(features, dtype=np.int64), positions


def _cancelled(x, kernel, conv_bias, positions, features, weight, dense_bias, target,
               learning_rate: Fraction) -> str | None:
    """Whether a backward value or update the pass shows is exactly 0 by cancellation.

    'kernel' when dL/dK is 0 whatever the dense layer (the input is 0 in the whole window
    of every pooled maximum), 'cancel' when some value is a sum of nonzero terms that is
    exactly 0 (or dL/dK is 0 in every cell), None when nothing vanishes.

    Every backward value is linear in dL/dlogits = p - y, and since sum(p) = 1 it is
    sum_c B_c p_c with rational B_c: here B is kept per cell as integers over the
    classes (gradients in hundredths, updates in 1/(100 q) for a learning rate p/q). As
    p_c = e^(z_c) / sum e^(z) with rational logits z, Lindemann-Weierstrass makes such a
    value 0 exactly when, for each distinct logit, the B_c of the classes with that logit
    sum to 0: equal dense weights of the classes (2 classes: w_f0 = w_f1) make dL/dx_f 0,
    and so every gradient of the convolution.
    """
    classes = weight.shape[1]
    p, q = learning_rate.numerator, learning_rate.denominator
    # int64 holds every coefficient (below 1e14) for a learning rate of up to 6 digits
    kind = np.int64 if max(abs(p), q) < 10 ** 6 else object
    _, group = np.unique(features @ weight + dense_bias, return_inverse=True)
    merge = np.eye(int(group.max()) + 1, dtype=np.int64)[group].astype(kind)

    def zero(coefficients) -> np.ndarray:
        return ~np.asarray(np.asarray(coefficients, dtype=kind) @ merge, dtype=bool).any(-1)

    eye = np.eye(classes, dtype=np.int64)
    grad = eye - eye[target][:, None]  # dL/dlogit_c = p_c - y_c = sum_j (eye_cj - y_c) p_j
    per_feature = weight @ grad  # dL/dx_f in hundredths: w_fc - w_f,target
    k = kernel.shape[0]
    grad_kernel = np.zeros((k, k, classes), dtype=np.int64)
    kernel_terms = np.zeros((k, k), dtype=bool)  # some term x * dL/dz is nonzero
    grad_input = np.zeros((*x.shape, classes), dtype=np.int64)
    input_terms = np.zeros(x.shape, dtype=bool)
    for (i, j), u in zip(positions, per_feature):
        patch = x[i:i + k, j:j + k]
        grad_kernel += patch[:, :, None] * u
        kernel_terms |= patch != 0
        grad_input[i:i + k, j:j + k] += kernel[:, :, None] * u
        input_terms[i:i + k, j:j + k] |= kernel != 0
    if not kernel_terms.any():
        return "kernel"
    grad_conv_bias = per_feature.sum(axis=0)
    ones = np.ones(classes, dtype=kind)
    grad, features = grad.astype(kind), features.astype(kind)
    shown = [  # (coefficients, whether the cell is a sum with a nonzero term)
        (per_feature, True),
        (grad_kernel, kernel_terms),
        (grad_conv_bias, True),
        (grad_input, input_terms),
    ]
    if p:  # the new weights and biases, w - lr * dL/dw (a rate of 0 leaves them as they are)
        shown += [
            (kernel.astype(kind)[:, :, None] * (100 * q) * ones - grad_kernel.astype(kind) * p,
             kernel_terms),
            (conv_bias * 100 * q * ones - grad_conv_bias.astype(kind) * p, True),
            (weight.astype(kind)[:, :, None] * q * ones
             - features[:, None, None] * (100 * p) * grad, True),
            (dense_bias.astype(kind)[:, None] * q * ones - (100 * p) * grad, True),
        ]
    # dL/dW and dL/dB of the dense layer, x_f (p_c - y_c) and p_c - y_c, are never 0
    if zero(grad_kernel).all() or any((zero(c) & terms).any() for c, terms in shown):
        return "cancel"
    return None


def generate(seed: int = 0, opts: Options | None = None) -> dict:
    """A spec (as data for :func:`tracer.spec.from_dict`) meeting every constraint."""
    opts = opts or Options()
    if not isinstance(seed, int) or seed < 0:
        raise GenerateError(f"--seed: expected a whole number >= 0, got {seed!r}")
    validate(opts)
    learning_rate = Fraction(Decimal(opts.learning_rate))
    draw = _Draw(seed)
    failures: Counter = Counter()
    for _ in range(CONV_TRIES):
        x = draw.ints(opts.input, *opts.input_values)
        kernel = draw.ints((opts.kernel, opts.kernel), *opts.kernel_values)
        bias = draw.int(-CONV_BIAS, CONV_BIAS)
        z = _conv(x, kernel, bias)
        failed = _conv_failures(z, opts.allow_zero)
        failures.update(failed)
        if failed:
            continue
        features, positions = _pooled(z)
        # the random draws are those of 0.2.0 until a draw it accepted fails here: a seed
        # whose spec had no cancelling gradient gives the same spec
        for weight, dense_bias in _dense(draw, features, opts.classes, opts.allow_zero,
                                         failures):
            target = draw.int(0, opts.classes - 1)
            cancelled = _cancelled(x, kernel, bias, positions, features, weight, dense_bias,
                                   target, learning_rate)
            if cancelled is None:
                return _spec_data(seed, opts, x, kernel, bias, weight, dense_bias, target)
            failures["vanishing"] += 1
            if cancelled == "kernel":
                break  # no dense layer helps: draw another convolution
    raise _failure(failures, opts)


def _failure(failures: Counter, opts: Options) -> GenerateError:
    """The constraint (or the two) that most draws failed, and the sizes tried; the
    constraints' names are error.constraint.<name> in the message catalogs."""
    ranked = [name for name, _ in failures.most_common()]
    names = ranked[:1] if failures[ranked[0]] >= CONV_TRIES else ranked[:2]
    what = [Said(f"error.constraint.{name}", {"low": PROB_RANGE[0], "high": PROB_RANGE[1],
                                              "floor": PROB_FLOOR}) for name in names]
    return GenerateError.said(
        "gen_failed" if len(what) == 1 else "gen_failed_together", what=what[0],
        other=what[-1], tries=CONV_TRIES, h=opts.input[0], w=opts.input[1],
        input_lo=opts.input_values[0], input_hi=opts.input_values[1], k=opts.kernel,
        kernel_lo=opts.kernel_values[0], kernel_hi=opts.kernel_values[1], classes=opts.classes)


def _hundredths(values) -> list:
    return np.vectorize(lambda v: Decimal(int(v)) / 100, otypes=[object])(values).tolist()


def default_title(opts: Options) -> str:
    """'One pass by hand: 4x4 input, 3x3 filter, 2 classes', in ``opts.lang``."""
    from .render.assets import plain
    sizes = {"height": opts.input[0], "width": opts.input[1], "kernel": opts.kernel,
             "classes": opts.classes}
    return plain(opts.lang, "generate.title", sizes)


def _spec_data(seed, opts, x, kernel, bias, weight, dense_bias, target) -> dict:
    return {
        "title": opts.title or default_title(opts),
        "seed": seed,
        "learning_rate": Decimal(opts.learning_rate),
        "input": x.tolist(),
        "target": target,
        "layers": [
            {"type": "conv2d", "weight": kernel.tolist(), "bias": int(bias), "stride": 1,
             "padding": 0},
            {"type": "relu"},
            {"type": "maxpool2d", "size": POOL, "stride": POOL},
            {"type": "flatten"},
            {"type": "dense", "weight": _hundredths(weight), "bias": _hundredths(dense_bias)},
            {"type": "softmax"},
        ],
    }


# --------------------------------------------------------------------------- TOML
def spec_toml(data: dict, command: str = "", lang: str = "en") -> str:
    """``data`` from :func:`generate` as an ordinary, editable TOML spec (deterministic),
    its header comments in ``lang``."""
    from . import __version__
    from .render.assets import plain
    header = plain(lang, "generated.by", {"version": __version__}) + \
        (f": {command}" if command else "")
    lines = [f"# {line}" for line in [header, *plain(lang, "generated.note").splitlines()]]
    lines += [f"title = {_toml_string(data['title'])}",
             *([f"variant = {_toml_string(data['variant'])}"] if data.get("variant") else []),
             f"seed = {data['seed']}",
             f"learning_rate = {_toml_value(data['learning_rate'])}",
             _toml_key("input", data["input"]),
             f"target = {_toml_value(data['target'])}"]
    for layer in data["layers"]:
        lines += ["", "[[layers]]"]
        lines += [_toml_key(key, value) for key, value in layer.items()]
    return "\n".join(lines) + "\n"


def _toml_key(key: str, value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], list):
        indent = " " * (len(key) + 4)
        rows = [_toml_value(row) for row in value]
        return f"{key} = [" + (",\n" + indent).join(rows) + "]"
    return f"{key} = {_toml_value(value)}"


def _toml_value(value) -> str:
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, Decimal):
        text = str(value)
        if "E" in text or "e" in text:
            text = format(value, "f")
        return text
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'
