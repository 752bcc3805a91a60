"""Web forms. Every POST form carries a CSRF token through Flask-WTF."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from . import choices


class EmptyForm(FlaskForm):
    """A bare button (log out, deactivate) still needs its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    submit = SubmitField(_l("Log in"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=choices.as_choices(choices.LANGUAGE_LABELS))
    submit = SubmitField(_l("Save profile"))


class MinLengthFromConfig:
    """Password length rule read from PASSWORD_MIN_LENGTH at validation time."""

    def __call__(self, form, field):
        from flask import current_app

        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if field.data and len(field.data) < minimum:
            raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), MinLengthFromConfig()]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class UserForm(FlaskForm):
    """An administrator's view of an account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
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
    language = SelectField(_l("Language"), choices=choices.as_choices(choices.LANGUAGE_LABELS))
    active = BooleanField(_l("Active (may log in)"), default=True)
    password = PasswordField(
        _l("Password"),
        description=_l("Leave empty to keep the current password, or to generate one for a new account."),
        validators=[Optional(), MinLengthFromConfig()],
    )
    submit = SubmitField(_l("Save"))


class AgencyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    country = SelectField(_l("Country"), choices=choices.as_choices(choices.COUNTRY_LABELS))
    submit = SubmitField(_l("Save"))


class UserImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))],
    )
    submit = SubmitField(_l("Check and import"))
