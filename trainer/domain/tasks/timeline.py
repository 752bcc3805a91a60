"""`timeline`: order key events, scored as 1 − normalised Kendall tau distance."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from trainer.domain.messages import N_, msg
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType, response_field


@dataclass(frozen=True)
class Event:
    id: str
    text: str
    report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimelineContent:
    events: tuple[Event, ...]


@dataclass(frozen=True)
class TimelineKeyItem:
    event_id: str
    rationale: str
    time: str = ""


@dataclass(frozen=True)
class TimelineKey:
    items: tuple[TimelineKeyItem, ...]  # in the correct order


@dataclass(frozen=True)
class PlacedEvent:
    """An event in one of the result page's two orders, with how the trainee placed it."""

    event_id: str
    text: str
    time: str  # the trainee's time in their order, the key's in the key's
    outcome: str  # "right" (every pair it is in as in the key), "misplaced" or "missing"
    key_rank: int
    given_rank: int | None  # None: not in the trainee's order


@dataclass(frozen=True)
class TimelineComparison:
    """The trainee's order beside the key's."""

    mine: tuple[PlacedEvent, ...]
    key: tuple[PlacedEvent, ...]


class TimelineTask(TaskType):
    """Order key events; 1 − normalised Kendall tau distance.

    Response: {"order": ["E2", "E1", "E3"], "times": {"E2": "2024-03-09 22:00"}}
    """

    type = "timeline"
    label = N_("Timeline")
    required = ("events", "key")

    def parse(self, data, path, ctx):
        events = []
        for at, raw in ctx.items(data, "events", path, minimum=2):
            item = ctx.mapping(raw, at, ("id", "text"), ("reports",))
            if item is not None:
                events.append((at, Event(ctx.ident(item, "id", at), ctx.text(item, "text", at),
                                         ctx.ref_list(item, "reports", at, ctx.report_ids, N_("report")))))
        ctx.unique(((at + ("id",), e.id) for at, e in events), N_("event"))
        event_ids = {e.id for _, e in events if e.id}
        items, seen = [], set()
        for at, raw in ctx.items(data, "key", path, minimum=2):
            item = ctx.mapping(raw, at, ("event", "rationale"), ("time",))
            if item is None:
                continue
            event_id = ctx.ref(item.get("event"), at + ("event",), event_ids, N_("event"))
            if event_id in seen:
                ctx.error(at + ("event",), msg(N_("event '%(event)s' is already in the key"), event=event_id))
            seen.add(event_id)
            items.append(TimelineKeyItem(event_id, ctx.text(item, "rationale", at),
                                         ctx.text(item, "time", at, required=False)))
        if "key" in data:
            for event_id in sorted(event_ids - seen):
                ctx.error(path + ("key",), msg(N_("event '%(event)s' is missing from the key"), event=event_id))
        return TimelineContent(tuple(e for _, e in events)), TimelineKey(tuple(items))

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        order = [e.event_id for e in key.items]  # the same in every rule version
        position = _positions(response_field(response, "order", list), set(order))
        times = response_field(response, "times", dict)
        concordant, right = _in_key_order(order, position)
        pairs = len(order) * (len(order) - 1) // 2
        texts = {e.id: e.text for e in task.content.events}
        items = []
        for rank, k in enumerate(key.items, 1):
            pos = position.get(k.event_id)
            time = times.get(k.event_id)
            given = None if pos is None else _placed(pos + 1, time if isinstance(time, str) else "")
            items.append(ItemFeedback(k.event_id, texts.get(k.event_id, k.event_id), given,
                                      _placed(rank, k.time),
                                      float(right[k.event_id]), float(len(order) - 1), k.rationale))
        return self._result(task, concordant / pairs if pairs else 0.0, items)

    def compare(self, task, key, response, scenario, *, rules=CURRENT_RULES):
        order = [e.event_id for e in key.items]
        position = _positions(response_field(response, "order", list), set(order))
        times = response_field(response, "times", dict)
        _, right = _in_key_order(order, position)
        texts = {e.id: scenario.render(e.text) for e in task.content.events}

        def outcome(event_id: str) -> str:
            if event_id not in position:
                return "missing"
            return "right" if right[event_id] == len(order) - 1 else "misplaced"

        mine = tuple(PlacedEvent(event_id, texts.get(event_id, event_id), _text(times.get(event_id)),
                                 outcome(event_id), order.index(event_id) + 1, rank)
                     for rank, event_id in enumerate(sorted(position, key=position.get), 1))
        keyed = tuple(PlacedEvent(k.event_id, texts.get(k.event_id, k.event_id), k.time, outcome(k.event_id),
                                  rank, position[k.event_id] + 1 if k.event_id in position else None)
                      for rank, k in enumerate(key.items, 1))
        return TimelineComparison(mine, keyed)


def _in_key_order(order: list[str], position: dict[str, int]) -> tuple[int, dict[str, int]]:
    """How many pairs of events the trainee put in the key's order, and how many such pairs each
    event is in (an event is where it belongs when all its pairs are)."""
    right = dict.fromkeys(order, 0)
    concordant = 0
    for a, b in combinations(order, 2):  # a comes before b in the key
        if a in position and b in position and position[a] < position[b]:
            concordant += 1
            right[a] += 1
            right[b] += 1
    return concordant, right


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _placed(rank: int, time: str) -> str:
    return f"{rank}" + (f" · {time}" if time else "")


def _positions(order: list[Any], known: set[str]) -> dict[str, int]:
    """Position of each known event in the trainee's order; repeats and unknown ids ignored."""
    position: dict[str, int] = {}
    for item in order:
        if isinstance(item, str) and item in known and item not in position:
            position[item] = len(position)
    return position
