"""Trainers bring Moodle question files into a course draft (preview first, then add) and download
banks as Moodle GIFT or Moodle XML; bad files get a message naming the line, never a 500."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest

from conftest import AuthActions, database_url_for, post_form
from sample_course import write_course
from trainer.domain.moodle_questions import read_bank, read_questions
from trainer.extensions import db
from trainer.models import Course, CourseDraft
from trainer.services.content import load_courses

FIXTURES = Path(__file__).parent.parent / "fixtures" / "moodle"
GIFT_DOCS = (FIXTURES / "gift-documentation.txt").read_bytes()
IMPORTED = "questions/imported-gift-documentation.yml"


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


def new_draft(client, source: str = "grading-basics") -> int:
    response = post_form(client, "/author/courses/drafts", {"title": "Grading with Moodle questions", "source": source})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def upload(client, draft_id: int, data: bytes, filename: str, fmt: str = ""):
    return post_form(client, f"/author/courses/drafts/{draft_id}/questions/import",
                     {"file": (io.BytesIO(data), filename), "format": fmt}, content_type="multipart/form-data")


def token_of(page: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert match, "no Add to the draft form on the page"
    return html.unescape(match.group(1))


def add(client, draft_id: int, token: str):
    return post_form(client, f"/author/courses/drafts/{draft_id}/questions/add", {"token": token})


def files_of(database, draft_id: int) -> dict:
    return database.get(CourseDraft, draft_id).files


def test_a_gift_file_is_previewed_then_added_to_the_draft_as_a_bank(client, trainer, database):
    draft_id = new_draft(client)
    before = files_of(database, draft_id)
    response = upload(client, draft_id, GIFT_DOCS, "gift-documentation.txt")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Read as Moodle GIFT:" in page and "22 questions come in" in page
    assert "10 questions are reported and stay out." in page
    # Every question as it will come in: text, options with the right one marked, notes.
    assert "Grant is _____ in Grant&#39;s tomb." in page and "<strong>✓ entombed</strong>" in page
    assert "partial credit is not kept: choosing half credit answer earns nothing here" in page
    assert "Line 144 · <code>Q1</code> · True or false · category tom/dick/harry" in page
    # Every question that stays out, with its line and why.
    assert re.search(r'<td class="num">62</td><td>Write a short biography of Dag Hammarskjöld\.</td><td>essay</td>'
                     r"<td>essay questions need a trainer", page)
    assert re.search(r'<td class="num">70</td><td>Kanji Origins</td><td>short answer</td>', page)
    assert IMPORTED in page
    assert files_of(database, draft_id) == before                 # a preview changes nothing

    added = add(client, draft_id, token_of(page))
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/author/courses/drafts/{draft_id}/edit/{IMPORTED}")
    files = files_of(database, draft_id)
    assert set(files) == set(before) | {IMPORTED}
    questions, problems = read_bank(files[IMPORTED])
    assert questions == read_questions(GIFT_DOCS, "gift").questions and not problems
    assert "Added 22 questions to questions/imported-gift-documentation.yml." in client.get(
        added.headers["Location"]).get_data(as_text=True)


def test_imported_questions_pass_the_draft_check_and_publish_once_a_lesson_uses_them(client, trainer, database):
    draft_id = new_draft(client)
    add(client, draft_id, token_of(upload(client, draft_id, GIFT_DOCS, "gift-documentation.txt").get_data(as_text=True)))
    lesson = files_of(database, draft_id)["02-information.md"].replace("questions/check.yml", IMPORTED)
    post_form(client, f"/author/courses/drafts/{draft_id}/edit/02-information.md", {"text": lesson})
    assert "The course passes the check" in client.get(f"/author/courses/drafts/{draft_id}").get_data(as_text=True)
    assert post_form(client, f"/author/courses/drafts/{draft_id}/publish").status_code == 302
    course = database.scalar(db.select(Course).where(Course.slug == "grading-with-moodle-questions"))
    assert course is not None


def test_moodle_xml_with_competencies_and_the_russian_page(client, trainer, database):
    draft_id = new_draft(client)
    post_form(client, "/language", {"language": "ru", "next": "/"})
    page = upload(client, draft_id, (FIXTURES / "questions.xml").read_bytes(), "questions.xml").get_data(as_text=True)
    assert "Прочитан как Moodle XML:" in page
    assert "эссе требует проверки письменного ответа преподавателем" in page
    assert "изображения не перенесены: вопросы банка содержат только текст" in page
    add(client, draft_id, token_of(page))
    questions = read_bank(files_of(database, draft_id)["questions/imported-questions.yml"])[0]
    assert {q.id: q.competency for q in questions}["cycle-order"] == "intelligence-cycle"


def test_aiken_and_cp1251(client, trainer, database):
    draft_id = new_draft(client)
    page = upload(client, draft_id, (FIXTURES / "aiken-documentation.txt").read_bytes(), "aiken.txt").get_data(
        as_text=True)
    assert "Read as Aiken:" in page and "2 questions come in" in page
    russian = "::Оценка::Источник оценивается отдельно от информации.{TRUE}".encode("cp1251")
    page = upload(client, draft_id, russian, "ru.gift").get_data(as_text=True)
    assert "Источник оценивается отдельно от информации." in page and "1 question comes in" in page


@pytest.mark.parametrize("data, filename, status, message", [
    (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;">\n]>\n'
     b"<quiz>&lol2;</quiz>", "bomb.xml", 400, "Line 2: the file declares a document type (&lt;!DOCTYPE&gt;)"),
    (b"<quiz>\n<question type='truefalse'>\n</quiz>\n", "broken.xml", 400,
     "Line 3: this is not well-formed XML (column 2: a closing tag does not match the tag it should close)."),
    (b"Q?{T}\n\n" * 450_000, "large.gift", 400, "The file is 3.0 MB; at most 2 MB is read at once"),
    (b"PK\x03\x04\x00\x00\x00binary", "bank.txt", 400, "The file is not text in UTF-8 or Windows-1251"),
    (b"", "empty.gift", 400, "The file is empty."),
    (b"Q?{T}", "bank.docx", 400, "Choose a GIFT or Aiken file (.gift or .txt) or a Moodle XML file (.xml)."),
])
def test_bad_files_get_a_clear_message_never_a_500(client, trainer, database, data, filename, status, message):
    draft_id = new_draft(client)
    before = files_of(database, draft_id)
    response = upload(client, draft_id, data, filename)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert files_of(database, draft_id) == before


def test_a_ten_megabyte_upload_is_refused_with_the_size_page(client, trainer):
    draft_id = new_draft(client)
    response = upload(client, draft_id, b"Q?{T}\n\n" * (10 * 1024 * 1024 // 7), "huge.gift")
    assert response.status_code == 413
    assert "The file is larger than the platform accepts (8 MB)." in response.get_data(as_text=True)


def test_gift_mistakes_are_listed_with_their_line(client, trainer):
    draft_id = new_draft(client)
    page = upload(client, draft_id, b"Good?{T}\n\n\nBroken?{~a =b\n\nEssay? {}\n", "mixed.gift").get_data(as_text=True)
    assert "1 question comes in" in page and "2 questions are reported and stay out." in page
    assert re.search(r'<td class="num">4</td><td>Broken\?</td><td>—</td><td>the answers opened with', page)


def test_a_file_with_nothing_to_import_offers_nothing_to_add(client, trainer):
    draft_id = new_draft(client)
    page = upload(client, draft_id, b"Essay? {}\n\nWhen? {#1990}\n", "essays.gift").get_data(as_text=True)
    assert "0 questions come in" in page and "No question in this file can be imported" in page
    assert 'name="token"' not in page


def test_a_changed_or_foreign_preview_is_refused_and_adds_nothing(client, trainer, database):
    draft_id, other_id = new_draft(client), new_draft(client)
    token = token_of(upload(client, draft_id, GIFT_DOCS, "gift-documentation.txt").get_data(as_text=True))
    before, other_before = files_of(database, draft_id), files_of(database, other_id)
    forged = add(client, draft_id, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    assert forged.status_code == 302
    assert "The preview has expired or was changed." in client.get(forged.headers["Location"]).get_data(as_text=True)
    foreign = add(client, other_id, token)
    assert "This preview belongs to another draft." in client.get(foreign.headers["Location"]).get_data(as_text=True)
    assert files_of(database, draft_id) == before and files_of(database, other_id) == other_before
    # Added once; the same preview again would reuse the ids it has just added.
    add(client, draft_id, token)
    again = add(client, draft_id, token)
    assert "The draft has changed since the preview" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(files_of(database, draft_id)) == len(before) + 1


def test_other_trainers_drafts_are_404(client, trainer, app, make_user, database):
    draft_id = new_draft(client)
    token = token_of(upload(client, draft_id, GIFT_DOCS, "gift-documentation.txt").get_data(as_text=True))
    other = app.test_client()
    AuthActions(other).login(make_user("trainer"))
    assert upload(other, draft_id, GIFT_DOCS, "gift-documentation.txt").status_code == 404
    assert add(other, draft_id, token).status_code == 404
    assert other.get(f"/author/courses/drafts/{draft_id}/questions/export").status_code == 404


# ---------------------------------------------------------------- export

def test_a_draft_bank_downloads_as_gift_and_moodle_xml_that_read_back_the_same(client, trainer, database):
    draft_id = new_draft(client)
    page = client.get(f"/author/courses/drafts/{draft_id}").get_data(as_text=True)
    assert f"/author/courses/drafts/{draft_id}/questions/export?bank=questions/test.yml&amp;format=gift" in page
    bank = read_bank(files_of(database, draft_id)["questions/test.yml"])[0]
    competencies = {q.competency: q.competency for q in bank if q.competency}
    gift = client.get(f"/author/courses/drafts/{draft_id}/questions/export?bank=questions/test.yml&format=gift")
    assert gift.status_code == 200 and gift.mimetype == "text/plain"
    assert 'filename=grading-with-moodle-questions-test.gift.txt' in gift.headers["Content-Disposition"]
    text = gift.get_data(as_text=True)
    assert "// Not kept: 'cycle' is an ordering question, which GIFT cannot hold" in text
    assert read_questions(text.encode(), "gift", competencies=competencies).questions == tuple(
        q for q in bank if q.type != "ordering")
    xml = client.get(f"/author/courses/drafts/{draft_id}/questions/export?bank=questions/test.yml&format=xml")
    assert xml.mimetype == "application/xml"
    assert read_questions(xml.data, "xml", competencies=competencies).questions == bank


def test_every_bank_of_a_draft_in_one_file_and_unknown_banks(client, trainer, database):
    draft_id = new_draft(client)
    every = client.get(f"/author/courses/drafts/{draft_id}/questions/export?format=xml")
    assert len(read_questions(every.data, "xml").questions) == sum(
        len(read_bank(text)[0]) for name, text in files_of(database, draft_id).items() if name.startswith("questions/"))
    missing = client.get(f"/author/courses/drafts/{draft_id}/questions/export?bank=questions/none.yml")
    assert missing.status_code == 302
    assert "There is no such question bank to export." in client.get(missing.headers["Location"]).get_data(
        as_text=True)
    assert client.get(f"/author/courses/drafts/{draft_id}/questions/export?format=docx").status_code == 404


def test_a_course_s_banks_download_for_those_who_may_edit_it(client, trainer, app, make_user, database):
    url = "/author/courses/grading-basics/questions/export?format=gift"
    assert client.get(url).status_code == 403                 # a shipped course: administrators edit it
    database.update(Course, database.scalar(db.select(Course.id).where(Course.slug == "grading-basics")),
                    owner_id=trainer.id)
    response = client.get(url)
    assert response.status_code == 200 and "::source-a::" in response.get_data(as_text=True)
    assert "Questions as GIFT" in client.get("/author/courses").get_data(as_text=True)
    trainee = app.test_client()
    AuthActions(trainee).login(make_user("trainee"))
    assert trainee.get(url).status_code == 403                # answer keys: editors only
    anonymous = app.test_client()
    assert anonymous.get(url).status_code == 302
