"""A realistic synthetic programme for demos and benchmarks: `flask seed --officers N --seed S`.

Officers of twelve agencies in Kyrgyzstan, Tajikistan and Uzbekistan train in cohorts of 20 to
30: two to four classroom or webinar days with attendance, two or three assigned courses
(lessons, a pre-test, a post-test that usually scores higher, certificates) and one case
scenario whose answers are simulated per officer and scored by the real scoring rules, so
attempt results have exactly the shape the platform stores. The same seed gives the same
programme. Rows go in with bulk inserts: 10 000 officers take well under a minute on SQLite.

Seeded accounts have no password (they cannot log in); `flask users reset-password EMAIL`
opens one. Not stored: answers to individual test questions and lesson knowledge checks.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import click
from flask.cli import with_appcontext
from sqlalchemy import insert, select

from .database import vacuum_analyse
from .domain.faker_region import make_faker
from .domain.generation import variant_seed
from .domain.scoring import CURRENT_RULES, RATINGS, score_attempt
from .extensions import db
from .models import (
    Agency, Assignment, Attendance, Certificate, Cohort, CohortMember, Course, Enrolment, LessonProgress,
    QuizAttempt, Scenario, ScenarioAttempt, TrainingSession, User, cohort_trainers,
)
from .services import load_content, progress_summary
from .services.courses import CERTIFICATE_ALPHABET
from .services.scenarios import insert_item_marks, result_as_dict, scenario_for

PROGRAMME_START = date(2024, 9, 2)  # fixed, so a seed gives the same dates on any day
PROGRAMME_DAYS = 700
UNUSABLE_PASSWORD = "!"  # no hash matches it: seeded accounts cannot log in

# name, short name, country, share of the country's officers
AGENCIES = (
    ("Ministry of Internal Affairs of the Kyrgyz Republic", "MIA KG", "KG", 0.40),
    ("State Border Guards Service of the Kyrgyz Republic", "SBGS KG", "KG", 0.25),
    ("Service for Combating Drug Trafficking of the Kyrgyz Republic", "SBNON KG", "KG", 0.20),
    ("State Customs Service of the Kyrgyz Republic", "SCS KG", "KG", 0.15),
    ("Ministry of Internal Affairs of the Republic of Tajikistan", "MIA TJ", "TJ", 0.40),
    ("Drug Control Agency of Tajikistan", "DCA TJ", "TJ", 0.25),
    ("Border Troops of the State Committee for National Security of Tajikistan", "BT TJ", "TJ", 0.20),
    ("Customs Service of the Republic of Tajikistan", "CS TJ", "TJ", 0.15),
    ("Ministry of Internal Affairs of the Republic of Uzbekistan", "MIA UZ", "UZ", 0.40),
    ("National Information-Analytical Centre on Drug Control of Uzbekistan", "NIAC UZ", "UZ", 0.15),
    ("State Customs Committee of the Republic of Uzbekistan", "SCC UZ", "UZ", 0.25),
    ("Border Troops of the State Security Service of Uzbekistan", "BT UZ", "UZ", 0.20),
)
COUNTRY_SHARES = {"KG": 0.38, "TJ": 0.30, "UZ": 0.32}
UTC_OFFSET_HOURS = {"KG": 6, "TJ": 5, "UZ": 5}  # sessions start at 09:00 local time
RANKS = ("Lieutenant", "Senior Lieutenant", "Captain", "Major", "Lieutenant Colonel", "Colonel",
         "Inspector", "Senior Inspector", "Analyst", "Senior Analyst")
SELF_PACED_SHARE = 0.05  # officers in no cohort, taking a course on their own
REPORT_TEXT = ("Assessment: the reporting indicates an organised consignment through the crossing. "
               "Sources were graded separately from the information; handling codes respected. "
               "Recommendation: joint operation with the partner agency, under prosecutor supervision.")


@dataclass
class Officer:
    id: int
    country: str
    agency_id: int
    agency_name: str
    full_name: str
    engagement: float  # 0..1: how far this officer tends to get


def seed_programme(officers: int, seed: int) -> dict[str, int]:
    """Create a synthetic programme of `officers` trainee officers; returns row counts.

    Loads the shipped content first. The caller commits.
    """
    load_content()
    db.session.flush()
    rng = random.Random(seed)
    fake = make_faker()
    fake.seed_instance(seed)
    builder = _Builder(rng, fake, seed)
    counts = builder.run(officers)
    progress_summary.rebuild()  # the rows went in by bulk inserts, around the services' upkeep
    return counts


class _Builder:
    """Holds the random sources and the rows being built; one method per table family."""

    def __init__(self, rng: random.Random, fake, seed: int):
        self.rng, self.fake, self.seed = rng, fake, seed
        # A translation is the same work as its original: enrolling officers in both would count
        # the work twice, so the synthetic programme uses originals only.
        self.courses = [course for course in db.session.scalars(select(Course).where(Course.active).order_by(Course.slug))
                        if not (course.settings or {}).get("translation_of")]
        self.lessons = {course.id: [lesson.id for lesson in course.lessons] for course in self.courses}
        # English scenarios only: a Russian translation is the same work, and shipping one must
        # not reshuffle the seeded programme.
        self.scenarios = list(db.session.scalars(select(Scenario).where(Scenario.active, Scenario.language == "en",
                                                                        Scenario.current_version_id.is_not(None))
                                                 .order_by(Scenario.slug)))
        self.counts: dict[str, int] = {}
        self.certificate_codes: set[str] = set()
        self.review_share = 0.9  # of submitted scenario attempts, how many a trainer has reviewed

    def run(self, officer_count: int) -> dict[str, int]:
        agencies = self.agencies()
        officers = self.officers(officer_count, agencies)
        trainers = self.trainers(max(3, officer_count // 200), agencies)
        cohorts, self_paced = self.cohorts(officers, trainers)
        self.courses_and_tests(cohorts, self_paced)
        self.scenario_attempts(cohorts, trainers)
        return self.counts

    # -- people ----------------------------------------------------------------------------

    def agencies(self) -> list[tuple[Agency, float]]:
        found = []
        for name, short, country, share in AGENCIES:
            agency = db.session.scalar(select(Agency).where(Agency.name == name, Agency.country == country))
            if agency is None:
                agency = Agency(name=name, short_name=short, country=country)
                db.session.add(agency)
            found.append((agency, COUNTRY_SHARES[country] * share))
        db.session.flush()
        return found

    def person(self, country: str) -> tuple[str, str | None]:
        """A name and gender code: most officers men, about one in five women, a few not recorded."""
        draw = self.rng.random()
        gender = "female" if draw < 0.19 else "male" if draw < 0.965 else "prefer_not_to_say" if draw < 0.98 else None
        named_as = gender if gender in ("female", "male") else self.rng.choice(("female", "male"))
        return self.fake.region_person(country.lower(), named_as), gender

    def email(self, name: str, number: int, agency: Agency | None, kind: str = "") -> str:
        local = ".".join(part for part in re.split(r"[^a-z]+", name.lower()) if part)
        domain = re.sub(r"[^a-z]+", "-", (agency.short_name if agency else "programme").lower()).strip("-")
        return f"{local}.{kind}{self.seed}-{number}@{domain}.example.org"

    def officers(self, count: int, agencies: list[tuple[Agency, float]]) -> list[Officer]:
        rows, picked = [], []
        weights = [weight for _, weight in agencies]
        for number in range(count):
            agency = self.rng.choices([a for a, _ in agencies], weights)[0]
            rows.append(self.officer_row(number, agency))
            picked.append(agency)
        ids = self.insert_returning(User, rows)
        self.counts["officers"] = len(ids)
        return [Officer(user_id, agency.country, agency.id, agency.name, row["full_name"], self.engagement())
                for user_id, agency, row in zip(ids, picked, rows)]

    def officer_row(self, number: int, agency: Agency, kind: str = "") -> dict:
        """A trainee officer of the agency, as a row of the users table (no usable password)."""
        full_name, gender = self.person(agency.country)
        return {
            "email": self.email(full_name, number, agency, kind), "full_name": full_name,
            "password_hash": UNUSABLE_PASSWORD, "role": "trainee", "agency_id": agency.id,
            "country": agency.country, "rank": self.rng.choice(RANKS), "gender": gender,
            "language": "ru" if self.rng.random() < 0.65 else "en", "active": self.rng.random() > 0.02,
            "created_at": self.moment(PROGRAMME_START - timedelta(days=self.rng.randint(1, 60))),
        }

    def engagement(self) -> float:
        """How far an officer tends to get, 0..1."""
        return min(1.0, max(0.05, self.rng.gauss(0.72, 0.18)))

    def trainers(self, count: int, agencies: list[tuple[Agency, float]]) -> dict[str, list[int]]:
        rows, countries = [], []
        for number in range(count):
            country = ("KG", "TJ", "UZ")[number % 3]
            full_name, gender = self.person(country)
            rows.append({"email": self.email(full_name, number, None, "trainer"), "full_name": full_name,
                         "password_hash": UNUSABLE_PASSWORD, "role": "trainer", "country": country, "gender": gender,
                         "language": "ru", "created_at": self.moment(PROGRAMME_START - timedelta(days=90))})
            countries.append(country)
        by_country: dict[str, list[int]] = {}
        for user_id, country in zip(self.insert_returning(User, rows), countries):
            by_country.setdefault(country, []).append(user_id)
        self.counts["trainers"] = count
        return by_country

    # -- cohorts, sessions, attendance ---------------------------------------------------------

    def cohorts(self, officers: list[Officer], trainers: dict[str, list[int]]):
        """Cohorts of 20 to 30 officers of one agency; returns (cohort plans, self-paced officers)."""
        by_agency: dict[int, list[Officer]] = {}
        self_paced = []
        for officer in officers:
            if self.rng.random() < SELF_PACED_SHARE:
                self_paced.append(officer)
            else:
                by_agency.setdefault(officer.agency_id, []).append(officer)
        plans = []
        for agency_id in sorted(by_agency):
            group = by_agency[agency_id]
            while group:
                size = self.rng.randint(20, 30)
                members, group = group[:size], group[size:]
                if len(group) < 10:  # no stragglers' cohort of three: they join this one
                    members, group = members + group, []
                plans.append(self.plan_cohort(len(plans) + 1, members))
        cohort_ids = self.insert_returning(Cohort, [plan["row"] for plan in plans])
        members, trainer_rows, assignments, sessions = [], [], [], []
        for cohort_id, plan in zip(cohort_ids, plans):
            plan["id"] = cohort_id
            country = plan["members"][0].country
            for trainer_id in self.rng.sample(trainers[country], min(2, len(trainers[country]))):
                trainer_rows.append({"cohort_id": cohort_id, "user_id": trainer_id})
            start = plan["row"]["start_date"]
            members += [{"cohort_id": cohort_id, "user_id": o.id, "added_at": self.moment(start - timedelta(days=14))}
                        for o in plan["members"]]
            due = plan["row"]["end_date"] + timedelta(days=45)
            assignments += [{"cohort_id": cohort_id, "course_id": c.id, "scenario_id": None, "due_date": due}
                            for c in plan["courses"]]
            assignments.append({"cohort_id": cohort_id, "course_id": None, "scenario_id": plan["scenario"].id,
                                "due_date": due})
            for day in range(plan["days"]):
                course = plan["courses"][day % len(plan["courses"])]
                sessions.append({"cohort_id": cohort_id, "starts_at": self.session_start(start + timedelta(days=day), country),
                                 "minutes": 240, "topic": course.title,
                                 "place": "Webinar" if plan["webinar"] else f"Training room, {self.fake.region_city(country.lower())}"})
        db.session.execute(insert(CohortMember), members)
        db.session.execute(insert(cohort_trainers), trainer_rows)
        db.session.execute(insert(Assignment), assignments)
        session_ids = self.insert_returning(TrainingSession, sessions)
        self.attendance(plans, sessions, session_ids)
        self.counts.update(cohorts=len(plans), cohort_members=len(members), sessions=len(sessions),
                           assignments=len(assignments))
        return plans, self_paced

    def plan_cohort(self, number: int, members: list[Officer]) -> dict:
        start = PROGRAMME_START + timedelta(days=self.rng.randint(0, PROGRAMME_DAYS))
        days = self.rng.choice((2, 3, 3, 4))
        courses = self.rng.sample(self.courses, self.rng.choice((2, 3)))
        scenario = self.rng.choice(self.scenarios)
        agency = members[0].agency_name
        return {
            "members": members, "days": days, "courses": courses, "scenario": scenario,
            "webinar": self.rng.random() < 0.3,
            "row": {"name": f"{agency}: intelligence-led policing, cohort {number} ({start:%b %Y})",
                    "description": "Synthetic cohort (seeded).", "start_date": start,
                    "end_date": start + timedelta(days=days - 1), "attendance_required_percent": 80,
                    "created_at": self.moment(start - timedelta(days=21))},
        }

    def attendance(self, plans: list[dict], sessions: list[dict], session_ids: list[int]) -> None:
        by_cohort: dict[int, list[tuple[int, datetime]]] = {}
        for session_id, session in zip(session_ids, sessions):
            by_cohort.setdefault(session["cohort_id"], []).append((session_id, session["starts_at"]))
        rows = []
        for plan in plans:
            for officer in plan["members"]:
                for session_id, starts_at in by_cohort[plan["id"]]:
                    draw = self.rng.random() * (0.6 + 0.4 * officer.engagement)
                    status = ("absent" if draw < 0.05 else "excused" if draw < 0.09 else "late" if draw < 0.15
                              else "present")
                    caught_up = status == "excused" and self.rng.random() < 0.6
                    rows.append({"session_id": session_id, "user_id": officer.id, "status": status,
                                 "caught_up_at": starts_at + timedelta(days=self.rng.randint(1, 10)) if caught_up else None,
                                 "caught_up_how": "Watched the recording" if caught_up else "",
                                 "recorded_at": starts_at + timedelta(hours=4)})
        db.session.execute(insert(Attendance), rows)
        self.counts["attendance"] = len(rows)

    # -- courses --------------------------------------------------------------------------------

    def courses_and_tests(self, plans: list[dict], self_paced: list[Officer]) -> None:
        work = [(officer, course, plan["row"]["start_date"]) for plan in plans
                for officer in plan["members"] for course in plan["courses"]
                if self.rng.random() < 0.55 + 0.45 * officer.engagement]
        for officer in self_paced:
            start = PROGRAMME_START + timedelta(days=self.rng.randint(0, PROGRAMME_DAYS))
            work += [(officer, course, start) for course in self.rng.sample(self.courses, self.rng.choice((1, 2)))]
        enrolments, progress, attempts, certificates = [], [], [], []
        for officer, course, start in work:
            enrolment = self.enrolment(officer, course, start, progress, attempts, certificates)
            enrolments.append(enrolment)
        for model, rows, name in ((Enrolment, enrolments, "enrolments"), (LessonProgress, progress, "lesson_progress"),
                                  (QuizAttempt, attempts, "quiz_attempts"), (Certificate, certificates, "certificates")):
            db.session.execute(insert(model), rows)
            self.counts[name] = len(rows)

    def enrolment(self, officer: Officer, course: Course, start: date, progress: list, attempts: list,
                  certificates: list) -> dict:
        """One officer's path through one course: lessons, pre-test, post-test(s), certificate."""
        rng, lessons = self.rng, self.lessons[course.id]
        started = self.moment(start + timedelta(days=rng.randint(0, 7)), rng.randint(8, 17))
        enrolment = {"user_id": officer.id, "course_id": course.id, "started_at": started,
                     "last_lesson_id": None, "completed_at": None}
        ability = rng.gauss(45, 13) + 20 * (officer.engagement - 0.7)
        if rng.random() < 0.88:
            attempts.append(self.test(officer, course, "pre_test", started, ability))
        finished = len(lessons) if rng.random() < 0.35 + 0.6 * officer.engagement else rng.randint(0, len(lessons) - 1)
        moment = started
        for position, lesson_id in enumerate(lessons):
            if position > finished or (position == finished and rng.random() < 0.5):
                break
            moment += timedelta(days=rng.randint(0, 6), minutes=rng.randint(20, 240))
            done = position < finished
            progress.append({"user_id": officer.id, "lesson_id": lesson_id, "first_viewed_at": moment,
                             "completed_at": moment + timedelta(minutes=rng.randint(15, 50)) if done else None})
            enrolment["last_lesson_id"] = lesson_id
        if finished < len(lessons) or rng.random() > 0.93:
            return enrolment
        score, sittings = None, 0
        target = ability + rng.gauss(24 + 10 * (officer.engagement - 0.7), 11)
        while sittings < 3 and (score is None or score < course.pass_mark):
            if sittings and rng.random() > 0.6:
                break  # gave up after a failed post-test
            moment += timedelta(days=rng.randint(1, 10))
            attempt = self.test(officer, course, "post_test", moment, target + 9 * sittings)
            attempts.append(attempt)
            score, sittings = attempt["score_percent"], sittings + 1
        if score is not None and score >= course.pass_mark:
            issued = attempts[-1]["submitted_at"]
            enrolment["completed_at"] = issued
            certificates.append({"code": self.certificate_code(), "user_id": officer.id, "course_id": course.id,
                                 "issued_at": issued, "holder_name": officer.full_name,
                                 "agency_name": officer.agency_name, "course_title": course.title,
                                 "hours": round(course.estimated_minutes / 60, 1)})
        return enrolment

    def test(self, officer: Officer, course: Course, kind: str, moment: datetime, expected: float) -> dict:
        # Ten questions with part credit: scores land on multiples of five.
        score = min(100.0, max(0.0, round(self.rng.gauss(expected, 6) / 5) * 5))
        return {"user_id": officer.id, "course_id": course.id, "lesson_id": None, "kind": kind,
                "course_version": course.version, "started_at": moment,
                "submitted_at": moment + timedelta(minutes=self.rng.randint(8, 25)), "score_percent": float(score)}

    def certificate_code(self) -> str:
        while True:
            raw = "".join(self.rng.choice(CERTIFICATE_ALPHABET) for _ in range(12))
            code = "-".join(raw[i:i + 4] for i in range(0, 12, 4))
            if code not in self.certificate_codes:
                self.certificate_codes.add(code)
                return code

    # -- scenarios ------------------------------------------------------------------------------

    def scenario_attempts(self, plans: list[dict], trainers: dict[str, list[int]]) -> None:
        """Simulated answers, scored by the real rules; a few left in progress or awaiting review."""
        rows = []
        pools = {s.id: ([variant_seed(s.slug, f"seeded-{k}") for k in range(8)] if s.is_template else [None])
                 for s in self.scenarios}
        for plan in plans:
            scenario = plan["scenario"]
            version = scenario.current_version
            for officer in plan["members"]:
                if self.rng.random() > 0.55 + 0.4 * officer.engagement:
                    continue
                moment = self.moment(plan["row"]["end_date"] + timedelta(days=self.rng.randint(0, 20)),
                                     self.rng.randint(8, 18))
                skill = min(0.98, max(0.1, 0.3 + 0.65 * officer.engagement + self.rng.gauss(0, 0.1)))
                for sitting in range(2):
                    seed = self.rng.choice(pools[scenario.id])
                    spec = scenario_for(version, seed)
                    row = self.scenario_attempt(officer, version.id, seed, spec, moment, skill, trainers)
                    rows.append(row)
                    if row["status"] != "failed" or self.rng.random() > 0.5:
                        break
                    moment += timedelta(days=self.rng.randint(2, 14))
                    skill = min(0.98, skill + 0.12)
        self.insert_scenario_attempts(rows)
        self.counts["scenario_attempts"] = len(rows)

    def insert_scenario_attempts(self, rows: list[dict], batch: int = 1000) -> None:
        """Bulk insert attempts with the answer-key marks of the scored ones (as scoring writes
        them), a batch of attempts at a time: a large programme has millions of marks."""
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            insert_item_marks(zip(self.insert_returning(ScenarioAttempt, chunk), (row["result"] for row in chunk)))

    def scenario_attempt(self, officer: Officer, version_id: int, seed: int | None, spec, moment: datetime,
                         skill: float, trainers: dict[str, list[int]]) -> dict:
        rng = self.rng
        responses = {task.id: simulated_response(task, skill, rng) for task in spec.tasks}
        row = {"user_id": officer.id, "version_id": version_id, "seed": seed, "started_at": moment,
               "saved_at": moment + timedelta(minutes=rng.randint(20, 90)), "status": "in_progress",
               "responses": responses, "submitted_at": None, "total_percent": None, "case_percent": None,
               "safeguards_percent": None, "result": None, "report_scores": None, "reviewed_at": None,
               "reviewer_id": None, "rule_version": CURRENT_RULES}
        if rng.random() < 0.08:  # still working on it
            row["responses"] = dict(list(responses.items())[:rng.randint(1, max(1, len(responses) - 1))])
            return row
        reviewed = rng.random() < self.review_share
        reviews = None
        if reviewed:
            reviews = {task.id: {c.id: round(c.max_points * min(1.0, max(0.0, rng.gauss(skill, 0.15))))
                                 for c in task.content.rubric}
                       for task in spec.tasks if task.type == "report"}
        result = score_attempt(spec, responses, reviews)
        submitted = row["saved_at"] + timedelta(minutes=rng.randint(1, 20))
        row.update(status=result.status, submitted_at=submitted, total_percent=result.total_percent,
                   case_percent=result.case_percent, safeguards_percent=result.safeguards_percent,
                   result=result_as_dict(result), report_scores=reviews, rule_version=result.rule_version)
        if reviewed and reviews:
            row.update(reviewed_at=submitted + timedelta(days=rng.randint(1, 5)),
                       reviewer_id=rng.choice(trainers[officer.country]))
        return row

    # -- helpers ----------------------------------------------------------------------------------

    def insert_returning(self, model, rows: list[dict]) -> list[int]:
        """Bulk insert, returning the new ids in the order of rows."""
        if not rows:
            return []
        result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
        return list(result.scalars())

    def moment(self, day: date, hour: int | None = None) -> datetime:
        hour = self.rng.randint(6, 15) if hour is None else hour
        return datetime.combine(day, time(hour, self.rng.randint(0, 59)), tzinfo=timezone.utc)

    def session_start(self, day: date, country: str) -> datetime:
        return datetime.combine(day, time(9 - UTC_OFFSET_HOURS[country], 0), tzinfo=timezone.utc)


def simulated_response(task, skill: float, rng: random.Random) -> dict:
    """An officer's answer to a task, right with probability `skill` item by item."""
    kind, key, content = task.type, task.key, task.content
    right = lambda: rng.random() < skill  # noqa: E731
    if kind == "grade":
        scheme = content.scheme
        grades = {}
        for item in key.items:
            grades[item.report_id] = {
                axis: getattr(item, axis) if right() else rng.choice(getattr(scheme, axis).values)
                for axis in ("source", "information", "handling") if getattr(scheme, axis).values}
        return {"grades": grades}
    if kind == "link_chart":
        links = [{"between": [link.a, link.b], "type": link.type if right() else rng.choice(content.link_types),
                  "strength": link.strength or "confirmed"} for link in key.links if right()]
        for _ in range(round((1 - skill) * 3)):
            a, b = rng.sample(content.entity_ids, 2)
            links.append({"between": [a, b], "type": "associate", "strength": "suspected"})
        return {"links": links}
    if kind == "timeline":
        order = [item.event_id for item in key.items]
        for _ in range(round((1 - skill) * len(order))):
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return {"order": order}
    if kind == "hypotheses":
        hypotheses = [h.id for h in content.hypotheses]
        matrix = {row.evidence_id: {h: expected if right() else rng.choice(RATINGS) for h, expected in row.ratings}
                  for row in key.rows}
        return {"matrix": matrix, "conclusion": key.conclusion if right() else rng.choice(hypotheses)}
    if kind == "decision":
        correct = {item.decision_id: item.correct for item in key.items}
        choices = {}
        for point in content.decisions:
            options = [o.id for o in point.options]
            if right():
                chosen = sorted(correct.get(point.id, ()))
            else:
                chosen = rng.sample(options, rng.randint(1, len(options)) if point.multiple else 1)
            choices[point.id] = chosen if point.multiple else (chosen[0] if chosen else None)
        return {"choices": choices}
    if kind == "report":
        return {"text": REPORT_TEXT}
    if kind == "query":  # the variant's own key (computed from its rows), or nothing for a question missed
        asked = {q.id: q.answer for q in content.questions}
        answers = {}
        for item in key.items:
            if not item.keyed or not right():
                continue
            if asked.get(item.question_id) == "number":
                answers[item.question_id] = f"{item.number:g}"
            elif asked.get(item.question_id) == "value":
                answers[item.question_id] = sorted(item.values)[0] if item.values else ""
            else:
                answers[item.question_id] = sorted(item.values)
        return {"answers": answers}
    return {}


def analyse_tables() -> None:
    """VACUUM ANALYZE the whole database after a bulk load (PostgreSQL): see vacuum_analyse."""
    db.session.commit()
    vacuum_analyse()


@click.command("seed")
@click.option("--officers", type=click.IntRange(1, 200_000), default=1000, show_default=True,
              help="How many trainee officers to create.")
@click.option("--seed", "seed", type=int, default=1, show_default=True,
              help="The same seed gives the same programme.")
@with_appcontext
def seed_command(officers: int, seed: int):
    """Create a synthetic programme (agencies, cohorts, courses, tests, scenarios, attendance)."""
    if db.session.scalar(select(User.id).where(User.email.like(f"%.{seed}-0@%")).limit(1)) is not None:
        raise click.ClickException(f"this database already holds a programme seeded with --seed {seed}; "
                                   "choose another seed")
    started = datetime.now(timezone.utc)
    counts = seed_programme(officers, seed)
    db.session.commit()
    analyse_tables()
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    click.echo(f"Seeded in {seconds:.0f} s: " + ", ".join(f"{count} {name.replace('_', ' ')}"
                                                         for name, count in counts.items()))
