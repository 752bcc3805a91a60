"""Programme reports against a seeded programme: every figure is checked against SQL written
here independently of the report code, breakdowns add up, exports hold the page's numbers,
small groups are suppressed in aggregate exports, exports are audited, filters narrow, bad
filters explain themselves, and a manager reads but reaches no authoring or admin page."""
from __future__ import annotations

import csv
import io
import json
import re
import statistics
from datetime import datetime, timezone
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlencode

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from conftest import BACKENDS, PASSWORD, logged_in, make_config, own_database
from exported import export_download
from trainer import create_app
from trainer.domain.reports import gain_summary
from trainer.extensions import db
from trainer.models import (
    Agency, AuditEvent, Certificate, Cohort, Course, Enrolment, QuizAttempt, Scenario, User, utcnow,
)
from trainer.seed import analyse_tables, seed_programme
from trainer.services import badges, create_user
from trainer.services import reports as report_service
from trainer.views import reports as report_views

OFFICERS, SEED, REVOKED = 60, 7, 2
MANAGER, ADMIN, TRAINER, TRAINEE = ("manager@reports.test", "admin@reports.test", "trainer@reports.test",
                                    "trainee@reports.test")
TRAINEE_SQL = "u.role = 'trainee'"
# A completion whose certificate an administrator revoked is withdrawn with it.
NOT_REVOKED = ("NOT EXISTS (SELECT 1 FROM certificates r WHERE r.user_id = e.user_id AND r.course_id = e.course_id"
               " AND r.revoked_at IS NOT NULL)")


# -- the seeded programme, one per backend for the whole module ----------------------------------

@pytest.fixture(scope="module", params=BACKENDS)
def programme(request, tmp_path_factory):
    """A seeded programme of 60 officers (plus one account per role) on its own database."""
    with own_database(request.param, tmp_path_factory.mktemp('reports'), 'reports') as url:
        app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url,
                                     JOBS_FILES_DIR=str(tmp_path_factory.mktemp("export-files"))))
        with app.app_context():
            db.create_all()
            seed_programme(OFFICERS, SEED)
            # Every gender category appears, whatever the random draw gave.
            first, second = db.session.scalars(select(User).where(User.role == "trainee").order_by(User.id).limit(2))
            first.gender, second.gender = None, "prefer_not_to_say"
            for email, role in ((MANAGER, "manager"), (ADMIN, "admin"), (TRAINER, "trainer"), (TRAINEE, "trainee")):
                create_user(email, role.title(), PASSWORD, role=role)
            # Two certificates withdrawn by an administrator: every figure below leaves them out.
            admin = db.session.scalar(select(User).where(User.email == ADMIN))
            for certificate in db.session.scalars(select(Certificate).order_by(Certificate.id).limit(REVOKED)):
                badges.revoke(certificate, admin, "Issued in error")
            db.session.commit()
            analyse_tables()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def manager(programme):
    return logged_in(programme, MANAGER)


def rows(app, query: str, **params) -> list:
    """Rows of a hand-written SQL query."""
    with app.app_context():
        return db.session.execute(text(query), params).all()


def one(app, query: str, **params):
    return rows(app, query, **params)[0]


# -- reading pages -----------------------------------------------------------------------------------

class TableParser(HTMLParser):
    """Collects every <table id="table-..."> of a page as lists of cell texts."""

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


def page_tables(client, path: str) -> dict[str, list[dict[str, str]]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    parser = TableParser()
    parser.feed(response.get_data(as_text=True))
    return {key: [dict(zip(grid[0], line)) for line in grid[1:] if len(line) == len(grid[0])]
            for key, grid in parser.tables.items()}


def by(rows_: list[dict], column: str) -> dict[str, dict]:
    return {row[column]: row for row in rows_}


def summary(client, query: str = "") -> dict[str, str]:
    return {row["Measure"]: row["Value"] for row in page_tables(client, f"/reports/?{query}")["summary"]}


def close(text_value: str, expected: float | None) -> bool:
    if expected is None:
        return text_value == "—"
    return abs(float(text_value) - expected) <= 0.05 + 1e-9


# -- independent SQL ---------------------------------------------------------------------------------

def trained_sql(where: str = TRAINEE_SQL) -> str:
    return f"""
        SELECT count(*) FROM users u LEFT JOIN agencies g ON g.id = u.agency_id WHERE {where} AND (
          EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = u.id)
          OR EXISTS (SELECT 1 FROM scenario_attempts s WHERE s.user_id = u.id)
          OR EXISTS (SELECT 1 FROM attendance a WHERE a.user_id = u.id AND a.status IN ('present', 'late')))"""


ATTENDANCE_SQL = f"""
    SELECT c.name AS cohort, count(*) AS expected,
           sum(CASE WHEN a.status IN ('present', 'late') OR (a.status = 'excused' AND a.caught_up_at IS NOT NULL)
                    THEN 1 ELSE 0 END) AS attended
    FROM training_sessions s JOIN cohorts c ON c.id = s.cohort_id
    JOIN cohort_members m ON m.cohort_id = s.cohort_id JOIN users u ON u.id = m.user_id
    LEFT JOIN attendance a ON a.session_id = s.id AND a.user_id = m.user_id
    WHERE {TRAINEE_SQL} GROUP BY c.name"""


def raw_gain_pairs(app, course_id=None) -> dict[tuple[int, int], tuple[float, float]]:
    """(officer, course) -> (first pre-test, best post-test), computed in Python from raw rows."""
    found = rows(app, f"""
        SELECT q.user_id, q.course_id, q.kind, q.score_percent FROM quiz_attempts q JOIN users u ON u.id = q.user_id
        WHERE {TRAINEE_SQL} AND q.submitted_at IS NOT NULL AND q.score_percent IS NOT NULL
          AND q.kind IN ('pre_test', 'post_test') ORDER BY q.id""")
    pre, post = {}, {}
    for user_id, course, kind, score in found:
        if course_id is not None and course != course_id:
            continue
        if kind == "pre_test":
            pre.setdefault((user_id, course), score)
        else:
            post[(user_id, course)] = max(post.get((user_id, course), score), score)
    return {key: (pre[key], post[key]) for key in pre.keys() & post.keys()}


# -- figures against SQL ---------------------------------------------------------------------------------

def test_overview_figures_agree_with_independent_sql(programme, manager):
    figures = summary(manager)
    assert figures["Officers trained"] == str(one(programme, trained_sql())[0])
    assert figures["Courses completed"] == str(one(programme, f"""
        SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
        WHERE {TRAINEE_SQL} AND e.completed_at IS NOT NULL AND {NOT_REVOKED}""")[0])
    assert figures["Certificates issued"] == str(one(programme, f"""
        SELECT count(*) FROM certificates c JOIN users u ON u.id = c.user_id
        WHERE {TRAINEE_SQL} AND c.revoked_at IS NULL""")[0])
    expected = sum(row.expected for row in rows(programme, ATTENDANCE_SQL))
    attended = sum(row.attended for row in rows(programme, ATTENDANCE_SQL))
    assert close(figures["Attendance rate %"], 100 * attended / expected)
    pairs = list(raw_gain_pairs(programme).values())
    assert len(pairs) >= 20
    assert close(figures["Mean gain, pre- to post-test (points)"], statistics.mean(b - a for a, b in pairs))
    assert close(figures["Median gain (points)"], statistics.median(b - a for a, b in pairs))
    assert close(figures["Officers who improved %"], 100 * sum(b > a for a, b in pairs) / len(pairs))
    takers, passers = one(programme, f"""
        SELECT count(DISTINCT s.user_id), count(DISTINCT CASE WHEN s.status = 'passed' THEN s.user_id END)
        FROM scenario_attempts s JOIN users u ON u.id = s.user_id
        WHERE {TRAINEE_SQL} AND s.status IN ('passed', 'failed')""")
    assert close(figures["Scenario pass rate %"], 100 * passers / takers)


def test_a_revoked_certificate_is_not_counted_as_issued_or_passed(programme, manager):
    issued, revoked = one(programme, f"""
        SELECT count(*), count(c.revoked_at) FROM certificates c JOIN users u ON u.id = c.user_id
        WHERE {TRAINEE_SQL}""")
    figures = summary(manager)
    assert revoked == REVOKED and int(figures["Certificates issued"]) == issued - REVOKED
    completed = one(programme, f"""SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
                                   WHERE {TRAINEE_SQL} AND e.completed_at IS NOT NULL""")[0]
    assert int(figures["Courses completed"]) == completed - REVOKED  # the passes they attested, withdrawn
    # The officers whose certificate was withdrawn are no longer "Passed" on that course.
    header, *lines = csv_rows(manager.get("/reports/completion/export.csv?table=officers"))
    officers = [dict(zip(header, line)) for line in lines]
    withdrawn = rows(programme, """
        SELECT u.email, co.title FROM certificates c JOIN users u ON u.id = c.user_id
        JOIN courses co ON co.id = c.course_id WHERE c.revoked_at IS NOT NULL""")
    for email, title in withdrawn:
        status = next(row["Status"] for row in officers if (row["Email"], row["Course or scenario"]) == (email, title))
        assert status in ("In progress", "Completed, not passed"), (email, title, status)


def test_breakdowns_by_country_agency_and_gender_add_up_to_the_totals(programme, manager):
    tables = page_tables(manager, "/reports/disaggregation")
    measures = ("Officers", "Trained", "Completed a course", "Certificates issued", "Passed a scenario")
    totals = []
    for key in ("by_country", "by_agency", "by_gender", "by_agency_gender"):
        *groups, total = tables[key]
        assert "Total" in total.values()
        for measure in measures:
            assert sum(int(row[measure]) for row in groups) == int(total[measure]), (key, measure)
        totals.append(tuple(total[m] for m in measures))
    assert len(set(totals)) == 1  # every breakdown has the same total
    assert totals[0][1] == summary(manager)["Officers trained"]
    genders = by(tables["by_gender"][:-1], "Gender")
    assert list(genders) == ["Female", "Male", "Prefer not to say", "Not recorded"]
    expected = dict(rows(programme, f"""
        SELECT COALESCE(u.gender, 'not_recorded'), count(*) FROM users u WHERE {TRAINEE_SQL} GROUP BY 1"""))
    names = {"female": "Female", "male": "Male", "prefer_not_to_say": "Prefer not to say", "not_recorded": "Not recorded"}
    assert {names[code]: str(count) for code, count in expected.items()} == \
        {name: row["Officers"] for name, row in genders.items() if row["Officers"] != "0"}
    countries = by(tables["by_country"][:-1], "Country")
    # The seeded officers' countries, and the fixture's own trainee account, which has none.
    assert set(countries) == {"Kyrgyzstan", "Tajikistan", "Uzbekistan", "Not recorded"}
    assert countries["Not recorded"]["Officers"] == "1" and countries["Not recorded"]["Trained"] == "0"
    kg_trained = one(programme, trained_sql(f"{TRAINEE_SQL} AND COALESCE(u.country, g.country) = 'KG'"))[0]
    assert countries["Kyrgyzstan"]["Trained"] == str(kg_trained)


def test_completion_statuses_agree_with_independent_sql(programme, manager):
    tables = page_tables(manager, "/reports/completion")
    targets = by(tables["by_target"][:-1], "Course or scenario")
    courses = rows(programme, f"""
        SELECT co.title, count(*) AS total,
          sum(CASE WHEN EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = p.user_id AND c.course_id = p.course_id
                                AND c.revoked_at IS NULL)
                   THEN 1 ELSE 0 END) AS passed,
          sum(CASE WHEN NOT EXISTS (SELECT 1 FROM enrolments e WHERE e.user_id = p.user_id AND e.course_id = p.course_id)
                   THEN 1 ELSE 0 END) AS not_started
        FROM (SELECT user_id, course_id FROM enrolments
              UNION SELECT m.user_id, a.course_id FROM cohort_members m JOIN assignments a ON a.cohort_id = m.cohort_id
              WHERE a.course_id IS NOT NULL) p
        JOIN users u ON u.id = p.user_id JOIN courses co ON co.id = p.course_id
        WHERE {TRAINEE_SQL} GROUP BY co.title""")
    scenarios = rows(programme, f"""
        SELECT sc.title, count(*) AS total,
          sum(CASE WHEN EXISTS (SELECT 1 FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id
                                WHERE s.user_id = p.user_id AND v.scenario_id = p.scenario_id AND s.status = 'passed')
                   THEN 1 ELSE 0 END) AS passed,
          sum(CASE WHEN NOT EXISTS (SELECT 1 FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id
                                    WHERE s.user_id = p.user_id AND v.scenario_id = p.scenario_id)
                   THEN 1 ELSE 0 END) AS not_started
        FROM (SELECT s.user_id, v.scenario_id FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id
              UNION SELECT m.user_id, a.scenario_id FROM cohort_members m JOIN assignments a ON a.cohort_id = m.cohort_id
              WHERE a.scenario_id IS NOT NULL) p
        JOIN users u ON u.id = p.user_id JOIN scenarios sc ON sc.id = p.scenario_id
        WHERE {TRAINEE_SQL} GROUP BY sc.title""")
    assert {title for title, *_ in courses + scenarios} == set(targets)
    for title, total, passed, not_started in courses + scenarios:
        row = targets[title]
        assert (row["Total"], row["Passed"], row["Not started"]) == (str(total), str(passed), str(not_started)), title
        statuses = ("Not started", "In progress", "Completed, not passed", "Passed")
        assert sum(int(row[s]) for s in statuses) == int(row["Total"])
    total = tables["by_target"][-1]
    assert int(total["Total"]) == sum(row[1] for row in courses + scenarios)
    assert int(tables["by_agency"][-1]["Total"]) == int(total["Total"])
    officers = tables["officers"]
    assert officers and {row["Status"] for row in officers} <= {"Not started", "In progress", "Completed, not passed",
                                                                "Passed"}


def test_completion_per_cohort_counts_its_assigned_work(programme, manager):
    cohorts = by(page_tables(manager, "/reports/completion")["by_cohort"], "Cohort")
    expected = rows(programme, f"""
        SELECT c.name, count(*) AS total, sum(CASE WHEN
            (a.course_id IS NOT NULL AND EXISTS (SELECT 1 FROM certificates x
                                                 WHERE x.user_id = m.user_id AND x.course_id = a.course_id
                                                   AND x.revoked_at IS NULL))
            OR (a.scenario_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id
                WHERE s.user_id = m.user_id AND v.scenario_id = a.scenario_id AND s.status = 'passed'))
            THEN 1 ELSE 0 END) AS passed
        FROM cohort_members m JOIN assignments a ON a.cohort_id = m.cohort_id
        JOIN cohorts c ON c.id = m.cohort_id JOIN users u ON u.id = m.user_id
        WHERE {TRAINEE_SQL} GROUP BY c.name""")
    assert set(cohorts) == {row.name for row in expected}
    for name, total, passed in expected:
        assert (cohorts[name]["Total"], cohorts[name]["Passed"]) == (str(total), str(passed)), name


def test_completion_lists_officers_a_page_at_a_time(programme, manager):
    first = page_tables(manager, "/reports/completion")["officers"]
    second = page_tables(manager, "/reports/completion?page=2")["officers"]
    assert first and second and {r["Email"] for r in first}.isdisjoint({r["Email"] for r in second})
    assert manager.get("/reports/completion?page=99").status_code == 200


def test_attendance_agrees_with_independent_sql(programme, manager):
    cohorts = by(page_tables(manager, "/reports/attendance")["by_cohort"][:-1], "Cohort")
    expected = {row.cohort: row for row in rows(programme, ATTENDANCE_SQL)}
    assert set(cohorts) == set(expected)
    for name, row in expected.items():
        assert cohorts[name]["Places (members × sessions)"] == str(row.expected)
        assert cohorts[name]["Attended"] == str(row.attended)
        assert close(cohorts[name]["Attendance %"], 100 * row.attended / row.expected)


def test_knowledge_gain_per_course_agrees_with_a_computation_from_raw_rows(programme, manager):
    courses = by(page_tables(manager, "/reports/knowledge-gain")["by_course"][:-1], "Course")
    titles = dict(rows(programme, "SELECT id, title FROM courses"))
    per_course: dict[str, list] = {}
    for (_, course_id), pair in raw_gain_pairs(programme).items():
        per_course.setdefault(titles[course_id], []).append(pair)
    assert set(courses) == set(per_course)
    for title, pairs in per_course.items():
        row, gains = courses[title], [post - pre for pre, post in pairs]
        assert row["Officers with both tests"] == str(len(pairs))
        assert close(row["Mean gain (points)"], statistics.mean(gains))
        assert close(row["Median gain (points)"], statistics.median(gains))
        assert row["Improved"] == str(sum(g > 0 for g in gains))
    spread = page_tables(manager, "/reports/knowledge-gain")["distribution"]
    assert sum(int(row["Officers"]) for row in spread) == sum(len(p) for p in per_course.values())


def test_scenario_tasks_and_items_agree_with_the_stored_results(programme, manager):
    scenario_id, title = one(programme, """
        SELECT sc.id, sc.title FROM scenarios sc JOIN scenario_versions v ON v.scenario_id = sc.id
        JOIN scenario_attempts s ON s.version_id = v.id GROUP BY sc.id, sc.title ORDER BY count(*) DESC""")
    tables = page_tables(manager, f"/reports/scenarios?scenario={scenario_id}")
    results = [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows(programme, f"""
        SELECT s.result FROM scenario_attempts s JOIN scenario_versions v ON v.id = s.version_id
        JOIN users u ON u.id = s.user_id
        WHERE {TRAINEE_SQL} AND v.scenario_id = :scenario AND s.submitted_at IS NOT NULL
          AND s.status <> 'in_progress'""", scenario=scenario_id)]
    assert by(tables["by_scenario"], "Scenario")[title]["Attempts"] == str(len(results))
    scored: dict[str, list[float]] = {}
    items: dict[tuple[str, str], list[int]] = {}
    for result in results:
        for task in result["tasks"]:
            if not task["pending"]:
                scored.setdefault(task["task_id"], []).append(100 * task["score"])
            if task["type"] == "report":
                continue
            for item in task["items"]:
                if item["max_points"] > 0:
                    counts = items.setdefault((task["task_id"], item["item_id"]), [0, 0])
                    counts[0] += 1
                    counts[1] += item["points"] < item["max_points"]
    page_tasks = [(int(r["Attempts scored"]), r["Mean score %"]) for r in tables["tasks"]]
    assert len(page_tasks) == len(scored)
    for scores in scored.values():  # each task of the stored results is on the page, same n and mean
        match = next(t for t in page_tasks if t[0] == len(scores) and close(t[1], statistics.mean(scores)))
        page_tasks.remove(match)
    wrong_shares = sorted((100 * wrong / seen for seen, wrong in items.values()), reverse=True)
    page_items = tables["items"]
    assert page_items and len(page_items) == min(15, len(items))
    assert [float(r["Not fully right %"]) for r in page_items] == [round(s, 1) for s in wrong_shares[:len(page_items)]]
    for row in page_items:
        matching = [counts for (task_id, item_id), counts in items.items() if item_id == row["Item"]]
        assert [int(row["Attempts"]), int(row["Not fully right"])] in matching
        assert row["What (an example)"] and "msgid" not in row["What (an example)"]  # words, not stored JSON


def test_knowledge_gain_counts_only_officers_with_both_tests(app, database, make_user, auth, client):
    """A hand-built course: four officers took both tests, two only one of them."""
    course = database.add(Course(slug="tiny", title="Tiny course", language="en", topic="t",
                                 settings={"completion": {"all_lessons": False, "post_test": True}}))
    moment = utcnow()

    def sitting(user, kind, score):
        return QuizAttempt(user_id=user.id, course_id=course.id, kind=kind, course_version=1,
                           submitted_at=moment, score_percent=score)

    scores = {"a": [("pre_test", 40), ("post_test", 50), ("post_test", 60)],  # best post-test counts: +20
              "b": [("pre_test", 50), ("post_test", 50)],                     # 0
              "c": [("pre_test", 70), ("post_test", 60)],                     # -10
              "d": [("pre_test", 20), ("post_test", 80)],                     # +60
              "e": [("pre_test", 30)],                                        # no post-test: not counted
              "f": [("post_test", 90)]}                                       # no pre-test: not counted
    for name, sittings in scores.items():
        officer = make_user("trainee", email=f"{name}@tiny.test")
        database.add(*[sitting(officer, kind, score) for kind, score in sittings])
    auth.login(make_user("manager"))
    row = by(page_tables(client, "/reports/knowledge-gain")["by_course"], "Course")["Tiny course"]
    assert (row["Officers with both tests"], row["Mean pre-test %"], row["Mean post-test %"]) == ("4", "45.0", "62.5")
    assert (row["Mean gain (points)"], row["Median gain (points)"], row["Improved"], row["Improved %"]) == \
        ("17.5", "10.0", "2", "50.0")
    # Normalised gain from the means: (62.5 - 45) / (100 - 45) = 31.8 %.
    assert row["Normalised gain %"] == "31.8"
    expected = gain_summary([(40, 60), (50, 50), (70, 60), (20, 80)])
    assert (expected.mean_gain, expected.median_gain, expected.improved_percent) == (17.5, 10.0, 50.0)
    # Four officers are a small group: the export hides every figure of the row.
    exported = csv_rows(client.get(f"/reports/knowledge-gain/export.csv?table=by_course&course={course.id}"))
    tiny = next(line for line in exported if line[0] == "Tiny course")
    assert tiny[1:] == ["<5"] * 8


# -- exports ---------------------------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return csv_rows_of(response.data)


def csv_rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_sheets(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def same(page_value: str, exported) -> bool:
    """An exported cell holds the page's value; or "<5" where the page shows a figure of a
    small group (which figures those are is the domain's rule, tested in the unit tests)."""
    if exported == "<5":
        return page_value != "—"
    if exported in (None, ""):
        return page_value == "—"
    if isinstance(exported, (int, float)) or exported.replace(".", "", 1).lstrip("-").isdigit():
        return page_value != "—" and close(page_value, float(exported))
    return page_value == exported


def test_csv_and_xlsx_exports_hold_the_numbers_of_the_page(programme, manager):
    tables = page_tables(manager, "/reports/disaggregation")
    exported = csv_rows(manager.get("/reports/disaggregation/export.csv?table=by_country"))
    header, *lines = exported
    assert header[:3] == ["Country", "Officers", "Trained"]
    for page_row, line in zip(tables["by_country"], lines, strict=True):
        for column, value in zip(header, line):
            assert same(page_row[column], value), (column, value, page_row)
    sheets = xlsx_sheets(export_download(programme, manager, "/reports/exports/disaggregation.xlsx"))
    assert list(sheets) == ["About this export", "By country", "By agency", "By gender", "By agency and gender"]
    for key, title in (("by_country", "By country"), ("by_agency", "By agency"), ("by_gender", "By gender"),
                       ("by_agency_gender", "By agency and gender")):
        header, *lines = sheets[title]
        for page_row, line in zip(tables[key], lines, strict=True):
            for column, value in zip(header, line):
                assert same(page_row[column], value), (title, column, value, page_row)
    total = sheets["By country"][-1]
    assert total[0] == "Total" and isinstance(total[2], int)
    assert str(total[2]) == summary(manager)["Officers trained"]


def test_small_groups_show_as_less_than_five_in_aggregate_exports_only(programme, manager):
    sheets = xlsx_sheets(export_download(programme, manager, "/reports/exports/disaggregation.xlsx"))
    cells = [cell for line in sheets["By agency and gender"][1:] for cell in line]
    assert "<5" in cells
    page = page_tables(manager, "/reports/disaggregation")["by_agency_gender"]
    assert "<5" not in {value for row in page for value in row.values()}  # the page shows exact numbers
    gender = csv_rows(manager.get("/reports/overview/export.csv?table=by_gender"))
    prefer_not = next(line for line in gender if line[0] == "Prefer not to say")
    assert prefer_not[1] == "<5"  # one officer chose not to say
    printed = manager.get("/reports/overview/print").get_data(as_text=True)
    assert "&lt;5" in printed


def test_the_personal_officer_list_is_exported_as_is(programme, manager):
    lines = csv_rows(manager.get("/reports/completion/export.csv?table=officers"))
    header, *body = lines
    assert header[:2] == ["Officer", "Email"]
    total = page_tables(manager, "/reports/completion")["by_target"][-1]["Total"]
    assert len(body) == int(total)
    assert "<5" not in {cell for line in body for cell in line}
    emails = {line[1] for line in body}
    assert emails <= {row[0] for row in rows(programme, "SELECT email FROM users WHERE role = 'trainee'")}


def test_paged_tables_export_every_row(programme, manager, monkeypatch):
    from trainer.services import reports as service
    monkeypatch.setattr(service.common, "PAGE_SIZE", 2)  # a page of two sessions, so there are several pages
    monkeypatch.setattr(service.common, "OFFICERS_PER_PAGE", 3)
    held = one(programme, "SELECT count(*) FROM training_sessions WHERE starts_at <= :now",
               now=datetime.now(timezone.utc).replace(tzinfo=None))[0]
    assert len(page_tables(manager, "/reports/attendance")["sessions"]) == 2 < held
    assert len(csv_rows(manager.get("/reports/attendance/export.csv?table=sessions"))) - 1 == held
    sheets = xlsx_sheets(export_download(programme, manager, "/reports/exports/attendance.xlsx"))
    assert len(sheets["By session"]) - 1 == held
    officers = page_tables(manager, "/reports/completion")["officers"]
    total = int(page_tables(manager, "/reports/completion")["by_target"][-1]["Total"])
    assert len({row["Email"] for row in officers}) == 3 and len(officers) < total
    assert len(csv_rows(manager.get("/reports/completion/export.csv?table=officers"))) - 1 == total


def test_every_export_is_written_to_the_audit_log(programme, manager):
    manager_id = one(programme, "SELECT id FROM users WHERE email = :email", email=MANAGER)[0]
    exports = [
        ("/reports/completion/export.csv?table=by_agency&country=KG", "export.completion.csv"),
        ("/reports/exports/attendance.xlsx?country=KG", "export.attendance.xlsx"),
        ("/reports/exports/knowledge-gain.xlsx?country=KG", "export.knowledge-gain.xlsx"),
        ("/reports/scenarios/export.csv?country=KG", "export.scenarios.csv"),
        ("/reports/exports/disaggregation.xlsx?country=KG", "export.disaggregation.xlsx"),
        ("/reports/exports/overview.xlsx?country=KG", "export.overview.xlsx"),
        ("/reports/exports/overview.pdf?country=KG", "export.overview.pdf"),
        ("/reports/overview/print?country=KG", "export.overview.print"),
    ]
    for path, action in exports:
        before = datetime.now(timezone.utc).replace(tzinfo=None)
        # Workbooks and PDFs are built by a job: their download is what is logged.
        response = export_download(programme, manager, path) if path.startswith("/reports/exports/") else manager.get(path)
        assert response.status_code == 200, path
        with programme.app_context():
            event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id.desc())).first()
            assert event is not None, action
            assert event.user_id == manager_id
            assert event.detail["filters"] == {"country": "KG"} and event.detail["rows"] > 0
            assert event.created_at.replace(tzinfo=None) >= before.replace(microsecond=0)
    assert export_download(programme, manager, "/reports/exports/overview.pdf").data.startswith(b"%PDF")


# -- filters -----------------------------------------------------------------------------------------------

def test_filters_narrow_every_figure(programme, manager):
    agency_id = one(programme, "SELECT id FROM agencies ORDER BY id")[0]
    for query, where in (
        ("country=UZ", f"{TRAINEE_SQL} AND COALESCE(u.country, g.country) = 'UZ'"),
        ("gender=not_recorded", f"{TRAINEE_SQL} AND u.gender IS NULL"),
        ("gender=female", f"{TRAINEE_SQL} AND u.gender = 'female'"),
        (f"agency={agency_id}", f"{TRAINEE_SQL} AND u.agency_id = {agency_id}"),
    ):
        assert summary(manager, query)["Officers trained"] == str(one(programme, trained_sql(where))[0]), query
    cohort_id, cohort = one(programme, "SELECT id, name FROM cohorts ORDER BY id")
    members = one(programme, trained_sql(f"{TRAINEE_SQL} AND EXISTS (SELECT 1 FROM cohort_members m "
                                         f"WHERE m.user_id = u.id AND m.cohort_id = {cohort_id})"))[0]
    assert summary(manager, f"cohort={cohort_id}")["Officers trained"] == str(members)
    assert [row["Cohort"] for row in page_tables(manager, f"/reports/completion?cohort={cohort_id}")["by_cohort"]] \
        == [cohort]
    assert summary(manager, "role=trainer")["Officers trained"] == "0"


def test_cohort_and_agency_filters_are_typed_and_searched(programme, manager):
    """The filters hold no list of every cohort or agency: a field takes a suggestion ("Name (#id)"),
    a number or a name typed in full (any case), and suggestions come a few at a time."""
    cohort_id, cohort = one(programme, "SELECT id, name FROM cohorts ORDER BY id")
    agency_id, agency, country = one(programme, "SELECT id, name, country FROM agencies ORDER BY id")
    by_id = summary(manager, f"cohort={cohort_id}&agency={agency_id}")
    for cohort_text, agency_text in ((f"{cohort} (#{cohort_id})", f"{agency} · {country} (#{agency_id})"),
                                     (cohort.upper(), agency.lower())):
        assert summary(manager, urlencode({"cohort": cohort_text, "agency": agency_text})) == by_id
    page = manager.get(f"/reports/completion?cohort={cohort_id}").get_data(as_text=True)
    assert 'name="cohort"' in page and '<select name="cohort"' not in page and '<select name="agency"' not in page
    assert f'value="{escape(cohort)} (#{cohort_id})"' in page  # the chosen cohort, as its field shows it
    other = one(programme, "SELECT name FROM cohorts WHERE id <> :id ORDER BY id", id=cohort_id)[0]
    assert escape(other) not in page  # no other cohort's name travels with a page filtered to one

    found = manager.get("/reports/choices/cohorts?q=" + cohort[:12].lower()).get_json()["options"]
    assert {"id": cohort_id, "name": cohort, "value": f"{cohort} (#{cohort_id})"} in found
    assert all(cohort[:12].lower() in option["name"].lower() for option in found)
    assert manager.get("/reports/choices/cohorts?q=").get_json() == {"options": []}
    assert manager.get("/reports/choices/cohorts?q=no such cohort").get_json() == {"options": []}
    agencies = manager.get("/reports/choices/agencies?q=" + agency[3:10].upper()).get_json()["options"]
    assert f"{agency} · {country} (#{agency_id})" in [option["value"] for option in agencies]


def test_cohorts_are_searched_in_any_alphabet_and_case(app, database, make_user, auth, client):
    """Cyrillic names are found whatever the case typed (SQLite's lower() knows only ASCII)."""
    database.add(*[Cohort(name=f"Бишкек, вебинар {number:02d}") for number in range(25)],
                 Cohort(name="Душанбе, очный курс"))
    auth.login(make_user("manager"))
    found = client.get("/reports/choices/cohorts?q=БИШКЕК, ВЕБ").get_json()["options"]
    assert len(found) == 20 and all(option["name"].startswith("Бишкек, вебинар") for option in found)
    only = client.get("/reports/choices/cohorts?q=душанбе").get_json()["options"]
    assert [option["name"] for option in only] == ["Душанбе, очный курс"]
    response = client.get("/reports/completion?" + urlencode({"cohort": "душанбе, ОЧНЫЙ курс"}))
    assert response.status_code == 200
    many = client.get("/reports/completion?" + urlencode({"cohort": "Бишкек"}))
    assert many.status_code == 400 and "none is called “Бишкек”" in many.get_data(as_text=True)


@pytest.mark.parametrize("zone, language, note", [
    ("Asia/Bishkek", "en", "Days run from midnight UTC: 06:00 in your time zone"),
    ("Asia/Tashkent", "ru", "Сутки считаются от полуночи UTC: 05:00 по вашему времени"),
    ("UTC", "en", "Days run from midnight to midnight UTC."),
])
def test_the_period_says_whose_midnight_its_days_start_at(app, database, make_user, auth, client, zone, language,
                                                          note):
    # The period's dates are whole days in UTC, as the activity is stored: a manager in Bishkek
    # reading "to 31 March" is told that March ends at 06:00 on 1 April on their clock.
    auth.login(make_user("manager", timezone=zone, language=language))
    for report in ("/reports/", "/reports/completion", "/reports/knowledge-gain"):
        assert note in client.get(report).get_data(as_text=True)


def test_filters_that_cannot_be_used_come_back_in_the_report_page_as_typed(app, database, make_user, auth, client):
    # A cohort typed but not picked, or a period backwards, gave a bare error page: no form, and
    # every filter chosen was lost on the way back.
    database.add(Cohort(name="Bishkek webinar"), Cohort(name="Bishkek classroom"))
    auth.login(make_user("manager"))
    response = client.get("/reports/completion?" + urlencode({"cohort": "Bish", "country": "KG", "role": "trainee",
                                                              "from": "2026-03-31", "to": "2026-03-01"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "none is called “Bish”" in page and "The period starts (2026-03-31) after it ends (2026-03-01)." in page
    assert '<h1>Completion</h1>' in page and 'aria-current="page">Completion</a>' in page
    assert 'name="cohort" value="Bish"' in page and '<option value="KG" selected>' in page
    assert 'name="from" value="2026-03-31"' in page and 'name="to" value="2026-03-01"' in page
    assert "Export XLSX" not in page  # nothing to export until the filters are mended


def test_tables_with_a_row_per_cohort_are_shown_a_page_at_a_time(programme, manager, monkeypatch):
    """A page shows a few cohorts (with the total on every page); the export holds them all."""
    monkeypatch.setitem(report_views.SHOWN_A_PAGE_AT_A_TIME, "by_cohort", ("cohort_page", 1))
    cohorts = one(programme, "SELECT count(*) FROM cohorts")[0]
    assert cohorts >= 2
    for path in ("/reports/completion", "/reports/attendance", "/reports/knowledge-gain"):
        exported = [line[0] for line in csv_rows(manager.get(f"{path}/export.csv?table=by_cohort"))[1:]
                    if line[0] != "Total"]
        shown = []
        for page in range(1, len(exported) + 1):
            html = manager.get(f"{path}?cohort_page={page}").get_data(as_text=True)
            rows = page_tables(manager, f"{path}?cohort_page={page}")["by_cohort"]
            shown += [row["Cohort"] for row in rows if row["Cohort"] != "Total"]
            assert len(shown) == page, (path, page)
            if page < len(exported):
                assert f"cohort_page={page + 1}" in html  # the next page is a link away
        assert shown == exported, path
    assert manager.get("/reports/completion?cohort_page=0").status_code == 400


def test_the_officer_list_streams_in_chunks_with_the_same_bytes(programme, manager, monkeypatch):
    """The officers' CSV is sent a chunk of officers at a time; chunks change nothing in the file,
    and the audit log records how many rows went out."""
    whole = csv_rows(manager.get("/reports/completion/export.csv?table=officers"))  # read to the end
    monkeypatch.setattr(report_service.common, "OFFICERS_PER_CHUNK", 7)
    response = manager.get("/reports/completion/export.csv?table=officers", buffered=False)
    assert response.is_streamed and response.headers["Cache-Control"] == "no-store"
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) > 3 and csv_rows_of(b"".join(chunks)) == whole
    with programme.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.completion.csv")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.detail["rows"] == len(whole) - 1 and event.detail["table"] == "officers"
        assert "complete" not in event.detail


def test_a_period_counts_what_happened_in_it(programme, manager):
    start, end = "2025-01-01", "2025-12-31"
    completed = one(programme, f"""
        SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
        WHERE {TRAINEE_SQL} AND e.completed_at >= :start AND e.completed_at < :after AND {NOT_REVOKED}""",
                    start=datetime(2025, 1, 1), after=datetime(2026, 1, 1))[0]
    figures = summary(manager, f"from={start}&to={end}")
    assert figures["Courses completed"] == str(completed)
    trend = page_tables(manager, f"/reports/?from={start}&to={end}")["trend"]
    assert [row["Month"] for row in trend] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert sum(int(row["Courses completed"]) for row in trend) == completed


def test_a_course_filter_counts_that_course_only(programme, manager):
    course_id, title = one(programme, "SELECT id, title FROM courses ORDER BY id")
    completed = one(programme, f"""SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id
                                   WHERE {TRAINEE_SQL} AND e.completed_at IS NOT NULL AND e.course_id = :course
                                     AND {NOT_REVOKED}""",
                    course=course_id)[0]
    figures = summary(manager, f"course={course_id}")
    assert figures["Courses completed"] == str(completed)
    assert figures["Scenario pass rate %"] == "—" and figures["Attendance rate %"] == "—"
    targets = page_tables(manager, f"/reports/completion?course={course_id}")["by_target"][:-1]
    assert [row["Course or scenario"] for row in targets] == [title]


def test_a_scenario_filter_counts_each_officer_once(programme, manager):
    scenario_id, officers, attempts = one(programme, f"""
        SELECT v.scenario_id, count(DISTINCT s.user_id), count(*) FROM scenario_attempts s
        JOIN scenario_versions v ON v.id = s.version_id JOIN users u ON u.id = s.user_id
        WHERE {TRAINEE_SQL} GROUP BY v.scenario_id ORDER BY count(*) - count(DISTINCT s.user_id) DESC""")
    assert attempts > officers  # some officers tried twice
    figures = summary(manager, f"scenario={scenario_id}")
    assert figures["Officers trained"] == str(officers)
    assert figures["Courses completed"] == "0"


@pytest.mark.parametrize("query, message", [
    ("from=2025-13-01", "is not a date for “from”"),
    ("to=yesterday", "is not a date for “to”"),
    ("from=2025-06-01&to=2025-01-01", "starts (2025-06-01) after it ends (2025-01-01)"),
    ("country=XX", "“XX” is not a valid country"),
    ("agency=abc", "none is called “abc”"),
    ("course=abc", "course “abc” is not an id number"),
    ("agency=999999", "There is no agency with id 999999"),
    ("cohort=999999", "There is no cohort with id 999999"),
    ("course=0", "There is no course with id 0"),
    ("gender=unknown", "“unknown” is not a valid gender"),
    ("role=boss", "“boss” is not a valid role"),
    ("page=0", "“0” is not a page number"),
])
def test_bad_filter_values_get_a_clear_400(programme, manager, query, message):
    response = manager.get(f"/reports/completion?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_unknown_export_table_or_format(programme, manager):
    response = manager.get("/reports/overview/export.csv?table=nope")
    assert response.status_code == 400 and "no table “nope”" in response.get_data(as_text=True)
    assert manager.get("/reports/overview/export.docx").status_code == 404
    assert manager.get("/reports/salaries/export.csv").status_code == 404


# -- who may read what ---------------------------------------------------------------------------------------

REPORT_PAGES = ["/reports/", "/reports/completion", "/reports/attendance", "/reports/knowledge-gain",
                "/reports/scenarios", "/reports/disaggregation", "/reports/overview/print", "/reports/exports/"]


def test_managers_and_admins_read_every_report(programme, manager):
    admin = logged_in(programme, ADMIN)
    for path in REPORT_PAGES:
        assert manager.get(path).status_code == 200, path
        assert admin.get(path).status_code == 200, path


@pytest.mark.parametrize("email", [TRAINEE, TRAINER])
def test_trainees_and_trainers_cannot_read_reports(programme, email):
    client = logged_in(programme, email)
    for path in REPORT_PAGES + ["/reports/completion/export.csv?table=officers"]:
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_log_in(programme):
    response = programme.test_client().get("/reports/completion")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/import", "/admin/agencies",
                                  "/admin/agencies/new", "/author/scenarios", "/author/courses"])
def test_a_manager_reaches_no_admin_or_authoring_page(programme, manager, path):
    assert manager.get(path).status_code in (403, 404)


def test_reports_change_nothing(programme, manager):
    for path in ("/reports/", "/reports/completion", "/reports/overview/export.csv"):
        assert manager.post(path).status_code in (400, 405)  # no form posts here (CSRF or method)
    counts = {model.__tablename__: model for model in (Enrolment, QuizAttempt, Cohort, Agency, Scenario)}
    before = {name: _count(programme, model) for name, model in counts.items()}
    for path in REPORT_PAGES:
        manager.get(path)
    assert {name: _count(programme, model) for name, model in counts.items()} == before


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_charts_are_server_side_svg_under_the_strict_policy(programme, manager):
    scenario_id = one(programme, """SELECT v.scenario_id FROM scenario_attempts s
                                    JOIN scenario_versions v ON v.id = s.version_id""")[0]
    response = manager.get(f"/reports/scenarios?scenario={scenario_id}")
    page = response.get_data(as_text=True)
    assert page.count("<svg") >= 4 and "style=" not in page
    # Charts need no script: the one script on the page suggests cohorts and agencies in the filters.
    assert re.findall(r"<script[^>]*>", page) == [
        re.search(r'<script src="/static/js/report-filters\.[0-9a-f]{12}\.js" defer>', page).group(0)]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.search(r'href="/static/css/reports\.[0-9a-f]{12}\.css"', page)


# -- seeding ------------------------------------------------------------------------------------------------------

def test_seeding_is_reproducible_and_the_command_refuses_a_used_seed(tmp_path):
    def digest(url):
        application = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        with application.app_context():
            db.create_all()
            result = application.test_cli_runner().invoke(args=["seed", "--officers", "12", "--seed", "5"])
            assert result.exit_code == 0 and "Seeded in" in result.output, result.output
            again = application.test_cli_runner().invoke(args=["seed", "--officers", "12", "--seed", "5"])
            assert again.exit_code != 0 and "already holds" in again.output
            found = db.session.execute(text("""
                SELECT u.email, u.gender, count(e.id), sum(CASE WHEN e.completed_at IS NULL THEN 0 ELSE 1 END)
                FROM users u LEFT JOIN enrolments e ON e.user_id = u.id GROUP BY u.email, u.gender ORDER BY u.email
            """)).all()
            officers = db.session.scalar(select(func.count()).select_from(User).where(User.role == "trainee"))
            db.engine.dispose()
        return officers, [tuple(row) for row in found]

    first = digest(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert first[0] == 12
    assert first == digest(f"sqlite:///{tmp_path / 'b.sqlite3'}")


# -- in the reader's language ----------------------------------------------------------------------------

def test_a_manager_reading_in_russian_gets_russian_exports(programme):
    """Headers, sheet names, the printable report and the PDF come out in the reader's language."""
    english, russian = logged_in(programme, MANAGER), logged_in(programme, MANAGER)
    assert russian.get("/reports/?lang=ru").status_code == 200  # stored on the account...
    try:
        english_sheets = xlsx_sheets(export_download(programme, english, "/reports/exports/completion.xlsx?lang=en"))
        russian_sheets = xlsx_sheets(export_download(programme, russian, "/reports/exports/completion.xlsx?lang=ru"))
        assert len(russian_sheets) == len(english_sheets)
        for (english_name, english_rows), (russian_name, russian_rows) in zip(english_sheets.items(), russian_sheets.items()):
            assert re.search("[а-яё]", russian_name, re.I) and russian_name != english_name
            assert len(russian_rows) == len(english_rows)  # the same figures...
            for english_header, russian_header in zip(english_rows[0], russian_rows[0]):  # ...under Russian headers
                assert re.search("[а-яё]", russian_header, re.I), (english_header, russian_header)
        header = csv_rows(russian.get("/reports/completion/export.csv?table=by_agency&lang=ru"))[0]
        assert all(re.search("[а-яё]", cell, re.I) for cell in header), header
        printed = russian.get("/reports/overview/print?lang=ru").get_data(as_text=True)
        assert '<html lang="ru"' in printed and "Completion" not in printed
        pdf = PdfReader(io.BytesIO(export_download(programme, russian, "/reports/exports/overview.pdf?lang=ru").data))
        text = " ".join(page.extract_text() for page in pdf.pages)
        assert len(re.findall("[а-яё]{4,}", text, re.I)) > 20 and "Officers" not in text
    finally:
        english.get("/reports/?lang=en")  # ...so give the module's other tests English back


def test_rebuilding_the_read_model_again_and_again_keeps_its_tables_their_size(programme):
    """`flask reports rebuild` replaces every row of the read model and the item marks. Vacuumed
    after each rebuild (PostgreSQL), the next one reuses the space; left to autovacuum, which some
    servers (this one included) run with it switched off, each rebuild added a copy that every
    report then read through."""
    if programme.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite rewrites in place: no dead rows")

    def rebuilt_sizes(times: int) -> tuple[int, int]:
        for _ in range(times):
            assert programme.test_cli_runner().invoke(args=["reports", "rebuild"]).exit_code == 0
        with programme.app_context():
            return tuple(db.session.execute(text(
                "SELECT pg_relation_size('progress_summary'), pg_relation_size('scenario_item_marks')")).one())

    settled = rebuilt_sizes(2)
    later = rebuilt_sizes(3)
    assert later[0] <= settled[0] and later[1] <= settled[1], (settled, later)
