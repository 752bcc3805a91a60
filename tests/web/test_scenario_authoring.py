"""Trainers write scenarios in the browser: drafts, validation by line, preview, publish,
versions that leave recorded results alone, import, export, editors, roles and CSRF."""
import io
import json
import re

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, post_form
from sample_scenario import EXAMPLE, PERFECT
from trainer.domain.scenario import parse_scenario
from trainer.extensions import db
from trainer.models import Scenario, ScenarioAttempt, ScenarioDraft, ScenarioVersion
from trainer.services import scenario_authoring as authoring
from trainer.services import scenarios as casework

BASE = "/author/scenarios"
SPEC, _ = parse_scenario(EXAMPLE, "example.yml")
KEY_TEXTS = [item.rationale for task in SPEC.tasks if task.type == "grade" for item in task.key.items]


@pytest.fixture
def app_config(example_scenario_config):
    return example_scenario_config


@pytest.fixture
def trainer(make_user, auth, example_loaded):
    user = make_user("trainer")
    auth.login(user)
    return user


def scenario_id(database, slug):
    return database.scalar(select(Scenario.id).where(Scenario.slug == slug))


def from_template(client, database, slug="alay-road") -> int:
    response = post_form(client, f"{BASE}/new/template", {"template-scenario_id": scenario_id(database, slug)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/drafts/(\d+)$", response.headers["Location"]).group(1))


def save(client, draft_id, text, **kwargs):
    return post_form(client, f"{BASE}/drafts/{draft_id}", {"source": text}, **kwargs)


def publish(client, draft_id, **kwargs):
    return post_form(client, f"{BASE}/drafts/{draft_id}/publish", **kwargs)


def source_of(database, draft_id) -> str:
    return database.get(ScenarioDraft, draft_id).source


def renamed(text, slug, title="Osh cold store"):
    text = re.sub(r"^id: .*$", f"id: {slug}", text, count=1, flags=re.MULTILINE)
    return re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.MULTILINE)


def publish_new(client, database, slug="osh-cold-store", title="Osh cold store") -> None:
    draft = from_template(client, database)
    assert save(client, draft, renamed(source_of(database, draft), slug, title)).status_code == 302
    assert publish(client, draft).status_code == 302


def test_create_from_template_fix_a_problem_and_publish_for_trainees(client, trainer, database, auth, make_user):
    draft = from_template(client, database)
    text = source_of(database, draft)
    assert "id: alay-road-copy\n" in text and 'title: "The Alay road: a heroin consignment (copy)"' in text

    broken = renamed(text, "osh-cold-store").replace("pass_mark: 70", "pass_mark: 170").replace("weight: 25", "wieght: 25")
    response = save(client, draft, broken, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Saved." in page and "problems to fix" in page
    assert source_of(database, draft) == broken  # kept although invalid
    assert "pass_mark: 170" in page  # the text is back in the editor
    problems = authoring.validate(broken)[1]
    assert len(problems) >= 3
    for problem in problems:
        assert f'data-line="{problem.line}">Line {problem.line}</a>' in page
    pass_mark_line = broken.split("\n").index("pass_mark: 170") + 1
    assert f"Line {pass_mark_line}</a>" in page

    refused = publish(client, draft)
    assert refused.status_code == 400 and "Not published" in refused.get_data(as_text=True)
    assert scenario_id(database, "osh-cold-store") is None

    fixed = broken.replace("pass_mark: 170", "pass_mark: 70").replace("wieght: 25", "weight: 25")
    page = save(client, draft, fixed, follow_redirects=True).get_data(as_text=True)
    assert "No problems: the scenario is ready to publish." in page
    published = publish(client, draft, follow_redirects=True)
    assert "Published “Osh cold store” as version 1" in published.get_data(as_text=True)
    scenario = database.scalar(select(Scenario).where(Scenario.slug == "osh-cold-store"))
    assert scenario.owner_id == trainer.id and scenario.is_template
    assert database.get(ScenarioDraft, draft) is None  # the draft became the version

    auth.logout()
    auth.login(make_user("trainee"))
    assert "Osh cold store" in client.get("/scenarios").get_data(as_text=True)
    assert client.get("/scenarios/osh-cold-store").status_code == 200


def test_blank_skeleton_lists_what_to_fill_in_and_validates_once_filled(client, trainer, database):
    response = post_form(client, f"{BASE}/new")
    draft = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "must not be empty" in page and "id: new-scenario\n" in source_of(database, draft)
    filled = source_of(database, draft).replace('""', '"Filled in"')
    assert "No problems" in save(client, draft, filled, follow_redirects=True).get_data(as_text=True)
    assert publish(client, draft).status_code == 302
    assert scenario_id(database, "new-scenario") is not None
    # The next blank draft gets an id nobody uses yet.
    post_form(client, f"{BASE}/new")
    newest = database.scalar(select(func.max(ScenarioDraft.id)))
    assert "id: new-scenario-2\n" in source_of(database, newest)


def test_a_trainer_reading_in_russian_starts_a_russian_scenario(client, trainer, database):
    client.get("/?lang=ru")
    response = post_form(client, f"{BASE}/new")
    source = source_of(database, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert "language: ru\n" in source and "language: en" not in source
    assert "# Новый сценарий." in source and 'title: "Оцените сообщения"' in source
    filled = source.replace('""', '"Заполнено"')
    draft = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Проблем нет" in save(client, draft, filled, follow_redirects=True).get_data(as_text=True)


def test_editor_page_has_no_inline_script_or_style(client, trainer, database):
    draft = from_template(client, database)
    page = client.get(f"{BASE}/drafts/{draft}").get_data(as_text=True)
    assert re.search(r'src="/static/js/yaml-editor\.[0-9a-f]{12}\.js"', page)
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert " style=" not in page and "<style" not in page
    assert 'class="gutter"' in page


def test_drafts_are_invisible_to_trainees_and_to_other_trainers(client, trainer, database, auth, make_user):
    draft = from_template(client, database)
    save(client, draft, renamed(source_of(database, draft), "secret-case", "Secret case"))
    pages = [f"{BASE}/drafts/{draft}", f"{BASE}/drafts/{draft}/preview", f"{BASE}/drafts/{draft}/download"]
    actions = [f"{BASE}/drafts/{draft}", f"{BASE}/drafts/{draft}/publish", f"{BASE}/drafts/{draft}/delete"]

    auth.logout()
    auth.login(make_user("trainer"))
    assert "Secret case" not in client.get(BASE).get_data(as_text=True)
    for path in pages:
        assert client.get(path).status_code == 404, path
    for path in actions:
        assert post_form(client, path, {"source": "id: stolen\n"}).status_code == 404, path
    assert "secret-case" in source_of(database, draft)

    auth.logout()
    auth.login(make_user("trainee"))
    assert client.get("/scenarios/secret-case").status_code == 404
    assert "Secret case" not in client.get("/scenarios").get_data(as_text=True)
    for path in pages:
        assert client.get(path).status_code == 403

    auth.logout()
    auth.login(make_user("admin"))
    assert "Secret case" in client.get(f"{BASE}/drafts/{draft}").get_data(as_text=True)


def submit_perfect_attempt(client, app) -> int:
    attempt = int(post_form(client, "/scenarios/osh-cold-store/start").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/scenario-attempts/{attempt}/save", data=json.dumps(PERFECT),
                headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client)})
    post_form(client, f"/scenario-attempts/{attempt}/submit", follow_redirects=True)  # shows the flash once
    return attempt


def main_part(response) -> str:
    """The page without its header, whose CSRF token changes on every request."""
    return response.get_data(as_text=True).split('<main', 1)[1]


def test_publishing_an_edit_makes_a_new_version_and_leaves_recorded_scores_alone(client, app, trainer, database, auth, make_user):
    publish_new(client, database)
    auth.logout()
    trainee = make_user("trainee")
    auth.login(trainee)
    attempt_id = submit_perfect_attempt(client, app)
    before = database.get(ScenarioAttempt, attempt_id)
    assert before.total_percent == 90  # everything right but the report, which awaits a trainer
    result_page = main_part(client.get(f"/scenario-attempts/{attempt_id}/result"))

    auth.logout()
    auth.login(trainer)
    draft = int(post_form(client, f"{BASE}/osh-cold-store/edit").headers["Location"].rsplit("/", 1)[1])
    # Change the key: R1 was B2, now C3. Rescored against the new version, the old answers would lose points.
    edited = source_of(database, draft).replace("R1: {source: B, information: 2", "R1: {source: C, information: 3")
    assert edited != source_of(database, draft)
    save(client, draft, edited)
    assert "as version 2" in publish(client, draft, follow_redirects=True).get_data(as_text=True)

    after = database.get(ScenarioAttempt, attempt_id)
    assert after.version_id == before.version_id and after.total_percent == before.total_percent
    assert after.result == before.result
    with app.app_context():
        attempt = db.session.get(ScenarioAttempt, attempt_id)
        casework.score(attempt)  # rescoring uses the version the attempt was made on
        assert attempt.total_percent == before.total_percent
        assert attempt.version.scenario.current_version.number == 2
        db.session.rollback()
    auth.logout()
    auth.login(trainee)
    assert main_part(client.get(f"/scenario-attempts/{attempt_id}/result")) == result_page
    # A new attempt is made on the new version.
    auth.logout()
    auth.login(make_user("trainee"))
    newer = int(post_form(client, "/scenarios/osh-cold-store/start").headers["Location"].rsplit("/", 1)[1])
    assert database.get(ScenarioAttempt, newer).version_id != before.version_id


def test_an_edit_draft_cannot_change_the_scenario_id(client, trainer, database):
    publish_new(client, database)
    draft = int(post_form(client, f"{BASE}/osh-cold-store/edit").headers["Location"].rsplit("/", 1)[1])
    save(client, draft, source_of(database, draft).replace("id: osh-cold-store", "id: other-id"))
    refused = publish(client, draft)
    assert refused.status_code == 400
    assert "this draft edits the scenario &#39;osh-cold-store&#39;" in refused.get_data(as_text=True)
    # Asking to edit again reopens the same draft instead of starting another.
    again = post_form(client, f"{BASE}/osh-cold-store/edit")
    assert again.headers["Location"].endswith(f"/drafts/{draft}")


def test_an_id_used_by_another_scenario_is_an_error_naming_it(client, trainer, database):
    draft = from_template(client, database)
    save(client, draft, source_of(database, draft).replace("id: alay-road-copy", "id: alay-road"))
    refused = publish(client, draft)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "scenario id &#39;alay-road&#39; is already used by another scenario, “The Alay road: a heroin consignment”" in page
    assert database.scalar(select(func.count()).select_from(ScenarioVersion)) == 1


def test_preview_shows_the_trainee_view_with_every_report_and_no_key(client, trainer, database):
    draft = from_template(client, database)
    page = client.get(f"{BASE}/drafts/{draft}/preview").get_data(as_text=True)
    assert "Preview" in page and 'name="seed"' in page and 'value="20240312"' in page
    for report in SPEC.reports:
        assert f'id="report-{report.id}"' in page  # timed and trainer reports too
    for text in KEY_TEXTS:
        assert text not in page
    assert "rationale" not in page


def test_preview_of_a_template_shows_the_variant_of_any_seed(client, trainer, database, app):
    draft = from_template(client, database)

    def driver(seed):
        page = client.get(f"{BASE}/drafts/{draft}/preview?seed={seed}").get_data(as_text=True)
        return re.search(r'data-entity="P1">([^<]+)</mark>', page).group(1)

    assert driver(1) == driver(1)
    assert len({driver(seed) for seed in (1, 2, 3, 4)}) > 1
    assert "{faker:" not in client.get(f"{BASE}/drafts/{draft}/preview?seed=7").get_data(as_text=True)
    for bad in ("abc", "-1", "99999999999"):
        response = client.get(f"{BASE}/drafts/{draft}/preview?seed={bad}")
        assert response.status_code == 400 and "A seed is a whole number" in response.get_data(as_text=True)


def test_preview_of_an_invalid_draft_lists_its_errors(client, trainer, database):
    draft = from_template(client, database)
    save(client, draft, "id: x\n")
    page = client.get(f"{BASE}/drafts/{draft}/preview").get_data(as_text=True)
    assert "The draft cannot be previewed yet" in page and "missing required field &#39;title&#39;" in page


def upload(client, content: bytes, filename="case.yml", **kwargs):
    return client.post(f"{BASE}/import", data={"file": (io.BytesIO(content), filename),
                                               "csrf_token": csrf_token(client, BASE)},
                       content_type="multipart/form-data", **kwargs)


def test_import_with_errors_keeps_the_file_as_a_draft_and_lists_every_error(client, trainer, database):
    broken = (renamed(EXAMPLE, "imported-case").replace("type: informant", "type: snitch")
              .replace("pass_mark: 70", "pass_mark: high").replace("{{P2}}", "{{P9}}"))
    problems = authoring.errors_in(authoring.validate(broken)[1])
    assert len(problems) >= 3
    response = upload(client, broken.encode(), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f"{len(problems)} problems to fix" in page
    for problem in problems:
        assert f"Line {problem.line}</a>" in page and problem.path in page
    for message in ("unknown source type &#39;snitch&#39;", "P9"):
        assert message in page
    draft = database.scalar(select(func.max(ScenarioDraft.id)))
    assert source_of(database, draft) == broken


def test_import_refuses_text_that_is_not_utf8_too_large_or_not_yaml_files(client, trainer, database):
    latin1 = upload(client, "id: café\n".encode("latin-1"))
    assert latin1.status_code == 400 and "not UTF-8" in latin1.get_data(as_text=True)
    huge = upload(client, b"# " + b"x" * authoring.MAX_SOURCE_BYTES)
    assert huge.status_code == 400 and "too large" in huge.get_data(as_text=True)
    wrong = upload(client, b"id: x\n", filename="case.csv")
    assert wrong.status_code == 400 and "Upload a .yml or .yaml file." in wrong.get_data(as_text=True)
    assert database.count(ScenarioDraft) == 0


def test_import_of_a_scenario_one_may_edit_becomes_a_draft_of_it(client, trainer, database):
    publish_new(client, database)
    exported = client.get(f"{BASE}/osh-cold-store/export").get_data(as_text=True)
    upload(client, exported.replace("pass_mark: 70", "pass_mark: 75").encode("utf-8-sig"))
    draft = database.get(ScenarioDraft, database.scalar(select(func.max(ScenarioDraft.id))))
    assert draft.scenario_id == scenario_id(database, "osh-cold-store")
    assert not draft.source.startswith("\ufeff")
    assert "as version 2" in publish(client, draft.id, follow_redirects=True).get_data(as_text=True)


def test_export_downloads_the_current_version_as_its_yaml_file(client, trainer, database):
    response = client.get(f"{BASE}/alay-road/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="alay-road.yml"'
    assert response.get_data(as_text=True) == EXAMPLE
    assert client.get(f"{BASE}/no-such-case/export").status_code == 404


def test_only_owners_editors_and_admins_edit_a_published_scenario(client, trainer, database, auth, make_user):
    publish_new(client, database)
    colleague = make_user("trainer")
    auth.logout()
    auth.login(colleague)
    assert post_form(client, f"{BASE}/osh-cold-store/edit").status_code == 403
    assert post_form(client, f"{BASE}/alay-road/edit").status_code == 403  # shipped: administrators only
    assert client.get(f"{BASE}/osh-cold-store/editors").status_code == 403
    assert "osh-cold-store" not in client.get(BASE).get_data(as_text=True)

    auth.logout()
    auth.login(trainer)
    assert "no active account" in post_form(client, f"{BASE}/osh-cold-store/editors",
                                            {"email": "nobody@example.org"}).get_data(as_text=True)
    trainee = make_user("trainee")
    assert "is not a trainer" in post_form(client, f"{BASE}/osh-cold-store/editors",
                                           {"email": trainee.email}).get_data(as_text=True)
    granted = post_form(client, f"{BASE}/osh-cold-store/editors", {"email": colleague.email.upper()}, follow_redirects=True)
    assert f"{colleague.full_name} may now edit" in granted.get_data(as_text=True)

    auth.logout()
    auth.login(colleague)
    draft = int(post_form(client, f"{BASE}/osh-cold-store/edit").headers["Location"].rsplit("/", 1)[1])
    save(client, draft, source_of(database, draft).replace("pass_mark: 70", "pass_mark: 65"))
    assert publish(client, draft).status_code == 302
    draft = int(post_form(client, f"{BASE}/osh-cold-store/edit").headers["Location"].rsplit("/", 1)[1])

    auth.logout()
    auth.login(trainer)
    assert client.get(f"{BASE}/drafts/{draft}").status_code == 200  # the owner sees an editor's draft
    post_form(client, f"{BASE}/osh-cold-store/editors/{colleague.id}/revoke")
    auth.logout()
    auth.login(colleague)
    assert publish(client, draft).status_code == 403  # still their draft, no longer their scenario
    assert post_form(client, f"{BASE}/osh-cold-store/edit").status_code == 403

    auth.logout()
    auth.login(make_user("admin"))
    assert post_form(client, f"{BASE}/alay-road/edit").status_code == 302
    assert client.get(f"{BASE}/osh-cold-store/editors").status_code == 200


def test_deleting_a_draft_leaves_the_published_scenario(client, trainer, database):
    publish_new(client, database)
    draft = int(post_form(client, f"{BASE}/osh-cold-store/edit").headers["Location"].rsplit("/", 1)[1])
    assert post_form(client, f"{BASE}/drafts/{draft}/delete").status_code == 302
    assert database.get(ScenarioDraft, draft) is None
    assert client.get("/scenarios/osh-cold-store").status_code == 200


@pytest.mark.parametrize("path", ["/new", "/new/copy", "/new/template", "/import", "/drafts/{draft}",
                                  "/drafts/{draft}/publish", "/drafts/{draft}/delete", "/alay-road/edit"])
def test_every_post_needs_a_csrf_token(client, trainer, database, path):
    draft = from_template(client, database)
    response = client.post(BASE + path.format(draft=draft), data={"source": "id: x\n"})
    assert response.status_code == 400
    assert source_of(database, draft) != "id: x\n"


@pytest.mark.parametrize("role", ["trainee", "manager"])
@pytest.mark.parametrize("path", ["", "/import", "/drafts/1", "/alay-road/export", "/alay-road/editors"])
def test_authoring_is_forbidden_to_trainees_and_managers(client, auth, make_user, example_loaded, role, path):
    auth.login(make_user(role))
    assert client.get(BASE + path).status_code == 403
    assert post_form(client, BASE + "/new").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, example_loaded):
    response = client.get(BASE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("data", [{}, {"source": "x" * (authoring.MAX_SOURCE_BYTES + 1)}, {"source": "id: a\x00b\n"}])
def test_malformed_saves_are_refused_without_losing_the_draft(client, trainer, database, data):
    draft = from_template(client, database)
    text = source_of(database, draft)
    response = post_form(client, f"{BASE}/drafts/{draft}", data)
    assert response.status_code == 400
    assert source_of(database, draft) == text


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,                       # nested deeper than Python recurses
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(  # "billion laughs": aliases of aliases
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
        for a, b in zip("abcdefgh", "bcdefghi")),
    "a: &a [*a]\n",                                 # a list that contains itself
    "\x07\x08", "", "- just a list\n", "id: [unclosed\n",
])
def test_hostile_or_broken_yaml_is_saved_and_reported_never_a_server_error(client, trainer, database, text):
    draft = from_template(client, database)
    response = save(client, draft, text, follow_redirects=True)
    assert response.status_code == 200
    assert source_of(database, draft) == text
    assert client.get(f"{BASE}/drafts/{draft}/preview").status_code == 200
    assert publish(client, draft).status_code == 400


def test_ids_and_titles_longer_than_their_columns_are_problems_not_errors(client, trainer, database):
    draft = from_template(client, database)
    save(client, draft, renamed(source_of(database, draft), "a" * 101, "T" * 301))
    page = publish(client, draft).get_data(as_text=True)
    assert page.count("at most") >= 2 and "<code>id</code>" in page and "<code>title</code>" in page
    assert database.count(Scenario) == 1


def test_new_from_an_unknown_or_non_template_scenario_is_refused(client, trainer, database):
    publish_new(client, database)
    assert database.scalar(select(Scenario.is_template).where(Scenario.slug == "osh-cold-store"))
    non_template = database.add(Scenario(slug="plain", title="Plain"))
    for path, value in [("/new/template", 99999), ("/new/template", non_template.id), ("/new/copy", "abc")]:
        key = "template-scenario_id" if "template" in path else "copy-scenario_id"
        response = post_form(client, BASE + path, {key: value})
        assert response.status_code == 302 and response.headers["Location"].endswith(BASE)
