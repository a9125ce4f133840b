"""Trained weights as ``.npz`` files (one array per ``<layer>.<param>`` id plus a JSON
``__meta__``: the architecture, the data, the history) and back into a spec with
:func:`spec_with_weights`, to trace a trained network on a real image; checked to be the
weights of that network before any data is read.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np

from .data import DataError, Dataset, load_data
from .errors import Said, either
from .files import reading
from .builder import DEFAULT_SLOPE, build
from .presets import PRESETS, preset
from .render.assets import plain
from .spec import Spec, from_dict
from .train import TrainingError, TrainResult, plain_history

WEIGHTS_FORMAT = "cnntrace-weights"
WEIGHTS_VERSION = 1
DROPPED_OPTIONS = {"weight", "bias", "filters", "units", "init"}
OTHER_NETWORK = Said("error.weights.other_network")  # the end of every misfit's message
NONE = Said("error.data.none")


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


def weights_archive(result: TrainResult, extra: dict | None = None,
                    path: str | Path | None = None) -> bytes:
    """Every parameter and a JSON description (spec, data, history) as .npz bytes; the
    same training gives the same bytes. With ``path`` (where the archive will be written)
    the data's place relative to it is kept too, so that the weights find their data from
    any folder. Refuses (:class:`TrainingError`) weights of a diverged training, finite or
    not."""
    net = result.net
    arrays = {f"{layer.name}.{p}": np.asarray(getattr(layer, p), dtype=np.float64)
              for layer in net.layers for p in layer.param_names}
    bad = sum(int((~np.isfinite(a)).sum()) for a in arrays.values())
    if bad or result.divergence:
        why = Said("error.train.why", {"why": result.divergence}) if result.divergence else ""
        nonfinite = Said("error.train.nonfinite", {"count": bad}) if bad else ""
        raise TrainingError.said("train.not_saved", path=path or Said("error.train.weights"),
                                 nonfinite=nonfinite, why=why,
                                 rate=f"{float(result.learning_rate):g}")
    meta = {"format": WEIGHTS_FORMAT, "version": WEIGHTS_VERSION,
            "spec": {**architecture(net.spec), "learning_rate": str(result.learning_rate)},
            "data": result.data.source, "history": plain_history(result.history),
            **(extra or {})}
    near = _data_from(result.data.source, path)
    if near is not None:
        meta["data_from_weights"] = near
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.array(json.dumps(meta, allow_nan=False)), **arrays)
    return buffer.getvalue()


def _data_from(source: str, path) -> str | None:
    """The data path ``source`` relative to the folder of the weights file ``path``
    (None for 'digits', without a path, or when the data is not there)."""
    if not source or source == "digits" or path is None or not Path(source).exists():
        return None
    return os.path.relpath(os.path.abspath(source), os.path.abspath(Path(path).parent))


def save_weights(result: TrainResult, path: str | Path, *, overwrite: bool = False,
                 extra: dict | None = None) -> Path:
    """Write :func:`weights_archive` to ``path`` (an existing weights file only with
    ``overwrite``: handouts and answer sheets name it)."""
    from .files import write_atomic
    return write_atomic(path, weights_archive(result, extra, path), overwrite=overwrite)


def load_weights(path: str | Path) -> tuple[dict, dict]:
    """(arrays by '<layer>.<param>', meta) from a file written by :func:`save_weights`."""
    path = Path(path)
    reading(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        raise DataError.said("weights.not_npz", path=path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError:
        raise DataError.said("no_such_file", path=path) from None
    except IsADirectoryError:
        raise DataError.said("read_folder", path=path, kind=Said("error.kind.weights")) from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise DataError.said("weights.unreadable", path=path, why=err) from None
    except MemoryError:  # a member's header may claim terabytes
        raise DataError.said("weights.unreadable", path=path,
                             why=Said("error.data.beyond_memory")) from None
    for key, array in arrays.items():  # a member that is no .npy file comes as raw bytes
        if not isinstance(array, np.ndarray):
            raise DataError.said("weights.not_array", path=path, key=key)
    try:
        meta = json.loads(str(arrays.pop("__meta__")))
    except (KeyError, ValueError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != WEIGHTS_FORMAT:
        raise DataError.said("weights.no_meta", path=path)
    if meta.get("version") != WEIGHTS_VERSION:
        raise DataError.said("weights.version", path=path, version=repr(meta.get("version")),
                             reads=WEIGHTS_VERSION)
    return arrays, meta


def spec_with_weights(spec_dict: dict | None, weights_path: str | Path | None, sample: int,
                      data: str | Dataset | None = None, lang: str = "en") -> dict:
    """A spec dict for one pass of a (trained) network on test image number ``sample``.

    ``spec_dict`` gives the architecture (None: the one saved with the weights); its
    conv2d/dense layers get the saved weights (``weights_path`` None: they keep the
    spec's own, e.g. a preset's seeded initialisation), which must be the weights of
    that network: every parameter's shape and the layers' settings (stride, padding,
    pooling, flatten order) are checked first, before any data is read. The input becomes
    the real image and the target its label. ``data`` is 'digits', an MNIST path or a
    Dataset (None: the data the weights were trained on, see :func:`trained_data`).
    """
    if weights_path is None:
        if spec_dict is None or data is None:
            raise DataError.said("weights.no_spec_data")
        arrays, meta, where = None, {}, "spec"
    else:
        arrays, meta = load_weights(weights_path)
        where = str(weights_path)
    saved = _saved_architecture(meta, where) if arrays is not None else None
    if spec_dict is not None and arrays is not None:
        check_fit(spec_dict, arrays, saved, where)
    base = dict(saved if spec_dict is None else spec_dict)
    names = [ls.name for ls in from_dict(_shape_free(base), where).layers]
    if arrays is not None:  # check_fit found them against a spec; these against the file's
        known = {f"{name}.{p}" for name, raw in zip(names, base["layers"])
                 if raw["type"] in ("conv2d", "dense") for p in ("weight", "bias")}
        extra = sorted(set(arrays) - known)
        if extra:
            raise DataError.said("weights.extra_saved", where=where, extra=", ".join(extra))
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
                    raise DataError.said("weights.no_array", path=weights_path, key=repr(key),
                                         layer=name, has=", ".join(sorted(arrays)) or NONE)
                raw[p] = arrays[key].tolist()
            if raw["type"] == "conv2d":
                raw.pop("size", None)
        layers.append(raw)
    if data is None:
        data = trained_data(meta, weights_path)
    dataset = _dataset(data, weights_path)
    name, count = dataset.source or dataset.name, len(dataset.y_test)
    if count == 0:
        raise DataError.said("weights.empty_test", name=name, sample=sample)
    if not 0 <= sample < count:
        raise DataError.said(f"weights.sample_range.{'one' if count == 1 else 'many'}",
                             name=name, sample=sample, count=count, last=count - 1)
    label = int(dataset.y_test[sample])
    title = base.get("title") or "network"
    if spec_dict is None and meta.get("preset") in PRESETS:  # said in this run's language,
        title = preset(meta["preset"], lang=lang)["title"]  # not the training run's
    out = {k: v for k, v in base.items() if k not in ("input", "inputs", "target", "targets")}
    out.update(layers=layers, input=dataset.x_test[sample].tolist(), target=label,
               learning_rate=_learning_rate(base.get("learning_rate", Decimal("0.1")), where),
               title=plain(lang, "weights.title", {"title": title, "sample": sample,
                                                   "label": label}),
               description=_provenance(base.get("description"), weights_path, dataset,
                                       sample, lang))
    return out


def _provenance(description: str | None, weights_path, dataset: Dataset, sample: int,
                lang: str) -> str:
    """The handout's description: the spec's own, then which weights file (or the
    network's own untrained weights) and which data the traced image comes from, by
    their file names (the same handout from any folder)."""
    data = Path(dataset.source).name if dataset.source else dataset.name
    if weights_path is None:
        said = plain(lang, "weights.description.untrained", {"sample": sample, "data": data})
    else:
        said = plain(lang, "weights.description", {"weights": Path(weights_path).name,
                                                   "sample": sample, "data": data})
    return f"{description} {said}" if description else said


def check_fit(spec_dict: dict, arrays: dict, saved: dict, where: str) -> None:
    """DataError unless ``arrays`` (saved in the weights file ``where`` with the
    architecture ``saved``) are the parameters of the network of ``spec_dict``: the same
    arrays in the same shapes, the same layers, the same forward settings (stride,
    padding, pooling, flatten order, slope). Conventions that change only the backward
    pass (pool ties, ReLU'(0), loss reduction) may differ: they are the spec's choice."""
    spec = from_dict(spec_dict, "spec")
    net = build(spec, "float")
    needs = {f"{layer.name}.{p}": tuple(np.shape(getattr(layer, p)))
             for layer in net.layers for p in layer.param_names}
    for key, shape in needs.items():
        if key not in arrays:
            raise DataError.said("weights.fit_missing", where=where, key=key,
                                 has=", ".join(sorted(arrays)), other=OTHER_NETWORK)
        if tuple(arrays[key].shape) != shape:
            raise DataError.said("weights.fit_shape", where=where, key=key,
                                 shape=tuple(arrays[key].shape), needs=shape,
                                 other=OTHER_NETWORK)
    extra = sorted(set(arrays) - set(needs))
    if extra:
        raise DataError.said("weights.fit_extra", where=where, extra=", ".join(extra),
                             other=OTHER_NETWORK)
    trained = from_dict(_shape_free(saved, options=True), where)
    mine, theirs = _forward_settings(spec), _forward_settings(trained)
    if [kind for _, kind, _ in mine] != [kind for _, kind, _ in theirs]:
        raise DataError.said("weights.fit_layers", where=where,
                             have=", ".join(kind for _, kind, _ in theirs),
                             mine=", ".join(kind for _, kind, _ in mine), other=OTHER_NETWORK)
    for (name, _, settings), (_, _, trained_with) in zip(mine, theirs):
        for key, value in settings.items():
            if trained_with[key] != value:
                what = Said("error.weights.flatten_order") if key == "order" else key
                raise DataError.said("weights.fit_setting", where=where, layer=name, what=what,
                                     trained=trained_with[key], value=value)


def _forward_settings(spec: Spec) -> list[tuple[str, str, dict]]:
    """(name, type, settings) per layer: what the forward pass depends on besides the
    parameters, with the defaults filled in."""
    out = []
    for ls in spec.layers:
        settings = {}
        if ls.type == "conv2d":
            settings = {"stride": ls.get("stride", 1), "padding": ls.get("padding", 0)}
        elif ls.type == "maxpool2d":
            settings = {"size": ls.get("size", 2), "stride": ls.get("stride") or ls.get("size", 2)}
        elif ls.type == "flatten":
            settings = {"order": ls.get("order", spec.conventions["flatten_order"])}
        elif ls.type == "leaky_relu":
            settings = {"slope": Decimal(str(ls.get("slope", DEFAULT_SLOPE))).normalize()}
        out.append((ls.name, ls.type, settings))
    return out


def trained_data(meta: dict, weights_path) -> str | None:
    """Where the data the weights were trained on is now: 'digits', or its saved path,
    looked up next to the weights file (where training put it relative to the file, or
    the same relative path from the file's folder) before the current folder. None when
    the weights do not say; a DataError naming the weights file and the data when the
    data is not found."""
    data = meta.get("data")
    if not data:
        return None
    if not isinstance(data, str):
        raise DataError.said("weights.data_type", path=weights_path, got=repr(data))
    if data == "digits" or weights_path is None:
        return data
    folder = Path(weights_path).parent
    candidates = []
    near = meta.get("data_from_weights")
    if isinstance(near, str) and near:
        candidates.append(os.path.normpath(folder / near))
    if not Path(data).is_absolute():
        candidates.append(os.path.normpath(folder / data))
    candidates.append(data)
    candidates = list(dict.fromkeys(candidates))
    for candidate in candidates:
        if Path(candidate).exists():
            return candidate
    raise DataError.said("weights.data_gone", path=weights_path, data=data,
                         looked=either(*candidates))


def _saved_architecture(meta: dict, where: str) -> dict:
    """The spec saved in the weights' __meta__: a table with a list of layer tables."""
    spec = meta.get("spec")
    layers = spec.get("layers") if isinstance(spec, dict) else None
    if not isinstance(layers, list) or not all(isinstance(raw, dict) for raw in layers):
        raise DataError.said("weights.meta_spec", where=where)
    return spec


def _learning_rate(rate, where: str):
    """A saved learning rate (text, to keep its digits) as a Decimal."""
    if not isinstance(rate, str):
        return rate  # from_dict checks numbers
    try:
        return Decimal(rate)
    except InvalidOperation:
        raise DataError.said("weights.meta_rate", where=where, got=repr(rate)) from None


def _shape_free(base: dict, options: bool = False) -> dict:
    """The architecture with a dummy input, only to learn the layers' default names (and
    with ``options``, their other settings)."""
    layers = [{k: v for k, v in raw.items()
               if k in ("type", "name") or (options and k not in DROPPED_OPTIONS)}
              for raw in base["layers"]]
    for raw in layers:  # give dense/conv a size so validation accepts them
        if raw.get("type") == "conv2d":
            raw.update(filters=1, size=1)
        elif raw.get("type") == "dense":
            raw["units"] = 1
    out = {"layers": layers, "input": [[0]], "target": 0}
    if options and "conventions" in base:
        out["conventions"] = base["conventions"]
    return out


def _dataset(data, where) -> Dataset:
    if isinstance(data, Dataset):
        return data
    if not data:
        raise DataError.said("weights.no_data", where=where)
    return load_data(str(data))
