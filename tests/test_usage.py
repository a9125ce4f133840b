"""Usage errors (argparse's and the argument types') in the command line's language."""

import re

import pytest

from tracer.cli import main
from tracer.render.assets import messages, plain
from tracer.usage import language, said


def error_line(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.rstrip("\n")


KOREAN = [
    (["render", "--example", "lecture", "--digits", "x"],
     "cnntrace render: 오류: --digits: 정수가 필요한데 'x'입니다 (cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--digits", "0"],
     "cnntrace render: 오류: --digits: 유효숫자는 1에서 50까지인데 0입니다 "
     "(cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--digits"],
     "cnntrace render: 오류: --digits: 값이 하나 필요합니다 (cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--mode", "bogus"],
     "cnntrace render: 오류: --mode: 'bogus'은(는) 고를 수 있는 값이 아닙니다('worked', "
     "'worksheet', 'key' 중 하나) (cnntrace render --help 참고)"),
    (["rendr"],
     "cnntrace: 오류: COMMAND: 'rendr'은(는) 고를 수 있는 값이 아닙니다('trace', 'render', "
     "'demo', 'explain', 'check', 'train', 'sheet', 'generate', 'batch', 'export' 중 하나) "
     "(혹시 'render'?) (cnntrace --help 참고)"),
    (["render", "--example", "lecture", "--bogus"],
     "cnntrace render: 오류: 알 수 없는 인수: --bogus (cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--formt=html"],
     "cnntrace render: 오류: 알 수 없는 인수: --formt=html (혹시 '--format'?) "
     "(cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--seed", "-1"],
     "cnntrace render: 오류: --seed: 시드는 0 이상이어야 하는데 -1입니다 "
     "(cnntrace render --help 참고)"),
    (["render", "--example", "lecture", "--ex", "x"],
     "cnntrace render: 오류: --ex은(는) 여러 옵션과 맞습니다: --example, --exact "
     "(cnntrace render --help 참고)"),
    (["check", "--example", "lecture", "a.yaml", "--rtol", "-1"],
     "cnntrace check: 오류: --rtol: 수는 0 이상이어야 하는데 '-1'입니다 "
     "(cnntrace check --help 참고)"),
    (["train", "--preset", "digits-cnn", "--lr", "0"],
     "cnntrace train: 오류: --lr: 학습률은 양수여야 하는데 0입니다 (cnntrace train --help 참고)"),
    (["explain", "conv", "--input", "[[1]]", "--kernel", "[[1]]", "--digits", "x"],
     "cnntrace explain conv: 오류: --digits: 정수가 필요한데 'x'입니다 "
     "(cnntrace explain conv --help 참고)"),
    (["explain", "conv", "--input", "1"],
     "cnntrace explain conv: 오류: 다음 인수가 필요합니다: --kernel "
     "(cnntrace explain conv --help 참고)"),
    (["render", "--example", "lecture", "--mode", "a (choose from b)"],
     "cnntrace render: 오류: --mode: 'a (choose from b)'은(는) 고를 수 있는 값이 아닙니다"
     "('worked', 'worksheet', 'key' 중 하나) (cnntrace render --help 참고)"),
    (["generate", "--kernel", "x value: y"],
     "cnntrace generate: 오류: --kernel: 'x value: y'은(는) 올바른 값이 아닙니다 "
     "(cnntrace generate --help 참고)"),
    (["train", "--preset", "digits-cnn", "--epochs", "0"],
     "cnntrace train: 오류: --epochs: 정수는 1 이상이어야 하는데 0입니다 "
     "(cnntrace train --help 참고)"),
]


@pytest.mark.parametrize("argv, line", KOREAN, ids=[" ".join(a) for a, _ in KOREAN])
def test_usage_errors_are_said_in_korean(argv, line, capsys):
    assert error_line(argv + ["--lang", "ko"], capsys) == line


def test_an_unknown_option_is_said_by_its_command_with_the_closest_one(capsys):
    """It was 'cnntrace: error: unrecognized arguments: --formt html (see cnntrace --help)':
    the top-level help, no hint."""
    assert error_line(["render", "--example", "lecture", "--formt=html"], capsys) == (
        "cnntrace render: error: unrecognized arguments: --formt=html (did you mean "
        "'--format'?) (see cnntrace render --help)")
    assert error_line(["explain", "relu", "--input", "[[1]]", "--formt", "x"], capsys) == (
        "cnntrace explain relu: error: unrecognized arguments: --formt x (did you mean "
        "'--format'?) (see cnntrace explain relu --help)")
    assert error_line(["check", "--example", "lecture", "--zzzz"], capsys) == (
        "cnntrace check: error: unrecognized arguments: --zzzz (see cnntrace check --help)")
    assert error_line(["render", "--example", "lecture", "--output=x"], capsys).endswith(
        "--output=x (did you mean '--out'?) (see cnntrace render --help)")
    assert error_line(["sheet", "--example", "lecture", "--digits=4"], capsys) == (
        "cnntrace sheet: error: unrecognized arguments: --digits=4 (see cnntrace sheet "
        "--help)")  # not '(did you mean '--weights'?)


def test_english_usage_errors_are_argparses_words(capsys):
    assert error_line(["render", "--example", "lecture", "--digits", "x"], capsys) == (
        "cnntrace render: error: argument --digits: expected a whole number, got 'x' "
        "(see cnntrace render --help)")
    assert error_line(["rendr"], capsys).endswith(
        "'batch', 'export') (did you mean 'render'?) (see cnntrace --help)")
    assert error_line(["train", "--preset", "digits-cnn", "--epochs", "0"], capsys) == (
        "cnntrace train: error: argument --epochs: expected a whole number >= 1, got 0 "
        "(see cnntrace train --help)")


@pytest.mark.parametrize("rate", ["1e999999", "1e-999999"])
def test_a_learning_rate_float64_cannot_hold_is_a_usage_error(rate, capsys):
    """As a float64 the first is inf and the second 0, which trained nothing."""
    argv = ["train", "--preset", "digits-cnn", "--lr", rate, "-q"]
    assert error_line(argv, capsys) == (
        f"cnntrace train: error: argument --lr: expected a positive learning rate that "
        f"float64 can hold (about 5e-324 to 1.8e308), got {rate} (see cnntrace train --help)")
    assert error_line(argv + ["--lang", "ko"], capsys) == (
        f"cnntrace train: 오류: --lr: 학습률은 float64로 나타낼 수 있는 양수(약 5e-324에서 "
        f"1.8e308까지)여야 하는데 {rate}입니다 (cnntrace train --help 참고)")


def test_a_form_no_template_knows_stays_english():
    assert said("argument --x: something argparse may say one day", "ko") == (
        "--x: something argparse may say one day")
    assert said("a brand-new complaint", "ko") == "a brand-new complaint"


def test_every_usage_template_reads_back_its_own_english():
    """Each English template, filled in, is recognised as itself (no template shadows
    another), so its Korean is the one said."""
    for key, template in messages("en").items():
        if not key.startswith("usage.") or key in ("usage.argument", "usage.see") \
                or key.startswith("usage.noun."):
            continue
        fields = {name: f"<{name}>" for name in re.findall(r"{(\w+)}", template)}
        if "noun" in fields:
            fields["noun"] = messages("en")["usage.noun.whole"]
        english = template.format(**fields)
        korean = plain("ko", key, {**fields, "noun": messages("ko")["usage.noun.whole"]}
                       if "noun" in fields else fields)
        assert said(english, "ko") == korean, key


@pytest.mark.parametrize("argv, lang", [(["render", "--lang", "ko"], "ko"),
                                        (["render", "--lang=ko"], "ko"),
                                        (["render", "--lang"], "en"),
                                        (["render", "--lang", "en"], "en"),
                                        (["--example", "ko"], "en")])
def test_the_language_is_read_before_parsing(argv, lang):
    assert language(argv) == lang
