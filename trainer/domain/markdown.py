"""Lesson text: front matter splitting and Markdown rendering with HTML sanitising.

Authors write Markdown; whatever raw HTML they add is cleaned by nh3 so nothing in a
course file can run script in a trainee's browser.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from html import escape, unescape
from typing import Any

import markdown as _markdown
import nh3
import yaml
from markdown.extensions.tables import TableExtension

from . import yamlsafe
from .messages import N_, msg

# attr_list is deliberately absent: it would let authors set arbitrary attributes.
# use_align_attribute emits align="left" rather than an inline style, so no style
# attribute has to be allowed through the sanitiser.
def _extensions() -> list:
    return [
        TableExtension(use_align_attribute=True),
        "footnotes",
        "admonition",
        "def_list",
        "fenced_code",
        "sane_lists",
    ]


ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
})

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "div": {"class", "id"},       # admonitions, footnote container
    "p": {"class"},                # admonition-title
    "span": {"class"},
    "code": {"class"},             # language-xxx from fenced code
    "sup": {"class", "id"},        # footnote references
    "li": {"class", "id"},         # footnote bodies
    "ol": {"start"},               # sane_lists keeps the first number
    "th": {"align"},
    "td": {"align"},
}

URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Tags removed together with their content; the rest of the unknown tags are unwrapped.
CLEAN_CONTENT_TAGS = frozenset({"script", "style", "iframe", "object", "embed", "template"})

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(CLEAN_CONTENT_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def _parse(text: str) -> str:
    # A fresh Markdown object per call: instances keep state (footnotes) and are not
    # safe to share between threads.
    return _markdown.markdown(text, extensions=_extensions(), output_format="html")


# The last few results are kept: checking a lesson asks for the same text's HTML four times
# (unclosed HTML, lost words, the page's own render). Texts over RENDERED_CACHE_MAX_CHARS are
# not kept, so these 32 entries stay small whatever an author uploads.
_recent_parses = functools.lru_cache(maxsize=32)(_parse)


def _to_html(text: str) -> str:
    return _recent_parses(text) if len(text) <= RENDERED_CACHE_MAX_CHARS else _parse(text)


def render_markdown(text: str) -> str:
    """Render lesson Markdown to sanitised HTML; raw HTML left open shows as text."""
    html = _to_html(text)
    unclosed = _unclosed(html)
    if 0 < len(unclosed) <= _MAX_SOURCE_ESCAPES:
        # Escape the openings in the Markdown so the rest is still rendered as Markdown;
        # anything that escape misses (inside code, say) is escaped in the HTML. Thousands of
        # them are escaped in the HTML only: Python-Markdown is slow on thousands of entities.
        html = _to_html(_escape_in_source(text, {tag for _at, tag in unclosed}))
    return sanitise_html(_escape_unclosed(html))


def scrolling_tables(html: str, label: str) -> str:
    """Each table of sanitised HTML in a box that scrolls sideways, from the keyboard too, named
    `label`: a lesson's table wider than a phone scrolls in place instead of widening the page.
    The sanitiser lets no attribute onto a table, so every one opens as a bare <table>."""
    opening = f'<div class="overflow-auto" tabindex="0" role="region" aria-label="{escape(label)}"><table>'
    return html.replace("<table>", opening).replace("</table>", "</table></div>")


# Authored text (scenario briefs, reports, task instructions, feedback rationales) is rendered
# once per process and kept by the hash of its content: a changed text is another key, so an
# entry never goes stale. Bounded so a long-running worker keeps only the texts in use; very
# long texts (previews of drafts do not come here at all) are rendered without keeping them.
RENDERED_CACHE_SIZE = 8192
RENDERED_CACHE_MAX_CHARS = 100_000
_RENDERED: OrderedDict[bytes, str] = OrderedDict()
_RENDERED_LOCK = threading.Lock()


def rendered_markdown(text: str) -> str:
    """render_markdown, kept by content hash: the same authored text is rendered once."""
    if len(text) > RENDERED_CACHE_MAX_CHARS:
        return render_markdown(text)
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    with _RENDERED_LOCK:
        html = _RENDERED.get(key)
        if html is not None:
            _RENDERED.move_to_end(key)
            return html
    html = render_markdown(text)
    with _RENDERED_LOCK:
        _RENDERED[key] = html
        if len(_RENDERED) > RENDERED_CACHE_SIZE:
            _RENDERED.popitem(last=False)
    return html


def sanitise_html(html: str) -> str:
    """Strip every tag, attribute and URL scheme the platform does not allow."""
    return _CLEANER.clean(html)


# Raw HTML the sanitiser will remove, used only to warn authors: (pattern in the Markdown
# source, pattern in the unsanitised HTML, label); group 1 names the tag, attribute or
# scheme. A name is reported only if it is live in the HTML too, so `<iframe>` shown inside
# a code block, which Markdown escapes, is not reported.
_UNSAFE_PATTERNS = (
    (re.compile(r"<\s*(script|iframe|object|embed|style)\b", re.I),
     re.compile(r"<(script|iframe|object|embed|style)\b", re.I), N_("<%(name)s> element")),
    (re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I),
     re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I), N_("%(name)s= attribute")),
    (re.compile(r"(?:\]\(|=\s*[\"']?)\s*(javascript)\s*:", re.I),
     re.compile(r"=\s*[\"']?\s*(javascript)\s*:", re.I), N_("%(name)s: link")),
)


def find_unsafe_html(text: str) -> list[tuple[int, str]]:
    """List (line within text, what) for raw HTML in Markdown that rendering strips."""
    raw_html = _markdown.markdown(text, extensions=_extensions(), output_format="html")
    found = []
    for source, in_html, label in _UNSAFE_PATTERNS:
        live = {m.group(1).lower() for m in in_html.finditer(raw_html)}
        for lineno, line in enumerate(text.splitlines(), start=1):
            found.extend((lineno, msg(label, name=name)) for m in source.finditer(line)
                         if (name := m.group(1).lower()) in live)
    return sorted(found)


# Elements whose content a browser's parser reads as raw text, foreign content or one
# block, and comments: left open, they swallow the rest of the lesson, which the sanitiser
# then drops or mangles. <plaintext> never ends at all.
SWALLOWING_TAGS = (
    "script", "style", "iframe", "object", "template", "noscript", "noembed", "noframes",
    "textarea", "title", "xmp", "plaintext", "math", "svg", "select",
)
_SWALLOWING_OPEN = re.compile(r"<(%s)(?=[\s/>]|$)" % "|".join(SWALLOWING_TAGS), re.I | re.M)
_COMMENT = "!--"
_MAX_SOURCE_ESCAPES = 100


def _unclosed(html: str) -> list[tuple[int, str]]:
    """(offset, tag) of each opening in HTML that nothing after it closes; "!--" for comments."""
    found = []
    last_comment_end = html.rfind("-->")
    found.extend((m.start(), _COMMENT) for m in re.finditer("<!--", html) if m.start() > last_comment_end)
    ends: dict[str, int] = {}
    for m in _SWALLOWING_OPEN.finditer(html):
        tag = m.group(1).lower()
        if tag not in ends:
            closes = [c.start() for c in re.finditer(rf"</{tag}(?=[\s/>]|$)", html, re.I | re.M)]
            ends[tag] = -1 if tag == "plaintext" or not closes else closes[-1]
        if m.start() > ends[tag]:
            found.append((m.start(), tag))
    return sorted(found)


def _escape_at(text: str, offsets: list[int]) -> str:
    """The text with the "<" at each offset written as "&lt;"."""
    parts, start = [], 0
    for offset in offsets:
        parts += [text[start:offset], "&lt;"]
        start = offset + 1
    return "".join(parts) + text[start:]


def _escape_unclosed(html: str) -> str:
    return _escape_at(html, [offset for offset, _tag in _unclosed(html)])


def _open_in_source(text: str, tags: set[str]) -> list[tuple[int, int, str]]:
    """(line, offset, tag) of openings of `tags` in Markdown that nothing after them closes,
    outside fenced code and `code spans` (where they are shown, not parsed)."""
    found, offset, fence = [], 0, None
    last_close = {tag: -1 if tag == "plaintext" else max(
        (m.start() for m in re.finditer(rf"</{tag}(?=[\s/>]|$)", text, re.I | re.M)), default=-1)
        for tag in tags if tag != _COMMENT}
    last_close[_COMMENT] = text.rfind("-->")
    opening = re.compile("<(%s)" % "|".join(
        re.escape(tag) if tag == _COMMENT else rf"{tag}(?=[\s/>]|$)" for tag in sorted(tags)), re.I | re.M)
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = re.match(r"\s{0,3}(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)[0]
        elif fence is not None:
            if marker and marker.group(1)[0] == fence:
                fence = None
        elif not line.startswith(("    ", "\t")):
            ticks, seen = 0, 0                   # backticks before the match: odd means in code
            for m in opening.finditer(line):
                ticks, seen = ticks + line.count("`", seen, m.start()), m.start()
                tag = m.group(1).lower()
                if offset + m.start() > last_close.get(tag, -1) and ticks % 2 == 0:
                    found.append((number, offset + m.start(), tag))
        offset += len(line)
    return found


def _escape_in_source(text: str, tags: set[str]) -> str:
    return _escape_at(text, [offset for _line, offset, _tag in _open_in_source(text, tags)])


def find_unclosed_html(text: str) -> list[tuple[int, str]]:
    """(line within text, what) for raw HTML left open, which would swallow the text after it."""
    tags = {tag for _at, tag in _unclosed(_to_html(text))}
    if not tags:
        return []
    found = sorted({(line, tag) for line, _offset, tag in _open_in_source(text, tags)})
    named = {tag for _line, tag in found}
    found += [(1, tag) for tag in sorted(tags - named)]     # not found in the source: say so anyway
    return [(line, msg(N_("<!-- comment")) if tag == _COMMENT else msg(N_("<%(name)s> element"), name=tag))
            for line, tag in found]


# Removed with their content on purpose (and reported by find_unsafe_html): not "lost".
# Only called when nothing is left open, so each lazy match ends at a close (linear time).
_CLEANED_BLOCK = re.compile(r"<(%s)(?=[\s/>]).*?</\1\s*>" % "|".join(
    sorted(CLEAN_CONTENT_TAGS - {"embed"})), re.I | re.S)   # <embed> is empty: nothing inside


def _words(html: str) -> list[str]:
    html = _CLEANED_BLOCK.sub(" ", re.sub(r"<!--.*?-->", " ", html, flags=re.S))
    return re.findall(r"\w+", unescape(re.sub(r"<[^<>]*>", " ", html)))


def find_lost_text(text: str) -> int | None:
    """The line (within text) of the first words that rendering drops, or None if none is lost."""
    html = _to_html(text)
    before, after = _words(html), Counter(_words(render_markdown(text)))
    cursor = 0
    for word in before:
        # Follow the words through the source for the line; a word written as an entity
        # is not there as such, so look only a little way ahead.
        found = text.find(word, cursor, cursor + 2000)
        if after[word] > 0:
            after[word] -= 1
            cursor = found if found >= 0 else cursor
            continue
        return text.count("\n", 0, found if found >= 0 else cursor) + 1
    return None


class FrontMatterError(ValueError):
    """Front matter that is not a closed block of YAML mapping keys."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


_FENCE = re.compile(r"^---\s*$")


def split_front_matter(
    text: str, load: Callable[[str], Any] | None = None
) -> tuple[dict, str, int]:
    """Split `---` YAML front matter from Markdown: (data, body, body's first line)."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0]):
        return {}, text, 1
    end = next((i for i in range(1, len(lines)) if _FENCE.match(lines[i])), None)
    if end is None:
        raise FrontMatterError(msg(N_("front matter is not closed: add a '---' line after it")), 1)
    data = _load_front_matter("".join(lines[1:end]), load or yamlsafe.safe_load)
    return data, "".join(lines[end + 1:]), end + 2


def _load_front_matter(source: str, load: Callable[[str], Any]) -> dict:
    try:
        data = load(source)
    except yamlsafe.YamlLimitError as exc:
        # +1: the YAML starts on the line after the opening '---'.
        raise FrontMatterError(msg(N_("front matter %(problem)s"), problem=exc.message),
                               exc.line + 1 if exc.line else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # +2: the YAML starts on the line after the opening '---'.
        line = mark.line + 2 if mark else None
        raise FrontMatterError(msg(N_("invalid YAML in front matter: %(reason)s"), reason=yaml_error_text(exc, 2)),
                               line)
    except yaml.YAMLError as exc:
        raise FrontMatterError(msg(N_("invalid YAML in front matter: %(reason)s"), reason=str(exc)), None)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError(msg(N_("front matter must be YAML keys (title: ..., minutes: ...)")), 2)
    return data


def yaml_error_text(exc: yaml.MarkedYAMLError, first_line: int = 1) -> str:
    """A YAML error in our words when it is a slip we know (yamlsafe.problem_in_words), else in
    the parser's, without its '<unicode string>' marks."""
    words = yamlsafe.problem_in_words(exc)
    if words is not None:
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            # e.g. an unclosed quote: the problem shows at the end, the cause where it began.
            return msg(N_("%(problem)s (it begins on line %(line)d)"), problem=words,
                       line=exc.context_mark.line + first_line)
        return words
    context = exc.context
    if context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        # e.g. an unclosed quote: the problem shows at the end, the cause where it began.
        context = f"{context} started on line {exc.context_mark.line + first_line}"
    parts = [p for p in (context, exc.problem) if p]
    if len(parts) == 1:
        return parts[0]  # a Message stays one (a duplicate key, a limit): it is translated where shown
    return ", ".join(parts) or "cannot be parsed"
