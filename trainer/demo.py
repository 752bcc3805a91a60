"""The demo programme: what `python run.py` adds to a fresh database so every demo account sees
a platform in use (`flask --app trainer demo` does the same for operators).

Built from a fixed seed with the blocks of the seeded programme (trainer/seed.py), at the scale
of the webinars the platform grew from:

- "Bishkek webinar, 25–26 November": the demo trainee and 20 officers of the Kyrgyz MIA and
  State Border Guards; two webinar days (Asia/Bishkek) with attendance and recordings, a live
  exercise on the second day (ended, so the demo trainer can show its debrief), a follow-up
  session next week and work due after it. The demo trainee missed the first day with an
  excuse (the recording is there to catch up), has begun a course (lessons and the pre-test)
  and submitted the exercise's case file, whose written report waits in the trainer's review
  queue: the only one waiting.
- "Tashkent pilot course, 26–28 February" (14 officers of the Uzbek National
  Information-Analytical Centre, Asia/Tashkent) and "Dushanbe pilot course, 2–4 March" (14
  officers of the Tajik Drug Control Agency, Asia/Dushanbe): three classroom days, courses with
  pre- and post-tests and certificates, a case scenario, all reviewed.

The demo trainer runs the three cohorts. The webinar is the latest 25–26 November already over
(this year's from 27 November, else last year's), the pilots fall in the same year, and nothing
is dated after the moment the demo is made: work the seed would place later is left out.
Officers are synthetic (regional Faker names, addresses at example.org) and cannot log in.

Never in production (TRAINER_ENV=production), and once per database: the webinar cohort's name
is the marker.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import insert, select, update

from .domain import questions as question_rules
from .domain.faker_region import make_faker
from .domain.generation import variant_seed
from .extensions import db
from .models import (
    Assignment, Attendance, AuditEvent, Cohort, CohortMember, Course, LiveExercise, Scenario,
    TrainingSession, User, cohort_trainers, user_by_email,
)
from .seed import REPORT_TEXT, Officer, _Builder, simulated_response
from .services import courses as learning
from .services import exercises, load_content, progress_summary
from .services.accounts import DEMO_AGENCIES, agency_by_name, ensure_demo_accounts, ensure_demo_agencies
from .services.debrief import RELEASED
from .services.scenarios import scenario_for, submit

SEED = 2511  # the same programme on every fresh database
WEBINAR = "Bishkek webinar, 25–26 November"  # also the marker: the demo is made once
TASHKENT = "Tashkent pilot course, 26–28 February"
DUSHANBE = "Dushanbe pilot course, 2–4 March"
TRAINEE, TRAINER = "trainee@example.org", "trainer@example.org"
WEBINAR_LINK = "https://webinar.example.org/ilp-bishkek"
RECORDINGS = "https://webinar.example.org/recordings/ilp-bishkek-day-{day}"


class DemoNotCreated(Exception):
    """The demo programme was not made; the message says why."""


@dataclass(frozen=True)
class Plan:
    """One demo cohort before it is written."""

    name: str
    description: str
    zone: str
    days: tuple[date, ...]
    hour: int  # sessions start at this local hour
    topics: tuple[str, ...]
    place: str
    members: tuple[tuple[str, int], ...]  # (agency short name, officers)
    courses: tuple[str, ...]  # course slugs, by preference
    scenario: str  # scenario slug


def webinar_year(today: date) -> int:
    """The year of the latest 25–26 November webinar already over."""
    return today.year if today >= date(today.year, 11, 27) else today.year - 1


def plans(year: int) -> tuple[Plan, ...]:
    topics = ("Intelligence-led policing and the intelligence cycle",
              "Evaluating sources and information: the 4x4 system",
              "Intelligence sharing between operative officers, investigators and analysts; CARICC")
    return (
        Plan(WEBINAR, "Two-day webinar for mid- to senior-level officers of the Ministry of Internal Affairs and the "
                      "State Border Guards Service of the Kyrgyz Republic (demo data).",
             "Asia/Bishkek", (date(year, 11, 25), date(year, 11, 26)), 10,
             (f"{topics[0]}; {topics[1]}", f"{topics[2]}; live exercise: a consignment at the border"),
             WEBINAR_LINK, (("MIA KG", 12), ("SBGS KG", 8)),
             ("ilp-foundations", "source-evaluation"), "heroin-border-crossing"),
        Plan(TASHKENT, "Three-day pilot course in Tashkent (demo data).", "Asia/Tashkent",
             (date(year, 2, 26), date(year, 2, 27), date(year, 2, 28)), 9,
             (topics[0], "Investigative interviewing; human rights and civil protections", "Quality, reliability "
              "and timeliness of intelligence; case exercise"),
             "Training room, Tashkent", (("NIAC UZ", 14),),
             ("ilp-foundations", "investigative-interviewing", "human-rights-safeguards"), "mephedrone-online-network"),
        Plan(DUSHANBE, "Three-day pilot course in Dushanbe (demo data).", "Asia/Dushanbe",
             (date(year, 3, 2), date(year, 3, 3), date(year, 3, 4)), 9,
             (topics[0], "Crime analysis and intelligence processing", f"{topics[2]}; case exercise"),
             "Training room, Dushanbe", (("DCA TJ", 14),),
             ("ilp-foundations", "intelligence-exchange", "crime-analysis"), "multi-agency-exchange"),
    )


def refusal(alongside: bool = False) -> str | None:
    """Why the demo programme may not be made here, or None.

    `alongside`: an operator asked for it on a platform that already runs cohorts of its own
    (on start, a database with any cohort is left alone).
    """
    if os.environ.get("TRAINER_ENV", "").strip().lower() == "production":
        return "TRAINER_ENV is production"
    if db.session.scalar(select(Cohort.id).where(Cohort.name == WEBINAR).limit(1)) is not None:
        return f"the demo programme is already there (cohort \"{WEBINAR}\")"
    if not alongside and db.session.scalar(select(Cohort.id).limit(1)) is not None:
        return "the database already holds cohorts"
    if user_by_email(TRAINEE) is None or user_by_email(TRAINER) is None:
        return f"the demo accounts {TRAINEE} and {TRAINER} are missing"
    return None


def create_demo_programme(alongside: bool = False, now: datetime | None = None) -> dict[str, int]:
    """Write the demo programme; returns row counts. Raises DemoNotCreated. The caller commits."""
    reason = refusal(alongside)
    if reason:
        raise DemoNotCreated(reason)
    now = now or datetime.now(timezone.utc)
    rng = random.Random(SEED)
    fake = make_faker()
    fake.seed_instance(SEED)
    counts = _DemoBuilder(rng, fake, SEED, now).run()
    progress_summary.rebuild()  # much of it went in by bulk inserts, around the services' upkeep
    return counts


class _DemoBuilder(_Builder):
    """The seeded programme's builder, writing three known cohorts and nothing after `now`."""

    def __init__(self, rng: random.Random, fake, seed: int, now: datetime):
        super().__init__(rng, fake, seed)
        self.now = now
        self.review_share = 1.0  # the demo trainee's report is the one waiting
        self.courses_by_slug = {course.slug: course for course in self.courses}
        self.scenarios_by_slug = {scenario.slug: scenario for scenario in self.scenarios}

    def run(self) -> dict[str, int]:
        ensure_demo_agencies()
        self.agencies_by_name = {short: agency_by_name(name) for name, short, _country in DEMO_AGENCIES}
        trainee, trainer = user_by_email(TRAINEE), user_by_email(TRAINER)
        self.trainer = trainer
        webinar_plan, *pilot_plans = plans(webinar_year(self.now.date()))
        self.counts.update(cohorts=0, synthetic_officers=0, sessions=0)
        self.session_ids: list[int] = []
        self.names = {trainee.full_name}

        pilots = [self.cohort(plan, self.officers_of(plan)) for plan in pilot_plans]
        self.tally(self.courses_and_tests, [self.seed_plan(p) for p in pilots], [])
        self.tally(self.scenario_attempts, [self.seed_plan(p) for p in pilots if p["scenario"]],
                   self.trainers_by_country())

        me = Officer(trainee.id, trainee.country or "KG", trainee.agency_id, trainee.agency.name if trainee.agency else "",
                     trainee.full_name, 0.8)
        webinar = self.cohort(webinar_plan, self.officers_of(webinar_plan), trainee=me)
        # Officers began the courses as pre-work, two weeks before the webinar.
        prework = webinar["start"] - timedelta(days=14)
        others = [o for o in webinar["members"] if o.id != trainee.id]
        self.tally(self.courses_and_tests, [self.seed_plan({**webinar, "members": others}, start=prework)], [])
        if webinar["scenario"]:
            self.live_exercise(webinar, trainee)
        if webinar["courses"]:
            self.trainee_progress(trainee, webinar["courses"][0], prework)
        self.leave_out_the_future()
        return self.counts

    def tally(self, block, *args) -> None:
        """Run one of the seeded programme's blocks, adding its row counts to those so far."""
        so_far, self.counts = self.counts, {}
        try:
            block(*args)
        finally:
            for name, count in self.counts.items():
                so_far[name] = so_far.get(name, 0) + count
            self.counts = so_far

    # -- people and cohorts ---------------------------------------------------------------------

    def officers_of(self, plan: Plan) -> list[Officer]:
        rows, agencies = [], []
        joined = plan.days[0] - timedelta(days=30)
        for short, count in plan.members:
            agency = self.agencies_by_name[short]
            for _ in range(count):
                row = self.officer_row(self.counts["synthetic_officers"] + len(rows), agency, "demo")
                while row["full_name"] in self.names:  # two officers of one name would puzzle a demo
                    row = self.officer_row(self.counts["synthetic_officers"] + len(rows), agency, "demo")
                self.names.add(row["full_name"])
                row["created_at"] = self.moment(joined)
                rows.append(row)
                agencies.append(agency)
        ids = self.insert_returning(User, rows)
        self.counts["synthetic_officers"] += len(ids)
        return [Officer(user_id, agency.country, agency.id, agency.name, row["full_name"], self.engagement())
                for user_id, agency, row in zip(ids, agencies, rows)]

    def cohort(self, plan: Plan, officers: list[Officer], trainee: Officer | None = None) -> dict:
        """The cohort, its trainer, members, assignments, past sessions with attendance."""
        zone = ZoneInfo(plan.zone)
        members = ([trainee] if trainee else []) + officers
        courses = [self.courses_by_slug[slug] for slug in plan.courses if slug in self.courses_by_slug]
        courses = courses or self.courses[:2]
        scenario = self.scenarios_by_slug.get(plan.scenario) or (self.scenarios[0] if self.scenarios else None)
        start, end = plan.days[0], plan.days[-1]
        follow_up = None
        if trainee:  # the webinar goes on: a follow-up session next week, work due after it
            follow_up = self.now.astimezone(zone).date() + timedelta(days=7)
            if follow_up.isoweekday() > 5:  # on the Monday after a weekend
                follow_up += timedelta(days=8 - follow_up.isoweekday())
        due = (follow_up + timedelta(days=14)) if follow_up else end + timedelta(days=45)
        cohort_id = self.insert_returning(Cohort, [{
            "name": plan.name, "description": plan.description, "start_date": start, "end_date": follow_up or end,
            "attendance_required_percent": 80, "timezone": plan.zone, "created_by_id": self.trainer.id,
            "created_at": self.moment(start - timedelta(days=30))}])[0]
        db.session.execute(insert(cohort_trainers), [{"cohort_id": cohort_id, "user_id": self.trainer.id}])
        db.session.execute(insert(CohortMember), [
            {"cohort_id": cohort_id, "user_id": o.id, "added_at": self.moment(start - timedelta(days=21))}
            for o in members])
        db.session.execute(insert(Assignment), [
            {"cohort_id": cohort_id, "course_id": c.id, "scenario_id": None, "due_date": due} for c in courses]
            + ([{"cohort_id": cohort_id, "course_id": None, "scenario_id": scenario.id,
                 "due_date": follow_up or due}] if scenario else []))
        web = plan.place.startswith("https://")
        sessions = [{"cohort_id": cohort_id, "minutes": 240 if web else 360, "topic": topic, "place": plan.place,
                     "starts_at": datetime.combine(day, time(plan.hour), zone).astimezone(timezone.utc),
                     "recording_url": RECORDINGS.format(day=number) if web else ""}
                    for number, (day, topic) in enumerate(zip(plan.days, plan.topics), start=1)]
        session_ids = self.insert_returning(TrainingSession, sessions)
        # Attendance of the officers; the demo trainee's is set apart (see live_exercise).
        self.tally(self.attendance, [{"id": cohort_id, "members": officers}], sessions, session_ids)
        self.session_ids += session_ids
        if follow_up:
            db.session.execute(insert(TrainingSession), [{
                "cohort_id": cohort_id, "minutes": 90, "place": plan.place, "recording_url": "",
                "topic": "Follow-up: the case scenario reviewed, questions on the course",
                "starts_at": datetime.combine(follow_up, time(plan.hour), zone).astimezone(timezone.utc)}])
        self.counts["cohorts"] += 1
        self.counts["sessions"] += len(sessions) + bool(follow_up)
        return {"id": cohort_id, "members": members, "courses": courses, "scenario": scenario, "start": start,
                "end": end, "session_ids": session_ids, "sessions": sessions}

    def seed_plan(self, cohort: dict, start: date | None = None) -> dict:
        """A cohort in the shape the seeded programme's blocks take."""
        return {"id": cohort["id"], "members": cohort["members"], "courses": cohort["courses"],
                "scenario": cohort["scenario"], "row": {"start_date": start or cohort["start"],
                                                       "end_date": cohort["end"]}}

    def trainers_by_country(self) -> dict[str, list[int]]:
        return {country: [self.trainer.id] for country in ("KG", "TJ", "UZ")}

    # -- the webinar's live exercise and the demo trainee ----------------------------------------

    def live_exercise(self, webinar: dict, trainee: User) -> None:
        """An exercise on the second day, ended: the officers' attempts reviewed, the trainee's waiting."""
        scenario, version = webinar["scenario"], webinar["scenario"].current_version
        day_two, day_two_id = webinar["sessions"][-1], webinar["session_ids"][-1]
        started = day_two["starts_at"] + timedelta(hours=1)
        spec = scenario_for(version, None)
        injects = [report.id for report in spec.reports if report.release.kind == "trainer"]
        exercise = LiveExercise(cohort_id=webinar["id"], session_id=day_two_id, scenario_id=scenario.id,
                                version_id=version.id, started_by_id=self.trainer.id, started_at=started,
                                ended_at=started + timedelta(hours=2, minutes=30), released_reports=injects)
        db.session.add(exercise)
        db.session.flush()
        db.session.execute(insert(AuditEvent), [
            {"user_id": self.trainer.id, "action": RELEASED, "address": "", "detail": {"exercise": exercise.id,
                                                                                    "report": report_id},
             "created_at": started + timedelta(minutes=35 + 25 * number)} for number, report_id in enumerate(injects)])

        # The demo trainee: excused on the first day (the recording is posted), present on the second.
        first_id = webinar["session_ids"][0]
        db.session.execute(insert(Attendance), [
            {"session_id": first_id, "user_id": trainee.id, "status": "excused", "caught_up_at": None,
             "caught_up_how": "", "recorded_at": webinar["sessions"][0]["starts_at"] + timedelta(hours=4)},
            {"session_id": day_two_id, "user_id": trainee.id, "status": "present", "caught_up_at": None,
             "caught_up_how": "", "recorded_at": day_two["starts_at"] + timedelta(hours=4)}])
        self.counts["attendance"] += 2

        there = set(db.session.scalars(select(Attendance.user_id).where(
            Attendance.session_id == day_two_id, Attendance.status.in_(("present", "late")))))
        pool = [self.variant(scenario, k) for k in range(8)]
        rows = []
        for officer in webinar["members"]:
            if officer.id == trainee.id or officer.id not in there:
                continue
            skill = min(0.98, max(0.1, 0.3 + 0.65 * officer.engagement + self.rng.gauss(0, 0.1)))
            seed = self.rng.choice(pool)
            row = self.scenario_attempt(officer, version.id, seed, scenario_for(version, seed), started, skill,
                                        self.trainers_by_country())
            row["live_exercise_id"] = exercise.id
            if row["reviewed_at"]:
                row["reviewed_at"] = min(row["reviewed_at"], self.now - timedelta(hours=2))
            rows.append(row)
        self.insert_scenario_attempts(rows)

        attempt = exercises.join_exercise(trainee, exercise)
        work = scenario_for(version, attempt.seed)
        attempt.responses = {task.id: ({"text": REPORT_TEXT} if task.type == "report"
                                       else simulated_response(task, 0.75, self.rng)) for task in work.tasks}
        attempt.saved_at = started + timedelta(minutes=95)
        submit(attempt)
        attempt.submitted_at = started + timedelta(minutes=100)
        self.counts["scenario_attempts"] = self.counts.get("scenario_attempts", 0) + len(rows) + 1

    def variant(self, scenario, number: int) -> int | None:
        return variant_seed(scenario.slug, f"seeded-{number}") if scenario.is_template else None

    def trainee_progress(self, trainee: User, course: Course, prework: date) -> None:
        """Two lessons done, the third opened, the pre-test taken: the course is under way."""
        began = datetime.combine(prework + timedelta(days=2), time(4, 20), timezone.utc)
        lessons = list(course.lessons)
        done = lessons[:min(2, max(0, len(lessons) - 1))]
        if course.settings.get("pre_test"):
            attempt = learning.start_attempt(trainee, course, "pre_test", rng=random.Random(SEED))
            for position, item in enumerate(attempt.items):
                spec = learning.item_spec(item)
                value = keyed_response(spec) if position % 2 == 0 else None  # half known, half left blank
                item.response = None if value is None else {"value": value}
                item.score = question_rules.score(spec, value)
            attempt.score_percent = question_rules.attempt_percent([item.score for item in attempt.items])
            attempt.started_at, attempt.saved_at = began, began + timedelta(minutes=14)
            attempt.submitted_at = began + timedelta(minutes=15)
            self.counts["quiz_attempts"] = self.counts.get("quiz_attempts", 0) + 1
        moment = began + timedelta(minutes=30)
        for lesson in done:
            learning.complete_lesson(trainee, lesson)
        if len(lessons) > len(done):
            learning.record_lesson_view(trainee, lessons[len(done)])
        db.session.flush()
        enrolment = learning.enrolment_for(trainee, course)
        if enrolment is not None:
            enrolment.started_at = began
        for number, lesson in enumerate(lessons[:len(done) + 1]):
            progress = learning.lesson_progress(trainee, lesson)
            if progress is not None:
                progress.first_viewed_at = moment + timedelta(days=number * 3)
                if progress.completed_at is not None:
                    progress.completed_at = progress.first_viewed_at + timedelta(minutes=35)

    # -- nothing after now ------------------------------------------------------------------------

    def enrolment(self, officer: Officer, course: Course, start: date, progress: list, attempts: list,
                  certificates: list) -> dict:
        """The seeded officer's path through the course, cut at the present moment."""
        marks = len(progress), len(attempts), len(certificates)
        enrolment = super().enrolment(officer, course, start, progress, attempts, certificates)
        now = self.now
        progress[marks[0]:] = [{**row, "completed_at": row["completed_at"] if row["completed_at"] and
                                row["completed_at"] <= now else None}
                               for row in progress[marks[0]:] if row["first_viewed_at"] <= now]
        attempts[marks[1]:] = [row for row in attempts[marks[1]:] if row["submitted_at"] <= now]
        certificates[marks[2]:] = [row for row in certificates[marks[2]:] if row["issued_at"] <= now]
        if enrolment["completed_at"] and enrolment["completed_at"] > now:
            enrolment["completed_at"] = None
        enrolment["last_lesson_id"] = progress[-1]["lesson_id"] if len(progress) > marks[0] else None
        enrolment["started_at"] = min(enrolment["started_at"], now)
        return enrolment

    def leave_out_the_future(self) -> None:
        """Catch-ups the seed dated after now have not happened yet."""
        db.session.execute(update(Attendance).where(Attendance.session_id.in_(self.session_ids),
                                                    Attendance.caught_up_at > self.now)
                           .values(caught_up_at=None, caught_up_how=""))


def keyed_response(spec) -> object:
    """The answer the key expects, in the shape the scorer reads."""
    kind = spec.type
    if kind == "single":
        return spec.correct[0] if spec.correct else None
    if kind == "multiple":
        return list(spec.correct)
    if kind == "true_false":
        return spec.truth
    if kind == "matching":
        return {pair.left: pair.right for pair in spec.pairs}
    if kind == "ordering":
        return list(spec.items)
    return None


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())


@click.command("demo")
@click.option("--alongside", is_flag=True,
              help="Add it even though the platform already runs cohorts of its own.")
@with_appcontext
def demo_command(alongside: bool):
    """Create the demo programme (three cohorts of synthetic officers) for the demo accounts.

    Refused when TRAINER_ENV is production, and when the demo is already there.
    """
    if db.session.scalar(select(Scenario.id).limit(1)) is None:  # not loaded yet (`flask setup` does it)
        for line in load_content():
            click.echo(line)
    created = ensure_demo_accounts(os.environ.get("TRAINER_DEMO_PASSWORD"))
    db.session.flush()
    try:
        counts = create_demo_programme(alongside=alongside)
    except DemoNotCreated as reason:
        db.session.rollback()
        raise click.ClickException(f"No demo programme created: {reason}.") from None
    db.session.commit()
    for email, role, password in created:
        click.echo(f"  {role:<8} {email:<24} {password}")
    click.echo(f"Demo programme created: {counts_line(counts)}.")
