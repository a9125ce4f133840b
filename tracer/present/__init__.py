"""Presenters: a trace -> view data and text (plain text here; LaTeX/HTML later)."""
