"""Error pages: friendly HTML for people, JSON for scripts."""
from flask import flash, jsonify, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_url
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db, login_manager
from ..services.concurrency import Contended

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Not found"), _l("There is no page at this address. It may have been moved or removed.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The file is larger than the platform accepts (8 MB).")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a minute and try again.")),
    503: (_l("Busy"), _l("Many people are saving at this moment. Your work is kept in your browser; try again in a few seconds.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Your saved work is safe; try again in a moment.")),
}
CSRF_MESSAGE = _l("The form was sent without a valid security token (it may have expired). "
                  "Go back, reload the page and send it again.")


def wants_json() -> bool:
    """True for API clients that prefer JSON to HTML."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code: int, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    message = message or default_message
    if wants_json():
        return jsonify(error=str(title), message=str(message)), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:  # the page layout itself is broken: still answer something readable
        return f"{code} {title}: {message}", code, {"Content-Type": "text/plain; charset=utf-8"}


SIGNED_OUT_MESSAGE = _l("You are no longer logged in (perhaps you logged out in another tab): log in again in "
                        "another tab. Your work stays on this page and is saved as soon as you are back.")


def ask_to_log_in():
    """Flask-Login's answer to a request that needs a login: a page goes to the login form (and
    comes back after it) with a message in the reader's language; a script (an autosave, a poll)
    gets 401 and a message to show, where following the redirect it read the login form's HTML
    as a failure and spoke of the network."""
    if wants_json():
        return jsonify(saved=False, error="signed_out", message=str(SIGNED_OUT_MESSAGE)), 401
    flash(str(_l("Log in to see this page.")), "info")
    return redirect(login_url("auth.login", next_url=request.url))


def register(app) -> None:
    """Attach the handlers to the app."""
    login_manager.unauthorized_handler(ask_to_log_in)

    @app.errorhandler(Contended)
    def contended(error):
        db.session.rollback()
        return error_response(503)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, CSRF_MESSAGE)

    # Flask turns an unhandled exception into InternalServerError (logged, session rolled
    # back at teardown) and lands here too; under TESTING it propagates to the test instead.
    @app.errorhandler(HTTPException)
    def http_error(error):
        code = error.code or 500
        if code >= 500:
            # After a failed statement the session refuses every query until rolled back, and
            # the page below reads the current user: roll back first or the error page fails too.
            db.session.rollback()
        return error_response(code)
