"""The result page draws the trainee's link chart beside the key's and their order beside the key's."""
import json
import re

import pytest

from conftest import csrf_token, post_form


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def submitted_page(client, make_user, auth, example_loaded):
    """A trainee's result with one right, one half, two wrong and two missed links, and E2, E1, E3."""
    auth.login(make_user("trainee"))
    attempt = int(post_form(client, "/scenarios/alay-road/start").headers["Location"].rsplit("/", 1)[1])
    answers = {
        "links": {"links": [{"between": ["O1", "P1"], "type": "employs"}, {"between": ["V1", "P1"], "type": "uses_vehicle"},
                            {"between": ["P1", "A1"]}, {"between": ["P2", "L2"], "type": "met"}]},
        "timeline": {"order": ["E2", "E1", "E3"], "times": {"E2": "2024-03-10 09:00"}},
    }
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(answers),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    response = post_form(client, f"/scenario-attempts/{attempt}/submit", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_trainees_chart_beside_the_keys_with_a_legend(submitted_page):
    page = submitted_page
    charts = re.findall(r'<figure class="result-chart">.*?</figure>', page, re.S)
    assert len(charts) == 2
    mine, key = charts
    assert "Your chart" in mine and "right: 1, partly right: 1, wrong: 2" in mine
    assert [mine.count(f'class="link link-{o}"') for o in ("right", "partly", "wrong", "missed")] == [1, 1, 2, 0]
    assert "The key" in key and "links in the key: 4, missed: 2" in key
    assert [key.count(f'class="link link-{o}"') for o in ("right", "partly", "wrong", "missed")] == [1, 1, 0, 2]
    assert mine.count('class="node"') == key.count('class="node"') == 9  # every entity of the board, in both
    assert "img/entities/person." in mine and "img/entities/bank_account." in mine  # each type's icon
    # Each link says what it is in its tooltip; a reversed one points the way it was drawn.
    assert re.search(r"<title>[^<]+ — met — [^<]+: wrong</title>", mine)
    assert 'marker-end="url(#arrow-links-mine-partly)"' in mine
    for text in ("✓", "½", "✗"):  # not by colour alone: a mark on every link
        assert f">{text}</text>" in mine
    assert ">○</text>" in key
    legend = page.split('class="chart-legend"', 1)[1].split("</ul>", 1)[0]
    assert all(word in legend for word in ("right:", "partly right:", "wrong:", "missed:"))


def test_the_order_beside_the_keys_with_a_mark_for_each_event(submitted_page):
    orders = submitted_page.split('class="order-pair"', 1)[1].split("</div>", 1)[0]
    mine, key = orders.split("</section>")[:2]
    assert "Your order" in mine and "The key’s order" in key
    assert mine.count("event-misplaced") == 2 and mine.count("event-right") == 1
    assert "misplaced: no. 2 in the key" in mine and "2024-03-10 09:00" in mine
    assert "misplaced: no. 1 in your order" in key and "2024-03-11 05:50" in key  # the key's times
    assert "{{" not in orders  # mentions shown as names


def test_the_pictures_are_in_russian(client, make_user, auth, example_loaded):
    auth.login(make_user("trainee", language="ru"))
    attempt = int(post_form(client, "/scenarios/alay-road/start").headers["Location"].rsplit("/", 1)[1])
    page = post_form(client, f"/scenario-attempts/{attempt}/submit", follow_redirects=True).get_data(as_text=True)
    assert "Ваша схема" in page and "Порядок по ключу" in page and "связей в ключе: 4, пропущено: 4" in page
