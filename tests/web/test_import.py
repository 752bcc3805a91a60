"""Bulk import of users from CSV: all rows or none, with a per-row report."""
import io

import pytest
from sqlalchemy import select

from conftest import post_form
from trainer.models import Agency, User


def upload(client, text: str | bytes, filename: str = "officers.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return post_form(client, "/admin/users/import", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data")


@pytest.fixture
def admin_client(client, auth, make_user, make_agency):
    make_agency("Ministry of Internal Affairs of the Kyrgyz Republic", "KG", "MIA KG")
    auth.login(make_user("admin"))
    return client


def test_valid_file_creates_every_account_with_a_password_that_works(admin_client, auth, database):
    csv_text = (
        "email,full_name,role,agency,country,rank,gender,language\n"
        "aibek@example.org,Aibek Sadykov,trainee,MIA KG,KG,Captain,male,ru\n"
        "aizada@example.org,Aizada Bekova,,Ministry of Internal Affairs of the Kyrgyz Republic,,Major,F,\n"
    )
    before = database.count(User)
    page = upload(admin_client, csv_text).get_data(as_text=True)
    assert "2 accounts created" in page
    assert database.count(User) == before + 2
    aizada = database.scalar(select(User).where(User.email == "aizada@example.org"))
    assert (aizada.role, aizada.gender, aizada.country) == ("trainee", "female", "KG")
    assert database.scalar(select(Agency.short_name).where(Agency.id == aizada.agency_id)) == "MIA KG"
    password = page.split("aizada@example.org")[1].split("<code>")[1].split("</code>")[0]
    auth.logout()
    assert auth.login("aizada@example.org", password).status_code == 302


def test_semicolon_separated_file_from_a_russian_spreadsheet(admin_client, database):
    csv_text = "\ufeffemail;full_name\nrustam@example.org;Рустам Назаров\n"
    assert "1 account created" in upload(admin_client, csv_text).get_data(as_text=True)
    assert database.scalar(select(User.full_name).where(User.email == "rustam@example.org")) == "Рустам Назаров"


def test_missing_columns_are_reported_and_nothing_imported(admin_client, database):
    before = database.count(User)
    response = upload(admin_client, "name,mail\nA,a@example.org\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "email" in page and "full_name" in page and "required column is missing" in page
    assert database.count(User) == before


def test_every_bad_row_is_reported_and_no_row_is_half_imported(admin_client, make_user, database):
    make_user("trainee", email="taken@example.org")
    csv_text = (
        "email,full_name,role,agency,country,gender\n"
        "good@example.org,Good Row,trainee,MIA KG,KG,male\n"          # line 2: fine on its own
        "not-an-email,Bad Email,trainee,,,\n"                          # line 3
        "taken@example.org,Already There,trainee,,,\n"                 # line 4
        "good@example.org,Twice In File,trainee,,,\n"                  # line 5
        "x@example.org,Wrong Role,chief,,,\n"                          # line 6
        "y@example.org,Unknown Agency,trainee,Ministry of Nowhere,,\n"  # line 7
        "z@example.org,Bad Country,trainee,,XX,robot\n"                # line 8
    )
    before = database.count(User)
    response = upload(admin_client, csv_text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for line, column, fragment in [
        (3, "email", "not a valid email address"),
        (4, "email", "already has an account"),
        (5, "email", "appears twice in the file"),
        (6, "role", "is not a role"),
        (7, "agency", "no agency is called"),
        (8, "country", "not a known country code"),
        (8, "gender", "is not understood"),
    ]:
        assert f"<tr><td>{line}</td><td>{column}</td><td>" in page, (line, column)
        assert fragment in page
    assert database.count(User) == before
    assert database.scalar(select(User).where(User.email == "good@example.org")) is None


def test_file_that_is_not_text_gets_a_clear_message(admin_client, database):
    response = upload(admin_client, b"\x00\x01binary\x00" * 50)
    assert response.status_code == 400
    assert "not text in UTF-8 or Windows-1251" in response.get_data(as_text=True)


def test_upload_without_file_is_named(admin_client, database):
    response = post_form(admin_client, "/admin/users/import", {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
