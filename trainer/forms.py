"""Web forms. Every POST form carries a CSRF token through Flask-WTF."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, DateField, DateTimeLocalField, EmailField, IntegerField, PasswordField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional, ValidationError

from . import choices
from .domain.numbers import FIRST_YEAR, LAST_YEAR, usable_day
from .domain.web import web_link


class EmptyForm(FlaskForm):
    """A bare button (log out, deactivate) still needs its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class CertificateRevokeForm(FlaskForm):
    """An administrator withdraws a certificate; the reason is published with the revocation."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Revoke the certificate"))


class LoginForm(FlaskForm):
    # Named "email" as before (scripts and password managers fill it); a username works too.
    email = StringField(_l("Email or username"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    submit = SubmitField(_l("Log in"))


def language_choices() -> list[tuple[str, str]]:
    """Every interface language, named in itself."""
    from .i18n import interface_languages, language_name

    return [(code, language_name(code)) for code in interface_languages()]


def zone_choices() -> list[tuple[str, str]]:
    """The region's time zones, led by "the platform's" (an empty value)."""
    from flask import current_app

    from .i18n import REGIONAL_ZONES, zone_label, zone_of

    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    zones = REGIONAL_ZONES if default in REGIONAL_ZONES else (default, *REGIONAL_ZONES)
    # Named by city in the reader's language with the offset ("Ташкент, GMT+05:00"), not "Asia/Tashkent".
    return ([("", _l("The platform's (%(zone)s)", zone=zone_label(zone_of(default))))]
            + [(zone, zone_label(zone_of(zone))) for zone in zones])


class ZoneField(SelectField):
    """A time zone; empty (or absent from the form) means the platform's."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            self.data = ""
            return
        super().pre_validate(form)


class LanguageAndZoneMixin:
    """Choices read when the form is made: catalogues and zones may differ per installation."""

    def fill_choices(self):
        self.language.choices = language_choices()
        self.timezone.choices = zone_choices()


class ProfileForm(LanguageAndZoneMixin, FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"))
    timezone = ZoneField(_l("Time zone"), description=_l("Dates and times are shown in this zone."))
    submit = SubmitField(_l("Save profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices()


class PasswordPolicy:
    """The platform's password rule (length from PASSWORD_MIN_LENGTH, not easy to guess)."""

    def __call__(self, form, field):
        from flask import current_app
        from flask_login import current_user

        from .domain.passwords import TOO_SHORT, password_problems

        if not field.data:
            return
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        personal = [getattr(form, name).data or "" for name in ("email", "username", "full_name") if hasattr(form, name)]
        if current_user and current_user.is_authenticated and not hasattr(form, "email"):
            personal += [current_user.email or "", current_user.username or "", current_user.full_name]
        problems = password_problems(field.data, minimum, tuple(personal))
        if TOO_SHORT in problems:
            raise ValidationError(ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.",
                                           minimum))
        if problems:
            raise ValidationError(_l("This password is too easy to guess: avoid common passwords, names, dates, "
                                     "keyboard patterns and your own details. A few unrelated words work well."))


class UsernameRule:
    """A username as the platform keeps them (trainer.domain.people.normalise_username)."""

    def __call__(self, form, field):
        from .domain.people import normalise_username
        from .i18n import translate

        if not field.data:
            return
        try:
            normalise_username(field.data)
        except ValueError as error:
            raise ValidationError(translate(error.args[0])) from error


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), PasswordPolicy()]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class UserForm(LanguageAndZoneMixin, FlaskForm):
    """An administrator's view of an account."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices()

    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    username = StringField(_l("Username"), validators=[Optional(), UsernameRule()],
                           description=_l("For officers without an email address, who log in with it: letters, "
                                          "digits, dots, hyphens and underscores, no @. An account needs an email, "
                                          "a username or both."))
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=choices.as_choices(choices.ROLE_LABELS))
    agency_id = SelectField(_l("Agency"), coerce=int, validate_choice=True)
    country = SelectField(
        _l("Country"), choices=choices.as_choices(choices.COUNTRY_LABELS, blank="—")
    )
    rank = StringField(_l("Rank or position"), validators=[Optional(), Length(max=120)])
    gender = SelectField(
        _l("Gender"), choices=choices.as_choices(choices.GENDER_LABELS, blank=_l("Not recorded"))
    )
    language = SelectField(_l("Language"))
    timezone = ZoneField(_l("Time zone"))
    active = BooleanField(_l("Active (may log in)"), default=True)
    password = PasswordField(
        _l("Password"),
        description=_l("Leave empty to keep the current password, or to generate one for a new account."),
        validators=[Optional(), PasswordPolicy()],
    )
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.email.data or "").strip() and not (self.username.data or "").strip():
            self.email.errors = [*self.email.errors, _l("Give an email address, a username or both.")]
            return False
        return valid


class AgencyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    country = SelectField(_l("Country"), choices=choices.as_choices(choices.COUNTRY_LABELS))
    submit = SubmitField(_l("Save"))


class UserImportForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt", "xlsx"], _l("Upload a .csv or .xlsx file."))],
    )
    submit = SubmitField(_l("Check and import"))


# Why an uploaded table could not be read at all, by the code of trainer.domain.tabular.UnreadableFile.
UNREADABLE_UPLOAD = {
    "encoding": _l("The file is not text in UTF-8 or Windows-1251 (nor an Excel workbook). Save it from "
                   "your spreadsheet as “CSV UTF-8” or as an Excel workbook (.xlsx) and upload again."),
    "xls": _l("This is an old Excel 97-2003 workbook (.xls). Save it as an Excel workbook (.xlsx) or as "
              "“CSV UTF-8” and upload again."),
    "xlsx": _l("The Excel workbook cannot be opened: the file is damaged or is not really a .xlsx file. "
               "Open it in your spreadsheet, save it again as .xlsx (or as “CSV UTF-8”) and upload again."),
    "xlsx_too_large": _l("The Excel workbook unpacks to more than 64 MB. Keep only the sheet of people and upload again."),
    "empty": _l("The file is empty: the first line should name the columns, then one person per line."),
}


def usable_date(form, field) -> None:
    """A day (or moment) in the years the platform records: year 1 or 9999 is a typing slip, and
    would overflow a time zone when the session is turned into UTC or put in a calendar."""
    if field.data and not usable_day(field.data):
        raise ValidationError(_("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("e.g. Bishkek webinar, 25–26 November, MIA and State Border Guards"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    start_date = DateField(_l("First day"), validators=[Optional(), usable_date])
    end_date = DateField(_l("Last day"), validators=[Optional(), usable_date])
    timezone = ZoneField(_l("Time zone"), description=_l("Session times are typed and shown in this zone."))
    attendance_required_percent = IntegerField(
        _l("Attendance needed to complete (%)"), validators=[Optional(), NumberRange(0, 100)],
        description=_l("Leave empty if attendance does not count. Excused absences that were caught up count as attended."))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices()

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day is before the first day."))


def web_address(form, field) -> None:
    """A link officers will open: a full http(s) address, never javascript: or a bare word."""
    if field.data and web_link(field.data) is None:
        raise ValidationError(_("Give a full web address starting with https:// (or http://)."))


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(), usable_date],
                                   description=_l("Local time of the cohort's time zone."))
    minutes = IntegerField(_l("Length (minutes)"), default=90, validators=[DataRequired(), NumberRange(5, 600)])
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=300)])
    place = StringField(_l("Room or webinar link"), validators=[Optional(), Length(max=500)])
    recording_url = StringField(_l("Recording (link), for catch-up"), validators=[Optional(), Length(max=500), web_address])
    submit = SubmitField(_l("Save session"))
