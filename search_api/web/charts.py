"""Small charts drawn on the server as inline SVG: no script, no external request, readable without colour.

Every chart carries a ``<title>`` and a table next to it on the page, so screen readers get the numbers.
Colours are presentation attributes (the page's Content-Security-Policy forbids inline ``style``).
"""
from __future__ import annotations

import math

from markupsafe import Markup, escape

INK, ACCENT, MUTED = "#1b1f24", "#1f5fa8", "#5b6470"
KIND_COLOURS = {"person": "#1f5fa8", "facility": "#a8321f", "place": "#2d7a3e", "org": "#6b4aa0"}


def bar_chart(title: str, bars: list[tuple[str, int | None, str]], *, width: int = 640, bar_height: int = 22) -> Markup:
    """Horizontal bars, one row per (label, value, value as written); a value of None (not published) has no
    bar, only its words."""
    label_width, gap = 220, 6
    height = max(1, len(bars)) * (bar_height + gap) + 10
    top = max((v for _, v, _ in bars if v is not None), default=0) or 1
    span = width - label_width - 110
    rows = []
    for i, (label, value, written) in enumerate(bars):
        y = 5 + i * (bar_height + gap)
        w = max(1.0, span * value / top) if value else 0
        rows.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" fill="{INK}" '
            f'font-size="13">{escape(_short(label, 30))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{ACCENT}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}" fill="{INK}" '
            f'font-size="13">{escape(written)}</text>')
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
                  f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(rows)}</svg>')


def column_chart(title: str, columns: list[tuple[str, int | None, str]], *, width: int = 640,
                 height: int = 220) -> Markup:
    """Vertical columns over time (one per month), labels under every few columns."""
    n = max(1, len(columns))
    left, bottom, top_pad = 10, 40, 20
    slot = (width - left * 2) / n
    top = max((v for _, v, _ in columns if v is not None), default=0) or 1
    every = max(1, math.ceil(n / 12))
    parts = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" '
             f'stroke="{MUTED}" stroke-width="1"/>']
    for i, (label, value, written) in enumerate(columns):
        h = (height - bottom - top_pad) * (value or 0) / top
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{height - bottom - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{ACCENT}"><title>{escape(label)}: {escape(written)}</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom - h - 4:.1f}" text-anchor="middle" '
                     f'font-size="11" fill="{INK}">{escape(written if value is not None else "·")}</text>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'font-size="11" fill="{INK}">{escape(label)}</text>')
    return Markup(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
                  f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}</svg>')


#: a white outline drawn under a label's letters, so that an edge passing behind does not cross them out
HALO = ' stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'


#: room beside the circle for the labels of the left- and rightmost nodes (22 characters at 12 px)
LABEL_ROOM = 100


def star_graph(centre: str, others: list[tuple[str, int, str]], *, size: int = 420) -> Markup:
    """The entity in the middle, the entities named with it around, edges as thick as the pages they share.

    One or two companions sit beside the centre rather than above and below it, and the drawing is cropped to
    its nodes and labels, so a short list leaves no empty square on the page.
    """
    if not others:
        return Markup("")
    c = size / 2
    radius = size / 2 - 70
    heaviest = max(w for _, w, _ in others) or 1
    start = 0.0 if len(others) <= 2 else -math.pi / 2
    edges, nodes = [], []
    top, bottom = c - 16 - 14, c + 11  # the centre's label (above it) and its node
    for i, (name, weight, kind) in enumerate(others):
        angle = start + 2 * math.pi * i / len(others)
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        edges.append(f'<line x1="{c}" y1="{c}" x2="{x:.1f}" y2="{y:.1f}" stroke="{MUTED}" '
                     f'stroke-width="{1 + 5 * weight / heaviest:.1f}"><title>{escape(name)}: {weight}</title></line>')
        anchor = "start" if math.cos(angle) > 0.3 else "end" if math.cos(angle) < -0.3 else "middle"
        dy = 18 if math.sin(angle) > 0.3 else -10 if math.sin(angle) < -0.3 else 4
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        top, bottom = min(top, y - 7, y + dy - 14), max(bottom, y + 7, y + dy + 4)
        nodes.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{KIND_COLOURS.get(kind, ACCENT)}"/>'
                     f'<text x="{x + dx:.1f}" y="{y + dy:.1f}" text-anchor="{anchor}" font-size="12" '
                     f'fill="{INK}"{HALO}>{escape(_short(name, 22))}</text>')
    centre_node = (f'<circle cx="{c}" cy="{c}" r="11" fill="{INK}"/><text x="{c}" y="{c - 16}" '
                   f'text-anchor="middle" font-size="13" font-weight="bold" fill="{INK}"{HALO}>{escape(_short(centre, 30))}'
                   '</text>')
    top, height = max(0.0, top - 10), min(float(size), bottom + 10) - max(0.0, top - 10)
    width = size + 2 * LABEL_ROOM
    return Markup(f'<svg class="graph" role="img" viewBox="{-LABEL_ROOM} {top:.0f} {width} {height:.0f}" '
                  f'width="{width}" height="{height:.0f}" xmlns="http://www.w3.org/2000/svg"><title>{escape(centre)}</title>'
                  f'{"".join(edges)}{"".join(nodes)}{centre_node}</svg>')


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
