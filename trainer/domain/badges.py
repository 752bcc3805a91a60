"""Open Badges 2.0: the JSON-LD documents of a hosted badge, and baking them into PNG images.

Every certificate is also a hosted badge Assertion. Three documents link to one another by
their URLs (IMS Global, Open Badges v2.0, "Open Badges Vocabulary" and "HostedBadge
Verification"): the issuer Profile, one BadgeClass per course work and one Assertion per
certificate. A revoked hosted Assertion answers 410 Gone with only `id`, `revoked` and an
optional `revocationReason`. The functions here take plain values (URLs already built, dates
as aware datetimes) and return plain dicts; the service fills them in from rows.

Baking (Open Badges Baking Specification v1.0, PNG): one uncompressed `iTXt` chunk with the
keyword `openbadges` whose text is the Assertion's JSON.
"""
from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

CONTEXT = "https://w3id.org/openbadges/v2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAKING_KEYWORD = b"openbadges"


def hash_identity(identity: str, salt: str) -> str:
    """`sha256$` and the hex SHA-256 of identity + salt (the spec's IdentityHash)."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def normalised_email(email: str) -> str:
    """An address as backpacks compare it: trimmed and lower-case."""
    return email.strip().lower()


def iso8601(moment: datetime) -> str:
    """A timestamp with its zone, in UTC ("2026-11-26T10:30:00+00:00"); naive ones are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Recipient:
    """Who the badge was awarded to: an e-mail address, else a URL that stands for them."""

    kind: str       # "email" or "url"
    identity: str   # the plain value; only its salted hash is published
    salt: str

    def document(self) -> dict:
        """The IdentityObject: hashed, salted, never the plain value."""
        identity = normalised_email(self.identity) if self.kind == "email" else self.identity
        return {"type": self.kind, "hashed": True, "salt": self.salt, "identity": hash_identity(identity, self.salt)}


def issuer_profile(*, url: str, name: str, homepage: str, email: str, description: str = "") -> dict:
    """The issuer Profile (required for an issuer: id, type, name, url, email)."""
    document = {"@context": CONTEXT, "type": "Issuer", "id": url, "name": name, "url": homepage, "email": email}
    if description:
        document["description"] = description
    return document


def badge_class(*, url: str, name: str, description: str, image: str, criteria: str, issuer: str,
                language: str = "", tags: tuple[str, ...] = ()) -> dict:
    """A BadgeClass: what the achievement is, its image, how it is earned and who awards it."""
    document = {"@context": CONTEXT, "type": "BadgeClass", "id": url, "name": name,
                "description": description or name, "image": image, "criteria": {"narrative": criteria},
                "issuer": issuer}
    if language:
        document["@language"] = language
    if tags:
        document["tags"] = list(tags)
    return document


def assertion(*, url: str, recipient: Recipient, badge: str, issued_on: datetime, image: str = "",
              evidence: str = "") -> dict:
    """A hosted Assertion of one awarded badge."""
    document = {"@context": CONTEXT, "type": "Assertion", "id": url, "recipient": recipient.document(),
                "badge": badge, "verification": {"type": "hosted"}, "issuedOn": iso8601(issued_on)}
    if image:
        document["image"] = image
    if evidence:
        document["evidence"] = evidence
    return document


def revoked_assertion(*, url: str, reason: str) -> dict:
    """What a revoked hosted Assertion answers (with 410 Gone): id and revoked, and the reason."""
    document = {"@context": CONTEXT, "type": "Assertion", "id": url, "revoked": True}
    if reason:
        document["revocationReason"] = reason
    return document


# --- baking -----------------------------------------------------------------------------------

class NotAPng(ValueError):
    """The bytes are not a PNG image."""


def png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """[(chunk type, data)] of a PNG, in order; NotAPng when it is not one."""
    if not png.startswith(PNG_SIGNATURE):
        raise NotAPng("no PNG signature")
    chunks, position = [], len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        if len(data) != length:
            raise NotAPng("a chunk runs past the end")
        chunks.append((kind, data))
        position += 12 + length
        if kind == b"IEND":
            break
    return chunks


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _is_badge_text(kind: bytes, data: bytes) -> bool:
    return kind in (b"iTXt", b"tEXt") and data.split(b"\0", 1)[0] == BAKING_KEYWORD


def bake(png: bytes, text: str) -> bytes:
    """The PNG with `text` in an uncompressed iTXt chunk keyed `openbadges`, right after the
    header; an `openbadges` chunk already there is replaced (there must be only one)."""
    # keyword, NUL, compression flag 0, compression method 0, empty language tag and
    # translated keyword (each NUL-terminated), then the UTF-8 text.
    baked = chunk(b"iTXt", BAKING_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8"))
    out = [PNG_SIGNATURE]
    for kind, data in png_chunks(png):
        if _is_badge_text(kind, data):
            continue
        out.append(chunk(kind, data))
        if kind == b"IHDR":
            out.append(baked)
    return b"".join(out)


def unbake(png: bytes) -> str | None:
    """The text of the first `openbadges` iTXt chunk, or None when the image has none."""
    for kind, data in png_chunks(png):
        if kind != b"iTXt" or not _is_badge_text(kind, data):
            continue
        rest = data[len(BAKING_KEYWORD) + 1:]
        compressed, _method, rest = rest[0], rest[1], rest[2:]
        _language, rest = rest.split(b"\0", 1)
        _translated, text = rest.split(b"\0", 1)
        return (zlib.decompress(text) if compressed else text).decode("utf-8")
    return None


def baked_assertion(png: bytes) -> dict | None:
    """The Assertion baked into a PNG, parsed, or None."""
    text = unbake(png)
    return json.loads(text) if text else None
