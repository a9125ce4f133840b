"""The lecture-cnn handout: prints figures, asserts nothing.

    python benchmarks/large_report.py

CLI wall time of `cnntrace render --preset lecture-cnn` (HTML + PDF; target < 15 s on
2 cores), its page count (target < 30) and the number of heatmaps drawn.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    import pypdf
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracer", "render", "--preset", "lecture-cnn",
                        "--out", out, "--force"], check=True, capture_output=True)
        seconds = time.perf_counter() - start
        pages = len(pypdf.PdfReader(Path(out) / "worked.pdf").pages)
        html = (Path(out) / "worked.html").read_text(encoding="utf-8")
    heatmaps = len(re.findall(r'alt="heatmap ', html))
    print(f"cnntrace render --preset lecture-cnn (HTML + PDF): {seconds:5.1f} s   (target < 15 s)")
    print(f"  PDF pages: {pages}   (target < 30);  heatmaps: {heatmaps}")


if __name__ == "__main__":
    main()
