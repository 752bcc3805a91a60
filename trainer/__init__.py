"""trainer: e-learning and training simulation for intelligence-led policing."""
from __future__ import annotations

import hmac
from collections.abc import Mapping

from flask import Flask, request
from flask_login import current_user
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import fragments
from .config import INSTANCE_DIR, PROJECT_ROOT, Config, config_from_env, secret_key
from .database import register_database
from .domain.numbers import MAX_INTEGER
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from .jobs import jobs
from .i18n import register_i18n, select_locale, select_timezone
from .sessions import RefreshWhenAgedSessionInterface
from .static_files import register_static_files


def create_app(config: type[Config] | Mapping | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors, commands."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    configure(app, config)
    register_static_files(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_read_api(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_i18n(app)
    register_security_headers(app)
    register_commands(app)
    return app


def configure(app: Flask, config: type[Config] | Mapping | None) -> None:
    """Load the config class (or env-chosen class updated by a mapping)."""
    if config is None or isinstance(config, Mapping):
        app.config.from_object(config_from_env())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extension objects to this app."""
    from . import models, models_exports, models_lti, models_xapi, models_progress  # noqa: F401  (models must be imported before migrations run)

    app.session_interface = RefreshWhenAgedSessionInterface()
    db.init_app(app)
    register_database(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    fragments.init_app(app)

    # Every signed-in request runs it: built once (building a statement costs more than running
    # it on SQLite), where session.get would build one for each request.
    user_by_id = select(models.User).where(models.User.id == bindparam("id"))

    @login_manager.user_loader
    def load_user(session_id: str):
        # The session holds "id.token": a token changed by logout, a password change or a
        # deactivation makes every older session and remember-me cookie load nobody.
        user_id, _, token = session_id.partition(".")
        if not user_id.isdigit() or not token:
            return None
        user = db.session.scalar(user_by_id, {"id": int(user_id)})
        if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
            return None
        return user


class RowIdConverter(IntegerConverter):
    """<int:...> in a route: a number larger than any row id is not found (404), where it would
    overflow the database's integer (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    """One blueprint per area of the platform."""
    app.url_map.converters["int"] = RowIdConverter
    from .views import (admin, auth, author_courses, author_scenarios, badges, cohorts, exports, items, learn,
                        learning_records, lti, main, people, reports, scenarios)

    for module in (main, auth, people, learn, badges, scenarios, cohorts, author_courses, author_scenarios, items,
                   reports, exports, learning_records, admin, lti):
        app.register_blueprint(module.bp)


def register_errorhandlers(app: Flask) -> None:
    """Friendly pages (or JSON) for the errors people meet."""
    from .views.errors import register

    register(app)


def register_template_context(app: Flask) -> None:
    """Labels and helpers every template can use."""
    from flask_babel import get_locale
    from markupsafe import Markup

    from . import choices
    from .domain.markdown import rendered_markdown, scrolling_tables

    app.jinja_env.globals["get_locale"] = get_locale
    # Authored Markdown (rationales, feedback) is rendered and sanitised with nh3 here, once per
    # text: the result page shows dozens of rationales, the same for every officer.
    app.jinja_env.filters["markdown"] = lambda text: Markup(rendered_markdown(text or ""))
    app.jinja_env.filters["scrolling_tables"] = lambda html, label: Markup(scrolling_tables(str(html), label))

    @app.context_processor
    def inject_labels():
        return {
            "ROLE_LABELS": choices.ROLE_LABELS,
            "COUNTRY_LABELS": choices.COUNTRY_LABELS,
            "GENDER_LABELS": choices.GENDER_LABELS,
            "LANGUAGE_LABELS": choices.LANGUAGE_LABELS,
            "LINK_TYPE_LABELS": choices.LINK_TYPE_LABELS,
            "SOURCE_LABELS": choices.SOURCE_LABELS,
            "STATUS_LABELS": choices.STATUS_LABELS,
            "LINK_STRENGTH_LABELS": choices.LINK_STRENGTH_LABELS,
            "RATING_LABELS": choices.RATING_LABELS,
            "TASK_TYPE_LABELS": choices.TASK_TYPE_LABELS,
            "ENTITY_TYPE_LABELS": choices.ENTITY_TYPE_LABELS,
            "ATTRIBUTE_LABELS": choices.ATTRIBUTE_LABELS,
        }


def register_security_headers(app: Flask) -> None:
    """Headers that stop framing, sniffing and any script not served from static/."""
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        if request.endpoint != "static":
            # Pages and downloads carry personal data: no browser or proxy may keep a copy.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_jobs(app: Flask) -> None:
    """The background jobs' queue, with every module that defines jobs imported first."""
    from .services import lrs  # noqa: F401  (learning records to a partner's LRS)
    from .views import exports  # noqa: F401  (report workbooks and PDFs)

    jobs.init_app(app)


def register_commands(app: Flask) -> None:
    """Operations as `flask` commands."""
    from .cli import register

    register(app)


def register_read_api(app: Flask) -> None:
    """The dashboards' read API (/api/v1/, bearer tokens) and its tokens' admin pages."""
    from .views import api, api_tokens

    app.register_blueprint(api_tokens.bp)
    api.init_app(app)
