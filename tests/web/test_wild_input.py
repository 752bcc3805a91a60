"""Numbers and days no database column can hold, typed into the reports' URLs: a clear 400 (or a
404 for an id in the path), never a database error."""
from __future__ import annotations

import pytest

from conftest import csrf_token, post_form

BEYOND = "99999999999999999999"  # larger than any integer column, on SQLite and PostgreSQL


@pytest.mark.parametrize("query, message", [
    (f"page={BEYOND}", f"“{BEYOND}” is not a page number"),
    ("page=²", "“²” is not a page number"),
    (f"cohort={BEYOND}", f"There is no cohort with id {BEYOND}"),
    ("course=²", "course “²” is not an id number"),
    ("to=9999-12-31", "The date “9999-12-31” for “to” is not between 1900 and 2999"),
    ("from=0001-01-01", "The date “0001-01-01” for “from” is not between 1900 and 2999"),
])
def test_report_filters_beyond_any_column_get_a_400(client, auth, make_user, query, message):
    auth.login(make_user("manager"))
    response = client.get(f"/reports/completion?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_an_export_job_id_beyond_any_row_is_not_found(client, auth, make_user):
    auth.login(make_user("admin"))
    assert client.get(f"/reports/exports/{BEYOND}/progress").status_code == 404
    assert client.post(f"/reports/exports/{BEYOND}/retry",
                       data={"csrf_token": csrf_token(client, "/reports/")}).status_code == 404
    queued = client.post(f"/reports/exports/completion.xlsx?cohort={BEYOND}",
                         data={"csrf_token": csrf_token(client, "/reports/")})
    assert queued.status_code == 400 and f"no cohort with id {BEYOND}" in queued.get_data(as_text=True)


def test_learning_records_filters_beyond_any_column_get_a_400(client, auth, make_user):
    auth.login(make_user("manager"))
    for path in ("/reports/learning-records/", "/reports/learning-records/statements.json"):
        response = client.get(f"{path}?from=0001-01-01&to=9999-12-31&cohort={BEYOND}")
        text = response.get_data(as_text=True)
        assert response.status_code == 400, path
        assert "The date “0001-01-01” for “from” is not between 1900 and 2999" in text
        assert "The date “9999-12-31” for “to” is not between 1900 and 2999" in text
        assert f"There is no cohort with id {BEYOND}" in text
    assert client.get("/reports/learning-records/statements.json?cohort=²").status_code == 400


def test_a_wild_id_in_an_assignment_form_is_refused_plainly(client, auth, make_user, database):
    from trainer.models import Cohort

    trainer = make_user("trainer")
    cohort = Cohort(name="Osh cohort", trainers=[database.get(type(trainer), trainer.id)])
    database.add(cohort)
    auth.login(trainer)
    for target in ("course:²", f"scenario:{BEYOND}"):
        response = post_form(client, f"/cohorts/{cohort.id}/assignments", {"target": target}, follow_redirects=True)
        assert response.status_code == 200
        assert "Choose a course or a scenario to assign." in response.get_data(as_text=True)
