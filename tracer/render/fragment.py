"""A handout page as a fragment for another page (a Moodle question, a Jupyter cell): its
body in a wrapper, its stylesheet scoped to that wrapper so it cannot restyle the host."""

from __future__ import annotations

import re

from ..errors import CnnTraceError
from . import assets

SCOPE = "cnntrace-handout"
_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S)


def scope_css(css: str, scope: str = SCOPE) -> str:
    """The handout stylesheet for a fragment inside another page: every selector
    prefixed with ``.scope``; html/body become the wrapper; @page, @media print and
    @font-face dropped (no print pages there, and the fonts stay in the package)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out, i = [], 0
    while i < len(css):
        start = css.find("{", i)
        if start < 0:
            break
        end = _block_end(css, start)
        prelude, body = css[i:start].strip(), css[start + 1:end - 1]
        i = end
        if prelude.startswith("@"):
            continue
        selectors = [_scoped(s.strip(), scope) for s in prelude.split(",") if s.strip()]
        out.append(f"{', '.join(selectors)} {{{body}}}")
    return "\n".join(out)


def _block_end(css: str, start: int) -> int:
    depth = 0
    for j in range(start, len(css)):
        depth += {"{": 1, "}": -1}.get(css[j], 0)
        if depth == 0:
            return j + 1
    return len(css)


def _scoped(selector: str, scope: str) -> str:
    head, _, rest = selector.partition(" ")
    if head in ("html", "body"):
        return f".{scope} {rest}".strip()
    if head.startswith(("html", "body")):  # body.view-worked, html:lang(ko)
        return f".{scope}{head[4:]} {rest}".strip()
    return f".{scope} {selector}"


def fragment(html: str) -> str:
    """A handout page as a fragment: its body in a wrapper div with the scoped CSS."""
    match = _BODY.search(html)
    if not match:
        raise CnnTraceError("the handout has no body")
    classes = re.search(r'class="([^"]*)"', match.group(1))
    extra = f" {classes.group(1)}" if classes else ""
    lang = re.search(r'<html lang="([^"]+)"', html)
    lang_attr = f' lang="{lang.group(1)}"' if lang else ""
    return (f"<style>\n{scope_css(assets.stylesheet())}\n</style>\n"
            f'<div class="{SCOPE}{extra}"{lang_attr}>{match.group(2)}</div>')
