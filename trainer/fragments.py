"""Rendered page parts kept per process, keyed by everything they are drawn from.

A scenario result is a large page (every answer beside the key, with its explanation) that
changes only when its attempt does; officers reopen it, and a class opens theirs in the same
minute. So its body is rendered once per attempt *state* and kept: the key holds the attempt's
`row_version` (bumped by every UPDATE of the row, see models.ScenarioAttempt), the reader's
language and time zone and whatever else the caller names, so a changed attempt, a language
switch or a re-score is simply another key and nothing goes stale. Entries are bounded (LRU);
each app (so each worker process) keeps its own: ids mean rows of that app's database.

Per-session values (the CSRF token) must not be kept in a fragment: a fragment carries
`SESSION_TOKEN` where the token goes and `serve` puts the reader's in.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

# Stands for the reader's CSRF token in a kept fragment (never a valid token itself).
SESSION_TOKEN = "\x00csrf-token\x00"
MAX_ENTRIES = 1024
MAX_FRAGMENT_CHARS = 400_000  # a page part this large is rendered each time rather than kept
# All kept parts of a process together (a workspace body is ~100 000 characters): the oldest go
# first, so a worker's memory grows by some 30 MB at most, whatever the class's size.
MAX_KEPT_CHARS = 16_000_000


class Fragments:
    """The kept fragments of one app: an LRU of rendered HTML, safe for threaded servers."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_KEPT_CHARS):
        self.kept: OrderedDict[Hashable, str] = OrderedDict()
        self.lock = threading.Lock()
        self.max_entries, self.max_chars, self.chars = max_entries, max_chars, 0

    def get(self, key: Hashable) -> str | None:
        with self.lock:
            html = self.kept.get(key)
            if html is not None:
                self.kept.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> None:
        if len(html) > MAX_FRAGMENT_CHARS:
            return
        with self.lock:
            replaced = self.kept.pop(key, None)
            self.chars += len(html) - (len(replaced) if replaced is not None else 0)
            self.kept[key] = html
            while len(self.kept) > self.max_entries or self.chars > self.max_chars:
                _oldest, dropped = self.kept.popitem(last=False)
                self.chars -= len(dropped)


def rendered(key: tuple, render: Callable[[], str]) -> Markup:
    """The fragment for `key` in the reader's language and time zone, rendered by `render`
    if it is not kept yet."""
    fragments = current_app.extensions.get("fragments")
    if fragments is None:  # switched off (FRAGMENT_CACHE = False)
        return serve(str(render()))
    full_key = (*key, str(get_locale()), str(get_timezone()))
    html = fragments.get(full_key)
    if html is None:
        html = str(render())
        fragments.put(full_key, html)
    return serve(html)


def init_app(app) -> None:
    if app.config.get("FRAGMENT_CACHE", True):
        app.extensions["fragments"] = Fragments()


def serve(html: str) -> Markup:
    """A kept fragment with this reader's CSRF token in place."""
    if SESSION_TOKEN in html:
        html = html.replace(SESSION_TOKEN, generate_csrf())
    return Markup(html)  # noqa: S704  (rendered by our own autoescaping templates)
