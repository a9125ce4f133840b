"""The lecture's network (preset lecture-cnn): prints figures, asserts nothing.

    python benchmarks/lecture_cnn.py [--quick] [--threads N]

1. one traced pass (forward, loss, backward, SGD update, every value kept) in float64 at
   batch 1 and 32, against the same step in PyTorch float64 on the CPU (optional:
   pip install torch==2.13.0) and against the naive loop reference (tracer.reference);
   timings interleaved in one process, medians, the ratio as the median of the paired
   rounds' ratios (against the loop reference too, and PyTorch's step against it for
   scale); then again with glibc keeping freed memory for reuse (see keep_freed_memory);
2. peak memory of a traced batch-32 pass (tracemalloc) against the recorded arrays;
3. exact mode on one 28x28 sample: time, agreement with float, a value to 40 digits;
4. training digits-cnn on scikit-learn's 8x8 digits (optional: pip install scikit-learn).
Targets (issue 6): traced/PyTorch <= 1.0x at batch 1, <= 2.0x at batch 32; loop reference
>= 300x slower; peak <= 2x recorded; exact < 5 s, agreeing to 1e-10; digits >= 97 % in
< 60 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracer import from_dict, run_pass  # noqa: E402
from tracer.layers import clear_caches  # noqa: E402
from tracer.network import build, trace_pass  # noqa: E402
from tracer.presets import load_preset, preset  # noqa: E402
from tracer.reference import reference_pass  # noqa: E402

QUICK = "--quick" in sys.argv


def batch_spec(batch: int, seed: int = 0):
    """lecture-cnn with ``batch`` seeded 28x28 images (3-decimal grey levels)."""
    data = preset("lecture-cnn", seed=seed)
    data.pop("input"), data.pop("target")
    rng = np.random.default_rng(seed)
    data["inputs"] = rng.random((batch, 1, 28, 28)).round(3).tolist()
    data["targets"] = rng.integers(0, 10, size=batch).tolist()
    return from_dict(data, f"lecture-cnn batch {batch}")


def torch_step(net):
    """The same forward + backward + SGD update in PyTorch float64 (None without torch)."""
    try:
        import torch
    except ImportError:
        return None
    F = torch.nn.functional
    L = net.layers
    x = torch.tensor(np.asarray(net.inputs, float))
    labels = torch.tensor(np.argmax(net.targets, axis=1))
    params = [torch.tensor(np.asarray(getattr(layer, p), float), requires_grad=True)
              for layer in L for p in layer.param_names]
    w1, b1, w2, b2, wd, bd = params
    rate = float(net.spec.learning_rate)

    def step():
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
        h = h.permute(0, 2, 3, 1).reshape(len(x), -1)  # H,W,C as the lecture's code
        loss = F.cross_entropy(h @ wd + bd, labels)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= rate * p.grad
    return step


def timed(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1000


def interleaved(fns: dict, rounds: int, number: int) -> tuple[dict, list]:
    """Median ms per call of each function, measured in alternating rounds, and the
    per-round ratios first / second function (paired: both saw the same machine load)."""
    for fn in fns.values():
        fn()
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            times[name].append(timed(fn, number))
    first, *rest = times.values()
    ratios = [a / b for a, b in zip(first, rest[0])] if rest else []
    return {name: statistics.median(t) for name, t in times.items()}, ratios


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse (mallopt), as a long-running process that
    traces again and again would want: each traced pass allocates ~10 MB of new arrays
    (batch 32, the records) and, by default, glibc hands the previous trace's memory back
    to the kernel, so every pass page-faults most of it in again (~1200 faults, ~2 ms)."""
    import ctypes
    import ctypes.util
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_trim_threshold, 1 << 30)
                    and libc.mallopt(m_mmap_threshold, 1 << 28))
    except (OSError, AttributeError):
        return False


def speed(note: str = "") -> None:
    try:
        import torch
        if "--threads" in sys.argv:
            torch.set_num_threads(int(sys.argv[sys.argv.index("--threads") + 1]))
        threads = f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        threads = "PyTorch not installed (pip install torch==2.13.0): no comparison"
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"1. one traced pass of lecture-cnn, float64 ({threads}{load}){note}")
    for batch, number in ((1, 50), (32, 5)):
        net = build(batch_spec(batch), "float")
        fns = {"traced": lambda: trace_pass(net, after=False)}
        step = torch_step(net)
        if step:
            fns["torch"] = step
        t, ratios = interleaved(fns, rounds=5 if QUICK else 15, number=number)
        line = f"   batch {batch:>2}: traced {t['traced']:8.3f} ms"
        if step:
            target = 1.0 if batch == 1 else 2.0
            line += (f" | PyTorch {t['torch']:7.3f} ms | ratio {statistics.median(ratios):5.2f}x"
                     f" (target <= {target:.1f}x)")
        if not note:
            rivals = {"traced": fns["traced"], **({"PyTorch": step} if step else {})}
            loop, speedups = against_loops(net, rivals, rounds=(1 if QUICK else 3)
                                           if batch == 32 else (3 if QUICK else 9))
            line += (f" | loop reference {loop:8.1f} ms = {speedups['traced']:5.0f}x "
                     "(target >= 300x)")
            if step:
                line += f"; PyTorch's step {speedups['PyTorch']:5.0f}x"
        print(line)


def against_loops(net, rivals: dict, rounds: int) -> tuple[float, dict]:
    """Median ms of the loop reference, and for each rival the median over paired rounds
    of loop time / its time: each round times one loop pass, then each rival's passes
    for an equal share of as long (so all see the same machine load)."""
    loops, ratios = [], {name: [] for name in rivals}
    for _ in range(rounds):
        loop = timed(lambda: reference_pass(net), 1)
        for name, fn in rivals.items():
            start = time.perf_counter()
            passes = 0
            while time.perf_counter() - start < loop / 1000 / len(rivals):
                fn()
                passes += 1
            ratios[name].append(loop / ((time.perf_counter() - start) * 1000 / passes))
        loops.append(loop)
    return statistics.median(loops), {name: statistics.median(r) for name, r in ratios.items()}


def memory() -> None:
    """Peak traced memory of one batch-32 pass against the bytes of its recorded arrays:
    first on a fresh network with the layers' index tables (cached per shape) built
    during the pass, then again (tables cached)."""
    clear_caches()
    net = build(batch_spec(32), "float")
    for label, after in (("first pass, caches built", False), ("again", False),
                         ("again + loss.after", True)):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        trace = trace_pass(net, after=after)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        recorded = sum(q.value.nbytes for q in trace.quantities.values())
        print(f"2. traced batch-32 pass, {label:<24}: peak {peak / 1e6:6.2f} MB, recorded "
              f"arrays {recorded / 1e6:6.2f} MB, ratio {peak / recorded:4.2f}x (target <= 2x)")


def exact_mode() -> None:
    spec = load_preset("lecture-cnn")
    start = time.perf_counter()
    exact = run_pass(spec, "exact", after=False)
    bare = time.perf_counter() - start
    start = time.perf_counter()
    exact = run_pass(spec, "exact")
    full = time.perf_counter() - start
    print(f"3. exact mode, one 28x28 sample: {full:5.2f} s with loss.after, {bare:5.2f} s "
          "without (target < 5 s)")
    if QUICK:
        return
    floats = run_pass(spec, "float")
    start = time.perf_counter()
    worst, worst_id = 0.0, ""
    for qid in floats.ids():
        a, b = floats.numbers(qid), exact.numbers(qid)
        diff = float(np.max(np.abs(a - b) / np.maximum(1, np.abs(b)), initial=0))
        if diff > worst:
            worst, worst_id = diff, qid
    print(f"   agreement with float over all {len(floats.ids())} quantities: max relative "
          f"difference {worst:.1e} ({worst_id}) (target <= 1e-10; float conversion "
          f"{time.perf_counter() - start:.1f} s)")
    cell = "conv1.grad_weight[0,0,1,1]"
    print(f"   {cell} = {exact.format(cell, 40)}  (40 digits; float "
          f"{floats.numbers(cell):.16e})")
    text = exact.exact(cell.split("[")[0])[0][0][1][1]
    print(f"   its exact form: {len(text)} characters, {text.count('exp(')} exp atoms; "
          f"loss.after = {exact.format('loss.after', 30)}")


def training() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("4. training: scikit-learn not installed (pip install scikit-learn): skipped")
        return
    from tracer.data import load_data
    from tracer.presets import TRAINING
    from tracer.train import train
    settings = TRAINING["digits-cnn"]
    data = load_data("digits")
    start = time.perf_counter()
    result = train(load_preset("digits-cnn"), data, epochs=settings["epochs"],
                   batch=settings["batch"])
    seconds = time.perf_counter() - start
    print(f"4. digits-cnn on scikit-learn's digits ({len(data.y_train)} train / "
          f"{len(data.y_test)} held-out, seed 0, {settings['epochs']} epochs of batch "
          f"{settings['batch']}): test accuracy {result.accuracy * 100:.2f} % in "
          f"{seconds:.1f} s (target >= 97 % in < 60 s)")


def main() -> None:
    speed()
    if keep_freed_memory():
        speed(", glibc keeping freed memory (mallopt)")
    memory()
    exact_mode()
    training()


if __name__ == "__main__":
    main()
