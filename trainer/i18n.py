"""Languages and time zones: which ones a reader gets, and dates shown in them.

The interface languages are English plus every language with a compiled catalogue under
trainer/translations/, so adding a language needs no code change (docs/translating.md).
A person's choice is stored on their account; a visitor's in their session; otherwise the
browser's Accept-Language decides. Times are stored as UTC and shown in the reader's zone
(their own, else the platform's TRAINER_TIMEZONE); a cohort's sessions in the cohort's zone.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_location
from flask import Flask, current_app, flash, request, session
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import gettext as translate_text
from flask_login import current_user

from .domain.messages import Message, from_data

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"
# Zones offered first in forms: where this programme's officers and trainers work.
DATETIME_PATTERN = "d MMM y, HH:mm"  # 25 Nov 2026, 10:00 · 25 нояб. 2026, 10:00: no AM/PM, no seconds
REGIONAL_ZONES = ("Asia/Bishkek", "Asia/Dushanbe", "Asia/Tashkent", "Asia/Almaty", "Asia/Ashgabat",
                  "Asia/Baku", "Asia/Kabul", "Europe/Moscow", "Europe/Vienna", "UTC")


@lru_cache(maxsize=1)
def interface_languages() -> tuple[str, ...]:
    """English and each language whose catalogue is compiled."""
    found = sorted(path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.mo"))
    return (SOURCE_LANGUAGE, *[code for code in found if code != SOURCE_LANGUAGE])


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """A language's name in that language ("Русский"), as people look for their own.

    Kept per code: every page's language switch names each language, and parsing CLDR's locale
    data for it each time cost more than the rest of the switch."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def select_locale() -> str:
    """The account's language, else the one chosen in this session, else the browser's."""
    languages = interface_languages()
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def reader_language() -> str:
    """The language of this reader's interface ("ru"): which version of a course to show first."""
    locale = get_locale()
    return locale.language if locale else SOURCE_LANGUAGE


def select_timezone() -> str:
    """The account's zone, else the platform's."""
    if current_user and current_user.is_authenticated and is_zone(current_user.timezone):
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_zone(name: str | None) -> bool:
    """True for an IANA zone name this machine knows (Asia/Bishkek)."""
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every zone, the region's first."""
    rest = sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))
    return (*REGIONAL_ZONES, *[zone for zone in rest if zone not in REGIONAL_ZONES])


def zone_of(name: str | None) -> ZoneInfo:
    """A zone by name, the platform's when the name is empty or unknown."""
    return ZoneInfo(name if is_zone(name) else current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_utc(local: datetime, zone: str | None) -> datetime:
    """A wall-clock time typed in a zone (a form's naive value) as the UTC moment it means."""
    return local.replace(tzinfo=zone_of(zone)).astimezone(timezone.utc)


def as_local(moment: datetime, zone: str | None) -> datetime:
    """A stored moment as the wall-clock time in a zone."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone_of(zone))


# --- template filters ---------------------------------------------------------------------

def when(moment: datetime | None, zone: str | None = None, with_zone: bool = False) -> str:
    """A moment as a date and time in the reader's language and zone (or `zone`)."""
    if moment is None:
        return "—"
    tz = zone_of(zone) if zone else get_timezone()
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    try:
        text = format_datetime(moment, DATETIME_PATTERN, tzinfo=tz, locale=get_locale())
    except OverflowError:  # a moment at the calendar's end (a slip stored as year 9999) shown as stored
        tz = zone_of("UTC")
        text = format_datetime(moment, DATETIME_PATTERN, tzinfo=tz, locale=get_locale())
    if with_zone:
        text += f" ({zone_label(tz, moment)})"
    return text


def day(value: date | datetime | None) -> str:
    """A date in the reader's language (25 Nov 2026, 25 нояб. 2026 г.)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(get_timezone()).date() if value.tzinfo else value.date()
    return format_date(value, "medium", locale=get_locale())


def clock(moment: datetime | None) -> str:
    """Only the time of day, in the reader's zone."""
    if moment is None:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return format_datetime(moment, "HH:mm:ss", tzinfo=get_timezone(), locale=get_locale())


def utc_midnight_here() -> str | None:
    """Today's midnight UTC on the reader's clock (HH:mm), None when their zone keeps UTC's time:
    the reports' periods are whole days in UTC, as the activity is stored."""
    midnight = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if not midnight.astimezone(get_timezone()).utcoffset():
        return None
    return format_datetime(midnight, "HH:mm", tzinfo=get_timezone(), locale=get_locale())


def zone_label(zone, moment: datetime | None = None) -> str:
    """A zone as people recognise it: its city in the reader's language and its UTC offset."""
    moment = moment or datetime.now(timezone.utc)
    offset = format_datetime(moment, "ZZZZ", tzinfo=zone, locale=get_locale())
    if (getattr(zone, "key", None) or str(zone)) == "UTC":
        return "UTC"
    city = get_timezone_location(zone, locale=get_locale(), return_city=True)
    return f"{city}, {offset}"


# --- messages made in the domain -----------------------------------------------------------

def translate(value):
    """A domain Message (or its stored form) in the reader's language; other values as they are."""
    value = from_data(value) if isinstance(value, dict) else value
    if isinstance(value, Message):
        text = translate_text(value.text)
        if not value.params:
            return text
        try:
            return text % {name: translate(param) for name, param in value.params.items()}
        except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder
            return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(translate(item)) for item in value)
    return value


# --- choosing a language --------------------------------------------------------------------

def apply_language_argument() -> None:
    """`?lang=ru` on any page switches the language; an unknown code is named, not a 500."""
    code = request.args.get("lang")
    if code is None or request.method != "GET":
        return
    choose_language(code.strip().lower())


def choose_language(code: str) -> bool:
    """Store a language choice for this visitor (and their account); False when unknown."""
    languages = interface_languages()
    if code not in languages:
        flash(_("There is no “%(code)s” language here; the page is shown in %(language)s. Available: %(all)s.",
                code=code[:20], language=language_name(select_locale()),
                all=", ".join(language_name(c) for c in languages)), "error")
        return False
    session["language"] = code
    if current_user and current_user.is_authenticated and current_user.language != code:
        from .extensions import db

        current_user.language = code
        db.session.commit()
    from flask_babel import refresh

    refresh()
    return True


def register_i18n(app: Flask) -> None:
    """Filters and globals for templates, and the `?lang=` switch."""
    app.before_request(apply_language_argument)
    app.jinja_env.filters.update(when=when, day=day, clock=clock, t=translate)
    app.jinja_env.globals.update(interface_languages=interface_languages, language_name=language_name,
                                 utc_midnight_here=utc_midnight_here)
