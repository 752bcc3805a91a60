"""Moodle's upload-users files enrol officers (issue 14, "People in"): the columns Moodle writes
(username, firstname, lastname, email, lang, cohort1, password, auth, profile_field_*), saved as
UTF-8, UTF-8 with a BOM, Windows-1251 or an Excel workbook; a row with a username and no email
makes an account that logs in with the username; every bad row is named by line and column and
nothing is half-imported."""
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from conftest import post_form
from trainer.extensions import db
from trainer.models import Agency, AuditEvent, Cohort, CohortMember, User, cohort_trainers

COHORT = "Bishkek webinar, 25–26 November"
# As a partner's Moodle exports it and a programme assistant fills it in: Moodle's column order,
# Cyrillic names, a profile field per agency detail, an officer with no e-mail address (the
# agency gives none), the email used as the username, an empty cohort cell, a regional lang code.
MOODLE_FILE = (
    "username,firstname,lastname,middlename,email,lang,cohort1,cohort2,profile_field_agency,profile_field_rank,"
    "profile_field_country,profile_field_gender,city\n"
    "a.sadykov,Айбек,Садыков,Кубанычбекович,a.sadykov@mvd.example.kg,ru,\"Bishkek webinar, 25–26 November\",,"
    "MIA KG,Капитан,KG,m,Бишкек\n"
    "b.toktogulov,Бакыт,Токтогулов,,,ru,\"Bishkek webinar, 25–26 November\",,SBGS KG,Лейтенант,KG,m,Ош\n"
    "n.abdykadyrova@mvd.example.kg,Нургуль,Абдыкадырова,,n.abdykadyrova@mvd.example.kg,en_us,"
    "\"bishkek webinar, 25–26 november\",,MIA KG,Майор,KG,f,Бишкек\n"
)


def encodings():
    return {
        "utf-8": MOODLE_FILE.encode("utf-8"),
        "utf-8 with BOM": "\ufeff".encode("utf-8") + MOODLE_FILE.encode("utf-8"),
        "cp1251 (Russian Excel)": MOODLE_FILE.replace("–", "-").encode("cp1251"),
        "xlsx": workbook(MOODLE_FILE),
    }


def workbook(csv_text: str) -> bytes:
    import csv

    book = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(csv_text)):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, path: str, data: bytes, filename: str):
    return post_form(client, path, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.fixture
def setting(database, make_agency, make_user):
    """The agencies, the webinar's cohort (its name as the file spells it) and a trainer running it."""
    make_agency("Ministry of Internal Affairs of the Kyrgyz Republic", "KG", "MIA KG")
    make_agency("State Border Guards Service of the Kyrgyz Republic", "KG", "SBGS KG")
    trainer = make_user("trainer", full_name="Trainer One")

    def cohort(name: str = COHORT) -> int:
        with database.app.app_context():
            made = Cohort(name=name, created_by_id=trainer.id)
            made.trainers.append(db.session.get(User, trainer.id))
            db.session.add(made)
            db.session.commit()
            return made.id

    return {"trainer": trainer, "cohort": cohort}


def members(database, cohort_id: int) -> list[str]:
    with database.app.app_context():
        return sorted(db.session.scalars(select(User.full_name).join(CohortMember, CohortMember.user_id == User.id)
                                         .where(CohortMember.cohort_id == cohort_id)))


def password_of(page: str, login: str) -> str:
    return page.split(f"<td>{login}</td>")[1].split("<code>")[1].split("</code>")[0]


@pytest.mark.parametrize("kind", list(encodings()))
def test_an_administrator_enrols_a_moodle_upload_users_file_into_its_cohort(client, auth, make_user, setting,
                                                                           database, kind):
    cohort_id = setting["cohort"](COHORT.replace("–", "-") if "cp1251" in kind else COHORT)
    auth.login(make_user("admin"))
    response = upload(client, "/admin/users/import", encodings()[kind],
                      "users.xlsx" if kind == "xlsx" else "users.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "3 accounts created" in page
    assert "3 people enrolled in Bishkek webinar" in page
    assert "Not kept (the platform has no place for them): city." in page
    assert members(database, cohort_id) == ["Айбек Кубанычбекович Садыков", "Бакыт Токтогулов",
                                            "Нургуль Абдыкадырова"]

    aibek = database.scalar(select(User).where(User.username == "a.sadykov"))
    assert (aibek.email, aibek.language, aibek.rank, aibek.country, aibek.gender, aibek.role) == (
        "a.sadykov@mvd.example.kg", "ru", "Капитан", "KG", "male", "trainee")
    assert database.scalar(select(Agency.short_name).where(Agency.id == aibek.agency_id)) == "MIA KG"
    bakyt = database.scalar(select(User).where(User.username == "b.toktogulov"))
    assert bakyt.email is None
    assert database.scalar(select(Agency.short_name).where(Agency.id == bakyt.agency_id)) == "SBGS KG"
    # The email as username: she logs in with the email, and has no separate username.
    nurgul = database.scalar(select(User).where(User.email == "n.abdykadyrova@mvd.example.kg"))
    assert (nurgul.username, nurgul.language, nurgul.gender) == (None, "en", "female")

    # The officer without an e-mail address logs in with the username and the one-time password.
    password = password_of(page, "b.toktogulov")
    auth.logout()
    assert auth.login("b.toktogulov", password).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="ru"' in home and "Бакыт Токтогулов" in home  # signed in, in his language (lang ru)


@pytest.mark.parametrize("kind", ["utf-8", "cp1251 (Russian Excel)", "xlsx"])
def test_a_trainer_enrols_a_moodle_file_into_the_cohort_they_run(client, auth, setting, database, kind):
    cohort_id = setting["cohort"]()
    auth.login(setting["trainer"])
    response = upload(client, f"/cohorts/{cohort_id}/members/import", encodings()[kind],
                      "users.xlsx" if kind == "xlsx" else "users.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "3 trainees enrolled." in page
    assert "Not used here: cohort1, cohort2." in page
    assert len(members(database, cohort_id)) == 3
    assert database.scalar(select(User.email).where(User.username == "b.toktogulov")) is None
    # Enrolling the same file again finds the three by email or username and creates nobody.
    again = upload(client, f"/cohorts/{cohort_id}/members/import", encodings()[kind],
                   "users.xlsx" if kind == "xlsx" else "users.csv")
    assert again.status_code == 200 and "0 trainees enrolled." in again.get_data(as_text=True)
    assert database.count(User) == 4


def test_passwords_auth_and_suspension_from_moodle(client, auth, make_user, setting, database):
    auth.login(make_user("admin"))
    csv_text = ("username,firstname,lastname,email,password,auth,suspended\n"
                "k.osmonov,Канат,Осмонов,,lantern orchard velvet 42,manual,0\n"
                "d.isaev,Данияр,Исаев,,,nologin,\n"
                "r.nazarov,Рустам,Назаров,,,,1\n")
    page = upload(client, "/admin/users/import", csv_text.encode(), "users.csv").get_data(as_text=True)
    assert "3 accounts created" in page
    assert "lantern orchard velvet 42" not in page and "as given in the file" in page
    assert page.count("(cannot log in)") == 2
    with database.app.app_context():
        active = dict(db.session.execute(select(User.username, User.active).where(User.username.is_not(None))).all())
    assert active == {"k.osmonov": True, "d.isaev": False, "r.nazarov": False}
    auth.logout()
    assert auth.login("k.osmonov", "lantern orchard velvet 42").status_code == 302


def test_a_trainer_from_the_file_runs_the_cohort_it_names(client, auth, make_user, setting, database):
    cohort_id = setting["cohort"]()
    auth.login(make_user("admin"))
    csv_text = f"username,firstname,lastname,email,role,cohort1\nz.trainer,Зарина,Алиева,,trainer,\"{COHORT}\"\n"
    assert "1 account created" in upload(client, "/admin/users/import", csv_text.encode(), "u.csv").get_data(
        as_text=True)
    with database.app.app_context():
        runs = db.session.scalars(select(User.username).join(cohort_trainers, cohort_trainers.c.user_id == User.id)
                                  .where(cohort_trainers.c.cohort_id == cohort_id)).all()
    assert "z.trainer" in runs and members(database, cohort_id) == []


def test_every_bad_row_is_named_by_line_and_column_and_nothing_is_half_imported(client, auth, make_user, setting,
                                                                                database):
    cohort_id = setting["cohort"]()
    database.add(User(username="taken.name", full_name="Already There", role="trainee", password_hash="x"))
    auth.login(make_user("admin"))
    csv_text = (
        "username,firstname,lastname,email,lang,cohort1,profile_field_agency,profile_field_rank\n"
        f"a.sadykov,Айбек,Садыков,,ru,\"{COHORT}\",MIA KG,Капитан\n"        # line 2: fine on its own
        "a.sadykov,Азамат,Садыков,,ru,,MIA KG,\n"                           # line 3: username twice
        "b.toktogulov,Бакыт,Токтогулов,,ru,Osh course 2025,SBGS KG,\n"      # line 4: no such cohort
        "c.omurov,Чынгыз,Омуров,,ky,,MIA KG,\n"                             # line 5: no Kyrgyz interface
        "TAKEN.NAME,Тимур,Асанов,,ru,,,\n"                                  # line 6: username has an account
        "d e,Дина,Эсенова,,ru,,,\n"                                         # line 7: a space in a username
        ",Эльмира,Жумабаева,,ru,,,\n"                                       # line 8: neither email nor username
        "f.uulu,Фархад,уулу,,ru,,Ministry of Nowhere,\n"                    # line 9: unknown agency
    )
    before = database.count(User)
    response = upload(client, "/admin/users/import", csv_text.encode(), "users.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page
    for line, column, fragment in [
        (3, "username", "the username a.sadykov appears twice in the file (first on line 2)"),
        (4, "cohort1", "no cohort is called &#39;Osh course 2025&#39;"),
        (5, "lang", "&#39;ky&#39; is not supported (expected en, ru)"),
        (6, "username", "the username taken.name already belongs to an account"),
        (7, "username", "&#39;d e&#39; is not a valid username"),
        (8, "email", "is empty: each person needs an email address or a username"),
        (9, "profile_field_agency", "no agency is called &#39;Ministry of Nowhere&#39;"),
    ]:
        assert f"<tr><td>{line}</td><td>{column}</td><td>{fragment}" in page, (line, column, fragment)
    assert "<tr><td>2</td>" not in page
    assert database.count(User) == before
    assert members(database, cohort_id) == []
    assert database.count(AuditEvent) == 1  # the administrator's login, nothing imported


def test_an_unknown_profile_field_is_named_not_dropped(client, auth, make_user, setting, database):
    auth.login(make_user("admin"))
    csv_text = ("username,firstname,lastname,email,profile_field_agency,profile_field_badgenumber\n"
                "a.sadykov,Айбек,Садыков,,MIA KG,KG-0412\n")
    before = database.count(User)
    response = upload(client, "/admin/users/import", csv_text.encode(), "users.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("<tr><td>1</td><td>profile_field_badgenumber</td><td>the platform has no profile field "
            "&#39;badgenumber&#39; and would lose it") in page
    assert database.count(User) == before


def test_a_cohort_file_with_an_existing_officer_named_two_ways_is_refused(client, auth, make_user, setting, database):
    cohort_id = setting["cohort"]()
    make_user("trainee", email="aibek@example.org", username="a.sadykov")
    make_user("trainee", email="other@example.org", username="someone.else")
    auth.login(setting["trainer"])
    csv_text = ("username,firstname,lastname,email\n"
                "someone.else,Айбек,Садыков,aibek@example.org\n")
    response = upload(client, f"/cohorts/{cohort_id}/members/import", csv_text.encode(), "users.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("<tr><td>2</td><td>username</td><td>the username someone.else belongs to another account than "
            "aibek@example.org</td>") in page
    assert members(database, cohort_id) == []


def test_the_import_page_explains_moodle_columns(client, auth, make_user):
    auth.login(make_user("admin"))
    page = client.get("/admin/users/import").get_data(as_text=True)
    assert "upload-users" in page and "profile_field_agency" in page and "cohort1" in page


def test_an_administrator_in_russian_reads_moodle_file_problems_in_russian(client, auth, make_user, setting):
    auth.login(make_user("admin", language="ru"))
    csv_text = ("username,firstname,lastname,email,lang,cohort1,profile_field_rank\n"
                "c.omurov,Чынгыз,Омуров,,ky,,\n"
                "a.sadykov,Айбек,Садыков,,ru,Ош 2025,Капитан\n"
                "A.Sadykov,Азамат,Садыков,,ru,,\n")
    page = upload(client, "/admin/users/import", csv_text.encode(), "users.csv").get_data(as_text=True)
    for cells in ("<td>2</td><td>lang</td><td>язык «ky» не поддерживается (допустимые значения: en, ru)</td>",
                  "<td>3</td><td>cohort1</td><td>группы «Ош 2025» нет (сначала создайте её в разделе «Группы»)</td>",
                  "<td>4</td><td>username</td><td>логин a.sadykov встречается в файле дважды (впервые — в строке 3)</td>"):
        assert cells in page, cells
    page = upload(client, "/admin/users/import", "username,firstname,profile_field_callsign\nx,Икс,Y\n".encode(),
                  "users.csv").get_data(as_text=True)
    assert "<td>1</td><td>profile_field_callsign</td><td>на платформе нет поля профиля «callsign»" in page
    auth.logout()
    login = client.get("/login?lang=ru").get_data(as_text=True)
    assert "Электронная почта или логин" in login
