"""Programme reports: overview, completion, attendance, knowledge gain, scenarios and donor
breakdowns, each with charts and CSV/XLSX exports; the overview also prints and as a PDF.
A CSV is sent at once (the officers' list streamed); a workbook or a PDF is built by a
background job (views/exports.py) from the builders here.

Managers and administrators read everything (a manager's scope is the whole programme: the
data model has no per-manager scope). Nothing here changes training data; every export is
written to the audit log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from flask import (Blueprint, Response, abort, current_app, jsonify, make_response, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..choices import COUNTRY_LABELS, GENDER_LABELS
from ..domain import reports as rules
from ..domain.numbers import whole_number
from ..domain.reports import Column
from ..exports import Table, csv_chunks, overview_pdf, to_csv
from ..extensions import db
from ..i18n import language_name
from ..item_tables import course_tables, scenario_table, statistics_notes
from ..models import Agency, AuditEvent, Cohort
from ..permissions import role_required
from ..services import item_analysis, reports
from ..services.reports import ReportFilters
from .errors import error_response

bp = Blueprint("reports", __name__, url_prefix="/reports")

STATUS_NAMES = {"not_started": _l("Not started"), "in_progress": _l("In progress"),
                "completed": _l("Completed, not passed"), "passed": _l("Passed")}
KIND_NAMES = {"course": _l("Course"), "scenario": _l("Scenario")}
GENDER_NAMES = {**GENDER_LABELS, "not_recorded": _l("Not recorded")}


@bp.before_request
@role_required("manager", "admin")
def require_reader():
    """Managers and administrators read every report; nobody changes anything here."""
    reports.prepare_reading(current_app.config.get("REPORTS_WORK_MEM"))


# -- request parsing ---------------------------------------------------------------------------

def filters_or_400() -> ReportFilters:
    """The filters in the URL, or a 400 page that says which value is wrong and why."""
    try:
        return reports.parse_filters(request.args)
    except reports.FilterError as error:
        message = _("These report filters cannot be used: %(problems)s", problems=" ".join(error.problems))
        abort(make_response(*error_response(400, message)))


def page_number(arg: str = "page") -> int:
    """The page asked for (1 when absent); a 400 page for anything else than a positive number."""
    raw = request.args.get(arg, "1")
    number = whole_number(raw)
    if not number:
        abort(make_response(*error_response(400, _("“%(page)s” is not a page number.", page=raw))))
    return number


# -- labels --------------------------------------------------------------------------------------

def country_name(code: str | None) -> str:
    return str(COUNTRY_LABELS.get(code, code)) if code else _("Not recorded")


def gender_name(code: str | None) -> str:
    return str(GENDER_NAMES.get(code, code))


def labelled(rows: list[dict]) -> list[dict]:
    """Rows with readable names beside their codes (countries, genders, statuses, kinds)."""
    # Translated once per table, not once per row: an export may hold 30 000 rows.
    countries = {code: str(label) for code, label in COUNTRY_LABELS.items()}
    genders = {code: str(label) for code, label in GENDER_NAMES.items()}
    statuses = {code: str(label) for code, label in STATUS_NAMES.items()}
    kinds = {code: str(label) for code, label in KIND_NAMES.items()}
    not_recorded, no_agency = _("Not recorded"), _("No agency")
    out = []
    for row in rows:
        row = dict(row)
        if "country" in row:
            row["country_name"] = countries.get(row["country"], row["country"]) if row["country"] else not_recorded
        if "gender" in row:
            row["gender_name"] = genders.get(row["gender"], row["gender"])
        if "agency" in row and row["agency"] is None and row.get("agency_id") is None:
            row["agency"] = no_agency
        if "status" in row:
            row["status_name"] = statuses.get(row["status"], row["status"])
        if "kind" in row:
            row["kind_name"] = kinds.get(row["kind"], row["kind"])
        if "language" in row:  # the language a course or scenario was taken in
            row["language_name"] = language_name(row["language"]) if row["language"] else not_recorded
        out.append(row)
    return out


def people(key: str, label) -> Column:
    return Column(key, label, "people")


# -- charts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chart:
    """A chart drawn beside a table: kind is bar, histogram or line; geometry from the domain."""

    title: str
    kind: str
    geometry: object
    table: str  # the key of the table it illustrates


def bars(title: str, table: str, items, unit: str = "", max_value: float | None = None) -> Chart:
    return Chart(title, "bar", rules.bar_chart(list(items), unit=unit, max_value=max_value), table)


def histogram(title: str, table: str, counts, edges, small: bool = False) -> Chart:
    # A small multiple gets a narrower drawing, so its text is still legible when scaled down.
    size = {"width": 360, "height": 150} if small else {}
    return Chart(title, "histogram", rules.histogram(list(counts), list(edges), **size), table)


def line(title: str, table: str, points, max_value: float | None = None) -> Chart:
    return Chart(title, "line", rules.line_chart(list(points), max_value=max_value), table)


# -- report builders ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportView:
    """What a report page shows and its exports write."""

    key: str
    title: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # headline tiles: label, value
    notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # drill-down links: label, url


PEOPLE_COLUMNS = (
    people("officers", _l("Officers")),
    people("trained", _l("Trained")),
    Column("trained_percent", _l("Share of all trained"), "percent", of="trained"),
    people("completers", _l("Completed a course")),
    Column("completers_percent", _l("Share of trained who completed a course"), "percent", of="completers"),
    people("certificates", _l("Certificates issued")),
    people("scenario_passers", _l("Passed a scenario")),
    Column("pass_percent", _l("Scenario pass rate %"), "percent", of="scenario_passers"),
)


def _with_total(rows: list[dict], total: dict, label_key: str) -> list[dict]:
    return rows + [{**total, label_key: _("Total"), "is_total": True}]


def people_tables(people_data: reports.Disaggregation, keys: tuple[str, ...]) -> list[Table]:
    """Donor breakdowns, each ending with its total row (the breakdown adds up to it)."""
    total = people_data.total
    specs = {
        "by_country": (_l("By country"), (Column("country_name", _l("Country")),), people_data.by_country,
                       "country_name"),
        "by_agency": (_l("By agency"), (Column("country_name", _l("Country")), Column("agency", _l("Agency"))),
                      people_data.by_agency, "agency"),
        "by_gender": (_l("By gender"), (Column("gender_name", _l("Gender")),), people_data.by_gender, "gender_name"),
        "by_agency_gender": (_l("By agency and gender"),
                             (Column("country_name", _l("Country")), Column("agency", _l("Agency")),
                              Column("gender_name", _l("Gender"))), people_data.by_agency_gender, "gender_name"),
    }
    tables = []
    for key in keys:
        title, first, rows, label_key = specs[key]
        tables.append(Table(key, str(title), first + PEOPLE_COLUMNS,
                            _with_total(labelled(rows), total, label_key), size_key="officers"))
    return tables


def overview_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Headline figures, breakdowns by country and gender, the monthly trend."""
    data = reports.overview(filters)
    total, gain, attendance, scenarios = data.people.total, data.gain, data.attendance, data.scenarios
    summary = [
        {"measure": _("Officers trained"), "value": data.officers_trained, "based_on": data.officers_trained},
        {"measure": _("Courses completed"), "value": data.courses_completed, "based_on": total["completers"]},
        {"measure": _("Certificates issued"), "value": data.certificates_issued, "based_on": total["certified"]},
        {"measure": _("Attendance rate %"), "value": attendance["rate"], "based_on": attendance["expected"]},
        {"measure": _("Mean gain, pre- to post-test (points)"), "value": gain["mean_gain"],
         "based_on": gain["officers"]},
        {"measure": _("Median gain (points)"), "value": gain["median_gain"], "based_on": gain["officers"]},
        {"measure": _("Officers who improved %"), "value": gain["improved_percent"], "based_on": gain["officers"]},
        {"measure": _("Scenario pass rate %"), "value": scenarios["pass_percent"], "based_on": scenarios["officers"]},
    ]
    tables = [
        Table("summary", _("Headline figures"), (Column("measure", _l("Measure")),
                                                 Column("value", _l("Value"), "score", of="based_on"),
                                                 people("based_on", _l("Based on (people or places)"))), summary),
        *people_tables(data.people, ("by_country", "by_gender")),
        Table("trend", _("Per month"), (Column("month", _l("Month")), people("completions", _l("Courses completed")),
                                        people("certificates", _l("Certificates issued")),
                                        people("scenario_passes", _l("Scenarios passed (first pass)"))), data.trend),
    ]
    charts = [
        bars(_("Officers trained by country"), "by_country",
             [(country_name(r["country"]), r["trained"]) for r in data.people.by_country]),
        bars(_("Officers trained by gender"), "by_gender",
             [(gender_name(r["gender"]), r["trained"]) for r in data.people.by_gender]),
        line(_("Courses completed per month"), "trend", [(r["month"], r["completions"]) for r in data.trend]),
    ]
    figures = [(row["measure"], rules.format_cell(row["value"], "score")) for row in summary]
    notes = [_("Officers trained: started a course or a scenario, or attended a session, in the period. "
               "Scenario pass rate: officers who passed among those with a final score.")]
    return ReportView("overview", _("Programme overview"), tables, charts, figures, notes)


STATUS_COLUMNS = (
    people("not_started", STATUS_NAMES["not_started"]), people("in_progress", STATUS_NAMES["in_progress"]),
    people("completed", STATUS_NAMES["completed"]), people("passed", STATUS_NAMES["passed"]),
    people("total", _l("Total")), Column("passed_percent", _l("Passed %"), "percent", of="passed"),
)


OFFICER_COLUMNS = (
    Column("full_name", _l("Officer")), Column("email", _l("Email")), Column("country_name", _l("Country")),
    Column("agency", _l("Agency")), Column("gender_name", _l("Gender")), Column("kind_name", _l("Kind")),
    Column("target", _l("Course or scenario")), Column("language_name", _l("Language taken")),
    Column("status_name", _l("Status")), Column("started_at", _l("Started"), "date"), Column("finished_at", _l("Passed on"), "date"),
    Column("pre", _l("Pre-test %"), "score"), Column("score", _l("Best post-test or scenario %"), "score"),
)


def completion_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Statuses per course or scenario, cohort and agency; the officers, a page at a time."""
    data = reports.completion(filters, page)
    pages = max(1, -(-data.officer_count // reports.common.OFFICERS_PER_PAGE))
    tables = [
        Table("by_target", _("By course or scenario"),
              (Column("kind_name", _l("Kind")), Column("target", _l("Course or scenario"))) + STATUS_COLUMNS,
              _with_total(labelled(data.by_target), data.total, "target"), size_key="total"),
        Table("by_cohort", _("By cohort (assigned work)"),
              (Column("cohort", _l("Cohort")), Column("start_date", _l("Starts"), "date")) + STATUS_COLUMNS,
              labelled(data.by_cohort), size_key="total"),
        Table("by_agency", _("By agency"),
              (Column("country_name", _l("Country")), Column("agency", _l("Agency"))) + STATUS_COLUMNS,
              _with_total(labelled(data.by_agency), data.total, "agency"), size_key="total"),
        Table("by_language", _("By language taken"), (Column("language_name", _l("Language taken")),) + STATUS_COLUMNS,
              _with_total(labelled(data.by_language), data.total, "language_name"), size_key="total",
              note=_("Each officer's course or scenario counts once, in the language of the version that took "
                     "them furthest.")),
        Table("officers", _("Officers (personal data)"), OFFICER_COLUMNS, labelled(data.officers), personal=True,
              note=_("Personal data: one row per officer and course or scenario. Exported as is, for programme "
                     "managers and administrators only; do not pass it on to donors."),
              meta={"page": page or 1, "pages": pages, "officers": data.officer_count}),
    ]
    total = data.total
    charts = [
        bars(_("All rows by status"), "by_target", [(str(STATUS_NAMES[s]), total[s]) for s in reports.STATUSES]),
        bars(_("Passed % by agency"), "by_agency",
             [(row["agency"] or _("No agency"), row["passed_percent"]) for row in data.by_agency], unit="%",
             max_value=100),
    ]
    notes = [_("Passed: the course's certificate was issued, or a scenario attempt passed. Completed, not passed: "
               "every lesson done but the post-test not yet passed, or a scenario submitted but failed or "
               "awaiting review. Statuses are as they stood at the end of the period; rows passed before the "
               "period began are left out.")]
    return ReportView("completion", _("Completion"), tables, charts, notes=notes)


ATTENDANCE_COLUMNS = (
    people("expected", _l("Places (members × sessions)")), people("attended", _l("Attended")),
    Column("rate", _l("Attendance %"), "percent", of="attended"), people("present", _l("Present")),
    people("late", _l("Late")), people("absent", _l("Absent")), people("excused", _l("Excused")),
    people("caught_up", _l("Excused, caught up")), people("unrecorded", _l("Not recorded")),
)


def attendance_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Attendance per cohort, per session and per month."""
    data = reports.attendance(filters, page)
    pages = max(1, -(-data.session_count // reports.common.PAGE_SIZE))
    tables = [
        Table("by_cohort", _("By cohort"), (Column("cohort", _l("Cohort")), Column("start_date", _l("Starts"), "date"),
                                            Column("sessions", _l("Sessions"), "number")) + ATTENDANCE_COLUMNS,
              _with_total(data.by_cohort, data.total, "cohort"), size_key="expected"),
        Table("sessions", _("By session"), (Column("starts_at", _l("Date"), "date"), Column("cohort", _l("Cohort")),
                                            Column("topic", _l("Topic"))) + ATTENDANCE_COLUMNS,
              data.sessions, size_key="expected", meta={"page": page or 1, "pages": pages}),
        Table("by_month", _("By month"), (Column("month", _l("Month")),) + ATTENDANCE_COLUMNS, data.by_month,
              size_key="expected"),
    ]
    statuses = ("present", "late", "excused", "absent", "unrecorded")
    names = {"present": _("Present"), "late": _("Late"), "excused": _("Excused"), "absent": _("Absent"),
             "unrecorded": _("Not recorded")}
    charts = [
        bars(_("Marks by status"), "by_cohort", [(names[s], data.total[s]) for s in statuses]),
        line(_("Attendance % per month"), "by_month", [(r["month"], r["rate"]) for r in data.by_month], max_value=100),
    ]
    notes = [_("Attended: present or late, or an excused absence that was caught up. Places count each cohort "
               "member once per session held in the period; a place without a mark counts as not attended.")]
    return ReportView("attendance", _("Attendance"), tables, charts, notes=notes)


GAIN_COLUMNS = (
    people("officers", _l("Officers with both tests")), Column("mean_pre", _l("Mean pre-test %"), "score"),
    Column("mean_post", _l("Mean post-test %"), "score"), Column("mean_gain", _l("Mean gain (points)"), "score"),
    Column("median_gain", _l("Median gain (points)"), "score"),
    Column("normalised_gain", _l("Normalised gain %"), "percent"), people("improved", _l("Improved")),
    Column("improved_percent", _l("Improved %"), "percent", of="improved"),
)
COMPETENCY_GAIN_COLUMNS = (
    Column("course", _l("Course")), Column("competency_text", _l("Competency (objective)")),
    people("officers", _l("Officers with both tests")), Column("mean_pre", _l("Mean pre-test %"), "score"),
    Column("mean_post", _l("Mean post-test %"), "score"), Column("mean_gain", _l("Mean gain (points)"), "score"),
    Column("normalised_gain", _l("Normalised gain %"), "percent"),
)


def gain_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Pre-test against post-test per course and per cohort, and the spread of gains."""
    data = reports.knowledge_gain(filters)
    edges = reports.GAIN_BINS
    distribution = [{"band": f"{edges[i]:g} to {edges[i + 1]:g}", "officers": count}
                    for i, count in enumerate(data.distribution)]
    tables = [
        Table("by_course", _("By course"), (Column("course", _l("Course")),) + GAIN_COLUMNS,
              _with_total(data.by_course, data.total, "course"), size_key="officers"),
        Table("by_cohort", _("By cohort"), (Column("cohort", _l("Cohort")), Column("start_date", _l("Starts"), "date"))
              + GAIN_COLUMNS, data.by_cohort, size_key="officers"),
        Table("by_competency", _("By competency"), COMPETENCY_GAIN_COLUMNS, data.by_competency, size_key="officers",
              note=_("Each officer's share of a competency's questions answered right in the pre-test and in the "
                     "best post-test, for officers whose two tests both asked about it.")),
        Table("distribution", _("Spread of gains"), (Column("band", _l("Gain (points)")),
                                                     people("officers", _l("Officers"))), distribution),
    ]
    charts = [
        bars(_("Mean gain by course (points)"), "by_course", [(r["course"], r["mean_gain"]) for r in data.by_course]),
        histogram(_("Officers by gain (points)"), "distribution", data.distribution, edges),
    ]
    notes = [_("Only officers who took both tests of a course count: their first pre-test against their best "
               "post-test submitted in the period. Improved: the post-test scored higher than the pre-test."),
             _("Normalised gain: the gain as a share of the room for improvement, (mean post-test − mean pre-test) "
               "/ (100 − mean pre-test), from the group's means. 100% means every point missing before the course "
               "was gained; a negative figure means the post-test was lower. When the mean pre-test is 100% there "
               "was nothing to gain and it is shown as “—”.")]
    return ReportView("knowledge-gain", _("Knowledge gain"), tables, charts, notes=notes)


def scenario_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Results per scenario; for a chosen scenario, each task's spread and what to reteach."""
    data = reports.scenario_analytics(filters)
    edges = reports.SCORE_BINS
    bands = [f"{edges[i]:g}–{edges[i + 1]:g}" for i in range(len(edges) - 1)]
    tables = [
        Table("by_scenario", _("By scenario"), (
            Column("scenario", _l("Scenario")), people("officers", _l("Officers")), people("attempts", _l("Attempts")),
            people("passed", _l("Passed")), people("failed", _l("Not passed")),
            people("awaiting_review", _l("Awaiting review")), Column("pass_percent", _l("Pass %"), "percent", of="passed"),
            Column("mean_total", _l("Mean total %"), "score"), Column("mean_case", _l("Mean case %"), "score"),
            Column("mean_safeguards", _l("Mean safeguards %"), "score")), data.by_scenario, size_key="officers"),
        Table("distribution", _("Attempts by total score"), (Column("band", _l("Total %")), people("attempts", _l("Attempts"))),
              [{"band": band, "attempts": count} for band, count in zip(bands, data.distribution)]),
    ]
    charts = [
        bars(_("Pass % by scenario"), "by_scenario", [(r["scenario"], r["pass_percent"]) for r in data.by_scenario],
             unit="%", max_value=100),
        histogram(_("Attempts by total score %"), "distribution", data.distribution, edges),
    ]
    notes, links = [], []
    if data.scenario is None:
        notes.append(_("Choose a scenario to see how each task's scores spread and which answers were most often "
                       "wrong."))
        links = [(row["scenario"], url_for("reports.scenarios", **{**filters.as_args(), "scenario": row["scenario_id"]}))
                 for row in data.by_scenario]
    else:
        tables.append(Table("tasks", _("Score spread per task"), (
            Column("task", _l("Task")), people("attempts", _l("Attempts scored")),
            Column("mean_score", _l("Mean score %"), "score", of="attempts"),
            *[people(f"bin{i}", band) for i, band in enumerate(bands)]), data.tasks, size_key="attempts"))
        tables.append(Table("items", _("Answers most often wrong"), (
            Column("task", _l("Task")), Column("item_id", _l("Item")), Column("label", _l("What (an example)")),
            people("attempts", _l("Attempts")), people("wrong", _l("Not fully right")),
            Column("wrong_percent", _l("Not fully right %"), "percent", of="wrong"),
            Column("mean_credit", _l("Mean credit %"), "score", of="attempts")), data.items, size_key="attempts"))
        charts += [histogram(str(task["task"]), "tasks", task["bins"], edges, small=True) for task in data.tasks]
        charts.append(bars(_("Not fully right % (what to reteach)"), "items",
                           [(f"{r['item_id']} · {r['task']}", r["wrong_percent"]) for r in data.items], unit="%",
                           max_value=100))
        notes.append(ngettext("Task and item analysis covers the latest %(num)d submitted attempt in the filters (at most "
                              "%(max)d); the tables above count every attempt. Tasks awaiting a trainer's review and the "
                              "written report's rubric are left out of it.",
                              "Task and item analysis covers the latest %(num)d submitted attempts in the filters (at most "
                              "%(max)d); the tables above count every attempt. Tasks awaiting a trainer's review and the "
                              "written report's rubric are left out of it.", data.analysed, max=reports.ANALYSIS_SAMPLE))
    return ReportView("scenarios", _("Scenario results"), tables, charts, notes=notes, links=links)


def disaggregation_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Counts and percentages by country, agency and gender, as donors ask for them."""
    data = reports.disaggregation(filters)
    tables = people_tables(data, ("by_country", "by_agency", "by_gender", "by_agency_gender"))
    charts = [
        bars(_("Officers trained by country"), "by_country",
             [(country_name(r["country"]), r["trained"]) for r in data.by_country]),
        bars(_("Officers trained by agency"), "by_agency", [(r["agency"] or _("No agency"), r["trained"])
                                                             for r in data.by_agency]),
        bars(_("Officers trained by gender"), "by_gender", [(gender_name(r["gender"]), r["trained"])
                                                             for r in data.by_gender]),
    ]
    notes = [_("Each breakdown adds up to its total row. Gender “not recorded” means the account has no gender; "
               "“prefer not to say” is the officer's own choice. In exports, groups of fewer than five people "
               "are shown as “<5”.")]
    return ReportView("disaggregation", _("By country, agency and gender"), tables, charts, notes=notes)


def items_report(filters: ReportFilters, page: int | None = None) -> ReportView:
    """Moodle's item statistics of the chosen course's tests and checks and the chosen scenario's
    auto-scored items; without a choice, links to choose one."""
    tables, notes, links = [], [], []
    if filters.course_id is None and filters.scenario_id is None:
        notes.append(_("Choose a course or a scenario to see the statistics of each of its questions or answer-key "
                       "items."))
        choices = reports.filter_choices(filters)
        links = ([(_("Course: %(title)s", title=title), url_for("reports.items", **{**filters.as_args(), "course": id}))
                  for id, title in choices.courses]
                 + [(_("Scenario: %(title)s", title=title),
                     url_for("reports.items", **{**filters.as_args(), "scenario": id})) for id, title in choices.scenarios])
        return ReportView("items", _("Item analysis"), tables, notes=notes, links=links)
    if filters.course_id is not None:
        tables += course_tables(item_analysis.course_items(filters))
    if filters.scenario_id is not None:
        test = item_analysis.scenario_items(filters)
        tables += [scenario_table(test)] if test else []
    if not tables:
        notes.append(_("No submitted attempts count in these filters."))
    notes += statistics_notes()
    return ReportView("items", _("Item analysis"), tables, notes=notes)


REPORTS: dict[str, tuple[str, Callable[..., ReportView]]] = {
    "overview": ("reports.overview", overview_report),
    "completion": ("reports.completion", completion_report),
    "attendance": ("reports.attendance", attendance_report),
    "knowledge-gain": ("reports.knowledge_gain", gain_report),
    "scenarios": ("reports.scenarios", scenario_report),
    "disaggregation": ("reports.disaggregation", disaggregation_report),
    "items": ("reports.items", items_report),
}
PAGED_TABLES = {"completion": "officers", "attendance": "sessions"}  # built a page at a time
# Tables built whole but shown a page at a time (they have a row per cohort): table key -> the
# URL argument with its page number, and rows per page.
SHOWN_A_PAGE_AT_A_TIME = {"by_cohort": ("cohort_page", 50)}
REPORT_TITLES = {"overview": _l("Overview"), "completion": _l("Completion"), "attendance": _l("Attendance"),
                 "knowledge-gain": _l("Knowledge gain"), "scenarios": _l("Scenarios"),
                 "disaggregation": _l("Country, agency, gender"), "items": _l("Item analysis")}


# -- pages ----------------------------------------------------------------------------------------

def render_report(key: str, paged: bool = False):
    try:
        filters = reports.parse_filters(request.args)
    except reports.FilterError as error:
        return filters_to_mend(key, error), 400
    view = REPORTS[key][1](filters, page_number() if paged else None)
    view = replace(view, tables=[shown_page(table) for table in view.tables])
    return render_template("reports/report.html", view=view, filters=filters,
                           choices=reports.filter_choices(filters), report_titles=REPORT_TITLES,
                           reports_index=REPORTS)


def filters_to_mend(key: str, error: reports.FilterError) -> str:
    """The report's page with its filter form as typed and what is wrong with it, and no figures:
    a manager mends one field instead of starting again from an error page."""
    filters = error.readable or ReportFilters()
    typed = {name: (request.args.get(name) or "").strip()[:200] for name in ("agency", "cohort")}
    choices = replace(reports.filter_choices(filters),  # a name typed and not found stays as typed
                      agency=reports.choice_label(Agency, filters.agency_id) or typed["agency"],
                      cohort=reports.choice_label(Cohort, filters.cohort_id) or typed["cohort"])
    return render_template("reports/report.html", view=ReportView(key, REPORT_TITLES[key], tables=[]),
                           filters=filters, choices=choices, problems=error.problems,
                           report_titles=REPORT_TITLES, reports_index=REPORTS)


def shown_page(table: Table) -> Table:
    """A table with a row per cohort cut to the page asked for (its total row kept on every page),
    so that a page stays the same size however many cohorts the programme has. Exports and the
    charts use the whole table."""
    if table.key not in SHOWN_A_PAGE_AT_A_TIME:
        return table
    arg, size = SHOWN_A_PAGE_AT_A_TIME[table.key]
    page = page_number(arg)
    rows = [row for row in table.rows if not row.get("is_total")]
    totals = [row for row in table.rows if row.get("is_total")]
    pages = max(1, -(-len(rows) // size))
    return replace(table, rows=rows[(page - 1) * size:page * size] + totals,
                   meta={**table.meta, "page": page, "pages": pages, "arg": arg, "rows": len(rows)})


@bp.get("/")
def overview():
    """Headline figures for a period and filter."""
    return render_report("overview")


@bp.get("/completion")
def completion():
    """Completion statuses; the per-officer list is paged."""
    return render_report("completion", paged=True)


@bp.get("/attendance")
def attendance():
    """Attendance per cohort, session and month."""
    return render_report("attendance", paged=True)


@bp.get("/knowledge-gain")
def knowledge_gain():
    """Pre-test against post-test."""
    return render_report("knowledge-gain")


@bp.get("/scenarios")
def scenarios():
    """Scenario results and what to reteach."""
    return render_report("scenarios")


@bp.get("/disaggregation")
def disaggregation():
    """Donor breakdowns by country, agency and gender."""
    return render_report("disaggregation")


@bp.get("/items")
def items():
    """Item analysis: which questions and answer-key items work, and which to reword or reteach."""
    return render_report("items")


@bp.get("/choices/cohorts")
def cohort_choices():
    """Cohorts whose name holds ?q=, for the cohort filter's suggestions (JSON)."""
    return choices_response(Cohort)


@bp.get("/choices/agencies")
def agency_choices():
    """Agencies whose name holds ?q=, for the agency filter's suggestions (JSON)."""
    return choices_response(Agency)


def choices_response(model) -> Response:
    text = (request.args.get("q") or "").strip()[:100]
    rows = reports.choice_rows(model, text) if text else []
    return jsonify({"options": [{"id": row_id, "name": name, "value": f"{name} (#{row_id})"}
                                for row_id, name in rows]})


# -- exports ---------------------------------------------------------------------------------------

def about_rows(view: ReportView, filters: ReportFilters, exporter) -> list[tuple[str, str]]:
    """What an exported workbook is: report, filters, who exported it and when, the rules."""
    described = ", ".join(f"{name}={value}" for name, value in filters.as_args().items()) or _("none (everything)")
    return [
        (_("Report"), view.title),
        (_("Filters"), described),
        (_("Exported by"), f"{exporter.full_name} <{exporter.login_name}>"),
        (_("Exported at (UTC)"), datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")),
        (_("Small groups"), _("In aggregate tables, counts of fewer than five people, and the figures computed "
                              "from them, are shown as “<5”.")),
        *[(_("Note"), note) for note in view.notes],
    ]


def download(body: bytes, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data must not linger in shared caches
    return response


@bp.get("/<report>/export.<fmt>")
def export(report: str, fmt: str):
    """One table of a report (?table=key) as CSV; logged in the audit log. Workbooks and PDFs
    are built by a background job (views/exports.py)."""
    if report not in REPORTS or fmt != "csv":
        abort(404)
    filters = filters_or_400()
    key = request.args.get("table") or ""
    if report == "completion" and key == "officers":
        return streamed_officers_csv(filters)
    # Every row of a paged table (sessions) is built only when it is exported.
    view = REPORTS[report][1](filters, None if PAGED_TABLES.get(report) == key else 1)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d")
    key = key or view.tables[0].key
    table = next((t for t in view.tables if t.key == key), None)
    if table is None:
        known = ", ".join(t.key for t in view.tables)
        abort(make_response(*error_response(400, _("This report has no table “%(key)s” (it has: %(known)s).",
                                                    key=key, known=known))))
    reports.record_export(current_user, f"export.{report}.csv", filters, len(table.rows), table=table.key,
                          personal=table.personal)
    db.session.commit()
    return download(to_csv(table), f"{report}-{table.key}-{stamp}.csv", "text/csv; charset=utf-8")


def streamed_officers_csv(filters: ReportFilters) -> Response:
    """The officers' rows of the completion report as CSV, sent as they are read: the first
    bytes leave at once and memory holds one chunk of officers, whatever the programme's size.

    The export is logged before the first byte, and the number of rows written once the last
    one is (or, should the download break off, how far it got)."""
    event = reports.record_export(current_user, "export.completion.csv", filters, None, table="officers",
                                  personal=True, streamed=True)
    db.session.commit()
    event_id = event.id
    table = Table("officers", _("Officers (personal data)"), OFFICER_COLUMNS, [], personal=True)

    def rows():
        written, complete = 0, False
        try:
            for chunk in reports.officer_row_chunks(filters):
                chunk = labelled(chunk)
                written += len(chunk)
                yield chunk
            complete = True
        finally:
            db.session.rollback()  # the officers' cursor is done with
            found = db.session.get(AuditEvent, event_id)
            found.detail = {**found.detail, "rows": written, **({} if complete else {"complete": False})}
            db.session.commit()

    response = Response(stream_with_context(csv_chunks(table, rows())), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="completion-officers-{datetime.now(timezone.utc):%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def published_figures(view: ReportView) -> list[tuple[str, str]]:
    """The headline figures as exported: small groups suppressed."""
    summary = next(t for t in view.tables if t.key == "summary")
    return [(row["measure"], rules.format_cell(row["value"], "score")) for row in summary.published()]


def published_charts(view: ReportView) -> list[Chart]:
    """The overview's charts drawn from the exported (suppressed) rows: a "<5" draws no bar."""
    rows = {t.key: [row for row in t.published() if not row.get("is_total")] for t in view.tables}

    def number(value):
        return value if isinstance(value, (int, float)) else None

    return [
        bars(_("Officers trained by country"), "by_country",
             [(row["country_name"], number(row["trained"])) for row in rows["by_country"]]),
        bars(_("Officers trained by gender"), "by_gender",
             [(row["gender_name"], number(row["trained"])) for row in rows["by_gender"]]),
        line(_("Courses completed per month"), "trend",
             [(row["month"], number(row["completions"])) for row in rows["trend"]]),
    ]


@bp.get("/overview/print")
def overview_print():
    """The overview as a printable page, small groups suppressed as in every export."""
    filters = filters_or_400()
    view = overview_report(filters)
    reports.record_export(current_user, "export.overview.print", filters, sum(len(t.rows) for t in view.tables))
    db.session.commit()
    return render_template("reports/print.html", view=view, filters=filters, about=about_rows(view, filters, current_user),
                           figures=published_figures(view), print_charts=published_charts(view),
                           tables=[t for t in view.tables if t.key != "summary"])


def overview_pdf_body(view: ReportView, filters: ReportFilters, exporter) -> bytes:
    """The overview as a PDF (A4), small groups suppressed (built by an export job)."""
    about = dict(about_rows(view, filters, exporter))
    subtitle = f"{_('Filters')}: {about[_('Filters')]} · {_('Exported by')} {about[_('Exported by')]}, " \
               f"{about[_('Exported at (UTC)')]} UTC"
    tables = [t for t in view.tables if t.key != "summary"]
    return overview_pdf(view.title, subtitle, published_figures(view), tables, about[_("Small groups")])
