"""The link chart as an analyst reads it: entity icons by type, link labels, strength as line style."""
from playwright.sync_api import expect

from trainer.extensions import db
from trainer.models import ScenarioAttempt
from trainer.services import scenarios as casework

CY = "element => element._cyreg.cy"  # the Cytoscape instance drawn in the chart element


def panel(page, task):
    return page.locator(f'[data-task="{task.id}"]')


def open_task(page, task):
    page.locator(f'[role="tab"][data-tab="{task.id}"]').click()
    expect(panel(page, task)).to_be_visible()


def open_link_chart(page, log_in, live_app):
    """The trainee opens the shipped Alay road scenario and its link chart task."""
    log_in("trainee@example.org")
    page.goto("/scenarios")
    page.get_by_role("link", name="The Alay road").click()
    page.get_by_role("button", name="Open the case file").click()
    attempt_id = int(page.url.rsplit("/", 1)[1])
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


def test_entities_show_their_type_icon_and_links_their_type_and_strength(page, log_in, live_app, live_server, tmp_path):
    task, chart = open_link_chart(page, log_in, live_app)
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
    page.reload()  # drawn again from the saved answer
    open_task(page, task)
    chart.scroll_into_view_if_needed()
    chart.locator("canvas").first.wait_for(state="attached")
    expect(panel(page, task).locator("[data-links] li")).to_have_count(2)
    page.wait_for_function("() => document.querySelector('[data-kind=\"link_chart\"] [data-chart]')._cyreg.cy.edges().length === 2")
    assert chart.evaluate(CY + ".edges().map(e => e.style('line-style'))") == ["solid", "dashed"]
    page.wait_for_timeout(300)  # the icons have been painted
    chart.screenshot(path=tmp_path / "link-chart.png")  # to look at

