"""Keys and marked sheets: the key answers every cell its worksheet blanks (whatever
--max-cells), no blank gives its answer away, and a marked sheet prints no equation that
mixes the student's numbers with the trace's results unmarked."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.generate import generate, options
from tracer.present.blanks import select_hidden
from tracer.present.context import Context, cell_ref
from tracer.present.handout import build_document
from tracer.present.update import parameters
from tracer.report import marking_html, render

DRAWN_AS_MARKS = (".argmax", ".ties")  # where each window's maximum sits: marks, not numbers


def batch_spec() -> dict:
    """Two samples, two filters, a vector longer than one line (18 entries)."""
    rng = np.random.default_rng(3)
    return {"inputs": rng.integers(0, 4, size=(2, 8, 8)).tolist(), "targets": [0, 1],
            "learning_rate": 0.1,
            "layers": [{"type": "conv2d", "weight": rng.integers(-1, 2, (2, 1, 3, 3)).tolist(),
                        "bias": [0, 1]},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2},
                       {"type": "flatten"},
                       {"type": "dense", "weight": np.round(rng.normal(0, 0.3, (18, 2)), 2)
                        .tolist(), "bias": [0, 0.1]},
                       {"type": "softmax"}]}


def single_long_vector_spec() -> dict:
    data = batch_spec()
    data["input"], data["target"] = data.pop("inputs")[0], data.pop("targets")[1]
    return data


def flatten_150_spec() -> dict:
    """Six filters over a 12x12 input: a flat vector of 150 entries (longer than 100)."""
    rng = np.random.default_rng(5)
    return {"input": rng.integers(0, 4, size=(12, 12)).tolist(), "target": 1,
            "learning_rate": 0.1,
            "layers": [{"type": "conv2d", "weight": rng.integers(-1, 2, (6, 1, 3, 3)).tolist(),
                        "bias": [0] * 6},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2},
                       {"type": "flatten"},
                       {"type": "dense", "weight": np.round(rng.normal(0, 0.1, (150, 3)), 2)
                        .tolist(), "bias": [0, 0.1, 0]},
                       {"type": "softmax"}]}


SPECS = {"lecture": lambda: load_example("lecture"),
         "wide": lambda: from_dict(generate(5, options("wide"))),
         "batch": lambda: from_dict(batch_spec()),
         "long-vector": lambda: from_dict(single_long_vector_spec()),
         "vector-150": lambda: from_dict(flatten_150_spec())}


class _Spans(HTMLParser):
    """data-ref of every <span class="answer|blank|trace|mark ..."> of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.refs: dict[str, Counter] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "data-ref" in attrs:
            kind = attrs.get("class", "").split()[0]
            self.refs.setdefault(kind, Counter())[attrs["data-ref"]] += 1


def spans(html: str, kind: str) -> set[str]:
    return set(_Spans(html).refs.get(kind, ()))


@pytest.mark.parametrize("max_cells", [0, 1, 2])
@pytest.mark.parametrize("blank", ["forward", "backward", "update", "all"])
@pytest.mark.parametrize("name", list(SPECS))
def test_the_key_answers_every_cell_its_worksheet_blanks(name, blank, max_cells):
    trace = run_pass(SPECS[name]())
    key = render(trace, ("html",), view="key", blank=blank, max_cells=max_cells)["html"]
    sheet = render(trace, ("html",), view="worksheet", blank=blank, max_cells=max_cells)["html"]
    answers = spans(key, "answer")
    assert spans(sheet, "blank") == answers  # one document: every blank has its answer
    ctx = Context(trace)  # large tensors are heatmaps in every handout (numbers: trace.json)
    hidden = [qid for qid in select_hidden(trace, blank)
              if not qid.endswith(DRAWN_AS_MARKS) and not ctx.large(qid)]
    expected = {cell_ref(qid, index) for qid in hidden
                for index in np.ndindex(trace.quantity(qid).shape)}
    assert len(expected) > 0
    assert sorted(expected - answers) == []


def test_the_before_after_table_lists_every_parameter_cell_with_signed_changes():
    trace = run_pass(load_example("lecture"))
    update = next(s for s in build_document(trace, max_cells=1).sections if s.key == "update.title")
    table = next(b for b in update.blocks if b.kind == "table")
    cells = [cell_ref(f"{info['name']}.{p}", index) for info, p in parameters(trace)
             for index in np.ndindex(trace.quantity(f"{info['name']}.{p}").shape)]
    assert [row[0].text for row in table.rows] == cells  # 14 of 14, not the 4 expanded
    for row in table.rows:
        change = float(trace.numbers(row[0].text.replace(".weight", ".weight_new")
                                     .replace(".bias", ".bias_new"))
                       - trace.numbers(row[0].text))
        assert row[3].text.startswith("+") == (change > 0), (row[0].text, row[3].text)
    assert "conv1.weight[0,0,0,1]" in cells and trace.numbers("conv1.weight[0,0,0,1]") == 0


@pytest.mark.parametrize("blank", ["pool1.out", "pool1.out[0,0,0]", "pool1.argmax", "forward",
                                   "pool1.out[0,0,0],relu1.grad"])
def test_a_worksheet_does_not_point_at_a_blanked_maximum(blank):
    trace = run_pass(load_example("lecture"))
    files = render(trace, ("html", "tex"), view="worksheet", blank=blank)
    pooling = files["html"].split('id="fwd-pool1"')[1].split("</section>")[0]
    assert "The maximum sits at row 1, column 0" not in files["html"]
    assert "sits at row <span" in pooling and 'class="mk"' not in pooling
    if blank != "pool1.argmax":  # the tie count blanked too: words that do not tell it
        assert "Cells of the window that hold the maximum: <span" in pooling
    assert r"row $\blank$, column $\blank$" in files["tex"]
    # one window, so no marks anywhere: not in the gradient's matrix either
    assert 'class="mk"' not in files["html"] and r"\mk{" not in files["tex"]
    key = render(trace, ("html",), view="key", blank=blank)["html"]
    assert {"pool1.argmax[0,0,0,0]", "pool1.argmax[0,0,0,1]"} <= spans(key, "answer")
    assert 'class="hl mk"' in key.split('id="fwd-pool1"')[1].split("</section>")[0]


def four_windows_spec() -> dict:
    """One filter over a 6x6 ramp: a 4x4 output rising to the right and down, so each of
    the four 2x2 pool windows has its maximum, alone, at its bottom right."""
    return {"input": np.arange(36).reshape(6, 6).tolist(), "target": 0,
            "learning_rate": 0.1,
            "layers": [{"type": "conv2d", "weight": [[np.eye(3, dtype=int).tolist()]],
                        "bias": [0]},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2},
                       {"type": "flatten"},
                       {"type": "dense", "weight": [[0.1, -0.1], [0.2, 0.1], [-0.1, 0.2],
                                                    [0.1, 0.1]], "bias": [0, 0]},
                       {"type": "softmax"}]}


def test_a_worksheet_drops_only_the_marks_of_the_windows_it_blanks():
    trace = run_pass(from_dict(four_windows_spec()))
    blank = "pool1.out[0,0,1],relu1.grad"  # window (0, 1): its maximum is input cell (1, 3)
    files = render(trace, ("html", "tex"), view="worksheet", blank=blank)
    gradient = files["html"].split('id="bwd-pool1"')[1].split("</section>")[0]
    assert marked_cells(gradient) == {(1, 1), (3, 1), (3, 3)}
    pooling = files["html"].split('id="fwd-pool1"')[1].split("</section>")[0]
    assert pooling.count('class="hl mk"') == 3  # the other windows keep their maximum
    assert files["tex"].count(r"\mk{") == 3 + 3
    key = render(trace, ("html",), view="key", blank=blank)["html"]
    gradient = key.split('id="bwd-pool1"')[1].split("</section>")[0]
    assert marked_cells(gradient) == {(1, 1), (1, 3), (3, 1), (3, 3)}


def marked_cells(html: str) -> set[tuple]:
    """(row, column) of the marked cells of the matrices in ``html``."""
    cells = set()
    for table in re.findall(r'<table class="mat">(.*?)</table>', html):
        for r, row in enumerate(re.findall(r"<tr>(.*?)</tr>", table)):
            tds = [td for td in re.findall(r"<td([^>]*)>", row) if "rowspan" not in td]
            cells |= {(r, c) for c, td in enumerate(tds) if "mk" in td}
    return cells


def test_a_worksheet_that_blanks_something_else_keeps_the_maximum_marked():
    html = render(run_pass(load_example("lecture")), ("html",), view="worksheet",
                  blank="dense1.out")["html"]
    assert 'class="hl mk"' in html
    assert "The maximum sits at row <span class=\"math\">1</span>" in html


@pytest.mark.parametrize("blank, last, gone", [
    ("backward", "bwd-conv1", ["update", "Before and after"]),
    ("forward", "fwd-loss", ["bwd-", "update"]),
    ("conv1.out", "fwd-conv1", ["fwd-relu1", "bwd-"]),
])
def test_a_worksheet_ends_where_its_last_blank_is_worked_out(blank, last, gone):
    """Later steps are worked from the blanked values (K_new = K - 0.1 * [ ] = 1.003 gives
    dL/dK away), so the worksheet and its key stop after the last section with a blank."""
    trace = run_pass(load_example("lecture"))
    for view in ("worksheet", "key"):
        files = render(trace, ("html", "tex"), view=view, blank=blank)
        html, tex = files["html"], files["tex"]
        assert f'id="{last}"' in html, view
        for text in gone:
            assert text not in html.split(f'id="{last}"')[1], (view, text)
        assert "The rest of the pass is left out here" in html and "The rest of the pass" in tex
    worked = render(trace, ("html",))["html"]
    assert all(text in worked for text in gone) and "The rest of the pass" not in worked
    quiz = render(trace, ("html",), view="worksheet", blank="update")["html"]
    # the update is asked; the checks after it (the loss after the step, a second forward
    # pass the sheet does not lay out) are not; nor is the before-and-after table, whose
    # every new value has its box on its update line
    assert 'id="update"' in quiz and 'id="checks"' not in quiz
    assert "Before and after" not in quiz


# ------------------------------------------------------------------- marked sheets
ANSWERS = """conv1.out: [[5, 7], [12, 10]]
softmax1.out: [0.99999321, 6.790e-6]
loss.out: 6.790e-6
"""


def marked(answers: str) -> tuple[str, object]:
    checker = Checker(load_example("lecture"))
    return marking_html(checker.trace, checker.check(parse_answers(answers, "yaml"))), checker


def test_a_marked_sheet_shows_the_results_the_student_did_not_write_as_the_traces():
    """The sheet asks up to the loss: the report stops there (the backward would work
    the trace's dL/dz1 from the student's y_hat1); within it, every number of a computed
    cell is the student's (marked) or labelled the trace's: the same cells, as often, as
    the key of the forward pass answers."""
    html, checker = marked(ANSWERS)
    follows = '<span class="mark follows" data-ref="softmax1.out[1]">6.790×10<sup>−6</sup></span>'
    assert follows in html and 'id="fwd-loss"' in html and 'id="backward"' not in html
    assert "not worked out from your numbers" in html
    trace_value = '<span class="trace" data-ref="relu1.out[0,0,0]">5</span>'
    assert trace_value in html  # ReLU's output, not asked: the trace's
    key = render(checker.trace, ("html",), view="key", blank="forward",
                 max_cells=10**6)["html"]
    shown = _Spans(html).refs
    assert shown["mark"] + shown["trace"] == _Spans(key).refs["answer"]


def test_a_marked_sheet_that_asks_the_loss_after_shows_the_check_sums_as_the_traces():
    html, _ = marked(ANSWERS + "loss.after: 6.7e-6\n")
    assert 'id="update"' in html
    assert re.search(r'[=≈]\s*<span class="trace">1</span>', html)  # a check sum: the trace's


def test_a_marked_update_line_shows_the_students_new_value_once():
    """A marked sheet lays its update lines out as the worksheet does: the new value, no
    change beside it (the worksheet had a Δ box the answer sheet never asked)."""
    html, _ = marked(ANSWERS + "conv1.weight_new[0,0,0,0]: 1.000005537\n")
    new = r'<span class="mark correct" data-ref="conv1\.weight_new\[0,0,0,0\]">1\.000005537</span>'
    assert len(re.findall(new, html)) == 1
    assert not re.search(new + r"\s*\(<i>Δ</i>", html)


def test_a_blank_answer_shows_what_the_students_own_numbers_give():
    html, _ = marked(ANSWERS + "dense1.grad: [null, null]\n")
    assert ('<span class="mark missing" data-ref="dense1.grad[1]">?</span>'
            '<span class="expected">yours 6.79×10<sup>−6</sup></span>') in html  # not 'expected'
    assert "1.846×10<sup>−5</sup></span><span class=\"expected\">" not in html
