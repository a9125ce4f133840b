"""Build a network from a spec: layers with their parameters (given or drawn), the
inputs and targets as arrays in one numeric backend."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .layers import LAYER_TYPES, Layer
from .losses import LOSSES
from .numeric import Numeric, backend
from .errors import Said
from .spec import Spec, SpecError


@dataclass
class Network:
    """Layers with parameters in one numeric backend, plus the spec's data as arrays."""

    spec: Spec
    nx: Numeric
    layers: list[Layer]
    shapes: list[tuple]  # per-sample shapes: input, then after each layer
    inputs: np.ndarray  # (N, C, H, W)
    targets: np.ndarray | None  # (N, K); None for a forward or a given-gradient pass
    grad_outs: np.ndarray | None = None  # (N, *output shape): dL/d(output), given
    _infos: list | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def loss_name(self) -> str:
        return LOSSES[self.layers[-1].type][0]

    def __repr__(self):  # short: the dataclass's printed every weight (19 kB, lecture-cnn)
        shapes = " -> ".join([f"input {tuple(self.shapes[0])}"] + [
            f"{layer.name} {tuple(shape)}" for layer, shape in zip(self.layers, self.shapes[1:])])
        samples = len(self.inputs)
        return (f"<Network {self.spec.title!r} ({self.nx.name}): {len(self.layers)} layers, "
                f"{samples} sample{'s' * (samples != 1)}: {shapes}>")


MAX_VALUES = 2_000_000  # per layer output (per sample) and per parameter tensor
DEFAULT_SLOPE = Decimal("0.01")  # leaky_relu: exactly 1/100 in exact mode, as a spec's 0.01


def build(spec: Spec, mode: str = "float") -> Network:
    """Turn a validated spec into a :class:`Network`.

    Raises SpecError, prefixed with the spec's file, on shape and target errors.
    """
    if not isinstance(spec, Spec):  # a notebook's dict: from_dict validates it first
        raise TypeError(f"expected a Spec (tracer.from_dict(data), load_spec(path) or "
                        f"load_example(name)), got {type(spec).__name__}")
    try:
        return _build(spec, mode)
    except SpecError as err:
        raise err.within(spec.source) from None


def _build(spec: Spec, mode: str) -> Network:
    nx = backend(mode)
    rng = np.random.default_rng(spec.seed)
    inputs = nx.array(spec.inputs)
    shape = inputs.shape[1:]
    layers, shapes = [], [shape]
    for i, layer_spec in enumerate(spec.layers):
        layer = _make_layer(layer_spec, f"layers[{i}]", shape, spec, nx, rng)
        shape = layer.output_shape(shape)
        if 0 in shape:
            raise SpecError.said("spec.empty_output", where=f"layers[{i}]", shape=shape)
        _check_size(shape, "output_of_shape", f"layers[{i}]")
        layers.append(layer)
        shapes.append(shape)
    if spec.kind == "train":
        if len(shape) != 1:
            raise SpecError.said("spec.output_flat", where=f"layers[{len(layers) - 1}]",
                                 shape=shape)
        targets = nx.array(_targets(spec, shape[0], layers[-1].type))
        return Network(spec, nx, layers, shapes, inputs, targets)
    grad_outs = _grad_outs(spec, shape, nx) if spec.kind == "backward" else None
    return Network(spec, nx, layers, shapes, inputs, None, grad_outs)


def _grad_outs(spec: Spec, shape: tuple, nx) -> np.ndarray:
    """The given dL/d(output) per sample, in the output's shape (a single channel may
    be given squeezed)."""
    rows = []
    for i, given in enumerate(spec.grad_outs):
        where = f"grad_outs[{i}]" if spec.batched else "grad_out"
        value = nx.array(given)
        if value.shape != shape:
            if value.size != math.prod(shape) or tuple(d for d in shape if d != 1) != \
                    tuple(d for d in value.shape if d != 1):
                raise SpecError.said("spec.grad_out_shape", where=where, shape=shape,
                                     got=value.shape)
            value = value.reshape(shape)
        rows.append(value)
    return np.stack(rows)


def _make_layer(ls, where, in_shape, spec, nx, rng) -> Layer:
    cls = LAYER_TYPES[ls.type]
    conv = spec.conventions
    if ls.type == "conv2d":
        weight = _conv_weight(ls, where, in_shape, nx, rng)
        bias = _bias(ls, where, weight.shape[0], nx)
        return cls(ls.name, where, weight, bias, ls.get("stride", 1), ls.get("padding", 0))
    if ls.type == "dense":
        weight = _dense_weight(ls, where, in_shape, nx, rng)
        return cls(ls.name, where, weight, _bias(ls, where, weight.shape[1], nx))
    if ls.type == "maxpool2d":
        return cls(ls.name, where, ls.get("size", 2), ls.get("stride"), conv["pool_ties"])
    if ls.type == "relu":
        return cls(ls.name, where, conv["relu_grad_at_zero"])
    if ls.type == "leaky_relu":
        slope = nx.scalar(ls.get("slope", DEFAULT_SLOPE))
        return cls(ls.name, where, slope, conv["relu_grad_at_zero"])
    if ls.type == "flatten":
        return cls(ls.name, where, ls.get("order", conv["flatten_order"]))
    return cls(ls.name, where)


def _check_size(shape: tuple, what: str, where: str):
    """Refuse a tensor of more than MAX_VALUES values (``what``: 'output_of_shape' or
    'weight_of_shape', how the error names it)."""
    count = math.prod(shape)
    if count > MAX_VALUES:
        raise SpecError.said("spec.too_many", count=count, most=MAX_VALUES,
                             what=Said(f"error.spec.{what}", {"where": where, "shape": shape}))


def _draw(shape, fan_in, fan_out, init, nx, rng):
    """Seeded initial weights: He N(0, 2/fan_in), Xavier N(0, 2/(fan_in+fan_out)), or 0."""
    if init == "zeros":
        return nx.zeros(shape)
    var = 2 / fan_in if init == "he" else 2 / (fan_in + fan_out)
    return nx.array(rng.standard_normal(shape) * math.sqrt(var))


def _conv_weight(ls, where, in_shape, nx, rng):
    channels = in_shape[0] if len(in_shape) == 3 else None
    if channels is None:
        raise SpecError.said("spec.conv_input", where=where, shape=in_shape)
    if "weight" in ls.options:
        nested, shape = ls.get("weight")
        weight = nx.array(nested)
        if len(shape) == 2:
            weight = weight.reshape((1, 1) + shape)
        elif len(shape) == 3:
            if channels != 1:
                raise SpecError.said("spec.weight_3d", where=f"{where}.weight",
                                     channels=channels)
            weight = weight.reshape((shape[0], 1) + shape[1:])
        for key, got in (("filters", weight.shape[0]), ("size", weight.shape[2:])):
            want = ls.get(key)
            if want is not None and (want if key == "filters" else _pair(want)) != got:
                raise SpecError.said("spec.weight_mismatch", where=f"{where}.{key}",
                                     value=want, shape=tuple(weight.shape))
        return weight
    if ls.get("filters") is None or ls.get("size") is None:
        raise SpecError.said("spec.conv_weight_missing", where=f"{where}.weight")
    kh, kw = _pair(ls.get("size"))
    shape = (ls.get("filters"), channels, kh, kw)
    _check_size(shape, "weight_of_shape", f"{where}.weight")
    return _draw(shape, channels * kh * kw, shape[0] * kh * kw, ls.get("init", "he"), nx, rng)


def _dense_weight(ls, where, in_shape, nx, rng):
    if "weight" in ls.options:
        nested, shape = ls.get("weight")
        units = ls.get("units")
        if units is not None and units != shape[1]:
            raise SpecError.said("spec.weight_mismatch", where=f"{where}.units", value=units,
                                 shape=shape)
        return nx.array(nested)
    if ls.get("units") is None:
        raise SpecError.said("spec.dense_weight_missing", where=f"{where}.weight")
    fan_in = math.prod(in_shape)
    shape = (fan_in, ls.get("units"))
    _check_size(shape, "weight_of_shape", f"{where}.weight")
    return _draw(shape, fan_in, shape[1], ls.get("init", "he"), nx, rng)


def _bias(ls, where, count, nx):
    if "bias" not in ls.options:
        return nx.zeros((count,))
    nested, shape = ls.get("bias")
    if shape == ():
        return nx.array([nested] * count)
    if shape != (count,):
        raise SpecError.said("spec.bias_filters" if ls.type == "conv2d" else "spec.bias_units",
                             where=f"{where}.bias", count=count, got=shape[0])
    return nx.array(nested)


def _pair(size):
    return tuple(size) if isinstance(size, tuple) else (size, size)


def _targets(spec, classes, output_type):
    rows = []
    for i, target in enumerate(spec.targets):
        where = f"targets[{i}]" if spec.batched else "target"
        if isinstance(target, int):
            if output_type == "sigmoid" and classes == 1:
                if target not in (0, 1):
                    raise SpecError.said("spec.sigmoid_target", where=where, got=target)
                rows.append([target])
                continue
            if target >= classes:
                raise SpecError.said("spec.class_index", where=where, index=target,
                                     classes=classes, last=classes - 1)
            rows.append([int(k == target) for k in range(classes)])
            continue
        if len(target) != classes:
            raise SpecError.said("spec.target_length", where=where, classes=classes,
                                 got=len(target))
        if any(t < 0 or t > 1 for t in target):
            raise SpecError.said("spec.probabilities", where=where)
        if output_type == "softmax" and sum(target) != 1:
            raise SpecError.said("spec.target_sum", where=where, got=sum(target))
        rows.append(list(target))
    return rows
