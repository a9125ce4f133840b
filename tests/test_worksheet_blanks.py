"""A worksheet never gives away its own blanks: on the presets' large networks (heatmaps,
representative cells) no shown equation works a result out of a blank, no blanked
cell's value is printed as a result, and the worksheet ends with the step that works out
its last blank, while the key answers every blank it has."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.presets import load_preset
from tracer.report import render

RELATION = re.compile("\u2005[=≈<>≥≤]\u2005")  # how the HTML math sets a relation
LINE = re.compile(r'<div class="math-line">(.*?)</div>', re.S)
BLANK = re.compile(r'<span class="blank[^"]*"( data-ref="[^"]*")?></span>')
ANSWER = re.compile(r'<span class="answer" data-ref="([^"]*)">(.*?)</span>')
LAST = {"forward": "fwd-loss", "backward": "bwd-conv1"}


@pytest.fixture(scope="module")
def traces():
    return {name: run_pass(load_preset(name)) for name in ("lecture-cnn", "digits-cnn")}


def plain(fragment: str) -> str:
    """A line of the HTML as text, each blank box as ▢."""
    text = BLANK.sub("▢", fragment)
    text = re.sub(r"<sup>(.*?)</sup>", r"^\1", text)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", text))


def result(line: str) -> str:
    """What a line works out: its last part after a relation that holds a number or a
    blank ((Δ = …) after a new value is the change, beside the result)."""
    line = line.split("\u2003")[0]
    parts = RELATION.split(line)
    return next((p for p in reversed(parts) if re.search(r"[0-9▢]", p)), parts[-1])


def leaks(sheet: str) -> list[str]:
    """Shown equations that use a blank and print a number as their result."""
    lines = [plain(line) for line in LINE.findall(sheet)]
    return [line for line in lines if "▢" in line and "▢" not in result(line)]


def printed(number: str) -> str:
    return plain(number).replace("×10^", "e").replace("−", "-")


@pytest.mark.parametrize("blank", ["forward", "backward"])
@pytest.mark.parametrize("name", ["lecture-cnn", "digits-cnn"])
def test_a_preset_worksheet_shows_no_result_worked_from_its_blanks(traces, name, blank):
    trace = traces[name]
    sheet = render(trace, ("html",), view="worksheet", blank=blank)["html"]
    key = render(trace, ("html",), view="key", blank=blank)["html"]
    assert leaks(sheet) == []  # e.g. K^new = 0.1705 − 0.1 · ▢ = 0.15617 gave ∂L/∂K away
    # from the first blank on, no line prints a blanked cell's value as its result (before
    # it the givens, such as ŷ₁ = 0.03741 = ∂L/∂z₁ on a backward worksheet, are the data)
    answers = {printed(text) for _, text in ANSWER.findall(key)} - {"0", "1", "-1"}
    lines = [plain(line) for line in LINE.findall(sheet)]
    start = next(i for i, line in enumerate(lines) if "▢" in line)
    shown = [line for line in lines[start:]
             if "▢" not in result(line) and printed(result(line)).strip() in answers]
    assert shown == []
    # it ends with the step that works out its last blank, and says why; the key too
    for page in (sheet, key):
        assert page.count("The rest of the pass is left out here") == 1
        tail = page.split(f'id="{LAST[blank]}"')[1]
        assert "<section" not in tail and 'id="update"' not in tail
    assert "▢" in plain(sheet.split(f'id="{LAST[blank]}"')[1])
    # the key answers every blank of the worksheet
    blanks = re.findall(r'<span class="blank" data-ref="([^"]*)">', sheet)
    assert blanks and set(blanks) == {ref for ref, _ in ANSWER.findall(key)}


def test_the_lecture_worksheets_still_stop_where_they_did():
    trace = run_pass(load_example("lecture"))
    for blank, last in LAST.items():
        sheet = render(trace, ("html",), view="worksheet", blank=blank)["html"]
        assert leaks(sheet) == []
        assert "<section" not in sheet.split(f'id="{last}"')[1]


@pytest.mark.parametrize("blank", ["conv1.out[0,1,0],dense1.grad",
                                   "conv1.out[0,1,0],relu1.out[0,0,0]",
                                   "pool1.out[0,0,0],conv1.out[0,1,0]",
                                   "dense1.out[0],conv1.grad_weight[0,0,1,1]",
                                   "conv1.grad_weight[0,0,0,0],dense1.weight_new",
                                   "dense1.grad_weight[0,0],conv1.bias_new",
                                   "forward,conv1.weight_new[0,0,0,0]"])
def test_cells_blanked_in_two_steps_leave_nothing_between_them_to_read(blank):
    """Between two blanked steps every value worked from the first blank is blanked too
    (and asked): ReLU's max(0, ▢) = 11 gave conv1.out[0,1,0] away, an update's
    K − η·▢ = … its gradient."""
    from tracer.sheet import blank_cells
    trace = run_pass(load_example("lecture"))
    sheet = render(trace, ("html",), view="worksheet", blank=blank)["html"]
    assert leaks(sheet) == []
    # the answer sheet asks every box the worksheet has
    boxes = set(re.findall(r'<span class="blank" data-ref="([^"]*)">', sheet))
    assert boxes <= set(blank_cells(trace, blank))


def test_whole_steps_and_one_cell_blank_nothing_more():
    from tracer.present.blanks import select_hidden
    trace = run_pass(load_example("lecture"))
    for blank in ("forward", "backward", "update", "all", "conv1.out[0,1,0]",
                  "softmax1.out", "dense1.grad_weight"):
        assert select_hidden(trace, blank) == select_hidden(trace, blank, worked=False), blank


@pytest.mark.parametrize("blank, told", [
    ("relu1.out", {"relu1.mask"}), ("relu1.mask", {"relu1.out"}),
    ("softmax1.exp[0]", {"softmax1.sum", "softmax1.out"}),
    ("softmax1.sum", {"softmax1.out"})])
def test_what_a_step_shows_beside_a_blank_that_tells_it_is_blanked_too(blank, told):
    """ReLU's mask tells its output (A = Z where it is 1) and back; softmax's
    S = ▢ + 0.004992 ≈ 270.4 told e^z, ŷ = 270.4/▢ the sum."""
    from tracer.present.blanks import select_hidden
    trace = run_pass(load_example("lecture"))
    assert select_hidden(trace, blank) - select_hidden(trace, blank, worked=False) == told
    sheet = render(trace, ("html",), view="worksheet", blank=blank)["html"]
    assert leaks(sheet) == []


def test_a_partner_is_blanked_cell_by_cell(traces):
    """One blank cell blanks the same cell of its partner, not the whole tensor (5409
    cells for one mask cell of lecture-cnn), and a batch's sum and probabilities of the
    one sample whose e^z is blank."""
    from tracer import from_dict
    from tracer.sheet import blank_cells
    from tracer.present.blanks import select_hidden
    assert select_hidden(traces["lecture-cnn"], "relu1.mask[0,5,5]") == {
        "relu1.mask[0,5,5]", "relu1.out[0,5,5]"}
    # the worksheet works the blanked cell out, A = max(0, z) = [ ]: the sheet asks that box
    assert blank_cells(traces["lecture-cnn"], "relu1.mask[0,5,5]") == [
        "relu1.out[0,5,5]", "relu1.mask[0,5,5]"]
    batch = run_pass(from_dict({"inputs": [[1, 2], [3, 0]], "targets": [0, 1], "layers": [
        {"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "softmax"}]}))
    assert select_hidden(batch, "softmax1.exp[1,0]") == {
        "softmax1.exp[1,0]", "softmax1.sum[1]", "softmax1.out[1,0]", "softmax1.out[1,1]"}


def test_the_readme_counts_what_backward_asks_on_lecture_cnn(traces):
    """The README's figures: the cells `sheet --blank backward` asks on lecture-cnn, and
    the cells of its backward tensors (what asking whole tensors would have asked)."""
    from pathlib import Path

    from tracer.sheet import blanks

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    asked, total = re.search(r"`--blank backward` on lecture-cnn: ([\d,]+) cells, not all "
                             r"([\d,]+) of its\s+backward tensors", readme).groups()
    trace = traces["lecture-cnn"]
    assert sum(len(entry.cells()) for entry in blanks(trace, "backward")) == \
        int(asked.replace(",", ""))
    assert sum(q.value.size for q in trace.quantities.values() if q.step == "backward") == \
        int(total.replace(",", ""))


def test_a_wide_matrix_of_boxes_is_set_smaller_to_fit_the_page():
    """The boxes grew to 5.5em, but layout still reckoned 3.4em: a 9x9 matrix of boxes
    (conv1.out of an 11x11 input) was not set smaller and ran off the page."""
    from tracer.present.widths import BLANK_EM
    data = {"input": [[(i * 11 + j) % 5 for j in range(11)] for i in range(11)],
            "layers": [{"type": "conv2d", "weight": [[1, 0, 1], [0, 1, 0], [1, 0, 1]],
                        "bias": 0}]}
    html = render(run_pass(from_dict(data)), ("html",), view="worksheet",
                  blank="conv1.out")["html"]
    css = re.search(r"\.blank \{[^}]*min-width: ([\d.]+)em[^}]*border: ([\d.]+)em solid"
                    r"[^}]*margin: 0 ([\d.]+)em", html)
    assert float(css[1]) + 2 * float(css[2]) + 2 * float(css[3]) == pytest.approx(BLANK_EM)
    boxes = re.search(r'<table class="mat"( style="font-size: (\d+)%")?>'
                      r'(?:(?!</table>).)*class="blank"', html, re.S)
    assert boxes and boxes[1] and int(boxes[2]) * 9 * (BLANK_EM + 0.9) <= 100 * 46, boxes
