"""Hostile content files through the web and the CLI: deep YAML, zip slip, zip bombs.

Each is refused with a message naming the file (and line), never a 500 or a dead worker.
The 50 000-bracket document that crashed libyaml is tried in a subprocess by
tests/unit/test_yaml_limits.py; here the documents are ones that cost CPU, not the process.
"""
import io
import re
import struct
import time
import zipfile

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, post_form
from sample_course import write_course
from trainer.models import CourseDraft, ScenarioDraft

BRACES = "{a: " * 20_000                     # cost 8 s of CPU and a 500 before the guard
DASHES = "- " * 50_000


@pytest.fixture
def app_config(example_scenario_config, tmp_path):
    write_course(tmp_path / "courses")
    return {**example_scenario_config, "CONTENT_COURSES_DIR": str(tmp_path / "courses")}


@pytest.fixture
def trainer(make_user, auth, example_loaded):
    user = make_user("trainer")
    auth.login(user)
    return user


def make_zip(files: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload_zip(client, data: bytes):
    return post_form(client, "/author/courses/import", {"file": (io.BytesIO(data), "course.zip")},
                     content_type="multipart/form-data")


def page_of(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


# --- course zips ---------------------------------------------------------------------------

@pytest.mark.parametrize("files, message", [
    ({"course.yml": BRACES}, "'course.yml' line 1: nesting deeper than 50 levels"),
    ({"course.yml": "id: x\n", "questions/test.yml": "questions:\n" + DASHES},
     "'questions/test.yml' line 2: nesting deeper than 50 levels"),
    ({"grading-basics/course.yml": "id: x\n", "grading-basics/b.yaml": "[" * 30 + "]" * 30},
     "'b.yaml' line 1: nesting deeper than 50 levels"),
])
def test_a_zip_with_deeply_nested_yaml_is_refused_quickly_with_the_file_and_line(client, trainer, database,
                                                                                files, message):
    started = time.perf_counter()
    response = upload_zip(client, make_zip(files))
    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    assert message in page_of(response) and "Nothing was imported" in page_of(response)
    assert database.count(CourseDraft) == 0


@pytest.mark.parametrize("name", ["../evil.md", "/etc/evil.md", "a/../../evil.md", "..\\evil.md", "C:/evil.md",
                                  "./../evil.md"])
def test_zip_slip_entries_are_refused_and_nothing_is_imported(client, trainer, database, name):
    response = upload_zip(client, make_zip({"course.yml": "id: x\n", name: "boo"}))
    assert response.status_code == 400
    assert "points outside the course folder" in page_of(response) and "nothing was imported" in page_of(response)
    assert database.count(CourseDraft) == 0


@pytest.mark.parametrize("megabytes, message", [
    (100, "The course is larger than 4 MB in all"),      # refused by the sizes the zip declares
    (3, "'01.md' is larger than 512 KB"),
])
def test_a_zip_bomb_entry_is_refused_without_unpacking_it(client, trainer, database, megabytes, message):
    bomb = make_zip({"course.yml": "id: x\n", "01.md": b"\x00" * (megabytes * 1024 * 1024)})
    assert len(bomb) < 200_000                           # megabytes inside a small upload
    started = time.perf_counter()
    response = upload_zip(client, bomb)
    assert time.perf_counter() - started < 2
    assert response.status_code == 400 and message in page_of(response)
    assert database.count(CourseDraft) == 0


def test_many_files_each_under_the_limit_are_refused_by_their_total(client, trainer, database):
    files = {"course.yml": "id: x\n", **{f"{n:02}.md": "x" * (500 * 1024) for n in range(10)}}
    response = upload_zip(client, make_zip(files))
    assert response.status_code == 400 and "The course is larger than 4 MB in all" in page_of(response)
    assert database.count(CourseDraft) == 0


def _lie_about_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with `name` declaring `size` bytes uncompressed (local header and directory)."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for match in re.finditer(re.escape(signature), data):
            name_at = match.start() + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                out[match.start() + offset:match.start() + offset + 4] = struct.pack("<I", size)
    return bytes(out)


def test_an_entry_that_lies_about_its_size_is_refused(client, trainer, database):
    data = _lie_about_sizes(make_zip({"course.yml": "id: x\n", "01.md": "y" * 400_000}), b"01.md", 10)
    response = upload_zip(client, data)
    assert response.status_code == 400 and "'01.md' cannot be read from the zip" in page_of(response)
    assert database.count(CourseDraft) == 0


def test_a_zip_with_thousands_of_entries_is_refused(client, trainer, database):
    files = {"course.yml": "id: x\n", **{f"{n:05}.md": "" for n in range(5000)}}
    response = upload_zip(client, make_zip(files, zipfile.ZIP_STORED))
    assert response.status_code == 400 and "a course may have at most 200" in page_of(response)


# --- course editor -------------------------------------------------------------------------

def create_course_draft(client) -> int:
    response = post_form(client, "/author/courses/drafts", {"title": "Border checks", "source": ""})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_deep_yaml_saved_in_the_course_editor_is_kept_and_listed_with_its_line(client, trainer, database):
    draft_id = create_course_draft(client)
    url = f"/author/courses/drafts/{draft_id}"
    lesson = "---\ntitle: Intro\nminutes: 5\nobjectives: " + BRACES + "\n---\nText\n"
    started = time.perf_counter()
    assert post_form(client, f"{url}/edit/01-introduction.md", {"text": lesson}).status_code == 302
    assert time.perf_counter() - started < 3
    page = page_of(client.get(url))
    assert "front matter nesting deeper than 50 levels" in page and '<td class="num">4</td>' in page
    preview = client.post(f"{url}/preview", json={"text": lesson}, headers={"X-CSRFToken": csrf_token(client)})
    assert preview.status_code == 200

    text = "id: x\ntitle: y\nsummary: " + BRACES + "\n"
    assert post_form(client, f"{url}/edit/course.yml", {"text": text}).status_code == 302
    assert database.get(CourseDraft, draft_id).files["course.yml"] == text            # the author keeps it
    page = page_of(client.get(url))
    assert "nesting deeper than 50 levels" in page and '<td class="num">3</td>' in page


# --- scenarios -----------------------------------------------------------------------------

def test_a_deep_scenario_upload_becomes_a_draft_listing_the_problem_quickly(client, trainer, database):
    started = time.perf_counter()
    response = client.post("/author/scenarios/import",
                           data={"file": (io.BytesIO(("id: x\nbrief: " + BRACES).encode()), "case.yml"),
                                 "csrf_token": csrf_token(client, "/author/scenarios")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert time.perf_counter() - started < 3
    assert response.status_code == 200
    page = page_of(response)
    assert "nesting deeper than 50 levels" in page and "Line 2</a>" in page


def test_a_deep_scenario_saved_in_the_editor_lists_the_problem(client, trainer, database):
    response = post_form(client, "/author/scenarios/new")
    draft_id = database.scalar(select(func.max(ScenarioDraft.id)))
    assert draft_id is not None, response.get_data(as_text=True)[:500]
    text = "id: deep-case\ntasks:\n" + DASHES
    response = post_form(client, f"/author/scenarios/drafts/{draft_id}", {"source": text}, follow_redirects=True)
    assert response.status_code == 200
    assert "nesting deeper than 50 levels" in page_of(response) and "Line 3</a>" in page_of(response)
    assert database.get(ScenarioDraft, draft_id).source == text


# --- flask content check -------------------------------------------------------------------

def test_content_check_names_deep_files_and_lines_and_fails(runner, tmp_path):
    courses = tmp_path / "check-courses"
    folder = write_course(courses)
    (folder / "questions" / "check.yml").write_text("questions:\n" + DASHES, encoding="utf-8")
    scenarios = tmp_path / "check-scenarios"
    scenarios.mkdir()
    (scenarios / "deep.yml").write_text("id: x\n" + BRACES, encoding="utf-8")
    result = runner.invoke(args=["content", "check", "--courses", str(courses), "--scenarios", str(scenarios)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert re.search(r"questions/check\.yml:2: nesting deeper than 50 levels", result.output)
    assert re.search(r"deep\.yml:2: nesting deeper than 50 levels", result.output)


# --- raw HTML left open in a lesson --------------------------------------------------------

UNCLOSED = "---\ntitle: Intro\nminutes: 5\n---\n# Intro\n\n<style>\n\nThe **rest** of the lesson.\n"


def test_an_unclosed_style_is_listed_in_the_editor_and_the_text_after_it_is_previewed(client, trainer, database):
    draft_id = create_course_draft(client)
    url = f"/author/courses/drafts/{draft_id}"
    assert post_form(client, f"{url}/edit/01-introduction.md", {"text": UNCLOSED}).status_code == 302
    page = page_of(client.get(url))
    assert "None found" not in page
    assert "<style> element is never closed".replace("<", "&lt;").replace(">", "&gt;") in page
    assert '<td class="num">7</td>' in page                          # the line of <style> in the file
    preview = client.post(f"{url}/preview", json={"text": UNCLOSED}, headers={"X-CSRFToken": csrf_token(client)})
    assert "The <strong>rest</strong> of the lesson." in preview.get_json()["html"]


def test_content_check_names_the_line_of_an_unclosed_element(runner, tmp_path):
    courses = tmp_path / "check-courses"
    folder = write_course(courses, lesson_body="Intro.\n\n<math>\n\nThe rest.")
    line = (folder / "01-source.md").read_text().splitlines().index("<math>") + 1
    empty = tmp_path / "no-scenarios"
    empty.mkdir()
    result = runner.invoke(args=["content", "check", "--courses", str(courses), "--scenarios", str(empty)])
    assert result.exit_code == 1
    assert f"01-source.md:{line}: body: raw HTML <math> element is never closed" in result.output
