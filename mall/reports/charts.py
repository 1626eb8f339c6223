"""Charts drawn on the server as SVG: bars and lines that scale to the screen (a phone's too), with
their own title for screen readers. Every page shows the same numbers as a table under the chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 16, 44
PALETTE = ("#c8102e", "#1864ab", "#2b8a3e", "#862e9c")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]
    colour: str | None = None


def _nice_top(value: float) -> float:
    """The top of the axis: four gridline steps, each a round number (1, 2, 2.5, 3, 4, 5, 6, 8 × 10^n)."""
    if value <= 4:
        return 4
    step = value / 4
    magnitude = 10 ** (len(str(int(step))) - 1)
    for nice in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if nice * magnitude >= step:
            return 4 * nice * magnitude
    return 40 * magnitude


def _label_every(count: int, room: int = 12) -> int:
    return max(1, -(-count // room))


def _frame(title: str, top: float, fmt: Callable[[float], str], labels: Sequence[str]) -> list[str]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [f"<title>{escape(title)}</title>"]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{escape(fmt(value))}</text>'
        )
    every = _label_every(len(labels))
    step = plot_w / max(len(labels), 1)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = LEFT + step * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" class="axis">'
                f"{escape(label)}</text>"
            )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts = []
    x = LEFT
    for i, s in enumerate(series):
        colour = s.colour or PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="12" height="12" fill="{colour}" rx="2"/>')
        parts.append(f'<text x="{x + 16}" y="{HEIGHT - 4}" class="legend">{escape(s.name)}</text>')
        x += 24 + 14 * len(s.name) + 8
    return parts


def _svg(title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(  # noqa: S704 - every text above went through escape()
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">{body}</svg>'
    )


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> Markup:
    """Grouped bars: one group per label, one bar per series."""
    top = _nice_top(max([v for s in series for v in s.values] or [0]))
    parts = _frame(title, top, fmt, labels)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels), 1)
    width = step * 0.8 / max(len(series), 1)
    for si, s in enumerate(series):
        colour = s.colour or PALETTE[si % len(PALETTE)]
        for i, value in enumerate(s.values):
            h = plot_h * (value or 0) / top
            x = LEFT + step * i + step * 0.1 + width * si
            y = TOP + plot_h - h
            tip = f"{labels[i]} · {s.name}: {fmt(value or 0)}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width - 1, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    if len(series) > 1:
        parts += _legend(series)
    return _svg(title, parts)


def lines(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
) -> Markup:
    """One line per series over the labels (a series may be shorter: this month so far)."""
    top = _nice_top(max([v for s in series for v in s.values] or [0]))
    parts = _frame(title, top, fmt, labels)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels), 1)
    for si, s in enumerate(series):
        colour = s.colour or PALETTE[si % len(PALETTE)]
        points = [
            (LEFT + step * (i + 0.5), TOP + plot_h - plot_h * (value or 0) / top)
            for i, value in enumerate(s.values)
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            for i, (x, y) in enumerate(points):
                tip = f"{labels[i]} · {s.name}: {fmt(s.values[i] or 0)}"
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(tip)}</title></circle>"
                )
    parts += _legend(series)
    return _svg(title, parts)
