"""Datasets shown in lessons, and knowledge-check questions whose key is computed from them.

A course declares its datasets in course.yml (`datasets:` with typed columns and a CSV `file:`
beside the lessons); a lesson lists the ones it shows (`datasets: [calls]`) in the same data
widget as a scenario's Data tab. A single or multiple question in a lesson's check may say
`from_data:` how its answer follows from a dataset (the query language of the scenario `query`
task); the content check runs the query and reports a key that no longer matches the rows, so
answers cannot drift from the data. docs/content-format.md, "Datasets in lessons".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trainer.domain.markdown import render_markdown
from trainer.domain.messages import N_, Message, msg
from trainer.domain.questions import Question
from trainer.domain.scenario.datasets import (
    Dataset, format_value, normalise_text, parse_datasets, parse_number, parse_query, run_query,
)
from trainer.domain.scenario.validation import Ctx

DATASET_KEYS = ("id", "title", "file", "columns", "description")
ANSWERED_BY_OPTIONS = {"single": ("number", "value"), "multiple": ("set",)}


@dataclass(frozen=True)
class Finding:
    """A problem found in a dataset or a data question: `file` None means the file being read."""

    key: str
    message: Message
    file: str | None = None
    line: int | None = None


def read_datasets(raw: Any, read_csv: Callable[[str, str], tuple[str, str] | None]
                  ) -> tuple[dict[str, Dataset], set[str], list[Finding]]:
    """course.yml's `datasets:` list: id, title, file (CSV, header of column ids), columns
    (id, type, label), description. read_csv(name, key) gives (file shown, text), or None after
    reporting why it cannot. Returns the good datasets by id, the ids of every dataset declared
    (so that a broken one is reported once, not at every lesson naming it) and the problems; a
    cell that does not fit its column is named by file, line, dataset, row and column."""
    if not isinstance(raw, list):
        return {}, set(), [Finding("datasets", msg(N_("expected a list of datasets (- id: ..., file: ...)")))]
    findings: list[Finding] = []
    datasets: dict[str, Dataset] = {}
    declared: set[str] = set()
    for i, item in enumerate(raw):
        key = f"datasets[{i}]"
        if not isinstance(item, dict):
            findings.append(Finding(key, msg(N_("expected id, title, file and columns"))))
            continue
        declared.add(str(item.get("id")))
        for extra in sorted(set(item) - set(DATASET_KEYS), key=str):
            findings.append(Finding(f"{key}.{extra}", msg(N_("unknown key; a dataset has %(allowed)s"),
                                                          allowed=", ".join(DATASET_KEYS))))
        name = item.get("file")
        if not isinstance(name, str) or not name.strip():
            findings.append(Finding(f"{key}.file", msg(N_("is required: the CSV file of the rows, e.g. "
                                                          "data/calls.csv"))))
            continue
        found = read_csv(name.strip(), f"{key}.file")
        if found is None:
            continue
        entry = {k: v for k, v in item.items() if k in DATASET_KEYS and k != "file"}
        ctx = Ctx("")  # one per dataset: a bad cell in one table leaves the others usable
        parsed = parse_datasets(ctx, {"datasets": [{**entry, "csv": found[1]}]}, template=False)
        for problem in ctx.problems:
            # 'datasets[0].csv' (a cell or the header): the CSV file; anything else: course.yml.
            rest = problem.path.removeprefix("datasets[0]")
            if rest == ".csv":
                row = getattr(problem.message, "params", {}).get("row")
                findings.append(Finding("", problem.message, file=found[0], line=row + 1 if row else None))
            else:
                findings.append(Finding(key + rest, problem.message))
        if ctx.ok and parsed:
            if parsed[0].id in datasets:
                findings.append(Finding(f"{key}.id", msg(N_("dataset '%(dataset)s' is declared twice"),
                                                         dataset=parsed[0].id)))
            datasets[parsed[0].id] = parsed[0]
    return datasets, declared, findings


def check_data_question(question: Question, raw: Mapping, datasets: Mapping[str, Dataset],
                        shown: tuple[str, ...]) -> list[Finding]:
    """A question's `from_data:` query, run on its dataset, gives the answer it is keyed with:
    for a single question the keyed option is the number, or the value, the rows give (and no
    other option is); for a multiple question the keyed options are exactly the values of the
    set, every one of them among the options. Keys are question fields ('from_data.count')."""
    spec = raw.get("from_data")
    if not isinstance(spec, dict):
        return [Finding("from_data", msg(N_("expected dataset: and a query (where:, then count: true, sum:, "
                                            "most: or distinct:)")))]
    dataset_id = spec.get("dataset")
    if dataset_id not in datasets:
        return [Finding("from_data.dataset", msg(N_("'%(dataset)s' is not a dataset of the course (%(known)s)"),
                                                 dataset=dataset_id, known=", ".join(datasets) or "—"))]
    if dataset_id not in shown:
        return [Finding("from_data.dataset", msg(N_("the lesson does not show dataset '%(dataset)s': list it "
                                                    "under datasets: in its front matter"), dataset=dataset_id))]
    kinds = ANSWERED_BY_OPTIONS.get(question.type)
    if kinds is None:
        return [Finding("from_data", msg(N_("a %(type)s question cannot be answered from data: use single or "
                                            "multiple"), type=question.type))]
    ctx = Ctx("")
    query = parse_query(ctx, {k: v for k, v in spec.items() if k != "dataset"}, ("from_data",),
                        datasets[dataset_id])
    if query is None or not ctx.ok:
        return [Finding(p.path, p.message) for p in ctx.problems]
    kind, key = run_query(query, datasets[dataset_id])
    if kind not in kinds:
        return [Finding("from_data", msg(N_("the query does not answer a %(type)s question: a single question "
                                            "takes count, sum, count_distinct or most; a multiple question "
                                            "takes distinct"), type=question.type))]
    right = [i for i, option in enumerate(question.options) if _matches(option.text, kind, key)]
    if kind == "set":
        offered = {normalise_text(o.text) for o in question.options}
        missing = sorted(v for v in key if normalise_text(v) not in offered)
        if missing:
            return [Finding("options", msg(N_("the rows give %(values)s, not among the options"),
                                           values=", ".join(missing)))]
    if tuple(right) != tuple(sorted(question.correct)):
        shown_key = ", ".join(str(i + 1) for i in right) or "—"
        return [Finding("answer", msg(N_("the data gives %(value)s (option %(options)s), the key says option "
                                         "%(answer)s: correct the key or the data"),
                                      value=_shown(kind, key), options=shown_key,
                                      answer=", ".join(str(i + 1) for i in question.correct)))]
    return []


def _matches(text: str, kind: str, key: Any) -> bool:
    if kind == "number":
        number = parse_number(text)
        return number is not None and abs(number - key) < 0.005
    return normalise_text(text) in {normalise_text(v) for v in key}


def _shown(kind: str, key: Any) -> str:
    if kind == "number":
        return f"{key:g}"
    return ", ".join(sorted(key))


def table(dataset: Dataset) -> dict[str, Any]:
    """A dataset as the data widget reads it (static/js/datatable.js), with its description."""
    rows = [[format_value(v) if isinstance(v, datetime) else v for v in row] for row in dataset.rows]
    return {"id": dataset.id, "title": dataset.title,
            "description_html": render_markdown(dataset.description) if dataset.description else "",
            "columns": [{"id": c.id, "type": c.type, "label": c.label or c.id} for c in dataset.columns],
            "rows": rows, "entities": {}}
