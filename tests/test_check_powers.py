"""Numbers written the way the handouts print them (9.555×10⁻², −0.5) read exactly as
their e-notation, with the same digits written; text that only looks like one keeps a
reason that says how to write a power of ten."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from tracer.check.written import NotANumber, parse_written
from tracer.cli import main

SPELLINGS = ["9.555×10⁻²", "9.555×10^-2", "9.555x10^-2", "9.555 × 10^(-2)", "9.555X10^{-2}",
             "9.555·10⁻²", "9.555*10**-2", "9.555\u2009×\u200910⁻²", "9.555×10^−2"]


@pytest.mark.parametrize("text", SPELLINGS)
def test_a_printed_power_of_ten_is_its_e_notation(text):
    written, plain = parse_written(text), parse_written("9.555e-2")
    assert written.value == plain.value == Fraction(9555, 100000)
    assert written.place == plain.place == -5
    assert written.significant_digits == 4
    assert written.text == text.strip()  # shown as the student wrote it


@pytest.mark.parametrize("text,value,digits", [
    ("−0.5", Fraction(-1, 2), 1), ("−9.555×10⁻²", Fraction(-9555, 100000), 4),
    ("1.846×10⁻⁵", Fraction(1846, 10**8), 4), ("2.0×10³", Fraction(2000), 2),
    ("5×10⁺¹", Fraction(50), 1), ("1.50x10^2", Fraction(150), 3)])
def test_signs_and_digits_follow_what_was_written(text, value, digits):
    written = parse_written(text)
    assert written.value == value and written.significant_digits == digits


def test_a_zero_with_a_power_of_ten_is_not_a_bare_zero():
    assert parse_written("0").bare_zero and parse_written("−0").bare_zero
    assert not parse_written("0×10⁰").bare_zero and not parse_written("0e0").bare_zero


@pytest.mark.parametrize("text,words", [
    ("9.555×10", "write a power of ten as 9.555e-2, 9.555×10^-2 or 9.555×10⁻²"),
    ("9.555×10-2", "write a power of ten as"), ("×10⁻²", "write a power of ten as"),
    ("9.555×10^(-2", "write a power of ten as"), ("9.555×10^-2.5", "write a power of ten as"),
    ("9,555×10⁻²", "uses a decimal comma; write '9.555×10⁻²'"),
    ("1×10^9999", "outside the float64 range"), ("about 0.1", "not a number: 'about 0.1'")])
def test_malformed_powers_of_ten_say_how_to_write_one(text, words):
    with pytest.raises(NotANumber) as info:
        parse_written(text)
    assert words in str(info.value)


def test_an_answer_file_in_handout_notation_is_marked_like_e_notation(tmp_path, capsys):
    printed, plain = tmp_path / "printed.yaml", tmp_path / "plain.yaml"
    printed.write_text("dense1.out: [5.6, −5.3]\nloss.out: 1.846×10⁻⁵\n"
                       "softmax1.exp: [2.704 × 10^2, 4.99x10^-3]\n")
    plain.write_text("dense1.out: [5.6, -5.3]\nloss.out: 1.846e-5\n"
                     "softmax1.exp: [2.704e2, 4.99e-3]\n")
    results = []
    for path in (printed, plain):
        marks = tmp_path / f"{path.stem}.json"
        assert main(["check", "--example", "lecture", str(path), "--json", str(marks),
                     "-q"]) == 0
        cells = json.loads(marks.read_text())["cells"]
        results.append([(c["id"], c["index"], c["given"], c["verdict"]) for c in cells])
    assert results[0] == results[1]
    assert all(verdict == "correct" for *_, verdict in results[0])
    capsys.readouterr()


def test_a_malformed_power_of_ten_in_a_sheet_gets_the_hint(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text("loss.out: 1.846×10-5\n")
    assert main(["check", "--example", "lecture", str(answers)]) == 0
    out = capsys.readouterr().out
    assert "loss.out: not a number: '1.846×10-5'; write a power of ten as" in out


@pytest.mark.parametrize("name,content", [("a.json", '{"loss.out": 1.846×10⁻⁵}'),
                                          ("a.toml", '"loss.out" = −1.846e-5\n')])
def test_json_and_toml_say_to_quote_a_printed_number(name, content, tmp_path, capsys):
    answers = tmp_path / name
    answers.write_text(content)
    assert main(["check", "--example", "lecture", str(answers)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(answers) in err
    assert 'put a number written with ×, ⁻ or − in quotes, e.g. "9.555×10⁻²"' in err


@pytest.mark.parametrize("text, plain", [
    ("≈ 0.8022", "0.8022"), ("≈0.8022", "0.8022"), ("~0.8022", "0.8022"),
    ("0.1978...", "0.1978"), ("0.1978…", "0.1978"), ("약 0.1527", "0.1527"),
    ("≈ −1.846×10⁻⁵", "-1.846e-5"), ("０．１９７８", "0.1978"), ("－０．５", "-0.5"),
])
def test_a_number_copied_with_its_mark_of_rounding_reads_as_its_digits(text, plain):
    """The handouts print 'ŷ0 = 41.6/51.9 ≈ 0.8022'; students write 0.1978... or 약 0.15,
    and a Korean keyboard's full-width point; the digits written say it is rounded."""
    written, bare = parse_written(text), parse_written(plain)
    assert (written.value, written.place) == (bare.value, bare.place)
    assert written.text == text


@pytest.mark.parametrize("text", ["≈", "...", "≈ 0.5 ≈", "0.5......"])
def test_a_mark_of_rounding_alone_or_twice_is_not_a_number(text):
    with pytest.raises(NotANumber):
        parse_written(text)


def test_a_sheet_copied_from_the_handout_is_marked(tmp_path, capsys):
    sheet = tmp_path / "copied.yaml"
    sheet.write_text('softmax1.out: ["0.99998...", "≈1.846×10⁻⁵"]\nloss.out: "≈ 1.846×10⁻⁵"\n',
                     encoding="utf-8")
    assert main(["check", "--example", "lecture", str(sheet)]) == 0
    assert "score: 3/3 cells" in capsys.readouterr().out


def test_a_rounding_mark_reads_alike_with_a_decimal_comma_and_zero_keeps_its_place(tmp_path,
                                                                                    capsys):
    """In an id;value CSV '0,5...' was 'a decimal comma' while '≈ 0,5' was read; '0...'
    read as a bare 0 (exactly zero), though its dots say digits follow."""
    sheet = tmp_path / "marks.csv"
    sheet.write_text("id;value\nsoftmax1.out[0];1,000...\nsoftmax1.out[1];≈ 0,00001846\n",
                     encoding="utf-8")
    assert main(["check", "--example", "lecture", str(sheet)]) == 0
    assert "score: 2/2 cells" in capsys.readouterr().out
    assert not parse_written("0...").bare_zero and parse_written("0").bare_zero
    assert parse_written("135600...").placeholder_zeros == 0


def test_about_before_a_whole_number_keeps_its_zeros_as_places():
    """'≈ 135600' read as six written digits (no place-holding zeros) once the mark was
    kept for the dots' sake: it is 135600 as written, about."""
    from tracer.check.tolerance import Tolerance
    for text in ("≈ 135600", "약 135600", "~135600"):
        assert parse_written(text).placeholder_zeros == 2
        assert Tolerance().matches(parse_written(text), 135581.83)
    assert parse_written("≈ 0").bare_zero


def test_full_width_digits_read_and_are_suggested_in_ascii():
    """A Korean keyboard's full-width digits and comma: a semicolon CSV's decimal comma
    (０，０９５５５) reads as 0.09555; elsewhere the suggested fix is written in ASCII."""
    from tracer.check.answers import parse_csv
    assert list(parse_csv("loss.out;０，０９５５５\nsoftmax1.sum;８,１３\n")) == [
        ("loss.out", "０.０９５５５"), ("softmax1.sum", "８.１３")]
    assert parse_written("０.０９５５５").value == parse_written("0.09555").value
    with pytest.raises(NotANumber) as why:
        parse_written("０，０９５５５")
    assert "'0.09555'" in str(why.value)
