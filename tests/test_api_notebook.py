"""The Python API as a notebook uses it: traces read back from JSON, answers as dicts,
render's arguments checked as the command line's, notes, float32 data, a trace as a
collection, files, errors and short reprs."""

from __future__ import annotations

import json
import re
import sys
import warnings

import numpy as np
import pytest

import tracer
from tracer import CnnTraceError, Spec, Trace, build, from_dict, load_example, run_pass
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.presets import load_preset
from tracer.report import render, write_report


@pytest.fixture(scope="module")
def exact():
    return run_pass(load_example("lecture"), mode="exact")


@pytest.fixture(scope="module")
def floats():
    return run_pass(load_example("lecture"))


@pytest.fixture(scope="module")
def checker():
    return Checker(load_example("lecture"))


# 1. an exact trace read from JSON ------------------------------------------------------
def test_an_exact_trace_read_from_json_renders_as_the_pass_it_was_read_from(exact):
    """Its values are floats, its exact forms text: render reads the forms back, so the
    handout is the live trace's (28/5 and e^{28/5}, not 5.6 and 270.4)."""
    loaded = Trace.from_json(exact.to_json())
    assert render(loaded)["html"] == render(exact)["html"]
    assert loaded.to_json() == exact.to_json()  # and the loaded trace is left as it was


def test_a_loaded_exact_trace_without_its_exact_forms_says_so_in_one_line(exact):
    data = json.loads(exact.to_json())
    del data["exact"]
    loaded = Trace.from_dict(data)
    with pytest.raises(ValueError, match=r"lacks its exact forms.*run_pass\(spec"):
        render(loaded)
    shown = loaded._repr_html_()  # Jupyter: the repr and why, no traceback
    assert "cannot show the worked example" in shown and "Traceback" not in shown


def test_ipython_shows_a_trace_that_cannot_render_without_a_traceback(exact, capsys):
    limit = sys.getrecursionlimit()  # importing IPython raises it to 3000, which would
    try:  # let the tests after this one recurse past the depths they check
        formatters = pytest.importorskip("IPython.core.formatters")
    finally:
        sys.setrecursionlimit(limit)
    data = json.loads(exact.to_json())
    del data["exact"]
    formatted, _ = formatters.DisplayFormatter().format(Trace.from_dict(data))
    assert "lacks its exact forms" in formatted["text/html"]
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


# 2. answers as a dict ----------------------------------------------------------------
def test_check_takes_a_plain_dict_with_numpy_values(checker):
    assert checker.check({"conv1.out": [[5, 7], [11, 10]]}).score == 100.0
    marking = checker.check({"conv1.out": np.array([[5, 7], [11, 10]], dtype=np.float32),
                             "dense1.out[0]": np.float32(5.6), "dense1.out[1]": -5.3})
    assert marking.score == 100.0
    assert checker.check({"conv1.out": [[5, 7], [11, 9]]}).score == 75.0


def test_check_reports_a_wrong_key_type_in_one_line(checker):
    with pytest.raises(TypeError, match="keys are quantity ids or cells as str"):
        checker.check({0: 5})
    with pytest.raises(TypeError, match="expected a mapping"):
        checker.check([("conv1.out", 5)])


def test_blank_as_a_list_or_a_comma_string_asks_the_same(checker):
    answers = {"conv1.out": [[5, 7], [11, 10]]}
    as_list = checker.check(answers, blank=["conv1.out", "dense1.out"])
    as_text = checker.check(answers, blank="conv1.out,dense1.out")
    assert as_list.score == as_text.score < 100  # dense1.out asked, not answered
    with pytest.raises(ValueError, match="got nothing"):
        checker.check(answers, blank=[])


def test_parse_answers_takes_yml_and_refuses_an_unknown_format_in_one_line(checker):
    text = "conv1.out: [[5, 7], [11, 10]]"
    assert checker.check(parse_answers(text, "yml")).score == 100.0
    assert checker.check(parse_answers(text, ".YAML")).score == 100.0
    with pytest.raises(ValueError, match="unknown answer file type 'xml'"):
        parse_answers(text, "xml")


# 3. render's arguments ---------------------------------------------------------------
@pytest.mark.parametrize("options, error, message", [
    ({"view": "worksheeet"}, ValueError, "view: expected one of 'worked', 'worksheet', 'key'"),
    ({"lang": "fr"}, ValueError, "lang: expected one of 'en', 'ko'"),
    ({"digits": "4"}, TypeError, "digits: expected a whole number"),
    ({"digits": 0}, ValueError, "digits: expected 1 to 50 significant digits, got 0"),
    ({"digits": 20}, ValueError, "digits=20: float arithmetic is good to 15"),
    ({"max_cells": -1}, ValueError, "max_cells: expected a cell count >= 0, got -1"),
    ({"max_cells": "3"}, TypeError, "max_cells: expected a whole number"),
    ({"formats": "htm"}, ValueError, "formats: unknown htm"),
    ({"formats": 3}, TypeError, "formats: expected a str"),
    ({"blank": 3, "view": "worksheet"}, TypeError, "blank: expected a str"),
    ({"view": "key"}, ValueError, "view='key' needs blank"),
    ({"blank": "forward"}, ValueError, "add view='worksheet'"),
])
def test_render_checks_its_arguments_in_one_line(floats, options, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")) as err:
        render(floats, **options)
    assert "\n" not in str(err.value)


def test_render_takes_formats_and_blank_as_the_command_line_does(floats):
    assert sorted(render(floats, "html")) == ["html"]
    assert sorted(render(floats, "html,tex")) == ["html", "tex"]
    listed = render(floats, ["html"], view="worksheet", blank=["conv1.out", "dense1.out"])
    joined = render(floats, "html", view="worksheet", blank="conv1.out,dense1.out")
    assert listed == joined


def test_render_of_a_spec_says_to_run_the_pass_first():
    with pytest.raises(TypeError, match=r"run the pass first: render\(run_pass\(spec\)\)"):
        render(load_example("lecture"))


def test_exact_traces_take_more_digits(exact):
    assert "html" in render(exact, digits=20)


# 4. the notes of a worksheet's folder -------------------------------------------------
def test_write_report_warns_of_answers_beside_a_worksheet(floats, tmp_path):
    write_report(floats, tmp_path, "html")  # worked.html and trace.json
    with pytest.warns(UserWarning) as caught:
        write_report(floats, tmp_path, "html", view="worksheet", blank="forward")
    notes = sorted(str(w.message) for w in caught)
    assert notes == [f"note: {tmp_path / name} holds the worksheet's answers; do not hand "
                     "it out with the worksheet" for name in ("trace.json", "worked.html")]


def test_a_worksheet_alone_gets_no_note(floats, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_report(floats, tmp_path, "html", view="worksheet", blank="forward")


# 5. float32 data -----------------------------------------------------------------------
def test_float32_numbers_read_as_their_shortest_decimals():
    data = {"title": "f32", "learning_rate": np.float32(0.1),
            "input": np.array([[1, 2, 0], [3, 1, 1], [0, 2, 2]], dtype=np.float32) / 10,
            "target": 0, "layers": [{"type": "conv2d", "weight": np.full((2, 2), 0.3,
                                                                          np.float16)},
                                    {"type": "flatten"}, {"type": "dense", "units": 2},
                                    {"type": "softmax"}]}
    spec = from_dict(data)
    assert str(spec.learning_rate) == "0.1"
    assert str(spec.inputs[0][0][1][0]) == "0.3"
    trace = run_pass(spec, mode="exact")
    assert trace.exact("input.out[0,1,0]") == "3/10"
    assert trace.exact("conv1.weight[0,0,0,0]") == "3/10"


# 6. a trace as a collection ------------------------------------------------------------
def test_a_trace_iterates_over_its_ids(floats):
    assert list(floats) == floats.ids() and len(floats) == len(floats.ids())
    assert [q for q in floats][0] == "input.out"


def test_a_key_that_is_no_str_is_a_type_error_naming_the_key_type(floats):
    with pytest.raises(TypeError, match="quantity ids or cells as str"):
        floats[0]
    assert 0 not in floats


def test_cells_everywhere(exact, floats):
    assert "conv1.out[0,0,0]" in exact and "conv1.out" in exact
    assert "conv1.out[0,9,0]" not in exact and "conv1.out[" not in exact
    assert exact.exact("conv1.out[0,1,0]") == "11"
    assert exact.exact("softmax1.out[1]") == "exp(-53/10)/(exp(28/5) + exp(-53/10))"
    assert exact.exact("conv1.out[0]") == [["5", "7"], ["11", "10"]]
    assert floats.exact("conv1.out[0,1,0]") is None
    with pytest.raises(KeyError, match="shape"):
        exact.exact("conv1.out[0,9,0]")


# 7. files -----------------------------------------------------------------------------
def test_save_and_load(exact, tmp_path):
    path = tmp_path / "trace.json"
    assert exact.save(path) == path
    assert Trace.load(path).to_json() == exact.to_json()
    assert Trace.load(str(path)).to_json() == exact.to_json()
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no temp file left
    with pytest.raises(FileExistsError, match="overwrite=True"):
        exact.save(path)
    exact.save(path, overwrite=True)


def test_load_names_the_file(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        Trace.load(tmp_path / "missing.json")
    (tmp_path / "sheet.json").write_text('{"conv1.out": 5}')
    with pytest.raises(ValueError, match=r"sheet.json: not a cnntrace trace"):
        Trace.load(tmp_path / "sheet.json")


def test_from_json_given_a_path_points_to_load(tmp_path):
    with pytest.raises(TypeError, match=r"Trace.load\("):
        Trace.from_json(tmp_path / "trace.json")
    with pytest.raises(ValueError, match=r"looks like a file name.*Trace.load\('trace.json'\)"):
        Trace.from_json("trace.json")
    with pytest.raises(ValueError, match="not valid JSON"):
        Trace.from_json("{oops")


# 8. errors ----------------------------------------------------------------------------
def test_cnntrace_error_is_exported_and_a_value_error():
    assert tracer.CnnTraceError is CnnTraceError and "CnnTraceError" in tracer.__all__
    assert issubclass(CnnTraceError, ValueError)


# 9. reprs ------------------------------------------------------------------------------
def test_reprs_are_short_and_say_what_they_hold(floats):
    spec = load_preset("lecture-cnn")
    text = repr(spec)
    assert len(text) < 600 and spec.title in text and "9 layers" in text
    assert "(1, 28, 28)" in text and isinstance(spec, Spec)
    network = repr(build(spec))
    assert len(network) < 600 and "conv1 (8, 26, 26)" in network and "(float)" in network
    quantity = repr(floats.quantity("conv1.out"))
    assert quantity == "<Quantity conv1.out (1, 2, 2) float64, forward of conv1>"


def test_write_report_and_check_name_their_keywords_not_the_command_lines(floats, checker,
                                                                         tmp_path):
    """A notebook was told to 'pass --force', that '--out: ... is a file', and of '--blank'."""
    mine = tmp_path / "out"
    mine.mkdir()
    (mine / "worked.html").write_text("my own notes\n")
    with pytest.raises(CnnTraceError, match=r"pass overwrite=True") as refused:
        write_report(floats, mine, "html")
    assert "--" not in str(refused.value)
    with pytest.raises(CnnTraceError, match=r"^out_dir: .*worked\.html is a file"):
        write_report(floats, mine / "worked.html", "html")
    with pytest.raises(ValueError, match=r"^blank: .*conv9\.out"):
        checker.check({"conv1.out": [[5, 7], [11, 10]]}, blank="conv9.out")
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'digit'"):
        write_report(floats, tmp_path / "o", "html", digit=3)


def test_a_notebooks_numpy_int_digits_and_a_binary_file_given_as_a_trace(floats, tmp_path):
    """digits=np.int64(6) passed the check, then broke deep in the formatting; a .npz given
    to Trace.load was 'expected a file'."""
    assert render(floats, "html", digits=np.int64(6)) == render(floats, "html", digits=6)
    weights = tmp_path / "w.npz"
    np.savez(weights, weight=np.arange(12.0))
    with pytest.raises(CnnTraceError, match=r"w\.npz: is a binary file, not text; expected a "
                                            r"cnntrace trace \(JSON"):
        Trace.load(weights)


def test_a_students_python_style_exponent_reads_as_a_power_of_ten():
    """-3.5e-05 as written showed as −3.5×10⁻⁰⁵."""
    from tracer.render.mathhtml import HtmlMathPrinter
    assert HtmlMathPrinter._number("-3.5e-05") == "−3.5×10<sup>−5</sup>"
    assert HtmlMathPrinter._number("2e+05") == "2×10<sup>5</sup>"


@pytest.mark.parametrize("edit, words", [
    ({"layers": 5}, "layers: expected a JSON list, got 5"),
    ({"learning_rate": "fast"}, "learning_rate: expected a number, got 'fast'"),
    ({"title": None}, "title: expected a JSON str, got None"),
    ({"layers": [{"name": "conv1"}]}, "layers: expected objects with a 'name' and a 'type'"),
])
def test_a_trace_edited_by_hand_is_refused_in_one_line_naming_the_field(floats, edit, words):
    """'layers': 5 loaded and then failed deep in the handout; 'learning_rate': 'fast' loaded
    and rendered K_new = 1 - fast · ..."""
    data = {**json.loads(floats.to_json()), **edit}
    with pytest.raises(ValueError, match="^a damaged cnntrace trace: " + re.escape(words)):
        Trace.from_dict(data)


def test_a_quantity_without_provenance_is_named(floats):
    data = json.loads(floats.to_json())
    data["quantities"]["bogus.id"] = [1.0]
    with pytest.raises(ValueError, match=r"quantities: 'bogus\.id' has no entry in 'provenance'"):
        Trace.from_dict(data)
