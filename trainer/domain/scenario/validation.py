"""The validation context: collects every problem with its YAML path and line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from trainer.domain.grading import GradingScheme
from trainer.domain.messages import N_, Message, msg
from trainer.domain.scenario.loader import Path, format_path
from trainer.domain.scenario.model import FAKER_RE, MENTION_RE, SAFEGUARD_TAGS, Entity, Problem

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_MISSING = object()


class Ctx:
    """Problems found so far, plus what later sections may refer to."""

    def __init__(self, filename: str, lines: dict[Path, int] | None = None, stored: bool = False):
        self.filename = filename
        self.lines = lines or {}
        self.stored = stored  # re-reading a version already stored (see authoring_error)
        self.problems: list[Problem] = []
        self.entities: dict[str, Entity] = {}
        self.report_ids: tuple[str, ...] = ()
        self.scheme: GradingScheme | None = None
        self.template = False  # a template: generated values are known only per variant
        self.datasets: dict[str, Any] = {}  # id -> Dataset (scenario.datasets), for the query task

    # -- reporting --------------------------------------------------------------------

    def line(self, path: Path) -> int | None:
        """The line of path, or of its nearest ancestor that has one (missing fields)."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def error(self, path: Path, message: Message, line: int | None = None) -> None:
        """Record an error at path (a Message, translated where it is shown)."""
        self.problems.append(Problem(self.filename, line or self.line(path),
                                     format_path(path), message, "error"))

    def authoring_error(self, path: Path, message: Message) -> None:
        """An error in content being written; a warning when re-reading a stored version.

        For checks added after content was first published: a version stored before the check
        existed must still load, or its recorded attempts could no longer be shown or scored.
        """
        (self.warn if self.stored else self.error)(path, message)

    def warn(self, path: Path, message: Message) -> None:
        """Record a warning at path (the scenario is still usable)."""
        self.problems.append(Problem(self.filename, self.line(path),
                                     format_path(path), message, "warning"))

    @property
    def ok(self) -> bool:
        """True when no error has been recorded."""
        return not any(p.severity == "error" for p in self.problems)

    # -- shapes -----------------------------------------------------------------------

    def mapping(self, value: Any, path: Path, required: Iterable[str] = (),
                optional: Iterable[str] = (), free: bool = False) -> dict[str, Any] | None:
        """Check value is a mapping with the required keys and no unknown ones (unless free)."""
        if not isinstance(value, dict):
            self.error(path, msg(N_("expected a mapping (key: value), got %(kind)s"), kind=_kind(value)))
            return None
        required, optional = tuple(required), tuple(optional)
        for key in required:
            if key not in value:
                self.error(path, msg(N_("missing required field '%(key)s'"), key=key))
        if not free:
            allowed = required + optional
            for key in value:
                if key not in allowed:
                    self.error(path + (key,), msg(N_("unknown field '%(key)s'%(hint)s"), key=key,
                                                  hint=_did_you_mean(key, allowed)))
        return value

    def items(self, data: dict[str, Any], key: str, path: Path,
              minimum: int = 0) -> list[tuple[Path, Any]]:
        """The items of a list field with their paths; [] (and a problem) when not a list."""
        value = data.get(key)
        if value is None:  # a missing required field is reported by mapping()
            if key in data and minimum:
                self.error(path + (key,), msg(N_("needs at least %(min)d item(s), has none"), min=minimum))
            return []
        if not isinstance(value, list):
            self.error(path + (key,), msg(N_("expected a list, got %(kind)s"), kind=_kind(value)))
            return []
        if len(value) < minimum:
            self.error(path + (key,), msg(N_("needs at least %(min)d item(s), has %(n)d"),
                                          min=minimum, n=len(value)))
        return [(path + (key, i), item) for i, item in enumerate(value)]

    # -- scalars ----------------------------------------------------------------------

    def text(self, data: dict[str, Any], key: str, path: Path, required: bool = True,
             default: str = "") -> str:
        """A text field; its mentions must name known entities."""
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required and key in data:
                self.error(path + (key,), msg(N_("must not be empty")))
            return default
        if isinstance(value, (dict, list)):
            self.error(path + (key,), msg(N_("expected text, got %(kind)s"), kind=_kind(value)))
            return default
        value = str(value)
        if required and not value.strip():
            self.error(path + (key,), msg(N_("must not be empty")))
        if FAKER_RE.search(value):
            # Generated values live on entities, so every text that names one stays consistent.
            self.error(path + (key,), msg(N_("Faker placeholders belong in entity attributes; "
                                             "mention the entity instead, e.g. {{P1}}")))
        self.check_mentions(value, path + (key,))
        return value

    def ident(self, data: dict[str, Any], key: str, path: Path) -> str:
        """An id: letters, digits, '_' and '-'."""
        value = data.get(key)
        if value is None:
            return ""
        if isinstance(value, (dict, list, bool)) or not ID_RE.match(str(value)):
            self.error(path + (key,), msg(N_("invalid id %(value)r: use letters, digits, '_' and '-'"),
                                          value=value))
            return ""
        return str(value)

    def number(self, data: dict[str, Any], key: str, path: Path, *, integer: bool = False,
               minimum: float | None = None, maximum: float | None = None,
               above: float | None = None) -> float | None:
        """A number within bounds, or None (missing or wrong, the latter recorded)."""
        value = data.get(key)
        if value is None:
            return None
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            self.error(path + (key,), msg(N_("expected an integer, got %(value)r") if integer
                                          else N_("expected a number, got %(value)r"), value=value))
            return None
        if ((minimum is not None and value < minimum) or (maximum is not None and value > maximum)
                or (above is not None and value <= above)):
            bounds = _bounds(minimum, maximum, above)
            self.error(path + (key,), msg(N_("%(value)s is out of range (%(bounds)s)"), value=value,
                                          bounds=bounds))
            return None
        return value

    def boolean(self, data: dict[str, Any], key: str, path: Path, default: bool = False) -> bool:
        """A true/false field."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.error(path + (key,), msg(N_("expected true or false, got %(value)r"), value=value))
            return default
        return value

    def choice(self, data: dict[str, Any], key: str, path: Path, allowed: Iterable[str],
               what: str) -> str:
        """A value that must be one of allowed."""
        value = data.get(key)
        if value is None:
            return ""
        allowed = sorted(allowed)
        if str(value) not in allowed:
            self.error(path + (key,), msg(N_("unknown %(what)s %(value)r (expected one of: %(allowed)s)%(hint)s"),
                                          what=Message(what), value=str(value), allowed=", ".join(allowed),
                                          hint=_did_you_mean(str(value), allowed)))
            return ""
        return str(value)

    def safeguard(self, data: dict[str, Any], path: Path) -> frozenset[str]:
        """The safeguard tag(s): legal, human_rights, or a list of both."""
        value = data.get("safeguard")
        if value is None:
            return frozenset()
        tags = value if isinstance(value, list) else [value]
        good = set()
        for i, tag in enumerate(tags):
            at = path + ("safeguard", i) if isinstance(value, list) else path + ("safeguard",)
            if str(tag) in SAFEGUARD_TAGS:
                good.add(str(tag))
            else:
                self.error(at, msg(N_("unknown safeguard tag %(value)r (expected legal or human_rights)"),
                                   value=tag))
        return frozenset(good)

    # -- references -------------------------------------------------------------------

    def ref(self, value: Any, path: Path, known: Iterable[str], what: str) -> str:
        """A reference to an existing id (entity, report, event ...)."""
        value = "" if value is None else str(value)
        if value not in known:
            self.error(path, msg(N_("unknown %(what)s %(value)r"), what=Message(what), value=value) if value
                       else msg(N_("missing %(what)s"), what=Message(what)))
            return ""
        return value

    def ref_list(self, data: dict[str, Any], key: str, path: Path, known: Iterable[str],
                 what: str) -> tuple[str, ...]:
        """An optional list of references, each checked."""
        known = set(known)
        return tuple(ref for at, item in self.items(data, key, path)
                     if (ref := self.ref(item, at, known, what)))

    def unique(self, ids: Iterable[tuple[Path, str]], what: str,
               taken: dict[str, str] | None = None) -> None:
        """Report each id used twice (also against ids already taken by another section)."""
        seen: dict[str, Path] = {}
        for path, ident in ids:
            if not ident:
                continue
            if ident in seen:
                self.error(path, msg(N_("duplicate %(what)s id '%(id)s' (first used at %(path)s, line %(line)s)"),
                                     what=Message(what), id=ident, path=format_path(seen[ident]),
                                     line=self.line(seen[ident])))
            elif taken and ident in taken:
                self.error(path, msg(N_("id '%(id)s' is already used by %(other)s"), id=ident,
                                     other=taken[ident]))
            seen.setdefault(ident, path)

    def check_mentions(self, text: str, path: Path) -> None:
        """Every {{ID}} names a known entity and, with .attr, one of its attributes."""
        if "{{" not in text or not self.entities:
            return
        for match in MENTION_RE.finditer(text):
            entity = self.entities.get(match.group(1))
            if entity is None:
                self.error(path, msg(N_("mention %(mention)s names an unknown entity '%(id)s'%(hint)s"),
                                     mention=match.group(0), id=match.group(1),
                                     hint=_did_you_mean(match.group(1), self.entities)))
            elif entity.mention(match.group(2)) is None:
                self.error(path, msg(N_("mention %(mention)s: entity '%(id)s' has no attribute '%(attribute)s'"),
                                     mention=match.group(0), id=entity.id, attribute=match.group(2)))


def _kind(value: Any) -> Any:
    if value is None:
        return msg(N_("nothing"))
    kinds = {dict: N_("a mapping"), list: N_("a list"), str: N_("text"), bool: N_("true/false")}
    return msg(kinds[type(value)]) if type(value) in kinds else repr(value)


def _did_you_mean(word: str, options: Iterable[str]) -> Any:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return msg(N_(" (did you mean '%(word)s'?)"), word=close[0]) if close else ""


def _bounds(minimum: float | None, maximum: float | None, above: float | None) -> str:
    parts = []
    if above is not None:
        parts.append(f"> {above:g}")
    if minimum is not None:
        parts.append(f">= {minimum:g}")
    if maximum is not None:
        parts.append(f"<= {maximum:g}")
    return ", ".join(parts)
