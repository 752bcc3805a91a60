"""Every certificate is an Open Badges 2.0 hosted badge; an administrator can revoke it; its PDF
carries a QR code of its verify page.

The checks follow the IMS Global Open Badges v2.0 specification (Final Release, 12 April 2018):
the properties it marks required for an Assertion (id, type, recipient, badge, verification,
issuedOn), an IdentityObject (identity, type, hashed), a BadgeClass (id, type, name,
description, image, criteria, issuer) and an issuer Profile (id, type, name, url, email);
"HostedBadge Verification": the Assertion is served as application/ld+json (application/json
to a client that asks only for that) at its `id`, which "must be within the permitted scope ...
on the same origin as the issuer Profile id"; "Revoking Hosted Assertions": "respond with an
HTTP Status of 410 Gone", a body where "only id and revoked are required", with an optional
revocationReason. A validator starts from the baked image: the Assertion in its iTXt chunk is
"only trusted to identify the URI of the hosted verification file", so each test fetches it.
"""
import hashlib
import io
import json
import re
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import segno
from pypdf import PdfReader
from sqlalchemy import select

from conftest import post_form
from sample_course import write_course
from trainer.domain.badges import baked_assertion
from trainer.extensions import db
from trainer.models import AuditEvent, Certificate, Course
from trainer.services.content import load_courses

BASE = "https://training.example.org"
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture
def app_config(request, backend, tmp_path):
    from conftest import database_url_for

    write_course(tmp_path)
    return {"SQLALCHEMY_DATABASE_URI": database_url_for(request, backend), "CONTENT_COURSES_DIR": str(tmp_path),
            "BADGE_ISSUER_NAME": "Academy of the MIA", "BADGE_ISSUER_EMAIL": "badges@academy.example.org"}


@pytest.fixture
def course_id(app, tmp_path):
    with app.app_context():
        load_courses(tmp_path)
        db.session.commit()
        return db.session.scalar(select(Course.id).where(Course.slug == "grading-basics"))


@pytest.fixture
def holder(make_user, make_agency, course_id):
    agency = make_agency("Ministry of Internal Affairs", "KG")
    return make_user("trainee", email="Aibek.Osmonov@Example.org", full_name="Aibek Osmonov", agency_id=agency.id)


@pytest.fixture
def certificate(database, holder, course_id) -> Certificate:
    return database.add(Certificate(code="7KQ4-M2XD-9PTA", user_id=holder.id, course_id=course_id,
                                    holder_name="Aibek Osmonov", agency_name="Ministry of Internal Affairs",
                                    course_title="Grading basics", hours=1.5))


def fetch(client, url: str, status: int = 200, **headers):
    """GET an absolute URL of the platform as a validator would, and read its JSON."""
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, f"not an absolute URL: {url}"
    response = client.get(parts.path, base_url=f"{parts.scheme}://{parts.netloc}", headers=headers)
    assert response.status_code == status, (url, response.status_code)
    return response


def document(response) -> dict:
    assert response.mimetype == "application/ld+json"
    return json.loads(response.get_data(as_text=True))


def required(document: dict, names: tuple[str, ...]) -> None:
    missing = [name for name in names if document.get(name) in (None, "", [], {})]
    assert not missing, f"{document.get('type')} lacks {missing}"


def test_the_hosted_badge_links_up_and_has_every_property_the_spec_requires(app, certificate):
    app.config["PUBLIC_BASE_URL"] = BASE
    visitor = app.test_client()  # validators and backpacks have no account
    assertion_url = f"{BASE}/badges/assertions/7KQ4-M2XD-9PTA"
    assertion = document(fetch(visitor, assertion_url))
    assert assertion["@context"] == "https://w3id.org/openbadges/v2"
    required(assertion, ("id", "type", "recipient", "badge", "verification", "issuedOn"))
    assert (assertion["type"], assertion["id"], assertion["verification"]) == ("Assertion", assertion_url,
                                                                            {"type": "hosted"})
    assert ISO_WITH_ZONE.match(assertion["issuedOn"])
    recipient = assertion["recipient"]
    required(recipient, ("identity", "type", "hashed"))
    salt = recipient["salt"]
    assert recipient["type"] == "email" and recipient["hashed"] is True and len(salt) >= 16
    expected = hashlib.sha256(("aibek.osmonov@example.org" + salt).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert "osmonov" not in json.dumps(assertion).lower()  # the address only as its salted hash

    badge_class = document(fetch(visitor, assertion["badge"]))
    required(badge_class, ("id", "type", "name", "description", "image", "criteria", "issuer"))
    assert (badge_class["type"], badge_class["id"]) == ("BadgeClass", f"{BASE}/badges/classes/grading-basics")
    assert badge_class["name"] == "Grading basics"
    assert badge_class["description"] == "Grade sources and information separately."
    assert badge_class["criteria"]["narrative"] == (
        "Complete every lesson of the course and pass its post-test with at least 60%.")

    issuer = document(fetch(visitor, badge_class["issuer"]))
    required(issuer, ("id", "type", "name", "url", "email"))
    assert (issuer["type"], issuer["id"], issuer["name"], issuer["email"]) == (
        "Issuer", f"{BASE}/badges/issuer", "Academy of the MIA", "badges@academy.example.org")
    assert issuer["url"] == f"{BASE}/"

    # Hosted verification's default scope: the assertion and badge class on the issuer's origin.
    origin = urlsplit(issuer["id"]).netloc
    assert {urlsplit(url).netloc for url in (assertion["id"], badge_class["id"], badge_class["image"],
                                             assertion["image"], assertion["evidence"])} == {origin}
    for image in (badge_class["image"], assertion["image"]):
        response = fetch(visitor, image)
        assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")
    assert "Valid certificate" in fetch(visitor, assertion["evidence"]).get_data(as_text=True)


def test_urls_stay_the_same_whichever_address_the_request_came_by(app, certificate):
    app.config["PUBLIC_BASE_URL"] = BASE
    visitor = app.test_client()
    first = visitor.get("/badges/assertions/7KQ4-M2XD-9PTA", base_url="http://10.0.0.11:8000").get_json(force=True)
    second = visitor.get("/badges/assertions/7kq4-m2xd-9pta", base_url="http://localhost").get_json(force=True)
    assert first == second and first["id"] == f"{BASE}/badges/assertions/7KQ4-M2XD-9PTA"
    # Without a configured address, the request's own (absolute all the same).
    app.config["PUBLIC_BASE_URL"] = ""
    local = visitor.get("/badges/assertions/7KQ4-M2XD-9PTA", base_url="http://localhost").get_json(force=True)
    assert local["id"] == "http://localhost/badges/assertions/7KQ4-M2XD-9PTA"
    assert local["recipient"] == first["recipient"]  # the salt is the certificate's, kept


def test_a_client_asking_only_for_json_gets_application_json(client, certificate):
    response = client.get("/badges/assertions/7KQ4-M2XD-9PTA", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    either = client.get("/badges/issuer", headers={"Accept": "application/ld+json, application/json;q=0.9"})
    assert either.mimetype == "application/ld+json"


def test_one_badge_class_per_work_in_its_original_title_and_language(app, database, holder, course_id, make_user):
    # A Russian version of the course: its certificate's badge is the work's, titled as the original.
    russian = database.add(Course(slug="grading-basics-ru", work="grading-basics", title="Основы оценки",
                                  summary="Оценивайте источник и информацию раздельно.", language="ru",
                                  topic="source-evaluation", pass_mark=60,
                                  settings={"completion": {"all_lessons": True, "post_test": False}}))
    officer = make_user("trainee", full_name="Нурлан Садыков")
    database.add(Certificate(code="RU22-RU22-RU22", user_id=officer.id, course_id=russian.id,
                             holder_name="Нурлан Садыков", course_title="Основы оценки", hours=1.5))
    client = app.test_client()
    assertion = client.get("/badges/assertions/RU22-RU22-RU22").get_json(force=True)
    assert assertion["badge"].endswith("/badges/classes/grading-basics")
    badge_class = client.get("/badges/classes/grading-basics").get_json(force=True)
    assert (badge_class["name"], badge_class["@language"]) == ("Grading basics", "en")

    # A course written in Russian has its badge class in Russian.
    original = database.add(Course(slug="analiz", title="Анализ преступности", summary="", language="ru",
                                   topic="crime-analysis", pass_mark=70,
                                   settings={"completion": {"all_lessons": True, "post_test": True}}))
    database.add(Certificate(code="AN33-AN33-AN33", user_id=officer.id, course_id=original.id,
                             holder_name="Нурлан Садыков", course_title="Анализ преступности", hours=2))
    badge_class = client.get("/badges/classes/analiz").get_json(force=True)
    assert (badge_class["name"], badge_class["@language"]) == ("Анализ преступности", "ru")
    assert badge_class["description"] == "Завершение курса «Анализ преступности»."
    assert badge_class["criteria"]["narrative"] == (
        "Пройдите все уроки курса и сдайте итоговый тест не менее чем на 70%.")


def test_no_badge_class_for_a_course_nobody_has_completed_and_no_assertion_for_an_unknown_code(client, course_id):
    assert client.get("/badges/classes/grading-basics").status_code == 404
    assert client.get("/badges/classes/grading-basics/image.png").status_code == 404
    assert client.get("/badges/assertions/AAAA-BBBB-CCCC").status_code == 404
    assert client.get("/badges/assertions/AAAA-BBBB-CCCC/image.png").status_code == 404


def test_the_officer_downloads_the_baked_badge_from_the_certificate_page(app, client, auth, holder, certificate):
    app.config["PUBLIC_BASE_URL"] = BASE
    auth.login(holder)
    page = client.get("/certificates/7KQ4-M2XD-9PTA").get_data(as_text=True)
    assert "Download the badge" in page and f"{BASE}/badges/assertions/7KQ4-M2XD-9PTA" in page
    link = re.search(r'href="([^"]+)" download="badge-7KQ4-M2XD-9PTA.png"', page).group(1)
    image = fetch(client, link)
    assert image.mimetype == "image/png"
    baked = baked_assertion(image.data)
    assert baked["id"] == f"{BASE}/badges/assertions/7KQ4-M2XD-9PTA"
    # What a validator does next: trust only the hosted copy at that id, which says the same.
    assert document(fetch(app.test_client(), baked["id"])) == baked


def test_an_administrator_revokes_a_certificate_with_a_reason(app, database, make_user, auth, holder, certificate):
    admin = make_user("admin")
    client = app.test_client()
    from conftest import AuthActions
    AuthActions(client).login(admin)
    page = client.get("/certificates/7KQ4-M2XD-9PTA").get_data(as_text=True)
    assert "Revoke this certificate" in page

    # A reason is required; without one nothing changes.
    refused = post_form(client, "/admin/certificates/7KQ4-M2XD-9PTA/revoke", {"reason": "  "})
    assert refused.status_code == 400 and "This field is required" in refused.get_data(as_text=True)
    assert database.get(Certificate, certificate.id).revoked_at is None

    done = post_form(client, "/admin/certificates/7KQ4-M2XD-9PTA/revoke",
                     {"reason": "Issued in error: the post-test was taken by someone else."}, follow_redirects=True)
    assert "Certificate 7KQ4-M2XD-9PTA is revoked." in done.get_data(as_text=True)
    row = database.get(Certificate, certificate.id)
    assert row.revoked_at is not None and row.revocation_reason.startswith("Issued in error")
    event = database.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert (event.user_id, event.subject_id) == (admin.id, holder.id)
    assert event.detail["code"] == "7KQ4-M2XD-9PTA" and event.detail["reason"].startswith("Issued in error")
    again = post_form(client, "/admin/certificates/7KQ4-M2XD-9PTA/revoke", {"reason": "Twice"}, follow_redirects=True)
    assert "was already revoked" in again.get_data(as_text=True)
    assert database.get(Certificate, certificate.id).revocation_reason.startswith("Issued in error")

    visitor = app.test_client()
    gone = visitor.get("/badges/assertions/7KQ4-M2XD-9PTA")
    assert gone.status_code == 410
    body = document(gone)
    assert body["revoked"] is True and body["id"].endswith("/badges/assertions/7KQ4-M2XD-9PTA")
    assert body["revocationReason"] == "Issued in error: the post-test was taken by someone else."
    assert "recipient" not in body
    assert visitor.get("/badges/assertions/7KQ4-M2XD-9PTA/image.png").status_code == 410

    verified = visitor.get("/verify/7KQ4-M2XD-9PTA").get_data(as_text=True)
    assert "was revoked on" in verified and "no longer valid" in verified and "Valid certificate" not in verified
    assert "Issued in error: the post-test was taken by someone else." in verified

    officer = app.test_client()
    AuthActions(officer).login(holder)
    page = officer.get("/certificates/7KQ4-M2XD-9PTA").get_data(as_text=True)
    assert "This certificate was revoked on" in page and "Issued in error" in page
    assert "Download PDF" not in page and "Download the badge" not in page
    pdf = officer.get("/certificates/7KQ4-M2XD-9PTA.pdf", follow_redirects=True)
    assert "can no longer be downloaded" in pdf.get_data(as_text=True)


def test_revoked_is_shown_in_russian_with_the_date(app, database, holder, certificate):
    database.update(Certificate, certificate.id, revoked_at=datetime(2026, 12, 3, 9, 0),
                    revocation_reason="Выдан по ошибке")
    visitor = app.test_client()
    page = visitor.get("/verify/7KQ4-M2XD-9PTA", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    page = page.replace("\xa0", " ").replace("\u202f", " ")  # CLDR's Russian dates hold no-break spaces
    assert "Сертификат 7KQ4-M2XD-9PTA отозван 3 дек. 2026 г." in page
    assert "Причина отзыва" in page and "Выдан по ошибке" in page


def qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn on the certificate, as (row, column): the filled
    rectangles of the page ("x y w h re f", y upwards), one per run of modules in a row."""
    stream = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    rects = [tuple(map(float, match.groups())) for match in
             re.finditer(r"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re f\b", stream)]
    assert rects, "no QR code drawn"
    module = min(abs(h) for *_, h in rects)
    left, top = min(x for x, *_ in rects), max(y for _, y, *_ in rects)
    dark = set()
    for x, y, w, _h in rects:
        row, column = round((top - y) / module), round((x - left) / module)
        dark.update((row, column + n) for n in range(round(w / module)))
    return dark


def test_the_pdf_has_a_qr_code_of_its_verify_page_with_the_address_under_it(app, client, auth, holder,
                                                                                certificate):
    app.config["PUBLIC_BASE_URL"] = BASE
    auth.login(holder)
    pdf = client.get("/certificates/7KQ4-M2XD-9PTA.pdf").data
    url = f"{BASE}/verify/7KQ4-M2XD-9PTA"
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert url in text and "Verify at" in text
    assert text.index("Verify at") > text.index("Verification code")  # under the QR, at the bottom

    # The drawing is exactly the QR code segno makes of that URL (a full QR, error level M).
    qr = segno.make(url, error="m", micro=False)
    expected = {(row, column) for row, line in enumerate(qr.matrix) for column, dark in enumerate(line) if dark}
    assert qr_modules(pdf) == expected
    assert qr.designator.endswith("-M")
