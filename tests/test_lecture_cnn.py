"""The lecture's network: presets, the engine against the naive loop reference (every
convention) and against PyTorch float64, and exact mode on a whole 28x28 sample."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from tracer import from_dict, run_pass
from tracer.network import build, trace_pass
from tracer.presets import add_preset_argument, load_preset, preset, resolve
from tracer.reference import reference_pass
from tracer.present.text import render_text
from tracer.sheet import fingerprint
from tracer.spec import SpecError

from conftest import random_spec

EXACT_IDS = ("mask", "argmax", "ties")


def assert_same(trace, values, squeeze=False):
    """Every reference value equals the traced one (to 1e-12; integer records exactly)."""
    assert values, "nothing compared"
    for qid, want in values.items():
        got = trace.numbers(qid)
        if squeeze and qid.split(".")[0] not in ("loss",) and not qid.endswith(("_new",)) \
                and "grad_" not in qid:
            want = want[0]
        if qid.split(".")[1] in EXACT_IDS:
            np.testing.assert_array_equal(got, want, err_msg=qid)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=qid)


# ------------------------------------------------------------------------- presets
def test_lecture_cnn_has_the_lectures_shapes():
    spec = load_preset("lecture-cnn")
    net = build(spec, "float")
    assert [layer.type for layer in net.layers] == [
        "conv2d", "relu", "maxpool2d", "conv2d", "relu", "maxpool2d", "flatten", "dense",
        "softmax"]
    assert net.shapes == [(1, 28, 28), (8, 26, 26), (8, 26, 26), (8, 13, 13), (16, 11, 11),
                          (16, 11, 11), (16, 5, 5), (400,), (10,), (10,)]
    assert float(spec.learning_rate) == 0.01
    assert net.layers[6].order == "hwc"  # the lecture's code flattens H,W,C
    # He initialisation: std sqrt(2 / fan_in), drawn from the seed
    assert net.layers[7].weight.shape == (400, 10)
    assert abs(net.layers[7].weight.std() - np.sqrt(2 / 400)) < 0.01
    assert abs(net.layers[3].weight.std() - np.sqrt(2 / 72)) < 0.03


def test_presets_are_seeded_and_flatten_order_is_selectable():
    one, again = build(load_preset("lecture-cnn"), "float"), build(load_preset("lecture-cnn"),
                                                                   "float")
    other = build(load_preset("lecture-cnn", seed=1), "float")
    np.testing.assert_array_equal(one.layers[0].weight, again.layers[0].weight)
    np.testing.assert_array_equal(one.inputs, again.inputs)
    assert not np.array_equal(one.layers[0].weight, other.layers[0].weight)
    assert not np.array_equal(one.inputs, other.inputs)
    chw = build(load_preset("lecture-cnn", flatten_order="chw"), "float")
    assert chw.layers[6].order == "chw"
    # the same weights, flattened in another order: same dense input, permuted
    a = run_pass(load_preset("lecture-cnn"), "float")["flatten1.out"]
    b = run_pass(load_preset("lecture-cnn", flatten_order="chw"), "float")["flatten1.out"]
    assert not np.array_equal(a, b) and np.array_equal(np.sort(a), np.sort(b))
    # the conventions as the pass ran them say the flatten layer's order (chw for hwc in
    # the trace text); the spec's, which an answer sheet's fingerprint hashes, stay
    trace = run_pass(load_preset("lecture-cnn"), "float")
    assert trace.conventions_ran["flatten_order"] == "hwc"
    assert "flatten_order=hwc" in render_text(trace).splitlines()[1]
    assert run_pass(load_preset("lecture-cnn", flatten_order="chw"),
                    "float").conventions_ran["flatten_order"] == "chw"
    # a sheet made by 0.5.1 (its fingerprint) still marks
    assert fingerprint(trace) == "2ed63601944f"


def test_preset_spec_is_an_ordinary_dict_that_round_trips():
    data = preset("digits-cnn", seed=3)
    assert isinstance(data, dict) and data["seed"] == 3 and len(data["input"]) == 8
    spec = from_dict(data)
    assert build(spec, "float").shapes[-1] == (10,)
    image = np.arange(64).reshape(8, 8) / 64
    spec = from_dict(preset("digits-cnn", image=image, target=7))
    assert np.array_equal(build(spec, "float").inputs[0, 0], image)
    with pytest.raises(SpecError, match="target"):
        preset("digits-cnn", image=image)
    with pytest.raises(SpecError, match="unknown preset 'nope'"):
        preset("nope")


def test_preset_argument_helper():
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", nargs="?")
    parser.add_argument("--example")
    add_preset_argument(parser)
    args = parser.parse_args(["--preset", "digits-cnn", "--seed", "4"])
    spec = resolve(args)
    assert spec.seed == 4 and spec.layers[0].type == "conv2d"
    assert resolve(parser.parse_args([])) is None
    with pytest.raises(SpecError, match="not two of them"):
        resolve(parser.parse_args(["x.toml", "--preset", "lecture-cnn"]))
    with pytest.raises(SystemExit):
        parser.parse_args(["--preset", "unknown"])


# ----------------------------------------------------------- engine vs loop reference
CONVENTIONS = [{}, {"pool_ties": "all"}, {"relu_grad_at_zero": 1},
               {"loss_reduction": "sum"}, {"pool_ties": "all", "relu_grad_at_zero": 1,
                                           "loss_reduction": "sum"}]


@pytest.mark.parametrize("seed", range(12))
def test_engine_equals_the_loop_reference(seed):
    """Random shapes (stride 1-3, padding 0-2, 1-3 channels, batches 1-4, both flatten
    orders), integer weights half the time so that ReLU zeros and pool ties happen."""
    rng = np.random.default_rng(500 + seed)
    data = random_spec(rng, integer_weights=bool(seed % 2))
    data["conventions"] = CONVENTIONS[seed % len(CONVENTIONS)]
    net = build(from_dict(data), "float")
    values = reference_pass(net)
    assert_same(trace_pass(net), values)


def test_loop_reference_sees_ties_and_zeros_like_the_engine():
    """A hand-made input full of ties: the two tie conventions give different input
    gradients, and the engine matches the reference in both."""
    data = {"learning_rate": 0.5, "inputs": [[[1, 1, 0, 2], [1, 1, 2, 2], [0, 0, 3, 3],
                                             [0, -1, 3, 3]]], "targets": [1],
            "layers": [{"type": "relu"}, {"type": "maxpool2d", "size": 2},
                       {"type": "flatten"}, {"type": "dense", "weight": [[1, -1], [2, 0],
                                                                         [0, 1], [-1, 1]],
                                             "bias": [0, 0]}, {"type": "softmax"}]}
    grads = []
    for ties in ("first", "all"):
        data["conventions"] = {"pool_ties": ties}
        net = build(from_dict(data), "float")
        values = reference_pass(net)
        trace = trace_pass(net)
        assert_same(trace, values)
        grads.append(trace.numbers("input.grad"))
    assert not np.array_equal(*grads)


def test_loop_reference_on_lecture_cnn_batch_2():
    spec = load_preset("lecture-cnn")
    data = preset("lecture-cnn")
    data["inputs"], data["targets"] = [data.pop("input")] * 2, [data.pop("target"), 3]
    net = build(from_dict(data), "float")
    assert_same(trace_pass(net), reference_pass(net))
    assert spec.layers == from_dict(data).layers


# ------------------------------------------------------------------------ PyTorch
def torch_pass(net):
    """The same forward, loss, backward and SGD step in PyTorch float64."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    params = {f"{layer.name}.{p}": torch.tensor(np.asarray(getattr(layer, p), float),
                                                requires_grad=True)
              for layer in net.layers for p in layer.param_names}
    x = torch.tensor(np.asarray(net.inputs, float), requires_grad=True)
    out, h = {}, x
    for layer in net.layers[:-1]:
        if layer.type == "conv2d":
            h = F.conv2d(h, params[f"{layer.name}.weight"], params[f"{layer.name}.bias"],
                         stride=layer.stride, padding=layer.padding)
        elif layer.type == "relu":
            h = F.relu(h)
        elif layer.type == "maxpool2d":
            h = F.max_pool2d(h, layer.size, layer.stride)
        elif layer.type == "flatten":
            h = (h.permute(0, 2, 3, 1) if layer.order == "hwc" else h).reshape(len(h), -1)
        else:
            h = h @ params[f"{layer.name}.weight"] + params[f"{layer.name}.bias"]
        h.retain_grad()
        out[layer.name] = h
    labels = torch.tensor(np.argmax(net.targets, axis=1))
    loss = F.cross_entropy(h, labels)
    loss.backward()
    rate = float(net.spec.learning_rate)
    values = {"loss.out": loss.detach().numpy(), "input.grad": x.grad.numpy(),
              "softmax1.out": torch.softmax(h, 1).detach().numpy()}
    for name, t in out.items():
        values[f"{name}.out"] = t.detach().numpy()
        values[f"{name}.grad"] = t.grad.numpy()
    for pid, t in params.items():
        layer, p = pid.split(".")
        values[f"{layer}.grad_{p}"] = t.grad.numpy()
        values[f"{pid}_new"] = (t - rate * t.grad).detach().numpy()
    return values


@pytest.mark.parametrize("flatten_order", ["hwc", "chw"])
def test_engine_equals_pytorch_float64(flatten_order):
    rng = np.random.default_rng(7)
    data = preset("lecture-cnn", flatten_order=flatten_order, seed=5)
    data.pop("input"), data.pop("target")
    data["inputs"] = rng.random((3, 1, 28, 28)).tolist()  # no ties, no exact zeros
    data["targets"] = [3, 1, 4]
    net = build(from_dict(data), "float")
    theirs = torch_pass(net)
    trace = trace_pass(net)
    assert len(theirs) == 31  # 8 layers x (out, grad), 3 x 2 params x (grad, new), 3 more
    for qid, want in theirs.items():
        np.testing.assert_allclose(trace.numbers(qid), want, rtol=0, atol=1e-10, err_msg=qid)


# --------------------------------------------------------------------------- exact
def test_exact_lecture_cnn_agrees_with_float():
    """One 28x28 sample in exact mode (a second or two): every quantity agrees with float
    mode to 1e-10, values are Fractions or exact Reals, any cell prints to 40 digits."""
    spec = load_preset("lecture-cnn")
    exact = run_pass(spec, "exact")
    floats = run_pass(spec, "float")
    assert exact.ids() == floats.ids()
    for qid in floats.ids():
        np.testing.assert_allclose(exact.numbers(qid), floats.numbers(qid), rtol=1e-10,
                                   atol=1e-10, err_msg=qid)
    assert type(exact["conv2.out[3,4,5]"]).__name__ == "Fraction"
    assert type(exact["conv1.grad_weight[0,0,1,1]"]).__name__ == "Real"
    cell = "conv1.grad_weight[0,0,1,1]"
    text = exact.format(cell, 40)
    assert abs(float(text) - floats.numbers(cell)) <= 1e-10 * max(1, abs(float(text)))
    assert len(text.replace("-", "").replace(".", "").split("e")[0].lstrip("0")) >= 39


def test_trace_pass_leaves_the_network_unchanged_and_train_step_returns_the_loss():
    net = build(load_preset("digits-cnn"), "float")
    before = [layer.weight.copy() for layer in net.layers if layer.param_names]
    first = trace_pass(net)  # records loss.after, which runs the updated network
    assert all(np.array_equal(b, layer.weight) for b, layer in
               zip(before, [la for la in net.layers if la.param_names]))
    assert trace_pass(net).numbers("loss.after") == first.numbers("loss.after")
    from tracer.network import train_step
    assert train_step(net) == pytest.approx(float(first.numbers("loss.out")), rel=1e-12)
    assert not np.array_equal(before[0], net.layers[0].weight)


def test_a_preset_and_its_heatmaps_are_titled_in_the_handouts_language():
    from tracer.report import render
    spec = load_preset("digits-cnn", lang="ko")
    assert spec.title.startswith("digits-cnn: 합성곱 16@3x3 (패딩 1), ReLU, 최대 풀링 2")
    assert load_preset("digits-cnn").title.startswith("digits-cnn: conv 16@3x3 (padding 1)")
    html = render(run_pass(spec), ("html",), lang="ko")["html"]
    assert 'alt="히트맵 8×8"' in html and 'alt="heatmap' not in html
