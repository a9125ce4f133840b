"""The pass as a chain of steps, each recomputing quantities from other quantities.

The checker recomputes every quantity from *any* set of earlier values (the trace's,
or a student's own), so each step reads its inputs from a ``values`` mapping
(id -> float64 array in the trace's shape) instead of from the network. The numbers
come from the engine's own code: each layer's ``forward``/``backward`` (on a copy of the
engine layer holding the values' parameters), the output layer's ``forward`` for e^z,
and :func:`tracer.network.loss` for the loss after the update.

Three hand-calculation steps have no engine function of their own and are written
here from their definitions (see the report's proposed engine changes):

* the softmax from its exps:   y_hat_k = e_k / S,   S = sum_j e_j
* the loss from probabilities: L = -scale sum_{n,k} y log y_hat  (binary: with 1 - y)
* the output gradient:         dL/dz = scale (y_hat - y)
* the SGD update:              W_new = W - eta dL/dW

``tweak`` keyword arguments change one rule, for the mistake catalogue: ``rate``,
``scale``, ``log_base``, ``normalise``, ``ties``, ``grad_at_zero``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from ..builder import Network, build
from ..network import loss as network_loss
from ..noise import Cleaner
from ..numeric import FLOAT
from ..spec import Spec
from ..trace import Trace

Values = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Step:
    """One step of the pass: ``outputs = run(values of inputs)``."""

    name: str
    kind: str  # given, forward, exp, sum, softmax, loss, output_grad, backward, update, after
    layer: object | None
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    compute: Callable[..., dict]

    def run(self, values: Values, **tweak) -> dict[str, np.ndarray]:
        """The step's outputs from ``values``; NaN where undefined (no warnings)."""
        with np.errstate(all="ignore"):
            return {q: np.asarray(v, dtype=np.float64)
                    for q, v in self.compute(values, tweak).items()}


class PassModel:
    """Every step of one network's pass, in an order where inputs come first."""

    def __init__(self, spec: Spec, trace: Trace):
        self.net: Network = build(spec, "float")
        self.trace = trace
        self.batched = spec.batched
        self.rate = float(spec.learning_rate)
        samples = self.net.inputs.shape[0]
        self.scale = 1 / samples if spec.conventions["loss_reduction"] == "mean" else 1.0
        self.samples = samples
        self.memo: dict = {}  # per-check caches (e.g. the mistake catalogue's rounded walks)
        self.steps: list[Step] = []
        self._build()
        self.producer = {q: s for s in self.steps for q in s.outputs}

    # ------------------------------------------------------------------ helpers
    def batch(self, x):
        x = np.asarray(x, dtype=np.float64)
        return x if self.batched else x[None]

    def unbatch(self, x):
        x = np.asarray(x)
        return x if self.batched else x[0]

    def live(self, layer, values: Values, tweak: dict, suffix: str = ""):
        """A copy of an engine layer holding ``values``' parameters (``suffix`` '_new'
        for the updated ones) and the tweaked rules."""
        layer = copy.copy(layer)
        for p in layer.param_names:
            setattr(layer, p, np.asarray(values[f"{layer.name}.{p}{suffix}"], dtype=float))
        for rule in ("ties", "grad_at_zero"):
            if rule in tweak and hasattr(layer, rule):
                setattr(layer, rule, tweak[rule])
        return layer

    def truth(self) -> dict[str, np.ndarray]:
        """The trace's values as float64, by id."""
        return {q: np.asarray(self.trace.numbers(q), dtype=np.float64)
                for q in self.trace.ids()}

    def leaves(self, values: Values) -> dict[str, np.ndarray]:
        """The given quantities (input, target, parameters) of ``values``."""
        return {q: values[q] for s in self.steps if s.kind == "given" for q in s.outputs}

    # ------------------------------------------------------------------- the steps
    def _add(self, name, kind, layer, inputs, outputs, compute):
        self.steps.append(Step(name, kind, layer, tuple(inputs), tuple(outputs), compute))

    def _build(self):
        """A training pass: forward, loss, backward, update. Without a target (an
        exercise on one operation): the forward, then the backward from the given
        dL/d(output) if there is one, every layer included."""
        layers = self.net.layers
        infos = self.trace.layers
        params = [f"{layer.name}.{p}" for layer in layers for p in layer.param_names]
        train = self.net.targets is not None
        given_grad = [] if train or self.net.grad_outs is None else [f"{layers[-1].name}.grad"]
        for qid in ["input.out"] + (["target.out"] if train else given_grad) + params:
            self._add(qid, "given", None, (), (qid,), None)
        for layer, info in zip(layers[:-1], infos):
            self._forward_step(layer, info)
        if not train:
            if layers[-1].type in ("softmax", "sigmoid"):
                self._output_forward(layers[-1], infos[-1])
            else:
                self._forward_step(layers[-1], infos[-1])
            if given_grad:
                for layer, info in zip(reversed(layers), reversed(infos)):
                    self._backward_step(layer, info)
            return
        self._output_steps(layers[-1], infos[-1])
        for layer, info in zip(reversed(layers[:-1]), reversed(infos[:-1])):
            self._backward_step(layer, info)
        for layer in layers:
            for p in layer.param_names:
                self._update_step(f"{layer.name}.{p}")
        if "loss.after" in self.trace:
            self._add("loss after the update", "after", None,
                      ["input.out", "target.out"] + [f"{q}_new" for q in params],
                      ["loss.after"], self._loss_after)

    def _forward_step(self, layer, info):
        name = layer.name
        records = [q for q in self.trace.ids()
                   if q.startswith(f"{name}.") and self.trace.quantity(q).step == "forward"
                   and q.split(".")[1] not in ("out",) + layer.param_names]

        def compute(values, tweak):
            live = self.live(layer, values, tweak)
            x = self.batch(values[info["input"]])
            out, recs, _ = live.forward(x, FLOAT)
            out = Cleaner().output(live, x, out)  # a sum that is 0 but for rounding: 0
            result = {f"{name}.out": self.unbatch(out)}
            result.update({f"{name}.{k}": self.unbatch(v) for k, v in recs.items()})
            return result

        self._add(f"{name} forward", "forward", layer,
                  [info["input"]] + [f"{name}.{p}" for p in layer.param_names],
                  [f"{name}.out"] + records, compute)

    def _output_steps(self, layer, info):
        """The output layer's forward, the loss and dL/dz = scale (y_hat - y)."""
        self._output_forward(layer, info)
        name, logits = layer.name, info["input"]
        out = f"{name}.out"
        self._add("loss", "loss", layer, [out, "target.out"], ["loss.out"],
                  self._loss(layer.type, out))
        grad = logits.replace(".out", ".grad")
        self._add(f"{grad} = scale (y_hat - y)", "output_grad", layer, [out, "target.out"],
                  [grad], lambda v, t: {grad: (v[out] - v["target.out"])
                                        * t.get("scale", self.scale)})

    def _output_forward(self, layer, info):
        """Softmax as e^z, their sum and the probabilities (three steps, so that a slip
        in one is carried into the next); sigmoid with its derivative."""
        name, logits = layer.name, info["input"]
        out = f"{name}.out"
        if layer.type == "softmax":
            self._add(f"{name} exp", "exp", layer, [logits], [f"{name}.exp"],
                      lambda v, t: {f"{name}.exp": self.unbatch(
                          layer.forward(self.batch(v[logits]), FLOAT)[1]["exp"])})
            self._add(f"{name} sum", "sum", layer, [f"{name}.exp"], [f"{name}.sum"],
                      lambda v, t: {f"{name}.sum": np.sum(v[f"{name}.exp"], axis=-1)})
            self._add(f"{name} probabilities", "softmax", layer,
                      [f"{name}.exp", f"{name}.sum"], [out], self._softmax(name))
        else:
            local = f"{name}.local_grad"
            self._add(f"{name} forward", "forward", layer, [logits], [out],
                      lambda v, t: {out: self.unbatch(
                          layer.forward(self.batch(v[logits]), FLOAT)[0])})
            self._add(f"{name} derivative", "forward", layer, [out], [local],
                      lambda v, t: {local: v[out] * (1 - v[out])})  # as the engine: y (1 - y)

    def _softmax(self, name):
        def compute(values, tweak):
            """y_hat_k = e_k / S (without normalisation: e_k)."""
            e, total = values[f"{name}.exp"], np.asarray(values[f"{name}.sum"])
            if not tweak.get("normalise", True):
                return {f"{name}.out": e}
            return {f"{name}.out": e / total[..., None]}
        return compute

    def _loss(self, kind, out):
        def compute(values, tweak):
            """L = -scale sum y log_b y_hat (binary: + (1 - y) log_b (1 - y_hat)), 0 log 0 = 0."""
            p, y = values[out], values["target.out"]
            log_b = math.log(tweak.get("log_base", math.e))
            terms = _y_log(y, p)
            if kind == "sigmoid":
                terms = terms + _y_log(1 - y, 1 - p)
            return {"loss.out": -np.sum(terms) * tweak.get("scale", self.scale) / log_b}
        return compute

    def _backward_step(self, layer, info):
        name, source = layer.name, info["input"]
        grad_in = source.replace(".out", ".grad")

        routed = layer.type == "maxpool2d"  # to the maximum the values say (a student's own)
        # the output layer's Jacobian from the student's own y_hat (softmax) or y'(z)
        own_output = {"softmax": f"{name}.out", "sigmoid": f"{name}.local_grad"}.get(
            layer.type) if layer is self.net.layers[-1] else None

        def compute(values, tweak):
            live = self.live(layer, values, tweak)
            if own_output:
                saved = self.batch(values[own_output])
            else:
                _, _, saved = live.forward(self.batch(values[source]), FLOAT)
            if routed and live.ties == "first":
                saved = self._routed_to(live, saved, values[f"{name}.argmax"])
            grad = self.batch(values[f"{name}.grad"])
            back, recs = live.backward(grad, saved, FLOAT)
            back, recs = Cleaner().backward(live, saved, grad, back, recs,
                                            x=self.batch(values[source]))
            return {grad_in: self.unbatch(back), **{f"{name}.{k}": v for k, v in recs.items()}}

        self._add(f"{name} backward", "backward", layer,
                  [f"{name}.grad", source] + [f"{name}.{p}" for p in layer.param_names]
                  + ([f"{name}.argmax"] if routed else [])
                  + ([own_output] if own_output else []),
                  [grad_in] + [f"{name}.grad_{p}" for p in layer.param_names], compute)

    def _routed_to(self, pool, saved, argmax):
        """The pool's saved routing with each window's maximum where ``argmax`` (row, col
        in the input) puts it, where that cell is in the window: k = (r - i S) F + (c - j S)."""
        x_shape, first, is_max = saved
        f, s = pool.size, pool.stride
        cells = self.batch(np.asarray(argmax, dtype=np.float64))
        ho, wo = first.shape[-2:]
        rows = cells[..., 0] - (np.arange(ho) * s)[:, None]
        cols = cells[..., 1] - np.arange(wo) * s
        inside = (rows >= 0) & (rows < f) & (cols >= 0) & (cols < f) & (rows % 1 == 0) \
            & (cols % 1 == 0)
        given = np.where(inside, rows * f + cols, first).astype(first.dtype)
        return x_shape, given, is_max

    def _update_step(self, param):
        def compute(values, tweak):
            """W_new = W - eta dL/dW."""
            rate = tweak.get("rate", self.rate)
            grad = values[param.replace(".", ".grad_", 1)]
            new = values[param] - rate * grad
            return {f"{param}_new": Cleaner().update(values[param], rate, grad, new)}
        self._add(f"{param} update", "update", None,
                  [param, param.replace(".", ".grad_", 1)], [f"{param}_new"], compute)

    def _loss_after(self, values, tweak):
        net = copy.copy(self.net)
        net.layers = [self.live(layer, values, tweak, "_new") for layer in self.net.layers]
        net.inputs = self.batch(values["input.out"])
        net.targets = self.batch(values["target.out"])
        return {"loss.after": network_loss(net)}


def _y_log(y, p):
    """y log p, taking 0 log 0 (and 0 log of anything) as 0."""
    return np.where(y == 0, 0.0, y * FLOAT.log(p))
