"""Issue 10: each officer in their own language and time zone; sessions held when they are held."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from conftest import PASSWORD, csrf_token, post_form
from trainer.extensions import db
from trainer.models import Cohort, TrainingSession, User
from trainer.services.cohorts import attendance_summaries


def page(client, path, **kwargs) -> str:
    return client.get(path, **kwargs).get_data(as_text=True)


# --- choosing a language -------------------------------------------------------------------

def test_a_visitor_switches_to_russian_on_the_login_page_and_keeps_it_after_login(client, make_user, database):
    user = make_user("trainee")
    assert "Log in" in page(client, "/login")
    response = client.post("/language", data={"language": "ru", "next": "/login",
                                              "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    login_page = page(client, "/login")
    assert 'lang="ru"' in login_page and "Войти" in login_page
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert database.get(User, user.id).language == "ru"
    assert "Моё обучение" in page(client, "/") or 'lang="ru"' in page(client, "/")


def test_the_switch_is_in_every_page_header(client, auth, make_user):
    auth.login(make_user("trainer"))
    for path in ("/", "/cohorts", "/profile", "/courses"):
        html = page(client, path, follow_redirects=True)
        assert 'action="/language"' in html and ">Русский<" in html and ">English<" in html


def test_the_browser_language_is_the_first_default(client):
    assert 'lang="ru"' in page(client, "/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert 'lang="en"' in page(client, "/login", headers={"Accept-Language": "de-DE"})


def test_a_chosen_language_beats_the_browser_and_the_account_keeps_it(client, auth, make_user, database):
    user = make_user("trainee", language="ru")
    auth.login(user)
    assert 'lang="ru"' in page(client, "/", headers={"Accept-Language": "en"})
    post_form(client, "/language", {"language": "en", "next": "/"})
    assert database.get(User, user.id).language == "en"


@pytest.mark.parametrize("how", ["url", "switch"])
def test_an_unknown_language_is_named_and_falls_back(client, how):
    if how == "url":
        response = client.get("/login?lang=klingon")
    else:
        response = client.post("/language", data={"language": "xx", "next": "/login",
                                                  "csrf_token": csrf_token(client, "/login")}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is no" in html and 'lang="en"' in html
    assert "Русский" in html  # what is available is said


def test_a_language_in_the_url_switches(client):
    assert 'lang="ru"' in page(client, "/login?lang=ru")
    assert 'lang="ru"' in page(client, "/login")  # and stays for this visitor


def test_an_unknown_language_in_the_profile_form_is_refused_with_a_message(client, auth, make_user, database):
    user = make_user("trainee")
    auth.login(user)
    response = post_form(client, "/profile", {"profile-full_name": "N", "profile-language": "xx",
                                              "profile-submit": "1"})
    assert response.status_code == 400
    assert database.get(User, user.id).language == "en"


# --- time zones ------------------------------------------------------------------------------

@pytest.fixture
def trainer(client, auth, make_user):
    user = make_user("trainer")
    auth.login(user)
    return user


def new_cohort(client, zone: str) -> int:
    response = post_form(client, "/cohorts/new", {"name": f"Cohort in {zone}", "timezone": zone})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/cohorts/")[1].split("#")[0])


def add_session(client, cohort_id: int, local: str) -> None:
    response = post_form(client, f"/cohorts/{cohort_id}/sessions",
                         {"starts_at": local, "minutes": "90", "topic": "Grading sources"})
    assert response.status_code == 302


@pytest.mark.parametrize("zone, typed, utc", [
    ("Asia/Bishkek", "2026-11-25T10:00", datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)),
    ("Asia/Bishkek", "2026-11-26T00:30", datetime(2026, 11, 25, 18, 30, tzinfo=timezone.utc)),  # after midnight
    ("Asia/Dushanbe", "2026-11-26T00:30", datetime(2026, 11, 25, 19, 30, tzinfo=timezone.utc)),
    ("Asia/Tashkent", "2026-11-25T23:50", datetime(2026, 11, 25, 18, 50, tzinfo=timezone.utc)),
])
def test_session_times_are_typed_in_the_cohorts_zone_and_stored_as_utc(client, trainer, database, zone, typed, utc):
    cohort_id = new_cohort(client, zone)
    add_session(client, cohort_id, typed)
    session = database.scalar(select(TrainingSession).where(TrainingSession.cohort_id == cohort_id))
    assert session.starts_at == utc
    html = page(client, f"/cohorts/{cohort_id}")
    assert typed[-5:] in html  # shown as typed: the cohort's wall clock...
    assert "GMT+0" in html     # ...with its offset


@pytest.mark.parametrize("zone, utc_hour", [("Asia/Bishkek", 4), ("Asia/Tashkent", 5)])
def test_a_session_counts_as_held_from_its_local_start_on_both_databases(app, client, trainer, make_user,
                                                                          database, zone, utc_hour):
    cohort_id = new_cohort(client, zone)
    member = make_user("trainee")
    post_form(client, f"/cohorts/{cohort_id}/members", {"email": member.email})
    add_session(client, cohort_id, "2026-11-25T10:00")  # 10:00 local
    starts = datetime(2026, 11, 25, utc_hour, 0, tzinfo=timezone.utc)
    a_minute_before = starts.replace(minute=0) - (datetime(2026, 1, 1, 0, 1) - datetime(2026, 1, 1, 0, 0))
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        assert attendance_summaries(cohort, now=a_minute_before)[member.id].sessions == 0
        assert attendance_summaries(cohort, now=starts)[member.id].sessions == 1
        # The database compares the same moment: the SQL filter agrees on SQLite and PostgreSQL.
        held = select(TrainingSession).where(TrainingSession.cohort_id == cohort_id)
        assert db.session.scalar(held.where(TrainingSession.starts_at <= a_minute_before)) is None
        assert db.session.scalar(held.where(TrainingSession.starts_at <= starts)) is not None


def test_an_officer_sees_times_in_their_own_zone_and_language(client, auth, make_user, database, app):
    user = make_user("trainee", language="ru", timezone="Asia/Tashkent")
    auth.login(user)
    with app.app_context():
        from trainer.i18n import when
        from flask_babel import force_locale
        with app.test_request_context():
            from flask_login import login_user
            login_user(db.session.get(User, user.id))
            with force_locale("ru"):
                text = when(datetime(2026, 11, 25, 19, 30, tzinfo=timezone.utc))
    assert text == "26 нояб. 2026, 00:30"


def test_error_pages_speak_the_officers_language(client, auth, make_user):
    auth.login(make_user("trainee", language="ru"))
    refused = client.get("/admin/users")
    assert refused.status_code == 403
    assert '<html lang="ru"' in refused.get_data(as_text=True) and "Доступ запрещён" in refused.get_data(as_text=True)
    missing = client.get("/courses/no-such-course")
    assert missing.status_code == 404
    assert '<html lang="ru"' in missing.get_data(as_text=True) and "Страница не найдена" in missing.get_data(as_text=True)
