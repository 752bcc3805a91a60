"""Open Badges 2.0 documents and PNG baking, without an app.

The required properties are those the IMS Global Open Badges v2.0 specification (Final Release,
12 April 2018) marks in bold in its vocabulary: Assertion (id, type, recipient, badge,
verification, issuedOn), IdentityObject (identity, type, hashed), VerificationObject (type),
BadgeClass (id, type, name, description, image, criteria, issuer) and, for a Profile used as an
issuer, "id, type, name, url, and email". A revoked hosted Assertion needs only id and revoked
("If revoked is true, only revoked and id are required properties"). An IdentityHash is "a hash
string preceded by a dollar sign ($) and the algorithm used", here SHA-256 of identity + salt.
DateTime: ISO 8601 "including the time and a time zone indicator". Baking (Open Badges Baking
Specification v1.0): an iTXt chunk keyed "openbadges", "Compression MUST NOT be used", holding
the Assertion's JSON, and only one such chunk in a PNG.
"""
import hashlib
import io
import json
import re
import struct
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from trainer.certificates import badge_png, initials
from trainer.domain import badges as ob

ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
ASSERTION_REQUIRED = ("id", "type", "recipient", "badge", "verification", "issuedOn")
IDENTITY_REQUIRED = ("identity", "type", "hashed")
BADGE_CLASS_REQUIRED = ("id", "type", "name", "description", "image", "criteria", "issuer")
ISSUER_REQUIRED = ("id", "type", "name", "url", "email")


def make_assertion(**overrides):
    values = dict(url="https://training.example.org/badges/assertions/7KQ4-M2XD-9PTA",
                  recipient=ob.Recipient("email", " Aibek.Osmonov@Example.org ", "c0ffee"),
                  badge="https://training.example.org/badges/classes/grading-basics",
                  issued_on=datetime(2026, 11, 26, 10, 30, 15, 123456, tzinfo=timezone.utc),
                  image="https://training.example.org/badges/assertions/7KQ4-M2XD-9PTA/image.png",
                  evidence="https://training.example.org/verify/7KQ4-M2XD-9PTA")
    return ob.assertion(**{**values, **overrides})


def test_the_identity_hash_is_sha256_of_identity_and_salt_with_its_algorithm_in_front():
    expected = hashlib.sha256(b"beth@example.org" + b"deadsea").hexdigest()
    assert ob.hash_identity("beth@example.org", "deadsea") == "sha256$" + expected
    # Cyrillic addresses are hashed as UTF-8.
    assert ob.hash_identity("офицер@мвд.kg", "s") == "sha256$" + hashlib.sha256("офицер@мвд.kgs".encode()).hexdigest()


def test_an_assertion_has_every_property_the_spec_requires_and_never_the_plain_address():
    document = make_assertion()
    assert document["@context"] == "https://w3id.org/openbadges/v2"
    assert all(document.get(name) for name in ASSERTION_REQUIRED)
    assert document["type"] == "Assertion" and document["verification"] == {"type": "hosted"}
    recipient = document["recipient"]
    assert all(name in recipient for name in IDENTITY_REQUIRED)
    assert recipient == {"type": "email", "hashed": True, "salt": "c0ffee",
                         "identity": "sha256$" + hashlib.sha256(b"aibek.osmonov@example.orgc0ffee").hexdigest()}
    assert "osmonov" not in json.dumps(document).lower()
    assert document["issuedOn"] == "2026-11-26T10:30:15+00:00" and ISO_WITH_ZONE.match(document["issuedOn"])
    assert document["evidence"].endswith("/verify/7KQ4-M2XD-9PTA")


def test_issued_on_is_utc_with_its_zone_also_for_naive_and_other_zones():
    bishkek = timezone(timedelta(hours=6))
    assert ob.iso8601(datetime(2026, 11, 26, 16, 30, tzinfo=bishkek)) == "2026-11-26T10:30:00+00:00"
    assert ob.iso8601(datetime(2026, 11, 26, 10, 30)) == "2026-11-26T10:30:00+00:00"  # SQLite gives naive UTC


def test_a_recipient_without_an_address_is_the_hashed_url_of_their_verify_page():
    recipient = ob.Recipient("url", "https://training.example.org/verify/AAAA-BBBB-CCCC", "5a17").document()
    assert recipient["type"] == "url" and recipient["hashed"] is True
    assert recipient["identity"] == ob.hash_identity("https://training.example.org/verify/AAAA-BBBB-CCCC", "5a17")


def test_a_revoked_assertion_is_its_id_revoked_and_the_reason():
    document = ob.revoked_assertion(url="https://t.example.org/badges/assertions/X", reason="Issued in error")
    assert document["id"] == "https://t.example.org/badges/assertions/X" and document["revoked"] is True
    assert document["revocationReason"] == "Issued in error"
    assert "recipient" not in document and "badge" not in document
    assert "revocationReason" not in ob.revoked_assertion(url="https://t.example.org/x", reason="")


def test_badge_class_and_issuer_have_every_required_property():
    badge_class = ob.badge_class(url="https://t.example.org/badges/classes/ilp", name="Разведка", description="",
                                 image="https://t.example.org/badges/classes/ilp/image.png",
                                 criteria="Пройдите все уроки.", issuer="https://t.example.org/badges/issuer",
                                 language="ru")
    assert all(badge_class.get(name) for name in BADGE_CLASS_REQUIRED)
    assert badge_class["type"] == "BadgeClass" and badge_class["criteria"] == {"narrative": "Пройдите все уроки."}
    assert badge_class["description"] == "Разведка"  # never empty: the name stands in
    assert badge_class["@language"] == "ru"
    issuer = ob.issuer_profile(url="https://t.example.org/badges/issuer", name="Training", email="a@example.org",
                               homepage="https://t.example.org/")
    assert all(issuer.get(name) for name in ISSUER_REQUIRED) and issuer["type"] == "Issuer"


def itxt_chunks(png: bytes) -> list[bytes]:
    """The raw data of every iTXt chunk, read with nothing but struct (independent of the code)."""
    found, position = [], 8
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        crc, = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, f"bad CRC on {kind!r}"
        if kind == b"iTXt":
            found.append(data)
        position += 12 + length
    return found


def test_baking_puts_the_assertion_in_one_uncompressed_openbadges_itxt_chunk():
    image = badge_png("grading-basics", "Grading basics")
    document = make_assertion()
    baked = ob.bake(image, json.dumps(document, ensure_ascii=False))
    [data] = itxt_chunks(baked)
    keyword, rest = data.split(b"\0", 1)
    assert keyword == b"openbadges" and rest[:2] == b"\0\0"  # compression flag 0, method 0
    language, rest = rest[2:].split(b"\0", 1)
    translated, text = rest.split(b"\0", 1)
    assert (language, translated) == (b"", b"")
    assert json.loads(text.decode("utf-8"))["id"] == document["id"]
    assert ob.baked_assertion(baked) == document
    # Still a valid image of the same size, which Pillow reads with the chunk as text.
    with Image.open(io.BytesIO(baked)) as opened:
        assert opened.size == (400, 400) and json.loads(opened.text["openbadges"])["id"] == document["id"]
    # Baking again replaces the chunk: never two.
    again = ob.bake(baked, json.dumps({"id": "https://t.example.org/other"}))
    assert len(itxt_chunks(again)) == 1 and ob.baked_assertion(again) == {"id": "https://t.example.org/other"}


def test_an_image_without_a_badge_has_none_and_other_bytes_are_refused():
    assert ob.unbake(badge_png("x", "X")) is None
    with pytest.raises(ob.NotAPng):
        ob.unbake(b"GIF89a")


def test_badge_images_are_square_pngs_the_same_every_time_and_differ_by_course():
    first = badge_png("grading-basics", "Grading basics")
    assert first == badge_png.__wrapped__("grading-basics", "Grading basics")
    assert first != badge_png("intelligence-led-policing", "Intelligence-led policing")
    with Image.open(io.BytesIO(first)) as image:
        assert image.format == "PNG" and image.size[0] == image.size[1] >= 90


def test_initials_skip_small_words_in_both_languages():
    assert initials("Intelligence-led policing") == "ILP"
    assert initials("Evaluating sources and information") == "ESI"
    assert initials("Оценка источников и информации") == "ОИИ"
