"""The progress read model: after any sequence of what officers and trainers do, the rows the
services kept up to date are exactly what a rebuild from the raw tables computes."""
import random

import pytest
from sqlalchemy import func, select, type_coerce, union_all
from werkzeug.datastructures import MultiDict

from conftest import database_url_for
from sample_course import CORRECT, WRONG, write_course
from sample_scenario import write_scenario
from trainer.extensions import db
from trainer.domain.scoring import answer_key_marks
from trainer.models import Certificate, Course, Lesson, QuizAttempt, Scenario, ScenarioAttempt, ScenarioItemMark, User
from trainer.models_progress import ProgressSummary
from trainer.seed import simulated_response
from trainer.services import courses as learning
from trainer.services import badges, exercises, progress_summary
from trainer.services import scenarios as casework
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios, scenario_for

ACTIONS = 120


@pytest.fixture
def course_root(tmp_path):
    write_course(tmp_path / "courses")
    return tmp_path / "courses"


@pytest.fixture
def app_config(request, backend, course_root, tmp_path):
    write_scenario(tmp_path / "scenarios")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(course_root),
            "CONTENT_SCENARIOS_DIR": str(tmp_path / "scenarios")}


def mark_rows() -> list[tuple]:
    """Every scenario item mark, as item analysis reads it."""
    columns = (ScenarioItemMark.attempt_id, ScenarioItemMark.position, ScenarioItemMark.task_id,
               ScenarioItemMark.item_id, ScenarioItemMark.points, ScenarioItemMark.max_points)
    return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def marks_in_results() -> list[tuple]:
    """The marks each attempt's stored result holds (what scoring writes beside it)."""
    return sorted((attempt_id, mark["position"], mark["task_id"], mark["item_id"], mark["points"], mark["max_points"])
                  for attempt_id, result in db.session.execute(select(ScenarioAttempt.id, ScenarioAttempt.result))
                  for mark in answer_key_marks(result))


def summary_rows() -> list[tuple]:
    columns = [getattr(ProgressSummary, name) for name in (*progress_summary.KEY, *progress_summary.MOMENTS)]
    return [tuple(row) for row in db.session.execute(select(*columns).order_by(*columns[:3]))]


def rebuilt_rows() -> list[tuple]:
    """What a rebuild would write now (read, not written)."""
    rows = union_all(progress_summary.course_rows(), progress_summary.scenario_rows()).subquery()
    table = ProgressSummary.__table__
    columns = [type_coerce(column, table.c[column.name].type) for column in rows.c]  # as the table reads them
    return [tuple(row) for row in db.session.execute(select(*columns).order_by(*list(rows.c)[:3]))]


def republish(course_root, lessons: list[str]) -> None:
    """The course published again with these lessons (an author dropping or restoring one)."""
    path = course_root / "grading-basics" / "course.yml"
    text = path.read_text().splitlines()
    path.write_text("\n".join(f"lessons: [{', '.join(lessons)}]" if line.startswith("lessons:") else line
                              for line in text) + "\n")
    load_courses(course_root)


def test_the_kept_rows_equal_a_rebuild_after_random_actions(app, make_user, course_root):
    rng = random.Random(12)
    officers = [make_user("trainee", email=f"officer{n}@summary.test").id for n in range(4)]
    trainer = make_user("admin", email="reviewer@summary.test").id
    with app.app_context():
        load_courses(course_root)
        load_scenarios(course_root.parent / "scenarios")
        db.session.commit()

    def act(name: str, user: User, course: Course, scenario: Scenario) -> None:
        lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id, Lesson.active)
                                          .order_by(Lesson.position)))
        if name == "view":
            learning.record_lesson_view(user, rng.choice(lessons))
        elif name == "complete":
            learning.complete_lesson(user, rng.choice(lessons))
        elif name in ("pre_test", "post_test"):
            try:
                attempt = learning.start_attempt(user, course, name, rng=rng)
            except learning.AttemptNotAllowed:
                return
            learning.submit_attempt(user, attempt, MultiDict(rng.choice((CORRECT, WRONG))))
        elif name == "scenario":
            attempt = casework.start_attempt(user, scenario)
            spec = scenario_for(attempt.version, attempt.seed)
            attempt.responses = {task.id: simulated_response(task, rng.random(), rng) for task in spec.tasks}
            if rng.random() < 0.7:
                casework.submit(attempt)
        elif name == "review":
            waiting = db.session.scalar(select(ScenarioAttempt).where(ScenarioAttempt.user_id == user.id,
                                                                     ScenarioAttempt.status == "awaiting_review"))
            if waiting is not None:
                spec = scenario_for(waiting.version, waiting.seed)
                points = {task.id: {c.id: str(rng.randint(0, c.max_points)) for c in task.content.rubric}
                          for task in exercises.reports_to_review(spec, waiting)}
                exercises.review(waiting, db.session.get(User, trainer), points, {})
        elif name == "revoke":
            held = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id,
                                                               Certificate.revoked_at.is_(None)))
            if held is not None:
                badges.revoke(held, db.session.get(User, trainer), "Issued in error")
        elif name == "republish":
            republish(course_root, rng.choice((["01-source.md"], ["01-source.md", "02-information.md"])))

    names = ("view", "complete", "complete", "pre_test", "post_test", "post_test", "scenario", "review", "revoke",
             "republish")
    with app.app_context():
        for step in range(ACTIONS):
            course = db.session.scalar(select(Course).where(Course.slug == "grading-basics"))
            scenario = db.session.scalar(select(Scenario))
            name = rng.choice(names)
            act(name, db.session.get(User, rng.choice(officers)), course, scenario)
            db.session.commit()
            assert summary_rows() == rebuilt_rows(), f"after action {step}: {name}"
            assert mark_rows() == marks_in_results(), f"after action {step}: {name}"
        kept, marks = summary_rows(), mark_rows()
        statuses = {row[0] for row in db.session.execute(select(ScenarioAttempt.status))}
        certified = db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.score_percent == 100))
        revoked = db.session.scalar(select(func.count()).where(Certificate.revoked_at.is_not(None)))
    rebuild = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert rebuild.exit_code == 0 and f"rebuilt: {len(kept)} rows" in rebuild.output
    assert f"rebuilt: {len(marks)} marks" in rebuild.output and marks
    with app.app_context():
        assert summary_rows() == kept and mark_rows() == marks
    # The sequence reached every kind of row and moment it keeps.
    assert {row[1] for row in kept} == {"course", "scenario"}
    for position, name in enumerate(progress_summary.MOMENTS, start=3):
        assert any(row[position] is not None for row in kept), name
    assert {"passed", "failed"} & statuses and certified is not None and revoked
