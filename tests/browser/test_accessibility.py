"""axe-core finds no serious or critical accessibility problem on any main page of any role."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from page_tour import PAGES, opened, tour  # noqa: F401 (tour is a fixture)

BROWSER_TESTS = Path(__file__).parent
AXE = BROWSER_TESTS / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> Path:
    """axe-core as pinned in tests/browser/package-lock.json, installed with npm when missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail(f"axe-core is missing ({AXE}) and npm is not installed: CI must run this test")
            pytest.skip(f"axe-core is missing ({AXE}) and npm is not installed to fetch it; "
                        "install Node.js and run scripts/test.sh")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(BROWSER_TESTS)], check=True)
    return AXE


def describe(violation: dict) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = f" (+{len(violation['nodes']) - 5} more)" if len(violation["nodes"]) > 5 else ""
    return f"{violation['id']} [{violation['impact']}] at {targets}{more}: {violation['help']} ({violation['helpUrl']})"


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 800}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("tour_page", PAGES, ids=str)
def test_page_has_no_serious_accessibility_violation(browser, tour, axe_source, tour_page, viewport):
    # The app's CSP allows no inline script; axe is injected by the test, so CSP is bypassed here.
    with opened(browser, tour, tour_page, bypass_csp=True, viewport=VIEWPORTS[viewport]) as page:
        page.add_script_tag(path=str(axe_source))
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    if blocking:
        pytest.fail(f"{tour_page.name} ({tour.paths[tour_page.name]}, {viewport}):\n"
                    + "\n".join(map(describe, blocking)), pytrace=False)


def test_a_wide_report_table_scrolls_with_the_keyboard_alone(browser, tour):
    report = next(p for p in PAGES if p.name == "report disaggregation")
    with opened(browser, tour, report, viewport=VIEWPORTS["phone"]) as page:
        region = page.get_by_role("region", name="Table: By country")
        for _ in range(200):  # Tab through the page as a keyboard user does
            page.keyboard.press("Tab")
            if region.evaluate("element => element === document.activeElement"):
                break
        else:
            pytest.fail("Tab never reaches the by-country table")
        assert region.evaluate("element => element.scrollWidth > element.clientWidth"), "the table is not wider"
        page.keyboard.press("ArrowRight")
        page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle())
