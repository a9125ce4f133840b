"""Handout fixes from the UX review: the batch loss bracketed as it is computed, the
sigmoid output's own heading, update digits that never shrink with --digits, per-sample
labels in a batch, the input of flatten named after its layer, ReLU'(0) = 1 in words,
and Korean particles attached to numbers and placeholders."""

from __future__ import annotations

import html
import math
import re
import tomllib
from pathlib import Path

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.report import render

MESSAGES = Path(__file__).parent.parent / "templates" / "messages"

LECTURE_LAYERS = [
    {"type": "conv2d", "weight": [[1, 0, 1], [0, 1, 0], [1, 0, 1]], "bias": 1},
    {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 2}, {"type": "flatten"},
    {"type": "dense", "weight": [[0.5, -0.5]], "bias": [0.1, 0.2]}, {"type": "softmax"}]


def lecture_batch(**conventions) -> dict:
    """The lecture's network on two samples (/tmp/ux_review/specs/lec_batch.toml)."""
    data = {"title": "4x4 input, one 3x3 filter", "learning_rate": 0.1,
            "inputs": [[[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]],
                       [[0, 1, 0, 1], [1, 1, 1, 0], [0, 2, 0, 0], [1, 0, 1, 1]]],
            "targets": [0, 1], "layers": LECTURE_LAYERS}
    if conventions:
        data["conventions"] = conventions
    return data


def sigmoid_batch() -> dict:
    """Two samples, binary targets, flatten first, leaky ReLU (batch.yaml)."""
    return {"title": "batch of two, sigmoid",
            "inputs": [[[1, 2], [3, 4]], [[0, 1], [1, 0]]], "targets": [1, 0],
            "layers": [{"type": "flatten"},
                       {"type": "dense", "weight": [[0.1], [0.2], [-0.1], [0.3]], "bias": [0.5]},
                       {"type": "leaky_relu", "slope": 0.1},
                       {"type": "dense", "weight": [[1.5]], "bias": [-0.5]},
                       {"type": "sigmoid"}]}


def sigmoid_one() -> dict:
    """One sample, a sigmoid output (sig1.yaml)."""
    return {"title": "one sample sigmoid", "input": [[1, 2], [3, 4]], "target": 1,
            "layers": [{"type": "flatten"},
                       {"type": "dense", "weight": [[0.1], [0.2], [-0.1], [0.3]], "bias": [0.5]},
                       {"type": "sigmoid"}]}


def ties_spec() -> dict:
    """ReLU'(0) = 1 and a zero pre-activation (ties.toml)."""
    return {"title": "ties", "input": [[1, 2, 0, 1], [3, 1, 1, 5], [0, 2, 2, 0], [1, 0, 3, 1]],
            "target": 1, "conventions": {"pool_ties": "all", "relu_grad_at_zero": 1},
            "layers": [{"type": "conv2d", "weight": [[1, 0], [0, 1]], "bias": -2},
                       {"type": "relu"}, {"type": "maxpool2d", "size": 2, "stride": 1},
                       {"type": "flatten"},
                       {"type": "dense", "weight": [[0.1, 0.2], [0.3, -0.1], [0.2, 0.2], [0, 0.1]],
                        "bias": [0, 0]},
                       {"type": "softmax"}]}


def handout(spec, lang: str = "en", digits: int = 4) -> dict[str, str]:
    """{'html': the text a reader sees (tags dropped), 'tex': the LaTeX source}."""
    trace = run_pass(spec if not isinstance(spec, dict) else from_dict(spec))
    files = render(trace, ("html", "tex"), lang=lang, digits=digits)
    page = re.sub(r"<style.*?</style>", "", files["html"], flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return {"html": " ".join(text.split()), "tex": files["tex"]}


# ------------------------------------------------------------ 1. the batch loss
def tex_value(formula: str) -> float:
    """Evaluate the right-hand side of a TeX line as written (−, ½, [ ], ·, log)."""
    expr = re.sub(r"([\d.]+) \\times 10\^\{(-?\d+)\}", r"\1e\2", formula)
    expr = expr.replace(r"\frac{1}{2}", "(1/2)*").replace(r"\cdot", "*")
    expr = expr.replace(r"\log", "log").replace("[", "(").replace("]", ")")
    expr = re.sub(r"log([\d.]+(?:e-?\d+)?)", r"log(\1)", expr)
    return eval(expr, {"log": math.log})  # noqa: S307 - our own TeX, digits and operators


def loss_line(tex: str) -> str:
    lines = [line for line in tex.splitlines() if line.startswith("L = - ") and "=" in line[4:]]
    return [line for line in lines if r"\sum" not in line][0].rstrip(" \\")


@pytest.mark.parametrize("spec, value", [(lecture_batch(), 3.451), (sigmoid_batch(), 0.5021)])
def test_a_batch_loss_is_bracketed_as_it_is_computed(spec, value):
    """−½[(…) + (…)]: the minus and the ½ apply to both samples' sums."""
    pages = handout(spec)
    line = loss_line(pages["tex"])
    rhs, shown = line[len("L = "):].rsplit(" = ", 1)
    assert rhs.startswith(r"- \frac{1}{2}[(") and rhs.endswith(")]"), line
    assert float(shown) == value
    assert tex_value(rhs) == pytest.approx(value, rel=2e-3)  # as written: not −6.9
    assert f")] = {value}" in pages["html"] and "L = −12[(" in pages["html"]  # ½ as 1 over 2


def test_a_summed_batch_loss_is_bracketed_too():
    line = loss_line(handout(lecture_batch(loss_reduction="sum"))["tex"])
    rhs, shown = line[len("L = "):].rsplit(" = ", 1)
    assert rhs.startswith("- [(") and tex_value(rhs) == pytest.approx(float(shown), rel=2e-3)


def test_one_samples_loss_keeps_its_parentheses():
    line = loss_line(handout(load_example("lecture"))["tex"])
    assert line.startswith(r"L = - (1 \cdot \log0.99998") and "[" not in line


# --------------------------------------------------- 2. the sigmoid output heading
def test_a_sigmoid_output_is_named_in_the_backward_heading():
    for lang, right, wrong in (
            ("en", "Sigmoid and binary cross-entropy together (sigmoid1)",
             "Softmax and cross-entropy together"),
            ("ko", "시그모이드와 이진 교차 엔트로피 (sigmoid1)", "소프트맥스와 교차 엔트로피")):
        text = handout(sigmoid_one(), lang)["html"]
        assert right in text and wrong not in text, lang
    assert "Softmax and cross-entropy together (softmax1)" in \
        handout(load_example("lecture"))["html"]


# ------------------------------------------------------- 3. digits of the update
def update_line(tex: str, symbol: str) -> str:
    return next(line for line in tex.splitlines() if line.startswith(symbol))


def new_value(line: str) -> tuple[str, bool]:
    """The new value of an update line and whether its change Δ is written out."""
    match = re.search(r"= (-?[\d.]+)( \\quad \(\\Delta = [^)]*\))?(?: \\\\)?$", line)
    return match.group(1), match.group(2) is not None


def significant(text: str) -> int:
    return len(text.replace("-", "").replace(".", "").lstrip("0"))


@pytest.mark.parametrize("symbol", [r"K_{0,0}^{\text{new}}", r"W_{0,0}^{\text{new}}",
                                    r"b_{1}^{\text{new}}"])
def test_more_digits_never_show_fewer_in_the_update(symbol):
    """1 -> 1.000005537 (Δ) at 4 digits; at 6 not 1.00001 (a change of 1e-5 for 5.5e-6)."""
    lecture = load_example("lecture")
    shown = []
    for digits in range(3, 11):
        value, delta = new_value(update_line(handout(lecture, digits=digits)["tex"], symbol))
        assert delta, (digits, value)  # the change is far below the value's last digit
        shown.append(significant(value))
    assert shown == sorted(shown), shown  # never fewer (the same when the next digit is 0)
    assert shown[-1] > shown[0] + 4, shown


def test_six_digits_show_the_change_to_six_digits():
    tex = handout(load_example("lecture"), digits=6)["tex"]
    assert r"= 1.00000553737 \quad (\Delta = +5.53737 \times 10^{-6})" in \
        update_line(tex, r"K_{0,0}^{\text{new}}")
    assert r"= 0.5000203037 \quad (\Delta = +2.03037 \times 10^{-5})" in \
        update_line(tex, r"W_{0,0}^{\text{new}}")


def test_a_change_the_usual_digits_show_gets_no_delta():
    """0.5 − 0.1·3.496 = 0.1504: four digits of the value show four of the change."""
    line = update_line(handout(lecture_batch())["tex"], r"W_{0,0}^{\text{new}}")
    assert line.rstrip(" \\").endswith("= 0.1504") and r"\Delta" not in line


# ------------------------------------------------------- 4. batches, labels, names
def test_each_sample_is_labelled_in_a_batch():
    tex = handout(lecture_batch())["tex"]
    for sample in (0, 1):
        for label in (rf"Z_{{0,0}}^{{({sample})}} = ", rf"A_{{0,1}}^{{({sample})}} = ",
                      rf"P_{{0,0}}^{{({sample})}} = ", rf"z_{{0}}^{{({sample})}} = ",
                      rf"\hat{{y}}_{{1}}^{{({sample})}} = ", rf"S^{{({sample})}} = ",
                      rf"\partial z_{{0}}^{{({sample})}}}} = "):
            assert label in tex, label
    for unlabelled in (r"\hat{y}_{0} = ", "\nz_{0} = ", r"\partial z_{0}} = ", "\nP_{0,0} = "):
        assert unlabelled not in tex, unlabelled
    sigmoid = handout(sigmoid_batch())["tex"]
    for label in (r"z_{0}^{(1)} = ", r"\hat{y}_{0}^{(1)} = ", r"A_{0}^{(1)} = "):
        assert label in sigmoid, label


def test_a_single_sample_has_no_sample_labels():
    tex = handout(load_example("lecture"))["tex"]
    assert r"\hat{y}_{0} = " in tex and "^{(0)}" not in tex


def test_a_binary_target_is_not_called_one_hot():
    batch, one = handout(sigmoid_batch())["html"], handout(sigmoid_one())["html"]
    assert "The targets y (the true label, 1 or 0; one row per sample):" in batch
    assert "The target y (the true label, 1 or 0):" in one
    assert "one-hot" not in batch and "one-hot" not in one
    assert "The targets y (one-hot, one row per sample):" in handout(lecture_batch())["html"]
    assert "The target y (one-hot):" in handout(load_example("lecture"))["html"]
    assert "정답 y (실제 레이블, 1 또는 0, 샘플마다 한 행):" in \
        handout(sigmoid_batch(), "ko")["html"].replace("원-핫", "?")


def test_flatten_names_its_input_after_the_layer_before_it():
    tex = handout(sigmoid_batch())["tex"]  # flatten is the first layer: its input is X
    assert r"a_{2}^{(0)} = X_{0,1,0}^{(0)} = 3" in tex
    assert (r"\frac{\partial L}{\partial X_{0,1,0}^{(0)}} = "
            r"\frac{\partial L}{\partial a_{2}^{(0)}}") in tex
    assert "P_{" not in tex and r"\partial P" not in tex  # there is no pool layer
    lecture = handout(load_example("lecture"))["tex"]  # after a max-pool it is P
    assert r"a_{0} = P_{0,0,0} = 11" in lecture and r"\partial P_{0,0,0}}" in lecture


def test_leaky_relu_cells_show_the_max_not_a_repeated_value():
    tex = handout(sigmoid_batch())["tex"]
    assert r"A_{0}^{(0)} = \max(1.9,0.1 \cdot 1.9) = 1.9" in tex
    assert "= 1.9 = 1.9" not in tex and "1.9 = 1.9" not in handout(sigmoid_batch())["html"]
    negative = sigmoid_batch()
    negative["layers"][1]["bias"] = [-3]
    assert r"A_{0}^{(1)} = \max(-2.9,0.1 \cdot (-2.9)) = -0.29" in handout(negative)["tex"]


def test_the_batch_check_names_the_numbers_it_adds():
    """The gradient check adds ∂L/∂z = ½(ŷ − y) over a batch of two: it says so."""
    tex = handout(lecture_batch())["tex"]
    assert (r"\sum_{k} \frac{1}{2}(\hat{y}_{k}^{(0)} - y_{k}^{(0)}) = (-9.229 \times 10^{-6})"
            r" + 9.229 \times 10^{-6} = 0") in tex
    assert r"\sum_{k} \hat{y}_{k}^{(0)} = 0.99998" in tex
    single = handout(load_example("lecture"))["tex"]
    assert r"\sum_{k} (\hat{y}_{k} - y_{k}) = " in single
    summed = handout(lecture_batch(loss_reduction="sum"))["tex"]
    assert r"\sum_{k} (\hat{y}_{k}^{(0)} - y_{k}^{(0)}) = " in summed


# -------------------------------------------------------------- 5. wording
def test_relu_grad_at_zero_one_says_positive_or_zero():
    text = handout(ties_spec())["html"]
    assert ("The mask M marks where the input was positive or zero (ReLU'(0) = 1); "
            "the gradient will pass only there.") in text
    assert ("The gradient passes where the input was positive or zero and is 0 where it was "
            "negative (ReLU'(0) = 1).") in text
    assert "is 0 elsewhere (ReLU'(0) = 1)" not in text
    korean = handout(ties_spec(), "ko")["html"]
    assert "마스크 M은 입력이 양수이거나 0이었던 칸을 표시합니다" in korean
    assert "입력이 양수이거나 0이었던 칸으로만 기울기가 흐르고" in korean
    default = handout(load_example("lecture"))["html"]  # ReLU'(0) = 0: positive only
    assert "The mask M marks where the input was positive; the gradient" in default
    assert "The gradient passes where the input was positive and is 0 elsewhere " \
        "(ReLU'(0) = 0)." in default


def test_leaky_relu_with_grad_at_zero_one_says_zero_inputs_pass():
    data = sigmoid_one()
    data["layers"].insert(2, {"type": "leaky_relu", "slope": 0.1})
    data["layers"].insert(3, {"type": "dense", "weight": [[1.0]], "bias": [0.0]})
    data["conventions"] = {"relu_grad_at_zero": 1}
    assert "1 for positive or zero inputs, the slope for negative ones." in handout(data)["html"]


def test_korean_particles_attach_to_numbers():
    text = handout(load_example("lecture"), "ko")["html"]
    assert "0보다 작은 값은 0으로, 큰 값은 그대로 둡니다." in text
    assert "0 보다" not in text and "0 으로" not in text
    assert "conv1의 필터 K와 편향 b:" in text and "✓ 확률의 합이 1입니다." in text


PARTICLE_AFTER_SPACE = re.compile(
    r"(?:\d|\})\s+(?:은|는|이|가|을|를|의|에|에서|으로|로|와|과|도|보다|만|까지|부터|입니다|이어야"
    r"|이지만|인|이라서|이\(가\)|은\(는\)|을\(를\))(?=[\s.,:)]|$)")


def test_no_korean_particle_is_spaced_off_a_number_or_placeholder():
    catalog = tomllib.loads((MESSAGES / "ko.toml").read_text(encoding="utf-8"))
    spaced = {key: text for key, text in catalog.items()
              if PARTICLE_AFTER_SPACE.search(text)}
    assert not spaced


def test_every_new_message_is_in_both_catalogs():
    en = tomllib.loads((MESSAGES / "en.toml").read_text(encoding="utf-8"))
    ko = tomllib.loads((MESSAGES / "ko.toml").read_text(encoding="utf-8"))
    assert set(en) == set(ko)
    for key in ("output.backward.title.sigmoid", "params.target.binary",
                "params.target.binary.batch", "params.target.batch", "relu.mask.or_zero",
                "relu.backward.intro.or_zero", "leaky_relu.backward.intro.or_zero"):
        assert key in en, key


def test_a_korean_particle_or_counter_stays_on_the_line_of_its_value():
    """'2개는', 'conv1의': the filled-in value and the word written right after it sit in
    one unbreakable span, so no renderer starts a line with a bare particle."""
    from tracer.report import render
    trace = run_pass(load_example("lecture"))
    text = render(trace, ("html",), lang="ko")["html"]
    assert '<span class="w">conv1<span class="w">의</span></span>' in text
    assert '<span class="w"><span class="math">0</span><span class="w">열에</span></span>' \
        in text  # the maximum's column
    assert '<span class="w">' not in render(trace, ("html",))["html"].split("</head>")[1]


def test_softmax_with_an_underflowing_exp_is_shown_shifted():
    """e^-960 is 0 in float64: ŷ_0 = 0/3.061e-278 ≈ 3.904e-140 did not read as arithmetic;
    the shifted form e^(z_k - m) keeps every number it divides."""
    from tracer import from_dict, run_pass
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"input": [-960, -638], "target": 1, "layers": [
        {"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "softmax"}]})
    text = render_text(build_document(run_pass(spec)), "en", "worked", frozenset())
    assert "e^{−960 − (−638)} ≈ 1.436×10⁻¹⁴⁰" in text
    assert "_0 = (1.436×10⁻¹⁴⁰)/1 ≈ 1.436×10⁻¹⁴⁰" in text
    assert "0/" not in text.split("Loss")[0].split("Softmax")[-1]


def test_softmax_with_an_ordinary_sum_keeps_the_traces_exps():
    """Only a sum out of float range, or an e^z underflowing below a probability that does
    not, is shown shifted: e^-800 ≈ 0 beside e^5 ≈ 148.4 keeps the trace's own e^z, which
    the worksheet and the checker ask for."""
    from tracer import from_dict, run_pass
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"input": [1], "target": 1, "layers": [
        {"type": "dense", "weight": [[-800, 5]], "bias": [0, 0]}, {"type": "softmax"}]})
    text = render_text(build_document(run_pass(spec)), "en", "worked", frozenset())
    assert "e^5 ≈ 148.4" in text and "S = 0 + 148.4 ≈ 148.4" in text
    assert "− m" not in text


def test_a_loss_of_a_probability_stored_as_0_is_worked_from_the_scores():
    """ŷ_0 = e^-880 is 0 in float64: 'L = −(1 · log 0 + 0 · log 1) = 880' read as −∞. That
    sample's loss is worked from its scores, log ŷ_k = z_k − log S; the other sample of
    the batch keeps its log ŷ."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"inputs": [[1], [0.001]], "targets": [0, 0], "layers": [
        {"type": "dense", "weight": [[-440, 440]], "bias": [0, 0]}, {"type": "softmax"}]})
    trace = run_pass(spec)
    assert trace.numbers("softmax1.out")[0, 0] == 0
    text = render_text(build_document(trace), "en", "worked", frozenset())
    loss = text.split("\nLoss\n")[1].split("Backward pass")[0]
    lines = [line for line in loss.splitlines() if line.startswith("    ")]
    assert not any("log 0 " in line for line in lines), lines
    assert "    log y\u0302_k = z_k − log S" in lines  # the hat is U+0302, as text writes it
    assert "log S^{(0)} ≈ 440" in loss
    assert ("L = − 1/2[(1 · (−440 − 440) + 0 · (440 − 440)) + (1 · log 0.2932 + 0 · log "
            "0.7068)] = 440.6") in loss
    ko = render_text(build_document(trace), "ko", "worked", frozenset())
    assert "점수에서 바로 구합니다" in ko
    # an ordinary loss has no such lines
    ordinary = render_text(build_document(run_pass(from_dict(lecture_batch()))), "en",
                           "worked", frozenset())
    assert "log S" not in ordinary


@pytest.mark.parametrize("weight, target, lines", [
    (40, 0, ["log (1 + e^40) ≈ 40", "L = − (0 · (− 4.248×10⁻¹⁸) + (1 − 0) · (− 40)) = 40"]),
    (40, 1, ["L = − (1 · (− 4.248×10⁻¹⁸) + (1 − 1) · (− 40)) = 4.248×10⁻¹⁸"]),
])
def test_a_sigmoid_probability_held_as_1_is_worked_from_the_score(weight, target, lines):
    """σ(40) = 1 - 4e-18 is 1 in float64: 'log(1 − 1)' (log 0) and 'log 1 = 0' under a
    loss of 4.248e-18 did not read as arithmetic."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"input": [1], "target": [target], "layers": [
        {"type": "dense", "weight": [[weight]], "bias": [0]}, {"type": "sigmoid"}]})
    text = render_text(build_document(run_pass(spec)), "en", "worked", frozenset())
    shown = [line.strip() for line in
             text.split("\nLoss\n")[1].split("Backward pass")[0].splitlines()]
    assert "log ŷ_k = − log (1 + e^{− z_k})".replace("ŷ", "y\u0302") in shown
    for line in lines:
        assert line in shown, shown
    assert not any("log 1 " in line or "(1 − 1))" in line for line in shown)


def test_a_softmax_probability_held_as_0_is_never_shown_as_log_0():
    """Even with a target of 0 there: '0 · log 0' reads as 0 · (−∞)."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    spec = from_dict({"input": [1], "target": 1, "layers": [
        {"type": "dense", "weight": [[-440, 440]], "bias": [0, 0]}, {"type": "softmax"}]})
    text = render_text(build_document(run_pass(spec)), "en", "worked", frozenset())
    assert "L = − (0 · (−440 − 440) + 1 · (440 − 440)) = 0" in text


def test_the_checks_say_approximately_where_the_printed_terms_miss_the_total():
    """0.99998 + 1.846e-5 is 0.99999846, not 1, but 1 to 4 digits: ≈ 1; the entries of
    ŷ - y as printed do cancel."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    text = render_text(build_document(run_pass(load_example("lecture"))), "en", "worked",
                       frozenset())
    assert " = 0.99998 + 1.846×10⁻⁵ ≈ 1\n" in text
    assert "_k) = (−1.846×10⁻⁵) + 1.846×10⁻⁵ = 0\n" in text


@pytest.mark.parametrize("mode, new", [("float", "1.00000000000094"),
                                       ("exact", "1.0000000000009449")])
def test_a_tiny_update_shows_its_change_as_the_step_made_it(mode, new):
    """1 - 0.1 · (-9.44914e-12): in floats new - old is 9.450e-13 (its last digits are the
    float's) and the new value 1.000000000000945 printed 1.00000000000095; by hand it is
    1.000000000000944914, Δ = +9.449e-13."""
    from tracer.present.handout import build_document
    from tracer.render.text import render_text
    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["layers"][-2]["weight"] = [[2, -0.5]]
    text = render_text(build_document(run_pass(from_dict(data, "confident"), mode)), "en",
                       "worked", frozenset())
    assert f"= 1 − 0.1 · (−9.449×10⁻¹²) = {new} (Δ = +9.449×10⁻¹³)\n" in text
