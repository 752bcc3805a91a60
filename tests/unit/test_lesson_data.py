"""Lesson datasets in course.yml, and knowledge-check keys computed from them (from_data)."""
from pathlib import Path

from trainer.domain.courses import read_course

COURSE = """\
id: data-basics
title: Data basics
summary: Counting calls.
language: en
topic: crime-analysis
version: 1
estimated_minutes: 10
objectives: [Count calls]
lessons: [01-calls.md]
pass_mark: 70
completion: {all_lessons: true}
datasets:
  - id: calls
    title: Calls
    file: data/calls.csv
    columns:
      - {id: start, type: datetime, label: Start}
      - {id: caller, type: phone, label: Caller}
      - {id: seconds, type: integer, label: Seconds}
"""
LESSON = """\
---
title: Calls
minutes: 5
datasets: [calls]
check:
  bank: questions/check.yml
---
Count them.
"""
CALLS = """\
start,caller,seconds
2024-03-11 21:00,+996 555 000 001,40
2024-03-11 22:00,+996 555 000 002,0
2024-03-12 01:00,+996 555 000 001,65
"""
BANK = """\
questions:
  - id: how-many
    type: single
    prompt: How many calls did +996 555 000 001 make?
    options: ["3", "2", "1"]
    answer: {answer}
    from_data: {{dataset: calls, where: {{caller: "+996 555 000 001"}}, count: true}}
    explanation: Two.
  - id: who
    type: multiple
    prompt: Which numbers called for more than 30 seconds?
    options: ["+996 555 000 001", "+996 555 000 002"]
    answer: [1]
    from_data: {{dataset: calls, where: {{seconds: {{min: 30}}}}, distinct: caller}}
    explanation: One number.
"""


def write(root: Path, answer: int = 2, calls: str = CALLS) -> Path:
    folder = root / "data-basics"
    (folder / "questions").mkdir(parents=True)
    (folder / "data").mkdir()
    (folder / "course.yml").write_text(COURSE)
    (folder / "01-calls.md").write_text(LESSON)
    (folder / "data" / "calls.csv").write_text(calls)
    (folder / "questions" / "check.yml").write_text(BANK.format(answer=answer))
    return folder


def test_a_lesson_shows_typed_rows_and_keys_that_match_them_pass(tmp_path):
    spec, problems = read_course(write(tmp_path))
    assert problems == []
    (calls,) = spec.lesson("01-calls").datasets
    assert [c.type for c in calls.columns] == ["datetime", "phone", "integer"]
    assert calls.rows[2][1:] == ("+996 555 000 001", 65)


def test_a_key_that_drifted_from_the_data_and_a_bad_cell_are_named(tmp_path):
    spec, problems = read_course(write(tmp_path / "courses", answer=1))
    assert spec is None
    assert [str(p) for p in problems] == [
        "courses/data-basics/questions/check.yml:6: questions[0].answer: the data gives 2 (option 2), "
        "the key says option 1: correct the key or the data"]

    spec, problems = read_course(write(tmp_path / "other", calls=CALLS.replace(",65", ",1 min")))
    assert [str(p) for p in problems] == [
        "other/data-basics/data/calls.csv:4: dataset 'calls', row 3, column 'seconds': '1 min' is not an integer"]


def test_the_shipped_data_course_keys_its_checks_from_its_tables():
    """Every choice question of the course's knowledge checks is computed from the lesson's rows
    (content check recomputes them), in both editions: no key typed by hand can drift."""
    import yaml

    from trainer.config import PROJECT_ROOT
    from trainer.domain.courses import load_course

    for folder in ("working-with-data", "working-with-data-ru"):
        spec = load_course(PROJECT_ROOT / "courses" / folder)
        written = [q for lesson in spec.lessons
                   for q in yaml.safe_load((PROJECT_ROOT / "courses" / folder / lesson.check.bank).read_text())["questions"]]
        choice = [q for q in written if q["type"] in ("single", "multiple")]
        assert len(choice) >= 10 and all("from_data" in q for q in choice)
