"""An answer file that cannot be read is left out of the class view, and the class view
says so: the terminal table and the HTML page (English and Korean) name each such file
and why; the exit code stays 2 and the error line stays on stderr."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tracer.cli import main

GOOD = "conv1.out: [[5, 7], [11, 10]]\n"
BROKEN = "conv1.out: [[5, 7], [11, 10\nloss.out: 1\n"


@pytest.fixture
def sheets(tmp_path):
    """Three readable sheets and two that cannot be read (broken YAML, an empty file)."""
    paths = []
    for name, content in (("a.yaml", GOOD), ("b.yaml", GOOD), ("broken.yaml", BROKEN),
                          ("c.yaml", GOOD), ("empty.yaml", "")):
        path = tmp_path / name
        path.write_text(content)
        paths.append(str(path))
    return paths


def _words(html: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _class_view(sheets, tmp_path, capsys, *lang):
    target = tmp_path / "class.html"
    code = main(["check", "--example", "lecture", *sheets, "--html", str(target), *lang])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, _words(target.read_text())


def test_the_html_class_view_names_each_unread_file_and_why(sheets, tmp_path, capsys):
    code, _, err, words = _class_view(sheets, tmp_path, capsys)
    assert code == 2 and err.count("\n") == 2
    assert "3 answer sheets. The bars show" in words
    assert "2 files that could not be marked are not counted (listed below)." in words
    assert "Not in the class view: these files could not be marked. File Why" in words
    assert f"{sheets[2]} not valid YAML: line 2, column 9: did not find expected ',' or ']' " \
        "(while parsing a flow sequence)" in words
    assert f"{sheets[4]} the file is empty" in words


def test_one_unread_file_is_counted_in_the_singular(sheets, tmp_path, capsys):
    _, _, _, words = _class_view(sheets[:4], tmp_path, capsys)
    assert "1 file that could not be marked is not counted (listed below)." in words
    _, _, _, words = _class_view(sheets[:1] + sheets[2:3], tmp_path, capsys)
    assert "1 answer sheet. The bars show" in words  # not '1 answer sheets'
    assert "1 file that could not be marked is not counted" in words


def test_the_korean_class_view_names_them_too(sheets, tmp_path, capsys):
    code, out, _, words = _class_view(sheets, tmp_path, capsys, "--lang", "ko")
    assert code == 2
    assert "답안지 3 장." in words
    assert "채점하지 못한 파일 2 개는 세지 않았습니다 (아래 목록)." in words
    assert "채점하지 못해 반 전체 통계에서 뺀 파일: 파일 이유" in words
    assert sheets[2] in words and sheets[4] in words
    assert "채점하지 못해 반 전체 통계에서 뺀 파일 2개:" in out


def test_the_terminal_class_table_lists_them_under_it(sheets, capsys):
    assert main(["check", "--example", "lecture", *sheets]) == 2
    captured = capsys.readouterr()
    table = captured.out[captured.out.index("class view: 3 sheets"):]
    assert "not in the class view (2 files could not be marked):\n" \
           f"  {sheets[2]}: not valid YAML: line 2, column 9: did not find" in table
    assert f"  {sheets[4]}: the file is empty" in table
    assert captured.err.startswith(f"cnntrace: error: {sheets[2]}: not valid YAML")


def test_a_class_with_every_file_read_has_no_such_part(sheets, tmp_path, capsys):
    code, out, err, words = _class_view([sheets[0], sheets[1]], tmp_path, capsys)
    assert code == 0 and err == ""
    assert "2 answer sheets. The bars show" in words and "could not be marked" not in words
    assert "could not be marked" not in out


def test_the_json_still_lists_them(sheets, tmp_path, capsys):
    target = tmp_path / "class.json"
    assert main(["check", "--example", "lecture", *sheets, "--json", str(target), "-q"]) == 2
    capsys.readouterr()
    unusable = json.loads(target.read_text())["unusable"]
    assert [item["file"] for item in unusable] == [sheets[2], sheets[4]]
