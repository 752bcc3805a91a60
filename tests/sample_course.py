"""A small course with known answers, written to disk for web and browser tests."""
from pathlib import Path

COURSE_YML = """\
id: grading-basics
title: Grading basics
summary: Grade sources and information separately.
language: en
topic: source-evaluation
version: 1
estimated_minutes: 90
objectives:
  - {id: source-reliability, text: Grade a source with the 4x4 system}
  - {id: two-axes, text: Grade the source and the information separately}
  - {id: intelligence-cycle, text: Put the stages of the intelligence cycle in order}
lessons: [01-source.md, 02-information.md]
pass_mark: 60
completion: {all_lessons: true, post_test: true}
pre_test: {bank: questions/pre.yml, per_competency: 1}
post_test: {bank: questions/test.yml, per_competency: 1}
sources: ["UNODC, Criminal Intelligence: Manual for Analysts (2011)"]
"""
LESSON = """\
---
title: {title}
minutes: 10
objectives: [Know the codes]
check: {{bank: questions/check.yml}}
---
# {title}

{body}
"""
CHECK_BANK = """\
questions:
  - id: check-x
    type: true_false
    prompt: "X means the reliability cannot be judged."
    answer: true
    explanation: "X stands apart from A to C."
"""
PRE_BANK = """\
questions:
  - id: pre-source-x
    type: single
    competency: source-reliability
    prompt: "Which code means the reliability cannot be judged?"
    options:
      - {text: "X", feedback: "Right."}
      - {text: "B", feedback: "B has in most instances proved reliable."}
    answer: 1
    explanation: "X stands apart from A to C."
  - id: pre-axes
    type: true_false
    competency: two-axes
    prompt: "A reliable source's report is graded 1 without further thought."
    answer: false
    explanation: "The information is graded on its own."
  - id: pre-cycle
    type: ordering
    competency: intelligence-cycle
    prompt: "Put these stages in order."
    items: ["Collection", "Evaluation", "Analysis"]
    explanation: "Collect, evaluate, analyse."
"""
TEST_BANK = """\
questions:
  - id: source-a
    type: single
    competency: source-reliability
    prompt: "Which code means no doubt about authenticity?"
    options:
      - {text: "A", feedback: "Right."}
      - {text: "C", feedback: "C has mostly proved unreliable."}
    answer: 1
    explanation: "A is reserved for sources with no doubt."
  - id: axes
    type: true_false
    competency: two-axes
    prompt: "The source's reliability decides the information grade."
    answer: false
    explanation: "Each axis is judged on its own."
  - id: cycle
    type: ordering
    competency: intelligence-cycle
    prompt: "Order the stages."
    items: ["Collection", "Analysis", "Dissemination"]
    explanation: "Analysis comes before dissemination."
"""
# Answers to both forms (pre-test: pre-*; post-test: the others); a form sends only its own.
CORRECT = {"q:source-a": "0", "q:axes": "false", "q:cycle": ["0", "1", "2"],
           "q:pre-source-x": "0", "q:pre-axes": "false", "q:pre-cycle": ["0", "1", "2"]}
WRONG = {"q:source-a": "1", "q:axes": "true", "q:cycle": ["2", "1", "0"],
         "q:pre-source-x": "1", "q:pre-axes": "true", "q:pre-cycle": ["2", "1", "0"]}


def write_course(root: Path, lesson_body: str = "Sources are graded A, B, C or X.") -> Path:
    folder = root / "grading-basics"
    (folder / "questions").mkdir(parents=True, exist_ok=True)
    (folder / "course.yml").write_text(COURSE_YML)
    (folder / "01-source.md").write_text(LESSON.format(title="Source reliability", body=lesson_body))
    (folder / "02-information.md").write_text(LESSON.format(title="Information", body="Codes 1 to 4."))
    (folder / "questions" / "check.yml").write_text(CHECK_BANK)
    (folder / "questions" / "pre.yml").write_text(PRE_BANK)
    (folder / "questions" / "test.yml").write_text(TEST_BANK)
    return folder
