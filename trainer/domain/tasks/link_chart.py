"""`link_chart`: links between entities, scored as F1 (version 2 minds direction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.domain.chart_layout import HEIGHT, NODE_RADIUS, WIDTH, Line, PlacedNode, chart_layout, link_line
from trainer.domain.messages import N_, Message, label, msg
from trainer.domain.scenario.loader import Path
from trainer.domain.scenario.model import ENTITY_TYPE_LABELS
from trainer.domain.scenario.validation import Ctx
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType, response_field

LINK_TYPES: tuple[str, ...] = (
    "associate", "family", "member_of", "employs", "owns", "controls", "uses_vehicle",
    "uses_phone", "uses_account", "lives_at", "based_at", "travelled_to", "met", "called",
    "paid", "shipped",
)
# Types whose two ends play different roles: `between: [A, B]` reads "A <type> B" (A owns B,
# A paid B). The others (associate, family, met) are the same read either way.
DIRECTED_LINK_TYPES: frozenset[str] = frozenset({
    "member_of", "employs", "owns", "controls", "uses_vehicle", "uses_phone", "uses_account",
    "lives_at", "based_at", "travelled_to", "called", "paid", "shipped",
})
# The entity type at the far end of a link type, where only one fits (the validator uses it to
# catch a key written the wrong way round).
LINK_TARGET_TYPES: dict[str, str] = {
    "uses_vehicle": "vehicle", "uses_phone": "phone", "uses_account": "bank_account",
    "lives_at": "location", "based_at": "location", "travelled_to": "location",
}
LINK_STRENGTHS = ("confirmed", "suspected")
# What people read for each code (translated at the edge; trainer/choices.py).
LINK_TYPE_LABELS: dict[str, str] = {
    "associate": N_("associate of"), "family": N_("family of"), "member_of": N_("member of"),
    "employs": N_("employs"), "owns": N_("owns"), "controls": N_("controls"),
    "uses_vehicle": N_("uses vehicle"), "uses_phone": N_("uses phone"), "uses_account": N_("uses account"),
    "lives_at": N_("lives at"), "based_at": N_("based at"), "travelled_to": N_("travelled to"),
    "met": N_("met"), "called": N_("called"), "paid": N_("paid"), "shipped": N_("shipped"),
}
LINK_STRENGTH_LABELS: dict[str, str] = {"confirmed": N_("confirmed"), "suspected": N_("suspected")}
REVERSED_LINK_CREDIT = 0.5  # version 2: the keyed directed type, drawn the wrong way round


@dataclass(frozen=True)
class LinkContent:
    entity_ids: tuple[str, ...]
    link_types: tuple[str, ...]


@dataclass(frozen=True)
class KeyLink:
    a: str
    b: str
    type: str
    rationale: str
    strength: str = ""
    both_ways: bool = False  # a directed type that runs both ways here (calls in both directions)

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))

    @property
    def directed(self) -> bool:
        """True when only a → b earns full credit (version 2)."""
        return self.type in DIRECTED_LINK_TYPES and not self.both_ways


@dataclass(frozen=True)
class LinkKey:
    links: tuple[KeyLink, ...]


@dataclass(frozen=True)
class ChartLink:
    """A link on one of the result page's charts, drawn from a to b."""

    a: str
    b: str
    outcome: str  # "right", "partly", "wrong" (the trainee's chart) or "missed" (the key's)
    types: tuple[str, ...]  # link type codes (what was drawn, or the key's)
    directed: bool  # drawn with an arrowhead at b
    line: Line


@dataclass(frozen=True)
class LinkComparison:
    """The trainee's chart and the key's on the same entities in the same places."""

    nodes: tuple[PlacedNode, ...]
    mine: tuple[ChartLink, ...]  # right, partly right or wrong
    key: tuple[ChartLink, ...]  # found (right or partly) or missed
    width: float = WIDTH  # the picture's coordinates (chart_layout.py)
    height: float = HEIGHT
    node_radius: float = NODE_RADIUS

    def label(self, entity_id: str) -> str:
        """An entity's name as shown on the charts."""
        return next((node.label for node in self.nodes if node.id == entity_id), entity_id)

    def count(self, outcome: str) -> int:
        """How many links have this outcome (missed ones are on the key's chart)."""
        return sum(1 for link in (self.key if outcome == "missed" else self.mine) if link.outcome == outcome)


class LinkChartTask(TaskType):
    """Links between entities, scored as F1: v1 over unordered pairs, v2 minding direction.

    Response: {"links": [{"between": ["O1", "P1"], "type": "employs", "strength": "confirmed"}]}
    (between is [from, to]: O1 employs P1).
    """

    type = "link_chart"
    label = N_("Link chart")
    required = ("key",)
    optional = ("entities", "link_types")

    def parse(self, data, path, ctx):
        entity_ids = ctx.ref_list(data, "entities", path, ctx.entities, N_("entity")) \
            or tuple(ctx.entities)
        link_types = self._link_types(ctx, data, path) or LINK_TYPES
        links, seen = [], {}
        for at, raw in ctx.items(data, "key", path, minimum=1):
            item = ctx.mapping(raw, at, ("between", "type", "rationale"), ("strength", "both_ways"))
            if item is None:
                continue
            pair = self._pair(ctx, item.get("between"), at + ("between",), entity_ids)
            link_type = ctx.choice(item, "type", at, link_types, N_("link type"))
            strength = ctx.choice(item, "strength", at, LINK_STRENGTHS, N_("link strength"))
            both_ways = ctx.boolean(item, "both_ways", at)
            rationale = ctx.text(item, "rationale", at)
            if both_ways and link_type and link_type not in DIRECTED_LINK_TYPES:
                ctx.error(at + ("both_ways",), msg(N_("%(type)s has no direction: remove both_ways"),
                                                   type=link_type))
            if pair is None:
                continue
            if frozenset(pair) in seen:
                ctx.error(at + ("between",), msg(N_("the pair %(a)s-%(b)s is already linked at line "
                                                    "%(line)s: a pair has one key link"),
                                                 a=pair[0], b=pair[1], line=seen[frozenset(pair)]))
            seen.setdefault(frozenset(pair), ctx.line(at))
            self._check_direction(ctx, at + ("between",), pair, link_type)
            links.append(KeyLink(pair[0], pair[1], link_type, rationale, strength, both_ways))
        return LinkContent(entity_ids, link_types), LinkKey(tuple(links))

    @staticmethod
    def _check_direction(ctx: Ctx, path: Path, pair: tuple[str, str], link_type: str) -> None:
        """A key link whose type points at one kind of entity, written the wrong way round."""
        target = LINK_TARGET_TYPES.get(link_type)
        a, b = (ctx.entities.get(x) for x in pair)
        if target and a is not None and b is not None and a.type == target and b.type != target:
            # Scored by direction since rule version 2; older stored versions only warn.
            ctx.authoring_error(path, msg(N_("%(type)s runs from the user to the %(target)s: "
                                             "write between: [%(b)s, %(a)s]"),
                                          type=link_type, target=label(ENTITY_TYPE_LABELS, target),
                                          a=pair[0], b=pair[1]))

    @staticmethod
    def _link_types(ctx: Ctx, data: dict[str, Any], path: Path) -> tuple[str, ...]:
        types = []
        for at, value in ctx.items(data, "link_types", path):
            if str(value) in LINK_TYPES:
                types.append(str(value))
            else:
                ctx.error(at, msg(N_("unknown link type %(value)r (expected one of: %(allowed)s)"),
                                  value=value, allowed=", ".join(LINK_TYPES)))
        return tuple(types)

    @staticmethod
    def _pair(ctx: Ctx, value: Any, path: Path, board: tuple[str, ...]) -> tuple[str, str] | None:
        if not isinstance(value, list) or len(value) != 2:
            ctx.error(path, msg(N_("between needs exactly two entity ids, e.g. [P1, O1]")))
            return None
        ids = []
        for i, ident in enumerate(value):
            ref = ctx.ref(ident, path + (i,), ctx.entities, N_("entity"))
            if ref and ref not in board:
                ctx.error(path + (i,), msg(N_("entity '%(entity)s' is not on this task's board (entities:)"),
                                           entity=ref))
            ids.append(ref)
        if ids[0] and ids[0] == ids[1]:
            ctx.error(path, msg(N_("a link joins two different entities")))
            return None
        return (ids[0], ids[1]) if all(ids) else None

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        pairs, drawn = match_links(task, key, response, rules)
        items = []
        for pair in pairs:
            if pair.keyed is None:
                board = task.content.entity_ids
                items.append(ItemFeedback(f"{pair.a}-{pair.b}", f"{_named(pair.a, board)} – {_named(pair.b, board)}",
                                          pair.given, None, 0.0, 0.0,
                                          msg(N_("Not a link in the key: it lowers precision."))))
                continue
            link = pair.keyed
            arrow = "→" if rules >= 2 and link.directed else "–"
            items.append(ItemFeedback(f"{link.a}-{link.b}", f"{{{{{link.a}}}}} {arrow} {{{{{link.b}}}}}",
                                      pair.given, _keyed_link(link), pair.points, 1.0, link.rationale,
                                      note=pair.note))
        credit = sum(pair.points for pair in pairs)
        return self._result(task, f1(credit, drawn, len(key.links)), items)

    def compare(self, task, key, response, scenario, *, rules=CURRENT_RULES):
        pairs, _ = match_links(task, key, response, rules)
        board = task.content.entity_ids
        labels = {i: scenario.render(scenario.entity_map[i].display) for i in board if i in scenario.entity_map}
        # Entities the trainee brought from the data tab are on their chart too, when linked.
        added = _added_entities(response, {end for pair in pairs for a, b, _t in pair.drawn for end in (a, b)},
                                set(board))
        labels.update(added)
        saved = response.get("positions") if isinstance(response, dict) else None
        nodes = chart_layout(tuple(board) + tuple(added), saved, labels)
        mine, keyed = [], []
        for pair in pairs:
            if pair.keyed is not None:
                link = pair.keyed
                keyed.append(_chart_link(nodes, link.a, link.b, _outcome(pair.points, "missed"), (link.type,),
                                         rules >= 2 and link.directed))
            if pair.drawn:
                shown = _shown_drawn(pair, task, rules)
                mine.append(_chart_link(nodes, shown[0], shown[1], _outcome(pair.points, "wrong"),
                                        tuple(sorted({t for _a, _b, t in pair.drawn if t})),
                                        rules >= 2 and shown[2] in DIRECTED_LINK_TYPES
                                        and not (pair.keyed and pair.keyed.both_ways)))
        return LinkComparison(tuple(nodes.values()), tuple(x for x in mine if x), tuple(x for x in keyed if x))

    @staticmethod
    def _given(response: Any) -> dict[frozenset[str], set[str]]:
        given: dict[frozenset[str], set[str]] = {}
        for link in response_field(response, "links", list):
            between = link.get("between") if isinstance(link, dict) else None
            if not isinstance(between, list) or len(between) != 2:
                continue
            try:
                a, b = (str(x) for x in between)
            except (ValueError, RecursionError):  # a huge integer or a very deep list
                continue
            if a == b:
                continue
            link_type = link.get("type")
            given.setdefault(frozenset((a, b)), set()).add(
                link_type if isinstance(link_type, str) else "")
        return given


@dataclass(frozen=True)
class PairMatch:
    """One pair of entities as the scoring sees it: the key's link on it (None when the key
    has none there), what the trainee drew on it, and the credit earned (0..1)."""

    a: str
    b: str
    keyed: KeyLink | None
    drawn: tuple[tuple[str, str, str], ...]  # (from, to, type) as drawn; from/to unordered in v1
    points: float
    given: Message | None = None  # what was drawn, as labels
    note: Any = ""


def match_links(task, key: LinkKey, response: Any, rules: int = CURRENT_RULES) -> tuple[list[PairMatch], int]:
    """Every keyed pair (in key order), then every pair drawn outside the key, with the credit
    each earns under a rule version; and how many distinct links were drawn (F1's precision).
    The score and the result page's charts both come from here, so they always agree."""
    if rules < 2:
        return _match_v1(key, response)
    known = set(task.content.link_types) or set(LINK_TYPES)
    both_ways = {(link.pair, link.type) for link in key.links if link.both_ways}

    def identity(a: str, b: str, link_type: str) -> tuple:
        # The same link drawn twice counts once; A owns B and B owns A are two links.
        if link_type in DIRECTED_LINK_TYPES and (frozenset((a, b)), link_type) not in both_ways:
            return (a, b, link_type)
        return (frozenset((a, b)), link_type)

    drawn: dict[frozenset[str], list[tuple[str, str, str]]] = {}
    seen: set[tuple] = set()
    for a, b, link_type in _drawn_links(response):
        if identity(a, b, link_type) not in seen:
            seen.add(identity(a, b, link_type))
            drawn.setdefault(frozenset((a, b)), []).append((a, b, link_type))
    pairs = []
    for link in key.links:
        on_pair = drawn.get(link.pair, [])
        credits = [_link_credit(link, a, b, link_type, known) for a, b, link_type in on_pair]
        points, note = max(credits, default=0.0), ""
        if on_pair and not points:
            note = msg(N_("A link needs one of the task's link types: a link without one earns nothing."))
        elif points < 1 and any(t == link.type for _a, _b, t in on_pair):
            note = msg(N_("The right link type, drawn the wrong way round: half credit."))
        pairs.append(PairMatch(link.a, link.b, link, tuple(on_pair), points,
                               _drawn_labels(on_pair, link), note))
    keyed = {link.pair for link in key.links}
    for pair, on_pair in drawn.items():
        if pair not in keyed:
            a, b = sorted(pair)
            pairs.append(PairMatch(a, b, None, tuple(on_pair), 0.0, _drawn_labels(on_pair, None)))
    return pairs, len(seen)


def _match_v1(key: LinkKey, response: Any) -> tuple[list[PairMatch], int]:
    """Version 1: unordered pairs; the keyed type earns 1, any other type on the pair 0.5."""
    given = LinkChartTask._given(response)  # pair -> set of types
    pairs = []
    for link in key.links:
        types = given.get(link.pair, set())
        points = 1.0 if link.type in types else (0.5 if types else 0.0)
        pairs.append(PairMatch(link.a, link.b, link, tuple((link.a, link.b, t) for t in sorted(types)),
                               points, _link_types(types)))
    keyed = {link.pair for link in key.links}
    for pair, types in given.items():
        if pair not in keyed:
            a, b = sorted(pair)
            pairs.append(PairMatch(a, b, None, tuple((a, b, t) for t in sorted(types)), 0.0, _link_types(types)))
    return pairs, sum(len(types) for types in given.values())


def _added_entities(response: Any, linked: set[str], board: set[str]) -> dict[str, str]:
    """The answer's own entities (id -> label) that a drawn link uses and the board lacks."""
    added = {}
    for entity in response_field(response, "entities", list):
        ident = entity.get("id") if isinstance(entity, dict) else None
        if isinstance(ident, str) and ident in linked and ident not in board and ident not in added:
            shown = entity.get("label")
            added[ident] = shown if isinstance(shown, str) and shown else ident
    return added


def _outcome(points: float, none: str) -> str:
    return "right" if points >= 1 else ("partly" if points > 0 else none)


def _shown_drawn(pair: PairMatch, task, rules: int) -> tuple[str, str, str]:
    """Which of the links drawn on a pair the chart shows: the one that earned the pair's credit."""
    if pair.keyed is None or rules < 2:
        return pair.drawn[0]
    known = set(task.content.link_types) or set(LINK_TYPES)
    return max(pair.drawn, key=lambda d: _link_credit(pair.keyed, d[0], d[1], d[2], known))


def _chart_link(nodes: dict[str, PlacedNode], a: str, b: str, outcome: str, types: tuple[str, ...],
                directed: bool) -> ChartLink | None:
    """A link between two entities on the chart; None when an end is not on it (a forged answer)."""
    if a not in nodes or b not in nodes:
        return None
    return ChartLink(a, b, outcome, types, directed, link_line(nodes[a], nodes[b]))


def _named(entity_id: str, board: tuple[str, ...]) -> str:
    """An end of a drawn link in feedback: a case entity as a mention (shown by its name); any other,
    e.g. a number added from the data tab ("data:+996 ..."), as its own text, never as a mention."""
    if entity_id in board:
        return f"{{{{{entity_id}}}}}"
    return entity_id.removeprefix("data:").replace("{", "").replace("}", "")


def _link_credit(link: KeyLink, a: str, b: str, link_type: str, known: set[str]) -> float:
    """Version 2 credit of one drawn link a → b on the key link's pair."""
    if link_type not in known:
        return 0.0  # no type, or one this task does not offer: not an answer
    if link_type != link.type:
        return 0.5
    if link.directed and (a, b) != (link.a, link.b):
        return REVERSED_LINK_CREDIT
    return 1.0


def _drawn_links(response: Any) -> list[tuple[str, str, str]]:
    """The trainee's links as (from, to, type); the type is "" when missing or not text."""
    found = []
    for link in response_field(response, "links", list):
        between = link.get("between") if isinstance(link, dict) else None
        if not isinstance(between, list) or len(between) != 2:
            continue
        a, b = (x if isinstance(x, str) else _id_text(x) for x in between)
        if a is None or b is None or a == b:
            continue
        link_type = link.get("type")
        found.append((a, b, link_type if isinstance(link_type, str) else ""))
    return found


def _id_text(value: Any) -> str | None:
    """An id sent as a number (7 for "7"); None for anything else (lists, huge numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and not -10**6 < value < 10**6:
        return None
    return str(value)


def _drawn_labels(on_pair: list[tuple[str, str, str]], link: KeyLink | None) -> Message | None:
    """What the trainee drew on a pair, as labels; a reversed directed link says so."""
    labels = []
    for a, b, link_type in sorted(on_pair, key=lambda x: (x[2], x[0])):
        shown = label(LINK_TYPE_LABELS, link_type) if link_type else msg(N_("no type"))
        if link is not None and link.directed and link_type == link.type and (a, b) != (link.a, link.b):
            shown = msg(N_("%(type)s, reversed"), type=shown)
        labels.append(shown)
    return Message("%(types)s", types=labels) if labels else None


def _link_types(types: set[str]) -> Message | None:
    """The link types a trainee gave for a pair, as labels ("uses phone, met")."""
    return Message("%(types)s", types=[label(LINK_TYPE_LABELS, t) for t in sorted(types)]) if types else None


def _keyed_link(link: KeyLink) -> Message:
    """The key's link type and strength as labels ("uses phone (confirmed)")."""
    if not link.strength:
        return label(LINK_TYPE_LABELS, link.type)
    return msg(N_("%(type)s (%(strength)s)"), type=label(LINK_TYPE_LABELS, link.type),
               strength=label(LINK_STRENGTH_LABELS, link.strength))


def f1(credit: float, given: int, keyed: int) -> float:
    """F1 of precision credit/given and recall credit/keyed; 0 when either side is empty."""
    if not given or not keyed or not credit:
        return 0.0
    precision, recall = credit / given, credit / keyed
    return 2 * precision * recall / (precision + recall)
