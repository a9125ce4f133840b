"""JSON export: deterministic, round-trips byte for byte, keeps exact forms."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tracer import Trace, from_dict, load_example, run_pass


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_export_import_export_is_identical(mode, make_spec):
    for spec in (load_example("lecture"), make_spec(5)):
        text = run_pass(spec, mode).to_json()
        again = Trace.from_json(text).to_json()
        assert again == text


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_same_spec_gives_byte_identical_json(mode, make_spec):
    assert run_pass(make_spec(11), mode).to_json() == run_pass(make_spec(11), mode).to_json()


def test_quantities_are_nested_lists_of_numbers():
    data = json.loads(run_pass(load_example("lecture"), "exact").to_json())
    assert data["mode"] == "exact"
    assert data["quantities"]["conv1.out"] == [[[5.0, 7.0], [11.0, 10.0]]]
    assert data["quantities"]["loss.out"] == pytest.approx(1.8458063644644e-05, rel=1e-12)
    assert data["exact"]["dense1.out"] == ["28/5", "-53/10"]
    assert data["conventions"]["pool_ties"] == "first"
    assert data["conventions"]["convolution"] == "cross-correlation"
    assert data["provenance"]["conv1.grad_weight"] == {"layer": "conv1", "step": "backward",
                                                       "shape": [1, 1, 3, 3]}
    assert data["layers"][0]["input"] == "input.out"


def test_loaded_trace_answers_lookups():
    trace = Trace.from_json(run_pass(load_example("lecture")).to_json())
    assert trace["conv1.out[0,1,0]"] == 11
    assert trace.format("softmax1.out[0]", 6) == "0.999982"
    np.testing.assert_array_equal(trace.numbers("relu1.mask"), [[[1, 1], [1, 1]]])
    assert trace.layer("pool1")["size"] == 2


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_a_loaded_exact_trace_prints_every_digit_as_the_live_one(output, make_spec):
    """The JSON's floats stop at ~16 digits; a loaded exact trace reads its exact forms
    back, so 30 digits of any cell are the live trace's (a batch, sigmoid's 1/(1 + e^-z),
    the loss after the step kept to 30 digits)."""
    for spec in (load_example("lecture"), make_spec(3, output=output, batch=2)):
        live = run_pass(spec, "exact")
        loaded = Trace.from_json(live.to_json())
        for qid in live.ids():
            for index in np.ndindex(live.quantity(qid).shape):
                key = f"{qid}[{','.join(map(str, index))}]" if index else qid
                for digits in (4, 17, 30):
                    assert loaded.format(key, digits) == live.format(key, digits), key


def test_every_quantity_id_follows_the_contract():
    trace = run_pass(load_example("lecture"))
    expected = {"input.out", "input.grad", "conv1.weight", "conv1.bias", "conv1.out",
                "conv1.grad", "conv1.grad_weight", "conv1.grad_bias", "conv1.weight_new",
                "conv1.bias_new", "relu1.out", "relu1.mask", "relu1.grad", "pool1.out",
                "pool1.argmax", "pool1.ties", "pool1.grad", "flatten1.out", "flatten1.grad",
                "dense1.weight", "dense1.bias", "dense1.out", "dense1.grad",
                "dense1.grad_weight", "dense1.grad_bias", "dense1.weight_new",
                "dense1.bias_new", "softmax1.out", "softmax1.exp", "softmax1.sum",
                "loss.out", "loss.after", "target.out"}
    assert set(trace.ids()) == expected


def test_bad_cell_ids_are_reported():
    trace = run_pass(load_example("lecture"))
    with pytest.raises(KeyError, match="no quantity"):
        trace["conv9.out"]
    with pytest.raises(KeyError, match="not a quantity id"):
        trace["conv1.out[0;1]"]


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_values_beyond_float64_are_standard_json_and_read_back(mode):
    # a logit of 800: e^800 overflows float64 (the loss and gradient stay finite)
    spec = from_dict({"input": [[800]], "target": 1, "layers": [
        {"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "flatten"},
        {"type": "dense", "weight": [[1, 0]], "bias": [0, 0]}, {"type": "softmax"}]})
    text = run_pass(spec, mode).to_json()

    def not_json(constant):
        raise AssertionError(f"{constant} is not a JSON number")
    data = json.loads(text, parse_constant=not_json)
    assert data["quantities"]["softmax1.exp"] == ["Infinity", 1.0]
    assert data["quantities"]["softmax1.sum"] == "Infinity"
    assert data["quantities"]["loss.out"] == pytest.approx(800)
    assert data["quantities"]["dense1.grad"] == [1.0, -1.0]
    loaded = Trace.from_json(text)
    assert loaded["softmax1.exp"][0] == np.inf and loaded.to_json() == text


def test_the_spec_description_is_shown_escaped_and_kept_in_the_json():
    from tracer.report import render
    data = {"title": "T", "description": "Week 3 <b>exercise</b>: by hand.", "input": [1, 2],
            "target": 0, "layers": [{"type": "dense", "weight": [[1, 0], [0, 1]],
                                     "bias": [0, 0]}, {"type": "softmax"}]}
    trace = run_pass(from_dict(data))
    files = render(trace, ("html", "tex"))
    assert "<p>Week 3 &lt;b&gt;exercise&lt;/b&gt;: by hand.</p>" in files["html"]
    assert r"Week 3 \textless{}b\textgreater{}exercise" in files["tex"]
    text = trace.to_json()
    assert json.loads(text)["description"] == data["description"]
    assert Trace.from_json(text).to_json() == text
    assert '"description"' not in run_pass(load_example("lecture")).to_json()  # none given


@pytest.mark.parametrize("text, message", [
    ("[1]", "not a cnntrace trace: expected a JSON object, got list"),
    ('{"format": "other"}', "not a cnntrace trace"),
    ('{"format": "cnntrace-trace"}', "a damaged cnntrace trace: mode: missing"),
])
def test_loading_what_is_not_a_trace_is_a_value_error(text, message):
    with pytest.raises(ValueError, match=message):
        Trace.from_json(text)


def test_a_trace_prints_as_one_short_line():
    trace = run_pass(load_example("lecture"))
    assert repr(trace) == str(trace) == "<Trace '4x4 input, one 3x3 filter' (float): " \
        f"{len(trace.ids())} quantities>"


def test_the_api_names_what_it_expected():
    """A dict for a Spec, a cell out of range, digits of -3 or 'x', a trace of another
    version or mode: AttributeError, numpy's IndexError, a format error, or silence."""
    with pytest.raises(TypeError, match=r"expected a Spec \(tracer.from_dict\(data\), "
                                        r"load_spec\(path\) or load_example\(name\)\), got dict"):
        run_pass({"input": 1})
    trace = run_pass(load_example("lecture"))
    with pytest.raises(KeyError, match=r"no cell 'conv1.out\[9,9,9\]': conv1.out has shape "
                                       r"\(1, 2, 2\)"):
        trace["conv1.out[9,9,9]"]
    for digits in (-3, "x", 0, 16, True):  # a float holds 15 (a 20 printed noise)
        with pytest.raises(ValueError, match="digits: expected a whole number from 1 to 15 in "
                                             "float mode"):
            trace.format("loss.out", digits)
    exact = run_pass(load_example("lecture"), "exact")
    assert exact.format("dense1.out[0]", 50) == "5.6"
    with pytest.raises(ValueError, match="from 1 to 50 in exact mode, got 51"):
        exact.format("loss.out", 51)
    with pytest.raises(TypeError, match=r"path: expected a file name \(str or Path\), got "
                                        "NoneType"):
        trace.save(None)
    assert trace.format("loss.out", np.int64(4)) == "1.846e-5"
    for key, value, words in (("version", 99, "a cnntrace trace of version 99; this cnntrace "
                                               "reads version 1"),
                              ("mode", "weird", "mode 'weird', expected 'float' or 'exact'")):
        data = json.loads(trace.to_json())
        data[key] = value
        with pytest.raises(ValueError, match=re.escape(words)):
            Trace.from_dict(data)
