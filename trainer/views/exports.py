"""Report workbooks (every report) and the overview's PDF, built by a background job.

"Export XLSX" on a report page posts here: the export is queued with the page's filters and
the reader's language, and the reader lands on the job's page, which shows its progress (the
page polls a small JSON answer; without JavaScript it reloads itself) and, once done, the
download link; a failed job shows why and can be queued again. Only the job's owner and
administrators see it; every download is written to the audit log, as every export is.

The job builds the same tables as the report page and writes them with small groups suppressed
as every export does; the officers' list of the completion report streams from the database a
chunk of officers at a time into openpyxl's write-only workbook, so a programme of 100 000
officers never sits in memory and no request waits for it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, send_file,
                   url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..exports import write_xlsx
from ..extensions import db
from ..forms import EmptyForm
from ..i18n import reader_language
from ..jobs import jobs
from ..models_exports import ExportJob
from ..permissions import role_required
from ..services import export_jobs, reports
from ..services.audit import record_audit
from ..services.export_jobs import Built, Progress
from .reports import REPORT_TITLES, REPORTS, about_rows, filters_or_400, labelled, overview_pdf_body, overview_report

bp = Blueprint("exports", __name__, url_prefix="/reports/exports")

FORMATS = {"xlsx": _l("XLSX"), "pdf": _l("PDF")}
PDF_REPORTS = ("overview",)  # the reports that also print as a PDF
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}
STATUS_NAMES = {"queued": _l("Waiting for the worker"), "running": _l("Being built"), "done": _l("Ready"),
                "failed": _l("Failed")}
# Tables whose rows stream from the database into the workbook instead of being built whole.
STREAMED_TABLES = {"completion": "officers"}
# Share of the progress bar for the work before the streamed rows (the report's aggregate
# tables) and for the rows themselves; the rest is saving the workbook.
BEFORE_ROWS, FOR_ROWS = 10, 85


@bp.before_request
@role_required("manager", "admin")
def require_reader():
    """Exports are for the people who read reports."""


def visible_or_404(job_id: int) -> ExportJob:
    """The job, if it is this reader's own (or the reader is an administrator); 404 otherwise, so
    another manager cannot tell whose exports exist."""
    job = export_jobs.visible_job(job_id, current_user)
    if job is None:
        abort(404)
    return job


def enqueue(job_id: int) -> None:
    jobs.enqueue("reports.export", job_id)


# -- pages ----------------------------------------------------------------------------------------

@bp.post("/<report>.<fmt>")
def start(report: str, fmt: str):
    """Queue an export of a report with the filters in the URL, and show its page."""
    if report not in REPORTS or fmt not in FORMATS or (fmt == "pdf" and report not in PDF_REPORTS):
        abort(404)
    filters = filters_or_400()
    job = export_jobs.new_export(current_user, report, fmt, filters.as_args(), reader_language())
    db.session.commit()
    enqueue(job.id)
    return redirect(url_for(".job", job_id=job.id))


@bp.get("/")
def index():
    """My exports: the latest ones, each with its state and, when ready, its download."""
    return render_template("reports/exports.html", jobs=export_jobs.recent_jobs(current_user), **labels())


@bp.get("/<int:job_id>")
def job(job_id: int):
    """One export: its progress while it is built, then the download link, or why it failed."""
    return render_template("reports/export_job.html", job=visible_or_404(job_id), form=EmptyForm(), **labels())


@bp.get("/<int:job_id>/progress")
def progress(job_id: int):
    """How far the export got (the job page polls this)."""
    job = visible_or_404(job_id)
    return jsonify({"status": job.status, "status_name": str(STATUS_NAMES[job.status]), "progress": job.progress,
                    "rows": job.rows,
                    "download": url_for(".download", job_id=job.id) if job.status == "done" else None})


@bp.get("/<int:job_id>/download")
def download(job_id: int):
    """The finished file; each download is written to the audit log."""
    job = visible_or_404(job_id)
    path = export_jobs.file_path(job)
    if job.status != "done" or not path.is_file():
        abort(404)
    record_audit(f"export.{job.report}.{job.format}", current_user, filters=job.filters, rows=job.rows,
                 job=job.id, **job.detail)
    db.session.commit()
    response = send_file(path, mimetype=MIMETYPES[job.format], as_attachment=True, download_name=job.file_name)
    response.headers["Cache-Control"] = "no-store"  # personal data must not linger in shared caches
    return response


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    """Queue a failed export again, with the filters it was asked for."""
    job = visible_or_404(job_id)
    if job.status != "failed":
        flash(_("Only a failed export can be tried again."), "info")
        return redirect(url_for(".job", job_id=job.id))
    export_jobs.queue_again(job)
    db.session.commit()
    enqueue(job.id)
    return redirect(url_for(".job", job_id=job.id))


def labels() -> dict:
    return {"status_names": STATUS_NAMES, "report_titles": REPORT_TITLES, "format_names": FORMATS}


# -- the job ----------------------------------------------------------------------------------------

@jobs.task("reports.export")
def build_export(job_id: int) -> None:
    """Build an export job's file in the language its owner read the report in."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        return
    writer, language = WRITERS[job.format], job.language
    base_url = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost/"
    # A request context for the report builders' links (url_for); force_locale acts only once
    # `g` holds something, so the job's id goes there first.
    with current_app.test_request_context(base_url=base_url):
        g.export_job_id = job_id
        with force_locale(language):
            export_jobs.run(job_id, writer)


def write_workbook(job: ExportJob, path: Path, progress: Progress) -> Built:
    """Every table of the report as a sheet; the completion report's officers streamed."""
    filters = reports.parse_filters(job.filters)
    reports.prepare_reading(current_app.config.get("REPORTS_WORK_MEM"))
    streamed = STREAMED_TABLES.get(job.report)
    # A streamed table is built a page at a time on the report page: page 1 here, the rest streams.
    view = REPORTS[job.report][1](filters, 1 if streamed else None)
    progress(BEFORE_ROWS, force=True)
    sheets = [(table, streamed_officer_rows(filters, table.meta.get("officers", 0), progress)
               if table.key == streamed else [table.rows]) for table in view.tables]
    rows = write_xlsx(path, sheets, about_rows(view, filters, job.owner), _("About this export"))
    return Built(rows, f"{job.report}-{stamp()}.xlsx",
                 {"tables": [t.key for t in view.tables], "personal": any(t.personal for t in view.tables)})


def streamed_officer_rows(filters, officers: int, progress: Progress):
    """The completion report's officer rows, a chunk of officers at a time, labelled as on the
    page; the progress bar moves with the officers written (those without a row are skipped
    unseen, so the bar may jump at the end)."""
    seen = written = 0
    for chunk in reports.officer_row_chunks(filters):
        chunk = labelled(chunk)
        seen += len({row["user_id"] for row in chunk})
        written += len(chunk)
        progress(BEFORE_ROWS + FOR_ROWS * seen / max(officers, 1), rows=written)
        yield chunk


def write_pdf(job: ExportJob, path: Path, progress: Progress) -> Built:
    """The overview on A4, small groups suppressed."""
    filters = reports.parse_filters(job.filters)
    reports.prepare_reading(current_app.config.get("REPORTS_WORK_MEM"))
    view = overview_report(filters)
    progress(50, force=True)
    path.write_bytes(overview_pdf_body(view, filters, job.owner))
    return Built(sum(len(t.rows) for t in view.tables), f"{job.report}-{stamp()}.pdf", {})


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d")


WRITERS = {"xlsx": write_workbook, "pdf": write_pdf}


@jobs.periodic("reports.export_requeue", minute="*/10")
def requeue_stranded_exports() -> None:
    """Every ten minutes: exports still waiting long after they were asked for (the queue could
    not be reached then, or lost them) are queued again; one already built is left alone."""
    for job_id in export_jobs.stranded_job_ids():
        enqueue(job_id)


@jobs.periodic("reports.export_cleanup", minute="23")
def clean_up_exports() -> None:
    """Every hour: exports older than EXPORT_KEEP_DAYS go, with their files; one whose worker
    stopped mid-way is marked failed, so it can be tried again."""
    export_jobs.fail_abandoned()
    export_jobs.delete_expired(current_app.config["EXPORT_KEEP_DAYS"])
