"""Server-side SVG charts for person and organisation pages.

No JavaScript and no inline styles (the Content-Security-Policy forbids scripts and the
charts should print): shapes carry CSS classes (``t-demand``...) that kb.css colours,
every shape has a ``<title>`` for hover, and every chart has a text equivalent that the
template renders next to it. Text goes through ``format_html``, so names are escaped.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from statements.models import StatementType

TYPE_ORDER = [choice.value for choice in StatementType]


@dataclass(frozen=True)
class TimelineBucket:
    """Statements of one period, counted by type."""

    label: str
    start: dt.date
    counts: dict[str, int]

    @functools.cached_property
    def total(self) -> int:
        return sum(self.counts.values())


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def timeline_buckets(
    rows: Sequence[tuple[dt.date, str, int]], *, by_day: bool | None = None
) -> list[TimelineBucket]:
    """Group ``(date, statement_type, count)`` rows by month, or by day within two months.

    Empty periods between the first and last are kept so the x axis is a true time axis.
    ``by_day`` decides for rows that are already monthly (a summary's first days of months,
    whose span is not the statements' own).
    """
    dated = [(d, t, n) for d, t, n in rows if d is not None]
    if not dated:
        return []
    first, last = min(d for d, _, _ in dated), max(d for d, _, _ in dated)
    if by_day is None:
        by_day = (last - first).days <= 62
    counts: dict[dt.date, dict[str, int]] = {}
    for day, statement_type, n in dated:
        key = day if by_day else day.replace(day=1)
        period = counts.setdefault(key, {})
        period[statement_type] = period.get(statement_type, 0) + n
    keys: list[dt.date] = []
    cursor = first if by_day else first.replace(day=1)
    step = dt.timedelta(days=1)
    while cursor <= last:
        keys.append(cursor)
        cursor = cursor + step if by_day else _next_month(cursor)
    if by_day and len(keys) > 62:  # pragma: no cover - guarded by by_day
        keys = sorted(counts)
    return [
        TimelineBucket(
            label=key.isoformat() if by_day else f"{key.year:04d}-{key.month:02d}",
            start=key,
            counts=counts.get(key, {}),
        )
        for key in keys
    ]


def _chart_open(kind: str, width: int, height: int, title: str) -> SafeString:
    """The opening tag of an accessible chart: its title is both its label and tooltip."""
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>',
        kind,
        width,
        height,
        title,
        title,
    )


def _axis(x1: float, x2: float, y: float) -> SafeString:
    return format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>', x1, y, x2, y)


def timeline_svg(buckets: Sequence[TimelineBucket], *, title: str) -> SafeString:
    """A stacked bar chart: one bar per period, one colour per statement type."""
    if not buckets:
        return mark_safe("")
    width, height = 640, 200
    left, right, top, bottom = 36, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(b.total for b in buckets) or 1
    slot = plot_w / len(buckets)
    bar_w = max(2.0, min(40.0, slot * 0.7))
    label_every = max(1, math.ceil(len(buckets) / 8))
    parts: list[str] = [
        _chart_open("timeline", width, height, title),
        _axis(left, width - right, top + plot_h),
        format_html(
            '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="tick" x="{}" y="{}" text-anchor="end">0</text>',
            left - 6,
            top + 10,
            peak,
            left - 6,
            top + plot_h,
        ),
    ]
    # Bars are formatted directly from values escaped once (the type names, as plain
    # strings; a period's label is an ISO date timeline_buckets wrote), with the numbers
    # formatted inline (as ``_n`` does): ``format_html`` per rectangle was most of a
    # person page's time for a speaker quoted over eleven years, and a dense timeline has
    # some 1,400 rectangles.
    types = [(t, str(escape(t))) for t in TYPE_ORDER]
    width_text = _n(bar_w)
    for index, bucket in enumerate(buckets):
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h
        label, x_text, counts = bucket.label, _n(x), bucket.counts
        for statement_type, type_html in types:
            n = counts.get(statement_type, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(
                f'<rect class="t-{type_html}" x="{x_text}" y="{y:.1f}" width="{width_text}" '
                f'height="{h:.1f}"><title>{label}: {int(n)} {type_html}</title></rect>'
            )
        if index % label_every == 0:
            parts.append(
                format_html(
                    '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + bar_w / 2),
                    top + plot_h + 16,
                    bucket.label,
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def spread_svg(days: Sequence[tuple[dt.date, int]], *, title: str) -> SafeString:
    """A quote's spread: documents carrying it per day, on a true day axis from the first
    report to the last (a small strip, one bar per day that had any)."""
    if not days:
        return mark_safe("")
    width, height = 480, 90
    left, right, top, bottom = 10, 10, 8, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    first, last = days[0][0], days[-1][0]
    span_days = max(1, (last - first).days)
    peak = max(n for _, n in days) or 1
    bar_w = max(3.0, min(24.0, plot_w / (span_days + 1) * 0.7))
    parts: list[SafeString] = [
        _chart_open("spread", width, height, title),
        _axis(left, width - right, top + plot_h),
    ]
    for day, n in days:
        x = left + (plot_w - bar_w) * (day - first).days / span_days
        h = plot_h * n / peak
        parts.append(
            format_html(
                '<rect class="spread-bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {} document{}</title></rect>",
                _n(x),
                _n(top + plot_h - h),
                _n(bar_w),
                _n(h),
                day.isoformat(),
                n,
                "" if n == 1 else "s",
            )
        )
    for day, anchor, x in ((first, "start", left), (last, "end", width - right)):
        parts.append(
            format_html(
                '<text class="tick" x="{}" y="{}" text-anchor="{}">{}</text>',
                x,
                top + plot_h + 16,
                anchor,
                day.isoformat(),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class GraphNode:
    key: str
    name: str
    url: str
    kind: str  # "person" | "organisation"

    @property
    def slug(self) -> str:
        """The actor's slug (keys are "p:<slug>" or "o:<slug>")."""
        return self.key.split(":", 1)[-1]


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    count: int


def _n(value: float) -> str:
    return f"{value:.1f}"


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def talk_graph_svg(
    centre: GraphNode, nodes: Sequence[GraphNode], edges: Sequence[GraphEdge], *, title: str
) -> SafeString:
    """Who talks about whom around one actor: the actor in the middle, others on a circle.

    Arrows point from speaker to target; their width grows with the number of statements.
    Every node links to its page.
    """
    if not edges:
        return mark_safe("")
    width, height = 720, 330
    cx, cy = width / 2, height / 2
    rx, ry = width / 2 - 110, height / 2 - 50
    positions = {centre.key: (cx, cy)}
    for index, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(1, len(nodes))
        positions[node.key] = (cx + rx * math.cos(angle), cy + ry * math.sin(angle))
    peak = max(e.count for e in edges)
    parts: list[str] = [
        format_html(
            '<svg class="chart talk-graph" viewBox="0 0 {} {}" role="group" aria-label="{}" '
            'xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="12" markerHeight="12" markerUnits="userSpaceOnUse" '
            'orient="auto-start-reverse">'
            '<path class="arrow-head" d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
            width,
            height,
            title,
            title,
        )
    ]
    # Shapes are written as f-strings from numbers and names escaped once: ``format_html``
    # per shape escaped every number too, most of the chart's time.
    names = {n.key: escape(n.name) for n in [centre, *nodes]}
    for edge in edges:
        if edge.source not in positions or edge.target not in positions:
            continue
        (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        # Stop short of the node circles so the arrow head stays visible.
        pad = 14
        sx, sy = x1 + (x2 - x1) * pad / length, y1 + (y2 - y1) * pad / length
        ex, ey = x2 - (x2 - x1) * pad / length, y2 - (y2 - y1) * pad / length
        parts.append(
            f'<line class="edge" x1="{_n(sx)}" y1="{_n(sy)}" x2="{_n(ex)}" y2="{_n(ey)}" '
            f'stroke-width="{_n(1.5 + 4 * edge.count / peak)}" marker-end="url(#arrow)">'
            f"<title>{names[edge.source]} → {names[edge.target]}: {int(edge.count)} "
            "statement(s)</title></line>"
        )
    for node in [centre, *nodes]:
        x, y = positions[node.key]
        css = "node centre" if node is centre else "node"
        parts.append(
            f'<a href="{escape(node.url)}"><g class="{css} n-{escape(node.kind)}">'
            f"<title>{names[node.key]}</title>"
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{14 if node is centre else 10}"/>'
            f'<text x="{_n(x)}" y="{_n(y + (30 if y >= cy else -18))}" text-anchor="middle">'
            f"{escape(_short(node.name))}</text></g></a>"
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def legend_html(types: Sequence[tuple[str, str]]) -> SafeString:
    """The colour key shared by charts and highlighted documents."""
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            "", '<li><span class="swatch t-{}" aria-hidden="true"></span>{}</li>', types
        ),
    )
