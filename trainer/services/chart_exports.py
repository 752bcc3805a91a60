"""A trainee's link chart read from the saved answer, for the .anx and CSV downloads."""
from __future__ import annotations

import csv
import io
import zipfile

from ..domain.chart_export import Chart, Translate, chart_tables, read_chart
from ..exports import CSV_BOM, spreadsheet_text
from ..models import ScenarioAttempt
from .scenarios import attempt_view


def attempt_chart(attempt: ScenarioAttempt, task_id: str) -> Chart | None:
    """The link chart the attempt's saved answer to a link_chart task draws (None: no such task)."""
    view = attempt_view(attempt)
    task = next((t for t in view["tasks"] if t["id"] == task_id and t["type"] == "link_chart"), None)
    if task is None:
        return None
    board = [e for e in view["entities"] if e["id"] in task["entity_ids"]]
    return read_chart(board, (attempt.responses or {}).get(task_id))


def chart_csv_zip(chart: Chart, text: Translate) -> bytes:
    """A zip of entities.csv and links.csv, as the report exports write CSV (UTF-8 with a BOM for
    Excel, text that would run as a formula quoted: a number like +996... included)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in chart_tables(chart, text).items():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow([spreadsheet_text(cell) for cell in row])
            archive.writestr(name, (CSV_BOM + buffer.getvalue()).encode("utf-8"))
    return out.getvalue()
