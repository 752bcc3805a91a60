"""`query`: questions answered from a scenario's datasets, keyed from the data itself.

Each question names a dataset and the kind of answer: an exact `value` (a number, a plate, a
name), a `number` within a tolerance, a `set` of values, or a set of `rows`. Its key is
typed in (`key:`) for a table typed in, or computed (`compute:`) by the query language of
trainer/domain/scenario/datasets.py; in a template it is always computed, for each variant
from that variant's own rows, so every trainee's right answer fits their data.

Scoring (every rule version): a value or a number is right (1) or wrong (0); a set or rows
earn the F1 of precision and recall against the key; the task scores the mean over its
questions. docs/scenario-format.md, "`query`", says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from trainer.domain.messages import N_, Message, msg
from trainer.domain.scenario.datasets import (
    Dataset, Query, format_value, normalise_text, parse_number, parse_query, resolve, run_query,
)
from trainer.domain.scenario.model import render_mentions
from trainer.domain.tasks.base import CURRENT_RULES, ItemFeedback, TaskType, mean, response_field
from trainer.domain.tasks.link_chart import f1

ANSWER_KINDS = ("value", "number", "set", "rows")
ANSWER_LABELS: dict[str, str] = {
    "value": N_("a value"), "number": N_("a number"), "set": N_("a list of values"),
    "rows": N_("a list of row numbers"),
}
MAX_ANSWER_ITEMS = 1000  # more values than any key holds: the rest is ignored
MAX_TEXT = 500


@dataclass(frozen=True)
class Question:
    """A question on one dataset; `answer` is value | number | set | rows."""

    id: str
    dataset: str
    question: str
    answer: str
    tolerance: float = 0.0
    relative: bool = False  # tolerance is a share of the key (written "2%")


@dataclass(frozen=True)
class QueryContent:
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QueryKeyItem:
    """The key of one question: `values` (accepted values, a set, or row numbers) or `number`,
    or, until a template's variant computes it, only `compute`."""

    question_id: str
    rationale: str
    compute: Query | None = None
    number: float | None = None
    values: frozenset[str] | frozenset[int] | None = None

    @property
    def keyed(self) -> bool:
        """True once the key is known (typed in, or computed for this variant)."""
        return self.number is not None or self.values is not None


@dataclass(frozen=True)
class QueryKey:
    items: tuple[QueryKeyItem, ...]


class QueryTask(TaskType):
    """Questions answered from the data: exact value, number with a tolerance, set, rows.

    Response: {"answers": {"Q1": "+996 555 12 34 56", "Q2": "14", "Q3": ["01 123 ABC"], "Q4": [3, 17]}}
    """

    type = "query"
    label = N_("Questions on the data")
    required = ("questions",)

    def parse(self, data, path, ctx):
        questions, keys = [], []
        for at, raw in ctx.items(data, "questions", path, minimum=1):
            item = ctx.mapping(raw, at, ("id", "dataset", "question", "answer", "rationale"),
                               ("key", "compute", "tolerance"))
            if item is None:
                continue
            dataset = self._dataset(ctx, item, at)
            answer = ctx.choice(item, "answer", at, ANSWER_KINDS, N_("answer kind"))
            tolerance, relative = self._tolerance(ctx, item, at, answer)
            question = Question(ctx.ident(item, "id", at), dataset.id if dataset else "",
                                ctx.text(item, "question", at), answer, tolerance, relative)
            questions.append((at, question))
            keys.append(self._key(ctx, item, at, question, dataset))
        ctx.unique(((at + ("id",), q.id) for at, q in questions), N_("question"))
        return QueryContent(tuple(q for _, q in questions)), QueryKey(tuple(k for k in keys if k))

    @staticmethod
    def _dataset(ctx, item, path) -> Dataset | None:
        ref = ctx.ref(item.get("dataset"), path + ("dataset",), ctx.datasets, N_("dataset")) \
            if "dataset" in item else ""
        return ctx.datasets.get(ref) if ref else None

    @staticmethod
    def _tolerance(ctx, item, path, answer) -> tuple[float, bool]:
        if "tolerance" not in item:
            return 0.0, False
        if answer and answer != "number":
            ctx.error(path + ("tolerance",), msg(N_("tolerance is for answer: number")))
            return 0.0, False
        raw = item["tolerance"]
        relative = isinstance(raw, str) and raw.strip().endswith("%")
        value = parse_number(raw.strip()[:-1] if relative else raw)
        if value is None or value < 0:
            ctx.error(path + ("tolerance",), msg(N_("tolerance is a number (5) or a percentage (\"2%%\"), "
                                                    "not %(value)r"), value=raw))
            return 0.0, False
        return (value / 100 if relative else value), relative

    def _key(self, ctx, item, path, question: Question, dataset: Dataset | None) -> QueryKeyItem | None:
        rationale = ctx.text(item, "rationale", path)
        has_key, has_compute = "key" in item, "compute" in item
        if has_key == has_compute:
            ctx.error(path, msg(N_("question '%(question)s': give its answer as key: or compute: (one of "
                                   "the two)"), question=question.id))
            return None
        if has_compute:
            query = parse_query(ctx, item["compute"], path + ("compute",), dataset)
            if query is None:
                return None
            if question.answer and query.answer != question.answer:
                ctx.error(path + ("compute",), msg(N_("%(aggregate)s: gives %(gives)s, but the question's "
                                                      "answer is %(answer)s"), aggregate=query.aggregate,
                                                   gives=Message(ANSWER_LABELS[query.answer]),
                                                   answer=Message(ANSWER_LABELS[question.answer])))
                return None
            key = QueryKeyItem(question.id, rationale, query)
            if dataset is not None and not dataset.generated and not ctx.template and ctx.ok:
                key = computed(key, dataset, ctx.entities)  # a table typed in: keyed once, here
                if key.values == frozenset() and question.answer in ("value", "set", "rows"):
                    ctx.error(path + ("compute",), msg(N_("question '%(question)s': no row of '%(dataset)s' "
                                                          "meets the conditions, so there is no answer"),
                                                       question=question.id, dataset=dataset.id))
            return key
        if ctx.template:
            ctx.error(path + ("key",), msg(N_("in a template the key comes from each variant's data: "
                                              "write compute: instead of key:")))
            return None
        return self._typed_key(ctx, item["key"], path + ("key",), question, rationale, dataset)

    @staticmethod
    def _typed_key(ctx, raw, path, question: Question, rationale: str,
                   dataset: Dataset | None) -> QueryKeyItem | None:
        if question.answer == "number":
            number = parse_number(raw)
            if number is None:
                ctx.error(path, msg(N_("expected a number, got %(value)r"), value=raw))
                return None
            return QueryKeyItem(question.id, rationale, number=number)
        items = raw if isinstance(raw, list) else [raw]  # a value may list several accepted (a tie)
        if question.answer in ("set", "rows") and not isinstance(raw, list):
            ctx.error(path, msg(N_("expected a list, e.g. [3, 17]") if question.answer == "rows"
                                else N_("expected a list of values")))
            return None
        if question.answer == "rows":
            count = len(dataset.rows) if dataset is not None else 0
            rows = set()
            for i, value in enumerate(items):
                if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= count:
                    ctx.error(path + (i,), msg(N_("'%(value)s' is not a row of '%(dataset)s' (1 to %(n)d)"),
                                               value=value, dataset=dataset.id if dataset else "", n=count))
                else:
                    rows.add(value)
            return QueryKeyItem(question.id, rationale, values=frozenset(rows))
        values = set()
        for i, value in enumerate(items):
            if value is None or isinstance(value, (dict, list)):
                ctx.error(path + (i,) if isinstance(raw, list) else path,
                          msg(N_("expected a value, got %(value)r"), value=value))
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            ctx.check_mentions(text, path)
            values.add(render_mentions(text, ctx.entities))
        return QueryKeyItem(question.id, rationale, values=frozenset(values))

    def for_variant(self, task, scenario):
        """Compute each key from the variant's own rows."""
        by_id = {d.id: d for d in scenario.datasets}
        entities = scenario.entity_map
        datasets = {q.id: by_id.get(q.dataset) for q in task.content.questions}
        items = tuple(computed(k, datasets.get(k.question_id), entities) for k in task.key.items)
        return replace(task, key=QueryKey(items))

    def score(self, task, key, response, review=None, *, rules=CURRENT_RULES, unseen=frozenset()):
        answers = response_field(response, "answers", dict)
        keyed = {k.question_id: k for k in key.items}
        items = []
        for question in task.content.questions:
            k = keyed.get(question.id) or QueryKeyItem(question.id, "")
            given = answers.get(question.id)
            points, shown, note = score_answer(question, k, given)
            items.append(ItemFeedback(question.id, question.question, shown, expected_text(question, k),
                                      points, 1.0, k.rationale, note=note))
        return self._result(task, mean([i.points for i in items]), items)


def computed(key: QueryKeyItem, dataset: Dataset | None, entities: dict | None = None) -> QueryKeyItem:
    """The key with its value computed from the dataset's rows (entities: the variant's)."""
    if key.compute is None or dataset is None:
        return key
    query = resolve(key.compute, entities) if entities is not None else key.compute
    kind, value = run_query(query, dataset)
    if kind == "number":
        return replace(key, number=value)
    return replace(key, values=value)


# -- answers ----------------------------------------------------------------------------

def answer_problem(question: Question, value: Any) -> Message | None:
    """Why an answer cannot be read as the question's kind (text for a number...), or None.

    The workspace shows it beside the field; the answer is saved all the same, and scores 0.
    """
    if value is None or value == "" or value == []:
        return None
    if question.answer == "number":
        if parse_number(value) is None:
            return msg(N_("'%(value)s' is not a number: write digits, e.g. 14 or 1 250,50"),
                       value=_short(value))
    elif question.answer == "rows":
        for item in _listed(value):
            if _row_number(item) is None:
                return msg(N_("'%(value)s' is not a row number: give the numbers of the rows, e.g. 3, 17"),
                           value=_short(item))
    elif question.answer == "value" and isinstance(value, list):
        return msg(N_("give one value"))
    return None


def score_answer(question: Question, key: QueryKeyItem, given: Any) -> tuple[float, Any, Any]:
    """(points 0..1, the answer as shown, a note) for one question."""
    problem = answer_problem(question, given)
    shown = _shown(given)
    if not key.keyed or shown is None:
        return 0.0, shown, ""
    if problem is not None:
        return 0.0, shown, problem
    if question.answer == "number":
        number = parse_number(given)
        allowed = question.tolerance * abs(key.number) if question.relative else question.tolerance
        return (1.0 if abs(number - key.number) <= allowed + 1e-9 else 0.0), shown, ""
    if question.answer == "value":
        wanted = {normalise_text(v) for v in key.values}
        return (1.0 if normalise_text(str(given)) in wanted else 0.0), shown, ""
    if question.answer == "rows":
        chosen = {n for n in map(_row_number, _listed(given)) if n is not None}
        right = len(chosen & key.values)
        return f1(right, len(chosen), len(key.values)), shown, ""
    chosen = {normalise_text(str(v)) for v in _listed(given) if str(v).strip()}
    wanted = {normalise_text(v) for v in key.values}
    return f1(len(chosen & wanted), len(chosen), len(wanted)), shown, ""


def expected_text(question: Question, key: QueryKeyItem) -> str | None:
    """The key as shown in feedback: '14', '14 (± 2)', 'a, b', 'rows 3, 17'."""
    if not key.keyed:
        return None
    if question.answer == "number":
        text = _number_text(key.number)
        if question.tolerance:
            spread = f"{question.tolerance * 100:g}%" if question.relative else _number_text(question.tolerance)
            text += f" (± {spread})"
        return text
    if question.answer == "rows":
        return ", ".join(str(n) for n in sorted(key.values))
    return ", ".join(sorted(key.values)) if key.values else "—"


def _number_text(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else format_value(value)


def _listed(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value[:MAX_ANSWER_ITEMS]
    if isinstance(value, str):  # "3, 17; 21" typed in one field
        return [v for v in value.replace(";", ",").replace("\n", ",").split(",") if v.strip()][:MAX_ANSWER_ITEMS]
    return [value]


def _row_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**7 else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 8:
        return int(value.strip())
    return None


def _short(value: Any) -> str:
    text = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else "…"
    return text if len(text) <= 40 else text[:39] + "…"


def _shown(value: Any) -> str | None:
    """The trainee's answer as text for feedback; None when nothing was answered."""
    if value is None or isinstance(value, bool) or isinstance(value, dict):
        return None
    if isinstance(value, list):
        parts = [str(v)[:MAX_TEXT] for v in value[:MAX_ANSWER_ITEMS]
                 if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip()]
        return ", ".join(parts) or None
    if isinstance(value, (int, float)):
        return _short(value) if value == value else None
    text = str(value).strip()
    return text[:MAX_TEXT] or None

