"""The app as `bench/load_bench.py` serves it under gunicorn: `gunicorn "bench_app:create_bench_app()"`.

The benchmark's own configuration: the database, secret and instance folder come from the
environment the benchmark sets; login limits are raised so a hundred virtual trainees logging
in from one address are not refused; and one bare endpoint is added, found in no other
configuration, as the framework's ceiling each page is compared with in the same run. A second
one, the signed-in floor, is the least any trainee page does: load the officer from the session
and draw the base template (menu, language switch, CSRF token) around nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import render_template  # noqa: E402
from flask_login import login_required  # noqa: E402

from trainer import create_app  # noqa: E402

BARE_PATH = "/_bench/bare"
SIGNED_IN_PATH = "/_bench/signed-in"
BENCH_SETTINGS = {
    # The limits stay on (their code runs as in production) but a whole bench fits in them.
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
}


def bare() -> str:
    """Nothing but Flask: routing, the session-less request cycle, the app's response hooks."""
    return "ok"


def create_bench_app():
    """The platform with the benchmark's settings and its two reference endpoints."""
    app = create_app(dict(BENCH_SETTINGS))
    app.add_url_rule(BARE_PATH, "bench_bare", bare)
    empty_page = app.jinja_env.from_string('{% extends "base.html" %}{% block title %}floor{% endblock %}')

    @login_required
    def signed_in():
        """An empty page for a signed-in officer: what every trainee page pays before its own work."""
        return render_template(empty_page)

    app.add_url_rule(SIGNED_IN_PATH, "bench_signed_in", signed_in)
    return app
