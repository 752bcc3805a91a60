"""The debrief counts a cohort's answers per key item, names nobody, and orders what to discuss."""
from trainer.domain.debrief import debrief


def item(item_id, given, expected, points, max_points=1.0, label=None, rationale="why"):
    return {"item_id": item_id, "label": label or item_id, "given": given, "expected": expected,
            "points": points, "max_points": max_points, "rationale": rationale}


def grade(source, information):
    return {"task_id": "t-grade", "type": "grade", "items": [
        item("R4.source", source, "C", float(source == "C")),
        item("R4.information", information, "3", float(information == "3")),
    ]}


def links(*given):
    """Key links P1-P2 (uses phone) and P2-O1 (member of); `given` pairs are what was drawn."""
    drawn = dict(given)
    return {"task_id": "t-links", "type": "link_chart", "items": [
        item("P1-P2", drawn.get("P1-P2"), "uses_phone", 1.0 if drawn.get("P1-P2") else 0.0),
        item("P2-O1", drawn.get("P2-O1"), "member_of", 1.0 if drawn.get("P2-O1") else 0.0),
        *[item(pair, kind, None, 0.0, 0.0) for pair, kind in given if pair not in ("P1-P2", "P2-O1")],
    ]}


def ach(e1h1, e1h2):
    return {"task_id": "t-ach", "type": "hypotheses", "items": [
        item("E1.H1", e1h1, "inconsistent", float(e1h1 == "inconsistent")),
        item("E1.H2", e1h2, "consistent", float(e1h2 == "consistent")),
        item("conclusion", "H2", "H2", 1.0),
    ]}


RESULTS = [
    {"tasks": [grade("B", "2"), links(("P1-P2", "uses_phone")), ach("inconsistent", "consistent")]},
    {"tasks": [grade("B", "2"), links(("P1-P2", "uses_phone"), ("P1-O1", "met")), ach("neutral", "consistent")]},
    {"tasks": [grade("C", "3"), links(("P2-O1", "member_of"), ("P1-O1", "met")), ach("consistent", "consistent")]},
    {"tasks": [grade("B", "3"), links(), ach("inconsistent", "consistent")]},
    {"tasks": [grade("", ""), links(), ach(None, None)]},
]


def by_task():
    return {task.task_id: task for task in debrief(RESULTS)}


def test_a_reports_axes_are_counted_as_one_grade_against_the_key():
    task = by_task()["t-grade"]
    (r4,) = task.items
    # Hand count: B2 twice, C3 once, B3 once, one blank; key C3; only the C3 is right.
    assert (r4.item_id, r4.expected) == ("R4", "C3")
    assert r4.distribution == [("B2", 2), ("B3", 1), ("C3", 1)]
    assert (r4.attempts, r4.answered, r4.right) == (5, 4, 1)


def test_links_most_often_missed_come_first_and_extra_links_are_counted():
    task = by_task()["t-links"]
    # P1-P2 drawn by 2 of 5 (3 missed); P2-O1 by 1 of 5 (4 missed): P2-O1 first.
    assert [(i.item_id, i.missed) for i in task.items] == [("P2-O1", 4), ("P1-P2", 3)]
    (extra,) = task.extra
    assert (extra.item_id, extra.attempts, extra.distribution) == ("P1-O1", 2, [("met", 2)])


def test_ach_cells_the_cohort_was_most_divided_on_come_first():
    task = by_task()["t-ach"]
    # E1.H1 answers: inconsistent 2, neutral 1, consistent 1 -> split 1 - 2/4 = 0.5.
    # E1.H2 answers: consistent 4 -> split 0. The conclusion stays last.
    assert [(i.item_id, round(i.split, 3)) for i in task.items] == [("E1.H1", 0.5), ("E1.H2", 0.0), ("conclusion", 0.0)]
    assert task.items[0].right == 2


def test_no_attempts_give_an_empty_debrief():
    assert debrief([]) == []
    assert debrief([{"tasks": []}, {}]) == []


def test_a_templates_entities_are_named_by_their_ids_for_a_debrief_of_every_variant():
    # A live exercise on a template gives each officer their own names and numbers: the debrief
    # showed the template's placeholders ("Intercept summary, line {faker:phone_kg}").
    from trainer.domain.scenario.model import Entity, as_in_every_variant, render_mentions

    entities = {"P1": Entity("P1", "person", (("name", "{faker:person_kg}"), ("role", "Lorry driver"))),
                "PH1": Entity("PH1", "phone", (("number", "{faker:phone_kg}"),)),
                "S1": Entity("S1", "shipment", (("reference", "CMR {faker:number}"), ("goods", "dried apricots")))}
    every = as_in_every_variant(entities)
    text = "Intercept summary, line {{PH1}}: {{P1}} ({{P1.role}}) about {{S1}}, {{S1.goods}}"
    assert render_mentions(text, every) == "Intercept summary, line PH1: P1 (Lorry driver) about S1, dried apricots"
    assert "{faker:" in render_mentions(text, entities)  # what the debrief showed before
