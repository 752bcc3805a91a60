"""Every main page, the link-chart workspace included, loads under the CSP with no console error."""
from __future__ import annotations

import pytest

from page_tour import PAGES, opened, tour  # noqa: F401 (tour is a fixture)

# Recorded from the first script that runs on each page, before the page's own scripts.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', event => window.__cspViolations.push(
  `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile || ''}:${event.lineNumber}`));
"""


@pytest.mark.parametrize("tour_page", PAGES, ids=str)
def test_page_loads_without_console_errors_or_csp_violations(browser, tour, tour_page):
    problems = []

    def listen(page):
        page.add_init_script(LISTEN_FOR_VIOLATIONS)
        page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" or "Content Security Policy" in message.text else None)
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))

    with opened(browser, tour, tour_page, before_load=listen) as page:
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # scripts that draw after load (the link chart) have run
        problems += page.evaluate("window.__cspViolations")
    if problems:
        pytest.fail(f"{tour_page.name} ({tour.paths[tour_page.name]}):\n" + "\n".join(problems), pytrace=False)


def test_the_link_chart_is_drawn_under_the_csp(browser, tour):
    """The chart library works without the inline stylesheet it would otherwise inject."""
    workspace = next(p for p in PAGES if p.name == "scenario workspace")
    with opened(browser, tour, workspace) as page:
        page.locator('[role="tab"][data-tab="links"]').click()  # tasks are tabs: the chart has its own
        chart = page.locator("[data-chart]").first
        chart.scroll_into_view_if_needed()  # the graph library is fetched when a chart comes into view
        chart.locator("canvas").first.wait_for(state="attached")
        assert chart.evaluate("element => getComputedStyle(element).position") == "relative"
        assert page.locator("head style").count() == 0
