"""Knowledge gain per competency and the normalised gain, on the manager's knowledge-gain report
and its CSV export, against figures worked out by hand (both databases)."""
from __future__ import annotations

import csv
import io

import pytest

from trainer.models import AttemptItem, Course, Question, QuizAttempt, utcnow
from web.test_reports import by, page_tables

COMPETENCIES = [{"id": "cycle", "text": "Name the stages of the intelligence cycle"},
                {"id": "grading", "text": "Grade sources and information"},
                {"id": "ethics", "text": "Keep sources safe"}]

# Per officer: the item scores of each competency in the pre-test and in each post-test.
# Attempt score = mean of all its items (as the app computes it).
A = {"pre": {"cycle": [1, 0], "grading": [0, 0], "ethics": [1]},                 # 2/5 = 40
     "post": [{"cycle": [1, 1], "grading": [1, 0], "ethics": [1]},               # 4/5 = 80 (best)
              {"cycle": [0, 0], "grading": [1, 0], "ethics": [1]}]}              # 2/5 = 40
B = {"pre": {"cycle": [1, 1], "grading": [1, 0], "ethics": [1]},                 # 80
     "post": [{"cycle": [1, 1], "grading": [1, 1], "ethics": [1]}]}              # 100
C = {"pre": {"cycle": [0, 0], "grading": [0, 0], "ethics": [1]},                 # 20
     "post": [{"cycle": [1, 0], "grading": [0, 0], "ethics": [1]}]}              # 40
G = {"pre": {"cycle": [0]},                                                      # 0: no grading or ethics items
     "post": [{"cycle": [1], "grading": [1]}]}                                   # 100
F = {"pre": {"cycle": [1, 1], "grading": [1, 1], "ethics": [1]}, "post": []}      # pre-test only: not counted
OFFICERS = {"a": A, "b": B, "c": C, "d": A, "e": B, "g": G, "f": F}


@pytest.fixture
def course(database):
    course = database.add(Course(slug="forms", title="Forms course", language="en", topic="t", work="forms",
                                 settings={"completion": {"all_lessons": False, "post_test": True},
                                           "competencies": COMPETENCIES}))
    questions = {}
    for competency in ("cycle", "grading", "ethics"):
        for n in range(2):
            key = f"{competency}-{n}"
            questions[key] = database.add(Question(course_id=course.id, key=key, data={"id": key})).id
    return course, questions


def sitting(user_id, course, questions, kind, items):
    scores = [score for competency in items for score in items[competency]]
    attempt = QuizAttempt(user_id=user_id, course_id=course.id, kind=kind, course_version=1,
                          submitted_at=utcnow().replace(microsecond=0), score_percent=100 * sum(scores) / len(scores))
    position = 0
    for competency, marks in items.items():
        for n, score in enumerate(marks):
            key = f"{competency}-{n}"
            attempt.items.append(AttemptItem(question_id=questions[key], position=position, score=float(score),
                                             question={"id": key, "type": "true_false", "competency": competency}))
            position += 1
    return attempt


@pytest.fixture
def report(course, database, make_user, auth, client):
    course, questions = course
    for name, plan in OFFICERS.items():
        officer = make_user("trainee", email=f"{name}@forms.test")
        database.add(sitting(officer.id, course, questions, "pre_test", plan["pre"]))
        for post in plan["post"]:
            database.add(sitting(officer.id, course, questions, "post_test", post))
    auth.login(make_user("manager"))
    return client


def test_course_row_has_the_normalised_gain_beside_the_raw_one(report):
    row = by(page_tables(report, "/reports/knowledge-gain")["by_course"], "Course")["Forms course"]
    # Pre 40, 80, 20, 40, 80, 0 (mean 43.33); best post 80, 100, 40, 80, 100, 100 (mean 83.33).
    assert (row["Officers with both tests"], row["Mean pre-test %"], row["Mean post-test %"]) == ("6", "43.3", "83.3")
    # Gains 40, 20, 20, 40, 20, 100: mean 40, median 30; normalised 40 / 56.67 = 70.6 %.
    assert (row["Mean gain (points)"], row["Median gain (points)"], row["Normalised gain %"]) == ("40.0", "30.0", "70.6")


def test_gain_per_competency_with_the_officers_behind_each_figure(report):
    rows = by(page_tables(report, "/reports/knowledge-gain")["by_competency"], "Competency (objective)")
    assert list(rows) == ["Name the stages of the intelligence cycle", "Grade sources and information",
                          "Keep sources safe"]  # in the course's order
    cycle, grading, ethics = rows.values()
    # cycle, six officers: pre 50, 100, 0, 50, 100, 0 (mean 50); post 100, 100, 50, 100, 100, 100 (91.67);
    # normalised (91.67 - 50) / 50 = 83.3 %.
    assert [cycle[k] for k in ("Course", "Officers with both tests", "Mean pre-test %", "Mean post-test %",
                               "Mean gain (points)", "Normalised gain %")] == \
        ["Forms course", "6", "50.0", "91.7", "41.7", "83.3"]
    # grading, five officers (g's pre-test asked none): pre 0, 50, 0, 0, 50 (20); post 50, 100, 0, 50, 100 (60);
    # normalised 40 / 80 = 50 %.
    assert [grading[k] for k in ("Officers with both tests", "Mean pre-test %", "Mean post-test %",
                                 "Mean gain (points)", "Normalised gain %")] == ["5", "20.0", "60.0", "40.0", "50.0"]
    # ethics: everyone had full marks before the course: nothing to gain, no normalised gain.
    assert [ethics[k] for k in ("Officers with both tests", "Mean pre-test %", "Mean gain (points)",
                                "Normalised gain %")] == ["5", "100.0", "0.0", "—"]


def test_csv_export_of_the_competency_table(report):
    response = report.get("/reports/knowledge-gain/export.csv?table=by_competency")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == ["Course", "Competency (objective)", "Officers with both tests", "Mean pre-test %",
                        "Mean post-test %", "Mean gain (points)", "Normalised gain %"]
    assert lines[1:] == [
        ["Forms course", "Name the stages of the intelligence cycle", "6", "50.0", "91.7", "41.7", "83.3"],
        ["Forms course", "Grade sources and information", "5", "20.0", "60.0", "40.0", "50.0"],
        ["Forms course", "Keep sources safe", "5", "100.0", "100.0", "0.0", ""],
    ]
    course_csv = report.get("/reports/knowledge-gain/export.csv?table=by_course")
    row = next(line for line in csv.reader(io.StringIO(course_csv.data.decode("utf-8-sig"))) if line[0] == "Forms course")
    assert row[1:7] == ["6", "43.3", "83.3", "40.0", "30.0", "70.6"]


def test_competency_titles_follow_the_readers_language(report, database, course):
    course, _ = course
    russian = [{"id": "cycle", "text": "Называть этапы разведывательного цикла"},
               {"id": "grading", "text": "Оценивать источники и информацию"},
               {"id": "ethics", "text": "Защищать источники"}]
    database.add(Course(slug="forms-ru", title="Курс с формами", language="ru", topic="t", work="forms",
                        settings={"completion": {"all_lessons": False, "post_test": True}, "competencies": russian}))
    page = report.get("/reports/knowledge-gain?lang=ru").get_data(as_text=True)
    assert "Называть этапы разведывательного цикла" in page and "Курс с формами" in page
    assert "Name the stages of the intelligence cycle" not in page
