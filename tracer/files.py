"""Writing output files: atomically, and never over a user's file without asking."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import CnnTraceError


class OutputError(CnnTraceError, OSError):
    """An output file that cannot or must not be written; the message names it."""


def write_atomic(path: str | Path, data: str | bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder and a rename.

    A reader never sees a half-written file; an existing file is replaced only with
    ``overwrite=True``.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path}: already exists; choose another name or pass --force")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
