"""HTML -> PDF with WeasyPrint, reading nothing but data: URLs and the package's assets.

WeasyPrint is imported here only (it needs system libraries); its default URL fetcher
would read any local file or URL a document names, so a restricted one is used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import CnnTraceError
from . import assets

MIME = {".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf", ".css": "text/css",
        ".png": "image/png", ".svg": "image/svg+xml"}


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetsOnlyFetcher(URLFetcher):
        """Allows data: URLs and files inside the templates folder; refuses the rest."""

        def __init__(self, root: Path):
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.root = root.resolve()
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                parts = urlsplit(url)
                path = Path(url2pathname(parts.path)).resolve()
                if parts.netloc in ("", "localhost") and path.is_relative_to(self.root) \
                        and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={
                        "Content-Type": MIME.get(path.suffix, "application/octet-stream")})
            self.refused.append(url)
            raise ValueError(f"cnntrace renders only its own assets; refused {url}")

    return AssetsOnlyFetcher


def preload() -> None:
    """Import WeasyPrint now (a parent process warms up before forking workers);
    a missing WeasyPrint is reported later, by :func:`render_pdf`."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pass


def render_pdf(html: str) -> bytes:
    """The PDF of a handout's HTML. Fonts come from the HTML (inline) and fontconfig."""
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as err:  # OSError: missing system libraries (pango)
        raise CnnTraceError(f"PDF output needs WeasyPrint and its system libraries: {err}") \
            from None
    root = assets.templates_dir()
    fetcher = _fetcher_class()(root)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(font_config=FontConfiguration())
