"""The result page: the trainee's link chart beside the key's and their order beside the key's,
nothing clipped at 1366 and 390 px."""
import re

from playwright.sync_api import expect

from browser.test_scenario_workspace import open_attempt, open_task, panel


# Parts of the result's pictures drawn outside their picture (an SVG cuts them off), and frames
# outside the screen (on a phone a chart keeps a readable size and scrolls sideways in its frame).
CLIPPED = """() => {
  const width = document.documentElement.clientWidth;
  const frames = Array.from(document.querySelectorAll('.chart-scroll, .order-pair'))
    .filter(f => f.getBoundingClientRect().right > width + 1).map(f => f.className + ' leaves the screen');
  return frames.concat(Array.from(document.querySelectorAll('.result-chart svg, .order-pair')).flatMap(picture => {
    const frame = picture.getBoundingClientRect();
    return Array.from(picture.querySelectorAll('text, circle, line, li')).filter(e => {
      const r = e.getBoundingClientRect();
      return r.width && (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1
                         || r.bottom > frame.bottom + 1);
    }).map(e => picture.tagName + ' ' + e.tagName + ': ' + (e.textContent || '').trim().slice(0, 30));
  }));
}"""


def test_the_result_shows_both_charts_and_both_orders_unclipped(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    _, spec = open_attempt(page, log_in, live_app, "alay-road")
    links = next(t for t in spec.tasks if t.type == "link_chart")
    open_task(page, links)
    box = panel(page, links)
    right, reversed_, *_ = links.key.links
    for a, b, link_type in [(right.a, right.b, right.type), (reversed_.b, reversed_.a, reversed_.type), ("P2", "L2", "met")]:
        box.locator("[data-link-a]").select_option(a)
        box.locator("[data-link-b]").select_option(b)
        box.locator("[data-link-type]").select_option(link_type)
        box.get_by_role("button", name="Add link").click()
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text(re.compile(r"Total: \d+%"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollHeight") < 3000  # details collapsed

    for task_id in (links.id, "timeline"):
        page.locator(f"#result-{task_id} > summary").click()
    charts = page.locator(f"#result-{links.id} figure.result-chart")
    expect(charts).to_have_count(2)
    mine, key = charts.nth(0), charts.nth(1)
    expect(mine.locator("g.link-right")).to_have_count(1)
    expect(mine.locator("g.link-partly")).to_have_count(1)
    expect(mine.locator("g.link-wrong")).to_have_count(1)
    expect(key.locator("g.link-missed")).to_have_count(len(links.key.links) - 2)
    # Side by side at 1366 px, one above the other on a phone; nothing clipped at either width.
    assert mine.bounding_box()["y"] == key.bounding_box()["y"]
    page.screenshot(path=tmp_path / "result-charts-1366.png", full_page=True)
    assert page.evaluate(CLIPPED) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert key.bounding_box()["y"] > mine.bounding_box()["y"] + mine.bounding_box()["height"] - 1
    page.screenshot(path=tmp_path / "result-charts-390.png", full_page=True)
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
