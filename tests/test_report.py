"""Handouts: the demo command, PDF text, golden HTML, Korean, injection, determinism."""

from __future__ import annotations

import io
import logging
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tracer import from_dict, load_example, run_pass
from tracer.cli import main
from tracer.report import render

pypdf = pytest.importorskip("pypdf")
GOLDEN = Path(__file__).parent / "golden"


def pdf_text(data: bytes) -> str:
    """All text of a PDF, whitespace removed (pypdf drops some spaces anyway)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def scrub(html: str) -> str:
    """Version and inlined font data removed: what a golden file compares."""
    html = re.sub(r"cnntrace \d+\.\d+\.\d+", "cnntrace VERSION", html)
    return re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,FONT", html)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out


def test_demo_writes_html_pdf_and_trace(demo):
    assert sorted(p.name for p in demo.iterdir()) == ["trace.json", "worked.html", "worked.pdf"]
    assert (demo / "worked.pdf").read_bytes().startswith(b"%PDF")


def test_pdf_holds_the_lectures_forward_numbers_and_the_true_update(demo):
    text = pdf_text((demo / "worked.pdf").read_bytes())
    forward = ["Z0,0=(1·1+2·0+0·1)+(3·0+1·1+1·0)+(0·1+2·0+2·1)+1=5", "max(5,7,11,10)=11",
               "5.6", "−5.3", "270.4", "0.99998"]
    backward = ["−0.000203", "1.846×10−5", "−5.537×10−5", "−3.692×10−5"]
    update = ["1.000005537", "0.5000203", "−0.5000203", "0.100001846", "0.199998154",
              "1.000001846"]
    for expected in forward + backward + update:
        assert expected in text, expected
    for wrong in ("0.500022", "1.00006", "0.00022"):  # the slides' update numbers
        assert wrong not in text, wrong


def test_a_table_caption_stays_on_its_tables_page(demo):
    """The comparison table cannot break across pages; its caption came on the page
    before it, alone at the foot of the update."""
    pages = [re.sub(r"\s+", "", page.extract_text())
             for page in pypdf.PdfReader(io.BytesIO((demo / "worked.pdf").read_bytes())).pages]
    [page] = [page for page in pages if "Beforeandaftertheupdate." in page]
    assert "ParameterBeforeAfterChange" in page


def test_the_korean_demo_has_a_korean_title(tmp_path):
    assert main(["demo", "--lang", "ko", "--format", "html", "--out", str(tmp_path)]) == 0
    assert "<h1>4x4 입력, 3x3 필터 하나</h1>" in (tmp_path / "worked.html").read_text("utf-8")
    assert '"title": "4x4 입력, 3x3 필터 하나"' in (tmp_path / "trace.json").read_text("utf-8")


def test_demo_refuses_to_overwrite_a_users_file_but_replaces_its_own(demo, capsys):
    assert main(["demo", "--out", str(demo), "--format", "html"]) == 0  # its own: replaced
    user_file = demo / "worked.html"
    user_file.write_text("<p>my notes</p>")
    assert main(["demo", "--out", str(demo), "--format", "html"]) == 2
    assert "not written by cnntrace" in capsys.readouterr().err
    assert user_file.read_text() == "<p>my notes</p>"


def test_golden_html_of_the_lecture_example():
    html = scrub(render(run_pass(load_example("lecture")), ("html",))["html"])
    golden = GOLDEN / "lecture_worked.html"
    if os.environ.get("CNNTRACE_UPDATE_GOLDEN"):
        golden.write_text(html, encoding="utf-8")
    assert html == golden.read_text(encoding="utf-8"), \
        "HTML changed; review the diff, then rerun with CNNTRACE_UPDATE_GOLDEN=1"


def test_same_spec_gives_byte_identical_html_and_tex():
    first = render(run_pass(load_example("lecture"), "exact"), ("html", "tex"))
    second = render(run_pass(load_example("lecture"), "exact"), ("html", "tex"))
    assert first == second


def test_html_is_self_contained():
    html = render(run_pass(load_example("lecture")), ("html",))["html"]
    assert "<script" not in html
    urls = re.findall(r"""(?:src|href)\s*=\s*["']?([^"' >]+)|url\(([^)]+)\)""", html)
    assert all((a or b).startswith("data:") for a, b in urls)


def test_korean_pdf_has_no_missing_glyphs_and_extractable_korean(caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        files = render(run_pass(load_example("lecture")), ("html", "pdf"), lang="ko")
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = pdf_text(files["pdf"])
    for words in ("순전파", "역전파", "가중치업데이트", "합성곱", "검산"):
        assert words in text, words
    assert '<span class="w">순전파</span>' in files["html"]  # words kept whole


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_markup_and_latex_in_a_spec_stay_text(tmp_path):
    title = "<img src=x onerror=alert(1)> \\text{<&>} $x$ {}"
    data = {"title": title, "description": "<script>alert(2)</script> & \\section{x}",
            "input": [[1, 2], [3, 4]], "target": 0,
            "layers": [{"type": "conv2d", "weight": [[1, 0], [0, 1]]}, {"type": "flatten"},
                       {"type": "dense", "weight": [[1, -1]]}, {"type": "softmax"}]}
    files = render(run_pass(from_dict(data)), ("html", "pdf", "tex"))
    parser = _Tags()
    parser.feed(files["html"])
    assert not [t for t, _ in parser.tags if t in ("img", "script")]
    assert "&lt;img src=x onerror=alert(1)&gt;" in files["html"]
    assert "<imgsrc=xonerror=alert(1)>\\text{<&>}$x${}" in pdf_text(files["pdf"])
    assert (r"\textless{}img src=x onerror=alert(1)\textgreater{} \textbackslash{}text"
            in files["tex"])
    assert r"\section{x}" not in files["tex"]


def test_pdf_renderer_reads_no_local_files(tmp_path):
    from tracer.render.pdf import render_pdf
    secret = Path("/etc/hostname")
    html = ('<html><body><p>x</p><img src="file:///etc/hostname">'
            '<link rel="attachment" href="file:///etc/hostname">'
            '<img src="../../../../etc/hostname"><img src="https://example.com/a.png">'
            '<div style="background: url(file:///etc/passwd)">y</div></body></html>')
    pdf = render_pdf(html)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert not reader.attachments
    if secret.exists() and secret.read_bytes().strip():
        assert secret.read_bytes().strip() not in pdf


def test_trace_shows_in_jupyter_as_a_fragment_that_leaves_the_notebook_alone():
    html = run_pass(load_example("lecture"))._repr_html_()
    assert "<i>Z</i><sub>0,\u20090</sub>" in html
    assert not re.search(r"<(!DOCTYPE|html|head|body)\b", html, re.I)
    assert "@font-face" not in html and len(html) < 150_000  # no fonts inlined
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", css) for s in rule.split(",")]
    assert selectors and all(s.startswith(".cnntrace-handout") for s in selectors)


def test_worksheet_and_key_share_the_document():
    trace = run_pass(load_example("lecture"))
    sheet = render(trace, ("html",), view="worksheet", blank="conv1.out")["html"]
    key = render(trace, ("html",), view="key", blank="conv1.out")["html"]
    assert sheet.count('class="blank"') == key.count('class="answer"') > 4
    assert 'data-ref="conv1.out[0,1,0]"' in sheet


def test_unknown_format_and_language_are_one_line_errors(capsys):
    assert main(["render", "--example", "lecture", "--format", "docx"]) == 2
    assert "--format" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["render", "--example", "lecture", "--lang", "fr"])


@pytest.mark.parametrize("reduction, words", [("mean", "(배치에 대해 샘플 평균)"),
                                              ("sum", "(배치에 대해 샘플 합)")])
def test_korean_loss_sentence_names_the_reduction_in_korean(reduction, words):
    data = {"input": [[1, 2], [3, 4]], "target": 0,
            "conventions": {"loss_reduction": reduction},
            "layers": [{"type": "flatten"}, {"type": "dense", "units": 2}, {"type": "softmax"}]}
    html = render(run_pass(from_dict(data)), ("html",), lang="ko")["html"]
    text = re.sub(r"<[^>]+>", "", html)
    assert f"교차 엔트로피 {words}." in text and f"({reduction})" not in text
