"""Scenario task types (registered by type string) and attempt scoring, as pure functions.

Each task type validates its YAML section into frozen content and key dataclasses and
scores a trainee response against the key. Responses come from the browser, so scorers
accept anything: a missing or malformed answer scores 0 and never raises. The JSON shape of
each response is documented on the task type and in docs/scenario-format.md.

The rules are versioned (RULE_VERSIONS): an attempt is scored with the version it was first
scored with, so a recorded score never changes unless a trainer re-scores it on purpose.
Version 1 is kept exactly; docs/scenario-format.md says what version 2 changed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from trainer.domain.grading import GradingScheme, Scale
from trainer.domain.messages import N_, Message, label, msg
from trainer.domain.scenario.loader import Path
from trainer.domain.scenario.model import ENTITY_TYPE_LABELS, Scenario, Task
from trainer.domain.scenario.validation import Ctx

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
RATINGS = ("consistent", "inconsistent", "neutral")
# What people read for each code (translated at the edge; trainer/choices.py).
LINK_TYPE_LABELS: dict[str, str] = {
    "associate": N_("associate of"), "family": N_("family of"), "member_of": N_("member of"),
    "employs": N_("employs"), "owns": N_("owns"), "controls": N_("controls"),
    "uses_vehicle": N_("uses vehicle"), "uses_phone": N_("uses phone"), "uses_account": N_("uses account"),
    "lives_at": N_("lives at"), "based_at": N_("based at"), "travelled_to": N_("travelled to"),
    "met": N_("met"), "called": N_("called"), "paid": N_("paid"), "shipped": N_("shipped"),
}
LINK_STRENGTH_LABELS: dict[str, str] = {"confirmed": N_("confirmed"), "suspected": N_("suspected")}
RATING_LABELS: dict[str, str] = {
    "consistent": N_("consistent"), "inconsistent": N_("inconsistent"), "neutral": N_("neutral"),
}
TASK_TYPE_LABELS: dict[str, str] = {
    "grade": N_("Source evaluation"), "link_chart": N_("Link chart"), "timeline": N_("Timeline"),
    "hypotheses": N_("Analysis of competing hypotheses"), "decision": N_("Decisions"),
    "report": N_("Intelligence report"),
}
_RATING_ALIASES = {"c": "consistent", "i": "inconsistent", "n": "neutral",
                   **{r: r for r in RATINGS}}
ACH_MATRIX_SHARE = 0.7  # the conclusion earns the remaining 0.3

RULE_VERSIONS: tuple[int, ...] = (1, 2)
CURRENT_RULES = 2
# Version 2 (docs/scenario-format.md, "Scoring rules, version 2" says why):
ACH_HEDGE_CREDIT = 0.25         # neutral where the key commits to consistent or inconsistent
ACH_INCONSISTENT_WEIGHT = 2.0   # a cell the key rates inconsistent counts twice
ACH_OWN_MATRIX_CREDIT = 0.5     # share of the conclusion's 0.3 for one that follows from
                                # the trainee's own matrix but is not the key's
REVERSED_LINK_CREDIT = 0.5      # the keyed directed type, drawn the wrong way round


# -- results ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemFeedback:
    """One scored item: what the trainee said, the key, the points and the rationale."""

    item_id: str
    label: str  # a Message where the platform words it, else authored text
    given: str | None  # Messages for labelled codes (link types, ratings)
    expected: str | None
    points: float
    max_points: float
    rationale: str = ""
    safeguard: bool = False
    note: Any = ""  # a Message on how a rule applied here (version 2), shown above the rationale


@dataclass(frozen=True)
class TaskResult:
    """A task's score (0..1) with its items and how much of it counts as safeguards."""

    task_id: str
    type: str
    score: float
    items: tuple[ItemFeedback, ...]
    pending: bool = False
    safeguard_share: float = 0.0  # fraction of the task's weight that is safeguards
    safeguard_score: float | None = None
    case_score: float | None = None


@dataclass(frozen=True)
class AttemptResult:
    """A scored attempt: total, status and the case / safeguards split, all in percent."""

    total_percent: float
    passed: bool
    status: str  # "passed" | "failed" | "awaiting_review"
    tasks: tuple[TaskResult, ...]
    safeguards_percent: float | None
    case_percent: float | None
    pass_mark: float
    min_safeguards: float | None = None
    rule_version: int = 1
    unseen_reports: tuple[str, ...] = ()  # not released to the trainee, so not scored (version 2)

    def task(self, task_id: str) -> TaskResult | None:
        """The result of one task, or None."""
        return next((t for t in self.tasks if t.task_id == task_id), None)


# -- task types -------------------------------------------------------------------------

class TaskType:
    """Base of a task type: parse its YAML section, score a response."""

    type: ClassVar[str] = ""
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    auto_scored: ClassVar[bool] = True

    def parse(self, data: dict[str, Any], path: Path, ctx: Ctx) -> tuple[Any, Any]:
        """Validate the task's own fields into (content, key); problems go to ctx."""
        raise NotImplementedError

    def score(self, task: Task, key: Any, response: Any, review: Any = None, *,
              rules: int = CURRENT_RULES, unseen: frozenset[str] = frozenset()) -> TaskResult:
        """Score a response against the key with a rule version.

        review is the trainer's input, if any; unseen, the reports the trainee never saw.
        """
        raise NotImplementedError

    def safeguard_share(self, task: Task) -> float:
        """Fraction of the task's weight that counts as safeguards."""
        return 1.0 if task.safeguard else 0.0

    def _result(self, task: Task, score: float, items: list[ItemFeedback],
                pending: bool = False) -> TaskResult:
        share = self.safeguard_share(task)
        tag = bool(share)
        return TaskResult(task.id, task.type, score,
                          tuple(replace(i, safeguard=tag) for i in items) if tag else tuple(items),
                          pending, share, score if tag else None, None if tag else score)


# grade ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GradeContent:
    report_ids: tuple[str, ...]
    scheme: GradingScheme


@dataclass(frozen=True)
class GradeKeyItem:
    report_id: str
    source: str
    information: str
    handling: str
    rationale: str


@dataclass(frozen=True)
class GradeKey:
    items: tuple[GradeKeyItem, ...]


class GradeTask(TaskType):
    """Grade each report's source and information and choose a handling code.

    Response: {"grades": {"R1": {"source": "B", "information": "2", "handling": "H0"}}}
    """

    type = "grade"
    required = ("key",)
    optional = ("reports",)
    AXES = (("source", N_("%(report)s: source reliability")), ("information", N_("%(report)s: information")),
            ("handling", N_("%(report)s: handling code")))

    def parse(self, data, path, ctx):
        scheme = ctx.scheme
        report_ids = ctx.ref_list(data, "reports", path, ctx.report_ids, N_("report")) or ctx.report_ids
        if scheme is not None and not scheme.handling.codes:
            ctx.error(path, msg(N_("the %(scheme)s scheme has no handling codes: declare "
                                   "handling_codes at the top of the scenario"), scheme=scheme.id))
        raw_key = (ctx.mapping(data["key"], path + ("key",), free=True) if "key" in data else None) or {}
        items = {}
        for report_id, raw in raw_key.items():
            at = path + ("key", report_id)
            if report_id not in report_ids:
                ctx.error(at, msg(N_("report '%(report)s' is not in this task's reports")
                                  if report_id in ctx.report_ids else
                                  N_("report '%(report)s' is not in the scenario"), report=report_id))
            item = ctx.mapping(raw, at, ("source", "information", "handling", "rationale"))
            if item is not None and scheme is not None:
                items[report_id] = GradeKeyItem(
                    report_id,
                    _code(ctx, item, "source", at, scheme.source, scheme.id),
                    _code(ctx, item, "information", at, scheme.information, scheme.id),
                    _code(ctx, item, "handling", at, scheme.handling, scheme.id),
                    ctx.text(item, "rationale", at))
        for report_id in report_ids if "key" in data else ():
            if report_id not in raw_key:
                ctx.error(path + ("key",), msg(N_("no key for report '%(report)s'"), report=report_id))
        key = GradeKey(tuple(items[r] for r in report_ids if r in items))
        return GradeContent(tuple(report_ids), scheme), key

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        scheme: GradingScheme = task.content.scheme
        grades = _field(response, "grades", dict)
        items = []
        for k in key.items:
            if rules >= 2 and k.report_id in unseen:
                continue  # v2: a report the trainee never saw costs nothing
            given = grades.get(k.report_id)
            given = given if isinstance(given, dict) else {}
            for axis, name in self.AXES:
                scale: Scale = getattr(scheme, axis)
                code = _normalise_code(given.get(axis), scale)
                expected = getattr(k, axis)
                if code is None:
                    points = 0.0
                elif axis == "handling":
                    points = 1.0 if code == expected else 0.0
                else:
                    points = scale.credit(code, expected)
                items.append(ItemFeedback(f"{k.report_id}.{axis}", msg(name, report=k.report_id),
                                          code, expected, points, 1.0, k.rationale))
        score = _mean([i.points for i in items])
        return self._result(task, score, items)


def _code(ctx: Ctx, data: dict[str, Any], field: str, path: Path, scale: Scale,
          scheme_id: str) -> str:
    value = data.get(field)
    if value is None:
        return ""
    code = str(value).strip()
    if code not in scale:
        ctx.error(path + (field,), msg(N_("'%(code)s' is not a %(scale)s code of %(scheme)s "
                                          "(expected one of: %(allowed)s)"),
                                       code=code, scale=scale.name, scheme=scheme_id,
                                       allowed=", ".join(scale.values) or "—"))
    return code


def _normalise_code(value: Any, scale: Scale) -> str | None:
    """A trainee's code matched to the scale ignoring case and spaces; None if not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, int) and not -10**6 < value < 10**6:
        return None  # no code is that long, and str() of a huge integer may refuse
    return scale.by_upper.get(str(value).strip().upper())


# link_chart ----------------------------------------------------------------------------

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


class LinkChartTask(TaskType):
    """Links between entities, scored as F1: v1 over unordered pairs, v2 minding direction.

    Response: {"links": [{"between": ["O1", "P1"], "type": "employs", "strength": "confirmed"}]}
    (between is [from, to]: O1 employs P1).
    """

    type = "link_chart"
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
        if rules >= 2:
            return self._score_v2(task, key, response)
        given = self._given(response)  # pair -> set of types
        distinct = sum(len(types) for types in given.values())
        items, credit = [], 0.0
        for link in key.links:
            types = given.get(link.pair, set())
            points = 1.0 if link.type in types else (0.5 if types else 0.0)
            credit += points
            items.append(ItemFeedback(f"{link.a}-{link.b}", f"{{{{{link.a}}}}} – {{{{{link.b}}}}}",
                                      _link_types(types), _keyed_link(link),
                                      points, 1.0, link.rationale))
        keyed = {link.pair for link in key.links}
        for pair, types in given.items():
            if pair not in keyed:
                a, b = sorted(pair)
                items.append(ItemFeedback(f"{a}-{b}", f"{{{{{a}}}}} – {{{{{b}}}}}",
                                          _link_types(types), None, 0.0, 0.0,
                                          msg(N_("Not a link in the key: it lowers precision."))))
        return self._result(task, f1(credit, distinct, len(key.links)), items)

    @staticmethod
    def _given(response: Any) -> dict[frozenset[str], set[str]]:
        given: dict[frozenset[str], set[str]] = {}
        for link in _field(response, "links", list):
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

    def _score_v2(self, task, key, response):
        """Direction counts, a type is required: see docs/scenario-format.md (version 2)."""
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
        items, credit = [], 0.0
        for link in key.links:
            on_pair = drawn.get(link.pair, [])
            credits = [_link_credit(link, a, b, link_type, known) for a, b, link_type in on_pair]
            points, note = max(credits, default=0.0), ""
            if on_pair and not points:
                note = msg(N_("A link needs one of the task's link types: a link without one earns nothing."))
            elif points < 1 and any(t == link.type for _a, _b, t in on_pair):
                note = msg(N_("The right link type, drawn the wrong way round: half credit."))
            credit += points
            arrow = "→" if link.directed else "–"
            items.append(ItemFeedback(f"{link.a}-{link.b}", f"{{{{{link.a}}}}} {arrow} {{{{{link.b}}}}}",
                                      _drawn_labels(on_pair, link), _keyed_link(link),
                                      points, 1.0, link.rationale, note=note))
        keyed = {link.pair for link in key.links}
        for pair, on_pair in drawn.items():
            if pair not in keyed:
                a, b = sorted(pair)
                items.append(ItemFeedback(f"{a}-{b}", f"{{{{{a}}}}} – {{{{{b}}}}}",
                                          _drawn_labels(on_pair, None), None, 0.0, 0.0,
                                          msg(N_("Not a link in the key: it lowers precision."))))
        return self._result(task, f1(credit, len(seen), len(key.links)), items)


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
    for link in _field(response, "links", list):
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


# timeline ------------------------------------------------------------------------------

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


class TimelineTask(TaskType):
    """Order key events; 1 − normalised Kendall tau distance.

    Response: {"order": ["E2", "E1", "E3"], "times": {"E2": "2024-03-09 22:00"}}
    """

    type = "timeline"
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
        position = _positions(_field(response, "order", list), set(order))
        times = _field(response, "times", dict)
        right = dict.fromkeys(order, 0)
        concordant = 0
        for a, b in combinations(order, 2):  # a comes before b in the key
            if a in position and b in position and position[a] < position[b]:
                concordant += 1
                right[a] += 1
                right[b] += 1
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


def _placed(rank: int, time: str) -> str:
    return f"{rank}" + (f" · {time}" if time else "")


def _positions(order: list[Any], known: set[str]) -> dict[str, int]:
    """Position of each known event in the trainee's order; repeats and unknown ids ignored."""
    position: dict[str, int] = {}
    for item in order:
        if isinstance(item, str) and item in known and item not in position:
            position[item] = len(position)
    return position


# hypotheses ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Hypothesis:
    id: str
    text: str


@dataclass(frozen=True)
class Evidence:
    id: str
    text: str
    report_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class HypothesesContent:
    hypotheses: tuple[Hypothesis, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class AchRow:
    evidence_id: str
    ratings: tuple[tuple[str, str], ...]  # (hypothesis id, rating)
    rationale: str


@dataclass(frozen=True)
class HypothesesKey:
    rows: tuple[AchRow, ...]
    conclusion: str
    rationale: str


class HypothesesTask(TaskType):
    """ACH matrix: 0.7 × cell credit + 0.3 for the conclusion (v2: weighted, no free hedge).

    Response: {"matrix": {"EV1": {"H1": "consistent", "H2": "neutral"}}, "conclusion": "H1"}
    """

    type = "hypotheses"
    required = ("hypotheses", "evidence", "key")

    def parse(self, data, path, ctx):
        hypotheses = self._listed(ctx, data, "hypotheses", path, 2, N_("hypothesis"))
        evidence = self._listed(ctx, data, "evidence", path, 1, N_("evidence"))
        hyp_ids = [h.id for h in hypotheses if h.id]
        ev_ids = [e.id for e in evidence if e.id]
        at = path + ("key",)
        key = (ctx.mapping(data["key"], at, ("matrix", "conclusion", "rationale"))
               if "key" in data else None) or {}
        rows, seen = [], set()
        for row_at, raw in ctx.items(key, "matrix", at, minimum=1):
            row = ctx.mapping(raw, row_at, ("evidence", "ratings", "rationale"))
            if row is None:
                continue
            ev = ctx.ref(row.get("evidence"), row_at + ("evidence",), ev_ids, N_("evidence"))
            if ev in seen:
                ctx.error(row_at + ("evidence",), msg(N_("evidence '%(evidence)s' already has a row"), evidence=ev))
            seen.add(ev)
            rows.append(AchRow(ev, self._ratings(ctx, row.get("ratings"), row_at + ("ratings",), hyp_ids),
                               ctx.text(row, "rationale", row_at)))
        if "matrix" in key:
            for ev in ev_ids:
                if ev not in seen:
                    ctx.error(at + ("matrix",), msg(N_("evidence '%(evidence)s' has no row in the matrix"),
                                                    evidence=ev))
        conclusion = ctx.ref(key.get("conclusion"), at + ("conclusion",), hyp_ids, N_("hypothesis")) \
            if "conclusion" in key else ""
        if conclusion and rows and all(len(r.ratings) == len(hyp_ids) and all(x for _h, x in r.ratings)
                                       for r in rows):
            counts = inconsistencies(rows, hyp_ids)
            if counts[conclusion] > min(counts.values()):
                ctx.authoring_error(at + ("conclusion",), msg(N_(
                    "the conclusion %(conclusion)s contradicts the matrix: ACH prefers the hypothesis "
                    "with the fewest inconsistent ratings (%(counts)s)"), conclusion=conclusion,
                    counts=", ".join(f"{h} {n}" for h, n in counts.items())))
        return (HypothesesContent(tuple(hypotheses), tuple(evidence)),
                HypothesesKey(tuple(rows), conclusion, ctx.text(key, "rationale", at)))

    @staticmethod
    def _listed(ctx, data, field, path, minimum, what):
        found = []
        for at, raw in ctx.items(data, field, path, minimum=minimum):
            item = ctx.mapping(raw, at, ("id", "text"), ("reports",) if field == "evidence" else ())
            if item is None:
                continue
            ident, text = ctx.ident(item, "id", at), ctx.text(item, "text", at)
            if field == "evidence":
                found.append((at, Evidence(ident, text, ctx.ref_list(item, "reports", at,
                                                                     ctx.report_ids, N_("report")))))
            else:
                found.append((at, Hypothesis(ident, text)))
        ctx.unique(((at + ("id",), x.id) for at, x in found), what)
        return [x for _, x in found]

    @staticmethod
    def _ratings(ctx, raw, path, hyp_ids) -> tuple[tuple[str, str], ...]:
        ratings = ctx.mapping(raw, path, free=True) or {}
        for hyp in ratings:
            if hyp not in hyp_ids:
                ctx.error(path + (hyp,), msg(N_("unknown hypothesis '%(hypothesis)s'"), hypothesis=hyp))
        out = []
        for hyp in hyp_ids:
            if hyp not in ratings:
                if raw is not None:
                    ctx.error(path, msg(N_("no rating for hypothesis '%(hypothesis)s'"), hypothesis=hyp))
                continue
            rating = normalise_rating(ratings[hyp])
            if rating is None:
                ctx.error(path + (hyp,), msg(N_("unknown rating %(value)r (expected "
                                                "consistent, inconsistent or neutral)"), value=ratings[hyp]))
            out.append((hyp, rating or ""))
        return tuple(out)

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        matrix = _field(response, "matrix", dict)
        items, mine = [], {}
        for row in key.rows:
            given_row = matrix.get(row.evidence_id)
            given_row = given_row if isinstance(given_row, dict) else {}
            for hyp, expected in row.ratings:
                given = normalise_rating(given_row.get(hyp))
                mine[(row.evidence_id, hyp)] = given
                if rules >= 2:  # a cell the key rates inconsistent weighs more: ACH turns on it
                    weight = ACH_INCONSISTENT_WEIGHT if expected == "inconsistent" else 1.0
                    points = cell_credit_v2(given, expected) * weight
                else:
                    weight, points = 1.0, cell_credit(given, expected)
                items.append(ItemFeedback(f"{row.evidence_id}.{hyp}", f"{row.evidence_id} × {hyp}",
                                          label(RATING_LABELS, given), label(RATING_LABELS, expected),
                                          points, weight, row.rationale))
        conclusion = response.get("conclusion") if isinstance(response, dict) else None
        conclusion = conclusion if isinstance(conclusion, str) else None
        right, note = float(conclusion == key.conclusion), ""
        if rules >= 2 and not right and conclusion is not None and _follows(conclusion, key, mine):
            right = ACH_OWN_MATRIX_CREDIT
            note = msg(N_("Not the key's conclusion, but it is the one your own matrix points to "
                          "(the fewest inconsistent ratings): half credit for the reasoning."))
        items.append(ItemFeedback("conclusion", msg(N_("Conclusion")), conclusion, key.conclusion,
                                  right, 1.0, key.rationale, note=note))
        cells = items[:-1]
        if rules >= 2:
            total = sum(i.max_points for i in cells)
            matrix_score = sum(i.points for i in cells) / total if total else 0.0
        else:
            matrix_score = _mean([i.points for i in cells])
        score = ACH_MATRIX_SHARE * matrix_score + (1 - ACH_MATRIX_SHARE) * right
        return self._result(task, score, items)


def inconsistencies(rows: tuple[AchRow, ...] | list[AchRow], hyp_ids: list[str]) -> dict[str, int]:
    """How many items of evidence each hypothesis is inconsistent with (Heuer: fewest wins)."""
    counts = dict.fromkeys(hyp_ids, 0)
    for row in rows:
        for hyp, rating in row.ratings:
            if rating == "inconsistent" and hyp in counts:
                counts[hyp] += 1
    return counts


def _follows(conclusion: str, key: HypothesesKey, mine: dict[tuple[str, str], str | None]) -> bool:
    """The trainee's conclusion is what their own complete matrix singles out (version 2).

    Every keyed cell rated, and the conclusion the only hypothesis with the fewest
    inconsistent ratings: a tie (an all-neutral matrix ties everything) singles out nothing.
    """
    if not mine or any(rating is None for rating in mine.values()):
        return False
    hyp_ids = list(dict.fromkeys(hyp for _ev, hyp in mine))
    if conclusion not in hyp_ids:
        return False
    rows = [AchRow(ev, tuple((h, r) for (e, h), r in mine.items() if e == ev), "")
            for ev in dict.fromkeys(ev for ev, _hyp in mine)]
    counts = inconsistencies(rows, hyp_ids)
    fewest = min(counts.values())
    return counts[conclusion] == fewest and sum(n == fewest for n in counts.values()) == 1


def normalise_rating(value: Any) -> str | None:
    """consistent / inconsistent / neutral from a rating or its initial; None otherwise."""
    return _RATING_ALIASES.get(value.strip().lower()) if isinstance(value, str) else None


def cell_credit(given: str | None, expected: str) -> float:
    """Version 1: 1 exact; 0.5 when one side is neutral; 0 consistent vs inconsistent or blank."""
    if given is None:
        return 0.0
    if given == expected:
        return 1.0
    return 0.5 if "neutral" in (given, expected) else 0.0


def cell_credit_v2(given: str | None, expected: str) -> float:
    """Version 2: 1 exact; 0.25 neutral where the key commits (a hedge); 0.5 a committed
    rating where the key is neutral; 0 consistent vs inconsistent or blank."""
    if given is None:
        return 0.0
    if given == expected:
        return 1.0
    if given == "neutral":
        return ACH_HEDGE_CREDIT
    return 0.5 if expected == "neutral" else 0.0


# decision ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    id: str
    text: str
    explanation: str
    safeguard: frozenset[str] = frozenset()
    violates_safeguard: bool = False  # choosing it breaches a safeguard: the decision scores 0 (v2)


@dataclass(frozen=True)
class DecisionPoint:
    id: str
    question: str
    options: tuple[Option, ...]
    multiple: bool = False
    safeguard: frozenset[str] = frozenset()

    @property
    def is_safeguard(self) -> bool:
        """Tagged itself or through one of its options."""
        return bool(self.safeguard) or any(o.safeguard for o in self.options)


@dataclass(frozen=True)
class DecisionContent:
    decisions: tuple[DecisionPoint, ...]


@dataclass(frozen=True)
class DecisionKeyItem:
    decision_id: str
    correct: frozenset[str]
    rationale: str


@dataclass(frozen=True)
class DecisionKey:
    items: tuple[DecisionKeyItem, ...]


class DecisionTask(TaskType):
    """Decision points, single (exact) or multiple choice; mean over points.

    Multiple choice: v1 Jaccard; v2 (right − wrong picks) ÷ keyed, floored at 0, and 0 when a
    chosen option violates a safeguard.

    Response: {"choices": {"D1": "a", "D2": ["b", "c"]}}
    """

    type = "decision"
    required = ("decisions",)

    def parse(self, data, path, ctx):
        points, keys = [], []
        for at, raw in ctx.items(data, "decisions", path, minimum=1):
            item = ctx.mapping(raw, at, ("id", "question", "options", "rationale"),
                               ("multiple", "safeguard"))
            if item is None:
                continue
            multiple = ctx.boolean(item, "multiple", at)
            options, correct = self._options(ctx, item, at, multiple,
                                             tagged=bool(item.get("safeguard") or data.get("safeguard")))
            point = DecisionPoint(ctx.ident(item, "id", at), ctx.text(item, "question", at),
                                  options, multiple, ctx.safeguard(item, at))
            points.append((at, point))
            keys.append(DecisionKeyItem(point.id, correct, ctx.text(item, "rationale", at)))
        ctx.unique(((at + ("id",), p.id) for at, p in points), N_("decision"))
        return DecisionContent(tuple(p for _, p in points)), DecisionKey(tuple(keys))

    @staticmethod
    def _options(ctx, item, path, multiple, tagged) -> tuple[tuple[Option, ...], frozenset[str]]:
        options, correct, ids = [], set(), []
        for at, raw in ctx.items(item, "options", path, minimum=2):
            opt = ctx.mapping(raw, at, ("id", "text", "explanation"),
                              ("correct", "safeguard", "violates_safeguard"))
            if opt is None:
                continue
            violates = ctx.boolean(opt, "violates_safeguard", at)
            option = Option(ctx.ident(opt, "id", at), ctx.text(opt, "text", at),
                            ctx.text(opt, "explanation", at), ctx.safeguard(opt, at), violates)
            ids.append((at + ("id",), option.id))
            options.append(option)
            is_correct = ctx.boolean(opt, "correct", at)
            if is_correct:
                correct.add(option.id)
            if violates and is_correct:
                ctx.error(at + ("violates_safeguard",),
                          msg(N_("an option that violates a safeguard cannot be correct")))
            elif violates and not (tagged or option.safeguard):
                ctx.error(at + ("violates_safeguard",),
                          msg(N_("say which safeguard it violates: tag the option, its decision point "
                                 "or the task with safeguard: legal or human_rights")))
        ctx.unique(ids, N_("option"))
        if "options" in item and not multiple and len(correct) != 1:
            ctx.error(path + ("options",), msg(N_("a single-choice decision needs exactly one correct "
                                                  "option, has %(n)d (set multiple: true for several)"),
                                               n=len(correct)))
        if "options" in item and multiple and not correct:
            ctx.error(path + ("options",), msg(N_("mark at least one option correct: true")))
        return tuple(options), frozenset(correct)

    def safeguard_share(self, task):
        points = task.content.decisions
        if task.safeguard or not points:
            return 1.0 if task.safeguard else 0.0
        return sum(p.is_safeguard for p in points) / len(points)

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        choices = _field(response, "choices", dict)
        keyed = {k.decision_id: k for k in key.items}
        items = []
        for point in task.content.decisions:
            k = keyed.get(point.id) or DecisionKeyItem(point.id, frozenset(), "")
            chosen = _chosen(choices.get(point.id), {o.id for o in point.options})
            note = ""
            if rules >= 2:
                breaches = {o.id for o in point.options if o.violates_safeguard} & chosen
                points = choice_credit_v2(chosen, k.correct, point.multiple, breaches)
                if breaches:
                    note = msg(N_("You chose an option that violates a safeguard (%(options)s): "
                                  "this decision scores 0."), options=", ".join(sorted(breaches)))
            else:
                points = choice_credit(chosen, k.correct, point.multiple)
            items.append(ItemFeedback(
                point.id, point.question, ", ".join(sorted(chosen)) or None,
                ", ".join(sorted(k.correct)), points, 1.0, _decision_rationale(point, k),
                bool(task.safeguard) or point.is_safeguard, note))
        score = _mean([i.points for i in items])
        tagged = [i.points for i in items if i.safeguard]
        untagged = [i.points for i in items if not i.safeguard]
        return TaskResult(task.id, task.type, score, tuple(items), False,
                          len(tagged) / len(items) if items else 0.0,
                          _mean(tagged) if tagged else None,
                          _mean(untagged) if untagged else None)


def choice_credit(chosen: set[str], correct: frozenset[str], multiple: bool) -> float:
    """Single: 1 for exactly the keyed option; multiple: Jaccard of chosen and keyed."""
    if not chosen:
        return 0.0
    if not multiple:
        return 1.0 if chosen == correct else 0.0
    return len(chosen & correct) / len(chosen | correct)


def choice_credit_v2(chosen: set[str], correct: frozenset[str], multiple: bool,
                     breaches: set[str] | frozenset[str] = frozenset()) -> float:
    """Single: 1 for exactly the keyed option; multiple: (right − wrong picks) ÷ keyed options,
    floored at 0. Choosing an option that violates a safeguard scores 0 either way."""
    if not chosen or breaches & chosen:
        return 0.0
    if not multiple:
        return 1.0 if chosen == correct else 0.0
    if not correct:
        return 0.0
    return max(0.0, (len(chosen & correct) - len(chosen - correct)) / len(correct))


def _chosen(value: Any, option_ids: set[str]) -> set[str]:
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str) and v in option_ids}


def _decision_rationale(point: DecisionPoint, key: DecisionKeyItem) -> str:
    lines = [key.rationale, ""] + [f"- **{o.id}**: {o.explanation}" for o in point.options]
    return "\n".join(lines)


# report --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    id: str
    criterion: str
    max_points: int
    guidance: str = ""


@dataclass(frozen=True)
class ReportContent:
    prompt: str
    rubric: tuple[Criterion, ...]


class ReportTask(TaskType):
    """Free-text intelligence report scored by a trainer against a rubric (v2: empty scores 0).

    Response: {"text": "..."}; review: {"C1": 3, "C2": {"points": 1, "comment": "..."}}
    """

    type = "report"
    required = ("prompt", "rubric")
    auto_scored = False

    def parse(self, data, path, ctx):
        rubric = []
        for at, raw in ctx.items(data, "rubric", path, minimum=1):
            item = ctx.mapping(raw, at, ("id", "criterion", "max_points"), ("guidance",))
            if item is not None:
                rubric.append((at, Criterion(
                    ctx.ident(item, "id", at), ctx.text(item, "criterion", at),
                    int(ctx.number(item, "max_points", at, integer=True, above=0) or 0),
                    ctx.text(item, "guidance", at, required=False))))
        ctx.unique(((at + ("id",), c.id) for at, c in rubric), N_("criterion"))
        return ReportContent(ctx.text(data, "prompt", path), tuple(c for _, c in rubric)), None

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        if rules >= 2 and is_empty_report(response):
            # Nothing for a trainer to read: scored 0 now instead of waiting in the review queue.
            note = msg(N_("The report is empty: it scores 0 without a trainer's review."))
            items = [ItemFeedback(c.id, c.criterion, None, f"{c.max_points}", 0.0, float(c.max_points),
                                  c.guidance, note=note if not i else "")
                     for i, c in enumerate(task.content.rubric)]
            return self._result(task, 0.0, items)
        review = review if isinstance(review, dict) else {}
        items, pending = [], False
        for c in task.content.rubric:
            points, comment = _review_points(review.get(c.id))
            if points is None:
                pending = True
            given = None if points is None else f"{min(max(points, 0), c.max_points):g}"
            items.append(ItemFeedback(c.id, c.criterion, given, f"{c.max_points}",
                                      min(max(points or 0.0, 0.0), c.max_points),
                                      float(c.max_points), comment or c.guidance))
        total = sum(i.max_points for i in items)
        score = sum(i.points for i in items) / total if total and not pending else 0.0
        return self._result(task, score, items, pending)


def is_empty_report(response: Any) -> bool:
    """No text, or only white space (a response without a text counts as empty)."""
    text = response.get("text") if isinstance(response, dict) else None
    return not isinstance(text, str) or not text.strip()


def _review_points(value: Any) -> tuple[float | None, str]:
    comment = ""
    if isinstance(value, dict):
        comment = value.get("comment") if isinstance(value.get("comment"), str) else ""
        value = value.get("points")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None, comment
    try:
        return float(value), comment
    except OverflowError:  # an integer beyond any float: clamped to the maximum later
        return (float("inf") if value > 0 else float("-inf")), comment


TASK_TYPES: dict[str, TaskType] = {
    t.type: t for t in (GradeTask(), LinkChartTask(), TimelineTask(), HypothesesTask(),
                        DecisionTask(), ReportTask())
}


# -- attempts ---------------------------------------------------------------------------

def score_attempt(scenario: Scenario, responses: Any,
                  report_scores: dict[str, Any] | None = None, *, rules: int = CURRENT_RULES,
                  unseen: Iterable[str] = ()) -> AttemptResult:
    """Score every task with a rule version, weight them, split case and safeguards, and
    decide the status.

    unseen: reports the trainee never saw (injects not released in a live exercise); version 2
    leaves them out, version 1 scores everything.
    """
    if rules not in RULE_VERSIONS:
        raise ValueError(f"unknown scoring rule version {rules!r} (known: {RULE_VERSIONS})")
    responses = responses if isinstance(responses, dict) else {}
    reviews = report_scores if isinstance(report_scores, dict) else {}
    known = {r.id for r in scenario.reports}
    hidden = frozenset(r for r in unseen if isinstance(r, str) and r in known) if rules >= 2 else frozenset()
    render = _memo(scenario.render)
    results = tuple(
        _rendered(TASK_TYPES[t.type].score(t, t.key, responses.get(t.id), reviews.get(t.id),
                                           rules=rules, unseen=hidden), render)
        for t in scenario.tasks)
    weights = [t.weight for t in scenario.tasks]
    total = _percent(sum(w * r.score for w, r in zip(weights, results)), sum(weights)) or 0.0
    safeguards = _percent(*_part(weights, results, safeguard=True))
    case = _percent(*_part(weights, results, safeguard=False))
    status = _status(scenario, results, total, safeguards)
    return AttemptResult(total, status == "passed", status, results, safeguards, case,
                         scenario.pass_mark, scenario.min_safeguards, rules, tuple(sorted(hidden)))


def _part(weights: list[float], results: tuple[TaskResult, ...],
          safeguard: bool) -> tuple[float, float]:
    points = weight = 0.0
    for w, r in zip(weights, results):
        share = r.safeguard_share if safeguard else 1 - r.safeguard_share
        part_score = r.safeguard_score if safeguard else r.case_score
        if share and part_score is not None:
            weight += w * share
            points += w * share * part_score
    return points, weight


def _percent(points: float, weight: float) -> float | None:
    # Rounded once here so that what the trainee sees is what the pass mark is compared to.
    return round(100 * points / weight, 2) if weight else None


def _status(scenario: Scenario, results: tuple[TaskResult, ...], total: float | None,
            safeguards: float | None) -> str:
    if any(r.pending for r in results):
        return "awaiting_review"
    if (total or 0) < scenario.pass_mark:
        return "failed"
    if scenario.min_safeguards is not None and (safeguards or 0) < scenario.min_safeguards:
        return "failed"
    return "passed"


def _rendered(result: TaskResult, render: Callable[[str], str]) -> TaskResult:
    """Feedback text with entity mentions replaced by the variant's names."""
    items = []
    for i in result.items:
        label, rationale = render(i.label), render(i.rationale)
        if label == i.label and rationale == i.rationale:
            items.append(i)
        else:  # the constructor, not dataclasses.replace: this runs for every item
            items.append(ItemFeedback(i.item_id, label, i.given, i.expected, i.points,
                                      i.max_points, rationale, i.safeguard, i.note))
    return replace(result, items=tuple(items))


def _memo(fn: Callable[[str], str]) -> Callable[[str], str]:
    # A rationale is shared by several items (a report's three grades): render it once.
    cache: dict[str, str] = {}

    def cached(text: str) -> str:
        if text not in cache:
            cache[text] = fn(text)
        return cache[text]

    return cached


# -- helpers ----------------------------------------------------------------------------

def _field(response: Any, name: str, kind: type) -> Any:
    """response[name] if response is a dict and the value has the expected type, else empty."""
    value = response.get(name) if isinstance(response, dict) else None
    return value if isinstance(value, kind) else kind()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
