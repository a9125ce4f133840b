"""A worksheet's header says what its exercises cover and has a line for the name."""

from __future__ import annotations

import html
import re

import pytest

from tracer import load_example, run_pass
from tracer.report import render


def header(view: str, blank: str | None, lang: str = "en") -> str:
    """The text of the header (title to conventions) of the lecture's sheet."""
    page = render(run_pass(load_example("lecture")), ("html",), lang=lang, view=view,
                  blank=blank)["html"]
    head = page.split("<header>")[1].split("</header>")[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", head)).split())


@pytest.mark.parametrize("blank, covers", [
    ("forward", "Exercises on one forward pass Worksheet"),
    ("backward", "Exercises on one forward pass and backward pass Worksheet"),
    ("all", "Exercises on one forward pass, backward pass and SGD update Worksheet"),
])
def test_a_worksheet_says_what_its_exercises_cover(blank, covers):
    """A sheet cut after the loss was called 'A worked example of one forward pass,
    backward pass and SGD update'."""
    assert covers in header("worksheet", blank)
    assert covers.replace("Worksheet", "Answer key") in header("key", blank)


def test_the_worked_example_keeps_its_subtitle():
    assert "A worked example of one forward pass, backward pass and SGD update" in \
        header("worked", None)


def test_a_worksheet_has_a_line_for_the_name_and_the_key_does_not():
    assert "Name Date" in header("worksheet", "forward")
    assert "Name" not in header("key", "forward")
    assert "이름 날짜" in header("worksheet", "forward", "ko")
    assert "순전파 한 번을 계산하는 연습" in header("worksheet", "forward", "ko")


@pytest.mark.parametrize("args, said", [
    (["--mode", "worksheet", "--blank", "forward"], "cnntrace: laying out the worksheet ..."),
    (["--mode", "key", "--blank", "forward"], "cnntrace: laying out the answer key ..."),
    (["--lang", "ko"], "cnntrace: 풀이를 만드는 중 ..."),
])
def test_progress_names_the_sheet_in_the_language_asked(args, said, tmp_path, capsys):
    from tracer.cli import main
    assert main(["render", "--example", "lecture", "--format", "html", "--out",
                 str(tmp_path), *args]) == 0
    assert said in capsys.readouterr().err


@pytest.mark.parametrize("typo, meant", [("forwad", "forward"), ("updat", "update"),
                                         ("conv1.ot", "conv1.out")])
def test_a_misspelt_blank_gets_a_suggestion(typo, meant):
    """A misspelt id was answered 'did you mean', a misspelt step name was not."""
    from tracer.errors import CnnTraceError
    with pytest.raises(CnnTraceError, match=f"did you mean '{meant}'"):
        render(run_pass(load_example("lecture")), ("html",), view="worksheet", blank=typo)


def test_a_notebook_callers_progress_gets_words_not_keys():
    """report.render says its steps in the handout's language to any progress callback."""
    said = []
    render(run_pass(load_example("lecture")), ("html",), lang="ko", progress=said.append)
    assert said == ["풀이를 만드는 중"]


def test_an_empty_blank_is_refused_by_sheet(tmp_path, capsys):
    """sheet --blank '' wrote a sheet with no blanks, which check then scored 0/0 = 0 %."""
    from tracer.cli import main
    out = tmp_path / "answers.yaml"
    assert main(["sheet", "--example", "lecture", "--blank", "", "--out", str(out)]) == 2
    assert "--blank: expected ids" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("command", [
    ["render", "--example", "lecture"],
    ["explain", "relu", "--input", "[[1,-2],[3,4]]"],
])
def test_a_worksheet_run_names_answers_left_in_its_folder(command, tmp_path, capsys):
    """render said so; explain --mode worksheet did not (README: 'says so')."""
    from tracer.cli import main
    (tmp_path / "trace.json").write_text("{}", encoding="utf-8")
    assert main([*command, "--mode", "worksheet", "--format", "html", "--out", str(tmp_path),
                 *(["--blank", "forward"] if command[0] == "render" else [])]) == 0
    assert f"cnntrace: note: {tmp_path / 'trace.json'} holds the worksheet's answers" in \
        capsys.readouterr().err
    assert main([*command, "--mode", "worksheet", "--format", "html", "--out", str(tmp_path),
                 "--force", "--lang", "ko",
                 *(["--blank", "forward"] if command[0] == "render" else [])]) == 0
    assert "연습지의 답이 들어 있습니다" in capsys.readouterr().err


@pytest.mark.parametrize("blank", ["", ",", " , "])
@pytest.mark.parametrize("command", [
    ["batch", "--count", "1", "--no-pdf", "--html"],
    ["check", "--example", "lecture", "answers.yaml"],
    ["render", "--example", "lecture", "--mode", "worksheet"],
    ["render", "--example", "lecture", "--mode", "key"],
    ["explain", "conv", "--input", "[[1,2],[3,4]]", "--kernel", "[[1]]", "--mode", "worksheet"],
])
def test_an_empty_blank_is_refused(command, blank, tmp_path, monkeypatch, capsys):
    """batch wrote sheets with 'Blanks: none'; check scored 0/0 = 0.00 %; render and
    explain wrote a 'worksheet' with every answer in it."""
    from tracer.cli import main
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers.yaml").write_text("conv1.out: [[5, 7], [11, 10]]\n", encoding="utf-8")
    out = [] if command[0] == "check" else ["--out", "class"]
    assert main([*command, "--blank", blank, *out]) == 2
    assert "--blank: expected ids" in capsys.readouterr().err
    assert not (tmp_path / "class").exists()


def test_a_format_left_from_an_earlier_run_is_named(tmp_path, capsys):
    """--format html into a folder holding an earlier worksheet.pdf (other blanks): the
    PDF no longer matches the HTML, and the run says so (once, in --lang)."""
    from tracer.cli import main
    common = ["render", "--example", "lecture", "--mode", "worksheet", "--out", str(tmp_path)]
    assert main([*common, "--blank", "all", "--format", "html,tex"]) == 0
    assert "earlier run" not in capsys.readouterr().err
    assert main([*common, "--blank", "forward", "--format", "html", "--force"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "earlier run" in line]
    assert notes == [f"cnntrace: note: {tmp_path / 'worksheet.tex'} is from an earlier run and "
                     "may not match worksheet.html; this run did not write it (see --format)"]
    assert main([*common, "--blank", "forward", "--format", "html,tex", "--force",
                 "--lang", "ko"]) == 0
    assert "earlier run" not in capsys.readouterr().err
