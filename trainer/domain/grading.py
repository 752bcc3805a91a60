"""Source and information grading schemes, registered by the id stored in scenario files.

Labels follow /work/shared/DOMAIN.md. Grades are never converted between schemes: each
scenario names one scheme and every code in it is checked against that scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from trainer.domain.messages import N_, Message


@dataclass(frozen=True)
class Code:
    """One code of a scale and its meaning."""

    code: str
    label: str


@dataclass(frozen=True)
class Scale:
    """An axis of a scheme: codes in their published order, some standing apart."""

    name: str  # as it reads inside a sentence ("source reliability"): a Message, translated where shown
    codes: tuple[Code, ...]
    # Codes meaning "cannot be judged", "untested" or "not known": no partial credit.
    apart: frozenset[str] = field(default_factory=frozenset)

    def __contains__(self, code: object) -> bool:
        return any(c.code == code for c in self.codes)

    @cached_property
    def values(self) -> tuple[str, ...]:
        """The codes as strings, in published order."""
        return tuple(c.code for c in self.codes)

    @cached_property
    def by_upper(self) -> dict[str, str]:
        """Upper-cased code -> code, to read answers whatever their case."""
        return {c.code.upper(): c.code for c in self.codes}

    def label(self, code: str) -> str | None:
        """The meaning of a code, or None when the scale has no such code."""
        return next((c.label for c in self.codes if c.code == code), None)

    def steps(self, a: str, b: str) -> int | None:
        """Distance between two codes on the published order; None if either is apart or unknown."""
        values = self.values
        if a in self.apart or b in self.apart or a not in values or b not in values:
            return None
        return abs(values.index(a) - values.index(b))

    def credit(self, given: str, expected: str) -> float:
        """1 for an exact match, 0.5 one step away on the ordered scale, else 0."""
        if given == expected:
            return 1.0
        return 0.5 if self.steps(given, expected) == 1 else 0.0


@dataclass(frozen=True)
class GradingScheme:
    """A grading system: source scale, information scale and handling codes."""

    id: str
    name: str
    source: Scale
    information: Scale
    handling: Scale

    def with_handling(self, codes: tuple[Code, ...]) -> GradingScheme:
        """This scheme with handling codes a scenario declared (for schemes that have none)."""
        return GradingScheme(self.id, self.name, self.source, self.information,
                             Scale(Message(N_("handling code")), codes))


def _scale(name: str, pairs: list[tuple[str, str]], apart: str = "") -> Scale:
    # Names and meanings are Messages: English as text, translated where they are shown.
    return Scale(Message(name), tuple(Code(c, Message(label)) for c, label in pairs), frozenset(apart.split()))


UNODC_4X4 = GradingScheme(
    id="unodc-4x4",
    name="UNODC / Europol 4x4",
    source=_scale(N_("source reliability"), [
        ("A", N_("No doubt about authenticity, trustworthiness and competence; reliable in all instances")),
        ("B", N_("Has in most instances proved reliable")),
        ("C", N_("Has in most instances proved unreliable")),
        ("X", N_("Reliability cannot be judged")),
    ], apart="X"),
    information=_scale(N_("information"), [
        ("1", N_("Accuracy not in doubt")),
        ("2", N_("Known personally to the source but not to the officer passing it on")),
        ("3", N_("Not known personally to the source, but corroborated by information already recorded")),
        ("4", N_("Not known personally to the source and cannot be corroborated")),
    ]),
    handling=_scale(N_("handling code (Europol)"), [
        ("H0", N_("Use only to prevent and combat crime")),
        ("H1", N_("Not to be disclosed in judicial proceedings without the provider's permission")),
        ("H2", N_("Not to be passed on without the provider's permission")),
        ("H3", N_("Other restrictions")),
    ]),
)

# AJP-2.1 has no handling codes (dissemination is set by classification and release
# markings); a scenario using it declares its own, see docs/scenario-format.md.
ADMIRALTY_6X6 = GradingScheme(
    id="admiralty-6x6",
    name="NATO / Admiralty code (AJP-2.1)",
    source=_scale(N_("source reliability"), [
        ("A", N_("Completely reliable")),
        ("B", N_("Usually reliable")),
        ("C", N_("Fairly reliable")),
        ("D", N_("Not usually reliable")),
        ("E", N_("Unreliable")),
        ("F", N_("Reliability cannot be judged")),
    ], apart="F"),
    information=_scale(N_("information credibility"), [
        ("1", N_("Confirmed by other sources")),
        ("2", N_("Probably true")),
        ("3", N_("Possibly true")),
        ("4", N_("Doubtful")),
        ("5", N_("Improbable")),
        ("6", N_("Truth cannot be judged")),
    ], apart="6"),
    handling=Scale(Message(N_("handling code")), ()),
)

UK_5X5X5 = GradingScheme(
    id="uk-5x5x5",
    name="UK 5x5x5 (historic National Intelligence Model)",
    source=_scale(N_("source evaluation"), [
        ("A", N_("Always reliable")),
        ("B", N_("Mostly reliable")),
        ("C", N_("Sometimes reliable")),
        ("D", N_("Unreliable")),
        ("E", N_("Untested")),
    ], apart="E"),
    information=_scale(N_("intelligence evaluation"), [
        ("1", N_("Known to be true without reservation")),
        ("2", N_("Known personally to source but not to officer")),
        ("3", N_("Not personally known to source but corroborated")),
        ("4", N_("Cannot be judged")),
        ("5", N_("Suspected to be false or malicious")),
    ], apart="4"),
    # Codes 1 and 5 as DOMAIN.md; 2-4 in the usual NIM wording, not yet in DOMAIN.md [M].
    handling=_scale(N_("handling code"), [
        ("1", N_("Wide law-enforcement sharing")),
        ("2", N_("May be disseminated to non-prosecuting parties")),
        ("3", N_("May be disseminated to foreign law-enforcement agencies, with conditions")),
        ("4", N_("May be disseminated within the originating agency only")),
        ("5", N_("No further dissemination, refer to originator")),
    ]),
)

UK_3X5X2 = GradingScheme(
    id="uk-3x5x2",
    name="UK 3x5x2 (College of Policing APP)",
    source=_scale(N_("source evaluation"), [
        ("1", N_("Reliable")),
        ("2", N_("Untested")),
        ("3", N_("Not reliable")),
    ], apart="2"),
    information=_scale(N_("intelligence assessment"), [
        ("A", N_("Known directly to the source")),
        ("B", N_("Known indirectly but corroborated")),
        ("C", N_("Known indirectly")),
        ("D", N_("Not known")),
        ("E", N_("Suspected to be false or malicious")),
    ], apart="D"),
    handling=_scale(N_("handling code"), [
        ("P", N_("Lawful sharing permitted")),
        ("C", N_("Lawful sharing permitted with conditions")),
    ]),
)

GRADING_SCHEMES: dict[str, GradingScheme] = {
    s.id: s for s in (UNODC_4X4, ADMIRALTY_6X6, UK_5X5X5, UK_3X5X2)
}
DEFAULT_SCHEME = UNODC_4X4.id
