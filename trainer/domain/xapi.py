"""xAPI 1.0.3 statements for the learning events partners' LRSs and dashboards record.

Plain data in, plain JSON-ready dicts out: no Flask, no database. The services fill the
frozen dataclasses below from rows and store what these functions build.

Choices worth knowing (README, "xAPI (learning records)"):
- The actor is an account on the platform's home page named by the user's id, which never
  changes; an e-mail (mbox) only when the platform is configured to send it.
- Verbs are ADL's (completed, answered, passed, failed, attempted, scored, attended) where ADL
  has one; a trainer's review of a report is the registry's http://id.tincanapi.com/verb/reviewed
  and a certificate is http://id.tincanapi.com/verb/earned by the officer (no standard verb
  says "issued" with the learner as actor, and the learner is whom the record is about).
- Every id is a name-based UUID (uuid5) of the platform's address and the event, so the same
  event always makes the same statement: recording it twice stores it once, and an LRS that
  has it already answers 409 or 204 instead of keeping a copy.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

XAPI_VERSION = "1.0.3"


@dataclass(frozen=True)
class Verb:
    id: str
    en: str
    ru: str

    def as_json(self) -> dict:
        return {"id": self.id, "display": {"en": self.en, "ru": self.ru}}


ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "completed": Verb(ADL + "completed", "completed", "завершил"),
    "answered": Verb(ADL + "answered", "answered", "ответил на"),
    "passed": Verb(ADL + "passed", "passed", "успешно прошёл"),
    "failed": Verb(ADL + "failed", "failed", "не прошёл"),
    "attempted": Verb(ADL + "attempted", "attempted", "начал"),
    "scored": Verb(ADL + "scored", "scored", "получил оценку за"),
    "attended": Verb(ADL + "attended", "attended", "присутствовал на"),
    "reviewed": Verb("http://id.tincanapi.com/verb/reviewed", "reviewed", "проверил"),
    "earned": Verb("http://id.tincanapi.com/verb/earned", "earned", "получил"),
    "voided": Verb(ADL + "voided", "voided", "аннулировал"),
}

ACTIVITY = "http://adlnet.gov/expapi/activities/"
ACTIVITY_TYPES = {
    "course": ACTIVITY + "course",
    "lesson": ACTIVITY + "lesson",
    "assessment": ACTIVITY + "assessment",
    "question": ACTIVITY + "question",
    "scenario": ACTIVITY + "simulation",
    "task": ACTIVITY + "interaction",
    "session": ACTIVITY + "meeting",
    "certificate": "http://id.tincanapi.com/activitytype/certificate",
}

# Test names in both languages: a pre-test's activity is the platform's, not the author's.
TEST_NAMES = {"pre_test": {"en": "Pre-test", "ru": "Входной тест"},
              "post_test": {"en": "Post-test", "ru": "Итоговый тест"}}


@dataclass(frozen=True)
class Platform:
    """Where the platform is reached (its home page for accounts and activity ids)."""

    base_url: str
    send_email: bool = False  # actors as mbox (mailto:) when the user has an e-mail address

    def url(self, *parts: str) -> str:
        return "/".join([self.base_url.rstrip("/"), *(str(part).strip("/") for part in parts)])

    @property
    def namespace(self) -> uuid.UUID:
        """Statement ids are made in the platform's own namespace: attempt 5 here is not attempt 5 elsewhere."""
        return uuid.uuid5(uuid.NAMESPACE_URL, self.base_url.rstrip("/"))

    def uuid(self, *identity: object) -> str:
        return str(uuid.uuid5(self.namespace, "/".join(str(part) for part in identity)))


@dataclass(frozen=True)
class Person:
    id: int
    email: str | None = None


@dataclass(frozen=True)
class Content:
    """A course, lesson, scenario, task or question: its stable key and its title in its language,
    with the titles of its versions in other languages where the platform has them (courses and
    scenarios translated as one work)."""

    slug: str
    title: str
    language: str
    translations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    """A result: the share of the maximum (0..1), and, when known, success, completion and time."""

    scaled: float | None = None
    success: bool | None = None
    completion: bool | None = None
    seconds: float | None = None
    raw: float | None = None
    max: float | None = None

    def as_json(self) -> dict:
        result: dict = {}
        score = {}
        if self.scaled is not None:
            score["scaled"] = round(min(1.0, max(0.0, self.scaled)), 4)
        if self.raw is not None and self.max is not None:
            score.update(raw=round(self.raw, 2), min=0, max=round(self.max, 2))
        if score:
            result["score"] = score
        if self.success is not None:
            result["success"] = self.success
        if self.completion is not None:
            result["completion"] = self.completion
        if self.seconds is not None:
            result["duration"] = iso_duration(self.seconds)
        return result


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration, to the hundredth of a second as xAPI asks: 3725.5 -> PT1H2M5.5S."""
    centis = round(max(0.0, seconds) * 100)
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if centis or text == "PT":
        whole, hundredths = divmod(centis, 100)
        text += f"{whole}.{hundredths:02d}".rstrip("0").rstrip(".") + "S"
    return text


def timestamp(moment: datetime) -> str:
    """UTC, ISO 8601, milliseconds (a naive time is taken as UTC, as the database stores it)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def actor(platform: Platform, person: Person) -> dict:
    if platform.send_email and person.email:
        return {"objectType": "Agent", "mbox": f"mailto:{person.email}"}
    return {"objectType": "Agent", "account": {"homePage": platform.base_url, "name": str(person.id)}}


def activity(activity_id: str, kind: str, names: dict[str, str]) -> dict:
    return {"objectType": "Activity", "id": activity_id,
            "definition": {"type": ACTIVITY_TYPES[kind], "name": dict(names)}}


def named(content: Content) -> dict[str, str]:
    return {**content.translations, content.language: content.title}


def statement(platform: Platform, statement_id: str, person: Person, verb: str, target: dict, when: datetime, *,
              result: Score | None = None, registration: str | None = None, parents: tuple[dict, ...] = (),
              instructor: Person | None = None, extensions: dict | None = None) -> dict:
    """One statement as JSON-ready data."""
    built = {"id": statement_id, "actor": actor(platform, person), "verb": VERBS[verb].as_json(), "object": target}
    if result is not None and result.as_json():
        built["result"] = result.as_json()
    context: dict = {}
    if registration:
        context["registration"] = registration
    if instructor is not None:
        context["instructor"] = actor(platform, instructor)
    if parents:
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": p["id"]} for p in parents]}
    if extensions:
        context["extensions"] = extensions
    if context:
        built["context"] = context
    built["timestamp"] = timestamp(when)
    built["version"] = XAPI_VERSION
    return built


# -- the platform's activities ------------------------------------------------------------------

def course_activity(platform: Platform, course: Content) -> dict:
    return activity(platform.url("courses", course.slug), "course", named(course))


def lesson_activity(platform: Platform, course: Content, lesson: Content) -> dict:
    return activity(platform.url("courses", course.slug, "lessons", lesson.slug), "lesson", named(lesson))


def question_activity(platform: Platform, course: Content, question: Content) -> dict:
    return activity(platform.url("courses", course.slug, "questions", question.slug), "question", named(question))


def test_activity(platform: Platform, course: Content, kind: str) -> dict:
    return activity(platform.url("courses", course.slug, "tests", kind), "assessment", TEST_NAMES[kind])


def scenario_activity(platform: Platform, scenario: Content) -> dict:
    return activity(platform.url("scenarios", scenario.slug), "scenario", named(scenario))


def task_activity(platform: Platform, scenario: Content, task: Content) -> dict:
    return activity(platform.url("scenarios", scenario.slug, "tasks", task.slug), "task", named(task))


# -- the events ---------------------------------------------------------------------------------

def lesson_completed(platform: Platform, person: Person, course: Content, lesson: Content, when: datetime) -> dict:
    """An officer marked a lesson complete (once per officer and lesson)."""
    return statement(platform, platform.uuid("lesson-completed", person.id, course.slug, lesson.slug), person,
                     "completed", lesson_activity(platform, course, lesson), when,
                     result=Score(completion=True), parents=(course_activity(platform, course),))


def quiz_registration(platform: Platform, attempt_id: int) -> str:
    return platform.uuid("quiz-attempt", attempt_id)


def question_answered(platform: Platform, person: Person, course: Content, lesson: Content, question: Content,
                      attempt_id: int, score: float, when: datetime) -> dict:
    """One question of a lesson's knowledge check, scored 0..1 (full marks is success)."""
    return statement(platform, platform.uuid("question-answered", attempt_id, question.slug), person, "answered",
                     question_activity(platform, course, question), when,
                     result=Score(scaled=score, success=score >= 1.0, completion=True),
                     registration=quiz_registration(platform, attempt_id),
                     parents=(lesson_activity(platform, course, lesson),))


def test_finished(platform: Platform, person: Person, course: Content, kind: str, attempt_id: int, percent: float,
                  pass_mark: float, started: datetime, submitted: datetime) -> dict:
    """A pre-test or post-test submitted: passed at the course's pass mark, else failed."""
    passed = percent >= pass_mark
    return statement(platform, platform.uuid("test-finished", attempt_id), person, "passed" if passed else "failed",
                     test_activity(platform, course, kind), submitted,
                     result=Score(scaled=percent / 100, success=passed, completion=True,
                                  seconds=_seconds(started, submitted)),
                     registration=quiz_registration(platform, attempt_id),
                     parents=(course_activity(platform, course),))


def scenario_registration(platform: Platform, attempt_id: int) -> str:
    return platform.uuid("scenario-attempt", attempt_id)


def scenario_started(platform: Platform, person: Person, scenario: Content, attempt_id: int, when: datetime) -> dict:
    return statement(platform, platform.uuid("scenario-started", attempt_id), person, "attempted",
                     scenario_activity(platform, scenario), when,
                     registration=scenario_registration(platform, attempt_id))


def task_scored(platform: Platform, person: Person, scenario: Content, task: Content, attempt_id: int, score: float,
                occasion: str, when: datetime) -> dict:
    """A task's score (0..1) when the attempt was scored; `occasion` tells scorings apart (a
    review or a re-score scores the attempt again)."""
    return statement(platform, platform.uuid("task-scored", attempt_id, task.slug, occasion), person, "scored",
                     task_activity(platform, scenario, task), when, result=Score(scaled=score),
                     registration=scenario_registration(platform, attempt_id),
                     parents=(scenario_activity(platform, scenario),))


def scenario_finished(platform: Platform, person: Person, scenario: Content, attempt_id: int, percent: float,
                      passed: bool, started: datetime, submitted: datetime, occasion: str, when: datetime) -> dict:
    """The attempt's outcome, once it has one (a report waiting for review has none yet)."""
    return statement(platform, platform.uuid("scenario-finished", attempt_id, occasion), person,
                     "passed" if passed else "failed", scenario_activity(platform, scenario), when,
                     result=Score(scaled=percent / 100, success=passed, completion=True,
                                  seconds=_seconds(started, submitted)),
                     registration=scenario_registration(platform, attempt_id))


def report_reviewed(platform: Platform, reviewer: Person, learner: Person, scenario: Content, task: Content,
                    attempt_id: int, score: float, when: datetime) -> dict:
    """A trainer scored an officer's written report. The trainer is the actor; the statement
    shares the attempt's registration with the officer's own statements and names the officer
    in the platform's `learner` extension."""
    return statement(platform, platform.uuid("report-reviewed", attempt_id, task.slug, timestamp(when)), reviewer,
                     "reviewed", task_activity(platform, scenario, task), when, result=Score(scaled=score),
                     registration=scenario_registration(platform, attempt_id),
                     parents=(scenario_activity(platform, scenario),),
                     extensions={platform.url("xapi", "extensions", "learner"): actor(platform, learner)})


def certificate_earned(platform: Platform, person: Person, course: Content, code: str, when: datetime) -> dict:
    target = activity(platform.url("verify", code), "certificate", named(course))
    return statement(platform, platform.uuid("certificate", code), person, "earned", target, when,
                     parents=(course_activity(platform, course),))


def session_activity_id(platform: Platform, cohort_id: int, session_id: int) -> str:
    return platform.url("cohorts", cohort_id, "sessions", session_id)


def session_attended(platform: Platform, person: Person, cohort_id: int, session_id: int, topic: str, minutes: int,
                     when: datetime, marked_at: datetime) -> dict:
    """An officer marked present (or late) at a cohort's session. Its topic is typed by a trainer
    in whatever language the cohort works in, so it is tagged "und" (undetermined). A mark taken
    back is voided (`voided`), so marking the officer present again is a new statement: the id
    includes when the mark was made."""
    target = activity(session_activity_id(platform, cohort_id, session_id), "session", {"und": topic})
    parent = {"id": platform.url("cohorts", cohort_id)}
    return statement(platform, platform.uuid("attended", session_id, person.id, timestamp(marked_at)), person,
                     "attended", target, when, result=Score(completion=True, seconds=minutes * 60),
                     parents=(parent,))


def voided(platform: Platform, person: Person, statement_id: str, when: datetime) -> dict:
    """`person` (a trainer correcting a register) takes back an earlier statement: LRSs then leave
    it out of every query (xAPI 1.0.3, Voided Statements)."""
    return statement(platform, platform.uuid("voided", statement_id), person, "voided",
                     {"objectType": "StatementRef", "id": statement_id}, when)


def _seconds(started: datetime, finished: datetime) -> float:
    def aware(moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return (aware(finished) - aware(started)).total_seconds()
