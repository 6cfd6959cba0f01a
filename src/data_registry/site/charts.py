"""Charts as inline SVG, drawn here in Python.

Inline SVG needs no script, no vendored library and no request: a chart costs a few
KB in the page, prints, and renders the same in every browser. (Vega-Lite with
vega-embed, DVC Studio's choice, would add ~800 KB of JavaScript to the site and an
interpreter step before anything shows.) Every drawn value is a `.mark` element with a
`<title>` tooltip, which is also what the browser tests count.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 30
MAX_BARS = 60


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> Markup:
    """One metric across versions: a line through the versions that have a value."""
    points = [(index, value) for index, value in enumerate(values) if value is not None]
    low, high = _range([value for _, value in points])
    step = (WIDTH - LEFT - RIGHT) / max(len(labels) - 1, 1)

    def x(index: int) -> float:
        return LEFT + (index * step if len(labels) > 1 else (WIDTH - LEFT - RIGHT) / 2)

    def y(value: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (high - low))

    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in points)
    marks = [
        f'<circle class="mark" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5">'
        f"<title>{escape(labels[i])}: {_number(v)}</title></circle>"
        for i, v in points
    ]
    # First and last version under the axis, anchored inwards so neither is clipped.
    ticks = [(0, "start"), (len(labels) - 1, "end")] if len(labels) > 1 else [(0, "middle")]
    axis = [
        f'<text class="tick" x="{x(i):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
        f"{escape(labels[i])}</text>"
        for i, anchor in ticks
    ]
    body = [
        *_frame(low, high),
        f'<polyline class="line" points="{path}"/>' if len(points) > 1 else "",
        *marks,
        *axis,
    ]
    return _svg(title, body)


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """A distribution: horizontal bars with their labels (the first MAX_BARS labels)."""
    shown = [(_label(label), value) for label, value in list(bars)[:MAX_BARS]]
    row = 16
    height = TOP + row * len(shown) + 8
    label_width = 120
    top = max((value for _, value in shown), default=0) or 1
    span = WIDTH + 120 - label_width - 60
    body = []
    for index, (label, value) in enumerate(shown):
        y = TOP + index * row
        width = max(span * value / top, 1 if value else 0)
        body.append(
            f'<text class="tick" x="{label_width - 6}" y="{y + 11}" text-anchor="end">'
            f"{escape(label[:24])}</text>"
            f'<rect class="mark" x="{label_width}" y="{y + 2}" width="{width:.1f}" height="{row - 4}">'
            f"<title>{escape(label)}: {_number(value)}</title></rect>"
            f'<text class="value" x="{label_width + width + 4:.1f}" y="{y + 11}">{_number(value)}</text>'
        )
    return _svg(title, body, width=WIDTH + 120, height=height)


def _frame(low: float, high: float) -> list[str]:
    bottom = HEIGHT - BOTTOM
    return [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_number(high)}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{bottom}" text-anchor="end">{_number(low)}</text>',
    ]


def _svg(title: str, body: list[str], width: int = WIDTH, height: int = HEIGHT) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<text class="chart-title" x="4" y="14">{escape(title)}</text>{"".join(body)}</svg>'
    )


def _range(values: list[float]) -> tuple[float, float]:
    low, high = min(values, default=0.0), max(values, default=1.0)
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, high + pad
    return low, high


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:.4g}"


def _label(text: str) -> str:
    """Histogram bin centres arrive as long floats: four significant digits are enough to read."""
    try:
        return f"{float(text):.4g}"
    except ValueError:
        return text
