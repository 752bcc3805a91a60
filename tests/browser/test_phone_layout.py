"""Every main page of every role fits a 360 px phone: what is wider (a table) scrolls in its own box."""
from __future__ import annotations

import pytest

from page_tour import PAGES, opened, tour  # noqa: F401 (tour is a fixture)

PHONE = {"width": 360, "height": 740}
# Visible elements reaching past the screen's right edge, outside a box that scrolls them.
PAST_THE_EDGE = """width => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > width + 2 && !e.closest('.overflow-auto, .table-scroll'))
    .filter(e => !e.parentElement.closest('table') || e.tagName === 'TABLE')
    .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.mark.parametrize("tour_page", PAGES, ids=str)
def test_page_fits_a_phone(browser, tour, tour_page):
    with opened(browser, tour, tour_page, viewport=PHONE) as page:
        wider = page.evaluate("document.documentElement.scrollWidth")
        assert wider <= PHONE["width"] + 2, page.evaluate(PAST_THE_EDGE, PHONE["width"])[:6]


def test_the_attendance_grid_keeps_each_officers_name_in_view_as_it_scrolls(browser, tour):
    # The grid is wider than a phone: scrolled to its last columns, a row of radio buttons with
    # no name beside it cannot be marked for the right officer.
    attendance = next(p for p in PAGES if p.name == "attendance")
    with opened(browser, tour, attendance, viewport=PHONE) as page:
        region = page.get_by_role("region", name="Attendance")
        assert region.evaluate("box => box.scrollWidth > box.clientWidth"), "the grid fits: nothing to check"
        region.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
        name = page.locator(".attendance-grid tbody th").first
        box, cell = region.bounding_box(), name.bounding_box()
        assert box["x"] - 1 <= cell["x"] and cell["x"] + cell["width"] <= box["x"] + box["width"] + 1
        assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th') !== null",
                             [cell["x"] + 4, cell["y"] + cell["height"] / 2])  # seen, not covered by a cell
