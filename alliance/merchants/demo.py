"""Demo data for the alliance (filled in below)."""


def seed() -> list[tuple[str, str, str]]:
    return []
