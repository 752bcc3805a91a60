"""Messages people read, made in the domain and translated at the edge.

The domain imports no Flask, so it cannot call gettext. It marks each English text with
`N_` (pybabel extracts it: scripts/i18n.sh passes `-k N_`) and returns a `Message`: the text,
its parameters, and, as a `str`, the English sentence, so logs, the CLI and code that reads
English keep working. The web layer translates it (`trainer.i18n.translate`, the `t` filter):
`gettext(text) % params`, translating parameters that are themselves messages (labels of
codes such as a link type) and lists of them.

There is no plural form here: a count goes in as a parameter of a sentence worded so that no
word has to agree with it (docs/translating.md). `joined` and `keyed` put messages side by side
("a; b", "key: message") with punctuation that is the same in every language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def N_(text: str) -> str:
    """Mark text for extraction; it is translated where it is shown."""
    return text


class Message(str):
    """An English text with %(name)s parameters; the str value is the English sentence."""

    text: str
    params: dict[str, Any]

    def __new__(cls, text: str, params: Mapping[str, Any] | None = None, **more: Any) -> "Message":
        values = {**(params or {}), **more}
        self = super().__new__(cls, text % {k: english(v) for k, v in values.items()} if values else text)
        self.text = text
        self.params = values
        return self

    def __reduce__(self):
        return (Message, (self.text, self.params))

    def __repr__(self) -> str:
        return f"Message({self.text!r}, {self.params!r})"

    def to_data(self) -> dict[str, Any]:
        """A JSON-able form that keeps the text and parameters (see `from_data`)."""
        return {"msgid": self.text, "params": {k: as_data(v) for k, v in self.params.items()}}


def msg(text: str, **params: Any) -> Message:
    """A message: `msg(N_("unknown field '%(key)s'"), key=key)`."""
    return Message(text, params)


def joined(parts: Sequence[Any], separator: str = "; ") -> Any:
    """Messages side by side, each translated; the separator is punctuation, the same in every
    language, so the joining text is no message id (gettext gives it back as it is)."""
    if len(parts) == 1:
        return parts[0]
    return Message(separator.join(f"%(part{i})s" for i in range(len(parts))),
                   {f"part{i}": part for i, part in enumerate(parts)})


def keyed(key: str, message: Any) -> Any:
    """"key: message", the message translated (a key is a YAML path, the same in every language)."""
    return Message("%(key)s: %(message)s", key=key, message=message) if key else message


def english(value: Any) -> Any:
    """A parameter as it reads in English: lists joined with commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(english(v)) for v in value)
    return value


def label(labels: Mapping[str, str], code: Any) -> Any:
    """The label of a code as a message (the code itself when it has no label)."""
    text = labels.get(code) if isinstance(code, str) else None
    return Message(text) if text is not None else code


def as_data(value: Any) -> Any:
    """Messages anywhere in dicts and lists turned into their JSON-able form."""
    if isinstance(value, Message):
        return value.to_data()
    if isinstance(value, dict):
        return {k: as_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_data(v) for v in value]
    return value


def from_data(value: Any) -> Any:
    """The inverse of `as_data` for one value: a stored message becomes a Message again."""
    if isinstance(value, dict) and isinstance(value.get("msgid"), str) and isinstance(value.get("params"), dict):
        return Message(value["msgid"], {k: from_data(v) for k, v in value["params"].items()})
    if isinstance(value, list):
        return [from_data(v) for v in value]
    return value
