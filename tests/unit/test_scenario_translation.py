"""translation_of: a scenario names the scenario it translates, in another language."""

from sample_scenario import EXAMPLE

from trainer.domain.scenario import check_scenarios, parse_scenario


def translated(language="ru", translation_of="alay-road", scenario_id="alay-road-ru"):
    """The format's example as a translation: another id and language, and translation_of."""
    text = EXAMPLE.replace("id: alay-road\n", f"id: {scenario_id}\n", 1)
    return text.replace("language: en\n", f"language: {language}\ntranslation_of: {translation_of}\n", 1)


def line_of(text, start):
    return text.splitlines().index(start) + 1


def write(root, name, text):
    root.mkdir(exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return str(root / name)


def test_a_translation_names_its_original_in_another_language(tmp_path):
    write(tmp_path, "alay-road.yml", EXAMPLE)
    write(tmp_path, "alay-road-ru.yml", translated())
    scenarios, problems = check_scenarios(tmp_path)
    assert problems == []
    by_id = {s.id: s for s in scenarios}
    assert by_id["alay-road-ru"].translation_of == "alay-road"
    assert by_id["alay-road-ru"].language == "ru"
    assert by_id["alay-road"].translation_of is None


def test_translation_of_a_scenario_that_is_not_in_the_folder(tmp_path):
    write(tmp_path, "alay-road.yml", EXAMPLE)
    text = translated(translation_of="alay-raod")
    name = write(tmp_path, "alay-road-ru.yml", text)
    scenarios, problems = check_scenarios(tmp_path)
    assert [s.id for s in scenarios] == ["alay-road"]  # the broken translation is not loaded
    assert [str(p) for p in problems] == [
        f"{name}:{line_of(text, 'translation_of: alay-raod')}: translation_of: "
        "no scenario with id 'alay-raod' in this folder"]


def test_translation_of_a_scenario_in_the_same_language(tmp_path):
    write(tmp_path, "alay-road.yml", EXAMPLE)
    text = translated(language="en")
    name = write(tmp_path, "alay-road-copy.yml", text)
    scenarios, problems = check_scenarios(tmp_path)
    assert [s.id for s in scenarios] == ["alay-road"]
    (problem,) = problems
    assert (problem.file, problem.line, problem.path) == (
        name, line_of(text, "translation_of: alay-road"), "translation_of")
    assert problem.message == ("scenario 'alay-road' is also in language 'en': "
                               "a translation needs another language")


def test_translation_of_itself_or_not_an_id_is_an_error_in_the_file_alone():
    _, problems = parse_scenario(translated(translation_of="alay-road-ru"), "x.yml")
    assert [(p.path, p.message) for p in problems] == [
        ("translation_of", "'alay-road-ru' is this scenario's own id")]
    _, problems = parse_scenario(translated(translation_of="Alay Road"), "x.yml")
    assert [p.path for p in problems] == ["translation_of"]
    assert "invalid scenario id 'Alay Road'" in problems[0].message
