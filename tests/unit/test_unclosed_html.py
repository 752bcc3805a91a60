"""Raw HTML left open in lesson Markdown: reported with its line, and no text after it is lost."""
import pytest

from sample_course import write_course
from trainer.domain.courses import read_course
from trainer.domain.markdown import SWALLOWING_TAGS, find_lost_text, find_unclosed_html, render_markdown

AFTER = "After it, the **important** part.\n\n## Next heading\n\nMore text."


@pytest.mark.parametrize("tag", SWALLOWING_TAGS)
@pytest.mark.parametrize("inline", [False, True], ids=["block", "inline"])
def test_an_unclosed_element_keeps_the_text_after_it_and_is_reported(tag, inline):
    text = f"Intro line.\n\nSee <{tag}> here.\n\n{AFTER}" if inline else f"Intro line.\n\n<{tag}>\n\n{AFTER}"
    html = render_markdown(text)
    assert "<strong>important</strong>" in html and "<h2>Next heading</h2>" in html and "More text." in html
    assert f"&lt;{tag}&gt;" in html                   # shown as text, so the author sees it
    assert find_unclosed_html(text) == [(3, f"<{tag}> element")]


def test_an_unclosed_comment_inside_raw_html_keeps_the_text():
    text = "<div>\n<!-- draft note\n</div>\n\n" + AFTER
    assert "<strong>important</strong>" in render_markdown(text)
    assert find_unclosed_html(text) == [(2, "<!-- comment")]


def test_closed_elements_and_ones_shown_as_code_are_not_reported():
    text = ("Use `<style>` in code.\n\n```\n<math>\n```\n\n    <svg>\n\n<style>p {}</style>\n\n"
            "<!-- a note -->\n\n" + AFTER)
    assert find_unclosed_html(text) == []
    html = render_markdown(text)
    assert "<code>&lt;style&gt;</code>" in html and "&lt;math&gt;" in html and "<strong>important</strong>" in html


def test_only_the_opening_after_the_last_close_is_reported():
    text = "<style>p {}</style>\n\nText.\n\n<style>\n\n" + AFTER
    assert find_unclosed_html(text) == [(5, "<style> element")]
    assert "<strong>important</strong>" in render_markdown(text)


def test_text_the_sanitiser_drops_for_other_reasons_is_found():
    assert find_lost_text("Intro.\n\nA formula <math><mi>x</mi></math> here.\n") == 3
    assert find_lost_text("Intro.\n\n" + AFTER) is None
    assert find_lost_text("Intro.\n\n<script>alert(1)</script>\n\nOK.") is None     # removed on purpose, warned


def test_course_validation_names_the_lesson_and_line(tmp_path):
    folder = write_course(tmp_path, lesson_body="Intro.\n\n<style>\n\n" + AFTER)
    spec, problems = read_course(folder)
    assert spec is None                              # an error: publishing waits for the fix
    found = [p for p in problems if "never closed" in p.message]
    lesson = (folder / "01-source.md").read_text().splitlines()
    assert [(p.file.rsplit("/", 1)[-1], p.line) for p in found] == [("01-source.md", lesson.index("<style>") + 1)]
    assert "<style> element" in found[0].message


def test_course_validation_warns_about_dropped_text(tmp_path):
    folder = write_course(tmp_path, lesson_body="Intro.\n\nArea <svg><text>forty</text></svg> km.")
    spec, problems = read_course(folder)
    lesson = (folder / "01-source.md").read_text().splitlines()
    warned = [p for p in problems if "does not reach the page" in p.message]
    assert spec is not None and [(p.severity, p.line) for p in warned] == [
        ("warning", next(i for i, line in enumerate(lesson, 1) if "forty" in line))]


@pytest.mark.parametrize("unit", ["<script-x ", "<embed ", "<!-- ", "<div>a < b ", "&eacute; ", "<style ", "<math>"])
def test_checks_stay_fast_on_hostile_lessons(unit):
    import time

    text = unit * (100_000 // len(unit)) + "\n\n</script></style>-->" + AFTER
    started = time.perf_counter()
    render_markdown(text), find_unclosed_html(text), find_lost_text(text)
    # A guard against runaway (quadratic or worse) scans, not a speed figure: about 1 s on a quiet
    # machine; a runaway takes minutes.
    assert time.perf_counter() - started < 30
