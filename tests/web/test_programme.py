"""An officer's own programme page and the iCal feeds of their sessions (issue 14)."""
import re
from datetime import datetime, timezone

from icalendar import Calendar
from sqlalchemy import select

from conftest import PASSWORD, post_form
from trainer.extensions import db
from trainer.models import Cohort, User
from web.test_cohorts import app_config, new_cohort, world  # noqa: F401 (fixtures)

WEBINAR, RECORDING = "https://webinar.example.org/room-1", "https://video.example.org/recording-1"


def cohort_with_sessions(app, client, auth, world) -> int:
    auth.login(world["trainer"])
    cohort = new_cohort(client)  # in the platform's zone, Asia/Bishkek (UTC+6)
    post_form(client, f"/cohorts/{cohort}/members", {"email": world["aibek"].email})
    post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2026-11-25T10:00", "minutes": "120",
                                                     "topic": "Intelligence cycle", "place": WEBINAR,
                                                     "recording_url": RECORDING})
    post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2027-01-15T09:00", "minutes": "90",
                                                     "topic": "Link analysis", "place": "Room 204"})
    with app.app_context():
        first = min(db.session.get(Cohort, cohort).sessions, key=lambda s: s.starts_at)
        session_id = first.id
    post_form(client, f"/cohorts/{cohort}/sessions/{session_id}/attendance", {f"status-{world['aibek'].id}": "excused"})
    auth.logout()
    return cohort


def feed_link(page: str) -> str:
    return re.search(r'href="http://localhost(/calendar/[^"]+\.ics)"', page).group(1)


def test_a_recording_must_be_a_web_address(app, client, auth, world):
    auth.login(world["trainer"])
    cohort = new_cohort(client)
    page = post_form(client, f"/cohorts/{cohort}/sessions", {"starts_at": "2026-11-25T10:00", "minutes": "90",
                                                            "topic": "ILP", "recording_url": "javascript:alert(1)"},
                     follow_redirects=True).get_data(as_text=True)
    assert "starting with https://" in page
    with app.app_context():
        assert db.session.get(Cohort, cohort).sessions == []


def test_an_officer_sees_their_sessions_in_their_zone_with_links_attendance_and_catch_up(app, client, auth, world, database):
    cohort_with_sessions(app, client, auth, world)
    with app.app_context():
        db.session.get(User, world["aibek"].id).timezone = "Asia/Tashkent"  # UTC+5
        db.session.commit()
    auth.login(world["aibek"])
    page = client.get("/my-programme").get_data(as_text=True)
    assert "Bishkek webinar" in page
    assert "25 Nov 2026, 09:00 (Tashkent, GMT+05:00)" in page  # 10:00 in Bishkek is 9:00 in Tashkent
    assert f'href="{WEBINAR}"' in page and f'href="{RECORDING}"' in page
    assert "Room 204" in page and 'href="Room 204"' not in page
    first = page.split("Intelligence cycle")[1].split("</tr>")[0]
    assert "excused" in first and "watch the recording, then tell your trainer" in first
    auth.logout()
    auth.login(world["outsider"])
    assert "You are not in a cohort yet" in client.get("/my-programme").get_data(as_text=True)


def test_the_officers_feed_puts_each_session_at_its_real_time_and_a_password_change_retires_it(
        app, client, auth, world):
    cohort_with_sessions(app, client, auth, world)
    auth.login(world["aibek"])
    url = feed_link(client.get("/my-programme").get_data(as_text=True))
    anonymous = app.test_client()  # a calendar app: no login
    response = anonymous.get(url)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [str(e["summary"]) for e in events] == ["Intelligence cycle (Bishkek webinar, 25-26 November)",
                                                    "Link analysis (Bishkek webinar, 25-26 November)"]
    start = events[0].decoded("dtstart")
    assert start.astimezone(timezone.utc) == datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)
    assert events[0]["dtstart"].params["TZID"] == "Asia/Bishkek" and calendar.walk("VTIMEZONE")
    assert (events[0].decoded("dtend") - start).total_seconds() == 120 * 60
    assert str(events[0]["url"]) == WEBINAR and RECORDING in str(events[0]["description"])
    assert str(events[1]["location"]) == "Room 204" and "url" not in events[1]
    assert anonymous.get(url.replace(".ics", "x.ics")).status_code == 404  # a forged token
    changed = post_form(client, "/profile", {"password-current_password": PASSWORD,
                                             "password-new_password": "lantern orchard velvet 42",
                                             "password-confirm": "lantern orchard velvet 42", "password-submit": "1"})
    assert changed.status_code == 302
    assert anonymous.get(url).status_code == 404  # every session ended, the old feed with them


def test_a_trainer_shares_the_cohorts_feed(app, client, auth, world):
    cohort = cohort_with_sessions(app, client, auth, world)
    auth.login(world["trainer"])
    url = feed_link(client.get(f"/cohorts/{cohort}").get_data(as_text=True))
    events = Calendar.from_ical(app.test_client().get(url).data).walk("VEVENT")
    assert len(events) == 2
