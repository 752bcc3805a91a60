"""A report's independent parts (the overview's people figures, attendance, knowledge gain and
trend; completion's status counts and page of officers) run at the same time on PostgreSQL, each on its own connection, and all read the data as it
stood when the request asked for them; elsewhere they run one after the other."""
import threading

import pytest
from sqlalchemy import text

from trainer.extensions import db
from trainer.models import Agency
from trainer.services.reports.side_by_side import side_by_side


def agencies() -> int:
    return db.session.scalar(text("SELECT count(*) FROM agencies"))


def test_parts_run_at_once_on_their_own_connections_from_the_requests_snapshot(app, backend, make_agency):
    if backend != "postgresql":
        pytest.skip("SQLite runs the parts one after the other (see the next test)")
    make_agency("Border Service", "KG")
    all_started = threading.Barrier(3, timeout=10)  # broken (an error) unless the three run at once

    def writer():
        # Another officer's request commits a new agency after the report began.
        with db.engine.begin() as connection:
            connection.execute(Agency.__table__.insert().values(name="Drug Control Agency", country="TJ"))
        all_started.wait()
        return db.session.scalar(text("SELECT pg_backend_pid()")), agencies()

    def reader():
        all_started.wait()
        return db.session.scalar(text("SELECT pg_backend_pid()")), agencies()

    with app.test_request_context("/reports/"):
        request_backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        parts = side_by_side({"writer": writer, "first reader": reader, "second reader": reader})
        seen_after = agencies()
    backends = {backend_pid for backend_pid, _count in parts.values()}
    assert len(backends) == 3 and request_backend not in backends
    assert {count for _pid, count in parts.values()} == {1}  # every part: the data as of the request
    assert seen_after == 2  # the committed agency is there for whatever the request reads next


def test_without_parallel_parts_the_same_figures_come_one_after_the_other(app, make_agency):
    make_agency("Border Service", "KG")
    app.config["REPORTS_PARTS_IN_PARALLEL"] = False
    order = []

    def part(name):
        order.append(name)
        return agencies()

    with app.test_request_context("/reports/"):
        parts = side_by_side({name: (lambda name=name: part(name)) for name in ("people", "attendance", "gain")})
    assert order == ["people", "attendance", "gain"] and parts == {"people": 1, "attendance": 1, "gain": 1}
