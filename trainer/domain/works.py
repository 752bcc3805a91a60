"""Works: a course or scenario and its versions in other languages, which must agree in structure.

A translation (`translation_of: <id>`) is the same work as its original: officers who complete
either have completed the work, so both must teach and test the same thing. Prose may differ;
lessons (file stems), question ids and answer keys, and a scenario's entity, report and task ids
and answer key may not. Each difference names the translation's file and the key.

Plain functions over the course and scenario specs (duck-typed: this module imports neither).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .messages import N_, Message, joined, msg


@dataclass(frozen=True)
class Difference:
    """One way a translation's structure departs from its original's."""

    file: str          # the translation's file where it differs
    key: str           # YAML path, e.g. "questions[q3].correct"
    message: str       # a Message: English as a str, translated where it is shown


def _listed(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values) or "none"


# What _compare_ids compares, named in each language.
COMPARED = {
    "lesson(s)": N_("lesson(s)"),
    "competency id(s)": N_("competency id(s)"),
    "question(s)": N_("question(s)"),
    "entity id(s)": N_("entity id(s)"),
    "report id(s)": N_("report id(s)"),
    "task id(s)": N_("task id(s)"),
}


def _compare_ids(ours: Sequence[str], theirs: Sequence[str], what: str, original: str) -> Message | None:
    """A sentence naming the ids missing, extra or reordered; None when they agree. `what` is a
    key of COMPARED."""
    if list(ours) == list(theirs):
        return None
    missing = [i for i in theirs if i not in ours]
    extra = [i for i in ours if i not in theirs]
    named = Message(COMPARED[what])
    parts = []
    if missing:
        parts.append(msg(N_("missing %(what)s %(ids)s"), what=named, ids=_listed(missing)))
    if extra:
        parts.append(msg(N_("%(what)s %(ids)s not in the original"), what=named, ids=_listed(extra)))
    if not parts:
        parts.append(msg(N_("%(what)s in another order (%(ours)s; the original: %(theirs)s)"), what=named,
                         ours=_listed(ours), theirs=_listed(theirs)))
    return msg(N_("%(differences)s (original: '%(original)s')"), differences=joined(parts), original=original)


def _differs(ours: str, theirs: str, original: str) -> Message:
    return msg(N_("%(ours)s differs from the original's %(theirs)s ('%(original)s')"), ours=ours, theirs=theirs,
               original=original)


def _where_original_has(ours: Any, theirs: Any, original: str) -> Message:
    return msg(N_("%(ours)s where the original ('%(original)s') has %(theirs)s"), ours=ours, theirs=theirs,
               original=original)


COUNTED = {
    "options": N_("%(n)d options where the original ('%(original)s') has %(theirs)d"),
    "pairs": N_("%(n)d pairs where the original ('%(original)s') has %(theirs)d"),
    "items": N_("%(n)d items where the original ('%(original)s') has %(theirs)d"),
}


# ------------------------------------------------------------------------------------ courses

QUESTION_KEY_FIELDS = ("type", "competency", "correct", "truth", "shuffle")


def _question_files(course) -> dict[str, str]:
    """Question id -> the bank file (relative to the course folder) that holds it."""
    files: dict[str, str] = {}
    banks = [lesson.check for lesson in course.lessons] + [course.pre_test, course.post_test]
    for bank in banks:
        if bank is not None:
            for question in bank.questions:
                files.setdefault(question.id, bank.bank)
    return files


def course_differences(translation, original, root_name: str = "courses") -> list[Difference]:
    """Where a course translation's lessons, question ids and answer keys depart from its original."""
    folder = f"{root_name}/{translation.folder}"
    course_file = f"{folder}/course.yml"
    found: list[Difference] = []

    def add(file: str, key: str, message: Message | None) -> None:
        if message:
            found.append(Difference(file, key, message))

    add(course_file, "lessons", _compare_ids([l.slug for l in translation.lessons],
                                            [l.slug for l in original.lessons], "lesson(s)", original.id))
    add(course_file, "objectives", _compare_ids([c.id for c in getattr(translation, "competencies", ())],
                                                [c.id for c in getattr(original, "competencies", ())],
                                                "competency id(s)", original.id))
    for name in ("pass_mark", "completion"):
        if getattr(translation, name) != getattr(original, name):
            add(course_file, name, _differs(repr(getattr(translation, name)), repr(getattr(original, name)),
                                            original.id))
    theirs_by_slug = {lesson.slug: lesson for lesson in original.lessons}
    for index, lesson in enumerate(translation.lessons):
        other = theirs_by_slug.get(lesson.slug)
        if other is None:
            continue
        mine = [q.id for q in lesson.check.questions] if lesson.check else []
        theirs = [q.id for q in other.check.questions] if other.check else []
        file = f"{folder}/{lesson.check.bank}" if lesson.check else f"{folder}/{lesson.slug}.md"
        add(file, f"lessons[{index}].check", _compare_ids(mine, theirs, "question(s)", original.id))
    for bank in ("pre_test", "post_test"):
        mine, theirs = getattr(translation, bank), getattr(original, bank)
        if (mine is None) != (theirs is None):
            add(course_file, bank, msg(N_("present here but missing in the original ('%(original)s')") if mine
                                       else N_("missing here but present in the original ('%(original)s')"),
                                       original=original.id))
        elif mine is not None:
            file = f"{folder}/{mine.bank}"
            add(file, "questions", _compare_ids([q.id for q in mine.questions], [q.id for q in theirs.questions],
                                                "question(s)", original.id))
            if mine.count != theirs.count:
                add(course_file, f"{bank}.count", msg(N_("draws %(n)d question(s), the original '%(original)s' "
                                                         "%(theirs)d"), n=mine.count, original=original.id,
                                                      theirs=theirs.count))
            if getattr(mine, "per_competency", None) != getattr(theirs, "per_competency", None):
                add(course_file, f"{bank}.per_competency",
                    _differs(repr(getattr(mine, "per_competency", None)), repr(getattr(theirs, "per_competency", None)),
                             original.id))
    files = _question_files(translation)
    ours, theirs = translation.all_questions(), original.all_questions()
    for key, question in ours.items():
        other = theirs.get(key)
        if other is None:
            continue  # reported above with its bank
        file = f"{folder}/{files.get(key, 'questions')}"
        for name in QUESTION_KEY_FIELDS:
            if getattr(question, name) != getattr(other, name):
                add(file, f"questions[{key}].{name}",
                    _differs(_shown(getattr(question, name)), _shown(getattr(other, name)), original.id))
        for name in ("options", "pairs", "items"):
            if len(getattr(question, name)) != len(getattr(other, name)):
                add(file, f"questions[{key}].{name}", msg(COUNTED[name], n=len(getattr(question, name)),
                                                          original=original.id, theirs=len(getattr(other, name))))
    return found


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return f"[{', '.join(str(v) for v in value)}]"
    return repr(value)


def check_course_works(courses: Sequence, root_name: str = "courses") -> list[Difference]:
    """Compare every course that declares `translation_of` with the course it names."""
    by_id = {course.id: course for course in courses}
    found: list[Difference] = []
    for course in courses:
        original = by_id.get(course.translation_of) if course.translation_of else None
        if original is not None:
            found += course_differences(course, original, root_name)
    return found


# ---------------------------------------------------------------------------------- scenarios

# Text a trainee reads; everything else in a task (ids, types, weights, grades, answers) is key.
PROSE_FIELDS = frozenset({"title", "text", "rationale", "explanation", "question", "criterion", "guidance",
                          "prompt", "instructions", "time", "label", "description"})


def structure(value: Any) -> Any:
    """A value with every prose field removed: ids, types, weights, grades and answers remain."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, structure(getattr(value, f.name)))
                     for f in dataclasses.fields(value) if f.name not in PROSE_FIELDS)
    if isinstance(value, (tuple, list)):
        return tuple(structure(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(structure(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, structure(v)) for k, v in value.items() if k not in PROSE_FIELDS))
    return value


def _first_difference(ours: Any, theirs: Any, path: str) -> str | None:
    """The path of the first place two structures differ (for the message), or None."""
    if ours == theirs:
        return None
    if isinstance(ours, tuple) and isinstance(theirs, tuple) and len(ours) == len(theirs):
        for index, (a, b) in enumerate(zip(ours, theirs)):
            if a != b:
                if (isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str)
                        and isinstance(b, tuple) and len(b) == 2 and a[0] == b[0]):
                    return _first_difference(a[1], b[1], f"{path}.{a[0]}")
                return _first_difference(a, b, f"{path}[{_record_id(a) or index}]")
    return path


ID_FIELDS = ("id", "report_id", "event_id", "evidence_id", "report", "event", "evidence")


def _record_id(record: Any) -> str | None:
    """The id of a record in a structure (its "id", "report"... field), to name it by."""
    if isinstance(record, tuple) and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                                         for p in record):
        fields = dict(record)
        return next((str(fields[name]) for name in ID_FIELDS if isinstance(fields.get(name), str)), None)
    return None


SCENARIO_SAME_FIELDS = ("estimated_minutes", "pass_mark", "min_safeguards", "template")


def scenario_differences(translation, original) -> list[Difference]:
    """Where a scenario translation's entity, report and task ids and answer key depart from its original."""
    file = translation.filename
    found: list[Difference] = []

    def add(key: str, message: Message | None) -> None:
        if message:
            found.append(Difference(file, key, message))

    add("entities", _compare_ids([e.id for e in translation.entities], [e.id for e in original.entities],
                                 "entity id(s)", original.id))
    add("reports", _compare_ids([r.id for r in translation.reports], [r.id for r in original.reports],
                                "report id(s)", original.id))
    add("tasks", _compare_ids([t.id for t in translation.tasks], [t.id for t in original.tasks],
                              "task id(s)", original.id))
    for name in SCENARIO_SAME_FIELDS:
        if getattr(translation, name) != getattr(original, name):
            add(name, _differs(repr(getattr(translation, name)), repr(getattr(original, name)), original.id))
    entities = {entity.id: entity for entity in original.entities}
    for index, entity in enumerate(translation.entities):
        other = entities.get(entity.id)
        if other is not None and entity.type != other.type:
            add(f"entities[{index}].type", _where_original_has(f"'{entity.type}'", f"'{other.type}'", original.id))
    reports = {report.id: report for report in original.reports}
    for index, report in enumerate(translation.reports):
        other = reports.get(report.id)
        if other is None:
            continue
        for name, ours, theirs in (("source.type", report.source.type, other.source.type),
                                   ("release", report.release, other.release),
                                   ("received", report.received, other.received)):
            if ours != theirs:
                add(f"reports[{index}].{name}", _where_original_has(ours, theirs, original.id))
    tasks = {task.id: task for task in original.tasks}
    for index, task in enumerate(translation.tasks):
        other = tasks.get(task.id)
        if other is None:
            continue
        for name in ("type", "weight", "safeguard"):
            if getattr(task, name) != getattr(other, name):
                add(f"tasks[{index}].{name}", _where_original_has(_shown(structure(getattr(task, name))),
                                                                  _shown(structure(getattr(other, name))), original.id))
        for name in ("key", "content"):
            ours, theirs = getattr(task, name), getattr(other, name)
            if name == "key" and task.type == "query":
                ours, theirs = _text_values_blanked(ours, translation), _text_values_blanked(theirs, original)
            where = _first_difference(structure(ours), structure(theirs), f"tasks[{index}].{name}")
            if where:
                add(where, msg(N_("the answer key differs from the original's ('%(original)s', task %(task)s)")
                               if name == "key" else
                               N_("the structure (ids, options, codes) differs from the original's ('%(original)s', "
                                  "task %(task)s)"), original=original.id, task=task.id))
    return found


TRANSLATED_TEXT = "(text in the version's language)"


def _text_values_blanked(key: Any, scenario: Any) -> Any:
    """A query key whose filters' values in text columns are blanked: a translation writes its
    datasets' words (a crossing point, a direction) in its own language, and its filters with
    them; columns, numbers, times, entities and aggregates must still be the original's."""
    def blank(item: Any) -> Any:
        query = item.compute
        dataset = scenario.dataset(query.dataset) if query is not None else None
        if dataset is None:
            return item
        text = {column.id for column in dataset.columns if column.type == "string"}
        where = tuple(dataclasses.replace(condition, values=tuple(
            TRANSLATED_TEXT if condition.column in text and isinstance(value, str) else value
            for value in condition.values)) for condition in query.where)
        return dataclasses.replace(item, compute=dataclasses.replace(query, where=where))

    return dataclasses.replace(key, items=tuple(blank(item) for item in key.items))


def check_scenario_works(scenarios: Sequence) -> list[Difference]:
    """Compare every scenario that declares `translation_of` with the scenario it names."""
    by_id = {scenario.id: scenario for scenario in scenarios}
    found: list[Difference] = []
    for scenario in scenarios:
        original = by_id.get(scenario.translation_of) if scenario.translation_of else None
        if original is not None:
            found += scenario_differences(scenario, original)
    return found


# ------------------------------------------------------------------------------- catalogues

@dataclass(frozen=True)
class WorkEntry:
    """One work in a list: the version to show first and the work's versions in other languages."""

    shown: Any
    others: tuple[Any, ...]


def arrange_works(items: Sequence, reader_language: str, only_language: str | None = None) -> list[WorkEntry]:
    """One entry per work (items carry `.work`, `.slug`, `.language`), in the order of `items`.

    Shown first: the version in `only_language` when a list is filtered by language (works
    without one are left out), else the reader's language, else the original, else the first.
    """
    works: dict[str, list] = {}
    for item in items:
        works.setdefault(item.work or item.slug, []).append(item)
    position = {id(item): index for index, item in enumerate(items)}
    entries = []
    for work, versions in works.items():
        wanted = only_language or reader_language
        chosen = (next((v for v in versions if v.language == wanted), None)
                  or (None if only_language else next((v for v in versions if v.slug == work), versions[0])))
        if chosen is None:
            continue
        others = tuple(sorted((v for v in versions if v is not chosen), key=lambda v: (v.language, v.slug)))
        entries.append(WorkEntry(chosen, others))
    return sorted(entries, key=lambda entry: position[id(entry.shown)])
