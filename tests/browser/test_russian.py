"""An officer lives the whole platform in Russian: login page to scenario result, in Chromium.

The officer chooses «Русский» on the login page; every page after it is `<html lang="ru">`,
the choice is kept on the account, and every page of the journey (with the trainer's cohort
page, the manager's overview and the certificate) shows no English the officer would have to
read. What is checked is the text a person sees or hears: `innerText`, button values, options,
the names screen readers read (aria-label, title, placeholder, alt) and the messages scripts
show later (data-text-...). Left out: elements that declare another language (`lang="en"`: an
English-only course in the catalogue, the "English" button of the switch) and what people
typed (titles of courses and scenarios, names of agencies, cohorts and people, emails).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from babel.support import Translations
from playwright.sync_api import expect

from trainer.domain import scoring
from trainer.extensions import db
from trainer.i18n import TRANSLATIONS
from trainer.models import Agency, Certificate, Cohort, Course, Scenario, ScenarioAttempt, User, user_by_email
from trainer.services import cohorts as programme
from trainer.services import scenarios as casework
from trainer.services.accounts import create_user
from trainer.services.courses import new_certificate_code

RU = Translations.load(TRANSLATIONS, ["ru"])
PASSWORD = "browser demo password"  # as in tests/browser/conftest.py
OFFICER, TRAINER, MANAGER = "ru.officer@example.org", "ru.trainer@example.org", "ru.manager@example.org"
COHORT = "Ош, вебинар по оценке информации"
SCENARIO, COURSE = "heroin-border-crossing-ru", "ilp-foundations-ru"
# 21:30 UTC on 14 May is 02:30 on 15 May in Tashkent (UTC+5), the officer's zone; the platform's
# zone (Bishkek, UTC+6) would say 03:30. May, because its Russian genitive «мая» differs from «май».
STARTED = datetime(2025, 5, 14, 21, 30, tzinfo=timezone.utc)
STARTED_SHOWN = "15 мая 2025, 02:30"

# Latin words a Russian page may show, each for a reason. Words in capitals (UNODC, PDF, XLSX,
# H0, GMT, reference codes such as SBS-INT-2025-173) are acronyms and codes, not English.
ALLOWED_WORDS = {
    "trainer",  # the platform's name, in the header and the footer
    "Toyota", "Camry", "Shacman",  # vehicle makes in the scenario, written in Latin in Russian too
}
# docs/glossary.md: a document with no official Russian title is described in Russian and its
# English title given after it; ILP's English name is given once, where the course explains it.
ALLOWED_PHRASES = (
    "Criminal Intelligence: Manual for Analysts",
    "Criminal Intelligence: Manual for Front-line Law Enforcement",
    "Criminal Justice Assessment Toolkit: Police Information and Intelligence Systems",
    "Authorised Professional Practice: Intelligence management",
    "intelligence-led policing",
    "Open Badges",  # the badge standard's name (IMS Global), written in Latin in Russian too
)
WORD = re.compile(r"[A-Za-z]{3,}")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[^A-Za-zА-Яа-яЁё\n]+[A-Za-z][A-Za-z'’\-]*)*")
URL = re.compile(r"https?://\S+")

VISIBLE_TEXT = """() => {
  // Elements declaring another language (an English-only course, the "English" button) are
  // content in that language, rightly: left out, with everything inside them.
  const foreign = Array.from(document.querySelectorAll('body [lang]'))
    .filter(e => !e.lang.toLowerCase().startsWith('ru'));
  const isForeign = e => foreign.some(x => x.contains(e));
  let text = document.body.innerText;
  foreign.filter(e => !isForeign(e.parentElement)).forEach(e => { text = text.replace(e.innerText, '\\n'); });
  const texts = [text, document.title];
  for (const e of document.querySelectorAll('body *')) {
    if (isForeign(e)) continue;
    for (const attribute of e.attributes) {
      // What screen readers read, and the messages scripts show later (data-text-saved="...").
      const named = ['aria-label', 'title', 'placeholder', 'alt', 'label'].includes(attribute.name);
      const shownLater = /^data-(text-.+|confirm|empty-text|remove-text|unsaved|format)$/.test(attribute.name);
      if (named || shownLater) texts.push(attribute.value);
    }
    if (e.matches('input[type=submit], input[type=button]')) texts.push(e.value);
    if (e.matches('option')) texts.push(e.textContent);
  }
  return texts.join('\\n');
}"""


def authored_texts() -> list[str]:
    """What people typed and the platform shows as typed: titles, names, emails (longest first)."""
    texts = set()
    for column in (Course.title, Scenario.title, Agency.name, Cohort.name, User.full_name, User.email):
        texts |= set(db.session.scalars(db.select(column)))
    return sorted((text for text in texts if text), key=len, reverse=True)


def english_runs(text: str, authored: list[str] = ()) -> list[str]:
    """Runs of Latin words with two or more English words (3+ letters, not all capitals), what
    people wrote, web addresses and the allowed words and phrases aside."""
    for own in (*authored, *ALLOWED_PHRASES):
        text = text.replace(own, "\n")
    text = URL.sub("\n", text)
    found = []
    for line in text.splitlines():
        for run in LATIN_RUN.findall(line):
            words = [word for word in WORD.findall(run) if not word.isupper() and word not in ALLOWED_WORDS]
            if len(words) >= 2:
                found.append(run.strip())
    return found


class RussianPages:
    """Checks each page as it is reached; the test fails at the end, naming every page and phrase."""

    def __init__(self, live_app):
        self.live_app = live_app
        self.problems: dict[str, list[str]] = {}

    def check(self, page, name: str, typed: tuple[str, ...] = ()) -> None:
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.wait_for_load_state("networkidle")
        with self.live_app.app_context():
            authored = [*typed, *authored_texts()]
        runs = english_runs(page.evaluate(VISIBLE_TEXT), authored)
        if runs:
            self.problems[f"{name} ({page.url})"] = sorted(set(runs))

    def assert_all_russian(self) -> None:
        report = "\n".join(f"{name}:\n    " + "\n    ".join(runs) for name, runs in self.problems.items())
        assert not self.problems, f"English on Russian pages:\n{report}"


@pytest.fixture(scope="module")
def people(live_app):
    """An officer in Tashkent who has not chosen a language yet, and a trainer and manager who read Russian."""
    with live_app.app_context():
        officer = create_user(OFFICER, "Айгуль Маматова", PASSWORD, language="en", timezone="Asia/Tashkent")
        trainer = create_user(TRAINER, "Нурлан Осмонов", PASSWORD, role="trainer", language="ru")
        create_user(MANAGER, "Дина Ахмедова", PASSWORD, role="manager", language="ru")
        db.session.flush()
        cohort = programme.create_cohort(trainer, name=COHORT, timezone="Asia/Bishkek",
                                         start_date=date(2025, 5, 14), end_date=date(2025, 5, 16))
        programme.add_members(cohort, [officer])
        programme.assign(cohort, None, casework.scenario_by_slug(SCENARIO), date(2025, 5, 16))
        db.session.commit()


def log_in_in_russian(page, email):
    """Choose «Русский» on the login page, then log in with the Russian form."""
    page.goto("/login")
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def sign_in(page, email):
    """Log in on the login page as it comes (in the browser's language, English here)."""
    page.goto("/login")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form:not(.language-switch) [type="submit"]').click()


def test_the_language_chosen_on_the_login_page_is_kept_on_the_account(page, people, browser, live_server, live_app):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the browser asks for English
    log_in_in_russian(page, OFFICER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Моё обучение")
    for path in ("/", "/courses", "/scenarios", "/profile"):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        switch = page.get_by_role("form", name="Язык")
        expect(switch.get_by_role("button", name="Русский")).to_have_attribute("aria-current", "true")
        expect(switch.get_by_role("button", name="English")).to_be_enabled()
    with live_app.app_context():
        assert user_by_email(OFFICER).language == "ru"

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("status")).to_have_text("Вы вышли из системы.")

    # Another device, whose browser asks for English: the account still says Russian.
    other = browser.new_context(base_url=live_server, locale="en-GB").new_page()
    sign_in(other, OFFICER)
    expect(other.locator("html")).to_have_attribute("lang", "ru")
    expect(other.get_by_role("heading", level=1)).to_have_text("Моё обучение")
    other.goto("/scenarios")
    expect(other.locator("html")).to_have_attribute("lang", "ru")
    other.context.close()


def russian(msgid: str) -> str:
    """The catalogue's Russian for an interface message; fails while it has none."""
    text = RU.gettext(msgid)
    assert text != msgid, f"no Russian for {msgid!r} in the catalogue"
    return text


def answer_every_question(page):
    """Any answer to each question of a check: the first option, true, each list in its given order."""
    for fieldset in page.locator("form.attempt fieldset").all():
        choices = fieldset.locator("input[type=radio], input[type=checkbox]")
        if choices.count():
            choices.first.check()
        for index, select in enumerate(fieldset.locator("select").all()):
            select.select_option(index=min(index + 1, select.locator("option").count() - 1))


def scenario_of(live_app, attempt_id):
    """The officer's variant (to read its key), started at STARTED so every timed report is in."""
    with live_app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        attempt.started_at = STARTED
        db.session.commit()
        return casework.scenario_for(attempt.version, attempt.seed)


def test_an_officer_takes_a_lesson_and_a_scenario_in_russian(page, people, live_app):
    pages = RussianPages(live_app)
    log_in_in_russian(page, OFFICER)
    # The cohort's due date, in Russian words.
    expect(page.locator("#assigned + ul")).to_contain_text(russian("due %(d)s") % {"d": "16 мая 2025 г."})
    pages.check(page, "home")

    # The catalogue lists the Russian version of a course written in both languages.
    page.get_by_role("link", name="Курсы", exact=True).first.click()
    pages.check(page, "catalogue")
    expect(page.get_by_role("heading", level=2, name=russian("Intelligence-led policing"))).to_be_visible()
    with live_app.app_context():
        title = db.session.scalar(db.select(Course.title).where(Course.slug == COURSE))
        english_title = db.session.scalar(db.select(Course.title).where(Course.slug == "ilp-foundations"))
        scenario_title = db.session.scalar(db.select(Scenario.title).where(Scenario.slug == SCENARIO))
    entry = page.locator("article").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(entry).to_have_attribute("lang", "ru")
    expect(page.get_by_role("link", name=english_title, exact=True)).to_have_count(0)
    expect(entry.locator('a[hreflang="en"]')).to_have_text("English")

    entry.get_by_role("link", name=title).click()
    pages.check(page, "course")
    page.get_by_role("button", name="Начать курс").click()
    pages.check(page, "course, started")
    page.locator("ol.lessons a").first.click()
    pages.check(page, "lesson")
    page.get_by_role("button", name="Проверка знаний").click()
    pages.check(page, "knowledge check")
    answer_every_question(page)
    expect(page.get_by_role("status")).to_have_text("Ответы сохранены.")
    page.get_by_role("button", name="Отправить ответы").click()
    expect(page.get_by_role("status").first).to_contain_text("Ваш результат:")
    expect(page.locator("p.feedback").first).to_contain_text(re.compile(r"^(Верно|Нет|Частично)"))
    pages.check(page, "knowledge check result")
    page.goto("/attempts")
    pages.check(page, "my attempts")

    # The Russian scenario: grade, chart (with one link the key does not have), submit.
    page.get_by_role("link", name="Сценарии", exact=True).first.click()
    pages.check(page, "scenario list")
    page.locator('article[lang="ru"]').get_by_role("link", name=scenario_title, exact=True).click()
    pages.check(page, "scenario")
    page.get_by_role("button", name="Открыть материалы дела").click()
    attempt_id = int(page.url.rsplit("/", 1)[1])
    spec = scenario_of(live_app, attempt_id)
    page.reload()
    expect(page.locator("article.report")).to_have_count(len(spec.reports))
    pages.check(page, "workspace")

    tasks = {task.type: task for task in spec.tasks}
    grade, chart, hypotheses = tasks["grade"], tasks["link_chart"], tasks["hypotheses"]
    # The grading scheme's codes are offered with their meanings in Russian.
    source = page.locator(f'[data-task="{grade.id}"] select[data-field="source"]').first
    scale = grade.content.scheme.source
    expect(source.locator('option[value="B"]')).to_have_text(f"B: {russian(scale.label('B'))}")
    for item in grade.key.items:
        for field in ("source", "information", "handling"):
            page.locator(f'[data-task="{grade.id}"] select[data-report="{item.report_id}"][data-field="{field}"]') \
                .select_option(getattr(item, field))
    page.locator(f'[role="tab"][data-tab="{chart.id}"]').click()  # tasks are tabs
    box = page.locator(f'[data-task="{chart.id}"]')
    keyed = {frozenset((link.a, link.b)) for link in chart.key.links}
    board = box.locator("[data-link-a] option").evaluate_all("options => options.map(o => o.value)")
    stray = next((a, b) for a in board for b in board if a != b and frozenset((a, b)) not in keyed)
    for a, b, link_type, strength in [(link.a, link.b, link.type, link.strength) for link in chart.key.links[:3]] \
            + [(*stray, "family", "suspected")]:
        box.locator("[data-link-a]").select_option(a)
        box.locator("[data-link-b]").select_option(b)
        box.locator("[data-link-type]").select_option(link_type)
        box.locator("[data-link-strength]").select_option(strength)
        box.get_by_role("button", name="Добавить связь").click()
    expect(box.locator("[data-links] li")).to_have_count(4)
    written = "Выводы: водитель и посредник действуют вместе; груз ждёт на складе."
    page.locator(f'[role="tab"][data-tab="{tasks["report"].id}"]').click()
    page.locator(f'[data-task="{tasks["report"].id}"] textarea').fill(written)
    expect(page.get_by_role("status").filter(has_text="Все изменения сохранены.")).to_be_visible()
    pages.check(page, "workspace, answered")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отправить на оценку").click()
    expect(page.get_by_text(re.compile(r"Итого: \d+%"))).to_be_visible()
    pages.check(page, "scenario result", typed=(written,))
    # Feedback made in the scoring code reaches the page in Russian: link types, strengths,
    # the sentence for a link the key does not have, grades with what their codes mean.
    links = page.locator(f"#result-{chart.id}")
    # An item and its explanation are one group (the explanation below the item, once).
    stray_row = links.locator("tbody", has_text=russian("Not a link in the key: it lowers precision."))
    expect(stray_row).to_contain_text(russian("family of"))
    first_link = chart.key.links[0]
    expect(links).to_contain_text(russian("%(type)s (%(strength)s)") % {
        "type": russian(scoring.LINK_TYPE_LABELS[first_link.type]),
        "strength": russian(scoring.LINK_STRENGTH_LABELS[first_link.strength])})
    grades = page.locator(f"#result-{grade.id}")
    expect(grades).to_contain_text(russian("%(report)s: source reliability") % {"report": grade.key.items[0].report_id})
    row = hypotheses.key.rows[0]
    expect(page.locator(f"#result-{hypotheses.id}")).to_contain_text(russian(scoring.RATING_LABELS[row.ratings[0][1]]))

    # The attempt's start, in Russian, in the officer's zone (Tashkent), not the platform's.
    page.get_by_role("button", name="Вернуться к сценарию").click()
    expect(page.get_by_role("link", name=STARTED_SHOWN)).to_be_visible()
    pages.check(page, "scenario, attempts")
    page.goto("/")
    pages.check(page, "home, after the work")
    page.goto("/profile")
    pages.check(page, "profile")
    pages.assert_all_russian()


def test_the_trainer_and_the_manager_read_their_pages_in_russian(page, people, live_app, browser, live_server):
    pages = RussianPages(live_app)
    sign_in(page, TRAINER)  # the account says Russian: no choice on this device needed
    pages.check(page, "trainer home")
    page.get_by_role("link", name="Группы", exact=True).first.click()
    pages.check(page, "cohorts")
    page.get_by_role("link", name=COHORT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COHORT)
    pages.check(page, "cohort")

    manager = browser.new_context(base_url=live_server).new_page()
    sign_in(manager, MANAGER)
    pages.check(manager, "manager home")
    manager.get_by_role("link", name="Отчёты", exact=True).first.click()
    pages.check(manager, "report overview")
    manager.context.close()

    # The officer's certificate for the Russian course, and its public verification page.
    with live_app.app_context():
        officer = user_by_email(OFFICER)
        officer.language = "ru"  # as chosen on the login page in the first test
        course = db.session.scalar(db.select(Course).where(Course.slug == COURSE))
        code = new_certificate_code()
        db.session.add(Certificate(code=code, user_id=officer.id, course_id=course.id, holder_name=officer.full_name,
                                   course_title=course.title, hours=2.2, issued_at=STARTED))
        db.session.commit()
    officer_page = browser.new_context(base_url=live_server).new_page()
    sign_in(officer_page, OFFICER)
    officer_page.goto(f"/certificates/{code}")
    expect(officer_page.get_by_text("15 мая 2025")).to_be_visible()  # the day in Tashkent
    pages.check(officer_page, "certificate")
    officer_page.goto(f"/verify/{code}")
    pages.check(officer_page, "certificate check")
    officer_page.context.close()
    pages.assert_all_russian()


WIDER_THAN_THE_SCREEN = """width => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > width + 2 && !e.closest('.overflow-auto'))
    .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.mark.parametrize("where", ["catalogue", "workspace"])
def test_russian_pages_fit_a_phone(browser, live_server, people, where):
    """Russian words are longer than English ones: still no sideways scrolling at 390 px."""
    phone = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 800}).new_page()
    log_in_in_russian(phone, OFFICER)
    if where == "catalogue":
        phone.goto("/courses")
    else:
        phone.goto(f"/scenarios/{SCENARIO}")
        phone.locator('form[action$="/start"] button').click()  # open the case file or continue working
        too_wide = phone.evaluate(WIDER_THAN_THE_SCREEN, 390)  # the case file, then the tasks
        assert phone.evaluate("document.documentElement.scrollWidth") <= 392, too_wide[:5]
        phone.get_by_role("button", name="Задания").click()
        expect(phone.locator(".task").first).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "ru")
    too_wide = phone.evaluate(WIDER_THAN_THE_SCREEN, 390)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 392, too_wide[:5]
    phone.context.close()
