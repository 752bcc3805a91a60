"""Issue 9: sessions that end when they should, logins that leak nothing, an audit log of who
did what, headers, and the error page after a database failure."""
import importlib.util
import time
import uuid
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from sqlalchemy import select

from conftest import PASSWORD, csrf_token, make_config, post_form
from trainer import create_app
from trainer.config import PROJECT_ROOT, ProductionConfig, rate_limit_store_warning
from trainer.extensions import db
from trainer.models import AuditEvent, User
from trainer.services import accounts

NEW_USER = {"email": "officer@example.org", "full_name": "Officer", "role": "trainee", "agency_id": "0",
            "country": "", "rank": "", "gender": "", "language": "en", "active": "y", "password": ""}


def events(database, action):
    with database.app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        return [(row.user_id, row.subject_id, row.detail, row.address) for row in rows]


# --- 7. sessions outlive logout and password changes ----------------------------------------

def test_a_replayed_session_cookie_is_worthless_after_logout(app, client, auth, make_user):
    auth.login(make_user("trainee"))
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/profile").status_code == 302


def test_a_page_asks_to_log_in_in_the_readers_language_and_comes_back(client):
    client.get("/login?lang=ru")
    response = client.get("/courses")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Войдите, чтобы открыть эту страницу." in page and "Please log in to access" not in page


def test_a_script_logged_out_elsewhere_is_told_so_not_sent_the_login_page(client, auth, make_user):
    # An autosave after logging out in another tab followed the redirect to the login form's
    # HTML, and the workspace said to check the network connection, which was fine.
    officer = make_user("trainee")
    auth.login(officer)
    token = csrf_token(client)  # the workspace page's, which it keeps sending
    auth.logout()
    response = client.post("/scenario-attempts/1/save", json={"t1": {"text": "kept"}},
                           headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 401
    assert response.get_json()["error"] == "signed_out"
    assert "log in again in another tab" in response.get_json()["message"]


def test_the_remember_me_cookie_is_worthless_after_logout(app, client, make_user):
    user = make_user("trainee")
    post_form(client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token")
    assert remembered is not None
    # Only the remember-me cookie: Flask-Login logs the holder back in from it...
    other = app.test_client()
    other.set_cookie("remember_token", remembered.value)
    assert other.get("/profile").status_code == 200
    post_form(client, "/logout")
    # ...until its owner logs out anywhere.
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered.value)
    assert replay.get("/profile").status_code == 302


def test_remember_me_lasts_days_not_a_year(client, make_user):
    user = make_user("trainee")
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    expires = cookie.split("Expires=")[1].split(";")[0]
    days = (time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT")) - time.mktime(time.gmtime())) / 86400
    assert 6 < days <= 7.01


def test_a_password_change_ends_other_sessions_but_not_this_one(app, client, auth, make_user):
    user = make_user("trainee")
    elsewhere = app.test_client()
    post_form(elsewhere, "/login", {"email": user.email, "password": PASSWORD})
    assert elsewhere.get("/profile").status_code == 200
    auth.login(user)
    response = post_form(client, "/profile", {"password-current_password": PASSWORD,
                                              "password-new_password": "lantern orchard velvet 42",
                                              "password-confirm": "lantern orchard velvet 42",
                                              "password-submit": "1"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302


def test_deactivation_by_an_admin_ends_the_session_even_if_reactivated(app, client, auth, make_user, database):
    admin, user = make_user("admin"), make_user("trainee")
    victim = app.test_client()
    post_form(victim, "/login", {"email": user.email, "password": PASSWORD})
    auth.login(admin)
    post_form(client, f"/admin/users/{user.id}/active")
    post_form(client, f"/admin/users/{user.id}/active")  # reactivated at once
    assert database.get(User, user.id).active
    assert victim.get("/profile").status_code == 302


@pytest.mark.parametrize("app_config", [{"PERMANENT_SESSION_LIFETIME": 60}], indirect=True)
def test_an_idle_session_expires(client, auth, make_user, monkeypatch):
    auth.login(make_user("trainee"))
    assert client.get("/profile").status_code == 200
    later = time.time() + 45
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert client.get("/profile").status_code == 200  # active within the minute: renewed
    later += 61
    assert client.get("/profile").status_code == 302  # a minute with no request: over


# --- 8. login timing and limits -------------------------------------------------------------

def test_an_unknown_email_costs_a_full_password_check(app, make_user, monkeypatch):
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda stored, given: checked.append(stored) or real(stored, given))
    with app.app_context():
        assert accounts.authenticate("nobody@example.org", "guess").error == "invalid"
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    assert len(checked) == 1 and checked[0].startswith(method)


@pytest.fixture
def limited(request):
    application = create_app(make_config(
        SQLALCHEMY_DATABASE_URI="sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT="5 per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="100 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}"))
    with application.app_context():
        db.create_all()
        user = User(email="trainer@example.org", full_name="Busy Trainer", role="trainer")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return application


def test_successful_logins_do_not_count_towards_the_limit(limited):
    client = limited.test_client()
    for _ in range(8):
        response = post_form(client, "/login", {"email": "trainer@example.org", "password": PASSWORD})
        assert response.status_code == 302
        post_form(client, "/logout")
    for _ in range(5):
        assert post_form(client, "/login", {"email": "trainer@example.org", "password": "guess"}).status_code == 401
    assert post_form(client, "/login", {"email": "trainer@example.org", "password": PASSWORD}).status_code == 429


def test_memory_rate_limits_with_several_workers_are_warned_about(monkeypatch):
    assert "3 times" in rate_limit_store_warning("memory://", 3)
    assert rate_limit_store_warning("memory://", 1) is None
    assert rate_limit_store_warning("redis://127.0.0.1:6379", 4) is None
    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    warnings = []
    server = SimpleNamespace(cfg=SimpleNamespace(workers=2), log=SimpleNamespace(warning=warnings.append))
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    module.on_starting(server)
    assert len(warnings) == 1 and "RATELIMIT_STORAGE_URI" in warnings[0]


# --- 9. headers ------------------------------------------------------------------------------

def test_personal_pages_are_never_cached_and_static_files_may_be(client, auth, make_user):
    auth.login(make_user("trainee"))
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/profile").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_in_production_only(client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    production = create_app(type("Prod", (ProductionConfig,), {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    header = production.test_client().get("/login").headers["Strict-Transport-Security"]
    assert header.startswith("max-age=31536000")


# --- 4. the error page after a database error ----------------------------------------------

@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}], indirect=True)
def test_the_500_page_survives_a_failed_statement(app, client, auth, make_user):
    @app.get("/_fail_a_statement")
    def fail_a_statement():
        from flask_login import current_user
        db.session.add(User(email=current_user.email, full_name="Duplicate", role="trainee", password_hash="x"))
        db.session.flush()  # violates the unique email: the session is now unusable until rolled back

    auth.login(make_user("trainee", full_name="Gulnara Someone"))
    response = client.get("/_fail_a_statement")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page and "<nav" in page  # the full page, not a bare fallback
    assert "/profile" in page  # the header still knows who is logged in


# --- 14. the password policy on the command line and the web ----------------------------------

def test_the_command_line_refuses_weak_admin_passwords(runner, database):
    for weak in ("a", "password1234", "qwertyuiop123"):
        result = runner.invoke(args=["users", "create", "--email", "boss@example.org", "--name", "Boss",
                                     "--role", "admin", "--password", weak])
        assert result.exit_code != 0 and "--password" in result.output
    assert database.count(User) == 0
    ok = runner.invoke(args=["users", "create", "--email", "boss@example.org", "--name", "Boss",
                             "--role", "admin", "--password", "lantern orchard velvet 42"])
    assert ok.exit_code == 0, ok.output
    assert events(database, "user.created")[0][2]["role"] == "admin"


def test_the_web_refuses_a_common_password(client, auth, make_user, database):
    user = make_user("trainee")
    auth.login(user)
    response = post_form(client, "/profile", {"password-current_password": PASSWORD,
                                              "password-new_password": "password1234",
                                              "password-confirm": "password1234", "password-submit": "1"})
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    assert database.get(User, user.id).check_password(PASSWORD)


# --- 1 and the audit log -------------------------------------------------------------------

def test_role_changes_and_logins_are_in_the_audit_log(client, auth, make_user, database):
    admin, target = make_user("admin"), make_user("trainee")
    post_form(client, "/login", {"email": target.email, "password": "wrong"})
    auth.login(admin)
    post_form(client, f"/admin/users/{target.id}/edit",
              {**NEW_USER, "email": target.email, "full_name": target.full_name, "role": "manager"})
    assert events(database, "user.role_changed") == [
        (admin.id, target.id, {"old": "trainee", "new": "manager"}, "127.0.0.1")]
    assert events(database, "login.failed")[0][2] == {"email": target.email, "reason": "invalid"}
    assert events(database, "login")[-1][:2] == (admin.id, admin.id)
    page = client.get("/admin/audit?action=user.role_changed").get_data(as_text=True)
    assert "<code>user.role_changed</code>" in page and target.full_name in page
    assert "<code>login.failed</code>" not in page
    about_target = client.get(f"/admin/audit?person={target.id}").get_data(as_text=True)
    assert "<code>user.role_changed</code>" in about_target and "<code>login</code>" not in about_target


def test_only_administrators_read_the_audit_log(client, auth, make_user):
    for role in ("trainee", "trainer", "manager"):
        auth.login(make_user(role))
        assert client.get("/admin/audit").status_code == 403
        auth.logout()


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "PREVIEW_RATE_LIMIT": "3 per minute",
                                         "RATELIMIT_KEY_PREFIX": "preview-test"}], indirect=True)
def test_markdown_previews_are_rate_limited_per_author(app, client, auth, make_user):
    from flask import json
    auth.login(make_user("trainer"))
    response = post_form(client, "/author/courses/drafts", {"title": "Border checks", "source": ""})
    draft = response.headers["Location"].rstrip("/").split("/drafts/")[1].split("/")[0]
    from conftest import csrf_token
    token = csrf_token(client, f"/author/courses/drafts/{draft}")
    answers = [client.post(f"/author/courses/drafts/{draft}/preview", data=json.dumps({"text": "# Hi"}),
                           headers={"Content-Type": "application/json", "X-CSRFToken": token}).status_code
               for _ in range(4)]
    assert answers == [200, 200, 200, 429]
