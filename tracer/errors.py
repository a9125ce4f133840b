"""Errors the command line reports as one line with exit code 2 (no traceback)."""


class CnnTraceError(Exception):
    """Unusable input or output; the message names the file or field and what was expected."""


class SpecError(CnnTraceError, ValueError):
    """A spec that cannot be used; the message names the file and field."""
