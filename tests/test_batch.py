"""Class batches: distinct variants, identical reruns, the variant id on every page,
an index, and one failing variant that does not lose the others."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml

from tracer import from_dict, load_spec, run_pass
from tracer.batch import Settings, plan, run_batch
from tracer.check import Checker
from tracer.check.answers import parse_answers
from tracer.cli import main
from tracer.generate import generate, options
from tracer.render.index import render_index


def read_index(folder):
    with open(folder / "index.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same 30-variant batch (HTML only) written twice."""
    runs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        assert main(["batch", "--count", "30", "--seed", "3", "--html", "--no-pdf",
                     "--out", str(out), "--quiet"]) == 0
        runs.append(out)
    return runs


def test_30_distinct_variants_with_keys_sheets_and_an_index(two_runs):
    out = two_runs[0]
    rows = read_index(out)
    assert [r["variant"] for r in rows] == [f"3-{n:02d}" for n in range(1, 31)]
    assert [int(r["seed"]) for r in rows] == list(range(30000, 30030))
    assert {r["status"] for r in rows} == {"ok"}
    numbers = set()
    for row in rows:
        for kind in ("worksheet_html", "key_html", "answers", "spec"):
            assert (out / row[kind]).is_file(), row[kind]
        spec = load_spec(out / row["spec"])
        numbers.add(repr((spec.inputs, spec.targets, spec.layers)))
        html = (out / row["worksheet_html"]).read_text(encoding="utf-8")
        assert f"Variant {row['variant']}" in html and 'class="blank"' in html
        key = (out / row["key_html"]).read_text(encoding="utf-8")
        assert f"Variant {row['variant']}" in key and 'class="answer"' in key
    assert len(numbers) == 30  # 30 different exercises
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr") == 31 and 'href="3-30.key.html"' in index
    manifest = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "cnntrace-batch" and len(manifest["variants"]) == 30


def test_same_seed_gives_identical_files_and_numbers(two_runs):
    first, second = two_runs
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 30 * 4 + 3
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    a = run_pass(load_spec(first / "3-17.spec.toml"))
    b = run_pass(load_spec(second / "3-17.spec.toml"))
    assert all((a.numbers(q) == b.numbers(q)).all() for q in a.ids())


def test_a_variants_answer_sheet_and_spec_check_to_100(two_runs):
    out = two_runs[0]
    spec = load_spec(out / "3-05.spec.toml")
    trace = run_pass(spec)
    sheet = yaml.safe_load((out / "3-05.answers.yaml").read_text(encoding="utf-8"))
    assert spec.variant == sheet["variant"] == "3-05"
    for key in [k for k in sheet if k not in ("student", "variant", "blanks", "fingerprint")]:
        sheet[key] = trace.numbers(key).reshape(
            __import__("numpy").shape(sheet[key])).tolist()
    marking = Checker(spec).check(parse_answers(yaml.safe_dump(sheet), "yaml"))
    assert marking.score == 100.0 and marking.out_of > 50


def test_a_sheet_made_again_from_a_variants_spec_names_the_variant(two_runs, capsys):
    spec = two_runs[0] / "3-05.spec.toml"
    assert main(["sheet", str(spec), "--blank", "forward"]) == 0
    sheet = capsys.readouterr().out
    assert '\nvariant: "3-05"\n' in sheet and "# Variant 3-05" in sheet
    cleared = sheet.replace('variant: "3-05"', "variant: null").replace('student: ""',
                                                                        "student: null")
    marking = Checker(load_spec(spec)).check(parse_answers(cleared, "yaml"))
    assert marking.counts["malformed"] == 0  # labels left blank are no answers


def test_a_sheet_checked_against_another_variants_spec_is_refused(two_runs, capsys):
    out = two_runs[0]
    assert main(["sheet", str(out / "3-05.spec.toml"), "--variant", "Group A"]) == 2
    assert "--variant: the spec is variant 3-05" in capsys.readouterr().err
    spaced = (out / "3-05.answers.yaml").read_text().replace('"3-05"', '" 3-05 "')
    assert Checker(load_spec(out / "3-05.spec.toml")).check(parse_answers(spaced, "yaml"))
    code = main(["check", str(out / "3-04.spec.toml"), str(out / "3-05.answers.yaml"), "-q"])
    assert code == 2
    assert ("3-05.answers.yaml: an answer sheet for variant 3-05, but the spec is variant "
            "3-04; check it against variant 3-05's spec") in capsys.readouterr().err
    assert main(["check", str(out / "3-05.spec.toml"), str(out / "3-05.answers.yaml"),
                 "-q"]) == 0


def test_variant_seeds_and_specs_follow_the_batch_seed():
    variants = plan(3, 2, options())
    assert [(v.id, v.seed) for v in variants] == [("2-01", 20000), ("2-02", 20001),
                                                  ("2-03", 20002)]
    assert variants[1].spec == {**generate(20001), "variant": "2-02"}


def test_variant_id_is_on_every_pdf_page(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    [variant] = run_batch(plan(1, 0, options()), Settings(str(tmp_path), blank="forward"),
                          jobs=1, progress=False)
    assert variant.error is None
    for kind in ("worksheet_pdf", "key_pdf"):
        pages = pypdf.PdfReader(io.BytesIO((tmp_path / variant.files[kind]).read_bytes())).pages
        assert len(pages) > 3
        missing = [i for i, page in enumerate(pages) if "Variant 0-01" not in page.extract_text()]
        assert not missing, (kind, missing)
        # page 1 names it in the header, not also in the corner
        assert pages[0].extract_text().count("Variant 0-01") == 1


def test_one_failing_variant_is_reported_and_the_others_are_kept(tmp_path, capsys):
    (tmp_path / "5-02.key.html").mkdir()  # variant 2 cannot write its key
    code = main(["batch", "--count", "3", "--seed", "5", "--html", "--no-pdf", "--jobs", "2",
                 "--out", str(tmp_path), "--force", "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "cnntrace: error: variant 5-02 (seed 50001):" in err and "is a folder" in err
    rows = {r["variant"]: r for r in read_index(tmp_path)}
    assert rows["5-02"]["status"] == "failed" and "is a folder" in rows["5-02"]["error"]
    for vid in ("5-01", "5-03"):
        assert rows[vid]["status"] == "ok"
        assert (tmp_path / rows[vid]["key_html"]).is_file()
    assert "failed" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_refuses_a_users_file_before_any_work_and_replaces_its_own(tmp_path, capsys):
    argv = ["batch", "--count", "2", "--html", "--no-pdf", "--out", str(tmp_path), "-q"]
    (tmp_path / "0-02.spec.toml").write_text("my notes\n")
    assert main(argv) == 2
    assert "0-02.spec.toml: already exists and was not written by cnntrace" in \
        capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0-02.spec.toml"]
    (tmp_path / "0-02.spec.toml").unlink()
    assert main(argv) == 0
    assert main(argv) == 0  # its own files (YAML, TOML and CSV too) are replaced


@pytest.mark.parametrize("name", ["0-01.answers.yaml", "0-02.spec.toml"])
def test_a_filled_answer_sheet_or_edited_spec_is_never_replaced_silently(tmp_path, capsys,
                                                                         name):
    """The student filled the sheet in (its cnntrace header kept), or the teacher edited
    the spec as its header invites: running the batch again refuses before any work."""
    argv = ["batch", "--count", "2", "--html", "--no-pdf", "--out", str(tmp_path), "-q"]
    assert main(argv) == 0
    edited = tmp_path / name
    edited.write_text(edited.read_text(encoding="utf-8").replace(": null", ": 7", 1)
                      + "# mine\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(argv) == 2
    assert f"{name}: was changed since cnntrace wrote it" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert main(argv + ["--force"]) == 0
    assert b"# mine" not in edited.read_bytes()
    assert main(argv) == 0  # unchanged since this run: its own again


def test_an_index_without_checksums_protects_its_sheets(tmp_path, capsys):
    """An index.json written before the sha256 were kept (or with them removed)."""
    argv = ["batch", "--count", "2", "--html", "--no-pdf", "--out", str(tmp_path), "-q"]
    assert main(argv) == 0
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert all(set(v["sha256"]) == {v["files"]["answers"], v["files"]["spec"]}
               for v in index["variants"])
    for v in index["variants"]:
        del v["sha256"]
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    assert main(argv) == 2
    assert "answers.yaml: already exists: cnntrace wrote it for you to fill in or edit" in \
        capsys.readouterr().err


def test_another_batch_in_the_folder_is_not_dropped_from_the_index(tmp_path, capsys):
    argv = ["batch", "--count", "2", "--html", "--no-pdf", "--out", str(tmp_path), "-q"]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(argv[:-1] + ["--seed", "1", "-q"]) == 2  # a second class, same folder
    err = capsys.readouterr().err
    assert "holds another cnntrace batch, or this one made with other formats" in err
    assert "e.g. 0-01." in err and "pass --force (which also replaces its answer sheets" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing lost
    assert main(argv[:-1] + ["--seed", "1", "--force", "-q"]) == 0
    assert {r["variant"] for r in read_index(tmp_path)} == {"1-01", "1-02"}


def test_a_link_among_the_outputs_is_refused_before_any_work(tmp_path, capsys):
    argv = ["batch", "--count", "2", "--html", "--no-pdf", "--out", str(tmp_path), "-q"]
    assert main(argv) == 0
    with open(tmp_path / "0-01.spec.toml", "a") as spec:  # still cnntrace's, now different
        spec.write("# edited\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere.csv"
    elsewhere.write_text("mine\n")
    (tmp_path / "index.csv").unlink()
    (tmp_path / "index.csv").symlink_to(elsewhere)
    assert main(argv + ["--force"]) == 2
    assert "index.csv: is a link, device or pipe, not a file" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if not p.is_symlink()} == \
        {name: data for name, data in before.items() if name != "index.csv"}  # untouched
    assert elsewhere.read_text() == "mine\n"


def test_a_korean_batch_writes_korean_answer_sheets_that_check_as_english_ones(tmp_path):
    assert main(["batch", "--count", "1", "--seed", "4", "--html", "--no-pdf", "--lang", "ko",
                 "--out", str(tmp_path), "-q"]) == 0
    sheet = tmp_path / "4-01.answers.yaml"
    text = sheet.read_text(encoding="utf-8")
    assert "# 채점" in text and "4-01.answers.yaml" in text and "Replace every null" not in text
    assert '\nblanks: "all"\n' in text
    spec = load_spec(str(tmp_path / "4-01.spec.toml"))
    marking = Checker(spec).check(parse_answers(text, "yaml"))
    assert marking.counts["missing"] == marking.out_of > 0  # every asked cell, still null


def test_index_html_escapes_text():
    rows = [{"variant": "1-01", "seed": 1, "status": "failed", "worksheet_pdf": "", "key_pdf": "",
             "worksheet_html": "", "key_html": "", "answers": "", "spec": "",
             "error": "<script>alert(1)</script>"}]
    html = render_index(rows, "<b>all</b>", "0")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;all" in html


def test_a_korean_batch_has_a_korean_index_and_titles(tmp_path):
    assert main(["batch", "--count", "1", "--lang", "ko", "--html", "--no-pdf", "--out",
                 str(tmp_path), "-q"]) == 0
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in index and "<h1>학급용 문제 세트: 변형 1개</h1>" in index
    assert "<th>연습지 HTML</th>" in index and "Variant" not in index and "variants" not in index
    title = "손으로 풀어 보는 한 번의 학습: 입력 4x4, 필터 3x3, 클래스 2개"
    assert f'title = "{title}"' in (tmp_path / "0-01.spec.toml").read_text(encoding="utf-8")
    assert title in (tmp_path / "0-01.worksheet.html").read_text(encoding="utf-8")
    english = render_index([], "all", "0")
    assert "<h1>Class batch: 0 variants</h1>" in english


def test_bad_options_are_one_line_errors(tmp_path, capsys):
    assert main(["batch", "--count", "2", "--out", str(tmp_path), "--input", "3x3"]) == 2
    assert main(["batch", "--count", "2", "--out", str(tmp_path), "--blank", "conv9.out"]) == 2
    assert main(["batch", "--count", "6000", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("cnntrace: error: ") for line in err)
    assert err[2] == "cnntrace: error: --count: expected 1 to 5000, got 6000"
    for count in ("0", "-1"):  # a usage error, as the other ranges of the command line
        with pytest.raises(SystemExit) as info:
            main(["batch", "--count", count, "--out", str(tmp_path)])
        assert info.value.code == 2
        assert f"--count: expected a whole number >= 1, got {count}" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
    assert from_dict(generate(0))  # the generator itself still works


def test_the_check_hint_names_the_variants_files_and_the_summary_every_index(
        tmp_path, capsys, monkeypatch):
    assert main(["batch", "--count", "1", "--seed", "4", "--html", "--no-pdf",
                 "--out", str(tmp_path)]) == 0
    index = ", ".join(f"{tmp_path}/{name}" for name in ("index.csv", "index.html", "index.json"))
    assert capsys.readouterr().out == (f"1 of 1 variants written to {tmp_path}; index: "
                                       f"{index}\nmark the filled answer sheets as one class: "
                                       f"cnntrace check {tmp_path} ANSWERS...\n")
    assert all((tmp_path / name).is_file() for name in ("index.csv", "index.html", "index.json"))
    sheet = (tmp_path / "4-01.answers.yaml").read_text(encoding="utf-8").splitlines()
    [hint] = [line for line in sheet if line.startswith("# Check it:")]
    assert hint == "# Check it: cnntrace check 4-01.spec.toml 4-01.answers.yaml"
    monkeypatch.chdir(tmp_path)
    assert main(hint.removeprefix("# Check it: cnntrace ").split()) == 0  # runs as written


def test_a_korean_batch_says_so_in_korean(tmp_path, capsys):
    """'3 of 3 variants written to ...' and the index's 'ok' were English under --lang ko."""
    assert main(["batch", "--count", "1", "--seed", "4", "--html", "--no-pdf", "--lang", "ko",
                 "--out", str(tmp_path), "--quiet"]) == 0
    assert main(["batch", "--count", "1", "--seed", "4", "--html", "--no-pdf", "--lang", "ko",
                 "--out", str(tmp_path / "again")]) == 0
    assert capsys.readouterr().out.startswith(f"변형 1개 중 1개를 {tmp_path / 'again'}에 썼습니다.")
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<td>완료</td>" in page and ">ok<" not in page


def test_a_korean_batchs_specs_have_korean_headers(tmp_path):
    """The specs a batch writes began with four lines of English under --lang ko."""
    assert main(["batch", "--count", "1", "--seed", "4", "--html", "--no-pdf", "--lang", "ko",
                 "--out", str(tmp_path), "--quiet"]) == 0
    head = (tmp_path / "4-01.spec.toml").read_text(encoding="utf-8").splitlines()[:4]
    assert head[0].startswith("# cnntrace 생성 (")
    assert head[0].endswith("): cnntrace generate --seed 40000 (학급 변형 4-01)")
    assert head[1].startswith("# 일반 명세 파일이니") and "Generated" not in "".join(head)


def test_no_pdf_without_html_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "class"
    assert main(["batch", "--count", "2", "--seed", "1", "--no-pdf", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnntrace: error: --no-pdf:") and "add --html" in err
    assert err.count("\n") == 1 and not out.exists()


def test_an_interrupted_batch_indexes_what_it_wrote_and_the_same_run_continues(tmp_path,
                                                                              monkeypatch):
    """Ctrl-C left 32 files and no index, and the same command then refused the answer
    sheets it had written. Ctrl-C is raised here as the third variant has written its
    files (before it returned): the index lists them, and the run again replaces them."""
    import tracer.batch as batch_module
    real = batch_module.render_variant

    def interrupted_at_the_third(variant, settings):
        done = real(variant, settings)
        if variant.number == 3:
            raise KeyboardInterrupt
        return done

    def interrupted_at_the_first(variant, settings):
        raise KeyboardInterrupt

    settings = Settings(out_dir=str(tmp_path), blank="forward", pdf=False, html=True)
    variants = plan(5, 11, options())
    monkeypatch.setattr(batch_module, "render_variant", interrupted_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        run_batch(variants, settings, jobs=1, progress=False)
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    status = [(v["status"], sorted(v["files"]), v["error"]) for v in index["variants"]]
    kinds = sorted(["answers", "spec", "worksheet_html", "key_html"])
    assert status[:2] == [("ok", kinds, None)] * 2
    assert status[2] == ("failed", kinds, "interrupted (Ctrl-C) before it was done")
    assert status[3:] == [("failed", [], "interrupted (Ctrl-C) before it was done")] * 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setattr(batch_module, "render_variant", real)
    again = run_batch(plan(5, 11, options()), settings, jobs=1, progress=False)
    assert [v.status for v in again] == ["ok"] * 5
    # stopped again, earlier: the files of the variants it did not reach were written by
    # the run before; the index keeps them, and the next run still needs no --force
    monkeypatch.setattr(batch_module, "render_variant", interrupted_at_the_first)
    with pytest.raises(KeyboardInterrupt):
        run_batch(plan(5, 11, options()), settings, jobs=1, progress=False)
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert all(sorted(v["files"]) == kinds for v in index["variants"])
    monkeypatch.setattr(batch_module, "render_variant", real)
    assert [v.status for v in run_batch(plan(5, 11, options()), settings, jobs=1,
                                        progress=False)] == ["ok"] * 5


def test_a_korean_batch_says_interrupted_in_korean_where_people_read_it(tmp_path,
                                                                        monkeypatch):
    """index.html of a Korean batch said 'interrupted (Ctrl-C) before it was done'; the
    JSON and CSV, for scripts, keep English."""
    import tracer.batch as batch_module

    def interrupted(variant, settings):
        raise KeyboardInterrupt
    monkeypatch.setattr(batch_module, "render_variant", interrupted)
    settings = Settings(out_dir=str(tmp_path), blank="forward", pdf=False, html=True,
                        lang="ko")
    with pytest.raises(KeyboardInterrupt):
        run_batch(plan(2, 11, options()), settings, jobs=1, progress=False)
    assert "끝나기 전에 중단됨 (Ctrl-C)" in (tmp_path / "index.html").read_text("utf-8")
    assert "interrupted (Ctrl-C) before it was done" in \
        (tmp_path / "index.json").read_text("utf-8")


def test_ctrl_c_at_a_terminal_lets_the_variants_being_rendered_finish(tmp_path):
    """Ctrl-C as a terminal sends it, to every process of the batch (the workers ignore
    it; the parent stops the queue): exit 130 without a traceback, an index listing each
    variant as done with all its files or interrupted before it started, no temp files,
    and the same command then runs without --force. (Which variants were running when
    Ctrl-C came is not observable here, so this does not show that they finish.)"""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "class"
    command = [sys.executable, "-m", "tracer", "batch", "--count", "6", "--seed", "5",
               "--blank", "forward", "--jobs", "2", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           start_new_session=True, text=True)
    while run.poll() is None and not (out.is_dir() and any(out.glob("*.pdf"))):
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=300)
    if run.returncode == 0:
        pytest.skip("the batch finished before Ctrl-C reached it")
    assert run.returncode == 130 and err.rstrip().endswith("cnntrace: interrupted")
    assert "Traceback" not in err
    variants = json.loads((out / "index.json").read_text(encoding="utf-8"))["variants"]
    done = [v for v in variants if v["status"] == "ok"]
    assert done and all(len(v["files"]) == 4 for v in done)
    assert all(v["error"].startswith("interrupted") and not v["files"]
               for v in variants if v not in done)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    again = subprocess.run(command + ["--quiet"], env=env, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr


def test_a_folder_no_file_can_be_made_in_is_refused_before_any_variant(capsys):
    """Each variant failed on its own, and then the index could not be written."""
    assert main(["batch", "--count", "2", "--html", "--no-pdf", "--out", "/proc/self"]) == 2
    assert capsys.readouterr().err == ("cnntrace: error: /proc/self: cannot write: No such "
                                       "file or directory\n")


def filled(out, variant, tmp_path, name, slip=False, drop=()):
    """The variant's answer sheet filled with the trace's numbers (conv1.out[0,0] one
    more with ``slip``; without the ``drop`` lines), written to tmp_path/name."""
    import numpy as np
    trace = run_pass(load_spec(out / f"{variant}.spec.toml"))
    sheet = yaml.safe_load((out / f"{variant}.answers.yaml").read_text(encoding="utf-8"))
    for key in [k for k in sheet if k not in ("student", "variant", "blanks", "fingerprint")]:
        sheet[key] = trace.numbers(key).reshape(np.shape(sheet[key])).tolist()
    if slip:
        sheet["conv1.out"][0][0] += 1
    sheet["student"] = name.split(".")[0]
    for key in drop:
        del sheet[key]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(sheet), encoding="utf-8")
    return path


def test_a_class_is_checked_folder_first_each_sheet_against_its_variant(two_runs, tmp_path,
                                                                        capsys):
    """`check FOLDER ANSWERS...`: the folder (or its index.json) `batch` wrote; each sheet
    is marked against its variant's spec (named by its variant line, else by its
    fingerprint), all in one class view."""
    out = two_runs[0]
    sheets = [filled(out, "3-02", tmp_path, "ana.yaml"),
              filled(out, "3-07", tmp_path, "ben.yaml", slip=True),
              filled(out, "3-11", tmp_path, "cho.yaml", drop=["variant"])]
    for spec in (out, out / "index.json"):
        report = tmp_path / f"class-{spec.name}.json"
        assert main(["check", str(spec), *map(str, sheets), "--json", str(report)]) == 0
        data = json.loads(report.read_text(encoding="utf-8"))
        assert [s["student"] for s in data["sheets"]] == ["ana", "ben", "cho"]
        assert [s["variant"] for s in data["sheets"]] == ["3-02", "3-07", "3-11"]
        assert [s["score"] for s in data["sheets"]][::2] == [100.0, 100.0]
        assert data["sheets"][1]["score"] < 100.0 and data["unusable"] == []
    printed = capsys.readouterr().out
    assert "class view: 3 sheets" in printed and "ben.yaml (ben)" in printed
    assert main(["check", str(out), str(sheets[0]), "-q"]) == 0  # one sheet: its marking


def test_a_class_names_the_sheets_it_cannot_place(two_runs, tmp_path, capsys):
    out = two_runs[0]
    right = filled(out, "3-02", tmp_path, "ana.yaml")
    other = tmp_path / "other.yaml"
    other.write_text(right.read_text().replace('variant: 3-02', 'variant: 9-99'))
    bare = filled(out, "3-03", tmp_path, "bare.yaml", drop=["variant", "fingerprint"])
    assert main(["check", str(out), str(right), str(other), str(bare), "-q"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"cnntrace: error: {other}: an answer sheet for variant 9-99, which the class in "
        f"{out} does not have (it has {', '.join(f'3-{n:02d}' for n in range(1, 31))})",
        f"cnntrace: error: {bare}: neither a variant line nor a fingerprint, so no variant "
        "of the class to mark it against; write its variant: line (the variant on the "
        "worksheet) or check it against its own spec"]
    assert main(["check", "--lang", "ko", str(out), str(other), "-q"]) == 2
    assert "변형 9-99의 답안지인데" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (lambda out, t: [str(t), "a.yaml"], "{t}: a folder without a class index (index.json); "
     "give a spec file, or the folder `cnntrace batch` wrote"),
    (lambda out, t: [str(out), str(out / "3-01.spec.toml")], "{out}/3-01.spec.toml: a spec "
     "(it has layers), not an answer file; give one spec, then the answer files: "
     "cnntrace check SPEC ANSWERS..."),
    (lambda out, t: [str(out / "3-01.spec.toml"), str(out / "index.json")],
     "{out}/index.json: the index of a class (cnntrace batch), not an answer file; give the "
     "class's folder first: cnntrace check FOLDER ANSWERS..."),
])
def test_what_is_not_a_class_or_an_answer_file_is_one_line(two_runs, tmp_path, capsys, args,
                                                            message):
    out = two_runs[0]
    report = tmp_path / "r.json"
    assert main(["check", *args(out, tmp_path), "--json", str(report)]) == 2
    assert capsys.readouterr().err == f"cnntrace: error: {message.format(out=out, t=tmp_path)}\n"
    assert not report.exists()


def test_a_sheet_given_twice_is_listed_and_the_others_are_marked(two_runs, tmp_path, capsys):
    """It counted twice in the class statistics; refusing it stopped the whole check."""
    out = two_runs[0]
    report = tmp_path / "r.json"
    sheets = [str(out / "3-01.answers.yaml"), str(out / "3-02.answers.yaml")]
    assert main(["check", str(out), *sheets, f"{out}/./3-01.answers.yaml", "--json",
                 str(report), "-q"]) == 2
    assert capsys.readouterr().err == (
        f"cnntrace: error: {out}/./3-01.answers.yaml: given twice (also as {out}/"
        "3-01.answers.yaml); give each answer file once\n")
    data = json.loads(report.read_text())
    assert [sheet["file"] for sheet in data["sheets"]] == sheets
    assert [item["file"] for item in data["unusable"]] == [f"{out}/./3-01.answers.yaml"]


def test_a_sheet_for_another_variant_is_refused_in_korean(two_runs, capsys):
    out = two_runs[0]
    assert main(["check", "--lang", "ko", str(out / "3-04.spec.toml"),
                 str(out / "3-05.answers.yaml"), "-q"]) == 2
    assert capsys.readouterr().err.endswith(
        "3-05.answers.yaml: 변형 3-05의 답안지인데 명세는 변형 3-04입니다. 변형 3-05의 명세로 "
        "채점하세요\n")


def test_a_class_with_a_spec_it_cannot_read_still_marks_the_other_sheets(two_runs, tmp_path,
                                                                         capsys):
    """A variant's spec missing from the folder stopped the whole class check; an index
    edited by hand into another shape gave a traceback."""
    import shutil
    out = tmp_path / "class"
    shutil.copytree(two_runs[0], out)
    (out / "3-03.spec.toml").unlink()
    ana = filled(two_runs[0], "3-02", tmp_path, "ana.yaml")
    cho = filled(two_runs[0], "3-03", tmp_path, "cho.yaml")
    report = tmp_path / "r.json"
    assert main(["check", str(out), str(ana), str(cho), "--json", str(report), "-q"]) == 2
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [s["student"] for s in data["sheets"]] == ["ana"]
    assert data["unusable"] == [{"file": str(cho), "error": (
        f"{cho}: not marked, as the spec of its variant 3-03 cannot be used: "
        f"{out}/3-03.spec.toml: no such file")}]
    capsys.readouterr()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    for broken in ([{"number": 1}], ["3-01"], [{"variant": "3-01", "files": "x"}]):
        (out / "index.json").write_text(json.dumps({**index, "variants": broken}))
        assert main(["check", str(out), str(ana), "-q"]) == 2
        assert capsys.readouterr().err == (f"cnntrace: error: {out}/index.json: not the index "
                                           "of a class (cnntrace batch writes it as "
                                           "index.json)\n")


def test_a_bare_sheet_in_a_class_of_one_variant_is_marked_against_it(tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["batch", "--count", "1", "--seed", "3", "--html", "--no-pdf", "--out",
                 str(out), "-q"]) == 0
    bare = filled(out, "3-01", tmp_path, "bare.yaml", drop=["variant", "fingerprint"])
    assert main(["check", str(out), str(bare)]) == 0
    assert "score: " in capsys.readouterr().out


def test_a_class_marks_around_any_variant_whose_spec_cannot_be_used(two_runs, tmp_path):
    """The first variant's spec missing stopped everything (it titles the class view); a
    sheet found by its fingerprint was blamed for an earlier variant's missing spec; a
    spec that reads but does not build stopped everything."""
    import shutil
    out = tmp_path / "class"
    shutil.copytree(two_runs[0], out)
    (out / "3-01.spec.toml").unlink()
    spec = out / "3-04.spec.toml"
    spec.write_text(re.sub(r"(?m)^target = \d+", "target = 9", spec.read_text()))
    sheets = [filled(two_runs[0], "3-02", tmp_path, "a2.yaml"),
              filled(two_runs[0], "3-03", tmp_path, "f3.yaml", drop=["variant"]),
              filled(two_runs[0], "3-04", tmp_path, "a4.yaml")]
    report = tmp_path / "r.json"
    assert main(["check", str(out), *map(str, sheets), "--json", str(report), "-q"]) == 2
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [(s["student"], s["variant"], s["score"]) for s in data["sheets"]] == [
        ("a2", "3-02", 100.0), ("f3", "3-03", 100.0)]
    [unusable] = data["unusable"]
    assert unusable["error"].startswith(f"{sheets[2]}: not marked, as the spec of its "
                                        f"variant 3-04 cannot be used: {spec}: target: class "
                                        "index 9 is out of range")


def test_the_class_index_names_the_variant_and_may_be_compact(two_runs, tmp_path):
    """A spec whose variant line was edited away still reports the index's variant; an
    index rewritten without spaces is still a class."""
    import shutil
    out = tmp_path / "class"
    shutil.copytree(two_runs[0], out)
    spec = out / "3-02.spec.toml"
    spec.write_text(re.sub(r"(?m)^variant = .*\n", "", spec.read_text()))
    index = out / "index.json"
    index.write_text(json.dumps(json.loads(index.read_text()), separators=(",", ":")))
    sheet = filled(two_runs[0], "3-02", tmp_path, "a2.yaml", drop=["variant"])
    report = tmp_path / "r.json"
    assert main(["check", str(index), str(sheet), "--json", str(report), "-q"]) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["variant"] == "3-02"


def test_a_batch_may_ask_the_loss_after_the_update(tmp_path):
    """--blank loss.after, as render, sheet and export take it, was refused: the blank was
    checked on a pass without the loss after the update."""
    assert main(["batch", "--count", "1", "--html", "--no-pdf", "--blank", "loss.after",
                 "--out", str(tmp_path), "-q"]) == 0
    sheet = next(tmp_path.rglob("*.yaml")).read_text()
    assert "loss.after: null" in sheet
