"""Two small scenarios with datasets and a `query` task, for unit, web and browser tests.

FIXED: call records typed in as CSV, every key computed by hand in the comments.
TEMPLATE: the same questions on generated call records, keyed per variant from its rows.
"""

HEAD = """\
id: {id}
title: Courier calls
summary: A courier network seen through call records.
language: en
version: 1
estimated_minutes: 30
pass_mark: 60
{template}brief: "{{{{P1}}}} is thought to run couriers between Osh and Batken."
tasking: Answer the questions from the call records.
entities:
  - {{id: P1, type: person, name: "{p1}", gender: male}}
  - {{id: PH1, type: phone, number: "{ph1}", registered_to: "{{{{P1}}}}"}}
  - {{id: PH2, type: phone, number: "{ph2}"}}
  - {{id: PH3, type: phone, number: "{ph3}"}}
reports:
  - id: R1
    received: "2024-03-13 09:00"
    source: {{type: police_record, description: "Seizure record"}}
    text: "Heroin seized from a courier at Kyzyl-Kiya on 12 March at 06:00; {{{{PH1}}}} is the courier's phone."
"""

FIXED = HEAD.format(id="courier-calls", template="", p1="Azamat Asanov", ph1="+996 555 111 222",
                    ph2="+992 90 333 4444", ph3="+996 700 555 666") + """\
datasets:
  - id: calls
    title: Call records of {{PH1}}
    columns:
      - {id: time, type: datetime, label: Start}
      - {id: caller, type: phone, label: Calling number}
      - {id: callee, type: phone, label: Called number}
      - {id: seconds, type: integer, label: "Duration, s"}
    csv: |
      time,caller,callee,seconds
      2024-03-09 10:00,{{PH2}},{{PH1}},60
      2024-03-10 21:04,{{PH2}},{{PH1}},65
      2024-03-11 08:00,{{PH3}},{{PH1}},30
      2024-03-11 09:30,{{PH1}},{{PH2}},120
      2024-03-11 12:00,{{PH2}},{{PH1}},45
      2024-03-11 23:10,{{PH2}},{{PH1}},15
      2024-03-12 07:00,{{PH2}},{{PH1}},90
      2024-03-13 10:00,{{PH3}},{{PH2}},20
tasks:
  - id: data
    type: query
    title: Questions on the call records
    weight: 100
    questions:
      - id: Q1
        dataset: calls
        question: "Which number called {{PH1}} most often in the 48 hours before the seizure?"
        answer: value
        compute:     # rows 2, 3, 5, 6: PH2 three times (2, 5, 6), PH3 once (3)
          where: {callee: PH1, time: {from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}
          most: caller
        rationale: "Three of the four calls to the courier in those 48 hours came from {{PH2}}."
      - id: Q2
        dataset: calls
        question: "How many calls did {{PH1}} receive?"
        answer: number
        compute: {where: {callee: PH1}, count: true}    # rows 1, 2, 3, 5, 6, 7: 6
        rationale: "Six rows have {{PH1}} as the called number."
      - id: Q3
        dataset: calls
        question: "How many seconds did the calls to {{PH1}} last in all?"
        answer: number
        tolerance: "10%"
        compute: {where: {callee: PH1}, sum: seconds}   # 60 + 65 + 30 + 45 + 15 + 90 = 305
        rationale: "Add the durations of the six calls."
      - id: Q4
        dataset: calls
        question: "Which numbers called {{PH1}}?"
        answer: set
        compute: {where: {callee: PH1}, distinct: caller}   # PH2 and PH3
        rationale: "Two numbers: {{PH2}} and {{PH3}}."
      - id: Q5
        dataset: calls
        question: "Mark the calls made on 11 March."
        answer: rows
        compute: {where: {time: {from: "2024-03-11 00:00", to: "2024-03-12 00:00"}}, rows: true}  # 3-6
        rationale: "Rows 3 to 6."
"""

TEMPLATE = HEAD.format(id="courier-calls-generated", template="template: true\nseed: 7\n",
                       p1="{faker:person_kg}", ph1="{faker:phone_kg}", ph2="{faker:phone_tj}",
                       ph3="{faker:phone_kg}") + """\
datasets:
  - id: calls
    title: Call records of {{PH1}}
    columns:
      - {id: time, type: datetime, label: Start}
      - {id: caller, type: phone, label: Calling number}
      - {id: callee, type: phone, label: Called number}
      - {id: seconds, type: integer, label: "Duration, s"}
      - {id: cell, type: string, label: Cell site}
    generate:
      rows: 3000
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
          before: ["2024-03-12 06:00"]
          hours: 48
          count: 9
          set: {caller: PH2, callee: PH1, seconds: {range: [20, 120]}}
tasks:
  - id: data
    type: query
    title: Questions on the call records
    weight: 100
    questions:
      - id: Q1
        dataset: calls
        question: "Which number called {{PH1}} most often in the 48 hours before the seizure?"
        answer: value
        compute:
          where: {callee: PH1, time: {from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}
          most: caller
        rationale: "{{PH2}}: nine calls in 48 hours, more than any other number."
      - id: Q2
        dataset: calls
        question: "How many calls did {{PH2}} make to {{PH1}} in those 48 hours?"
        answer: number
        compute:
          where: {caller: PH2, callee: PH1, time: {from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}
          count: true
        rationale: "Filter the calls from {{PH2}} to {{PH1}} in the window and count them."
      - id: Q3
        dataset: calls
        question: "Mark those calls."
        answer: rows
        compute:
          where: {caller: PH2, callee: PH1, time: {from: "2024-03-10 06:00", to: "2024-03-12 06:00"}}
          rows: true
        rationale: "The rows of the burst."
"""
