"""Russian-language variants: Cyrillic names, firms and places; English output unchanged."""

import re
from pathlib import Path

import pytest

from trainer.domain import faker_cyrillic as cyr
from trainer.domain.faker_region import (
    BORDER_CROSSINGS, CITIES, COUNTRIES, FIRST_NAMES, STREETS, SURNAMES, make_faker,
)
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[2]
LATIN = re.compile(r"[A-Za-z]")
CYRILLIC_NAME = re.compile(r"^[А-ЯЁ][а-яё]+(?:[ -][А-ЯЁа-яё][а-яё]+)*$")
GENDERS = ("male", "female")


@pytest.fixture()
def ru():
    return make_faker("ru")


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("gender", GENDERS)
def test_russian_names_are_cyrillic_with_no_latin_letter(ru, country, gender):
    for seed in range(150):
        ru.seed_instance(seed)
        name = ru.region_person(country, gender)
        assert CYRILLIC_NAME.match(name), name
        assert not LATIN.search(ru.region_patronymic(country, gender))


@pytest.mark.parametrize("country", COUNTRIES)
def test_russian_companies_and_places_are_cyrillic_in_the_countrys_legal_form(ru, country):
    forms = {"kg": ("ОсОО", "ОАО"), "tj": ("ООО", "ОАО"), "uz": ("ООО", "АО"),
             "kz": ("ТОО", "АО"), "ru": ("ООО", "АО")}[country]
    seen_forms = set()
    for seed in range(100):
        ru.seed_instance(seed)
        company = ru.region_company(country)
        form, _, name = company.partition(" ")
        seen_forms.add(form)
        assert name.startswith("«") and name.endswith("»"), company
        for value in (company, ru.region_city(country), ru.border_crossing(country),
                      ru.region_address(country)):
            assert not LATIN.search(value), value
    assert seen_forms == set(forms)  # the usual form and the joint-stock one both occur


def test_russian_plates_use_cyrillic_letters_where_the_country_does(ru):
    ru.seed_instance(5)
    assert re.match(r"^[АВЕКМНОРСТУХ]\d{3}[АВЕКМНОРСТУХ]{2} \d{2,3}$", ru.region_plate("ru"))
    ru.seed_instance(5)
    assert re.match(r"^0\d \d{3} [A-Z]{3}$", ru.region_plate("kg"))  # Kyrgyz plates are Latin


@pytest.mark.parametrize("masculine, feminine", [
    ("Иванов", "Иванова"), ("Садыков", "Садыкова"), ("Рахмонов", "Рахмонова"),
    ("Абдылдаев", "Абдылдаева"), ("Семёнов", "Семёнова"), ("Ковалевский", "Ковалевская"),
    ("Каримзода", "Каримзода"), ("Коваленко", "Коваленко"), ("Черных", "Черных"),
])
def test_feminine_cyrillic_surnames(masculine, feminine):
    assert cyr.feminine_surname(masculine) == feminine


@pytest.mark.parametrize("country", COUNTRIES)
def test_a_womans_surname_agrees_with_the_mans_drawn_from_the_same_seed(ru, country):
    for seed in range(200):
        ru.seed_instance(seed)
        man = ru.region_last_name(country, "male")
        ru.seed_instance(seed)
        woman = ru.region_last_name(country, "female")
        if man.endswith("уулу"):
            assert woman == man[:-4] + "кызы"
        elif man.endswith("улы"):
            assert woman == man[:-3] + "кызы"
        else:
            assert woman == cyr.feminine_surname(man)
            assert woman == man or woman.endswith(("ова", "ева", "ёва", "ская")), woman
            assert man.endswith(("зода", "енко", "ых")) or woman != man


def test_tajik_zoda_surnames_stay_the_same_for_women(ru):
    women = set()
    for seed in range(300):
        ru.seed_instance(seed)
        women.add(ru.region_last_name("tj", "female"))
    assert any(name.endswith("зода") for name in women)
    assert any(name.endswith("ова") for name in women)


@pytest.mark.parametrize("father, son, daughter", [
    ("Иван", "Иванович", "Ивановна"), ("Алексей", "Алексеевич", "Алексеевна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"), ("Игорь", "Игоревич", "Игоревна"),
    ("Юрий", "Юрьевич", "Юрьевна"), ("Павел", "Павлович", "Павловна"),
    ("Михаил", "Михайлович", "Михайловна"), ("Бакыт", "Бакытович", "Бакытовна"),
])
def test_russian_style_patronymics(father, son, daughter):
    assert (cyr.patronymic(father, False), cyr.patronymic(father, True)) == (son, daughter)


def test_patronymics_agree_in_both_scripts():
    assert cyr.patronymic("Сино", False) is None  # no patronymic from a name ending in a vowel
    assert cyr.latin_patronymic("Alexei", True) == "Alexeyevna"
    en, ru = make_faker("en"), make_faker("ru")
    for seed in range(50):
        en.seed_instance(seed)
        ru.seed_instance(seed)
        assert en.region_patronymic("kg", "female").endswith("ovna")
        assert ru.region_patronymic("kg", "female").endswith("овна")


def test_every_latin_value_has_a_cyrillic_form_with_no_latin_letter():
    tables = [
        (cyr.GIVEN_NAMES, {n for c in FIRST_NAMES.values() for g in c.values() for n in g}),
        (cyr.SURNAMES, {n for names in SURNAMES.values() for n in names}),
        (cyr.PLACES, {n for names in CITIES.values() for n in names}
         | {name for name, _ in BORDER_CROSSINGS}),
        (cyr.STREETS, {s for streets in STREETS.values() for s in streets}),
    ]
    for table, latin in tables:
        assert latin <= set(table), sorted(latin - set(table))
        assert not any(LATIN.search(value) for value in table.values())


def test_russian_names_are_reproducible_from_the_seed_and_the_same_people_as_english():
    ru_a, ru_b, en = make_faker("ru"), make_faker("ru"), make_faker("en")
    for seed in (1, 2, 3, 99):
        for fake in (ru_a, ru_b, en):
            fake.seed_instance(seed)
        a = [ru_a.region_person("tj", "female") for _ in range(5)]
        assert a == [ru_b.region_person("tj", "female") for _ in range(5)]
        latin = [en.region_person("tj", "female") for _ in range(5)]
        assert [n.split()[0] for n in a] == [cyr.GIVEN_NAMES[n.split()[0]] for n in latin]


def test_an_unknown_language_falls_back_to_latin():
    fake = make_faker("xx")
    fake.seed_instance(1)
    assert not re.search("[А-я]", fake.region_person("kg", "male"))


# -- variants of a template -------------------------------------------------------------

HEROIN = ROOT / "scenarios" / "heroin-border-crossing.yml"


def _template(language: str):
    text = HEROIN.read_text(encoding="utf-8")
    if language != "en":
        text = text.replace("\nlanguage: en\n", f"\nlanguage: {language}\n", 1)
    scenario, problems = parse_scenario(text, HEROIN.name)
    assert scenario is not None, problems
    return scenario


def test_english_variants_are_unchanged_for_the_same_seed():
    """Pinned from before the Cyrillic provider: English trainees keep their case."""
    variant = generate_variant(_template("en"), 7)
    shown = {i: variant.entity(i).display for i in
             ("P1", "P2", "P3", "P4", "P5", "O1", "O2", "V1", "PH1", "A1")}
    assert shown == {
        "P1": "Sino Safarov", "P2": "Kanat Ulan uulu", "P3": "Aigul Kasymalieva",
        "P4": "Rustam Yusupov", "P5": "Marat Kasymaliev", "O1": 'JDMM "Ak-Jol Logistics"',
        "O2": 'OsOO "Baraka Logistics"', "V1": "1979 UC 05", "PH1": "+992 93 642 8878",
        "A1": "1571 3874 4882 4052",
    }


def test_a_russian_template_generates_cyrillic_people_and_companies():
    template = _template("ru")
    for seed in range(30):
        variant = generate_variant(template, seed)
        assert variant == generate_variant(template, seed)
        for entity in variant.entities:
            if entity.type in ("person", "organisation"):
                assert not LATIN.search(entity.display), (seed, entity.id, entity.display)
        p3 = variant.entity("P3").display  # a Kyrgyz woman
        assert p3.endswith(("а", "ая", "кызы")), p3
