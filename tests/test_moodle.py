"""Moodle XML export: parses, one numerical question per blank cell with the right
answer and a tolerance of one unit in the last asked digit, worked example as feedback."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.cli import main
from tracer.present import mathtree as mt
from tracer.present.handout import build_document
from tracer.render import moodle
from tracer.render.assets import messages
from tracer.render.fragment import scope_css
from tracer.render.moodle import cdata, moodle_xml, unit
from tracer.sheet import blank_cells, quantity_name
from tracer.trace import parse_cell


def numerical(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "quiz"
    questions = [q for q in root.findall("question") if q.get("type") == "numerical"]
    return {q.findtext("name/text").split(" ", 1)[1]: q for q in questions}


def answer(question) -> tuple[float, float]:
    [ans] = question.findall("answer")
    assert ans.get("fraction") == "100"
    return float(ans.findtext("text")), float(ans.findtext("tolerance"))


@pytest.fixture(scope="module")
def lecture_quiz():
    trace = run_pass(load_example("lecture"))
    return trace, moodle_xml(trace, "all")


def test_every_blank_cell_is_one_numerical_question_with_answer_and_tolerance(lecture_quiz):
    trace, xml = lecture_quiz
    questions = numerical(xml)
    assert list(questions) == blank_cells(trace, "all") and len(questions) == 81
    for ref, q in questions.items():
        value, tolerance = answer(q)
        whole = ref.split("[")[0].endswith((".mask", ".argmax")) or (
            value == round(value) and abs(value) < 1e4)  # a whole number of <= 4 digits
        assert tolerance == 0 if whole else tolerance > 0, ref
        assert q.find("questiontext").get("format") == "html"
        assert ref in q.findtext("questiontext/text")
        # the givens are introduced as the exercise they are, not as a worked example
        assert "Exercises on one forward pass, backward pass" in q.findtext("questiontext/text")
        assert "A worked example of" not in q.findtext("questiontext/text")
        assert abs(value - float(trace.numbers(ref))) <= tolerance / 1000, ref


def test_where_the_maximum_sits_is_asked_as_whole_numbers(lecture_quiz):
    """The worksheet blanks the row and column of each pool window's maximum, so the quiz
    asks them too: whole numbers, not 'to 4 significant digits'."""
    _, xml = lecture_quiz
    questions = numerical(xml)
    for ref, expected in (("pool1.argmax[0,0,0,0]", 1), ("pool1.argmax[0,0,0,1]", 0)):
        text = questions[ref].findtext("questiontext/text").rsplit("<p>", 1)[1]
        assert text.endswith("row ([..., 0]) and column ([..., 1]) of each window's maximum, "
                             "cell "
                             f"{list(parse_cell(ref)[1])}): a whole number.</p>"), text
        assert answer(questions[ref])[0] == expected
    mask = questions["relu1.mask[0,0,0]"].findtext("questiontext/text").rsplit("<p>", 1)[1]
    assert mask.endswith("a whole number.</p>") and "significant" not in mask


def test_answers_are_the_lectures_true_numbers(lecture_quiz):
    """Derived by hand here, not read from the engine (the slides' update is wrong)."""
    _, xml = lecture_quiz
    questions = numerical(xml)
    z = (11 * 0.5 + 0.1, 11 * -0.5 + 0.2)  # logits 5.6, -5.3
    p0 = 1 / (1 + math.exp(z[1] - z[0]))
    expected = {"conv1.out[0,0,0]": 5, "conv1.out[0,1,0]": 11, "pool1.out[0,0,0]": 11,
                "dense1.out[0]": 5.6, "dense1.out[1]": -5.3, "softmax1.out[0]": p0,
                "loss.out": -math.log(p0), "dense1.grad[0]": p0 - 1,
                "dense1.grad_weight[0,0]": 11 * (p0 - 1), "dense1.grad_weight[0,1]": 11 * (1 - p0),
                "dense1.weight_new[0,0]": 0.5 - 0.1 * 11 * (p0 - 1),
                "conv1.weight_new[0,0,0,0]": 1 - 0.1 * 3 * (p0 - 1),  # X[1,0] * dZ[1,0]
                "relu1.grad[0,0,0]": 0.0}
    for ref, true in expected.items():
        value, tolerance = answer(questions[ref])
        assert abs(value - true) <= 1e-9 * max(1, abs(true)), ref
        assert abs(value - true) <= tolerance
    assert "0.00022" not in xml.split("<generalfeedback")[0]  # not the slides' number


@pytest.mark.parametrize("digits", [2, 4, 6, 14])  # 14: answers within a float's 15
def test_tolerance_is_one_unit_in_the_last_asked_digit(digits):
    trace = run_pass(load_example("lecture"))
    for ref, q in numerical(moodle_xml(trace, "forward,backward", digits=digits,
                                       feedback="none")).items():
        value, tolerance = answer(q)
        if ref.split("[")[0].endswith((".mask", ".argmax", ".ties")) or (
                value == round(value) and len(str(abs(round(value)))) <= digits):
            assert tolerance == 0 and value == round(value), ref  # whole numbers: exactly
            continue
        if value == 0:
            assert tolerance == 1e-9
            continue
        assert tolerance == pytest.approx(10.0 ** (math.floor(math.log10(abs(value))) - digits + 1))
        rounded = float(f"{value:.{digits}g}")
        truncated = float(f"{math.trunc(value / tolerance) * tolerance:.{digits + 2}g}")
        assert abs(rounded - value) <= tolerance and abs(truncated - value) <= tolerance, ref
        assert f"to {digits} significant digits" in q.findtext("questiontext/text")
    assert unit(11, 4) == unit(99.9, 4) and str(unit(0.00018, 3)) == "0.000001"


def test_worked_example_is_the_general_feedback_in_a_scoped_wrapper(lecture_quiz):
    _, xml = lecture_quiz
    root = ET.fromstring(xml.encode("utf-8"))
    q = root.find("question[@type='numerical']")
    feedback = q.findtext("generalfeedback/text")
    assert q.find("generalfeedback").get("format") == "html"
    assert '<div class="cnntrace-handout view-worked" lang="en">' in feedback
    assert 'class="blank"' not in feedback and "max" in feedback and "Backward" in feedback
    assert "<html" not in feedback and "<body" not in feedback
    css = feedback.split("<style>")[1].split("</style>")[0]
    rules = [line for line in css.splitlines() if "{" in line]
    assert rules and all(r.startswith(".cnntrace-handout") for r in rules)
    assert "@page" not in css and "@font-face" not in css
    description = root.find("question[@type='description']")
    assert description.findtext("questiontext/text").count('class="blank"') >= 79


def test_markup_in_the_title_stays_text_and_cdata_is_split():
    spec = from_dict({"title": "]]> <script>alert(1)</script> & </text>", "input": [[1, 2], [3, 4]],
                      "target": 0, "layers": [
                          {"type": "conv2d", "weight": [[1, 0], [0, 1]]}, {"type": "flatten"},
                          {"type": "dense", "weight": [[1, -1]]}, {"type": "softmax"}]})
    xml = moodle_xml(run_pass(spec), "forward", variant="<v>")
    root = ET.fromstring(xml.encode("utf-8"))  # still well-formed
    html = [e.findtext("text") or "" for e in root.iter() if e.get("format") == "html"]
    assert len(html) > 10 and not any("<script>" in t for t in html)
    assert all("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in html if t)
    assert root.findtext("question[@type='description']/name/text").startswith("]]> <script>")
    assert root.findtext("question[@type='category']/category/text").endswith(
        "]]> <script>alert(1)<//script> & <//text> (<v>)")
    wrapped = ET.fromstring(f"<t>{cdata('a]]>b <i>&amp;</i>')}</t>".encode())
    assert wrapped.text == "a]]>b <i>&amp;</i>"


def test_scope_css_prefixes_selectors_and_drops_page_rules():
    css = ("@page { size: A4; @top-right { content: string(v); } }\nhtml { color: red; }\n"
           "body.view-key p, .a > .b { margin: 0; }\n@media print { body { margin: 0; } }\n"
           "/* comment { } */ :lang(ko) { word-break: keep-all; }")
    assert scope_css(css, "s") == ("\n".join([".s { color: red; }",
                                              ".s.view-key p, .s .a > .b { margin: 0; }",
                                              ".s :lang(ko) { word-break: keep-all; }"]))


def test_export_command(capsys):
    assert main(["export", "moodle", "--example", "lecture", "--blank", "conv1.out",
                 "--feedback", "none", "--digits", "3"]) == 0
    questions = numerical(capsys.readouterr().out)
    assert list(questions) == [f"conv1.out[0,{i},{j}]" for i in (0, 1) for j in (0, 1)]
    # whole numbers asked exactly: 10 is no answer for 11, though one unit at 2 digits
    assert [answer(q) for q in questions.values()] == [(5, 0), (7, 0), (11, 0), (10, 0)]
    assert main(["export", "moodle", "--example", "lecture", "--blank", "conv7.out"]) == 2
    assert "--blank: no quantity 'conv7.out'" in capsys.readouterr().err


def test_exact_and_float_exports_agree():
    a = numerical(moodle_xml(run_pass(load_example("lecture")), "all", feedback="none"))
    b = numerical(moodle_xml(run_pass(load_example("lecture"), "exact"), "all", feedback="none"))
    assert list(a) == list(b)
    for ref in a:
        (va, ta), (vb, tb) = answer(a[ref]), answer(b[ref])
        assert ta == tb and abs(va - vb) <= ta / 100, ref


def test_a_korean_quiz_asks_in_korean():
    xml = moodle_xml(run_pass(load_example("lecture")), "all", lang="ko", feedback="none")
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.findtext("question[@type='description']/name/text").endswith(": 연습지")
    questions = numerical(xml)
    texts = {ref: q.findtext("questiontext/text").rsplit("<p>", 1)[1]
             for ref, q in questions.items()}
    assert texts["conv1.out[0,1,0]"] == (
        "<code>conv1.out[0,1,0]</code> (conv1의 출력, 칸 [0, 1, 0])"
        "의 값을 유효숫자 4자리로 쓰세요 (반올림하거나 버려도 됩니다).</p>")
    assert "(손실)" in texts["loss.out"] and "(dense1의 업데이트 후 W, 칸 [0, 0])" in \
        texts["dense1.weight_new[0,0]"]
    for text in texts.values():
        assert "Give" not in text and "significant" not in text and "cell" not in text
        assert "output" not in text and "update" not in text and "the loss" not in text


def test_english_quantity_names_are_the_answer_sheets():
    trace = run_pass(load_example("lecture"))
    for ref, q in numerical(moodle_xml(trace, "all", feedback="none")).items():
        qid, index = parse_cell(ref)
        what = quantity_name(qid) + (f", cell {list(index)}" if index else "")
        updated = qid.endswith("_new") or qid == "loss.after"  # asked to the handout's digits
        ask = ("): a whole number." if qid.endswith((".mask", ".argmax", ".ties")) else
               ") to " if updated else ") to 4 significant")
        assert f"<code>{ref}</code> ({what}{ask}" in q.findtext("questiontext/text")
    en, ko = (messages(lang) for lang in ("en", "ko"))
    assert {k for k in en if k.startswith("moodle.")} == {k for k in ko if k.startswith("moodle.")}


def test_a_quiz_of_too_many_cells_or_too_much_feedback_is_refused(capsys, monkeypatch):
    """(A tensor drawn as a heatmap is asked where the worksheet works its cells out.)"""
    quiz = ["export", "moodle", "--preset", "digits-cnn"]
    assert main(quiz + ["--blank", "all"]) == 2
    assert main(quiz + ["--blank", "forward"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("cnntrace: error: --blank: all selects 915 cells, more than the 500 "
                      "questions a quiz can usefully ask; name ids or cells instead, such as "
                      "pool1.out or conv1.out[0,5,4]")
    assert len(err) == 2 and re.fullmatch(
        r"cnntrace: error: --feedback: the worked example \(\d+ kB\) as feedback to each of 344 "
        r"questions would make \d+ MB; pass --feedback none or ask fewer cells with --blank",
        err[1])
    assert main(quiz + ["--blank", "forward", "--feedback", "none"]) == 0
    assert len(numerical(capsys.readouterr().out)) == 344
    monkeypatch.setattr(moodle, "MAX_QUESTIONS", 100)
    assert main(quiz + ["--blank", "flatten1.out"]) == 2  # never suggests the id just given
    assert capsys.readouterr().err.endswith("name ids or cells instead, such as "
                                            "flatten1.out[0]\n")


def test_question_names_sort_in_question_order_past_999(monkeypatch):
    monkeypatch.setattr(moodle, "MAX_QUESTIONS", 2000)
    spec = from_dict({"input": [1], "layers": [  # a vector of 1024: every cell is shown
        {"type": "dense", "weight": [list(range(1024))], "bias": [0] * 1024}]})
    root = ET.fromstring(moodle_xml(run_pass(spec), "forward", feedback="none").encode("utf-8"))
    names = [q.findtext("name/text") for q in root.findall("question[@type='numerical']")]
    assert len(names) == 1024 and names == sorted(names)
    assert names[0] == "0001 dense1.out[0]" and names[-1] == "1024 dense1.out[1023]"


def test_cells_beyond_float64_are_not_asked():
    # e^1000 is inf in the trace: no question (it was asked with the answer 0)
    spec = from_dict({"input": [1000, 998], "target": 0, "layers": [
        {"type": "dense", "weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"type": "softmax"}]})
    xml = moodle_xml(run_pass(spec), "forward", feedback="none")
    asked = list(numerical(xml))
    assert asked and not any(n.startswith(("softmax1.exp", "softmax1.sum")) for n in asked), asked
    assert any(n.startswith("softmax1.out") for n in asked), asked


def test_a_korean_quiz_names_weights_and_biases_in_korean():
    from tracer.sheet import quantity_name
    xml = moodle_xml(run_pass(load_example("lecture")),
                     "conv1.weight_new[0,0,0,0],dense1.bias_new[0]", lang="ko", feedback="none")
    assert "(conv1의 업데이트 후 W, 칸 [0, 0, 0, 0])" in xml
    assert "(dense1의 업데이트 후 b, 칸 [0])" in xml
    # the given ones (never asked: they are printed) as a marked sheet names them
    assert quantity_name("conv1.weight", "ko") == "conv1의 가중치"
    assert quantity_name("dense1.bias", "ko") == "dense1의 편향"


# --------------------------------------------- values after the update (not W again)
def shown_texts(document) -> dict[str, set[str]]:
    """Every number the handout shows for a cell (ref -> texts), changes left out."""
    def nodes(item):
        if isinstance(item, mt.Node):
            yield from mt.walk(item)
        elif isinstance(item, (list, tuple)):
            for part in item:
                yield from nodes(part)
        elif hasattr(item, "__dataclass_fields__"):
            for name in item.__dataclass_fields__:
                yield from nodes(getattr(item, name))
        elif isinstance(item, dict):
            yield from nodes(list(item.values()))
    shown: dict[str, set[str]] = {}
    for node in nodes(document.sections):
        if isinstance(node, mt.Num) and node.ref and not node.derived:
            shown.setdefault(node.ref, set()).add(node.text)
    return shown


def significant(text: str) -> int:
    """'1.000005537' -> 10, '-0.5000203' -> 7, '1.846e-6' -> 4."""
    return len(text.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


def asked_digits(question) -> int:
    ask = question.findtext("questiontext/text").rsplit("<p>", 1)[1]  # after the givens
    return int(re.search(r"to (\d+) significant digits", ask).group(1))


def before(ref: str) -> str:
    qid, _ = parse_cell(ref)
    return "loss.out" if qid == "loss.after" else ref.replace("_new", "", 1)


@pytest.mark.parametrize("digits", [2, 4, 6])
def test_a_parameter_left_as_it_was_is_outside_the_tolerance(digits):
    """W for W_new earned full credit (1 for 1.0000055 ± 0.001); `check` calls it
    'not updated'. The value after the step is still accepted."""
    trace = run_pass(load_example("lecture"))
    questions = numerical(moodle_xml(trace, "update", digits=digits, feedback="none"))
    updated = [ref for ref in questions if parse_cell(ref)[0].endswith("_new")]
    assert len(updated) == 14 and "loss.after" not in questions  # asked only by its id
    moved = 0
    for ref in updated:
        value, tolerance = answer(questions[ref])
        new, old = float(trace.numbers(ref)), float(trace.numbers(before(ref)))
        assert abs(value - new) <= tolerance, ref
        if new != old:  # a weight whose gradient is 0 stays: nothing to tell apart
            moved += 1
            assert abs(value - old) > tolerance, (ref, value, tolerance, old)
            assert abs(float(f"{old:.{asked_digits(questions[ref])}g}") - value) > tolerance
    assert moved == 12  # the 14 updated cells but the two whose gradient is 0


def test_an_updated_parameter_is_asked_to_the_digits_the_handout_shows():
    trace = run_pass(load_example("lecture"))
    xml = moodle_xml(trace, "update", feedback="none")
    questions = numerical(xml)
    shown = shown_texts(build_document(trace))
    expected = {"conv1.weight_new[0,0,0,0]": 10, "conv1.weight_new[0,0,0,1]": 4,
                "conv1.bias_new[0]": 10, "dense1.weight_new[0,0]": 8,
                "dense1.bias_new[1]": 9}
    for ref, q in questions.items():
        if not parse_cell(ref)[0].endswith("_new") or shown[ref] == {"0"}:
            continue  # a 0 the step leaves alone is asked as 0 exactly
        digits = asked_digits(q)
        assert {significant(t) for t in shown[ref]} == {digits}, (ref, shown[ref])
        assert expected.get(ref, digits) == digits, ref
        value, tolerance = answer(q)
        if tolerance:
            assert tolerance == pytest.approx(float(unit(value, digits)))
    assert "1.000005537" in shown["conv1.weight_new[0,0,0,0]"]
    assert "to 10 significant digits" in questions["conv1.weight_new[0,0,0,0]"].findtext(
        "questiontext/text")


def test_the_loss_after_the_step_is_asked_finer_when_the_handouts_digits_admit_the_loss():
    """The handout tells L_after = 1.845e-5 from L = 1.846e-5 at 4 digits, but L itself
    (1.84581e-5) is within one unit of 1.84487e-5 there: 5 digits are asked."""
    trace = run_pass(load_example("lecture"))
    question = numerical(moodle_xml(trace, "loss.after", feedback="none"))["loss.after"]
    value, tolerance = answer(question)
    assert asked_digits(question) == 5 and tolerance == pytest.approx(1e-9)
    assert abs(value - float(trace.numbers("loss.out"))) > tolerance
    assert abs(value - float(trace.numbers("loss.after"))) <= tolerance / 1000


def test_an_answer_has_more_digits_than_asked():
    trace = run_pass(load_example("lecture"))
    question = numerical(moodle_xml(trace, "conv1.weight_new[0,0,0,0]", feedback="none"))
    value, tolerance = answer(question["conv1.weight_new[0,0,0,0]"])
    assert tolerance == pytest.approx(1e-9)
    assert abs(value - float(trace.numbers("conv1.weight_new[0,0,0,0]"))) <= tolerance / 1000
