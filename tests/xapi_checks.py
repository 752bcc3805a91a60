"""xAPI 1.0.3 rules a statement must keep, checked with the `tincan` library (ADL's Python
model of the specification) and the few rules it does not check itself. Used by the unit tests
and by the stand-in LRS, which refuses what an LRS would refuse."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import tincan

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def problems(statement: dict) -> list[str]:
    """What is wrong with the statement; empty when an LRS must accept it."""
    found = []
    try:
        parsed = tincan.Statement.from_json(json.dumps(statement))
        json.loads(parsed.to_json("1.0.3"))
    except Exception as error:  # tincan raises TypeError/ValueError/... for each rule it enforces
        return [f"tincan refuses it: {error!r}"]
    for field in ("id", "actor", "verb", "object", "timestamp", "version"):
        if field not in statement:
            found.append(f"{field} is missing")
    if found:
        return found
    if str(uuid.UUID(statement["id"])) != statement["id"]:
        found.append("id is not a UUID in its canonical form")
    if statement["version"] != "1.0.3":
        found.append("version is not 1.0.3")
    actor = statement["actor"]
    identifiers = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in actor]
    if len(identifiers) != 1:
        found.append(f"the actor needs exactly one identifier, has {identifiers}")
    if "account" in actor and not (_absolute(actor["account"].get("homePage")) and actor["account"].get("name")):
        found.append("the actor's account needs an absolute homePage and a name")
    if not _absolute(statement["verb"].get("id")) or not statement["verb"].get("display"):
        found.append("the verb needs an IRI and a display")
    target = statement["object"]
    if target.get("objectType", "Activity") == "Activity":
        if not _absolute(target.get("id")):
            found.append("the activity id is not an absolute IRI")
        definition = target.get("definition", {})
        for language in list(definition.get("name", {})) + list(statement["verb"]["display"]):
            if not LANGUAGE_TAG.match(language):
                found.append(f"{language!r} is not a language tag")
    scaled = statement.get("result", {}).get("score", {}).get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        found.append("score.scaled is outside -1..1")
    registration = statement.get("context", {}).get("registration")
    if registration is not None and str(uuid.UUID(registration)) != registration:
        found.append("the registration is not a UUID")
    try:
        moment = datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
        if moment.tzinfo is None:
            found.append("the timestamp has no time zone")
    except ValueError:
        found.append("the timestamp is not ISO 8601")
    return found


def _absolute(iri) -> bool:
    parts = urlsplit(iri or "")
    return bool(parts.scheme and parts.netloc)
