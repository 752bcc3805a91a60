"""A course and its Russian translation are one work: the catalogue shows the reader's language
first with a link to the other; completion and certificates count the work once; reports count
an officer's work once, whichever language they took it in, and filter and break down by it."""
import io
import shutil
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import post_form
from sample_course import CORRECT, write_course
from trainer.extensions import db
from trainer.models import Certificate, Course, Enrolment, utcnow
from trainer.services import progress_summary
from trainer.services.content import load_courses
from web.test_reports import by, page_tables, summary

RUSSIAN_TITLE = "Оценка источников: основы"


@pytest.fixture
def course_root(tmp_path):
    original = write_course(tmp_path)
    russian = shutil.copytree(original, tmp_path / "grading-basics-ru")
    text = (russian / "course.yml").read_text()
    (russian / "course.yml").write_text(
        text.replace("id: grading-basics", "id: grading-basics-ru").replace("title: Grading basics", f"title: '{RUSSIAN_TITLE}'")
        .replace("language: en", "language: ru\ntranslation_of: grading-basics"))
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


def articles(page: str) -> list[str]:
    return page.split("<article")[1:]


def complete(client, slug: str):
    """Every lesson, then a passed post-test."""
    for lesson in ("01-source", "02-information"):
        post_form(client, f"/courses/{slug}/lessons/{lesson}/complete")
    started = post_form(client, f"/courses/{slug}/tests/post_test")
    assert started.status_code == 302, started.get_data(as_text=True)
    attempt = started.headers["Location"].split("/attempts/")[1]
    post_form(client, f"/attempts/{attempt}/submit", CORRECT)


def test_both_versions_store_the_original_as_their_work(app, loaded):
    with app.app_context():
        works = dict(db.session.execute(select(Course.slug, Course.work)).all())
    assert works == {"grading-basics": "grading-basics", "grading-basics-ru": "grading-basics"}


@pytest.mark.parametrize("language, shown, other, other_slug", [
    ("ru", RUSSIAN_TITLE, "English", "grading-basics"),
    ("en", "Grading basics", "Русский", "grading-basics-ru"),
])
def test_the_catalogue_shows_one_entry_in_the_readers_language_with_the_other(
        client, auth, make_user, loaded, language, shown, other, other_slug):
    auth.login(make_user("trainee", language=language))
    entries = articles(client.get("/courses").get_data(as_text=True))
    assert len(entries) == 1
    assert shown in entries[0]
    assert f'href="/courses/{other_slug}"' in entries[0] and f">{other}</a>" in entries[0]


def test_the_language_filter_shows_works_available_in_that_language(client, auth, make_user, loaded):
    auth.login(make_user("trainee", language="en"))
    russian = articles(client.get("/courses?language=ru").get_data(as_text=True))
    assert len(russian) == 1 and RUSSIAN_TITLE in russian[0] and ">English</a>" in russian[0]
    english = articles(client.get("/courses?language=en").get_data(as_text=True))
    assert len(english) == 1 and "Grading basics" in english[0]


def test_a_work_completed_in_english_is_completed_in_russian_with_one_certificate(
        client, auth, make_user, loaded, database):
    trainee = make_user("trainee", language="ru")
    auth.login(trainee)
    complete(client, "grading-basics")
    code = database.scalar(select(Certificate.code))
    page = client.get("/courses/grading-basics-ru").get_data(as_text=True)
    assert f"/certificates/{code}" in page  # shown as completed, with the certificate
    assert 'href="/courses/grading-basics" hreflang="en"' in page  # and the other version offered
    complete(client, "grading-basics-ru")
    assert database.scalar(select(Certificate.code).where(Certificate.user_id == trainee.id)) == code
    assert database.count(Certificate) == 1
    home = client.get("/").get_data(as_text=True)
    my_courses = articles(home.split('id="my-courses"')[1].split('id="my-scenarios"')[0])
    assert len(my_courses) == 1 and 'href="/courses/grading-basics-ru"' in my_courses[0]  # one per work


def test_reports_count_an_officers_english_and_russian_completions_once(app, client, auth, make_user, loaded, database):
    trainee = make_user("trainee", full_name="Aigul Osmonova", language="ru")
    auth.login(trainee)
    complete(client, "grading-basics")
    complete(client, "grading-basics-ru")
    # As an installation from before works would hold it: both versions completed and certified.
    russian = database.scalar(select(Course).where(Course.slug == "grading-basics-ru"))
    enrolment = database.scalar(select(Enrolment).where(Enrolment.course_id == russian.id))
    database.update(Enrolment, enrolment.id, completed_at=utcnow())
    database.add(Certificate(code="OLD1-OLD2-OLD3", user_id=trainee.id, course_id=russian.id,
                             holder_name=trainee.full_name, course_title=russian.title, hours=1.5))
    with app.app_context():  # rows written by hand: the read model is computed again, as the migration did
        progress_summary.rebuild()
        db.session.commit()
    auth.logout()
    auth.login(make_user("manager", language="en"))

    figures = summary(client)
    assert (figures["Courses completed"], figures["Certificates issued"], figures["Officers trained"]) == ("1", "1", "1")
    tables = page_tables(client, "/reports/completion")
    targets = tables["by_target"]
    assert [row["Course or scenario"] for row in targets] == ["Grading basics", "Total"]
    assert (targets[0]["Passed"], targets[0]["Total"]) == ("1", "1")
    assert [(row["Course or scenario"], row["Language taken"]) for row in tables["officers"]] == [
        ("Grading basics", "English")]
    languages = by(tables["by_language"], "Language taken")
    assert (languages["English"]["Passed"], languages["Total"]["Total"]) == ("1", "1")

    # Filtering by a version counts the work; by language, what was taken in it.
    course_id = russian.id
    assert page_tables(client, f"/reports/completion?course={course_id}")["by_target"][0]["Total"] == "1"
    in_russian = page_tables(client, "/reports/completion?language=ru")
    assert [row["Language taken"] for row in in_russian["officers"]] == ["Русский"]
    assert summary(client, "language=ru")["Courses completed"] == "1"
    assert client.get("/reports/completion?language=xx").status_code == 400


def test_the_language_breakdown_separates_officers_by_the_version_they_took(
        client, auth, make_user, loaded):
    for language, slug in (("en", "grading-basics"), ("ru", "grading-basics-ru")):
        auth.login(make_user("trainee", language=language))
        complete(client, slug)
        auth.logout()
    auth.login(make_user("manager", language="ru"))
    tables = page_tables(client, "/reports/completion")
    # The manager reads Russian: the work is titled in Russian, one row for both officers.
    assert [list(row.values())[:2] for row in tables["by_target"]][:1] == [["Курс", RUSSIAN_TITLE]]
    rows = {row[next(iter(row))]: list(row.values()) for row in tables["by_language"]}
    assert {"English", "Русский"} <= set(rows)
    assert rows["English"][1:5] == rows["Русский"][1:5] == ["0", "0", "0", "1"]  # one passed each
    only_russian = page_tables(client, "/reports/completion?language=ru")["by_language"]
    assert [row[next(iter(row))] for row in only_russian][:1] == ["Русский"]


def osh_webinar(app, trainee) -> int:
    """A cohort with this one member, assigned the English course; its id."""
    from trainer.models import Assignment, Cohort, CohortMember

    with app.app_context():
        english = db.session.scalar(select(Course).where(Course.slug == "grading-basics"))
        cohort = Cohort(name="Osh webinar")
        db.session.add(cohort)
        db.session.flush()
        db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=trainee.id),
                            Assignment(cohort_id=cohort.id, course_id=english.id)])
        db.session.commit()
        return cohort.id


def test_a_cohort_assigned_the_english_course_counts_it_done_in_russian(app, client, auth, make_user, loaded, database):
    from trainer.models import Cohort
    from trainer.services.cohorts import cohort_progress

    trainee = make_user("trainee", language="ru")
    cohort_id = osh_webinar(app, trainee)
    auth.login(trainee)
    assigned = client.get("/").get_data(as_text=True).split('id="assigned"')[1].split("</section>")[0]
    assert 'href="/courses/grading-basics-ru"' in assigned and RUSSIAN_TITLE in assigned  # in their language
    complete(client, "grading-basics-ru")
    with app.app_context():
        [member] = cohort_progress(db.session.get(Cohort, cohort_id))
        assert (member.courses_done, member.assigned_courses) == (1, 1)
    auth.logout()
    auth.login(make_user("manager"))
    cohorts = page_tables(client, f"/reports/completion?cohort={cohort_id}")["by_cohort"]
    assert [(row["Cohort"], row["Passed"], row["Total"]) for row in cohorts] == [("Osh webinar", "1", "1")]


def test_a_revoked_certificate_no_longer_counts_the_course_done(app, client, auth, make_user, loaded, database):
    from trainer.models import Certificate, Cohort
    from trainer.services.cohorts import cohort_progress

    trainee = make_user("trainee", language="ru")
    cohort_id = osh_webinar(app, trainee)
    auth.login(trainee)
    complete(client, "grading-basics-ru")
    auth.logout()
    auth.login(make_user("admin"))
    with app.app_context():
        code = db.session.scalar(select(Certificate.code).where(Certificate.user_id == trainee.id))
    revoked = post_form(client, f"/admin/certificates/{code}/revoke", {"reason": "The post-test was taken by someone else."})
    assert revoked.status_code == 302
    with app.app_context():
        [member] = cohort_progress(db.session.get(Cohort, cohort_id))
        assert (member.courses_done, member.assigned_courses) == (0, 1)
    cohorts = page_tables(client, f"/reports/completion?cohort={cohort_id}")["by_cohort"]
    assert [(row["Cohort"], row["Passed"], row["Completed, not passed"]) for row in cohorts] == [("Osh webinar", "0", "1")]
    figures = {row["Measure"]: row["Value"] for row in page_tables(client, "/reports/")["summary"]}
    assert (figures["Courses completed"], figures["Certificates issued"]) == ("0", "0")


def test_a_russian_officers_certificate_page_and_pdf_are_in_russian(client, auth, make_user, loaded, database):
    trainee = make_user("trainee", language="ru", timezone="Asia/Dushanbe")
    auth.login(trainee)
    complete(client, "grading-basics-ru")
    certificate = database.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert '<html lang="ru"' in page and "Сертификат о прохождении курса" in page and RUSSIAN_TITLE in page
    pdf = client.get(f"/certificates/{certificate.code}.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    for words in ("Сертификат о прохождении курса", "Настоящим подтверждается, что", "завершил(а) обучение по курсу",
                  RUSSIAN_TITLE, certificate.code):
        assert words in " ".join(text.split()), words
    issued = certificate.issued_at.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Asia/Dushanbe"))
    month = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря"][issued.month - 1]
    assert f"{issued.day} {month} {issued.year}" in text  # the date in Russian, on the officer's calendar
