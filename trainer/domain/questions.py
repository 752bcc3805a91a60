"""Question types: validation of bank entries, scoring, feedback and form parsing.

Conventions (see docs/content-format.md for the authoring side):

* Content files number options from 1; everything in code is 0-based. ``Question.correct``
  and responses hold 0-based option indexes.
* Responses are JSON-native so an attempt can store them as they are:

  ============  =====================================================================
  single        ``int``: index of the chosen option
  multiple      ``list[int]``: sorted indexes of the chosen options (may be empty)
  true_false    ``bool``
  matching      ``dict[str, str]``: left text -> chosen right text (unanswered lefts absent)
  ordering      ``list[str]``: every item text, in the trainee's order
  ============  =====================================================================

  ``None`` everywhere means "not answered" and scores 0.

* Form fields (``field_name``): ``q:<id>`` carries option indexes (single: one value,
  multiple: one per ticked box), ``"true"``/``"false"`` (true_false) or, for ordering,
  every item index in the trainee's order (repeated field, document order). Matching uses
  ``q:<id>:<left index>`` whose value is the chosen right index. All indexes refer to the
  authored (unshuffled) order, so the display order never leaks into the response.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from .messages import N_, Message, msg

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# from_data: how the key follows from a lesson's dataset (checked in trainer/domain/lesson_data.py).
COMMON_KEYS = ("id", "type", "prompt", "explanation", "competency", "from_data")


@dataclass(frozen=True)
class Option:
    """One choice of a single/multiple question."""

    text: str
    feedback: str = ""


@dataclass(frozen=True)
class Pair:
    """One left/right pair of a matching question, as keyed."""

    left: str
    right: str


@dataclass(frozen=True)
class Question:
    """A validated question; type-specific fields are empty for other types."""

    id: str
    type: str
    prompt: str
    explanation: str
    competency: str | None = None
    options: tuple[Option, ...] = ()     # single, multiple
    correct: tuple[int, ...] = ()        # single, multiple: keyed option indexes, 0-based
    shuffle: bool = True                 # single, multiple: False keeps authored order
    truth: bool | None = None            # true_false: the keyed answer
    feedback_true: str = ""              # true_false: shown to a trainee who answered true
    feedback_false: str = ""
    pairs: tuple[Pair, ...] = ()         # matching
    items: tuple[str, ...] = ()          # ordering, in the correct order

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; only fields that differ from their defaults are kept."""
        data: dict[str, Any] = {
            "id": self.id, "type": self.type, "prompt": self.prompt,
            "explanation": self.explanation,
        }
        optional = {
            "competency": self.competency,
            "options": [{"text": o.text, "feedback": o.feedback} for o in self.options],
            "correct": list(self.correct),
            "shuffle": None if self.shuffle else False,
            "truth": self.truth,
            "feedback_true": self.feedback_true,
            "feedback_false": self.feedback_false,
            "pairs": [{"left": p.left, "right": p.right} for p in self.pairs],
            "items": list(self.items),
        }
        data.update({k: v for k, v in optional.items() if v not in (None, "", [])})
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        """Rebuild a Question from ``to_dict()`` output (e.g. read back from JSON)."""
        return cls(
            id=data["id"], type=data["type"], prompt=data["prompt"],
            explanation=data["explanation"],
            competency=data.get("competency"),
            options=tuple(Option(o["text"], o.get("feedback", "")) for o in data.get("options", ())),
            correct=tuple(data.get("correct", ())),
            shuffle=data.get("shuffle", True),
            truth=data.get("truth"),
            feedback_true=data.get("feedback_true", ""),
            feedback_false=data.get("feedback_false", ""),
            pairs=tuple(Pair(p["left"], p["right"]) for p in data.get("pairs", ())),
            items=tuple(data.get("items", ())),
        )


@dataclass(frozen=True)
class FieldProblem:
    """A problem in one question's raw dict; `key` is relative to the question."""

    key: str
    message: str                     # a Message: English as a str, translated where it is shown
    severity: str = "error"


class ResponseError(ValueError):
    """Submitted form values that do not make a response to the question; its argument is a
    Message (`message`) for the officer, translated where it is shown."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- validation helpers

class _Check:
    """Collects FieldProblems while reading a raw question dict."""

    def __init__(self, raw: Mapping):
        self.raw = raw
        self.problems: list[FieldProblem] = []

    def error(self, key: str, message: Message) -> None:
        self.problems.append(FieldProblem(key, message))

    def warn(self, key: str, message: Message) -> None:
        self.problems.append(FieldProblem(key, message, "warning"))

    def text(self, value: Any, key: str, required: bool = True) -> str | None:
        """A non-empty string at `key`, or None after recording why not."""
        if value is None:
            if required:
                self.error(key, msg(N_("is required")))
            return None
        if not isinstance(value, str):
            self.error(key, msg(N_("expected text, got %(kind)s (put it in quotes)"), kind=_kind(value)))
            return None
        if not value.strip():
            self.error(key, msg(N_("must not be empty")))
            return None
        return value.strip()

    def items(self, key: str, minimum: int) -> list | None:
        """The list at `key` with at least `minimum` entries, or None."""
        value = self.raw.get(key)
        if value is None:
            self.error(key, msg(N_("is required: a list of at least %(min)d"), min=minimum))
            return None
        if not isinstance(value, list):
            self.error(key, msg(N_("expected a list, got %(kind)s"), kind=_kind(value)))
            return None
        if len(value) < minimum:
            self.error(key, msg(N_("needs at least %(min)d entries, has %(n)d"), min=minimum, n=len(value)))
        return value

    def unique(self, texts: Sequence[tuple[str, str | None]], what: str) -> None:
        """Record an error for every repeated text; entries are (key, text); `what` is a key of
        REPEATS ("option", "left side", "right side", "item")."""
        seen: dict[str, str] = {}
        for key, text in texts:
            if text is None:
                continue
            if text in seen:
                self.error(key, msg(REPEATS[what], first=seen[text]))
            else:
                seen[text] = key


# One message per kind of repeated text, so each language names it in its own words.
REPEATS = {
    "option": N_("repeats option %(first)s: each option must be different"),
    "left side": N_("repeats left side %(first)s: each left side must be different"),
    "right side": N_("repeats right side %(first)s: each right side must be different"),
    "item": N_("repeats item %(first)s: each item must be different"),
}


def _kind(value: Any) -> Message | str:
    """A reader's name for a YAML value's type, as a message."""
    if isinstance(value, bool):
        return msg(N_("true/false (%(value)s)"), value=str(value).lower())
    if isinstance(value, (int, float)):
        return msg(N_("a number (%(value)s)"), value=value)
    if isinstance(value, dict):
        return msg(N_("a mapping"))
    if isinstance(value, list):
        return msg(N_("a list"))
    if value is None:
        return msg(N_("nothing"))
    return type(value).__name__


def _is_int(value: Any) -> bool:
    # bool is a subclass of int; `answer: true` on a single question is a mistake.
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------- the types

class QuestionType:
    """Behaviour shared by every question type; subclasses fill in the specifics."""

    name: str = ""
    keys: tuple[str, ...] = ()           # type-specific keys allowed in the bank entry

    def validate(self, raw: Mapping) -> list[FieldProblem]:
        """Problems with the type-specific keys of a raw bank entry."""
        check = _Check(raw)
        self._validate(check)
        return check.problems

    def _validate(self, check: _Check) -> None:
        raise NotImplementedError

    def build(self, raw: Mapping) -> dict[str, Any]:
        """Question fields from a raw entry that `validate` accepted."""
        raise NotImplementedError

    def score(self, question: Question, response: Any) -> float:
        """0..1 credit for a response; None (unanswered) scores 0."""
        raise NotImplementedError

    def feedback(self, question: Question, response: Any) -> list[str]:
        """Authored feedback for what the trainee chose."""
        return []

    def parse_response(self, question: Question, form: Mapping) -> Any:
        """Response from submitted form values; None if unanswered."""
        raise NotImplementedError

    def presentation(self, question: Question, rng: random.Random) -> tuple[int, ...]:
        """Display order of the shuffled part, as authored indexes."""
        return ()


class _ChoiceType(QuestionType):
    """Options with 1-based `answer` numbers in the file."""

    keys = ("options", "answer", "shuffle")

    def _validate(self, check: _Check) -> None:
        options = check.items("options", minimum=2) or []
        texts = [(f"options[{i}]", self._option(check, option, i)) for i, option in enumerate(options)]
        check.unique(texts, "option")
        shuffle = check.raw.get("shuffle", True)
        if not isinstance(shuffle, bool):
            check.error("shuffle", msg(N_("expected true or false, got %(kind)s"), kind=_kind(shuffle)))
        # Without an option list a range check would only add noise.
        n_options = len(options) if isinstance(check.raw.get("options"), list) else None
        self._validate_answer(check, check.raw.get("answer"), n_options)

    def _option(self, check: _Check, option: Any, i: int) -> str | None:
        """Options are plain text or {text, feedback}."""
        key = f"options[{i}]"
        if isinstance(option, str):
            return check.text(option, key)
        if not isinstance(option, dict):
            check.error(key, msg(N_("expected text or a mapping with 'text', got %(kind)s"), kind=_kind(option)))
            return None
        for extra in sorted(set(option) - {"text", "feedback"}, key=str):
            check.warn(f"{key}.{extra}", msg(N_("unknown key (ignored); an option has text and feedback")))
        check.text(option.get("feedback"), f"{key}.feedback", required=False)
        return check.text(option.get("text"), f"{key}.text")

    def _validate_answer(self, check: _Check, answer: Any, n_options: int | None) -> None:
        raise NotImplementedError

    def _number(self, check: _Check, key: str, value: Any, n_options: int | None) -> None:
        if not _is_int(value):
            check.error(key, msg(N_("expected an option number (1 for the first), got %(kind)s"), kind=_kind(value)))
        elif n_options is not None and not 1 <= value <= n_options:
            check.error(key, msg(N_("answer %(value)d is out of range: the question has %(n)d options"), value=value,
                                 n=n_options))

    def build(self, raw: Mapping) -> dict[str, Any]:
        options = tuple(_build_option(o) for o in raw["options"])
        answer = raw["answer"]
        numbers = answer if isinstance(answer, list) else [answer]
        return {
            "options": options,
            "correct": tuple(sorted(n - 1 for n in numbers)),
            "shuffle": raw.get("shuffle", True),
        }

    def feedback(self, question: Question, response: Any) -> list[str]:
        chosen = _as_indexes(response)
        return [question.options[i].feedback for i in sorted(chosen)
                if 0 <= i < len(question.options) and question.options[i].feedback]

    def presentation(self, question: Question, rng: random.Random) -> tuple[int, ...]:
        order = list(range(len(question.options)))
        if question.shuffle:
            rng.shuffle(order)
        return tuple(order)

    def _index(self, question: Question, value: str) -> int:
        try:
            index = int(value)
        except ValueError:
            raise ResponseError(msg(N_("question %(id)s: %(value)r is not an option number"), id=question.id,
                                    value=value)) from None
        if not 0 <= index < len(question.options):
            raise ResponseError(msg(N_("question %(id)s: option %(index)d does not exist"), id=question.id,
                                    index=index))
        return index


def _build_option(option: Any) -> Option:
    if isinstance(option, str):
        return Option(option.strip())
    return Option(option["text"].strip(), (option.get("feedback") or "").strip())


def _as_indexes(response: Any) -> set[int]:
    if response is None:
        return set()
    if isinstance(response, (list, tuple, set, frozenset)):
        return {i for i in response if _is_int(i)}
    return {response} if _is_int(response) else set()


class SingleChoice(_ChoiceType):
    """Exactly one keyed option; response is its 0-based index."""

    name = "single"

    def _validate_answer(self, check: _Check, answer: Any, n_options: int | None) -> None:
        if answer is None:
            check.error("answer", msg(N_("is required: the number of the correct option, from 1")))
        elif isinstance(answer, list):
            check.error("answer", msg(N_("a single question has one answer; use type: multiple for a list")))
        else:
            self._number(check, "answer", answer, n_options)

    def score(self, question: Question, response: Any) -> float:
        return 1.0 if _is_int(response) and (response,) == question.correct else 0.0

    def parse_response(self, question: Question, form: Mapping) -> int | None:
        values = _nonblank(form, field_name(question))
        if not values:
            return None
        if len(values) > 1:
            raise ResponseError(msg(N_("question %(id)s: choose one option only"), id=question.id))
        return self._index(question, values[0])


class MultipleChoice(_ChoiceType):
    """One or more keyed options; scored by Jaccard similarity."""

    name = "multiple"

    def _validate_answer(self, check: _Check, answer: Any, n_options: int | None) -> None:
        if answer is None:
            check.error("answer", msg(N_("is required: a list of the correct option numbers, e.g. [1, 3]")))
            return
        if not isinstance(answer, list):
            check.error("answer", msg(N_("expected a list of option numbers, e.g. [1, 3], got %(kind)s"),
                                      kind=_kind(answer)))
            return
        if not answer:
            check.error("answer", msg(N_("needs at least one correct option")))
        for i, number in enumerate(answer):
            self._number(check, f"answer[{i}]", number, n_options)
        if len(set(map(repr, answer))) != len(answer):
            check.error("answer", msg(N_("lists the same option more than once")))

    def score(self, question: Question, response: Any) -> float:
        chosen, keyed = _as_indexes(response), set(question.correct)
        union = chosen | keyed
        return len(chosen & keyed) / len(union) if union else 0.0

    def parse_response(self, question: Question, form: Mapping) -> list[int] | None:
        values = _nonblank(form, field_name(question))
        if not values:
            return None
        indexes = [self._index(question, v) for v in values]
        if len(set(indexes)) != len(indexes):
            raise ResponseError(msg(N_("question %(id)s: an option was sent twice"), id=question.id))
        return sorted(indexes)


class TrueFalse(QuestionType):
    """A statement keyed true or false; feedback keyed by the trainee's answer."""

    name = "true_false"
    keys = ("answer", "feedback")

    def _validate(self, check: _Check) -> None:
        answer = check.raw.get("answer")
        if answer is None:
            check.error("answer", msg(N_("is required: true or false")))
        elif not isinstance(answer, bool):
            check.error("answer", msg(N_("expected true or false, got %(kind)s"), kind=_kind(answer)))
        feedback = check.raw.get("feedback")
        if feedback is None:
            return
        if not isinstance(feedback, dict):
            check.error("feedback", msg(N_("expected a mapping with keys true and false, got %(kind)s"),
                                        kind=_kind(feedback)))
            return
        for key, text in feedback.items():
            if _truth_key(key) is None:
                check.error(f"feedback.{key}", msg(N_("unknown key: feedback is keyed by true and false")))
            else:
                check.text(text, f"feedback.{str(key).lower()}")

    def build(self, raw: Mapping) -> dict[str, Any]:
        feedback = {_truth_key(k): v for k, v in (raw.get("feedback") or {}).items()}
        return {
            "truth": raw["answer"],
            "feedback_true": (feedback.get(True) or "").strip(),
            "feedback_false": (feedback.get(False) or "").strip(),
        }

    def score(self, question: Question, response: Any) -> float:
        return 1.0 if isinstance(response, bool) and response == question.truth else 0.0

    def feedback(self, question: Question, response: Any) -> list[str]:
        if not isinstance(response, bool):
            return []
        text = question.feedback_true if response else question.feedback_false
        return [text] if text else []

    def parse_response(self, question: Question, form: Mapping) -> bool | None:
        values = _nonblank(form, field_name(question))
        if not values:
            return None
        if len(values) > 1 or values[0] not in ("true", "false"):
            raise ResponseError(msg(N_("question %(id)s: answer true or false"), id=question.id))
        return values[0] == "true"


def _truth_key(key: Any) -> bool | None:
    # YAML reads `true:` as a boolean key; a quoted "true": is accepted too.
    if isinstance(key, bool):
        return key
    return {"true": True, "false": False}.get(str(key).lower())


class Matching(QuestionType):
    """Left items matched to right items; credit is the share of correct pairs."""

    name = "matching"
    keys = ("pairs",)

    def _validate(self, check: _Check) -> None:
        pairs = check.items("pairs", minimum=2) or []
        lefts, rights = [], []
        for i, pair in enumerate(pairs):
            key = f"pairs[{i}]"
            if not isinstance(pair, dict):
                check.error(key, msg(N_("expected a mapping with left and right, got %(kind)s"), kind=_kind(pair)))
                continue
            for extra in sorted(set(pair) - {"left", "right"}, key=str):
                check.warn(f"{key}.{extra}", msg(N_("unknown key (ignored); a pair has left and right")))
            lefts.append((f"{key}.left", check.text(pair.get("left"), f"{key}.left")))
            rights.append((f"{key}.right", check.text(pair.get("right"), f"{key}.right")))
        check.unique(lefts, "left side")
        check.unique(rights, "right side")

    def build(self, raw: Mapping) -> dict[str, Any]:
        return {"pairs": tuple(Pair(p["left"].strip(), p["right"].strip()) for p in raw["pairs"])}

    def score(self, question: Question, response: Any) -> float:
        if not isinstance(response, Mapping) or not question.pairs:
            return 0.0
        hits = sum(1 for p in question.pairs if response.get(p.left) == p.right)
        return hits / len(question.pairs)

    def parse_response(self, question: Question, form: Mapping) -> dict[str, str] | None:
        response = {}
        for i, pair in enumerate(question.pairs):
            values = _nonblank(form, field_name(question, i))
            if not values:
                continue
            if len(values) > 1:
                raise ResponseError(msg(N_("question %(id)s: choose one match for %(left)r"), id=question.id,
                                        left=pair.left))
            response[pair.left] = question.pairs[self._index(question, values[0])].right
        return response or None

    def presentation(self, question: Question, rng: random.Random) -> tuple[int, ...]:
        return _shuffled_not_identity(len(question.pairs), rng)

    def _index(self, question: Question, value: str) -> int:
        if not value.isdigit() or int(value) >= len(question.pairs):
            raise ResponseError(msg(N_("question %(id)s: %(value)r is not one of the choices"), id=question.id,
                                    value=value))
        return int(value)


class Ordering(QuestionType):
    """Items put in order; credit is the share of item pairs in the right relative order."""

    name = "ordering"
    keys = ("items",)

    def _validate(self, check: _Check) -> None:
        items = check.items("items", minimum=2) or []
        texts = [(f"items[{i}]", check.text(item, f"items[{i}]")) for i, item in enumerate(items)]
        check.unique(texts, "item")

    def build(self, raw: Mapping) -> dict[str, Any]:
        return {"items": tuple(item.strip() for item in raw["items"])}

    def score(self, question: Question, response: Any) -> float:
        # 1 - normalised Kendall tau distance. A response that is not a permutation of
        # the items cannot come from parse_response; it earns nothing rather than a guess.
        items = question.items
        if not isinstance(response, (list, tuple)) or not all(isinstance(r, str) for r in response):
            return 0.0
        if sorted(response) != sorted(items):
            return 0.0
        position = {item: i for i, item in enumerate(response)}
        pairs = list(combinations(items, 2))
        if not pairs:
            return 0.0
        agree = sum(1 for a, b in pairs if position[a] < position[b])
        return agree / len(pairs)

    def parse_response(self, question: Question, form: Mapping) -> list[str] | None:
        values = _values(form, field_name(question))
        if not any(v.strip() for v in values):
            return None
        n = len(question.items)
        if not all(v.strip().isdigit() for v in values) or sorted(int(v) for v in values) != list(range(n)):
            raise ResponseError(msg(N_("question %(id)s: place each of the %(n)d items exactly once"),
                                    id=question.id, n=n))
        return [question.items[int(v)] for v in values]

    def presentation(self, question: Question, rng: random.Random) -> tuple[int, ...]:
        return _shuffled_not_identity(len(question.items), rng)


def _shuffled_not_identity(n: int, rng: random.Random) -> tuple[int, ...]:
    """A shuffled range(n) that is never the keyed order when n >= 2."""
    order = list(range(n))
    rng.shuffle(order)
    if n >= 2 and order == sorted(order):
        # Showing the answer as the starting position would give it away; a rotation is
        # the cheapest deterministic fix.
        order = order[1:] + order[:1]
    return tuple(order)


QUESTION_TYPES: dict[str, QuestionType] = {
    t.name: t for t in (SingleChoice(), MultipleChoice(), TrueFalse(), Matching(), Ordering())
}


# ---------------------------------------------------------------- form helpers

def field_name(question: Question, part: int | None = None) -> str:
    """Form field name for a question (and a matching question's left side)."""
    # ':' cannot occur in a question id, so names of different questions never collide.
    return f"q:{question.id}" if part is None else f"q:{question.id}:{part}"


def _values(form: Mapping, name: str) -> list[str]:
    """Every value sent for `name`, from a dict of lists or a Werkzeug MultiDict."""
    if hasattr(form, "getlist"):
        return list(form.getlist(name))
    value = form.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def _nonblank(form: Mapping, name: str) -> list[str]:
    return [v.strip() for v in _values(form, name) if v.strip()]


# ---------------------------------------------------------------- public API

def validate_question(raw: Any) -> list[FieldProblem]:
    """Every problem with one raw bank entry; keys are relative to the entry."""
    if not isinstance(raw, dict):
        return [FieldProblem("", msg(N_("expected a question (a mapping with id, type, ...), got %(kind)s"),
                                     kind=_kind(raw)))]
    check = _Check(raw)
    qid = raw.get("id")
    if qid is None:
        check.error("id", msg(N_("is required")))
    elif not isinstance(qid, str) or not ID_PATTERN.match(qid):
        check.error("id", msg(N_("expected letters, digits, '-', '_' or '.', got %(value)r"), value=qid))
    check.text(raw.get("prompt"), "prompt")
    check.text(raw.get("explanation"), "explanation")
    competency = raw.get("competency")
    if competency is not None and not (isinstance(competency, str) and SLUG_PATTERN.match(competency)):
        check.error("competency", msg(N_("expected a slug (lowercase letters, digits, hyphens), got %(value)r"),
                                      value=competency))
    qtype = _known_type(check, raw.get("type"))
    if qtype is None:
        return check.problems
    for extra in sorted(set(raw) - set(COMMON_KEYS) - set(qtype.keys), key=str):
        check.warn(str(extra), msg(N_("unknown key for a %(type)s question (ignored)"), type=qtype.name))
    return check.problems + qtype.validate(raw)


def _known_type(check: _Check, name: Any) -> QuestionType | None:
    known = ", ".join(QUESTION_TYPES)
    if name is None:
        check.error("type", msg(N_("is required: one of %(known)s"), known=known))
        return None
    if not isinstance(name, str) or name not in QUESTION_TYPES:
        check.error("type", msg(N_("unknown question type %(value)r: expected one of %(known)s"), value=name,
                                known=known))
        return None
    return QUESTION_TYPES[name]


def build_question(raw: Mapping) -> Question:
    """A Question from a raw bank entry; raises ValueError if it has errors."""
    errors = [p for p in validate_question(raw) if p.severity == "error"]
    if errors:
        raise ValueError("; ".join(f"{p.key}: {p.message}" for p in errors))
    return Question(
        id=raw["id"], type=raw["type"], prompt=raw["prompt"].strip(),
        explanation=raw["explanation"].strip(), competency=raw.get("competency"),
        **QUESTION_TYPES[raw["type"]].build(raw),
    )


def score(question: Question, response: Any) -> float:
    """Credit 0..1 for a response (shapes in the module docstring)."""
    return QUESTION_TYPES[question.type].score(question, response)


def feedback(question: Question, response: Any) -> list[str]:
    """Authored feedback for the options the trainee chose (may be empty)."""
    return QUESTION_TYPES[question.type].feedback(question, response)


def parse_response(question: Question, form: Mapping) -> Any:
    """Response from form values (dict of lists or MultiDict); None if unanswered."""
    return QUESTION_TYPES[question.type].parse_response(question, form)


def shuffled_presentation(question: Question, rng: random.Random) -> tuple[int, ...]:
    """Display order (authored indexes) of options, right-hand sides or items."""
    return QUESTION_TYPES[question.type].presentation(question, rng)


def draw(questions: Sequence[Question], count: int, rng: random.Random) -> tuple[Question, ...]:
    """`count` distinct questions drawn at random, in random order."""
    if not 0 <= count <= len(questions):
        raise ValueError(f"cannot draw {count} questions from a bank of {len(questions)}")
    return tuple(rng.sample(list(questions), count))


def draw_form(questions: Sequence[Question], per_competency: int, competencies: Sequence[str],
              rng: random.Random) -> tuple[Question, ...]:
    """A parallel form's draw: `per_competency` questions of each competency at random, in random order.

    Every form of a course draws the same number per competency, so a pre-test and a post-test
    measure the same things with different items (see docs/content-format.md, "Parallel forms").
    """
    chosen: list[Question] = []
    for competency in competencies:
        pool = [q for q in questions if q.competency == competency]
        chosen += rng.sample(pool, min(per_competency, len(pool)))
    rng.shuffle(chosen)
    return tuple(chosen)


def right_is_longest(question: Question) -> bool:
    """Whether a single-choice question's keyed option is longer than every other option.

    A test-wise officer who cannot answer picks the longest option; if that is usually right,
    the bank measures test-wiseness, not knowledge.
    """
    if question.type != "single" or len(question.correct) != 1 or len(question.options) < 2:
        return False
    lengths = [len(option.text) for option in question.options]
    right = question.correct[0]
    return all(lengths[right] > length for i, length in enumerate(lengths) if i != right)


@dataclass(frozen=True)
class AnswerCues:
    """How predictable a set of questions' keys are without knowing the subject."""

    single: int            # single-choice questions
    longest: int           # ... whose right answer is the longest option
    true_keys: int         # true/false questions keyed true
    false_keys: int        # ... keyed false

    LONGEST_LIMIT = 0.40   # warn when the right answer is the longest in more than 40 %
    ONE_WAY_LIMIT = 0.65   # warn when more than 65 % of true/false keys go one way

    @property
    def longest_cue(self) -> bool:
        """The right answer is the longest option in more than 40 % of the single-choice questions."""
        return self.single > 0 and self.longest / self.single > self.LONGEST_LIMIT

    @property
    def one_way_cue(self) -> bool:
        """More than 65 % of the true/false keys go one way, and a more even split was possible.

        1 of 1 or 2 of 3 is as even as that number of statements allows, so it is no cue.
        """
        total = self.true_keys + self.false_keys
        most, fewest = max(self.true_keys, self.false_keys), min(self.true_keys, self.false_keys)
        return total > 0 and most / total > self.ONE_WAY_LIMIT and most - fewest > 1


def answer_cues(questions: Sequence[Question]) -> AnswerCues:
    """Count the cues a test-wise officer could use to answer without the knowledge."""
    keys = [q.truth for q in questions if q.type == "true_false"]
    return AnswerCues(
        single=sum(q.type == "single" for q in questions),
        longest=sum(right_is_longest(q) for q in questions),
        true_keys=sum(k is True for k in keys),
        false_keys=sum(k is False for k in keys),
    )


def attempt_percent(scores: Sequence[float]) -> float:
    """An attempt's score: the mean question score as a percentage (0 if empty)."""
    return 100.0 * sum(scores) / len(scores) if scores else 0.0
