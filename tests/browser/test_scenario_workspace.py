"""A trainee works a whole scenario in Chromium: every task, a reload mid-way, submit, feedback."""
import re
import uuid
from datetime import timedelta

import pytest
import yaml
from playwright.sync_api import expect

from trainer.config import PROJECT_ROOT
from trainer.extensions import db
from trainer.models import ScenarioAttempt, User
from trainer.services import scenarios as casework


def attempt_and_spec(live_app, attempt_id, minutes_ago=0):
    """The trainee's variant of the scenario (to read its key), ageing the attempt if asked."""
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        if minutes_ago:
            attempt.started_at = attempt.started_at - timedelta(minutes=minutes_ago)
            db.session.commit()
        return casework.scenario_for(attempt.version, attempt.seed)


def panel(page, task):
    return page.locator(f'[data-task="{task.id}"]')


def tab(page, task):
    return page.locator(f'[role="tab"][data-tab="{task.id}"]')


def open_task(page, task):
    """Tasks are tabs: one task is shown at a time."""
    tab(page, task).click()
    expect(panel(page, task)).to_be_visible()


def fill_grades(page, task):
    open_task(page, task)
    for item in task.key.items:
        for field in ("source", "information", "handling"):
            panel(page, task).locator(f'select[data-report="{item.report_id}"][data-field="{field}"]').select_option(getattr(item, field))


def fill_links(page, task):
    open_task(page, task)
    for link in task.key.links:
        box = panel(page, task)
        box.locator("[data-link-a]").select_option(link.a)
        box.locator("[data-link-b]").select_option(link.b)
        box.locator("[data-link-type]").select_option(link.type)
        box.get_by_role("button", name="Add link").click()


def fill_timeline(page, task):
    wanted = [item.event_id for item in task.key.items]
    open_task(page, task)
    box = panel(page, task)
    for index, event_id in enumerate(wanted):
        current = box.locator("[data-timeline] li").evaluate_all("items => items.map(i => i.dataset.event)")
        for _ in range(current.index(event_id) - index):
            box.locator(f'li[data-event="{event_id}"] [data-move="up"]').click()


def fill_ach(page, task):
    open_task(page, task)
    box = panel(page, task)
    for row in task.key.rows:
        for hypothesis_id, rating in row.ratings:
            box.locator(f'select[data-evidence="{row.evidence_id}"][data-hypothesis="{hypothesis_id}"]').select_option(rating)
    box.locator(f'[data-conclusion][value="{task.key.conclusion}"]').check()


def fill_decisions(page, task):
    open_task(page, task)
    for item in task.key.items:
        for option_id in item.correct:
            panel(page, task).locator(f'input[data-decision="{item.decision_id}"][value="{option_id}"]').check()


def fill_queries(page, task):
    """Answers from the variant's own key: a value, a number, values one a line, row numbers."""
    open_task(page, task)
    questions = {q.id: q for q in task.content.questions}
    for item in task.key.items:
        kind = questions[item.question_id].answer
        if kind == "number":
            text = f"{item.number:g}"
        elif kind == "rows":
            text = ", ".join(str(n) for n in sorted(item.values))
        elif kind == "set":
            text = "\n".join(sorted(item.values))
        else:
            text = sorted(item.values)[0]
        panel(page, task).locator(f'[data-query="{item.question_id}"]').fill(text)


SHIPPED = [yaml.safe_load(path.read_text()) for path in sorted((PROJECT_ROOT / "scenarios").glob("*.yml"))]
TITLES = {spec["id"]: spec["title"] for spec in SHIPPED}


def open_from_the_list(page, slug):
    """The list shows each work once in the reader's language; a translation is one "Also in" link away."""
    spec = next((spec for spec in SHIPPED if spec["id"] == slug), {"title": "The Alay road"})
    original = spec.get("translation_of")
    page.goto("/scenarios")
    if original:
        page.locator("article").filter(has=page.get_by_role("link", name=TITLES[original], exact=True)) \
            .locator(f'a[hreflang="{spec["language"]}"]').click()
    else:
        page.get_by_role("link", name=spec["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(spec["title"])


@pytest.mark.parametrize("slug", ["alay-road"] + [spec["id"] for spec in SHIPPED])
def test_trainee_works_every_task_reloads_and_gets_an_explained_score(page, log_in, open_case_file, live_app, slug):
    log_in("trainee@example.org")
    open_from_the_list(page, slug)
    attempt_id = open_case_file()
    spec = attempt_and_spec(live_app, attempt_id, minutes_ago=60)  # every timed report has arrived
    page.reload()
    expect(page.locator("article.report")).to_have_count(len(spec.reports))

    tasks = {task.type: task for task in spec.tasks}
    fill_grades(page, tasks["grade"])
    fill_links(page, tasks["link_chart"])
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    page.reload()  # mid-way: nothing may be lost
    first = tasks["grade"].key.items[0]
    expect(panel(page, tasks["grade"]).locator(f'select[data-report="{first.report_id}"][data-field="source"]')).to_have_value(first.source)
    expect(panel(page, tasks["link_chart"]).locator("[data-links] li")).to_have_count(len(tasks["link_chart"].key.links))

    fill_timeline(page, tasks["timeline"])
    fill_ach(page, tasks["hypotheses"])
    fill_decisions(page, tasks["decision"])
    if "query" in tasks:
        fill_queries(page, tasks["query"])
    open_task(page, tasks["report"])
    panel(page, tasks["report"]).locator("textarea").fill("Key findings: the driver and the broker act together.")
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    report_weight = tasks["report"].weight
    expect(page.get_by_text(f"Total: {100 - report_weight:.0f}%")).to_be_visible()
    expect(page.get_by_text("awaiting review").first).to_be_visible()
    rationale = re.sub(r"[*_`]", "", tasks["grade"].key.items[-1].rationale).split("{{")[0].strip()
    page.locator(f'#result-{tasks["grade"].id} > summary').click()  # details are collapsed by task
    expect(page.get_by_text(rationale[:30]).first).to_be_visible()  # every key item explained


def test_workspace_is_usable_on_a_narrow_screen_with_the_keyboard(browser, live_server, log_in, page):
    log_in("trainee@example.org")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/scenarios/alay-road")
    page.locator('form[action$="/start"] button').click()  # "Open the case file" or "Continue working"
    for view in ("Case file", "Tasks"):  # two views on a phone, switched by two buttons
        page.get_by_role("button", name=view).focus()
        page.keyboard.press("Enter")
        too_wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.overflow-auto'))
            .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 392, (view, too_wide[:5])
    expect(page.locator(".task").first).to_be_visible()
    # The task tabs with the arrow keys, then reorder the timeline with the keyboard only.
    page.locator('[role="tab"][aria-selected="true"]').focus()
    while page.locator('[role="tab"][aria-selected="true"]').get_attribute("data-tab") != "timeline":
        page.keyboard.press("ArrowRight")
    expect(page.locator('[data-task="timeline"]')).to_be_visible()
    first_up = page.locator("[data-timeline] li").nth(1).locator('[data-move="up"]')
    moving = page.locator("[data-timeline] li").nth(1).get_attribute("data-event")
    first_up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-timeline] li").first).to_have_attribute("data-event", moving)


# --- The workbench's layout: nothing cut at 1366 px, two views on a phone, markers, the result page.

PASSWORD = "workbench test password"
# What each visible select needs to show its longest option uncut (the text in the select's own
# font, plus its padding, which holds the arrow), against the room it has. A select's scrollWidth
# says nothing here: Chromium reports its clientWidth whatever the text.
CUT_SELECTS = """() => {
  const context = document.createElement('canvas').getContext('2d');
  return Array.from(document.querySelectorAll('.workbench select')).filter(s => s.offsetParent).flatMap(s => {
    const style = getComputedStyle(s);
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = Math.max(...Array.from(s.options).map(o => context.measureText(o.text).width));
    const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return text > room + 1 ? [`${s.dataset.field || s.dataset.evidence || s.className}: needs ${Math.ceil(text)} px, has ${room} px`] : [];
  });
}"""
# Visible elements of the shown task that stick out of its card (or of the screen).
STICKING_OUT = """() => {
  const card = document.querySelector('.task:not([hidden])').getBoundingClientRect();
  const right = Math.min(card.right, document.documentElement.clientWidth);
  return Array.from(document.querySelectorAll('.task:not([hidden]) *'))
    .filter(e => e.offsetParent && e.getBoundingClientRect().right > right + 1)
    .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40));
}"""


def new_trainee(live_app, language="en") -> str:
    email = f"workbench-{uuid.uuid4().hex[:8]}@example.org"
    with live_app.app_context():
        user = User(email=email, full_name="Nurlan Workbench", role="trainee", language=language)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return email


def open_attempt(page, log_in, live_app, slug, language="en", minutes_ago=60):
    """A new trainee opens the scenario, every timed report arrived; returns the attempt id and spec."""
    log_in(new_trainee(live_app, language), PASSWORD)
    page.goto(f"/scenarios/{slug}")
    page.locator('form[action$="/start"] button').click()
    page.wait_for_url(re.compile(r"/scenario-attempts/\d+$"))  # the start's redirect has landed
    attempt_id = int(page.url.rsplit("/", 1)[1])
    spec = attempt_and_spec(live_app, attempt_id, minutes_ago=minutes_ago)
    page.goto(page.url)  # again, now that every timed report has arrived
    return attempt_id, spec


@pytest.mark.parametrize("slug, language", [(spec["id"], "en") for spec in SHIPPED] + [("multi-agency-exchange", "ru")])
def test_nothing_is_cut_or_sticks_out_at_1366_px(page, log_in, live_app, tmp_path, slug, language):
    page.set_viewport_size({"width": 1366, "height": 768})
    _, spec = open_attempt(page, log_in, live_app, slug, language)
    expect(page.locator(".workbench > .case-file")).to_be_visible()  # side by side
    expect(page.locator(".workbench > .tasks")).to_be_visible()
    for task in spec.tasks:
        open_task(page, task)
        page.wait_for_timeout(100)  # the ACH matrix is fitted once its panel is shown
        page.screenshot(path=tmp_path / f"{slug}-{language}-{task.id}.png")
        assert page.evaluate(CUT_SELECTS) == [], task.id
        assert page.evaluate(STICKING_OUT) == [], task.id
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, task.id
        if task.type == "hypotheses":  # at 1366 px the ACH is a matrix, inside its card
            matrix, card = page.locator("[data-ach]"), panel(page, task)
            expect(matrix).not_to_have_class(re.compile("as-cards"))
            table = matrix.locator("table").bounding_box()
            assert table["x"] + table["width"] <= card.bounding_box()["x"] + card.bounding_box()["width"]
    # Each side scrolls on its own: scrolling the tasks leaves the case file where it was.
    open_task(page, spec.tasks[0])
    panels, case_file = page.locator(".task-panels"), page.locator(".workbench > .case-file")
    assert panels.evaluate("e => e.scrollHeight > e.clientHeight") and case_file.evaluate("e => e.scrollHeight > e.clientHeight")
    panels.evaluate("e => e.scrollTop = 300")
    assert case_file.evaluate("e => e.scrollTop") == 0 and panels.evaluate("e => e.scrollTop") == 300


def test_on_a_phone_case_file_and_tasks_are_two_views_and_the_ach_is_cards(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    _, spec = open_attempt(page, log_in, live_app, "multi-agency-exchange")
    case_file, tasks = page.locator(".workbench > .case-file"), page.locator(".workbench > .tasks")
    expect(case_file).to_be_visible()
    expect(tasks).to_be_hidden()
    page.screenshot(path=tmp_path / "phone-case-file.png")
    page.get_by_role("button", name="Tasks").click()
    expect(page.get_by_role("button", name="Tasks")).to_have_attribute("aria-pressed", "true")
    expect(case_file).to_be_hidden()
    expect(tasks).to_be_visible()
    ach = next(task for task in spec.tasks if task.type == "hypotheses")
    open_task(page, ach)
    expect(page.locator("[data-ach]")).to_have_class(re.compile("as-cards"))
    cards = panel(page, ach).locator("table.ach tbody tr")
    expect(cards).to_have_count(len(ach.content.evidence))
    first = cards.first
    assert first.evaluate("e => getComputedStyle(e).display") == "block"
    expect(first.locator("select")).to_have_count(len(ach.content.hypotheses))  # a rating per hypothesis, in the card
    expect(first.locator(".ach-cell-label").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    first.locator("select").first.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "phone-ach-cards.png")
    page.get_by_role("button", name="Case file").click()
    expect(case_file).to_be_visible()
    expect(tasks).to_be_hidden()


def test_markers_and_the_progress_bar_follow_the_work_and_survive_a_reload(page, log_in, live_app):
    page.set_viewport_size({"width": 1366, "height": 768})
    _, spec = open_attempt(page, log_in, live_app, "alay-road")
    tasks = {task.type: task for task in spec.tasks}
    expect(page.get_by_role("progressbar", name="Tasks done: 0 of 6")).to_have_attribute("value", "0")
    for task in spec.tasks:
        expect(tab(page, task)).to_have_attribute("data-state", "empty")

    # The grade task: one field of the 12 asked is partly done; all of them, done.
    open_task(page, tasks["grade"])
    first = tasks["grade"].key.items[0]
    panel(page, tasks["grade"]).locator(f'select[data-report="{first.report_id}"][data-field="source"]').select_option(first.source)
    expect(tab(page, tasks["grade"])).to_have_attribute("data-state", "partly")
    expect(page.get_by_role("tab", name="partly done")).to_have_count(1)  # what a screen reader hears
    fill_grades(page, tasks["grade"])
    expect(tab(page, tasks["grade"])).to_have_attribute("data-state", "done")
    # The ACH: one cell of 2 x 2, plus the conclusion: 1 of 5. The report: written.
    open_task(page, tasks["hypotheses"])
    panel(page, tasks["hypotheses"]).locator("select[data-evidence]").first.select_option("neutral")
    expect(tab(page, tasks["hypotheses"])).to_have_attribute("data-state", "partly")
    open_task(page, tasks["report"])
    panel(page, tasks["report"]).locator("textarea").fill("Key findings: the lorry carries the load.")
    # (1 + 1/5 + 1) / 6 tasks = 36.7 %: 37; two tasks done.
    expect(page.get_by_role("progressbar", name="Tasks done: 2 of 6")).to_have_attribute("value", "37")
    expect(page.locator("[data-progress-short]")).to_have_text("2/6")  # the phone's "Tasks" button says it too
    expect(page.get_by_role("status").filter(has_text="All changes saved.")).to_be_visible()

    page.reload()
    expect(tab(page, tasks["report"])).to_have_attribute("aria-selected", "true")  # the tab last opened
    states = {task.type: tab(page, task).get_attribute("data-state") for task in spec.tasks}
    assert states == {"grade": "done", "link_chart": "empty", "timeline": "empty", "hypotheses": "partly",
                      "decision": "empty", "report": "done"}
    expect(page.get_by_role("progressbar", name="Tasks done: 2 of 6")).to_have_attribute("value", "37")
    # Clearing the report takes it back to "not started".
    panel(page, tasks["report"]).locator("textarea").fill("")
    expect(tab(page, tasks["report"])).to_have_attribute("data-state", "empty")
    expect(page.get_by_role("progressbar", name="Tasks done: 1 of 6")).to_have_attribute("value", "20")


def test_tabs_move_with_the_arrow_keys(page, log_in, live_app):
    _, spec = open_attempt(page, log_in, live_app, "alay-road")
    tab(page, spec.tasks[0]).focus()
    page.keyboard.press("ArrowRight")
    expect(tab(page, spec.tasks[1])).to_be_focused()
    expect(tab(page, spec.tasks[1])).to_have_attribute("aria-selected", "true")
    expect(panel(page, spec.tasks[1])).to_be_visible()
    expect(panel(page, spec.tasks[0])).to_be_hidden()
    page.keyboard.press("End")
    expect(tab(page, spec.tasks[-1])).to_be_focused()
    page.keyboard.press("ArrowRight")  # round to the first
    expect(tab(page, spec.tasks[0])).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(tab(page, spec.tasks[-1])).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    page.get_by_role("button", name="Next task").first.click()
    expect(tab(page, spec.tasks[1])).to_have_attribute("aria-selected", "true")


def test_the_result_is_a_short_summary_and_each_report_is_explained_once(page, log_in, live_app, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    attempt_id, spec = open_attempt(page, log_in, live_app, "multi-agency-exchange")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit for scoring").click()
    expect(page.get_by_text(re.compile(r"Total: \d+%"))).to_be_visible()
    # The summary first: total, pass or fail, safeguards, then every task's score.
    expect(page.locator(".summary-box")).to_contain_text("Legal and human-rights safeguards")
    expect(page.locator(".summary-box")).to_contain_text("Scoring rules v")
    expect(page.locator("table.result-tasks tbody tr")).to_have_count(len(spec.tasks))
    expect(page.locator("details.task-result")).to_have_count(len(spec.tasks))
    expect(page.locator("details.task-result[open]")).to_have_count(0)  # details collapsed by task
    page.screenshot(path=tmp_path / "result-collapsed.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollHeight") < 3000

    grade = next(task for task in spec.tasks if task.type == "grade")
    details = page.locator(f"#result-{grade.id}")
    details.locator("summary").click()
    # Source, information and handling of a report are one group with one explanation.
    expect(details.locator("tbody.feedback-group")).to_have_count(len(grade.key.items))
    expect(details.locator("tbody.feedback-group tr:not(.why)")).to_have_count(3 * len(grade.key.items))
    whys = details.locator("tr.why").all_inner_texts()
    assert len(whys) == len(grade.key.items) == len(set(whys))
    body = page.evaluate("document.body.textContent")
    for why in whys:
        assert body.count(why.removeprefix("Why").strip()[:60]) == 1
    page.screenshot(path=tmp_path / "result-grades-open.png", full_page=True)
