"""`cnntrace batch` (being written)."""


def register(commands) -> None:
    pass
