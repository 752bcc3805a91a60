"""`hypotheses`: analysis of competing hypotheses (ACH), a matrix and a conclusion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trainer.domain.messages import N_, label, msg
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType, mean, response_field

RATINGS = ("consistent", "inconsistent", "neutral")
RATING_LABELS: dict[str, str] = {
    "consistent": N_("consistent"), "inconsistent": N_("inconsistent"), "neutral": N_("neutral"),
}
_RATING_ALIASES = {"c": "consistent", "i": "inconsistent", "n": "neutral",
                   **{r: r for r in RATINGS}}
ACH_MATRIX_SHARE = 0.7  # the conclusion earns the remaining 0.3
# Version 2 (docs/scenario-format.md, "Scoring rules, version 2" says why):
ACH_HEDGE_CREDIT = 0.25         # neutral where the key commits to consistent or inconsistent
ACH_INCONSISTENT_WEIGHT = 2.0   # a cell the key rates inconsistent counts twice
ACH_OWN_MATRIX_CREDIT = 0.5     # share of the conclusion's 0.3 for one that follows from
                                # the trainee's own matrix but is not the key's


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
    label = N_("Analysis of competing hypotheses")
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
        matrix = response_field(response, "matrix", dict)
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
            matrix_score = mean([i.points for i in cells])
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
