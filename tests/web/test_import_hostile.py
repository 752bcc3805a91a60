"""Hostile and awkward uploads to the two user imports (the admin's /admin/users/import and a
cohort's CSV enrolment): no privilege escalation, no 500, real files from Excel read right."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from conftest import post_form
from trainer.models import CohortMember, User


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
