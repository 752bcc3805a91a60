"""Parallel pre/post forms drawn per competency, knowledge checks apart from the tests, and
warnings about answer keys a test-wise officer could guess (longest option, true/false one way)."""
import random
from collections import Counter

import pytest
from unit.test_course_content import PRE_BANK, TEST_BANK, course_yml, errors, find, make_course

from trainer.domain.courses import QuestionBank, check_courses, load_course, read_course
from trainer.domain.questions import Option, Question, answer_cues, draw_form, right_is_longest


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "courses"
    path.mkdir()
    return path


def warnings(folder):
    return [p for p in read_course(folder)[1] if p.severity == "warning"]


# ------------------------------------------------------------------ parallel forms

def test_forms_load_with_their_competencies(root):
    spec = load_course(make_course(root))
    assert [(c.id, c.text) for c in spec.competencies] == [("intelligence-cycle", "Explain ILP")]
    assert spec.objectives == ("Explain ILP",)
    assert (spec.pre_test.per_competency, spec.pre_test.count, spec.pre_test.competencies) == (
        3, 3, ("intelligence-cycle",))
    assert {q.id for q in spec.pre_test.questions}.isdisjoint(q.id for q in spec.post_test.questions)


def test_forms_sharing_one_bank_fail_naming_course_file_and_key(root):
    course = course_yml(pre_test={"bank": "questions/test.yml", "per_competency": 3})
    found = find(errors(make_course(root, course=course)), "ilp/course.yml", "post_test.bank")
    assert len(found) == 1 and "also the pre-test's bank" in found[0].message
    assert found[0].line == 22


def test_a_post_test_question_repeating_a_pre_test_prompt_fails(root):
    bank = TEST_BANK.replace("Which stage comes after collection?", "Which stage comes  BEFORE analysis?")
    (problem,) = errors(make_course(root, files={"questions/test.yml": bank}))
    assert (problem.file, problem.key) == ("courses/ilp/questions/test.yml", "questions[0].prompt")
    assert problem.line == 5
    assert "repeats pre-test question 'pre-single' (courses/ilp/questions/pre.yml)" in problem.message


def test_forms_must_cover_the_same_competencies(root):
    course = course_yml(objectives=[{"id": "intelligence-cycle", "text": "Explain the cycle"},
                                    {"id": "grading", "text": "Grade sources"}], pre_test={
        "bank": "questions/pre.yml", "per_competency": 1}, post_test={"bank": "questions/test.yml", "per_competency": 1})
    bank = TEST_BANK.replace("competency: intelligence-cycle\n    prompt: \"Order", "competency: grading\n    prompt: \"Order")
    found = errors(make_course(root, course=course, files={"questions/test.yml": bank}))
    assert [(p.file, p.key) for p in found] == [("courses/ilp/questions/pre.yml", "questions")]
    assert found[0].message.startswith("the pre-test draws 1 question(s) of competency 'grading' but its bank has 0")
    assert found[0].line == 1


def test_every_form_question_names_a_declared_competency(root):
    bank = PRE_BANK.replace("    competency: intelligence-cycle\n    prompt: \"Dissemination", "    prompt: \"Dissemination")
    bank = bank.replace("competency: intelligence-cycle\n    prompt: \"Put", "competency: grading\n    prompt: \"Put")
    found = errors(make_course(root, files={"questions/pre.yml": bank}))
    assert [(p.key, p.line) for p in found] == [("questions[1].competency", 9), ("questions[2].competency", 16),
                                                ("questions", 1)]
    assert found[0].message == "is required in a pre-test bank: one of intelligence-cycle"
    assert found[1].message.startswith("'grading' is not a competency of this course")


@pytest.mark.parametrize("pre, post, key, message", [
    ({"bank": "questions/pre.yml", "count": 3}, {"bank": "questions/test.yml", "per_competency": 3},
     "pre_test.per_competency", "is required: a course with a pre-test and a post-test draws the same number"),
    ({"bank": "questions/pre.yml", "per_competency": 2}, {"bank": "questions/test.yml", "per_competency": 3},
     "post_test.per_competency", "draws 3 per competency, the pre-test 2: parallel forms draw the same number"),
    ({"bank": "questions/pre.yml", "per_competency": 2, "count": 2}, {"bank": "questions/test.yml", "per_competency": 2},
     "pre_test.count", "give count or per_competency, not both"),
])
def test_both_forms_draw_the_same_number_per_competency(root, pre, post, key, message):
    found = errors(make_course(root, course=course_yml(pre_test=pre, post_test=post)))
    assert any(p.key == key and p.message.startswith(message) and p.file.endswith("course.yml") for p in found), found


def test_forms_need_competencies_declared_as_objectives_with_ids(root):
    found = errors(make_course(root, course=course_yml(objectives=["Explain ILP"])))
    assert [p.key for p in found] == ["objectives"]
    assert "give the objectives they measure an id" in found[0].message


def test_objectives_mix_plain_text_and_competencies(root):
    objectives = ["Explain ILP", {"id": "intelligence-cycle", "text": "Name the stages"}]
    spec = load_course(make_course(root, course=course_yml(objectives=objectives)))
    assert spec.objectives == ("Explain ILP", "Name the stages")
    assert [c.id for c in spec.competencies] == ["intelligence-cycle"]


@pytest.mark.parametrize("objectives, key, message", [
    ([{"id": "Bad Id", "text": "x"}], "objectives[0].id", "expected lowercase letters"),
    ([{"id": "a", "text": "x"}, {"id": "a", "text": "y"}], "objectives[1].id", "competency 'a' is declared twice"),
    ([{"id": "a"}], "objectives[0].text", "is required"),
    ([{"id": "a", "text": "x"}, 3], "objectives[1]", "expected text, or id and text"),
])
def test_bad_objectives(root, objectives, key, message):
    found = errors(make_course(root, course=course_yml(objectives=objectives, pre_test=None,
                                                       post_test={"bank": "questions/test.yml"})))
    assert any(p.key == key and p.message.startswith(message) for p in found), found


def test_a_lone_post_test_without_competencies_still_loads(root):
    course = course_yml(objectives=["Explain ILP"], pre_test=None, post_test={"bank": "questions/test.yml", "count": 3})
    assert errors(make_course(root, course=course)) == []


def test_a_knowledge_check_never_reuses_a_test_bank(root):
    lesson = "---\ntitle: Cycle\nminutes: 5\ncheck:\n  bank: questions/test.yml\n---\n# Cycle\n"
    found = errors(make_course(root, files={"02-cycle.md": lesson}))
    assert [(p.file, p.key) for p in found] == [("courses/ilp/02-cycle.md", "check.bank")]
    assert "is a test's bank: knowledge checks never reuse" in found[0].message


def test_a_knowledge_check_never_repeats_a_test_prompt(root):
    bank = ("questions:\n  - id: c1\n    type: true_false\n    prompt: \"Order the stages.\"\n"
            "    answer: true\n    explanation: \"x\"\n")
    lesson = "---\ntitle: Cycle\nminutes: 5\ncheck:\n  bank: questions/02.yml\n---\n# Cycle\n"
    found = errors(make_course(root, files={"02-cycle.md": lesson, "questions/02.yml": bank}))
    assert [(p.file, p.line, p.key) for p in found] == [("courses/ilp/questions/02.yml", 4, "questions[0].prompt")]
    assert "repeats test question 'test-order'" in found[0].message


def test_a_form_draws_the_same_number_of_each_competency():
    def question(qid, competency):
        return Question(qid, "true_false", f"Statement {qid}", "x", competency=competency, truth=True)
    pool = [question(f"a{i}", "a") for i in range(5)] + [question(f"b{i}", "b") for i in range(3)]
    for seed in range(20):
        drawn = draw_form(pool, 2, ("a", "b"), random.Random(seed))
        assert Counter(q.competency for q in drawn) == {"a": 2, "b": 2}
        assert len({q.id for q in drawn}) == 4
    bank = QuestionBank("questions/pre.yml", tuple(pool), 4, 2, ("a", "b"))
    assert Counter(q.competency for q in bank.draw(random.Random(3))) == {"a": 2, "b": 2}


def test_content_check_fails_on_overlapping_forms(root):
    make_course(root, course=course_yml(pre_test={"bank": "questions/test.yml", "per_competency": 3}))
    specs, problems = check_courses(root)
    assert specs == []
    assert [str(p) for p in problems if p.severity == "error"][0].startswith(
        "courses/ilp/course.yml:22: post_test.bank: 'questions/test.yml' is also the pre-test's bank")


# ------------------------------------------------------------------ answer cues

def single(qid, options, answer):
    return Question(qid, "single", "?", "x", options=tuple(Option(text) for text in options), correct=(answer,))


def true_false(qid, truth):
    return Question(qid, "true_false", "?", "x", truth=truth)


@pytest.mark.parametrize("options, answer, expected", [
    (["Evaluation", "Dissemination"], 1, True),
    (["Evaluation", "Dissemination"], 0, False),
    (["Same", "Same2", "Same 33"], 2, True),
    (["abcd", "efgh"], 0, False),     # a tie is no cue
])
def test_right_is_longest(options, answer, expected):
    assert right_is_longest(single("q", options, answer)) is expected


def test_true_false_and_other_types_are_never_longest():
    assert not right_is_longest(true_false("t", True))


@pytest.mark.parametrize("longest, single_count, cue", [(2, 5, False), (3, 5, True), (0, 1, False), (1, 1, True)])
def test_longest_cue_is_more_than_forty_percent(longest, single_count, cue):
    questions = [single(f"l{i}", ["short", "the longest one"], 1) for i in range(longest)]
    questions += [single(f"s{i}", ["the longest one", "short"], 1) for i in range(single_count - longest)]
    cues = answer_cues(questions)
    assert (cues.single, cues.longest, cues.longest_cue) == (single_count, longest, cue)


@pytest.mark.parametrize("trues, falses, cue", [
    (0, 1, False),   # one statement cannot be balanced
    (1, 2, False),   # 67 % but as even as three allow
    (1, 3, True),    # 75 %
    (2, 0, True),
    (7, 13, False),  # exactly 65 % is allowed
    (6, 14, True),   # 70 %
    (3, 2, False),
])
def test_one_way_cue_is_more_than_sixty_five_percent(trues, falses, cue):
    questions = [true_false(f"t{i}", True) for i in range(trues)] + [true_false(f"f{i}", False) for i in range(falses)]
    cues = answer_cues(questions)
    assert (cues.true_keys, cues.false_keys, cues.one_way_cue) == (trues, falses, cue)


def test_content_check_warns_about_a_bank_whose_right_answer_is_the_longest(root):
    bank = PRE_BANK.replace("options: [Collation, Dissemination]", "options: [Collation of all the material, Dissemination]")
    found = warnings(make_course(root, files={"questions/pre.yml": bank}))
    mine = find(found, "ilp/questions/pre.yml", "questions")
    assert len(mine) == 1 and mine[0].line == 1
    assert "longest option in 1 of 1 single-choice questions (100%, more than 40%)" in mine[0].message
    # Across the course one of three single-choice questions (33 %) is no cue.
    assert find(found, "ilp/course.yml", "") == []
    assert errors(make_course(root, folder="other", files={"questions/pre.yml": bank})) == []  # only a warning


def test_content_check_warns_about_true_false_keys_one_way(root):
    bank = ("questions:\n" + "".join(
        f"  - id: tf{i}\n    type: true_false\n    prompt: \"Statement {i}\"\n    answer: false\n"
        f"    explanation: \"x\"\n" for i in range(3)))
    lesson = "---\ntitle: Cycle\nminutes: 5\ncheck:\n  bank: questions/02.yml\n---\n# Cycle\n"
    found = warnings(make_course(root, files={"02-cycle.md": lesson, "questions/02.yml": bank}))
    (problem,) = find(found, "ilp/questions/02.yml", "questions")
    assert "3 of 3 true/false questions are keyed false (100%, more than 65% one way)" in problem.message
    # The course as a whole: 4 false (pre-tf and these), 1 true (concept-tf): 80 %.
    (course_wide,) = find(found, "ilp/course.yml", "")
    assert "4 of 5 true/false questions are keyed false (80%" in course_wide.message


def test_the_fixture_course_has_no_cues(root):
    assert warnings(make_course(root)) == []
