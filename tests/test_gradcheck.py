"""Every gradient against central finite differences: each layer alone, then whole
random networks (stride 1-3, padding 0-2, 1-3 channels, 1-4 filters, rectangular
inputs, batches of 1-4, both output layers, both flatten orders)."""

from __future__ import annotations

import numpy as np
import pytest

from tracer.layers import Conv2D, Dense, Flatten, LeakyReLU, MaxPool2D, ReLU, Sigmoid
from tracer.network import build, loss, run_pass
from tracer.numeric import FLOAT

from conftest import numeric_grad

def some_indices(shape, rng, limit=25):
    every = list(np.ndindex(shape))
    if len(every) <= limit:
        return every
    return [every[i] for i in rng.choice(len(every), size=limit, replace=False)]


def assert_close(analytic, numeric, what):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8, err_msg=what)


# ------------------------------------------------------------------ each layer alone
def layer_cases():
    rng = np.random.default_rng(0)
    conv = [Conv2D("conv", "layers[0]", rng.normal(size=(f, c, kh, kw)), rng.normal(size=f),
                   stride=s, padding=p)
            for f, c, kh, kw, s, p in [(1, 1, 3, 3, 1, 0), (3, 2, 2, 3, 2, 1),
                                       (4, 3, 3, 2, 3, 2), (2, 1, 1, 1, 1, 0)]]
    return conv + [
        MaxPool2D("pool", "layers[0]", 2, 2), MaxPool2D("pool", "layers[0]", 3, 1),
        MaxPool2D("pool", "layers[0]", 2, 3),
        ReLU("relu", "layers[0]"), LeakyReLU("leaky", "layers[0]", 0.1), Sigmoid("sig", "l"),
        Flatten("flat", "layers[0]", "chw"), Flatten("flat", "layers[0]", "hwc"),
    ]


@pytest.mark.parametrize("layer", layer_cases(),
                         ids=lambda layer: f"{layer.type}-{id(layer) % 997}")
def test_layer_backward_matches_finite_differences(layer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, getattr(layer, "weight", np.zeros((1, 2))).shape[1]
                         if layer.type == "conv2d" else 2, 7, 6))
    out, _, _ = layer.forward(x, FLOAT)
    upstream = rng.normal(size=out.shape)

    def objective():  # L = sum(upstream * layer(x)): its gradient is backward(upstream)
        return float((upstream * layer.forward(x, FLOAT)[0]).sum())

    _, _, saved = layer.forward(x, FLOAT)
    grad_input, records = layer.backward(upstream, saved, FLOAT)
    idx = some_indices(x.shape, rng)
    assert_close([grad_input[i] for i in idx], numeric_grad(objective, x, idx), "dL/dx")
    for p in layer.param_names:
        param = getattr(layer, p)
        idx = some_indices(param.shape, rng)
        assert_close([records[f"grad_{p}"][i] for i in idx],
                     numeric_grad(objective, param, idx), f"dL/d{p}")


def test_dense_backward_matches_finite_differences():
    rng = np.random.default_rng(2)
    layer = Dense("dense", "layers[0]", rng.normal(size=(5, 3)), rng.normal(size=3))
    x = rng.normal(size=(4, 5))
    upstream = rng.normal(size=(4, 3))

    def objective():
        return float((upstream * layer.forward(x, FLOAT)[0]).sum())

    grad_input, records = layer.backward(upstream, x, FLOAT)
    idx = list(np.ndindex(x.shape))
    assert_close([grad_input[i] for i in idx], numeric_grad(objective, x, idx), "dL/dx")
    for p in ("weight", "bias"):
        param = getattr(layer, p)
        idx = list(np.ndindex(param.shape))
        assert_close([records[f"grad_{p}"][i] for i in idx],
                     numeric_grad(objective, param, idx), p)


def test_pool_ties_all_routes_to_every_tied_max():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    for ties, expected in (("first", [[0, 1], [0, 0]]), ("all", [[0, 1], [1, 0]])):
        layer = MaxPool2D("pool", "layers[0]", 2, 2, ties)
        out, records, saved = layer.forward(x, FLOAT)
        assert records["ties"].tolist() == [[[[2]]]]
        assert records["argmax"].tolist() == [[[[[0, 1]]]]]
        grad, _ = layer.backward(np.ones_like(out), saved, FLOAT)
        assert grad[0, 0].tolist() == expected


def test_relu_grad_at_zero_convention():
    x = np.array([[[[0.0, -1.0], [2.0, 0.0]]]])
    for at_zero, mask in ((0, [[0, 0], [1, 0]]), (1, [[1, 0], [1, 1]])):
        _, records, _ = ReLU("relu", "l", at_zero).forward(x, FLOAT)
        assert records["mask"][0, 0].tolist() == mask


# ------------------------------------------------------------------ whole networks
NETWORKS = [dict(seed=s, hidden=h, output=o) for s, (h, o) in enumerate(
    [("relu", "softmax"), ("leaky_relu", "softmax"), ("sigmoid", "softmax"),
     ("relu", "sigmoid"), ("sigmoid", "sigmoid")] * 5)]


@pytest.mark.parametrize("case", NETWORKS, ids=lambda c: f"{c['seed']}-{c['hidden']}-{c['output']}")
def test_network_gradients_match_finite_differences(case, make_spec):
    spec = make_spec(case["seed"], hidden=case["hidden"], output=case["output"])
    trace = run_pass(spec, "float", after=False)
    net = build(spec, "float")
    rng = np.random.default_rng(case["seed"])

    def objective():
        return float(loss(net))

    for layer in net.layers:
        for p in layer.param_names:
            param = getattr(layer, p)
            idx = some_indices(param.shape, rng, 12)
            analytic = [trace[f"{layer.name}.grad_{p}"][i] for i in idx]
            assert_close(analytic, numeric_grad(objective, param, idx), f"{layer.name}.{p}")
    idx = some_indices(net.inputs.shape, rng, 12)
    assert_close([trace["input.grad"][i] for i in idx],
                 numeric_grad(objective, net.inputs, idx), "input")


def test_network_shapes_cover_the_required_ranges(make_spec):
    """The random networks above do span the ranges the engine promises."""
    seen = {"stride": set(), "padding": set(), "channels": set(), "filters": set(),
            "batch": set(), "rectangular": False}
    for case in NETWORKS:
        spec = make_spec(case["seed"], hidden=case["hidden"], output=case["output"])
        conv = spec.layers[0]
        shape = conv.get("weight")[1]
        seen["stride"].add(conv.get("stride"))
        seen["padding"].add(conv.get("padding"))
        seen["filters"].add(shape[0])
        seen["channels"].add(shape[1])
        seen["batch"].add(len(spec.inputs))
        h, w = len(spec.inputs[0][0]), len(spec.inputs[0][0][0])
        seen["rectangular"] |= h != w
    assert seen["stride"] == {1, 2, 3} and seen["padding"] == {0, 1, 2}
    assert seen["channels"] == {1, 2, 3} and seen["filters"] == {1, 2, 3, 4}
    assert seen["batch"] == {1, 2, 3, 4} and seen["rectangular"]
