"""Certificates as Open Badges 2.0: the issuer profile, a badge class per course work and an
assertion per certificate, hosted as JSON-LD at stable URLs; baked badge images; revocation.

URLs are built on PUBLIC_BASE_URL when it is set, so a badge issued through one address of the
platform keeps verifying through another. Documents about a course are written in the course's
language: the badge class in its original's, the assertion refers to it.
"""
from __future__ import annotations

import json

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..certificates import badge_png
from ..domain import badges as ob
from ..extensions import db
from ..models import Certificate, Course, User, utcnow
from . import progress_summary
from .audit import record_audit

MAX_REASON = 500  # characters of a revocation reason


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint, on PUBLIC_BASE_URL when set, else the request's address."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def verify_url(certificate: Certificate) -> str:
    """The public page that confirms a certificate: printed on it, in its QR code, in its badge."""
    return public_url("learn.verify", code=certificate.code)


def assertion_url(certificate: Certificate) -> str:
    return public_url("badges.assertion", code=certificate.code)


def badge_class_url(work: str) -> str:
    return public_url("badges.badge_class", work=work)


def issuer_url() -> str:
    return public_url("badges.issuer")


def certificate_links(certificate: Certificate) -> dict[str, str]:
    """What the certificate page links to: its verify page, its assertion and its baked badge."""
    return {"verify": verify_url(certificate), "assertion": assertion_url(certificate),
            "badge": public_url("badges.assertion_image", code=certificate.code)}


# --- the documents ----------------------------------------------------------------------------

def issuer_email() -> str:
    """The issuer's contact address: the configured one, else the first administrator's."""
    configured = current_app.config.get("BADGE_ISSUER_EMAIL")
    if configured:
        return configured
    return db.session.scalar(select(User.email).where(User.role == "admin").order_by(User.id).limit(1)) or ""


def issuer_document() -> dict:
    """The issuer Profile of every badge the platform awards."""
    return ob.issuer_profile(url=issuer_url(), name=current_app.config["BADGE_ISSUER_NAME"],
                             homepage=current_app.config.get("BADGE_ISSUER_URL") or public_url("main.home"),
                             email=issuer_email())


def badge_course(work: str) -> Course | None:
    """The course a work's badge class describes: its original (else its first version), and only
    once a certificate of the work was issued, so badge classes reveal no unawarded course."""
    awarded = db.session.scalar(select(Certificate.id).join(Course, Course.id == Certificate.course_id)
                                .where(Course.work == work).limit(1))
    if awarded is None:
        return None
    courses = list(db.session.scalars(select(Course).where(Course.work == work).order_by(Course.id)))
    return next((course for course in courses if course.slug == work), courses[0] if courses else None)


def criteria_narrative(course: Course) -> str:
    """How the badge is earned, from the course's completion rule, in the current language."""
    rule = (course.settings or {}).get("completion") or {}
    if rule.get("all_lessons") and rule.get("post_test"):
        return _("Complete every lesson of the course and pass its post-test with at least %(mark)d%%.",
                 mark=course.pass_mark)
    if rule.get("post_test"):
        return _("Pass the course's post-test with at least %(mark)d%%.", mark=course.pass_mark)
    return _("Complete every lesson of the course.")


def badge_class_document(course: Course) -> dict:
    """The badge class of the course's work, in the course's own language."""
    with force_locale(course.language):
        description = course.summary.strip() or _("Completion of the course “%(title)s”.", title=course.title)
        criteria = criteria_narrative(course)
    return ob.badge_class(url=badge_class_url(course.work), name=course.title, description=description,
                          image=public_url("badges.badge_class_image", work=course.work), criteria=criteria,
                          issuer=issuer_url(), language=course.language)


def recipient(certificate: Certificate) -> ob.Recipient:
    """The holder, by their e-mail address; one without an address by their verify page."""
    email = certificate.user.email if certificate.user else ""
    if email:
        return ob.Recipient("email", email, certificate.recipient_salt)
    return ob.Recipient("url", verify_url(certificate), certificate.recipient_salt)


def assertion_document(certificate: Certificate) -> dict:
    """The certificate's hosted assertion; a revoked one is only its id, revoked and the reason."""
    if certificate.revoked:
        return ob.revoked_assertion(url=assertion_url(certificate), reason=certificate.revocation_reason)
    return ob.assertion(url=assertion_url(certificate), recipient=recipient(certificate),
                        badge=badge_class_url(certificate.course.work), issued_on=certificate.issued_at,
                        image=public_url("badges.assertion_image", code=certificate.code),
                        evidence=verify_url(certificate))


def badge_class_image(course: Course) -> bytes:
    """The unbaked image of a work's badge class (the same bytes every time)."""
    return badge_png(course.work, course.title)


def baked_badge(certificate: Certificate) -> bytes:
    """The badge image with the certificate's assertion baked in (Open Badges baking, PNG)."""
    course = badge_course(certificate.course.work) or certificate.course
    return ob.bake(badge_class_image(course), json.dumps(assertion_document(certificate), ensure_ascii=False))


# --- revocation ---------------------------------------------------------------------------------

def revoke(certificate: Certificate, actor: User, reason: str) -> bool:
    """Withdraw a certificate (the caller commits); False when it already was."""
    if certificate.revoked:
        return False
    progress_summary.hold_course(certificate.user_id, certificate.course_id)  # before writing: see hold_course
    certificate.revoked_at = utcnow()
    certificate.revocation_reason = reason.strip()[:MAX_REASON]
    record_audit("certificate.revoked", actor, certificate.user, code=certificate.code,
                 course=certificate.course_title, reason=certificate.revocation_reason)
    progress_summary.refresh_course(certificate.user_id, certificate.course_id)  # no longer "passed" in reports
    return True
