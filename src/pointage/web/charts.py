"""Bar charts drawn on the server as inline SVG: the geometry here, the drawing in
templates/partials/bar_chart.html. No script and no chart library.

A chart never carries a figure by its picture alone: each bar keeps its label and its value
as text, which the template gives as the chart's text alternative (its `aria-label` and a
table of the same figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
TOP = 16  # room above the tallest bar
BOTTOM = 36  # room under the baseline for the labels
SIDE = 8
GAP_SHARE = 0.3  # of each slot, left between two bars


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    text: str  # the value as people read it ("1 234,56 €")
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True, slots=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.height - BOTTOM + 18

    @property
    def description(self) -> str:
        """The chart in words: its title, then each bar's label and value."""
        return f"{self.title}: " + "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars)


def bar_chart(title: str, points: Sequence[tuple[str, int, str]]) -> BarChart:
    """A chart of one bar per (label, value, text) point, in their order. Bars are scaled to
    the largest value; a value of zero or less draws no bar (its text still says it)."""
    top = max((value for _, value, _ in points), default=0)
    slot = (WIDTH - 2 * SIDE) / max(len(points), 1)
    room = HEIGHT - TOP - BOTTOM
    bars = []
    for n, (label, value, text) in enumerate(points):
        height = room * value / top if top > 0 and value > 0 else 0.0
        bars.append(
            Bar(
                label=label,
                value=value,
                text=text,
                x=round(SIDE + n * slot + slot * GAP_SHARE / 2, 2),
                y=round(HEIGHT - BOTTOM - height, 2),
                width=round(slot * (1 - GAP_SHARE), 2),
                height=round(height, 2),
            )
        )
    return BarChart(title, tuple(bars))
