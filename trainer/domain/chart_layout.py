"""Where each entity of a link chart is drawn on the result page (a static SVG, no graph library).

The trainee's own arrangement is used when they saved one for every entity (dragged, or a
layout run in the workspace), scaled into the picture; otherwise the entities sit on a circle.
The trainee's chart and the key's use the same places, so the two can be compared at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

# The picture's coordinate system (its SVG viewBox); the page scales it to the room it has.
WIDTH, HEIGHT = 640.0, 480.0
# Room left around the nodes for their labels: written beside a node on the left and right
# sides, above or below it at the top and bottom.
MARGIN_X, MARGIN_Y = 130.0, 44.0
NODE_RADIUS = 14.0
LABEL_GAP = 4.0  # between a node's edge and its label
LABEL_DROP = 4.0  # a label's baseline below the centre line, so one line looks centred on it
LABEL_LINE = 13.0  # from one line of a label to the next
LABEL_WIDTH = 16  # characters a label line holds


@dataclass(frozen=True)
class Box:
    """The rectangle the node centres are fitted into."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


CHART_BOX = Box(MARGIN_X, MARGIN_Y, WIDTH - MARGIN_X, HEIGHT - MARGIN_Y)


@dataclass(frozen=True)
class PlacedNode:
    """An entity's centre, and where its label goes: beside it, away from the chart's middle."""

    id: str
    x: float
    y: float
    anchor: str  # SVG text-anchor: "start" (label to the right), "end" (left), "middle" (above/below)
    label_x: float
    label_y: float  # the baseline of the label's first line
    lines: tuple[str, ...] = ()  # the label, in one or two short lines
    label: str = ""  # the whole label (the node's tooltip)


@dataclass(frozen=True)
class Line:
    """A link drawn between two node edges (not centres, so an arrowhead stays visible)."""

    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def middle(self) -> tuple[float, float]:
        return round((self.x1 + self.x2) / 2, 1), round((self.y1 + self.y2) / 2, 1)


def chart_layout(ids: Sequence[str], saved: Any = None, labels: Mapping[str, str] | None = None,
                 box: Box = CHART_BOX) -> dict[str, PlacedNode]:
    """Each entity's place and label: the trainee's saved positions if complete and valid, else
    a circle; labels wrapped to two short lines so neighbours' labels overlap less."""
    points = saved_points(ids, saved, box) or circle_points(ids, box)
    labels = labels or {}
    return {i: replace(_placed(i, x, y, label_lines(labels.get(i, i)), box), label=labels.get(i, i))
            for i, (x, y) in points.items()}


def label_lines(text: str, width: int = LABEL_WIDTH) -> tuple[str, ...]:
    """A label in at most two lines of about `width` characters, broken between words; what
    does not fit ends in "…" (the full label is the node's tooltip)."""
    words, lines = text.split(), [""]
    for word in words:
        joined = f"{lines[-1]} {word}".strip()
        if len(joined) <= width or not lines[-1]:
            lines[-1] = joined
        elif len(lines) < 2:
            lines.append(word)
        else:
            lines[-1] = joined
    return tuple(line if len(line) <= width else line[:width - 1].rstrip() + "…" for line in lines)


def circle_points(ids: Sequence[str], box: Box = CHART_BOX) -> dict[str, tuple[float, float]]:
    """The entities evenly on the largest circle in the box, the first at the top, clockwise."""
    cx, cy = box.centre
    if len(ids) == 1:
        return {ids[0]: (round(cx, 1), round(cy, 1))}
    radius = min(box.right - box.left, box.bottom - box.top) / 2
    points = {}
    for i, ident in enumerate(ids):
        angle = -math.pi / 2 + 2 * math.pi * i / len(ids)
        points[ident] = (round(cx + radius * math.cos(angle), 1), round(cy + radius * math.sin(angle), 1))
    return points


def saved_points(ids: Sequence[str], saved: Any, box: Box = CHART_BOX) -> dict[str, tuple[float, float]] | None:
    """The saved positions ({id: [x, y]}) scaled evenly into the box and centred in it; None
    unless every entity has a finite pair of numbers (a half-saved chart is not an arrangement)."""
    if not ids or not isinstance(saved, Mapping):
        return None
    raw = {}
    for ident in ids:
        at = saved.get(ident)
        if not (isinstance(at, (list, tuple)) and len(at) == 2 and all(_finite(v) for v in at)):
            return None
        raw[ident] = (float(at[0]), float(at[1]))
    xs, ys = [x for x, _ in raw.values()], [y for _, y in raw.values()]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    scales = [room / span for room, span in ((box.right - box.left, span_x), (box.bottom - box.top, span_y)) if span]
    scale = min(scales, default=0.0)  # every entity on one spot: all in the middle
    cx, cy = box.centre
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {i: (round(cx + (x - mid_x) * scale, 1), round(cy + (y - mid_y) * scale, 1)) for i, (x, y) in raw.items()}


def link_line(a: PlacedNode, b: PlacedNode, radius: float = NODE_RADIUS) -> Line:
    """The segment from a's edge to b's edge along the line between their centres."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy)
    if length <= 2 * radius:  # overlapping nodes: centre to centre
        return Line(a.x, a.y, b.x, b.y)
    ux, uy = dx / length * radius, dy / length * radius
    return Line(round(a.x + ux, 1), round(a.y + uy, 1), round(b.x - ux, 1), round(b.y - uy, 1))


def _placed(ident: str, x: float, y: float, lines: tuple[str, ...], box: Box) -> PlacedNode:
    cx, cy = box.centre
    gap, extra = NODE_RADIUS + LABEL_GAP, LABEL_LINE * (len(lines) - 1)
    if abs(x - cx) > 1:  # beside the node, the lines centred on it
        anchor, label_x = ("end", x - gap) if x < cx else ("start", x + gap)
        return PlacedNode(ident, x, y, anchor, round(label_x, 1), round(y + LABEL_DROP - extra / 2, 1), lines)
    if y < cy:  # at the top: above the node, out of the chart's way
        return PlacedNode(ident, x, y, "middle", x, round(y - gap - extra, 1), lines)
    return PlacedNode(ident, x, y, "middle", x, round(y + gap + LABEL_LINE, 1), lines)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
