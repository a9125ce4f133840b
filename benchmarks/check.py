"""Checker benchmark: prints figures, asserts nothing.

    python benchmarks/check.py

1. CLI wall time of `cnntrace check --example lecture <the lecture's slide answers>`
   (a fresh `python -m tracer` process each run: imports, trace, marking, diagnosis);
2. the same check in process (warm), and the share spent in the follow-through walks
   and the diagnosis.
Target: CLI wall time under 0.5 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "tests" / "fixtures" / "lecture_slides.yaml"
sys.path.insert(0, str(ROOT))

from tracer import load_example  # noqa: E402
from tracer.check import Checker  # noqa: E402


def cli_seconds(repeat: int = 7) -> float:
    """Median wall time of the CLI check, in seconds."""
    command = [sys.executable, "-m", "tracer", "check", "--example", "lecture", str(ANSWERS),
               "-q"]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process_ms(repeat: int = 20) -> tuple[float, float]:
    """Median ms of building the checker (trace + pass model) and of checking the file."""
    build, check = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        checker = Checker(load_example("lecture"))
        middle = time.perf_counter()
        checker.check_file(ANSWERS)
        build.append((middle - start) * 1000)
        check.append((time.perf_counter() - middle) * 1000)
    return statistics.median(build), statistics.median(check)


def main() -> None:
    cli = cli_seconds()
    build, check = in_process_ms()
    print(f"lecture slides answer file ({ANSWERS.name}, 91 cells):")
    print(f"  cnntrace check, CLI wall time   : {cli * 1000:8.1f} ms   (target < 500 ms)")
    print(f"  in process: trace + pass model  : {build:8.2f} ms")
    print(f"  in process: read, mark, diagnose: {check:8.2f} ms")


if __name__ == "__main__":
    main()
