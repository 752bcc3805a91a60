"""Datasets: typed CSV tables and generated rows, every problem named, same seed same rows."""

from datetime import datetime

import pytest

from trainer.domain.datagen import generate_dataset
from trainer.domain.generation import generate_variant
from trainer.domain.scenario import parse_scenario
from trainer.domain.scenario.datasets import (
    cell_value, matching_rows, parse_number, run_query, Condition, Query,
)

HEAD = """\
id: data-case
title: Data case
summary: A courier network seen through call records.
language: en
version: 1
estimated_minutes: 30
pass_mark: 60
{template}brief: "Brief about {{{{P1}}}}."
tasking: Find the courier.
entities:
  - {{id: P1, type: person, name: "{p1}", gender: male}}
  - {{id: PH1, type: phone, number: "{ph1}"}}
  - {{id: PH2, type: phone, number: "{ph2}"}}
  - {{id: PH3, type: phone, number: "{ph3}"}}
  - {{id: A1, type: bank_account, number: "{a1}"}}
  - {{id: A2, type: bank_account, number: "{a2}"}}
  - {{id: V1, type: vehicle, plate: "{v1}"}}
reports:
  - id: R1
    received: "2024-03-13 09:00"
    source: {{type: police_record, description: "Seizure record"}}
    text: "Shipments seized on 12 and 26 March; {{{{PH1}}}} is the courier's phone."
"""
TAIL = """\
tasks:
  - id: decide
    type: decision
    title: Decide
    weight: 100
    decisions:
      - id: D1
        question: What next?
        rationale: Because.
        options:
          - {id: a, text: Seek a warrant, correct: true, explanation: Lawful.}
          - {id: b, text: Wait, explanation: Too slow.}
"""
FIXED = HEAD.format(template="", p1="Azamat Asanov", ph1="+996 555 111 222", ph2="+992 90 333 4444",
                    ph3="+996 700 555 666", a1="1234 5678 9012 3456", a2="9876 5432 1098 7654",
                    v1="01 123 ABC")
TEMPLATE = HEAD.format(template="template: true\nseed: 7\n", p1="{faker:person_kg}", ph1="{faker:phone_kg}",
                       ph2="{faker:phone_tj}", ph3="{faker:phone_kg}", a1="{faker:bank_account_kg}",
                       a2="{faker:bank_account_tj}", v1="{faker:plate_kg}")

CSV_DATASET = """\
datasets:
  - id: calls
    title: Call records
    columns:
      - {id: time, type: datetime, label: Start}
      - {id: caller, type: phone}
      - {id: callee, type: phone}
      - {id: seconds, type: integer}
      - {id: cost, type: decimal}
    csv: |
      time,caller,callee,seconds,cost
      2024-03-10 21:04,{{PH2}},{{PH1}},65,"1,50"
      2024-03-11 08:00,+996 700 000 001,{{PH1}},30,0.75
      2024-03-11 09:30,{{PH1}},{{PH2}},120,3
"""

GENERATED = """\
datasets:
  - id: calls
    title: Call records
    columns:
      - {id: time, type: datetime, label: Start}
      - {id: caller, type: phone, label: Calling number}
      - {id: callee, type: phone, label: Called number}
      - {id: seconds, type: integer}
      - {id: cell, type: string}
    generate:
      rows: ROWS
      period: ["2024-02-01 00:00", "2024-03-31 23:59"]
      columns:
        time: {hours: [7, 23]}
        caller: {pool: 40, faker: phone_kg, entities: [PH1, PH2, PH3]}
        callee: {same_pool: caller}
        seconds: {range: [5, 900]}
        cell: {values: [Osh-Centre, Osh-Bazaar, Kara-Suu, Aravan]}
      patterns:
        - id: burst
          kind: burst
          before: ["2024-03-12 06:00", "2024-03-26 05:30"]
          hours: 48
          count: 9
          set: {caller: PH2, callee: PH1, seconds: {range: [20, 120]}}
          swap: [caller, callee]
  - id: transfers
    title: Bank transfers
    columns:
      - {id: time, type: datetime}
      - {id: payer, type: account}
      - {id: payee, type: account}
      - {id: amount, type: decimal}
    generate:
      rows: 500
      period: ["2024-02-01 00:00", "2024-03-31 23:59"]
      columns:
        payer: {pool: 30, entities: [A1, A2]}
        payee: {same_pool: payer}
        amount: {range: [50, 5000]}
      patterns:
        - {id: weekly, kind: regular, every_days: 7, start: "2024-02-02 10:00", jitter_hours: 6,
           set: {payer: A1, payee: A2, amount: {range: [1800, 2200]}}}
  - id: crossings
    title: Border crossings
    columns:
      - {id: time, type: datetime}
      - {id: plate, type: plate}
      - {id: checkpoint, type: string}
    generate:
      rows: 800
      period: ["2024-02-01 00:00", "2024-03-31 23:59"]
      columns:
        plate: {pool: 120, entities: [V1]}
        checkpoint: {values: [Kyzyl-Kiya, Batken, Dostuk]}
      patterns:
        - {id: repeated, kind: repeat, count: 11, set: {plate: V1, checkpoint: Kyzyl-Kiya}}
"""


def parse(text):
    scenario, problems = parse_scenario(text, "data.yml")
    return scenario, [p for p in problems if p.severity == "error"]


def errors(text):
    return [f"{p.path}: {p.message}" for p in parse(text)[1]]


@pytest.fixture(scope="module")
def template():
    scenario, problems = parse(TEMPLATE + GENERATED.replace("ROWS", "3000") + TAIL)
    assert problems == []
    return scenario


# -- CSV datasets --------------------------------------------------------------------------

def test_csv_rows_are_typed_and_mentions_are_the_entities_values():
    scenario, problems = parse(FIXED + CSV_DATASET + TAIL)
    assert problems == []
    calls = scenario.dataset("calls")
    assert [c.id for c in calls.columns] == ["time", "caller", "callee", "seconds", "cost"]
    assert calls.rows[0] == (datetime(2024, 3, 10, 21, 4), "+992 90 333 4444", "+996 555 111 222", 65, 1.5)
    assert calls.rows[2][3:] == (120, 3.0)
    assert not calls.generated


def test_csv_mistakes_are_named_by_dataset_row_and_column():
    text = FIXED + CSV_DATASET.replace(",65,", ",sixty,").replace("0.75", "cheap").replace(
        "2024-03-11 09:30", "11 March") + TAIL
    found = errors(text)
    assert "datasets[0].csv: dataset 'calls', row 1, column 'seconds': 'sixty' is not an integer" in found
    assert "datasets[0].csv: dataset 'calls', row 2, column 'cost': 'cheap' is not a number" in found
    assert any("row 3, column 'time': '11 March' is not a date and time" in f for f in found)
    assert len(found) == 3


def test_csv_header_and_row_length_and_entity_types():
    text = FIXED + CSV_DATASET.replace("time,caller,callee,seconds,cost", "time,caller,callee,secs,cost") + TAIL
    found = errors(text)
    assert any("the header names column 'secs', which is not declared" in f for f in found)
    assert any("column 'seconds' is missing from the header" in f for f in found)
    text = FIXED + CSV_DATASET.replace("{{PH2}},{{PH1}},65", "{{V1}},{{PH1}},65,9") + TAIL
    found = errors(text)
    assert found == ["datasets[0].csv: dataset 'calls', row 1: 6 cells, the header has 5"]
    text = FIXED + CSV_DATASET.replace("{{PH2}},{{PH1}},65", "{{V1}},{{PH1}},65") + TAIL
    assert errors(text) == ["datasets[0].csv: dataset 'calls', row 1, column 'caller': "
                            "entity 'V1' is a vehicle, this column holds a phone"]


def test_a_dataset_needs_rows_and_generation_needs_a_template():
    text = FIXED + CSV_DATASET.split("    csv: |")[0] + TAIL
    assert any("give its rows as csv: or, in a template, generate:" in f for f in errors(text))
    text = FIXED + GENERATED.replace("ROWS", "100") + TAIL
    assert any("generated rows need template: true" in f for f in errors(text))


# -- generated datasets --------------------------------------------------------------------

def test_same_seed_same_rows_other_seed_other_rows(template):
    one, again, other = (generate_variant(template, s) for s in (11, 11, 12))
    assert one.dataset("calls").rows == again.dataset("calls").rows
    assert one.dataset("calls").rows != other.dataset("calls").rows
    assert template.dataset("calls").rows == ()  # the template itself has no rows


def test_generated_rows_use_the_variants_own_numbers(template):
    variant = generate_variant(template, 11)
    calls = variant.dataset("calls")
    assert len(calls.rows) == 3000
    ph1, ph2 = variant.entity("PH1").display, variant.entity("PH2").display
    numbers = {r[1] for r in calls.rows} | {r[2] for r in calls.rows}
    assert {ph1, ph2, variant.entity("PH3").display} <= numbers
    assert 40 <= len(numbers) <= 43
    assert all(r[1] != r[2] for r in calls.rows)  # nobody calls themselves
    times = [r[0] for r in calls.rows]
    assert times == sorted(times)
    assert all(datetime(2024, 2, 1) <= t <= datetime(2024, 3, 31, 23, 59) for t in times)


def test_the_burst_is_planted_before_each_shipment_both_ways(template):
    variant = generate_variant(template, 11)
    calls = variant.dataset("calls")
    planted = dict(calls.planted)["burst"]
    assert len(planted) == 18
    pair = {variant.entity("PH1").display, variant.entity("PH2").display}
    windows = [(datetime(2024, 3, 10, 6), datetime(2024, 3, 12, 6)),
               (datetime(2024, 3, 24, 5, 30), datetime(2024, 3, 26, 5, 30))]
    for low, high in windows:
        rows = [calls.rows[n - 1] for n in planted if low <= calls.rows[n - 1][0] < high]
        assert len(rows) == 9
        assert all({r[1], r[2]} == pair and 20 <= r[3] <= 120 for r in rows)
    callers = {calls.rows[n - 1][1] for n in planted}
    assert callers == pair  # swapped at random: calls both ways


def test_regular_transfers_and_repeated_crossings(template):
    variant = generate_variant(template, 11)
    transfers = variant.dataset("transfers")
    weekly = [transfers.rows[n - 1] for n in dict(transfers.planted)["weekly"]]
    assert len(weekly) == 9  # 2 Feb, then every 7 days up to 29 March
    a1, a2 = variant.entity("A1").display, variant.entity("A2").display
    assert all(r[1] == a1 and r[2] == a2 and 1800 <= r[3] <= 2200 for r in weekly)
    gaps = [(b[0] - a[0]).total_seconds() / 3600 for a, b in zip(weekly, weekly[1:])]
    assert all(156 <= g <= 180 for g in gaps)  # 168 h ± two jitters of 6 h
    crossings = variant.dataset("crossings")
    plate = variant.entity("V1").display
    assert sum(r[1] == plate and r[2] == "Kyzyl-Kiya" for r in crossings.rows) >= 11




# -- generator mistakes: every one named ---------------------------------------------------

def gen_errors(old, new):
    text = TEMPLATE + GENERATED.replace("ROWS", "3000").replace(old, new) + TAIL
    return errors(text)


def test_a_burst_outside_the_period_cannot_be_planted():
    found = gen_errors('"2024-03-26 05:30"', '"2024-04-26 05:30"')
    assert found == ["datasets[0].generate.patterns[0].before[1]: dataset 'calls', pattern 'burst' cannot be "
                     "planted: the 48 hours before 2024-04-26 05:30 are not all within the period "
                     "2024-02-01 00:00 – 2024-03-31 23:59"]


def test_patterns_planting_more_rows_than_the_dataset_has():
    found = gen_errors("rows: 3000", "rows: 10")
    assert found == ["datasets[0].generate.rows: dataset 'calls': the patterns plant 18 rows, more than the "
                     "10 of the whole dataset"]


def test_entities_of_the_wrong_type_and_unknown_columns():
    found = gen_errors("set: {caller: PH2, callee: PH1,", "set: {caller: V1, callee: PH1, mast: 3,")
    assert "datasets[0].generate.patterns[0].set.caller: entity 'V1' is a vehicle, column 'caller' holds a phone" in found
    assert ("datasets[0].generate.patterns[0].set.mast: dataset 'calls', pattern 'burst' cannot be planted: "
            "the dataset has no column 'mast'") in found
    found = gen_errors("entities: [PH1, PH2, PH3]}", "entities: [PH1, PH9]}")
    assert found == ["datasets[0].generate.columns.caller.entities[1]: unknown entity 'PH9'"]


def test_a_column_without_a_generator_and_a_bad_range():
    found = gen_errors("        seconds: {range: [5, 900]}\n", "")
    assert found == ["datasets[0].generate.columns: dataset 'calls': say how column 'seconds' is generated "
                     "(values:, range:, pool: or entities:)"]
    found = gen_errors("seconds: {range: [5, 900]}", "seconds: {range: [900, 5]}")
    assert found == ["datasets[0].generate.columns.seconds.range: range is [lowest, highest], two numbers, "
                     "e.g. [5, 900]"]


def test_a_pattern_asking_two_columns_of_one_pool_for_one_value():
    found = gen_errors("set: {caller: PH2, callee: PH1,", "set: {caller: PH1, callee: PH1,")
    assert found == ["datasets[0].generate.patterns[0].set: dataset 'calls', pattern 'burst' cannot be "
                     "planted: 'callee' and 'caller' share a pool and never hold the same value"]


def test_a_regular_series_starting_outside_the_period_and_a_pattern_without_time():
    found = gen_errors('start: "2024-02-02 10:00"', 'start: "2024-05-02 10:00"')
    assert found == ["datasets[1].generate.patterns[0].start: dataset 'transfers', pattern 'weekly' cannot be "
                     "planted: start: 2024-05-02 10:00 is outside the period"]
    found = gen_errors('      - {id: time, type: datetime}\n      - {id: plate', '      - {id: plate')
    assert any("pattern 'repeated' cannot be planted: the dataset has no datetime column" in f for f in found)


# -- cells and queries ----------------------------------------------------------------------

def test_numbers_as_people_type_them():
    assert parse_number("1 234,5") == 1234.5
    assert parse_number(" 12 ") == 12.0
    assert parse_number("12.") == 12.0
    assert parse_number("twelve") is None
    assert parse_number("1,234.5") is None  # ambiguous: neither form
    assert parse_number(True) is None
    assert cell_value("+996 (555) 12-34-56", "phone") == ("+996 (555) 12-34-56", None)
    assert cell_value("call me", "phone")[1] is not None


def test_a_query_counts_sums_and_finds_the_most_frequent_value():
    scenario, _ = parse(FIXED + CSV_DATASET + TAIL)
    calls = scenario.dataset("calls")
    ph1 = "+996 555 111 222"
    to_ph1 = (Condition("callee", (ph1,)),)
    assert matching_rows(calls, to_ph1) == [1, 2]
    assert run_query(Query("calls", to_ph1, "count"), calls) == ("number", 2.0)
    assert run_query(Query("calls", to_ph1, "sum", "cost"), calls) == ("number", 2.25)
    since = (Condition("time", (), datetime(2024, 3, 11), None),)
    assert run_query(Query("calls", since, "rows"), calls) == ("rows", frozenset({2, 3}))
    assert run_query(Query("calls", (), "most", "callee"), calls) == ("value", frozenset({ph1}))
    # a tie: both values are the answer
    assert run_query(Query("calls", to_ph1, "most", "caller"), calls) == (
        "value", frozenset({"+992 90 333 4444", "+996 700 000 001"}))
    assert run_query(Query("calls", (), "distinct", "caller", min_rows=1), calls)[1] == frozenset(
        {"+992 90 333 4444", "+996 700 000 001", ph1})
    # spaces and hyphens do not matter when a value is compared
    assert matching_rows(calls, (Condition("callee", ("+996555111222",)),)) == [1, 2]
