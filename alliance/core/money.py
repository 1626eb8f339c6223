"""Money is integer fen inside; this module turns it into ¥12.50 and reads what people type."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_FEN = 10**13  # ¥100 billion: more than any figure the bank reports


def format_fen(fen: int | None, *, sign: bool = False) -> str:
    """1234550 -> '¥12,345.50'."""
    if fen is None:
        return ""
    negative = fen < 0
    yuan, cents = divmod(abs(int(fen)), 100)
    text = f"¥{yuan:,}.{cents:02d}"
    if negative:
        return "-" + text
    if sign and fen > 0:
        return "+" + text
    return text


def format_yuan_short(fen: int) -> str:
    """A compact value for coupon cards: 2000 -> '20', 1250 -> '12.5'."""
    yuan = Decimal(int(fen)) / 100
    text = f"{yuan:f}".rstrip("0").rstrip(".") if "." in f"{yuan:f}" else f"{yuan:f}"
    return text


class AmountTooLarge(ValueError):
    """An amount beyond MAX_FEN: a typing slip, not money."""


def parse_yuan(text: str | int | float | Decimal | None) -> int:
    """'12.5', '¥1,234.50', '12' -> fen. Raises ValueError for anything that is not money."""
    if text is None:
        raise ValueError("empty amount")
    if isinstance(text, bool):
        raise ValueError("not an amount")
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(str(text))
    elif isinstance(text, Decimal):
        value = text
    else:
        cleaned = text.strip().replace("¥", "").replace("￥", "").replace(",", "").replace(" ", "")
        if not cleaned:
            raise ValueError("empty amount")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise ValueError("not an amount") from exc
    if not value.is_finite():
        raise ValueError("not an amount")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError("more than two decimals")
    fen_int = int(fen)
    if abs(fen_int) > MAX_FEN:
        raise AmountTooLarge("amount too large")
    return fen_int
