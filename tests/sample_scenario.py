"""The complete example of docs/scenario-format.md, written to disk for web and browser tests."""
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md"
EXAMPLE = DOC.read_text().split("## Complete example")[1].split("```yaml\n", 1)[1].split("```")[0]

# A perfect answer to every auto-scored task of the example; the report needs a trainer.
PERFECT = {
    "evaluate": {"grades": {
        "R1": {"source": "B", "information": "2", "handling": "H0"},
        "R2": {"source": "A", "information": "1", "handling": "H1"},
        "R3": {"source": "A", "information": "1", "handling": "H0"},
        "R4": {"source": "X", "information": "4", "handling": "H0"}}},
    "links": {"links": [{"between": ["O1", "P1"], "type": "employs"},  # from -> to: O1 employs P1
                        {"between": ["P1", "V1"], "type": "uses_vehicle"},
                        {"between": ["P1", "P2"], "type": "associate"},
                        {"between": ["P1", "A1"], "type": "uses_account"}]},
    "timeline": {"order": ["E1", "E2", "E3"]},
    "ach": {"matrix": {"EV1": {"H1": "consistent", "H2": "inconsistent"},
                       "EV2": {"H1": "neutral", "H2": "neutral"}}, "conclusion": "H1"},
    "decisions": {"choices": {"D1": "a", "D2": ["a", "b"]}},
    "final-report": {"text": "Key findings: ..."},
}


def write_scenario(root: Path, text: str = EXAMPLE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "alay-road.yml"
    path.write_text(text)
    return path
