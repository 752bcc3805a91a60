"""Old exports are deleted with their files, but never one that is being built, and an export
tried again keeps its file as long as a new one."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import database_url_for, post_form
from trainer.extensions import db
from trainer.models import utcnow
from trainer.models_exports import ExportJob
from trainer.services import export_jobs
from trainer.views.exports import requeue_stranded_exports

KEEP_DAYS = 3


@pytest.fixture
def app_config(request, backend, tmp_path):
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "JOBS_FILES_DIR": str(tmp_path / "files")}


def test_the_clean_up_spares_jobs_being_built_and_tried_again(app, database, make_user):
    owner = make_user("manager")
    four_days_ago = utcnow() - timedelta(days=4)
    old, building, failed = database.add(*(
        ExportJob(owner_id=owner.id, report="overview", format="xlsx", filters={}, language="en", status=status,
                  created_at=four_days_ago, started_at=started)
        for status, started in (("done", four_days_ago), ("running", utcnow()), ("failed", four_days_ago))))
    with app.app_context():
        for job in (old, building):
            (export_jobs.files_dir() / job.stored_name).write_bytes(b"workbook")
        export_jobs.queue_again(db.session.get(ExportJob, failed.id))  # Try again, on the third day
        db.session.commit()
        assert export_jobs.delete_expired(KEEP_DAYS) == 1
        folder = export_jobs.files_dir()
        assert not (folder / old.stored_name).exists() and (folder / building.stored_name).exists()
    assert database.get(ExportJob, old.id) is None
    assert database.get(ExportJob, building.id).status == "running"  # its worker puts its file in place
    assert database.get(ExportJob, failed.id).status == "queued"


def test_an_export_asked_for_while_the_queue_is_down_is_queued_again_and_built_once(
        app, client, auth, make_user, database, run_jobs, monkeypatch):
    auth.login(make_user("manager"))
    storage = app.extensions["jobs"].storage
    with monkeypatch.context() as down:
        down.setattr(storage, "enqueue", lambda *args: (_ for _ in ()).throw(ConnectionError("Redis is down")))
        response = post_form(client, "/reports/exports/overview.xlsx")
    assert response.status_code == 302  # the officer gets the job's page, not a 500
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert run_jobs() == 0 and database.get(ExportJob, job_id).status == "queued"

    with app.app_context():
        requeue_stranded_exports()  # too early: the job was asked for a moment ago
    assert run_jobs() == 0
    database.update(ExportJob, job_id, created_at=utcnow() - timedelta(minutes=11))
    with app.app_context():
        requeue_stranded_exports()
        requeue_stranded_exports()  # two sweeps before the worker gets to it: two deliveries
    assert run_jobs() == 2
    job = database.get(ExportJob, job_id)
    assert job.status == "done" and job.file_name.endswith(".xlsx")
    with app.app_context():
        assert [p.name for p in export_jobs.files_dir().iterdir()] == [job.stored_name]
