"""Issue 13's flow in Chromium, as a trainee analyst works it: the data scenario's call records
filtered and grouped (with the bar chart), ticked rows added to the link chart (marked as from the
data), a link drawn by dragging, the chart exported as PNG, SVG and ANX, the query tasks answered,
submitted, the trainee's chart beside the key's; nothing cut at 1366 or 390 px."""
import re
import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from browser.test_link_chart import CY, on_screen
from browser.test_scenario_workspace import CUT_SELECTS, STICKING_OUT, fill_queries, open_attempt, open_task, panel

SLUG = "courier-network-data"
# Visible things of the shown panel that stick out of it; the data table scrolls inside its box.
OUTSIDE = """() => {
  const card = document.querySelector('.task:not([hidden])').getBoundingClientRect();
  const right = Math.min(card.right, document.documentElement.clientWidth);
  return Array.from(document.querySelectorAll('.task:not([hidden]) *'))
    .filter(e => e.offsetParent && !e.closest('.data-scroller, .data-groups') && e.getBoundingClientRect().right > right + 1)
    .map(e => e.tagName + '.' + e.className);
}"""


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    assert page.evaluate(OUTSIDE) == []


def test_a_trainee_analyses_the_calls_charts_them_exports_and_submits(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    attempt_id, spec = open_attempt(page, log_in, live_app, SLUG)
    shown = {e.id: spec.render(e.display) for e in spec.entities}
    entity_values = set(shown.values())
    chart_task = next(t for t in spec.tasks if t.type == "link_chart")
    calls = spec.dataset("calls")
    # A call from the courier's phone to a number that is not in the case: a new entity.
    number, row = next((n, r) for n, r in enumerate(calls.rows, 1)
                       if r[1] == shown["PH1"] and r[2] not in entity_values)
    outside = row[2]

    # The data tab: filter the calls between the company's phone and the courier's, group by day.
    page.locator('[role="tab"][data-tab="_data"]').click()
    widget = page.locator("[data-datasets]")
    expect(widget.locator("[data-data-count]")).to_have_text("Rows shown: 3000 of 3000")
    widget.get_by_label("Filter Calling number").fill(shown["PH2"])
    widget.get_by_label("Filter Called number").fill(shown["PH1"])
    burst = widget.locator("[data-data-count]").inner_text()
    widget.get_by_label("Group by").select_option(label="Start: day")
    bars = widget.locator(".data-chart svg[data-bars]")
    expect(bars).to_be_visible()
    assert int(bars.get_attribute("data-bars")) == widget.locator(".data-grouped tbody tr:not(.data-spacer)").count()
    page.screenshot(path=tmp_path / "1366-data-grouped.png")
    fits(page, 1366)
    # Back to the rows: tick two calls of the burst and the courier's call to the outside number.
    widget.get_by_label("Group by").select_option(label="(no grouping)")
    expect(widget.locator("[data-data-count]")).to_have_text(burst)
    ticks = widget.locator("tbody input[data-row]")
    ticks.nth(0).check()
    ticks.nth(1).check()
    widget.get_by_role("button", name="Clear the filters").click()
    widget.get_by_label("Filter Called number").fill(outside)
    widget.get_by_label(f"Tick row {number}", exact=True).check()
    expect(widget.locator("[data-data-selection]")).to_have_text("Rows ticked: 3")
    widget.get_by_role("button", name="Add the ticked rows to the chart").click()
    # Two links (company phone -> courier, courier -> the outside number), one new entity.
    expect(widget.locator("[data-data-chart-note]")).to_have_text(
        "Added to the chart: new entities 1, new links 2 (marked as coming from the data).")
    widget.get_by_role("button", name="Open the chart").click()

    # The chart: the rows' links are listed and drawn, marked as coming from the data.
    box = panel(page, chart_task)
    expect(box).to_be_visible()
    chart = box.locator("[data-chart]")
    chart.scroll_into_view_if_needed()
    expect(box.get_by_role("button", name="Picture (PNG)")).to_be_enabled()
    expect(box.locator("[data-links] li .from-data")).to_have_count(2)
    page.wait_for_function(f"() => document.querySelector('[data-task=\"{chart_task.id}\"] [data-chart]')"
                           "._cyreg.cy.edges('[origin = \"data\"]').length === 2")
    assert chart.evaluate(CY + f".getElementById({'data:' + outside!r}).data('origin')") == "data"
    # Draw a link by dragging the courier onto his phone, then finish it with the keyboard.
    (x0, y0), (x1, y1) = on_screen(chart, "P2"), on_screen(chart, "PH1")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    expect(box.locator("[data-link-type]")).to_be_focused()
    box.locator("[data-link-type]").select_option("uses_phone")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(box.get_by_role("button", name="Add link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(box.locator("[data-links] li")).to_have_count(3)
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=15_000)
    page.screenshot(path=tmp_path / "1366-chart.png")
    assert page.evaluate(CUT_SELECTS) == []
    assert page.evaluate(STICKING_OUT) == []

    # Exports: PNG and SVG from the chart on screen, ANX from the saved answer.
    with page.expect_download() as png:
        box.get_by_role("button", name="Picture (PNG)").click()
    assert png.value.suggested_filename == f"{SLUG}-{chart_task.id}.png"
    assert open(png.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        box.get_by_role("button", name="Drawing (SVG)").click()
    svg.value.save_as(tmp_path / "chart.svg")  # to look at
    drawing = ET.parse(tmp_path / "chart.svg").getroot()
    assert len(drawing.findall("{http://www.w3.org/2000/svg}g[@class='entity']")) == len(chart_task.content.entity_ids) + 1
    assert len(drawing.findall("{http://www.w3.org/2000/svg}g[@class='link']")) == 3
    with page.expect_download() as anx:
        box.get_by_role("button", name="i2 chart (ANX)").click()
    assert anx.value.suggested_filename == f"{SLUG}-{chart_task.id}-{attempt_id}.anx"
    document = ET.parse(anx.value.path()).getroot()
    identities = {e.get("Identity") for e in document.iter("Entity")}
    assert {"P2", "PH1", "PH2", "data:" + outside} <= identities
    labels = sorted(item.get("Label") for item in document.iter("ChartItem") if item.find("Link") is not None)
    assert labels == ["called", "called", "uses phone"]

    # The phone: the chart task and the data tab fit 390 px.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Tasks").click()  # the case file and the tasks are two views
    expect(box).to_be_visible()
    page.screenshot(path=tmp_path / "390-chart.png", full_page=True)
    fits(page, 390)
    page.locator('[role="tab"][data-tab="_data"]').click()
    page.screenshot(path=tmp_path / "390-data.png", full_page=True)
    fits(page, 390)
    page.set_viewport_size({"width": 1366, "height": 768})

    # The questions on the data, then submit.
    fill_queries(page, next(t for t in spec.tasks if t.type == "query"))
    expect(page.locator("#autosave-status")).to_have_text("All changes saved.", timeout=15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text(re.compile(r"Total: \d+%"))).to_be_visible()
    query = next(t for t in spec.tasks if t.type == "query")
    expect(page.locator("table.result-tasks tbody tr").filter(has_text=query.title)).to_contain_text("100")
    # The trainee's chart beside the key's, and the order beside the key's.
    chart_result = page.locator(f"#result-{chart_task.id}")
    chart_result.locator("summary").click()
    expect(chart_result.locator("figure.result-chart")).to_have_count(2)
    # The number from the data is named as it is in the feedback (not as an unknown mention).
    feedback = chart_result.locator("table").last.inner_text()
    assert outside in feedback and "{{" not in feedback
    timeline = next(t for t in spec.tasks if t.type == "timeline")
    page.locator(f"#result-{timeline.id} summary").click()
    expect(page.locator(f"#result-{timeline.id} .order-pair")).to_be_visible()
    page.screenshot(path=tmp_path / "1366-result.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
