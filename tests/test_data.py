"""Data loading: IDX files (plain and gzip) the tests write, MNIST folders and .npz,
scikit-learn's digits (skipped without scikit-learn), and one clear error per problem."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from tracer.data import DataError, load_data, load_mnist_idx, read_idx


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write_mnist(folder, n_train=6, n_test=4, side=5, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, side, side)),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, side, side)),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test)}
    for name, array in arrays.items():
        data = idx_bytes(array)
        (folder / (name + (".gz" if gz else ""))).write_bytes(gzip.compress(data) if gz
                                                              else data)
    return arrays


@pytest.mark.parametrize("code", [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_every_type(tmp_path, code, gz):
    array = np.arange(-3, 21).reshape(2, 3, 4) if code != 0x08 else np.arange(24).reshape(2, 3, 4)
    data = idx_bytes(array, code)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    got = read_idx(path)
    assert got.shape == (2, 3, 4) and got.dtype.isnative
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_folder(tmp_path, gz):
    arrays = write_mnist(tmp_path, gz=gz)
    data = load_data(str(tmp_path))
    assert data.name == "mnist" and data.image_shape == (1, 5, 5)
    np.testing.assert_array_equal(data.x_train[:, 0] * 255, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert data.x_train.max() <= 1 and data.x_train.dtype == np.float64
    assert data.limit(2, 1).x_train.shape[0] == 2 and data.limit(2, 1).y_test.shape == (1,)


def test_mnist_npz(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (5, 6, 6, 1)).astype(np.uint8),
              "y_train": rng.integers(0, 10, 5), "x_test": rng.integers(0, 256, (3, 6, 6)),
              "y_test": rng.integers(0, 10, 3)}
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = load_data(str(tmp_path / "mnist.npz"))
    assert data.name == "mnist"
    assert data.x_train.shape == (5, 1, 6, 6) and data.x_test.shape == (3, 1, 6, 6)
    np.testing.assert_array_equal(data.x_test[:, 0] * 255, arrays["x_test"])


def test_npz_named_after_its_file(tmp_path):
    """Not every .npz of 28x28 images is MNIST: the terminal line names the file's data."""
    arrays = {"x_train": np.zeros((2, 4, 4)), "y_train": np.arange(2),
              "x_test": np.zeros((1, 4, 4)), "y_test": np.arange(1)}
    np.savez(tmp_path / "fashion.npz", **arrays)
    assert load_data(str(tmp_path / "fashion.npz")).name == "fashion"


@pytest.mark.parametrize("content, message", [
    (b"", "expected an IDX file"),
    (b"\x01\x02\x08\x01", "expected an IDX file"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX data type 0x07"),
    (b"\x00\x00\x08\x03\x00\x00", "the header is cut short"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02",
     r"shape \(5,\) \(5 bytes of data\), the file has 2"),
    (b"\x1f\x8b\x08\x00garbage", "not a valid gzip file"),
    (b"\x00\x00\x08\x03\x80\x00\x00\x00\x80\x00\x00\x00\x00\x00\x00\x04",  # 2^64 bytes
     r"\(2147483648, 2147483648, 4\) \(18446744073709551616 bytes of data\), the file has 0"),
])
def test_bad_idx_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_idx(path)
    assert str(err.value).startswith(str(path))


def test_missing_or_inconsistent_mnist_files(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte: missing"):
        load_mnist_idx(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(3)))
    with pytest.raises(DataError, match="3 labels for 4 images"):
        load_mnist_idx(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.array([1, 2, 3, 12])))
    with pytest.raises(DataError, match="expected digit labels 0..9"):
        load_mnist_idx(tmp_path)


def test_a_folder_where_an_mnist_file_should_be_is_named_as_a_folder(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    (tmp_path / "train-labels-idx1-ubyte").mkdir()
    with pytest.raises(DataError) as err:
        load_mnist_idx(tmp_path)
    assert str(err.value) == (f"{tmp_path / 'train-labels-idx1-ubyte'}: is a folder, expected "
                              "the MNIST file train-labels-idx1-ubyte or "
                              "train-labels-idx1-ubyte.gz")


def test_bad_npz_and_paths(tmp_path):
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((2, 4, 4)))
    with pytest.raises(DataError, match=r"partial.npz: missing array\(s\) y_train, x_test, y_test"):
        load_data(str(tmp_path / "partial.npz"))
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(DataError, match=r"text.npz: not an MNIST \.npz \(not a zip archive"):
        load_data(str(tmp_path / "text.npz"))
    with pytest.raises(DataError, match="nowhere: no such file or folder"):
        load_data(str(tmp_path / "nowhere"))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError, match="expected 'digits', a folder"):
        load_data(str(tmp_path / "notes.txt"))
    np.savez(tmp_path / "flat.npz", x_train=np.zeros((2, 16)), y_train=np.zeros(2, int),
             x_test=np.zeros((1, 16)), y_test=np.zeros(1, int))
    with pytest.raises(DataError, match=r"flat.npz\[x_train\]: expected images of shape"):
        load_data(str(tmp_path / "flat.npz"))


def test_an_npz_member_that_is_not_an_npy_file_is_named(tmp_path):
    """numpy hands over such a member as raw bytes (it crashed with an AttributeError)."""
    import zipfile
    junk = tmp_path / "j.npz"
    with zipfile.ZipFile(junk, "w") as archive:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            archive.writestr(f"{key}.npy", "junk")
    with pytest.raises(DataError, match=r"j\.npz: not an MNIST \.npz: x_train is not a numpy "
                                        r"array \(\.npy\); expected an \.npz with"):
        load_data(str(junk))


def test_digits_without_scikit_learn_is_one_clear_line(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("no sklearn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(DataError, match="pip install scikit-learn") as err:
        load_data("digits")
    assert "\n" not in str(err.value)


def test_digits_split_is_fixed_and_held_out():
    pytest.importorskip("sklearn")
    a, b = load_data("digits"), load_data("digits")
    assert a.image_shape == (1, 8, 8) and len(a.y_train) + len(a.y_test) == 1797
    assert len(a.y_test) == 359
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert a.x_train.max() == 1.0 and a.x_train.min() == 0.0
    train = {x.tobytes() for x in a.x_train}
    assert sum(x.tobytes() in train for x in a.x_test) < 5  # (a few digits are duplicates)


@pytest.mark.parametrize("split, pixels, message", [
    ("x_train", np.full((2, 4, 4), "a"), r"x_train\]: expected numeric pixel values, got <U1"),
    ("x_train", np.full((2, 4, 4), np.nan), r"x_train\]: expected finite pixel values, got NaN"),
    ("x_test", np.full((2, 4, 4), -np.inf), r"x_test\]: expected finite pixel values"),
])
def test_pixels_that_are_not_finite_numbers(tmp_path, split, pixels, message):
    arrays = {"x_train": np.zeros((2, 4, 4)), "y_train": np.arange(2),
              "x_test": np.zeros((2, 4, 4)), "y_test": np.arange(2), split: pixels}
    np.savez(tmp_path / "odd.npz", **arrays)
    with pytest.raises(DataError, match=message) as err:
        load_data(str(tmp_path / "odd.npz"))
    assert str(err.value).startswith(str(tmp_path / "odd.npz"))


def test_boolean_pixels_are_numbers(tmp_path):
    np.savez(tmp_path / "bw.npz", x_train=np.eye(4, dtype=bool)[None], y_train=np.arange(1),
             x_test=np.ones((1, 4, 4), bool), y_test=np.arange(1))
    data = load_data(str(tmp_path / "bw.npz"))
    np.testing.assert_array_equal(data.x_train[0, 0], np.eye(4))


@pytest.mark.parametrize("content", ["text", "pickled"])
def test_a_file_that_is_not_an_mnist_npz_says_what_was_expected(tmp_path, content):
    """Not numpy's 'pickled (object) data ... allow_pickle' advice: loading pickles runs
    code, and the user gave the wrong file."""
    path = tmp_path / "junk.npz"
    if content == "text":
        path.write_text("x_train,y_train\n1,2\n")
    else:
        objects = np.array([{"image": 1}], dtype=object)
        np.savez(path, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    with pytest.raises(DataError) as err:
        load_data(str(path))
    message = str(err.value)
    assert message.startswith(f"{path}: not an MNIST .npz")
    assert "x_train, y_train, x_test, y_test" in message
    assert "allow_pickle" not in message and "\n" not in message


def test_a_gzip_idx_is_read_only_as_far_as_its_header_promises(tmp_path):
    """1.9 MB of gzip unpacked to 1.9 GB before the header was compared: now the data is
    streamed, and a file longer than its header says is refused after one byte more."""
    path = tmp_path / "long-idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((5,))) + bytes(10**6)))
    with pytest.raises(DataError, match=r"shape \(5,\) \(5 bytes of data\), the file has more"):
        read_idx(path)
    short = tmp_path / "short-idx.gz"
    short.write_bytes(gzip.compress(idx_bytes(np.zeros((5,)))[:-2]))
    with pytest.raises(DataError, match=r"\(5 bytes of data\), the file has 3"):
        read_idx(short)
    np.testing.assert_array_equal(read_idx(_gz(tmp_path, np.arange(7))), np.arange(7))


def _gz(folder, array):
    path = folder / "ok-idx.gz"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    return path


def test_labels_and_images_are_counted_from_the_headers_before_any_data(tmp_path):
    """The images' header promises 30,000,000 images (their data cut short): the count
    against the 6 labels is the error, found before the data would be unpacked."""
    write_mnist(tmp_path, gz=True)
    header = struct.pack(">BBBBIII", 0, 0, 8, 3, 30_000_000, 5, 5)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + bytes(100)))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: 6 labels for 30000000 "
                                        r"images in .*train-images-idx3-ubyte.gz"):
        load_mnist_idx(tmp_path)


def test_pixel_values_far_beyond_255_are_the_datas_error(tmp_path):
    """Pixels of 1e300 made training diverge, and train blamed the learning rate."""
    arrays = {"x_train": np.full((2, 4, 4), 1e300), "y_train": np.arange(2),
              "x_test": np.zeros((1, 4, 4)), "y_test": np.arange(1)}
    np.savez(tmp_path / "big.npz", **arrays)
    with pytest.raises(DataError, match=r"big.npz\[x_train\]: expected pixel values of at "
                                        r"most 255 in size \(0..255 or 0..1\), got values "
                                        r"from 1e\+300 to 1e\+300"):
        load_data(str(tmp_path / "big.npz"))


def test_images_of_no_pixels_are_the_datas_error(tmp_path):
    """(4, 0, 0) images passed every check and crashed at the first max()."""
    arrays = {"train-images-idx3-ubyte": np.zeros((4, 0, 0)), "train-labels-idx1-ubyte":
              np.zeros(4), "t10k-images-idx3-ubyte": np.zeros((2, 0, 0)),
              "t10k-labels-idx1-ubyte": np.zeros(2)}
    for name, array in arrays.items():
        (tmp_path / name).write_bytes(idx_bytes(array))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: expected images of shape "
                                        r"\(N, H, W\), got \(4, 0, 0\)"):
        load_mnist_idx(tmp_path)


def _npy_header_only(shape: tuple) -> bytes:
    """An .npy v1 member whose header promises ``shape`` (float64) and holds no data."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}".encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def test_an_npz_member_promising_more_than_memory_is_one_line(tmp_path):
    """numpy allocates what the header says first: a MemoryError escaped."""
    import zipfile

    from tracer.weights import load_weights
    huge = tmp_path / "huge.npz"
    with zipfile.ZipFile(huge, "w") as archive:
        for key in ("x_train", "y_train", "x_test", "y_test", "conv1.weight"):
            archive.writestr(f"{key}.npy", _npy_header_only((10**7, 10**5, 10**5)))
    with pytest.raises(DataError, match=r"huge\.npz: not a readable \.npz file \(an array "
                                        r"larger than this machine's memory\)"):
        load_data(str(huge))
    with pytest.raises(DataError, match=r"huge\.npz: not a weights file written by cnntrace "
                                        r"train --save \(an array larger than this machine"):
        load_weights(huge)


def test_a_text_file_without_end_is_refused_not_read_until_memory_runs_out(tmp_path):
    """A spec linked to /dev/zero has size 0 by stat and no end: it was read until memory
    ran out, then to the 200 MB limit; its first NUL byte tells it is no text file."""
    from tracer.spec import SpecError, load_spec
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(SpecError, match=r"zero\.toml: is a binary file, not text; "
                                        r"expected a spec file$"):
        load_spec(zero)
    spec = tmp_path / "small.toml"  # and a file is read whole, as it was
    spec.write_text('title = "a"\ninput = [[1, -2]]\n[[layers]]\ntype = "relu"\n')
    assert load_spec(spec).title == "a"


def test_a_spec_reads_on_a_machine_with_little_memory(tmp_path):
    """Reading a spec asked for a 1 GB buffer first (a MemoryError under 900 MB)."""
    import resource
    import subprocess
    import sys
    from pathlib import Path

    from tracer.spec import EXAMPLES_DIR
    spec = tmp_path / "lecture.toml"
    spec.write_bytes((EXAMPLES_DIR / "lecture.toml").read_bytes())

    def little_memory():
        resource.setrlimit(resource.RLIMIT_AS, (900_000_000, 900_000_000))
    done = subprocess.run([sys.executable, "-m", "tracer", "trace", str(spec)],
                          capture_output=True, text=True, preexec_fn=little_memory,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0 and "loss.out" in done.stdout, done.stderr[-500:]
