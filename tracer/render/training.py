"""The training summary of `cnntrace train --html FILE`: one self-contained HTML page (no
JavaScript, nothing fetched) with the train loss and the test accuracy per epoch as inline
SVG line charts, a table of the epochs and the settings.

:func:`line_chart` computes every coordinate and label; the template
(``templates/train_summary.html.j2``, autoescaped) only loops and prints them. The same
history and settings always give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup

from .. import __version__
from ..train import compact, figure
from . import assets

# chart geometry in SVG user units (= CSS px)
WIDTH, HEIGHT = 560, 230
LEFT, RIGHT, TOP, BOTTOM = 58, 18, 14, 42
# the tick labels' font is 11 px: a digit is 5.5 px wide (6 allowed), and the rotated axis
# title takes the first 20 px, so a label may start no further left than that
CHAR_WIDTH, TITLE_ROOM, LABEL_GAP = 6, 20, 6
LONGEST_FIXED = 6  # characters of a fixed-point tick label before e-notation is used


@dataclass(frozen=True)
class Chart:
    """A line chart ready to print: polylines (one per run of finite values), one marker
    per plotted epoch, tick positions and labels, all in SVG coordinates."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    lines: list[str]  # "x,y x,y ..." per run of finite values
    points: list[dict]  # one per finite value: x, y, epoch, label
    xticks: list[tuple[str, str]]  # (x, label)
    yticks: list[tuple[str, str]]  # (y, label)
    gaps: list[int] = field(default_factory=list)  # epochs with no finite value

    # where the tick labels and axis titles go (so the template only prints)
    @property
    def ytick_label_x(self) -> float:
        return self.left - LABEL_GAP

    @property
    def middle(self) -> tuple[float, float]:
        """The plot area's centre (where a chart with no finite value says so)."""
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2

    @property
    def xtick_end(self) -> float:
        return self.bottom + 4

    @property
    def xtick_label_y(self) -> float:
        return self.bottom + 16

    @property
    def x_title(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, self.height - 4

    @property
    def y_title(self) -> tuple[float, float]:
        return 12, (self.top + self.bottom) / 2


def nice_step(span: float, count: int = 5) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about ``count`` intervals."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw * (1 - 1e-9):
            return factor * power
    return 10 * power


def _decimals(step: float) -> int:
    for places in range(0, 10):
        if abs(round(step, places) - step) <= step * 1e-9:
            return places
    return 10


def tick_labels(ticks: list[float], step: float) -> list[str]:
    """The y axis's labels: fixed-point with the step's decimals while they are short
    (0.0, 0.5, 1.0), else the fewest significant digits in e-notation that write every
    tick as it is (0, 2.5e13, 5e13, 1.25e14), so that no label runs off the chart."""
    digits = _decimals(step)
    fixed = [f"{tick:.{digits}f}" for tick in ticks]
    if max(map(len, fixed)) <= LONGEST_FIXED:
        return fixed
    for significant in range(1, 16):
        labels = [compact(tick, significant) for tick in ticks]
        if all(abs(float(label) - tick) <= step * 1e-6 for label, tick in zip(labels, ticks)):
            return labels
    return labels


def y_axis(values: list[float], floor: float | None = None,
           ceiling: float | None = None) -> tuple[float, float, float]:
    """(low, high, step) of an axis holding ``values``, on whole steps, clipped to
    ``floor``/``ceiling`` (e.g. 0 and 100 for a percentage)."""
    finite = [v for v in values if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    if high - low < 1e-12 * max(1.0, abs(high)):
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
        if floor is not None and low < floor:
            low, high = floor, max(high, floor + 2 * pad)
        if ceiling is not None and high > ceiling:
            low, high = min(low, ceiling - 2 * pad), ceiling
    step = nice_step(high - low)
    low, high = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    if floor is not None:
        low = max(low, floor)
    if ceiling is not None:
        high = min(high, ceiling)
    return low, high, step


def line_chart(values: list[float], *, floor: float | None = None,
               ceiling: float | None = None, zero: bool = False) -> Chart:
    """The chart of ``values[i]`` at epoch i + 1. ``zero`` starts the y axis at 0 (when
    every value is positive); non-finite values leave a gap in the line."""
    values = [float(v) for v in values]
    finite = [v for v in values if math.isfinite(v)]
    if zero and finite and min(finite) >= 0:
        floor = 0.0 if floor is None else floor
        low, high, step = y_axis(finite + [0.0], floor, ceiling)
    else:
        low, high, step = y_axis(values, floor, ceiling)
    count = round((high - low) / step)
    ticks = [low + k * step for k in range(count + 1)]
    labels = tick_labels(ticks, step)
    widest = max(map(len, labels)) * CHAR_WIDTH
    x0 = max(LEFT, TITLE_ROOM + widest + LABEL_GAP)  # room for the widest tick label
    x1, y0, y1 = WIDTH - RIGHT, HEIGHT - BOTTOM, TOP
    n = len(values)

    def x_of(epoch: int) -> float:
        return (x0 + x1) / 2 if n <= 1 else x0 + (epoch - 1) / (n - 1) * (x1 - x0)

    def y_of(value: float) -> float:
        value = min(max(value, low), high)
        return y0 - (value - low) / (high - low) * (y0 - y1)

    lines, run, points, gaps = [], [], [], []
    places = max(_decimals(step) + 1, 2)
    for epoch, value in enumerate(values, start=1):
        if not math.isfinite(value):
            gaps.append(epoch)
            if run:
                lines.append(" ".join(run))
            run = []
            continue
        x, y = x_of(epoch), y_of(value)
        run.append(f"{x:.2f},{y:.2f}")
        label = figure(value, places)
        points.append({"x": f"{x:.2f}", "y": f"{y:.2f}", "epoch": epoch, "label": label})
    if run:
        lines.append(" ".join(run))
    yticks = [(f"{y_of(tick):.2f}", label) for tick, label in zip(ticks, labels)]
    every = 1 if n <= 12 else int(nice_step(n, 8))
    xticks = [(f"{x_of(e):.2f}", str(e)) for e in range(1, n + 1)
              if e == 1 or e % every == 0]
    return Chart(WIDTH, HEIGHT, x0, x1, y1, y0, lines, points, xticks, yticks, gaps)


def _number(value: float, places: int, suffix: str = "") -> str:
    """A table cell (:func:`~tracer.train.figure`), the suffix after a finite one."""
    return figure(value, places) + (suffix if math.isfinite(value) else "")


def summary_view(history: list[dict], settings: dict) -> dict:
    """Everything the template prints: two charts, the epoch rows, the final accuracy
    (None when it is not a number: the weights diverged), the epochs run and asked for.

    ``history``: per epoch ``epoch``, ``loss``, ``accuracy`` (0..1; either may be the
    JSON strings "NaN", "Infinity"); ``settings``: network, preset, source, epochs (asked
    for), batch, lr, seed, data, train, test, weights (any may be None) and, when training
    diverged, ``diverged`` (why and where, a :class:`~tracer.errors.Said`). Timings are
    left out (any ``seconds`` too), so that the same training gives the same page."""
    losses = [float(h["loss"]) for h in history]
    percents = [float(h["accuracy"]) * 100 for h in history]
    rows = [{"epoch": h["epoch"], "loss": _number(loss, 4), "accuracy": _number(pct, 2, " %")}
            for h, loss, pct in zip(history, losses, percents)]
    final = percents[-1] if percents else float("nan")
    return {"loss": line_chart(losses, zero=True),
            "accuracy": line_chart(percents, floor=0.0, ceiling=100.0),
            "rows": rows, "epochs": len(history), "asked": settings.get("epochs"),
            "final": _number(final, 2, " %") if math.isfinite(final) else None,
            "diverged": settings.get("diverged"), "settings": settings}


def render_summary(history: list[dict], settings: dict, lang: str = "en") -> str:
    """The training summary as one HTML string (deterministic for the same inputs)."""
    from .html import _Formatter  # message lookup with escaping and unbroken Korean words

    fmt = _Formatter(lang, frozenset(), answers=False)
    catalog, fallback = assets.messages(lang), assets.messages("en")

    def plain(key: str, **params) -> str:
        """A message as plain text (escaped by the template), e.g. inside SVG, where
        HTML elements must not appear."""
        return catalog.get(key, fallback.get(key, key)).format(**params)

    def held_out(count: int) -> str:
        """'1 held-out image', '16 held-out images'."""
        return assets.plain(lang, f"terminal.train.held_out.{'one' if count == 1 else 'many'}",
                            {"images": count})

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(assets.templates_dir()),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    return env.get_template("train_summary.html.j2").render(
        view=summary_view(history, settings), lang=lang, version=__version__,
        fonts=Markup(assets.font_css(True)),  # the handouts' Latin Modern, not a fallback
        text=lambda key, **params: Markup(fmt.message(key, params)), plain=plain,
        held_out=held_out, say=lambda sentence: sentence.text(lang))
