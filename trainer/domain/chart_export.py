"""A trainee's link chart for the tools analysts use: two tables (entities, links) for CSV files,
and i2 Analyst's Notebook's exchange format (ANX, written by anxwritter).

The chart is read from the saved answer as the workspace draws it: the task's case entities,
the entities added from the data tab (`source: data`), the links whose two ends are on the
chart, and the arrangement. The answer is the trainee's JSON, so every field is checked here and
anything malformed is left out rather than raised. Labels are translated by the caller
(`text`, trainer.i18n.translate), so the files read in the trainee's language.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from anxwritter import ANXChart, DotStyle, Frame

from trainer.domain.messages import N_, Message, label
from trainer.domain.scenario.model import ENTITY_TYPE_LABELS
from trainer.domain.tasks.link_chart import (DIRECTED_LINK_TYPES, LINK_STRENGTH_LABELS, LINK_STRENGTHS,
                                             LINK_TYPE_LABELS)

Translate = Callable[[Any], str]
MAX_DATA_ENTITIES = 500  # more than a chart can show; the autosave's size limit stops far fewer
# i2's standard icon for each entity type (ANB shows its default icon for a key it does not have).
ANB_ICONS: dict[str, str] = {
    "person": "Person", "organisation": "Organisation", "phone": "Phone", "vehicle": "Car",
    "bank_account": "Account", "location": "Place", "shipment": "Package",
}
# A link's confidence as i2 line styles: confirmed solid, suspected dashed, unconfirmed dotted.
UNCONFIRMED = "unconfirmed"
STRENGTH_STYLES: dict[str, DotStyle] = {"confirmed": DotStyle.SOLID, "suspected": DotStyle.DASHED,
                                        UNCONFIRMED: DotStyle.DOTTED}
STRENGTH_LABELS: dict[str, str] = {**LINK_STRENGTH_LABELS, UNCONFIRMED: N_("unconfirmed")}
STRENGTH_WIDTHS: dict[str, int] = {"confirmed": 3, "suspected": 2, UNCONFIRMED: 1}
SOURCE_LABELS: dict[str, str] = {"case": N_("case file"), "data": N_("data")}
ENTITY_HEADERS = tuple(Message(h) for h in (N_("Id"), N_("Entity"), N_("Type"), N_("Source")))
LINK_HEADERS = tuple(Message(h) for h in (N_("From id"), N_("From"), N_("Link type"), N_("To id"), N_("To"),
                                          N_("Strength"), N_("Source")))
SOURCE_ATTRIBUTE = Message(N_("Source"))


@dataclass(frozen=True)
class ChartEntity:
    id: str
    label: str
    type: str
    source: str = "case"  # "data": added from a row of the data tab
    at: tuple[int, int] | None = None


@dataclass(frozen=True)
class ChartLink:
    a: str
    b: str
    type: str
    strength: str  # one of STRENGTH_STYLES
    source: str = "case"


@dataclass(frozen=True)
class Chart:
    entities: tuple[ChartEntity, ...]
    links: tuple[ChartLink, ...]


def _text(value: Any, limit: int = 200) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def read_chart(board: Iterable[dict[str, Any]], answer: Any) -> Chart:
    """The chart a saved answer draws. board: the task's case entities ({id, label, type})."""
    answer = answer if isinstance(answer, dict) else {}
    positions = answer.get("positions") if isinstance(answer.get("positions"), dict) else {}

    def place(entity_id: str) -> tuple[int, int] | None:
        at = positions.get(entity_id)
        if isinstance(at, list) and len(at) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                          and abs(v) < 10**6 for v in at):
            return int(at[0]), int(at[1])
        return None

    entities = {e["id"]: ChartEntity(e["id"], e["label"], e["type"], "case", place(e["id"])) for e in board}
    extra = answer.get("entities") if isinstance(answer.get("entities"), list) else []
    for item in extra[:MAX_DATA_ENTITIES]:
        if not isinstance(item, dict):
            continue
        entity_id, name = _text(item.get("id")), _text(item.get("label"))
        kind = item.get("type") if item.get("type") in ENTITY_TYPE_LABELS else None
        if entity_id and name and kind and entity_id not in entities:
            entities[entity_id] = ChartEntity(entity_id, name, kind, "data", place(entity_id))
    links, seen = [], set()
    for item in answer.get("links") if isinstance(answer.get("links"), list) else []:
        between = item.get("between") if isinstance(item, dict) else None
        if not isinstance(between, list) or len(between) != 2:
            continue
        a, b = (x if isinstance(x, str) else None for x in between)
        link_type = item.get("type") if item.get("type") in LINK_TYPE_LABELS else None
        if a not in entities or b not in entities or a == b or link_type is None:
            continue
        strength = item.get("strength") if item.get("strength") in LINK_STRENGTHS else UNCONFIRMED
        link = ChartLink(a, b, link_type, strength, "data" if item.get("source") == "data" else "case")
        if (a, b, link_type) not in seen:
            seen.add((a, b, link_type))
            links.append(link)
    return Chart(tuple(entities.values()), tuple(links))


def chart_tables(chart: Chart, text: Translate) -> dict[str, list[list[str]]]:
    """The chart as two tables, entities and links, by file name (headers in the reader's language)."""
    names = {e.id: e.label for e in chart.entities}
    entities = [[text(h) for h in ENTITY_HEADERS]] + [
        [e.id, e.label, text(label(ENTITY_TYPE_LABELS, e.type)), text(label(SOURCE_LABELS, e.source))]
        for e in chart.entities]
    links = [[text(h) for h in LINK_HEADERS]] + [
        [link.a, names[link.a], text(label(LINK_TYPE_LABELS, link.type)), link.b, names[link.b],
         text(label(STRENGTH_LABELS, link.strength)), text(label(SOURCE_LABELS, link.source))]
        for link in chart.links]
    return {"entities.csv": entities, "links.csv": links}


def chart_anx(chart: Chart, text: Translate) -> Iterator[bytes]:
    """The chart as an .anx file (UTF-16, as i2 Analyst's Notebook reads it), in chunks.

    Entity types carry i2's icon for the type; an entity from the data has a visible frame and a
    Source attribute; a link is labelled with its type, its strength drawn as i2's line style
    (and width), directed types with an arrow.
    """
    anx = ANXChart()
    strengths = {code: text(label(STRENGTH_LABELS, code)) for code in STRENGTH_STYLES}
    for code, style in STRENGTH_STYLES.items():
        anx.add_strength(name=strengths[code], dot_style=style)
    types = {code: text(label(ENTITY_TYPE_LABELS, code)) for code in ENTITY_TYPE_LABELS}
    for code in sorted({e.type for e in chart.entities}):
        anx.add_entity_type(name=types[code], icon_file=ANB_ICONS[code])
    source_name = text(SOURCE_ATTRIBUTE)
    for e in chart.entities:
        at = e.at or (None, None)
        anx.add_icon(id=e.id, type=types[e.type], label=e.label, x=at[0], y=at[1],
                     attributes={source_name: text(label(SOURCE_LABELS, e.source))},
                     frame=Frame(color="Orange", visible=True) if e.source == "data" else Frame())
    for link in chart.links:
        name = text(label(LINK_TYPE_LABELS, link.type))
        anx.add_link(from_id=link.a, to_id=link.b, type=name, label=name, strength=strengths[link.strength],
                     line_width=STRENGTH_WIDTHS[link.strength],
                     arrow="head" if link.type in DIRECTED_LINK_TYPES else None,
                     attributes={source_name: text(label(SOURCE_LABELS, link.source))})
    return anx.iter_anx_bytes()


def chart_board(entities: Iterable[dict[str, Any]], task: dict[str, Any], answer: Any) -> list[dict[str, str]]:
    """The entities a link chart task's panel draws: the task's own (from the workspace view) and
    those the saved answer added from the data, each with its source."""
    board = [e for e in entities if e["id"] in task["entity_ids"]]
    return [{"id": e.id, "label": e.label, "type": e.type, "source": e.source}
            for e in read_chart(board, answer).entities]
