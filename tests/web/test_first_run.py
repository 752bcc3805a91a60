"""First run: migrations, demo accounts printed once, the demo programme, data kept on the next start."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from html import unescape

import pytest
from sqlalchemy import func, select

from conftest import PASSWORD, logged_in
from trainer import create_app, demo
from trainer.cli import demo_programme_lines, prepare_platform
from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import (
    Attendance, Cohort, CohortMember, Enrolment, LiveExercise, QuizAttempt, ScenarioAttempt, TrainingSession, User,
)

DEMO_COHORTS = {"Bishkek webinar, 25–26 November", "Tashkent pilot course, 26–28 February",
                "Dushanbe pilot course, 2–4 March"}


def test_prepare_platform_twice_creates_accounts_once_and_keeps_data(fresh_app):
    with fresh_app.app_context():
        first = prepare_platform(demo_password="demo password 123")
        second = prepare_platform(demo_password="another password")
        users = db.session.scalars(select(User).order_by(User.role)).all()
    assert sum("example.org" in line for line in first) == 4
    assert any("already exist" in line for line in second)
    assert sorted(user.role for user in users) == ["admin", "manager", "trainee", "trainer"]
    assert all(user.check_password("demo password 123") for user in users)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(instance_dir, port):
    env = {**os.environ, "TRAINER_INSTANCE_DIR": str(instance_dir), "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "TRAINER_DEMO_PASSWORD", "TRAINER_ENV"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "run.py", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        output.append(line)
        if line.startswith("Serving on") or process.poll() is not None:
            break
    for _ in range(50):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return process, "".join(output), response.status
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("server did not answer:\n" + "".join(output))


def stop(process):
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


def test_run_py_on_a_fresh_folder_serves_and_keeps_data_on_restart(tmp_path):
    process, output, status = start_server(tmp_path, free_port())
    stop(process)
    assert status == 200
    passwords = dict(re.findall(r"^\s+\w+\s+(\S+@example\.org)\s+(\S+)$", output, re.M))
    assert set(passwords) == {"trainee@example.org", "trainer@example.org", "manager@example.org", "admin@example.org"}
    assert (tmp_path / "trainer.sqlite3").exists()
    assert "Demo programme created" in output

    process, output, status = start_server(tmp_path, free_port())
    stop(process)
    assert status == 200
    assert "already exist" in output and "Demo programme" not in output
    assert not any(password in output for password in passwords.values())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'trainer.sqlite3'}", "SECRET_KEY": "x"})
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin.check_password(passwords["admin@example.org"])
        assert set(db.session.scalars(select(Cohort.name))) == DEMO_COHORTS  # made once


# -- the demo programme ----------------------------------------------------------------------------

def row_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Cohort, CohortMember, TrainingSession, Attendance, Enrolment, QuizAttempt,
                          ScenarioAttempt, LiveExercise)}


def text_of(html: str) -> str:
    """What a reader sees: tags, scripts and the head dropped, spaces squeezed."""
    html = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def table_rows(html: str, key: str) -> list[list[str]]:
    """The body rows of a report table (id table-KEY), as cell texts."""
    table = re.search(rf'(?s)<table[^>]*id="table-{key}".*?<tbody>(.*?)</tbody>', html)
    assert table, f"no table {key}"
    return [[text_of(cell).strip() for cell in re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"(?s)<tr>(.*?)</tr>", table.group(1))]



def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return response.get_data(as_text=True)


def test_first_start_shows_every_demo_account_a_living_programme(fresh_app):
    with fresh_app.app_context():
        lines = prepare_platform(demo_password=PASSWORD, demo_data=True)
        created = row_counts()
        exercise_id = db.session.scalar(select(LiveExercise.id))
        cohorts = {c.name: c for c in db.session.scalars(select(Cohort))}
        members = {name: db.session.scalar(select(func.count()).select_from(CohortMember)
                                           .where(CohortMember.cohort_id == cohort.id))
                   for name, cohort in cohorts.items()}
        zones = {name: cohort.timezone for name, cohort in cohorts.items()}
        officers = db.session.scalars(select(User).where(User.role == "trainee")).all()
    assert any(line.startswith("Demo programme created") for line in lines)
    assert set(cohorts) == DEMO_COHORTS
    assert members == {"Bishkek webinar, 25–26 November": 21, "Tashkent pilot course, 26–28 February": 14,
                       "Dushanbe pilot course, 2–4 March": 14}
    assert zones == {"Bishkek webinar, 25–26 November": "Asia/Bishkek",
                     "Tashkent pilot course, 26–28 February": "Asia/Tashkent",
                     "Dushanbe pilot course, 2–4 March": "Asia/Dushanbe"}
    assert len(officers) == 49 and all(o.email.endswith("example.org") for o in officers)
    assert len({o.full_name for o in officers}) == 49

    trainee = logged_in(fresh_app, "trainee@example.org")
    home = text_of(page(trainee, "/"))
    assert "Bishkek webinar, 25–26 November" in home
    assert "Next sessions" in home and "Follow-up: the case scenario reviewed" in home
    assert "Assigned to you" in home and " · due " in home
    assert "awaiting review" in home  # the case file they submitted in the live exercise
    assert "% of lessons complete" in home
    programme = text_of(page(trainee, "/my-programme"))
    year = demo.webinar_year(date.today())
    assert f"25 Nov {year}, 10:00" in programme and f"26 Nov {year}, 10:00" in programme
    assert "excused" in programme and "Watch the recording" in programme
    assert "To catch up: watch the recording" in programme

    trainer = logged_in(fresh_app, "trainer@example.org")
    assert all(name in text_of(page(trainer, "/")) for name in DEMO_COHORTS)
    queue = page(trainer, "/reviews").split("</table>")[0]
    assert len(re.findall(r'href="/reviews/\d+"', queue)) == 1 and "Demo Trainee" in queue
    debrief = text_of(page(trainer, f"/exercises/{exercise_id}/debrief"))
    attempts, submitted = map(int, re.search(r"(\d+) attempts, (\d+) submitted", debrief).groups())
    assert attempts >= 10 and submitted >= 10
    assert "exercise ended" in debrief

    manager = logged_in(fresh_app, "manager@example.org")
    by_cohort = {row[0]: row for row in table_rows(page(manager, "/reports/completion"), "by_cohort")}
    assert set(by_cohort) == DEMO_COHORTS
    gain = page(manager, "/reports/knowledge-gain")
    gains = {row[0]: row for row in table_rows(gain, "by_cohort")}
    assert set(gains) >= DEMO_COHORTS  # every cohort has officers with both tests
    assert all(int(gains[name][2]) > 0 for name in DEMO_COHORTS)  # officers with both tests
    attendance = {row[0]: row for row in table_rows(page(manager, "/reports/attendance"), "by_cohort")}
    assert DEMO_COHORTS <= set(attendance)
    breakdowns = page(manager, "/reports/disaggregation")
    assert {row[0] for row in table_rows(breakdowns, "by_country")} >= {"Kyrgyzstan", "Tajikistan", "Uzbekistan"}
    assert len({row[0] for row in table_rows(breakdowns, "by_agency")} - {"Total"}) == 4
    assert {"Female", "Male"} <= {row[0] for row in table_rows(breakdowns, "by_gender")}

    with fresh_app.app_context():  # a restart creates nothing twice
        again = prepare_platform(demo_password=PASSWORD, demo_data=True)
        assert row_counts() == created
    assert not any("Demo programme" in line for line in again)


def test_no_demo_without_demo_data_in_production_or_beside_cohorts_of_ones_own(fresh_app, monkeypatch):
    import run

    served = {}
    monkeypatch.setattr(run, "create_app", lambda: fresh_app)
    monkeypatch.setattr(fresh_app, "run", lambda **options: served.update(options))
    monkeypatch.setattr(sys, "argv", ["run.py", "--no-demo-data", "--port", "5999"])
    monkeypatch.setenv("TRAINER_DEMO_PASSWORD", PASSWORD)
    run.main()
    assert served["port"] == 5999
    runner = fresh_app.test_cli_runner()
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 4

        monkeypatch.setenv("TRAINER_ENV", "production")
        assert demo_programme_lines() == []  # what prepare_platform(demo_data=True) adds on a start
        with pytest.raises(demo.DemoNotCreated, match="production"):
            demo.create_demo_programme(alongside=True)
        db.session.rollback()
    refused = runner.invoke(args=["demo", "--alongside"])
    assert refused.exit_code == 1 and "TRAINER_ENV is production" in refused.output
    monkeypatch.delenv("TRAINER_ENV")

    with fresh_app.app_context():  # a platform that runs cohorts of its own gets no demo on start
        db.session.add(Cohort(name="Osh regional analysts, spring"))
        db.session.commit()
        assert demo_programme_lines() == []
        assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1
    assert runner.invoke(args=["demo"]).exit_code == 1
    made = runner.invoke(args=["demo", "--alongside"])  # unless an operator asks for it
    assert made.exit_code == 0, made.output
    assert "Demo programme created" in made.output
    again = runner.invoke(args=["demo", "--alongside"])
    assert again.exit_code == 1 and "already there" in again.output
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cohort)) == 4


@pytest.mark.parametrize(("today", "year"), [(date(2026, 11, 26), 2025), (date(2026, 11, 27), 2026),
                                             (date(2026, 12, 31), 2026), (date(2027, 3, 1), 2026)])
def test_the_demo_webinar_is_the_latest_25_26_november_already_over(today, year):
    assert demo.webinar_year(today) == year
