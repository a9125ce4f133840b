"""Handout benchmark: prints figures, asserts nothing.

    python benchmarks/report.py

CLI wall time of `cnntrace demo` for HTML alone and for HTML + PDF (median of runs in
fresh processes), then where the time goes in one process: the pass, the document,
the HTML (all math printing), WeasyPrint's layout and its PDF writing.
Targets on a 2-core machine: HTML under 0.5 s, PDF under 3 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def cli_seconds(args: list[str], runs: int = 5) -> float:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tracer", *args, "--out", out, "--force"],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def breakdown() -> dict[str, float]:
    from tracer import load_example, run_pass
    from tracer.present.handout import build_document
    from tracer.render.html import render_html

    spent = {}
    start = time.perf_counter()
    trace = run_pass(load_example("lecture"))
    spent["pass"] = time.perf_counter() - start
    start = time.perf_counter()
    document = build_document(trace)
    spent["document (presenters)"] = time.perf_counter() - start
    start = time.perf_counter()
    render_html(document)
    spent["HTML with its math (browser file)"] = time.perf_counter() - start
    start = time.perf_counter()
    html = render_html(document, inline_fonts=False)
    spent["HTML with its math (for the PDF)"] = time.perf_counter() - start
    start = time.perf_counter()
    import weasyprint
    from tracer.render.pdf import _fetcher_class
    from tracer.render import assets
    spent["importing WeasyPrint"] = time.perf_counter() - start
    start = time.perf_counter()
    root = assets.templates_dir()
    rendered = weasyprint.HTML(string=html, base_url=root.as_uri() + "/",
                               url_fetcher=_fetcher_class()(root)).render()
    spent["WeasyPrint layout"] = time.perf_counter() - start
    start = time.perf_counter()
    rendered.write_pdf()
    spent["WeasyPrint PDF writing"] = time.perf_counter() - start
    return spent


def main() -> None:
    html = cli_seconds(["demo", "--format", "html"])
    pdf = cli_seconds(["demo", "--format", "html,pdf"], runs=3)
    print(f"cnntrace demo, HTML only      : {html:6.2f} s   (target < 0.5 s)")
    print(f"cnntrace demo, HTML + PDF     : {pdf:6.2f} s   (target < 3 s)")
    spent = breakdown()
    total = sum(spent.values())
    print("one process, first run (cold caches):")
    for step, seconds in spent.items():
        print(f"  {step:34s} {seconds * 1000:7.1f} ms  {seconds / total:6.1%}")


if __name__ == "__main__":
    main()
