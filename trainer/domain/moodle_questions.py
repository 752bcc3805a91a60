"""Moodle question banks in and out: GIFT, Aiken and Moodle XML read into bank questions, banks
written back as GIFT and Moodle XML.

Partner academies keep their questions in Moodle. Reading follows Moodle's own importers
(question/format/gift, aiken and xml) so a file Moodle reads means the same here:

* GIFT: questions are separated by blank lines; lines starting with ``//`` are comments;
  ``$CATEGORY:`` starts a category; ``::name::`` names a question; the answers sit in one
  ``{...}`` block (text after it makes a "missing word" question, shown with ``_____``);
  ``\\~ \\= \\# \\{ \\} \\: \\\\`` are the escaped characters and ``\\n`` a line break; ``[html]``,
  ``[moodle]``, ``[plain]`` and ``[markdown]`` set the text format of a part (answers and feedback
  default to the question text's). ``{...}`` with ``~`` is multiple choice (one right answer when
  any ``=`` is present, else several, by ``%weight%``), ``=a -> b`` pairs are matching,
  ``{T}``/``{FALSE#wrong#right}`` true/false; ``####`` starts the general feedback.
* Aiken: the question text, options ``A.`` or ``A)``, then ``ANSWER: A``.
* Moodle XML: ``<quiz>`` of ``<question type="...">``, read with DTDs and entities refused.

Every question becomes a bank entry in the platform's schema (docs/content-format.md) and is
checked by the same validator as a bank file. What cannot come in is never dropped silently:
each question the platform has no type for (essay, numerical, short answer, cloze,
description, ...) or that breaks a rule is reported with its line, its name and why. HTML is
cleaned by the lesson sanitiser (nh3) and then reduced to text, because bank questions are
shown as plain text. Writing is the reverse, so that reading what was written gives the same
questions back.
"""

from __future__ import annotations

import codecs
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from defusedxml.ElementTree import DefusedXMLParser

from . import yamlsafe
from .markdown import render_markdown, sanitise_html
from .messages import Message, N_, joined, keyed, label, msg
from .questions import ID_PATTERN, SLUG_PATTERN, Question, build_question, validate_question
from .tabular import UnreadableFile, decode_text

FORMATS = ("gift", "aiken", "xml")
FORMAT_NAMES = {"gift": N_("Moodle GIFT"), "aiken": N_("Aiken"), "xml": N_("Moodle XML")}
MAX_BYTES = 2 * 1024 * 1024          # far more than a bank needs; bounds the work per upload
MAX_QUESTIONS = 2000                 # a bank far larger than any course's; bounds the preview and the work
MAX_ID_LENGTH = 48

# Moodle's question types, as a reader names them.
MOODLE_TYPES = {
    "multichoice": N_("multiple choice"), "truefalse": N_("true-false"), "matching": N_("matching"),
    "match": N_("matching"), "ordering": N_("ordering"), "essay": N_("essay"), "numerical": N_("numerical"),
    "shortanswer": N_("short answer"), "description": N_("description"),
    "cloze": N_("embedded answers (cloze)"), "multianswer": N_("embedded answers (cloze)"),
    "calculated": N_("calculated"), "calculatedsimple": N_("simple calculated"),
    "calculatedmulti": N_("calculated multichoice"), "ddwtos": N_("drag and drop into text"),
    "gapselect": N_("select missing words"), "ddimageortext": N_("drag and drop onto image"),
    "ddmarker": N_("drag and drop markers"), "randomsamatch": N_("random short-answer matching"),
    "random": N_("random question"), "multichoiceset": N_("all-or-nothing multiple choice"),
}
# Why each unsupported type stays out, in the words of the preview.
UNSUPPORTED = {
    "essay": N_("essay questions need a trainer to mark a written answer; course banks hold automatically "
                "marked questions (a scenario's written report is the place for writing)"),
    "numerical": N_("numerical questions (a typed number) are not supported in course banks"),
    "shortanswer": N_("short-answer questions (a typed word or phrase) are not supported in course banks"),
    "description": N_("a description is text without answers, not a question"),
    "cloze": N_("embedded-answer (cloze) questions are not supported in course banks"),
    "multianswer": N_("embedded-answer (cloze) questions are not supported in course banks"),
}
OTHER_UNSUPPORTED = N_("%(type)s questions are not supported in course banks (they hold single and multiple "
                       "choice, true/false, matching and ordering)")

# The explanation written when the file has no general feedback, in the course's language.
GENERATED_EXPLANATION = {
    "en": {"single": "The right answer: {}", "multiple": "The right answers: {}",
           "true": "The statement is true.", "false": "The statement is false.",
           "matching": "The right pairs: {}", "ordering": "The right order: {}"},
    "ru": {"single": "Правильный ответ: {}", "multiple": "Правильные ответы: {}",
           "true": "Утверждение верно.", "false": "Утверждение неверно.",
           "matching": "Правильные пары: {}", "ordering": "Правильный порядок: {}"},
}


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class Imported:
    """A question that comes in, with what changed on the way (notes)."""

    line: int
    name: str                        # Moodle's name, or the start of the text
    moodle_type: str                 # multichoice, truefalse, matching, ordering
    category: str                    # the $CATEGORY / category it sat in ("" for none)
    question: Question
    notes: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Reported:
    """A question that does not come in, and why."""

    line: int | None
    name: str
    moodle_type: str                 # Moodle's type ("" when the text could not be read as a question)
    reason: Message

    @property
    def type_label(self) -> Any:
        return label(MOODLE_TYPES, self.moodle_type) if self.moodle_type else ""


@dataclass(frozen=True)
class ImportResult:
    """Everything read from one file: what comes in and what is reported."""

    format: str
    imported: tuple[Imported, ...]
    reported: tuple[Reported, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(item.question for item in self.imported)


class QuestionFileError(ValueError):
    """A file that cannot be read at all (size, encoding, XML that is not well-formed, a DTD)."""

    def __init__(self, message: Message, line: int | None = None):
        super().__init__(str(message) if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line


@dataclass
class _Draft:
    """A question on its way in: a raw bank entry (without id) or a reason it cannot be one."""

    line: int
    name: str
    moodle_type: str
    category: str = ""
    raw: dict | None = None
    reason: Message | None = None
    notes: list[Message] = field(default_factory=list)


# ---------------------------------------------------------------- reading: entry point

def guess_format(filename: str, text: str = "") -> str:
    """gift, aiken or xml from the file's extension (.gift, .aiken, .xml), else from its content."""
    name = filename.lower()
    for suffix, fmt in ((".xml", "xml"), (".gift", "gift"), (".aiken", "aiken")):
        if name.endswith(suffix):
            return fmt
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith("<"):
        return "xml"
    # Moodle saves GIFT and Aiken alike as .txt: Aiken has ANSWER: lines and no {answers}.
    if re.search(r"(?mi)^[ \t]*ANSWER[ \t]*:", text) and not re.search(r"(?<!\\)\{", text):
        return "aiken"
    return "gift"


def read_questions(data: bytes | str, fmt: str | None = None, *, filename: str = "", language: str = "en",
                   competencies: Mapping[str, str] | None = None, taken_ids: Collection[str] = ()) -> ImportResult:
    """Read a GIFT, Aiken or Moodle XML file into bank questions and reports.

    `competencies` maps the course's competency ids to their objective texts: a question in a
    category named after one (its id or its text) gets it as its competency. `taken_ids` are the
    question ids the course uses already; new ids avoid them. `language` (en, ru) is the language
    of explanations written for questions without general feedback. Raises QuestionFileError
    when the file cannot be read at all.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise QuestionFileError(msg(N_("the file is %(size)s MB; at most %(max)d MB is read at once: split it "
                                       "into smaller files"), size=f"{len(raw) / 1024 / 1024:.1f}",
                                    max=MAX_BYTES // 1024 // 1024))
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise QuestionFileError(msg(N_("the file is empty")))
    if fmt is not None and fmt not in FORMATS:
        raise QuestionFileError(msg(N_("unknown format '%(format)s': expected gift, aiken or xml"), format=fmt))
    if fmt == "xml" or (fmt is None and guess_format(filename, raw[:200].decode("latin-1")) == "xml"):
        drafts = _read_xml(raw)
        fmt = "xml"
    else:
        text = _decode(raw)
        fmt = fmt or guess_format(filename, text)
        drafts = _read_aiken(text) if fmt == "aiken" else _read_gift(text)
    return _finish(fmt, drafts, language, competencies or {}, taken_ids)


def _count(drafts: list[_Draft]) -> None:
    """Stop reading at the question after the most a file may hold."""
    if len(drafts) > MAX_QUESTIONS:
        raise QuestionFileError(msg(N_("the file holds more than %(max)d questions, the most read at once: split it "
                                       "into smaller files"), max=MAX_QUESTIONS), drafts[-1].line)


def _decode(raw: bytes) -> str:
    try:
        text = decode_text(raw)
    except UnreadableFile:
        raise QuestionFileError(msg(N_("the file is not text in UTF-8 or Windows-1251 (is it a Word document "
                                       "or a zip?): save it as plain text"))) from None
    # Private-use characters stand for escaped GIFT characters while parsing; real text has none.
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").translate(_NO_PLACEHOLDERS)


# ---------------------------------------------------------------- turning drafts into questions

def _finish(fmt: str, drafts: list[_Draft], language: str, competencies: Mapping[str, str],
            taken_ids: Collection[str]) -> ImportResult:
    taken, counters = set(taken_ids), {}
    imported, reported = [], []
    for draft in drafts:
        if draft.raw is None:
            reported.append(Reported(draft.line, draft.name, draft.moodle_type, draft.reason))
            continue
        raw = dict(draft.raw)
        competency = _competency(draft.category, competencies)
        if competency:
            raw["competency"] = competency
        if not (raw.get("explanation") or "").strip():
            raw["explanation"] = _generated_explanation(raw, language)
            if raw["explanation"]:
                draft.notes.append(msg(N_("the file has no general feedback: the explanation only names the right "
                                          "answer; write a fuller one in the bank")))
        raw = {"id": _unique_id(_id_base(draft.name, raw.get("prompt", "")), taken, counters), **raw}
        errors = [p for p in validate_question(raw) if p.severity == "error"]
        if errors:
            reason = joined([keyed(p.key, p.message) for p in errors])
            reported.append(Reported(draft.line, draft.name, draft.moodle_type,
                                     msg(N_("it cannot be a bank question: %(reason)s"), reason=reason)))
            continue
        taken.add(raw["id"])
        imported.append(Imported(draft.line, draft.name, draft.moodle_type, draft.category, build_question(raw),
                                 tuple(dict.fromkeys(draft.notes))))
    return ImportResult(fmt, tuple(imported), tuple(reported))


def _generated_explanation(raw: Mapping, language: str) -> str:
    text = _explanation_words(raw, language)
    return text if not text or text[-1] in ".!?…" else text + "."


def _explanation_words(raw: Mapping, language: str) -> str:
    words = GENERATED_EXPLANATION.get(language, GENERATED_EXPLANATION["en"])
    kind = raw.get("type")
    try:
        if kind in ("single", "multiple"):
            numbers = raw["answer"] if isinstance(raw["answer"], list) else [raw["answer"]]
            texts = [_option_text(raw["options"][n - 1]) for n in numbers]
            return words["single" if len(texts) == 1 and kind == "single" else "multiple"].format("; ".join(texts))
        if kind == "true_false":
            return words["true" if raw["answer"] else "false"]
        if kind == "matching":
            return words["matching"].format("; ".join(f"{p['left']} → {p['right']}" for p in raw["pairs"]))
        if kind == "ordering":
            return words["ordering"].format(" → ".join(raw["items"]))
    except (KeyError, IndexError, TypeError):
        return ""                    # the validator says what is wrong with the question
    return ""


def _option_text(option: Any) -> str:
    return option["text"] if isinstance(option, dict) else str(option)


_CATEGORY_ROOTS = {"$course$", "$system$", "$module$", "$cat1$", "top"}


def _competency(category: str, competencies: Mapping[str, str]) -> str | None:
    """The competency a category names (its last part, as an id or an objective's text), if any."""
    parts = [p.strip() for p in re.split(r"(?<!/)/(?!/)", category) if p.strip()]
    if not parts or parts[-1].lower() in _CATEGORY_ROOTS:
        return None
    last = parts[-1].replace("//", "/")
    for ident, text in competencies.items():
        if last.lower() == ident.lower() or _slug(last) == ident or last.casefold() == str(text).strip().casefold():
            return ident
    return None


_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u", "ў": "u", "'": "", "’": "", "`": "",
})


def _slug(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens (Cyrillic transliterated)."""
    text = text.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _id_base(name: str, prompt: str) -> str:
    """A question id from Moodle's name (kept as it is when it is a valid id), else from the text."""
    name = name.strip()
    if name and ID_PATTERN.match(name) and len(name) <= MAX_ID_LENGTH:
        return name
    for source in (name, prompt):
        slug = _slug(source)
        if slug:
            if len(slug) > MAX_ID_LENGTH:
                slug = slug[:MAX_ID_LENGTH].rsplit("-", 1)[0] or slug[:MAX_ID_LENGTH]
            return slug
    return "question"


def _unique_id(base: str, taken: set[str], counters: dict[str, int]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free; `counters` remembers where each base got to."""
    if base not in taken:
        return base
    number = counters.get(base, 1)
    while True:
        number += 1
        candidate = f"{base}-{number}"
        if candidate not in taken:
            counters[base] = number
            return candidate


# ---------------------------------------------------------------- text formats

_KNOWN_FORMATS = {"html": "html", "moodle": "moodle", "plain": "plain", "markdown": "markdown",
                  # Moodle XML's names
                  "moodle_auto_format": "moodle", "plain_text": "plain"}
_HTML_TAG = re.compile(
    r"<\s*/?\s*(p|br|div|span|b|i|u|s|em|strong|ul|ol|li|img|a|h[1-6]|table|thead|tbody|tr|td|th|sub|sup|code|pre|"
    r"blockquote|font|hr|center|small|big|tt|script|style|iframe|object|embed)\b[^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z]+);",
    re.I)
_UNSAFE = re.compile(r"<\s*(script|style|iframe|object|embed|form)\b|\son[a-z]+\s*=|javascript\s*:", re.I)
_BLOCK_END = re.compile(r"<\s*br\s*/?\s*>|</\s*(p|div|li|h[1-6]|tr|blockquote|pre|dd|dt|table|ul|ol)\s*>", re.I)


def _convert(text: str, fmt: str, notes: list[Message]) -> str:
    """Text in a Moodle format as the platform's plain text; what is lost goes into `notes`."""
    if fmt == "markdown":
        return _html_text(render_markdown(text), notes)
    if fmt == "html" or (fmt == "moodle" and _HTML_TAG.search(text)):
        return _html_text(text, notes)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _html_text(source: str, notes: list[Message]) -> str:
    """HTML cleaned as lesson Markdown is (nh3), then reduced to text: line breaks kept, tags gone."""
    if re.search(r"<\s*img\b|@@PLUGINFILE@@", source, re.I):
        notes.append(msg(N_("images are left out: bank questions are text only")))
    if _UNSAFE.search(source):
        notes.append(msg(N_("unsafe HTML is removed (scripts, frames, event handlers, javascript: links)")))
    cleaned = _BLOCK_END.sub("\n", sanitise_html(source))
    # The sanitiser's output is well-formed: every '<' left in it opens a tag.
    text = html.unescape(re.sub(r"<[^>]*>", "", cleaned)).replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- GIFT

# Escaped characters stand in as private-use characters until the structure is read.
_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005",
            ":": "\ue006", "n": "\ue007"}
_UNESCAPE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()})
_NO_PLACEHOLDERS = str.maketrans({v: None for v in _ESCAPES.values()})
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_WEIGHT = re.compile(r"^%\s*(-?\d+(?:[.,]\d+)?)\s*%")
_FORMAT_PREFIX = re.compile(r"^\[(html|moodle|plain|markdown)\]")


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)


def _gift_blocks(text: str) -> Iterable[tuple[int, list[tuple[int, str]]]]:
    """(first line, [(line, text)]) of each block between blank lines, comment lines left out."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if block:
                yield block[0][0], block
            block = []
        elif not line.strip().startswith("//"):
            block.append((number, line))
    if block:
        yield block[0][0], block


def _read_gift(text: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    category = ""
    for first, lines in _gift_blocks(text):
        if lines[0][1].strip().startswith("$CATEGORY:"):
            category = lines[0][1].strip()[len("$CATEGORY:"):].strip()
            lines = lines[1:]
            if not lines:
                continue
            first = lines[0][0]
        drafts.append(_gift_question(first, [line for _n, line in lines], category))
        _count(drafts)
    return drafts


def _gift_question(line: int, lines: list[str], category: str) -> _Draft:
    text = _protect("\n".join(lines)).strip()
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            return _Draft(line, _short(_plain(text[2:])), "", category,
                          reason=msg(N_("the question name is not closed: write it as ::name::")))
        name, text = _plain(text[2:end]).strip(), text[end + 2:].strip()
    start, end = text.find("{"), text.find("}")
    shown = name or _short(_plain(text).split("{")[0])
    if start < 0 and end < 0:
        return _Draft(line, shown, "description", category, reason=msg(UNSUPPORTED["description"]))
    if start < 0 or 0 <= end < start:
        return _Draft(line + text[:max(end, 0)].count("\n"), shown, "", category,
                      reason=msg(N_("a '}' without the '{' that opens the answers (write \\} for the character)")))
    end = text.find("}", start)
    if end < 0:
        return _Draft(line + text[:start].count("\n"), shown, "", category,
                      reason=msg(N_("the answers opened with '{' are never closed with '}' (separate questions "
                                    "with a blank line; write \\{ for the character)")))
    if "{" in text[end:] or "}" in text[end + 1:]:
        return _Draft(line, shown, "", category,
                      reason=msg(N_("more than one {answers} block: put a blank line between questions, and "
                                    "write \\{ and \\} for the characters")))
    after = text[end + 1:]
    question_text = text[:start] + ("" if not after.strip() else "_____") + after
    answers = text[start + 1:end].strip()
    general = ""
    cut = answers.rfind("####")
    if cut >= 0:
        answers, general = answers[:cut].strip(), answers[cut + 4:]
    notes: list[Message] = []
    fmt, _text = _format_of(question_text.strip(), "moodle")
    prompt = _gift_part(question_text, "moodle", notes)
    draft = _Draft(line, name or _short(prompt), _gift_type(answers), category, notes=notes)
    base = {"prompt": prompt, "explanation": _gift_part(general, fmt, notes)}
    if draft.moodle_type in UNSUPPORTED:
        draft.reason = msg(UNSUPPORTED[draft.moodle_type])
        return draft
    reader = {"multichoice": _gift_choice, "matching": _gift_matching, "truefalse": _gift_truefalse}
    try:
        draft.raw = {**reader[draft.moodle_type](answers, fmt, notes), **base}
    except _NotAQuestion as refusal:
        draft.reason = refusal.reason
    return draft


class _NotAQuestion(ValueError):
    def __init__(self, reason: Message):
        super().__init__(str(reason))
        self.reason = reason


def _gift_type(answers: str) -> str:
    """Moodle's reading of an answer block (qformat_gift::readquestion)."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
        return "truefalse"
    return "shortanswer"


def _short(text: str, limit: int = 80) -> str:
    """A question's text cut to a name's length."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _plain(text: str) -> str:
    """Protected GIFT text with its escaped characters back."""
    return text.translate(_UNESCAPE)


def _format_of(text: str, default: str) -> tuple[str, str]:
    match = _FORMAT_PREFIX.match(text)
    return (match.group(1), text[match.end():]) if match else (default, text)


def _gift_part(text: str, fmt: str, notes: list[Message]) -> str:
    """A protected part of a question (text, answer, feedback) as plain text, in its own or `fmt`'s format."""
    part_fmt, text = _format_of(text.strip(), fmt)
    if part_fmt == "plain" or (part_fmt == "moodle" and not _HTML_TAG.search(_plain(text))):
        # Lines as written are trimmed; a line break written \n is kept as it is.
        return _plain("\n".join(line.strip() for line in text.split("\n")).strip())
    return _convert(_plain(text), part_fmt, notes)


def _gift_choice(answers: str, fmt: str, notes: list[Message]) -> dict:
    single = "=" in answers
    chunks = re.split(r"(?=[~=])", answers)
    if chunks[0].strip():
        raise _NotAQuestion(msg(N_("'%(words)s' comes before the first answer: start every answer with = or ~"),
                                words=_plain(chunks[0].strip())[:60]))
    options = []
    for chunk in chunks[1:]:
        marker, body = chunk[0], chunk[1:].strip()
        weight = 100.0 if marker == "=" else 0.0
        match = _WEIGHT.match(body)
        if match:
            weight, body = float(match.group(1).replace(",", ".")), body[match.end():]
        text, _hash, feedback = body.partition("#")
        options.append((_gift_part(text, fmt, notes), _gift_part(feedback, fmt, notes), weight))
    return _choice(options, single, notes)


def _choice(options: list[tuple[str, str, float]], single: bool, notes: list[Message]) -> dict:
    """A single or multiple question from (text, feedback, Moodle weight in %) options."""
    if len(options) < 2:
        raise _NotAQuestion(msg(N_("a multiple-choice question needs at least two options")))
    entries = [{"text": text, "feedback": feedback} if feedback else text for text, feedback, _w in options]
    weights = [weight for _t, _f, weight in options]
    if single:
        full = [i for i, weight in enumerate(weights) if abs(weight - 100) < 1e-6]
        if len(full) != 1:
            raise _NotAQuestion(
                msg(N_("no option gives full marks: mark the right one with =")) if not full else
                msg(N_("options giving full marks: %(num)s, but a one-answer question here has one right option: "
                       "keep one, or make it a multiple-answer question (~%%50%%...)"), num=len(full)))
        partial = [options[i][0] for i, weight in enumerate(weights) if 0 < weight < 100 - 1e-6]
        negative = [options[i][0] for i, weight in enumerate(weights) if weight < 0]
        if partial:
            notes.append(msg(N_("partial credit is not kept: choosing %(options)s earns nothing here (a "
                                "single-choice question is right or wrong)"), options=partial))
        if negative:
            notes.append(msg(N_("negative marks are not kept: choosing %(options)s earns nothing, as any wrong "
                                "option does"), options=negative))
        return {"type": "single", "options": entries, "answer": full[0] + 1}
    keyed = [i for i, weight in enumerate(weights) if weight > 0]
    if not keyed:
        raise _NotAQuestion(msg(N_("no option has a positive weight, so none is right")))
    positive = [weights[i] for i in keyed]
    if max(positive) - min(positive) > 0.01 or abs(sum(positive) - 100) > 0.5:
        notes.append(msg(N_("answer weights are not kept: every right option counts the same here (Moodle "
                            "weights: %(weights)s)"), weights=[f"{_number(w)} %" for w in positive]))
    return {"type": "multiple", "options": entries, "answer": [i + 1 for i in keyed]}


def _number(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _gift_matching(answers: str, fmt: str, notes: list[Message]) -> dict:
    chunks = re.split(r"(?==)", answers)
    if chunks[0].strip():
        raise _NotAQuestion(msg(N_("'%(words)s' comes before the first pair: start every pair with ="),
                                words=_plain(chunks[0].strip())[:60]))
    pairs = []
    for chunk in chunks[1:]:
        left, arrow, right = chunk[1:].partition("->")
        if not arrow:
            raise _NotAQuestion(msg(N_("the pair '%(words)s' has no '->' between its two sides"),
                                    words=_plain(chunk[1:].strip())[:60]))
        pairs.append((_gift_part(left, fmt, notes), _plain(right).strip()))
    return _matching(pairs)


def _matching(pairs: list[tuple[str, str]]) -> dict:
    extra = [right for left, right in pairs if not left]
    if extra:
        raise _NotAQuestion(msg(N_("answers that match nothing (%(answers)s) are not supported: matching here "
                                   "pairs every answer with one question"), answers=extra))
    if len(pairs) < 2:
        raise _NotAQuestion(msg(N_("a matching question needs at least two pairs")))
    return {"type": "matching", "pairs": [{"left": left, "right": right} for left, right in pairs]}


def _gift_truefalse(answers: str, fmt: str, notes: list[Message]) -> dict:
    key, wrong, right = (answers.split("#", 2) + ["", ""])[:3]
    truth = key.strip() in ("T", "TRUE")
    wrong, right = _gift_part(wrong, fmt, notes), _gift_part(right, fmt, notes)
    return _truefalse(truth, right if truth else wrong, wrong if truth else right)


def _truefalse(truth: bool, feedback_true: str, feedback_false: str) -> dict:
    raw: dict[str, Any] = {"type": "true_false", "answer": truth}
    feedback = {key: text for key, text in ((True, feedback_true), (False, feedback_false)) if text}
    if feedback:
        raw["feedback"] = feedback
    return raw


# ---------------------------------------------------------------- Aiken

# Cyrillic letters that look like Latin ones: a Russian keyboard types "А)" and "ANSWER: В".
_LOOKALIKES = str.maketrans("АВСЕНКМОРТХ", "ABCEHKMOPTX")
_AIKEN_OPTION = re.compile(r"^([A-Z])[.)][ \t]+(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER[ \t]*:[ \t]*(\S?)", re.I)


def _read_aiken(text: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    current: dict | None = None

    def unfinished(question: dict, why: Message) -> None:
        drafts.append(_Draft(question["line"], _short(question["text"]), "multichoice", reason=why))

    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        head = stripped[:8].translate(_LOOKALIKES) + stripped[8:]
        option, answer = _AIKEN_OPTION.match(head[:2] + stripped[2:]), _AIKEN_ANSWER.match(head)
        if option:
            if current is None:
                drafts.append(_Draft(number, _short(stripped), "", reason=msg(N_("an option comes before any "
                                                                                "question text"))))
            else:
                current["options"].append((option.group(1), option.group(2).strip(), number))
        elif answer:
            if current is None:
                drafts.append(_Draft(number, _short(stripped), "", reason=msg(N_("an ANSWER: line comes before "
                                                                                "any question"))))
            else:
                drafts.append(_aiken_question(current, answer.group(1).upper().translate(_LOOKALIKES)))
                _count(drafts)
            current = None
        elif current is not None and not current["options"]:
            current["text"] += "\n" + stripped           # question text on more than one line
        else:
            if current is not None:
                unfinished(current, msg(N_("no ANSWER: line after its options (line %(line)d starts another "
                                           "question)"), line=number))
            current = {"line": number, "text": stripped, "options": []}
    if current is not None:
        unfinished(current, msg(N_("the file ends before this question's ANSWER: line")))
    return drafts


def _aiken_question(question: dict, letter: str) -> _Draft:
    draft = _Draft(question["line"], _short(question["text"]), "multichoice")
    labels = [label_ for label_, _text, _line in question["options"]]
    repeated = sorted({label_ for label_ in labels if labels.count(label_) > 1})
    if repeated:
        draft.reason = msg(N_("option %(labels)s appears twice"), labels=repeated)
    elif len(labels) < 2:
        draft.reason = msg(N_("a multiple-choice question needs at least two options"))
    elif letter not in labels:
        draft.reason = msg(N_("ANSWER: %(letter)s names no option (the options are %(labels)s)"),
                           letter=letter or "—", labels=labels)
    else:
        draft.raw = {"type": "single", "prompt": question["text"],
                     "options": [text for _l, text, _n in question["options"]],
                     "answer": labels.index(letter) + 1, "explanation": ""}
    return draft


# ---------------------------------------------------------------- Moodle XML

class _LineParser(DefusedXMLParser):
    """The defused parser (no DTD, no entities, no external references), remembering element lines."""

    def __init__(self):
        super().__init__(target=ET.TreeBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.lines: dict[int, int] = {}

    def _start(self, tag, attr_list):
        element = super()._start(tag, attr_list)
        self.lines[id(element)] = self.parser.CurrentLineNumber
        return element

    def defused_start_doctype_decl(self, name, sysid, pubid, has_internal_subset):
        raise QuestionFileError(msg(N_("the file declares a document type (<!DOCTYPE>), which Moodle XML never "
                                       "has and which can hide entity bombs: remove it")),
                                self.parser.CurrentLineNumber)

    def defused_entity_decl(self, name, is_parameter_entity, value, base, sysid, pubid, notation_name):
        raise QuestionFileError(msg(N_("the file declares an entity (%(name)s); entities are refused"), name=name),
                                self.parser.CurrentLineNumber)

    def defused_unparsed_entity_decl(self, name, base, sysid, pubid, notation_name):
        raise QuestionFileError(msg(N_("the file declares an entity (%(name)s); entities are refused"), name=name),
                                self.parser.CurrentLineNumber)

    def defused_external_entity_ref_handler(self, context, base, sysid, pubid):
        raise QuestionFileError(msg(N_("the file refers to an external entity; entities are refused")),
                                self.parser.CurrentLineNumber)


def _xml_source(raw: bytes) -> bytes | str:
    """Bytes when they are in their declared encoding (UTF-8 by default), else text read as UTF-8 or cp1251."""
    declared = re.match(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", raw)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        raw.decode(encoding)
        return raw
    except (LookupError, UnicodeDecodeError):
        return _decode(raw)


# The XML parser's words for what it found (expat's), in ours: translated where they are shown.
XML_PROBLEMS_IN_WORDS = {
    "no element found": N_("the file ends before its XML is complete: is it cut short?"),
    "not well-formed (invalid token)": N_("a character XML does not allow here (in text, write < as &lt; and "
                                          "& as &amp;)"),
    "mismatched tag": N_("a closing tag does not match the tag it should close"),
    "unclosed token": N_("a tag or a comment is not closed"),
    "junk after document element": N_("there is more after the end of the XML"),
    "syntax error": N_("this is not XML"),
    "undefined entity": N_("an &name; that XML does not know (write & as &amp;)"),
    "duplicate attribute": N_("one tag gives the same attribute twice"),
}


def _read_xml(raw: bytes) -> list[_Draft]:
    parser = _LineParser()
    try:
        parser.feed(_xml_source(raw))
        root = parser.close()
    except ET.ParseError as error:
        line, column = getattr(error, "position", (None, None))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(error))
        words = XML_PROBLEMS_IN_WORDS.get(reason)
        raise QuestionFileError(msg(N_("this is not well-formed XML (column %(column)s: %(reason)s)"),
                                    column=column, reason=msg(words) if words else reason), line) from None
    if root.tag != "quiz":
        raise QuestionFileError(msg(N_("this is not a Moodle XML question file: it starts with <%(tag)s>, not "
                                       "<quiz>"), tag=root.tag[:40]), parser.lines.get(id(root)))
    drafts, category = [], ""
    for element in root:
        if element.tag != "question":
            continue
        line = parser.lines.get(id(element), 0)
        kind = (element.get("type") or "").strip().lower()
        if kind == "category":
            category = _xml_text(element.find("category")) or category
            continue
        drafts.append(_xml_question(element, kind, line, category))
        _count(drafts)
    return drafts


def _xml_text(element: ET.Element | None) -> str:
    """The <text> of an element (or its own text), as written."""
    if element is None:
        return ""
    inner = element.find("text")
    return ((inner.text if inner is not None else element.text) or "").strip()


def _xml_part(element: ET.Element | None, default: str, notes: list[Message]) -> str:
    if element is None:
        return ""
    fmt = _KNOWN_FORMATS.get((element.get("format") or "").lower(), default)
    if element.find("file") is not None:
        notes.append(msg(N_("images are left out: bank questions are text only")))
    return _convert(_xml_text(element), fmt, notes)


def _xml_question(element: ET.Element, kind: str, line: int, category: str) -> _Draft:
    notes: list[Message] = []
    text_element = element.find("questiontext")
    fmt = _KNOWN_FORMATS.get(((text_element.get("format") if text_element is not None else "") or "").lower(),
                             "html")
    prompt = _xml_part(text_element, fmt, notes)
    name = _xml_text(element.find("name")) or _short(prompt)
    draft = _Draft(line, name, kind or "?", category, notes=notes)
    if kind in UNSUPPORTED:
        draft.reason = msg(UNSUPPORTED[kind])
        return draft
    reader = {"multichoice": _xml_choice, "truefalse": _xml_truefalse, "matching": _xml_matching,
              "ordering": _xml_ordering}.get(kind)
    if reader is None:
        draft.reason = msg(OTHER_UNSUPPORTED, type=label(MOODLE_TYPES, kind) if kind else "?")
        return draft
    base = {"prompt": prompt, "explanation": _xml_part(element.find("generalfeedback"), fmt, notes)}
    try:
        draft.raw = {**reader(element, fmt, notes), **base}
    except _NotAQuestion as refusal:
        draft.reason = refusal.reason
    return draft


def _flag(element: ET.Element, name: str, default: bool) -> bool:
    value = (element.findtext(name) or "").strip().lower()
    return default if not value else value in ("1", "true", "yes")


def _fraction(answer: ET.Element) -> float:
    try:
        return float((answer.get("fraction") or "0").replace(",", "."))
    except ValueError:
        return 0.0


def _xml_choice(element: ET.Element, fmt: str, notes: list[Message]) -> dict:
    options = [(_xml_part(answer, fmt, notes), _xml_part(answer.find("feedback"), fmt, notes), _fraction(answer))
               for answer in element.findall("answer")]
    raw = _choice(options, _flag(element, "single", True), notes)
    if not _flag(element, "shuffleanswers", True):
        raw["shuffle"] = False
    return raw


def _xml_truefalse(element: ET.Element, fmt: str, notes: list[Message]) -> dict:
    answers = {(_xml_text(answer) or "").strip().lower(): answer for answer in element.findall("answer")}
    if set(answers) != {"true", "false"}:
        raise _NotAQuestion(msg(N_("a true/false question needs one answer 'true' and one answer 'false'")))
    truth = _fraction(answers["true"]) > _fraction(answers["false"])
    return _truefalse(truth, _xml_part(answers["true"].find("feedback"), fmt, notes),
                      _xml_part(answers["false"].find("feedback"), fmt, notes))


def _xml_matching(element: ET.Element, fmt: str, notes: list[Message]) -> dict:
    pairs = [(_xml_part(sub, fmt, notes), _convert(_xml_text(sub.find("answer")), "plain", notes))
             for sub in element.findall("subquestion")]
    return _matching(pairs)


def _xml_ordering(element: ET.Element, fmt: str, notes: list[Message]) -> dict:
    answers = element.findall("answer")
    ordered = sorted(range(len(answers)), key=lambda i: (_fraction(answers[i]), i))
    items = [_xml_part(answers[i], fmt, notes) for i in ordered]
    if len(items) < 2:
        raise _NotAQuestion(msg(N_("an ordering question needs at least two items")))
    select = (element.findtext("selecttype") or "").strip().upper()
    count = (element.findtext("selectcount") or "").strip()
    if select not in ("", "ALL", "0") and count.isdigit() and 0 < int(count) < len(items):
        notes.append(msg(N_("Moodle showed %(count)s of the items at a time; here every item is shown"), count=count))
    return {"type": "ordering", "items": items}


# ---------------------------------------------------------------- banks as YAML

class _BankDumper(yaml.SafeDumper):
    """Indents list items under their key, as bank files are written by hand."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _quoted_text(dumper: yaml.SafeDumper, value: str):
    # Plain scalars would turn "1990", "yes" or "a: b" into something else: quote free text.
    style = None if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", value) and value.lower() not in (
        "yes", "no", "on", "off", "true", "false", "null", "y", "n") else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _quoted_text)


def bank_entry(question: Question) -> dict:
    """A question as a bank file entry (docs/content-format.md), keys in the usual order."""
    entry: dict[str, Any] = {"id": question.id, "type": question.type}
    if question.competency:
        entry["competency"] = question.competency
    entry["prompt"] = question.prompt
    if question.type in ("single", "multiple"):
        entry["options"] = [{"text": o.text, "feedback": o.feedback} if o.feedback else o.text
                            for o in question.options]
        numbers = [i + 1 for i in question.correct]
        entry["answer"] = numbers[0] if question.type == "single" else numbers
        if not question.shuffle:
            entry["shuffle"] = False
    elif question.type == "true_false":
        entry["answer"] = question.truth
        feedback = {key: text for key, text in ((True, question.feedback_true), (False, question.feedback_false))
                    if text}
        if feedback:
            entry["feedback"] = feedback
    elif question.type == "matching":
        entry["pairs"] = [{"left": p.left, "right": p.right} for p in question.pairs]
    elif question.type == "ordering":
        entry["items"] = list(question.items)
    entry["explanation"] = question.explanation
    return entry


def bank_yaml(questions: Sequence[Question], header: str = "") -> str:
    """A bank file holding these questions; `header` becomes comment lines at the top."""
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    body = yaml.dump({"questions": [bank_entry(q) for q in questions]}, Dumper=_BankDumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=False, width=10**6)
    return comments + body


def read_bank(text: str) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """The valid questions of a bank file's text, and why each other entry was left out."""
    try:
        data = yamlsafe.safe_load(text)
    except yaml.YAMLError as error:
        return (), (f"the bank is not valid YAML: {str(error).splitlines()[0]}",)
    entries = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return (), ("the file has no 'questions:' list",)
    questions, problems, seen = [], [], set()
    for index, entry in enumerate(entries):
        errors = [p for p in validate_question(entry) if p.severity == "error"]
        if errors:
            problems.append(f"questions[{index}]: " + "; ".join(f"{p.key}: {p.message}" for p in errors))
            continue
        question = build_question(entry)
        if question.id in seen:
            problems.append(f"questions[{index}]: the id '{question.id}' is used twice")
            continue
        seen.add(question.id)
        questions.append(question)
    return tuple(questions), tuple(problems)


def is_bank(text: str) -> bool:
    """Whether a YAML file's text is a question bank (a mapping with a 'questions:' list)."""
    try:
        data = yamlsafe.safe_load(text)
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and isinstance(data.get("questions"), list)


# ---------------------------------------------------------------- writing GIFT

_FORMAT_LIKE = re.compile(r"^\[(html|moodle|plain|markdown)\]")


def _gift_escape(text: str) -> str:
    """Text as GIFT writes it: control characters escaped, line breaks as \\n."""
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _gift_text(text: str) -> str:
    """A part of a question in the question text's format ([plain]), guarded against being read as markup."""
    escaped = _gift_escape(text)
    # A part that starts with "[html]" or "%50%" would be read as a format or a weight: say [plain] first.
    return "[plain]" + escaped if _FORMAT_LIKE.match(escaped) or escaped.startswith("%") else escaped


def _category_path(competency: str | None) -> str:
    return "$course$/top" + (f"/{competency}" if competency else "")


def to_gift(questions: Sequence[Question], source: str = "") -> tuple[str, tuple[Message, ...]]:
    """Questions as a GIFT file Moodle imports, and notes on what GIFT cannot hold."""
    notes: list[Message] = []
    out: list[str] = []
    category = None
    for question in questions:
        if question.type == "ordering":
            notes.append(msg(N_("'%(id)s' is an ordering question, which GIFT cannot hold: export Moodle XML to "
                                "keep it"), id=question.id))
            continue
        if question.type == "matching" and any("->" in pair.left for pair in question.pairs):
            notes.append(msg(N_("'%(id)s' has '->' in a left-hand side, which GIFT cannot write: export Moodle "
                                "XML to keep it"), id=question.id))
            continue
        if question.competency != category:
            category = question.competency
            out.append(f"\n$CATEGORY: {_category_path(category)}\n")
        if not question.shuffle:
            notes.append(msg(N_("'%(id)s' keeps its options in the written order (shuffle: false), which GIFT "
                                "cannot say: Moodle will shuffle them"), id=question.id))
        out.append("\n" + _gift_question_text(question))
    head = [f"// {source} — exported as Moodle GIFT\n" if source else "// Exported as Moodle GIFT\n"]
    head += [f"// Not kept: {note}\n" for note in notes]
    return "".join(head + out), tuple(notes)


def _gift_question_text(question: Question) -> str:
    head = f"::{_gift_escape(question.id)}::[plain]{_gift_escape(question.prompt)}"
    lines = []
    if question.type == "single":
        for i, option in enumerate(question.options):
            marker = "=" if i in question.correct else "~"
            lines.append(marker + _gift_text(option.text) + (f"#{_gift_text(option.feedback)}" if option.feedback
                                                             else ""))
    elif question.type == "multiple":
        share = _number(100 / len(question.correct))
        for i, option in enumerate(question.options):
            weight = share if i in question.correct else "-" + share
            lines.append(f"~%{weight}%" + _gift_text(option.text) + (f"#{_gift_text(option.feedback)}"
                                                                    if option.feedback else ""))
    elif question.type == "true_false":
        right, wrong = ((question.feedback_true, question.feedback_false) if question.truth
                        else (question.feedback_false, question.feedback_true))
        key = "TRUE" if question.truth else "FALSE"
        tail = (f"#{_gift_text(wrong)}" if wrong or right else "") + (f"#{_gift_text(right)}" if right else "")
        lines.append(key + tail)
    elif question.type == "matching":
        for pair in question.pairs:
            lines.append(f"={_gift_text(pair.left)} -> {_gift_escape(pair.right)}")
    lines.append(f"####{_gift_text(question.explanation)}")
    return head + "{\n" + "".join(f"\t{line}\n" for line in lines) + "}\n"


# ---------------------------------------------------------------- writing Moodle XML

def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _text_element(parent: ET.Element, tag: str, text: str, fmt: str | None = "plain_text") -> ET.Element:
    element = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(element, "text", _xml_safe(text))
    return element


def _xml_safe(text: str) -> str:
    # XML 1.0 cannot hold most control characters at all.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


def to_moodle_xml(questions: Sequence[Question], source: str = "") -> tuple[str, tuple[Message, ...]]:
    """Questions as a Moodle XML file (every type the platform has), and notes (none so far)."""
    quiz = ET.Element("quiz")
    if source:
        quiz.append(ET.Comment(f" {source.replace('--', '- -')} — exported as Moodle XML "))
    category: object = _NO_CATEGORY_YET
    for question in questions:
        if question.competency != category:
            category = question.competency
            element = _sub(quiz, "question", type="category")
            _text_element(element, "category", _category_path(category), fmt=None)
        quiz.append(_xml_question_element(question))
    ET.indent(quiz, space="  ")
    body = ET.tostring(quiz, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", ()


_NO_CATEGORY_YET = object()
_XML_TYPES = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
              "matching": "matching", "ordering": "ordering"}


def _xml_question_element(question: Question) -> ET.Element:
    element = ET.Element("question", {"type": _XML_TYPES[question.type]})
    _text_element(element, "name", question.id, fmt=None)
    _text_element(element, "questiontext", question.prompt)
    _text_element(element, "generalfeedback", question.explanation)
    _sub(element, "defaultgrade", "1")
    _sub(element, "penalty", "0")
    _sub(element, "hidden", "0")
    if question.type in ("single", "multiple"):
        _sub(element, "single", "true" if question.type == "single" else "false")
        _sub(element, "shuffleanswers", "true" if question.shuffle else "false")
        _sub(element, "answernumbering", "abc")
        share = 100 / len(question.correct)
        for i, option in enumerate(question.options):
            if question.type == "single":
                fraction = "100" if i in question.correct else "0"
            else:
                fraction = _number(share) if i in question.correct else "-" + _number(share)
            answer = _text_element(element, "answer", option.text)
            answer.set("fraction", fraction)
            _text_element(answer, "feedback", option.feedback)
    elif question.type == "true_false":
        for value, feedback in (("true", question.feedback_true), ("false", question.feedback_false)):
            answer = _sub(element, "answer", fraction="100" if question.truth == (value == "true") else "0",
                          format="moodle_auto_format")
            _sub(answer, "text", value)
            _text_element(answer, "feedback", feedback)
    elif question.type == "matching":
        _sub(element, "shuffleanswers", "true")
        for pair in question.pairs:
            sub = _text_element(element, "subquestion", pair.left)
            _text_element(sub, "answer", pair.right, fmt=None)
    elif question.type == "ordering":
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "RELATIVE_ALL_PREVIOUS_AND_NEXT"), ("showgrading", "SHOW"),
                           ("numberingstyle", "none")):
            _sub(element, tag, value)
        for position, item in enumerate(question.items, start=1):
            answer = _text_element(element, "answer", item)
            answer.set("fraction", str(position))
    return element
