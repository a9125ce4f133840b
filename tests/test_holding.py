"""Printed arithmetic works out: a line's numbers, worked by hand, give its result."""

from __future__ import annotations

import json
from decimal import Context, Decimal
from pathlib import Path

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.generate import generate, options
from tracer.present import mathtree as m
from tracer.present.document import Display
from tracer.present.handout import build_document
from tracer.present.holding import evaluate, significant
from tracer.present.latex import to_latex


def num(text, ref=None):
    return m.Num(text, ref)


def lines_of(document):
    return [line for section in document.sections for block in section.blocks
            if isinstance(block, Display) for line in block.lines]


def worked_lines(document):
    """(expression, result) of every 'expression = result' (after a left side or not)
    whose expression is arithmetic on printed numbers and whose result shows a cell."""
    found = []
    for line in lines_of(document):
        if not isinstance(line, m.Row):
            continue
        items = line.items
        cuts = [-1] + [k for k, item in enumerate(items)
                       if isinstance(item, m.Op) and item.text in ("=", "≈")]
        for start, end in zip(cuts, cuts[1:]):
            result = items[end + 1] if end + 1 < len(items) else None
            span = items[start + 1:end]
            expr = span[0] if len(span) == 1 else m.Row(tuple(span))
            if isinstance(result, m.Num) and result.ref and not result.derived and \
                    not isinstance(expr, m.Num) and evaluate(expr) is not None:
                found.append((expr, result))
    return found


def gives(expr, result, digits: int = 4) -> bool:
    """Whether the printed arithmetic, rounded as the result is printed, reads as it: by
    pencil (decimals, halves up) and, to 15 digits, by calculator (its float)."""
    from tracer.numeric import FLOAT, decimal_text
    shown, worked = max(digits, significant(result.text)), evaluate(expr)
    return Decimal(decimal_text(worked, shown)) == Decimal(result.text) and \
        (shown > 15 or Decimal(FLOAT.format(float(worked), shown)) == Decimal(result.text))


def off_by(trace, expr, result, digits: int) -> float:
    """How many units of the printed result's last digit the printed arithmetic is off by."""
    true = Decimal(repr(float(trace.numbers(result.ref))))
    printed = Decimal(result.text)
    unit = Decimal(1).scaleb((printed or true).adjusted()
                             - max(digits, significant(result.text)) + 1)
    return float(abs(evaluate(expr) - true) / unit) if true else 0.0


# ----------------------------------------------------------------------- evaluating
def test_evaluate_products_before_sums_and_brackets():
    expr = m.row(m.paren(num("-0.4444")), "·", num("2"), "+", num("0.3118"), "·", num("3"),
                 "+", m.paren(num("-0.01558")), "·", num("3"))
    assert evaluate(expr) == Decimal("-0.00014")
    assert evaluate(m.row("-", m.paren(m.row(num("2"), "-", num("0.5"))))) == Decimal("-1.5")
    assert evaluate(m.Frac(num("1"), num("4"))) == Decimal("0.25")
    assert evaluate(m.row(m.Frac(num("1"), num("2")), m.Group(num("3"), "[", "]"))) == \
        Decimal("1.5")
    # a row inside a row is printed without brackets, so it is read without them
    assert evaluate(m.row(num("2"), "·", m.row(num("3"), "+", num("4")))) == Decimal(10)
    assert str(evaluate(m.Power(m.Sym("e"), m.row("-", num("2")))))[:20] == "0.135335283236612691"
    log_two = evaluate(m.row("-", m.paren(m.row(num("1"), "·", m.Func("log"), num("0.5")))))
    assert abs(log_two - Decimal(2).ln(Context(prec=100))) < Decimal("1e-90")
    # a signed term keeps its digits (-x rounded to Decimal's usual 28: at --exact
    # --digits 25, 0.999981542106704332955828443117 - 1 read -1.84578932956670441715569e-5)
    assert evaluate(m.row(num("0.999981542106704332955828443117"), "-", num("1"))) == \
        Decimal("-0.000018457893295667044171556883")
    assert evaluate(m.row("-", num("1.234567890123456789012345678901"))) == \
        Decimal("-1.234567890123456789012345678901")


@pytest.mark.parametrize("node", [
    m.row(num("1"), "+", m.Sym("x")),  # a symbol
    m.row(num("1"), "+", "⋯", "+", num("2")),  # a shortened sum
    m.Power(m.Sym("x"), num("2")),  # only e^x
    m.row(m.Func("log"), num("0")),
    m.Frac(num("1"), num("0")),
    m.row(num("2"), "·", "-", num("3")),
    m.row(num("2"), "·"),
    m.row(num("2"), "<", num("3")),
])
def test_evaluate_refuses_what_is_not_plain_arithmetic(node):
    """(A sign right after · and a trailing · are not how the presenters print.)"""
    assert evaluate(node) is None


def test_significant_digits():
    assert [significant(t) for t in ("0.0250", "1.2e-5", "-0.44438938", "12", "0")] == \
        [3, 2, 8, 2, 0]


# ------------------------------------------------------------------- the documents
@pytest.fixture(scope="module")
def cancelling():
    """A generated 6x6 spec whose dL/dK[0,0] cancels: at 4 digits its terms,
    (-0.4444)·2 + 0.3118·3 + (-0.01558)·3, give -0.00014, not -0.0002459."""
    return run_pass(from_dict(generate(18, options("wide")), "wide 18"))


def test_a_cancelling_sum_gets_the_digits_its_result_needs(cancelling):
    texts = [to_latex(line) for line in lines_of(build_document(cancelling))]
    assert (r"\frac{\partial L}{\partial K_{0,0}} = (-0.44438938) \cdot 2 + 0.31175945 "
            r"\cdot 3 + (-0.015581825) \cdot 3 + 13 \times 0 = -0.0002459") in texts


def test_a_worksheet_shows_the_same_digits_as_its_key(cancelling):
    key = build_document(cancelling)
    sheet = build_document(cancelling, hidden=frozenset({"conv1.grad_weight[0,0,0,0]"}))
    assert [to_latex(line) for line in lines_of(sheet)] == \
        [to_latex(line) for line in lines_of(key)]


@pytest.mark.parametrize("mode", ["float", "exact"])
@pytest.mark.parametrize("preset", ["wide", "lecture"])
def test_every_worked_line_works_out(preset, mode):
    """Over many generated specs (a third of the wide ones had a line off by more than
    10 last-digit units before), every line's printed arithmetic, rounded as its result
    is printed, reads as that result: what a student working it from the printed numbers
    writes is what the key shows (and the checker accepts)."""
    seeds = range(24) if mode == "float" else range(6)
    checked = 0
    for seed in seeds:
        trace = run_pass(from_dict(generate(seed, options(preset)), f"{preset} {seed}"), mode)
        for expr, result in worked_lines(build_document(trace, 4)):
            checked += 1
            assert gives(expr, result), (preset, seed, to_latex(expr), result.text,
                                         off_by(trace, expr, result, 4))
    assert checked > 100 * len(seeds) // 4  # the walk found the lines


def test_lines_that_work_out_keep_the_document_digits(cancelling):
    """Only lines that need them get more digits: the forward of a generated spec (exact
    decimals) and the lecture example's conv lines keep theirs."""
    texts = [to_latex(line) for line in lines_of(build_document(cancelling))]
    conv = [t for t in texts if t.startswith("Z_{0,0} =")]
    assert conv and all(significant(part) <= 4 for t in conv
                        for part in t.replace("(", " ").replace(")", " ").split()
                        if part.lstrip("-").replace(".", "").isdigit())


def test_only_the_numbers_whose_rounding_matters_get_digits():
    """The lecture's loss line needs more digits for log 0.99998 only: 0 · log 1.846e-5 is 0
    whatever the digits."""
    from tracer import load_example
    texts = [to_latex(line) for line in lines_of(build_document(run_pass(load_example("lecture"))))]
    assert (r"L = - (1 \cdot \log0.99998154 + 0 \cdot \log(1.846 \times 10^{-5})) = "
            r"1.846 \times 10^{-5}") in texts


def test_a_cell_shows_one_way_in_a_line():
    """A sigmoid's ŷ in both logs of its loss term was put back to 4 digits in one of them
    only: log 0.9999546 + (1 − 1) · log(1 − 0.99995)."""
    spec = from_dict({"input": [1], "target": [1], "layers": [
        {"type": "dense", "weight": [[10]], "bias": [0]}, {"type": "sigmoid"}]})
    texts = [to_latex(line) for line in lines_of(build_document(run_pass(spec)))]
    assert (r"L = - (1 \cdot \log0.9999546 + (1 - 1) \cdot \log(1 - 0.9999546)) = "
            r"4.540 \times 10^{-5}") in texts


def test_a_probability_near_one_is_worked_from_the_other_classes():
    """ŷ = 1 - 2.8e-10 is printed 0.9999999997 so as not to read 1; e^z0 / S would take
    10- and 13-digit operands to work out (3584912846/3584912847), and 3.585e9 / 3.585e9
    reads 1: it is 1 - e^z1 / S. Its loss and ŷ - 1 are worked from the other class too
    (0.9999999997 - 1 read -3e-10)."""
    spec = from_dict({"input": [1], "target": 0, "layers": [
        {"type": "dense", "weight": [[22, 0]], "bias": [0, 0]}, {"type": "softmax"}]})
    texts = [to_latex(line) for line in lines_of(build_document(run_pass(spec)))]
    assert r"\hat{y}_{0} = 1 - \frac{1}{3.585 \times 10^{9}} \approx 0.9999999997" in texts
    assert (r"\frac{\partial L}{\partial z_{0}} = \hat{y}_{0} - 1 = - (2.789 \times 10^{-10}) "
            r"= -2.789 \times 10^{-10}") in texts
    assert (r"L = - (1 \cdot \log(1 - 2.789 \times 10^{-10}) + 0 \cdot "
            r"\log(2.789 \times 10^{-10})) = 2.789 \times 10^{-10}") in texts


def test_a_float_noise_result_leaves_its_line_alone():
    """sigmoid(3) + sigmoid(-3) - 1, a window sum that is 0 in exact arithmetic and 2.2e-16
    in float (its floats do not cancel exactly, no decimals confirm a 0), cannot be made
    to work out by more digits: the line keeps its own, not 15 of each."""
    spec = from_dict({"input": [[[3.0, -3.0]]], "target": 0, "layers": [
        {"type": "conv2d", "weight": [[1]], "bias": 0}, {"type": "sigmoid"},
        {"type": "conv2d", "weight": [[1, 1]], "bias": -1}, {"type": "relu"},
        {"type": "flatten"}, {"type": "dense", "weight": [[1, -1]], "bias": [0, 0]},
        {"type": "softmax"}]})
    trace = run_pass(spec)
    assert run_pass(spec, "exact").numbers("conv2.out").item() == 0
    assert trace.numbers("conv2.out").item() != 0
    noisy = [(expr, result) for expr, result in worked_lines(build_document(trace))
             if result.ref == "conv2.out[0,0,0]"]
    assert noisy
    for expr, _ in noisy:
        assert max(significant(n.text) for n in m.walk(expr) if isinstance(n, m.Num)) <= 4


def test_a_line_without_a_left_side_is_worked_too():
    """explain cross-entropy prints '1 · log p = ...' with no left side: that part is
    arithmetic as well ('1 · log 1 = -2e-5' printed the probability 0.99998 as 1)."""
    from tracer import explain
    from tracer.present.handout import build_document as document
    trace = explain.cross_entropy([0.99998, 0.00002], 0)
    found = [(expr, result) for expr, result in worked_lines(document(trace))]
    assert found
    for expr, result in found:
        assert off_by(trace, expr, result, 4) <= 1.0, to_latex(expr)


@pytest.mark.parametrize("preset", ["wide", "lecture"])
def test_a_cell_shows_one_way_in_a_block(preset):
    """S was 270.4 on the line that sums it and 270.431 on the next, where ŷ0 needed the
    digits: every worked line (no matrix) of a block prints a cell alike."""
    from tracer.present.document import Display
    checked = 0
    for seed in range(12):
        trace = run_pass(from_dict(generate(seed, options(preset)), f"{preset} {seed}"))
        for section in build_document(trace, 4).sections:
            for block in section.blocks:
                if not isinstance(block, Display):
                    continue
                texts: dict[str, set] = {}
                for line in block.lines:
                    nodes = list(m.walk(line))
                    if any(isinstance(n, (m.Matrix, m.Heatmap)) for n in nodes):
                        continue
                    for n in nodes:
                        if isinstance(n, m.Num) and n.ref and not n.derived:
                            texts.setdefault(n.ref, set()).add(n.text)
                checked += len(texts)
                assert all(len(shown) == 1 for shown in texts.values()), (seed, {
                    ref: shown for ref, shown in texts.items() if len(shown) > 1})
    assert checked > 500


@pytest.mark.parametrize("digits", [2, 4])
@pytest.mark.parametrize("name", ["softmax_e4", "softmax_e9", "softmax_e23"])
def test_a_block_never_widens_a_line_past_working_out(name, digits):
    """Random specs whose softmax sums reach 1e4 to 1e23: printing S with the digits a
    probability line needed, on the line that sums it too, made that line stop working
    out (S = 0.015 + 10710.72 ≈ 10710.73 at 2 digits: the terms give 10710.74); such a
    line keeps its own digits."""
    from pathlib import Path

    from tracer.present import holding
    from tracer.spec import load_spec
    spec = load_spec(Path(__file__).parent / "fixtures" / "saturated" / f"{name}.json")

    def failing(document) -> set:  # (a probability within 1e-10 of 1 needs > EXTRA digits)
        return {result.ref for expr, result in worked_lines(document)
                if not gives(expr, result, digits)}

    for mode in ("float", "exact") if name != "softmax_e23" else ("float",):
        trace = run_pass(spec, mode)
        one_way = failing(build_document(trace, digits))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(holding, "_one_way", lambda lines, ctx: lines)
            own_digits = failing(build_document(trace, digits))
        assert one_way <= own_digits, (mode, sorted(one_way - own_digits))


def test_a_block_shows_a_cell_one_way_after_as_many_rounds_as_it_takes():
    """`generate --seed 25 --preset tiny` needed a fourth round: e^0.6 ≈ 1.8221 above
    S = 0.74082 + 1.82212."""
    trace = run_pass(from_dict(generate(25, options("tiny")), "tiny 25"))
    texts = [to_latex(line) for line in lines_of(build_document(trace))]
    assert r"e^{0.6} \approx 1.82212" in texts
    assert r"S = 0.74082 + 1.82212 \approx 2.56294" in texts


@pytest.mark.parametrize("layers, target", [
    ([{"type": "dense", "weight": [[30, 10]], "bias": [0, 0]}, {"type": "softmax"}], 0),
    ([{"type": "dense", "weight": [[10, 30, 12]], "bias": [0, 0, 0]}, {"type": "softmax"}], 1),
    ([{"type": "dense", "weight": [[20.0123]], "bias": [0]}, {"type": "sigmoid"}], 1),
    ([{"type": "dense", "weight": [[50, 10]], "bias": [0, 0]}, {"type": "softmax"}], 0),
], ids=["softmax", "softmax-3", "sigmoid", "softmax-1.0"])
def test_a_confident_predictions_loss_and_gradient_work_out_as_printed(layers, target):
    """z = [30, 10]: L = -(1 · log 0.999999998 + ...) = 2.061e-9 read 2.000e-9, and
    dL/dz0 = 0.999999998 - 1 the same; -log(1 - 0.999999998) = 20.00 read 20.03."""
    from tracer.present.context import Context
    from tracer.present.holding import _works_out
    trace = run_pass(from_dict({"input": [1], "target": target, "learning_rate": 0.1,
                                "layers": layers}))
    document, ctx = build_document(trace), Context(trace)
    worked = [line for section in document.sections if section.anchor in ("fwd-loss",
                                                                           "bwd-output")
              for block in section.blocks for line in getattr(block, "lines", [])]
    assert len(worked) >= 3 and all(_works_out(line, ctx) for line in worked)
    texts = [to_latex(line) for line in worked]
    assert not any("0.99999999" in text or r"\log1 " in text for text in texts)


def test_near_one_forms_only_where_they_count_and_in_exact_mode_too():
    """A term times y = 0 keeps its plain log (no sentence about it); a sigmoid near 1 is
    worked from its score in exact mode too (log 0.9999998 read 2.000e-7 for 1.855e-7);
    a probability in powers of ten is bracketed after log for a sigmoid as for softmax."""
    from tracer.present.context import Context
    from tracer.present.holding import _works_out

    def loss_lines(spec, mode="float"):
        trace = run_pass(from_dict(spec), mode)
        document = build_document(trace)
        [loss] = [s for s in document.sections if s.anchor == "fwd-loss"]
        lines = [line for b in loss.blocks for line in getattr(b, "lines", [])]
        return trace, lines, [b.key for b in loss.blocks if not hasattr(b, "lines")]
    dense = {"type": "dense", "weight": [[30, 10]], "bias": [0, 0]}
    _, lines, paras = loss_lines({"input": [1], "target": [0, 1], "layers": [
        dense, {"type": "softmax"}]})
    assert r"0 \cdot \log0.999999998 + 1 \cdot \log(2.061 \times 10^{-9})" in to_latex(lines[-1])
    assert "loss.near_one" not in paras
    sigmoid = {"input": [1], "target": [1], "layers": [
        {"type": "dense", "weight": [[1]], "bias": [15.5]}, {"type": "sigmoid"}]}
    trace, lines, _ = loss_lines(sigmoid, "exact")
    assert all(_works_out(line, Context(trace)) for line in lines)
    assert not any("0.9999998" in to_latex(line) for line in lines)
    low = {**sigmoid, "layers": [{"type": "dense", "weight": [[1]], "bias": [-24.5]},
                                 {"type": "sigmoid"}]}
    assert r"\log(6.224 \times 10^{-11})" in to_latex(loss_lines(low)[1][-1])



# a reviewer's random spec: confident predictions (ŷ = 1 - 3e-12) and gradients within
# 1e-12 of a half (3.1499999999949), which at 2 digits no operand digits settle
CONFIDENT = Path(__file__).parent / "fixtures" / "confident.json"


@pytest.mark.parametrize("mode", ["float", "exact"])
@pytest.mark.parametrize("digits", [2, 4])
def test_lines_whose_result_rounds_at_a_half_or_is_near_one_work_out(mode, digits):
    """K_new = 1 - 0.5 · 3.1 printed -0.57 (by hand -0.55): it reads 1 - 0.5 · 3.15 =
    -0.575; ŷ0 = 1.319e9 / 1.319e9 ≈ 0.999999999996 reads 1 - (0.002243 + 0.002739) /
    1.319e9."""
    trace = run_pass(from_dict(json.loads(CONFIDENT.read_text()), "confident"), mode)
    lines = worked_lines(build_document(trace, digits))
    assert len(lines) > 150
    for expr, result in lines:
        assert gives(expr, result, digits), (to_latex(expr), result.text)


@pytest.mark.parametrize("mode, digits", [("float", 10), ("float", 12), ("exact", 15),
                                          ("exact", 25), ("exact", 40)])
def test_the_lecture_works_out_at_many_digits(mode, digits):
    """Every worked line of the lecture example works out at high --digits: L = -log
    0.9999815421 = 1.845806364e-5 (by hand 1.845807035e-5: ŷ0 = 1 - 1.8e-5 wants 15 digits
    at --digits 10 and is worked from the other class once a float's digits cannot give
    them); in exact mode a signed term kept Decimal's 28 digits, so 0.99998...(30 digits)
    - 1 read 3 digits short, and no line was held past --digits 25."""
    from tracer import load_example
    trace = run_pass(load_example("lecture"), mode)
    lines = worked_lines(build_document(trace, digits))
    assert len(lines) >= 50
    for expr, result in lines:
        assert gives(expr, result, digits), (to_latex(expr), result.text)


HIDDEN_SIGMOID = Path(__file__).parent / "fixtures" / "hidden_sigmoid.json"


@pytest.mark.parametrize("mode, digits", [("float", 2), ("float", 4), ("exact", 4)])
def test_an_elementwise_product_works_out_cell_by_cell(mode, digits):
    """dL/dZ = dL/dA ⊙ D through a hidden sigmoid: -0.1393 · 0.01387 was printed
    -0.001931 (by hand -0.001932); each cell's numbers get the digits it needs."""
    from tracer.numeric import FLOAT
    trace = run_pass(from_dict(json.loads(HIDDEN_SIGMOID.read_text()), "sigmoid"), mode)
    cells = 0
    for line in lines_of(build_document(trace, digits)):
        items = line.items if isinstance(line, m.Row) else ()
        for k in range(len(items) - 4):
            a, times, b, _, r = items[k:k + 5]
            if isinstance(times, m.Op) and times.text == "⊙" and isinstance(r, m.Matrix):
                for x, y, z in zip(*(cell for matrix in (a, b, r) for cell in
                                     [[n for row in matrix.rows for n in row]])):
                    cells += 1
                    worked = Decimal(x.text) * Decimal(y.text)
                    shown = max(digits, significant(z.text))
                    assert Decimal(FLOAT.format(float(worked), shown)) == Decimal(z.text), \
                        (x.text, y.text, z.text)
    assert cells >= 32


def test_a_zero_worked_from_terms_that_do_not_cancel_as_printed_is_approximately_zero():
    """A dense row of equal weights (0.1, 0.1, 0.1) times ŷ - y is exactly 0, but its
    printed terms make -2×10⁻⁷: '= 0' did not work out; '≈ 0' does. A worksheet's box
    keeps '=' (the '≈' would tell it)."""
    from tracer.present.latex import to_latex
    from tracer.spec import load_spec
    trace = run_pass(load_spec(Path(__file__).parent / "fixtures" / "equal_weights.toml"),
                     "exact")
    line = (r"\frac{\partial L}{\partial a_{6}} = 0.07233 \cdot 0.1 + 0.001308 \cdot 0.1 + "
            r"(-0.07364) \cdot 0.1 REL 0")
    texts = [to_latex(line) for line in lines_of(build_document(trace))]
    assert line.replace("REL", r"\approx") in texts
    sheet = [to_latex(line) for line in lines_of(build_document(trace, hidden={"flatten1.grad"}))]
    assert not any(r"\partial a_{6}} = 0.07233" in text and r"\approx" in text for text in sheet)


def test_an_update_far_smaller_than_its_parameter_works_out():
    """A bias of -0.0478 moved by 1.6e-9 prints its new value to 12 digits to show the
    change; its old value stayed at 4 (trained weights printed -0.04777 - 0.1 · 3.422e-9 =
    -0.0477705387000), as operands could widen by 5 digits only; then the gradient widened
    with the parameter (-1.61736283800e-8), where 5 of its digits do."""
    spec = from_dict({"learning_rate": 0.1, "target": 0, "input": [1], "layers": [
        {"type": "dense", "weight": [[10, -8]], "bias": [-0.04777053835773, 0.0123456789]},
        {"type": "softmax"}]})
    trace = run_pass(spec)
    lines = [(expr, result) for expr, result in worked_lines(build_document(trace, 4))
             if result.ref.startswith("dense1.bias_new")]
    assert len(lines) == 2 and any(significant(result.text) >= 11 for _, result in lines)
    for expr, result in lines:
        assert gives(expr, result), (to_latex(expr), result.text)
        # the parameter as wide as it must be; its gradient, decades smaller, not with it
        old, gradient = [n for n in m.walk(expr) if isinstance(n, m.Num) and n.ref]
        assert significant(gradient.text) <= 6 < significant(old.text), to_latex(expr)


HALF_STEPS = Path(__file__).parent / "fixtures" / "padding_stride_half_steps.toml"


@pytest.mark.parametrize("mode, digits", [("float", 2), ("float", 4), ("float", 6),
                                          ("exact", 4)])
def test_an_updates_change_works_out_from_its_printed_rate_and_gradient(mode, digits):
    """K_new = 0.3 - 0.05 · 1.5739 = 0.22131 (Δ = -0.07869): by hand 0.05 · 1.5739 is
    0.078695, which reads -0.07870. Every line's Δ is now -η · g of its own printed η and
    g, rounded as Δ is printed (the gradient gets digits, 1.57385, or else Δ does)."""
    from tracer import load_spec
    from tracer.present.update import _is_change
    trace = run_pass(load_spec(HALF_STEPS), mode)
    changes = 0
    for line in lines_of(build_document(trace, digits)):
        items = line.items if isinstance(line, m.Row) else ()
        change = next((item.body.items[2] for item in items if _is_change(item)), None)
        if change is None:
            continue
        rate, gradient = items[4], items[6]  # W_new = old - η · g = new (Δ = c)
        gradient = gradient.body if isinstance(gradient, m.Group) else gradient
        by_hand = -Decimal(rate.text) * Decimal(gradient.text)
        assert gives(m.Num(str(by_hand)), change, digits), (to_latex(line), str(by_hand))
        new = items[8]  # and the new value still works out from the wider gradient
        assert gives(m.Row(items[2:7]), new, digits), to_latex(line)
        changes += 1
    assert changes >= 12


def test_a_probability_far_from_1_is_worked_as_printed_at_any_digits():
    """At --digits 14 and 15 every probability over 1/2 counted as near 1: the loss of
    ŷ = 0.599 was worked as log(1 - 0.401...) under a note on probabilities close to 1."""
    from tracer.present.latex import to_latex
    data = {"input": [0.4, 0.0], "target": 0, "layers": [{"type": "softmax"}]}
    trace = run_pass(from_dict(data))
    for digits in (4, 13, 14, 15):
        loss = next(to_latex(line) for line in lines_of(build_document(trace, digits))
                    if to_latex(line).startswith("L = - (1"))
        assert r"\log0.598" in loss and r"\log(1 -" not in loss, loss


def test_a_checks_sum_adds_up_as_printed_before_it_is_about_0_or_1():
    """Σ(ŷ_k - y_k) = (-0.9799) + 0.01554 + ... + 0.08683 ≈ 0 read as a check that failed
    (by hand -0.000118): the line now says what the printed terms add up to, then ≈ 0;
    '=' only where they add up to the total in all their digits (at --exact --digits 40 a
    sum in Decimal's usual 28 digits made up 3e-33 for two opposite terms, and 1 for
    0.99999999999999999999999999999999999999997764)."""
    from tracer.numeric import decimal_text
    from tracer.presets import load_preset
    shapes = {}
    for name, trace, digits in (("lecture-cnn", run_pass(load_preset("lecture-cnn")), 4),
                                ("exact", run_pass(load_example("lecture"), "exact"), 40)):
        lines = [line for line in lines_of(build_document(trace, digits))
                 if isinstance(line, m.Row) and isinstance(line.items[0], m.BigOp)
                 and line.items[2] == m.Op("=")]
        assert len(lines) == 2
        for line in lines:
            worked, rest = evaluate(line.items[3]), [i.text for i in line.items[4:]]
            shapes[name, isinstance(line.items[1], m.Sym)] = rest[::2]  # Σŷ, Σ(ŷ - y)
            if rest[0] == "=":  # = total, or = what the terms make ≈ total
                assert worked == Decimal(rest[1]), to_latex(line)
            else:  # ≈ total: the terms make it to the document's digits
                assert worked != Decimal(rest[1])
                assert Decimal(decimal_text(worked, digits)) == Decimal(rest[1])
    assert shapes == {("lecture-cnn", True): ["=", "≈"], ("lecture-cnn", False): ["=", "≈"],
                      ("exact", True): ["≈"], ("exact", False): ["="]}, shapes
