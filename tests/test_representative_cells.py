"""The cells a handout expands for an activation: each channel's largest input (a value
that passes) and, where the channel has one, its most negative (a value ReLU zeroes),
consistent with the cell the conv step expanded; never just a channel's first corner
cells, which on a digit are all max(0, 0) = 0."""

from __future__ import annotations

import numpy as np
import pytest

from tracer import from_dict, load_example, run_pass
from tracer.present import mathtree as m
from tracer.present.context import Context
from tracer.present.document import Display
from tracer.present.handout import build_document
from tracer.presets import load_preset
from tracer.trace import parse_cell


def section(document, layer: str):
    [found] = [s for s in document.sections if s.params.get("layer") == layer and
               s.anchor == f"fwd-{layer}"]
    return found


def expanded(document, layer: str, qid: str) -> list[tuple]:
    """The cells of ``qid`` the section's one-cell lines show (not its whole tensors)."""
    cells = []
    for block in section(document, layer).blocks:
        for line in block.lines if isinstance(block, Display) else ():
            nodes = list(m.walk(line))
            if any(isinstance(n, (m.Matrix, m.Heatmap)) for n in nodes):
                continue  # a whole tensor (or a window), not an expanded cell
            cells += [parse_cell(n.ref)[1] for n in nodes
                      if isinstance(n, m.Num) and n.ref and parse_cell(n.ref)[0] == qid]
    return list(dict.fromkeys(cells))


@pytest.fixture(scope="module")
def lecture_cnn():
    trace = run_pass(load_preset("lecture-cnn"))
    return trace, build_document(trace)


@pytest.mark.parametrize("relu, conv", [("relu1", "conv1"), ("relu2", "conv2")])
def test_the_lecture_cnn_relu_expands_a_passing_cell_per_channel_it_shows(lecture_cnn, relu,
                                                                          conv):
    trace, document = lecture_cnn
    z, a = trace.numbers(f"{conv}.out"), trace.numbers(f"{relu}.out")
    cells = expanded(document, relu, f"{conv}.out")
    assert 2 <= len(cells) <= 8 and cells == expanded(document, relu, f"{relu}.out")
    assert any(a[c] != 0 for c in cells), cells  # not max(0, 0) = 0 four times
    for channel in {c[0] for c in cells}:
        shown = [c for c in cells if c[0] == channel]
        top = (channel,) + np.unravel_index(z[channel].argmax(), z[channel].shape)
        assert top in shown and z[top] > 0 and a[top] == z[top], (channel, shown)
        if z[channel].min() < 0:  # and one it cuts to 0
            assert any(z[c] < 0 and a[c] == 0 for c in shown), (channel, shown)
    for cell in expanded(document, conv, f"{conv}.out"):  # the conv step's own cells
        if cell[0] in {c[0] for c in cells}:
            assert cell in cells, cell


def test_with_one_cell_relu_expands_the_cell_conv_expanded():
    """--max-cells 1 on the lecture: conv shows Z[1,0] = 11 (its largest); so does ReLU,
    not the corner cell Z[0,0] = 5."""
    trace = run_pass(load_example("lecture"))
    document = build_document(trace, max_cells=1)
    assert expanded(document, "conv1", "conv1.out") == [(0, 1, 0)]
    assert expanded(document, "relu1", "relu1.out") == [(0, 1, 0)]
    assert len(expanded(build_document(trace), "relu1", "relu1.out")) == 4  # all, as before


def two_filters(activation: dict, batch: int = 1) -> dict:
    """Two 3x3 filters (an edge detector, its negative) on an 8x8 image: 72 conv outputs,
    more than a handout expands one by one, with positive and negative ones per filter."""
    image = [[float((i * 3 + j * 5) % 7 > 3) for j in range(8)] for i in range(8)]
    images = [image] + [[[1.0 - v for v in row] for row in image]] * (batch - 1)
    edge = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    spec = {"learning_rate": 0.1, "layers": [
        {"type": "conv2d", "weight": [[edge], [[[-v for v in row] for row in edge]]],
         "bias": [0.5, -0.5]}, activation, {"type": "flatten"},
        {"type": "dense", "weight": [[0.1, -0.1]] * 72}, {"type": "softmax"}]}
    if batch == 1:
        return {**spec, "input": [image], "target": 0}
    return {**spec, "inputs": [[im] for im in images], "targets": [0] * batch}


@pytest.mark.parametrize("activation", [{"type": "relu"}, {"type": "sigmoid"},
                                        {"type": "leaky_relu", "slope": 0.1}])
def test_every_activation_expands_each_channels_largest_and_most_negative_input(activation):
    trace = run_pass(from_dict(two_filters(activation)))
    z = trace.numbers("conv1.out")
    cells = expanded(build_document(trace), f"{activation['type']}1", "conv1.out")
    expected = set()
    for f in range(2):
        expected |= {(f,) + np.unravel_index(z[f].argmax(), z[f].shape),
                     (f,) + np.unravel_index(z[f].argmin(), z[f].shape)}
    assert z.min() < 0 < z.max() and set(cells) == expected


def test_a_batch_expands_cells_of_each_sample_in_its_own_extremes():
    trace = run_pass(from_dict(two_filters({"type": "relu"}, batch=2)))
    z = trace.numbers("conv1.out")
    cells = Context(trace).extreme_cells("conv1.out")
    assert {c[:2] for c in cells} == {(n, f) for n in range(2) for f in range(2)}
    for cell in cells:
        channel = z[cell[:2]]
        assert z[cell] in (channel.max(), channel.min()), cell
        assert z[cell] == channel.max() or z[cell] < 0, cell
    assert set(expanded(build_document(trace), "relu1", "conv1.out")) == set(cells)


def test_a_channel_without_a_negative_input_expands_only_its_largest():
    trace = run_pass(load_example("lecture"))  # Z = [5 7; 11 10]: all pass
    assert Context(trace).extreme_cells("conv1.out") == [(0, 1, 0)]
    assert Context(trace).extreme_cells("dense1.out") == [(0,), (1,)]  # z = [5.6, -5.3]


def notes(document) -> list[str]:
    return [b.key for b in document.sections[0].blocks if hasattr(b, "key")]


def test_a_handout_that_works_out_some_cells_says_so():
    """--max-cells 1 expanded one conv cell and said nothing of the other three."""
    lecture = run_pass(load_example("lecture"))
    assert "doc.selected" not in notes(build_document(lecture))  # every cell worked out
    few = build_document(lecture, max_cells=1)
    assert "doc.selected" in notes(few)
    [note] = [b for b in few.sections[0].blocks if getattr(b, "key", "") == "doc.selected"]
    assert note.params == {"cells": 1}
    assert "doc.selected" in notes(build_document(run_pass(load_preset("digits-cnn"))))


@pytest.mark.parametrize("cell", [
    "conv1.out[3,10,10]", "relu1.out[2,5,5]", "pool1.out[1,3,4]", "conv2.out[7,3,4]",
    "conv2.weight_new[5,3,0,2]", "pool1.grad[0,1,1]", "dense1.grad_weight[5,3]",
    "dense1.weight_new[100,2]", "flatten1.grad[123]",
    # a mask cell, where a maximum sits and how many tie (1 here), and the gradients that
    # flatten, max-pool (a window's maximum, and a cell that is none) and ReLU send back
    "relu1.mask[7,5,13]", "relu2.mask[5,2,5]", "pool1.argmax[7,3,9,0]", "pool1.ties[3,10,4]",
    "pool2.grad[8,0,3]", "relu2.grad[10,8,4]", "relu2.grad[10,1,4]", "conv2.grad[14,9,3]",
    "relu1.grad[5,14,11]", "conv1.grad[3,14,9]"])
def test_a_blanked_cell_of_a_large_tensor_is_worked_out(lecture_cnn, cell):
    """A worksheet blanking one cell of lecture-cnn showed that blank nowhere: the step
    expanded its representative cells and drew the tensor as a heatmap. The answer sheet
    asks nothing the worksheet does not show."""
    from tracer.present.blanks import select_hidden
    from tracer.sheet import blank_cells
    trace, usual = lecture_cnn
    assert cell not in usual.refs  # not one of the cells expanded anyway
    worksheet = build_document(trace, hidden=select_hidden(trace, cell))
    assert cell in worksheet.refs
    assert set(blank_cells(trace, cell, worksheet.refs)) <= set(worksheet.refs)


def test_a_cell_that_is_no_windows_maximum_is_worked_out_as_0(lecture_cnn):
    """relu2.grad[10,1,4] gets no window's gradient: its line says it is 0."""
    from tracer.present.blanks import select_hidden
    trace, _ = lecture_cnn
    assert trace["relu2.grad[10,1,4]"] == 0 and trace["relu2.grad[10,8,4]"] != 0
    worksheet = build_document(trace, hidden=select_hidden(trace, "relu2.grad[10,1,4]"))
    [pool] = [s for s in worksheet.sections if s.anchor == "bwd-pool2"]
    lines = [line for block in pool.blocks if isinstance(block, Display) for line in block.lines
             if any(getattr(n, "ref", None) == "relu2.grad[10,1,4]" for n in m.walk(line))]
    assert [[n.ref for n in m.walk(line) if isinstance(n, m.Num) and n.ref] for line in lines] == [
        ["relu2.grad[10,1,4]"]]  # dL/dA = the box: no window's gradient on its line


@pytest.mark.parametrize("given", ["input.out", "input.out[0,13,14]", "conv2.weight[8,6,1,1]",
                                   "dense1.bias", "target.out"])
def test_a_given_value_cannot_be_blanked(lecture_cnn, given):
    """--blank input.out made an answer sheet asking the input itself."""
    from tracer.errors import CnnTraceError
    from tracer.present.blanks import select_hidden
    trace, _ = lecture_cnn
    with pytest.raises(CnnTraceError, match="is given on every worksheet.*such as conv1.out"):
        select_hidden(trace, given)


def test_a_blanked_cell_is_worked_out_within_max_cells():
    """--max-cells 1 --blank conv1.out[0,0,0] worked out cell (1, 0), not the one asked."""
    from tracer.present.blanks import select_hidden
    lecture = run_pass(load_example("lecture"))
    document = build_document(lecture, max_cells=1,
                              hidden=select_hidden(lecture, "conv1.out[0,0,0]"))
    assert expanded(document, "conv1", "conv1.out") == [(0, 0, 0)]


def test_the_sheet_asks_what_the_worksheet_shows_for_a_blanked_cell(lecture_cnn):
    """The worksheet works out a blanked pool cell with where its maximum sits and how
    many tie; the answer sheet asked the pool cell only (three boxes never marked)."""
    from tracer.sheet import blank_cells
    trace, _ = lecture_cnn
    assert blank_cells(trace, "pool1.out[7,12,12]") == [
        "pool1.out[7,12,12]", "pool1.argmax[7,12,12,0]", "pool1.argmax[7,12,12,1]",
        "pool1.ties[7,12,12]"]


@pytest.mark.parametrize("cell", ["flatten1.out[1,377]", "input.grad[1,0,20,20]"])
def test_a_blanked_cell_of_a_later_sample_is_worked_out(cell):
    """Flatten and the input gradient worked out the first sample only."""
    from tracer.present.blanks import select_hidden
    from tracer.presets import preset
    data = preset("lecture-cnn")
    image, target = data.pop("input"), data.pop("target")
    data.update(inputs=[image, image], targets=[target, (target + 1) % 10])
    trace = run_pass(from_dict(data))
    assert cell in build_document(trace, hidden=select_hidden(trace, cell)).refs


@pytest.fixture(scope="module")
def large_smooth():
    """Leaky ReLU and sigmoid layers on a 20x20 input, overlapping pools (stride 1) routing
    to every tie: tensors drawn as heatmaps that lecture-cnn has none of."""
    rng = np.random.default_rng(0)
    return run_pass(from_dict({
        "input": rng.integers(0, 5, (20, 20)).tolist(), "target": 3, "learning_rate": 0.1,
        "seed": 1, "conventions": {"pool_ties": "all", "relu_grad_at_zero": 1},
        "layers": [{"type": "conv2d", "filters": 4, "size": 3, "init": "he"},
                   {"type": "leaky_relu", "slope": 0.1},
                   {"type": "maxpool2d", "size": 2, "stride": 1},
                   {"type": "conv2d", "filters": 4, "size": 3, "init": "he"},
                   {"type": "sigmoid"}, {"type": "flatten"},
                   {"type": "dense", "units": 10, "init": "he"}, {"type": "softmax"}]}))


@pytest.mark.parametrize("cell", [
    "leaky_relu1.local_grad[3,1,12]", "sigmoid1.local_grad[1,2,11]", "leaky_relu1.grad[2,5,7]",
    "conv2.grad[1,3,3]", "pool1.ties[0,4,4]"])
def test_a_blanked_cell_of_a_smooth_activation_is_worked_out(large_smooth, cell):
    """A blanked local derivative of a large leaky ReLU or sigmoid was asked on the answer
    sheet but drawn only in its heatmap."""
    from tracer.present.blanks import select_hidden
    from tracer.sheet import blank_cells
    worksheet = build_document(large_smooth, hidden=select_hidden(large_smooth, cell))
    assert cell in worksheet.refs
    assert set(blank_cells(large_smooth, cell, worksheet.refs)) <= set(worksheet.refs)


@pytest.mark.parametrize("cell", ["pool1.ties[0,0,6]", "pool1.ties[0,0,0]"])
def test_a_blanked_tie_count_is_asked_in_words_that_do_not_tell_it(lecture_cnn, cell):
    """'[ ] cell of the window holds the maximum' told a student the blank is 1, and
    '[ ] cells tie' that it is more: an asked count gets one sentence either way."""
    from tracer.present.blanks import select_hidden
    trace, _ = lecture_cnn
    assert (trace[cell] == 1) == (cell == "pool1.ties[0,0,6]")
    worksheet = build_document(trace, hidden=select_hidden(trace, cell))
    [pool] = [s for s in worksheet.sections if s.anchor == "fwd-pool1"]
    captions = [block.caption for block in pool.blocks if isinstance(block, Display)
                and block.caption is not None and "ties" in block.caption.params]
    asked = [c for c in captions if c.params["ties"].ref == cell]
    assert [caption.key for caption in asked] == ["maxpool2d.window_count_channel"]


@pytest.mark.parametrize("blank, count", [
    ("pool2.grad[0,1,1],relu2.grad[3,4,5]", 11), ("relu1.mask", None), ("backward", None),
    ("forward", None), ("relu1.out", None), ("conv1.grad", None), ("conv2.grad", None)])
def test_the_answer_sheet_asks_the_boxes_a_heatmapped_tensor_shows(lecture_cnn, blank, count):
    """Blanks in two steps hide the whole of relu2.grad (worked from the first): the sheet
    asked all its 1936 cells, of which the worksheet shows 10 boxes; a level asked every cell
    of every heatmap (15,548 for backward), and cells of the steps a worksheet cuts off."""
    from tracer.present.blanks import select_hidden
    from tracer.present.handout import worksheet_document
    from tracer.sheet import blank_cells, shown_refs
    trace, _ = lecture_cnn
    hidden = select_hidden(trace, blank)
    worksheet = worksheet_document(build_document(trace, hidden=hidden), hidden)
    assert shown_refs(trace, hidden) == worksheet.refs
    asked = blank_cells(trace, blank, worksheet.refs)
    assert asked and set(asked) <= set(worksheet.refs)
    assert len(asked) == (count or len(asked)) and len(asked) < 1000


def test_max_cells_given_sets_the_cells_of_a_large_tensor_too(lecture_cnn):
    """By default a tensor over 64 cells expands a few representative cells (one per
    filter of conv1's 8, whatever max_cells); --max-cells K given expands K of them."""
    trace, default = lecture_cnn
    assert len(expanded(default, "conv1", "conv1.out")) == 8
    assert len(expanded(build_document(trace, max_cells=6), "conv1", "conv1.out")) == 6
    more = build_document(trace, max_cells=6, large_cells=6)
    assert len(expanded(more, "conv1", "conv1.out")) == 6
    fewer = build_document(trace, max_cells=2, large_cells=2)
    assert len(expanded(fewer, "conv1", "conv1.out")) == 2


def test_max_cells_above_the_default_expands_more_of_a_large_tensor(lecture_cnn):
    """dL/dW of the dense layer (400 x 10) expanded 8 cells whatever --max-cells said."""
    trace, default = lecture_cnn

    def cells(document):
        return {ref for ref in document.refs if ref.startswith("dense1.grad_weight[")}
    more, fewer = (cells(build_document(trace, max_cells=k, large_cells=k)) for k in (12, 4))
    assert len(fewer) < len(cells(default)) < len(more)
