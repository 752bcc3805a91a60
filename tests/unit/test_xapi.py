"""xAPI statements built from plain data, without an app: the JSON an LRS receives, written out
by hand, and every kind of statement checked against the xAPI 1.0.3 rules with `tincan`."""
import uuid
from datetime import datetime, timezone

import pytest

from trainer.domain import xapi
from xapi_checks import problems

BASE = "https://training.example.org"
PLATFORM = xapi.Platform(BASE)
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
OFFICER = xapi.Person(42, "aibek.osmonov@example.org")
TRAINER = xapi.Person(7, "trainer@example.org")
COURSE = xapi.Content("intel-basics", "Intelligence basics", "en", {"ru": "Основы разведки"})
LESSON = xapi.Content("sources", "Sources and grading", "en")
QUESTION = xapi.Content("q-grading-1", "What does B2 mean?", "en")
SCENARIO = xapi.Content("alay-road", "Дорога на Алай", "ru")
TASK = xapi.Content("report", "Аналитическая справка", "ru")
STARTED = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SUBMITTED = datetime(2026, 11, 25, 10, 2, 5, 500000, tzinfo=timezone.utc)
ACCOUNT = {"objectType": "Agent", "account": {"homePage": BASE, "name": "42"}}


def test_lesson_completed_as_an_lrs_receives_it():
    assert xapi.lesson_completed(PLATFORM, OFFICER, COURSE, LESSON, SUBMITTED) == {
        "id": str(uuid.uuid5(NAMESPACE, "lesson-completed/42/intel-basics/sources")),
        "actor": ACCOUNT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed", "ru": "завершил"}},
        "object": {"objectType": "Activity", "id": f"{BASE}/courses/intel-basics/lessons/sources",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                  "name": {"en": "Sources and grading"}}},
        "result": {"completion": True},
        "context": {"contextActivities": {"parent": [{"objectType": "Activity", "id": f"{BASE}/courses/intel-basics"}]}},
        "timestamp": "2026-11-25T10:02:05.500Z",
        "version": "1.0.3",
    }


def test_a_failed_post_test_with_score_duration_and_registration():
    built = xapi.test_finished(PLATFORM, OFFICER, COURSE, "post_test", 9, 62.5, 70, STARTED, SUBMITTED)
    assert built == {
        "id": str(uuid.uuid5(NAMESPACE, "test-finished/9")),
        "actor": ACCOUNT,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/failed", "display": {"en": "failed", "ru": "не прошёл"}},
        "object": {"objectType": "Activity", "id": f"{BASE}/courses/intel-basics/tests/post_test",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/assessment",
                                  "name": {"en": "Post-test", "ru": "Итоговый тест"}}},
        # 62.5 % of the questions' points; 1 hour, 2 minutes and 5.5 seconds from start to submit.
        "result": {"score": {"scaled": 0.625}, "success": False, "completion": True, "duration": "PT1H2M5.5S"},
        "context": {"registration": str(uuid.uuid5(NAMESPACE, "quiz-attempt/9")),
                    "contextActivities": {"parent": [{"objectType": "Activity", "id": f"{BASE}/courses/intel-basics"}]}},
        "timestamp": "2026-11-25T10:02:05.500Z",
        "version": "1.0.3",
    }
    passed = xapi.test_finished(PLATFORM, OFFICER, COURSE, "post_test", 9, 70, 70, STARTED, SUBMITTED)
    assert passed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed" and passed["result"]["success"] is True


def test_a_trainers_review_names_the_officer_and_shares_the_attempts_registration():
    built = xapi.report_reviewed(PLATFORM, TRAINER, OFFICER, SCENARIO, TASK, 31, 0.8, SUBMITTED)
    assert built["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": "7"}}
    assert built["verb"] == {"id": "http://id.tincanapi.com/verb/reviewed", "display": {"en": "reviewed", "ru": "проверил"}}
    assert built["object"] == {"objectType": "Activity", "id": f"{BASE}/scenarios/alay-road/tasks/report",
                               "definition": {"type": "http://adlnet.gov/expapi/activities/interaction",
                                              "name": {"ru": "Аналитическая справка"}}}
    assert built["result"] == {"score": {"scaled": 0.8}}
    assert built["context"] == {
        "registration": str(uuid.uuid5(NAMESPACE, "scenario-attempt/31")),
        "contextActivities": {"parent": [{"objectType": "Activity", "id": f"{BASE}/scenarios/alay-road"}]},
        "extensions": {f"{BASE}/xapi/extensions/learner": ACCOUNT},
    }
    started = xapi.scenario_started(PLATFORM, OFFICER, SCENARIO, 31, STARTED)
    assert started["context"]["registration"] == built["context"]["registration"]


def test_session_attended():
    built = xapi.session_attended(PLATFORM, OFFICER, 3, 12, "Analysis of call records", 90, STARTED, SUBMITTED)
    assert built["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert built["object"] == {"objectType": "Activity", "id": f"{BASE}/cohorts/3/sessions/12",
                               "definition": {"type": "http://adlnet.gov/expapi/activities/meeting",
                                              "name": {"und": "Analysis of call records"}}}
    assert built["result"] == {"completion": True, "duration": "PT1H30M"}
    assert built["id"] == str(uuid.uuid5(NAMESPACE, "attended/12/42/2026-11-25T10:02:05.500Z"))
    # The trainer takes the mark back: the statement is voided by reference.
    taken_back = xapi.voided(PLATFORM, TRAINER, built["id"], SUBMITTED)
    assert taken_back["verb"] == {"id": "http://adlnet.gov/expapi/verbs/voided",
                                  "display": {"en": "voided", "ru": "аннулировал"}}
    assert taken_back["object"] == {"objectType": "StatementRef", "id": built["id"]}
    assert taken_back["actor"]["account"]["name"] == "7" and problems(taken_back) == []


def every_statement(platform: xapi.Platform) -> list[dict]:
    return [
        xapi.lesson_completed(platform, OFFICER, COURSE, LESSON, SUBMITTED),
        xapi.question_answered(platform, OFFICER, COURSE, LESSON, QUESTION, 8, 0.5, SUBMITTED),
        xapi.test_finished(platform, OFFICER, COURSE, "pre_test", 9, 40, 70, STARTED, SUBMITTED),
        xapi.scenario_started(platform, OFFICER, SCENARIO, 31, STARTED),
        xapi.task_scored(platform, OFFICER, SCENARIO, TASK, 31, 2 / 3, "scored-1", SUBMITTED),
        xapi.scenario_finished(platform, OFFICER, SCENARIO, 31, 81.25, True, STARTED, SUBMITTED, "scored-1",
                               SUBMITTED),
        xapi.report_reviewed(platform, TRAINER, OFFICER, SCENARIO, TASK, 31, 0.8, SUBMITTED),
        xapi.certificate_earned(platform, OFFICER, COURSE, "7KQ4-M2XD-9PTA", SUBMITTED),
        xapi.session_attended(platform, OFFICER, 3, 12, "Анализ звонков", 90, STARTED, SUBMITTED),
    ]


@pytest.mark.parametrize("platform", [PLATFORM, xapi.Platform(BASE, send_email=True)], ids=["account", "mbox"])
def test_every_statement_keeps_the_xapi_rules(platform):
    statements = every_statement(platform)
    for built in statements:
        assert problems(built) == [], built
    assert len({built["id"] for built in statements}) == len(statements)


def test_a_translated_course_is_named_in_both_languages():
    earned = xapi.certificate_earned(PLATFORM, OFFICER, COURSE, "7KQ4-M2XD-9PTA", SUBMITTED)
    assert earned["object"]["definition"] == {"type": "http://id.tincanapi.com/activitytype/certificate",
                                              "name": {"en": "Intelligence basics", "ru": "Основы разведки"}}
    assert earned["object"]["id"] == f"{BASE}/verify/7KQ4-M2XD-9PTA"


def test_e_mail_only_when_configured():
    assert xapi.actor(xapi.Platform(BASE, send_email=True), OFFICER) == {
        "objectType": "Agent", "mbox": "mailto:aibek.osmonov@example.org"}
    # An officer without an e-mail address is still an account.
    assert xapi.actor(xapi.Platform(BASE, send_email=True), xapi.Person(5)) == {
        "objectType": "Agent", "account": {"homePage": BASE, "name": "5"}}


def test_ids_are_stable_for_an_event_and_differ_between_platforms():
    once = xapi.lesson_completed(PLATFORM, OFFICER, COURSE, LESSON, SUBMITTED)
    again = xapi.lesson_completed(PLATFORM, OFFICER, COURSE, LESSON, SUBMITTED)
    elsewhere = xapi.lesson_completed(xapi.Platform("https://other.example.org"), OFFICER, COURSE, LESSON, SUBMITTED)
    assert once["id"] == again["id"] != elsewhere["id"]
    rescored = xapi.task_scored(PLATFORM, OFFICER, SCENARIO, TASK, 31, 0.5, "scored-2", SUBMITTED)
    assert rescored["id"] != xapi.task_scored(PLATFORM, OFFICER, SCENARIO, TASK, 31, 0.5, "scored-1", SUBMITTED)["id"]


@pytest.mark.parametrize("seconds, expected", [(0, "PT0S"), (59.994, "PT59.99S"), (60, "PT1M"), (3600, "PT1H"),
                                               (3725.5, "PT1H2M5.5S"), (90061.25, "PT25H1M1.25S")])
def test_durations(seconds, expected):
    assert xapi.iso_duration(seconds) == expected


def test_the_checks_catch_what_an_lrs_refuses():
    good = xapi.lesson_completed(PLATFORM, OFFICER, COURSE, LESSON, SUBMITTED)
    assert problems({**good, "id": "not-a-uuid"})
    assert problems({**good, "actor": {"objectType": "Agent", "account": {"homePage": "training", "name": "42"}}})
    assert problems({**good, "object": {**good["object"], "id": "lessons/sources"}})
    assert problems({**good, "result": {"score": {"scaled": 1.5}}})
