"""What a worksheet run writes: the worksheet, never trace.json (it holds every value, the
answers among them, and a worksheet's folder is what a teacher hands out), and no
sentence pointing to trace.json; the worked example and the key keep it."""

from __future__ import annotations

import pytest

from tracer import run_pass
from tracer.cli import main
from tracer.presets import load_preset
from tracer.report import render


NOTE = {"en": "Large tensors are drawn as heatmaps", "ko": "히트맵으로"}


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_worksheet_run_writes_no_trace_json(tmp_path, capsys):
    base = ["render", "--example", "lecture", "--format", "html", "--blank", "forward"]
    code, _, err = run(base + ["--mode", "worksheet", "--out", tmp_path / "ws"], capsys)
    assert code == 0, err
    assert files(tmp_path / "ws") == ["worksheet.html"]
    assert "trace.json" not in err  # nothing beside it to warn of
    code, _, err = run(base + ["--mode", "key", "--out", tmp_path / "key"], capsys)
    assert code == 0, err
    assert files(tmp_path / "key") == ["key.html", "trace.json"]
    code, _, err = run(["render", "--example", "lecture", "--format", "html",
                        "--out", tmp_path / "worked"], capsys)
    assert code == 0, err
    assert files(tmp_path / "worked") == ["trace.json", "worked.html"]


def test_a_worksheet_beside_an_earlier_trace_json_says_so(tmp_path, capsys):
    run(["render", "--example", "lecture", "--format", "html", "--out", tmp_path], capsys)
    code, _, err = run(["render", "--example", "lecture", "--format", "html", "--out", tmp_path,
                        "--mode", "worksheet", "--blank", "forward"], capsys)
    assert code == 0, err
    # the worked example beside it gives the answers away as much as its trace.json
    assert err.count("holds the worksheet's answers; do not hand it out") == 2
    assert f"{tmp_path / 'trace.json'} holds" in err and f"{tmp_path / 'worked.html'} holds" in err


def test_a_key_written_beside_a_worksheet_says_so(tmp_path, capsys):
    """render --mode key into the worksheet's folder put trace.json (every value) beside
    worksheet.html without a word; the warning came only on the next worksheet run."""
    base = ["render", "--example", "lecture", "--format", "html", "--out", tmp_path,
            "--blank", "forward"]
    code, _, err = run(base + ["--mode", "key"], capsys)
    assert code == 0 and "note" not in err, err  # no worksheet there yet
    run(base + ["--mode", "worksheet", "--force"], capsys)
    code, _, err = run(base + ["--mode", "key", "--force"], capsys)
    assert code == 0
    assert err.endswith(f"cnntrace: note: the answers (and trace.json) are now in the folder "
                        f"of the worksheet {tmp_path / 'worksheet.html'}; hand out the "
                        "worksheet alone\n")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_worksheet_does_not_point_to_trace_json(lang):
    trace = run_pass(load_preset("digits-cnn"))  # long sums and heatmaps: the note is there
    worked = render(trace, ("html",), lang=lang)["html"]
    assert "trace.json" in worked
    for view in ("worksheet", "key"):
        out = render(trace, ("html", "tex"), lang=lang, view=view, blank="backward")
        for text in out.values():
            assert "trace.json" not in text, view
            assert NOTE[lang] in text, view  # the note on long sums and heatmaps is there
