"""The report filters: read from a URL (every bad value named), and what the filter form offers
(cohorts and agencies typed and searched, a few at a time)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...domain.courses import LANGUAGES
from ...domain.numbers import FIRST_YEAR, LAST_YEAR, usable_day, whole_number
from ...domain.people import COUNTRIES, ROLES
from ...extensions import db
from ...models import Agency, Cohort, Course, Scenario
from .common import GENDER_FILTERS, _dialect, target_titles


class FilterError(ValueError):
    """The report filters in a URL are not valid; `problems` says what, one line each, and
    `readable` holds the filters as far as they could be read (a bad value left out), for the
    form to be shown again."""

    def __init__(self, problems: list[str], readable: ReportFilters | None = None):
        super().__init__("; ".join(problems))
        self.problems, self.readable = problems, readable


@dataclass(frozen=True)
class ReportFilters:
    """What a report counts: a period (inclusive dates) and who and what to count."""

    start: date | None = None
    end: date | None = None
    country: str | None = None
    agency_id: int | None = None
    cohort_id: int | None = None
    course_id: int | None = None
    scenario_id: int | None = None
    gender: str | None = None
    role: str = "trainee"
    language: str | None = None  # the language a course or scenario was taken in

    ARG_NAMES = {"start": "from", "end": "to", "agency_id": "agency", "cohort_id": "cohort",
                 "course_id": "course", "scenario_id": "scenario"}

    @property
    def starts_at(self) -> datetime | None:
        """The first moment of the period (UTC, as stored)."""
        return datetime.combine(self.start, time.min) if self.start else None

    @property
    def ends_before(self) -> datetime | None:
        """The first moment after the period: the end date counts whole."""
        return datetime.combine(self.end + timedelta(days=1), time.min) if self.end else None

    @property
    def counts_courses(self) -> bool:
        """Course figures count unless only a scenario was chosen."""
        return self.course_id is not None or self.scenario_id is None

    @property
    def counts_scenarios(self) -> bool:
        """Scenario figures count unless only a course was chosen."""
        return self.scenario_id is not None or self.course_id is None

    @property
    def counts_sessions(self) -> bool:
        """Sessions belong to no course, scenario or language: counted when none is chosen."""
        return self.course_id is None and self.scenario_id is None and self.language is None

    def as_args(self) -> dict[str, str]:
        """The filters as URL arguments, defaults left out (for links, exports and the audit log)."""
        args = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and value != item.default:
                args[self.ARG_NAMES.get(item.name, item.name)] = value.isoformat() if isinstance(value, date) else str(value)
        return args


def parse_filters(args: Mapping[str, str]) -> ReportFilters:
    """Read filters from URL arguments; raises FilterError naming every bad value."""
    problems: list[str] = []

    def text(name: str) -> str:
        return (args.get(name) or "").strip()

    def day(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            problems.append(_("“%(value)s” is not a date for “%(name)s”: write it as YYYY-MM-DD.", value=value, name=name))
            return None
        if not usable_day(day):
            problems.append(_("The date “%(value)s” for “%(name)s” is not between %(first)s and %(last)s.",
                              value=value, name=name, first=FIRST_YEAR, last=LAST_YEAR))
            return None
        return day

    def row_id(name: str, model, what: str, by_name: bool = False) -> int | None:
        value = text(name)
        if not value:
            return None
        chosen = CHOSEN.search(value) if by_name else None
        if chosen:  # "Name (#12)", as the type-to-search field offers it
            value = chosen.group(1)
        elif by_name and not (value.isascii() and value.isdigit()):
            return named_id(model, value, what)
        if not (value.isascii() and value.isdigit()):
            problems.append(_("The %(what)s “%(value)s” is not an id number.", value=value, what=what))
            return None
        number = whole_number(value)
        if number is None or db.session.get(model, number) is None:
            problems.append(_("There is no %(what)s with id %(value)s.", what=what, value=value))
            return None
        return number

    def named_id(model, value: str, what: str) -> int | None:
        found = [row_id for row_id, _name in choice_rows(model, value, 2, exact=True)]
        if len(found) == 1:
            return found[0]
        if found:
            problems.append(_("Filter “%(what)s”: more than one is called “%(value)s”; choose one from the list.",
                              what=what, value=value))
        else:
            problems.append(_("Filter “%(what)s”: none is called “%(value)s”; choose one from the list or write "
                              "its number.", what=what, value=value))
        return None

    def code(name: str, allowed: Sequence[str], upper: bool = False) -> str | None:
        value = text(name)
        value = value.upper() if upper else value.lower()
        if value and value not in allowed:
            problems.append(_("“%(value)s” is not a valid %(name)s (expected one of: %(allowed)s).",
                              value=value, name=name, allowed=", ".join(allowed)))
            return None
        return value or None

    filters = ReportFilters(
        start=day("from"), end=day("to"), country=code("country", COUNTRIES, upper=True),
        agency_id=row_id("agency", Agency, _("agency"), by_name=True),
        cohort_id=row_id("cohort", Cohort, _("cohort"), by_name=True),
        course_id=row_id("course", Course, _("course")), scenario_id=row_id("scenario", Scenario, _("scenario")),
        gender=code("gender", GENDER_FILTERS), role=code("role", ROLES) or "trainee",
        language=code("language", content_languages()),
    )
    if filters.start and filters.end and filters.start > filters.end:
        problems.append(_("The period starts (%(start)s) after it ends (%(end)s).",
                          start=filters.start.isoformat(), end=filters.end.isoformat()))
    if problems:
        raise FilterError(problems, filters)
    return filters


def content_languages() -> tuple[str, ...]:
    """Languages a course or scenario can be taken in: the content format's and any stored."""
    stored = set(db.session.scalars(select(Course.language).distinct()))
    stored |= set(db.session.scalars(select(Scenario.language).distinct()))
    return tuple(sorted(set(LANGUAGES) | {code for code in stored if code}))


# A choice as the type-to-search fields write it: "Bishkek webinar, 25–26 November (#12)".
CHOSEN = re.compile(r"\(#(\d+)\)\s*$")
CHOICES_SHOWN = 20  # suggestions a type-to-search field offers at a time


def choice_label(model, row_id: int | None) -> str:
    """A cohort or agency as its type-to-search field shows it, "Name (#id)"; "" for none."""
    if row_id is None:
        return ""
    found = db.session.get(model, row_id)
    return f"{_choice_name(model, found)} (#{row_id})" if found else ""


def _choice_name(model, row) -> str:
    return f"{row.name} · {row.country}" if model is Agency else row.name


def choice_rows(model, text: str, limit: int = CHOICES_SHOWN, exact: bool = False) -> list[tuple[int, str]]:
    """(id, name) of cohorts or agencies whose name contains `text` (or is it, with `exact`),
    whatever the case of its letters; cohorts newest first, agencies by country and name.
    Every cohort of the programme stays out of the page: the field asks for a few at a time."""
    name = model.name
    order = (Cohort.start_date.desc(), Cohort.name, Cohort.id) if model is Cohort else (Agency.country, Agency.name)
    query = select(model).order_by(*order)
    wanted = text.strip().lower()
    if _dialect() == "postgresql":  # lower() knows every alphabet there; SQLite's only ASCII
        pattern = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = func.lower(name) == wanted if exact else func.lower(name).like(f"%{pattern}%", escape="\\")
        rows = db.session.scalars(query.where(condition).limit(limit))
    else:
        rows = (row for row in db.session.scalars(query.execution_options(yield_per=500))
                if (row.name.lower() == wanted if exact else wanted in row.name.lower()))
    found = []
    for row in rows:
        found.append((row.id, _choice_name(model, row)))
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers: cohorts and agencies are typed and searched (see choice_rows);
    what is chosen is shown as its field's text."""

    courses: list[tuple[int, str]]  # one per work: its first id, its title in the reader's language
    scenarios: list[tuple[int, str]]
    languages: tuple[str, ...] = ()
    agency: str = ""  # the chosen agency as "Name · country (#id)"
    cohort: str = ""


def filter_choices(filters: ReportFilters | None = None) -> FilterChoices:
    """Works (courses and scenarios) and languages to pick from, and the chosen agency and cohort."""
    titles = target_titles()
    works = lambda kind: sorted(((target, title) for (k, target), title in titles.items() if k == kind),
                                key=lambda pair: pair[1])
    return FilterChoices(
        courses=works("course"), scenarios=works("scenario"), languages=content_languages(),
        agency=choice_label(Agency, filters.agency_id) if filters else "",
        cohort=choice_label(Cohort, filters.cohort_id) if filters else "",
    )
