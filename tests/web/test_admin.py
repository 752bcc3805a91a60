"""Administrators create, edit and deactivate accounts and agencies."""
from sqlalchemy import select

from conftest import PASSWORD, post_form
from trainer.models import Agency, User

NEW_USER = {
    "email": "Dilnoza.Karimova@example.org", "full_name": "Dilnoza Karimova", "role": "trainee",
    "agency_id": "0", "country": "UZ", "rank": "Senior lieutenant", "gender": "female",
    "language": "ru", "active": "y", "password": "",
}


def test_admin_creates_a_user_and_sees_the_generated_password_once(client, auth, make_user, make_agency, database):
    agency = make_agency("National Information-Analytical Centre on Drug Control", "UZ", "NIAC")
    auth.login(make_user("admin"))
    response = post_form(client, "/admin/users/new", {**NEW_USER, "agency_id": str(agency.id)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Account created for Dilnoza Karimova" in page
    created = database.scalar(select(User).where(User.email == "dilnoza.karimova@example.org"))
    assert (created.country, created.gender, created.agency_id, created.language) == ("UZ", "female", agency.id, "ru")
    password = page.split("shown only once: ")[1].split("<")[0].strip()
    assert created.check_password(password)
    assert password not in client.get("/admin/users").get_data(as_text=True)


def test_duplicate_email_is_refused(client, auth, make_user, database):
    make_user("trainee", email="dilnoza.karimova@example.org")
    auth.login(make_user("admin"))
    before = database.count(User)
    response = post_form(client, "/admin/users/new", NEW_USER)
    assert response.status_code == 400
    assert "Another account already uses this email." in response.get_data(as_text=True)
    assert database.count(User) == before


def test_bad_email_and_unknown_choices_are_named(client, auth, make_user, database):
    auth.login(make_user("admin"))
    response = post_form(client, "/admin/users/new", {**NEW_USER, "email": "not-an-email", "role": "superuser"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Invalid email address." in page and "Not a valid choice" in page


def test_admin_edits_role_and_agency(client, auth, make_user, make_agency, database):
    agency = make_agency("State Border Guards Service", "KG")
    target = make_user("trainee")
    auth.login(make_user("admin"))
    data = {**NEW_USER, "email": target.email, "full_name": "Renamed Officer", "role": "trainer", "agency_id": str(agency.id)}
    assert post_form(client, f"/admin/users/{target.id}/edit", data).status_code == 302
    target = database.get(target.__class__, target.id)
    assert (target.full_name, target.role, target.agency_id) == ("Renamed Officer", "trainer", agency.id)
    assert target.check_password(PASSWORD)  # empty password field keeps the old one


def test_deactivate_button_needs_csrf_and_blocks_login(client, auth, make_user, database):
    target = make_user("trainee")
    auth.login(make_user("admin"))
    assert client.post(f"/admin/users/{target.id}/active").status_code == 400
    target = database.get(target.__class__, target.id)
    assert target.active
    post_form(client, f"/admin/users/{target.id}/active")
    target = database.get(target.__class__, target.id)
    assert not target.active
    auth.logout()
    assert "deactivated" in auth.login(target).get_data(as_text=True)


def test_admin_cannot_deactivate_themselves_or_demote_the_last_admin(client, auth, make_user, database):
    admin = make_user("admin")
    auth.login(admin)
    page = post_form(client, f"/admin/users/{admin.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "cannot deactivate your own account" in page
    data = {**NEW_USER, "email": admin.email, "full_name": admin.full_name, "role": "trainee"}
    page = post_form(client, f"/admin/users/{admin.id}/edit", data).get_data(as_text=True)
    assert "last active administrator" in page
    admin = database.get(admin.__class__, admin.id)
    assert admin.role == "admin" and admin.active


def test_unknown_user_is_404(client, auth, make_user, database):
    auth.login(make_user("admin"))
    assert client.get("/admin/users/4242/edit").status_code == 404


def test_admin_creates_and_renames_agency_without_duplicates(client, auth, make_user, database):
    auth.login(make_user("admin"))
    data = {"name": "Drug Control Agency", "short_name": "DCA", "country": "TJ"}
    assert post_form(client, "/admin/agencies/new", data).status_code == 302
    duplicate = post_form(client, "/admin/agencies/new", data)
    assert duplicate.status_code == 400
    assert "already exists" in duplicate.get_data(as_text=True)
    agency = database.scalar(select(Agency))
    post_form(client, f"/admin/agencies/{agency.id}/edit", {**data, "name": "Drug Control Agency of Tajikistan"})
    agency = database.get(agency.__class__, agency.id)
    assert agency.name == "Drug Control Agency of Tajikistan"
    assert database.count(Agency) == 1


def test_user_list_filters_by_search_and_role(client, auth, make_user, database):
    make_user("trainee", full_name="Bakyt Osmonov")
    make_user("trainer", full_name="Gulnara Toktosunova")
    auth.login(make_user("admin", full_name="Admin Person"))
    page = client.get("/admin/users?q=osmon").get_data(as_text=True)
    assert "Bakyt Osmonov" in page and "Gulnara Toktosunova" not in page
    page = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "Gulnara Toktosunova" in page and "Bakyt Osmonov" not in page


def test_user_list_filters_by_agency_and_keeps_every_filter_as_submitted(client, auth, make_user, database):
    # The filter form sends every field, empty ones included: "agency=" made the page fail
    # (the template read the agency as a number), so no search or second page ever worked.
    customs = database.add(Agency(name="State Customs Service", short_name="SCS", country="KG"))
    make_user("trainee", full_name="Bakyt Osmonov", agency_id=customs.id)
    make_user("trainee", full_name="Bakyt Toktosunov")
    auth.login(make_user("admin", full_name="Admin Person"))
    searched = client.get("/admin/users?q=bakyt&role=&agency=")
    assert searched.status_code == 200
    assert "Bakyt Osmonov" in searched.get_data(as_text=True) and "Bakyt Toktosunov" in searched.get_data(as_text=True)
    narrowed = client.get(f"/admin/users?q=bakyt&role=trainee&agency={customs.id}").get_data(as_text=True)
    assert "Bakyt Osmonov" in narrowed and "Bakyt Toktosunov" not in narrowed
    assert f'<option value="{customs.id}" selected>' in narrowed
    assert client.get("/admin/users?agency=SCS").status_code == 200  # not a number: no agency filter
