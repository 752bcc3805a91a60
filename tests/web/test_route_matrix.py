"""Every route, for every role, against objects that belong to someone else; and CSRF on every POST.

The tests walk `app.url_map`, so a route nobody declared fails them (test_every_route_is_declared
says which). The world (users, a course, the example scenario, a cohort with a session and live
exercises, attempts, drafts, a certificate) is built once per database for the whole module.

HOW TO DECLARE A NEW ROUTE: add one line to ACCESS below, keyed by the endpoint name
(`blueprint.function`), saying who gets through:

    "reports.trends": allow("manager", "admin"),
    "learn.notes": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "quiz_open"}),

- `allow(*roles)`: these roles get through (a page, a redirect that is not to the login page,
  or a form re-shown with its validation errors); every other logged-in role gets 403, and an
  anonymous visitor the login page with `next=` (or 401). Use PUBLIC for pages anyone may open
  and LOGGED_IN for any logged-in user. Every refusal is checked first and must change no row.
- `hidden=`: roles that get 404 instead of 403, where the app hides that the object exists
  (another trainer's cohort or draft, another trainee's attempt).
- The roles are: anonymous, trainee, trainee2, trainer, trainer2, manager, admin. Objects in
  URLs belong to `trainee` (attempts, certificate, cohort membership) and `trainer` (cohort,
  drafts, own course and scenario); trainee2 and trainer2 are the "someone else" who must not
  get in. A role name without a number ("trainer") does not include the second one.
- `params=`: where each URL parameter comes from, as names of World attributes (see
  `build_world`); a parameter whose name is in DEFAULT_PARAMS needs nothing. A World attribute
  holding a dict gives each role its own object (for routes that delete or publish).
- `headers=`: request headers, a dict or a function of (world, role): the read API's routes
  (/api/v1/) authenticate with `Authorization: Bearer <token>`, not the session, so they are
  declared open to every role WITH a token (the token is the key, as the calendar feed's);
  tests/web/test_api.py proves 401 without one, 403 outside its scope.
- `data=` / `json=`: a request body that would change something if the route let it through,
  so that the CSRF test proves a refused request changes nothing. A function of
  (world, role) may build it.

If your route changes data, give allowed roles an object of their own to change (a "spare",
see build_world), so later requests of the matrix still find the objects they need.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from conftest import _SCHEMAS_READY, BACKENDS, PASSWORD, AuthActions, csrf_token, make_config
from sample_course import write_course
from sample_scenario import PERFECT, write_scenario
from trainer import create_app
from trainer.extensions import db
from trainer.models import Agency, Attendance, Certificate, Course, Scenario, TrainingSession, User, content_editors
from trainer.services import cohorts as programme
from trainer.models_exports import ExportJob
from trainer.services import (api_tokens, calendar, course_authoring, exercises, export_jobs, question_files,
                              scenario_authoring)
from trainer.services import courses as learning
from trainer.services import scenarios as casework
from trainer.services.content import load_courses
from trainer.services.scenarios import load_scenarios

ROLES = ("anonymous", "trainee", "trainee2", "trainer", "trainer2", "manager", "admin")
LOGGED_IN_ROLES = ROLES[1:]
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CSRF_TEXT = "security token"           # in trainer/views/errors.py CSRF_MESSAGE
# The only POSTs without a CSRF token: a partner platform's LTI requests, authenticated by the
# registration, the signed id_token, the state cookie and the nonce (tests/web/test_lti.py).
CSRF_EXEMPT = {"lti.login", "lti.launch"}


def OTHERS_OF(*roles: str) -> tuple[str, ...]:
    """Every logged-in role except these: for objects whose existence is hidden from all others."""
    return tuple(role for role in LOGGED_IN_ROLES if role not in roles)


@dataclass(frozen=True)
class Access:
    """Who gets through one endpoint, and how to fill its URL and body."""

    ok: frozenset[str]
    hidden: frozenset[str] = frozenset()
    params: dict[str, str] = field(default_factory=dict)
    data: dict | Callable | None = None
    json: dict | Callable | None = None
    headers: dict | Callable | None = None

    def expected(self, role: str) -> str:
        if role in self.ok:
            return "ok"
        if role == "anonymous":
            return "login"
        return "404" if role in self.hidden else "403"


def allow(*roles: str, hidden=(), params=None, data=None, json=None, headers=None) -> Access:
    return Access(frozenset(roles), frozenset(hidden), params or {}, data, json, headers)


PUBLIC = allow(*ROLES)
LOGGED_IN = allow(*LOGGED_IN_ROLES)
TRAINERS = ("trainer", "trainer2", "admin")          # everyone who authors and runs cohorts
READERS = ("manager", "admin")
# The trainer's own cohort (and its sessions and exercises): another trainer gets 404.
RUNS = {"hidden": ("trainer2",)}
# The trainer's drafts: another trainer gets 404 (their ids reveal nothing).
DRAFT = {"hidden": ("trainer2",)}

# The read API: every role's request carries the world's "reports" token.
API = allow(*ROLES, headers=lambda w, role: {"Authorization": f"Bearer {w.api_token}"})

DEFAULT_PARAMS = {
    "cohort_id": "cohort", "session_id": "session", "exercise_id": "exercise", "agency_id": "agency",
    "code": "certificate", "lesson_slug": "lesson", "kind": "pre_test", "report": "completion", "fmt": "csv",
}


def profile_data(world, role):
    return {"profile-full_name": f"Matrix {role}", "profile-language": "en", "profile-submit": "Save"}


ACCESS: dict[str, Access] = {
    # --- main, auth, people
    "main.home": PUBLIC,                # a visitor is sent to the login page (with nothing to come back to)
    "main.healthz": PUBLIC,
    "main.my_programme": LOGGED_IN,     # each sees their own cohorts' sessions (none for most roles)
    "main.calendar_feed": allow(*ROLES, params={"token": "feed"}),  # the signed token is the key
    "auth.login": allow(*ROLES, data=lambda w, role: {"email": w.emails["trainee4"], "password": PASSWORD}),
    "auth.logout": LOGGED_IN,
    # Switching language changes only the visitor's own session (and their own account).
    "auth.language": allow(*ROLES, data={"language": "ru", "next": "/"}),
    "auth.profile": allow(*LOGGED_IN_ROLES, data=profile_data),
    # a person's record: themselves, the trainers of their cohorts, managers, admins (others 403)
    "people.record": allow("trainee", "trainer", "manager", "admin", params={"user_id": "trainee"}),

    # --- learning: courses are open to every logged-in user; attempts are their owner's alone
    "learn.catalogue": LOGGED_IN,
    "learn.course": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.lesson": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.lesson_data": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.start": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.complete_lesson": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.start_attempt": allow(*LOGGED_IN_ROLES, params={"slug": "course_slug"}),
    "learn.history": LOGGED_IN,
    "learn.attempt": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "quiz_open"}),
    "learn.save_attempt": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "quiz_open"},
                                data={"q:source-a": "0"}),
    "learn.submit_attempt": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "quiz_spare"},
                                  data={"q:check-x": "true"}),
    "learn.result": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "quiz_done"}),
    "learn.certificate": allow("trainee", "manager", "admin", hidden=("trainee2", "trainer", "trainer2")),
    "learn.certificate_download": allow("trainee", "manager", "admin", hidden=("trainee2", "trainer", "trainer2")),
    "learn.verify": PUBLIC,
    # Open Badges: the issuer, badge classes and assertions are public JSON-LD (validators and
    # backpacks fetch them without an account), as are the badge images
    "badges.issuer": PUBLIC,
    "badges.badge_class": allow(*ROLES, params={"work": "course_work"}),
    "badges.badge_class_image": allow(*ROLES, params={"work": "course_work"}),
    "badges.assertion": PUBLIC,
    "badges.assertion_image": PUBLIC,
    # LTI 1.3: the partner platform's requests (a refused launch is a 400 page, never a sign-in)
    "lti.jwks": PUBLIC,
    "lti.login": PUBLIC,
    "lti.launch": PUBLIC,
    "lti.deep_link": allow(*TRAINERS, data={"item": "scenario:matrix"}),  # 400 without a deep-linking launch
    "lti.registrations": allow("admin", data={
        "name": "Matrix Moodle", "issuer": "https://moodle.matrix.example", "client_id": "matrix",
        "deployment_ids": "1", "auth_login_url": "https://moodle.matrix.example/mod/lti/auth.php",
        "auth_token_url": "https://moodle.matrix.example/mod/lti/token.php",
        "key_set_url": "https://moodle.matrix.example/mod/lti/certs.php"}),

    # --- scenarios: the catalogue is open; attempts are their owner's alone
    "scenarios.index": LOGGED_IN,
    "scenarios.detail": allow(*LOGGED_IN_ROLES, params={"slug": "scenario_slug"}),
    "scenarios.start": allow(*LOGGED_IN_ROLES, params={"slug": "scenario_slug"}),
    "scenarios.workspace": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_open"}),
    "scenarios.save": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_open"},
                            json={"timeline": PERFECT["timeline"]}),
    "scenarios.new_reports": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_open"}),
    "scenarios.data": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_open"}),
    "scenarios.submit": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_spare"}),
    "scenarios.result": allow("trainee", hidden=OTHERS_OF("trainee"), params={"attempt_id": "scenario_done"}),
    # The trainee's link chart as .anx or CSV: the owner and the trainers who may review the attempt.
    "scenarios.chart_export": allow("trainee", "trainer", "admin", hidden=("trainee2", "trainer2", "manager"),
                                    params={"attempt_id": "scenario_done", "task_id": "chart_task", "fmt": "chart_format"}),

    # --- cohorts: trainers and admins; another trainer's cohort is 404
    "cohorts.index": allow(*TRAINERS),
    "cohorts.new": allow(*TRAINERS, data={"name": "Matrix cohort", "attendance_required_percent": "50"}),
    "cohorts.reviews": allow(*TRAINERS),
    "cohorts.detail": allow("trainer", "admin", **RUNS),
    "cohorts.edit": allow("trainer", "admin", **RUNS, data={"name": "Osh webinar", "attendance_required_percent": "60"}),
    "cohorts.add_trainer": allow("trainer", "admin", **RUNS, data=lambda w, role: {"email": w.emails["trainer4"]}),
    "cohorts.add_member": allow("trainer", "admin", **RUNS, data=lambda w, role: {"email": w.emails["trainee4"]}),
    "cohorts.add_agency": allow("trainer", "admin", **RUNS, data=lambda w, role: {"agency_id": w.agency2}),
    "cohorts.import_members": allow("trainer", "admin", **RUNS, data=lambda w, role: {
        "file": (io.BytesIO(b"email,full_name\nmatrix.csv@example.org,Csv Person\n"), "members.csv")}),
    "cohorts.remove_member": allow("trainer", "admin", **RUNS, params={"user_id": "trainee3"}),
    "cohorts.assign": allow("trainer", "admin", **RUNS, data=lambda w, role: {"target": f"scenario:{w.scenario}"}),
    "cohorts.unassign": allow("trainer", "admin", **RUNS, params={"assignment_id": "assignment_spare"}),
    "cohorts.add_session": allow("trainer", "admin", **RUNS, data={
        "starts_at": "2026-11-25T09:00", "minutes": "90", "topic": "Matrix session"}),
    "cohorts.attendance": allow("trainer", "admin", **RUNS, data=lambda w, role: {f"status-{w.trainee3}": "late"}),
    "cohorts.caught_up": allow("trainer", "admin", **RUNS, params={"user_id": "trainee"}, data={"how": "recording"}),
    "cohorts.start_exercise": allow("trainer", "admin", **RUNS, data=lambda w, role: {"scenario_id": w.scenario}),
    "cohorts.exercise": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"}),
    "cohorts.exercise_live": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"}),
    "cohorts.debrief": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"}),
    "cohorts.debrief_pdf": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"}),
    "cohorts.release": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"},
                             data={"report_id": "R4"}),
    "cohorts.end_exercise": allow("trainer", "admin", **RUNS, params={"exercise_id": "exercise_to_end"}),
    # only a trainee of the cohort joins its exercise; to anyone else it does not exist
    "cohorts.join": allow("trainee", hidden=OTHERS_OF("trainee")),
    # reviews: trainers of the trainee's cohorts and admins; others' trainees are 404
    "cohorts.review": allow("trainer", "admin", hidden=("trainer2",), params={"attempt_id": "scenario_done"}),
    # re-scoring an attempt scored with earlier rules: the same people as its review
    "cohorts.rescore": allow("trainer", "admin", hidden=("trainer2",), params={"attempt_id": "scenario_old"}),

    # --- course authoring: trainers and admins; others' drafts 404, others' courses 403
    "author_courses.index": allow(*TRAINERS),
    "author_courses.new_draft": allow(*TRAINERS, data={"title": "Matrix course", "source": ""}),
    "author_courses.import_zip": allow(*TRAINERS, data=lambda w, role: {"file": (io.BytesIO(w.course_zip), "c.zip")}),
    "author_courses.edit_course": allow("trainer", "admin", params={"slug": "course_slug"}),
    "author_courses.export_course": allow("trainer", "admin", params={"slug": "course_slug"}),
    "author_courses.editors": allow("trainer", "admin", params={"slug": "course_slug"},
                                    data=lambda w, role: {"email": w.emails["trainer4"]}),
    "author_courses.remove_editor": allow("trainer", "admin", params={"slug": "course_slug", "user_id": "editor"}),
    "author_courses.draft": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"}),
    "author_courses.settings": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                     data={"title": "Matrix draft", "summary": "Changed.", "pass_mark": "70"}),
    "author_courses.add_file": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                     data={"path": "02-added.md"}),
    "author_courses.rename_file": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                        data={"path": "01-introduction.md", "new_path": "01-renamed.md"}),
    "author_courses.delete_file": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                        data={"path": "questions/test.yml"}),
    "author_courses.edit_file": allow("trainer", "admin", **DRAFT,
                                      params={"draft_id": "course_draft", "name": "course_file"},
                                      data={"text": "id: changed\n"}),
    "author_courses.preview": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                    json={"text": "# Preview"}),
    "author_courses.export_draft": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"}),
    "author_courses.publish": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft_to_publish"}),
    "author_courses.delete_draft": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft_to_delete"}),
    # Moodle question files: a preview changes nothing; adding writes a bank into the draft
    "author_courses.import_questions": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                             data=lambda w, role: {"file": (io.BytesIO(b"Matrix?{T}"), "m.gift")}),
    "author_courses.add_questions": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"},
                                          data=lambda w, role: {"token": w.question_token}),
    "author_courses.export_draft_questions": allow("trainer", "admin", **DRAFT, params={"draft_id": "course_draft"}),
    # a course's answer keys go to those who may edit it, as its zip does
    "author_courses.export_course_questions": allow("trainer", "admin", params={"slug": "course_slug"}),

    # --- scenario authoring: same rules; the YAML export holds the answer key (editors only)
    "author_scenarios.index": allow(*TRAINERS),
    "author_scenarios.new": allow(*TRAINERS),
    "author_scenarios.new_from": allow(*TRAINERS, data=lambda w, role: {
        "copy-scenario_id": w.scenario, "template-scenario_id": w.scenario}),
    "author_scenarios.import_file": allow(*TRAINERS, data=lambda w, role: {
        "file": (io.BytesIO(w.scenario_yaml.encode()), "imported.yml")}),
    "author_scenarios.edit": allow("trainer", "admin", params={"slug": "scenario_slug"}),
    "author_scenarios.export": allow("trainer", "admin", params={"slug": "scenario_slug"}),
    "author_scenarios.editors": allow("trainer", "admin", params={"slug": "scenario_slug"},
                                      data=lambda w, role: {"email": w.emails["trainer4"]}),
    "author_scenarios.revoke": allow("trainer", "admin", params={"slug": "scenario_slug", "user_id": "editor"}),
    "author_scenarios.editor": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft"}),
    "author_scenarios.save": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft"},
                                   data={"source": "id: changed-by-matrix\n"}),
    "author_scenarios.download": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft"}),
    "author_scenarios.preview": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft"}),
    "author_scenarios.publish": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft_to_publish"}),
    "author_scenarios.delete": allow("trainer", "admin", **DRAFT, params={"draft_id": "scenario_draft_to_delete"}),

    # --- reports: managers and admins
    "reports.overview": allow(*READERS),
    "reports.completion": allow(*READERS),
    "reports.attendance": allow(*READERS),
    "reports.knowledge_gain": allow(*READERS),
    "reports.scenarios": allow(*READERS),
    "reports.disaggregation": allow(*READERS),
    "reports.export": allow(*READERS),
    "reports.overview_print": allow(*READERS),
    "learning_records.index": allow(*READERS),
    "learning_records.download": allow(*READERS),
    # Workbooks and PDFs are built by a background job: the manager's own jobs (an administrator
    # may open anyone's); the failed ones are tried again, one per role
    "exports.start": allow(*READERS, params={"report": "export_report", "fmt": "export_format"}),
    "exports.index": allow(*READERS),
    "exports.job": allow(*READERS, params={"job_id": "export_job"}),
    "exports.progress": allow(*READERS, params={"job_id": "export_job"}),
    "exports.download": allow(*READERS, params={"job_id": "export_job"}),
    "exports.retry": allow(*READERS, params={"job_id": "export_job_failed"}),
    "reports.items": allow(*READERS),
    "reports.cohort_choices": allow(*READERS),  # type-to-search suggestions for the report filters
    "reports.agency_choices": allow(*READERS),

    # --- item analysis: trainers for what they write (the `trainer` owns the course and the
    # scenario) or teach (assigned to a cohort they run); another trainer is refused
    "items.index": allow(*TRAINERS),
    "items.course": allow("trainer", "admin", params={"slug": "course_slug"}),
    "items.course_export": allow("trainer", "admin", params={"slug": "course_slug"}),
    "items.scenario": allow("trainer", "admin", params={"slug": "scenario_slug"}),
    "items.scenario_export": allow("trainer", "admin", params={"slug": "scenario_slug"}),

    # --- administration: admins only
    "admin.users": allow("admin"),
    "admin.user_new": allow("admin", data={"email": "made.by.matrix@example.org", "full_name": "Made By Matrix",
                                           "role": "trainee", "agency_id": "0"}),
    "admin.user_edit": allow("admin", params={"user_id": "trainee3"}),
    "admin.user_toggle_active": allow("admin", params={"user_id": "trainee3"}),
    "admin.users_import": allow("admin", data=lambda w, role: {
        "file": (io.BytesIO(b"email,full_name,role\nmatrix.import@example.org,Imported Person,trainee\n"), "u.csv")}),
    "admin.agencies": allow("admin"),
    "admin.agency_form": allow("admin", data={"name": "Matrix Agency", "short_name": "MX", "country": "KG"}),
    "admin.audit": allow("admin"),
    "admin.certificate_revoke": allow("admin", params={"code": "certificate_to_revoke"},
                                      data={"reason": "Issued in error"}),
    # --- read API tokens (administrators) and the read API (a bearer token, whoever holds it)
    "api_tokens.index": allow("admin"),
    "api_tokens.create": allow("admin", data={"name": "Matrix dashboard", "scope": "reports"}),
    "api_tokens.revoke": allow("admin", params={"token_id": "api_token_spare"}),
    "api-docs.openapi_json": PUBLIC,    # describes the API; holds no data
    "api.programme": API,
    "api.cohorts": API,
    "api.completion": API,
    "api.attendance": API,
    "api.knowledge_gain": API,
    "api.scenario_results": API,
}
# Declared before the route lands; remove once it exists.
NOT_YET: set[str] = set()
# Requests that end or start a session run last (in this order), so every other request keeps its login.
LAST = ("auth.logout", "auth.login")


# --- the world: one per backend, built with the services -----------------------------------------

@dataclass
class World:
    """Ids and slugs of real objects; `trainee` and `trainer` own them."""

    app: Any
    values: dict[str, Any]
    emails: dict[str, str]

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def value(self, name: str, role: str):
        value = self.values[name]
        return value.get(role, value["default"]) if isinstance(value, dict) else value


def add_user(role: str, name: str, **fields) -> User:
    user = User(email=f"{name}@matrix.example.org", full_name=name.replace(".", " ").title(), role=role, **fields)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def build_world(tmp) -> dict[str, Any]:
    """Everything the routes ask about, owned by `trainee` and `trainer` (inside an app context)."""
    load_courses(tmp / "courses")
    load_scenarios(tmp / "scenarios")
    agency = Agency(name="Ministry of Internal Affairs", country="KG", short_name="MIA")
    agency2 = Agency(name="State Border Guards Service", country="KG", short_name="SBGS")
    db.session.add_all([agency, agency2])
    db.session.flush()
    users = {
        "trainee": add_user("trainee", "trainee.one", agency_id=agency.id),
        "trainee2": add_user("trainee", "trainee.two", agency_id=agency.id),
        "trainee3": add_user("trainee", "trainee.three", agency_id=agency.id),   # removed, deactivated
        "trainee4": add_user("trainee", "trainee.four", agency_id=agency2.id),   # added to the cohort
        "trainer": add_user("trainer", "trainer.one"),
        "trainer2": add_user("trainer", "trainer.two"),
        "editor": add_user("trainer", "trainer.three"),                          # may edit, loses the right
        "trainer4": add_user("trainer", "trainer.four"),                         # given rights
        "manager": add_user("manager", "manager.one"),
        "admin": add_user("admin", "admin.one"),
    }
    trainee, trainer, admin = users["trainee"], users["trainer"], users["admin"]

    # The course and the scenario belong to `trainer`, who named `editor` to edit them too.
    course = db.session.scalar(select(Course).where(Course.slug == "grading-basics"))
    scenario = db.session.scalar(select(Scenario).where(Scenario.slug == "alay-road"))
    course.owner_id = scenario.owner_id = trainer.id
    for kind, slug in (("course", course.slug), ("scenario", scenario.slug)):
        db.session.execute(content_editors.insert().values(user_id=users["editor"].id, content_kind=kind,
                                                           content_slug=slug))
    lessons = course.lessons
    lessons[0].datasets = [{"id": "calls", "title": "Calls", "columns": [{"id": "n", "type": "integer", "label": "N"}],
                            "rows": [[1]], "entities": {}}]  # what the data widget of a lesson loads

    # The trainee's quiz attempts: one open, one submitted, one open to be submitted by the matrix.
    learning.enrol(trainee, course)
    quiz_open = learning.start_attempt(trainee, course, "pre_test")
    quiz_done = learning.start_attempt(trainee, course, "check", lessons[0])
    learning.submit_attempt(trainee, quiz_done, MultiDict({"q:check-x": "true"}))
    quiz_spare = learning.start_attempt(trainee, course, "check", lessons[1])
    certificate = Certificate(code="MATRIXCERT1", user_id=trainee.id, course_id=course.id, holder_name=trainee.full_name,
                              course_title=course.title, hours=1.5)
    # A second certificate for the administrator to revoke (the first stays valid for the others).
    certificate_to_revoke = Certificate(code="MATRIXCERT2", user_id=users["trainee3"].id, course_id=course.id,
                                        holder_name=users["trainee3"].full_name, course_title=course.title, hours=1.5)
    db.session.add_all([certificate, certificate_to_revoke])

    # The trainer's cohort: the trainee (and trainee3) are members; a session, two exercises.
    cohort = programme.create_cohort(trainer, name="Bishkek webinar", attendance_required_percent=50)
    db.session.flush()
    programme.add_members(cohort, [trainee, users["trainee3"]])
    session = TrainingSession(cohort_id=cohort.id, starts_at=datetime.now(timezone.utc) - timedelta(days=1),
                              topic="Source grading")
    db.session.add(session)
    db.session.flush()
    db.session.add(Attendance(session_id=session.id, user_id=trainee.id, status="excused", recorded_by_id=trainer.id))
    programme.assign(cohort, course, None, None)
    spare_assignment = programme.assign(cohort, None, scenario, None)
    exercise = exercises.start_exercise(cohort, scenario, trainer, session)
    exercise_to_end = exercises.start_exercise(cohort, scenario, trainer, None)
    db.session.flush()

    # The trainee's scenario attempts: submitted (awaiting review), open, and one in the exercise.
    scenario_done = casework.start_attempt(trainee, scenario)
    casework.save_responses(scenario_done, PERFECT)
    casework.submit(scenario_done)
    db.session.flush()
    # Attempts scored before scoring rules had versions (version 1), one per role that may re-score.
    scenario_old = {}
    for role in ("trainer", "admin"):
        old = casework.start_attempt(trainee, scenario)
        casework.save_responses(old, PERFECT)
        casework.submit(old)
        old.rule_version, old.result = 1, None
        casework.score(old)
        db.session.flush()
        scenario_old[role] = old.id
    scenario_open = casework.start_attempt(trainee, scenario)
    scenario_spare = exercises.join_exercise(trainee, exercise)

    # The trainer's drafts, with one of each to delete and to publish per role that may.
    course_draft = course_authoring.new_draft(trainer, "Trainer's course")
    spare_course = {role: course_authoring.new_draft(trainer, f"Spare course {n}")
                    for n, role in enumerate(("trainer", "admin", "x", "y"))}
    scenario_draft = scenario_authoring.new_blank_draft(trainer)
    spare_scenario = {role: scenario_authoring.edit_draft(owner, scenario) if role in ("trainer", "admin")
                      else scenario_authoring.new_blank_draft(trainer)
                      for role, owner in (("trainer", trainer), ("admin", admin), ("x", trainer), ("y", trainer))}
    db.session.flush()
    course_zip = course_authoring.zip_files(course_authoring.course_files(course), "grading-basics")
    question_token = question_files.preview_token(
        course_draft, question_files.plan_import(course_draft.files, b"::matrix-q::Matrix?{T}", "matrix.gift"))
    _row, api_token = api_tokens.create_token(admin, "Matrix dashboard")
    api_token_spare, _token = api_tokens.create_token(admin, "Matrix spare")
    export_job = ExportJob(owner_id=users["manager"].id, report="overview", format="xlsx", status="done",
                           progress=100, file_name="overview-matrix.xlsx")
    failed_exports = {role: ExportJob(owner_id=users["manager"].id, report="overview", format="xlsx",
                                      status="failed", error="Matrix failure") for role in ("manager", "admin")}
    db.session.add_all([export_job, *failed_exports.values()])
    db.session.commit()
    export_jobs.file_path(export_job).write_bytes(b"the matrix's workbook")
    return {
        "api_token": api_token, "api_token_spare": api_token_spare.id,
        "export_report": "overview", "export_format": "xlsx", "export_job": export_job.id,
        "export_job_failed": {**{role: job.id for role, job in failed_exports.items()},
                              "default": failed_exports["manager"].id},
        "emails": {role: user.email for role, user in users.items()},
        **{role: user.id for role, user in users.items()},
        "agency": agency.id, "agency2": agency2.id,
        "course": course.id, "course_slug": course.slug, "lesson": lessons[0].slug, "course_zip": course_zip,
        "scenario": scenario.id, "scenario_slug": scenario.slug, "scenario_yaml": scenario.current_version.source,
        "pre_test": "pre_test", "completion": "completion", "csv": "csv", "course_file": "course.yml",
        "quiz_open": quiz_open.id, "quiz_done": quiz_done.id, "quiz_spare": quiz_spare.id,
        "certificate": certificate.code, "certificate_to_revoke": certificate_to_revoke.code,
        "course_work": course.work,
        "cohort": cohort.id, "session": session.id, "assignment_spare": spare_assignment.id,
        "feed": calendar.cohort_feed_token(cohort),
        "exercise": exercise.id, "exercise_to_end": exercise_to_end.id,
        "scenario_done": scenario_done.id, "scenario_open": scenario_open.id, "scenario_spare": scenario_spare.id,
        "chart_task": "links", "chart_format": "anx",
        "scenario_old": {**scenario_old, "default": scenario_old["trainer"]},
        "course_draft": course_draft.id, "question_token": question_token,
        "course_draft_to_publish": {"trainer": spare_course["trainer"].id, "admin": spare_course["admin"].id,
                                    "default": spare_course["trainer"].id},
        "course_draft_to_delete": {"trainer": spare_course["x"].id, "admin": spare_course["y"].id,
                                   "default": spare_course["x"].id},
        "scenario_draft": scenario_draft.id,
        "scenario_draft_to_publish": {"trainer": spare_scenario["trainer"].id, "admin": spare_scenario["admin"].id,
                                      "default": spare_scenario["trainer"].id},
        "scenario_draft_to_delete": {"trainer": spare_scenario["x"].id, "admin": spare_scenario["y"].id,
                                     "default": spare_scenario["x"].id},
    }


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """One application and one world per backend for the whole module (built in about a second)."""
    tmp = tmp_path_factory.mktemp("matrix")
    write_course(tmp / "courses")
    write_scenario(tmp / "scenarios")
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else "sqlite://"
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url, CONTENT_COURSES_DIR=str(tmp / "courses"),
                                 CONTENT_SCENARIOS_DIR=str(tmp / "scenarios")))
    shared = url.startswith("postgresql")
    with app.app_context():
        if not shared or url not in _SCHEMAS_READY:
            db.create_all()
            _SCHEMAS_READY.add(url)
        values = build_world(tmp)
    yield World(app, values, values.pop("emails"))
    with app.app_context():
        db.session.remove()
        if shared:      # leave the shared schema empty for the next module, as the `app` fixture does
            tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            db.drop_all()
        db.engine.dispose()


def clients(world: World) -> dict[str, Any]:
    """A browser per role, logged in (anonymous stays a stranger)."""
    result = {}
    for role in ROLES:
        client = world.app.test_client()
        if role != "anonymous":
            response = AuthActions(client).login(world.emails[role])
            assert response.status_code == 302, f"{role} could not log in"
        result[role] = client
    return result


# --- requests ---------------------------------------------------------------------------------

def routes(app) -> list[tuple[Any, str]]:
    """Every (rule, method) of the app but static files, in the order the matrix runs them."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    last = {endpoint: n for n, endpoint in enumerate(LAST, start=1)}
    return sorted(pairs, key=lambda pair: (last.get(pair[0].endpoint, 0), pair[1] != "GET", pair[0].endpoint,
                                           pair[0].rule, pair[1]))


def undeclared(app) -> list[str]:
    return sorted({f"{rule.endpoint} ({method} {rule.rule})" for rule, method in routes(app)
                   if rule.endpoint not in ACCESS})


def url_for_rule(world: World, rule, role: str) -> str:
    access = ACCESS[rule.endpoint]
    values = {}
    for name in rule.arguments - set(rule.defaults or ()):
        source = access.params.get(name) or DEFAULT_PARAMS.get(name)
        assert source, f"{rule.endpoint}: declare where the URL parameter <{name}> comes from (params=...)"
        values[name] = world.value(source, role)
    built = rule.build(values, append_unknown=False)
    assert built, f"{rule.endpoint}: cannot build {rule.rule} from {values}"
    return built[1]


def body(world: World, access: Access, role: str) -> tuple[dict | None, dict | None]:
    data = access.data(world, role) if callable(access.data) else dict(access.data or {})
    payload = access.json(world, role) if callable(access.json) else access.json
    return data, payload


def send(client, method: str, url: str, data: dict | None, payload: dict | None, token: str | None,
         header_token: str | None = None, extra_headers: dict | None = None):
    """One request as the page would send it: forms carry csrf_token, JSON the X-CSRFToken header."""
    headers = dict(extra_headers or {})
    if payload is not None:
        headers["Accept"] = "application/json"
        if header_token or token:
            headers["X-CSRFToken"] = header_token or token
        return client.open(url, method=method, json=payload, headers=headers)
    if method == "GET":
        return client.open(url, method=method, headers=headers)
    form = dict(data or {})
    if token is not None:
        form["csrf_token"] = token
    files = any(isinstance(value, tuple) for value in form.values())
    return client.open(url, method=method, data=form, headers=headers,
                       content_type="multipart/form-data" if files else None)


def outcome(response) -> str:
    """What the person sees: ok, login (asked to log in to come back here), 403, 404, csrf, or a status."""
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers["Location"])
        return "login" if target.path == "/login" and "next=" in target.query else "ok"
    if status == 401:
        return "login"
    if status in (403, 404):
        return str(status)
    if status == 400 and CSRF_TEXT in response.get_data(as_text=True):
        return "csrf"
    return "ok" if status < 500 and status not in (405,) else str(status)


# --- the tests ----------------------------------------------------------------------------------

def test_every_route_is_declared():
    """A new route fails here until its access is declared in ACCESS (see the top of this file)."""
    app = create_app(make_config())
    missing = undeclared(app)
    assert not missing, ("Declare who may use these routes in ACCESS in tests/web/test_route_matrix.py "
                         "(how: see the top of that file): " + ", ".join(missing))
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(ACCESS) - endpoints)
    assert set(stale) <= NOT_YET, f"ACCESS declares routes the app no longer has: {stale}"


def snapshot(world: World) -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    with world.app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in db.metadata.sorted_tables}


def changed_tables(before: dict[str, list], after: dict[str, list]) -> list[str]:
    return sorted(name for name in after if after[name] != before.get(name))


def test_unsafe_requests_without_a_valid_csrf_token_are_refused_and_change_nothing(world):
    """Every POST/PUT/PATCH/DELETE route, by a role that may use it, with no token, a wrong one,
    and a real one from another person's session: 400 with a readable message, no data changed."""
    assert not undeclared(world.app), "declare every route first (test_every_route_is_declared)"
    browsers = clients(world)
    stranger_token = csrf_token(browsers["trainee2"])
    before = snapshot(world)
    problems = []
    for rule, method in routes(world.app):
        if method not in UNSAFE_METHODS:
            continue
        if rule.endpoint in CSRF_EXEMPT:
            continue
        access = ACCESS[rule.endpoint]
        # The owner where there is one; a public form (log in) as a visitor who has not logged in.
        role = next(role for role in ("anonymous", "trainee", "trainer", "admin", "manager") if role in access.ok)
        client = browsers[role]
        url = url_for_rule(world, rule, role)
        for label, token in (("no token", None), ("a wrong token", "not-a-token"),
                             ("another session's token", stranger_token)):
            data, payload = body(world, access, role)
            try:
                response = send(client, method, url, data, payload, token)
            except Exception as error:  # noqa: BLE001 (TESTING propagates errors: report them all)
                problems.append(f"{method} {url} as {role} with {label}: {type(error).__name__}: {error}")
                continue
            if response.status_code not in (400, 403) or CSRF_TEXT not in response.get_data(as_text=True):
                problems.append(f"{method} {url} as {role} with {label}: {response.status_code}, "
                                f"expected 400 with the security-token message")
        after = snapshot(world)
        if after != before:
            problems.append(f"{method} {url} as {role} without a valid token changed {changed_tables(before, after)}")
            before = after
    assert not problems, "\n".join(problems)


def test_route_matrix(world):
    """Every route, every role, objects of someone else: the answer declared in ACCESS, never a 500;
    and the refusals change no row."""
    assert not undeclared(world.app), "declare every route first (test_every_route_is_declared)"
    browsers = clients(world)
    tokens = {role: csrf_token(client) for role, client in browsers.items()}
    problems = []

    def check(rule, method, role):
        url = url_for_rule(world, rule, role)
        data, payload = body(world, ACCESS[rule.endpoint], role)
        expected = ACCESS[rule.endpoint].expected(role)
        extra = ACCESS[rule.endpoint].headers
        extra = extra(world, role) if callable(extra) else extra
        try:
            response = send(browsers[role], method, url, data, payload, tokens[role], extra_headers=extra)
        except Exception as error:  # noqa: BLE001 (TESTING propagates errors: report them all)
            problems.append(f"{method} {url} ({rule.endpoint}) as {role}: {type(error).__name__}: {error}")
            return
        got = outcome(response)
        if got != expected:
            where = response.headers.get("Location", "")
            problems.append(f"{method} {url} ({rule.endpoint}) as {role}: expected {expected}, "
                            f"got {got} ({response.status_code} {where})".rstrip())

    # Every refusal first, while every object is still there; together they change nothing.
    before = snapshot(world)
    for rule, method in routes(world.app):
        for role in ROLES:
            if ACCESS[rule.endpoint].expected(role) != "ok":
                check(rule, method, role)
    changed = changed_tables(before, snapshot(world))
    if changed:
        problems.append(f"refused requests changed rows in {changed}")
    # Then the requests that go through (spares in the world absorb deletes and publishing).
    for rule, method in routes(world.app):
        for role in ROLES:
            if ACCESS[rule.endpoint].expected(role) == "ok":
                check(rule, method, role)
    assert not problems, f"{len(problems)} answer(s) differ from ACCESS:\n" + "\n".join(problems)
