"""Hostile YAML is refused before the parser sees it, on every path that reads course or scenario YAML."""
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from sample_course import write_course
from trainer.domain import yamlsafe
from trainer.domain.courses import read_course
from trainer.domain.markdown import FrontMatterError, split_front_matter
from trainer.domain.scenario import check_scenarios, parse_scenario
from trainer.services.course_authoring import parse_course_yml

ROOT = Path(__file__).resolve().parents[2]
BRACKETS = "[" * 50_000                      # 50 kB: crashed libyaml's C composer (segfault)
BRACES = "{a: " * 20_000                     # 80 kB: seconds of CPU before the parser gave up
DASHES = "- " * 50_000                       # block lists nested on one line
INDENTED = "".join(" " * i + "a:\n" for i in range(80))
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6))


def test_fifty_thousand_brackets_are_refused_without_crashing_the_process():
    # In a subprocess: if the guard fails, libyaml segfaults and only that process dies.
    script = textwrap.dedent("""
        from trainer.domain.scenario import parse_scenario
        from trainer.domain.courses import load_yaml
        from trainer.domain import yamlsafe
        text = "[" * 50_000
        spec, problems = parse_scenario(text, "deep.yml")
        print(spec, problems[0].line, problems[0].message)
        for load in (load_yaml, yamlsafe.safe_load):
            try:
                load(text)
            except yamlsafe.YamlLimitError as exc:
                print("refused", exc.line)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"crashed with {result.returncode}: {result.stderr[-500:]}"
    lines = result.stdout.splitlines()
    assert lines[0].startswith("None 1 nesting deeper than 50 levels")
    assert lines[1:] == ["refused 1", "refused 1"]


@pytest.mark.parametrize("text", [BRACKETS, BRACES, DASHES, INDENTED], ids=["brackets", "braces", "dashes", "indented"])
def test_deep_documents_are_refused_quickly_with_file_and_line(text):
    started = time.perf_counter()
    spec, problems = parse_scenario(text, "scenarios/deep.yml")
    elapsed = time.perf_counter() - started
    assert spec is None and len(problems) == 1
    assert problems[0].file == "scenarios/deep.yml" and problems[0].line == (51 if text is INDENTED else 1)
    assert "nesting deeper than 50 levels" in problems[0].message
    assert elapsed < 5, f"took {elapsed:.2f} s"  # refused at the limit, not after parsing it all (minutes)


@pytest.mark.parametrize("load", [yamlsafe.safe_load, __import__("trainer.domain.courses").domain.courses.load_yaml])
def test_every_loader_refuses_deep_text_quickly(load):
    for text in (BRACKETS, BRACES, DASHES):
        started = time.perf_counter()
        with pytest.raises(yamlsafe.YamlLimitError):
            load(text)
        assert time.perf_counter() - started < 5  # a guard against runaway parsing, not a speed figure


def test_nesting_just_within_the_limit_still_loads():
    # The scan counts "[" twice ("[a: b]" is a mapping in a list) and may count one more.
    assert yamlsafe.safe_load("[" * 24 + "]" * 24) is not None
    assert yamlsafe.safe_load("{a: " * 49 + "1" + "}" * 49) is not None
    with pytest.raises(yamlsafe.YamlLimitError):
        yamlsafe.safe_load("{a: " * 50 + "1" + "}" * 50)


def test_brackets_in_text_do_not_count_as_nesting():
    text = textwrap.dedent("""\
        title: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
        plain: see [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
        single: 'it''s [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['  # [[[[[[[[
        block: |
          [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
          - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
        list:
        - >
          {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{
        """)
    assert yamlsafe.nesting_depth(text)[0] <= 4
    assert yamlsafe.safe_load(text)["plain"].startswith("see [[[")


def _collections_deep(node) -> int:
    deepest, stack = 0, [(node, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
            deepest = max(deepest, depth + 1)
            children = node.value if isinstance(node, yaml.SequenceNode) else [p for pair in node.value for p in pair]
            stack.extend((child, depth + 1) for child in children)
    return deepest


def test_the_scan_never_counts_less_nesting_than_the_parser_builds():
    """The scan is a guard for the parser: on random documents it may count more, never less."""
    rnd = random.Random(9)
    words = ["a", "b c", "x: y", "[z]", "'q'", '"d"', "- e", "#f", "|", "> g", "{h}", "a\nb", ": c", "? k"]

    def make(depth):
        roll = rnd.random()
        if depth > 7 or roll < 0.3:
            return rnd.choice(words + [1, None])
        if roll < 0.65:
            return [make(depth + 1) for _ in range(rnd.randint(0, 3))]
        return {f"{rnd.choice(words)}{i}": make(depth + 1) for i in range(rnd.randint(0, 3))}

    styles = [{}, {"default_flow_style": True}, {"default_flow_style": None}, {"default_style": "|"},
              {"default_style": "'"}, {"indent": 4}, {"width": 3}]
    for _ in range(300):
        value = make(0)
        for style in styles:
            text = yaml.safe_dump(value, **style)
            built = _collections_deep(yaml.compose(text, Loader=yaml.SafeLoader))
            assert built <= yamlsafe.nesting_depth(text)[0] <= 2 * built + 2, text


def test_shipped_content_is_far_below_the_limit():
    files = [*ROOT.glob("courses/**/*.yml"), *ROOT.glob("scenarios/**/*.yml")]
    assert files
    assert max(yamlsafe.nesting_depth(f.read_text(encoding="utf-8"))[0] for f in files) <= 10


def test_aliases_that_expand_to_millions_of_values_are_refused():
    spec, problems = parse_scenario(LAUGHS, "laughs.yml")
    assert spec is None and "expands to more than 200000 values" in problems[0].message
    with pytest.raises(yamlsafe.YamlLimitError, match="aliases"):
        yamlsafe.safe_load(LAUGHS)
    with pytest.raises(yamlsafe.YamlLimitError, match="aliases"):
        __import__("trainer.domain.courses").domain.courses.load_yaml(LAUGHS)


def test_files_over_the_size_limit_are_refused_unread():
    text = "a: " + "x" * yamlsafe.MAX_BYTES
    spec, problems = parse_scenario(text, "big.yml")
    assert spec is None and "larger than 1000 kB" in problems[0].message


def test_a_course_folder_with_deep_yaml_lists_problems_naming_file_and_line(tmp_path):
    folder = write_course(tmp_path)
    (folder / "questions" / "check.yml").write_text("questions:\n  - " + "[" * 50_000 + "\n", encoding="utf-8")
    lesson = folder / "01-source.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("minutes: 10\n", "minutes: 10\nextra: " + BRACES + "\n"), encoding="utf-8")

    spec, problems = read_course(folder)
    assert spec is None
    found = {(p.file.rsplit("/", 1)[-1], p.line) for p in problems if "nesting deeper than 50 levels" in p.message}
    front_line = text.splitlines().index("minutes: 10") + 2
    assert found == {("check.yml", 2), ("01-source.md", front_line)}, problems


def test_deep_front_matter_is_a_front_matter_error_with_its_line():
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter("---\ntitle: x\nminutes: " + BRACES + "\n---\nBody\n")
    assert caught.value.line == 3 and "nesting deeper than 50 levels" in caught.value.message


def test_disk_scenarios_with_deep_yaml_are_problems_not_crashes(tmp_path):
    (tmp_path / "deep.yml").write_text(BRACES, encoding="utf-8")
    (tmp_path / "dashes.yaml").write_text("tasks:\n" + DASHES, encoding="utf-8")
    scenarios, problems = check_scenarios(tmp_path)
    assert scenarios == []
    assert sorted((Path(p.file).name, p.line) for p in problems) == [("dashes.yaml", 2), ("deep.yml", 1)]


def test_course_yml_helpers_treat_deep_yaml_as_unreadable():
    assert parse_course_yml({"course.yml": BRACES}) is None
    assert parse_course_yml({"course.yml": "id: x\n"}) == {"id": "x"}
