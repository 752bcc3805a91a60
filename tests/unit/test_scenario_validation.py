"""Scenario validation: every mistake gives one message naming its path and line."""

from pathlib import Path

from trainer.domain.scenario import Problem, check_scenarios, parse_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"

VALID = """\
id: mini
title: Mini
summary: A small case.
language: en
version: 1
estimated_minutes: 10
pass_mark: 70
brief: "{{P1}} drives {{V1}}."
tasking: Grade and chart.
entities:
  - {id: P1, type: person, name: "Azamat Asanov"}
  - {id: V1, type: vehicle, plate: "01 123 ABC"}
reports:
  - id: R1
    received: "2024-03-10 09:15"
    source: {type: citizen, description: "A neighbour"}
    text: "{{P1}} uses {{V1}}."
tasks:
  - id: evaluate
    type: grade
    title: Grade
    weight: 50
    key:
      R1: {source: B, information: 2, handling: H0, rationale: "why"}
  - id: links
    type: link_chart
    title: Chart
    weight: 50
    key:
      - {between: [P1, V1], type: uses_vehicle, rationale: "R1"}
"""

BROKEN = """\
id: broken
title: Broken
summary: Six mistakes.
language: en
version: 1
estimated_minutes: 10
pass_mark: 70
brief: Brief.
tasking: Tasking.
entities:
  - {id: P1, type: person, name: "Azamat Asanov"}
  - {id: P1, type: person, name: "Bakyt Isakov"}
  - {id: V1, type: vehicle, plate: "01 123 ABC"}
reports:
  - id: R1
    received: "2024-03-10 09:15"
    release: later
    source: {type: snitch, description: "A neighbour"}
    text: "{{P9}} uses {{V1}}."
tasks:
  - id: evaluate
    type: grade
    title: Grade
    weight: 50
    key:
      R1: {source: Z, information: 2, handling: H0, rationale: "why"}
  - id: links
    type: link_chart
    title: Chart
    weight: 40
    key:
      - {between: [P1, P7], type: uses_vehicle, rationale: "R1"}
"""


def line_of(text, snippet):
    """1-based line of the first line containing snippet (the fixture's own numbering)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if snippet in line)


def errors(text, filename="s.yml"):
    scenario, problems = parse_scenario(text, filename)
    return scenario, [p for p in problems if p.severity == "error"]


def test_valid_scenario_parses():
    scenario, problems = parse_scenario(VALID, "mini.yml")
    assert problems == []
    assert scenario.id == "mini" and scenario.grading_scheme == "unodc-4x4"
    assert scenario.reports[0].mentions == ("P1", "V1")
    assert scenario.render(scenario.brief) == "Azamat Asanov drives 01 123 ABC."


def test_the_documented_example_is_valid():
    text = DOC.read_text().split("## Complete example")[1].split("```yaml\n", 1)[1].split("```")[0]
    scenario, problems = parse_scenario(text, "example.yml")
    assert problems == []
    assert {t.type for t in scenario.tasks} == {"grade", "link_chart", "timeline", "hypotheses",
                                                "decision", "report"}
    assert scenario.template and scenario.needs_review


def test_broken_scenario_gives_one_message_per_mistake():
    scenario, found = errors(BROKEN)
    assert scenario is None
    expected = [
        (line_of(BROKEN, "Bakyt Isakov"), "entities[1].id", "duplicate entity id 'P1'"),
        (line_of(BROKEN, "release: later"), "reports[0].release", "unknown release rule 'later'"),
        (line_of(BROKEN, "snitch"), "reports[0].source.type", "unknown source type 'snitch'"),
        (line_of(BROKEN, "{{P9}}"), "reports[0].text", "unknown entity 'P9'"),
        (line_of(BROKEN, "source: Z"), "tasks[0].key.R1.source", "'Z' is not a source reliability code"),
        (line_of(BROKEN, "between: [P1, P7]"), "tasks[1].key[0].between[1]", "unknown entity 'P7'"),
        (line_of(BROKEN, "tasks:"), "tasks", "task weights add up to 90, not 100"),
    ]
    assert len(found) == len(expected), "\n".join(map(str, found))
    for line, path, message in expected:
        match = [p for p in found if p.path == path and message in p.message]
        assert len(match) == 1, f"{path}: {message!r} not in\n" + "\n".join(map(str, found))
        assert match[0].line == line, str(match[0])


def test_problem_reads_like_a_compiler_message():
    problem = Problem("scenarios/a.yml", 12, "reports[0].source.type", "unknown source type 'x'")
    assert str(problem) == "scenarios/a.yml:12: reports[0].source.type: unknown source type 'x'"
    warning = Problem("a.yml", None, "", "careful", "warning")
    assert str(warning) == "a.yml: warning: careful"


def test_yaml_syntax_error_has_a_line():
    scenario, found = errors("id: x\ntitle: [unclosed\nsummary: y\n")
    assert scenario is None and len(found) == 1
    assert found[0].line is not None and "not valid YAML" in found[0].message


def test_not_a_mapping():
    _, found = errors("- just\n- a list\n")
    assert len(found) == 1 and "expected a mapping" in found[0].message


def test_typo_gets_a_hint_and_duplicate_keys_are_caught():
    text = VALID.replace("pass_mark: 70", "pass_mark: 70\npass_mrak: 80\ntitle: Again")
    _, found = errors(text)
    messages = [str(p) for p in found]
    assert any("unknown field 'pass_mrak' (did you mean 'pass_mark'?)" in m for m in messages)
    assert any(p.path == "title" and "duplicate key" in p.message
               and p.line == line_of(text, "title: Again") for p in found)
    assert len(found) == 2


def test_missing_required_fields_are_each_reported():
    _, found = errors("id: x\ntitle: T\n")
    assert len(found) == 10  # summary, language, version, ... tasks: once each
    assert all(p.message.startswith("missing required field") and p.line == 1 for p in found)


def test_task_without_its_key_gets_one_message_per_missing_field():
    for task_type in ("grade", "link_chart", "timeline", "hypotheses", "decision", "report"):
        text = VALID.replace("type: grade", f"type: {task_type}").replace(
            "    key:\n      R1: {source: B, information: 2, handling: H0, rationale: \"why\"}\n", "")
        _, found = errors(text)
        assert found and all(p.message.startswith("missing required field") for p in found), \
            (task_type, [str(p) for p in found])


def test_handling_codes_rules():
    admiralty = VALID.replace("pass_mark: 70", "pass_mark: 70\ngrading_scheme: admiralty-6x6")
    _, found = errors(admiralty)
    assert any("has no handling codes" in p.message for p in found)

    declared = admiralty.replace("grading_scheme: admiralty-6x6",
                                 "grading_scheme: admiralty-6x6\nhandling_codes: {R: Releasable}")
    declared = declared.replace("handling: H0", "handling: R")
    scenario, found = errors(declared)
    assert found == [] and scenario.scheme.handling.values == ("R",)

    own = VALID.replace("pass_mark: 70", "pass_mark: 70\nhandling_codes: {R: Releasable}")
    _, found = errors(own)
    assert len(found) == 1 and "has its own handling codes" in found[0].message


def test_min_safeguards_needs_a_tag():
    _, found = errors(VALID.replace("pass_mark: 70", "pass_mark: 70\nmin_safeguards: 50"))
    assert len(found) == 1 and found[0].path == "min_safeguards"
    tagged = VALID.replace("pass_mark: 70", "pass_mark: 70\nmin_safeguards: 50")
    tagged = tagged.replace("    title: Chart\n", "    title: Chart\n    safeguard: legal\n")
    assert errors(tagged)[1] == []


def test_placeholders_need_a_template_and_a_known_name():
    text = VALID.replace('name: "Azamat Asanov"', 'name: "{faker:person_kg}", gender: male')
    _, found = errors(text)
    assert len(found) == 1 and "template: true" in found[0].message

    template = text.replace("pass_mark: 70", "pass_mark: 70\ntemplate: true")
    assert errors(template)[1] == []

    unknown = template.replace("{faker:person_kg}", "{faker:persn_kg}")
    _, found = errors(unknown)
    assert len(found) == 1 and "did you mean {faker:person_kg}" in found[0].message

    in_text = template.replace('text: "{{P1}} uses', 'text: "{faker:person_kg} uses')
    _, found = errors(in_text)
    assert len(found) == 1 and found[0].path == "reports[0].text"


def test_person_placeholder_without_gender_is_a_warning():
    text = VALID.replace('name: "Azamat Asanov"', 'name: "{faker:person_kg}"')
    text = text.replace("pass_mark: 70", "pass_mark: 70\ntemplate: true")
    scenario, problems = parse_scenario(text)
    assert scenario is not None
    assert [p.severity for p in problems] == ["warning"]


def test_link_and_timeline_and_ach_and_decision_mistakes():
    text = VALID.replace("weight: 50\n    key:\n      - {between",
                         "weight: 20\n    key:\n      - {between: [P1, V1], type: owns, rationale: dup}\n      - {between")
    text += """\
  - id: tl
    type: timeline
    title: Order
    weight: 10
    events:
      - {id: E1, text: one}
      - {id: E2, text: two}
    key:
      - {event: E1, rationale: a}
  - id: ach
    type: hypotheses
    title: ACH
    weight: 10
    hypotheses: [{id: H1, text: a}, {id: H2, text: b}]
    evidence: [{id: EV1, text: c, reports: [R7]}]
    key:
      matrix:
        - {evidence: EV1, ratings: {H1: maybe, H2: consistent}, rationale: r}
      conclusion: H3
      rationale: r
  - id: dec
    type: decision
    title: Decide
    weight: 10
    decisions:
      - id: D1
        question: q
        rationale: r
        options:
          - {id: a, text: A, explanation: x, correct: true}
          - {id: b, text: B, explanation: y, correct: true}
"""
    _, found = errors(text)
    messages = sorted(p.path + " | " + p.message for p in found)
    expected_fragments = [
        "already linked",                        # same pair twice in the link key
        "needs at least 2 item(s), has 1",      # timeline key too short
        "event 'E2' is missing from the key",
        "unknown report 'R7'",
        "unknown rating 'maybe'",
        "unknown hypothesis 'H3'",
        "exactly one correct option, has 2",
    ]
    assert len(found) == len(expected_fragments), "\n".join(messages)
    for fragment in expected_fragments:
        assert sum(fragment in m for m in messages) == 1, fragment


def test_check_scenarios_walks_a_folder(tmp_path):
    (tmp_path / "a.yml").write_text(VALID)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text(VALID)          # same id as a.yml
    (tmp_path / "c.yml").write_text(BROKEN)
    (tmp_path / "notes.txt").write_text("ignored")
    scenarios, problems = check_scenarios(tmp_path)
    assert [s.id for s in scenarios] == ["mini"]
    assert any("also used by" in p.message and p.file.endswith("b.yaml") for p in problems)
    assert sum(p.file.endswith("c.yml") for p in problems) == 7
