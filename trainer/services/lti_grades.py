"""LTI Assignment and Grade Services: a launched scenario's final score goes back to the platform's line
item (client-credentials token from the platform, signed with the tool's key). A score that does not
get through is marked pending, logged, and sent again at the attempt's next scoring or by
`flask lti resend`."""
from __future__ import annotations

from datetime import datetime, timezone

import requests
from flask import current_app, g, has_app_context
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import event, inspect, select

from ..extensions import db
from ..models import Scenario, ScenarioAttempt, ScenarioVersion, User, utcnow
from ..models_lti import LtiAccount, LtiGradeLink, LtiRegistration
from . import lti

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORED = ("passed", "failed", "awaiting_review")
TIMEOUT_SECONDS = 10  # a platform that does not answer must not hold the officer's page long


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


@event.listens_for(ScenarioAttempt, "after_update")
def _scored(mapper, connection, attempt: ScenarioAttempt) -> None:
    """Note every attempt scored (submitted, reviewed, re-scored) in this request; its score is sent
    once the request is over (trainer.views.lti.send_scores)."""
    state = inspect(attempt)
    changed = any(state.attrs[name].history.has_changes() for name in ("status", "total_percent", "result"))
    if changed and attempt.status in SCORED and has_app_context():
        g.setdefault("lti_scored", set()).add(attempt.id)


def remember_line_item(registration: LtiRegistration, user: User, claims: dict, scenario: Scenario | None) -> None:
    """At a resource-link launch of a scenario whose platform offers score passback: keep its line item."""
    endpoint = claims.get(AGS_CLAIM) or {}
    if scenario is None or not endpoint.get("lineitem") or SCORE_SCOPE not in (endpoint.get("scope") or []):
        return
    link = db.session.scalar(select(LtiGradeLink).where(LtiGradeLink.user_id == user.id,
                                                        LtiGradeLink.lineitem == endpoint["lineitem"]))
    if link is None:
        link = LtiGradeLink(user_id=user.id, registration_id=registration.id, lineitem=endpoint["lineitem"])
        db.session.add(link)
    link.scenario_work = scenario.work
    link.endpoint = dict(endpoint)


def final_attempt(user_id: int, work: str) -> ScenarioAttempt | None:
    """The officer's latest scored attempt at this scenario (any language version of it)."""
    return db.session.scalar(
        select(ScenarioAttempt).join(ScenarioVersion, ScenarioAttempt.version_id == ScenarioVersion.id)
        .join(Scenario, ScenarioVersion.scenario_id == Scenario.id)
        .where(ScenarioAttempt.user_id == user_id, Scenario.work == work, ScenarioAttempt.status.in_(SCORED))
        .order_by(ScenarioAttempt.submitted_at.desc(), ScenarioAttempt.id.desc()).limit(1))


def grade_of(attempt: ScenarioAttempt, sub: str) -> Grade:
    return (Grade()
            .set_score_given(round(float(attempt.total_percent or 0.0), 2))
            .set_score_maximum(100)
            .set_activity_progress("Completed")
            .set_grading_progress("PendingManual" if attempt.status == "awaiting_review" else "FullyGraded")
            .set_timestamp(datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
            .set_user_id(sub))


def send(link: LtiGradeLink) -> bool:
    """Post the final score of the link's scenario to its line item; the link records the outcome
    (the caller commits)."""
    attempt = final_attempt(link.user_id, link.scenario_work)
    if attempt is None:
        return True
    account = db.session.scalar(select(LtiAccount).where(LtiAccount.user_id == link.user_id,
                                                         LtiAccount.registration_id == link.registration_id))
    try:
        if account is None:
            raise RuntimeError("no linked platform account")
        service = AssignmentsGradesService(ServiceConnector(lti.pylti_registration(link.registration), requests_session=_TimeoutSession()),
                                           link.endpoint)
        service.put_grade(grade_of(attempt, account.sub))
    except Exception as error:  # noqa: BLE001 (any failure: keep the score for the next try, log it)
        link.pending, link.last_error = True, f"{type(error).__name__}: {error}"[:2000]
        current_app.logger.warning("LTI score for attempt %s not sent to %s: %s", attempt.id, link.lineitem, error)
        return False
    link.pending, link.last_error, link.sent_at = False, "", utcnow()
    return True


def send_for(attempt_ids) -> None:
    """After scorings were committed: send each scored attempt's officer's final score where it goes."""
    for attempt_id in sorted(set(attempt_ids)):
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        if attempt is None or attempt.status not in SCORED:
            continue
        links = db.session.scalars(select(LtiGradeLink).where(
            LtiGradeLink.user_id == attempt.user_id, LtiGradeLink.scenario_work == attempt.version.scenario.work))
        for link in links:
            send(link)
    db.session.commit()


def resend_pending() -> tuple[int, int]:
    """Send again every score that did not get through: (sent, still failing)."""
    sent = failed = 0
    for link in db.session.scalars(select(LtiGradeLink).where(LtiGradeLink.pending.is_(True))).all():
        if send(link):
            sent += 1
        else:
            failed += 1
    db.session.commit()
    return sent, failed
