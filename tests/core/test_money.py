import pytest

from alliance.core.money import format_fen, parse_yuan


@pytest.mark.parametrize(
    ("fen", "shown"),
    [(0, "¥0.00"), (1, "¥0.01"), (1250, "¥12.50"), (123450, "¥1,234.50"), (-99, "-¥0.99")],
)
def test_fen_is_shown_as_yuan_with_two_decimals(fen, shown):
    assert format_fen(fen) == shown


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("12.5", 1250), ("12", 1200), ("¥1,234.50", 123450), (" 0.01 ", 1), ("￥3", 300), (7, 700)],
)
def test_typed_amounts_become_fen(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["", "abc", "1.005", "NaN", "1e30", None, True])
def test_amounts_that_are_not_money_are_refused(typed):
    with pytest.raises(ValueError):
        parse_yuan(typed)
