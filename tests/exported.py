"""Exports built by the background job, as a manager gets them: press the export button (a POST
with the page's CSRF token), let the worker run what is queued, and download the file."""
from __future__ import annotations

import re

from conftest import csrf_token
from trainer.jobs import run_queued_jobs


def start_export(client, path: str) -> int:
    """Press an export button (/reports/exports/<report>.<format>?filters) on a report page opened
    with the same arguments (so ?lang=ru switches the reader's language first); returns the job's id."""
    query = path.partition("?")[2]
    response = client.post(path, data={"csrf_token": csrf_token(client, f"/reports/?{query}")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.fullmatch(r"/reports/exports/(\d+)", response.headers["Location"]).group(1))


def export_download(app, client, path: str):
    """The download response of an export run to the end by the worker."""
    job_id = start_export(client, path)
    run_queued_jobs(app)
    return client.get(f"/reports/exports/{job_id}/download")
