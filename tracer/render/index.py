"""The index of a class batch as HTML (variant -> seed -> files), from a jinja template."""

from __future__ import annotations

import jinja2

from . import assets

KINDS = ("worksheet_pdf", "key_pdf", "worksheet_html", "key_html", "answers", "spec")


def render_index(rows: list[dict], blank: str, version: str, lang: str = "en") -> str:
    """One HTML page listing every variant, in ``lang``; file names are links, all text
    escaped."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(assets.templates_dir()),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    kinds = [k for k in KINDS if any(row.get(k) for row in rows)]
    failed = sum(row["status"] != "ok" for row in rows)

    def text(key: str, **params) -> str:
        return assets.plain(lang, f"batch.index.{key}", params)

    title = text("title.one") if len(rows) == 1 else text("title", count=len(rows))
    return env.get_template("batch_index.html.j2").render(
        rows=rows, kinds=kinds, text=text, title=title, blank=blank, version=version,
        failed=failed, lang=lang)
