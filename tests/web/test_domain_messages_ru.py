"""Problems the domain finds reach Russian-speaking trainers in Russian: an import file's bad
rows (line, column and what is wrong) and a course file's mistakes in a draft."""
import io

from conftest import post_form


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
    assert ("<tr><td>1</td><td>email</td><td>нет обязательного столбца (ожидаемые столбцы: email, full_name, role, "
            "agency, country, rank, gender, language)</td></tr>") in page
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
