"""Open Badges 2.0, public: the issuer, badge classes, assertions and their images.

Anyone may fetch them (badge validators and backpacks do, without an account). They say no
more than /verify does, and the holder's e-mail only as a salted hash.
"""
import json

from flask import Blueprint, abort, current_app, request

from ..services import badges
from ..services import courses as learning

bp = Blueprint("badges", __name__, url_prefix="/badges")


def json_ld(document: dict, status: int = 200):
    """A badge object as application/ld+json, or application/json to a client that asks only for
    that (Open Badges 2.0, "Setting Content-Type"); readable from any site's scripts."""
    accepted = [mimetype for mimetype, quality in request.accept_mimetypes if quality]
    mimetype = "application/json" if accepted == ["application/json"] else "application/ld+json"
    response = current_app.response_class(json.dumps(document, ensure_ascii=False, indent=2), status=status,
                                          mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def png(data: bytes, filename: str, status: int = 200):
    response = current_app.response_class(data, status=status, mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def certificate_or_404(code: str):
    certificate = learning.certificate_by_code(code)
    if certificate is None:
        abort(404)
    return certificate


def badge_course_or_404(work: str):
    course = badges.badge_course(work)
    if course is None:
        abort(404)
    return course


@bp.get("/issuer")
def issuer():
    return json_ld(badges.issuer_document())


@bp.get("/classes/<work>")
def badge_class(work: str):
    return json_ld(badges.badge_class_document(badge_course_or_404(work)))


@bp.get("/classes/<work>/image.png")
def badge_class_image(work: str):
    return png(badges.badge_class_image(badge_course_or_404(work)), f"badge-{work}.png")


@bp.get("/assertions/<code>")
def assertion(code: str):
    """The hosted assertion; a revoked one answers 410 Gone with revoked and the reason."""
    certificate = certificate_or_404(code)
    return json_ld(badges.assertion_document(certificate), 410 if certificate.revoked else 200)


@bp.get("/assertions/<code>/image.png")
def assertion_image(code: str):
    """The badge image with the assertion baked in; none for a revoked certificate (410)."""
    certificate = certificate_or_404(code)
    if certificate.revoked:
        return json_ld(badges.assertion_document(certificate), 410)
    return png(badges.baked_badge(certificate), f"badge-{certificate.code}.png")
