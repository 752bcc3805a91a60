"""The timeline in the workspace: events dragged into order (the keyboard path kept) and the ones
given a time placed on a time axis."""
import re

from playwright.sync_api import expect

from browser.test_scenario_workspace import open_attempt, open_task, panel


def event_order(box):
    return box.locator("[data-timeline] > li").evaluate_all("items => items.map(i => i.dataset.event)")


def drag(page, handle, target, below=False):
    """Press on a handle, move over the target's top (or bottom) quarter, let go: as a mouse does."""
    start, end = handle.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    y = end["y"] + end["height"] * (0.8 if below else 0.2)
    page.mouse.move(end["x"] + 20, y, steps=8)
    page.mouse.up()


def test_events_are_dragged_into_order_and_placed_on_a_time_axis(page, log_in, live_app):
    page.set_viewport_size({"width": 1366, "height": 900})
    _, spec = open_attempt(page, log_in, live_app, "alay-road")
    task = next(t for t in spec.tasks if t.type == "timeline")
    open_task(page, task)
    box = panel(page, task)
    axis = box.locator("[data-time-axis]")
    expect(axis).to_be_hidden()  # no time given yet
    shuffled = event_order(box)

    # Drag the last event to the top, then the (new) last one below the first.
    items = box.locator("[data-timeline] > li")
    drag(page, items.last.locator("[data-drag-handle]"), items.first)
    after_first = [shuffled[2], shuffled[0], shuffled[1]]
    assert event_order(box) == after_first
    with page.expect_response(lambda r: r.url.endswith("/save")):
        drag(page, items.last.locator("[data-drag-handle]"), items.first, below=True)
    assert event_order(box) == [shuffled[2], shuffled[1], shuffled[0]]

    # The keyboard path still works: Tab to "Move earlier", Enter.
    second = items.nth(1)
    moving = second.get_attribute("data-event")
    second.locator('[data-move="up"]').focus()
    page.keyboard.press("Enter")
    expect(items.first).to_have_attribute("data-event", moving)

    # Times given to two events put them on the axis by their number in the list; a list that
    # disagrees with them says so, and one button orders the list by them.
    items.nth(0).locator("[data-time]").fill("2024-03-11 05:50")
    items.nth(2).locator("[data-time]").fill("01.03.2024")
    expect(axis).to_be_visible()
    expect(axis.locator(".axis-mark")).to_have_count(2)
    expect(axis.locator(".axis-mark text")).to_have_text(["3", "1"])  # earliest on the left
    expect(axis.locator("svg")).to_have_attribute("aria-label", re.compile("2 of 3 events have a time, from 2024-03-01 00:00 to 2024-03-11 05:50"))
    expect(axis).to_contain_text("no. 3 has an earlier time than no. 1")
    timed_last = items.nth(2).get_attribute("data-event")
    untimed = items.nth(1).get_attribute("data-event")
    with page.expect_response(lambda r: r.url.endswith("/save")):  # autosaved, as any change
        axis.get_by_role("button", name="Order the list by these times").click()
    expect(items.first).to_have_attribute("data-event", timed_last)
    expect(items.nth(1)).to_have_attribute("data-event", untimed)  # an event without a time keeps its place
    expect(axis.get_by_role("button", name="Order the list by these times")).to_be_hidden()
    saved = event_order(box)

    page.reload()
    open_task(page, task)
    assert event_order(panel(page, task)) == saved
    expect(panel(page, task).locator("[data-time-axis] .axis-mark")).to_have_count(2)
