"""The curriculum that ships passes `flask content check` and meets the programme's rules."""
from pathlib import Path

import pytest

from trainer import create_app
from trainer.config import PROJECT_ROOT
from trainer.domain.courses import check_courses
from trainer.domain.questions import answer_cues
from trainer.domain.scenario import check_scenarios
from trainer.domain.works import course_differences

COURSES = PROJECT_ROOT / "courses"
BROKEN = Path(__file__).parent / "broken_courses"
SPECS, PROBLEMS = check_courses(COURSES)
SCENARIOS, SCENARIO_PROBLEMS = check_scenarios(PROJECT_ROOT / "scenarios")


@pytest.fixture
def cli():
    return create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_cli_runner()


def test_content_check_passes_on_the_shipped_courses(cli):
    result = cli.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(SPECS)} course(s) valid, 0 error(s)" in result.output
    assert "scenario(s) valid, 0 error(s)" in result.output


def test_content_check_fails_on_broken_courses_naming_file_and_key(cli):
    result = cli.invoke(args=["content", "check", "--courses", str(BROKEN)])
    assert result.exit_code == 1
    for expected in [
        "bad-yaml/course.yml:5: invalid YAML",
        "missing-lesson/course.yml:13: lessons[1]: file '02-missing.md' not found",
        "unknown-type/questions/test.yml:20: questions[2].type: unknown question type 'essay'",
        "answer-out-of-range/questions/test.yml:9: questions[0].answer: answer 5 is out of range",
        "script-lesson/01-intro.md:12: warning: body: raw HTML <script> element is removed",
        "overlapping-forms/course.yml:22: post_test.bank: 'questions/test.yml' is also the pre-test's bank",
    ]:
        assert expected in result.output


def test_the_nine_ilp_courses_ship():
    assert PROBLEMS == []
    assert {spec.id for spec in SPECS} >= {
        "ilp-foundations", "source-evaluation", "crime-analysis", "investigative-interviewing",
        "human-rights-safeguards", "community-policing", "criminal-procedure", "intelligence-exchange",
        "intelligence-reporting",
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_each_course_is_complete_enough_to_teach(spec):
    assert len(spec.lessons) >= 3
    assert spec.objectives and spec.sources
    assert all(lesson.check and lesson.check.questions for lesson in spec.lessons)
    assert spec.pre_test and spec.post_test
    assert spec.pre_test.count >= 10 and spec.post_test.count >= 10
    assert {q.type for q in spec.all_questions().values()} == {"single", "multiple", "true_false", "matching", "ordering"}
    assert all("<script" not in lesson.body_html for lesson in spec.lessons)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_pre_and_post_tests_are_parallel_forms(spec):
    pre, post = spec.pre_test, spec.post_test
    declared = [competency.id for competency in spec.competencies]
    assert len(declared) >= 4 and pre.bank != post.bank
    assert pre.per_competency == post.per_competency >= 2
    assert pre.competencies == post.competencies == tuple(declared)
    prompts = [{q.prompt for q in bank.questions} for bank in (pre, post)]
    assert not prompts[0] & prompts[1]
    assert not {q.id for q in pre.questions} & {q.id for q in post.questions}
    for bank in (pre, post):
        per = {c: sum(q.competency == c for q in bank.questions) for c in declared}
        assert min(per.values()) >= bank.per_competency and {q.competency for q in bank.questions} == set(declared)
    for lesson in spec.lessons:
        assert lesson.check.bank not in (pre.bank, post.bank)
        assert not {q.prompt for q in lesson.check.questions} & (prompts[0] | prompts[1])


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.id)
def test_no_bank_lets_a_test_wise_officer_guess(spec):
    banks = [lesson.check for lesson in spec.lessons] + [spec.pre_test, spec.post_test]
    for bank in banks + [None]:
        questions = list(spec.all_questions().values()) if bank is None else bank.questions
        cues = answer_cues(questions)
        where = bank.bank if bank else "the whole course"
        assert not cues.longest_cue, f"{spec.id} {where}: right answer longest in {cues.longest} of {cues.single}"
        assert not cues.one_way_cue, f"{spec.id} {where}: true/false keys {cues.true_keys} true, {cues.false_keys} false"


def test_kyrgyz_procedure_note_is_marked_and_leaves_room_for_national_text():
    spec = next(spec for spec in SPECS if spec.id == "criminal-procedure")
    text = "\n".join(lesson.body_markdown for lesson in spec.lessons)
    assert 'Jurisdiction: Kyrgyz Republic' in text
    assert 'National text (trainer to complete)' in text


def test_content_check_lists_every_mistake_of_a_broken_scenario(cli):
    result = cli.invoke(args=["content", "check", "--courses", str(COURSES),
                              "--scenarios", str(Path(__file__).parent / "broken_scenarios")])
    assert result.exit_code == 1
    for expected in ["three-mistakes.yml:12: entities[1].id: duplicate entity id 'P1'",
                     "three-mistakes.yml:17: reports[0].text: mention {{P7}} names an unknown entity 'P7'",
                     "three-mistakes.yml:24: tasks[0].key.R1.source: 'Z' is not a source reliability code"]:
        assert expected in result.output


def test_three_scenarios_ship_with_every_task_type_and_one_template():
    assert SCENARIO_PROBLEMS == []
    assert len(SCENARIOS) >= 3
    task_types = {"grade", "link_chart", "timeline", "hypotheses", "decision", "report"}
    assert all({task.type for task in scenario.tasks} >= task_types for scenario in SCENARIOS)
    assert any(scenario.template for scenario in SCENARIOS)
    assert all(scenario.min_safeguards for scenario in SCENARIOS)


def test_a_data_scenario_ships_with_every_task_type_and_generated_datasets():
    data = next(scenario for scenario in SCENARIOS if scenario.id == "courier-network-data")
    assert {task.type for task in data.tasks} == {"grade", "link_chart", "timeline", "hypotheses", "decision",
                                                  "report", "query"}
    assert data.template and all(dataset.generated for dataset in data.datasets)
    assert {dataset.id for dataset in data.datasets} == {"calls", "transfers", "crossings"}


TRANSLATIONS = [spec for spec in SPECS if spec.translation_of]


def test_the_russian_courses_ship_as_translations():
    assert {(spec.id, spec.translation_of, spec.language) for spec in TRANSLATIONS} >= {
        ("ilp-foundations-ru", "ilp-foundations", "ru"), ("source-evaluation-ru", "source-evaluation", "ru"),
        ("intelligence-reporting-ru", "intelligence-reporting", "ru"),
    }


@pytest.mark.parametrize("spec", TRANSLATIONS, ids=lambda spec: spec.id)
def test_a_translation_keeps_the_structure_and_answer_key_of_its_original(spec):
    original = next(s for s in SPECS if s.id == spec.translation_of)
    assert spec.language != original.language
    assert [l.minutes for l in spec.lessons] == [l.minutes for l in original.lessons]
    assert spec.topic == original.topic
    # Lessons, question ids, draws and answer keys: the check `flask content check` runs.
    assert course_differences(spec, original) == []
