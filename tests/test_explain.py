"""Single operations (the lecture's section 4): results, handouts, backward from a given
gradient, worksheet and key modes, bad arguments."""

from __future__ import annotations

import unicodedata
from fractions import Fraction

import numpy as np
import pytest

from tracer import explain, from_dict
from tracer.cli import main
from tracer.network import build, run_pass
from tracer.numeric import FLOAT
from tracer.report import render

from conftest import numeric_grad

A = "[[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]"
K = "[[1,0,1],[0,1,0],[1,0,1]]"


def cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


# -------------------------------------------------------------- the lecture's results
@pytest.mark.parametrize("mode", ["float", "exact"])
def test_section4_results(mode):
    traces = explain.section4_traces(mode)
    assert traces["conv"]["conv1.out"].tolist() == [[[30, 35], [50, 55]]]
    assert traces["maxpool"]["pool1.out"].tolist() == [[[6, 8], [14, 16]]]
    probs = traces["softmax"].numbers("softmax1.out")
    np.testing.assert_allclose(probs, [0.24, 0.66, 0.09], atol=0.006)
    assert [traces["softmax"].format(f"softmax1.out[{k}]", 4) for k in range(3)] == \
        ["0.2447", "0.6652", "0.09003"]
    assert traces["cross_entropy"].format("loss.out", 4) == "0.3567"
    assert traces["onehot"]["onehot.out"].tolist() == [0, 1, 0]
    assert traces["conv_size"]["size.out"] == 2 and traces["pool_size"]["size.out"] == 2
    if mode == "exact":
        assert isinstance(traces["conv"]["conv1.out[0,0,0]"], Fraction)
        assert traces["cross_entropy"].exact("loss.out") == "-log(7/10)"


def test_conv_handout_shows_every_windows_products():
    html = render(explain.section4_traces()["conv"], ("html",))["html"]
    text = html.replace("\u2009", "")
    for expansion in ("(1·1+2·0+3·1)+(5·0+6·1+7·0)+(9·1+10·0+11·1)+0=30",
                      "(2·1+3·0+4·1)+(6·0+7·1+8·0)+(10·1+11·0+12·1)+0=35",
                      "(5·1+6·0+7·1)+(9·0+10·1+11·0)+(13·1+14·0+15·1)+0=50",
                      "(6·1+7·0+8·1)+(10·0+11·1+12·0)+(14·1+15·0+16·1)+0=55"):
        assert expansion in text.replace("\u2005", ""), expansion


def test_section4_demo_writes_one_handout(tmp_path, capsys):
    code, out, _ = cli(["demo", "--section", "4", "--out", str(tmp_path), "--format",
                        "html"], capsys)
    assert code == 0
    html = (tmp_path / "section4.html").read_text()
    for heading in ("Convolution of 1..16", "Max pooling", "Softmax of three scores",
                    "One-hot encoding", "Cross-entropy", "Output size of the pooling"):
        assert heading in html
    code, _, _ = cli(["demo", "--section", "4", "--out", str(tmp_path), "--format", "html",
                      "--lang", "ko"], capsys)
    assert code == 0 and "수박" in (tmp_path / "section4.html").read_text()


def test_padding_and_stride_are_shown(capsys):
    code, out, _ = cli(["explain", "conv", "--input", A, "--kernel", "[[1,1],[1,1]]",
                        "--stride", "2", "--padding", "1"], capsys)
    assert code == 0
    assert "X̃_{i · 2 + h, j · 2 + w}" in out  # the window position formula
    text = " ".join(out.split())  # sentences unwrapped
    # the window is given in rows and columns of X̃, the padded input, as its formula
    assert "the window X̃_{1 · 2 + h, 0 · 2 + w} covers rows 2–3 and columns 0–1 of the " \
        "padded input" in text
    assert "[0 0 0 0 0 0; 0 1 2 3 4 0;" in out  # the zero border
    assert "covers rows 0–1 and columns 0–1 of the padded input" in text  # the border row
    assert "−1–" not in out.replace("-", "−")  # no row or column outside X̃
    code, out, _ = cli(["explain", "conv", "--input", A, "--kernel", "[[1,1],[1,1]]"], capsys)
    assert "covers rows 0–1 and columns 1–2 of the input" in " ".join(out.split())


def test_sigmoid_values_are_approximate_except_one_half(capsys):
    for mode in ([], ["--exact"]):
        code, out, _ = cli(["explain", "sigmoid", "--input", "[[-1,2],[0,-4]]", *mode], capsys)
        assert code == 0
        assert "A_{0, 0} = 1/(1 + e^{− (−1)}) ≈ 0.2689" in out
        assert "A_{0, 1} = 1/(1 + e^{− 2}) ≈ 0.8808" in out
        assert "A_{1, 0} = 1/(1 + e^{− 0}) = 0.5" in out  # σ(0) = 1/2 exactly


@pytest.mark.parametrize("scores,lines", [
    ("[1000,0,-1000]", ["e^{1000 − 1000} ≈ 1", "e^{0 − 1000} ≈ 0", "S̃ = 1 + 0 + 0 ≈ 1",
                        "ŷ_0 = 1/1 ≈ 1", "ŷ_2 = 0/1 ≈ 0"]),
    ("[-1000,-1001]", ["e^{−1001 − (−1000)} ≈ 0.3679", "S̃ = 1 + 0.3679 ≈ 1.368",
                       "ŷ_1 = 0.3679/1.368 ≈ 0.2689"])])
def test_softmax_that_overflows_is_shown_in_its_stable_form(scores, lines, capsys):
    """(The hats are y + U+0302, as the terminal output writes them.)"""
    code, out, _ = cli(["explain", "softmax", "--input", scores], capsys)
    assert code == 0
    assert "inf" not in out and "0/0" not in out
    assert "ŷ_k = (e^{z_k − m})/(∑_j e^{z_j − m})" in out
    for line in lines:
        assert line in out, line
    code, sheet, _ = cli(["explain", "softmax", "--input", scores, "--mode", "worksheet"],
                         capsys)
    assert "S̃ = [____] +" in sheet  # the shifted sum goes blank with the trace's sum
    code, out, _ = cli(["explain", "softmax", "--input", "[1.5, 2.5, 0.5]"], capsys)
    assert "S = 4.482 + 12.1825 + 1.6487 ≈ 18.313" in out and "S̃" not in out


CONVENTIONS = ("Convolution:", "Max-pool ties:", "ReLU'(0):", "Flatten order:")


@pytest.mark.parametrize("op,shown", [
    ("conv", {"Convolution:"}), ("maxpool", {"Max-pool ties:"}), ("relu", {"ReLU'(0):"}),
    ("sigmoid", set()), ("softmax", set()), ("dense", set()), ("output-size", set())])
def test_only_the_conventions_of_the_operation_are_listed(op, shown, capsys):
    code, out, _ = cli(["explain", op, *EXERCISES[op]], capsys)
    assert code == 0
    assert {c for c in CONVENTIONS if f"\n  {c}" in out} == shown
    if op != "output-size":
        assert "\n  Pass: forward pass only" in out


def test_vectors_have_a_length_in_the_network_table(capsys):
    code, out, _ = cli(["explain", "softmax", "--input", "[1.5, 2.5, 0.5]"], capsys)
    assert "Op | Length\n    Input | 3\n    Softmax (softmax1) | 3\n" in out
    code, out, _ = cli(["explain", "relu", "--input", "[[-1,2],[3,-4]]"], capsys)
    assert code == 0
    assert "Op | Depth | Height | Width" in out and "ReLU (relu1) | 1 | 2 | 2" in out


# ------------------------------------------------------ backward from a given gradient
def fd_check(spec_data: dict, rng):
    """dL/dx (and parameter gradients) for L = sum(G * f(x)) against central differences."""
    spec = from_dict(spec_data)
    trace = run_pass(spec)
    net = build(spec)
    g = np.asarray(spec_data["grad_out"], dtype=float)

    def objective():
        x = net.inputs
        for layer in net.layers:
            x, _, _ = layer.forward(x, FLOAT)
        return float((x.reshape(g.shape) * g).sum())

    def numeric(arr, index):
        return numeric_grad(objective, arr, [index])[0]

    x = net.inputs
    for index in np.ndindex(x.shape):
        np.testing.assert_allclose(trace.numbers("input.grad").reshape(x.shape)[index],
                                   numeric(x, index), rtol=1e-5, atol=1e-8)
    for layer in net.layers:
        for p in layer.param_names:
            param = getattr(layer, p)
            for index in np.ndindex(param.shape):
                np.testing.assert_allclose(trace.numbers(f"{layer.name}.grad_{p}")[index],
                                           numeric(param, index), rtol=1e-5, atol=1e-8)


def _matrix(rng, *shape):
    """Distinct values away from 0 (ReLU's kink) and from each other (max-pool ties)."""
    values = np.round(rng.normal(size=shape), 2)
    values = np.where(np.abs(values) < 0.05, 0.5, values)
    values += np.arange(values.size).reshape(shape) * 1e-3
    return values.tolist()


@pytest.mark.parametrize("case", ["conv", "conv_stride_padding", "maxpool", "relu", "sigmoid",
                                  "dense", "softmax"])
def test_single_layer_backward_matches_finite_differences(case):
    rng = np.random.default_rng(len(case))
    x = _matrix(rng, 5, 6)
    data = {
        "conv": lambda: {"input": x, "layers": [{"type": "conv2d", "weight": _matrix(rng, 3, 3),
                                                  "bias": 0.5}], "grad_out": _matrix(rng, 3, 4)},
        "conv_stride_padding": lambda: {
            "input": x, "layers": [{"type": "conv2d", "weight": _matrix(rng, 2, 3, 3),
                                    "stride": 2, "padding": 1}],
            "grad_out": _matrix(rng, 2, 3, 3)},
        "maxpool": lambda: {"input": x, "layers": [{"type": "maxpool2d", "size": 2, "stride": 1}],
                            "grad_out": _matrix(rng, 4, 5)},
        "relu": lambda: {"input": x, "layers": [{"type": "relu"}], "grad_out": _matrix(rng, 5, 6)},
        "sigmoid": lambda: {"input": x, "layers": [{"type": "sigmoid"}],
                            "grad_out": _matrix(rng, 5, 6)},
        "dense": lambda: {"input": _matrix(rng, 4), "layers": [
            {"type": "dense", "weight": _matrix(rng, 4, 3), "bias": _matrix(rng, 3)}],
            "grad_out": _matrix(rng, 3)},
        "softmax": lambda: {"input": _matrix(rng, 4), "layers": [{"type": "softmax"}],
                            "grad_out": _matrix(rng, 4)},
    }[case]()
    fd_check(data, rng)


OVERLAP = ["explain", "maxpool", "--input", "[[1,2,0],[3,9,1],[0,2,2]]", "--size", "2",
           "--stride", "1", "--grad-out", "[[1,2],[3,4]]"]
D = "(∂ L)/(∂ {}_{{{}}})"


def test_overlapping_pool_windows_sum_their_gradients(capsys):
    """The pool's input is the network's X here, as its forward names it (not A, which
    names a ReLU's output)."""
    code, out, _ = cli(OVERLAP, capsys)
    assert code == 0
    backward = out.split("Backward pass")[1]
    lines = [line.strip() for line in backward.splitlines() if line.strip().startswith("(∂")]
    sum_of_p = " + ".join(D.format("P", cell) for cell in ("0, 0", "0, 1", "1, 0", "1, 1"))
    assert lines == [f"{D.format('X', '1, 1')} = {sum_of_p} = 1 + 2 + 3 + 4 = 10",
                     "(∂ L)/(∂ X) = [0 0 0; 0 *10* 0; 0 0 0]"]
    assert "a cell that receives the gradient of several windows gets their sum" in backward
    code, sheet, _ = cli(OVERLAP + ["--mode", "worksheet"], capsys)
    assert "= 1 + 2 + 3 + 4 = [____]" in sheet  # the given gradient stays printed
    code, out, _ = cli(["explain", "maxpool", "--input", A, "--grad-out", "[[1,2],[3,4]]"],
                       capsys)  # windows apart: one window per cell, no sums
    assert f"{D.format('X', '1, 1')} = {D.format('P', '0, 0')} = 1" in out
    assert "several windows" not in out


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_pool_routing_to_every_tie_is_shown_cell_by_cell(mode):
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    trace = run_pass(from_dict({"input": [[5, 5, 1], [5, 2, 5], [0, 5, 5]],
                                "grad_out": [[1, 2], [3, 4]], "conventions": {"pool_ties": "all"},
                                "layers": [{"type": "maxpool2d", "size": 2, "stride": 1}]}), mode)
    assert trace["input.grad"].tolist() == [[[1, 3, 0], [4, 0, 6], [0, 7, 4]]]
    out = render_text(build_document(trace)).split("Backward pass")[1]
    for cell, windows, total in (("0, 0", ["0, 0"], "1"),
                                 ("0, 1", ["0, 0", "0, 1"], "1 + 2 = 3"),
                                 ("1, 0", ["0, 0", "1, 0"], "1 + 3 = 4"),
                                 ("1, 2", ["0, 1", "1, 1"], "2 + 4 = 6"),
                                 ("2, 1", ["1, 0", "1, 1"], "3 + 4 = 7"),
                                 ("2, 2", ["1, 1"], "4")):
        line = f"{D.format('X', cell)} = " + " + ".join(D.format("P", w) for w in windows)
        assert f"{line} = {total}\n" in out, line
    assert "every cell that tied for the maximum" in out
    assert "(∂ L)/(∂ X) = [*1* *3* 0; *4* 0 *6*; 0 *7* *4*]" in out


def test_given_gradient_pass_renders_with_its_backward():
    trace = explain.explain_layer("softmax", {"input": [1, 2, 0], "grad_out": [0, -1, 0]})
    assert [q.step for q in trace.quantities.values()].count("backward") == 2
    html = render(trace, ("html",))["html"]
    assert "Softmax (softmax1)" in html and "input.grad[2]" in render(
        trace, ("html",), view="worksheet", blank="backward")["html"]


# ---------------------------------------------------------- worksheet and key modes
EXERCISES = {
    "conv": ["--input", A, "--kernel", K],
    "maxpool": ["--input", A],
    "relu": ["--input", "[[-1,2],[3,-4]]"],
    "sigmoid": ["--input", "[0, 1, -1]"],
    "softmax": ["--input", "[1.5, 2.5, 0.5]"],
    "dense": ["--input", "[1, 2]", "--weight", "[[0.5, -1], [1, 0.25]]", "--bias", "[0.1, 0]"],
    "cross-entropy": ["--probs", "[0.2, 0.7, 0.1]", "--target", "[0, 1, 0]"],
    "onehot": ["--labels", "cat,dog,bird", "--label", "dog"],
    "output-size": ["--size", "28", "--kernel", "3", "--stride", "1", "--padding", "1"],
}


@pytest.mark.parametrize("op", list(EXERCISES))
def test_every_operation_has_worksheet_and_key(op, capsys):
    code, worked, _ = cli(["explain", op, *EXERCISES[op]], capsys)
    assert code == 0 and "[____]" not in worked
    code, sheet, _ = cli(["explain", op, *EXERCISES[op], "--mode", "worksheet"], capsys)
    assert code == 0 and "[____]" in sheet
    code, key, _ = cli(["explain", op, *EXERCISES[op], "--mode", "key"], capsys)
    assert code == 0 and "[____]" not in key
    assert key.count("[") > worked.count("[")  # the answers are marked [like this]


def test_explain_writes_html_and_pdf_worksheets(tmp_path, capsys):
    code, out, _ = cli(["explain", "maxpool", "--input", A, "--format", "html,pdf", "--out",
                        str(tmp_path), "--mode", "worksheet"], capsys)
    assert code == 0
    assert 'class="blank"' in (tmp_path / "worksheet.html").read_text()
    assert (tmp_path / "worksheet.pdf").read_bytes().startswith(b"%PDF")


def test_out_alone_writes_the_default_formats_there(tmp_path, capsys):
    """--out without --format used to print to the terminal and make no folder."""
    out = tmp_path / "eo"
    code, printed, err = cli(["explain", "relu", "--input", "[[-1,2],[3,-4]]", "--out",
                              str(out)], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["trace.json", "worked.html",
                                                     "worked.pdf"]
    assert printed.splitlines() == [str(out / "worked.html"), str(out / "worked.pdf"),
                                    str(out / "trace.json")]
    assert (out / "worked.pdf").read_bytes().startswith(b"%PDF")


def test_text_with_out_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "eo"
    code, printed, err = cli(["explain", "relu", "--input", "[[-1,2],[3,-4]]", "--format",
                              "text", "--out", str(out)], capsys)
    assert code == 2 and printed == "" and err.count("\n") == 1
    assert err.startswith(f"cnntrace: error: --out {out}: text is printed, not written; give "
                          "--format html, pdf and/or tex")
    assert not out.exists()


# ------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("args,fragment", [
    (["conv", "--input", "[[1,2],[3,4]]", "--kernel", K],
     "explain conv: --kernel: kernel 3x3 is larger than the padded"),
    (["maxpool", "--input", "[[1,2],[3,4]]", "--size", "3"], "explain maxpool: --size: pool"),
    (["dense", "--input", "[1,2]", "--weight", "[[1,2],[3,4]]", "--bias", "[1,2,3]"],
     "explain dense: --bias: expected 2 value(s)"),
    (["conv", "--input", A, "--kernel", "[[1]]", "--grad-out", "[[1,2,3]]"],
     "explain conv: --grad-out: expected the shape"),
    (["conv", "--input", "[[1,2],[3,4", "--kernel", K], "--input: not a matrix"),
    (["maxpool", "--input", A, "--stride", "0"], "--stride: expected a whole number >= 1, got 0"),
    (["cross-entropy", "--probs", "[0.2, 0.7, 0.2]", "--target", "1"], "sum to 1"),
    (["cross-entropy", "--probs", "[0.3, 0.7]", "--target", "2"], "out of range"),
    (["onehot", "--labels", "a,b", "--label", "c"], "is not one of"),
    (["output-size", "--size", "2", "--kernel", "3"], "larger than the padded input"),
    (["softmax", "--input", "[1, \"x\"]"], "expected a number"),
])
def test_bad_arguments_are_one_line(args, fragment, capsys):
    try:
        code = main(["explain", *args])
    except SystemExit as stop:  # argparse's own checks (one line too, see tracer.cli)
        code = stop.code
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and fragment in captured.err, captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("args, shown", [
    (["--pool"], "⌊(28 − 2)/2⌋ + 1 = 14"),  # the stride defaults to the window, as maxpool
    (["--pool", "--stride", "1"], "⌊(28 − 2)/1⌋ + 1 = 27"),
    ([], "⌊(28 − 2 + 2 · 0)/1⌋ + 1 = 27"),  # a convolution steps by 1
])
def test_output_size_stride_defaults_like_the_layers(args, shown, capsys):
    code, out, _ = cli(["explain", "output-size", "--size", "28", "--kernel", "2", *args],
                       capsys)
    assert code == 0 and shown in out


def test_output_size_of_a_pool_agrees_with_maxpool():
    sized = explain.output_size(6, 3, pool=True)["size.out"]
    pooled = explain.explain_layer("maxpool", {"input": np.arange(36).reshape(6, 6).tolist(),
                                               "size": 3})
    assert sized == 2 and pooled["pool1.out"].shape == (1, 2, 2)


@pytest.mark.parametrize("args, title", [
    (["output-size", "--size", "28", "--kernel", "3"], "출력 크기"),
    (["conv", "--input", A, "--kernel", K], "합성곱"),
    (["onehot", "--labels", "사과,배", "--label", "배"], "원-핫 인코딩")])
def test_a_korean_exercise_has_a_korean_title_underlined_to_its_width(args, title, capsys):
    code, out, _ = cli(["explain", *args, "--lang", "ko"], capsys)
    assert code == 0
    first, rule = out.splitlines()[:2]
    assert first == title and rule == "=" * (2 * len(title.replace(" ", "").replace("-", ""))
                                            + title.count(" ") + title.count("-"))
    code, out, _ = cli(["explain", *args], capsys)  # English keeps its names
    assert out.splitlines()[0] in ("output size", "conv", "one-hot")


def test_softmax_from_a_given_gradient_works_out_the_weighted_sum_once(capsys):
    """The line of sum_j g_j y_j had no result, and every dL/dz_k line repeated the whole
    sum; the given gradient was labelled dL/dY where the formulas say y-hat."""
    code, out, _ = cli(["explain", "softmax", "--input", "[1.5, 2.5, 0.5]", "--grad-out",
                        "[-1, 0, 0]"], capsys)
    out = unicodedata.normalize("NFC", out)  # y and a combining hat as ŷ
    assert code == 0
    assert "(∂ L)/(∂ ŷ) = [−1 0 0]" in out
    assert "ŷ_j = (−1) · 0.2447 + 0 · 0.6652 + 0 · 0.09003 = −0.2447\n" in out
    assert "(∂ L)/(∂ z_1) = 0.6652 · (0 − (−0.2447)) = 0.1628\n" in out
    code, sheet, _ = cli(["explain", "softmax", "--input", "[1.5, 2.5, 0.5]", "--grad-out",
                          "[-1, 0, 0]", "--mode", "worksheet", "--blank",
                          "softmax1.out,input.grad"], capsys)
    sheet = unicodedata.normalize("NFC", sheet)
    assert "0.2447" not in sheet  # the sum's value would tell the blanked y-hat_0
    assert "ŷ_j = (−1) · [____] + 0 · [____] + 0 · [____]\n" in sheet


def test_a_batchs_weighted_sums_name_their_sample():
    """With grad_outs the two samples' sums showed one left side and two values."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"inputs": [[1.5, 2.5, 0.5], [0.1, 0.2, 0.3]],
                      "grad_outs": [[1, 0, 0], [0, 1, 0]], "layers": [{"type": "softmax"}]})
    text = unicodedata.normalize("NFC", render_text(build_document(run_pass(spec)), "en"))
    sums = [line.split(" = ")[0].strip() for line in text.splitlines()
            if line.strip().startswith("∑_j")]
    assert sums == ["∑_j (∂ L)/(∂ ŷ^{(0)}_j)ŷ^{(0)}_j", "∑_j (∂ L)/(∂ ŷ^{(1)}_j)ŷ^{(1)}_j"]


def test_an_operation_on_the_input_names_it_x_in_its_formula(capsys):
    """'The input X: X = [...]' was followed by A = max(0, Z) and P = max ... A."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    from tracer.spec import load_example
    _, relu, _ = cli(["explain", "relu", "--input", "[[-1,2],[3,-4]]"], capsys)
    assert "A = max (0, X)" in relu and "Z" not in relu
    _, pool, _ = cli(["explain", "maxpool", "--input", "[[-1,2],[3,-4]]"], capsys)
    assert "max_{0 ≤ h, w < 2} X_{i · 2 + h, j · 2 + w}" in pool
    lecture = render_text(build_document(run_pass(load_example("lecture"))))
    assert "A = max (0, Z)" in lecture and "max_{0 ≤ h, w < 2} A_{i · 2 + h" in lecture


@pytest.mark.parametrize("argv, named", [
    (["softmax", "--input", "[1.5,2.5,0.5]"], ["The input z:", "z = [1.5 2.5 0.5]",
                                                "(e^z_k)/(∑_j e^z_j)"]),
    (["dense", "--input", "[1,2]", "--weight", "[[1],[2]]"], ["The input a:", "a = [1 2]",
                                                             "z = aW + b"]),
    (["relu", "--input", "[[1,-2]]", "--grad-out", "[[1,1]]"],
     ["The input X:", "A = max (0, X)", "(∂ L)/(∂ X) = (∂ L)/(∂ A) ⊙ M"]),
])
def test_the_input_has_one_name_from_the_parameters_to_the_backward(argv, named, capsys):
    """The input was X in 'Parameters and input' but z in softmax's formulas (a in a dense
    layer's), and a ReLU's backward called it Z."""
    code, out, _ = cli(["explain", *argv], capsys)
    assert code == 0
    for text in named:
        assert text in out, text


@pytest.mark.parametrize("text", ["[" * 3000 + "1" + "]" * 3000, "[[" + "1" * 5000 + "]]"])
def test_a_matrix_option_too_deep_or_too_long_is_one_line(text, capsys):
    """json.loads raised RecursionError (3000 brackets) and ValueError (an integer past
    Python's 4300 digits): tracebacks."""
    code, _, err = cli(["explain", "relu", "--input", text], capsys)
    assert code == 2 and err.count("\n") == 1 and "--input: not a matrix" in err
    assert len(err) < 200


def test_an_exact_pool_prints_its_maximum_apart_from_a_value_just_below(capsys):
    """Exact mode's pool sees no tie between 1 and 1.00000000000001 (float mode's 1e-12
    tolerance does): the line printed max(1, 1.000, 0, 0) = 1.000."""
    code, out, _ = cli(["explain", "maxpool", "--input", "[[1, 1.00000000000001],[0,0]]",
                        "--exact", "--format", "text"], capsys)
    assert code == 0
    assert "max (1, 1.00000000000001, 0, 0) = 1.00000000000001" in out


def test_a_pool_window_no_digits_tell_apart_keeps_the_documents(tmp_path, capsys):
    """Values 1e-61 apart in exact mode: the 55 digits a value prints to do not tell them
    either, and printed 0.123456700000000000000000000000 twice; 1e-41 apart, 42 do."""
    close = "0.12345670000000000000000000000000000000000000000000000000000001"
    code, out, _ = cli(["explain", "maxpool", "--input", f"[[0.1234567, {close}],[0.05,0.05]]",
                        "--exact", "--format", "text"], capsys)
    assert code == 0 and "max (0.1235, 0.1235, 0.05, 0.05) = 0.1235" in out
    apart = "0.12345670000000000000000000000000000000001"
    code, out, _ = cli(["explain", "maxpool", "--input", f"[[0.1234567, {apart}],[0.05,0.05]]",
                        "--exact", "--format", "text"], capsys)
    assert code == 0 and f"max (0.1234567, {apart}, 0.05, 0.05) = {apart}" in out
