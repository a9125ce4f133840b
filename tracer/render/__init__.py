"""Renderers: a Document -> HTML, PDF, TeX. Only this package imports jinja2/WeasyPrint."""
