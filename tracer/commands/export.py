"""`cnntrace export` (being written)."""


def register(commands) -> None:
    pass
