"""Hostile and awkward uploads to the two user imports (the admin's /admin/users/import and a
cohort's CSV enrolment): no privilege escalation, no 500, real files from Excel read right."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from conftest import post_form
from trainer.extensions import db
from trainer.models import AuditEvent, CohortMember, User


def upload(client, path: str, data: bytes, filename: str = "officers.csv"):
    return post_form(client, path, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def trainer(make_user):
    return make_user("trainer", full_name="Trainer One")


@pytest.fixture
def cohort_path(client, auth, trainer):
    """A cohort the logged-in trainer runs; the path its CSV enrolment is posted to."""
    auth.login(trainer)
    response = post_form(client, "/cohorts/new", {"name": "Osh course", "attendance_required_percent": "50"})
    assert response.status_code == 302, response.get_data(as_text=True)
    cohort_id = int(response.headers["Location"].split("/cohorts/")[1].split("#")[0])
    return f"/cohorts/{cohort_id}/members/import"


@pytest.fixture
def admin_client(client, auth, make_user):
    auth.login(make_user("admin"))
    return client


# -- item 1: a trainer cannot make an administrator --------------------------------------------

@pytest.mark.parametrize("role", ["admin", "manager", "trainer", "ADMIN"])
def test_a_trainer_cannot_create_an_account_above_trainee(client, auth, cohort_path, database, role):
    csv_text = ("email,full_name,role\n"
                "fine.officer@example.org,Fine Officer,trainee\n"
                f"mallory@example.org,Mallory,{role}\n")
    response = upload(client, cohort_path, csv_text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nobody was enrolled" in page
    assert "<tr><td>3</td><td>role</td><td>" in page and "a trainer can create trainee accounts only" in page
    assert database.scalar(select(User).where(User.email == "mallory@example.org")) is None
    assert database.scalar(select(User).where(User.email == "fine.officer@example.org")) is None
    assert database.count(CohortMember) == 0
    # Whatever the page showed that looks like a one-time password, none of it opens anything.
    auth.logout()
    candidates = set(re.findall(r"<code>([^<]+)</code>", page)) | {"", "password", "admin", "mallory"}
    for password in candidates:
        auth.login("mallory@example.org", password)
        assert client.get("/admin/users").status_code in (302, 401, 403)
        auth.logout()


def test_a_trainer_enrols_trainees_with_an_empty_or_trainee_role(client, cohort_path, database):
    csv_text = "email,full_name,role\nfirst@example.org,First,\nsecond@example.org,Second,Trainee\n"
    response = upload(client, cohort_path, csv_text.encode())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert database.count(CohortMember) == 2
    for email in ("first@example.org", "second@example.org"):
        assert database.scalar(select(User.role).where(User.email == email)) == "trainee"


def test_the_administrators_import_still_grants_roles(admin_client, database):
    csv_text = "email,full_name,role\nnew.trainer@example.org,New Trainer,trainer\nboss@example.org,Boss,admin\n"
    response = upload(admin_client, "/admin/users/import", csv_text.encode())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert database.scalar(select(User.role).where(User.email == "boss@example.org")) == "admin"
    assert database.scalar(select(User.role).where(User.email == "new.trainer@example.org")) == "trainer"


# -- item 10: real files from spreadsheets, and garbage, through both imports -------------------

EXCEL_QUOTES = (b'email,full_name,rank\r\nshaman@example.org,"Aibek ""Shaman"" Sadykov",Captain\r\n'
                b'comma@example.org,"Sadykov, Aibek",Major\r\n')
CYRILLIC = "email;full_name\r\nrustam@example.org;Рустам Назаров\r\n"


@pytest.mark.parametrize("data, filename, expected", [
    (EXCEL_QUOTES, "officers.csv", {"shaman@example.org": ('Aibek "Shaman" Sadykov', "Captain"),
                                    "comma@example.org": ("Sadykov, Aibek", "Major")}),
    (b"\xef\xbb\xbf" + CYRILLIC.encode("utf-8"), "officers.csv", {"rustam@example.org": ("Рустам Назаров", "")}),
    (CYRILLIC.encode("cp1251"), "officers.csv", {"rustam@example.org": ("Рустам Назаров", "")}),
    (xlsx_bytes([["email", "full_name", "rank"], ["shaman@example.org", 'Aibek "Shaman" Sadykov', 3]]),
     "officers.xlsx", {"shaman@example.org": ('Aibek "Shaman" Sadykov', "3")}),
], ids=["excel-quotes", "utf8-bom-semicolon", "cp1251", "xlsx"])
@pytest.mark.parametrize("where", ["admin", "cohort"])
def test_files_from_spreadsheets_are_stored_as_written(request, client, make_user, auth, database, where, data,
                                                       filename, expected):
    path = request.getfixturevalue("cohort_path") if where == "cohort" else "/admin/users/import"
    if where == "admin":
        auth.login(make_user("admin"))
    response = upload(client, path, data, filename)
    assert response.status_code == 200, response.get_data(as_text=True)
    for email, (full_name, rank) in expected.items():
        stored = database.scalar(select(User).where(User.email == email))
        assert (stored.full_name, stored.rank, stored.role) == (full_name, rank, "trainee")
    if where == "cohort":
        assert database.count(CohortMember) == len(expected)


@pytest.mark.parametrize("where", ["admin", "cohort"])
def test_a_split_row_is_reported_and_nobody_is_imported(request, client, make_user, auth, database, where):
    path = request.getfixturevalue("cohort_path") if where == "cohort" else "/admin/users/import"
    if where == "admin":
        auth.login(make_user("admin"))
    before = database.count(User)
    # Hand-edited: a comma inside a name with no quotes around it.
    data = b"email,full_name,rank\nfine@example.org,Fine Officer,Major\nsplit@example.org,Sadykov, Aibek,Captain\n"
    response = upload(client, path, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<tr><td>3</td><td></td><td>has 4 cells but the header has 3" in page
    assert database.count(User) == before and database.count(CohortMember) == 0


GARBAGE = [
    (b"x" * 1_000_000, "notes.csv", "cannot be read as CSV"),
    (b'email,full_name\nx@example.org,"never closed\n' + b"lorem ipsum, dolor\n" * 50_000, "o.csv", "cannot be read as CSV"),
    (b"\x00\x01\x02binary" * 1000, "photo.csv", "not text in UTF-8 or Windows-1251"),
    (b"PK\x03\x04 this is not really a workbook", "officers.xlsx", "The Excel workbook cannot be opened"),
    (b"not a workbook at all", "officers.xlsx", "The Excel workbook cannot be opened"),
    (b"", "empty.csv", "The file is empty"),
]


@pytest.mark.parametrize("data, filename, message", GARBAGE, ids=["1mb-field", "open-quote", "binary", "bad-zip",
                                                                   "not-zip", "empty"])
def test_garbage_to_the_admin_import_is_a_clear_400(admin_client, database, data, filename, message):
    before = database.count(User)
    response = upload(admin_client, "/admin/users/import", data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert database.count(User) == before


@pytest.mark.parametrize("data, filename, message", GARBAGE, ids=["1mb-field", "open-quote", "binary", "bad-zip",
                                                                   "not-zip", "empty"])
def test_garbage_to_the_cohort_import_is_a_clear_message(client, cohort_path, database, data, filename, message):
    before = database.count(User)
    response = upload(client, cohort_path, data, filename)
    page = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 \
        else response.get_data(as_text=True)
    assert response.status_code in (302, 400)
    assert message in page
    assert database.count(User) == before and database.count(CohortMember) == 0


def test_roles_granted_by_the_administrators_import_are_in_the_audit_log(admin_client, database):
    csv_text = ("email,full_name,role\nofficer@example.org,Officer,trainee\n"
                "new.trainer@example.org,New Trainer,trainer\nboss@example.org,Boss,admin\n")
    assert upload(admin_client, "/admin/users/import", csv_text.encode()).status_code == 200
    with database.app.app_context():
        events = db.session.execute(select(AuditEvent.action, User.email, AuditEvent.detail)
                                    .outerjoin(User, User.id == AuditEvent.subject_id)
                                    .where(AuditEvent.action.in_(("user.created", "users.imported")))).all()
    granted = {(email, detail["role"]) for action, email, detail in events if action == "user.created"}
    assert granted == {("new.trainer@example.org", "trainer"), ("boss@example.org", "admin")}
    assert [detail["count"] for action, _, detail in events if action == "users.imported"] == [3]
