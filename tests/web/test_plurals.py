"""Counts read as Russian says them: 1 слушатель, 2 слушателя, 5 слушателей, 21 слушатель.

Each test reads a page a user sees, in Russian, with counts chosen to hit each plural form:
1 and 21 (one), 2, 22 and 3 (few), 5, 11, 12 and 25 (many); and the same pages in English.
"""
import re

import pytest
from sqlalchemy import select

from conftest import database_url_for, post_form
from sample_course import write_course
from trainer.extensions import db
from trainer.models import Cohort, CohortMember, Course, Lesson, QuizAttempt, User
from trainer.services.content import load_courses



def russian(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for a count, by the grammar rule (written out here, not read from gettext)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many


# count -> how a Russian officer reads it
TRAINEES = {1: "1 слушатель", 2: "2 слушателя", 5: "5 слушателей", 11: "11 слушателей", 12: "12 слушателей",
            21: "21 слушатель", 22: "22 слушателя", 25: "25 слушателей"}


@pytest.fixture
def app_config(request, backend, tmp_path):
    write_course(tmp_path / "courses")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_COURSES_DIR": str(tmp_path / "courses"), "CONTENT_SCENARIOS_DIR": str(tmp_path / "none")}


def page(client, path: str) -> str:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def muted_after(html: str, link_text: str) -> str:
    """The grey note after a link on a list page (a cohort's size, a course's length)."""
    match = re.search(re.escape(link_text) + r"</a>[^·]*?<small class=\"muted\">([^<]*)</small>", html)
    assert match, link_text
    return match.group(1)


def test_a_trainer_reads_each_cohorts_size_in_russian_and_english(app, client, auth, make_user, database):
    trainer = make_user("trainer", language="ru")
    trainees = [make_user("trainee") for _ in range(max(TRAINEES))]
    with app.app_context():
        me = db.session.get(User, trainer.id)
        for size in TRAINEES:
            db.session.add(Cohort(name=f"Группа {size}", trainers=[me],
                                  members=[CohortMember(user_id=t.id) for t in trainees[:size]]))
        db.session.commit()
    auth.login(trainer)
    home = page(client, "/")
    for size, words in TRAINEES.items():
        assert muted_after(home, f"Группа {size}") == words
    database.update(User, trainer.id, language="en")
    home = page(client, "/")
    assert muted_after(home, "Группа 1") == "1 trainee"
    assert muted_after(home, "Группа 21") == "21 trainees" and muted_after(home, "Группа 2") == "2 trainees"


def test_an_administrator_reads_how_many_agencies_are_registered(client, auth, make_user, make_agency):
    auth.login(make_user("admin", language="ru"))
    expected = {1: "Зарегистрировано 1 ведомство.", 2: "Зарегистрировано 2 ведомства.",
                5: "Зарегистрировано 5 ведомств.", 21: "Зарегистрировано 21 ведомство.",
                22: "Зарегистрировано 22 ведомства.", 25: "Зарегистрировано 25 ведомств."}
    made = 0
    for count, sentence in expected.items():
        while made < count:
            made += 1
            make_agency(f"Ведомство {made}")
        assert sentence in page(client, "/")


def test_a_trainer_enrols_whole_agencies_and_is_told_how_many_in_russian(app, client, auth, make_user, make_agency):
    trainer = make_user("trainer", language="ru")
    expected = {1: "Добавлен 1 слушатель из ведомства «Agency 1».",
                2: "Добавлено 2 слушателя из ведомства «Agency 2».",
                5: "Добавлено 5 слушателей из ведомства «Agency 5».",
                21: "Добавлен 21 слушатель из ведомства «Agency 21»."}
    agencies = {}
    for size in expected:
        agencies[size] = make_agency(f"Agency {size}")
        for _ in range(size):
            make_user("trainee", agency_id=agencies[size].id)
    with app.app_context():
        cohort = Cohort(name="Бишкек, вебинар", trainers=[db.session.get(User, trainer.id)])
        db.session.add(cohort)
        db.session.commit()
        cohort_id = cohort.id
    auth.login(trainer)
    for size, message in expected.items():
        response = post_form(client, f"/cohorts/{cohort_id}/members/agency", {"agency_id": agencies[size].id},
                             follow_redirects=True)
        assert message in response.get_data(as_text=True)
    with app.app_context():  # 29 enrolled: the cohort page's heading counts them
        assert len(db.session.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort_id)).all()) == 29


@pytest.fixture
def course(app, tmp_path):
    with app.app_context():
        load_courses(tmp_path / "courses")
        db.session.commit()
        return db.session.scalar(select(Course).where(Course.slug == "grading-basics")).id


@pytest.mark.parametrize("minutes, russian, english", [
    (60, "около 1 часа", "about 1 hour"), (90, "около 1,5 часа", "about 1.5 hours"),
    (120, "около 2 часов", "about 2 hours"), (300, "около 5 часов", "about 5 hours"),
    (1260, "около 21 часа", "about 21 hours")])
def test_the_catalogue_says_how_long_a_course_takes(client, auth, make_user, database, course, minutes, russian, english):
    database.update(Course, course, estimated_minutes=minutes)
    officer = make_user("trainee", language="ru")
    auth.login(officer)
    assert muted_after(page(client, "/courses"), "Grading basics").startswith(f"2 урока · {russian} · ")
    database.update(User, officer.id, language="en")
    assert muted_after(page(client, "/courses"), "Grading basics").startswith(f"2 lessons · {english} · ")


def test_a_lesson_and_a_test_count_minutes_and_questions_in_russian(app, client, auth, make_user, database, course):
    auth.login(make_user("trainee", language="ru"))
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).where(Lesson.course_id == course, Lesson.slug == "01-source"))
    for minutes, words in ((1, "Около 1 минуты"), (2, "Около 2 минут"), (10, "Около 10 минут"),
                           (21, "Около 21 минуты"), (25, "Около 25 минут")):
        database.update(Lesson, lesson_id, minutes=minutes)
        assert f">{words}</p>" in page(client, "/courses/grading-basics/lessons/01-source")
    with app.app_context():
        questions = db.session.get(Lesson, lesson_id).check["count"]
    words = russian(questions, "вопрос", "вопроса", "вопросов")
    assert f"Проверьте, что вы усвоили: {questions} {words}." in page(client, "/courses/grading-basics/lessons/01-source")
    post_form(client, "/courses/grading-basics/start")
    response = post_form(client, "/courses/grading-basics/tests/pre_test")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        items = len(db.session.get(QuizAttempt, int(response.headers["Location"].split("/attempts/")[1])).items)
    words = russian(items, "вопрос", "вопроса", "вопросов")
    assert f"{items} {words}. Ответы сохраняются по ходу работы" in page(client, response.headers["Location"])


def test_the_oracle_is_the_grammar_rule():
    assert [russian(n, "курс", "курса", "курсов") for n in (1, 2, 5, 11, 12, 14, 21, 22, 25, 101, 111)] == [
        "курс", "курса", "курсов", "курсов", "курсов", "курсов", "курс", "курса", "курсов", "курс", "курсов"]
