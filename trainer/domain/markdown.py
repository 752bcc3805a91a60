"""Lesson text: front matter splitting and Markdown rendering with HTML sanitising.

Authors write Markdown; whatever raw HTML they add is cleaned by nh3 so nothing in a
course file can run script in a trainee's browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import markdown as _markdown
import nh3
import yaml
from markdown.extensions.tables import TableExtension

from . import yamlsafe

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


def render_markdown(text: str) -> str:
    """Render lesson Markdown to sanitised HTML."""
    # A fresh Markdown object per call: instances keep state (footnotes) and are not
    # safe to share between threads.
    html = _markdown.markdown(text, extensions=_extensions(), output_format="html")
    return sanitise_html(html)


def sanitise_html(html: str) -> str:
    """Strip every tag, attribute and URL scheme the platform does not allow."""
    return _CLEANER.clean(html)


# Raw HTML the sanitiser will remove, used only to warn authors: (pattern in the Markdown
# source, pattern in the unsanitised HTML, label); group 1 names the tag, attribute or
# scheme. A name is reported only if it is live in the HTML too, so `<iframe>` shown inside
# a code block, which Markdown escapes, is not reported.
_UNSAFE_PATTERNS = (
    (re.compile(r"<\s*(script|iframe|object|embed|style)\b", re.I),
     re.compile(r"<(script|iframe|object|embed|style)\b", re.I), "<{0}> element"),
    (re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I),
     re.compile(r"<[^>]*\s(on[a-z]+)\s*=", re.I), "{0}= attribute"),
    (re.compile(r"(?:\]\(|=\s*[\"']?)\s*(javascript)\s*:", re.I),
     re.compile(r"=\s*[\"']?\s*(javascript)\s*:", re.I), "{0}: link"),
)


def find_unsafe_html(text: str) -> list[tuple[int, str]]:
    """List (line within text, what) for raw HTML in Markdown that rendering strips."""
    raw_html = _markdown.markdown(text, extensions=_extensions(), output_format="html")
    found = []
    for source, in_html, label in _UNSAFE_PATTERNS:
        live = {m.group(1).lower() for m in in_html.finditer(raw_html)}
        for lineno, line in enumerate(text.splitlines(), start=1):
            found.extend((lineno, label.format(name)) for m in source.finditer(line)
                         if (name := m.group(1).lower()) in live)
    return sorted(found)


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
        raise FrontMatterError("front matter is not closed: add a '---' line after it", 1)
    data = _load_front_matter("".join(lines[1:end]), load or yamlsafe.safe_load)
    return data, "".join(lines[end + 1:]), end + 2


def _load_front_matter(source: str, load: Callable[[str], Any]) -> dict:
    try:
        data = load(source)
    except yamlsafe.YamlLimitError as exc:
        # +1: the YAML starts on the line after the opening '---'.
        raise FrontMatterError(f"front matter {exc.message}", exc.line + 1 if exc.line else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # +2: the YAML starts on the line after the opening '---'.
        line = mark.line + 2 if mark else None
        raise FrontMatterError(f"invalid YAML in front matter: {yaml_error_text(exc, 2)}", line)
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"invalid YAML in front matter: {exc}", None)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be YAML keys (title: ..., minutes: ...)", 2)
    return data


def yaml_error_text(exc: yaml.MarkedYAMLError, first_line: int = 1) -> str:
    """The parser's own words for a YAML error, without its '<unicode string>' marks."""
    context = exc.context
    if context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        # e.g. an unclosed quote: the problem shows at the end, the cause where it began.
        context = f"{context} started on line {exc.context_mark.line + first_line}"
    return ", ".join(p for p in (context, exc.problem) if p) or "cannot be parsed"
