"""The Russian scenarios: the English case, answer key and scoring, in Russian."""
import dataclasses
import re

import pytest

from trainer.config import PROJECT_ROOT
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import check_scenarios
from trainer.domain.works import scenario_differences, structure

SCENARIOS, PROBLEMS = check_scenarios(PROJECT_ROOT / "scenarios")
BY_ID = {s.id: s for s in SCENARIOS}
EN, RU = BY_ID.get("heroin-border-crossing"), BY_ID.get("heroin-border-crossing-ru")
# Every Russian version, with its original: the checks of its case, key and language apply to each.
PAIRS = [(BY_ID.get(original), BY_ID.get(f"{original}-ru"))
         for original in ("heroin-border-crossing", "courier-network-data")]
BOTH = pytest.mark.parametrize("EN,RU", PAIRS, ids=lambda s: s.id if s else "missing")

# Text a trainee reads, as opposed to ids, codes, weights and key values.
PROSE = {"title", "text", "rationale", "explanation", "question", "criterion", "guidance",
         "prompt", "instructions", "time"}
# Latin words a Russian officer's case may hold: brands, the app, codes and references.
LATIN_ALLOWED = {"Shacman", "X3000", "Toyota", "Camry", "Telegram", "SIM", "CMR", "SRC", "FIU",
                 "INT", "SBS", "SURV", "x4"}  # x4: "4x4"


def all_prose(scenario):
    """Every rendered text of the case, reports, tasks and key."""
    texts = [scenario.title, scenario.summary, scenario.brief, scenario.tasking]
    for report in scenario.reports:
        texts += [report.title, report.text, report.source.description, report.source.track_record]
    for entity in scenario.entities:
        texts += [value for name, value in entity.attributes
                  if name not in ("gender", "nationality", "country")]  # codes, not prose

    def walk(value):
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                item = getattr(value, f.name)
                if f.name in PROSE and isinstance(item, str):
                    texts.append(item)
                else:
                    walk(item)
        elif isinstance(value, (tuple, list)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(scenario.tasks)
    return [scenario.render(text) for text in texts]


@BOTH
def test_the_russian_version_ships_as_a_translation(EN, RU):
    assert PROBLEMS == []
    assert RU is not None and EN is not None
    assert (RU.language, RU.translation_of, EN.language, EN.translation_of) == ("ru", EN.id, "en", None)


@BOTH
def test_same_case_same_key_same_scoring_as_the_english(EN, RU):
    assert [(e.id, e.type, [k for k, _ in e.attributes]) for e in RU.entities] == \
           [(e.id, e.type, [k for k, _ in e.attributes]) for e in EN.entities]
    assert [(r.id, r.received, r.release, r.source.type, r.source.ref) for r in RU.reports] == \
           [(r.id, r.received, r.release, r.source.type, r.source.ref) for r in EN.reports]
    # Entity, report and task ids and the answer key: the check `flask content check` runs.
    assert scenario_differences(RU, EN) == []
    # Keys are compared above (a query's filters on text columns use the version's own words).
    assert structure([(t.id, t.type, t.weight, t.content) for t in RU.tasks]) == \
           structure([(t.id, t.type, t.weight, t.content) for t in EN.tasks])
    same = ("version", "estimated_minutes", "pass_mark", "min_safeguards", "grading_scheme",
            "template", "seed")
    assert [getattr(RU, f) for f in same] == [getattr(EN, f) for f in same]


@BOTH
def test_adds_no_article_number_or_year_the_english_does_not_have(EN, RU):
    en, ru = "\n".join(all_prose(EN)), "\n".join(all_prose(RU))
    articles = lambda text, word, conj: {n for m in re.finditer(rf"{word} (\d+)(?: {conj} (\d+))?", text)
                                         for n in m.groups() if n}
    assert articles(ru, r"ст\.", "и") == articles(en, r"art\.", "and")
    years = lambda text: set(re.findall(r"\b(?:19|20)\d\d\b", text))
    assert years(ru) == years(en)


@pytest.mark.parametrize("EN,RU,seed", [(*PAIRS[0], seed) for seed in (RU.seed if RU else 0, 1, 2, 3, 17, 404)]
                         + [(*PAIRS[1], seed) for seed in (PAIRS[1][1].seed if PAIRS[1][1] else 0, 5)])
def test_each_variant_reads_in_russian_with_cyrillic_people_and_firms(EN, RU, seed):
    variant = generate_variant(RU, seed)
    assert variant == generate_variant(RU, seed)
    for entity in variant.entities:
        if entity.type in ("person", "organisation", "location"):
            assert not re.search(r"[A-Za-z]", entity.display), (entity.id, entity.display)
    prose = all_prose(variant)
    assert not any("{{" in text or "{faker" in text for text in prose)
    plates_and_codes = {entity.display for entity in variant.entities if entity.type == "vehicle"}
    shown = [re.sub(r"!!! \w+", "", text) for text in prose]  # an admonition's kind is markup, not text
    latin = {word for text in shown for word in re.findall(r"[A-Za-z][A-Za-z0-9]*", text)}
    latin -= {w for plate in plates_and_codes for w in plate.split()}
    codes = {w for w in latin if re.fullmatch(r"(?:[ABCX][1-4]?|H[0-3]|[RDECHPQ]V?\d+|EV\d|ACH)", w)}
    assert latin - codes - LATIN_ALLOWED == set()


def test_a_woman_in_the_russian_case_has_a_feminine_surname():
    for seed in range(40):
        p3 = generate_variant(RU, seed).entity("P3").display  # a Kyrgyz woman, sister of P2
        assert p3.endswith(("ова", "ева", "ина", " кызы")), p3
