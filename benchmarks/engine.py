"""Engine benchmark: prints figures, asserts nothing.

    python benchmarks/engine.py

1. the lecture example traced in float and in exact mode (in process, warm);
2. one traced pass of the lecture's section-6 network (conv 8@3x3, ReLU, pool 2,
   conv 16@3x3, ReLU, pool 2, flatten 400, dense 10, softmax) on a 28x28 input at
   batch 1, beside the same pass recording nothing (``train_step``).
Targets: lecture < 20 ms float, < 300 ms exact; recording overhead < 15 %.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracer import from_dict, load_example, run_pass  # noqa: E402
from tracer.network import build, trace_pass, train_step  # noqa: E402


def best_ms(fn, repeat: int, number: int = 1) -> float:
    """Median over ``repeat`` runs of the mean time of ``number`` calls, in ms."""
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number * 1000)
    return statistics.median(times)


def lecture_cnn(batch: int = 1, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    images = rng.random((batch, 1, 28, 28)).round(3).tolist()
    return {"title": "section-6 network", "learning_rate": 0.01, "seed": seed,
            "inputs": images, "targets": rng.integers(0, 10, size=batch).tolist(),
            "conventions": {"flatten_order": "hwc"},
            "layers": [{"type": "conv2d", "filters": 8, "size": 3}, {"type": "relu"},
                       {"type": "maxpool2d", "size": 2},
                       {"type": "conv2d", "filters": 16, "size": 3}, {"type": "relu"},
                       {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                       {"type": "dense", "units": 10}, {"type": "softmax"}]}


def main() -> None:
    lecture = load_example("lecture")
    float_ms = best_ms(lambda: run_pass(lecture, "float"), repeat=15, number=5)
    exact_ms = best_ms(lambda: run_pass(lecture, "exact"), repeat=7, number=2)
    print(f"lecture example, float trace : {float_ms:8.2f} ms   (target < 20 ms)")
    print(f"lecture example, exact trace : {exact_ms:8.2f} ms   (target < 300 ms)")

    spec = from_dict(lecture_cnn(batch=1))
    net = build(spec, "float")
    # interleave the two so that machine noise hits both alike; the overhead is the
    # median of the paired rounds' ratios (a load burst spoils one pair, not the figure)
    traced, plain = [], []
    for _ in range(15):
        traced.append(best_ms(lambda: trace_pass(net, after=False), repeat=3, number=20))
        plain.append(best_ms(lambda: train_step(net), repeat=3, number=20))
    overhead = statistics.median(t / p for t, p in zip(traced, plain)) - 1
    traced, plain = statistics.median(traced), statistics.median(plain)
    built = best_ms(lambda: build(spec, "float"), repeat=5, number=10)
    print("section-6 network 28x28, batch 1 (prebuilt network):")
    print(f"  traced pass, every value kept : {traced:8.3f} ms")
    print(f"  same pass, nothing recorded   : {plain:8.3f} ms")
    print(f"  recording overhead            : {overhead * 100:+7.1f} %   "
          "(target < 15 %)")
    print(f"  (building the network from the spec: {built:.3f} ms)")


if __name__ == "__main__":
    main()
