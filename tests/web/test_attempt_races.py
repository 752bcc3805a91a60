"""Saves, submits and starts that overlap: nothing confirmed is lost, a start makes one attempt."""
import json
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from conftest import csrf_token, database_url_for, make_config, post_form
from sample_course import write_course
from sample_scenario import PERFECT
from trainer import create_app
from trainer.extensions import db
from trainer.models import (Certificate, Course, Enrolment, Lesson, LessonProgress, QuizAttempt, Scenario, ScenarioAttempt,
                            User)
from trainer.models_progress import ProgressSummary
from trainer.services import courses as learning
from trainer.services import progress_summary
from trainer.services import scenarios as casework
from trainer.services.concurrency import commit_with_retry
from trainer.services.content import load_courses


@pytest.fixture
def app_config(request, backend, scenario_root, tmp_path):
    write_course(tmp_path / "courses")
    # A file, not memory: a second app (another worker) must see the same SQLite database.
    url = f"sqlite:///{tmp_path / 'races.sqlite3'}" if backend == "sqlite" else database_url_for(request, backend)
    return {"SQLALCHEMY_DATABASE_URI": url,
            "CONTENT_SCENARIOS_DIR": str(scenario_root), "CONTENT_COURSES_DIR": str(tmp_path / "courses")}


@contextmanager
def another_worker(app_config):
    """A second application on the same database, as another gunicorn worker is."""
    other = create_app(make_config(**app_config))
    with other.app_context():
        yield
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def trainee(app, make_user, auth, example_loaded, tmp_path):
    with app.app_context():
        load_courses(tmp_path / "courses")
        db.session.commit()
    user = make_user("trainee")
    auth.login(user)
    return user


def open_case(client) -> int:
    response = post_form(client, "/scenarios/alay-road/start")
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(client, attempt_id, body, token=None):
    return client.post(f"/scenario-attempts/{attempt_id}/save", data=json.dumps(body),
                       headers={"Content-Type": "application/json", "X-CSRFToken": token or csrf_token(client),
                                "Accept": "application/json"})


def start_test(client, kind="pre_test") -> int:
    response = post_form(client, f"/courses/grading-basics/tests/{kind}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/attempts/")[1])


# --- lost updates ----------------------------------------------------------------------------

def test_a_save_that_read_a_stale_attempt_is_merged_again_not_lost(app, app_config, client, trainee, database):
    attempt_id = open_case(client)
    with app.app_context():
        stale = db.session.get(ScenarioAttempt, attempt_id)
        assert stale.responses == {}  # this request read the attempt...
        with another_worker(app_config):  # ...then another worker's save committed first
            commit_with_retry(lambda: casework.save_responses(db.session.get(ScenarioAttempt, attempt_id),
                                                              {"evaluate": PERFECT["evaluate"]}))
        saved = commit_with_retry(lambda: casework.save_responses(stale, {"timeline": PERFECT["timeline"]}))
    assert saved == ["timeline"]
    row = database.get(ScenarioAttempt, attempt_id)
    assert row.responses == {"evaluate": PERFECT["evaluate"], "timeline": PERFECT["timeline"]}


def test_a_save_racing_the_submit_is_refused_not_silently_dropped(app, app_config, client, trainee, database):
    attempt_id = open_case(client)
    with app.app_context():
        stale = db.session.get(ScenarioAttempt, attempt_id)
        assert stale.submitted_at is None  # the save read an open attempt...
        with another_worker(app_config):  # ...and the submit committed before the save wrote
            commit_with_retry(lambda: casework.submit(db.session.get(ScenarioAttempt, attempt_id)))
        with pytest.raises(casework.AttemptClosed):
            commit_with_retry(lambda: casework.save_responses(stale, {"timeline": PERFECT["timeline"]}))
    row = database.get(ScenarioAttempt, attempt_id)
    assert row.submitted_at is not None and "timeline" not in row.responses
    answer = save(client, attempt_id, {"timeline": PERFECT["timeline"]})
    assert answer.status_code == 409 and answer.get_json()["reason"] == "submitted"


def test_a_save_that_commits_before_the_submit_is_scored(app, app_config, client, trainee, database):
    attempt_id = open_case(client)
    with app.app_context():
        stale = db.session.get(ScenarioAttempt, attempt_id)
        assert stale.responses == {}  # the submit read the attempt before the save committed
        with another_worker(app_config):
            commit_with_retry(lambda: casework.save_responses(db.session.get(ScenarioAttempt, attempt_id),
                                                              {"timeline": PERFECT["timeline"]}))
        commit_with_retry(lambda: casework.submit(stale))
    result = database.get(ScenarioAttempt, attempt_id).result
    timeline = next(task for task in result["tasks"] if task["task_id"] == "timeline")
    assert timeline["score"] == 1


def test_a_quiz_save_racing_the_submit_is_refused(app, app_config, client, trainee, database):
    attempt_id = start_test(client)
    with app.app_context():
        stale = db.session.get(QuizAttempt, attempt_id)
        assert stale.submitted_at is None and stale.items
        with another_worker(app_config):
            attempt = db.session.get(QuizAttempt, attempt_id)
            owner = db.session.get(User, attempt.user_id)
            errors, _ = commit_with_retry(lambda: learning.submit_attempt(owner, attempt, {}))
            assert errors == {}
        with pytest.raises(learning.AttemptClosed):
            commit_with_retry(lambda: learning.save_answers(stale, {}))
    assert database.get(QuizAttempt, attempt_id).submitted_at is not None
    assert post_form(client, f"/attempts/{attempt_id}/save", {}).status_code == 409


def test_a_stale_quiz_save_is_retried_on_fresh_answers(app, app_config, client, trainee, database):
    attempt_id = start_test(client)
    with app.app_context():
        stale = db.session.get(QuizAttempt, attempt_id)
        assert [item.response for item in stale.items] == [None] * len(stale.items)
        with another_worker(app_config):
            attempt = db.session.get(QuizAttempt, attempt_id)
            commit_with_retry(lambda: learning.save_answers(attempt, {}))
        commit_with_retry(lambda: learning.save_answers(stale, {}))
    assert database.get(QuizAttempt, attempt_id).row_version == 3  # created, saved, saved after a retry


# --- double starts ---------------------------------------------------------------------------

def lost_the_race(monkeypatch, module, name):
    """Make the first existence check miss, as when another request inserts just after it."""
    real, calls = getattr(module, name), []

    def check(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(module, name, check)


def test_a_double_started_scenario_gives_one_attempt(app, client, trainee, database, monkeypatch):
    first = open_case(client)
    lost_the_race(monkeypatch, casework, "open_attempt")
    assert open_case(client) == first
    assert database.count(ScenarioAttempt) == 1


def test_a_double_started_pre_test_gives_one_attempt(app, client, trainee, database, monkeypatch):
    first = start_test(client)
    lost_the_race(monkeypatch, learning, "open_attempt")
    assert start_test(client) == first
    assert database.count(QuizAttempt) == 1


def test_a_double_started_course_is_one_enrolment_not_a_500(app, client, trainee, database, monkeypatch):
    assert post_form(client, "/courses/grading-basics/start").status_code == 302
    lost_the_race(monkeypatch, learning, "enrolment_for")
    assert post_form(client, "/courses/grading-basics/start").status_code == 302
    assert database.count(Enrolment) == 1


def test_a_lesson_opened_in_two_tabs_at_once_is_one_progress_row(app, client, trainee, database, monkeypatch):
    assert client.get("/courses/grading-basics/lessons/01-source").status_code == 200
    lost_the_race(monkeypatch, learning, "lesson_progress")
    assert client.get("/courses/grading-basics/lessons/01-source").status_code == 200
    assert database.count(LessonProgress) == 1


def test_the_database_refuses_a_second_open_attempt(app, client, trainee):
    attempt_id = open_case(client)
    with app.app_context():
        first = db.session.get(ScenarioAttempt, attempt_id)
        db.session.add(ScenarioAttempt(user_id=first.user_id, version_id=first.version_id, responses={}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        user = db.session.get(User, first.user_id)
        course = db.session.scalar(select(Course))
        for _ in range(2):
            db.session.add(QuizAttempt(user_id=user.id, course_id=course.id, kind="pre_test", course_version=1))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # Submitted attempts and lesson checks of different lessons do not collide.
        assert db.session.scalar(select(func.count()).select_from(Scenario)) == 1


# --- size cap --------------------------------------------------------------------------------

def test_an_oversized_task_is_named_and_later_small_saves_still_work(client, trainee, database):
    attempt_id = open_case(client)
    token = csrf_token(client)
    big = {"text": "x" * (casework.MAX_TASK_BYTES + 10)}
    refused = save(client, attempt_id, {"final-report": big, "timeline": PERFECT["timeline"]}, token)
    assert refused.status_code == 413
    body = refused.get_json()
    assert body["saved"] is False and body["limit"] == casework.MAX_TASK_BYTES
    assert [entry["task"] for entry in body["too_large"]] == ["final-report"]
    assert "“Write the intelligence report” (51 KB)" in body["message"] and "(50 KB)" in body["message"]
    assert database.get(ScenarioAttempt, attempt_id).responses == {}  # nothing half-saved
    assert save(client, attempt_id, {"timeline": PERFECT["timeline"]}, token).status_code == 200
    assert save(client, attempt_id, {"final-report": {"text": "Short now."}}, token).status_code == 200
    assert database.get(ScenarioAttempt, attempt_id).responses == {
        "timeline": PERFECT["timeline"], "final-report": {"text": "Short now."}}


def test_a_course_completed_twice_at_once_is_one_certificate_not_a_500(app, client, trainee, database, monkeypatch):
    with app.app_context():  # lessons alone complete the course, so a lesson's button can issue it
        course = db.session.scalar(select(Course).where(Course.slug == "grading-basics"))
        course.settings = {**course.settings, "completion": {"all_lessons": True, "post_test": False}}
        db.session.commit()
    assert post_form(client, "/courses/grading-basics/start").status_code == 302
    for lesson in ("01-source", "02-information"):
        assert post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete").status_code == 302
    assert database.count(Certificate) == 1
    # The other tab's certificate is committed but not yet seen by this request.
    monkeypatch.setattr(learning, "work_certificate", lambda user, course: None)
    response = post_form(client, "/courses/grading-basics/lessons/02-information/complete")
    assert response.status_code == 302
    assert database.count(Certificate) == 1


@contextmanager
def waiting_in_another_worker(app_config, work):
    """Start `work` in another worker (a thread, its own transaction) and return once it waits
    for a lock this transaction holds; on leaving, after the caller has committed, it ends."""
    def run():
        with another_worker(app_config):
            work()
            db.session.commit()

    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(run)
        deadline = time.monotonic() + 10
        with db.engine.connect() as watcher:  # outside this transaction, which caches what it read
            while time.monotonic() < deadline and not other.done():
                if watcher.scalar(waiting):
                    break
                watcher.rollback()
                time.sleep(0.02)
        yield
        other.result()


def complete(user_id: int, lesson_id: int) -> None:
    """The officer marks the lesson done (in whichever worker's transaction is current)."""
    learning.complete_lesson(db.session.get(User, user_id), db.session.get(Lesson, lesson_id))


def edit_course_file(tmp_path, old: str, new: str) -> None:
    """The sample course's course.yml with `old` replaced by `new`, to be loaded again."""
    course_file = tmp_path / "courses" / "grading-basics" / "course.yml"
    assert old in course_file.read_text()
    course_file.write_text(course_file.read_text().replace(old, new))


def lessons_done_at(user_id: int):
    """The read model's 'every lesson done' moment of the officer's course row."""
    return db.session.scalar(select(ProgressSummary.lessons_done_at).where(
        ProgressSummary.user_id == user_id, ProgressSummary.kind == "course"))


@pytest.fixture
def lessons_opened(app, backend, make_user, tmp_path):
    """(officer, first lesson, second lesson): an officer who has opened both lessons of the course."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    user_id = make_user("trainee").id
    with app.app_context():
        load_courses(tmp_path / "courses")
        user, course = db.session.get(User, user_id), db.session.scalar(select(Course))
        first, second = (lesson.id for lesson in course.lessons)
        for lesson in course.lessons:
            learning.record_lesson_view(user, lesson)  # both opened earlier: nothing else to write
        db.session.commit()
    return user_id, first, second


def test_two_lessons_done_at_the_same_moment_leave_the_report_row_a_rebuild_gives(app, app_config, lessons_opened):
    # Two tabs, the last two lessons marked done at once: each request's refresh of the
    # officer's row in the reports' read model had read the lessons before the other
    # committed, and the later write left "every lesson done" unset for good.
    user_id, first, second = lessons_opened
    with app.app_context():
        complete(user_id, first)
        with waiting_in_another_worker(app_config, partial(complete, user_id, second)):  # the other tab
            db.session.commit()  # the first tab's request ends while the other's waits
        last_done = db.session.scalar(select(func.max(LessonProgress.completed_at))
                                      .where(LessonProgress.user_id == user_id))
        assert lessons_done_at(user_id) == last_done is not None


def test_a_lesson_done_while_its_course_is_published_again_counts_the_new_lessons(app, app_config, lessons_opened,
                                                                                 tmp_path):
    # The author drops the second lesson while the officer marks the first one done: the
    # officer's refresh must read the course as published, where the first is the last.
    user_id, first, second = lessons_opened
    edit_course_file(tmp_path, "lessons: [01-source.md, 02-information.md]", "lessons: [01-source.md]")
    with app.app_context():
        load_courses(tmp_path / "courses")
        with waiting_in_another_worker(app_config, partial(complete, user_id, first)):  # the officer
            db.session.commit()
        done = db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user_id,
                                                                            LessonProgress.lesson_id == first))
        assert lessons_done_at(user_id) == done is not None


def test_the_last_two_lessons_done_at_once_give_the_certificate(app, app_config, lessons_opened, tmp_path):
    # A course without a post-test is complete with its last lesson: two tabs doing the last
    # two at once each found the other's lesson not done, and no certificate was issued.
    user_id, first, second = lessons_opened
    edit_course_file(tmp_path, "completion: {all_lessons: true, post_test: true}",
                     "completion: {all_lessons: true, post_test: false}")
    with app.app_context():
        load_courses(tmp_path / "courses")
        db.session.commit()
        complete(user_id, first)
        with waiting_in_another_worker(app_config, partial(complete, user_id, second)):  # the other tab
            db.session.commit()
        certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)).all()
        assert len(certificates) == 1
        assert db.session.scalar(select(Enrolment.completed_at).where(Enrolment.user_id == user_id)) is not None


def holds_taken(work) -> list[str]:
    """The statements taking a hold (an advisory lock) while `work` runs in this transaction."""
    seen = []

    def record(_connection, _cursor, statement, *_args):
        if "pg_advisory" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_the_last_lesson_done_takes_the_officers_hold_once(app, lessons_opened):
    # Marking the last lesson done holds the officer's row before writing the lesson, again
    # before checking completion and again before refreshing the row: the same hold, taken
    # in one transaction, needs one round trip to the server, not three.
    user_id, first, second = lessons_opened
    with app.app_context():
        complete(user_id, first)
        db.session.commit()
        assert len(holds_taken(partial(complete, user_id, second))) == 1
        db.session.commit()
        assert len(holds_taken(partial(complete, user_id, first))) == 1  # a new transaction holds afresh


def test_a_hold_given_back_with_its_savepoint_is_taken_again(app, lessons_opened):
    # PostgreSQL releases the locks a rolled-back savepoint took: a hold taken there is not
    # held afterwards, so the next hold must ask the server again.
    user_id, first, _ = lessons_opened
    with app.app_context():
        course_id = db.session.get(Lesson, first).course_id
        savepoint = db.session.begin_nested()
        in_savepoint = holds_taken(partial(progress_summary.hold_course, user_id, course_id))
        savepoint.rollback()
        assert len(in_savepoint) == 1
        assert len(holds_taken(partial(progress_summary.hold_course, user_id, course_id))) == 1
        held = db.session.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                      "AND pid = pg_backend_pid() AND classid = :user AND mode = 'ExclusiveLock'"),
                                 {"user": user_id})
        assert held == 1
        assert len(holds_taken(partial(progress_summary.hold_course, user_id, course_id))) == 0
        db.session.rollback()
