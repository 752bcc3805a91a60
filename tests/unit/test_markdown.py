"""Lesson Markdown rendering, sanitising and front matter."""

import pytest

from trainer.domain.markdown import (
    FrontMatterError,
    find_unsafe_html,
    render_markdown,
    scrolling_tables,
    split_front_matter,
)


def test_renders_core_markdown():
    html = render_markdown("# Title\n\nSome *em* and **strong**.\n\n- a\n- b\n")
    assert "<h1>Title</h1>" in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<ul>" in html and "<li>a</li>" in html


def test_admonition_keeps_its_classes():
    html = render_markdown('!!! note "Jurisdiction: Kyrgyz Republic"\n    National text.\n')
    assert '<div class="admonition note">' in html
    assert '<p class="admonition-title">Jurisdiction: Kyrgyz Republic</p>' in html


def test_table_alignment_survives_without_style_attributes():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert "style=" not in html


def test_footnotes_keep_ids_and_anchor_links():
    html = render_markdown("Claim[^1].\n\n[^1]: UNODC 2011.\n")
    assert '<sup id="fnref:1">' in html
    assert 'href="#fn:1"' in html
    assert '<li id="fn:1">' in html
    assert '<div class="footnote">' in html


def test_definition_list_fenced_code_and_ordered_start():
    html = render_markdown("Term\n:   Meaning\n\n```python\nx = 1\n```\n\n3. three\n4. four\n")
    assert "<dl>" in html and "<dt>Term</dt>" in html and "<dd>Meaning</dd>" in html
    assert '<pre><code class="language-python">x = 1' in html
    assert '<ol start="3">' in html


def test_script_is_removed_with_its_content():
    html = render_markdown("Before <script>alert('x')</script> after\n")
    assert "<script" not in html and "alert" not in html
    assert "Before" in html and "after" in html


def test_event_handler_attributes_are_removed():
    html = render_markdown('<span onclick="steal()">hi</span> <img src="a.png" onerror="steal()">\n')
    assert "onclick" not in html and "onerror" not in html and "steal" not in html
    assert "hi" in html


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x"])
def test_dangerous_link_schemes_are_removed(href):
    for source in (f"[x]({href})", f'<a href="{href}">x</a>'):
        html = render_markdown(source)
        assert "href" not in html, source


def test_iframe_is_removed_with_its_content():
    html = render_markdown('<iframe src="https://evil.example">inside</iframe> text\n')
    assert "iframe" not in html and "evil" not in html and "inside" not in html


@pytest.mark.parametrize("href", ["https://unodc.org", "http://a.example/b", "mailto:a@b.example",
                                  "/courses/x", "02-cycle", "#fn:1"])
def test_allowed_links_are_kept_with_rel(href):
    html = render_markdown(f"[x]({href})")
    assert f'href="{href}"' in html
    assert 'rel="noopener noreferrer"' in html


def test_author_rel_and_arbitrary_attributes_are_not_kept():
    html = render_markdown('<div class="x" style="position:fixed" data-x="1">t</div>\n')
    assert "style" not in html and "data-x" not in html


def test_code_block_script_is_shown_escaped_not_stripped():
    html = render_markdown("```\n<script>alert(1)</script>\n```\n")
    assert "&lt;script&gt;" in html


def test_find_unsafe_html_reports_lines_but_not_code_blocks():
    text = "ok\n<script>x()</script>\n[a](javascript:x)\n```\n<iframe>\n```\n"
    found = find_unsafe_html(text)
    assert (2, "<script> element") in found
    assert (3, "javascript: link") in found
    assert all(what != "<iframe> element" for _, what in found)


def test_find_unsafe_html_is_empty_for_plain_markdown():
    assert find_unsafe_html("# Title\n\nA < B and C > D, one = two.\n") == []


def test_split_front_matter():
    data, body, line = split_front_matter("---\ntitle: Cycle\nminutes: 25\n---\n# Body\n")
    assert data == {"title": "Cycle", "minutes": 25}
    assert body == "# Body\n"
    assert line == 5


def test_split_without_front_matter_returns_everything_as_body():
    assert split_front_matter("# Just text\n") == ({}, "# Just text\n", 1)


def test_split_empty_front_matter():
    assert split_front_matter("---\n---\nbody") == ({}, "body", 3)


def test_bad_front_matter_yaml_reports_file_line():
    with pytest.raises(FrontMatterError) as info:
        split_front_matter("---\ntitle: ok\nminutes: [1, 2\nobjectives: x\n---\nbody")
    assert "invalid YAML" in info.value.message
    assert info.value.line is not None and 3 <= info.value.line <= 5


def test_unclosed_front_matter():
    with pytest.raises(FrontMatterError, match="not closed"):
        split_front_matter("---\ntitle: x\n# Body\n")


def test_front_matter_must_be_a_mapping():
    with pytest.raises(FrontMatterError, match="must be YAML keys"):
        split_front_matter("---\n- a\n- b\n---\nbody")


def test_rendered_markdown_is_kept_by_content_and_equals_a_fresh_rendering(monkeypatch):
    from trainer.domain import markdown

    calls = []
    real = markdown._to_html
    monkeypatch.setattr(markdown, "_to_html", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(markdown, "_RENDERED", type(markdown._RENDERED)())
    text = "**Source** A, information 2 <script>x</script>"
    assert markdown.rendered_markdown(text) == markdown.render_markdown(text)
    calls.clear()
    assert markdown.rendered_markdown(text) == markdown.render_markdown(text)
    assert len(calls) == 1  # only the uncached render_markdown call parsed it again
    calls.clear()
    markdown.rendered_markdown(text + " changed")
    assert calls == [text + " changed"]  # another text is another key


def test_a_text_over_the_size_limit_is_parsed_without_being_kept(monkeypatch):
    from trainer.domain import markdown

    monkeypatch.setattr(markdown, "RENDERED_CACHE_MAX_CHARS", 50)
    markdown._recent_parses.cache_clear()
    short, long = "*short*", "*" + "long " * 20 + "*"
    assert markdown.render_markdown(long) == markdown.render_markdown(long)
    assert markdown._recent_parses.cache_info().currsize == 0
    markdown.render_markdown(short)
    assert markdown._recent_parses.cache_info().currsize == 1


def test_the_rendered_markdown_cache_is_bounded(monkeypatch):
    from trainer.domain import markdown

    monkeypatch.setattr(markdown, "_RENDERED", type(markdown._RENDERED)())
    monkeypatch.setattr(markdown, "RENDERED_CACHE_SIZE", 3)
    for n in range(5):
        markdown.rendered_markdown(f"text {n}")
    assert len(markdown._RENDERED) == 3


def test_each_table_scrolls_in_a_named_box_that_the_keyboard_reaches():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\nText.\n\n| c |\n|---|\n| 3 |\n")
    boxed = scrolling_tables(html, 'Table "x"')
    opening = '<div class="overflow-auto" tabindex="0" role="region" aria-label="Table &quot;x&quot;"><table>'
    assert boxed.count(opening) == 2 and boxed.count("</table></div>") == 2
    assert boxed.replace(opening, "<table>").replace("</table></div>", "</table>") == html
