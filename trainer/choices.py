"""Translated labels for the codes in `domain.people`, for forms and pages."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from .domain import scoring
from .domain.scenario import datasets as scenario_datasets
from .domain.scenario import model as scenario_model


def _lazy(texts: dict[str, str]) -> dict:
    """Lazily translated labels for a domain table of English texts marked with N_."""
    return {code: _l(text) for code, text in texts.items()}


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
# Course topics (the `topic:` of course.yml); a topic not listed here is shown as written.
TOPIC_LABELS = {
    "intelligence-led-policing": _l("Intelligence-led policing"),
    "source-evaluation": _l("Source evaluation"),
    "crime-analysis": _l("Crime analysis"),
    "intelligence-exchange": _l("Intelligence exchange"),
    "criminal-procedure": _l("Criminal procedure"),
    "human-rights": _l("Human rights"),
    "investigative-interviewing": _l("Investigative interviewing"),
    "community-policing": _l("Community policing"),
    "general": _l("General"),
}
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


def topic_label(topic: str) -> str:
    """A course topic in the reader's language ("source-evaluation" -> "Оценка источников и информации")."""
    return TOPIC_LABELS.get(topic) or topic.replace("-", " ").capitalize()


def as_choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from a label dict, optionally led by a blank entry."""
    choices = [SelectChoice(code, label) for code, label in labels.items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + choices

# Scenario codes: the English lives in the domain (marked N_, so extracted there) and is
# translated lazily here, so pages and the domain's feedback use the same words.
LINK_TYPE_LABELS = _lazy(scoring.LINK_TYPE_LABELS)
LINK_STRENGTH_LABELS = _lazy(scoring.LINK_STRENGTH_LABELS)
RATING_LABELS = _lazy(scoring.RATING_LABELS)
TASK_TYPE_LABELS = _lazy(scoring.TASK_TYPE_LABELS)
ENTITY_TYPE_LABELS = _lazy(scenario_model.ENTITY_TYPE_LABELS)
ATTRIBUTE_LABELS = _lazy(scenario_model.ATTRIBUTE_LABELS)
COLUMN_TYPE_LABELS = _lazy(scenario_datasets.COLUMN_TYPES)
SOURCE_LABELS = {
    "informant": _l("Informant"), "partner_agency": _l("Partner agency"), "surveillance": _l("Surveillance"),
    "open_source": _l("Open source"), "citizen": _l("Citizen"),
    "intercept_under_warrant": _l("Intercept under warrant"), "financial_record": _l("Financial record"),
    "police_record": _l("Police record"), "border_record": _l("Border record"),
    "undercover_officer": _l("Undercover officer"), "forensic": _l("Forensic"), "anonymous": _l("Anonymous"),
}
STATUS_LABELS = {
    "in_progress": _l("in progress"), "awaiting_review": _l("awaiting review"),
    "passed": _l("passed"), "failed": _l("not passed"),
}
