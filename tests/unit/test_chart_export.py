"""Reading a saved link chart answer for export: what is drawn is kept, anything malformed is left out."""
import xml.etree.ElementTree as ET

from trainer.domain.chart_export import UNCONFIRMED, ChartEntity, ChartLink, chart_anx, chart_board, chart_tables, read_chart

BOARD = [{"id": "P1", "label": "Aibek", "type": "person"}, {"id": "PH1", "label": "+996 555 000 111", "type": "phone"}]


def test_a_hostile_answer_reads_as_the_board_alone():
    for answer in (None, [], "links", {"links": "x", "entities": {"a": 1}, "positions": [1, 2]},
                   {"links": [None, {"between": "P1"}, {"between": [["P1"], "PH1"], "type": "owns"},
                              {"between": ["P1", "P1"], "type": "owns"}, {"between": ["P1", "PH1"], "type": "teleports"}],
                    "entities": [None, {"id": "P1", "label": "Not Aibek", "type": "person"},  # a case id: taken
                                 {"id": "x", "label": "", "type": "phone"}, {"id": "y", "label": "Y", "type": "ufo"}]}):
        chart = read_chart(BOARD, answer)
        assert chart.links == ()
        assert chart.entities == (ChartEntity("P1", "Aibek", "person"), ChartEntity("PH1", "+996 555 000 111", "phone"))


def test_links_positions_and_entities_from_the_data():
    answer = {
        "links": [{"between": ["P1", "PH1"], "type": "uses_phone", "strength": "confirmed"},
                  {"between": ["P1", "PH1"], "type": "uses_phone", "strength": "suspected"},  # drawn twice: once
                  {"between": ["PH1", "data:+996 700"], "type": "called", "strength": "certain", "source": "data"}],
        "entities": [{"id": "data:+996 700", "label": "+996 700", "type": "phone", "source": "data"}],
        "positions": {"P1": [10.6, -20], "PH1": [True, 3], "data:+996 700": [1e9, 0]},
    }
    chart = read_chart(BOARD, answer)
    assert chart.entities[0].at == (10, -20)
    assert chart.entities[1].at is None and chart.entities[2].at is None  # a flag, a huge number: no place
    assert chart.entities[2] == ChartEntity("data:+996 700", "+996 700", "phone", "data")
    assert chart.links == (ChartLink("P1", "PH1", "uses_phone", "confirmed"),
                           ChartLink("PH1", "data:+996 700", "called", UNCONFIRMED, "data"))
    board = chart_board(BOARD + [{"id": "L1", "label": "Osh", "type": "location"}], {"entity_ids": ["P1", "PH1"]}, answer)
    assert [(e["id"], e["source"]) for e in board] == [("P1", "case"), ("PH1", "case"), ("data:+996 700", "data")]
    tables = chart_tables(chart, str)
    assert tables["links.csv"][2] == ["PH1", "+996 555 000 111", "called", "data:+996 700", "+996 700",
                                      "unconfirmed", "data"]
    document = ET.fromstring(b"".join(chart_anx(chart, str)))
    assert {e.get("Identity") for e in document.iter("Entity")} == {"P1", "PH1", "data:+996 700"}
    assert [s.get("Strength") for s in document.iter("LinkStyle")] == ["confirmed", "unconfirmed"]
