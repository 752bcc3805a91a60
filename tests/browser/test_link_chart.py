"""The link chart as an analyst reads it: entity icons by type, link labels, strength as line style."""
import uuid

from playwright.sync_api import expect

from trainer.extensions import db
from trainer.models import ScenarioAttempt, User
from trainer.services import scenarios as casework

CY = "element => element._cyreg.cy"  # the Cytoscape instance drawn in the chart element


def panel(page, task):
    return page.locator(f'[data-task="{task.id}"]')


def open_task(page, task):
    page.locator(f'[role="tab"][data-tab="{task.id}"]').click()
    expect(panel(page, task)).to_be_visible()


PASSWORD = "link chart test password"


def new_trainee(live_app) -> str:
    email = f"charts-{uuid.uuid4().hex[:8]}@example.org"
    with live_app.app_context():
        user = User(email=email, full_name="Dilnoza Charts", role="trainee", language="en")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return email


def open_link_chart(page, log_in, open_case_file, live_app):
    """A new trainee opens the shipped Alay road scenario and its link chart task."""
    log_in(new_trainee(live_app), PASSWORD)
    page.goto("/scenarios")
    page.get_by_role("link", name="The Alay road").click()
    attempt_id = open_case_file()
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        spec = casework.scenario_for(attempt.version, attempt.seed)
    task = next(t for t in spec.tasks if t.type == "link_chart")
    open_task(page, task)
    chart = panel(page, task).locator("[data-chart]")
    chart.scroll_into_view_if_needed()
    chart.locator("canvas").first.wait_for(state="attached")
    return task, chart


def add_link(page, task, a, b, link_type, strength):
    box = panel(page, task)
    box.locator("[data-link-a]").select_option(a)
    box.locator("[data-link-b]").select_option(b)
    box.locator("[data-link-type]").select_option(link_type)
    box.locator("[data-link-strength]").select_option(strength)
    box.get_by_role("button", name="Add link").click()


def test_entities_show_their_type_icon_and_links_their_type_and_strength(page, log_in, open_case_file, live_app, live_server, tmp_path):
    task, chart = open_link_chart(page, log_in, open_case_file, live_app)
    nodes = chart.evaluate(CY + ".nodes().map(n => [n.data('type'), n.style('background-image')])")
    assert nodes and all(icon.endswith(f"/static/img/entities/{kind}.svg") for kind, icon in nodes)
    for kind in {kind for kind, _ in nodes} | {"entity"}:  # every icon is served from our origin
        response = page.request.get(f"{live_server}/static/img/entities/{kind}.svg")
        assert response.ok and "svg" in response.headers["content-type"]
    link = task.key.links[0]
    other = task.key.links[1]
    add_link(page, task, link.a, link.b, link.type, "confirmed")
    add_link(page, task, other.a, other.b, other.type, "suspected")
    edges = chart.evaluate(CY + ".edges().map(e => [e.data('label'), e.style('line-style')])")
    labels = panel(page, task).locator("[data-link-type] option").evaluate_all(
        "options => Object.fromEntries(options.map(o => [o.value, o.textContent]))")
    assert edges == [[labels[link.type], "solid"], [labels[other.type], "dashed"]]
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()
    page.reload()  # drawn again from the saved answer
    open_task(page, task)
    chart.scroll_into_view_if_needed()
    chart.locator("canvas").first.wait_for(state="attached")
    expect(panel(page, task).locator("[data-links] li")).to_have_count(2)
    page.wait_for_function("() => document.querySelector('[data-kind=\"link_chart\"] [data-chart]')._cyreg.cy.edges().length === 2")
    assert chart.evaluate(CY + ".edges().map(e => e.style('line-style'))") == ["solid", "dashed"]
    page.wait_for_timeout(300)  # the icons have been painted
    chart.screenshot(path=tmp_path / "link-chart.png")  # to look at



def on_screen(chart, node_id):
    """Where an entity is drawn on the page (the chart's box plus its rendered position)."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    at = chart.evaluate(f"element => element._cyreg.cy.getElementById({node_id!r}).renderedPosition()")
    return box["x"] + at["x"], box["y"] + at["y"]


def test_dragging_one_entity_onto_another_picks_the_pair_and_adding_draws_the_link(page, log_in, open_case_file, live_app):
    task, chart = open_link_chart(page, log_in, open_case_file, live_app)
    link = task.key.links[0]
    before = chart.evaluate(CY + f".getElementById({link.a!r}).position()")
    (x0, y0), (x1, y1) = on_screen(chart, link.a), on_screen(chart, link.b)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    box = panel(page, task)
    expect(box.locator("[data-link-a]")).to_have_value(link.a)
    expect(box.locator("[data-link-b]")).to_have_value(link.b)
    expect(box.locator("[data-link-type]")).to_be_focused()  # the link type is chosen next
    expect(box.locator("[data-link-picked]")).to_contain_text("Pair chosen:")
    assert chart.evaluate(CY + f".getElementById({link.a!r}).position()") == before  # back in its place
    page.keyboard.press("Tab")  # by keyboard from here: strength, then the button
    box.locator("[data-link-type]").select_option(link.type)
    box.get_by_role("button", name="Add link").click()
    expect(box.locator("[data-links] li")).to_have_count(1)
    assert chart.evaluate(CY + ".edges().map(e => [e.source().id(), e.target().id()])") == [[link.a, link.b]]

    # Dropped on empty space, an entity stays where it was put (arranging the chart).
    start = chart.evaluate(CY + f".getElementById({link.b!r}).renderedPosition()")
    x2, y2 = on_screen(chart, link.b)
    page.mouse.move(x2, y2)
    page.mouse.down()
    page.mouse.move(x2 + 20, y2 + 25, steps=5)
    page.mouse.up()
    moved = chart.evaluate(CY + f".getElementById({link.b!r}).renderedPosition()")
    assert abs(moved["x"] - start["x"] - 20) < 3 and abs(moved["y"] - start["y"] - 25) < 3


def test_clicking_one_entity_then_another_still_picks_the_pair(page, log_in, open_case_file, live_app):
    task, chart = open_link_chart(page, log_in, open_case_file, live_app)
    link = task.key.links[0]
    page.mouse.click(*on_screen(chart, link.b))
    page.mouse.click(*on_screen(chart, link.a))
    box = panel(page, task)
    expect(box.locator("[data-link-a]")).to_have_value(link.b)
    expect(box.locator("[data-link-b]")).to_have_value(link.a)
    expect(box.locator("[data-link-type]")).to_be_focused()


def positions(chart):
    return chart.evaluate(CY + ".nodes().map(n => [n.id(), Math.round(n.position('x')), Math.round(n.position('y'))])")


def stored_positions(live_app, attempt_id: int, task_id: str) -> dict:
    """The chart's arrangement as the server has it saved."""
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        answer = (attempt.responses or {}).get(task_id) or {}
        db.session.remove()
        return answer.get("positions") or {}


def test_a_layout_chosen_and_entities_arranged_by_hand_come_back_after_a_reload(page, log_in, open_case_file, live_app):
    task, chart = open_link_chart(page, log_in, open_case_file, live_app)
    box = panel(page, task)
    circle = positions(chart)
    for layout in ("cose", "concentric", "breadthfirst", "grid"):
        box.locator("[data-chart-layout]").select_option(layout)
        assert positions(chart) != circle, layout
    grid = positions(chart)
    first = task.key.links[0].a
    x, y = on_screen(chart, first)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 15, y + 40, steps=5)
    page.mouse.up()
    arranged = positions(chart)
    assert arranged != grid
    # "All changes saved." may still be showing from the layouts' save: wait for the drag's own.
    attempt_id = int(page.url.rsplit("/", 1)[1])
    expected = {node: [x, y] for node, x, y in arranged}
    for _ in range(100):
        if stored_positions(live_app, attempt_id, task.id) == expected:
            break
        page.wait_for_timeout(100)
    assert stored_positions(live_app, attempt_id, task.id) == expected
    page.reload()
    open_task(page, task)
    chart.scroll_into_view_if_needed()
    chart.locator("canvas").first.wait_for(state="attached")
    expect(box.locator("[data-chart-layout]")).to_have_value("grid")
    page.wait_for_function("() => document.querySelector('[data-kind=\"link_chart\"] [data-chart]')._cyreg")
    assert positions(chart) == arranged


def test_search_highlights_an_entity_and_its_neighbours(page, log_in, open_case_file, live_app):
    task, chart = open_link_chart(page, log_in, open_case_file, live_app)
    link = task.key.links[0]
    box = panel(page, task)
    add_link(page, task, link.a, link.b, link.type, "confirmed")
    name = chart.evaluate(CY + f".getElementById({link.a!r}).data('label')")
    box.locator("[data-chart-search]").fill(name)
    found = chart.evaluate(CY + ".nodes('.found').map(n => n.id())")
    near = chart.evaluate(CY + ".nodes('.near').map(n => n.id())")
    faded = chart.evaluate(CY + ".nodes('.faded').map(n => n.id())")
    assert found == [link.a] and sorted(near) == sorted([link.a, link.b])
    assert link.a not in faded and link.b not in faded and len(faded) == chart.evaluate(CY + ".nodes().length") - 2
    assert chart.evaluate(CY + ".edges('.near').length") == 1
    box.locator("[data-chart-search]").fill("")
    assert chart.evaluate(CY + ".elements('.found, .near, .faded').length") == 0
