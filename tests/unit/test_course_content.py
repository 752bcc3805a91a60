"""Course folders: loading a valid course and reporting every problem in broken ones."""

import random
from pathlib import Path

import pytest
import yaml

from trainer.domain.courses import (
    CourseError,
    CourseSpec,
    LineDict,
    Problem,
    check_courses,
    line_of,
    load_course,
    load_yaml,
    read_course,
)

BROKEN = Path(__file__).resolve().parents[1] / "content" / "broken_courses"


def course_yml(**overrides):
    """A valid course.yml as a dict; a value of None removes the key."""
    data = {
        "id": "ilp-foundations",
        "title": "Intelligence-led policing",
        "summary": "What ILP is.",
        "language": "en",
        "topic": "intelligence-led-policing",
        "version": 2,
        "estimated_minutes": 60,
        "objectives": [{"id": "intelligence-cycle", "text": "Explain ILP"}],
        "lessons": ["01-concept.md", "02-cycle.md"],
        "pass_mark": 70,
        "completion": {"all_lessons": True, "post_test": True},
        "pre_test": {"bank": "questions/pre.yml", "per_competency": 3},
        "post_test": {"bank": "questions/test.yml", "per_competency": 3},
        "sources": ["UNODC, Criminal Intelligence: Manual for Analysts (2011)"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


LESSON_1 = """\
---
title: The concept
minutes: 25
objectives:
  - Define ILP
check:
  bank: questions/01-concept.yml
  count: 1
---

# The concept

!!! note "Jurisdiction: Kyrgyz Republic"
    National text.

Intelligence guides operations[^1].

[^1]: Ratcliffe (2016).
"""

LESSON_2 = """\
---
title: The cycle
minutes: 35
---
# The cycle

Six stages.
"""

BANK_1 = """\
questions:
  - id: concept-tf
    type: true_false
    prompt: "ILP is a philosophy of policing."
    answer: true
    explanation: "It is a business model and managerial philosophy."
  - id: concept-single
    type: single
    prompt: "Who coined ILP?"
    options: [Ratcliffe, Sir Robert Peel]
    answer: 1
    explanation: "Ratcliffe popularised the term."
"""

TEST_BANK = """\
questions:
  - id: test-single
    type: single
    competency: intelligence-cycle
    prompt: "Which stage comes after collection?"
    options:
      - text: Evaluation
        feedback: "Correct."
      - text: Dissemination
        feedback: "Not yet."
    answer: 1
    explanation: "Evaluation follows collection."
  - id: test-multiple
    type: multiple
    competency: intelligence-cycle
    prompt: "Which are stages?"
    options: [Collection, Arrest, Analysis]
    answer: [1, 3]
    explanation: "Arrest is an outcome."
  - id: test-match
    type: matching
    competency: intelligence-cycle
    prompt: "Match the codes."
    pairs:
      - {left: A, right: "Always reliable"}
      - {left: X, right: "Cannot be judged"}
    explanation: "4x4 system."
  - id: test-order
    type: ordering
    competency: intelligence-cycle
    prompt: "Order the stages."
    items: [Collection, Evaluation, Analysis]
    explanation: "Collect, evaluate, analyse."
"""

PRE_BANK = """\
questions:
  - id: pre-single
    type: single
    competency: intelligence-cycle
    prompt: "Which stage comes before analysis?"
    options: [Collation, Dissemination]
    answer: 1
    explanation: "Material is collated, then analysed."
  - id: pre-tf
    type: true_false
    competency: intelligence-cycle
    prompt: "Dissemination comes before collection."
    answer: false
    explanation: "Collection starts the cycle."
  - id: pre-order
    type: ordering
    competency: intelligence-cycle
    prompt: "Put the stages in order."
    items: [Evaluation, Collation, Dissemination]
    explanation: "Evaluate, collate, disseminate."
"""


def make_course(root: Path, folder="ilp", course=None, files=None) -> Path:
    """Write a valid course folder under root; `files` adds or replaces files (None deletes)."""
    path = root / folder
    (path / "questions").mkdir(parents=True)
    contents = {
        "course.yml": yaml.safe_dump(course if course is not None else course_yml(), sort_keys=False),
        "01-concept.md": LESSON_1,
        "02-cycle.md": LESSON_2,
        "questions/01-concept.yml": BANK_1,
        "questions/pre.yml": PRE_BANK,
        "questions/test.yml": TEST_BANK,
    }
    contents.update(files or {})
    for name, text in contents.items():
        if text is not None:
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path):
    """An empty content root named like the real one."""
    path = tmp_path / "courses"
    path.mkdir()
    return path


def errors(folder):
    """Error problems of one course folder."""
    return [p for p in read_course(folder)[1] if p.severity == "error"]


def find(problems, file_end, key):
    """The problems for a file (by its ending) and key path."""
    return [p for p in problems if p.file.endswith(file_end) and p.key == key]


# ------------------------------------------------------------------ a valid course

def test_valid_course_loads_into_a_spec(root):
    spec = load_course(make_course(root))
    assert isinstance(spec, CourseSpec)
    assert (spec.id, spec.language, spec.topic, spec.version) == (
        "ilp-foundations", "en", "intelligence-led-policing", 2)
    assert spec.estimated_minutes == 60 and spec.pass_mark == 70
    assert spec.objectives == ("Explain ILP",)
    assert spec.sources == ("UNODC, Criminal Intelligence: Manual for Analysts (2011)",)
    assert spec.folder == "ilp"
    assert spec.completion.all_lessons and spec.completion.post_test


def test_lessons_keep_order_slug_metadata_and_rendered_body(root):
    spec = load_course(make_course(root))
    first, second = spec.lessons
    assert (first.slug, first.title, first.minutes, first.objectives) == (
        "01-concept", "The concept", 25, ("Define ILP",))
    assert first.body_markdown.lstrip().startswith("# The concept")
    assert '<div class="admonition note">' in first.body_html
    assert '<sup id="fnref:1">' in first.body_html
    assert second.slug == "02-cycle" and second.objectives == () and second.check is None
    assert spec.lesson("02-cycle") is second
    with pytest.raises(KeyError):
        spec.lesson("nope")


def test_check_and_test_banks(root):
    spec = load_course(make_course(root))
    check = spec.lessons[0].check
    assert check.bank == "questions/01-concept.yml" and check.count == 1
    assert [q.id for q in check.questions] == ["concept-tf", "concept-single"]
    assert spec.pre_test.count == 3 and spec.post_test.count == 3
    assert [q.type for q in spec.post_test.questions] == ["single", "multiple", "matching", "ordering"]
    assert spec.post_test.questions[0].competency == "intelligence-cycle"
    assert len(spec.post_test.draw(random.Random(1))) == 3


def test_check_count_defaults_to_the_whole_bank(root):
    lesson = LESSON_1.replace("  count: 1\n", "")
    spec = load_course(make_course(root, files={"01-concept.md": lesson}))
    assert spec.lessons[0].check.count == 2


def test_all_questions_by_id(root):
    spec = load_course(make_course(root))
    assert set(spec.all_questions()) == {
        "concept-tf", "concept-single", "test-single", "test-multiple", "test-match", "test-order",
        "pre-single", "pre-tf", "pre-order"}


def test_the_same_bank_for_pre_and_post_test_is_not_a_duplicate(root):
    assert errors(make_course(root)) == []


@pytest.mark.parametrize("rule, done, best, expected", [
    ({"all_lessons": True, "post_test": True}, {"01-concept", "02-cycle"}, 70.0, True),
    ({"all_lessons": True, "post_test": True}, {"01-concept", "02-cycle"}, 69.9, False),
    ({"all_lessons": True, "post_test": True}, {"01-concept"}, 100.0, False),
    ({"all_lessons": True, "post_test": True}, {"01-concept", "02-cycle"}, None, False),
    ({"all_lessons": True, "post_test": False}, {"01-concept", "02-cycle"}, None, True),
    ({"all_lessons": False, "post_test": True}, set(), 80.0, True),
])
def test_completion_rule(root, rule, done, best, expected):
    spec = load_course(make_course(root, course=course_yml(completion=rule)))
    assert spec.is_complete(done, best) is expected


def test_valid_course_has_no_problems_at_all(root):
    make_course(root)
    specs, problems = check_courses(root)
    assert [s.id for s in specs] == ["ilp-foundations"]
    assert problems == []


# ------------------------------------------------------------------ the Problem type

def test_problem_str():
    assert str(Problem("courses/x/course.yml", 12, "lessons[2]", "file '03-x.md' not found")) == (
        "courses/x/course.yml:12: lessons[2]: file '03-x.md' not found")
    assert str(Problem("courses/x/course.yml", None, "title", "is required")) == (
        "courses/x/course.yml: title: is required")
    assert str(Problem("courses/x/01.md", 3, "body", "stripped", "warning")) == (
        "courses/x/01.md:3: warning: body: stripped")
    assert str(Problem("courses/x/course.yml", 4, "", "invalid YAML")) == "courses/x/course.yml:4: invalid YAML"


def test_file_names_are_relative_to_the_content_roots_parent(root):
    folder = make_course(root, files={"02-cycle.md": None})
    (problem,) = errors(folder)
    assert problem.file == "courses/ilp/course.yml"
    assert str(problem) == "courses/ilp/course.yml:13: lessons[1]: file '02-cycle.md' not found"


def test_load_course_raises_with_every_error(root):
    folder = make_course(root, course=course_yml(language="fr", pass_mark=101))
    with pytest.raises(CourseError) as info:
        load_course(folder)
    assert {p.key for p in info.value.problems} == {"language", "pass_mark"}
    assert "pass_mark 101 is outside 0-100" in str(info.value)


# ------------------------------------------------------------------ course.yml problems

def test_bad_yaml_reports_the_parser_line(root):
    folder = make_course(root, files={"course.yml": "id: x\ntitle: [unclosed\nsummary: y\n"})
    (problem,) = errors(folder)
    assert problem.file == "courses/ilp/course.yml" and problem.key == ""
    assert problem.message.startswith("invalid YAML:")
    assert problem.line in (2, 3)


def test_duplicate_yaml_keys_are_an_error(root):
    folder = make_course(root, files={"course.yml": "id: x\ntitle: A\ntitle: B\n"})
    (problem,) = errors(folder)
    assert problem.line == 3 and "duplicate key 'title'" in problem.message


def test_course_yml_must_be_a_mapping(root):
    (problem,) = errors(make_course(root, files={"course.yml": "- a\n- b\n"}))
    assert "expected keys" in problem.message


def test_missing_course_yml(root):
    (root / "empty").mkdir()
    _, problems = check_courses(root)
    assert [str(p) for p in problems] == ["courses/empty/course.yml: course.yml not found"]


def test_missing_required_keys_are_all_reported(root):
    course = course_yml(title=None, summary=None, topic=None, version=None, objectives=None)
    found = errors(make_course(root, course=course))
    assert {p.key for p in found} == {"title", "summary", "topic", "version", "objectives"}
    assert all(p.message.startswith("is required") for p in found)


@pytest.mark.parametrize("overrides, key, message", [
    ({"version": "one"}, "version", "expected a whole number, got 'one'"),
    ({"version": 0}, "version", "must be at least 1, got 0"),
    ({"estimated_minutes": 1.5}, "estimated_minutes", "expected a whole number, got a number (1.5)"),
    ({"objectives": "Explain ILP"}, "objectives", "expected a list, got 'Explain ILP'"),
    ({"objectives": []}, "objectives", "needs at least 1 entries, has 0"),
    ({"objectives": ["ok", 3]}, "objectives[1]", "expected text, got a number (3)"),
    ({"lessons": "01-concept.md"}, "lessons", "expected a list, got '01-concept.md'"),
    ({"id": "ILP Foundations"}, "id", "expected lowercase letters, digits and hyphens, got 'ILP Foundations'"),
    ({"title": ""}, "title", "expected text, got empty text"),
    ({"pass_mark": 101}, "pass_mark", "pass_mark 101 is outside 0-100"),
    ({"pass_mark": -1}, "pass_mark", "pass_mark -1 is outside 0-100"),
    ({"pass_mark": True}, "pass_mark", "expected a whole number, got true/false (true)"),
    ({"language": "fr"}, "language", "unknown language 'fr': expected one of en, ru"),
    ({"completion": "all"}, "completion", "expected keys under it, got 'all'"),
    ({"completion": {"all_lessons": "yes", "post_test": True}}, "completion.all_lessons",
     "expected true or false, got 'yes'"),
    ({"sources": "UNODC"}, "sources", "expected a list, got 'UNODC'"),
])
def test_wrong_values(root, overrides, key, message):
    found = errors(make_course(root, course=course_yml(**overrides)))
    assert (key, message) in {(p.key, p.message) for p in found}


def test_russian_is_a_known_language(root):
    assert load_course(make_course(root, course=course_yml(language="ru"))).language == "ru"


def test_post_test_required_when_completion_needs_it(root):
    (problem,) = errors(make_course(root, course=course_yml(post_test=None)))
    assert problem.key == "completion.post_test"
    assert "needs a post_test" in problem.message
    assert problem.line == 17          # the completion.post_test line


def test_no_post_test_is_fine_when_completion_does_not_need_it(root):
    course = course_yml(post_test=None, completion={"all_lessons": True, "post_test": False})
    assert load_course(make_course(root, course=course)).post_test is None


def test_completion_needs_at_least_one_rule(root):
    course = course_yml(completion={"all_lessons": False, "post_test": False}, post_test=None)
    (problem,) = errors(make_course(root, course=course))
    assert problem.key == "completion"


def test_unknown_keys_are_warnings(root):
    folder = make_course(root, course=course_yml(estimated_minute=10))
    spec, problems = read_course(folder)
    assert spec is not None
    assert [(p.key, p.severity) for p in problems] == [("estimated_minute", "warning")]


def test_three_mistakes_give_three_messages(root):
    course = course_yml(language="de", pass_mark=150, lessons=["01-concept.md", "02-cycle.md", "03-x.md"])
    found = errors(make_course(root, course=course))
    assert sorted(p.key for p in found) == ["language", "lessons[2]", "pass_mark"]


# ------------------------------------------------------------------ lessons

def test_missing_lesson_file_names_the_list_entry(root):
    course = course_yml(lessons=["01-concept.md", "02-cycle.md", "03-x.md"])
    (problem,) = errors(make_course(root, course=course))
    assert (problem.key, problem.message) == ("lessons[2]", "file '03-x.md' not found")
    assert problem.line == 14


def test_lesson_listed_twice(root):
    course = course_yml(lessons=["01-concept.md", "02-cycle.md", "01-concept.md"])
    (problem,) = errors(make_course(root, course=course))
    assert problem.key == "lessons[2]" and "listed twice" in problem.message


@pytest.mark.parametrize("name, message", [
    ("../outside.md", "must be a path inside the course folder"),
    ("/etc/passwd.md", "must be a path inside the course folder"),
    ("notes.txt", "should end in .md"),
    ("Lesson One.md", "must be lowercase letters"),
])
def test_bad_lesson_names(root, name, message):
    course = course_yml(lessons=["01-concept.md", "02-cycle.md", name])
    (problem,) = errors(make_course(root, course=course))
    assert problem.key == "lessons[2]" and message in problem.message


def test_lesson_without_front_matter(root):
    (problem,) = errors(make_course(root, files={"02-cycle.md": "# The cycle\n"}))
    assert (problem.file, problem.line, problem.key) == ("courses/ilp/02-cycle.md", 1, "front matter")
    assert "missing" in problem.message


def test_lesson_front_matter_bad_yaml_has_the_file_line(root):
    lesson = "---\ntitle: The cycle\nminutes: [25\n---\nText\n"
    (problem,) = errors(make_course(root, files={"02-cycle.md": lesson}))
    assert problem.key == "front matter" and "invalid YAML" in problem.message
    assert problem.line in (3, 4)


def test_lesson_front_matter_problems_carry_file_lines(root):
    lesson = "---\ntitle: The cycle\nminutes: soon\ncheck:\n  bank: questions/none.yml\n---\nText\n"
    found = errors(make_course(root, files={"02-cycle.md": lesson}))
    assert {(p.key, p.line) for p in found} == {("minutes", 3), ("check.bank", 5)}
    assert find(found, "02-cycle.md", "check.bank")[0].message == "file 'questions/none.yml' not found"


def test_lesson_without_title(root):
    lesson = "---\nminutes: 5\n---\nText\n"
    (problem,) = errors(make_course(root, files={"02-cycle.md": lesson}))
    assert (problem.key, problem.message) == ("title", "is required")


def test_script_in_lesson_is_a_warning_and_stripped(root):
    lesson = LESSON_2 + '\n<script>alert("x")</script>\n\n<p onclick="x()">hi</p>\n'
    folder = make_course(root, files={"02-cycle.md": lesson})
    spec, problems = read_course(folder)
    assert spec is not None
    assert {(p.severity, p.line) for p in problems} == {("warning", 9), ("warning", 11)}
    assert any("<script> element" in p.message for p in problems)
    html = spec.lesson("02-cycle").body_html
    assert "script" not in html and "alert" not in html and "onclick" not in html


def test_unlisted_markdown_files_are_warned_about(root):
    folder = make_course(root, files={"03-draft.md": LESSON_2, "README.md": "notes"})
    problems = read_course(folder)[1]
    assert [(p.file, p.severity) for p in problems] == [("courses/ilp/03-draft.md", "warning")]


# ------------------------------------------------------------------ question banks

def test_missing_bank_file(root):
    course = course_yml(pre_test={"bank": "questions/missing.yml", "per_competency": 3})
    (problem,) = errors(make_course(root, course=course))
    assert (problem.key, problem.message) == ("pre_test.bank", "file 'questions/missing.yml' not found")


def test_count_larger_than_the_bank(root):
    course = course_yml(post_test={"bank": "questions/test.yml", "count": 10})
    (problem,) = errors(make_course(root, course=course))
    assert problem.key == "post_test.count"
    assert problem.message == "count 10 is larger than the bank 'questions/test.yml' (4 questions)"


def test_count_must_be_positive(root):
    course = course_yml(pre_test=None, post_test={"bank": "questions/test.yml", "count": 0})
    (problem,) = errors(make_course(root, course=course))
    assert problem.key == "post_test.count"


def test_unknown_question_type_lists_the_known_ones(root):
    bank = TEST_BANK + "  - id: essay\n    type: essay\n    prompt: Write.\n    explanation: No.\n"
    (problem,) = errors(make_course(root, files={"questions/test.yml": bank}))
    assert (problem.file, problem.line, problem.key) == ("courses/ilp/questions/test.yml", 35, "questions[4].type")
    assert problem.message == (
        "unknown question type 'essay': expected one of single, multiple, true_false, matching, ordering")


def test_answer_out_of_range_has_file_line_and_key(root):
    bank = TEST_BANK.replace("    answer: 1\n", "    answer: 5\n")
    (problem,) = errors(make_course(root, files={"questions/test.yml": bank}))
    assert str(problem) == ("courses/ilp/questions/test.yml:11: questions[0].answer: "
                            "answer 5 is out of range: the question has 2 options")


def test_nested_question_problem_lines(root):
    bank = TEST_BANK.replace('      - {left: X, right: "Cannot be judged"}', "      - {left: X}")
    (problem,) = errors(make_course(root, files={"questions/test.yml": bank}))
    assert (problem.key, problem.line) == ("questions[2].pairs[1].right", 26)


def test_missing_question_key_points_at_the_question(root):
    bank = TEST_BANK.replace('    explanation: "Arrest is an outcome."\n', "")
    (problem,) = errors(make_course(root, files={"questions/test.yml": bank}))
    assert (problem.key, problem.line, problem.message) == ("questions[1].explanation", 13, "is required")


def test_duplicate_question_ids_across_banks_of_a_course(root):
    bank = BANK_1.replace("id: concept-single", "id: test-order")
    found = errors(make_course(root, files={"questions/01-concept.yml": bank}))
    assert len(found) == 1
    problem = found[0]
    assert problem.key.endswith(".id") and "duplicate question id 'test-order'" in problem.message
    assert "courses/ilp/questions/" in problem.message     # says where the first one is


def test_duplicate_question_ids_within_one_bank(root):
    bank = BANK_1.replace("id: concept-single", "id: concept-tf")
    (problem,) = errors(make_course(root, files={"questions/01-concept.yml": bank}))
    assert str(problem) == ("courses/ilp/questions/01-concept.yml:7: questions[1].id: duplicate question id "
                            "'concept-tf': also at courses/ilp/questions/01-concept.yml:2")


@pytest.mark.parametrize("text, message", [
    ("- id: a\n", "expected a 'questions:' list at the top"),
    ("questions: []\n", "expected a list of at least one question"),
    ("questions:\n  - id: [\n", "invalid YAML"),
])
def test_bad_bank_files(root, text, message):
    found = errors(make_course(root, files={"questions/01-concept.yml": text}))
    assert any(message in p.message and p.file.endswith("01-concept.yml") for p in found)


def test_every_question_problem_in_a_bank_is_reported(root):
    bank = """\
questions:
  - id: a
    type: single
    prompt: P
    options: [x, y, z]
    answer: 5
  - id: b
    type: ordering
    prompt: P
    items: [only]
    explanation: E
"""
    found = errors(make_course(root, files={"questions/01-concept.yml": bank}))
    assert {(p.key, p.line) for p in found} == {
        ("questions[0].answer", 6), ("questions[0].explanation", 2), ("questions[1].items", 10)}


# ------------------------------------------------------------------ several courses

def test_duplicate_course_ids_across_courses(root):
    make_course(root, folder="a")
    make_course(root, folder="b")
    specs, problems = check_courses(root)
    assert [s.folder for s in specs] == ["a"]
    (problem,) = problems
    assert str(problem) == ("courses/b/course.yml:1: id: duplicate course id 'ilp-foundations': "
                            "also used by courses/a/course.yml")


def test_underscore_and_dot_folders_and_files_are_ignored(root):
    make_course(root, folder="ilp")
    (root / "_drafts").mkdir()
    (root / ".git").mkdir()
    (root / "README.md").write_text("About the courses")
    specs, problems = check_courses(root)
    assert len(specs) == 1 and problems == []


def test_broken_course_does_not_hide_good_ones(root):
    make_course(root, folder="good")
    make_course(root, folder="bad", course=course_yml(id="other", language="xx"))
    specs, problems = check_courses(root)
    assert [s.folder for s in specs] == ["good"]
    assert [p.key for p in problems] == ["language"]


def test_missing_content_root(tmp_path):
    specs, problems = check_courses(tmp_path / "nowhere")
    assert specs == [] and "content folder not found" in problems[0].message


# ------------------------------------------------------------------ the broken examples

def test_broken_example_courses_report_file_and_key():
    specs, problems = check_courses(BROKEN)
    shown = [str(p) for p in problems]
    expected = [
        "broken_courses/bad-yaml/course.yml:5: invalid YAML: a quoted value is not closed: end it with the "
        "same quote mark (it begins on line 2)",
        "broken_courses/missing-lesson/course.yml:13: lessons[1]: file '02-missing.md' not found",
        "broken_courses/unknown-type/questions/test.yml:20: questions[2].type: unknown question type "
        "'essay': expected one of single, multiple, true_false, matching, ordering",
        "broken_courses/answer-out-of-range/questions/test.yml:9: questions[0].answer: "
        "answer 5 is out of range: the question has 3 options",
        "broken_courses/overlapping-forms/course.yml:22: post_test.bank: 'questions/test.yml' is also the "
        "pre-test's bank: the pre-test and post-test are parallel forms, each with its own bank and no question "
        "in common",
    ]
    for line in expected:
        assert line in shown
    assert len([p for p in problems if p.severity == "error"]) == len(expected)


def test_script_lesson_example_only_warns_and_still_loads():
    specs, problems = check_courses(BROKEN)
    assert [s.id for s in specs] == ["script-lesson"]
    warnings = [p for p in problems if p.severity == "warning"]
    assert {(p.file, p.line, p.key) for p in warnings} == {
        ("broken_courses/script-lesson/01-intro.md", 12, "body"),
        ("broken_courses/script-lesson/01-intro.md", 14, "body"),
    }
    html = specs[0].lessons[0].body_html
    assert "<script" not in html and "stolen" not in html and "javascript" not in html


# ------------------------------------------------------------------ YAML line tracking

def test_load_yaml_records_lines():
    data = load_yaml("a: 1\nb:\n  - x\n  - c: 2\n    d: 3\n")
    assert isinstance(data, LineDict) and data == {"a": 1, "b": ["x", {"c": 2, "d": 3}]}
    assert line_of(data, "a") == 1
    assert line_of(data, "b[0]") == 3
    assert line_of(data, "b[1].d") == 5
    assert line_of(data, "b[1].missing") == 4      # falls back to the deepest part found
    assert line_of(data, "nothing") is None


def test_load_yaml_first_line_offset():
    assert line_of(load_yaml("title: x\nminutes: 3\n", first_line=2), "minutes") == 3


def test_load_yaml_boolean_keys_are_found_by_name():
    data = load_yaml("feedback:\n  true: yes\n  false: no\n")
    assert line_of(data, "feedback.false") == 3


# ------------------------------------------------------------------ translations

def test_a_translation_names_its_original_in_another_language(root):
    make_course(root, folder="ilp")
    make_course(root, folder="ilp-ru", course=course_yml(id="ilp-ru", language="ru", translation_of="ilp-foundations"))
    specs, problems = check_courses(root)
    assert problems == []
    by_id = {spec.id: spec for spec in specs}
    assert by_id["ilp-ru"].translation_of == "ilp-foundations"
    assert by_id["ilp-foundations"].translation_of is None


def test_translation_of_a_course_that_is_not_there(root):
    folder = make_course(root, folder="ilp-ru", course=course_yml(id="ilp-ru", language="ru", translation_of="ilp-foundation"))
    line = (folder / "course.yml").read_text().splitlines().index("translation_of: ilp-foundation") + 1
    specs, problems = check_courses(root)
    assert specs == []
    (problem,) = problems
    assert str(problem) == (f"courses/ilp-ru/course.yml:{line}: translation_of: "
                            "no course with id 'ilp-foundation' in this folder")


def test_translation_of_a_course_in_the_same_language(root):
    make_course(root, folder="ilp")
    make_course(root, folder="ilp-copy", course=course_yml(id="ilp-copy", translation_of="ilp-foundations"))
    specs, problems = check_courses(root)
    assert [spec.id for spec in specs] == ["ilp-foundations"]
    (problem,) = problems
    assert problem.file == "courses/ilp-copy/course.yml" and problem.key == "translation_of"
    assert "course 'ilp-foundations' is also in language 'en'" in problem.message


def test_translation_of_itself_and_of_a_bad_slug(root):
    make_course(root, folder="a", course=course_yml(id="a", translation_of="a"))
    make_course(root, folder="b", course=course_yml(id="b", language="ru", translation_of="Not A Slug"))
    specs, problems = check_courses(root)
    assert specs == []
    problems = sorted(problems, key=lambda p: p.file)
    assert [(p.file, p.key) for p in problems] == [("courses/a/course.yml", "translation_of"),
                                                   ("courses/b/course.yml", "translation_of")]
    assert "own id" in problems[0].message and "expected lowercase letters" in problems[1].message
