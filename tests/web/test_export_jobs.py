"""Report workbooks and the overview PDF are built by a background job: the button queues it,
the job's page shows its progress, the worker writes the file (the officers' rows streamed a
chunk at a time), and the owner downloads it, audited. A failed job shows why, leaves no file
and can be tried again; nobody else's manager reaches it."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import BACKENDS, PASSWORD, csrf_token, logged_in, make_config, own_database
from exported import start_export
from trainer import create_app
from trainer.extensions import db
from trainer.jobs import run_queued_jobs
from trainer.models import Agency, AuditEvent, User, utcnow
from trainer.models_exports import ExportJob
from trainer.seed import analyse_tables, seed_programme
from trainer.services import create_user, export_jobs
from trainer.services import reports as report_service

OFFICERS, SEED = 24, 11
MANAGER, OTHER_MANAGER, ADMIN, TRAINEE = ("manager@exports.test", "other@exports.test", "admin@exports.test",
                                          "trainee@exports.test")


@pytest.fixture(scope="module", params=BACKENDS)
def programme(request, tmp_path_factory):
    """A seeded programme of 24 officers on its own database, its export files in a folder of its own."""
    with own_database(request.param, tmp_path_factory.mktemp('exports'), 'exports') as url:
        app = create_app(make_config(SQLALCHEMY_DATABASE_URI=url,
                                     JOBS_FILES_DIR=str(tmp_path_factory.mktemp("export-files"))))
        with app.app_context():
            db.create_all()
            seed_programme(OFFICERS, SEED)
            for email, role in ((MANAGER, "manager"), (OTHER_MANAGER, "manager"), (ADMIN, "admin"),
                                (TRAINEE, "trainee")):
                create_user(email, role.title(), PASSWORD, role=role)
            db.session.add(Agency(name="Agency without officers", country="TJ"))
            db.session.commit()
            analyse_tables()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()



@pytest.fixture(scope="module")
def manager(programme):
    return logged_in(programme, MANAGER)


def job_row(app, job_id: int) -> ExportJob:
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        db.session.expunge(job)
        return job


def files(app) -> set[str]:
    with app.app_context():
        return {path.name for path in export_jobs.files_dir().iterdir()}


def workbook(response) -> dict[str, list[tuple]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def csv_lines(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def cells(lines) -> list[list]:
    """Rows of a sheet or a CSV file in one form: numbers as numbers (a workbook keeps 75.0 as 75),
    dates as YYYY-MM-DD, nothing as ""."""
    def one(value):
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return value.isoformat()[:10]
        try:
            return round(float(value), 1)
        except ValueError:
            return value
    return [[one(value) for value in line] for line in lines]


def test_the_xlsx_button_queues_a_job_whose_workbook_holds_the_reports_rows(programme, manager, monkeypatch):
    monkeypatch.setattr(report_service.common, "OFFICERS_PER_CHUNK", 5)  # several chunks of officers
    job_id = start_export(manager, "/reports/exports/completion.xlsx?country=KG")
    page = manager.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "Waiting for the worker" in page and "<progress" in page and 'http-equiv="refresh"' in page
    assert manager.get(f"/reports/exports/{job_id}/progress").get_json() == {
        "status": "queued", "status_name": "Waiting for the worker", "progress": 0, "rows": 0, "download": None}
    assert manager.get(f"/reports/exports/{job_id}/download").status_code == 404  # nothing to download yet

    assert run_queued_jobs(programme) == 1
    state = manager.get(f"/reports/exports/{job_id}/progress").get_json()
    assert state["status"] == "done" and state["progress"] == 100
    assert state["download"] == f"/reports/exports/{job_id}/download"
    page = manager.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert f'href="/reports/exports/{job_id}/download"' in page and "<progress" not in page
    assert "refresh" not in page

    sheets = workbook(manager.get(state["download"]))
    assert list(sheets) == ["About this export", "By course or scenario", "By cohort (assigned work)", "By agency",
                            "By language taken", "Officers (personal data)"]
    about = dict(sheets["About this export"])
    assert about["Filters"] == "country=KG" and about["Exported by"].startswith("Manager <manager@exports.test>")
    # The officers' sheet holds exactly the rows of the officers' CSV (streamed by the same code
    # path as the page's list), in the same order; the aggregate sheets those of their CSVs, small
    # groups suppressed the same way.
    officers = csv_lines(manager.get("/reports/completion/export.csv?table=officers&country=KG"))
    assert len(officers) > 10
    assert cells(sheets["Officers (personal data)"]) == cells(officers)
    by_agency = csv_lines(manager.get("/reports/completion/export.csv?table=by_agency&country=KG"))
    assert cells(sheets["By agency"]) == cells(by_agency)
    assert job_row(programme, job_id).rows == sum(len(lines) - 1 for lines in sheets.values() if lines
                                                  and lines is not sheets["About this export"])
    with programme.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.completion.xlsx")
                                   .order_by(AuditEvent.id.desc())).first()
        manager_id = db.session.scalar(select(User.id).where(User.email == MANAGER))
    assert event.user_id == manager_id and event.detail["filters"] == {"country": "KG"}
    assert event.detail["job"] == job_id and event.detail["personal"] is True
    assert "officers" in event.detail["tables"] and event.detail["rows"] > 0
    assert files(programme) >= {f"export-{job_id}.xlsx"} and not any(name.endswith(".part")
                                                                       for name in files(programme))
    listing = manager.get("/reports/exports/").get_data(as_text=True)
    assert f"/reports/exports/{job_id}/download" in listing and "Completion" in listing


def test_an_export_of_an_empty_selection_is_a_workbook_of_headers(programme, manager):
    with programme.app_context():
        agency_id = db.session.scalar(select(Agency.id).where(Agency.name == "Agency without officers"))
    job_id = start_export(manager, f"/reports/exports/completion.xlsx?agency={agency_id}")
    run_queued_jobs(programme)
    sheets = workbook(manager.get(f"/reports/exports/{job_id}/download"))
    assert sheets["Officers (personal data)"][0][:2] == ("Officer", "Email")
    assert len(sheets["Officers (personal data)"]) == 1  # headers only
    assert len(sheets["By cohort (assigned work)"]) == 1


def test_the_overview_pdf_is_built_by_a_job_in_the_readers_language(programme):
    russian = logged_in(programme, MANAGER)
    try:
        assert russian.get("/reports/?lang=ru").status_code == 200
        job_id = start_export(russian, "/reports/exports/overview.pdf?country=KG")
        run_queued_jobs(programme)
        response = russian.get(f"/reports/exports/{job_id}/download")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        assert len(re.findall("[а-яё]{4,}", text, re.I)) > 20 and "Officers" not in text
        job_id = start_export(russian, "/reports/exports/disaggregation.xlsx")
        run_queued_jobs(programme)
        sheets = workbook(russian.get(f"/reports/exports/{job_id}/download"))
        assert all(re.search("[а-яё]", name, re.I) for name in sheets)
    finally:
        russian.get("/reports/?lang=en")  # the account's language back for the module's other tests
    assert manager_post_status(programme, "/reports/exports/completion.pdf") == 404  # only the overview prints


def manager_post_status(app, path: str) -> int:
    client = logged_in(app, MANAGER)
    return client.post(path, data={"csrf_token": csrf_token(client, "/reports/")}).status_code


def test_a_failed_job_shows_why_keeps_no_file_and_can_be_tried_again(programme, manager, monkeypatch):
    monkeypatch.setattr(report_service.common, "OFFICERS_PER_CHUNK", 5)
    real_chunks = report_service.officer_row_chunks

    def chunks_then_failure(filters, size=None):
        chunks = real_chunks(filters, size)
        yield next(chunks)  # some rows are written into the workbook first...
        raise RuntimeError("the database went away")

    monkeypatch.setattr(report_service, "officer_row_chunks", chunks_then_failure)
    before = files(programme)
    job_id = start_export(manager, "/reports/exports/completion.xlsx")
    run_queued_jobs(programme)
    assert manager.get(f"/reports/exports/{job_id}/progress").get_json()["status"] == "failed"
    page = manager.get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert "The export could not be built" in page and "Try again" in page
    assert "the database went away" not in page and f"the number of this export: {job_id}" in page
    assert "the database went away" in logged_in(programme, ADMIN).get(f"/reports/exports/{job_id}").get_data(as_text=True)
    assert manager.get(f"/reports/exports/{job_id}/download").status_code == 404
    assert files(programme) == before  # neither the file nor its part was left behind

    monkeypatch.setattr(report_service, "officer_row_chunks", real_chunks)
    assert manager.post(f"/reports/exports/{job_id}/retry").status_code == 400  # CSRF: no token, no retry
    response = manager.post(f"/reports/exports/{job_id}/retry",
                            data={"csrf_token": csrf_token(manager, f"/reports/exports/{job_id}")})
    assert response.status_code == 302 and response.headers["Location"] == f"/reports/exports/{job_id}"
    assert job_row(programme, job_id).status == "queued" and job_row(programme, job_id).error is None
    run_queued_jobs(programme)
    assert job_row(programme, job_id).status == "done"
    sheets = workbook(manager.get(f"/reports/exports/{job_id}/download"))
    assert len(sheets["Officers (personal data)"]) > 10


def test_only_the_owner_and_administrators_reach_a_job(programme, manager):
    job_id = start_export(manager, "/reports/exports/overview.xlsx")
    run_queued_jobs(programme)
    paths = [f"/reports/exports/{job_id}", f"/reports/exports/{job_id}/progress",
             f"/reports/exports/{job_id}/download"]
    other, admin, trainee = (logged_in(programme, email) for email in (OTHER_MANAGER, ADMIN, TRAINEE))
    for path in paths:
        assert other.get(path).status_code == 404, path  # another manager cannot tell it exists
        assert trainee.get(path).status_code == 403, path
        assert admin.get(path).status_code == 200, path
    assert other.post(f"/reports/exports/{job_id}/retry",
                      data={"csrf_token": csrf_token(other, "/reports/")}).status_code == 404
    assert f"/reports/exports/{job_id}" not in other.get("/reports/exports/").get_data(as_text=True)
    assert trainee.post("/reports/exports/overview.xlsx",
                        data={"csrf_token": csrf_token(trainee, "/")}).status_code == 403


def test_the_hourly_job_deletes_old_exports_and_fails_those_whose_worker_stopped(programme, manager):
    job_id = start_export(manager, "/reports/exports/overview.xlsx")
    stuck_id = start_export(manager, "/reports/exports/overview.xlsx")
    run_queued_jobs(programme)
    assert f"export-{job_id}.xlsx" in files(programme)
    with programme.app_context():
        job, stuck = db.session.get(ExportJob, job_id), db.session.get(ExportJob, stuck_id)
        job.created_at = utcnow() - timedelta(days=4)
        stuck.status, stuck.started_at = "running", utcnow() - timedelta(hours=4)  # its worker was restarted
        db.session.commit()
    programme.extensions["job_tasks"]["reports.export_cleanup"].call_local()  # what the worker runs hourly
    assert job_row(programme, stuck_id).status == "failed"
    assert "Try again" in manager.get(f"/reports/exports/{stuck_id}").get_data(as_text=True)
    with programme.app_context():
        assert db.session.get(ExportJob, job_id) is None
    assert f"export-{job_id}.xlsx" not in files(programme)
    assert manager.get(f"/reports/exports/{job_id}").status_code == 404
