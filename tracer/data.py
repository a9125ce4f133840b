"""Real digit images for training and for tracing a trained network.

* ``digits``: the 8x8 handwritten digits that ship with scikit-learn (an optional extra:
  ``pip install scikit-learn``), pixel values 0..16 scaled to [0, 1], split into a training
  and a held-out test part with a fixed seed.
* MNIST from files the user already has: a folder with the four IDX files
  (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
  ``t10k-labels-idx1-ubyte``, each optionally ``.gz``), or one ``.npz`` with ``x_train``,
  ``y_train``, ``x_test``, ``y_test`` (as ``keras.datasets.mnist`` saves it). Pixels
  0..255 are scaled to [0, 1].

Images come as float64 (N, 1, H, W), labels as int64 (N,). Every problem is a
:class:`DataError` naming the file and what was expected, a catalog sentence
(``error.data.*``), so that the command line says it in ``--lang``.
"""

from __future__ import annotations

import gzip
import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CnnTraceError, Said
from .files import reading


class DataError(CnnTraceError, ValueError):
    """Data that cannot be loaded; the message names the file and what was expected."""


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (N, 1, H, W) float64 in [0, 1]
    y_train: np.ndarray  # (N,) int64 class indices
    x_test: np.ndarray
    y_test: np.ndarray
    source: str = ""  # what to pass to load_data() to get the same data again

    @property
    def image_shape(self) -> tuple:
        return tuple(self.x_train.shape[1:])

    @property
    def classes(self) -> int:
        return int(max(self.y_train.max(initial=0), self.y_test.max(initial=0))) + 1

    def limit(self, train: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` training and ``test`` test samples (None: all)."""
        return Dataset(self.name, self.x_train[:train], self.y_train[:train],
                       self.x_test[:test], self.y_test[:test], self.source)


def image_misfit(image: tuple, shape: tuple, network: str, where: str) -> DataError | None:
    """Why a test image of shape ``image`` from the data ``where`` (as the user named it,
    text or a :class:`Said`) cannot be the input of ``network``, which takes ``shape``;
    None when it fits."""
    if tuple(image) == tuple(shape):
        return None
    have, need = _dims(image), _dims(shape)
    return DataError.said("data.misfit", where=where, have=have, network=network, need=need)


def _dims(shape: tuple) -> str:
    """(1, 28, 28) -> '28x28'; (3, 8, 8) -> '3x8x8'."""
    shape = tuple(shape)
    return "x".join(map(str, shape[1:] if len(shape) == 3 and shape[0] == 1 else shape))


def load_data(source: str, *, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """``'digits'``, a folder of MNIST IDX files, or an MNIST ``.npz`` file."""
    if source == "digits":
        return load_digits(test_fraction=test_fraction, seed=seed)
    path = Path(source)
    if path.is_dir():
        return load_mnist_idx(path)
    if path.suffix.lower() == ".npz":
        return load_mnist_npz(path)
    if not path.exists():
        raise DataError.said("data.no_source", source=source)
    raise DataError.said("data.unknown_source", source=source)


# ------------------------------------------------------------------- scikit-learn digits
def load_digits(*, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's 1797 8x8 digits, shuffled with ``seed`` and split."""
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError:
        raise DataError.said("data.sklearn") from None
    bunch = sk_load_digits()
    images = bunch.images.astype(np.float64)[:, None] / 16.0
    labels = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(round(len(labels) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Dataset("digits", images[train], labels[train], images[test], labels[test],
                   "digits")


# -------------------------------------------------------------------------------- IDX
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
               "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (the MNIST format; gzip-compressed when it starts with the gzip magic),
    read as a stream: the header is checked before the data is unpacked, and no more data
    is read than the header promises (and one byte to tell there is more)."""
    return _open_idx(path, _idx_data)


def idx_shape(path: str | Path) -> tuple:
    """The shape an IDX file's header promises (reading nothing more)."""
    return _open_idx(path, lambda stream, where: _idx_header(stream, where)[0])


def _open_idx(path: str | Path, read):
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            packed = handle.read(2) == b"\x1f\x8b"
        with (gzip.open if packed else open)(path, "rb") as stream:
            return read(stream, path)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise DataError.said("data.gzip", path=path, why=err) from None
    except OSError as err:
        raise DataError.said("cannot_read", path=path, why=err.strerror or err) from None


def _idx_header(stream, path: Path) -> tuple[tuple, np.dtype]:
    magic = stream.read(4)
    if not magic:
        raise DataError.said("data.idx_empty", path=path)
    if len(magic) < 4 or magic[:2] != b"\x00\x00":
        raise DataError.said("data.idx_start", path=path, start=magic.hex())
    kind, ndim = magic[2], magic[3]
    if kind not in IDX_TYPES:
        raise DataError.said("data.idx_type", path=path, kind=f"0x{kind:02x}",
                             kinds=", ".join(f"0x{k:02x}" for k in IDX_TYPES))
    sizes = stream.read(4 * ndim)
    if ndim == 0 or len(sizes) < 4 * ndim:
        raise DataError.said("data.idx_cut", path=path)
    return tuple(int(v) for v in np.frombuffer(sizes, ">u4")), np.dtype(IDX_TYPES[kind])


def _idx_data(stream, path: Path) -> np.ndarray:
    shape, dtype = _idx_header(stream, path)
    expected = math.prod(shape) * dtype.itemsize  # Python ints: np.prod wraps around
    body = _read_up_to(stream, expected + 1)
    if len(body) < expected:
        raise DataError.said("data.idx_short", path=path, shape=shape, bytes=expected,
                             has=len(body))
    if len(body) > expected:
        raise DataError.said("data.idx_long", path=path, shape=shape, bytes=expected)
    data = np.frombuffer(body, dtype).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _read_up_to(stream, limit: int) -> bytes:
    """At most ``limit`` bytes, in chunks (a header may promise 2^64 bytes of a short
    file), fewer at the end of the stream."""
    chunks, total = [], 0
    while total < limit:
        chunk = stream.read(min(1 << 24, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _find_idx(folder: Path, stem: str) -> Path:
    """The MNIST file ``stem`` in ``folder`` (also gzipped, or named with .idx)."""
    names = [folder / name for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                                        stem.replace("-idx", ".idx") + ".gz")]
    for path in names:
        if path.is_file():
            return path
    for path in names:  # a folder where the file should be is not a missing file
        if path.is_dir():
            raise DataError.said("data.idx_folder", path=path, stem=stem)
    raise DataError.said("data.idx_missing", path=folder / stem, stem=stem, folder=folder)


def load_mnist_idx(folder: str | Path) -> Dataset:
    """MNIST from the four IDX files in ``folder``."""
    folder = Path(folder)
    arrays = {key: (_find_idx(folder, stem)) for key, stem in MNIST_FILES.items()}
    for path in arrays.values():
        reading(path)
    shapes = {key: idx_shape(path) for key, path in arrays.items()}
    for split in ("train", "test"):  # before unpacking what may be gigabytes
        images, labels = shapes[f"x_{split}"], shapes[f"y_{split}"]
        if images[:1] != labels[:1]:
            raise _label_count(arrays[f"y_{split}"], labels[0], images[0],
                               arrays[f"x_{split}"])
    loaded = {key: read_idx(path) for key, path in arrays.items()}
    return _mnist("mnist", loaded, {k: str(p) for k, p in arrays.items()}, str(folder))


NPZ_EXPECTED = Said("error.data.npz_expected")  # what an MNIST .npz holds


def load_mnist_npz(path: str | Path) -> Dataset:
    """MNIST from one .npz with x_train, y_train, x_test, y_test, named after the file
    (an .npz of other 28x28 images, say fashion.npz, is "fashion", not "mnist")."""
    path = Path(path)
    reading(path)
    if path.is_file() and not zipfile.is_zipfile(path):  # numpy would try to unpickle it
        raise DataError.said("data.npz_not_zip", path=path, expected=NPZ_EXPECTED)
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in MNIST_FILES if key not in npz.files]
            if missing:
                raise DataError.said("data.npz_missing", path=path, missing=", ".join(missing),
                                     found=", ".join(npz.files) or Said("error.data.none"))
            loaded = {key: _npz_array(npz, key, path) for key in MNIST_FILES}
    except FileNotFoundError:
        raise DataError.said("no_such_file", path=path) from None
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        if isinstance(err, DataError):
            raise
        raise DataError.said("data.npz_unreadable", path=path, why=err) from None
    except MemoryError:  # a member's header may claim petabytes
        raise DataError.said("data.npz_unreadable", path=path,
                             why=Said("error.data.beyond_memory")) from None
    return _mnist(path.stem, loaded, {key: f"{path}[{key}]" for key in MNIST_FILES}, str(path))


def _npz_array(npz, key: str, path: Path) -> np.ndarray:
    """One array of an .npz, refusing pickled Python objects (unpickling runs code) and
    members that are not .npy files (numpy hands over their raw bytes)."""
    try:
        array = npz[key]
    except ValueError as err:
        if "pickle" not in str(err):
            raise
        raise DataError.said("data.npz_pickled", path=path, key=key,
                             expected=NPZ_EXPECTED) from None
    if not isinstance(array, np.ndarray):
        raise DataError.said("data.npz_not_array", path=path, key=key, expected=NPZ_EXPECTED)
    return array


def _mnist(name: str, arrays: dict, names: dict, source: str) -> Dataset:
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim == 4 and x.shape[-1] == 1:  # (N, H, W, 1) as the lecture's code keeps it
            x = x[..., 0]
        if x.ndim != 3 or 0 in x.shape[1:]:
            raise DataError.said("data.image_shape", where=names[f"x_{split}"], shape=x.shape)
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise DataError.said("data.label_shape", where=names[f"y_{split}"], dtype=y.dtype,
                                 shape=y.shape)
        if len(x) != len(y):
            raise _label_count(names[f"y_{split}"], len(y), len(x), names[f"x_{split}"])
        if len(y) and (y.min() < 0 or y.max() > 9):
            raise DataError.said("data.digit_labels", where=names[f"y_{split}"], low=y.min(),
                                 high=y.max())
        if x.dtype.kind not in "biuf":
            raise DataError.said("data.pixel_numbers", where=names[f"x_{split}"], dtype=x.dtype)
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            raise DataError.said("data.pixel_finite", where=names[f"x_{split}"])
        if len(x) and x.dtype.kind != "b" and max(float(x.max()), -float(x.min())) > 255:
            raise DataError.said("data.pixel_range", where=names[f"x_{split}"],
                                 low=f"{x.min():.4g}", high=f"{x.max():.4g}")
        scale = 255.0 if x.dtype.kind in "iu" or x.max(initial=0) > 1 else 1.0
        arrays[f"x_{split}"] = x.astype(np.float64)[:, None] / scale
        arrays[f"y_{split}"] = y.astype(np.int64)
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise DataError.said("data.test_shape", where=names["x_test"],
                             test=arrays["x_test"].shape[2:], train=arrays["x_train"].shape[2:])
    return Dataset(name, arrays["x_train"], arrays["y_train"], arrays["x_test"],
                   arrays["y_test"], source)


def _label_count(labels_file, labels: int, images: int, images_file) -> DataError:
    """'y: 3 labels for 4 images in x' (the two files or arrays named as given)."""
    return DataError.said("data.label_count", labels_file=labels_file, labels=labels,
                          images=images, images_file=images_file)
