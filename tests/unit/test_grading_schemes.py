"""Grading schemes: codes, labels, apart codes and partial credit (DOMAIN.md section 1)."""

import pytest

from trainer.domain.grading import DEFAULT_SCHEME, GRADING_SCHEMES, Code


def scheme(scheme_id):
    return GRADING_SCHEMES[scheme_id]


def test_registry_holds_the_four_schemes_and_defaults_to_4x4():
    assert set(GRADING_SCHEMES) == {"unodc-4x4", "admiralty-6x6", "uk-5x5x5", "uk-3x5x2"}
    assert DEFAULT_SCHEME == "unodc-4x4"
    assert all(s.id == key for key, s in GRADING_SCHEMES.items())


@pytest.mark.parametrize("scheme_id, source, information, handling", [
    ("unodc-4x4", "ABCX", "1234", ("H0", "H1", "H2", "H3")),
    ("admiralty-6x6", "ABCDEF", "123456", ()),
    ("uk-5x5x5", "ABCDE", "12345", ("1", "2", "3", "4", "5")),
    ("uk-3x5x2", "123", "ABCDE", ("P", "C")),
])
def test_codes_in_published_order(scheme_id, source, information, handling):
    s = scheme(scheme_id)
    assert s.source.values == tuple(source)
    assert s.information.values == tuple(information)
    assert s.handling.values == handling


@pytest.mark.parametrize("scheme_id, source_apart, information_apart", [
    ("unodc-4x4", {"X"}, set()),
    ("admiralty-6x6", {"F"}, {"6"}),
    ("uk-5x5x5", {"E"}, {"4"}),
    ("uk-3x5x2", {"2"}, {"D"}),
])
def test_apart_codes_as_domain(scheme_id, source_apart, information_apart):
    s = scheme(scheme_id)
    assert s.source.apart == source_apart
    assert s.information.apart == information_apart


@pytest.mark.parametrize("scheme_id, axis, code, label", [
    ("unodc-4x4", "source", "A", "No doubt about authenticity, trustworthiness and competence; reliable in all instances"),
    ("unodc-4x4", "source", "X", "Reliability cannot be judged"),
    ("unodc-4x4", "information", "3", "Not known personally to the source, but corroborated by information already recorded"),
    ("unodc-4x4", "handling", "H1", "Not to be disclosed in judicial proceedings without the provider's permission"),
    ("admiralty-6x6", "source", "D", "Not usually reliable"),
    ("admiralty-6x6", "information", "6", "Truth cannot be judged"),
    ("uk-5x5x5", "source", "E", "Untested"),
    ("uk-5x5x5", "information", "5", "Suspected to be false or malicious"),
    ("uk-5x5x5", "handling", "5", "No further dissemination, refer to originator"),
    ("uk-3x5x2", "source", "2", "Untested"),
    ("uk-3x5x2", "information", "D", "Not known"),
    ("uk-3x5x2", "handling", "C", "Lawful sharing permitted with conditions"),
])
def test_labels_match_domain(scheme_id, axis, code, label):
    assert getattr(scheme(scheme_id), axis).label(code) == label


def test_codes_are_unique_and_upper_case_so_answers_can_ignore_case():
    for s in GRADING_SCHEMES.values():
        for scale in (s.source, s.information, s.handling):
            assert len(set(scale.values)) == len(scale.values)
            assert all(code == code.upper() for code in scale.values)
            assert scale.apart <= set(scale.values)


@pytest.mark.parametrize("scheme_id, axis, given, expected, credit", [
    ("unodc-4x4", "source", "B", "B", 1.0),
    ("unodc-4x4", "source", "A", "B", 0.5),      # one step
    ("unodc-4x4", "source", "A", "C", 0.0),      # two steps
    ("unodc-4x4", "source", "C", "X", 0.0),      # X stands apart: exact only
    ("unodc-4x4", "source", "X", "X", 1.0),
    ("unodc-4x4", "information", "4", "3", 0.5),
    ("admiralty-6x6", "source", "E", "F", 0.0),
    ("admiralty-6x6", "information", "5", "6", 0.0),
    ("admiralty-6x6", "information", "6", "6", 1.0),
    ("uk-5x5x5", "source", "D", "E", 0.0),
    ("uk-5x5x5", "information", "3", "4", 0.0),
    ("uk-5x5x5", "information", "3", "5", 0.0),  # 4 still counts as a position: two steps
    ("uk-5x5x5", "information", "2", "3", 0.5),
    ("uk-3x5x2", "source", "1", "3", 0.0),       # reliable vs not reliable is never half right
    ("uk-3x5x2", "source", "2", "2", 1.0),
    ("uk-3x5x2", "information", "C", "E", 0.0),
    ("uk-3x5x2", "information", "A", "B", 0.5),
    ("uk-3x5x2", "information", "Z", "A", 0.0),  # not a code
])
def test_credit(scheme_id, axis, given, expected, credit):
    assert getattr(scheme(scheme_id), axis).credit(given, expected) == credit


def test_admiralty_takes_declared_handling_codes():
    admiralty = scheme("admiralty-6x6")
    declared = admiralty.with_handling((Code("R", "Releasable"), Code("N", "Not releasable")))
    assert declared.handling.values == ("R", "N")
    assert declared.source == admiralty.source
    assert admiralty.handling.values == ()  # the registered scheme is untouched
