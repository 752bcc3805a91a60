"""`flask questions import FILE --course ID` and `flask questions export`: operators bring Moodle
question files into a course folder and take banks out as GIFT or Moodle XML."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import database_url_for
from sample_course import write_course
from trainer.domain.moodle_questions import read_bank, read_questions
from trainer.extensions import db
from trainer.services.content import load_courses

FIXTURES = Path(__file__).parent.parent / "fixtures" / "moodle"
ENGLISH = {"LANG": "C.UTF-8"}


@pytest.fixture
def course_root(tmp_path):
    write_course(tmp_path / "courses")
    return tmp_path / "courses"


@pytest.fixture
def app_config(request, backend, course_root):
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(course_root)}


def import_file(runner, path: Path, *args: str, env=ENGLISH):
    return runner.invoke(args=["questions", "import", str(path), "--course", "grading-basics", *args], env=env)


def bank_files(course_root: Path) -> list[str]:
    return sorted(p.name for p in (course_root / "grading-basics" / "questions").iterdir())


def test_a_dry_run_prints_every_question_and_every_report_and_writes_nothing(runner, course_root):
    result = import_file(runner, FIXTURES / "gift-documentation.txt", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert "imported  line 7: whos-buried-in-grants-tomb (Single choice) Who's buried in Grant's tomb?" in out
    assert "imported  line 144: Q1 (True or false) Q1" in out
    assert sum(line.startswith("imported  line ") for line in out) == 22
    assert "          note: partial credit is not kept: choosing half credit answer earns nothing here (a single-choice " \
           "question is right or wrong)" in out
    errors = result.stderr.splitlines()
    assert ("reported  line 62: Write a short biography of Dag Hammarskjöld. (essay): essay questions need a trainer "
            "to mark a written answer; course banks hold automatically marked questions (a scenario's written report "
            "is the place for writing)") in errors
    assert "reported  line 153: Q5 (numerical): numerical questions (a typed number) are not supported in course " \
           "banks" in errors
    assert sum(line.startswith("reported  line ") for line in errors) == 10
    assert out[-1].startswith("Dry run: 22 questions come in, 10 are reported; nothing was written")
    assert bank_files(course_root) == ["check.yml", "pre.yml", "test.yml"]


def test_an_import_writes_a_bank_the_content_check_accepts(runner, course_root, tmp_path):
    result = import_file(runner, FIXTURES / "gift-documentation.txt")
    assert result.exit_code == 0, result.output
    assert bank_files(course_root) == ["check.yml", "imported-gift-documentation.yml", "pre.yml", "test.yml"]
    written = (course_root / "grading-basics" / "questions" / "imported-gift-documentation.yml").read_text()
    questions, problems = read_bank(written)
    assert len(questions) == 22 and not problems
    expected = read_questions((FIXTURES / "gift-documentation.txt").read_bytes(), "gift").questions
    assert questions == expected
    # Used as lesson 2's knowledge check, the course still passes `flask content check`.
    lesson = course_root / "grading-basics" / "02-information.md"
    lesson.write_text(lesson.read_text().replace("questions/check.yml", "questions/imported-gift-documentation.yml"))
    (tmp_path / "no-scenarios").mkdir()
    check = runner.invoke(args=["content", "check", "--courses", str(course_root),
                                "--scenarios", str(tmp_path / "no-scenarios")])
    assert check.exit_code == 0 and "1 course(s) valid, 0 error(s)" in check.output, check.output
    # A second import of the same file gets a new file and new ids.
    again = import_file(runner, FIXTURES / "gift-documentation.txt")
    assert again.exit_code == 0
    second = (course_root / "grading-basics" / "questions" / "imported-gift-documentation-2.yml").read_text()
    assert not {q.id for q in read_bank(second)[0]} & {q.id for q in questions}


def test_moodle_xml_and_aiken_in_russian(runner, course_root):
    result = import_file(runner, FIXTURES / "questions.xml", "--lang", "ru")
    assert result.exit_code == 0, result.output
    assert "принят    строка 112: cycle-order (Упорядочивание) Cycle order" in result.stdout
    assert ("не принят строка 144: Describe the cycle (эссе): эссе требует проверки письменного ответа преподавателем"
            in result.stderr)
    written = read_bank((course_root / "grading-basics" / "questions" / "imported-questions.yml").read_text())[0]
    # The category names the course's competency, so the question carries it.
    assert {q.id: q.competency for q in written}["cycle-order"] == "intelligence-cycle"
    aiken = import_file(runner, FIXTURES / "aiken-documentation.txt", "--format", "aiken", "--dry-run")
    assert aiken.exit_code == 0 and "2 questions come in, 0 are reported" in aiken.stdout


def test_a_file_with_nothing_to_import_exits_1(runner, course_root, tmp_path):
    path = tmp_path / "essays.gift"
    path.write_text("Describe the cycle. {}\n\nWhen? {#1990}\n")
    result = import_file(runner, path)
    assert result.exit_code == 1
    assert "reported  line 1: Describe the cycle. (essay)" in result.stderr
    assert "Nothing was imported (0 questions come in, 2 are reported)." in result.stderr
    assert bank_files(course_root) == ["check.yml", "pre.yml", "test.yml"]


@pytest.mark.parametrize("name, data, message", [
    ("big.gift", (b"Q?{T}\n\n" * 1_500_000)[:10 * 1024 * 1024], "big.gift cannot be read: the file is 10.0 MB; at most 2 MB"),
    ("word.gift", b"PK\x03\x04\x00\x00binary", "word.gift cannot be read: the file is not text"),
    ("bomb.xml", b'<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;">]>\n'
                 b"<quiz>&b;</quiz>", "bomb.xml cannot be read: line 2: the file declares a document type"),
    ("broken.xml", b"<quiz>\n<question type='truefalse'>\n</quiz>\n",
     "broken.xml cannot be read: line 3: this is not well-formed XML (column 2: a closing tag does not match the tag "
     "it should close)"),
])
def test_unreadable_files_exit_1_with_the_reason_and_line(runner, course_root, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    result = import_file(runner, path)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert bank_files(course_root) == ["check.yml", "pre.yml", "test.yml"]


def test_cp1251_gift_comes_in(runner, course_root, tmp_path):
    path = tmp_path / "ru.gift"
    path.write_bytes("::Оценка::Источник оценивается отдельно от информации.{TRUE}".encode("cp1251"))
    result = import_file(runner, path, "--dry-run")
    assert result.exit_code == 0 and "imported  line 1: otsenka (True or false) Оценка" in result.stdout


def test_an_unknown_course_exits_1(runner, course_root):
    result = runner.invoke(args=["questions", "import", str(FIXTURES / "aiken-documentation.txt"), "--course", "nope"],
                           env=ENGLISH)
    assert result.exit_code == 1 and "No course with the id nope has a folder in" in result.stderr


def test_export_prints_gift_or_xml_that_reads_back_as_the_banks(runner, app, course_root):
    with app.app_context():
        load_courses(course_root)
        db.session.commit()
    gift = runner.invoke(args=["questions", "export", "--course", "grading-basics", "--format", "gift",
                               "--bank", "questions/test.yml"], env=ENGLISH)
    assert gift.exit_code == 0, gift.output
    bank = read_bank((course_root / "grading-basics" / "questions" / "test.yml").read_text())[0]
    competencies = {q.competency: q.competency for q in bank if q.competency}
    assert read_questions(gift.stdout.encode(), "gift", competencies=competencies).questions == tuple(
        q for q in bank if q.type != "ordering")
    assert "not kept: 'cycle' is an ordering question, which GIFT cannot hold" in gift.stderr
    xml = runner.invoke(args=["questions", "export", "--course", "grading-basics", "--format", "xml"], env=ENGLISH)
    assert xml.exit_code == 0 and xml.stderr == ""
    every = [q for name in ("check.yml", "pre.yml", "test.yml")
             for q in read_bank((course_root / "grading-basics" / "questions" / name).read_text())[0]]
    competencies = {q.competency: q.competency for q in every if q.competency}
    assert read_questions(xml.stdout.encode(), "xml", competencies=competencies).questions == tuple(every)


def test_export_names_a_missing_bank_or_course(runner, course_root):
    missing = runner.invoke(args=["questions", "export", "--course", "grading-basics", "--format", "gift",
                                  "--bank", "questions/none.yml"], env=ENGLISH)
    assert missing.exit_code == 1
    assert ("The course grading-basics has no question bank questions/none.yml (its banks: questions/check.yml, "
            "questions/pre.yml, questions/test.yml).") in missing.stderr
    nobody = runner.invoke(args=["questions", "export", "--course", "nope", "--format", "xml"], env=ENGLISH)
    assert nobody.exit_code == 1 and "There is no course with the id nope." in nobody.stderr
