"""Linked versions of a work agree in structure: lessons, question ids and answer keys; a
scenario's entity, report and task ids and answer key. Small copies that differ on purpose."""
import pytest
from sample_scenario import EXAMPLE
from unit.test_course_content import BANK_1, PRE_BANK, TEST_BANK, course_yml, make_course

from trainer.domain.courses import check_courses
from trainer.domain.scenario import check_scenarios


@pytest.fixture
def root(tmp_path):
    path = tmp_path / "courses"
    path.mkdir()
    return path


def russian(root, files=None, **overrides):
    course = course_yml(id="ilp-ru", language="ru", translation_of="ilp-foundations", **overrides)
    make_course(root, folder="ilp", course=course_yml())
    return make_course(root, folder="ilp-ru", course=course, files=files)


def structural(problems):
    return [(p.file, p.key, p.message) for p in problems if p.severity == "error"]


def test_a_faithful_translation_agrees(root):
    russian(root)
    specs, problems = check_courses(root)
    assert problems == [] and {s.id for s in specs} == {"ilp-foundations", "ilp-ru"}


def test_a_missing_lesson_is_named_with_the_course_file(root):
    russian(root, lessons=["01-concept.md"])
    [(file, key, message)] = structural(check_courses(root)[1])
    assert (file, key) == ("courses/ilp-ru/course.yml", "lessons")
    assert "missing lesson(s) 02-cycle" in message and "'ilp-foundations'" in message


def test_a_changed_answer_and_a_renamed_question_are_named_with_their_bank(root):
    bank = BANK_1.replace("answer: 1\n", "answer: 2\n").replace("concept-tf", "concept-truth")
    russian(root, files={"questions/01-concept.yml": bank})
    found = structural(check_courses(root)[1])
    assert ("courses/ilp-ru/questions/01-concept.yml", "lessons[0].check",
            "missing question(s) concept-tf; question(s) concept-truth not in the original "
            "(original: 'ilp-foundations')") in found
    assert ("courses/ilp-ru/questions/01-concept.yml", "questions[concept-single].correct",
            "[1] differs from the original's [0] ('ilp-foundations')") in found


def test_a_true_false_key_and_a_test_draw_that_differ(root):
    bank = TEST_BANK.replace("count", "count")  # same bank; the draw and a truth differ
    russian(root, files={"questions/test.yml": bank,
                         "questions/01-concept.yml": BANK_1.replace("answer: true", "answer: false")},
            pre_test={"bank": "questions/pre.yml", "per_competency": 2},
            post_test={"bank": "questions/test.yml", "per_competency": 2})
    found = structural(check_courses(root)[1])
    assert ("courses/ilp-ru/course.yml", "post_test.count",
            "draws 2 question(s), the original 'ilp-foundations' 3") in found
    assert ("courses/ilp-ru/course.yml", "pre_test.per_competency",
            "2 differs from the original's 3 ('ilp-foundations')") in found
    assert ("courses/ilp-ru/questions/01-concept.yml", "questions[concept-tf].truth",
            "False differs from the original's True ('ilp-foundations')") in found


def test_a_translation_keeps_the_original_competencies(root):
    renamed = {name: text.replace("intelligence-cycle", "the-cycle")
               for name, text in (("questions/pre.yml", PRE_BANK), ("questions/test.yml", TEST_BANK))}
    russian(root, files=renamed, objectives=[{"id": "the-cycle", "text": "Объяснять цикл"}])
    found = structural(check_courses(root)[1])
    assert ("courses/ilp-ru/course.yml", "objectives",
            "missing competency id(s) intelligence-cycle; competency id(s) the-cycle not in the original "
            "(original: 'ilp-foundations')") in found
    assert ("courses/ilp-ru/questions/pre.yml", "questions[pre-tf].competency",
            "'the-cycle' differs from the original's 'intelligence-cycle' ('ilp-foundations')") in found


def test_the_original_is_not_blamed_and_both_still_load(root):
    russian(root, lessons=["01-concept.md"])
    specs, problems = check_courses(root)
    assert all(p.file.startswith("courses/ilp-ru/") for p in problems)
    assert {s.id for s in specs} == {"ilp-foundations", "ilp-ru"}


# ---------------------------------------------------------------------------------- scenarios

def translated(text=EXAMPLE):
    text = text.replace("id: alay-road\n", "id: alay-road-ru\n", 1)
    return text.replace("language: en\n", "language: ru\ntranslation_of: alay-road\n", 1)


def scenario_problems(tmp_path, text):
    (tmp_path / "alay-road.yml").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / "alay-road-ru.yml").write_text(text, encoding="utf-8")
    _, problems = check_scenarios(tmp_path)
    return [(p.file.rsplit("/", 1)[-1], p.path, p.message) for p in problems]


def test_a_faithful_scenario_translation_agrees(tmp_path):
    assert scenario_problems(tmp_path, translated()) == []


def test_a_scenario_translation_with_another_grade_in_the_key(tmp_path):
    text = translated().replace("R3: {source: A, information: 1,", "R3: {source: B, information: 1,")
    found = scenario_problems(tmp_path, text)
    assert [(file, path) for file, path, _ in found] == [("alay-road-ru.yml", "tasks[0].key.items[R3].source")]
    assert "answer key differs" in found[0][2] and "task evaluate" in found[0][2]


def test_renamed_task_entity_and_report_ids_are_each_named(tmp_path):
    text = (translated().replace("id: links\n", "id: network\n").replace("{id: S1,", "{id: S9,")
            .replace("{{S1}}", "{{S9}}").replace("R4", "R5"))
    found = {(path, message) for _, path, message in scenario_problems(tmp_path, text)}
    assert ("tasks", "missing task id(s) links; task id(s) network not in the original "
                     "(original: 'alay-road')") in found
    assert ("entities", "missing entity id(s) S1; entity id(s) S9 not in the original "
                        "(original: 'alay-road')") in found
    assert any(path == "reports" and "R4" in message and "R5" in message for path, message in found)


def test_a_decision_marked_correct_elsewhere_is_a_key_difference(tmp_path):
    text = translated().replace('correct: true, explanation: "Lawful and proportionate."',
                                'explanation: "Lawful and proportionate."')
    found = scenario_problems(tmp_path, text)
    assert found and all(path.startswith("tasks[4].") for _, path, _ in found)


def test_content_check_reports_structure_differences_and_fails(root, tmp_path):
    from trainer import create_app
    russian(root, lessons=["01-concept.md"])
    cli = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_cli_runner()
    result = cli.invoke(args=["content", "check", "--courses", str(root), "--scenarios", str(tmp_path)])
    assert result.exit_code == 1
    assert "courses/ilp-ru/course.yml: lessons: missing lesson(s) 02-cycle" in result.output


# ------------------------------------------------------------------------------- catalogues

def test_one_entry_per_work_in_the_readers_language_first():
    from types import SimpleNamespace as Item

    from trainer.domain.works import arrange_works

    en = Item(slug="ilp", work="ilp", language="en")
    ru = Item(slug="ilp-ru", work="ilp", language="ru")
    alone = Item(slug="interviews", work="interviews", language="en")
    items = [alone, en, ru]
    assert [(e.shown.slug, [o.slug for o in e.others]) for e in arrange_works(items, "ru")] == [
        ("interviews", []), ("ilp-ru", ["ilp"])]
    assert [e.shown.slug for e in arrange_works(items, "en")] == ["interviews", "ilp"]
    assert [e.shown.slug for e in arrange_works(items, "ky")] == ["interviews", "ilp"]  # else the original
    assert [e.shown.slug for e in arrange_works(items, "en", only_language="ru")] == ["ilp-ru"]
