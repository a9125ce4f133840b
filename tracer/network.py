"""One recorded forward / backward / update pass of a built network (:mod:`tracer.builder`;
``build`` and ``Network`` are importable from here too)."""

from __future__ import annotations

import numpy as np

from .builder import DEFAULT_SLOPE, Network, build
from .losses import LOSSES
from .noise import Cleaner
from .spec import Spec
from .trace import Quantity, Trace

__all__ = ["DEFAULT_SLOPE", "Network", "build", "loss", "run_pass", "trace_pass", "train_step"]


# ------------------------------------------------------------------------ the pass
class _Recorder:
    """Collects quantities, dropping the batch axis when the spec gave one sample."""

    def __init__(self, batched: bool):
        self.batched = batched
        self.quantities: dict[str, Quantity] = {}

    def add(self, qid, value: np.ndarray, layer, step):
        """A per-sample value (N, ...)."""
        if not self.batched:
            value = value[0, ...]  # a view; 0-d for (N,)
        self.quantities[qid] = Quantity(qid, value, layer, step)

    def add_whole(self, qid, value: np.ndarray, layer, step):
        """A value of the whole batch: a parameter, its gradient, the loss."""
        self.quantities[qid] = Quantity(qid, value, layer, step)


class _NoRecorder:
    """Keeps nothing: the same pass, as a plain training step."""

    def add(self, *args):
        pass

    add_whole = add


def _loss_scale(net: Network):
    one = net.nx.scalar(1)
    return one / net.inputs.shape[0] if net.spec.conventions["loss_reduction"] == "mean" else one


def loss(net: Network):
    """The loss of the network's current parameters on its batch (nothing recorded);
    inf and NaN are values here, as in the pass."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x = net.inputs
        for layer in net.layers[:-1]:
            x, _, _ = layer.forward(x, net.nx)
        output = net.layers[-1]
        y_hat, _, _ = output.forward(x, net.nx)
        value, _ = LOSSES[output.type][1](x, y_hat, net.targets, _loss_scale(net), net.nx)
    return value


def _forward(net: Network, layers, rec, clean=None) -> tuple:
    """Run ``layers`` on the inputs, recording each layer's parameters (before the update)
    and output; returns (x, saved)."""
    saved, x = [], net.inputs
    for layer in layers:
        x_in = x
        x, records, kept = layer.forward(x, net.nx)
        if clean:
            x = clean.output(layer, x_in, x)
        saved.append(kept)
        for p in layer.param_names:
            rec.add_whole(f"{layer.name}.{p}", getattr(layer, p), layer.name, "forward")
        rec.add(f"{layer.name}.out", x, layer.name, "forward")
        for suffix, value in records.items():
            rec.add(f"{layer.name}.{suffix}", value, layer.name, "forward")
    return x, saved


def _backward(net: Network, layers, saved, grad, rec, clean=None) -> dict:
    """dL/d(out) of each layer from the last of ``layers`` back to the input; returns
    the parameter gradients by id."""
    grads = {}
    for layer in reversed(layers):
        kept = saved.pop()  # freed as soon as its layer is done (lower peak memory)
        rec.add(f"{layer.name}.grad", grad, layer.name, "backward")
        grad_out = grad
        grad, records = layer.backward(grad, kept, net.nx)
        if clean:
            grad, records = clean.backward(layer, kept, grad_out, grad, records)
        for suffix, value in records.items():
            grads[f"{layer.name}.{suffix}"] = value
            rec.add_whole(f"{layer.name}.{suffix}", value, layer.name, "backward")
    rec.add("input.grad", grad, "input", "backward")
    return grads


def _pass(net: Network, rec, clean=None) -> dict:
    """Forward, loss, backward and the SGD step; returns the new parameters by id.

    Without a target the pass stops after the forward (a single-operation exercise), or,
    given dL/d(output), runs the backward from it, every layer included. ``clean`` (a
    :class:`tracer.noise.Cleaner`) sets float sums that are 0 but for rounding to 0 as
    they are made."""
    nx = net.nx
    rec.add("input.out", net.inputs, "input", "forward")
    if net.targets is None:
        x, saved = _forward(net, net.layers, rec, clean)
        if net.grad_outs is not None:
            _backward(net, net.layers, saved, net.grad_outs, rec, clean)
        return {}

    # forward: every layer but the output one, which is fused with the loss
    x, saved = _forward(net, net.layers[:-1], rec, clean)
    output = net.layers[-1]
    y_hat, records, _ = output.forward(x, nx)
    rec.add(f"{output.name}.out", y_hat, output.name, "forward")
    for suffix, value in records.items():
        rec.add(f"{output.name}.{suffix}", value, output.name, "forward")
    rec.add("target.out", net.targets, "target", "forward")
    value, grad = LOSSES[output.type][1](x, y_hat, net.targets, _loss_scale(net), nx)
    if clean:
        clean.loss_gradient(output.type, grad, net.targets)
    rec.add_whole("loss.out", np.asarray(value, dtype=nx.dtype), "loss", "forward")

    # backward: dL/d(out) of each layer, from the logits back to the input
    grads = _backward(net, net.layers[:-1], saved, grad, rec, clean)

    # update: W_new = W - eta * dL/dW for every parameter, in forward order
    rate = nx.scalar(net.spec.learning_rate)
    new_params = {}
    for layer in net.layers:
        for p in layer.param_names:
            new = getattr(layer, p) - rate * grads[f"{layer.name}.grad_{p}"]
            if clean:
                new = clean.update(getattr(layer, p), rate, grads[f"{layer.name}.grad_{p}"], new)
            rec.add_whole(f"{layer.name}.{p}_new", new, layer.name, "update")
            new_params[(layer, p)] = new
    return new_params


class _LossRecorder(_NoRecorder):
    """Keeps only the loss."""

    value = None

    def add_whole(self, qid, value, *args):
        if qid == "loss.out":
            self.value = value


def train_step(net: Network):
    """One SGD step in place, recording nothing but the loss (before the step), which it
    returns; the baseline the tracer is timed against, and the trainer's step."""
    rec = _LossRecorder()
    for (layer, p), new in _pass(net, rec).items():
        setattr(layer, p, new)
    return rec.value[()] if isinstance(rec.value, np.ndarray) else rec.value


def run_pass(spec: Spec, mode: str = "float", after: bool = True) -> Trace:
    """One forward, loss, backward and SGD update pass, every value recorded.

    ``after=True`` also records ``loss.after``: the loss on the same input with the
    updated parameters (a careful reader's check that the step helped). In float mode a
    value that is 0 but for rounding (a decimal sum such as 0.1 + 0.2 - 0.3) is recorded
    as 0 (:mod:`tracer.noise`).
    """
    return trace_pass(build(spec, mode), after, clean=mode == "float")


def trace_pass(net: Network, after: bool = True, clean: bool = False) -> Trace:
    """:func:`run_pass` on an already built network (its parameters are not changed).
    ``clean`` (float mode) sets sums that are 0 but for rounding to 0 (:mod:`tracer.noise`);
    without it the pass is the plain float computation, as timed against PyTorch."""
    spec, mode = net.spec, net.nx.name
    rec = _Recorder(spec.batched)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # inf is a value here
        new_params = _pass(net, rec, Cleaner() if clean and mode == "float" else None)
        if after and net.targets is not None:
            rec.add_whole("loss.after", np.asarray(_loss_after(spec, net, new_params),
                                                   dtype=net.nx.dtype), "loss", "after")
    return Trace(mode=mode, title=spec.title, learning_rate=str(spec.learning_rate),
                 batched=spec.batched, conventions=_conventions(spec, net),
                 layers=_layer_infos(net), quantities=rec.quantities,
                 description=spec.description)


AFTER_BITS = 400  # exact mode: updated parameters are rounded to multiples of 2**-400


def _loss_after(spec: Spec, net: Network, new_params: dict):
    """The loss on the same batch with the updated parameters (the network keeps its own).

    In exact mode the new parameters are sums of symbols and a symbolic second pass grows
    without bound, so it runs on dyadic rationals within 2**-400 of them (exact, fast
    integer arithmetic) and the loss is evaluated to 60 digits: an mpmath number,
    printed '≈...'.
    """
    exact_mode = net.nx.name == "exact"
    if exact_mode:
        from . import exact, scaled
        from .numeric_exact import ApproxNumeric
    old = {(layer, p): getattr(layer, p) for layer in net.layers for p in layer.param_names}
    try:
        for (layer, p), new in new_params.items():
            if exact_mode:
                values, _ = scaled.approximate(new, AFTER_BITS)
                new = scaled.join({(): (values, 1 << AFTER_BITS)}, values.shape)
            setattr(layer, p, new)
        value = loss(net) if not exact_mode else _exact_or_approx_loss(net)
    finally:  # the network keeps its parameters (trace_pass promises it)
        for (layer, p), before in old.items():
            setattr(layer, p, before)
    return exact.evaluate(value, ApproxNumeric.DIGITS) if exact_mode else value


def _exact_or_approx_loss(net: Network):
    """The loss in exact arithmetic or, when the step pushed an e^x beyond exact mode's
    range (|x| > 10^7, say a learning rate of 10 on inputs in the thousands), in 60-digit
    mpmath numbers: the loss after the update is only ever shown to 60 digits. (It sets
    the layers' parameters; :func:`_loss_after` puts the network's own back.)"""
    from dataclasses import replace

    from .numeric_exact import APPROX, ExactRangeError
    try:
        return loss(net)
    except ExactRangeError:
        pass
    to_approx = np.frompyfunc(APPROX.scalar, 1, 1)
    for layer in net.layers:
        for p in layer.param_names:
            setattr(layer, p, to_approx(getattr(layer, p)))
    return loss(replace(net, nx=APPROX, inputs=to_approx(net.inputs),
                        targets=to_approx(net.targets)))


def _conventions(spec: Spec, net: Network) -> dict:
    """The spec's conventions (a layer's own setting, such as lecture-cnn's H,W,C flatten
    order, is in its layer's info: :attr:`Trace.conventions_ran`)."""
    if net.targets is None:
        return {"convolution": "cross-correlation", **spec.conventions, "pass": spec.kind}
    return {"convolution": "cross-correlation", **spec.conventions,
            "loss": net.loss_name, "log": "natural",
            "output_backprop": "fused: dL/dz = (y_hat - y) * scale", "pass": spec.kind}


def _layer_infos(net: Network) -> list[dict]:
    """Each layer's name, type, input id, shapes and settings (computed once per network;
    every trace gets its own dicts)."""
    if net._infos is None:
        infos, previous = [], "input.out"
        for layer, in_shape, out_shape in zip(net.layers, net.shapes, net.shapes[1:]):
            infos.append({"name": layer.name, "type": layer.type, "input": previous,
                          "in_shape": list(in_shape), "out_shape": list(out_shape),
                          **layer.info()})
            previous = f"{layer.name}.out"
        net._infos = infos
    return [dict(info) for info in net._infos]
