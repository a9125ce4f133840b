"""Wall time of a class batch (worksheet + key PDFs per variant) against single variants.

    python benchmarks/batch.py [--count 30] [--singles 3] [--jobs 0]

* batch: ``cnntrace batch --count N`` in a fresh process (all cores unless --jobs);
* alone: ``cnntrace batch --count 1`` in a fresh process (one variant run alone: the
  command's start-up, imports and one worksheet + key), the median of --singles runs
  (different seeds), times N;
* warm: one variant rendered in this (already warm) process, the median of --singles
  variants, times N: the stricter baseline, with no start-up or imports at all.

Target: batch < 0.6 x alone (on 2 cores). Other load on the machine skews all three.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cli_seconds(args: list[str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracer", "batch", *args, "--out", out, "-q"],
                       check=True, cwd=ROOT)
        return time.perf_counter() - start


def warm_seconds(seeds: list[int]) -> list[float]:
    from tracer.batch import Settings, plan, render_variant
    from tracer.generate import options
    times = []
    with tempfile.TemporaryDirectory() as out:
        settings = Settings(out)
        render_variant(plan(1, 999, options())[0], settings)  # warm up imports and fonts
        for seed in seeds:
            variant = plan(1, seed, options())[0]
            start = time.perf_counter()
            result = render_variant(variant, settings)
            times.append(time.perf_counter() - start)
            assert result.error is None, result.error
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--singles", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="0: all cores")
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    n = args.count
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")

    alone = [cli_seconds(["--count", "1", "--seed", str(100 + i)]) for i in range(args.singles)]
    one = statistics.median(alone)
    print(f"one variant alone (CLI, worksheet + key PDF): {one:7.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in alone)})")
    warm = warm_seconds([200 + i for i in range(args.singles)])
    one_warm = statistics.median(warm)
    print(f"one variant, warm process                   : {one_warm:7.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in warm)})")

    batch = cli_seconds(["--count", str(n), "--seed", "1", *jobs])
    print(f"batch of {n} (CLI, {args.jobs or os.cpu_count()} processes)          : {batch:7.2f} s")
    print(f"{n} x one variant alone                      : {n * one:7.2f} s  -> ratio "
          f"{batch / (n * one):.2f}  (target < 0.6)")
    print(f"{n} x one variant, warm                      : {n * one_warm:7.2f} s  -> ratio "
          f"{batch / (n * one_warm):.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
