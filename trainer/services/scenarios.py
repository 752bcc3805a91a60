"""Scenario use cases: load files as immutable versions, run attempts, score them."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import defer, joinedload

from ..domain.messages import as_data
from ..domain.generation import generate_variant, variant_seed
from ..domain.scenario import Scenario as ScenarioSpec
from ..domain.scenario import check_scenarios, parse_scenario
from ..domain.scenario.workspace import dataset_table, is_released, workspace_view
from ..domain.scoring import CURRENT_RULES, answer_key_marks, score_attempt
from ..domain.works import WorkEntry
from ..extensions import db
from ..models import Scenario, ScenarioAttempt, ScenarioItemMark, ScenarioVersion, User, utcnow
from . import learning_records, progress_summary
from .concurrency import insert_or_existing

MAX_SAVED_BYTES = 200_000  # one attempt's answers; a long report fits many times over
MAX_TASK_BYTES = 50_000    # one task's answer: about 7 000 words of report


def work_of(model, slug: str, translation_of: str | None) -> str:
    """The work a course or scenario belongs to: its original's work, else its own slug.

    A translation of a translation joins its original's work, so a work has one key.
    """
    if not translation_of:
        return slug
    original = db.session.scalar(select(model.work).where(model.slug == translation_of))
    return original or translation_of


def load_scenarios(root: Path) -> list[str]:
    """Store each valid scenario file whose text changed as a new version."""
    if not root.is_dir():
        return [f"No scenario folder at {root}"]
    specs, problems = check_scenarios(root)
    lines = [f"Scenario problem: {problem}" for problem in problems if problem.severity == "error"]
    for spec in specs:
        path = Path(spec.filename)  # check_scenarios names each file by its path under root
        source = path.read_text(encoding="utf-8")
        if not file_already_loaded(spec.id, source):
            store_version(spec, source, path.relative_to(root.parent).as_posix())
        else:  # unchanged since loaded: its row may predate works
            scenario = db.session.scalar(select(Scenario).where(Scenario.slug == spec.id))
            scenario.work = work_of(Scenario, spec.id, spec.translation_of)
    # A file taken off disk hides its scenario (attempts are kept). Scenarios written in the
    # browser have an owner and no file, so they are left alone; a file with errors keeps its
    # last good version.
    for scenario in db.session.scalars(select(Scenario).where(Scenario.active, Scenario.owner_id.is_(None))):
        if scenario.filename and not (root.parent / scenario.filename).exists():
            scenario.active = False
            lines.append(f"Scenario {scenario.slug} is no longer on disk: hidden, its attempts kept")
    lines.append(f"Loaded {len(specs)} scenario(s) from {root}")
    return lines


def file_already_loaded(slug: str, source: str) -> bool:
    """True when this exact text is already one of the scenario's versions.

    Then the file has not changed since it was loaded, and a newer version published from the
    browser stays current across restarts; a changed file becomes the newest version.
    """
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return db.session.scalar(select(func.count()).select_from(ScenarioVersion).join(Scenario, Scenario.id == ScenarioVersion.scenario_id)
                             .where(Scenario.slug == slug, ScenarioVersion.sha256 == digest)) > 0


def store_version(spec: ScenarioSpec, source: str, filename: str) -> ScenarioVersion:
    """The scenario's current version, adding a new one if the text differs from it."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    scenario = db.session.scalar(select(Scenario).where(Scenario.slug == spec.id)) or Scenario(slug=spec.id)
    scenario.title, scenario.summary, scenario.language = spec.title, spec.summary, spec.language
    scenario.estimated_minutes, scenario.is_template = spec.estimated_minutes, spec.template
    scenario.filename, scenario.active = filename, True
    scenario.work = work_of(Scenario, spec.id, spec.translation_of)
    db.session.add(scenario)
    db.session.flush()
    current = scenario.current_version
    if current is not None and current.sha256 == digest:
        return current
    number = (db.session.scalar(select(func.max(ScenarioVersion.number))
                                .where(ScenarioVersion.scenario_id == scenario.id)) or 0) + 1
    version = ScenarioVersion(scenario_id=scenario.id, number=number, declared_version=spec.version,
                              source=source, sha256=digest)
    db.session.add(version)
    db.session.flush()
    scenario.current_version_id = version.id
    return version


# Parsed scenarios by (content hash, variant seed). Versions never change, so an entry never
# goes stale; bounded so a long-running worker keeps only the scenarios in use.
_PARSED: OrderedDict[tuple[str, int | None], ScenarioSpec] = OrderedDict()
PARSED_CACHE_SIZE = 256


def scenario_for(version: ScenarioVersion, seed: int | None) -> ScenarioSpec:
    """The parsed scenario of a version, as the variant for `seed` if it is a template."""
    spec = _cached((version.sha256, seed))
    if spec is None:
        # Parse once per version; each trainee's variant is then generated from the parse.
        base = _cached((version.sha256, None)) or _remember((version.sha256, None), _parse(version))
        spec = generate_variant(base, seed) if base.template and seed is not None else base
        _remember((version.sha256, seed), spec)
    return spec


def _cached(key: tuple[str, int | None]) -> ScenarioSpec | None:
    spec = _PARSED.get(key)
    if spec is not None:
        _PARSED.move_to_end(key)
    return spec


def _remember(key: tuple[str, int | None], spec: ScenarioSpec) -> ScenarioSpec:
    _PARSED[key] = spec
    if len(_PARSED) > PARSED_CACHE_SIZE:
        _PARSED.popitem(last=False)
    return spec


def _parse(version: ScenarioVersion) -> ScenarioSpec:
    spec, problems = parse_scenario(version.source, version.scenario.filename, stored=True)
    if spec is None:  # stored versions were valid when stored; this means a code change broke one
        raise ValueError(f"stored scenario no longer parses: {problems[0] if problems else version.id}")
    return spec


def active_scenarios() -> list[Scenario]:
    return list(db.session.scalars(select(Scenario).where(Scenario.active, Scenario.current_version_id.is_not(None))
                                   .order_by(Scenario.title)))


def scenario_by_slug(slug: str) -> Scenario | None:
    return db.session.scalar(select(Scenario).where(Scenario.slug == slug, Scenario.active))


def versions_of(scenario: Scenario) -> WorkEntry:
    """The scenario with the active versions of its work in other languages."""
    others = db.session.scalars(select(Scenario).where(Scenario.work == scenario.work, Scenario.id != scenario.id,
                                                       Scenario.active, Scenario.current_version_id.is_not(None))
                                .order_by(Scenario.language, Scenario.slug))
    return WorkEntry(scenario, tuple(others))


def attempts_of(user: User, scenario: Scenario) -> list[ScenarioAttempt]:
    return list(db.session.scalars(
        select(ScenarioAttempt).join(ScenarioVersion).where(ScenarioAttempt.user_id == user.id,
                                                            ScenarioVersion.scenario_id == scenario.id)
        .order_by(ScenarioAttempt.started_at.desc())))


def open_attempt(user: User, scenario: Scenario) -> ScenarioAttempt | None:
    return next((a for a in attempts_of(user, scenario) if a.submitted_at is None), None)


def start_attempt(user: User, scenario: Scenario) -> ScenarioAttempt:
    """Resume the unfinished attempt, or start one on the current version.

    A template gives every trainee their own variant: same structure, other names.
    """
    existing = open_attempt(user, scenario)
    if existing is not None:
        return existing
    seed = variant_seed(scenario.slug, user.id) if scenario.is_template else None
    attempt = ScenarioAttempt(user_id=user.id, version_id=scenario.current_version_id, seed=seed, responses={})
    # A double click starts twice at once: the unique index on open attempts lets one insert
    # win, and the other request returns the winner's attempt.
    attempt = insert_or_existing(attempt, lambda: open_attempt(user, scenario))
    learning_records.scenario_started(user, attempt)
    progress_summary.refresh_scenario(user.id, scenario.id)
    return attempt


def as_aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def released_report_ids(spec: ScenarioSpec, attempt: ScenarioAttempt, now: datetime | None = None) -> set[str]:
    """Reports in the attempt's case file now.

    In a live exercise timed reports run from the exercise start and `trainer` reports wait
    for the trainer. Self-paced, no trainer is there to release them, so they come with the
    rest; timed reports wait for their time.
    """
    now = now or utcnow()
    exercise = attempt.live_exercise
    if exercise is not None:
        started, released = as_aware(exercise.started_at), set(exercise.released_reports)
    else:
        started, released = as_aware(attempt.started_at), {r.id for r in spec.reports if r.release.kind == "trainer"}
    return {r.id for r in spec.reports if is_released(r, started, now, released)}


def attempt_case(attempt: ScenarioAttempt) -> tuple[ScenarioSpec, set[str]]:
    """The attempt's scenario (its own variant) and the reports in its case file now."""
    spec = scenario_for(attempt.version, attempt.seed)
    return spec, released_report_ids(spec, attempt)


def attempt_view(attempt: ScenarioAttempt, case: tuple[ScenarioSpec, set[str]] | None = None) -> dict:
    spec, released = case or attempt_case(attempt)
    return workspace_view(spec, released, shuffle_seed=attempt.id)


def attempt_data(attempt: ScenarioAttempt, dataset_id: str | None = None) -> dict | None:
    """The datasets of the attempt's variant with their rows (one, with dataset_id; None when
    it has no such dataset)."""
    spec = scenario_for(attempt.version, attempt.seed)
    if dataset_id is not None:
        return dataset_table(spec, dataset_id)
    return {"datasets": [dataset_table(spec, d.id) for d in spec.datasets]}


class SaveRejected(ValueError):
    """The autosave body is not answers to this scenario's tasks; the message says why."""


class AttemptClosed(SaveRejected):
    """The attempt was submitted (perhaps a moment ago, by another request): no more saves."""


class AnswerTooLarge(SaveRejected):
    """Answers over the size limit; `sizes` names each task refused with its size in bytes."""

    def __init__(self, sizes: dict[str, int], limit: int, together: bool = False):
        self.sizes, self.limit, self.together = sizes, limit, together
        which = ", ".join(f"{task_id} ({size} bytes)" for task_id, size in sorted(sizes.items()))
        scope = "all answers together" if together else "one task's answer"
        super().__init__(f"too large to save: {which}; the limit for {scope} is {limit} bytes")


def answer_size(value) -> int:
    """Bytes the answer takes as stored (UTF-8 JSON), as the browser measures it too."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def save_responses(attempt: ScenarioAttempt, changes) -> list[str]:
    """Merge changed task answers into the attempt; returns the task ids saved.

    Run it through concurrency.commit_with_retry: the merge is only safe with the version
    check on commit (another save or the submit may commit between our read and write).
    """
    if attempt.submitted_at is not None:
        raise AttemptClosed("this attempt has been submitted; it can no longer change")
    if not isinstance(changes, dict):
        raise SaveRejected("expected a JSON object keyed by task id")
    spec = scenario_for(attempt.version, attempt.seed)
    unknown = [task_id for task_id in changes if spec.task(task_id) is None]
    if unknown:
        raise SaveRejected(f"unknown task id(s): {', '.join(sorted(map(str, unknown)))}")
    bad = [task_id for task_id, value in changes.items() if not isinstance(value, dict)]
    if bad:
        raise SaveRejected(f"the answer to task {bad[0]} must be a JSON object")
    sizes = {task_id: answer_size(value) for task_id, value in changes.items()}
    too_large = {task_id: size for task_id, size in sizes.items() if size > MAX_TASK_BYTES}
    if too_large:
        raise AnswerTooLarge(too_large, MAX_TASK_BYTES)
    merged = {**(attempt.responses or {}), **changes}
    if answer_size(merged) > MAX_SAVED_BYTES:
        raise AnswerTooLarge(sizes, MAX_SAVED_BYTES, together=True)
    attempt.responses = merged
    attempt.saved_at = utcnow()
    return sorted(changes)


def result_as_dict(result) -> dict:
    """The stored breakdown; feedback the platform words keeps its message id for translation."""
    return as_data(dataclasses.asdict(result))


def rules_of(attempt: ScenarioAttempt) -> int:
    """The scoring rules the attempt is scored with: its own once submitted, else the current."""
    if attempt.submitted_at is None or not attempt.rule_version:
        return CURRENT_RULES
    return attempt.rule_version


def unseen_reports(spec: ScenarioSpec, attempt: ScenarioAttempt) -> list[str]:
    """Injects of a live exercise the trainer had not released when the trainee submitted.

    Taken when the attempt is first scored with rules 2 and kept in its result, so a later
    review does not count an inject released after the trainee had finished. Before that (open
    attempts, or a re-score of a version 1 result) it is what is unreleased now.
    """
    exercise = attempt.live_exercise
    if exercise is None:
        return []
    stored = attempt.result if isinstance(attempt.result, dict) else {}
    if (stored.get("rule_version") or 1) >= 2 and isinstance(stored.get("unseen_reports"), list):
        return [r for r in stored["unseen_reports"] if isinstance(r, str)]
    released = set(exercise.released_reports or [])
    return [r.id for r in spec.reports if r.release.kind == "trainer" and r.id not in released]


def score_history(attempt: ScenarioAttempt) -> list[dict]:
    """Earlier results of the attempt, oldest first: each kept when a trainer re-scored it."""
    stored = attempt.result if isinstance(attempt.result, dict) else {}
    history = stored.get("history")
    return [entry for entry in history if isinstance(entry, dict)] if isinstance(history, list) else []


def earlier_scores(attempt: ScenarioAttempt) -> list[dict]:
    """The attempt's earlier results for a page, newest first, with the time as a datetime."""
    shown = []
    for entry in reversed(score_history(attempt)):
        try:
            replaced_at = datetime.fromisoformat(entry["replaced_at"])
        except (KeyError, TypeError, ValueError):
            replaced_at = None
        shown.append({**entry, "replaced_at": replaced_at})
    return shown


def score(attempt: ScenarioAttempt, history: list[dict] | None = None) -> None:
    """Score the attempt with the version it was made on and its rule version; store the breakdown
    and, replacing any earlier ones, its answer-key marks (what item analysis reads).

    The attempt's history of earlier results (re-scores) is carried over, or replaced by history.
    """
    spec = scenario_for(attempt.version, attempt.seed)
    history = score_history(attempt) if history is None else history
    result = score_attempt(spec, attempt.responses or {}, attempt.report_scores,
                           rules=rules_of(attempt), unseen=unseen_reports(spec, attempt))
    attempt.result = {**result_as_dict(result), "history": history}
    attempt.item_marks = [ScenarioItemMark(**mark) for mark in answer_key_marks(attempt.result)]
    attempt.rule_version = result.rule_version
    attempt.status = result.status
    attempt.total_percent = result.total_percent
    attempt.case_percent = result.case_percent
    attempt.safeguards_percent = result.safeguards_percent
    learning_records.attempt_scored(attempt, spec, result)
    progress_summary.refresh_scenario(attempt.user_id, attempt.version.scenario_id)


def rebuild_item_marks(batch: int = 500) -> int:
    """Write every scored attempt's answer-key marks again from its stored result (after results
    were written by hand); the caller commits. Returns the number of marks."""
    db.session.execute(delete(ScenarioItemMark))
    written, last = 0, 0
    while True:  # a batch of results at a time: each holds the whole feedback
        rows = db.session.execute(select(ScenarioAttempt.id, ScenarioAttempt.result)
                                  .where(ScenarioAttempt.id > last, ScenarioAttempt.result.is_not(None))
                                  .order_by(ScenarioAttempt.id).limit(batch)).all()
        if not rows:
            return written
        written, last = written + insert_item_marks(rows), rows[-1].id


def insert_item_marks(scored: Iterable[tuple[int, dict | None]]) -> int:
    """Bulk insert the answer-key marks of (attempt id, stored result) pairs, as scoring writes
    them for one attempt; returns how many."""
    marks = [{**mark, "attempt_id": attempt_id} for attempt_id, result in scored for mark in answer_key_marks(result)]
    if marks:
        db.session.execute(insert(ScenarioItemMark), marks)
    return len(marks)


def submit(attempt: ScenarioAttempt) -> None:
    """Final for this attempt: score it with the current rules; a report task leaves it awaiting review.

    Committed through concurrency.commit_with_retry, so a save that commits first is scored
    and one that comes after finds the attempt submitted.
    """
    if attempt.submitted_at is None:
        attempt.submitted_at = utcnow()
        # Never scored before: an attempt opened before an upgrade takes the rules of today.
        attempt.rule_version = CURRENT_RULES
        score(attempt)


class RescoreRefused(ValueError):
    """The attempt cannot be re-scored (not submitted, or already on the current rules)."""


def rescore(attempt: ScenarioAttempt, trainer: User) -> dict:
    """Score a submitted attempt again with the current rules; the old result goes to its history.

    Returns the history entry (the previous version, status and percentages) for the audit log.
    """
    if attempt.submitted_at is None:
        raise RescoreRefused("the attempt has not been submitted")
    if (attempt.rule_version or CURRENT_RULES) >= CURRENT_RULES:
        raise RescoreRefused(f"the attempt is already scored with the current rules (version {CURRENT_RULES})")
    previous = dict(attempt.result) if isinstance(attempt.result, dict) else {}
    history = score_history(attempt)
    previous.pop("history", None)
    entry = {"rule_version": attempt.rule_version, "status": attempt.status,
             "total_percent": attempt.total_percent, "case_percent": attempt.case_percent,
             "safeguards_percent": attempt.safeguards_percent, "replaced_at": utcnow().isoformat(),
             "replaced_by_id": trainer.id, "replaced_by": trainer.full_name, "result": previous}
    attempt.rule_version = CURRENT_RULES
    score(attempt, history=[*history, entry])
    return entry


ATTEMPTS_OF = (  # on the trainee home page: built once (see courses.ACTIVE_COURSES)
    select(ScenarioAttempt).where(ScenarioAttempt.user_id == bindparam("user"))
    .order_by(ScenarioAttempt.started_at.desc())
    .options(defer(ScenarioAttempt.responses), defer(ScenarioAttempt.result),
             joinedload(ScenarioAttempt.version).joinedload(ScenarioVersion.scenario)))


def scenario_history(user: User, limit: int | None = None) -> list[ScenarioAttempt]:
    """The user's attempts, latest first, with their scenarios (joined in the same query)."""
    return list(db.session.scalars(ATTEMPTS_OF if limit is None else ATTEMPTS_OF.limit(limit), {"user": user.id}))
