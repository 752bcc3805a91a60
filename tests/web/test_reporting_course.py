"""The course "Writing intelligence reports and briefings" (issue 13's second new course) can be
taken from start to certificate with its keyed answers, in English and in Russian."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import database_url_for, post_form
from trainer.config import PROJECT_ROOT
from trainer.domain.courses import load_course
from trainer.extensions import db
from trainer.models import Certificate
from trainer.services.content import load_courses
from web.test_lesson_data import take

EDITIONS = ("intelligence-reporting", "intelligence-reporting-ru")


@pytest.fixture
def app_config(request, backend, tmp_path):
    for folder in EDITIONS:
        shutil.copytree(PROJECT_ROOT / "courses" / folder, tmp_path / folder)
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(tmp_path)}


@pytest.mark.parametrize("slug", EDITIONS)
def test_the_reporting_course_is_completed_with_its_keyed_answers(app, client, auth, make_user, database, slug):
    with app.app_context():
        load_courses(Path(app.config["CONTENT_COURSES_DIR"]))
        db.session.commit()
    officer = make_user("trainee")
    auth.login(officer)
    course, base = load_course(PROJECT_ROOT / "courses" / slug), f"/courses/{slug}"
    post_form(client, f"{base}/start")
    take(client, f"{base}/tests/pre_test", course.pre_test.questions)
    for lesson in course.lessons:
        assert client.get(f"{base}/lessons/{lesson.slug}").status_code == 200
        result = take(client, f"{base}/lessons/{lesson.slug}/check", lesson.check.questions)
        assert "100%" in result, lesson.slug
        post_form(client, f"{base}/lessons/{lesson.slug}/complete")
    assert "100%" in take(client, f"{base}/tests/post_test", course.post_test.questions)
    assert database.scalar(select(Certificate).where(Certificate.user_id == officer.id)) is not None
