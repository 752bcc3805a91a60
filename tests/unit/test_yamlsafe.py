"""The YAML parser's words for an author's slips, in ours."""
import pytest
import yaml

from trainer.domain.yamlsafe import problem_in_words


@pytest.mark.parametrize("loader", [yaml.SafeLoader, yaml.CSafeLoader], ids=["PyYAML", "libyaml"])
@pytest.mark.parametrize("text, words", [
    ("a:\n\tb: 1\n", "often a tab (indent with spaces only)"),
    ('a: "x\nb: 2\n', "a quoted value is not closed"),
    ("a: b: c\n", "a colon inside a value"),
    ("a:\n  b: 1\n c: 2\n", "this line is indented differently"),
    ("minutes: [\n", "a list “[” or a mapping “{” is not closed"),
    ('a: "\\q"\n', "an unknown \\ escape"),
    ("a: *x\n", "an alias (*name) with no anchor"),
    ("a: 1\nb\nc: 2\n", "a key without its colon"),
])
def test_the_slips_authors_make_most_are_named_in_our_words_whichever_parser_found_them(loader, text, words):
    # The parser's own English ("while scanning for the next token found character that cannot
    # start any token") reached Russian authors untranslated; ours are in the catalogue.
    with pytest.raises(yaml.MarkedYAMLError) as found:
        yaml.load(text, Loader=loader)
    assert words in str(problem_in_words(found.value))
