"""Training a spec's network on real digits with the engine's own layers (float mode).

Every step is :func:`tracer.network.train_step` (the traced pass without recording): the
same layer code that draws the handouts, no second implementation. Saving the trained
weights and tracing them on a real image: :mod:`tracer.weights`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import time
from decimal import Decimal, InvalidOperation

import numpy as np

from .data import DataError, Dataset
from .errors import CnnTraceError, Said
from .builder import Network, build
from .network import train_step
from .numeric import tidy
from .spec import Spec, SpecError


class TrainingError(CnnTraceError, ValueError):
    """Training that went wrong (the loss or the weights became NaN or infinite, or the
    loss ran away: :data:`RUNAWAY`), or weights that must not be saved; the message says
    what and why."""


# An epoch whose mean training loss is RUNAWAY times the reference loss has diverged. The
# reference is the larger of ln K, the cross-entropy of a uniform guess over the K classes,
# and the loss of the untrained network on its first batch (so that a spec starting from
# large weights is not stopped for where it starts). A mean loss of 10 ln K gives the right
# class a probability of K**-10 on average (1e-10 for 10 classes): weights thrown far off by
# too large a learning rate, an order of magnitude past where any run that learns goes.
# Measured (digits-cnn and lecture-cnn, seeds 0-2, their default settings up to 30 times
# their learning rates): every epoch of a run that learned stayed below the reference (at
# most 0.92 of it); lr 1000 and 1e8 give 1e4 to 1e13 times it in epoch 1. An epoch's mean
# is checked, not one step's loss, which may spike 10 times and recover.
RUNAWAY = 10


@dataclasses.dataclass
class TrainResult:
    net: Network
    history: list[dict]  # per epoch: epoch, loss (mean train loss), accuracy
    data: Dataset
    learning_rate: Decimal
    seconds: list[float] = dataclasses.field(default_factory=list)  # per epoch (not saved)
    divergence: Said | None = None  # why and where training diverged, in any language

    @property
    def diverged(self) -> str | None:
        """Why and where training diverged, in English ('the loss became nan in epoch 1,
        step 2 of 90'), or None."""
        return self.divergence.text("en") if self.divergence else None

    @property
    def accuracy(self) -> float:
        return self.history[-1]["accuracy"] if self.history else float("nan")


def prepare(spec: Spec, data: Dataset, learning_rate=None) -> Network:
    """The float network of ``spec`` (optionally another learning rate), checked
    against the data's image shape and classes."""
    if learning_rate is not None:
        spec = dataclasses.replace(spec, learning_rate=_positive_rate(learning_rate))
    net = build(spec, "float")
    if net.shapes[0] != data.image_shape:
        raise DataError.said("train.image_shape", source=data.source or data.name,
                             shape=data.image_shape, network=spec.source, needs=net.shapes[0])
    if net.layers[-1].type != "softmax" or net.shapes[-1][0] < data.classes:
        raise DataError.said("train.classes", source=spec.source, classes=data.classes,
                             kind=net.layers[-1].type, has=net.shapes[-1][0])
    return net


def logits(net: Network, x, batch: int = 1000) -> np.ndarray:
    """The network's logits (the output layer's input) for images x (N, C, H, W), or
    for one image (C, H, W): its logits alone."""
    x, single = _images(net, x)
    out = []
    for start in range(0, len(x), batch):
        h = x[start:start + batch]
        for layer in net.layers[:-1]:
            h, _, _ = layer.forward(h, net.nx)
        out.append(h)
    z = np.concatenate(out) if out else np.zeros((0, net.shapes[-1][0]))
    return z[0] if single else z


def predict(net: Network, x):
    """Predicted class per image of x (N, C, H, W); for one image (C, H, W), its class
    as an int."""
    z = logits(net, x)
    return int(z.argmax()) if z.ndim == 1 else z.argmax(axis=1)


def accuracy(net: Network, x, y) -> float:
    """The fraction of images x (N, C, H, W) whose predicted class is their label y (N,)."""
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(np.asarray(x)):
        raise DataError(f"y: expected one label per image ({len(np.asarray(x))}), got an "
                        f"array of shape {y.shape}")
    return float((predict(net, x) == y).mean()) if len(y) else float("nan")


def _images(net: Network, x) -> tuple[np.ndarray, bool]:
    """x as a float batch (N, C, H, W), and whether it was one image (C, H, W)."""
    shape = tuple(net.shapes[0])
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"x: expected images of shape (N, {', '.join(map(str, shape))}) "
                        "as numbers") from None
    if x.shape == shape:
        return x[None], True
    if x.shape[1:] != shape:
        raise DataError(f"x: expected images of shape (N, {', '.join(map(str, shape))}) or "
                        f"one image of shape {shape}, got an array of shape {x.shape}")
    return x, False


def train(spec: Spec, data: Dataset, *, epochs: int = 5, batch: int = 32,
          learning_rate=None, seed: int = 0, on_batch=None, on_epoch=None) -> TrainResult:
    """Mini-batch SGD for ``epochs`` passes over the shuffled training images.

    ``on_batch(epoch, done, total, loss)`` after every step, ``on_epoch(record)`` after
    every epoch (record: epoch, loss, accuracy and, for the terminal only, seconds).
    Returns the trained network and the per-epoch history (epoch, loss, accuracy: no
    timings, so that the same seed gives the same history); the seconds per epoch are
    ``result.seconds``. Training stops at the step where the loss or a weight becomes
    NaN or infinite, or after an epoch whose mean loss ran away (:data:`RUNAWAY`);
    ``result.diverged`` says where (the learning rate is too large; ``result.divergence``
    says it in any language).
    """
    epochs = _whole(epochs, "epochs", 1)
    batch = _whole(batch, "batch", 1)
    seed = _whole(seed, "seed", 0)
    net = prepare(spec, data, learning_rate)
    classes = net.shapes[-1][0]
    eye = np.eye(classes)
    rng = np.random.default_rng(seed)
    n = len(data.y_train)
    if n == 0:
        raise DataError.said("train.no_training", source=data.source or data.name)
    history, seconds, diverged, reference = [], [], None, None
    steps = -(-n // batch)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(n)
        total, seen = 0.0, 0
        for step, first in enumerate(range(0, n, batch), start=1):
            idx = order[first:first + batch]
            net.inputs, net.targets = data.x_train[idx], eye[data.y_train[idx]]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss = float(train_step(net))  # a diverging step is reported below
            if reference is None:  # the untrained network's loss
                reference = _reference_loss(classes, loss)
            total += loss * len(idx)
            seen += len(idx)
            if on_batch:
                on_batch(epoch, seen, n, loss)
            diverged = _divergence(net, loss, epoch, step, steps)
            if diverged:
                break
        diverged = diverged or _runaway(total / seen, reference, epoch)
        finite = diverged is None or _finite_weights(net)
        record = {"epoch": epoch, "loss": total / seen,
                  "accuracy": accuracy(net, data.x_test, data.y_test) if finite
                  else float("nan")}
        history.append(record)
        seconds.append(time.perf_counter() - start)
        if on_epoch:
            on_epoch({**record, "seconds": seconds[-1]})
        if diverged:
            break
    return TrainResult(net, history, data, net.spec.learning_rate, seconds, diverged)


def _divergence(net: Network, loss: float, epoch: int, step: int, steps: int) -> Said | None:
    """Where training diverged ('the loss became nan in epoch 2, step 5 of 90'), or None."""
    where = {"epoch": epoch, "step": step, "steps": steps}
    if not math.isfinite(loss):
        return Said("train.diverged.loss", {"loss": loss, **where})
    if not _finite_weights(net):
        return Said("train.diverged.weights", where)
    return None


def _reference_loss(classes: int, first: float) -> tuple[float, Said]:
    """The loss a runaway epoch is measured against (:data:`RUNAWAY`) and what it is: the
    untrained network's loss on its first batch, or a uniform guess's ln K when larger (a
    first batch the network happens to get right says little)."""
    guess = math.log(classes)
    if math.isfinite(first) and first > guess:
        return first, Said("train.reference.untrained", {"loss": compact(first, 3)})
    return guess, Said("train.reference.guess", {"classes": classes, "loss": compact(guess, 3)})


def _runaway(mean: float, reference: tuple[float, Said] | None,
             epoch: int) -> Said | None:
    """Why epoch ``epoch`` diverged when its mean loss is :data:`RUNAWAY` times the
    reference loss or more, else None: finite but far worse than guessing, the weights
    thrown off by too large a learning rate (NaN and infinities stop it earlier)."""
    if reference is None or not math.isfinite(mean):
        return None
    loss, what = reference
    if mean < RUNAWAY * loss or loss <= 0:  # 0: one class, nothing to learn or lose
        return None
    return Said("train.diverged.runaway", {"epoch": epoch, "mean": compact(mean, 3),
                                           "times": RUNAWAY, "reference": what})


def _finite_weights(net: Network) -> bool:
    return all(np.isfinite(getattr(layer, p)).all()
               for layer in net.layers for p in layer.param_names)


def _whole(value, name: str, minimum: int) -> int:
    """A whole-number argument (an int or a numpy integer, not a bool or 8.0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise SpecError(f"{name}: expected a whole number >= {minimum}, got {value!r}")
    return int(value)


def _positive_rate(value) -> Decimal:
    """A learning rate (a number, or its text) as a Decimal: positive and, as the float64
    the layers step with, neither infinite nor 0."""
    expected = f"learning_rate: expected a positive number, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, (numbers.Number, Decimal, str)):
        raise SpecError(expected)
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise SpecError(expected) from None
    if not rate.is_finite() or rate <= 0 or not 0 < float(rate) < math.inf:
        raise SpecError(expected)
    return rate


def json_number(value):
    """A float for JSON: NaN and infinities (not JSON numbers) as the strings "NaN",
    "Infinity" and "-Infinity", as in the trace JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    return value


def compact(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, in e-notation without a plus sign or
    leading zeros when large or small (1.163e14, 2.5e-7), else as a decimal (0.4)."""
    return tidy(f"{value:.{digits}g}")


def figure(value: float, places: int) -> str:
    """A loss or an accuracy as the terminal and the summary print it: ``places``
    decimals, a runaway one (|x| >= 1e6) in compact e-notation (1.163e14, not
    116298199168621.7031); nan and inf as they are."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:.{places}f}" if abs(value) < 1e6 else compact(value)


def plain_history(history: list[dict]) -> list[dict]:
    """The history with every number standard JSON (:func:`json_number`)."""
    return [{key: json_number(value) for key, value in record.items()} for record in history]


def history_json(result: TrainResult) -> str:
    """The text of `cnntrace train --history FILE` (standard JSON; no timings)."""
    return json.dumps({"format": "cnntrace-history", "history": plain_history(result.history)},
                      indent=1, allow_nan=False) + "\n"
