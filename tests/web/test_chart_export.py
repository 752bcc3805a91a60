"""The trainee's link chart as i2 Analyst's Notebook's exchange format (.anx) and as two CSV tables:
what the saved answer draws (entities added from the data marked), for the owner and the trainers
who may review the attempt, nobody else."""
import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import csrf_token, post_form
from trainer.extensions import db
from trainer.models import Cohort, CohortMember, ScenarioAttempt, User
from trainer.services import scenarios as casework

DATA_PHONE = "+996 700 111 222"
ANSWER = {
    "links": [
        {"between": ["O1", "P1"], "type": "employs", "strength": "confirmed"},
        {"between": ["P1", "V1"], "type": "uses_vehicle", "strength": "suspected"},
        {"between": ["P1", "P2"], "type": "associate"},  # no strength: unconfirmed, dotted
        {"between": ["P1", "data:" + DATA_PHONE], "type": "associate", "strength": "confirmed", "source": "data"},
        {"between": ["P1", "NOBODY"], "type": "associate"},  # an end not on the chart: left out
    ],
    "entities": [{"id": "data:" + DATA_PHONE, "label": DATA_PHONE, "type": "phone", "source": "data"},
                 {"id": "bad", "label": "=HYPERLINK()", "type": "spaceship"}],  # unknown type: left out
    "positions": {"O1": [100, 40], "P1": [220, 160]},
}


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def saved(app, client, make_user, auth, example_loaded):
    """A trainee's attempt at the example with ANSWER saved on its link chart task."""
    trainee = make_user("trainee")
    auth.login(trainee)
    response = post_form(client, "/scenarios/alay-road/start")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = client.post(f"/scenario-attempts/{attempt_id}/save", data=json.dumps({"links": ANSWER}),
                           headers={"X-CSRFToken": csrf_token(client, f"/scenario-attempts/{attempt_id}"),
                                    "Content-Type": "application/json"})
    assert response.status_code == 200
    with app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        spec = casework.scenario_for(attempt.version, attempt.seed)
        names = {e.id: spec.render(e.display) for e in spec.entities}
    return attempt_id, trainee, names


def test_the_anx_file_holds_the_trainees_chart(client, saved):
    attempt_id, _trainee, names = saved
    response = client.get(f"/scenario-attempts/{attempt_id}/chart/links.anx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="alay-road-links-{attempt_id}.anx"'
    assert response.data[:2] == b"\xff\xfe"  # UTF-16 with its mark, as i2 Analyst's Notebook reads it
    chart = ET.fromstring(response.data)
    icons = {item.find(".//Entity").get("Identity"): item for item in chart.iter("ChartItem")
             if item.find(".//Entity") is not None}
    # Every entity of the task's board, and the one added from the data; nothing else.
    assert set(icons) == set(names) | {"data:" + DATA_PHONE}
    assert icons["P1"].get("Label") == names["P1"]
    assert icons["data:" + DATA_PHONE].get("Label") == DATA_PHONE
    types = {t.get("Name"): t.get("IconFile") for t in chart.iter("EntityType")}
    assert {"person": "Person", "organisation": "Organisation", "vehicle": "Car", "bank account": "Account",
            "phone": "Phone", "location": "Place"}.items() <= types.items()
    assert icons["O1"].find(".//IconStyle").get("Type") == "organisation"
    # Where the trainee put them on the chart.
    assert (icons["O1"].find("End").get("X"), icons["O1"].find("End").get("Y")) == ("100", "40")
    # The entity from the data is framed and says where it came from.
    frame = icons["data:" + DATA_PHONE].find(".//FrameStyle")
    assert frame is not None and frame.get("Visible") == "true"
    assert icons["data:" + DATA_PHONE].find(".//Attribute").get("Value") == "data"
    assert icons["P1"].find(".//FrameStyle") is None
    # Links: labelled with their type, confidence as line style, directed types with an arrow.
    styles = {s.get("Name"): s.get("DotStyle") for s in chart.iter("Strength")}
    assert styles["confirmed"] == "DotStyleSolid"
    assert styles["suspected"] == "DotStyleDashed"
    assert styles["unconfirmed"] == "DotStyleDotted"
    ends = {item.find(".//Entity").get("EntityId"): identity for identity, item in icons.items()}
    links = {}
    for item in chart.iter("ChartItem"):
        link = item.find("Link")
        if link is not None:
            style = link.find("LinkStyle")
            links[(ends[link.get("End1Id")], ends[link.get("End2Id")])] = (
                item.get("Label"), style.get("Strength"), style.get("ArrowStyle"))
    assert links == {
        ("O1", "P1"): ("employs", "confirmed", "ArrowOnHead"),
        ("P1", "V1"): ("uses vehicle", "suspected", "ArrowOnHead"),
        ("P1", "P2"): ("associate of", "unconfirmed", None),
        ("P1", "data:" + DATA_PHONE): ("associate of", "confirmed", None),
    }


def test_the_csv_tables_in_russian(client, saved):
    attempt_id, _trainee, names = saved
    response = client.get(f"/scenario-attempts/{attempt_id}/chart/links.zip?lang=ru")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["entities.csv", "links.csv"]
    entities = list(csv.reader(io.StringIO(archive.read("entities.csv").decode("utf-8-sig"))))
    links = list(csv.reader(io.StringIO(archive.read("links.csv").decode("utf-8-sig"))))
    assert entities[0] == ["Идентификатор", "Объект", "Тип", "Источник"]
    assert [names["P1"], "лицо", "материалы дела"] == entities[[r[0] for r in entities].index("P1")][1:]
    # A number starting with + would run as a formula in a spreadsheet: quoted, as every export does.
    assert entities[-1] == ["data:" + DATA_PHONE, "'" + DATA_PHONE, "телефон", "данные"]
    assert links[0] == ["Код начала", "Начало", "Тип связи", "Код конца", "Конец", "Степень подтверждения", "Источник"]
    assert links[1] == ["O1", names["O1"], "нанимает", "P1", names["P1"], "подтверждённая", "материалы дела"]
    assert len(links) == 5


def test_only_the_owner_and_their_trainers_download(app, client, make_user, auth, saved):
    attempt_id, trainee, _names = saved
    url = f"/scenario-attempts/{attempt_id}/chart/links.anx"
    assert client.get(f"/scenario-attempts/{attempt_id}/chart/evaluate.anx").status_code == 404  # not a chart
    trainer, stranger, other = make_user("trainer"), make_user("trainer"), make_user("trainee")
    with app.app_context():
        cohort = Cohort(name="Osh analysts", trainers=[db.session.get(User, trainer.id)])
        db.session.add(cohort)
        db.session.flush()
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id))
        db.session.commit()
    for person, status in ((other, 404), (stranger, 404), (trainer, 200)):
        auth.logout()
        auth.login(person)
        assert client.get(url).status_code == status, person.role
