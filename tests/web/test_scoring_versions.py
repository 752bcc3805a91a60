"""Scoring rule versions as people meet them: recorded, shown, kept, and re-scored only on purpose.

Totals are worked out by hand on the documented example (weights: evaluate 25, links 20,
timeline 15, ach 15, decisions 15, report 10).
"""
import json

import pytest
from sqlalchemy import select

from conftest import csrf_token, post_form, templates_drawn, without_tokens
from sample_scenario import PERFECT
from trainer.extensions import db
from trainer.domain.scoring import answer_key_marks
from trainer.models import AuditEvent, Cohort, LiveExercise, Scenario, ScenarioAttempt, ScenarioItemMark, User
from trainer.services import cohorts as programme
from trainer.services import exercises
from trainer.services import scenarios as casework

FULL_REVIEW = {"final-report": {"C1": {"points": 4, "comment": ""}, "C2": {"points": 3, "comment": ""},
                                "C3": {"points": 3, "comment": ""}}}
# Two answers version 2 scores lower than version 1:
# links: O1-P1 drawn the wrong way round (v1 1, v2 0.5): v2 F1 = 3.5/4 -> 17.5 of 20;
# decisions: D2 a, b and c ticked (v1 Jaccard 2/3, v2 (2 - 1)/2): task v1 5/6, v2 3/4.
# v1: 25 + 20 + 15 + 15 + 12.5 + 10 = 97.5; v2: 25 + 17.5 + 15 + 15 + 11.25 + 10 = 93.75.
HEDGED = dict(PERFECT,
              links={"links": [{"between": ["P1", "O1"], "type": "employs"}, *PERFECT["links"]["links"][1:]]},
              decisions={"choices": {"D1": "a", "D2": ["a", "b", "c"]}})


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def people(app, make_user, example_loaded):
    """A trainer running a cohort with one trainee, and a trainer of another cohort."""
    trainer, trainee, stranger = make_user("trainer"), make_user("trainee"), make_user("trainer")
    with app.app_context():
        cohort = programme.create_cohort(db.session.get(User, trainer.id), name="Osh webinar",
                                         attendance_required_percent=50)
        db.session.flush()
        programme.add_members(cohort, [db.session.get(User, trainee.id)])
        db.session.commit()
    return {"trainer": trainer, "trainee": trainee, "stranger": stranger}


def submitted(app, user, answers, report_scores=None, rules=None) -> int:
    """A submitted attempt on the example; rules=1 makes it one scored before version 2."""
    with app.app_context():
        scenario = db.session.scalar(select(Scenario))
        attempt = casework.start_attempt(db.session.get(User, user.id), scenario)
        casework.save_responses(attempt, answers)
        attempt.report_scores = report_scores
        casework.submit(attempt)
        if rules is not None:  # as it was scored before the upgrade
            attempt.rule_version, attempt.result = rules, None
            casework.score(attempt)
        db.session.commit()
        return attempt.id


def test_a_new_attempt_is_scored_with_version_2_and_says_so(app, client, auth, people, database):
    attempt = submitted(app, people["trainee"], HEDGED, FULL_REVIEW)
    row = database.get(ScenarioAttempt, attempt)
    assert (row.rule_version, row.result["rule_version"], row.total_percent) == (2, 2, 93.75)
    auth.login(people["trainee"])
    page = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    assert "Scoring rules v2" in page and "Total: 94%" in page
    assert "The right link type, drawn the wrong way round: half credit." in page


def item_marks(app, attempt_id: int) -> tuple[list[tuple], list[tuple]]:
    """The attempt's stored answer-key marks, and the ones its stored result holds."""
    def key(mark):
        return mark["position"], mark["task_id"], mark["item_id"], mark["points"], mark["max_points"]

    with app.app_context():
        stored = db.session.scalars(select(ScenarioItemMark).where(ScenarioItemMark.attempt_id == attempt_id))
        rows = sorted(key(vars(mark)) for mark in stored)
        return rows, sorted(key(mark) for mark in answer_key_marks(db.session.get(ScenarioAttempt, attempt_id).result))


def test_item_marks_are_written_with_the_result_and_replaced_by_a_rescore(app, client, auth, people, database):
    attempt = submitted(app, people["trainee"], HEDGED, FULL_REVIEW, rules=1)
    stored, in_result = item_marks(app, attempt)
    assert stored == in_result and len(stored) > 10
    assert {task for _, task, *_ in stored} == {"evaluate", "links", "timeline", "ach", "decisions"}  # no report
    links_v1 = sum(points for _, task, _, points, _ in stored if task == "links")

    auth.login(people["trainer"])
    post_form(client, f"/reviews/{attempt}/rescore")
    rescored, in_result = item_marks(app, attempt)
    assert rescored == in_result and len(rescored) == len(stored)  # replaced, not added to
    # The link drawn the wrong way round: 1 point with version 1, half with version 2.
    assert links_v1 - sum(points for _, task, _, points, _ in rescored if task == "links") == 0.5


def test_an_empty_report_is_scored_zero_and_never_queued(app, client, auth, people, database):
    attempt = submitted(app, people["trainee"], dict(PERFECT, **{"final-report": {"text": " \n "}}))
    row = database.get(ScenarioAttempt, attempt)
    # 90 of 100; safeguards (7.5 + 0) / 17.5 = 42.86 % < 60: failed, not awaiting review.
    assert (row.status, row.total_percent, row.safeguards_percent) == ("failed", 90.0, 42.86)
    auth.login(people["trainee"])
    assert "The report is empty: it scores 0 without a trainer&#39;s review." in client.get(
        f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    auth.logout()
    auth.login(people["trainer"])
    assert "Nothing to review." in client.get("/reviews").get_data(as_text=True)
    page = client.get(f"/reviews/{attempt}").get_data(as_text=True)
    assert "Save the review" not in page and "The report is empty" in page


def test_an_old_attempt_keeps_version_1_until_a_trainer_rescores_it(app, client, auth, people, database):
    attempt = submitted(app, people["trainee"], HEDGED, FULL_REVIEW, rules=1)
    row = database.get(ScenarioAttempt, attempt)
    assert (row.rule_version, row.total_percent, row.status) == (1, 97.5, "passed")

    # A later review re-scores it with its own rules: still version 1.
    auth.login(people["trainer"])
    listed = client.get("/reviews").get_data(as_text=True)
    assert "Scored with earlier rules" in listed and f"/reviews/{attempt}" in listed
    page = client.get(f"/reviews/{attempt}").get_data(as_text=True)
    assert "Scoring rules v1" in page and "Re-score with the rules of version 2" in page
    form = {f"points:final-report:{c}": str(p["points"]) for c, p in FULL_REVIEW["final-report"].items()}
    assert post_form(client, f"/reviews/{attempt}", form).status_code == 302
    assert (database.get(ScenarioAttempt, attempt).rule_version, database.get(ScenarioAttempt, attempt).total_percent) == (1, 97.5)

    # Without its CSRF token the button does nothing.
    assert client.post(f"/reviews/{attempt}/rescore").status_code == 400
    assert database.get(ScenarioAttempt, attempt).rule_version == 1
    response = post_form(client, f"/reviews/{attempt}/rescore", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Re-scored with the rules of version 2: 98% with version 1, 94% now." in page
    row = database.get(ScenarioAttempt, attempt)
    assert (row.rule_version, row.total_percent, row.status) == (2, 93.75, "passed")
    (earlier,) = row.result["history"]
    assert (earlier["rule_version"], earlier["total_percent"], earlier["status"]) == (1, 97.5, "passed")
    assert earlier["result"]["total_percent"] == 97.5 and earlier["replaced_by_id"] == people["trainer"].id
    assert "Re-score with the rules" not in page and "Earlier scores" in page
    event = database.scalar(select(AuditEvent).where(AuditEvent.action == "scenario_attempt.rescored"))
    assert event.user_id == people["trainer"].id and event.subject_id == people["trainee"].id
    assert {k: event.detail[k] for k in ("rules_before", "rules_after", "total_before", "total_after")} == {
        "rules_before": 1, "rules_after": 2, "total_before": 97.5, "total_after": 93.75}

    # Once is enough: a second press changes nothing; a later review keeps the history.
    assert "already scored with the current rules" in post_form(
        client, f"/reviews/{attempt}/rescore", follow_redirects=True).get_data(as_text=True)
    post_form(client, f"/reviews/{attempt}", form)
    row = database.get(ScenarioAttempt, attempt)
    assert len(row.result["history"]) == 1 and row.rule_version == 2

    # The trainee sees the current score, its rules and the earlier one.
    auth.logout()
    auth.login(people["trainee"])
    page = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    assert "Scoring rules v2" in page and "Re-scored with newer rules" in page and "98%" in page


def test_only_the_trainees_trainers_may_rescore(app, client, auth, people, database):
    attempt = submitted(app, people["trainee"], HEDGED, FULL_REVIEW, rules=1)
    auth.login(people["stranger"])
    assert post_form(client, f"/reviews/{attempt}/rescore").status_code == 404
    auth.logout()
    auth.login(people["trainee"])
    assert post_form(client, f"/reviews/{attempt}/rescore").status_code == 403
    assert database.get(ScenarioAttempt, attempt).rule_version == 1
    assert database.scalar(select(AuditEvent).where(AuditEvent.action == "scenario_attempt.rescored")) is None


def test_an_inject_never_released_is_not_scored_and_the_trainer_is_warned(app, client, auth, people, database):
    with app.app_context():
        exercise = exercises.start_exercise(db.session.scalar(select(Cohort)), db.session.scalar(select(Scenario)),
                                            db.session.get(User, people["trainer"].id), None)
        attempt = exercises.join_exercise(db.session.get(User, people["trainee"].id), exercise)
        db.session.commit()
        exercise_id, attempt_id = exercise.id, attempt.id
    # R4 (release: trainer) graded all wrong: it would cost 25 * 3/12 = 6.25 points.
    wrong_r4 = {"grades": dict(PERFECT["evaluate"]["grades"], R4={"source": "A", "information": "1", "handling": "H1"})}
    auth.login(people["trainee"])
    client.post(f"/scenario-attempts/{attempt_id}/save", data=json.dumps(dict(PERFECT, evaluate=wrong_r4)),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    post_form(client, f"/scenario-attempts/{attempt_id}/submit")
    row = database.get(ScenarioAttempt, attempt_id)
    assert row.result["unseen_reports"] == ["R4"] and row.total_percent == 90.0  # the report awaits review
    assert "Report R4 was not released during the exercise, so it is not scored." in client.get(
        f"/scenario-attempts/{attempt_id}/result").get_data(as_text=True)

    auth.logout()
    auth.login(people["trainer"])
    page = client.get(f"/exercises/{exercise_id}").get_data(as_text=True)
    assert "Report R4 has not been released." in page and 'name="confirm_unreleased"' in page
    refused = post_form(client, f"/exercises/{exercise_id}/end", follow_redirects=True).get_data(as_text=True)
    assert "Not ended: report R4 has not been released." in refused
    assert database.get(LiveExercise, exercise_id).ended_at is None
    # Released after the trainee submitted: a later review still leaves it out.
    post_form(client, f"/exercises/{exercise_id}/release", {"report_id": "R4"})
    form = {f"points:final-report:{c}": str(p["points"]) for c, p in FULL_REVIEW["final-report"].items()}
    post_form(client, f"/reviews/{attempt_id}", form)
    row = database.get(ScenarioAttempt, attempt_id)
    assert (row.total_percent, row.result["unseen_reports"]) == (100.0, ["R4"])
    post_form(client, f"/exercises/{exercise_id}/end")
    assert database.get(LiveExercise, exercise_id).ended_at is not None


def test_ending_an_exercise_without_its_injects_needs_a_tick(app, client, auth, people, database):
    with app.app_context():
        exercise = exercises.start_exercise(db.session.scalar(select(Cohort)), db.session.scalar(select(Scenario)),
                                            db.session.get(User, people["trainer"].id), None)
        db.session.commit()
        exercise_id = exercise.id
    auth.login(people["trainer"])
    post_form(client, f"/exercises/{exercise_id}/end", {"confirm_unreleased": "yes"})
    assert database.get(LiveExercise, exercise_id).ended_at is not None


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"evaluate": {"grades": ' + "9" * 5000 + "}}"])
def test_an_answer_no_parser_reads_is_refused_not_an_error(client, auth, people, body):
    auth.login(people["trainee"])
    attempt = int(post_form(client, "/scenarios/alay-road/start").headers["Location"].rsplit("/", 1)[1])
    response = client.post(f"/scenario-attempts/{attempt}/save", data=body,
                           headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400 and "expected a JSON object" in response.get_json()["error"]
    assert post_form(client, f"/scenario-attempts/{attempt}/submit").status_code == 302


def test_a_result_read_again_is_not_drawn_again_yet_shows_a_review_and_a_language_at_once(
        app, client, auth, people, database):
    """The result's body is kept per attempt state (trainer/fragments.py): reading it again does
    not draw it again, and whatever changes the attempt or the reader is drawn afresh."""
    attempt = submitted(app, people["trainee"], HEDGED)  # the report awaits a trainer
    with templates_drawn(app, "scenarios/_result_body.html") as drawn:
        auth.login(people["trainee"])
        first = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
        again = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
        assert "waiting for a trainer" in first and "Total: 84%" in first  # 93.75 less the report's 10
        assert without_tokens(again) == without_tokens(first) and len(drawn) == 1

        auth.logout()
        auth.login(people["trainer"])
        form = {f"points:final-report:{c}": str(p["points"]) for c, p in FULL_REVIEW["final-report"].items()}
        assert post_form(client, f"/reviews/{attempt}", form).status_code == 302
        auth.logout()
        auth.login(people["trainee"])
        reviewed = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
        assert "Total: 94%" in reviewed and "waiting for a trainer" not in reviewed and len(drawn) == 2

        database.update(User, people["trainee"].id, language="ru")
        russian = client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
        assert "Итого: 94%" in russian and "Total: 94%" not in russian and len(drawn) == 3


def test_a_kept_result_is_never_shown_to_another_trainee(app, client, auth, people, make_user):
    attempt = submitted(app, people["trainee"], HEDGED, FULL_REVIEW)
    auth.login(people["trainee"])
    assert "Total: 94%" in client.get(f"/scenario-attempts/{attempt}/result").get_data(as_text=True)
    auth.logout()
    auth.login(make_user("trainee"))
    response = client.get(f"/scenario-attempts/{attempt}/result")
    assert response.status_code == 404 and "Total: 94%" not in response.get_data(as_text=True)
