"""The index of a class batch as HTML (variant -> seed -> files), from a jinja template."""

from __future__ import annotations

import jinja2

from . import assets

LABELS = {"worksheet_pdf": "Worksheet PDF", "key_pdf": "Key PDF",
          "worksheet_html": "Worksheet HTML", "key_html": "Key HTML",
          "answers": "Answer sheet", "spec": "Spec"}


def render_index(rows: list[dict], blank: str, version: str) -> str:
    """One HTML page listing every variant; file names are links, all text escaped."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(assets.templates_dir()),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    kinds = [k for k in LABELS if any(row.get(k) for row in rows)]
    failed = sum(row["status"] != "ok" for row in rows)
    return env.get_template("batch_index.html.j2").render(
        rows=rows, kinds=kinds, labels=LABELS, blank=blank, version=version, failed=failed)
