"""The session cookie is sent again only when the session changed or its cookie has aged: a late
answer to a request sent earlier (an autosave, a poll) cannot put an older session back in the
browser, and the idle timeout still slides with activity (tests/web/test_sessions_and_audit.py)."""
import time

import itsdangerous.timed

from conftest import post_form


def session_cookie(response) -> str | None:
    """The session cookie a response sets, or None when it leaves the browser's as it is."""
    return next((header for header in response.headers.getlist("Set-Cookie") if header.startswith("session=")), None)


def browser_takes(client, response) -> None:
    """Store the session cookie a response sets, as the browser does whenever the answer comes."""
    header = session_cookie(response)
    if header is not None:
        client.set_cookie("session", header.split(";", 1)[0].split("=", 1)[1])


def test_a_late_answer_to_an_earlier_request_does_not_lose_a_message(app, client, auth, make_user):
    auth.login(make_user("trainee"))
    client.get("/profile")
    in_flight = app.test_client()  # e.g. an autosave sent with the session as it is now...
    in_flight.set_cookie("session", client.get_cookie("session").value)
    post_form(client, "/language", {"language": "xx", "next": "/profile"})  # ...then a form that leaves a message
    browser_takes(client, in_flight.get("/profile"))  # ...and the autosave's answer comes last
    page = client.get("/profile").get_data(as_text=True)
    assert "There is no “xx” language here" in page


def test_an_unchanged_session_is_sent_again_only_once_its_cookie_has_aged(client, auth, make_user, monkeypatch):
    auth.login(make_user("trainee"))
    client.get("/profile")
    assert session_cookie(client.get("/profile")) is None
    later = time.time() + 61
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    renewed = session_cookie(client.get("/profile"))
    assert renewed is not None and "Expires=" in renewed
    assert session_cookie(client.get("/profile")) is None  # fresh again
