"""The session cookie: Flask's signed cookie, sent again only when the session changed or its
cookie has aged.

Flask re-sends a permanent session's cookie with every response, to slide its expiry (the idle
timeout). A response that left the session alone then carries the session as it was when its
request was sent: an autosave or a poll sent before a form that changed the session (a flash
message, a visitor's language) and answered after it put the older session back in the browser,
and the change was lost. Here an unchanged session is sent again only when its cookie is older
than SESSION_REFRESH_AFTER_SECONDS (or a tenth of the idle timeout, when that is shorter): the
idle timeout still slides with activity, to within that margin, and responses that carry nothing
new no longer carry the cookie.
"""
from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature


class SignedSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None: no cookie came with the request)."""

    signed_at: float | None = None


class RefreshWhenAgedSessionInterface(SecureCookieSessionInterface):
    session_class = SignedSession

    def open_session(self, app: Flask, request: Request) -> SignedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                               return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: SignedSession) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        if session.signed_at is None:
            return True
        refresh_after = min(float(app.config["SESSION_REFRESH_AFTER_SECONDS"]),
                            app.permanent_session_lifetime.total_seconds() / 10)
        return time.time() - session.signed_at >= refresh_after
