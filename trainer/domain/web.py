"""Addresses people type that the platform turns into links."""
from __future__ import annotations

from urllib.parse import urlsplit


def web_link(value: str | None) -> str | None:
    """The value when it is an http(s) address a browser may open, else None (plain text, a room
    number, or a `javascript:` or `data:` address that must never become a link)."""
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not any(c.isspace() for c in value):
        return value
    return None
