"""Russian counts: the catalogue declares Russian's three plural forms and every count message has all three.

Which form a number takes is Russian grammar, written out below (not read from the catalogue):
1, 21, 101 курс; 2, 3, 4, 22 курса; 5-20, 11-14, 25, 111 курсов.
"""
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

RU = Path(__file__).resolve().parents[2] / "trainer" / "translations" / "ru" / "LC_MESSAGES"
NUMBERS = (0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 15, 20, 21, 22, 24, 25, 100, 101, 102, 105, 111, 112, 121, 1000, 1001)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdrif]")


def russian_form(n: int) -> int:
    """0 (one): 1, 21, 101; 1 (few): 2-4, 22-24; 2 (many): 0, 5-20, 25-30, 111-114."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


@pytest.fixture(scope="module")
def catalogue():
    with open(RU / "messages.po", "rb") as file:
        return read_po(file, locale="ru")


@pytest.fixture(scope="module")
def compiled():
    with open(RU / "messages.mo", "rb") as file:
        return gettext.GNUTranslations(file)


def plural_entries(catalogue):
    return [message for message in catalogue if message.id and message.pluralizable]


def test_the_header_declares_russians_three_forms(catalogue, compiled):
    forms = catalogue.plural_forms  # as the .po's header states it
    assert forms.startswith("nplurals=3;"), forms
    rule = gettext.c2py(forms.split("plural=", 1)[1].rstrip(";"))
    assert {n: rule(n) for n in NUMBERS} == {n: russian_form(n) for n in NUMBERS}
    # The compiled catalogue, which the platform reads, chooses forms the same way.
    assert {n: compiled.plural(n) for n in NUMBERS} == {n: russian_form(n) for n in NUMBERS}


def test_there_are_count_messages_and_each_has_three_forms_with_its_placeholders(catalogue):
    entries = plural_entries(catalogue)
    assert len(entries) >= 25, "counts go through ngettext (templates, views, services)"
    problems = []
    for message in entries:
        singular, plural = message.id
        wanted = set(PLACEHOLDER.findall(plural))  # %(num)d, unless the count only picks the words
        forms = message.string
        if len(forms) != 3 or not all(form.strip() for form in forms) or message.fuzzy:
            problems.append(f"{singular!r}: needs 3 forms (one, few, many), has {forms!r}")
            continue
        for index, form in enumerate(forms):
            if set(PLACEHOLDER.findall(form)) != wanted:
                problems.append(f"{singular!r}: form {index} {form!r} has not the placeholders {sorted(wanted)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("n", (1, 2, 5, 11, 12, 21, 22, 25))
def test_the_platform_picks_the_form_the_grammar_asks_for(catalogue, compiled, n):
    for message in plural_entries(catalogue):
        singular, plural = message.id
        assert compiled.ngettext(singular, plural, n) == message.string[russian_form(n)]


def test_a_count_reads_as_an_officer_says_it(compiled):
    said = {n: compiled.ngettext("%(num)d trainee", "%(num)d trainees", n) % {"num": n} for n in (1, 2, 5, 21, 22, 25)}
    assert said == {1: "1 слушатель", 2: "2 слушателя", 5: "5 слушателей",
                    21: "21 слушатель", 22: "22 слушателя", 25: "25 слушателей"}
    lessons = [compiled.ngettext("%(num)d lesson", "%(num)d lessons", n) % {"num": n} for n in (1, 2, 5, 11, 12)]
    assert lessons == ["1 урок", "2 урока", "5 уроков", "11 уроков", "12 уроков"]
