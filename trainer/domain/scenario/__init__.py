"""Scenario files: YAML with line numbers -> validated frozen dataclasses.

Public API: parse_scenario, check_scenarios, Scenario, Entity, Report, Source, Release, Task,
Problem, render_mentions, ENTITY_TYPES, SOURCE_TYPES, SAFEGUARD_TAGS.
"""

from trainer.domain.scenario.model import (
    ENTITY_TYPES, SAFEGUARD_TAGS, SOURCE_TYPES, Entity, Problem, Release, Report, Scenario,
    Source, Task, render_mentions,
)
from trainer.domain.scenario.parse import check_scenarios, parse_scenario

__all__ = [
    "ENTITY_TYPES", "SAFEGUARD_TAGS", "SOURCE_TYPES", "Entity", "Problem", "Release", "Report",
    "Scenario", "Source", "Task", "check_scenarios", "parse_scenario", "render_mentions",
]
