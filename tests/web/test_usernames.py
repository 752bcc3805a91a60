"""Officers without an e-mail address have a username and log in with it (issue 14, "People in"):
the login form, the administrator's forms, the profile, a cohort's "add trainee", the audit log,
the rate limit and the timing of a refusal, the command line, and the migration that makes room."""
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from conftest import PASSWORD, make_config, post_form
from trainer import create_app
from trainer.extensions import db
from trainer.models import AuditEvent, CohortMember, User
from trainer.services import accounts

NEW_USER = {"email": "", "username": "", "full_name": "Bakyt Toktogulov", "role": "trainee", "agency_id": "0",
            "country": "KG", "rank": "Lieutenant", "gender": "male", "language": "ru", "active": "y", "password": ""}


@pytest.fixture
def officer(database):
    """A trainee with a username and no e-mail address, whose password is PASSWORD."""
    user = User(email=None, username="b.toktogulov", full_name="Bakyt Toktogulov", role="trainee")
    with database.app.app_context():
        user.set_password(PASSWORD)
    return database.add(user)


def audit_details(database, action):
    return [event.detail for event in database_rows(database, AuditEvent, AuditEvent.action == action)]


def database_rows(database, model, *conditions):
    with database.app.app_context():
        rows = db.session.scalars(select(model).where(*conditions).order_by(model.id)).all()
        db.session.expunge_all()
        return rows


# --- logging in ------------------------------------------------------------------------------

def test_the_login_form_asks_for_an_email_or_a_username(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Email or username" in page
    assert 'type="email"' not in page  # a browser would refuse a username in an email field


def test_an_officer_without_email_logs_in_with_the_username_in_any_case(client, auth, officer, database):
    response = auth.login("  B.Toktogulov ", follow_redirects=True)
    assert "My training" in response.get_data(as_text=True)
    assert database.get(User, officer.id).last_login_at is not None
    assert [event.subject_id for event in database_rows(database, AuditEvent, AuditEvent.action == "login")] == [
        officer.id]
    profile = client.get("/profile").get_data(as_text=True)
    assert "b.toktogulov" in profile and ">None<" not in profile


@pytest.mark.parametrize("login, password", [("b.toktogulov", "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(client, auth, officer, database, login,
                                                                      password):
    response = auth.login(login, password)
    assert response.status_code == 401
    assert "Email, username or password is incorrect." in response.get_data(as_text=True)
    assert audit_details(database, "login.failed") == [{"username": login, "reason": "invalid"}]


def test_an_unknown_username_costs_a_full_password_check(app, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda stored, given: checked.append(stored) or real(stored, given))
    with app.app_context():
        assert accounts.authenticate("nobody", "guess").error == "invalid"
    assert len(checked) == 1 and checked[0].startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])


def test_failed_logins_by_username_are_limited_per_account_whatever_the_case():
    application = create_app(make_config(
        SQLALCHEMY_DATABASE_URI="sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="100 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"))
    with application.app_context():
        db.create_all()
        user = User(username="b.toktogulov", full_name="Bakyt Toktogulov", role="trainee")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = application.test_client()
    for login in ("b.toktogulov", "B.Toktogulov", "b.toktogulov "):
        assert post_form(client, "/login", {"email": login, "password": "guess"}).status_code == 401
    blocked = post_form(client, "/login", {"email": "b.toktogulov", "password": PASSWORD})
    assert blocked.status_code == 429
    assert post_form(client, "/login", {"email": "a.colleague", "password": "x"}).status_code == 401


# --- the administrator's forms -----------------------------------------------------------------

def test_an_administrator_creates_an_account_with_a_username_and_no_email(client, auth, make_user, database):
    auth.login(make_user("admin"))
    response = post_form(client, "/admin/users/new", {**NEW_USER, "username": "B.Toktogulov"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Account created for Bakyt Toktogulov" in page
    created = database.scalar(select(User).where(User.username == "b.toktogulov"))
    assert created.email is None and created.country == "KG"
    password = page.split("shown only once: ")[1].split("<")[0].strip()
    listing = client.get("/admin/users?q=toktogulov").get_data(as_text=True)
    assert "<td>b.toktogulov</td>" in listing and "<td>None</td>" not in listing
    auth.logout()
    assert auth.login("b.toktogulov", password).status_code == 302


def test_an_account_needs_an_email_or_a_username(client, auth, make_user, database):
    auth.login(make_user("admin"))
    before = database.count(User)
    response = post_form(client, "/admin/users/new", NEW_USER)
    assert response.status_code == 400
    assert "Give an email address, a username or both." in response.get_data(as_text=True)
    assert database.count(User) == before


@pytest.mark.parametrize("username, message", [
    ("B.TOKTOGULOV", "Another account already uses this username."),
    ("bakyt toktogulov", "is not a valid username"),
    ("bakyt@mvd", "is not a valid username"),
])
def test_a_taken_or_malformed_username_is_refused(client, auth, make_user, officer, database, username, message):
    auth.login(make_user("admin"))
    before = database.count(User)
    response = post_form(client, "/admin/users/new", {**NEW_USER, "username": username})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert database.count(User) == before


def test_an_administrator_gives_an_account_a_username_and_takes_its_email_away(client, auth, make_user, database):
    user = make_user("trainee", email="aibek@example.org", full_name="Aibek Sadykov")
    auth.login(make_user("admin"))
    form = {**NEW_USER, "full_name": "Aibek Sadykov", "username": "a.sadykov"}
    response = post_form(client, f"/admin/users/{user.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    changed = database.get(User, user.id)
    assert (changed.email, changed.username) == (None, "a.sadykov")
    assert audit_details(database, "user.updated")[-1]["fields"] == [
        "country", "email", "gender", "language", "rank", "username"]
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "a.sadykov" in audit


# --- cohorts -----------------------------------------------------------------------------------

def test_a_trainer_adds_an_officer_to_a_cohort_by_username(client, auth, make_user, officer, database):
    auth.login(make_user("trainer"))
    response = post_form(client, "/cohorts/new", {"name": "Osh course", "attendance_required_percent": "50"})
    cohort_id = int(response.headers["Location"].split("/cohorts/")[1].split("#")[0])
    detail = client.get(f"/cohorts/{cohort_id}").get_data(as_text=True)
    assert "One trainee, by email or username" in detail
    missing = post_form(client, f"/cohorts/{cohort_id}/members", {"email": "nobody"}, follow_redirects=True)
    assert "No account has this email or username." in missing.get_data(as_text=True)
    post_form(client, f"/cohorts/{cohort_id}/members", {"email": "B.Toktogulov"})
    assert [m.user_id for m in database_rows(database, CohortMember, CohortMember.cohort_id == cohort_id)] == [
        officer.id]


# --- the command line --------------------------------------------------------------------------

def test_operators_create_and_reset_an_account_by_username(runner, database):
    created = runner.invoke(args=["users", "create", "--username", "N.Abdykadyrova", "--name", "Nurgul Abdykadyrova"])
    assert created.exit_code == 0, created.output
    assert "Created trainee n.abdykadyrova with password" in created.output
    user = database.scalar(select(User).where(User.username == "n.abdykadyrova"))
    assert user.email is None
    neither = runner.invoke(args=["users", "create", "--name", "Nobody"])
    assert neither.exit_code != 0 and "--email, --username or both" in neither.output
    again = runner.invoke(args=["users", "create", "--username", "n.abdykadyrova", "--name", "Twin"])
    assert again.exit_code != 0 and "already belongs to an account" in again.output
    reset = runner.invoke(args=["users", "reset-password", "N.ABDYKADYROVA"])
    assert reset.exit_code == 0, reset.output
    password = reset.output.rsplit(": ", 1)[1].strip()
    assert database.get(User, user.id).check_password(password)


# --- the schema ----------------------------------------------------------------------------------

def test_the_migration_keeps_accounts_and_makes_email_optional(fresh_app):
    with fresh_app.app_context():
        upgrade(revision="0017")  # the revision before usernames
        db.session.execute(text(
            "INSERT INTO users (id, email, full_name, password_hash, role, country, rank, gender, language, "
            "active, created_at, session_token) VALUES (7, 'old@example.org', 'Old Officer', 'x', 'trainee', "
            "'KG', 'Major', 'female', 'ru', TRUE, CURRENT_TIMESTAMP, 'token-of-an-old-officer')"))
        db.session.commit()
        upgrade()
        assert tuple(db.session.execute(text("SELECT email, username, role, gender FROM users")).one()) == (
            "old@example.org", None, "trainee", "female")
        db.session.add(User(email=None, username="b.toktogulov", full_name="Bakyt", role="trainee", password_hash="x"))
        db.session.commit()
        for duplicate in (User(username="b.toktogulov", full_name="Twin", role="trainee", password_hash="x"),
                          User(full_name="Nobody at all", role="trainee", password_hash="x"),
                          User(email="bad-role@example.org", full_name="Chief", role="chief", password_hash="x")):
            db.session.add(duplicate)
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()
