"""Server-rendered SVG charts for the console: pure functions, data in and an SVG string out.

The console works without JavaScript and under a CSP that forbids inline styles, so charts are
drawn on the server with presentation attributes only (fill, stroke), never `style=`. Every
chart is an `<svg role="img">` named by its `<title>` and `<desc>` so a screen reader announces
what it shows; the page puts a data table beside it for the numbers themselves. Every label
passes through `html.escape`, because kinds and choice names come from notices and policy packs
that privet does not write.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 56
# Colour-blind-safe (Okabe-Ito), dark enough against white for 3:1 contrast on marks.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#7F6000")


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category (x position); None is a gap (no data)."""

    name: str
    values: tuple[float | None, ...]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _num(value: float) -> str:
    """Coordinates with at most one decimal, so the SVG is short and stable across platforms."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10^n), so gridlines fall on readable numbers."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _frame(chart_id: str, title: str, desc: str, body: list[str], height: int = HEIGHT) -> str:
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_esc(chart_id)}" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="{_esc(tid)} {_esc(did)}" '
            'font-family="system-ui, sans-serif" font-size="12">',
            f'<title id="{_esc(tid)}">{_esc(title)}</title>',
            f'<desc id="{_esc(did)}">{_esc(desc)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _empty(chart_id: str, title: str, desc: str) -> str:
    body = [
        f'<rect x="0" y="0" width="{WIDTH}" height="80" fill="#f6f7f8" stroke="#999"/>',
        '<text x="320" y="45" text-anchor="middle" fill="#333">No data for this period</text>',
    ]
    return _frame(chart_id, title, f"{desc} No data for this period.", body, height=80)


def _axes(ymax: float, unit: str, whole: bool = False) -> list[str]:
    """Horizontal gridlines with labels at 0, ¼, ½, ¾ and the top of the y axis; counts (`whole`) skip fractional ones."""
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = ymax * i / 4
        if whole and not float(value).is_integer():
            continue
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" stroke="#ccc"/>')
        out.append(
            f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end" fill="#333">{_esc(_label(value))}{_esc(unit)}</text>'
        )
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#333"/>')
    return out


def _x_labels(categories: Sequence[str], step_w: float) -> list[str]:
    """Category labels under the axis; with many categories only every n-th is written, so they never overlap."""
    every = max(1, -(-len(categories) * 60 // (WIDTH - LEFT - RIGHT)))
    out = []
    for i, cat in enumerate(categories):
        if i % every:
            continue
        x = LEFT + step_w * (i + 0.5)
        out.append(f'<text x="{_num(x)}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#333">{_esc(cat)}</text>')
    return out


def _legend(names: Sequence[str], y: float) -> list[str]:
    out, x = [], float(LEFT)
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{_num(x)}" y="{_num(y - 9)}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{_num(x + 14)}" y="{_num(y)}" fill="#111">{_esc(name)}</text>')
        x += 24 + 7 * len(name)
    return out


def stacked_bars(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series]) -> str:
    """Vertical bars, one per category, each split into the series (e.g. notices per week split by kind)."""
    chart_id = _slug(chart_id)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(categories))]
    if not categories or not series or not any(totals):
        return _empty(chart_id, title, desc)
    ymax = nice_max(max(totals))
    plot_h = HEIGHT - TOP - BOTTOM
    step_w = (WIDTH - LEFT - RIGHT) / len(categories)
    bar_w = max(2.0, step_w * 0.7)
    body = _axes(ymax, "", whole=True)
    for i, cat in enumerate(categories):
        base = float(TOP + plot_h)
        x = LEFT + step_w * i + (step_w - bar_w) / 2
        for k, s in enumerate(series):
            value = s.values[i] or 0
            if value <= 0:
                continue
            h = plot_h * value / ymax
            base -= h
            body.append(
                f'<rect x="{_num(x)}" y="{_num(base)}" width="{_num(bar_w)}" height="{_num(h)}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{_esc(cat)}, {_esc(s.name)}: {_esc(_label(value))}</title></rect>'
            )
    body += _x_labels(categories, step_w)
    body += _legend([s.name for s in series], HEIGHT - 12)
    return _frame(chart_id, title, desc, body)


def lines(chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series], unit: str = "") -> str:
    """One line per series across the categories (e.g. median and 90th-percentile days to close, per week).

    A single point (one category, or a series with gaps around it) is drawn as a dot, so one week
    of data is still visible.
    """
    chart_id = _slug(chart_id)
    values = [v for s in series for v in s.values if v is not None]
    if not categories or not values:
        return _empty(chart_id, title, desc)
    ymax = nice_max(max(values))
    plot_h = HEIGHT - TOP - BOTTOM
    step_w = (WIDTH - LEFT - RIGHT) / len(categories)
    body = _axes(ymax, unit)
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (LEFT + step_w * (i + 0.5), TOP + plot_h - plot_h * v / ymax, categories[i], v)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y, _, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y, cat, v in points:
            body.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{colour}">'
                f"<title>{_esc(cat)}, {_esc(s.name)}: {_esc(_label(v))}{_esc(unit)}</title></circle>"
            )
    body += _x_labels(categories, step_w)
    body += _legend([s.name for s in series], HEIGHT - 12)
    return _frame(chart_id, title, desc, body)


def share_bars(chart_id: str, title: str, desc: str, rows: Sequence[tuple[str, float]]) -> str:
    """Horizontal bars of shares from 0 to 1, labelled with the percentage (e.g. the share allowing each choice)."""
    chart_id = _slug(chart_id)
    if not rows:
        return _empty(chart_id, title, desc)
    row_h, label_w = 28, 220
    height = TOP + row_h * len(rows) + 8
    bar_max = WIDTH - label_w - RIGHT - 48
    body = []
    for i, (name, share) in enumerate(rows):
        share = min(1.0, max(0.0, share))
        y = TOP + row_h * i
        shown = name if len(name) <= 32 else name[:31] + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" fill="#111">{_esc(shown)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_max}" height="18" fill="#eef0f2"/>')
        body.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{_num(bar_max * share)}" height="18" fill="{PALETTE[0]}">'
            f"<title>{_esc(name)}: {share * 100:.1f}%</title></rect>"
        )
        body.append(f'<text x="{label_w + bar_max + 6}" y="{y + 17}" fill="#111">{share * 100:.0f}%</text>')
    return _frame(chart_id, title, desc, body, height=height)
