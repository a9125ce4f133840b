"""Output that cannot be written: one line naming the file or option, nothing half done."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tracer.cli import main

UNWRITABLE = Path("/proc")  # a real folder where the system refuses new files


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code, err, *texts):
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("cnntrace: error: ") and "Traceback" not in err, err
    for text in texts:
        assert text in last, (text, last)


@pytest.mark.skipif(not UNWRITABLE.is_dir(), reason="needs Linux /proc")
def test_a_file_the_system_refuses_is_one_line(capsys):
    code, _, err = run(["trace", "--example", "lecture", "--json", "/proc/t.json", "-q"],
                       capsys)
    one_line_error(code, err, "/proc/t.json: cannot write")


@pytest.mark.skipif(not UNWRITABLE.is_dir(), reason="needs Linux /proc")
def test_a_folder_the_system_refuses_is_one_line(capsys):
    code, _, err = run(["render", "--example", "lecture", "--format", "html",
                        "--out", "/proc/cnntrace-out"], capsys)
    one_line_error(code, err, "--out: cannot create the folder /proc/cnntrace-out")


@pytest.mark.parametrize("command", [
    ["render", "--example", "lecture", "--format", "html"],
    ["demo", "--section", "4", "--format", "html"],
    ["explain", "conv", "--input", "[[1,2],[3,4]]", "--kernel", "[[1]]", "--format", "html"],
])
def test_out_inside_a_file_is_refused_before_any_work(tmp_path, capsys, command):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for out in (a_file, a_file / "sub"):
        code, _, err = run([*command, "--out", str(out)], capsys)
        one_line_error(code, err, f"--out: {a_file} is a file, expected a folder")
        assert "laying out" not in err  # refused before rendering
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_folder_where_a_file_goes_is_named_even_with_force(tmp_path, capsys):
    (tmp_path / "trace.json").mkdir()
    for force in ([], ["--force"]):
        code, _, err = run(["render", "--example", "lecture", "--format", "html",
                            "--out", str(tmp_path), *force], capsys)
        one_line_error(code, err, "trace.json: is a folder, expected a file name")
    assert [p.name for p in tmp_path.iterdir()] == ["trace.json"]  # no worked.html


@pytest.mark.parametrize("formats, message", [("docx", "unknown docx"), ("", "none given"),
                                              ("html,odt", "unknown odt")])
def test_unknown_or_no_format_is_refused_by_render_and_demo(tmp_path, capsys, formats,
                                                            message):
    for command in (["render", "--example", "lecture"], ["demo", "--section", "4"]):
        code, _, err = run([*command, "--format", formats, "--out", str(tmp_path / "o")],
                           capsys)
        one_line_error(code, err, f"--format: {message}; expected html, pdf and/or tex")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("option, value, message", [
    ("--seed", "-5", "expected a seed >= 0, got -5"),
    ("--max-cells", "-3", "expected a cell count >= 1, got -3"),
])
def test_negative_counts_are_usage_errors(capsys, option, value, message):
    command = ["render", "--example", "lecture", "--format", "html"] if option == "--max-cells" \
        else ["trace", "--preset", "digits-cnn", "-q"]
    with pytest.raises(SystemExit) as exit_info:
        main([*command, option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def cli(*args, stdout):
    return subprocess.run([sys.executable, "-m", "tracer", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_standard_output_is_one_line():
    with open("/dev/full", "w") as full:
        result = cli("sheet", "--example", "lecture", stdout=full)
    assert result.returncode == 2
    assert result.stderr == "cnntrace: error: No space left on device\n"


def test_a_reader_that_has_gone_is_no_traceback():
    # `cnntrace sheet ... | head`, once head has exited: every write fails (EPIPE)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = cli("sheet", "--example", "lecture", stdout=write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 1 and result.stderr == "", result.stderr


@pytest.mark.skipif(not Path("/dev/null").is_char_device(), reason="needs /dev/null")
def test_a_device_is_never_replaced_even_with_force(capsys):
    code, _, err = run(["trace", "--example", "lecture", "--json", "/dev/null", "--force",
                        "-q"], capsys)
    one_line_error(code, err, "/dev/null: is a link, device or pipe, not a file")
    assert Path("/dev/null").is_char_device()


def test_a_link_is_refused_not_replaced(tmp_path, capsys):
    target = tmp_path / "target.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, _, err = run(["trace", "--example", "lecture", "--json", str(link), "--force", "-q"],
                       capsys)
    one_line_error(code, err, f"{link}: is a link, device or pipe, not a file")
    assert link.is_symlink() and target.read_text() == "{}"


# ------------------------------------------------ --out FILE: sheet, export, generate
OUT_COMMANDS = {
    "sheet": ["sheet", "--example", "lecture", "--blank", "forward"],
    "export": ["export", "moodle", "--example", "lecture", "--blank", "forward"],
    "generate": ["generate", "--seed", "2"],
}
SUFFIX = {"sheet": ".yaml", "export": ".xml", "generate": ".toml"}  # what each writes
FAILING = {  # runs that fail after the arguments were read (the shell's `>` had emptied FILE)
    "sheet": ["sheet", "--example", "lecture", "--blank", "conv9.out"],
    "export": ["export", "moodle", "--preset", "lecture-cnn"],  # more than 500 cells
    "generate": ["generate", "--kernel-values", "0..0"],
}


@pytest.mark.parametrize("argv", [
    ["render", "--example", "lecture", "--out"], ["demo", "--out"],
    ["trace", "--example", "lecture", "--json"], ["check", "--example", "lecture", "--html"],
    ["sheet", "--example", "lecture", "--out"], ["train", "--preset", "digits-cnn", "--save"],
    ["trace", "--preset", "digits-cnn", "--weights"], ["batch", "--count", "1", "--out"],
])
def test_an_empty_file_or_folder_name_is_refused(tmp_path, capsys, monkeypatch, argv):
    """`render --out ''` wrote into the current folder and `trace --json ''` wrote nothing,
    both saying nothing."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as usage:  # argparse's usage error
        main([*argv, ""])
    out, err = capsys.readouterr()
    assert usage.value.code == 2 and out == "" and list(tmp_path.iterdir()) == [], err
    assert f"error: argument {argv[-1]}: expected a file or folder name, got an empty one" \
        in err


@pytest.mark.parametrize("argv", [["trace", "--example", "lecture"],
                                  ["render", "--example", "lecture", "--format", "html"],
                                  ["explain", "relu", "--input", "[[1, -2]]"],
                                  ["export", "moodle", "--example", "lecture", "--blank",
                                   "conv1.out"], ["batch", "--count", "1"]])
def test_float_digits_stop_at_15_and_exact_ones_do_not(tmp_path, capsys, monkeypatch, argv):
    """--digits 30 printed float noise (270.42640742615254 for 270.42640742615262...) and
    a handout footer claiming 30 digits."""
    monkeypatch.chdir(tmp_path)
    out = ["--out", "o"] if argv[0] in ("render", "explain", "batch") else []
    code, _, err = run([*argv, *out, "--digits", "16"], capsys)
    exact = ", or --exact for more" if argv[0] != "batch" else ""  # batch has no --exact
    one_line_error(code, err, "--digits 16: float arithmetic is good to 15 significant "
                              f"digits; expected --digits 15 or fewer{exact}")
    assert err.rstrip().endswith("fewer" + exact)
    assert list(tmp_path.iterdir()) == []
    if argv[0] == "trace":
        code, printed, err = run([*argv, "--digits", "30", "--exact"], capsys)
        assert code == 0 and "1.84580636446756937275177963542e-5" in printed, err


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_writes_what_standard_output_would_show(tmp_path, capsys, command):
    path = tmp_path / f"out{SUFFIX[command]}"
    code, out, err = run([*OUT_COMMANDS[command], "--out", str(path)], capsys)
    assert code == 0 and out == f"{path}\n", err
    _, printed, _ = run(OUT_COMMANDS[command], capsys)
    written = path.read_text(encoding="utf-8")
    if command == "sheet":  # its `cnntrace check` line names the file it is in
        printed = printed.replace(" answers.yaml\n", f" {path}\n")
    assert written == printed and written
    assert not [p for p in tmp_path.iterdir() if p != path]  # no temp file left


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_out_refuses_an_existing_file_without_force(tmp_path, capsys, command):
    path = tmp_path / f"answers{SUFFIX[command]}"
    path.write_text("conv1.out: [[5, 7], [11, 10]]  # a student's work\n")
    before = path.read_bytes()
    code, out, err = run([*OUT_COMMANDS[command], "--out", str(path)], capsys)
    one_line_error(code, err, f"{path}: already exists and was not written by cnntrace; "
                              "choose another name or pass --force")
    assert out == "" and path.read_bytes() == before
    code, _, err = run([*OUT_COMMANDS[command], "--out", str(path), "--force"], capsys)
    assert code == 0 and path.read_bytes() != before, err


@pytest.mark.parametrize("command", OUT_COMMANDS)
@pytest.mark.parametrize("name", ["out.json", "out.csv", "out", "out.txt"])
def test_out_refuses_a_name_its_format_would_not_read_back_as(tmp_path, capsys, command, name):
    """A sheet.json of YAML failed its own 'Check it' line, a sheet.csv was marked 0 %, and
    a generated g.yaml of TOML would not render."""
    path = tmp_path / name
    code, out, err = run([*OUT_COMMANDS[command], "--out", str(path)], capsys)
    fmt = {"sheet": "YAML; expected a name ending in .yaml or .yml",
           "export": "Moodle XML; expected a name ending in .xml",
           "generate": "TOML; expected a name ending in .toml"}[command]
    one_line_error(code, err, f"{path}: this file is {fmt}")
    assert out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", OUT_COMMANDS)
def test_a_failing_run_with_out_leaves_no_file(tmp_path, capsys, command):
    path = tmp_path / f"big{SUFFIX[command]}"
    code, out, err = run([*FAILING[command], "--out", str(path)], capsys)
    one_line_error(code, err)
    assert out == "" and list(tmp_path.iterdir()) == []


def test_out_into_a_missing_folder_is_one_line(tmp_path, capsys):
    path = tmp_path / "no" / "answers.yaml"
    code, _, err = run([*OUT_COMMANDS["sheet"], "--out", str(path)], capsys)
    one_line_error(code, err, f"{path}: folder {path.parent} does not exist")


def test_a_quiz_is_replaced_but_a_sheet_or_spec_is_kept_and_says_why(tmp_path, capsys):
    """export's XML carries cnntrace's mark (it is cnntrace's own file); a sheet or a
    generated spec is for a person to fill in or edit, so it is refused, saying so."""
    from tracer.cli import main
    quiz, sheet, spec = tmp_path / "q.xml", tmp_path / "a.yaml", tmp_path / "g.toml"
    commands = {quiz: ["export", "moodle", "--example", "lecture", "--blank", "conv1.out"],
                sheet: ["sheet", "--example", "lecture", "--blank", "conv1.out"],
                spec: ["generate", "--seed", "3"]}
    for path, argv in commands.items():
        assert main(argv + ["--out", str(path)]) == 0
    capsys.readouterr()
    assert main(commands[quiz] + ["--out", str(quiz)]) == 0
    for path in (sheet, spec):
        before = path.read_bytes()
        assert main(commands[path] + ["--out", str(path)]) == 2
        assert f"{path}: already exists: cnntrace wrote it for you to fill in or edit" in \
            capsys.readouterr().err
        assert path.read_bytes() == before


def test_a_sheet_quoting_a_generated_mark_is_still_kept(tmp_path, capsys):
    """A spec titled '... % Generated by cnntrace' put that mark into its sheet's comments:
    the sheet read as cnntrace's own file, and a second `sheet --out` replaced it."""
    from tracer.spec import EXAMPLES_DIR
    spec, sheet = tmp_path / "q3.toml", tmp_path / "filled.yaml"
    spec.write_text((EXAMPLES_DIR / "lecture.toml").read_text(encoding="utf-8").replace(
        'title = "', 'title = "Quiz 3 (% Generated by cnntrace) ', 1), encoding="utf-8")
    assert main(["sheet", str(spec), "--blank", "forward", "--out", str(sheet)]) == 0
    assert "% Generated by cnntrace" in sheet.read_text(encoding="utf-8")
    filled = sheet.read_text(encoding="utf-8").replace("conv1.out: null", "conv1.out: 5")
    sheet.write_text(filled, encoding="utf-8")
    capsys.readouterr()
    code, _, err = run(["sheet", str(spec), "--blank", "backward", "--out", str(sheet)], capsys)
    one_line_error(code, err, f"{sheet}: already exists: cnntrace wrote it for you to fill in")
    assert sheet.read_text(encoding="utf-8") == filled


def test_a_handout_quoting_an_editable_mark_is_still_cnntraces_own(tmp_path, capsys):
    """The mirror case: a title with '# Generated by cnntrace' (a spec's own mark) in a
    worked.html or trace.json made them read as a person's file, refused on a re-run."""
    from tracer.spec import EXAMPLES_DIR
    spec = tmp_path / "t3.toml"
    spec.write_text((EXAMPLES_DIR / "lecture.toml").read_text(encoding="utf-8").replace(
        'title = "', 'title = "Week 3 # Generated by cnntrace: ', 1), encoding="utf-8")
    for _ in range(2):
        assert main(["render", str(spec), "--format", "html,tex", "--out", str(tmp_path / "r"),
                     "-q"]) == 0
        assert main(["trace", str(spec), "--json", str(tmp_path / "t.json")]) == 0
    assert "# Generated by cnntrace: " in (tmp_path / "r" / "worked.html").read_text("utf-8")


def test_no_output_replaces_a_file_the_command_reads_even_with_force(tmp_path, capsys):
    """`check a.yaml --html a.yaml --force` put the report over the answers it marked, and
    `trace s.toml --json s.toml --force` the trace over its spec (a link to it too)."""
    from tracer.spec import EXAMPLES_DIR
    spec, sheet, link = tmp_path / "s.toml", tmp_path / "a.yaml", tmp_path / "link.yaml"
    spec.write_bytes((EXAMPLES_DIR / "lecture.toml").read_bytes())
    assert main(["sheet", str(spec), "--blank", "conv1.out", "--out", str(sheet)]) == 0
    link.symlink_to(sheet)
    before = {path: path.read_bytes() for path in (spec, sheet)}
    capsys.readouterr()
    for argv, target in ((["check", str(spec), str(sheet), "--html"], sheet),
                         (["check", str(spec), str(link), "--json"], sheet),
                         (["trace", str(spec), "--json"], spec)):
        code, _, err = run([*argv, str(target), "--force"], capsys)
        one_line_error(code, err, f"{target}: is a file this command reads")
    assert {path: path.read_bytes() for path in (spec, sheet)} == before
    assert main(["trace", str(spec), "--json", str(tmp_path / "t.json")]) == 0  # elsewhere
    digits = tmp_path / "d8.npz"  # training data, named as --save: refused before training
    from sklearn.datasets import load_digits
    images, labels = load_digits(return_X_y=True)
    np.savez(digits, x_train=images[:40].reshape(-1, 8, 8), y_train=labels[:40],
             x_test=images[40:50].reshape(-1, 8, 8), y_test=labels[40:50])
    code, out, err = run(["train", "--preset", "digits-cnn", "--data", str(digits), "--save",
                          str(digits), "--force"], capsys)
    one_line_error(code, err, f"{digits}: is a file this command reads")
    assert "epoch" not in out
    weights = tmp_path / "w.npz"  # trained weights a trace reads, as --json
    assert main(["train", "--preset", "digits-cnn", "--epochs", "1", "--limit", "64",
                 "--test-limit", "16", "--save", str(weights), "-q"]) == 0
    kept = weights.read_bytes()
    capsys.readouterr()
    code, _, err = run(["trace", "--weights", str(weights), "--json", str(weights), "--force"],
                       capsys)
    one_line_error(code, err, f"{weights}: is a file this command reads")
    assert weights.read_bytes() == kept


def test_file_names_and_keys_that_are_not_utf8_print_and_write(tmp_path, capsys):
    """A Latin-1 'Müller.yaml' (lone surrogates once decoded) crashed check's reports and
    the sheet's 'Check it' line, and a key "\\ud800" the terminal table."""
    from tracer.spec import EXAMPLES_DIR
    spec = tmp_path / "s.toml"
    spec.write_bytes((EXAMPLES_DIR / "lecture.toml").read_bytes())
    muller = tmp_path / os.fsdecode(b"M\xfcller.yaml")
    assert main(["sheet", str(spec), "--blank", "conv1.out", "--out", str(muller)]) == 0
    hint = next(line for line in muller.read_text(encoding="utf-8").splitlines()
                if line.startswith("# Check it: cnntrace "))
    assert hint.endswith("M\\xfcller.yaml'")  # bash's $'...': the file's own bytes
    named = subprocess.run(["bash", "-c", "printf '%s' " + hint.split()[-1]],
                           capture_output=True, check=True).stdout
    assert named == os.fsencode(str(muller))
    capsys.readouterr()
    code, _, err = run(["check", str(spec), str(muller), "--html", str(tmp_path / "c.html"),
                        "--json", str(tmp_path / "c.json")], capsys)
    assert code == 0, err
    assert "M\\udcfcller.yaml" in (tmp_path / "c.html").read_text(encoding="utf-8")
    odd = tmp_path / "odd.json"
    odd.write_text('{"\\ud800": 3}', encoding="utf-8")
    code, out, err = run(["check", str(spec), str(odd)], capsys)
    assert code == 0 and "\\ud800: not a quantity id" in out, err


def test_the_sheets_check_hint_runs_as_written_with_spaces_in_names(tmp_path, capsys):
    import shlex
    import shutil

    from tracer.cli import main
    from tracer.spec import EXAMPLES_DIR
    spec, sheet = tmp_path / "my spec.toml", tmp_path / "my answers.yaml"
    shutil.copy(EXAMPLES_DIR / "lecture.toml", spec)
    assert main(["sheet", str(spec), "--blank", "conv1.out", "--out", str(sheet)]) == 0
    hint = next(line for line in sheet.read_text(encoding="utf-8").splitlines()
                if line.startswith("# Check it: cnntrace "))
    capsys.readouterr()
    assert main(shlex.split(hint.removeprefix("# Check it: cnntrace "))) == 0
    assert "score: 0/4 cells" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["demo"], ["demo", "--section", "4"],
                                     ["render", "--example", "lecture"],
                                     ["explain", "relu", "--input", "[[1, -2]]"]])
def test_quiet_render_and_demo_print_nothing_and_still_write(tmp_path, capsys, command):
    """`demo -q` was 'unrecognized arguments' while check, sheet, batch and train take it."""
    out = tmp_path / "out"
    assert main([*command, "-q", "--format", "html", "--out", str(out)]) == 0
    assert capsys.readouterr() == ("", "")
    assert any(path.suffix == ".html" for path in out.iterdir())


def test_a_render_whose_last_rename_fails_leaves_the_earlier_files_as_they_were(
        tmp_path, capsys, monkeypatch):
    """worked.html and trace.json were the new spec's and worked.tex the old one's when
    the system refused to replace worked.tex (an immutable file, say): all or none."""
    import tracer.files
    out = tmp_path / "o"
    assert main(["render", "--example", "lecture", "--format", "html,tex", "--out", str(out),
                 "-q"]) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    real = os.replace

    def refusing(src, dst):
        if Path(dst).name == "worked.tex":
            raise PermissionError(1, "Operation not permitted", str(dst))
        real(src, dst)
    monkeypatch.setattr(tracer.files.os, "replace", refusing)
    code, _, err = run(["render", "--example", "lecture", "--format", "html,tex", "--out",
                        str(out), "--digits", "3", "-q"], capsys)
    one_line_error(code, err, "worked.tex: cannot write: Operation not permitted")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before  # no temp left
