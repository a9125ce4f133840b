"""The engine's fast paths against their plain definitions: tie rule of max-pool, the
scatter-add behind col2im, the window views, record types, and traces that share no
memory with each other."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

from tracer import from_dict
from tracer.layers.base import scatter_windows, window_index, windows
from tracer.network import build, trace_pass
from tracer.numeric import APPROX, EXACT, FLOAT, TIE_TOLERANCE
from tracer.presets import preset


def plain_is_max(cand):
    """The tie rule as first written: within 1e-12 of the window's largest magnitude."""
    top = cand.max(axis=0, keepdims=True)
    size = np.maximum(top, -cand.min(axis=0, keepdims=True))
    return cand >= top - TIE_TOLERANCE * size


@pytest.mark.parametrize("shift", [0.0, -0.5, -3.0])
def test_maxima_keeps_the_per_window_tie_rule(shift):
    rng = np.random.default_rng(1)
    cand = rng.random((4, 3, 2, 5, 5)) + shift
    cand[1] = cand[0] * (1 - 1e-13)  # near-ties, inside the tolerance
    cand[2, 0] = cand[0, 0] * (1 - 1e-9)  # not a tie
    top, is_max = FLOAT.maxima(cand)
    np.testing.assert_array_equal(top, cand.max(axis=0))
    np.testing.assert_array_equal(is_max, plain_is_max(cand))


def test_scatter_add_sums_repeated_indices_in_every_mode():
    index = np.array([0, 2, 2, 4, 0, 5])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    want = [6.0, 0.0, 5.0, 0.0, 4.0, 6.0]
    np.testing.assert_array_equal(FLOAT.scatter_add(values, index, 6), want)
    exact = EXACT.scatter_add(EXACT.array(values.tolist()), index, 6)
    assert [float(v) for v in exact] == want
    approx = APPROX.scatter_add(APPROX.array(values.tolist()), index, 6)
    assert [float(v) for v in approx] == want


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_scatter_windows_is_the_adjoint_of_windows(stride):
    """<windows(x), g> = <x, scatter(g)> for every x and g."""
    rng = np.random.default_rng(stride)
    x = rng.standard_normal((2, 3, 9, 8))
    win = windows(x, 3, 2, stride)
    g = rng.standard_normal(win.shape)
    back = scatter_windows(g, x.shape, stride, FLOAT)
    assert np.isclose((win * g).sum(), (x * back).sum(), rtol=1e-12)


def test_window_index_points_every_window_cell_at_its_input_cell():
    shape = (2, 3, 5, 6)
    x = np.arange(np.prod(shape)).reshape(shape)
    np.testing.assert_array_equal(window_index(shape, 2, 3, 2), windows(x, 2, 3, 2).ravel())


def test_windows_view_equals_as_strided_for_any_layout():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 7, 7))
    for arr in (x, x[:, :, ::2, 1:], x.transpose(0, 1, 3, 2), x.astype(object)):
        n, c, h, w = arr.shape
        sn, sc, sh, sw = arr.strides
        want = as_strided(arr, (n, c, 2, 2, (h - 2) // 1 + 1, (w - 2) // 1 + 1),
                          (sn, sc, sh, sw, sh, sw))
        got = windows(arr, 2, 2, 1)
        np.testing.assert_array_equal(got, want)
        assert not got.flags.writeable


def small_batch():
    data = preset("lecture-cnn", seed=2)
    data.pop("input"), data.pop("target")
    rng = np.random.default_rng(4)
    data["inputs"] = rng.random((3, 1, 28, 28)).round(2).tolist()
    data["targets"] = [1, 7, 3]
    return build(from_dict(data), "float")


def test_record_types_are_small_integers_with_the_same_numbers():
    trace = trace_pass(small_batch())
    assert trace["relu1.mask"].dtype == np.int8 and set(np.unique(trace["relu1.mask"])) <= {0, 1}
    assert trace["pool1.ties"].dtype == np.int8 and trace["pool1.ties"].min() >= 1
    assert trace["pool1.argmax"].dtype == np.int32
    # the argmax cell holds the window's maximum
    a, b, am = trace["relu1.out"], trace["pool1.out"], trace["pool1.argmax"]
    n, c, i, j = np.indices(b.shape)
    np.testing.assert_array_equal(a[n, c, am[..., 0], am[..., 1]], b)


def test_traces_share_no_memory():
    """The im2col matrices are reused within a pass (dcols over cols); no recorded array
    may alias them, nor another trace's arrays."""
    net = small_batch()
    first = trace_pass(net)
    kept = {qid: np.array(q.value, copy=True) for qid, q in first.quantities.items()}
    second = trace_pass(net)
    for qid, value in kept.items():
        np.testing.assert_array_equal(first.quantities[qid].value, value, err_msg=qid)
    for qid in ("conv1.out", "conv2.out", "relu1.out", "pool1.grad", "input.grad"):
        assert not np.shares_memory(first[qid], second[qid]), qid


@pytest.mark.parametrize("count", [1, 2, 4, 9])
def test_first_true_is_the_first_maximum(count):
    from tracer.layers.pool import _first_true
    flags = np.random.default_rng(count).random((count, 60)) > 0.7
    flags[:, :3] = False  # no maximum at all (a NaN window): the last offset
    want = np.where(flags.any(axis=0), flags.argmax(axis=0), count - 1)
    np.testing.assert_array_equal(_first_true(flags), want)


@pytest.mark.parametrize("size, stride, ties", [(1, 1, "first"), (3, 2, "first"), (3, 2, "all"),
                                                (2, 3, "first"), (3, 1, "all"), (4, 2, "first"),
                                                (4, 3, "all")])
def test_pool_sizes_and_strides_equal_the_loop_reference(size, stride, ties):
    from tracer.reference import reference_pass
    rng = np.random.default_rng(size * 10 + stride)
    data = {"learning_rate": 0.1, "conventions": {"pool_ties": ties},
            "inputs": rng.integers(-2, 3, size=(2, 2, 7, 8)).tolist(), "targets": [0, 1],
            "layers": [{"type": "relu"}, {"type": "maxpool2d", "size": size, "stride": stride},
                       {"type": "flatten"}, {"type": "dense", "units": 2, "init": "xavier"},
                       {"type": "softmax"}]}
    net = build(from_dict(data), "float")
    values, trace = reference_pass(net), trace_pass(net)
    for qid, want in values.items():
        np.testing.assert_allclose(trace.numbers(qid), want, rtol=1e-12, atol=1e-12, err_msg=qid)
