"""A trainee takes a course: pre-test, lessons, checks, post-test, certificate."""
import pytest
from sqlalchemy import select

from conftest import post_form
from sample_course import COURSE_YML, CORRECT, TEST_BANK, WRONG, write_course
from trainer.extensions import db
from trainer.models import AttemptItem, Certificate, LessonProgress, QuizAttempt
from trainer.services.content import load_courses

@pytest.fixture
def course_root(tmp_path):
    write_course(tmp_path)
    return tmp_path


@pytest.fixture
def app_config(request, backend, course_root):
    from conftest import database_url_for

    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(course_root)}


@pytest.fixture
def loaded(app, course_root):
    with app.app_context():
        load_courses(course_root)
        db.session.commit()


@pytest.fixture
def trainee(make_user, make_agency, auth, loaded):
    agency = make_agency("Drug Control Agency", "TJ")
    user = make_user("trainee", full_name="Farrukh Rahimov", agency_id=agency.id)
    auth.login(user)
    return user


def start(client, path: str) -> int:
    response = post_form(client, path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/attempts/")[1])


def answer(client, attempt_id: int, answers: dict):
    return post_form(client, f"/attempts/{attempt_id}/submit", answers)


def test_catalogue_and_course_page_show_the_loaded_course(client, trainee):
    assert "Grading basics" in client.get("/courses").get_data(as_text=True)
    page = client.get("/courses/grading-basics").get_data(as_text=True)
    assert "Grade a source with the 4x4 system" in page and "Manual for Analysts" in page
    assert "Take the pre-test" in page and "Start the course" in page
    started = post_form(client, "/courses/grading-basics/start")
    assert started.headers["Location"].endswith("#pre-test")  # the pre-test comes first
    assert "Start the course" not in client.get("/courses/grading-basics").get_data(as_text=True)


def test_the_catalogue_shows_a_course_as_last_published(app, client, trainee, course_root):
    # Its courses are drawn once and kept for every reader of a language: a title, a summary or
    # a lesson changed by the author must show at once.
    assert "Grading basics" in client.get("/courses").get_data(as_text=True)
    course_file = course_root / "grading-basics" / "course.yml"
    course_file.write_text(course_file.read_text().replace("title: Grading basics", "title: Grading sources")
                           .replace("lessons: [01-source.md, 02-information.md]", "lessons: [01-source.md]"))
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    page = client.get("/courses").get_data(as_text=True)
    assert "Grading sources" in page and "Grading basics" not in page
    assert "1 lesson ·" in page


def test_whole_course_from_pre_test_to_verified_certificate(client, trainee, database):
    post_form(client, "/courses/grading-basics/start")
    pre = start(client, "/courses/grading-basics/tests/pre_test")
    result = answer(client, pre, WRONG)
    assert result.status_code == 302
    page = client.get(f"/attempts/{pre}/result").get_data(as_text=True)
    assert "Your score: 0%" in page
    # The pre-test shows the score only: no answers, feedback or explanations to carry into the post-test.
    assert "The pre-test shows only your score" in page
    assert "Correct answer:" not in page and "The information is graded on its own." not in page
    assert "Put these stages in order." not in page
    assert "taken once" in post_form(client, "/courses/grading-basics/tests/pre_test", follow_redirects=True).get_data(as_text=True)

    # The post-test waits for the lessons.
    assert "Complete every lesson" in post_form(client, "/courses/grading-basics/tests/post_test", follow_redirects=True).get_data(as_text=True)
    check = start(client, "/courses/grading-basics/lessons/01-source/check")
    answer(client, check, {"q:check-x": "true"})
    assert "Your score: 100%" in client.get(f"/attempts/{check}/result").get_data(as_text=True)
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    assert "100%" in client.get("/courses/grading-basics").get_data(as_text=True)

    post = start(client, "/courses/grading-basics/tests/post_test")
    answer(client, post, CORRECT)
    certificate = database.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert certificate is not None
    assert (certificate.holder_name, certificate.agency_name, certificate.hours) == ("Farrukh Rahimov", "Drug Control Agency", 1.5)

    pdf = client.get(f"/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    client.post("/logout", data={})  # anonymous visitors may verify
    anonymous = client.application.test_client()
    verified = anonymous.get(f"/verify/{certificate.code.lower()}").get_data(as_text=True)
    assert "Valid certificate" in verified and "Farrukh Rahimov" in verified and "Grading basics" in verified
    assert trainee.email not in verified
    assert "No certificate has the code" in anonymous.get("/verify/AAAA-BBBB-CCCC").get_data(as_text=True)


def test_failing_post_test_issues_no_certificate_and_allows_a_retake(client, trainee, database):
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    first = start(client, "/courses/grading-basics/tests/post_test")
    answer(client, first, WRONG)
    assert "not yet passed" in client.get(f"/attempts/{first}/result").get_data(as_text=True)
    assert database.scalar(select(Certificate)) is None
    second = start(client, "/courses/grading-basics/tests/post_test")
    assert second != first


def test_autosave_keeps_answers_for_a_reload(client, trainee):
    attempt = start(client, "/courses/grading-basics/tests/pre_test")
    saved = post_form(client, f"/attempts/{attempt}/save", {"q:pre-axes": "false"})
    assert saved.get_json() == {"saved": True, "problems": 0}
    page = client.get(f"/attempts/{attempt}").get_data(as_text=True)
    assert 'value="false" checked' in page
    assert start(client, "/courses/grading-basics/tests/pre_test") == attempt  # resumes, no new draw


def test_malformed_answer_names_the_question_and_scores_nothing(client, trainee, database):
    attempt = start(client, "/courses/grading-basics/tests/pre_test")
    response = answer(client, attempt, {**CORRECT, "q:pre-cycle": ["0", "0", "1"]})
    assert response.status_code == 400
    assert "question pre-cycle: place each of the 3 items exactly once" in response.get_data(as_text=True)
    assert database.get(QuizAttempt, attempt).submitted_at is None


def test_submit_and_autosave_need_csrf(client, trainee):
    attempt = start(client, "/courses/grading-basics/tests/pre_test")
    assert client.post(f"/attempts/{attempt}/submit", data=CORRECT).status_code == 400
    assert client.post(f"/attempts/{attempt}/save", data=CORRECT).status_code == 400


def test_another_trainee_cannot_open_my_attempt_or_certificate(client, trainee, auth, make_user, database):
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    attempt = start(client, "/courses/grading-basics/tests/post_test")
    answer(client, attempt, CORRECT)
    code = database.scalar(select(Certificate.code))
    auth.logout()
    auth.login(make_user("trainee"))
    for path in (f"/attempts/{attempt}", f"/attempts/{attempt}/result", f"/certificates/{code}", f"/certificates/{code}.pdf"):
        assert client.get(path).status_code == 404, path
    assert post_form(client, f"/attempts/{attempt}/save", {"q:axes": "true"}).status_code == 404


def test_progress_and_past_answers_survive_a_content_edit(app, client, trainee, course_root, database):
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    attempt = start(client, "/courses/grading-basics/tests/post_test")
    answer(client, attempt, CORRECT)
    # The trainer rewrites the lesson and replaces a question of the bank with another.
    write_course(course_root, lesson_body="Rewritten text about source codes.")
    folder = course_root / "grading-basics"
    replaced = TEST_BANK.replace("id: cycle", "id: cycle-2").replace("Order the stages.", "Order these stages.")
    (folder / "questions" / "test.yml").write_text(replaced)
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    assert "Rewritten text" in client.get("/courses/grading-basics/lessons/01-source").get_data(as_text=True)
    assert database.scalar(select(LessonProgress.completed_at)) is not None
    result = client.get(f"/attempts/{attempt}/result").get_data(as_text=True)
    assert "Order the stages." in result and "Your score: 100%" in result
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AttemptItem)) == 3


def test_script_in_a_lesson_never_reaches_the_page(app, client, trainee, course_root):
    write_course(course_root, lesson_body='Text <script>alert("x")</script> [link](javascript:alert(1)) <b onclick="x()">b</b>')
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    page = client.get("/courses/grading-basics/lessons/01-source").get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page and "onclick" not in page


def test_lesson_visit_is_remembered_for_resume(client, trainee):
    client.get("/courses/grading-basics/lessons/02-information")
    page = client.get("/").get_data(as_text=True)
    assert "Resume: Information" in page


def test_a_broken_edit_keeps_the_last_good_version_and_says_why(app, client, trainee, course_root):
    (course_root / "grading-basics" / "course.yml").write_text(COURSE_YML.replace("pass_mark: 60", "pass_mark: 160"))
    with app.app_context():
        lines = load_courses(course_root)
        db.session.commit()
    assert any("pass_mark" in line and "course.yml" in line for line in lines)
    assert client.get("/courses/grading-basics").status_code == 200


def test_a_removed_course_folder_hides_the_course_but_keeps_records(app, client, trainee, course_root, database):
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    import shutil

    shutil.rmtree(course_root / "grading-basics")
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    assert client.get("/courses/grading-basics").status_code == 404
    assert database.scalar(select(LessonProgress.completed_at)) is not None


def test_a_restart_keeps_an_edit_published_in_the_browser_until_the_folder_changes(app, course_root):
    from dataclasses import replace

    from trainer.domain.courses import read_course
    from trainer.models import Course
    from trainer.services.content import upsert_course

    with app.app_context():
        load_courses(course_root)
        spec, _problems = read_course(course_root / "grading-basics")
        upsert_course(replace(spec, title="Grading basics, edited online", folder=""))  # as publishing does
        db.session.commit()
        load_courses(course_root)  # the next start: the folder is unchanged
        db.session.commit()
        assert db.session.scalar(select(Course.title)) == "Grading basics, edited online"
    write_course(course_root, lesson_body="The folder itself was edited.")
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
        assert db.session.scalar(select(Course.title)) == "Grading basics"


def test_a_translation_is_loaded_with_its_original_in_settings(app, course_root, loaded):
    import shutil

    from trainer.models import Course

    russian = shutil.copytree(course_root / "grading-basics", course_root / "grading-basics-ru")
    text = (russian / "course.yml").read_text()
    (russian / "course.yml").write_text(text.replace("id: grading-basics", "id: grading-basics-ru")
                                        .replace("language: en", "language: ru\ntranslation_of: grading-basics"))
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
        courses = {c.slug: c for c in db.session.scalars(select(Course))}
    assert courses["grading-basics-ru"].language == "ru"
    assert courses["grading-basics-ru"].settings["translation_of"] == "grading-basics"
    assert courses["grading-basics"].settings.get("translation_of") is None


def test_pre_and_post_test_are_parallel_forms_with_one_question_per_competency(app, client, trainee):
    pre = start(client, "/courses/grading-basics/tests/pre_test")
    answer(client, pre, CORRECT)
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/grading-basics/lessons/{lesson}/complete")
    post = start(client, "/courses/grading-basics/tests/post_test")
    with app.app_context():
        items = {attempt: sorted((item.question["id"], item.question["competency"])
                                 for item in db.session.get(QuizAttempt, attempt).items) for attempt in (pre, post)}
    assert items[pre] == [("pre-axes", "two-axes"), ("pre-cycle", "intelligence-cycle"),
                          ("pre-source-x", "source-reliability")]
    assert items[post] == [("axes", "two-axes"), ("cycle", "intelligence-cycle"), ("source-a", "source-reliability")]
    answer(client, post, WRONG)
    page = client.get(f"/attempts/{post}/result").get_data(as_text=True)  # the post-test shows the answers
    assert "Correct answer:" in page and "Each axis is judged on its own." in page
