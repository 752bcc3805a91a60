"""Every shipped answer key grades the same situation the same way (docs/grading-rules.md)."""
import pytest

from trainer.config import PROJECT_ROOT
from trainer.domain.scenario import check_scenarios

SCENARIOS, PROBLEMS = check_scenarios(PROJECT_ROOT / "scenarios")

# (scenario, report, grade item) for every 4x4 grade key that ships.
GRADED = [(scenario, scenario.report(item.report_id), item)
          for scenario in SCENARIOS if scenario.grading_scheme == "unodc-4x4"
          for task in scenario.tasks if task.type == "grade"
          for item in task.key.items]

INTERCEPTS = [(s, r, i) for s, r, i in GRADED if r.source.type == "intercept_under_warrant"]

# An informant repeating what a suspect told them about the suspect's own acts: the YAML has
# no field for "whose words", so the cases are named here, with the grade the record on
# receipt gives (3 corroborated, 4 not).
SUSPECTS_WORDS_VIA_INFORMANT = {
    ("heroin-border-crossing", "R1"): "4",
    ("heroin-border-crossing-ru", "R1"): "4",
    ("mephedrone-online-network", "R6"): "3",
    ("courier-network-data", "R4"): "3",
}


def test_the_shipped_scenarios_load():
    assert PROBLEMS == []
    assert INTERCEPTS, "no shipped report comes from an intercept: the rule below would test nothing"


@pytest.mark.parametrize("scenario, report, item", INTERCEPTS,
                         ids=[f"{s.id}-{r.id}" for s, r, _ in INTERCEPTS])
def test_a_warranted_intercept_is_an_a_source_and_its_words_are_never_graded_1(scenario, report, item):
    # The recording proves the words were spoken, not that they are true (rule 2).
    assert item.source == "A"
    assert item.information in ("2", "3", "4")


def test_every_intercept_in_the_shipped_keys_is_graded_a2():
    # Today every intercept is used for what the speakers say about their own acts and plans.
    assert {(s.id, r.id): i.source + i.information for s, r, i in INTERCEPTS} == {
        ("heroin-border-crossing", "R5"): "A2",
        ("heroin-border-crossing-ru", "R5"): "A2",
        ("mephedrone-online-network", "R8"): "A2",
    }


@pytest.mark.parametrize("case, information", sorted(SUSPECTS_WORDS_VIA_INFORMANT.items()))
def test_a_suspects_own_words_repeated_by_an_informant_are_3_or_4_never_2(case, information):
    scenario_id, report_id = case
    found = [(r, i) for s, r, i in GRADED if (s.id, r.id) == case]
    assert len(found) == 1, case
    report, item = found[0]
    assert report.source.type == "informant"
    assert item.information == information
