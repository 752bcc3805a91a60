"""Problems the domain finds reach Russian-speaking trainers in Russian: an import file's bad
rows (line, column and what is wrong), a course file's mistakes in a draft, an answer that
cannot be read."""
import io
from pathlib import Path

import pytest

from conftest import database_url_for, post_form
from sample_course import write_course
from trainer.extensions import db
from trainer.models import CourseDraft
from trainer.services.content import load_courses


@pytest.fixture
def app_config(request, backend, tmp_path):
    write_course(tmp_path / "courses")
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend),
            "CONTENT_COURSES_DIR": str(tmp_path / "courses")}


def new_cohort(client) -> int:
    response = post_form(client, "/cohorts/new", {"name": "Бишкек, 25–26 ноября", "attendance_required_percent": "50",
                                                  "start_date": "2026-11-25", "end_date": "2026-11-26"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/cohorts/")[1].split("#")[0])


def upload(client, path: str, text: str):
    return post_form(client, path, {"file": (io.BytesIO(text.encode("utf-8")), "officers.csv")},
                     content_type="multipart/form-data")


def test_a_trainer_in_russian_reads_which_line_and_column_of_a_cohort_file_is_wrong(client, auth, make_user):
    trainer = make_user("trainer", language="ru")
    manager = make_user("manager", email="nazarov@example.org")
    auth.login(trainer)
    cohort = new_cohort(client)
    csv_text = ("email,full_name,gender\n"
                "rustam@example.org,Рустам Назаров,m\n"
                "nurgul.example.org,Нургуль Абдыкадырова,f\n"     # line 3: no @
                f"{manager.email},Назаров,m\n"                    # line 4: not a trainee
                "aida@example.org,,robot\n"                       # line 5: no name, unknown gender
                "bek@example.org,Бек,m,лишнее\n")                 # line 6: a cell too many
    response = upload(client, f"/cohorts/{cohort}/members/import", csv_text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Никто не зачислен" in page
    assert ("<tr><td>3</td><td>email</td><td>«nurgul.example.org» — неверный адрес электронной почты "
            "(в адресе нет знака @.)</td></tr>") in page
    assert ("<tr><td>4</td><td>email</td><td>nazarov@example.org — учётная запись с ролью "
            "«Руководитель программы», а не слушателя</td></tr>") in page
    assert "<tr><td>5</td><td>full_name</td><td>не заполнено</td></tr>" in page
    assert ("<tr><td>5</td><td>gender</td><td>значение «robot» не распознано (допустимые значения: female, male, "
            "prefer_not_to_say или пустая ячейка)</td></tr>") in page
    assert "<tr><td>6</td><td></td><td>число ячеек в строке: 4, а в заголовке: 3;" in page
    for english in ("not a valid email", "not a trainee", "is empty", "is not understood", "cells but the header"):
        assert english not in page


def test_an_administrator_in_russian_reads_import_problems_in_russian(client, auth, make_user):
    auth.login(make_user("admin", language="ru"))
    page = upload(client, "/admin/users/import", "name,mail\nА,a@example.org\n").get_data(as_text=True)
    assert ("<tr><td>1</td><td>email</td><td>нет обязательного столбца: в файле каждый человек указывается по email "
            "или username (или по обоим) (ожидаемые столбцы: email, username, full_name, role, agency, country, rank, "
            "gender, language, password)</td></tr>") in page
    csv_text = ("email,full_name,role,agency,country,language\n"
                "a@example.org,А,chief,Министерство нигде,XX,fr\n"
                "b@example.org,Б,,,,\n"
                "B@example.org,В,,,,\n")
    page = upload(client, "/admin/users/import", csv_text).get_data(as_text=True)
    for cells in ("<td>2</td><td>role</td><td>«chief» — неизвестная роль (допустимые значения: trainee, trainer, "
                  "manager, admin)</td>",
                  "<td>2</td><td>country</td><td>«XX» — неизвестный код страны",
                  "<td>2</td><td>language</td><td>язык «fr» не поддерживается (допустимые значения: en, ru)</td>",
                  "<td>4</td><td>email</td><td>адрес b@example.org встречается в файле дважды (впервые — в строке 3)</td>"):
        assert cells in page, cells
    assert "is not a role" not in page and "appears twice" not in page


def test_a_trainer_in_russian_saves_broken_course_files_and_reads_each_problem_in_russian(client, auth, make_user,
                                                                                         database):
    auth.login(make_user("trainer", language="ru"))
    response = post_form(client, "/author/courses/drafts", {"title": "Пограничный контроль", "source": ""})
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    files = database.get(CourseDraft, draft_id).files
    course_yml = files["course.yml"].replace("pass_mark: 70\n", "pass_mark: много\n")
    assert "pass_mark: много" in course_yml
    post_form(client, f"/author/courses/drafts/{draft_id}/edit/course.yml", {"text": course_yml})
    post_form(client, f"/author/courses/drafts/{draft_id}/edit/01-introduction.md",
              {"text": "---\ntitle: Введение\nminutes: [\n---\nТекст\n"})
    post_form(client, f"/author/courses/drafts/{draft_id}/edit/questions/test.yml",
              {"text": "questions:\n  - id: q1\n    type: single\n    prompt: Кто?\n    explanation: Так.\n"
                       "    options: [Да, Нет]\n    answer: 3\n"})

    page = client.get(f"/author/courses/drafts/{draft_id}").get_data(as_text=True)
    line = course_yml.splitlines().index("pass_mark: много") + 1
    assert f'<td class="num">{line}</td>' in page
    assert "ожидается целое число, получено: «много»" in page
    assert "ошибка YAML в блоке метаданных: не хватает значения, или список «[» или словарь «{» не закрыт" in page
    assert "ответ 3 вне диапазона: вариантов в вопросе: 2" in page
    for english in ("expected a whole number", "invalid YAML", "is out of range", "while parsing", "but found"):
        assert english not in page

    editor = client.get(f"/author/courses/drafts/{draft_id}/edit/course.yml").get_data(as_text=True)
    assert "<code>pass_mark</code>: ожидается целое число, получено: «много»" in editor


@pytest.fixture
def officer(app, make_user, auth):
    with app.app_context():
        load_courses(Path(app.config["CONTENT_COURSES_DIR"]))
        db.session.commit()
    user = make_user("trainee", language="ru")
    auth.login(user)
    return user


def test_an_officer_in_russian_reads_why_an_answer_cannot_be_read(client, officer):
    post_form(client, "/courses/grading-basics/start")
    started = post_form(client, "/courses/grading-basics/lessons/01-source/check")
    attempt = int(started.headers["Location"].split("/attempts/")[1])
    response = post_form(client, f"/attempts/{attempt}/submit", {"q:check-x": "может быть"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "вопрос check-x: ответьте «верно» или «неверно»" in page
    assert "answer true or false" not in page
