"""Item analysis pages: a trainer's per course and per scenario (their content or their cohorts'),
the managers' report, CSV and XLSX exports; figures checked against values computed by hand."""
from __future__ import annotations

import csv
import html
import io
from datetime import timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from conftest import logged_in
from exported import export_download
from trainer.domain.scoring import answer_key_marks
from trainer.extensions import db
from trainer.models import (
    Assignment, AttemptItem, AuditEvent, Cohort, CohortMember, Course, Lesson, Question, QuizAttempt, Scenario,
    ScenarioAttempt, ScenarioItemMark, User, utcnow,
)
from trainer.services.scenarios import scenario_for

# The pre-test: five officers' first attempts (scores 0..1 per question).
#
#          q1  q2  q3    (q3 is an ordering question: partial credit)
#   s1     1   1   1
#   s2     1   0   0.5
#   s3     0   1   1
#   s4     1   0   0
#   s5     0   0   0.5
#
# q1: x 1 1 0 1 0, mean 0.6; sum of squares 1.2 (V 0.3, SD 54.77 %).
#     rest = q2 + q3 = 2 0.5 2 0 0.5, mean 1; deviations 1 -0.5 1 -1 -0.5, sum of squares 3.5
#     cross products 0.4(1) + 0.4(-0.5) - 0.6(1) + 0.4(-1) - 0.6(-0.5) = -0.5
#     D = -0.5 / sqrt(1.2 x 3.5) = -24.40 %; sorted: x 0 0 1 1 1, rest 0 0.5 0.5 2 2:
#     (-0.6)(-1) + (-0.6)(-0.5) + 0.4(-0.5) + 0.4(1) + 0.4(1) = 1.5; E = -0.5 / 1.5 = -33.33 %
# q2: x 1 0 1 0 0, mean 0.4; rest = 2 1.5 1 1 0.5, mean 1.2, sum of squares 1.3
#     cross products 0.6(0.8) - 0.4(0.3) + 0.6(-0.2) - 0.4(-0.2) - 0.4(-0.7) = 0.6
#     D = 0.6 / sqrt(1.2 x 1.3) = 48.04 %; sorted rest 0.5 1 1 1.5 2: 0.28 + 0.08 + 0.08 + 0.18 + 0.48 = 1.1;
#     E = 0.6 / 1.1 = 54.55 %
# q3: x 1 0.5 1 0 0.5, mean 0.6; deviations 0.4 -0.1 0.4 -0.6 -0.1, sum of squares 0.7: SD sqrt(0.175) = 41.83 %
#     rest = q1 + q2 = 2 1 1 1 0, mean 1, sum of squares 2; cross products 0.4 + 0.1 = 0.5
#     D = 0.5 / sqrt(0.7 x 2) = 42.26 %; sorted x 0 0.5 0.5 1 1, rest 0 1 1 1 2: 0.6 + 0.4 = 1.0: E = 50 %
# Pages show one decimal.
PRE_TEST = {"s1": (1, 1, 1), "s2": (1, 0, 0.5), "s3": (0, 1, 1), "s4": (1, 0, 0), "s5": (0, 0, 0.5)}
# What each officer answered (q1: option index; q2: true/false; q3: an ordering).
ANSWERS = {"s1": (0, False), "s2": (0, True), "s3": (1, False), "s4": (0, True), "s5": (None, None)}
EVERYONE = {
    "q1": ["q1", "=SUM(1,2) which code?", "Single choice", "1", "5", "60.0", "54.8", "-24.4", "-33.3",
           "Discriminates negatively"],
    "q2": ["q2", "Reliability decides the information grade.", "True or false", "1", "5", "40.0", "54.8", "48.0",
           "54.5", ""],
    "q3": ["q3", "Order the stages.", "Ordering", "1", "5", "60.0", "41.8", "42.3", "50.0", ""],
}
# Trainer B teaches the course to a cohort of s1, s2 and s3 only:
# q1: x 1 1 0 (mean 2/3), rest 2 0.5 2 (mean 1.5): sums of squares 2/3 and 1.5, cross products -1/2:
#     D = -0.5 / sqrt(1) = -50 %; sorted x 0 1 1, rest 0.5 2 2: 2/3 + 1/6 + 1/6 = 1: E = -50 %;
#     SD = sqrt((2/3) / 2) = 57.7 %
# q3: x 1 0.5 1 (mean 5/6), rest 2 1 1 (mean 4/3): sums of squares 1/6 and 2/3, cross products 1/6:
#     D = (1/6) / sqrt(1/9) = 50 %; sorted x 0.5 1 1, rest 1 1 2: 1/9 - 1/18 + 1/9 = 1/6: E = 100 %;
#     SD = sqrt((1/6) / 2) = 28.9 %
COHORT_ONLY = {
    "q1": ["3", "66.7", "57.7", "-50.0", "-50.0", "Discriminates negatively"],
    "q3": ["3", "83.3", "28.9", "50.0", "100.0", ""],
}


class TableParser(HTMLParser):
    """Every <table id="table-..."> of a page as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"][6:], [])
        elif tag == "tr" and self.current is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.current.append(self.row)
            self.row = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    parser = TableParser()
    parser.feed(response.get_data(as_text=True))
    return parser.tables


def rows_by_question(table: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in table[1:]}


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture
def world(app, make_user, database):
    """A course with a pre-test and a knowledge check; five officers' attempts; trainer A owns it,
    trainer B teaches it to a cohort of three of them, trainer C neither."""
    people = {name: make_user("trainee", email=f"{name}@items.test") for name in PRE_TEST}
    people["outsider"] = make_user("trainee", email="outsider@items.test")
    owner = make_user("trainer", email="owner@items.test")
    teacher = make_user("trainer", email="teacher@items.test")
    stranger = make_user("trainer", email="stranger@items.test")
    manager = make_user("manager", email="manager@items.test")
    with app.app_context():
        course = Course(slug="items-course", title="Grading basics", language="en", topic="source-evaluation",
                        owner_id=owner.id, settings={"pre_test": {"questions": ["q1", "q2", "q3"], "count": 3}})
        db.session.add(course)
        db.session.flush()
        lesson = Lesson(course_id=course.id, slug="01-source", position=0, title="Source reliability",
                        check={"questions": ["c1"], "count": 1})
        questions = {
            "q1": {"id": "q1", "type": "single", "prompt": "=SUM(1,2) which code?", "explanation": "A.",
                   "options": [{"text": "A"}, {"text": "-C"}, {"text": "X"}], "correct": [0]},
            "q2": {"id": "q2", "type": "true_false", "prompt": "Reliability decides the information grade.",
                   "explanation": "No.", "truth": False},
            "q3": {"id": "q3", "type": "ordering", "prompt": "Order the stages.", "explanation": "So.",
                   "items": ["Collection", "Analysis", "Dissemination"]},
            "c1": {"id": "c1", "type": "true_false", "prompt": "X means cannot be judged.", "explanation": "Yes.",
                   "truth": True},
        }
        rows = {key: Question(course_id=course.id, key=key, data=data) for key, data in questions.items()}
        db.session.add_all([lesson, *rows.values()])
        db.session.flush()
        now = utcnow()

        def attempt(user, kind, marks, answers=(), lesson_id=None, minutes=0, submitted=True):
            row = QuizAttempt(user_id=user.id, course_id=course.id, lesson_id=lesson_id, kind=kind, course_version=1,
                              submitted_at=now - timedelta(minutes=minutes) if submitted else None)
            keys = ["c1"] if kind == "check" else ["q1", "q2", "q3"]
            for position, (key, score) in enumerate(zip(keys, marks)):
                answer = answers[position] if position < len(answers) else ["Collection"]
                row.items.append(AttemptItem(question_id=rows[key].id, position=position, question=questions[key],
                                             response=None if answer is None else {"value": answer},
                                             score=score if submitted else None))
            db.session.add(row)
            db.session.flush()

        for name, marks in PRE_TEST.items():
            attempt(people[name], "pre_test", marks, ANSWERS[name], minutes=60)
        attempt(people["s1"], "pre_test", (0, 0, 0), (2, True), minutes=10)  # a second attempt: not counted
        attempt(people["s2"], "pre_test", (0, 0, 0), (2, True), submitted=False)  # unfinished: not counted
        # The knowledge check: s1 right, s2 wrong. One question: its rest of the test is 0 for both,
        # so D and E are undefined; SD = sqrt(2 x 0.25 / 1) = 70.7 %.
        attempt(people["s1"], "check", (1,), (True,), lesson_id=lesson.id)
        attempt(people["s2"], "check", (0,), (False,), lesson_id=lesson.id)
        cohort = Cohort(name="Osh cohort", trainers=[db.session.get(User, teacher.id)])
        other = Cohort(name="Someone else's cohort", trainers=[db.session.get(User, stranger.id)])
        db.session.add_all([cohort, other])
        db.session.flush()
        db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=people[name].id) for name in ("s1", "s2", "s3")])
        db.session.add(CohortMember(cohort_id=other.id, user_id=people["s4"].id))
        db.session.add(Assignment(cohort_id=cohort.id, course_id=course.id))
        db.session.commit()
        ids = {"course": course.id, "cohort": cohort.id, "other_cohort": other.id}
    return {"people": people, "owner": owner, "teacher": teacher, "stranger": stranger, "manager": manager, **ids}



def test_the_owner_sees_every_officers_first_attempt_computed_as_by_hand(app, world):
    client = logged_in(app, world["owner"])
    found = tables(client.get("/items/courses/items-course"))
    pre = rows_by_question(found["pre_test"])
    assert found["pre_test"][0][:4] == ["Question", "Prompt", "Type", "Maximum mark"]
    assert pre == EVERYONE
    # The knowledge check: one question, so the rest of the test is always 0: D and E undefined.
    assert rows_by_question(found["check-01-source"])["c1"][3:] == ["1", "2", "50.0", "70.7", "—", "—", ""]
    # How often each option was chosen (the ordering question has no options).
    options = found["pre_test-options"]
    assert options[0] == ["Question", "Option", "In the answer key", "Chosen", "Chosen %", "Attempts"]
    assert options[1:] == [
        ["q1", "A", "yes", "3", "60.0", "5"], ["q1", "-C", "", "1", "20.0", "5"], ["q1", "X", "", "0", "0.0", "5"],
        ["q1", "No answer", "", "1", "20.0", "5"],
        ["q2", "True", "", "2", "40.0", "5"], ["q2", "False", "yes", "2", "40.0", "5"],
        ["q2", "No answer", "", "1", "20.0", "5"],
    ]
    page = html.unescape(client.get("/items/courses/items-course").get_data(as_text=True))
    assert 'role="region"' in page and 'tabindex="0"' in page and "Knowledge check: Source reliability" in page
    assert "5 officers' first attempts." in page


def test_a_trainer_who_teaches_it_sees_only_their_cohorts(app, world):
    client = logged_in(app, world["teacher"])
    pre = rows_by_question(tables(client.get("/items/courses/items-course"))["pre_test"])
    assert pre["q1"][4:] == COHORT_ONLY["q1"] and pre["q3"][4:] == COHORT_ONLY["q3"]
    # Their own cohort by name: the same three; someone else's cohort does not exist for them.
    chosen = rows_by_question(tables(client.get(f"/items/courses/items-course?cohort={world['cohort']}"))["pre_test"])
    assert chosen["q1"][4] == "3"
    assert client.get(f"/items/courses/items-course?cohort={world['other_cohort']}").status_code == 404
    assert client.get("/items/courses/items-course?cohort=abc").status_code == 404
    index = client.get("/items/").get_data(as_text=True)
    assert "Grading basics" in index and "your cohorts" in index


def test_a_trainer_who_neither_writes_nor_teaches_it_is_refused(app, world):
    client = logged_in(app, world["stranger"])
    assert client.get("/items/courses/items-course").status_code == 403
    assert client.get("/items/courses/items-course/export.csv").status_code == 403
    assert client.get("/items/courses/no-such-course").status_code == 404
    assert "Grading basics" not in client.get("/items/").get_data(as_text=True)
    assert logged_in(app, world["people"]["s1"]).get("/items/courses/items-course").status_code == 403


def test_csv_export_matches_the_page_is_safe_from_formulas_and_is_audited(app, world, database):
    client = logged_in(app, world["owner"])
    rows = csv_rows(client.get("/items/courses/items-course/export.csv?table=pre_test"))
    assert rows[0] == ["Question", "Prompt", "Type", "Maximum mark", "Attempts", "Facility index %",
                       "Standard deviation %", "Discrimination index %", "Discriminative efficiency %", "Flags"]
    by_question = {row[0]: row for row in rows[1:]}
    assert by_question["q1"][1] == "'=SUM(1,2) which code?"  # a spreadsheet must not run it
    assert by_question["q1"][3:] == EVERYONE["q1"][3:]
    options = csv_rows(client.get("/items/courses/items-course/export.csv?table=pre_test-options"))
    assert options[2][:2] == ["q1", "'-C"]
    # Fewer than five attempts: the figures are suppressed in exports, as in every report.
    check = csv_rows(client.get("/items/courses/items-course/export.csv?table=check-01-source"))
    assert check[1][4:9] == ["<5", "<5", "<5", "", ""]
    assert client.get("/items/courses/items-course/export.csv?table=nope").status_code == 404
    event = database.scalar(select(AuditEvent).where(AuditEvent.action == "export.items.course.csv")
                            .order_by(AuditEvent.id))
    assert event.user_id == world["owner"].id and event.detail["table"] == "pre_test"


def test_managers_read_the_same_figures_under_reports_with_the_report_filters(app, world):
    client = logged_in(app, world["manager"])
    choose = client.get("/reports/items").get_data(as_text=True)
    assert f"/reports/items?course={world['course']}" in choose.replace("&amp;", "&")
    found = tables(client.get(f"/reports/items?course={world['course']}"))
    assert rows_by_question(found["pre_test"]) == EVERYONE
    cohort = tables(client.get(f"/reports/items?course={world['course']}&cohort={world['cohort']}"))
    assert rows_by_question(cohort["pre_test"])["q1"][4:] == COHORT_ONLY["q1"]
    rows = csv_rows(client.get(f"/reports/items/export.csv?course={world['course']}&table=pre_test"))
    assert {row[0]: row for row in rows[1:]}["q2"][3:] == EVERYONE["q2"][3:]
    workbook = export_download(app, client, f"/reports/exports/items.xlsx?course={world['course']}")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert "Pre-test" in book.sheetnames and any(name.startswith("Knowledge check") for name in book.sheetnames)
    # Trainers do not read the reports.
    assert logged_in(app, world["owner"]).get("/reports/items").status_code == 403


def test_in_russian(app, world):
    client = logged_in(app, world["owner"])
    page = client.get("/items/courses/items-course?lang=ru")
    header = tables(page)["pre_test"][0]
    assert header[:3] == ["Вопрос", "Формулировка", "Тип"] and "Индекс дифференциации, %" in header
    text = page.get_data(as_text=True)
    assert "Отрицательная дифференциация" in text and "Входной тест" in text and "Нет ответа" in text


# -- scenarios ----------------------------------------------------------------------------------------

# The matrix of tests/unit/test_item_stats.py, as scenario items: A and B (1 point each) in the
# first auto-scored task, C (2 points) in the second; the written report's rubric is left out.
SCENARIO_MARKS = {"s1": (1, 1, 2), "s2": (1, 0, 1), "s3": (0, 1, 2), "s4": (1, 0, 0), "s5": (0, 0, 1)}


@pytest.fixture
def scenario_world(app, example_loaded, make_user):
    people = {name: make_user("trainee", email=f"{name}@scenario-items.test") for name in SCENARIO_MARKS}
    owner = make_user("trainer", email="owner@scenario-items.test")
    with app.app_context():
        scenario = db.session.scalar(select(Scenario).where(Scenario.slug == "alay-road"))
        scenario.owner_id = owner.id
        version = scenario.current_version
        spec = scenario_for(version, None)
        scored = [task for task in spec.tasks if task.type != "report"]
        report = next(task for task in spec.tasks if task.type == "report")
        first, second = scored[0], scored[1]
        for name, (a, b, c) in SCENARIO_MARKS.items():
            items = {first.id: [("A", a, 1), ("B", b, 1)], second.id: [("C", c, 2)],
                     report.id: [("clarity", 3, 3)]}  # a trainer's rubric marks: never counted
            result = {"tasks": [{"task_id": task.id, "type": task.type, "score": 0.5, "pending": False,
                                 "items": [{"item_id": item, "label": f"Item {item}", "points": points,
                                            "max_points": top} for item, points, top in items.get(task.id, [])]}
                                for task in spec.tasks]}
            db.session.add(ScenarioAttempt(user_id=people[name].id, version_id=version.id, seed=None, status="passed",
                                           submitted_at=utcnow(), result=result, total_percent=50.0,
                                           item_marks=[ScenarioItemMark(**mark) for mark in answer_key_marks(result)]))
        db.session.commit()
        return {"owner": owner, "first": spec.render(first.title), "second": spec.render(second.title)}


def test_scenario_items_computed_as_by_hand(app, scenario_world):
    client = logged_in(app, scenario_world["owner"])
    table = tables(client.get("/items/scenarios/alay-road"))["scenario"]
    assert table[0][:3] == ["Task", "Item", "What (an example)"]
    rows = {row[1]: row for row in table[1:]}
    assert set(rows) == {"A", "B", "C"}  # the rubric's "clarity" is a trainer's mark, not an answer key
    assert rows["A"] == [scenario_world["first"], "A", "Item A", "1", "5", "60.0", "54.8", "-27.2", "-36.4",
                         "Discriminates negatively"]
    assert rows["B"][3:9] == ["1", "5", "40.0", "54.8", "76.4", "100.0"]
    assert rows["C"] == [scenario_world["second"], "C", "Item C", "2", "5", "60.0", "41.8", "42.3", "50.0", ""]
    exported = csv_rows(client.get("/items/scenarios/alay-road/export.csv"))
    assert {row[1]: row for row in exported[1:]}["C"][3:] == rows["C"][3:]
