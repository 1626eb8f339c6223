"""The burn-down chart of a budget, drawn on the server as SVG: what is left day by day against an
even pace. Pure geometry; the template draws the shapes and the table under it gives the numbers."""

from __future__ import annotations

from dataclasses import dataclass

from alliance.core.money import format_yuan_short
from mall.funding.services.budgets import BurnDay

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left_path: str  # what is left
    ideal_path: str  # an even pace from the whole budget to nothing
    area_path: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    last: tuple[float, float] | None
    plot: tuple[int, int, int, int]  # x0, y0, x1, y1


def burn_down_chart(points: list[BurnDay], total_fen: int, period_days: int) -> Chart:
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM
    days = max(period_days - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + span_x * i / days, 1)

    def y(fen: int) -> float:
        return round(TOP + span_y * (1 - max(min(fen, total_fen), 0) / total_fen), 1)

    left = " ".join(f"{'M' if i == 0 else 'L'}{x(i)},{y(p.left_fen)}" for i, p in enumerate(points))
    area = f"{left} L{x(len(points) - 1)},{y(0)} L{x(0)},{y(0)} Z" if points else ""
    ideal = f"M{x(0)},{y(total_fen)} L{x(days)},{y(0)}"
    y_ticks = [(y(total_fen * k // 4), "¥" + format_yuan_short(total_fen * k // 4)) for k in range(5)]
    step = max(1, period_days // 6)
    x_ticks = []
    if points:
        first = points[0].day
        for i in range(0, period_days, step):
            day = first.fromordinal(first.toordinal() + i)
            x_ticks.append((x(i), f"{day.month}/{day.day}"))
    last = (x(len(points) - 1), y(points[-1].left_fen)) if points else None
    return Chart(
        WIDTH,
        HEIGHT,
        left,
        ideal,
        area,
        y_ticks,
        x_ticks,
        last,
        (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )
