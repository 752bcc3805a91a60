"""First run: migrations, demo accounts printed once, data kept on the next start."""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from sqlalchemy import select

from trainer import create_app
from trainer.cli import prepare_platform
from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import User


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

    process, output, status = start_server(tmp_path, free_port())
    stop(process)
    assert status == 200
    assert "already exist" in output
    assert not any(password in output for password in passwords.values())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'trainer.sqlite3'}", "SECRET_KEY": "x"})
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin.check_password(passwords["admin@example.org"])
