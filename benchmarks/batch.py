"""Wall time of a class batch (worksheet + key PDFs per variant) against single variants.

    python benchmarks/batch.py [--count 30] [--singles 3] [--jobs 0]

* batch: ``cnntrace batch --count N`` in a fresh process (all cores unless --jobs);
* alone: ``cnntrace batch --count 1`` in a fresh process (one variant run alone: the
  command's start-up, imports and one worksheet + key), the median of --singles runs
  (different seeds), times N;
* warm: one variant rendered in this (already warm) process, the median of --singles
  variants, times N: the stricter baseline, with no start-up or imports at all.

Target: batch < 0.6 x alone (on 2 cores). Other load on the machine lengthens the
batch's wall time; its CPU time (the command and its workers) divided by the cores is
printed too: the wall time the batch takes when it has the cores to itself.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its worker processes)."""
    with tempfile.TemporaryDirectory() as out:
        cpu, start = _cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "tracer", "batch", *args, "--out", out, "-q"],
                       check=True, cwd=ROOT)
        return time.perf_counter() - start, _cpu() - cpu


def cli_seconds(args: list[str]) -> float:
    return cli_run(args)[0]


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

    cores = args.jobs or os.cpu_count()
    batch, cpu = cli_run(["--count", str(n), "--seed", "1", *jobs])
    print(f"batch of {n} (CLI, {cores} processes)          : {batch:7.2f} s  "
          f"(CPU {cpu:.1f} s: {cpu / n:.2f} s per variant; CPU / cores = {cpu / cores:.1f} s, "
          "a lower bound of the wall time on otherwise idle cores)")
    print(f"{n} x one variant alone                      : {n * one:7.2f} s  -> ratio "
          f"{batch / (n * one):.2f}  (target < 0.6)")
    print(f"{n} x one variant, warm                      : {n * one_warm:7.2f} s  -> ratio "
          f"{batch / (n * one_warm):.2f}")
    print(f"{n} x one variant alone, against CPU / cores: ratio {cpu / cores / (n * one):.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (other processes make the batch's "
          "wall time longer than CPU / cores)")


if __name__ == "__main__":
    main()
