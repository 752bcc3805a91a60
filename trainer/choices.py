"""Translated labels for the codes in `domain.people`, for forms and pages."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

ROLE_LABELS = {
    "trainee": _l("Trainee officer"),
    "trainer": _l("Trainer"),
    "manager": _l("Programme manager"),
    "admin": _l("Administrator"),
}
GENDER_LABELS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "prefer_not_to_say": _l("Prefer not to say"),
}
LANGUAGE_LABELS = {"en": "English", "ru": "Русский"}
COUNTRY_LABELS = {
    "KG": _l("Kyrgyzstan"),
    "TJ": _l("Tajikistan"),
    "UZ": _l("Uzbekistan"),
    "KZ": _l("Kazakhstan"),
    "TM": _l("Turkmenistan"),
    "AZ": _l("Azerbaijan"),
    "RU": _l("Russian Federation"),
    "AF": _l("Afghanistan"),
}


def as_choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from a label dict, optionally led by a blank entry."""
    choices = [SelectChoice(code, label) for code, label in labels.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices
