"""A trainee works through the course "Working with data": each lesson shows its tables in the data
widget, the knowledge checks are answered from them, and the course is completed."""
import shutil

import pytest
from sqlalchemy import select

from conftest import post_form
from trainer.config import PROJECT_ROOT
from trainer.domain.courses import load_course
from trainer.extensions import db
from trainer.models import Certificate
from trainer.services.content import load_courses

COURSE = load_course(PROJECT_ROOT / "courses" / "working-with-data")


@pytest.fixture
def course_root(tmp_path):
    for folder in ("working-with-data", "working-with-data-ru"):
        shutil.copytree(PROJECT_ROOT / "courses" / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture
def app_config(request, backend, course_root):
    from conftest import database_url_for

    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(course_root)}


@pytest.fixture
def trainee(app, course_root, make_user, auth):
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    user = make_user("trainee")
    auth.login(user)
    return user


def right_answers(questions) -> dict:
    """The keyed answers as the form sends them (content check holds the keys to the data)."""
    answers = {}
    for q in questions:
        if q.type == "true_false":
            answers[f"q:{q.id}"] = "true" if q.truth else "false"
        elif q.type == "single":
            answers[f"q:{q.id}"] = str(q.correct[0])
        elif q.type == "multiple":
            answers[f"q:{q.id}"] = [str(i) for i in q.correct]
        elif q.type == "matching":
            answers.update({f"q:{q.id}:{i}": str(i) for i in range(len(q.pairs))})
        else:  # ordering: the items in their keyed order
            answers[f"q:{q.id}"] = [str(i) for i in range(len(q.items))]
    return answers


def take(client, path: str, questions) -> str:
    started = post_form(client, path)
    attempt = int(started.headers["Location"].split("/attempts/")[1])
    post_form(client, f"/attempts/{attempt}/submit", right_answers(questions))
    return client.get(f"/attempts/{attempt}/result").get_data(as_text=True)


def test_lessons_show_their_data_and_the_course_is_completed_from_it(client, trainee, database):
    base = "/courses/working-with-data"
    post_form(client, f"{base}/start")
    take(client, f"{base}/tests/pre_test", COURSE.pre_test.questions)
    page = client.get(f"{base}/lessons/01-reading-records").get_data(as_text=True)
    # The widget and the tables' summaries are on the page; the rows come when the widget is seen.
    assert f'data-url="{base}/lessons/01-reading-records/data"' in page and "js/datatable." in page
    assert "Call records of two phones, 1-13 March 2024" in page and "+996 550 013 808,SMS" not in page
    tables = client.get(f"{base}/lessons/01-reading-records/data").get_json()["datasets"]
    assert [t["id"] for t in tables] == ["calls", "transfers"]
    calls = tables[0]
    assert [c["type"] for c in calls["columns"]] == ["datetime", "phone", "phone", "string", "integer", "string"]
    assert len(calls["rows"]) == 59 and calls["rows"][0][0] == "2024-03-01 09:47" and calls["rows"][0][4] == 0
    assert client.get(f"{base}/lessons/02-frequency-and-common-contacts/data").get_json()["datasets"][0]["id"] == "calls"

    for lesson in COURSE.lessons:
        assert "Your score: 100%" in take(client, f"{base}/lessons/{lesson.slug}/check", lesson.check.questions)
        post_form(client, f"{base}/lessons/{lesson.slug}/complete")
    assert "Your score: 100%" in take(client, f"{base}/tests/post_test", COURSE.post_test.questions)
    # The Russian edition shows its own tables: Russian labels and values, Cyrillic names.
    russian = client.get("/courses/working-with-data-ru/lessons/03-bursts-and-charts/data").get_json()["datasets"]
    assert russian[0]["columns"][1]["label"] == "Кто звонил" and russian[0]["rows"][1][3] == "звонок"
    assert "Бектур Асанов" in {row[2] for row in russian[1]["rows"]}
    assert database.scalar(select(Certificate).where(Certificate.user_id == trainee.id)) is not None


def test_a_lesson_without_data_has_no_data_address(client, trainee):
    assert client.get("/courses/working-with-data/lessons/no-such-lesson/data").status_code == 404


def test_a_trainer_copies_the_course_with_its_tables_and_publishes_it(client, app, course_root, make_user, auth):
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    auth.login(make_user("trainer"))
    created = post_form(client, "/author/courses/drafts", {"title": "Data for border guards",
                                                            "source": "working-with-data"})
    draft = created.headers["Location"]
    assert "passes the check" in client.get(draft).get_data(as_text=True)
    assert post_form(client, f"{draft}/publish").headers["Location"].endswith("/courses/data-for-border-guards")
    tables = client.get("/courses/data-for-border-guards/lessons/04-limits-and-law/data").get_json()["datasets"]
    assert tables[0]["id"] == "subscribers" and len(tables[0]["rows"]) == 14
