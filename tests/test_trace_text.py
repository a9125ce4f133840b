"""`cnntrace trace`'s listing: updated parameters show their change."""

from __future__ import annotations

import re

import pytest

from tracer import load_example, run_pass
from tracer.present.text import render_text


@pytest.mark.parametrize("mode", ["float", "exact"])
def test_updated_parameters_never_read_as_unchanged(mode):
    """At 4 digits W_dense = 0.5 would print 0.5 after the update too; the listing adds
    the digits that show the step (as the worked example does)."""
    text = render_text(run_pass(load_example("lecture"), mode), digits=4)
    update = text[text.index("SGD update"):text.index("After the update")]
    assert "[ 0.50002030  -0.50002030]" in update
    assert "[1.000001846]" in update  # conv1.bias_new: 1 + 1.846e-6
    assert "[0.100001846  0.199998154]" in update
    before = text[:text.index("SGD update")]
    assert re.search(r"dense1\.weight  \(1x2\)\n  \[ 0\.5  -0\.5\]", before)


def test_more_digits_never_show_fewer_in_the_listing():
    four, eight = (render_text(run_pass(load_example("lecture")), digits=d) for d in (4, 8))
    assert "0.50002030 " in four and "0.500020303683" in eight


@pytest.mark.parametrize("options", [[], ["--exact"], ["--digits", "2"]])
def test_a_probability_below_1_never_prints_as_1(options, capsys):
    """softmax(5.6, -5.3) = 0.99998154...: the terminal shows 0.99998, as the handout
    does (and as the README quotes), not 1, which would read as a loss of 0."""
    from tracer.cli import main
    assert main(["trace", "--example", "lecture", *options]) == 0
    out = capsys.readouterr().out
    shown = out[out.index("softmax1.out  (2)\n"):].splitlines()[1]
    assert shown.startswith("  [0.99998  1.8") and "e-5]" in shown, shown


def test_the_readmes_lecture_numbers_are_what_trace_prints(capsys):
    from tracer.cli import main
    assert main(["trace", "--example", "lecture"]) == 0
    out = capsys.readouterr().out
    for quoted in ("softmax1.out  (2)\n  [0.99998  1.846e-5]", "loss.out  (scalar)\n  1.846e-5",
                   "dense1.grad_weight  (1x2)\n  [-0.0002030   0.0002030]",
                   "dense1.weight_new  (1x2)\n  [ 0.50002030  -0.50002030]"):
        assert quoted in out, quoted


def test_only_the_output_layers_probabilities_get_more_digits(tmp_path, capsys):
    """A hidden sigmoid's 0.999994 prints as 1.000 (as in the handout: it is no
    probability, and it is 1 to 4 digits); the sigmoid output's 0.999998 does not."""
    from tracer.cli import main
    spec = tmp_path / "sig.toml"
    spec.write_text('inputs = [[12.0, 1.0], [0.5, 13.0]]\ntargets = [[1, 0], [0, 1]]\n'
                    '[[layers]]\ntype = "sigmoid"\n[[layers]]\ntype = "dense"\n'
                    'weight = [[1, 0], [0, 1]]\nbias = [12, 0]\n'
                    '[[layers]]\ntype = "sigmoid"\n')
    assert main(["trace", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "sigmoid1.out  (2x2)\n  [ 1.000  0.7311]\n" in out
    assert "sigmoid2.out  (2x2)\n  [0.999998    0.6750]\n  [0.999997    0.7311]\n" in out


def test_a_change_no_digit_can_show_leaves_the_value_as_it_was(tmp_path, capsys):
    """With the dense weights at 1.6 the softmax saturates: K[0,0] moves by 2.7e-16, which
    15 digits cannot show. Trailing zeros made it 1.00000000000000 (Δ = +2.220e-16) in
    the handout, 1.60000000000000 in the listing and a 15-digit Moodle question."""
    from pathlib import Path

    from tracer.cli import main
    from tracer.present.handout import build_document
    from tracer.render.moodle import moodle_xml
    from tracer.render.tex import render_tex
    from tracer.spec import load_spec
    text = (Path(__file__).parents[1] / "examples" / "lecture.toml").read_text()
    assert "[[0.5, -0.5]]" in text
    spec = tmp_path / "saturated.toml"
    spec.write_text(text.replace("[[0.5, -0.5]]", "[[1.6, -1.6]]"))
    assert main(["trace", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "dense1.weight_new  (1x2)\n  [ 1.6  -1.6]" in out and "0000000" not in out
    trace = run_pass(load_spec(spec))
    tex = render_tex(build_document(trace))
    assert r"K_{0,0}^{\text{new}} = 1 - 0.1 \cdot (-5.477 \times 10^{-15}) = 1 \\" in tex
    assert "0000000" not in tex
    xml = moodle_xml(trace, "update", feedback="none")
    assert "to 4 significant digits" in xml and "to 15 significant digits" not in xml


def test_the_readmes_python_example_gives_what_its_comments_say(tmp_path, monkeypatch):
    """Each line of the README's notebook example runs (in a folder of its own: it writes
    files), and each that ends in a quoted result ('...') gives exactly that (it had gone
    stale: '-1.84578933e-5' for '-1.845789330e-5')."""
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### From Python\n", 1)[1].split("```python\n", 1)[1].split("```")[0]
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    checked = 0
    for line in block.splitlines():
        code, _, comment = line.partition("  # ")
        exec(code, scope)  # noqa: S102 - the README's own example
        quoted = re.fullmatch(r"'(.*)'", comment.strip())
        if quoted:
            assert eval(code, scope) == quoted[1], line  # noqa: S307
            checked += 1
    assert checked >= 2


def test_the_listing_in_korean(capsys):
    """`trace --lang ko`: the example's title, the headings (underlined to their width on a
    terminal, where Hangul takes two columns) and the messages are Korean; ids stay."""
    from tracer.cli import main
    assert main(["trace", "--example", "lecture", "--lang", "ko"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("4x4 입력") and "(부동소수점 산술, 학습률 0.1)" in lines[0]
    assert lines[1].startswith("약속: convolution=cross-correlation")
    for heading in ("순전파", "역전파", "SGD 업데이트", "업데이트 후"):
        i = lines.index(heading)
        assert lines[i + 1] == "-" * (len(heading) + sum(c > "\u1100" for c in heading))
    assert "loss.after  (스칼라)" in out and "conv1.out  (1x2x2)" in out
    assert "Forward pass" not in out
    assert main(["trace", "no-such.yaml", "--lang", "ko"]) == 2
    assert "파일이 없습니다" in capsys.readouterr().err


@pytest.mark.parametrize("rate, eta, cell, shown", [
    ("8.165e-11", "8.165×10⁻¹¹", "dense1.bias_new", "[0.100000000000002  0.199999999999998]"),
    ("4.147e-7", "4.147×10⁻⁷", "dense1.bias_new", "[0.100000000007654  0.199999999992346]")])
def test_the_listing_prints_an_update_as_the_worked_example_does(rate, eta, cell, shown):
    """The listing took new - old in floats and the float's 15 digits (0.199999999999999,
    0.100000000007655) where the handout works old + change in decimals; and a learning
    rate with an exponent reads 8.165e-11 (Python's Decimal writes 8.165E-11)."""
    import tomllib
    from decimal import Decimal

    from tracer import from_dict
    from tracer.present.handout import build_document
    from tracer.render.text import render_text as handout
    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["learning_rate"] = Decimal(rate)
    trace = run_pass(from_dict(data, "small steps"))
    text = render_text(trace)
    assert f"{cell}  (2)\n  {shown}\n" in text
    assert f"learning rate {rate})" in text.splitlines()[0]
    worked = handout(build_document(trace), "en", "worked", frozenset())
    for value in shown.strip("[]").split():
        assert f"= {value} (Δ =" in worked
    assert f"η = {eta}" in worked


@pytest.mark.parametrize("mode, rate, cell, shown", [
    ("float", "1e-300", "dense1.weight_new", "[0.1235    -0.5]"),
    ("exact", "1e-17", "dense1.weight_new", "[ 0.1235  -0.5000]")])  # not -0.5 exactly
def test_a_step_too_small_to_change_the_float_value_lists_it_as_it_is(mode, rate, cell,
                                                                       shown):
    """The handout prints such a value as it is; the listing printed 0.123456789 (and in
    exact mode 0.1234567890000000000000...)."""
    import tomllib
    from decimal import Decimal

    from tracer import from_dict
    from tracer.spec import EXAMPLES_DIR
    data = tomllib.loads((EXAMPLES_DIR / "lecture.toml").read_text())
    data["learning_rate"] = Decimal(rate)
    data["layers"][-2]["weight"] = [[Decimal("0.123456789"), Decimal("-0.5")]]
    text = render_text(run_pass(from_dict(data, "tiny steps"), mode))
    assert f"{cell}  (1x2)\n  {shown}\n" in text


def test_a_learning_rate_given_as_a_float_lists_as_it_reads():
    from tracer.numeric import spec_number
    assert spec_number(0.1) == "0.1" and spec_number("1E+2") == "1e2"
