"""Logging in and out, and what each kind of bad login is told."""
import uuid

import pytest

from conftest import PASSWORD, csrf_token, make_config, post_form
from trainer import create_app
from trainer.extensions import db
from trainer.models import User

HOME_HEADINGS = {
    "trainee": "My training",
    "trainer": "<h1>Trainer</h1>",
    "manager": "Programme reports",
    "admin": "Administration",
}


@pytest.mark.parametrize("role", sorted(HOME_HEADINGS))
def test_each_role_lands_on_its_own_home_page(client, auth, make_user, database, role):
    user = make_user(role)
    response = auth.login(user, follow_redirects=True)
    assert response.status_code == 200
    assert HOME_HEADINGS[role] in response.get_data(as_text=True)
    assert database.get(User, user.id).last_login_at is not None


def test_email_is_matched_case_insensitively(client, auth, make_user):
    make_user("trainee", email="aigul@example.org")
    response = auth.login("  AIGUL@Example.org ", follow_redirects=True)
    assert "My training" in response.get_data(as_text=True)


@pytest.mark.parametrize("email, password", [
    ("known@example.org", "wrong password"),
    ("nobody@example.org", PASSWORD),
])
def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, make_user, email, password):
    make_user("trainee", email="known@example.org")
    response = auth.login(email, password)
    assert response.status_code == 401
    assert "Email, username or password is incorrect." in response.get_data(as_text=True)
    assert "My training" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_inactive_account_is_told_it_is_deactivated(client, auth, make_user):
    user = make_user("trainee", active=False)
    response = auth.login(user)
    assert response.status_code == 401
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivating_an_account_ends_its_open_session(client, auth, make_user, database):
    user = make_user("trainee")
    auth.login(user)
    assert client.get("/profile").status_code == 200
    database.update(User, user.id, active=False)
    assert client.get("/profile").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("trainee")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_logout_is_a_post_with_csrf(client, auth, make_user):
    auth.login(make_user("trainee"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token: still logged in
    assert client.get("/profile").status_code == 200
    auth.logout()
    assert client.get("/profile").status_code == 302


def test_login_follows_local_next_but_not_external(client, auth, make_user):
    user = make_user("trainee")
    token = csrf_token(client, "/login")
    local = client.post("/login?next=/profile", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert local.headers["Location"] == "/profile"
    auth.logout()
    token = csrf_token(client, "/login")
    external = client.post("/login?next=https://evil.example.com/", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert external.headers["Location"] == "/"


def test_protected_page_sends_anonymous_visitor_to_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.fixture
def limited_app(request):
    storage = request.param
    app = create_app(make_config(
        SQLALCHEMY_DATABASE_URI="sqlite://", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage,
        LOGIN_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="100 per minute",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    ))
    with app.app_context():
        db.create_all()
        user = User(email="target@example.org", full_name="Target", role="trainee")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    yield app


@pytest.mark.parametrize("limited_app", ["memory://", "redis://127.0.0.1:6379"], indirect=True)
def test_login_is_rate_limited_per_account_and_address(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert post_form(client, "/login", {"email": "target@example.org", "password": "guess"}).status_code == 401
    blocked = post_form(client, "/login", {"email": "target@example.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # A colleague behind the same address is not locked out by someone else's mistakes.
    other = post_form(client, "/login", {"email": "colleague@example.org", "password": "x"})
    assert other.status_code == 401
