"""Trainers write courses in the browser: drafts, editor and preview, publishing, zips, editors."""
import io
import zipfile

import pytest
from sqlalchemy import func, select

from conftest import AuthActions, csrf_token, database_url_for, post_form
from sample_course import write_course
from trainer.extensions import db
from trainer.models import Course, CourseDraft, CourseVersion, Lesson, LessonProgress, content_editors
from trainer.services.content import load_courses

BROKEN_PASS_MARK = "pass_mark: lots\n"


@pytest.fixture
def course_root(tmp_path):
    write_course(tmp_path)
    return tmp_path


@pytest.fixture
def app_config(request, backend, course_root):
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(course_root)}


@pytest.fixture
def loaded(app, course_root):
    with app.app_context():
        load_courses(course_root)
        db.session.commit()


@pytest.fixture
def trainer(make_user, auth, loaded):
    user = make_user("trainer", full_name="Gulnara Toktogulova")
    auth.login(user)
    return user


def logged_in_client(app, user):
    """A second browser, for a trainee or another trainer next to the first one."""
    other = app.test_client()
    AuthActions(other).login(user)
    return other


def create_draft(client, title: str = "Border checks", source: str = "") -> int:
    response = post_form(client, "/author/courses/drafts", {"title": title, "source": source})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def draft_url(draft_id: int, rest: str = "") -> str:
    return f"/author/courses/drafts/{draft_id}{rest}"


def save(client, draft_id: int, name: str, text: str):
    return post_form(client, draft_url(draft_id, f"/edit/{name}"), {"text": text})


def publish(client, draft_id: int):
    return post_form(client, draft_url(draft_id, "/publish"))


def files_of(database, draft_id: int) -> dict:
    return database.get(CourseDraft, draft_id).files


def make_zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, data: bytes, filename: str = "course.zip"):
    return post_form(client, "/author/courses/import", {"file": (io.BytesIO(data), filename)},
                     content_type="multipart/form-data")


# --- new drafts ----------------------------------------------------------------------------

def test_new_draft_from_the_skeleton_passes_the_check(client, trainer, database):
    draft_id = create_draft(client, "Border checks")
    page = client.get(draft_url(draft_id)).get_data(as_text=True)
    assert "Border checks" in page and "The course passes the check" in page
    assert {"course.yml", "01-introduction.md", "questions/test.yml"} == set(files_of(database, draft_id))
    assert "id: border-checks" in files_of(database, draft_id)["course.yml"]
    assert "Border checks" in client.get("/author/courses").get_data(as_text=True)


def test_a_trainer_reading_in_russian_starts_a_russian_course(client, trainer, database):
    # The skeleton said `language: en` with English placeholders: a Russian author who did not
    # notice published a Russian course as English, shown to English readers.
    client.get("/?lang=ru")
    draft_id = create_draft(client, "Пограничный контроль")
    files = files_of(database, draft_id)
    assert "id: pogranichnyi-kontrol\n" in files["course.yml"]  # transliterated, not "new-course"
    assert "language: ru" in files["course.yml"] and "language: en" not in files["course.yml"]
    assert "Напишите урок здесь" in files["01-introduction.md"] and "Write the lesson" not in files["01-introduction.md"]
    assert "Замените это утверждение" in files["questions/test.yml"]
    page = client.get(draft_url(draft_id)).get_data(as_text=True)
    assert "Курс прошёл проверку: его можно опубликовать." in page
    post_form(client, draft_url(draft_id, "/files/add"), {"path": "02-vtoroy.md"})  # a lesson added later
    assert "Напишите урок здесь" in files_of(database, draft_id)["02-vtoroy.md"]


def test_new_draft_from_a_copy_gets_its_own_id_and_publishes_as_a_new_course(client, trainer, database):
    draft_id = create_draft(client, "Grading for border guards", source="grading-basics")
    files = files_of(database, draft_id)
    assert {"01-source.md", "02-information.md", "questions/check.yml", "questions/test.yml"} <= set(files)
    assert "id: grading-for-border-guards" in files["course.yml"]
    assert "pre_test: {bank: questions/pre.yml, per_competency: 1}" in files["course.yml"]  # the rest is kept as written
    assert "passes the check" in client.get(draft_url(draft_id)).get_data(as_text=True)

    assert publish(client, draft_id).headers["Location"].endswith("/courses/grading-for-border-guards")
    copy = database.scalar(select(Course).where(Course.slug == "grading-for-border-guards"))
    original = database.scalar(select(Course).where(Course.slug == "grading-basics"))
    assert copy.owner_id == trainer.id and copy.title == "Grading for border guards"
    assert original.owner_id is None and original.title == "Grading basics"


def test_a_copy_of_a_course_published_from_the_browser_starts_from_its_last_version(client, trainer, database):
    first = create_draft(client, "Border checks")
    save(client, first, "01-introduction.md", "---\ntitle: Introduction\nminutes: 5\n---\nVersion one text.\n")
    publish(client, first)
    copy = create_draft(client, "Border checks again", source="border-checks")
    assert "Version one text." in files_of(database, copy)["01-introduction.md"]


def test_editing_a_shipped_course_is_for_administrators(client, trainer, make_user, app, database):
    assert post_form(client, "/author/courses/grading-basics/edit").status_code == 403
    admin = logged_in_client(app, make_user("admin"))
    response = post_form(admin, "/author/courses/grading-basics/edit")
    assert response.status_code == 302
    draft = database.scalar(select(CourseDraft))
    assert draft.course_id == database.scalar(select(Course.id).where(Course.slug == "grading-basics"))
    assert "Source reliability" in draft.files["01-source.md"]


# --- editing -------------------------------------------------------------------------------

def test_saving_a_broken_file_keeps_the_text_and_lists_problems_with_file_and_line(client, trainer, database):
    draft_id = create_draft(client)
    course_yml = files_of(database, draft_id)["course.yml"].replace("pass_mark: 70\n", BROKEN_PASS_MARK)
    response = save(client, draft_id, "course.yml", course_yml)
    assert response.status_code == 302
    assert files_of(database, draft_id)["course.yml"] == course_yml           # kept, problems and all

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "pass_mark: lots" in page                                          # back in the editor
    line = course_yml.splitlines().index("pass_mark: lots") + 1
    assert "line %d" % line in page and "<code>pass_mark</code>" in page and "expected a whole number" in page
    assert '<td class="num">%d</td>' % line in page and ">course.yml</a>" in page

    lesson = "---\ntitle: Introduction\nminutes: [\n---\nText\n"
    save(client, draft_id, "01-introduction.md", lesson)
    assert files_of(database, draft_id)["01-introduction.md"] == lesson
    page = client.get(draft_url(draft_id)).get_data(as_text=True)
    assert ">01-introduction.md</a>" in page and "invalid YAML in front matter" in page and "2 errors, " in page


def test_saved_text_uses_unix_line_ends(client, trainer, database):
    draft_id = create_draft(client)
    save(client, draft_id, "01-introduction.md", "---\r\ntitle: Intro\r\nminutes: 5\r\n---\r\nText\r\n")
    assert files_of(database, draft_id)["01-introduction.md"] == "---\ntitle: Intro\nminutes: 5\n---\nText\n"


def test_a_file_too_large_to_store_comes_back_in_the_editor(client, trainer, database):
    draft_id = create_draft(client)
    text = "---\ntitle: Long\nminutes: 5\n---\n" + "A very long lesson. " * 30_000
    response = save(client, draft_id, "01-introduction.md", text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "larger than 512 KB" in page and "A very long lesson. A very long lesson." in page
    assert "Introduction" in files_of(database, draft_id)["01-introduction.md"]


def test_a_save_without_the_text_changes_nothing(client, trainer, database):
    draft_id = create_draft(client)
    before = files_of(database, draft_id)
    assert post_form(client, draft_url(draft_id, "/edit/course.yml")).status_code == 400
    assert files_of(database, draft_id) == before


def test_settings_rewrite_replaces_folded_values_and_keeps_comments():
    from trainer.services.course_authoring import set_top_level_keys

    text = "# course\nid: x-y\ntitle: Old\nsummary: >\n  Folded\n\n  text.\nlanguage: en  # kept\npass_mark: 70\n"
    assert set_top_level_keys(text, {"title": "New: one", "summary": "S", "pass_mark": 80}) == (
        '# course\nid: x-y\ntitle: "New: one"\nsummary: "S"\nlanguage: en  # kept\npass_mark: 80\n')


def test_the_preview_is_sanitised_markdown(client, trainer):
    draft_id = create_draft(client)
    text = "---\ntitle: X\nminutes: 5\n---\n# Heading\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**\n"
    response = client.post(draft_url(draft_id, "/preview"), json={"text": text},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<h1>Heading</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "alert" not in html and "javascript:" not in html
    assert "title: X" not in html                                              # front matter is not body text


@pytest.mark.parametrize("payload", [None, [], {"text": 5}, {"nothing": "here"}])
def test_the_preview_refuses_malformed_requests(client, trainer, payload):
    draft_id = create_draft(client)
    response = client.post(draft_url(draft_id, "/preview"), json=payload,
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400


def test_file_management_add_rename_delete(client, trainer, database):
    draft_id = create_draft(client)
    response = post_form(client, draft_url(draft_id, "/files/add"), {"path": "02-more.md"})
    assert response.headers["Location"].endswith("/edit/02-more.md")
    assert "title: 02 more" in files_of(database, draft_id)["02-more.md"].lower()
    assert "not listed under lessons" in client.get(draft_url(draft_id)).get_data(as_text=True)

    post_form(client, draft_url(draft_id, "/files/rename"), {"path": "02-more.md", "new_path": "02-next.md"})
    assert "02-next.md" in files_of(database, draft_id) and "02-more.md" not in files_of(database, draft_id)
    post_form(client, draft_url(draft_id, "/files/delete"), {"path": "02-next.md"})
    assert "02-next.md" not in files_of(database, draft_id)


@pytest.mark.parametrize("path, message", [
    ("../evil.md", "must be a path inside the course folder"),
    ("/etc/passwd.md", "must be a path inside the course folder"),
    ("image.png", "Markdown (.md), YAML"),
    (".hidden.md", "do not start with"),
    ("01-introduction.md", "already has a file"),
    ("01-introduction.md/more.md", "a file and a folder of the same name"),
    ("questions", "Markdown (.md), YAML"),
])
def test_bad_file_names_are_refused_with_a_message(client, trainer, database, path, message):
    draft_id = create_draft(client)
    page = post_form(client, draft_url(draft_id, "/files/add"), {"path": path}, follow_redirects=True)
    assert message in page.get_data(as_text=True)
    assert len(files_of(database, draft_id)) == 3


def test_course_yml_cannot_be_deleted_or_renamed(client, trainer, database):
    draft_id = create_draft(client)
    page = post_form(client, draft_url(draft_id, "/files/delete"), {"path": "course.yml"}, follow_redirects=True)
    assert "cannot be deleted" in page.get_data(as_text=True)
    post_form(client, draft_url(draft_id, "/files/rename"), {"path": "course.yml", "new_path": "other.yml"})
    assert "course.yml" in files_of(database, draft_id)


def test_settings_form_rewrites_title_summary_and_pass_mark_only(client, trainer, database):
    draft_id = create_draft(client)
    before = files_of(database, draft_id)["course.yml"]
    response = post_form(client, draft_url(draft_id, "/settings"),
                         {"title": "Checks: at the border", "summary": "Two lines\nof summary.", "pass_mark": "80"})
    assert response.status_code == 302
    after = files_of(database, draft_id)["course.yml"]
    assert 'title: "Checks: at the border"' in after and "pass_mark: 80" in after
    assert 'summary: "Two lines of summary."' in after
    untouched = [line for line in before.splitlines() if not line.startswith(("title", "summary", "pass_mark"))]
    assert untouched == [line for line in after.splitlines() if not line.startswith(("title", "summary", "pass_mark"))]
    assert database.get(CourseDraft, draft_id).title == "Checks: at the border"
    assert post_form(client, draft_url(draft_id, "/settings"),
                     {"title": "X", "summary": "Y", "pass_mark": "120"}).status_code == 400


# --- publishing ----------------------------------------------------------------------------

def test_publishing_creates_a_course_trainees_can_open(client, trainer, app, make_user, database):
    draft_id = create_draft(client, "Border checks")
    response = publish(client, draft_id)
    assert response.headers["Location"].endswith("/courses/border-checks")
    course = database.scalar(select(Course).where(Course.slug == "border-checks"))
    assert course.owner_id == trainer.id and course.active
    version = database.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id))
    assert version.number == 1 and version.published_by_id == trainer.id and "course.yml" in version.files
    assert database.get(CourseDraft, draft_id) is None                         # the draft is used up

    trainee = logged_in_client(app, make_user("trainee"))
    assert "Border checks" in trainee.get("/courses").get_data(as_text=True)
    assert trainee.get("/courses/border-checks").status_code == 200
    assert trainee.get("/courses/border-checks/lessons/01-introduction").status_code == 200


def test_a_new_course_published_by_an_administrator_belongs_to_its_author(client, trainer, app, make_user, database):
    draft_id = create_draft(client, "Border checks")
    admin = logged_in_client(app, make_user("admin"))
    assert publish(admin, draft_id).status_code == 302
    course = database.scalar(select(Course).where(Course.slug == "border-checks"))
    assert course.owner_id == trainer.id
    assert database.scalar(select(CourseVersion.published_by_id)) != trainer.id


def test_publishing_a_draft_with_errors_is_refused_with_the_problem_list(client, trainer, database):
    draft_id = create_draft(client)
    course_yml = files_of(database, draft_id)["course.yml"].replace("pass_mark: 70\n", BROKEN_PASS_MARK)
    save(client, draft_id, "course.yml", course_yml)
    assert publish(client, draft_id).status_code == 302
    page = client.get(draft_url(draft_id)).get_data(as_text=True)
    assert "Not published: fix the 1 error listed below" in page and "expected a whole number" in page
    assert database.count(Course) == 1 and database.count(CourseVersion) == 0


def test_a_new_course_may_not_take_an_existing_id(client, trainer, database):
    draft_id = create_draft(client)
    course_yml = files_of(database, draft_id)["course.yml"].replace("id: border-checks", "id: grading-basics")
    save(client, draft_id, "course.yml", course_yml)
    publish(client, draft_id)
    page = client.get(draft_url(draft_id)).get_data(as_text=True)
    assert "a course with id &#39;grading-basics&#39; already exists" in page
    assert database.scalar(select(Course.title).where(Course.slug == "grading-basics")) == "Grading basics"


def test_republishing_after_editing_a_lesson_keeps_trainee_progress(client, trainer, app, make_user, database,
                                                                     course_root):
    publish(client, create_draft(client, "Border checks"))
    trainee_user = make_user("trainee")
    trainee = logged_in_client(app, trainee_user)
    post_form(trainee, "/courses/border-checks/start")
    post_form(trainee, "/courses/border-checks/lessons/01-introduction/complete")
    lesson_id = database.scalar(select(Lesson.id).where(Lesson.slug == "01-introduction"))

    draft_id = int(post_form(client, "/author/courses/border-checks/edit").headers["Location"].rsplit("/", 1)[1])
    save(client, draft_id, "01-introduction.md",
         "---\ntitle: Introduction, revised\nminutes: 12\n---\n# Revised\n\nChecks start at the booth.\n")
    assert publish(client, draft_id).status_code == 302

    course = database.scalar(select(Course).where(Course.slug == "border-checks"))
    assert database.scalar(select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)) == 2
    lesson = database.get(Lesson, lesson_id)
    assert lesson.active and lesson.title == "Introduction, revised"
    progress = database.scalar(select(LessonProgress).where(LessonProgress.user_id == trainee_user.id))
    assert progress.lesson_id == lesson_id and progress.completed_at is not None
    assert "Checks start at the booth." in trainee.get("/courses/border-checks/lessons/01-introduction").get_data(as_text=True)
    assert "Lessons completed: 100%" in trainee.get("/courses/border-checks").get_data(as_text=True)

    # Reloading the shipped folders at the next start neither hides nor changes it.
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    assert database.get(Course, course.id).active


def test_an_edit_must_keep_the_course_id(client, trainer, database):
    publish(client, create_draft(client, "Border checks"))
    draft_id = int(post_form(client, "/author/courses/border-checks/edit").headers["Location"].rsplit("/", 1)[1])
    course_yml = files_of(database, draft_id)["course.yml"].replace("id: border-checks", "id: border-checks-two")
    save(client, draft_id, "course.yml", course_yml)
    publish(client, draft_id)
    assert "must stay &#39;border-checks&#39;" in client.get(draft_url(draft_id)).get_data(as_text=True)
    assert database.scalar(select(func.count()).select_from(Course).where(Course.slug == "border-checks-two")) == 0


# --- who sees what -------------------------------------------------------------------------

def test_drafts_are_invisible_to_trainees_and_other_trainers(client, trainer, app, make_user):
    draft_id = create_draft(client, "Secret draft course")
    trainee = logged_in_client(app, make_user("trainee"))
    assert "Secret draft course" not in trainee.get("/courses").get_data(as_text=True)
    assert trainee.get(draft_url(draft_id)).status_code == 403

    colleague = logged_in_client(app, make_user("trainer"))
    assert "Secret draft course" not in colleague.get("/author/courses").get_data(as_text=True)
    for path in ("", "/edit/course.yml", "/settings", "/export"):
        assert colleague.get(draft_url(draft_id, path)).status_code == 404
    for path in ("/publish", "/delete", "/edit/course.yml", "/files/add"):
        assert post_form(colleague, draft_url(draft_id, path), {"text": "x", "path": "x.md"}).status_code == 404
    response = colleague.post(draft_url(draft_id, "/preview"), json={"text": "x"},
                              headers={"X-CSRFToken": csrf_token(colleague)})
    assert response.status_code == 404

    admin = logged_in_client(app, make_user("admin"))
    assert "Secret draft course" in admin.get(draft_url(draft_id)).get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "manager"])
@pytest.mark.parametrize("method, path", [
    ("get", "/author/courses"), ("post", "/author/courses/drafts"), ("post", "/author/courses/import"),
    ("get", "/author/courses/grading-basics/export"), ("get", "/author/courses/grading-basics/editors"),
    ("post", "/author/courses/grading-basics/edit"), ("get", "/author/courses/drafts/1"),
])
def test_authoring_is_forbidden_to_trainees_and_managers(client, auth, make_user, loaded, role, method, path):
    auth.login(make_user(role))
    response = client.get(path) if method == "get" else post_form(client, path)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, loaded):
    response = client.get("/author/courses")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_post_needs_a_csrf_token(client, trainer, database):
    draft_id = create_draft(client)
    assert client.post("/author/courses/drafts", data={"title": "No token", "source": ""}).status_code == 400
    assert client.post(draft_url(draft_id, "/edit/course.yml"), data={"text": "id: x"}).status_code == 400
    assert client.post(draft_url(draft_id, "/publish")).status_code == 400
    assert client.post(draft_url(draft_id, "/delete")).status_code == 400
    assert client.post(draft_url(draft_id, "/preview"), json={"text": "# x"}).status_code == 400
    assert database.count(CourseDraft) == 1 and database.count(CourseVersion) == 0
    assert "id: x" not in files_of(database, draft_id)["course.yml"]


def test_a_trainer_deletes_their_draft(client, trainer, database):
    draft_id = create_draft(client)
    assert post_form(client, draft_url(draft_id, "/delete")).status_code == 302
    assert database.get(CourseDraft, draft_id) is None


# --- zips ----------------------------------------------------------------------------------

def test_zip_export_and_import_round_trip(client, trainer, database):
    draft_id = create_draft(client, "Border checks")
    save(client, draft_id, "01-introduction.md", "---\ntitle: Введение\nminutes: 5\n---\nТекст урока.\n")
    exported = client.get(draft_url(draft_id, "/export"))
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert "border-checks/course.yml" in archive.namelist()

    response = upload(client, exported.data)
    assert response.status_code == 302
    imported_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert files_of(database, imported_id) == files_of(database, draft_id)

    # A published course exports its current version; importing it edits that same course.
    publish(client, draft_id)
    exported = client.get("/author/courses/border-checks/export")
    assert exported.status_code == 200
    assert "border-checks-v1.zip" in exported.headers["Content-Disposition"]
    response = upload(client, exported.data)
    again = database.get(CourseDraft, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert again.course_id == database.scalar(select(Course.id).where(Course.slug == "border-checks"))
    assert "Текст урока." in again.files["01-introduction.md"]


def test_a_shipped_course_exports_from_its_folder(client, make_user, app, loaded):
    admin = logged_in_client(app, make_user("admin"))
    exported = admin.get("/author/courses/grading-basics/export")
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert "grading-basics/questions/test.yml" in archive.namelist()


def test_an_imported_zip_with_problems_becomes_a_draft_listing_them(client, trainer, database):
    response = upload(client, make_zip({"course.yml": "id: Bad Id\ntitle: x\n", "__MACOSX/._course.yml": b"\x00\x01",
                                        ".DS_Store": b"\x00"}))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "expected lowercase letters, digits and hyphens" in page and "summary" in page
    assert set(database.scalar(select(CourseDraft)).files) == {"course.yml"}


@pytest.mark.parametrize("files, message", [
    ({"course.yml": "id: x\n", "../evil.md": "boo"}, "&#39;../evil.md&#39; points outside the course folder"),
    ({"course.yml": "id: x\n", "/abs/evil.md": "boo"}, "points outside the course folder"),
    ({"course.yml": "id: x\n", "01.md": "caf\xe9".encode("latin-1")}, "&#39;01.md&#39; is not UTF-8 text"),
    ({"course.yml": "id: x\n", "01.md": "x" * (600 * 1024)}, "&#39;01.md&#39; is larger than 512 KB"),
    ({"course.yml": "id: x\n", "photo.jpg": b"\xff\xd8"}, "Markdown (.md), YAML"),
    ({f"{n:03}.md": "x" for n in range(201)}, "a course may have at most 200"),
    ({"01.md": "x"}, "no course.yml"),
    ({"course.yml": "id: x\n", "a.md": "x", "a.md/b.md": "x"}, "a file and a folder of the same name"),
])
def test_bad_zips_are_refused_with_a_clear_message(client, trainer, database, files, message):
    response = upload(client, make_zip(files))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True) and "Nothing was imported" in response.get_data(as_text=True)
    assert database.count(CourseDraft) == 0


def test_a_file_that_is_not_a_zip_is_refused(client, trainer, database):
    response = upload(client, b"not a zip at all")
    assert response.status_code == 400 and "not a zip archive" in response.get_data(as_text=True)
    response = upload(client, b"PK\x03\x04 broken", "course.txt")
    assert response.status_code == 400 and "Choose a .zip file" in response.get_data(as_text=True)


# --- editors -------------------------------------------------------------------------------

def test_the_owner_gives_edit_rights_by_email(client, trainer, app, make_user, database):
    publish(client, create_draft(client, "Border checks"))
    colleague_user = make_user("trainer", email="colleague@example.org")
    colleague = logged_in_client(app, colleague_user)
    assert post_form(colleague, "/author/courses/border-checks/edit").status_code == 403
    assert colleague.get("/author/courses/border-checks/editors").status_code == 403

    response = post_form(client, "/author/courses/border-checks/editors", {"email": "Colleague@Example.org"})
    assert response.status_code == 302
    assert database.scalar(select(func.count()).select_from(content_editors)) == 1
    assert "Border checks" in colleague.get("/author/courses").get_data(as_text=True)
    edit = post_form(colleague, "/author/courses/border-checks/edit")
    assert edit.status_code == 302
    draft_id = int(edit.headers["Location"].rsplit("/", 1)[1])
    assert publish(colleague, draft_id).status_code == 302
    # The editor may not hand the course on; only the owner and administrators may.
    assert colleague.get("/author/courses/border-checks/editors").status_code == 403

    post_form(client, f"/author/courses/border-checks/editors/{colleague_user.id}/remove")
    assert post_form(colleague, "/author/courses/border-checks/edit").status_code == 403


@pytest.mark.parametrize("email, message", [
    ("nobody@example.org", "There is no account"), ("trainee@example.org", "Only trainers"), ("not an email", "Invalid"),
])
def test_edit_rights_go_to_existing_trainers_only(client, trainer, make_user, email, message):
    make_user("trainee", email="trainee@example.org")
    publish(client, create_draft(client, "Border checks"))
    response = post_form(client, "/author/courses/border-checks/editors", {"email": email})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
