"""Old exports are deleted with their files, but never one that is being built, and an export
tried again keeps its file as long as a new one."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import database_url_for
from trainer.extensions import db
from trainer.models import utcnow
from trainer.models_exports import ExportJob
from trainer.services import export_jobs

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
