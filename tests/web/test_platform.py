"""Health check, security headers, cookies and error pages."""
import re

import pytest

from conftest import make_config
from trainer import create_app
from trainer.config import ProductionConfig


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none",
                                 SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_pages_forbid_framing_and_foreign_scripts(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client):
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_production_cookies_are_secure_by_default():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_pages_load_nothing_from_the_internet(client):
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'"/static/vendor/pico-2\.1\.1/pico\.min\.[0-9a-f]{12}\.css"', page)
    assert "http://" not in page and "https://" not in page


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)


def test_scripts_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not found"


@pytest.mark.parametrize("app_config", [{"TESTING": False}], indirect=True)
def test_unexpected_error_shows_the_friendly_500_page(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("bug")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_production_passwords_are_scrypt_hashes():
    from trainer.config import Config
    from trainer.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    with app.app_context():
        user = User(email="x@example.org", full_name="X")
        user.set_password("a long enough password")
    assert user.password_hash.startswith("scrypt:") and "a long enough password" not in user.password_hash
    assert user.check_password("a long enough password") and not user.check_password("wrong")
