"""Training a spec's network on real digits with the engine's own layers (float mode).

Every step is :func:`tracer.network.train_step` (the traced pass without recording): the
same layer code that draws the handouts, no second implementation. Weights are saved as
``.npz`` (one array per ``<layer>.<param>`` id plus a JSON ``__meta__``) and can be put
back into a spec with :func:`spec_with_weights`, to trace a trained network on a real
image.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from .data import DataError, Dataset, load_data
from .network import Network, build, train_step
from .spec import Spec, SpecError, from_dict

WEIGHTS_FORMAT = "cnntrace-weights"
DROPPED_OPTIONS = {"weight", "bias", "filters", "units", "init"}


@dataclasses.dataclass
class TrainResult:
    net: Network
    history: list[dict]  # per epoch: epoch, loss (mean train loss), accuracy, seconds
    data: Dataset
    learning_rate: Decimal

    @property
    def accuracy(self) -> float:
        return self.history[-1]["accuracy"] if self.history else float("nan")


def prepare(spec: Spec, data: Dataset, learning_rate=None) -> Network:
    """The float network of ``spec`` (optionally another learning rate), checked
    against the data's image shape and classes."""
    if learning_rate is not None:
        spec = dataclasses.replace(spec, learning_rate=Decimal(str(learning_rate)))
    net = build(spec, "float")
    if net.shapes[0] != data.image_shape:
        raise DataError(f"{data.source or data.name}: images of shape {data.image_shape}, "
                        f"but the network {spec.source} expects inputs of shape "
                        f"{net.shapes[0]}; pick the preset for these images "
                        "(digits-cnn for 8x8, lecture-cnn for 28x28)")
    if net.layers[-1].type != "softmax" or net.shapes[-1][0] < data.classes:
        raise DataError(f"{spec.source}: training needs a softmax output with at least "
                        f"{data.classes} classes, got {net.layers[-1].type} with "
                        f"{net.shapes[-1][0]}")
    return net


def logits(net: Network, x: np.ndarray, batch: int = 1000) -> np.ndarray:
    """The network's logits (the output layer's input) for images x (N, C, H, W)."""
    out = []
    for start in range(0, len(x), batch):
        h = x[start:start + batch]
        for layer in net.layers[:-1]:
            h, _, _ = layer.forward(h, net.nx)
        out.append(h)
    return np.concatenate(out) if out else np.zeros((0, net.shapes[-1][0]))


def predict(net: Network, x: np.ndarray) -> np.ndarray:
    """Predicted class per image."""
    return logits(net, x).argmax(axis=1)


def accuracy(net: Network, x: np.ndarray, y: np.ndarray) -> float:
    return float((predict(net, x) == y).mean()) if len(y) else float("nan")


def train(spec: Spec, data: Dataset, *, epochs: int = 5, batch: int = 32,
          learning_rate=None, seed: int = 0, on_batch=None, on_epoch=None) -> TrainResult:
    """Mini-batch SGD for ``epochs`` passes over the shuffled training images.

    ``on_batch(epoch, done, total, loss)`` after every step, ``on_epoch(record)`` after
    every epoch (record: epoch, loss, accuracy, seconds). Returns the trained network and
    the per-epoch history.
    """
    if epochs < 1 or batch < 1:
        raise SpecError(f"epochs and batch must be positive, got {epochs} and {batch}")
    net = prepare(spec, data, learning_rate)
    classes = net.shapes[-1][0]
    eye = np.eye(classes)
    rng = np.random.default_rng(seed)
    n = len(data.y_train)
    if n == 0:
        raise DataError(f"{data.source or data.name}: no training images")
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(n)
        total, seen = 0.0, 0
        for first in range(0, n, batch):
            idx = order[first:first + batch]
            net.inputs, net.targets = data.x_train[idx], eye[data.y_train[idx]]
            loss = float(train_step(net))
            total += loss * len(idx)
            seen += len(idx)
            if on_batch:
                on_batch(epoch, seen, n, loss)
        record = {"epoch": epoch, "loss": total / seen,
                  "accuracy": accuracy(net, data.x_test, data.y_test),
                  "seconds": time.perf_counter() - start}
        history.append(record)
        if on_epoch:
            on_epoch(record)
    return TrainResult(net, history, data, net.spec.learning_rate)


# ------------------------------------------------------------------------ weights
def architecture(spec: Spec) -> dict:
    """The spec without its data and drawn weights, JSON-ready (kept with saved weights)."""
    layers = []
    for ls in spec.layers:
        entry = {"type": ls.type, "name": ls.name}
        for key, value in ls.options.items():
            if key in DROPPED_OPTIONS or (key == "size" and ls.type == "conv2d"):
                continue
            entry[key] = float(value) if isinstance(value, Decimal) else value
        layers.append(entry)
    return {"title": spec.title, "learning_rate": str(spec.learning_rate),
            "conventions": dict(spec.conventions), "layers": layers}


def weights_archive(result: TrainResult, extra: dict | None = None) -> bytes:
    """Every parameter and a JSON description (spec, data, history) as .npz bytes."""
    net = result.net
    arrays = {f"{layer.name}.{p}": np.asarray(getattr(layer, p), dtype=np.float64)
              for layer in net.layers for p in layer.param_names}
    meta = {"format": WEIGHTS_FORMAT, "version": 1,
            "spec": {**architecture(net.spec), "learning_rate": str(result.learning_rate)},
            "data": result.data.source, "history": result.history, **(extra or {})}
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.array(json.dumps(meta)), **arrays)
    return buffer.getvalue()


def save_weights(result: TrainResult, path: str | Path, *, overwrite: bool = False,
                 extra: dict | None = None) -> Path:
    """Write :func:`weights_archive` to ``path``."""
    from .files import write_atomic
    return write_atomic(path, weights_archive(result, extra), overwrite=overwrite)


def load_weights(path: str | Path) -> tuple[dict, dict]:
    """(arrays by '<layer>.<param>', meta) from a file written by :func:`save_weights`."""
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        raise DataError(f"{path}: not a weights file written by cnntrace train --save "
                        "(not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected a weights file (.npz)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: not a weights file written by cnntrace train --save "
                        f"({err})") from None
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except (KeyError, ValueError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != WEIGHTS_FORMAT:
        raise DataError(f"{path}: not a weights file written by cnntrace train --save "
                        "(no cnntrace __meta__ entry)")
    return arrays, meta


def spec_with_weights(spec_dict: dict | None, weights_path: str | Path | None, sample: int,
                      data: str | Dataset | None = None) -> dict:
    """A spec dict for one pass of a (trained) network on test image number ``sample``.

    ``spec_dict`` gives the architecture (None: the one saved with the weights); its
    conv2d/dense layers get the saved weights (``weights_path`` None: they keep the
    spec's own, e.g. a preset's seeded initialisation); the input becomes the real image
    and the target its label. ``data`` is 'digits', an MNIST path or a Dataset (None: the
    data the weights were trained on).
    """
    if weights_path is None:
        if spec_dict is None or data is None:
            raise DataError("a real sample without saved weights needs a spec and --data")
        arrays, meta, where = None, {}, "spec"
    else:
        arrays, meta = load_weights(weights_path)
        where = str(weights_path)
    base = dict(_saved_architecture(meta, where) if spec_dict is None else spec_dict)
    names = [ls.name for ls in from_dict(_shape_free(base), where).layers]
    layers = []
    for name, raw in zip(names, base["layers"]):
        if arrays is None:
            layers.append(raw)
            continue
        raw = {k: v for k, v in raw.items() if k not in DROPPED_OPTIONS}
        if raw["type"] in ("conv2d", "dense"):
            for p in ("weight", "bias"):
                key = f"{name}.{p}"
                if key not in arrays:
                    raise DataError(f"{weights_path}: no array {key!r} for layer {name} "
                                    f"(the file has {', '.join(sorted(arrays)) or 'none'})")
                raw[p] = arrays[key].tolist()
            if raw["type"] == "conv2d":
                raw.pop("size", None)
        layers.append(raw)
    dataset = _dataset(data if data is not None else meta.get("data"), weights_path)
    if not 0 <= sample < len(dataset.y_test):
        raise DataError(f"{dataset.source or dataset.name}: --sample {sample} is out of range; "
                        f"the test split has {len(dataset.y_test)} images (0.."
                        f"{len(dataset.y_test) - 1})")
    label = int(dataset.y_test[sample])
    out = {k: v for k, v in base.items() if k not in ("input", "inputs", "target", "targets")}
    out.update(layers=layers, input=dataset.x_test[sample].tolist(), target=label,
               learning_rate=_learning_rate(base.get("learning_rate", Decimal("0.1")), where),
               title=f"{base.get('title') or 'network'}: test image {sample} "
                     f"(digit {label})")
    return out


def _saved_architecture(meta: dict, where: str) -> dict:
    """The spec saved in the weights' __meta__: a table with a list of layer tables."""
    spec = meta.get("spec")
    layers = spec.get("layers") if isinstance(spec, dict) else None
    if not isinstance(layers, list) or not all(isinstance(raw, dict) for raw in layers):
        raise DataError(f"{where}: __meta__ spec: expected the saved network, a table with "
                        "'layers' (a list of layer tables); the file is damaged, train again")
    return spec


def _learning_rate(rate, where: str):
    """A saved learning rate (text, to keep its digits) as a Decimal."""
    if not isinstance(rate, str):
        return rate  # from_dict checks numbers
    try:
        return Decimal(rate)
    except InvalidOperation:
        raise DataError(f"{where}: __meta__ spec.learning_rate: expected a number, "
                        f"got {rate!r}") from None


def _shape_free(base: dict) -> dict:
    """The architecture with a dummy input, only to learn the layers' default names."""
    layers = [{k: v for k, v in raw.items() if k in ("type", "name")} for raw in base["layers"]]
    for raw in layers:  # give dense/conv a size so validation accepts them
        if raw.get("type") == "conv2d":
            raw.update(filters=1, size=1)
        elif raw.get("type") == "dense":
            raw["units"] = 1
    return {"layers": layers, "input": [[0]], "target": 0}


def _dataset(data, where) -> Dataset:
    if isinstance(data, Dataset):
        return data
    if not data:
        raise DataError(f"{where}: the weights do not say which data they were trained on; "
                        "give --data")
    return load_data(str(data))
