"""What keeps trainee pages fast under a cohort's load (bench/load_bench.py measures it):
authored Markdown rendered once, not per request; rereading a lesson writes nothing; the
home page asks the database the same number of questions however many courses a trainee has;
no ping per request on PostgreSQL; pages compressed, static files under hashed names cached for
a year, and the graph library fetched only where a link chart is shown."""
import re

import psycopg
import pytest
from sqlalchemy import event

from conftest import POSTGRES_ADMIN_URL, post_form
from sample_course import COURSE_YML, write_course
from sample_scenario import PERFECT
from trainer.domain import markdown
from trainer.extensions import db
from trainer.services.content import load_courses


@pytest.fixture
def course_root(tmp_path):
    """Three courses: grading-basics and two copies under other ids."""
    root = tmp_path / "courses"
    write_course(root)
    for number in (2, 3):
        folder = write_course(root / f"copy-{number}")
        folder.rename(root / f"grading-basics-{number}")
        (root / f"grading-basics-{number}" / "course.yml").write_text(
            COURSE_YML.replace("id: grading-basics", f"id: grading-basics-{number}")
                      .replace("title: Grading basics", f"title: Grading basics {number}"))
        (root / f"copy-{number}").rmdir()
    return root


@pytest.fixture
def app_config(request, example_scenario_config, course_root):
    return {**example_scenario_config, "CONTENT_COURSES_DIR": str(course_root), **getattr(request, "param", {})}


@pytest.fixture
def courses_loaded(app, course_root):
    with app.app_context():
        lines = load_courses(course_root)
        db.session.commit()
    assert "Loaded 3 course(s)" in lines[-1], lines


@pytest.fixture
def statements(app):
    """Every SQL statement the app sends while the test runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def writes(statements) -> list[str]:
    return [s for s in statements if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_the_first_visit_to_a_lesson_records_it_and_later_visits_write_nothing(client, trainee, courses_loaded,
                                                                               statements):
    lesson = "/courses/grading-basics/lessons/01-source"
    assert client.get(lesson).status_code == 200
    assert writes(statements), "the first visit enrols the trainee and records the lesson as opened"
    statements.clear()
    for _ in range(3):
        assert client.get(lesson).status_code == 200
    assert writes(statements) == []


def test_rereading_an_earlier_lesson_keeps_resume_at_the_furthest_lesson_and_writes_nothing(
        client, trainee, courses_loaded, statements):
    client.get("/courses/grading-basics/lessons/01-source")
    client.get("/courses/grading-basics/lessons/02-information")
    statements.clear()
    client.get("/courses/grading-basics/lessons/01-source")
    assert writes(statements) == []
    assert "Resume: Information" in client.get("/").get_data(as_text=True)


def home_selects(client, statements) -> int:
    statements.clear()
    page = client.get("/")
    assert page.status_code == 200
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])


def test_the_home_page_asks_as_many_queries_for_three_courses_as_for_one(client, trainee, courses_loaded, statements):
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    one = home_selects(client, statements)
    for slug in ("grading-basics-2", "grading-basics-3"):
        post_form(client, f"/courses/{slug}/lessons/01-source/complete")
        client.get(f"/courses/{slug}/lessons/02-information")
    page = client.get("/").get_data(as_text=True)
    assert "Grading basics 2" in page and "Grading basics 3" in page and "50% of lessons complete" in page
    assert home_selects(client, statements) == one


def selects(client, statements, path: str) -> tuple[int, str]:
    statements.clear()
    page = client.get(path)
    assert page.status_code == 200, path
    return len([s for s in statements if s.lstrip().upper().startswith("SELECT")]), page.get_data(as_text=True)


def test_the_catalogue_counts_every_courses_lessons_in_one_query(client, trainee, courses_loaded, statements):
    count, page = selects(client, statements, "/courses")
    assert page.count("2 lessons") >= 3, "each of the three courses shows its lesson count"
    assert count == 3, "the officer, the courses, and the lesson counts of all of them"


def test_rereading_a_lesson_asks_five_queries_and_loads_the_officer_once(client, trainee, courses_loaded, statements):
    lesson = "/courses/grading-basics/lessons/02-information"
    client.get(lesson)
    count, page = selects(client, statements, lesson)
    assert "Lesson 2 of 2" in page
    # the officer, the course, the lesson with its text, the officer's progress on it, the course's lessons
    assert count == 5, statements


@pytest.fixture
def trainee(make_user, auth, example_loaded):
    user = make_user("trainee")
    auth.login(user)
    return user


@pytest.fixture
def renders(monkeypatch):
    """Counts Markdown renderings (each parse of a text into HTML)."""
    calls = []
    real = markdown._to_html
    monkeypatch.setattr(markdown, "_to_html", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(markdown, "_RENDERED", type(markdown._RENDERED)())  # start with nothing kept
    return calls


def open_case(client) -> int:
    response = post_form(client, "/scenarios/alay-road/start")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_workspace_renders_the_case_file_once_not_on_every_visit(client, trainee, renders):
    attempt = open_case(client)
    first = client.get(f"/scenario-attempts/{attempt}")
    assert first.status_code == 200 and renders, "the first visit renders the brief, reports and tasks"
    renders.clear()
    assert client.get(f"/scenario-attempts/{attempt}").status_code == 200
    assert renders == []


def test_the_result_page_renders_each_explanation_once(client, trainee, renders):
    attempt = open_case(client)
    client.post(f"/scenario-attempts/{attempt}/save", json=PERFECT,
                headers={"X-CSRFToken": csrf(client, attempt)})
    post_form(client, f"/scenario-attempts/{attempt}/submit")
    renders.clear()
    first = client.get(f"/scenario-attempts/{attempt}/result")
    assert first.status_code == 200 and renders
    assert len(renders) == len(set(renders)), "a text shown twice on the page is rendered once"
    renders.clear()
    assert client.get(f"/scenario-attempts/{attempt}/result").status_code == 200
    assert renders == []


def test_an_autosave_reads_the_attempt_once(client, trainee, statements):
    attempt = open_case(client)
    headers = {"X-CSRFToken": csrf(client, attempt)}
    client.post(f"/scenario-attempts/{attempt}/save", json=PERFECT, headers=headers)
    statements.clear()
    answer = client.post(f"/scenario-attempts/{attempt}/save", json=PERFECT, headers=headers).json
    assert answer["saved"] and answer["saved_at"]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM scenario_attempts" in s]
    assert len(reads) == 1, "read before the change, not again (answers and all) after the commit"


def csrf(client, attempt: int) -> str:
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    return page.split('data-csrf="', 1)[1].split('"', 1)[0]


def only_postgresql(backend):
    if backend != "postgresql":
        pytest.skip("a SQLite file has no connection to lose")


def test_a_pool_in_steady_use_sends_no_ping_before_each_request(app, client, backend, monkeypatch):
    only_postgresql(backend)
    with app.app_context():
        dialect = db.engine.dialect
    pings = []
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(1) or real(connection))
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert pings == []


@pytest.mark.parametrize("app_config", [{"DATABASE_PING_AFTER_IDLE_SECONDS": 0}], indirect=True)
def test_a_connection_that_died_while_idle_is_replaced_before_a_request_uses_it(app, client, backend):
    only_postgresql(backend)
    assert client.get("/healthz").status_code == 200  # leaves a connection in the pool
    with app.app_context():
        name = db.engine.url.database
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:  # as a database restart would
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


# --- light on slow links -------------------------------------------------------------------------

def test_pages_are_compressed_for_browsers_that_ask(client):
    import gzip

    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data().replace(*csrf_values(plain, packed))
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"}).headers["Content-Encoding"] == "br"


def csrf_values(plain, packed) -> tuple[bytes, bytes]:
    """(token in the plain page, token in the compressed one): each page gets its own."""
    import gzip
    import re

    pattern = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
    return pattern.search(plain.get_data()).group(1), pattern.search(gzip.decompress(packed.get_data())).group(1)


def test_static_files_have_content_hashed_urls_a_years_cache_and_compressed_copies(client):
    import gzip
    import hashlib
    import re

    from trainer.config import PROJECT_ROOT

    page = client.get("/login").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app\.([0-9a-f]{12})\.css)"', page)
    assert url, "the stylesheet's address carries a hash of its content"
    original = (PROJECT_ROOT / "static" / "css" / "app.css").read_bytes()
    assert url.group(2) == hashlib.sha256(original).hexdigest()[:12]
    response = client.get(url.group(1), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip" and gzip.decompress(response.get_data()) == original
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url.group(1)).get_data() == original  # a browser that takes no gzip
    unhashed = client.get("/static/css/app.css")  # still served, but always revalidated
    assert unhashed.status_code == 200 and "max-age=0" in unhashed.headers["Cache-Control"]


def test_the_workspace_fetches_the_graph_library_only_for_a_link_chart(app, client, trainee, monkeypatch):
    from trainer.views import scenarios as views

    attempt = open_case(client)
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'data-kind="link_chart"' in page
    assert "cytoscape" not in " ".join(re.findall(r"<script[^>]*>", page)), "no script tag loads it up front"
    library = re.search(r'data-chart-script="(/static/vendor/cytoscape-[0-9.]+/cytoscape\.min\.[0-9a-f]{12}\.js)"', page)
    assert library and client.get(library.group(1)).status_code == 200  # fetched when the chart comes into view

    real_view = views.casework.attempt_view

    def without_chart(attempt, case=None):
        view = real_view(attempt, case)
        return {**view, "tasks": [task for task in view["tasks"] if task["type"] != "link_chart"]}

    monkeypatch.setattr(views.casework, "attempt_view", without_chart)
    # The same attempt in the same state with other tasks happens only here: nothing kept.
    monkeypatch.delitem(app.extensions, "fragments")
    page = client.get(f"/scenario-attempts/{attempt}").get_data(as_text=True)
    assert 'data-kind="link_chart"' not in page and "cytoscape.min" not in page


def test_a_gunicorn_worker_leaves_what_it_built_at_start_up_out_of_full_collections(app):
    import gc
    import importlib.util

    from trainer.config import PROJECT_ROOT

    spec = importlib.util.spec_from_file_location("gunicorn_conf", PROJECT_ROOT / "gunicorn.conf.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    try:
        settings.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000, "the app's objects are no longer walked by each full collection"
    finally:
        gc.unfreeze()


# --- start-up -------------------------------------------------------------------------------------

def test_a_restart_with_unchanged_content_parses_nothing_and_a_changed_file_is_loaded(app, course_root,
                                                                                       monkeypatch):
    from trainer.models import Lesson
    from trainer.services import content

    with app.app_context():
        content.load_content()
        db.session.commit()

    def parsed(*_args):
        raise AssertionError("unchanged content was parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(content, "check_courses", parsed)
        patched.setattr(content, "load_scenarios", parsed)
        with app.app_context():
            lines = content.load_content()
    assert len(lines) == 2 and all("not checked again" in line for line in lines), lines

    write_course(course_root, lesson_body="The folder itself was edited.")
    with app.app_context():
        lines = content.load_content()
        db.session.commit()
        assert "not checked again" not in lines[-2] and "Loaded 3 course(s)" in lines[-2]
        bodies = db.session.scalars(db.select(Lesson.body_html).where(Lesson.slug == "01-source")).all()
    assert any("The folder itself was edited." in body for body in bodies)


def test_lists_of_courses_and_lessons_never_load_lesson_texts(client, trainee, courses_loaded, statements):
    post_form(client, "/courses/grading-basics/lessons/01-source/complete")
    for path in ("/", "/courses", "/courses/grading-basics"):
        statements.clear()
        assert client.get(path).status_code == 200
        assert not [s for s in statements if "body_html" in s], path
    assert "Sources are graded" in client.get("/courses/grading-basics/lessons/01-source").get_data(as_text=True)
